/*
 * examples/shop/frontend.c - the shop's public service.
 *
 *   GET /checkout?item=X  asks the backend for the stock (GET
 *                         /inventory/X), then reserves it (POST
 *                         /reserve/X): 200 on success, 404 for an unknown
 *                         item, 502 when the backend fails (item "bad")
 *   GET /health           200
 *
 * Each request is a SERVER span (the otelc libmicrohttpd wrapper); each
 * backend call is a CLIENT span (the otelc libcurl wrapper) that carries
 * the trace, the baggage and the request id to the backend.
 *
 *   shop-frontend --port 0 --port-file frontend.port \
 *                 --backend http://127.0.0.1:PORT
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/curl.h>

#include "shop_common.h"

#define SERVICE "shop-frontend"

static const char *g_backend;

typedef struct buf {
    char data[2048];
    size_t len;
} buf;

static size_t collect(char *p, size_t sz, size_t n, void *ud) {
    buf *b = ud;
    size_t len = sz * n, room = sizeof b->data - 1 - b->len;
    size_t k = len < room ? len : room;
    memcpy(b->data + b->len, p, k);
    b->len += k;
    b->data[b->len] = '\0';
    return len;
}

/* One instrumented call to the backend; returns the HTTP status, or -1
 * when the backend could not be reached. */
static long call_backend(const char *method, const char *path, const char *body,
                         buf *out) {
    char url[512];
    snprintf(url, sizeof url, "%s%s", g_backend, path);
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    out->len = 0;
    out->data[0] = '\0';
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    /* The request id travels on, so both services log the same one. */
    char rid[160];
    const char *id = otelc_request_id_current();
    snprintf(rid, sizeof rid, "X-Request-ID: %s", id ? id : "");
    struct curl_slist *hdrs = curl_slist_append(NULL, rid);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    otelc_curl_options o = {.method = method, .url = url, .headers = hdrs};
    CURLcode rc = otelc_curl_perform(h, &o);
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return status;
}

static const char *route(void *cls, const char *method, const char *path) {
    (void)cls;
    (void)method;
    if (!strcmp(path, "/checkout"))
        return "/checkout";
    if (!strcmp(path, "/health"))
        return "/health";
    return NULL;
}

static enum MHD_Result checkout(struct MHD_Connection *c, const char *method,
                                const char *url) {
    const char *item =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "item");
    if (!item || !item[0] || strlen(item) > 64 || strchr(item, '/'))
        return shop_reply(SERVICE, c, method, url, 400,
                          "{\"error\":\"item missing or invalid\"}");
    /* Baggage: every downstream service sees the shop's channel. */
    otelc_baggage *bag =
        otelc_baggage_set(otelc_current_baggage(), "shop.channel", "web", NULL);
    otelc_scope bs = otelc_baggage_attach(bag);
    TRACE_ATTR_STR("shop.item", item);
    char path[128], json[512];
    buf resp;
    enum MHD_Result ret;
    snprintf(path, sizeof path, "/inventory/%s", item);
    long st = call_backend("GET", path, NULL, &resp);
    if (st == 200) {
        snprintf(path, sizeof path, "/reserve/%s", item);
        st = call_backend("POST", path, "quantity=1", &resp);
    }
    if (st == 200) {
        snprintf(json, sizeof json, "{\"order\":\"accepted\",\"item\":\"%s\"}",
                 item);
        ret = shop_reply(SERVICE, c, method, url, 200, json);
    } else if (st == 404) {
        ret = shop_reply(SERVICE, c, method, url, 404,
                         "{\"error\":\"no such item\"}");
    } else {
        TRACE_EVENT("backend failed");
        ret = shop_reply(SERVICE, c, method, url, 502,
                         "{\"error\":\"the inventory service failed\"}");
    }
    otelc_scope_end(bs);
    otelc_baggage_free(bag);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
    (void)cls;
    (void)version;
    const char *body;
    if (!shop_request_ready(upload, upload_size, con_cls, &body))
        return MHD_YES;
    if (!strcmp(method, "GET") && !strcmp(url, "/checkout"))
        return checkout(c, method, url);
    if (!strcmp(url, "/health"))
        return shop_reply(SERVICE, c, method, url, 200, "{\"status\":\"ok\"}");
    return shop_reply(SERVICE, c, method, url, 404,
                      "{\"error\":\"not found\"}");
}

int main(int argc, char **argv) {
    shop_args args;
    shop_parse_args(argc, argv, &args, true);
    g_backend = args.backend;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    shop_init(SERVICE);
    otelc_mhd_server *w;
    struct MHD_Daemon *d = shop_start(SERVICE, &args, handle, route, &w);
    int rc = shop_wait_and_stop(SERVICE, d, w);
    curl_global_cleanup();
    return rc;
}
