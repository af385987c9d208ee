/*
 * tests/instrumentation/test_curl.c - the libcurl client wrapper against a
 * real libmicrohttpd server on 127.0.0.1: injected headers, preserved user
 * headers, CLIENT span attributes and status, transport failures, the easy
 * and the multi interface, and the curl_slist carrier.
 */
#include <otelc/curl.h>

#include "instrumentation/http_helpers.h"

static test_pipeline tp;
static echo_server echo;
static otelc_propagator *prop;

static size_t discard(char *p, size_t sz, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return sz * n;
}

static CURL *new_handle(void) {
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    return h;
}

static void setup(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pipeline_init(&tp, NULL, false, NULL);
    echo_start(&echo);
    otelc_propagator *m[2] = {otelc_propagator_create("tracecontext", NULL),
                              otelc_propagator_create("baggage", NULL)};
    prop = otelc_propagator_composite_new(m, 2);
}

static void teardown(void) {
    echo_stop(&echo);
    otelc_propagator_free(prop);
    pipeline_free(&tp);
    curl_global_cleanup();
}

TestSuite(curl, .init = setup, .fini = teardown);

static const otelc_span_data *only_client_span(void) {
    size_t n = otelc_memory_exporter_count(tp.mem);
    const otelc_span_data *found = NULL;
    for (size_t i = 0; i < n; i++) {
        const otelc_span_data *d = otelc_memory_exporter_get(tp.mem, i);
        if (d->kind == OTELC_SPAN_KIND_CLIENT) {
            cr_assert_null(found, "one client span expected");
            found = d;
        }
    }
    cr_assert_not_null(found);
    return found;
}

Test(curl, easy_injects_and_records_a_client_span) {
    otelc_span *parent = otelc_span_start(tp.tracer, "parent", NULL);
    otelc_scope sc = otelc_span_make_current(parent);
    otelc_baggage *bag = otelc_baggage_set(NULL, "tenant", "acme corp", NULL);
    otelc_scope bs = otelc_baggage_attach(bag);
    char *url = url_of(echo.port, "/hello?q=1");
    struct curl_slist *mine = curl_slist_append(NULL, "X-Custom: kept");
    mine = curl_slist_append(mine, "traceparent: 00-stale");
    CURL *h = new_handle();
    otelc_curl_options o = {.method = "GET",
                            .url = url,
                            .headers = mine,
                            .tracer = tp.tracer,
                            .propagator = prop};
    CURLcode rc = otelc_curl_perform(h, &o);
    cr_assert_eq(rc, CURLE_OK);
    otelc_scope_end(bs);
    otelc_scope_end(sc);
    otelc_span_end(parent);

    const otelc_span_data *d = only_client_span();
    cr_assert_str_eq(d->name, "GET");
    cr_assert_eq(d->status_code, OTELC_STATUS_UNSET);
    otelc_span_context psc = otelc_span_get_context(parent);
    cr_assert_eq(memcmp(d->context.trace_id, psc.trace_id, 16), 0);
    const otelc_span_data *pd = pipeline_find(&tp, "parent");
    cr_assert_eq(memcmp(d->parent_span_id, pd->context.span_id, 8), 0);
    cr_assert_str_eq(attr_str(d, "http.request.method"), "GET");
    cr_assert_str_eq(attr_str(d, "url.full"), url);
    cr_assert_str_eq(attr_str(d, "server.address"), "127.0.0.1");
    cr_assert_eq(attr_int(d, "server.port"), echo.port);
    cr_assert_eq(attr_int(d, "http.response.status_code"), 200);
    cr_assert_null(attr_str(d, "error.type"));

    /* The server saw the client span's context, the user header, and the
     * stale traceparent replaced. */
    cr_assert_eq(echo.n, 1);
    char want[64], tid[33], sid[17];
    snprintf(want, sizeof want, "00-%s-%s-01", hex_tid(&d->context, tid),
             hex_sid(d->context.span_id, sid));
    cr_assert_str_eq(echo_header(&echo, 0, "traceparent"), want);
    cr_assert_str_eq(echo_header(&echo, 0, "X-Custom"), "kept");
    cr_assert_str_eq(echo_header(&echo, 0, "baggage"), "tenant=acme%20corp");
    int tp_count = 0;
    for (int k = 0; k < echo.req[0].nh; k++)
        tp_count += !strcasecmp(echo.req[0].name[k], "traceparent");
    cr_assert_eq(tp_count, 1);

    curl_slist_free_all(mine);
    curl_easy_cleanup(h);
    otelc_baggage_free(bag);
    free(url);
}

