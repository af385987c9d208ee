/*
 * tests/log/log_util.h - helpers shared by the log tests: starting otelc
 * with a list of settings, reading files, background peer processes
 * (rsyslogd, Python servers) and free loopback ports.
 */
#ifndef OTELC_TEST_LOG_UTIL_H
#define OTELC_TEST_LOG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "support/test_support.h"

/* otelc_init() with no .env file, no span exporter, no console logging
 * (unless overridden), then `kv`: NULL-terminated name, value pairs. */
void log_init(const char *const *kv);
/* The same, returning the status instead of asserting it. */
otelc_status log_init_status(const char *const *kv);

/* Whole file, NUL-terminated (malloc'd); NULL when missing. */
char *read_file(const char *path, size_t *len);
/* Lines in a file (0 when missing). */
size_t count_lines(const char *path);
bool file_exists(const char *path);
long file_size(const char *path);

/* Start argv[0] (an absolute path) with stdout/stderr to out_path (or
 * inherited when NULL).  Returns the pid. */
pid_t spawn(const char *const *argv, const char *out_path);
/* SIGTERM, then SIGKILL after 2 s; reaps. */
void stop_process(pid_t pid);

/* A currently free 127.0.0.1 port for SOCK_DGRAM or SOCK_STREAM. */
int free_port(int socktype);

/* Wait until `path` exists and is non-empty, at most timeout_ms. */
bool wait_for_file(const char *path, int timeout_ms);
/* Wait until `path` holds at least n lines, at most timeout_ms. */
bool wait_for_lines(const char *path, size_t n, int timeout_ms);

/* Directory of the Python helpers (tests/log). */
#define LOG_TESTS_DIR OTELC_TESTS_DIR "/log"

#endif

/* An in-memory log exporter for tests (deep copies of every record). */
typedef struct mem_logs mem_logs;
otelc_log_exporter *mem_logs_new(mem_logs **out);
size_t mem_logs_count(mem_logs *m);
/* Borrowed until the exporter is freed (never, in tests: leaked). */
const otelc_log_record_data *mem_logs_get(mem_logs *m, size_t i);
bool mem_logs_wait(mem_logs *m, size_t n, int timeout_ms);
/* The next n export calls return `result` without storing. */
void mem_logs_fail_next(mem_logs *m, size_t n, otelc_export_result result);
/* Each export call sleeps this long first (a slow exporter). */
void mem_logs_delay(mem_logs *m, int ms);
size_t mem_logs_calls(mem_logs *m);
/* Attribute of a record by key, or NULL. */
const otelc_value *rec_attr(const otelc_log_record_data *r, const char *key);
