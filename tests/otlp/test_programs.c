/*
 * tests/otlp/test_programs.c - the shipped programs export over OTLP:
 * otelc-telemetrygen --exporter otlp (both transports), with its metrics
 * and logs too (OTEL_METRICS_EXPORTER=otlp, OTEL_LOGS_EXPORTER=otlp:
 * every log record and exemplar points at a span that arrived), and the
 * quickstart example, which adds OTLP to its file output when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.  They run as child processes
 * (tests/tools/tool_run.c) against the in-repo collector.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/otlp_test_util.h"
#include "tools/tool_run.h"

static void telemetrygen(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    char ep[96], proto[64];
    snprintf(ep, sizeof ep, "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:%d",
             grpc ? oc_grpc_port(c) : oc_http_port(c));
    snprintf(proto, sizeof proto, "OTEL_EXPORTER_OTLP_PROTOCOL=%s",
             grpc ? "grpc" : "http/protobuf");
    char *bin = tool_path("otelc-telemetrygen");
    const char *argv[] = {bin, "--traces",   "100",  "--depth",
                          "3", "--exporter", "otlp", NULL};
    const char *env[] = {ep, proto, NULL};
    tool_result r = tool_run(argv, env, NULL);
    cr_assert_eq(r.status, 0, "telemetrygen failed: %s", r.err);
    cr_assert(oc_wait_spans(c, 300, 5000), "%zu of 300 spans arrived: %s",
              oc_span_count(c), r.out);
    cr_assert_eq(oc_span_count(c), 300);
    cr_assert_eq(field_after(r.out, "spans exported:"), 300, "%s", r.out);
    cr_assert_eq(oc_decode_errors(c), 0);
    tool_result_free(&r);
    free(bin);
    oc_stop(c);
}

Test(otlp_programs, telemetrygen_exporter_otlp_over_http) {
    telemetrygen(false);
}
Test(otlp_programs, telemetrygen_exporter_otlp_over_grpc) {
    telemetrygen(true);
}

Test(otlp_programs, quickstart_exports_to_the_otlp_endpoint_too) {
    oc_collector *c = start_collector(false, true);
    char ep[96];
    snprintf(ep, sizeof ep, "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:%d",
             oc_http_port(c));
    char bin[512];
    snprintf(bin, sizeof bin, "%s/examples/quickstart/quickstart",
             OTELC_BUILD_DIR);
    const char *argv[] = {bin, NULL};
    const char *env[] = {ep, NULL};
    const char *dir = test_tmpdir();
    tool_result r = tool_run(argv, env, dir);
    cr_assert_eq(r.status, 0, "quickstart failed: %s", r.err);
    /* The file output still has every span; the collector got the same. */
    char path[600], script[600];
    snprintf(path, sizeof path, "%s/otelc-demo/traces.jsonl", dir);
    snprintf(script, sizeof script, "%s/count.py", dir);
    write_file(script, "import json,sys\n"
                       "n=0\n"
                       "for line in open(sys.argv[1]):\n"
                       "  for rs in json.loads(line)['resourceSpans']:\n"
                       "    for ss in rs['scopeSpans']:\n"
                       "      n+=len(ss['spans'])\n"
                       "print(n)\n");
    const char *args[] = {path, NULL};
    char *out = NULL;
    cr_assert_eq(run_python(script, args, &out), 0);
    long in_file = atol(out);
    free(out);
    cr_assert_gt(in_file, 0);
    cr_assert(oc_wait_spans(c, (size_t)in_file, 5000));
    cr_assert_eq(oc_span_count(c), (size_t)in_file);
    const oc_span *s = oc_span_at(c, 0);
    cr_assert_str_eq(oc_attr(s->origin->resource_attrs,
                             s->origin->n_resource_attrs, "service.name")
                         ->s,
                     "quickstart");
    tool_result_free(&r);
    oc_stop(c);
}

