/*
 * sdk/errors_metrics.c - the metrics of error tracking, alerts and
 * slow-operation detection, on the metrics SDK (sdk/errors_metrics_int.h,
 * sdk/alerts_int.h):
 *
 *   otelc.errors                    counter  -> otelc_errors_total{error_type}
 *   otelc.slow_requests             counter  -> otelc_slow_requests_total
 *   otelc.slow_queries              counter  -> otelc_slow_queries_total
 *   db.client.operation.duration    histogram (s){db.system}
 *
 * and the read side: alert rules over metric series and the report's
 * percentiles read the global meter provider through a pull reader of
 * their own (cumulative), attached at otelc_init() and removed at
 * otelc_shutdown().  A collection never holds a recording thread (the
 * metrics SDK reads cells with atomic loads); it runs the observable
 * callbacks, which is what gives system.cpu.utilization a value.
 *
 * Selectors.  "name{k=\"v\",k2!=\"v2\"}".  The name matches an instrument's
 * OTel name or its Prometheus form: case-insensitive, any character other
 * than a letter or digit equal to '_', an optional "_total", and an
 * optional unit suffix ("_seconds" for "s", "_milliseconds", "_bytes",
 * "_ratio").  Label keys match the same way; values compare as the
 * attribute's string form.  The matching series are summed.
 *
 * Instruments are created once, on the global provider, which lives for
 * the whole process; they record only while it is enabled (between
 * otelc_init() and otelc_shutdown(), with METRICS_ENABLED=true).
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/alerts_int.h"
#include "sdk/config_int.h"
#include "sdk/errors_int.h"
#include "sdk/errors_metrics_int.h"

#include "otelc/metrics.h"
#include "otelc/version.h"

/* ---- instruments ------------------------------------------------------------
 */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static otelc_counter *g_errors, *g_slow_req, *g_slow_q;
static otelc_histogram *g_q_dur;

static const double g_db_bounds[] = {0.001, 0.005, 0.01, 0.05, 0.1,
                                     0.5,   1,     5,    10};

static void make_instruments(void) {
    otelc_meter *me =
        otelc_meter_get(NULL, "otelc.errors", OTELC_VERSION_STRING);
    otelc_meter *mp = otelc_meter_get(NULL, "otelc.perf", OTELC_VERSION_STRING);
    g_errors = otelc_meter_create_counter(
        me, "otelc.errors", "{error}",
        "Errors captured with otelc_error_capture(), by error_type.", NULL);
    g_slow_req = otelc_meter_create_counter(
        mp, "otelc.slow_requests", "{request}",
        "Served requests at or over OTELC_SLOW_REQUEST_THRESHOLD_MS.", NULL);
    g_slow_q = otelc_meter_create_counter(
        mp, "otelc.slow_queries", "{query}",
        "Database calls at or over OTELC_SLOW_QUERY_THRESHOLD_MS.", NULL);
    otelc_instrument_options o = {0};
    o.bucket_boundaries = g_db_bounds;
    o.bucket_boundary_count = OTELC_ARRAY_LEN(g_db_bounds);
    g_q_dur = otelc_meter_create_histogram(
        mp, "db.client.operation.duration", "s",
        "Duration of database client operations.", &o);
}

static void instruments(void) {
    pthread_once(&g_once, make_instruments);
}

void otelc__m_error(const char *error_type) {
    instruments();
    otelc_attribute a[] = {OTELC_ATTR_STR("error_type", error_type)};
    otelc_counter_add_attrs(g_errors, 1, a, 1);
}

void otelc__m_slow_request(const char *method, const char *route) {
    instruments();
    otelc_attribute a[2];
    size_t n = 0;
    a[n++] = OTELC_ATTR_STR("http.request.method", method ? method : "");
    if (route && route[0])
        a[n++] = OTELC_ATTR_STR("http.route", route);
    otelc_counter_add_attrs(g_slow_req, 1, a, n);
}

