/*
 * tests/peers/otlp_collector.c - see otlp_collector.h.
 *
 * gRPC side.  One completion-queue thread runs the server: it keeps a few
 * calls requested (grpc_server_request_registered_call with the payload
 * read up front), decodes each request, decides the answer from the fault
 * settings and starts the answer's batch.  Every call also has a
 * RECV_CLOSE_ON_SERVER batch, which completes when the call ends either
 * way; a call is freed when its reference count (outstanding batches plus
 * the delay queue) drops to zero.  Delayed answers wait in a queue served
 * by a second thread; black-holed calls get no answer at all and end when
 * the client gives up or the server is stopped (cancel_all_calls).
 *
 * The three services (TraceService, MetricsService, LogsService) are three
 * registered methods sharing all of this; a call remembers its signal.
 *
 * HTTP side.  libmicrohttpd with a thread per connection: a handler may
 * sleep (delay, black hole) without stalling other connections.  POST
 * /v1/traces, /v1/metrics or /v1/logs with application/x-protobuf
 * (optionally Content-Encoding: gzip, inflated with zlib) is decoded like
 * a gRPC request; application/json bodies are kept raw for tests to check
 * with an independent JSON parser.
 *
 * Decoding is nanopb's (generated from proto/ with strings, bytes and
 * repeated fields allocated), never the exporters' protobuf-c, then copied
 * into the plain oc_* model and released.
 */
#include "peers/otlp_collector.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#define REQUESTED_CALLS 8 /* per service */

enum { SIG_TRACES = 0, SIG_METRICS = 1, SIG_LOGS = 2, NSIG = 3 };
static const struct {
    const char *name;        /* oc_request.signal */
    const char *grpc_method; /* registered method */
    const char *http_path;
    const char *json_rejected; /* partialSuccess key in JSON */
    const char *what;          /* for error messages */
} g_sig[NSIG] = {
    {"traces", "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
     "/v1/traces", "rejectedSpans", "ExportTraceServiceRequest"},
    {"metrics",
     "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
     "/v1/metrics", "rejectedDataPoints", "ExportMetricsServiceRequest"},
    {"logs", "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
     "/v1/logs", "rejectedLogRecords", "ExportLogsServiceRequest"},
};

typedef struct oc_call oc_call;

typedef enum tag_kind { TAG_NEW, TAG_CLOSE, TAG_SEND, TAG_SHUTDOWN } tag_kind;
typedef struct call_tag {
    tag_kind kind;
    oc_call *call;
} call_tag;

/* The answer decided for one request. */
typedef struct answer {
    int grpc_code;   /* 0 = OK */
    int http_status; /* 200 = OK */
    uint32_t retry_after_ms;
    uint32_t delay_ms;
    bool blackhole;
    int64_t rejected;
    char message[128];
} answer;

struct oc_call {
    oc_collector *c;
    int sig; /* SIG_* */
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array md;
    grpc_byte_buffer *payload;
    int cancelled;
    _Atomic int refs;
    call_tag t_new, t_close, t_send;
    answer ans;
    /* Answer buffers, alive until the send batch completes. */
    grpc_byte_buffer *resp;
    grpc_metadata trailing[1];
    size_t n_trailing;
    grpc_slice details;
    bool has_details;
    uint64_t due_ns;
    oc_call *next_delayed;
};

struct oc_collector {
    oc_options opts;
    pthread_mutex_t lock;
    pthread_cond_t cond;

    /* Model. */
    oc_span **spans;
    size_t n_spans, cap_spans;
    oc_origin **origins;
    size_t n_origins, cap_origins;
    oc_request *reqs;
    size_t n_reqs, cap_reqs;
    oc_metric **metrics;
    size_t n_metrics, cap_metrics;
    oc_log **logs;
    size_t n_logs, cap_logs;
    size_t decode_errors;
    size_t n_seen;     /* spans received (stored, or only counted) */
    size_t n_req_seen; /* requests received */
    size_t n_points_seen, n_metrics_seen, n_logs_seen;
    size_t n_metric_reqs; /* metrics requests decoded */

    /* Faults. */
    int fail_n, fail_grpc, fail_http;
    uint32_t fail_retry_ms;
    bool retry_as_date;
    uint32_t delay_ms;
    int64_t partial_rejected;
    char partial_msg[128];
    bool blackhole;

    /* gRPC. */
    grpc_server *server;
    grpc_completion_queue *cq;
    void *method[NSIG];
    int grpc_port;
    pthread_t cq_thread;
    bool cq_started;
    call_tag shutdown_tag;
    _Atomic int stopping;
    oc_call *delayed; /* sorted by due time */
    pthread_t delay_thread;
    bool delay_started;

    /* HTTP. */
    struct MHD_Daemon *mhd;
    int http_port;
    char *http_cert, *http_key;
};

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char *xstrdup(const char *s) {
    return strdup(s ? s : "");
}

/* ---- model: nanopb -> oc_*
 * ------------------------------------------------------- */

static void conv_value(oc_value *o,
                       const opentelemetry_proto_common_v1_AnyValue *v);

static oc_kv *conv_kvs(const opentelemetry_proto_common_v1_KeyValue *kv,
                       pb_size_t n) {
    if (!n)
        return NULL;
    oc_kv *o = calloc(n, sizeof *o);
    for (pb_size_t i = 0; i < n; i++) {
        o[i].key = xstrdup(kv[i].key);
        if (kv[i].has_value)
            conv_value(&o[i].value, &kv[i].value);
    }
    return o;
}

static void conv_value(oc_value *o,
                       const opentelemetry_proto_common_v1_AnyValue *v) {
    memset(o, 0, sizeof *o);
    switch (v->which_value) {
    case opentelemetry_proto_common_v1_AnyValue_string_value_tag:
        o->type = OC_STRING;
        o->s = xstrdup(v->value.string_value);
        o->len = strlen(o->s);
        break;
    case opentelemetry_proto_common_v1_AnyValue_bool_value_tag:
        o->type = OC_BOOL;
        o->b = v->value.bool_value;
        break;
    case opentelemetry_proto_common_v1_AnyValue_int_value_tag:
        o->type = OC_INT;
        o->i = v->value.int_value;
        break;
    case opentelemetry_proto_common_v1_AnyValue_double_value_tag:
        o->type = OC_DOUBLE;
        o->d = v->value.double_value;
        break;
    case opentelemetry_proto_common_v1_AnyValue_bytes_value_tag: {
        const pb_bytes_array_t *b = v->value.bytes_value;
        o->type = OC_BYTES;
        o->len = b ? b->size : 0;
        o->s = malloc(o->len + 1);
        if (o->len)
            memcpy(o->s, b->bytes, o->len);
        o->s[o->len] = '\0';
        break;
    }
    case opentelemetry_proto_common_v1_AnyValue_array_value_tag: {
        const opentelemetry_proto_common_v1_ArrayValue *a =
            &v->value.array_value;
        o->type = OC_ARRAY;
        o->n_items = a->values_count;
        o->items =
            a->values_count ? calloc(a->values_count, sizeof *o->items) : NULL;
        for (pb_size_t i = 0; i < a->values_count; i++)
            conv_value(&o->items[i], &a->values[i]);
        break;
    }
    case opentelemetry_proto_common_v1_AnyValue_kvlist_value_tag:
        o->type = OC_KVLIST;
        o->n_kvs = v->value.kvlist_value.values_count;
        o->kvs = conv_kvs(v->value.kvlist_value.values, (pb_size_t)o->n_kvs);
        break;
    default: o->type = OC_NONE;
    }
}

static void free_value(oc_value *v);
static void free_kvs(oc_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free_value(&kv[i].value);
    }
    free(kv);
}
static void free_value(oc_value *v) {
    free(v->s);
    for (size_t i = 0; i < v->n_items; i++)
        free_value(&v->items[i]);
    free(v->items);
    free_kvs(v->kvs, v->n_kvs);
}

