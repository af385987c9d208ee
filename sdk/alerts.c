/*
 * sdk/alerts.c - alert rules, their state machine, the evaluation worker,
 * the notification fan-out to channels, the log channel, and the global
 * manager that otelc_init() creates.
 *
 * Evaluation.  A manager's rules live in a list guarded by its lock, which
 * is held for a whole evaluation (value callbacks included) and by the
 * calls that change or read rules, so an evaluation sees a consistent set
 * and the state machine needs no further synchronisation.  Evaluations
 * come from the manager's worker (every evaluation interval) or from
 * otelc_alert_manager_evaluate(), serialised by the same lock.
 *
 * State machine (per rule), at evaluation time `now`:
 *   inactive/resolved + condition   -> pending (active_since = now), and
 *                                      straight on to firing if for = 0
 *   pending + no condition          -> inactive, nothing sent
 *   pending + held >= for           -> firing: notify, unless the last
 *                                      firing notification of this rule
 *                                      is younger than the repeat interval
 *                                      (then counted as suppressed)
 *   firing + condition              -> reminder when the last firing
 *                                      notification is a repeat interval
 *                                      old (or none was sent yet)
 *   firing + no condition           -> resolved: notify if this firing
 *                                      was notified
 *
 * Fan-out.  Each channel has its own batcher (sdk/batcher.c): a bounded
 * queue and a worker thread that calls the channel's send() with retries
 * and a deadline.  Queuing a notification never blocks the evaluation; a
 * slow or failing channel delays only itself.  Every channel gets its own
 * copy of a notification (one allocation), so channels share nothing.
 *
 * Lifetime.  The global manager is published through an atomic pointer;
 * after otelc_shutdown() it is shut down and kept (never freed), because
 * another thread may still hold the pointer.
 */
#include <math.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "otelc/alerts.h"

#include "sdk/alerts_int.h"
#include "sdk/batcher_int.h"
#include "sdk/config_int.h"
#include "sdk/errors_int.h"
#include "sdk/span_int.h"

#define MAX_CHANNELS 8

enum { OUT_PENDING = 0, OUT_DONE = 1 };

/* A queued notification: the public view, then labels and strings. */
typedef struct note {
    otelc_alert_notification n;
    int outcome;
} note;

struct otelc_alert_channel {
    const otelc_alert_channel_ops *ops;
    void *state;
    otelc__batcher *b; /* once added to a manager */
    char name[32];
    _Atomic uint64_t sent, failed, dropped, attempts;
    char last_why[256]; /* worker only */
    otelc__ratelimit rl;
};

typedef struct rule {
    char *name;
    otelc_alert_value_fn fn;
    void *arg;
    otelc__alert_metric *metric; /* metric rules (sdk/alerts_metrics.c) */
    otelc_alert_op op;
    double threshold;
    uint64_t for_ns;
    otelc_attribute *labels;
    size_t nlabels;
    char *severity, *summary;
    /* State. */
    otelc_alert_state state;
    otelc_time_ns active_since, last_notified;
    bool notified; /* this firing episode was notified */
    bool has_value;
    double value;
    uint64_t notifications, suppressed;
    struct rule *next;
} rule;

struct otelc_alert_manager {
    pthread_mutex_t lock;
    rule *rules;
    otelc_alert_channel *ch[MAX_CHANNELS];
    _Atomic size_t nch;
    uint64_t interval_ns;
    int64_t repeat_ns;
    uint32_t ch_timeout_ms, ch_queue;
    char service[128];
    bool global;
    /* Worker. */
    pthread_t thread;
    bool running;   /* a worker thread exists (under lock) */
    bool abandoned; /* shutdown gave up waiting for it */
    _Atomic uint32_t wake;
    _Atomic int stop;
    _Atomic uint32_t done;
    _Atomic int shut;
    otelc_time_ns last_eval;
    otelc__fork_hook fork_hook;
    otelc__ratelimit rl;
};

typedef struct retired {
    otelc_alert_manager *m;
    struct retired *next;
} retired;

static _Atomic(otelc_alert_manager *) g_global;
static pthread_mutex_t g_global_lock = PTHREAD_MUTEX_INITIALIZER;
static retired *g_retired;

static otelc_logger *alerts_logger(void) {
    static otelc_logger *l;
    otelc_logger *v = __atomic_load_n(&l, __ATOMIC_ACQUIRE);
    if (!v) {
        v = otelc_logger_get("otelc.alerts");
        __atomic_store_n(&l, v, __ATOMIC_RELEASE);
    }
    return v;
}

