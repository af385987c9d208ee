/*
 * exporters/otlp_grpc/otlp_grpc.c - the OTLP/gRPC transport on gRPC C core.
 *
 * One grpc_channel per exporter (gRPC keeps the HTTP/2 connection and
 * reconnects by itself), the Export method registered once, and one unary
 * call per request: a single grpc_call_start_batch with all six client ops
 * on a pluck completion queue owned by this transport, waited for with the
 * request's deadline.  gRPC enforces the same deadline on the call, so a
 * dead collector costs at most the deadline; if gRPC ever failed to
 * complete by then, the call is cancelled and reaped.
 *
 * Classification (OTLP specification, "OTLP/gRPC Throttling" and
 * "Failures"): CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
 * UNAVAILABLE and DATA_LOSS are retryable; RESOURCE_EXHAUSTED only when
 * the server sent a google.rpc.RetryInfo in grpc-status-details-bin; every
 * other code is permanent.  A RetryInfo's retry_delay becomes the retry
 * hint whatever the code.
 *
 * Reconnects.  Calls are fail-fast: while the channel has no connection a
 * call fails at once with UNAVAILABLE, and the batch worker retries with
 * its own backoff.  Before the request that follows such a failure, the
 * channel's connect backoff is reset, so every retry is a real connection
 * attempt instead of waiting out gRPC's independent reconnect timer.
 *
 * fork().  A forked child never touches the gRPC state it inherited: gRPC
 * core survives fork() only when its fork handlers ran around it with no
 * gRPC call active anywhere in the process, which nobody can guarantee (a
 * gRPC background thread inside gRPC makes grpc_prefork() skip its work
 * silently, and then a child's gRPC use corrupts the parent's through the
 * shared epoll set).  So the transport notices that it runs in another
 * process and fails every request permanently, with one diagnostic: the
 * child drops and counts its spans, never hangs, and never disturbs the
 * parent's connection.  Freeing it there leaks the inherited gRPC objects
 * on purpose.  OTLP/HTTP is the fork-safe transport (docs/otlp.md).
 *
 * Invariants: send/shutdown/free run on the exporter's worker only.
 */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exporters/otlp_common/otlp_exporter.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"

typedef struct grpc_tr {
    const otelc__otlp_config *cfg;
    const otelc__otlp_signal *sig;
    grpc_channel *channel;
    grpc_completion_queue *cq;
    void *method;
    grpc_metadata *md;
    size_t nmd;
    uint8_t *resp;
    size_t resp_cap;
    grpc_channel_credentials *creds;
    bool reset_backoff; /* the last request found no connection */
    pid_t pid;          /* the process that created the gRPC objects */
    bool fork_warned;
} grpc_tr;

/* ---- helpers
 * ------------------------------------------------------------------ */

static gpr_timespec to_gpr(uint64_t deadline_mono_ns) {
    uint64_t now = otelc__mono_ns();
    int64_t left =
        deadline_mono_ns > now ? (int64_t)(deadline_mono_ns - now) : 0;
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                        gpr_time_from_nanos(left, GPR_TIMESPAN));
}

static const char *const g_code_names[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};

static const char *code_name(grpc_status_code c) {
    return (unsigned)c < OTELC_ARRAY_LEN(g_code_names) ? g_code_names[c]
                                                       : "UNKNOWN_CODE";
}

static bool retryable_code(grpc_status_code c) {
    switch (c) {
    case GRPC_STATUS_CANCELLED:
    case GRPC_STATUS_DEADLINE_EXCEEDED:
    case GRPC_STATUS_ABORTED:
    case GRPC_STATUS_OUT_OF_RANGE:
    case GRPC_STATUS_UNAVAILABLE:
    case GRPC_STATUS_DATA_LOSS: return true;
    default: return false;
    }
}

/* The retry delay of a RetryInfo inside a serialized google.rpc.Status
 * (grpc-status-details-bin; gRPC has already base64-decoded it).  Returns
 * true when a RetryInfo is present. */
static bool parse_retry_info(const uint8_t *p, size_t n, uint64_t *ms) {
    static const char type[] = "google.rpc.RetryInfo";
    Google__Rpc__Status *st = google__rpc__status__unpack(NULL, n, p);
    if (!st)
        return false;
    bool found = false;
    for (size_t i = 0; i < st->n_details && !found; i++) {
        const Google__Protobuf__Any *any = st->details[i];
        const char *u = any->type_url ? any->type_url : "";
        size_t ul = strlen(u), tl = sizeof type - 1;
        /* "type.googleapis.com/google.rpc.RetryInfo" or any prefix/ */
        if (ul < tl || strcmp(u + ul - tl, type) ||
            (ul > tl && u[ul - tl - 1] != '/'))
            continue;
        Google__Rpc__RetryInfo *ri = google__rpc__retry_info__unpack(
            NULL, any->value.len, any->value.data);
        if (!ri)
            continue;
        found = true;
        *ms = 0;
        if (ri->retry_delay && ri->retry_delay->seconds >= 0 &&
            ri->retry_delay->nanos >= 0)
            *ms = (uint64_t)ri->retry_delay->seconds * 1000u +
                  (uint64_t)ri->retry_delay->nanos / 1000000u;
        google__rpc__retry_info__free_unpacked(ri, NULL);
    }
    google__rpc__status__free_unpacked(st, NULL);
    return found;
}

