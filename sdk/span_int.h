/*
 * sdk/span_int.h - the span record, tracer provider, tracer and processor
 * internals.  Not installed.  Exporters in this repository may include it
 * to read spans without the accessor layer; everything they need is also in
 * the public otelc_span_data, which is the first member of a span record.
 */
#ifndef OTELC_SDK_SPAN_INT_H
#define OTELC_SDK_SPAN_INT_H

#include <pthread.h>

#include "sdk/internal.h"
#include "sdk/thread_int.h"

#include "otelc/export.h"
#include "otelc/sampler.h"
#include "otelc/trace.h"

/* ---- trace state: an immutable, reference-counted string --------------- */
typedef struct otelc__tracestate {
    _Atomic uint32_t refs;
    uint32_t len;
    char str[];
} otelc__tracestate;

/* NULL for NULL or "" (no trace state). */
otelc__tracestate *otelc__tracestate_new(const char *s, size_t len);
static inline otelc__tracestate *
otelc__tracestate_retain(otelc__tracestate *t) {
    if (t)
        atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}
void otelc__tracestate_release(otelc__tracestate *t);
static inline const char *otelc__tracestate_str(const otelc__tracestate *t) {
    return t ? t->str : "";
}

/* ---- contexts ----------------------------------------------------------- */
struct otelc_context {
    otelc_span_context sc;
    otelc__tracestate *tstate;
    const otelc_baggage *baggage; /* one reference held */
};

/* ---- the span record ----------------------------------------------------- */
#define OTELC__SPAN_INLINE_ATTRS 8
#define OTELC__SPAN_INLINE_EVENTS 2
#define OTELC__SPAN_ARENA_BYTES 256

/* A heap block that extends a span's arena when the inline bytes run out. */
typedef struct otelc__arena_block {
    struct otelc__arena_block *next;
    size_t size;
    _Alignas(8) unsigned char data[];
} otelc__arena_block;

struct otelc_span {
    otelc_span_data d;       /* must stay first: exporters see &span->d */
    struct otelc_span *next; /* pool / return-stack link */
    otelc__thread *owner;    /* the pool this record returns to */
    otelc_tracer *tracer;
    otelc__tracestate *tstate;
    _Atomic uint32_t refs; /* processors still holding it */
    uint8_t recording;
    uint8_t ended;
    uint8_t status_final; /* OK was set: status is frozen */
    uint8_t scoped;       /* made current by a scoped macro */
    uint32_t attr_cap;
    uint32_t event_cap;
    uint32_t link_cap;
    uint32_t arena_left;
    unsigned char *arena;
    otelc__arena_block *blocks;
    /* The arena follows the header so that a plain span (name, no
     * attributes) touches only the first few cache lines of its record. */
    _Alignas(8) unsigned char arena_inline[OTELC__SPAN_ARENA_BYTES];
    otelc_attribute attr_inline[OTELC__SPAN_INLINE_ATTRS];
    otelc_event_data event_inline[OTELC__SPAN_INLINE_EVENTS];
};

/* ---- the span pool (sdk/span.c) ---- */
otelc_span *otelc__pool_refill(otelc__thread *t);
void otelc__push_returned(otelc__thread *owner, otelc_span *head,
                          otelc_span *tail);

/* Take a record from the calling thread's pool. */
static inline otelc_span *otelc__span_alloc(otelc__thread *t) {
    otelc_span *s = t->free_list;
    if (OTELC_LIKELY(s != NULL)) {
        otelc_span *n = s->next;
        t->free_list = n;
        /* The next record was last touched by a worker on another core:
         * start pulling the lines a span start writes while this one is
         * being filled in. */
        if (n) {
            const char *p = (const char *)n;
            for (int i = 0; i < 6; i++)
                __builtin_prefetch(p + i * OTELC_CACHELINE, 1);
        }
        return s;
    }
    return otelc__pool_refill(t);
}

/* The same without the prefetch, for non-recording spans: they write only
 * the first line of the record and return it to the pool at once. */
static inline otelc_span *otelc__span_alloc_plain(otelc__thread *t) {
    otelc_span *s = t->free_list;
    if (OTELC_LIKELY(s != NULL)) {
        t->free_list = s->next;
        return s;
    }
    return otelc__pool_refill(t);
}

/* Put a clean record on the calling thread's free list (owner only).  The
 * pool never trims itself: it holds at most as many records as the thread
 * ever had in flight at once, which the queue sizes bound, and trimming
 * under load would turn every span into a malloc/free pair. */
static inline void otelc__pool_put_local(otelc__thread *t, otelc_span *s) {
    s->next = t->free_list;
    t->free_list = s;
}

/* Return a record that holds nothing beyond itself (a non-recording span)
 * to its pool, from any thread.  The one thing a non-recording span may
 * hold is a reference to its parent's trace state (kept so that it is
 * propagated); drop it. */
