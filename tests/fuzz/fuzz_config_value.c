/*
 * tests/fuzz/fuzz_config_value.c - libFuzzer target for the configuration
 * value validators (sdk/config.c), driven through otelc_options_set().
 *
 * Input: the first byte picks a setting of sdk/config_table.h (modulo the
 * table size, so new settings are fuzzed without changes here); the rest
 * is the value.  Checked besides the sanitizers:
 *   - otelc_options_set() returns OTELC_OK or OTELC_ECONFIG only;
 *   - a normalised value is a fixed point: set again, it is accepted and
 *     normalised to itself (no value drifts between loads);
 *   - a rejected value leaves the option unset;
 *   - the percent-decoding key=value parser agrees on both passes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/config_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* sdk/config.c */
const char *otelc__options_get(const otelc_options *o, const char *name);

static const char *const g_names[] = {
#define OTELC__FUZZ_NAME(id, name, type, def, min, max, choices, desc) name,
    OTELC_CONFIG_TABLE(OTELC__FUZZ_NAME)
#undef OTELC__FUZZ_NAME
};
#define NAME_COUNT (sizeof g_names / sizeof g_names[0])

static void on_diag(otelc_diag_level level, const char *msg, void *ud) {
    (void)level;
    (void)ud;
    if (!msg[0])
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    otelc_diag_set_handler(on_diag, NULL);
    return 0;
}

static void count_pair(const char *k, const char *v, void *arg) {
    (void)v;
    if (!k[0])
        abort(); /* empty keys are rejected before any callback */
    ++*(size_t *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    const char *name = g_names[data[0] % NAME_COUNT];
    char *value = malloc(size);
    if (!value)
        return 0;
    memcpy(value, data + 1, size - 1);
    value[size - 1] = '\0';

    otelc_options *o = otelc_options_new();
    otelc_status st = otelc_options_set(o, name, value);
    const char *norm = otelc__options_get(o, name);
    if (st == OTELC_OK) {
        if (norm) {
            char *copy = strdup(norm);
            otelc_options *o2 = otelc_options_new();
            if (!copy || !o2)
                abort();
            if (otelc_options_set(o2, name, copy) != OTELC_OK)
                abort();
            const char *again = otelc__options_get(o2, name);
            if (!again || strcmp(again, copy))
                abort();
            otelc_options_free(o2);
            free(copy);
        }
    } else if (st == OTELC_ECONFIG) {
        if (norm)
            abort();
    } else {
        abort();
    }
    otelc_options_free(o);

    size_t pairs = 0;
    const char *err = NULL;
    if (!otelc__parse_kv_list(value, count_pair, &pairs, &err)) {
        if (pairs || !err)
            abort(); /* a malformed list reports nothing, and says why */
    }
    free(value);
    return 0;
}
