/*
 * tests/peers/otlp_collector.h - an in-repo OTLP trace receiver for tests,
 * benchmarks and manual use (the otelc-test-collector program).
 *
 * It speaks OTLP/gRPC through gRPC C core's server API and OTLP/HTTP
 * through libmicrohttpd, on 127.0.0.1, and decodes every request with
 * nanopb: an implementation independent of the exporters' protobuf-c
 * encoder, so a round trip checks the bytes on the wire, not just that
 * the encoder agrees with itself.  What it receives lands in a simple
 * in-memory model (oc_span with every field) that tests query.
 *
 * Faults can be injected at any time: fail the next N requests
 * (UNAVAILABLE / HTTP 503, or any code), answer RESOURCE_EXHAUSTED with a
 * RetryInfo (HTTP 429 with Retry-After), delay answers, report partial
 * success, or accept requests and never answer (a black hole).  A
 * collector that "stays down" is simply one that is not started: tests
 * use oc_free_port() to get a port nothing listens on.
 *
 * Thread-safety: every function may be called from any thread; the model
 * is guarded by one mutex.  Returned oc_span pointers stay valid until
 * oc_clear() or oc_stop().
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

/* What the collector saw of one request (the last one, or by index). */
typedef struct oc_request {
    const char *transport; /* "grpc", "http" */
    bool compressed;       /* arrived gzip-compressed */
    char *content_type;    /* HTTP only */
    char *path;            /* HTTP path or gRPC method */
    size_t body_len;       /* as received (compressed) */
    size_t n_spans;        /* decoded spans (0 for a rejected request) */
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
    bool count_only;           /* decode and count spans, keep nothing (for
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

/* Attribute lookup in a decoded list; NULL when absent. */
const oc_value *oc_attr(const oc_kv *kvs, size_t n, const char *key);

#endif /* OTELC_TEST_OTLP_COLLECTOR_H */
