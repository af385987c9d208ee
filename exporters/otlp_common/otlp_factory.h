/*
 * exporters/otlp_common/otlp_factory.h - the registries' factories for
 * OTEL_TRACES_EXPORTER=otlp, OTEL_METRICS_EXPORTER=otlp and
 * OTEL_LOGS_EXPORTER=otlp (included by the generated exporter lists).
 * Not installed.
 */
#ifndef OTELC_EXPORTERS_OTLP_FACTORY_H
#define OTELC_EXPORTERS_OTLP_FACTORY_H

#include "otelc/export.h"
#include "otelc/log.h"
#include "otelc/metrics.h"
#include "otelc/status.h"

/* OTLP exporters configured entirely from the loaded configuration; NULL
 * with *status set (and one diagnostic) when one cannot be created. */
otelc_span_exporter *otelc__otlp_factory(otelc_status *status);
otelc_metric_exporter *otelc__otlp_metric_factory(otelc_status *status);
otelc_log_exporter *otelc__otlp_log_factory(otelc_status *status);

#endif
