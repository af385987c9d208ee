/*
 * tests/propagation/test_composite.c - OTEL_PROPAGATORS, the composite's
 * extract and inject order, the global propagator, custom propagators and
 * the textmap carrier.
 */
#include "propagation/prop_helpers.h"

#define TID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SID_A "aaaaaaaaaaaaaaaa"
#define SID_B "bbbbbbbbbbbbbbbb"

static otelc_propagator *composite_of(const char *a, const char *b,
                                      const char *c) {
    otelc_propagator *m[3] = {otelc_propagator_create(a, NULL),
                              b ? otelc_propagator_create(b, NULL) : NULL,
                              c ? otelc_propagator_create(c, NULL) : NULL};
    otelc_propagator *p = otelc_propagator_composite_new(m, 3);
    cr_assert_not_null(p);
    return p;
}

static void init_with(const char *propagators) {
    otelc_options *o = otelc_options_new();
    cr_assert_eq(otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none"),
                 OTELC_OK);
    if (propagators)
        cr_assert_eq(otelc_options_set(o, "OTEL_PROPAGATORS", propagators),
                     OTELC_OK);
    cr_assert_eq(otelc_init(o), OTELC_OK);
}

Test(config, default_is_tracecontext_baggage) {
    init_with(NULL);
    const otelc_propagator *g = otelc_propagator_global();
    cr_assert_str_eq(otelc_propagator_name(g), "tracecontext,baggage");
    const char *f[8];
    cr_assert_eq(otelc_propagator_fields(g, f, 8), 3);
    cr_assert_str_eq(f[0], "traceparent");
    cr_assert_str_eq(f[1], "tracestate");
    cr_assert_str_eq(f[2], "baggage");
    otelc_shutdown(1000);
}

Test(config, list_selects_and_init_rebuilds) {
    init_with("b3multi,jaeger,b3multi");
    cr_assert_str_eq(otelc_propagator_name(otelc_propagator_global()),
                     "b3multi,jaeger", "duplicates removed");
    otelc_shutdown(1000);
    init_with("b3");
    cr_assert_str_eq(otelc_propagator_name(otelc_propagator_global()), "b3");
    otelc_shutdown(1000);
}

Test(config, xray_and_ottrace_are_reported_and_skipped) {
    diag_capture_start();
    init_with("xray,tracecontext,ottrace");
    cr_assert_str_eq(otelc_propagator_name(otelc_propagator_global()),
                     "tracecontext");
    cr_assert_eq(diag_count("\"xray\"", "not implemented", NULL), 1);
    cr_assert_eq(diag_count("\"ottrace\"", "not implemented", NULL), 1);
    otelc_shutdown(1000);
    diag_capture_stop();
}

Test(config, unknown_names_are_reported_and_skipped) {
    diag_capture_start();
    init_with("tracecontext,bogus");
    cr_assert_str_eq(otelc_propagator_name(otelc_propagator_global()),
                     "tracecontext");
    cr_assert_geq(diag_count("OTEL_PROPAGATORS", "bogus", NULL), 1);
    otelc_shutdown(1000);
    diag_capture_stop();
    otelc_status st;
    cr_assert_null(otelc_propagator_create("bogus", &st));
    cr_assert_eq(st, OTELC_ENOTFOUND);
    cr_assert_null(otelc_propagator_create("xray", &st));
    cr_assert_eq(st, OTELC_EUNSUPPORTED);
}

