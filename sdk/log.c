/*
 * sdk/log.c - the calling-thread side of logging: loggers and their
 * thresholds, sampling and filters, bound context, and packing a record
 * into one block that the log worker can format without touching the
 * caller's memory again.
 *
 * Cost.  The macros test the level inline (otelc_log_enabled).  Past that,
 * a record costs: a few loads for sampling and filters, one clock read,
 * the current span context from the thread's stack, two passes over the
 * fields (sizes, then copies) and a push onto a per-thread SPSC ring.  No
 * lock, no atomic read-modify-write, no malloc in the common case: the
 * block comes from the thread's current 64 KiB chunk (see sdk/log_int.h for
 * how chunks are recycled without a lock).
 *
 * Loggers live for the whole process (callers keep the pointers, and the
 * inline test dereferences them).  Their thresholds are recomputed from
 * configuration at every otelc_init() and set to OFF at otelc_shutdown(),
 * under g_lock, which no hot path takes.  Filter lists are immutable and
 * replaced as a whole; replaced lists are kept (retired) because a caller
 * may still be running one.
 *
 * Invariants.  Every string of a packed record is NUL-terminated and lies
 * inside the record's block; attribute strings carry their length.  The
 * bound-context buffer holds each key and string value NUL-terminated, in
 * push order, so popping is truncation.
 */
#include <ctype.h>
#include <errno.h>
#include <execinfo.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/config_int.h"
#include "sdk/log_int.h"
#include "sdk/span_int.h"

/* ---- loggers ------------------------------------------------------------- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

#define ALL OTELC__LOG_SAMPLE_ALL
static otelc_logger g_root = {
    .head = {OTELC_LOG_OFF},
    .configured = OTELC_LOG_INFO,
    .sample = {ALL, ALL, ALL, ALL, ALL, ALL},
    .own_rate = {-1, -1, -1, -1, -1, -1},
    .scope = {"root", ""},
};
static otelc_logger *g_loggers = &g_root;
static bool g_running;

/* From configuration (LOG_LEVEL, LOG_LEVELS, LOG_SAMPLING) at start. */
typedef struct level_rule {
    char *prefix;
    unsigned level;
} level_rule;
static unsigned g_default_level = OTELC_LOG_INFO;
static level_rule *g_rules;
static size_t g_nrules;
static double g_cfg_rate[OTELC__LOG_NLEVELS] = {1, 1, 1, 1, 1, 1};
static double g_api_rate[OTELC__LOG_NLEVELS] = {-1, -1, -1, -1, -1, -1};

static _Atomic(otelc__log_filters *) g_filters; /* for every logger */
static otelc__log_filters *g_retired_filters;

