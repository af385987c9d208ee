/*
 * tests/instrumentation/test_microhttpd.c - the libmicrohttpd server
 * wrapper driven by real libcurl requests on 127.0.0.1: SERVER spans and
 * their attributes, remote parents, request ids, the con_cls protocol
 * with uploads, error statuses, concurrency; and a B3-only client
 * continued by a W3C-configured service whose composite includes b3.
 */
#include <otelc/curl.h>
#include <otelc/microhttpd.h>

#include "instrumentation/http_helpers.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SID "00f067aa0ba902b7"

static test_pipeline tp;
static otelc_propagator *prop;

/* What the application's handler saw, per request path (last wins). */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_seen_rid[256];
static char g_seen_tenant[64];
static otelc_span_context g_seen_current;
static int g_handler_calls, g_completed_calls, g_user_freed;
static size_t g_body_len;

typedef struct upload {
    size_t len;
} upload;

static const char *route(void *cls, const char *method, const char *path) {
    (void)cls;
    (void)method;
    if (!strncmp(path, "/items/", 7))
        return "/items/{id}";
    return NULL;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
                               const char *body) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret = otelc_mhd_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result app(void *cls, struct MHD_Connection *c, const char *url,
                           const char *method, const char *version,
                           const char *data, size_t *size, void **con_cls) {
    (void)cls;
    (void)method;
    (void)version;
    pthread_mutex_lock(&g_lock);
    g_handler_calls++;
    pthread_mutex_unlock(&g_lock);
    /* The usual MHD protocol, on the handler's own slot. */
    if (!*con_cls) {
        upload *u = calloc(1, sizeof *u);
        *con_cls = u;
        return MHD_YES;
    }
    upload *u = *con_cls;
    if (*size) {
        u->len += *size;
        *size = 0;
        (void)data;
        return MHD_YES;
    }
    pthread_mutex_lock(&g_lock);
    const char *rid = otelc_request_id_current();
    snprintf(g_seen_rid, sizeof g_seen_rid, "%s", rid ? rid : "");
    const char *t = otelc_baggage_get(otelc_current_baggage(), "tenant");
    snprintf(g_seen_tenant, sizeof g_seen_tenant, "%s", t ? t : "");
    g_seen_current = otelc_span_get_context(otelc_span_current());
    g_body_len = u->len;
    pthread_mutex_unlock(&g_lock);
    if (!strncmp(url, "/status/", 8))
        return respond(c, (unsigned)atoi(url + 8), "status");
    if (!strcmp(url, "/refuse"))
        return MHD_NO;
    if (!strcmp(url, "/plain")) {
        /* Plain MHD_queue_response: status still recorded from MHD. */
        struct MHD_Response *r = MHD_create_response_from_buffer(
            5, (void *)"plain", MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret = MHD_queue_response(c, 503, r);
        MHD_destroy_response(r);
        return ret;
    }
    return respond(c, 200, "hello");
}

static void app_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    pthread_mutex_lock(&g_lock);
    g_completed_calls++;
    if (*con_cls) {
        free(*con_cls);
        *con_cls = NULL;
        g_user_freed++;
    }
    pthread_mutex_unlock(&g_lock);
}

static otelc_mhd_server *srv;
static struct MHD_Daemon *daemon_;
static uint16_t port;

static void setup(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pipeline_init(&tp, NULL, false, NULL);
    otelc_propagator *m[2] = {otelc_propagator_create("tracecontext", NULL),
                              otelc_propagator_create("baggage", NULL)};
    prop = otelc_propagator_composite_new(m, 2);
    otelc_mhd_options o = {.handler = app,
                           .completed = app_completed,
                           .route = route,
                           .tracer = tp.tracer,
                           .propagator = prop};
    srv = otelc_mhd_server_new(&o);
    cr_assert_not_null(srv);
    daemon_ = start_daemon_on_loopback(otelc_mhd_access_handler, srv,
                                       otelc_mhd_request_completed, srv, &port);
}

