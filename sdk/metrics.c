/*
 * sdk/metrics.c - meter providers, meters and instrument creation; the
 * global provider's life across otelc_init()/otelc_shutdown(); the HTTP
 * semantic-convention helpers.
 *
 * The global provider is a static object that lives for the whole process
 * so that instruments created before otelc_init() (in a library's set-up
 * code, say) keep working: it starts with recording off, otelc_init()
 * gives it a resource and readers and turns recording on (unless
 * METRICS_ENABLED=false), and otelc_shutdown() exports one last time,
 * removes the readers and turns recording off again.  Turning recording on
 * or off walks the instruments and flips each one's `enabled` word, which
 * is the only thing a measurement reads before doing any work.
 *
 * Lists of meters and instruments are append-only and published with
 * release stores, so collections walk them without the provider lock
 * (observable callbacks may create instruments while a collection runs).
 *
 * Locks: `lock` guards creation and the reader table; `collect_lock`
 * serialises collections and the per-series reader memory.  Neither is
 * ever taken by a measurement.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/config_int.h"
#include "sdk/metrics_int.h"
#include "sdk/span_int.h"

#include "otelc/version.h"

typedef struct otelc__retired_res {
    otelc_resource *res;
    struct otelc__retired_res *next;
} otelc__retired_res;

static void keep(void *ptr);

static const double g_default_bounds[] = {
    0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};

/* ---- configuration
 * ---------------------------------------------------------------- */

static uint8_t exemplars_from(otelc_exemplar_filter f) {
    if (f == OTELC_EXEMPLAR_FILTER_CONFIG) {
        const char *v = otelc__cfg_str(OTELC_CFG_METRICS_EXEMPLAR_FILTER);
        if (!strcmp(v, "always_on"))
            return OTELC__EX_ALWAYS;
        if (!strcmp(v, "always_off"))
            return OTELC__EX_OFF;
        return OTELC__EX_TRACE;
    }
    if (f == OTELC_EXEMPLAR_FILTER_ALWAYS_ON)
        return OTELC__EX_ALWAYS;
    if (f == OTELC_EXEMPLAR_FILTER_ALWAYS_OFF)
        return OTELC__EX_OFF;
    return OTELC__EX_TRACE;
}

static void provider_configure(otelc_meter_provider *p,
                               const otelc_meter_provider_options *o) {
    p->exemplars =
        exemplars_from(o ? o->exemplar_filter : OTELC_EXEMPLAR_FILTER_CONFIG);
    uint32_t limit = o ? o->cardinality_limit : 0;
    if (!limit)
        limit =
            (uint32_t)otelc__cfg_int(OTELC_CFG_METRICS_CARDINALITY_LIMIT, 2000);
    p->limit = limit < 2 ? 2 : limit;
}

/* ---- providers
 * ------------------------------------------------------------------- */

static void provider_init(otelc_meter_provider *p) {
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->collect_lock, NULL);
    for (int i = 0; i < OTELC__MAX_READERS; i++)
        p->readers[i] = NULL;
    p->exemplars = OTELC__EX_TRACE;
    p->limit = 2000;
}

OTELC_API otelc_meter_provider *
otelc_meter_provider_new(otelc_resource *resource,
                         const otelc_meter_provider_options *options) {
    otelc_meter_provider *p = malloc(sizeof *p);
    if (!p) {
        otelc_resource_free(resource);
        return NULL;
    }
    provider_init(p);
    p->resource = resource ? resource : otelc_resource_default();
    provider_configure(p, options);
    atomic_store(&p->enabled, 1);
    return p;
}

static otelc_meter_provider g_global;
static pthread_once_t g_global_once = PTHREAD_ONCE_INIT;

static void global_init(void) {
    provider_init(&g_global);
    g_global.global = true;
}

OTELC_API otelc_meter_provider *otelc_meter_provider_global(void) {
    pthread_once(&g_global_once, global_init);
    return &g_global;
}

static otelc_meter_provider *resolve(otelc_meter_provider *p) {
    return p ? p : otelc_meter_provider_global();
}