Test(config, none_disables_propagation) {
    init_with("none");
    const otelc_propagator *g = otelc_propagator_global();
    cr_assert_str_eq(otelc_propagator_name(g), "");
    otelc_textmap *m = tm_of("traceparent", "00-" TID_A "-" SID_A "-01",
                             "baggage", "k=v", NULL);
    otelc_carrier c = otelc_textmap_carrier(m);
    cr_assert_null(otelc_propagation_extract(&c));
    otelc_span_context sc = sc_of(TID_A, SID_A, 1);
    otelc_context *ctx = otelc_context_new(&sc, NULL, NULL);
    otelc_textmap *out = otelc_textmap_new();
    otelc_carrier oc = otelc_textmap_carrier(out);
    otelc_propagator_inject(NULL, ctx, &oc);
    cr_assert_eq(otelc_textmap_count(out), 0);
    otelc_textmap_free(out);
    otelc_context_free(ctx);
    otelc_textmap_free(m);
    otelc_shutdown(1000);
}

Test(config, none_with_others_is_reported) {
    diag_capture_start();
    init_with("none,b3");
    cr_assert_str_eq(otelc_propagator_name(otelc_propagator_global()), "b3");
    cr_assert_eq(diag_count("\"none\" is listed with other", NULL), 1);
    otelc_shutdown(1000);
    diag_capture_stop();
}

Test(composite, first_valid_span_context_wins) {
    otelc_textmap *m =
        tm_of("traceparent", "00-" TID_A "-" SID_A "-01", "tracestate", "a=1",
              "b3", TID_B "-" SID_B "-0", NULL);
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_propagator *tc_first = composite_of("tracecontext", "b3", NULL);
    otelc_context *r = otelc_propagator_extract(tc_first, &c);
    cr_assert_str_eq(ctx_trace_hex(r), TID_A);
    cr_assert_str_eq(otelc_context_trace_state(r), "a=1");
    otelc_context_free(r);
    otelc_propagator *b3_first = composite_of("b3", "tracecontext", NULL);
    r = otelc_propagator_extract(b3_first, &c);
    cr_assert_str_eq(ctx_trace_hex(r), TID_B);
    cr_assert_str_eq(otelc_context_trace_state(r), "",
                     "the tracestate belongs to the other trace");
    otelc_context_free(r);
    /* An invalid first format falls through to the next. */
    cr_assert_eq(otelc_textmap_set(m, "traceparent", "garbage"), OTELC_OK);
    r = otelc_propagator_extract(tc_first, &c);
    cr_assert_str_eq(ctx_trace_hex(r), TID_B);
    otelc_context_free(r);
    otelc_propagator_free(tc_first);
    otelc_propagator_free(b3_first);
    otelc_textmap_free(m);
}

Test(composite, baggage_merged_earlier_wins) {
    otelc_textmap *m = tm_of("uber-trace-id", TID_A ":" SID_A ":0:1",
                             "uberctx-user", "from-jaeger", "uberctx-only", "j",
                             "baggage", "user=from-w3c,other=w", NULL);
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_propagator *p = composite_of("tracecontext", "baggage", "jaeger");
    otelc_context *r = otelc_propagator_extract(p, &c);
    cr_assert_str_eq(ctx_trace_hex(r), TID_A, "span context from jaeger");
    const otelc_baggage *b = otelc_context_baggage(r);
    cr_assert_eq(otelc_baggage_count(b), 3);
    cr_assert_str_eq(otelc_baggage_get(b, "user"), "from-w3c");
    cr_assert_str_eq(otelc_baggage_get(b, "only"), "j");
    cr_assert_str_eq(otelc_baggage_get(b, "other"), "w");
    otelc_context_free(r);
    otelc_propagator_free(p);
    otelc_textmap_free(m);
}

