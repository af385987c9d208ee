/*
 * exporters/sentry/sentry_absent.c - the Sentry sender when otelc is built
 * without it (OTELC_WITH_SENTRY=OFF): SENTRY_DSN is reported once and
 * ignored; captured errors still reach the span, the log and the counter.
 */
#include <stdlib.h>

#include "sdk/errors_int.h"

otelc__sentry *otelc__sentry_new(const otelc__sentry_config *cfg) {
    (void)cfg;
    otelc__diag(OTELC_DIAG_WARN, "SENTRY_DSN is set but this otelc was built "
                                 "without Sentry support "
                                 "(OTELC_WITH_SENTRY=OFF); errors are not "
                                 "sent to Sentry");
    return NULL;
}

bool otelc__sentry_submit(otelc__sentry *s, otelc__error_event *ev) {
    (void)s;
    free(ev);
    return false;
}

otelc_status otelc__sentry_flush(otelc__sentry *s, uint64_t deadline) {
    (void)s;
    (void)deadline;
    return OTELC_OK;
}

otelc_status otelc__sentry_shutdown(otelc__sentry *s, uint64_t deadline) {
    (void)s;
    (void)deadline;
    return OTELC_OK;
}

void otelc__sentry_free(otelc__sentry *s) {
    (void)s;
}

uint64_t otelc__sentry_limited_ms(otelc__sentry *s) {
    (void)s;
    return 0;
}