/* All three signals from one program: otelc-telemetrygen --logs --metrics
 * with OTEL_METRICS_EXPORTER=otlp and OTEL_LOGS_EXPORTER=otlp.  Every log
 * record and every exemplar must point at a span that arrived. */
static bool span_known(oc_collector *c, const uint8_t *tid,
                       const uint8_t *sid) {
    for (size_t i = 0; i < oc_span_count(c); i++) {
        const oc_span *s = oc_span_at(c, i);
        if (!memcmp(s->trace_id, tid, 16) && !memcmp(s->span_id, sid, 8))
            return true;
    }
    return false;
}

static void telemetrygen_all_signals(bool grpc) {
    enum { TRACES = 20, DEPTH = 2, SPANS = TRACES * DEPTH };
    oc_collector *c = start_collector(grpc, !grpc);
    char ep[96], proto[64], port[64];
    snprintf(ep, sizeof ep, "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:%d",
             grpc ? oc_grpc_port(c) : oc_http_port(c));
    snprintf(proto, sizeof proto, "OTEL_EXPORTER_OTLP_PROTOCOL=%s",
             grpc ? "grpc" : "http/protobuf");
    snprintf(port, sizeof port, "METRICS_PORT=%d", oc_free_port());
    char *bin = tool_path("otelc-telemetrygen");
    const char *argv[] = {bin,         "--traces",   "20",   "--depth",
                          "2",         "--exporter", "otlp", "--logs",
                          "--metrics", NULL};
    const char *env[] = {ep,
                         proto,
                         port,
                         "OTEL_METRICS_EXPORTER=otlp",
                         "OTEL_LOGS_EXPORTER=otlp",
                         "ENABLE_CONSOLE_LOGGING=false",
                         NULL};
    tool_result r = tool_run(argv, env, NULL);
    cr_assert_eq(r.status, 0, "telemetrygen failed: %s", r.err);
    cr_assert(oc_wait_spans(c, SPANS, 5000));
    cr_assert(oc_wait_logs(c, SPANS, 5000), "%zu of %d log records",
              oc_log_count(c), SPANS);
    cr_assert_eq(oc_log_count(c), SPANS);
    for (size_t i = 0; i < SPANS; i++) {
        const oc_log *l = oc_log_at(c, i);
        cr_assert_str_eq(l->body.s, "telemetrygen span");
        cr_assert(l->trace_id_len == 16 && l->span_id_len == 8);
        cr_assert(span_known(c, l->trace_id, l->span_id),
                  "log record %zu points at no span that arrived", i);
    }
    const oc_metric *m = oc_find_metric(c, "tg.spans");
    cr_assert_not_null(m, "the counter did not arrive: %s", r.out);
    int64_t total = 0;
    for (size_t i = 0; i < m->n_points; i++)
        total += m->points[i].as_int;
    cr_assert_eq(total, SPANS);
    m = oc_find_metric(c, "tg.span.duration");
    cr_assert_not_null(m);
    cr_assert_eq(m->type, OC_HISTOGRAM);
    uint64_t count = 0;
    size_t exemplars = 0;
    for (size_t i = 0; i < m->n_points; i++) {
        count += m->points[i].count;
        for (size_t e = 0; e < m->points[i].n_exemplars; e++) {
            const oc_exemplar *x = &m->points[i].exemplars[e];
            cr_assert(span_known(c, x->trace_id, x->span_id),
                      "an exemplar points at no span that arrived");
            exemplars++;
        }
    }
    cr_assert_eq(count, SPANS);
    cr_assert_gt(exemplars, 0);
    cr_assert_eq(oc_decode_errors(c), 0);
    tool_result_free(&r);
    free(bin);
    oc_stop(c);
}

Test(otlp_programs, telemetrygen_traces_metrics_and_logs_over_http) {
    telemetrygen_all_signals(false);
}
Test(otlp_programs, telemetrygen_traces_metrics_and_logs_over_grpc) {
    telemetrygen_all_signals(true);
}
