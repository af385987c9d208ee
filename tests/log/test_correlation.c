/*
 * tests/log/test_correlation.c - records carry the span current when they
 * were made (trace_id, span_id, trace_flags) and the request id; bound
 * context; timers; error records.  The end-to-end test runs a separate
 * program (tests/log/correlate_app.c) configured only by the environment,
 * with spans going to the file exporter and JSON logs to a file, and
 * checks with Python that every log line's ids are a span in the trace
 * file, namely the span it was made in.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log_util.h"

static mem_logs *init_mem(const char *const *kv) {
    log_init(kv);
    mem_logs *m;
    cr_assert_eq(otelc_log_add_exporter(mem_logs_new(&m)), OTELC_OK);
    return m;
}

/* Records from different threads may arrive in any order: find by body. */
static const otelc_log_record_data *by_body(mem_logs *m, const char *body) {
    for (size_t i = 0; i < mem_logs_count(m); i++)
        if (!strcmp(mem_logs_get(m, i)->body, body))
            return mem_logs_get(m, i);
    cr_assert_fail("no record \"%s\"", body);
    return NULL;
}

static bool same_ids(const otelc_log_record_data *r,
                     const otelc_span_context *sc) {
    return !memcmp(r->span_context.trace_id, sc->trace_id, 16) &&
           !memcmp(r->span_context.span_id, sc->span_id, 8) &&
           r->span_context.trace_flags == sc->trace_flags;
}

Test(correlation, ids_of_the_current_span) {
    const char *kv[] = {"OTEL_TRACES_EXPORTER", "memory", NULL};
    mem_logs *m = init_mem(kv);
    otelc_span_context outer, inner;
    TRACE_SPAN("outer") {
        outer = otelc_current_span_context();
        OTELC_LOG_INFO("in outer");
        TRACE_SPAN("inner") {
            inner = otelc_current_span_context();
            OTELC_LOG_INFO("in inner");
        }
        OTELC_LOG_INFO("outer again");
    }
    OTELC_LOG_INFO("no span");
    /* A context extracted from a request (remote parent). */
    otelc_span_context remote = {
        {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
        {9, 8, 7, 6, 5, 4, 3, 2},
        0,
        true};
    otelc_context *ctx = otelc_context_new(&remote, NULL, NULL);
    otelc_scope sc = otelc_context_attach(ctx);
    OTELC_LOG_INFO("under a remote parent");
    otelc_scope_end(sc);
    otelc_context_free(ctx);
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 5);
    cr_assert(otelc_span_context_is_valid(&outer));
    cr_assert(same_ids(mem_logs_get(m, 0), &outer));
    cr_assert(same_ids(mem_logs_get(m, 1), &inner));
    cr_assert(same_ids(mem_logs_get(m, 2), &outer));
    cr_assert(!memcmp(inner.trace_id, outer.trace_id, 16));
    cr_assert_neq(memcmp(inner.span_id, outer.span_id, 8), 0);
    cr_assert_eq(mem_logs_get(m, 0)->span_context.trace_flags, 1);
    cr_assert_not(
        otelc_span_context_is_valid(&mem_logs_get(m, 3)->span_context));
    cr_assert(same_ids(mem_logs_get(m, 4), &remote));
}

Test(correlation, request_id) {
    mem_logs *m = init_mem(NULL);
    otelc_request_id_set("req-42");
    OTELC_LOG_INFO("with id", "k", 1);
    otelc_request_id_set(NULL);
    OTELC_LOG_INFO("without id");
    otelc_shutdown(5000);
    const otelc_log_record_data *r = mem_logs_get(m, 0);
    cr_assert_str_eq(rec_attr(r, "request_id")->u.s, "req-42");
    cr_assert_str_eq(r->attributes[0].key, "request_id", "first field");
    cr_assert_null(rec_attr(mem_logs_get(m, 1), "request_id"));
}