static void teardown(void) {
    MHD_stop_daemon(daemon_);
    otelc_mhd_server_free(srv);
    otelc_propagator_free(prop);
    pipeline_free(&tp);
    curl_global_cleanup();
}

TestSuite(microhttpd, .init = setup, .fini = teardown);

/* The span ends in the completion callback, which MHD runs after the
 * client has the response: wait for it. */
static const otelc_span_data *wait_span(size_t n) {
    cr_assert(otelc_memory_exporter_wait(tp.mem, n, 5000), "span %zu", n);
    return otelc_memory_exporter_get(tp.mem, n - 1);
}

Test(microhttpd, server_span_continues_the_remote_trace) {
    char *url = url_of(port, "/items/42");
    const char *h[] = {"traceparent: 00-" TID "-" SID "-01",
                       "tracestate: congo=t61rcWkgMzE", "baggage: tenant=acme",
                       NULL};
    plain_resp resp;
    cr_assert_eq(plain_request("GET", url, h, NULL, &resp), CURLE_OK);
    cr_assert_eq(resp.status, 200);
    const otelc_span_data *d = wait_span(1);
    cr_assert_str_eq(d->name, "GET /items/{id}");
    cr_assert_eq(d->kind, OTELC_SPAN_KIND_SERVER);
    char tid[33], sid[17];
    cr_assert_str_eq(hex_tid(&d->context, tid), TID);
    cr_assert_str_eq(hex_sid(d->parent_span_id, sid), SID);
    cr_assert(d->parent_is_remote);
    cr_assert_str_neq(hex_sid(d->context.span_id, sid), SID,
                      "never reuse the caller's span id");
    cr_assert_str_eq(d->trace_state, "congo=t61rcWkgMzE");
    cr_assert_eq(d->status_code, OTELC_STATUS_UNSET);
    cr_assert_str_eq(attr_str(d, "http.request.method"), "GET");
    cr_assert_str_eq(attr_str(d, "url.path"), "/items/42");
    cr_assert_str_eq(attr_str(d, "url.scheme"), "http");
    cr_assert_str_eq(attr_str(d, "http.route"), "/items/{id}");
    cr_assert_str_eq(attr_str(d, "server.address"), "127.0.0.1");
    cr_assert_eq(attr_int(d, "server.port"), port);
    cr_assert_str_eq(attr_str(d, "client.address"), "127.0.0.1");
    cr_assert_str_eq(attr_str(d, "user_agent.original"), "otelc-test/1.0");
    cr_assert_str_eq(attr_str(d, "network.protocol.version"), "1.1");
    cr_assert_eq(attr_int(d, "http.response.status_code"), 200);
    /* Inside the handler: span, baggage and request id were current. */
    cr_assert_eq(memcmp(g_seen_current.span_id, d->context.span_id, 8), 0);
    cr_assert_str_eq(g_seen_tenant, "acme");
    /* A request id was generated, echoed and put on the span. */
    cr_assert_eq(strlen(resp.request_id), OTELC_REQUEST_ID_GENERATED_LEN);
    cr_assert_str_eq(g_seen_rid, resp.request_id);
    cr_assert_str_eq(attr_str(d, "http.request.header.x-request-id"),
                     resp.request_id);
    cr_assert_eq(g_user_freed, 1,
                 "the handler's con_cls reached its "
                 "completion callback");
    free(url);
}

