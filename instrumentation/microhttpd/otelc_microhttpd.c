/*
 * instrumentation/microhttpd/otelc_microhttpd.c - the libmicrohttpd
 * access-handler wrapper and the MHD carriers.
 *
 * Per request, MHD calls the access handler several times (headers, each
 * upload chunk, the end) with the same *con_cls slot, then the
 * request-completed callback once.  The wrapper puts its own request
 * state in that slot on the first call and hands the application's
 * handler a slot inside that state, so the application sees the protocol
 * it expects.  The span starts on the first call and ends in the
 * completion callback, the one place MHD promises to call for every
 * request it started, after the response went out (or failed).
 *
 * Around every call of the application's handler the request's context is
 * current: the extracted context is attached (its baggage becomes the
 * current baggage), the SERVER span is made current on top, and the
 * request id is set (otelc_request_id_set); all three are undone before
 * returning to MHD,
 * because MHD may interleave requests on one thread (select/poll modes).
 *
 * Invariants: a request state exists from the first handler call to the
 * completion callback; srv->live counts them; the span is ended exactly
 * once, in the completion callback.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>

#include "instrumentation/instr_int.h"

#include "otelc/metrics.h"
#include "otelc/microhttpd.h"
#include "otelc/propagation.h"
#include "otelc/request_id.h"

struct otelc_mhd_server {
    otelc_mhd_options o;
    _Atomic(otelc__tracer_pair *) tracer_cache;
    _Atomic int64_t live;
};

typedef struct mhd_req {
    otelc_mhd_server *srv;
    struct MHD_Connection *conn;
    otelc_context *parent; /* extracted; NULL when the request had none */
    otelc_span *span;
    void *user_ctx; /* the application's con_cls slot */
    unsigned status;
    char request_id[OTELC_REQUEST_ID_MAX];
    /* For http.server.request.duration (recorded whether the span is
     * sampled or not). */
    uint64_t start_mono;
    const char *method_norm; /* static */
    char route[128];         /* "" when the application gave none */
} mhd_req;

/* The request whose handler runs on this thread (for queue_response). */
static __thread mhd_req *t_req;
static otelc__ratelimit g_rid_rl, g_live_rl;

/* ---- carriers
 * ---------------------------------------------------------------- */

static const char *req_get(void *u, const char *name) {
    return MHD_lookup_connection_value(u, MHD_HEADER_KIND, name);
}

typedef struct visit {
    otelc_carrier_visit_fn fn;
    void *arg;
} visit;

static enum MHD_Result visit_kv(void *cls, enum MHD_ValueKind kind,
                                const char *key, const char *value) {
    (void)kind;
    visit *v = cls;
    return v->fn(v->arg, key, value ? value : "") ? MHD_YES : MHD_NO;
}

static void req_foreach(void *u, otelc_carrier_visit_fn fn, void *arg) {
    visit v = {fn, arg};
    MHD_get_connection_values(u, MHD_HEADER_KIND, visit_kv, &v);
}

OTELC_API otelc_carrier
otelc_mhd_request_carrier(struct MHD_Connection *connection) {
    return (otelc_carrier){req_get, NULL, req_foreach, connection};
}

static const char *resp_get(void *u, const char *name) {
    return MHD_get_response_header(u, name);
}

static otelc_status resp_set(void *u, const char *name, const char *value) {
    const char *old;
    /* MHD deletes by (name, value): remove every field of this name. */
    while ((old = MHD_get_response_header(u, name)) != NULL)
        if (MHD_del_response_header(u, name, old) != MHD_YES)
            return OTELC_EIO;
    return MHD_add_response_header(u, name, value) == MHD_YES ? OTELC_OK
                                                              : OTELC_EINVAL;
}

static void resp_foreach(void *u, otelc_carrier_visit_fn fn, void *arg) {
    visit v = {fn, arg};
    MHD_get_response_headers(u, visit_kv, &v);
}

