/*
 * tests/export/test_memory_exporter.c - otelc_span_data_copy() and the
 * memory exporter built on it.
 *
 * Deep copy: a test exporter copies each span while the SDK's record is
 * alive, checks that the copy equals it field by field and that every
 * pointer of the copy lies inside the copy's own single allocation (only
 * the scope and resource are shared, as documented); then the records are
 * recycled by more spans, the provider is freed, and the copies are
 * compared with the literal values the test set.  Under ASan a shallow copy
 * would also read freed memory.
 *
 * Memory exporter: stores copies, counts calls, waits across threads, and
 * fail_next() drives the processors' retry and drop accounting.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_support.h"

#include "sdk/internal.h"

#define T0 1700000000000000000ull

/* ---- deep comparison
 * -------------------------------------------------------------- */

static void assert_same_value(const otelc_value *a, const otelc_value *b,
                              const char *key) {
    cr_assert_eq(a->type, b->type, "%s: type", key);
    cr_assert_eq(a->len, b->len, "%s: len", key);
    switch (a->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES:
        cr_assert_eq(memcmp(a->u.s, b->u.s, a->len), 0, "%s", key);
        cr_assert_eq(a->u.s[a->len], '\0', "%s: terminated", key);
        break;
    case OTELC_VALUE_BOOL: cr_assert_eq(a->u.b, b->u.b, "%s", key); break;
    case OTELC_VALUE_INT: cr_assert_eq(a->u.i, b->u.i, "%s", key); break;
    case OTELC_VALUE_DOUBLE:
        cr_assert_eq(memcmp(&a->u.d, &b->u.d, 8), 0, "%s", key);
        break;
    case OTELC_VALUE_STRING_ARRAY:
        for (uint32_t i = 0; i < a->len; i++)
            cr_assert_str_eq(a->u.sa[i], b->u.sa[i], "%s[%u]", key, i);
        break;
    case OTELC_VALUE_BOOL_ARRAY:
        cr_assert_eq(memcmp(a->u.ba, b->u.ba, a->len * sizeof(bool)), 0);
        break;
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY:
        cr_assert_eq(memcmp(a->u.ia, b->u.ia, a->len * 8u), 0, "%s", key);
        break;
    default: break;
    }
}

static void assert_same_attrs(const otelc_attribute *a, uint32_t na,
                              const otelc_attribute *b, uint32_t nb) {
    cr_assert_eq(na, nb);
    for (uint32_t i = 0; i < na; i++) {
        cr_assert_str_eq(a[i].key, b[i].key);
        assert_same_value(&a[i].value, &b[i].value, a[i].key);
    }
}

static void assert_same_span(const otelc_span_data *a,
                             const otelc_span_data *b) {
    cr_assert_eq(memcmp(&a->context, &b->context, sizeof a->context), 0);
    cr_assert_str_eq(a->trace_state, b->trace_state);
    cr_assert_eq(memcmp(a->parent_span_id, b->parent_span_id, 8), 0);
    cr_assert_eq(a->parent_is_remote, b->parent_is_remote);
    cr_assert_eq(a->kind, b->kind);
    cr_assert_str_eq(a->name, b->name);
    cr_assert_eq(a->start_time, b->start_time);
    cr_assert_eq(a->end_time, b->end_time);
    assert_same_attrs(a->attributes, a->attribute_count, b->attributes,
                      b->attribute_count);
    cr_assert_eq(a->dropped_attribute_count, b->dropped_attribute_count);
    cr_assert_eq(a->event_count, b->event_count);
    for (uint32_t i = 0; i < a->event_count; i++) {
        cr_assert_str_eq(a->events[i].name, b->events[i].name);
        cr_assert_eq(a->events[i].time, b->events[i].time);
        assert_same_attrs(a->events[i].attributes, a->events[i].attribute_count,
                          b->events[i].attributes,
                          b->events[i].attribute_count);
        cr_assert_eq(a->events[i].dropped_attribute_count,
                     b->events[i].dropped_attribute_count);
    }
    cr_assert_eq(a->dropped_event_count, b->dropped_event_count);
    cr_assert_eq(a->link_count, b->link_count);
    for (uint32_t i = 0; i < a->link_count; i++) {
        cr_assert_eq(memcmp(&a->links[i].context, &b->links[i].context,
                            sizeof a->links[i].context),
                     0);
        cr_assert_str_eq(a->links[i].trace_state, b->links[i].trace_state);
        assert_same_attrs(a->links[i].attributes, a->links[i].attribute_count,
                          b->links[i].attributes, b->links[i].attribute_count);
        cr_assert_eq(a->links[i].dropped_attribute_count,
                     b->links[i].dropped_attribute_count);
    }
    cr_assert_eq(a->dropped_link_count, b->dropped_link_count);
    cr_assert_eq(a->status_code, b->status_code);
    cr_assert_str_eq(a->status_description, b->status_description);
    cr_assert_eq(a->scope, b->scope, "the scope is shared, not copied");
    cr_assert_eq(a->resource, b->resource, "the resource is shared");
}

