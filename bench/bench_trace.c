/*
 * bench/bench_trace.c - hot-path costs of tracing.
 *
 * Scenarios (the foundation issue's list):
 *   a  sampled span start+end, batch processor, discarding exporter
 *   b  (a) with 4 attributes (2 strings, int, double) and one event
 *   c  parent + child with the child current (TRACE_SPAN nesting)
 *   d  unsampled span start+end
 *   e  (a) from 2 threads: total spans/s
 *   f  1,000,000 spans end to end through the batch processor
 *
 * Usage: bench_trace SCENARIO [iterations] [repetitions] [queue]
 * Prints one line per repetition and a final line
 *   RESULT trace.<scenario> <median> <unit>
 * which bench/run.sh collects.  Under callgrind, bench/run.sh runs each
 * scenario with one repetition at two iteration counts: the difference of
 * the main thread's instruction counts divided by the difference of the
 * iterations is the calling thread's cost per operation, free of set-up.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <otelc/otelc.h>

static otelc_export_result discard(void *st, const otelc_span_data *const *s,
                                   size_t n, otelc_export_context *ctx) {
    (void)st;
    (void)s;
    (void)n;
    (void)ctx;
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_span_exporter_ops discard_ops = {"discard", discard, NULL,
                                                    NULL, NULL};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static otelc_tracer_provider *make_provider(otelc_sampler *sampler,
                                            uint32_t queue) {
    otelc_tracer_provider *p = otelc_tracer_provider_new(NULL, sampler);
    otelc_batch_options bo = {0};
    bo.max_queue_size = queue;
    otelc_tracer_provider_add_processor(
        p, otelc_batch_span_processor_new(
               otelc_span_exporter_new(&discard_ops, NULL), &bo));
    return p;
}

static otelc_tracer *g_tracer;
static long g_iters;

static void run_a(long n) {
    for (long i = 0; i < n; i++)
        otelc_span_end(otelc_span_start(g_tracer, "op", NULL));
}

static void run_b(long n) {
    for (long i = 0; i < n; i++) {
        otelc_span *s = otelc_span_start(g_tracer, "op", NULL);
        otelc_span_set_attribute_str(s, "http.request.method", "GET");
        otelc_span_set_attribute_str(s, "url.path", "/api/orders");
        otelc_span_set_attribute_int(s, "http.response.status_code", 200);
        otelc_span_set_attribute_double(s, "load", 0.75);
        otelc_span_add_event(s, "cache.miss", NULL, 0);
        otelc_span_end(s);
    }
}

#undef OTELC_TRACER
#define OTELC_TRACER g_tracer
static void run_c(long n) {
    for (long i = 0; i < n; i++) {
        TRACE_SPAN("parent") {
            TRACE_SPAN("child") {}
        }
    }
}
#undef OTELC_TRACER

static void *thread_a(void *arg) {
    (void)arg;
    run_a(g_iters);
    return NULL;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *sc = argc > 1 ? argv[1] : "a";
    long iters = argc > 2 ? atol(argv[2]) : 1000000;
    int reps = argc > 3 ? atoi(argv[3]) : 7;
    g_iters = iters;
    otelc_diag_set_level(OTELC_DIAG_ERROR);
    double results[64];
    if (reps > 64)
        reps = 64;

    if (!strcmp(sc, "f")) {
        /* 1M spans end to end: wall time until all are exported or dropped,
         * and the drop count. */
        uint32_t queue = argc > 4 ? (uint32_t)atol(argv[4]) : 0;
        for (int r = 0; r < reps; r++) {
            otelc_tracer_provider *p =
                make_provider(otelc_sampler_always_on(), queue);
            g_tracer = otelc_tracer_get(p, "bench", NULL);
            uint64_t t0 = now_ns();
            run_a(iters);
            otelc_tracer_provider_force_flush(p, 60000);
            uint64_t t1 = now_ns();
            otelc_processor_stats st;
            otelc_span_processor_stats(otelc_tracer_provider_processor(p, 0),
                                       &st);
            printf("wall_ms=%.1f exported=%llu dropped=%llu "
                   "started_minus_exported=%llu\n",
                   (t1 - t0) / 1e6, (unsigned long long)st.spans_exported,
                   (unsigned long long)st.dropped_queue_full,
                   (unsigned long long)(iters - st.spans_exported));
            results[r] = (t1 - t0) / 1e6;
            otelc_tracer_provider_free(p);
        }
        qsort(results, reps, sizeof *results, cmp_d);
        printf("RESULT trace.f%s %.1f ms\n", queue ? "_big_queue" : "",
               results[reps / 2]);
        return 0;
    }

    otelc_sampler *sampler = !strcmp(sc, "d") ? otelc_sampler_always_off()
                                              : otelc_sampler_always_on();
    /* A queue large enough that the benchmark measures the caller, not
     * drops: drops are cheaper than pushes and would flatter the numbers. */
    uint32_t q = getenv("BENCH_QUEUE") ? (uint32_t)atol(getenv("BENCH_QUEUE"))
                                       : 1u << 20;
    otelc_tracer_provider *p = make_provider(sampler, q);
    g_tracer = otelc_tracer_get(p, "bench", NULL);
    /* Warm the pool, and let the clock calibrate (it switches from the vDSO
     * to the TSC after 200 ms of worker refreshes). */
    run_a(10000);
    if (reps > 1)
        usleep(300000);
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        if (!strcmp(sc, "a") || !strcmp(sc, "d"))
            run_a(iters);
        else if (!strcmp(sc, "b"))
            run_b(iters);
        else if (!strcmp(sc, "c"))
            run_c(iters);
        else if (!strcmp(sc, "e")) {
            pthread_t t[2];
            for (int i = 0; i < 2; i++)
                pthread_create(&t[i], NULL, thread_a, NULL);
            for (int i = 0; i < 2; i++)
                pthread_join(t[i], NULL);
        }
        uint64_t t1 = now_ns();
        double ns = (double)(t1 - t0) / (double)iters;
        if (!strcmp(sc, "e"))
            printf("spans_per_s=%.0f\n", 2.0 * iters / ((t1 - t0) / 1e9));
        else
            printf("ns_per_op=%.1f\n", ns);
        results[r] = !strcmp(sc, "e") ? 2.0 * iters / ((t1 - t0) / 1e9) : ns;
        otelc_tracer_provider_force_flush(p, 10000);
    }
    qsort(results, reps, sizeof *results, cmp_d);
    if (!strcmp(sc, "e"))
        printf("RESULT trace.e %.0f spans/s\n", results[reps / 2]);
    else
        printf("RESULT trace.%s %.1f ns/op\n", sc, results[reps / 2]);
    otelc_tracer_provider_free(p);
    return 0;
}
