/*
 * bench/bench_log.c - costs of logging.
 *
 * Scenarios:
 *   a  caller-side cost of an INFO record with 4 fields (2 strings, an
 *      int, a double), JSON to the file sink
 *   b  a filtered-out DEBUG call (LOG_LEVEL=INFO): one call site, as code
 *      has it, through a non-inlined function
 *   c  (a) inside a span with one bound-context field (correlation cost)
 *   d  printf-style INFO record ("user %d logged in from %s")
 *   e  records/s written by the log worker: 1,000,000-record bursts (or the
 *      iteration count) to the file sink, from the first record to the
 *      end of the flush that writes the last one (time-only)
 *
 * Usage: bench_log SCENARIO [iterations] [repetitions]
 * Prints one line per repetition and RESULT log.<scenario> <median> <unit>
 * for bench/run.sh; under callgrind (one repetition at two iteration
 * counts) the difference of the calling thread's instructions gives the
 * cost per call.  The queue holds a whole repetition, so the figure is the
 * cost of a record that is kept, never of a (cheaper) drop.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <otelc/otelc.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char g_dir[64];

static void start(long queue) {
    char path[128], q[32];
    snprintf(path, sizeof path, "%s/bench.log", g_dir);
    snprintf(q, sizeof q, "%ld", queue);
    otelc_options *o = otelc_options_new();
    otelc_options_set_env_file(o, NULL);
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_LOGS_EXPORTER", "none");
    otelc_options_set(o, "ENABLE_CONSOLE_LOGGING", "false");
    otelc_options_set(o, "ENABLE_FILE_LOGGING", "true");
    otelc_options_set(o, "LOG_FILE", path);
    otelc_options_set(o, "LOG_FORMAT", "json");
    otelc_options_set(o, "LOG_LEVEL", "INFO");
    otelc_options_set(o, "LOG_MAX_SIZE", "256M");
    otelc_options_set(o, "LOG_BACKUP_COUNT", "1");
    otelc_options_set(o, "OTEL_BLRP_MAX_QUEUE_SIZE", q);
    otelc_options_set(o, "OTEL_SERVICE_NAME", "bench");
    if (otelc_init(o) != OTELC_OK) {
        fprintf(stderr, "otelc_init failed\n");
        exit(1);
    }
}

static void cleanup(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

static void run_a(long n) {
    for (long i = 0; i < n; i++)
        OTELC_LOG_INFO("User login", "user_id", i, "username", "john_doe",
                       "method", "password", "score", 0.75);
}

static __attribute__((noinline)) void one_debug(long i) {
    OTELC_LOG_DEBUG("Validating input data", "i", i);
}

static void run_b(long n) {
    for (long i = 0; i < n; i++)
        one_debug(i);
}

static void run_c(long n) {
    TRACE_SPAN("request") {
        OTELC_LOG_CONTEXT("request_id", "req-0123456789") {
            for (long i = 0; i < n; i++)
                OTELC_LOG_INFO("User login", "user_id", i, "username",
                               "john_doe", "method", "password", "score", 0.75);
        }
    }
}

static void run_d(long n) {
    for (long i = 0; i < n; i++)
        OTELC_LOGF_INFO("user %ld logged in from %s", i, "10.0.0.1");
}

int main(int argc, char **argv) {
    const char *sc = argc > 1 ? argv[1] : "a";
    long iters = argc > 2 ? atol(argv[2]) : 1000000;
    int reps = argc > 3 ? atoi(argv[3]) : 7;
    if (reps > 64)
        reps = 64;
    if (reps < 1)
        reps = 1;
    double results[64];
    snprintf(g_dir, sizeof g_dir, "/tmp/otelc-bench-log-XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    otelc_diag_set_level(OTELC_DIAG_ERROR);

    if (!strcmp(sc, "e")) {
        start(iters + 1024);
        for (int r = 0; r < reps; r++) {
            otelc_log_stats before, after;
            otelc_log_get_stats(&before);
            uint64_t t0 = now_ns();
            run_a(iters);
            otelc_log_flush(600000);
            uint64_t t1 = now_ns();
            otelc_log_get_stats(&after);
            uint64_t done = after.records_processed - before.records_processed;
            results[r] = (double)done / ((double)(t1 - t0) / 1e9);
            printf("records_per_s=%.0f written=%llu dropped=%llu\n", results[r],
                   (unsigned long long)done,
                   (unsigned long long)(after.dropped_queue_full -
                                        before.dropped_queue_full));
        }
        otelc_shutdown(60000);
        qsort(results, (size_t)reps, sizeof *results, cmp_d);
        printf("RESULT log.e %.0f records/s\n", results[reps / 2]);
        cleanup();
        return 0;
    }

    void (*run)(long) = !strcmp(sc, "a")   ? run_a
                        : !strcmp(sc, "b") ? run_b
                        : !strcmp(sc, "c") ? run_c
                        : !strcmp(sc, "d") ? run_d
                                           : NULL;
    if (!run) {
        fprintf(stderr, "usage: bench_log a|b|c|d|e [iterations] [reps]\n");
        return 2;
    }
    /* A queue that holds a whole repetition: the figure is the cost of a
     * kept record. */
    start(iters + 20000);
    /* Warm the chunks and let the clock calibrate (the TSC reader takes
     * over after 200 ms of worker refreshes). */
    run(10000);
    otelc_log_flush(10000);
    if (reps > 1)
        usleep(300000);
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        run(iters);
        uint64_t t1 = now_ns();
        results[r] = (double)(t1 - t0) / (double)iters;
        printf("ns_per_op=%.1f\n", results[r]);
        otelc_log_flush(60000);
    }
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    if (st.dropped_queue_full)
        printf("warning: %llu records dropped\n",
               (unsigned long long)st.dropped_queue_full);
    otelc_shutdown(60000);
    qsort(results, (size_t)reps, sizeof *results, cmp_d);
    printf("RESULT log.%s %.1f ns/op\n", sc, results[reps / 2]);
    cleanup();
    return 0;
}
