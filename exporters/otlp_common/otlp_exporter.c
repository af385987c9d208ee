/*
 * exporters/otlp_common/otlp_exporter.c - the OTLP span exporter: encoding,
 * per-attempt deadlines, result classification, partial success, counters;
 * the transport (gRPC or HTTP) is a vtable underneath.
 *
 * One export call = one request.  The batch is encoded into an arena-built
 * protobuf-c tree (otlp_traces.c) and packed into a buffer reused from call
 * to call, or written as OTLP JSON for http/json.  The request's deadline
 * is min(now + OTLP timeout, the worker's export deadline), so a retry
 * never outlives the processor's export timeout and shutdown meets its
 * deadline.  The transport reports OK, RETRYABLE (with the server's
 * retry-after hint, which goes to the worker through ctx->retry_after_ms)
 * or PERMANENT; the worker in sdk/batcher.c does the retrying.
 *
 * Partial success (the receiver accepted part of a batch) is a success
 * with ctx->rejected_items set, which the processor counts as
 * dropped_rejected.  Its message is reported the first time and then at
 * most once per rate-limit interval; the counters carry every occurrence.
 *
 * Invariants: export, flush and shutdown run only on the processor's
 * worker, never concurrently; the counters are atomics because
 * otelc_otlp_exporter_stats() reads them from any thread.
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

typedef struct otlp_exporter {
    otelc__otlp_config cfg;
    const otelc__otlp_signal *sig;
    const otelc__otlp_transport_ops *tops;
    void *transport;
    otelc__arena arena;
    otelc__buf body;
    otelc__ratelimit rl_fail, rl_partial;
    char name[16];

    _Atomic uint64_t requests, requests_ok, failures_retryable,
        failures_permanent, retry_hints, partial_successes, items_rejected,
        items_sent, bytes_encoded, bytes_sent, encode_cpu_ns, export_cpu_ns;
} otlp_exporter;

static uint64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void add(_Atomic uint64_t *c, uint64_t v) {
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/* Encode spans into x->body; false when memory runs out. */
static bool encode(otlp_exporter *x, const otelc_span_data *const *spans,
                   size_t n) {
    otelc__buf_reset(&x->body);
    if (x->cfg.protocol == OTELC__OTLP_HTTP_JSON) {
        otelc__otlp_json_traces(&x->body, spans, n);
        return !x->body.oom;
    }
    otelc__arena_reset(&x->arena);
    const ProtobufCMessage *req =
        otelc__otlp_traces_request(&x->arena, spans, n);
    if (!req)
        return false;
    size_t size = protobuf_c_message_get_packed_size(req);
    if (!otelc__buf_reserve(&x->body, size))
        return false;
    x->body.len = protobuf_c_message_pack(req, (uint8_t *)x->body.data);
    return x->body.len == size;
}

static otelc_export_result otlp_export(void *st,
                                       const otelc_span_data *const *spans,
                                       size_t n, otelc_export_context *ctx) {
    otlp_exporter *x = st;
    uint64_t cpu0 = thread_cpu_ns();
    if (!encode(x, spans, n)) {
        otelc__diag_limited(&x->rl_fail, OTELC_DIAG_ERROR,
                            "%s: out of memory encoding %zu %s; batch dropped",
                            x->name, n, x->sig->items);
        add(&x->export_cpu_ns, thread_cpu_ns() - cpu0);
        return OTELC_EXPORT_FAILURE;
    }
    uint64_t cpu1 = thread_cpu_ns();
    add(&x->encode_cpu_ns, cpu1 - cpu0);
    add(&x->bytes_encoded, x->body.len);

    uint64_t deadline =
        otelc__mono_ns() + (uint64_t)x->cfg.timeout_ms * 1000000u;
    if (ctx->deadline_mono_ns && ctx->deadline_mono_ns < deadline)
        deadline = ctx->deadline_mono_ns;

    otelc__otlp_result res;
    memset(&res, 0, sizeof res);
    x->tops->send(x->transport, (const uint8_t *)x->body.data, x->body.len,
                  deadline, &res);
    add(&x->requests, 1);
    add(&x->items_sent, n);
    add(&x->bytes_sent, res.wire_bytes);

    otelc_export_result ret;
    if (res.outcome == OTELC__OTLP_OK) {
        add(&x->requests_ok, 1);
        char msg[256];
        int64_t rej = otelc__otlp_partial_success(
            x->sig, x->cfg.protocol, res.body, res.body_len, msg, sizeof msg);
        if (rej > 0 || msg[0]) {
            add(&x->partial_successes, 1);
            if (rej > 0) {
                add(&x->items_rejected, (uint64_t)rej);
                ctx->rejected_items = (uint64_t)rej;
            }
            /* The first report goes out at once; repeats are limited to
             * one line per interval, and the counters carry every one. */
            otelc__diag_limited(
                &x->rl_partial, OTELC_DIAG_WARN,
                "%s: %s accepted a batch only partly: %lld of %zu %s "
                "rejected: %s",
                x->name, x->cfg.endpoint, (long long)rej, n, x->sig->items,
                msg[0] ? msg : "(no message)");
        }
        ret = OTELC_EXPORT_SUCCESS;
    } else {
        bool retry = res.outcome == OTELC__OTLP_RETRYABLE;
        add(retry ? &x->failures_retryable : &x->failures_permanent, 1);
        if (res.retry_after_ms) {
            add(&x->retry_hints, 1);
            ctx->retry_after_ms = res.retry_after_ms;
        }
        otelc__diag_limited(&x->rl_fail, OTELC_DIAG_WARN,
                            "%s: export of %zu %s to %s failed: %s; %s",
                            x->name, n, x->sig->items, x->cfg.endpoint,
                            res.detail[0] ? res.detail : "unknown error",
                            retry ? "will retry" : "not retryable, dropped");
        ret = retry ? OTELC_EXPORT_RETRYABLE : OTELC_EXPORT_FAILURE;
    }
    add(&x->export_cpu_ns, thread_cpu_ns() - cpu0);
    return ret;
}

