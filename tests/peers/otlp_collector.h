/*
 * tests/peers/otlp_collector.h - an in-repo OTLP receiver (traces,
 * metrics, logs) for tests, benchmarks and manual use (the
 * otelc-test-collector program).
 *
 * It speaks OTLP/gRPC through gRPC C core's server API (TraceService,
 * MetricsService and LogsService) and OTLP/HTTP through libmicrohttpd
 * (/v1/traces, /v1/metrics, /v1/logs), on 127.0.0.1, and decodes every
 * request with nanopb: an implementation independent of the exporters'
 * protobuf-c encoder, so a round trip checks the bytes on the wire, not
 * just that the encoder agrees with itself.  What it receives lands in a
 * simple in-memory model (oc_span, oc_metric, oc_log with every field)
 * that tests query.
 *
 * Faults can be injected at any time: fail the next N requests
 * (UNAVAILABLE / HTTP 503, or any code), answer RESOURCE_EXHAUSTED with a
 * RetryInfo (HTTP 429 with Retry-After), delay answers, report partial
 * success, or accept requests and never answer (a black hole).  A
 * collector that "stays down" is simply one that is not started: tests
 * use oc_free_port() to get a port nothing listens on.
 *
 * Faults apply to every signal alike.
 *
 * Thread-safety: every function may be called from any thread; the model
 * is guarded by one mutex.  Returned oc_span, oc_metric and oc_log
 * pointers stay valid until oc_clear() or oc_stop().
 */
#ifndef OTELC_TEST_OTLP_COLLECTOR_H
#define OTELC_TEST_OTLP_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum oc_value_type {
    OC_NONE = 0,
    OC_STRING,
    OC_BOOL,
    OC_INT,
    OC_DOUBLE,
    OC_BYTES,
    OC_ARRAY,
    OC_KVLIST
} oc_value_type;

typedef struct oc_kv oc_kv;

typedef struct oc_value {
    oc_value_type type;
    char *s;    /* OC_STRING (NUL-terminated) and OC_BYTES */
    size_t len; /* bytes of s */
    bool b;
    int64_t i;
    double d;
    struct oc_value *items; /* OC_ARRAY */
    size_t n_items;
    oc_kv *kvs; /* OC_KVLIST */
    size_t n_kvs;
} oc_value;

struct oc_kv {
    char *key;
    oc_value value;
};

typedef struct oc_event {
    uint64_t time;
    char *name;
    oc_kv *attrs;
    size_t n_attrs;
    uint32_t dropped_attrs;
} oc_event;

typedef struct oc_link {
    uint8_t trace_id[16];
    size_t trace_id_len;
    uint8_t span_id[8];
    size_t span_id_len;
    char *trace_state;
    oc_kv *attrs;
    size_t n_attrs;
    uint32_t dropped_attrs;
    uint32_t flags;
} oc_link;

/* The resource and scope a span came with (shared by its request). */
typedef struct oc_origin {
    oc_kv *resource_attrs;
    size_t n_resource_attrs;
    uint32_t resource_dropped;
    char *resource_schema_url;
    char *scope_name;
    char *scope_version;
    char *scope_schema_url;
} oc_origin;

typedef struct oc_span {
    uint8_t trace_id[16];
    size_t trace_id_len; /* as received: 16 when valid */
    uint8_t span_id[8];
    size_t span_id_len;
    uint8_t parent_span_id[8];
    size_t parent_span_id_len; /* 0 for a root span */
    char *trace_state;
    char *name;
    int kind;
    uint64_t start_time;
    uint64_t end_time;
    uint32_t flags;
    oc_kv *attrs;
    size_t n_attrs;
    uint32_t dropped_attrs;
    oc_event *events;
    size_t n_events;
    uint32_t dropped_events;
    oc_link *links;
    size_t n_links;
    uint32_t dropped_links;
    bool has_status;
    int status_code;
    char *status_message;
    const oc_origin *origin;
    const char *transport; /* "grpc" or "http" */
} oc_span;

/* ---- metrics ---- */

