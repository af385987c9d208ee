/*
 * sdk/tracer.c - tracer providers, tracers, and span start/end.
 *
 * The start path, in order (the specification's order): find the parent
 * (explicit context, else this thread's current entry, unless root), take
 * or generate the trace id, generate the span id, ask the sampler, then take
 * a record from the thread's pool.  A dropped span still takes a record:
 * the record is the handle that carries its context, but nothing is
 * copied into it and it goes straight back to the pool at end.
 *
 * The end path hands the span to each processor.  Processors that keep it
 * (the batch processor) release it later from their worker; refs counts
 * them.  No lock is taken on either path: processors are read from a
 * fixed array published with an atomic count, and statistics are
 * per-thread counters summed on read.
 */
#include <stdlib.h>

#include "sdk/span_int.h"

void otelc__span_init_recording(otelc_span *s);
void otelc__span_set_name(otelc_span *s, const char *name);
void otelc__span_add_link(otelc_span *s, const otelc_link *link);

/* ---- the no-op provider ------------------------------------------------- */

static otelc_tracer_provider g_noop = {
    .id = 0,
    .noop = true,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .limits = {128, 0, 128, 128, 128, 128},
    .default_tracer = {&g_noop, {"otelc", ""}, NULL},
};
static _Atomic(otelc_tracer_provider *) g_global = &g_noop;

OTELC_API otelc_tracer_provider *otelc_tracer_provider_global(void) {
    return atomic_load_explicit(&g_global, memory_order_acquire);
}

OTELC_API void otelc_tracer_provider_set_global(otelc_tracer_provider *p) {
    atomic_store_explicit(&g_global, p ? p : &g_noop, memory_order_release);
}

OTELC_API otelc_tracer *otelc_default_tracer(void) {
    return &otelc_tracer_provider_global()->default_tracer;
}

/* ---- provider lifecycle ----------------------------------------------------
 */

OTELC_API otelc_tracer_provider *
otelc_tracer_provider_new(otelc_resource *resource, otelc_sampler *sampler) {
    otelc_tracer_provider *p = calloc(1, sizeof *p);
    if (!p) {
        otelc_resource_free(resource);
        otelc_sampler_free(sampler);
        return NULL;
    }
    p->id = otelc__next_owner_id();
    p->resource = resource ? resource : otelc_resource_default();
    p->sampler = sampler ? sampler : otelc_sampler_from_config();
    if (!p->resource || !p->sampler) {
        otelc_resource_free(p->resource);
        otelc_sampler_free(p->sampler);
        free(p);
        return NULL;
    }
    otelc__span_limits_from_config(&p->limits);
    pthread_mutex_init(&p->lock, NULL);
    p->default_tracer.provider = p;
    p->default_tracer.scope.name = "otelc";
    p->default_tracer.scope.version = "";
    return p;
}

OTELC_API otelc_status otelc_tracer_provider_add_processor(
    otelc_tracer_provider *p, otelc_span_processor *proc) {
    if (!p || !proc || p->noop) {
        otelc_span_processor_free(proc);
        return OTELC_EINVAL;
    }
    if (atomic_load(&p->shut)) {
        otelc_span_processor_free(proc);
        return OTELC_ESHUTDOWN;
    }
    pthread_mutex_lock(&p->lock);
    uint32_t n = atomic_load(&p->nprocs);
    if (n >= OTELC__MAX_PROCESSORS) {
        pthread_mutex_unlock(&p->lock);
        otelc__diag(OTELC_DIAG_ERROR,
                    "tracer provider: at most %d processors; %s not added",
                    OTELC__MAX_PROCESSORS, proc->name);
        otelc_span_processor_free(proc);
        return OTELC_EFULL;
    }
    p->procs[n] = proc;
    atomic_store_explicit(&p->nprocs, n + 1, memory_order_release);
    pthread_mutex_unlock(&p->lock);
    return OTELC_OK;
}

OTELC_API otelc_span_processor *
otelc_tracer_provider_processor(const otelc_tracer_provider *p, size_t i) {
    if (!p || i >= atomic_load(&p->nprocs))
        return NULL;
    return p->procs[i];
}

