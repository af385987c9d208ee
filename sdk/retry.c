/*
 * sdk/retry.c - the retry policy shared by the batching workers and the
 * periodic metric reader (see sdk/retry_int.h).
 */
#include "sdk/retry_int.h"

#include "sdk/internal.h"

void otelc__backoff_init(otelc__backoff *b) {
    b->next_ms = 1000;
    b->attempts = 1;
}

uint64_t otelc__backoff_next(otelc__backoff *b, bool final,
                             uint64_t retry_after_ms, uint64_t *rng) {
    if (final) {
        if (b->attempts >= OTELC__FINAL_ATTEMPTS ||
            retry_after_ms > OTELC__FINAL_BACKOFF_MS)
            return UINT64_MAX;
        b->attempts++;
        return OTELC__FINAL_BACKOFF_MS;
    }
    /* +-20% jitter. */
    uint64_t j = otelc__wyrand(rng) % 401;
    uint64_t wait = b->next_ms * (800 + j) / 1000;
    if (retry_after_ms > wait)
        wait = retry_after_ms;
    b->next_ms = b->next_ms * 3 / 2;
    if (b->next_ms > 5000)
        b->next_ms = 5000;
    b->attempts++;
    return wait;
}
