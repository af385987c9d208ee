/*
 * tests/jaeger/test_failures.c - a collector that never answers, one that
 * is not there, one that rejects, and endpoints that cannot work: every
 * case ends within its deadline, with the drops counted and a diagnostic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jaeger/jaeger_peer.h"
#include "sdk/config_int.h"
#include "support/test_support.h"

#include <otelc/jaeger.h>

static jaeger_peer g_peer;

static void teardown(void) {
    diag_capture_stop();
    jpeer_stop(&g_peer);
}

static otelc_tracer_provider *pipeline(const otelc_jaeger_options *jo,
                                       const otelc_batch_options *bo,
                                       otelc_span_processor **proc) {
    otelc_tracer_provider *p =
        otelc_tracer_provider_new(NULL, otelc_sampler_always_on());
    otelc_span_exporter *e = otelc_jaeger_exporter_new(jo);
    cr_assert_not_null(e);
    *proc = otelc_batch_span_processor_new(e, bo);
    cr_assert_not_null(*proc);
    cr_assert_eq(otelc_tracer_provider_add_processor(p, *proc), OTELC_OK);
    return p;
}

static void emit(otelc_tracer *t, int n) {
    for (int i = 0; i < n; i++) {
        otelc_span *s = otelc_span_start(t, "f", NULL);
        otelc_span_set_attribute_int(s, "i", i);
        otelc_span_end(s);
    }
}

Test(jaeger_failures, collector_that_never_answers_shutdown_meets_deadline,
     .fini = teardown, .timeout = 60) {
    const char *args[] = {"--hang", NULL};
    jpeer_start(&g_peer, args);
    otelc_options *o = otelc_options_new();
    otelc_options_set_env_file(o, NULL);
    cr_assert_eq(otelc_options_set(o, "OTEL_TRACES_EXPORTER", "jaeger"),
                 OTELC_OK);
    cr_assert_eq(
        otelc_options_set(o, "OTEL_EXPORTER_JAEGER_ENDPOINT", g_peer.url),
        OTELC_OK);
    cr_assert_eq(otelc_options_set(o, "OTEL_BSP_SCHEDULE_DELAY", "50"),
                 OTELC_OK);
    cr_assert_eq(otelc_init(o), OTELC_OK);
    otelc_span_processor *proc =
        otelc_tracer_provider_processor(otelc_tracer_provider_global(), 0);
    cr_assert_not_null(proc);
    cr_assert_str_eq(otelc_span_processor_name(proc), "batch(jaeger)");
    enum { N = 100 };
    emit(otelc_default_tracer(), N);
    /* Wait until the exporter is inside its request, which will never be
     * answered.  (Polling the record file, not jaeger_query.py: a fork()
     * during an export would wait for the export in the fork handler.) */
    for (int i = 0; i < 200 && jpeer_requests_seen(&g_peer) < 1; i++)
        usleep(50000);
    cr_assert_eq(jpeer_requests_seen(&g_peer), 1);
    double t0 = mono_ms();
    otelc_status st = otelc_shutdown(1000);
    double took = mono_ms() - t0;
    cr_assert_leq(took, 1100.0, "shutdown(1000) took %.0f ms", took);
    cr_assert_eq(st, OTELC_ETIMEDOUT);
    /* The retired provider (and so the processor) stays valid. */
    otelc_processor_stats ps;
    otelc_span_processor_stats(proc, &ps);
    cr_assert_eq(ps.spans_received, N);
    cr_assert_eq(ps.spans_exported, 0);
    cr_assert_eq(ps.dropped_shutdown + ps.dropped_export +
                     ps.dropped_queue_full + ps.dropped_rejected,
                 ps.spans_received - ps.spans_exported);
}

Test(jaeger_failures, request_timeout_bounds_each_attempt, .fini = teardown,
     .timeout = 60) {
    const char *args[] = {"--hang", NULL};
    jpeer_start(&g_peer, args);
    diag_capture_start();
    otelc_jaeger_options jo = {.endpoint = g_peer.url, .timeout_ms = 400};
    otelc_batch_options bo = {.schedule_delay_ms = 60000,
                              .export_timeout_ms = 2500};
    otelc_span_processor *proc;
    otelc_tracer_provider *p = pipeline(&jo, &bo, &proc);
    emit(otelc_tracer_get(p, "x", NULL), 5);
    double t0 = mono_ms();
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    double took = mono_ms() - t0;
    otelc_processor_stats ps;
    otelc_span_processor_stats(proc, &ps);
    cr_assert_eq(ps.spans_exported, 0);
    cr_assert_eq(ps.dropped_export, 5);
    cr_assert_geq(ps.export_retries, 1, "timeouts are retried");
    cr_assert_geq(jpeer_requests_seen(&g_peer), 2);
    cr_assert_leq(took, 2500.0 + 500.0, "the export timeout bounds retries");
    cr_assert_geq(diag_count("jaeger exporter: POST", "Timeout", NULL), 1, "%s",
                  diag_captured());
    otelc_tracer_provider_free(p);
}

