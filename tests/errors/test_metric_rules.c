/*
 * tests/errors/test_metric_rules.c - the parts of error tracking, alerts
 * and slow-operation detection that live on the metrics SDK:
 * otelc_errors_total and the slow-operation counters as Prometheus sees
 * them (a real scrape of /metrics checked by promtool and
 * prometheus_client, tests/metrics/check_prom.py), the report's
 * percentiles from the duration histograms, alert rules over metric series
 * (value, increase, rate, average; label matchers; OTel and Prometheus
 * names) driven with explicit evaluation times, and the built-in CPU and
 * error-rate rules.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors/errors_util.h"
#include "metrics/http_get.h"

#define S(sec) ((otelc_time_ns)(sec)*1000000000ull)
#define T0 S(1700000000)

static void fini(void) {
    otelc_shutdown(5000);
}

/* ---- what Prometheus sees
 * ------------------------------------------------------ */

static char *scrape_checked(unsigned port) {
    http_resp r = http_get(port, "/metrics", NULL, NULL);
    cr_assert(r.ok && r.status == 200, "%s", r.err);
    char path[] = "/tmp/otelc-errors-scrape-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, r.body, r.len), (ssize_t)r.len);
    close(fd);
    char ts[32];
    snprintf(ts, sizeof ts, "%llu",
             (unsigned long long)(otelc_now_ns() / 1000000000u));
    const char *args[] = {path, "text", "--time", ts, NULL};
    char *out = NULL;
    int rc = run_python(OTELC_TESTS_DIR "/metrics/check_prom.py", args, &out);
    unlink(path);
    cr_assert_eq(rc, 0, "check_prom.py failed:\n%s\n--- body ---\n%s", out,
                 r.body);
    http_free(&r);
    return out;
}

Test(metric_rules, counters_as_prometheus_scrapes_them, .fini = fini,
     .timeout = 60) {
    unsigned port = (unsigned)free_port(SOCK_STREAM);
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    test_otelc t;
    const char *kv[] = {"OTEL_METRICS_EXPORTER",
                        "prometheus",
                        "OTEL_EXPORTER_PROMETHEUS_HOST",
                        "127.0.0.1",
                        "METRICS_PORT",
                        ps,
                        "OTELC_SLOW_QUERY_THRESHOLD_MS",
                        "100",
                        NULL};
    errors_init(&t, kv);
    otelc_error_capture("PaymentError", "declined");
    otelc_error_capture("PaymentError", "declined again");
    otelc_error_capture("Timeout", "upstream");
    otelc_perf_record_query("postgresql", "SELECT 1", 250000000u); /* slow */
    otelc_perf_record_query("postgresql", "SELECT 2", 2000000u);
    otelc_perf_record_request("GET", "/orders/{id}", 200, 3000000000u);
    char *out = scrape_checked(port);
    const char *need[] = {
        "FAMILY otelc_errors counter -",
        "SAMPLE otelc_errors_total {error_type=PaymentError,otel_scope_name="
        "otelc.errors,otel_scope_version=0.1.0} 2.0",
        "SAMPLE otelc_errors_total {error_type=Timeout,otel_scope_name="
        "otelc.errors,otel_scope_version=0.1.0} 1.0",
        "SAMPLE otelc_slow_queries_total {db_system=postgresql,otel_scope_name="
        "otelc.perf,otel_scope_version=0.1.0} 1.0",
        "SAMPLE otelc_slow_requests_total {http_request_method=GET,http_route="
        "/orders/{id},otel_scope_name=otelc.perf,otel_scope_version=0.1.0} 1.0",
        "SAMPLE db_client_operation_duration_seconds_count {db_system="
        "postgresql,otel_scope_name=otelc.perf,otel_scope_version=0.1.0} 2.0",
    };
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        cr_assert_not_null(strstr(out, need[i]), "missing %s in\n%s", need[i],
                           out);
    free(out);
}

/* ---- the report
 * -------------------------------------------------------------- */

