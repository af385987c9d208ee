/*
 * bench/bench_otlp.c - costs of the OTLP exporter.
 *
 * Scenarios:
 *   encode  ExportTraceServiceRequest encoding (protobuf-c tree built in
 *           the exporter's arena, then packed) of 512-span batches, each
 *           span with 4 attributes (2 strings, an int, a double), scope and
 *           resource as otelc_init() would set them: ns and bytes per span.
 *   grpc    spans/s end to end over OTLP/gRPC on one batch worker: spans
 *   http    (or OTLP/HTTP) started and ended on one thread, batch
 *           processor, OTLP exporter, the in-repo collector on 127.0.0.1
 *           (gRPC core server / libmicrohttpd) decoding every request with
 *           nanopb and counting the spans (count-only mode: nothing kept;
 *           every span is counted and decode errors are checked).  Over
 *           gRPC the collector answers before it decodes, as an
 *           OpenTelemetry Collector whose receiver hands requests to a
 *           queue does; OTELC_BENCH_OTLP_SYNC=1 makes it decode first
 *           (then its nanopb decoding, about 5x the exporter's encoding,
 *           sits in every round trip).
 *           The producer keeps the queue below capacity (nothing is
 *           dropped; checked).  Also the CPU time the exporter worker
 *           spends per span: inside export calls (encoding + transport,
 *           measured by the exporter with CLOCK_THREAD_CPUTIME_ID) and for
 *           the whole worker thread (from /proc, by thread name).
 *
 *   encode_sums        ExportMetricsServiceRequest encoding of one
 *   encode_histograms  collection (packed, as the metric exporter does):
 *                      512 sum points with 2 attributes (a string, an
 *                      int) and one exemplar each, or 512 histogram
 *                      points with 2 attributes, the 15 default bounds
 *                      and 2 exemplars each: ns and bytes per data point.
 *   encode_logs        ExportLogsServiceRequest encoding of 512-record
 *                      batches, each record with a 30-byte body, 4
 *                      attributes (2 strings, an int, a double) and a
 *                      span context: ns and bytes per record.
 *
 * Usage: bench_otlp encode|encode_sums|encode_histograms|encode_logs|grpc|
 *                   http [iterations] [repetitions]
 * Prints one line per repetition and RESULT lines with the medians:
 *   RESULT otlp.encode <ns> ns/span, RESULT otlp.encode_bytes <b> bytes/span
 *   RESULT otlp.encode_sums <ns> ns/point (and _bytes), the same for
 *   encode_histograms, RESULT otlp.encode_logs <ns> ns/record (and _bytes)
 *   RESULT otlp.grpc <n> spans/s, RESULT otlp.grpc_export_cpu <ns> ns/span,
 *   RESULT otlp.grpc_worker_cpu <ns> ns/span (and the same for http).
 * OTELC_BENCH_OTLP_ENDPOINT=<url> sends to that endpoint instead of the
 * in-process collector (e.g. an otelc-test-collector or a real
 * OpenTelemetry Collector on another core).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exporters/otlp_common/otlp_encode.h"
#include "peers/otlp_collector.h"

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
    double c[64];
    memcpy(c, v, sizeof *v * (size_t)n);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
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
    otelc__arena arena;
    otelc__arena_init(&arena, 64 * 1024);
    size_t cap = 1 << 20;
    uint8_t *out = malloc(cap);
    long batches = iters / BATCH > 0 ? iters / BATCH : 1;
    size_t bytes = 0;
    uint64_t t0 = now_ns();
    for (long b = 0; b < batches; b++) {
        /* Exactly what the exporter does per batch (otlp_exporter.c). */
        otelc__arena_reset(&arena);
        const ProtobufCMessage *m =
            otelc__otlp_traces_request(&arena, ptrs, BATCH);
        size_t sz = protobuf_c_message_get_packed_size(m);
        if (sz > cap) {
            cap = sz;
            out = realloc(out, cap);
        }
        bytes = protobuf_c_message_pack(m, out);
    }
    uint64_t t1 = now_ns();
    *bytes_per_span = (double)bytes / BATCH;
    free(out);
    otelc__arena_free(&arena);
    return (double)(t1 - t0) / ((double)batches * BATCH);
}

/* ---- encode: metrics and logs ---------------------------------------------
 */

enum { POINTS = 512 };

