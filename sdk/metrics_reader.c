/*
 * sdk/metrics_reader.c - metric exporter objects, pull readers and the
 * periodic reader's worker.
 *
 * A periodic reader owns one worker thread and one exporter.  Every
 * interval (OTEL_METRIC_EXPORT_INTERVAL) the worker collects and hands the
 * data to the exporter; a retryable failure is retried with the policy of
 * sdk/retry_int.h (exponential backoff with jitter, at least the server's
 * retry-after) until the export deadline (now + OTEL_METRIC_EXPORT_TIMEOUT);
 * the final export at shutdown gets at most three quick attempts.
 * The export never runs on an application thread and never concurrently
 * with itself.
 *
 * Flush and shutdown wait on a condition variable with the caller's
 * deadline and return by then whatever the exporter does.  Shutdown asks
 * for a final collection and export and then the exporter's own shutdown.
 * If the deadline passes first, the worker is abandoned: the worker and the
 * reader each hold a reference to the worker state, and the worker frees it
 * (and the exporter) if its export ever returns.  An abandoned worker never
 * collects again, so it does not touch the reader or the provider after
 * the call it was stuck in; the provider is kept in memory anyway (its
 * instrument names and attributes are in the data the exporter holds).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sdk/config_int.h"
#include "sdk/metrics_int.h"
#include "sdk/retry_int.h"

/* ---- exporter objects
 * ---------------------------------------------------------- */

