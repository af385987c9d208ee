/*
 * sdk/batcher_int.h - the batching background worker behind every batch
 * processor (spans now; log records and other signals reuse it).  Not
 * installed.
 *
 * Producers push opaque item pointers; a dedicated worker thread drains
 * them in batches and hands each batch to ops->export_items, retrying
 * retryable failures with exponential backoff and jitter until the export
 * deadline, then ops->release_items.  See sdk/batcher.c for the queue
 * design and the guarantees.
 */
#ifndef OTELC_SDK_BATCHER_INT_H
#define OTELC_SDK_BATCHER_INT_H

#include "sdk/internal.h"
#include "sdk/thread_int.h"

#include "otelc/export.h"

typedef struct otelc__batcher otelc__batcher;

typedef struct otelc__batcher_ops {
    /* Export n items (never concurrently; only on the worker thread). */
    otelc_export_result (*export_items)(void *user, void *const *items,
                                        size_t n, otelc_export_context *ctx);
    /* Give the items back after export, success or not (worker thread). */
    void (*release_items)(void *user, void *const *items, size_t n);
    /* Exporter-level flush and shutdown, after the queue is drained (may be
     * NULL).  Worker thread. */
    otelc_status (*flush)(void *user, uint64_t deadline_mono_ns);
    void (*shutdown)(void *user, uint64_t deadline_mono_ns);
    /* Free `user` when the batcher itself is freed (may be NULL). */
    void (*free_user)(void *user);
} otelc__batcher_ops;

/* Resolved options: zero fields of `in` take the given defaults. */
typedef struct otelc__batch_config {
    uint32_t schedule_delay_ms;
    uint32_t export_timeout_ms;
    uint32_t max_queue_size;
    uint32_t max_export_batch_size;
} otelc__batch_config;

/* Start a batcher and its worker thread (named `thread_name`, at most 15
 * characters).  Returns NULL (and frees nothing) on failure. */
otelc__batcher *otelc__batcher_new(const otelc__batcher_ops *ops, void *user,
                                   const otelc__batch_config *cfg,
                                   const char *thread_name);

/* Slow path of push: bind a new ring to this thread. */
bool otelc__batcher_push_slow(otelc__batcher *b, otelc__thread *t, void *item);
/* Push an item from any thread; never blocks.  false = dropped (full queue
 * or shut down); the drop is counted. */
bool otelc__batcher_push(otelc__batcher *b, void *item);
/* Push, waiting (with short sleeps, never past `deadline`) while this
 * thread's ring is full.  *waited tells whether it had to wait.  false =
 * dropped and counted, as otelc__batcher_push. */
bool otelc__batcher_push_wait(otelc__batcher *b, void *item,
                              uint64_t deadline_mono_ns, bool *waited);

otelc_status otelc__batcher_flush(otelc__batcher *b, uint64_t deadline);
otelc_status otelc__batcher_shutdown(otelc__batcher *b, uint64_t deadline);
void otelc__batcher_stats(otelc__batcher *b, otelc_processor_stats *out);
/* Shut down (5 s) if needed and free; the worker frees the memory itself
 * if it was abandoned inside a hung export. */
void otelc__batcher_free(otelc__batcher *b);

#endif /* OTELC_SDK_BATCHER_INT_H */