typedef struct oc_exemplar {
    uint64_t time;
    int value_case; /* 0 none, 3 as_double, 6 as_int (field numbers) */
    double as_double;
    int64_t as_int;
    uint8_t trace_id[16];
    size_t trace_id_len; /* as received: 16, or 0 when absent */
    uint8_t span_id[8];
    size_t span_id_len;
    oc_kv *filtered_attrs;
    size_t n_filtered_attrs;
} oc_exemplar;

/* A data point: NumberDataPoint (gauges, sums) or HistogramDataPoint. */
typedef struct oc_point {
    oc_kv *attrs;
    size_t n_attrs;
    uint64_t start_time;
    uint64_t time;
    uint32_t flags;
    /* Number points: which value arrived. */
    int value_case; /* 0 none, 4 as_double, 6 as_int (field numbers) */
    double as_double;
    int64_t as_int;
    /* Histogram points. */
    uint64_t count;
    bool has_sum, has_min, has_max;
    double sum, min, max;
    uint64_t *bucket_counts;
    size_t n_bucket_counts;
    double *bounds;
    size_t n_bounds;
    oc_exemplar *exemplars;
    size_t n_exemplars;
} oc_point;

/* The data oneof of a Metric, numbered as its fields. */
typedef enum oc_metric_type {
    OC_METRIC_NONE = 0,
    OC_GAUGE = 5,
    OC_SUM = 7,
    OC_HISTOGRAM = 9,
    OC_EXP_HISTOGRAM = 10,
    OC_SUMMARY = 11
} oc_metric_type;

typedef struct oc_metric {
    char *name;
    char *description;
    char *unit;
    oc_metric_type type;
    int temporality; /* sums and histograms: 1 delta, 2 cumulative */
    bool monotonic;  /* sums */
    oc_point *points;
    size_t n_points;
    const oc_origin *origin;
    const char *transport; /* "grpc" or "http" */
    size_t request;        /* which metrics request brought it (0-based) */
} oc_metric;

/* ---- logs ---- */

typedef struct oc_log {
    uint64_t time;
    uint64_t observed_time;
    int severity_number;
    char *severity_text;
    bool has_body;
    oc_value body;
    oc_kv *attrs;
    size_t n_attrs;
    uint32_t dropped_attrs;
    uint32_t flags;
    uint8_t trace_id[16];
    size_t trace_id_len; /* as received: 16, or 0 when absent */
    uint8_t span_id[8];
    size_t span_id_len;
    char *event_name;
    const oc_origin *origin;
    const char *transport;
} oc_log;

/* What the collector saw of one request (the last one, or by index). */
typedef struct oc_request {
    const char *transport; /* "grpc", "http" */
    const char *signal;    /* "traces", "metrics", "logs" ("" for a path
                              that is none of them) */
    bool compressed;       /* arrived gzip-compressed */
    char *content_type;    /* HTTP only */
    char *path;            /* HTTP path or gRPC method */
    size_t body_len;       /* as received (compressed) */
    size_t n_spans;        /* decoded spans (0 for a rejected request) */
    size_t n_items;        /* decoded spans, data points or log records */
    bool decode_error;     /* the body was not a valid request */
    int answer;            /* gRPC status or HTTP status sent */
    /* Request headers / metadata, keys lowercase. */
    char **header_keys;
    char **header_values;
    size_t n_headers;
    /* http/json requests: the raw JSON body (not decoded here). */
    char *json;
} oc_request;

typedef struct oc_options {
    bool grpc;            /* serve OTLP/gRPC (default off: set one of them) */
    bool http;            /* serve OTLP/HTTP */
    int grpc_port;        /* 0 = ephemeral */
    int http_port;        /* 0 = ephemeral */
    const char *tls_cert; /* PEM files: serve gRPC and HTTP over TLS */
    const char *tls_key;
    const char *tls_client_ca; /* gRPC: require client certificates
                                  signed by this CA (mutual TLS) */
    bool verbose;              /* one line per request on stderr */
    bool count_only;           /* decode and count items, keep nothing (for
                                  benchmarks: oc_span_at() finds nothing) */
    /* gRPC: answer OK before decoding (every request is still decoded and
     * its errors counted), like a receiver that queues; for benchmarks. */
    bool ack_first;
} oc_options;

typedef struct oc_collector oc_collector;

