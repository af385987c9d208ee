/*
 * exporters/common/otlp_json.c - the OTLP JSON encoder for spans.
 *
 * Field names and numbering follow opentelemetry/proto/trace/v1/trace.proto;
 * the JSON mapping follows the OTLP specification (opentelemetry-proto
 * docs/specification.md, "JSON Protobuf Encoding"): trace and span ids are
 * lowercase hex strings (not base64), enums are integers, fixed64/int64
 * values are decimal strings, uint32/fixed32 values are numbers, keys are
 * lowerCamelCase, bytes values are base64, and doubles that JSON cannot
 * hold are the strings "NaN", "Infinity" and "-Infinity".  Fields at their
 * default value (empty string, zero count) are omitted, as protobuf's JSON
 * printer omits them; traceId, spanId, flags, name, kind, the times and
 * status are always written so a reader never has to guess.
 *
 * Grouping.  A request holds resourceSpans -> scopeSpans -> spans.  Spans
 * are grouped by resource and scope pointer (a provider owns one resource,
 * a tracer one scope, and span copies keep both pointers), each level in
 * first-seen order and spans in batch order.  One hashing pass builds the
 * groups, so encoding is O(size of the batch) whatever the number of
 * resources and scopes; a batch from one tracer (the common case) skips
 * the pass entirely.  Scratch memory comes from the stack for small
 * batches and from one malloc per call for larger ones.
 */
#include <stdlib.h>
#include <string.h>

#include "exporters/common/otlp_json.h"

#include "otelc/propagation.h"

/* The W3C trace-flags bits: otelc's own B3/Jaeger debug bit
 * (OTELC_TRACE_FLAG_DEBUG) is not one of them and never goes out. */
#define W3C_FLAGS ((uint8_t)~OTELC_TRACE_FLAG_DEBUG)

/* A member name with the comma it needs, as one literal append: `first`
 * tracks whether the object has a member yet. */
#define KEY(b, first, name)                                                    \
    do {                                                                       \
        if (*(first)) {                                                        \
            *(first) = false;                                                  \
            otelc__buf_lit((b), "\"" name "\":");                              \
        } else {                                                               \
            otelc__buf_lit((b), ",\"" name "\":");                             \
        }                                                                      \
    } while (0)

void otelc__otlp_json_value(otelc__buf *b, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
        otelc__buf_puts(b, "{\"stringValue\":");
        otelc__json_str(b, v->u.s, v->len);
        break;
    case OTELC_VALUE_BOOL:
        otelc__buf_puts(b, v->u.b ? "{\"boolValue\":true"
                                  : "{\"boolValue\":false");
        break;
    case OTELC_VALUE_INT:
        otelc__buf_puts(b, "{\"intValue\":\"");
        otelc__json_i64(b, v->u.i);
        otelc__buf_putc(b, '"');
        break;
    case OTELC_VALUE_DOUBLE:
        otelc__buf_puts(b, "{\"doubleValue\":");
        otelc__json_double(b, v->u.d);
        break;
    case OTELC_VALUE_BYTES:
        otelc__buf_puts(b, "{\"bytesValue\":");
        otelc__json_base64(b, (const uint8_t *)v->u.s, v->len);
        break;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY:
        otelc__buf_puts(b, "{\"arrayValue\":{\"values\":[");
        for (uint32_t i = 0; i < v->len; i++) {
            otelc_value e = {OTELC_VALUE_NONE, 0, {.i = 0}};
            if (i)
                otelc__buf_putc(b, ',');
            switch (v->type) {
            case OTELC_VALUE_STRING_ARRAY:
                e.type = OTELC_VALUE_STRING;
                e.u.s = v->u.sa[i] ? v->u.sa[i] : "";
                e.len = (uint32_t)strlen(e.u.s);
                break;
            case OTELC_VALUE_BOOL_ARRAY:
                e.type = OTELC_VALUE_BOOL;
                e.u.b = v->u.ba[i];
                break;
            case OTELC_VALUE_INT_ARRAY:
                e.type = OTELC_VALUE_INT;
                e.u.i = v->u.ia[i];
                break;
            default: e.type = OTELC_VALUE_DOUBLE; e.u.d = v->u.da[i];
            }
            otelc__otlp_json_value(b, &e);
        }
        otelc__buf_puts(b, "]}");
        break;
    default: otelc__buf_putc(b, '{'); break;
    }
    otelc__buf_putc(b, '}');
}