void otelc__m_slow_query(const char *db_system) {
    instruments();
    otelc_attribute a[] = {OTELC_ATTR_STR("db.system", db_system)};
    otelc_counter_add_attrs(g_slow_q, 1, a, 1);
}

void otelc__m_query_duration(const char *db_system, double seconds) {
    instruments();
    otelc_attribute a[] = {OTELC_ATTR_STR("db.system", db_system)};
    otelc_histogram_record_attrs(g_q_dur, seconds, a, 1);
}

/* ---- the reader
 * ----------------------------------------------------------------- */

static pthread_mutex_t g_rlock = PTHREAD_MUTEX_INITIALIZER;
static otelc_metric_reader *g_reader; /* under g_rlock */

void otelc__errors_metrics_start(void) {
    instruments();
    pthread_mutex_lock(&g_rlock);
    if (!g_reader) {
        otelc_metric_reader *r =
            otelc_pull_reader_new(OTELC_TEMPORALITY_CUMULATIVE);
        if (r && otelc_meter_provider_add_reader(NULL, r) == OTELC_OK)
            g_reader = r;
        else
            otelc__diag(OTELC_DIAG_WARN,
                        "alerts and the performance report cannot read "
                        "metrics (no reader slot left on the global meter "
                        "provider); metric rules see no values");
    }
    pthread_mutex_unlock(&g_rlock);
}

/* Before otelc__metrics_teardown(), which removes (and frees) every reader
 * of the global provider, ours included. */
void otelc__errors_metrics_stop(void) {
    pthread_mutex_lock(&g_rlock);
    g_reader = NULL;
    pthread_mutex_unlock(&g_rlock);
}

static bool collect(otelc_metrics_collect_fn fn, void *arg) {
    pthread_mutex_lock(&g_rlock);
    bool ok =
        g_reader && otelc_metric_reader_collect(g_reader, fn, arg) == OTELC_OK;
    pthread_mutex_unlock(&g_rlock);
    return ok;
}

/* ---- names
 * ------------------------------------------------------------------- */

/* Lower case, every non-alphanumeric byte as '_'. */
static void norm(const char *s, size_t n, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[k++] = isalnum(c) ? (char)tolower(c) : '_';
    }
    out[k] = '\0';
}

static bool ends_with(const char *s, const char *suf, size_t *cut) {
    size_t a = strlen(s), b = strlen(suf);
    if (a > b && !strcmp(s + a - b, suf)) {
        *cut = a - b;
        return true;
    }
    return false;
}

static const char *unit_word(const char *unit) {
    if (!strcmp(unit, "s"))
        return "_seconds";
    if (!strcmp(unit, "ms"))
        return "_milliseconds";
    if (!strcmp(unit, "By"))
        return "_bytes";
    if (!strcmp(unit, "1"))
        return "_ratio";
    return NULL;
}

/* Does selector name `sel` (normalised) name this instrument? */
static bool name_match(const char *sel, const char *name, const char *unit) {
    char n[256], s[256];
    norm(name, strlen(name), n, sizeof n);
    snprintf(s, sizeof s, "%s", sel);
    size_t cut;
    if (ends_with(s, "_total", &cut) && !ends_with(n, "_total", &(size_t){0}))
        s[cut] = '\0';
    if (!strcmp(s, n))
        return true;
    const char *uw = unit_word(unit);
    if (uw && ends_with(s, uw, &cut)) {
        s[cut] = '\0';
        return !strcmp(s, n);
    }
    return false;
}

/* ---- selectors
 * -------------------------------------------------------------------- */

typedef struct matcher {
    char key[128]; /* normalised */
    char *value;
    bool negate;
} matcher;

typedef struct selector {
    char name[256]; /* normalised */
    matcher *m;
    size_t nm;
} selector;

static void sel_free(selector *s) {
    for (size_t i = 0; i < s->nm; i++)
        free(s->m[i].value);
    free(s->m);
    memset(s, 0, sizeof *s);
}