/* Start listening on 127.0.0.1; NULL (with a message on stderr) when a
 * port cannot be bound or TLS files cannot be read. */
oc_collector *oc_start(const oc_options *opts);
/* Stop serving (in-flight and held requests are cancelled) and free. */
void oc_stop(oc_collector *c);

int oc_grpc_port(const oc_collector *c);
int oc_http_port(const oc_collector *c);

/* A 127.0.0.1 TCP port that nothing listens on right now. */
int oc_free_port(void);

/* ---- faults (take effect for requests that arrive afterwards) ---- */

/* Answer the next n requests with this gRPC status (e.g. 14 UNAVAILABLE)
 * or HTTP status (e.g. 503); retry_after_ms > 0 adds a RetryInfo
 * (gRPC) or Retry-After header (HTTP, rounded up to seconds). */
void oc_fail_next(oc_collector *c, int n, int grpc_code, int http_status,
                  uint32_t retry_after_ms);
/* Send Retry-After as an HTTP-date instead of seconds. */
void oc_retry_after_as_date(oc_collector *c, bool on);
/* Delay every answer by ms. */
void oc_set_delay(oc_collector *c, uint32_t ms);
/* Report a partial success (rejected > 0 or a message) in every answer;
 * 0 and NULL turn it off. */
void oc_set_partial(oc_collector *c, int64_t rejected, const char *message);
/* Accept requests and never answer them (until turned off or stopped). */
void oc_set_blackhole(oc_collector *c, bool on);

/* ---- what arrived ---- */

size_t oc_span_count(oc_collector *c);
/* Wait until at least n spans arrived; true when reached in time. */
bool oc_wait_spans(oc_collector *c, size_t n, uint32_t timeout_ms);
const oc_span *oc_span_at(oc_collector *c, size_t i);
const oc_span *oc_find_span(oc_collector *c, const char *name);
/* Requests received, whatever was answered (decode errors included). */
size_t oc_request_count(oc_collector *c);
bool oc_wait_requests(oc_collector *c, size_t n, uint32_t timeout_ms);
/* Copy of request i's summary; false past the end.  Strings borrowed
 * until oc_clear()/oc_stop(). */
bool oc_request_at(oc_collector *c, size_t i, oc_request *out);
/* A header of request i ("" when absent). */
const char *oc_request_header(oc_collector *c, size_t i, const char *key);
/* Requests that could not be decoded (a wire-format error). */
size_t oc_decode_errors(oc_collector *c);
void oc_clear(oc_collector *c);

/* Metrics: data points and Metric messages received (stored, or only
 * counted). */
size_t oc_point_count(oc_collector *c);
size_t oc_metric_count(oc_collector *c);
/* Wait until at least n data points arrived; true when reached in time. */
bool oc_wait_points(oc_collector *c, size_t n, uint32_t timeout_ms);
/* Metrics requests decoded so far; wait for at least n of them. */
size_t oc_metric_request_count(oc_collector *c);
bool oc_wait_metric_requests(oc_collector *c, size_t n, uint32_t timeout_ms);
const oc_metric *oc_metric_at(oc_collector *c, size_t i);
/* The most recently received metric with this name, or NULL. */
const oc_metric *oc_find_metric(oc_collector *c, const char *name);
/* Wait until a metric with this name arrives; returns the latest one, or
 * NULL at the timeout. */
const oc_metric *oc_wait_metric(oc_collector *c, const char *name,
                                uint32_t timeout_ms);
/* The first point of m with attribute key = string value (value NULL: the
 * first point without that key), or NULL. */
const oc_point *oc_find_point(const oc_metric *m, const char *key,
                              const char *value);

/* Logs. */
size_t oc_log_count(oc_collector *c);
bool oc_wait_logs(oc_collector *c, size_t n, uint32_t timeout_ms);
const oc_log *oc_log_at(oc_collector *c, size_t i);
/* The first log record whose body is this string, or NULL. */
const oc_log *oc_find_log(oc_collector *c, const char *body);

/* Attribute lookup in a decoded list; NULL when absent. */
const oc_value *oc_attr(const oc_kv *kvs, size_t n, const char *key);

#endif /* OTELC_TEST_OTLP_COLLECTOR_H */