OTELC_API const otelc_resource *
otelc_meter_provider_resource(const otelc_meter_provider *p) {
    if (!p || !p->resource)
        return otelc__resource_noop();
    return p->resource;
}

/* Flip every instrument's recording switch (provider lock held). */
static void set_enabled(otelc_meter_provider *p, bool on) {
    atomic_store(&p->enabled, on);
    for (otelc_meter *m = atomic_load(&p->meters); m; m = atomic_load(&m->next))
        for (otelc__instr *in = atomic_load(&m->instrs); in;
             in = atomic_load(&in->next))
            atomic_store_explicit(&in->enabled, on, memory_order_relaxed);
}

/* ---- meters
 * ---------------------------------------------------------------------- */

OTELC_API otelc_meter *otelc_meter_get(otelc_meter_provider *provider,
                                       const char *name, const char *version) {
    otelc_meter_provider *p = resolve(provider);
    if (!name || !*name) {
        otelc__diag(OTELC_DIAG_WARN, "otelc_meter_get: empty meter name; "
                                     "using \"\"");
        name = "";
    }
    if (!version)
        version = "";
    pthread_mutex_lock(&p->lock);
    otelc_meter *m;
    for (m = atomic_load(&p->meters); m; m = atomic_load(&m->next))
        if (!strcmp(m->name, name) && !strcmp(m->version, version))
            break;
    if (!m) {
        m = calloc(1, sizeof *m);
        if (m) {
            m->name = otelc__strdup(name);
            m->version = otelc__strdup(version);
            if (!m->name || !m->version) {
                free(m->name);
                free(m->version);
                free(m);
                m = NULL;
            } else {
                m->provider = p;
                m->scope.name = m->name;
                m->scope.version = m->version;
                if (p->meters_tail)
                    atomic_store_explicit(&p->meters_tail->next, m,
                                          memory_order_release);
                else
                    atomic_store_explicit(&p->meters, m, memory_order_release);
                p->meters_tail = m;
            }
        }
    }
    pthread_mutex_unlock(&p->lock);
    return m;
}

/* ---- instruments
 * ----------------------------------------------------------------- */

/* The specification's instrument name syntax. */
static bool name_valid(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > 255)
        return false;
    if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
              c == '/'))
            return false;
    }
    return true;
}

static const char *kind_name(int kind) {
    static const char *const names[] = {"?",
                                        "counter",
                                        "up-down counter",
                                        "gauge",
                                        "histogram",
                                        "observable counter",
                                        "observable up-down counter",
                                        "observable gauge"};
    return kind >= 1 && kind <= 7 ? names[kind] : "?";
}

static bool bounds_valid(const double *b, size_t n) {
    if (n > OTELC__MAX_BOUNDS)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(b[i]) || (i && !(b[i] > b[i - 1])))
            return false;
    }
    return true;
}

static void instr_free(otelc__instr *in) {
    otelc__series *s = atomic_load(&in->head);
    while (s) {
        otelc__series *n = s->next;
        otelc__series_free(in, s);
        s = n;
    }
    otelc__stable *t = atomic_load(&in->table);
    while (t) {
        otelc__stable *prev = t->prev;
        free(t);
        t = prev;
    }
    pthread_mutex_destroy(&in->lock);
    free(in->name);
    free(in->unit);
    free(in->description);
    free(in->bounds_owned);
    free(in);
}

