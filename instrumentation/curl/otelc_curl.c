/*
 * instrumentation/curl/otelc_curl.c - the libcurl client wrapper and the
 * curl_slist carrier.
 *
 * libcurl has no getter for options already set, so the wrapper owns the
 * header list it gives CURLOPT_HTTPHEADER: the application passes its own
 * headers in, they are copied first, then the propagator writes its fields
 * (replacing a same-named header, so a stale traceparent the application
 * copied from somewhere never goes out next to ours).  The list must live
 * until the transfer is over, hence the begin/end pair; end resets the
 * option so the handle never points at freed memory.
 *
 * The propagation headers are those of the CLIENT span: begin makes the
 * span current (above the explicit parent, when one is given, so that the
 * parent's baggage goes along) just for the inject call.
 */
#include <stdio.h>
#include <strings.h>

#include "instrumentation/instr_int.h"

#include "otelc/curl.h"
#include "otelc/metrics.h"
#include "otelc/propagation.h"

struct otelc_curl_request {
    CURL *easy;
    otelc_span *span;
    struct curl_slist *headers;
    bool url_known;
    bool name_given;
    char method[24];
};

static _Atomic(otelc__tracer_pair *) g_tracer;

/* ---- the curl_slist carrier -------------------------------------------------
 */

/* Length of the field name in "Name: value" (or "Name;"), or 0 when the
 * line has no separator. */
static size_t name_len(const char *line) {
    size_t n = strcspn(line, ":;");
    return line[n] ? n : 0;
}

static const char *value_of(const char *line, size_t nl) {
    const char *v = line + nl + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return v;
}

static const char *sl_get(void *u, const char *name) {
    size_t want = strlen(name);
    for (struct curl_slist *l = *(struct curl_slist **)u; l; l = l->next) {
        size_t nl = name_len(l->data);
        if (nl == want && !strncasecmp(l->data, name, nl))
            return l->data[nl] == ':' ? value_of(l->data, nl) : "";
    }
    return NULL;
}

static otelc_status sl_set(void *u, const char *name, const char *value) {
    struct curl_slist **head = u, **pp = head;
    size_t want = strlen(name);
    while (*pp) {
        struct curl_slist *l = *pp;
        size_t nl = name_len(l->data);
        if (nl == want && !strncasecmp(l->data, name, nl)) {
            *pp = l->next;
            l->next = NULL;
            curl_slist_free_all(l);
        } else {
            pp = &l->next;
        }
    }
    size_t n = want + strlen(value) + 3;
    char *line = malloc(n);
    if (!line)
        return OTELC_ENOMEM;
    /* "Name;" is curl's way to send a header with an empty value. */
    if (value[0])
        snprintf(line, n, "%s: %s", name, value);
    else
        snprintf(line, n, "%s;", name);
    struct curl_slist *nl = curl_slist_append(*head, line);
    free(line);
    if (!nl)
        return OTELC_ENOMEM;
    *head = nl;
    return OTELC_OK;
}

static void sl_foreach(void *u, otelc_carrier_visit_fn fn, void *arg) {
    for (struct curl_slist *l = *(struct curl_slist **)u; l; l = l->next) {
        size_t nl = name_len(l->data);
        if (!nl)
            continue;
        char small[128], *name = nl < sizeof small ? small : malloc(nl + 1);
        if (!name)
            return;
        memcpy(name, l->data, nl);
        name[nl] = '\0';
        bool go =
            fn(arg, name, l->data[nl] == ':' ? value_of(l->data, nl) : "");
        if (name != small)
            free(name);
        if (!go)
            return;
    }
}

OTELC_API otelc_carrier otelc_curl_slist_carrier(struct curl_slist **list) {
    return (otelc_carrier){sl_get, sl_set, sl_foreach, list};
}

/* ---- attributes
 * --------------------------------------------------------------- */

/* url.full without credentials, server.address and server.port, from a
 * URL parsed by libcurl's own parser (the one that will send it). */
