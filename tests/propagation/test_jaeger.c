/*
 * tests/propagation/test_jaeger.c - uber-trace-id (variable-length ids,
 * flags, debug, percent-encoding) and uberctx-* baggage.
 */
#include "propagation/prop_helpers.h"

#define TID "80f198ee56343ba864fe8b2a57d3eff7"
#define SID "e457b5a2e4d86bd1"

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

static otelc_context *uber(const char *v) {
    return extract_with("jaeger", "uber-trace-id", v, NULL);
}

Test(jaeger, valid_forms) {
    const uint8_t S = OTELC_TRACE_FLAG_SAMPLED, D = OTELC_TRACE_FLAG_DEBUG;
    assert_ctx(uber(TID ":" SID ":0:1"), TID, SID, S);
    assert_ctx(uber(TID ":" SID ":0:01"), TID, SID, S);
    assert_ctx(uber(TID ":" SID ":0:0"), TID, SID, 0);
    assert_ctx(uber(TID ":" SID ":0:2"), TID, SID, S | D);
    assert_ctx(uber(TID ":" SID ":0:3"), TID, SID, S | D);
    assert_ctx(uber(TID ":" SID ":a1b2c3:1"), TID, SID, S);
    /* Variable-length ids are left-padded. */
    assert_ctx(uber("a3ce929d0e0e4736:" SID ":0:1"),
               "0000000000000000a3ce929d0e0e4736", SID, S);
    assert_ctx(uber("1:2:0:1"), "00000000000000000000000000000001",
               "0000000000000002", S);
    assert_ctx(uber("abc:def:0:0"), "00000000000000000000000000000abc",
               "0000000000000def", 0);
    /* Uppercase digits, whitespace and percent-encoding are accepted. */
    assert_ctx(uber("80F198EE56343BA864FE8B2A57D3EFF7:E457B5A2E4D86BD1:0:1"),
               TID, SID, S);
    assert_ctx(uber(" " TID ":" SID ":0:1 "), TID, SID, S);
    assert_ctx(uber(TID "%3A" SID "%3A0%3A1"), TID, SID, S);
    assert_ctx(
        extract_with("jaeger", "Uber-Trace-Id", TID ":" SID ":0:1", NULL), TID,
        SID, S);
}

Test(jaeger, invalid_forms) {
    const char *bad[] = {
        TID ":" SID ":0",
        TID ":" SID ":0:1:5",
        TID ":" SID,
        "0:" SID ":0:1",
        "00000000000000000000000000000000:" SID ":0:1",
        TID ":0:0:1",
        TID ":0000000000000000:0:1",
        TID "0:" SID ":0:1",
        TID ":" SID "0:0:1",
        TID ":" SID ":00000000000000000:1",
        TID ":" SID ":0:100",
        TID ":" SID ":0:x",
        TID ":" SID "::1",
        ":" SID ":0:1",
        "g:" SID ":0:1",
        TID ":" SID ":0:",
        TID "%3" SID ":0:1",
        "",
        ":::",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_null(uber(bad[i]), "uber-trace-id: %s", bad[i]);
}

Test(jaeger, inject_forms) {
    otelc_span_context sc = sc_of(TID, SID, OTELC_TRACE_FLAG_SAMPLED);
    otelc_context *c = otelc_context_new(&sc, NULL, NULL);
    otelc_textmap *m = inject_with("jaeger", c);
    cr_assert_str_eq(otelc_textmap_get(m, "uber-trace-id"),
                     TID ":" SID ":0:01");
    otelc_textmap_free(m);
    otelc_context_free(c);
    /* A 64-bit trace id goes out as 16 digits; debug as flags 03. */
    sc = sc_of("0000000000000000a3ce929d0e0e4736", SID,
               OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG);
    c = otelc_context_new(&sc, NULL, NULL);
    m = inject_with("jaeger", c);
    cr_assert_str_eq(otelc_textmap_get(m, "uber-trace-id"),
                     "a3ce929d0e0e4736:" SID ":0:03");
    otelc_textmap_free(m);
    otelc_context_free(c);
    /* A 128-bit id with leading zero digits keeps all 32. */
    sc = sc_of("00000000000000010000000000000002", SID, 0);
    c = otelc_context_new(&sc, NULL, NULL);
    m = inject_with("jaeger", c);
    cr_assert_str_eq(otelc_textmap_get(m, "uber-trace-id"),
                     "00000000000000010000000000000002:" SID ":0:00");
    otelc_textmap_free(m);
    otelc_context_free(c);
}

Test(jaeger, round_trip) {
    const char *tids[] = {TID, "0000000000000000a3ce929d0e0e4736",
                          "00000000000000000000000000000001"};
    const uint8_t flags[] = {0, OTELC_TRACE_FLAG_SAMPLED,
                             OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG};
    for (int i = 0; i < 3; i++) {
        otelc_span_context sc = sc_of(tids[i], SID, flags[i]);
        otelc_context *c = otelc_context_new(&sc, NULL, NULL);
        otelc_textmap *m = inject_with("jaeger", c);
        otelc_carrier car = otelc_textmap_carrier(m);
        otelc_propagator *p = otelc_propagator_create("jaeger", NULL);
        assert_ctx(otelc_propagator_extract(p, &car), tids[i], SID, flags[i]);
        otelc_propagator_free(p);
        otelc_textmap_free(m);
        otelc_context_free(c);
    }
}

Test(jaeger, uberctx_baggage) {
    otelc_context *c = extract_with(
        "jaeger", "uber-trace-id", TID ":" SID ":0:1", "uberctx-user", "alice",
        "UberCtx-Node", "DF%2028", "uberctx-", "noname", "uberctx-bad%", "%zz",
        "other", "x", NULL);
    cr_assert_not_null(c);
    const otelc_baggage *b = otelc_context_baggage(c);
    cr_assert_eq(otelc_baggage_count(b), 2);
    cr_assert_str_eq(otelc_baggage_get(b, "user"), "alice");
    cr_assert_str_eq(otelc_baggage_get(b, "node"), "DF 28",
                     "keys lowercased, values decoded");
    otelc_textmap *m = inject_with("jaeger", c);
    cr_assert_str_eq(otelc_textmap_get(m, "uberctx-user"), "alice");
    cr_assert_str_eq(otelc_textmap_get(m, "uberctx-node"), "DF%2028");
    otelc_textmap_free(m);
    otelc_context_free(c);
    /* Baggage alone (no uber-trace-id) is still a context. */
    c = extract_with("jaeger", "uberctx-k", "v", NULL);
    cr_assert_not_null(c);
    otelc_span_context sc = otelc_context_span_context(c);
    cr_assert_not(otelc_span_context_is_valid(&sc));
    cr_assert_str_eq(otelc_baggage_get(otelc_context_baggage(c), "k"), "v");
    otelc_context_free(c);
    /* A bad uber-trace-id with baggage: baggage only, never half ids. */
    c = extract_with("jaeger", "uber-trace-id", "0:0:0:1", "uberctx-k", "v",
                     NULL);
    sc = otelc_context_span_context(c);
    cr_assert_not(otelc_span_context_is_valid(&sc));
    otelc_context_free(c);
}