static size_t copy_bytes(uint8_t *dst, size_t cap, const pb_bytes_array_t *b) {
    if (!b)
        return 0;
    memcpy(dst, b->bytes, b->size < cap ? b->size : cap);
    return b->size; /* the received length, even if too long to keep */
}

static oc_span *conv_span(const opentelemetry_proto_trace_v1_Span *s,
                          const oc_origin *origin, const char *transport) {
    oc_span *o = calloc(1, sizeof *o);
    o->trace_id_len = copy_bytes(o->trace_id, 16, s->trace_id);
    o->span_id_len = copy_bytes(o->span_id, 8, s->span_id);
    o->parent_span_id_len = copy_bytes(o->parent_span_id, 8, s->parent_span_id);
    o->trace_state = xstrdup(s->trace_state);
    o->name = xstrdup(s->name);
    o->kind = (int)s->kind;
    o->start_time = s->start_time_unix_nano;
    o->end_time = s->end_time_unix_nano;
    o->flags = s->flags;
    o->attrs = conv_kvs(s->attributes, s->attributes_count);
    o->n_attrs = s->attributes_count;
    o->dropped_attrs = s->dropped_attributes_count;
    o->n_events = s->events_count;
    o->events =
        s->events_count ? calloc(s->events_count, sizeof *o->events) : NULL;
    for (pb_size_t i = 0; i < s->events_count; i++) {
        const opentelemetry_proto_trace_v1_Span_Event *e = &s->events[i];
        o->events[i].time = e->time_unix_nano;
        o->events[i].name = xstrdup(e->name);
        o->events[i].attrs = conv_kvs(e->attributes, e->attributes_count);
        o->events[i].n_attrs = e->attributes_count;
        o->events[i].dropped_attrs = e->dropped_attributes_count;
    }
    o->dropped_events = s->dropped_events_count;
    o->n_links = s->links_count;
    o->links = s->links_count ? calloc(s->links_count, sizeof *o->links) : NULL;
    for (pb_size_t i = 0; i < s->links_count; i++) {
        const opentelemetry_proto_trace_v1_Span_Link *l = &s->links[i];
        oc_link *ol = &o->links[i];
        ol->trace_id_len = copy_bytes(ol->trace_id, 16, l->trace_id);
        ol->span_id_len = copy_bytes(ol->span_id, 8, l->span_id);
        ol->trace_state = xstrdup(l->trace_state);
        ol->attrs = conv_kvs(l->attributes, l->attributes_count);
        ol->n_attrs = l->attributes_count;
        ol->dropped_attrs = l->dropped_attributes_count;
        ol->flags = l->flags;
    }
    o->dropped_links = s->dropped_links_count;
    o->has_status = s->has_status;
    if (s->has_status) {
        o->status_code = (int)s->status.code;
        o->status_message = xstrdup(s->status.message);
    } else {
        o->status_message = xstrdup("");
    }
    o->origin = origin;
    o->transport = transport;
    return o;
}

static void free_span(oc_span *s) {
    free(s->trace_state);
    free(s->name);
    free_kvs(s->attrs, s->n_attrs);
    for (size_t i = 0; i < s->n_events; i++) {
        free(s->events[i].name);
        free_kvs(s->events[i].attrs, s->events[i].n_attrs);
    }
    free(s->events);
    for (size_t i = 0; i < s->n_links; i++) {
        free(s->links[i].trace_state);
        free_kvs(s->links[i].attrs, s->links[i].n_attrs);
    }
    free(s->links);
    free(s->status_message);
    free(s);
}

static void free_origin(oc_origin *o) {
    free_kvs(o->resource_attrs, o->n_resource_attrs);
    free(o->resource_schema_url);
    free(o->scope_name);
    free(o->scope_version);
    free(o->scope_schema_url);
    free(o);
}

/* ---- metrics and logs ---- */

static oc_exemplar *
conv_exemplars(const opentelemetry_proto_metrics_v1_Exemplar *e, pb_size_t n) {
    if (!n)
        return NULL;
    oc_exemplar *o = calloc(n, sizeof *o);
    for (pb_size_t i = 0; i < n; i++) {
        o[i].time = e[i].time_unix_nano;
        o[i].value_case = (int)e[i].which_value;
        if (e[i].which_value ==
            opentelemetry_proto_metrics_v1_Exemplar_as_int_tag)
            o[i].as_int = e[i].value.as_int;
        else if (e[i].which_value ==
                 opentelemetry_proto_metrics_v1_Exemplar_as_double_tag)
            o[i].as_double = e[i].value.as_double;
        o[i].trace_id_len = copy_bytes(o[i].trace_id, 16, e[i].trace_id);
        o[i].span_id_len = copy_bytes(o[i].span_id, 8, e[i].span_id);
        o[i].filtered_attrs =
            conv_kvs(e[i].filtered_attributes, e[i].filtered_attributes_count);
        o[i].n_filtered_attrs = e[i].filtered_attributes_count;
    }
    return o;
}

static oc_point *
conv_number_points(const opentelemetry_proto_metrics_v1_NumberDataPoint *p,
                   pb_size_t n) {
    oc_point *o = calloc(n ? n : 1, sizeof *o);
    for (pb_size_t i = 0; i < n; i++) {
        o[i].attrs = conv_kvs(p[i].attributes, p[i].attributes_count);
        o[i].n_attrs = p[i].attributes_count;
        o[i].start_time = p[i].start_time_unix_nano;
        o[i].time = p[i].time_unix_nano;
        o[i].flags = p[i].flags;
        o[i].value_case = (int)p[i].which_value;
        if (p[i].which_value ==
            opentelemetry_proto_metrics_v1_NumberDataPoint_as_int_tag)
            o[i].as_int = p[i].value.as_int;
        else if (p[i].which_value ==
                 opentelemetry_proto_metrics_v1_NumberDataPoint_as_double_tag)
            o[i].as_double = p[i].value.as_double;
        o[i].exemplars = conv_exemplars(p[i].exemplars, p[i].exemplars_count);
        o[i].n_exemplars = p[i].exemplars_count;
    }
    return o;
}

static oc_point *conv_histogram_points(
    const opentelemetry_proto_metrics_v1_HistogramDataPoint *p, pb_size_t n) {
    oc_point *o = calloc(n ? n : 1, sizeof *o);
    for (pb_size_t i = 0; i < n; i++) {
        o[i].attrs = conv_kvs(p[i].attributes, p[i].attributes_count);
        o[i].n_attrs = p[i].attributes_count;
        o[i].start_time = p[i].start_time_unix_nano;
        o[i].time = p[i].time_unix_nano;
        o[i].flags = p[i].flags;
        o[i].count = p[i].count;
        o[i].has_sum =
            p[i].which_sum_ ==
            opentelemetry_proto_metrics_v1_HistogramDataPoint_sum_tag;
        o[i].sum = o[i].has_sum ? p[i].sum_.sum : 0;
        o[i].has_min =
            p[i].which_min_ ==
            opentelemetry_proto_metrics_v1_HistogramDataPoint_min_tag;
        o[i].min = o[i].has_min ? p[i].min_.min : 0;
        o[i].has_max =
            p[i].which_max_ ==
            opentelemetry_proto_metrics_v1_HistogramDataPoint_max_tag;
        o[i].max = o[i].has_max ? p[i].max_.max : 0;
        o[i].n_bucket_counts = p[i].bucket_counts_count;
        o[i].bucket_counts =
            calloc(p[i].bucket_counts_count ? p[i].bucket_counts_count : 1,
                   sizeof(uint64_t));
        if (p[i].bucket_counts_count)
            memcpy(o[i].bucket_counts, p[i].bucket_counts,
                   sizeof(uint64_t) * p[i].bucket_counts_count);
        o[i].n_bounds = p[i].explicit_bounds_count;
        o[i].bounds =
            calloc(p[i].explicit_bounds_count ? p[i].explicit_bounds_count : 1,
                   sizeof(double));
        if (p[i].explicit_bounds_count)
            memcpy(o[i].bounds, p[i].explicit_bounds,
                   sizeof(double) * p[i].explicit_bounds_count);
        o[i].exemplars = conv_exemplars(p[i].exemplars, p[i].exemplars_count);
        o[i].n_exemplars = p[i].exemplars_count;
    }
    return o;
}