/* One collection of POINTS sum or histogram points, built once. */
static const otelc_metrics_data *metrics_data(bool histograms) {
    static otelc_metrics_data data;
    static otelc_scope_metrics_data scope;
    static otelc_metric_data metric;
    static otelc_number_point np[POINTS];
    static otelc_histogram_point hp[POINTS];
    static otelc_attribute attrs[POINTS][2];
    static otelc_exemplar ex[POINTS][2];
    static uint64_t counts[POINTS][16];
    static char routes[POINTS][24];
    static const double bounds[15] = {0,    5,    10,   25,   50,
                                      75,   100,  250,  500,  750,
                                      1000, 2500, 5000, 7500, 10000};
    static otelc_resource *res;
    if (!res)
        res = otelc_resource_default();
    for (int i = 0; i < POINTS; i++) {
        snprintf(routes[i], sizeof routes[i], "/api/v1/items/%d", i);
        attrs[i][0] = OTELC_ATTR_STR("http.route", routes[i]);
        attrs[i][0].value.len = (uint32_t)strlen(routes[i]);
        attrs[i][1] = OTELC_ATTR_INT("http.response.status_code", 200 + i % 5);
        for (int k = 0; k < 2; k++) {
            otelc_exemplar *e = &ex[i][k];
            memset(e, 0, sizeof *e);
            e->time = 1700000000000000000ull + (uint64_t)i;
            e->value.d = 12.5 * (k + 1);
            for (int b = 0; b < 16; b++)
                e->trace_id[b] = (uint8_t)(i * 31 + b + 1);
            for (int b = 0; b < 8; b++)
                e->span_id[b] = (uint8_t)(i * 7 + b + k + 1);
        }
        np[i] = (otelc_number_point){attrs[i],
                                     2,
                                     1700000000000000000ull,
                                     1700000060000000000ull,
                                     true,
                                     {.i = 1000 + i},
                                     ex[i],
                                     1};
        for (int b = 0; b < 16; b++)
            counts[i][b] = (uint64_t)(b * 3 + i % 7);
        uint64_t total = 0;
        for (int b = 0; b < 16; b++)
            total += counts[i][b];
        hp[i] = (otelc_histogram_point){attrs[i],
                                        2,
                                        1700000000000000000ull,
                                        1700000060000000000ull,
                                        total,
                                        1234.5 + i,
                                        true,
                                        0.25,
                                        9000,
                                        bounds,
                                        15,
                                        counts[i],
                                        ex[i],
                                        2};
    }
    metric = (otelc_metric_data){
        histograms ? "http.server.request.duration" : "http.server.requests",
        "",
        histograms ? "ms" : "{request}",
        histograms ? OTELC_INSTRUMENT_HISTOGRAM : OTELC_INSTRUMENT_COUNTER,
        histograms ? OTELC_METRIC_HISTOGRAM : OTELC_METRIC_SUM,
        OTELC_TEMPORALITY_CUMULATIVE,
        !histograms,
        !histograms,
        histograms ? NULL : np,
        histograms ? hp : NULL,
        POINTS};
    scope = (otelc_scope_metrics_data){{"bench.meter", "1.0.0"}, &metric, 1};
    data = (otelc_metrics_data){res, &scope, 1};
    return &data;
}

static double run_encode_metrics(long iters, bool histograms,
                                 double *bytes_per_point) {
    const otelc_metrics_data *d = metrics_data(histograms);
    otelc__arena arena;
    otelc__arena_init(&arena, 64 * 1024);
    size_t cap = 1 << 20;
    uint8_t *out = malloc(cap);
    long batches = iters / POINTS > 0 ? iters / POINTS : 1;
    size_t bytes = 0;
    uint64_t t0 = now_ns();
    for (long b = 0; b < batches; b++) {
        /* What the metric exporter does per collection (otlp_metrics.c). */
        otelc__arena_reset(&arena);
        const ProtobufCMessage *m = otelc__otlp_metrics_request(&arena, d);
        size_t sz = protobuf_c_message_get_packed_size(m);
        if (sz > cap) {
            cap = sz;
            out = realloc(out, cap);
        }
        bytes = protobuf_c_message_pack(m, out);
    }
    uint64_t t1 = now_ns();
    *bytes_per_point = (double)bytes / POINTS;
    free(out);
    otelc__arena_free(&arena);
    return (double)(t1 - t0) / ((double)batches * POINTS);
}

