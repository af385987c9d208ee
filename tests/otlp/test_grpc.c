/*
 * tests/otlp/test_grpc.c - the OTLP/gRPC exporter against the in-repo
 * collector (gRPC C core server, nanopb decoding) on 127.0.0.1: every span
 * field, gzip, headers, volume, the retry rules of the OTLP specification,
 * partial success, a collector that is down, TLS.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otlp/otlp_test_util.h"

static void round_trip(bool gzip) {
    oc_collector *c = start_collector(true, false);
    otelc_otlp_options o = {0};
    o.protocol = "grpc";
    o.endpoint = grpc_url(oc_grpc_port(c));
    o.compression = gzip ? "gzip" : "none";
    otlp_pipe p;
    otlp_pipe_init(&p, &o, NULL);
    cr_assert_str_eq(otelc_span_exporter_name(p.exporter), "otlp_grpc");
    otelc_span_context sc = make_full_span(p.tracer, "full");
    cr_assert_eq(otelc_tracer_provider_force_flush(p.provider, 5000), OTELC_OK);
    cr_assert(oc_wait_spans(c, 1, 5000));
    cr_assert_eq(oc_span_count(c), 1);
    const oc_span *s = oc_find_span(c, "full");
    check_full_span(s, &sc);
    cr_assert_str_eq(s->transport, "grpc");
    oc_request rq;
    cr_assert(oc_request_at(c, 0, &rq));
    cr_assert_eq(rq.compressed, gzip, "the request was%s compressed",
                 rq.compressed ? "" : " not");
    cr_assert_eq(oc_decode_errors(c), 0);
    otelc_otlp_stats st;
    cr_assert_eq(otelc_otlp_exporter_stats(p.exporter, &st), OTELC_OK);
    cr_assert_eq(st.requests, 1);
    cr_assert_eq(st.requests_ok, 1);
    cr_assert_eq(st.items_sent, 1);
    cr_assert_gt(st.bytes_encoded, 100);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(grpc, round_trip_every_field) {
    round_trip(false);
}
Test(grpc, round_trip_every_field_gzip) {
    round_trip(true);
}

Test(grpc, headers_and_user_agent_arrive) {
    oc_collector *c = start_collector(true, false);
    otelc_otlp_options o = {0};
    o.protocol = "grpc";
    o.endpoint = grpc_url(oc_grpc_port(c));
    o.headers = "Authorization=Bearer%20s3cr3t,x-tenant=team-a";
    otlp_pipe p;
    otlp_pipe_init(&p, &o, NULL);
    otelc_span_end(otelc_span_start(p.tracer, "h", NULL));
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_spans(c, 1, 5000));
    cr_assert_str_eq(oc_request_header(c, 0, "authorization"), "Bearer s3cr3t");
    cr_assert_str_eq(oc_request_header(c, 0, "x-tenant"), "team-a");
    cr_assert(
        strstr(oc_request_header(c, 0, "user-agent"), "OTel-OTLP-Exporter-C/"));
    otlp_pipe_free(&p);
    oc_stop(c);
}

static int cmp_id(const void *a, const void *b) {
    return memcmp(a, b, 8);
}

Test(grpc, hundred_thousand_spans_arrive_exactly_once) {
    enum { N = 100000 };
    oc_collector *c = start_collector(true, false);
    otelc_otlp_options o = {0};
    o.protocol = "grpc";
    o.endpoint = grpc_url(oc_grpc_port(c));
    otelc_batch_options bo = {0};
    bo.max_queue_size = 131072; /* one producer: the whole run fits */
    bo.max_export_batch_size = 512;
    bo.schedule_delay_ms = 50;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, &bo);
    otelc_attribute a[] = {OTELC_ATTR_STR("k", "v"), OTELC_ATTR_INT("n", 1)};
    for (int i = 0; i < N; i++) {
        otelc_span *s = otelc_span_start(p.tracer, "bulk", NULL);
        otelc_span_set_attributes(s, a, 2);
        otelc_span_end(s);
    }
    cr_assert_eq(otelc_tracer_provider_force_flush(p.provider, 30000),
                 OTELC_OK);
    cr_assert(oc_wait_spans(c, N, 30000), "only %zu of %d spans arrived",
              oc_span_count(c), N);
    cr_assert_eq(oc_span_count(c), N);
    uint8_t(*ids)[8] = malloc((size_t)N * 8);
    for (size_t i = 0; i < N; i++)
        memcpy(ids[i], oc_span_at(c, i)->span_id, 8);
    qsort(ids, N, 8, cmp_id);
    for (size_t i = 1; i < N; i++)
        cr_assert_neq(memcmp(ids[i - 1], ids[i], 8), 0, "a span arrived twice");
    free(ids);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.spans_exported, N);
    cr_assert_eq(otlp_pipe_dropped(&p), 0);
    cr_assert_eq(ps.export_retries, 0);
    cr_assert_eq(oc_decode_errors(c), 0);
    otlp_pipe_free(&p);
    oc_stop(c);
}

/* ---- retries
 * ---------------------------------------------------------------------- */

