/*
 * exporters/otlp_http/otlp_http.c - the OTLP/HTTP transport on libcurl.
 *
 * One easy handle per exporter, reused for every request, so the
 * connection stays open between batches (HTTP keep-alive, TLS session
 * reuse).  Each request is a POST of the encoded body with Content-Type
 * application/x-protobuf (or application/json), gzip-compressed through
 * zlib when configured, with a total timeout equal to the time left before
 * the request's deadline.
 *
 * Classification (OTLP specification, "OTLP/HTTP Throttling" and
 * "Failures"): 2xx is success (the body may carry a partial success);
 * 429, 502, 503 and 504 are retryable and honour Retry-After (seconds or
 * an HTTP-date); every other status is permanent.  Connection failures,
 * timeouts and resets are retryable; TLS verification failures and
 * malformed URLs are permanent (retrying cannot fix them).  An error
 * response's body is a google.rpc.Status per the specification: its
 * message goes into the diagnostic.
 *
 * fork().  The handle's connection is shared with the parent after fork(),
 * so a child never reuses it: on the first request in a new process the
 * inherited handle is abandoned (not cleaned up, which could send a TLS
 * close_notify on the parent's connection) and a fresh one is created.
 *
 * Invariants: send/free run on the exporter's worker only.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "exporters/otlp_common/otlp_exporter.h"
#include "google/rpc/status.pb-c.h"

/* Responses larger than this are cut (the specification's default maximum
 * response size is 4 MiB; an OTLP response is normally a few bytes). */
#define MAX_RESPONSE (4u << 20)

typedef struct http_tr {
    const otelc__otlp_config *cfg;
    const otelc__otlp_signal *sig;
    CURL *curl;
    struct curl_slist *headers;
    pid_t pid;
    uint8_t *resp;
    size_t resp_len, resp_cap;
    bool resp_truncated;
    char retry_after[128];
    char content_type[64];
    z_stream z;
    bool z_ready;
    uint8_t *gz;
    size_t gz_cap;
    char errbuf[CURL_ERROR_SIZE];
} http_tr;

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc;
static void curl_init_once(void) {
    g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud) {
    http_tr *t = ud;
    size_t n = sz * nm;
    if (t->resp_len + n > MAX_RESPONSE) {
        t->resp_truncated = true;
        return n; /* keep reading, drop the excess */
    }
    if (t->resp_len + n > t->resp_cap) {
        size_t cap = t->resp_cap ? t->resp_cap : 1024;
        while (cap < t->resp_len + n)
            cap *= 2;
        uint8_t *nr = realloc(t->resp, cap);
        if (!nr)
            return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
        t->resp = nr;
        t->resp_cap = cap;
    }
    memcpy(t->resp + t->resp_len, p, n);
    t->resp_len += n;
    return n;
}

/* Copy a header's value (trimmed) into out when its name matches. */
static void header_value(const char *line, size_t n, const char *name,
                         char *out, size_t out_size) {
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
        return;
    const char *v = line + nl + 1, *e = line + n;
    while (v < e && isspace((unsigned char)*v))
        v++;
    while (e > v && isspace((unsigned char)e[-1]))
        e--;
    size_t l = (size_t)(e - v);
    if (l >= out_size)
        l = out_size - 1;
    memcpy(out, v, l);
    out[l] = '\0';
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud) {
    http_tr *t = ud;
    size_t n = sz * nm;
    header_value(p, n, "retry-after", t->retry_after, sizeof t->retry_after);
    header_value(p, n, "content-type", t->content_type, sizeof t->content_type);
    return n;
}

static bool setup_handle(http_tr *t) {
    const otelc__otlp_config *c = t->cfg;
    CURL *h = curl_easy_init();
    if (!h)
        return false;
    curl_easy_setopt(h, CURLOPT_URL, c->target);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM */
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
    /* Redirects are not part of OTLP; a 3xx is reported, not followed. */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->certificate)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->certificate);
    if (c->client_key && c->client_certificate) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_certificate);
        curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
    }
    t->curl = h;
    t->pid = getpid();
    return true;
}

