/*
 * sdk/metrics_record.c - the recording path: finding a measurement's series
 * and updating its cells, plus exemplars.
 *
 * Lookup.  An attribute set is hashed as the sum of per-attribute hashes
 * (so the order of the pairs does not matter), then probed in the
 * instrument's open-addressing table of series pointers.  While hashing,
 * each string's length and a "signature word" are computed: for a string
 * of at most 8 bytes the word determines its content exactly (given the
 * length), so verifying a hit compares two integers per string and only
 * longer strings need a memcmp of their tail.  Integers, doubles and bools
 * are compared as their bits.  A hit costs no lock, no allocation and no
 * write to shared memory other than the cell itself.
 *
 * Pointer cache.  Most attribute keys and many values are string
 * literals, and a literal in the main program's read-only segments can
 * never change (and the main program is never unmapped).  For a call whose
 * strings all live there, the addresses identify the content, so the set
 * can be found by a hash of its pointers and scalars alone: no strlen, no
 * content hash.  Each instrument keeps a small direct-mapped cache of
 * series by pointer hash; each series keeps the pointer signature of the
 * last call that filled the cache, under a seqlock, so a probe compares
 * that exact signature or misses.  A hit is only possible for a call whose
 * pointers (hence contents) equal those of a call that was resolved to the
 * series by content; a miss falls back to the content lookup and refills.
 *
 * Insert.  A miss takes the instrument's insert lock, normalises the set
 * (drops valueless attributes, keeps the last value of a repeated key),
 * looks again, and creates the series: one allocation holding the cells,
 * the signature and a sorted deep copy of the attributes.  The series is
 * published to the table with a release store after it is complete.  When
 * the instrument holds cardinality_limit - 1 series, further sets go to
 * the overflow series (otel.metric.overflow=true), which is created then;
 * from that point a miss on a plain set goes to it without locking.
 *
 * Cells.  Each series has OTELC__STRIPES copies of its cells, one per
 * cache line; a thread updates the copy of its thread index, and
 * collections add them up.  Sums: an int64 updated with fetch_add for
 * integer measurements
 * and a double (as bits) updated with a CAS loop for floating ones.
 * Histograms: fetch_add on the bucket count (the count is the sum of the
 * buckets, so count and +Inf always agree), CAS loops for the sum and,
 * only when the value improves on them, for min and max.  Gauges: a store.
 *
 * Diagnostics here (bad values, overflow) are deferred: formatted on the
 * recording thread, written by the next collection or background worker,
 * so a measurement never writes to stderr.
 *
 * Exemplars.  With the trace_based filter the calling thread's current
 * context is read (two loads when there is none); when its span is
 * sampled, the measurement, its time and the span's ids are written to the
 * series' slot (the bucket's slot for histograms) under a per-slot
 * seqlock that a concurrent writer skips rather than waits on.
 */
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "sdk/metrics_int.h"
#include "sdk/span_int.h"

/* ---- hashing
 * ------------------------------------------------------------------ */

static inline uint64_t mum(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)(r >> 64) ^ (uint64_t)r;
}

#define K0 0xa0761d6478bd642fULL
#define K1 0xe7037ed1a0b428dbULL
#define K2 0x8ebc6af09c88c6e3ULL
#define K3 0x589965cc75374cc3ULL

static inline uint64_t load64(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline uint64_t load32(const char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The signature word of a string of `len` bytes: for len <= 8 a function
 * of the content that differs for any two contents of that length (the
 * two 4-byte windows, or the three bytes, cover every byte); for longer
 * strings the first 8 bytes. */
static inline uint64_t sig_word(const char *s, size_t len) {
    if (len >= 8)
        return load64(s);
    if (len >= 4)
        return load32(s) | load32(s + len - 4) << 32;
    if (len == 0)
        return 0;
    return (uint64_t)(unsigned char)s[0] << 16 |
           (uint64_t)(unsigned char)s[len >> 1] << 8 |
           (uint64_t)(unsigned char)s[len - 1];
}

/* Hash of a string given its signature word. */
static inline uint64_t hash_bytes(const char *s, size_t len, uint64_t w) {
    if (len <= 8)
        return mum(w ^ K0, len ^ K1);
    uint64_t h = mum(w ^ K0, len ^ K1);
    size_t i = 8;
    for (; i + 8 <= len; i += 8)
        h = mum(h ^ load64(s + i), K2);
    if (i < len)
        h = mum(h ^ load64(s + len - 8), K3);
    return h;
}

static inline uint64_t hash_scalar(uint64_t v, uint64_t type) {
    return mum(v ^ K2, type * K3 + K1);
}

/* Hash of one attribute from its key and value hashes. */
static inline uint64_t hash_attr(uint64_t hk, uint64_t hv) {
    return mum(hk ^ K1, hv ^ K2);
}

static inline uint64_t hash_final(uint64_t sum, size_t n) {
    return mum(sum ^ K3, (uint64_t)n ^ K0);
}

/* Generic hash of any value (arrays, bytes...), for the slow paths. */
static uint64_t hash_value_any(const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES: {
        size_t len =
            v->len ? v->len
                   : (v->type == OTELC_VALUE_STRING && v->u.s ? strlen(v->u.s)
                                                              : 0);
        const char *s = v->u.s ? v->u.s : "";
        return hash_bytes(s, len, sig_word(s, len)) ^ v->type;
    }
    case OTELC_VALUE_INT: return hash_scalar((uint64_t)v->u.i, OTELC_VALUE_INT);
    case OTELC_VALUE_BOOL: return hash_scalar(v->u.b, OTELC_VALUE_BOOL);
    case OTELC_VALUE_DOUBLE:
        return hash_scalar(otelc__double_to_bits(v->u.d), OTELC_VALUE_DOUBLE);
    default: {
        uint64_t h = hash_scalar(v->len, v->type);
        for (uint32_t i = 0; i < v->len; i++) {
            uint64_t e = 0;
            switch (v->type) {
            case OTELC_VALUE_STRING_ARRAY: {
                const char *s = v->u.sa[i] ? v->u.sa[i] : "";
                size_t l = strlen(s);
                e = hash_bytes(s, l, sig_word(s, l));
                break;
            }
            case OTELC_VALUE_BOOL_ARRAY: e = v->u.ba[i]; break;
            case OTELC_VALUE_INT_ARRAY: e = (uint64_t)v->u.ia[i]; break;
            case OTELC_VALUE_DOUBLE_ARRAY:
                e = otelc__double_to_bits(v->u.da[i]);
                break;
            default: break;
            }
            h = mum(h ^ e, K2 + i);
        }
        return h;
    }
    }
}

static uint64_t hash_set_any(const otelc_attribute *a, size_t n) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        size_t kl = strlen(a[i].key);
        uint64_t hk = hash_bytes(a[i].key, kl, sig_word(a[i].key, kl));
        sum += hash_attr(hk, hash_value_any(&a[i].value));
    }
    return hash_final(sum, n);
}

