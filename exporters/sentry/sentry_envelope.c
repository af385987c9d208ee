/*
 * exporters/sentry/sentry_envelope.c - Sentry envelopes and rate limits.
 *
 * Envelope framing (Sentry's envelope format): a JSON header line, then
 * per item a JSON item header line, the payload, and a newline.  We always
 * write the item's "length" (the payload's byte count), so a receiver
 * never has to scan for the newline, and a payload may contain anything.
 * Every JSON string goes through the project's JSON writer (sdk/json.c):
 * escapes and invalid UTF-8 are handled there, so no input can break the
 * framing.
 *
 * The event: exception (type, value, mechanism, stack frames oldest first
 * as Sentry wants them, parsed from backtrace_symbols lines), level,
 * timestamp, logger, platform "native", release, environment,
 * server_name, tags, and contexts.trace {trace_id, span_id} - the field
 * through which Sentry links an error to its trace.
 *
 * Rate limits (Sentry's rate-limiting protocol): X-Sentry-Rate-Limits is
 * a comma-separated list of retry_after:categories:scope:reason..., where
 * retry_after is seconds (integer or decimal) and categories a
 * semicolon-separated list, empty meaning all.  It may come with any
 * status and takes precedence; a 429 without it uses Retry-After, else 60
 * seconds for every category.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "exporters/sentry/sentry_int.h"
#include "sdk/log_int.h"

#include "otelc/version.h"

static void hex_id(otelc__buf *b, const uint8_t *p, size_t n) {
    otelc__json_hex(b, p, n);
}

static bool nonzero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return true;
    return false;
}

static void kv_str(otelc__buf *b, const char *key, const char *v, bool *first) {
    if (!v || !v[0])
        return;
    if (!*first)
        otelc__buf_putc(b, ',');
    *first = false;
    otelc__json_cstr(b, key);
    otelc__buf_putc(b, ':');
    otelc__json_cstr(b, v);
}

/* One frame from "module(function+0xoff) [0xaddr]". */
static void frame(otelc__buf *b, const char *line, size_t len) {
    const char *lp = memchr(line, '(', len);
    const char *rp = lp ? memchr(lp, ')', len - (size_t)(lp - line)) : NULL;
    const char *lb = memchr(line, '[', len);
    const char *rb = lb ? memchr(lb, ']', len - (size_t)(lb - line)) : NULL;
    otelc__buf_putc(b, '{');
    bool first = true;
    if (lb && rb && rb > lb + 1) {
        otelc__buf_lit(b, "\"instruction_addr\":");
        otelc__json_str(b, lb + 1, (size_t)(rb - lb - 1));
        first = false;
    }
    size_t mlen = lp ? (size_t)(lp - line) : (lb ? (size_t)(lb - line) : len);
    while (mlen && line[mlen - 1] == ' ')
        mlen--;
    if (mlen) {
        if (!first)
            otelc__buf_putc(b, ',');
        otelc__buf_lit(b, "\"package\":");
        otelc__json_str(b, line, mlen);
        first = false;
    }
    if (lp && rp && rp > lp + 1) {
        const char *fn = lp + 1;
        const char *plus = memchr(fn, '+', (size_t)(rp - fn));
        size_t fl = plus ? (size_t)(plus - fn) : (size_t)(rp - fn);
        if (fl) {
            if (!first)
                otelc__buf_putc(b, ',');
            otelc__buf_lit(b, "\"function\":");
            otelc__json_str(b, fn, fl);
            first = false;
        }
    }
    if (first) { /* nothing parsed: keep the raw line */
        otelc__buf_lit(b, "\"function\":");
        otelc__json_str(b, line, len);
    }
    otelc__buf_putc(b, '}');
}

/* Frames oldest first: the lines are innermost first. */
static void frames(otelc__buf *b, const char *st) {
    size_t n = 0;
    const char *starts[128];
    size_t lens[128];
    for (const char *p = st; *p && n < 128;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l) {
            starts[n] = p;
            lens[n] = l;
            n++;
        }
        p += l + (nl ? 1 : 0);
    }
    otelc__buf_lit(b, "\"frames\":[");
    for (size_t i = n; i-- > 0;) {
        frame(b, starts[i], lens[i]);
        if (i)
            otelc__buf_putc(b, ',');
    }
    otelc__buf_putc(b, ']');
}

static const char *level_name(otelc_error_level l) {
    switch (l) {
    case OTELC_ERROR_LEVEL_FATAL: return "fatal";
    case OTELC_ERROR_LEVEL_WARNING: return "warning";
    default: return "error";
    }
}