void otelc__otlp_json_attributes(otelc__buf *b, const otelc_attribute *a,
                                 size_t n) {
    otelc__buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            otelc__buf_putc(b, ',');
        otelc__buf_puts(b, "{\"key\":");
        otelc__json_cstr(b, a[i].key);
        otelc__buf_puts(b, ",\"value\":");
        otelc__otlp_json_value(b, &a[i].value);
        otelc__buf_putc(b, '}');
    }
    otelc__buf_putc(b, ']');
}

static void u64str(otelc__buf *b, uint64_t v) {
    otelc__buf_putc(b, '"');
    otelc__json_u64(b, v);
    otelc__buf_putc(b, '"');
}

static void span_json(otelc__buf *b, const otelc_span_data *s) {
    bool f = true;
    otelc__buf_putc(b, '{');
    KEY(b, &f, "traceId");
    otelc__json_hex(b, s->context.trace_id, 16);
    KEY(b, &f, "spanId");
    otelc__json_hex(b, s->context.span_id, 8);
    if (s->trace_state && s->trace_state[0]) {
        KEY(b, &f, "traceState");
        otelc__json_cstr(b, s->trace_state);
    }
    if (otelc_span_data_has_parent(s)) {
        KEY(b, &f, "parentSpanId");
        otelc__json_hex(b, s->parent_span_id, 8);
    }
    /* trace.proto SpanFlags: bits 0-7 are the W3C trace flags; 0x100
     * (CONTEXT_HAS_IS_REMOTE) says that bit 0x200 (CONTEXT_IS_REMOTE) is
     * known, and 0x200 is set when the span's parent came from another
     * process.  Links carry the same bits for the linked context. */
    KEY(b, &f, "flags");
    otelc__json_u64(b, (uint64_t)(s->context.trace_flags & W3C_FLAGS) | 0x100u |
                           (s->parent_is_remote ? 0x200u : 0));
    KEY(b, &f, "name");
    otelc__json_cstr(b, s->name);
    KEY(b, &f, "kind");
    otelc__json_u64(b, (uint64_t)s->kind);
    KEY(b, &f, "startTimeUnixNano");
    u64str(b, s->start_time);
    KEY(b, &f, "endTimeUnixNano");
    u64str(b, s->end_time);
    if (s->attribute_count) {
        KEY(b, &f, "attributes");
        otelc__otlp_json_attributes(b, s->attributes, s->attribute_count);
    }
    if (s->dropped_attribute_count) {
        KEY(b, &f, "droppedAttributesCount");
        otelc__json_u64(b, s->dropped_attribute_count);
    }
    if (s->event_count) {
        KEY(b, &f, "events");
        otelc__buf_putc(b, '[');
        for (uint32_t i = 0; i < s->event_count; i++) {
            const otelc_event_data *e = &s->events[i];
            bool ef = true;
            if (i)
                otelc__buf_putc(b, ',');
            otelc__buf_putc(b, '{');
            KEY(b, &ef, "timeUnixNano");
            u64str(b, e->time);
            KEY(b, &ef, "name");
            otelc__json_cstr(b, e->name);
            if (e->attribute_count) {
                KEY(b, &ef, "attributes");
                otelc__otlp_json_attributes(b, e->attributes,
                                            e->attribute_count);
            }
            if (e->dropped_attribute_count) {
                KEY(b, &ef, "droppedAttributesCount");
                otelc__json_u64(b, e->dropped_attribute_count);
            }
            otelc__buf_putc(b, '}');
        }
        otelc__buf_putc(b, ']');
    }
    if (s->dropped_event_count) {
        KEY(b, &f, "droppedEventsCount");
        otelc__json_u64(b, s->dropped_event_count);
    }
    if (s->link_count) {
        KEY(b, &f, "links");
        otelc__buf_putc(b, '[');
        for (uint32_t i = 0; i < s->link_count; i++) {
            const otelc_link_data *l = &s->links[i];
            bool lf = true;
            if (i)
                otelc__buf_putc(b, ',');
            otelc__buf_putc(b, '{');
            KEY(b, &lf, "traceId");
            otelc__json_hex(b, l->context.trace_id, 16);
            KEY(b, &lf, "spanId");
            otelc__json_hex(b, l->context.span_id, 8);
            if (l->trace_state && l->trace_state[0]) {
                KEY(b, &lf, "traceState");
                otelc__json_cstr(b, l->trace_state);
            }
            if (l->attribute_count) {
                KEY(b, &lf, "attributes");
                otelc__otlp_json_attributes(b, l->attributes,
                                            l->attribute_count);
            }
            if (l->dropped_attribute_count) {
                KEY(b, &lf, "droppedAttributesCount");
                otelc__json_u64(b, l->dropped_attribute_count);
            }
            KEY(b, &lf, "flags");
            otelc__json_u64(b, (uint64_t)(l->context.trace_flags & W3C_FLAGS) |
                                   0x100u |
                                   (l->context.is_remote ? 0x200u : 0));
            otelc__buf_putc(b, '}');
        }
        otelc__buf_putc(b, ']');
    }
    if (s->dropped_link_count) {
        KEY(b, &f, "droppedLinksCount");
        otelc__json_u64(b, s->dropped_link_count);
    }
    KEY(b, &f, "status");
    otelc__buf_putc(b, '{');
    bool sf = true;
    if (s->status_description && s->status_description[0]) {
        KEY(b, &sf, "message");
        otelc__json_cstr(b, s->status_description);
    }
    if (s->status_code) {
        KEY(b, &sf, "code");
        otelc__json_u64(b, (uint64_t)s->status_code);
    }
    otelc__buf_puts(b, "}}");
}

