/*
 * sdk/init.c - otelc_init() and otelc_shutdown(): the one-call setup.
 *
 * otelc_init loads the configuration, builds the tracer provider with one
 * batch processor per exporter named in OTEL_TRACES_EXPORTER (plus those
 * given in code), and installs it as the global provider.
 *
 * otelc_shutdown flushes and stops everything within its deadline and puts
 * the no-op provider back.  The old provider is shut down but deliberately
 * not freed: another thread may still hold one of its spans (a request in
 * flight while main() exits), and ending it must stay safe.  Its processors
 * count such late spans as dropped.  The memory kept is a few kilobytes per
 * init/shutdown cycle.
 */
#include <pthread.h>
#include <stdlib.h>

#include "sdk/alerts_int.h"
#include "sdk/config_int.h"
#include "sdk/errors_int.h"
#include "sdk/errors_metrics_int.h"
#include "sdk/log_int.h"
#include "sdk/metrics_int.h"
#include "sdk/perf_int.h"
#include "sdk/propagation_int.h"
#include "sdk/span_int.h"

size_t otelc__options_take_exporters(otelc_options *o,
                                     otelc_span_exporter **out, size_t max);
otelc_sampler *otelc__options_take_sampler(otelc_options *o);

typedef struct retired {
    otelc_tracer_provider *provider;
    struct retired *next;
} retired;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_initialized;
static otelc_tracer_provider *g_provider;
static retired *g_retired; /* reachable, so leak checkers stay quiet */

static void add_exporter(otelc_tracer_provider *p, otelc_span_exporter *e) {
    otelc_span_processor *proc = otelc_batch_span_processor_new(e, NULL);
    if (!proc) {
        otelc__diag(OTELC_DIAG_ERROR, "cannot start a batch processor for %s",
                    otelc_span_exporter_name(e));
        return;
    }
    otelc_tracer_provider_add_processor(p, proc);
}

OTELC_API otelc_status otelc_init(otelc_options *opts) {
    pthread_mutex_lock(&g_lock);
    if (g_initialized) {
        pthread_mutex_unlock(&g_lock);
        otelc_options_free(opts);
        otelc__diag(OTELC_DIAG_WARN, "otelc_init: already initialised; call "
                                     "otelc_shutdown() first");
        return OTELC_EEXIST;
    }
    otelc__config_load(opts);
    otelc__propagation_reload(); /* OTEL_PROPAGATORS may have changed */
    g_initialized = true;
    if (otelc__cfg_bool(OTELC_CFG_SDK_DISABLED, false)) {
        otelc__diag(OTELC_DIAG_INFO, "OTEL_SDK_DISABLED=true: telemetry is "
                                     "off");
        pthread_mutex_unlock(&g_lock);
        otelc_options_free(opts);
        return OTELC_OK;
    }
    otelc_sampler *sampler = otelc__options_take_sampler(opts);
    otelc_tracer_provider *p = otelc_tracer_provider_new(NULL, sampler);
    if (!p) {
        /* Not initialised: forget the options' values too, as shutdown
         * would. */
        g_initialized = false;
        otelc__config_reset();
        pthread_mutex_unlock(&g_lock);
        otelc_options_free(opts);
        return OTELC_ENOMEM;
    }
    const char *list = otelc__cfg_str(OTELC_CFG_TRACES_EXPORTER);
    while (*list) {
        const char *e = strchr(list, ',');
        size_t n = e ? (size_t)(e - list) : strlen(list);
        char name[32];
        if (n < sizeof name) {
            memcpy(name, list, n);
            name[n] = '\0';
            otelc_status st;
            otelc_span_exporter *exp = otelc_span_exporter_create(name, &st);
            if (exp)
                add_exporter(p, exp);
        }
        if (!e)
            break;
        list = e + 1;
    }
    otelc_span_exporter *code[8];
    size_t nc = otelc__options_take_exporters(opts, code, 8);
    for (size_t i = 0; i < nc; i++)
        add_exporter(p, code[i]);
    otelc_options_free(opts);
    g_provider = p;
    otelc_tracer_provider_set_global(p);
    /* Logs: sinks and exporters from configuration; loggers turn on. */
    otelc__log_start(p->resource);
    /* Metrics: the global meter provider's resource and readers, the
     * built-in instruments, and /metrics + /health when asked for
     * (exporters/metric_registry.c). */
    otelc__metrics_setup();
    /* Error tracking (Sentry, pending crash reports, the crash handler). */
    otelc__errors_start(p->resource);
    /* The global alert manager and the channels configured for it. */
    otelc__alerts_start();
    /* Slow-operation detection (PERFORMANCE_MONITORING), and the metrics
     * reader that alerts and the performance report read through. */
    otelc__perf_start();
    otelc__errors_metrics_start();
    otelc__diag(OTELC_DIAG_DEBUG,
                "initialised: service.name=%s sampler=%s "
                "processors=%u",
                otelc_resource_service_name(p->resource),
                otelc_sampler_description(p->sampler), atomic_load(&p->nprocs));
    pthread_mutex_unlock(&g_lock);
    return OTELC_OK;
}