OTELC_API const char *otelc_alert_state_name(otelc_alert_state s) {
    switch (s) {
    case OTELC_ALERT_INACTIVE: return "inactive";
    case OTELC_ALERT_PENDING: return "pending";
    case OTELC_ALERT_FIRING: return "firing";
    case OTELC_ALERT_RESOLVED: return "resolved";
    default: return "unknown";
    }
}

static const char *op_text(otelc_alert_op op) {
    static const char *const t[] = {">", ">=", "<", "<=", "==", "!="};
    return (unsigned)op < 6 ? t[op] : "?";
}

static bool compare(double v, otelc_alert_op op, double t) {
    switch (op) {
    case OTELC_ALERT_GT: return v > t;
    case OTELC_ALERT_GE: return v >= t;
    case OTELC_ALERT_LT: return v < t;
    case OTELC_ALERT_LE: return v <= t;
    case OTELC_ALERT_EQ: return v == t;
    case OTELC_ALERT_NE: return v != t;
    default: return false;
    }
}

/* ---- channels -------------------------------------------------------------
 */

OTELC_API otelc_alert_channel *
otelc_alert_channel_new(const otelc_alert_channel_ops *ops, void *state) {
    if (!ops || !ops->send) {
        if (ops && ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    otelc_alert_channel *c = calloc(1, sizeof *c);
    if (!c) {
        if (ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    c->ops = ops;
    c->state = state;
    snprintf(c->name, sizeof c->name, "%s", ops->name ? ops->name : "channel");
    return c;
}

OTELC_API void otelc_alert_channel_free(otelc_alert_channel *c) {
    if (!c)
        return;
    otelc__batcher_free(c->b);
    if (c->ops->free_state)
        c->ops->free_state(c->state);
    free(c);
}

static void channel_failed(otelc_alert_channel *c, const note *nt,
                           const char *why) {
    atomic_fetch_add(&c->failed, 1);
    otelc__diag_limited(&c->rl, OTELC_DIAG_WARN,
                        "alert channel %s failed to deliver \"%s\": %s",
                        c->name, nt->n.rule, why[0] ? why : "failed");
    otelc_logger *lg = alerts_logger();
    if (otelc_log_enabled(lg, OTELC_LOG_ERROR)) {
        otelc_attribute f[] = {
            OTELC_ATTR_STR("alert.channel", c->name),
            OTELC_ATTR_STR("alert.rule", nt->n.rule),
            OTELC_ATTR_STR("alert.state", otelc_alert_state_name(nt->n.state)),
            OTELC_ATTR_STR("error", why[0] ? why : "failed"),
        };
        otelc_log_emit(lg, OTELC_LOG_ERROR, "alert channel failed", f,
                       OTELC_ARRAY_LEN(f));
    }
}

static otelc_export_result ch_export(void *user, void *const *items, size_t n,
                                     otelc_export_context *ctx) {
    otelc_alert_channel *c = user;
    size_t done = 0;
    for (size_t i = 0; i < n; i++)
        done += ((note *)items[i])->outcome != OUT_PENDING;
    for (size_t i = 0; i < n; i++) {
        note *nt = items[i];
        if (nt->outcome != OUT_PENDING)
            continue;
        ctx->delivered_items = done;
        c->last_why[0] = '\0';
        atomic_fetch_add(&c->attempts, 1);
        otelc_export_result r = c->ops->send(c->state, &nt->n, ctx, c->last_why,
                                             sizeof c->last_why);
        if (r == OTELC_EXPORT_RETRYABLE) {
            otelc__diag_limited(&c->rl, OTELC_DIAG_WARN,
                                "alert channel %s: %s (will retry)", c->name,
                                c->last_why[0] ? c->last_why : "failed");
            return OTELC_EXPORT_RETRYABLE;
        }
        nt->outcome = OUT_DONE;
        done++;
        if (r == OTELC_EXPORT_SUCCESS)
            atomic_fetch_add(&c->sent, 1);
        else
            channel_failed(c, nt, c->last_why);
    }
    ctx->delivered_items = done;
    return OTELC_EXPORT_SUCCESS;
}

static void ch_release(void *user, void *const *items, size_t n) {
    otelc_alert_channel *c = user;
    for (size_t i = 0; i < n; i++) {
        note *nt = items[i];
        if (nt->outcome == OUT_PENDING) {
            char why[300];
            snprintf(why, sizeof why, "gave up within the channel timeout%s%s",
                     c->last_why[0] ? ": " : "", c->last_why);
            channel_failed(c, nt, why);
        }
        free(nt);
    }
}

static const otelc__batcher_ops g_ch_ops = {ch_export, ch_release, NULL, NULL,
                                            NULL};

/* The log channel. */
static otelc_export_result log_send(void *state,
                                    const otelc_alert_notification *n,
                                    otelc_export_context *ctx, char *why,
                                    size_t cap) {
    (void)ctx;
    (void)why;
    (void)cap;
    otelc_logger *lg = state ? state : alerts_logger();
    otelc_log_level lv =
        n->state == OTELC_ALERT_FIRING ? OTELC_LOG_WARN : OTELC_LOG_INFO;
    if (!otelc_log_enabled(lg, lv))
        return OTELC_EXPORT_SUCCESS;
    otelc_attribute f[16 + 32];
    size_t k = 0;
    f[k++] = OTELC_ATTR_STR("alert.rule", n->rule);
    f[k++] = OTELC_ATTR_STR("alert.state", otelc_alert_state_name(n->state));
    f[k++] = OTELC_ATTR_BOOL("alert.repeat", n->repeat);
    f[k++] = OTELC_ATTR_DOUBLE("alert.value", n->value);
    f[k++] = OTELC_ATTR_DOUBLE("alert.threshold", n->threshold);
    f[k++] = OTELC_ATTR_STR("alert.comparison", n->op_text);
    f[k++] = OTELC_ATTR_STR("alert.severity", n->severity);
    f[k++] = OTELC_ATTR_INT("alert.since", (int64_t)n->active_since);
    char keys[32][80];
    for (size_t i = 0; i < n->label_count && i < 32; i++) {
        snprintf(keys[i], sizeof keys[i], "alert.label.%s", n->labels[i].key);
        f[k] = n->labels[i];
        f[k++].key = keys[i];
    }
    char msg[512];
    snprintf(msg, sizeof msg, "alert %s: %s", otelc_alert_state_name(n->state),
             n->summary);
    otelc_log_emit(lg, lv, msg, f, k);
    return OTELC_EXPORT_SUCCESS;
}

static const otelc_alert_channel_ops g_log_ops = {"log", log_send, NULL};

OTELC_API otelc_alert_channel *otelc_alert_log_channel_new(otelc_logger *lg) {
    return otelc_alert_channel_new(&g_log_ops, lg);
}

/* ---- notifications ---------------------------------------------------------
 */

static note *make_note(const otelc_alert_manager *m, const rule *r,
                       otelc_alert_state state, bool repeat,
                       otelc_time_ns now) {
    size_t total = sizeof(note) + r->nlabels * sizeof(otelc_attribute) +
                   strlen(r->name) + strlen(r->severity) + strlen(r->summary) +
                   strlen(m->service) + 4;
    for (size_t i = 0; i < r->nlabels; i++)
        total += strlen(r->labels[i].key) + strlen(r->labels[i].value.u.s) + 2;
    note *nt = malloc(total);
    if (!nt)
        return NULL;
    memset(nt, 0, sizeof *nt);
    otelc_attribute *labels = (otelc_attribute *)(nt + 1);
    char *p = (char *)(labels + r->nlabels);
#define PUT(dst, src)                                                          \
    do {                                                                       \
        size_t l_ = strlen(src);                                               \
        memcpy(p, (src), l_ + 1);                                              \
        (dst) = p;                                                             \
        p += l_ + 1;                                                           \
    } while (0)
    PUT(nt->n.rule, r->name);
    PUT(nt->n.severity, r->severity);
    PUT(nt->n.summary, r->summary);
    PUT(nt->n.service, m->service);
    for (size_t i = 0; i < r->nlabels; i++) {
        labels[i] = r->labels[i];
        PUT(labels[i].key, r->labels[i].key);
        PUT(labels[i].value.u.s, r->labels[i].value.u.s);
    }
#undef PUT
    nt->n.labels = labels;
    nt->n.label_count = r->nlabels;
    nt->n.state = state;
    nt->n.repeat = repeat;
    nt->n.value = r->has_value ? r->value : NAN;
    nt->n.threshold = r->threshold;
    nt->n.op = r->op;
    nt->n.op_text = op_text(r->op);
    nt->n.time = now;
    nt->n.active_since = r->active_since;
    nt->outcome = OUT_PENDING;
    return nt;
}

static void notify(otelc_alert_manager *m, rule *r, otelc_alert_state state,
                   bool repeat, otelc_time_ns now) {
    r->notifications++;
    size_t nch = atomic_load(&m->nch);
    for (size_t i = 0; i < nch; i++) {
        otelc_alert_channel *c = m->ch[i];
        note *nt = make_note(m, r, state, repeat, now);
        if (!nt || !otelc__batcher_push(c->b, nt)) {
            free(nt);
            atomic_fetch_add(&c->dropped, 1);
            otelc__diag_limited(&c->rl, OTELC_DIAG_WARN,
                                "alert channel %s: queue full; a notification "
                                "of \"%s\" was dropped",
                                c->name, r->name);
        }
    }
}

/* May a firing notification go out now (the repeat interval)? */
static bool may_notify(const otelc_alert_manager *m, const rule *r,
                       otelc_time_ns now) {
    return !r->last_notified || m->repeat_ns == 0 ||
           now - r->last_notified >= (uint64_t)m->repeat_ns;
}

static void fire(otelc_alert_manager *m, rule *r, otelc_time_ns now,
                 bool repeat) {
    if (may_notify(m, r, now)) {
        notify(m, r, OTELC_ALERT_FIRING, repeat, now);
        r->last_notified = now;
        r->notified = true;
    } else if (!repeat) {
        r->suppressed++;
    }
}

static void eval_rule(otelc_alert_manager *m, rule *r, otelc_time_ns now,
                      const void *snapshot) {
    double v = NAN;
    bool have = r->fn ? r->fn(r->arg, now, &v)
                      : otelc__alert_metric_value(r->metric, snapshot, now, &v);
    if (have && isnan(v))
        have = false;
    r->has_value = have;
    r->value = have ? v : NAN;
    bool cond = have && compare(v, r->op, r->threshold);
    switch (r->state) {
    case OTELC_ALERT_INACTIVE:
    case OTELC_ALERT_RESOLVED:
        if (!cond)
            return;
        r->state = OTELC_ALERT_PENDING;
        r->active_since = now;
        r->notified = false;
        /* A for-duration of 0 fires at once. */
        __attribute__((fallthrough));
    case OTELC_ALERT_PENDING:
        if (!cond) {
            r->state = OTELC_ALERT_INACTIVE;
            r->active_since = 0;
            return;
        }
        if (now - r->active_since >= r->for_ns) {
            r->state = OTELC_ALERT_FIRING;
            fire(m, r, now, false);
        }
        return;
    case OTELC_ALERT_FIRING:
        if (cond) {
            /* A reminder, or the first notification of an episode whose
             * start was suppressed. */
            if (may_notify(m, r, now))
                fire(m, r, now, r->notified);
            return;
        }
        r->state = OTELC_ALERT_RESOLVED;
        if (r->notified)
            notify(m, r, OTELC_ALERT_RESOLVED, false, now);
        r->notified = false;
        r->active_since = 0;
        return;
    }
}

static void eval_locked(otelc_alert_manager *m, otelc_time_ns now) {
    if (now < m->last_eval)
        now = m->last_eval; /* times never go backwards */
    m->last_eval = now;
    void *snap = NULL;
    for (rule *r = m->rules; r; r = r->next)
        if (r->metric) {
            snap = otelc__alert_snapshot_take();
            break;
        }
    for (rule *r = m->rules; r; r = r->next)
        eval_rule(m, r, now, snap);
    otelc__alert_snapshot_free(snap);
}

/* ---- the worker
 * ---------------------------------------------------------------- */

static void *worker_main(void *arg) {
    otelc_alert_manager *m = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_setname_np(pthread_self(), "otelc-alerts");
    uint64_t next = otelc__mono_ns() + m->interval_ns;
    while (!atomic_load(&m->stop)) {
        uint32_t seq = atomic_load(&m->wake);
        uint64_t now = otelc__mono_ns();
        if (now < next) {
            otelc__futex_wait(&m->wake, seq, next);
            continue;
        }
        otelc__clock_refresh();
        otelc__diag_flush_deferred();
        pthread_mutex_lock(&m->lock);
        eval_locked(m, otelc__now_ns());
        pthread_mutex_unlock(&m->lock);
        next += m->interval_ns;
        if (next < otelc__mono_ns())
            next = otelc__mono_ns() + m->interval_ns; /* fell behind */
    }
    atomic_store(&m->done, 1);
    otelc__futex_wake_all(&m->done);
    return NULL;
}

/* Under m->lock. */
static otelc_status start_locked(otelc_alert_manager *m) {
    if (m->running)
        return OTELC_OK;
    atomic_store(&m->stop, 0);
    atomic_store(&m->done, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(&m->thread, &attr, worker_main, m);
    pthread_attr_destroy(&attr);
    if (rc) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "alerts: cannot start the evaluation "
                    "worker: %s",
                    strerror(rc));
        return OTELC_ENOMEM;
    }
    m->running = true;
    return OTELC_OK;
}

static void fork_prepare(void *arg) {
    otelc_alert_manager *m = arg;
    pthread_mutex_lock(&m->lock);
}
static void fork_parent(void *arg) {
    otelc_alert_manager *m = arg;
    pthread_mutex_unlock(&m->lock);
}
static void fork_child(void *arg) {
    otelc_alert_manager *m = arg;
    pthread_mutex_init(&m->lock, NULL);
    bool was = m->running && !atomic_load(&m->shut);
    m->running = false;
    if (was)
        start_locked(m);
}

/* ---- the manager
 * ------------------------------------------------------------------ */

static otelc_alert_manager *resolve(otelc_alert_manager *m) {
    return m ? m : atomic_load(&g_global);
}

OTELC_API otelc_alert_manager *
otelc_alert_manager_new(const otelc_alert_manager_options *o) {
    otelc_alert_manager *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->lock, NULL);
    uint64_t iv = o && o->evaluation_interval_ms
                      ? o->evaluation_interval_ms
                      : (uint64_t)otelc__cfg_int(
                            OTELC_CFG_ALERT_EVALUATION_INTERVAL, 15000);
    m->interval_ns = iv * 1000000u;
    int64_t rep =
        o && o->repeat_interval_ms >= 0
            ? o->repeat_interval_ms
            : otelc__cfg_int(OTELC_CFG_ALERT_REPEAT_INTERVAL, 3600000);
    m->repeat_ns = rep * 1000000;
    m->ch_timeout_ms =
        o && o->channel_timeout_ms
            ? o->channel_timeout_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_ALERT_CHANNEL_TIMEOUT, 10000);
    m->ch_queue = o && o->channel_queue_size ? o->channel_queue_size : 256;
    snprintf(m->service, sizeof m->service, "%s",
             otelc_resource_service_name(otelc_tracer_provider_resource(
                 otelc_tracer_provider_global())));
    m->fork_hook =
        (otelc__fork_hook){fork_prepare, fork_parent, fork_child, m, NULL};
    otelc__fork_register(&m->fork_hook);
    return m;
}

OTELC_API otelc_alert_manager *otelc_alert_manager_global(void) {
    return atomic_load(&g_global);
}

static void rule_free(rule *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->nlabels; i++) {
        free((char *)r->labels[i].key);
        free((char *)r->labels[i].value.u.s);
    }
    free(r->labels);
    otelc__alert_metric_free(r->metric);
    free(r->name);
    free(r->severity);
    free(r->summary);
    free(r);
}

