/*
 * sdk/span.c - the span record: pool, arena, attributes, events, links,
 * status, and the hand-off to processors at end.
 *
 * Memory.  Span records come from a per-thread pool (sdk/thread_int.h).
 * Everything a span copies in (name, keys, string values, event and link
 * arrays) is bump-allocated from an arena that starts inside the record
 * (OTELC__SPAN_ARENA_BYTES) and spills to heap blocks; attribute and event
 * arrays start inline and move to the arena when they grow.  So a typical
 * span costs no malloc at all, and recycling a record frees at most its
 * spill blocks.
 *
 * Invariants.  Every string in span->d is NUL-terminated and non-NULL.
 * d.attributes points at attr_inline or at an arena array of attr_cap
 * entries; likewise events.  A non-recording span uses only d.context and
 * the pool fields.  refs counts the processors that kept the span at end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/span_int.h"

#include "otelc/macros.h"

/* ---- trace state -----------------------------------------------------------
 */

otelc__tracestate *otelc__tracestate_new(const char *s, size_t len) {
    if (!s || !len)
        return NULL;
    otelc__tracestate *t = malloc(sizeof *t + len + 1);
    if (!t)
        return NULL;
    atomic_init(&t->refs, 1);
    t->len = (uint32_t)len;
    memcpy(t->str, s, len);
    t->str[len] = '\0';
    return t;
}

void otelc__tracestate_release(otelc__tracestate *t) {
    if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
        free(t);
}

/* ---- pool ------------------------------------------------------------------
 */

static void span_free_blocks(otelc_span *s) {
    otelc__arena_block *b = s->blocks;
    while (b) {
        otelc__arena_block *n = b->next;
        free(b);
        b = n;
    }
    s->blocks = NULL;
}

void otelc__push_returned(otelc__thread *owner, otelc_span *head,
                          otelc_span *tail) {
    otelc_span *old =
        atomic_load_explicit(&owner->returned, memory_order_relaxed);
    do {
        tail->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&owner->returned, &old,
                                                    head, memory_order_release,
                                                    memory_order_relaxed));
}

/* Drop what a recording span holds beyond its record. */
static void span_clear(otelc_span *s) {
    if (OTELC_UNLIKELY(s->blocks != NULL))
        span_free_blocks(s);
    if (s->tstate) {
        otelc__tracestate_release(s->tstate);
        s->tstate = NULL;
    }
}

void otelc__span_recycle(otelc_span *s) {
    span_clear(s);
    otelc__thread *t = otelc__tls;
    if (OTELC_LIKELY(s->owner == t))
        otelc__pool_put_local(t, s);
    else
        otelc__push_returned(s->owner, s, s);
}

void otelc__span_release_batch(otelc_span **spans, size_t n) {
    /* Group consecutive spans of one owner into a chain: a batch usually
     * comes from a handful of threads, so this is one CAS per run. */
    otelc_span *head = NULL, *tail = NULL;
    otelc__thread *owner = NULL;
    for (size_t i = 0; i < n; i++) {
        otelc_span *s = spans[i];
        if (!(atomic_load_explicit(&s->refs, memory_order_acquire) == 1 ||
              atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) ==
                  1))
            continue;
        span_clear(s);
        if (s->owner != owner) {
            if (head)
                otelc__push_returned(owner, head, tail);
            owner = s->owner;
            head = tail = s;
        } else {
            tail->next = s;
            tail = s;
        }
    }
    if (head)
        otelc__push_returned(owner, head, tail);
}

/* Refill the free list from the return stack or the heap.  Not inline: the
 * common case is a non-empty free list. */
otelc_span *otelc__pool_refill(otelc__thread *t) {
    otelc_span *s =
        atomic_exchange_explicit(&t->returned, NULL, memory_order_acquire);
    if (s) {
        t->free_list = s->next; /* the whole returned chain, in O(1) */
        return s;
    }
    s = aligned_alloc(OTELC_CACHELINE, (sizeof *s + OTELC_CACHELINE - 1) &
                                           ~(size_t)(OTELC_CACHELINE - 1));
    if (!s)
        return NULL;
    s->blocks = NULL;
    s->tstate = NULL;
    s->owner = t;
    return s;
}

/* ---- arena ------------------------------------------------------------------
 */

