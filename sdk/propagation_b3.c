/*
 * sdk/propagation_b3.c - B3 (Zipkin) propagation, single and multi header.
 *
 * Formats (openzipkin/b3-propagation):
 *   b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]
 *   b3: {SamplingState}                      (sampling only)
 *   X-B3-TraceId, X-B3-SpanId, X-B3-ParentSpanId, X-B3-Sampled, X-B3-Flags
 * TraceId is 32 or 16 lowercase hex digits (16 is left-padded with zeros),
 * SpanId and ParentSpanId 16; SamplingState is 1, 0 or d (debug).
 * X-B3-Sampled is 1 or 0 (true/false accepted, as the spec asks readers
 * to be lenient); X-B3-Flags: 1 means debug.  For each header the first
 * field wins (the carrier's get returns the first).
 *
 * OpenTelemetry's rules: extraction tries the single header first, then
 * the multi headers, whichever propagator ("b3" or "b3multi") is used; a
 * debug flag is kept (OTELC_TRACE_FLAG_DEBUG) and implies sampled; the
 * ParentSpanId is validated but never used or injected; "b3" injects the
 * single header and "b3multi" the multi headers.
 *
 * A header with only a sampling state has no ids, so it yields no context
 * (otelc has no way to carry a decision without a span context): the
 * service starts a new trace and its own sampler decides.  A missing
 * sampling state ("defer") extracts as not sampled, as OpenTelemetry does.
 * Any malformed part rejects the whole header.
 */
#include <stdio.h>
#include <strings.h>

#include "sdk/propagation_int.h"
#include "sdk/span_int.h"

static otelc__ratelimit g_rl;

/* Trace id: 16 or 32 lowercase hex, non-zero. */
static bool b3_trace_id(const char *s, size_t n, uint8_t out[16]) {
    if (n != 16 && n != 32)
        return false;
    if (!otelc__hex_to_bytes_padded(s, n, out, 16, false))
        return false;
    uint8_t any = 0;
    for (int i = 0; i < 16; i++)
        any |= out[i];
    return any != 0;
}

static bool b3_span_id(const char *s, size_t n, uint8_t out[8]) {
    return otelc_span_id_from_hex(s, n, out) == OTELC_OK;
}

/* Sampling state of the single header: 1, 0 or d. */
static bool b3_state(const char *s, size_t n, uint8_t *flags) {
    if (n != 1)
        return false;
    switch (s[0]) {
    case '1': *flags = OTELC_TRACE_FLAG_SAMPLED; return true;
    case '0': *flags = 0; return true;
    case 'd':
        *flags = OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG;
        return true;
    default: return false;
    }
}

typedef enum { B3_ABSENT, B3_OK, B3_SAMPLING_ONLY, B3_INVALID } b3_result;

static b3_result parse_single(const char *v, otelc_span_context *sc,
                              const char **why) {
    size_t n = strlen(v);
    otelc__trim_ows(&v, &n);
    memset(sc, 0, sizeof *sc);
    if (n == 1) {
        uint8_t f;
        if (b3_state(v, n, &f))
            return B3_SAMPLING_ONLY;
        *why = "a one-character value must be 0, 1 or d";
        return B3_INVALID;
    }
    const char *part[5];
    size_t plen[5], np = 0;
    const char *p = v, *end = v + n;
    while (np < 5) {
        const char *d = memchr(p, '-', (size_t)(end - p));
        part[np] = p;
        plen[np++] = d ? (size_t)(d - p) : (size_t)(end - p);
        if (!d)
            break;
        p = d + 1;
    }
    if (np < 2 || np > 4) {
        *why = "expected TraceId-SpanId[-SamplingState[-ParentSpanId]]";
        return B3_INVALID;
    }
    if (!b3_trace_id(part[0], plen[0], sc->trace_id)) {
        *why = "the TraceId is not 16 or 32 lowercase hex digits, or is zero";
        goto bad;
    }
    if (!b3_span_id(part[1], plen[1], sc->span_id)) {
        *why = "the SpanId is not 16 lowercase hex digits, or is zero";
        goto bad;
    }
    if (np >= 3 && !b3_state(part[2], plen[2], &sc->trace_flags)) {
        *why = "the SamplingState is not 0, 1 or d";
        goto bad;
    }
    uint8_t parent[8];
    if (np == 4 && !b3_span_id(part[3], plen[3], parent)) {
        *why = "the ParentSpanId is not 16 lowercase hex digits";
        goto bad;
    }
    return B3_OK;
bad:
    memset(sc, 0, sizeof *sc);
    return B3_INVALID;
}

/* A trimmed copy of a header into buf (values longer than buf cannot be
 * valid for any B3 field, so they are reported as they are). */
static const char *trimmed(const char *v, char *buf, size_t cap, size_t *n) {
    *n = strlen(v);
    otelc__trim_ows(&v, n);
    if (*n >= cap)
        return v;
    memcpy(buf, v, *n);
    buf[*n] = '\0';
    return buf;
}

