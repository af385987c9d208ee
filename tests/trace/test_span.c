/*
 * tests/trace/test_span.c - span semantics: attributes of every type,
 * replacement, limits and dropped counts, events, links, status rules,
 * names, exceptions, end times, recording state and context accessors.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_support.h"

static test_pipeline tp;

static void setup(void) {
    pipeline_init(&tp, NULL, false, NULL);
}
static void teardown(void) {
    pipeline_free(&tp);
}

TestSuite(span, .init = setup, .fini = teardown);

Test(span, attributes_of_every_type_are_copied) {
    char key[] = "mutable.key";
    char val[] = "mutable value";
    const char *sa[] = {"a", "bc", ""};
    int64_t ia[] = {1, -2, INT64_MAX};
    double da[] = {0.5, -1e300};
    bool ba[] = {true, false, true};
    otelc_span *s = otelc_span_start(tp.tracer, "attrs", NULL);
    otelc_span_set_attribute_str(s, key, val);
    otelc_span_set_attribute_int(s, "i", -42);
    otelc_span_set_attribute_double(s, "d", 3.25);
    otelc_span_set_attribute_bool(s, "b", true);
    otelc_span_set_attribute_str_n(s, "n", "with\0nul", 8);
    otelc_attribute arr[] = {OTELC_ATTR_STR_ARRAY("sa", sa, 3),
                             OTELC_ATTR_INT_ARRAY("ia", ia, 3),
                             OTELC_ATTR_DOUBLE_ARRAY("da", da, 2),
                             OTELC_ATTR_BOOL_ARRAY("ba", ba, 3)};
    otelc_span_set_attributes(s, arr, 4);
    /* The caller's buffers may change right after the calls. */
    strcpy(key, "changed.key");
    strcpy(val, "changed value");
    sa[0] = "zzz";
    ia[0] = 99;
    otelc_span_end(s);

    const otelc_span_data *d = pipeline_find(&tp, "attrs");
    cr_assert_not_null(d);
    cr_assert_eq(d->attribute_count, 9);
    const otelc_value *v =
        find_attr(d->attributes, d->attribute_count, "mutable.key");
    cr_assert_not_null(v);
    cr_assert_str_eq(v->u.s, "mutable value");
    cr_assert_eq(v->len, strlen("mutable value"));
    v = find_attr(d->attributes, d->attribute_count, "i");
    cr_assert_eq(v->type, OTELC_VALUE_INT);
    cr_assert_eq(v->u.i, -42);
    v = find_attr(d->attributes, d->attribute_count, "d");
    cr_assert_eq(v->type, OTELC_VALUE_DOUBLE);
    cr_assert_float_eq(v->u.d, 3.25, 0);
    v = find_attr(d->attributes, d->attribute_count, "b");
    cr_assert(v->type == OTELC_VALUE_BOOL && v->u.b);
    v = find_attr(d->attributes, d->attribute_count, "n");
    cr_assert_eq(v->len, 8);
    cr_assert_eq(memcmp(v->u.s, "with\0nul", 8), 0);
    v = find_attr(d->attributes, d->attribute_count, "sa");
    cr_assert_eq(v->type, OTELC_VALUE_STRING_ARRAY);
    cr_assert_eq(v->len, 3);
    cr_assert_str_eq(v->u.sa[0], "a");
    cr_assert_str_eq(v->u.sa[1], "bc");
    cr_assert_str_eq(v->u.sa[2], "");
    v = find_attr(d->attributes, d->attribute_count, "ia");
    cr_assert(v->len == 3 && v->u.ia[0] == 1 && v->u.ia[2] == INT64_MAX);
    v = find_attr(d->attributes, d->attribute_count, "da");
    cr_assert(v->len == 2 && v->u.da[1] == -1e300);
    v = find_attr(d->attributes, d->attribute_count, "ba");
    cr_assert(v->len == 3 && v->u.ba[0] && !v->u.ba[1] && v->u.ba[2]);
}

Test(span, setting_an_existing_key_replaces_its_value) {
    otelc_span *s = otelc_span_start(tp.tracer, "replace", NULL);
    otelc_span_set_attribute_str(s, "k", "first");
    otelc_span_set_attribute_int(s, "k", 7);
    otelc_span_set_attribute_str(s, "other", "x");
    otelc_span_set_attribute_str(s, "k", "third");
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "replace");
    cr_assert_eq(d->attribute_count, 2);
    cr_assert_str_eq(find_attr(d->attributes, 2, "k")->u.s, "third");
    cr_assert_eq(d->dropped_attribute_count, 0);
}

