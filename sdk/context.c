/*
 * sdk/context.c - the per-thread current-context stack, contexts that cross
 * threads, and the scoped spans behind TRACE_SPAN.
 *
 * The stack holds borrowed pointers only: a span made current must outlive
 * its scope (TRACE_SPAN guarantees the order: pop, then end), and an
 * attached context must outlive its scope.  Pushing and popping touch only
 * the calling thread's state.
 */
#include <stdlib.h>

#include "sdk/span_int.h"

#include "otelc/baggage.h"

static inline const otelc_baggage *top_baggage(const otelc__thread *t) {
    return t->depth ? t->stack[t->depth - 1].baggage : NULL;
}

static otelc_scope push(otelc__thread *t, otelc_span *span,
                        const otelc_context *ctx, const otelc_baggage *bag,
                        bool scoped) {
    otelc_scope sc = {t->depth};
    if (OTELC_UNLIKELY(t->depth == t->cap) && !otelc__stack_grow(t)) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "context stack: out of memory at depth "
                    "%u; span not made current",
                    t->depth);
        sc.depth = UINT32_MAX; /* ending this scope does nothing */
        return sc;
    }
    otelc__ctx_entry *e = &t->stack[t->depth++];
    e->span = span;
    e->ctx = ctx;
    e->baggage = bag;
    e->scoped = scoped;
    return sc;
}

OTELC_API otelc_scope otelc_span_make_current(otelc_span *span) {
    otelc__thread *t = otelc__thread_get();
    if (!t)
        return (otelc_scope){UINT32_MAX};
    return push(t, span, NULL, top_baggage(t), false);
}

OTELC_API otelc_scope otelc_context_attach(const otelc_context *ctx) {
    otelc__thread *t = otelc__thread_get();
    if (!t)
        return (otelc_scope){UINT32_MAX};
    return push(t, NULL, ctx, ctx ? ctx->baggage : NULL, false);
}

static void pop_to(otelc__thread *t, uint32_t depth, bool end_scoped) {
    while (t->depth > depth) {
        otelc__ctx_entry *e = &t->stack[--t->depth];
        if (end_scoped && e->scoped && e->span) {
            e->span->scoped = 0;
            otelc_span_end(e->span);
        }
    }
}

OTELC_API void otelc_scope_end(otelc_scope scope) {
    otelc__thread *t = otelc__tls;
    if (!t || scope.depth >= t->depth)
        return;
    if (t->depth > scope.depth + 1)
        otelc__diag(OTELC_DIAG_WARN,
                    "otelc_scope_end: %u inner scope(s) were not ended; "
                    "popping them too",
                    t->depth - scope.depth - 1);
    pop_to(t, scope.depth, false);
}

OTELC_API uint32_t otelc_scope_depth(void) {
    otelc__thread *t = otelc__tls;
    return t ? t->depth : 0;
}

OTELC_API void otelc_scope_unwind(uint32_t depth) {
    otelc__thread *t = otelc__tls;
    if (t)
        pop_to(t, depth, true);
}

OTELC_API otelc_span *otelc_span_current(void) {
    otelc__thread *t = otelc__tls;
    if (!t || !t->depth)
        return NULL;
    return t->stack[t->depth - 1].span;
}

OTELC_API otelc_span_context otelc_current_span_context(void) {
    otelc_span_context z;
    otelc__thread *t = otelc__tls;
    if (t && t->depth) {
        const otelc__ctx_entry *e = &t->stack[t->depth - 1];
        if (e->span)
            return e->span->d.context;
        if (e->ctx)
            return e->ctx->sc;
    }
    memset(&z, 0, sizeof z);
    return z;
}

OTELC_API const otelc_baggage *otelc_current_baggage(void) {
    otelc__thread *t = otelc__tls;
    return t ? top_baggage(t) : NULL;
}

/* ---- contexts
 * ------------------------------------------------------------------ */