Test(composite, inject_runs_every_member_in_order) {
    otelc_propagator *m[4] = {otelc_propagator_create("tracecontext", NULL),
                              otelc_propagator_create("baggage", NULL),
                              otelc_propagator_create("b3multi", NULL),
                              otelc_propagator_create("jaeger", NULL)};
    otelc_propagator *p = otelc_propagator_composite_new(m, 4);
    cr_assert_str_eq(otelc_propagator_name(p),
                     "tracecontext,baggage,b3multi,jaeger");
    otelc_span_context sc = sc_of(TID_A, SID_A, 1);
    otelc_baggage *b = otelc_baggage_set(NULL, "k", "v", NULL);
    otelc_context *ctx = otelc_context_new(&sc, "x=1", b);
    otelc_textmap *out = otelc_textmap_new();
    otelc_carrier oc = otelc_textmap_carrier(out);
    otelc_propagator_inject(p, ctx, &oc);
    const char *want[] = {"traceparent",   "tracestate",  "baggage",
                          "X-B3-TraceId",  "X-B3-SpanId", "X-B3-Sampled",
                          "uber-trace-id", "uberctx-k"};
    cr_assert_eq(otelc_textmap_count(out), 8);
    for (size_t i = 0; i < 8; i++) {
        const char *name;
        otelc_textmap_entry(out, i, &name, NULL);
        cr_assert_str_eq(name, want[i]);
    }
    const char *f[16];
    size_t nf = otelc_propagator_fields(p, f, 16);
    cr_assert_eq(nf, 8, "fields: traceparent tracestate baggage + 4 B3 + uber");
    otelc_textmap_free(out);
    otelc_context_free(ctx);
    otelc_baggage_free(b);
    otelc_propagator_free(p);
}

Test(composite, inject_current_uses_the_current_span) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    otelc_propagator_set_global(composite_of("tracecontext", "b3", NULL));
    otelc_textmap *out = otelc_textmap_new();
    otelc_carrier oc = otelc_textmap_carrier(out);
    /* Nothing current: nothing written. */
    cr_assert_eq(otelc_propagation_inject_current(&oc), OTELC_OK);
    cr_assert_eq(otelc_textmap_count(out), 0);
    otelc_span *s = otelc_span_start(tp.tracer, "op", NULL);
    otelc_scope sc = otelc_span_make_current(s);
    cr_assert_eq(otelc_propagation_inject_current(&oc), OTELC_OK);
    otelc_span_context ctx = otelc_span_get_context(s);
    char tid[33], sid[17], want[64];
    snprintf(want, sizeof want, "00-%s-%s-01",
             otelc_trace_id_to_hex(ctx.trace_id, tid),
             otelc_span_id_to_hex(ctx.span_id, sid));
    cr_assert_str_eq(otelc_textmap_get(out, "traceparent"), want);
    snprintf(want, sizeof want, "%s-%s-1", tid, sid);
    cr_assert_str_eq(otelc_textmap_get(out, "b3"), want);
    otelc_scope_end(sc);
    otelc_span_end(s);
    otelc_carrier none = {0};
    cr_assert_eq(otelc_propagation_inject_current(&none), OTELC_EINVAL);
    otelc_propagator_set_global(NULL);
    otelc_textmap_free(out);
    pipeline_free(&tp);
}

Test(composite, extracted_counter) {
    otelc_propagation_stats a, b;
    otelc_propagation_stats_get(&a);
    otelc_context *c = extract_with("tracecontext", "traceparent",
                                    "00-" TID_A "-" SID_A "-01", NULL);
    otelc_context_free(c);
    otelc_propagation_stats_get(&b);
    cr_assert_eq(b.extracted, a.extracted + 1);
}

/* ---- a user-defined propagator ------------------------------------------ */

static int g_freed;
static void my_inject(void *st, const otelc_context *ctx,
                      const otelc_carrier *c) {
    (void)ctx;
    c->set(c->user, "x-mine", st);
}
static otelc_context *my_extract(void *st, const otelc_carrier *c) {
    (void)st;
    const char *v = c->get(c->user, "x-mine");
    if (!v)
        return NULL;
    otelc_baggage *b = otelc_baggage_set(NULL, "mine", v, NULL);
    otelc_context *r = otelc_context_new(NULL, NULL, b);
    otelc_baggage_free(b);
    return r;
}
static void my_free(void *st) {
    g_freed++;
    free(st);
}
static const char *const my_fields[] = {"x-mine", NULL};
static const char *const *my_fields_fn(void *st) {
    (void)st;
    return my_fields;
}
static const otelc_propagator_ops my_ops = {"mine", my_inject, my_extract,
                                            my_fields_fn, my_free};