static otelc__instr *create(otelc_meter *m, int kind, const char *name,
                            const char *unit, const char *desc,
                            const otelc_instrument_options *o,
                            otelc_observable_callback cb, void *user) {
    if (!m)
        return NULL;
    if (!name)
        name = "";
    otelc_meter_provider *p = m->provider;
    pthread_mutex_lock(&p->lock);
    for (otelc__instr *in = atomic_load(&m->instrs); in;
         in = atomic_load(&in->next)) {
        if (!otelc__streq_nocase(in->name, name))
            continue;
        if (in->kind == kind && !otelc__kind_observable(kind)) {
            if (strcmp(in->unit, unit ? unit : "") ||
                strcmp(in->description, desc ? desc : ""))
                otelc__diag(OTELC_DIAG_WARN,
                            "metric %s: registered again with another unit "
                            "or description; the first registration's are "
                            "kept",
                            name);
            pthread_mutex_unlock(&p->lock);
            return in;
        }
        otelc__diag(OTELC_DIAG_WARN,
                    "metric %s: the name is already used by a %s on meter "
                    "\"%s\"; a second instrument is created and exporters "
                    "may report a conflict",
                    name, kind_name(in->kind), m->name);
        break;
    }
    pthread_mutex_unlock(&p->lock);
    if (!name_valid(name))
        otelc__diag(OTELC_DIAG_WARN,
                    "metric name \"%s\" does not follow the instrument name "
                    "syntax [A-Za-z][A-Za-z0-9_./-]{0,254}; exporters will "
                    "escape it",
                    name);

    otelc__metrics_ro_init();
    otelc__instr *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    pthread_mutex_init(&in->lock, NULL);
    in->kind = (uint8_t)kind;
    in->meter = m;
    in->name = otelc__strdup(name);
    in->unit = otelc__strdup(unit ? unit : "");
    in->description = otelc__strdup(desc ? desc : "");
    otelc_metric_value_type vt = o ? o->value_type : OTELC_METRIC_VALUE_DEFAULT;
    if (vt == OTELC_METRIC_VALUE_DEFAULT)
        in->is_int = kind == OTELC_INSTRUMENT_COUNTER ||
                     kind == OTELC_INSTRUMENT_UPDOWN_COUNTER ||
                     kind == OTELC_INSTRUMENT_OBSERVABLE_COUNTER ||
                     kind == OTELC_INSTRUMENT_OBSERVABLE_UPDOWN_COUNTER;
    else
        in->is_int = vt == OTELC_METRIC_VALUE_INT;
    if (kind == OTELC_INSTRUMENT_HISTOGRAM)
        in->is_int = 0;
    in->limit = o && o->cardinality_limit ? o->cardinality_limit : p->limit;
    if (in->limit < 2)
        in->limit = 2;
    in->exemplars = otelc__kind_observable(kind) ? OTELC__EX_OFF : p->exemplars;
    in->cb = cb;
    in->cb_user = user;
    if (kind == OTELC_INSTRUMENT_HISTOGRAM) {
        if (o && o->bucket_boundaries) {
            if (!bounds_valid(o->bucket_boundaries, o->bucket_boundary_count)) {
                otelc__diag(OTELC_DIAG_WARN,
                            "histogram %s: bucket boundaries must be finite, "
                            "strictly increasing and at most %d; the "
                            "default boundaries are used",
                            name, OTELC__MAX_BOUNDS);
            } else {
                in->bounds_owned =
                    malloc((o->bucket_boundary_count + 1) * sizeof(double));
                if (in->bounds_owned) {
                    memcpy(in->bounds_owned, o->bucket_boundaries,
                           o->bucket_boundary_count * sizeof(double));
                    in->bounds = in->bounds_owned;
                    in->nbounds = (uint32_t)o->bucket_boundary_count;
                }
            }
        }
        if (!in->bounds) {
            in->bounds = g_default_bounds;
            in->nbounds = OTELC_ARRAY_LEN(g_default_bounds);
        }
    }
    if (!in->name || !in->unit || !in->description) {
        instr_free(in);
        return NULL;
    }
    pthread_mutex_lock(&p->lock);
    atomic_store(&in->enabled, atomic_load(&p->enabled));
    if (m->tail)
        atomic_store_explicit(&m->tail->next, in, memory_order_release);
    else
        atomic_store_explicit(&m->instrs, in, memory_order_release);
    m->tail = in;
    pthread_mutex_unlock(&p->lock);
    return in;
}

OTELC_API otelc_counter *
otelc_meter_create_counter(otelc_meter *m, const char *name, const char *unit,
                           const char *desc,
                           const otelc_instrument_options *o) {
    return (otelc_counter *)create(m, OTELC_INSTRUMENT_COUNTER, name, unit,
                                   desc, o, NULL, NULL);
}

