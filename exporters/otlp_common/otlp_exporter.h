/*
 * exporters/otlp_common/otlp_exporter.h - what the OTLP exporters of the
 * three signals and the transports (gRPC, HTTP) share: the signals'
 * differences, resolved configuration, the result of one request, the
 * transport interface, and the client every exporter drives.  Not
 * installed.
 *
 * Division of labour.  A signal's exporter (otlp_exporter.c for spans,
 * otlp_metrics.c, otlp_logs.c) only encodes a batch.  The client
 * (otelc__otlp_client_*, otlp_exporter.c) computes each attempt's
 * deadline, turns a transport result into an export result, reports
 * partial success and keeps the counters.  A transport only moves one
 * request body to the receiver (the signal's gRPC method or HTTP path) and
 * classifies what came back: it never retries (the exporter's worker does)
 * and never waits past the deadline it is given.
 */
#ifndef OTELC_EXPORTERS_OTLP_EXPORTER_H
#define OTELC_EXPORTERS_OTLP_EXPORTER_H

#include <protobuf-c/protobuf-c.h>

#include "exporters/otlp_common/otlp_arena.h"
#include "sdk/config_int.h"
#include "sdk/internal.h"
#include "sdk/json_int.h"

#include "otelc/exporters.h"
#include "otelc/otlp.h"

typedef enum otelc__otlp_protocol {
    OTELC__OTLP_GRPC = 0,
    OTELC__OTLP_HTTP_PROTOBUF = 1,
    OTELC__OTLP_HTTP_JSON = 2
} otelc__otlp_protocol;

/* What differs between the three OTLP signals. */
typedef struct otelc__otlp_signal {
    const char *name;      /* "traces" */
    const char *http_path; /* "/v1/traces" */
    const char *
        grpc_method; /* "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
                      */
    const char *json_rejected_key; /* "rejectedSpans" */
    const char *items;             /* "spans", for diagnostics */
    /* ExportXServiceResponse: field 1 is the partial success, whose field 1
     * is the rejected count and field 2 the message, for every signal. */
    const ProtobufCMessageDescriptor *response;
    /* The per-signal settings (OTEL_EXPORTER_OTLP_<SIGNAL>_*); the generic
     * ones are the same for every signal. */
    otelc__cfg_id cfg_endpoint, cfg_protocol, cfg_headers, cfg_timeout,
        cfg_compression, cfg_insecure, cfg_certificate, cfg_client_key,
        cfg_client_certificate;
} otelc__otlp_signal;

extern const otelc__otlp_signal otelc__otlp_signal_traces;
extern const otelc__otlp_signal otelc__otlp_signal_metrics;
extern const otelc__otlp_signal otelc__otlp_signal_logs;

typedef struct otelc__otlp_header {
    char *key; /* lowercase */
    char *value;
} otelc__otlp_header;

/* Settings resolved from code options, then per-signal variables, then
 * generic variables, then the specification's defaults. */
typedef struct otelc__otlp_config {
    otelc__otlp_protocol protocol;
    char *endpoint; /* as configured, for diagnostics */
    /* gRPC: "host:port" target and whether to use TLS.
     * HTTP: the full request URL. */
    char *target;
    bool tls;
    uint32_t timeout_ms;
    bool gzip;
    char *certificate; /* PEM file paths, or NULL */
    char *client_key;
    char *client_certificate;
    otelc__otlp_header *headers;
    size_t nheaders;
    char user_agent[64];
} otelc__otlp_config;

/* How one request ended. */
typedef enum otelc__otlp_outcome {
    OTELC__OTLP_OK = 0,        /* accepted (maybe partially) */
    OTELC__OTLP_RETRYABLE = 1, /* transient: worth retrying */
    OTELC__OTLP_PERMANENT = 2  /* rejected: retrying cannot help */
} otelc__otlp_outcome;

typedef struct otelc__otlp_result {
    otelc__otlp_outcome outcome;
    uint64_t retry_after_ms; /* server's hint, 0 = none */
    size_t wire_bytes;       /* request body bytes as sent (compressed) */
    /* On OK: the response body (an ExportXServiceResponse, protobuf or
     * JSON by protocol), borrowed from the transport until its next call. */
    const uint8_t *body;
    size_t body_len;
    /* On failure: what happened, for the diagnostic ("UNAVAILABLE: ...",
     * "HTTP 503", "connection refused"). */
    char detail[256];
} otelc__otlp_result;

typedef struct otelc__otlp_transport_ops {
    /* Send one encoded request body of `len` bytes; return by
     * deadline_mono_ns whatever the network does. */
    void (*send)(void *t, const uint8_t *body, size_t len,
                 uint64_t deadline_mono_ns, otelc__otlp_result *out);
    /* Release connections; may be NULL.  Called once, on the worker. */
    void (*shutdown)(void *t, uint64_t deadline_mono_ns);
    /* Free the transport; NULL is never passed. */
    void (*free)(void *t);
} otelc__otlp_transport_ops;

/* Transport constructors: NULL (with a diagnostic) when the configuration
 * cannot work, e.g. a certificate file that cannot be read.  The config is
 * borrowed for the transport's lifetime. */
void *otelc__otlp_grpc_new(const otelc__otlp_config *cfg,
                           const otelc__otlp_signal *sig,
                           const otelc__otlp_transport_ops **ops);
