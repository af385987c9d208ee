/*
 * sdk/alerts_nometrics.c - metric value sources for alert rules, in a
 * build without the metrics SDK: a rule with a metric selector is refused
 * with OTELC_EUNSUPPORTED and one diagnostic; rules with a value callback
 * work as usual.
 */
#include "sdk/alerts_int.h"

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
}
