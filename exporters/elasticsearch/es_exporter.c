/*
 * exporters/elasticsearch/es_exporter.c - log records to Elasticsearch's
 * _bulk API.
 *
 * One export call = one POST {ELASTICSEARCH_URL}/_bulk with
 * Content-Type application/x-ndjson: for each record an action line
 * {"index":{"_index":"<ELASTICSEARCH_INDEX>"}} and the record's JSON line
 * (the LOG_FORMAT=json object, otelc_log_format_json()), each ending in a
 * newline as the API requires.
 *
 * Results.  A transport error (refused, timed out) and HTTP 429, 502, 503,
 * 504 are retryable: the exporter's worker retries the batch with backoff
 * (honouring Retry-After in seconds) until OTEL_BLRP_EXPORT_TIMEOUT.  Other
 * statuses drop the batch.  A 200 whose body says "errors":true had some
 * documents rejected: they are counted (rejected_items) from the items that
 * carry an "error" object, and reported once per interval.  Nothing here
 * ever reaches the thread that logged: it runs on the exporter's worker.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "exporters/elasticsearch/es_factory.h"
#include "sdk/config_int.h"
#include "sdk/internal.h"
#include "sdk/json_int.h"

#define RESPONSE_MAX (4u << 20)

typedef struct es_state {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    char *action; /* the action line, with its newline */
    size_t action_len;
    char *body;
    size_t body_len, body_cap;
    otelc__buf resp;
    uint64_t retry_after_s;
    otelc__ratelimit rl;
} es_state;

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
    es_state *s = arg;
    size_t len = size * n;
    if (s->resp.len + len <= RESPONSE_MAX)
        otelc__buf_append(&s->resp, p, len);
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
    es_state *s = arg;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        char tmp[32];
        size_t l = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
        memcpy(tmp, p + 12, l);
        tmp[l] = '\0';
        int64_t v;
        if (otelc__parse_i64(tmp, &v) && v > 0 && v < 3600)
            s->retry_after_s = (uint64_t)v;
    }
    return len;
}

/* True when the response's top-level "errors" member is true (any
 * spacing: the API returns compact JSON, proxies may not). */
static bool has_errors(const char *body) {
    for (const char *p = body; (p = strstr(p, "\"errors\"")); p += 8) {
        const char *q = p + 8;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        return !strncmp(q, "true", 4);
    }
    return false;
}

/* Items in a _bulk response that carry an "error" object. */
static uint64_t count_item_errors(const char *body) {
    uint64_t n = 0;
    const char *items = strstr(body, "\"items\"");
    for (const char *p = items; p && (p = strstr(p, "\"error\"")); p += 7) {
        const char *q = p + 7;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q == '{' || *q == '"')
            n++;
    }
    return n;
}

