/*
 * sdk/propagation_w3c.c - W3C Trace Context (traceparent, tracestate) and
 * W3C Baggage, as propagators and as string functions.
 *
 * traceparent (W3C Trace Context, "Versioning of traceparent"):
 *   version "-" trace-id "-" parent-id "-" trace-flags, lowercase hex only.
 *   Version ff is invalid.  Version 00 is exactly 55 characters.  A higher
 *   version is parsed by the 00 layout when it is at least 55 characters
 *   and the flags are followed by the end or "-"; what follows is ignored
 *   and the header is re-emitted as version 00.  All-zero ids are invalid.
 *   Optional whitespace around the value is ignored.  Two traceparent
 *   fields make the request's context invalid.  Flag bits other than
 *   sampled (0x01) and random (0x02) are reserved: accepted, not kept.
 * tracestate: read only when traceparent is valid; several fields form
 *   one list.  A member whose key or value breaks the grammar, a later
 *   duplicate of a key, and members past the 32nd are dropped one by one
 *   (the rest is kept); the kept list is stored in canonical form
 *   (no optional whitespace), so inject writes exactly what was validated.
 * baggage: list of key=value;properties members; keys are RFC 7230
 *   tokens, values percent-encoded baggage-octets.  Invalid members are
 *   dropped one by one; beyond 64 members or 8192 bytes the rest is
 *   dropped (W3C: a platform must propagate at least that much).  A later
 *   duplicate key replaces an earlier one, as otelc_baggage_set() does.
 *
 * Every parser is linear in its input and never reads past the given
 * length; a rejected header is counted and reported (rate-limited).
 */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/propagation_int.h"
#include "sdk/span_int.h"

static otelc__ratelimit g_tp_rl, g_ts_rl, g_bag_rl;

#define TP_LEN 55 /* version 00: 2+1+32+1+16+1+2 */

/* ---- traceparent
 * --------------------------------------------------------------- */

/* Parse a traceparent value into sc.  Returns NULL on success or the
 * reason it is invalid. */
static const char *traceparent_parse(const char *v, otelc_span_context *sc) {
    size_t n = strlen(v);
    otelc__trim_ows(&v, &n);
    memset(sc, 0, sizeof *sc);
    int v0 = n >= 2 ? otelc__hexval(v[0], false) : -1;
    int v1 = n >= 2 ? otelc__hexval(v[1], false) : -1;
    if (v0 < 0 || v1 < 0 || n < 3 || v[2] != '-')
        return "the version is not two lowercase hex digits and a dash";
    int version = v0 << 4 | v1;
    if (version == 0xff)
        return "version ff is invalid";
    if (n < TP_LEN)
        return "too short";
    if (version == 0 && n != TP_LEN)
        return "version 00 must be exactly 55 characters";
    if (n > TP_LEN && v[TP_LEN] != '-')
        return "the flags are not followed by the end or a dash";
    if (v[35] != '-' || v[52] != '-')
        return "the fields are not separated by dashes";
    if (otelc_trace_id_from_hex(v + 3, 32, sc->trace_id) != OTELC_OK)
        return "the trace-id is not 32 lowercase hex digits, or is zero";
    if (otelc_span_id_from_hex(v + 36, 16, sc->span_id) != OTELC_OK) {
        memset(sc, 0, sizeof *sc);
        return "the parent-id is not 16 lowercase hex digits, or is zero";
    }
    int f0 = otelc__hexval(v[53], false), f1 = otelc__hexval(v[54], false);
    if (f0 < 0 || f1 < 0) {
        memset(sc, 0, sizeof *sc);
        return "the trace-flags are not two lowercase hex digits";
    }
    sc->trace_flags = (uint8_t)((f0 << 4 | f1) & (OTELC_TRACE_FLAG_SAMPLED |
                                                  OTELC_TRACE_FLAG_RANDOM));
    return NULL;
}

/* ---- tracestate
 * ------------------------------------------------------------------ */

static bool ts_key_valid_n(const char *k, size_t n) {
    if (n < 1 || n > 256)
        return false;
    if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= '0' && k[0] <= '9')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '*' || c == '/' || c == '@'))
            return false;
    }
    return true;
}

static bool ts_value_valid_n(const char *v, size_t n) {
    if (n < 1 || n > 256 || v[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c > 0x7e || c == ',' || c == '=')
            return false;
    }
    return true;
}

