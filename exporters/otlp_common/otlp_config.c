/*
 * exporters/otlp_common/otlp_config.c - resolving an OTLP exporter's
 * settings, and parsing what receivers send back (partial success,
 * Retry-After).
 *
 * Precedence of every setting: options given in code, then the per-signal
 * variable (OTEL_EXPORTER_OTLP_TRACES_*), then the generic one
 * (OTEL_EXPORTER_OTLP_*), then the specification's default.  Endpoints
 * follow the specification: a per-signal endpoint (and one given in code)
 * is used as is; the generic endpoint gets "/v1/<signal>" appended for
 * HTTP; gRPC uses only its host and port, with TLS for https:// and for a
 * scheme-less endpoint unless OTEL_EXPORTER_OTLP_INSECURE=true.
 *
 * A setting that cannot work (an endpoint that is not a URL, a port out of
 * range) is a configuration error: the exporter is not created, and one
 * diagnostic names the setting, its value and why.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "exporters/otlp_common/otlp_arena.h"
#include "exporters/otlp_common/otlp_exporter.h"
#include "otelc/version.h"

/* ---- endpoints -------------------------------------------------------------
 */

typedef struct url_parts {
    char scheme[8]; /* "http", "https" or "" */
    const char *host;
    size_t host_len;  /* brackets of an IPv6 literal included */
    long port;        /* -1 when absent */
    const char *path; /* "" or starting with '/' (query included) */
} url_parts;

/* Split an endpoint; false with *why set when it is not usable. */
static bool parse_endpoint(const char *s, bool scheme_required, url_parts *u,
                           const char **why) {
    memset(u, 0, sizeof *u);
    u->port = -1;
    for (const char *c = s; *c; c++) {
        if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c)) {
            *why = "contains spaces or control characters";
            return false;
        }
    }
    const char *p = s;
    const char *sep = strstr(s, "://");
    if (sep) {
        size_t n = (size_t)(sep - s);
        if (n == 4 && !strncasecmp(s, "http", 4))
            strcpy(u->scheme, "http");
        else if (n == 5 && !strncasecmp(s, "https", 5))
            strcpy(u->scheme, "https");
        else {
            *why = "has a scheme other than http:// or https://";
            return false;
        }
        p = sep + 3;
    } else if (scheme_required) {
        *why = "is not an http:// or https:// URL";
        return false;
    }
    u->host = p;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (!e) {
            *why = "has an unterminated [IPv6] host";
            return false;
        }
        p = e + 1;
    } else {
        while (*p && *p != ':' && *p != '/' && *p != '?')
            p++;
    }
    u->host_len = (size_t)(p - u->host);
    if (!u->host_len) {
        *why = "has no host";
        return false;
    }
    if (*p == ':') {
        p++;
        const char *ps = p;
        long port = 0;
        while (isdigit((unsigned char)*p) && port <= 65535)
            port = port * 10 + (*p++ - '0');
        if (p == ps || port < 1 || port > 65535 ||
            (*p && *p != '/' && *p != '?')) {
            *why = "has a port that is not a number from 1 to 65535";
            return false;
        }
        u->port = port;
    }
    if (*p && *p != '/' && *p != '?') {
        *why = "is not a URL";
        return false;
    }
    u->path = p;
    return true;
}

/* The gRPC target for a host and port.  An IP literal gets gRPC's
 * ipv4:/ipv6: scheme so no name resolver runs at all (the resolver's
 * threads are also what a forked child lacks); a name goes through gRPC's
 * DNS resolver. */
static char *grpc_target(const url_parts *u, bool tls) {
    long port = u->port > 0 ? u->port : (tls ? 443 : 80);
    size_t n = u->host_len + 16;
    char *t = malloc(n);
    if (!t)
        return NULL;
    char host[64];
    const char *scheme = "";
    if (u->host_len < sizeof host) {
        memcpy(host, u->host, u->host_len);
        host[u->host_len] = '\0';
        struct in_addr a4;
        struct in6_addr a6;
        if (inet_pton(AF_INET, host, &a4) == 1)
            scheme = "ipv4:";
        else if (host[0] == '[' && u->host_len > 2) {
            host[u->host_len - 1] = '\0';
            if (inet_pton(AF_INET6, host + 1, &a6) == 1)
                scheme = "ipv6:";
        }
    }
    snprintf(t, n, "%s%.*s:%ld", scheme, (int)u->host_len, u->host, port);
    return t;
}

