/*
 * tests/fuzz/fuzz_crash_report.c - libFuzzer target: the crash-file
 * parser that otelc_init() runs on files left in OTELC_CRASH_DIR.
 * Invariants: no crash, no over-read; an accepted report has a positive
 * signal and NUL-terminated fields within their buffers.
 */
#include "fuzz_common.h"

#include "sdk/errors_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    otelc_diag_set_level(OTELC_DIAG_NONE);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exact-size copy, so ASan sees any read past the end. */
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    otelc__crash_record r;
    if (otelc__crash_parse(buf, size, &r)) {
        FUZZ_CHECK(r.signal > 0);
        FUZZ_CHECK(memchr(r.signal_name, 0, sizeof r.signal_name));
        FUZZ_CHECK(memchr(r.trace_id, 0, sizeof r.trace_id));
        FUZZ_CHECK(memchr(r.span_id, 0, sizeof r.span_id));
        FUZZ_CHECK(memchr(r.address, 0, sizeof r.address));
        FUZZ_CHECK(memchr(r.service, 0, sizeof r.service));
        free(r.backtrace);
    } else {
        FUZZ_CHECK(r.backtrace == NULL);
    }
    free(buf);
    return 0;
}
