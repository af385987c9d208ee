/*
 * tests/jaeger/jaeger_peer.c - see jaeger_peer.h.
 */
#include "jaeger/jaeger_peer.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_support.h"

void jpeer_start(jaeger_peer *p, const char *const *args) {
    memset(p, 0, sizeof *p);
    snprintf(p->out, sizeof p->out, "%s/jaeger.jsonl", test_tmpdir());
    const char *argv[40];
    int n = 0;
    argv[n++] = OTELC_TEST_PYTHON;
    argv[n++] = OTELC_TESTS_DIR "/jaeger/jaeger_receiver.py";
    argv[n++] = "--thrift";
    argv[n++] = OTELC_TEST_THRIFT;
    argv[n++] = "--idl";
    argv[n++] = OTELC_TESTS_DIR "/jaeger/jaeger.thrift";
    argv[n++] = "--out";
    argv[n++] = p->out;
    for (int i = 0; args && args[i] && n < 39; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        /* The receiver must not outlive a test that fails or crashes. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(OTELC_TEST_PYTHON, (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    p->pid = pid;
    /* The first line is "PORT <n>" once the socket listens (after the IDL
     * is compiled, well under a few seconds). */
    char line[64] = {0};
    size_t len = 0;
    while (len < sizeof line - 1) {
        ssize_t r = read(fd[0], line + len, 1);
        if (r <= 0 || line[len] == '\n')
            break;
        len++;
    }
    close(fd[0]);
    cr_assert(sscanf(line, "PORT %d", &p->port) == 1,
              "the Jaeger receiver did not start (got \"%s\")", line);
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d/api/traces", p->port);
}

void jpeer_stop(jaeger_peer *p) {
    if (p->pid <= 0)
        return;
    kill(p->pid, SIGTERM);
    int st;
    waitpid(p->pid, &st, 0);
    p->pid = 0;
}

char *jpeer_query(jaeger_peer *p, const char *cmd, const char *arg) {
    const char *args[] = {cmd, p->out, arg, NULL};
    char *out = NULL;
    int rc = run_python(OTELC_TESTS_DIR "/jaeger/jaeger_query.py", args, &out);
    cr_assert(rc == 0 || !strcmp(cmd, "span"), "jaeger_query.py %s: exit %d",
              cmd, rc);
    return out;
}

int jpeer_requests_seen(jaeger_peer *p) {
    FILE *f = fopen(p->out, "r");
    if (!f)
        return 0;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static const char *find_key(const char *out, const char *key) {
    size_t kl = strlen(key);
    for (const char *l = out; l && *l;) {
        if (!strncmp(l, key, kl) && l[kl] == '=')
            return l + kl + 1;
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return NULL;
}

long long kv_int(const char *out, const char *key) {
    const char *v = find_key(out, key);
    cr_assert_not_null(v, "no %s= in:\n%s", key, out);
    return strtoll(v, NULL, 10);
}

unsigned long long kv_u64(const char *out, const char *key) {
    const char *v = find_key(out, key);
    cr_assert_not_null(v, "no %s= in:\n%s", key, out);
    return strtoull(v, NULL, 10);
}

const char *kv_str(const char *out, const char *key) {
    static char buf[4096];
    const char *v = find_key(out, key);
    cr_assert_not_null(v, "no %s= in:\n%s", key, out);
    size_t n = strcspn(v, "\n");
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return buf;
}

int closed_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

const char *b64(const char *s) {
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static char out[512];
    size_t n = strlen(s), o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[o++] = t[v >> 18];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}
