/*
 * exporters/common/otlp_json.c - the OTLP JSON encoder for spans.
 *
 * Field names and numbering follow opentelemetry/proto/trace/v1/trace.proto;
 * the JSON mapping follows the OTLP specification: trace and span ids are
 * hex strings (not base64), fixed64 times are decimal strings, enums are
 * integers.  Fields at their default value (empty string, zero count) are
 * omitted, as protobuf's JSON printer omits them.
 */
#include <stdlib.h>
#include <string.h>

#include "exporters/common/otlp_json.h"

static void key(otelc__buf *b, const char *k, bool *first) {
    if (!*first)
        otelc__buf_putc(b, ',');
    *first = false;
    otelc__buf_putc(b, '"');
    otelc__buf_puts(b, k);
    otelc__buf_puts(b, "\":");
}

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
                e.u.s = v->u.sa[i];
                e.len = (uint32_t)strlen(v->u.sa[i]);
                break;
            case OTELC_VALUE_BOOL_ARRAY:
                e.type = OTELC_VALUE_BOOL;
                e.u.b = v->u.ba[i];
                break;
            case OTELC_VALUE_INT_ARRAY:
                e.type = OTELC_VALUE_INT;
                e.u.i = v->u.ia[i];
                break;
            default:
                e.type = OTELC_VALUE_DOUBLE;
                e.u.d = v->u.da[i];
            }
            otelc__otlp_json_value(b, &e);
        }
        otelc__buf_puts(b, "]}");
        break;
    default:
        otelc__buf_putc(b, '{');
        break;
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
    key(b, "traceId", &f);
    otelc__json_hex(b, s->context.trace_id, 16);
    key(b, "spanId", &f);
    otelc__json_hex(b, s->context.span_id, 8);
    if (s->trace_state[0]) {
        key(b, "traceState", &f);
        otelc__json_cstr(b, s->trace_state);
    }
    if (otelc_span_data_has_parent(s)) {
        key(b, "parentSpanId", &f);
        otelc__json_hex(b, s->parent_span_id, 8);
    }
    /* Bits 0-7 trace flags; 0x100: bit 9 is meaningful; 0x200: the parent
     * is remote. */
    key(b, "flags", &f);
    otelc__json_u64(b, (uint64_t)s->context.trace_flags | 0x100u |
                           (s->parent_is_remote ? 0x200u : 0));
    key(b, "name", &f);
    otelc__json_cstr(b, s->name);
    key(b, "kind", &f);
    otelc__json_u64(b, (uint64_t)s->kind);
    key(b, "startTimeUnixNano", &f);
    u64str(b, s->start_time);
    key(b, "endTimeUnixNano", &f);
    u64str(b, s->end_time);
    if (s->attribute_count) {
        key(b, "attributes", &f);
        otelc__otlp_json_attributes(b, s->attributes, s->attribute_count);
    }
    if (s->dropped_attribute_count) {
        key(b, "droppedAttributesCount", &f);
        otelc__json_u64(b, s->dropped_attribute_count);
    }
    if (s->event_count) {
        key(b, "events", &f);
        otelc__buf_putc(b, '[');
        for (uint32_t i = 0; i < s->event_count; i++) {
            const otelc_event_data *e = &s->events[i];
            bool ef = true;
            if (i)
                otelc__buf_putc(b, ',');
            otelc__buf_putc(b, '{');
            key(b, "timeUnixNano", &ef);
            u64str(b, e->time);
            key(b, "name", &ef);
            otelc__json_cstr(b, e->name);
            if (e->attribute_count) {
                key(b, "attributes", &ef);
                otelc__otlp_json_attributes(b, e->attributes,
                                            e->attribute_count);
            }
            if (e->dropped_attribute_count) {
                key(b, "droppedAttributesCount", &ef);
                otelc__json_u64(b, e->dropped_attribute_count);
            }
            otelc__buf_putc(b, '}');
        }
        otelc__buf_putc(b, ']');
    }
    if (s->dropped_event_count) {
        key(b, "droppedEventsCount", &f);
        otelc__json_u64(b, s->dropped_event_count);
    }
    if (s->link_count) {
        key(b, "links", &f);
        otelc__buf_putc(b, '[');
        for (uint32_t i = 0; i < s->link_count; i++) {
            const otelc_link_data *l = &s->links[i];
            bool lf = true;
            if (i)
                otelc__buf_putc(b, ',');
            otelc__buf_putc(b, '{');
            key(b, "traceId", &lf);
            otelc__json_hex(b, l->context.trace_id, 16);
            key(b, "spanId", &lf);
            otelc__json_hex(b, l->context.span_id, 8);
            if (l->trace_state[0]) {
                key(b, "traceState", &lf);
                otelc__json_cstr(b, l->trace_state);
            }
            if (l->attribute_count) {
                key(b, "attributes", &lf);
                otelc__otlp_json_attributes(b, l->attributes,
                                            l->attribute_count);
            }
            if (l->dropped_attribute_count) {
                key(b, "droppedAttributesCount", &lf);
                otelc__json_u64(b, l->dropped_attribute_count);
            }
            key(b, "flags", &lf);
            otelc__json_u64(b, (uint64_t)l->context.trace_flags | 0x100u |
                                   (l->context.is_remote ? 0x200u : 0));
            otelc__buf_putc(b, '}');
        }
        otelc__buf_putc(b, ']');
    }
    if (s->dropped_link_count) {
        key(b, "droppedLinksCount", &f);
        otelc__json_u64(b, s->dropped_link_count);
    }
    key(b, "status", &f);
    otelc__buf_putc(b, '{');
    bool sf = true;
    if (s->status_description[0]) {
        key(b, "message", &sf);
        otelc__json_cstr(b, s->status_description);
    }
    if (s->status_code) {
        key(b, "code", &sf);
        otelc__json_u64(b, (uint64_t)s->status_code);
    }
    otelc__buf_puts(b, "}}");
}

