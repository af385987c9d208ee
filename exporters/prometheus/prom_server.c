/*
 * exporters/prometheus/prom_server.c - the /metrics and /health HTTP
 * server on libmicrohttpd.
 *
 * Threads.  MHD runs an accepting thread and one thread per connection
 * (MHD_USE_THREAD_PER_CONNECTION with poll()).  That isolation is the
 * point: a /health request waiting on a slow check, or a client that
 * connects and never sends a request, occupies its own connection thread
 * and nothing else; a concurrent scrape is served on another.  The number
 * of connections is capped (MHD_OPTION_CONNECTION_LIMIT; beyond it new
 * connections are refused at accept time) and each is closed after
 * MHD_OPTION_CONNECTION_TIMEOUT seconds without progress, so hostile
 * clients can hold at most `limit` threads for at most that long.
 *
 * A scrape: collect through this server's pull reader (a snapshot taken
 * under the provider's collect lock, with atomic loads of the cells: no
 * recording thread is held), render outside that lock, gzip when the
 * client accepts it, and hand the buffer to MHD, which frees it.
 *
 * The listening socket is created here rather than by MHD so that a bind
 * failure is reported with the address and errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exporters/prometheus/prom_int.h"
#include "sdk/config_int.h"
#include "sdk/metrics_int.h"

#include "otelc/prometheus.h"

struct otelc_prometheus_server {
    struct MHD_Daemon *daemon;
    otelc_meter_provider *provider;
    otelc_metric_reader *reader; /* NULL when health_only */
    otelc_health_registry *health;
    bool scope_labels;
    uint16_t port;
};

static otelc__ratelimit g_rl_mhd;

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    otelc__diag_limited(&g_rl_mhd, OTELC_DIAG_DEBUG, "http server: %s", msg);
}

/* Queue a response from a malloc'd buffer (taken). */
static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
                               char *body, size_t len, const char *ctype,
                               bool gzip) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (gzip)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status,
                                    const char *text, const char *ctype) {
    char *b = strdup(text);
    if (!b)
        return MHD_NO;
    return respond(c, status, b, strlen(b), ctype, false);
}

#define JSON_TYPE "application/json; charset=utf-8"

typedef struct render_job {
    otelc__prom_opts opts;
    otelc__buf *out;
} render_job;

static void render_cb(const otelc_metrics_data *d, void *user) {
    render_job *j = user;
    otelc__prom_render(d, &j->opts, j->out);
}

static enum MHD_Result serve_metrics(otelc_prometheus_server *s,
                                     struct MHD_Connection *c) {
    if (!s->reader)
        return respond_text(c, MHD_HTTP_NOT_FOUND,
                            "metrics are disabled (METRICS_ENABLED=false)\n",
                            "text/plain; charset=utf-8");
    const char *accept =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    const char *ae =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    otelc__buf text;
    otelc__buf_init(&text);
    render_job j;
    j.opts.openmetrics = otelc__prom_wants_openmetrics(accept);
    j.opts.scope_labels = s->scope_labels;
    j.out = &text;
    otelc_status st = otelc_metric_reader_collect(s->reader, render_cb, &j);
    if (st != OTELC_OK || text.oom || !text.data) {
        otelc__buf_free(&text);
        return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "metric collection failed\n",
                            "text/plain; charset=utf-8");
    }
    const char *ctype =
        j.opts.openmetrics
            ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
            : "text/plain; version=0.0.4; charset=utf-8";
    if (otelc__prom_accepts_gzip(ae)) {
        otelc__buf z;
        otelc__buf_init(&z);
        if (otelc__prom_gzip(text.data, text.len, &z)) {
            otelc__buf_free(&text);
            return respond(c, MHD_HTTP_OK, z.data, z.len, ctype, true);
        }
        otelc__buf_free(&z);
    }
    return respond(c, MHD_HTTP_OK, text.data, text.len, ctype, false);
}

static enum MHD_Result serve_health(otelc_prometheus_server *s,
                                    struct MHD_Connection *c,
                                    const char *name) {
    if (name && !strcmp(name, "live"))
        return respond_text(c, MHD_HTTP_OK, "{\"status\":\"alive\"}\n",
                            JSON_TYPE);
    otelc_health_report *rep = NULL;
    if (name) {
        otelc_status st = otelc_health_check_one(s->health, name, &rep);
        if (st == OTELC_ENOTFOUND) {
            otelc__buf b;
            otelc__buf_init(&b);
            otelc__buf_puts(&b,
                            "{\"error\":\"unknown health check\",\"name\":");
            otelc__json_cstr(&b, name);
            otelc__buf_puts(&b, "}\n");
            if (b.oom) {
                otelc__buf_free(&b);
                return MHD_NO;
            }
            return respond(c, MHD_HTTP_NOT_FOUND, b.data, b.len, JSON_TYPE,
                           false);
        }
    } else {
        rep = otelc_health_check_all(s->health);
    }
    char *json = rep ? otelc_health_report_json(rep, name != NULL) : NULL;
    unsigned status = rep && rep->status == OTELC_HEALTH_HEALTHY
                          ? MHD_HTTP_OK
                          : MHD_HTTP_SERVICE_UNAVAILABLE;
    otelc_health_report_free(rep);
    if (!json)
        return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "{\"error\":\"out of memory\"}\n", JSON_TYPE);
    return respond(c, status, json, strlen(json), JSON_TYPE, false);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls) {
    (void)version;
    (void)upload;
    static int first;
    otelc_prometheus_server *s = cls;
    if (*con_cls != &first) {
        /* Headers only so far; answer on the next call. */
        *con_cls = &first;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* a body we do not read */
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) &&
        strcmp(method, MHD_HTTP_METHOD_HEAD))
        return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                            "only GET and HEAD\n", "text/plain; charset=utf-8");
    if (!strcmp(url, "/metrics"))
        return serve_metrics(s, c);
    if (!strcmp(url, "/health") || !strcmp(url, "/health/"))
        return serve_health(s, c, NULL);
    if (!strncmp(url, "/health/", 8))
        return serve_health(s, c, url + 8);
    return respond_text(c, MHD_HTTP_NOT_FOUND,
                        "not found: try /metrics or /health\n",
                        "text/plain; charset=utf-8");
}