OTELC_API bool otelc_tracestate_key_valid(const char *key) {
    return key && ts_key_valid_n(key, strlen(key));
}

OTELC_API bool otelc_tracestate_value_valid(const char *value) {
    return value && ts_value_valid_n(value, strlen(value));
}

/* Does canonical list [out, out+len) already hold key? */
static bool ts_has_key(const char *out, size_t len, const char *k, size_t kn) {
    const char *p = out, *end = out + len;
    while (p < end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *me = c ? c : end;
        const char *eq = memchr(p, '=', (size_t)(me - p));
        if (eq && (size_t)(eq - p) == kn && !memcmp(p, k, kn))
            return true;
        p = me + 1;
    }
    return false;
}

/* Canonicalise [s, s+n) into a malloc'd string; *dropped counts rejected
 * members.  Returns NULL only when memory is exhausted. */
static char *ts_parse_n(const char *s, size_t n, size_t *dropped) {
    char *out = NULL;
    size_t len = 0, cap = 0, members = 0, drop = 0;
    bool oom = false;
    otelc__str_append(&out, &len, &cap, "", 0, &oom);
    const char *p = s, *end = s + n;
    while (p <= end && !oom) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *me = c ? c : end;
        const char *m = p;
        size_t mn = (size_t)(me - p);
        otelc__trim_ows(&m, &mn);
        if (mn) {
            const char *eq = memchr(m, '=', mn);
            size_t kn = eq ? (size_t)(eq - m) : 0;
            if (!eq || !ts_key_valid_n(m, kn) ||
                !ts_value_valid_n(eq + 1, mn - kn - 1) ||
                ts_has_key(out, len, m, kn) ||
                members == OTELC_TRACESTATE_MAX_MEMBERS) {
                drop++;
            } else {
                if (members++)
                    otelc__str_append(&out, &len, &cap, ",", 1, &oom);
                otelc__str_append(&out, &len, &cap, m, mn, &oom);
            }
        }
        if (!c)
            break;
        p = c + 1;
    }
    if (dropped)
        *dropped = drop;
    if (oom) {
        free(out);
        return NULL;
    }
    return out;
}

OTELC_API char *otelc_tracestate_parse(const char *value, size_t *dropped) {
    if (dropped)
        *dropped = 0;
    if (!value)
        return NULL;
    return ts_parse_n(value, strlen(value), dropped);
}

OTELC_API const char *otelc_tracestate_get(const char *ts, const char *key,
                                           size_t *len) {
    if (!ts || !key)
        return NULL;
    size_t kn = strlen(key);
    const char *p = ts;
    while (*p) {
        const char *c = strchr(p, ',');
        const char *me = c ? c : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(me - p));
        if (eq && (size_t)(eq - p) == kn && !memcmp(p, key, kn)) {
            if (len)
                *len = (size_t)(me - eq - 1);
            return eq + 1;
        }
        if (!c)
            break;
        p = c + 1;
    }
    return NULL;
}

/* ts minus `key`, with `first` ("k=v", may be NULL) in front, at most 32
 * members (the rightmost go). */
static otelc_status ts_rebuild(const char *ts, const char *key,
                               const char *first, char **out) {
    char *canon = ts_parse_n(ts ? ts : "", ts ? strlen(ts) : 0, NULL);
    if (!canon)
        return OTELC_ENOMEM;
    char *buf = NULL;
    size_t len = 0, cap = 0, members = 0, kn = strlen(key);
    bool oom = false;
    otelc__str_append(&buf, &len, &cap, "", 0, &oom);
    if (first) {
        otelc__str_append(&buf, &len, &cap, first, strlen(first), &oom);
        members++;
    }
    const char *p = canon;
    while (*p && members < OTELC_TRACESTATE_MAX_MEMBERS) {
        const char *c = strchr(p, ',');
        size_t mn = c ? (size_t)(c - p) : strlen(p);
        if (!(mn > kn && p[kn] == '=' && !memcmp(p, key, kn))) {
            if (members++)
                otelc__str_append(&buf, &len, &cap, ",", 1, &oom);
            otelc__str_append(&buf, &len, &cap, p, mn, &oom);
        }
        if (!c)
            break;
        p = c + 1;
    }
    free(canon);
    if (oom) {
        free(buf);
        return OTELC_ENOMEM;
    }
    *out = buf;
    return OTELC_OK;
}

