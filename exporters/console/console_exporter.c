/*
 * exporters/console/console_exporter.c - spans as readable text.
 *
 * For a developer watching a terminal: one header line per span with its
 * name, kind, duration, status and ids, then its attributes, events and
 * links indented below.  Not a machine format (use the file exporter).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/internal.h"
#include "sdk/json_int.h"

#include "otelc/exporters.h"

typedef struct console_state {
    FILE *out;
    otelc__buf buf;
} console_state;

static const char *kind_name(otelc_span_kind k) {
    static const char *const n[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                    "CLIENT", "PRODUCER", "CONSUMER"};
    return (unsigned)k < 6 ? n[k] : "?";
}

static void value_text(otelc__buf *b, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES:
        otelc__json_str(b, v->u.s, v->len);
        break;
    case OTELC_VALUE_BOOL:
        otelc__buf_puts(b, v->u.b ? "true" : "false");
        break;
    case OTELC_VALUE_INT:
        otelc__json_i64(b, v->u.i);
        break;
    case OTELC_VALUE_DOUBLE:
        otelc__json_double(b, v->u.d);
        break;
    default:
        otelc__buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                otelc__buf_puts(b, ", ");
            if (v->type == OTELC_VALUE_STRING_ARRAY)
                otelc__json_cstr(b, v->u.sa[i]);
            else if (v->type == OTELC_VALUE_BOOL_ARRAY)
                otelc__buf_puts(b, v->u.ba[i] ? "true" : "false");
            else if (v->type == OTELC_VALUE_INT_ARRAY)
                otelc__json_i64(b, v->u.ia[i]);
            else
                otelc__json_double(b, v->u.da[i]);
        }
        otelc__buf_putc(b, ']');
    }
}

static void attrs_text(otelc__buf *b, const otelc_attribute *a, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        otelc__buf_puts(b, i ? ", " : "");
        otelc__buf_puts(b, a[i].key);
        otelc__buf_putc(b, '=');
        value_text(b, &a[i].value);
    }
}

static otelc_export_result console_export(void *st,
                                          const otelc_span_data *const *spans,
                                          size_t n, otelc_export_context *ctx) {
    (void)ctx;
    console_state *c = st;
    otelc__buf *b = &c->buf;
    otelc__buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        const otelc_span_data *s = spans[i];
        char tid[33], sid[17], pid[17];
        otelc_trace_id_to_hex(s->context.trace_id, tid);
        otelc_span_id_to_hex(s->context.span_id, sid);
        otelc_span_id_to_hex(s->parent_span_id, pid);
        double ms = (double)(s->end_time - s->start_time) / 1e6;
        otelc__buf_printf(b, "span %s [%s] %.3f ms", s->name,
                          kind_name(s->kind), ms);
        if (s->status_code == OTELC_STATUS_OK)
            otelc__buf_puts(b, " OK");
        else if (s->status_code == OTELC_STATUS_ERROR)
            otelc__buf_printf(b, " ERROR(%s)", s->status_description);
        otelc__buf_printf(b, "\n  trace_id=%s span_id=%s parent=%s scope=%s\n",
                          tid, sid,
                          otelc_span_data_has_parent(s) ? pid : "-",
                          s->scope->name);
        if (s->attribute_count) {
            otelc__buf_puts(b, "  attributes: ");
            attrs_text(b, s->attributes, s->attribute_count);
            otelc__buf_putc(b, '\n');
        }
        for (uint32_t e = 0; e < s->event_count; e++) {
            const otelc_event_data *ev = &s->events[e];
            otelc__buf_printf(b, "  event +%.3f ms %s",
                              (double)(ev->time - s->start_time) / 1e6,
                              ev->name);
            if (ev->attribute_count) {
                otelc__buf_puts(b, " {");
                attrs_text(b, ev->attributes, ev->attribute_count);
                otelc__buf_putc(b, '}');
            }
            otelc__buf_putc(b, '\n');
        }
        for (uint32_t l = 0; l < s->link_count; l++) {
            otelc_trace_id_to_hex(s->links[l].context.trace_id, tid);
            otelc_span_id_to_hex(s->links[l].context.span_id, sid);
            otelc__buf_printf(b, "  link %s/%s\n", tid, sid);
        }
        if (s->dropped_attribute_count || s->dropped_event_count ||
            s->dropped_link_count)
            otelc__buf_printf(b, "  dropped: %u attributes, %u events, %u "
                                 "links\n",
                              s->dropped_attribute_count,
                              s->dropped_event_count, s->dropped_link_count);
    }
    if (b->len && fwrite(b->data, 1, b->len, c->out) != b->len)
        return OTELC_EXPORT_FAILURE;
    fflush(c->out);
    return OTELC_EXPORT_SUCCESS;
}

static void console_free(void *st) {
    console_state *c = st;
    otelc__buf_free(&c->buf);
    free(c);
}

static const otelc_span_exporter_ops console_ops = {
    "console", console_export, NULL, NULL, console_free};

OTELC_API otelc_span_exporter *otelc_console_exporter_new(FILE *out) {
    console_state *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->out = out ? out : stderr;
    otelc__buf_init(&c->buf);
    return otelc_span_exporter_new(&console_ops, c);
}
