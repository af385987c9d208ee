/*
 * tests/metrics/metrics_helpers.h - snapshots of metric collections for
 * the metrics tests: a collection is copied into plain structs so that
 * tests can look points up by metric name and attribute text after the
 * collect call has returned.
 */
#ifndef OTELC_TEST_METRICS_HELPERS_H
#define OTELC_TEST_METRICS_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/otelc.h>

typedef struct mpoint {
    char metric[128];
    char attrs[512]; /* "k=v,k2=v2" in the point's (sorted) order */
    char scope[128];
    char unit[64];
    int type;
    int temporality;
    bool monotonic;
    bool is_int;
    int64_t i;
    double d;
    otelc_time_ns start, time;
    uint64_t count;
    double sum, min, max;
    bool has_min_max;
    uint32_t nb;
    uint64_t buckets[64];
    double bounds[64];
    uint32_t nex;
    otelc_exemplar ex[64];
} mpoint;

typedef struct msnap {
    size_t n;
    mpoint *p;
    char service[128];
} msnap;

static inline void attrs_text(const otelc_attribute *a, uint32_t n, char *out,
                              size_t len) {
    size_t pos = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < n && pos < len; i++) {
        const otelc_value *v = &a[i].value;
        char val[256];
        switch (v->type) {
        case OTELC_VALUE_STRING: snprintf(val, sizeof val, "%s", v->u.s); break;
        case OTELC_VALUE_INT:
            snprintf(val, sizeof val, "%lld", (long long)v->u.i);
            break;
        case OTELC_VALUE_DOUBLE: snprintf(val, sizeof val, "%g", v->u.d); break;
        case OTELC_VALUE_BOOL:
            snprintf(val, sizeof val, "%s", v->u.b ? "true" : "false");
            break;
        default: snprintf(val, sizeof val, "?");
        }
        pos += (size_t)snprintf(out + pos, len - pos, "%s%s=%s", i ? "," : "",
                                a[i].key, val);
    }
}

static inline void snap_cb(const otelc_metrics_data *d, void *user) {
    msnap *s = user;
    snprintf(s->service, sizeof s->service, "%s",
             otelc_resource_service_name(d->resource));
    for (uint32_t i = 0; i < d->scope_count; i++)
        for (uint32_t j = 0; j < d->scopes[i].metric_count; j++) {
            const otelc_metric_data *m = &d->scopes[i].metrics[j];
            for (uint32_t k = 0; k < m->point_count; k++) {
                s->p = realloc(s->p, (s->n + 1) * sizeof *s->p);
                mpoint *p = &s->p[s->n++];
                memset(p, 0, sizeof *p);
                snprintf(p->metric, sizeof p->metric, "%s", m->name);
                snprintf(p->scope, sizeof p->scope, "%s",
                         d->scopes[i].scope.name);
                snprintf(p->unit, sizeof p->unit, "%s", m->unit);
                p->type = m->type;
                p->temporality = m->temporality;
                p->monotonic = m->monotonic;
                p->is_int = m->is_int;
                if (m->type == OTELC_METRIC_HISTOGRAM) {
                    const otelc_histogram_point *h = &m->histogram_points[k];
                    attrs_text(h->attributes, h->attribute_count, p->attrs,
                               sizeof p->attrs);
                    p->start = h->start_time;
                    p->time = h->time;
                    p->count = h->count;
                    p->sum = h->sum;
                    p->min = h->min;
                    p->max = h->max;
                    p->has_min_max = h->has_min_max;
                    p->nb = h->bound_count + 1;
                    for (uint32_t b = 0; b < p->nb && b < 64; b++) {
                        p->buckets[b] = h->bucket_counts[b];
                        if (b < h->bound_count)
                            p->bounds[b] = h->bounds[b];
                    }
                    p->nex = h->exemplar_count;
                    for (uint32_t e = 0; e < p->nex && e < 64; e++)
                        p->ex[e] = h->exemplars[e];
                } else {
                    const otelc_number_point *np = &m->number_points[k];
                    attrs_text(np->attributes, np->attribute_count, p->attrs,
                               sizeof p->attrs);
                    p->start = np->start_time;
                    p->time = np->time;
                    p->is_int = np->is_int;
                    p->i = np->value.i;
                    p->d = np->value.d;
                    p->nex = np->exemplar_count;
                    for (uint32_t e = 0; e < p->nex && e < 64; e++)
                        p->ex[e] = np->exemplars[e];
                }
            }
        }
}

static inline msnap snap_take(otelc_metric_reader *r) {
    msnap s = {0};
    otelc_status st = otelc_metric_reader_collect(r, snap_cb, &s);
    (void)st;
    return s;
}

static inline void snap_free(msnap *s) {
    free(s->p);
    s->p = NULL;
    s->n = 0;
}

/* The point of `metric` whose attribute text is `attrs` (NULL = any). */
static inline const mpoint *snap_find(const msnap *s, const char *metric,
                                      const char *attrs) {
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->p[i].metric, metric) &&
            (!attrs || !strcmp(s->p[i].attrs, attrs)))
            return &s->p[i];
    return NULL;
}

static inline size_t snap_count(const msnap *s, const char *metric) {
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += !strcmp(s->p[i].metric, metric);
    return n;
}

#endif
