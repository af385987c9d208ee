/*
 * tests/otlp/test_metrics.c - the OTLP metric exporter against the in-repo
 * collector (gRPC core server / libmicrohttpd, nanopb decoding) on
 * 127.0.0.1: every instrument kind with its attributes, temporality,
 * monotonicity, histogram buckets and exemplars that point at the spans
 * that recorded them, resource and scope, over gRPC and HTTP; delta
 * temporality; OTLP JSON read by Python's json module; partial success;
 * retries; a collector that never answers; OTEL_METRICS_EXPORTER=otlp
 * through otelc_init().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otlp/otlp_test_util.h"
#include "sdk/metrics_int.h"

typedef struct mpipe {
    otelc_meter_provider *mp;
    otelc_meter *m;
    otelc_metric_exporter *exporter; /* borrowed: the reader owns it */
    otelc_metric_reader *reader;     /* borrowed: the provider owns it */
} mpipe;

/* A provider (full_resource) with a periodic reader that exports only
 * when flushed (its interval is an hour). */
static void mpipe_init(mpipe *p, const otelc_otlp_options *o,
                       uint32_t timeout_ms) {
    memset(p, 0, sizeof *p);
    p->mp = otelc_meter_provider_new(full_resource(), NULL);
    cr_assert_not_null(p->mp);
    p->exporter = otelc_otlp_metric_exporter_new(o);
    cr_assert_not_null(p->exporter, "the OTLP metric exporter was not created");
    p->reader = otelc_periodic_reader_new(p->exporter, 3600000, timeout_ms);
    cr_assert_not_null(p->reader);
    cr_assert_eq(otelc_meter_provider_add_reader(p->mp, p->reader), OTELC_OK);
    p->m = otelc_meter_get(p->mp, "otlp-metrics-test", "4.5.6");
}

static void mpipe_free(mpipe *p) {
    otelc_meter_provider_free(p->mp);
    memset(p, 0, sizeof *p);
}

static otelc_otlp_options opts_for(oc_collector *c, bool grpc) {
    otelc_otlp_options o = {0};
    o.protocol = grpc ? "grpc" : "http/protobuf";
    if (grpc) {
        o.endpoint = grpc_url(oc_grpc_port(c));
    } else {
        static __thread char url[96];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/metrics",
                 oc_http_port(c));
        o.endpoint = url;
    }
    return o;
}

static const oc_value *need(const oc_kv *kv, size_t n, const char *key,
                            oc_value_type type) {
    const oc_value *v = oc_attr(kv, n, key);
    cr_assert_not_null(v, "attribute %s missing", key);
    cr_assert_eq(v->type, type, "attribute %s: type %d, want %d", key, v->type,
                 type);
    return v;
}

static const oc_metric *need_metric(oc_collector *c, const char *name,
                                    oc_metric_type type, int temporality,
                                    bool monotonic, size_t points) {
    const oc_metric *m = oc_find_metric(c, name);
    cr_assert_not_null(m, "metric %s did not arrive", name);
    cr_assert_eq(m->type, type, "%s: type %d, want %d", name, m->type, type);
    cr_assert_eq(m->temporality, temporality, "%s: temporality %d", name,
                 m->temporality);
    cr_assert_eq(m->monotonic, monotonic, "%s: monotonic", name);
    cr_assert_eq(m->n_points, points, "%s: %zu points, want %zu", name,
                 m->n_points, points);
    return m;
}

static bool ex_is(const oc_exemplar *e, otelc_span_context sc) {
    return e->trace_id_len == 16 && e->span_id_len == 8 &&
           !memcmp(e->trace_id, sc.trace_id, 16) &&
           !memcmp(e->span_id, sc.span_id, 8);
}

/* ---- every instrument kind ----------------------------------------------- */

static void obs_ticks(otelc_observer *o, void *ud) {
    (void)ud;
    otelc_observe(o, 42, "core", "0");
    otelc_observe(o, 43, "core", "1");
}
static void obs_pool(otelc_observer *o, void *ud) {
    (void)ud;
    otelc_observe(o, -2);
}
static void obs_temp(otelc_observer *o, void *ud) {
    (void)ud;
    otelc_observe(o, 21.5, "room", "lab");
}