static const char *const g_level_names[OTELC__LOG_NLEVELS] = {
    "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

OTELC_API const char *otelc_log_level_name(otelc_log_level level) {
    unsigned l = (unsigned)level;
    if (l >= 1 && l <= 24)
        return g_level_names[(l - 1) / 4];
    return l == 0 ? "INHERIT" : "OFF";
}

/* The threshold configuration gives `name`: the longest rule that is the
 * name or a dot-separated prefix of it, else LOG_LEVEL.  g_lock held. */
static unsigned configured_level(const char *name) {
    size_t best = 0;
    unsigned lvl = g_default_level;
    size_t nl = strlen(name);
    for (size_t i = 0; i < g_nrules; i++) {
        size_t pl = strlen(g_rules[i].prefix);
        if (pl > nl || memcmp(g_rules[i].prefix, name, pl) ||
            (pl < nl && name[pl] != '.'))
            continue;
        if (pl >= best) {
            best = pl;
            lvl = g_rules[i].level;
        }
    }
    return lvl;
}

static uint64_t rate_threshold(double r) {
    if (r >= 1.0)
        return ALL;
    if (r <= 0.0)
        return 0;
    return (uint64_t)(r * 4294967296.0);
}

/* Recompute one logger's effective values.  g_lock held. */
static void logger_update(otelc_logger *l) {
    unsigned cfg =
        l->explicit_level ? l->explicit_level : configured_level(l->scope.name);
    l->configured = (unsigned char)cfg;
    __atomic_store_n(&l->head.threshold,
                     (unsigned char)(g_running ? cfg : OTELC_LOG_OFF),
                     __ATOMIC_RELAXED);
    for (int i = 0; i < OTELC__LOG_NLEVELS; i++) {
        double r = l->own_rate[i] >= 0  ? l->own_rate[i]
                   : g_api_rate[i] >= 0 ? g_api_rate[i]
                                        : g_cfg_rate[i];
        atomic_store_explicit(&l->sample[i], rate_threshold(r),
                              memory_order_relaxed);
    }
}

OTELC_API otelc_logger *otelc_logger_root(void) {
    return &g_root;
}

OTELC_API otelc_logger *otelc_logger_get(const char *name) {
    if (!name || !name[0])
        return &g_root;
    pthread_mutex_lock(&g_lock);
    for (otelc_logger *l = g_loggers; l; l = l->next)
        if (!strcmp(l->scope.name, name)) {
            pthread_mutex_unlock(&g_lock);
            return l;
        }
    otelc_logger *l = calloc(1, sizeof *l);
    char *copy = otelc__strdup(name);
    if (!l || !copy) {
        free(l);
        free(copy);
        pthread_mutex_unlock(&g_lock);
        otelc__diag(OTELC_DIAG_ERROR,
                    "otelc_logger_get(\"%s\"): out of "
                    "memory; using the root logger",
                    name);
        return &g_root;
    }
    l->scope.name = copy;
    l->scope.version = "";
    for (int i = 0; i < OTELC__LOG_NLEVELS; i++)
        l->own_rate[i] = -1;
    logger_update(l);
    l->next = g_loggers;
    g_loggers = l;
    pthread_mutex_unlock(&g_lock);
    return l;
}

OTELC_API const char *otelc_logger_name(const otelc_logger *l) {
    return l ? l->scope.name : g_root.scope.name;
}

OTELC_API void otelc_logger_set_level(otelc_logger *l, otelc_log_level level) {
    if (!l)
        l = &g_root;
    unsigned v = (unsigned)level;
    if (v > OTELC_LOG_OFF)
        v = OTELC_LOG_OFF;
    pthread_mutex_lock(&g_lock);
    l->explicit_level = (unsigned char)v;
    logger_update(l);
    pthread_mutex_unlock(&g_lock);
}

OTELC_API otelc_log_level otelc_logger_get_level(const otelc_logger *l) {
    if (!l)
        l = &g_root;
    pthread_mutex_lock(&g_lock);
    otelc_log_level v = (otelc_log_level)l->configured;
    pthread_mutex_unlock(&g_lock);
    return v;
}

/* ---- "name=value,..." settings (parsed by sdk/log_parse.c) --------------- */

static bool parse_level_n(const char *v, size_t n, unsigned *out) {
    char buf[16];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    otelc_log_level l;
    if (otelc_log_level_parse(buf, &l) != OTELC_OK)
        return false;
    *out = (unsigned)l;
    return true;
}

static bool on_level_rule(const char *name, size_t nlen, const char *value,
                          size_t vlen, void *arg) {
    (void)arg;
    unsigned lvl;
    if (!parse_level_n(value, vlen, &lvl))
        return false;
    level_rule *r = realloc(g_rules, sizeof *r * (g_nrules + 1));
    if (!r)
        return true;
    g_rules = r;
    char *p = otelc__strndup(name, nlen);
    if (!p)
        return true;
    g_rules[g_nrules].prefix = p;
    g_rules[g_nrules].level = lvl;
    g_nrules++;
    return true;
}

static bool on_rate(const char *name, size_t nlen, const char *value,
                    size_t vlen, void *arg) {
    double *rates = arg;
    unsigned lvl;
    if (!parse_level_n(name, nlen, &lvl) || lvl == OTELC_LOG_OFF)
        return false;
    char buf[64];
    if (vlen >= sizeof buf)
        return false;
    memcpy(buf, value, vlen);
    buf[vlen] = '\0';
    double r;
    if (!otelc__parse_double(buf, &r) || !(r >= 0.0 && r <= 1.0))
        return false;
    rates[otelc__log_level_index(lvl)] = r;
    return true;
}

/* Read LOG_LEVEL, LOG_LEVELS and LOG_SAMPLING.  g_lock held. */
static void load_config(void) {
    otelc_log_level def;
    const char *ll = otelc__cfg_str(OTELC_CFG_LOG_LEVEL);
    g_default_level = otelc_log_level_parse(ll, &def) == OTELC_OK
                          ? (unsigned)def
                          : OTELC_LOG_INFO;
    for (size_t i = 0; i < g_nrules; i++)
        free(g_rules[i].prefix);
    free(g_rules);
    g_rules = NULL;
    g_nrules = 0;
    const char *rules = otelc__cfg_str(OTELC_CFG_LOG_LEVELS);
    const char *err = NULL;
    if (!otelc__log_parse_pairs(rules, strlen(rules), on_level_rule, NULL,
                                &err)) {
        /* Keep the rules before the bad member: the operator sees which
         * one was refused and the rest still applies. */
        otelc__diag(OTELC_DIAG_WARN,
                    "LOG_LEVELS=\"%s\": %s (expected name=LEVEL,...); the "
                    "members after it are ignored",
                    rules, err);
    }
    double rates[OTELC__LOG_NLEVELS] = {1, 1, 1, 1, 1, 1};
    const char *samp = otelc__cfg_str(OTELC_CFG_LOG_SAMPLING);
    if (!otelc__log_parse_pairs(samp, strlen(samp), on_rate, rates, &err)) {
        otelc__diag(OTELC_DIAG_WARN,
                    "LOG_SAMPLING=\"%s\": %s (expected LEVEL=rate with a rate "
                    "in [0,1],...); the members after it are ignored, other "
                    "levels keep rate 1",
                    samp, err);
    }
    memcpy(g_cfg_rate, rates, sizeof rates);
}

void otelc__log_loggers_apply(bool running) {
    pthread_mutex_lock(&g_lock);
    g_running = running;
    if (running)
        load_config();
    for (otelc_logger *l = g_loggers; l; l = l->next)
        logger_update(l);
    pthread_mutex_unlock(&g_lock);
}

OTELC_API otelc_status otelc_log_set_sample_rate(otelc_logger *l,
                                                 otelc_log_level level,
                                                 double rate) {
    unsigned v = (unsigned)level;
    if (v < 1 || v > 24 || !(rate >= 0.0 && rate <= 1.0))
        return OTELC_EINVAL;
    unsigned i = otelc__log_level_index(v);
    pthread_mutex_lock(&g_lock);
    if (l) {
        l->own_rate[i] = rate;
        logger_update(l);
    } else {
        g_api_rate[i] = rate;
        for (otelc_logger *x = g_loggers; x; x = x->next)
            logger_update(x);
    }
    pthread_mutex_unlock(&g_lock);
    return OTELC_OK;
}

/* ---- filters ------------------------------------------------------------- */

static void retire_filters(otelc__log_filters *f) {
    if (f) {
        f->retired_next = g_retired_filters;
        g_retired_filters = f;
    }
}

OTELC_API otelc_status otelc_log_add_filter(otelc_logger *l, unsigned mask,
                                            otelc_log_filter_fn fn, void *arg) {
    if (!fn || !(mask & OTELC_LOG_MASK_ALL))
        return OTELC_EINVAL;
    _Atomic(otelc__log_filters *) *slot = l ? &l->filters : &g_filters;
    pthread_mutex_lock(&g_lock);
    otelc__log_filters *old = atomic_load(slot);
    size_t n = old ? old->n : 0;
    otelc__log_filters *nf = malloc(sizeof *nf + sizeof nf->f[0] * (n + 1));
    if (!nf) {
        pthread_mutex_unlock(&g_lock);
        return OTELC_ENOMEM;
    }
    nf->n = n + 1;
    nf->retired_next = NULL;
    if (n)
        memcpy(nf->f, old->f, sizeof nf->f[0] * n);
    nf->f[n] = (otelc__log_filter){mask & OTELC_LOG_MASK_ALL, fn, arg};
    atomic_store_explicit(slot, nf, memory_order_release);
    retire_filters(old);
    pthread_mutex_unlock(&g_lock);
    return OTELC_OK;
}

OTELC_API void otelc_log_clear_filters(otelc_logger *l) {
    _Atomic(otelc__log_filters *) *slot = l ? &l->filters : &g_filters;
    pthread_mutex_lock(&g_lock);
    retire_filters(atomic_exchange(slot, NULL));
    pthread_mutex_unlock(&g_lock);
}

OTELC_API const otelc_value *otelc_log_field_find(const otelc_attribute *f,
                                                  size_t n, const char *key) {
    if (!f || !key)
        return NULL;
    for (size_t i = n; i-- > 0;)
        if (f[i].key && !strcmp(f[i].key, key))
            return &f[i].value;
    return NULL;
}

static bool run_filters(const otelc__log_filters *fl,
                        const otelc_log_filter_input *in, unsigned bit) {
    for (size_t i = 0; i < fl->n; i++)
        if ((fl->f[i].mask & bit) && !fl->f[i].fn(in, fl->f[i].arg))
            return false;
    return true;
}

/* ---- per-thread state and chunks ----------------------------------------- */

static pthread_mutex_t g_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static otelc__log_thread *g_threads;

static __attribute__((noinline)) otelc__log_thread *
log_thread_create(otelc__thread *t) {
    otelc__log_thread *lt = calloc(1, sizeof *lt);
    if (!lt)
        return NULL;
    pthread_mutex_lock(&g_threads_lock);
    lt->next_all = g_threads;
    g_threads = lt;
    pthread_mutex_unlock(&g_threads_lock);
    t->log = lt;
    return lt;
}

static inline otelc__log_thread *log_thread(otelc__thread *t) {
    return OTELC_LIKELY(t->log != NULL) ? t->log : log_thread_create(t);
}

void otelc__log_thread_exit(otelc__log_thread *lt) {
    /* Scopes left open by a thread that exited inside them (pthread_exit,
     * longjmp) must not leak into the thread that adopts this state. */
    lt->ctx_n = 0;
    lt->ctx_len = 0;
}

void otelc__log_thread_counters(uint64_t *sampled, uint64_t *filtered,
                                uint64_t *truncated, uint64_t *waits,
                                uint64_t *nomem) {
    uint64_t s = 0, f = 0, t = 0, w = 0, m = 0;
    pthread_mutex_lock(&g_threads_lock);
    for (otelc__log_thread *lt = g_threads; lt; lt = lt->next_all) {
        s += atomic_load_explicit(&lt->sampled_out, memory_order_relaxed);
        f += atomic_load_explicit(&lt->filtered_out, memory_order_relaxed);
        t += atomic_load_explicit(&lt->truncated, memory_order_relaxed);
        w += atomic_load_explicit(&lt->waits, memory_order_relaxed);
        m += atomic_load_explicit(&lt->nomem, memory_order_relaxed);
    }
    pthread_mutex_unlock(&g_threads_lock);
    *sampled = s;
    *filtered = f;
    *truncated = t;
    *waits = w;
    *nomem = m;
}

static inline void count(_Atomic uint64_t *c) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Spare chunks kept per thread beyond those in use; more are freed. */
#define MAX_SPARE 8

static void chunk_recycle(otelc__log_chunk *c) {
    otelc__log_thread *o = c->owner;
    otelc__log_chunk *old =
        atomic_load_explicit(&o->returned, memory_order_relaxed);
    do {
        c->next = old;
    } while (!atomic_compare_exchange_weak_explicit(
        &o->returned, &old, c, memory_order_release, memory_order_relaxed));
}

/* Move on to a fresh chunk: retire the current one, then reuse a spare, a
 * returned one, or allocate. */
static __attribute__((noinline)) bool chunk_next(otelc__log_thread *lt) {
    otelc__log_chunk *c = lt->cur;
    if (c) {
        lt->cur = NULL;
        if (atomic_fetch_add_explicit(&c->live, (int64_t)lt->carved,
                                      memory_order_acq_rel) +
                (int64_t)lt->carved ==
            0) {
            c->next = lt->spare;
            lt->spare = c;
            lt->nspare++;
        }
    }
    if (!lt->spare) {
        otelc__log_chunk *r =
            atomic_exchange_explicit(&lt->returned, NULL, memory_order_acquire);
        while (r) {
            otelc__log_chunk *n = r->next;
            if (lt->nspare < MAX_SPARE) {
                r->next = lt->spare;
                lt->spare = r;
                lt->nspare++;
            } else {
                free(r);
            }
            r = n;
        }
    }
    if (lt->spare) {
        c = lt->spare;
        lt->spare = c->next;
        lt->nspare--;
    } else {
        c = aligned_alloc(OTELC_CACHELINE, OTELC__LOG_CHUNK_BYTES);
        if (!c)
            return false;
        c->owner = lt;
    }
    atomic_store_explicit(&c->live, 0, memory_order_relaxed);
    c->next = NULL;
    lt->cur = c;
    lt->used = 0;
    lt->carved = 0;
    return true;
}

/* A block of `size` bytes (a multiple of 16) for one record. */
static inline otelc__log_rec *rec_alloc(otelc__log_thread *lt, size_t size) {
    if (OTELC_UNLIKELY(size > OTELC__LOG_CHUNK_DATA / 4)) {
        otelc__log_rec *r = aligned_alloc(16, size);
        if (r)
            r->chunk = NULL;
        return r;
    }
    if (OTELC_UNLIKELY(!lt->cur || lt->used + size > OTELC__LOG_CHUNK_DATA) &&
        !chunk_next(lt))
        return NULL;
    otelc__log_rec *r = (otelc__log_rec *)(lt->cur->data + lt->used);
    lt->used += (uint32_t)size;
    lt->carved++;
    r->chunk = lt->cur;
    return r;
}

static inline void rec_free(otelc__log_rec *r) {
    otelc__log_chunk *c = r->chunk;
    if (!c) {
        free(r);
        return;
    }
    if (atomic_fetch_sub_explicit(&c->live, 1, memory_order_acq_rel) == 1)
        chunk_recycle(c);
}

void otelc__log_rec_release(otelc__log_rec *r) {
    if (atomic_load_explicit(&r->refs, memory_order_acquire) == 1 ||
        atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
        rec_free(r);
}

void otelc__log_rec_release_batch(otelc__log_rec *const *recs, size_t n) {
    for (size_t i = 0; i < n; i++)
        otelc__log_rec_release(recs[i]);
}

/* ---- bound context ------------------------------------------------------- */

static bool ctx_reserve(otelc__log_thread *lt, uint32_t entries, size_t bytes) {
    if (lt->ctx_n + entries > lt->ctx_cap) {
        uint32_t cap = lt->ctx_cap ? lt->ctx_cap * 2 : 8;
        while (cap < lt->ctx_n + entries)
            cap *= 2;
        otelc__log_ctx_ent *e = realloc(lt->ctx, sizeof *e * cap);
        if (!e)
            return false;
        lt->ctx = e;
        lt->ctx_cap = cap;
    }
    if (lt->ctx_len + bytes > lt->ctx_buf_cap) {
        size_t cap = lt->ctx_buf_cap ? lt->ctx_buf_cap * 2 : 256;
        while (cap < lt->ctx_len + bytes)
            cap *= 2;
        if (cap > UINT32_MAX / 2)
            return false;
        char *b = realloc(lt->ctx_buf, cap);
        if (!b)
            return false;
        lt->ctx_buf = b;
        lt->ctx_buf_cap = (uint32_t)cap;
    }
    return true;
}

static uint32_t ctx_put(otelc__log_thread *lt, const char *s, size_t n) {
    uint32_t off = lt->ctx_len;
    memcpy(lt->ctx_buf + off, s, n);
    lt->ctx_buf[off + n] = '\0';
    lt->ctx_len += (uint32_t)n + 1;
    return off;
}

OTELC_API otelc_log_context_scope
otelc_log_context_push(const otelc_attribute *fields, size_t count) {
    otelc_log_context_scope sc = {UINT32_MAX, 1};
    otelc__thread *t = otelc__thread_get();
    otelc__log_thread *lt = t ? log_thread(t) : NULL;
    if (!lt)
        return sc;
    sc.depth = lt->ctx_n;
    for (size_t i = 0; fields && i < count; i++) {
        const otelc_attribute *a = &fields[i];
        if (!a->key || !a->key[0])
            continue;
        otelc_value_type ty = a->value.type;
        size_t vlen = 0;
        if (ty == OTELC_VALUE_STRING)
            vlen = a->value.len ? a->value.len : strlen(a->value.u.s);
        else if (ty != OTELC_VALUE_INT && ty != OTELC_VALUE_DOUBLE &&
                 ty != OTELC_VALUE_BOOL)
            continue;
        size_t klen = strlen(a->key);
        if (klen > UINT32_MAX / 4 || vlen > UINT32_MAX / 4 ||
            !ctx_reserve(lt, 1, klen + vlen + 2)) {
            otelc__diag(OTELC_DIAG_ERROR,
                        "OTELC_LOG_CONTEXT: out of memory; field \"%s\" not "
                        "bound",
                        a->key);
            continue;
        }
        otelc__log_ctx_ent *e = &lt->ctx[lt->ctx_n];
        e->key_len = (uint32_t)klen;
        e->key_off = ctx_put(lt, a->key, klen);
        e->type = ty;
        e->len = 0;
        if (ty == OTELC_VALUE_STRING) {
            e->len = (uint32_t)vlen;
            e->u.off = ctx_put(lt, a->value.u.s, vlen);
        } else if (ty == OTELC_VALUE_INT) {
            e->u.i = a->value.u.i;
        } else if (ty == OTELC_VALUE_DOUBLE) {
            e->u.d = a->value.u.d;
        } else {
            e->u.b = a->value.u.b;
        }
        lt->ctx_n++;
    }
    return sc;
}

OTELC_API void otelc_log_context_pop(otelc_log_context_scope *scope) {
    otelc__thread *t = otelc__tls;
    if (!scope || !t || !t->log)
        return;
    otelc__log_thread *lt = t->log;
    if (scope->depth < lt->ctx_n) {
        lt->ctx_len = lt->ctx[scope->depth].key_off;
        lt->ctx_n = scope->depth;
    }
}

OTELC_API uint32_t otelc_log_context_depth(void) {
    otelc__thread *t = otelc__tls;
    return t && t->log ? t->log->ctx_n : 0;
}

/* ---- packing a record ---------------------------------------------------- */

static inline size_t align8(size_t n) {
    return (n + 7) & ~(size_t)7;
}

/* Copy short strings without a libc call (most keys and values). */
static inline __attribute__((always_inline)) void
copy_str(char *d, const char *s, size_t n) {
    if (n >= 8 && n <= 16) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        memcpy(d, s, n);
    }
    d[n] = '\0';
}

/* Bytes a value needs beyond its attribute slot (strings: without the
 * NUL).  Only string values and arrays need any. */
static size_t value_bytes(const otelc_value *v, size_t *slen) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES:
        *slen = v->len ? v->len
                       : (v->type == OTELC_VALUE_STRING ? strlen(v->u.s) : 0);
        return *slen + 1;
    case OTELC_VALUE_BOOL_ARRAY: return align8(v->len * sizeof(bool));
    case OTELC_VALUE_INT_ARRAY: return align8(v->len * sizeof(int64_t));
    case OTELC_VALUE_DOUBLE_ARRAY: return align8(v->len * sizeof(double));
    case OTELC_VALUE_STRING_ARRAY: {
        size_t n = align8(v->len * sizeof(char *));
        for (uint32_t i = 0; i < v->len; i++)
            n += (v->u.sa[i] ? strlen(v->u.sa[i]) : 0) + 1;
        return align8(n);
    }
    default: return 0;
    }
}

