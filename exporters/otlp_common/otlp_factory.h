/*
 * exporters/otlp_common/otlp_factory.h - the registry's factory for
 * OTEL_TRACES_EXPORTER=otlp (included by the generated exporter list).
 * Not installed.
 */
#ifndef OTELC_EXPORTERS_OTLP_FACTORY_H
#define OTELC_EXPORTERS_OTLP_FACTORY_H

#include "otelc/export.h"
#include "otelc/status.h"

/* An OTLP span exporter configured entirely from the loaded configuration;
 * NULL with *status set (and one diagnostic) when it cannot be created. */
otelc_span_exporter *otelc__otlp_factory(otelc_status *status);

#endif
