/*
 * tests/fuzz/fuzz_traceparent.c - libFuzzer target: the traceparent parser
 * (tracecontext propagator).  Invariants: no crash, no half context, and an
 * accepted header re-injects as a canonical version-00 header that parses
 * to the same context.
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
    otelc_textmap_add(m, "traceparent", v);
    otelc_context *ctx = fuzz_extract("tracecontext", m);
    if (ctx) {
        otelc_span_context sc = otelc_context_span_context(ctx);
        FUZZ_CHECK(otelc_span_context_is_valid(&sc));
        FUZZ_CHECK((sc.trace_flags & ~0x03u) == 0);
        otelc_textmap *out = otelc_textmap_new();
        otelc_propagator *p = otelc_propagator_create("tracecontext", NULL);
        otelc_carrier c = otelc_textmap_carrier(out);
        otelc_propagator_inject(p, ctx, &c);
        const char *tp = otelc_textmap_get(out, "traceparent");
        FUZZ_CHECK(tp && strlen(tp) == 55 && !strncmp(tp, "00-", 3));
        otelc_propagator_free(p);
        otelc_textmap_free(out);
    }
    fuzz_check_round_trip("tracecontext", ctx);
    otelc_context_free(ctx);
    otelc_textmap_free(m);
    free(v);
    return 0;
}
