/*
 * sdk/errors.c - otelc_error_capture(): one error, recorded on the span,
 * in the log, in the error counter and (with SENTRY_DSN) sent to Sentry;
 * and the lifecycle of error tracking (the Sentry sender, the crash
 * handler, pending crash reports) inside otelc_init()/otelc_shutdown().
 *
 * Capture runs on the caller's thread and never waits on I/O: the span
 * setters and the log record are the usual non-blocking calls, and the
 * Sentry event is built in one allocation and pushed on the sender's
 * per-thread queue (exporters/sentry/sentry_sender.c), which drops and
 * counts when full.
 *
 * Lifetime.  The sender is published through an atomic pointer.  A
 * capture may still hold the pointer while otelc_shutdown() stops the
 * sender, so a stopped sender is shut down but never freed: it stays on a
 * retired list (reachable, a few hundred bytes per init/shutdown cycle),
 * and a late push is dropped and counted by its stopped queue.
 */
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/errors_int.h"
#include "sdk/errors_metrics_int.h"
#include "sdk/span_int.h"

#include "otelc/log.h"

otelc__sentry_counters otelc__sentry_stats;

typedef struct retired {
    otelc__sentry *s;
    struct retired *next;
} retired;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int g_enabled;
static _Atomic(otelc__sentry *) g_sentry;
static retired *g_retired;
static _Atomic uint64_t g_captured, g_crash_found;
static otelc_logger *g_logger;
static bool g_installed_crash; /* by otelc_init (OTELC_CRASH_HANDLER) */

/* ---- events ------------------------------------------------------------- */

static size_t slen(const char *s) {
    return s ? strlen(s) + 1 : 0;
}

otelc__error_event *otelc__error_event_new(
    otelc_error_level level, const otelc_span_context *sc, const char *type,
    const char *message, const char *stacktrace, const char *crash_file,
    const otelc__tag_in *tags, size_t ntags, otelc_time_ns time) {
    if (!type || !type[0])
        type = "Error";
    if (!message)
        message = "";
    /* Sentry's limits: tag keys 32 bytes, values 200 characters. */
    size_t tag_bytes = 0;
    for (size_t i = 0; i < ntags; i++) {
        size_t kl = strlen(tags[i].key);
        tag_bytes += OTELC_MIN(kl, 32) + 1;
        tag_bytes += otelc__utf8_prefix(tags[i].value, tags[i].vlen, 200) + 1;
    }
    size_t total = sizeof(otelc__error_event) +
                   ntags * sizeof(otelc__error_tag) + slen(type) +
                   slen(message) + slen(stacktrace) + slen(crash_file) +
                   slen("otelc.errors") + tag_bytes;
    otelc__error_event *e = malloc(total);
    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    e->tags = (otelc__error_tag *)(e + 1);
    char *p = (char *)(e->tags + ntags);
#define COPY(field, src)                                                       \
    do {                                                                       \
        if (src) {                                                             \
            size_t l_ = strlen(src);                                           \
            memcpy(p, (src), l_ + 1);                                          \
            (field) = p;                                                       \
            p += l_ + 1;                                                       \
        }                                                                      \
    } while (0)
    COPY(e->type, type);
    COPY(e->message, message);
    COPY(e->stacktrace, stacktrace);
    COPY(e->crash_file, crash_file);
    COPY(e->logger, "otelc.errors");
#undef COPY
    for (size_t i = 0; i < ntags; i++) {
        size_t kl = OTELC_MIN(strlen(tags[i].key), 32);
        memcpy(p, tags[i].key, kl);
        p[kl] = '\0';
        e->tags[i].key = p;
        p += kl + 1;
        size_t vl = otelc__utf8_prefix(tags[i].value, tags[i].vlen, 200);
        memcpy(p, tags[i].value, vl);
        p[vl] = '\0';
        e->tags[i].value = p;
        p += vl + 1;
    }
    e->ntags = ntags;
    e->level = level;
    if (sc)
        e->sc = *sc;
    e->time = time ? time : otelc__now_ns();
    otelc__thread *t = otelc__thread_get();
    if (t) {
        otelc__store_be64(e->event_id, otelc__wyrand(&t->rng));
        otelc__store_be64(e->event_id + 8, otelc__wyrand(&t->rng));
    } else {
        otelc__os_random(e->event_id, sizeof e->event_id);
    }
    return e;
}

