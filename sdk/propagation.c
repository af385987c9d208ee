/*
 * sdk/propagation.c - carriers, the textmap carrier, propagator objects,
 * the composite, the global propagator and the propagation counters.
 *
 * The formats themselves live in propagation_w3c.c, propagation_b3.c and
 * propagation_jaeger.c; this file only dispatches.
 *
 * The global propagator is read on every request (inject and extract), so
 * reading it is two atomic loads and never a lock.  It is either the one
 * the user installed, or the composite OTEL_PROPAGATORS names, built on
 * first use under a mutex and rebuilt after otelc_init() changes the
 * configuration.  A propagator that stops being global is never freed:
 * another thread may be injecting with it at that moment, and there is no
 * cheap way to know when it is done.  It is parked on a retired list, so
 * the memory kept is bounded by the number of re-configurations.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sdk/config_int.h"
#include "sdk/propagation_int.h"
#include "sdk/span_int.h"

otelc__prop_counters otelc__prop_stats;

struct otelc_propagator {
    const otelc_propagator_ops *ops;
    void *state;
    char *name; /* composite: members' names joined; NULL = ops->name */
};

/* ---- diagnostics ------------------------------------------------------------
 */

void otelc__prop_invalid(otelc__ratelimit *rl, const char *format,
                         const char *field, const char *value,
                         const char *why) {
    otelc__prop_count(&otelc__prop_stats.invalid_headers, 1);
    if (!otelc__diag_enabled(OTELC_DIAG_INFO))
        return;
    /* The value comes from the network: show a short, printable prefix. */
    char shown[64 * 4 + 8];
    size_t o = 0, i = 0;
    for (; value && value[i] && i < 64; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            shown[o++] = (char)c;
        else
            o += (size_t)snprintf(shown + o, sizeof shown - o, "\\x%02x", c);
    }
    if (value && value[i])
        o += (size_t)snprintf(shown + o, sizeof shown - o, "...");
    shown[o] = '\0';
    otelc__diag_limited(rl, OTELC_DIAG_INFO,
                        "%s propagator: ignoring %s \"%s\": %s", format, field,
                        shown, why);
}

OTELC_API void otelc_propagation_stats_get(otelc_propagation_stats *out) {
    if (!out)
        return;
    out->extracted = atomic_load_explicit(&otelc__prop_stats.extracted,
                                          memory_order_relaxed);
    out->invalid_headers = atomic_load_explicit(
        &otelc__prop_stats.invalid_headers, memory_order_relaxed);
    out->tracestate_dropped = atomic_load_explicit(
        &otelc__prop_stats.tracestate_dropped, memory_order_relaxed);
    out->baggage_dropped = atomic_load_explicit(
        &otelc__prop_stats.baggage_dropped, memory_order_relaxed);
}

/* ---- small helpers
 * ------------------------------------------------------------ */

bool otelc__hex_to_bytes_padded(const char *s, size_t len, uint8_t *out,
                                size_t n, bool any_case) {
    if (len == 0 || len > 2 * n)
        return false;
    memset(out, 0, n);
    /* Walk from the right so that a short id lands in the low bytes. */
    for (size_t i = 0; i < len; i++) {
        int v = otelc__hexval(s[len - 1 - i], any_case);
        if (v < 0)
            return false;
        size_t byte = n - 1 - i / 2;
        out[byte] |= (uint8_t)(i % 2 ? v << 4 : v);
    }
    return true;
}

bool otelc__is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

void otelc__str_append(char **buf, size_t *len, size_t *cap, const char *s,
                       size_t n, bool *oom) {
    if (*oom)
        return;
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 64;
        while (nc < *len + n + 1)
            nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb) {
            *oom = true;
            return;
        }
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static bool is_baggage_octet(unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

void otelc__pct_encode_append(char **buf, size_t *len, size_t *cap,
                              const char *s, bool *oom) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_baggage_octet(*p) && *p != '%') {
            otelc__str_append(buf, len, cap, (const char *)p, 1, oom);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            otelc__str_append(buf, len, cap, e, 3, oom);
        }
    }
}

