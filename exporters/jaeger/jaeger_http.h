/*
 * exporters/jaeger/jaeger_http.h - POST a Thrift body to a Jaeger
 * collector over libcurl, and classify the outcome for the batch worker.
 * Not installed.  Used by one thread at a time (the exporter's worker).
 */
#ifndef OTELC_JAEGER_HTTP_H
#define OTELC_JAEGER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sdk/internal.h"

typedef enum otelc__jaeger_post {
    OTELC__JAEGER_POST_OK = 0,    /* 2xx: the collector has the spans */
    OTELC__JAEGER_POST_RETRY = 1, /* connection error, timeout, 5xx, 408, 429 */
    OTELC__JAEGER_POST_FAIL = 2   /* any other status; bad URL; TLS setup */
} otelc__jaeger_post;

typedef struct otelc__jaeger_http {
    void *curl;     /* CURL *, created lazily and per process */
    pid_t curl_pid; /* the process that created `curl` */
    void *headers;  /* struct curl_slist * */
    char *url;
    char *user; /* NULL = no authentication */
    char *password;
    uint32_t timeout_ms; /* per request, before the export deadline */
    otelc__ratelimit rl;
    /* The last outcome, for diagnostics and tests. */
    long last_status;   /* HTTP status, 0 when none was received */
    int last_curl_code; /* CURLcode */
    char errbuf[256];   /* CURL_ERROR_SIZE */
    char resp[200];     /* start of the last response body */
    size_t resp_len;
} otelc__jaeger_http;

/* Check the endpoint with libcurl's URL parser and copy the settings.
 * user NULL or "" disables basic authentication.  Returns false (after
 * one diagnostic naming the endpoint and the problem) when the endpoint is
 * not a usable http:// or https:// URL. */
bool otelc__jaeger_http_init(otelc__jaeger_http *h, const char *endpoint,
                             const char *user, const char *password,
                             uint32_t timeout_ms);
void otelc__jaeger_http_free(otelc__jaeger_http *h);

/* POST body[0..len).  Each request is bounded by min(timeout_ms, time left
 * before deadline_mono_ns).  On RETRY, *retry_after_ms receives the
 * collector's Retry-After (0 when none).  Blocking: yes, up to that bound. */
otelc__jaeger_post otelc__jaeger_http_post(otelc__jaeger_http *h,
                                           const void *body, size_t len,
                                           uint64_t deadline_mono_ns,
                                           uint64_t *retry_after_ms);

#endif /* OTELC_JAEGER_HTTP_H */
