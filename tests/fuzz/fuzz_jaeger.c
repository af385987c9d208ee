/*
 * tests/fuzz/fuzz_jaeger.c - libFuzzer target: the Jaeger parser.  The
 * first input line is the uber-trace-id value; each further line
 * "name:value" is one more header (uberctx-* baggage among them).
 * Invariants: no crash, no half context, ids round-trip, baggage stays
 * within the limits and round-trips through uberctx-* headers.
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
    char *lines[8];
    size_t n = fuzz_lines(v, lines, 8);
    otelc_textmap *m = otelc_textmap_new();
    otelc_textmap_add(m, "uber-trace-id", lines[0]);
    for (size_t i = 1; i < n; i++) {
        char *colon = strchr(lines[i], ':');
        if (!colon)
            continue;
        *colon = '\0';
        otelc_textmap_add(m, lines[i], colon + 1);
    }
    otelc_context *ctx = fuzz_extract("jaeger", m);
    FUZZ_CHECK(otelc_baggage_count(otelc_context_baggage(ctx)) <=
               OTELC_BAGGAGE_MAX_ENTRIES);
    fuzz_check_round_trip("jaeger", ctx);
    if (ctx) {
        /* Baggage entries come back through uberctx-* unchanged. */
        otelc_textmap *out = otelc_textmap_new();
        otelc_propagator *p = otelc_propagator_create("jaeger", NULL);
        otelc_carrier c = otelc_textmap_carrier(out);
        otelc_propagator_inject(p, ctx, &c);
        otelc_context *back = otelc_propagator_extract(p, &c);
        const otelc_baggage *b = otelc_context_baggage(ctx);
        for (size_t i = 0; i < otelc_baggage_count(b); i++) {
            const char *k, *val, *md;
            otelc_baggage_entry(b, i, &k, &val, &md);
            const char *got = otelc_baggage_get(otelc_context_baggage(back), k);
            FUZZ_CHECK(got && !strcmp(got, val));
        }
        otelc_context_free(back);
        otelc_propagator_free(p);
        otelc_textmap_free(out);
    }
    otelc_context_free(ctx);
    otelc_textmap_free(m);
    free(v);
    return 0;
}