/* NULL on success, else a static description of what is wrong at *pos. */
static const char *sel_parse(const char *text, selector *out, size_t *pos) {
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    const char *n0 = p;
    while (isalnum((unsigned char)*p) || (*p && strchr("_.:/-", *p)))
        p++;
    *pos = (size_t)(p - text);
    if (p == n0)
        return "expected a metric name";
    if ((size_t)(p - n0) >= sizeof out->name)
        return "the metric name is too long";
    norm(n0, (size_t)(p - n0), out->name, sizeof out->name);
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '{') {
        p++;
        for (;;) {
            while (isspace((unsigned char)*p))
                p++;
            *pos = (size_t)(p - text);
            if (*p == '}') {
                p++;
                break;
            }
            const char *k0 = p;
            while (isalnum((unsigned char)*p) || (*p && strchr("_.:/-", *p)))
                p++;
            if (p == k0)
                return "expected a label name";
            matcher m;
            memset(&m, 0, sizeof m);
            if ((size_t)(p - k0) >= sizeof m.key)
                return "the label name is too long";
            norm(k0, (size_t)(p - k0), m.key, sizeof m.key);
            while (isspace((unsigned char)*p))
                p++;
            *pos = (size_t)(p - text);
            if (p[0] == '!' && p[1] == '=') {
                m.negate = true;
                p += 2;
            } else if (p[0] == '=') {
                p++;
            } else {
                return "expected = or != after the label name";
            }
            while (isspace((unsigned char)*p))
                p++;
            *pos = (size_t)(p - text);
            if (*p != '"')
                return "expected a double-quoted label value";
            p++;
            char buf[512];
            size_t k = 0;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                if (k + 1 < sizeof buf)
                    buf[k++] = *p;
                p++;
            }
            *pos = (size_t)(p - text);
            if (*p != '"')
                return "unterminated label value";
            p++;
            buf[k] = '\0';
            m.value = otelc__strdup(buf);
            matcher *nm = realloc(out->m, sizeof *nm * (out->nm + 1));
            if (!m.value || !nm) {
                free(m.value);
                if (nm)
                    out->m = nm;
                return "out of memory";
            }
            out->m = nm;
            out->m[out->nm++] = m;
            while (isspace((unsigned char)*p))
                p++;
            if (*p == ',') {
                p++;
                continue;
            }
            *pos = (size_t)(p - text);
            if (*p != '}')
                return "expected , or } after a label matcher";
        }
    }
    while (isspace((unsigned char)*p))
        p++;
    *pos = (size_t)(p - text);
    if (*p)
        return "unexpected text after the selector";
    return NULL;
}

static bool attrs_match(const selector *s, const otelc_attribute *a,
                        uint32_t n) {
    for (size_t i = 0; i < s->nm; i++) {
        const matcher *m = &s->m[i];
        bool eq = false;
        for (uint32_t j = 0; j < n; j++) {
            char k[128];
            norm(a[j].key, strlen(a[j].key), k, sizeof k);
            if (strcmp(k, m->key))
                continue;
            char buf[64];
            size_t len;
            const char *v =
                otelc__error_value_str(&a[j].value, buf, sizeof buf, &len);
            eq = len == strlen(m->value) && !memcmp(v, m->value, len);
            break;
        }
        if (eq == m->negate)
            return false;
    }
    return true;
}

/* ---- snapshots
 * ---------------------------------------------------------------------- */

/* Totals of one selector over one snapshot. */
typedef struct totals {
    bool found;
    bool histogram;
    double value; /* sums and gauges */
    double count; /* histograms */
    double sum;
} totals;

enum { SRC_SELECTOR = 0, SRC_ERROR_RATIO = 1 };

struct otelc__alert_metric {
    int src;
    selector sel, sel2; /* sel2: the error ratio's requests */
    otelc_alert_fn fn;
    double scale;
    /* The previous evaluation's totals, for increases and rates. */
    bool have_prev;
    totals prev, prev2;
    otelc_time_ns prev_time;
};

