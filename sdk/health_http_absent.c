/*
 * sdk/health_http_absent.c - the HTTP health check in a build without
 * libcurl: the check registers and always reports that it is not built,
 * so /health shows why instead of silently missing a check.
 */
#include <stdio.h>

#include "sdk/internal.h"

#include "otelc/health.h"

static otelc_health_status absent_fn(void *user, char *msg, size_t len) {
    (void)user;
    snprintf(msg, len,
             "HTTP checks need libcurl, which this otelc was "
             "built without");
    return OTELC_HEALTH_UNHEALTHY;
}

OTELC_API otelc_status otelc_health_register_http(otelc_health_registry *reg,
                                                  const char *name,
                                                  const char *url,
                                                  long expected_status,
                                                  uint32_t timeout_ms) {
    (void)expected_status;
    if (!url || !*url)
        return OTELC_EINVAL;
    otelc__diag(OTELC_DIAG_WARN,
                "health check %s: built without libcurl; it "
                "will report unhealthy",
                name ? name : "");
    return otelc_health_register(reg, name, absent_fn, NULL, NULL, timeout_ms);
}
