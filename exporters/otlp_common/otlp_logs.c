/*
 * exporters/otlp_common/otlp_logs.c - the OTLP log exporter: a batch of
 * log records from the log pipeline becomes one ExportLogsServiceRequest,
 * sent through the shared OTLP client (otlp_exporter.c) to
 * LogsService/Export or POST /v1/logs.
 *
 * Mapping (opentelemetry/proto/logs/v1/logs.proto, the log data model).
 * Records are grouped by resource, then by scope (the logger: its name is
 * the scope name), each in first-seen order, records in batch order within
 * a scope.  Per record: time_unix_nano (1) and observed_time_unix_nano
 * (11), severity_number (2) and severity_text (3), body (5) as a string
 * AnyValue, attributes (6) of every value type, dropped_attributes_count
 * (7), and - only when a valid span context was current when the record
 * was made - flags (8) = the W3C trace flags, trace_id (9) and span_id
 * (10); event_name (12) when the record has one.  Strings that are not
 * valid UTF-8 are fixed on the way (otelc__otlp_str).
 *
 * Memory: the tree lives in the client's arena, reset per batch; records
 * are borrowed from the pipeline for the duration of the export call.
 *
 * Invariants: export and shutdown run on the exporter's batcher worker
 * only; the counters are read from any thread (atomics in the client).
 */
#include <stdlib.h>

#include "exporters/common/otlp_json.h"
#include "exporters/otlp_common/otlp_encode.h"
#include "exporters/otlp_common/otlp_exporter.h"
#include "exporters/otlp_common/otlp_factory.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "sdk/log_int.h"

const otelc__otlp_signal otelc__otlp_signal_logs = {
    "logs",
    "/v1/logs",
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    "rejectedLogRecords",
    "log records",
    &opentelemetry__proto__collector__logs__v1__export_logs_service_response__descriptor,
    OTELC_CFG_OTLP_LOGS_ENDPOINT,
    OTELC_CFG_OTLP_LOGS_PROTOCOL,
    OTELC_CFG_OTLP_LOGS_HEADERS,
    OTELC_CFG_OTLP_LOGS_TIMEOUT,
    OTELC_CFG_OTLP_LOGS_COMPRESSION,
    OTELC_CFG_OTLP_LOGS_INSECURE,
    OTELC_CFG_OTLP_LOGS_CERTIFICATE,
    OTELC_CFG_OTLP_LOGS_CLIENT_KEY,
    OTELC_CFG_OTLP_LOGS_CLIENT_CERTIFICATE,
};

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs ResourceLogs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs ScopeLogs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest
    Request;

static const ResourceLogs rl_init =
    OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT;
static const ScopeLogs sl_init =
    OPENTELEMETRY__PROTO__LOGS__V1__SCOPE_LOGS__INIT;
static const LogRecord record_init =
    OPENTELEMETRY__PROTO__LOGS__V1__LOG_RECORD__INIT;
static const AnyValue any_init =
    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
static const Request request_init =
    OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;

static bool has_span(const otelc_log_record_data *r) {
    return otelc_span_context_is_valid(&r->span_context);
}

/* ---- protobuf ---------------------------------------------------------------
 */

/* A LogRecord and its body, allocated together. */
typedef struct rec_pair {
    LogRecord rec;
    AnyValue body;
} rec_pair;

static bool fill_record(otelc__arena *a, const otelc_log_record_data *r,
                        rec_pair *p) {
    LogRecord *lr = &p->rec;
    *lr = record_init;
    lr->time_unix_nano = r->timestamp;
    lr->observed_time_unix_nano = r->observed_timestamp;
    lr->severity_number =
        (Opentelemetry__Proto__Logs__V1__SeverityNumber)r->severity_number;
    lr->severity_text = (char *)otelc__otlp_str(a, r->severity_text);
    p->body = any_init;
    p->body.value_case =
        OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    p->body.string_value = (char *)otelc__otlp_str(a, r->body);
    lr->body = &p->body;
    if (!lr->severity_text || !p->body.string_value)
        return false;
    if (!otelc__otlp_attributes(a, r->attributes, r->attribute_count,
                                &lr->attributes))
        return false;
    lr->n_attributes = r->attribute_count;
    lr->dropped_attributes_count = r->dropped_attribute_count;
    if (has_span(r)) {
        lr->flags = otelc__otlp_w3c_flags(r->span_context.trace_flags);
        lr->trace_id.len = 16;
        lr->trace_id.data = (uint8_t *)r->span_context.trace_id;
        lr->span_id.len = 8;
        lr->span_id.data = (uint8_t *)r->span_context.span_id;
    }
    if (r->event_name && r->event_name[0]) {
        lr->event_name = (char *)otelc__otlp_str(a, r->event_name);
        if (!lr->event_name)
            return false;
    }
    return true;
}