/* ---- value equality (slow paths)
 * ------------------------------------------------ */

static size_t str_len(const otelc_value *v) {
    return v->len ? v->len : (v->u.s ? strlen(v->u.s) : 0);
}

static bool value_eq(const otelc_value *a, const otelc_value *b) {
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES: {
        size_t la = str_len(a), lb = str_len(b);
        return la == lb && (la == 0 || !memcmp(a->u.s, b->u.s, la));
    }
    case OTELC_VALUE_INT: return a->u.i == b->u.i;
    case OTELC_VALUE_BOOL: return a->u.b == b->u.b;
    case OTELC_VALUE_DOUBLE:
        return otelc__double_to_bits(a->u.d) == otelc__double_to_bits(b->u.d);
    case OTELC_VALUE_STRING_ARRAY:
        if (a->len != b->len)
            return false;
        for (uint32_t i = 0; i < a->len; i++)
            if (strcmp(a->u.sa[i] ? a->u.sa[i] : "",
                       b->u.sa[i] ? b->u.sa[i] : ""))
                return false;
        return true;
    case OTELC_VALUE_BOOL_ARRAY:
        return a->len == b->len &&
               !memcmp(a->u.ba, b->u.ba, a->len * sizeof(bool));
    case OTELC_VALUE_INT_ARRAY:
        return a->len == b->len &&
               !memcmp(a->u.ia, b->u.ia, a->len * sizeof(int64_t));
    case OTELC_VALUE_DOUBLE_ARRAY:
        return a->len == b->len &&
               !memcmp(a->u.da, b->u.da, a->len * sizeof(double));
    default: return true;
    }
}

/* Order-insensitive exact comparison of a normalised set (no repeated
 * keys, no valueless attributes) with a series' set. */
static bool set_eq(const otelc__series *s, const otelc_attribute *a, size_t n) {
    if (s->nattrs != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        /* The series' attributes are sorted by key: binary search. */
        size_t lo = 0, hi = n;
        const otelc_attribute *hit = NULL;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = strcmp(s->attrs[mid].key, a[i].key);
            if (c == 0) {
                hit = &s->attrs[mid];
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (!hit || !value_eq(&hit->value, &a[i].value))
            return false;
    }
    return true;
}

/* ---- normalisation and series creation
 * ----------------------------------------- */

/* Copy the usable attributes of a call into out[] (at most
 * OTELC__MAX_METRIC_ATTRS): valueless ones and NULL/empty keys are dropped
 * and a repeated key keeps its last value.  Returns the count. */
static size_t normalise(otelc__instr *in, const otelc_attribute *a, size_t n,
                        otelc_attribute *out) {
    size_t m = 0;
    if (n > OTELC__MAX_METRIC_ATTRS) {
        otelc__diag_deferred(&in->rl_attrs, OTELC_DIAG_WARN,
                             "metric %s: %zu attributes in one measurement; "
                             "only the first %d are kept",
                             in->name, n, OTELC__MAX_METRIC_ATTRS);
        n = OTELC__MAX_METRIC_ATTRS;
    }
    for (size_t i = 0; i < n; i++) {
        if (!a[i].key || !a[i].key[0] || a[i].value.type == OTELC_VALUE_NONE ||
            a[i].value.type > OTELC_VALUE_BYTES)
            continue;
        size_t j = 0;
        while (j < m && strcmp(out[j].key, a[i].key))
            j++;
        out[j] = a[i];
        if (j == m)
            m++;
    }
    return m;
}

static int attr_cmp(const void *x, const void *y) {
    return strcmp(((const otelc_attribute *)x)->key,
                  ((const otelc_attribute *)y)->key);
}

/* Bytes a value's deep copy needs beyond the attribute itself. */
static size_t value_extra(const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES: return str_len(v) + 1;
    case OTELC_VALUE_STRING_ARRAY: {
        size_t n = v->len * sizeof(char *);
        for (uint32_t i = 0; i < v->len; i++)
            n += strlen(v->u.sa[i] ? v->u.sa[i] : "") + 1;
        return n + 8;
    }
    case OTELC_VALUE_BOOL_ARRAY: return v->len * sizeof(bool) + 8;
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: return v->len * 8 + 8;
    default: return 0;
    }
}

static char *bump(char **p, size_t n, size_t align) {
    uintptr_t v = ((uintptr_t)*p + align - 1) & ~(uintptr_t)(align - 1);
    *p = (char *)v + n;
    return (char *)v;
}