static void event_json(otelc__buf *b, const otelc__error_event *e,
                       const otelc__sentry_meta *m) {
    otelc__buf_lit(b, "{\"event_id\":");
    hex_id(b, e->event_id, 16);
    /* Seconds since the epoch, with microseconds. */
    otelc__buf_printf(b, ",\"timestamp\":%llu.%06u",
                      (unsigned long long)(e->time / 1000000000u),
                      (unsigned)((e->time % 1000000000u) / 1000u));
    otelc__buf_lit(b, ",\"platform\":\"native\",\"level\":\"");
    otelc__buf_puts(b, level_name(e->level));
    otelc__buf_lit(b, "\",\"logger\":");
    otelc__json_cstr(b, e->logger);
    bool first = false;
    kv_str(b, "release", m->release, &first);
    kv_str(b, "environment", m->environment, &first);
    kv_str(b, "server_name", m->server_name, &first);
    otelc__buf_lit(
        b, ",\"sdk\":{\"name\":\"otelc\",\"version\":\"" OTELC_VERSION_STRING
           "\"}");
    /* The exception. */
    otelc__buf_lit(b, ",\"exception\":{\"values\":[{\"type\":");
    otelc__json_cstr(b, e->type);
    otelc__buf_lit(b, ",\"value\":");
    otelc__json_cstr(b, e->message);
    otelc__buf_lit(b, ",\"mechanism\":{\"type\":");
    otelc__buf_puts(b, e->crash ? "\"signalhandler\",\"handled\":false"
                                : "\"otelc\",\"handled\":true");
    otelc__buf_putc(b, '}');
    if (e->stacktrace && e->stacktrace[0]) {
        otelc__buf_lit(b, ",\"stacktrace\":{");
        frames(b, e->stacktrace);
        otelc__buf_putc(b, '}');
    }
    otelc__buf_lit(b, "}]}");
    /* Tags: the fields, plus the service. */
    otelc__buf_lit(b, ",\"tags\":{");
    first = true;
    kv_str(b, "service.name", m->service_name, &first);
    for (size_t i = 0; i < e->ntags; i++) {
        if (!strcmp(e->tags[i].key, "service.name"))
            continue;
        if (!first)
            otelc__buf_putc(b, ',');
        first = false;
        otelc__json_cstr(b, e->tags[i].key);
        otelc__buf_putc(b, ':');
        otelc__json_cstr(b, e->tags[i].value);
    }
    otelc__buf_putc(b, '}');
    /* The trace context that links the event to its trace. */
    if (nonzero(e->sc.trace_id, 16)) {
        otelc__buf_lit(b, ",\"contexts\":{\"trace\":{\"type\":\"trace\","
                          "\"trace_id\":");
        hex_id(b, e->sc.trace_id, 16);
        if (nonzero(e->sc.span_id, 8)) {
            otelc__buf_lit(b, ",\"span_id\":");
            hex_id(b, e->sc.span_id, 8);
        }
        otelc__buf_lit(b, "}}");
    }
    otelc__buf_putc(b, '}');
}

void otelc__sentry_envelope(otelc__buf *b, const otelc__error_event *e,
                            const otelc__sentry_meta *m,
                            otelc_time_ns sent_at) {
    char ts[40];
    size_t tl = otelc__log_time(ts, sent_at, 6);
    otelc__buf_lit(b, "{\"event_id\":");
    hex_id(b, e->event_id, 16);
    otelc__buf_lit(b, ",\"sent_at\":\"");
    otelc__buf_append(b, ts, tl);
    otelc__buf_lit(
        b, "\",\"sdk\":{\"name\":\"otelc\",\"version\":\"" OTELC_VERSION_STRING
           "\"}");
    if (nonzero(e->sc.trace_id, 16)) {
        otelc__buf_lit(b, ",\"trace\":{\"trace_id\":");
        hex_id(b, e->sc.trace_id, 16);
        bool first = false;
        kv_str(b, "public_key", m->public_key, &first);
        kv_str(b, "release", m->release, &first);
        kv_str(b, "environment", m->environment, &first);
        otelc__buf_putc(b, '}');
    }
    otelc__buf_lit(b, "}\n");
    /* The payload goes after its header, whose length we only know once
     * it is written: encode it at the end of the buffer, then move it. */
    size_t hdr_at = b->len;
    event_json(b, e, m);
    if (b->oom)
        return;
    size_t plen = b->len - hdr_at;
    char ih[96];
    int n = snprintf(ih, sizeof ih,
                     "{\"type\":\"event\",\"length\":%zu,"
                     "\"content_type\":\"application/json\"}\n",
                     plen);
    if (!otelc__buf_reserve(b, (size_t)n + 1)) {
        b->oom = true;
        return;
    }
    memmove(b->data + hdr_at + n, b->data + hdr_at, plen);
    memcpy(b->data + hdr_at, ih, (size_t)n);
    b->len += (size_t)n;
    otelc__buf_putc(b, '\n');
}

/* ---- rate limits
 * -------------------------------------------------------------- */

static void extend(uint64_t *until, uint64_t t) {
    if (t > *until)
        *until = t;
}

bool otelc__sentry_apply_limits(otelc__sentry_limits *l, long status,
                                const char *header, bool retry_after_set,
                                uint64_t retry_after_ms, uint64_t now) {
    bool ok = true;
    if (header && header[0]) {
        const char *p = header;
        while (*p) {
            const char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            char q[256];
            if (n >= sizeof q)
                n = sizeof q - 1;
            memcpy(q, p, n);
            q[n] = '\0';
            p += n + (end ? 1 : 0);
            char *s = q;
            while (*s == ' ' || *s == '\t')
                s++;
            if (!*s)
                continue;
            char *colon = strchr(s, ':');
            char *num_end;
            double secs = strtod(s, &num_end);
            /* Written so that NaN (strtod accepts "nan") fails too. */
            if (num_end == s || (colon && num_end != colon) ||
                (!colon && *num_end) || !(secs >= 0 && secs <= 86400.0 * 365)) {
                ok = false;
                continue;
            }
            uint64_t until = now + (uint64_t)(secs * 1e9);
            const char *cats = colon ? colon + 1 : "";
            size_t cl = strcspn(cats, ":");
            while (cl && (*cats == ' ')) {
                cats++;
                cl--;
            }
            if (!cl) {
                extend(&l->all_until, until);
                continue;
            }
            /* categories separated by ';' */
            for (size_t i = 0; i < cl;) {
                size_t k = strcspn(cats + i, ";:");
                if (k > cl - i)
                    k = cl - i;
                if ((k == 5 && !strncasecmp(cats + i, "error", 5)))
                    extend(&l->error_until, until);
                i += k + 1;
            }
        }
        return ok;
    }
    if (status == 429) {
        uint64_t ms = retry_after_set ? retry_after_ms : 60000u;
        extend(&l->all_until, now + ms * 1000000u);
    }
    return ok;
}