static otlp_pipe pipe_to(oc_collector *c, int port, uint32_t export_timeout) {
    (void)c;
    otelc_otlp_options o = {0};
    o.protocol = "grpc";
    o.endpoint = grpc_url(port);
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

Test(grpc, unavailable_is_retried_until_accepted) {
    oc_collector *c = start_collector(true, false);
    oc_fail_next(c, 2, 14 /* UNAVAILABLE */, 0, 0);
    otlp_pipe p = pipe_to(c, oc_grpc_port(c), 20000);
    make_spans(&p, 10);
    cr_assert(oc_wait_spans(c, 10, 15000));
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert_eq(oc_span_count(c), 10);
    cr_assert_eq(oc_request_count(c), 3);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.export_retries, 2);
    cr_assert_eq(ps.spans_exported, 10);
    cr_assert_eq(otlp_pipe_dropped(&p), 0);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.failures_retryable, 2);
    cr_assert_eq(st.requests_ok, 1);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(grpc, resource_exhausted_with_retry_info_is_retried_after_the_delay) {
    oc_collector *c = start_collector(true, false);
    /* 3 s: longer than any jittered first backoff (at most 1.2 s), so the
     * wait the worker announces can only come from the RetryInfo. */
    oc_fail_next(c, 1, 8 /* RESOURCE_EXHAUSTED */, 0, 3000);
    otlp_pipe p = pipe_to(c, oc_grpc_port(c), 20000);
    /* After the configuration is loaded (it sets the diagnostics level). */
    diag_capture_start();
    make_spans(&p, 3);
    cr_assert(oc_wait_spans(c, 3, 15000));
    cr_assert_eq(oc_request_count(c), 2, "%zu requests", oc_request_count(c));
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.failures_retryable, 1);
    cr_assert_eq(st.retry_hints, 1);
    cr_assert_eq(diag_count("retry 1 in 3000 ms", NULL), 1, "%s",
                 diag_captured());
    otlp_pipe_free(&p);
    oc_stop(c);
    diag_capture_stop();
}

Test(grpc, resource_exhausted_without_retry_info_is_not_retried) {
    diag_capture_start();
    oc_collector *c = start_collector(true, false);
    oc_fail_next(c, 1, 8 /* RESOURCE_EXHAUSTED */, 0, 0);
    otlp_pipe p = pipe_to(c, oc_grpc_port(c), 20000);
    make_spans(&p, 4);
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_requests(c, 1, 5000));
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.dropped_export, 4);
    cr_assert_eq(ps.export_retries, 0);
    cr_assert_eq(oc_request_count(c), 1);
    cr_assert_eq(oc_span_count(c), 0);
    cr_assert_geq(diag_count("RESOURCE_EXHAUSTED", "not retryable", NULL), 1,
                  "%s", diag_captured());
    otlp_pipe_free(&p);
    oc_stop(c);
    diag_capture_stop();
}

Test(grpc, permanent_codes_are_not_retried) {
    oc_collector *c = start_collector(true, false);
    oc_fail_next(c, 1, 3 /* INVALID_ARGUMENT */, 0, 0);
    otlp_pipe p = pipe_to(c, oc_grpc_port(c), 20000);
    make_spans(&p, 2);
    otelc_tracer_provider_force_flush(p.provider, 5000);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.dropped_export, 2);
    cr_assert_eq(oc_request_count(c), 1);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.failures_permanent, 1);
    cr_assert_eq(st.failures_retryable, 0);
    otlp_pipe_free(&p);
    oc_stop(c);
}

Test(grpc, partial_success_is_counted_and_reported_once) {
    diag_capture_start();
    oc_collector *c = start_collector(true, false);
    oc_set_partial(c, 2, "two spans were too old");
    otlp_pipe p = pipe_to(c, oc_grpc_port(c), 20000);
    make_spans(&p, 5);
    otelc_tracer_provider_force_flush(p.provider, 5000);
    make_spans(&p, 5);
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert_eq(oc_request_count(c), 2);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.dropped_rejected, 4);
    cr_assert_eq(ps.spans_exported, 6);
    cr_assert_eq(ps.export_retries, 0, "partial success is not a retry case");
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.partial_successes, 2);
    cr_assert_eq(st.items_rejected, 4);
    cr_assert_eq(diag_count("two spans were too old", NULL), 1, "%s",
                 diag_captured());
    otlp_pipe_free(&p);
    oc_stop(c);
    diag_capture_stop();
}

/* ---- a collector that is down
 * ---------------------------------------------------------- */

typedef struct late_start {
    int port;
    oc_collector *c;
} late_start;

static void *start_later(void *arg) {
    late_start *l = arg;
    usleep(2000 * 1000);
    oc_options o = {0};
    o.grpc = true;
    o.grpc_port = l->port;
    l->c = oc_start(&o);
    return NULL;
}

