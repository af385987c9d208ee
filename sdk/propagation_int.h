/*
 * sdk/propagation_int.h - what the propagator files share.  Not installed.
 *
 * sdk/propagation.c     carriers, textmap, composite, global, stats
 * sdk/propagation_w3c.c traceparent, tracestate, baggage header
 * sdk/propagation_b3.c  B3 single and multi header
 * sdk/propagation_jaeger.c  uber-trace-id and uberctx-*
 */
#ifndef OTELC_SDK_PROPAGATION_INT_H
#define OTELC_SDK_PROPAGATION_INT_H

#include "sdk/internal.h"

#include "otelc/baggage.h"
#include "otelc/propagation.h"

/* ---- counters (sdk/propagation.c) ---- */
typedef struct otelc__prop_counters {
    _Atomic uint64_t extracted;
    _Atomic uint64_t invalid_headers;
    _Atomic uint64_t tracestate_dropped;
    _Atomic uint64_t baggage_dropped;
} otelc__prop_counters;
extern otelc__prop_counters otelc__prop_stats;
static inline void otelc__prop_count(_Atomic uint64_t *c, uint64_t n) {
    if (n)
        atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Report a rejected header (rate-limited per format) and count it.  The
 * value is quoted, cut at 64 bytes and with control bytes escaped, because
 * it comes from the network. */
void otelc__prop_invalid(otelc__ratelimit *rl, const char *format,
                         const char *field, const char *value, const char *why);

/* ---- carrier helpers ---- */
/* The first value of `name`, or NULL (also when the carrier has no get). */
const char *otelc__carrier_get(const otelc_carrier *c, const char *name);
/* How many fields are named `name`: exact with foreach, else 0 or 1. */
size_t otelc__carrier_count(const otelc_carrier *c, const char *name);
/* Every value of `name` joined with "," (the RFC 7230 combination), in a
 * malloc'd string; NULL when absent or out of memory (*oom set then). */
char *otelc__carrier_join(const otelc_carrier *c, const char *name, bool *oom);
/* Set through the carrier, reporting a failing setter once per interval. */
void otelc__carrier_set(const otelc_carrier *c, const char *name,
                        const char *value);

/* ---- small parsing helpers ---- */
static inline bool otelc__is_ows(char c) {
    return c == ' ' || c == '\t';
}
/* Trim spaces and tabs from both ends of [*s, *s + *n). */
static inline void otelc__trim_ows(const char **s, size_t *n) {
    while (*n && otelc__is_ows(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && otelc__is_ows((*s)[*n - 1]))
        (*n)--;
}
/* Hex digit value; lowercase only unless `any_case`.  -1 when not hex. */
static inline int otelc__hexval(char c, bool any_case) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (any_case && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
/* Decode 1..2*n hex digits right-aligned into n bytes (left-padded with
 * zeros).  False on a bad digit or a length outside 1..2n. */
bool otelc__hex_to_bytes_padded(const char *s, size_t len, uint8_t *out,
                                size_t n, bool any_case);
/* RFC 7230 tchar (header field names, baggage keys). */
bool otelc__is_tchar(unsigned char c);
/* Percent-decode [s, s+n) into a malloc'd string; NULL on a bad escape,
 * an embedded NUL, or memory exhaustion. */
char *otelc__pct_decode(const char *s, size_t n);
/* Append `s` percent-encoded: bytes outside the W3C baggage-octet set
 * and '%' become %XX. */
void otelc__pct_encode_append(char **buf, size_t *len, size_t *cap,
                              const char *s, bool *oom);
void otelc__str_append(char **buf, size_t *len, size_t *cap, const char *s,
                       size_t n, bool *oom);

/* ---- contexts ---- */
/* A borrowed view of this thread's current context (span or attached
 * context, tracestate, baggage): a stack value, no references taken. */
void otelc__context_current_view(otelc_context *out);
/* Build the result of an extract: a context with sc marked remote (when
 * valid), the tracestate and the baggage; NULL when neither part is
 * present or memory is exhausted. */
otelc_context *otelc__context_extracted(const otelc_span_context *sc,
                                        const char *tracestate,
                                        const otelc_baggage *baggage);

/* ---- built-in propagators ---- */
extern const otelc_propagator_ops otelc__tracecontext_ops;
extern const otelc_propagator_ops otelc__baggage_ops;
extern const otelc_propagator_ops otelc__b3_ops;
extern const otelc_propagator_ops otelc__b3multi_ops;
extern const otelc_propagator_ops otelc__jaeger_ops;

/* Parse one W3C baggage value (several fields already joined with ",") on
 * top of `base` (NULL = empty), applying the 64-entry / 8192-byte limits.
 * Returns a new baggage (NULL when nothing valid was found and base is
 * NULL); *dropped counts rejected members. */
otelc_baggage *otelc__baggage_parse_into(const otelc_baggage *base,
                                         const char *value, size_t *dropped,
                                         bool *oom);

/* Reset the configured global propagator so that the next use rebuilds it
 * from the (new) configuration.  Called by otelc_init()/otelc_shutdown(). */
void otelc__propagation_reload(void);

#endif /* OTELC_SDK_PROPAGATION_INT_H */