static void otlp_shutdown(void *st, uint64_t deadline) {
    otlp_exporter *x = st;
    if (x->tops->shutdown)
        x->tops->shutdown(x->transport, deadline);
}

static void otlp_free(void *st) {
    otlp_exporter *x = st;
    if (!x)
        return;
    if (x->transport)
        x->tops->free(x->transport);
    otelc__arena_free(&x->arena);
    otelc__buf_free(&x->body);
    otelc__otlp_config_free(&x->cfg);
    free(x);
}

static const otelc_span_exporter_ops grpc_ops = {"otlp_grpc", otlp_export, NULL,
                                                 otlp_shutdown, otlp_free};
static const otelc_span_exporter_ops http_ops = {"otlp_http", otlp_export, NULL,
                                                 otlp_shutdown, otlp_free};

static otelc_span_exporter *create(const otelc_otlp_options *o,
                                   otelc_status *st) {
    otlp_exporter *x = calloc(1, sizeof *x);
    if (!x) {
        *st = OTELC_ENOMEM;
        return NULL;
    }
    x->sig = &otelc__otlp_signal_traces;
    if (!otelc__otlp_config_resolve(&x->cfg, x->sig, o)) {
        free(x);
        *st = OTELC_ECONFIG;
        return NULL;
    }
    otelc__arena_init(&x->arena, 64 * 1024);
    otelc__buf_init(&x->body);
    const otelc_span_exporter_ops *ops;
    if (x->cfg.protocol == OTELC__OTLP_GRPC) {
        snprintf(x->name, sizeof x->name, "otlp_grpc");
        ops = &grpc_ops;
        x->transport = otelc__otlp_grpc_new(&x->cfg, x->sig, &x->tops);
    } else {
        snprintf(x->name, sizeof x->name, "otlp_http");
        ops = &http_ops;
        x->transport = otelc__otlp_http_new(&x->cfg, x->sig, &x->tops);
    }
    if (!x->transport) {
        /* The transport constructor reported why (or the transport is not
         * built: OTELC_EUNSUPPORTED). */
        *st = x->tops ? OTELC_ECONFIG : OTELC_EUNSUPPORTED;
        otlp_free(x);
        return NULL;
    }
    otelc__diag(OTELC_DIAG_DEBUG,
                "%s: exporting %s to %s (%s%s, timeout %u ms)", x->name,
                x->sig->name, x->cfg.target,
                x->cfg.protocol == OTELC__OTLP_HTTP_JSON ? "json" : "protobuf",
                x->cfg.gzip ? ", gzip" : "", x->cfg.timeout_ms);
    otelc_span_exporter *e = otelc_span_exporter_new(ops, x);
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
    otlp_exporter *x = e->state;
    out->requests = atomic_load(&x->requests);
    out->requests_ok = atomic_load(&x->requests_ok);
    out->failures_retryable = atomic_load(&x->failures_retryable);
    out->failures_permanent = atomic_load(&x->failures_permanent);
    out->retry_hints = atomic_load(&x->retry_hints);
    out->partial_successes = atomic_load(&x->partial_successes);
    out->items_rejected = atomic_load(&x->items_rejected);
    out->items_sent = atomic_load(&x->items_sent);
    out->bytes_encoded = atomic_load(&x->bytes_encoded);
    out->bytes_sent = atomic_load(&x->bytes_sent);
    out->encode_cpu_ns = atomic_load(&x->encode_cpu_ns);
    out->export_cpu_ns = atomic_load(&x->export_cpu_ns);
    return OTELC_OK;
}