/* A snapshot: the collected data is borrowed only inside the collect
 * callback, so it is copied into this compact form (names, units,
 * attributes as strings, one number per point) for the rules to read. */
typedef struct cpoint {
    otelc_attribute *attrs;
    uint32_t nattrs;
    bool hist;
    double value, count, sum;
} cpoint;

typedef struct cmetric {
    char *name, *unit;
    cpoint *p;
    uint32_t n;
} cmetric;

typedef struct csnap {
    cmetric *m;
    uint32_t n;
    bool oom;
} csnap;

static otelc_attribute *copy_attrs(const otelc_attribute *a, uint32_t n,
                                   bool *oom) {
    if (!n)
        return NULL;
    otelc_attribute *c = calloc(n, sizeof *c);
    if (!c) {
        *oom = true;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        char buf[64];
        size_t len;
        const char *v =
            otelc__error_value_str(&a[i].value, buf, sizeof buf, &len);
        c[i].key = otelc__strdup(a[i].key);
        c[i].value.type = OTELC_VALUE_STRING;
        c[i].value.u.s = otelc__strndup(v, len);
        c[i].value.len = (uint32_t)len;
        if (!c[i].key || !c[i].value.u.s)
            *oom = true;
    }
    return c;
}

static void snap_fn(const otelc_metrics_data *d, void *arg) {
    csnap *s = arg;
    uint32_t total = 0;
    for (uint32_t i = 0; i < d->scope_count; i++)
        total += d->scopes[i].metric_count;
    s->m = calloc(total ? total : 1, sizeof *s->m);
    if (!s->m) {
        s->oom = true;
        return;
    }
    for (uint32_t i = 0; i < d->scope_count; i++)
        for (uint32_t j = 0; j < d->scopes[i].metric_count; j++) {
            const otelc_metric_data *md = &d->scopes[i].metrics[j];
            cmetric *cm = &s->m[s->n++];
            cm->name = otelc__strdup(md->name);
            cm->unit = otelc__strdup(md->unit);
            cm->p =
                calloc(md->point_count ? md->point_count : 1, sizeof *cm->p);
            if (!cm->name || !cm->unit || !cm->p) {
                s->oom = true;
                continue;
            }
            for (uint32_t k = 0; k < md->point_count; k++) {
                cpoint *cp = &cm->p[cm->n++];
                if (md->type == OTELC_METRIC_HISTOGRAM) {
                    const otelc_histogram_point *hp = &md->histogram_points[k];
                    cp->hist = true;
                    cp->count = (double)hp->count;
                    cp->sum = hp->sum;
                    cp->nattrs = hp->attribute_count;
                    cp->attrs = copy_attrs(hp->attributes, hp->attribute_count,
                                           &s->oom);
                } else {
                    const otelc_number_point *np = &md->number_points[k];
                    cp->value = np->is_int ? (double)np->value.i : np->value.d;
                    cp->nattrs = np->attribute_count;
                    cp->attrs = copy_attrs(np->attributes, np->attribute_count,
                                           &s->oom);
                }
            }
        }
}

void *otelc__alert_snapshot_take(void) {
    csnap *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (!collect(snap_fn, s) || s->oom) {
        otelc__alert_snapshot_free(s);
        return NULL;
    }
    return s;
}

void otelc__alert_snapshot_free(void *snapshot) {
    csnap *s = snapshot;
    if (!s)
        return;
    for (uint32_t i = 0; i < s->n; i++) {
        cmetric *cm = &s->m[i];
        for (uint32_t k = 0; k < cm->n; k++) {
            for (uint32_t a = 0; cm->p[k].attrs && a < cm->p[k].nattrs; a++) {
                free((char *)cm->p[k].attrs[a].key);
                free((char *)cm->p[k].attrs[a].value.u.s);
            }
            free(cm->p[k].attrs);
        }
        free(cm->p);
        free(cm->name);
        free(cm->unit);
    }
    free(s->m);
    free(s);
}

