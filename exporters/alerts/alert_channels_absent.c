/*
 * exporters/alerts/alert_channels_absent.c - the webhook and e-mail alert
 * channels when otelc is built without them (OTELC_WITH_ALERT_CHANNELS=
 * OFF): asking for one gives NULL and one diagnostic; the log channel and
 * channels of your own still work.
 */
#include "sdk/internal.h"

#include "otelc/alerts.h"

OTELC_API otelc_alert_channel *
otelc_alert_webhook_channel_new(const char *url) {
    (void)url;
    otelc__diag(OTELC_DIAG_WARN, "alert webhook channel: not built "
                                 "(OTELC_WITH_ALERT_CHANNELS=OFF)");
    return NULL;
}

OTELC_API otelc_alert_channel *
otelc_alert_email_channel_new(const otelc_alert_email_options *options) {
    (void)options;
    otelc__diag(OTELC_DIAG_WARN, "alert e-mail channel: not built "
                                 "(OTELC_WITH_ALERT_CHANNELS=OFF)");
    return NULL;
}
