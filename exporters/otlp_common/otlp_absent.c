/*
 * exporters/otlp_common/otlp_absent.c - the public OTLP functions in a
 * build configured with -DOTELC_WITH_OTLP=OFF, so programs link either way
 * and learn at run time that OTLP is missing.
 */
#include "sdk/internal.h"

#include "otelc/otlp.h"

OTELC_API otelc_span_exporter *
otelc_otlp_exporter_new(const otelc_otlp_options *options) {
    (void)options;
    otelc__diag(OTELC_DIAG_WARN, "otlp: this otelc is built without OTLP "
                                 "(configure with -DOTELC_WITH_OTLP=ON)");
    return NULL;
}

OTELC_API otelc_status otelc_otlp_exporter_stats(const otelc_span_exporter *e,
                                                 otelc_otlp_stats *out) {
    (void)e;
    if (out)
        memset(out, 0, sizeof *out);
    return OTELC_EUNSUPPORTED;
}

OTELC_API otelc_metric_exporter *
otelc_otlp_metric_exporter_new(const otelc_otlp_options *options) {
    (void)options;
    otelc__diag(OTELC_DIAG_WARN, "otlp: this otelc is built without OTLP "
                                 "(configure with -DOTELC_WITH_OTLP=ON)");
    return NULL;
}

OTELC_API otelc_status otelc_otlp_metric_exporter_stats(
    const otelc_metric_exporter *e, otelc_otlp_stats *out) {
    (void)e;
    if (out)
        memset(out, 0, sizeof *out);
    return OTELC_EUNSUPPORTED;
}

OTELC_API otelc_log_exporter *
otelc_otlp_log_exporter_new(const otelc_otlp_options *options) {
    (void)options;
    otelc__diag(OTELC_DIAG_WARN, "otlp: this otelc is built without OTLP "
                                 "(configure with -DOTELC_WITH_OTLP=ON)");
    return NULL;
}

OTELC_API otelc_status otelc_otlp_log_exporter_stats(
    const otelc_log_exporter *e, otelc_otlp_stats *out) {
    (void)e;
    if (out)
        memset(out, 0, sizeof *out);
    return OTELC_EUNSUPPORTED;
}