Test(span, empty_keys_and_none_values_are_ignored) {
    otelc_span *s = otelc_span_start(tp.tracer, "ignored", NULL);
    otelc_span_set_attribute_str(s, "", "v");
    otelc_span_set_attribute_str(s, NULL, "v");
    otelc_value none = {OTELC_VALUE_NONE, 0, {.i = 0}};
    otelc_span_set_attribute(s, "k", &none);
    otelc_span_set_attribute(s, "k", NULL);
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "ignored");
    cr_assert_eq(d->attribute_count, 0);
    cr_assert_eq(d->dropped_attribute_count, 0);
}

Test(span, many_attributes_spill_and_keep_order) {
    otelc_span *s = otelc_span_start(tp.tracer, "many", NULL);
    char k[32];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "key.%03d", i);
        otelc_span_set_attribute_int(s, k, i);
    }
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "many");
    cr_assert_eq(d->attribute_count, 100);
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "key.%03d", i);
        cr_assert_str_eq(d->attributes[i].key, k);
        cr_assert_eq(d->attributes[i].value.u.i, i);
    }
}

Test(span, limits_drop_and_count) {
    otelc_span_limits l = otelc_span_limits_default();
    cr_assert_eq(l.attribute_count, 128);
    cr_assert_eq(l.event_count, 128);
    cr_assert_eq(l.link_count, 128);
    cr_assert_eq(l.attribute_value_length, 0);
    l.attribute_count = 3;
    l.event_count = 2;
    l.link_count = 1;
    l.event_attribute_count = 1;
    l.link_attribute_count = 2;
    l.attribute_value_length = 4;
    otelc_tracer_provider_set_limits(tp.provider, &l);
    otelc_span *s = otelc_span_start(tp.tracer, "limited", NULL);
    for (int i = 0; i < 5; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        otelc_span_set_attribute_str(s, k, "abcdefgh");
    }
    /* Replacing an existing key is not a new attribute: never dropped. */
    otelc_span_set_attribute_str(s, "k0", "xy");
    otelc_attribute ea[] = {OTELC_ATTR_INT("a", 1), OTELC_ATTR_INT("b", 2)};
    for (int i = 0; i < 4; i++)
        otelc_span_add_event(s, "ev", ea, 2);
    otelc_span_context other = otelc_span_get_context(s);
    other.span_id[0] ^= 0xff;
    otelc_attribute la[] = {OTELC_ATTR_INT("a", 1), OTELC_ATTR_INT("b", 2),
                            OTELC_ATTR_INT("c", 3)};
    otelc_link link = {other, NULL, la, 3};
    otelc_span_add_link(s, &link);
    otelc_span_add_link(s, &link);
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "limited");
    cr_assert_eq(d->attribute_count, 3);
    cr_assert_eq(d->dropped_attribute_count, 2);
    cr_assert_str_eq(d->attributes[0].value.u.s, "xy");
    cr_assert_str_eq(d->attributes[1].value.u.s, "abcd");
    cr_assert_eq(d->event_count, 2);
    cr_assert_eq(d->dropped_event_count, 2);
    cr_assert_eq(d->events[0].attribute_count, 1);
    cr_assert_eq(d->events[0].dropped_attribute_count, 1);
    cr_assert_eq(d->link_count, 1);
    cr_assert_eq(d->dropped_link_count, 1);
    cr_assert_eq(d->links[0].attribute_count, 2);
    cr_assert_eq(d->links[0].dropped_attribute_count, 1);
}

Test(span, value_length_limit_counts_utf8_characters) {
    otelc_span_limits l = otelc_span_limits_default();
    l.attribute_value_length = 3;
    otelc_tracer_provider_set_limits(tp.provider, &l);
    otelc_span *s = otelc_span_start(tp.tracer, "utf8", NULL);
    /* "é" is 2 bytes, "€" 3 bytes: 3 characters are 6 bytes. */
    otelc_span_set_attribute_str(s, "k",
                                 "\xc3\xa9\xe2\x82\xac"
                                 "ab");
    const char *arr[] = {"abcdef"};
    otelc_attribute a = OTELC_ATTR_STR_ARRAY("arr", arr, 1);
    otelc_span_set_attributes(s, &a, 1);
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "utf8");
    const otelc_value *v = find_attr(d->attributes, d->attribute_count, "k");
    cr_assert_eq(v->len, 6);
    cr_assert_str_eq(v->u.s, "\xc3\xa9\xe2\x82\xac"
                             "a");
    v = find_attr(d->attributes, d->attribute_count, "arr");
    cr_assert_str_eq(v->u.sa[0], "abc");
}