Test(grpc, collector_down_at_start_then_up_loses_nothing) {
    int port = oc_free_port();
    otlp_pipe p = pipe_to(NULL, port, 30000);
    late_start l = {port, NULL};
    pthread_t th;
    pthread_create(&th, NULL, start_later, &l);
    make_spans(&p, 300);
    pthread_join(th, NULL);
    cr_assert_not_null(l.c, "the collector could not start on port %d", port);
    cr_assert(oc_wait_spans(l.c, 300, 20000), "only %zu of 300 spans arrived",
              oc_span_count(l.c));
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert_eq(oc_span_count(l.c), 300);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(otlp_pipe_dropped(&p), 0);
    cr_assert_eq(ps.spans_exported, 300);
    cr_assert_geq(ps.export_retries, 1, "no retry was needed?");
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_geq(st.failures_retryable, 1);
    otlp_pipe_free(&p);
    oc_stop(l.c);
}

static void never_up(oc_collector *c, int port) {
    enum { N = 64 };
    otlp_pipe p = pipe_to(c, port, 30000);
    make_spans(&p, N);
    usleep(300 * 1000); /* the first attempts are under way */
    double t0 = mono_ms();
    otelc_tracer_provider_shutdown(p.provider, 2000);
    double took = mono_ms() - t0;
    cr_assert_leq(took, 2100.0, "shutdown(2000) took %.0f ms", took);
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.spans_exported, 0);
    cr_assert_eq(ps.dropped_export + ps.dropped_shutdown, N,
                 "dropped %llu + %llu, sent %d",
                 (unsigned long long)ps.dropped_export,
                 (unsigned long long)ps.dropped_shutdown, N);
    otlp_pipe_free(&p);
}

Test(grpc, collector_never_up_shutdown_meets_deadline_and_counts_drops) {
    never_up(NULL, oc_free_port());
}

Test(grpc, collector_never_answers_shutdown_meets_deadline_and_counts_drops) {
    oc_collector *c = start_collector(true, false);
    oc_set_blackhole(c, true);
    never_up(c, oc_grpc_port(c));
    cr_assert_geq(oc_request_count(c), 1);
    cr_assert_eq(oc_span_count(c), 0);
    oc_stop(c);
}

/* ---- TLS
 * --------------------------------------------------------------------------------
 */

Test(grpc, tls_with_a_certificate_made_at_test_time) {
    const char *cert, *key;
    make_tls_cert(&cert, &key);
    oc_options co = {0};
    co.grpc = true;
    co.tls_cert = cert;
    co.tls_key = key;
    oc_collector *c = oc_start(&co);
    cr_assert_not_null(c);
    char ep[64];
    snprintf(ep, sizeof ep, "https://127.0.0.1:%d", oc_grpc_port(c));
    otelc_otlp_options o = {0};
    o.protocol = "grpc";
    o.endpoint = ep;
    o.certificate = cert;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, NULL);
    otelc_span_context sc = make_full_span(p.tracer, "tls");
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_spans(c, 1, 5000));
    check_full_span(oc_find_span(c, "tls"), &sc);
    otlp_pipe_free(&p);

    /* Plaintext to a TLS port, or TLS that does not trust the certificate,
     * delivers nothing. */
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", oc_grpc_port(c));
    o.certificate = NULL;
    otelc_batch_options bo = {0};
    bo.export_timeout_ms = 1500;
    otlp_pipe_init(&p, &o, &bo);
    make_spans(&p, 3);
    otelc_tracer_provider_shutdown(p.provider, 3000);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.requests_ok, 0);
    cr_assert_geq(st.failures_retryable + st.failures_permanent, 1);
    otlp_pipe_free(&p);
    cr_assert_eq(oc_span_count(c), 1);
    oc_stop(c);
}

Test(grpc, mutual_tls_with_a_client_certificate) {
    const char *cert, *key, *ccert, *ckey;
    make_tls_cert(&cert, &key);
    make_client_cert(&ccert, &ckey);
    oc_options co = {0};
    co.grpc = true;
    co.tls_cert = cert;
    co.tls_key = key;
    co.tls_client_ca = ccert; /* the self-signed client certificate */
    oc_collector *c = oc_start(&co);
    cr_assert_not_null(c);
    char ep[64];
    snprintf(ep, sizeof ep, "https://127.0.0.1:%d", oc_grpc_port(c));
    otelc_otlp_options o = {0};
    o.protocol = "grpc";
    o.endpoint = ep;
    o.certificate = cert;
    o.client_certificate = ccert;
    o.client_key = ckey;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, NULL);
    otelc_span_end(otelc_span_start(p.tracer, "mtls", NULL));
    otelc_tracer_provider_force_flush(p.provider, 5000);
    cr_assert(oc_wait_spans(c, 1, 5000));
    otlp_pipe_free(&p);

    /* Without the client certificate the server refuses the handshake. */
    o.client_certificate = o.client_key = NULL;
    otelc_batch_options bo = {0};
    bo.export_timeout_ms = 1500;
    otlp_pipe_init(&p, &o, &bo);
    make_spans(&p, 2);
    otelc_tracer_provider_shutdown(p.provider, 3000);
    otelc_otlp_stats st;
    otelc_otlp_exporter_stats(p.exporter, &st);
    cr_assert_eq(st.requests_ok, 0);
    otlp_pipe_free(&p);
    cr_assert_eq(oc_span_count(c), 1);
    oc_stop(c);
}
