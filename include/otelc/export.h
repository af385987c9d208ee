/*
 * otelc/export.h - what exporters see, how to write one, and the span
 * processors that feed them.
 *
 * Pipeline.  An ended, sampled span goes to each processor of its provider.
 * The simple processor exports it at once on the ending thread (for tests
 * and debugging).  The batch processor pushes it onto a bounded per-thread
 * queue (never blocking; a full queue drops the span and counts it), and
 * its own background worker exports batches: when a batch is full, when
 * the schedule delay passes, or on force-flush.  Each exporter has its own
 * batch processor, so a slow exporter never holds back another.
 *
 * Writing an exporter.  Fill an otelc_span_exporter_ops table and call
 * otelc_span_exporter_new(ops, state).  export_spans() is never called
 * concurrently for one exporter and is only called from the processor's
 * worker.  It returns OTELC_EXPORT_SUCCESS, OTELC_EXPORT_RETRYABLE (the
 * worker retries the same batch with exponential backoff and jitter until
 * the export deadline, waiting at least ctx->retry_after_ms if the
 * exporter sets it), or OTELC_EXPORT_FAILURE (the batch is dropped and
 * counted).  Exporters never retry by themselves.  The span data passed in
 * is borrowed for the duration of the call: copy what you keep
 * (otelc_span_data_copy() does it in one allocation).
 */
#ifndef OTELC_EXPORT_H
#define OTELC_EXPORT_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/status.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The instrumentation scope that produced a span. */
typedef struct otelc_scope_info {
    const char *name;    /* never NULL */
    const char *version; /* "" when none */
} otelc_scope_info;

/** A recorded event, as exporters see it. */
typedef struct otelc_event_data {
    const char *name;
    otelc_time_ns time;
    const otelc_attribute *attributes;
    uint32_t attribute_count;
    uint32_t dropped_attribute_count;
} otelc_event_data;

/** A recorded link, as exporters see it. */
typedef struct otelc_link_data {
    otelc_span_context context;
    const char *trace_state; /* "" when none */
    const otelc_attribute *attributes;
    uint32_t attribute_count;
    uint32_t dropped_attribute_count;
} otelc_link_data;

/**
 * An ended span, read-only, as exporters and processors see it.  Every
 * string is NUL-terminated and never NULL; every array has its count.
 * Fields are only ever appended.
 */
typedef struct otelc_span_data {
    otelc_span_context context;
    const char *trace_state;   /* "" when none */
    uint8_t parent_span_id[8]; /* all zero for a root span */
    bool parent_is_remote;
    otelc_span_kind kind;
    const char *name;
    otelc_time_ns start_time;
    otelc_time_ns end_time;
    const otelc_attribute *attributes;
    uint32_t attribute_count;
    uint32_t dropped_attribute_count;
    const otelc_event_data *events;
    uint32_t event_count;
    uint32_t dropped_event_count;
    const otelc_link_data *links;
    uint32_t link_count;
    uint32_t dropped_link_count;
    otelc_status_code status_code;
    const char *status_description; /* "" unless ERROR with a description */
    const otelc_scope_info *scope;
    const otelc_resource *resource;
} otelc_span_data;

/** otelc_span_data_has_parent - true when the span has a parent.
 *  Thread-safety: pure function.  Blocking: never.  Since: 0.1. */
OTELC_API bool otelc_span_data_has_parent(const otelc_span_data *span);

/**
 * otelc_span_data_copy - deep-copy a span in one allocation (the scope and
 * resource pointers are shared, not copied: they live as long as the
 * provider).  Free with otelc_span_data_free().
 * @return the copy, or NULL when memory is exhausted.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_span_data *otelc_span_data_copy(const otelc_span_data *span);
/** otelc_span_data_free - free a copy; NULL is accepted.  Since: 0.1.
 *  Thread-safety: safe from any thread.  Blocking: never. */
OTELC_API void otelc_span_data_free(otelc_span_data *copy);

/* ---- Resource --------------------------------------------------------------
 */

/**
 * otelc_resource_default - the resource built from the environment:
 * service.name (OTEL_SERVICE_NAME, else service.name from
 * OTEL_RESOURCE_ATTRIBUTES, else "unknown_service:<executable>"), the
 * percent-decoded OTEL_RESOURCE_ATTRIBUTES, telemetry.sdk.name/language/
 * version, host.name and process.pid.  Free with otelc_resource_free().
 * Thread-safety: any thread.  Blocking: reads the environment.  Since: 0.1.
 */
OTELC_API otelc_resource *otelc_resource_default(void);

/**
 * otelc_resource_new - a resource from explicit attributes (copied),
 * merged over otelc_resource_default(): explicit attributes win.
 * Free with otelc_resource_free().  Since: 0.1.
 * Thread-safety: any thread.  Blocking: reads the environment.
 */
OTELC_API otelc_resource *otelc_resource_new(const otelc_attribute *attributes,
                                             size_t count);