Test(span, huge_attribute_values_are_kept_without_limit) {
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    otelc_span *s = otelc_span_start(tp.tracer, "huge", NULL);
    otelc_span_set_attribute_str(s, "big", big);
    otelc_span_end(s);
    free(big);
    const otelc_span_data *d = pipeline_find(&tp, "huge");
    cr_assert_eq(d->attributes[0].value.len, n);
    cr_assert_eq(d->attributes[0].value.u.s[n - 1], 'x');
}

Test(span, events_keep_name_time_and_attributes) {
    otelc_span *s = otelc_span_start(tp.tracer, "events", NULL);
    otelc_time_ns before = otelc_now_ns();
    otelc_attribute a[] = {OTELC_ATTR_STR("k", "v"), OTELC_ATTR_INT("n", 5),
                           OTELC_ATTR_INT("n", 6)};
    otelc_span_add_event(s, "first", a, 3);
    otelc_span_add_event_at(s, "second", 1234567890, NULL, 0);
    for (int i = 0; i < 10; i++)
        otelc_span_add_event(s, "more", NULL, 0);
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "events");
    cr_assert_eq(d->event_count, 12);
    cr_assert_str_eq(d->events[0].name, "first");
    cr_assert_geq(d->events[0].time, before);
    /* Duplicate keys in one call: the last value wins. */
    cr_assert_eq(d->events[0].attribute_count, 2);
    cr_assert_eq(find_attr(d->events[0].attributes, 2, "n")->u.i, 6);
    cr_assert_str_eq(d->events[1].name, "second");
    cr_assert_eq(d->events[1].time, 1234567890);
    cr_assert_str_eq(d->events[11].name, "more");
}

Test(span, links_at_start_and_later) {
    otelc_span *a = otelc_span_start(tp.tracer, "a", NULL);
    otelc_span_context ac = otelc_span_get_context(a);
    otelc_attribute la[] = {OTELC_ATTR_STR("why", "batch")};
    otelc_link l1 = {ac, "vendor=x", la, 1};
    otelc_span_start_options o = {.links = &l1, .link_count = 1};
    otelc_span *b = otelc_span_start(tp.tracer, "b", &o);
    otelc_link invalid = {{{0}, {0}, 0, false}, NULL, NULL, 0};
    otelc_span_add_link(b, &invalid); /* ignored: invalid context */
    otelc_link l2 = {ac, NULL, NULL, 0};
    l2.context.is_remote = true;
    otelc_span_add_link(b, &l2);
    otelc_span_end(b);
    otelc_span_end(a);
    const otelc_span_data *d = pipeline_find(&tp, "b");
    cr_assert_eq(d->link_count, 2);
    cr_assert_eq(d->dropped_link_count, 0);
    cr_assert_eq(memcmp(d->links[0].context.span_id, ac.span_id, 8), 0);
    cr_assert_str_eq(d->links[0].trace_state, "vendor=x");
    cr_assert_str_eq(d->links[0].attributes[0].value.u.s, "batch");
    cr_assert_str_eq(d->links[1].trace_state, "");
    cr_assert(d->links[1].context.is_remote);
}

