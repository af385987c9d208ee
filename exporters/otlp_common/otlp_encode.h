/*
 * exporters/otlp_common/otlp_encode.h - spans, metrics and log records to
 * OTLP Export*ServiceRequest message trees (protobuf-c), and the OTLP JSON
 * forms of metrics and log records.  Not installed.
 *
 * Trees are built in an arena (otlp_arena.h): no malloc per field, and
 * released at once by resetting the arena.  Strings and ids in a tree point
 * into the exported data (borrowed) unless they had to be made valid UTF-8
 * (otelc__otlp_str), so a tree must be packed before the export call
 * returns.  Building is linear in the size of the batch whatever the
 * number of resources and scopes.
 *
 * Thread-safety: none; each exporter uses its own arena on its worker.
 */
#ifndef OTELC_EXPORTERS_OTLP_ENCODE_H
#define OTELC_EXPORTERS_OTLP_ENCODE_H

#include <protobuf-c/protobuf-c.h>

#include "exporters/otlp_common/otlp_arena.h"
#include "sdk/json_int.h"

#include "otelc/export.h"
#include "otelc/log.h"
#include "otelc/metrics.h"

/* Build the request for spans[0..n): spans grouped by resource, then by
 * instrumentation scope, both in first-seen order; spans keep their batch
 * order within a scope.  NULL when the arena runs out of memory. */
const ProtobufCMessage *
otelc__otlp_traces_request(otelc__arena *a, const otelc_span_data *const *spans,
                           size_t n);

/* The ExportMetricsServiceRequest for one collection: one ResourceMetrics,
 * one ScopeMetrics per meter, one Metric per instrument, in the data's
 * order.  NULL when the arena runs out of memory. */
const ProtobufCMessage *
otelc__otlp_metrics_request(otelc__arena *a, const otelc_metrics_data *data);
/* The same collection as OTLP JSON, appended to b. */
void otelc__otlp_json_metrics(otelc__buf *b, const otelc_metrics_data *data);
/* Data points in a collection (the exporter's "items"). */
size_t otelc__otlp_metrics_points(const otelc_metrics_data *data);

/* The ExportLogsServiceRequest for records[0..n), grouped by resource and
 * then by scope (the logger), in first-seen order; records keep their batch
 * order within a scope.  NULL when the arena runs out of memory. */
const ProtobufCMessage *
otelc__otlp_logs_request(otelc__arena *a,
                         const otelc_log_record_data *const *records, size_t n);
/* The same records as OTLP JSON, appended to b (a is scratch memory for
 * the grouping).  False when the arena runs out of memory. */
bool otelc__otlp_json_logs(otelc__buf *b, otelc__arena *a,
                           const otelc_log_record_data *const *records,
                           size_t n);

/* ---- shared by the encoders (otlp_values.c) ---- */

/* s itself when it is valid UTF-8 (NULL gives ""), else a copy in the
 * arena with each ill-formed subpart replaced by U+FFFD; NULL only when
 * the arena runs out of memory. */
const char *otelc__otlp_str(otelc__arena *a, const char *s);

/* An attribute list as KeyValue pointers (NULL with n == 0 is fine), and
 * one AnyValue. */
struct Opentelemetry__Proto__Common__V1__KeyValue;
struct Opentelemetry__Proto__Common__V1__AnyValue;
struct Opentelemetry__Proto__Common__V1__InstrumentationScope;
struct Opentelemetry__Proto__Resource__V1__Resource;
bool otelc__otlp_attributes(
    otelc__arena *a, const otelc_attribute *attrs, size_t n,
    struct Opentelemetry__Proto__Common__V1__KeyValue ***out);
bool otelc__otlp_any_value(
    otelc__arena *a, const otelc_value *v,
    struct Opentelemetry__Proto__Common__V1__AnyValue *out);
/* A Resource with the resource's attributes (NULL: none), and an
 * InstrumentationScope (NULL: empty); NULL when out of memory. */
struct Opentelemetry__Proto__Resource__V1__Resource *
otelc__otlp_resource(otelc__arena *a, const otelc_resource *res);
struct Opentelemetry__Proto__Common__V1__InstrumentationScope *
otelc__otlp_scope(otelc__arena *a, const otelc_scope_info *scope);

/* A batch grouped by (resource, scope): groups and resources in first-seen
 * order, every array in the arena. */
typedef struct otelc__otlp_group_t {
    const otelc_resource *res;
    const otelc_scope_info *scope;
    uint32_t res_index; /* into res[] */
    uint32_t count;     /* items in the group */
} otelc__otlp_group_t;
typedef struct otelc__otlp_res_t {
    const otelc_resource *res;
    uint32_t ngroups; /* groups of this resource */
} otelc__otlp_res_t;
typedef struct otelc__otlp_groups {
    uint32_t nres, ngroups;
    uint32_t *item_group; /* per item: its group */
    otelc__otlp_group_t *groups;
    otelc__otlp_res_t *res;
} otelc__otlp_groups;
/* Group items[0..n): each item is a struct holding its resource pointer at
 * byte offset res_off and its scope pointer at scope_off.  False when out
 * of memory. */
bool otelc__otlp_group(otelc__arena *a, const void *const *items, size_t n,
                       size_t res_off, size_t scope_off, otelc__otlp_groups *g);

/* The W3C trace flags of a context: otelc's own B3/Jaeger debug bit
 * (OTELC_TRACE_FLAG_DEBUG, 0x80) is not one of them and never goes out. */
static inline uint32_t otelc__otlp_w3c_flags(uint8_t trace_flags) {
    return (uint32_t)(trace_flags & 0x7Fu);
}

/* The OTLP span flags for a context: W3C flags in bits 0-7, bit 8 says bit
 * 9 is meaningful, bit 9 says the (parent or linked) context is remote. */
static inline uint32_t otelc__otlp_span_flags(uint8_t trace_flags,
                                              bool remote) {
    return otelc__otlp_w3c_flags(trace_flags) | 0x100u | (remote ? 0x200u : 0u);
}

#endif /* OTELC_EXPORTERS_OTLP_ENCODE_H */
