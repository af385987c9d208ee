/*
 * tests/otlp/test_logs.c - the OTLP log exporter against the in-repo
 * collector (gRPC core server / libmicrohttpd, nanopb decoding) on
 * 127.0.0.1: every field of a record made through the log API (severity,
 * body, attributes of every type, trace_id/span_id/flags of the span
 * current when it was logged, times, scope = logger, resource) over gRPC
 * and HTTP; records the API cannot make (event name, an observed time of
 * their own, no span) through the exporter directly; strings that are not
 * UTF-8; OTLP JSON read by Python's json module; partial success; a
 * collector that is down and then up; a collector that never answers; and
 * OTEL_LOGS_EXPORTER=otlp through otelc_init().
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporters/otlp_common/otlp_exporter.h"
#include "otlp/otlp_test_util.h"

static const char *logs_url(oc_collector *c, bool grpc) {
    static __thread char url[96];
    if (grpc)
        return grpc_url(oc_grpc_port(c));
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/logs", oc_http_port(c));
    return url;
}

/* otelc_init() with the log pipeline only (no console, no span exporter,
 * no metrics), a fast batch, then `kv` (NULL-terminated pairs). */
static void init_logs(const char *const *kv) {
    otelc_options *o = otelc_options_new();
    otelc_options_set_env_file(o, NULL);
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "none");
    otelc_options_set(o, "OTEL_LOGS_EXPORTER", "none");
    otelc_options_set(o, "ENABLE_CONSOLE_LOGGING", "false");
    otelc_options_set(o, "OTEL_SERVICE_NAME", "otlp-logs-test");
    otelc_options_set(o, "OTEL_RESOURCE_ATTRIBUTES",
                      "deployment.environment=ci");
    otelc_options_set(o, "LOG_LEVEL", "TRACE");
    otelc_options_set(o, "OTEL_BLRP_SCHEDULE_DELAY", "50");
    for (size_t i = 0; kv && kv[i]; i += 2)
        cr_assert_eq(otelc_options_set(o, kv[i], kv[i + 1]), OTELC_OK,
                     "setting %s=%s", kv[i], kv[i + 1]);
    cr_assert_eq(otelc_init(o), OTELC_OK);
}

/* The OTLP log exporter, added to the running pipeline; borrowed. */
static otelc_log_exporter *add_otlp(oc_collector *c, bool grpc,
                                    const char *protocol) {
    otelc_otlp_options o = {0};
    o.protocol = protocol ? protocol : grpc ? "grpc" : "http/protobuf";
    o.endpoint = logs_url(c, grpc);
    otelc_log_exporter *e = otelc_otlp_log_exporter_new(&o);
    cr_assert_not_null(e, "the OTLP log exporter was not created");
    cr_assert_str_eq(otelc_log_exporter_name(e),
                     grpc ? "otlp_grpc" : "otlp_http");
    cr_assert_eq(otelc_log_add_exporter(e), OTELC_OK);
    return e;
}

/* The pipeline's counters for the exporter named `name`. */
static otelc_log_sink_stats exporter_stats(const char *name) {
    otelc_log_sink_stats s;
    for (size_t i = 0; otelc_log_get_sink_stats(i, &s) == OTELC_OK; i++)
        if (!strcmp(s.name, name))
            return s;
    cr_assert_fail("no exporter %s in the log pipeline", name);
    return s;
}

static const oc_value *need(const oc_kv *kv, size_t n, const char *key,
                            oc_value_type type) {
    const oc_value *v = oc_attr(kv, n, key);
    cr_assert_not_null(v, "attribute %s missing", key);
    cr_assert_eq(v->type, type, "attribute %s: type %d, want %d", key, v->type,
                 type);
    return v;
}

static const char *const str_arr[] = {"x", "", "ÿes"};
static const int64_t int_arr[] = {1, -2, INT64_MAX};
static const double dbl_arr[] = {0.25, -1e10};
static const bool bool_arr[] = {false, true};
static const char bytes_val[] = {'\x00', '\x7f', '\xff'};

/* ---- every field ------------------------------------------------------------
 */