Test(microhttpd, request_id_reused_when_safe) {
    char *url = url_of(port, "/x");
    const char *h1[] = {"X-Request-ID: req-123_abc.DEF:9", NULL};
    plain_resp resp;
    cr_assert_eq(plain_request("GET", url, h1, NULL, &resp), CURLE_OK);
    cr_assert_str_eq(resp.request_id, "req-123_abc.DEF:9");
    const otelc_span_data *d = wait_span(1);
    cr_assert_str_eq(attr_str(d, "http.request.header.x-request-id"),
                     "req-123_abc.DEF:9");
    cr_assert_str_eq(d->name, "GET /x", "no route: raw path");
    cr_assert_null(attr_str(d, "http.route"));
    cr_assert(!otelc_span_data_has_parent(d), "no incoming context: root");
    /* Unsafe ids (quotes, spaces, too long) are replaced. */
    const char *h2[] = {"X-Request-ID: bad\"id with space", NULL};
    cr_assert_eq(plain_request("GET", url, h2, NULL, &resp), CURLE_OK);
    cr_assert_eq(strlen(resp.request_id), OTELC_REQUEST_ID_GENERATED_LEN);
    char longid[200] = "X-Request-ID: ";
    memset(longid + 14, 'a', 150);
    longid[164] = '\0';
    const char *h3[] = {longid, NULL};
    cr_assert_eq(plain_request("GET", url, h3, NULL, &resp), CURLE_OK);
    cr_assert_eq(strlen(resp.request_id), OTELC_REQUEST_ID_GENERATED_LEN);
    free(url);
}

Test(microhttpd, statuses) {
    const struct {
        const char *path;
        int code;
        otelc_status_code st;
        const char *etype;
    } c[] = {
        {"/status/500", 500, OTELC_STATUS_ERROR, "500"},
        {"/status/404", 404, OTELC_STATUS_UNSET, NULL},
        {"/plain", 503, OTELC_STATUS_ERROR, "503"},
    };
    for (size_t i = 0; i < 3; i++) {
        char *url = url_of(port, c[i].path);
        plain_resp resp;
        cr_assert_eq(plain_request("GET", url, NULL, NULL, &resp), CURLE_OK);
        cr_assert_eq(resp.status, c[i].code);
        const otelc_span_data *d = wait_span(i + 1);
        cr_assert_eq(attr_int(d, "http.response.status_code"), c[i].code);
        cr_assert_eq(d->status_code, c[i].st, "%s", c[i].path);
        if (c[i].etype)
            cr_assert_str_eq(attr_str(d, "error.type"), c[i].etype);
        else
            cr_assert_null(attr_str(d, "error.type"));
        free(url);
    }
}

/* Several requests on one kept-alive connection: each span gets its own
 * status, also when the handler uses plain MHD_queue_response(). */
Test(microhttpd, keep_alive_connection_statuses) {
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    const char *paths[] = {"/x", "/plain", "/status/404", "/plain", "/x"};
    const int codes[] = {200, 503, 404, 503, 200};
    for (int i = 0; i < 5; i++) {
        char *url = url_of(port, paths[i]);
        curl_easy_setopt(h, CURLOPT_URL, url);
        cr_assert_eq(curl_easy_perform(h), CURLE_OK);
        long st = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
        cr_assert_eq(st, codes[i]);
        const otelc_span_data *d = wait_span((size_t)i + 1);
        cr_assert_eq(attr_int(d, "http.response.status_code"), codes[i],
                     "request %d (%s)", i, paths[i]);
        free(url);
    }
    long reused = 0;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &reused);
    cr_assert_eq(reused, 0, "the last request reused the connection");
    curl_easy_cleanup(h);
}

Test(microhttpd, upload_in_chunks_is_one_span) {
    static char body[300000];
    memset(body, 'b', sizeof body - 1);
    char *url = url_of(port, "/upload");
    plain_resp resp;
    cr_assert_eq(plain_request("POST", url, NULL, body, &resp), CURLE_OK);
    cr_assert_eq(resp.status, 200);
    const otelc_span_data *d = wait_span(1);
    cr_assert_str_eq(d->name, "POST /upload");
    cr_assert_eq(g_body_len, sizeof body - 1);
    cr_assert_gt(g_handler_calls, 2, "MHD called the handler per chunk");
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 1);
    free(url);
}

