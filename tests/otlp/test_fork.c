/*
 * tests/otlp/test_fork.c - an otelc process that fork()s while exporting
 * over OTLP does not hang, in the parent or in the child.
 *
 * The collector runs as a separate program (otelc-test-collector), so the
 * test process holds no gRPC server that a child could inherit.
 *
 *   - OTLP/HTTP: the child gets a fresh libcurl handle; its spans arrive.
 *   - OTLP/gRPC: the child never touches the inherited gRPC state (with or
 *     without GRPC_ENABLE_FORK_SUPPORT); its spans are dropped and
 *     counted, and its shutdown returns at once.
 * In every case the parent keeps exporting over its own connection.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otlp/otlp_test_util.h"

typedef struct ext_collector {
    pid_t pid;
    FILE *out;
    int grpc_port, http_port;
} ext_collector;

/* The running collector, killed by the fini hook if a test fails early. */
static ext_collector g_x;
static void kill_collector(void) {
    if (g_x.pid > 0) {
        kill(g_x.pid, SIGKILL);
        waitpid(g_x.pid, NULL, 0);
        g_x.pid = 0;
    }
}

static void ext_start(ext_collector *x) {
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/tests/peers/otelc-test-collector",
             OTELC_BUILD_DIR);
    x->pid = fork();
    if (x->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(bin, bin, "--grpc", "0", "--http", "0", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    x->out = fdopen(fds[0], "r");
    char line[256] = "";
    cr_assert_not_null(fgets(line, sizeof line, x->out),
                       "otelc-test-collector did not start");
    cr_assert_eq(sscanf(line, "grpc=127.0.0.1:%d http=127.0.0.1:%d",
                        &x->grpc_port, &x->http_port),
                 2, "unexpected first line: %s", line);
}

/* Stop it and return the number of spans it received. */
static long ext_stop(ext_collector *x) {
    kill(x->pid, SIGTERM);
    char line[256];
    long spans = -1;
    while (fgets(line, sizeof line, x->out))
        if (!strncmp(line, "total: spans=", 13))
            spans = atol(line + 13);
    fclose(x->out);
    waitpid(x->pid, NULL, 0);
    x->pid = 0;
    return spans;
}

/* Exit codes of the child. */
enum {
    CHILD_EXPORTED = 10,
    CHILD_DROPPED = 11,
    CHILD_SLOW = 12,
    CHILD_ODD = 13
};

static void fork_while_exporting(const char *protocol, int port,
                                 bool child_delivers) {
    char ep[96];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d%s", port,
             strcmp(protocol, "grpc") ? "/v1/traces" : "");
    otelc_otlp_options o = {0};
    o.protocol = protocol;
    o.endpoint = ep;
    otelc_batch_options bo = {0};
    bo.schedule_delay_ms = 20;
    otlp_pipe p;
    otlp_pipe_init(&p, &o, &bo);
    otelc_span_end(otelc_span_start(p.tracer, "before-fork", NULL));
    cr_assert_eq(otelc_tracer_provider_force_flush(p.provider, 5000), OTELC_OK);
    /* Keep the worker busy while forking: spans keep flowing. */
    for (int i = 0; i < 50; i++)
        otelc_span_end(otelc_span_start(p.tracer, "around-fork", NULL));

    pid_t pid = fork();
    if (pid == 0) {
        otelc_span_end(otelc_span_start(p.tracer, "in-child", NULL));
        double t0 = mono_ms();
        otelc_tracer_provider_shutdown(p.provider, 2000);
        double took = mono_ms() - t0;
        otelc_processor_stats ps;
        otelc_span_processor_stats(p.proc, &ps);
        if (took > 2100)
            _exit(CHILD_SLOW);
        if (ps.spans_exported == 1 && ps.dropped_export == 0)
            _exit(CHILD_EXPORTED);
        if (ps.spans_exported == 0 && ps.dropped_export == 1)
            _exit(CHILD_DROPPED);
        _exit(CHILD_ODD);
    }
    cr_assert_gt(pid, 0);
    otelc_span_end(otelc_span_start(p.tracer, "after-fork", NULL));
    cr_assert_eq(otelc_tracer_provider_force_flush(p.provider, 5000), OTELC_OK);
    int status = 0;
    /* The child's own deadline is 2 s; give it generous room, then kill
     * it: a hang must fail the test, not stall it. */
    double t0 = mono_ms();
    pid_t w;
    while ((w = waitpid(pid, &status, WNOHANG)) == 0 && mono_ms() - t0 < 10000)
        usleep(10000);
    if (w == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        cr_assert_fail("the child process hung after fork()");
    }
    cr_assert(WIFEXITED(status), "the child crashed (status 0x%x)", status);
    cr_assert_eq(WEXITSTATUS(status),
                 child_delivers ? CHILD_EXPORTED : CHILD_DROPPED,
                 "child exit code %d", WEXITSTATUS(status));
    otelc_processor_stats ps;
    otelc_span_processor_stats(p.proc, &ps);
    cr_assert_eq(ps.spans_exported, 52, "the parent kept exporting");
    cr_assert_eq(otlp_pipe_dropped(&p), 0);
    otlp_pipe_free(&p);
}

Test(otlp_fork, http_child_exports_and_parent_continues,
     .fini = kill_collector) {
    ext_start(&g_x);
    fork_while_exporting("http/protobuf", g_x.http_port, true);
    cr_assert_eq(ext_stop(&g_x), 53);
}

Test(otlp_fork, grpc_child_drops_and_does_not_hang, .fini = kill_collector) {
    unsetenv("GRPC_ENABLE_FORK_SUPPORT");
    ext_start(&g_x);
    fork_while_exporting("grpc", g_x.grpc_port, false);
    cr_assert_eq(ext_stop(&g_x), 52);
}

/* gRPC's own fork support does not change that: it cannot make a child's
 * gRPC safe when a gRPC thread is busy at fork() time, so otelc never uses
 * gRPC in a child. */
Test(otlp_fork, grpc_with_fork_support_env_child_drops_too,
     .fini = kill_collector) {
    setenv("GRPC_ENABLE_FORK_SUPPORT", "1", 1);
    ext_start(&g_x);
    fork_while_exporting("grpc", g_x.grpc_port, false);
    cr_assert_eq(ext_stop(&g_x), 52);
}
