/*
 * otelc/context.h - span contexts, the per-thread current-context stack,
 * and contexts captured on one thread and attached on another.
 *
 * Model.  Each thread has a stack of "current" entries.  The top entry
 * decides the parent of a span started without an explicit parent, the
 * span that TRACE_ATTR_* and friends act on, and the trace_id/span_id that
 * log records carry.  An entry is either a live span made current with
 * otelc_span_make_current() (the TRACE_SPAN macros do this), or a context
 * (for example one extracted from request headers, or captured on another
 * thread) attached with otelc_context_attach().  Both return an
 * otelc_scope token; otelc_scope_end() pops back to it.
 *
 * Span contexts are plain values and may be copied freely.  Contexts
 * (otelc_context) are heap objects because they also own a trace state and
 * baggage: create them with otelc_context_capture() or
 * otelc_context_new(), free them with otelc_context_free().
 */
#ifndef OTELC_CONTEXT_H
#define OTELC_CONTEXT_H

#include "otelc/common.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** W3C trace-flags bit: the caller may have recorded this trace. */
#define OTELC_TRACE_FLAG_SAMPLED 0x01u
/** W3C Level 2 trace-flags bit: the trace id's right 7 bytes are random. */
#define OTELC_TRACE_FLAG_RANDOM 0x02u

/** The identity of a span, as propagated between services. */
typedef struct otelc_span_context {
    uint8_t trace_id[16]; /* all zero = invalid */
    uint8_t span_id[8];   /* all zero = invalid */
    uint8_t trace_flags;  /* OTELC_TRACE_FLAG_* bits */
    bool is_remote;       /* true when extracted from another process */
} otelc_span_context;

typedef struct otelc_span otelc_span;
typedef struct otelc_context otelc_context;
typedef struct otelc_baggage otelc_baggage;

/** Token returned when something is made current; pass it to
 *  otelc_scope_end().  Treat as opaque. */
typedef struct otelc_scope {
    uint32_t depth;
} otelc_scope;

/**
 * otelc_span_context_is_valid - true when both ids have a non-zero byte.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API bool otelc_span_context_is_valid(const otelc_span_context *sc);

/**
 * otelc_span_context_is_sampled - true when the sampled flag is set.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API bool otelc_span_context_is_sampled(const otelc_span_context *sc);

/**
 * otelc_trace_id_to_hex / otelc_span_id_to_hex - lowercase hex, as W3C
 * traceparent writes them.
 *
 * @param id   16 (trace) or 8 (span) bytes.
 * @param out  buffer of at least 33 (trace) or 17 (span) bytes; always
 *             NUL-terminated.
 * @return out.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API char *otelc_trace_id_to_hex(const uint8_t id[16], char out[33]);
OTELC_API char *otelc_span_id_to_hex(const uint8_t id[8], char out[17]);

/**
 * otelc_trace_id_from_hex / otelc_span_id_from_hex - parse exactly 32 (16)
 * lowercase hex digits.  Uppercase, other characters, a wrong length or an
 * all-zero id give OTELC_EPARSE and leave `id` zeroed.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_trace_id_from_hex(const char *hex, size_t len,
                                               uint8_t id[16]);
OTELC_API otelc_status otelc_span_id_from_hex(const char *hex, size_t len,
                                              uint8_t id[8]);

/**
 * otelc_span_current - the span on top of this thread's context stack.
 *
 * @return the span, or NULL when the stack is empty or its top is an
 *         attached context rather than a live span.  Borrowed: valid until
 *         that span is ended.
 * Thread-safety: reads only the calling thread's stack.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API otelc_span *otelc_span_current(void);

/**
 * otelc_current_span_context - the span context new spans on this thread
 * would use as parent; all zero (invalid) when there is none.
 * Thread-safety: calling thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_span_context otelc_current_span_context(void);

/**
 * otelc_span_make_current - push a live span on this thread's stack.
 *
 * The span stays current until otelc_scope_end() is called with the
 * returned token (or a token below it).  The span must not be ended while
 * it is current: end the scope first.  A NULL span pushes an entry with no
 * span, which hides the spans below it (new spans become roots).
 *
 * Thread-safety: calling thread's stack only.  Blocking: never (the stack
 * grows by doubling, which may allocate when deeper than 64 entries).
 * Since: 0.1.
 */
OTELC_API otelc_scope otelc_span_make_current(otelc_span *span);