/* Deep-copy v's payload into the bump region. */
static void value_copy(otelc_value *dst, const otelc_value *src, char **p) {
    *dst = *src;
    switch (src->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES: {
        size_t l = str_len(src);
        char *s = bump(p, l + 1, 1);
        if (l)
            memcpy(s, src->u.s, l);
        s[l] = '\0';
        dst->u.s = s;
        dst->len = (uint32_t)l;
        break;
    }
    case OTELC_VALUE_STRING_ARRAY: {
        char **arr = (char **)bump(p, src->len * sizeof(char *), 8);
        for (uint32_t i = 0; i < src->len; i++) {
            const char *e = src->u.sa[i] ? src->u.sa[i] : "";
            size_t l = strlen(e);
            arr[i] = bump(p, l + 1, 1);
            memcpy(arr[i], e, l + 1);
        }
        dst->u.sa = (const char *const *)arr;
        break;
    }
    case OTELC_VALUE_BOOL_ARRAY: {
        bool *arr = (bool *)bump(p, src->len * sizeof(bool), 8);
        if (src->len)
            memcpy(arr, src->u.ba, src->len * sizeof(bool));
        dst->u.ba = arr;
        break;
    }
    case OTELC_VALUE_INT_ARRAY: {
        int64_t *arr = (int64_t *)bump(p, src->len * 8, 8);
        if (src->len)
            memcpy(arr, src->u.ia, src->len * 8);
        dst->u.ia = arr;
        break;
    }
    case OTELC_VALUE_DOUBLE_ARRAY: {
        double *arr = (double *)bump(p, src->len * 8, 8);
        if (src->len)
            memcpy(arr, src->u.da, src->len * 8);
        dst->u.da = arr;
        break;
    }
    default: break;
    }
}

/* Build a series for the normalised set a[0..n) (call order kept for the
 * signature).  One allocation: header and cells, histogram buckets and
 * exemplar slots, signatures, sorted attributes, strings. */
static otelc__series *series_new(otelc__instr *in, const otelc_attribute *a,
                                 size_t n, uint64_t hash) {
    size_t nb = in->kind == OTELC_INSTRUMENT_HISTOGRAM ? in->nbounds + 1 : 0;
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += strlen(a[i].key) + 1 + value_extra(&a[i].value);
    /* Each stripe's buckets on cache lines of their own. */
    size_t nb_line =
        (nb * 8 + OTELC_CACHELINE - 1) & ~(size_t)(OTELC_CACHELINE - 1);
    size_t size = sizeof(otelc__series) + OTELC__STRIPES * nb_line +
                  OTELC_CACHELINE + nb * sizeof(otelc__exslot) + 8 +
                  n * sizeof(otelc__sattr) + 8 + n * sizeof(otelc_attribute) +
                  8 + extra + OTELC_CACHELINE;
    size = (size + OTELC_CACHELINE - 1) & ~(size_t)(OTELC_CACHELINE - 1);
    otelc__series *s = aligned_alloc(OTELC_CACHELINE, size);
    if (!s)
        return NULL;
    memset(s, 0, size);
    char *p = (char *)(s + 1);
    if (nb) {
        for (int k = 0; k < OTELC__STRIPES; k++)
            s->st[k].counts =
                (_Atomic uint64_t *)bump(&p, nb_line, OTELC_CACHELINE);
        s->ex = (otelc__exslot *)bump(&p, nb * sizeof(otelc__exslot), 8);
    } else {
        s->ex = &s->ex1;
    }
    otelc__sattr *sig = (otelc__sattr *)bump(&p, n * sizeof *sig, 8);
    s->attrs = (otelc_attribute *)bump(&p, n * sizeof *s->attrs, 8);
    s->complex = 0;
    for (size_t i = 0; i < n; i++) {
        size_t kl = strlen(a[i].key);
        char *k = bump(&p, kl + 1, 1);
        memcpy(k, a[i].key, kl + 1);
        s->attrs[i].key = k;
        value_copy(&s->attrs[i].value, &a[i].value, &p);
        /* The signature points at the copies, in call order. */
        sig[i].key = k;
        sig[i].klen = (uint32_t)kl;
        sig[i].kw = sig_word(k, kl);
        sig[i].vtype = (uint8_t)a[i].value.type;
        const otelc_value *v = &s->attrs[i].value;
        switch (v->type) {
        case OTELC_VALUE_STRING:
            sig[i].str = v->u.s;
            sig[i].vlen = v->len;
            sig[i].vw = sig_word(v->u.s, v->len);
            break;
        case OTELC_VALUE_INT: sig[i].vw = (uint64_t)v->u.i; break;
        case OTELC_VALUE_BOOL: sig[i].vw = v->u.b; break;
        case OTELC_VALUE_DOUBLE:
            sig[i].vw = otelc__double_to_bits(v->u.d);
            break;
        default: s->complex = 1; break;
        }
    }
    qsort(s->attrs, n, sizeof *s->attrs, attr_cmp);
    s->sig = sig;
    s->nattrs = (uint32_t)n;
    s->hash = hash;
    s->start_time = otelc__now_ns();
    for (int k = 0; k < OTELC__STRIPES; k++) {
        atomic_store_explicit(&s->st[k].min, otelc__double_to_bits(INFINITY),
                              memory_order_relaxed);
        atomic_store_explicit(&s->st[k].max, otelc__double_to_bits(-INFINITY),
                              memory_order_relaxed);
    }
    return s;
}

void otelc__series_free(otelc__instr *in, otelc__series *s) {
    (void)in;
    if (!s)
        return;
    if (s->rmem)
        for (int r = 0; r < OTELC__MAX_READERS; r++)
            free(s->rmem[r].last_counts);
    free(s->rmem);
    free(s);
}

/* Put s in the current table (insert lock held), growing it first when
 * that would pass half full.  Returns false when memory is exhausted. */
