/*
 * tests/fuzz/fuzz_alert_selector.c - libFuzzer target: the metric series
 * selector of alert rules ("name{k=\"v\",k2!=\"v2\"}").  Invariants: no
 * crash, no read past the string; the answer is OTELC_OK or OTELC_EPARSE,
 * and a parsed selector can be evaluated against an empty snapshot.
 */
#include "fuzz_common.h"

#include "sdk/alerts_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    otelc_diag_set_level(OTELC_DIAG_NONE);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *sel = fuzz_str(data, size);
    otelc__alert_metric *m = NULL;
    otelc_status st =
        otelc__alert_metric_new(sel, OTELC_ALERT_FN_VALUE, "fuzz", &m);
    FUZZ_CHECK(st == OTELC_OK || st == OTELC_EPARSE);
    FUZZ_CHECK((st == OTELC_OK) == (m != NULL));
    if (m) {
        double v;
        FUZZ_CHECK(!otelc__alert_metric_value(m, NULL, 1, &v));
        otelc__alert_metric_free(m);
    }
    free(sel);
    return 0;
}
