/*
 * tests/fuzz/fuzz_log_settings.c - libFuzzer target for the parsers of
 * the log settings (sdk/log_parse.c): "name=value,..." lists (LOG_LEVELS,
 * LOG_SAMPLING) and level names, fed from the environment and .env files.
 *
 * For any input bytes:
 *   - each member handed to the callback lies inside the input, is
 *     non-empty on both sides, has no surrounding white space, and holds no
 *     ',' (and the name no '=');
 *   - there are at most (number of commas + 1) members;
 *   - when the whole list parses, writing the members back as
 *     "name=value,..." and parsing that gives the same members;
 *   - every value (and name) given to otelc_log_level_parse either fails
 *     or yields one of the seven thresholds.
 *
 * Built by tests/fuzz/CMakeLists.txt (make fuzz), or alone:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -I include -I . tests/fuzz/fuzz_log_settings.c sdk/log_parse.c \
 *     sdk/strutil.c -o fuzz_log_settings
 *   ./fuzz_log_settings -max_total_time=60 tests/fuzz/corpus/fuzz_log_settings
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/log_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_log_settings: check failed: %s (line %d)\n", \
                    #cond, __LINE__);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

typedef struct member {
    const char *n;
    size_t nl;
    const char *v;
    size_t vl;
} member;

typedef struct collect {
    const char *base;
    size_t size;
    member m[512];
    size_t count;
    bool overflow;
} collect;

static void check_level(const char *s, size_t n) {
    char buf[64];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    otelc_log_level l = (otelc_log_level)77;
    if (otelc_log_level_parse(buf, &l) == OTELC_OK)
        CHECK(l == OTELC_LOG_TRACE || l == OTELC_LOG_DEBUG ||
              l == OTELC_LOG_INFO || l == OTELC_LOG_WARN ||
              l == OTELC_LOG_ERROR || l == OTELC_LOG_FATAL ||
              l == OTELC_LOG_OFF);
    else
        CHECK(l == (otelc_log_level)77);
}

static bool on_member(const char *n, size_t nl, const char *v, size_t vl,
                      void *arg) {
    collect *c = arg;
    CHECK(nl > 0 && vl > 0);
    CHECK(n >= c->base && n + nl <= c->base + c->size);
    CHECK(v >= c->base && v + vl <= c->base + c->size);
    CHECK(!isspace((unsigned char)n[0]) && !isspace((unsigned char)n[nl - 1]));
    CHECK(!isspace((unsigned char)v[0]) && !isspace((unsigned char)v[vl - 1]));
    CHECK(!memchr(n, ',', nl) && !memchr(n, '=', nl));
    CHECK(!memchr(v, ',', vl));
    check_level(n, nl);
    check_level(v, vl);
    if (c->count < 512)
        c->m[c->count++] = (member){n, nl, v, vl};
    else
        c->overflow = true;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    collect *a = calloc(1, sizeof *a);
    a->base = s;
    a->size = size;
    const char *err = NULL;
    bool ok = otelc__log_parse_pairs(s, size, on_member, a, &err);
    CHECK(ok || err != NULL);
    size_t commas = 0;
    for (size_t i = 0; i < size; i++)
        commas += s[i] == ',';
    CHECK(a->count <= commas + 1);
    if (ok && !a->overflow) {
        /* Round trip. */
        size_t cap = size + 2 * a->count + 1, len = 0;
        char *out = malloc(cap);
        for (size_t i = 0; i < a->count; i++) {
            if (i)
                out[len++] = ',';
            memcpy(out + len, a->m[i].n, a->m[i].nl);
            len += a->m[i].nl;
            out[len++] = '=';
            memcpy(out + len, a->m[i].v, a->m[i].vl);
            len += a->m[i].vl;
        }
        collect *b = calloc(1, sizeof *b);
        b->base = out;
        b->size = len;
        CHECK(otelc__log_parse_pairs(out, len, on_member, b, &err));
        CHECK(b->count == a->count);
        for (size_t i = 0; i < a->count; i++) {
            CHECK(b->m[i].nl == a->m[i].nl && b->m[i].vl == a->m[i].vl);
            CHECK(!memcmp(b->m[i].n, a->m[i].n, a->m[i].nl));
            CHECK(!memcmp(b->m[i].v, a->m[i].v, a->m[i].vl));
        }
        free(b);
        free(out);
    }
    free(a);
    /* The whole input as one level name, too. */
    check_level(s, size);
    return 0;
}
