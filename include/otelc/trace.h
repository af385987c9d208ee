/*
 * otelc/trace.h - tracer providers, tracers and spans.
 *
 * A tracer provider owns the configuration of tracing in a process: the
 * resource (who is producing telemetry), the sampler, the span limits and
 * the span processors that receive ended spans.  Tracers are obtained from
 * a provider by instrumentation scope (library name and version) and start
 * spans.  otelc_init() builds a provider from configuration and installs it
 * as the global one; libraries call otelc_tracer_get(NULL, ...) to use it.
 *
 * Spans.  otelc_span_start() returns a span handle that is valid until
 * otelc_span_end() (after which it must not be used: it is recycled).  Every
 * function taking an otelc_span * accepts NULL and does nothing, so code
 * running without an initialised SDK needs no checks.  A span that the
 * sampler drops is "non-recording": it still carries a span context for
 * propagation, but setters on it return at once and it costs no memory
 * allocation.
 *
 * Threads.  A span may be used from several threads, but the setters on
 * one span are not synchronised with each other: one thread at a time
 * (which is how spans are used in practice).  Starting and ending spans
 * never takes a lock that a background worker holds and never blocks.
 */
#ifndef OTELC_TRACE_H
#define OTELC_TRACE_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_tracer_provider otelc_tracer_provider;
typedef struct otelc_tracer otelc_tracer;
typedef struct otelc_resource otelc_resource;
typedef struct otelc_sampler otelc_sampler;
typedef struct otelc_span_processor otelc_span_processor;

/** Span kinds, numbered as OTLP numbers them. */
typedef enum otelc_span_kind {
    OTELC_SPAN_KIND_UNSPECIFIED = 0,
    OTELC_SPAN_KIND_INTERNAL = 1,
    OTELC_SPAN_KIND_SERVER = 2,
    OTELC_SPAN_KIND_CLIENT = 3,
    OTELC_SPAN_KIND_PRODUCER = 4,
    OTELC_SPAN_KIND_CONSUMER = 5
} otelc_span_kind;

/** Span status codes, numbered as OTLP numbers them. */
typedef enum otelc_status_code {
    OTELC_STATUS_UNSET = 0,
    OTELC_STATUS_OK = 1,
    OTELC_STATUS_ERROR = 2
} otelc_status_code;

/** A link to another span, given when a span starts or later. */
typedef struct otelc_link {
    otelc_span_context context; /* must be valid, or the link is ignored */
    const char *trace_state;    /* NULL or "" for none; copied */
    const otelc_attribute *attributes; /* copied */
    size_t attribute_count;
} otelc_link;

/**
 * Options for otelc_span_start().  Zero-initialise (or use designated
 * initialisers): every zero field means "the default".  Fields are only ever
 * appended.
 */
typedef struct otelc_span_start_options {
    otelc_span_kind kind;        /* 0 = INTERNAL */
    const otelc_context *parent; /* NULL = this thread's current context */
    bool root;                   /* true = ignore any parent: new trace */
    otelc_time_ns start_time;    /* 0 = now */
    const otelc_attribute *attributes; /* copied; seen by the sampler */
    size_t attribute_count;
    const otelc_link *links; /* copied; seen by the sampler */
    size_t link_count;
} otelc_span_start_options;

/**
 * Span limits.  Start from otelc_span_limits_default() and change fields.
 * A count of 0 allows none (every attribute, event or link is dropped and
 * counted); UINT32_MAX means no limit.  attribute_value_length truncates
 * strings to that many characters (UTF-8 code points, never splitting one)
 * and byte arrays to that many bytes; 0 means no limit.
 */
typedef struct otelc_span_limits {
    uint32_t attribute_count; /* OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT */
    uint32_t
        attribute_value_length;     /* OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT */
    uint32_t event_count;           /* OTEL_SPAN_EVENT_COUNT_LIMIT */
    uint32_t link_count;            /* OTEL_SPAN_LINK_COUNT_LIMIT */
    uint32_t event_attribute_count; /* OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT */
    uint32_t link_attribute_count;  /* OTEL_LINK_ATTRIBUTE_COUNT_LIMIT */
} otelc_span_limits;

/* ---- Tracer provider ---------------------------------------------------- */