char *otelc__pct_decode(const char *s, size_t n) {
    char *d = malloc(n + 1), *o = d;
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        int h, l;
        /* A NUL byte (%00) would cut the C string short: refuse it. */
        if (i + 2 >= n || (h = otelc__hexval(s[i + 1], true)) < 0 ||
            (l = otelc__hexval(s[i + 2], true)) < 0 || (h == 0 && l == 0)) {
            free(d);
            return NULL;
        }
        *o++ = (char)(h << 4 | l);
        i += 2;
    }
    *o = '\0';
    return d;
}

/* ---- carriers
 * ------------------------------------------------------------------- */

static otelc__ratelimit g_set_rl;

const char *otelc__carrier_get(const otelc_carrier *c, const char *name) {
    return c && c->get ? c->get(c->user, name) : NULL;
}

typedef struct count_arg {
    const char *name;
    size_t n;
} count_arg;

static bool count_visit(void *arg, const char *name, const char *value) {
    (void)value;
    count_arg *a = arg;
    if (name && !strcasecmp(name, a->name))
        a->n++;
    return true;
}

size_t otelc__carrier_count(const otelc_carrier *c, const char *name) {
    if (!c)
        return 0;
    if (c->foreach) {
        count_arg a = {name, 0};
        c->foreach (c->user, count_visit, &a);
        return a.n;
    }
    return otelc__carrier_get(c, name) ? 1 : 0;
}

typedef struct join_arg {
    const char *name;
    char *buf;
    size_t len, cap;
    size_t n;
    bool oom;
} join_arg;

static bool join_visit(void *arg, const char *name, const char *value) {
    join_arg *a = arg;
    if (!name || !value || strcasecmp(name, a->name))
        return true;
    if (a->n++)
        otelc__str_append(&a->buf, &a->len, &a->cap, ",", 1, &a->oom);
    otelc__str_append(&a->buf, &a->len, &a->cap, value, strlen(value), &a->oom);
    /* The empty string still needs a buffer to tell "present" apart. */
    if (!a->buf && !a->oom)
        otelc__str_append(&a->buf, &a->len, &a->cap, "", 0, &a->oom);
    return !a->oom;
}

char *otelc__carrier_join(const otelc_carrier *c, const char *name, bool *oom) {
    *oom = false;
    if (!c)
        return NULL;
    if (!c->foreach) {
        const char *v = otelc__carrier_get(c, name);
        if (!v)
            return NULL;
        char *d = otelc__strdup(v);
        *oom = d == NULL;
        return d;
    }
    join_arg a = {.name = name};
    c->foreach (c->user, join_visit, &a);
    if (a.oom) {
        free(a.buf);
        *oom = true;
        return NULL;
    }
    return a.buf;
}

void otelc__carrier_set(const otelc_carrier *c, const char *name,
                        const char *value) {
    otelc_status st = c->set(c->user, name, value);
    if (st != OTELC_OK)
        otelc__diag_limited(&g_set_rl, OTELC_DIAG_WARN,
                            "propagation: the carrier could not set %s: %s",
                            name, otelc_strerror(st));
}

/* ---- textmap
 * ------------------------------------------------------------------- */

typedef struct tm_field {
    char *name;
    char *value;
} tm_field;

struct otelc_textmap {
    tm_field *f;
    size_t n, cap;
};

OTELC_API otelc_textmap *otelc_textmap_new(void) {
    return calloc(1, sizeof(otelc_textmap));
}

OTELC_API void otelc_textmap_clear(otelc_textmap *m) {
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->f[i].name);
        free(m->f[i].value);
    }
    m->n = 0;
}

OTELC_API void otelc_textmap_free(otelc_textmap *m) {
    if (!m)
        return;
    otelc_textmap_clear(m);
    free(m->f);
    free(m);
}

