/*
 * tests/fuzz/fuzz_baggage.c - libFuzzer target: the W3C baggage parser and
 * formatter.  Invariants: the limits hold (64 entries, 8192 bytes out),
 * and what otelc formats parses back to the same entries.
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
    char *lines[3];
    size_t n = fuzz_lines(v, lines, 3);
    otelc_textmap *m = otelc_textmap_new();
    for (size_t i = 0; i < n; i++)
        otelc_textmap_add(m, "baggage", lines[i]);
    otelc_context *ctx = fuzz_extract("baggage", m);
    const otelc_baggage *b = otelc_context_baggage(ctx);
    FUZZ_CHECK(otelc_baggage_count(b) <= OTELC_BAGGAGE_MAX_ENTRIES);
    FUZZ_CHECK(!ctx || otelc_baggage_count(b) > 0);
    size_t dropped = 0;
    char *h = otelc_baggage_format(b, &dropped);
    if (h) {
        FUZZ_CHECK(strlen(h) <= OTELC_BAGGAGE_MAX_BYTES);
        otelc_baggage *back = otelc_baggage_parse(h, NULL);
        FUZZ_CHECK(otelc_baggage_count(back) + dropped ==
                   otelc_baggage_count(b));
        for (size_t i = 0; i < otelc_baggage_count(back); i++) {
            const char *k, *val, *md;
            otelc_baggage_entry(back, i, &k, &val, &md);
            const char *orig = otelc_baggage_get(b, k);
            FUZZ_CHECK(orig && !strcmp(orig, val));
        }
        otelc_baggage_free(back);
        free(h);
    }
    otelc_context_free(ctx);
    otelc_textmap_free(m);
    free(v);
    return 0;
}
