/*
 * tests/errors/errors_util.h - helpers shared by the error-tracking,
 * alerting and slow-operation tests: otelc_init() wired to in-memory span
 * and log exporters, and the loopback Sentry stand-in
 * (tests/errors/sentry_server.py).
 */
#ifndef OTELC_TEST_ERRORS_UTIL_H
#define OTELC_TEST_ERRORS_UTIL_H

#include "log/log_util.h"

#define ERRORS_TESTS_DIR OTELC_TESTS_DIR "/errors"

typedef struct test_otelc {
    otelc_memory_exporter *spans;
    mem_logs *logs;
} test_otelc;

/* otelc_init() with no .env, a memory span exporter (batch processor), no
 * console logging, a memory log exporter, service "errors-test", then the
 * NULL-terminated name/value pairs in kv. */
void errors_init(test_otelc *t, const char *const *kv);

/* Start the Sentry stand-in with a response script (JSON list, NULL for
 * none).  *out receives the path of its JSON-lines record. */
pid_t sentry_start(const char *script, int *port, char *out, size_t outcap);
/* "http://key1234@127.0.0.1:PORT/42" (static buffer). */
const char *sentry_dsn(int port);

/* The exported span named `name` (after a flush), or NULL. */
const otelc_span_data *find_span(test_otelc *t, const char *name);
/* The first log record whose body is `body`, or NULL. */
const otelc_log_record_data *find_log(test_otelc *t, const char *body);
/* Lines of a file holding `needle` (0 when missing). */
size_t count_matching_lines(const char *path, const char *needle);

#endif
