/*
 * tests/log/test_pipeline.c - never slow, never lost: shutdown and FATAL
 * write what is queued, a full queue drops and counts (or waits, bounded,
 * for ERROR), exporters run on their own workers with retries and cannot
 * hold shutdown past its deadline, the Elasticsearch exporter against a
 * loopback _bulk endpoint that checks the NDJSON with Python's json, init
 * and shutdown cycles leak no descriptor, fork() works.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log_util.h"

static char g_path[256];

static void init_file(const char *const *extra) {
    snprintf(g_path, sizeof g_path, "%s/app.log", test_tmpdir());
    const char *kv[32] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE", g_path};
    size_t n = 4;
    for (size_t i = 0; extra && extra[i]; i++)
        kv[n++] = extra[i];
    kv[n] = NULL;
    log_init(kv);
}

Test(pipeline, shutdown_writes_everything_queued) {
    const char *kv[] = {"OTEL_BLRP_SCHEDULE_DELAY", "60000", NULL};
    init_file(kv);
    for (int i = 0; i < 300; i++)
        OTELC_LOG_INFO("queued", "i", i);
    usleep(50000);
    /* Fewer than a batch and a long delay: nothing is written yet. */
    cr_assert_eq(count_lines(g_path), 0);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    cr_assert_eq(count_lines(g_path), 300);
}

Test(pipeline, fatal_is_written_before_the_call_returns) {
    const char *kv[] = {"OTEL_BLRP_SCHEDULE_DELAY", "60000", NULL};
    init_file(kv);
    for (int i = 0; i < 10; i++)
        OTELC_LOG_INFO("before", "i", i);
    OTELC_LOG_FATAL("dying", "reason", "test");
    cr_assert_eq(count_lines(g_path), 11);
    char *s = read_file(g_path, NULL);
    cr_assert(strstr(s, "\"level\":\"FATAL\",\"logger\":\"root\","
                        "\"message\":\"dying\""),
              "%s", s);
    free(s);
    otelc_shutdown(5000);
}

Test(pipeline, flush_calls) {
    const char *kv[] = {"OTEL_BLRP_SCHEDULE_DELAY", "60000", NULL};
    init_file(kv);
    OTELC_LOG_INFO("one");
    cr_assert_eq(otelc_log_flush(5000), OTELC_OK);
    cr_assert_eq(count_lines(g_path), 1);
    OTELC_LOG_INFO("two");
    cr_assert_eq(otelc_force_flush(5000), OTELC_OK);
    cr_assert_eq(count_lines(g_path), 2);
    otelc_shutdown(5000);
}

/* ---- a worker blocked on stderr ------------------------------------------ */

typedef struct stuck {
    int rd, saved;
    pthread_t drain;
    _Atomic int stop;
    char *data;
    size_t len, cap;
} stuck;

/* Make stderr a full pipe, so that the console sink blocks the worker. */
static void stuck_begin(stuck *s) {
    memset(s, 0, sizeof *s);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    char x[512];
    memset(x, 'x', sizeof x);
    while (write(p[1], x, sizeof x) > 0) {
    }
    fcntl(p[1], F_SETFL, 0);
    s->rd = p[0];
    s->saved = dup(2);
    dup2(p[1], 2);
    close(p[1]);
}

static void *drain_main(void *arg) {
    stuck *s = arg;
    char buf[65536];
    for (;;) {
        struct pollfd pfd = {s->rd, POLLIN, 0};
        if (poll(&pfd, 1, 20) > 0) {
            ssize_t r = read(s->rd, buf, sizeof buf);
            if (r <= 0)
                break;
            if (s->len + (size_t)r + 1 > s->cap) {
                s->cap = (s->len + (size_t)r + 1) * 2;
                s->data = realloc(s->data, s->cap);
            }
            memcpy(s->data + s->len, buf, (size_t)r);
            s->len += (size_t)r;
            s->data[s->len] = '\0';
        } else if (atomic_load(&s->stop)) {
            break;
        }
    }
    return NULL;
}

