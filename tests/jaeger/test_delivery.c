/*
 * tests/jaeger/test_delivery.c - what arrives at a Jaeger collector, and
 * how many times: volume, retries on 503, Retry-After, request-size
 * splitting, resuming a split batch after a failure, and the accounting of
 * a split batch given up half-way.
 *
 * The collector is jaeger_receiver.py (Apache Thrift's Python decoder);
 * the processor's counters are compared with what it actually received.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jaeger/jaeger_peer.h"
#include "sdk/span_int.h"
#include "support/test_support.h"

#include <otelc/jaeger.h>

static jaeger_peer g_peer;

static void teardown(void) {
    diag_capture_stop();
    jpeer_stop(&g_peer);
}

typedef struct pipe_ {
    otelc_tracer_provider *p;
    otelc_tracer *t;
    otelc_span_processor *proc;
} pipe_;

static void pipe_init(pipe_ *x, const otelc_jaeger_options *jo,
                      const otelc_batch_options *bo) {
    x->p = otelc_tracer_provider_new(NULL, otelc_sampler_always_on());
    cr_assert_not_null(x->p);
    otelc_span_exporter *e = otelc_jaeger_exporter_new(jo);
    cr_assert_not_null(e);
    x->proc = otelc_batch_span_processor_new(e, bo);
    cr_assert_not_null(x->proc);
    cr_assert_eq(otelc_tracer_provider_add_processor(x->p, x->proc), OTELC_OK);
    x->t = otelc_tracer_get(x->p, "delivery", "1");
}

/* A span with a few attributes (about 150 bytes of Thrift). */
static uint64_t emit(pipe_ *x, const char *name, int i) {
    otelc_span *s = otelc_span_start(x->t, name, NULL);
    otelc_span_set_attribute_int(s, "i", i);
    otelc_span_set_attribute_str(s, "http.route", "/orders/{id}");
    otelc_span_set_attribute_str(s, "peer", "10.0.0.1");
    uint64_t id = 0;
    otelc_span_context c = otelc_span_get_context(s);
    for (int k = 0; k < 8; k++)
        id = id << 8 | c.span_id[k];
    otelc_span_end(s);
    return id;
}

Test(jaeger_delivery, hundred_thousand_spans_arrive_exactly_once,
     .fini = teardown, .timeout = 120) {
    const char *args[] = {"--ids-only", NULL};
    jpeer_start(&g_peer, args);
    otelc_jaeger_options jo = {.endpoint = g_peer.url};
    otelc_batch_options bo = {.schedule_delay_ms = 100,
                              .max_queue_size = 16384,
                              .max_export_batch_size = 1024};
    pipe_ x;
    pipe_init(&x, &jo, &bo);
    enum { N = 100000 };
    uint64_t idsum = 0;
    for (int i = 0; i < N; i++) {
        /* Stay within the queue: this test is about delivery, not about
         * drops under overload (counted, and checked to be zero below). */
        while ((i & 1023) == 0) {
            otelc_processor_stats st;
            otelc_span_processor_stats(x.proc, &st);
            if (st.queue_depth < 12000)
                break;
            usleep(1000);
        }
        otelc_span *s = otelc_span_start(x.t, "bulk", NULL);
        otelc_span_context c = otelc_span_get_context(s);
        uint64_t id = 0;
        for (int k = 0; k < 8; k++)
            id = id << 8 | c.span_id[k];
        idsum += id;
        otelc_span_end(s);
    }
    cr_assert_eq(otelc_tracer_provider_force_flush(x.p, 60000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(x.proc, &st);
    cr_assert_eq(st.spans_received, N);
    cr_assert_eq(st.spans_exported, N);
    cr_assert_eq(st.dropped_queue_full + st.dropped_export +
                     st.dropped_shutdown + st.dropped_rejected,
                 0);
    otelc_tracer_provider_free(x.p);

    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "decode_errors"), 0, "%s", sum);
    cr_assert_eq(kv_int(sum, "failed"), 0, "%s", sum);
    cr_assert_eq(kv_int(sum, "spans"), N, "%s", sum);
    cr_assert_eq(kv_int(sum, "unique"), N, "%s", sum);
    cr_assert_eq(kv_u64(sum, "idsum"), idsum,
                 "the ids sent are the ids "
                 "received");
    cr_assert_eq(kv_int(sum, "accepted_seq_dups"), 0);
    free(sum);
}