static inline bool value_ok(otelc_value_type t) {
    return t <= OTELC_VALUE_BYTES;
}

typedef struct packer {
    char *p;         /* next string byte */
    char *arr;       /* next array byte (8-aligned region) */
    size_t budget;   /* string bytes left under LOG_MAX_RECORD_SIZE */
    uint32_t vlimit; /* characters per attribute value, 0 = none */
    bool truncated;
} packer;

/* Length to keep of a string of n bytes, within the budget (and the value
 * length limit for attribute values), never splitting a UTF-8 sequence. */
static inline size_t keep_len(packer *pk, const char *s, size_t n,
                              bool is_value) {
    size_t k = n;
    if (is_value && pk->vlimit && n > pk->vlimit)
        k = otelc__utf8_prefix(s, n, pk->vlimit);
    if (OTELC_UNLIKELY(k > pk->budget)) {
        k = otelc__utf8_prefix(s, pk->budget, pk->budget);
        pk->truncated = true;
    }
    pk->budget -= k;
    return k;
}

static inline const char *put_str(packer *pk, const char *s, size_t n,
                                  bool is_value, uint32_t *len_out) {
    size_t k = keep_len(pk, s, n, is_value);
    char *d = pk->p;
    copy_str(d, s, k);
    pk->p += k + 1;
    if (len_out)
        *len_out = (uint32_t)k;
    return d;
}