static void snap_totals(const selector *sel, const csnap *s, totals *t) {
    memset(t, 0, sizeof *t);
    for (uint32_t i = 0; s && i < s->n; i++) {
        const cmetric *cm = &s->m[i];
        if (!name_match(sel->name, cm->name, cm->unit))
            continue;
        for (uint32_t k = 0; k < cm->n; k++) {
            const cpoint *cp = &cm->p[k];
            if (!attrs_match(sel, cp->attrs, cp->nattrs))
                continue;
            t->found = true;
            if (cp->hist) {
                t->histogram = true;
                t->count += cp->count;
                t->sum += cp->sum;
            } else {
                t->value += cp->value;
            }
        }
    }
}

/* ---- alert metric sources
 * --------------------------------------------------------- */

otelc_status otelc__alert_metric_new(const char *text, otelc_alert_fn fn,
                                     const char *rule_name,
                                     otelc__alert_metric **out) {
    *out = NULL;
    if ((unsigned)fn > OTELC_ALERT_FN_AVERAGE) {
        otelc__diag(OTELC_DIAG_WARN, "alert rule \"%s\": unknown function %d",
                    rule_name, (int)fn);
        return OTELC_EINVAL;
    }
    otelc__alert_metric *m = calloc(1, sizeof *m);
    if (!m)
        return OTELC_ENOMEM;
    size_t pos = 0;
    const char *why = sel_parse(text, &m->sel, &pos);
    if (why) {
        otelc__diag(OTELC_DIAG_WARN,
                    "alert rule \"%s\": malformed metric selector \"%.200s\" "
                    "at offset %zu: %s",
                    rule_name, text, pos, why);
        otelc__alert_metric_free(m);
        return OTELC_EPARSE;
    }
    m->src = SRC_SELECTOR;
    m->fn = fn;
    m->scale = 1;
    *out = m;
    /* Read the metrics from the next evaluation on. */
    otelc__errors_metrics_start();
    return OTELC_OK;
}

void otelc__alert_metric_free(otelc__alert_metric *m) {
    if (!m)
        return;
    sel_free(&m->sel);
    sel_free(&m->sel2);
    free(m);
}

/* Increase of a total since the previous evaluation (a drop is a reset:
 * the new total is the increase).  Series absent at the previous
 * evaluation count from 0: cumulative totals start at 0 when otelc_init()
 * turns recording on, so a counter's first increment is an increase. */
static double increase(double now, double prev) {
    return now >= prev ? now - prev : now;
}

bool otelc__alert_metric_value(otelc__alert_metric *m, const void *snapshot,
                               otelc_time_ns now, double *value) {
    if (!m || !snapshot)
        return false;
    totals t, t2;
    snap_totals(&m->sel, snapshot, &t);
    if (m->src == SRC_ERROR_RATIO)
        snap_totals(&m->sel2, snapshot, &t2);
    else
        memset(&t2, 0, sizeof t2);
    bool had = m->have_prev;
    totals p = m->prev, p2 = m->prev2;
    otelc_time_ns pt = m->prev_time;
    m->have_prev = true;
    m->prev = t;
    m->prev2 = t2;
    m->prev_time = now;
    double v;
    if (m->src == SRC_ERROR_RATIO) {
        /* errors / requests over the evaluation interval; no requests, no
         * value. */
        if (!had || !t2.found)
            return false;
        double req = increase(t2.histogram ? t2.count : t2.value,
                              p2.histogram ? p2.count : p2.value);
        if (req <= 0)
            return false;
        v = increase(t.value, p.value) / req;
    } else {
        if (!t.found)
            return false;
        double cur = t.histogram ? t.count : t.value;
        double old = p.histogram ? p.count : p.value;
        switch (m->fn) {
        case OTELC_ALERT_FN_VALUE: v = cur; break;
        case OTELC_ALERT_FN_INCREASE:
            if (!had)
                return false;
            v = increase(cur, old);
            break;
        case OTELC_ALERT_FN_RATE:
            if (!had || now <= pt)
                return false;
            v = increase(cur, old) / ((double)(now - pt) / 1e9);
            break;
        case OTELC_ALERT_FN_AVERAGE: {
            if (!t.histogram || !had)
                return false;
            double dc = increase(t.count, p.count);
            if (dc <= 0)
                return false;
            v = (t.count >= p.count ? t.sum - p.sum : t.sum) / dc;
            break;
        }
        default: return false;
        }
    }
    *value = v * m->scale;
    return true;
}