Test(jaeger_delivery, collector_answering_503_for_a_while_loses_nothing,
     .fini = teardown, .timeout = 120) {
    const char *args[] = {"--fail-first", "2", NULL};
    jpeer_start(&g_peer, args);
    otelc_jaeger_options jo = {.endpoint = g_peer.url};
    otelc_batch_options bo = {.schedule_delay_ms = 50,
                              .max_queue_size = 4096,
                              .max_export_batch_size = 256};
    pipe_ x;
    pipe_init(&x, &jo, &bo);
    /* While the worker backs off, more spans queue up (within capacity). */
    enum { N = 3000 };
    for (int i = 0; i < N; i++)
        emit(&x, "retry", i);
    cr_assert_eq(otelc_tracer_provider_force_flush(x.p, 60000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(x.proc, &st);
    cr_assert_eq(st.spans_exported, N);
    cr_assert_eq(st.export_retries, 2);
    cr_assert_eq(st.export_failures, 2);
    cr_assert_eq(st.dropped_queue_full + st.dropped_export +
                     st.dropped_shutdown + st.dropped_rejected,
                 0);
    otelc_tracer_provider_free(x.p);
    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "failed"), 2, "%s", sum);
    cr_assert_eq(kv_int(sum, "spans"), N, "%s", sum);
    cr_assert_eq(kv_int(sum, "unique"), N, "%s", sum);
    free(sum);
}

Test(jaeger_delivery, retry_after_is_honoured, .fini = teardown,
     .timeout = 60) {
    /* The first retry would come after about 1 s (0.8-1.2 s with jitter);
     * the collector asks for 3 s. */
    const char *args[] = {"--fail-first", "1", "--retry-after", "3", NULL};
    jpeer_start(&g_peer, args);
    otelc_jaeger_options jo = {.endpoint = g_peer.url};
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    pipe_ x;
    pipe_init(&x, &jo, &bo);
    emit(&x, "ra", 1);
    cr_assert_eq(otelc_tracer_provider_force_flush(x.p, 30000), OTELC_OK);
    otelc_tracer_provider_free(x.p);
    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "requests"), 2, "%s", sum);
    cr_assert_eq(kv_int(sum, "spans"), 1, "%s", sum);
    cr_assert_geq(kv_int(sum, "retry_gap_ms"), 2950, "%s", sum);
    free(sum);
}

