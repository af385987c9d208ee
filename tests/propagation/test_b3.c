/*
 * tests/propagation/test_b3.c - B3 single and multi header: ids, sampling
 * states (including sampling-only and debug), single-before-multi, inject
 * forms and round trips.
 */
#include "propagation/prop_helpers.h"

#define TID "80f198ee56343ba864fe8b2a57d3eff7"
#define TID16 "a3ce929d0e0e4736"
#define SID "e457b5a2e4d86bd1"
#define PID "05e3ac9a4f6e3b90"

static void assert_ctx(otelc_context *c, const char *tid, const char *sid,
                       uint8_t flags) {
    cr_assert_not_null(c);
    cr_assert_str_eq(ctx_trace_hex(c), tid);
    cr_assert_str_eq(ctx_span_hex(c), sid);
    otelc_span_context sc = otelc_context_span_context(c);
    cr_assert(sc.is_remote);
    cr_assert_eq(sc.trace_flags, flags, "flags %02x", sc.trace_flags);
    otelc_context_free(c);
}

Test(b3_single, valid_forms) {
    const uint8_t S = OTELC_TRACE_FLAG_SAMPLED, D = OTELC_TRACE_FLAG_DEBUG;
    assert_ctx(extract_with("b3", "b3", TID "-" SID "-1-" PID, NULL), TID, SID,
               S);
    assert_ctx(extract_with("b3", "b3", TID "-" SID "-1", NULL), TID, SID, S);
    assert_ctx(extract_with("b3", "b3", TID "-" SID "-0", NULL), TID, SID, 0);
    assert_ctx(extract_with("b3", "b3", TID "-" SID "-d", NULL), TID, SID,
               S | D);
    /* Deferred (no sampling state): not sampled. */
    assert_ctx(extract_with("b3", "b3", TID "-" SID, NULL), TID, SID, 0);
    /* 64-bit trace id: left-padded. */
    assert_ctx(extract_with("b3", "b3", TID16 "-" SID "-1", NULL),
               "0000000000000000" TID16, SID, S);
    assert_ctx(extract_with("b3", "B3", " " TID "-" SID "-1 ", NULL), TID, SID,
               S);
}

Test(b3_single, sampling_only_yields_no_context) {
    const char *vals[] = {"0", "1", "d"};
    for (int i = 0; i < 3; i++) {
        otelc_propagation_stats before, after;
        otelc_propagation_stats_get(&before);
        cr_assert_null(extract_with("b3", "b3", vals[i], NULL), "b3: %s",
                       vals[i]);
        otelc_propagation_stats_get(&after);
        cr_assert_eq(after.invalid_headers, before.invalid_headers,
                     "sampling-only is valid, not an error");
    }
    /* Deny-only single header wins over multi headers. */
    cr_assert_null(extract_with("b3", "b3", "0", "X-B3-TraceId", TID,
                                "X-B3-SpanId", SID, NULL));
}

Test(b3_single, invalid_forms) {
    const char *bad[] = {
        "2",
        "x",
        TID,
        TID "-" SID "-2",
        TID "-" SID "-true",
        TID "-" SID "-1-" PID "-extra",
        TID "-" SID "-1-0123",
        TID "-" SID "-1-XXXXXXXXXXXXXXXX",
        "80F198EE56343BA864FE8B2A57D3EFF7-" SID "-1",
        TID "-E457B5A2E4D86BD1-1",
        "00000000000000000000000000000000-" SID "-1",
        TID "-0000000000000000-1",
        "123-" SID "-1",
        TID "0-" SID "-1",
        TID "-" SID "0-1",
        TID "--" SID,
        "-",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_null(extract_with("b3", "b3", bad[i], NULL), "b3: %s",
                       bad[i]);
}

Test(b3_single, invalid_single_falls_back_to_multi) {
    assert_ctx(extract_with("b3", "b3", "garbage", "X-B3-TraceId", TID,
                            "X-B3-SpanId", SID, "X-B3-Sampled", "1", NULL),
               TID, SID, OTELC_TRACE_FLAG_SAMPLED);
    /* A valid single header wins over multi headers. */
    assert_ctx(extract_with("b3multi", "b3", TID "-" SID "-0", "X-B3-TraceId",
                            "11111111111111111111111111111111", "X-B3-SpanId",
                            "2222222222222222", NULL),
               TID, SID, 0);
}

Test(b3_multi, valid_forms) {
    const uint8_t S = OTELC_TRACE_FLAG_SAMPLED, D = OTELC_TRACE_FLAG_DEBUG;
    assert_ctx(extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId", SID,
                            "X-B3-ParentSpanId", PID, "X-B3-Sampled", "1",
                            NULL),
               TID, SID, S);
    assert_ctx(extract_with("b3multi", "x-b3-traceid", TID16, "x-b3-spanid",
                            SID, "x-b3-sampled", "0", NULL),
               "0000000000000000" TID16, SID, 0);
    assert_ctx(extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId", SID,
                            "X-B3-Sampled", "true", NULL),
               TID, SID, S);
    assert_ctx(extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId", SID,
                            "X-B3-Sampled", "False", NULL),
               TID, SID, 0);
    /* Debug: X-B3-Flags: 1 implies sampled. */
    assert_ctx(extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId", SID,
                            "X-B3-Flags", "1", NULL),
               TID, SID, S | D);
    assert_ctx(extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId", SID,
                            "X-B3-Flags", "1", "X-B3-Sampled", "0", NULL),
               TID, SID, S | D);
    /* Deferred. */
    assert_ctx(
        extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId", SID, NULL),
        TID, SID, 0);
    /* The first field of each name wins. */
    assert_ctx(extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-TraceId",
                            "11111111111111111111111111111111", "X-B3-SpanId",
                            SID, NULL),
               TID, SID, 0);
}

