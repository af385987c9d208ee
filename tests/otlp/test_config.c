/*
 * tests/otlp/test_config.c - choosing and configuring the OTLP exporter:
 * OTEL_TRACES_EXPORTER=otlp, the protocol variables and their precedence,
 * endpoint rules (generic endpoint + /v1/traces, per-signal endpoint as
 * is), headers and insecure from the environment, and clear diagnostics
 * for settings that cannot work.  Each Criterion test runs in its own
 * process, so setenv() stays local to the test.
 */
#include <stdlib.h>
#include <string.h>

#include "otlp/otlp_test_util.h"
#include "sdk/config_int.h"

static void env(const char *k, const char *v) {
    setenv(k, v, 1);
    otelc__config_reset();
}

static otelc_span_exporter *create(otelc_status *st) {
    otelc_span_exporter *e = otelc_span_exporter_create("otlp", st);
    return e;
}

Test(otlp_config, default_protocol_is_http_protobuf) {
    otelc__config_reset();
    otelc_status st;
    otelc_span_exporter *e = create(&st);
    cr_assert_eq(st, OTELC_OK);
    cr_assert_not_null(e, "otlp is registered: not OTELC_EUNSUPPORTED");
    cr_assert_str_eq(otelc_span_exporter_name(e), "otlp_http");
    otelc_span_exporter_free(e);
}

Test(otlp_config, protocol_variables_and_their_precedence) {
    otelc_status st;
    env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    otelc_span_exporter *e = create(&st);
    cr_assert_str_eq(otelc_span_exporter_name(e), "otlp_grpc");
    otelc_span_exporter_free(e);
    env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf");
    e = create(&st);
    cr_assert_str_eq(otelc_span_exporter_name(e), "otlp_http");
    otelc_span_exporter_free(e);
    env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json");
    e = create(&st);
    cr_assert_str_eq(otelc_span_exporter_name(e), "otlp_http");
    otelc_span_exporter_free(e);
}

static void init_sends_one_span(bool grpc) {
    oc_collector *c = start_collector(grpc, !grpc);
    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d",
             grpc ? oc_grpc_port(c) : oc_http_port(c));
    setenv("OTEL_TRACES_EXPORTER", "otlp", 1);
    setenv("OTEL_EXPORTER_OTLP_PROTOCOL", grpc ? "grpc" : "http/protobuf", 1);
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", ep, 1);
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k1", 1);
    setenv("OTEL_SERVICE_NAME", "init-test", 1);
    cr_assert_eq(otelc_init(NULL), OTELC_OK);
    otelc_tracer *t = otelc_tracer_get(NULL, "cfg", "");
    otelc_span_end(otelc_span_start(t, "via-init", NULL));
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    cr_assert(oc_wait_spans(c, 1, 5000));
    const oc_span *s = oc_find_span(c, "via-init");
    cr_assert_not_null(s);
    cr_assert_str_eq(oc_attr(s->origin->resource_attrs,
                             s->origin->n_resource_attrs, "service.name")
                         ->s,
                     "init-test");
    oc_request rq;
    oc_request_at(c, 0, &rq);
    if (!grpc)
        cr_assert_str_eq(rq.path, "/v1/traces",
                         "the generic endpoint gets /v1/traces");
    cr_assert_str_eq(oc_request_header(c, 0, "x-api-key"), "k1");
    oc_stop(c);
}

Test(otlp_config, otel_traces_exporter_otlp_over_http) {
    init_sends_one_span(false);
}
Test(otlp_config, otel_traces_exporter_otlp_over_grpc) {
    init_sends_one_span(true);
}