/* Add a rule; `src` (owned, freed on failure) is a metric source already
 * built (the built-in rules), else one is parsed from in->metric. */
static otelc_status add_rule(otelc_alert_manager *m, const otelc_alert_rule *in,
                             otelc__alert_metric *src) {
    bool implicit = !m;
    m = resolve(m);
    if (!m) {
        otelc__alert_metric_free(src);
        return OTELC_ESTATE;
    }
    if (!in || !in->name || !in->name[0] || (!in->value_fn == !in->metric) ||
        isnan(in->threshold) || (unsigned)in->op > OTELC_ALERT_NE) {
        otelc__diag(OTELC_DIAG_WARN,
                    "otelc_alert_manager_add_rule: a rule needs a name, "
                    "exactly one of value_fn and metric, a valid comparison "
                    "and a threshold that is a number");
        otelc__alert_metric_free(src);
        return OTELC_EINVAL;
    }
    if (atomic_load(&m->shut)) {
        otelc__alert_metric_free(src);
        return OTELC_ESHUTDOWN;
    }
    rule *r = calloc(1, sizeof *r);
    if (!r) {
        otelc__alert_metric_free(src);
        return OTELC_ENOMEM;
    }
    r->metric = src;
    r->name = otelc__strdup(in->name);
    r->fn = in->value_fn;
    r->arg = in->value_arg;
    r->op = in->op;
    r->threshold = in->threshold;
    r->for_ns = in->for_ms * 1000000u;
    r->severity = otelc__strdup(in->severity ? in->severity : "warning");
    if (in->summary) {
        r->summary = otelc__strdup(in->summary);
    } else {
        char s[300];
        snprintf(s, sizeof s, "%s %s %g", in->name, op_text(in->op),
                 in->threshold);
        r->summary = otelc__strdup(s);
    }
    bool ok = r->name && r->severity && r->summary;
    if (ok && in->label_count && in->labels) {
        r->labels = calloc(in->label_count, sizeof *r->labels);
        ok = r->labels != NULL;
        for (size_t i = 0; ok && i < in->label_count; i++) {
            const otelc_attribute *a = &in->labels[i];
            if (!a->key || !a->key[0] || a->value.type == OTELC_VALUE_NONE)
                continue;
            char buf[64];
            size_t len;
            const char *v =
                otelc__error_value_str(&a->value, buf, sizeof buf, &len);
            otelc_attribute *d = &r->labels[r->nlabels];
            d->key = otelc__strdup(a->key);
            d->value.type = OTELC_VALUE_STRING;
            d->value.u.s = otelc__strndup(v, len);
            d->value.len = (uint32_t)len;
            if (!d->key || !d->value.u.s) {
                free((char *)d->key);
                free((char *)d->value.u.s);
                ok = false;
                break;
            }
            r->nlabels++;
        }
    }
    if (!ok) {
        rule_free(r);
        return OTELC_ENOMEM;
    }
    if (in->metric && !r->metric) {
        otelc_status st =
            otelc__alert_metric_new(in->metric, in->fn, in->name, &r->metric);
        if (st != OTELC_OK) {
            rule_free(r);
            return st;
        }
    }
    pthread_mutex_lock(&m->lock);
    for (rule *x = m->rules; x; x = x->next)
        if (!strcmp(x->name, r->name)) {
            pthread_mutex_unlock(&m->lock);
            otelc__diag(OTELC_DIAG_WARN,
                        "otelc_alert_manager_add_rule: a rule named \"%s\" "
                        "exists already",
                        r->name);
            rule_free(r);
            return OTELC_EEXIST;
        }
    rule **tail = &m->rules;
    while (*tail)
        tail = &(*tail)->next;
    *tail = r;
    otelc_status st = OTELC_OK;
    if (implicit && m->global && !atomic_load(&m->shut))
        st = start_locked(m);
    pthread_mutex_unlock(&m->lock);
    return st;
}