/* A Metric and its points (its request index is set at commit). */
static oc_metric *conv_metric(const opentelemetry_proto_metrics_v1_Metric *m,
                              const oc_origin *origin, const char *transport) {
    oc_metric *o = calloc(1, sizeof *o);
    o->name = xstrdup(m->name);
    o->description = xstrdup(m->description);
    o->unit = xstrdup(m->unit);
    o->type = (oc_metric_type)m->which_data;
    switch (m->which_data) {
    case opentelemetry_proto_metrics_v1_Metric_gauge_tag:
        o->n_points = m->data.gauge.data_points_count;
        o->points = conv_number_points(m->data.gauge.data_points,
                                       m->data.gauge.data_points_count);
        break;
    case opentelemetry_proto_metrics_v1_Metric_sum_tag:
        o->temporality = (int)m->data.sum.aggregation_temporality;
        o->monotonic = m->data.sum.is_monotonic;
        o->n_points = m->data.sum.data_points_count;
        o->points = conv_number_points(m->data.sum.data_points,
                                       m->data.sum.data_points_count);
        break;
    case opentelemetry_proto_metrics_v1_Metric_histogram_tag:
        o->temporality = (int)m->data.histogram.aggregation_temporality;
        o->n_points = m->data.histogram.data_points_count;
        o->points = conv_histogram_points(m->data.histogram.data_points,
                                          m->data.histogram.data_points_count);
        break;
    default: break; /* kept without points: the exporters send none */
    }
    o->origin = origin;
    o->transport = transport;
    return o;
}

static void free_metric(oc_metric *m) {
    free(m->name);
    free(m->description);
    free(m->unit);
    for (size_t i = 0; i < m->n_points; i++) {
        oc_point *p = &m->points[i];
        free_kvs(p->attrs, p->n_attrs);
        free(p->bucket_counts);
        free(p->bounds);
        for (size_t e = 0; e < p->n_exemplars; e++)
            free_kvs(p->exemplars[e].filtered_attrs,
                     p->exemplars[e].n_filtered_attrs);
        free(p->exemplars);
    }
    free(m->points);
    free(m);
}

static oc_log *conv_log(const opentelemetry_proto_logs_v1_LogRecord *l,
                        const oc_origin *origin, const char *transport) {
    oc_log *o = calloc(1, sizeof *o);
    o->time = l->time_unix_nano;
    o->observed_time = l->observed_time_unix_nano;
    o->severity_number = (int)l->severity_number;
    o->severity_text = xstrdup(l->severity_text);
    o->has_body = l->has_body;
    if (l->has_body)
        conv_value(&o->body, &l->body);
    o->attrs = conv_kvs(l->attributes, l->attributes_count);
    o->n_attrs = l->attributes_count;
    o->dropped_attrs = l->dropped_attributes_count;
    o->flags = l->flags;
    o->trace_id_len = copy_bytes(o->trace_id, 16, l->trace_id);
    o->span_id_len = copy_bytes(o->span_id, 8, l->span_id);
    o->event_name = xstrdup(l->event_name);
    o->origin = origin;
    o->transport = transport;
    return o;
}

static void free_log(oc_log *l) {
    free(l->severity_text);
    free_value(&l->body);
    free_kvs(l->attrs, l->n_attrs);
    free(l->event_name);
    free(l);
}

static void free_request(oc_request *r) {
    free(r->content_type);
    free(r->path);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->header_keys[i]);
        free(r->header_values[i]);
    }
    free(r->header_keys);
    free(r->header_values);
    free(r->json);
}

#define GROW(arr, n, cap)                                                      \
    do {                                                                       \
        if ((n) == (cap)) {                                                    \
            (cap) = (cap) ? (cap)*2 : 64;                                      \
            (arr) = realloc((arr), sizeof *(arr) * (cap));                     \
        }                                                                      \
    } while (0)

/* One decoded request, not yet visible to the tests. */
typedef struct decoded {
    int sig;
    size_t n_counted; /* count_only: items decoded but not kept */
    size_t n_metrics_counted;
    oc_span **spans;
    size_t n_spans, cap_spans;
    oc_origin **origins;
    size_t n_origins, cap_origins;
    oc_metric **metrics;
    size_t n_metrics, cap_metrics;
    size_t n_points; /* in metrics[] */
    oc_log **logs;
    size_t n_logs, cap_logs;
    bool ok; /* a valid request was decoded */
} decoded;

static oc_origin *
new_origin(decoded *d, const opentelemetry_proto_resource_v1_Resource *r,
           bool has_resource, const char *res_schema,
           const opentelemetry_proto_common_v1_InstrumentationScope *sc,
           bool has_scope, const char *scope_schema) {
    oc_origin *o = calloc(1, sizeof *o);
    if (has_resource) {
        o->resource_attrs = conv_kvs(r->attributes, r->attributes_count);
        o->n_resource_attrs = r->attributes_count;
        o->resource_dropped = r->dropped_attributes_count;
    }
    o->resource_schema_url = xstrdup(res_schema);
    o->scope_name = xstrdup(has_scope ? sc->name : "");
    o->scope_version = xstrdup(has_scope ? sc->version : "");
    o->scope_schema_url = xstrdup(scope_schema);
    GROW(d->origins, d->n_origins, d->cap_origins);
    d->origins[d->n_origins++] = o;
    return o;
}

static bool decode_metrics(oc_collector *c, const uint8_t *body, size_t len,
                           const char *transport, decoded *d) {
    opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceRequest req =
        opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceRequest_init_zero;
    const pb_msgdesc_t *f =
        opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceRequest_fields;
    pb_istream_t is = pb_istream_from_buffer(body, len);
    if (!pb_decode(&is, f, &req)) {
        if (c->opts.verbose)
            fprintf(stderr,
                    "otlp-collector: %s: undecodable metrics request "
                    "(%zu bytes): %s\n",
                    transport, len, PB_GET_ERROR(&is));
        pb_release(f, &req);
        return false;
    }
    for (pb_size_t r = 0; r < req.resource_metrics_count; r++) {
        const opentelemetry_proto_metrics_v1_ResourceMetrics *rm =
            &req.resource_metrics[r];
        for (pb_size_t s = 0; s < rm->scope_metrics_count; s++) {
            const opentelemetry_proto_metrics_v1_ScopeMetrics *sm =
                &rm->scope_metrics[s];
            oc_origin *o = NULL;
            if (!c->opts.count_only)
                o = new_origin(d, &rm->resource, rm->has_resource,
                               rm->schema_url, &sm->scope, sm->has_scope,
                               sm->schema_url);
            for (pb_size_t i = 0; i < sm->metrics_count; i++) {
                oc_metric *m = conv_metric(&sm->metrics[i], o, transport);
                d->n_points += m->n_points;
                if (c->opts.count_only) {
                    d->n_metrics_counted++;
                    free_metric(m);
                    continue;
                }
                GROW(d->metrics, d->n_metrics, d->cap_metrics);
                d->metrics[d->n_metrics++] = m;
            }
        }
    }
    pb_release(f, &req);
    return true;
}

