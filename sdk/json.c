/*
 * sdk/json.c - the growable buffer and JSON value writers.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/json_int.h"

void otelc__buf_init(otelc__buf *b) { memset(b, 0, sizeof *b); }

void otelc__buf_free(otelc__buf *b) {
    free(b->data);
    otelc__buf_init(b);
}

void otelc__buf_reset(otelc__buf *b) {
    b->len = 0;
    b->oom = false;
}

bool otelc__buf_reserve(otelc__buf *b, size_t extra) {
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void otelc__buf_append(otelc__buf *b, const void *p, size_t n) {
    if (!otelc__buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void otelc__buf_puts(otelc__buf *b, const char *s) {
    otelc__buf_append(b, s, strlen(s));
}

void otelc__buf_putc(otelc__buf *b, char c) {
    if (!otelc__buf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void otelc__buf_printf(otelc__buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        otelc__buf_append(b, tmp, (size_t)n);
        return;
    }
    if (!otelc__buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_valid(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Reject overlong forms, surrogates and values past U+10FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

void otelc__json_str(otelc__buf *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    if (!otelc__buf_reserve(b, n + 2))
        return;
    otelc__buf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        /* Copy runs of plain ASCII in one append. */
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
               s[run] != '\\')
            run++;
        if (run > i) {
            otelc__buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            otelc__buf_append(b, e, 2);
            i++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': otelc__buf_puts(b, "\\n"); break;
            case '\r': otelc__buf_puts(b, "\\r"); break;
            case '\t': otelc__buf_puts(b, "\\t"); break;
            case '\b': otelc__buf_puts(b, "\\b"); break;
            case '\f': otelc__buf_puts(b, "\\f"); break;
            default: {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                otelc__buf_append(b, e, 6);
            }
            }
            i++;
        } else {
            size_t l = utf8_valid(s + i, n - i);
            if (l) {
                otelc__buf_append(b, s + i, l);
                i += l;
            } else {
                otelc__buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
                i++;
            }
        }
    }
    otelc__buf_putc(b, '"');
}

void otelc__json_cstr(otelc__buf *b, const char *s) {
    otelc__json_str(b, s ? s : "", s ? strlen(s) : 0);
}

void otelc__json_i64(otelc__buf *b, int64_t v) {
    otelc__buf_printf(b, "%lld", (long long)v);
}

void otelc__json_u64(otelc__buf *b, uint64_t v) {
    otelc__buf_printf(b, "%llu", (unsigned long long)v);
}

void otelc__json_double(otelc__buf *b, double v) {
    if (isnan(v)) {
        otelc__buf_puts(b, "\"NaN\"");
        return;
    }
    if (isinf(v)) {
        otelc__buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    /* %.17g round-trips every double; try shorter first for readability. */
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    otelc__buf_puts(b, tmp);
}

void otelc__json_hex(otelc__buf *b, const uint8_t *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (!otelc__buf_reserve(b, 2 * n + 2))
        return;
    b->data[b->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        b->data[b->len++] = hex[p[i] >> 4];
        b->data[b->len++] = hex[p[i] & 15];
    }
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
}

void otelc__json_base64(otelc__buf *b, const uint8_t *p, size_t n) {
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!otelc__buf_reserve(b, (n + 2) / 3 * 4 + 2))
        return;
    otelc__buf_putc(b, '"');
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63],
                     tbl[v & 63]};
        otelc__buf_append(b, o, 4);
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63],
                     i + 1 < n ? tbl[(v >> 6) & 63] : '=', '='};
        otelc__buf_append(b, o, 4);
    }
    otelc__buf_putc(b, '"');
}