OTELC_API otelc_carrier otelc_mhd_response_carrier(struct MHD_Response *r) {
    return (otelc_carrier){resp_get, resp_set, resp_foreach, r};
}

/* ---- server
 * ------------------------------------------------------------------- */

OTELC_API otelc_mhd_server *otelc_mhd_server_new(const otelc_mhd_options *o) {
    if (!o || !o->handler)
        return NULL;
    otelc_mhd_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->o = *o;
    return s;
}

OTELC_API void otelc_mhd_server_free(otelc_mhd_server *s) {
    if (!s)
        return;
    int64_t live = atomic_load(&s->live);
    if (live > 0)
        otelc__diag(OTELC_DIAG_WARN,
                    "microhttpd wrapper freed with %lld request(s) never "
                    "completed: was OTELC_MHD_OPTION_COMPLETED(server) given "
                    "to MHD_start_daemon(), and the daemon stopped first?",
                    (long long)live);
    otelc__instr_tracer_free(&s->tracer_cache);
    free(s);
}

/* ---- request start
 * -------------------------------------------------------------- */

/* server.address / server.port from a Host header value. */
static bool parse_host(const char *h, char *addr, size_t cap, long *port) {
    *port = -1;
    const char *end, *colon;
    if (h[0] == '[') {
        end = strchr(h, ']');
        if (!end)
            return false;
        h++;
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strrchr(h, ':');
        end = colon ? colon : h + strlen(h);
    }
    size_t n = (size_t)(end - h);
    if (!n || n >= cap)
        return false;
    memcpy(addr, h, n);
    addr[n] = '\0';
    if (colon) {
        char *e;
        long p = strtol(colon + 1, &e, 10);
        if (*e || p <= 0 || p > 65535)
            return false;
        *port = p;
    }
    return true;
}