const char *otelc__error_value_str(const otelc_value *v, char *buf, size_t size,
                                   size_t *len) {
    int n = 0;
    switch (v->type) {
    case OTELC_VALUE_STRING:
        *len = v->len ? v->len : strlen(v->u.s ? v->u.s : "");
        return v->u.s ? v->u.s : "";
    case OTELC_VALUE_BOOL:
        n = snprintf(buf, size, "%s", v->u.b ? "true" : "false");
        break;
    case OTELC_VALUE_INT:
        n = snprintf(buf, size, "%lld", (long long)v->u.i);
        break;
    case OTELC_VALUE_DOUBLE:
        /* %.17g round-trips; %g is what a reader expects for 12.5. */
        n = snprintf(buf, size, "%.15g", v->u.d);
        break;
    default:
        n = snprintf(buf, size, "<%s>",
                     v->type == OTELC_VALUE_BYTES ? "bytes" : "array");
        break;
    }
    *len = n > 0 ? OTELC_MIN((size_t)n, size - 1) : 0;
    return buf;
}

/* ---- capture ------------------------------------------------------------ */

/* backtrace_symbols(3) lines of the caller's stack, innermost first, minus
 * `skip` frames of otelc itself; malloc'd, NULL when unavailable. */
static char *capture_backtrace(int skip) {
    void *frames[64];
    int n = backtrace(frames, 64);
    if (n <= skip)
        return NULL;
    char **names = backtrace_symbols(frames + skip, n - skip);
    if (!names)
        return NULL;
    size_t total = 1;
    for (int i = 0; i < n - skip; i++)
        total += strlen(names[i]) + 1;
    char *s = malloc(total), *o = s;
    if (s) {
        for (int i = 0; i < n - skip; i++) {
            size_t l = strlen(names[i]);
            memcpy(o, names[i], l);
            o += l;
            *o++ = '\n';
        }
        if (o > s)
            o--;
        *o = '\0';
    }
    free(names);
    return s;
}

static otelc_logger *errors_logger(void) {
    otelc_logger *l = __atomic_load_n(&g_logger, __ATOMIC_ACQUIRE);
    if (!l) {
        l = otelc_logger_get("otelc.errors");
        __atomic_store_n(&g_logger, l, __ATOMIC_RELEASE);
    }
    return l;
}