static void round_trip(bool grpc) {
    init_logs(NULL);
    oc_collector *c = start_collector(grpc, !grpc);
    otelc_log_exporter *e = add_otlp(c, grpc, NULL);

    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    otelc_logger *db = otelc_logger_get("shop.db");
    otelc_time_ns before = otelc_now_ns();

    /* Outside any span: no ids, no flags. */
    OTELC_LOGGER_WARN(db, "slow query", "ms", 250);
    /* Inside a sampled span: its ids and flags. */
    otelc_span *s = otelc_span_start(tp.tracer, "handle", NULL);
    otelc_scope sc = otelc_span_make_current(s);
    otelc_attribute fields[] = {
        OTELC_ATTR_STR("user", "jöhn"),
        OTELC_ATTR_INT("user.id", -123),
        OTELC_ATTR_DOUBLE("cart.total", 99.5),
        OTELC_ATTR_BOOL("vip", true),
        OTELC_ATTR_STR_ARRAY("tags", str_arr, 3),
        OTELC_ATTR_INT_ARRAY("ids", int_arr, 3),
        OTELC_ATTR_DOUBLE_ARRAY("weights", dbl_arr, 2),
        OTELC_ATTR_BOOL_ARRAY("flags", bool_arr, 2),
        {"blob", {OTELC_VALUE_BYTES, 3, {.s = bytes_val}}},
    };
    otelc_log_emit(NULL, OTELC_LOG_INFO, "order accepted", fields,
                   sizeof fields / sizeof fields[0]);
    otelc_log_emit(NULL, OTELC_LOG_ERROR, "payment failed", NULL, 0);
    otelc_span_context ctx = otelc_span_get_context(s);
    otelc_scope_end(sc);
    otelc_span_end(s);
    OTELC_LOG_DEBUG("after the span");

    cr_assert_eq(otelc_log_flush(10000), OTELC_OK);
    cr_assert(oc_wait_logs(c, 4, 5000), "%zu of 4 records arrived",
              oc_log_count(c));
    cr_assert_eq(oc_log_count(c), 4);
    cr_assert_eq(oc_decode_errors(c), 0);

    const oc_log *l = oc_find_log(c, "order accepted");
    cr_assert_not_null(l);
    cr_assert_str_eq(l->transport, grpc ? "grpc" : "http");
    cr_assert_eq(l->severity_number, 9);
    cr_assert_str_eq(l->severity_text, "INFO");
    cr_assert(l->has_body && l->body.type == OC_STRING);
    cr_assert_geq(l->time, before);
    cr_assert_geq(l->observed_time, l->time);
    cr_assert_eq(l->trace_id_len, 16);
    cr_assert_arr_eq(l->trace_id, ctx.trace_id, 16);
    cr_assert_eq(l->span_id_len, 8);
    cr_assert_arr_eq(l->span_id, ctx.span_id, 8);
    cr_assert_eq(l->flags, 1, "flags = the W3C flags (sampled)");
    cr_assert_str_eq(l->event_name, "");
    cr_assert_eq(l->dropped_attrs, 0);
    cr_assert_str_eq(need(l->attrs, l->n_attrs, "user", OC_STRING)->s, "jöhn");
    cr_assert_eq(need(l->attrs, l->n_attrs, "user.id", OC_INT)->i, -123);
    cr_assert_eq(need(l->attrs, l->n_attrs, "cart.total", OC_DOUBLE)->d, 99.5);
    cr_assert(need(l->attrs, l->n_attrs, "vip", OC_BOOL)->b);
    const oc_value *v = need(l->attrs, l->n_attrs, "tags", OC_ARRAY);
    cr_assert_eq(v->n_items, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(v->items[i].s, str_arr[i]);
    v = need(l->attrs, l->n_attrs, "ids", OC_ARRAY);
    cr_assert_eq(v->n_items, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert(v->items[i].type == OC_INT && v->items[i].i == int_arr[i]);
    v = need(l->attrs, l->n_attrs, "weights", OC_ARRAY);
    cr_assert_eq(v->n_items, 2);
    for (size_t i = 0; i < 2; i++)
        cr_assert(v->items[i].type == OC_DOUBLE && v->items[i].d == dbl_arr[i]);
    v = need(l->attrs, l->n_attrs, "flags", OC_ARRAY);
    cr_assert_eq(v->n_items, 2);
    for (size_t i = 0; i < 2; i++)
        cr_assert(v->items[i].type == OC_BOOL && v->items[i].b == bool_arr[i]);
    v = need(l->attrs, l->n_attrs, "blob", OC_BYTES);
    cr_assert_eq(v->len, 3);
    cr_assert_arr_eq(v->s, bytes_val, 3);
    /* Scope = the logger; resource = the SDK's. */
    cr_assert_str_eq(l->origin->scope_name, "root");
    cr_assert_str_eq(need(l->origin->resource_attrs,
                          l->origin->n_resource_attrs, "service.name",
                          OC_STRING)
                         ->s,
                     "otlp-logs-test");
    cr_assert_str_eq(need(l->origin->resource_attrs,
                          l->origin->n_resource_attrs, "deployment.environment",
                          OC_STRING)
                         ->s,
                     "ci");

    l = oc_find_log(c, "payment failed");
    cr_assert_eq(l->severity_number, 17);
    cr_assert_str_eq(l->severity_text, "ERROR");
    cr_assert_arr_eq(l->span_id, ctx.span_id, 8);

    l = oc_find_log(c, "slow query");
    cr_assert_not_null(l);
    cr_assert_eq(l->severity_number, 13);
    cr_assert_str_eq(l->origin->scope_name, "shop.db");
    cr_assert_eq(l->trace_id_len, 0, "no span was current");
    cr_assert_eq(l->span_id_len, 0);
    cr_assert_eq(l->flags, 0);
    cr_assert_eq(need(l->attrs, l->n_attrs, "ms", OC_INT)->i, 250);

    l = oc_find_log(c, "after the span");
    cr_assert_eq(l->severity_number, 5);
    cr_assert_eq(l->trace_id_len, 0);

    otelc_otlp_stats st;
    cr_assert_eq(otelc_otlp_log_exporter_stats(e, &st), OTELC_OK);
    cr_assert_eq(st.items_sent, 4);
    cr_assert_eq(st.requests_ok, st.requests);
    otelc_log_sink_stats ss = exporter_stats(grpc ? "otlp_grpc" : "otlp_http");
    cr_assert_eq(ss.records_written, 4);
    cr_assert_eq(ss.records_failed, 0);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    pipeline_free(&tp);
    oc_stop(c);
}

Test(otlp_logs, every_field_round_trip_grpc) {
    round_trip(true);
}
Test(otlp_logs, every_field_round_trip_http) {
    round_trip(false);
}

/* ---- records the API does not make ----------------------------------------
 */

static void direct(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    otelc_otlp_options o = {0};
    o.protocol = grpc ? "grpc" : "http/protobuf";
    o.endpoint = logs_url(c, grpc);
    otelc_log_exporter *e = otelc_otlp_log_exporter_new(&o);
    cr_assert_not_null(e);
    otelc_resource *res = full_resource();
    otelc_scope_info s1 = {"scope.one", "1.0"}, s2 = {"scope.two", ""};
    otelc_log_record_data r[3];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 3; i++) {
        r[i].timestamp = 1700000000000000001ull + (uint64_t)i;
        r[i].observed_timestamp = 1700000000500000000ull + (uint64_t)i;
        r[i].severity_number = OTELC_LOG_WARN;
        r[i].severity_text = "WARN";
        r[i].resource = res;
        r[i].event_name = "";
    }
    /* An event with a span context (debug bit set: it must not go out). */
    r[0].body = "user signed in";
    r[0].body_len = 14;
    r[0].event_name = "user.login";
    r[0].scope = &s1;
    memcpy(r[0].span_context.trace_id, full_remote_trace_id, 16);
    memcpy(r[0].span_context.span_id, full_remote_span_id, 8);
    r[0].span_context.trace_flags = 0x01 | 0x80;
    r[0].dropped_attribute_count = 3;
    /* Invalid UTF-8 in the body and an attribute; flags without a valid
     * span context are not sent. */
    r[1].body = "caf\xe9 \xff ok";
    r[1].body_len = 9;
    r[1].scope = &s2;
    r[1].span_context.trace_flags = 0x01;
    otelc_attribute bad[] = {OTELC_ATTR_STR("k\xc3", "v\xed\xa0\x80!")};
    r[1].attributes = bad;
    r[1].attribute_count = 1;
    /* Same scope as the first: grouped with it. */
    r[2].body = "";
    r[2].scope = &s1;
    const otelc_log_record_data *ptrs[] = {&r[0], &r[1], &r[2]};
    otelc_export_context ctx = {0};
    ctx.deadline_mono_ns = otelc_monotonic_ns() + 5000000000ull;
    cr_assert_eq(otelc__otlp_log_exporter_export(e, ptrs, 3, &ctx),
                 OTELC_EXPORT_SUCCESS);
    cr_assert_eq(oc_log_count(c), 3);
    cr_assert_eq(oc_decode_errors(c), 0);
    /* Grouped by scope in first-seen order: scope.one's two records
     * first, in batch order. */
    const oc_log *l = oc_log_at(c, 0);
    cr_assert_str_eq(l->body.s, "user signed in");
    cr_assert_str_eq(l->origin->scope_name, "scope.one");
    cr_assert_str_eq(l->origin->scope_version, "1.0");
    cr_assert_str_eq(l->event_name, "user.login");
    cr_assert_eq(l->time, 1700000000000000001ull);
    cr_assert_eq(l->observed_time, 1700000000500000000ull);
    cr_assert_eq(l->severity_number, 13);
    cr_assert_eq(l->dropped_attrs, 3);
    cr_assert_eq(l->flags, 1, "the debug bit is not a W3C flag");
    cr_assert_arr_eq(l->trace_id, full_remote_trace_id, 16);
    cr_assert_arr_eq(l->span_id, full_remote_span_id, 8);
    l = oc_log_at(c, 1);
    cr_assert_str_eq(l->origin->scope_name, "scope.one");
    cr_assert_str_eq(l->body.s, "");
    cr_assert_eq(l->observed_time, 1700000000500000002ull);
    l = oc_log_at(c, 2);
    cr_assert_str_eq(l->origin->scope_name, "scope.two");
    cr_assert_str_eq(l->body.s, "caf\xef\xbf\xbd \xef\xbf\xbd ok");
    cr_assert_eq(l->flags, 0);
    cr_assert_eq(l->trace_id_len, 0);
    cr_assert_eq(l->n_attrs, 1);
    cr_assert_str_eq(l->attrs[0].key, "k\xef\xbf\xbd");
    /* A surrogate (ED A0 80) is three ill-formed subparts. */
    cr_assert_str_eq(l->attrs[0].value.s,
                     "v\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
    cr_assert_str_eq(l->event_name, "");
    otelc_log_exporter_free(e);
    otelc_resource_free(res);
    oc_stop(c);
}

Test(otlp_logs, event_name_observed_time_grouping_and_utf8_grpc) {
    direct(true);
}
Test(otlp_logs, event_name_observed_time_grouping_and_utf8_http) {
    direct(false);
}

/* ---- OTLP JSON ----------------------------------------------------------- */

Test(otlp_logs, json_protocol_sends_otlp_json) {
    init_logs(NULL);
    oc_collector *c = start_collector(false, true);
    add_otlp(c, false, "http/json");
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    otelc_span *s = otelc_span_start(tp.tracer, "json", NULL);
    otelc_scope sc = otelc_span_make_current(s);
    OTELC_LOG_INFO("json \"record\"\n", "n", 7, "pi", 3.5, "ok", (bool)true,
                   "who", "me");
    otelc_span_context ctx = otelc_span_get_context(s);
    otelc_scope_end(sc);
    otelc_span_end(s);
    OTELC_LOGGER_ERROR(otelc_logger_get("other"), "second scope");
    cr_assert_eq(otelc_log_flush(10000), OTELC_OK);
    cr_assert(oc_wait_requests(c, 1, 5000));
    oc_request rq;
    cr_assert(oc_request_at(c, 0, &rq));
    cr_assert_str_eq(rq.path, "/v1/logs");
    cr_assert_str_eq(rq.signal, "logs");
    cr_assert_str_eq(rq.content_type, "application/json");
    cr_assert_not_null(rq.json);
    char path[512], script[512];
    snprintf(path, sizeof path, "%s/logs.json", test_tmpdir());
    FILE *f = fopen(path, "w");
    fputs(rq.json, f);
    fclose(f);
    snprintf(script, sizeof script, "%s/check_logs.py", test_tmpdir());
    f = fopen(script, "w");
    fputs("import json,sys\n"
          "d=json.load(open(sys.argv[1]))\n"
          "rl=d['resourceLogs'][0]\n"
          "res={a['key']:a['value'] for a in rl['resource']['attributes']}\n"
          "sl=rl['scopeLogs']\n"
          "r=sl[0]['logRecords'][0]\n"
          "a={x['key']:x['value'] for x in r['attributes']}\n"
          "e=sl[1]['logRecords'][0]\n"
          "print(res['service.name']['stringValue'], len(sl),\n"
          "      sl[0]['scope']['name'], sl[1]['scope']['name'],\n"
          "      repr(r['body']['stringValue']), r['severityNumber'],\n"
          "      r['severityText'], r['traceId'], r['spanId'], r['flags'],\n"
          "      a['n']['intValue'], a['pi']['doubleValue'],\n"
          "      a['ok']['boolValue'], a['who']['stringValue'],\n"
          "      int(r['observedTimeUnixNano']) >= int(r['timeUnixNano']),\n"
          "      e['severityText'], 'traceId' in e)\n",
          f);
    fclose(f);
    const char *args[] = {path, NULL};
    char *out = NULL;
    cr_assert_eq(run_python(script, args, &out), 0, "%s", rq.json);
    char tid[33], sid[17], want[512];
    otelc_trace_id_to_hex(ctx.trace_id, tid);
    otelc_span_id_to_hex(ctx.span_id, sid);
    snprintf(want, sizeof want,
             "otlp-logs-test 2 root other 'json \"record\"\\n' 9 INFO %s %s 1 "
             "7 3.5 True me True ERROR False\n",
             tid, sid);
    cr_assert_str_eq(out, want);
    free(out);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    pipeline_free(&tp);
    oc_stop(c);
}

/* ---- answers ------------------------------------------------------------- */

static void partial(bool grpc) {
    diag_capture_start();
    init_logs(NULL);
    oc_collector *c = start_collector(grpc, !grpc);
    oc_set_partial(c, 2, "two records were too large");
    otelc_log_exporter *e = add_otlp(c, grpc, NULL);
    for (int i = 0; i < 5; i++)
        OTELC_LOG_INFO("p", "i", i);
    cr_assert_eq(otelc_log_flush(10000), OTELC_OK);
    cr_assert(oc_wait_logs(c, 5, 5000));
    otelc_otlp_stats st;
    cr_assert_eq(otelc_otlp_log_exporter_stats(e, &st), OTELC_OK);
    cr_assert_eq(st.partial_successes, 1);
    cr_assert_eq(st.items_rejected, 2);
    otelc_log_sink_stats ss = exporter_stats(grpc ? "otlp_grpc" : "otlp_http");
    cr_assert_eq(ss.records_written, 3);
    cr_assert_eq(ss.records_failed, 2, "the rejected records are counted");
    cr_assert_eq(ss.errors, 0, "partial success is not a failure");
    cr_assert_eq(diag_count("two records were too large", "log records", NULL),
                 1, "%s", diag_captured());
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    oc_stop(c);
    diag_capture_stop();
}

Test(otlp_logs, partial_success_is_counted_grpc) {
    partial(true);
}
Test(otlp_logs, partial_success_is_counted_http) {
    partial(false);
}

typedef struct late_start {
    int port;
    bool grpc;
    oc_collector *c;
} late_start;

static void *start_later(void *arg) {
    late_start *l = arg;
    usleep(2000 * 1000);
    oc_options o = {0};
    o.grpc = l->grpc;
    o.http = !l->grpc;
    if (l->grpc)
        o.grpc_port = l->port;
    else
        o.http_port = l->port;
    l->c = oc_start(&o);
    return NULL;
}

static void down_then_up(bool grpc) {
    enum { N = 1500 }; /* within OTEL_BLRP_MAX_QUEUE_SIZE (2048) */
    init_logs(NULL);
    int port = oc_free_port();
    char ep[96];
    snprintf(ep, sizeof ep,
             grpc ? "http://127.0.0.1:%d" : "http://127.0.0.1:%d/v1/logs",
             port);
    otelc_otlp_options o = {0};
    o.protocol = grpc ? "grpc" : "http/protobuf";
    o.endpoint = ep;
    otelc_log_exporter *e = otelc_otlp_log_exporter_new(&o);
    cr_assert_eq(otelc_log_add_exporter(e), OTELC_OK);
    late_start l = {port, grpc, NULL};
    pthread_t th;
    pthread_create(&th, NULL, start_later, &l);
    for (int i = 0; i < N; i++)
        OTELC_LOG_INFO("queued while down", "i", i);
    pthread_join(th, NULL);
    cr_assert_not_null(l.c, "the collector could not start on port %d", port);
    cr_assert(oc_wait_logs(l.c, N, 20000), "only %zu of %d records arrived",
              oc_log_count(l.c), N);
    cr_assert_eq(otelc_log_flush(10000), OTELC_OK);
    cr_assert_eq(oc_log_count(l.c), N);
    /* Every record exactly once. */
    char *seen = calloc(N, 1);
    for (size_t i = 0; i < N; i++) {
        const oc_log *r = oc_log_at(l.c, i);
        const oc_value *v = oc_attr(r->attrs, r->n_attrs, "i");
        cr_assert(v && v->type == OC_INT && v->i >= 0 && v->i < N);
        cr_assert_not(seen[v->i], "record %lld arrived twice", (long long)v->i);
        seen[v->i] = 1;
    }
    free(seen);
    otelc_otlp_stats st;
    otelc_otlp_log_exporter_stats(e, &st);
    cr_assert_geq(st.failures_retryable, 1, "no retry was needed?");
    otelc_log_sink_stats ss = exporter_stats(grpc ? "otlp_grpc" : "otlp_http");
    cr_assert_eq(ss.records_failed, 0);
    cr_assert_eq(ss.records_written, N);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    oc_stop(l.c);
}

Test(otlp_logs, collector_down_then_up_loses_nothing_grpc) {
    down_then_up(true);
}
Test(otlp_logs, collector_down_then_up_loses_nothing_http) {
    down_then_up(false);
}

static void never_answers(bool grpc) {
    enum { N = 50 };
    init_logs(NULL);
    oc_collector *c = start_collector(grpc, !grpc);
    oc_set_blackhole(c, true);
    add_otlp(c, grpc, NULL);
    for (int i = 0; i < N; i++)
        OTELC_LOG_INFO("into the void", "i", i);
    usleep(300 * 1000); /* the first attempt is under way */
    double t0 = mono_ms();
    otelc_shutdown(2000);
    double took = mono_ms() - t0;
    cr_assert_leq(took, 2100.0, "shutdown(2000) took %.0f ms", took);
    cr_assert_geq(oc_request_count(c), 1);
    cr_assert_eq(oc_log_count(c), 0);
    otelc_log_sink_stats ss = exporter_stats(grpc ? "otlp_grpc" : "otlp_http");
    cr_assert_eq(ss.records_written, 0);
    cr_assert_eq(ss.records_failed, N, "every record counted as lost");
    oc_stop(c);
}

Test(otlp_logs, collector_never_answers_shutdown_meets_deadline_grpc) {
    never_answers(true);
}
Test(otlp_logs, collector_never_answers_shutdown_meets_deadline_http) {
    never_answers(false);
}

/* ---- otelc_init() ----------------------------------------------------------
 */

static void init_otlp(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    char ep[96];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d",
             grpc ? oc_grpc_port(c) : oc_http_port(c));
    const char *kv[] = {"OTEL_LOGS_EXPORTER",
                        "otlp",
                        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                        grpc ? ep : "",
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        ep,
                        "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
                        grpc ? "grpc" : "http/protobuf",
                        "OTEL_TRACES_EXPORTER",
                        "memory",
                        NULL};
    init_logs(kv);
    otelc_span *s = otelc_span_start(otelc_default_tracer(), "init-span", NULL);
    otelc_scope sc = otelc_span_make_current(s);
    OTELC_LOG_INFO("User login", "user_id", 123);
    otelc_span_context ctx = otelc_span_get_context(s);
    otelc_scope_end(sc);
    otelc_span_end(s);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    /* Everything logged before the shutdown was delivered by it. */
    cr_assert_eq(oc_log_count(c), 1);
    const oc_log *l = oc_find_log(c, "User login");
    cr_assert_not_null(l);
    cr_assert_arr_eq(l->trace_id, ctx.trace_id, 16);
    cr_assert_arr_eq(l->span_id, ctx.span_id, 8);
    cr_assert_eq(l->flags, 1);
    cr_assert_eq(need(l->attrs, l->n_attrs, "user_id", OC_INT)->i, 123);
    oc_request rq;
    cr_assert(oc_request_at(c, 0, &rq));
    cr_assert_str_eq(rq.signal, "logs");
    if (!grpc)
        cr_assert_str_eq(rq.path, "/v1/logs",
                         "the generic endpoint gets "
                         "/v1/logs appended");
    oc_stop(c);
}

Test(otlp_logs, init_with_otel_logs_exporter_otlp_grpc) {
    init_otlp(true);
}
Test(otlp_logs, init_with_otel_logs_exporter_otlp_http) {
    init_otlp(false);
}