static bool table_put(otelc__instr *in, otelc__series *s) {
    otelc__stable *t = atomic_load_explicit(&in->table, memory_order_relaxed);
    uint32_t need = in->nseries + 2; /* this one and the overflow series */
    if (!t || (uint64_t)need * 2 > (uint64_t)t->mask + 1) {
        uint32_t cap = t ? (t->mask + 1) * 2 : 16;
        while ((uint64_t)need * 2 > cap)
            cap *= 2;
        otelc__stable *nt =
            calloc(1, sizeof *nt + (size_t)cap * sizeof(nt->slot[0]));
        if (!nt)
            return false;
        nt->mask = cap - 1;
        nt->prev = t;
        for (otelc__series *x =
                 atomic_load_explicit(&in->head, memory_order_relaxed);
             x; x = x->next) {
            uint32_t i = (uint32_t)x->hash & nt->mask;
            while (atomic_load_explicit(&nt->slot[i], memory_order_relaxed))
                i = (i + 1) & nt->mask;
            atomic_store_explicit(&nt->slot[i], x, memory_order_relaxed);
        }
        atomic_store_explicit(&in->table, nt, memory_order_release);
        t = nt;
    }
    uint32_t i = (uint32_t)s->hash & t->mask;
    while (atomic_load_explicit(&t->slot[i], memory_order_relaxed))
        i = (i + 1) & t->mask;
    atomic_store_explicit(&t->slot[i], s, memory_order_release);
    return true;
}

/* Link a complete series into the instrument (insert lock held). */
static bool publish(otelc__instr *in, otelc__series *s) {
    if (!table_put(in, s))
        return false;
    s->next = atomic_load_explicit(&in->head, memory_order_relaxed);
    atomic_store_explicit(&in->head, s, memory_order_release);
    in->nseries++;
    if (s->nattrs == 0)
        atomic_store_explicit(&in->noattr, s, memory_order_release);
    return true;
}

static otelc__series *find_locked(otelc__instr *in, const otelc_attribute *a,
                                  size_t n, uint64_t h) {
    otelc__stable *t = atomic_load_explicit(&in->table, memory_order_relaxed);
    if (!t)
        return NULL;
    for (uint32_t i = (uint32_t)h & t->mask;; i = (i + 1) & t->mask) {
        otelc__series *s =
            atomic_load_explicit(&t->slot[i], memory_order_relaxed);
        if (!s)
            return NULL;
        if (s->hash == h && set_eq(s, a, n))
            return s;
    }
}

static otelc__series *overflow_locked(otelc__instr *in) {
    otelc__series *o =
        atomic_load_explicit(&in->overflow, memory_order_relaxed);
    if (o)
        return o;
    otelc_attribute oa = OTELC_ATTR_BOOL("otel.metric.overflow", true);
    uint64_t h = hash_set_any(&oa, 1);
    o = find_locked(in, &oa, 1, h);
    if (!o) {
        o = series_new(in, &oa, 1, h);
        if (!o)
            return NULL;
        if (!publish(in, o)) {
            otelc__series_free(in, o);
            return NULL;
        }
    }
    o->overflow = 1;
    atomic_store_explicit(&in->overflow, o, memory_order_release);
    atomic_store_explicit(&in->full, 1, memory_order_release);
    otelc__diag_deferred(
        &in->rl_full, OTELC_DIAG_WARN,
        "metric %s: cardinality limit %u reached; measurements for "
        "new attribute sets go to the otel.metric.overflow=true "
        "series",
        in->name, in->limit);
    return o;
}

/* The slow path: normalise, look again under the lock, insert. */
static otelc__series *insert_slow(otelc__instr *in, const otelc_attribute *a,
                                  size_t n) {
    otelc_attribute norm[OTELC__MAX_METRIC_ATTRS];
    size_t m = normalise(in, a, n, norm);
    uint64_t h = hash_set_any(norm, m);
    pthread_mutex_lock(&in->lock);
    otelc__series *s = find_locked(in, norm, m, h);
    if (!s) {
        /* The limit counts the overflow series: limit - 1 sets of their
         * own, then everything else shares the overflow series. */
        if (in->nseries + 1 >= in->limit) {
            s = overflow_locked(in);
        } else {
            s = series_new(in, norm, m, h);
            if (s && !publish(in, s)) {
                otelc__series_free(in, s);
                s = NULL;
            }
        }
    }
    pthread_mutex_unlock(&in->lock);
    if (s && s->overflow)
        otelc__diag_deferred(&in->rl_overflow, OTELC_DIAG_WARN,
                             "metric %s: over its cardinality limit (%u); "
                             "measurements folded into the overflow series",
                             in->name, in->limit);
    return s;
}

/* Lookup of sets the fast path does not handle (more than
 * OTELC__FAST_ATTRS attributes, arrays, bytes, NULL keys...). */
static otelc__series *lookup_generic(otelc__instr *in, const otelc_attribute *a,
                                     size_t n) {
    otelc_attribute norm[OTELC__MAX_METRIC_ATTRS];
    size_t m = normalise(in, a, n, norm);
    uint64_t h = hash_set_any(norm, m);
    otelc__stable *t = atomic_load_explicit(&in->table, memory_order_acquire);
    if (t) {
        for (uint32_t i = (uint32_t)h & t->mask;; i = (i + 1) & t->mask) {
            otelc__series *s =
                atomic_load_explicit(&t->slot[i], memory_order_acquire);
            if (!s)
                break;
            if (s->hash == h && set_eq(s, norm, m))
                return s;
        }
    }
    if (m == n && atomic_load_explicit(&in->full, memory_order_acquire))
        return atomic_load_explicit(&in->overflow, memory_order_acquire);
    return insert_slow(in, a, n);
}

/* Compare a call's attributes with a series' signature, position by
 * position (the usual case: the same call site in the same order). */
static inline bool sig_eq(const otelc__series *s, const otelc_attribute *a,
                          size_t n, const uint64_t *kw, const uint32_t *kl,
                          const uint64_t *vw, const uint32_t *vl) {
    const otelc__sattr *g = s->sig;
    for (size_t i = 0; i < n; i++) {
        if (g[i].kw != kw[i] || g[i].klen != kl[i] || g[i].vw != vw[i] ||
            g[i].vtype != a[i].value.type)
            return false;
        if (OTELC_UNLIKELY(kl[i] > 8) &&
            memcmp(g[i].key + 8, a[i].key + 8, kl[i] - 8))
            return false;
        if (g[i].vtype == OTELC_VALUE_STRING &&
            (g[i].vlen != vl[i] ||
             (OTELC_UNLIKELY(vl[i] > 8) &&
              memcmp(g[i].str + 8, a[i].value.u.s + 8, vl[i] - 8))))
            return false;
    }
    return true;
}