/* ---- headers ----------------------------------------------------------------
 */

typedef struct hdr_acc {
    otelc__otlp_config *c;
    bool oom;
} hdr_acc;

static void add_header(const char *k, const char *v, void *arg) {
    hdr_acc *a = arg;
    otelc__otlp_config *c = a->c;
    otelc__otlp_header *nh =
        realloc(c->headers, sizeof *nh * (c->nheaders + 1));
    if (!nh) {
        a->oom = true;
        return;
    }
    c->headers = nh;
    char *key = otelc__strdup(k), *val = otelc__strdup(v);
    if (!key || !val) {
        free(key);
        free(val);
        a->oom = true;
        return;
    }
    /* HTTP/2 (gRPC) requires lowercase header names; HTTP/1.1 does not
     * care, so both transports get the same names. */
    for (char *q = key; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    nh[c->nheaders].key = key;
    nh[c->nheaders].value = val;
    c->nheaders++;
}

/* ---- resolution -------------------------------------------------------------
 */

/* The first non-empty of: code value, per-signal setting, generic setting. */
static const char *pick(const char *code, otelc__cfg_id sig, otelc__cfg_id gen,
                        const char **source) {
    if (code && code[0]) {
        *source = "the exporter options";
        return code;
    }
    const char *v = otelc__cfg_str(sig);
    if (v[0]) {
        *source = otelc__cfg_name(sig);
        return v;
    }
    *source = otelc__cfg_name(gen);
    return otelc__cfg_str(gen);
}

bool otelc__otlp_config_resolve(otelc__otlp_config *c,
                                const otelc__otlp_signal *sig,
                                const otelc_otlp_options *o) {
    static const otelc_otlp_options none = {0};
    if (!o)
        o = &none;
    memset(c, 0, sizeof *c);
    const char *src;

    const char *proto =
        pick(o->protocol, sig->cfg_protocol, OTELC_CFG_OTLP_PROTOCOL, &src);
    if (!proto[0] || !strcmp(proto, "http/protobuf"))
        c->protocol = OTELC__OTLP_HTTP_PROTOBUF;
    else if (!strcmp(proto, "grpc"))
        c->protocol = OTELC__OTLP_GRPC;
    else if (!strcmp(proto, "http/json"))
        c->protocol = OTELC__OTLP_HTTP_JSON;
    else {
        otelc__diag(OTELC_DIAG_ERROR,
                    "otlp: protocol \"%s\" (from %s) is not one of grpc, "
                    "http/protobuf, http/json; the %s exporter is not created",
                    proto, src, sig->name);
        return false;
    }
    bool grpc = c->protocol == OTELC__OTLP_GRPC;

    /* Endpoint. */
    const char *ep = NULL;
    bool as_is = true;
    if (o->endpoint && o->endpoint[0]) {
        ep = o->endpoint;
        src = "the exporter options";
    } else if (otelc__cfg_str(sig->cfg_endpoint)[0]) {
        ep = otelc__cfg_str(sig->cfg_endpoint);
        src = otelc__cfg_name(sig->cfg_endpoint);
    } else if (otelc__cfg_str(OTELC_CFG_OTLP_ENDPOINT)[0]) {
        ep = otelc__cfg_str(OTELC_CFG_OTLP_ENDPOINT);
        src = otelc__cfg_name(OTELC_CFG_OTLP_ENDPOINT);
        as_is = false;
    } else {
        ep = grpc ? "http://localhost:4317" : "http://localhost:4318";
        src = "the default";
        as_is = false;
    }
    url_parts u;
    const char *why = NULL;
    if (!parse_endpoint(ep, !grpc, &u, &why)) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "otlp: endpoint \"%s\" (from %s) %s; the %s exporter is "
                    "not created",
                    ep, src, why, sig->name);
        return false;
    }
    c->endpoint = otelc__strdup(ep);
    if (grpc) {
        if (u.scheme[0])
            c->tls = !strcmp(u.scheme, "https");
        else {
            const char *ins = otelc__cfg_str(sig->cfg_insecure);
            if (!ins[0])
                ins = otelc__cfg_str(OTELC_CFG_OTLP_INSECURE);
            c->tls = strcmp(ins, "true") != 0;
        }
        if (u.path[0] && strcmp(u.path, "/"))
            otelc__diag(OTELC_DIAG_WARN,
                        "otlp: gRPC endpoint \"%s\" (from %s) has a path; "
                        "gRPC uses only the host and port",
                        ep, src);
        c->target = grpc_target(&u, c->tls);
    } else {
        c->tls = !strcmp(u.scheme, "https");
        if (as_is) {
            c->target = otelc__strdup(ep);
        } else {
            size_t n = strlen(ep);
            while (n && ep[n - 1] == '/')
                n--;
            size_t pl = strlen(sig->http_path);
            c->target = malloc(n + pl + 1);
            if (c->target) {
                memcpy(c->target, ep, n);
                memcpy(c->target + n, sig->http_path, pl + 1);
            }
        }
    }
    if (!c->endpoint || !c->target)
        goto oom;

    /* Timeout. */
    if (o->timeout_ms)
        c->timeout_ms = o->timeout_ms;
    else if (otelc__cfg_str(sig->cfg_timeout)[0])
        c->timeout_ms = (uint32_t)otelc__cfg_int(sig->cfg_timeout, 10000);
    else
        c->timeout_ms = (uint32_t)otelc__cfg_int(OTELC_CFG_OTLP_TIMEOUT, 10000);

    /* Compression. */
    const char *comp = pick(o->compression, sig->cfg_compression,
                            OTELC_CFG_OTLP_COMPRESSION, &src);
    if (!strcmp(comp, "gzip"))
        c->gzip = true;
    else if (comp[0] && strcmp(comp, "none")) {
        otelc__diag(OTELC_DIAG_WARN,
                    "otlp: compression \"%s\" (from %s) is not gzip or none; "
                    "none is used",
                    comp, src);
    }

    /* TLS files. */
    const char *f;
    f = pick(o->certificate, sig->cfg_certificate, OTELC_CFG_OTLP_CERTIFICATE,
             &src);
    if (f[0] && !(c->certificate = otelc__strdup(f)))
        goto oom;
    f = pick(o->client_key, sig->cfg_client_key, OTELC_CFG_OTLP_CLIENT_KEY,
             &src);
    if (f[0] && !(c->client_key = otelc__strdup(f)))
        goto oom;
    f = pick(o->client_certificate, sig->cfg_client_certificate,
             OTELC_CFG_OTLP_CLIENT_CERTIFICATE, &src);
    if (f[0] && !(c->client_certificate = otelc__strdup(f)))
        goto oom;
    const char *files[3] = {c->certificate, c->client_key,
                            c->client_certificate};
    const char *names[3] = {"certificate", "client key", "client certificate"};
    for (int i = 0; i < 3; i++) {
        if (files[i] && access(files[i], R_OK) != 0) {
            otelc__diag(OTELC_DIAG_ERROR,
                        "otlp: cannot read the %s file %s: %s; the %s "
                        "exporter is not created",
                        names[i], files[i], strerror(errno), sig->name);
            otelc__otlp_config_free(c);
            return false;
        }
    }
    if (!c->client_key != !c->client_certificate)
        otelc__diag(OTELC_DIAG_WARN,
                    "otlp: a client key and a client certificate are needed "
                    "together for mutual TLS; neither is used");

    /* Headers: the per-signal list replaces the generic one. */
    const char *hs =
        pick(o->headers, sig->cfg_headers, OTELC_CFG_OTLP_HEADERS, &src);
    if (hs[0]) {
        hdr_acc acc = {c, false};
        const char *err = NULL;
        if (!otelc__parse_kv_list(hs, add_header, &acc, &err)) {
            otelc__diag(OTELC_DIAG_WARN,
                        "otlp: headers from %s are malformed (%s); none are "
                        "sent",
                        src, err ? err : "?");
        }
        if (acc.oom)
            goto oom;
    }
    snprintf(c->user_agent, sizeof c->user_agent,
             "OTel-OTLP-Exporter-C/" OTELC_VERSION_STRING " (otelc)");
    return true;
