/*
 * tests/log/test_threads.c - 4 threads x 100,000 records through the file
 * sink, rotating as they go: every record is present exactly once, in its
 * thread's order, and no line is torn (each parses as JSON).  Records wait
 * for room instead of being dropped (LOG_QUEUE_FULL_WAIT_* at INFO), which
 * is how an application that must not lose a record configures otelc.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "log/log_util.h"

#define THREADS 4
#define PER_THREAD 100000

static void *producer(void *arg) {
    int t = (int)(intptr_t)arg;
    otelc_logger *lg = otelc_logger_get("worker");
    for (int i = 0; i < PER_THREAD; i++)
        OTELC_LOGGER_INFO(lg, "record", "thread", t, "seq", i, "pad",
                          "some text to make the line longer");
    return NULL;
}

Test(threads, four_by_100k_exactly_once_no_torn_lines, .timeout = 240) {
    char path[256];
    snprintf(path, sizeof path, "%s/app.log", test_tmpdir());
    const char *kv[] = {"ENABLE_FILE_LOGGING",
                        "true",
                        "LOG_FILE",
                        path,
                        "LOG_MAX_SIZE",
                        "4M",
                        "LOG_BACKUP_COUNT",
                        "100",
                        "LOG_QUEUE_FULL_WAIT_LEVEL",
                        "INFO",
                        "LOG_QUEUE_FULL_WAIT_MS",
                        "60000",
                        NULL};
    log_init(kv);
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, producer, (void *)(intptr_t)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    cr_assert_eq(otelc_shutdown(30000), OTELC_OK);
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    cr_assert_eq(st.records_emitted, THREADS * PER_THREAD);
    cr_assert_eq(st.dropped_queue_full, 0);
    cr_assert_eq(st.records_processed, THREADS * PER_THREAD);
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_eq(ss.records_written, THREADS * PER_THREAD);
    cr_assert_gt(ss.rotations, 5, "rotation happened while threads logged");
    char t_s[8], p_s[16];
    snprintf(t_s, sizeof t_s, "%d", THREADS);
    snprintf(p_s, sizeof p_s, "%d", PER_THREAD);
    const char *args[] = {path, t_s, p_s, NULL};
    char *out = NULL;
    int rc = run_python(LOG_TESTS_DIR "/check_threads.py", args, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_log_info("check_threads.py: %s", out);
    free(out);
}