Test(microhttpd, refused_request_is_an_error) {
    char *url = url_of(port, "/refuse");
    plain_resp resp;
    CURLcode rc = plain_request("GET", url, NULL, NULL, &resp);
    cr_assert_neq(rc, CURLE_OK);
    const otelc_span_data *d = wait_span(1);
    cr_assert_eq(d->status_code, OTELC_STATUS_ERROR);
    cr_assert_str_eq(attr_str(d, "error.type"), "request_error");
    free(url);
}

Test(microhttpd, unknown_method) {
    char *url = url_of(port, "/items/7");
    plain_resp resp;
    cr_assert_eq(plain_request("BREW", url, NULL, NULL, &resp), CURLE_OK);
    const otelc_span_data *d = wait_span(1);
    cr_assert_str_eq(d->name, "HTTP /items/{id}");
    cr_assert_str_eq(attr_str(d, "http.request.method"), "_OTHER");
    cr_assert_str_eq(attr_str(d, "http.request.method_original"), "BREW");
    free(url);
}

typedef struct par_arg {
    int i;
    char rid[256];
} par_arg;

static void *par_client(void *p) {
    par_arg *a = p;
    char path[32], tp_hdr[128], rid_hdr[64];
    snprintf(path, sizeof path, "/items/%d", a->i);
    snprintf(tp_hdr, sizeof tp_hdr, "traceparent: 00-%032x-%016x-01", a->i + 1,
             a->i + 100);
    snprintf(rid_hdr, sizeof rid_hdr, "X-Request-ID: par-%d", a->i);
    const char *h[] = {tp_hdr, rid_hdr, NULL};
    char *url = url_of(port, path);
    plain_resp resp;
    plain_request("GET", url, h, NULL, &resp);
    snprintf(a->rid, sizeof a->rid, "%s", resp.request_id);
    free(url);
    return NULL;
}