/* ---- grouping: resource -> scope -> spans, in first-seen order ---------- */

#define NIL UINT32_MAX

/* Spans of one (resource, scope) pair, chained through grouping.next. */
typedef struct group {
    const otelc_resource *res;
    const otelc_scope_info *scope;
    uint32_t head, tail;
    uint32_t next_group; /* next group of the same resource */
} group;

/* Groups of one resource, chained through group.next_group. */
typedef struct res_group {
    const otelc_resource *res;
    uint32_t first, last;
} res_group;

typedef struct grouping {
    uint32_t *next; /* per span: the next span of its group */
    group *groups;
    res_group *res;
    uint32_t *gtab; /* open addressing: group index + 1, 0 = empty */
    uint32_t *rtab; /* the same for resources */
    uint32_t mask;
    uint32_t ngroups, nres;
} grouping;

/* Spans from this many up get their scratch memory from the heap; below,
 * it lives on the stack (about 100 bytes per span: the batch worker's
 * stack is 256 KiB). */
#define STACK_SPANS 32

static uint32_t hash_ptrs(const void *a, const void *b, uint32_t mask) {
    uint64_t h = (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ull ^
                 (uint64_t)(uintptr_t)b * 0xc2b2ae3d27d4eb4full;
    return (uint32_t)(h >> 32) & mask;
}

/* One pass over the batch: expected O(n) with tables at most half full. */
static void group_spans(grouping *g, const otelc_span_data *const *spans,
                        uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        const otelc_resource *res = spans[i]->resource;
        const otelc_scope_info *sc = spans[i]->scope;
        g->next[i] = NIL;
        uint32_t h = hash_ptrs(res, sc, g->mask);
        uint32_t gi;
        for (;;) {
            uint32_t e = g->gtab[h];
            if (!e) {
                gi = NIL;
                break;
            }
            if (g->groups[e - 1].res == res && g->groups[e - 1].scope == sc) {
                gi = e - 1;
                break;
            }
            h = (h + 1) & g->mask;
        }
        if (gi != NIL) {
            g->next[g->groups[gi].tail] = i;
            g->groups[gi].tail = i;
            continue;
        }
        gi = g->ngroups++;
        g->groups[gi] = (group){res, sc, i, i, NIL};
        g->gtab[h] = gi + 1;
        uint32_t r = hash_ptrs(res, NULL, g->mask);
        while (g->rtab[r] && g->res[g->rtab[r] - 1].res != res)
            r = (r + 1) & g->mask;
        if (g->rtab[r]) {
            res_group *rg = &g->res[g->rtab[r] - 1];
            g->groups[rg->last].next_group = gi;
            rg->last = gi;
        } else {
            g->res[g->nres] = (res_group){res, gi, gi};
            g->rtab[r] = ++g->nres;
        }
    }
}

