/*
 * exporters/otlp_common/otlp_traces.c - spans to an ExportTraceServiceRequest
 * message tree (protobuf-c), built in a per-batch arena.
 *
 * Grouping.  OTLP nests spans as request -> ResourceSpans -> ScopeSpans ->
 * Span.  One pass assigns each span to its (resource, scope) group through
 * a pointer-keyed open-addressing table sized to the batch, so grouping is
 * linear however many scopes a batch holds; a second pass sizes every
 * array exactly; a third fills in the spans.  Resources and scopes are
 * compared by pointer: the SDK shares one object per provider and tracer.
 *
 * Borrowing.  Every string and id in the tree points into the span data or
 * the resource, which outlive the export call; nothing is copied.  Strings
 * are passed as NUL-terminated C strings, as protobuf-c requires; a string
 * attribute with an embedded NUL is sent up to that NUL.
 *
 * Field mapping (opentelemetry/proto/trace/v1/trace.proto): ids as bytes
 * (parent_span_id empty for a root), flags = W3C flags | HAS_IS_REMOTE |
 * IS_REMOTE, kind and status code numbered as OTLP numbers them (the
 * public enums share the numbering), times as fixed64 nanoseconds, status
 * sent only when it is not UNSET or carries a message.
 */
#include <stdint.h>
#include <string.h>

#include "exporters/otlp_common/otlp_encode.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__ArrayValue ArrayValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event Event;
typedef Opentelemetry__Proto__Trace__V1__Span__Link Link;
typedef Opentelemetry__Proto__Trace__V1__Status Status;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
    Request;

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
static const ResourceSpans rs_init =
    OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
static const ScopeSpans ss_init =
    OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
static const Span span_init = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
static const Event event_init =
    OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT;
static const Link link_init = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__LINK__INIT;
static const Status status_init = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
static const Request request_init =
    OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;

/* ---- attributes ------------------------------------------------------------
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
                e->string_value = (char *)(v->u.sa[i] ? v->u.sa[i] : "");
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
        out->string_value = (char *)(v->u.s ? v->u.s : "");
        return true;
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
        p->kv.key = (char *)attrs[i].key;
        if (!otelc__otlp_any_value(a, &attrs[i].value, &p->av))
            return false;
        p->kv.value = &p->av;
        ptrs[i] = &p->kv;
    }
    *out = ptrs;
    return true;
}

/* ---- spans -----------------------------------------------------------------
 */