/* Every pointer of a copy lies inside its one allocation. */
typedef struct block {
    const char *lo, *hi;
} block;

static void inside(const block *b, const void *p, size_t n, const char *what) {
    const char *c = p;
    cr_assert(c >= b->lo && c + n <= b->hi, "%s points outside the copy", what);
}

static void assert_attrs_inside(const block *b, const otelc_attribute *a,
                                uint32_t n) {
    inside(b, a, sizeof *a * n, "attribute array");
    for (uint32_t i = 0; i < n; i++) {
        const otelc_value *v = &a[i].value;
        inside(b, a[i].key, strlen(a[i].key) + 1, "key");
        switch (v->type) {
        case OTELC_VALUE_STRING:
        case OTELC_VALUE_BYTES:
            inside(b, v->u.s, v->len + 1u, "string value");
            break;
        case OTELC_VALUE_STRING_ARRAY:
            inside(b, v->u.sa, sizeof(char *) * v->len, "string array");
            for (uint32_t j = 0; j < v->len; j++)
                inside(b, v->u.sa[j], strlen(v->u.sa[j]) + 1, "element");
            break;
        case OTELC_VALUE_BOOL_ARRAY:
            inside(b, v->u.ba, sizeof(bool) * v->len, "bool array");
            break;
        case OTELC_VALUE_INT_ARRAY:
        case OTELC_VALUE_DOUBLE_ARRAY:
            inside(b, v->u.ia, 8u * v->len, "number array");
            break;
        default: break;
        }
    }
}

static void assert_self_contained(const otelc_span_data *c) {
    block b = {(const char *)c,
               (const char *)c + malloc_usable_size((void *)c)};
    inside(&b, c->trace_state, strlen(c->trace_state) + 1, "trace_state");
    inside(&b, c->name, strlen(c->name) + 1, "name");
    inside(&b, c->status_description, strlen(c->status_description) + 1,
           "status");
    assert_attrs_inside(&b, c->attributes, c->attribute_count);
    inside(&b, c->events, sizeof *c->events * c->event_count, "events");
    for (uint32_t i = 0; i < c->event_count; i++) {
        inside(&b, c->events[i].name, strlen(c->events[i].name) + 1, "event");
        assert_attrs_inside(&b, c->events[i].attributes,
                            c->events[i].attribute_count);
    }
    inside(&b, c->links, sizeof *c->links * c->link_count, "links");
    for (uint32_t i = 0; i < c->link_count; i++) {
        inside(&b, c->links[i].trace_state, strlen(c->links[i].trace_state) + 1,
               "link trace_state");
        assert_attrs_inside(&b, c->links[i].attributes,
                            c->links[i].attribute_count);
    }
}

/* ---- the span every copy test uses
 * ---------------------------------------------------- */

static char g_long[1000];
static const char *const g_sa[] = {"x", "", "\xc3\xa9"};
static const bool g_ba[] = {true, false};
static const int64_t g_ia[] = {INT64_MIN, 0, INT64_MAX};
static const double g_da[] = {-0.0, 1.5, 1e-300};

static otelc_span_context ctx_of(uint8_t seed, bool remote) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    for (int i = 0; i < 16; i++)
        sc.trace_id[i] = (uint8_t)(seed + i);
    for (int i = 0; i < 8; i++)
        sc.span_id[i] = (uint8_t)(seed + 0x40 + i);
    sc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    sc.is_remote = remote;
    return sc;
}