/* ---- built-in rules
 * --------------------------------------------------------------- */

/* "5 min", "90 s", "1500 ms": the for-duration in a summary. */
static void fmt_duration(char *out, size_t cap, uint64_t ms) {
    if (ms % 60000 == 0)
        snprintf(out, cap, "%llu min", (unsigned long long)(ms / 60000));
    else if (ms % 1000 == 0)
        snprintf(out, cap, "%llu s", (unsigned long long)(ms / 1000));
    else
        snprintf(out, cap, "%llu ms", (unsigned long long)ms);
}

static otelc_status add_builtin(otelc_alert_manager *mgr,
                                const otelc_alert_rule *r,
                                otelc__alert_metric *src);

/* sdk/alerts.c: add a rule whose metric source is already built. */
otelc_status otelc__alert_add_with_source(otelc_alert_manager *mgr,
                                          const otelc_alert_rule *r,
                                          otelc__alert_metric *src);

static otelc_status add_builtin(otelc_alert_manager *mgr,
                                const otelc_alert_rule *r,
                                otelc__alert_metric *src) {
    return otelc__alert_add_with_source(mgr, r, src);
}

OTELC_API otelc_status otelc_alert_add_cpu_rule(otelc_alert_manager *mgr,
                                                double threshold_percent,
                                                uint64_t for_ms) {
    if (threshold_percent <= 0)
        threshold_percent = 80;
    if (!for_ms)
        for_ms = 300000;
    /* system.cpu.utilization comes from the system metrics. */
    otelc_system_metrics_register(otelc_meter_provider_global(), NULL);
    otelc__alert_metric *src;
    otelc_status st = otelc__alert_metric_new(
        "system.cpu.utilization", OTELC_ALERT_FN_VALUE, "cpu_usage", &src);
    if (st != OTELC_OK)
        return st;
    src->scale = 100; /* a share -> percent */
    char summary[96], d[32];
    fmt_duration(d, sizeof d, for_ms);
    snprintf(summary, sizeof summary, "CPU usage over %g%% for %s",
             threshold_percent, d);
    otelc_alert_rule r = {.name = "cpu_usage",
                          .metric = "system.cpu.utilization",
                          .op = OTELC_ALERT_GT,
                          .threshold = threshold_percent,
                          .for_ms = for_ms,
                          .summary = summary};
    return add_builtin(mgr, &r, src);
}

OTELC_API otelc_status otelc_alert_add_error_rate_rule(otelc_alert_manager *mgr,
                                                       double threshold_ratio,
                                                       uint64_t for_ms) {
    if (threshold_ratio <= 0)
        threshold_ratio = 0.05;
    if (!for_ms)
        for_ms = 60000;
    otelc__alert_metric *src = calloc(1, sizeof *src);
    if (!src)
        return OTELC_ENOMEM;
    size_t pos;
    if (sel_parse("otelc.errors", &src->sel, &pos) ||
        sel_parse("http.server.request.duration", &src->sel2, &pos)) {
        otelc__alert_metric_free(src);
        return OTELC_ENOMEM;
    }
    src->src = SRC_ERROR_RATIO;
    src->scale = 1;
    otelc__errors_metrics_start();
    char summary[96], d[32];
    fmt_duration(d, sizeof d, for_ms);
    snprintf(summary, sizeof summary, "error rate over %g%% of requests for %s",
             threshold_ratio * 100, d);
    otelc_alert_rule r = {.name = "error_rate",
                          .metric = "otelc.errors",
                          .op = OTELC_ALERT_GT,
                          .threshold = threshold_ratio,
                          .for_ms = for_ms,
                          .summary = summary};
    return add_builtin(mgr, &r, src);
}

