/*
 * tests/tools/tool_run.c - see tool_run.h.
 *
 * stdout and stderr are read together with poll() so that a child filling
 * one pipe while we block on the other cannot deadlock the test.
 */
#include "tools/tool_run.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_TIMEOUT_MS 120000

extern char **environ;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

char *tool_path(const char *name) {
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/tools/%s", OTELC_BUILD_DIR, name) > 0);
    cr_assert_eq(access(p, X_OK), 0, "%s is not built", p);
    return p;
}

/* The child's environment: a few inherited variables plus `extra`. */
static char **child_env(const char *const *extra) {
    static const char *const keep[] = {
        "PATH=", "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS="};
    size_t n = 0;
    for (size_t i = 0; extra && extra[i]; i++)
        n++;
    char **env = calloc(n + 10, sizeof *env);
    size_t k = 0;
    for (char **e = environ; *e; e++)
        for (size_t j = 0; j < sizeof keep / sizeof *keep; j++)
            if (!strncmp(*e, keep[j], strlen(keep[j])))
                env[k++] = *e;
    env[k++] = "OTELC_ENV_FILE=/nonexistent/otelc-test.env";
    for (size_t i = 0; extra && extra[i]; i++)
        env[k++] = (char *)extra[i];
    /* Metrics and logs to OTLP (their default) only when the test asks:
     * otherwise the program would send to localhost:4318 and spend its
     * shutdown deadline retrying (see tests/support/test_support.c). */
    static const char *const off[] = {"OTEL_METRICS_EXPORTER=none",
                                      "OTEL_LOGS_EXPORTER=none"};
    for (size_t j = 0; j < sizeof off / sizeof *off; j++) {
        size_t nl = strcspn(off[j], "=") + 1;
        bool given = false;
        for (size_t i = 0; extra && extra[i]; i++)
            given |= !strncmp(extra[i], off[j], nl);
        if (!given)
            env[k++] = (char *)off[j];
    }
    env[k] = NULL;
    return env;
}

static void child_exec(const char *const *argv, char **env, const char *cwd) {
    if (cwd && chdir(cwd) != 0)
        _exit(126);
    execve(argv[0], (char *const *)argv, env);
    _exit(127);
}

typedef struct sink {
    char *buf;
    size_t len, cap;
} sink;

static void sink_add(sink *s, const char *p, size_t n) {
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
        cr_assert_not_null(s->buf);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static char *sink_take(sink *s) {
    if (!s->buf)
        sink_add(s, "", 0);
    return s->buf;
}

/* Read fds until both are closed (or the deadline passes: kill the child
 * and keep reading what is left). */
static void drain(int *fds, sink *sinks, int n, pid_t pid, double deadline) {
    bool killed = false;
    for (;;) {
        struct pollfd p[2];
        int np = 0, map[2];
        for (int i = 0; i < n; i++) {
            if (fds[i] >= 0) {
                p[np].fd = fds[i];
                p[np].events = POLLIN;
                map[np++] = i;
            }
        }
        if (np == 0)
            return;
        int left = (int)(deadline - now_ms());
        if (left <= 0 && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
        int r = poll(p, (nfds_t)np, left > 0 ? left : 1000);
        if (r < 0 && errno == EINTR)
            continue;
        for (int j = 0; j < np; j++) {
            if (!p[j].revents)
                continue;
            char buf[65536];
            ssize_t got = read(p[j].fd, buf, sizeof buf);
            if (got > 0) {
                sink_add(&sinks[map[j]], buf, (size_t)got);
            } else if (got == 0 || errno != EINTR) {
                /* EOF, or EIO from a pty whose slave side closed. */
                close(p[j].fd);
                fds[map[j]] = -1;
            }
        }
    }
}

static int reap(pid_t pid) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

tool_result tool_run(const char *const *argv, const char *const *env,
                     const char *cwd) {
    int out[2], err[2];
    cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
    char **e = child_env(env);
    double t0 = now_ms();
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        child_exec(argv, e, cwd);
    }
    close(out[1]);
    close(err[1]);
    free(e);
    int fds[2] = {out[0], err[0]};
    sink sinks[2] = {{0}, {0}};
    drain(fds, sinks, 2, pid, t0 + CHILD_TIMEOUT_MS);
    tool_result r;
    r.status = reap(pid);
    r.ms = now_ms() - t0;
    r.out = sink_take(&sinks[0]);
    r.err = sink_take(&sinks[1]);
    return r;
}

tool_result tool_run_pty(const char *const *argv, const char *const *env,
                         const char *cwd) {
    char **e = child_env(env);
    int master = -1;
    double t0 = now_ms();
    fflush(NULL);
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    cr_assert_geq(pid, 0);
    if (pid == 0)
        child_exec(argv, e, cwd);
    free(e);
    int fds[1] = {master};
    sink sinks[1] = {{0}};
    drain(fds, sinks, 1, pid, t0 + CHILD_TIMEOUT_MS);
    tool_result r;
    r.status = reap(pid);
    r.ms = now_ms() - t0;
    r.out = sink_take(&sinks[0]);
    r.err = calloc(1, 1);
    return r;
}

void tool_result_free(tool_result *r) {
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

void write_file(const char *path, const char *content) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(content, f);
    fclose(f);
}

long long field_after(const char *text, const char *label) {
    const char *p = strstr(text, label);
    if (!p)
        return -1;
    p += strlen(label);
    while (*p == ' ')
        p++;
    char *end;
    long long v = strtoll(p, &end, 10);
    return end == p ? -1 : v;
}
