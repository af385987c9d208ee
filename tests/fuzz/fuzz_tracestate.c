/*
 * tests/fuzz/fuzz_tracestate.c - libFuzzer target: the tracestate parser
 * and update API.  The input is up to four tracestate header fields (one
 * per line) next to a valid traceparent.  Invariants: a bad tracestate
 * never invalidates the traceparent; the kept list is canonical (parsing
 * it again changes nothing), has at most 32 members with valid keys and
 * values and no duplicate; an update puts its entry first.
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

static void check_canonical(const char *ts) {
    size_t dropped = 1;
    char *again = otelc_tracestate_parse(ts, &dropped);
    FUZZ_CHECK(again && !strcmp(again, ts) && dropped == 0);
    free(again);
    size_t members = 0;
    for (const char *p = ts; *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char *m = strndup(p, n);
        char *eq = strchr(m, '=');
        FUZZ_CHECK(eq != NULL);
        *eq = '\0';
        FUZZ_CHECK(otelc_tracestate_key_valid(m));
        FUZZ_CHECK(otelc_tracestate_value_valid(eq + 1));
        size_t len;
        FUZZ_CHECK(otelc_tracestate_get(ts, m, &len) == p + (eq - m) + 1);
        free(m);
        members++;
        if (!c)
            break;
        p = c + 1;
    }
    FUZZ_CHECK(members <= OTELC_TRACESTATE_MAX_MEMBERS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *v = fuzz_str(data, size);
    char *lines[4];
    size_t n = fuzz_lines(v, lines, 4);
    otelc_textmap *m = otelc_textmap_new();
    otelc_textmap_add(
        m, "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    for (size_t i = 0; i < n; i++)
        otelc_textmap_add(m, "tracestate", lines[i]);
    otelc_context *ctx = fuzz_extract("tracecontext", m);
    FUZZ_CHECK(ctx != NULL);
    const char *ts = otelc_context_trace_state(ctx);
    check_canonical(ts);
    char *upd = NULL;
    FUZZ_CHECK(otelc_tracestate_set(ts, "fuzz", "1", &upd) == OTELC_OK);
    FUZZ_CHECK(!strncmp(upd, "fuzz=1", 6) && (upd[6] == ',' || !upd[6]));
    check_canonical(upd);
    free(upd);
    fuzz_check_round_trip("tracecontext", ctx);
    otelc_context_free(ctx);
    otelc_textmap_free(m);
    free(v);
    return 0;
}
