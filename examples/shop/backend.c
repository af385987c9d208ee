/*
 * examples/shop/backend.c - the shop's inventory service.
 *
 *   GET  /inventory/{item}  200 {"item":..,"stock":N}; "bad" fails with 500
 *                           (the database is "down"), "missing" is 404
 *   POST /reserve/{item}    200 {"reserved":..}
 *   GET  /health            200
 *
 * Every request is a SERVER span (the otelc libmicrohttpd wrapper) that
 * continues the caller's trace; the database work inside is a child span
 * made with TRACE_SPAN.
 *
 *   shop-backend --port 0 --port-file backend.port
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shop_common.h"

#define SERVICE "shop-backend"

static const char *route(void *cls, const char *method, const char *path) {
    (void)cls;
    (void)method;
    if (!strncmp(path, "/inventory/", 11))
        return "/inventory/{item}";
    if (!strncmp(path, "/reserve/", 9))
        return "/reserve/{item}";
    if (!strcmp(path, "/health"))
        return "/health";
    return NULL;
}

static void pause_ms(int ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* A stand-in for a database query, as a child span. */
static int query_stock(const char *item) {
    int stock = -1;
    TRACE_SPAN("SELECT inventory") {
        TRACE_ATTR_STR("db.system", "sqlite");
        TRACE_ATTR_STR("db.operation.name", "SELECT");
        TRACE_ATTR_STR("shop.item", item);
        pause_ms(2);
        if (!strcmp(item, "bad")) {
            otelc_span *s = otelc_span_current();
            otelc_span_record_exception(s, "DatabaseUnavailable",
                                        "inventory database unavailable", NULL,
                                        NULL, 0);
            otelc_span_set_status(s, OTELC_STATUS_ERROR,
                                  "inventory database unavailable");
            stock = -2;
        } else if (strcmp(item, "missing")) {
            stock = 3 + (int)(strlen(item) % 7);
        }
    }
    return stock;
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
    char json[512];
    if (!strcmp(method, "GET") && !strncmp(url, "/inventory/", 11)) {
        const char *item = url + 11;
        int stock = query_stock(item);
        if (stock == -2)
            return shop_reply(SERVICE, c, method, url, 500,
                              "{\"error\":\"inventory database "
                              "unavailable\"}");
        if (stock < 0)
            return shop_reply(SERVICE, c, method, url, 404,
                              "{\"error\":\"no such item\"}");
        snprintf(json, sizeof json, "{\"item\":\"%.64s\",\"stock\":%d}", item,
                 stock);
        return shop_reply(SERVICE, c, method, url, 200, json);
    }
    if (!strcmp(method, "POST") && !strncmp(url, "/reserve/", 9)) {
        TRACE_SPAN("UPDATE inventory") {
            TRACE_ATTR_STR("db.system", "sqlite");
            TRACE_ATTR_STR("db.operation.name", "UPDATE");
            TRACE_ATTR_INT("shop.request_bytes", (int64_t)strlen(body));
            pause_ms(1);
        }
        snprintf(json, sizeof json, "{\"reserved\":\"%.64s\"}", url + 9);
        return shop_reply(SERVICE, c, method, url, 200, json);
    }
    if (!strcmp(url, "/health"))
        return shop_reply(SERVICE, c, method, url, 200, "{\"status\":\"ok\"}");
    return shop_reply(SERVICE, c, method, url, 404,
                      "{\"error\":\"not found\"}");
}

int main(int argc, char **argv) {
    shop_args args;
    shop_parse_args(argc, argv, &args, false);
    shop_init(SERVICE);
    otelc_mhd_server *w;
    struct MHD_Daemon *d = shop_start(SERVICE, &args, handle, route, &w);
    return shop_wait_and_stop(SERVICE, d, w);
}