/* Spill: a new heap block for the arena (rare, out of line). */
static __attribute__((noinline)) void *arena_spill(otelc_span *s, size_t size) {
    size_t bsize = size > 2048 ? size : 2048;
    otelc__arena_block *b = malloc(sizeof *b + bsize);
    if (!b)
        return NULL;
    b->next = s->blocks;
    b->size = bsize;
    s->blocks = b;
    s->arena = b->data + size;
    s->arena_left = (uint32_t)(bsize - size);
    return b->data;
}

static inline __attribute__((always_inline)) void *arena_alloc(otelc_span *s,
                                                               size_t size) {
    size = (size + 7) & ~(size_t)7;
    if (OTELC_LIKELY(size <= s->arena_left)) {
        void *p = s->arena;
        s->arena += size;
        s->arena_left -= (uint32_t)size;
        return p;
    }
    return arena_spill(s, size);
}

/* Copy n bytes; short strings (most keys and values) without a libc call:
 * two overlapping fixed-size moves that the compiler turns into loads and
 * stores. */
static inline __attribute__((always_inline)) void
copy_small(char *d, const char *src, size_t n) {
    if (n >= 8 && n <= 16) {
        memcpy(d, src, 8);
        memcpy(d + n - 8, src + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        memcpy(d, src, 4);
        memcpy(d + n - 4, src + n - 4, 4);
    } else {
        memcpy(d, src, n);
    }
}

static inline __attribute__((always_inline)) const char *
arena_strn(otelc_span *s, const char *str, size_t len) {
    char *d = arena_alloc(s, len + 1);
    if (OTELC_UNLIKELY(!d))
        return NULL;
    copy_small(d, str, len);
    d[len] = '\0';
    return d;
}

/* A copy of an attribute key with its length (capped at 0xffff) stored in
 * the two bytes before it, for fast duplicate checks in attrs_set(). */
static inline const char *arena_key(otelc_span *s, const char *key, size_t klen,
                                    uint16_t l16) {
    char *d = arena_alloc(s, klen + 3);
    if (OTELC_UNLIKELY(!d))
        return NULL;
    memcpy(d, &l16, 2);
    copy_small(d + 2, key, klen);
    d[klen + 2] = '\0';
    return d + 2;
}

/* Length of an input string value: explicit len, else strlen. */
static inline size_t in_strlen(const otelc_value *v) {
    return v->len ? v->len : (v->u.s ? strlen(v->u.s) : 0);
}

/* Copy a value into the span's arena, applying the length limit.  Returns
 * false when memory is exhausted. */
static bool copy_value(otelc_span *s, otelc_value *dst, const otelc_value *src,
                       uint32_t max_len) {
    dst->type = src->type;
    dst->len = 0;
    switch (src->type) {
    case OTELC_VALUE_STRING: {
        size_t n = in_strlen(src);
        if (max_len && n > max_len)
            n = otelc__utf8_prefix(src->u.s, n, max_len);
        dst->u.s = arena_strn(s, src->u.s ? src->u.s : "", n);
        dst->len = (uint32_t)n;
        return dst->u.s != NULL;
    }
    case OTELC_VALUE_BYTES: {
        size_t n = src->len;
        if (max_len && n > max_len)
            n = max_len;
        dst->u.s = arena_strn(s, src->u.s ? src->u.s : "", n);
        dst->len = (uint32_t)n;
        return dst->u.s != NULL;
    }
    case OTELC_VALUE_BOOL:
    case OTELC_VALUE_INT:
    case OTELC_VALUE_DOUBLE: dst->u = src->u; return true;
    case OTELC_VALUE_STRING_ARRAY: {
        uint32_t n = src->u.sa ? src->len : 0;
        const char **a = arena_alloc(s, sizeof(char *) * (n ? n : 1));
        if (!a)
            return false;
        for (uint32_t i = 0; i < n; i++) {
            const char *e = src->u.sa[i] ? src->u.sa[i] : "";
            size_t el = strlen(e);
            if (max_len && el > max_len)
                el = otelc__utf8_prefix(e, el, max_len);
            if (!(a[i] = arena_strn(s, e, el)))
                return false;
        }
        dst->u.sa = a;
        dst->len = n;
        return true;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = src->type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        uint32_t n = src->u.ia ? src->len : 0;
        void *a = arena_alloc(s, el * (n ? n : 1));
        if (!a)
            return false;
        if (n)
            memcpy(a, src->u.ia, el * n);
        dst->u.ia = a;
        dst->len = n;
        return true;
    }
    default: return false;
    }
}

/* Set or replace key in an attribute array.  Returns false if dropped. */
static inline __attribute__((always_inline)) bool
attrs_set(otelc_span *s, otelc_attribute **arr, uint32_t *count, uint32_t *cap,
          uint32_t limit, const char *key, const otelc_value *v,
          uint32_t max_len) {
    size_t klen = strlen(key);
    otelc_attribute *a = *arr;
    uint16_t l16 = klen > 0xffff ? 0xffff : (uint16_t)klen;
    uint32_t n = *count; /* a local: stores below cannot alias it */
    for (uint32_t i = 0; i < n; i++) {
        /* Keys copied by arena_key() carry their length just before them:
         * compare lengths and first bytes before any string compare. */
        const char *k = a[i].key;
        uint16_t kl;
        memcpy(&kl, k - 2, 2);
        if (kl != l16 || k[0] != key[0])
            continue;
        if (l16 == 0xffff ? strcmp(k, key) == 0 : memcmp(k, key, klen) == 0)
            return copy_value(s, &a[i].value, v, max_len);
    }
    if (*count >= limit)
        return false;
    if (*count == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 4;
        if (ncap > limit)
            ncap = limit;
        otelc_attribute *na = arena_alloc(s, sizeof *na * ncap);
        if (!na)
            return false;
        if (*count)
            memcpy(na, a, sizeof *na * *count);
        *arr = a = na;
        *cap = ncap;
    }
    otelc_attribute *e = &a[*count];
    if (!(e->key = arena_key(s, key, klen, l16)) ||
        !copy_value(s, &e->value, v, max_len))
        return false;
    (*count)++;
    return true;
}

/* Copy an input attribute list into a fresh arena array (for events and
 * links), deduplicating keys (the last value wins) and applying limits. */
static void copy_attr_list(otelc_span *s, const otelc_attribute *in, size_t n,
                           uint32_t limit, const otelc_attribute **out,
                           uint32_t *count, uint32_t *dropped) {
    otelc_attribute *arr = NULL;
    uint32_t c = 0, cap = 0, d = 0;
    uint32_t max_len = s->tracer->provider->limits.attribute_value_length;
    for (size_t i = 0; i < n; i++) {
        if (!in[i].key || !in[i].key[0] || in[i].value.type == OTELC_VALUE_NONE)
            continue;
        if (!attrs_set(s, &arr, &c, &cap, limit, in[i].key, &in[i].value,
                       max_len))
            d++;
    }
    *out = arr ? arr : s->attr_inline; /* never NULL; count says 0 */
    *count = c;
    *dropped = d;
}

/* ---- recording spans: setters
 * -------------------------------------------------- */

void otelc__span_init_recording(otelc_span *s);
void otelc__span_init_recording(otelc_span *s) {
    s->arena = s->arena_inline;
    s->arena_left = OTELC__SPAN_ARENA_BYTES;
    s->attr_cap = OTELC__SPAN_INLINE_ATTRS;
    s->event_cap = OTELC__SPAN_INLINE_EVENTS;
    s->link_cap = 0;
    s->d.attributes = s->attr_inline;
    s->d.attribute_count = 0;
    s->d.dropped_attribute_count = 0;
    s->d.events = s->event_inline;
    s->d.event_count = 0;
    s->d.dropped_event_count = 0;
    s->d.links = NULL;
    s->d.link_count = 0;
    s->d.dropped_link_count = 0;
    s->d.status_code = OTELC_STATUS_UNSET;
    s->d.status_description = "";
    s->status_final = 0;
}

void otelc__span_set_name(otelc_span *s, const char *name);
void otelc__span_set_name(otelc_span *s, const char *name) {
    if (!name)
        name = "";
    const char *n = arena_strn(s, name, strlen(name));
    s->d.name = n ? n : "";
}

static inline bool writable(const otelc_span *s) {
    return s && s->recording && !s->ended;
}

/* Set one attribute on a span already known to be writable. */
static inline __attribute__((always_inline)) void
set_attr(otelc_span *s, const char *key, const otelc_value *v) {
    if (OTELC_UNLIKELY(!key || !key[0]))
        return;
    const otelc_span_limits *l = &s->tracer->provider->limits;
    if (OTELC_UNLIKELY(!attrs_set(s, (otelc_attribute **)&s->d.attributes,
                                  &s->d.attribute_count, &s->attr_cap,
                                  l->attribute_count, key, v,
                                  l->attribute_value_length)))
        s->d.dropped_attribute_count++;
}

OTELC_API void otelc_span_set_attribute(otelc_span *s, const char *key,
                                        const otelc_value *v) {
    if (!writable(s) || !v || v->type == OTELC_VALUE_NONE)
        return;
    set_attr(s, key, v);
}

OTELC_API void otelc_span_set_attributes(otelc_span *s,
                                         const otelc_attribute *attrs,
                                         size_t n) {
    if (!writable(s) || !attrs)
        return;
    for (size_t i = 0; i < n; i++)
        if (attrs[i].value.type != OTELC_VALUE_NONE)
            set_attr(s, attrs[i].key, &attrs[i].value);
}

OTELC_API void otelc_span_set_attribute_str(otelc_span *s, const char *key,
                                            const char *value) {
    if (!writable(s))
        return;
    otelc_value v = {OTELC_VALUE_STRING, 0, {.s = value ? value : ""}};
    set_attr(s, key, &v);
}

OTELC_API void otelc_span_set_attribute_str_n(otelc_span *s, const char *key,
                                              const char *value, size_t len) {
    if (!writable(s))
        return;
    /* len 0 means "use strlen" on input, so an empty value goes as "". */
    otelc_value v = {
        OTELC_VALUE_STRING, (uint32_t)len, {.s = len ? value : ""}};
    set_attr(s, key, &v);
}

OTELC_API void otelc_span_set_attribute_int(otelc_span *s, const char *key,
                                            int64_t value) {
    if (!writable(s))
        return;
    otelc_value v = {OTELC_VALUE_INT, 0, {.i = value}};
    set_attr(s, key, &v);
}

OTELC_API void otelc_span_set_attribute_double(otelc_span *s, const char *key,
                                               double value) {
    if (!writable(s))
        return;
    otelc_value v = {OTELC_VALUE_DOUBLE, 0, {.d = value}};
    set_attr(s, key, &v);
}

OTELC_API void otelc_span_set_attribute_bool(otelc_span *s, const char *key,
                                             bool value) {
    if (!writable(s))
        return;
    otelc_value v = {OTELC_VALUE_BOOL, 0, {.b = value}};
    set_attr(s, key, &v);
}

OTELC_API void otelc_span_add_event_at(otelc_span *s, const char *name,
                                       otelc_time_ns time,
                                       const otelc_attribute *attrs, size_t n) {
    if (!writable(s))
        return;
    const otelc_span_limits *l = &s->tracer->provider->limits;
    if (s->d.event_count >= l->event_count) {
        s->d.dropped_event_count++;
        return;
    }
    if (s->d.event_count == s->event_cap) {
        uint32_t ncap = s->event_cap * 2;
        if (ncap > l->event_count)
            ncap = l->event_count;
        otelc_event_data *ne = arena_alloc(s, sizeof *ne * ncap);
        if (!ne) {
            s->d.dropped_event_count++;
            return;
        }
        memcpy(ne, s->d.events, sizeof *ne * s->d.event_count);
        s->d.events = ne;
        s->event_cap = ncap;
    }
    otelc_event_data *e = (otelc_event_data *)&s->d.events[s->d.event_count];
    if (!name)
        name = "";
    e->name = arena_strn(s, name, strlen(name));
    if (!e->name) {
        s->d.dropped_event_count++;
        return;
    }
    e->time = time ? time : otelc__now_ns();
    copy_attr_list(s, attrs, attrs ? n : 0, l->event_attribute_count,
                   &e->attributes, &e->attribute_count,
                   &e->dropped_attribute_count);
    s->d.event_count++;
}

OTELC_API void otelc_span_add_event(otelc_span *s, const char *name,
                                    const otelc_attribute *attrs, size_t n) {
    otelc_span_add_event_at(s, name, 0, attrs, n);
}

void otelc__span_add_link(otelc_span *s, const otelc_link *link);
void otelc__span_add_link(otelc_span *s, const otelc_link *link) {
    if (!link || !otelc_span_context_is_valid(&link->context))
        return;
    const otelc_span_limits *l = &s->tracer->provider->limits;
    if (s->d.link_count >= l->link_count) {
        s->d.dropped_link_count++;
        return;
    }
    if (s->d.link_count == s->link_cap) {
        uint32_t ncap = s->link_cap ? s->link_cap * 2 : 2;
        if (ncap > l->link_count)
            ncap = l->link_count;
        otelc_link_data *nl = arena_alloc(s, sizeof *nl * ncap);
        if (!nl) {
            s->d.dropped_link_count++;
            return;
        }
        if (s->d.link_count)
            memcpy(nl, s->d.links, sizeof *nl * s->d.link_count);
        s->d.links = nl;
        s->link_cap = ncap;
    }
    otelc_link_data *d = (otelc_link_data *)&s->d.links[s->d.link_count];
    d->context = link->context;
    const char *ts = link->trace_state ? link->trace_state : "";
    d->trace_state = arena_strn(s, ts, strlen(ts));
    if (!d->trace_state) {
        s->d.dropped_link_count++;
        return;
    }
    copy_attr_list(s, link->attributes,
                   link->attributes ? link->attribute_count : 0,
                   l->link_attribute_count, &d->attributes, &d->attribute_count,
                   &d->dropped_attribute_count);
    s->d.link_count++;
}

OTELC_API void otelc_span_add_link(otelc_span *s, const otelc_link *link) {
    if (writable(s))
        otelc__span_add_link(s, link);
}

OTELC_API void otelc_span_set_status(otelc_span *s, otelc_status_code code,
                                     const char *description) {
    if (!writable(s) || s->status_final || code == OTELC_STATUS_UNSET)
        return;
    if (code == OTELC_STATUS_OK) {
        s->d.status_code = OTELC_STATUS_OK;
        s->d.status_description = "";
        s->status_final = 1;
        return;
    }
    if (code != OTELC_STATUS_ERROR)
        return;
    s->d.status_code = OTELC_STATUS_ERROR;
    const char *d = description ? description : "";
    const char *c = arena_strn(s, d, strlen(d));
    s->d.status_description = c ? c : "";
}

OTELC_API void otelc_span_set_error(otelc_span *s, const char *fmt, ...) {
    if (!writable(s))
        return;
    char buf[1024];
    buf[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
    }
    otelc_span_set_status(s, OTELC_STATUS_ERROR, buf);
}

OTELC_API void otelc_span_update_name(otelc_span *s, const char *name) {
    if (writable(s))
        otelc__span_set_name(s, name);
}

OTELC_API void otelc_span_record_exception(otelc_span *s, const char *type,
                                           const char *message,
                                           const char *stacktrace,
                                           const otelc_attribute *attrs,
                                           size_t n) {
    if (!writable(s))
        return;
    /* The specification's exception event: name "exception" with the
     * exception.* attributes, then the caller's extras. */
    enum { MAX_EXTRA = 32 };
    otelc_attribute all[3 + MAX_EXTRA];
    size_t c = 0;
    if (type)
        all[c++] = OTELC_ATTR_STR("exception.type", type);
    if (message)
        all[c++] = OTELC_ATTR_STR("exception.message", message);
    if (stacktrace)
        all[c++] = OTELC_ATTR_STR("exception.stacktrace", stacktrace);
    for (size_t i = 0; attrs && i < n && i < MAX_EXTRA; i++)
        all[c++] = attrs[i];
    otelc_span_add_event(s, "exception", all, c);
}

OTELC_API bool otelc_span_is_recording(const otelc_span *s) {
    return s && s->recording && !s->ended;
}

OTELC_API otelc_span_context otelc_span_get_context(const otelc_span *s) {
    if (!s) {
        otelc_span_context z;
        memset(&z, 0, sizeof z);
        return z;
    }
    return s->d.context;
}

OTELC_API const char *otelc_span_get_trace_state(const otelc_span *s) {
    return s ? otelc__tracestate_str(s->tstate) : "";
}

OTELC_API bool otelc_span_data_has_parent(const otelc_span_data *d) {
    uint64_t p;
    memcpy(&p, d->parent_span_id, 8);
    return p != 0;
}
