/*
 * sdk/log_pipeline.c - the log worker: from the per-thread queues to the
 * sinks and the log exporters.
 *
 * One pipeline exists while otelc is initialised.  Its batcher ("otelc-log"
 * thread) drains the callers' rings in batches; for each batch it removes
 * duplicate keys, formats each record once per format a sink needs, and
 * calls the built-in sinks (console, file, syslog) in turn.  Only this
 * worker ever touches a sink, so sinks need no locks: file rotation, for
 * instance, happens between two writes of the same thread and is safe
 * however many threads log.  A sink that fails counts and reports its own
 * failure (rate-limited) and the others are not affected; no sink blocks
 * for long (the syslog sink never waits on the network outside flush and
 * shutdown).
 *
 * Log exporters (Elasticsearch, OTLP, code-added ones) each get their own
 * batcher, fed by this worker: a record gets one reference per exporter
 * queue it enters, so a slow or dead exporter delays nothing but itself
 * and its queue bounds what it holds.
 *
 * Lifetime.  otelc__log_stop() turns the loggers off, unpublishes the
 * pipeline and shuts its batcher down within the deadline (the worker
 * flushes the sinks and shuts the exporters down on its way out).  The
 * pipeline object itself is kept: a thread that loaded the pointer just
 * before may still push to it, and its batcher then counts the record as
 * dropped at shutdown.  The stats of the last pipeline stay readable until
 * the next start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/log_int.h"

_Atomic(otelc__log_pipeline *) otelc__log_pipe;
_Atomic int otelc__log_reopen_flag;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static otelc__log_pipeline *g_last;    /* for stats after a stop */
static otelc__log_pipeline *g_retired; /* reachable, never freed */

bool otelc__log_exporter_built(const char *name);

/* ---- exporter objects ---------------------------------------------------- */

struct otelc_log_exporter {
    const otelc_log_exporter_ops *ops;
    void *state;
    _Atomic int shut;
};

