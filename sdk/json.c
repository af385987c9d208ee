/*
 * sdk/json.c - the growable buffer and JSON value writers.
 *
 * Invariants.  b->data is NUL-terminated after every append (so a buffer
 * can be handed to C string functions), len < cap once anything was
 * written, and a buffer that once failed to grow (oom) ignores every later
 * append until it is reset.
 *
 * Strings.  The writer copies runs of plain ASCII in one memcpy and looks
 * at other bytes one sequence at a time: control characters, quotes and
 * backslashes are escaped; a well-formed UTF-8 sequence (no overlong form,
 * no surrogate, nothing past U+10FFFF) is copied; anything else becomes
 * U+FFFD, one per maximal ill-formed subpart (Unicode 15, section 3.9,
 * "U+FFFD Substitution of Maximal Subparts"), so "\xe2\x82" gives one
 * replacement character and "\xff\xfe" two - exactly what Python's
 * bytes.decode("utf-8", "replace") gives, which the tests rely on.
 *
 * Numbers.  Integers are formatted by hand (no printf, no locale), two
 * digits at a time.  Doubles that are short decimals are formatted by hand
 * too (see short_decimal); the rest use snprintf under a thread-local "C"
 * numeric locale, because a process that called setlocale(LC_ALL,
 * "de_DE.UTF-8") would otherwise get "1,5", which is not JSON.
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/json_int.h"

#include "otelc/common.h"

void otelc__buf_init(otelc__buf *b) {
    memset(b, 0, sizeof *b);
}

void otelc__buf_free(otelc__buf *b) {
    free(b->data);
    otelc__buf_init(b);
}

void otelc__buf_reset(otelc__buf *b) {
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = '\0';
}

bool otelc__buf_reserve(otelc__buf *b, size_t extra) {
    if (b->oom)
        return false;
    if (extra < b->cap && b->len + extra + 1 <= b->cap)
        return true;
    if (extra > SIZE_MAX / 4 - b->len) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
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

void otelc__buf_append_slow(otelc__buf *b, const void *p, size_t n) {
    if (!otelc__buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
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

/*
 * The length of the well-formed UTF-8 sequence at s (n > 0 bytes
 * available), or 0 with *bad set to the length of the maximal ill-formed
 * subpart to replace (at least 1).  The second-byte ranges exclude
 * overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF
 * (F4), so checking them is all the validation needed.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad) {
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t need;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        *bad = 1;
        return 0;
    }
    if (n < 2 || s[1] < lo || s[1] > hi) {
        *bad = 1;
        return 0;
    }
    size_t i = 2;
    while (i < need && i < n && (s[i] & 0xc0) == 0x80)
        i++;
    if (i == need)
        return need;
    *bad = i;
    return 0;
}

/* 1 for the bytes that end a run of plain ASCII: control characters, the
 * quote, the backslash and every byte of a multi-byte sequence. */
static const unsigned char g_special[256] = {
    [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1};

/* Non-zero when any of the 8 bytes in x is special (the classic SWAR
 * "has a byte less than n" and "has a zero byte" tests; a false positive
 * can only follow a true one in the same word, and the byte loop sorts
 * that out). */
static inline uint64_t special8(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ull, highs = ones * 0x80;
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    return ((x - ones * 0x20) | ((q - ones) & ~q) | ((bs - ones) & ~bs) | x) &
           highs;
}

void otelc__json_escape(otelc__buf *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    /* One reservation for the common case (nothing to escape); escapes
     * grow the buffer as they go. */
    if (!otelc__buf_reserve(b, n))
        return;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        /* Eight bytes at a time through plain text, then byte by byte. */
        for (uint64_t x; run + 8 <= n; run += 8) {
            memcpy(&x, s + run, 8);
            if (special8(x))
                break;
        }
        while (run < n && !g_special[s[run]])
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
            case '\n': otelc__buf_append(b, "\\n", 2); break;
            case '\r': otelc__buf_append(b, "\\r", 2); break;
            case '\t': otelc__buf_append(b, "\\t", 2); break;
            case '\b': otelc__buf_append(b, "\\b", 2); break;
            case '\f': otelc__buf_append(b, "\\f", 2); break;
            default: {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                otelc__buf_append(b, e, 6);
            }
            }
            i++;
        } else {
            size_t bad = 0;
            size_t l = utf8_seq(s + i, n - i, &bad);
            if (l) {
                otelc__buf_append(b, s + i, l);
                i += l;
            } else {
                otelc__buf_append(b, "\xef\xbf\xbd", 3); /* U+FFFD */
                i += bad;
            }
        }
    }
}

void otelc__json_str(otelc__buf *b, const char *s, size_t n) {
    if (!otelc__buf_reserve(b, n + 2))
        return;
    b->data[b->len++] = '"';
    otelc__json_escape(b, s, n);
    otelc__buf_putc(b, '"');
}

void otelc__json_cstr(otelc__buf *b, const char *s) {
    otelc__json_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* "00" .. "99": two digits per division halves the work for timestamps. */
static const char g_digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536"
    "37383940414243444546474849505152535455565758596061626364656667686970717273"
    "7475767778798081828384858687888990919293949596979899";

/* The decimal digits of v, right-aligned in tmp[20]; returns the first. */
static size_t u64_digits(char tmp[20], uint64_t v) {
    size_t i = 20;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        i -= 2;
        memcpy(tmp + i, g_digits2 + 2 * r, 2);
    }
    if (v >= 10) {
        i -= 2;
        memcpy(tmp + i, g_digits2 + 2 * v, 2);
    } else {
        tmp[--i] = (char)('0' + v);
    }
    return i;
}