Test(b3_multi, sampling_only_and_invalid) {
    cr_assert_null(extract_with("b3multi", "X-B3-Sampled", "0", NULL));
    cr_assert_null(extract_with("b3multi", "X-B3-Flags", "1", NULL));
    /* One id without the other. */
    cr_assert_null(extract_with("b3multi", "X-B3-TraceId", TID, NULL));
    cr_assert_null(extract_with("b3multi", "X-B3-SpanId", SID, NULL));
    const char *bad[][2] = {
        {"X-B3-Sampled", "2"},      {"X-B3-Sampled", "yes"},
        {"X-B3-Flags", "2"},        {"X-B3-ParentSpanId", "123"},
        {"X-B3-ParentSpanId", "z"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_null(extract_with("b3multi", "X-B3-TraceId", TID,
                                    "X-B3-SpanId", SID, bad[i][0], bad[i][1],
                                    NULL),
                       "%s: %s", bad[i][0], bad[i][1]);
    cr_assert_null(extract_with("b3multi", "X-B3-TraceId", TID "00",
                                "X-B3-SpanId", SID, NULL));
    cr_assert_null(extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId",
                                "0000000000000000", NULL));
}

Test(b3_inject, single_and_multi_forms) {
    otelc_span_context sc = sc_of(TID, SID, OTELC_TRACE_FLAG_SAMPLED);
    otelc_context *c = otelc_context_new(&sc, NULL, NULL);
    otelc_textmap *m = inject_with("b3", c);
    cr_assert_eq(otelc_textmap_count(m), 1);
    cr_assert_str_eq(otelc_textmap_get(m, "b3"), TID "-" SID "-1");
    otelc_textmap_free(m);
    m = inject_with("b3multi", c);
    cr_assert_eq(otelc_textmap_count(m), 3);
    cr_assert_str_eq(otelc_textmap_get(m, "X-B3-TraceId"), TID);
    cr_assert_str_eq(otelc_textmap_get(m, "X-B3-SpanId"), SID);
    cr_assert_str_eq(otelc_textmap_get(m, "X-B3-Sampled"), "1");
    cr_assert_null(otelc_textmap_get(m, "X-B3-ParentSpanId"),
                   "never inject ParentSpanId");
    otelc_textmap_free(m);
    otelc_context_free(c);

    sc.trace_flags = 0;
    c = otelc_context_new(&sc, NULL, NULL);
    m = inject_with("b3", c);
    cr_assert_str_eq(otelc_textmap_get(m, "b3"), TID "-" SID "-0");
    otelc_textmap_free(m);
    m = inject_with("b3multi", c);
    cr_assert_str_eq(otelc_textmap_get(m, "X-B3-Sampled"), "0");
    otelc_textmap_free(m);
    otelc_context_free(c);

    sc.trace_flags = OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG;
    c = otelc_context_new(&sc, NULL, NULL);
    m = inject_with("b3", c);
    cr_assert_str_eq(otelc_textmap_get(m, "b3"), TID "-" SID "-d");
    otelc_textmap_free(m);
    m = inject_with("b3multi", c);
    cr_assert_str_eq(otelc_textmap_get(m, "X-B3-Flags"), "1");
    cr_assert_null(otelc_textmap_get(m, "X-B3-Sampled"),
                   "debug implies accept: Sampled not sent");
    otelc_textmap_free(m);
    otelc_context_free(c);
}

Test(b3_round_trip, every_state_both_forms) {
    const uint8_t states[] = {0, OTELC_TRACE_FLAG_SAMPLED,
                              OTELC_TRACE_FLAG_SAMPLED |
                                  OTELC_TRACE_FLAG_DEBUG};
    const char *forms[] = {"b3", "b3multi"};
    for (int f = 0; f < 2; f++) {
        for (int s = 0; s < 3; s++) {
            otelc_span_context sc = sc_of(TID, SID, states[s]);
            otelc_context *c = otelc_context_new(&sc, NULL, NULL);
            otelc_textmap *m = inject_with(forms[f], c);
            otelc_carrier car = otelc_textmap_carrier(m);
            otelc_propagator *p = otelc_propagator_create(forms[f], NULL);
            otelc_context *back = otelc_propagator_extract(p, &car);
            assert_ctx(back, TID, SID, states[s]);
            otelc_propagator_free(p);
            otelc_textmap_free(m);
            otelc_context_free(c);
        }
    }
}

Test(b3_debug, inherited_by_children_and_reinjected) {
    test_pipeline tp;
    pipeline_init(&tp, otelc_sampler_parentbased(otelc_sampler_always_off()),
                  false, NULL);
    otelc_context *in =
        extract_with("b3multi", "X-B3-TraceId", TID, "X-B3-SpanId", SID,
                     "X-B3-Flags", "1", NULL);
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER, .parent = in};
    otelc_span *srv = otelc_span_start(tp.tracer, "server", &o);
    cr_assert(otelc_span_is_recording(srv), "debug implies sampled");
    otelc_scope sc = otelc_span_make_current(srv);
    otelc_span *cli = otelc_span_start(tp.tracer, "client", NULL);
    otelc_scope sc2 = otelc_span_make_current(cli);
    otelc_textmap *m = otelc_textmap_new();
    otelc_carrier car = otelc_textmap_carrier(m);
    otelc_propagator *p = otelc_propagator_create("b3", NULL);
    otelc_propagator_inject(p, NULL, &car);
    const char *v = otelc_textmap_get(m, "b3");
    cr_assert_not_null(v);
    cr_assert(!strncmp(v, TID "-", 33));
    cr_assert_eq(v[strlen(v) - 1], 'd', "debug kept: %s", v);
    otelc_scope_end(sc2);
    otelc_span_end(cli);
    otelc_scope_end(sc);
    otelc_span_end(srv);
    otelc_propagator_free(p);
    otelc_textmap_free(m);
    otelc_context_free(in);
    pipeline_free(&tp);
}