static void round_trip(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    otelc_otlp_options o = opts_for(c, grpc);
    mpipe p;
    mpipe_init(&p, &o, 10000);
    cr_assert_str_eq(p.exporter->ops->name, grpc ? "otlp_grpc" : "otlp_http");
    test_pipeline tp; /* sampled spans for the exemplars */
    pipeline_init(&tp, NULL, false, NULL);

    otelc_counter *orders = otelc_meter_create_counter(
        p.m, "shop.orders", "{order}", "orders accepted", NULL);
    otelc_updown_counter *depth = otelc_meter_create_updown_counter(
        p.m, "queue.depth", "{item}", "items queued", NULL);
    otelc_gauge *temp = otelc_meter_create_gauge(p.m, "cpu.temperature", "Cel",
                                                 "CPU temperature", NULL);
    const double bounds[] = {0.1, 1, 10};
    otelc_instrument_options ho = {0};
    ho.bucket_boundaries = bounds;
    ho.bucket_boundary_count = 3;
    otelc_histogram *dur = otelc_meter_create_histogram(
        p.m, "http.duration", "s", "request duration", &ho);
    cr_assert_not_null(otelc_meter_create_observable_counter(
        p.m, "proc.ticks", "{tick}", "", NULL, obs_ticks, NULL));
    cr_assert_not_null(otelc_meter_create_observable_updown_counter(
        p.m, "pool.size", "", "", NULL, obs_pool, NULL));
    cr_assert_not_null(otelc_meter_create_observable_gauge(
        p.m, "room.temperature", "Cel", "", NULL, obs_temp, NULL));

    otelc_time_ns before = otelc_now_ns();
    otelc_histogram_record(dur, 0.05); /* no span: no exemplar */
    otelc_span *sa = otelc_span_start(tp.tracer, "span-a", NULL);
    otelc_scope ca = otelc_span_make_current(sa);
    otelc_counter_add(orders, 3, "status", "ok", "region", "eu");
    otelc_histogram_record(dur, 0.5);
    otelc_histogram_record(dur, 0.7); /* latest of (0.1, 1]: kept */
    otelc_scope_end(ca);
    otelc_span *sb = otelc_span_start(tp.tracer, "span-b", NULL);
    otelc_scope cb = otelc_span_make_current(sb);
    otelc_histogram_record(dur, 5);
    otelc_histogram_record(dur, 50);
    otelc_counter_add(orders, 4, "status", "fail", "code", 500, "retry",
                      (bool)true, "ratio", 0.5);
    otelc_scope_end(cb);
    otelc_span_context sca = otelc_span_get_context(sa),
                       scb = otelc_span_get_context(sb);
    otelc_span_end(sa);
    otelc_span_end(sb);
    otelc_counter_add(orders, 2, "region", "eu", "status", "ok");
    otelc_updown_counter_add(depth, 10);
    otelc_updown_counter_add(depth, -3);
    otelc_gauge_record(temp, 71.5);
    otelc_gauge_record(temp, 72.25);

    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert(oc_wait_metric_requests(c, 1, 5000));
    cr_assert_eq(oc_decode_errors(c), 0);
    /* 2 + 1 + 1 + 1 + 2 + 1 + 1 data points. */
    cr_assert_eq(oc_point_count(c), 9, "%zu points", oc_point_count(c));
    cr_assert_eq(oc_metric_count(c), 7);

    /* Counter: an int sum, monotonic, cumulative, typed attributes. */
    const oc_metric *m = need_metric(c, "shop.orders", OC_SUM, 2, true, 2);
    cr_assert_str_eq(m->unit, "{order}");
    cr_assert_str_eq(m->description, "orders accepted");
    cr_assert_str_eq(m->transport, grpc ? "grpc" : "http");
    const oc_point *pt = oc_find_point(m, "status", "ok");
    cr_assert_not_null(pt);
    cr_assert_eq(pt->value_case, 6, "as_int");
    cr_assert_eq(pt->as_int, 5);
    cr_assert_eq(pt->n_attrs, 2);
    cr_assert_str_eq(need(pt->attrs, pt->n_attrs, "region", OC_STRING)->s,
                     "eu");
    cr_assert_geq(pt->start_time, before);
    cr_assert_geq(pt->time, pt->start_time);
    cr_assert_eq(pt->n_exemplars, 1);
    cr_assert(ex_is(&pt->exemplars[0], sca), "the exemplar is span a's");
    cr_assert_eq(pt->exemplars[0].value_case, 6);
    cr_assert_eq(pt->exemplars[0].as_int, 3);
    cr_assert_geq(pt->exemplars[0].time, before);
    cr_assert_eq(pt->exemplars[0].n_filtered_attrs, 0);
    otelc_time_ns start = pt->start_time;
    pt = oc_find_point(m, "status", "fail");
    cr_assert_not_null(pt);
    cr_assert_eq(pt->as_int, 4);
    cr_assert_eq(need(pt->attrs, pt->n_attrs, "code", OC_INT)->i, 500);
    cr_assert(need(pt->attrs, pt->n_attrs, "retry", OC_BOOL)->b);
    cr_assert_eq(need(pt->attrs, pt->n_attrs, "ratio", OC_DOUBLE)->d, 0.5);
    cr_assert(ex_is(&pt->exemplars[0], scb));

    /* Up-down counter: a non-monotonic cumulative sum. */
    m = need_metric(c, "queue.depth", OC_SUM, 2, false, 1);
    cr_assert_eq(m->points[0].as_int, 7);
    cr_assert_eq(m->points[0].n_attrs, 0);

    /* Gauge: the last value, a double, no start time. */
    m = need_metric(c, "cpu.temperature", OC_GAUGE, 0, false, 1);
    cr_assert_str_eq(m->unit, "Cel");
    cr_assert_eq(m->points[0].value_case, 4, "as_double");
    cr_assert_eq(m->points[0].as_double, 72.25);
    cr_assert_eq(m->points[0].start_time, 0);
    cr_assert_geq(m->points[0].time, before);

    /* Histogram: buckets, count, sum, min, max, one exemplar per bucket
     * recorded in a span (the latest), pointing at that span. */
    m = need_metric(c, "http.duration", OC_HISTOGRAM, 2, false, 1);
    pt = &m->points[0];
    cr_assert_eq(pt->count, 5);
    cr_assert(pt->has_sum && fabs(pt->sum - 56.25) < 1e-9, "sum %g", pt->sum);
    cr_assert(pt->has_min && pt->min == 0.05);
    cr_assert(pt->has_max && pt->max == 50);
    cr_assert_eq(pt->n_bounds, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(pt->bounds[i], bounds[i]);
    cr_assert_eq(pt->n_bucket_counts, 4);
    const uint64_t want[] = {1, 2, 1, 1};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(pt->bucket_counts[i], want[i], "bucket %zu: %llu", i,
                     (unsigned long long)pt->bucket_counts[i]);
    cr_assert_eq(pt->n_exemplars, 3, "%zu exemplars", pt->n_exemplars);
    bool saw07 = false, saw5 = false, saw50 = false;
    for (size_t i = 0; i < pt->n_exemplars; i++) {
        const oc_exemplar *e = &pt->exemplars[i];
        cr_assert_eq(e->value_case, 3, "as_double");
        if (e->as_double == 0.7) {
            saw07 = true;
            cr_assert(ex_is(e, sca));
        } else if (e->as_double == 5 || e->as_double == 50) {
            saw5 |= e->as_double == 5;
            saw50 |= e->as_double == 50;
            cr_assert(ex_is(e, scb));
        }
    }
    cr_assert(saw07 && saw5 && saw50);
    /* The exemplars' spans are spans that were recorded. */
    cr_assert_not_null(pipeline_find(&tp, "span-a"));
    cr_assert_not_null(pipeline_find(&tp, "span-b"));

    /* Observable instruments. */
    m = need_metric(c, "proc.ticks", OC_SUM, 2, true, 2);
    cr_assert_eq(oc_find_point(m, "core", "0")->as_int, 42);
    cr_assert_eq(oc_find_point(m, "core", "1")->as_int, 43);
    m = need_metric(c, "pool.size", OC_SUM, 2, false, 1);
    cr_assert_eq(m->points[0].as_int, -2);
    m = need_metric(c, "room.temperature", OC_GAUGE, 0, false, 1);
    cr_assert_eq(oc_find_point(m, "room", "lab")->as_double, 21.5);

    /* Resource and scope. */
    const oc_origin *org = m->origin;
    cr_assert_str_eq(need(org->resource_attrs, org->n_resource_attrs,
                          "service.name", OC_STRING)
                         ->s,
                     "otlp-test");
    cr_assert_eq(
        need(org->resource_attrs, org->n_resource_attrs, "res.int", OC_INT)->i,
        42);
    cr_assert_str_eq(org->scope_name, "otlp-metrics-test");
    cr_assert_str_eq(org->scope_version, "4.5.6");

    otelc_otlp_stats st;
    cr_assert_eq(otelc_otlp_metric_exporter_stats(p.exporter, &st), OTELC_OK);
    cr_assert_eq(st.requests, 1);
    cr_assert_eq(st.requests_ok, 1);
    cr_assert_eq(st.items_sent, 9);
    cr_assert_gt(st.bytes_encoded, 200);

    /* Cumulative: the next export carries the totals, same start time. */
    otelc_counter_add(orders, 1, "status", "ok", "region", "eu");
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert(oc_wait_metric_requests(c, 2, 5000));
    m = oc_find_metric(c, "shop.orders");
    cr_assert_eq(m->request, 1);
    pt = oc_find_point(m, "status", "ok");
    cr_assert_eq(pt->as_int, 6);
    cr_assert_eq(pt->start_time, start);
    m = oc_find_metric(c, "http.duration");
    cr_assert_eq(m->points[0].count, 5, "nothing new: the same totals");

    mpipe_free(&p);
    pipeline_free(&tp);
    cr_assert_eq(oc_decode_errors(c), 0);
    oc_stop(c);
}

Test(otlp_metrics, every_instrument_round_trip_grpc) {
    round_trip(true);
}
Test(otlp_metrics, every_instrument_round_trip_http) {
    round_trip(false);
}

/* ---- temporality ----------------------------------------------------------
 */

static int64_t g_obs_total = 100;
static void obs_total(otelc_observer *o, void *ud) {
    (void)ud;
    otelc_observe(o, g_obs_total);
}

static void delta(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    otelc_otlp_options o = opts_for(c, grpc);
    o.temporality_preference = "delta";
    mpipe p;
    mpipe_init(&p, &o, 10000);
    otelc_counter *cnt =
        otelc_meter_create_counter(p.m, "d.count", NULL, NULL, NULL);
    otelc_updown_counter *ud =
        otelc_meter_create_updown_counter(p.m, "d.updown", NULL, NULL, NULL);
    otelc_histogram *h =
        otelc_meter_create_histogram(p.m, "d.hist", NULL, NULL, NULL);
    otelc_meter_create_observable_counter(p.m, "d.observed", NULL, NULL, NULL,
                                          obs_total, NULL);
    otelc_counter_add(cnt, 5);
    otelc_updown_counter_add(ud, 5);
    otelc_histogram_record(h, 3);
    otelc_histogram_record(h, 30);
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert(oc_wait_metric_requests(c, 1, 5000));
    const oc_metric *m = need_metric(c, "d.count", OC_SUM, 1, true, 1);
    cr_assert_eq(m->points[0].as_int, 5);
    otelc_time_ns t1 = m->points[0].time;
    /* Up-down counters stay cumulative under "delta". */
    m = need_metric(c, "d.updown", OC_SUM, 2, false, 1);
    m = need_metric(c, "d.hist", OC_HISTOGRAM, 1, false, 1);
    cr_assert_eq(m->points[0].count, 2);
    cr_assert_eq(m->points[0].sum, 33);
    m = need_metric(c, "d.observed", OC_SUM, 1, true, 1);
    cr_assert_eq(m->points[0].as_int, 100, "the first delta is the total");

    otelc_counter_add(cnt, 7);
    otelc_updown_counter_add(ud, -1);
    otelc_histogram_record(h, 4);
    g_obs_total = 130;
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert(oc_wait_metric_requests(c, 2, 5000));
    m = need_metric(c, "d.count", OC_SUM, 1, true, 1);
    cr_assert_eq(m->request, 1);
    cr_assert_eq(m->points[0].as_int, 7, "only what was added since");
    cr_assert_eq(m->points[0].start_time, t1,
                 "a delta starts where the previous one ended");
    m = need_metric(c, "d.updown", OC_SUM, 2, false, 1);
    cr_assert_eq(m->points[0].as_int, 4);
    m = need_metric(c, "d.hist", OC_HISTOGRAM, 1, false, 1);
    cr_assert_eq(m->points[0].count, 1);
    cr_assert_eq(m->points[0].sum, 4);
    cr_assert_not(m->points[0].has_min, "delta points carry no min/max");
    m = need_metric(c, "d.observed", OC_SUM, 1, true, 1);
    cr_assert_eq(m->points[0].as_int, 30);
    mpipe_free(&p);
    oc_stop(c);
}

Test(otlp_metrics, delta_temporality_grpc) {
    delta(true);
}
Test(otlp_metrics, delta_temporality_http) {
    delta(false);
}

Test(otlp_metrics, lowmemory_keeps_observable_counters_cumulative) {
    oc_collector *c = start_collector(false, true);
    otelc_otlp_options o = opts_for(c, false);
    o.temporality_preference = "lowmemory";
    mpipe p;
    mpipe_init(&p, &o, 10000);
    otelc_counter *cnt =
        otelc_meter_create_counter(p.m, "l.count", NULL, NULL, NULL);
    otelc_meter_create_observable_counter(p.m, "l.observed", NULL, NULL, NULL,
                                          obs_total, NULL);
    otelc_counter_add(cnt, 1);
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert(oc_wait_metric_requests(c, 1, 5000));
    need_metric(c, "l.count", OC_SUM, 1, true, 1);
    need_metric(c, "l.observed", OC_SUM, 2, true, 1);
    mpipe_free(&p);
    oc_stop(c);
}

Test(otlp_metrics, bad_temporality_preference_is_reported) {
    diag_capture_start();
    otelc_otlp_options o = {0};
    o.endpoint = "http://127.0.0.1:1/v1/metrics";
    o.temporality_preference = "sometimes";
    otelc_metric_exporter *e = otelc_otlp_metric_exporter_new(&o);
    cr_assert_not_null(e);
    cr_assert_eq(diag_count("temporality preference \"sometimes\"",
                            "cumulative is used", NULL),
                 1, "%s", diag_captured());
    cr_assert_eq(e->ops->temporality(e->state, OTELC_INSTRUMENT_COUNTER),
                 OTELC_TEMPORALITY_CUMULATIVE);
    otelc_metric_exporter_free(e);
    diag_capture_stop();
}

/* ---- OTLP JSON -------------------------------------------------------------
 */

Test(otlp_metrics, json_protocol_sends_otlp_json) {
    oc_collector *c = start_collector(false, true);
    otelc_otlp_options o = opts_for(c, false);
    o.protocol = "http/json";
    mpipe p;
    mpipe_init(&p, &o, 10000);
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    otelc_counter *cnt =
        otelc_meter_create_counter(p.m, "j.count", "{x}", "a counter", NULL);
    const double bounds[] = {1, 10};
    otelc_instrument_options ho = {0};
    ho.bucket_boundaries = bounds;
    ho.bucket_boundary_count = 2;
    otelc_histogram *h =
        otelc_meter_create_histogram(p.m, "j.hist", "ms", NULL, &ho);
    otelc_gauge *g = otelc_meter_create_gauge(p.m, "j.gauge", NULL, NULL, NULL);
    otelc_span *s = otelc_span_start(tp.tracer, "json-exemplar", NULL);
    otelc_scope sc = otelc_span_make_current(s);
    otelc_counter_add(cnt, 9, "k", "v\"q");
    otelc_histogram_record(h, 5);
    otelc_scope_end(sc);
    otelc_span_context ctx = otelc_span_get_context(s);
    otelc_span_end(s);
    otelc_histogram_record(h, 0.5);
    otelc_gauge_record(g, -1.5);
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert(oc_wait_requests(c, 1, 5000));
    oc_request rq;
    cr_assert(oc_request_at(c, 0, &rq));
    cr_assert_str_eq(rq.path, "/v1/metrics");
    cr_assert_str_eq(rq.content_type, "application/json");
    cr_assert_not_null(rq.json);
    char path[512], script[512];
    snprintf(path, sizeof path, "%s/metrics.json", test_tmpdir());
    FILE *f = fopen(path, "w");
    fputs(rq.json, f);
    fclose(f);
    snprintf(script, sizeof script, "%s/check_metrics.py", test_tmpdir());
    f = fopen(script, "w");
    fputs("import json,sys\n"
          "d=json.load(open(sys.argv[1]))\n"
          "rm=d['resourceMetrics'][0]\n"
          "res={a['key']:a['value'] for a in rm['resource']['attributes']}\n"
          "sm=rm['scopeMetrics'][0]\n"
          "ms={m['name']:m for m in sm['metrics']}\n"
          "c=ms['j.count']; p=c['sum']['dataPoints'][0]\n"
          "h=ms['j.hist']['histogram']; hp=h['dataPoints'][0]\n"
          "g=ms['j.gauge']['gauge']['dataPoints'][0]\n"
          "print(res['service.name']['stringValue'], sm['scope']['name'],\n"
          "      sm['scope']['version'], c['unit'], c['description'],\n"
          "      c['sum']['isMonotonic'], c['sum']['aggregationTemporality'],\n"
          "      p['asInt'], p['attributes'][0]['value']['stringValue'],\n"
          "      p['exemplars'][0]['traceId'], p['exemplars'][0]['spanId'],\n"
          "      hp['count'], hp['sum'], hp['bucketCounts'],\n"
          "      hp['explicitBounds'], hp['min'], hp['max'],\n"
          "      len(hp['exemplars']), g['asDouble'],\n"
          "      int(p['timeUnixNano']) >= int(p['startTimeUnixNano']))\n",
          f);
    fclose(f);
    const char *args[] = {path, NULL};
    char *out = NULL;
    cr_assert_eq(run_python(script, args, &out), 0, "%s", rq.json);
    char tid[33], sid[17], want[512];
    otelc_trace_id_to_hex(ctx.trace_id, tid);
    otelc_span_id_to_hex(ctx.span_id, sid);
    snprintf(want, sizeof want,
             "otlp-test otlp-metrics-test 4.5.6 {x} a counter True 2 9 v\"q "
             "%s %s 2 5.5 ['1', '1', '0'] [1, 10] 0.5 5 1 -1.5 True\n",
             tid, sid);
    cr_assert_str_eq(out, want);
    free(out);
    mpipe_free(&p);
    pipeline_free(&tp);
    oc_stop(c);
}

/* ---- answers --------------------------------------------------------------
 */

Test(otlp_metrics, partial_success_rejected_data_points_are_counted) {
    diag_capture_start();
    oc_collector *c = start_collector(true, false);
    oc_set_partial(c, 3, "three points were too old");
    otelc_otlp_options o = opts_for(c, true);
    mpipe p;
    mpipe_init(&p, &o, 10000);
    otelc_counter *cnt =
        otelc_meter_create_counter(p.m, "p.c", NULL, NULL, NULL);
    for (int i = 0; i < 4; i++) {
        char v[8];
        snprintf(v, sizeof v, "%d", i);
        otelc_counter_add(cnt, 1, "i", v);
    }
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 10000), OTELC_OK);
    cr_assert(oc_wait_metric_requests(c, 2, 5000));
    otelc_otlp_stats st;
    otelc_otlp_metric_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.requests, 2);
    cr_assert_eq(st.partial_successes, 2);
    cr_assert_eq(st.items_sent, 8);
    cr_assert_eq(st.items_rejected, 6);
    otelc_metric_reader_stats rs;
    otelc_metric_reader_get_stats(p.reader, &rs);
    cr_assert_eq(rs.export_retries, 0, "partial success is not a retry case");
    cr_assert_eq(rs.export_failures, 0);
    cr_assert_eq(diag_count("three points were too old", "data points", NULL),
                 1, "%s", diag_captured());
    /* Not a metric exporter of ours. */
    cr_assert_eq(otelc_otlp_metric_exporter_stats(NULL, &st), OTELC_EINVAL);
    mpipe_free(&p);
    oc_stop(c);
    diag_capture_stop();
}

