/*
 * exporters/prometheus/prom_absent.c - the Prometheus endpoint in a build
 * without libmicrohttpd (-DOTELC_WITH_PROMETHEUS=OFF): starting it fails
 * with OTELC_EUNSUPPORTED and a diagnostic that says how to get it.
 */
#include "sdk/internal.h"

#include "otelc/prometheus.h"

OTELC_API otelc_prometheus_server *
otelc_prometheus_server_start(otelc_meter_provider *provider,
                              const otelc_prometheus_options *options,
                              otelc_status *status) {
    (void)provider;
    (void)options;
    otelc__diag(OTELC_DIAG_WARN,
                "the /metrics and /health endpoint is not built into this "
                "otelc (configure with -DOTELC_WITH_PROMETHEUS=ON and "
                "libmicrohttpd installed)");
    if (status)
        *status = OTELC_EUNSUPPORTED;
    return NULL;
}

OTELC_API uint16_t
otelc_prometheus_server_port(const otelc_prometheus_server *server) {
    (void)server;
    return 0;
}

OTELC_API void otelc_prometheus_server_stop(otelc_prometheus_server *server) {
    (void)server;
}
