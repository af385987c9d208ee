/*
 * exporters/jaeger/jaeger_factory.h - the registry's entry point to the
 * Jaeger exporter (included by the generated otelc_exporter_list.h: the
 * CMake registration list cannot carry a ';', so the declaration lives
 * here).  Not installed.
 */
#ifndef OTELC_JAEGER_FACTORY_H
#define OTELC_JAEGER_FACTORY_H

#include "otelc/export.h"
#include "otelc/status.h"

/* An exporter configured from OTEL_EXPORTER_JAEGER_* and
 * OTELC_JAEGER_MAX_REQUEST_BYTES; NULL with *st = OTELC_ECONFIG when the
 * endpoint is unusable (already diagnosed). */
otelc_span_exporter *otelc__jaeger_factory(otelc_status *st);

#endif /* OTELC_JAEGER_FACTORY_H */