static bool decode_logs(oc_collector *c, const uint8_t *body, size_t len,
                        const char *transport, decoded *d) {
    opentelemetry_proto_collector_logs_v1_ExportLogsServiceRequest req =
        opentelemetry_proto_collector_logs_v1_ExportLogsServiceRequest_init_zero;
    const pb_msgdesc_t *f =
        opentelemetry_proto_collector_logs_v1_ExportLogsServiceRequest_fields;
    pb_istream_t is = pb_istream_from_buffer(body, len);
    if (!pb_decode(&is, f, &req)) {
        if (c->opts.verbose)
            fprintf(stderr,
                    "otlp-collector: %s: undecodable logs request "
                    "(%zu bytes): %s\n",
                    transport, len, PB_GET_ERROR(&is));
        pb_release(f, &req);
        return false;
    }
    for (pb_size_t r = 0; r < req.resource_logs_count; r++) {
        const opentelemetry_proto_logs_v1_ResourceLogs *rl =
            &req.resource_logs[r];
        for (pb_size_t s = 0; s < rl->scope_logs_count; s++) {
            const opentelemetry_proto_logs_v1_ScopeLogs *sl =
                &rl->scope_logs[s];
            if (c->opts.count_only) {
                d->n_counted += sl->log_records_count;
                continue;
            }
            oc_origin *o =
                new_origin(d, &rl->resource, rl->has_resource, rl->schema_url,
                           &sl->scope, sl->has_scope, sl->schema_url);
            for (pb_size_t i = 0; i < sl->log_records_count; i++) {
                GROW(d->logs, d->n_logs, d->cap_logs);
                d->logs[d->n_logs++] =
                    conv_log(&sl->log_records[i], o, transport);
            }
        }
    }
    pb_release(f, &req);
    return true;
}

static bool decode_traces(oc_collector *c, const uint8_t *body, size_t len,
                          const char *transport, decoded *d);

/* Decode a request of signal d->sig into d.  False when the bytes are not
 * a valid request. */
static bool decode(oc_collector *c, const uint8_t *body, size_t len,
                   const char *transport, decoded *d) {
    bool ok;
    if (d->sig == SIG_METRICS)
        ok = decode_metrics(c, body, len, transport, d);
    else if (d->sig == SIG_LOGS) {
        ok = decode_logs(c, body, len, transport, d);
    } else {
        ok = decode_traces(c, body, len, transport, d);
    }
    d->ok = ok;
    return ok;
}

/* Decode an ExportTraceServiceRequest into d.  False when the bytes are
 * not a valid request. */
static bool decode_traces(oc_collector *c, const uint8_t *body, size_t len,
                          const char *transport, decoded *d) {
    opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest req =
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
    pb_istream_t is = pb_istream_from_buffer(body, len);
    if (!pb_decode(
            &is,
            opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields,
            &req)) {
        if (c->opts.verbose)
            fprintf(stderr,
                    "otlp-collector: %s: undecodable request (%zu "
                    "bytes): %s\n",
                    transport, len, PB_GET_ERROR(&is));
        pb_release(
            opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields,
            &req);
        return false;
    }
    for (pb_size_t r = 0; r < req.resource_spans_count; r++) {
        const opentelemetry_proto_trace_v1_ResourceSpans *rs =
            &req.resource_spans[r];
        for (pb_size_t s = 0; s < rs->scope_spans_count; s++) {
            const opentelemetry_proto_trace_v1_ScopeSpans *ss =
                &rs->scope_spans[s];
            if (c->opts.count_only) {
                d->n_counted += ss->spans_count;
                continue;
            }
            oc_origin *o =
                new_origin(d, &rs->resource, rs->has_resource, rs->schema_url,
                           &ss->scope, ss->has_scope, ss->schema_url);
            for (pb_size_t i = 0; i < ss->spans_count; i++) {
                GROW(d->spans, d->n_spans, d->cap_spans);
                d->spans[d->n_spans++] = conv_span(&ss->spans[i], o, transport);
            }
        }
    }
    pb_release(
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields,
        &req);
    return true;
}

/* Make a request and its items visible at once (so a test that saw the
 * items also sees the request); takes ownership of both. */
static void commit(oc_collector *c, oc_request *r, decoded *d) {
    if (!r->signal)
        r->signal = "";
    if (d->sig == SIG_TRACES)
        r->n_spans = d->n_spans + d->n_counted;
    r->n_items = d->sig == SIG_METRICS ? d->n_points
                 : d->sig == SIG_LOGS  ? d->n_logs + d->n_counted
                                       : r->n_spans;
    if (c->opts.verbose)
        fprintf(stderr, "otlp-collector: %s %s: %zu bytes%s, %zu %s -> %d\n",
                r->transport, r->path ? r->path : "", r->body_len,
                r->compressed ? " (gzip)" : "", r->n_items,
                d->sig == SIG_METRICS ? "data points"
                : d->sig == SIG_LOGS  ? "log records"
                                      : "spans",
                r->answer);
    pthread_mutex_lock(&c->lock);
    c->n_seen += r->n_spans;
    c->n_req_seen++;
    for (size_t i = 0; i < d->n_metrics; i++)
        d->metrics[i]->request = c->n_metric_reqs;
    if (d->sig == SIG_METRICS && d->ok) {
        c->n_metric_reqs++;
        c->n_points_seen += d->n_points;
        c->n_metrics_seen += d->n_metrics + d->n_metrics_counted;
    }
    if (d->sig == SIG_LOGS)
        c->n_logs_seen += d->n_logs + d->n_counted;
    for (size_t i = 0; i < d->n_metrics; i++) {
        GROW(c->metrics, c->n_metrics, c->cap_metrics);
        c->metrics[c->n_metrics++] = d->metrics[i];
    }
    for (size_t i = 0; i < d->n_logs; i++) {
        GROW(c->logs, c->n_logs, c->cap_logs);
        c->logs[c->n_logs++] = d->logs[i];
    }
    for (size_t i = 0; i < d->n_origins; i++) {
        GROW(c->origins, c->n_origins, c->cap_origins);
        c->origins[c->n_origins++] = d->origins[i];
    }
    for (size_t i = 0; i < d->n_spans; i++) {
        GROW(c->spans, c->n_spans, c->cap_spans);
        c->spans[c->n_spans++] = d->spans[i];
    }
    if (r->decode_error)
        c->decode_errors++;
    bool keep = !c->opts.count_only;
    if (keep) {
        GROW(c->reqs, c->n_reqs, c->cap_reqs);
        c->reqs[c->n_reqs++] = *r;
    }
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    if (!keep)
        free_request(r);
    free(d->spans);
    free(d->origins);
    free(d->metrics);
    free(d->logs);
}

