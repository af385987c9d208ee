/*
 * exporters/sentry/sentry_sender.c - error events to Sentry: a batching
 * worker (sdk/batcher.c) that posts one envelope per event with libcurl,
 * honouring Sentry's rate limits.
 *
 * Producer side (the capturing thread): otelc__sentry_submit() drops the
 * event at once, counted as rate_limited, while a limit for error events
 * is in force (one atomic load), else pushes it on the calling thread's
 * ring (never blocks; a full ring drops and counts).
 *
 * Worker side, per event of a batch: checked against the limits again,
 * encoded, posted with the batch's deadline (OTELC_SENTRY_TIMEOUT).
 *   2xx              sent; an X-Sentry-Rate-Limits header still applies
 *   429              the limits are recorded and this event is dropped
 *                    (Sentry asks SDKs to discard, not to retry)
 *   other 4xx        rejected: dropped and counted as failed
 *   5xx, network     retryable: the batch returns RETRYABLE; the worker
 *                    retries the same batch (backoff, Retry-After), and
 *                    the events already settled - each item records its
 *                    outcome - are skipped, so none is sent twice.  The
 *                    settled count goes to ctx->delivered_items so that a
 *                    batch given up counts only the rest as dropped.
 * An event still unsettled when its batch is given up counts as failed.
 *
 * Crash events carry their crash file's path: the file is removed once
 * the event is settled - accepted, rejected for good, or discarded under
 * a rate limit as Sentry asks - while an event lost to the network leaves
 * the file for the next start to try again.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exporters/common/curl_send.h"
#include "exporters/sentry/sentry_int.h"
#include "sdk/batcher_int.h"

#include "otelc/version.h"

/* What happened to an event (sender-only, in a wrapper around it). */
enum { OUT_PENDING = 0, OUT_SETTLED = 1 };

typedef struct item {
    otelc__error_event *ev;
    int outcome;
} item;

struct otelc__sentry {
    otelc__batcher *b;
    otelc__sentry_dsn dsn;
    otelc__sentry_meta meta;
    char *release, *environment, *server_name, *service_name;
    struct curl_slist *headers;
    /* Limits: written by the worker, read by producers. */
    _Atomic uint64_t all_until, error_until;
    /* Worker only. */
    otelc__curl_conn conn;
    otelc__buf body;
    otelc__ratelimit fail_rl, limit_rl;
};

static bool limited(otelc__sentry *s, uint64_t now) {
    return now < atomic_load_explicit(&s->all_until, memory_order_relaxed) ||
           now < atomic_load_explicit(&s->error_until, memory_order_relaxed);
}