OTELC_API otelc_context *otelc_context_new(const otelc_span_context *sc,
                                           const char *trace_state,
                                           const otelc_baggage *baggage) {
    otelc_context *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (sc && otelc_span_context_is_valid(sc)) {
        c->sc = *sc;
        if (trace_state && trace_state[0]) {
            c->tstate = otelc__tracestate_new(trace_state, strlen(trace_state));
            if (!c->tstate) {
                free(c);
                return NULL;
            }
        }
    }
    c->baggage = otelc__baggage_retain(baggage);
    return c;
}

OTELC_API otelc_context *otelc_context_capture(void) {
    otelc_context *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    otelc__thread *t = otelc__tls;
    if (t && t->depth) {
        const otelc__ctx_entry *e = &t->stack[t->depth - 1];
        if (e->span) {
            c->sc = e->span->d.context;
            c->tstate = otelc__tracestate_retain(e->span->tstate);
        } else if (e->ctx) {
            c->sc = e->ctx->sc;
            c->tstate = otelc__tracestate_retain(e->ctx->tstate);
        }
        c->baggage = otelc__baggage_retain(e->baggage);
    }
    return c;
}

OTELC_API void otelc_context_free(otelc_context *c) {
    if (!c)
        return;
    otelc__tracestate_release(c->tstate);
    otelc__baggage_release(c->baggage);
    free(c);
}

OTELC_API otelc_span_context
otelc_context_span_context(const otelc_context *c) {
    otelc_span_context z;
    if (c)
        return c->sc;
    memset(&z, 0, sizeof z);
    return z;
}

OTELC_API const char *otelc_context_trace_state(const otelc_context *c) {
    return c ? otelc__tracestate_str(c->tstate) : "";
}

OTELC_API const otelc_baggage *otelc_context_baggage(const otelc_context *c) {
    return c ? c->baggage : NULL;
}

/* ---- scoped spans (the TRACE_SPAN macros, instrumentation/) ---- */

otelc_scope otelc__scope_push_scoped(otelc_span *span) {
    otelc__thread *t = otelc__tls;
    if (!t)
        return (otelc_scope){UINT32_MAX};
    span->scoped = 1;
    return push(t, span, NULL, top_baggage(t), true);
}

bool otelc__scope_pop_scoped(otelc_scope scope, otelc_span *span) {
    otelc__thread *t = otelc__tls;
    /* The entry may already be gone if otelc_scope_unwind() ended it (after
     * a longjmp); then the span was ended there. */
    if (!t || scope.depth >= t->depth || t->stack[scope.depth].span != span)
        return false;
    if (t->depth > scope.depth + 1)
        pop_to(t, scope.depth + 1, true);
    t->depth = scope.depth;
    return true;
}

OTELC_API otelc_scope otelc_baggage_attach(const otelc_baggage *baggage) {
    otelc__thread *t = otelc__thread_get();
    if (!t)
        return (otelc_scope){UINT32_MAX};
    /* Same span (or context) as the top entry, new baggage. */
    otelc_span *span = t->depth ? t->stack[t->depth - 1].span : NULL;
    const otelc_context *ctx = t->depth ? t->stack[t->depth - 1].ctx : NULL;
    return push(t, span, ctx, baggage, false);
}

/* ---- request ids ------------------------------------------------------------
 */

OTELC_API void otelc_request_id_set(const char *id) {
    otelc__thread *t = otelc__thread_get();
    if (!t)
        return;
    if (!id) {
        t->request_id[0] = '\0';
        return;
    }
    size_t n = strlen(id);
    if (n >= sizeof t->request_id)
        n = otelc__utf8_prefix(id, sizeof t->request_id - 1,
                               sizeof t->request_id - 1);
    memcpy(t->request_id, id, n);
    t->request_id[n] = '\0';
}

OTELC_API const char *otelc_request_id_current(void) {
    otelc__thread *t = otelc__tls;
    return t && t->request_id[0] ? t->request_id : NULL;
}
