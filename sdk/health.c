/*
 * sdk/health.c - the health-check registry, concurrent bounded runs, the
 * background refresh and the JSON report.
 *
 * Workers.  Each check has one worker thread, created on its first run and
 * kept: it sleeps on the check's condition variable until a run is
 * requested, calls the check, stores the result and goes back to sleep.
 * A run is identified by a sequence number (req_seq); a caller waits until
 * done_seq reaches its number or its deadline passes.  A new run is
 * requested only when the worker is idle with nothing pending; otherwise
 * the caller joins the run in progress (whose deadline is its start plus
 * the timeout).  So concurrent /health requests share runs, a hung check
 * occupies exactly one thread, and a request never waits longer than the
 * timeout of the slowest check it asked for.
 *
 * Lifetimes.  A check is referenced by the registry and by its worker;
 * unregistering marks it removed and drops the registry's reference, and
 * the worker frees it (and its user data) when it is idle or when a hung
 * call finally returns.
 *
 * Locks: the registry lock guards the list and the last report; each
 * check's lock guards its run state.  The registry lock is never held
 * while waiting for a check.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sdk/config_int.h"
#include "sdk/internal.h"
#include "sdk/json_int.h"

#include "otelc/health.h"

#define MSG_MAX 256

typedef struct hcheck {
    char *name;
    otelc_health_fn fn;
    void *user;
    void (*free_user)(void *);
    uint32_t timeout_ms;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    bool thread_started;
    uint64_t req_seq, done_seq;
    bool running, removed;
    uint64_t started_mono;
    int refs;
    /* The last finished run. */
    otelc_health_status status;
    char message[MSG_MAX];
    double duration_ms;
    otelc_time_ns checked_at;
    struct hcheck *next;
} hcheck;

struct otelc_health_registry {
    pthread_mutex_t lock;
    hcheck *checks; /* registration order */
    otelc_health_report *last;
    /* Background refresh. */
    pthread_mutex_t bg_lock;
    pthread_cond_t bg_cond;
    pthread_t bg_thread;
    bool bg_running, bg_stop;
    uint32_t bg_interval_s;
    bool global;
};

static void ns_to_ts(uint64_t ns, struct timespec *ts) {
    ts->tv_sec = (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
}

static void cond_init_mono(pthread_cond_t *c) {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(c, &ca);
    pthread_condattr_destroy(&ca);
}

/* ---- registries
 * ------------------------------------------------------------------ */

static void registry_init(otelc_health_registry *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->bg_lock, NULL);
    cond_init_mono(&r->bg_cond);
}

OTELC_API otelc_health_registry *otelc_health_registry_new(void) {
    otelc_health_registry *r = malloc(sizeof *r);
    if (r)
        registry_init(r);
    return r;
}

static otelc_health_registry g_global;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void global_init(void) {
    registry_init(&g_global);
    g_global.global = true;
}

static otelc_health_registry *resolve(otelc_health_registry *r) {
    if (r)
        return r;
    pthread_once(&g_once, global_init);
    return &g_global;
}

static void check_release(hcheck *c) {
    pthread_mutex_lock(&c->lock);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (!last)
        return;
    if (c->free_user)
        c->free_user(c->user);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c->name);
    free(c);
}

/* Mark removed and drop the registry's reference (check unlinked). */
static void check_remove(hcheck *c) {
    pthread_mutex_lock(&c->lock);
    c->removed = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    check_release(c);
}

OTELC_API void otelc_health_registry_free(otelc_health_registry *r) {
    if (!r || r->global)
        return;
    otelc_health_stop_background(r);
    pthread_mutex_lock(&r->lock);
    hcheck *c = r->checks;
    r->checks = NULL;
    pthread_mutex_unlock(&r->lock);
    while (c) {
        hcheck *n = c->next;
        check_remove(c);
        c = n;
    }
    otelc_health_report_free(r->last);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->bg_lock);
    pthread_cond_destroy(&r->bg_cond);
    free(r);
}