static bool fill_span(otelc__arena *a, const otelc_span_data *s, Span *sp) {
    *sp = span_init;
    sp->trace_id.len = 16;
    sp->trace_id.data = (uint8_t *)s->context.trace_id;
    sp->span_id.len = 8;
    sp->span_id.data = (uint8_t *)s->context.span_id;
    sp->trace_state = (char *)s->trace_state;
    if (otelc_span_data_has_parent(s)) {
        sp->parent_span_id.len = 8;
        sp->parent_span_id.data = (uint8_t *)s->parent_span_id;
    }
    sp->flags =
        otelc__otlp_span_flags(s->context.trace_flags, s->parent_is_remote);
    sp->name = (char *)s->name;
    sp->kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind)s->kind;
    sp->start_time_unix_nano = s->start_time;
    sp->end_time_unix_nano = s->end_time;
    if (!otelc__otlp_attributes(a, s->attributes, s->attribute_count,
                                &sp->attributes))
        return false;
    sp->n_attributes = s->attribute_count;
    sp->dropped_attributes_count = s->dropped_attribute_count;

    if (s->event_count) {
        Event *ev = OTELC__ARENA_ARRAY(a, Event, s->event_count);
        Event **evp = OTELC__ARENA_ARRAY(a, Event *, s->event_count);
        if (!ev || !evp)
            return false;
        for (uint32_t i = 0; i < s->event_count; i++) {
            const otelc_event_data *e = &s->events[i];
            ev[i] = event_init;
            ev[i].time_unix_nano = e->time;
            ev[i].name = (char *)e->name;
            if (!otelc__otlp_attributes(a, e->attributes, e->attribute_count,
                                        &ev[i].attributes))
                return false;
            ev[i].n_attributes = e->attribute_count;
            ev[i].dropped_attributes_count = e->dropped_attribute_count;
            evp[i] = &ev[i];
        }
        sp->n_events = s->event_count;
        sp->events = evp;
    }
    sp->dropped_events_count = s->dropped_event_count;

    if (s->link_count) {
        Link *lk = OTELC__ARENA_ARRAY(a, Link, s->link_count);
        Link **lkp = OTELC__ARENA_ARRAY(a, Link *, s->link_count);
        if (!lk || !lkp)
            return false;
        for (uint32_t i = 0; i < s->link_count; i++) {
            const otelc_link_data *l = &s->links[i];
            lk[i] = link_init;
            lk[i].trace_id.len = 16;
            lk[i].trace_id.data = (uint8_t *)l->context.trace_id;
            lk[i].span_id.len = 8;
            lk[i].span_id.data = (uint8_t *)l->context.span_id;
            lk[i].trace_state = (char *)l->trace_state;
            if (!otelc__otlp_attributes(a, l->attributes, l->attribute_count,
                                        &lk[i].attributes))
                return false;
            lk[i].n_attributes = l->attribute_count;
            lk[i].dropped_attributes_count = l->dropped_attribute_count;
            lk[i].flags = otelc__otlp_span_flags(l->context.trace_flags,
                                                 l->context.is_remote);
            lkp[i] = &lk[i];
        }
        sp->n_links = s->link_count;
        sp->links = lkp;
    }
    sp->dropped_links_count = s->dropped_link_count;

    if (s->status_code != OTELC_STATUS_UNSET || s->status_description[0]) {
        Status *st = OTELC__ARENA_NEW(a, Status);
        if (!st)
            return false;
        *st = status_init;
        st->code =
            (Opentelemetry__Proto__Trace__V1__Status__StatusCode)s->status_code;
        st->message = (char *)s->status_description;
        sp->status = st;
    }
    return true;
}

/* ---- grouping --------------------------------------------------------------
 */

typedef struct group {
    const otelc_resource *res;
    const otelc_scope_info *scope;
    uint32_t rs;    /* index of its ResourceSpans */
    uint32_t count; /* spans in the group */
    ScopeSpans *ss;
} group;

typedef struct res_entry {
    const otelc_resource *res;
    uint32_t ngroups;
    ResourceSpans *rs;
} res_entry;

