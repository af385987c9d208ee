/*
 * tests/trace/test_macros.c - TRACE_SPAN and friends: the span ends when the
 * block is left by any path, attributes/events/errors land on the current
 * span, and otelc_scope_unwind() recovers after longjmp.
 */
#include <setjmp.h>
#include <string.h>

#include "support/test_support.h"

static test_pipeline tp;
static void setup(void) {
    pipeline_init(&tp, NULL, false, NULL);
    otelc_tracer_provider_set_global(tp.provider);
}
static void teardown(void) {
    pipeline_free(&tp);
}
TestSuite(macros, .init = setup, .fini = teardown);

static int leave_by_return(void) {
    TRACE_SPAN("returns") {
        TRACE_ATTR_INT("n", 1);
        return 7;
    }
    return 0;
}

Test(macros, span_ends_on_return) {
    cr_assert_eq(leave_by_return(), 7);
    const otelc_span_data *d = pipeline_find(&tp, "returns");
    cr_assert_not_null(d);
    cr_assert_eq(d->attributes[0].value.u.i, 1);
    cr_assert_eq(otelc_scope_depth(), 0);
}

Test(macros, span_ends_on_break_and_continue) {
    int after = 0;
    for (int i = 0; i < 3; i++) {
        TRACE_SPAN("loop_body") {
            if (i == 1)
                continue; /* leaves the TRACE_SPAN block */
            TRACE_ATTR_INT("i", i);
            break; /* leaves the TRACE_SPAN block, not the for loop */
        }
        after++;
    }
    cr_assert_eq(after, 3);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 3);
    cr_assert_eq(otelc_scope_depth(), 0);
}

Test(macros, span_ends_on_goto_out) {
    TRACE_SPAN("goto") {
        goto out;
    }
out:
    cr_assert_not_null(pipeline_find(&tp, "goto"));
    cr_assert_eq(otelc_scope_depth(), 0);
}

static void named_function(void) {
    TRACE_FUNCTION() {
        TRACE_ATTR_BOOL("inside", 1);
    }
}

Test(macros, nesting_attributes_events_errors_and_kinds) {
    TRACE_SPAN("outer") {
        TRACE_ATTR_STR("s", "v");
        TRACE_ATTR_DOUBLE("d", 1.5);
        TRACE_SPAN_KIND("call", OTELC_SPAN_KIND_CLIENT) {
            TRACE_EVENT("sent", OTELC_ATTR_INT("bytes", 10),
                        OTELC_ATTR_STR("to", "db"));
            TRACE_EVENT("bare");
            TRACE_ERROR("failed with %d", 500);
        }
        named_function();
    }
    const otelc_span_data *o = pipeline_find(&tp, "outer");
    const otelc_span_data *c = pipeline_find(&tp, "call");
    const otelc_span_data *f = pipeline_find(&tp, "named_function");
    cr_assert(o && c && f);
    cr_assert_eq(memcmp(c->parent_span_id, o->context.span_id, 8), 0);
    cr_assert_eq(memcmp(f->parent_span_id, o->context.span_id, 8), 0);
    cr_assert_eq(c->kind, OTELC_SPAN_KIND_CLIENT);
    cr_assert_eq(c->event_count, 2);
    cr_assert_eq(c->events[0].attribute_count, 2);
    cr_assert_eq(c->events[1].attribute_count, 0);
    cr_assert_eq(c->status_code, OTELC_STATUS_ERROR);
    cr_assert_str_eq(c->status_description, "failed with 500");
    cr_assert_eq(o->attribute_count, 2);
    cr_assert_eq(o->status_code, OTELC_STATUS_UNSET);
}

Test(macros, macros_without_an_sdk_do_nothing) {
    otelc_tracer_provider_set_global(NULL);
    TRACE_SPAN("nothing") {
        TRACE_ATTR_INT("x", 1);
        TRACE_ERROR("nope");
    }
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 0);
    cr_assert_eq(otelc_scope_depth(), 0);
}

static jmp_buf g_jmp;
static void jump_out(void) {
    TRACE_SPAN("jumped_over") {
        TRACE_SPAN("inner_jumped") {
            longjmp(g_jmp, 1);
        }
    }
}

Test(macros, longjmp_is_recovered_with_unwind) {
    uint32_t depth = otelc_scope_depth();
    if (setjmp(g_jmp) == 0) {
        jump_out();
        cr_assert_fail("longjmp did not happen");
    }
    /* The cleanups did not run: both spans are still current. */
    cr_assert_eq(otelc_scope_depth(), depth + 2);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 0);
    otelc_scope_unwind(depth);
    cr_assert_eq(otelc_scope_depth(), depth);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 2);
    cr_assert_not_null(pipeline_find(&tp, "jumped_over"));
    cr_assert_not_null(pipeline_find(&tp, "inner_jumped"));
}

#undef OTELC_TRACER
#define OTELC_TRACER my_tracer
Test(macros, a_custom_tracer_can_be_chosen) {
    otelc_tracer *my_tracer = otelc_tracer_get(tp.provider, "mine", "2.0");
    TRACE_SPAN("custom") {}
    const otelc_span_data *d = pipeline_find(&tp, "custom");
    cr_assert_str_eq(d->scope->name, "mine");
}
