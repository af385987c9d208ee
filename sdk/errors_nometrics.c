/*
 * sdk/errors_nometrics.c - the metrics of error tracking, alerts and
 * slow-operation detection in a build without the metrics SDK: nothing is
 * recorded, the report's percentiles are NaN, and an alert rule with a
 * metric selector is refused with OTELC_EUNSUPPORTED and one diagnostic
 * (rules with a value callback work as usual).
 */
#include "sdk/alerts_int.h"
#include "sdk/config_int.h"
#include "sdk/errors_metrics_int.h"

void otelc__m_error(const char *error_type) {
    (void)error_type;
}

void otelc__m_slow_request(const char *method, const char *route) {
    (void)method;
    (void)route;
}

void otelc__m_slow_query(const char *db_system) {
    (void)db_system;
}

void otelc__m_query_duration(const char *db_system, double seconds) {
    (void)db_system;
    (void)seconds;
}

bool otelc__m_quantiles(const char *histogram, double q[3]) {
    (void)histogram;
    (void)q;
    return false;
}

otelc_status otelc__alert_metric_new(const char *selector, otelc_alert_fn fn,
                                     const char *rule_name,
                                     otelc__alert_metric **out) {
    (void)selector;
    (void)fn;
    *out = NULL;
    otelc__diag(OTELC_DIAG_WARN,
                "alert rule \"%s\": metric rules need the metrics SDK, which "
                "this build does not have; use a value callback",
                rule_name);
    return OTELC_EUNSUPPORTED;
}

void otelc__alert_metric_free(otelc__alert_metric *m) {
    (void)m;
}

void *otelc__alert_snapshot_take(void) {
    return NULL;
}

void otelc__alert_snapshot_free(void *snapshot) {
    (void)snapshot;
}

bool otelc__alert_metric_value(otelc__alert_metric *m, const void *snapshot,
                               otelc_time_ns now, double *value) {
    (void)m;
    (void)snapshot;
    (void)now;
    (void)value;
    return false;
}

void otelc__alerts_builtin_from_config(otelc_alert_manager *m) {
    (void)m;
    if (otelc__cfg_str(OTELC_CFG_ALERT_RULES)[0])
        otelc__diag(OTELC_DIAG_WARN, "OTELC_ALERT_RULES: the built-in rules "
                                     "need the metrics SDK, which this build "
                                     "does not have");
}

void otelc__errors_metrics_start(void) {}

void otelc__errors_metrics_stop(void) {}

OTELC_API otelc_status otelc_alert_add_cpu_rule(otelc_alert_manager *m,
                                                double threshold_percent,
                                                uint64_t for_ms) {
    (void)m;
    (void)threshold_percent;
    (void)for_ms;
    otelc__diag(OTELC_DIAG_WARN, "otelc_alert_add_cpu_rule: needs the "
                                 "metrics SDK, which this build does not "
                                 "have");
    return OTELC_EUNSUPPORTED;
}

OTELC_API otelc_status otelc_alert_add_error_rate_rule(otelc_alert_manager *m,
                                                       double threshold_ratio,
                                                       uint64_t for_ms) {
    (void)m;
    (void)threshold_ratio;
    (void)for_ms;
    otelc__diag(OTELC_DIAG_WARN, "otelc_alert_add_error_rate_rule: needs the "
                                 "metrics SDK, which this build does not "
                                 "have");
    return OTELC_EUNSUPPORTED;
}