/* True when a call's attributes need normalising: a repeated key. */
static bool has_repeats(const otelc_attribute *a, size_t n, const uint64_t *kw,
                        const uint32_t *kl) {
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (kw[i] == kw[j] && kl[i] == kl[j] && !strcmp(a[i].key, a[j].key))
                return true;
    return false;
}

/* ---- the pointer cache
 * ------------------------------------------------------------ */

/* The main program's read-only address range: [g_ro_lo, g_ro_lo + g_ro_len).
 * Zero length (no cache) if a writable segment lies inside it. */
static uintptr_t g_ro_lo, g_ro_len;
static pthread_once_t g_ro_once = PTHREAD_ONCE_INIT;

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    (void)arg;
    /* The first object is the main program. */
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
            continue;
        uintptr_t b = info->dlpi_addr + ph->p_vaddr;
        lo = b < lo ? b : lo;
        hi = b + ph->p_memsz > hi ? b + ph->p_memsz : hi;
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t b = info->dlpi_addr + ph->p_vaddr;
        if (b < hi && b + ph->p_memsz > lo)
            return 1; /* interleaved: no single read-only range */
    }
    if (hi > lo) {
        g_ro_lo = lo;
        g_ro_len = hi - lo;
    }
    return 1;
}

static void ro_init_once(void) {
    dl_iterate_phdr(phdr_cb, NULL);
}

void otelc__metrics_ro_init(void) {
    pthread_once(&g_ro_once, ro_init_once);
}

static inline bool immutable(const void *p) {
    return (uintptr_t)p - g_ro_lo < g_ro_len;
}

static inline uint64_t pmix(uint64_t h, uint64_t v) {
    return (h ^ v) * 0x9e3779b97f4a7c15ULL;
}

/* The type and explicit length of a value as one word (the two 32-bit
 * fields that start otelc_value). */
static inline uint64_t type_len(const otelc_value *v) {
    uint64_t w;
    memcpy(&w, v, sizeof w);
    return w;
}

/* The 64 bits of a value's union: a string's address, an integer's or a
 * double's bits, a bool in the low byte (the other bytes may be anything:
 * a probe then misses, it never matches wrongly). */
static inline uint64_t value_bits(const otelc_value *v) {
    uint64_t w;
    memcpy(&w, &v->u, sizeof w);
    return w;
}

/* The hash of a call's pointer signature: the key addresses, the
 * type/length words and the value words, without looking at any string. */
static inline uint64_t phash(const otelc_attribute *a, size_t n) {
    uint64_t h = n;
    for (size_t i = 0; i < n; i++)
        h = pmix(h + (uintptr_t)a[i].key,
                 type_len(&a[i].value) ^ value_bits(&a[i].value));
    return h * 0x9e3779b97f4a7c15ULL;
}

/* May the call's signature be remembered?  Only when it determines the
 * content: every key and string value (NUL-terminated) in the main
 * program's read-only memory; scalar values otherwise. */
static bool pkey_cacheable(const otelc_attribute *a, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const otelc_value *v = &a[i].value;
        if (!immutable(a[i].key))
            return false;
        switch (v->type) {
        case OTELC_VALUE_STRING:
            if (v->len || !immutable(v->u.s))
                return false;
            break;
        case OTELC_VALUE_INT:
        case OTELC_VALUE_DOUBLE:
        case OTELC_VALUE_BOOL: break;
        default: return false;
        }
    }
    return true;
}

/* phdr: bits 0-7 the pair count, bit 8 set while a writer is inside, bits
 * 9-63 a version.  One comparison checks both the count and that no
 * writer is inside. */
#define PHDR_BUSY 0x100u

/* A probe needs no immutability test: a signature equal to one that was
 * remembered has the same addresses, which were tested then. */
static inline otelc__series *pcache_probe(otelc__instr *in,
                                          const otelc_attribute *a, size_t n) {
    otelc__series *s = atomic_load_explicit(&in->pcache[phash(a, n) >> 58],
                                            memory_order_acquire);
    if (!s)
        return NULL;
    uint64_t hdr = atomic_load_explicit(&s->phdr, memory_order_acquire);
    if ((hdr & 0x1ff) != n)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (atomic_load_explicit(&s->psig[i].key, memory_order_relaxed) !=
                (uintptr_t)a[i].key ||
            atomic_load_explicit(&s->psig[i].tl, memory_order_relaxed) !=
                type_len(&a[i].value) ||
            atomic_load_explicit(&s->psig[i].val, memory_order_relaxed) !=
                value_bits(&a[i].value))
            return NULL;
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->phdr, memory_order_relaxed) != hdr)
        return NULL;
    return s;
}

/* After a content lookup resolved a call to s: remember its pointers. */
static void pcache_fill(otelc__instr *in, otelc__series *s,
                        const otelc_attribute *a, size_t n) {
    if (n == 0 || n > OTELC__PCACHE_ATTRS || !pkey_cacheable(a, n))
        return;
    uint64_t hdr = atomic_load_explicit(&s->phdr, memory_order_relaxed);
    if ((hdr & PHDR_BUSY) || !atomic_compare_exchange_strong_explicit(
                                 &s->phdr, &hdr, hdr | PHDR_BUSY,
                                 memory_order_acquire, memory_order_relaxed))
        return; /* another thread is filling it */
    for (size_t i = 0; i < n; i++) {
        atomic_store_explicit(&s->psig[i].key, (uintptr_t)a[i].key,
                              memory_order_relaxed);
        atomic_store_explicit(&s->psig[i].tl, type_len(&a[i].value),
                              memory_order_relaxed);
        atomic_store_explicit(&s->psig[i].val, value_bits(&a[i].value),
                              memory_order_relaxed);
    }
    atomic_store_explicit(&s->phdr, ((hdr >> 9) + 1) << 9 | n,
                          memory_order_release);
    atomic_store_explicit(&in->pcache[phash(a, n) >> 58], s,
                          memory_order_release);
}