const ProtobufCMessage *otelc__otlp_logs_request(
    otelc__arena *a, const otelc_log_record_data *const *records, size_t n) {
    Request *req = OTELC__ARENA_NEW(a, Request);
    if (!req)
        return NULL;
    *req = request_init;
    if (!n)
        return &req->base;
    otelc__otlp_groups g;
    if (!otelc__otlp_group(a, (const void *const *)records, n,
                           offsetof(otelc_log_record_data, resource),
                           offsetof(otelc_log_record_data, scope), &g))
        return NULL;

    /* The ResourceLogs and ScopeLogs skeleton, arrays sized exactly. */
    ResourceLogs **rlp = OTELC__ARENA_ARRAY(a, ResourceLogs *, g.nres);
    ResourceLogs *rlv = OTELC__ARENA_ARRAY(a, ResourceLogs, g.nres);
    if (!rlp || !rlv)
        return NULL;
    for (uint32_t i = 0; i < g.nres; i++) {
        ResourceLogs *rl = &rlv[i];
        *rl = rl_init;
        rl->resource = otelc__otlp_resource(a, g.res[i].res);
        rl->scope_logs = OTELC__ARENA_ARRAY(a, ScopeLogs *, g.res[i].ngroups);
        if (!rl->resource || !rl->scope_logs)
            return NULL;
        rlp[i] = rl;
    }
    ScopeLogs *slv = OTELC__ARENA_ARRAY(a, ScopeLogs, g.ngroups);
    if (!slv)
        return NULL;
    for (uint32_t k = 0; k < g.ngroups; k++) {
        ScopeLogs *sl = &slv[k];
        *sl = sl_init;
        sl->scope = otelc__otlp_scope(a, g.groups[k].scope);
        sl->log_records = OTELC__ARENA_ARRAY(a, LogRecord *, g.groups[k].count);
        if (!sl->scope || !sl->log_records)
            return NULL;
        ResourceLogs *rl = &rlv[g.groups[k].res_index];
        rl->scope_logs[rl->n_scope_logs++] = sl;
    }

    /* The records themselves, one contiguous block. */
    rec_pair *recs = OTELC__ARENA_ARRAY(a, rec_pair, n);
    if (!recs)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        ScopeLogs *sl = &slv[g.item_group[i]];
        if (!fill_record(a, records[i], &recs[i]))
            return NULL;
        sl->log_records[sl->n_log_records++] = &recs[i].rec;
    }
    req->n_resource_logs = g.nres;
    req->resource_logs = rlp;
    return &req->base;
}

/* ---- JSON -------------------------------------------------------------------
 */

static void u64str(otelc__buf *b, uint64_t v) {
    otelc__buf_putc(b, '"');
    otelc__json_u64(b, v);
    otelc__buf_putc(b, '"');
}

static void record_json(otelc__buf *b, const otelc_log_record_data *r) {
    otelc__buf_lit(b, "{\"timeUnixNano\":");
    u64str(b, r->timestamp);
    otelc__buf_lit(b, ",\"observedTimeUnixNano\":");
    u64str(b, r->observed_timestamp);
    otelc__buf_lit(b, ",\"severityNumber\":");
    otelc__json_u64(b, (uint64_t)r->severity_number);
    otelc__buf_lit(b, ",\"severityText\":");
    otelc__json_cstr(b, r->severity_text);
    otelc__buf_lit(b, ",\"body\":{\"stringValue\":");
    otelc__json_str(b, r->body ? r->body : "", r->body ? r->body_len : 0);
    otelc__buf_putc(b, '}');
    if (r->attribute_count) {
        otelc__buf_lit(b, ",\"attributes\":");
        otelc__otlp_json_attributes(b, r->attributes, r->attribute_count);
    }
    if (r->dropped_attribute_count) {
        otelc__buf_lit(b, ",\"droppedAttributesCount\":");
        otelc__json_u64(b, r->dropped_attribute_count);
    }
    if (has_span(r)) {
        otelc__buf_lit(b, ",\"flags\":");
        otelc__json_u64(b, otelc__otlp_w3c_flags(r->span_context.trace_flags));
        otelc__buf_lit(b, ",\"traceId\":");
        otelc__json_hex(b, r->span_context.trace_id, 16);
        otelc__buf_lit(b, ",\"spanId\":");
        otelc__json_hex(b, r->span_context.span_id, 8);
    }
    if (r->event_name && r->event_name[0]) {
        otelc__buf_lit(b, ",\"eventName\":");
        otelc__json_cstr(b, r->event_name);
    }
    otelc__buf_putc(b, '}');
}

