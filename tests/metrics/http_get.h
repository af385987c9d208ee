/*
 * tests/metrics/http_get.h - a small HTTP GET on libcurl for the endpoint
 * tests, keeping the raw body (no automatic decompression), the status and
 * the Content-Type / Content-Encoding headers.
 */
#ifndef OTELC_TEST_HTTP_GET_H
#define OTELC_TEST_HTTP_GET_H

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct http_resp {
    bool ok; /* the transfer completed */
    long status;
    char *body; /* NUL-terminated; free with http_free() */
    size_t len;
    char ctype[256];
    char cenc[64];
    char err[CURL_ERROR_SIZE];
} http_resp;

static size_t http_body_cb(char *p, size_t size, size_t n, void *user) {
    http_resp *r = user;
    size_t add = size * n;
    char *nb = realloc(r->body, r->len + add + 1);
    if (!nb)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, p, add);
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static size_t http_header_cb(char *p, size_t size, size_t n, void *user) {
    http_resp *r = user;
    size_t len = size * n;
    char line[512];
    size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, p, k);
    line[k] = '\0';
    while (k && (line[k - 1] == '\r' || line[k - 1] == '\n'))
        line[--k] = '\0';
    if (!strncasecmp(line, "Content-Type: ", 14))
        snprintf(r->ctype, sizeof r->ctype, "%.255s", line + 14);
    else if (!strncasecmp(line, "Content-Encoding: ", 18))
        snprintf(r->cenc, sizeof r->cenc, "%.63s", line + 18);
    return len;
}

/* GET http://127.0.0.1:port/path with optional Accept and Accept-Encoding
 * headers (NULL = not sent) and a method (NULL = GET). */
static inline http_resp http_request(unsigned port, const char *path,
                                     const char *accept, const char *ae,
                                     const char *method, long timeout_ms) {
    http_resp r;
    memset(&r, 0, sizeof r);
    CURL *c = curl_easy_init();
    if (!c)
        return r;
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    struct curl_slist *h = NULL;
    char buf[512];
    if (accept) {
        snprintf(buf, sizeof buf, "Accept: %s", accept);
        h = curl_slist_append(h, buf);
    }
    if (ae) {
        snprintf(buf, sizeof buf, "Accept-Encoding: %s", ae);
        h = curl_slist_append(h, buf);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_body_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r.err);
    if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    r.ok = curl_easy_perform(c) == CURLE_OK;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (!r.body)
        r.body = calloc(1, 1);
    return r;
}

static inline http_resp http_get(unsigned port, const char *path,
                                 const char *accept, const char *ae) {
    return http_request(port, path, accept, ae, NULL, 10000);
}

static inline void http_free(http_resp *r) {
    free(r->body);
    r->body = NULL;
}

#endif
