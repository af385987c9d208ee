/*
 * bench/bench_metrics.c - hot-path and scrape costs of metrics.
 *
 * Scenarios (issue 5's list):
 *   a  counter add with 2 attributes ("method" = "GET", "status" = 200)
 *      for a series that exists: the lock-free lookup plus a fetch_add
 *   b  histogram record with the same 2 attributes (default boundaries)
 *   c  a scrape of 10,000 series: HTTP GET /metrics (text 0.0.4) on the
 *      libmicrohttpd server over loopback, collect + render + transfer
 *   d  2-thread scaling of counter adds, each thread its own series
 *   e  2-thread scaling of counter adds, both threads on one series (the
 *      only shared write: one cache line bouncing between cores)
 *   f  counter add without attributes
 *
 * Usage: bench_metrics SCENARIO [iterations] [repetitions]
 * Prints one line per repetition and RESULT lines that bench/run.sh
 * collects; in callgrind mode (repetitions = 1) bench/run.sh runs a, b and
 * f at two iteration counts and divides the difference of the calling
 * thread's instructions.  c, d and e are timing scenarios: for c the
 * iteration count is ignored (20 scrapes per repetition).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <otelc/otelc.h>
#include <otelc/prometheus.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static otelc_counter *g_counter;
static otelc_histogram *g_hist;
static long g_iters;

static void run_a(long n) {
    for (long i = 0; i < n; i++)
        otelc_counter_add(g_counter, 1, "method", "GET", "status", 200);
}

static void run_b(long n) {
    for (long i = 0; i < n; i++)
        otelc_histogram_record(g_hist, (double)(i & 1023), "method", "GET",
                               "status", 200);
}

static void run_f(long n) {
    for (long i = 0; i < n; i++)
        otelc_counter_add(g_counter, 1);
}

static void *thread_own(void *arg) {
    /* Each thread its own series: "worker" differs. */
    long id = (long)arg;
    for (long i = 0; i < g_iters; i++)
        otelc_counter_add(g_counter, 1, "method", "GET", "worker", id);
    return NULL;
}

static void *thread_shared(void *arg) {
    (void)arg;
    run_a(g_iters);
    return NULL;
}

/* GET /metrics over a plain socket; returns the body size or -1. */
static long scrape(unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    const char req[] = "GET /metrics HTTP/1.1\r\nHost: bench\r\n"
                       "Connection: close\r\n\r\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        close(fd);
        return -1;
    }
    static char buf[1 << 16];
    long total = 0;
    ssize_t r;
    bool ok = false;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        if (!total && r > 12 && !memcmp(buf + 9, "200", 3))
            ok = true;
        total += r;
    }
    close(fd);
    return ok ? total : -1;
}

static int scenario_c(int reps) {
    otelc_meter_provider_options po = {.cardinality_limit = 20000};
    otelc_meter_provider *mp = otelc_meter_provider_new(NULL, &po);
    otelc_meter *m = otelc_meter_get(mp, "bench", "1.0");
    for (int k = 0; k < 10; k++) {
        char name[32];
        snprintf(name, sizeof name, "bench.requests.%d", k);
        otelc_counter *c =
            otelc_meter_create_counter(m, name, "{request}", "requests", NULL);
        for (int s = 0; s < 1000; s++)
            otelc_counter_add(c, s + 1, "route", s % 50, "status", 200 + s / 50,
                              "region", "eu-west-1");
    }
    otelc_prometheus_options o = {0};
    o.host = "127.0.0.1";
    o.ephemeral_port = true;
    otelc_prometheus_server *srv = otelc_prometheus_server_start(mp, &o, NULL);
    if (!srv) {
        fprintf(stderr, "cannot start the server\n");
        return 1;
    }
    unsigned port = otelc_prometheus_server_port(srv);
    long bytes = scrape(port); /* warm-up */
    double results[64];
    const int per = 20;
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < per; i++)
            if (scrape(port) < 0) {
                fprintf(stderr, "scrape failed\n");
                return 1;
            }
        results[r] = (double)(now_ns() - t0) / 1e6 / per;
        printf("ms_per_scrape=%.2f bytes=%ld\n", results[r], bytes);
    }
    qsort(results, (size_t)reps, sizeof *results, cmp_d);
    printf("RESULT metrics.c_scrape_10k %.2f ms\n", results[reps / 2]);
    otelc_prometheus_server_stop(srv);
    otelc_meter_provider_free(mp);
    return 0;
}

static double rate_threads(int nthreads, void *(*fn)(void *)) {
    pthread_t t[2];
    uint64_t t0 = now_ns();
    for (long i = 0; i < nthreads; i++)
        pthread_create(&t[i], NULL, fn, (void *)i);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    return (double)nthreads * (double)g_iters / ((double)(now_ns() - t0) / 1e9);
}

int main(int argc, char **argv) {
    const char *sc = argc > 1 ? argv[1] : "a";
    long iters = argc > 2 ? atol(argv[2]) : 1000000;
    int reps = argc > 3 ? atoi(argv[3]) : 7;
    if (reps > 64)
        reps = 64;
    if (reps < 1)
        reps = 1;
    g_iters = iters;
    otelc_diag_set_level(OTELC_DIAG_ERROR);
    if (!strcmp(sc, "c"))
        return scenario_c(reps);

    otelc_meter_provider *mp = otelc_meter_provider_new(NULL, NULL);
    otelc_meter *m = otelc_meter_get(mp, "bench", "1.0");
    g_counter = otelc_meter_create_counter(m, "bench.requests", "{request}",
                                           NULL, NULL);
    g_hist = otelc_meter_create_histogram(m, "bench.latency", "ms", NULL, NULL);
    /* Create the series (the benchmark measures existing series). */
    run_a(1);
    run_b(1);
    run_f(1);
    for (long id = 0; id < 2; id++)
        otelc_counter_add(g_counter, 1, "method", "GET", "worker", id);

    double results[64];
    if (!strcmp(sc, "d") || !strcmp(sc, "e")) {
        void *(*fn)(void *) = !strcmp(sc, "d") ? thread_own : thread_shared;
        double ratios[64];
        for (int r = 0; r < reps; r++) {
            double one = rate_threads(1, fn);
            double two = rate_threads(2, fn);
            results[r] = two;
            ratios[r] = two / one;
            printf("adds_per_s_1=%.0f adds_per_s_2=%.0f scaling=%.2f\n", one,
                   two, two / one);
        }
        qsort(results, (size_t)reps, sizeof *results, cmp_d);
        qsort(ratios, (size_t)reps, sizeof *ratios, cmp_d);
        printf("RESULT metrics.%s_2threads %.0f adds/s\n", sc,
               results[reps / 2]);
        printf("RESULT metrics.%s_scaling %.2f x\n", sc, ratios[reps / 2]);
        otelc_meter_provider_free(mp);
        return 0;
    }
    void (*fn)(long) = !strcmp(sc, "b")   ? run_b
                       : !strcmp(sc, "f") ? run_f
                                          : run_a;
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        fn(iters);
        results[r] = (double)(now_ns() - t0) / (double)iters;
        if (reps > 1)
            printf("ns_per_op=%.1f\n", results[r]);
    }
    qsort(results, (size_t)reps, sizeof *results, cmp_d);
    printf("RESULT metrics.%s %.1f ns/op\n", sc, results[reps / 2]);
    otelc_meter_provider_free(mp);
    return 0;
}
