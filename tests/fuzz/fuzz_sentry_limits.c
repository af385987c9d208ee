/*
 * tests/fuzz/fuzz_sentry_limits.c - libFuzzer target: the
 * X-Sentry-Rate-Limits parser.  The first line of the input is the header
 * value; the first byte chooses the HTTP status (429 or 200).
 * Invariants: no crash; limits only ever extend, and never beyond a year.
 */
#include "fuzz_common.h"

#include "exporters/sentry/sentry_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    otelc_diag_set_level(OTELC_DIAG_NONE);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long status = size && (data[0] & 1) ? 429 : 200;
    char *h = fuzz_str(size ? data + 1 : data, size ? size - 1 : 0);
    const uint64_t now = 1000000000000ull;
    otelc__sentry_limits l = {now + 5, 0};
    otelc__sentry_apply_limits(&l, status, h, size > 2 && (data[1] & 1), 7000,
                               now);
    FUZZ_CHECK(l.all_until >= now + 5);
    const uint64_t year = 366ull * 86400 * 1000000000ull;
    FUZZ_CHECK(l.all_until <= now + year);
    FUZZ_CHECK(l.error_until == 0 ||
               (l.error_until > now - 1 && l.error_until <= now + year));
    free(h);
    return 0;
}