OTELC_API otelc_status otelc_tracestate_set(const char *ts, const char *key,
                                            const char *value, char **out) {
    if (!out || !otelc_tracestate_key_valid(key) ||
        !otelc_tracestate_value_valid(value))
        return OTELC_EINVAL;
    size_t kn = strlen(key), vn = strlen(value);
    char *first = malloc(kn + vn + 2);
    if (!first)
        return OTELC_ENOMEM;
    memcpy(first, key, kn);
    first[kn] = '=';
    memcpy(first + kn + 1, value, vn + 1);
    otelc_status st = ts_rebuild(ts, key, first, out);
    free(first);
    return st;
}

OTELC_API otelc_status otelc_tracestate_remove(const char *ts, const char *key,
                                               char **out) {
    if (!out || !key)
        return OTELC_EINVAL;
    return ts_rebuild(ts, key, NULL, out);
}

OTELC_API otelc_context *
otelc_context_with_trace_state(const otelc_context *ctx, const char *key,
                               const char *value, otelc_status *st) {
    otelc_status dummy;
    if (!st)
        st = &dummy;
    otelc_context view;
    if (!ctx) {
        otelc__context_current_view(&view);
        ctx = &view;
    }
    if (!otelc_span_context_is_valid(&ctx->sc)) {
        *st = OTELC_EINVAL; /* a tracestate needs a traceparent */
        return NULL;
    }
    char *ts = NULL;
    *st = otelc_tracestate_set(otelc__tracestate_str(ctx->tstate), key, value,
                               &ts);
    if (*st != OTELC_OK)
        return NULL;
    otelc_context *c = otelc_context_new(&ctx->sc, ts, ctx->baggage);
    free(ts);
    if (!c)
        *st = OTELC_ENOMEM;
    return c;
}

/* ---- the tracecontext propagator
 * -------------------------------------------------- */

static void tc_inject(void *st, const otelc_context *ctx,
                      const otelc_carrier *c) {
    (void)st;
    if (!otelc_span_context_is_valid(&ctx->sc))
        return;
    char tp[TP_LEN + 1], tid[33], sid[17];
    snprintf(tp, sizeof tp, "00-%s-%s-%02x",
             otelc_trace_id_to_hex(ctx->sc.trace_id, tid),
             otelc_span_id_to_hex(ctx->sc.span_id, sid),
             ctx->sc.trace_flags &
                 (OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM));
    otelc__carrier_set(c, "traceparent", tp);
    const char *ts = otelc__tracestate_str(ctx->tstate);
    if (ts[0])
        otelc__carrier_set(c, "tracestate", ts);
}

static otelc_context *tc_extract(void *st, const otelc_carrier *c) {
    (void)st;
    const char *tp = otelc__carrier_get(c, "traceparent");
    if (!tp)
        return NULL;
    if (otelc__carrier_count(c, "traceparent") > 1) {
        otelc__prop_invalid(&g_tp_rl, "tracecontext", "traceparent", tp,
                            "the request has more than one traceparent");
        return NULL;
    }
    otelc_span_context sc;
    const char *why = traceparent_parse(tp, &sc);
    if (why) {
        otelc__prop_invalid(&g_tp_rl, "tracecontext", "traceparent", tp, why);
        return NULL;
    }
    /* W3C: tracestate is read only once traceparent is valid, and a bad
     * tracestate never invalidates the traceparent. */
    bool oom;
    char *raw = otelc__carrier_join(c, "tracestate", &oom);
    char *ts = NULL;
    if (raw) {
        size_t dropped = 0;
        ts = ts_parse_n(raw, strlen(raw), &dropped);
        if (dropped) {
            otelc__prop_count(&otelc__prop_stats.tracestate_dropped, dropped);
            otelc__diag_limited(&g_ts_rl, OTELC_DIAG_INFO,
                                "tracecontext propagator: dropped %zu "
                                "tracestate member(s) (bad key or value, "
                                "duplicate key, or more than 32)",
                                dropped);
        }
        free(raw);
        if (!ts)
            return NULL; /* out of memory: absent rather than partial */
    } else if (oom) {
        return NULL;
    }
    otelc_context *r = otelc__context_extracted(&sc, ts, NULL);
    free(ts);
    return r;
}

static const char *const tc_fields[] = {"traceparent", "tracestate", NULL};
static const char *const *tc_fields_fn(void *st) {
    (void)st;
    return tc_fields;
}

const otelc_propagator_ops otelc__tracecontext_ops = {
    "tracecontext", tc_inject, tc_extract, tc_fields_fn, NULL};

