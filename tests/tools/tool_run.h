/*
 * tests/tools/tool_run.h - run a built command-line tool as a child
 * process and capture what it did, for the tests of tools/.
 *
 * The child gets a clean environment: PATH, the sanitizer settings of the
 * test run (ASAN_OPTIONS...), OTELC_ENV_FILE pointing at a file that does
 * not exist (so no stray .env applies), and the variables the test gives.
 * It runs in `cwd` (NULL = the test's directory).  A child still running
 * after 120 s is killed, so a hung tool fails its test instead of hanging
 * the suite.
 */
#ifndef OTELC_TESTS_TOOL_RUN_H
#define OTELC_TESTS_TOOL_RUN_H

#include <stdbool.h>

typedef struct tool_result {
    int status; /* exit status; -1 when killed by a signal or timeout */
    char *out;  /* everything written to stdout (NUL-terminated) */
    char *err;  /* everything written to stderr */
    double ms;  /* wall time of the run */
} tool_result;

/* Path of a built tool, OTELC_BUILD_DIR "/tools/<name>" (malloc'd); asserts
 * that it exists. */
char *tool_path(const char *name);

/* Run argv[0] with argv (NULL-terminated), extra environment entries
 * "NAME=value" (NULL-terminated, may be NULL), in cwd. */
tool_result tool_run(const char *const *argv, const char *const *env,
                     const char *cwd);

/* The same with stdout and stderr on one pseudo-terminal (so isatty() is
 * true in the child); everything it printed is in .out. */
tool_result tool_run_pty(const char *const *argv, const char *const *env,
                         const char *cwd);

void tool_result_free(tool_result *r);

/* Write a file (for crafted inputs); asserts on failure. */
void write_file(const char *path, const char *content);

/* The value after "label" on the first line of `text` that contains it,
 * parsed as an unsigned integer; -1 when absent. */
long long field_after(const char *text, const char *label);

#endif