Test(correlation, request_id_off) {
    const char *kv[] = {"LOG_CORRELATION_ID", "false", NULL};
    mem_logs *m = init_mem(kv);
    otelc_request_id_set("req-42");
    OTELC_LOG_INFO("no id wanted");
    otelc_shutdown(5000);
    cr_assert_null(rec_attr(mem_logs_get(m, 0), "request_id"));
}

static void *other_thread(void *arg) {
    (void)arg;
    OTELC_LOG_INFO("other thread");
    return NULL;
}

Test(correlation, bound_context) {
    mem_logs *m = init_mem(NULL);
    OTELC_LOG_CONTEXT("request_id", "req-123", "user_id", 456) {
        OTELC_LOG_INFO("Processing request");
        cr_assert_eq(otelc_log_context_depth(), 2);
        OTELC_LOG_CONTEXT("user_id", 789, "stage", "validate", "ok", (bool)1,
                          "ratio", 0.25) {
            OTELC_LOG_INFO("Validating input data", "field", "x");
        }
        pthread_t t;
        pthread_create(&t, NULL, other_thread, NULL);
        pthread_join(t, NULL);
        OTELC_LOG_INFO("Request completed", "duration_ms", 250);
        for (int i = 0; i < 3; i++) {
            OTELC_LOG_CONTEXT("loop", i) {
                if (i == 1)
                    break; /* leaves the context block itself */
            }
        }
        cr_assert_eq(otelc_log_context_depth(), 2);
    }
    cr_assert_eq(otelc_log_context_depth(), 0);
    OTELC_LOG_INFO("after");
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 5);
    const otelc_log_record_data *r = by_body(m, "Processing request");
    cr_assert_str_eq(rec_attr(r, "request_id")->u.s, "req-123");
    cr_assert_eq(rec_attr(r, "user_id")->u.i, 456);
    r = by_body(m, "Validating input data");
    cr_assert_eq(rec_attr(r, "user_id")->u.i, 789, "inner shadows outer");
    cr_assert_str_eq(rec_attr(r, "stage")->u.s, "validate");
    cr_assert(rec_attr(r, "ok")->u.b);
    cr_assert_float_eq(rec_attr(r, "ratio")->u.d, 0.25, 1e-12);
    cr_assert_str_eq(rec_attr(r, "field")->u.s, "x");
    cr_assert_str_eq(rec_attr(r, "request_id")->u.s, "req-123");
    size_t users = 0;
    for (uint32_t i = 0; i < r->attribute_count; i++)
        users += !strcmp(r->attributes[i].key, "user_id");
    cr_assert_eq(users, 1, "keys are unique after the worker");
    r = by_body(m, "other thread");
    cr_assert_null(rec_attr(r, "request_id"), "context is per thread");
    r = by_body(m, "Request completed");
    cr_assert_eq(rec_attr(r, "user_id")->u.i, 456, "inner scope gone");
    cr_assert_null(rec_attr(r, "stage"));
    cr_assert_eq(by_body(m, "after")->attribute_count, 0);
}

Test(correlation, timer) {
    mem_logs *m = init_mem(NULL);
    TRACE_SPAN("with timer") {
        OTELC_LOG_TIMER("database_query") {
            usleep(20000);
            OTELC_LOG_INFO("Query completed", "result_count", 3);
        }
    }
    otelc_logger *lg = otelc_logger_get("slow");
    otelc_logger_set_level(lg, OTELC_LOG_WARN);
    OTELC_LOGGER_TIMER(lg, OTELC_LOG_DEBUG, "below threshold") {}
    OTELC_LOGGER_TIMER(lg, OTELC_LOG_WARN, "cache_fill") {}
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 3);
    const otelc_log_record_data *q = mem_logs_get(m, 0);
    cr_assert_str_eq(q->body, "Query completed");
    const otelc_log_record_data *t = mem_logs_get(m, 1);
    cr_assert_str_eq(t->body, "database_query");
    cr_assert_eq(t->severity_number, OTELC_LOG_INFO);
    const otelc_value *d = rec_attr(t, "duration_ms");
    cr_assert_eq(d->type, OTELC_VALUE_DOUBLE);
    cr_assert_geq(d->u.d, 20.0, "slept 20 ms inside");
    cr_assert(same_ids(t, &q->span_context), "made inside the span");
    t = mem_logs_get(m, 2);
    cr_assert_str_eq(t->body, "cache_fill");
    cr_assert_eq(t->severity_number, OTELC_LOG_WARN);
    cr_assert_str_eq(t->scope->name, "slow");
}

