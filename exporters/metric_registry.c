/*
 * exporters/metric_registry.c - metric exporters by name
 * (OTEL_METRICS_EXPORTER) and the metrics part of otelc_init() and
 * otelc_shutdown().
 *
 * Like the span exporter registry, optional push exporters register from
 * their folder through a generated table (OTELC_METRIC_EXPORTER_DECLS /
 * _LINES, see sdk/metrics.cmake), so adding one is a folder and a line.
 * "prometheus" is not a push exporter but the pull endpoint, started here.
 *
 * When does otelc_init() open a port?  Only when asked: when
 * OTEL_METRICS_EXPORTER names "prometheus", or when METRICS_PORT or
 * OTEL_EXPORTER_PROMETHEUS_PORT is set explicitly (in .env, the
 * environment or code).  METRICS_ENABLED defaults to true and METRICS_PORT
 * to 8000, but a library linked into a program must not start listening on
 * 8000 merely because of defaults; a service that wants the endpoint says
 * so with one of those settings (the service template's .env sets
 * METRICS_PORT).  With METRICS_ENABLED=false and an explicit port, only
 * /health is served.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/config_int.h"
#include "sdk/metrics_int.h"

#include "otelc/health.h"
#include "otelc/prometheus.h"

typedef otelc_metric_exporter *(*mfactory_fn)(otelc_status *status);

static otelc_metric_exporter *console_factory(otelc_status *st) {
    otelc_metric_exporter *e = otelc_console_metric_exporter_new(stdout);
    *st = e ? OTELC_OK : OTELC_ENOMEM;
    return e;
}

/* Generated: declarations of optional factories, then table lines. */
#include "otelc_metric_exporter_list.h"

static const struct {
    const char *name;
    mfactory_fn create;
} g_factories[] = {{"console", console_factory},
#define OTELC__METRIC_EXPORTER(name, fn) {name, fn},
                   OTELC__OPTIONAL_METRIC_EXPORTERS
#undef OTELC__METRIC_EXPORTER
};

OTELC_API otelc_metric_exporter *
otelc_metric_exporter_create(const char *name, otelc_status *st) {
    otelc_status dummy;
    if (!st)
        st = &dummy;
    if (!name || !strcmp(name, "none")) {
        *st = OTELC_OK;
        return NULL;
    }
    for (size_t i = 0; i < OTELC_ARRAY_LEN(g_factories); i++)
        if (!strcmp(g_factories[i].name, name))
            return g_factories[i].create(st);
    if (!strcmp(name, "prometheus")) {
        otelc__diag(OTELC_DIAG_WARN,
                    "\"prometheus\" is a pull endpoint, not a push metric "
                    "exporter: use otelc_prometheus_server_start()");
        *st = OTELC_EINVAL;
        return NULL;
    }
    if (!strcmp(name, "otlp")) {
        otelc__diag(OTELC_DIAG_WARN,
                    "metric exporter \"otlp\" is not built into this otelc "
                    "(configure with -DOTELC_WITH_OTLP=ON); metrics are not "
                    "pushed");
        *st = OTELC_EUNSUPPORTED;
        return NULL;
    }
    otelc__diag(OTELC_DIAG_WARN, "unknown metric exporter \"%s\"; skipped",
                name);
    *st = OTELC_ENOTFOUND;
    return NULL;
}

static bool built(const char *name) {
    for (size_t i = 0; i < OTELC_ARRAY_LEN(g_factories); i++)
        if (!strcmp(g_factories[i].name, name))
            return true;
    return false;
}

/* ---- otelc_init() / otelc_shutdown()
 * ------------------------------------------- */

static otelc_prometheus_server *g_server;
static bool g_checks_registered;

static void builtin_checks(void) {
    if (g_checks_registered)
        return;
    g_checks_registered = true;
    uint32_t t = (uint32_t)otelc__cfg_int(OTELC_CFG_HEALTH_CHECK_TIMEOUT, 5000);
    if (otelc__cfg_list_has(OTELC_CFG_HEALTH_CHECKS, "disk")) {
        /* The first configured mount point. */
        char path[512];
        const char *paths = otelc__cfg_str(OTELC_CFG_METRICS_DISK_PATHS);
        size_t n = strcspn(paths, ",");
        snprintf(path, sizeof path, "%.*s", (int)n, paths);
        if (!path[0])
            snprintf(path, sizeof path, "/");
        otelc_health_register_disk(
            NULL, "disk", path,
            (double)otelc__cfg_int(OTELC_CFG_HEALTH_DISK_MIN_FREE_PERCENT, 10),
            t);
    }
    if (otelc__cfg_list_has(OTELC_CFG_HEALTH_CHECKS, "memory"))
        otelc_health_register_memory(
            NULL, "memory",
            (double)otelc__cfg_int(OTELC_CFG_HEALTH_MEMORY_MAX_PERCENT, 90), t);
}

void otelc__metrics_setup(void) {
    otelc__metrics_global_start(otelc_resource_default());
    otelc_meter_provider *mp = otelc_meter_provider_global();
    bool enabled = otelc__cfg_bool(OTELC_CFG_METRICS_ENABLED, true);
    bool want_server = false;
    if (enabled) {
        if (otelc__cfg_bool(OTELC_CFG_SYSTEM_METRICS, true)) {
            otelc_process_metrics_register(mp);
            otelc_system_metrics_register(mp, NULL);
            otelc_sdk_metrics_register(mp, NULL);
        }
        const char *list = otelc__cfg_str(OTELC_CFG_METRICS_EXPORTER);
        while (*list) {
            const char *e = strchr(list, ',');
            size_t n = e ? (size_t)(e - list) : strlen(list);
            char name[32];
            if (n < sizeof name) {
                memcpy(name, list, n);
                name[n] = '\0';
                if (!strcmp(name, "prometheus")) {
                    want_server = true;
                } else if (!otelc__cfg_is_set(OTELC_CFG_METRICS_EXPORTER) &&
                           !built(name)) {
                    /* The default "otlp" in a build without it: nobody
                     * asked, so no warning on every otelc_init(). */
                    otelc__diag(OTELC_DIAG_DEBUG,
                                "metric exporter \"%s\" (the default) is not "
                                "built; metrics are not pushed",
                                name);
                } else if (strcmp(name, "none")) {
                    otelc_status st;
                    otelc_metric_exporter *x =
                        otelc_metric_exporter_create(name, &st);
                    if (x)
                        otelc_meter_provider_add_reader(
                            mp, otelc_periodic_reader_new(x, 0, 0));
                }
            }
            if (!e)
                break;
            list = e + 1;
        }
    }
    if (otelc__cfg_is_set(OTELC_CFG_METRICS_PORT) ||
        otelc__cfg_is_set(OTELC_CFG_PROMETHEUS_PORT))
        want_server = true;
    if (!want_server)
        return;
    builtin_checks();
    otelc_prometheus_options o = {0};
    o.health_only = !enabled;
    otelc_status st;
    g_server = otelc_prometheus_server_start(NULL, &o, &st);
    if (g_server)
        otelc_health_start_background(NULL, 0);
}

otelc_status otelc__metrics_teardown(uint64_t deadline) {
    if (g_server) {
        otelc_prometheus_server_stop(g_server);
        g_server = NULL;
        otelc_health_stop_background(NULL);
    }
    return otelc__metrics_global_stop(deadline);
}
