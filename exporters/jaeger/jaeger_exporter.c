/*
 * exporters/jaeger/jaeger_exporter.c - the Jaeger span exporter: splits
 * each batch into requests no larger than the configured size, encodes
 * them as jaeger.Batch (jaeger_encode.c) and POSTs them (jaeger_http.c).
 *
 * Requests.  A request holds consecutive spans of one resource (a Batch
 * has one Process), as many as fit in max_request bytes.  A span that does
 * not fit even alone is dropped, counted through ctx->rejected_items (the
 * processor's dropped_rejected counter) and reported with its size.  Each
 * request carries a sequence number (Batch.seqNo), incremented per
 * distinct request and reused when the same request is retried, so a
 * collector can tell a retry from a loss.
 *
 * Progress across retries.  When a batch needs several requests and one
 * fails after others succeeded, the worker retries the whole batch (same
 * span pointers, same count, attempt > 1).  The exporter remembers how far
 * it got (prog_*) and resumes there, so the collector never receives a
 * span twice; ctx->delivered_items tells the worker how many spans already
 * arrived, so that a batch finally given up counts only the rest as
 * dropped.  Attempt 1 always starts from the beginning: the worker hands a
 * batch to the exporter with attempt 1 exactly once.
 *
 * Threading.  export_spans() runs on the batch worker only and never
 * concurrently (the worker's contract), so the state needs no lock.
 */
#include <stdlib.h>

#include "exporters/jaeger/jaeger_encode.h"
#include "exporters/jaeger/jaeger_factory.h"
#include "exporters/jaeger/jaeger_http.h"
#include "sdk/config_int.h"
#include "sdk/internal.h"

#include "otelc/jaeger.h"

typedef struct jaeger_state {
    otelc__jaeger_http http;
    otelc__jaeger_enc enc;
    otelc__buf body;
    size_t max_request;
    int64_t next_seq;
    otelc__ratelimit rl_size;
    otelc__ratelimit rl_oom;
    /* Progress through the batch being exported (see the file comment). */
    bool prog_valid;
    const otelc_span_data *prog_first;
    size_t prog_n;
    size_t prog_pos;         /* spans before this index are done */
    uint64_t prog_delivered; /* of those, how many reached the collector */
    uint64_t prog_too_large; /* of those, how many were too large to send */
    int64_t prog_seq;        /* seqNo of the request starting at prog_pos */
} jaeger_state;

/* Fill body with the request that starts at spans[*pos]: as many spans of
 * one resource as fit.  Spans too large to fit alone are skipped (counted
 * in s->prog_too_large) by advancing *pos.  Returns the number of spans in
 * the request (0 when none is left or memory ran out: check body.oom). */
static size_t build_request(jaeger_state *s,
                            const otelc_span_data *const *spans, size_t n,
                            size_t *pos) {
    otelc__buf *b = &s->body;
    while (*pos < n) {
        otelc__buf_reset(b);
        const otelc_resource *res = spans[*pos]->resource;
        size_t count_off = otelc__jaeger_batch_begin(&s->enc, b, res);
        size_t header = b->len;
        size_t k = 0;
        for (size_t i = *pos; i < n && spans[i]->resource == res; i++) {
            size_t mark = b->len;
            otelc__jaeger_encode_span(&s->enc, b, spans[i]);
            if (b->oom)
                return 0;
            if (b->len + OTELC__JAEGER_BATCH_TRAILER <= s->max_request) {
                k++;
                continue;
            }
            size_t span_len = b->len - mark;
            b->len = mark;
            if (k)
                break; /* the request is full; this span starts the next */
            /* Alone and still too large: it can never be sent. */
            otelc__diag_limited(
                &s->rl_size, OTELC_DIAG_WARN,
                "jaeger exporter: span \"%.64s\" needs %zu bytes, more than "
                "the request limit of %zu (OTELC_JAEGER_MAX_REQUEST_BYTES); "
                "span dropped",
                spans[i]->name, header + span_len + OTELC__JAEGER_BATCH_TRAILER,
                s->max_request);
            s->prog_too_large++;
            s->prog_seq = -1;
            (*pos)++;
            break;
        }
        if (!k)
            continue; /* a leading span was dropped: start again after it */
        if (s->prog_seq < 0)
            s->prog_seq = s->next_seq++;
        otelc__jaeger_batch_finish(b, count_off, (int32_t)k, s->prog_seq);
        return b->oom ? 0 : k;
    }
    return 0;
}