static bool name_ok(const char *n) {
    size_t len = n ? strlen(n) : 0;
    if (len == 0 || len > 128 || !strcmp(n, "live"))
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = n[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
            return false;
    }
    return true;
}

OTELC_API otelc_status otelc_health_register(otelc_health_registry *reg,
                                             const char *name,
                                             otelc_health_fn fn, void *user,
                                             void (*free_user)(void *),
                                             uint32_t timeout_ms) {
    otelc_health_registry *r = resolve(reg);
    if (!fn || !name_ok(name)) {
        otelc__diag(OTELC_DIAG_WARN, "health check \"%s\": %s; not registered",
                    name ? name : "(null)",
                    !fn ? "no function"
                        : "names use letters, digits, '_', '-' and '.' (at "
                          "most 128; \"live\" is reserved)");
        if (free_user)
            free_user(user);
        return OTELC_EINVAL;
    }
    hcheck *c = calloc(1, sizeof *c);
    if (!c || !(c->name = otelc__strdup(name))) {
        free(c);
        if (free_user)
            free_user(user);
        return OTELC_ENOMEM;
    }
    c->fn = fn;
    c->user = user;
    c->free_user = free_user;
    c->timeout_ms =
        timeout_ms
            ? timeout_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_HEALTH_CHECK_TIMEOUT, 5000);
    c->refs = 1;
    c->status = OTELC_HEALTH_UNHEALTHY;
    snprintf(c->message, sizeof c->message, "not checked yet");
    pthread_mutex_init(&c->lock, NULL);
    cond_init_mono(&c->cond);
    pthread_mutex_lock(&r->lock);
    hcheck **pp = &r->checks;
    for (; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            pthread_mutex_unlock(&r->lock);
            otelc__diag(OTELC_DIAG_WARN,
                        "health check \"%s\" is already "
                        "registered",
                        name);
            c->free_user = NULL;
            check_release(c);
            if (free_user)
                free_user(user);
            return OTELC_EEXIST;
        }
    *pp = c;
    pthread_mutex_unlock(&r->lock);
    return OTELC_OK;
}

OTELC_API otelc_status otelc_health_unregister(otelc_health_registry *reg,
                                               const char *name) {
    otelc_health_registry *r = resolve(reg);
    if (!name)
        return OTELC_ENOTFOUND;
    pthread_mutex_lock(&r->lock);
    hcheck *c = NULL;
    for (hcheck **pp = &r->checks; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            c = *pp;
            *pp = c->next;
            break;
        }
    pthread_mutex_unlock(&r->lock);
    if (!c)
        return OTELC_ENOTFOUND;
    check_remove(c);
    return OTELC_OK;
}

/* ---- running
 * ------------------------------------------------------------------------ */

static void *check_worker(void *arg) {
    hcheck *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->removed && c->done_seq == c->req_seq)
            pthread_cond_wait(&c->cond, &c->lock);
        if (c->removed)
            break;
        uint64_t seq = c->req_seq;
        c->running = true;
        c->started_mono = otelc__mono_ns();
        pthread_mutex_unlock(&c->lock);
        char msg[MSG_MAX] = "";
        otelc_health_status st = c->fn(c->user, msg, sizeof msg);
        msg[MSG_MAX - 1] = '\0';
        uint64_t end = otelc__mono_ns();
        pthread_mutex_lock(&c->lock);
        c->status = st == OTELC_HEALTH_HEALTHY ? OTELC_HEALTH_HEALTHY
                                               : OTELC_HEALTH_UNHEALTHY;
        memcpy(c->message, msg, sizeof msg);
        c->duration_ms = (double)(end - c->started_mono) / 1e6;
        c->checked_at = otelc__now_ns();
        c->running = false;
        c->done_seq = seq;
        pthread_cond_broadcast(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    check_release(c);
    return NULL;
}

