/*
 * exporters/prometheus/prom_http.c - content negotiation (Accept and
 * Accept-Encoding headers) and gzip for the /metrics endpoint.
 *
 * The header parsers read untrusted input: they never allocate, never read
 * past the terminating NUL, and treat anything they do not understand as
 * "not acceptable" rather than failing.  A media range is
 * type/subtype[;param=value]...; q defaults to 1 and must be a number in
 * [0, 1] (anything else makes the range unusable).  Prometheus sends
 * "application/openmetrics-text;version=1.0.0,...;q=0.75,
 *  text/plain;version=0.0.4;q=0.5" and a low-q "any type" range.
 */
#include <stdlib.h>
#include <zlib.h>

#include "exporters/prometheus/prom_int.h"

static bool is_space(char c) {
    return c == ' ' || c == '\t';
}

/* Case-insensitive comparison of s[0..n) with a NUL-terminated word. */
static bool word_eq(const char *s, size_t n, const char *w) {
    size_t wl = strlen(w);
    if (n != wl)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = w[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

static void trim(const char **s, size_t *n) {
    while (*n && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* A q value: "1", "1.0", "0.5", at most 3 decimals.  -1 when invalid. */
static int parse_q(const char *s, size_t n) {
    if (n && (*s == '"')) { /* tolerate a quoted value */
        s++;
        n = n >= 2 ? n - 2 : 0;
    }
    if (n == 0 || n > 5)
        return -1;
    if (s[0] != '0' && s[0] != '1')
        return -1;
    int whole = s[0] - '0';
    int milli = 0, digits = 0;
    if (n > 1) {
        if (s[1] != '.')
            return -1;
        for (size_t i = 2; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            milli = milli * 10 + (s[i] - '0');
            digits++;
        }
    }
    while (digits++ < 3)
        milli *= 10;
    int q = whole * 1000 + milli;
    return q > 1000 ? -1 : q;
}

typedef struct media {
    const char *type; /* type/subtype, not NUL-terminated */
    size_t type_len;
    int q; /* 0..1000, -1 = invalid */
    const char *version;
    size_t version_len;
} media;

/* Parse one media range s[0..n). */
static void parse_media(const char *s, size_t n, media *m) {
    memset(m, 0, sizeof *m);
    m->q = 1000;
    const char *semi = memchr(s, ';', n);
    size_t tl = semi ? (size_t)(semi - s) : n;
    const char *t = s;
    trim(&t, &tl);
    m->type = t;
    m->type_len = tl;
    while (semi) {
        const char *p = semi + 1;
        size_t rest = n - (size_t)(p - s);
        semi = memchr(p, ';', rest);
        size_t pl = semi ? (size_t)(semi - p) : rest;
        const char *eq = memchr(p, '=', pl);
        if (!eq)
            continue;
        const char *k = p, *v = eq + 1;
        size_t kl = (size_t)(eq - p), vl = pl - kl - 1;
        trim(&k, &kl);
        trim(&v, &vl);
        if (word_eq(k, kl, "q"))
            m->q = parse_q(v, vl);
        else if (word_eq(k, kl, "version")) {
            m->version = v;
            m->version_len = vl;
        }
    }
}

static bool version_is(const media *m, const char *a, const char *b) {
    return !m->version || word_eq(m->version, m->version_len, a) ||
           (b && word_eq(m->version, m->version_len, b));
}

bool otelc__prom_wants_openmetrics(const char *accept) {
    if (!accept)
        return false;
    int q_om = 0, q_text = 0;
    const char *s = accept;
    size_t total = strlen(accept);
    if (total > 4096)
        total = 4096; /* nobody needs more; bound the work */
    const char *end = s + total;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        size_t n = comma ? (size_t)(comma - s) : (size_t)(end - s);
        media m;
        parse_media(s, n, &m);
        if (m.q > 0) {
            if (word_eq(m.type, m.type_len, "application/openmetrics-text") &&
                version_is(&m, "1.0.0", "0.0.1")) {
                if (m.q > q_om)
                    q_om = m.q;
            } else if ((word_eq(m.type, m.type_len, "text/plain") &&
                        version_is(&m, "0.0.4", NULL)) ||
                       word_eq(m.type, m.type_len, "text/*") ||
                       word_eq(m.type, m.type_len, "*/*")) {
                if (m.q > q_text)
                    q_text = m.q;
            }
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    return q_om > 0 && q_om >= q_text;
}

bool otelc__prom_accepts_gzip(const char *ae) {
    if (!ae)
        return false;
    int q_gzip = -1, q_any = -1;
    const char *s = ae;
    size_t total = strlen(ae);
    if (total > 4096)
        total = 4096;
    const char *end = s + total;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        size_t n = comma ? (size_t)(comma - s) : (size_t)(end - s);
        media m;
        parse_media(s, n, &m);
        if (m.q >= 0) {
            if (word_eq(m.type, m.type_len, "gzip") ||
                word_eq(m.type, m.type_len, "x-gzip"))
                q_gzip = m.q > q_gzip ? m.q : q_gzip;
            else if (word_eq(m.type, m.type_len, "*"))
                q_any = m.q > q_any ? m.q : q_any;
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    /* An explicit "gzip;q=0" refuses gzip even when "*" would allow it. */
    if (q_gzip >= 0)
        return q_gzip > 0;
    return q_any > 0;
}

bool otelc__prom_gzip(const char *in, size_t n, otelc__buf *out) {
    otelc__buf_reset(out);
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: a gzip wrapper; level 1: a scrape is latency-bound, and
     * metric text compresses well even at the fastest level. */
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    if (!otelc__buf_reserve(out, cap)) {
        deflateEnd(&z);
        return false;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->data;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    out->len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END;
}
