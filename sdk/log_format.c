/*
 * sdk/log_format.c - a log record as one line of JSON or text.
 *
 * JSON (LOG_FORMAT=json): one object per line, keys in this order:
 *   timestamp (RFC 3339, nanoseconds, UTC), level, logger, message,
 *   trace_id, span_id, trace_flags (only when a span was current),
 *   service.name, then the fields in record order.
 * A field whose key is one of those names is written as "field.<key>" so
 * that no key repeats.  Every string goes through otelc__json_str, which
 * escapes quotes, backslashes and control characters and replaces invalid
 * UTF-8 with U+FFFD: any record gives a line that a strict parser accepts.
 * Doubles that are not finite are written as the strings "NaN",
 * "Infinity", "-Infinity" (JSON has no such numbers).
 *
 * Text (LOG_FORMAT=text):
 *   2024-05-01T12:34:56.123456789Z INFO  root: message key=value k2="a b"
 *       trace_id=... span_id=...
 * (one line).  The message has control characters escaped (\n, \t, \xNN)
 * so that a record can never forge a second line; a value is written bare
 * when it is plain ASCII without spaces, quotes, '=' or backslashes, else
 * as a JSON string.  The colour variant wraps the level in ANSI colours.
 *
 * These run on worker threads, never on the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sdk/log_int.h"

/* ---- time ---------------------------------------------------------------- */

size_t otelc__log_time(char *out, otelc_time_ns t, int digits) {
    /* The date part changes once a second: remember it per thread. */
    static __thread int64_t cached_sec = -1;
    static __thread char cached[64];
    int64_t sec = (int64_t)(t / 1000000000u);
    uint32_t ns = (uint32_t)(t % 1000000000u);
    if (sec != cached_sec) {
        time_t tt = (time_t)sec;
        struct tm tm;
        gmtime_r(&tt, &tm);
        snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
        cached_sec = sec;
    }
    memcpy(out, cached, 19);
    size_t n = 19;
    if (digits > 0) {
        uint32_t frac = digits >= 9 ? ns : ns / 1000u;
        int d = digits >= 9 ? 9 : 6;
        out[n++] = '.';
        for (int i = d - 1; i >= 0; i--) {
            out[n + (size_t)i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        n += (size_t)d;
    }
    out[n++] = 'Z';
    out[n] = '\0';
    return n;
}

/* ---- helpers ------------------------------------------------------------- */

static void put_hex(otelc__buf *b, const uint8_t *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    char tmp[32];
    for (size_t i = 0; i < n; i++) {
        tmp[2 * i] = hex[p[i] >> 4];
        tmp[2 * i + 1] = hex[p[i] & 15];
    }
    otelc__buf_append(b, tmp, 2 * n);
}

static const char *const g_reserved[] = {
    "timestamp", "level",   "logger",      "message",
    "trace_id",  "span_id", "trace_flags", "service.name"};

static bool reserved(const char *k) {
    for (size_t i = 0; i < OTELC_ARRAY_LEN(g_reserved); i++)
        if (!strcmp(k, g_reserved[i]))
            return true;
    return false;
}

static size_t slen(const otelc_value *v) {
    return v->len ? v->len : (v->u.s ? strlen(v->u.s) : 0);
}

static void json_value(otelc__buf *b, const otelc_value *v) {
    otelc__json_value(b, v);
}

static void format_json(otelc__buf *b, const otelc_log_record_data *r,
                        const char *service) {
    char ts[40];
    size_t tl = otelc__log_time(ts, r->timestamp, 9);
    otelc__buf_puts(b, "{\"timestamp\":\"");
    otelc__buf_append(b, ts, tl);
    otelc__buf_puts(b, "\",\"level\":\"");
    otelc__buf_puts(b, r->severity_text);
    otelc__buf_puts(b, "\",\"logger\":");
    otelc__json_cstr(b, r->scope ? r->scope->name : "");
    otelc__buf_puts(b, ",\"message\":");
    otelc__json_str(b, r->body, r->body_len);
    if (otelc_span_context_is_valid(&r->span_context)) {
        otelc__buf_puts(b, ",\"trace_id\":\"");
        put_hex(b, r->span_context.trace_id, 16);
        otelc__buf_puts(b, "\",\"span_id\":\"");
        put_hex(b, r->span_context.span_id, 8);
        otelc__buf_puts(b, "\",\"trace_flags\":\"");
        put_hex(b, &r->span_context.trace_flags, 1);
        otelc__buf_putc(b, '"');
    }
    otelc__buf_puts(b, ",\"service.name\":");
    otelc__json_cstr(b, service);
    for (uint32_t i = 0; i < r->attribute_count; i++) {
        const otelc_attribute *a = &r->attributes[i];
        otelc__buf_putc(b, ',');
        if (OTELC_UNLIKELY(reserved(a->key))) {
            size_t kl = strlen(a->key);
            char *k = malloc(kl + 7);
            if (k) {
                memcpy(k, "field.", 6);
                memcpy(k + 6, a->key, kl + 1);
                otelc__json_str(b, k, kl + 6);
                free(k);
            } else {
                b->oom = true;
            }
        } else {
            otelc__json_cstr(b, a->key);
        }
        otelc__buf_putc(b, ':');
        json_value(b, &a->value);
    }
    otelc__buf_puts(b, "}\n");
}

/* ---- text ---------------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
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
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

/* Text with control characters escaped and invalid UTF-8 replaced. */
static void text_escaped(otelc__buf *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '\\')
            run++;
        if (run > i) {
            otelc__buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c == '\\') {
            otelc__buf_puts(b, "\\\\");
            i++;
        } else if (c == '\n') {
            otelc__buf_puts(b, "\\n");
            i++;
        } else if (c == '\t') {
            otelc__buf_puts(b, "\\t");
            i++;
        } else if (c == '\r') {
            otelc__buf_puts(b, "\\r");
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            otelc__buf_append(b, e, 4);
            i++;
        } else {
            size_t l = utf8_len(s + i, n - i);
            if (l) {
                otelc__buf_append(b, s + i, l);
                i += l;
            } else {
                otelc__buf_puts(b, "\xef\xbf\xbd");
                i++;
            }
        }
    }
}

