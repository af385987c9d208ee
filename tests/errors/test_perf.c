/*
 * tests/errors/test_perf.c - slow-operation detection: slow database calls
 * (OTELC_DB_CALL) and slow requests through the libmicrohttpd wrapper
 * (a real MHD daemon and a libcurl client on 127.0.0.1) are flagged with
 * slow=true, a WARN record carrying their span's ids and a count; fast
 * ones are not; PERFORMANCE_MONITORING=false turns it off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors/errors_util.h"
#include "instrumentation/http_helpers.h"

#include <otelc/microhttpd.h>

static void fini(void) {
    otelc_shutdown(5000);
}

static const otelc_log_record_data *log_for_span(test_otelc *t,
                                                 const char *body,
                                                 const otelc_span_data *d,
                                                 int *count) {
    otelc_log_flush(5000);
    const otelc_log_record_data *found = NULL;
    *count = 0;
    for (size_t i = 0; i < mem_logs_count(t->logs); i++) {
        const otelc_log_record_data *r = mem_logs_get(t->logs, i);
        if (strcmp(r->body, body))
            continue;
        (*count)++;
        if (d && !memcmp(r->span_context.span_id, d->context.span_id, 8) &&
            !memcmp(r->span_context.trace_id, d->context.trace_id, 16))
            found = r;
    }
    return found;
}

static bool is_slow(const otelc_span_data *d) {
    const otelc_value *v = find_attr(d->attributes, d->attribute_count, "slow");
    return v && v->type == OTELC_VALUE_BOOL && v->u.b;
}

Test(perf, slow_query_flagged_fast_query_not, .fini = fini) {
    test_otelc t;
    const char *kv[] = {"OTELC_SLOW_QUERY_THRESHOLD_MS", "200",
                        "OTELC_DB_STATEMENT_MAX_LENGTH", "20", NULL};
    errors_init(&t, kv);
    TRACE_SPAN("handler") {
        OTELC_DB_CALL("postgresql", "select id from orders where id = 1") {}
        OTELC_DB_CALL("postgresql",
                      "  UPDATE orders SET state = 'paid' WHERE id = 1") {
            usleep(300000);
        }
    }
    const otelc_span_data *fast = find_span(&t, "SELECT postgresql");
    const otelc_span_data *slow = find_span(&t, "UPDATE postgresql");
    cr_assert_not_null(fast);
    cr_assert_not_null(slow);
    cr_assert_eq(fast->kind, OTELC_SPAN_KIND_CLIENT);
    cr_assert_str_eq(attr_str(fast, "db.system"), "postgresql");
    /* db.statement cut to 20 characters. */
    cr_assert_str_eq(attr_str(fast, "db.statement"), "select id from order");
    cr_assert_not(is_slow(fast));
    cr_assert(is_slow(slow));
    cr_assert_eq(attr_int(slow, "slow.threshold_ms"), 200);
    /* Children of the handler span. */
    const otelc_span_data *h = find_span(&t, "handler");
    cr_assert_eq(memcmp(slow->parent_span_id, h->context.span_id, 8), 0);

    int n;
    const otelc_log_record_data *r =
        log_for_span(&t, "Slow database query detected", slow, &n);
    cr_assert_eq(n, 1, "%d slow-query records", n);
    cr_assert_not_null(r, "the record does not carry the slow span's ids");
    cr_assert_eq(r->severity_number, OTELC_LOG_WARN);
    const otelc_value *v = rec_attr(r, "db.statement");
    cr_assert(v && !strcmp(v->u.s, "  UPDATE orders SET "), "%s",
              v ? v->u.s : "(none)");
    v = rec_attr(r, "duration_ms");
    cr_assert(v && v->u.d >= 300.0);
    v = rec_attr(r, "threshold_ms");
    cr_assert(v && v->u.i == 200);

    otelc_perf_report rep;
    otelc_perf_get_report(&rep);
    cr_assert_eq(rep.queries, 2);
    cr_assert_eq(rep.slow_queries, 1);
    cr_assert_eq(rep.slow_query_threshold_ms, 200);
    cr_assert_eq(rep.slow_request_threshold_ms, 2000);
}

/* ---- requests through the microhttpd wrapper
 * ------------------------------------ */

