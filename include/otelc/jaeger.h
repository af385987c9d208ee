/*
 * otelc/jaeger.h - the Jaeger exporter: spans as Thrift (binary protocol)
 * jaeger.Batch messages POSTed to a Jaeger collector's HTTP endpoint
 * (default http://localhost:14268/api/traces), with the OpenTelemetry-to-
 * Jaeger mapping (docs/jaeger.md).
 *
 * otelc_init() creates it when OTEL_TRACES_EXPORTER names "jaeger" (alone
 * or with others, e.g. "otlp,jaeger"), each exporter on its own batch
 * worker.  This header is for code that wires a pipeline itself.  The
 * exporter exists when otelc is built with OTELC_WITH_JAEGER=ON (the
 * default); otelc_span_exporter_create("jaeger", &st) works in every build
 * and reports OTELC_EUNSUPPORTED when it is not built in.
 */
#ifndef OTELC_JAEGER_H
#define OTELC_JAEGER_H

#include "otelc/common.h"
#include "otelc/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Settings of a Jaeger exporter.  Zero-initialise; every zero or NULL
 * field takes the configured value (environment, .env, otelc_options),
 * else the default.  Fields are only ever appended.
 */
typedef struct otelc_jaeger_options {
    /** Collector URL; NULL = OTEL_EXPORTER_JAEGER_ENDPOINT
     *  (http://localhost:14268/api/traces).  Copied. */
    const char *endpoint;
    /** Basic-auth user; NULL = OTEL_EXPORTER_JAEGER_USER ("" = none).
     *  Copied. */
    const char *user;
    /** Basic-auth password; NULL = OTEL_EXPORTER_JAEGER_PASSWORD.  Copied. */
    const char *password;
    /** Milliseconds per HTTP request; 0 = OTEL_EXPORTER_JAEGER_TIMEOUT
     *  (10000).  A request never outlives the batch's export deadline. */
    uint32_t timeout_ms;
    /** Largest request body in bytes; 0 = OTELC_JAEGER_MAX_REQUEST_BYTES
     *  (4 MiB).  A larger batch is sent as several requests; a span that
     *  alone exceeds it is dropped and counted (dropped_rejected). */
    size_t max_request_bytes;
} otelc_jaeger_options;

/**
 * otelc_jaeger_exporter_new - create a Jaeger Thrift-over-HTTP exporter.
 *
 * Hand it to otelc_batch_span_processor_new() (which takes ownership) or
 * to otelc_options_add_span_exporter(); free an unused one with
 * otelc_span_exporter_free().
 *
 * @param options  NULL = everything from the configuration; borrowed for
 *                 the call (strings are copied).
 * @return the exporter; NULL, with one diagnostic line, when the endpoint
 *         is not a usable http:// or https:// URL or memory is exhausted.
 * Thread-safety: any thread.  Blocking: never (no connection is made until
 * the first export).  Since: 0.1.
 *
 * Example:
 *   otelc_jaeger_options jo = {.endpoint = "http://jaeger:14268/api/traces"};
 *   otelc_tracer_provider_add_processor(provider,
 *       otelc_batch_span_processor_new(otelc_jaeger_exporter_new(&jo), NULL));
 */
OTELC_API otelc_span_exporter *
otelc_jaeger_exporter_new(const otelc_jaeger_options *options);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_JAEGER_H */