/* A run in progress or started for this caller: what to wait for. */
typedef struct ticket {
    hcheck *c;
    uint64_t seq;
    uint64_t deadline;
    uint64_t t0;
    bool failed; /* no worker thread */
    bool joined; /* a run already in progress when we asked */
} ticket;

static void ticket_start(hcheck *c, ticket *t) {
    t->c = c;
    t->failed = false;
    t->joined = false;
    t->t0 = otelc__mono_ns();
    pthread_mutex_lock(&c->lock);
    if (!c->thread_started) {
        pthread_t th;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        c->refs++;
        if (pthread_create(&th, &at, check_worker, c) != 0) {
            c->refs--;
            t->failed = true;
        } else {
            c->thread_started = true;
        }
        pthread_attr_destroy(&at);
    }
    uint64_t timeout = (uint64_t)c->timeout_ms * 1000000u;
    if (!c->running && c->done_seq == c->req_seq) {
        t->seq = ++c->req_seq;
        t->deadline = t->t0 + timeout;
        pthread_cond_broadcast(&c->cond);
    } else {
        /* Join the run in progress or pending. */
        t->seq = c->req_seq;
        t->joined = c->running;
        t->deadline = (c->running ? c->started_mono : t->t0) + timeout;
    }
    pthread_mutex_unlock(&c->lock);
}