static void copy_response(grpc_tr *t, grpc_byte_buffer *bb,
                          otelc__otlp_result *out) {
    if (!bb)
        return;
    grpc_byte_buffer_reader r;
    if (!grpc_byte_buffer_reader_init(&r, bb))
        return;
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    size_t n = GRPC_SLICE_LENGTH(s);
    if (n > t->resp_cap) {
        uint8_t *nr = realloc(t->resp, n);
        if (nr) {
            t->resp = nr;
            t->resp_cap = n;
        }
    }
    if (n && n <= t->resp_cap) {
        memcpy(t->resp, GRPC_SLICE_START_PTR(s), n);
        out->body = t->resp;
        out->body_len = n;
    }
    grpc_slice_unref(s);
}

/* ---- send
 * --------------------------------------------------------------------- */

static void grpc_send(void *tp, const uint8_t *body, size_t len,
                      uint64_t deadline_mono_ns, otelc__otlp_result *out) {
    grpc_tr *t = tp;
    if (OTELC_UNLIKELY(getpid() != t->pid)) {
        out->outcome = OTELC__OTLP_PERMANENT;
        snprintf(out->detail, sizeof out->detail,
                 "this process was forked from the one that created the "
                 "gRPC channel, and gRPC cannot be used across fork() "
                 "(use http/protobuf in processes that fork)");
        if (!t->fork_warned) {
            t->fork_warned = true;
            otelc__diag(OTELC_DIAG_ERROR,
                        "otlp_grpc: %s; %s are dropped in this process",
                        out->detail, t->sig->items);
        }
        return;
    }
    if (t->reset_backoff) {
        grpc_channel_reset_connect_backoff(t->channel);
        t->reset_backoff = false;
    }
    gpr_timespec deadline = to_gpr(deadline_mono_ns);
    grpc_call *call = grpc_channel_create_registered_call(
        t->channel, NULL, GRPC_PROPAGATE_DEFAULTS, t->cq, t->method, deadline,
        NULL);
    if (!call) {
        out->outcome = OTELC__OTLP_RETRYABLE;
        snprintf(out->detail, sizeof out->detail, "cannot create a gRPC call");
        return;
    }
    grpc_slice payload = grpc_slice_from_copied_buffer((const char *)body, len);
    grpc_byte_buffer *send_bb = grpc_raw_byte_buffer_create(&payload, 1);
    grpc_slice_unref(payload);
    grpc_byte_buffer *recv_bb = NULL;
    grpc_metadata_array initial_md, trailing_md;
    grpc_metadata_array_init(&initial_md);
    grpc_metadata_array_init(&trailing_md);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    const char *error_string = NULL;

    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = t->nmd;
    ops[0].data.send_initial_metadata.metadata = t->md;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = send_bb;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &recv_bb;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    ops[5].data.recv_status_on_client.error_string = &error_string;

    bool leaked = false;
    grpc_call_error ce = grpc_call_start_batch(call, ops, 6, t, NULL);
    if (ce != GRPC_CALL_OK) {
        out->outcome = OTELC__OTLP_RETRYABLE;
        snprintf(out->detail, sizeof out->detail, "gRPC refused the call: %s",
                 grpc_call_error_to_string(ce));
        goto done;
    }
    /* gRPC ends the call at its deadline; a little slack lets its status
     * arrive rather than our own timeout. */
    grpc_event ev = grpc_completion_queue_pluck(
        t->cq, t, gpr_time_add(deadline, gpr_time_from_millis(5, GPR_TIMESPAN)),
        NULL);
    if (ev.type != GRPC_OP_COMPLETE) {
        grpc_call_cancel(call, NULL);
        ev = grpc_completion_queue_pluck(
            t->cq, t,
            gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                         gpr_time_from_millis(1000, GPR_TIMESPAN)),
            NULL);
        if (ev.type != GRPC_OP_COMPLETE) {
            /* The batch still references the buffers: leak them rather than
             * free memory gRPC may write to. */
            leaked = true;
            out->outcome = OTELC__OTLP_RETRYABLE;
            snprintf(out->detail, sizeof out->detail,
                     "gRPC did not complete a call past its deadline");
            goto done;
        }
    }
    if (status == GRPC_STATUS_OK) {
        out->outcome = OTELC__OTLP_OK;
        copy_response(t, recv_bb, out);
        goto done;
    }
    uint64_t hint = 0;
    bool has_retry_info = false;
    for (size_t i = 0; i < trailing_md.count; i++) {
        if (grpc_slice_str_cmp(trailing_md.metadata[i].key,
                               "grpc-status-details-bin") == 0) {
            grpc_slice v = trailing_md.metadata[i].value;
            has_retry_info = parse_retry_info(GRPC_SLICE_START_PTR(v),
                                              GRPC_SLICE_LENGTH(v), &hint);
        }
    }
    if (retryable_code(status) ||
        (status == GRPC_STATUS_RESOURCE_EXHAUSTED && has_retry_info))
        out->outcome = OTELC__OTLP_RETRYABLE;
    else
        out->outcome = OTELC__OTLP_PERMANENT;
    if (has_retry_info)
        out->retry_after_ms = hint;
    if (status == GRPC_STATUS_UNAVAILABLE)
        t->reset_backoff = true;
    {
        size_t dl = GRPC_SLICE_LENGTH(details);
        int n =
            snprintf(out->detail, sizeof out->detail, "%s", code_name(status));
        if (dl && n > 0 && (size_t)n < sizeof out->detail)
            n += snprintf(out->detail + n, sizeof out->detail - (size_t)n,
                          ": %.*s", (int)(dl > 160 ? 160 : dl),
                          (const char *)GRPC_SLICE_START_PTR(details));
        if (status == GRPC_STATUS_RESOURCE_EXHAUSTED && !has_retry_info &&
            n > 0 && (size_t)n < sizeof out->detail)
            snprintf(out->detail + n, sizeof out->detail - (size_t)n,
                     " (no RetryInfo: not retryable)");
    }
