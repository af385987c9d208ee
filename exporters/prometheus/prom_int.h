/*
 * exporters/prometheus/prom_int.h - the Prometheus exporter's parts, for
 * its own files, the tests, the fuzz targets and the benchmark.  Not
 * installed.
 */
#ifndef OTELC_PROM_INT_H
#define OTELC_PROM_INT_H

#include "sdk/internal.h"
#include "sdk/json_int.h"

#include "otelc/metrics.h"

typedef struct otelc__prom_opts {
    bool openmetrics;  /* OpenMetrics 1.0 (exemplars, # EOF) or text 0.0.4 */
    bool scope_labels; /* otel_scope_name / otel_scope_version */
} otelc__prom_opts;

/* Render a collection in the Prometheus text format 0.0.4 or OpenMetrics
 * 1.0, following the OpenTelemetry-to-Prometheus rules: sanitised names
 * with unit and type suffixes, target_info from the resource, scope labels,
 * colliding label keys joined with ';'.  Appends to `out`. */
void otelc__prom_render(const otelc_metrics_data *data,
                        const otelc__prom_opts *opts, otelc__buf *out);

/* The Prometheus metric name (with unit suffix, without type suffix) of an
 * OTel instrument, NUL-terminated in out (truncated to len - 1).  Exposed
 * for the tests and the documentation table. */
void otelc__prom_metric_name(const char *name, const char *unit,
                             otelc_metric_type type, char *out, size_t len);

/* Content negotiation.  Parse an Accept header (NULL = absent): true when
 * OpenMetrics text should be served (it is acceptable and preferred to, or
 * as good as, the 0.0.4 text format). */
bool otelc__prom_wants_openmetrics(const char *accept);
/* Parse an Accept-Encoding header: true when gzip is acceptable (q > 0). */
bool otelc__prom_accepts_gzip(const char *accept_encoding);

/* gzip-compress in[0..n) into out (reset first).  false on failure. */
bool otelc__prom_gzip(const char *in, size_t n, otelc__buf *out);

#endif /* OTELC_PROM_INT_H */