/* The lookup every measurement makes: the empty set and the pointer cache
 * inline, the content lookup out of line. */
static otelc__series *lookup_content(otelc__instr *in, const otelc_attribute *a,
                                     size_t n);

static inline otelc__series *lookup(otelc__instr *in, const otelc_attribute *a,
                                    size_t n) {
    if (n == 0) {
        otelc__series *s =
            atomic_load_explicit(&in->noattr, memory_order_acquire);
        if (OTELC_LIKELY(s != NULL))
            return s;
    } else if (n <= OTELC__PCACHE_ATTRS) {
        otelc__series *s = pcache_probe(in, a, n);
        if (OTELC_LIKELY(s != NULL))
            return s;
    }
    return otelc__series_get(in, a, n);
}

otelc__series *otelc__series_get(otelc__instr *in, const otelc_attribute *a,
                                 size_t n) {
    otelc__series *s = lookup_content(in, a, n);
    if (s)
        pcache_fill(in, s, a, n);
    return s;
}

static otelc__series *lookup_content(otelc__instr *in, const otelc_attribute *a,
                                     size_t n) {
    if (n == 0) {
        otelc__series *s =
            atomic_load_explicit(&in->noattr, memory_order_acquire);
        return OTELC_LIKELY(s != NULL) ? s : insert_slow(in, a, 0);
    }
    if (OTELC_UNLIKELY(n > OTELC__FAST_ATTRS))
        return lookup_generic(in, a, n);
    uint64_t kw[OTELC__FAST_ATTRS], vw[OTELC__FAST_ATTRS];
    uint32_t kl[OTELC__FAST_ATTRS], vl[OTELC__FAST_ATTRS];
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = a[i].key;
        if (OTELC_UNLIKELY(!k || !k[0]))
            return lookup_generic(in, a, n);
        size_t klen = strlen(k);
        kl[i] = (uint32_t)klen;
        kw[i] = sig_word(k, klen);
        uint64_t hk = hash_bytes(k, klen, kw[i]);
        uint64_t hv;
        const otelc_value *v = &a[i].value;
        switch (v->type) {
        case OTELC_VALUE_STRING: {
            const char *s = v->u.s;
            if (OTELC_UNLIKELY(!s))
                return lookup_generic(in, a, n);
            size_t len = v->len ? v->len : strlen(s);
            vl[i] = (uint32_t)len;
            vw[i] = sig_word(s, len);
            hv = hash_bytes(s, len, vw[i]) ^ OTELC_VALUE_STRING;
            break;
        }
        case OTELC_VALUE_INT:
            vw[i] = (uint64_t)v->u.i;
            vl[i] = 0;
            hv = hash_scalar(vw[i], OTELC_VALUE_INT);
            break;
        case OTELC_VALUE_BOOL:
            vw[i] = v->u.b;
            vl[i] = 0;
            hv = hash_scalar(vw[i], OTELC_VALUE_BOOL);
            break;
        case OTELC_VALUE_DOUBLE:
            vw[i] = otelc__double_to_bits(v->u.d);
            vl[i] = 0;
            hv = hash_scalar(vw[i], OTELC_VALUE_DOUBLE);
            break;
        default: return lookup_generic(in, a, n);
        }
        sum += hash_attr(hk, hv);
    }
    uint64_t h = hash_final(sum, n);
    otelc__stable *t = atomic_load_explicit(&in->table, memory_order_acquire);
    if (OTELC_LIKELY(t != NULL)) {
        for (uint32_t i = (uint32_t)h & t->mask;; i = (i + 1) & t->mask) {
            otelc__series *s =
                atomic_load_explicit(&t->slot[i], memory_order_acquire);
            if (!s)
                break;
            if (s->hash == h && s->nattrs == n) {
                if (OTELC_LIKELY(!s->complex &&
                                 sig_eq(s, a, n, kw, kl, vw, vl)))
                    return s;
                /* Same set in another order, or a hash collision. */
                if (!has_repeats(a, n, kw, kl) && set_eq(s, a, n))
                    return s;
            }
        }
    }
    if (!has_repeats(a, n, kw, kl) &&
        atomic_load_explicit(&in->full, memory_order_acquire))
        return atomic_load_explicit(&in->overflow, memory_order_acquire);
    return insert_slow(in, a, n);
}

/* ---- exemplars
 * ------------------------------------------------------------------ */

static void exslot_write(otelc__exslot *x, const otelc_span_context *sc,
                         double value) {
    uint32_t s = atomic_load_explicit(&x->seq, memory_order_relaxed);
    if ((s & 1) ||
        !atomic_compare_exchange_strong_explicit(
            &x->seq, &s, s + 1, memory_order_acquire, memory_order_relaxed))
        return; /* another writer is inside: let it win */
    atomic_store_explicit(&x->time, otelc__now_ns(), memory_order_relaxed);
    atomic_store_explicit(&x->value, otelc__double_to_bits(value),
                          memory_order_relaxed);
    if (sc) {
        atomic_store_explicit(&x->tid_hi, otelc__load_be64(sc->trace_id),
                              memory_order_relaxed);
        atomic_store_explicit(&x->tid_lo, otelc__load_be64(sc->trace_id + 8),
                              memory_order_relaxed);
        atomic_store_explicit(&x->sid, otelc__load_be64(sc->span_id),
                              memory_order_relaxed);
    } else {
        atomic_store_explicit(&x->tid_hi, 0, memory_order_relaxed);
        atomic_store_explicit(&x->tid_lo, 0, memory_order_relaxed);
        atomic_store_explicit(&x->sid, 0, memory_order_relaxed);
    }
    atomic_store_explicit(&x->seq, s + 2, memory_order_release);
}