Test(curl, http_errors_set_error_status) {
    CURL *h = new_handle();
    const int codes[] = {500, 503, 404};
    for (int i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof path, "/status/%d", codes[i]);
        char *url = url_of(echo.port, path);
        otelc_curl_options o = {
            .url = url, .tracer = tp.tracer, .propagator = prop};
        cr_assert_eq(otelc_curl_perform(h, &o), CURLE_OK);
        free(url);
    }
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 3);
    for (int i = 0; i < 3; i++) {
        const otelc_span_data *d = otelc_memory_exporter_get(tp.mem, (size_t)i);
        char want[8];
        snprintf(want, sizeof want, "%d", codes[i]);
        cr_assert_eq(attr_int(d, "http.response.status_code"), codes[i]);
        cr_assert_str_eq(attr_str(d, "error.type"), want);
        cr_assert_eq(d->status_code, OTELC_STATUS_ERROR,
                     "client spans: 4xx and 5xx are errors");
    }
    curl_easy_cleanup(h);
}

Test(curl, transport_failure) {
    /* A port nobody listens on: bind, read the port, close. */
    echo_server tmp;
    echo_start(&tmp);
    uint16_t dead = tmp.port;
    echo_stop(&tmp);
    char *url = url_of(dead, "/x");
    CURL *h = new_handle();
    otelc_curl_options o = {
        .url = url, .tracer = tp.tracer, .propagator = prop};
    CURLcode rc = otelc_curl_perform(h, &o);
    cr_assert_eq(rc, CURLE_COULDNT_CONNECT);
    const otelc_span_data *d = only_client_span();
    cr_assert_str_eq(attr_str(d, "error.type"), "CURLE_COULDNT_CONNECT");
    cr_assert_eq(d->status_code, OTELC_STATUS_ERROR);
    cr_assert_str_neq(d->status_description, "");
    cr_assert_eq(attr_int(d, "http.response.status_code"), -1,
                 "no status without a response");
    curl_easy_cleanup(h);
    free(url);
}

Test(curl, effective_method_and_redacted_credentials) {
    char url[256];
    snprintf(url, sizeof url, "http://user:secret@127.0.0.1:%u/orders",
             echo.port);
    CURL *h = new_handle();
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "item=1");
    /* No method given: the span is corrected from what curl sent. */
    otelc_curl_options o = {
        .url = url, .tracer = tp.tracer, .propagator = prop};
    cr_assert_eq(otelc_curl_perform(h, &o), CURLE_OK);
    const otelc_span_data *d = only_client_span();
    cr_assert_str_eq(d->name, "POST");
    cr_assert_str_eq(attr_str(d, "http.request.method"), "POST");
    char want[256];
    snprintf(want, sizeof want, "http://REDACTED:REDACTED@127.0.0.1:%u/orders",
             echo.port);
    cr_assert_str_eq(attr_str(d, "url.full"), want);
    cr_assert_str_eq(echo.req[0].method, "POST");
    curl_easy_cleanup(h);
}

Test(curl, url_set_by_the_application_and_unknown_method) {
    char *url = url_of(echo.port, "/custom");
    CURL *h = new_handle();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PURGE");
    otelc_curl_options o = {
        .method = "PURGE", .tracer = tp.tracer, .propagator = prop};
    otelc_curl_request *r = otelc_curl_begin(h, &o);
    cr_assert_not_null(otelc_curl_request_span(r));
    CURLcode rc = curl_easy_perform(h);
    otelc_curl_end(r, rc);
    const otelc_span_data *d = only_client_span();
    cr_assert_str_eq(d->name, "HTTP");
    cr_assert_str_eq(attr_str(d, "http.request.method"), "_OTHER");
    cr_assert_str_eq(attr_str(d, "http.request.method_original"), "PURGE");
    cr_assert_str_eq(attr_str(d, "url.full"), url, "read back after perform");
    cr_assert_eq(attr_int(d, "server.port"), echo.port);
    curl_easy_cleanup(h);
    free(url);
}

