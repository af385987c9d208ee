/*
 * exporters/otlp_common/otlp_values.c - the pieces of an OTLP request that
 * every signal's encoder shares: AnyValue and KeyValue lists built in the
 * batch's arena, strings made safe for protobuf, resources and scopes, and
 * the grouping of a batch by resource and instrumentation scope.
 *
 * Strings.  A protobuf string must be valid UTF-8: receivers built on the
 * official protobuf runtimes (the OpenTelemetry Collector among them)
 * reject a whole request when one string is not, so one log record with a
 * stray Latin-1 byte would cost the batch.  Every string that comes from
 * the application therefore goes through otelc__otlp_str(): valid UTF-8
 * (the common case) is passed through as is, borrowed; anything else is copied
 * into the arena with each maximal ill-formed subpart replaced by U+FFFD, as
 * the JSON writer (sdk/json.c) does.  protobuf-c takes C strings, so a
 * string is sent up to its first NUL byte.  The check costs a few
 * nanoseconds per string (see the ASCII fast path).
 *
 * Grouping.  One pass assigns each item to its (resource, scope) group
 * through pointer-keyed open-addressing tables sized to the batch, so
 * grouping is linear however many scopes a batch holds.  Resources and
 * scopes are compared by pointer: the SDK shares one object per provider,
 * tracer and logger.
 *
 * Thread-safety: none; each exporter uses its own arena on its worker.
 */
#include <stdint.h>
#include <string.h>

#include "exporters/otlp_common/otlp_encode.h"
#include "opentelemetry/proto/common/v1/common.pb-c.h"
#include "opentelemetry/proto/resource/v1/resource.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__ArrayValue ArrayValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;

/* Initial values, copied into arena memory (the generated INIT macros are
 * initialisers, not expressions). */
static const AnyValue any_init =
    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
static const ArrayValue array_init =
    OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
static const KeyValue kv_init =
    OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
static const Scope scope_init =
    OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
static const Resource resource_init =
    OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;

/* ---- strings ----------------------------------------------------------------
 */

/* The length of the well-formed UTF-8 sequence at s (Unicode Table 3-7),
 * or 0 with *bad set to the length of its maximal ill-formed subpart (at
 * least 1).  s[0] >= 0x80; the string ends at a NUL, which is never a
 * continuation byte, so no length is needed. */
static size_t utf8_seq(const unsigned char *s, size_t *bad) {
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    if (s[1] < lo || s[1] > hi) {
        *bad = 1;
        return 0;
    }
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *bad = i;
            return 0;
        }
    }
    return len;
}

const char *otelc__otlp_str(otelc__arena *a, const char *s) {
    if (!s)
        return "";
    /* ASCII, the common case: glibc's vectorised strlen, then the high
     * bits eight bytes at a time (a byte loop costed ~10% of encoding). */
    size_t n = strlen(s), i = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < n && p[i] < 0x80)
        i++;
    if (i == n)
        return s;
    p += i;
    /* Check the rest; copy only when something is ill-formed. */
    const unsigned char *q = p;
    size_t bad = 0;
    while (*q) {
        if (*q < 0x80) {
            q++;
            continue;
        }
        size_t l = utf8_seq(q, &bad);
        if (!l)
            break;
        q += l;
    }
    if (!*q)
        return s;
    /* Each replacement (3 bytes) stands for at least one input byte. */
    char *out = otelc__arena_alloc(a, 3 * n + 1);
    if (!out)
        return NULL;
    size_t head = (size_t)(q - (const unsigned char *)s), o = head;
    memcpy(out, s, head);
    while (*q) {
        if (*q < 0x80) {
            out[o++] = (char)*q++;
            continue;
        }
        size_t l = utf8_seq(q, &bad);
        if (l) {
            memcpy(out + o, q, l);
            o += l;
            q += l;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            q += bad;
        }
    }
    out[o] = '\0';
    return out;
}

/* ---- attributes -------------------------------------------------------------
 */

/* Array elements: one block of values plus one of pointers to them. */
static bool array_value(otelc__arena *a, const otelc_value *v, AnyValue *out) {
    ArrayValue *arr = OTELC__ARENA_NEW(a, ArrayValue);
    if (!arr)
        return false;
    *arr = array_init;
    uint32_t n = v->len;
    if (n) {
        AnyValue *vals = OTELC__ARENA_ARRAY(a, AnyValue, n);
        AnyValue **ptrs = OTELC__ARENA_ARRAY(a, AnyValue *, n);
        if (!vals || !ptrs)
            return false;
        for (uint32_t i = 0; i < n; i++) {
            AnyValue *e = &vals[i];
            *e = any_init;
            switch (v->type) {
            case OTELC_VALUE_STRING_ARRAY:
                e->value_case =
                    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
                e->string_value = (char *)otelc__otlp_str(a, v->u.sa[i]);
                if (!e->string_value)
                    return false;
                break;
            case OTELC_VALUE_BOOL_ARRAY:
                e->value_case =
                    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
                e->bool_value = v->u.ba[i];
                break;
            case OTELC_VALUE_INT_ARRAY:
                e->value_case =
                    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
                e->int_value = v->u.ia[i];
                break;
            default: /* OTELC_VALUE_DOUBLE_ARRAY */
                e->value_case =
                    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
                e->double_value = v->u.da[i];
                break;
            }
            ptrs[i] = e;
        }
        arr->n_values = n;
        arr->values = ptrs;
    }
    out->value_case =
        OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
    out->array_value = arr;
    return true;
}

