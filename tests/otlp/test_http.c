/*
 * tests/otlp/test_http.c - the OTLP/HTTP exporter (libcurl) against the
 * in-repo collector (libmicrohttpd, nanopb decoding) on 127.0.0.1: every
 * span field with and without gzip, headers, keep-alive, the HTTP retry
 * rules (429/502/503/504 with Retry-After in seconds or as a date, other
 * codes permanent), partial success, http/json, a collector that is down.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otlp/otlp_test_util.h"

static otlp_pipe http_pipe(int port, const char *compression,
                           uint32_t export_timeout) {
    otelc_otlp_options o = {0};
    o.protocol = "http/protobuf";
    o.endpoint = http_url(port);
    o.compression = compression;
    otelc_batch_options bo = {0};
    bo.schedule_delay_ms = 50;
    bo.export_timeout_ms = export_timeout;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, &bo);
    return p;
}

static void make_spans(otlp_pipe *p, int n) {
    for (int i = 0; i < n; i++)
        otelc_span_end(otelc_span_start(p->tracer, "r", NULL));
}

static void round_trip(bool gzip) {
    oc_collector *c = start_collector(false, true);
    otlp_pipe p = http_pipe(oc_http_port(c), gzip ? "gzip" : NULL, 0);
    cr_assert_str_eq(otelc_span_exporter_name(p.exporter), "otlp_http");
    otelc_span_context sc = make_full_span(p.tracer, "full");
    cr_assert_eq(otelc_tracer_provider_force_flush(p.provider, 5000), OTELC_OK);
    cr_assert(oc_wait_spans(c, 1, 5000));
    const oc_span *s = oc_find_span(c, "full");
    check_full_span(s, &sc);
    cr_assert_str_eq(s->transport, "http");
    oc_request rq;
    cr_assert(oc_request_at(c, 0, &rq));
    cr_assert_str_eq(rq.path, "/v1/traces");
    cr_assert_str_eq(rq.content_type, "application/x-protobuf");
    cr_assert_eq(rq.compressed, gzip);
    cr_assert_eq(rq.answer, 200);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.requests_ok, 1);
    cr_assert_eq(st.bytes_sent, rq.body_len);
    if (gzip)
        cr_assert_lt(st.bytes_sent, st.bytes_encoded);
    else
        cr_assert_eq(st.bytes_sent, st.bytes_encoded);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, round_trip_every_field) {
    round_trip(false);
}
Test(http, round_trip_every_field_gzip) {
    round_trip(true);
}

Test(http, headers_arrive_and_the_connection_is_kept_alive) {
    oc_collector *c = start_collector(false, true);
    otelc_otlp_options o = {0};
    o.protocol = "http/protobuf";
    o.endpoint = http_url(oc_http_port(c));
    o.headers = "Authorization=Bearer%20s3cr3t,X-Tenant=team-a";
    otelc_batch_options bo = {0};
    bo.schedule_delay_ms = 50;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, &bo);
    for (int i = 0; i < 3; i++) {
        make_spans(&p, 2);
        otelc_tracer_provider_force_flush(p.provider, 5000);
    }
    cr_assert(oc_wait_spans(c, 6, 5000));
    cr_assert_eq(oc_request_count(c), 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_str_eq(oc_request_header(c, i, "authorization"),
                         "Bearer s3cr3t");
        cr_assert_str_eq(oc_request_header(c, i, "x-tenant"), "team-a");
        cr_assert(strstr(oc_request_header(c, i, "user-agent"),
                         "OTel-OTLP-Exporter-C/"));
    }
    /* HTTP/1.1 keep-alive: libcurl did not ask to close. */
    cr_assert_null(strstr(oc_request_header(c, 2, "connection"), "close"));
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, retryable_statuses_are_retried_honouring_retry_after_seconds) {
    oc_collector *c = start_collector(false, true);
    /* 503 then 429, each with Retry-After: 3 (longer than any jittered
     * backoff, so the worker's announced wait shows the header won). */
    oc_fail_next(c, 1, 0, 503, 3000);
    otlp_pipe p = http_pipe(oc_http_port(c), NULL, 20000);
    diag_capture_start();
    make_spans(&p, 4);
    cr_assert(oc_wait_spans(c, 4, 15000));
    cr_assert_eq(oc_request_count(c), 2);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.failures_retryable, 1);
    cr_assert_eq(st.retry_hints, 1);
    cr_assert_eq(diag_count("retry 1 in 3000 ms", NULL), 1, "%s",
                 diag_captured());
    diag_capture_stop();
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, retry_after_as_an_http_date) {
    oc_collector *c = start_collector(false, true);
    oc_retry_after_as_date(c, true);
    oc_fail_next(c, 1, 0, 429, 3000);
    otlp_pipe p = http_pipe(oc_http_port(c), NULL, 20000);
    diag_capture_start();
    make_spans(&p, 2);
    cr_assert(oc_wait_spans(c, 2, 15000));
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.retry_hints, 1);
    /* A date has one-second resolution: the wait is 2 to 3 s. */
    cr_assert_eq(diag_count("retry 1 in 2000 ms", NULL) +
                     diag_count("retry 1 in 3000 ms", NULL),
                 1, "%s", diag_captured());
    diag_capture_stop();
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, every_retryable_status_is_retried) {
    static const int codes[] = {429, 502, 503, 504};
    oc_collector *c = start_collector(false, true);
    otlp_pipe p = http_pipe(oc_http_port(c), NULL, 30000);
    for (size_t i = 0; i < 4; i++) {
        oc_clear(c);
        oc_fail_next(c, 1, 0, codes[i], 0);
        make_spans(&p, 1);
        cr_assert(oc_wait_spans(c, 1, 10000), "HTTP %d was not retried",
                  codes[i]);
        cr_assert_eq(oc_request_count(c), 2);
    }
    otelc_tracer_provider_force_flush(p.provider, 5000);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.export_retries, 4);
    cr_assert_eq(otlp_pipe_dropped(&p), 0);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, other_statuses_are_permanent) {
    static const int codes[] = {400, 401, 403, 404, 413, 500};
    oc_collector *c = start_collector(false, true);
    otlp_pipe p = http_pipe(oc_http_port(c), NULL, 30000);
    for (size_t i = 0; i < 6; i++) {
        oc_fail_next(c, 1, 0, codes[i], 0);
        make_spans(&p, 1);
        otelc_tracer_provider_force_flush(p.provider, 5000);
    }
    cr_assert_eq(oc_request_count(c), 6);
    cr_assert_eq(oc_span_count(c), 0);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.export_retries, 0);
    cr_assert_eq(ps.dropped_export, 6);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.failures_permanent, 6);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, error_status_message_reaches_the_diagnostic) {
    oc_collector *c = start_collector(false, true);
    otlp_pipe p = http_pipe(oc_http_port(c), NULL, 30000);
    diag_capture_start();
    oc_fail_next(c, 1, 0, 400, 0);
    make_spans(&p, 1);
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert_eq(
        diag_count("HTTP 400", "fault injected by the test collector", NULL), 1,
        "%s", diag_captured());
    diag_capture_stop();
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, partial_success_is_counted) {
    oc_collector *c = start_collector(false, true);
    oc_set_partial(c, 1, "one span had no name");
    otlp_pipe p = http_pipe(oc_http_port(c), NULL, 0);
    make_spans(&p, 3);
    otelc_tracer_provider_force_flush(p.provider, 5000);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.dropped_rejected, 1);
    cr_assert_eq(ps.spans_exported, 2);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.partial_successes, 1);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, json_protocol_sends_otlp_json) {
    oc_collector *c = start_collector(false, true);
    oc_set_partial(c, 1, "json partial");
    otelc_otlp_options o = {0};
    o.protocol = "http/json";
    o.endpoint = http_url(oc_http_port(c));
    otlp_pipe p;
    otlp_pipe_init(&p, &o, NULL);
    otelc_span_context sc = make_full_span(p.tracer, "json-span");
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_requests(c, 1, 5000));
    oc_request rq;
    cr_assert(oc_request_at(c, 0, &rq));
    cr_assert_str_eq(rq.content_type, "application/json");
    cr_assert_not_null(rq.json);
    /* Checked with Python's json module, not with our own parser. */
    char path[512];
    snprintf(path, sizeof path, "%s/body.json", test_tmpdir());
    FILE *f = fopen(path, "w");
    fputs(rq.json, f);
    fclose(f);
    char script[600];
    snprintf(script, sizeof script, "%s/check.py", test_tmpdir());
    f = fopen(script, "w");
    fputs("import json,sys\n"
          "d=json.load(open(sys.argv[1]))\n"
          "s=d['resourceSpans'][0]['scopeSpans'][0]['spans'][0]\n"
          "print(s['name'], s['traceId'], s['parentSpanId'], s['kind'],\n"
          "      s['startTimeUnixNano'], s['status']['code'])\n",
          f);
    fclose(f);
    const char *args[] = {path, NULL};
    char *out = NULL;
    cr_assert_eq(run_python(script, args, &out), 0);
    char want[256], tid[33], pid[17];
    otelc_trace_id_to_hex(sc.trace_id, tid);
    otelc_span_id_to_hex(full_remote_span_id, pid);
    snprintf(want, sizeof want, "json-span %s %s 2 %llu 2\n", tid, pid,
             (unsigned long long)FULL_START_NS);
    cr_assert_str_eq(out, want);
    free(out);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.dropped_rejected, 1, "the JSON partial success");
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, collector_never_up_shutdown_meets_deadline_and_counts_drops) {
    enum { N = 40 };
    otlp_pipe p = http_pipe(oc_free_port(), NULL, 30000);
    make_spans(&p, N);
    usleep(300 * 1000);
    double t0 = mono_ms();
    otelc_tracer_provider_shutdown(p.provider, 2000);
    double took = mono_ms() - t0;
    cr_assert_leq(took, 2100.0, "shutdown(2000) took %.0f ms", took);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.spans_exported, 0);
    cr_assert_eq(ps.dropped_export + ps.dropped_shutdown, N);
    otlp_pipe_free(&p);
}

