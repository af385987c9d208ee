/*
 * exporters/console/console_exporter.c - spans as readable text.
 *
 * For a developer watching a terminal, one block per span:
 *
 *   span "GET /users" SERVER 12.345 ms status=ERROR "db down"
 *     trace_id=4bf9... span_id=00f0... parent_id=a3ce... (remote) flags=01
 *     trace_state="k=v" scope=http 1.0 service=checkout
 *     attributes: http.method="GET", http.status_code=500
 *     event +1.002 ms "exception" {exception.type="E"}
 *     link 4bf9.../a3ce... flags=01 {peer="x"}
 *     dropped: 1 attributes, 0 events, 0 links
 *
 * Not a machine format (use the file exporter).  Every string from the
 * application goes through the JSON escaper, so a span name holding a
 * terminal escape sequence or invalid UTF-8 prints as visible escapes and
 * U+FFFD rather than driving the terminal.  Numbers are formatted without
 * the locale so the output is the same in every process.
 *
 * One buffer is reused for the whole batch and written with one fwrite()
 * plus fflush(); a failed write (a full disk behind a redirected stderr)
 * drops that batch, counted by the processor, with a rate-limited
 * diagnostic, and the stream's error flag is cleared so later batches can
 * succeed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/internal.h"
#include "sdk/json_int.h"

#include "otelc/exporters.h"

typedef struct console_state {
    FILE *out;
    otelc__buf buf;
    otelc__ratelimit rl;
} console_state;

static const char *kind_name(otelc_span_kind k) {
    static const char *const n[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                    "CLIENT",      "PRODUCER", "CONSUMER"};
    return (unsigned)k < 6 ? n[k] : "UNKNOWN";
}

/* A string from the application, quoted and escaped. */
static void quoted(otelc__buf *b, const char *s) {
    otelc__json_cstr(b, s);
}

/* A key or other bare word, escaped but not quoted. */
static void bare(otelc__buf *b, const char *s) {
    otelc__json_escape(b, s ? s : "", s ? strlen(s) : 0);
}

static void hex(otelc__buf *b, const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        otelc__buf_append(b, two, 2);
    }
}

/* Milliseconds with three decimals from a nanosecond count, by integer
 * arithmetic (a negative count prints with a minus sign). */
static void millis(otelc__buf *b, int64_t ns) {
    uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    if (ns < 0)
        otelc__buf_putc(b, '-');
    otelc__json_u64(b, u / 1000000);
    uint64_t frac = u % 1000000 / 1000;
    char f[5] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
                 (char)('0' + frac % 10), ' '};
    otelc__buf_append(b, f, 5);
    otelc__buf_puts(b, "ms");
}

static void value_text(otelc__buf *b, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
        otelc__json_str(b, v->u.s ? v->u.s : "", v->u.s ? v->len : 0);
        break;
    case OTELC_VALUE_BYTES:
        otelc__buf_puts(b, "0x");
        hex(b, (const uint8_t *)v->u.s, v->u.s ? v->len : 0);
        break;
    case OTELC_VALUE_BOOL: otelc__buf_puts(b, v->u.b ? "true" : "false"); break;
    case OTELC_VALUE_INT: otelc__json_i64(b, v->u.i); break;
    case OTELC_VALUE_DOUBLE: otelc__json_double(b, v->u.d); break;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY:
        otelc__buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                otelc__buf_puts(b, ", ");
            if (v->type == OTELC_VALUE_STRING_ARRAY)
                quoted(b, v->u.sa[i]);
            else if (v->type == OTELC_VALUE_BOOL_ARRAY)
                otelc__buf_puts(b, v->u.ba[i] ? "true" : "false");
            else if (v->type == OTELC_VALUE_INT_ARRAY)
                otelc__json_i64(b, v->u.ia[i]);
            else
                otelc__json_double(b, v->u.da[i]);
        }
        otelc__buf_putc(b, ']');
        break;
    default: otelc__buf_puts(b, "(none)");
    }
}

static void attrs_text(otelc__buf *b, const otelc_attribute *a, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            otelc__buf_puts(b, ", ");
        bare(b, a[i].key);
        otelc__buf_putc(b, '=');
        value_text(b, &a[i].value);
    }
}

static void flags_text(otelc__buf *b, uint8_t flags) {
    otelc__buf_puts(b, " flags=");
    hex(b, &flags, 1);
}