static inline size_t ptr_hash(const void *p, const void *q, size_t mask) {
    uint64_t h = ((uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull) ^
                 ((uint64_t)(uintptr_t)q * 0xC2B2AE3D27D4EB4Full);
    return (size_t)(h >> 32) & mask;
}

const ProtobufCMessage *
otelc__otlp_traces_request(otelc__arena *a, const otelc_span_data *const *spans,
                           size_t n) {
    Request *req = OTELC__ARENA_NEW(a, Request);
    if (!req)
        return NULL;
    *req = request_init;
    if (!n)
        return &req->base;

    /* Tables of twice the batch size (power of two): load at most 1/2. */
    size_t cap = 16;
    while (cap < 2 * n)
        cap <<= 1;
    size_t mask = cap - 1;
    uint32_t *gslot = OTELC__ARENA_ARRAY(a, uint32_t, cap); /* group + 1 */
    uint32_t *rslot = OTELC__ARENA_ARRAY(a, uint32_t, cap); /* resource + 1 */
    uint32_t *span_group = OTELC__ARENA_ARRAY(a, uint32_t, n);
    group *groups = OTELC__ARENA_ARRAY(a, group, n);
    res_entry *res = OTELC__ARENA_ARRAY(a, res_entry, n);
    if (!gslot || !rslot || !span_group || !groups || !res)
        return NULL;
    memset(gslot, 0, sizeof(uint32_t) * cap);
    memset(rslot, 0, sizeof(uint32_t) * cap);
    uint32_t ngroups = 0, nres = 0;

    /* Pass 1: assign groups; count spans per group, groups per resource. */
    for (size_t i = 0; i < n; i++) {
        const otelc_resource *r = spans[i]->resource;
        const otelc_scope_info *sc = spans[i]->scope;
        size_t h = ptr_hash(r, sc, mask);
        while (gslot[h] && (groups[gslot[h] - 1].res != r ||
                            groups[gslot[h] - 1].scope != sc))
            h = (h + 1) & mask;
        if (!gslot[h]) {
            size_t hr = ptr_hash(r, NULL, mask);
            while (rslot[hr] && res[rslot[hr] - 1].res != r)
                hr = (hr + 1) & mask;
            if (!rslot[hr]) {
                res[nres] = (res_entry){r, 0, NULL};
                rslot[hr] = ++nres;
            }
            uint32_t ri = rslot[hr] - 1;
            res[ri].ngroups++;
            groups[ngroups] = (group){r, sc, ri, 0, NULL};
            gslot[h] = ++ngroups;
        }
        uint32_t g = gslot[h] - 1;
        groups[g].count++;
        span_group[i] = g;
    }

    /* Pass 2: the ResourceSpans and ScopeSpans skeleton, arrays sized. */
    ResourceSpans **rsp = OTELC__ARENA_ARRAY(a, ResourceSpans *, nres);
    ResourceSpans *rsv = OTELC__ARENA_ARRAY(a, ResourceSpans, nres);
    Resource *resv = OTELC__ARENA_ARRAY(a, Resource, nres);
    if (!rsp || !rsv || !resv)
        return NULL;
    for (uint32_t i = 0; i < nres; i++) {
        ResourceSpans *rs = &rsv[i];
        *rs = rs_init;
        resv[i] = resource_init;
        size_t rc = 0;
        const otelc_attribute *ra =
            res[i].res ? otelc_resource_attributes(res[i].res, &rc) : NULL;
        if (!otelc__otlp_attributes(a, ra, rc, &resv[i].attributes))
            return NULL;
        resv[i].n_attributes = rc;
        rs->resource = &resv[i];
        rs->scope_spans = OTELC__ARENA_ARRAY(a, ScopeSpans *, res[i].ngroups);
        if (!rs->scope_spans)
            return NULL;
        res[i].rs = rs;
        rsp[i] = rs;
    }
    ScopeSpans *ssv = OTELC__ARENA_ARRAY(a, ScopeSpans, ngroups);
    Scope *scv = OTELC__ARENA_ARRAY(a, Scope, ngroups);
    if (!ssv || !scv)
        return NULL;
    for (uint32_t g = 0; g < ngroups; g++) {
        ScopeSpans *ss = &ssv[g];
        *ss = ss_init;
        scv[g] = scope_init;
        if (groups[g].scope) {
            scv[g].name = (char *)groups[g].scope->name;
            scv[g].version = (char *)groups[g].scope->version;
        }
        ss->scope = &scv[g];
        ss->spans = OTELC__ARENA_ARRAY(a, Span *, groups[g].count);
        if (!ss->spans)
            return NULL;
        ResourceSpans *rs = res[groups[g].rs].rs;
        rs->scope_spans[rs->n_scope_spans++] = ss;
        groups[g].ss = ss;
    }

    /* Pass 3: the spans themselves, one contiguous block. */
    Span *spv = OTELC__ARENA_ARRAY(a, Span, n);
    if (!spv)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        ScopeSpans *ss = groups[span_group[i]].ss;
        if (!fill_span(a, spans[i], &spv[i]))
            return NULL;
        ss->spans[ss->n_spans++] = &spv[i];
    }
    req->n_resource_spans = nres;
    req->resource_spans = rsp;
    return &req->base;
}