OTELC_API otelc_status otelc_alert_manager_add_rule(
    otelc_alert_manager *m, const otelc_alert_rule *in) {
    return add_rule(m, in, NULL);
}

otelc_status otelc__alert_add_with_source(otelc_alert_manager *m,
                                          const otelc_alert_rule *in,
                                          otelc__alert_metric *src) {
    return add_rule(m, in, src);
}

OTELC_API otelc_status otelc_alert_manager_remove_rule(otelc_alert_manager *m,
                                                       const char *name) {
    m = resolve(m);
    if (!m)
        return OTELC_ESTATE;
    if (!name)
        return OTELC_EINVAL;
    pthread_mutex_lock(&m->lock);
    for (rule **p = &m->rules; *p; p = &(*p)->next)
        if (!strcmp((*p)->name, name)) {
            rule *r = *p;
            *p = r->next;
            pthread_mutex_unlock(&m->lock);
            rule_free(r);
            return OTELC_OK;
        }
    pthread_mutex_unlock(&m->lock);
    return OTELC_ENOTFOUND;
}

OTELC_API otelc_status otelc_alert_manager_add_channel(otelc_alert_manager *m,
                                                       otelc_alert_channel *c) {
    m = resolve(m);
    if (!c) {
        return OTELC_EINVAL;
    }
    if (!m) {
        otelc_alert_channel_free(c);
        return OTELC_ESTATE;
    }
    if (atomic_load(&m->shut)) {
        otelc_alert_channel_free(c);
        return OTELC_ESHUTDOWN;
    }
    pthread_mutex_lock(&m->lock);
    size_t n = atomic_load(&m->nch);
    if (n == MAX_CHANNELS) {
        pthread_mutex_unlock(&m->lock);
        otelc_alert_channel_free(c);
        return OTELC_EFULL;
    }
    otelc__batch_config bc = {100, m->ch_timeout_ms, m->ch_queue, 1};
    char tn[16];
    snprintf(tn, sizeof tn, "otelc-alert-%zu", n);
    c->b = otelc__batcher_new(&g_ch_ops, c, &bc, tn);
    if (!c->b) {
        pthread_mutex_unlock(&m->lock);
        otelc_alert_channel_free(c);
        return OTELC_ENOMEM;
    }
    m->ch[n] = c;
    atomic_store(&m->nch, n + 1);
    pthread_mutex_unlock(&m->lock);
    return OTELC_OK;
}