static void stuck_release(stuck *s) {
    pthread_create(&s->drain, NULL, drain_main, s);
}

/* Restore stderr; returns the number of records that came through. */
static int stuck_end(stuck *s) {
    dup2(s->saved, 2);
    close(s->saved);
    atomic_store(&s->stop, 1);
    pthread_join(s->drain, NULL);
    close(s->rd);
    int n = 0;
    for (char *p = s->data; p && (p = strstr(p, "\"message\":")); p++)
        n++;
    free(s->data);
    return n;
}

/* Wait until the worker has taken the blocker record (it is now stuck in
 * write(2) with it). */
static void wait_worker_stuck(void) {
    double end = mono_ms() + 10000;
    otelc_log_stats st;
    do {
        usleep(2000);
        otelc_log_get_stats(&st);
    } while ((st.queue_depth != 0 || st.records_emitted != 1) &&
             mono_ms() < end);
    cr_assert_eq(st.queue_depth, 0);
    cr_assert_eq(st.records_processed, 0, "the worker is inside the sink");
}

Test(pipeline, queue_full_drops_and_counts) {
    diag_capture_start(); /* diagnostics must not go to the stuck stderr */
    stuck s;
    stuck_begin(&s);
    const char *kv[] = {"ENABLE_CONSOLE_LOGGING",
                        "true",
                        "OTEL_BLRP_MAX_QUEUE_SIZE",
                        "64",
                        "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
                        "64",
                        "OTEL_BLRP_SCHEDULE_DELAY",
                        "10",
                        NULL};
    log_init(kv);
    diag_capture_start();
    OTELC_LOG_INFO("blocker");
    wait_worker_stuck();
    for (int i = 0; i < 200; i++)
        OTELC_LOG_INFO("burst", "i", i);
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    cr_assert_eq(st.records_emitted, 65);
    cr_assert_eq(st.dropped_queue_full, 136);
    cr_assert_eq(st.queue_full_waits, 0);
    /* The caller never writes the diagnostic itself (stderr may block): a
     * background worker writes it on its next loop. */
    stuck_release(&s);
    cr_assert_eq(otelc_shutdown(10000), OTELC_OK);
    cr_assert_eq(diag_count("otelc-log", "queue full", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(stuck_end(&s), 65, "every accepted record is written");
}

Test(pipeline, error_waits_bounded_for_room, .timeout = 60) {
    diag_capture_start();
    stuck s;
    stuck_begin(&s);
    const char *kv[] = {"ENABLE_CONSOLE_LOGGING",
                        "true",
                        "OTEL_BLRP_MAX_QUEUE_SIZE",
                        "8",
                        "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
                        "8",
                        "OTEL_BLRP_SCHEDULE_DELAY",
                        "10",
                        "LOG_QUEUE_FULL_WAIT_MS",
                        "1500",
                        NULL};
    log_init(kv);
    OTELC_LOG_INFO("blocker");
    wait_worker_stuck();
    for (int i = 0; i < 8; i++)
        OTELC_LOG_INFO("fill", "i", i);
    double t0 = mono_ms();
    OTELC_LOG_WARN("below ERROR: dropped at once");
    cr_assert_lt(mono_ms() - t0, 1000.0);
    t0 = mono_ms();
    OTELC_LOG_ERROR("waits, then dropped");
    double waited = mono_ms() - t0;
    cr_assert_geq(waited, 1500.0);
    cr_assert_lt(waited, 1600.0, "bounded by LOG_QUEUE_FULL_WAIT_MS");
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    cr_assert_eq(st.dropped_queue_full, 2);
    cr_assert_eq(st.queue_full_waits, 1);
    /* Room appears while it waits: it gets in. */
    stuck_release(&s);
    OTELC_LOG_ERROR("waits, then gets in");
    otelc_log_get_stats(&st);
    cr_assert_eq(st.dropped_queue_full, 2);
    cr_assert_eq(otelc_shutdown(10000), OTELC_OK);
    cr_assert_eq(stuck_end(&s), 10);
}

/* ---- exporters ----------------------------------------------------------- */

Test(pipeline, exporter_retries_then_delivers, .timeout = 60) {
    log_init(NULL);
    mem_logs *m;
    otelc_log_exporter *e = mem_logs_new(&m);
    mem_logs_fail_next(m, 2, OTELC_EXPORT_RETRYABLE);
    cr_assert_eq(otelc_log_add_exporter(e), OTELC_OK);
    for (int i = 0; i < 5; i++)
        OTELC_LOG_INFO("retried", "i", i);
    otelc_log_flush(100);
    /* Backoff 1 s then 1.5 s (+-20%), without shutdown hurrying it. */
    cr_assert(mem_logs_wait(m, 5, 20000));
    cr_assert_eq(otelc_shutdown(15000), OTELC_OK);
    cr_assert_eq(mem_logs_count(m), 5);
    cr_assert_eq(mem_logs_calls(m), 3);
    otelc_log_sink_stats ss;
    cr_assert_eq(otelc_log_get_sink_stats(0, &ss), OTELC_OK);
    cr_assert_str_eq(ss.name, "memory");
    cr_assert_eq(ss.records_written, 5);
    cr_assert_eq(ss.errors, 2);
    cr_assert_eq(otelc_log_get_sink_stats(1, &ss), OTELC_ENOTFOUND);
}

Test(pipeline, hung_exporter_cannot_hold_shutdown) {
    snprintf(g_path, sizeof g_path, "%s/app.log", test_tmpdir());
    init_file(NULL);
    mem_logs *m;
    otelc_log_exporter *e = mem_logs_new(&m);
    mem_logs_delay(m, 5000);
    cr_assert_eq(otelc_log_add_exporter(e), OTELC_OK);
    for (int i = 0; i < 10; i++)
        OTELC_LOG_INFO("stuck in export", "i", i);
    otelc_log_flush(200); /* the file gets them; the exporter hangs */
    double t0 = mono_ms();
    otelc_shutdown(500);
    cr_assert_lt(mono_ms() - t0, 600.0, "deadline + 100 ms");
    cr_assert_eq(count_lines(g_path), 10, "the file sink is not held back");
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(1, &ss);
    cr_assert_str_eq(ss.name, "memory");
    cr_assert_eq(ss.records_failed, 10);
    cr_assert_eq(ss.records_written, 0);
}

/* ---- Elasticsearch ------------------------------------------------------- */

static pid_t start_es(const char *dir, int fail_first, int *port) {
    char pf[256], out[256], ff[16];
    snprintf(pf, sizeof pf, "%s/es.port", dir);
    snprintf(out, sizeof out, "%s/es.out", dir);
    snprintf(ff, sizeof ff, "%d", fail_first);
    const char *argv[] = {
        OTELC_TEST_PYTHON, LOG_TESTS_DIR "/es_server.py", pf, out, ff, NULL};
    char log[256];
    snprintf(log, sizeof log, "%s/es.log", dir);
    pid_t pid = spawn(argv, log);
    cr_assert(wait_for_file(pf, 10000), "es_server.py did not start");
    char *p = read_file(pf, NULL);
    *port = atoi(p);
    free(p);
    return pid;
}

Test(pipeline, elasticsearch_bulk_with_retry, .timeout = 60) {
    const char *dir = test_tmpdir();
    int port;
    pid_t es = start_es(dir, 2, &port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    const char *kv[] = {"ELASTICSEARCH_URL",
                        url,
                        "ELASTICSEARCH_INDEX",
                        "test-logs",
                        "OTEL_SERVICE_NAME",
                        "es-svc",
                        NULL};
    log_init(kv);
    otelc_span_context sc;
    TRACE_SPAN("indexed") {
        sc = otelc_current_span_context();
        for (int i = 0; i < 10; i++)
            OTELC_LOG_INFO("to elasticsearch", "i", i, "quote", "\"\n");
        OTELC_LOG_WARN("reject me");
    }
    cr_assert_eq(otelc_shutdown(15000), OTELC_OK);
    stop_process(es);
    char out[256], bad[256];
    snprintf(out, sizeof out, "%s/es.out", dir);
    snprintf(bad, sizeof bad, "%s/es.out.bad", dir);
    cr_assert_not(file_exists(bad), "%s", read_file(bad, NULL));
    cr_assert_eq(count_lines(out), 10);
    char *s = read_file(out, NULL);
    char tid[33];
    otelc_trace_id_to_hex(sc.trace_id, tid);
    cr_assert(strstr(s, "{\"_index\": \"test-logs\", \"doc\": {\"timestamp\""),
              "%s", s);
    cr_assert(strstr(s, tid), "trace id in the documents");
    cr_assert(strstr(s, "\"service.name\": \"es-svc\""), "%s", s);
    free(s);
    otelc_log_sink_stats ss;
    cr_assert_eq(otelc_log_get_sink_stats(0, &ss), OTELC_OK);
    cr_assert_str_eq(ss.name, "elasticsearch");
    cr_log_info("es: written %llu failed %llu errors %llu",
                (unsigned long long)ss.records_written,
                (unsigned long long)ss.records_failed,
                (unsigned long long)ss.errors);
    cr_assert_eq(ss.records_written, 10);
    cr_assert_eq(ss.records_failed, 1, "the rejected document");
    cr_assert_eq(ss.errors, 2, "two 503 answers");
}

Test(pipeline, elasticsearch_down_never_reaches_the_caller) {
    diag_capture_start();
    int port = free_port(SOCK_STREAM);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    const char *kv[] = {"ELASTICSEARCH_URL", url, "OTEL_BLRP_EXPORT_TIMEOUT",
                        "1000", NULL};
    log_init(kv);
    for (int i = 0; i < 10; i++)
        OTELC_LOG_INFO("nobody listens", "i", i);
    double t0 = mono_ms();
    otelc_shutdown(3000);
    cr_assert_lt(mono_ms() - t0, 3100.0);
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_eq(ss.records_failed, 10);
    cr_assert_eq(ss.records_written, 0);
    cr_assert_geq(diag_count("elasticsearch log exporter", "POST", NULL), 1,
                  "%s", diag_captured());
}

/* ---- lifecycle ----------------------------------------------------------- */

static int count_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

Test(pipeline, init_shutdown_cycles_leak_no_descriptor) {
    const char *dir = test_tmpdir();
    int udp = free_port(SOCK_DGRAM);
    char port[16];
    snprintf(port, sizeof port, "%d", udp);
    /* The first cycle creates what lives for the process (loggers). */
    for (int cycle = 0; cycle < 4; cycle++) {
        static int before;
        if (cycle == 1)
            before = count_fds();
        char path[256];
        snprintf(path, sizeof path, "%s/cycle%d.log", dir, cycle);
        const char *kv[] = {
            "ENABLE_FILE_LOGGING", "true", "LOG_FILE",    path,
            "ENABLE_SYSLOG",       "true", "SYSLOG_HOST", "127.0.0.1",
            "SYSLOG_PORT",         port,   NULL};
        log_init(kv);
        OTELC_LOGGER_INFO(otelc_logger_get("cycle"), "cycle", "n", cycle);
        cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
        cr_assert_eq(count_lines(path), 1);
        if (cycle >= 1)
            cr_assert_eq(count_fds(), before, "cycle %d", cycle);
    }
}

Test(pipeline, fork_child_logs_its_own_records) {
    init_file(NULL);
    OTELC_LOG_INFO("parent before fork");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        OTELC_LOG_INFO("from the child");
        _exit(otelc_shutdown(5000) == OTELC_OK ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    OTELC_LOG_INFO("parent after fork");
    otelc_shutdown(5000);
    char *s = read_file(g_path, NULL);
    cr_assert_eq(count_lines(g_path), 3, "%s", s);
    cr_assert(strstr(s, "from the child"));
    char *first = strstr(s, "parent before fork");
    cr_assert_not_null(first);
    cr_assert_null(strstr(first + 1, "parent before fork"), "exactly once");
    free(s);
}
