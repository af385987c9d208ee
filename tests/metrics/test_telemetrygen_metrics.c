/*
 * tests/metrics/test_telemetrygen_metrics.c - otelc-telemetrygen --metrics
 * and --linger: the tool runs as a child process; while it lingers, its
 * /metrics is scraped and validated (promtool, prometheus_client), the
 * counts match the spans it generated, and the exemplars' trace ids are
 * those of spans it wrote to its file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "support/test_support.h"
#include "metrics/http_get.h"
#include "tools/tool_run.h"

extern char **environ;

static unsigned free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

/* Start the tool with extra environment entries; returns its pid. */
static pid_t spawn_tool(const char *const *argv, const char *const *env) {
    char *envp[64];
    int n = 0;
    for (char **e = environ; *e && n < 40; e++)
        if (strncmp(*e, "OTEL", 4) && strncmp(*e, "METRICS", 7))
            envp[n++] = *e;
    envp[n++] = "OTELC_ENV_FILE=/nonexistent/.env";
    for (int i = 0; env && env[i] && n < 63; i++)
        envp[n++] = (char *)env[i];
    envp[n] = NULL;
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    cr_assert_eq(
        posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, envp), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static char *validate(const http_resp *r, const char *fmt) {
    char path[] = "/tmp/otelc-tg-scrape-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, r->body, r->len), (ssize_t)r->len);
    close(fd);
    const char *args[] = {path, fmt, NULL};
    char *out = NULL;
    int rc = run_python(OTELC_TESTS_DIR "/metrics/check_prom.py", args, &out);
    unlink(path);
    cr_assert_eq(rc, 0, "%s", out);
    return out;
}

Test(telemetrygen, metrics_served_while_lingering) {
    unsigned port = free_port();
    const char *dir = test_tmpdir();
    char file[512], penv[64], fenv[600];
    snprintf(file, sizeof file, "%s/spans.jsonl", dir);
    snprintf(penv, sizeof penv, "METRICS_PORT=%u", port);
    snprintf(fenv, sizeof fenv, "OTELC_FILE_PATH=%s", file);
    const char *argv[] = {OTELC_BUILD_DIR "/tools/otelc-telemetrygen",
                          "--traces",
                          "50",
                          "--depth",
                          "2",
                          "--metrics",
                          "--linger",
                          "3",
                          "--exporter",
                          "file",
                          NULL};
    const char *env[] = {penv, fenv, "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1",
                         "OTEL_BSP_SCHEDULE_DELAY=50", NULL};
    pid_t pid = spawn_tool(argv, env);

    /* Poll until the load is done (50 traces on the counter), at most 10 s. */
    http_resp r = {0};
    char *out = NULL;
    for (int i = 0; i < 200; i++) {
        r = http_request(port, "/metrics",
                         "application/openmetrics-text;version=1.0.0", NULL,
                         NULL, 2000);
        if (r.ok && r.status == 200 &&
            strstr(r.body, "tg_spans_total{tg_level=\"0\",otel_scope_name="
                           "\"otelc-telemetrygen\",otel_scope_version="
                           "\"" OTELC_VERSION_STRING "\"} 50"))
            break;
        http_free(&r);
        usleep(50000);
    }
    cr_assert(r.ok && r.status == 200, "no /metrics while lingering");
    out = validate(&r, "openmetrics");
    cr_assert(
        strstr(
            out,
            "SAMPLE tg_span_duration_seconds_count {otel_scope_"
            "name=otelc-telemetrygen,otel_scope_version=" OTELC_VERSION_STRING
            ",tg_level=1} 50"),
        "%s", out);
    /* An exemplar's trace id is one of the spans the tool exported. */
    const char *ex = strstr(out, "EXEMPLAR tg_span_duration_seconds_bucket");
    cr_assert_not_null(ex, "%s", out);
    const char *tid = strstr(ex, "trace_id=");
    cr_assert_not_null(tid);
    char want[64];
    snprintf(want, sizeof want, "\"traceId\":\"%.32s\"", tid + 9);
    http_free(&r);
    free(out);
    r = http_get(port, "/metrics", NULL, NULL);
    out = validate(&r, "text");
    cr_assert(strstr(out, "FAMILY process_cpu_seconds counter"), "%s", out);
    free(out);
    http_free(&r);
    r = http_get(port, "/health", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);

    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    FILE *f = fopen(file, "r");
    cr_assert_not_null(f);
    char *spans = calloc(1, 1 << 22);
    size_t n = fread(spans, 1, (1 << 22) - 1, f);
    fclose(f);
    spans[n] = '\0';
    cr_assert(strstr(spans, want), "%s not among the exported spans", want);
    free(spans);
    /* The port is closed after the linger. */
    r = http_request(port, "/metrics", NULL, NULL, NULL, 1000);
    cr_assert_not(r.ok);
    http_free(&r);
}

Test(telemetrygen, metrics_disabled_serves_nothing) {
    char *tool = tool_path("otelc-telemetrygen");
    const char *argv[] = {tool,  "--traces",   "5",    "--metrics", "--linger",
                          "0.2", "--exporter", "none", NULL};
    const char *env[] = {"METRICS_ENABLED=false", NULL};
    tool_result r = tool_run(argv, env, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "  metrics:         tg.spans and tg.span.duration "
                            "per span\n"),
              "%s", r.out);
    cr_assert(strstr(r.err, "--linger: nothing is served"), "%s", r.err);
    tool_result_free(&r);
    free(tool);
}

Test(telemetrygen, bad_linger_is_rejected) {
    char *tool = tool_path("otelc-telemetrygen");
    const char *argv[] = {tool, "--linger", "-1", NULL};
    tool_result r = tool_run(argv, NULL, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "linger"), "%s", r.err);
    tool_result_free(&r);
    free(tool);
}
