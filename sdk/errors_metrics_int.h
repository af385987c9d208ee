/*
 * sdk/errors_metrics_int.h - the metrics that error tracking, alerts and
 * slow-operation detection record or read, behind one small interface
 * implemented on the metrics SDK by sdk/errors_metrics.c.  Not installed.
 */
#ifndef OTELC_SDK_ERRORS_METRICS_INT_H
#define OTELC_SDK_ERRORS_METRICS_INT_H

#include "sdk/internal.h"

/* otelc_errors_total{error_type} */
void otelc__m_error(const char *error_type);
/* otelc_slow_requests_total{http.request.method, http.route} */
void otelc__m_slow_request(const char *method, const char *route);
/* otelc_slow_queries_total{db.system} */
void otelc__m_slow_query(const char *db_system);
/* db.client.operation.duration (s){db.system} */
void otelc__m_query_duration(const char *db_system, double seconds);
/* p50, p95, p99 (seconds) of a histogram of the global meter provider,
 * over all its series; false when there is no data. */
bool otelc__m_quantiles(const char *histogram, double q[3]);

/* Attach (at otelc_init(), or when a metric rule is added) and forget
 * (at otelc_shutdown(), before the metrics teardown removes it) the pull
 * reader through which alerts and the report read the global meter
 * provider. */
void otelc__errors_metrics_start(void);
void otelc__errors_metrics_stop(void);

#endif /* OTELC_SDK_ERRORS_METRICS_INT_H */
