/*
 * exporters/jaeger/jaeger_encode.c - OpenTelemetry spans as jaeger.Batch.
 *
 * Mapping (specification trace/sdk_exporters/jaeger.md, Stable until its
 * removal in 2024, and common/mapping-to-non-otlp.md):
 *   trace id    bytes 0..7 -> traceIdHigh, 8..15 -> traceIdLow, each read
 *               big-endian and reinterpreted as a signed i64; span ids
 *               likewise.
 *   parent      parentSpanId (0 for a root) and a CHILD_OF reference, which
 *               comes first in `references`.
 *   links       FOLLOWS_FROM references after the parent's.  A link that
 *               carries attributes also becomes a Log at the span's start
 *               (event=link, trace_id, span_id, its attributes) because a
 *               reference cannot hold them; the specification allows it.
 *   times       startTime and duration in microseconds (truncated).
 *   kind        tag span.kind = client|server|producer|consumer; none for
 *               INTERNAL (and UNSPECIFIED).
 *   status      otel.status_code = OK|ERROR (nothing when UNSET), plus for
 *               ERROR otel.status_description (when non-empty) and
 *               error=true; error=true overrides an "error" attribute.
 *   attributes  typed tags: STRING, BOOL, LONG, DOUBLE, BINARY for bytes;
 *               arrays as JSON text in a STRING tag.
 *   scope       otel.scope.name/version and the deprecated aliases
 *               otel.library.name/version (each only when non-empty).
 *   dropped     otel.dropped_attributes_count / _events_count /
 *               _links_count (LONG) only when non-zero; an event's dropped
 *               attribute count goes on its Log.
 *   events      Logs: timestamp = event time; field event = the name,
 *               unless the event has an "event" attribute, which wins.
 *   resource    Process: serviceName from service.name, every other
 *               resource attribute as a process tag.
 *   flags       1 when sampled (2, debug, is never set).
 *
 * Lists whose length is not known in advance (tags, logs, log fields) are
 * written with a placeholder size that is patched afterwards, so each span
 * is encoded in one pass with no intermediate structures.
 */
#include "exporters/jaeger/jaeger_encode.h"

#include "sdk/internal.h"

#include "otelc/propagation.h"

/* jaeger.thrift enums. */
enum {
    TAG_STRING = 0,
    TAG_DOUBLE = 1,
    TAG_BOOL = 2,
    TAG_LONG = 3,
    TAG_BINARY = 4
};
enum { REF_CHILD_OF = 0, REF_FOLLOWS_FROM = 1 };

void otelc__jaeger_enc_init(otelc__jaeger_enc *e) {
    memset(e, 0, sizeof *e);
    otelc__buf_init(&e->scratch);
    otelc__buf_init(&e->process);
}

void otelc__jaeger_enc_free(otelc__jaeger_enc *e) {
    otelc__buf_free(&e->scratch);
    otelc__buf_free(&e->process);
    e->process_for = NULL;
}

/* ---- tags ---------------------------------------------------------------- */

static void tag_str(otelc__buf *b, const char *key, const char *v,
                    size_t vlen) {
    otelc__tb_field_binary(b, 1, key, strlen(key));
    otelc__tb_field_i32(b, 2, TAG_STRING);
    otelc__tb_field_binary(b, 3, v, vlen);
    otelc__tb_stop(b);
}

static void tag_long(otelc__buf *b, const char *key, int64_t v) {
    otelc__tb_field_binary(b, 1, key, strlen(key));
    otelc__tb_field_i32(b, 2, TAG_LONG);
    otelc__tb_field_i64(b, 6, v);
    otelc__tb_stop(b);
}

static void tag_bool(otelc__buf *b, const char *key, bool v) {
    otelc__tb_field_binary(b, 1, key, strlen(key));
    otelc__tb_field_i32(b, 2, TAG_BOOL);
    otelc__tb_field_bool(b, 5, v);
    otelc__tb_stop(b);
}

/* An array value as a JSON list, the specification's rule for formats
 * without arrays. */
static void json_array(otelc__buf *s, const otelc_value *v) {
    otelc__buf_reset(s);
    otelc__json_value(s, v);
}

/* One attribute as a typed tag.  Returns 1 when a tag was written, 0 for a
 * value without a type (never stored by the SDK, skipped defensively). */