static void set_url_attributes(otelc_span *span, const char *url) {
    if (!url || !url[0])
        return;
    CURLU *u = curl_url();
    if (!u)
        return;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_GUESS_SCHEME) != CURLUE_OK) {
        otelc_span_set_attribute_str(span, "url.full", url);
        curl_url_cleanup(u);
        return;
    }
    char *part = NULL;
    if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
        curl_free(part);
        curl_url_set(u, CURLUPART_USER, "REDACTED", 0);
    }
    if (curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
        curl_free(part);
        curl_url_set(u, CURLUPART_PASSWORD, "REDACTED", 0);
    }
    if (curl_url_get(u, CURLUPART_URL, &part, 0) == CURLUE_OK) {
        otelc_span_set_attribute_str(span, "url.full", part);
        curl_free(part);
    }
    if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
        /* An IPv6 literal comes back in brackets; the attribute has none. */
        size_t n = strlen(part);
        if (n > 2 && part[0] == '[' && part[n - 1] == ']')
            otelc_span_set_attribute_str_n(span, "server.address", part + 1,
                                           n - 2);
        else
            otelc_span_set_attribute_str(span, "server.address", part);
        curl_free(part);
    }
    if (curl_url_get(u, CURLUPART_PORT, &part, CURLU_DEFAULT_PORT) ==
        CURLUE_OK) {
        otelc_span_set_attribute_int(span, "server.port", atoi(part));
        curl_free(part);
    }
    curl_url_cleanup(u);
}

static void set_method(otelc_curl_request *r, const char *m) {
    snprintf(r->method, sizeof r->method, "%s", m && m[0] ? m : "GET");
    const char *norm = otelc__http_method_norm(r->method);
    otelc_span_set_attribute_str(r->span, "http.request.method", norm);
    if (!strcmp(norm, "_OTHER"))
        otelc_span_set_attribute_str(r->span, "http.request.method_original",
                                     r->method);
}

/* A stable, low-cardinality name for error.type. */
static const char *curlcode_name(CURLcode c) {
    switch (c) {
#define N(x)                                                                   \
    case x: return #x;
        N(CURLE_UNSUPPORTED_PROTOCOL)
        N(CURLE_URL_MALFORMAT)
        N(CURLE_COULDNT_RESOLVE_PROXY)
        N(CURLE_COULDNT_RESOLVE_HOST)
        N(CURLE_COULDNT_CONNECT)
        N(CURLE_WEIRD_SERVER_REPLY)
        N(CURLE_HTTP2)
        N(CURLE_PARTIAL_FILE)
        N(CURLE_HTTP_RETURNED_ERROR)
        N(CURLE_WRITE_ERROR)
        N(CURLE_READ_ERROR)
        N(CURLE_OUT_OF_MEMORY)
        N(CURLE_OPERATION_TIMEDOUT)
        N(CURLE_RANGE_ERROR)
        N(CURLE_SSL_CONNECT_ERROR)
        N(CURLE_TOO_MANY_REDIRECTS)
        N(CURLE_GOT_NOTHING)
        N(CURLE_SEND_ERROR)
        N(CURLE_RECV_ERROR)
        N(CURLE_SSL_CERTPROBLEM)
        N(CURLE_SSL_CIPHER)
        N(CURLE_PEER_FAILED_VERIFICATION)
        N(CURLE_BAD_CONTENT_ENCODING)
        N(CURLE_ABORTED_BY_CALLBACK)
        N(CURLE_SSL_CACERT_BADFILE)
        N(CURLE_HTTP2_STREAM)
        N(CURLE_HTTP3)
#undef N
    default: return "curl_error";
    }
}

/* ---- begin / end
 * -------------------------------------------------------------- */

OTELC_API otelc_curl_request *otelc_curl_begin(CURL *easy,
                                               const otelc_curl_options *o) {
    static const otelc_curl_options none;
    if (!easy)
        return NULL;
    if (!o)
        o = &none;
    otelc_curl_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->easy = easy;
    for (const struct curl_slist *l = o->headers; l; l = l->next) {
        struct curl_slist *n = curl_slist_append(r->headers, l->data);
        if (!n) {
            curl_slist_free_all(r->headers);
            free(r);
            return NULL;
        }
        r->headers = n;
    }
    otelc_tracer *t =
        o->tracer ? o->tracer : otelc__instr_tracer(&g_tracer, "otelc.curl");
    const char *m = o->method && o->method[0] ? o->method : "GET";
    const char *norm = otelc__http_method_norm(m);
    r->name_given = o->span_name != NULL;
    otelc_span_start_options so = {.kind = OTELC_SPAN_KIND_CLIENT,
                                   .parent = o->parent};
    r->span = otelc_span_start(t,
                               o->span_name             ? o->span_name
                               : strcmp(norm, "_OTHER") ? norm
                                                        : "HTTP",
                               &so);
    set_method(r, m);
    if (o->url) {
        set_url_attributes(r->span, o->url);
        r->url_known = true;
    }

    /* Inject the CLIENT span's context (with the parent's baggage).  With
     * no span (provider shut down) the parent's context still goes out. */
    otelc_scope outer = {UINT32_MAX}, inner = {UINT32_MAX};
    if (o->parent)
        outer = otelc_context_attach(o->parent);
    if (r->span)
        inner = otelc_span_make_current(r->span);
    otelc_carrier c = otelc_curl_slist_carrier(&r->headers);
    otelc_propagator_inject(o->propagator, NULL, &c);
    if (r->span)
        otelc_scope_end(inner);
    if (o->parent)
        otelc_scope_end(outer);

    if (o->url)
        curl_easy_setopt(easy, CURLOPT_URL, o->url);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, r->headers);
    return r;
}