bool otelc__otlp_any_value(otelc__arena *a, const otelc_value *v,
                           AnyValue *out) {
    *out = any_init;
    switch (v->type) {
    case OTELC_VALUE_STRING:
        out->value_case =
            OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        out->string_value = (char *)otelc__otlp_str(a, v->u.s);
        return out->string_value != NULL;
    case OTELC_VALUE_BOOL:
        out->value_case =
            OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
        out->bool_value = v->u.b;
        return true;
    case OTELC_VALUE_INT:
        out->value_case =
            OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
        out->int_value = v->u.i;
        return true;
    case OTELC_VALUE_DOUBLE:
        out->value_case =
            OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
        out->double_value = v->u.d;
        return true;
    case OTELC_VALUE_BYTES:
        out->value_case =
            OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE;
        out->bytes_value.len = v->len;
        out->bytes_value.data = (uint8_t *)v->u.s;
        return true;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: return array_value(a, v, out);
    default:
        /* OTELC_VALUE_NONE: an empty AnyValue (no field set). */
        return true;
    }
}

/* A KeyValue and its AnyValue, allocated together. */
typedef struct kv_pair {
    KeyValue kv;
    AnyValue av;
} kv_pair;

bool otelc__otlp_attributes(otelc__arena *a, const otelc_attribute *attrs,
                            size_t n, KeyValue ***out) {
    *out = NULL;
    if (!n)
        return true;
    kv_pair *pairs = OTELC__ARENA_ARRAY(a, kv_pair, n);
    KeyValue **ptrs = OTELC__ARENA_ARRAY(a, KeyValue *, n);
    if (!pairs || !ptrs)
        return false;
    for (size_t i = 0; i < n; i++) {
        kv_pair *p = &pairs[i];
        p->kv = kv_init;
        p->kv.key = (char *)otelc__otlp_str(a, attrs[i].key);
        if (!p->kv.key || !otelc__otlp_any_value(a, &attrs[i].value, &p->av))
            return false;
        p->kv.value = &p->av;
        ptrs[i] = &p->kv;
    }
    *out = ptrs;
    return true;
}

Resource *otelc__otlp_resource(otelc__arena *a, const otelc_resource *res) {
    Resource *r = OTELC__ARENA_NEW(a, Resource);
    if (!r)
        return NULL;
    *r = resource_init;
    size_t rc = 0;
    const otelc_attribute *ra =
        res ? otelc_resource_attributes(res, &rc) : NULL;
    if (!otelc__otlp_attributes(a, ra, rc, &r->attributes))
        return NULL;
    r->n_attributes = rc;
    return r;
}

Scope *otelc__otlp_scope(otelc__arena *a, const otelc_scope_info *sc) {
    Scope *s = OTELC__ARENA_NEW(a, Scope);
    if (!s)
        return NULL;
    *s = scope_init;
    if (sc) {
        s->name = (char *)otelc__otlp_str(a, sc->name);
        s->version = (char *)otelc__otlp_str(a, sc->version);
        if (!s->name || !s->version)
            return NULL;
    }
    return s;
}

/* ---- grouping ---------------------------------------------------------------
 */

static inline size_t ptr_hash(const void *p, const void *q, size_t mask) {
    uint64_t h = ((uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull) ^
                 ((uint64_t)(uintptr_t)q * 0xC2B2AE3D27D4EB4Full);
    return (size_t)(h >> 32) & mask;
}

static inline const void *member(const void *item, size_t off) {
    const void *p;
    memcpy(&p, (const char *)item + off, sizeof p);
    return p;
}

bool otelc__otlp_group(otelc__arena *a, const void *const *items, size_t n,
                       size_t res_off, size_t scope_off,
                       otelc__otlp_groups *g) {
    memset(g, 0, sizeof *g);
    if (!n)
        return true;
    /* Tables of twice the batch size (power of two): load at most 1/2. */
    size_t cap = 16;
    while (cap < 2 * n)
        cap <<= 1;
    size_t mask = cap - 1;
    uint32_t *gslot = OTELC__ARENA_ARRAY(a, uint32_t, cap); /* group + 1 */
    uint32_t *rslot = OTELC__ARENA_ARRAY(a, uint32_t, cap); /* resource + 1 */
    g->item_group = OTELC__ARENA_ARRAY(a, uint32_t, n);
    g->groups = OTELC__ARENA_ARRAY(a, otelc__otlp_group_t, n);
    g->res = OTELC__ARENA_ARRAY(a, otelc__otlp_res_t, n);
    if (!gslot || !rslot || !g->item_group || !g->groups || !g->res)
        return false;
    memset(gslot, 0, sizeof(uint32_t) * cap);
    memset(rslot, 0, sizeof(uint32_t) * cap);
    otelc__otlp_group_t *groups = g->groups;
    otelc__otlp_res_t *res = g->res;
    for (size_t i = 0; i < n; i++) {
        const otelc_resource *r = member(items[i], res_off);
        const otelc_scope_info *sc = member(items[i], scope_off);
        size_t h = ptr_hash(r, sc, mask);
        while (gslot[h] && (groups[gslot[h] - 1].res != r ||
                            groups[gslot[h] - 1].scope != sc))
            h = (h + 1) & mask;
        if (!gslot[h]) {
            size_t hr = ptr_hash(r, NULL, mask);
            while (rslot[hr] && res[rslot[hr] - 1].res != r)
                hr = (hr + 1) & mask;
            if (!rslot[hr]) {
                res[g->nres] = (otelc__otlp_res_t){r, 0};
                rslot[hr] = ++g->nres;
            }
            uint32_t ri = rslot[hr] - 1;
            res[ri].ngroups++;
            groups[g->ngroups] = (otelc__otlp_group_t){r, sc, ri, 0};
            gslot[h] = ++g->ngroups;
        }
        uint32_t gi = gslot[h] - 1;
        groups[gi].count++;
        g->item_group[i] = gi;
    }
    return true;
}
