/*
 * tests/instrumentation/http_helpers.h - a plain (uninstrumented)
 * libmicrohttpd server on 127.0.0.1 that records the headers of every
 * request it receives, and a plain libcurl client; used by the
 * instrumentation tests as the real peer on the other side.
 *
 * Echo server paths: /status/<code> answers with that code; /slow/<ms>
 * waits; anything else answers 200 "ok".
 */
#ifndef OTELC_TEST_HTTP_HELPERS_H
#define OTELC_TEST_HTTP_HELPERS_H

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "support/test_support.h"

#define ECHO_MAX_REQ 64
#define ECHO_MAX_HDR 32

typedef struct echo_req {
    char path[128];
    char method[16];
    int nh;
    char name[ECHO_MAX_HDR][64];
    char value[ECHO_MAX_HDR][512];
} echo_req;

typedef struct echo_server {
    struct MHD_Daemon *d;
    uint16_t port;
    pthread_mutex_t lock;
    int n;
    echo_req req[ECHO_MAX_REQ];
} echo_server;

static enum MHD_Result echo_hdr(void *cls, enum MHD_ValueKind k,
                                const char *key, const char *value) {
    (void)k;
    echo_req *r = cls;
    if (r->nh < ECHO_MAX_HDR) {
        snprintf(r->name[r->nh], sizeof r->name[0], "%s", key);
        snprintf(r->value[r->nh], sizeof r->value[0], "%s", value ? value : "");
        r->nh++;
    }
    return MHD_YES;
}

static enum MHD_Result echo_handler(void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version, const char *data,
                                    size_t *size, void **con_cls) {
    (void)version;
    (void)data;
    echo_server *s = cls;
    if (!*con_cls) { /* first call: headers only */
        *con_cls = s;
        return MHD_YES;
    }
    if (*size) { /* upload data: ignore */
        *size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->lock);
    if (s->n < ECHO_MAX_REQ) {
        echo_req *r = &s->req[s->n++];
        memset(r, 0, sizeof *r);
        snprintf(r->path, sizeof r->path, "%s", url);
        snprintf(r->method, sizeof r->method, "%s", method);
        MHD_get_connection_values(c, MHD_HEADER_KIND, echo_hdr, r);
    }
    pthread_mutex_unlock(&s->lock);
    unsigned status = 200;
    if (!strncmp(url, "/status/", 8))
        status = (unsigned)atoi(url + 8);
    if (!strncmp(url, "/slow/", 6)) {
        struct timespec ts = {0, atoi(url + 6) * 1000000L};
        nanosleep(&ts, NULL);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Start an MHD daemon on 127.0.0.1 with an ephemeral port. */
static inline struct MHD_Daemon *
start_daemon_on_loopback(MHD_AccessHandlerCallback h, void *cls,
                         MHD_RequestCompletedCallback done, void *done_cls,
                         uint16_t *port) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    struct MHD_Daemon *d;
    if (done)
        d = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
            h, cls, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, 4,
            MHD_OPTION_NOTIFY_COMPLETED, done, done_cls, MHD_OPTION_END);
    else
        d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
                                 MHD_USE_ERROR_LOG,
                             0, NULL, NULL, h, cls, MHD_OPTION_SOCK_ADDR, &sa,
                             MHD_OPTION_THREAD_POOL_SIZE, 4, MHD_OPTION_END);
    cr_assert_not_null(d, "MHD_start_daemon on 127.0.0.1");
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    cr_assert(di && di->port);
    *port = di->port;
    return d;
}

static inline void echo_start(echo_server *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->d = start_daemon_on_loopback(echo_handler, s, NULL, NULL, &s->port);
}

static inline void echo_stop(echo_server *s) {
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->lock);
}

/* Header `name` (case-insensitive) of recorded request i, or NULL. */
static inline const char *echo_header(echo_server *s, int i, const char *name) {
    const char *v = NULL;
    pthread_mutex_lock(&s->lock);
    if (i < s->n)
        for (int k = 0; k < s->req[i].nh && !v; k++)
            if (!strcasecmp(s->req[i].name[k], name))
                v = s->req[i].value[k];
    pthread_mutex_unlock(&s->lock);
    return v;
}

/* The recorded request whose path is `path`, or -1. */
static inline int echo_find(echo_server *s, const char *path) {
    int found = -1;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->n && found < 0; i++)
        if (!strcmp(s->req[i].path, path))
            found = i;
    pthread_mutex_unlock(&s->lock);
    return found;
}

static inline char *url_of(uint16_t port, const char *path) {
    char *u = malloc(256);
    snprintf(u, 256, "http://127.0.0.1:%u%s", port, path);
    return u;
}

/* A captured response of the plain client. */
typedef struct plain_resp {
    long status;
    char request_id[256];
    char body[4096];
    size_t body_len;
} plain_resp;

static size_t plain_body(char *p, size_t sz, size_t n, void *ud) {
    plain_resp *r = ud;
    size_t len = sz * n, room = sizeof r->body - 1 - r->body_len;
    memcpy(r->body + r->body_len, p, len < room ? len : room);
    r->body_len += len < room ? len : room;
    r->body[r->body_len] = '\0';
    return len;
}

static size_t plain_hdr(char *p, size_t sz, size_t n, void *ud) {
    plain_resp *r = ud;
    size_t len = sz * n;
    if (len > 13 && !strncasecmp(p, "X-Request-ID:", 13)) {
        const char *v = p + 13;
        while (*v == ' ')
            v++;
        size_t vl = (size_t)(p + len - v);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
            vl--;
        snprintf(r->request_id, sizeof r->request_id, "%.*s", (int)vl, v);
    }
    return len;
}

/* A plain libcurl request (not instrumented) with extra header lines. */
static inline CURLcode plain_request(const char *method, const char *url,
                                     const char *const *headers,
                                     const char *body, plain_resp *out) {
    memset(out, 0, sizeof *out);
    CURL *h = curl_easy_init();
    struct curl_slist *l = NULL;
    for (int i = 0; headers && headers[i]; i++)
        l = curl_slist_append(l, headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, plain_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, plain_hdr);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "otelc-test/1.0");
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (method && strcmp(method, "GET") && strcmp(method, "POST"))
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(l);
    curl_easy_cleanup(h);
    return rc;
}

static inline size_t discard_body(char *p, size_t sz, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return sz * n;
}

/* Exported-span helpers. */
static inline const char *attr_str(const otelc_span_data *d, const char *k) {
    const otelc_value *v = find_attr(d->attributes, d->attribute_count, k);
    if (!v)
        return NULL;
    if (v->type == OTELC_VALUE_STRING_ARRAY && v->len == 1)
        return v->u.sa[0];
    return v->type == OTELC_VALUE_STRING ? v->u.s : NULL;
}

static inline int64_t attr_int(const otelc_span_data *d, const char *k) {
    const otelc_value *v = find_attr(d->attributes, d->attribute_count, k);
    return v && v->type == OTELC_VALUE_INT ? v->u.i : -1;
}

static inline const char *hex_tid(const otelc_span_context *sc, char *buf) {
    return otelc_trace_id_to_hex(sc->trace_id, buf);
}
static inline const char *hex_sid(const uint8_t *id, char *buf) {
    return otelc_span_id_to_hex(id, buf);
}

#endif