bool otelc__otlp_json_logs(otelc__buf *b, otelc__arena *a,
                           const otelc_log_record_data *const *records,
                           size_t n) {
    otelc__buf_lit(b, "{\"resourceLogs\":[");
    otelc__otlp_groups g;
    if (!otelc__otlp_group(a, (const void *const *)records, n,
                           offsetof(otelc_log_record_data, resource),
                           offsetof(otelc_log_record_data, scope), &g))
        return false;
    /* Records in group order (a counting sort: linear), and each
     * resource's groups in first-seen order. */
    uint32_t *start = OTELC__ARENA_ARRAY(a, uint32_t, g.ngroups + 1);
    uint32_t *order = OTELC__ARENA_ARRAY(a, uint32_t, n ? n : 1);
    uint32_t *fill = OTELC__ARENA_ARRAY(a, uint32_t, g.ngroups + 1);
    if (!start || !order || !fill)
        return false;
    start[0] = 0;
    for (uint32_t k = 0; k < g.ngroups; k++)
        start[k + 1] = start[k] + g.groups[k].count;
    memcpy(fill, start, sizeof(uint32_t) * (g.ngroups + 1));
    for (size_t i = 0; i < n; i++)
        order[fill[g.item_group[i]]++] = (uint32_t)i;
    for (uint32_t r = 0; r < g.nres; r++) {
        if (r)
            otelc__buf_putc(b, ',');
        otelc__buf_lit(b, "{\"resource\":{\"attributes\":");
        size_t rc = 0;
        const otelc_attribute *ra =
            g.res[r].res ? otelc_resource_attributes(g.res[r].res, &rc) : NULL;
        otelc__otlp_json_attributes(b, ra, rc);
        otelc__buf_lit(b, "},\"scopeLogs\":[");
        bool first_scope = true;
        for (uint32_t k = 0; k < g.ngroups; k++) {
            if (g.groups[k].res_index != r)
                continue;
            const otelc_scope_info *sc = g.groups[k].scope;
            if (!first_scope)
                otelc__buf_putc(b, ',');
            first_scope = false;
            otelc__buf_lit(b, "{\"scope\":{\"name\":");
            otelc__json_cstr(b, sc && sc->name ? sc->name : "");
            if (sc && sc->version && sc->version[0]) {
                otelc__buf_lit(b, ",\"version\":");
                otelc__json_cstr(b, sc->version);
            }
            otelc__buf_lit(b, "},\"logRecords\":[");
            for (uint32_t j = start[k]; j < start[k + 1]; j++) {
                if (j > start[k])
                    otelc__buf_putc(b, ',');
                record_json(b, records[order[j]]);
            }
            otelc__buf_lit(b, "]}");
        }
        otelc__buf_lit(b, "]}");
    }
    otelc__buf_lit(b, "]}");
    return !b->oom;
}

/* ---- the exporter -----------------------------------------------------------
 */

static bool encode_logs(otelc__otlp_client *c, const void *batch, size_t n) {
    const otelc_log_record_data *const *records = batch;
    if (c->cfg.protocol == OTELC__OTLP_HTTP_JSON)
        return otelc__otlp_json_logs(&c->body, &c->arena, records, n);
    return otelc__otlp_client_pack(
        c, otelc__otlp_logs_request(&c->arena, records, n));
}

static otelc_export_result le_export(void *st,
                                     const otelc_log_record_data *const *recs,
                                     size_t n, otelc_export_context *ctx) {
    return otelc__otlp_client_export(st, encode_logs, recs, n, n, ctx);
}

static const otelc_log_exporter_ops grpc_ops = {
    "otlp_grpc", le_export, NULL, otelc__otlp_client_state_shutdown,
    otelc__otlp_client_state_free};
static const otelc_log_exporter_ops http_ops = {
    "otlp_http", le_export, NULL, otelc__otlp_client_state_shutdown,
    otelc__otlp_client_state_free};

static otelc_log_exporter *create(const otelc_otlp_options *o,
                                  otelc_status *st) {
    otelc__otlp_client *c =
        otelc__otlp_client_new(&otelc__otlp_signal_logs, o, st);
    if (!c)
        return NULL;
    otelc_log_exporter *e = otelc_log_exporter_new(
        c->cfg.protocol == OTELC__OTLP_GRPC ? &grpc_ops : &http_ops, c);
    *st = e ? OTELC_OK : OTELC_ENOMEM;
    return e;
}

OTELC_API otelc_log_exporter *
otelc_otlp_log_exporter_new(const otelc_otlp_options *options) {
    otelc_status st;
    return create(options, &st);
}

otelc_log_exporter *otelc__otlp_log_factory(otelc_status *st) {
    return create(NULL, st);
}

otelc_export_result
otelc__otlp_log_exporter_export(otelc_log_exporter *e,
                                const otelc_log_record_data *const *records,
                                size_t n, otelc_export_context *ctx) {
    otelc__otlp_client *c = otelc__log_exporter_state(e, &grpc_ops);
    if (!c)
        c = otelc__log_exporter_state(e, &http_ops);
    return c ? le_export(c, records, n, ctx) : OTELC_EXPORT_FAILURE;
}

OTELC_API otelc_status otelc_otlp_log_exporter_stats(
    const otelc_log_exporter *e, otelc_otlp_stats *out) {
    if (!out)
        return OTELC_EINVAL;
    memset(out, 0, sizeof *out);
    otelc__otlp_client *c = otelc__log_exporter_state(e, &grpc_ops);
    if (!c)
        c = otelc__log_exporter_state(e, &http_ops);
    if (!c)
        return OTELC_EINVAL;
    otelc__otlp_client_stats(c, out);
    return OTELC_OK;
}