void otelc__json_u64(otelc__buf *b, uint64_t v) {
    char tmp[20];
    size_t i = u64_digits(tmp, v);
    otelc__buf_append(b, tmp + i, sizeof tmp - i);
}

void otelc__json_i64(otelc__buf *b, int64_t v) {
    if (v < 0) {
        otelc__buf_putc(b, '-');
        /* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
        otelc__json_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        otelc__json_u64(b, (uint64_t)v);
    }
}

static locale_t g_c_locale;
static pthread_once_t g_c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) {
    g_c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/*
 * Most doubles in telemetry are short decimals (0.25, 1234.5, 3.0).  Find
 * the fewest fraction digits k <= 17 such that m / 10^k == |v| for an
 * integer m below 2^53: m and 10^k are then exact doubles (10^k is exact
 * up to k = 22), so IEEE division gives the double nearest to the decimal
 * m * 10^-k, which is exactly what a correctly rounding parser (strtod,
 * Python, Go) gives for the printed digits - the text round-trips.  Values
 * this does not cover (very large, very small, long fractions) take the
 * printf path.  No locale is involved.
 */
static bool short_decimal(otelc__buf *b, double v) {
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                                 1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
    double a = v < 0 ? -v : v;
    for (size_t k = 0; k < sizeof p10 / sizeof p10[0]; k++) {
        double t = a * p10[k];
        if (!(t < 9007199254740992.0)) /* 2^53 */
            return false;
        uint64_t m = (uint64_t)(t + 0.5);
        if ((double)m / p10[k] != a)
            continue;
        char tmp[20];
        size_t i = u64_digits(tmp, m);
        size_t nd = sizeof tmp - i;
        if (k > nd + 4)
            return false; /* 0.0000012: printf's 1.2e-06 reads better */
        if (v < 0)
            otelc__buf_putc(b, '-');
        if (k == 0) {
            otelc__buf_append(b, tmp + i, nd);
        } else if (nd > k) {
            otelc__buf_append(b, tmp + i, nd - k);
            otelc__buf_putc(b, '.');
            otelc__buf_append(b, tmp + i + nd - k, k);
        } else {
            otelc__buf_append(b, "0.", 2);
            for (size_t z = nd; z < k; z++)
                otelc__buf_putc(b, '0');
            otelc__buf_append(b, tmp + i, nd);
        }
        return true;
    }
    return false;
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
    if (v == 0) {
        /* "-0" is valid JSON, but decoders that type numbers by their
         * spelling (Python's json) read it as the integer 0 and lose the
         * sign; "-0.0" keeps it for every decoder. */
        otelc__buf_puts(b, signbit(v) ? "-0.0" : "0");
        return;
    }
    if (short_decimal(b, v))
        return;
    pthread_once(&g_c_locale_once, make_c_locale);
    locale_t old = g_c_locale ? uselocale(g_c_locale) : (locale_t)0;
    /* %.17g round-trips every double; try shorter first for readability. */
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    if (old)
        uselocale(old);
    if (!g_c_locale) {
        /* No C locale object (memory exhausted at first use): the only
         * locale-dependent character %g can print is the radix point. */
        for (char *p = tmp; *p; p++)
            if (*p == ',')
                *p = '.';
    }
    otelc__buf_puts(b, tmp);
}

void otelc__json_hex(otelc__buf *b, const uint8_t *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (!otelc__buf_reserve(b, 2 * n + 2))
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        *o++ = hex[p[i] >> 4];
        *o++ = hex[p[i] & 15];
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->data);
}

void otelc__json_base64(otelc__buf *b, const uint8_t *p, size_t n) {
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!otelc__buf_reserve(b, (n + 2) / 3 * 4 + 2))
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = tbl[(v >> 6) & 63];
        *o++ = tbl[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->data);
}

void otelc__json_value(otelc__buf *b, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
        otelc__json_str(b, v->u.s ? v->u.s : "",
                        v->len ? v->len : (v->u.s ? strlen(v->u.s) : 0));
        break;
    case OTELC_VALUE_INT: otelc__json_i64(b, v->u.i); break;
    case OTELC_VALUE_DOUBLE: otelc__json_double(b, v->u.d); break;
    case OTELC_VALUE_BOOL: otelc__buf_puts(b, v->u.b ? "true" : "false"); break;
    case OTELC_VALUE_BYTES:
        otelc__json_base64(b, (const uint8_t *)v->u.s, v->len);
        break;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY:
        otelc__buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                otelc__buf_putc(b, ',');
            if (v->type == OTELC_VALUE_STRING_ARRAY)
                otelc__json_cstr(b, v->u.sa[i]);
            else if (v->type == OTELC_VALUE_BOOL_ARRAY)
                otelc__buf_puts(b, v->u.ba[i] ? "true" : "false");
            else if (v->type == OTELC_VALUE_INT_ARRAY)
                otelc__json_i64(b, v->u.ia[i]);
            else
                otelc__json_double(b, v->u.da[i]);
        }
        otelc__buf_putc(b, ']');
        break;
    default: otelc__buf_puts(b, "null"); break;
    }
}