static void make_rich_span(otelc_tracer *t) {
    memset(g_long, 'L', sizeof g_long - 1); /* spills past the arena */
    otelc_span_context psc = ctx_of(1, true);
    otelc_context *pctx = otelc_context_new(&psc, "p=1,q=2", NULL);
    otelc_span_context l1 = ctx_of(9, false);
    otelc_attribute la[] = {OTELC_ATTR_STR("link.attr", "lv"),
                            OTELC_ATTR_INT("link.n", 7)};
    otelc_link links[] = {{l1, "lt=1", la, 2}};
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_PRODUCER,
                                  .parent = pctx,
                                  .start_time = T0,
                                  .links = links,
                                  .link_count = 1};
    otelc_span *s = otelc_span_start(t, "rich span", &o);
    otelc_attribute a[] = {
        OTELC_ATTR_STR("s", "string"),
        OTELC_ATTR_STR("long", g_long),
        OTELC_ATTR_BOOL("b", true),
        OTELC_ATTR_INT("i", -5),
        OTELC_ATTR_DOUBLE("d", 2.25),
        {"y", {OTELC_VALUE_BYTES, 4, {.s = "\x00\x01\x00\xff"}}},
        OTELC_ATTR_STR_ARRAY("sa", g_sa, 3),
        OTELC_ATTR_BOOL_ARRAY("ba", g_ba, 2),
        OTELC_ATTR_INT_ARRAY("ia", g_ia, 3),
        OTELC_ATTR_DOUBLE_ARRAY("da", g_da, 3),
        OTELC_ATTR_INT_ARRAY("empty", g_ia, 0),
    };
    otelc_span_set_attributes(s, a, OTELC_ARRAY_LEN(a));
    otelc_span_set_attribute_str_n(s, "nul", "a\0b", 3);
    otelc_attribute ea[] = {OTELC_ATTR_STR("e", "ev"),
                            OTELC_ATTR_DOUBLE("ed", -1.0)};
    otelc_span_add_event_at(s, "event one", T0 + 5, ea, 2);
    otelc_span_add_event_at(s, "event two", T0 + 6, NULL, 0);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "failed here");
    otelc_span_end_at(s, T0 + 100);
    otelc_context_free(pctx);
}

static const otelc_value *get(const otelc_span_data *d, const char *k) {
    const otelc_value *v = find_attr(d->attributes, d->attribute_count, k);
    cr_assert_not_null(v, "attribute %s", k);
    return v;
}

/* The literal values make_rich_span() set (scope and resource excluded:
 * they die with the provider). */
