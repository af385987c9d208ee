/*
 * instrumentation/instr_int.h - helpers shared by the HTTP instrumentation
 * (libcurl client, libmicrohttpd server).  Not installed.
 */
#ifndef OTELC_INSTR_INT_H
#define OTELC_INSTR_INT_H

#include <stdlib.h>

#include "sdk/span_int.h"

#include "otelc/version.h"

/* The instrumentation scope's tracer of the current global provider,
 * without taking the provider's tracer-table lock per request: the pair is
 * cached and looked up again only when the global provider changes.  The
 * provider is recognised by its process-unique id, so a new provider at a
 * freed one's address is never mistaken for it.  A replaced pair is kept,
 * chained behind the new one (another thread may still be reading it; a
 * few bytes per otelc_init), and the whole chain is freed by
 * otelc__instr_tracer_free() when its owner goes away. */
typedef struct otelc__tracer_pair {
    uint64_t provider_id;
    otelc_tracer *tracer;
    struct otelc__tracer_pair *older;
} otelc__tracer_pair;

static inline otelc_tracer *
otelc__instr_tracer(_Atomic(otelc__tracer_pair *) *cache, const char *scope) {
    otelc_tracer_provider *g = otelc_tracer_provider_global();
    otelc__tracer_pair *p = atomic_load_explicit(cache, memory_order_acquire);
    if (OTELC_LIKELY(p && p->provider_id == g->id))
        return p->tracer;
    otelc_tracer *t = otelc_tracer_get(g, scope, OTELC_VERSION_STRING);
    otelc__tracer_pair *n = malloc(sizeof *n);
    if (n) {
        n->provider_id = g->id;
        n->tracer = t;
        n->older = p;
        /* If another thread installed a pair meanwhile, keep ours out. */
        if (!atomic_compare_exchange_strong_explicit(
                cache, &p, n, memory_order_acq_rel, memory_order_acquire))
            free(n);
    }
    return t;
}

/* Free a cache's chain; nothing may use it any more. */
static inline void otelc__instr_tracer_free(_Atomic(otelc__tracer_pair *) *c) {
    otelc__tracer_pair *p = atomic_exchange(c, NULL);
    while (p) {
        otelc__tracer_pair *o = p->older;
        free(p);
        p = o;
    }
}

/* The semantic-convention form of an HTTP method: the known methods as
 * they are, anything else "_OTHER" (the original goes into
 * http.request.method_original). */
static inline const char *otelc__http_method_norm(const char *m) {
    static const char *const known[] = {"GET",     "HEAD",   "POST",
                                        "PUT",     "DELETE", "CONNECT",
                                        "OPTIONS", "TRACE",  "PATCH"};
    for (size_t i = 0; m && i < sizeof known / sizeof *known; i++)
        if (!strcmp(m, known[i]))
            return known[i];
    return "_OTHER";
}

#endif /* OTELC_INSTR_INT_H */