Test(span, status_rules_follow_the_specification) {
    otelc_span *s = otelc_span_start(tp.tracer, "s1", NULL);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "boom");
    otelc_span_set_status(s, OTELC_STATUS_UNSET, "ignored");
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "s1");
    cr_assert_eq(d->status_code, OTELC_STATUS_ERROR);
    cr_assert_str_eq(d->status_description, "boom");

    s = otelc_span_start(tp.tracer, "s2", NULL);
    otelc_span_set_status(s, OTELC_STATUS_OK, "description dropped");
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "too late: OK is final");
    otelc_span_end(s);
    d = pipeline_find(&tp, "s2");
    cr_assert_eq(d->status_code, OTELC_STATUS_OK);
    cr_assert_str_eq(d->status_description, "");

    s = otelc_span_start(tp.tracer, "s3", NULL);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "first");
    otelc_span_set_status(s, OTELC_STATUS_OK, NULL);
    otelc_span_end(s);
    d = pipeline_find(&tp, "s3");
    cr_assert_eq(d->status_code, OTELC_STATUS_OK);

    s = otelc_span_start(tp.tracer, "s4", NULL);
    otelc_span_set_error(s, "failed after %d tries: %s", 3, "timeout");
    otelc_span_end(s);
    d = pipeline_find(&tp, "s4");
    cr_assert_str_eq(d->status_description, "failed after 3 tries: timeout");
}

Test(span, update_name_and_record_exception) {
    otelc_span *s = otelc_span_start(tp.tracer, "old", NULL);
    otelc_span_update_name(s, "new name");
    otelc_attribute extra = OTELC_ATTR_BOOL("exception.escaped", true);
    otelc_span_record_exception(s, "IOError", "disk full", "frame1\nframe2",
                                &extra, 1);
    otelc_span_record_exception(s, NULL, "only a message", NULL, NULL, 0);
    otelc_span_end(s);
    cr_assert_null(pipeline_find(&tp, "old"));
    const otelc_span_data *d = pipeline_find(&tp, "new name");
    cr_assert_not_null(d);
    cr_assert_eq(d->event_count, 2);
    cr_assert_str_eq(d->events[0].name, "exception");
    const otelc_event_data *e = &d->events[0];
    cr_assert_str_eq(
        find_attr(e->attributes, e->attribute_count, "exception.type")->u.s,
        "IOError");
    cr_assert_str_eq(
        find_attr(e->attributes, e->attribute_count, "exception.message")->u.s,
        "disk full");
    cr_assert_str_eq(
        find_attr(e->attributes, e->attribute_count, "exception.stacktrace")
            ->u.s,
        "frame1\nframe2");
    cr_assert(
        find_attr(e->attributes, e->attribute_count, "exception.escaped")->u.b);
    cr_assert_eq(d->events[1].attribute_count, 1);
    /* Recording an exception does not set the status. */
    cr_assert_eq(d->status_code, OTELC_STATUS_UNSET);
}

Test(span, times_kind_scope_and_resource) {
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER,
                                  .start_time = 1000000000ull};
    otelc_span *s = otelc_span_start(tp.tracer, "timed", &o);
    otelc_span_end_at(s, 3000000000ull);
    otelc_span *early = otelc_span_start(tp.tracer, "early", &o);
    otelc_span_end_at(early, 5); /* before the start: clamped */
    otelc_span *now = otelc_span_start(tp.tracer, "now", NULL);
    otelc_span_end(now);
    const otelc_span_data *d = pipeline_find(&tp, "timed");
    cr_assert_eq(d->start_time, 1000000000ull);
    cr_assert_eq(d->end_time, 3000000000ull);
    cr_assert_eq(d->kind, OTELC_SPAN_KIND_SERVER);
    cr_assert_str_eq(d->scope->name, "test");
    cr_assert_str_eq(d->scope->version, "1.0");
    cr_assert_eq(d->resource, otelc_tracer_provider_resource(tp.provider));
    d = pipeline_find(&tp, "early");
    cr_assert_eq(d->end_time, d->start_time);
    d = pipeline_find(&tp, "now");
    cr_assert_eq(d->kind, OTELC_SPAN_KIND_INTERNAL);
    cr_assert_geq(d->end_time, d->start_time);
    /* Sanity: wall-clock nanoseconds after 2020. */
    cr_assert_gt(d->start_time, 1577836800ull * 1000000000ull);
}

