/*
 * sdk/span_copy.c - deep copy of an ended span into one allocation, for
 * exporters (and tests) that keep spans beyond the export call.
 *
 * Two passes over the span: the first sums the bytes needed, the second
 * copies into one block laid out as [header][arrays][strings].  One free()
 * releases everything.
 */
#include <stdalign.h>
#include <stdlib.h>

#include "sdk/span_int.h"

typedef struct cursor {
    unsigned char *p; /* NULL in the sizing pass */
    size_t used;
} cursor;

static void *take(cursor *c, size_t n, size_t align) {
    c->used = (c->used + align - 1) & ~(align - 1);
    void *r = c->p ? c->p + c->used : NULL;
    c->used += n;
    return r;
}

static const char *str(cursor *c, const char *s, size_t n) {
    char *d = take(c, n + 1, 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void value(cursor *c, otelc_value *dst, const otelc_value *src) {
    if (dst)
        *dst = *src;
    switch (src->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES: {
        const char *s = str(c, src->u.s, src->len);
        if (dst)
            dst->u.s = s;
        break;
    }
    case OTELC_VALUE_STRING_ARRAY: {
        const char **a = take(c, sizeof(char *) * src->len, alignof(char *));
        for (uint32_t i = 0; i < src->len; i++) {
            const char *s = str(c, src->u.sa[i], strlen(src->u.sa[i]));
            if (a)
                a[i] = s;
        }
        if (dst)
            dst->u.sa = a;
        break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = src->type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        void *a = take(c, el * src->len, 8);
        if (a && src->len)
            memcpy(a, src->u.ia, el * src->len);
        if (dst)
            dst->u.ia = a;
        break;
    }
    default:
        break;
    }
}

static const otelc_attribute *attrs(cursor *c, const otelc_attribute *src,
                                    uint32_t n) {
    otelc_attribute *a = take(c, sizeof *a * n, alignof(otelc_attribute));
    for (uint32_t i = 0; i < n; i++) {
        const char *k = str(c, src[i].key, strlen(src[i].key));
        if (a)
            a[i].key = k;
        value(c, a ? &a[i].value : NULL, &src[i].value);
    }
    return a;
}

static otelc_span_data *copy(cursor *c, const otelc_span_data *s) {
    otelc_span_data *d = take(c, sizeof *d, alignof(otelc_span_data));
    if (d)
        *d = *s;
    const char *v;
    v = str(c, s->trace_state, strlen(s->trace_state));
    if (d)
        d->trace_state = v;
    v = str(c, s->name, strlen(s->name));
    if (d)
        d->name = v;
    v = str(c, s->status_description, strlen(s->status_description));
    if (d)
        d->status_description = v;
    const otelc_attribute *a = attrs(c, s->attributes, s->attribute_count);
    if (d)
        d->attributes = a;
    otelc_event_data *ev = take(c, sizeof *ev * s->event_count,
                                alignof(otelc_event_data));
    for (uint32_t i = 0; i < s->event_count; i++) {
        if (ev)
            ev[i] = s->events[i];
        v = str(c, s->events[i].name, strlen(s->events[i].name));
        a = attrs(c, s->events[i].attributes, s->events[i].attribute_count);
        if (ev) {
            ev[i].name = v;
            ev[i].attributes = a;
        }
    }
    if (d)
        d->events = ev;
    otelc_link_data *ln = take(c, sizeof *ln * s->link_count,
                               alignof(otelc_link_data));
    for (uint32_t i = 0; i < s->link_count; i++) {
        if (ln)
            ln[i] = s->links[i];
        v = str(c, s->links[i].trace_state, strlen(s->links[i].trace_state));
        a = attrs(c, s->links[i].attributes, s->links[i].attribute_count);
        if (ln) {
            ln[i].trace_state = v;
            ln[i].attributes = a;
        }
    }
    if (d)
        d->links = ln;
    return d;
}

OTELC_API otelc_span_data *otelc_span_data_copy(const otelc_span_data *s) {
    if (!s)
        return NULL;
    cursor c = {NULL, 0};
    copy(&c, s);
    unsigned char *block = malloc(c.used);
    if (!block)
        return NULL;
    c.p = block;
    c.used = 0;
    return copy(&c, s);
}

OTELC_API void otelc_span_data_free(otelc_span_data *copy) { free(copy); }
