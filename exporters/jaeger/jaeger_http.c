/*
 * exporters/jaeger/jaeger_http.c - the Jaeger exporter's HTTP transport:
 * one libcurl easy handle, reused so that the connection stays alive
 * between requests.
 *
 * Request: POST <endpoint> with Content-Type: application/x-thrift (the
 * type the issue and the Jaeger clients use; the collector also accepts
 * application/vnd.apache.thrift.binary), no "Expect: 100-continue" (it
 * would cost a round trip per request), basic authentication when a user
 * is configured, and a timeout of min(OTEL_EXPORTER_JAEGER_TIMEOUT, time
 * left before the export deadline) for the whole request, connection
 * included.  Redirects are not followed.
 *
 * Outcome: 2xx is success (the collector answers 202 Accepted).  Connection
 * failures, timeouts, 5xx, 408 and 429 are retryable, and a Retry-After
 * header (seconds or HTTP date; libcurl parses both) is passed on to the
 * worker.  Any other status (400 malformed, 401/403 authentication, 404
 * wrong path, 413 too large...) is permanent for this batch: retrying the
 * same bytes would get the same answer.  Each failure is reported through
 * rate-limited diagnostics with the start of the collector's answer.
 *
 * fork(): a handle created by the parent may hold a connection shared with
 * the parent.  The child never uses or closes it (closing a TLS connection
 * writes to it); it creates its own handle and leaves the parent's
 * allocated, a one-off cost per fork.
 */
#include "exporters/jaeger/jaeger_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "otelc/version.h"

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc;

static void curl_init_once(void) {
    g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool otelc__jaeger_http_init(otelc__jaeger_http *h, const char *endpoint,
                             const char *user, const char *password,
                             uint32_t timeout_ms) {
    memset(h, 0, sizeof *h);
    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_init_rc != CURLE_OK) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "jaeger exporter: libcurl cannot "
                    "initialise: %s",
                    curl_easy_strerror(g_curl_init_rc));
        return false;
    }
    if (!endpoint || !endpoint[0]) {
        otelc__diag(OTELC_DIAG_ERROR, "jaeger exporter: empty endpoint");
        return false;
    }
    /* libcurl's own parser decides what libcurl will accept later, so an
     * endpoint it cannot use is reported now, once, instead of failing
     * every export. */
    CURLU *u = curl_url();
    if (!u)
        return false;
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, endpoint, 0);
    char *scheme = NULL, *host = NULL;
    const char *why = NULL;
    if (rc != CURLUE_OK)
        why = curl_url_strerror(rc);
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp(scheme, "http") && strcmp(scheme, "https")))
        why = "the scheme must be http:// or https://";
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
        why = "no host";
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    if (why) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "jaeger exporter: endpoint \"%s\" is not usable (%s); "
                    "expected e.g. http://localhost:14268/api/traces",
                    endpoint, why);
        return false;
    }
    h->url = otelc__strdup(endpoint);
    if (user && user[0]) {
        h->user = otelc__strdup(user);
        h->password = otelc__strdup(password ? password : "");
    }
    h->timeout_ms = timeout_ms ? timeout_ms : 10000;
    struct curl_slist *hd = NULL, *t;
    if ((t = curl_slist_append(hd, "Content-Type: application/x-thrift")))
        hd = t;
    if ((t = curl_slist_append(hd, "Expect:")))
        hd = t;
    h->headers = hd;
    if (!h->url || (h->user && !h->password) || !hd) {
        otelc__jaeger_http_free(h);
        return false;
    }
    return true;
}

void otelc__jaeger_http_free(otelc__jaeger_http *h) {
    /* A handle inherited across fork() is deliberately not cleaned up (see
     * the file comment). */
    if (h->curl && h->curl_pid == getpid())
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
    curl_slist_free_all(h->headers);
    h->headers = NULL;
    free(h->url);
    free(h->user);
    free(h->password);
    h->url = h->user = h->password = NULL;
}

