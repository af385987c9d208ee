/*
 * instrumentation/scoped_span.c - the functions behind TRACE_SPAN and its
 * friends (include/otelc/macros.h).
 *
 * A scoped span is started, pushed on the context stack marked "scoped"
 * (so otelc_scope_unwind() can end it after a longjmp), and popped and
 * ended by the cleanup handler the macro attaches to its variable.
 */
#include "sdk/span_int.h"

#include "otelc/macros.h"

OTELC_API otelc_scoped_span otelc_scoped_span_begin(otelc_tracer *tracer,
                                                    const char *name,
                                                    otelc_span_kind kind) {
    otelc_scoped_span ss = {NULL, {UINT32_MAX}, 1};
    otelc_span_start_options o = {.kind = kind};
    ss.span = otelc_span_start(tracer, name,
                               kind == OTELC_SPAN_KIND_INTERNAL ? NULL : &o);
    if (ss.span)
        ss.scope = otelc__scope_push_scoped(ss.span);
    return ss;
}

OTELC_API void otelc_scoped_span_end(otelc_scoped_span *ss) {
    if (!ss->span)
        return;
    if (otelc__scope_pop_scoped(ss->scope, ss->span) ||
        ss->scope.depth == UINT32_MAX)
        otelc_span_end(ss->span);
    ss->span = NULL;
}
