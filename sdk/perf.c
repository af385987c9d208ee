/*
 * sdk/perf.c - slow-operation detection: the database-call span helper,
 * the checks the server instrumentation calls for each request, and the
 * performance report.
 *
 * Cost.  Every request and database call pays a few relaxed atomic loads
 * and one relaxed increment (the totals); only a slow one does more (an
 * attribute, a log record, a counter).  The settings are read once, at
 * otelc_init(), into atomics, so nothing here touches the configuration
 * or takes a lock.
 *
 * A slow operation's WARN record is made while the operation's span is
 * current, so it carries the span's trace_id and span_id: the DB helper
 * runs before popping its span, and the microhttpd wrapper makes the
 * request's context current around otelc__perf_slow_request().
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/config_int.h"
#include "sdk/errors_metrics_int.h"
#include "sdk/perf_int.h"

#include "otelc/log.h"
#include "otelc/trace.h"

static _Atomic int g_on;
static _Atomic uint64_t g_req_thr_ns = 2000000000u,
                        g_query_thr_ns = 1000000000u;
static _Atomic uint32_t g_stmt_max = 1000;
static _Atomic uint64_t g_requests, g_slow_requests, g_queries, g_slow_queries;

static otelc_logger *perf_logger(void) {
    static otelc_logger *l;
    otelc_logger *v = __atomic_load_n(&l, __ATOMIC_ACQUIRE);
    if (!v) {
        v = otelc_logger_get("otelc.perf");
        __atomic_store_n(&l, v, __ATOMIC_RELEASE);
    }
    return v;
}

void otelc__perf_start(void) {
    atomic_store(&g_req_thr_ns, (uint64_t)otelc__cfg_int(
                                    OTELC_CFG_SLOW_REQUEST_THRESHOLD, 2000) *
                                    1000000u);
    atomic_store(&g_query_thr_ns, (uint64_t)otelc__cfg_int(
                                      OTELC_CFG_SLOW_QUERY_THRESHOLD, 1000) *
                                      1000000u);
    atomic_store(&g_stmt_max, (uint32_t)otelc__cfg_int(
                                  OTELC_CFG_DB_STATEMENT_MAX_LENGTH, 1000));
    atomic_store(&g_requests, 0);
    atomic_store(&g_slow_requests, 0);
    atomic_store(&g_queries, 0);
    atomic_store(&g_slow_queries, 0);
    atomic_store(&g_on,
                 otelc__cfg_bool(OTELC_CFG_PERFORMANCE_MONITORING, true));
}

void otelc__perf_stop(void) {
    atomic_store(&g_on, 0);
}

static bool on(void) {
    return atomic_load_explicit(&g_on, memory_order_relaxed);
}

static void bump(_Atomic uint64_t *c) {
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Bytes of s kept as db.statement. */
static size_t stmt_len(const char *s) {
    size_t n = strlen(s);
    return otelc__utf8_prefix(
        s, n, atomic_load_explicit(&g_stmt_max, memory_order_relaxed));
}

static void mark_slow(otelc_span *span, uint64_t thr_ns) {
    if (!span)
        return;
    otelc_span_set_attribute_bool(span, "slow", true);
    otelc_span_set_attribute_int(span, "slow.threshold_ms",
                                 (int64_t)(thr_ns / 1000000u));
}

/* ---- requests -------------------------------------------------------------
 */

bool otelc__perf_request_done(uint64_t duration_ns) {
    if (!on())
        return false;
    bump(&g_requests);
    return duration_ns >=
           atomic_load_explicit(&g_req_thr_ns, memory_order_relaxed);
}

void otelc__perf_slow_request(otelc_span *span, const char *method,
                              const char *route, const char *target,
                              unsigned status, uint64_t duration_ns) {
    uint64_t thr = atomic_load(&g_req_thr_ns);
    bump(&g_slow_requests);
    mark_slow(span, thr);
    otelc__m_slow_request(method, route);
    otelc_logger *lg = perf_logger();
    if (!otelc_log_enabled(lg, OTELC_LOG_WARN))
        return;
    otelc_attribute f[5];
    size_t n = 0;
    f[n++] = OTELC_ATTR_STR("http.request.method", method ? method : "");
    f[n++] = OTELC_ATTR_STR("http.route", target ? target : "");
    if (status)
        f[n++] = OTELC_ATTR_INT("http.response.status_code", status);
    f[n++] = OTELC_ATTR_DOUBLE("duration_ms",
                               (double)(duration_ns / 1000u) / 1000.0);
    f[n++] = OTELC_ATTR_INT("threshold_ms", (int64_t)(thr / 1000000u));
    otelc_log_emit(lg, OTELC_LOG_WARN, "Slow request detected", f, n);
}

OTELC_API void otelc_perf_record_request(const char *method, const char *route,
                                         int status_code,
                                         uint64_t duration_ns) {
    if (otelc__perf_request_done(duration_ns))
        otelc__perf_slow_request(otelc_span_current(), method, route, route,
                                 status_code > 0 ? (unsigned)status_code : 0,
                                 duration_ns);
}

/* ---- database calls ---------------------------------------------------------
 */

