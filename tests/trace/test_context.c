/*
 * tests/trace/test_context.c - the per-thread context stack: current span,
 * parent links, explicit and root parents, capture on one thread and attach
 * on another, scope ends out of order, baggage on the stack.
 */
#include <pthread.h>
#include <string.h>

#include "support/test_support.h"

static test_pipeline tp;
static void setup(void) {
    pipeline_init(&tp, NULL, false, NULL);
}
static void teardown(void) {
    pipeline_free(&tp);
}
TestSuite(context, .init = setup, .fini = teardown);

static bool is_child_of(const otelc_span_data *c, const otelc_span_data *p) {
    return memcmp(c->context.trace_id, p->context.trace_id, 16) == 0 &&
           memcmp(c->parent_span_id, p->context.span_id, 8) == 0;
}

Test(context, current_span_parents_new_spans) {
    cr_assert_null(otelc_span_current());
    otelc_span *root = otelc_span_start(tp.tracer, "root", NULL);
    otelc_scope s1 = otelc_span_make_current(root);
    cr_assert_eq(otelc_span_current(), root);
    otelc_span_context cur = otelc_current_span_context();
    cr_assert_eq(memcmp(cur.span_id, otelc_span_get_context(root).span_id, 8),
                 0);
    otelc_span *child = otelc_span_start(tp.tracer, "child", NULL);
    otelc_scope s2 = otelc_span_make_current(child);
    otelc_span *grand = otelc_span_start(tp.tracer, "grand", NULL);
    otelc_span_end(grand);
    otelc_scope_end(s2);
    otelc_span_end(child);
    cr_assert_eq(otelc_span_current(), root);
    otelc_span_start_options o = {.root = true};
    otelc_span *other = otelc_span_start(tp.tracer, "other_root", &o);
    otelc_span_end(other);
    otelc_scope_end(s1);
    otelc_span_end(root);
    cr_assert_null(otelc_span_current());
    cr_assert_eq(otelc_scope_depth(), 0);

    const otelc_span_data *r = pipeline_find(&tp, "root");
    const otelc_span_data *c = pipeline_find(&tp, "child");
    const otelc_span_data *g = pipeline_find(&tp, "grand");
    const otelc_span_data *o2 = pipeline_find(&tp, "other_root");
    cr_assert_not(otelc_span_data_has_parent(r));
    cr_assert(is_child_of(c, r));
    cr_assert(is_child_of(g, c));
    cr_assert_not(c->parent_is_remote);
    cr_assert_not(otelc_span_data_has_parent(o2));
    cr_assert_neq(memcmp(o2->context.trace_id, r->context.trace_id, 16), 0);
}

Test(context, explicit_parent_wins_over_current) {
    otelc_span *a = otelc_span_start(tp.tracer, "a", NULL);
    otelc_span *b = otelc_span_start(tp.tracer, "b", NULL);
    otelc_scope sa = otelc_span_make_current(a);
    otelc_span_context bc = otelc_span_get_context(b);
    otelc_context *bctx = otelc_context_new(&bc, NULL, NULL);
    otelc_span_start_options o = {.parent = bctx};
    otelc_span *c = otelc_span_start(tp.tracer, "c", &o);
    otelc_span_end(c);
    otelc_scope_end(sa);
    otelc_span_end(a);
    otelc_span_end(b);
    otelc_context_free(bctx);
    cr_assert(is_child_of(pipeline_find(&tp, "c"), pipeline_find(&tp, "b")));
}

static otelc_context *g_captured;
static void *worker(void *arg) {
    (void)arg;
    /* A fresh thread has an empty stack. */
    cr_assert_null(otelc_span_current());
    otelc_scope s = otelc_context_attach(g_captured);
    cr_assert_null(otelc_span_current()); /* a context, not a live span */
    otelc_span *w = otelc_span_start(tp.tracer, "on_worker", NULL);
    otelc_scope s2 = otelc_span_make_current(w);
    otelc_span *deeper = otelc_span_start(tp.tracer, "deeper", NULL);
    otelc_span_end(deeper);
    otelc_scope_end(s2);
    otelc_span_end(w);
    otelc_scope_end(s);
    return NULL;
}

Test(context, capture_and_attach_on_another_thread) {
    otelc_span *root = otelc_span_start(tp.tracer, "request", NULL);
    otelc_scope s = otelc_span_make_current(root);
    g_captured = otelc_context_capture();
    otelc_scope_end(s);
    otelc_span_end(root); /* the capture does not need the span alive */
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    otelc_context_free(g_captured);
    const otelc_span_data *r = pipeline_find(&tp, "request");
    const otelc_span_data *w = pipeline_find(&tp, "on_worker");
    cr_assert(is_child_of(w, r));
    cr_assert_not(w->parent_is_remote);
    cr_assert(is_child_of(pipeline_find(&tp, "deeper"), w));
}

Test(context, capture_with_nothing_current_gives_roots) {
    otelc_context *c = otelc_context_capture();
    otelc_span_context sc = otelc_context_span_context(c);
    cr_assert_not(otelc_span_context_is_valid(&sc));
    otelc_scope s = otelc_context_attach(c);
    otelc_span *x = otelc_span_start(tp.tracer, "x", NULL);
    otelc_span_end(x);
    otelc_scope_end(s);
    otelc_context_free(c);
    cr_assert_not(otelc_span_data_has_parent(pipeline_find(&tp, "x")));
}