static void add_header(oc_request *r, const char *k, size_t kl, const char *v,
                       size_t vl) {
    r->header_keys =
        realloc(r->header_keys, sizeof(char *) * (r->n_headers + 1));
    r->header_values =
        realloc(r->header_values, sizeof(char *) * (r->n_headers + 1));
    char *key = strndup(k, kl);
    for (char *p = key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    r->header_keys[r->n_headers] = key;
    r->header_values[r->n_headers] = strndup(v, vl);
    r->n_headers++;
}

/* Take the next answer from the fault settings. */
static answer decide(oc_collector *c) {
    answer a;
    memset(&a, 0, sizeof a);
    a.http_status = 200;
    pthread_mutex_lock(&c->lock);
    if (c->fail_n > 0) {
        c->fail_n--;
        a.grpc_code = c->fail_grpc;
        a.http_status = c->fail_http;
        a.retry_after_ms = c->fail_retry_ms;
    }
    a.delay_ms = c->delay_ms;
    a.blackhole = c->blackhole;
    if (a.grpc_code == 0 && a.http_status == 200) {
        a.rejected = c->partial_rejected;
        snprintf(a.message, sizeof a.message, "%s", c->partial_msg);
    } else {
        snprintf(a.message, sizeof a.message,
                 "fault injected by the test "
                 "collector");
    }
    pthread_mutex_unlock(&c->lock);
    return a;
}

/* ---- encoding answers (nanopb)
 * ----------------------------------------------------- */

static uint8_t *encode_msg(const pb_msgdesc_t *fields, const void *msg,
                           size_t *len) {
    size_t n = 0;
    if (!pb_get_encoded_size(&n, fields, msg))
        return NULL;
    uint8_t *buf = malloc(n ? n : 1);
    pb_ostream_t os = pb_ostream_from_buffer(buf, n);
    if (!pb_encode(&os, fields, msg)) {
        free(buf);
        return NULL;
    }
    *len = os.bytes_written;
    return buf;
}

/* Export<Signal>ServiceResponse, with a partial success when asked. */
static uint8_t *encode_response(int sig, const answer *a, size_t *len) {
    bool partial = a->rejected || a->message[0];
    if (sig == SIG_METRICS) {
        opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceResponse resp =
            opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceResponse_init_zero;
        resp.has_partial_success = partial;
        resp.partial_success.rejected_data_points = a->rejected;
        resp.partial_success.error_message = (char *)a->message;
        return encode_msg(
            opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceResponse_fields,
            &resp, len);
    }
    if (sig == SIG_LOGS) {
        opentelemetry_proto_collector_logs_v1_ExportLogsServiceResponse resp =
            opentelemetry_proto_collector_logs_v1_ExportLogsServiceResponse_init_zero;
        resp.has_partial_success = partial;
        resp.partial_success.rejected_log_records = a->rejected;
        resp.partial_success.error_message = (char *)a->message;
        return encode_msg(
            opentelemetry_proto_collector_logs_v1_ExportLogsServiceResponse_fields,
            &resp, len);
    }
    opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse resp =
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_init_zero;
    resp.has_partial_success = partial;
    resp.partial_success.rejected_spans = a->rejected;
    resp.partial_success.error_message = (char *)a->message;
    return encode_msg(
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_fields,
        &resp, len);
}

/* google.rpc.Status{code, message, details=[RetryInfo]} (no RetryInfo
 * when retry_ms is 0). */
static uint8_t *encode_status(int code, const char *message, uint32_t retry_ms,
                              size_t *len) {
    google_rpc_Status st = google_rpc_Status_init_zero;
    google_protobuf_Any any = google_protobuf_Any_init_zero;
    uint8_t *ri_bytes = NULL;
    pb_bytes_array_t *val = NULL;
    st.code = code;
    st.message = (char *)message;
    if (retry_ms) {
        google_rpc_RetryInfo ri = google_rpc_RetryInfo_init_zero;
        ri.has_retry_delay = true;
        ri.retry_delay.seconds = retry_ms / 1000;
        ri.retry_delay.nanos = (int32_t)(retry_ms % 1000) * 1000000;
        size_t rl = 0;
        ri_bytes = encode_msg(google_rpc_RetryInfo_fields, &ri, &rl);
        val = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE(rl));
        val->size = (pb_size_t)rl;
        memcpy(val->bytes, ri_bytes, rl);
        any.type_url = (char *)"type.googleapis.com/google.rpc.RetryInfo";
        any.value = val;
        st.details_count = 1;
        st.details = &any;
    }
    uint8_t *out = encode_msg(google_rpc_Status_fields, &st, len);
    free(ri_bytes);
    free(val);
    return out;
}

static bool gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *olen);

/* ---- gRPC server
 * ----------------------------------------------------------------- */

static void call_unref(oc_call *k) {
    if (atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    grpc_metadata_array_destroy(&k->md);
    if (k->payload)
        grpc_byte_buffer_destroy(k->payload);
    if (k->resp)
        grpc_byte_buffer_destroy(k->resp);
    for (size_t i = 0; i < k->n_trailing; i++) {
        grpc_slice_unref(k->trailing[i].key);
        grpc_slice_unref(k->trailing[i].value);
    }
    if (k->has_details)
        grpc_slice_unref(k->details);
    if (k->call)
        grpc_call_unref(k->call);
    free(k);
}

static void request_call(oc_collector *c, int sig) {
    oc_call *k = calloc(1, sizeof *k);
    k->c = c;
    k->sig = sig;
    k->t_new = (call_tag){TAG_NEW, k};
    k->t_close = (call_tag){TAG_CLOSE, k};
    k->t_send = (call_tag){TAG_SEND, k};
    atomic_store(&k->refs, 1); /* the TAG_NEW completion */
    grpc_metadata_array_init(&k->md);
    grpc_call_error e = grpc_server_request_registered_call(
        c->server, c->method[sig], &k->call, &k->deadline, &k->md, &k->payload,
        c->cq, c->cq, &k->t_new);
    if (e != GRPC_CALL_OK) {
        grpc_metadata_array_destroy(&k->md);
        free(k);
    }
}

static void send_answer(oc_call *k) {
    answer *a = &k->ans;
    grpc_op ops[3];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    n++;
    if (a->grpc_code == 0) {
        size_t len = 0;
        uint8_t *buf = encode_response(k->sig, a, &len);
        grpc_slice s = grpc_slice_from_copied_buffer((const char *)buf, len);
        free(buf);
        k->resp = grpc_raw_byte_buffer_create(&s, 1);
        grpc_slice_unref(s);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n].data.send_message.send_message = k->resp;
        n++;
    } else {
        size_t len = 0;
        uint8_t *st =
            encode_status(a->grpc_code, a->message, a->retry_after_ms, &len);
        k->trailing[0].key =
            grpc_slice_from_static_string("grpc-status-details-bin");
        k->trailing[0].value =
            grpc_slice_from_copied_buffer((const char *)st, len);
        k->n_trailing = 1;
        free(st);
    }
    k->details = grpc_slice_from_copied_string(a->grpc_code ? a->message : "");
    k->has_details = true;
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.status = (grpc_status_code)a->grpc_code;
    ops[n].data.send_status_from_server.status_details = &k->details;
    ops[n].data.send_status_from_server.trailing_metadata_count = k->n_trailing;
    ops[n].data.send_status_from_server.trailing_metadata = k->trailing;
    n++;
    atomic_fetch_add(&k->refs, 1);
    if (grpc_call_start_batch(k->call, ops, n, &k->t_send, NULL) !=
        GRPC_CALL_OK)
        call_unref(k);
}

static void handle_new_call(oc_collector *c, oc_call *k) {
    oc_request r;
    memset(&r, 0, sizeof r);
    r.transport = "grpc";
    r.signal = g_sig[k->sig].name;
    r.path = strdup(g_sig[k->sig].grpc_method);
    for (size_t i = 0; i < k->md.count; i++) {
        grpc_slice ks = k->md.metadata[i].key, vs = k->md.metadata[i].value;
        add_header(
            &r, (const char *)GRPC_SLICE_START_PTR(ks), GRPC_SLICE_LENGTH(ks),
            (const char *)GRPC_SLICE_START_PTR(vs), GRPC_SLICE_LENGTH(vs));
    }
    /* With per-message decompression off, a compressed message arrives as
     * sent, marked with its algorithm; it is inflated here with zlib, so
     * the test sees that the exporter really compressed. */
    uint8_t *body = NULL;
    size_t len = 0;
    bool bad_gzip = false;
    if (k->payload) {
        grpc_compression_algorithm alg = k->payload->data.raw.compression;
        r.compressed = alg != GRPC_COMPRESS_NONE;
        grpc_byte_buffer_reader rd;
        if (grpc_byte_buffer_reader_init(&rd, k->payload)) {
            grpc_slice s = grpc_byte_buffer_reader_readall(&rd);
            grpc_byte_buffer_reader_destroy(&rd);
            len = GRPC_SLICE_LENGTH(s);
            body = malloc(len ? len : 1);
            memcpy(body, GRPC_SLICE_START_PTR(s), len);
            grpc_slice_unref(s);
        }
        r.body_len = grpc_byte_buffer_length(k->payload);
        if (body && alg == GRPC_COMPRESS_GZIP) {
            uint8_t *plain = NULL;
            size_t plen = 0;
            if (gunzip(body, len, &plain, &plen)) {
                free(body);
                body = plain;
                len = plen;
            } else {
                bad_gzip = true;
            }
        } else if (alg != GRPC_COMPRESS_NONE) {
            bad_gzip = true; /* the exporters only ever use gzip */
        }
    }
    k->ans = decide(c);
    decoded d = {0};
    d.sig = k->sig;
    /* ack_first: answer OK now and decode afterwards (still every byte,
     * errors still counted), like a collector whose receiver hands the
     * request to a queue. */
    bool ack_first = c->opts.ack_first && !k->ans.blackhole &&
                     k->ans.grpc_code == 0 && !k->ans.delay_ms;
    if (!ack_first) {
        if (!k->ans.blackhole && k->ans.grpc_code == 0) {
            if (bad_gzip || !body || !decode(c, body, len, "grpc", &d)) {
                k->ans.grpc_code = GRPC_STATUS_INVALID_ARGUMENT;
                snprintf(k->ans.message, sizeof k->ans.message,
                         "request is not a valid %s", g_sig[k->sig].what);
                r.decode_error = true;
            }
        }
        free(body);
        body = NULL;
        r.answer = k->ans.blackhole ? -1 : k->ans.grpc_code;
        commit(c, &r, &d);
    }

    /* Every call gets a RECV_CLOSE_ON_SERVER: it completes when the call
     * ends, answered, cancelled by the client or by oc_stop(). */
    grpc_op close_op;
    memset(&close_op, 0, sizeof close_op);
    close_op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    close_op.data.recv_close_on_server.cancelled = &k->cancelled;
    atomic_fetch_add(&k->refs, 1);
    if (grpc_call_start_batch(k->call, &close_op, 1, &k->t_close, NULL) !=
        GRPC_CALL_OK)
        call_unref(k);

    if (ack_first) {
        send_answer(k);
        if (bad_gzip || !body || !decode(c, body, len, "grpc", &d))
            r.decode_error = true;
        free(body);
        r.answer = 0;
        commit(c, &r, &d);
        return;
    }
    if (k->ans.blackhole)
        return;
    if (k->ans.delay_ms) {
        atomic_fetch_add(&k->refs, 1); /* the delay queue's */
        k->due_ns = mono_ns() + (uint64_t)k->ans.delay_ms * 1000000u;
        pthread_mutex_lock(&c->lock);
        oc_call **pp = &c->delayed;
        while (*pp && (*pp)->due_ns <= k->due_ns)
            pp = &(*pp)->next_delayed;
        k->next_delayed = *pp;
        *pp = k;
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
        return;
    }
    send_answer(k);
}

