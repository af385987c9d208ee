/*
 * sdk/alerts_int.h - alert internals shared by sdk/alerts.c, the metric
 * value sources and sdk/init.c.  Not installed.
 */
#ifndef OTELC_SDK_ALERTS_INT_H
#define OTELC_SDK_ALERTS_INT_H

#include "sdk/internal.h"

#include "otelc/alerts.h"

/* A metric rule's value source: a parsed selector plus the state its
 * function needs between evaluations (the previous sample for rates). */
typedef struct otelc__alert_metric otelc__alert_metric;

/* Parse `selector` for rule `rule_name`; OTELC_EPARSE (one diagnostic)
 * when malformed, OTELC_EUNSUPPORTED when metrics are not built. */
otelc_status otelc__alert_metric_new(const char *selector, otelc_alert_fn fn,
                                     const char *rule_name,
                                     otelc__alert_metric **out);
void otelc__alert_metric_free(otelc__alert_metric *m);
/* A collection of the global meter provider, taken once per evaluation
 * that has metric rules (NULL when none could be taken). */
void *otelc__alert_snapshot_take(void);
void otelc__alert_snapshot_free(void *snapshot);
/* The rule's value from a snapshot; false = no value. */
bool otelc__alert_metric_value(otelc__alert_metric *m, const void *snapshot,
                               otelc_time_ns now, double *value);

/* Add a rule whose metric source is already built (owned; freed on
 * failure): the built-in rules (sdk/errors_metrics.c). */
otelc_status otelc__alert_add_with_source(otelc_alert_manager *m,
                                          const otelc_alert_rule *rule,
                                          otelc__alert_metric *src);

/* The global manager (sdk/init.c). */
void otelc__alerts_start(void);
otelc_status otelc__alerts_stop(uint64_t deadline_mono_ns);
otelc_status otelc__alerts_flush_until(uint64_t deadline_mono_ns);
/* Built-in rules named in the configuration, added to the global manager. */
void otelc__alerts_builtin_from_config(otelc_alert_manager *m);

#endif /* OTELC_SDK_ALERTS_INT_H */
