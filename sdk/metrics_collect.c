/*
 * sdk/metrics_collect.c - collection: instruments to metric data points.
 *
 * A collection runs under the provider's collect lock (collections are
 * serialised; measurements never take that lock).  It runs each
 * observable instrument's callback, then walks every instrument's series
 * list and turns the cells into points in an arena that lives for the
 * collection.  Cells are read with relaxed atomic loads: a collection
 * racing with measurements sees each cell either before or after a given
 * measurement, never a torn value.  A histogram's count is the sum of its
 * bucket counts read in that pass, so count and the +Inf bucket agree by
 * construction.
 *
 * Temporality.  Cells always hold cumulative totals.  A reader that wants
 * delta for an instrument kind keeps, per series, the values it reported
 * last time (otelc__reader_mem, allocated on the first delta collection
 * of that series) and reports the difference; a sum that did not move and
 * a histogram that saw no measurement since are left out.  Delta
 * histograms carry no min/max (they cannot be derived from cumulative
 * cells).  Start times: a cumulative point starts when its series was
 * created; a delta point starts at the reader's previous collection of it.
 *
 * The attribute arrays in the points are the series' own copies, which
 * never change and live as long as the provider, so the data stays valid
 * after the collect lock is released and the receiving function (a
 * scrape's renderer, a periodic reader's exporter) runs without it.
 */
#include <math.h>
#include <stdlib.h>

#include "sdk/metrics_int.h"

/* ---- arena
 * ------------------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) char data[];
} chunk;

typedef struct arena {
    chunk *head;
    bool oom;
} arena;

static void *arena_alloc(arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!n)
        n = 16;
    chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 60000 ? n : 60000;
        c = malloc(sizeof *c + cap);
        if (!c) {
            a->oom = true;
            return NULL;
        }
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static void arena_free(arena *a) {
    while (a->head) {
        chunk *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

/* ---- reader memory
 * ------------------------------------------------------------- */

static otelc__reader_mem *rmem(otelc__series *s, int index) {
    if (!s->rmem) {
        s->rmem = calloc(OTELC__MAX_READERS, sizeof *s->rmem);
        if (!s->rmem)
            return NULL;
    }
    return &s->rmem[index];
}

void otelc__metrics_forget_reader(otelc_meter_provider *p, int index) {
    for (otelc_meter *m = atomic_load(&p->meters); m; m = atomic_load(&m->next))
        for (otelc__instr *in = atomic_load(&m->instrs); in;
             in = atomic_load(&in->next))
            for (otelc__series *s = atomic_load(&in->head); s; s = s->next)
                if (s->rmem) {
                    free(s->rmem[index].last_counts);
                    memset(&s->rmem[index], 0, sizeof s->rmem[index]);
                }
}

/* ---- points
 * ----------------------------------------------------------------------- */

typedef struct collect_ctx {
    arena a;
    otelc_metric_reader *r;
    otelc_time_ns now;
    uint64_t gen;
} collect_ctx;

static otelc_metric_type type_of(int kind) {
    switch (kind) {
    case OTELC_INSTRUMENT_GAUGE:
    case OTELC_INSTRUMENT_OBSERVABLE_GAUGE: return OTELC_METRIC_GAUGE;
    case OTELC_INSTRUMENT_HISTOGRAM: return OTELC_METRIC_HISTOGRAM;
    default: return OTELC_METRIC_SUM;
    }
}

/* Keep an exemplar if it was recorded within the point's interval. */
static uint32_t take_exemplar(const otelc__exslot *x, bool is_int,
                              otelc_time_ns since, otelc_exemplar *out) {
    if (!otelc__exslot_read(x, out, is_int))
        return 0;
    return out->time >= since ? 1 : 0;
}

static bool sum_point(collect_ctx *c, otelc__instr *in, otelc__series *s,
                      bool delta, otelc_number_point *pt) {
    int64_t i = 0;
    double d = 0;
    for (int k = 0; k < OTELC__STRIPES; k++) {
        i += atomic_load_explicit(&s->st[k].i, memory_order_relaxed);
        d += otelc__bits_to_double(
            atomic_load_explicit(&s->st[k].d, memory_order_relaxed));
    }
    memset(pt, 0, sizeof *pt);
    pt->attributes = s->attrs;
    pt->attribute_count = s->nattrs;
    pt->time = c->now;
    pt->start_time = s->start_time;
    pt->is_int = in->is_int;
    if (in->is_int)
        pt->value.i = i + (int64_t)llround(d);
    else
        pt->value.d = (double)i + d;
    if (delta) {
        otelc__reader_mem *m = rmem(s, c->r->index);
        if (!m)
            return false;
        bool moved;
        if (in->is_int) {
            int64_t cur = pt->value.i;
            pt->value.i = m->seen ? cur - m->last_i : cur;
            moved = pt->value.i != 0;
            m->last_i = cur;
        } else {
            double cur = pt->value.d;
            pt->value.d = m->seen ? cur - m->last_d : cur;
            moved = pt->value.d != 0;
            m->last_d = cur;
        }
        if (m->seen)
            pt->start_time = m->last_time;
        m->seen = true;
        m->last_time = c->now;
        /* A synchronous sum that did not move saw no measurement. */
        if (!moved && !otelc__kind_observable(in->kind))
            return false;
    }
    if (in->exemplars != OTELC__EX_OFF) {
        otelc_exemplar *ex = arena_alloc(&c->a, sizeof *ex);
        if (ex && take_exemplar(&s->ex1, in->is_int, delta ? pt->start_time : 0,
                                ex)) {
            pt->exemplars = ex;
            pt->exemplar_count = 1;
        }
    }
    return true;
}

