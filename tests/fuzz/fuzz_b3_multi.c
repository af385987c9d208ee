/*
 * tests/fuzz/fuzz_b3_multi.c - libFuzzer target: the B3 multi-header
 * parser.  Input lines are the values of X-B3-TraceId, X-B3-SpanId,
 * X-B3-Sampled, X-B3-Flags and X-B3-ParentSpanId; an empty line leaves
 * that header out.  Invariants as for the single header.
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
    static const char *names[] = {"X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled",
                                  "X-B3-Flags", "X-B3-ParentSpanId"};
    char *v = fuzz_str(data, size);
    char *lines[5];
    size_t n = fuzz_lines(v, lines, 5);
    otelc_textmap *m = otelc_textmap_new();
    for (size_t i = 0; i < n; i++)
        if (lines[i][0])
            otelc_textmap_add(m, names[i], lines[i]);
    otelc_context *ctx = fuzz_extract("b3multi", m);
    if (ctx) {
        otelc_span_context sc = otelc_context_span_context(ctx);
        FUZZ_CHECK(otelc_span_context_is_valid(&sc));
    }
    fuzz_check_round_trip("b3multi", ctx);
    fuzz_check_round_trip("b3", ctx);
    otelc_context_free(ctx);
    otelc_textmap_free(m);
    free(v);
    return 0;
}
