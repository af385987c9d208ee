/*
 * exporters/common/curl_send.c - bounded HTTP POST and SMTP send over one
 * reusable libcurl easy handle (see curl_send.h).
 *
 * Every request is bounded: CURLOPT_TIMEOUT_MS is the time left before the
 * caller's deadline, so a hung peer costs at most that.  Options are reset
 * and set again for each request (curl_easy_reset keeps live connections
 * and caches), so one request's settings never leak into the next.
 * Signals: CURLOPT_NOSIGNAL, since these run on worker threads.  Redirects
 * are not followed: a webhook or Sentry endpoint that redirects is
 * misconfigured, and following would resend the payload elsewhere.
 */
#include "exporters/common/curl_send.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "otelc/version.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static CURLcode g_init_rc;

static void init_once(void) {
    g_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool otelc__curl_global(const char *who) {
    pthread_once(&g_once, init_once);
    if (g_init_rc != CURLE_OK) {
        otelc__diag(OTELC_DIAG_ERROR, "%s: libcurl cannot initialise: %s", who,
                    curl_easy_strerror(g_init_rc));
        return false;
    }
    return true;
}

void otelc__curl_conn_close(otelc__curl_conn *c) {
    if (c->h && c->pid == getpid())
        curl_easy_cleanup(c->h);
    c->h = NULL;
}

static CURL *handle(otelc__curl_conn *c) {
    pid_t pid = getpid();
    if (c->h && c->pid == pid) {
        curl_easy_reset(c->h);
        return c->h;
    }
    /* A handle from the parent process is left alone (see the header). */
    c->h = curl_easy_init();
    c->pid = pid;
    return c->h;
}

bool otelc__curl_retryable(int code) {
    switch ((CURLcode)code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_LOGIN_DENIED:
    case CURLE_OUT_OF_MEMORY: return false;
    default: return true;
    }
}

const char *otelc__curl_url_problem(const char *url, const char *schemes) {
    if (!url || !url[0])
        return "empty URL";
    CURLU *u = curl_url();
    if (!u)
        return "out of memory";
    const char *why = NULL;
    char *scheme = NULL, *host = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        why = "not a URL libcurl can parse";
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        why = "no scheme";
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
        why = "no host";
    if (!why) {
        /* scheme must be one of the comma-separated names */
        bool ok = false;
        size_t sl = strlen(scheme);
        for (const char *p = schemes; *p;) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n == sl && !strncasecmp(p, scheme, n))
                ok = true;
            p += n + (e ? 1 : 0);
        }
        if (!ok)
            why = "unsupported scheme";
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return why;
}

/* ---- responses --------------------------------------------------------------
 */

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
    otelc__curl_result *r = arg;
    size_t len = size * n, have = strlen(r->body);
    for (size_t i = 0; i < len && have + 1 < sizeof r->body; i++) {
        unsigned char ch = (unsigned char)p[i];
        r->body[have++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    r->body[have] = '\0';
    return len;
}

static void trim_copy(char *dst, size_t cap, const char *v, size_t n) {
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' ||
                 v[n - 1] == '\t'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
    otelc__curl_result *r = arg;
    size_t len = size * n;
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
        /* A new response (after a 100 Continue, say): forget the last. */
        r->retry_after_set = false;
        r->retry_after_ms = 0;
        r->rate_limits[0] = '\0';
        return len;
    }
    static const char ra[] = "retry-after:";
    static const char rl[] = "x-sentry-rate-limits:";
    if (len > sizeof ra - 1 && !strncasecmp(p, ra, sizeof ra - 1)) {
        char v[64];
        trim_copy(v, sizeof v, p + sizeof ra - 1, len - (sizeof ra - 1));
        char *end;
        double s = strtod(v, &end);
        if (end != v && !*end && s >= 0) {
            r->retry_after_set = true;
            r->retry_after_ms = (uint64_t)(s * 1000.0);
        } else {
            time_t t = curl_getdate(v, NULL);
            time_t now = time(NULL);
            if (t != (time_t)-1) {
                r->retry_after_set = true;
                r->retry_after_ms = t > now ? (uint64_t)(t - now) * 1000u : 0;
            }
        }
    } else if (len > sizeof rl - 1 && !strncasecmp(p, rl, sizeof rl - 1)) {
        trim_copy(r->rate_limits, sizeof r->rate_limits, p + sizeof rl - 1,
                  len - (sizeof rl - 1));
    }
    return len;
}

static long left_ms(uint64_t deadline) {
    uint64_t now = otelc__mono_ns();
    return deadline > now ? (long)((deadline - now + 999999u) / 1000000u) : 0;
}

static void common_opts(CURL *h, otelc__curl_conn *c, otelc__curl_result *r,
                        long ms) {
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    c->errbuf[0] = '\0';
}

static bool finish(CURL *h, otelc__curl_conn *c, CURLcode rc,
                   otelc__curl_result *r) {
    r->curl_code = (int)rc;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK) {
        snprintf(r->error, sizeof r->error, "%s%s%s", curl_easy_strerror(rc),
                 c->errbuf[0] ? ": " : "", c->errbuf);
        return false;
    }
    return true;
}

bool otelc__curl_post(otelc__curl_conn *c, const char *url,
                      const struct curl_slist *headers, const void *body,
                      size_t len, uint64_t deadline, otelc__curl_result *r) {
    memset(r, 0, sizeof *r);
    long ms = left_ms(deadline);
    if (ms <= 0) {
        r->curl_code = CURLE_OPERATION_TIMEDOUT;
        snprintf(r->error, sizeof r->error, "deadline passed before sending");
        return false;
    }
    CURL *h = handle(c);
    if (!h) {
        r->curl_code = CURLE_OUT_OF_MEMORY;
        snprintf(r->error, sizeof r->error, "cannot create a libcurl handle");
        return false;
    }
    common_opts(h, c, r, ms);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, (struct curl_slist *)headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "otelc/" OTELC_VERSION_STRING);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    return finish(h, c, curl_easy_perform(h), r);
}

typedef struct reader {
    const char *p;
    size_t left;
} reader;

static size_t on_read(char *buf, size_t size, size_t n, void *arg) {
    reader *rd = arg;
    size_t k = size * n < rd->left ? size * n : rd->left;
    memcpy(buf, rd->p, k);
    rd->p += k;
    rd->left -= k;
    return k;
}

bool otelc__curl_smtp(otelc__curl_conn *c, const char *url, const char *user,
                      const char *password, const char *from,
                      const struct curl_slist *rcpt, const char *message,
                      size_t len, uint64_t deadline, otelc__curl_result *r) {
    memset(r, 0, sizeof *r);
    long ms = left_ms(deadline);
    if (ms <= 0) {
        r->curl_code = CURLE_OPERATION_TIMEDOUT;
        snprintf(r->error, sizeof r->error, "deadline passed before sending");
        return false;
    }
    CURL *h = handle(c);
    if (!h) {
        r->curl_code = CURLE_OUT_OF_MEMORY;
        snprintf(r->error, sizeof r->error, "cannot create a libcurl handle");
        return false;
    }
    common_opts(h, c, r, ms);
    reader rd = {message, len};
    char mfrom[320];
    snprintf(mfrom, sizeof mfrom, "<%s>", from);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mfrom);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, (struct curl_slist *)rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &rd);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    /* smtp://: upgrade with STARTTLS when the server offers it; smtps://
     * is TLS from the start. */
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    if (user && user[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
    }
    return finish(h, c, curl_easy_perform(h), r);
}
