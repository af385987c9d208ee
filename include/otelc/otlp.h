/*
 * otelc/otlp.h - the OTLP exporters (OpenTelemetry Protocol) for spans,
 * metrics and log records, over gRPC or HTTP, for code that builds its
 * pipelines itself.
 *
 * otelc_init() creates them by itself when OTEL_TRACES_EXPORTER,
 * OTEL_METRICS_EXPORTER or OTEL_LOGS_EXPORTER contains "otlp" (the default
 * of each), configured by the OTEL_EXPORTER_OTLP_* variables and their
 * per-signal forms (OTEL_EXPORTER_OTLP_TRACES_*, _METRICS_*, _LOGS_*);
 * docs/otlp.md describes every setting, the retry behaviour and the
 * limits.  Each exporter runs on its own worker (a batch processor's, the
 * periodic metric reader's, the log exporter's batcher): it never blocks
 * an application thread.
 *
 * Available when otelc is built with OTELC_WITH_OTLP (the default); in a
 * build without it these functions still exist and fail with
 * OTELC_EUNSUPPORTED.
 */
#ifndef OTELC_OTLP_H
#define OTELC_OTLP_H

#include "otelc/common.h"
#include "otelc/export.h"
#include "otelc/log.h"
#include "otelc/metrics.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Options of an OTLP exporter.  Zero-initialise: every NULL or zero field
 * takes the configured value (the exporter's signal's variable, e.g.
 * OTEL_EXPORTER_OTLP_TRACES_*, then OTEL_EXPORTER_OTLP_*), then the
 * specification's default.  Strings are copied.  Fields are only ever
 * appended.
 */
typedef struct otelc_otlp_options {
    /** "grpc", "http/protobuf" or "http/json" (default "http/protobuf"). */
    const char *protocol;
    /** The endpoint, used as is, like OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
     *  gRPC "http://host:port" (plaintext), "https://host:port" (TLS) or
     *  "host:port" (TLS); HTTP the full URL, e.g.
     *  "http://localhost:4318/v1/traces" (/v1/metrics, /v1/logs). */
    const char *endpoint;
    /** Extra request headers "k1=v1,k2=v2" (percent-encoded values). */
    const char *headers;
    /** Milliseconds allowed per request (default 10000).  A request never
     *  outlives the batch processor's export deadline either. */
    uint32_t timeout_ms;
    /** "gzip" or "none" (default "none"). */
    const char *compression;
    /** PEM file of CA certificates that verify the server. */
    const char *certificate;
    /** PEM files of a client key and certificate (mutual TLS). */
    const char *client_key;
    const char *client_certificate;
    /** Metric exporters: "cumulative", "delta" or "lowmemory", like
     *  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (its default:
     *  "cumulative").  Ignored by the other exporters. */
    const char *temporality_preference;
} otelc_otlp_options;

/**
 * otelc_otlp_exporter_new - an OTLP span exporter.
 * @param options  NULL = configuration only.  Borrowed for the call.
 * @return the exporter, to hand to otelc_batch_span_processor_new() (which
 *         takes ownership) or to free with otelc_span_exporter_free(); NULL
 *         with one diagnostic when the options cannot work (an endpoint
 *         that is not a URL, an unknown protocol, an unreadable certificate
 *         file), or when this build has no OTLP support.
 * Thread-safety: any thread.  Blocking: reads certificate files; opens no
 * connection (the first export connects).  Since: 0.1.
 */
OTELC_API otelc_span_exporter *
otelc_otlp_exporter_new(const otelc_otlp_options *options);

/** Counters of one OTLP exporter.  All monotonic. */
typedef struct otelc_otlp_stats {
    uint64_t requests;           /* requests sent, retries included */
    uint64_t requests_ok;        /* accepted, fully or partially */
    uint64_t failures_retryable; /* transient: the worker retries */
    uint64_t failures_permanent; /* rejected: the batch is dropped */
    uint64_t retry_hints;        /* failures with RetryInfo/Retry-After */
    uint64_t partial_successes;  /* responses with a partial success */
    uint64_t items_rejected;     /* items (spans, data points or log
                                    records) rejected in those */
    uint64_t items_sent;         /* items in requests sent */
    uint64_t bytes_encoded;      /* request bodies before compression */
    uint64_t bytes_sent;         /* request bodies as sent (gRPC: before
                                    gRPC's own compression) */
    uint64_t encode_cpu_ns;      /* worker CPU time spent encoding */
    uint64_t export_cpu_ns;      /* worker CPU time in export calls:
                                    encoding, compression, transport */
} otelc_otlp_stats;