/* Keep the start of the answer for diagnostics; discard the rest. */
static size_t on_body(char *p, size_t size, size_t nmemb, void *arg) {
    otelc__jaeger_http *h = arg;
    size_t n = size * nmemb;
    size_t room = sizeof h->resp - 1 - h->resp_len;
    size_t k = n < room ? n : room;
    memcpy(h->resp + h->resp_len, p, k);
    h->resp_len += k;
    h->resp[h->resp_len] = '\0';
    return n;
}

static CURL *handle(otelc__jaeger_http *h) {
    pid_t pid = getpid();
    if (h->curl && h->curl_pid == pid)
        return h->curl;
    h->curl = NULL; /* a parent's handle after fork(): left alone */
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_URL, h->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)h->headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "otelc/" OTELC_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    if (h->user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, h->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, h->password);
    }
    h->curl = c;
    h->curl_pid = pid;
    return c;
}

/* Transport errors that a later attempt can get past (the collector is
 * restarting, the network blips).  Everything libcurl reports for a
 * well-formed URL is treated so, except a TLS setup that cannot work. */
static bool curl_error_retryable(CURLcode rc) {
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_OUT_OF_MEMORY: return false;
    default: return true;
    }
}

otelc__jaeger_post otelc__jaeger_http_post(otelc__jaeger_http *h,
                                           const void *body, size_t len,
                                           uint64_t deadline_mono_ns,
                                           uint64_t *retry_after_ms) {
    *retry_after_ms = 0;
    h->last_status = 0;
    h->last_curl_code = CURLE_OK;
    uint64_t now = otelc__mono_ns();
    uint64_t left_ms =
        deadline_mono_ns > now ? (deadline_mono_ns - now) / 1000000u : 0;
    if (left_ms == 0)
        return OTELC__JAEGER_POST_RETRY; /* the worker sees the deadline */
    CURL *c = handle(h);
    if (!c) {
        otelc__diag_limited(&h->rl, OTELC_DIAG_ERROR,
                            "jaeger exporter: cannot create a libcurl "
                            "handle");
        return OTELC__JAEGER_POST_RETRY;
    }
    long t = (long)(left_ms < h->timeout_ms ? left_ms : h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t);
    /* The size first: the body is binary, never measured with strlen(). */
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    h->errbuf[0] = '\0';
    h->resp_len = 0;
    h->resp[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    h->last_curl_code = (int)rc;
    if (rc != CURLE_OK) {
        bool retry = curl_error_retryable(rc);
        otelc__diag_limited(&h->rl, OTELC_DIAG_WARN,
                            "jaeger exporter: POST %s failed: %s%s%s", h->url,
                            curl_easy_strerror(rc), h->errbuf[0] ? ": " : "",
                            h->errbuf);
        return retry ? OTELC__JAEGER_POST_RETRY : OTELC__JAEGER_POST_FAIL;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    h->last_status = status;
    if (status >= 200 && status < 300)
        return OTELC__JAEGER_POST_OK;
    bool retry = status >= 500 || status == 408 || status == 429;
    if (retry) {
        curl_off_t ra = 0;
        if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
            ra > 0)
            *retry_after_ms = (uint64_t)ra * 1000u;
    }
    /* Control characters in the answer would break the diagnostic line. */
    for (size_t i = 0; i < h->resp_len; i++)
        if ((unsigned char)h->resp[i] < 0x20)
            h->resp[i] = ' ';
    otelc__diag_limited(
        &h->rl, OTELC_DIAG_WARN,
        "jaeger exporter: POST %s answered HTTP %ld%s%s%s%s", h->url, status,
        retry ? " (retryable)" : " (not retried)",
        status == 413 ? " (lower OTELC_JAEGER_MAX_REQUEST_BYTES)" : "",
        h->resp_len ? ": " : "", h->resp);
    return retry ? OTELC__JAEGER_POST_RETRY : OTELC__JAEGER_POST_FAIL;
}