static void retried(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    oc_fail_next(c, 2, 14 /* UNAVAILABLE */, 503, 0);
    otelc_otlp_options o = opts_for(c, grpc);
    mpipe p;
    mpipe_init(&p, &o, 20000);
    otelc_counter *cnt =
        otelc_meter_create_counter(p.m, "r.c", NULL, NULL, NULL);
    otelc_counter_add(cnt, 11);
    cr_assert_eq(otelc_meter_provider_force_flush(p.mp, 20000), OTELC_OK);
    cr_assert_eq(oc_request_count(c), 3, "two refusals, then accepted");
    const oc_metric *m = oc_find_metric(c, "r.c");
    cr_assert_not_null(m);
    cr_assert_eq(m->points[0].as_int, 11);
    otelc_metric_reader_stats rs;
    otelc_metric_reader_get_stats(p.reader, &rs);
    cr_assert_eq(rs.export_retries, 2);
    cr_assert_eq(rs.dropped, 0);
    otelc_otlp_stats st;
    otelc_otlp_metric_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.failures_retryable, 2);
    cr_assert_eq(st.requests_ok, 1);
    mpipe_free(&p);
    oc_stop(c);
}

Test(otlp_metrics, unavailable_is_retried_grpc) {
    retried(true);
}
Test(otlp_metrics, unavailable_is_retried_http) {
    retried(false);
}