static void peer_address(struct MHD_Connection *c, char *out, size_t cap) {
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

static mhd_req *request_start(otelc_mhd_server *s, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version) {
    mhd_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = s;
    r->conn = c;

    /* Request id: the client's if it is safe to echo, else a new one. */
    const char *rid =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-ID");
    if (rid && otelc_request_id_valid(rid, strlen(rid))) {
        snprintf(r->request_id, sizeof r->request_id, "%s", rid);
    } else {
        if (rid)
            otelc__diag_limited(&g_rid_rl, OTELC_DIAG_INFO,
                                "microhttpd: X-Request-ID not reusable "
                                "(empty, over %d characters, or characters "
                                "outside [A-Za-z0-9-_.:+/=@~]); a new id is "
                                "generated",
                                OTELC_REQUEST_ID_MAX - 1);
        otelc_request_id_generate(r->request_id);
    }

    otelc_carrier carrier = otelc_mhd_request_carrier(c);
    r->parent = otelc_propagator_extract(s->o.propagator, &carrier);

    const char *norm = otelc__http_method_norm(method);
    const char *route =
        s->o.route ? s->o.route(s->o.route_cls, method, url) : NULL;
    r->start_mono = otelc__mono_ns();
    r->method_norm = norm;
    if (route)
        snprintf(r->route, sizeof r->route, "%s", route);
    char name[256];
    snprintf(name, sizeof name, "%s %s", strcmp(norm, "_OTHER") ? norm : "HTTP",
             route ? route : url);

    /* Attributes, given at start so that samplers see them. */
    otelc_attribute a[16];
    size_t n = 0;
    a[n++] = OTELC_ATTR_STR("http.request.method", norm);
    if (!strcmp(norm, "_OTHER"))
        a[n++] = OTELC_ATTR_STR("http.request.method_original", method);
    a[n++] = OTELC_ATTR_STR("url.path", url);
    const union MHD_DaemonInfo *di = NULL;
    const union MHD_ConnectionInfo *dci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    if (dci && dci->daemon)
        di = MHD_get_daemon_info(dci->daemon, MHD_DAEMON_INFO_FLAGS);
    bool tls = di && (di->flags & MHD_USE_TLS);
    a[n++] = OTELC_ATTR_STR("url.scheme", tls ? "https" : "http");
    if (route)
        a[n++] = OTELC_ATTR_STR("http.route", route);
    char host[256];
    long port = -1;
    const char *hh = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (hh && parse_host(hh, host, sizeof host, &port)) {
        a[n++] = OTELC_ATTR_STR("server.address", host);
        if (port < 0)
            port = tls ? 443 : 80;
    } else if (s->o.server_address) {
        a[n++] = OTELC_ATTR_STR("server.address", s->o.server_address);
    }
    if (port < 0 && s->o.server_port)
        port = s->o.server_port;
    if (port < 0 && dci && dci->daemon) {
        const union MHD_DaemonInfo *pi =
            MHD_get_daemon_info(dci->daemon, MHD_DAEMON_INFO_BIND_PORT);
        if (pi && pi->port)
            port = pi->port;
    }
    if (port > 0)
        a[n++] = OTELC_ATTR_INT("server.port", port);
    char peer[INET6_ADDRSTRLEN];
    peer_address(c, peer, sizeof peer);
    if (peer[0])
        a[n++] = OTELC_ATTR_STR("client.address", peer);
    const char *ua =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    if (ua)
        a[n++] = OTELC_ATTR_STR("user_agent.original", ua);
    if (version && !strncmp(version, "HTTP/", 5))
        a[n++] = OTELC_ATTR_STR("network.protocol.version", version + 5);
    const char *rid_arr[1] = {r->request_id};
    a[n++] =
        OTELC_ATTR_STR_ARRAY("http.request.header.x-request-id", rid_arr, 1);

    otelc_tracer *t =
        s->o.tracer ? s->o.tracer
                    : otelc__instr_tracer(&s->tracer_cache, "otelc.microhttpd");
    otelc_span_start_options so = {.kind = OTELC_SPAN_KIND_SERVER,
                                   .parent = r->parent,
                                   .root = r->parent == NULL,
                                   .attributes = a,
                                   .attribute_count = n};
    r->span = otelc_span_start(t, name, &so);
    atomic_fetch_add(&s->live, 1);
    return r;
}

/* Make the request's context current; returns the scope to end. */
typedef struct req_scope {
    otelc_scope outer, inner;
    bool has_outer, has_inner;
    bool had_id;
    char prev_id[OTELC_REQUEST_ID_MAX]; /* usually empty: no id around */
    mhd_req *prev_req;
} req_scope;

static req_scope enter(mhd_req *r) {
    req_scope rs;
    rs.outer = rs.inner = (otelc_scope){UINT32_MAX};
    rs.has_outer = rs.has_inner = false;
    if (r->parent) {
        rs.outer = otelc_context_attach(r->parent);
        rs.has_outer = true;
    }
    if (r->span) {
        rs.inner = otelc_span_make_current(r->span);
        rs.has_inner = true;
    }
    /* The thread's id is a copy (otelc_request_id_set); keep the one
     * that was there, normally none, to put it back. */
    const char *prev = otelc_request_id_current();
    rs.had_id = prev != NULL;
    if (prev)
        snprintf(rs.prev_id, sizeof rs.prev_id, "%s", prev);
    otelc_request_id_set(r->request_id);
    rs.prev_req = t_req;
    t_req = r;
    return rs;
}

/* Pop in reverse order (a handler that leaked scopes of its own gets them
 * popped, with the SDK's diagnostic). */
static void leave(req_scope *rs) {
    t_req = rs->prev_req;
    otelc_request_id_set(rs->had_id ? rs->prev_id : NULL);
    if (rs->has_inner)
        otelc_scope_end(rs->inner);
    if (rs->has_outer)
        otelc_scope_end(rs->outer);
}

/* The status of a response queued with plain MHD_queue_response().  Read
 * in the completion callback only: there it is the status this request's
 * response went out with, whereas on a kept-alive connection an early
 * handler call could still see the previous request's. */
static void record_status(mhd_req *r) {
    if (r->status)
        return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_HTTP_STATUS);
    if (ci && ci->http_status)
        r->status = ci->http_status;
}