static void put_value(packer *pk, otelc_value *out, const otelc_value *in,
                      size_t slen) {
    *out = *in;
    switch (in->type) {
    case OTELC_VALUE_STRING:
        out->u.s = put_str(pk, in->u.s, slen, true, &out->len);
        break;
    case OTELC_VALUE_BYTES: {
        size_t k = slen <= pk->budget ? slen : pk->budget;
        if (k < slen)
            pk->truncated = true;
        pk->budget -= k;
        memcpy(pk->p, in->u.s, k);
        pk->p[k] = '\0';
        out->u.s = pk->p;
        out->len = (uint32_t)k;
        pk->p += k + 1;
        break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
        memcpy(pk->arr, in->u.ba, in->len * sizeof(bool));
        out->u.ba = (const bool *)pk->arr;
        pk->arr += align8(in->len * sizeof(bool));
        break;
    case OTELC_VALUE_INT_ARRAY:
        memcpy(pk->arr, in->u.ia, in->len * sizeof(int64_t));
        out->u.ia = (const int64_t *)pk->arr;
        pk->arr += align8(in->len * sizeof(int64_t));
        break;
    case OTELC_VALUE_DOUBLE_ARRAY:
        memcpy(pk->arr, in->u.da, in->len * sizeof(double));
        out->u.da = (const double *)pk->arr;
        pk->arr += align8(in->len * sizeof(double));
        break;
    case OTELC_VALUE_STRING_ARRAY: {
        const char **sa = (const char **)pk->arr;
        char *s = pk->arr + align8(in->len * sizeof(char *));
        for (uint32_t i = 0; i < in->len; i++) {
            const char *e = in->u.sa[i] ? in->u.sa[i] : "";
            size_t l = strlen(e);
            memcpy(s, e, l + 1);
            sa[i] = s;
            s += l + 1;
        }
        out->u.sa = sa;
        pk->arr = (char *)(((uintptr_t)s + 7) & ~(uintptr_t)7);
        break;
    }
    default: out->len = 0; break;
    }
}

/* Cache of per-field lengths from the sizing pass (beyond it, the copying
 * pass measures again). */
#define LEN_CACHE 16

static otelc__ratelimit g_nomem_rl;

static void emit(otelc__log_pipeline *p, otelc__thread *t,
                 otelc__log_thread *lt, otelc_logger *l, unsigned level,
                 const char *msg, size_t msglen, const otelc_attribute *fields,
                 size_t n, const otelc_attribute *extra, size_t nextra) {
    otelc_time_ns now = otelc__now_ns();
    /* The current span context: the top of this thread's stack. */
    const otelc_span_context *sc = NULL;
    if (t->depth) {
        const otelc__ctx_entry *e = &t->stack[t->depth - 1];
        if (e->span)
            sc = &e->span->d.context;
        else if (e->ctx)
            sc = &e->ctx->sc;
    }
    size_t rid_len =
        p->correlation && t->request_id[0] ? strlen(t->request_id) : 0;

    /* Sizing pass. */
    size_t klen[LEN_CACHE], slen[LEN_CACHE];
    size_t nattr = (rid_len ? 1 : 0) + lt->ctx_n;
    size_t bytes = msglen + 1 + (rid_len ? rid_len + 1 + 11 : 0) + lt->ctx_len;
    size_t arr_bytes = 0;
    for (size_t i = 0; i < n + nextra; i++) {
        const otelc_attribute *a = i < n ? &fields[i] : &extra[i - n];
        size_t kl, sl = 0;
        if (!a->key || !(kl = strlen(a->key)) || !value_ok(a->value.type)) {
            if (i < LEN_CACHE)
                klen[i] = 0;
            continue;
        }
        size_t vb = value_bytes(&a->value, &sl);
        if (a->value.type >= OTELC_VALUE_STRING_ARRAY &&
            a->value.type <= OTELC_VALUE_DOUBLE_ARRAY)
            arr_bytes += vb;
        else
            bytes += vb;
        bytes += kl + 1;
        if (i < LEN_CACHE) {
            klen[i] = kl;
            slen[i] = sl;
        }
        nattr++;
    }
    uint32_t dropped = 0;
    if (OTELC_UNLIKELY(nattr > p->attr_limit)) {
        dropped = (uint32_t)(nattr - p->attr_limit);
        nattr = p->attr_limit;
    }
    size_t size = (align8(sizeof(otelc__log_rec)) +
                   nattr * sizeof(otelc_attribute) + arr_bytes + bytes + 15) &
                  ~(size_t)15;
    otelc__log_rec *r = rec_alloc(lt, size);
    if (OTELC_UNLIKELY(!r)) {
        count(&lt->nomem);
        otelc__diag_deferred(&g_nomem_rl, OTELC_DIAG_ERROR,
                             "log: out of memory for a record of %zu bytes; "
                             "dropped",
                             size);
        return;
    }
    atomic_store_explicit(&r->refs, 1, memory_order_relaxed);
    otelc_attribute *attrs =
        (otelc_attribute *)((char *)r + align8(sizeof(otelc__log_rec)));
    packer pk;
    /* Arrays first (8-aligned), then strings. */
    pk.arr = (char *)(attrs + nattr);
    pk.budget = p->max_record;
    pk.vlimit = p->value_len_limit;
    pk.truncated = false;
    pk.p = pk.arr + arr_bytes;

    otelc_log_record_data *d = &r->d;
    d->timestamp = now;
    d->observed_timestamp = now;
    if (sc)
        d->span_context = *sc;
    else
        memset(&d->span_context, 0, sizeof d->span_context);
    d->severity_number = (otelc_log_level)level;
    d->severity_text = g_level_names[otelc__log_level_index(level)];
    d->body = put_str(&pk, msg, msglen, false, &d->body_len);
    d->scope = &l->scope;
    d->resource = p->resource;
    d->event_name = "";

    size_t k = 0;
    if (rid_len && k < nattr) {
        otelc_attribute *a = &attrs[k++];
        a->key = put_str(&pk, "request_id", 10, false, NULL);
        a->value.type = OTELC_VALUE_STRING;
        a->value.u.s =
            put_str(&pk, t->request_id, rid_len, true, &a->value.len);
    }
    if (lt->ctx_n) {
        /* The bound context's strings in one copy, then the entries as
         * attributes pointing into the copy. */
        char *base = pk.p;
        memcpy(base, lt->ctx_buf, lt->ctx_len);
        pk.p += lt->ctx_len;
        for (uint32_t i = 0; i < lt->ctx_n && k < nattr; i++) {
            const otelc__log_ctx_ent *e = &lt->ctx[i];
            otelc_attribute *a = &attrs[k++];
            a->key = base + e->key_off;
            a->value.type = e->type;
            a->value.len = 0;
            if (e->type == OTELC_VALUE_STRING) {
                a->value.u.s = base + e->u.off;
                a->value.len = e->len;
            } else if (e->type == OTELC_VALUE_INT) {
                a->value.u.i = e->u.i;
            } else if (e->type == OTELC_VALUE_DOUBLE) {
                a->value.u.d = e->u.d;
            } else {
                a->value.u.b = e->u.b;
            }
        }
    }
    for (size_t i = 0; i < n + nextra && k < nattr; i++) {
        const otelc_attribute *in = i < n ? &fields[i] : &extra[i - n];
        size_t kl, sl = 0;
        if (i < LEN_CACHE) {
            if (!(kl = klen[i]))
                continue;
            sl = slen[i];
        } else {
            if (!in->key || !(kl = strlen(in->key)) ||
                !value_ok(in->value.type))
                continue;
            value_bytes(&in->value, &sl);
        }
        otelc_attribute *a = &attrs[k++];
        a->key = put_str(&pk, in->key, kl, false, NULL);
        put_value(&pk, &a->value, &in->value, sl);
    }
    d->attributes = attrs;
    d->attribute_count = (uint32_t)k;
    d->dropped_attribute_count = dropped;
    d->flags = 0;
    if (OTELC_UNLIKELY(pk.truncated)) {
        d->flags |= OTELC_LOG_RECORD_TRUNCATED;
        count(&lt->truncated);
    }
    r->attr_cap = (uint32_t)nattr;
    otelc__log_submit(p, r);
}

/* The checks every way of making a record goes through.  Returns the
 * pipeline and thread state when the record should be made. */
static inline bool admit(otelc_logger *l, unsigned level, const char *msg,
                         const otelc_attribute *fields, size_t n,
                         otelc__log_pipeline **pp, otelc__thread **tp,
                         otelc__log_thread **ltp) {
    if (level < 1 || level > 24 ||
        !otelc_log_enabled(l, (otelc_log_level)level))
        return false;
    otelc__log_pipeline *p =
        atomic_load_explicit(&otelc__log_pipe, memory_order_acquire);
    if (OTELC_UNLIKELY(!p))
        return false;
    otelc__thread *t = otelc__thread_get();
    if (OTELC_UNLIKELY(!t))
        return false;
    otelc__log_thread *lt = log_thread(t);
    if (OTELC_UNLIKELY(!lt))
        return false;
    unsigned li = otelc__log_level_index(level);
    uint64_t thr = atomic_load_explicit(&l->sample[li], memory_order_relaxed);
    if (OTELC_UNLIKELY(thr != ALL) && (uint32_t)otelc__wyrand(&t->rng) >= thr) {
        count(&lt->sampled_out);
        return false;
    }
    otelc__log_filters *gf =
        atomic_load_explicit(&g_filters, memory_order_acquire);
    otelc__log_filters *lf =
        atomic_load_explicit(&l->filters, memory_order_acquire);
    if (OTELC_UNLIKELY(gf || lf)) {
        otelc_log_filter_input in = {l, (otelc_log_level)level, msg ? msg : "",
                                     fields, n};
        unsigned bit = 1u << li;
        if ((gf && !run_filters(gf, &in, bit)) ||
            (lf && !run_filters(lf, &in, bit))) {
            count(&lt->filtered_out);
            return false;
        }
    }
    *pp = p;
    *tp = t;
    *ltp = lt;
    return true;
}

OTELC_API void otelc_log_emit(otelc_logger *l, otelc_log_level level,
                              const char *msg, const otelc_attribute *fields,
                              size_t n) {
    if (!l)
        l = &g_root;
    otelc__log_pipeline *p;
    otelc__thread *t;
    otelc__log_thread *lt;
    if (!fields)
        n = 0;
    if (!admit(l, (unsigned)level, msg, fields, n, &p, &t, &lt))
        return;
    if (!msg)
        msg = "";
    emit(p, t, lt, l, (unsigned)level, msg, strlen(msg), fields, n, NULL, 0);
}

OTELC_API void otelc_log_vprintf(otelc_logger *l, otelc_log_level level,
                                 const char *fmt, va_list ap) {
    if (!l)
        l = &g_root;
    if (!otelc_log_enabled(l, level) || !fmt)
        return;
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    char *msg = small;
    if (len < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)len >= sizeof small) {
        msg = malloc((size_t)len + 1);
        if (msg)
            vsnprintf(msg, (size_t)len + 1, fmt, ap2);
        else {
            msg = small; /* keep the truncated message */
            len = (int)sizeof small - 1;
        }
    }
    va_end(ap2);
    otelc__log_pipeline *p;
    otelc__thread *t;
    otelc__log_thread *lt;
    if (admit(l, (unsigned)level, msg, NULL, 0, &p, &t, &lt))
        emit(p, t, lt, l, (unsigned)level, msg, (size_t)len, NULL, 0, NULL, 0);
    if (msg != small)
        free(msg);
}

