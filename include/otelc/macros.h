/*
 * otelc/macros.h - scoped spans for C: TRACE_SPAN and friends.
 *
 *   TRACE_SPAN("load_config") {
 *       TRACE_ATTR_STR("config.path", path);
 *       if (!ok) { TRACE_ERROR("cannot read %s", path); return -1; }
 *   }
 *
 * TRACE_SPAN(name) starts a span (child of the current one), makes it
 * current, runs the block, and ends it when the block is left by any path:
 * falling off the end, `return`, `goto` out of the block, or `break` /
 * `continue`.  It relies on GCC/Clang's __attribute__((cleanup)).
 *
 * Caveats, by design of C:
 *  - `break` and `continue` inside the block leave the TRACE_SPAN block
 *    itself (the macro is a one-shot `for` loop), not an enclosing loop.
 *  - `longjmp` out of the block skips the cleanup: the span is not ended and
 *    stays on this thread's context stack.  Record otelc_scope_depth()
 *    before setjmp() and call otelc_scope_unwind(depth) when setjmp returns
 *    a second time: it ends and pops every TRACE_SPAN span above that depth.
 *  - Spans are made current on the calling thread only.
 *
 * The macros use the tracer named by OTELC_TRACER, which defaults to the
 * global provider's "otelc" tracer; #define OTELC_TRACER to your own
 * otelc_tracer * expression before including this header to change it.
 */
#ifndef OTELC_MACROS_H
#define OTELC_MACROS_H

#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef OTELC_TRACER
#define OTELC_TRACER NULL
#endif

/** State of one scoped span; lives in the caller's stack frame. */
typedef struct otelc_scoped_span {
    otelc_span *span;
    otelc_scope scope;
    int once;
} otelc_scoped_span;

/**
 * otelc_scoped_span_begin - start a span and make it current (the TRACE_SPAN
 * macros call this).  Thread-safety: any thread.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API otelc_scoped_span otelc_scoped_span_begin(otelc_tracer *tracer,
                                                    const char *name,
                                                    otelc_span_kind kind);

/**
 * otelc_scoped_span_end - pop and end a scoped span (the cleanup handler of
 * the TRACE_SPAN macros).  Idempotent.  Same thread as the begin.
 * Since: 0.1.
 * Thread-safety: the thread that began it.  Blocking: never.
 */
OTELC_API void otelc_scoped_span_end(otelc_scoped_span *scoped);

/**
 * otelc_span_set_error - set status ERROR with a printf-formatted
 * description (truncated to 1023 bytes).  Since: 0.1.
 * Thread-safety: one thread per span at a time.  Blocking: never.
 */
OTELC_API void otelc_span_set_error(otelc_span *span, const char *fmt, ...)
    OTELC_PRINTF(2, 3);

#define OTELC__CAT2(a, b) a##b
#define OTELC__CAT(a, b) OTELC__CAT2(a, b)

#define OTELC__SCOPED_SPAN(var, name, kind)                                    \
    for (otelc_scoped_span var                                                 \
         __attribute__((cleanup(otelc_scoped_span_end))) =                     \
             otelc_scoped_span_begin(OTELC_TRACER, (name), (kind));            \
         var.once; var.once = 0)

/** TRACE_SPAN_KIND(name, kind) { ... } - a scoped span of a given kind. */
#define TRACE_SPAN_KIND(name, kind)                                            \
    OTELC__SCOPED_SPAN(OTELC__CAT(otelc__scoped_, __COUNTER__), name, kind)

/** TRACE_SPAN(name) { ... } - a scoped INTERNAL span. */
#define TRACE_SPAN(name) TRACE_SPAN_KIND(name, OTELC_SPAN_KIND_INTERNAL)

/** TRACE_FUNCTION() { ... } - a scoped span named after the function. */
#define TRACE_FUNCTION() TRACE_SPAN(__func__)

/** Attributes on the current span (no-ops when there is none). */
#define TRACE_ATTR_STR(key, value)                                             \
    otelc_span_set_attribute_str(otelc_span_current(), (key), (value))
#define TRACE_ATTR_INT(key, value)                                             \
    otelc_span_set_attribute_int(otelc_span_current(), (key), (int64_t)(value))
#define TRACE_ATTR_DOUBLE(key, value)                                          \
    otelc_span_set_attribute_double(otelc_span_current(), (key),               \
                                    (double)(value))
#define TRACE_ATTR_BOOL(key, value)                                            \
    otelc_span_set_attribute_bool(otelc_span_current(), (key), (bool)(value))

/** TRACE_EVENT(name, OTELC_ATTR_...(...), ...) - an event on the current
 *  span, with zero or more attributes. */
#define TRACE_EVENT(name, ...)                                                 \
    otelc_span_add_event(                                                      \
        otelc_span_current(), (name), (otelc_attribute[]){__VA_ARGS__},        \
        sizeof((otelc_attribute[]){__VA_ARGS__}) / sizeof(otelc_attribute))

/** TRACE_ERROR(fmt, ...) - mark the current span as failed, with a
 *  formatted description. */
#define TRACE_ERROR(...) otelc_span_set_error(otelc_span_current(), __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* OTELC_MACROS_H */