static int tag_attr(otelc__jaeger_enc *e, otelc__buf *b,
                    const otelc_attribute *a) {
    const otelc_value *v = &a->value;
    switch (v->type) {
    case OTELC_VALUE_STRING:
        tag_str(b, a->key, v->u.s ? v->u.s : "", v->u.s ? v->len : 0);
        return 1;
    case OTELC_VALUE_BOOL: tag_bool(b, a->key, v->u.b); return 1;
    case OTELC_VALUE_INT: tag_long(b, a->key, v->u.i); return 1;
    case OTELC_VALUE_DOUBLE:
        otelc__tb_field_binary(b, 1, a->key, strlen(a->key));
        otelc__tb_field_i32(b, 2, TAG_DOUBLE);
        otelc__tb_field_double(b, 4, v->u.d);
        otelc__tb_stop(b);
        return 1;
    case OTELC_VALUE_BYTES:
        otelc__tb_field_binary(b, 1, a->key, strlen(a->key));
        otelc__tb_field_i32(b, 2, TAG_BINARY);
        otelc__tb_field_binary(b, 7, v->u.s, v->u.s ? v->len : 0);
        otelc__tb_stop(b);
        return 1;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY:
        json_array(&e->scratch, v);
        if (e->scratch.oom) {
            b->oom = true;
            return 0;
        }
        tag_str(b, a->key, e->scratch.data, e->scratch.len);
        return 1;
    case OTELC_VALUE_NONE: break;
    }
    return 0;
}

static int tag_attrs(otelc__jaeger_enc *e, otelc__buf *b,
                     const otelc_attribute *a, uint32_t n,
                     const char *skip_key) {
    int count = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (skip_key && !strcmp(a[i].key, skip_key))
            continue;
        count += tag_attr(e, b, &a[i]);
    }
    return count;
}

/* ---- references and logs ------------------------------------------------- */

static void span_ref(otelc__buf *b, int32_t type, const uint8_t trace_id[16],
                     const uint8_t span_id[8]) {
    otelc__tb_field_i32(b, 1, type);
    otelc__tb_field_i64(b, 2, (int64_t)otelc__load_be64(trace_id + 8));
    otelc__tb_field_i64(b, 3, (int64_t)otelc__load_be64(trace_id));
    otelc__tb_field_i64(b, 4, (int64_t)otelc__load_be64(span_id));
    otelc__tb_stop(b);
}

static bool has_key(const otelc_attribute *a, uint32_t n, const char *key) {
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(a[i].key, key))
            return true;
    return false;
}

static void log_event(otelc__jaeger_enc *e, otelc__buf *b,
                      const otelc_event_data *ev) {
    otelc__tb_field_i64(b, 1, (int64_t)(ev->time / 1000));
    otelc__tb_field(b, OTELC__T_LIST, 2);
    size_t off = otelc__tb_list_begin(b, OTELC__T_STRUCT, 0);
    int n = 0;
    /* An "event" attribute takes precedence over the event's name. */
    if (!has_key(ev->attributes, ev->attribute_count, "event")) {
        tag_str(b, "event", ev->name, strlen(ev->name));
        n++;
    }
    n += tag_attrs(e, b, ev->attributes, ev->attribute_count, NULL);
    if (ev->dropped_attribute_count) {
        tag_long(b, "otel.dropped_attributes_count",
                 ev->dropped_attribute_count);
        n++;
    }
    otelc__tb_patch_i32(b, off, n);
    otelc__tb_stop(b);
}

static bool link_needs_log(const otelc_link_data *l) {
    return l->attribute_count || l->dropped_attribute_count;
}

static void log_link(otelc__jaeger_enc *e, otelc__buf *b,
                     const otelc_link_data *l, otelc_time_ns span_start) {
    char hex[33];
    otelc__tb_field_i64(b, 1, (int64_t)(span_start / 1000));
    otelc__tb_field(b, OTELC__T_LIST, 2);
    size_t off = otelc__tb_list_begin(b, OTELC__T_STRUCT, 0);
    tag_str(b, "event", "link", 4);
    otelc_trace_id_to_hex(l->context.trace_id, hex);
    tag_str(b, "trace_id", hex, 32);
    otelc_span_id_to_hex(l->context.span_id, hex);
    tag_str(b, "span_id", hex, 16);
    int n = 3 + tag_attrs(e, b, l->attributes, l->attribute_count, NULL);
    if (l->dropped_attribute_count) {
        tag_long(b, "otel.dropped_attributes_count",
                 l->dropped_attribute_count);
        n++;
    }
    otelc__tb_patch_i32(b, off, n);
    otelc__tb_stop(b);
}