OTELC_API otelc_status otelc_textmap_add(otelc_textmap *m, const char *name,
                                         const char *value) {
    if (!m || !name || !value)
        return OTELC_EINVAL;
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 8;
        tm_field *nf = realloc(m->f, nc * sizeof *nf);
        if (!nf)
            return OTELC_ENOMEM;
        m->f = nf;
        m->cap = nc;
    }
    char *n = otelc__strdup(name), *v = otelc__strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return OTELC_ENOMEM;
    }
    m->f[m->n++] = (tm_field){n, v};
    return OTELC_OK;
}

OTELC_API otelc_status otelc_textmap_set(otelc_textmap *m, const char *name,
                                         const char *value) {
    if (!m || !name || !value)
        return OTELC_EINVAL;
    size_t o = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (!strcasecmp(m->f[i].name, name)) {
            free(m->f[i].name);
            free(m->f[i].value);
        } else {
            m->f[o++] = m->f[i];
        }
    }
    m->n = o;
    return otelc_textmap_add(m, name, value);
}

OTELC_API const char *otelc_textmap_get(const otelc_textmap *m,
                                        const char *name) {
    if (!m || !name)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (!strcasecmp(m->f[i].name, name))
            return m->f[i].value;
    return NULL;
}

OTELC_API size_t otelc_textmap_count(const otelc_textmap *m) {
    return m ? m->n : 0;
}

OTELC_API bool otelc_textmap_entry(const otelc_textmap *m, size_t i,
                                   const char **name, const char **value) {
    if (!m || i >= m->n)
        return false;
    if (name)
        *name = m->f[i].name;
    if (value)
        *value = m->f[i].value;
    return true;
}

static const char *tm_get(void *u, const char *name) {
    return otelc_textmap_get(u, name);
}
static otelc_status tm_set(void *u, const char *name, const char *value) {
    return otelc_textmap_set(u, name, value);
}
static void tm_foreach(void *u, otelc_carrier_visit_fn fn, void *arg) {
    otelc_textmap *m = u;
    for (size_t i = 0; i < m->n; i++)
        if (!fn(arg, m->f[i].name, m->f[i].value))
            break;
}

OTELC_API otelc_carrier otelc_textmap_carrier(otelc_textmap *m) {
    return (otelc_carrier){tm_get, tm_set, tm_foreach, m};
}

/* ---- contexts
 * ------------------------------------------------------------------ */

void otelc__context_current_view(otelc_context *out) {
    memset(out, 0, sizeof *out);
    otelc__thread *t = otelc__tls;
    if (!t || !t->depth)
        return;
    const otelc__ctx_entry *e = &t->stack[t->depth - 1];
    if (e->span) {
        out->sc = e->span->d.context;
        out->tstate = e->span->tstate;
    } else if (e->ctx) {
        out->sc = e->ctx->sc;
        out->tstate = e->ctx->tstate;
    }
    out->baggage = e->baggage;
}

otelc_context *otelc__context_extracted(const otelc_span_context *sc,
                                        const char *tracestate,
                                        const otelc_baggage *baggage) {
    bool valid = sc && otelc_span_context_is_valid(sc);
    if (!valid && !otelc_baggage_count(baggage))
        return NULL;
    otelc_span_context r;
    if (valid) {
        r = *sc;
        r.is_remote = true;
    }
    return otelc_context_new(valid ? &r : NULL, valid ? tracestate : NULL,
                             otelc_baggage_count(baggage) ? baggage : NULL);
}

/* ---- propagator objects
 * ------------------------------------------------------- */

static void none_inject(void *st, const otelc_context *ctx,
                        const otelc_carrier *c) {
    (void)st;
    (void)ctx;
    (void)c;
}
static otelc_context *none_extract(void *st, const otelc_carrier *c) {
    (void)st;
    (void)c;
    return NULL;
}
static const otelc_propagator_ops none_ops = {"none", none_inject, none_extract,
                                              NULL, NULL};
/* Returned by otelc_propagator_global() if even building the configured
 * composite fails (memory exhausted): the global is never NULL. */
static otelc_propagator g_none = {&none_ops, NULL, NULL};