OTELC_API void otelc_log_printf(otelc_logger *l, otelc_log_level level,
                                const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    otelc_log_vprintf(l, level, fmt, ap);
    va_end(ap);
}

/* exception.stacktrace: one frame per line, skipping otelc's own frame. */
static char *make_backtrace(void) {
    void *frames[64];
    int n = backtrace(frames, 64);
    if (n <= 1)
        return NULL;
    char **names = backtrace_symbols(frames + 1, n - 1);
    if (!names)
        return NULL;
    size_t total = 1;
    for (int i = 0; i < n - 1; i++)
        total += strlen(names[i]) + 1;
    char *s = malloc(total), *o = s;
    if (s) {
        for (int i = 0; i < n - 1; i++) {
            size_t l = strlen(names[i]);
            memcpy(o, names[i], l);
            o += l;
            *o++ = '\n';
        }
        if (o > s)
            o--; /* no trailing newline */
        *o = '\0';
    }
    free(names);
    return s;
}

OTELC_API void otelc_log_error(otelc_logger *l, otelc_log_level level,
                               const char *msg, const otelc_log_error_info *err,
                               const otelc_attribute *fields, size_t n) {
    if (!l)
        l = &g_root;
    otelc__log_pipeline *p;
    otelc__thread *t;
    otelc__log_thread *lt;
    if (!fields)
        n = 0;
    if (!admit(l, (unsigned)level, msg, fields, n, &p, &t, &lt))
        return;
    if (!msg)
        msg = "";
    otelc_attribute extra[4];
    size_t ne = 0;
    char *bt = NULL;
    char msgbuf[256];
    if (err) {
        const char *type = err->type;
        const char *emsg = err->message;
        if (err->errnum) {
            if (!type)
                type = strerrorname_np(err->errnum);
            if (!emsg)
                emsg = strerror_r(err->errnum, msgbuf, sizeof msgbuf);
        }
        if (type)
            extra[ne++] = OTELC_ATTR_STR("exception.type", type);
        if (emsg)
            extra[ne++] = OTELC_ATTR_STR("exception.message", emsg);
        if (err->errnum)
            extra[ne++] = OTELC_ATTR_INT("errno", err->errnum);
        if (err->backtrace && (bt = make_backtrace()))
            extra[ne++] = OTELC_ATTR_STR("exception.stacktrace", bt);
    }
    emit(p, t, lt, l, (unsigned)level, msg, strlen(msg), fields, n, extra, ne);
    free(bt);
}

