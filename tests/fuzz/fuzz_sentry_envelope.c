/*
 * tests/fuzz/fuzz_sentry_envelope.c - libFuzzer target: the Sentry
 * envelope encoder with arbitrary bytes in the type, message, stack trace
 * and tags (the input split at newlines).  Invariants: the envelope header
 * is one line; the item header's "length" is exactly the payload's byte
 * count; the payload is followed by the final newline; no line of the
 * headers contains a raw control character.
 */
#include "fuzz_common.h"

#include <stdio.h>

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
    char *s = fuzz_str(data, size);
    char *ln[8] = {0};
    size_t n = fuzz_lines(s, ln, 8);
    const char *f[8];
    for (size_t i = 0; i < 8; i++)
        f[i] = i < n ? ln[i] : "";
    otelc__tag_in tags[2] = {{f[3], f[4], strlen(f[4])},
                             {f[5][0] ? f[5] : "k", f[6], strlen(f[6])}};
    otelc_span_context sc = {{1, 2, 3}, {4, 5}, 1, false};
    otelc__error_event *e = otelc__error_event_new(
        OTELC_ERROR_LEVEL_ERROR, &sc, f[0], f[1], f[2][0] ? f[2] : NULL, NULL,
        f[3][0] ? tags : tags + 1, f[3][0] ? 2 : 1, 1);
    FUZZ_CHECK(e);
    otelc__sentry_meta m = {"key", f[7], "env", "host", "svc"};
    otelc__buf b;
    otelc__buf_init(&b);
    otelc__sentry_envelope(&b, e, &m, 2);
    FUZZ_CHECK(!b.oom);
    char *nl1 = memchr(b.data, '\n', b.len);
    FUZZ_CHECK(nl1);
    char *nl2 = memchr(nl1 + 1, '\n', b.len - (size_t)(nl1 + 1 - b.data));
    FUZZ_CHECK(nl2);
    for (char *c = b.data; c < nl2; c++)
        FUZZ_CHECK(*c == '\n' ? (c == nl1) : (unsigned char)*c >= 0x20);
    const char *lp = strstr(nl1 + 1, "\"length\":");
    FUZZ_CHECK(lp && lp < nl2);
    size_t len = strtoul(lp + 9, NULL, 10);
    size_t payload_at = (size_t)(nl2 + 1 - b.data);
    FUZZ_CHECK(payload_at + len + 1 == b.len);
    FUZZ_CHECK(b.data[b.len - 1] == '\n');
    FUZZ_CHECK(b.data[payload_at] == '{' && b.data[b.len - 2] == '}');
    otelc__buf_free(&b);
    free(e);
    free(s);
    return 0;
}