/* ---- baggage
 * --------------------------------------------------------------------- */

static bool all_tchar(const char *s, size_t n) {
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!otelc__is_tchar((unsigned char)s[i]))
            return false;
    return true;
}

static bool all_baggage_octets(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c == 0x21 || (c >= 0x23 && c <= 0x2b) ||
              (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
              (c >= 0x5d && c <= 0x7e)))
            return false;
    }
    return true;
}

/* Validate the properties part [s, s+n) (after the first ';') and write
 * their canonical form (OWS removed, ";"-joined) to *md.  False when a
 * property breaks the grammar. */
static bool parse_properties(const char *s, size_t n, char **md, bool *oom) {
    size_t len = 0, cap = 0, count = 0;
    *md = NULL;
    otelc__str_append(md, &len, &cap, "", 0, oom);
    const char *p = s, *end = s + n;
    while (p <= end && !*oom) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *pe = semi ? semi : end;
        const char *q = p;
        size_t qn = (size_t)(pe - p);
        otelc__trim_ows(&q, &qn);
        const char *eq = memchr(q, '=', qn);
        const char *k = q, *v = NULL;
        size_t kn = qn, vn = 0;
        if (eq) {
            kn = (size_t)(eq - q);
            v = eq + 1;
            vn = qn - kn - 1;
            otelc__trim_ows(&k, &kn);
            otelc__trim_ows(&v, &vn);
        }
        if (!all_tchar(k, kn) || (v && !all_baggage_octets(v, vn))) {
            free(*md);
            *md = NULL;
            return false;
        }
        if (count++)
            otelc__str_append(md, &len, &cap, ";", 1, oom);
        otelc__str_append(md, &len, &cap, k, kn, oom);
        if (v) {
            otelc__str_append(md, &len, &cap, "=", 1, oom);
            otelc__str_append(md, &len, &cap, v, vn, oom);
        }
        if (!semi)
            break;
        p = semi + 1;
    }
    return !*oom;
}

otelc_baggage *otelc__baggage_parse_into(const otelc_baggage *base,
                                         const char *value, size_t *dropped,
                                         bool *oom) {
    otelc_baggage *b = base ? otelc_baggage_ref(base) : NULL;
    size_t drop = 0, bytes = 0, n = strlen(value);
    *oom = false;
    const char *p = value, *end = value + n;
    while (p <= end && !*oom) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *me = comma ? comma : end;
        const char *m = p;
        size_t mn = (size_t)(me - p);
        otelc__trim_ows(&m, &mn);
        p = me + 1;
        if (!mn) {
            if (!comma)
                break;
            continue; /* tolerate "a=1,,b=2" and a trailing comma */
        }
        const char *semi = memchr(m, ';', mn);
        size_t kvn = semi ? (size_t)(semi - m) : mn;
        const char *eq = memchr(m, '=', kvn);
        const char *k = m, *v = eq ? eq + 1 : NULL;
        size_t kn = eq ? (size_t)(eq - m) : 0;
        size_t vn = eq ? kvn - kn - 1 : 0;
        otelc__trim_ows(&k, &kn);
        if (v)
            otelc__trim_ows(&v, &vn);
        char *name = NULL, *val = NULL, *md = NULL;
        bool ok = eq && all_tchar(k, kn) && all_baggage_octets(v, vn);
        if (ok) {
            name = otelc__strndup(k, kn);
            val = otelc__pct_decode(v, vn);
            ok = name && val; /* NULL val: a bad %-escape */
        }
        if (ok && semi)
            ok = parse_properties(semi + 1, mn - kvn - 1, &md, oom);
        /* The limits: count what the member takes on the wire. */
        size_t cost = mn + (bytes ? 1 : 0);
        bool replaces = ok && otelc_baggage_get(b, name) != NULL;
        if (ok && !replaces &&
            (otelc_baggage_count(b) >= OTELC_BAGGAGE_MAX_ENTRIES ||
             bytes + cost > OTELC_BAGGAGE_MAX_BYTES))
            ok = false;
        if (ok) {
            otelc_baggage *nb = otelc_baggage_set(b, name, val, md);
            if (nb) {
                otelc_baggage_free(b);
                b = nb;
                bytes += cost;
            } else {
                *oom = true;
            }
        } else {
            drop++;
        }
        free(name);
        free(val);
        free(md);
        if (!comma)
            break;
    }
    if (dropped)
        *dropped = drop;
    if (*oom) {
        otelc_baggage_free(b);
        return NULL;
    }
    return b;
}