static void assert_rich_span(const otelc_span_data *d) {
    otelc_span_context psc = ctx_of(1, true), l1 = ctx_of(9, false);
    cr_assert_str_eq(d->name, "rich span");
    cr_assert_eq(memcmp(d->context.trace_id, psc.trace_id, 16), 0);
    cr_assert_eq(memcmp(d->parent_span_id, psc.span_id, 8), 0);
    cr_assert(d->parent_is_remote);
    cr_assert_str_eq(d->trace_state, "p=1,q=2");
    cr_assert_eq(d->kind, OTELC_SPAN_KIND_PRODUCER);
    cr_assert_eq(d->start_time, T0);
    cr_assert_eq(d->end_time, T0 + 100);
    cr_assert_eq(d->attribute_count, 12);
    cr_assert_str_eq(get(d, "s")->u.s, "string");
    cr_assert_eq(get(d, "long")->len, sizeof g_long - 1);
    cr_assert_str_eq(get(d, "long")->u.s, g_long);
    cr_assert(get(d, "b")->u.b);
    cr_assert_eq(get(d, "i")->u.i, -5);
    cr_assert_eq(get(d, "d")->u.d, 2.25);
    cr_assert_eq(get(d, "y")->type, OTELC_VALUE_BYTES);
    cr_assert_eq(get(d, "y")->len, 4);
    cr_assert_eq(memcmp(get(d, "y")->u.s, "\x00\x01\x00\xff", 4), 0);
    const otelc_value *v = get(d, "sa");
    cr_assert_eq(v->len, 3);
    cr_assert_str_eq(v->u.sa[0], "x");
    cr_assert_str_eq(v->u.sa[1], "");
    cr_assert_str_eq(v->u.sa[2], "\xc3\xa9");
    v = get(d, "ba");
    cr_assert(v->len == 2 && v->u.ba[0] && !v->u.ba[1]);
    v = get(d, "ia");
    cr_assert(v->len == 3 && v->u.ia[0] == INT64_MIN &&
              v->u.ia[2] == INT64_MAX);
    v = get(d, "da");
    cr_assert(v->len == 3 && signbit(v->u.da[0]) && v->u.da[1] == 1.5 &&
              v->u.da[2] == 1e-300);
    cr_assert_eq(get(d, "empty")->len, 0);
    v = get(d, "nul");
    cr_assert_eq(v->len, 3);
    cr_assert_eq(memcmp(v->u.s, "a\0b", 4), 0);
    cr_assert_eq(d->event_count, 2);
    cr_assert_str_eq(d->events[0].name, "event one");
    cr_assert_eq(d->events[0].time, T0 + 5);
    cr_assert_eq(d->events[0].attribute_count, 2);
    cr_assert_str_eq(d->events[0].attributes[0].key, "e");
    cr_assert_str_eq(d->events[0].attributes[0].value.u.s, "ev");
    cr_assert_eq(d->events[0].attributes[1].value.u.d, -1.0);
    cr_assert_str_eq(d->events[1].name, "event two");
    cr_assert_eq(d->events[1].attribute_count, 0);
    cr_assert_eq(d->link_count, 1);
    cr_assert_eq(memcmp(&d->links[0].context, &l1, sizeof l1), 0);
    cr_assert_str_eq(d->links[0].trace_state, "lt=1");
    cr_assert_eq(d->links[0].attribute_count, 2);
    cr_assert_str_eq(d->links[0].attributes[1].key, "link.n");
    cr_assert_eq(d->links[0].attributes[1].value.u.i, 7);
    cr_assert_eq(d->status_code, OTELC_STATUS_ERROR);
    cr_assert_str_eq(d->status_description, "failed here");
}

/* An exporter that copies each span during the export call and checks the
 * copy against the live record. */
typedef struct grab {
    otelc_span_data *copies[16];
    int n;
} grab;

static otelc_export_result grab_export(void *st,
                                       const otelc_span_data *const *spans,
                                       size_t n, otelc_export_context *ctx) {
    (void)ctx;
    grab *g = st;
    for (size_t i = 0; i < n && g->n < 16; i++) {
        otelc_span_data *c = otelc_span_data_copy(spans[i]);
        cr_assert_not_null(c);
        assert_same_span(c, spans[i]);
        assert_self_contained(c);
        g->copies[g->n++] = c;
    }
    return OTELC_EXPORT_SUCCESS;
}

static const otelc_span_exporter_ops grab_ops = {"grab", grab_export, NULL,
                                                 NULL, NULL};

Test(span_copy, every_field_is_deep_copied_and_outlives_the_pipeline) {
    grab g = {{0}, 0};
    otelc_tracer_provider *p =
        otelc_tracer_provider_new(NULL, otelc_sampler_always_on());
    otelc_tracer_provider_add_processor(
        p, otelc_simple_span_processor_new(
               otelc_span_exporter_new(&grab_ops, &g)));
    otelc_tracer *t = otelc_tracer_get(p, "copy", "1");
    make_rich_span(t);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.copies[0]->scope->name, "copy");
    /* Recycle the record (and its spill block) with other content. */
    for (int i = 0; i < 8; i++) {
        otelc_span *s = otelc_span_start(t, "overwrite", NULL);
        char junk[900];
        memset(junk, 'J', sizeof junk - 1);
        junk[sizeof junk - 1] = '\0';
        otelc_span_set_attribute_str(s, "s", junk);
        otelc_span_set_attribute_str(s, "long", junk);
        otelc_span_end(s);
    }
    otelc_tracer_provider_free(p);
    assert_rich_span(g.copies[0]);
    for (int i = 0; i < g.n; i++)
        otelc_span_data_free(g.copies[i]);
}

