/*
 * sdk/processor.c - span exporters as objects, and the simple and batch
 * span processors.
 *
 * The batch processor is a thin adapter from spans to the generic batcher
 * (sdk/batcher.c): on_end pushes the span record itself (no copy) when it is
 * sampled, the worker hands &span->d to the exporter, and releases the
 * records afterwards, returning them to their threads' pools.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/batcher_int.h"
#include "sdk/config_int.h"
#include "sdk/span_int.h"

/* ---- exporter objects
 * ------------------------------------------------------------- */

OTELC_API otelc_span_exporter *
otelc_span_exporter_new(const otelc_span_exporter_ops *ops, void *state) {
    if (!ops || !ops->export_spans) {
        if (ops && ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    otelc_span_exporter *e = calloc(1, sizeof *e);
    if (!e) {
        if (ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    e->ops = ops;
    e->state = state;
    return e;
}

void otelc__exporter_shutdown(otelc_span_exporter *e, uint64_t deadline) {
    if (e && !atomic_exchange(&e->shut, 1) && e->ops->shutdown)
        e->ops->shutdown(e->state, deadline);
}

OTELC_API void otelc_span_exporter_free(otelc_span_exporter *e) {
    if (!e)
        return;
    otelc__exporter_shutdown(e, otelc__mono_ns() + 5000000000u);
    if (e->ops->free_state)
        e->ops->free_state(e->state);
    free(e);
}

OTELC_API const char *otelc_span_exporter_name(const otelc_span_exporter *e) {
    return e && e->ops->name ? e->ops->name : "exporter";
}

/* ---- processor objects
 * ---------------------------------------------------------------- */

otelc_span_processor *otelc__processor_new(const otelc__processor_ops *ops,
                                           void *state, const char *name) {
    otelc_span_processor *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->ops = ops;
    p->state = state;
    snprintf(p->name, sizeof p->name, "%s", name);
    return p;
}

OTELC_API void otelc_span_processor_stats(const otelc_span_processor *p,
                                          otelc_processor_stats *out) {
    memset(out, 0, sizeof *out);
    if (p && p->ops->stats)
        p->ops->stats(p->state, out);
}

OTELC_API const char *otelc_span_processor_name(const otelc_span_processor *p) {
    return p ? p->name : "";
}

OTELC_API void otelc_span_processor_free(otelc_span_processor *p) {
    if (!p)
        return;
    if (p->ops->free_state)
        p->ops->free_state(p->state);
    free(p);
}

/* ---- simple processor
 * -------------------------------------------------------------------- */

typedef struct simple_state {
    otelc_span_exporter *exporter;
    pthread_mutex_t lock; /* export is never concurrent */
    uint32_t timeout_ms;
    _Atomic int shut;
    _Atomic uint64_t received, exported, dropped, calls, failures, shut_drops;
} simple_state;

static bool simple_on_end(void *st, otelc_span *span) {
    simple_state *s = st;
    if (!(span->d.context.trace_flags & OTELC_TRACE_FLAG_SAMPLED))
        return false;
    atomic_fetch_add(&s->received, 1);
    if (atomic_load(&s->shut)) {
        atomic_fetch_add(&s->shut_drops, 1);
        return false;
    }
    const otelc_span_data *d = &span->d;
    otelc_export_context ctx = {
        otelc__mono_ns() + (uint64_t)s->timeout_ms * 1000000u, 0, 0, 1};
    pthread_mutex_lock(&s->lock);
    otelc_export_result r =
        s->exporter->ops->export_spans(s->exporter->state, &d, 1, &ctx);
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(&s->calls, 1);
    if (r == OTELC_EXPORT_SUCCESS) {
        atomic_fetch_add(&s->exported, 1);
    } else {
        atomic_fetch_add(&s->failures, 1);
        atomic_fetch_add(&s->dropped, 1);
    }
    return false;
}

static otelc_status simple_flush(void *st, uint64_t deadline) {
    simple_state *s = st;
    if (s->exporter->ops->force_flush)
        return s->exporter->ops->force_flush(s->exporter->state, deadline);
    return OTELC_OK;
}

static otelc_status simple_shutdown(void *st, uint64_t deadline) {
    simple_state *s = st;
    if (atomic_exchange(&s->shut, 1))
        return OTELC_ESHUTDOWN;
    pthread_mutex_lock(&s->lock);
    otelc__exporter_shutdown(s->exporter, deadline);
    pthread_mutex_unlock(&s->lock);
    return OTELC_OK;
}

static void simple_stats(void *st, otelc_processor_stats *o) {
    simple_state *s = st;
    o->spans_received = atomic_load(&s->received);
    o->spans_exported = atomic_load(&s->exported);
    o->dropped_export = atomic_load(&s->dropped);
    o->dropped_shutdown = atomic_load(&s->shut_drops);
    o->export_calls = atomic_load(&s->calls);
    o->export_failures = atomic_load(&s->failures);
}

static void simple_free(void *st) {
    simple_state *s = st;
    otelc_span_exporter_free(s->exporter);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const otelc__processor_ops simple_ops = {
    "simple",        NULL,         simple_on_end, simple_flush,
    simple_shutdown, simple_stats, simple_free};

OTELC_API otelc_span_processor *
otelc_simple_span_processor_new(otelc_span_exporter *exporter) {
    if (!exporter)
        return NULL;
    simple_state *s = calloc(1, sizeof *s);
    if (!s) {
        otelc_span_exporter_free(exporter);
        return NULL;
    }
    s->exporter = exporter;
    s->timeout_ms =
        (uint32_t)otelc__cfg_int(OTELC_CFG_BSP_EXPORT_TIMEOUT, 30000);
    pthread_mutex_init(&s->lock, NULL);
    char name[64];
    snprintf(name, sizeof name, "simple(%s)",
             otelc_span_exporter_name(exporter));
    otelc_span_processor *p = otelc__processor_new(&simple_ops, s, name);
    if (!p)
        simple_free(s);
    return p;
}

/* ---- batch processor
 * ------------------------------------------------------------------- */

typedef struct batch_state {
    otelc_span_exporter *exporter;
    otelc__batcher *batcher;
} batch_state;

static otelc_export_result batch_export(void *user, void *const *items,
                                        size_t n, otelc_export_context *ctx) {
    otelc_span_exporter *e = user;
    /* A span record starts with its otelc_span_data, so the item array is
     * already the array of span data pointers the exporter expects. */
    return e->ops->export_spans(e->state, (const otelc_span_data *const *)items,
                                n, ctx);
}

static void batch_release(void *user, void *const *items, size_t n) {
    (void)user;
    otelc__span_release_batch((otelc_span **)items, n);
}

static otelc_status batch_exporter_flush(void *user, uint64_t deadline) {
    otelc_span_exporter *e = user;
    return e->ops->force_flush ? e->ops->force_flush(e->state, deadline)
                               : OTELC_OK;
}

static void batch_exporter_shutdown(void *user, uint64_t deadline) {
    otelc__exporter_shutdown(user, deadline);
}

static void batch_exporter_free(void *user) {
    otelc_span_exporter_free(user);
}

static const otelc__batcher_ops batch_ops = {
    batch_export, batch_release, batch_exporter_flush, batch_exporter_shutdown,
    batch_exporter_free};

static bool batch_on_end(void *st, otelc_span *span) {
    batch_state *s = st;
    if (!(span->d.context.trace_flags & OTELC_TRACE_FLAG_SAMPLED))
        return false;
    return otelc__batcher_push(s->batcher, span);
}

static otelc_status batch_flush(void *st, uint64_t deadline) {
    return otelc__batcher_flush(((batch_state *)st)->batcher, deadline);
}

static otelc_status batch_shutdown(void *st, uint64_t deadline) {
    return otelc__batcher_shutdown(((batch_state *)st)->batcher, deadline);
}

static void batch_stats(void *st, otelc_processor_stats *o) {
    otelc__batcher_stats(((batch_state *)st)->batcher, o);
}

static void batch_free(void *st) {
    batch_state *s = st;
    otelc__batcher_free(s->batcher); /* frees the exporter too */
    free(s);
}

static const otelc__processor_ops batch_proc_ops = {
    "batch",        NULL,        batch_on_end, batch_flush,
    batch_shutdown, batch_stats, batch_free};

/* Resolve options: zero fields from OTEL_BSP_*, with the specification's
 * constraint that a batch is never larger than the queue. */
static void resolve(const otelc_batch_options *in, otelc__batch_config *c) {
    c->schedule_delay_ms =
        in && in->schedule_delay_ms
            ? in->schedule_delay_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_BSP_SCHEDULE_DELAY, 5000);
    c->export_timeout_ms =
        in && in->export_timeout_ms
            ? in->export_timeout_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_BSP_EXPORT_TIMEOUT, 30000);
    c->max_queue_size =
        in && in->max_queue_size
            ? in->max_queue_size
            : (uint32_t)otelc__cfg_int(OTELC_CFG_BSP_MAX_QUEUE_SIZE, 2048);
    c->max_export_batch_size =
        in && in->max_export_batch_size
            ? in->max_export_batch_size
            : (uint32_t)otelc__cfg_int(OTELC_CFG_BSP_MAX_EXPORT_BATCH_SIZE,
                                       512);
    if (c->max_export_batch_size > c->max_queue_size) {
        otelc__diag(OTELC_DIAG_WARN,
                    "batch processor: max export batch size %u exceeds the "
                    "queue size %u; using %u",
                    c->max_export_batch_size, c->max_queue_size,
                    c->max_queue_size);
        c->max_export_batch_size = c->max_queue_size;
    }
}

OTELC_API otelc_span_processor *
otelc_batch_span_processor_new(otelc_span_exporter *exporter,
                               const otelc_batch_options *options) {
    if (!exporter)
        return NULL;
    batch_state *s = calloc(1, sizeof *s);
    if (!s) {
        otelc_span_exporter_free(exporter);
        return NULL;
    }
    s->exporter = exporter;
    otelc__batch_config cfg;
    resolve(options, &cfg);
    char tname[16];
    snprintf(tname, sizeof tname, "otelc-%.9s",
             otelc_span_exporter_name(exporter));
    s->batcher = otelc__batcher_new(&batch_ops, exporter, &cfg, tname);
    if (!s->batcher) {
        otelc_span_exporter_free(exporter);
        free(s);
        return NULL;
    }
    char name[64];
    snprintf(name, sizeof name, "batch(%s)",
             otelc_span_exporter_name(exporter));
    otelc_span_processor *p = otelc__processor_new(&batch_proc_ops, s, name);
    if (!p)
        batch_free(s);
    return p;
}