Test(jaeger_failures, unreachable_collector_is_retried_then_dropped,
     .fini = teardown, .timeout = 60) {
    diag_capture_start();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/traces", closed_port());
    otelc_jaeger_options jo = {.endpoint = url};
    otelc_batch_options bo = {.schedule_delay_ms = 60000,
                              .export_timeout_ms = 2500};
    otelc_span_processor *proc;
    otelc_tracer_provider *p = pipeline(&jo, &bo, &proc);
    emit(otelc_tracer_get(p, "x", NULL), 10);
    double t0 = mono_ms();
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    double took = mono_ms() - t0;
    otelc_processor_stats ps;
    otelc_span_processor_stats(proc, &ps);
    cr_assert_eq(ps.spans_exported, 0);
    cr_assert_eq(ps.dropped_export, 10);
    cr_assert_geq(ps.export_retries, 1, "connection errors are retried");
    cr_assert_leq(took, 2500.0 + 500.0, "the export timeout bounds retries");
    cr_assert_geq(diag_count("jaeger exporter: POST", url, "failed", NULL), 1,
                  "%s", diag_captured());
    cr_assert_geq(diag_count("items dropped", NULL), 1, "%s", diag_captured());
    otelc_tracer_provider_free(p);
}

Test(jaeger_failures, client_errors_are_not_retried, .fini = teardown,
     .timeout = 60) {
    const char *args[] = {"--status", "401", NULL};
    jpeer_start(&g_peer, args);
    diag_capture_start();
    otelc_jaeger_options jo = {
        .endpoint = g_peer.url, .user = "u", .password = "wrong"};
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    otelc_span_processor *proc;
    otelc_tracer_provider *p = pipeline(&jo, &bo, &proc);
    emit(otelc_tracer_get(p, "x", NULL), 7);
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    otelc_processor_stats ps;
    otelc_span_processor_stats(proc, &ps);
    cr_assert_eq(ps.export_calls, 1);
    cr_assert_eq(ps.export_retries, 0);
    cr_assert_eq(ps.dropped_export, 7);
    cr_assert_eq(ps.spans_exported, 0);
    cr_assert_eq(diag_count("answered HTTP 401", "not retried", NULL), 1, "%s",
                 diag_captured());
    otelc_tracer_provider_free(p);
    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "requests"), 1, "%s", sum);
    free(sum);
}

Test(jaeger_failures, bad_endpoints_are_diagnosed, .fini = teardown) {
    diag_capture_start();
    static const struct {
        const char *endpoint;
        const char *why;
    } bad[] = {
        {"localhost:14268/api/traces", "is not usable"},
        {"ftp://collector/api/traces", "http:// or https://"},
        {"http://[::1/api/traces", "is not usable"},
        {"http://127.0.0.1:99999/api/traces", "is not usable"},
        {"http://bad host/api/traces", "is not usable"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        otelc_jaeger_options jo = {.endpoint = bad[i].endpoint};
        cr_assert_null(otelc_jaeger_exporter_new(&jo), "%s", bad[i].endpoint);
        char quoted[128];
        snprintf(quoted, sizeof quoted, "\"%s\"", bad[i].endpoint);
        cr_assert_eq(
            diag_count("jaeger exporter: endpoint", quoted, bad[i].why, NULL),
            1, "%s:\n%s", bad[i].endpoint, diag_captured());
    }

    /* Through the configuration: a value that is not a URL at all is
     * rejected by the loader (default kept); one that passes the loader's
     * check but not libcurl's is rejected when the exporter is created. */
    otelc_options *o = otelc_options_new();
    cr_assert_eq(
        otelc_options_set(o, "OTEL_EXPORTER_JAEGER_ENDPOINT", "not a url"),
        OTELC_ECONFIG);
    cr_assert_geq(
        diag_count("OTEL_EXPORTER_JAEGER_ENDPOINT", "not a url", NULL), 1, "%s",
        diag_captured());
    otelc_options_free(o);

    setenv("OTEL_EXPORTER_JAEGER_ENDPOINT", "http://127.0.0.1:70000/api/traces",
           1);
    otelc__config_reset();
    /* The configuration loader rejects the port first and falls back to
     * the default endpoint, with one diagnostic naming both. */
    otelc_status st = OTELC_OK;
    otelc_span_exporter *e = otelc_span_exporter_create("jaeger", &st);
    cr_assert_not_null(e);
    cr_assert_eq(st, OTELC_OK);
    cr_assert_eq(diag_count("OTEL_EXPORTER_JAEGER_ENDPOINT="
                            "\"http://127.0.0.1:70000/api/traces\"",
                            "not a number in 1..65535",
                            "http://localhost:14268/api/traces", NULL),
                 1, "%s", diag_captured());
    otelc_span_exporter_free(e);
    unsetenv("OTEL_EXPORTER_JAEGER_ENDPOINT");
    otelc__config_reset();
}
