/*
 * tests/fuzz/fuzz_json_string.c - libFuzzer target for the JSON string
 * writer (otelc__json_str in sdk/json.c), which every exporter that writes
 * JSON or text feeds with application strings.
 *
 * For any input bytes the output must be one valid JSON string: it starts
 * and ends with a quote, holds no other unescaped quote and no raw control
 * character, every escape is one RFC 8259 allows (a \u escape never
 * produces a lone surrogate), and the text is valid UTF-8.  The checks
 * below decode the output with their own small decoder (code points and
 * their minimal encodings, not the writer's second-byte ranges), then
 * require:
 *   - valid UTF-8 input comes back byte for byte;
 *   - any input comes back as valid UTF-8, with every replacement
 *     character accounted for: input bytes that are not part of a valid
 *     sequence turn into U+FFFD, and nothing else changes, so removing the
 *     U+FFFDs the writer added from the decoded output gives exactly the
 *     valid sequences of the input, in order;
 *   - the output is at most 6 bytes per input byte plus the quotes.
 * The same input also goes through otelc__json_escape (the unquoted form)
 * and must equal the quoted output without its quotes.
 *
 * Build (clang): see tests/fuzz/CMakeLists.txt, or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I include -I . \
 *     tests/fuzz/fuzz_json_string.c sdk/json.c -o fuzz_json_string
 *   ./fuzz_json_string -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/json_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_json_string: check failed: %s (line %d)\n",  \
                    #cond, __LINE__);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Decode one UTF-8 sequence at s[0..n): its length and code point, or 0
 * when it is not a valid, minimal, non-surrogate sequence. */
static size_t decode_utf8(const uint8_t *s, size_t n, uint32_t *cp) {
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < min_cp[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static size_t encode_utf8(uint32_t cp, uint8_t *o) {
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xc0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xe0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

static int hexval(uint8_t c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse the JSON string at j[0..n) (quotes included) into UTF-8 bytes in
 * out (at least n bytes); aborts on anything RFC 8259 forbids.  Returns the
 * decoded length. */
static size_t parse_json_string(const uint8_t *j, size_t n, uint8_t *out) {
    CHECK(n >= 2 && j[0] == '"' && j[n - 1] == '"');
    size_t o = 0;
    size_t i = 1;
    while (i < n - 1) {
        uint8_t c = j[i];
        CHECK(c >= 0x20); /* no raw control characters */
        CHECK(c != '"');  /* no unescaped quote before the end */
        if (c != '\\') {
            uint32_t cp;
            size_t l = decode_utf8(j + i, n - 1 - i, &cp);
            CHECK(l > 0); /* the output is valid UTF-8 */
            memcpy(out + o, j + i, l);
            o += l;
            i += l;
            continue;
        }
        CHECK(i + 1 < n - 1);
        uint8_t e = j[i + 1];
        i += 2;
        switch (e) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            CHECK(i + 4 <= n - 1);
            uint32_t cp = 0;
            for (int k = 0; k < 4; k++) {
                int h = hexval(j[i + k]);
                CHECK(h >= 0);
                cp = cp << 4 | (uint32_t)h;
            }
            i += 4;
            CHECK(cp < 0xd800 || cp > 0xdfff); /* no surrogate escapes */
            o += encode_utf8(cp, out + o);
            break;
        }
        default: CHECK(!"invalid escape");
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    otelc__buf b;
    otelc__buf_init(&b);
    otelc__json_str(&b, (const char *)data, size);
    CHECK(!b.oom);
    CHECK(b.len <= 6 * size + 2);
    CHECK(b.data[b.len] == '\0');

    uint8_t *dec = malloc(b.len + 1);
    CHECK(dec);
    size_t dn = parse_json_string((const uint8_t *)b.data, b.len, dec);

    /* The valid sequences of the input, in order. */
    uint8_t *valid = malloc(size + 1);
    CHECK(valid);
    size_t vn = 0;
    int input_ok = 1;
    for (size_t i = 0; i < size;) {
        uint32_t cp;
        size_t l = decode_utf8(data + i, size - i, &cp);
        if (l) {
            memcpy(valid + vn, data + i, l);
            vn += l;
            i += l;
        } else {
            input_ok = 0;
            i++;
        }
    }
    if (input_ok) {
        CHECK(dn == size && (size == 0 || memcmp(dec, data, size) == 0));
    } else {
        /* Remove U+FFFDs from both sides and compare: what the writer kept
         * is exactly the valid part of the input. */
        static const uint8_t fffd[3] = {0xef, 0xbf, 0xbd};
        size_t a = 0, vi = 0;
        while (a < dn || vi < vn) {
            if (a + 3 <= dn && !memcmp(dec + a, fffd, 3)) {
                a += 3;
                continue;
            }
            if (vi + 3 <= vn && !memcmp(valid + vi, fffd, 3)) {
                vi += 3;
                continue;
            }
            CHECK(a < dn && vi < vn && dec[a] == valid[vi]);
            a++;
            vi++;
        }
    }

    /* The unquoted form is the same text. */
    otelc__buf e;
    otelc__buf_init(&e);
    otelc__json_escape(&e, (const char *)data, size);
    CHECK(!e.oom);
    CHECK(e.len + 2 == b.len);
    CHECK(e.len == 0 || memcmp(e.data, b.data + 1, e.len) == 0);

    otelc__buf_free(&e);
    free(valid);
    free(dec);
    otelc__buf_free(&b);
    return 0;
}