static void *cq_main(void *arg) {
    oc_collector *c = arg;
    bool shut = false;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(
            c->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        call_tag *t = ev.tag;
        switch (t->kind) {
        case TAG_SHUTDOWN:
            shut = true;
            grpc_completion_queue_shutdown(c->cq);
            break;
        case TAG_NEW:
            if (ev.success && !shut && !atomic_load(&c->stopping)) {
                request_call(c, t->call->sig);
                handle_new_call(c, t->call);
            }
            call_unref(t->call);
            break;
        case TAG_CLOSE:
        case TAG_SEND: call_unref(t->call); break;
        }
    }
    return NULL;
}

static void *delay_main(void *arg) {
    oc_collector *c = arg;
    pthread_mutex_lock(&c->lock);
    while (!atomic_load(&c->stopping)) {
        oc_call *k = c->delayed;
        if (!k) {
            pthread_cond_wait(&c->cond, &c->lock);
            continue;
        }
        uint64_t now = mono_ns();
        if (k->due_ns > now) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t wait = k->due_ns - now;
            if (wait > 50000000u)
                wait = 50000000u;
            ts.tv_nsec += (long)(wait % 1000000000u);
            ts.tv_sec += (time_t)(wait / 1000000000u) + ts.tv_nsec / 1000000000;
            ts.tv_nsec %= 1000000000;
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
            continue;
        }
        c->delayed = k->next_delayed;
        pthread_mutex_unlock(&c->lock);
        send_answer(k);
        call_unref(k); /* the queue's reference */
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    b[n] = '\0';
    fclose(f);
    return b;
}

static bool start_grpc(oc_collector *c) {
    grpc_init();
    grpc_arg args[1];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION;
    args[0].value.integer = 0;
    grpc_channel_args cargs = {1, args};
    c->server = grpc_server_create(&cargs, NULL);
    c->cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(c->server, c->cq, NULL);
    for (int g = 0; g < NSIG; g++)
        c->method[g] = grpc_server_register_method(
            c->server, g_sig[g].grpc_method, NULL,
            GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
    grpc_server_credentials *creds;
    if (c->opts.tls_cert) {
        char *cert = slurp(c->opts.tls_cert), *key = slurp(c->opts.tls_key);
        if (!cert || !key) {
            fprintf(stderr, "otlp-collector: cannot read %s or %s\n",
                    c->opts.tls_cert, c->opts.tls_key);
            free(cert);
            free(key);
            return false;
        }
        char *ca = c->opts.tls_client_ca ? slurp(c->opts.tls_client_ca) : NULL;
        if (c->opts.tls_client_ca && !ca) {
            fprintf(stderr, "otlp-collector: cannot read %s\n",
                    c->opts.tls_client_ca);
            free(cert);
            free(key);
            return false;
        }
        grpc_ssl_pem_key_cert_pair pair = {key, cert};
        /* With a client CA: mutual TLS, a client certificate required. */
        creds = grpc_ssl_server_credentials_create_ex(
            ca, &pair, 1,
            ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
               : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
            NULL);
        free(ca);
        free(cert);
        free(key);
    } else {
        creds = grpc_insecure_server_credentials_create();
    }
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", c->opts.grpc_port);
    c->grpc_port = grpc_server_add_http2_port(c->server, addr, creds);
    grpc_server_credentials_release(creds);
    if (c->grpc_port <= 0) {
        fprintf(stderr, "otlp-collector: cannot listen on %s\n", addr);
        return false;
    }
    grpc_server_start(c->server);
    for (int g = 0; g < NSIG; g++)
        for (int i = 0; i < REQUESTED_CALLS; i++)
            request_call(c, g);
    pthread_create(&c->cq_thread, NULL, cq_main, c);
    c->cq_started = true;
    pthread_create(&c->delay_thread, NULL, delay_main, c);
    c->delay_started = true;
    return true;
}

static void stop_grpc(oc_collector *c) {
    if (!c->server) {
        if (c->cq)
            grpc_completion_queue_destroy(c->cq);
        return;
    }
    pthread_mutex_lock(&c->lock);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    if (c->delay_started)
        pthread_join(c->delay_thread, NULL);
    /* Calls still waiting for their delayed answer end unanswered. */
    pthread_mutex_lock(&c->lock);
    oc_call *k = c->delayed;
    c->delayed = NULL;
    pthread_mutex_unlock(&c->lock);
    while (k) {
        oc_call *n = k->next_delayed;
        call_unref(k);
        k = n;
    }
    c->shutdown_tag = (call_tag){TAG_SHUTDOWN, NULL};
    grpc_server_shutdown_and_notify(c->server, c->cq, &c->shutdown_tag);
    grpc_server_cancel_all_calls(c->server);
    if (c->cq_started)
        pthread_join(c->cq_thread, NULL);
    grpc_server_destroy(c->server);
    grpc_completion_queue_destroy(c->cq);
    grpc_shutdown();
}

/* ---- HTTP server
 * ------------------------------------------------------------------- */

typedef struct http_body {
    uint8_t *data;
    size_t len, cap;
} http_body;

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *value) {
    (void)kind;
    add_header(cls, key, strlen(key), value ? value : "",
               value ? strlen(value) : 0);
    return MHD_YES;
}

static bool gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *olen) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return false;
    size_t cap = len * 4 + 1024, n = 0;
    uint8_t *buf = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        z.next_out = buf + n;
        z.avail_out = (uInt)(cap - n);
        rc = inflate(&z, Z_NO_FLUSH);
        n = cap - z.avail_out;
    } while (rc == Z_OK);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return false;
    }
    *out = buf;
    *olen = n;
    return true;
}