static double run_encode_logs(long iters, double *bytes_per_record) {
    static otelc_log_record_data recs[BATCH];
    static const otelc_log_record_data *ptrs[BATCH];
    static otelc_attribute attrs[BATCH][4];
    static otelc_scope_info scope = {"shop.orders", ""};
    static otelc_resource *res;
    if (!res)
        res = otelc_resource_default();
    for (int i = 0; i < BATCH; i++) {
        otelc_log_record_data *r = &recs[i];
        memset(r, 0, sizeof *r);
        r->timestamp = 1700000000000000000ull + (uint64_t)i * 1000;
        r->observed_timestamp = r->timestamp;
        for (int k = 0; k < 16; k++)
            r->span_context.trace_id[k] = (uint8_t)(i * 13 + k + 1);
        for (int k = 0; k < 8; k++)
            r->span_context.span_id[k] = (uint8_t)(i * 5 + k + 1);
        r->span_context.trace_flags = 1;
        r->severity_number = OTELC_LOG_INFO;
        r->severity_text = "INFO";
        r->body = "order accepted for processing";
        r->body_len = 29;
        attrs[i][0] = OTELC_ATTR_STR("user.name", "john");
        attrs[i][0].value.len = 4;
        attrs[i][1] = OTELC_ATTR_STR("order.status", "accepted");
        attrs[i][1].value.len = 8;
        attrs[i][2] = OTELC_ATTR_INT("order.id", 100000 + i);
        attrs[i][3] = OTELC_ATTR_DOUBLE("order.total", 99.95);
        r->attributes = attrs[i];
        r->attribute_count = 4;
        r->scope = &scope;
        r->resource = res;
        r->event_name = "";
        ptrs[i] = r;
    }
    otelc__arena arena;
    otelc__arena_init(&arena, 64 * 1024);
    size_t cap = 1 << 20;
    uint8_t *out = malloc(cap);
    long batches = iters / BATCH > 0 ? iters / BATCH : 1;
    size_t bytes = 0;
    uint64_t t0 = now_ns();
    for (long b = 0; b < batches; b++) {
        /* What the log exporter does per batch (otlp_logs.c). */
        otelc__arena_reset(&arena);
        const ProtobufCMessage *m =
            otelc__otlp_logs_request(&arena, ptrs, BATCH);
        size_t sz = protobuf_c_message_get_packed_size(m);
        if (sz > cap) {
            cap = sz;
            out = realloc(out, cap);
        }
        bytes = protobuf_c_message_pack(m, out);
    }
    uint64_t t1 = now_ns();
    *bytes_per_record = (double)bytes / BATCH;
    free(out);
    otelc__arena_free(&arena);
    return (double)(t1 - t0) / ((double)batches * BATCH);
}

/* ---- end to end ------------------------------------------------------------
 */

/* CPU nanoseconds of this process's thread named `name` (utime + stime
 * from /proc; clock ticks, so 10 ms resolution: runs last seconds). */
static uint64_t thread_cpu_by_name(const char *name) {
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return 0;
    uint64_t total = 0;
    long hz = sysconf(_SC_CLK_TCK);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof comm, f))
            comm[0] = '\0';
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        if (strcmp(comm, name))
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* Fields after the ")" that ends the name: 14 utime, 15 stime. */
        char *p = strrchr(buf, ')');
        unsigned long ut = 0, st = 0;
        if (p &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                   &ut, &st) == 2)
            total += (uint64_t)(ut + st) * (1000000000ull / (uint64_t)hz);
    }
    closedir(d);
    return total;
}

typedef struct e2e_result {
    double spans_per_s;
    double export_cpu_ns; /* per span, inside export calls */
    double encode_cpu_ns; /* per span, of which encoding */
    double worker_cpu_ns; /* per span, whole worker thread */
    uint64_t requests;
} e2e_result;

