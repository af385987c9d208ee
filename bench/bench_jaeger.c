/*
 * bench/bench_jaeger.c - costs of the Jaeger exporter.
 *
 * Scenarios:
 *   encode  jaeger.Batch encoding of 512-span batches, each span with 4
 *           attributes (2 strings, an int, a double), scope and resource
 *           as otelc_init() would set them: ns and bytes per span.
 *   e2e     spans/s end to end: spans started and ended on one thread,
 *           batch processor, Jaeger exporter, libcurl POSTs to an
 *           in-process libmicrohttpd receiver on 127.0.0.1 that only
 *           counts bytes and answers 202.  The producer keeps the queue
 *           below capacity (nothing is dropped; checked), so the figure is
 *           the pipeline's sustained delivery rate.
 *
 * Usage: bench_jaeger encode|e2e [iterations] [repetitions]
 * Prints one line per repetition and a final median line:
 *   encode: "ns_per_span=<x> bytes_per_span=<y>", "median_ns_per_span=<x>"
 *   e2e:    "spans_per_s=<x> requests=<n>", "median_spans_per_s=<x>"
 * (The correctness of what is sent is the tests' business: tests/jaeger/
 * decode it with Apache Thrift's Python library.)
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exporters/jaeger/jaeger_encode.h"

#include <otelc/jaeger.h>
#include <otelc/otelc.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- encode -------------------------------------------------------------- */

enum { BATCH = 512 };

static double run_encode(long iters, double *bytes_per_span) {
    static otelc_span_data spans[BATCH];
    static const otelc_span_data *ptrs[BATCH];
    static otelc_attribute attrs[BATCH][4];
    static otelc_scope_info scope = {"bench.scope", "1.0.0"};
    static otelc_resource *res;
    if (!res)
        res = otelc_resource_default();
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < BATCH; i++) {
        otelc_span_data *s = &spans[i];
        memset(s, 0, sizeof *s);
        for (int k = 0; k < 16; k++)
            s->context.trace_id[k] =
                (uint8_t)(seed >> (k % 8 * 8)) ^ (uint8_t)k;
        for (int k = 0; k < 8; k++)
            s->context.span_id[k] = (uint8_t)(seed >> (k * 8)) ^ (uint8_t)i;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        s->context.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
        s->parent_span_id[7] = (uint8_t)(i + 1);
        s->kind = OTELC_SPAN_KIND_SERVER;
        s->name = "GET /orders/{id}";
        s->trace_state = "";
        s->status_description = "";
        s->start_time = 1700000000000000000ull + (uint64_t)i * 1000;
        s->end_time = s->start_time + 1234567;
        attrs[i][0] = OTELC_ATTR_STR("http.method", "GET");
        attrs[i][0].value.len = 3;
        attrs[i][1] = OTELC_ATTR_STR("http.route", "/orders/{id}");
        attrs[i][1].value.len = 12;
        attrs[i][2] = OTELC_ATTR_INT("http.status_code", 200);
        attrs[i][3] = OTELC_ATTR_DOUBLE("load", 0.75);
        s->attributes = attrs[i];
        s->attribute_count = 4;
        s->scope = &scope;
        s->resource = res;
        ptrs[i] = s;
    }
    otelc__jaeger_enc enc;
    otelc__jaeger_enc_init(&enc);
    otelc__buf out;
    otelc__buf_init(&out);
    long batches = iters / BATCH > 0 ? iters / BATCH : 1;
    uint64_t t0 = now_ns();
    size_t bytes = 0;
    for (long b = 0; b < batches; b++) {
        otelc__buf_reset(&out);
        otelc__jaeger_encode_batch(&enc, &out, ptrs, BATCH, b);
        bytes = out.len;
    }
    uint64_t t1 = now_ns();
    *bytes_per_span = (double)bytes / BATCH;
    otelc__buf_free(&out);
    otelc__jaeger_enc_free(&enc);
    return (double)(t1 - t0) / ((double)batches * BATCH);
}