/* Create, bind and listen; -1 with a diagnostic on failure. */
static int listen_on(const char *host, uint16_t port, bool *ipv6,
                     uint16_t *bound) {
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo(host && *host ? host : NULL, ps, &hints, &res);
    if (g != 0) {
        otelc__diag(OTELC_DIAG_ERROR, "/metrics: cannot resolve %s: %s", host,
                    gai_strerror(g));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) {
            *ipv6 = ai->ai_family == AF_INET6;
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            *bound = port;
            if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
                *bound = ntohs(ss.ss_family == AF_INET6
                                   ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                   : ((struct sockaddr_in *)&ss)->sin_port);
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        otelc__diag(OTELC_DIAG_ERROR, "/metrics: cannot listen on %s:%u: %s",
                    host && *host ? host : "*", port, strerror(err));
    return fd;
}

OTELC_API otelc_prometheus_server *
otelc_prometheus_server_start(otelc_meter_provider *provider,
                              const otelc_prometheus_options *o,
                              otelc_status *status) {
    otelc_status dummy;
    if (!status)
        status = &dummy;
    otelc_prometheus_options opts;
    memset(&opts, 0, sizeof opts);
    if (o)
        opts = *o;
    const char *host =
        opts.host ? opts.host : otelc__cfg_str(OTELC_CFG_PROMETHEUS_HOST);
    uint16_t port = opts.port;
    if (opts.ephemeral_port)
        port = 0;
    else if (!port)
        port = (uint16_t)(otelc__cfg_is_set(OTELC_CFG_PROMETHEUS_PORT)
                              ? otelc__cfg_int(OTELC_CFG_PROMETHEUS_PORT, 9464)
                              : otelc__cfg_int(OTELC_CFG_METRICS_PORT, 8000));
    unsigned limit =
        opts.connection_limit
            ? opts.connection_limit
            : (unsigned)otelc__cfg_int(OTELC_CFG_METRICS_CONNECTION_LIMIT, 32);
    unsigned timeout = opts.connection_timeout_s
                           ? opts.connection_timeout_s
                           : (unsigned)otelc__cfg_int(
                                 OTELC_CFG_METRICS_CONNECTION_TIMEOUT, 10);

    otelc_prometheus_server *s = calloc(1, sizeof *s);
    if (!s) {
        *status = OTELC_ENOMEM;
        return NULL;
    }
    s->provider = provider ? provider : otelc_meter_provider_global();
    s->health = opts.health;
    s->scope_labels =
        opts.scope_labels == 0
            ? otelc__cfg_bool(OTELC_CFG_PROMETHEUS_SCOPE_LABELS, true)
            : opts.scope_labels == 1;
    bool ipv6 = false;
    int fd = listen_on(host, port, &ipv6, &s->port);
    if (fd < 0) {
        free(s);
        *status = OTELC_EIO;
        return NULL;
    }
    if (!opts.health_only) {
        s->reader = otelc_pull_reader_new(OTELC_TEMPORALITY_CUMULATIVE);
        otelc_status st =
            s->reader ? otelc_meter_provider_add_reader(s->provider, s->reader)
                      : OTELC_ENOMEM;
        if (st != OTELC_OK) {
            close(fd);
            free(s);
            *status = st;
            return NULL;
        }
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT,
        timeout, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (!s->daemon) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "/metrics: cannot start the HTTP server "
                    "on port %u",
                    s->port);
        close(fd);
        if (s->reader)
            otelc__meter_provider_remove_reader(s->provider, s->reader,
                                                otelc__mono_ns());
        free(s);
        *status = OTELC_EIO;
        return NULL;
    }
    otelc__diag(OTELC_DIAG_DEBUG, "serving %s/health on %s:%u",
                s->reader ? "/metrics and " : "", host && *host ? host : "*",
                s->port);
    *status = OTELC_OK;
    return s;
}

OTELC_API uint16_t
otelc_prometheus_server_port(const otelc_prometheus_server *s) {
    return s ? s->port : 0;
}

OTELC_API void otelc_prometheus_server_stop(otelc_prometheus_server *s) {
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    if (s->reader)
        otelc__meter_provider_remove_reader(s->provider, s->reader,
                                            otelc__mono_ns() + 1000000000u);
    free(s);
}
