/*
 * exporters/common/otlp_json.h - ExportTraceServiceRequest in the OTLP JSON
 * encoding (ids as lowercase hex, enums as integers, 64-bit integers as
 * decimal strings, lowerCamelCase keys), as the OTLP specification defines
 * it for OTLP/HTTP JSON and the Collector's file exporter writes it.
 */
#ifndef OTELC_EXPORTERS_OTLP_JSON_H
#define OTELC_EXPORTERS_OTLP_JSON_H

#include "sdk/json_int.h"

#include "otelc/export.h"

/* Append one request holding `spans`, grouped by resource, then by
 * instrumentation scope, in first-seen order.  No trailing newline. */
void otelc__otlp_json_traces(otelc__buf *b, const otelc_span_data *const *spans,
                             size_t n);

/* One AnyValue / KeyValue list (shared with the logs encoder). */
void otelc__otlp_json_value(otelc__buf *b, const otelc_value *v);
void otelc__otlp_json_attributes(otelc__buf *b, const otelc_attribute *a,
                                 size_t n);

#endif /* OTELC_EXPORTERS_OTLP_JSON_H */
