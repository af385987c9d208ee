/*
 * exporters/console/console_metrics.c - metric collections as readable
 * text (OTEL_METRICS_EXPORTER=console).
 *
 * For a developer watching a terminal: one block per export with the
 * resource's service.name, then per scope and instrument one line per data
 * point (attributes, value or histogram summary, and the exemplar's trace
 * and span ids when there is one).  Not a machine format.  The text is
 * built in a buffer and written with one fwrite, so blocks from several
 * exporters do not interleave.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/internal.h"
#include "sdk/json_int.h"

#include "otelc/metrics.h"

typedef struct cmetrics {
    FILE *out;
    otelc__buf buf;
} cmetrics;

static void value_text(otelc__buf *b, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES: otelc__json_str(b, v->u.s, v->len); break;
    case OTELC_VALUE_BOOL: otelc__buf_puts(b, v->u.b ? "true" : "false"); break;
    case OTELC_VALUE_INT: otelc__json_i64(b, v->u.i); break;
    case OTELC_VALUE_DOUBLE: otelc__json_double(b, v->u.d); break;
    default: otelc__buf_puts(b, "[...]");
    }
}

static void attrs_text(otelc__buf *b, const otelc_attribute *a, uint32_t n) {
    otelc__buf_putc(b, '{');
    for (uint32_t i = 0; i < n; i++) {
        otelc__buf_puts(b, i ? ", " : "");
        otelc__buf_puts(b, a[i].key);
        otelc__buf_putc(b, '=');
        value_text(b, &a[i].value);
    }
    otelc__buf_putc(b, '}');
}

static void exemplar_text(otelc__buf *b, const otelc_exemplar *e) {
    char tid[33], sid[17];
    otelc_trace_id_to_hex(e->trace_id, tid);
    otelc_span_id_to_hex(e->span_id, sid);
    otelc__buf_puts(b, "  exemplar ");
    if (e->is_int)
        otelc__json_i64(b, e->value.i);
    else
        otelc__json_double(b, e->value.d);
    otelc__buf_printf(b, " trace_id=%s span_id=%s", tid, sid);
}

static const char *type_text(const otelc_metric_data *m) {
    switch (m->type) {
    case OTELC_METRIC_GAUGE: return "gauge";
    case OTELC_METRIC_HISTOGRAM: return "histogram";
    default: return m->monotonic ? "sum, monotonic" : "sum";
    }
}

static otelc_export_result cm_export(void *st, const otelc_metrics_data *d,
                                     otelc_export_context *ctx) {
    (void)ctx;
    cmetrics *c = st;
    otelc__buf *b = &c->buf;
    otelc__buf_reset(b);
    otelc__buf_printf(b, "metrics of %s\n",
                      otelc_resource_service_name(d->resource));
    for (uint32_t s = 0; s < d->scope_count; s++) {
        const otelc_scope_metrics_data *sm = &d->scopes[s];
        otelc__buf_printf(b, "  scope %s%s%s\n", sm->scope.name,
                          sm->scope.version[0] ? " " : "", sm->scope.version);
        for (uint32_t i = 0; i < sm->metric_count; i++) {
            const otelc_metric_data *m = &sm->metrics[i];
            otelc__buf_printf(
                b, "    %s (%s%s%s%s)%s%s\n", m->name, type_text(m),
                m->unit[0] ? ", unit " : "", m->unit,
                m->type == OTELC_METRIC_GAUGE               ? ""
                : m->temporality == OTELC_TEMPORALITY_DELTA ? ", delta"
                                                            : ", cumulative",
                m->description[0] ? " - " : "", m->description);
            for (uint32_t p = 0; p < m->point_count; p++) {
                otelc__buf_puts(b, "      ");
                if (m->type == OTELC_METRIC_HISTOGRAM) {
                    const otelc_histogram_point *h = &m->histogram_points[p];
                    attrs_text(b, h->attributes, h->attribute_count);
                    otelc__buf_printf(b, " count=%" PRIu64 " sum=", h->count);
                    otelc__json_double(b, h->sum);
                    if (h->has_min_max) {
                        otelc__buf_puts(b, " min=");
                        otelc__json_double(b, h->min);
                        otelc__buf_puts(b, " max=");
                        otelc__json_double(b, h->max);
                    }
                    otelc__buf_puts(b, " buckets=[");
                    for (uint32_t k = 0; k <= h->bound_count; k++)
                        otelc__buf_printf(b, "%s%" PRIu64, k ? " " : "",
                                          h->bucket_counts[k]);
                    otelc__buf_putc(b, ']');
                    for (uint32_t e = 0; e < h->exemplar_count; e++)
                        exemplar_text(b, &h->exemplars[e]);
                } else {
                    const otelc_number_point *n = &m->number_points[p];
                    attrs_text(b, n->attributes, n->attribute_count);
                    otelc__buf_putc(b, ' ');
                    if (n->is_int)
                        otelc__json_i64(b, n->value.i);
                    else
                        otelc__json_double(b, n->value.d);
                    for (uint32_t e = 0; e < n->exemplar_count; e++)
                        exemplar_text(b, &n->exemplars[e]);
                }
                otelc__buf_putc(b, '\n');
            }
        }
    }
    if (b->oom)
        return OTELC_EXPORT_FAILURE;
    if (fwrite(b->data, 1, b->len, c->out) != b->len || fflush(c->out))
        return OTELC_EXPORT_FAILURE;
    return OTELC_EXPORT_SUCCESS;
}

static void cm_free(void *st) {
    cmetrics *c = st;
    otelc__buf_free(&c->buf);
    free(c);
}

static const otelc_metric_exporter_ops g_console_metrics_ops = {
    "console", cm_export, NULL, NULL, NULL, cm_free};

OTELC_API otelc_metric_exporter *otelc_console_metric_exporter_new(FILE *out) {
    cmetrics *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->out = out ? out : stdout;
    otelc__buf_init(&c->buf);
    return otelc_metric_exporter_new(&g_console_metrics_ops, c);
}