void *otelc__otlp_http_new(const otelc__otlp_config *cfg,
                           const otelc__otlp_signal *sig,
                           const otelc__otlp_transport_ops **ops);

/* ---- the client: what every signal's exporter shares ----------------------
 *
 * One OTLP exporter (spans, metrics or logs) = one client: resolved
 * configuration, a transport, the per-batch arena and request buffer, the
 * rate limiters and the counters.  The signal's exporter only encodes a
 * batch (into c->arena and c->body); otelc__otlp_client_export() does the
 * rest: deadlines, sending, classification, partial success, counters.
 * Used on the exporter's worker only, except the counters (atomics, read
 * from any thread by otelc__otlp_client_stats()). */
typedef struct otelc__otlp_client {
    otelc__otlp_config cfg;
    const otelc__otlp_signal *sig;
    const otelc__otlp_transport_ops *tops;
    void *transport;
    otelc__arena arena; /* the batch's message tree */
    otelc__buf body;    /* the batch's request body */
    otelc__ratelimit rl_fail, rl_partial;
    char name[16]; /* "otlp_grpc" or "otlp_http", for diagnostics */
    _Atomic uint64_t requests, requests_ok, failures_retryable,
        failures_permanent, retry_hints, partial_successes, items_rejected,
        items_sent, bytes_encoded, bytes_sent, encode_cpu_ns, export_cpu_ns;
} otelc__otlp_client;

/* Encode `n` items of `batch` into c->body: protobuf (a tree built in
 * c->arena, packed with otelc__otlp_client_pack()) or, for http/json,
 * OTLP JSON.  False when memory runs out. */
typedef bool (*otelc__otlp_encode_fn)(otelc__otlp_client *c, const void *batch,
                                      size_t n);

/* Resolve the configuration and create the transport.  Returns OTELC_OK,
 * OTELC_ECONFIG (one diagnostic said why), OTELC_EUNSUPPORTED (the
 * protocol's transport is not built) or OTELC_ENOMEM; on failure nothing
 * needs freeing. */
otelc_status otelc__otlp_client_init(otelc__otlp_client *c,
                                     const otelc__otlp_signal *sig,
                                     const otelc_otlp_options *o);
/* Pack a protobuf-c message into c->body; false when memory runs out. */
bool otelc__otlp_client_pack(otelc__otlp_client *c, const ProtobufCMessage *m);
/* Encode and send one batch of `items` items (spans, data points, log
 * records), bounded by min(now + the OTLP timeout, ctx->deadline_mono_ns).
 * Sets ctx->retry_after_ms and ctx->rejected_items as the worker expects.
 */
otelc_export_result otelc__otlp_client_export(otelc__otlp_client *c,
                                              otelc__otlp_encode_fn encode,
                                              const void *batch, size_t n,
                                              size_t items,
                                              otelc_export_context *ctx);
void otelc__otlp_client_shutdown(otelc__otlp_client *c, uint64_t deadline);
/* Release everything init acquired (c itself is the caller's). */
void otelc__otlp_client_free(otelc__otlp_client *c);

/* A heap client for one signal (NULL with *st set on failure), and the
 * shutdown/free hooks every exporter ops table that owns one uses as its
 * shutdown and free_state. */
otelc__otlp_client *otelc__otlp_client_new(const otelc__otlp_signal *sig,
                                           const otelc_otlp_options *o,
                                           otelc_status *st);
void otelc__otlp_client_state_shutdown(void *state, uint64_t deadline);
void otelc__otlp_client_state_free(void *state);
void otelc__otlp_client_stats(otelc__otlp_client *c, otelc_otlp_stats *out);

/* Export records through an OTLP log exporter directly, as its batcher
 * would (tests: records the log API cannot make, e.g. with an event name).
 * OTELC_EXPORT_FAILURE when e is not an OTLP log exporter. */
otelc_export_result
otelc__otlp_log_exporter_export(otelc_log_exporter *e,
                                const otelc_log_record_data *const *records,
                                size_t n, otelc_export_context *ctx);

/* Resolve the configuration of `sig` (code options may be NULL).  Returns
 * false, with one diagnostic naming the setting and the value, when it
 * cannot work (bad endpoint, unknown protocol...). */
bool otelc__otlp_config_resolve(otelc__otlp_config *c,
                                const otelc__otlp_signal *sig,
                                const otelc_otlp_options *o);
void otelc__otlp_config_free(otelc__otlp_config *c);

/* Parse the partial success out of a response body.  Returns the rejected
 * count (0 when none) and points *msg at the message (NUL-terminated,
 * valid until the next call with the same arena) or "". */
int64_t otelc__otlp_partial_success(const otelc__otlp_signal *sig,
                                    otelc__otlp_protocol protocol,
                                    const uint8_t *body, size_t len, char *msg,
                                    size_t msg_size);

/* Parse an HTTP Retry-After value: delay-seconds or an HTTP-date (relative
 * to now_unix_s).  Returns milliseconds, or 0 when unparsable or past. */
uint64_t otelc__otlp_parse_retry_after(const char *value, int64_t now_unix_s);

#endif /* OTELC_EXPORTERS_OTLP_EXPORTER_H */