OTELC_API enum MHD_Result
otelc_mhd_access_handler(void *cls, struct MHD_Connection *c, const char *url,
                         const char *method, const char *version,
                         const char *upload_data, size_t *upload_data_size,
                         void **con_cls) {
    otelc_mhd_server *s = cls;
    mhd_req *r = *con_cls;
    if (!r) {
        r = request_start(s, c, url, method, version);
        /* Out of memory: refuse the request (MHD closes the connection)
         * rather than let the handler's own con_cls share our slot. */
        if (!r)
            return MHD_NO;
        *con_cls = r;
    }
    req_scope rs = enter(r);
    enum MHD_Result ret =
        s->o.handler(s->o.handler_cls, c, url, method, version, upload_data,
                     upload_data_size, &r->user_ctx);
    leave(&rs);
    return ret;
}

OTELC_API enum MHD_Result
otelc_mhd_queue_response(struct MHD_Connection *c, unsigned int status,
                         struct MHD_Response *response) {
    mhd_req *r = t_req;
    if (r && r->conn == c && response) {
        r->status = status;
        if (!MHD_get_response_header(response, "X-Request-ID"))
            MHD_add_response_header(response, "X-Request-ID", r->request_id);
    }
    return MHD_queue_response(c, status, response);
}

/* ---- request end
 * ------------------------------------------------------------- */

static const char *toe_name(enum MHD_RequestTerminationCode toe) {
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK: return NULL;
    case MHD_REQUEST_TERMINATED_WITH_ERROR: return "request_error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED: return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN: return "server_shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR: return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT: return "client_abort";
    default: return "terminated";
    }
}

OTELC_API void
otelc_mhd_request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe) {
    otelc_mhd_server *s = cls;
    mhd_req *r = con_cls ? *con_cls : NULL;
    if (!r) {
        /* Never reached the handler (or it ran untraced). */
        if (s->o.completed)
            s->o.completed(s->o.completed_cls, c, con_cls, toe);
        return;
    }
    record_status(r);
    if (s->o.completed) {
        req_scope rs = enter(r);
        s->o.completed(s->o.completed_cls, c, &r->user_ctx, toe);
        leave(&rs);
    }
    otelc_span *sp = r->span;
    if (otelc_span_is_recording(sp)) {
        if (r->status)
            otelc_span_set_attribute_int(sp, "http.response.status_code",
                                         r->status);
        const char *why = toe_name(toe);
        if (why) {
            otelc_span_set_attribute_str(sp, "error.type", why);
            otelc_span_set_status(sp, OTELC_STATUS_ERROR,
                                  "the request did not complete");
        } else if (r->status >= 500) {
            char buf[24];
            snprintf(buf, sizeof buf, "%u", r->status);
            otelc_span_set_attribute_str(sp, "error.type", buf);
            otelc_span_set_status(sp, OTELC_STATUS_ERROR, NULL);
        }
    }
    /* RED metrics, with the request's span current so that the
     * measurement's exemplar points at it: the route template only (never
     * the raw path, which would make a series per URL); no status when
     * none was sent. */
    req_scope rs = enter(r);
    otelc_http_server_request_record(
        r->method_norm, r->route, toe_name(toe) ? 0 : (int)r->status,
        (double)(otelc__mono_ns() - r->start_mono) / 1e9);
    leave(&rs);
    otelc_span_end(sp);
    otelc_context_free(r->parent);
    free(r);
    *con_cls = NULL;
    if (atomic_fetch_sub(&s->live, 1) <= 0)
        otelc__diag_limited(&g_live_rl, OTELC_DIAG_ERROR,
                            "microhttpd wrapper: request count underflow");
}