/* ---- timers -------------------------------------------------------------- */

OTELC_API otelc_log_timer otelc_log_timer_start(otelc_logger *l,
                                                otelc_log_level level,
                                                const char *name) {
    otelc_log_timer tm;
    tm.logger = l ? l : &g_root;
    tm.name = name ? name : "timer";
    tm.level = level;
    tm.start_mono_ns =
        otelc_log_enabled(tm.logger, level) ? otelc__mono_ns() : 0;
    tm.once = 1;
    return tm;
}

OTELC_API void otelc_log_timer_end(otelc_log_timer *tm) {
    if (!tm || !tm->start_mono_ns)
        return;
    uint64_t d = otelc__mono_ns() - tm->start_mono_ns;
    tm->start_mono_ns = 0;
    otelc__log_pipeline *p;
    otelc__thread *t;
    otelc__log_thread *lt;
    if (!admit(tm->logger, (unsigned)tm->level, tm->name, NULL, 0, &p, &t, &lt))
        return;
    /* Microsecond precision: the clock is good to that, and the number
     * stays short. */
    double ms = (double)(d / 1000u) / 1000.0;
    otelc_attribute extra[1] = {OTELC_ATTR_DOUBLE("duration_ms", ms)};
    emit(p, t, lt, tm->logger, (unsigned)tm->level, tm->name, strlen(tm->name),
         NULL, 0, extra, 1);
}
