/*
 * tests/trace/test_ids.c - trace and span ids: never zero, unique, hex
 * formatting and strict parsing.
 */
#include <stdlib.h>
#include <string.h>

#include "support/test_support.h"

static int cmp16(const void *a, const void *b) {
    return memcmp(a, b, 16);
}

Test(ids, generated_ids_are_unique_and_non_zero) {
    test_pipeline tp;
    pipeline_init(&tp, otelc_sampler_always_off(), false, NULL);
    enum { N = 200000 };
    uint8_t(*tids)[16] = malloc(sizeof *tids * N);
    uint8_t(*sids)[16] = calloc(N, sizeof *sids);
    for (int i = 0; i < N; i++) {
        otelc_span *s = otelc_span_start(tp.tracer, "x", NULL);
        otelc_span_context sc = otelc_span_get_context(s);
        cr_assert(otelc_span_context_is_valid(&sc));
        memcpy(tids[i], sc.trace_id, 16);
        memcpy(sids[i], sc.span_id, 8);
        otelc_span_end(s);
    }
    qsort(tids, N, 16, cmp16);
    qsort(sids, N, 16, cmp16);
    for (int i = 1; i < N; i++) {
        cr_assert_neq(memcmp(tids[i - 1], tids[i], 16), 0);
        cr_assert_neq(memcmp(sids[i - 1], sids[i], 16), 0);
    }
    free(tids);
    free(sids);
    pipeline_free(&tp);
}

Test(ids, hex_round_trip) {
    uint8_t tid[16], sid[8];
    for (int i = 0; i < 16; i++)
        tid[i] = (uint8_t)(i * 17);
    for (int i = 0; i < 8; i++)
        sid[i] = (uint8_t)(0xf0 + i);
    char th[33], sh[17];
    cr_assert_str_eq(otelc_trace_id_to_hex(tid, th),
                     "00112233445566778899aabbccddeeff");
    cr_assert_str_eq(otelc_span_id_to_hex(sid, sh), "f0f1f2f3f4f5f6f7");
    uint8_t t2[16], s2[8];
    cr_assert_eq(otelc_trace_id_from_hex(th, 32, t2), OTELC_OK);
    cr_assert_eq(otelc_span_id_from_hex(sh, 16, s2), OTELC_OK);
    cr_assert_eq(memcmp(t2, tid, 16), 0);
    cr_assert_eq(memcmp(s2, sid, 8), 0);
}

Test(ids, hex_parsing_is_strict) {
    uint8_t t[16], s[8];
    const char *bad_trace[] = {
        "00112233445566778899AABBCCDDEEFF",  /* uppercase */
        "00000000000000000000000000000000",  /* all zero */
        "0011223344556677889900",            /* short */
        "00112233445566778899aabbccddeeffa", /* long */
        "0011223344556677889g0aabbccddeeff", /* bad digit */
        "",
    };
    for (size_t i = 0; i < sizeof bad_trace / sizeof *bad_trace; i++) {
        cr_assert_eq(
            otelc_trace_id_from_hex(bad_trace[i], strlen(bad_trace[i]), t),
            OTELC_EPARSE, "%s", bad_trace[i]);
        for (int j = 0; j < 16; j++)
            cr_assert_eq(t[j], 0);
    }
    cr_assert_eq(otelc_span_id_from_hex("0000000000000000", 16, s),
                 OTELC_EPARSE);
    cr_assert_eq(otelc_span_id_from_hex("00f067aa0ba902b7", 16, s), OTELC_OK);
    cr_assert_eq(otelc_span_id_from_hex(NULL, 16, s), OTELC_EPARSE);
}

Test(ids, strerror_names_every_status) {
    cr_assert_str_eq(otelc_strerror(OTELC_OK), "success");
    cr_assert_str_eq(otelc_strerror(OTELC_ETIMEDOUT),
                     "deadline passed before the operation completed");
    cr_assert_str_eq(otelc_strerror((otelc_status)9999), "unknown status");
    cr_assert_str_eq(otelc_version(), OTELC_VERSION_STRING);
}