static void query_done(otelc_span *span, const char *system,
                       const char *statement, uint64_t duration_ns) {
    bump(&g_queries);
    otelc__m_query_duration(system, (double)duration_ns / 1e9);
    uint64_t thr = atomic_load_explicit(&g_query_thr_ns, memory_order_relaxed);
    if (duration_ns < thr)
        return;
    bump(&g_slow_queries);
    mark_slow(span, thr);
    otelc__m_slow_query(system);
    otelc_logger *lg = perf_logger();
    if (!otelc_log_enabled(lg, OTELC_LOG_WARN))
        return;
    otelc_attribute f[4];
    size_t n = 0;
    f[n++] = OTELC_ATTR_STR("db.system", system);
    if (statement) {
        f[n] = OTELC_ATTR_STR("db.statement", statement);
        f[n++].value.len = (uint32_t)stmt_len(statement);
    }
    f[n++] = OTELC_ATTR_DOUBLE("duration_ms",
                               (double)(duration_ns / 1000u) / 1000.0);
    f[n++] = OTELC_ATTR_INT("threshold_ms", (int64_t)(thr / 1000000u));
    otelc_log_emit(lg, OTELC_LOG_WARN, "Slow database query detected", f, n);
}

OTELC_API void otelc_perf_record_query(const char *db_system,
                                       const char *statement,
                                       uint64_t duration_ns) {
    if (!on())
        return;
    query_done(otelc_span_current(), db_system ? db_system : "", statement,
               duration_ns);
}

OTELC_API otelc_db_call otelc_db_call_begin(const char *system,
                                            const char *statement) {
    otelc_db_call c;
    memset(&c, 0, sizeof c);
    c.once = 1;
    c.scope.depth = UINT32_MAX;
    snprintf(c.system, sizeof c.system, "%s", system ? system : "");
    /* The span name: the statement's first word (the operation), upper
     * case, then the system - low cardinality, unlike the statement. */
    char name[64];
    size_t k = 0;
    const char *s = statement ? statement : "";
    while (*s && isspace((unsigned char)*s))
        s++;
    while (*s && !isspace((unsigned char)*s) && *s != '(' && *s != ';' &&
           k < 24)
        name[k++] = (char)toupper((unsigned char)*s++);
    if (k)
        name[k++] = ' ';
    snprintf(name + k, sizeof name - k, "%s", c.system[0] ? c.system : "db");
    otelc_attribute a[2];
    size_t n = 0;
    a[n++] = OTELC_ATTR_STR("db.system", c.system);
    if (statement) {
        a[n] = OTELC_ATTR_STR("db.statement", statement);
        a[n++].value.len = (uint32_t)stmt_len(statement);
        if (!a[n - 1].value.len) /* an empty statement */
            n--;
    }
    otelc_span_start_options so = {
        .kind = OTELC_SPAN_KIND_CLIENT, .attributes = a, .attribute_count = n};
    c.span = otelc_span_start(NULL, name, &so);
    if (c.span)
        c.scope = otelc_span_make_current(c.span);
    c.start_mono_ns = otelc__mono_ns();
    return c;
}

OTELC_API void otelc_db_call_end(otelc_db_call *c) {
    if (!c || !c->start_mono_ns)
        return;
    uint64_t d = otelc__mono_ns() - c->start_mono_ns;
    c->start_mono_ns = 0;
    if (on()) {
        /* The statement is on the span; the record repeats it, cut the
         * same way. */
        const char *st = NULL;
        if (c->span) {
            const otelc_span_data *sd = (const otelc_span_data *)c->span;
            for (uint32_t i = 0; i < sd->attribute_count; i++)
                if (!strcmp(sd->attributes[i].key, "db.statement") &&
                    sd->attributes[i].value.type == OTELC_VALUE_STRING)
                    st = sd->attributes[i].value.u.s;
        }
        query_done(c->span, c->system, st, d);
    }
    otelc_scope_end(c->scope);
    otelc_span_end(c->span);
    c->span = NULL;
}

/* ---- the report
 * ----------------------------------------------------------------- */

OTELC_API void otelc_perf_get_report(otelc_perf_report *out) {
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    out->requests = atomic_load(&g_requests);
    out->slow_requests = atomic_load(&g_slow_requests);
    out->queries = atomic_load(&g_queries);
    out->slow_queries = atomic_load(&g_slow_queries);
    out->slow_request_threshold_ms =
        (uint32_t)(atomic_load(&g_req_thr_ns) / 1000000u);
    out->slow_query_threshold_ms =
        (uint32_t)(atomic_load(&g_query_thr_ns) / 1000000u);
    double q[3];
    if (otelc__m_quantiles("http.server.request.duration", q)) {
        out->request_p50_ms = q[0] * 1000.0;
        out->request_p95_ms = q[1] * 1000.0;
        out->request_p99_ms = q[2] * 1000.0;
    } else {
        out->request_p50_ms = out->request_p95_ms = out->request_p99_ms = NAN;
    }
    if (otelc__m_quantiles("db.client.operation.duration", q)) {
        out->query_p50_ms = q[0] * 1000.0;
        out->query_p95_ms = q[1] * 1000.0;
        out->query_p99_ms = q[2] * 1000.0;
    } else {
        out->query_p50_ms = out->query_p95_ms = out->query_p99_ms = NAN;
    }
}