static enum MHD_Result app(void *cls, struct MHD_Connection *c, const char *url,
                           const char *method, const char *version,
                           const char *data, size_t *size, void **con_cls) {
    (void)cls;
    (void)method;
    (void)version;
    (void)data;
    (void)size;
    if (!*con_cls) {
        *con_cls = (void *)1;
        return MHD_YES;
    }
    if (!strcmp(url, "/slow"))
        usleep(400000);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = otelc_mhd_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static const char *route(void *cls, const char *method, const char *path) {
    (void)cls;
    (void)method;
    return !strcmp(path, "/slow") ? "/slow" : NULL;
}

static void serve_two(test_otelc *t, uint16_t *port) {
    (void)t;
    otelc_mhd_options o = {.handler = app, .route = route};
    otelc_mhd_server *srv = otelc_mhd_server_new(&o);
    struct MHD_Daemon *d = start_daemon_on_loopback(
        otelc_mhd_access_handler, srv, otelc_mhd_request_completed, srv, port);
    plain_resp resp;
    char *u = url_of(*port, "/fast");
    cr_assert_eq(plain_request("GET", u, NULL, NULL, &resp), CURLE_OK);
    free(u);
    u = url_of(*port, "/slow");
    cr_assert_eq(plain_request("GET", u, NULL, NULL, &resp), CURLE_OK);
    free(u);
    MHD_stop_daemon(d);
    otelc_mhd_server_free(srv);
}

Test(perf, slow_request_flagged_fast_request_not, .fini = fini, .timeout = 60) {
    test_otelc t;
    const char *kv[] = {"OTELC_SLOW_REQUEST_THRESHOLD_MS", "250", NULL};
    errors_init(&t, kv);
    uint16_t port;
    serve_two(&t, &port);
    const otelc_span_data *fast = find_span(&t, "GET /fast");
    const otelc_span_data *slow = find_span(&t, "GET /slow");
    cr_assert_not_null(fast);
    cr_assert_not_null(slow);
    cr_assert_not(is_slow(fast));
    cr_assert(is_slow(slow));
    int n;
    const otelc_log_record_data *r =
        log_for_span(&t, "Slow request detected", slow, &n);
    cr_assert_eq(n, 1);
    cr_assert_not_null(r, "the record does not carry the server span's ids");
    const otelc_value *v = rec_attr(r, "http.route");
    cr_assert(v && !strcmp(v->u.s, "/slow"));
    v = rec_attr(r, "http.response.status_code");
    cr_assert(v && v->u.i == 200);
    v = rec_attr(r, "duration_ms");
    cr_assert(v && v->u.d >= 400.0);
    otelc_perf_report rep;
    otelc_perf_get_report(&rep);
    cr_assert_eq(rep.requests, 2);
    cr_assert_eq(rep.slow_requests, 1);
}

Test(perf, disabled_by_performance_monitoring, .fini = fini, .timeout = 60) {
    test_otelc t;
    const char *kv[] = {"PERFORMANCE_MONITORING",
                        "false",
                        "OTELC_SLOW_REQUEST_THRESHOLD_MS",
                        "1",
                        "OTELC_SLOW_QUERY_THRESHOLD_MS",
                        "1",
                        NULL};
    errors_init(&t, kv);
    OTELC_DB_CALL("redis", "GET k") {
        usleep(5000);
    }
    uint16_t port;
    serve_two(&t, &port);
    const otelc_span_data *q = find_span(&t, "GET redis");
    cr_assert_not_null(q, "the span is still made");
    cr_assert_not(is_slow(q));
    cr_assert_not(is_slow(find_span(&t, "GET /slow")));
    int n;
    log_for_span(&t, "Slow request detected", NULL, &n);
    cr_assert_eq(n, 0);
    log_for_span(&t, "Slow database query detected", NULL, &n);
    cr_assert_eq(n, 0);
    otelc_perf_report rep;
    otelc_perf_get_report(&rep);
    cr_assert_eq(
        rep.requests + rep.slow_requests + rep.queries + rep.slow_queries, 0);
}

Test(perf, recorded_by_hand_on_the_current_span, .fini = fini) {
    test_otelc t;
    const char *kv[] = {"OTELC_SLOW_REQUEST_THRESHOLD_MS", "100",
                        "OTELC_SLOW_QUERY_THRESHOLD_MS", "100", NULL};
    errors_init(&t, kv);
    TRACE_SPAN("grpc-call") {
        otelc_perf_record_request("POST", "/api.Orders/Create", 0, 150000000u);
    }
    TRACE_SPAN("quick") {
        otelc_perf_record_request("POST", "/api.Orders/Get", 200, 1000000u);
        otelc_perf_record_query("mysql", "SELECT 1", 99000000u);
    }
    TRACE_SPAN("batch-load") {
        otelc_perf_record_query("mysql", NULL, 100000000u);
    }
    cr_assert(is_slow(find_span(&t, "grpc-call")));
    cr_assert_not(is_slow(find_span(&t, "quick")));
    cr_assert(is_slow(find_span(&t, "batch-load")));
    otelc_perf_report rep;
    otelc_perf_get_report(&rep);
    cr_assert_eq(rep.requests, 2);
    cr_assert_eq(rep.slow_requests, 1);
    cr_assert_eq(rep.queries, 2);
    cr_assert_eq(rep.slow_queries, 1);
    int n;
    const otelc_log_record_data *r = log_for_span(
        &t, "Slow request detected", find_span(&t, "grpc-call"), &n);
    cr_assert_not_null(r);
    cr_assert_null(rec_attr(r, "http.response.status_code"));
}