Test(context, ending_an_outer_scope_pops_leaked_inner_ones) {
    diag_capture_start();
    otelc_span *a = otelc_span_start(tp.tracer, "a", NULL);
    otelc_scope sa = otelc_span_make_current(a);
    otelc_span *b = otelc_span_start(tp.tracer, "b", NULL);
    otelc_span_make_current(b); /* never ended: leaked scope */
    cr_assert_eq(otelc_scope_depth(), 2);
    otelc_scope_end(sa);
    cr_assert_eq(otelc_scope_depth(), 0);
    cr_assert_eq(diag_count("1 inner scope(s) were not ended", NULL), 1);
    otelc_scope_end(sa); /* already popped: nothing happens */
    cr_assert_eq(otelc_scope_depth(), 0);
    otelc_span_end(b);
    otelc_span_end(a);
    diag_capture_stop();
}

Test(context, attaching_null_hides_the_current_span) {
    otelc_span *a = otelc_span_start(tp.tracer, "a", NULL);
    otelc_scope sa = otelc_span_make_current(a);
    otelc_scope sn = otelc_context_attach(NULL);
    cr_assert_null(otelc_span_current());
    otelc_span *r = otelc_span_start(tp.tracer, "r", NULL);
    otelc_span_end(r);
    otelc_scope_end(sn);
    cr_assert_eq(otelc_span_current(), a);
    otelc_scope_end(sa);
    otelc_span_end(a);
    cr_assert_not(otelc_span_data_has_parent(pipeline_find(&tp, "r")));
}

Test(context, deep_stacks_grow) {
    enum { DEPTH = 300 };
    otelc_span *spans[DEPTH];
    otelc_scope scopes[DEPTH];
    for (int i = 0; i < DEPTH; i++) {
        spans[i] = otelc_span_start(tp.tracer, "level", NULL);
        scopes[i] = otelc_span_make_current(spans[i]);
    }
    cr_assert_eq(otelc_scope_depth(), DEPTH);
    for (int i = DEPTH - 1; i >= 0; i--) {
        otelc_scope_end(scopes[i]);
        otelc_span_end(spans[i]);
    }
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), DEPTH);
    /* Each level is the child of the one above. */
    for (size_t i = 0; i + 1 < DEPTH; i++) {
        const otelc_span_data *child = otelc_memory_exporter_get(tp.mem, i);
        const otelc_span_data *parent =
            otelc_memory_exporter_get(tp.mem, i + 1);
        cr_assert(is_child_of(child, parent));
    }
}

Test(context, baggage_rides_the_stack) {
    otelc_baggage *b = otelc_baggage_set(NULL, "tenant", "acme", NULL);
    otelc_baggage *b2 = otelc_baggage_set(b, "user", "42", "prop=1");
    cr_assert_null(otelc_baggage_get(b, "user"));
    cr_assert_str_eq(otelc_baggage_get(b2, "tenant"), "acme");
    cr_assert_eq(otelc_baggage_count(b2), 2);
    otelc_scope s = otelc_baggage_attach(b2);
    cr_assert_eq(otelc_current_baggage(), b2);
    otelc_span *sp = otelc_span_start(tp.tracer, "with_baggage", NULL);
    otelc_scope s2 = otelc_span_make_current(sp);
    cr_assert_eq(otelc_current_baggage(), b2); /* inherited by span entries */
    otelc_context *cap = otelc_context_capture();
    cr_assert_str_eq(otelc_baggage_get(otelc_context_baggage(cap), "user"),
                     "42");
    otelc_scope_end(s2);
    otelc_span_end(sp);
    otelc_scope_end(s);
    cr_assert_null(otelc_current_baggage());
    otelc_baggage *b3 = otelc_baggage_remove(b2, "tenant");
    cr_assert_eq(otelc_baggage_count(b3), 1);
    const char *n, *v, *m;
    cr_assert(otelc_baggage_entry(b3, 0, &n, &v, &m));
    cr_assert_str_eq(n, "user");
    cr_assert_str_eq(m, "prop=1");
    otelc_baggage_free(b);
    otelc_baggage_free(b2);
    otelc_baggage_free(b3);
    /* The captured context keeps its baggage alive. */
    cr_assert_str_eq(otelc_baggage_get(otelc_context_baggage(cap), "tenant"),
                     "acme");
    otelc_context_free(cap);
}

Test(context, request_id_is_per_thread_and_truncated) {
    cr_assert_null(otelc_request_id_current());
    otelc_request_id_set("req-123");
    cr_assert_str_eq(otelc_request_id_current(), "req-123");
    char big[400];
    memset(big, 'r', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    otelc_request_id_set(big);
    cr_assert_eq(strlen(otelc_request_id_current()), OTELC_REQUEST_ID_MAX - 1);
    otelc_request_id_set(NULL);
    cr_assert_null(otelc_request_id_current());
}