static bool plain(const char *s, size_t n) {
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '=' || c == '\\')
            return false;
    }
    return true;
}

static void text_value(otelc__buf *b, const otelc_value *v) {
    if (v->type == OTELC_VALUE_STRING) {
        const char *s = v->u.s ? v->u.s : "";
        size_t n = slen(v);
        if (plain(s, n))
            otelc__buf_append(b, s, n);
        else
            otelc__json_str(b, s, n);
        return;
    }
    json_value(b, v);
}

static const char *const g_colors[OTELC__LOG_NLEVELS] = {
    "\033[90m", "\033[36m", "\033[32m", "\033[33m", "\033[31m", "\033[1;35m"};

static void format_text(otelc__buf *b, const otelc_log_record_data *r,
                        bool color) {
    char ts[40];
    size_t tl = otelc__log_time(ts, r->timestamp, 9);
    otelc__buf_append(b, ts, tl);
    otelc__buf_putc(b, ' ');
    unsigned li = otelc__log_level_index((unsigned)r->severity_number);
    if (color)
        otelc__buf_puts(b, g_colors[li]);
    otelc__buf_puts(b, r->severity_text);
    if (color)
        otelc__buf_puts(b, "\033[0m");
    size_t pad = 5 - strlen(r->severity_text);
    otelc__buf_append(b, "     ", pad + 1);
    const char *lg = r->scope ? r->scope->name : "";
    text_escaped(b, lg, strlen(lg));
    otelc__buf_puts(b, ": ");
    text_escaped(b, r->body, r->body_len);
    for (uint32_t i = 0; i < r->attribute_count; i++) {
        const otelc_attribute *a = &r->attributes[i];
        otelc__buf_putc(b, ' ');
        if (color)
            otelc__buf_puts(b, "\033[2m");
        text_escaped(b, a->key, strlen(a->key));
        otelc__buf_putc(b, '=');
        if (color)
            otelc__buf_puts(b, "\033[0m");
        text_value(b, &a->value);
    }
    if (otelc_span_context_is_valid(&r->span_context)) {
        otelc__buf_puts(b, " trace_id=");
        put_hex(b, r->span_context.trace_id, 16);
        otelc__buf_puts(b, " span_id=");
        put_hex(b, r->span_context.span_id, 8);
    }
    otelc__buf_putc(b, '\n');
}

void otelc__log_format(otelc__buf *out, const otelc_log_record_data *r,
                       otelc__log_fmt fmt, const char *service_name) {
    if (fmt == OTELC__FMT_JSON)
        format_json(out, r, service_name ? service_name : "");
    else
        format_text(out, r, fmt == OTELC__FMT_TEXT_COLOR);
}

OTELC_API otelc_status otelc_log_format_json(const otelc_log_record_data *r,
                                             char **out, size_t *len,
                                             size_t *cap) {
    if (!r || !out || !len || !cap)
        return OTELC_EINVAL;
    otelc__buf b = {*out, *len, *cap, false};
    format_json(&b, r,
                r->resource ? otelc_resource_service_name(r->resource) : "");
    *out = b.data;
    *len = b.len;
    *cap = b.cap;
    return b.oom ? OTELC_ENOMEM : OTELC_OK;
}