/**
 * otelc_tracer_provider_new - create a tracer provider.
 *
 * Takes ownership of `resource` and `sampler`, even on failure.
 * @param resource  NULL = otelc_resource_default() (environment-derived).
 * @param sampler   NULL = the sampler OTEL_TRACES_SAMPLER selects (spec
 *                  default parentbased_always_on).
 * @return a provider with no processors, to be freed with
 *         otelc_tracer_provider_free(); NULL when memory is exhausted.
 * Thread-safety: safe from any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_tracer_provider *
otelc_tracer_provider_new(otelc_resource *resource, otelc_sampler *sampler);

/**
 * otelc_tracer_provider_add_processor - append a span processor; takes
 * ownership of `processor`, even on failure.  Every processor receives every
 * ended sampled span, in the order they were added.  At most 8.
 *
 * @return OTELC_OK, OTELC_EINVAL (NULL argument), OTELC_EFULL (already 8)
 *         or OTELC_ESHUTDOWN.
 * Thread-safety: safe while spans are being started (the new processor
 * sees spans that start after the call).  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_tracer_provider_add_processor(
    otelc_tracer_provider *provider, otelc_span_processor *processor);

/**
 * otelc_span_limits_default - the limits the configuration selects
 * (OTEL_SPAN_*_LIMIT, OTEL_ATTRIBUTE_*_LIMIT, else 128 per count and no
 * value length limit).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_span_limits otelc_span_limits_default(void);

/**
 * otelc_tracer_provider_set_limits - replace the span limits (copied).
 * Call before spans are started; spans already started keep their limits.
 * Thread-safety: not safe concurrently with span starts.  Since: 0.1.
 * Blocking: never.
 */
OTELC_API void
otelc_tracer_provider_set_limits(otelc_tracer_provider *provider,
                                 const otelc_span_limits *limits);

/**
 * otelc_tracer_provider_force_flush - export every span ended so far.
 *
 * @param timeout_ms  the call returns within this many milliseconds
 *                    (plus scheduling noise) whatever the exporters do.
 * @return OTELC_OK, or OTELC_ETIMEDOUT when some processor did not finish.
 * Thread-safety: safe from any thread.  Blocking: yes, up to timeout_ms.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_tracer_provider_force_flush(
    otelc_tracer_provider *provider, uint32_t timeout_ms);

/**
 * otelc_tracer_provider_shutdown - flush and stop every processor.
 *
 * Idempotent; spans started afterwards are non-recording.  Spans that could
 * not be exported before the deadline are counted as dropped.  Returns
 * within timeout_ms even when an exporter hangs (its worker is abandoned
 * and frees itself if it ever returns).
 * @return OTELC_OK, OTELC_ETIMEDOUT, or OTELC_ESHUTDOWN if already shut down.
 * Thread-safety: safe from any thread.  Blocking: yes, up to timeout_ms.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_tracer_provider_shutdown(
    otelc_tracer_provider *provider, uint32_t timeout_ms);

/**
 * otelc_tracer_provider_free - shut down (with a 5 s deadline if not yet
 * shut down) and free the provider, its tracers, processors, sampler and
 * resource.  NULL is accepted.  Spans of this provider must all have ended.
 * Must not be the global provider (reset it first).
 * Thread-safety: no other thread may use the provider.  Blocking: up to
 * 5 s.  Since: 0.1.
 */
OTELC_API void otelc_tracer_provider_free(otelc_tracer_provider *provider);

/**
 * otelc_tracer_provider_global - the global provider; never NULL.  Before
 * otelc_init() (and after otelc_shutdown()) it is a no-op provider whose
 * spans are non-recording and merely propagate their parent's context.
 * Thread-safety: safe from any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_tracer_provider *otelc_tracer_provider_global(void);

/**
 * otelc_tracer_provider_set_global - install `provider` as the global
 * provider (NULL restores the no-op one).  The caller keeps ownership and
 * must reset the global before freeing it.
 * Thread-safety: safe from any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void
otelc_tracer_provider_set_global(otelc_tracer_provider *provider);

/**
 * otelc_tracer_provider_resource - the provider's resource.  Borrowed:
 * valid until the provider is freed.  Since: 0.1.
 * Thread-safety: safe from any thread (read-only).  Blocking: never.
 */
OTELC_API const otelc_resource *
otelc_tracer_provider_resource(const otelc_tracer_provider *provider);

/* ---- Tracers --------------------------------------------------------------
 */

/**
 * otelc_tracer_get - the tracer for an instrumentation scope.
 *
 * @param provider  NULL = the global provider.
 * @param name      the instrumentation library's name; NULL or "" gives a
 *                  working tracer with an empty name and one diagnostic.
 * @param version   NULL for none.
 * @return a tracer owned by the provider (valid until it is freed); the
 *         same pointer for the same (name, version).  Never NULL.
 * Thread-safety: safe from any thread.  Blocking: takes the provider's
 * tracer-table lock (not a hot path: keep the tracer).  Since: 0.1.
 */
OTELC_API otelc_tracer *otelc_tracer_get(otelc_tracer_provider *provider,
                                         const char *name, const char *version);

/**
 * otelc_default_tracer - the global provider's tracer for scope "otelc",
 * used by the TRACE_SPAN macros.  Never NULL.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_tracer *otelc_default_tracer(void);

/* ---- Spans ----------------------------------------------------------------
 */