Test(correlation, error_records) {
    mem_logs *m = init_mem(NULL);
    OTELC_LOG_ERRNO("Database connection failed", ECONNREFUSED, "retry_count",
                    3);
    OTELC_LOG_EXCEPTION("Operation failed", "TimeoutError",
                        "Connection timeout", "operation", "risky_operation");
    otelc_log_error(
        NULL, OTELC_LOG_WARN, "custom",
        &(otelc_log_error_info){.errnum = EACCES, .message = "mine"}, NULL, 0);
    otelc_shutdown(5000);
    const otelc_log_record_data *r = mem_logs_get(m, 0);
    cr_assert_eq(r->severity_number, OTELC_LOG_ERROR);
    cr_assert_str_eq(rec_attr(r, "exception.type")->u.s, "ECONNREFUSED");
    cr_assert_str_eq(rec_attr(r, "exception.message")->u.s,
                     "Connection refused");
    cr_assert_eq(rec_attr(r, "errno")->u.i, ECONNREFUSED);
    cr_assert_eq(rec_attr(r, "retry_count")->u.i, 3);
    cr_assert_null(rec_attr(r, "exception.stacktrace"));
    r = mem_logs_get(m, 1);
    cr_assert_str_eq(rec_attr(r, "exception.type")->u.s, "TimeoutError");
    cr_assert_str_eq(rec_attr(r, "exception.message")->u.s,
                     "Connection timeout");
    const otelc_value *st = rec_attr(r, "exception.stacktrace");
    cr_assert_not_null(st);
    cr_assert(strchr(st->u.s, '\n'), "several frames: %s", st->u.s);
    cr_assert_null(rec_attr(r, "errno"));
    r = mem_logs_get(m, 2);
    cr_assert_eq(r->severity_number, OTELC_LOG_WARN);
    cr_assert_str_eq(rec_attr(r, "exception.type")->u.s, "EACCES");
    cr_assert_str_eq(rec_attr(r, "exception.message")->u.s, "mine");
}

/* The end-to-end test: a separate program, spans to the file exporter,
 * logs to a file, checked against each other by Python. */
Test(correlation, end_to_end_with_the_file_exporter) {
    const char *dir = test_tmpdir();
    char traces[256], logs[256];
    snprintf(traces, sizeof traces, "%s/traces.jsonl", dir);
    snprintf(logs, sizeof logs, "%s/logs/app.log", dir);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("OTEL_TRACES_EXPORTER", "file", 1);
        setenv("OTELC_FILE_PATH", traces, 1);
        setenv("ENABLE_FILE_LOGGING", "true", 1);
        setenv("ENABLE_CONSOLE_LOGGING", "false", 1);
        setenv("OTEL_LOGS_EXPORTER", "none", 1);
        setenv("LOG_FILE", logs, 1);
        setenv("LOG_FORMAT", "json", 1);
        setenv("OTELC_ENV_FILE", "/nonexistent/.env", 1);
        execl(LOG_CORRELATE_APP, LOG_CORRELATE_APP, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "app status %d",
              status);
    /* 2 threads x 50 x 3 records + 2 outside spans. */
    const char *args[] = {traces, logs, "302", NULL};
    char *out = NULL;
    int rc = run_python(LOG_TESTS_DIR "/check_correlation.py", args, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_log_info("check_correlation.py: %s", out);
    free(out);
}