Test(jaeger_delivery, batches_are_split_to_the_request_size_limit,
     .fini = teardown, .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    diag_capture_start();
    otelc_jaeger_options jo = {.endpoint = g_peer.url,
                               .max_request_bytes = 2048};
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    pipe_ x;
    pipe_init(&x, &jo, &bo);
    for (int i = 0; i < 150; i++)
        emit(&x, "small", i);
    /* One span that cannot fit a request even alone. */
    char big[4000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    otelc_span *s = otelc_span_start(x.t, "big", NULL);
    otelc_span_set_attribute_str(s, "payload", big);
    otelc_span_end(s);
    for (int i = 150; i < 300; i++)
        emit(&x, "small", i);
    cr_assert_eq(otelc_tracer_provider_force_flush(x.p, 30000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(x.proc, &st);
    cr_assert_eq(st.spans_exported, 300);
    cr_assert_eq(st.dropped_rejected, 1, "the oversized span is counted");
    cr_assert_eq(st.dropped_export, 0);
    cr_assert_eq(
        diag_count("span \"big\" needs", "request limit of 2048", NULL), 1,
        "%s", diag_captured());
    /* The size reported is that of the request the span alone would make. */
    const char *needs = strstr(diag_captured(), "needs ");
    cr_assert_not_null(needs);
    cr_assert_gt(strtol(needs + 6, NULL, 10), 4000, "%s", needs);
    otelc_tracer_provider_free(x.p);

    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_leq(kv_int(sum, "max_size"), 2048, "%s", sum);
    cr_assert_gt(kv_int(sum, "accepted"), 10, "%s", sum);
    cr_assert_eq(kv_int(sum, "spans"), 300, "%s", sum);
    cr_assert_eq(kv_int(sum, "unique"), 300, "%s", sum);
    cr_assert_eq(kv_int(sum, "decode_errors"), 0, "%s", sum);
    /* Sequence numbers count requests: 1, 2, 3, ... */
    const char *seqs = kv_str(sum, "seqnos_accepted");
    cr_assert_eq(strncmp(seqs, "1,2,3,", 6), 0, "%s", seqs);
    free(sum);
    char *big_dump = jpeer_query(&g_peer, "span", "big");
    cr_assert_not_null(strstr(big_dump, "not found"));
    free(big_dump);
}

/* Requests 1 and 2 of a split batch succeed, request 3 fails: the retry
 * must resume at request 3, so that nothing arrives twice. */
Test(jaeger_delivery, retry_of_a_split_batch_resumes_after_delivered_parts,
     .fini = teardown, .timeout = 60) {
    const char *args[] = {"--fail-requests", "3", NULL};
    jpeer_start(&g_peer, args);
    otelc_jaeger_options jo = {.endpoint = g_peer.url,
                               .max_request_bytes = 2048};
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    pipe_ x;
    pipe_init(&x, &jo, &bo);
    enum { N = 200 };
    for (int i = 0; i < N; i++)
        emit(&x, "resume", i);
    cr_assert_eq(otelc_tracer_provider_force_flush(x.p, 30000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(x.proc, &st);
    cr_assert_eq(st.export_calls, 2, "one batch, one retry");
    cr_assert_eq(st.export_retries, 1);
    cr_assert_eq(st.spans_exported, N);
    cr_assert_eq(st.dropped_export + st.dropped_rejected, 0);
    otelc_tracer_provider_free(x.p);

    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_gt(kv_int(sum, "accepted"), 4, "%s", sum);
    cr_assert_eq(kv_int(sum, "failed"), 1, "%s", sum);
    cr_assert_eq(kv_int(sum, "spans"), N, "%s", sum);
    cr_assert_eq(kv_int(sum, "duplicates"), 0, "%s", sum);
    cr_assert_eq(kv_int(sum, "accepted_seq_dups"), 0, "%s", sum);
    free(sum);
    /* The retried request is request 3 again: same sequence number, same
     * bytes; request 1 and 2 are not sent again. */
    char *reqs = jpeer_query(&g_peer, "requests", NULL);
    int i1, s1, n1, z1, i3, s3, n3, z3, i4, s4, n4, z4;
    long long q1, q3, q4;
    char *l = reqs;
    cr_assert_eq(sscanf(l, "%d %d %d %d %lld", &i1, &s1, &n1, &z1, &q1), 5);
    l = strchr(l, '\n') + 1;
    l = strchr(l, '\n') + 1;
    cr_assert_eq(sscanf(l, "%d %d %d %d %lld", &i3, &s3, &n3, &z3, &q3), 5);
    l = strchr(l, '\n') + 1;
    cr_assert_eq(sscanf(l, "%d %d %d %d %lld", &i4, &s4, &n4, &z4, &q4), 5);
    cr_assert_eq(q1, 1, "%s", reqs);
    cr_assert_eq(s3, 503, "%s", reqs);
    cr_assert_eq(s4, 202, "%s", reqs);
    cr_assert_eq(q4, q3, "%s", reqs);
    cr_assert_eq(n4, n3, "%s", reqs);
    cr_assert_eq(z4, z3, "%s", reqs);
    free(reqs);
}

/* Requests 1 and 2 succeed, request 3 gets 400: the rest of the batch is
 * dropped, and only the rest is counted as dropped. */
Test(jaeger_delivery, split_batch_given_up_counts_only_the_undelivered,
     .fini = teardown, .timeout = 60) {
    const char *args[] = {"--fail-requests", "3", "--fail-status", "400", NULL};
    jpeer_start(&g_peer, args);
    diag_capture_start();
    otelc_jaeger_options jo = {.endpoint = g_peer.url,
                               .max_request_bytes = 2048};
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    pipe_ x;
    pipe_init(&x, &jo, &bo);
    enum { N = 200 };
    for (int i = 0; i < N; i++)
        emit(&x, "partial", i);
    cr_assert_eq(otelc_tracer_provider_force_flush(x.p, 30000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(x.proc, &st);
    char *sum = jpeer_query(&g_peer, "summary", NULL);
    long long delivered = kv_int(sum, "spans");
    cr_assert_eq(kv_int(sum, "accepted"), 2, "%s", sum);
    cr_assert_eq(kv_int(sum, "requests"), 3, "not retried: %s", sum);
    cr_assert_gt(delivered, 0);
    cr_assert_lt(delivered, N);
    cr_assert_eq(st.export_retries, 0);
    cr_assert_eq(st.spans_exported, (uint64_t)delivered);
    cr_assert_eq(st.dropped_export, (uint64_t)(N - delivered));
    cr_assert_geq(diag_count("answered HTTP 400", "not retried", NULL), 1, "%s",
                  diag_captured());
    free(sum);
    otelc_tracer_provider_free(x.p);
}

/* A Batch has one Process: spans of different resources in one export
 * call go out as separate requests, each with its own process.  (White-box:
 * the exporter is called directly, as its worker would.) */
Test(jaeger_delivery, one_request_per_resource, .fini = teardown,
     .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    otelc_attribute ra[] = {OTELC_ATTR_STR("service.name", "svc-a")};
    otelc_attribute rb[] = {OTELC_ATTR_STR("service.name", "svc-b")};
    otelc_resource *res_a = otelc_resource_new(ra, 1);
    otelc_resource *res_b = otelc_resource_new(rb, 1);
    otelc_scope_info scope = {"direct", ""};
    otelc_span_data spans[4];
    const otelc_span_data *ptrs[4];
    static const char *const names[] = {"a1", "a2", "b1", "a3"};
    for (int i = 0; i < 4; i++) {
        memset(&spans[i], 0, sizeof spans[i]);
        spans[i].context.trace_id[15] = 1;
        spans[i].context.span_id[7] = (uint8_t)(i + 1);
        spans[i].context.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
        spans[i].name = names[i];
        spans[i].trace_state = "";
        spans[i].status_description = "";
        spans[i].start_time = 1700000000000000000ull;
        spans[i].end_time = spans[i].start_time + 1000;
        spans[i].scope = &scope;
        spans[i].resource = names[i][0] == 'a' ? res_a : res_b;
        ptrs[i] = &spans[i];
    }
    otelc_jaeger_options jo = {.endpoint = g_peer.url};
    otelc_span_exporter *e = otelc_jaeger_exporter_new(&jo);
    cr_assert_not_null(e);
    otelc_export_context ctx = {otelc_monotonic_ns() + 10000000000ull, 0, 0, 1};
    cr_assert_eq(e->ops->export_spans(e->state, ptrs, 4, &ctx),
                 OTELC_EXPORT_SUCCESS);
    otelc_span_exporter_free(e);
    otelc_resource_free(res_a);
    otelc_resource_free(res_b);

    char *reqs = jpeer_query(&g_peer, "requests", NULL);
    int n1, n2, n3;
    cr_assert_eq(sscanf(reqs,
                        "%*d %*d %d %*d %*s\n%*d %*d %d %*d %*s\n"
                        "%*d %*d %d",
                        &n1, &n2, &n3),
                 3, "%s", reqs);
    cr_assert_eq(n1, 2, "%s", reqs);
    cr_assert_eq(n2, 1, "%s", reqs);
    cr_assert_eq(n3, 1, "%s", reqs);
    free(reqs);
    const char *want[] = {"a1", "svc-a", "b1", "svc-b", "a3", "svc-a"};
    for (int i = 0; i < 6; i += 2) {
        char *got = jpeer_query(&g_peer, "span", want[i]);
        char line[64];
        snprintf(line, sizeof line, "process.serviceName=%s\n", want[i + 1]);
        cr_assert_not_null(strstr(got, line), "%s", got);
        free(got);
    }
}