void otelc__alerts_builtin_from_config(otelc_alert_manager *m) {
    if (otelc__cfg_list_has(OTELC_CFG_ALERT_RULES, "cpu"))
        otelc_alert_add_cpu_rule(m, 0, 0);
    if (otelc__cfg_list_has(OTELC_CFG_ALERT_RULES, "error_rate"))
        otelc_alert_add_error_rate_rule(m, 0, 0);
}

/* ---- percentiles
 * ---------------------------------------------------------------- */

typedef struct qreq {
    const char *name;
    bool found;
    uint32_t nb;
    double bounds[64];
    uint64_t counts[65];
    uint64_t total;
    double min, max;
    bool has_mm;
} qreq;

static void q_fn(const otelc_metrics_data *d, void *arg) {
    qreq *q = arg;
    for (uint32_t i = 0; i < d->scope_count; i++)
        for (uint32_t j = 0; j < d->scopes[i].metric_count; j++) {
            const otelc_metric_data *md = &d->scopes[i].metrics[j];
            if (md->type != OTELC_METRIC_HISTOGRAM || strcmp(md->name, q->name))
                continue;
            for (uint32_t k = 0; k < md->point_count; k++) {
                const otelc_histogram_point *hp = &md->histogram_points[k];
                if (hp->bound_count > 64)
                    continue;
                if (!q->found) {
                    q->found = true;
                    q->nb = hp->bound_count;
                    memcpy(q->bounds, hp->bounds, sizeof(double) * q->nb);
                    q->min = INFINITY;
                    q->max = -INFINITY;
                } else if (hp->bound_count != q->nb) {
                    continue; /* one instrument: same bounds everywhere */
                }
                for (uint32_t b = 0; b <= q->nb; b++)
                    q->counts[b] += hp->bucket_counts[b];
                q->total += hp->count;
                if (hp->has_min_max && hp->count) {
                    q->has_mm = true;
                    q->min = fmin(q->min, hp->min);
                    q->max = fmax(q->max, hp->max);
                }
            }
        }
}

/* Prometheus' histogram_quantile: linear within the bucket holding the
 * rank, the first bucket starting at the minimum (or 0) and the +Inf one
 * ending at the maximum (or its lower bound). */
static double quantile(const qreq *q, double p) {
    double rank = p * (double)q->total;
    uint64_t cum = 0;
    for (uint32_t b = 0; b <= q->nb; b++) {
        uint64_t c = q->counts[b];
        if (c && (double)(cum + c) >= rank) {
            double lo = b == 0 ? (q->has_mm ? fmin(q->min, q->bounds[0]) : 0)
                               : q->bounds[b - 1];
            double hi = b < q->nb ? q->bounds[b]
                                  : (q->has_mm ? q->max : q->bounds[q->nb - 1]);
            if (q->has_mm) {
                lo = fmax(lo, q->min);
                hi = fmin(hi, q->max);
            }
            if (hi < lo)
                hi = lo;
            double f = (rank - (double)cum) / (double)c;
            if (f < 0)
                f = 0;
            return lo + (hi - lo) * f;
        }
        cum += c;
    }
    return q->has_mm ? q->max : NAN;
}

bool otelc__m_quantiles(const char *histogram, double out[3]) {
    qreq *q = calloc(1, sizeof *q);
    if (!q)
        return false;
    q->name = histogram;
    bool ok = collect(q_fn, q) && q->found && q->total > 0;
    if (ok) {
        out[0] = quantile(q, 0.50);
        out[1] = quantile(q, 0.95);
        out[2] = quantile(q, 0.99);
    }
    free(q);
    return ok;
}