OTELC_API otelc_log_exporter *
otelc_log_exporter_new(const otelc_log_exporter_ops *ops, void *state) {
    if (!ops || !ops->export_logs) {
        if (ops && ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    otelc_log_exporter *e = calloc(1, sizeof *e);
    if (!e) {
        if (ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    e->ops = ops;
    e->state = state;
    return e;
}

static void exporter_shutdown(otelc_log_exporter *e, uint64_t deadline) {
    if (e && !atomic_exchange(&e->shut, 1) && e->ops->shutdown)
        e->ops->shutdown(e->state, deadline);
}

OTELC_API void otelc_log_exporter_free(otelc_log_exporter *e) {
    if (!e)
        return;
    exporter_shutdown(e, otelc__mono_ns() + 5000000000u);
    if (e->ops->free_state)
        e->ops->free_state(e->state);
    free(e);
}

void *otelc__log_exporter_state(const otelc_log_exporter *e,
                                const otelc_log_exporter_ops *ops) {
    return e && e->ops == ops ? e->state : NULL;
}

OTELC_API const char *otelc_log_exporter_name(const otelc_log_exporter *e) {
    return e && e->ops->name ? e->ops->name : "exporter";
}

/* The exporter's own batcher. */
static otelc_export_result exp_export(void *user, void *const *items, size_t n,
                                      otelc_export_context *ctx) {
    otelc_log_exporter *e = user;
    /* A record starts with its otelc_log_record_data. */
    return e->ops->export_logs(
        e->state, (const otelc_log_record_data *const *)items, n, ctx);
}

static void exp_release(void *user, void *const *items, size_t n) {
    (void)user;
    otelc__log_rec_release_batch((otelc__log_rec *const *)items, n);
}

static otelc_status exp_flush(void *user, uint64_t deadline) {
    otelc_log_exporter *e = user;
    return e->ops->force_flush ? e->ops->force_flush(e->state, deadline)
                               : OTELC_OK;
}

static void exp_shutdown(void *user, uint64_t deadline) {
    exporter_shutdown(user, deadline);
}

static void exp_free(void *user) {
    otelc_log_exporter_free(user);
}

static const otelc__batcher_ops g_exp_ops = {exp_export, exp_release, exp_flush,
                                             exp_shutdown, exp_free};

static void batch_config(otelc__batch_config *c) {
    c->schedule_delay_ms =
        (uint32_t)otelc__cfg_int(OTELC_CFG_BLRP_SCHEDULE_DELAY, 1000);
    c->export_timeout_ms =
        (uint32_t)otelc__cfg_int(OTELC_CFG_BLRP_EXPORT_TIMEOUT, 30000);
    c->max_queue_size =
        (uint32_t)otelc__cfg_int(OTELC_CFG_BLRP_MAX_QUEUE_SIZE, 2048);
    c->max_export_batch_size =
        (uint32_t)otelc__cfg_int(OTELC_CFG_BLRP_MAX_EXPORT_BATCH_SIZE, 512);
    if (c->max_export_batch_size > c->max_queue_size) {
        otelc__diag(OTELC_DIAG_WARN,
                    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE=%u exceeds "
                    "OTEL_BLRP_MAX_QUEUE_SIZE=%u; using %u",
                    c->max_export_batch_size, c->max_queue_size,
                    c->max_queue_size);
        c->max_export_batch_size = c->max_queue_size;
    }
}

/* Add an exporter to p; takes ownership of e.  Caller holds g_lock. */
static otelc_status add_exporter(otelc__log_pipeline *p,
                                 otelc_log_exporter *e) {
    size_t n = atomic_load(&p->nexp);
    if (n >= OTELC__LOG_MAX_EXPORTERS) {
        otelc__diag(OTELC_DIAG_WARN,
                    "log exporter %s not added: at most %d log exporters",
                    otelc_log_exporter_name(e), OTELC__LOG_MAX_EXPORTERS);
        otelc_log_exporter_free(e);
        return OTELC_EFULL;
    }
    otelc__batch_config cfg;
    batch_config(&cfg);
    char tname[16];
    snprintf(tname, sizeof tname, "otelc-l-%.7s", otelc_log_exporter_name(e));
    otelc__batcher *b = otelc__batcher_new(&g_exp_ops, e, &cfg, tname);
    if (!b) {
        otelc_log_exporter_free(e);
        return OTELC_ENOMEM;
    }
    p->exp[n].e = e;
    p->exp[n].b = b;
    atomic_store_explicit(&p->nexp, n + 1, memory_order_release);
    return OTELC_OK;
}

/* ---- the log worker ------------------------------------------------------ */

bool otelc__log_batch_format(otelc__log_batch *b, otelc__log_fmt fmt) {
    if (b->have[fmt])
        return !b->lines[fmt].oom;
    if (b->off_cap[fmt] < b->n + 1) {
        size_t cap = b->n + 1 < 64 ? 64 : b->n + 1;
        size_t *o = realloc(b->off[fmt], sizeof *o * cap);
        if (!o)
            return false;
        b->off[fmt] = o;
        b->off_cap[fmt] = cap;
    }
    otelc__buf *out = &b->lines[fmt];
    otelc__buf_reset(out);
    const char *svc = b->pipe->service_name;
    for (size_t i = 0; i < b->n; i++) {
        b->off[fmt][i] = out->len;
        otelc__log_format(out, &b->recs[i]->d, fmt, svc);
    }
    b->off[fmt][b->n] = out->len;
    b->have[fmt] = true;
    return !out->oom;
}

static otelc_export_result pipe_export(void *user, void *const *items, size_t n,
                                       otelc_export_context *ctx) {
    (void)ctx;
    otelc__log_pipeline *p = user;
    otelc__log_rec *const *recs = (otelc__log_rec *const *)items;
    for (size_t i = 0; i < n; i++)
        otelc__log_dedupe(recs[i]);
    if (atomic_load_explicit(&otelc__log_reopen_flag, memory_order_relaxed) &&
        atomic_exchange(&otelc__log_reopen_flag, 0)) {
        for (size_t s = 0; s < p->nsinks; s++)
            if (p->sinks[s]->reopen)
                p->sinks[s]->reopen(p->sinks[s]);
    }
    otelc__log_batch *b = &p->batch;
    b->recs = recs;
    b->n = n;
    b->pipe = p;
    for (int f = 0; f < OTELC__FMT_COUNT; f++)
        b->have[f] = false;
    for (size_t s = 0; s < p->nsinks; s++)
        p->sinks[s]->write(p->sinks[s], b);
    /* Hand the records on to each exporter's queue. */
    size_t ne = atomic_load_explicit(&p->nexp, memory_order_acquire);
    for (size_t x = 0; x < ne; x++) {
        for (size_t i = 0; i < n; i++) {
            atomic_fetch_add_explicit(&recs[i]->refs, 1, memory_order_relaxed);
            if (!otelc__batcher_push(p->exp[x].b, recs[i]))
                otelc__log_rec_release(recs[i]); /* counted by the batcher */
        }
    }
    atomic_fetch_add_explicit(&p->processed, n, memory_order_relaxed);
    return OTELC_EXPORT_SUCCESS;
}

static void pipe_release(void *user, void *const *items, size_t n) {
    (void)user;
    otelc__log_rec_release_batch((otelc__log_rec *const *)items, n);
}

static otelc_status pipe_flush(void *user, uint64_t deadline) {
    otelc__log_pipeline *p = user;
    otelc_status st = OTELC_OK;
    for (size_t s = 0; s < p->nsinks; s++)
        if (p->sinks[s]->flush)
            p->sinks[s]->flush(p->sinks[s], deadline);
    size_t ne = atomic_load_explicit(&p->nexp, memory_order_acquire);
    for (size_t x = 0; x < ne; x++)
        if (otelc__batcher_flush(p->exp[x].b, deadline) != OTELC_OK)
            st = OTELC_ETIMEDOUT;
    return st;
}

/* The worker's last act: everything it wrote is out; stop the exporters
 * (they drain their own queues) and close the sinks. */
static void pipe_shutdown(void *user, uint64_t deadline) {
    otelc__log_pipeline *p = user;
    size_t ne = atomic_load_explicit(&p->nexp, memory_order_acquire);
    /* Budget: the sinks may use half of what is left when exporters still
     * have to drain; the exporters must be done a little before the
     * deadline, because an exporter batcher that gives up does so 25 ms
     * after its deadline and this worker must still finish in time. */
    uint64_t now = otelc__mono_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    uint64_t margin = OTELC_MIN(left / 4, 40000000u);
    uint64_t sink_deadline = ne ? now + left / 2 : deadline - margin;
    for (size_t s = 0; s < p->nsinks; s++)
        if (p->sinks[s]->flush)
            p->sinks[s]->flush(p->sinks[s], sink_deadline);
    for (size_t x = 0; x < ne; x++)
        otelc__batcher_shutdown(p->exp[x].b, deadline - margin);
    /* The sinks' counters stay readable: close releases descriptors and
     * buffers but the sink objects are kept with the pipeline. */
    for (size_t s = 0; s < p->nsinks; s++)
        p->sinks[s]->close(p->sinks[s]);
    for (int f = 0; f < OTELC__FMT_COUNT; f++) {
        otelc__buf_free(&p->batch.lines[f]);
        free(p->batch.off[f]);
        p->batch.off[f] = NULL;
        p->batch.off_cap[f] = 0;
    }
}

static const otelc__batcher_ops g_pipe_ops = {pipe_export, pipe_release,
                                              pipe_flush, pipe_shutdown, NULL};

/* ---- the calling thread's hand-off --------------------------------------- */

bool otelc__log_submit(otelc__log_pipeline *p, otelc__log_rec *r) {
    unsigned level = (unsigned)r->d.severity_number;
    bool ok;
    if (OTELC_UNLIKELY(p->wait_ms && level >= p->wait_level)) {
        bool waited = false;
        ok = otelc__batcher_push_wait(
            p->b, r, otelc__mono_ns() + (uint64_t)p->wait_ms * 1000000u,
            &waited);
        if (waited && otelc__tls && otelc__tls->log) {
            _Atomic uint64_t *w = &otelc__tls->log->waits;
            atomic_store_explicit(
                w, atomic_load_explicit(w, memory_order_relaxed) + 1,
                memory_order_relaxed);
        }
    } else {
        ok = otelc__batcher_push(p->b, r);
    }
    if (OTELC_UNLIKELY(!ok)) {
        otelc__log_rec_release(r);
        return false;
    }
    if (OTELC_UNLIKELY(level >= OTELC_LOG_FATAL) && p->fatal_ms)
        otelc__batcher_flush(p->b, otelc__mono_ns() +
                                       (uint64_t)p->fatal_ms * 1000000u);
    return true;
}

/* ---- lifecycle ----------------------------------------------------------- */

static otelc__log_fmt console_format(otelc__log_fmt fmt) {
    if (fmt == OTELC__FMT_JSON)
        return fmt;
    return isatty(STDERR_FILENO) ? OTELC__FMT_TEXT_COLOR : OTELC__FMT_TEXT;
}

static void create_exporters(otelc__log_pipeline *p) {
    bool explicit_list = otelc__cfg_is_set(OTELC_CFG_LOGS_EXPORTER);
    const char *list = otelc__cfg_str(OTELC_CFG_LOGS_EXPORTER);
    while (*list) {
        const char *e = strchr(list, ',');
        size_t n = e ? (size_t)(e - list) : strlen(list);
        char name[32];
        if (n < sizeof name) {
            memcpy(name, list, n);
            name[n] = '\0';
            if (!explicit_list && !otelc__log_exporter_built(name)) {
                /* The default (otlp) in a build without it: say so only
                 * when asked for details. */
                otelc__diag(OTELC_DIAG_DEBUG,
                            "log exporter \"%s\" (the default) is not built "
                            "in; log records go to the local sinks only",
                            name);
            } else if (strcmp(name, "console") && strcmp(name, "none")) {
                otelc_status st;
                otelc_log_exporter *x = otelc_log_exporter_create(name, &st);
                if (x)
                    add_exporter(p, x);
            }
        }
        if (!e)
            break;
        list = e + 1;
    }
    if (otelc__cfg_str(OTELC_CFG_ELASTICSEARCH_URL)[0]) {
        otelc_status st;
        otelc_log_exporter *x = otelc_log_exporter_create("elasticsearch", &st);
        if (x)
            add_exporter(p, x);
    }
}

static uint32_t limit_cfg(otelc__cfg_id specific, otelc__cfg_id general,
                          int64_t fallback) {
    int64_t v = otelc__cfg_is_set(specific) ? otelc__cfg_int(specific, fallback)
                                            : otelc__cfg_int(general, fallback);
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void otelc__log_start(const otelc_resource *resource) {
    pthread_mutex_lock(&g_lock);
    if (atomic_load(&otelc__log_pipe)) {
        pthread_mutex_unlock(&g_lock);
        return;
    }
    otelc__log_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        pthread_mutex_unlock(&g_lock);
        otelc__diag(OTELC_DIAG_ERROR, "log pipeline: out of memory; logging "
                                      "is off");
        return;
    }
    p->resource = resource;
    p->service_name = resource ? otelc_resource_service_name(resource) : "";
    p->correlation = otelc__cfg_bool(OTELC_CFG_LOG_CORRELATION_ID, true);
    p->attr_limit = limit_cfg(OTELC_CFG_LOGRECORD_ATTRIBUTE_COUNT_LIMIT,
                              OTELC_CFG_ATTRIBUTE_COUNT_LIMIT, 128);
    p->value_len_limit =
        limit_cfg(OTELC_CFG_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT,
                  OTELC_CFG_ATTRIBUTE_VALUE_LENGTH_LIMIT, 0);
    p->max_record =
        (uint32_t)otelc__cfg_int(OTELC_CFG_LOG_MAX_RECORD_SIZE, 1 << 20);
    otelc_log_level wl = OTELC_LOG_ERROR;
    otelc_log_level_parse(otelc__cfg_str(OTELC_CFG_LOG_QUEUE_FULL_WAIT_LEVEL),
                          &wl);
    p->wait_level = (unsigned)wl;
    p->wait_ms = (uint32_t)otelc__cfg_int(OTELC_CFG_LOG_QUEUE_FULL_WAIT_MS, 0);
    p->fatal_ms =
        (uint32_t)otelc__cfg_int(OTELC_CFG_LOG_FATAL_FLUSH_TIMEOUT, 5000);

    otelc__log_fmt fmt = strcmp(otelc__cfg_str(OTELC_CFG_LOG_FORMAT), "text")
                             ? OTELC__FMT_JSON
                             : OTELC__FMT_TEXT;
    if (otelc__cfg_bool(OTELC_CFG_ENABLE_CONSOLE_LOGGING, true) ||
        otelc__cfg_list_has(OTELC_CFG_LOGS_EXPORTER, "console")) {
        otelc__log_sink *s = otelc__log_sink_console_new(console_format(fmt));
        if (s)
            p->sinks[p->nsinks++] = s;
    }
    if (otelc__cfg_bool(OTELC_CFG_ENABLE_FILE_LOGGING, false)) {
        otelc__log_sink *s =
            otelc__log_sink_file_new(otelc__cfg_str(OTELC_CFG_LOG_FILE), fmt);
        if (s)
            p->sinks[p->nsinks++] = s;
    }
    if (otelc__cfg_bool(OTELC_CFG_ENABLE_SYSLOG, false)) {
        otelc__log_sink *s = otelc__log_sink_syslog_new(fmt, p->service_name);
        if (s)
            p->sinks[p->nsinks++] = s;
    }
    otelc__batch_config cfg;
    batch_config(&cfg);
    p->b = otelc__batcher_new(&g_pipe_ops, p, &cfg, "otelc-log");
    if (!p->b) {
        for (size_t s = 0; s < p->nsinks; s++)
            p->sinks[s]->close(p->sinks[s]);
        free(p);
        pthread_mutex_unlock(&g_lock);
        otelc__diag(OTELC_DIAG_ERROR, "log pipeline: cannot start its worker; "
                                      "logging is off");
        return;
    }
    create_exporters(p);
    g_last = p;
    atomic_store_explicit(&otelc__log_pipe, p, memory_order_release);
    pthread_mutex_unlock(&g_lock);
    otelc__log_loggers_apply(true);
}

otelc_status otelc__log_stop(uint64_t deadline) {
    otelc__log_loggers_apply(false);
    pthread_mutex_lock(&g_lock);
    otelc__log_pipeline *p = atomic_exchange(&otelc__log_pipe, NULL);
    if (!p) {
        pthread_mutex_unlock(&g_lock);
        return OTELC_OK;
    }
    otelc_status st = otelc__batcher_shutdown(p->b, deadline);
    p->retired_next = g_retired;
    g_retired = p;
    pthread_mutex_unlock(&g_lock);
    return st;
}

otelc_status otelc__log_flush_until(uint64_t deadline) {
    otelc__log_pipeline *p =
        atomic_load_explicit(&otelc__log_pipe, memory_order_acquire);
    return p ? otelc__batcher_flush(p->b, deadline) : OTELC_OK;
}

/* ---- public API ---------------------------------------------------------- */

OTELC_API otelc_status otelc_log_flush(uint32_t timeout_ms) {
    return otelc__log_flush_until(otelc__mono_ns() +
                                  (uint64_t)timeout_ms * 1000000u);
}

OTELC_API void otelc_log_reopen(void) {
    /* Async-signal-safe: one lock-free atomic store. */
    atomic_store_explicit(&otelc__log_reopen_flag, 1, memory_order_relaxed);
}

OTELC_API otelc_status otelc_log_add_exporter(otelc_log_exporter *e) {
    if (!e)
        return OTELC_EINVAL;
    pthread_mutex_lock(&g_lock);
    otelc__log_pipeline *p = atomic_load(&otelc__log_pipe);
    if (!p) {
        pthread_mutex_unlock(&g_lock);
        otelc_log_exporter_free(e);
        return OTELC_ESTATE;
    }
    otelc_status st = add_exporter(p, e);
    pthread_mutex_unlock(&g_lock);
    return st;
}

OTELC_API void otelc_log_get_stats(otelc_log_stats *out) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&g_lock);
    otelc__log_pipeline *p = g_last;
    if (p) {
        otelc_processor_stats b;
        otelc__batcher_stats(p->b, &b);
        out->records_emitted = b.spans_received - b.dropped_queue_full;
        out->dropped_queue_full = b.dropped_queue_full;
        out->dropped_shutdown = b.dropped_shutdown;
        out->queue_depth = b.queue_depth;
        out->records_processed = atomic_load(&p->processed);
    }
    pthread_mutex_unlock(&g_lock);
    otelc__log_thread_counters(&out->sampled_out, &out->filtered_out,
                               &out->truncated, &out->queue_full_waits,
                               &out->dropped_no_memory);
}

OTELC_API otelc_status otelc_log_get_sink_stats(size_t i,
                                                otelc_log_sink_stats *out) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&g_lock);
    otelc__log_pipeline *p = g_last;
    otelc_status st = OTELC_ENOTFOUND;
    if (p && i < p->nsinks) {
        const otelc__log_sink *s = p->sinks[i];
        snprintf(out->name, sizeof out->name, "%s", s->name);
        out->records_written = atomic_load(&s->c.written);
        out->records_failed = atomic_load(&s->c.failed);
        out->errors = atomic_load(&s->c.errors);
        out->bytes_written = atomic_load(&s->c.bytes);
        out->rotations = atomic_load(&s->c.rotations);
        out->truncated = atomic_load(&s->c.truncated);
        st = OTELC_OK;
    } else if (p && i - p->nsinks < atomic_load(&p->nexp)) {
        size_t x = i - p->nsinks;
        otelc_processor_stats b;
        otelc__batcher_stats(p->exp[x].b, &b);
        snprintf(out->name, sizeof out->name, "%s",
                 otelc_log_exporter_name(p->exp[x].e));
        out->records_written = b.spans_exported;
        out->records_failed = b.dropped_queue_full + b.dropped_export +
                              b.dropped_shutdown + b.dropped_rejected;
        out->errors = b.export_failures;
        st = OTELC_OK;
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}