OTELC_API otelc_status otelc_shutdown(uint32_t timeout_ms) {
    pthread_mutex_lock(&g_lock);
    if (!g_initialized) {
        pthread_mutex_unlock(&g_lock);
        return OTELC_OK;
    }
    otelc_tracer_provider *p = g_provider;
    g_provider = NULL;
    g_initialized = false;
    otelc_tracer_provider_set_global(NULL);
    otelc_status st = OTELC_OK;
    /* Logs first: the last records (often the reason for exiting) reach
     * the local sinks fast; the traces get the rest of the deadline. */
    uint64_t deadline = otelc__mono_ns() + (uint64_t)timeout_ms * 1000000u;
    /* Alerts and queued Sentry events, while the log still records what
     * happens. */
    otelc__perf_stop();
    if (otelc__alerts_stop(deadline) != OTELC_OK)
        st = OTELC_ETIMEDOUT;
    otelc__errors_metrics_stop();
    if (otelc__errors_stop(deadline) != OTELC_OK)
        st = OTELC_ETIMEDOUT;
    if (otelc__log_stop(deadline) != OTELC_OK)
        st = OTELC_ETIMEDOUT;
    uint64_t now = otelc__mono_ns();
    timeout_ms = now < deadline ? (uint32_t)((deadline - now) / 1000000u) : 0;
    if (p) {
        otelc_status ts = otelc_tracer_provider_shutdown(p, timeout_ms);
        if (ts != OTELC_OK)
            st = ts;
        /* Metrics last, so the final export counts every span; within the
         * same deadline. */
        if (otelc__metrics_teardown(deadline) != OTELC_OK)
            st = OTELC_ETIMEDOUT;
        retired *r = malloc(sizeof *r);
        if (r) {
            r->provider = p;
            r->next = g_retired;
            g_retired = r;
        }
    }
    otelc__config_reset();
    otelc__propagation_reload();
    pthread_mutex_unlock(&g_lock);
    return st;
}

OTELC_API otelc_status otelc_force_flush(uint32_t timeout_ms) {
    pthread_mutex_lock(&g_lock);
    otelc_tracer_provider *p = g_provider;
    bool init = g_initialized;
    pthread_mutex_unlock(&g_lock);
    uint64_t deadline = otelc__mono_ns() + (uint64_t)timeout_ms * 1000000u;
    otelc_status es = otelc__errors_flush_until(deadline);
    if (otelc__alerts_flush_until(deadline) != OTELC_OK)
        es = OTELC_ETIMEDOUT;
    otelc_status ls = otelc__log_flush_until(deadline);
    if (ls == OTELC_OK)
        ls = es;
    uint64_t now = otelc__mono_ns();
    timeout_ms = now < deadline ? (uint32_t)((deadline - now) / 1000000u) : 0;
    otelc_status ts =
        p ? otelc_tracer_provider_force_flush(p, timeout_ms) : OTELC_OK;
    /* Then the periodic metric readers, in what is left of the time. */
    now = otelc__mono_ns();
    if (init &&
        otelc_meter_provider_force_flush(
            NULL, now < deadline ? (uint32_t)((deadline - now) / 1000000u)
                                 : 0) != OTELC_OK &&
        ts == OTELC_OK)
        ts = OTELC_ETIMEDOUT;
    return ts != OTELC_OK ? ts : ls;
}

OTELC_API bool otelc_is_initialized(void) {
    pthread_mutex_lock(&g_lock);
    bool v = g_initialized;
    pthread_mutex_unlock(&g_lock);
    return v;
}