static b3_result parse_multi(const otelc_carrier *c, otelc_span_context *sc,
                             const char **why, const char **bad_field,
                             const char **bad_value) {
    const char *tid = otelc__carrier_get(c, "X-B3-TraceId");
    const char *sid = otelc__carrier_get(c, "X-B3-SpanId");
    const char *smp = otelc__carrier_get(c, "X-B3-Sampled");
    const char *flg = otelc__carrier_get(c, "X-B3-Flags");
    const char *par = otelc__carrier_get(c, "X-B3-ParentSpanId");
    memset(sc, 0, sizeof *sc);
    if (!tid && !sid)
        return smp || flg ? B3_SAMPLING_ONLY : B3_ABSENT;
    char b1[40], b2[24], b3[24];
    size_t n1 = 0, n2 = 0, n3 = 0;
    const char *t = tid ? trimmed(tid, b1, sizeof b1, &n1) : NULL;
    const char *s = sid ? trimmed(sid, b2, sizeof b2, &n2) : NULL;
    if (!t || !b3_trace_id(t, n1, sc->trace_id)) {
        *bad_field = "X-B3-TraceId";
        *bad_value = tid ? tid : "";
        *why = tid ? "not 16 or 32 lowercase hex digits, or zero"
                   : "missing while X-B3-SpanId is present";
        goto bad;
    }
    if (!s || !b3_span_id(s, n2, sc->span_id)) {
        *bad_field = "X-B3-SpanId";
        *bad_value = sid ? sid : "";
        *why = sid ? "not 16 lowercase hex digits, or zero"
                   : "missing while X-B3-TraceId is present";
        goto bad;
    }
    if (par) {
        uint8_t parent[8];
        const char *pp = trimmed(par, b3, sizeof b3, &n3);
        if (!b3_span_id(pp, n3, parent)) {
            *bad_field = "X-B3-ParentSpanId";
            *bad_value = par;
            *why = "not 16 lowercase hex digits";
            goto bad;
        }
    }
    if (flg) {
        size_t fn;
        char fb[8];
        const char *f = trimmed(flg, fb, sizeof fb, &fn);
        if (fn == 1 && f[0] == '1') {
            sc->trace_flags = OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG;
        } else if (!(fn == 1 && f[0] == '0')) {
            *bad_field = "X-B3-Flags";
            *bad_value = flg;
            *why = "must be 1 (debug) or 0";
            goto bad;
        }
    }
    if (smp) {
        size_t sn;
        char sb[8];
        const char *v = trimmed(smp, sb, sizeof sb, &sn);
        bool on =
            (sn == 1 && v[0] == '1') || (sn == 4 && !strncasecmp(v, "true", 4));
        bool off = (sn == 1 && v[0] == '0') ||
                   (sn == 5 && !strncasecmp(v, "false", 5));
        if (!on && !off) {
            *bad_field = "X-B3-Sampled";
            *bad_value = smp;
            *why = "must be 1 or 0 (true/false accepted)";
            goto bad;
        }
        if (on)
            sc->trace_flags |= OTELC_TRACE_FLAG_SAMPLED;
    }
    return B3_OK;
bad:
    memset(sc, 0, sizeof *sc);
    return B3_INVALID;
}

static otelc_context *b3_extract(void *st, const otelc_carrier *c) {
    (void)st;
    otelc_span_context sc;
    const char *why = NULL;
    const char *single = otelc__carrier_get(c, "b3");
    if (single) {
        b3_result r = parse_single(single, &sc, &why);
        if (r == B3_OK)
            return otelc__context_extracted(&sc, NULL, NULL);
        if (r == B3_SAMPLING_ONLY)
            return NULL; /* valid, but carries no ids */
        otelc__prop_invalid(&g_rl, "b3", "b3", single, why);
        /* An invalid single header does not hide valid multi headers. */
    }
    const char *field = NULL, *value = NULL;
    b3_result r = parse_multi(c, &sc, &why, &field, &value);
    if (r == B3_OK)
        return otelc__context_extracted(&sc, NULL, NULL);
    if (r == B3_INVALID)
        otelc__prop_invalid(&g_rl, "b3", field, value, why);
    return NULL;
}

static void b3_single_inject(void *st, const otelc_context *ctx,
                             const otelc_carrier *c) {
    (void)st;
    if (!otelc_span_context_is_valid(&ctx->sc))
        return;
    char tid[33], sid[17], v[64];
    uint8_t f = ctx->sc.trace_flags;
    snprintf(v, sizeof v, "%s-%s-%s",
             otelc_trace_id_to_hex(ctx->sc.trace_id, tid),
             otelc_span_id_to_hex(ctx->sc.span_id, sid),
             f & OTELC_TRACE_FLAG_DEBUG     ? "d"
             : f & OTELC_TRACE_FLAG_SAMPLED ? "1"
                                            : "0");
    otelc__carrier_set(c, "b3", v);
}

static void b3_multi_inject(void *st, const otelc_context *ctx,
                            const otelc_carrier *c) {
    (void)st;
    if (!otelc_span_context_is_valid(&ctx->sc))
        return;
    char tid[33], sid[17];
    uint8_t f = ctx->sc.trace_flags;
    otelc__carrier_set(c, "X-B3-TraceId",
                       otelc_trace_id_to_hex(ctx->sc.trace_id, tid));
    otelc__carrier_set(c, "X-B3-SpanId",
                       otelc_span_id_to_hex(ctx->sc.span_id, sid));
    /* Debug implies accept: the spec says not to send Sampled with it. */
    if (f & OTELC_TRACE_FLAG_DEBUG)
        otelc__carrier_set(c, "X-B3-Flags", "1");
    else
        otelc__carrier_set(c, "X-B3-Sampled",
                           f & OTELC_TRACE_FLAG_SAMPLED ? "1" : "0");
}

static const char *const single_fields[] = {"b3", NULL};
static const char *const multi_fields[] = {"X-B3-TraceId", "X-B3-SpanId",
                                           "X-B3-Sampled", "X-B3-Flags", NULL};
static const char *const *single_fields_fn(void *st) {
    (void)st;
    return single_fields;
}
static const char *const *multi_fields_fn(void *st) {
    (void)st;
    return multi_fields;
}

const otelc_propagator_ops otelc__b3_ops = {"b3", b3_single_inject, b3_extract,
                                            single_fields_fn, NULL};
const otelc_propagator_ops otelc__b3multi_ops = {
    "b3multi", b3_multi_inject, b3_extract, multi_fields_fn, NULL};
