/*
 * exporters/common/curl_send.h - one libcurl easy handle per sender, used
 * by the Sentry sender and the alert channels: an HTTP POST and an SMTP
 * send, each bounded by a deadline.  Not installed.
 *
 * A sender keeps one otelc__curl_conn and uses it from one thread (its
 * worker).  The handle is reused so connections stay alive, and is made
 * per process: after fork() the child never touches the parent's handle
 * (closing a TLS connection would write to the parent's socket); it
 * creates its own and leaves the parent's allocated.
 */
#ifndef OTELC_EXPORTERS_CURL_SEND_H
#define OTELC_EXPORTERS_CURL_SEND_H

#include <curl/curl.h>
#include <sys/types.h>

#include "sdk/internal.h"

typedef struct otelc__curl_conn {
    CURL *h;
    pid_t pid;
    char errbuf[CURL_ERROR_SIZE];
} otelc__curl_conn;

/* What a request got back. */
typedef struct otelc__curl_result {
    int curl_code;           /* CURLE_OK when a response came */
    long status;             /* HTTP status or SMTP reply code; 0 = none */
    bool retry_after_set;    /* the response had Retry-After */
    uint64_t retry_after_ms; /* its value (seconds or HTTP date) */
    char rate_limits[512];   /* X-Sentry-Rate-Limits, "" when absent */
    char body[256];          /* start of the response body, printable */
    char error[CURL_ERROR_SIZE + 64]; /* "" on success */
} otelc__curl_result;

/* curl_global_init once per process; false (with one diagnostic naming
 * `who`) when libcurl cannot initialise. */
bool otelc__curl_global(const char *who);
/* Free this process's handle (the worker calls it when it stops). */
void otelc__curl_conn_close(otelc__curl_conn *c);

/* POST `len` bytes.  Returns false when the request could not be made or
 * got no response (r->error says why; r->curl_code says whether another
 * attempt may help: see otelc__curl_retryable).  True means a response
 * arrived, whatever its status. */
bool otelc__curl_post(otelc__curl_conn *c, const char *url,
                      const struct curl_slist *headers, const void *body,
                      size_t len, uint64_t deadline_mono_ns,
                      otelc__curl_result *r);

/* Send one message over SMTP (smtp:// or smtps:// URL; STARTTLS is used
 * when the server offers it for smtp://).  `message` is the RFC 5322
 * message with CRLF line ends.  True when the server accepted it. */
bool otelc__curl_smtp(otelc__curl_conn *c, const char *url, const char *user,
                      const char *password, const char *from,
                      const struct curl_slist *rcpt, const char *message,
                      size_t len, uint64_t deadline_mono_ns,
                      otelc__curl_result *r);

/* Transport errors a later attempt can get past (not a malformed URL, not
 * a TLS set-up that cannot work). */
bool otelc__curl_retryable(int curl_code);

/* Check a URL with libcurl's parser: NULL when usable with one of the
 * schemes in `schemes` ("http,https"), else a static description. */
const char *otelc__curl_url_problem(const char *url, const char *schemes);

#endif /* OTELC_EXPORTERS_CURL_SEND_H */