Test(span_copy, a_copy_of_a_copy_is_equal_and_independent) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    make_rich_span(tp.tracer);
    const otelc_span_data *stored = otelc_memory_exporter_get(tp.mem, 0);
    cr_assert_not_null(stored);
    otelc_span_data *c1 = otelc_span_data_copy(stored);
    otelc_span_data *c2 = otelc_span_data_copy(c1);
    assert_same_span(c1, stored);
    assert_same_span(c2, c1);
    assert_self_contained(c1);
    assert_self_contained(c2);
    otelc_span_data_free(c1);
    pipeline_free(&tp);
    assert_rich_span(c2);
    otelc_span_data_free(c2);
}

Test(span_copy, null_and_hand_built_span_data) {
    cr_assert_null(otelc_span_data_copy(NULL));
    otelc_span_data_free(NULL);
    /* Hand-built data (a user's own processor) with NULL strings and
     * NULL arrays: copied as "" and empty, never dereferenced. */
    otelc_attribute a[] = {
        {"nulls", {OTELC_VALUE_STRING, 5, {.s = NULL}}},
        {"nularr", {OTELC_VALUE_STRING_ARRAY, 3, {.sa = NULL}}},
        {"nulints", {OTELC_VALUE_INT_ARRAY, 2, {.ia = NULL}}},
        {NULL, {OTELC_VALUE_INT, 0, {.i = 1}}},
    };
    const char *elems[] = {"a", NULL};
    otelc_attribute b[] = {
        {"arr", {OTELC_VALUE_STRING_ARRAY, 2, {.sa = elems}}}};
    otelc_event_data ev = {NULL, 5, b, 1, 0};
    otelc_link_data ln;
    memset(&ln, 0, sizeof ln);
    otelc_span_data d;
    memset(&d, 0, sizeof d);
    d.attributes = a;
    d.attribute_count = 4;
    d.events = &ev;
    d.event_count = 1;
    d.links = &ln;
    d.link_count = 1;
    otelc_span_data *c = otelc_span_data_copy(&d);
    cr_assert_not_null(c);
    cr_assert_str_eq(c->name, "");
    cr_assert_str_eq(c->trace_state, "");
    cr_assert_str_eq(c->status_description, "");
    cr_assert_str_eq(c->attributes[0].value.u.s, "");
    cr_assert_eq(c->attributes[0].value.len, 0);
    cr_assert_eq(c->attributes[1].value.len, 0);
    cr_assert_eq(c->attributes[2].value.len, 0);
    cr_assert_str_eq(c->attributes[3].key, "");
    cr_assert_str_eq(c->events[0].name, "");
    cr_assert_str_eq(c->events[0].attributes[0].value.u.sa[0], "a");
    cr_assert_str_eq(c->events[0].attributes[0].value.u.sa[1], "");
    cr_assert_str_eq(c->links[0].trace_state, "");
    assert_self_contained(c);
    otelc_span_data_free(c);
}

/* ---- the memory exporter
 * ------------------------------------------------------------------ */

Test(memory_exporter, stores_copies_independent_of_span_records) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    make_rich_span(tp.tracer);
    for (int i = 0; i < 8; i++) {
        otelc_span *s = otelc_span_start(tp.tracer, "overwrite", NULL);
        otelc_span_set_attribute_str(s, "long", "short now");
        otelc_span_end(s);
    }
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 9);
    cr_assert_eq(otelc_memory_exporter_calls(tp.mem), 9);
    const otelc_span_data *d = otelc_memory_exporter_get(tp.mem, 0);
    assert_rich_span(d);
    assert_self_contained(d);
    cr_assert_str_eq(d->scope->name, "test");
    cr_assert_str_eq(otelc_memory_exporter_get(tp.mem, 8)->name, "overwrite");
    pipeline_free(&tp);
}

