/*
 * exporters/otlp_common/otlp_exporter.c - the OTLP client that every
 * signal's exporter drives (encoding buffers, per-attempt deadlines, result
 * classification, partial success, counters; the transport, gRPC or HTTP,
 * is a vtable underneath), and the span exporter on top of it.  The metric
 * and log exporters are in otlp_metrics.c and otlp_logs.c.
 *
 * One export call = one request.  The batch is encoded into an arena-built
 * protobuf-c tree (otlp_traces.c, otlp_metrics.c, otlp_logs.c) and packed
 * into a buffer reused from call to call, or written as OTLP JSON for
 * http/json.  The request's deadline is min(now + OTLP timeout, the
 * worker's export deadline), so a retry never outlives the worker's export
 * timeout and shutdown meets its deadline.  The transport reports OK,
 * RETRYABLE (with the server's retry-after hint, which goes to the worker
 * through ctx->retry_after_ms) or PERMANENT; the worker (sdk/batcher.c for
 * spans and log records, the periodic reader in sdk/metrics_reader.c for
 * metrics) does the retrying.
 *
 * Partial success (the receiver accepted part of a batch) is a success
 * with ctx->rejected_items set, which a batch processor counts as
 * dropped_rejected.  Its message is reported the first time and then at
 * most once per rate-limit interval; the counters carry every occurrence.
 *
 * Invariants: export, flush and shutdown run only on the exporter's
 * worker, never concurrently; the counters are atomics because the
 * otelc_otlp_*_stats() functions read them from any thread.
 */
#include <stdlib.h>
#include <time.h>

#include "exporters/common/otlp_json.h"
#include "exporters/otlp_common/otlp_encode.h"
#include "exporters/otlp_common/otlp_exporter.h"
#include "exporters/otlp_common/otlp_factory.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "sdk/span_int.h"

#include "otelc/otlp.h"

const otelc__otlp_signal otelc__otlp_signal_traces = {
    "traces",
    "/v1/traces",
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "rejectedSpans",
    "spans",
    &opentelemetry__proto__collector__trace__v1__export_trace_service_response__descriptor,
    OTELC_CFG_OTLP_TRACES_ENDPOINT,
    OTELC_CFG_OTLP_TRACES_PROTOCOL,
    OTELC_CFG_OTLP_TRACES_HEADERS,
    OTELC_CFG_OTLP_TRACES_TIMEOUT,
    OTELC_CFG_OTLP_TRACES_COMPRESSION,
    OTELC_CFG_OTLP_TRACES_INSECURE,
    OTELC_CFG_OTLP_TRACES_CERTIFICATE,
    OTELC_CFG_OTLP_TRACES_CLIENT_KEY,
    OTELC_CFG_OTLP_TRACES_CLIENT_CERTIFICATE,
};

/* ---- the client (shared by the span, metric and log exporters) ---------- */