/* The debug bit is otelc's own: exported OTLP flags carry only W3C bits. */
Test(b3_debug, not_exported_as_a_w3c_flag) {
    char path[200], script[256];
    snprintf(path, sizeof path, "%s/spans.jsonl", test_tmpdir());
    snprintf(script, sizeof script, "%s.py", path);
    otelc_tracer_provider *p = otelc_tracer_provider_new(
        NULL, otelc_sampler_parentbased(otelc_sampler_always_off()));
    otelc_tracer_provider_add_processor(
        p, otelc_simple_span_processor_new(otelc_file_exporter_new(path)));
    otelc_context *in = extract_with("b3", "b3", TID "-" SID "-d", NULL);
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER, .parent = in};
    otelc_span *s = otelc_span_start(otelc_tracer_get(p, "t", NULL), "srv", &o);
    cr_assert(otelc_span_get_context(s).trace_flags & OTELC_TRACE_FLAG_DEBUG);
    otelc_span_end(s);
    otelc_tracer_provider_free(p);
    otelc_context_free(in);
    FILE *f = fopen(script, "w");
    fputs("import json,sys\n"
          "for l in open(sys.argv[1]):\n"
          "  for rs in json.loads(l)['resourceSpans']:\n"
          "    for ss in rs['scopeSpans']:\n"
          "      for sp in ss['spans']: print(sp['flags'] & 0xff)\n",
          f);
    fclose(f);
    const char *args[] = {path, NULL};
    char *out = NULL;
    cr_assert_eq(run_python(script, args, &out), 0);
    cr_assert_str_eq(out, "1\n", "sampled only, no 0x80: %s", out);
    free(out);
}