/**
 * otelc_scope_end - pop this thread's stack back to below `scope`.
 *
 * Entries pushed after `scope` are popped too (they were leaked by code
 * that did not end its own scopes, for instance after longjmp); each such
 * entry is reported once through diagnostics.  Ending a scope that is
 * already popped does nothing.
 *
 * Thread-safety: must be called on the thread that created the scope.
 * Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_scope_end(otelc_scope scope);

/**
 * otelc_scope_depth - the current depth of this thread's context stack.
 * With otelc_scope_unwind(), the way to recover after longjmp (see
 * otelc/macros.h).
 * Thread-safety: calling thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API uint32_t otelc_scope_depth(void);

/**
 * otelc_scope_unwind - pop this thread's stack down to `depth`, ending the
 * spans that scoped macros (TRACE_SPAN...) pushed above it, as if their
 * blocks had been left normally.  Spans made current by hand are popped
 * but not ended.
 * Thread-safety: calling thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_scope_unwind(uint32_t depth);

/**
 * otelc_context_new - build a context from a span context, an optional
 * W3C tracestate header value and optional baggage.
 *
 * @param sc           copied.  An invalid span context gives a context
 *                     with no span (it may still carry baggage).
 * @param trace_state  copied; NULL or "" for none.  Not validated here:
 *                     the propagators validate what they extract.
 * @param baggage      a new reference is taken; NULL for none.
 * @return a new context, freed with otelc_context_free(); NULL only when
 *         memory is exhausted.
 * Thread-safety: safe from any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_context *otelc_context_new(const otelc_span_context *sc,
                                           const char *trace_state,
                                           const otelc_baggage *baggage);

/**
 * otelc_context_capture - snapshot this thread's current context (span
 * context, trace state and baggage) so that another thread can attach it
 * and start children of the current span.
 *
 * The snapshot holds no reference to the span object itself, so the span
 * may end at any time.  Free with otelc_context_free().
 * @return the context (with an invalid span context when nothing is
 *         current), or NULL when memory is exhausted.
 * Thread-safety: reads the calling thread's stack.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API otelc_context *otelc_context_capture(void);

/**
 * otelc_context_attach - push a context on this thread's stack: spans
 * started without an explicit parent become its children.
 *
 * @param ctx  borrowed until the returned scope ends; NULL pushes an
 *             empty entry (new spans become roots).
 * Thread-safety: calling thread's stack only.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API otelc_scope otelc_context_attach(const otelc_context *ctx);

/** otelc_context_free - free a context; NULL is accepted.
 *  Thread-safety: any thread, but not concurrently with other use of ctx
 *  (and never while it is attached).  Blocking: never.  Since: 0.1. */
OTELC_API void otelc_context_free(otelc_context *ctx);

/** otelc_context_span_context - the span context held by ctx (all zero
 *  when NULL or none).  Thread-safety: read-only.  Since: 0.1.
 *  Blocking: never. */
OTELC_API otelc_span_context
otelc_context_span_context(const otelc_context *ctx);

/** otelc_context_trace_state - the tracestate held by ctx: never NULL,
 *  "" when none.  Borrowed: valid until ctx is freed.  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const char *otelc_context_trace_state(const otelc_context *ctx);

/** otelc_context_baggage - the baggage held by ctx, or NULL.  Borrowed:
 *  valid until ctx is freed.  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const otelc_baggage *otelc_context_baggage(const otelc_context *ctx);

/** otelc_current_baggage - the baggage of this thread's current context,
 *  or NULL.  Borrowed: valid until the entry that carries it is popped.
 *  Since: 0.1.
 *  Thread-safety: calling thread's stack only.  Blocking: never. */
OTELC_API const otelc_baggage *otelc_current_baggage(void);

/** Longest request id kept (longer ids are truncated). */
#define OTELC_REQUEST_ID_MAX 128

/**
 * otelc_request_id_set - set (copy) the calling thread's current request
 * id, or clear it with NULL.  The server instrumentation sets it for the
 * duration of each request; log records and error reports carry it when
 * LOG_CORRELATION_ID is on.  Ids longer than OTELC_REQUEST_ID_MAX - 1 bytes
 * are truncated.
 * Thread-safety: calling thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_request_id_set(const char *request_id);

/**
 * otelc_request_id_current - the calling thread's current request id, or
 * NULL when none is set.  Borrowed: valid until the next
 * otelc_request_id_set() on this thread.
 * Thread-safety: calling thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API const char *otelc_request_id_current(void);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_CONTEXT_H */