void otelc__otlp_json_traces(otelc__buf *b, const otelc_span_data *const *spans,
                             size_t n) {
    /* Group in first-seen order.  Batches hold a handful of resources and
     * scopes, so marking spans done and rescanning is linear in practice. */
    unsigned char stack_done[512];
    unsigned char *done = n <= sizeof stack_done ? stack_done
                                                 : calloc(n, 1);
    if (!done) {
        b->oom = true;
        return;
    }
    memset(done, 0, n <= sizeof stack_done ? n : 0);
    otelc__buf_puts(b, "{\"resourceSpans\":[");
    bool first_rs = true;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        const otelc_resource *res = spans[i]->resource;
        if (!first_rs)
            otelc__buf_putc(b, ',');
        first_rs = false;
        otelc__buf_puts(b, "{\"resource\":{\"attributes\":");
        size_t rc = 0;
        const otelc_attribute *ra = otelc_resource_attributes(res, &rc);
        otelc__otlp_json_attributes(b, ra, rc);
        otelc__buf_puts(b, "},\"scopeSpans\":[");
        bool first_ss = true;
        for (size_t j = i; j < n; j++) {
            if (done[j] || spans[j]->resource != res)
                continue;
            const otelc_scope_info *sc = spans[j]->scope;
            if (!first_ss)
                otelc__buf_putc(b, ',');
            first_ss = false;
            otelc__buf_puts(b, "{\"scope\":{\"name\":");
            otelc__json_cstr(b, sc->name);
            if (sc->version[0]) {
                otelc__buf_puts(b, ",\"version\":");
                otelc__json_cstr(b, sc->version);
            }
            otelc__buf_puts(b, "},\"spans\":[");
            bool first_sp = true;
            for (size_t k = j; k < n; k++) {
                if (done[k] || spans[k]->resource != res ||
                    spans[k]->scope != sc)
                    continue;
                if (!first_sp)
                    otelc__buf_putc(b, ',');
                first_sp = false;
                span_json(b, spans[k]);
                done[k] = 1;
            }
            otelc__buf_puts(b, "]}");
        }
        otelc__buf_puts(b, "]}");
    }
    otelc__buf_puts(b, "]}");
    if (done != stack_done)
        free(done);
}