Test(custom, user_propagator_as_global) {
    otelc_propagator *p = otelc_propagator_new(&my_ops, strdup("hello"));
    cr_assert_not_null(p);
    otelc_propagator_set_global(p);
    cr_assert_eq(otelc_propagator_global(), p);
    otelc_textmap *m = otelc_textmap_new();
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_propagation_inject_current(&c);
    cr_assert_str_eq(otelc_textmap_get(m, "x-mine"), "hello");
    otelc_context *r = otelc_propagation_extract(&c);
    cr_assert_str_eq(otelc_baggage_get(otelc_context_baggage(r), "mine"),
                     "hello");
    otelc_context_free(r);
    otelc_textmap_free(m);
    otelc_propagator_set_global(NULL);
    cr_assert_neq(otelc_propagator_global(), p);
    cr_assert_eq(g_freed, 0, "a retired global is never freed under readers");
    /* Freeing a non-global one calls free_state; NULL ops are refused. */
    otelc_propagator_free(otelc_propagator_new(&my_ops, strdup("x")));
    cr_assert_eq(g_freed, 1);
    otelc_propagator_ops bad = {"bad", NULL, NULL, NULL, my_free};
    cr_assert_null(otelc_propagator_new(&bad, strdup("y")));
    cr_assert_eq(g_freed, 2, "state freed even on failure");
}

/* ---- textmap ----------------------------------------------------------- */

Test(textmap, add_set_get_case_insensitive) {
    otelc_textmap *m = otelc_textmap_new();
    cr_assert_eq(otelc_textmap_add(m, "Tracestate", "a=1"), OTELC_OK);
    cr_assert_eq(otelc_textmap_add(m, "tracestate", "b=2"), OTELC_OK);
    cr_assert_eq(otelc_textmap_add(m, "X", "y"), OTELC_OK);
    cr_assert_eq(otelc_textmap_count(m), 3);
    cr_assert_str_eq(otelc_textmap_get(m, "TRACESTATE"), "a=1");
    cr_assert_eq(otelc_textmap_set(m, "TRACESTATE", "c=3"), OTELC_OK);
    cr_assert_eq(otelc_textmap_count(m), 2);
    const char *n, *v;
    cr_assert(otelc_textmap_entry(m, 1, &n, &v));
    cr_assert_str_eq(n, "TRACESTATE");
    cr_assert_str_eq(v, "c=3");
    cr_assert_eq(otelc_textmap_add(m, NULL, "v"), OTELC_EINVAL);
    otelc_textmap_clear(m);
    cr_assert_eq(otelc_textmap_count(m), 0);
    otelc_textmap_free(m);
    otelc_textmap_free(NULL);
}

Test(textmap, carrier_without_foreach_still_extracts_first_fields) {
    otelc_textmap *m = tm_of("traceparent", "00-" TID_A "-" SID_A "-01",
                             "traceparent", "00-" TID_B "-" SID_B "-01", NULL);
    otelc_carrier c = otelc_textmap_carrier(m);
    c.foreach = NULL; /* cannot see the duplicate */
    otelc_propagator *p = otelc_propagator_create("tracecontext", NULL);
    otelc_context *r = otelc_propagator_extract(p, &c);
    cr_assert_str_eq(ctx_trace_hex(r), TID_A);
    otelc_context_free(r);
    c.foreach = otelc_textmap_carrier(m).foreach;
    cr_assert_null(otelc_propagator_extract(p, &c), "duplicate seen");
    otelc_carrier noget = {0};
    cr_assert_null(otelc_propagator_extract(p, &noget));
    otelc_propagator_free(p);
    otelc_textmap_free(m);
}