Test(otlp_metrics, permanent_failure_drops_the_collection) {
    oc_collector *c = start_collector(false, true);
    oc_fail_next(c, 1, 0, 400, 0);
    otelc_otlp_options o = opts_for(c, false);
    mpipe p;
    mpipe_init(&p, &o, 20000);
    otelc_counter *cnt =
        otelc_meter_create_counter(p.m, "x.c", NULL, NULL, NULL);
    otelc_counter_add(cnt, 1);
    otelc_meter_provider_force_flush(p.mp, 10000);
    cr_assert_eq(oc_request_count(c), 1, "400 is not retried");
    otelc_metric_reader_stats rs;
    otelc_metric_reader_get_stats(p.reader, &rs);
    cr_assert_eq(rs.dropped, 1);
    cr_assert_eq(rs.export_retries, 0);
    /* Cumulative: the next collection carries the total anyway. */
    otelc_meter_provider_force_flush(p.mp, 10000);
    cr_assert(oc_wait_metric_requests(c, 1, 5000));
    cr_assert_eq(oc_find_metric(c, "x.c")->points[0].as_int, 1);
    mpipe_free(&p);
    oc_stop(c);
}

Test(otlp_metrics, collector_never_answers_shutdown_meets_deadline) {
    oc_collector *c = start_collector(true, false);
    oc_set_blackhole(c, true);
    otelc_otlp_options o = opts_for(c, true);
    mpipe p;
    mpipe_init(&p, &o, 30000);
    otelc_counter *cnt =
        otelc_meter_create_counter(p.m, "b.c", NULL, NULL, NULL);
    otelc_counter_add(cnt, 1);
    double t0 = mono_ms();
    otelc_status st = otelc_meter_provider_shutdown(p.mp, 2000);
    double took = mono_ms() - t0;
    cr_assert_leq(took, 2100.0, "shutdown(2000) took %.0f ms", took);
    cr_assert_geq(oc_request_count(c), 1, "the final export was attempted");
    cr_assert_eq(oc_point_count(c), 0);
    (void)st; /* OK or ETIMEDOUT: both keep the deadline */
    mpipe_free(&p);
    oc_stop(c);
}