OTELC_API otelc_propagator *
otelc_propagator_new(const otelc_propagator_ops *ops, void *state) {
    otelc_propagator *p = NULL;
    if (ops && ops->inject && ops->extract)
        p = calloc(1, sizeof *p);
    if (!p) {
        if (ops && ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    p->ops = ops;
    p->state = state;
    return p;
}

OTELC_API void otelc_propagator_free(otelc_propagator *p) {
    if (!p || p == &g_none)
        return;
    if (p->ops->free_state)
        p->ops->free_state(p->state);
    free(p->name);
    free(p);
}

OTELC_API const char *otelc_propagator_name(const otelc_propagator *p) {
    if (!p)
        return "";
    return p->name ? p->name : p->ops->name ? p->ops->name : "";
}

OTELC_API otelc_propagator *otelc_propagator_create(const char *name,
                                                    otelc_status *st) {
    static const struct {
        const char *name;
        const otelc_propagator_ops *ops;
    } builtin[] = {
        {"tracecontext", &otelc__tracecontext_ops},
        {"baggage", &otelc__baggage_ops},
        {"b3", &otelc__b3_ops},
        {"b3multi", &otelc__b3multi_ops},
        {"jaeger", &otelc__jaeger_ops},
        {"none", &none_ops},
    };
    otelc_status dummy;
    if (!st)
        st = &dummy;
    if (!name) {
        *st = OTELC_EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < OTELC_ARRAY_LEN(builtin); i++) {
        if (!strcmp(builtin[i].name, name)) {
            otelc_propagator *p = otelc_propagator_new(builtin[i].ops, NULL);
            *st = p ? OTELC_OK : OTELC_ENOMEM;
            return p;
        }
    }
    if (!strcmp(name, "xray") || !strcmp(name, "ottrace")) {
        otelc__diag(OTELC_DIAG_WARN,
                    "propagator \"%s\" is defined by OpenTelemetry but not "
                    "implemented by otelc; its headers are neither read nor "
                    "written (use tracecontext, baggage, b3, b3multi or "
                    "jaeger)",
                    name);
        *st = OTELC_EUNSUPPORTED;
        return NULL;
    }
    otelc__diag(OTELC_DIAG_WARN,
                "unknown propagator \"%s\" (known: "
                "tracecontext, baggage, b3, b3multi, jaeger, "
                "none)",
                name);
    *st = OTELC_ENOTFOUND;
    return NULL;
}

/* ---- composite
 * ------------------------------------------------------------------ */

typedef struct composite {
    otelc_propagator **m;
    size_t n;
    const char **fields; /* NULL-terminated union of the members' fields */
} composite;

static void composite_inject(void *st, const otelc_context *ctx,
                             const otelc_carrier *c) {
    composite *cp = st;
    for (size_t i = 0; i < cp->n; i++)
        cp->m[i]->ops->inject(cp->m[i]->state, ctx, c);
}

/* Add base's entries to *acc unless *acc already has them (earlier
 * propagators win).  Returns false when memory ran out. */
static bool merge_baggage(otelc_baggage **acc, const otelc_baggage *add) {
    size_t n = otelc_baggage_count(add);
    if (!n)
        return true;
    if (!*acc) {
        *acc = otelc_baggage_ref(add);
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        const char *k, *v, *md;
        otelc_baggage_entry(add, i, &k, &v, &md);
        if (otelc_baggage_get(*acc, k))
            continue;
        otelc_baggage *nb = otelc_baggage_set(*acc, k, v, md);
        if (!nb)
            return false;
        otelc_baggage_free(*acc);
        *acc = nb;
    }
    return true;
}

static otelc_context *composite_extract(void *st, const otelc_carrier *c) {
    composite *cp = st;
    otelc_context *span_from = NULL;
    otelc_baggage *bag = NULL;
    bool oom = false;
    for (size_t i = 0; i < cp->n && !oom; i++) {
        otelc_context *r = cp->m[i]->ops->extract(cp->m[i]->state, c);
        if (!r)
            continue;
        if (!span_from && otelc_span_context_is_valid(&r->sc)) {
            span_from = r;
        }
        oom = !merge_baggage(&bag, r->baggage);
        if (r != span_from)
            otelc_context_free(r);
    }
    otelc_context *out = NULL;
    if (!oom)
        out = otelc__context_extracted(
            span_from ? &span_from->sc : NULL,
            span_from ? otelc_context_trace_state(span_from) : NULL, bag);
    otelc_context_free(span_from);
    otelc_baggage_free(bag);
    return out;
}

static const char *const *composite_fields(void *st) {
    return ((composite *)st)->fields;
}

static void composite_free(void *st) {
    composite *cp = st;
    if (!cp)
        return;
    for (size_t i = 0; i < cp->n; i++)
        otelc_propagator_free(cp->m[i]);
    free(cp->m);
    free(cp->fields);
    free(cp);
}

static const otelc_propagator_ops composite_ops = {
    "composite", composite_inject, composite_extract, composite_fields,
    composite_free};

OTELC_API otelc_propagator *
otelc_propagator_composite_new(otelc_propagator *const *list, size_t count) {
    composite *cp = calloc(1, sizeof *cp);
    size_t nf = 0;
    for (size_t i = 0; list && i < count; i++) {
        const otelc_propagator *m = list[i];
        const char *const *f =
            m && m->ops->fields ? m->ops->fields(m->state) : NULL;
        for (; f && *f; f++)
            nf++;
    }
    if (cp) {
        cp->m = calloc(count ? count : 1, sizeof *cp->m);
        cp->fields = calloc(nf + 1, sizeof *cp->fields);
    }
    if (!cp || !cp->m || !cp->fields) {
        if (cp) {
            free(cp->m);
            free(cp->fields);
            free(cp);
        }
        for (size_t i = 0; list && i < count; i++)
            otelc_propagator_free(list[i]);
        return NULL;
    }
    size_t namelen = 1;
    for (size_t i = 0; list && i < count; i++) {
        if (!list[i])
            continue;
        cp->m[cp->n++] = list[i];
        namelen += strlen(otelc_propagator_name(list[i])) + 1;
        const char *const *f =
            list[i]->ops->fields ? list[i]->ops->fields(list[i]->state) : NULL;
        for (; f && *f; f++) {
            bool dup = false;
            for (size_t j = 0; cp->fields[j]; j++)
                if (!strcasecmp(cp->fields[j], *f))
                    dup = true;
            if (!dup) {
                size_t j = 0;
                while (cp->fields[j])
                    j++;
                cp->fields[j] = *f;
            }
        }
    }
    char *name = malloc(namelen);
    otelc_propagator *p = otelc_propagator_new(&composite_ops, cp);
    if (!p || !name) {
        free(name);
        otelc_propagator_free(p);
        return NULL;
    }
    name[0] = '\0';
    for (size_t i = 0; i < cp->n; i++) {
        if (i)
            strcat(name, ",");
        strcat(name, otelc_propagator_name(cp->m[i]));
    }
    p->name = name;
    return p;
}

OTELC_API size_t otelc_propagator_fields(const otelc_propagator *p,
                                         const char **out, size_t max) {
    if (!p || !p->ops->fields)
        return 0;
    const char *const *f = p->ops->fields(p->state);
    size_t n = 0;
    for (; f && f[n]; n++)
        if (out && n < max)
            out[n] = f[n];
    return n;
}

OTELC_API otelc_propagator *otelc_propagator_from_config(void) {
    const char *list = otelc__cfg_str(OTELC_CFG_PROPAGATORS);
    otelc_propagator *m[16];
    size_t n = 0;
    bool none = false;
    while (*list && n < OTELC_ARRAY_LEN(m)) {
        const char *e = strchr(list, ',');
        size_t len = e ? (size_t)(e - list) : strlen(list);
        char name[32];
        if (len && len < sizeof name) {
            memcpy(name, list, len);
            name[len] = '\0';
            if (!strcmp(name, "none")) {
                none = true;
            } else {
                /* Unknown names were already reported (and removed) by the
                 * configuration loader; xray/ottrace are reported here. */
                otelc_propagator *p = otelc_propagator_create(name, NULL);
                if (p)
                    m[n++] = p;
            }
        }
        if (!e)
            break;
        list = e + 1;
    }
    if (none && n)
        otelc__diag(OTELC_DIAG_WARN,
                    "OTEL_PROPAGATORS: \"none\" is listed with other "
                    "propagators; \"none\" is ignored and the others are "
                    "used");
    return otelc_propagator_composite_new(m, n);
}

/* ---- inject / extract
 * --------------------------------------------------------- */

OTELC_API void otelc_propagator_inject(const otelc_propagator *p,
                                       const otelc_context *ctx,
                                       const otelc_carrier *carrier) {
    if (!carrier || !carrier->set)
        return;
    if (!p)
        p = otelc_propagator_global();
    otelc_context view;
    if (!ctx) {
        otelc__context_current_view(&view);
        ctx = &view;
    }
    p->ops->inject(p->state, ctx, carrier);
}

OTELC_API otelc_context *
otelc_propagator_extract(const otelc_propagator *p,
                         const otelc_carrier *carrier) {
    if (!carrier || !carrier->get)
        return NULL;
    if (!p)
        p = otelc_propagator_global();
    otelc_context *c = p->ops->extract(p->state, carrier);
    if (c && otelc_span_context_is_valid(&c->sc))
        otelc__prop_count(&otelc__prop_stats.extracted, 1);
    return c;
}

OTELC_API otelc_status
otelc_propagation_inject_current(const otelc_carrier *carrier) {
    if (!carrier || !carrier->set)
        return OTELC_EINVAL;
    otelc_propagator_inject(NULL, NULL, carrier);
    return OTELC_OK;
}

OTELC_API otelc_context *
otelc_propagation_extract(const otelc_carrier *carrier) {
    return otelc_propagator_extract(NULL, carrier);
}

/* ---- the global propagator
 * ---------------------------------------------------- */

typedef struct retired {
    otelc_propagator *p;
    struct retired *next;
} retired;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(otelc_propagator *) g_user;
static _Atomic(otelc_propagator *) g_config;
static retired *g_retired; /* reachable, so leak checkers stay quiet */

/* Caller holds g_lock. */
static void retire(otelc_propagator *p) {
    if (!p || p == &g_none)
        return;
    retired *r = malloc(sizeof *r);
    if (!r)
        return; /* leaked rather than freed under a reader */
    r->p = p;
    r->next = g_retired;
    g_retired = r;
}

OTELC_API const otelc_propagator *otelc_propagator_global(void) {
    otelc_propagator *p = atomic_load_explicit(&g_user, memory_order_acquire);
    if (OTELC_LIKELY(p != NULL))
        return p;
    p = atomic_load_explicit(&g_config, memory_order_acquire);
    if (OTELC_LIKELY(p != NULL))
        return p;
    pthread_mutex_lock(&g_lock);
    p = atomic_load_explicit(&g_config, memory_order_relaxed);
    if (!p) {
        p = otelc_propagator_from_config();
        if (!p)
            p = &g_none;
        atomic_store_explicit(&g_config, p, memory_order_release);
    }
    pthread_mutex_unlock(&g_lock);
    return p;
}

OTELC_API void otelc_propagator_set_global(otelc_propagator *p) {
    pthread_mutex_lock(&g_lock);
    otelc_propagator *old =
        atomic_exchange_explicit(&g_user, p, memory_order_acq_rel);
    if (old != p)
        retire(old);
    pthread_mutex_unlock(&g_lock);
}

void otelc__propagation_reload(void) {
    pthread_mutex_lock(&g_lock);
    retire(atomic_exchange_explicit(&g_config, NULL, memory_order_acq_rel));
    pthread_mutex_unlock(&g_lock);
}