OTELC_API otelc_span *otelc_curl_request_span(otelc_curl_request *r) {
    return r ? r->span : NULL;
}

/* http.client.request.duration, whether the span is sampled or not: the
 * transfer's total time as libcurl measured it, the effective method,
 * server.address/port of the effective URL, the status (none when no
 * response came). */
static void record_duration(otelc_curl_request *r) {
    curl_off_t us = 0;
    long code = 0;
    char *eff = NULL;
    curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &us);
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    const char *method = r->method;
    if (curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_METHOD, &eff) ==
            CURLE_OK &&
        eff && eff[0])
        method = eff;
    char host[256] = "";
    int port = 0;
    CURLU *u = curl_url();
    if (u &&
        curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK &&
        eff &&
        curl_url_set(u, CURLUPART_URL, eff, CURLU_GUESS_SCHEME) == CURLUE_OK) {
        char *part = NULL;
        if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
            size_t n = strlen(part);
            if (n > 2 && part[0] == '[' && part[n - 1] == ']')
                snprintf(host, sizeof host, "%.*s", (int)(n - 2), part + 1);
            else
                snprintf(host, sizeof host, "%s", part);
            curl_free(part);
        }
        if (curl_url_get(u, CURLUPART_PORT, &part, CURLU_DEFAULT_PORT) ==
            CURLUE_OK) {
            port = atoi(part);
            curl_free(part);
        }
    }
    curl_url_cleanup(u);
    /* With the CLIENT span current: the exemplar points at it. */
    otelc_scope sc = {UINT32_MAX};
    if (r->span)
        sc = otelc_span_make_current(r->span);
    otelc_http_client_request_record(otelc__http_method_norm(method), host,
                                     port, (int)code, (double)us / 1e6);
    if (r->span)
        otelc_scope_end(sc);
}

OTELC_API void otelc_curl_end(otelc_curl_request *r, CURLcode result) {
    if (!r)
        return;
    otelc_span *s = r->span;
    if (otelc_span_is_recording(s)) {
        char *eff = NULL;
        if (curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_METHOD, &eff) ==
                CURLE_OK &&
            eff && eff[0] && strcmp(eff, r->method)) {
            set_method(r, eff);
            if (!r->name_given) {
                const char *norm = otelc__http_method_norm(r->method);
                otelc_span_update_name(s,
                                       strcmp(norm, "_OTHER") ? norm : "HTTP");
            }
        }
        if (!r->url_known && curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL,
                                               &eff) == CURLE_OK)
            set_url_attributes(s, eff);
        long code = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code > 0)
            otelc_span_set_attribute_int(s, "http.response.status_code", code);
        if (result != CURLE_OK) {
            otelc_span_set_attribute_str(s, "error.type",
                                         curlcode_name(result));
            otelc_span_set_status(s, OTELC_STATUS_ERROR,
                                  curl_easy_strerror(result));
        } else if (code >= 400) {
            char buf[24];
            snprintf(buf, sizeof buf, "%ld", code);
            otelc_span_set_attribute_str(s, "error.type", buf);
            otelc_span_set_status(s, OTELC_STATUS_ERROR, NULL);
        }
    }
    record_duration(r);
    otelc_span_end(s);
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl_slist_free_all(r->headers);
    free(r);
}

OTELC_API CURLcode otelc_curl_perform(CURL *easy,
                                      const otelc_curl_options *opts) {
    otelc_curl_request *r = otelc_curl_begin(easy, opts);
    if (!r)
        return CURLE_OUT_OF_MEMORY;
    CURLcode rc = curl_easy_perform(easy);
    otelc_curl_end(r, rc);
    return rc;
}