/* ---- duplicate keys ------------------------------------------------------ */

void otelc__log_dedupe(otelc__log_rec *r) {
    otelc_attribute *a = (otelc_attribute *)r->d.attributes;
    uint32_t n = r->d.attribute_count;
    if (n < 2)
        return;
    /* Keep the last occurrence of each key, in order.  Quadratic, but n is
     * small (the count limit bounds it) and this runs on the worker. */
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool later = false;
        for (uint32_t j = i + 1; j < n && !later; j++)
            later = a[i].key[0] == a[j].key[0] && !strcmp(a[i].key, a[j].key);
        if (!later)
            a[o++] = a[i];
    }
    r->d.attribute_count = o;
}

/* ---- record copies (for exporters that keep records) --------------------- */

OTELC_API otelc_log_record_data *
otelc_log_record_data_copy(const otelc_log_record_data *r) {
    if (!r)
        return NULL;
    size_t bytes = r->body_len + 1 + strlen(r->severity_text) + 1 +
                   strlen(r->event_name ? r->event_name : "") + 1;
    for (uint32_t i = 0; i < r->attribute_count; i++) {
        const otelc_value *v = &r->attributes[i].value;
        bytes += strlen(r->attributes[i].key) + 1;
        switch (v->type) {
        case OTELC_VALUE_STRING:
        case OTELC_VALUE_BYTES: bytes += v->len + 1; break;
        case OTELC_VALUE_BOOL_ARRAY: bytes += v->len * sizeof(bool) + 8; break;
        case OTELC_VALUE_INT_ARRAY:
        case OTELC_VALUE_DOUBLE_ARRAY: bytes += v->len * 8 + 8; break;
        case OTELC_VALUE_STRING_ARRAY:
            bytes += v->len * sizeof(char *) + 8;
            for (uint32_t k = 0; k < v->len; k++)
                bytes += strlen(v->u.sa[k]) + 1;
            break;
        default: break;
        }
    }
    size_t head = (sizeof *r + 7) & ~(size_t)7;
    size_t attrs = r->attribute_count * sizeof(otelc_attribute);
    otelc_log_record_data *c = malloc(head + attrs + bytes + 8);
    if (!c)
        return NULL;
    *c = *r;
    otelc_attribute *ca = (otelc_attribute *)((char *)c + head);
    char *p = (char *)(ca + r->attribute_count);
#define COPY(dst, src, n)                                                      \
    do {                                                                       \
        memcpy(p, (src), (n));                                                 \
        p[(n)] = '\0';                                                         \
        (dst) = p;                                                             \
        p += (n) + 1;                                                          \
    } while (0)
#define ALIGN() p = (char *)(((uintptr_t)p + 7) & ~(uintptr_t)7)
    COPY(c->body, r->body, r->body_len);
    COPY(c->severity_text, r->severity_text, strlen(r->severity_text));
    const char *ev = r->event_name ? r->event_name : "";
    COPY(c->event_name, ev, strlen(ev));
    for (uint32_t i = 0; i < r->attribute_count; i++) {
        const otelc_attribute *a = &r->attributes[i];
        ca[i] = *a;
        COPY(ca[i].key, a->key, strlen(a->key));
        const otelc_value *v = &a->value;
        switch (v->type) {
        case OTELC_VALUE_STRING:
        case OTELC_VALUE_BYTES: COPY(ca[i].value.u.s, v->u.s, v->len); break;
        case OTELC_VALUE_BOOL_ARRAY:
            ALIGN();
            memcpy(p, v->u.ba, v->len * sizeof(bool));
            ca[i].value.u.ba = (const bool *)p;
            p += v->len * sizeof(bool);
            break;
        case OTELC_VALUE_INT_ARRAY:
        case OTELC_VALUE_DOUBLE_ARRAY:
            ALIGN();
            memcpy(p, v->u.ia, v->len * 8);
            ca[i].value.u.ia = (const int64_t *)p;
            p += v->len * 8;
            break;
        case OTELC_VALUE_STRING_ARRAY: {
            ALIGN();
            const char **sa = (const char **)p;
            p += v->len * sizeof(char *);
            for (uint32_t k = 0; k < v->len; k++)
                COPY(sa[k], v->u.sa[k], strlen(v->u.sa[k]));
            ca[i].value.u.sa = sa;
            break;
        }
        default: break;
        }
    }
#undef COPY
#undef ALIGN
    c->attributes = ca;
    return c;
}

OTELC_API void otelc_log_record_data_free(otelc_log_record_data *c) {
    free(c);
}