Test(span, recording_state_and_context_accessors) {
    otelc_span *s = otelc_span_start(tp.tracer, "ctx", NULL);
    cr_assert(otelc_span_is_recording(s));
    otelc_span_context sc = otelc_span_get_context(s);
    cr_assert(otelc_span_context_is_valid(&sc));
    cr_assert(otelc_span_context_is_sampled(&sc));
    cr_assert_not(sc.is_remote);
    cr_assert_str_eq(otelc_span_get_trace_state(s), "");
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "ctx");
    cr_assert_eq(memcmp(d->context.trace_id, sc.trace_id, 16), 0);
    cr_assert_eq(memcmp(d->context.span_id, sc.span_id, 8), 0);
    cr_assert_not(otelc_span_data_has_parent(d));

    /* NULL spans are accepted everywhere. */
    cr_assert_not(otelc_span_is_recording(NULL));
    otelc_span_context z = otelc_span_get_context(NULL);
    cr_assert_not(otelc_span_context_is_valid(&z));
    otelc_span_set_attribute_str(NULL, "k", "v");
    otelc_span_add_event(NULL, "e", NULL, 0);
    otelc_span_set_status(NULL, OTELC_STATUS_ERROR, "x");
    otelc_span_update_name(NULL, "x");
    otelc_span_end(NULL);
}

Test(span, trace_state_is_inherited_from_a_remote_parent) {
    otelc_span_context pc;
    memset(&pc, 0, sizeof pc);
    pc.trace_id[15] = 1;
    pc.span_id[7] = 2;
    pc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    pc.is_remote = true;
    otelc_context *ctx = otelc_context_new(&pc, "vendor=abc,other=1", NULL);
    otelc_span_start_options o = {.parent = ctx,
                                  .kind = OTELC_SPAN_KIND_SERVER};
    otelc_span *s = otelc_span_start(tp.tracer, "child", &o);
    cr_assert_str_eq(otelc_span_get_trace_state(s), "vendor=abc,other=1");
    otelc_context_free(ctx); /* the span keeps its own reference */
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "child");
    cr_assert_str_eq(d->trace_state, "vendor=abc,other=1");
    cr_assert_eq(memcmp(d->context.trace_id, pc.trace_id, 16), 0);
    cr_assert_eq(memcmp(d->parent_span_id, pc.span_id, 8), 0);
    cr_assert(d->parent_is_remote);
}

Test(span, unsampled_spans_are_non_recording_and_not_exported) {
    pipeline_free(&tp);
    pipeline_init(&tp, otelc_sampler_always_off(), false, NULL);
    otelc_span *s = otelc_span_start(tp.tracer, "dropped", NULL);
    cr_assert_not_null(s);
    cr_assert_not(otelc_span_is_recording(s));
    otelc_span_context sc = otelc_span_get_context(s);
    /* It still carries a valid context for propagation. */
    cr_assert(otelc_span_context_is_valid(&sc));
    cr_assert_not(otelc_span_context_is_sampled(&sc));
    otelc_span_set_attribute_str(s, "k", "v");
    otelc_span_end(s);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 0);
    otelc_tracer_stats st;
    otelc_tracer_provider_stats(tp.provider, &st);
    cr_assert_eq(st.spans_started, 1);
    cr_assert_eq(st.spans_not_recording, 1);
    cr_assert_eq(st.spans_sampled, 0);
}

Test(span, tracer_get_caches_by_scope) {
    otelc_tracer *a = otelc_tracer_get(tp.provider, "lib", "1");
    otelc_tracer *b = otelc_tracer_get(tp.provider, "lib", "1");
    otelc_tracer *c = otelc_tracer_get(tp.provider, "lib", "2");
    cr_assert_eq(a, b);
    cr_assert_neq(a, c);
    diag_capture_start();
    otelc_tracer *e = otelc_tracer_get(tp.provider, NULL, NULL);
    cr_assert_not_null(e);
    cr_assert_eq(diag_count("empty instrumentation scope name", NULL), 1);
    diag_capture_stop();
}

Test(span, noop_provider_propagates_parent_context) {
    otelc_tracer_provider_set_global(NULL);
    otelc_span_context pc;
    memset(&pc, 0, sizeof pc);
    pc.trace_id[0] = 9;
    pc.span_id[0] = 8;
    pc.trace_flags = 1;
    otelc_context *ctx = otelc_context_new(&pc, NULL, NULL);
    otelc_span_start_options o = {.parent = ctx};
    otelc_span *s = otelc_span_start(NULL, "noop", &o);
    cr_assert_not(otelc_span_is_recording(s));
    otelc_span_context sc = otelc_span_get_context(s);
    cr_assert_eq(memcmp(sc.trace_id, pc.trace_id, 16), 0);
    cr_assert_eq(memcmp(sc.span_id, pc.span_id, 8), 0);
    otelc_span_end(s);
    otelc_context_free(ctx);
}