Test(memory_exporter, fail_next_retryable_is_retried_by_the_batch_worker) {
    test_pipeline tp;
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    pipeline_init(&tp, NULL, true, &bo);
    otelc_memory_exporter_fail_next(tp.mem, 1, OTELC_EXPORT_RETRYABLE);
    for (int i = 0; i < 3; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "retried", NULL));
    cr_assert_eq(otelc_tracer_provider_force_flush(tp.provider, 20000),
                 OTELC_OK);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 3);
    cr_assert_eq(otelc_memory_exporter_calls(tp.mem), 2);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.export_calls, 2);
    cr_assert_eq(st.export_retries, 1);
    cr_assert_eq(st.export_failures, 1);
    cr_assert_eq(st.spans_exported, 3);
    cr_assert_eq(st.dropped_export, 0);
    pipeline_free(&tp);
}

Test(memory_exporter, fail_next_failure_drops_the_batch_and_counts_it) {
    test_pipeline tp;
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    pipeline_init(&tp, NULL, true, &bo);
    otelc_memory_exporter_fail_next(tp.mem, 1, OTELC_EXPORT_FAILURE);
    for (int i = 0; i < 4; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "dropped", NULL));
    otelc_tracer_provider_force_flush(tp.provider, 10000);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 0);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.dropped_export, 4);
    cr_assert_eq(st.export_retries, 0);
    /* The failure was used up: the next batch is stored. */
    for (int i = 0; i < 2; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "kept", NULL));
    otelc_tracer_provider_force_flush(tp.provider, 10000);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 2);
    cr_assert_eq(otelc_memory_exporter_calls(tp.mem), 2);
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.spans_exported, 2);
    cr_assert_eq(st.dropped_export, 4);
    pipeline_free(&tp);
}

Test(memory_exporter, simple_processor_counts_each_failed_span) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    otelc_memory_exporter_fail_next(tp.mem, 2, OTELC_EXPORT_FAILURE);
    for (int i = 0; i < 3; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "s", NULL));
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 1);
    cr_assert_eq(otelc_memory_exporter_calls(tp.mem), 3);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.dropped_export, 2);
    cr_assert_eq(st.spans_exported, 1);
    cr_assert_eq(st.export_failures, 2);
    pipeline_free(&tp);
}

Test(memory_exporter, wait_get_clear_and_null_handles) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    cr_assert_not(otelc_memory_exporter_wait(tp.mem, 1, 10));
    otelc_span_end(otelc_span_start(tp.tracer, "one", NULL));
    cr_assert(otelc_memory_exporter_wait(tp.mem, 1, 0));
    cr_assert_null(otelc_memory_exporter_get(tp.mem, 1));
    otelc_memory_exporter_clear(tp.mem);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 0);
    cr_assert_null(otelc_memory_exporter_get(tp.mem, 0));
    cr_assert_eq(otelc_memory_exporter_calls(tp.mem), 1);
    otelc_span_end(otelc_span_start(tp.tracer, "two", NULL));
    cr_assert_str_eq(otelc_memory_exporter_get(tp.mem, 0)->name, "two");
    pipeline_free(&tp);

    cr_assert_eq(otelc_memory_exporter_count(NULL), 0);
    cr_assert_eq(otelc_memory_exporter_calls(NULL), 0);
    cr_assert_null(otelc_memory_exporter_get(NULL, 0));
    cr_assert_not(otelc_memory_exporter_wait(NULL, 1, 10));
    otelc_memory_exporter_clear(NULL);
    otelc_memory_exporter_fail_next(NULL, 1, OTELC_EXPORT_FAILURE);
    /* The registry builds one too (no handle). */
    otelc_status st = OTELC_EINVAL;
    otelc_span_exporter *e = otelc_span_exporter_create("memory", &st);
    cr_assert_eq(st, OTELC_OK);
    cr_assert_str_eq(otelc_span_exporter_name(e), "memory");
    otelc_span_exporter_free(e);
}

Test(memory_exporter, wait_returns_when_the_worker_exports) {
    test_pipeline tp;
    otelc_batch_options bo = {.schedule_delay_ms = 50};
    pipeline_init(&tp, NULL, true, &bo);
    for (int i = 0; i < 10; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "async", NULL));
    /* No flush: the worker's schedule delay exports, this thread waits. */
    cr_assert(otelc_memory_exporter_wait(tp.mem, 10, 20000));
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 10);
    pipeline_free(&tp);
}
