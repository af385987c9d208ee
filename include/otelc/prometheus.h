/*
 * otelc/prometheus.h - the Prometheus pull endpoint and the health
 * endpoints, on an embedded HTTP server (libmicrohttpd).
 *
 *   GET /metrics        the provider's metrics: Prometheus text 0.0.4
 *                       (Content-Type: text/plain; version=0.0.4;
 *                       charset=utf-8), or OpenMetrics 1.0 with exemplars
 *                       when the Accept header prefers
 *                       application/openmetrics-text; gzip when the
 *                       Accept-Encoding header allows it
 *   GET /health, /health/<name>, /health/live   see otelc/health.h
 *
 * otelc_init() starts one for the global provider and registry when
 * OTEL_METRICS_EXPORTER contains "prometheus", or when METRICS_PORT or
 * OTEL_EXPORTER_PROMETHEUS_PORT is set explicitly (a library never opens
 * a port merely because METRICS_ENABLED defaults to true); see
 * docs/metrics.md.
 *
 * The server runs on its own threads: one that accepts connections and
 * one per connection, at most OTELC_METRICS_CONNECTION_LIMIT at once, each
 * closed after OTELC_METRICS_CONNECTION_TIMEOUT seconds without progress.
 * A client that connects and sends nothing therefore holds one thread for
 * at most that long and never delays another client.  A scrape collects a
 * snapshot (recording threads are never held: cells are read with atomic
 * loads) and renders it outside the collection lock.
 */
#ifndef OTELC_PROMETHEUS_H
#define OTELC_PROMETHEUS_H

#include "otelc/common.h"
#include "otelc/health.h"
#include "otelc/metrics.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_prometheus_server otelc_prometheus_server;

/** Options of the server.  Zero-initialise: zero fields take the
 *  configured value.  Fields are only ever appended. */
typedef struct otelc_prometheus_options {
    /** Address to listen on; NULL = OTEL_EXPORTER_PROMETHEUS_HOST
     *  ("0.0.0.0").  A name or a numeric IPv4/IPv6 address. */
    const char *host;
    /** Port; 0 = OTEL_EXPORTER_PROMETHEUS_PORT, else METRICS_PORT (8000). */
    uint16_t port;
    /** Listen on a free port chosen by the system (tests); see
     *  otelc_prometheus_server_port(). */
    bool ephemeral_port;
    /** Serve /health only: /metrics answers 404 (METRICS_ENABLED=false
     *  with an explicit METRICS_PORT). */
    bool health_only;
    /** The checks behind /health; NULL = the global registry. */
    otelc_health_registry *health;
    /** 0 = OTELC_PROMETHEUS_SCOPE_LABELS, 1 = with otel_scope_* labels,
     *  2 = without. */
    int scope_labels;
    uint32_t connection_limit;     /* 0 = OTELC_METRICS_CONNECTION_LIMIT */
    uint32_t connection_timeout_s; /* 0 = OTELC_METRICS_CONNECTION_TIMEOUT */
} otelc_prometheus_options;

/**
 * otelc_prometheus_server_start - start serving `provider`'s metrics (a
 * pull reader is added to it) and the health endpoints.
 * @param provider  NULL = the global provider.
 * @param options   NULL = configuration; copied.
 * @param status    optional out: OTELC_OK, OTELC_EIO (cannot listen: the
 *                  diagnostic names the address and the reason),
 *                  OTELC_EUNSUPPORTED (built without libmicrohttpd),
 *                  OTELC_EFULL (the provider has 4 readers) or
 *                  OTELC_ENOMEM.
 * @return the server, stopped and freed with otelc_prometheus_server_stop();
 *         NULL on failure.
 * Thread-safety: any thread.  Blocking: binds a socket, starts threads.
 * Since: 0.1.
 */
OTELC_API otelc_prometheus_server *
otelc_prometheus_server_start(otelc_meter_provider *provider,
                              const otelc_prometheus_options *options,
                              otelc_status *status);

/** otelc_prometheus_server_port - the port the server listens on (useful
 *  with ephemeral_port).  Thread-safety: any thread.  Since: 0.1. */
OTELC_API uint16_t
otelc_prometheus_server_port(const otelc_prometheus_server *server);

/**
 * otelc_prometheus_server_stop - stop accepting, close connections (a
 * request being answered completes first), remove the reader from the
 * provider and free the server.  NULL is accepted.
 * Thread-safety: any thread, once.  Blocking: until the server's threads
 * have finished (each request's work is bounded by the health checks'
 * timeouts and the connection timeout).  Since: 0.1.
 */
OTELC_API void otelc_prometheus_server_stop(otelc_prometheus_server *server);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_PROMETHEUS_H */