static void resource_open(otelc__buf *b, const otelc_resource *res,
                          bool first) {
    if (!first)
        otelc__buf_putc(b, ',');
    otelc__buf_puts(b, "{\"resource\":{\"attributes\":");
    size_t rc = 0;
    const otelc_attribute *ra = otelc_resource_attributes(res, &rc);
    otelc__otlp_json_attributes(b, ra, rc);
    otelc__buf_puts(b, "},\"scopeSpans\":[");
}

static void scope_open(otelc__buf *b, const otelc_scope_info *sc, bool first) {
    if (!first)
        otelc__buf_putc(b, ',');
    otelc__buf_puts(b, "{\"scope\":{\"name\":");
    otelc__json_cstr(b, sc && sc->name ? sc->name : "");
    if (sc && sc->version && sc->version[0]) {
        otelc__buf_puts(b, ",\"version\":");
        otelc__json_cstr(b, sc->version);
    }
    otelc__buf_puts(b, "},\"spans\":[");
}

void otelc__otlp_json_traces(otelc__buf *b, const otelc_span_data *const *spans,
                             size_t n) {
    otelc__buf_puts(b, "{\"resourceSpans\":[");
    if (n == 0) {
        otelc__buf_puts(b, "]}");
        return;
    }
    /* The common batch: one provider, one tracer.  No scratch at all. */
    size_t u = 1;
    while (u < n && spans[u]->resource == spans[0]->resource &&
           spans[u]->scope == spans[0]->scope)
        u++;
    if (u == n) {
        resource_open(b, spans[0]->resource, true);
        scope_open(b, spans[0]->scope, true);
        for (size_t i = 0; i < n; i++) {
            if (i)
                otelc__buf_putc(b, ',');
            span_json(b, spans[i]);
        }
        otelc__buf_puts(b, "]}]}]}");
        return;
    }
    if (n > UINT32_MAX / 8) {
        b->oom = true;
        return;
    }
    uint32_t cap = 4;
    while (cap < 2 * n)
        cap *= 2;
    size_t bytes = sizeof(uint32_t) * n + sizeof(group) * n +
                   sizeof(res_group) * n + 2 * sizeof(uint32_t) * cap;
    /* Arrays of the strictest alignment first, so one block serves all. */
    _Alignas(16) unsigned char stack[sizeof(group) * STACK_SPANS +
                                     sizeof(res_group) * STACK_SPANS +
                                     sizeof(uint32_t) * STACK_SPANS * 5];
    unsigned char *mem = bytes <= sizeof stack ? stack : malloc(bytes);
    if (!mem) {
        b->oom = true;
        return;
    }
    grouping g;
    g.groups = (group *)mem;
    g.res = (res_group *)(g.groups + n);
    g.next = (uint32_t *)(g.res + n);
    g.gtab = g.next + n;
    g.rtab = g.gtab + cap;
    memset(g.gtab, 0, 2 * sizeof(uint32_t) * cap);
    g.mask = cap - 1;
    g.ngroups = g.nres = 0;
    group_spans(&g, spans, (uint32_t)n);

    for (uint32_t r = 0; r < g.nres; r++) {
        resource_open(b, g.res[r].res, r == 0);
        bool first_scope = true;
        for (uint32_t gi = g.res[r].first; gi != NIL;
             gi = g.groups[gi].next_group) {
            scope_open(b, g.groups[gi].scope, first_scope);
            first_scope = false;
            for (uint32_t k = g.groups[gi].head; k != NIL; k = g.next[k]) {
                if (k != g.groups[gi].head)
                    otelc__buf_putc(b, ',');
                span_json(b, spans[k]);
            }
            otelc__buf_puts(b, "]}");
        }
        otelc__buf_puts(b, "]}");
    }
    otelc__buf_puts(b, "]}");
    if (mem != stack)
        free(mem);
}