OTELC_API otelc_metric_exporter *
otelc_metric_exporter_new(const otelc_metric_exporter_ops *ops, void *state) {
    if (!ops || !ops->export_metrics) {
        if (ops && ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    otelc_metric_exporter *e = calloc(1, sizeof *e);
    if (!e) {
        if (ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    e->ops = ops;
    e->state = state;
    return e;
}

static void exporter_shutdown(otelc_metric_exporter *e, uint64_t deadline) {
    if (e && !atomic_exchange(&e->shut, 1) && e->ops->shutdown)
        e->ops->shutdown(e->state, deadline);
}

OTELC_API void otelc_metric_exporter_free(otelc_metric_exporter *e) {
    if (!e)
        return;
    exporter_shutdown(e, otelc__mono_ns() + 5000000000u);
    if (e->ops->free_state)
        e->ops->free_state(e->state);
    free(e);
}

/* ---- readers
 * --------------------------------------------------------------------- */

struct otelc__preader {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    otelc_metric_reader *reader;
    otelc_metric_exporter *exporter;
    uint32_t interval_ms;
    uint32_t timeout_ms;
    uint64_t flush_req, flush_done;
    bool stop;
    uint64_t stop_deadline;
    bool started, done, abandoned;
    int refs;
    pthread_t thread;
    uint64_t rng;
    _Atomic uint64_t exports, failures, retries, dropped;
};

static otelc_metric_reader *reader_alloc(int type) {
    otelc_metric_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->type = type;
    r->index = -1;
    for (int k = 0; k < 8; k++)
        r->temporality[k] = OTELC_TEMPORALITY_CUMULATIVE;
    return r;
}

OTELC_API otelc_metric_reader *otelc_pull_reader_new(otelc_temporality t) {
    otelc_metric_reader *r = reader_alloc(OTELC__READER_PULL);
    if (r && t == OTELC_TEMPORALITY_DELTA)
        for (int k = 0; k < 8; k++)
            r->temporality[k] = OTELC_TEMPORALITY_DELTA;
    return r;
}

OTELC_API otelc_metric_reader *
otelc_periodic_reader_new(otelc_metric_exporter *exporter, uint32_t interval_ms,
                          uint32_t timeout_ms) {
    if (!exporter)
        return NULL;
    otelc_metric_reader *r = reader_alloc(OTELC__READER_PERIODIC);
    otelc__preader *w = calloc(1, sizeof *w);
    if (!r || !w) {
        free(r);
        free(w);
        otelc_metric_exporter_free(exporter);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    w->exporter = exporter;
    w->reader = r;
    w->interval_ms =
        interval_ms
            ? interval_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_METRIC_EXPORT_INTERVAL, 60000);
    w->timeout_ms =
        timeout_ms
            ? timeout_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_METRIC_EXPORT_TIMEOUT, 30000);
    w->refs = 1;
    otelc__os_random(&w->rng, sizeof w->rng);
    r->worker = w;
    if (exporter->ops->temporality)
        for (int k = 1; k < 8; k++) {
            otelc_temporality t = exporter->ops->temporality(
                exporter->state, (otelc_instrument_kind)k);
            r->temporality[k] = t == OTELC_TEMPORALITY_DELTA
                                    ? OTELC_TEMPORALITY_DELTA
                                    : OTELC_TEMPORALITY_CUMULATIVE;
        }
    return r;
}

static void preader_release(otelc__preader *w) {
    pthread_mutex_lock(&w->lock);
    bool last = --w->refs == 0;
    pthread_mutex_unlock(&w->lock);
    if (!last)
        return;
    otelc_metric_exporter_free(w->exporter);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

OTELC_API void otelc_metric_reader_free(otelc_metric_reader *r) {
    if (!r)
        return;
    if (r->provider) {
        otelc__diag(OTELC_DIAG_WARN, "otelc_metric_reader_free: the reader "
                                     "belongs to a provider; not freed");
        return;
    }
    otelc__reader_destroy(r);
}

void otelc__reader_destroy(otelc_metric_reader *r) {
    if (!r)
        return;
    if (r->worker)
        preader_release(r->worker);
    free(r);
}

OTELC_API void otelc_metric_reader_get_stats(const otelc_metric_reader *r,
                                             otelc_metric_reader_stats *out) {
    memset(out, 0, sizeof *out);
    if (!r)
        return;
    out->collections = atomic_load(&((otelc_metric_reader *)r)->collections);
    otelc__preader *w = r->worker;
    if (w) {
        out->exports = atomic_load(&w->exports);
        out->export_failures = atomic_load(&w->failures);
        out->export_retries = atomic_load(&w->retries);
        out->dropped = atomic_load(&w->dropped);
    }
}

/* ---- the periodic worker
 * -------------------------------------------------------------- */

static void ns_to_ts(uint64_t ns, struct timespec *ts) {
    ts->tv_sec = (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
}

typedef struct export_job {
    otelc__preader *w;
    uint64_t deadline;
    bool final; /* the export at shutdown: the short retry policy */
} export_job;

/* Sleep until `until` unless the deadline comes first. */
static void backoff_sleep(uint64_t until) {
    struct timespec ts;
    ns_to_ts(until, &ts);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void export_cb(const otelc_metrics_data *data, void *user) {
    export_job *j = user;
    otelc__preader *w = j->w;
    otelc_metric_exporter *e = w->exporter;
    bool empty = data->scope_count == 0;
    if (empty)
        return; /* nothing recorded yet: nothing to send */
    otelc__backoff backoff;
    otelc__backoff_init(&backoff);
    for (uint32_t attempt = 1;; attempt++) {
        otelc_export_context ctx = {0};
        ctx.deadline_mono_ns = j->deadline;
        ctx.attempt = attempt;
        atomic_fetch_add(&w->exports, 1);
        if (attempt > 1)
            atomic_fetch_add(&w->retries, 1);
        otelc_export_result res = e->ops->export_metrics(e->state, data, &ctx);
        if (res == OTELC_EXPORT_SUCCESS)
            return;
        atomic_fetch_add(&w->failures, 1);
        if (res == OTELC_EXPORT_RETRYABLE) {
            uint64_t wait_ms = otelc__backoff_next(&backoff, j->final,
                                                   ctx.retry_after_ms, &w->rng);
            uint64_t until = wait_ms == UINT64_MAX
                                 ? UINT64_MAX
                                 : otelc__mono_ns() + wait_ms * 1000000u;
            if (until < j->deadline) {
                backoff_sleep(until);
                continue;
            }
        }
        atomic_fetch_add(&w->dropped, 1);
        otelc__diag(OTELC_DIAG_WARN,
                    "metric export through %s failed (%s); this collection "
                    "is dropped",
                    e->ops->name ? e->ops->name : "exporter",
                    res == OTELC_EXPORT_RETRYABLE ? "deadline passed"
                                                  : "not retryable");
        return;
    }
}

static void export_once(otelc__preader *w, uint64_t deadline, bool final) {
    export_job j = {w, deadline, final};
    otelc__metrics_collect(w->reader, export_cb, &j);
}

static void *worker_main(void *arg) {
    otelc__preader *w = arg;
    uint64_t next = otelc__mono_ns() + (uint64_t)w->interval_ms * 1000000u;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && !w->abandoned && w->flush_req == w->flush_done &&
               otelc__mono_ns() < next) {
            struct timespec ts;
            ns_to_ts(next, &ts);
            pthread_cond_timedwait(&w->cond, &w->lock, &ts);
        }
        if (w->stop || w->abandoned)
            break;
        uint64_t req = w->flush_req;
        pthread_mutex_unlock(&w->lock);
        export_once(w, otelc__mono_ns() + (uint64_t)w->timeout_ms * 1000000u,
                    false);
        if (w->exporter->ops->force_flush && req)
            w->exporter->ops->force_flush(
                w->exporter->state,
                otelc__mono_ns() + (uint64_t)w->timeout_ms * 1000000u);
        next = otelc__mono_ns() + (uint64_t)w->interval_ms * 1000000u;
        pthread_mutex_lock(&w->lock);
        if (req > w->flush_done)
            w->flush_done = req;
        pthread_cond_broadcast(&w->cond);
    }
    bool final = !w->abandoned;
    uint64_t deadline = w->stop_deadline;
    pthread_mutex_unlock(&w->lock);
    if (final) {
        uint64_t d = otelc__mono_ns() + (uint64_t)w->timeout_ms * 1000000u;
        export_once(w, d < deadline ? d : deadline, true);
        exporter_shutdown(w->exporter, deadline);
    }
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    preader_release(w);
    return NULL;
}

otelc_status otelc__reader_start(otelc_metric_reader *r) {
    otelc__preader *w = r->worker;
    if (!w)
        return OTELC_OK;
    pthread_mutex_lock(&w->lock);
    w->refs++;
    pthread_mutex_unlock(&w->lock);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_lock(&w->lock);
        w->refs--;
        pthread_mutex_unlock(&w->lock);
        otelc__diag(OTELC_DIAG_ERROR, "cannot start the metric reader's "
                                      "worker thread");
        return OTELC_ENOMEM;
    }
    pthread_setname_np(w->thread, "otelc-metrics");
    w->started = true;
    return OTELC_OK;
}

/* Wait under w->lock until cond() or the deadline. */
static bool wait_until(otelc__preader *w, uint64_t deadline,
                       bool (*cond)(otelc__preader *, uint64_t), uint64_t arg) {
    while (!cond(w, arg)) {
        if (otelc__mono_ns() >= deadline)
            return false;
        struct timespec ts;
        ns_to_ts(deadline, &ts);
        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
    }
    return true;
}

static bool flushed(otelc__preader *w, uint64_t req) {
    return w->flush_done >= req || w->done;
}
static bool finished(otelc__preader *w, uint64_t unused) {
    (void)unused;
    return w->done;
}

otelc_status otelc__reader_flush(otelc_metric_reader *r, uint64_t deadline) {
    otelc__preader *w = r->worker;
    if (!w || !w->started)
        return OTELC_OK;
    pthread_mutex_lock(&w->lock);
    uint64_t req = ++w->flush_req;
    pthread_cond_broadcast(&w->cond);
    bool ok = wait_until(w, deadline, flushed, req);
    pthread_mutex_unlock(&w->lock);
    return ok ? OTELC_OK : OTELC_ETIMEDOUT;
}

otelc_status otelc__reader_shutdown(otelc_metric_reader *r, uint64_t deadline) {
    otelc__preader *w = r->worker;
    if (!w || !w->started)
        return OTELC_OK;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    w->stop_deadline = deadline;
    pthread_cond_broadcast(&w->cond);
    bool ok = wait_until(w, deadline, finished, 0);
    if (!ok)
        w->abandoned = true;
    pthread_mutex_unlock(&w->lock);
    w->started = false;
    if (ok) {
        pthread_join(w->thread, NULL);
        return OTELC_OK;
    }
    otelc__diag(OTELC_DIAG_WARN,
                "metric exporter %s did not finish before the shutdown "
                "deadline; its worker is abandoned",
                w->exporter->ops->name ? w->exporter->ops->name : "exporter");
    pthread_detach(w->thread);
    return OTELC_ETIMEDOUT;
}