/* gzip (RFC 1952) of body into t->gz; returns the length or 0. */
static size_t gzip_body(http_tr *t, const uint8_t *body, size_t len) {
    if (!t->z_ready) {
        memset(&t->z, 0, sizeof t->z);
        /* 15 + 16: a gzip wrapper rather than zlib's; level 6 is zlib's
         * default trade-off and costs about 10 ns per byte. */
        if (deflateInit2(&t->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return 0;
        t->z_ready = true;
    } else {
        deflateReset(&t->z);
    }
    size_t bound = deflateBound(&t->z, len);
    if (bound > t->gz_cap) {
        uint8_t *ng = realloc(t->gz, bound);
        if (!ng)
            return 0;
        t->gz = ng;
        t->gz_cap = bound;
    }
    t->z.next_in = (Bytef *)body;
    t->z.avail_in = (uInt)len;
    t->z.next_out = t->gz;
    t->z.avail_out = (uInt)bound;
    if (deflate(&t->z, Z_FINISH) != Z_STREAM_END)
        return 0;
    return bound - t->z.avail_out;
}

/* The message of a google.rpc.Status error body, if it is one. */
static void status_message(http_tr *t, char *out, size_t out_size) {
    out[0] = '\0';
    if (!t->resp_len)
        return;
    if (strstr(t->content_type, "protobuf")) {
        Google__Rpc__Status *st =
            google__rpc__status__unpack(NULL, t->resp_len, t->resp);
        if (st) {
            if (st->message && st->message[0])
                snprintf(out, out_size, ": %.160s", st->message);
            google__rpc__status__free_unpacked(st, NULL);
            return;
        }
    }
    /* Otherwise the start of a text body (JSON status, HTML, plain). */
    size_t n = t->resp_len > 160 ? 160 : t->resp_len;
    size_t o = 0;
    if (out_size < 4)
        return;
    out[o++] = ':';
    out[o++] = ' ';
    for (size_t i = 0; i < n && o + 1 < out_size; i++)
        out[o++] = isprint(t->resp[i]) ? (char)t->resp[i] : ' ';
    out[o] = '\0';
}

static bool curl_retryable(CURLcode rc) {
    switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_OUT_OF_MEMORY: return false;
    default:
        /* Connection refused or reset, timeouts, DNS, read/write errors,
         * an empty reply: the collector may be back on the next try. */
        return true;
    }
}

static void http_send(void *tp, const uint8_t *body, size_t len,
                      uint64_t deadline_mono_ns, otelc__otlp_result *out) {
    http_tr *t = tp;
    if (OTELC_UNLIKELY(getpid() != t->pid)) {
        /* A forked child: leave the parent's connection alone. */
        t->curl = NULL;
        if (!setup_handle(t)) {
            out->outcome = OTELC__OTLP_RETRYABLE;
            snprintf(out->detail, sizeof out->detail,
                     "cannot create a libcurl handle");
            return;
        }
    }
    const uint8_t *payload = body;
    size_t plen = len;
    if (t->cfg->gzip) {
        size_t gl = gzip_body(t, body, len);
        if (!gl) {
            out->outcome = OTELC__OTLP_PERMANENT;
            snprintf(out->detail, sizeof out->detail,
                     "gzip compression failed (out of memory)");
            return;
        }
        payload = t->gz;
        plen = gl;
    }
    uint64_t now = otelc__mono_ns();
    long left_ms = deadline_mono_ns > now
                       ? (long)((deadline_mono_ns - now) / 1000000u)
                       : 0;
    if (left_ms < 1)
        left_ms = 1;
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, (const char *)payload);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)plen);
    curl_easy_setopt(t->curl, CURLOPT_TIMEOUT_MS, left_ms);
    curl_easy_setopt(t->curl, CURLOPT_CONNECTTIMEOUT_MS, left_ms);
    t->resp_len = 0;
    t->resp_truncated = false;
    t->retry_after[0] = '\0';
    t->content_type[0] = '\0';
    t->errbuf[0] = '\0';
    out->wire_bytes = plen;

    CURLcode rc = curl_easy_perform(t->curl);
    if (rc != CURLE_OK) {
        out->outcome =
            curl_retryable(rc) ? OTELC__OTLP_RETRYABLE : OTELC__OTLP_PERMANENT;
        snprintf(out->detail, sizeof out->detail, "%s%s%.160s",
                 curl_easy_strerror(rc), t->errbuf[0] ? ": " : "", t->errbuf);
        return;
    }
    long code = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
        out->outcome = OTELC__OTLP_OK;
        out->body = t->resp;
        out->body_len = t->resp_truncated ? 0 : t->resp_len;
        return;
    }
    bool retry = code == 429 || code == 502 || code == 503 || code == 504;
    out->outcome = retry ? OTELC__OTLP_RETRYABLE : OTELC__OTLP_PERMANENT;
    if (retry && t->retry_after[0])
        out->retry_after_ms =
            otelc__otlp_parse_retry_after(t->retry_after, (int64_t)time(NULL));
    char msg[200];
    status_message(t, msg, sizeof msg);
    snprintf(out->detail, sizeof out->detail, "HTTP %ld%s", code, msg);
}