bool otelc__exslot_read(const otelc__exslot *x, otelc_exemplar *out,
                        bool is_int) {
    otelc__exslot *m = (otelc__exslot *)x;
    for (int tries = 0; tries < 8; tries++) {
        uint32_t s1 = atomic_load_explicit(&m->seq, memory_order_acquire);
        if (s1 == 0)
            return false;
        if (s1 & 1)
            continue;
        uint64_t t = atomic_load_explicit(&m->time, memory_order_relaxed);
        uint64_t v = atomic_load_explicit(&m->value, memory_order_relaxed);
        uint64_t hi = atomic_load_explicit(&m->tid_hi, memory_order_relaxed);
        uint64_t lo = atomic_load_explicit(&m->tid_lo, memory_order_relaxed);
        uint64_t sid = atomic_load_explicit(&m->sid, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&m->seq, memory_order_relaxed) != s1)
            continue;
        memset(out, 0, sizeof *out);
        out->time = t;
        double d = otelc__bits_to_double(v);
        out->is_int = is_int;
        if (is_int)
            out->value.i = (int64_t)llround(d);
        else
            out->value.d = d;
        otelc__store_be64(out->trace_id, hi);
        otelc__store_be64(out->trace_id + 8, lo);
        otelc__store_be64(out->span_id, sid);
        return true;
    }
    return false;
}

/* Keep an exemplar if the filter lets this measurement through. */
/* Keep an exemplar if the filter lets this measurement through; t is the
 * calling thread's state (never NULL: see this_thread()). */
static inline void maybe_exemplar(const otelc__instr *in, otelc__thread *t,
                                  otelc__exslot *x, double value) {
    if (OTELC_LIKELY(in->exemplars == OTELC__EX_OFF))
        return;
    /* trace_based with no current entry: nothing to keep (the common
     * case, decided with two loads). */
    if (in->exemplars == OTELC__EX_TRACE && !t->depth)
        return;
    const otelc_span_context *sc = NULL;
    if (t->depth) {
        const otelc__ctx_entry *e = &t->stack[t->depth - 1];
        if (e->span)
            sc = &e->span->d.context;
        else if (e->ctx)
            sc = &e->ctx->sc;
    }
    if (in->exemplars == OTELC__EX_TRACE &&
        (!sc || !(sc->trace_flags & OTELC_TRACE_FLAG_SAMPLED)))
        return;
    exslot_write(x, sc, value);
}

/* ---- cells
 * ---------------------------------------------------------------------- */

/* The calling thread's state: its index picks the stripe, its context
 * stack the exemplar.  A thread that never touched otelc gets its state
 * here, once (the registry lock, like its first span); NULL only when
 * memory is exhausted. */
static __attribute__((cold, noinline)) otelc__thread *first_use(void) {
    return otelc__thread_create();
}

static inline otelc__thread *this_thread(void) {
    otelc__thread *t = otelc__tls;
    return OTELC_LIKELY(t != NULL) ? t : first_use();
}

static inline otelc__stripe *stripe_of(otelc__series *s, otelc__thread *t) {
    return &s->st[t->index & (OTELC__STRIPES - 1)];
}

static inline void add_double(_Atomic uint64_t *cell, double v) {
    uint64_t old = atomic_load_explicit(cell, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(
        cell, &old, otelc__double_to_bits(otelc__bits_to_double(old) + v),
        memory_order_relaxed, memory_order_relaxed))
        ;
}

static inline bool recording(const otelc__instr *in) {
    return OTELC_LIKELY(in != NULL) && OTELC_LIKELY(atomic_load_explicit(
                                           &in->enabled, memory_order_relaxed));
}

static void sum_add_i(otelc__instr *in, int64_t v, const otelc_attribute *a,
                      size_t n) {
    otelc__series *s = lookup(in, a, n);
    otelc__thread *t = this_thread();
    if (OTELC_UNLIKELY(!s || !t))
        return;
    atomic_fetch_add_explicit(&stripe_of(s, t)->i, v, memory_order_relaxed);
    maybe_exemplar(in, t, &s->ex1, (double)v);
}

static void sum_add_d(otelc__instr *in, double v, const otelc_attribute *a,
                      size_t n) {
    if (OTELC_UNLIKELY(!isfinite(v))) {
        otelc__diag_deferred(&in->rl_value, OTELC_DIAG_WARN,
                             "metric %s: non-finite value ignored", in->name);
        return;
    }
    otelc__series *s = lookup(in, a, n);
    otelc__thread *t = this_thread();
    if (OTELC_UNLIKELY(!s || !t))
        return;
    add_double(&stripe_of(s, t)->d, v);
    maybe_exemplar(in, t, &s->ex1, v);
}

static void negative(otelc__instr *in) {
    otelc__diag_deferred(&in->rl_value, OTELC_DIAG_WARN,
                         "counter %s: negative value ignored (counters only "
                         "increase; use an up-down counter)",
                         in->name);
}

OTELC_API void otelc_counter_add_attrs(otelc_counter *c, int64_t v,
                                       const otelc_attribute *a, size_t n) {
    otelc__instr *in = (otelc__instr *)c;
    if (!recording(in))
        return;
    if (OTELC_UNLIKELY(v < 0)) {
        negative(in);
        return;
    }
    sum_add_i(in, v, a, n);
}

OTELC_API void otelc_counter_add_double_attrs(otelc_counter *c, double v,
                                              const otelc_attribute *a,
                                              size_t n) {
    otelc__instr *in = (otelc__instr *)c;
    if (!recording(in))
        return;
    if (OTELC_UNLIKELY(v < 0)) {
        negative(in);
        return;
    }
    sum_add_d(in, v, a, n);
}

OTELC_API void otelc_updown_counter_add_attrs(otelc_updown_counter *c,
                                              int64_t v,
                                              const otelc_attribute *a,
                                              size_t n) {
    otelc__instr *in = (otelc__instr *)c;
    if (recording(in))
        sum_add_i(in, v, a, n);
}