/* Wait for the ticket's run; fill `out` (message copied into msg). */
static void ticket_wait(ticket *t, otelc_health_result *out, char *msg) {
    hcheck *c = t->c;
    pthread_mutex_lock(&c->lock);
    while (!t->failed && c->done_seq < t->seq &&
           otelc__mono_ns() < t->deadline) {
        struct timespec ts;
        ns_to_ts(t->deadline, &ts);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    memset(out, 0, sizeof *out);
    if (t->failed) {
        out->status = OTELC_HEALTH_UNHEALTHY;
        snprintf(msg, MSG_MAX, "cannot start a thread for the check");
        out->duration_ms = 0;
        out->checked_at = otelc__now_ns();
    } else if (c->done_seq >= t->seq) {
        out->status = c->status;
        memcpy(msg, c->message, MSG_MAX);
        out->duration_ms = c->duration_ms;
        out->checked_at = c->checked_at;
    } else {
        out->status = OTELC_HEALTH_UNHEALTHY;
        out->timed_out = true;
        double still =
            c->running ? (double)(otelc__mono_ns() - c->started_mono) / 1e6 : 0;
        if (t->joined)
            snprintf(msg, MSG_MAX,
                     "timed out after %u ms (still running after %.0f ms)",
                     c->timeout_ms, still);
        else
            snprintf(msg, MSG_MAX, "timed out after %u ms", c->timeout_ms);
        out->duration_ms = (double)(otelc__mono_ns() - t->t0) / 1e6;
        out->checked_at = otelc__now_ns();
    }
    pthread_mutex_unlock(&c->lock);
}

/* One block: the report, its results, then names and messages. */
static otelc_health_report *report_build(hcheck **cs,
                                         const otelc_health_result *res,
                                         char (*msgs)[MSG_MAX], size_t n) {
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += strlen(cs[i]->name) + 1 + strlen(msgs[i]) + 1;
    otelc_health_report *rep =
        malloc(sizeof *rep + n * sizeof(otelc_health_result) + extra);
    if (!rep)
        return NULL;
    otelc_health_result *out = (otelc_health_result *)(rep + 1);
    char *p = (char *)(out + n);
    rep->status = OTELC_HEALTH_HEALTHY;
    rep->timestamp = otelc__now_ns();
    rep->results = out;
    rep->count = n;
    for (size_t i = 0; i < n; i++) {
        out[i] = res[i];
        size_t l = strlen(cs[i]->name) + 1;
        memcpy(p, cs[i]->name, l);
        out[i].name = p;
        p += l;
        l = strlen(msgs[i]) + 1;
        memcpy(p, msgs[i], l);
        out[i].message = p;
        p += l;
        if (res[i].status != OTELC_HEALTH_HEALTHY)
            rep->status = OTELC_HEALTH_UNHEALTHY;
    }
    return rep;
}

static otelc_health_report *report_copy(const otelc_health_report *r) {
    if (!r)
        return NULL;
    size_t extra = 0;
    for (size_t i = 0; i < r->count; i++)
        extra +=
            strlen(r->results[i].name) + 1 + strlen(r->results[i].message) + 1;
    otelc_health_report *c =
        malloc(sizeof *c + r->count * sizeof(otelc_health_result) + extra);
    if (!c)
        return NULL;
    otelc_health_result *out = (otelc_health_result *)(c + 1);
    char *p = (char *)(out + r->count);
    *c = *r;
    c->results = out;
    for (size_t i = 0; i < r->count; i++) {
        out[i] = r->results[i];
        size_t l = strlen(r->results[i].name) + 1;
        memcpy(p, r->results[i].name, l);
        out[i].name = p;
        p += l;
        l = strlen(r->results[i].message) + 1;
        memcpy(p, r->results[i].message, l);
        out[i].message = p;
        p += l;
    }
    return c;
}

/* Run the given checks (references held) concurrently. */
static otelc_health_report *run_checks(hcheck **cs, size_t n) {
    ticket *t = calloc(n ? n : 1, sizeof *t);
    otelc_health_result *res = calloc(n ? n : 1, sizeof *res);
    char(*msgs)[MSG_MAX] = calloc(n ? n : 1, MSG_MAX);
    otelc_health_report *rep = NULL;
    if (t && res && msgs) {
        for (size_t i = 0; i < n; i++)
            ticket_start(cs[i], &t[i]);
        for (size_t i = 0; i < n; i++)
            ticket_wait(&t[i], &res[i], msgs[i]);
        rep = report_build(cs, res, msgs, n);
    }
    free(t);
    free(res);
    free(msgs);
    return rep;
}

/* The registry's checks with a reference each (registry lock taken). */
static hcheck **snapshot(otelc_health_registry *r, const char *only,
                         size_t *n) {
    pthread_mutex_lock(&r->lock);
    size_t cnt = 0;
    for (hcheck *c = r->checks; c; c = c->next)
        if (!only || !strcmp(c->name, only))
            cnt++;
    hcheck **cs = calloc(cnt ? cnt : 1, sizeof *cs);
    size_t k = 0;
    for (hcheck *c = r->checks; cs && c; c = c->next)
        if (!only || !strcmp(c->name, only)) {
            pthread_mutex_lock(&c->lock);
            c->refs++;
            pthread_mutex_unlock(&c->lock);
            cs[k++] = c;
        }
    pthread_mutex_unlock(&r->lock);
    *n = k;
    return cs;
}

static void set_last(otelc_health_registry *r, const otelc_health_report *rep,
                     bool merge) {
    otelc_health_report *copy = NULL;
    pthread_mutex_lock(&r->lock);
    if (!merge || !r->last) {
        copy = report_copy(rep);
    } else {
        /* A single check's run: update that entry of the last report. */
        size_t n = r->last->count;
        otelc_health_result *res = calloc(n ? n : 1, sizeof *res);
        char(*msgs)[MSG_MAX] = calloc(n ? n : 1, MSG_MAX);
        hcheck **fake = calloc(n ? n : 1, sizeof *fake);
        hcheck *names = calloc(n ? n : 1, sizeof *names);
        if (res && msgs && fake && names) {
            for (size_t i = 0; i < n; i++) {
                const otelc_health_result *src = &r->last->results[i];
                if (rep->count && !strcmp(src->name, rep->results[0].name))
                    src = &rep->results[0];
                res[i] = *src;
                snprintf(msgs[i], MSG_MAX, "%s", src->message);
                names[i].name = (char *)r->last->results[i].name;
                fake[i] = &names[i];
            }
            copy = report_build(fake, res, msgs, n);
        }
        free(res);
        free(msgs);
        free(fake);
        free(names);
    }
    if (copy) {
        otelc_health_report_free(r->last);
        r->last = copy;
    }
    pthread_mutex_unlock(&r->lock);
}

OTELC_API otelc_health_report *
otelc_health_check_all(otelc_health_registry *reg) {
    otelc_health_registry *r = resolve(reg);
    size_t n;
    hcheck **cs = snapshot(r, NULL, &n);
    if (!cs)
        return NULL;
    otelc_health_report *rep = run_checks(cs, n);
    for (size_t i = 0; i < n; i++)
        check_release(cs[i]);
    free(cs);
    if (rep)
        set_last(r, rep, false);
    return rep;
}

OTELC_API otelc_status otelc_health_check_one(otelc_health_registry *reg,
                                              const char *name,
                                              otelc_health_report **out) {
    otelc_health_registry *r = resolve(reg);
    if (out)
        *out = NULL;
    if (!name || !out)
        return OTELC_EINVAL;
    size_t n;
    hcheck **cs = snapshot(r, name, &n);
    if (!cs)
        return OTELC_ENOMEM;
    if (n == 0) {
        free(cs);
        return OTELC_ENOTFOUND;
    }
    otelc_health_report *rep = run_checks(cs, n);
    check_release(cs[0]);
    free(cs);
    if (!rep)
        return OTELC_ENOMEM;
    set_last(r, rep, true);
    *out = rep;
    return OTELC_OK;
}

OTELC_API otelc_health_report *otelc_health_last(otelc_health_registry *reg) {
    otelc_health_registry *r = resolve(reg);
    pthread_mutex_lock(&r->lock);
    otelc_health_report *c = report_copy(r->last);
    pthread_mutex_unlock(&r->lock);
    return c;
}

OTELC_API void otelc_health_report_free(otelc_health_report *rep) {
    free(rep);
}

/* ---- JSON
 * ------------------------------------------------------------------------------
 */

static void json_time(otelc__buf *b, otelc_time_ns t) {
    time_t s = (time_t)(t / 1000000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    char tmp[40];
    strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    otelc__buf_printf(b, "\"%s.%03uZ\"", tmp,
                      (unsigned)((t / 1000000u) % 1000u));
}

static const char *status_text(otelc_health_status s) {
    return s == OTELC_HEALTH_HEALTHY ? "healthy" : "unhealthy";
}

/* The members of a result object, without the closing brace. */
static void json_result(otelc__buf *b, const otelc_health_result *r) {
    otelc__buf_puts(b, "{\"status\":");
    otelc__json_cstr(b, status_text(r->status));
    otelc__buf_puts(b, ",\"message\":");
    otelc__json_cstr(b, r->message);
    otelc__buf_puts(b, ",\"duration_ms\":");
    otelc__json_double(b, (double)(int64_t)(r->duration_ms * 1000) / 1000);
}

OTELC_API char *otelc_health_report_json(const otelc_health_report *rep,
                                         bool single) {
    otelc__buf b;
    otelc__buf_init(&b);
    if (!rep) {
        otelc__buf_free(&b);
        return NULL;
    }
    if (single && rep->count) {
        const otelc_health_result *r = &rep->results[0];
        json_result(&b, r);
        otelc__buf_puts(&b, ",\"name\":");
        otelc__json_cstr(&b, r->name);
        otelc__buf_puts(&b, ",\"timestamp\":");
        json_time(&b, r->checked_at);
        otelc__buf_puts(&b, "}");
    } else {
        otelc__buf_puts(&b, "{\"status\":");
        otelc__json_cstr(&b, status_text(rep->status));
        otelc__buf_puts(&b, ",\"timestamp\":");
        json_time(&b, rep->timestamp);
        otelc__buf_puts(&b, ",\"checks\":{");
        for (size_t i = 0; i < rep->count; i++) {
            if (i)
                otelc__buf_putc(&b, ',');
            otelc__json_cstr(&b, rep->results[i].name);
            otelc__buf_putc(&b, ':');
            json_result(&b, &rep->results[i]);
            otelc__buf_putc(&b, '}');
        }
        otelc__buf_puts(&b, "}}");
    }
    if (b.oom) {
        otelc__buf_free(&b);
        return NULL;
    }
    otelc__buf_putc(&b, '\n');
    return b.data; /* the buffer's storage is malloc'd: the caller frees */
}

/* ---- background refresh
 * ---------------------------------------------------------------- */

static void *bg_main(void *arg) {
    otelc_health_registry *r = arg;
    pthread_mutex_lock(&r->bg_lock);
    while (!r->bg_stop) {
        pthread_mutex_unlock(&r->bg_lock);
        otelc_health_report_free(otelc_health_check_all(r));
        pthread_mutex_lock(&r->bg_lock);
        uint64_t until =
            otelc__mono_ns() + (uint64_t)r->bg_interval_s * 1000000000u;
        while (!r->bg_stop && otelc__mono_ns() < until) {
            struct timespec ts;
            ns_to_ts(until, &ts);
            pthread_cond_timedwait(&r->bg_cond, &r->bg_lock, &ts);
        }
    }
    pthread_mutex_unlock(&r->bg_lock);
    return NULL;
}

OTELC_API otelc_status otelc_health_start_background(otelc_health_registry *reg,
                                                     uint32_t interval_s) {
    otelc_health_registry *r = resolve(reg);
    otelc_health_stop_background(r);
    if (!interval_s)
        interval_s =
            (uint32_t)otelc__cfg_int(OTELC_CFG_HEALTH_CHECK_INTERVAL, 30);
    pthread_mutex_lock(&r->bg_lock);
    r->bg_stop = false;
    r->bg_interval_s = interval_s;
    if (pthread_create(&r->bg_thread, NULL, bg_main, r) != 0) {
        pthread_mutex_unlock(&r->bg_lock);
        otelc__diag(OTELC_DIAG_ERROR, "cannot start the health-check thread");
        return OTELC_ENOMEM;
    }
    pthread_setname_np(r->bg_thread, "otelc-health");
    r->bg_running = true;
    pthread_mutex_unlock(&r->bg_lock);
    return OTELC_OK;
}

OTELC_API void otelc_health_stop_background(otelc_health_registry *reg) {
    otelc_health_registry *r = resolve(reg);
    pthread_mutex_lock(&r->bg_lock);
    if (!r->bg_running) {
        pthread_mutex_unlock(&r->bg_lock);
        return;
    }
    r->bg_stop = true;
    r->bg_running = false;
    pthread_cond_broadcast(&r->bg_cond);
    pthread_t th = r->bg_thread;
    pthread_mutex_unlock(&r->bg_lock);
    /* The thread is at most inside one check_all, which each check's
     * timeout bounds; the largest allowed timeout bounds the join. */
    uint32_t max_ms = 0;
    pthread_mutex_lock(&r->lock);
    for (hcheck *c = r->checks; c; c = c->next)
        if (c->timeout_ms > max_ms)
            max_ms = c->timeout_ms;
    pthread_mutex_unlock(&r->lock);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t until = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
                     ((uint64_t)max_ms + 1000) * 1000000u;
    ns_to_ts(until, &ts);
    if (pthread_timedjoin_np(th, NULL, &ts) != 0) {
        otelc__diag(OTELC_DIAG_WARN, "health-check thread did not stop in "
                                     "time; abandoned");
        pthread_detach(th);
    }
}