Test(http, collector_never_answers_shutdown_meets_deadline) {
    enum { N = 40 };
    oc_collector *c = start_collector(false, true);
    oc_set_blackhole(c, true);
    otlp_pipe p = http_pipe(oc_http_port(c), NULL, 30000);
    make_spans(&p, N);
    usleep(300 * 1000);
    double t0 = mono_ms();
    otelc_tracer_provider_shutdown(p.provider, 2000);
    double took = mono_ms() - t0;
    cr_assert_leq(took, 2100.0, "shutdown(2000) took %.0f ms", took);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.dropped_export + ps.dropped_shutdown, N);
    cr_assert_geq(oc_request_count(c), 1);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(http, tls_with_a_certificate_made_at_test_time) {
    const char *cert, *key;
    make_tls_cert(&cert, &key);
    oc_options co = {0};
    co.http = true;
    co.tls_cert = cert;
    co.tls_key = key;
    oc_collector *c = oc_start(&co);
    cr_assert_not_null(c);
    char ep[96];
    snprintf(ep, sizeof ep, "https://127.0.0.1:%d/v1/traces", oc_http_port(c));
    otelc_otlp_options o = {0};
    o.protocol = "http/protobuf";
    o.endpoint = ep;
    o.certificate = cert;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, NULL);
    otelc_span_context sc = make_full_span(p.tracer, "https");
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_spans(c, 1, 5000));
    check_full_span(oc_find_span(c, "https"), &sc);
    otlp_pipe_free(&p);

    /* A server certificate nobody vouched for is a permanent failure: the
     * batch is dropped, not retried, and the diagnostic says why. */
    o.certificate = NULL;
    otlp_pipe_init(&p, &o, NULL);
    diag_capture_start();
    make_spans(&p, 2);
    otelc_tracer_provider_force_flush(p.provider, 5000);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.dropped_export, 2);
    cr_assert_eq(ps.export_retries, 0);
    cr_assert_geq(diag_count("certificate", NULL), 1, "%s", diag_captured());
    diag_capture_stop();
    otlp_pipe_free(&p);
    cr_assert_eq(oc_span_count(c), 1);
    oc_stop(c);
}