OTELC_API otelc_status otelc_alert_manager_start(otelc_alert_manager *m) {
    m = resolve(m);
    if (!m)
        return OTELC_ESTATE;
    if (atomic_load(&m->shut))
        return OTELC_ESHUTDOWN;
    pthread_mutex_lock(&m->lock);
    otelc_status st = start_locked(m);
    pthread_mutex_unlock(&m->lock);
    return st;
}

OTELC_API otelc_status otelc_alert_manager_evaluate(otelc_alert_manager *m,
                                                    otelc_time_ns now) {
    m = resolve(m);
    if (!m)
        return OTELC_ESTATE;
    if (atomic_load(&m->shut))
        return OTELC_ESHUTDOWN;
    pthread_mutex_lock(&m->lock);
    eval_locked(m, now ? now : otelc__now_ns());
    pthread_mutex_unlock(&m->lock);
    return OTELC_OK;
}

OTELC_API otelc_status otelc_alert_manager_flush(otelc_alert_manager *m,
                                                 uint32_t timeout_ms) {
    m = resolve(m);
    if (!m)
        return OTELC_ESTATE;
    uint64_t deadline = otelc__mono_ns() + (uint64_t)timeout_ms * 1000000u;
    otelc_status st = OTELC_OK;
    size_t n = atomic_load(&m->nch);
    for (size_t i = 0; i < n; i++)
        if (otelc__batcher_flush(m->ch[i]->b, deadline) != OTELC_OK)
            st = OTELC_ETIMEDOUT;
    return st;
}

