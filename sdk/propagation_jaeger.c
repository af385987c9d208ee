/*
 * sdk/propagation_jaeger.c - Jaeger propagation: uber-trace-id and
 * uberctx-{key} baggage headers.
 *
 *   uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}
 *
 * The trace id has 1 to 32 hex digits (64- or 128-bit ids, leading zeros
 * may be dropped by the sender; they are left-padded), the span id 1 to 16,
 * the deprecated parent span id 1 to 16 (any value, ignored), the flags 1
 * or 2 hex digits: 0x01 sampled, 0x02 debug (which implies sampled here).
 * Jaeger clients parse ids with strconv-style hex parsing, so uppercase
 * digits are accepted.  A zero trace or span id, a wrong field count or a
 * bad digit rejects the header.  Some clients percent-encode the value
 * ("%3A" for ":"): it is decoded first.
 *
 * Inject writes trace:span:0:flags with the trace id as 16 hex digits when
 * its upper half is zero (what 64-bit Jaeger clients expect) and as 32
 * digits, zero-padded, otherwise; flags are two hex digits.  Baggage goes
 * into one uberctx-{key} header per entry, the value percent-encoded, and
 * is read back from every uberctx-* field (key lowercased: header names
 * are case-insensitive), whether or not uber-trace-id is valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sdk/propagation_int.h"
#include "sdk/span_int.h"

static otelc__ratelimit g_rl, g_bag_rl;

#define UBERCTX "uberctx-"
#define UBERCTX_LEN 8

static const char *parse_uber(const char *raw, otelc_span_context *sc) {
    memset(sc, 0, sizeof *sc);
    size_t n = strlen(raw);
    otelc__trim_ows(&raw, &n);
    char *dec = NULL;
    if (memchr(raw, '%', n)) {
        dec = otelc__pct_decode(raw, n);
        if (!dec)
            return "bad percent-encoding";
        raw = dec;
        n = strlen(dec);
    }
    const char *why = NULL;
    const char *part[4];
    size_t plen[4], np = 0;
    const char *p = raw, *end = raw + n;
    for (;;) {
        const char *c = memchr(p, ':', (size_t)(end - p));
        if (np == 4) {
            why = "expected trace-id:span-id:parent-span-id:flags";
            goto out;
        }
        part[np] = p;
        plen[np++] = c ? (size_t)(c - p) : (size_t)(end - p);
        if (!c)
            break;
        p = c + 1;
    }
    if (np != 4) {
        why = "expected trace-id:span-id:parent-span-id:flags";
        goto out;
    }
    uint8_t tmp[8], any = 0;
    if (!otelc__hex_to_bytes_padded(part[0], plen[0], sc->trace_id, 16, true)) {
        why = "the trace id is not 1 to 32 hex digits";
        goto out;
    }
    for (int i = 0; i < 16; i++)
        any |= sc->trace_id[i];
    if (!any) {
        why = "the trace id is zero";
        goto out;
    }
    any = 0;
    if (!otelc__hex_to_bytes_padded(part[1], plen[1], sc->span_id, 8, true)) {
        why = "the span id is not 1 to 16 hex digits";
        goto out;
    }
    for (int i = 0; i < 8; i++)
        any |= sc->span_id[i];
    if (!any) {
        why = "the span id is zero";
        goto out;
    }
    if (!otelc__hex_to_bytes_padded(part[2], plen[2], tmp, 8, true)) {
        why = "the parent span id is not 1 to 16 hex digits";
        goto out;
    }
    uint8_t fl[1];
    if (plen[3] > 2 ||
        !otelc__hex_to_bytes_padded(part[3], plen[3], fl, 1, true)) {
        why = "the flags are not 1 or 2 hex digits";
        goto out;
    }
    if (fl[0] & 0x02)
        sc->trace_flags = OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG;
    else if (fl[0] & 0x01)
        sc->trace_flags = OTELC_TRACE_FLAG_SAMPLED;
out:
    if (why)
        memset(sc, 0, sizeof *sc);
    free(dec);
    return why;
}

typedef struct bag_walk {
    otelc_baggage *b;
    size_t dropped;
    bool oom;
} bag_walk;

static bool bag_visit(void *arg, const char *name, const char *value) {
    bag_walk *w = arg;
    if (!name || !value || strncasecmp(name, UBERCTX, UBERCTX_LEN))
        return true;
    const char *k = name + UBERCTX_LEN;
    size_t kn = strlen(k), vn = strlen(value);
    otelc__trim_ows(&value, &vn);
    char *key = otelc__strndup(k, kn);
    char *val = otelc__pct_decode(value, vn);
    bool ok = key && val && kn;
    for (size_t i = 0; ok && i < kn; i++) {
        if (!otelc__is_tchar((unsigned char)key[i]))
            ok = false;
        if (key[i] >= 'A' && key[i] <= 'Z')
            key[i] = (char)(key[i] - 'A' + 'a');
    }
    if (ok && !otelc_baggage_get(w->b, key) &&
        otelc_baggage_count(w->b) >= OTELC_BAGGAGE_MAX_ENTRIES)
        ok = false;
    if (ok) {
        otelc_baggage *nb = otelc_baggage_set(w->b, key, val, NULL);
        if (nb) {
            otelc_baggage_free(w->b);
            w->b = nb;
        } else {
            w->oom = true;
        }
    } else {
        w->dropped++;
    }
    free(key);
    free(val);
    return !w->oom;
}

static otelc_context *jaeger_extract(void *st, const otelc_carrier *c) {
    (void)st;
    otelc_span_context sc;
    bool valid = false;
    const char *uber = otelc__carrier_get(c, "uber-trace-id");
    if (uber) {
        const char *why = parse_uber(uber, &sc);
        if (why)
            otelc__prop_invalid(&g_rl, "jaeger", "uber-trace-id", uber, why);
        else
            valid = true;
    }
    bag_walk w = {0};
    if (c->foreach)
        c->foreach (c->user, bag_visit, &w);
    if (w.dropped) {
        otelc__prop_count(&otelc__prop_stats.baggage_dropped, w.dropped);
        otelc__diag_limited(&g_bag_rl, OTELC_DIAG_INFO,
                            "jaeger propagator: dropped %zu uberctx-* "
                            "field(s) (bad name or %%-escape, or beyond 64)",
                            w.dropped);
    }
    otelc_context *r = NULL;
    if (!w.oom)
        r = otelc__context_extracted(valid ? &sc : NULL, NULL, w.b);
    otelc_baggage_free(w.b);
    return r;
}

static void jaeger_inject(void *st, const otelc_context *ctx,
                          const otelc_carrier *c) {
    (void)st;
    if (otelc_span_context_is_valid(&ctx->sc)) {
        char tid[33], sid[17], v[80];
        uint8_t f = ctx->sc.trace_flags;
        unsigned flags = (f & OTELC_TRACE_FLAG_SAMPLED ? 1u : 0u) |
                         (f & OTELC_TRACE_FLAG_DEBUG ? 2u : 0u);
        otelc_trace_id_to_hex(ctx->sc.trace_id, tid);
        bool high_zero = !memcmp(tid, "0000000000000000", 16);
        snprintf(v, sizeof v, "%s:%s:0:%02x", high_zero ? tid + 16 : tid,
                 otelc_span_id_to_hex(ctx->sc.span_id, sid), flags);
        otelc__carrier_set(c, "uber-trace-id", v);
    }
    size_t n = otelc_baggage_count(ctx->baggage);
    for (size_t i = 0; i < n && i < OTELC_BAGGAGE_MAX_ENTRIES; i++) {
        const char *k, *v, *md;
        otelc_baggage_entry(ctx->baggage, i, &k, &v, &md);
        bool ok = k[0] != '\0';
        for (const char *p = k; ok && *p; p++)
            ok = otelc__is_tchar((unsigned char)*p);
        if (!ok) {
            otelc__prop_count(&otelc__prop_stats.baggage_dropped, 1);
            continue;
        }
        char *name = NULL, *val = NULL;
        size_t nl = 0, nc = 0, vl = 0, vc = 0;
        bool oom = false;
        otelc__str_append(&name, &nl, &nc, UBERCTX, UBERCTX_LEN, &oom);
        otelc__str_append(&name, &nl, &nc, k, strlen(k), &oom);
        otelc__str_append(&val, &vl, &vc, "", 0, &oom);
        otelc__pct_encode_append(&val, &vl, &vc, v, &oom);
        if (!oom)
            otelc__carrier_set(c, name, val);
        free(name);
        free(val);
    }
}

static const char *const jaeger_fields[] = {"uber-trace-id", NULL};
static const char *const *jaeger_fields_fn(void *st) {
    (void)st;
    return jaeger_fields;
}

const otelc_propagator_ops otelc__jaeger_ops = {
    "jaeger", jaeger_inject, jaeger_extract, jaeger_fields_fn, NULL};
