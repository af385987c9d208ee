/*
 * sdk/span_copy.c - deep copy of an ended span into one allocation, for
 * exporters (and tests) that keep spans beyond the export call.
 *
 * Two passes over the span run the same code: the sizing pass (cursor with
 * no memory) only sums the bytes needed, with the alignment each piece
 * gets; the copying pass fills one block laid out in the same order.  One
 * free() releases everything, and nothing in the copy points into the
 * original, except the scope and resource, which belong to the provider
 * and are shared on purpose (they outlive every span of the provider).
 *
 * Every string keeps its byte length, so string and bytes values with
 * embedded NULs survive, and every copied string is NUL-terminated.  NULL
 * strings in the source (hand-built span data) become "".
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
        if (s && n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A NUL-terminated source string (NULL = ""). */
static const char *cstr(cursor *c, const char *s) {
    return str(c, s, s ? strlen(s) : 0);
}

static void value(cursor *c, otelc_value *dst, const otelc_value *src) {
    if (dst)
        *dst = *src;
    switch (src->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES: {
        uint32_t n = src->u.s ? src->len : 0;
        const char *s = str(c, src->u.s, n);
        if (dst) {
            dst->u.s = s;
            dst->len = n;
        }
        break;
    }
    case OTELC_VALUE_STRING_ARRAY: {
        uint32_t n = src->u.sa ? src->len : 0;
        const char **a = take(c, sizeof(char *) * n, alignof(char *));
        for (uint32_t i = 0; i < n; i++) {
            const char *s = cstr(c, src->u.sa[i]);
            if (a)
                a[i] = s;
        }
        if (dst) {
            dst->u.sa = a;
            dst->len = n;
        }
        break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = src->type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        uint32_t n = src->u.ia ? src->len : 0;
        void *a = take(c, el * n, 8);
        if (a && n)
            memcpy(a, src->u.ia, el * n);
        if (dst) {
            dst->u.ia = a;
            dst->len = n;
        }
        break;
    }
    default: break;
    }
}

static const otelc_attribute *attrs(cursor *c, const otelc_attribute *src,
                                    uint32_t n) {
    otelc_attribute *a = take(c, sizeof *a * n, alignof(otelc_attribute));
    for (uint32_t i = 0; i < n; i++) {
        const char *k = cstr(c, src[i].key);
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
    v = cstr(c, s->trace_state);
    if (d)
        d->trace_state = v;
    v = cstr(c, s->name);
    if (d)
        d->name = v;
    v = cstr(c, s->status_description);
    if (d)
        d->status_description = v;
    const otelc_attribute *a = attrs(c, s->attributes, s->attribute_count);
    if (d)
        d->attributes = a;
    otelc_event_data *ev =
        take(c, sizeof *ev * s->event_count, alignof(otelc_event_data));
    for (uint32_t i = 0; i < s->event_count; i++) {
        if (ev)
            ev[i] = s->events[i];
        v = cstr(c, s->events[i].name);
        a = attrs(c, s->events[i].attributes, s->events[i].attribute_count);
        if (ev) {
            ev[i].name = v;
            ev[i].attributes = a;
        }
    }
    if (d)
        d->events = ev;
    otelc_link_data *ln =
        take(c, sizeof *ln * s->link_count, alignof(otelc_link_data));
    for (uint32_t i = 0; i < s->link_count; i++) {
        if (ln)
            ln[i] = s->links[i];
        v = cstr(c, s->links[i].trace_state);
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

OTELC_API void otelc_span_data_free(otelc_span_data *copy) {
    free(copy);
}