OTELC_API void otelc_updown_counter_add_double_attrs(otelc_updown_counter *c,
                                                     double v,
                                                     const otelc_attribute *a,
                                                     size_t n) {
    otelc__instr *in = (otelc__instr *)c;
    if (recording(in))
        sum_add_d(in, v, a, n);
}

static void gauge_set(otelc__instr *in, otelc__series *s, bool is_int,
                      int64_t iv, double dv) {
    if (in->is_int)
        atomic_store_explicit(&s->st[0].i, is_int ? iv : (int64_t)llround(dv),
                              memory_order_relaxed);
    else
        atomic_store_explicit(&s->st[0].d,
                              otelc__double_to_bits(is_int ? (double)iv : dv),
                              memory_order_relaxed);
    atomic_store_explicit(&s->st[0].set, 1, memory_order_release);
}

OTELC_API void otelc_gauge_record_attrs(otelc_gauge *g, int64_t v,
                                        const otelc_attribute *a, size_t n) {
    otelc__instr *in = (otelc__instr *)g;
    if (!recording(in))
        return;
    otelc__series *s = lookup(in, a, n);
    if (OTELC_UNLIKELY(!s))
        return;
    gauge_set(in, s, true, v, 0);
}

OTELC_API void otelc_gauge_record_double_attrs(otelc_gauge *g, double v,
                                               const otelc_attribute *a,
                                               size_t n) {
    otelc__instr *in = (otelc__instr *)g;
    if (!recording(in))
        return;
    if (OTELC_UNLIKELY(isnan(v))) {
        otelc__diag_deferred(&in->rl_value, OTELC_DIAG_WARN,
                             "gauge %s: NaN ignored", in->name);
        return;
    }
    otelc__series *s = lookup(in, a, n);
    if (OTELC_UNLIKELY(!s))
        return;
    gauge_set(in, s, false, 0, v);
}

/* The bucket of v: the first i with v <= bounds[i], else nbounds (buckets
 * are (bounds[i-1], bounds[i]], as OTLP defines them). */
static inline uint32_t bucket_of(const double *b, uint32_t nb, double v) {
    uint32_t lo = 0, hi = nb;
    while (lo < hi) {
        uint32_t mid = (lo + hi) >> 1;
        if (v <= b[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

OTELC_API void otelc_histogram_record_attrs(otelc_histogram *hg, double v,
                                            const otelc_attribute *a,
                                            size_t n) {
    otelc__instr *in = (otelc__instr *)hg;
    if (!recording(in))
        return;
    if (OTELC_UNLIKELY(!isfinite(v))) {
        otelc__diag_deferred(&in->rl_value, OTELC_DIAG_WARN,
                             "histogram %s: non-finite value ignored",
                             in->name);
        return;
    }
    otelc__series *s = lookup(in, a, n);
    otelc__thread *t = this_thread();
    if (OTELC_UNLIKELY(!s || !t))
        return;
    uint32_t b = bucket_of(in->bounds, in->nbounds, v);
    otelc__stripe *st = stripe_of(s, t);
    atomic_fetch_add_explicit(&st->counts[b], 1, memory_order_relaxed);
    add_double(&st->d, v);
    uint64_t cur = atomic_load_explicit(&st->min, memory_order_relaxed);
    while (v < otelc__bits_to_double(cur) &&
           !atomic_compare_exchange_weak_explicit(
               &st->min, &cur, otelc__double_to_bits(v), memory_order_relaxed,
               memory_order_relaxed))
        ;
    cur = atomic_load_explicit(&st->max, memory_order_relaxed);
    while (v > otelc__bits_to_double(cur) &&
           !atomic_compare_exchange_weak_explicit(
               &st->max, &cur, otelc__double_to_bits(v), memory_order_relaxed,
               memory_order_relaxed))
        ;
    maybe_exemplar(in, t, &s->ex[b], v);
}

/* ---- observations
 * ----------------------------------------------------------------- */

static void observe(otelc_observer *o, bool is_int, int64_t iv, double dv,
                    const otelc_attribute *a, size_t n) {
    if (!o || !o->in)
        return;
    otelc__instr *in = o->in;
    if (!is_int && !isfinite(dv)) {
        otelc__diag_deferred(&in->rl_value, OTELC_DIAG_WARN,
                             "observable %s: non-finite value ignored",
                             in->name);
        return;
    }
    if (otelc__kind_monotonic(in->kind) && (is_int ? iv < 0 : dv < 0)) {
        negative(in);
        return;
    }
    otelc__series *s = lookup(in, a, n);
    if (!s)
        return;
    /* Observations replace the value; several sets folded into the
     * overflow series add up. */
    bool fresh = s->obs_gen != o->gen;
    s->obs_gen = o->gen;
    if (in->kind == OTELC_INSTRUMENT_OBSERVABLE_GAUGE) {
        /* The overflow series of a gauge keeps the last value too. */
        gauge_set(in, s, is_int, iv, dv);
        return;
    }
    /* Collections are serialised: stripe 0 alone holds observations. */
    otelc__stripe *st = &s->st[0];
    if (fresh || !s->overflow) {
        atomic_store_explicit(&st->i, 0, memory_order_relaxed);
        atomic_store_explicit(&st->d, otelc__double_to_bits(0.0),
                              memory_order_relaxed);
    }
    if (is_int)
        atomic_store_explicit(
            &st->i, atomic_load_explicit(&st->i, memory_order_relaxed) + iv,
            memory_order_relaxed);
    else
        atomic_store_explicit(
            &st->d,
            otelc__double_to_bits(otelc__bits_to_double(atomic_load_explicit(
                                      &st->d, memory_order_relaxed)) +
                                  dv),
            memory_order_relaxed);
}

OTELC_API void otelc_observe_attrs(otelc_observer *o, int64_t v,
                                   const otelc_attribute *a, size_t n) {
    observe(o, true, v, 0, a, n);
}

OTELC_API void otelc_observe_double_attrs(otelc_observer *o, double v,
                                          const otelc_attribute *a, size_t n) {
    observe(o, false, 0, v, a, n);
}