static bool stopped(_Atomic uint32_t *w, uint64_t deadline) {
    for (;;) {
        uint32_t v = atomic_load(w);
        if (v)
            return true;
        if (otelc__mono_ns() >= deadline)
            return false;
        otelc__futex_wait(w, v, deadline);
    }
}

static otelc_status shutdown_until(otelc_alert_manager *m, uint64_t deadline) {
    if (atomic_exchange(&m->shut, 1))
        return OTELC_ESHUTDOWN;
    otelc_status st = OTELC_OK;
    pthread_mutex_lock(&m->lock);
    bool running = m->running;
    pthread_mutex_unlock(&m->lock);
    if (running) {
        atomic_store(&m->stop, 1);
        atomic_fetch_add(&m->wake, 1);
        otelc__futex_wake_all(&m->wake);
        /* An evaluation stuck in a value callback cannot be interrupted:
         * abandon the worker at the deadline (the manager is then never
         * freed, since the worker may still use it). */
        if (stopped(&m->done, deadline)) {
            pthread_join(m->thread, NULL);
        } else {
            pthread_detach(m->thread);
            m->abandoned = true;
            st = OTELC_ETIMEDOUT;
            otelc__diag(OTELC_DIAG_WARN, "alerts: an evaluation was still "
                                         "running at the shutdown deadline; "
                                         "worker abandoned");
        }
        m->running = false;
    }
    size_t n = atomic_load(&m->nch);
    for (size_t i = 0; i < n; i++)
        if (otelc__batcher_shutdown(m->ch[i]->b, deadline) == OTELC_ETIMEDOUT)
            st = OTELC_ETIMEDOUT;
    return st;
}