OTELC_API otelc_updown_counter *
otelc_meter_create_updown_counter(otelc_meter *m, const char *name,
                                  const char *unit, const char *desc,
                                  const otelc_instrument_options *o) {
    return (otelc_updown_counter *)create(m, OTELC_INSTRUMENT_UPDOWN_COUNTER,
                                          name, unit, desc, o, NULL, NULL);
}

OTELC_API otelc_gauge *
otelc_meter_create_gauge(otelc_meter *m, const char *name, const char *unit,
                         const char *desc, const otelc_instrument_options *o) {
    return (otelc_gauge *)create(m, OTELC_INSTRUMENT_GAUGE, name, unit, desc, o,
                                 NULL, NULL);
}

OTELC_API otelc_histogram *
otelc_meter_create_histogram(otelc_meter *m, const char *name, const char *unit,
                             const char *desc,
                             const otelc_instrument_options *o) {
    return (otelc_histogram *)create(m, OTELC_INSTRUMENT_HISTOGRAM, name, unit,
                                     desc, o, NULL, NULL);
}

static otelc_observable *create_obs(otelc_meter *m, int kind, const char *name,
                                    const char *unit, const char *desc,
                                    const otelc_instrument_options *o,
                                    otelc_observable_callback cb, void *user) {
    if (!cb) {
        otelc__diag(OTELC_DIAG_WARN,
                    "observable %s: no callback; not "
                    "created",
                    name ? name : "");
        return NULL;
    }
    return (otelc_observable *)create(m, kind, name, unit, desc, o, cb, user);
}

OTELC_API otelc_observable *otelc_meter_create_observable_counter(
    otelc_meter *m, const char *name, const char *unit, const char *desc,
    const otelc_instrument_options *o, otelc_observable_callback cb,
    void *user) {
    return create_obs(m, OTELC_INSTRUMENT_OBSERVABLE_COUNTER, name, unit, desc,
                      o, cb, user);
}

OTELC_API otelc_observable *otelc_meter_create_observable_updown_counter(
    otelc_meter *m, const char *name, const char *unit, const char *desc,
    const otelc_instrument_options *o, otelc_observable_callback cb,
    void *user) {
    return create_obs(m, OTELC_INSTRUMENT_OBSERVABLE_UPDOWN_COUNTER, name, unit,
                      desc, o, cb, user);
}

OTELC_API otelc_observable *
otelc_meter_create_observable_gauge(otelc_meter *m, const char *name,
                                    const char *unit, const char *desc,
                                    const otelc_instrument_options *o,
                                    otelc_observable_callback cb, void *user) {
    return create_obs(m, OTELC_INSTRUMENT_OBSERVABLE_GAUGE, name, unit, desc, o,
                      cb, user);
}

void otelc__provider_own(otelc_meter_provider *p, void *ptr,
                         void (*free_fn)(void *)) {
    otelc__owned *o = malloc(sizeof *o);
    if (!o)
        return; /* a leak of a few bytes rather than a dangling callback */
    o->ptr = ptr;
    o->free_fn = free_fn;
    pthread_mutex_lock(&p->lock);
    o->next = p->owned;
    p->owned = o;
    pthread_mutex_unlock(&p->lock);
}

/* ---- readers
 * ---------------------------------------------------------------------- */

OTELC_API otelc_status otelc_meter_provider_add_reader(otelc_meter_provider *p,
                                                       otelc_metric_reader *r) {
    p = resolve(p);
    if (!r) {
        otelc_metric_reader_free(r);
        return OTELC_EINVAL;
    }
    if (r->provider) {
        otelc__diag(OTELC_DIAG_WARN, "metric reader already attached to a "
                                     "provider");
        return OTELC_EINVAL;
    }
    pthread_mutex_lock(&p->lock);
    if (atomic_load(&p->shut) && !p->global) {
        pthread_mutex_unlock(&p->lock);
        otelc_metric_reader_free(r);
        return OTELC_ESHUTDOWN;
    }
    int slot = -1;
    for (int i = 0; i < OTELC__MAX_READERS; i++)
        if (!p->readers[i]) {
            slot = i;
            break;
        }
    if (slot < 0) {
        pthread_mutex_unlock(&p->lock);
        otelc__diag(OTELC_DIAG_WARN,
                    "a meter provider takes at most %d "
                    "readers; reader not added",
                    OTELC__MAX_READERS);
        otelc_metric_reader_free(r);
        return OTELC_EFULL;
    }
    /* A slot used before may have left delta memory in the series. */
    pthread_mutex_lock(&p->collect_lock);
    otelc__metrics_forget_reader(p, slot);
    pthread_mutex_unlock(&p->collect_lock);
    r->provider = p;
    r->index = slot;
    p->readers[slot] = r;
    pthread_mutex_unlock(&p->lock);
    if (r->type == OTELC__READER_PERIODIC) {
        otelc_status st = otelc__reader_start(r);
        if (st != OTELC_OK) {
            otelc__meter_provider_remove_reader(p, r, otelc__mono_ns());
            return st;
        }
    }
    return OTELC_OK;
}