/**
 * otelc_otlp_exporter_stats - copy an OTLP exporter's counters.
 * @param exporter  an exporter from otelc_otlp_exporter_new() or created by
 *                  name ("otlp"); it stays valid while the processor or
 *                  provider that owns it lives.
 * @return OTELC_OK, or OTELC_EINVAL when exporter is not an OTLP exporter
 *         (out is zeroed).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_otlp_exporter_stats(
    const otelc_span_exporter *exporter, otelc_otlp_stats *out);

/**
 * otelc_otlp_metric_exporter_new - an OTLP metric exporter: each
 * collection becomes one ExportMetricsServiceRequest (sums, gauges and
 * histograms with their exemplars), sent to MetricsService/Export (gRPC)
 * or POST /v1/metrics (HTTP).  Sums and histograms go out with the
 * temporality that options->temporality_preference (or
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE) asks for.
 * @param options  NULL = configuration only (OTEL_EXPORTER_OTLP_METRICS_*,
 *                 then OTEL_EXPORTER_OTLP_*).  Borrowed for the call.
 * @return the exporter, to hand to otelc_periodic_reader_new() (which
 *         takes ownership) or to free with otelc_metric_exporter_free();
 *         NULL with one diagnostic when the options cannot work or this
 *         build has no OTLP support.
 * Thread-safety: any thread.  Blocking: reads certificate files; opens no
 * connection.  Since: 0.1.
 */
OTELC_API otelc_metric_exporter *
otelc_otlp_metric_exporter_new(const otelc_otlp_options *options);

/**
 * otelc_otlp_metric_exporter_stats - copy an OTLP metric exporter's
 * counters (items are data points).
 * @param exporter  from otelc_otlp_metric_exporter_new() or created by name
 *                  ("otlp"); valid while the reader that owns it lives.
 * @return OTELC_OK, or OTELC_EINVAL when exporter is not an OTLP metric
 *         exporter (out is zeroed).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_otlp_metric_exporter_stats(
    const otelc_metric_exporter *exporter, otelc_otlp_stats *out);

/**
 * otelc_otlp_log_exporter_new - an OTLP log exporter: each batch of log
 * records becomes one ExportLogsServiceRequest, sent to LogsService/Export
 * (gRPC) or POST /v1/logs (HTTP), records carrying the trace_id, span_id
 * and trace flags of the span current when they were made.
 * @param options  NULL = configuration only (OTEL_EXPORTER_OTLP_LOGS_*,
 *                 then OTEL_EXPORTER_OTLP_*).  Borrowed for the call.
 * @return the exporter, to hand to otelc_log_add_exporter() (which takes
 *         ownership) or to free with otelc_log_exporter_free(); NULL with
 *         one diagnostic when the options cannot work or this build has no
 *         OTLP support.
 * Thread-safety: any thread.  Blocking: reads certificate files; opens no
 * connection.  Since: 0.1.
 */
OTELC_API otelc_log_exporter *
otelc_otlp_log_exporter_new(const otelc_otlp_options *options);

/**
 * otelc_otlp_log_exporter_stats - copy an OTLP log exporter's counters
 * (items are log records).
 * @param exporter  from otelc_otlp_log_exporter_new() or created by name
 *                  ("otlp"); valid while the log pipeline that owns it
 *                  runs.
 * @return OTELC_OK, or OTELC_EINVAL when exporter is not an OTLP log
 *         exporter (out is zeroed).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_otlp_log_exporter_stats(
    const otelc_log_exporter *exporter, otelc_otlp_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_OTLP_H */