/* ---- spans --------------------------------------------------------------- */

static const char *kind_name(otelc_span_kind k) {
    switch (k) {
    case OTELC_SPAN_KIND_SERVER: return "server";
    case OTELC_SPAN_KIND_CLIENT: return "client";
    case OTELC_SPAN_KIND_PRODUCER: return "producer";
    case OTELC_SPAN_KIND_CONSUMER: return "consumer";
    default: return NULL; /* INTERNAL and UNSPECIFIED get no tag */
    }
}

static int span_tags(otelc__jaeger_enc *e, otelc__buf *b,
                     const otelc_span_data *s) {
    bool error = s->status_code == OTELC_STATUS_ERROR;
    /* error=true below overrides an "error" attribute (the specification
     * allows it; two "error" tags would contradict each other). */
    int n = tag_attrs(e, b, s->attributes, s->attribute_count,
                      error ? "error" : NULL);
    const otelc_scope_info *sc = s->scope;
    if (sc && sc->name && sc->name[0]) {
        size_t nl = strlen(sc->name);
        tag_str(b, "otel.scope.name", sc->name, nl);
        tag_str(b, "otel.library.name", sc->name, nl);
        n += 2;
        if (sc->version && sc->version[0]) {
            size_t vl = strlen(sc->version);
            tag_str(b, "otel.scope.version", sc->version, vl);
            tag_str(b, "otel.library.version", sc->version, vl);
            n += 2;
        }
    }
    const char *kind = kind_name(s->kind);
    if (kind) {
        tag_str(b, "span.kind", kind, strlen(kind));
        n++;
    }
    if (s->status_code == OTELC_STATUS_OK) {
        tag_str(b, "otel.status_code", "OK", 2);
        n++;
    } else if (error) {
        tag_str(b, "otel.status_code", "ERROR", 5);
        n++;
        if (s->status_description && s->status_description[0]) {
            tag_str(b, "otel.status_description", s->status_description,
                    strlen(s->status_description));
            n++;
        }
        tag_bool(b, "error", true);
        n++;
    }
    if (s->dropped_attribute_count) {
        tag_long(b, "otel.dropped_attributes_count",
                 s->dropped_attribute_count);
        n++;
    }
    if (s->dropped_event_count) {
        tag_long(b, "otel.dropped_events_count", s->dropped_event_count);
        n++;
    }
    if (s->dropped_link_count) {
        tag_long(b, "otel.dropped_links_count", s->dropped_link_count);
        n++;
    }
    return n;
}

static bool nonzero8(const uint8_t id[8]) {
    uint64_t v;
    memcpy(&v, id, 8);
    return v != 0;
}

