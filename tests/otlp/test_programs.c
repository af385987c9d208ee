/*
 * tests/otlp/test_programs.c - the shipped programs export over OTLP:
 * otelc-telemetrygen --exporter otlp (both transports) and the quickstart
 * example, which adds OTLP to its file output when
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
