/*
 * sdk/health_http.c - the built-in HTTP health check, on libcurl.
 *
 * One easy handle per run (checks run seldom; a handle kept between runs
 * would hold a connection to the checked service open for nothing).  The
 * whole transfer, connect included, is bounded by the check's timeout
 * (CURLOPT_TIMEOUT_MS); CURLOPT_NOSIGNAL keeps libcurl from using signals
 * for DNS timeouts, which is required on a multi-threaded program.  The
 * body is read and discarded.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/config_int.h"
#include "sdk/internal.h"

#include "otelc/health.h"

typedef struct http_check {
    long expected;
    uint32_t timeout_ms;
    char url[];
} http_check;

static size_t discard(char *p, size_t size, size_t n, void *user) {
    (void)p;
    (void)user;
    return size * n;
}

static otelc_health_status http_fn(void *user, char *msg, size_t len) {
    http_check *h = user;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(msg, len, "cannot create a libcurl handle");
        return OTELC_HEALTH_UNHEALTHY;
    }
    char err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, (const char *)h->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "otelc-health-check");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        snprintf(msg, len, "GET %s failed: %s", h->url,
                 err[0] ? err : curl_easy_strerror(rc));
        return OTELC_HEALTH_UNHEALTHY;
    }
    if (status != h->expected) {
        snprintf(msg, len, "GET %s answered %ld, expected %ld", h->url, status,
                 h->expected);
        return OTELC_HEALTH_UNHEALTHY;
    }
    snprintf(msg, len, "GET %s answered %ld", h->url, status);
    return OTELC_HEALTH_HEALTHY;
}

OTELC_API otelc_status otelc_health_register_http(otelc_health_registry *reg,
                                                  const char *name,
                                                  const char *url,
                                                  long expected_status,
                                                  uint32_t timeout_ms) {
    if (!url || !*url)
        return OTELC_EINVAL;
    size_t l = strlen(url);
    http_check *h = malloc(sizeof *h + l + 1);
    if (!h)
        return OTELC_ENOMEM;
    h->expected = expected_status ? expected_status : 200;
    h->timeout_ms =
        timeout_ms
            ? timeout_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_HEALTH_CHECK_TIMEOUT, 5000);
    memcpy(h->url, url, l + 1);
    return otelc_health_register(reg, name, http_fn, h, free, timeout_ms);
}