static bool gauge_point(collect_ctx *c, otelc__instr *in, otelc__series *s,
                        otelc_number_point *pt) {
    if (!atomic_load_explicit(&s->st[0].set, memory_order_acquire))
        return false;
    memset(pt, 0, sizeof *pt);
    pt->attributes = s->attrs;
    pt->attribute_count = s->nattrs;
    pt->time = c->now;
    pt->is_int = in->is_int;
    if (in->is_int)
        pt->value.i = atomic_load_explicit(&s->st[0].i, memory_order_relaxed);
    else
        pt->value.d = otelc__bits_to_double(
            atomic_load_explicit(&s->st[0].d, memory_order_relaxed));
    return true;
}

static bool histogram_point(collect_ctx *c, otelc__instr *in, otelc__series *s,
                            bool delta, otelc_histogram_point *pt) {
    uint32_t nb = in->nbounds + 1;
    uint64_t *counts = arena_alloc(&c->a, nb * sizeof *counts);
    if (!counts)
        return false;
    uint64_t count = 0;
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    for (uint32_t b = 0; b < nb; b++)
        counts[b] = 0;
    for (int k = 0; k < OTELC__STRIPES; k++) {
        const otelc__stripe *st = &s->st[k];
        for (uint32_t b = 0; b < nb; b++)
            counts[b] +=
                atomic_load_explicit(&st->counts[b], memory_order_relaxed);
        sum += otelc__bits_to_double(
            atomic_load_explicit(&st->d, memory_order_relaxed));
        mn = fmin(mn, otelc__bits_to_double(atomic_load_explicit(
                          &st->min, memory_order_relaxed)));
        mx = fmax(mx, otelc__bits_to_double(atomic_load_explicit(
                          &st->max, memory_order_relaxed)));
    }
    for (uint32_t b = 0; b < nb; b++)
        count += counts[b];
    memset(pt, 0, sizeof *pt);
    pt->attributes = s->attrs;
    pt->attribute_count = s->nattrs;
    pt->time = c->now;
    pt->start_time = s->start_time;
    pt->bounds = in->bounds;
    pt->bound_count = in->nbounds;
    pt->bucket_counts = counts;
    pt->count = count;
    pt->sum = sum;
    pt->has_min_max = count > 0 && isfinite(mn) && isfinite(mx);
    pt->min = pt->has_min_max ? mn : 0;
    pt->max = pt->has_min_max ? mx : 0;
    if (delta) {
        otelc__reader_mem *m = rmem(s, c->r->index);
        if (!m)
            return false;
        if (!m->last_counts) {
            m->last_counts = calloc(nb, sizeof *m->last_counts);
            if (!m->last_counts)
                return false;
        }
        uint64_t dcount = 0;
        for (uint32_t b = 0; b < nb; b++) {
            uint64_t cur = counts[b];
            counts[b] = cur - m->last_counts[b];
            m->last_counts[b] = cur;
            dcount += counts[b];
        }
        double cur_sum = pt->sum;
        pt->sum = cur_sum - m->last_sum;
        m->last_sum = cur_sum;
        pt->count = dcount;
        pt->has_min_max = false;
        pt->min = pt->max = 0;
        if (m->seen)
            pt->start_time = m->last_time;
        m->seen = true;
        m->last_time = c->now;
        if (dcount == 0)
            return false;
    }
    if (in->exemplars != OTELC__EX_OFF) {
        otelc_exemplar *ex = arena_alloc(&c->a, nb * sizeof *ex);
        uint32_t ne = 0;
        for (uint32_t b = 0; ex && b < nb; b++)
            ne += take_exemplar(&s->ex[b], false, delta ? pt->start_time : 0,
                                &ex[ne]);
        if (ne) {
            pt->exemplars = ex;
            pt->exemplar_count = ne;
        }
    }
    return true;
}

static __thread int t_collecting;