oom:
    otelc__diag(OTELC_DIAG_ERROR,
                "otlp: out of memory creating the %s "
                "exporter",
                sig->name);
    otelc__otlp_config_free(c);
    return false;
}

void otelc__otlp_config_free(otelc__otlp_config *c) {
    free(c->endpoint);
    free(c->target);
    free(c->certificate);
    free(c->client_key);
    free(c->client_certificate);
    for (size_t i = 0; i < c->nheaders; i++) {
        free(c->headers[i].key);
        free(c->headers[i].value);
    }
    free(c->headers);
    memset(c, 0, sizeof *c);
}

/* ---- partial success --------------------------------------------------------
 */

/* protobuf-c's allocator hooks over a small arena: unpacking a response
 * costs no malloc per field, and one free of the arena releases it. */
static void *arena_alloc_cb(void *data, size_t size) {
    return otelc__arena_alloc(data, size);
}
static void arena_free_cb(void *data, void *p) {
    (void)data;
    (void)p;
}

static void copy_msg(char *out, size_t size, const char *s, size_t n) {
    if (!size)
        return;
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static int64_t partial_protobuf(const otelc__otlp_signal *sig,
                                const uint8_t *body, size_t len, char *msg,
                                size_t msg_size) {
    otelc__arena a;
    otelc__arena_init(&a, 4096);
    ProtobufCAllocator alloc = {arena_alloc_cb, arena_free_cb, &a};
    int64_t rejected = 0;
    ProtobufCMessage *m =
        protobuf_c_message_unpack(sig->response, &alloc, len, body);
    if (!m) {
        otelc__diag(OTELC_DIAG_DEBUG,
                    "otlp: the %s response body (%zu "
                    "bytes) is not a valid protobuf "
                    "message; ignored",
                    sig->name, len);
        goto out;
    }
    /* Field 1 of the response is the partial success; its field 1 is the
     * rejected count (int64) and field 2 the message (string). */
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(sig->response, 1);
    if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
        goto out;
    const ProtobufCMessage *ps =
        *(const ProtobufCMessage *const *)((const char *)m + f->offset);
    if (!ps)
        goto out;
    const ProtobufCMessageDescriptor *pd = ps->descriptor;
    const ProtobufCFieldDescriptor *fr =
        protobuf_c_message_descriptor_get_field(pd, 1);
    const ProtobufCFieldDescriptor *fm =
        protobuf_c_message_descriptor_get_field(pd, 2);
    if (fr && fr->type == PROTOBUF_C_TYPE_INT64)
        rejected = *(const int64_t *)((const char *)ps + fr->offset);
    if (fm && fm->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(const char *const *)((const char *)ps + fm->offset);
        if (s)
            copy_msg(msg, msg_size, s, strlen(s));
    }
out:
    otelc__arena_free(&a);
    return rejected;
}

/* The value after "key": in a JSON object, or NULL. */
static const char *json_find(const char *s, const char *end, const char *key) {
    size_t kl = strlen(key);
    for (const char *p = s; p + kl + 2 <= end; p++) {
        if (*p == '"' && !memcmp(p + 1, key, kl) && p[kl + 1] == '"') {
            p += kl + 2;
            while (p < end && (isspace((unsigned char)*p) || *p == ':'))
                p++;
            return p < end ? p : NULL;
        }
    }
    return NULL;
}

static int64_t partial_json(const otelc__otlp_signal *sig, const uint8_t *body,
                            size_t len, char *msg, size_t msg_size) {
    /* The response is tiny; a scan for the two keys is enough.  Int64
     * values arrive as strings ("5") or, from lenient servers, numbers. */
    const char *s = (const char *)body, *end = s + len;
    int64_t rejected = 0;
    const char *v = json_find(s, end, sig->json_rejected_key);
    if (v) {
        if (*v == '"')
            v++;
        bool neg = v < end && *v == '-';
        if (neg)
            v++;
        while (v < end && isdigit((unsigned char)*v) &&
               rejected < INT64_MAX / 10)
            rejected = rejected * 10 + (*v++ - '0');
        if (neg)
            rejected = -rejected;
    }
    v = json_find(s, end, "errorMessage");
    if (v && *v == '"') {
        size_t o = 0;
        for (v++; v < end && *v != '"' && o + 1 < msg_size; v++) {
            if (*v == '\\' && v + 1 < end) {
                v++;
                char c = *v == 'n' ? '\n' : *v == 't' ? '\t' : *v;
                msg[o++] = c;
            } else {
                msg[o++] = *v;
            }
        }
        if (msg_size)
            msg[o] = '\0';
    }
    return rejected;
}

int64_t otelc__otlp_partial_success(const otelc__otlp_signal *sig,
                                    otelc__otlp_protocol protocol,
                                    const uint8_t *body, size_t len, char *msg,
                                    size_t msg_size) {
    if (msg_size)
        msg[0] = '\0';
    if (!body || !len)
        return 0;
    return protocol == OTELC__OTLP_HTTP_JSON
               ? partial_json(sig, body, len, msg, msg_size)
               : partial_protobuf(sig, body, len, msg, msg_size);
}

/* ---- Retry-After
 * -------------------------------------------------------------- */

static int month_index(const char *t, size_t n) {
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (n < 3)
        return -1;
    char m[3] = {(char)tolower((unsigned char)t[0]),
                 (char)tolower((unsigned char)t[1]),
                 (char)tolower((unsigned char)t[2])};
    for (int i = 0; i < 12; i++)
        if (!memcmp(months + 3 * i, m, 3))
            return i;
    return -1;
}

/* An HTTP-date in any of the three forms RFC 9110 accepts:
 *   Sun, 06 Nov 1994 08:49:37 GMT   (IMF-fixdate)
 *   Sunday, 06-Nov-94 08:49:37 GMT  (obsolete RFC 850)
 *   Sun Nov  6 08:49:37 1994        (asctime)
 * Tokens are told apart by shape, so the order does not matter. */
static bool parse_http_date(const char *s, int64_t *out) {
    int day = -1, mon = -1, year = -1, hh = -1, mm = -1, ss = -1;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '-' || *p == '\t')
            p++;
        const char *t = p;
        while (*p && *p != ' ' && *p != ',' && *p != '-' && *p != '\t')
            p++;
        size_t n = (size_t)(p - t);
        if (!n)
            break;
        if (memchr(t, ':', n)) {
            if (sscanf(t, "%2d:%2d:%2d", &hh, &mm, &ss) != 3)
                return false;
        } else if (isdigit((unsigned char)t[0])) {
            int v = 0;
            for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char)t[i]))
                    return false;
                v = v * 10 + (t[i] - '0');
            }
            if (n <= 2 && day < 0)
                day = v;
            else if (n == 2)
                year = v < 70 ? 2000 + v : 1900 + v;
            else if (n == 4)
                year = v;
            else
                return false;
        } else if (mon < 0 && month_index(t, n) >= 0 && n == 3) {
            mon = month_index(t, n);
        }
        /* Weekday names and "GMT" are ignored. */
    }
    if (day < 1 || day > 31 || mon < 0 || year < 1970 || hh < 0 || hh > 23 ||
        mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return false;
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    *out = (int64_t)timegm(&tm);
    return true;
}

uint64_t otelc__otlp_parse_retry_after(const char *value, int64_t now_unix_s) {
    if (!value)
        return 0;
    while (isspace((unsigned char)*value))
        value++;
    if (!*value)
        return 0;
    if (isdigit((unsigned char)*value)) {
        const char *p = value;
        uint64_t secs = 0;
        while (isdigit((unsigned char)*p) && secs < 86400u * 365)
            secs = secs * 10 + (uint64_t)(*p++ - '0');
        while (isspace((unsigned char)*p))
            p++;
        /* A bare number is delay-seconds; anything else must be a date. */
        if (!*p)
            return secs * 1000u;
    }
    int64_t when;
    if (!parse_http_date(value, &when) || when <= now_unix_s)
        return 0;
    return (uint64_t)(when - now_unix_s) * 1000u;
}