static void http_free(void *tp) {
    http_tr *t = tp;
    /* In a forked child that never sent, the handle is the parent's: leave
     * it (see the file comment). */
    if (t->curl && getpid() == t->pid)
        curl_easy_cleanup(t->curl);
    curl_slist_free_all(t->headers);
    if (t->z_ready)
        deflateEnd(&t->z);
    free(t->gz);
    free(t->resp);
    free(t);
}

static const otelc__otlp_transport_ops http_tr_ops = {http_send, NULL,
                                                      http_free};

void *otelc__otlp_http_new(const otelc__otlp_config *cfg,
                           const otelc__otlp_signal *sig,
                           const otelc__otlp_transport_ops **ops) {
    *ops = &http_tr_ops;
    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_init_rc != CURLE_OK) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "otlp_http: libcurl failed to "
                    "initialise: %s",
                    curl_easy_strerror(g_curl_init_rc));
        return NULL;
    }
    http_tr *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = cfg;
    t->sig = sig;
    struct curl_slist *h = NULL, *nh;
    bool ok = true;
#define ADD(s)                                                                 \
    do {                                                                       \
        if (ok && (nh = curl_slist_append(h, (s))))                            \
            h = nh;                                                            \
        else                                                                   \
            ok = false;                                                        \
    } while (0)
    ADD(cfg->protocol == OTELC__OTLP_HTTP_JSON
            ? "Content-Type: application/json"
            : "Content-Type: application/x-protobuf");
    if (cfg->gzip)
        ADD("Content-Encoding: gzip");
    ADD("Expect:"); /* no 100-continue round trip for large bodies */
    for (size_t i = 0; i < cfg->nheaders && ok; i++) {
        const char *k = cfg->headers[i].key;
        if (strpbrk(k, " \t\r\n:") || strpbrk(cfg->headers[i].value, "\r\n")) {
            otelc__diag(OTELC_DIAG_WARN,
                        "otlp_http: header \"%s\" is not a legal HTTP header; "
                        "not sent",
                        k);
            continue;
        }
        size_t n = strlen(k) + strlen(cfg->headers[i].value) + 3;
        char *line = malloc(n);
        if (!line) {
            ok = false;
            break;
        }
        snprintf(line, n, "%s: %s", k, cfg->headers[i].value);
        ADD(line);
        free(line);
    }
#undef ADD
    t->headers = h;
    if (!ok || !setup_handle(t)) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "otlp_http: out of memory setting up "
                    "the %s exporter",
                    sig->name);
        http_free(t);
        return NULL;
    }
    return t;
}
