/*
 * tests/support/test_support.c - see test_support.h.
 */
#include "support/test_support.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER default to "otlp", whose
 * endpoint is localhost:4317/4318: a test must neither send its telemetry
 * to whatever listens there on the developer's machine nor spend its
 * shutdown deadline retrying a collector that is absent.  So every test
 * process (and the programs it starts) begins with both off, unless the
 * environment sets them; tests about them set them in code or with
 * setenv(). */
__attribute__((constructor)) static void default_exporters_off(void) {
    setenv("OTEL_METRICS_EXPORTER", "none", 0);
    setenv("OTEL_LOGS_EXPORTER", "none", 0);
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_buf;
static size_t g_len;

static void handler(otelc_diag_level level, const char *msg, void *ud) {
    (void)level;
    (void)ud;
    pthread_mutex_lock(&g_lock);
    size_t n = strlen(msg);
    char *nb = realloc(g_buf, g_len + n + 2);
    if (nb) {
        g_buf = nb;
        memcpy(g_buf + g_len, msg, n);
        g_len += n;
        g_buf[g_len++] = '\n';
        g_buf[g_len] = '\0';
    }
    pthread_mutex_unlock(&g_lock);
}

void diag_capture_start(void) {
    pthread_mutex_lock(&g_lock);
    free(g_buf);
    g_buf = calloc(1, 1);
    g_len = 0;
    pthread_mutex_unlock(&g_lock);
    otelc_diag_set_level(OTELC_DIAG_DEBUG);
    otelc_diag_set_handler(handler, NULL);
}

const char *diag_captured(void) {
    return g_buf ? g_buf : "";
}

int diag_count(const char *s1, ...) {
    const char *subs[16];
    int ns = 0;
    va_list ap;
    va_start(ap, s1);
    for (const char *s = s1; s && ns < 16; s = va_arg(ap, const char *))
        subs[ns++] = s;
    va_end(ap);
    int count = 0;
    pthread_mutex_lock(&g_lock);
    const char *p = g_buf ? g_buf : "";
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *line = strndup(p, n);
        bool all = true;
        for (int i = 0; i < ns; i++)
            if (!strstr(line, subs[i]))
                all = false;
        count += all;
        free(line);
        if (!e)
            break;
        p = e + 1;
    }
    pthread_mutex_unlock(&g_lock);
    return count;
}

void diag_capture_stop(void) {
    otelc_diag_set_handler(NULL, NULL);
}

void pipeline_init(test_pipeline *tp, otelc_sampler *sampler, bool batch,
                   const otelc_batch_options *opts) {
    memset(tp, 0, sizeof *tp);
    tp->provider = otelc_tracer_provider_new(
        NULL, sampler ? sampler : otelc_sampler_always_on());
    cr_assert_not_null(tp->provider);
    otelc_span_exporter *e = otelc_memory_exporter_new(&tp->mem);
    cr_assert_not_null(e);
    otelc_span_processor *p = batch ? otelc_batch_span_processor_new(e, opts)
                                    : otelc_simple_span_processor_new(e);
    cr_assert_not_null(p);
    cr_assert_eq(otelc_tracer_provider_add_processor(tp->provider, p),
                 OTELC_OK);
    tp->proc = p;
    tp->tracer = otelc_tracer_get(tp->provider, "test", "1.0");
}

void pipeline_free(test_pipeline *tp) {
    if (otelc_tracer_provider_global() == tp->provider)
        otelc_tracer_provider_set_global(NULL);
    otelc_tracer_provider_free(tp->provider);
    memset(tp, 0, sizeof *tp);
}

const otelc_span_data *pipeline_find(test_pipeline *tp, const char *name) {
    size_t n = otelc_memory_exporter_count(tp->mem);
    for (size_t i = 0; i < n; i++) {
        const otelc_span_data *d = otelc_memory_exporter_get(tp->mem, i);
        if (d && !strcmp(d->name, name))
            return d;
    }
    return NULL;
}

const otelc_value *find_attr(const otelc_attribute *attrs, uint32_t n,
                             const char *key) {
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(attrs[i].key, key))
            return &attrs[i].value;
    return NULL;
}

int run_python(const char *script, const char *const *args, char **out) {
    int pipefd[2];
    if (pipe(pipefd))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        const char *argv[32];
        int n = 0;
        argv[n++] = OTELC_TEST_PYTHON;
        argv[n++] = script;
        for (int i = 0; args && args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(OTELC_TEST_PYTHON, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(pipefd[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[len] = '\0';
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Temporary directories are removed when the test process exits. */
static char g_tmpdirs[16][64];
static int g_ntmp;

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tmpdirs(void) {
    for (int i = 0; i < g_ntmp; i++)
        nftw(g_tmpdirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_tmpdir(void) {
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/otelc-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    if (g_ntmp < 16) {
        if (g_ntmp == 0)
            atexit(remove_tmpdirs);
        memcpy(g_tmpdirs[g_ntmp++], dir, sizeof dir);
    }
    return dir;
}

double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
