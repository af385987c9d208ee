/*
 * tests/instrumentation/test_shop.c - the two example services
 * (examples/shop) as real processes on free loopback ports: requests go
 * through them with a known caller context; both are stopped with
 * SIGTERM and must exit 0 having flushed their spans; then one trace id
 * must appear in both processes' output (span files and logs) with the
 * right parent links, checked by Python's JSON decoder.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "instrumentation/http_helpers.h"

#define CALLER_TID "0af7651916cd43dd8448eb211c80319c"
#define CALLER_SID "b7ad6b7169203331"
#define FAIL_TID "1af7651916cd43dd8448eb211c80319d"

static char g_dir[128];

static pid_t spawn(const char *exe, const char *service, const char *name,
                   const char *backend) {
    char bin[512], spans[256], log[256], portf[256];
    snprintf(bin, sizeof bin, "%s/examples/shop/%s", OTELC_BUILD_DIR, exe);
    cr_assert(access(bin, X_OK) == 0, "%s not built", bin);
    snprintf(spans, sizeof spans, "%s/%s.jsonl", g_dir, name);
    snprintf(log, sizeof log, "%s/%s.log", g_dir, name);
    snprintf(portf, sizeof portf, "%s/%s.port", g_dir, name);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "w", stdout);
        (void)f;
        dup2(1, 2);
        setenv("OTEL_SERVICE_NAME", service, 1);
        setenv("OTEL_TRACES_EXPORTER", "file", 1);
        setenv("OTELC_FILE_PATH", spans, 1);
        setenv("OTEL_BSP_SCHEDULE_DELAY", "100", 1);
        setenv("OTELC_ENV_FILE", "", 1);
        unsetenv("OTEL_PROPAGATORS");
        if (backend)
            execl(bin, bin, "--port", "0", "--port-file", portf, "--backend",
                  backend, (char *)NULL);
        else
            execl(bin, bin, "--port", "0", "--port-file", portf, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static uint16_t read_port(const char *name, pid_t pid) {
    char portf[256];
    snprintf(portf, sizeof portf, "%s/%s.port", g_dir, name);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(portf, "r");
        if (f) {
            unsigned p = 0;
            int n = fscanf(f, "%u", &p);
            fclose(f);
            if (n == 1 && p)
                return (uint16_t)p;
        }
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "%s exited early", name);
        usleep(50000);
    }
    cr_assert_fail("%s did not write its port", name);
    return 0;
}

static int stop(pid_t pid) {
    kill(pid, SIGTERM);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(shop, one_trace_across_both_processes) {
    snprintf(g_dir, sizeof g_dir, "%s", test_tmpdir());
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pid_t be = spawn("shop-backend", "shop-backend", "backend", NULL);
    uint16_t be_port = read_port("backend", be);
    char backend_url[64];
    snprintf(backend_url, sizeof backend_url, "http://127.0.0.1:%u", be_port);
    pid_t fe = spawn("shop-frontend", "shop-frontend", "frontend", backend_url);
    uint16_t fe_port = read_port("frontend", fe);

    /* The caller: a W3C context and a request id the test knows. */
    char *ok_url = url_of(fe_port, "/checkout?item=apple");
    const char *h[] = {"traceparent: 00-" CALLER_TID "-" CALLER_SID "-01",
                       "X-Request-ID: test-req-1", NULL};
    plain_resp resp;
    cr_assert_eq(plain_request("GET", ok_url, h, NULL, &resp), CURLE_OK);
    cr_assert_eq(resp.status, 200, "%s", resp.body);
    cr_assert_str_eq(resp.request_id, "test-req-1");
    cr_assert_not_null(strstr(resp.body, "\"order\":\"accepted\""));

    char *bad_url = url_of(fe_port, "/checkout?item=bad");
    const char *hb[] = {"traceparent: 00-" FAIL_TID "-" CALLER_SID "-01", NULL};
    cr_assert_eq(plain_request("GET", bad_url, hb, NULL, &resp), CURLE_OK);
    cr_assert_eq(resp.status, 502);
    char *missing_url = url_of(fe_port, "/checkout?item=missing");
    cr_assert_eq(plain_request("GET", missing_url, NULL, NULL, &resp),
                 CURLE_OK);
    cr_assert_eq(resp.status, 404);

    /* SIGTERM: each service flushes through otelc_shutdown and exits 0. */
    cr_assert_eq(stop(fe), 0, "frontend exit status");
    cr_assert_eq(stop(be), 0, "backend exit status");

    char f_spans[256], b_spans[256], f_log[256], b_log[256];
    snprintf(f_spans, sizeof f_spans, "%s/frontend.jsonl", g_dir);
    snprintf(b_spans, sizeof b_spans, "%s/backend.jsonl", g_dir);
    snprintf(f_log, sizeof f_log, "%s/frontend.log", g_dir);
    snprintf(b_log, sizeof b_log, "%s/backend.log", g_dir);
    const char *args[] = {f_spans,    b_spans,      f_log,    b_log, CALLER_TID,
                          CALLER_SID, "test-req-1", FAIL_TID, NULL};
    char *out = NULL;
    int rc = run_python(OTELC_TESTS_DIR "/instrumentation/check_shop.py", args,
                        &out);
    cr_assert_eq(rc, 0, "check_shop.py: %s", out);
    cr_assert_str_eq(out, "ok\n");
    free(out);
    free(ok_url);
    free(bad_url);
    free(missing_url);
    curl_global_cleanup();
}