static void capture(const otelc_error_info *info, const otelc_attribute *fields,
                    size_t count, int skip) {
    if (!atomic_load_explicit(&g_enabled, memory_order_acquire))
        return;
    if (!fields)
        count = 0;
    const char *type =
        info && info->type && info->type[0] ? info->type : "Error";
    const char *message = info && info->message ? info->message : "";
    otelc_error_level level = info ? info->level : OTELC_ERROR_LEVEL_ERROR;
    atomic_fetch_add_explicit(&g_captured, 1, memory_order_relaxed);

    char *bt = NULL;
    const char *stack = info ? info->stacktrace : NULL;
    if (!stack && info && info->backtrace)
        stack = bt = capture_backtrace(skip);

    /* The span: the exception event, and ERROR status unless this is only
     * a warning. */
    otelc_span *span = info && info->span ? info->span : otelc_span_current();
    if (span) {
        otelc_span_record_exception(span, type, message, stack, fields, count);
        if (level != OTELC_ERROR_LEVEL_WARNING)
            otelc_span_set_status(span, OTELC_STATUS_ERROR,
                                  message[0] ? message : type);
    }

    /* The log record, made while the span is current so that it carries
     * the same trace_id and span_id. */
    otelc_scope scope = {UINT32_MAX};
    bool pushed = false;
    if (info && info->span && info->span != otelc_span_current()) {
        scope = otelc_span_make_current(info->span);
        pushed = true;
    }
    otelc_span_context sc = otelc_current_span_context();
    otelc_logger *lg = errors_logger();
    otelc_log_level ll =
        level == OTELC_ERROR_LEVEL_WARNING ? OTELC_LOG_WARN : OTELC_LOG_ERROR;
    if (otelc_log_enabled(lg, ll)) {
        otelc_attribute local[33];
        otelc_attribute *all = local;
        size_t n = 0;
        if (count + 1 > OTELC_ARRAY_LEN(local))
            all = malloc(sizeof *all * (count + 1));
        if (all) {
            for (size_t i = 0; i < count; i++)
                all[n++] = fields[i];
            if (stack)
                all[n++] = OTELC_ATTR_STR("exception.stacktrace", stack);
        } else {
            all = local;
        }
        otelc_log_error_info ei = {.type = type, .message = message};
        otelc_log_error(lg, ll, message[0] ? message : type, &ei, all, n);
        if (all != local)
            free(all);
    }
    if (pushed)
        otelc_scope_end(scope);

    /* otelc_errors_total{error_type}. */
    otelc__m_error(type);

    /* Sentry. */
    otelc__sentry *s = atomic_load_explicit(&g_sentry, memory_order_acquire);
    if (s) {
        otelc__tag_in tl[32];
        char vb[32][64];
        size_t nt = 0;
        for (size_t i = 0; i < count && nt < OTELC_ARRAY_LEN(tl); i++) {
            if (!fields[i].key || !fields[i].key[0] ||
                fields[i].value.type == OTELC_VALUE_NONE)
                continue;
            tl[nt].key = fields[i].key;
            tl[nt].value = otelc__error_value_str(&fields[i].value, vb[nt],
                                                  sizeof vb[nt], &tl[nt].vlen);
            nt++;
        }
        const char *rid = otelc_request_id_current();
        if (rid && nt < OTELC_ARRAY_LEN(tl)) {
            tl[nt].key = "request_id";
            tl[nt].value = rid;
            tl[nt].vlen = strlen(rid);
            nt++;
        }
        otelc__error_event *ev = otelc__error_event_new(
            level, &sc, type, message, stack, NULL, tl, nt, 0);
        if (ev)
            otelc__sentry_submit(s, ev);
        else
            atomic_fetch_add(&otelc__sentry_stats.dropped_queue, 1);
    }
    free(bt);
}

OTELC_API void otelc_error_capture_attrs(const char *type, const char *message,
                                         const otelc_attribute *fields,
                                         size_t count) {
    otelc_error_info info = {.type = type, .message = message};
    capture(&info, fields, count, 2);
}

OTELC_API void otelc_error_capture_ex(const otelc_error_info *info,
                                      const otelc_attribute *fields,
                                      size_t count) {
    otelc_error_info def = {0};
    capture(info ? info : &def, fields, count, 2);
}

OTELC_API void otelc_error_get_stats(otelc_error_stats *out) {
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    out->captured = atomic_load(&g_captured);
    out->sentry_queued = atomic_load(&otelc__sentry_stats.queued);
    out->sentry_sent = atomic_load(&otelc__sentry_stats.sent);
    out->sentry_failed = atomic_load(&otelc__sentry_stats.failed);
    out->sentry_rate_limited = atomic_load(&otelc__sentry_stats.rate_limited);
    out->sentry_dropped_queue = atomic_load(&otelc__sentry_stats.dropped_queue);
    out->sentry_requests = atomic_load(&otelc__sentry_stats.requests);
    out->crash_reports_found = atomic_load(&g_crash_found);
}

OTELC_API otelc_status otelc_error_flush(uint32_t timeout_ms) {
    return otelc__errors_flush_until(otelc__mono_ns() +
                                     (uint64_t)timeout_ms * 1000000u);
}

OTELC_API uint64_t otelc_sentry_rate_limited_ms(void) {
    otelc__sentry *s = atomic_load(&g_sentry);
    return s ? otelc__sentry_limited_ms(s) : 0;
}