otelc_status otelc__meter_provider_remove_reader(otelc_meter_provider *p,
                                                 otelc_metric_reader *r,
                                                 uint64_t deadline) {
    if (!p || !r)
        return OTELC_EINVAL;
    pthread_mutex_lock(&p->lock);
    bool found = false;
    for (int i = 0; i < OTELC__MAX_READERS; i++)
        if (p->readers[i] == r)
            found = true;
    pthread_mutex_unlock(&p->lock);
    if (!found)
        return OTELC_ENOTFOUND;
    otelc_status st = otelc__reader_shutdown(r, deadline);
    if (st == OTELC_ETIMEDOUT)
        atomic_store(&p->leak, 1);
    /* From now on no collection runs for this reader: one in progress
     * has finished building its data (the collect lock), and a worker
     * abandoned in its exporter sees `detached` if it ever tries again.
     * Such a worker may still read the reader, so it is kept. */
    pthread_mutex_lock(&p->collect_lock);
    r->detached = true;
    pthread_mutex_unlock(&p->collect_lock);
    /* Only now may the slot (and its delta memory) go to another reader. */
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < OTELC__MAX_READERS; i++)
        if (p->readers[i] == r)
            p->readers[i] = NULL;
    pthread_mutex_unlock(&p->lock);
    if (st != OTELC_ETIMEDOUT)
        otelc__reader_destroy(r);
    else
        keep(r);
    return st;
}

/* Memory deliberately kept because an abandoned worker may still read it:
 * linked here so that it stays reachable (leak checkers stay quiet, and
 * it is plainly not lost). */
typedef struct kept {
    void *ptr;
    struct kept *next;
} kept;
static pthread_mutex_t g_kept_lock = PTHREAD_MUTEX_INITIALIZER;
static kept *g_kept;

static void keep(void *ptr) {
    kept *k = malloc(sizeof *k);
    if (!k)
        return;
    k->ptr = ptr;
    pthread_mutex_lock(&g_kept_lock);
    k->next = g_kept;
    g_kept = k;
    pthread_mutex_unlock(&g_kept_lock);
}

static uint64_t deadline_after(uint32_t ms) {
    return otelc__mono_ns() + (uint64_t)ms * 1000000u;
}

OTELC_API otelc_status otelc_meter_provider_force_flush(otelc_meter_provider *p,
                                                        uint32_t timeout_ms) {
    p = resolve(p);
    uint64_t deadline = deadline_after(timeout_ms);
    otelc_metric_reader *rs[OTELC__MAX_READERS];
    pthread_mutex_lock(&p->lock);
    memcpy(rs, p->readers, sizeof rs);
    pthread_mutex_unlock(&p->lock);
    /* Readers stay attached while the provider lock is released: only
     * shutdown and remove detach them, and those are not meant to run
     * concurrently with a flush of the same provider. */
    otelc_status st = OTELC_OK;
    for (int i = 0; i < OTELC__MAX_READERS; i++)
        if (rs[i] && rs[i]->type == OTELC__READER_PERIODIC &&
            otelc__reader_flush(rs[i], deadline) != OTELC_OK)
            st = OTELC_ETIMEDOUT;
    return st;
}

