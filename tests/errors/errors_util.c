/*
 * tests/errors/errors_util.c - see errors_util.h.
 */
#include "errors/errors_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void errors_init(test_otelc *t, const char *const *kv) {
    memset(t, 0, sizeof *t);
    otelc_options *o = otelc_options_new();
    cr_assert_not_null(o);
    otelc_options_set_env_file(o, NULL);
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_LOGS_EXPORTER", "none");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "none");
    otelc_options_set(o, "ENABLE_CONSOLE_LOGGING", "false");
    otelc_options_set(o, "OTEL_SERVICE_NAME", "errors-test");
    otelc_options_set(o, "OTEL_BSP_SCHEDULE_DELAY", "50");
    otelc_options_set(o, "OTEL_BLRP_SCHEDULE_DELAY", "50");
    for (size_t i = 0; kv && kv[i]; i += 2)
        cr_assert_eq(otelc_options_set(o, kv[i], kv[i + 1]), OTELC_OK,
                     "setting %s=%s", kv[i], kv[i + 1]);
    otelc_options_add_span_exporter(o, otelc_memory_exporter_new(&t->spans));
    cr_assert_eq(otelc_init(o), OTELC_OK);
    cr_assert_eq(otelc_log_add_exporter(mem_logs_new(&t->logs)), OTELC_OK);
}

pid_t sentry_start(const char *script, int *port, char *out, size_t outcap) {
    const char *dir = test_tmpdir();
    char pf[512], log[512];
    snprintf(pf, sizeof pf, "%s/sentry.port", dir);
    snprintf(out, outcap, "%s/sentry.jsonl", dir);
    snprintf(log, sizeof log, "%s/sentry.log", dir);
    const char *argv[] = {OTELC_TEST_PYTHON,
                          ERRORS_TESTS_DIR "/sentry_server.py",
                          pf,
                          out,
                          script ? script : "[]",
                          NULL};
    pid_t pid = spawn(argv, log);
    cr_assert(wait_for_file(pf, 10000), "sentry_server.py did not start");
    char *p = read_file(pf, NULL);
    *port = atoi(p);
    free(p);
    return pid;
}

const char *sentry_dsn(int port) {
    static char buf[128];
    snprintf(buf, sizeof buf, "http://key1234@127.0.0.1:%d/42", port);
    return buf;
}

const otelc_span_data *find_span(test_otelc *t, const char *name) {
    otelc_force_flush(5000);
    for (size_t i = 0; i < otelc_memory_exporter_count(t->spans); i++) {
        const otelc_span_data *d = otelc_memory_exporter_get(t->spans, i);
        if (d && !strcmp(d->name, name))
            return d;
    }
    return NULL;
}

const otelc_log_record_data *find_log(test_otelc *t, const char *body) {
    otelc_log_flush(5000);
    for (size_t i = 0; i < mem_logs_count(t->logs); i++) {
        const otelc_log_record_data *r = mem_logs_get(t->logs, i);
        if (r && !strcmp(r->body, body))
            return r;
    }
    return NULL;
}

size_t count_matching_lines(const char *path, const char *needle) {
    char *b = read_file(path, NULL);
    if (!b)
        return 0;
    size_t n = 0;
    for (char *line = b; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strstr(line, needle))
            n++;
        if (!nl)
            break;
        line = nl + 1;
    }
    free(b);
    return n;
}