OTELC_API otelc_status otelc_sentry_dsn_check(const char *dsn, const char **why,
                                              char *endpoint,
                                              size_t endpoint_cap) {
    otelc__sentry_dsn d;
    const char *w = NULL;
    bool ok = otelc__sentry_dsn_parse(dsn, &d, &w);
    if (why)
        *why = ok ? NULL : w;
    if (endpoint && endpoint_cap)
        snprintf(endpoint, endpoint_cap, "%s", ok ? d.endpoint : "");
    return ok ? OTELC_OK : OTELC_EPARSE;
}

/* ---- pending crash reports ------------------------------------------------
 */

static void report_crash_file(const char *path, otelc__sentry *s) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *buf = malloc(1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    if (!buf)
        return;
    buf[n] = '\0';
    otelc__crash_record cr;
    if (!otelc__crash_parse(buf, n, &cr)) {
        otelc__diag(OTELC_DIAG_WARN,
                    "crash report %s is not readable; removing it", path);
        free(buf);
        unlink(path);
        return;
    }
    atomic_fetch_add(&g_crash_found, 1);
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    bool has_trace = otelc_trace_id_from_hex(cr.trace_id, strlen(cr.trace_id),
                                             sc.trace_id) == OTELC_OK &&
                     otelc_span_id_from_hex(cr.span_id, strlen(cr.span_id),
                                            sc.span_id) == OTELC_OK;
    if (has_trace)
        sc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    char msg[160];
    snprintf(msg, sizeof msg, "process %lld crashed with %s at address %s",
             cr.pid, cr.signal_name, cr.address);
    otelc_attribute fields[] = {
        OTELC_ATTR_STR("crash.file", path),
        OTELC_ATTR_INT("crash.signal", cr.signal),
        OTELC_ATTR_STR("crash.signal_name", cr.signal_name),
        OTELC_ATTR_STR("crash.address", cr.address),
        OTELC_ATTR_INT("crash.pid", cr.pid),
        OTELC_ATTR_INT("crash.time", cr.time_s),
        OTELC_ATTR_STR("crash.trace_id", cr.trace_id),
        OTELC_ATTR_STR("crash.span_id", cr.span_id),
        OTELC_ATTR_STR("exception.stacktrace",
                       cr.backtrace ? cr.backtrace : ""),
    };
    otelc_log_error_info ei = {.type = cr.signal_name, .message = msg};
    /* Made with the crashed trace's context attached, so that the record
     * carries its trace_id and span_id like the logs of the crashed run. */
    otelc_context *ctx = has_trace ? otelc_context_new(&sc, NULL, NULL) : NULL;
    otelc_scope scope = otelc_context_attach(ctx);
    otelc_log_error(errors_logger(), OTELC_LOG_ERROR,
                    "crash report from a previous run", &ei, fields,
                    OTELC_ARRAY_LEN(fields));
    otelc_scope_end(scope);
    otelc_context_free(ctx);
    bool handed = false;
    if (s) {
        otelc__tag_in tags[] = {
            {"signal", cr.signal_name, strlen(cr.signal_name)},
            {"crash.pid", "", 0},
        };
        char pid[24];
        snprintf(pid, sizeof pid, "%lld", cr.pid);
        tags[1].value = pid;
        tags[1].vlen = strlen(pid);
        otelc__error_event *ev = otelc__error_event_new(
            OTELC_ERROR_LEVEL_FATAL, has_trace ? &sc : NULL, cr.signal_name,
            msg, cr.backtrace, path, tags, OTELC_ARRAY_LEN(tags),
            (otelc_time_ns)cr.time_s * 1000000000u);
        if (ev) {
            ev->crash = true;
            handed = otelc__sentry_submit(s, ev);
        }
    }
    /* Without Sentry the log record is the report; with it, the sender
     * removes the file once the event is delivered or rejected. */
    if (!handed)
        unlink(path);
    free(cr.backtrace);
    free(buf);
}