/* Remove and stop every reader, within the deadline. */
static otelc_status remove_all(otelc_meter_provider *p, uint64_t deadline) {
    otelc_metric_reader *rs[OTELC__MAX_READERS];
    pthread_mutex_lock(&p->lock);
    memcpy(rs, p->readers, sizeof rs);
    pthread_mutex_unlock(&p->lock);
    otelc_status st = OTELC_OK;
    for (int i = 0; i < OTELC__MAX_READERS; i++)
        if (rs[i] && otelc__meter_provider_remove_reader(p, rs[i], deadline) ==
                         OTELC_ETIMEDOUT)
            st = OTELC_ETIMEDOUT;
    return st;
}

OTELC_API otelc_status otelc_meter_provider_shutdown(otelc_meter_provider *p,
                                                     uint32_t timeout_ms) {
    p = resolve(p);
    if (p->global)
        return otelc__metrics_global_stop(deadline_after(timeout_ms));
    if (atomic_exchange(&p->shut, 1))
        return OTELC_OK;
    pthread_mutex_lock(&p->lock);
    set_enabled(p, false);
    pthread_mutex_unlock(&p->lock);
    return remove_all(p, deadline_after(timeout_ms));
}

OTELC_API void otelc_meter_provider_free(otelc_meter_provider *p) {
    if (!p || p->global)
        return;
    otelc_meter_provider_shutdown(p, 5000);
    if (atomic_load(&p->leak)) {
        otelc__diag(OTELC_DIAG_WARN,
                    "meter provider kept in memory: an exporter did not "
                    "return before its deadline and may still read it");
        keep(p);
        return;
    }
    otelc_meter *m = atomic_load(&p->meters);
    while (m) {
        otelc_meter *nm = atomic_load(&m->next);
        otelc__instr *in = atomic_load(&m->instrs);
        while (in) {
            otelc__instr *ni = atomic_load(&in->next);
            instr_free(in);
            in = ni;
        }
        free(m->name);
        free(m->version);
        free(m);
        m = nm;
    }
    while (p->owned) {
        otelc__owned *o = p->owned;
        p->owned = o->next;
        o->free_fn(o->ptr);
        free(o);
    }
    otelc_resource_free(p->resource);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->collect_lock);
    free(p);
}

/* ---- the global provider and otelc_init()
 * ---------------------------------------------- */

void otelc__metrics_global_start(otelc_resource *resource) {
    otelc_meter_provider *p = otelc_meter_provider_global();
    pthread_mutex_lock(&p->lock);
    pthread_mutex_lock(&p->collect_lock);
    if (p->resource) {
        otelc__retired_res *r = malloc(sizeof *r);
        if (r) {
            r->res = p->resource;
            r->next = p->retired;
            p->retired = r;
        }
    }
    p->resource = resource;
    pthread_mutex_unlock(&p->collect_lock);
    provider_configure(p, NULL);
    /* Instruments made before this call keep the filter they were made
     * with unless it changes here. */
    for (otelc_meter *m = atomic_load(&p->meters); m; m = atomic_load(&m->next))
        for (otelc__instr *in = atomic_load(&m->instrs); in;
             in = atomic_load(&in->next))
            if (!otelc__kind_observable(in->kind))
                in->exemplars = p->exemplars;
    atomic_store(&p->shut, 0);
    set_enabled(p, otelc__cfg_bool(OTELC_CFG_METRICS_ENABLED, true));
    pthread_mutex_unlock(&p->lock);
}

otelc_status otelc__metrics_global_stop(uint64_t deadline) {
    otelc_meter_provider *p = otelc_meter_provider_global();
    /* Export what was recorded up to now, then stop recording. */
    otelc_status st = remove_all(p, deadline);
    pthread_mutex_lock(&p->lock);
    set_enabled(p, false);
    pthread_mutex_unlock(&p->lock);
    return st;
}

/* ---- temporality
 * ---------------------------------------------------------------------- */