Test(otlp_config, per_signal_endpoint_and_headers_are_used_as_is) {
    oc_collector *c = start_collector(false, true);
    char ep[96];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d/custom/traces",
             oc_http_port(c));
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://192.0.2.1:9", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ep, 1);
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "generic=1", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "specific=2", 1);
    otelc__config_reset();
    otlp_pipe p;
    otlp_pipe_init(&p, NULL, NULL);
    otelc_span_end(otelc_span_start(p.tracer, "x", NULL));
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_requests(c, 1, 5000));
    oc_request rq;
    oc_request_at(c, 0, &rq);
    cr_assert_str_eq(rq.path, "/custom/traces");
    cr_assert_str_eq(oc_request_header(c, 0, "specific"), "2");
    cr_assert_str_eq(oc_request_header(c, 0, "generic"), "",
                     "the per-signal list replaces the generic one");
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(otlp_config, insecure_applies_to_a_scheme_less_grpc_endpoint) {
    oc_collector *c = start_collector(true, false);
    char ep[64];
    snprintf(ep, sizeof ep, "127.0.0.1:%d", oc_grpc_port(c));
    env("OTEL_EXPORTER_OTLP_INSECURE", "true");
    otelc_otlp_options o = {0};
    o.protocol = "grpc";
    o.endpoint = ep;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, NULL);
    otelc_span_end(otelc_span_start(p.tracer, "plain", NULL));
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_spans(c, 1, 5000));
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(otlp_config, scheme_less_grpc_endpoint_from_the_environment) {
    oc_collector *c = start_collector(true, false);
    char ep[64];
    snprintf(ep, sizeof ep, "127.0.0.1:%d", oc_grpc_port(c));
    env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    env("OTEL_EXPORTER_OTLP_ENDPOINT", ep);
    env("OTEL_EXPORTER_OTLP_INSECURE", "true");
    otlp_pipe p;
    otlp_pipe_init(&p, NULL, NULL);
    otelc_span_end(otelc_span_start(p.tracer, "from-env", NULL));
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_spans(c, 1, 5000));
    cr_assert_not_null(oc_find_span(c, "from-env"));
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(otlp_config, timeouts_from_the_environment) {
    setenv("OTEL_LOG_LEVEL", "debug", 1); /* the exporter's setup line */
    env("OTEL_EXPORTER_OTLP_TIMEOUT", "7000");
    diag_capture_start();
    otelc_span_exporter *e = otelc_otlp_exporter_new(NULL);
    cr_assert_eq(diag_count("timeout 7000 ms", NULL), 1, "%s", diag_captured());
    otelc_span_exporter_free(e);
    env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1234");
    diag_capture_start();
    e = otelc_otlp_exporter_new(NULL);
    cr_assert_eq(diag_count("timeout 1234 ms", NULL), 1, "%s", diag_captured());
    otelc_span_exporter_free(e);
    diag_capture_stop();
}

/* ---- settings that cannot work
 * ------------------------------------------------------ */

static void bad_endpoint(const char *protocol, const char *ep,
                         const char *why) {
    diag_capture_start();
    otelc_otlp_options o = {0};
    o.protocol = protocol;
    o.endpoint = ep;
    otelc_span_exporter *e = otelc_otlp_exporter_new(&o);
    cr_assert_null(e, "endpoint \"%s\" was accepted", ep);
    cr_assert_eq(diag_count("endpoint", ep, why, NULL), 1,
                 "no clear diagnostic for \"%s\": %s", ep, diag_captured());
    diag_capture_stop();
}

Test(otlp_config, bad_endpoint_strings_give_a_clear_diagnostic) {
    bad_endpoint("http/protobuf", "http://bad host:4318", "spaces");
    bad_endpoint("http/protobuf", "localhost:4318",
                 "not an http:// or https://");
    bad_endpoint("http/protobuf", "ftp://collector:21", "scheme");
    bad_endpoint("grpc", "http://127.0.0.1:99999", "port");
    bad_endpoint("grpc", "http://127.0.0.1:abc", "port");
    bad_endpoint("grpc", "http://:4317", "no host");
    bad_endpoint("grpc", "https://[::1:4317", "IPv6");
}

Test(otlp_config, bad_endpoint_in_the_environment_is_reported_and_replaced) {
    diag_capture_start();
    env("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url");
    otelc_span_exporter *e = otelc_otlp_exporter_new(NULL);
    cr_assert_not_null(e, "the default endpoint is used instead");
    cr_assert_geq(diag_count("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url", NULL),
                  1, "%s", diag_captured());
    otelc_span_exporter_free(e);
    diag_capture_stop();
}

Test(otlp_config, unknown_protocol_and_unreadable_files_are_reported) {
    diag_capture_start();
    otelc_otlp_options o = {0};
    o.protocol = "carrier-pigeon";
    cr_assert_null(otelc_otlp_exporter_new(&o));
    cr_assert_eq(diag_count("protocol", "carrier-pigeon", NULL), 1, "%s",
                 diag_captured());
    o.protocol = "grpc";
    o.endpoint = "https://127.0.0.1:4317";
    o.certificate = "/nonexistent/ca.pem";
    cr_assert_null(otelc_otlp_exporter_new(&o));
    cr_assert_eq(diag_count("certificate", "/nonexistent/ca.pem", NULL), 1,
                 "%s", diag_captured());
    diag_capture_stop();
}

Test(otlp_config, stats_reject_other_exporters) {
    otelc_otlp_stats st;
    otelc_span_exporter *m = otelc_memory_exporter_new(NULL);
    cr_assert_eq(otelc_otlp_exporter_stats(m, &st), OTELC_EINVAL);
    cr_assert_eq(otelc_otlp_exporter_stats(NULL, &st), OTELC_EINVAL);
    otelc_span_exporter_free(m);
}