void otelc__jaeger_encode_span(otelc__jaeger_enc *e, otelc__buf *b,
                               const otelc_span_data *s) {
    const uint8_t *tid = s->context.trace_id;
    bool parent = nonzero8(s->parent_span_id);
    otelc__tb_field_i64(b, 1, (int64_t)otelc__load_be64(tid + 8));
    otelc__tb_field_i64(b, 2, (int64_t)otelc__load_be64(tid));
    otelc__tb_field_i64(b, 3, (int64_t)otelc__load_be64(s->context.span_id));
    otelc__tb_field_i64(
        b, 4, parent ? (int64_t)otelc__load_be64(s->parent_span_id) : 0);
    otelc__tb_field_binary(b, 5, s->name, strlen(s->name));

    uint32_t nrefs = (parent ? 1u : 0u) + s->link_count;
    if (nrefs) {
        otelc__tb_field(b, OTELC__T_LIST, 6);
        otelc__tb_list_begin(b, OTELC__T_STRUCT, (int32_t)nrefs);
        /* The parent's reference comes first (the specification). */
        if (parent)
            span_ref(b, REF_CHILD_OF, tid, s->parent_span_id);
        for (uint32_t i = 0; i < s->link_count; i++)
            span_ref(b, REF_FOLLOWS_FROM, s->links[i].context.trace_id,
                     s->links[i].context.span_id);
    }

    /* Jaeger flags: 1 sampled, 2 debug (kept from a B3/Jaeger caller as
     * OTELC_TRACE_FLAG_DEBUG). */
    otelc__tb_field_i32(
        b, 7,
        ((s->context.trace_flags & OTELC_TRACE_FLAG_SAMPLED) ? 1 : 0) |
            ((s->context.trace_flags & OTELC_TRACE_FLAG_DEBUG) ? 2 : 0));
    otelc__tb_field_i64(b, 8, (int64_t)(s->start_time / 1000));
    uint64_t dur =
        s->end_time > s->start_time ? s->end_time - s->start_time : 0;
    otelc__tb_field_i64(b, 9, (int64_t)(dur / 1000));

    /* Tags: written with a placeholder count, removed again when empty. */
    size_t mark = b->len;
    otelc__tb_field(b, OTELC__T_LIST, 10);
    size_t off = otelc__tb_list_begin(b, OTELC__T_STRUCT, 0);
    int ntags = span_tags(e, b, s);
    if (ntags)
        otelc__tb_patch_i32(b, off, ntags);
    else if (!b->oom)
        b->len = mark;

    uint32_t nlogs = s->event_count;
    for (uint32_t i = 0; i < s->link_count; i++)
        nlogs += link_needs_log(&s->links[i]);
    if (nlogs) {
        otelc__tb_field(b, OTELC__T_LIST, 11);
        otelc__tb_list_begin(b, OTELC__T_STRUCT, (int32_t)nlogs);
        /* Link logs carry the span's start time, so they come first. */
        for (uint32_t i = 0; i < s->link_count; i++)
            if (link_needs_log(&s->links[i]))
                log_link(e, b, &s->links[i], s->start_time);
        for (uint32_t i = 0; i < s->event_count; i++)
            log_event(e, b, &s->events[i]);
    }
    otelc__tb_stop(b);
}

/* ---- process and batch --------------------------------------------------- */

static void encode_process(otelc__jaeger_enc *e, otelc__buf *b,
                           const otelc_resource *r) {
    const char *service = otelc_resource_service_name(r);
    otelc__tb_field_binary(b, 1, service, strlen(service));
    size_t n = 0;
    const otelc_attribute *a = otelc_resource_attributes(r, &n);
    size_t mark = b->len;
    otelc__tb_field(b, OTELC__T_LIST, 2);
    size_t off = otelc__tb_list_begin(b, OTELC__T_STRUCT, 0);
    /* service.name is the serviceName field; repeating it as a tag would
     * only duplicate it in the UI. */
    int count = tag_attrs(e, b, a, (uint32_t)n, "service.name");
    if (count)
        otelc__tb_patch_i32(b, off, count);
    else if (!b->oom)
        b->len = mark;
    otelc__tb_stop(b);
}

size_t otelc__jaeger_batch_begin(otelc__jaeger_enc *e, otelc__buf *out,
                                 const otelc_resource *r) {
    if (e->process_for != r || !e->process.len || e->process.oom) {
        otelc__buf_reset(&e->process);
        encode_process(e, &e->process, r);
        e->process_for = e->process.oom ? NULL : r;
        if (e->process.oom) {
            out->oom = true;
            return 0;
        }
    }
    otelc__tb_field(out, OTELC__T_STRUCT, 1);
    unsigned char *p = otelc__tb_room(out, e->process.len);
    if (p) {
        memcpy(p, e->process.data, e->process.len);
        out->len += e->process.len;
    }
    otelc__tb_field(out, OTELC__T_LIST, 2);
    return otelc__tb_list_begin(out, OTELC__T_STRUCT, 0);
}

void otelc__jaeger_batch_finish(otelc__buf *out, size_t count_offset,
                                int32_t span_count, int64_t seq_no) {
    otelc__tb_patch_i32(out, count_offset, span_count);
    if (seq_no >= 0)
        otelc__tb_field_i64(out, 3, seq_no);
    otelc__tb_stop(out);
}

void otelc__jaeger_encode_batch(otelc__jaeger_enc *e, otelc__buf *out,
                                const otelc_span_data *const *spans, size_t n,
                                int64_t seq_no) {
    size_t off =
        otelc__jaeger_batch_begin(e, out, n ? spans[0]->resource : NULL);
    for (size_t i = 0; i < n; i++)
        otelc__jaeger_encode_span(e, out, spans[i]);
    otelc__jaeger_batch_finish(out, off, (int32_t)n, seq_no);
}