static enum MHD_Result respond(struct MHD_Connection *conn, int status,
                               const char *ctype, const void *body, size_t len,
                               const char *retry_after) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
    if (retry_after)
        MHD_add_response_header(resp, "Retry-After", retry_after);
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* Sleep up to ms, or until the collector stops (or, for a black hole,
 * until it is turned off). */
static void http_wait(oc_collector *c, uint32_t ms, bool blackhole) {
    uint64_t until = mono_ns() + (uint64_t)ms * 1000000u;
    while (!atomic_load(&c->stopping)) {
        if (blackhole) {
            pthread_mutex_lock(&c->lock);
            bool on = c->blackhole;
            pthread_mutex_unlock(&c->lock);
            if (!on)
                return;
        } else if (mono_ns() >= until) {
            return;
        }
        usleep(5000);
    }
}

static enum MHD_Result on_http(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls) {
    (void)version;
    oc_collector *c = cls;
    http_body *b = *con_cls;
    if (!b) {
        *con_cls = calloc(1, sizeof(http_body));
        return MHD_YES;
    }
    if (*upload_size) {
        if (b->len + *upload_size > b->cap) {
            b->cap = (b->len + *upload_size) * 2;
            b->data = realloc(b->data, b->cap);
        }
        memcpy(b->data + b->len, upload, *upload_size);
        b->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    oc_request r;
    memset(&r, 0, sizeof r);
    r.transport = "http";
    r.path = strdup(url);
    r.body_len = b->len;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, header_cb, &r);
    const char *ct =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    const char *ce =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Encoding");
    r.content_type = strdup(ct ? ct : "");
    r.compressed = ce && !strcasecmp(ce, "gzip");

    decoded d = {0};
    d.sig = -1;
    for (int g = 0; g < NSIG; g++)
        if (!strcmp(url, g_sig[g].http_path))
            d.sig = g;
    if (strcmp(method, "POST") || d.sig < 0) {
        d.sig = SIG_TRACES; /* counts nothing: d is empty */
        r.answer = 404;
        commit(c, &r, &d);
        return respond(conn, 404, "text/plain", "not found\n", 10, NULL);
    }
    r.signal = g_sig[d.sig].name;
    answer a = decide(c);
    if (a.blackhole) {
        r.answer = -1;
        commit(c, &r, &d);
        http_wait(c, 0, true);
        return MHD_NO; /* close the connection without an answer */
    }
    bool json = ct && !strncmp(ct, "application/json", 16);
    bool proto = ct && !strncmp(ct, "application/x-protobuf", 22);
    uint8_t *body = b->data;
    size_t len = b->len;
    uint8_t *inflated = NULL;
    int status = a.http_status;
    const char *why = a.message;
    char whybuf[96];
    if (status == 200 && r.compressed) {
        if (gunzip(b->data, b->len, &inflated, &len)) {
            body = inflated;
        } else {
            status = 400;
            why = "body is not valid gzip";
        }
    }
    if (status == 200 && !json && !proto) {
        status = 415;
        why = "Content-Type must be application/x-protobuf or application/json";
    }
    if (status == 200 && proto) {
        if (!decode(c, body, len, "http", &d)) {
            r.decode_error = true;
            status = 400;
            snprintf(whybuf, sizeof whybuf, "request is not a valid %s",
                     g_sig[d.sig].what);
            why = whybuf;
        }
    } else if (status == 200 && json) {
        r.json = malloc(len + 1);
        memcpy(r.json, body, len);
        r.json[len] = '\0';
    }
    free(inflated);
    r.answer = status;
    commit(c, &r, &d);
    if (a.delay_ms)
        http_wait(c, a.delay_ms, false);

    if (status == 200 && json) {
        char out[256];
        int n = a.rejected || a.message[0]
                    ? snprintf(out, sizeof out,
                               "{\"partialSuccess\":{\"%s\":\"%lld\","
                               "\"errorMessage\":\"%s\"}}",
                               g_sig[d.sig].json_rejected,
                               (long long)a.rejected, a.message)
                    : snprintf(out, sizeof out, "{}");
        return respond(conn, 200, "application/json", out, (size_t)n, NULL);
    }
    if (status == 200) {
        size_t rl = 0;
        uint8_t *resp = encode_response(d.sig, &a, &rl);
        enum MHD_Result res =
            respond(conn, 200, "application/x-protobuf", resp, rl, NULL);
        free(resp);
        return res;
    }
    char ra[64] = "";
    if (a.retry_after_ms) {
        pthread_mutex_lock(&c->lock);
        bool as_date = c->retry_as_date;
        pthread_mutex_unlock(&c->lock);
        uint32_t secs = (a.retry_after_ms + 999) / 1000;
        if (as_date) {
            time_t when = time(NULL) + secs;
            struct tm tm;
            gmtime_r(&when, &tm);
            strftime(ra, sizeof ra, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        } else {
            snprintf(ra, sizeof ra, "%u", secs);
        }
    }
    size_t sl = 0;
    uint8_t *st = encode_status(status == 429 ? 8 : 14, why, 0, &sl);
    enum MHD_Result res = respond(conn, status, "application/x-protobuf", st,
                                  sl, ra[0] ? ra : NULL);
    free(st);
    return res;
}

static void on_http_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode t) {
    (void)cls;
    (void)conn;
    (void)t;
    http_body *b = *con_cls;
    if (b) {
        free(b->data);
        free(b);
        *con_cls = NULL;
    }
}

static bool start_http(oc_collector *c) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)c->opts.http_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG; /* ITC: stop without a timeout */
    char *cert = NULL, *key = NULL;
    if (c->opts.tls_cert) {
        cert = slurp(c->opts.tls_cert);
        key = slurp(c->opts.tls_key);
        if (!cert || !key) {
            fprintf(stderr, "otlp-collector: cannot read %s or %s\n",
                    c->opts.tls_cert, c->opts.tls_key);
            free(cert);
            free(key);
            return false;
        }
        flags |= MHD_USE_TLS;
        c->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_http, c, MHD_OPTION_SOCK_ADDR,
            (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_http_done,
            c, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
            MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
            MHD_OPTION_END);
    } else {
        c->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_http, c,
                                  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                  MHD_OPTION_NOTIFY_COMPLETED, on_http_done, c,
                                  MHD_OPTION_CONNECTION_TIMEOUT,
                                  (unsigned int)120, MHD_OPTION_END);
    }
    /* Kept until the daemon stops: libmicrohttpd does not say whether it
     * copies them. */
    c->http_cert = cert;
    c->http_key = key;
    if (!c->mhd) {
        fprintf(stderr, "otlp-collector: cannot listen on 127.0.0.1:%d\n",
                c->opts.http_port);
        return false;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(c->mhd, MHD_DAEMON_INFO_BIND_PORT);
    c->http_port = info ? info->port : c->opts.http_port;
    return true;
}

/* ---- public
 * -------------------------------------------------------------------------- */

oc_collector *oc_start(const oc_options *opts) {
    oc_collector *c = calloc(1, sizeof *c);
    c->opts = *opts;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    if ((opts->grpc && !start_grpc(c)) || (opts->http && !start_http(c))) {
        oc_stop(c);
        return NULL;
    }
    return c;
}

void oc_stop(oc_collector *c) {
    if (!c)
        return;
    atomic_store(&c->stopping, 1);
    if (c->mhd)
        MHD_stop_daemon(c->mhd);
    free(c->http_cert);
    free(c->http_key);
    if (c->opts.grpc)
        stop_grpc(c);
    oc_clear(c);
    free(c->spans);
    free(c->origins);
    free(c->metrics);
    free(c->logs);
    free(c->reqs);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
}

int oc_grpc_port(const oc_collector *c) {
    return c->grpc_port;
}
int oc_http_port(const oc_collector *c) {
    return c->http_port;
}

int oc_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        getsockname(fd, (struct sockaddr *)&sa, &sl)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

void oc_fail_next(oc_collector *c, int n, int grpc_code, int http_status,
                  uint32_t retry_after_ms) {
    pthread_mutex_lock(&c->lock);
    c->fail_n = n;
    c->fail_grpc = grpc_code;
    c->fail_http = http_status;
    c->fail_retry_ms = retry_after_ms;
    pthread_mutex_unlock(&c->lock);
}

