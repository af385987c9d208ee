/*
 * sdk/retry_int.h - the one retry policy of every background worker.
 * Not installed.
 *
 * A retryable export failure is retried with exponential backoff: 1 s,
 * x1.5 per attempt, at most 5 s, +-20% jitter (so many processes do not
 * retry in lockstep), and never sooner than the receiver's retry-after
 * hint.  The caller stops when the next attempt would fall after its export
 * deadline.
 *
 * While the SDK is shutting down the policy changes: a process on its way
 * out should not spend its whole shutdown deadline waiting for a collector
 * that refuses connections.  Each batch then gets at most
 * OTELC__FINAL_ATTEMPTS attempts, OTELC__FINAL_BACKOFF_MS apart (a
 * retry-after hint longer than that is not honoured: the data is dropped
 * and counted instead).
 */
#ifndef OTELC_SDK_RETRY_INT_H
#define OTELC_SDK_RETRY_INT_H

#include <stdbool.h>
#include <stdint.h>

#define OTELC__FINAL_ATTEMPTS 3
#define OTELC__FINAL_BACKOFF_MS 200

typedef struct otelc__backoff {
    uint64_t next_ms; /* base of the next wait */
    uint32_t attempts;
} otelc__backoff;

/* Start a backoff sequence for one batch. */
void otelc__backoff_init(otelc__backoff *b);

/* After a failed attempt: how many milliseconds to wait before the next
 * one, or UINT64_MAX to give up now.  `final` is true while shutting
 * down; `retry_after_ms` is the receiver's hint (0 = none); `rng` is the
 * caller's wyrand state. */
uint64_t otelc__backoff_next(otelc__backoff *b, bool final,
                             uint64_t retry_after_ms, uint64_t *rng);

#endif /* OTELC_SDK_RETRY_INT_H */