Test(microhttpd, concurrent_requests_keep_their_own_context) {
    enum { N = 8 };
    pthread_t th[N];
    par_arg a[N];
    for (int i = 0; i < N; i++) {
        a[i].i = i;
        pthread_create(&th[i], NULL, par_client, &a[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    cr_assert(otelc_memory_exporter_wait(tp.mem, N, 5000));
    for (int i = 0; i < N; i++) {
        char want[40];
        snprintf(want, sizeof want, "par-%d", i);
        cr_assert_str_eq(a[i].rid, want);
    }
    for (size_t k = 0; k < N; k++) {
        const otelc_span_data *d = otelc_memory_exporter_get(tp.mem, k);
        int i = atoi(attr_str(d, "url.path") + 7);
        char want_tid[33], want_sid[17], tid[33], sid[17], rid[40];
        snprintf(want_tid, sizeof want_tid, "%032x", i + 1);
        snprintf(want_sid, sizeof want_sid, "%016x", i + 100);
        snprintf(rid, sizeof rid, "par-%d", i);
        cr_assert_str_eq(hex_tid(&d->context, tid), want_tid);
        cr_assert_str_eq(hex_sid(d->parent_span_id, sid), want_sid);
        cr_assert_str_eq(attr_str(d, "http.request.header.x-request-id"), rid);
    }
}

static bool count_tp(void *arg, const char *name, const char *value) {
    (void)value;
    if (!strcasecmp(name, "traceparent"))
        (*(int *)arg)++;
    return true;
}

Test(microhttpd, response_carrier_replaces_fields) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    otelc_carrier c = otelc_mhd_response_carrier(r);
    cr_assert_eq(c.set(c.user, "traceparent", "a"), OTELC_OK);
    cr_assert_eq(c.set(c.user, "traceparent", "b"), OTELC_OK);
    cr_assert_str_eq(c.get(c.user, "TraceParent"), "b");
    int n = 0;
    c.foreach (c.user, count_tp, &n);
    cr_assert_eq(n, 1);
    MHD_destroy_response(r);
}

/* ---- interop: a B3-only client, a W3C-configured service -------------- */

static echo_server downstream;

static enum MHD_Result calls_downstream(void *cls, struct MHD_Connection *c,
                                        const char *url, const char *method,
                                        const char *version, const char *data,
                                        size_t *size, void **con_cls) {
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)data;
    (void)size;
    if (!*con_cls) {
        *con_cls = (void *)1;
        return MHD_YES;
    }
    /* Uses the global tracer and propagator, as a service would. */
    char *u = url_of(downstream.port, "/next");
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    otelc_curl_options o = {.url = u};
    otelc_curl_perform(h, &o);
    curl_easy_cleanup(h);
    free(u);
    return respond(c, 200, "done");
}

static void completed_noop(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode t) {
    (void)cls;
    (void)c;
    (void)t;
    *con_cls = NULL;
}

Test(interop, b3_client_continued_by_w3c_service_with_b3_in_composite) {
    otelc_memory_exporter *mem;
    otelc_options *opts = otelc_options_new();
    otelc_options_set(opts, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(opts, "OTEL_PROPAGATORS", "tracecontext,baggage,b3");
    otelc_options_set(opts, "OTEL_BSP_SCHEDULE_DELAY", "10");
    otelc_options_set(opts, "OTEL_SERVICE_NAME", "w3c-service");
    otelc_options_add_span_exporter(opts, otelc_memory_exporter_new(&mem));
    cr_assert_eq(otelc_init(opts), OTELC_OK);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    echo_start(&downstream);
    otelc_mhd_options o = {.handler = calls_downstream,
                           .completed = completed_noop};
    otelc_mhd_server *s = otelc_mhd_server_new(&o);
    uint16_t p;
    struct MHD_Daemon *d = start_daemon_on_loopback(
        otelc_mhd_access_handler, s, otelc_mhd_request_completed, s, &p);

    /* The client speaks only B3 (single header). */
    char *url = url_of(p, "/checkout");
    const char *h[] = {
        "b3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1", NULL};
    plain_resp resp;
    cr_assert_eq(plain_request("GET", url, h, NULL, &resp), CURLE_OK);
    cr_assert_eq(resp.status, 200);
    cr_assert(otelc_memory_exporter_wait(mem, 2, 5000));
    const otelc_span_data *server = NULL, *client = NULL;
    for (size_t i = 0; i < otelc_memory_exporter_count(mem); i++) {
        const otelc_span_data *x = otelc_memory_exporter_get(mem, i);
        if (x->kind == OTELC_SPAN_KIND_SERVER)
            server = x;
        if (x->kind == OTELC_SPAN_KIND_CLIENT)
            client = x;
    }
    cr_assert_not_null(server);
    cr_assert_not_null(client);
    char tid[33], sid[17], csid[17];
    cr_assert_str_eq(hex_tid(&server->context, tid),
                     "80f198ee56343ba864fe8b2a57d3eff7");
    cr_assert_str_eq(hex_sid(server->parent_span_id, sid), "e457b5a2e4d86bd1");
    cr_assert(server->parent_is_remote);
    cr_assert_eq(memcmp(client->parent_span_id, server->context.span_id, 8), 0);
    /* Downstream gets the same trace in W3C form (and B3 too). */
    char want[64];
    snprintf(want, sizeof want, "00-80f198ee56343ba864fe8b2a57d3eff7-%s-01",
             hex_sid(client->context.span_id, csid));
    cr_assert_str_eq(echo_header(&downstream, 0, "traceparent"), want);
    snprintf(want, sizeof want, "80f198ee56343ba864fe8b2a57d3eff7-%s-1", csid);
    cr_assert_str_eq(echo_header(&downstream, 0, "b3"), want);

    MHD_stop_daemon(d);
    otelc_mhd_server_free(s);
    echo_stop(&downstream);
    free(url);
    otelc_shutdown(2000);
    curl_global_cleanup();
}