/** otelc_resource_free - free a resource not handed to a provider; NULL is
 *  accepted.  Since: 0.1.
 *  Thread-safety: not concurrently with other use.  Blocking: never. */
OTELC_API void otelc_resource_free(otelc_resource *resource);

/** otelc_resource_attributes - the resource's attributes, sorted by key;
 *  borrowed for the resource's lifetime.  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const otelc_attribute *
otelc_resource_attributes(const otelc_resource *resource, size_t *count);

/** otelc_resource_get - one attribute's value, or NULL.  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const otelc_value *otelc_resource_get(const otelc_resource *resource,
                                                const char *key);

/** otelc_resource_service_name - service.name; never NULL.  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const char *
otelc_resource_service_name(const otelc_resource *resource);

/* ---- Exporters -------------------------------------------------------------
 */

typedef enum otelc_export_result {
    OTELC_EXPORT_SUCCESS = 0,
    OTELC_EXPORT_RETRYABLE = 1, /* transient: the worker retries the batch */
    OTELC_EXPORT_FAILURE = 2    /* permanent: the batch is dropped, counted */
} otelc_export_result;

/** Per-call context handed to an exporter by its worker. */
typedef struct otelc_export_context {
    /** CLOCK_MONOTONIC nanoseconds by which the call must return. */
    uint64_t deadline_mono_ns;
    /** Set by the exporter with OTELC_EXPORT_RETRYABLE: the server asked to
     *  wait at least this long before retrying (0 = no hint). */
    uint64_t retry_after_ms;
    /** Set by the exporter with OTELC_EXPORT_SUCCESS when the receiver
     *  accepted only part of the batch (OTLP partial success). */
    uint64_t rejected_items;
    /** 1-based attempt number for this batch. */
    uint32_t attempt;
    /** Set by the exporter with OTELC_EXPORT_RETRYABLE or
     *  OTELC_EXPORT_FAILURE when it sends one batch as several requests and
     *  some of them already succeeded: how many items of this batch (over
     *  all attempts so far) reached the receiver.  The exporter must not
     *  send those again when the worker retries; if the worker finally
     *  gives the batch up, they are counted as exported, not dropped. */
    uint64_t delivered_items;
} otelc_export_context;

/** otelc_export_remaining_ms - milliseconds left before ctx's deadline (0
 *  when passed).  Since: 0.1.
 *  Thread-safety: pure function of ctx and the clock.  Blocking: never. */
OTELC_API uint64_t otelc_export_remaining_ms(const otelc_export_context *ctx);

/** otelc_monotonic_ns - CLOCK_MONOTONIC in nanoseconds.  Since: 0.1.
 *  Thread-safety: safe from any thread.  Blocking: never. */
OTELC_API uint64_t otelc_monotonic_ns(void);

/** The operations of a span exporter.  Only export_spans is required. */
typedef struct otelc_span_exporter_ops {
    const char *name; /* short, for diagnostics and metrics: "otlp_grpc" */
    otelc_export_result (*export_spans)(void *state,
                                        const otelc_span_data *const *spans,
                                        size_t count,
                                        otelc_export_context *ctx);
    /** Push out anything the exporter buffers itself (may be NULL). */
    otelc_status (*force_flush)(void *state, uint64_t deadline_mono_ns);
    /** Stop: release connections (may be NULL).  Called once. */
    void (*shutdown)(void *state, uint64_t deadline_mono_ns);
    /** Free the state (may be NULL).  Called once, last. */
    void (*free_state)(void *state);
} otelc_span_exporter_ops;

typedef struct otelc_span_exporter otelc_span_exporter;

/**
 * otelc_span_exporter_new - wrap an ops table and its state.
 * @param ops    borrowed: must outlive the exporter (normally static).
 * @param state  owned by the exporter from now on: ops->free_state frees
 *               it, even when this call fails.
 * @return the exporter, to hand to a processor (which then owns it) or to
 *         free with otelc_span_exporter_free(); NULL on bad arguments or
 *         memory exhaustion.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_span_exporter *
otelc_span_exporter_new(const otelc_span_exporter_ops *ops, void *state);

/** otelc_span_exporter_free - shut down (if not yet) and free an exporter
 *  not owned by a processor; NULL is accepted.  Since: 0.1.
 *  Thread-safety: not concurrently with other use.  Blocking: up to 5 s (the
 * exporter's shutdown). */
OTELC_API void otelc_span_exporter_free(otelc_span_exporter *exporter);

/** otelc_span_exporter_name - the ops' name.  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const char *
otelc_span_exporter_name(const otelc_span_exporter *exporter);

/**
 * otelc_span_exporter_create - create a registered exporter by name
 * ("console", "file", "memory", "otlp", "jaeger", "none" ... as built in).
 * Configured from the loaded configuration (see otelc/config.h).
 * @return the exporter, or NULL with *status set to OTELC_ENOTFOUND (no
 *         such name), OTELC_EUNSUPPORTED (known but not built) or another
 *         error, with one diagnostic line.  "none" returns NULL with
 *         OTELC_OK.
 * Since: 0.1.
 * Thread-safety: any thread.  Blocking: may open files or connections (the
 * exporter's constructor).
 */