static uint64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void add(_Atomic uint64_t *c, uint64_t v) {
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

otelc_status otelc__otlp_client_init(otelc__otlp_client *c,
                                     const otelc__otlp_signal *sig,
                                     const otelc_otlp_options *o) {
    memset(c, 0, sizeof *c);
    c->sig = sig;
    if (!otelc__otlp_config_resolve(&c->cfg, sig, o))
        return OTELC_ECONFIG;
    otelc__arena_init(&c->arena, 64 * 1024);
    otelc__buf_init(&c->body);
    bool grpc = c->cfg.protocol == OTELC__OTLP_GRPC;
    snprintf(c->name, sizeof c->name, grpc ? "otlp_grpc" : "otlp_http");
    c->transport = grpc ? otelc__otlp_grpc_new(&c->cfg, sig, &c->tops)
                        : otelc__otlp_http_new(&c->cfg, sig, &c->tops);
    if (!c->transport) {
        /* The transport constructor reported why (or the transport is not
         * built: no ops at all). */
        otelc_status st = c->tops ? OTELC_ECONFIG : OTELC_EUNSUPPORTED;
        otelc__otlp_client_free(c);
        return st;
    }
    otelc__diag(OTELC_DIAG_DEBUG,
                "%s: exporting %s to %s (%s%s, timeout %u ms)", c->name,
                sig->name, c->cfg.target,
                c->cfg.protocol == OTELC__OTLP_HTTP_JSON ? "json" : "protobuf",
                c->cfg.gzip ? ", gzip" : "", c->cfg.timeout_ms);
    return OTELC_OK;
}

bool otelc__otlp_client_pack(otelc__otlp_client *c, const ProtobufCMessage *m) {
    if (!m)
        return false;
    size_t size = protobuf_c_message_get_packed_size(m);
    if (!otelc__buf_reserve(&c->body, size))
        return false;
    c->body.len = protobuf_c_message_pack(m, (uint8_t *)c->body.data);
    return c->body.len == size;
}

otelc_export_result otelc__otlp_client_export(otelc__otlp_client *c,
                                              otelc__otlp_encode_fn encode,
                                              const void *batch, size_t n,
                                              size_t items,
                                              otelc_export_context *ctx) {
    uint64_t cpu0 = thread_cpu_ns();
    otelc__buf_reset(&c->body);
    otelc__arena_reset(&c->arena);
    if (!encode(c, batch, n) || c->body.oom) {
        otelc__diag_limited(&c->rl_fail, OTELC_DIAG_ERROR,
                            "%s: out of memory encoding %zu %s; batch dropped",
                            c->name, items, c->sig->items);
        add(&c->export_cpu_ns, thread_cpu_ns() - cpu0);
        return OTELC_EXPORT_FAILURE;
    }
    uint64_t cpu1 = thread_cpu_ns();
    add(&c->encode_cpu_ns, cpu1 - cpu0);
    add(&c->bytes_encoded, c->body.len);

    uint64_t deadline =
        otelc__mono_ns() + (uint64_t)c->cfg.timeout_ms * 1000000u;
    if (ctx->deadline_mono_ns && ctx->deadline_mono_ns < deadline)
        deadline = ctx->deadline_mono_ns;

    otelc__otlp_result res;
    memset(&res, 0, sizeof res);
    c->tops->send(c->transport, (const uint8_t *)c->body.data, c->body.len,
                  deadline, &res);
    add(&c->requests, 1);
    add(&c->items_sent, items);
    add(&c->bytes_sent, res.wire_bytes);

    otelc_export_result ret;
    if (res.outcome == OTELC__OTLP_OK) {
        add(&c->requests_ok, 1);
        char msg[256];
        int64_t rej = otelc__otlp_partial_success(
            c->sig, c->cfg.protocol, res.body, res.body_len, msg, sizeof msg);
        if (rej > 0 || msg[0]) {
            add(&c->partial_successes, 1);
            if (rej > 0) {
                add(&c->items_rejected, (uint64_t)rej);
                ctx->rejected_items = (uint64_t)rej;
            }
            /* The first report goes out at once; repeats are limited to
             * one line per interval, and the counters carry every one. */
            otelc__diag_limited(
                &c->rl_partial, OTELC_DIAG_WARN,
                "%s: %s accepted a batch only partly: %lld of %zu %s "
                "rejected: %s",
                c->name, c->cfg.endpoint, (long long)rej, items, c->sig->items,
                msg[0] ? msg : "(no message)");
        }
        ret = OTELC_EXPORT_SUCCESS;
    } else {
        bool retry = res.outcome == OTELC__OTLP_RETRYABLE;
        add(retry ? &c->failures_retryable : &c->failures_permanent, 1);
        if (res.retry_after_ms) {
            add(&c->retry_hints, 1);
            ctx->retry_after_ms = res.retry_after_ms;
        }
        otelc__diag_limited(&c->rl_fail, OTELC_DIAG_WARN,
                            "%s: export of %zu %s to %s failed: %s; %s",
                            c->name, items, c->sig->items, c->cfg.endpoint,
                            res.detail[0] ? res.detail : "unknown error",
                            retry ? "will retry" : "not retryable, dropped");
        ret = retry ? OTELC_EXPORT_RETRYABLE : OTELC_EXPORT_FAILURE;
    }
    add(&c->export_cpu_ns, thread_cpu_ns() - cpu0);
    return ret;
}

void otelc__otlp_client_shutdown(otelc__otlp_client *c, uint64_t deadline) {
    if (c->transport && c->tops->shutdown)
        c->tops->shutdown(c->transport, deadline);
}

void otelc__otlp_client_free(otelc__otlp_client *c) {
    if (c->transport)
        c->tops->free(c->transport);
    c->transport = NULL;
    otelc__arena_free(&c->arena);
    otelc__buf_free(&c->body);
    otelc__otlp_config_free(&c->cfg);
}

void otelc__otlp_client_stats(otelc__otlp_client *c, otelc_otlp_stats *out) {
    out->requests = atomic_load(&c->requests);
    out->requests_ok = atomic_load(&c->requests_ok);
    out->failures_retryable = atomic_load(&c->failures_retryable);
    out->failures_permanent = atomic_load(&c->failures_permanent);
    out->retry_hints = atomic_load(&c->retry_hints);
    out->partial_successes = atomic_load(&c->partial_successes);
    out->items_rejected = atomic_load(&c->items_rejected);
    out->items_sent = atomic_load(&c->items_sent);
    out->bytes_encoded = atomic_load(&c->bytes_encoded);
    out->bytes_sent = atomic_load(&c->bytes_sent);
    out->encode_cpu_ns = atomic_load(&c->encode_cpu_ns);
    out->export_cpu_ns = atomic_load(&c->export_cpu_ns);
}

/* ---- the span exporter ----------------------------------------------------
 */

static bool encode_spans(otelc__otlp_client *c, const void *batch, size_t n) {
    const otelc_span_data *const *spans = batch;
    if (c->cfg.protocol == OTELC__OTLP_HTTP_JSON) {
        otelc__otlp_json_traces(&c->body, spans, n);
        return !c->body.oom;
    }
    return otelc__otlp_client_pack(
        c, otelc__otlp_traces_request(&c->arena, spans, n));
}

static otelc_export_result otlp_export(void *st,
                                       const otelc_span_data *const *spans,
                                       size_t n, otelc_export_context *ctx) {
    return otelc__otlp_client_export(st, encode_spans, spans, n, n, ctx);
}

otelc__otlp_client *otelc__otlp_client_new(const otelc__otlp_signal *sig,
                                           const otelc_otlp_options *o,
                                           otelc_status *st) {
    otelc__otlp_client *c = malloc(sizeof *c);
    if (!c) {
        *st = OTELC_ENOMEM;
        return NULL;
    }
    *st = otelc__otlp_client_init(c, sig, o);
    if (*st != OTELC_OK) {
        free(c);
        return NULL;
    }
    return c;
}

void otelc__otlp_client_state_shutdown(void *state, uint64_t deadline) {
    otelc__otlp_client_shutdown(state, deadline);
}

void otelc__otlp_client_state_free(void *state) {
    if (!state)
        return;
    otelc__otlp_client_free(state);
    free(state);
}

static const otelc_span_exporter_ops grpc_ops = {
    "otlp_grpc", otlp_export, NULL, otelc__otlp_client_state_shutdown,
    otelc__otlp_client_state_free};
static const otelc_span_exporter_ops http_ops = {
    "otlp_http", otlp_export, NULL, otelc__otlp_client_state_shutdown,
    otelc__otlp_client_state_free};

static otelc_span_exporter *create(const otelc_otlp_options *o,
                                   otelc_status *st) {
    otelc__otlp_client *c =
        otelc__otlp_client_new(&otelc__otlp_signal_traces, o, st);
    if (!c)
        return NULL;
    otelc_span_exporter *e = otelc_span_exporter_new(
        c->cfg.protocol == OTELC__OTLP_GRPC ? &grpc_ops : &http_ops, c);
    *st = e ? OTELC_OK : OTELC_ENOMEM;
    return e;
}

OTELC_API otelc_span_exporter *
otelc_otlp_exporter_new(const otelc_otlp_options *options) {
    otelc_status st;
    return create(options, &st);
}

otelc_span_exporter *otelc__otlp_factory(otelc_status *st) {
    return create(NULL, st);
}

OTELC_API otelc_status otelc_otlp_exporter_stats(const otelc_span_exporter *e,
                                                 otelc_otlp_stats *out) {
    if (!out)
        return OTELC_EINVAL;
    memset(out, 0, sizeof *out);
    if (!e || (e->ops != &grpc_ops && e->ops != &http_ops))
        return OTELC_EINVAL;
    otelc__otlp_client_stats(e->state, out);
    return OTELC_OK;
}
