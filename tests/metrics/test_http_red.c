/*
 * tests/metrics/test_http_red.c - the HTTP RED metrics the instrumentation
 * records: a libmicrohttpd server behind the otelc wrapper and requests
 * made through the otelc libcurl wrapper, both on 127.0.0.1; the
 * durations land in http.server.request.duration and
 * http.client.request.duration with the semantic conventions' attributes,
 * and their exemplars point at the requests' spans.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/test_support.h"
#include "metrics/metrics_helpers.h"

#include <otelc/curl.h>
#include <otelc/microhttpd.h>

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls) {
    (void)cls;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    unsigned status = !strcmp(url, "/fail") ? 500 : 200;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = otelc_mhd_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *route(void *cls, const char *method, const char *path) {
    (void)cls;
    (void)method;
    return !strncmp(path, "/orders/", 8) ? "/orders/{id}" : NULL;
}

static size_t discard(char *p, size_t sz, size_t n, void *u) {
    (void)p;
    (void)u;
    return sz * n;
}

/* True when an exported span of this kind has the exemplar's ids. */
static bool exemplar_is_span(otelc_memory_exporter *mem,
                             const otelc_exemplar *e, otelc_span_kind kind) {
    for (size_t i = 0; i < otelc_memory_exporter_count(mem); i++) {
        const otelc_span_data *d = otelc_memory_exporter_get(mem, i);
        if (d->kind == kind && !memcmp(d->context.trace_id, e->trace_id, 16) &&
            !memcmp(d->context.span_id, e->span_id, 8))
            return true;
    }
    return false;
}

static long get(CURL *h, const char *url) {
    otelc_curl_options o = {.url = url};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    CURLcode rc = otelc_curl_perform(h, &o);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return rc == CURLE_OK ? code : -1;
}

Test(http_red, server_and_client_durations) {
    otelc_options *opts = otelc_options_new();
    otelc_options_set(opts, "OTEL_TRACES_EXPORTER", "none");
    otelc_memory_exporter *mem = NULL;
    otelc_options_add_span_exporter(opts, otelc_memory_exporter_new(&mem));
    otelc_options_set(opts, "OTEL_METRICS_EXPORTER", "none");
    otelc_options_set(opts, "OTELC_SYSTEM_METRICS", "false");
    cr_assert_eq(otelc_init(opts), OTELC_OK);
    otelc_metric_reader *reader = otelc_pull_reader_new(0);
    cr_assert_eq(otelc_meter_provider_add_reader(NULL, reader), OTELC_OK);

    otelc_mhd_options mo = {.handler = handler, .route = route};
    otelc_mhd_server *srv = otelc_mhd_server_new(&mo);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                         otelc_mhd_access_handler, srv,
                         OTELC_MHD_OPTION_COMPLETED(srv), MHD_OPTION_END);
    cr_assert_not_null(d);
    unsigned port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char url[128];
    CURL *h = curl_easy_init();
    for (int i = 0; i < 3; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%u/orders/%d", port, i);
        cr_assert_eq(get(h, url), 200);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u/fail", port);
    cr_assert_eq(get(h, url), 500);
    /* A refused connection: a client duration without a status. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    cr_assert_eq(get(h, url), -1);
    curl_easy_cleanup(h);
    MHD_stop_daemon(d);
    otelc_mhd_server_free(srv);

    msnap s = snap_take(reader);
    const mpoint *p = snap_find(&s, "http.server.request.duration",
                                "http.request.method=GET,"
                                "http.response.status_code=200,"
                                "http.route=/orders/{id}");
    cr_assert_not_null(p);
    cr_assert_eq(p->count, 3);
    cr_assert_str_eq(p->unit, "s");
    cr_assert_gt(p->sum, 0);
    /* The exemplars point at SERVER spans the exporter received. */
    cr_assert_eq(otelc_force_flush(5000), OTELC_OK);
    cr_assert_geq(p->nex, 1);
    for (uint32_t i = 0; i < p->nex; i++)
        cr_assert(exemplar_is_span(mem, &p->ex[i], OTELC_SPAN_KIND_SERVER));
    p = snap_find(&s, "http.server.request.duration",
                  "http.request.method=GET,http.response.status_code=500");
    cr_assert_not_null(p, "the unrouted request has no http.route");
    cr_assert_eq(p->count, 1);

    char attrs[256];
    snprintf(attrs, sizeof attrs,
             "http.request.method=GET,http.response.status_code=200,"
             "server.address=127.0.0.1,server.port=%u",
             port);
    p = snap_find(&s, "http.client.request.duration", attrs);
    cr_assert_not_null(p, "%s", attrs);
    cr_assert_eq(p->count, 3);
    cr_assert_geq(p->nex, 1);
    for (uint32_t i = 0; i < p->nex; i++)
        cr_assert(exemplar_is_span(mem, &p->ex[i], OTELC_SPAN_KIND_CLIENT));
    snprintf(attrs, sizeof attrs,
             "http.request.method=GET,server.address=127.0.0.1,"
             "server.port=%u",
             ntohs(a.sin_port));
    p = snap_find(&s, "http.client.request.duration", attrs);
    cr_assert_not_null(p, "%s", attrs);
    cr_assert_eq(p->count, 1);
    snap_free(&s);
    otelc_shutdown(2000);
}
