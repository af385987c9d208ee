/*
 * sdk/resource.c - the resource: who is producing the telemetry.
 *
 * Built once per provider.  Sources, lowest priority first:
 * telemetry.sdk.* and host/process detectors, OTEL_RESOURCE_ATTRIBUTES
 * (percent-decoded; a malformed value is discarded whole and reported),
 * OTEL_SERVICE_NAME, then attributes given in code.  service.name is always
 * present: "unknown_service:<executable>" when nothing names the service.
 * Attributes are kept sorted by key so exporters emit them in a stable
 * order and lookups can stop early.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/span_int.h"

#include "otelc/version.h"

struct otelc_resource {
    otelc_attribute *attrs;
    size_t count;
    size_t cap;
};

static otelc_resource g_noop_resource;

/* sdk/config.c: a value made fit for a one-line diagnostic. */
const char *otelc__printable(const char *s, char *buf, size_t size);

otelc_resource *otelc__resource_noop(void) {
    return &g_noop_resource;
}

static int find(const otelc_resource *r, const char *key) {
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->attrs[i].key, key))
            return (int)i;
    return -1;
}

static void free_value(otelc_value *v) {
    if (v->type == OTELC_VALUE_STRING || v->type == OTELC_VALUE_BYTES)
        free((char *)v->u.s);
}

/* Set key to a copy of v (strings and scalars only: resources carry no
 * arrays in practice; arrays given in code are ignored with a note). */
static bool res_set(otelc_resource *r, const char *key, const otelc_value *v) {
    otelc_value nv = *v;
    if (v->type == OTELC_VALUE_STRING) {
        size_t n = v->len ? v->len : strlen(v->u.s ? v->u.s : "");
        nv.u.s = otelc__strndup(v->u.s ? v->u.s : "", n);
        nv.len = (uint32_t)n;
        if (!nv.u.s)
            return false;
    } else if (v->type != OTELC_VALUE_BOOL && v->type != OTELC_VALUE_INT &&
               v->type != OTELC_VALUE_DOUBLE) {
        otelc__diag(OTELC_DIAG_WARN,
                    "resource attribute %s: only string, bool, int and "
                    "double values are kept",
                    key);
        return true;
    }
    int i = find(r, key);
    if (i >= 0) {
        free_value(&r->attrs[i].value);
        r->attrs[i].value = nv;
        return true;
    }
    if (r->count == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 16;
        otelc_attribute *na = realloc(r->attrs, sizeof *na * ncap);
        if (!na) {
            free_value(&nv);
            return false;
        }
        r->attrs = na;
        r->cap = ncap;
    }
    char *k = otelc__strdup(key);
    if (!k) {
        free_value(&nv);
        return false;
    }
    r->attrs[r->count].key = k;
    r->attrs[r->count].value = nv;
    r->count++;
    return true;
}

static void set_str(otelc_resource *r, const char *k, const char *v) {
    otelc_value val = {OTELC_VALUE_STRING, 0, {.s = v}};
    res_set(r, k, &val);
}

static void on_env_attr(const char *k, const char *v, void *arg) {
    set_str(arg, k, v);
}

static int cmp_attr(const void *a, const void *b) {
    return strcmp(((const otelc_attribute *)a)->key,
                  ((const otelc_attribute *)b)->key);
}

static otelc_resource *build(const otelc_attribute *extra, size_t n) {
    otelc_resource *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    set_str(r, "telemetry.sdk.name", "otelc");
    set_str(r, "telemetry.sdk.language", "c");
    set_str(r, "telemetry.sdk.version", OTELC_VERSION_STRING);
    char host[256];
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        set_str(r, "host.name", host);
    }
    otelc_value pid = {OTELC_VALUE_INT, 0, {.i = getpid()}};
    res_set(r, "process.pid", &pid);
    const char *exe = otelc__exe_name();
    if (exe[0])
        set_str(r, "process.executable.name", exe);

    const char *env = otelc__cfg_str(OTELC_CFG_RESOURCE_ATTRIBUTES);
    const char *err = NULL;
    char shown[256];
    if (env[0] && !otelc__parse_kv_list(env, on_env_attr, r, &err))
        otelc__diag(OTELC_DIAG_ERROR,
                    "OTEL_RESOURCE_ATTRIBUTES=\"%s\" %s; using none of its "
                    "attributes (a malformed value is discarded whole)",
                    otelc__printable(env, shown, sizeof shown),
                    err ? err : "is malformed");
    const char *svc = otelc__cfg_str(OTELC_CFG_SERVICE_NAME);
    if (svc[0])
        set_str(r, "service.name", svc);
    for (size_t i = 0; extra && i < n; i++)
        if (extra[i].key && extra[i].key[0])
            res_set(r, extra[i].key, &extra[i].value);
    if (find(r, "service.name") < 0) {
        char buf[300];
        snprintf(buf, sizeof buf, "unknown_service%s%s", exe[0] ? ":" : "",
                 exe);
        set_str(r, "service.name", buf);
    }
    qsort(r->attrs, r->count, sizeof *r->attrs, cmp_attr);
    return r;
}

OTELC_API otelc_resource *otelc_resource_default(void) {
    return build(NULL, 0);
}

OTELC_API otelc_resource *otelc_resource_new(const otelc_attribute *attrs,
                                             size_t count) {
    return build(attrs, count);
}

OTELC_API void otelc_resource_free(otelc_resource *r) {
    if (!r || r == &g_noop_resource)
        return;
    for (size_t i = 0; i < r->count; i++) {
        free((char *)r->attrs[i].key);
        free_value(&r->attrs[i].value);
    }
    free(r->attrs);
    free(r);
}

OTELC_API const otelc_attribute *
otelc_resource_attributes(const otelc_resource *r, size_t *count) {
    if (count)
        *count = r ? r->count : 0;
    return r ? r->attrs : NULL;
}

OTELC_API const otelc_value *otelc_resource_get(const otelc_resource *r,
                                                const char *key) {
    if (!r || !key)
        return NULL;
    int i = find(r, key);
    return i >= 0 ? &r->attrs[i].value : NULL;
}

OTELC_API const char *otelc_resource_service_name(const otelc_resource *r) {
    const otelc_value *v = otelc_resource_get(r, "service.name");
    return v && v->type == OTELC_VALUE_STRING ? v->u.s : "unknown_service";
}