/* Build one instrument's metric; false when it has no points. */
static bool collect_instr(collect_ctx *c, otelc__instr *in,
                          otelc_metric_data *md) {
    if (otelc__kind_observable(in->kind)) {
        otelc_observer ob = {in, c->gen};
        t_collecting = 1;
        in->cb(&ob, in->cb_user);
        t_collecting = 0;
    }
    uint32_t n = 0;
    for (otelc__series *s =
             atomic_load_explicit(&in->head, memory_order_acquire);
         s; s = s->next)
        n++;
    if (!n)
        return false;
    memset(md, 0, sizeof *md);
    md->name = in->name;
    md->description = in->description;
    md->unit = in->unit;
    md->kind = in->kind;
    md->type = type_of(in->kind);
    md->monotonic = otelc__kind_monotonic(in->kind);
    md->is_int = in->is_int;
    bool delta = false;
    if (md->type != OTELC_METRIC_GAUGE) {
        md->temporality = c->r->temporality[in->kind];
        if (md->temporality == OTELC_TEMPORALITY_UNSPECIFIED)
            md->temporality = OTELC_TEMPORALITY_CUMULATIVE;
        delta = md->temporality == OTELC_TEMPORALITY_DELTA;
    }
    bool obs = otelc__kind_observable(in->kind);
    uint32_t k = 0;
    if (md->type == OTELC_METRIC_HISTOGRAM) {
        otelc_histogram_point *pts = arena_alloc(&c->a, n * sizeof *pts);
        if (!pts)
            return false;
        /* Only the series present when counting: later ones wait for the
         * next collection. */
        otelc__series *s =
            atomic_load_explicit(&in->head, memory_order_acquire);
        for (uint32_t j = 0; s && j < n; s = s->next, j++)
            if (histogram_point(c, in, s, delta, &pts[k]))
                k++;
        md->histogram_points = pts;
    } else {
        otelc_number_point *pts = arena_alloc(&c->a, n * sizeof *pts);
        if (!pts)
            return false;
        otelc__series *s =
            atomic_load_explicit(&in->head, memory_order_acquire);
        for (uint32_t j = 0; s && j < n; s = s->next, j++) {
            if (obs && s->obs_gen != c->gen)
                continue; /* not observed this time */
            bool ok = md->type == OTELC_METRIC_GAUGE
                          ? gauge_point(c, in, s, &pts[k])
                          : sum_point(c, in, s, delta, &pts[k]);
            if (ok)
                k++;
        }
        md->number_points = pts;
    }
    md->point_count = k;
    return k > 0;
}

otelc_status otelc__metrics_collect(otelc_metric_reader *r,
                                    otelc_metrics_collect_fn fn, void *user) {
    if (!r || !fn)
        return OTELC_EINVAL;
    otelc_meter_provider *p = r->provider;
    if (!p)
        return OTELC_ESTATE;
    if (t_collecting) {
        otelc__diag(OTELC_DIAG_WARN, "a metric collection was requested from "
                                     "inside an observable callback; refused");
        return OTELC_ESTATE;
    }
    /* Lines the recording paths deferred (never written on an
     * application thread) go out here, on the collecting thread. */
    otelc__diag_flush_deferred();
    collect_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    pthread_mutex_lock(&p->collect_lock);
    if (r->detached) {
        pthread_mutex_unlock(&p->collect_lock);
        return OTELC_ESTATE;
    }
    c.gen = ++p->gen;
    c.now = otelc__now_ns();
    uint32_t nm = 0;
    for (otelc_meter *m =
             atomic_load_explicit(&p->meters, memory_order_acquire);
         m; m = atomic_load_explicit(&m->next, memory_order_acquire))
        nm++;
    otelc_scope_metrics_data *scopes =
        arena_alloc(&c.a, (nm ? nm : 1) * sizeof *scopes);
    uint32_t ns = 0;
    otelc_meter *m = atomic_load_explicit(&p->meters, memory_order_acquire);
    for (uint32_t j = 0; scopes && m && j < nm;
         m = atomic_load_explicit(&m->next, memory_order_acquire), j++) {
        uint32_t ni = 0;
        for (otelc__instr *in =
                 atomic_load_explicit(&m->instrs, memory_order_acquire);
             in; in = atomic_load_explicit(&in->next, memory_order_acquire))
            ni++;
        if (!ni)
            continue;
        otelc_metric_data *mds = arena_alloc(&c.a, ni * sizeof *mds);
        if (!mds)
            break;
        uint32_t k = 0;
        otelc__instr *in =
            atomic_load_explicit(&m->instrs, memory_order_acquire);
        for (uint32_t q = 0; in && q < ni;
             in = atomic_load_explicit(&in->next, memory_order_acquire), q++)
            if (collect_instr(&c, in, &mds[k]))
                k++;
        if (k) {
            scopes[ns].scope = m->scope;
            scopes[ns].metrics = mds;
            scopes[ns].metric_count = k;
            ns++;
        }
    }
    otelc_metrics_data data;
    data.resource = otelc_meter_provider_resource(p);
    data.scopes = scopes;
    data.scope_count = scopes ? ns : 0;
    atomic_fetch_add(&r->collections, 1);
    pthread_mutex_unlock(&p->collect_lock);
    if (c.a.oom)
        otelc__diag(OTELC_DIAG_WARN, "metric collection: out of memory; the "
                                     "collection is incomplete");
    fn(&data, user);
    arena_free(&c.a);
    return c.a.oom ? OTELC_ENOMEM : OTELC_OK;
}

OTELC_API otelc_status otelc_metric_reader_collect(otelc_metric_reader *r,
                                                   otelc_metrics_collect_fn fn,
                                                   void *user) {
    return otelc__metrics_collect(r, fn, user);
}