OTELC_API otelc_baggage *otelc_baggage_parse(const char *value,
                                             size_t *dropped) {
    if (dropped)
        *dropped = 0;
    if (!value)
        return NULL;
    bool oom;
    otelc_baggage *b = otelc__baggage_parse_into(NULL, value, dropped, &oom);
    if (b && !otelc_baggage_count(b)) {
        otelc_baggage_free(b);
        return NULL;
    }
    return b;
}

/* Is a stored metadata string safe to write after ';'?  (It was either
 * parsed by us or given by the application.) */
static bool metadata_ok(const char *md) {
    char *canon;
    bool oom = false;
    if (!parse_properties(md, strlen(md), &canon, &oom))
        return false;
    free(canon);
    return true;
}

OTELC_API char *otelc_baggage_format(const otelc_baggage *b, size_t *dropped) {
    size_t n = otelc_baggage_count(b), drop = 0, count = 0;
    char *out = NULL, *member = NULL;
    size_t len = 0, cap = 0;
    bool oom = false;
    for (size_t i = 0; i < n && !oom; i++) {
        const char *k, *v, *md;
        otelc_baggage_entry(b, i, &k, &v, &md);
        if (!all_tchar(k, strlen(k)) || count == OTELC_BAGGAGE_MAX_ENTRIES) {
            drop++;
            continue;
        }
        size_t ml = 0, mc = 0;
        free(member);
        member = NULL;
        otelc__str_append(&member, &ml, &mc, k, strlen(k), &oom);
        otelc__str_append(&member, &ml, &mc, "=", 1, &oom);
        otelc__pct_encode_append(&member, &ml, &mc, v, &oom);
        if (md[0] && metadata_ok(md)) {
            otelc__str_append(&member, &ml, &mc, ";", 1, &oom);
            otelc__str_append(&member, &ml, &mc, md, strlen(md), &oom);
        }
        if (oom)
            break;
        if (len + ml + (count ? 1 : 0) > OTELC_BAGGAGE_MAX_BYTES) {
            drop++;
            continue;
        }
        if (count++)
            otelc__str_append(&out, &len, &cap, ",", 1, &oom);
        otelc__str_append(&out, &len, &cap, member, ml, &oom);
    }
    free(member);
    if (dropped)
        *dropped = drop;
    if (oom) {
        free(out);
        return NULL;
    }
    return out; /* NULL when nothing was written */
}

static void bag_inject(void *st, const otelc_context *ctx,
                       const otelc_carrier *c) {
    (void)st;
    if (!otelc_baggage_count(ctx->baggage))
        return;
    size_t dropped = 0;
    char *h = otelc_baggage_format(ctx->baggage, &dropped);
    if (dropped) {
        otelc__prop_count(&otelc__prop_stats.baggage_dropped, dropped);
        otelc__diag_limited(&g_bag_rl, OTELC_DIAG_WARN,
                            "baggage propagator: %zu entr%s not sent (name "
                            "not a token, or beyond 64 entries / 8192 bytes)",
                            dropped, dropped == 1 ? "y" : "ies");
    }
    if (h)
        otelc__carrier_set(c, "baggage", h);
    free(h);
}

static otelc_context *bag_extract(void *st, const otelc_carrier *c) {
    (void)st;
    bool oom;
    char *raw = otelc__carrier_join(c, "baggage", &oom);
    if (!raw)
        return NULL;
    size_t dropped = 0;
    otelc_baggage *b = otelc__baggage_parse_into(NULL, raw, &dropped, &oom);
    if (dropped) {
        otelc__prop_count(&otelc__prop_stats.baggage_dropped, dropped);
        otelc__prop_invalid(&g_bag_rl, "baggage", "baggage member(s) in", raw,
                            "invalid member (key not a token, bad value or "
                            "%-escape, bad property) or beyond 64 entries / "
                            "8192 bytes; the rest is kept");
    }
    free(raw);
    otelc_context *r = b ? otelc__context_extracted(NULL, NULL, b) : NULL;
    otelc_baggage_free(b);
    return r;
}

static const char *const bag_fields[] = {"baggage", NULL};
static const char *const *bag_fields_fn(void *st) {
    (void)st;
    return bag_fields;
}

const otelc_propagator_ops otelc__baggage_ops = {
    "baggage", bag_inject, bag_extract, bag_fields_fn, NULL};