static e2e_result run_e2e(long n, const char *protocol, const char *endpoint) {
    otelc_otlp_options oo = {0};
    oo.protocol = protocol;
    oo.endpoint = endpoint;
    otelc_batch_options bo = {.schedule_delay_ms = 100,
                              .max_queue_size = 65536,
                              .max_export_batch_size = 512};
    otelc_tracer_provider *p =
        otelc_tracer_provider_new(NULL, otelc_sampler_always_on());
    otelc_span_exporter *e = otelc_otlp_exporter_new(&oo);
    if (!e) {
        fprintf(stderr, "cannot create the OTLP exporter\n");
        exit(1);
    }
    otelc_span_processor *proc = otelc_batch_span_processor_new(e, &bo);
    otelc_tracer_provider_add_processor(p, proc);
    otelc_tracer *t = otelc_tracer_get(p, "bench", "1.0.0");
    /* The worker thread is named after the exporter: "otelc-otlp_grpc". */
    char tname[16];
    snprintf(tname, sizeof tname, "otelc-%s", otelc_span_exporter_name(e));
    uint64_t w0 = thread_cpu_by_name(tname);
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
    uint64_t w1 = thread_cpu_by_name(tname);
    otelc_processor_stats st;
    otelc_span_processor_stats(proc, &st);
    if (st.spans_exported != (uint64_t)n)
        fprintf(stderr, "warning: exported %llu of %ld spans\n",
                (unsigned long long)st.spans_exported, n);
    otelc_otlp_stats os;
    otelc_otlp_exporter_stats(e, &os);
    e2e_result r;
    r.spans_per_s = (double)n / ((double)(t1 - t0) / 1e9);
    r.export_cpu_ns = (double)os.export_cpu_ns / (double)n;
    r.encode_cpu_ns = (double)os.encode_cpu_ns / (double)n;
    r.worker_cpu_ns = (double)(w1 - w0) / (double)n;
    r.requests = os.requests;
    otelc_tracer_provider_free(p);
    return r;
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "encode";
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (reps < 1)
        reps = 1;
    if (reps > 64)
        reps = 64;
    double v[64], c1[64], c2[64];
    if (!strcmp(what, "encode")) {
        long iters = argc > 2 ? atol(argv[2]) : 2000000;
        double bps = 0;
        for (int r = 0; r < reps; r++) {
            v[r] = run_encode(iters, &bps);
            printf("ns_per_span=%.1f bytes_per_span=%.1f\n", v[r], bps);
        }
        printf("RESULT otlp.encode %.1f ns/span\n", median(v, reps));
        printf("RESULT otlp.encode_bytes %.1f bytes/span\n", bps);
        return 0;
    }
    if (!strcmp(what, "encode_sums") || !strcmp(what, "encode_histograms") ||
        !strcmp(what, "encode_logs")) {
        long iters = argc > 2 ? atol(argv[2]) : 1000000;
        bool logs = !strcmp(what, "encode_logs");
        bool hist = !strcmp(what, "encode_histograms");
        const char *unit = logs ? "record" : "point";
        double bpi = 0;
        for (int r = 0; r < reps; r++) {
            v[r] = logs ? run_encode_logs(iters, &bpi)
                        : run_encode_metrics(iters, hist, &bpi);
            printf("ns_per_%s=%.1f bytes_per_%s=%.1f\n", unit, v[r], unit, bpi);
        }
        printf("RESULT otlp.%s %.1f ns/%s\n", what, median(v, reps), unit);
        printf("RESULT otlp.%s_bytes %.1f bytes/%s\n", what, bpi, unit);
        return 0;
    }
    bool grpc = !strcmp(what, "grpc");
    if (!grpc && strcmp(what, "http")) {
        fprintf(stderr,
                "usage: %s encode|encode_sums|encode_histograms|"
                "encode_logs|grpc|http [iterations] [repetitions]\n",
                argv[0]);
        return 2;
    }
    long iters = argc > 2 ? atol(argv[2]) : 500000;
    const char *ep = getenv("OTELC_BENCH_OTLP_ENDPOINT");
    oc_collector *c = NULL;
    char url[96];
    if (!ep || !ep[0]) {
        oc_options o = {0};
        o.grpc = grpc;
        o.http = !grpc;
        o.count_only = true;
        /* OTELC_BENCH_OTLP_SYNC=1: the collector decodes before answering
         * (else it answers first, like a collector that queues). */
        const char *sync = getenv("OTELC_BENCH_OTLP_SYNC");
        o.ack_first = !(sync && sync[0] == '1');
        c = oc_start(&o);
        if (!c) {
            fprintf(stderr, "cannot start the collector\n");
            return 1;
        }
        if (grpc)
            snprintf(url, sizeof url, "http://127.0.0.1:%d", oc_grpc_port(c));
        else
            snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/traces",
                     oc_http_port(c));
        ep = url;
    }
    const char *protocol = grpc ? "grpc" : "http/protobuf";
    for (int r = 0; r < reps; r++) {
        size_t before = c ? oc_span_count(c) : 0;
        e2e_result res = run_e2e(iters, protocol, ep);
        if (c && !oc_wait_spans(c, before + (size_t)iters, 10000))
            fprintf(stderr, "warning: the collector counted %zu of %ld\n",
                    oc_span_count(c) - before, iters);
        v[r] = res.spans_per_s;
        c1[r] = res.export_cpu_ns;
        c2[r] = res.worker_cpu_ns;
        printf("spans_per_s=%.0f export_cpu_ns_per_span=%.0f (encoding "
               "%.0f) worker_cpu_ns_per_span=%.0f requests=%llu\n",
               res.spans_per_s, res.export_cpu_ns, res.encode_cpu_ns,
               res.worker_cpu_ns, (unsigned long long)res.requests);
    }
    if (c && oc_decode_errors(c))
        fprintf(stderr, "warning: %zu requests did not decode\n",
                oc_decode_errors(c));
    printf("RESULT otlp.%s %.0f spans/s\n", what, median(v, reps));
    printf("RESULT otlp.%s_export_cpu %.0f ns/span\n", what, median(c1, reps));
    printf("RESULT otlp.%s_worker_cpu %.0f ns/span\n", what, median(c2, reps));
    oc_stop(c);
    return 0;
}
