/*
 * sdk/baggage.c - immutable, reference-counted baggage.
 *
 * A baggage is one allocation: the header, an entry array and the string
 * bytes.  Updates copy (baggage is small and rarely changed), which keeps
 * every baggage safe to share across threads with no locks.
 */
#include <stdlib.h>

#include "sdk/span_int.h"

#include "otelc/baggage.h"

typedef struct bag_entry {
    const char *name;
    const char *value;
    const char *metadata;
} bag_entry;

struct otelc_baggage {
    _Atomic uint32_t refs;
    uint32_t count;
    bag_entry e[];
};

const otelc_baggage *otelc__baggage_retain(const otelc_baggage *b) {
    if (b)
        atomic_fetch_add_explicit(&((otelc_baggage *)b)->refs, 1,
                                  memory_order_relaxed);
    return b;
}

void otelc__baggage_release(const otelc_baggage *cb) {
    otelc_baggage *b = (otelc_baggage *)cb;
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

OTELC_API otelc_baggage *otelc_baggage_ref(const otelc_baggage *b) {
    return (otelc_baggage *)otelc__baggage_retain(b);
}

OTELC_API void otelc_baggage_free(otelc_baggage *b) {
    otelc__baggage_release(b);
}

/* Build a baggage from up to n entries of `src`, skipping `skip` (may be
 * NULL), then appending (name, value, meta) if name != NULL. */
static otelc_baggage *build(const otelc_baggage *src, const char *skip,
                            const char *name, const char *value,
                            const char *meta) {
    uint32_t n = src ? src->count : 0;
    size_t bytes = 0, count = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (skip && !strcmp(src->e[i].name, skip))
            continue;
        bytes += strlen(src->e[i].name) + strlen(src->e[i].value) +
                 strlen(src->e[i].metadata) + 3;
        count++;
    }
    if (name) {
        bytes += strlen(name) + strlen(value) + strlen(meta) + 3;
        count++;
    }
    otelc_baggage *b = malloc(sizeof *b + sizeof(bag_entry) * count + bytes);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->count = 0;
    char *p = (char *)&b->e[count];
#define BAG_COPY(dst, s)                                                       \
    do {                                                                       \
        size_t l_ = strlen(s) + 1;                                             \
        memcpy(p, (s), l_);                                                    \
        (dst) = p;                                                             \
        p += l_;                                                               \
    } while (0)
    for (uint32_t i = 0; i < n; i++) {
        if (skip && !strcmp(src->e[i].name, skip))
            continue;
        bag_entry *d = &b->e[b->count++];
        BAG_COPY(d->name, src->e[i].name);
        BAG_COPY(d->value, src->e[i].value);
        BAG_COPY(d->metadata, src->e[i].metadata);
    }
    if (name) {
        bag_entry *d = &b->e[b->count++];
        BAG_COPY(d->name, name);
        BAG_COPY(d->value, value);
        BAG_COPY(d->metadata, meta);
    }
#undef BAG_COPY
    return b;
}

OTELC_API otelc_baggage *otelc_baggage_set(const otelc_baggage *base,
                                           const char *name, const char *value,
                                           const char *metadata) {
    if (!name || !name[0] || !value)
        return NULL;
    return build(base, name, name, value, metadata ? metadata : "");
}

OTELC_API otelc_baggage *otelc_baggage_remove(const otelc_baggage *base,
                                              const char *name) {
    if (!name)
        return otelc_baggage_ref(base);
    return build(base, name, NULL, NULL, NULL);
}

OTELC_API const char *otelc_baggage_get(const otelc_baggage *b,
                                        const char *name) {
    if (!b || !name)
        return NULL;
    for (uint32_t i = 0; i < b->count; i++)
        if (!strcmp(b->e[i].name, name))
            return b->e[i].value;
    return NULL;
}

OTELC_API size_t otelc_baggage_count(const otelc_baggage *b) {
    return b ? b->count : 0;
}

OTELC_API bool otelc_baggage_entry(const otelc_baggage *b, size_t i,
                                   const char **name, const char **value,
                                   const char **metadata) {
    if (!b || i >= b->count)
        return false;
    if (name)
        *name = b->e[i].name;
    if (value)
        *value = b->e[i].value;
    if (metadata)
        *metadata = b->e[i].metadata;
    return true;
}