Test(metric_rules, report_percentiles_from_the_histograms, .fini = fini) {
    test_otelc t;
    const char *kv[] = {"OTELC_SLOW_QUERY_THRESHOLD_MS", "500", NULL};
    errors_init(&t, kv);
    otelc_perf_report r;
    otelc_perf_get_report(&r);
    cr_assert(isnan(r.query_p50_ms) && isnan(r.request_p99_ms),
              "percentiles without data");
    for (int i = 0; i < 90; i++)
        otelc_perf_record_query("mysql", "SELECT 1", 2000000u); /* 2 ms */
    for (int i = 0; i < 10; i++)
        otelc_perf_record_query("mysql", "SELECT 2", 700000000u); /* 700 ms */
    for (int i = 0; i < 100; i++)
        otelc_http_server_request_record("GET", "/", 200, i < 50 ? 0.03 : 0.3);
    otelc_perf_get_report(&r);
    cr_assert_eq(r.queries, 100);
    cr_assert_eq(r.slow_queries, 10);
    /* 2 ms queries lie in the (1 ms, 5 ms] bucket, the 700 ms ones in
     * (500 ms, 1 s], capped by the maximum seen. */
    cr_assert(r.query_p50_ms >= 1.0 && r.query_p50_ms <= 5.0, "p50 %g",
              r.query_p50_ms);
    cr_assert(r.query_p95_ms > 500.0 && r.query_p95_ms <= 700.0, "p95 %g",
              r.query_p95_ms);
    cr_assert(r.query_p99_ms >= r.query_p95_ms && r.query_p99_ms <= 700.0,
              "p99 %g", r.query_p99_ms);
    /* Requests: half at 30 ms ((25, 50] ms), half at 300 ms ((250, 500]). */
    cr_assert(r.request_p50_ms > 25.0 && r.request_p50_ms <= 50.0, "p50 %g",
              r.request_p50_ms);
    cr_assert(r.request_p95_ms > 250.0 && r.request_p95_ms <= 300.0, "p95 %g",
              r.request_p95_ms);
    cr_assert(r.request_p99_ms >= r.request_p95_ms);
}

/* ---- rules over metric series
 * --------------------------------------------------- */

typedef struct got {
    char rule[64];
    otelc_alert_state state;
    double value;
    char summary[128];
} got;

typedef struct memch {
    pthread_mutex_t lock;
    got g[64];
    int n;
} memch;

static otelc_export_result mem_send(void *st, const otelc_alert_notification *n,
                                    otelc_export_context *ctx, char *why,
                                    size_t cap) {
    (void)ctx;
    (void)why;
    (void)cap;
    memch *m = st;
    pthread_mutex_lock(&m->lock);
    if (m->n < 64) {
        got *g = &m->g[m->n++];
        snprintf(g->rule, sizeof g->rule, "%s", n->rule);
        snprintf(g->summary, sizeof g->summary, "%s", n->summary);
        g->state = n->state;
        g->value = n->value;
    }
    pthread_mutex_unlock(&m->lock);
    return OTELC_EXPORT_SUCCESS;
}

static void mem_free(void *st) {
    free(st);
}

static const otelc_alert_channel_ops mem_ops = {"memory", mem_send, mem_free};

static otelc_alert_manager *manager(memch **mc) {
    otelc_alert_manager_options o = {.evaluation_interval_ms = 3600000,
                                     .repeat_interval_ms = 3600000};
    otelc_alert_manager *m = otelc_alert_manager_new(&o);
    *mc = calloc(1, sizeof **mc);
    pthread_mutex_init(&(*mc)->lock, NULL);
    otelc_alert_manager_add_channel(m, otelc_alert_channel_new(&mem_ops, *mc));
    return m;
}

static otelc_alert_rule_status status_of(otelc_alert_manager *m,
                                         const char *name) {
    otelc_alert_rule_status st;
    cr_assert_eq(otelc_alert_manager_rule_status(m, name, &st), OTELC_OK, "%s",
                 name);
    return st;
}

static void eval(otelc_alert_manager *m, otelc_time_ns t) {
    cr_assert_eq(otelc_alert_manager_evaluate(m, t), OTELC_OK);
    cr_assert_eq(otelc_alert_manager_flush(m, 5000), OTELC_OK);
}