static void span_text(otelc__buf *b, const otelc_span_data *s) {
    otelc__buf_puts(b, "span ");
    quoted(b, s->name);
    otelc__buf_putc(b, ' ');
    otelc__buf_puts(b, kind_name(s->kind));
    otelc__buf_putc(b, ' ');
    millis(b, (int64_t)(s->end_time - s->start_time));
    if (s->status_code == OTELC_STATUS_OK) {
        otelc__buf_puts(b, " status=OK");
    } else if (s->status_code == OTELC_STATUS_ERROR) {
        otelc__buf_puts(b, " status=ERROR");
        if (s->status_description && s->status_description[0]) {
            otelc__buf_putc(b, ' ');
            quoted(b, s->status_description);
        }
    } else {
        otelc__buf_puts(b, " status=UNSET");
    }

    otelc__buf_puts(b, "\n  trace_id=");
    hex(b, s->context.trace_id, 16);
    otelc__buf_puts(b, " span_id=");
    hex(b, s->context.span_id, 8);
    otelc__buf_puts(b, " parent_id=");
    if (otelc_span_data_has_parent(s)) {
        hex(b, s->parent_span_id, 8);
        if (s->parent_is_remote)
            otelc__buf_puts(b, " (remote)");
    } else {
        otelc__buf_putc(b, '-');
    }
    flags_text(b, s->context.trace_flags);

    otelc__buf_puts(b, "\n  ");
    if (s->trace_state && s->trace_state[0]) {
        otelc__buf_puts(b, "trace_state=");
        quoted(b, s->trace_state);
        otelc__buf_putc(b, ' ');
    }
    otelc__buf_puts(b, "scope=");
    bare(b, s->scope ? s->scope->name : "");
    if (s->scope && s->scope->version && s->scope->version[0]) {
        otelc__buf_putc(b, ' ');
        bare(b, s->scope->version);
    }
    otelc__buf_puts(b, " service=");
    bare(b, otelc_resource_service_name(s->resource));
    otelc__buf_putc(b, '\n');

    if (s->attribute_count) {
        otelc__buf_puts(b, "  attributes: ");
        attrs_text(b, s->attributes, s->attribute_count);
        otelc__buf_putc(b, '\n');
    }
    for (uint32_t e = 0; e < s->event_count; e++) {
        const otelc_event_data *ev = &s->events[e];
        otelc__buf_puts(b, "  event +");
        millis(b, (int64_t)(ev->time - s->start_time));
        otelc__buf_putc(b, ' ');
        quoted(b, ev->name);
        if (ev->attribute_count) {
            otelc__buf_puts(b, " {");
            attrs_text(b, ev->attributes, ev->attribute_count);
            otelc__buf_putc(b, '}');
        }
        if (ev->dropped_attribute_count)
            otelc__buf_printf(b, " dropped_attributes=%u",
                              ev->dropped_attribute_count);
        otelc__buf_putc(b, '\n');
    }
    for (uint32_t l = 0; l < s->link_count; l++) {
        const otelc_link_data *ln = &s->links[l];
        otelc__buf_puts(b, "  link ");
        hex(b, ln->context.trace_id, 16);
        otelc__buf_putc(b, '/');
        hex(b, ln->context.span_id, 8);
        flags_text(b, ln->context.trace_flags);
        if (ln->trace_state && ln->trace_state[0]) {
            otelc__buf_puts(b, " trace_state=");
            quoted(b, ln->trace_state);
        }
        if (ln->attribute_count) {
            otelc__buf_puts(b, " {");
            attrs_text(b, ln->attributes, ln->attribute_count);
            otelc__buf_putc(b, '}');
        }
        if (ln->dropped_attribute_count)
            otelc__buf_printf(b, " dropped_attributes=%u",
                              ln->dropped_attribute_count);
        otelc__buf_putc(b, '\n');
    }
    if (s->dropped_attribute_count || s->dropped_event_count ||
        s->dropped_link_count)
        otelc__buf_printf(b, "  dropped: %u attributes, %u events, %u links\n",
                          s->dropped_attribute_count, s->dropped_event_count,
                          s->dropped_link_count);
}

static otelc_export_result console_export(void *st,
                                          const otelc_span_data *const *spans,
                                          size_t n, otelc_export_context *ctx) {
    (void)ctx;
    console_state *c = st;
    otelc__buf *b = &c->buf;
    otelc__buf_reset(b);
    for (size_t i = 0; i < n; i++)
        span_text(b, spans[i]);
    if (b->oom) {
        otelc__buf_free(b);
        otelc__diag_limited(&c->rl, OTELC_DIAG_ERROR,
                            "console exporter: out of memory formatting %zu "
                            "spans; batch dropped",
                            n);
        return OTELC_EXPORT_FAILURE;
    }
    if (!b->len)
        return OTELC_EXPORT_SUCCESS;
    errno = 0;
    bool ok = fwrite(b->data, 1, b->len, c->out) == b->len;
    ok = fflush(c->out) == 0 && ok;
    int err = errno;
    if (b->cap > (4u << 20))
        otelc__buf_free(b);
    if (!ok || ferror(c->out)) {
        clearerr(c->out);
        otelc__diag_limited(&c->rl, OTELC_DIAG_ERROR,
                            "console exporter: writing failed: %s; %zu spans "
                            "dropped",
                            err ? strerror(err) : "short write", n);
        return OTELC_EXPORT_FAILURE;
    }
    return OTELC_EXPORT_SUCCESS;
}

static void console_free(void *st) {
    console_state *c = st;
    otelc__buf_free(&c->buf);
    free(c);
}

static const otelc_span_exporter_ops console_ops = {"console", console_export,
                                                    NULL, NULL, console_free};

OTELC_API otelc_span_exporter *otelc_console_exporter_new(FILE *out) {
    console_state *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->out = out ? out : stderr;
    otelc__buf_init(&c->buf);
    return otelc_span_exporter_new(&console_ops, c);
}
