/*
 * exporters/otlp_common/otlp_traces.c - spans to an ExportTraceServiceRequest
 * message tree (protobuf-c), built in a per-batch arena.
 *
 * Grouping.  OTLP nests spans as request -> ResourceSpans -> ScopeSpans ->
 * Span.  One pass assigns each span to its (resource, scope) group
 * (otelc__otlp_group, linear however many scopes a batch holds); a second
 * sizes every array exactly; a third fills in the spans.
 *
 * Borrowing.  Every string and id in the tree points into the span data or
 * the resource, which outlive the export call; only strings that are not
 * valid UTF-8 are copied (fixed, see otlp_values.c).  Strings are passed
 * as NUL-terminated C strings, as protobuf-c requires; a string attribute
 * with an embedded NUL is sent up to that NUL.
 *
 * Field mapping (opentelemetry/proto/trace/v1/trace.proto): ids as bytes
 * (parent_span_id empty for a root), flags = W3C flags | HAS_IS_REMOTE |
 * IS_REMOTE, kind and status code numbered as OTLP numbers them (the
 * public enums share the numbering), times as fixed64 nanoseconds, status
 * sent only when it is not UNSET or carries a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "exporters/otlp_common/otlp_encode.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

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
    sp->name = (char *)otelc__otlp_str(a, s->name);
    if (!sp->name)
        return false;
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
            ev[i].name = (char *)otelc__otlp_str(a, e->name);
            if (!ev[i].name)
                return false;
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
        st->message = (char *)otelc__otlp_str(a, s->status_description);
        if (!st->message)
            return false;
        sp->status = st;
    }
    return true;
}

/* ---- the request -----------------------------------------------------------
 */

const ProtobufCMessage *
otelc__otlp_traces_request(otelc__arena *a, const otelc_span_data *const *spans,
                           size_t n) {
    Request *req = OTELC__ARENA_NEW(a, Request);
    if (!req)
        return NULL;
    *req = request_init;
    if (!n)
        return &req->base;
    otelc__otlp_groups g;
    if (!otelc__otlp_group(a, (const void *const *)spans, n,
                           offsetof(otelc_span_data, resource),
                           offsetof(otelc_span_data, scope), &g))
        return NULL;

    /* The ResourceSpans and ScopeSpans skeleton, arrays sized exactly. */
    ResourceSpans **rsp = OTELC__ARENA_ARRAY(a, ResourceSpans *, g.nres);
    ResourceSpans *rsv = OTELC__ARENA_ARRAY(a, ResourceSpans, g.nres);
    if (!rsp || !rsv)
        return NULL;
    for (uint32_t i = 0; i < g.nres; i++) {
        ResourceSpans *rs = &rsv[i];
        *rs = rs_init;
        rs->resource = otelc__otlp_resource(a, g.res[i].res);
        rs->scope_spans = OTELC__ARENA_ARRAY(a, ScopeSpans *, g.res[i].ngroups);
        if (!rs->resource || !rs->scope_spans)
            return NULL;
        rsp[i] = rs;
    }
    ScopeSpans *ssv = OTELC__ARENA_ARRAY(a, ScopeSpans, g.ngroups);
    if (!ssv)
        return NULL;
    for (uint32_t k = 0; k < g.ngroups; k++) {
        ScopeSpans *ss = &ssv[k];
        *ss = ss_init;
        ss->scope = otelc__otlp_scope(a, g.groups[k].scope);
        ss->spans = OTELC__ARENA_ARRAY(a, Span *, g.groups[k].count);
        if (!ss->scope || !ss->spans)
            return NULL;
        ResourceSpans *rs = &rsv[g.groups[k].res_index];
        rs->scope_spans[rs->n_scope_spans++] = ss;
    }

    /* The spans themselves, one contiguous block. */
    Span *spv = OTELC__ARENA_ARRAY(a, Span, n);
    if (!spv)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        ScopeSpans *ss = &ssv[g.item_group[i]];
        if (!fill_span(a, spans[i], &spv[i]))
            return NULL;
        ss->spans[ss->n_spans++] = &spv[i];
    }
    req->n_resource_spans = g.nres;
    req->resource_spans = rsp;
    return &req->base;
}