Test(curl, multi_interface_concurrent_transfers) {
    enum { N = 4 };
    CURLM *multi = curl_multi_init();
    CURL *h[N];
    otelc_curl_request *req[N];
    otelc_span *parents[N];
    char *urls[N];
    for (int i = 0; i < N; i++) {
        char path[32];
        snprintf(path, sizeof path, "/slow/%d", 50 + 10 * i);
        urls[i] = url_of(echo.port, path);
        parents[i] = otelc_span_start(tp.tracer, "batch-item", NULL);
        otelc_scope sc = otelc_span_make_current(parents[i]);
        h[i] = new_handle();
        otelc_curl_options o = {
            .url = urls[i], .tracer = tp.tracer, .propagator = prop};
        req[i] = otelc_curl_begin(h[i], &o);
        otelc_scope_end(sc);
        curl_easy_setopt(h[i], CURLOPT_PRIVATE, req[i]);
        curl_multi_add_handle(multi, h[i]);
    }
    int running = 1, done = 0;
    while (done < N) {
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            otelc_curl_request *r;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
            otelc_curl_end(r, msg->data.result);
            curl_multi_remove_handle(multi, msg->easy_handle);
            done++;
        }
        if (done < N)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    for (int i = 0; i < N; i++)
        otelc_span_end(parents[i]);
    cr_assert_eq(echo.n, N);
    /* Each server request carries its own client span, whose parent is the
     * span that was current when that transfer began. */
    int clients = 0;
    for (size_t k = 0; k < otelc_memory_exporter_count(tp.mem); k++) {
        const otelc_span_data *d = otelc_memory_exporter_get(tp.mem, k);
        if (d->kind != OTELC_SPAN_KIND_CLIENT)
            continue;
        clients++;
        cr_assert_eq(attr_int(d, "http.response.status_code"), 200);
        const char *path = strstr(attr_str(d, "url.full"), "/slow/");
        int idx = echo_find(&echo, path);
        cr_assert_geq(idx, 0);
        char want[64], tid[33], sid[17];
        snprintf(want, sizeof want, "00-%s-%s-01", hex_tid(&d->context, tid),
                 hex_sid(d->context.span_id, sid));
        cr_assert_str_eq(echo_header(&echo, idx, "traceparent"), want);
        int i = (atoi(path + 6) - 50) / 10;
        otelc_span_context pc = otelc_span_get_context(parents[i]);
        cr_assert_eq(memcmp(d->parent_span_id, pc.span_id, 8), 0);
        cr_assert_eq(memcmp(d->context.trace_id, pc.trace_id, 16), 0);
    }
    cr_assert_eq(clients, N);
    for (int i = 0; i < N; i++) {
        curl_easy_cleanup(h[i]);
        free(urls[i]);
    }
    curl_multi_cleanup(multi);
}

Test(curl, explicit_parent_context) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    memset(sc.trace_id, 0x11, 16);
    memset(sc.span_id, 0x22, 8);
    sc.trace_flags = 1;
    otelc_baggage *bag = otelc_baggage_set(NULL, "k", "v", NULL);
    otelc_context *parent = otelc_context_new(&sc, "vendor=x", bag);
    char *url = url_of(echo.port, "/p");
    CURL *h = new_handle();
    otelc_curl_options o = {
        .url = url, .parent = parent, .tracer = tp.tracer, .propagator = prop};
    cr_assert_eq(otelc_curl_perform(h, &o), CURLE_OK);
    const otelc_span_data *d = only_client_span();
    cr_assert_eq(memcmp(d->parent_span_id, sc.span_id, 8), 0);
    cr_assert_str_eq(echo_header(&echo, 0, "tracestate"), "vendor=x");
    cr_assert_str_eq(echo_header(&echo, 0, "baggage"), "k=v");
    cr_assert_null(otelc_span_current(), "nothing left current");
    otelc_context_free(parent);
    otelc_baggage_free(bag);
    curl_easy_cleanup(h);
    free(url);
}

Test(curl_slist, carrier_get_set_foreach) {
    struct curl_slist *l = curl_slist_append(NULL, "Accept: */*");
    l = curl_slist_append(l, "TraceParent: old");
    l = curl_slist_append(l, "X-Empty;");
    l = curl_slist_append(l, "traceparent: older");
    otelc_carrier c = otelc_curl_slist_carrier(&l);
    cr_assert_str_eq(c.get(c.user, "traceparent"), "old");
    cr_assert_str_eq(c.get(c.user, "x-empty"), "");
    cr_assert_null(c.get(c.user, "missing"));
    cr_assert_eq(c.set(c.user, "traceparent", "new"), OTELC_OK);
    cr_assert_str_eq(c.get(c.user, "TRACEPARENT"), "new");
    int n = 0;
    for (struct curl_slist *p = l; p; p = p->next)
        n++;
    cr_assert_eq(n, 3, "both old lines replaced by one");
    cr_assert_str_eq(l->next->next->data, "traceparent: new");
    cr_assert_eq(c.set(c.user, "Accept", "text/plain"), OTELC_OK);
    cr_assert_str_eq(l->data, "X-Empty;", "head removed and relinked");
    curl_slist_free_all(l);
    struct curl_slist *empty = NULL;
    otelc_carrier e = otelc_curl_slist_carrier(&empty);
    cr_assert_eq(e.set(e.user, "b3", "x"), OTELC_OK);
    cr_assert_str_eq(empty->data, "b3: x");
    curl_slist_free_all(empty);
}
