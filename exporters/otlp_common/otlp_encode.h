/*
 * exporters/otlp_common/otlp_encode.h - spans to an OTLP
 * ExportTraceServiceRequest (protobuf-c message tree).  Not installed.
 *
 * The tree is built in an arena (otlp_arena.h): no malloc per field, and
 * released at once by resetting the arena.  Strings and ids in the tree
 * point into the span data (borrowed), so the tree must be packed before
 * the export call returns.  Building is O(spans + attributes + events +
 * links) whatever the number of resources and scopes.
 *
 * Thread-safety: none; each exporter uses its own arena on its worker.
 */
#ifndef OTELC_EXPORTERS_OTLP_ENCODE_H
#define OTELC_EXPORTERS_OTLP_ENCODE_H

#include <protobuf-c/protobuf-c.h>

#include "exporters/otlp_common/otlp_arena.h"
#include "otelc/export.h"

/* Build the request for spans[0..n): spans grouped by resource, then by
 * instrumentation scope, both in first-seen order; spans keep their batch
 * order within a scope.  NULL when the arena runs out of memory. */
const ProtobufCMessage *
otelc__otlp_traces_request(otelc__arena *a, const otelc_span_data *const *spans,
                           size_t n);

/* Shared with the metrics and logs encoders: an attribute list as
 * KeyValue pointers (NULL with n == 0 is fine), and one AnyValue. */
struct Opentelemetry__Proto__Common__V1__KeyValue;
struct Opentelemetry__Proto__Common__V1__AnyValue;
bool otelc__otlp_attributes(
    otelc__arena *a, const otelc_attribute *attrs, size_t n,
    struct Opentelemetry__Proto__Common__V1__KeyValue ***out);
bool otelc__otlp_any_value(
    otelc__arena *a, const otelc_value *v,
    struct Opentelemetry__Proto__Common__V1__AnyValue *out);

/* The OTLP span flags for a context: W3C flags in bits 0-7, bit 8 says bit
 * 9 is meaningful, bit 9 says the (parent or linked) context is remote. */
static inline uint32_t otelc__otlp_span_flags(uint8_t trace_flags,
                                              bool remote) {
    return (uint32_t)trace_flags | 0x100u | (remote ? 0x200u : 0u);
}

#endif /* OTELC_EXPORTERS_OTLP_ENCODE_H */
