/*
 * tests/fuzz/fuzz_sentry_dsn.c - libFuzzer target: the Sentry DSN parser
 * (otelc_sentry_dsn_check).  Invariants: no crash; a refused DSN has a
 * reason and no endpoint; an accepted one gives an http(s) endpoint ending
 * in /api/<digits>/envelope/ whose authority has no user info (keys).
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    otelc_diag_set_level(OTELC_DIAG_NONE);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *dsn = fuzz_str(data, size);
    const char *why = NULL;
    char ep[600];
    otelc_status st = otelc_sentry_dsn_check(dsn, &why, ep, sizeof ep);
    if (st != OTELC_OK) {
        FUZZ_CHECK(st == OTELC_EPARSE && why && why[0] && ep[0] == '\0');
    } else {
        FUZZ_CHECK(!why);
        FUZZ_CHECK(!strncmp(ep, "http://", 7) || !strncmp(ep, "https://", 8));
        size_t n = strlen(ep);
        FUZZ_CHECK(n > 10 && !strcmp(ep + n - 10, "/envelope/"));
        FUZZ_CHECK(strstr(ep, "/api/"));
        /* No user info (the keys) in the endpoint's authority. */
        const char *auth = strstr(ep, "://") + 3;
        size_t al = strcspn(auth, "/");
        FUZZ_CHECK(!memchr(auth, '@', al));
    }
    free(dsn);
    return 0;
}