done:
    out->wire_bytes = len;
    if (!leaked) {
        grpc_metadata_array_destroy(&initial_md);
        grpc_metadata_array_destroy(&trailing_md);
        grpc_slice_unref(details);
        if (error_string)
            gpr_free((void *)error_string);
        if (recv_bb)
            grpc_byte_buffer_destroy(recv_bb);
        grpc_byte_buffer_destroy(send_bb);
        grpc_call_unref(call);
    }
}

/* ---- lifecycle
 * ------------------------------------------------------------------ */

static void grpc_tr_free(void *tp) {
    grpc_tr *t = tp;
    if (getpid() == t->pid) {
        if (t->channel)
            grpc_channel_destroy(t->channel);
        if (t->cq) {
            grpc_completion_queue_shutdown(t->cq);
            /* Normally immediate (no call is pending); a call leaked by
             * grpc_send() would keep the queue open: then leak it too
             * rather than wait forever. */
            gpr_timespec until =
                gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                             gpr_time_from_millis(1000, GPR_TIMESPAN));
            grpc_event ev;
            do
                ev = grpc_completion_queue_pluck(t->cq, NULL, until, NULL);
            while (ev.type == GRPC_OP_COMPLETE);
            if (ev.type == GRPC_QUEUE_SHUTDOWN)
                grpc_completion_queue_destroy(t->cq);
        }
        for (size_t i = 0; i < t->nmd; i++) {
            grpc_slice_unref(t->md[i].key);
            grpc_slice_unref(t->md[i].value);
        }
        if (t->creds)
            grpc_channel_credentials_release(t->creds);
        grpc_shutdown();
    }
    /* In a forked child the inherited gRPC objects are leaked on purpose:
     * touching them may hang or disturb the parent. */
    free(t->md);
    free(t->resp);
    free(t);
}

static const otelc__otlp_transport_ops grpc_tr_ops = {grpc_send, NULL,
                                                      grpc_tr_free};

static char *read_file(const char *path, const char *what) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "otlp_grpc: cannot read the %s file %s: "
                    "%s",
                    what, path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap + 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap += 65536;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static grpc_channel_credentials *make_creds(const otelc__otlp_config *cfg,
                                            bool *ok) {
    *ok = true;
    if (!cfg->tls)
        return grpc_insecure_credentials_create();
    char *roots = NULL, *key = NULL, *cert = NULL;
    if (cfg->certificate &&
        !(roots = read_file(cfg->certificate, "certificate"))) {
        *ok = false;
        return NULL;
    }
    grpc_ssl_pem_key_cert_pair pair = {NULL, NULL};
    if (cfg->client_key && cfg->client_certificate) {
        key = read_file(cfg->client_key, "client key");
        cert = read_file(cfg->client_certificate, "client certificate");
        if (!key || !cert) {
            free(roots);
            free(key);
            free(cert);
            *ok = false;
            return NULL;
        }
        pair.private_key = key;
        pair.cert_chain = cert;
    }
    /* NULL roots = gRPC's default roots (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH or
     * its bundled list). */
    grpc_channel_credentials *c = grpc_ssl_credentials_create(
        roots, pair.private_key ? &pair : NULL, NULL, NULL);
    free(roots);
    free(key);
    free(cert);
    return c;
}