static const char *crash_dir(const char *dir) {
    if (dir && dir[0])
        return dir;
    const char *d = otelc__cfg_str(OTELC_CFG_CRASH_DIR);
    return d[0] ? d : ".otelc-crash";
}

OTELC_API size_t otelc_crash_report_pending(const char *dir) {
    dir = crash_dir(dir);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    otelc__sentry *s = atomic_load(&g_sentry);
    size_t found = 0;
    char path[4096];
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 7 || strcmp(de->d_name + l - 6, ".crash") != 0)
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >=
            sizeof path)
            continue;
        report_crash_file(path, s);
        found++;
    }
    closedir(d);
    return found;
}

/* ---- lifecycle ------------------------------------------------------------
 */

static const char *res_str(const otelc_resource *r, const char *key) {
    const otelc_value *v = r ? otelc_resource_get(r, key) : NULL;
    return v && v->type == OTELC_VALUE_STRING && v->u.s ? v->u.s : "";
}

void otelc__errors_start(const otelc_resource *resource) {
    pthread_mutex_lock(&g_lock);
    bool enabled = otelc__cfg_bool(OTELC_CFG_ERROR_TRACKING_ENABLED, true);
    otelc__sentry *s = NULL;
    const char *dsn = otelc__cfg_str(OTELC_CFG_SENTRY_DSN);
    if (enabled && dsn[0]) {
        const char *release = otelc__cfg_str(OTELC_CFG_SENTRY_RELEASE);
        if (!release[0])
            release = res_str(resource, "service.version");
        const char *env = otelc__cfg_str(OTELC_CFG_SENTRY_ENVIRONMENT);
        if (!env[0])
            env = res_str(resource, "deployment.environment.name");
        if (!env[0])
            env = res_str(resource, "deployment.environment");
        if (!env[0])
            env = "production";
        otelc__sentry_config c = {
            .dsn = dsn,
            .release = release,
            .environment = env,
            .server_name = res_str(resource, "host.name"),
            .service_name =
                resource ? otelc_resource_service_name(resource) : "",
            .timeout_ms =
                (uint32_t)otelc__cfg_int(OTELC_CFG_SENTRY_TIMEOUT, 10000),
            .queue_size =
                (uint32_t)otelc__cfg_int(OTELC_CFG_SENTRY_QUEUE_SIZE, 100),
        };
        s = otelc__sentry_new(&c);
    } else if (!enabled && dsn[0]) {
        otelc__diag(OTELC_DIAG_INFO, "ERROR_TRACKING_ENABLED=false: SENTRY_DSN "
                                     "is not used");
    }
    atomic_store(&g_sentry, s);
    atomic_store_explicit(&g_enabled, enabled, memory_order_release);
    pthread_mutex_unlock(&g_lock);

    /* Crash reports from earlier runs, then (optionally) the handler for
     * this one. */
    if (enabled)
        otelc_crash_report_pending(NULL);
    if (otelc__cfg_bool(OTELC_CFG_CRASH_HANDLER, false)) {
        if (otelc_crash_handler_install(NULL) == OTELC_OK)
            g_installed_crash = true;
    }
}

otelc_status otelc__errors_flush_until(uint64_t deadline) {
    otelc__sentry *s = atomic_load(&g_sentry);
    return s ? otelc__sentry_flush(s, deadline) : OTELC_OK;
}

otelc_status otelc__errors_stop(uint64_t deadline) {
    pthread_mutex_lock(&g_lock);
    atomic_store(&g_enabled, 0);
    otelc__sentry *s = atomic_exchange(&g_sentry, NULL);
    otelc_status st = OTELC_OK;
    if (s) {
        st = otelc__sentry_shutdown(s, deadline);
        retired *r = malloc(sizeof *r);
        if (r) {
            r->s = s;
            r->next = g_retired;
            g_retired = r;
        }
    }
    if (g_installed_crash) {
        otelc_crash_handler_uninstall();
        g_installed_crash = false;
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

otelc__sentry *otelc__errors_sentry(void) {
    return atomic_load(&g_sentry);
}