OTELC_API otelc_temporality otelc_metric_temporality_preference(
    const char *pref, otelc_instrument_kind kind) {
    if (!pref)
        pref = otelc__cfg_str(OTELC_CFG_OTLP_METRICS_TEMPORALITY);
    bool delta = otelc__streq_nocase(pref, "delta");
    bool low = otelc__streq_nocase(pref, "lowmemory");
    switch (kind) {
    case OTELC_INSTRUMENT_COUNTER:
    case OTELC_INSTRUMENT_HISTOGRAM:
        return delta || low ? OTELC_TEMPORALITY_DELTA
                            : OTELC_TEMPORALITY_CUMULATIVE;
    case OTELC_INSTRUMENT_OBSERVABLE_COUNTER:
        return delta ? OTELC_TEMPORALITY_DELTA : OTELC_TEMPORALITY_CUMULATIVE;
    default: return OTELC_TEMPORALITY_CUMULATIVE;
    }
}

/* ---- HTTP semantic conventions
 * --------------------------------------------------------- */

/* The semantic conventions' advice for request durations, in seconds. */
static const double g_http_bounds[] = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};

static pthread_mutex_t g_http_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(otelc_histogram *) g_http_server, g_http_client;

static otelc_histogram *http_histogram(_Atomic(otelc_histogram *) *slot,
                                       const char *name, const char *desc) {
    otelc_histogram *h = atomic_load_explicit(slot, memory_order_acquire);
    if (OTELC_LIKELY(h != NULL))
        return h;
    pthread_mutex_lock(&g_http_lock);
    h = atomic_load_explicit(slot, memory_order_relaxed);
    if (!h) {
        otelc_meter *m = otelc_meter_get(NULL, "otelc.instrumentation.http",
                                         OTELC_VERSION_STRING);
        otelc_instrument_options o = {0};
        o.bucket_boundaries = g_http_bounds;
        o.bucket_boundary_count = OTELC_ARRAY_LEN(g_http_bounds);
        h = otelc_meter_create_histogram(m, name, "s", desc, &o);
        atomic_store_explicit(slot, h, memory_order_release);
    }
    pthread_mutex_unlock(&g_http_lock);
    return h;
}

/* Methods outside the known set become "_OTHER", as the semantic
 * conventions require, so a client cannot create series at will. */
static const char *http_method(const char *m) {
    static const char *const known[] = {"GET",     "HEAD",   "POST",
                                        "PUT",     "DELETE", "CONNECT",
                                        "OPTIONS", "TRACE",  "PATCH"};
    if (m)
        for (size_t i = 0; i < OTELC_ARRAY_LEN(known); i++)
            if (!strcmp(m, known[i]))
                return known[i];
    return "_OTHER";
}

OTELC_API void otelc_http_server_request_record(const char *method,
                                                const char *route,
                                                int status_code,
                                                double duration_s) {
    otelc_histogram *h =
        http_histogram(&g_http_server, "http.server.request.duration",
                       "Duration of HTTP server requests.");
    if (!h || !atomic_load_explicit(&h->base.enabled, memory_order_relaxed))
        return;
    otelc_attribute a[3];
    size_t n = 0;
    a[n++] = OTELC_ATTR_STR("http.request.method", http_method(method));
    if (route && *route)
        a[n++] = OTELC_ATTR_STR("http.route", route);
    if (status_code > 0)
        a[n++] = OTELC_ATTR_INT("http.response.status_code", status_code);
    otelc_histogram_record_attrs(h, duration_s, a, n);
}

OTELC_API void otelc_http_client_request_record(const char *method,
                                                const char *server_address,
                                                int server_port,
                                                int status_code,
                                                double duration_s) {
    otelc_histogram *h =
        http_histogram(&g_http_client, "http.client.request.duration",
                       "Duration of HTTP client requests.");
    if (!h || !atomic_load_explicit(&h->base.enabled, memory_order_relaxed))
        return;
    otelc_attribute a[4];
    size_t n = 0;
    a[n++] = OTELC_ATTR_STR("http.request.method", http_method(method));
    if (server_address && *server_address)
        a[n++] = OTELC_ATTR_STR("server.address", server_address);
    if (server_port > 0)
        a[n++] = OTELC_ATTR_INT("server.port", server_port);
    if (status_code > 0)
        a[n++] = OTELC_ATTR_INT("http.response.status_code", status_code);
    otelc_histogram_record_attrs(h, duration_s, a, n);
}
