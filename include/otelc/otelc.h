/*
 * otelc/otelc.h - the umbrella header: include this one.
 *
 * otelc is an OpenTelemetry-compatible telemetry SDK for C services.
 * Typical use:
 *
 *   #include <otelc/otelc.h>
 *   int main(void) {
 *       otelc_init(NULL);            // everything from OTEL_* and .env
 *       TRACE_SPAN("work") { ... }   // ends when the block is left
 *       otelc_shutdown(5000);        // flush, at most 5 s
 *   }
 *
 * Each area has its own header; see docs/ for one page per area.
 */
#ifndef OTELC_OTELC_H
#define OTELC_OTELC_H

#include "otelc/alerts.h"
#include "otelc/baggage.h"
#include "otelc/common.h"
#include "otelc/config.h"
#include "otelc/context.h"
#include "otelc/diag.h"
#include "otelc/errors.h"
#include "otelc/export.h"
#include "otelc/exporters.h"
#include "otelc/health.h"
#include "otelc/jaeger.h"
#include "otelc/log.h"
#include "otelc/macros.h"
#include "otelc/metrics.h"
#include "otelc/otlp.h"
#include "otelc/perf.h"
#include "otelc/prometheus.h"
#include "otelc/propagation.h"
#include "otelc/request_id.h"
#include "otelc/sampler.h"
#include "otelc/status.h"
#include "otelc/trace.h"
#include "otelc/version.h"

#endif /* OTELC_OTELC_H */