/* ---- otelc_init() ----------------------------------------------------------
 */

static void init_with(oc_collector *c, bool grpc, const char *temporality) {
    char ep[96];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d",
             grpc ? oc_grpc_port(c) : oc_http_port(c));
    otelc_options *o = otelc_options_new();
    otelc_options_set_env_file(o, NULL);
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_LOGS_EXPORTER", "none");
    cr_assert_eq(otelc_options_set(o, "OTEL_METRICS_EXPORTER", "otlp"),
                 OTELC_OK);
    otelc_options_set(o, "OTEL_EXPORTER_OTLP_ENDPOINT", ep);
    otelc_options_set(o, "OTEL_EXPORTER_OTLP_PROTOCOL",
                      grpc ? "grpc" : "http/protobuf");
    otelc_options_set(o, "OTEL_SERVICE_NAME", "init-metrics");
    otelc_options_set(o, "OTEL_METRIC_EXPORT_INTERVAL", "3600000");
    if (temporality)
        otelc_options_set(o,
                          "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                          temporality);
    cr_assert_eq(otelc_init(o), OTELC_OK);
}

static void init_metrics(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    init_with(c, grpc, NULL);
    otelc_meter *m = otelc_meter_get(NULL, "init.scope", "1.0");
    otelc_counter *cnt =
        otelc_meter_create_counter(m, "init.requests", NULL, NULL, NULL);
    otelc_counter_add(cnt, 3, "route", "/a");
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    /* The final export at shutdown delivered it. */
    const oc_metric *mt = oc_find_metric(c, "init.requests");
    cr_assert_not_null(mt, "the counter did not arrive");
    cr_assert_eq(mt->type, OC_SUM);
    cr_assert_eq(mt->temporality, 2);
    cr_assert_eq(oc_find_point(mt, "route", "/a")->as_int, 3);
    cr_assert_str_eq(mt->origin->scope_name, "init.scope");
    cr_assert_str_eq(need(mt->origin->resource_attrs,
                          mt->origin->n_resource_attrs, "service.name",
                          OC_STRING)
                         ->s,
                     "init-metrics");
    /* The built-in process metrics came along (OTELC_SYSTEM_METRICS). */
    cr_assert_gt(oc_metric_count(c), 1);
    cr_assert_eq(oc_decode_errors(c), 0);
    oc_request rq;
    cr_assert(oc_request_at(c, 0, &rq));
    cr_assert_str_eq(rq.signal, "metrics");
    if (!grpc)
        cr_assert_str_eq(rq.path, "/v1/metrics");
    oc_stop(c);
}

Test(otlp_metrics, init_with_otel_metrics_exporter_otlp_grpc) {
    init_metrics(true);
}
Test(otlp_metrics, init_with_otel_metrics_exporter_otlp_http) {
    init_metrics(false);
}

Test(otlp_metrics, init_reads_the_temporality_preference) {
    oc_collector *c = start_collector(false, true);
    init_with(c, false, "delta");
    otelc_meter *m = otelc_meter_get(NULL, "init.scope", "1.0");
    otelc_counter *cnt =
        otelc_meter_create_counter(m, "init.delta", NULL, NULL, NULL);
    otelc_counter_add(cnt, 2);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    const oc_metric *mt = oc_find_metric(c, "init.delta");
    cr_assert_not_null(mt);
    cr_assert_eq(mt->temporality, 1);
    oc_stop(c);
}