static inline void otelc__span_recycle_clean(otelc_span *s) {
    if (OTELC_UNLIKELY(s->tstate != NULL)) {
        otelc__tracestate_release(s->tstate);
        s->tstate = NULL;
    }
    if (OTELC_LIKELY(s->owner == otelc__tls))
        otelc__pool_put_local(s->owner, s);
    else
        otelc__push_returned(s->owner, s, s);
}

/* Recycle a span whose last holder let go (any thread). */
void otelc__span_recycle(otelc_span *span);
/* Drop one processor's hold; recycles on the last. */
static inline void otelc__span_release(otelc_span *span) {
    if (atomic_load_explicit(&span->refs, memory_order_acquire) == 1 ||
        atomic_fetch_sub_explicit(&span->refs, 1, memory_order_acq_rel) == 1)
        otelc__span_recycle(span);
}
/* Release a batch of spans, returning them to their pools with one atomic
 * push per owning thread rather than one per span. */
void otelc__span_release_batch(otelc_span **spans, size_t n);

/* ---- processors -----------------------------------------------------------
 */
typedef struct otelc__processor_ops {
    const char *kind;
    /* Called as a span starts (may be NULL). */
    void (*on_start)(void *state, otelc_span *span);
    /* Called as a recording span ends.  Returns true when the processor keeps
     * the span and will otelc__span_release() it later. */
    bool (*on_end)(void *state, otelc_span *span);
    otelc_status (*force_flush)(void *state, uint64_t deadline_mono_ns);
    otelc_status (*shutdown)(void *state, uint64_t deadline_mono_ns);
    void (*stats)(void *state, otelc_processor_stats *out);
    void (*free_state)(void *state);
} otelc__processor_ops;

struct otelc_span_processor {
    const otelc__processor_ops *ops;
    void *state;
    char name[64];
};

otelc_span_processor *otelc__processor_new(const otelc__processor_ops *ops,
                                           void *state, const char *name);

/* ---- exporters ------------------------------------------------------------
 */
struct otelc_span_exporter {
    const otelc_span_exporter_ops *ops;
    void *state;
    _Atomic int shut;
};
void otelc__exporter_shutdown(otelc_span_exporter *e, uint64_t deadline);

/* ---- provider and tracer ---------------------------------------------------
 */
#define OTELC__MAX_PROCESSORS 8

/* Per-(thread, provider) counters: one writer (the thread), summed on
 * read, so counting costs no atomic read-modify-write. */
typedef struct otelc__tracer_counters {
    _Atomic uint64_t sampled;
    _Atomic uint64_t ended;
    _Atomic uint64_t not_recording;
    struct otelc__tracer_counters *next;
} otelc__tracer_counters;

struct otelc_tracer {
    otelc_tracer_provider *provider;
    otelc_scope_info scope;
    struct otelc_tracer *next;
};

struct otelc_tracer_provider {
    uint64_t id; /* slot owner id for the per-thread counters */
    otelc_resource *resource;
    otelc_sampler *sampler;
    otelc_span_limits limits;
    otelc_span_processor *procs[OTELC__MAX_PROCESSORS];
    _Atomic uint32_t nprocs;
    _Atomic int shut;
    _Atomic int abandoned; /* a processor's shutdown timed out */
    bool noop;
    pthread_mutex_t lock; /* tracers and counter blocks */
    otelc_tracer *tracers;
    otelc__tracer_counters *counters;
    otelc_tracer default_tracer; /* scope "otelc" */
};

otelc__tracer_counters *otelc__counters_slow(otelc__thread *t,
                                             otelc_tracer_provider *p);
static inline otelc__tracer_counters *
otelc__counters(otelc__thread *t, otelc_tracer_provider *p) {
    otelc__slot *s = &t->slots[0];
    if (OTELC_LIKELY(s->owner_id == p->id))
        return s->ptr;
    otelc__tracer_counters *c = otelc__slot_find(t, p->id);
    return c ? c : otelc__counters_slow(t, p);
}
static inline void otelc__count(_Atomic uint64_t *c) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* The built-in samplers' decision without building sampling parameters
 * (samplers/sampler.c): a decision, or -1 for a custom sampler, which
 * needs the full otelc_sampler_should_sample() call. */
int otelc__sampler_fast(const otelc_sampler *sampler,
                        const otelc_span_context *parent,
                        const uint8_t *trace_id);

/* Span limits from the environment (sdk/limits.c). */
void otelc__span_limits_from_config(otelc_span_limits *out);

/* Resource internals (sdk/resource.c). */
otelc_resource *otelc__resource_noop(void);

/* ---- scoped spans (sdk/context.c, used by instrumentation/) ---- */
/* Push a span that otelc_scope_unwind() may end. */
otelc_scope otelc__scope_push_scoped(otelc_span *span);
/* Pop a scoped span pushed at `scope`; false if it is no longer there. */
bool otelc__scope_pop_scoped(otelc_scope scope, otelc_span *span);

/* ---- baggage references (sdk/baggage.c) ---- */
const otelc_baggage *otelc__baggage_retain(const otelc_baggage *b);
void otelc__baggage_release(const otelc_baggage *b);

#endif /* OTELC_SDK_SPAN_INT_H */
