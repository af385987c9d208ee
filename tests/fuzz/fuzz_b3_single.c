/*
 * tests/fuzz/fuzz_b3_single.c - libFuzzer target: the B3 single-header
 * parser ("b3: TraceId-SpanId-State-ParentSpanId").  Invariants: no crash,
 * no half context, an accepted header round-trips (debug included).
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *v = fuzz_str(data, size);
    otelc_textmap *m = otelc_textmap_new();
    otelc_textmap_add(m, "b3", v);
    otelc_context *ctx = fuzz_extract("b3", m);
    if (ctx) {
        otelc_span_context sc = otelc_context_span_context(ctx);
        FUZZ_CHECK(otelc_span_context_is_valid(&sc));
        if (sc.trace_flags & OTELC_TRACE_FLAG_DEBUG)
            FUZZ_CHECK(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
    }
    fuzz_check_round_trip("b3", ctx);
    fuzz_check_round_trip("b3multi", ctx);
    otelc_context_free(ctx);
    otelc_textmap_free(m);
    free(v);
    return 0;
}