/* Create the channel, its completion queue and the registered method
 * from t->creds. */
static void open_channel(grpc_tr *t) {
    const otelc__otlp_config *cfg = t->cfg;
    grpc_arg args[6];
    int nargs = 0;
    args[nargs].type = GRPC_ARG_STRING;
    args[nargs].key = (char *)GRPC_ARG_PRIMARY_USER_AGENT_STRING;
    args[nargs].value.string = (char *)cfg->user_agent;
    nargs++;
    /* Reconnect on the exporter's own scale (the worker retries 1 s to 5 s
     * apart) rather than gRPC's default of up to two minutes. */
    args[nargs].type = GRPC_ARG_INTEGER;
    args[nargs].key = (char *)GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS;
    args[nargs].value.integer = 1000;
    nargs++;
    args[nargs].type = GRPC_ARG_INTEGER;
    args[nargs].key = (char *)GRPC_ARG_MAX_RECONNECT_BACKOFF_MS;
    args[nargs].value.integer = 5000;
    nargs++;
    /* Retrying is the batch worker's job (one policy for every exporter). */
    args[nargs].type = GRPC_ARG_INTEGER;
    args[nargs].key = (char *)GRPC_ARG_ENABLE_RETRIES;
    args[nargs].value.integer = 0;
    nargs++;
    /* A connection of our own, not one from gRPC's process-wide pool: the
     * exporter owns its connection's lifetime. */
    args[nargs].type = GRPC_ARG_INTEGER;
    args[nargs].key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
    args[nargs].value.integer = 1;
    nargs++;
    if (cfg->gzip) {
        args[nargs].type = GRPC_ARG_INTEGER;
        args[nargs].key = (char *)GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM;
        args[nargs].value.integer = GRPC_COMPRESS_GZIP;
        nargs++;
    }
    grpc_channel_args cargs = {(size_t)nargs, args};
    t->channel = grpc_channel_create(cfg->target, t->creds, &cargs);
    t->cq = grpc_completion_queue_create_for_pluck(NULL);
    t->method = t->channel ? grpc_channel_register_call(
                                 t->channel, t->sig->grpc_method, NULL, NULL)
                           : NULL;
    t->pid = getpid();
}

void *otelc__otlp_grpc_new(const otelc__otlp_config *cfg,
                           const otelc__otlp_signal *sig,
                           const otelc__otlp_transport_ops **ops) {
    *ops = &grpc_tr_ops;
    grpc_tr *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = cfg;
    t->sig = sig;
    t->pid = getpid();

    /* Headers, validated once: gRPC rejects a call whose metadata is not
     * legal, and reserved names belong to the protocol. */
    t->md = calloc(cfg->nheaders ? cfg->nheaders : 1, sizeof *t->md);
    if (!t->md) {
        free(t);
        return NULL;
    }
    grpc_init();
    for (size_t i = 0; i < cfg->nheaders; i++) {
        const char *k = cfg->headers[i].key, *v = cfg->headers[i].value;
        grpc_slice ks = grpc_slice_from_copied_string(k);
        grpc_slice vs = grpc_slice_from_copied_string(v);
        bool bin = grpc_is_binary_header(ks);
        if (k[0] == ':' || !strncmp(k, "grpc-", 5) || !strcmp(k, "te") ||
            !strcmp(k, "content-type") || !strcmp(k, "user-agent") ||
            !grpc_header_key_is_legal(ks) ||
            (!bin && !grpc_header_nonbin_value_is_legal(vs))) {
            otelc__diag(OTELC_DIAG_WARN,
                        "otlp_grpc: header \"%s\" is reserved by gRPC or not "
                        "a legal HTTP/2 header; not sent",
                        k);
            grpc_slice_unref(ks);
            grpc_slice_unref(vs);
            continue;
        }
        t->md[t->nmd].key = ks;
        t->md[t->nmd].value = vs;
        t->nmd++;
    }

    bool ok;
    grpc_channel_credentials *creds = make_creds(cfg, &ok);
    if (!ok || !creds) {
        if (creds)
            grpc_channel_credentials_release(creds);
        grpc_tr_free(t);
        return NULL;
    }
    t->creds = creds;
    open_channel(t);
    if (!t->channel || !t->cq || !t->method) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "otlp_grpc: cannot create a channel to "
                    "%s",
                    cfg->target);
        grpc_tr_free(t);
        return NULL;
    }
    return t;
}