/**
 * otelc_span_start - start a span.
 *
 * The span is NOT made current; use otelc_span_make_current() or the
 * TRACE_SPAN macros.  Its parent is opts->parent, else (unless opts->root)
 * this thread's current context.  A root span gets a new trace id; a child
 * inherits its parent's trace id and trace state.  The sampler is asked
 * after the trace id is known; a new span id is always generated.
 *
 * @param tracer  NULL = otelc_default_tracer().
 * @param name    copied; NULL is treated as "".
 * @param opts    NULL = all defaults.
 * @return the span (end it with otelc_span_end()), or NULL when the
 *         provider is shut down or the span pool cannot grow.
 * Thread-safety: any thread.  Blocking: never; an unsampled span
 * allocates nothing.  Since: 0.1.
 */
OTELC_API otelc_span *otelc_span_start(otelc_tracer *tracer, const char *name,
                                       const otelc_span_start_options *opts);

/**
 * otelc_span_end / otelc_span_end_at - end a span (now, or at end_time;
 * 0 means now; a time before the start is clamped to the start).
 *
 * The handle is invalid afterwards.  Ending a span hands it to the
 * processors: it never waits for an exporter.  A second end of the same
 * handle is a use-after-end bug (debug builds abort); ending NULL is a no-op.
 * Thread-safety: any thread, once.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_span_end(otelc_span *span);
OTELC_API void otelc_span_end_at(otelc_span *span, otelc_time_ns end_time);

/** otelc_span_is_recording - true when setters on the span have effect.
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API bool otelc_span_is_recording(const otelc_span *span);

/** otelc_span_get_context - the span's span context (all zero for NULL).
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_span_context otelc_span_get_context(const otelc_span *span);

/** otelc_span_get_trace_state - the span's W3C tracestate, "" when none.
 *  Borrowed until the span ends.  Since: 0.1.
 *  Thread-safety: any thread.  Blocking: never. */
OTELC_API const char *otelc_span_get_trace_state(const otelc_span *span);

/**
 * otelc_span_set_attribute - set one attribute (replacing the value of an
 * existing key).  Key and value are copied.  Beyond the attribute count
 * limit a new key is dropped and counted; strings longer than the value
 * length limit are truncated.  An empty or NULL key, or a value of type
 * OTELC_VALUE_NONE, is ignored.
 * Thread-safety: one thread per span at a time.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API void otelc_span_set_attribute(otelc_span *span, const char *key,
                                        const otelc_value *value);
OTELC_API void otelc_span_set_attributes(otelc_span *span,
                                         const otelc_attribute *attributes,
                                         size_t count);
OTELC_API void otelc_span_set_attribute_str(otelc_span *span, const char *key,
                                            const char *value);
OTELC_API void otelc_span_set_attribute_str_n(otelc_span *span, const char *key,
                                              const char *value, size_t len);
OTELC_API void otelc_span_set_attribute_int(otelc_span *span, const char *key,
                                            int64_t value);
OTELC_API void otelc_span_set_attribute_double(otelc_span *span,
                                               const char *key, double value);
OTELC_API void otelc_span_set_attribute_bool(otelc_span *span, const char *key,
                                             bool value);

/**
 * otelc_span_add_event / otelc_span_add_event_at - add a timestamped event
 * (time 0 = now).  Name and attributes are copied.  Beyond the event count
 * limit the event is dropped and counted.
 * Thread-safety: one thread per span at a time.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API void otelc_span_add_event(otelc_span *span, const char *name,
                                    const otelc_attribute *attributes,
                                    size_t count);
OTELC_API void otelc_span_add_event_at(otelc_span *span, const char *name,
                                       otelc_time_ns time,
                                       const otelc_attribute *attributes,
                                       size_t count);

/** otelc_span_add_link - add a link after start (copied; an invalid span
 *  context is ignored; beyond the link limit it is dropped and counted).
 *  Since: 0.1.
 *  Thread-safety: one thread per span at a time.  Blocking: never. */
OTELC_API void otelc_span_add_link(otelc_span *span, const otelc_link *link);

/**
 * otelc_span_set_status - set the status.  Per the specification: UNSET is
 * ignored; the description is kept only with ERROR; once OK is set the
 * status is final.  description may be NULL; it is copied.
 * Since: 0.1.
 * Thread-safety: one thread per span at a time.  Blocking: never.
 */
OTELC_API void otelc_span_set_status(otelc_span *span, otelc_status_code code,
                                     const char *description);

/** otelc_span_update_name - replace the span's name (copied).  Since: 0.1.
 *  Thread-safety: one thread per span at a time.  Blocking: never. */
OTELC_API void otelc_span_update_name(otelc_span *span, const char *name);

/**
 * otelc_span_record_exception - add the specification's "exception" event
 * with exception.type, exception.message and exception.stacktrace (each
 * omitted when NULL) plus any extra attributes.  It does not set the
 * status: call otelc_span_set_status() too if the exception is an error.
 * Since: 0.1.
 * Thread-safety: one thread per span at a time.  Blocking: never.
 */
OTELC_API void otelc_span_record_exception(otelc_span *span, const char *type,
                                           const char *message,
                                           const char *stacktrace,
                                           const otelc_attribute *attributes,
                                           size_t count);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_TRACE_H */
