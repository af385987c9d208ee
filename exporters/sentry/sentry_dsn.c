/*
 * exporters/sentry/sentry_dsn.c - parsing a Sentry DSN.
 *
 *   {scheme}://{public_key}[:{secret_key}]@{host}[:{port}][/{path}]/{project_id}
 *
 * gives the envelope endpoint {scheme}://{host}[:{port}][/{path}]/api/
 * {project_id}/envelope/ and the key for the X-Sentry-Auth header.  The
 * parser is strict so that a typo is caught at otelc_init() with a precise
 * diagnostic instead of producing 404s later: http or https only, a
 * non-empty alphanumeric public key, a host name or IPv6 literal, a port
 * in 1..65535, a numeric project id as the last path segment, and no
 * query, fragment, whitespace or control characters.  The diagnostics
 * built from it never contain the keys.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sdk/errors_int.h"

static bool all(const char *s, size_t n, int (*pred)(int)) {
    for (size_t i = 0; i < n; i++)
        if (!pred((unsigned char)s[i]))
            return false;
    return true;
}

bool otelc__sentry_dsn_parse(const char *dsn, otelc__sentry_dsn *out,
                             const char **why) {
    memset(out, 0, sizeof *out);
    *why = NULL;
    if (!dsn || !dsn[0]) {
        *why = "the DSN is empty";
        return false;
    }
    for (const char *c = dsn; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f) {
            *why = "the DSN contains whitespace or control characters";
            return false;
        }
    const char *sep = strstr(dsn, "://");
    if (!sep) {
        *why = "no scheme: expected https://PUBLIC_KEY@HOST/PROJECT_ID";
        return false;
    }
    size_t sl = (size_t)(sep - dsn);
    const char *scheme;
    if (sl == 5 && !strncasecmp(dsn, "https", 5))
        scheme = "https";
    else if (sl == 4 && !strncasecmp(dsn, "http", 4))
        scheme = "http";
    else {
        *why = "the scheme is not http or https";
        return false;
    }
    if (strpbrk(dsn, "?#")) {
        *why = "the DSN has a query or fragment";
        return false;
    }
    const char *auth = sep + 3;
    const char *slash = strchr(auth, '/');
    size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
    const char *at = NULL;
    for (const char *c = auth; c < auth + alen; c++)
        if (*c == '@')
            at = c;
    if (!at) {
        *why = "no public key before '@' (expected "
               "https://PUBLIC_KEY@HOST/PROJECT_ID)";
        return false;
    }
    /* user info: public[:secret] */
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    size_t pkl = colon ? (size_t)(colon - auth) : (size_t)(at - auth);
    if (!pkl) {
        *why = "the public key before '@' is empty";
        return false;
    }
    if (pkl >= sizeof out->public_key || !all(auth, pkl, isalnum)) {
        *why = "the public key is not letters and digits (at most 127)";
        return false;
    }
    memcpy(out->public_key, auth, pkl);
    if (colon) {
        size_t skl = (size_t)(at - colon - 1);
        if (skl >= sizeof out->secret_key || !all(colon + 1, skl, isalnum)) {
            *why = "the secret key is not letters and digits (at most 127)";
            return false;
        }
        memcpy(out->secret_key, colon + 1, skl);
    }
    /* host[:port], with [v6] literals */
    const char *host = at + 1, *hend = auth + alen;
    const char *port = NULL;
    if (host < hend && *host == '[') {
        const char *rb = memchr(host, ']', (size_t)(hend - host));
        if (!rb) {
            *why = "an IPv6 host without its closing ']'";
            return false;
        }
        if (rb + 1 < hend) {
            if (rb[1] != ':') {
                *why = "unexpected characters after the IPv6 host";
                return false;
            }
            port = rb + 2;
        }
        hend = port ? rb + 1 : hend;
    } else {
        const char *pc = memchr(host, ':', (size_t)(hend - host));
        if (pc) {
            port = pc + 1;
            hend = pc;
        }
    }
    if (hend == host) {
        *why = "no host after '@'";
        return false;
    }
    /* A host name (letters, digits, '.', '-', '_') or an IPv6 literal. */
    for (const char *c = host; c < hend; c++) {
        unsigned char ch = (unsigned char)*c;
        bool ok = isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
        if (*host == '[')
            ok = isxdigit(ch) || ch == ':' || ch == '.' ||
                 (c == host && ch == '[') || (c == hend - 1 && ch == ']');
        if (!ok) {
            *why = "the host has characters a host name cannot have";
            return false;
        }
    }
    if (port) {
        const char *pe = auth + alen;
        size_t pl = (size_t)(pe - port);
        if (!pl || pl > 5 || !all(port, pl, isdigit) || atoi(port) < 1 ||
            atoi(port) > 65535) {
            *why = "the port is not a number in 1..65535";
            return false;
        }
    }
    /* path: [/prefix]/project_id */
    if (!slash || !slash[1]) {
        *why = "no project id: the path must end with /PROJECT_ID";
        return false;
    }
    const char *path = slash;
    size_t plen = strlen(path);
    if (path[plen - 1] == '/') {
        *why = "the DSN ends with '/': the last path segment must be the "
               "project id";
        return false;
    }
    const char *last = strrchr(path, '/') + 1;
    size_t idl = strlen(last);
    if (!all(last, idl, isdigit) || idl >= sizeof out->project_id) {
        *why = "the project id (the last path segment) is not a number";
        return false;
    }
    memcpy(out->project_id, last, idl);
    size_t prefix = (size_t)(last - 1 - path); /* "/path" before "/ID" */
    int n = snprintf(out->origin, sizeof out->origin, "%s://%.*s", scheme,
                     (int)((auth + alen) - (at + 1)), at + 1);
    if (n < 0 || (size_t)n >= sizeof out->origin) {
        *why = "the host is too long";
        return false;
    }
    n = snprintf(out->endpoint, sizeof out->endpoint, "%s%.*s/api/%s/envelope/",
                 out->origin, (int)prefix, path, out->project_id);
    if (n < 0 || (size_t)n >= sizeof out->endpoint) {
        *why = "the DSN is too long";
        return false;
    }
    return true;
}