static void count(_Atomic uint64_t *c) {
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void settle(item *it, bool remove_file) {
    it->outcome = OUT_SETTLED;
    if (remove_file && it->ev->crash_file)
        unlink(it->ev->crash_file);
}

static void apply_limits(otelc__sentry *s, const otelc__curl_result *r,
                         uint64_t now) {
    otelc__sentry_limits l = {atomic_load(&s->all_until),
                              atomic_load(&s->error_until)};
    if (!otelc__sentry_apply_limits(&l, r->status, r->rate_limits,
                                    r->retry_after_set, r->retry_after_ms, now))
        otelc__diag_limited(&s->limit_rl, OTELC_DIAG_WARN,
                            "sentry: malformed X-Sentry-Rate-Limits header "
                            "\"%s\"; the well-formed parts are applied",
                            r->rate_limits);
    atomic_store(&s->all_until, l.all_until);
    atomic_store(&s->error_until, l.error_until);
}

static otelc_export_result export_items(void *user, void *const *items,
                                        size_t n, otelc_export_context *ctx) {
    otelc__sentry *s = user;
    size_t settled = 0;
    for (size_t i = 0; i < n; i++)
        settled += ((item *)items[i])->outcome != OUT_PENDING;
    for (size_t i = 0; i < n; i++) {
        item *it = items[i];
        if (it->outcome != OUT_PENDING)
            continue; /* settled by an earlier attempt */
        ctx->delivered_items = settled;
        settled++; /* this one, unless it returns RETRYABLE below */
        uint64_t now = otelc__mono_ns();
        if (limited(s, now)) {
            count(&otelc__sentry_stats.rate_limited);
            settle(it, true);
            continue;
        }
        otelc__buf_reset(&s->body);
        otelc__sentry_envelope(&s->body, it->ev, &s->meta, otelc__now_ns());
        if (s->body.oom) {
            otelc__diag_limited(&s->fail_rl, OTELC_DIAG_ERROR,
                                "sentry: out of memory encoding an event; "
                                "dropped");
            count(&otelc__sentry_stats.failed);
            settle(it, false);
            continue;
        }
        otelc__curl_result r;
        count(&otelc__sentry_stats.requests);
        bool got = otelc__curl_post(&s->conn, s->dsn.endpoint, s->headers,
                                    s->body.data, s->body.len,
                                    ctx->deadline_mono_ns, &r);
        if (!got) {
            otelc__diag_limited(
                &s->fail_rl, OTELC_DIAG_WARN, "sentry: POST to %s failed: %s%s",
                s->dsn.origin, r.error,
                otelc__curl_retryable(r.curl_code) ? " (will retry)" : "");
            if (!otelc__curl_retryable(r.curl_code)) {
                count(&otelc__sentry_stats.failed);
                settle(it, false);
                continue;
            }
            return OTELC_EXPORT_RETRYABLE;
        }
        now = otelc__mono_ns();
        apply_limits(s, &r, now);
        if (r.status >= 200 && r.status < 300) {
            count(&otelc__sentry_stats.sent);
            settle(it, true);
        } else if (r.status == 429) {
            count(&otelc__sentry_stats.rate_limited);
            settle(it, true);
            otelc__diag_limited(
                &s->limit_rl, OTELC_DIAG_WARN,
                "sentry: rate limited (HTTP 429); error events are dropped "
                "for %llu ms",
                (unsigned long long)((OTELC_MAX(atomic_load(&s->all_until),
                                                atomic_load(&s->error_until)) -
                                      now) /
                                     1000000u));
        } else if (r.status >= 500 || r.status == 408) {
            otelc__diag_limited(&s->fail_rl, OTELC_DIAG_WARN,
                                "sentry: %s answered HTTP %ld (will retry)%s%s",
                                s->dsn.origin, r.status, r.body[0] ? ": " : "",
                                r.body);
            if (r.retry_after_set)
                ctx->retry_after_ms = r.retry_after_ms;
            return OTELC_EXPORT_RETRYABLE;
        } else {
            count(&otelc__sentry_stats.failed);
            settle(it, true);
            otelc__diag_limited(
                &s->fail_rl, OTELC_DIAG_WARN,
                "sentry: %s rejected an event with HTTP %ld%s%s%s",
                s->dsn.origin, r.status,
                r.status == 401 || r.status == 403 ? " (check the DSN's key)"
                                                   : "",
                r.body[0] ? ": " : "", r.body);
        }
    }
    ctx->delivered_items = settled;
    return OTELC_EXPORT_SUCCESS;
}

static void release_items(void *user, void *const *items, size_t n) {
    (void)user;
    for (size_t i = 0; i < n; i++) {
        item *it = items[i];
        if (it->outcome == OUT_PENDING)
            count(&otelc__sentry_stats.failed);
        free(it->ev);
        free(it);
    }
}

static void worker_stop(void *user, uint64_t deadline) {
    (void)deadline;
    otelc__sentry *s = user;
    otelc__curl_conn_close(&s->conn);
}

static const otelc__batcher_ops g_ops = {export_items, release_items, NULL,
                                         worker_stop, NULL};

otelc__sentry *otelc__sentry_new(const otelc__sentry_config *cfg) {
    otelc__sentry_dsn dsn;
    const char *why;
    if (!otelc__sentry_dsn_parse(cfg->dsn, &dsn, &why)) {
        /* Never print the DSN: it holds the key.  Its length helps to
         * spot a truncated value. */
        otelc__diag(OTELC_DIAG_ERROR,
                    "SENTRY_DSN is malformed: %s; Sentry reporting is off "
                    "(value: <redacted, %zu bytes>)",
                    why, strlen(cfg->dsn ? cfg->dsn : ""));
        return NULL;
    }
    if (!otelc__curl_global("sentry"))
        return NULL;
    otelc__sentry *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->dsn = dsn;
    s->release = otelc__strdup(cfg->release ? cfg->release : "");
    s->environment = otelc__strdup(cfg->environment ? cfg->environment : "");
    s->server_name = otelc__strdup(cfg->server_name ? cfg->server_name : "");
    s->service_name = otelc__strdup(cfg->service_name ? cfg->service_name : "");
    s->meta =
        (otelc__sentry_meta){s->dsn.public_key, s->release, s->environment,
                             s->server_name, s->service_name};
    char auth[512];
    snprintf(auth, sizeof auth,
             "X-Sentry-Auth: Sentry sentry_version=7, "
             "sentry_client=otelc/" OTELC_VERSION_STRING ", sentry_key=%s%s%s",
             dsn.public_key, dsn.secret_key[0] ? ", sentry_secret=" : "",
             dsn.secret_key);
    struct curl_slist *h = NULL, *t;
    const char *hdrs[] = {"Content-Type: application/x-sentry-envelope",
                          "Expect:", auth};
    for (size_t i = 0; i < OTELC_ARRAY_LEN(hdrs); i++)
        if ((t = curl_slist_append(h, hdrs[i])))
            h = t;
    s->headers = h;
    otelc__buf_init(&s->body);
    otelc__batch_config bc = {200, cfg->timeout_ms ? cfg->timeout_ms : 10000,
                              cfg->queue_size ? cfg->queue_size : 100, 32};
    if (bc.max_export_batch_size > bc.max_queue_size)
        bc.max_export_batch_size = bc.max_queue_size;
    if (!s->release || !s->environment || !s->server_name || !s->service_name ||
        !h || !(s->b = otelc__batcher_new(&g_ops, s, &bc, "otelc-sentry"))) {
        otelc__diag(OTELC_DIAG_ERROR, "sentry: cannot start the sender; "
                                      "Sentry reporting is off");
        curl_slist_free_all(h);
        free(s->release);
        free(s->environment);
        free(s->server_name);
        free(s->service_name);
        free(s);
        return NULL;
    }
    otelc__diag(OTELC_DIAG_DEBUG, "sentry: sending error events to %s",
                s->dsn.origin);
    return s;
}

bool otelc__sentry_submit(otelc__sentry *s, otelc__error_event *ev) {
    if (limited(s, otelc__mono_ns())) {
        count(&otelc__sentry_stats.rate_limited);
        free(ev);
        return false;
    }
    item *it = malloc(sizeof *it);
    if (!it) {
        count(&otelc__sentry_stats.dropped_queue);
        free(ev);
        return false;
    }
    it->ev = ev;
    it->outcome = OUT_PENDING;
    if (!otelc__batcher_push(s->b, it)) {
        count(&otelc__sentry_stats.dropped_queue);
        free(ev);
        free(it);
        return false;
    }
    count(&otelc__sentry_stats.queued);
    return true;
}

otelc_status otelc__sentry_flush(otelc__sentry *s, uint64_t deadline) {
    return otelc__batcher_flush(s->b, deadline);
}

otelc_status otelc__sentry_shutdown(otelc__sentry *s, uint64_t deadline) {
    return otelc__batcher_shutdown(s->b, deadline);
}

void otelc__sentry_free(otelc__sentry *s) {
    if (!s)
        return;
    otelc__batcher_free(s->b);
    curl_slist_free_all(s->headers);
    otelc__buf_free(&s->body);
    free(s->release);
    free(s->environment);
    free(s->server_name);
    free(s->service_name);
    free(s);
}

uint64_t otelc__sentry_limited_ms(otelc__sentry *s) {
    uint64_t now = otelc__mono_ns();
    uint64_t u =
        OTELC_MAX(atomic_load(&s->all_until), atomic_load(&s->error_until));
    return u > now ? (u - now) / 1000000u : 0;
}