static otelc_export_result es_export(void *st,
                                     const otelc_log_record_data *const *recs,
                                     size_t n, otelc_export_context *ctx) {
    es_state *s = st;
    s->body_len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->body_len + s->action_len + 1 > s->body_cap) {
            size_t cap = s->body_cap ? s->body_cap * 2 : 65536;
            while (cap < s->body_len + s->action_len + 1)
                cap *= 2;
            char *b = realloc(s->body, cap);
            if (!b)
                goto oom;
            s->body = b;
            s->body_cap = cap;
        }
        memcpy(s->body + s->body_len, s->action, s->action_len);
        s->body_len += s->action_len;
        if (otelc_log_format_json(recs[i], &s->body, &s->body_len,
                                  &s->body_cap) != OTELC_OK)
            goto oom;
    }
    uint64_t left = otelc_export_remaining_ms(ctx);
    if (!left)
        return OTELC_EXPORT_RETRYABLE;
    otelc__buf_reset(&s->resp);
    s->retry_after_s = 0;
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)s->body_len);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, (long)left);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(left < 10000 ? left : 10000));
    CURLcode rc = curl_easy_perform(s->curl);
    if (rc != CURLE_OK) {
        otelc__diag_limited(&s->rl, OTELC_DIAG_WARN,
                            "elasticsearch log exporter: POST %s: %s", s->url,
                            curl_easy_strerror(rc));
        return OTELC_EXPORT_RETRYABLE;
    }
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code == 200 || code == 201) {
        if (s->resp.data && has_errors(s->resp.data)) {
            uint64_t bad = count_item_errors(s->resp.data);
            ctx->rejected_items = bad > n ? n : bad;
            otelc__diag_limited(&s->rl, OTELC_DIAG_WARN,
                                "elasticsearch log exporter: %llu of %zu "
                                "documents rejected",
                                (unsigned long long)ctx->rejected_items, n);
        }
        return OTELC_EXPORT_SUCCESS;
    }
    if (code == 429 || code == 502 || code == 503 || code == 504) {
        ctx->retry_after_ms = s->retry_after_s * 1000u;
        otelc__diag_limited(&s->rl, OTELC_DIAG_WARN,
                            "elasticsearch log exporter: HTTP %ld from %s; "
                            "retrying",
                            code, s->url);
        return OTELC_EXPORT_RETRYABLE;
    }
    otelc__diag_limited(&s->rl, OTELC_DIAG_ERROR,
                        "elasticsearch log exporter: HTTP %ld from %s: %.200s; "
                        "%zu records dropped",
                        code, s->url, s->resp.data ? s->resp.data : "", n);
    return OTELC_EXPORT_FAILURE;
oom:
    otelc__diag_limited(&s->rl, OTELC_DIAG_ERROR,
                        "elasticsearch log exporter: out of memory for a "
                        "batch of %zu records",
                        n);
    return OTELC_EXPORT_FAILURE;
}

static void es_free(void *st) {
    es_state *s = st;
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->headers);
    free(s->url);
    free(s->action);
    free(s->body);
    otelc__buf_free(&s->resp);
    free(s);
}

static const otelc_log_exporter_ops g_es_ops = {"elasticsearch", es_export,
                                                NULL, NULL, es_free};

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

otelc_log_exporter *otelc__es_log_exporter_factory(otelc_status *st) {
    const char *base = otelc__cfg_str(OTELC_CFG_ELASTICSEARCH_URL);
    const char *index = otelc__cfg_str(OTELC_CFG_ELASTICSEARCH_INDEX);
    if (!base[0]) {
        otelc__diag(OTELC_DIAG_WARN, "elasticsearch log exporter: "
                                     "ELASTICSEARCH_URL is not set; not "
                                     "created");
        *st = OTELC_ECONFIG;
        return NULL;
    }
    if (!index[0])
        index = "application-logs";
    pthread_once(&g_curl_once, curl_init);
    es_state *s = calloc(1, sizeof *s);
    if (!s) {
        *st = OTELC_ENOMEM;
        return NULL;
    }
    otelc__buf_init(&s->resp);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    s->url = malloc(bl + 8);
    if (s->url) {
        memcpy(s->url, base, bl);
        memcpy(s->url + bl, "/_bulk", 7);
    }
    otelc__buf a;
    otelc__buf_init(&a);
    otelc__buf_puts(&a, "{\"index\":{\"_index\":");
    otelc__json_cstr(&a, index);
    otelc__buf_puts(&a, "}}\n");
    s->action = a.data;
    s->action_len = a.len;
    s->curl = curl_easy_init();
    s->headers = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
    if (!s->url || a.oom || !s->action || !s->curl || !s->headers) {
        es_free(s);
        *st = OTELC_ENOMEM;
        return NULL;
    }
    curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "otelc-elasticsearch");
    otelc_log_exporter *e = otelc_log_exporter_new(&g_es_ops, s);
    *st = e ? OTELC_OK : OTELC_ENOMEM;
    return e;
}
