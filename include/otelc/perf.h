/*
 * otelc/perf.h - slow-operation detection: slow served requests and slow
 * database calls, and a performance report.
 *
 *   OTELC_DB_CALL("postgresql", "SELECT * FROM orders WHERE id = $1") {
 *       rc = PQexecParams(...);
 *   }
 *
 * OTELC_DB_CALL starts a CLIENT span for the block ("SELECT postgresql"),
 * with db.system and db.statement (cut to OTELC_DB_STATEMENT_MAX_LENGTH
 * characters), makes it current, and ends it when the block is left.  A
 * call that took OTELC_SLOW_QUERY_THRESHOLD_MS (default 1 s) or longer is
 * slow; a request served by the libmicrohttpd wrapper (otelc/microhttpd.h)
 * that took OTELC_SLOW_REQUEST_THRESHOLD_MS (default 2 s) or longer is
 * slow.  A slow operation gets:
 *  - the span attribute slow=true (and slow.threshold_ms);
 *  - a WARN log record (logger "otelc.perf"), "Slow database query
 *    detected" or "Slow request detected", with the duration, the
 *    threshold and the operation's details, made while its span is current
 *    so that it carries the trace_id and span_id;
 *  - a count in the counters otelc_slow_requests_total and
 *    otelc_slow_queries_total (Prometheus names) and in the report.
 * Fast operations get none of these.  PERFORMANCE_MONITORING=false turns
 * the detection off (the spans remain).  Before otelc_init() and after
 * otelc_shutdown() nothing is detected.
 */
#ifndef OTELC_PERF_H
#define OTELC_PERF_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** State of one database call; lives in the caller's frame.  Treat as
 *  opaque. */
typedef struct otelc_db_call {
    otelc_span *span;
    otelc_scope scope;
    uint64_t start_mono_ns;
    char system[32];
    int once;
} otelc_db_call;

/**
 * otelc_db_call_begin - start timing a database call: a CLIENT span named
 * "<first word of the statement> <db_system>" (e.g. "SELECT postgresql")
 * with db.system and db.statement, made current (OTELC_DB_CALL does
 * begin and end).
 * @param db_system  "postgresql", "mysql", "sqlite", "redis"...; copied.
 * @param statement  the query text; copied and cut to
 *                   OTELC_DB_STATEMENT_MAX_LENGTH characters (NULL: none).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_db_call otelc_db_call_begin(const char *db_system,
                                            const char *statement);

/**
 * otelc_db_call_end - end the call: measure it, flag it when slow (see the
 * file comment), pop and end its span.  Idempotent.
 * Thread-safety: the thread that began it.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_db_call_end(otelc_db_call *call);

/**
 * otelc_perf_record_query - report a database call you timed yourself,
 * while its span (if any) is current: counted, and flagged on the current
 * span and in the log when slow.
 * @param statement  cut to OTELC_DB_STATEMENT_MAX_LENGTH characters in the
 *                   log record; NULL for none.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_perf_record_query(const char *db_system,
                                       const char *statement,
                                       uint64_t duration_ns);

/**
 * otelc_perf_record_request - report a served request you timed yourself
 * (a server otelc does not wrap), while its span is current: counted, and
 * flagged on the current span and in the log when slow.
 * @param route  the route or path; NULL for none.
 * @param status_code  0 when unknown.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_perf_record_request(const char *method, const char *route,
                                         int status_code, uint64_t duration_ns);

/** The performance report (the guide's get_performance_report). */
typedef struct otelc_perf_report {
    uint64_t requests;      /* requests seen since otelc_init() */
    uint64_t slow_requests; /* ... that were slow */
    uint64_t queries;       /* database calls seen since otelc_init() */
    uint64_t slow_queries;  /* ... that were slow */
    uint32_t slow_request_threshold_ms;
    uint32_t slow_query_threshold_ms;
    /* Latency percentiles in milliseconds from the duration histograms
     * (http.server.request.duration, db.client.operation.duration),
     * interpolated within buckets; NaN when there is no data (or no
     * metrics). */
    double request_p50_ms, request_p95_ms, request_p99_ms;
    double query_p50_ms, query_p95_ms, query_p99_ms;
} otelc_perf_report;

/**
 * otelc_perf_get_report - fill `out` with the counts and percentiles.
 * Thread-safety: any thread.  Blocking: collects the duration histograms
 * (no recording thread is held).  Since: 0.1.
 */
OTELC_API void otelc_perf_get_report(otelc_perf_report *out);

/** OTELC_DB_CALL(db_system, statement) { ... } - time a database call (a
 *  scoped CLIENT span; see otelc_db_call_begin()).  The same rules as
 *  TRACE_SPAN: `break` leaves the block itself. */
#define OTELC__DB_CALL(var, sys, stmt)                                         \
    for (otelc_db_call var __attribute__((cleanup(otelc_db_call_end))) =       \
             otelc_db_call_begin((sys), (stmt));                               \
         var.once; var.once = 0)
#define OTELC_DB_CALL(sys, stmt)                                               \
    OTELC__DB_CALL(OTELC__PERF_CAT(otelc__db_call_, __COUNTER__), sys, stmt)
#define OTELC__PERF_CAT2(a, b) a##b
#define OTELC__PERF_CAT(a, b) OTELC__PERF_CAT2(a, b)

#ifdef __cplusplus
}
#endif
#endif /* OTELC_PERF_H */
