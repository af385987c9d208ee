/*
 * tests/log/log_util.c - see log_util.h.
 */
#include "log/log_util.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

otelc_status log_init_status(const char *const *kv) {
    otelc_options *o = otelc_options_new();
    cr_assert_not_null(o);
    otelc_options_set_env_file(o, NULL);
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_LOGS_EXPORTER", "none");
    otelc_options_set(o, "ENABLE_CONSOLE_LOGGING", "false");
    otelc_options_set(o, "OTEL_SERVICE_NAME", "log-test");
    for (size_t i = 0; kv && kv[i]; i += 2)
        cr_assert_eq(otelc_options_set(o, kv[i], kv[i + 1]), OTELC_OK,
                     "setting %s=%s", kv[i], kv[i + 1]);
    return otelc_init(o);
}

void log_init(const char *const *kv) {
    cr_assert_eq(log_init_status(kv), OTELC_OK);
}

char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

size_t count_lines(const char *path) {
    size_t len;
    char *b = read_file(path, &len);
    if (!b)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += b[i] == '\n';
    free(b);
    return n;
}

bool file_exists(const char *path) {
    return access(path, F_OK) == 0;
}

long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

pid_t spawn(const char *const *argv, const char *out_path) {
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (out_path) {
            int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

void stop_process(pid_t pid) {
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

int free_port(int socktype) {
    int fd = socket(AF_INET, socktype, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

bool wait_for_file(const char *path, int timeout_ms) {
    double end = mono_ms() + timeout_ms;
    while (mono_ms() < end) {
        if (file_size(path) > 0)
            return true;
        usleep(10000);
    }
    return false;
}

bool wait_for_lines(const char *path, size_t n, int timeout_ms) {
    double end = mono_ms() + timeout_ms;
    while (mono_ms() < end) {
        if (count_lines(path) >= n)
            return true;
        usleep(20000);
    }
    return false;
}

/* ---- memory log exporter ------------------------------------------------- */

struct mem_logs {
    pthread_mutex_t lock;
    otelc_log_record_data **recs;
    size_t n, cap;
    size_t fail_left;
    otelc_export_result fail_with;
    int delay_ms;
    size_t calls;
};

static otelc_export_result mem_export(void *st,
                                      const otelc_log_record_data *const *r,
                                      size_t n, otelc_export_context *ctx) {
    (void)ctx;
    mem_logs *m = st;
    pthread_mutex_lock(&m->lock);
    m->calls++;
    int delay = m->delay_ms;
    if (m->fail_left) {
        m->fail_left--;
        otelc_export_result res = m->fail_with;
        pthread_mutex_unlock(&m->lock);
        return res;
    }
    pthread_mutex_unlock(&m->lock);
    if (delay)
        usleep((useconds_t)delay * 1000);
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < n; i++) {
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 64;
            m->recs = realloc(m->recs, sizeof *m->recs * m->cap);
        }
        m->recs[m->n++] = otelc_log_record_data_copy(r[i]);
    }
    pthread_mutex_unlock(&m->lock);
    return OTELC_EXPORT_SUCCESS;
}

static const otelc_log_exporter_ops mem_ops = {"memory", mem_export, NULL, NULL,
                                               NULL};

otelc_log_exporter *mem_logs_new(mem_logs **out) {
    mem_logs *m = calloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return otelc_log_exporter_new(&mem_ops, m);
}

size_t mem_logs_count(mem_logs *m) {
    pthread_mutex_lock(&m->lock);
    size_t n = m->n;
    pthread_mutex_unlock(&m->lock);
    return n;
}

size_t mem_logs_calls(mem_logs *m) {
    pthread_mutex_lock(&m->lock);
    size_t n = m->calls;
    pthread_mutex_unlock(&m->lock);
    return n;
}

const otelc_log_record_data *mem_logs_get(mem_logs *m, size_t i) {
    pthread_mutex_lock(&m->lock);
    const otelc_log_record_data *r = i < m->n ? m->recs[i] : NULL;
    pthread_mutex_unlock(&m->lock);
    return r;
}

bool mem_logs_wait(mem_logs *m, size_t n, int timeout_ms) {
    double end = mono_ms() + timeout_ms;
    while (mono_ms() < end) {
        if (mem_logs_count(m) >= n)
            return true;
        usleep(5000);
    }
    return mem_logs_count(m) >= n;
}

void mem_logs_fail_next(mem_logs *m, size_t n, otelc_export_result result) {
    pthread_mutex_lock(&m->lock);
    m->fail_left = n;
    m->fail_with = result;
    pthread_mutex_unlock(&m->lock);
}

void mem_logs_delay(mem_logs *m, int ms) {
    pthread_mutex_lock(&m->lock);
    m->delay_ms = ms;
    pthread_mutex_unlock(&m->lock);
}

const otelc_value *rec_attr(const otelc_log_record_data *r, const char *key) {
    for (uint32_t i = 0; i < r->attribute_count; i++)
        if (!strcmp(r->attributes[i].key, key))
            return &r->attributes[i].value;
    return NULL;
}