Test(metric_rules, value_increase_rate_and_average, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    memch *mc;
    otelc_alert_manager *m = manager(&mc);
    otelc_meter *meter = otelc_meter_get(NULL, "rules-test", NULL);
    otelc_gauge *depth =
        otelc_meter_create_gauge(meter, "test.queue.depth", "{item}", "", NULL);
    otelc_counter *jobs =
        otelc_meter_create_counter(meter, "test.jobs", "{job}", "", NULL);
    otelc_histogram *lat =
        otelc_meter_create_histogram(meter, "test.latency", "s", "", NULL);

    otelc_alert_rule rules[] = {
        {.name = "timeouts",
         .metric = "otelc_errors_total{error_type=\"Timeout\"}",
         .fn = OTELC_ALERT_FN_INCREASE,
         .threshold = 2},
        {.name = "other_errors",
         .metric = "otelc.errors { error_type != \"Timeout\" }",
         .fn = OTELC_ALERT_FN_VALUE,
         .threshold = 4},
        {.name = "backlog",
         .metric = "test.queue.depth{queue=\"mail\"}",
         .threshold = 10,
         .for_ms = 60000},
        {.name = "job_rate",
         .metric = "test_jobs_total",
         .fn = OTELC_ALERT_FN_RATE,
         .op = OTELC_ALERT_GE,
         .threshold = 10},
        {.name = "latency",
         .metric = "test_latency_seconds",
         .fn = OTELC_ALERT_FN_AVERAGE,
         .threshold = 0.25},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        cr_assert_eq(otelc_alert_manager_add_rule(m, &rules[i]), OTELC_OK, "%s",
                     rules[i].name);

    otelc_gauge_record(depth, 50, "queue", "mail");
    otelc_gauge_record(depth, 500, "queue", "sms"); /* not selected */
    eval(m, T0);
    /* First evaluation: increases, rates and averages need a second. */
    cr_assert_not(status_of(m, "timeouts").has_value);
    cr_assert_not(status_of(m, "job_rate").has_value);
    cr_assert_eq(status_of(m, "backlog").state, OTELC_ALERT_PENDING);
    cr_assert_eq(status_of(m, "backlog").value, 50);

    for (int i = 0; i < 3; i++)
        otelc_error_capture("Timeout", "slow upstream");
    for (int i = 0; i < 5; i++)
        otelc_error_capture("ParseError", "bad input");
    otelc_counter_add(jobs, 100);
    otelc_histogram_record(lat, 0.2);
    otelc_histogram_record(lat, 0.4);
    eval(m, T0 + S(10));
    otelc_alert_rule_status st = status_of(m, "timeouts");
    cr_assert_eq(st.state, OTELC_ALERT_FIRING);
    cr_assert_eq(st.value, 3);
    st = status_of(m, "other_errors");
    cr_assert_eq(st.state, OTELC_ALERT_FIRING);
    cr_assert_eq(st.value, 5);
    st = status_of(m, "job_rate");
    cr_assert_eq(st.state, OTELC_ALERT_FIRING);
    cr_assert_eq(st.value, 10);
    st = status_of(m, "latency");
    cr_assert_eq(st.state, OTELC_ALERT_FIRING);
    cr_assert(fabs(st.value - 0.3) < 1e-9, "%g", st.value);
    /* The gauge has held for 10 s of its 60. */
    cr_assert_eq(status_of(m, "backlog").state, OTELC_ALERT_PENDING);

    /* Nothing new: increases drop to 0, rate and average have no
     * observations; the gauge has now held for 60 s. */
    eval(m, T0 + S(60));
    cr_assert_eq(status_of(m, "timeouts").state, OTELC_ALERT_RESOLVED);
    cr_assert_eq(status_of(m, "job_rate").state, OTELC_ALERT_RESOLVED);
    cr_assert_eq(status_of(m, "latency").state, OTELC_ALERT_RESOLVED);
    cr_assert_eq(status_of(m, "other_errors").state, OTELC_ALERT_FIRING);
    cr_assert_eq(status_of(m, "backlog").state, OTELC_ALERT_FIRING);
    /* Notifications: 4 firing at +10 s, then 3 resolved and the backlog. */
    cr_assert_eq(mc->n, 8, "%d notifications", mc->n);
    otelc_alert_manager_free(m);
}

static bool never(void *arg, otelc_time_ns now, double *v) {
    (void)arg;
    (void)now;
    (void)v;
    return false;
}

Test(metric_rules, malformed_selectors_are_diagnosed, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    memch *mc;
    otelc_alert_manager *m = manager(&mc);
    diag_capture_start();
    static const char *const bad[] = {
        "",           "{a=\"b\"}",          "x{a=b}", "x{a=\"b\"",
        "x{a~\"b\"}", "x{a=\"b\" b=\"c\"}", "x y",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otelc_alert_rule r = {.name = "bad", .metric = bad[i]};
        cr_assert_eq(otelc_alert_manager_add_rule(m, &r), OTELC_EPARSE, "%s",
                     bad[i]);
    }
    cr_assert_eq(diag_count("alert rule \"bad\"", "malformed metric selector",
                            "at offset", NULL),
                 (int)(sizeof bad / sizeof *bad), "%s", diag_captured());
    otelc_alert_rule both = {.name = "both", .metric = "x", .value_fn = never};
    cr_assert_eq(otelc_alert_manager_add_rule(m, &both), OTELC_EINVAL);
    diag_capture_stop();
    otelc_alert_manager_free(m);
}

/* ---- the built-in rules
 * --------------------------------------------------------- */

Test(metric_rules, builtin_error_rate, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    memch *mc;
    otelc_alert_manager *m = manager(&mc);
    cr_assert_eq(otelc_alert_add_error_rate_rule(m, 0, 0), OTELC_OK);
    eval(m, T0);
    for (int i = 0; i < 20; i++)
        otelc_http_server_request_record("GET", "/pay", i < 2 ? 500 : 200,
                                         0.01);
    otelc_error_capture("PaymentError", "a");
    otelc_error_capture("PaymentError", "b");
    eval(m, T0 + S(15));
    otelc_alert_rule_status st = status_of(m, "error_rate");
    cr_assert_eq(st.state, OTELC_ALERT_PENDING);
    cr_assert(fabs(st.value - 0.1) < 1e-9, "%g", st.value);
    /* Held for a minute: firing. */
    for (int s = 30; s <= 75; s += 15) {
        for (int i = 0; i < 20; i++)
            otelc_http_server_request_record("GET", "/pay", 200, 0.01);
        otelc_error_capture("PaymentError", "c");
        otelc_error_capture("PaymentError", "d");
        eval(m, T0 + S(s));
        cr_assert_eq(status_of(m, "error_rate").state,
                     s < 75 ? OTELC_ALERT_PENDING : OTELC_ALERT_FIRING,
                     "at +%d s", s);
    }
    cr_assert_eq(mc->n, 1);
    cr_assert_str_eq(mc->g[0].summary,
                     "error rate over 5% of requests for 1 min");
    cr_assert(fabs(mc->g[0].value - 0.1) < 1e-9, "%g", mc->g[0].value);
    /* Requests without errors: resolved.  No requests at all: no value. */
    for (int i = 0; i < 20; i++)
        otelc_http_server_request_record("GET", "/pay", 200, 0.01);
    eval(m, T0 + S(90));
    cr_assert_eq(status_of(m, "error_rate").state, OTELC_ALERT_RESOLVED);
    eval(m, T0 + S(105));
    cr_assert_not(status_of(m, "error_rate").has_value);
    otelc_alert_manager_free(m);
}

static void burn_cpu(int ms) {
    double end = mono_ms() + ms;
    volatile unsigned long x = 0;
    while (mono_ms() < end)
        for (int i = 0; i < 10000; i++)
            x += (unsigned long)i;
}

Test(metric_rules, builtin_cpu, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    memch *mc;
    otelc_alert_manager *m = manager(&mc);
    /* A threshold any busy second exceeds, and a for-duration of 1 ms. */
    cr_assert_eq(otelc_alert_add_cpu_rule(m, 0.0001, 1), OTELC_OK);
    cr_assert_eq(otelc_alert_add_cpu_rule(m, 0, 0), OTELC_EEXIST);
    burn_cpu(200);
    eval(m, T0);
    otelc_alert_rule_status st = status_of(m, "cpu_usage");
    cr_assert(st.has_value && st.value > 0 && st.value <= 100, "%g", st.value);
    cr_assert_eq(st.state, OTELC_ALERT_PENDING);
    burn_cpu(200);
    eval(m, T0 + S(1));
    cr_assert_eq(status_of(m, "cpu_usage").state, OTELC_ALERT_FIRING);
    cr_assert_eq(mc->n, 1);
    cr_assert_str_eq(mc->g[0].summary, "CPU usage over 0.0001% for 1 ms");
    otelc_alert_manager_free(m);
}

Test(metric_rules, builtin_rules_from_configuration, .fini = fini) {
    test_otelc t;
    const char *kv[] = {"OTELC_ALERT_RULES", "cpu,error_rate", NULL};
    errors_init(&t, kv);
    otelc_alert_rule_status st;
    cr_assert_eq(otelc_alert_manager_rule_status(NULL, "cpu_usage", &st),
                 OTELC_OK);
    cr_assert_eq(otelc_alert_manager_rule_status(NULL, "error_rate", &st),
                 OTELC_OK);
    cr_assert_eq(st.state, OTELC_ALERT_INACTIVE);
}

Test(metric_rules, global_worker_evaluates_metric_rules, .fini = fini,
     .timeout = 30) {
    test_otelc t;
    const char *kv[] = {"OTELC_ALERT_EVALUATION_INTERVAL", "20", NULL};
    errors_init(&t, kv);
    otelc_alert_rule r = {.name = "any_error",
                          .metric = "otelc_errors_total",
                          .threshold = 0,
                          .summary = "an error was captured"};
    cr_assert_eq(otelc_alert_manager_add_rule(NULL, &r), OTELC_OK);
    otelc_error_capture("Boom", "first error");
    /* The global manager's worker collects and fires; its log channel
     * writes the notification. */
    const otelc_log_record_data *rec = NULL;
    double end = mono_ms() + 10000;
    while (!rec && mono_ms() < end) {
        otelc_alert_manager_flush(NULL, 1000);
        rec = find_log(&t, "alert firing: an error was captured");
        if (!rec)
            usleep(20000);
    }
    cr_assert_not_null(rec, "the worker never fired the metric rule");
    const otelc_value *v = rec_attr(rec, "alert.value");
    cr_assert(v && v->type == OTELC_VALUE_DOUBLE && v->u.d == 1.0);
}