/* ---- e2e ----------------------------------------------------------------- */

static _Atomic uint64_t g_bytes, g_requests;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *size, void **state) {
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)data;
    static int marker;
    if (!*state) {
        *state = &marker;
        return MHD_YES;
    }
    if (*size) {
        g_bytes += *size;
        *size = 0;
        return MHD_YES;
    }
    g_requests++;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, 202, r);
    MHD_destroy_response(r);
    return ret;
}

static double run_e2e(long n, const char *url, uint64_t *requests) {
    otelc_jaeger_options jo = {.endpoint = url};
    otelc_batch_options bo = {.schedule_delay_ms = 100,
                              .max_queue_size = 65536,
                              .max_export_batch_size = 512};
    otelc_tracer_provider *p =
        otelc_tracer_provider_new(NULL, otelc_sampler_always_on());
    otelc_span_processor *proc =
        otelc_batch_span_processor_new(otelc_jaeger_exporter_new(&jo), &bo);
    otelc_tracer_provider_add_processor(p, proc);
    otelc_tracer *t = otelc_tracer_get(p, "bench", "1.0.0");
    uint64_t req0 = g_requests;
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if ((i & 4095) == 0) {
            for (;;) {
                otelc_processor_stats st;
                otelc_span_processor_stats(proc, &st);
                if (st.queue_depth < 49152)
                    break;
                usleep(200);
            }
        }
        otelc_span *s = otelc_span_start(t, "GET /orders/{id}", NULL);
        otelc_span_set_attribute_str(s, "http.method", "GET");
        otelc_span_set_attribute_str(s, "http.route", "/orders/{id}");
        otelc_span_set_attribute_int(s, "http.status_code", 200);
        otelc_span_set_attribute_double(s, "load", 0.75);
        otelc_span_end(s);
    }
    otelc_tracer_provider_force_flush(p, 60000);
    uint64_t t1 = now_ns();
    otelc_processor_stats st;
    otelc_span_processor_stats(proc, &st);
    if (st.spans_exported != (uint64_t)n)
        fprintf(stderr, "warning: exported %llu of %ld spans\n",
                (unsigned long long)st.spans_exported, n);
    *requests = g_requests - req0;
    otelc_tracer_provider_free(p);
    return (double)n / ((double)(t1 - t0) / 1e9);
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "encode";
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (reps < 1)
        reps = 1;
    double v[64];
    if (reps > 64)
        reps = 64;
    if (!strcmp(what, "encode")) {
        long iters = argc > 2 ? atol(argv[2]) : 2000000;
        double bps = 0;
        for (int r = 0; r < reps; r++) {
            v[r] = run_encode(iters, &bps);
            printf("ns_per_span=%.1f bytes_per_span=%.1f\n", v[r], bps);
        }
        printf("RESULT jaeger.encode %.1f ns/span\n", median(v, reps));
        printf("RESULT jaeger.encode_bytes %.1f bytes/span\n", bps);
        return 0;
    }
    if (!strcmp(what, "e2e")) {
        long iters = argc > 2 ? atol(argv[2]) : 500000;
        struct MHD_Daemon *d = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
        if (!d) {
            fprintf(stderr, "cannot start the receiver\n");
            return 1;
        }
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%u/api/traces",
                 (unsigned)info->port);
        for (int r = 0; r < reps; r++) {
            uint64_t reqs;
            v[r] = run_e2e(iters, url, &reqs);
            printf("spans_per_s=%.0f requests=%llu\n", v[r],
                   (unsigned long long)reqs);
        }
        printf("RESULT jaeger.e2e %.0f spans/s\n", median(v, reps));
        MHD_stop_daemon(d);
        return 0;
    }
    fprintf(stderr, "usage: %s encode|e2e [iterations] [repetitions]\n",
            argv[0]);
    return 2;
}