OTELC_API void otelc_tracer_provider_set_limits(otelc_tracer_provider *p,
                                                const otelc_span_limits *l) {
    if (!p || p->noop || !l)
        return;
    p->limits = *l;
}

OTELC_API const otelc_resource *
otelc_tracer_provider_resource(const otelc_tracer_provider *p) {
    if (!p || p->noop)
        return otelc__resource_noop();
    return p->resource;
}

static uint64_t deadline_after(uint32_t timeout_ms) {
    return otelc__mono_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* With several processors, ask all of them to flush before waiting for
 * any: a flush whose deadline has passed only queues the request (batch
 * processors) and returns.  Otherwise an exporter that is failing (and
 * retrying until the deadline) would leave the processors after it no
 * time at all, and one dead collector would hold back every exporter. */
static void kick_flush(otelc_tracer_provider *p, uint32_t n) {
    if (n < 2)
        return;
    for (uint32_t i = 0; i < n; i++) {
        otelc_span_processor *proc = p->procs[i];
        if (proc->ops->force_flush)
            proc->ops->force_flush(proc->state, 1);
    }
}

OTELC_API otelc_status otelc_tracer_provider_force_flush(
    otelc_tracer_provider *p, uint32_t timeout_ms) {
    if (!p || p->noop)
        return OTELC_OK;
    uint64_t deadline = deadline_after(timeout_ms);
    otelc_status st = OTELC_OK;
    uint32_t n = atomic_load(&p->nprocs);
    kick_flush(p, n);
    for (uint32_t i = 0; i < n; i++) {
        otelc_span_processor *proc = p->procs[i];
        if (proc->ops->force_flush &&
            proc->ops->force_flush(proc->state, deadline) != OTELC_OK)
            st = OTELC_ETIMEDOUT;
    }
    return st;
}

OTELC_API otelc_status otelc_tracer_provider_shutdown(otelc_tracer_provider *p,
                                                      uint32_t timeout_ms) {
    if (!p || p->noop)
        return OTELC_OK;
    if (atomic_exchange(&p->shut, 1))
        return OTELC_ESHUTDOWN;
    uint64_t deadline = deadline_after(timeout_ms);
    otelc_status st = OTELC_OK;
    uint32_t n = atomic_load(&p->nprocs);
    /* Processors shut down one after another but share one deadline, so the
     * whole call is bounded by timeout_ms; every one starts draining at
     * once (kick_flush), so a slow one does not eat the others' time. */
    kick_flush(p, n);
    for (uint32_t i = 0; i < n; i++) {
        otelc_span_processor *proc = p->procs[i];
        if (proc->ops->shutdown &&
            proc->ops->shutdown(proc->state, deadline) != OTELC_OK)
            st = OTELC_ETIMEDOUT;
    }
    if (st != OTELC_OK)
        atomic_store(&p->abandoned, 1);
    return st;
}

OTELC_API void otelc_tracer_provider_free(otelc_tracer_provider *p) {
    if (!p || p->noop)
        return;
    if (otelc_tracer_provider_global() == p) {
        otelc__diag(OTELC_DIAG_ERROR, "otelc_tracer_provider_free: the "
                                      "provider is still global; resetting");
        otelc_tracer_provider_set_global(NULL);
    }
    if (!atomic_load(&p->shut))
        otelc_tracer_provider_shutdown(p, 5000);
    uint32_t n = atomic_load(&p->nprocs);
    for (uint32_t i = 0; i < n; i++)
        otelc_span_processor_free(p->procs[i]);
    if (atomic_load(&p->abandoned)) {
        /* A worker abandoned inside a hung export still holds spans whose
         * data points at this provider's resource and tracers (scopes): if
         * its export ever returns it may read them.  Keep them, and the
         * provider, alive; the memory is small and bounded by the number of
         * timed-out shutdowns. */
        otelc__diag(OTELC_DIAG_DEBUG, "tracer provider freed after a timed-out "
                                      "shutdown: its resource is kept alive");
        return;
    }
    for (otelc_tracer *t = p->tracers; t;) {
        otelc_tracer *next = t->next;
        free(t);
        t = next;
    }
    for (otelc__tracer_counters *c = p->counters; c;) {
        otelc__tracer_counters *next = c->next;
        free(c);
        c = next;
    }
    otelc_resource_free(p->resource);
    otelc_sampler_free(p->sampler);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* ---- statistics -------------------------------------------------------------
 */

otelc__tracer_counters *otelc__counters_slow(otelc__thread *t,
                                             otelc_tracer_provider *p) {
    otelc__tracer_counters *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_lock(&p->lock);
    c->next = p->counters;
    p->counters = c;
    pthread_mutex_unlock(&p->lock);
    otelc__slot_bind(t, p->id, c);
    return c;
}

OTELC_API void otelc_tracer_provider_stats(const otelc_tracer_provider *p,
                                           otelc_tracer_stats *out) {
    memset(out, 0, sizeof *out);
    if (!p || p->noop)
        return;
    pthread_mutex_lock((pthread_mutex_t *)&p->lock);
    for (otelc__tracer_counters *c = p->counters; c; c = c->next) {
        /* "started" is derived: every start is counted exactly once, as
         * sampled (recording) or not recording. */
        out->spans_started +=
            atomic_load(&c->sampled) + atomic_load(&c->not_recording);
        out->spans_sampled += atomic_load(&c->sampled);
        out->spans_ended += atomic_load(&c->ended);
        out->spans_not_recording += atomic_load(&c->not_recording);
    }
    pthread_mutex_unlock((pthread_mutex_t *)&p->lock);
}

/* ---- tracers
 * ------------------------------------------------------------------ */

OTELC_API otelc_tracer *otelc_tracer_get(otelc_tracer_provider *p,
                                         const char *name,
                                         const char *version) {
    if (!p)
        p = otelc_tracer_provider_global();
    if (!name || !name[0]) {
        otelc__diag(OTELC_DIAG_WARN, "otelc_tracer_get: empty instrumentation "
                                     "scope name; using \"\"");
        name = "";
    }
    if (!version)
        version = "";
    if (p->noop)
        return &p->default_tracer;
    pthread_mutex_lock(&p->lock);
    otelc_tracer *t;
    for (t = p->tracers; t; t = t->next)
        if (!strcmp(t->scope.name, name) && !strcmp(t->scope.version, version))
            break;
    if (!t) {
        size_t nl = strlen(name) + 1, vl = strlen(version) + 1;
        t = malloc(sizeof *t + nl + vl);
        if (t) {
            char *np = (char *)(t + 1);
            memcpy(np, name, nl);
            memcpy(np + nl, version, vl);
            t->provider = p;
            t->scope.name = np;
            t->scope.version = np + nl;
            t->next = p->tracers;
            p->tracers = t;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return t ? t : &p->default_tracer;
}

/* ---- span start
 * ------------------------------------------------------------------- */

/* The parent of a new span, resolved from options or the context stack. */
typedef struct parent_info {
    const otelc_span_context *sc; /* NULL: root */
    otelc__tracestate *tstate;
} parent_info;

static inline void resolve_parent(otelc__thread *t,
                                  const otelc_span_start_options *o,
                                  parent_info *pi) {
    pi->sc = NULL;
    pi->tstate = NULL;
    if (o && o->root)
        return;
    if (o && o->parent) {
        if (otelc_span_context_is_valid(&o->parent->sc)) {
            pi->sc = &o->parent->sc;
            pi->tstate = o->parent->tstate;
        }
        return;
    }
    if (!t->depth)
        return;
    const otelc__ctx_entry *e = &t->stack[t->depth - 1];
    if (e->span) {
        pi->sc = &e->span->d.context;
        pi->tstate = e->span->tstate;
    } else if (e->ctx && otelc_span_context_is_valid(&e->ctx->sc)) {
        pi->sc = &e->ctx->sc;
        pi->tstate = e->ctx->tstate;
    }
}

/* A non-recording span: context only, nothing copied, nothing counted by
 * processors.  It keeps a reference to the parent's trace state (no copy, no
 * allocation) because W3C requires the tracestate to travel on with the
 * traceparent even when this service does not sample. */
static otelc_span *start_non_recording(otelc__thread *t, otelc_tracer *tracer,
                                       const otelc_span_context *sc,
                                       otelc__tracestate *tstate) {
    otelc_span *s = otelc__span_alloc_plain(t);
    if (OTELC_UNLIKELY(!s))
        return NULL;
    s->d.context = *sc;
    s->tracer = tracer;
    s->tstate = otelc__tracestate_retain(tstate);
    s->recording = 0;
    s->ended = 0;
    s->scoped = 0;
    return s;
}

/* The recording half of a span start, out of line so that the common
 * prologue of otelc_span_start() stays small for non-recording spans. */
static __attribute__((noinline)) otelc_span *
start_recording(otelc__thread *t, otelc_tracer *tracer, const char *name,
                const otelc_span_start_options *o, const otelc_span_context *sc,
                const parent_info *pip, const otelc_sampling_result *srp,
                otelc_span_kind kind) {
    otelc_tracer_provider *p = tracer->provider;
    const parent_info *pi = pip;
    const otelc_sampling_result *sr = srp;
    otelc_span *s = otelc__span_alloc(t);
    if (OTELC_UNLIKELY(!s))
        return NULL;
    s->d.context = *sc;
    s->tracer = tracer;
    s->recording = 1;
    s->ended = 0;
    s->scoped = 0;
    otelc__span_init_recording(s);
    if (pi->sc) {
        memcpy(s->d.parent_span_id, pi->sc->span_id, 8);
        s->d.parent_is_remote = pi->sc->is_remote;
    } else {
        memset(s->d.parent_span_id, 0, 8);
        s->d.parent_is_remote = false;
    }
    if (OTELC_UNLIKELY(sr->trace_state != NULL))
        s->tstate =
            otelc__tracestate_new(sr->trace_state, strlen(sr->trace_state));
    else
        s->tstate = otelc__tracestate_retain(pi->tstate);
    s->d.trace_state = otelc__tracestate_str(s->tstate);
    s->d.kind = kind;
    s->d.scope = &tracer->scope;
    s->d.resource = p->resource;
    otelc__span_set_name(s, name);
    s->d.start_time = o && o->start_time ? o->start_time : otelc__now_ns();
    s->d.end_time = 0;
    if (OTELC_UNLIKELY(o != NULL)) {
        if (o->attributes)
            otelc_span_set_attributes(s, o->attributes, o->attribute_count);
        for (size_t i = 0; o->links && i < o->link_count; i++)
            otelc__span_add_link(s, &o->links[i]);
    }
    if (OTELC_UNLIKELY(sr->attributes != NULL))
        otelc_span_set_attributes(s, sr->attributes, sr->attribute_count);

    uint32_t n = atomic_load_explicit(&p->nprocs, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++)
        if (p->procs[i]->ops->on_start)
            p->procs[i]->ops->on_start(p->procs[i]->state, s);
    return s;
}

OTELC_API otelc_span *otelc_span_start(otelc_tracer *tracer, const char *name,
                                       const otelc_span_start_options *o) {
    if (!tracer)
        tracer = otelc_default_tracer();
    otelc_tracer_provider *p = tracer->provider;
    otelc__thread *t = otelc__thread_get();
    if (OTELC_UNLIKELY(!t))
        return NULL;
    parent_info pi;
    resolve_parent(t, o, &pi);

    otelc_span_context sc;
    if (OTELC_UNLIKELY(p->noop ||
                       atomic_load_explicit(&p->shut, memory_order_relaxed))) {
        /* The API without an SDK propagates the parent's context unchanged
         * (the specification's non-recording span). */
        if (pi.sc)
            sc = *pi.sc;
        else
            memset(&sc, 0, sizeof sc);
        sc.is_remote = false;
        return start_non_recording(t, tracer, &sc, pi.sc ? pi.tstate : NULL);
    }

    if (pi.sc) {
        memcpy(sc.trace_id, pi.sc->trace_id, 16);
    } else {
        uint64_t hi, lo;
        do {
            hi = otelc__wyrand(&t->rng);
            lo = otelc__wyrand(&t->rng);
        } while (OTELC_UNLIKELY((hi | lo) == 0));
        memcpy(sc.trace_id, &hi, 8);
        memcpy(sc.trace_id + 8, &lo, 8);
    }
    uint64_t sid;
    do {
        sid = otelc__wyrand(&t->rng);
    } while (OTELC_UNLIKELY(sid == 0));
    memcpy(sc.span_id, &sid, 8);
    sc.is_remote = false;

    otelc_span_kind kind = o && o->kind ? o->kind : OTELC_SPAN_KIND_INTERNAL;
    otelc_sampling_result sr = {OTELC_SAMPLING_DROP, NULL, 0, NULL};
    int fast = otelc__sampler_fast(p->sampler, pi.sc, sc.trace_id);
    if (OTELC_LIKELY(fast >= 0)) {
        sr.decision = (otelc_sampling_decision)fast;
    } else {
        otelc_sampling_params sp = {
            .parent = pi.sc,
            .parent_trace_state = otelc__tracestate_str(pi.tstate),
            .trace_id = sc.trace_id,
            .name = name ? name : "",
            .kind = kind,
            .attributes = o ? o->attributes : NULL,
            .attribute_count = o && o->attributes ? o->attribute_count : 0,
            .links = o ? o->links : NULL,
            .link_count = o && o->links ? o->link_count : 0,
        };
        otelc_sampler_should_sample(p->sampler, &sp, &sr);
    }
    /* Trace flags other than "sampled" (for instance "random") come from the
     * parent unchanged. */
    uint8_t flags =
        pi.sc ? (pi.sc->trace_flags & ~OTELC_TRACE_FLAG_SAMPLED) : 0;
    if (sr.decision == OTELC_SAMPLING_RECORD_AND_SAMPLE)
        flags |= OTELC_TRACE_FLAG_SAMPLED;
    sc.trace_flags = flags;

    otelc__tracer_counters *cnt = otelc__counters(t, p);
    if (sr.decision == OTELC_SAMPLING_DROP) {
        if (OTELC_LIKELY(cnt != NULL))
            otelc__count(&cnt->not_recording);
        return start_non_recording(t, tracer, &sc, pi.tstate);
    }

    if (OTELC_LIKELY(cnt != NULL))
        otelc__count(&cnt->sampled);
    return start_recording(t, tracer, name, o, &sc, &pi, &sr, kind);
}

/* ---- span end
 * -------------------------------------------------------------------- */

OTELC_API void otelc_span_end_at(otelc_span *s, otelc_time_ns end_time) {
    if (!s)
        return;
    if (!s->recording) {
        otelc__span_recycle_clean(s);
        return;
    }
    if (OTELC_UNLIKELY(s->ended)) {
        otelc__diag(OTELC_DIAG_ERROR, "span \"%s\" ended twice", s->d.name);
        return;
    }
    s->ended = 1;
    otelc_time_ns now = end_time ? end_time : otelc__now_ns();
    s->d.end_time = now < s->d.start_time ? s->d.start_time : now;

    otelc_tracer_provider *p = s->tracer->provider;
    otelc__thread *t = otelc__tls;
    if (OTELC_LIKELY(t != NULL)) {
        otelc__tracer_counters *cnt = otelc__counters(t, p);
        if (OTELC_LIKELY(cnt != NULL))
            otelc__count(&cnt->ended);
    }
    uint32_t n = atomic_load_explicit(&p->nprocs, memory_order_acquire);
    if (OTELC_UNLIKELY(n == 0)) {
        otelc__span_recycle(s);
        return;
    }
    /* Set the hold count before handing the span to anyone: a worker may
     * release it before the loop below finishes. */
    atomic_store_explicit(&s->refs, n, memory_order_relaxed);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++)
        kept += p->procs[i]->ops->on_end(p->procs[i]->state, s);
    if (kept == n)
        return;
    if (atomic_fetch_sub_explicit(&s->refs, n - kept, memory_order_acq_rel) ==
        n - kept)
        otelc__span_recycle(s);
}

OTELC_API void otelc_span_end(otelc_span *s) {
    if (s && !s->recording) {
        otelc__span_recycle_clean(s);
        return;
    }
    otelc_span_end_at(s, 0);
}