OTELC_API otelc_status otelc_alert_manager_shutdown(otelc_alert_manager *m,
                                                    uint32_t timeout_ms) {
    m = resolve(m);
    if (!m)
        return OTELC_ESTATE;
    return shutdown_until(m,
                          otelc__mono_ns() + (uint64_t)timeout_ms * 1000000u);
}

OTELC_API void otelc_alert_manager_free(otelc_alert_manager *m) {
    if (!m || m->global)
        return;
    if (!atomic_load(&m->shut))
        shutdown_until(m, otelc__mono_ns() + 5000000000u);
    if (m->abandoned)
        return; /* the worker may still read it */
    otelc__fork_unregister(&m->fork_hook);
    size_t n = atomic_load(&m->nch);
    for (size_t i = 0; i < n; i++)
        otelc_alert_channel_free(m->ch[i]);
    rule *r = m->rules;
    while (r) {
        rule *nx = r->next;
        rule_free(r);
        r = nx;
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

OTELC_API otelc_status otelc_alert_manager_rule_status(
    otelc_alert_manager *m, const char *name, otelc_alert_rule_status *out) {
    m = resolve(m);
    if (!m)
        return OTELC_ESTATE;
    if (!name || !out)
        return OTELC_EINVAL;
    pthread_mutex_lock(&m->lock);
    for (rule *r = m->rules; r; r = r->next)
        if (!strcmp(r->name, name)) {
            out->state = r->state;
            out->has_value = r->has_value;
            out->value = r->value;
            out->active_since = r->active_since;
            out->last_notified = r->last_notified;
            out->notifications = r->notifications;
            out->suppressed = r->suppressed;
            pthread_mutex_unlock(&m->lock);
            return OTELC_OK;
        }
    pthread_mutex_unlock(&m->lock);
    return OTELC_ENOTFOUND;
}

OTELC_API otelc_status otelc_alert_manager_channel_stats(
    otelc_alert_manager *m, size_t index, otelc_alert_channel_stats *out) {
    m = resolve(m);
    if (!m)
        return OTELC_ESTATE;
    if (!out)
        return OTELC_EINVAL;
    if (index >= atomic_load(&m->nch))
        return OTELC_ENOTFOUND;
    otelc_alert_channel *c = m->ch[index];
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", c->name);
    out->sent = atomic_load(&c->sent);
    out->failed = atomic_load(&c->failed);
    out->dropped_queue = atomic_load(&c->dropped);
    out->attempts = atomic_load(&c->attempts);
    return OTELC_OK;
}

/* ---- the global manager
 * ------------------------------------------------------------ */

void otelc__alerts_start(void) {
    pthread_mutex_lock(&g_global_lock);
    if (atomic_load(&g_global)) {
        pthread_mutex_unlock(&g_global_lock);
        return;
    }
    otelc_alert_manager *m = otelc_alert_manager_new(NULL);
    if (!m) {
        pthread_mutex_unlock(&g_global_lock);
        return;
    }
    m->global = true;
    otelc_alert_manager_add_channel(m, otelc_alert_log_channel_new(NULL));
    const char *url = otelc__cfg_str(OTELC_CFG_ALERT_WEBHOOK_URL);
    if (url[0]) {
        otelc_alert_channel *c = otelc_alert_webhook_channel_new(url);
        if (c)
            otelc_alert_manager_add_channel(m, c);
    }
    const char *smtp = otelc__cfg_str(OTELC_CFG_ALERT_SMTP_URL);
    const char *to = otelc__cfg_str(OTELC_CFG_ALERT_EMAIL_TO);
    if (smtp[0] || to[0]) {
        otelc_alert_email_options eo = {
            smtp, otelc__cfg_str(OTELC_CFG_ALERT_SMTP_USER),
            otelc__cfg_str(OTELC_CFG_ALERT_SMTP_PASSWORD),
            otelc__cfg_str(OTELC_CFG_ALERT_EMAIL_FROM), to};
        otelc_alert_channel *c = otelc_alert_email_channel_new(&eo);
        if (c)
            otelc_alert_manager_add_channel(m, c);
    }
    atomic_store(&g_global, m);
    pthread_mutex_unlock(&g_global_lock);
    otelc__alerts_builtin_from_config(m);
}

otelc_status otelc__alerts_stop(uint64_t deadline) {
    pthread_mutex_lock(&g_global_lock);
    otelc_alert_manager *m = atomic_exchange(&g_global, NULL);
    otelc_status st = OTELC_OK;
    if (m) {
        st = shutdown_until(m, deadline);
        if (st == OTELC_ESHUTDOWN)
            st = OTELC_OK;
        retired *r = malloc(sizeof *r);
        if (r) {
            r->m = m;
            r->next = g_retired;
            g_retired = r;
        }
    }
    pthread_mutex_unlock(&g_global_lock);
    return st;
}

otelc_status otelc__alerts_flush_until(uint64_t deadline) {
    otelc_alert_manager *m = atomic_load(&g_global);
    if (!m)
        return OTELC_OK;
    uint64_t now = otelc__mono_ns();
    return otelc_alert_manager_flush(
        m, deadline > now ? (uint32_t)((deadline - now) / 1000000u) : 0);
}