static otelc_export_result jaeger_export(void *st,
                                         const otelc_span_data *const *spans,
                                         size_t n, otelc_export_context *ctx) {
    jaeger_state *s = st;
    if (!n)
        return OTELC_EXPORT_SUCCESS;
    if (ctx->attempt <= 1 || !s->prog_valid || s->prog_n != n ||
        s->prog_first != spans[0]) {
        s->prog_valid = true;
        s->prog_first = spans[0];
        s->prog_n = n;
        s->prog_pos = 0;
        s->prog_delivered = 0;
        s->prog_too_large = 0;
        s->prog_seq = -1;
    }
    otelc_export_result result = OTELC_EXPORT_SUCCESS;
    while (s->prog_pos < n) {
        size_t pos = s->prog_pos;
        size_t k = build_request(s, spans, n, &pos);
        s->prog_pos = pos; /* past any span dropped as too large */
        if (s->body.oom) {
            otelc__diag_limited(&s->rl_oom, OTELC_DIAG_ERROR,
                                "jaeger exporter: out of memory encoding a "
                                "request of up to %zu bytes; the rest of the "
                                "batch is dropped",
                                s->max_request);
            otelc__buf_free(&s->body);
            result = OTELC_EXPORT_FAILURE;
            break;
        }
        if (!k)
            break; /* only too-large spans were left */
        uint64_t retry_after = 0;
        otelc__jaeger_post r =
            otelc__jaeger_http_post(&s->http, s->body.data, s->body.len,
                                    ctx->deadline_mono_ns, &retry_after);
        if (r == OTELC__JAEGER_POST_OK) {
            s->prog_pos += k;
            s->prog_delivered += k;
            s->prog_seq = -1;
            continue;
        }
        ctx->retry_after_ms = retry_after;
        if (r == OTELC__JAEGER_POST_RETRY) {
            result = OTELC_EXPORT_RETRYABLE;
        } else {
            result = OTELC_EXPORT_FAILURE;
            s->prog_seq = -1;
        }
        break;
    }
    /* A large span can grow the buffer far past the limit; do not keep
     * that memory for the life of the process. */
    if (s->body.cap > 2 * s->max_request + 65536)
        otelc__buf_free(&s->body);
    if (result == OTELC_EXPORT_SUCCESS) {
        ctx->rejected_items = s->prog_too_large;
        s->prog_valid = false;
    } else {
        ctx->delivered_items = s->prog_delivered;
        if (result == OTELC_EXPORT_FAILURE)
            s->prog_valid = false;
    }
    return result;
}

static void jaeger_free(void *st) {
    jaeger_state *s = st;
    if (!s)
        return;
    otelc__jaeger_http_free(&s->http);
    otelc__jaeger_enc_free(&s->enc);
    otelc__buf_free(&s->body);
    free(s);
}

static const otelc_span_exporter_ops jaeger_ops = {"jaeger", jaeger_export,
                                                   NULL, NULL, jaeger_free};

OTELC_API otelc_span_exporter *
otelc_jaeger_exporter_new(const otelc_jaeger_options *o) {
    const char *endpoint = o && o->endpoint
                               ? o->endpoint
                               : otelc__cfg_str(OTELC_CFG_JAEGER_ENDPOINT);
    if (!endpoint[0])
        endpoint = "http://localhost:14268/api/traces";
    const char *user =
        o && o->user ? o->user : otelc__cfg_str(OTELC_CFG_JAEGER_USER);
    const char *password = o && o->password
                               ? o->password
                               : otelc__cfg_str(OTELC_CFG_JAEGER_PASSWORD);
    uint32_t timeout =
        o && o->timeout_ms
            ? o->timeout_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_JAEGER_TIMEOUT, 10000);
    size_t max = o && o->max_request_bytes
                     ? o->max_request_bytes
                     : (size_t)otelc__cfg_int(
                           OTELC_CFG_JAEGER_MAX_REQUEST_BYTES, 4194304);
    /* Below a few hundred bytes not even a small span fits; the
     * configuration enforces 1024, code gets the same floor. */
    if (max < 1024) {
        otelc__diag(OTELC_DIAG_WARN,
                    "jaeger exporter: max_request_bytes %zu is too small; "
                    "using 1024",
                    max);
        max = 1024;
    }
    jaeger_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (!otelc__jaeger_http_init(&s->http, endpoint, user, password, timeout)) {
        free(s);
        return NULL;
    }
    otelc__jaeger_enc_init(&s->enc);
    otelc__buf_init(&s->body);
    s->max_request = max;
    s->next_seq = 1;
    s->prog_seq = -1;
    otelc__diag(OTELC_DIAG_DEBUG,
                "jaeger exporter: endpoint %s, timeout %u ms, requests up to "
                "%zu bytes%s",
                endpoint, timeout, max, s->http.user ? ", basic auth" : "");
    return otelc_span_exporter_new(&jaeger_ops, s);
}

/* Registered as "jaeger" (exporters/jaeger/CMakeLists.txt). */
otelc_span_exporter *otelc__jaeger_factory(otelc_status *st) {
    otelc_span_exporter *e = otelc_jaeger_exporter_new(NULL);
    *st = e ? OTELC_OK : OTELC_ECONFIG;
    return e;
}
