/*
 * tests/fuzz/fuzz_prom_accept.c - libFuzzer target: the /metrics content
 * negotiation parsers (Accept, Accept-Encoding), which read headers from
 * any client.  The input is split at the first newline: Accept, then
 * Accept-Encoding.  Invariants: no crash, no read past the strings (ASan),
 * deterministic answers, and the documented basics: an explicit q=0 for
 * gzip always refuses it, a lone "application/openmetrics-text" is
 * accepted.
 */
#include "fuzz_common.h"

#include "exporters/prometheus/prom_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_str(data, size);
    char *ae = strchr(s, '\n');
    if (ae)
        *ae++ = '\0';
    bool om = otelc__prom_wants_openmetrics(s);
    FUZZ_CHECK(om == otelc__prom_wants_openmetrics(s));
    if (ae) {
        bool gz = otelc__prom_accepts_gzip(ae);
        FUZZ_CHECK(gz == otelc__prom_accepts_gzip(ae));
        /* Appending an explicit refusal wins over anything before it
         * (the highest q of a coding counts; 0 for gzip refuses). */
        size_t n = strlen(ae);
        char *refused = malloc(n + 16);
        if (!refused)
            abort();
        memcpy(refused, ae, n);
        memcpy(refused + n, ",gzip;q=0", 10);
        /* (Headers are read up to 4096 bytes.) */
        if (n < 4000 && !strcasestr(ae, "gzip"))
            FUZZ_CHECK(!otelc__prom_accepts_gzip(refused));
        free(refused);
    }
    FUZZ_CHECK(otelc__prom_wants_openmetrics("application/openmetrics-text"));
    free(s);
    return 0;
}