OTELC_API otelc_span_exporter *otelc_span_exporter_create(const char *name,
                                                          otelc_status *status);

/* ---- Processors ------------------------------------------------------------
 */

/**
 * Options of the batch processor.  Zero fields take the value of the
 * OTEL_BSP_* variable, else the specification's default.
 */
typedef struct otelc_batch_options {
    uint32_t schedule_delay_ms;     /* OTEL_BSP_SCHEDULE_DELAY, 5000 */
    uint32_t export_timeout_ms;     /* OTEL_BSP_EXPORT_TIMEOUT, 30000 */
    uint32_t max_queue_size;        /* OTEL_BSP_MAX_QUEUE_SIZE, 2048 */
    uint32_t max_export_batch_size; /* OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512 */
} otelc_batch_options;

/** Counters of a processor, for self-monitoring.  All monotonic except
 *  queue_depth. */
typedef struct otelc_processor_stats {
    uint64_t spans_received;     /* ended sampled spans offered */
    uint64_t spans_exported;     /* accepted by the exporter */
    uint64_t dropped_queue_full; /* the queue was full */
    uint64_t dropped_export;     /* export failed or retries ran out */
    uint64_t dropped_shutdown;   /* still queued when shutdown's deadline hit */
    uint64_t dropped_rejected; /* rejected by the receiver (partial success) */
    uint64_t export_calls;     /* export_spans() calls, retries included */
    uint64_t export_failures;  /* calls that did not return SUCCESS */
    uint64_t export_retries;   /* calls that were retries */
    uint64_t queue_depth;      /* spans waiting now (approximate) */
} otelc_processor_stats;

/**
 * otelc_simple_span_processor_new - export each span synchronously on the
 * thread that ends it.  For tests and debugging only: it blocks the caller
 * on the exporter.  Takes ownership of `exporter`.
 * Since: 0.1.
 * Thread-safety: any thread.  Blocking: never (but the processor blocks span
 * ends).
 */
OTELC_API otelc_span_processor *
otelc_simple_span_processor_new(otelc_span_exporter *exporter);

/**
 * otelc_batch_span_processor_new - the production processor: bounded
 * queue, background worker, batching.  Takes ownership of `exporter`,
 * even on failure.
 * @param options  NULL = environment and defaults.  Invalid values (batch
 *                 larger than queue, zero...) are corrected with one
 *                 diagnostic line each.
 * @return the processor (owned by the provider once added), or NULL.
 * Thread-safety: any thread.  Blocking: starts a thread.  Since: 0.1.
 */
OTELC_API otelc_span_processor *
otelc_batch_span_processor_new(otelc_span_exporter *exporter,
                               const otelc_batch_options *options);

/** otelc_span_processor_stats - copy a processor's counters.  Since: 0.1.
 *  Thread-safety: any thread; the numbers are a near-instant snapshot.
 * Blocking: never. */
OTELC_API void otelc_span_processor_stats(const otelc_span_processor *processor,
                                          otelc_processor_stats *out);

/** otelc_span_processor_name - "batch(otlp_grpc)", "simple(memory)"...
 *  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const char *
otelc_span_processor_name(const otelc_span_processor *processor);

/** otelc_span_processor_free - free a processor never added to a provider;
 *  NULL is accepted.  Since: 0.1.
 *  Thread-safety: no other use concurrently.  Blocking: up to 5 s (shuts the
 * worker down). */
OTELC_API void otelc_span_processor_free(otelc_span_processor *processor);

/**
 * otelc_tracer_provider_processor - the i-th processor of a provider, or
 * NULL past the end.  Borrowed for the provider's lifetime.  Since: 0.1.
 * Thread-safety: safe from any thread (read-only).  Blocking: never.
 */
OTELC_API otelc_span_processor *
otelc_tracer_provider_processor(const otelc_tracer_provider *provider,
                                size_t index);

/** Counters of a tracer provider. */
typedef struct otelc_tracer_stats {
    uint64_t spans_started;       /* all spans, sampled or not */
    uint64_t spans_sampled;       /* recording spans started */
    uint64_t spans_ended;         /* recording spans ended */
    uint64_t spans_not_recording; /* non-recording spans started */
} otelc_tracer_stats;

/** otelc_tracer_provider_stats - sum the per-thread counters.  Exact once
 *  the threads that started spans are quiet.  Since: 0.1.
 *  Thread-safety: any thread.  Blocking: takes the provider's bookkeeping lock
 * briefly. */
OTELC_API void
otelc_tracer_provider_stats(const otelc_tracer_provider *provider,
                            otelc_tracer_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_EXPORT_H */