void oc_retry_after_as_date(oc_collector *c, bool on) {
    pthread_mutex_lock(&c->lock);
    c->retry_as_date = on;
    pthread_mutex_unlock(&c->lock);
}

void oc_set_delay(oc_collector *c, uint32_t ms) {
    pthread_mutex_lock(&c->lock);
    c->delay_ms = ms;
    pthread_mutex_unlock(&c->lock);
}

void oc_set_partial(oc_collector *c, int64_t rejected, const char *message) {
    pthread_mutex_lock(&c->lock);
    c->partial_rejected = rejected;
    snprintf(c->partial_msg, sizeof c->partial_msg, "%s",
             message ? message : "");
    pthread_mutex_unlock(&c->lock);
}

void oc_set_blackhole(oc_collector *c, bool on) {
    pthread_mutex_lock(&c->lock);
    c->blackhole = on;
    pthread_mutex_unlock(&c->lock);
}

size_t oc_span_count(oc_collector *c) {
    pthread_mutex_lock(&c->lock);
    size_t n = c->n_seen;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static bool wait_for(oc_collector *c, size_t *counter, size_t n,
                     uint32_t timeout_ms) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&c->lock);
    while (*counter < n)
        if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
            break;
    bool ok = *counter >= n;
    pthread_mutex_unlock(&c->lock);
    return ok;
}

bool oc_wait_spans(oc_collector *c, size_t n, uint32_t timeout_ms) {
    return wait_for(c, &c->n_seen, n, timeout_ms);
}

bool oc_wait_requests(oc_collector *c, size_t n, uint32_t timeout_ms) {
    return wait_for(c, &c->n_req_seen, n, timeout_ms);
}

const oc_span *oc_span_at(oc_collector *c, size_t i) {
    pthread_mutex_lock(&c->lock);
    const oc_span *s = i < c->n_spans ? c->spans[i] : NULL;
    pthread_mutex_unlock(&c->lock);
    return s;
}

const oc_span *oc_find_span(oc_collector *c, const char *name) {
    const oc_span *found = NULL;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_spans && !found; i++)
        if (!strcmp(c->spans[i]->name, name))
            found = c->spans[i];
    pthread_mutex_unlock(&c->lock);
    return found;
}

size_t oc_request_count(oc_collector *c) {
    pthread_mutex_lock(&c->lock);
    size_t n = c->n_req_seen;
    pthread_mutex_unlock(&c->lock);
    return n;
}

bool oc_request_at(oc_collector *c, size_t i, oc_request *out) {
    pthread_mutex_lock(&c->lock);
    bool ok = i < c->n_reqs;
    if (ok)
        *out = c->reqs[i];
    pthread_mutex_unlock(&c->lock);
    return ok;
}

const char *oc_request_header(oc_collector *c, size_t i, const char *key) {
    const char *v = "";
    pthread_mutex_lock(&c->lock);
    if (i < c->n_reqs) {
        oc_request *r = &c->reqs[i];
        for (size_t h = 0; h < r->n_headers; h++)
            if (!strcasecmp(r->header_keys[h], key))
                v = r->header_values[h];
    }
    pthread_mutex_unlock(&c->lock);
    return v;
}

size_t oc_decode_errors(oc_collector *c) {
    pthread_mutex_lock(&c->lock);
    size_t n = c->decode_errors;
    pthread_mutex_unlock(&c->lock);
    return n;
}

void oc_clear(oc_collector *c) {
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_spans; i++)
        free_span(c->spans[i]);
    for (size_t i = 0; i < c->n_origins; i++)
        free_origin(c->origins[i]);
    for (size_t i = 0; i < c->n_metrics; i++)
        free_metric(c->metrics[i]);
    for (size_t i = 0; i < c->n_logs; i++)
        free_log(c->logs[i]);
    for (size_t i = 0; i < c->n_reqs; i++)
        free_request(&c->reqs[i]);
    c->n_spans = c->n_origins = c->n_reqs = 0;
    c->n_metrics = c->n_logs = 0;
    c->n_seen = c->n_req_seen = 0;
    c->n_points_seen = c->n_metrics_seen = c->n_logs_seen = 0;
    c->n_metric_reqs = 0;
    c->decode_errors = 0;
    pthread_mutex_unlock(&c->lock);
}

/* ---- metrics and logs ---- */

static size_t locked_count(oc_collector *c, const size_t *counter) {
    pthread_mutex_lock(&c->lock);
    size_t n = *counter;
    pthread_mutex_unlock(&c->lock);
    return n;
}

size_t oc_point_count(oc_collector *c) {
    return locked_count(c, &c->n_points_seen);
}
size_t oc_metric_count(oc_collector *c) {
    return locked_count(c, &c->n_metrics_seen);
}
size_t oc_metric_request_count(oc_collector *c) {
    return locked_count(c, &c->n_metric_reqs);
}
size_t oc_log_count(oc_collector *c) {
    return locked_count(c, &c->n_logs_seen);
}

bool oc_wait_points(oc_collector *c, size_t n, uint32_t timeout_ms) {
    return wait_for(c, &c->n_points_seen, n, timeout_ms);
}
bool oc_wait_metric_requests(oc_collector *c, size_t n, uint32_t timeout_ms) {
    return wait_for(c, &c->n_metric_reqs, n, timeout_ms);
}
bool oc_wait_logs(oc_collector *c, size_t n, uint32_t timeout_ms) {
    return wait_for(c, &c->n_logs_seen, n, timeout_ms);
}

const oc_metric *oc_metric_at(oc_collector *c, size_t i) {
    pthread_mutex_lock(&c->lock);
    const oc_metric *m = i < c->n_metrics ? c->metrics[i] : NULL;
    pthread_mutex_unlock(&c->lock);
    return m;
}

static const oc_metric *find_metric_locked(oc_collector *c, const char *name) {
    for (size_t i = c->n_metrics; i-- > 0;)
        if (!strcmp(c->metrics[i]->name, name))
            return c->metrics[i];
    return NULL;
}

const oc_metric *oc_find_metric(oc_collector *c, const char *name) {
    pthread_mutex_lock(&c->lock);
    const oc_metric *m = find_metric_locked(c, name);
    pthread_mutex_unlock(&c->lock);
    return m;
}

const oc_metric *oc_wait_metric(oc_collector *c, const char *name,
                                uint32_t timeout_ms) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&c->lock);
    const oc_metric *m;
    while (!(m = find_metric_locked(c, name)))
        if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
            break;
    if (!m)
        m = find_metric_locked(c, name);
    pthread_mutex_unlock(&c->lock);
    return m;
}

const oc_point *oc_find_point(const oc_metric *m, const char *key,
                              const char *value) {
    if (!m)
        return NULL;
    for (size_t i = 0; i < m->n_points; i++) {
        const oc_value *v =
            oc_attr(m->points[i].attrs, m->points[i].n_attrs, key);
        if (!value ? !v : v && v->type == OC_STRING && !strcmp(v->s, value))
            return &m->points[i];
    }
    return NULL;
}

const oc_log *oc_log_at(oc_collector *c, size_t i) {
    pthread_mutex_lock(&c->lock);
    const oc_log *l = i < c->n_logs ? c->logs[i] : NULL;
    pthread_mutex_unlock(&c->lock);
    return l;
}

const oc_log *oc_find_log(oc_collector *c, const char *body) {
    const oc_log *found = NULL;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_logs && !found; i++)
        if (c->logs[i]->has_body && c->logs[i]->body.type == OC_STRING &&
            !strcmp(c->logs[i]->body.s, body))
            found = c->logs[i];
    pthread_mutex_unlock(&c->lock);
    return found;
}

const oc_value *oc_attr(const oc_kv *kvs, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kvs[i].key, key))
            return &kvs[i].value;
    return NULL;
}
