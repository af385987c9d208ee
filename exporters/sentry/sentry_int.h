/*
 * exporters/sentry/sentry_int.h - the Sentry sender's internal pieces:
 * envelope encoding and rate-limit header parsing.  Not installed.
 */
#ifndef OTELC_EXPORTERS_SENTRY_INT_H
#define OTELC_EXPORTERS_SENTRY_INT_H

#include "sdk/errors_int.h"
#include "sdk/json_int.h"

/* What every envelope of one sender carries besides the event. */
typedef struct otelc__sentry_meta {
    const char *public_key;
    const char *release;     /* "" = omitted */
    const char *environment; /* "" = omitted */
    const char *server_name; /* "" = omitted */
    const char *service_name;
} otelc__sentry_meta;

/* Append the envelope for one event: the envelope header line (event_id,
 * sent_at, sdk, and the trace header Sentry uses for dynamic sampling and
 * linking), one item header with the payload's exact byte length, the
 * event JSON, and a newline. */
void otelc__sentry_envelope(otelc__buf *b, const otelc__error_event *e,
                            const otelc__sentry_meta *m, otelc_time_ns sent_at);

/* Rate limits from one response, as monotonic deadlines (0 = none). */
typedef struct otelc__sentry_limits {
    uint64_t all_until;   /* every category */
    uint64_t error_until; /* the "error" category: events */
} otelc__sentry_limits;

/* Apply a response: `header` is X-Sentry-Rate-Limits ("" when absent); a
 * 429 without it falls back to Retry-After, else 60 s.  Limits only ever
 * extend.  Returns true when the header was well-formed or absent. */
bool otelc__sentry_apply_limits(otelc__sentry_limits *l, long status,
                                const char *header, bool retry_after_set,
                                uint64_t retry_after_ms, uint64_t now_mono);

#endif /* OTELC_EXPORTERS_SENTRY_INT_H */
