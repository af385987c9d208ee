/*
 * exporters/prometheus/prom_render.c - a metric collection as Prometheus
 * text 0.0.4 or OpenMetrics 1.0.
 *
 * Rules (OpenTelemetry "Prometheus and OpenMetrics Compatibility"):
 *  - Metric names: characters outside [a-zA-Z0-9_:] become '_', runs of
 *    '_' collapse to one, a leading digit gets a '_' in front.  The unit
 *    (UCUM) becomes a word suffix ("s" -> "_seconds", "By" -> "_bytes",
 *    "{request}" -> nothing, "1" -> "_ratio" for gauges, "m/s" ->
 *    "_meters_per_second") unless the name already contains it.  Monotonic
 *    sums become counters named *_total; non-monotonic sums and gauges
 *    become gauges; histograms become *_bucket/_sum/_count.
 *  - Labels: attribute keys sanitised like names (a leading digit gets
 *    "key_"); keys that collide after sanitising get their values joined
 *    with ';' in the order of the original keys; non-string values are
 *    written as the attribute specification writes them (arrays as JSON).
 *    Every sample carries otel_scope_name and otel_scope_version (unless
 *    disabled).
 *  - The resource becomes one target_info metric (a gauge of 1 in 0.0.4,
 *    an info metric in OpenMetrics) whose labels are its attributes.
 *  - One TYPE/HELP/UNIT per name: families with the same name from several
 *    scopes are merged; a family whose type conflicts with an earlier one
 *    of that name is dropped with a diagnostic.
 *  - OpenMetrics only: exemplars on counter samples and histogram buckets
 *    ({trace_id, span_id} value timestamp), *_created samples, UNIT lines,
 *    and "# EOF".  A histogram whose buckets or values include negative
 *    numbers has no _sum/_count there (the format forbids them).
 *
 * Families are emitted in name order so that a scrape is deterministic.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "exporters/prometheus/prom_int.h"

/* ---- names
 * ------------------------------------------------------------------- */

/* Append src, sanitised for a Prometheus name, to out (pos/len). */
static void sanitize_into(char *out, size_t len, size_t *pos, const char *src,
                          bool allow_colon) {
    size_t p = *pos;
    for (const char *s = src; *s && p + 1 < len; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' ||
                  (allow_colon && c == ':');
        if (!ok)
            c = '_';
        if (c == '_' && p > 0 && out[p - 1] == '_')
            continue;
        out[p++] = c;
    }
    out[p] = '\0';
    *pos = p;
}

static const struct {
    const char *ucum, *word, *per;
} g_units[] = {
    {"d", "days", "day"},
    {"h", "hours", "hour"},
    {"min", "minutes", "minute"},
    {"s", "seconds", "second"},
    {"ms", "milliseconds", "millisecond"},
    {"us", "microseconds", "microsecond"},
    {"ns", "nanoseconds", "nanosecond"},
    {"By", "bytes", "byte"},
    {"KiBy", "kibibytes", "kibibyte"},
    {"MiBy", "mebibytes", "mebibyte"},
    {"GiBy", "gibibytes", "gibibyte"},
    {"TiBy", "tebibytes", "tebibyte"},
    {"KBy", "kilobytes", "kilobyte"},
    {"MBy", "megabytes", "megabyte"},
    {"GBy", "gigabytes", "gigabyte"},
    {"TBy", "terabytes", "terabyte"},
    {"B", "bytes", "byte"},
    {"m", "meters", "minute"},
    {"V", "volts", "volt"},
    {"A", "amperes", "ampere"},
    {"J", "joules", "joule"},
    {"W", "watts", "watt"},
    {"g", "grams", "gram"},
    {"Cel", "celsius", "celsius"},
    {"Hz", "hertz", "hertz"},
    {"%", "percent", "percent"},
    {"w", "weeks", "week"},
    {"mo", "months", "month"},
    {"y", "years", "year"},
};

/* One unit term (no '/'), annotations dropped: its word, or "" */
static void unit_term(const char *s, size_t n, bool per, char *out,
                      size_t len) {
    char tmp[64];
    size_t k = 0;
    int depth = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof tmp; i++) {
        if (s[i] == '{')
            depth++;
        else if (s[i] == '}' && depth)
            depth--;
        else if (!depth)
            tmp[k++] = s[i];
    }
    tmp[k] = '\0';
    out[0] = '\0';
    if (!k)
        return;
    for (size_t i = 0; i < OTELC_ARRAY_LEN(g_units); i++)
        if (!strcmp(tmp, g_units[i].ucum)) {
            snprintf(out, len, "%s", per ? g_units[i].per : g_units[i].word);
            return;
        }
    size_t pos = 0;
    sanitize_into(out, len, &pos, tmp, false);
    /* Trim '_' at both ends of an unknown unit's text. */
    while (pos && out[pos - 1] == '_')
        out[--pos] = '\0';
    if (out[0] == '_')
        memmove(out, out + 1, strlen(out));
}

/* The unit's word for a metric of this type ("" when none). */
static void unit_word(const char *unit, otelc_metric_type type, char *out,
                      size_t len) {
    out[0] = '\0';
    if (!unit || !*unit)
        return;
    if (!strcmp(unit, "1")) {
        /* "ratio" only where a ratio makes sense: counters with unit 1
         * count things ("requests_total", not "requests_ratio_total"). */
        if (type == OTELC_METRIC_GAUGE)
            snprintf(out, len, "ratio");
        return;
    }
    const char *slash = strchr(unit, '/');
    if (!slash) {
        unit_term(unit, strlen(unit), false, out, len);
        return;
    }
    char a[56], b[56];
    unit_term(unit, (size_t)(slash - unit), false, a, sizeof a);
    unit_term(slash + 1, strlen(slash + 1), true, b, sizeof b);
    if (a[0] && b[0])
        snprintf(out, len, "%s_per_%s", a, b);
    else if (b[0])
        snprintf(out, len, "per_%s", b);
    else
        snprintf(out, len, "%s", a);
}

/* True when `name` contains `word` as whole '_'-separated tokens. */
static bool has_tokens(const char *name, const char *word) {
    size_t wl = strlen(word);
    for (const char *p = strstr(name, word); p; p = strstr(p + 1, word)) {
        bool start = p == name || p[-1] == '_';
        bool end = p[wl] == '\0' || p[wl] == '_';
        if (start && end)
            return true;
    }
    return false;
}

static size_t base_name(const char *name, char *out, size_t len) {
    size_t pos = 0;
    if (name[0] >= '0' && name[0] <= '9')
        out[pos++] = '_';
    out[pos] = '\0';
    sanitize_into(out, len, &pos, name, true);
    if (pos == 0) {
        snprintf(out, len, "_");
        pos = 1;
    }
    return pos;
}

void otelc__prom_metric_name(const char *name, const char *unit,
                             otelc_metric_type type, char *out, size_t len) {
    size_t pos = base_name(name, out, len);
    char w[128];
    unit_word(unit, type, w, sizeof w);
    if (w[0] && !has_tokens(out, w) && pos + 1 + strlen(w) + 1 < len)
        snprintf(out + pos, len - pos, "_%s", w);
}

/* A label name from an attribute key. */
static void label_name(const char *key, char *out, size_t len) {
    size_t pos = 0;
    if (key[0] >= '0' && key[0] <= '9') {
        snprintf(out, len, "key_");
        pos = 4;
    }
    sanitize_into(out, len, &pos, key, false);
    if (pos == 0)
        snprintf(out, len, "_");
}

/* ---- values
 * ---------------------------------------------------------------------- */

/* Go ParseFloat syntax: the shortest text that reads back as v. */
static void fmt_double(char *tmp, size_t len, double v) {
    if (isnan(v)) {
        snprintf(tmp, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(tmp, len, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, len, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
}

static void put_double(otelc__buf *b, double v) {
    char tmp[40];
    fmt_double(tmp, sizeof tmp, v);
    otelc__buf_puts(b, tmp);
}

static void put_i64(otelc__buf *b, int64_t v) {
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    otelc__buf_puts(b, tmp);
}

static void put_u64(otelc__buf *b, uint64_t v) {
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    otelc__buf_puts(b, tmp);
}

/* Length of the valid UTF-8 sequence at s (0 when invalid). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Escaped text: '\\', '\n' always; '"' when quote.  Invalid UTF-8 becomes
 * U+FFFD so that strict parsers accept any attribute. */
static void put_escaped(otelc__buf *b, const char *s, size_t n, bool quote) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = p[i];
        const char *rep = NULL;
        size_t adv = 1;
        if (c == '\\')
            rep = "\\\\";
        else if (c == '\n')
            rep = "\\n";
        else if (c == '"' && quote)
            rep = "\\\"";
        else if (c >= 0x80) {
            adv = utf8_seq(p + i, n - i);
            if (!adv) {
                rep = "\xef\xbf\xbd";
                adv = 1;
            }
        }
        if (rep) {
            otelc__buf_append(b, s + run, i - run);
            otelc__buf_puts(b, rep);
            run = i + adv;
        }
        i += adv;
    }
    otelc__buf_append(b, s + run, n - run);
}

/* An attribute value as label text (unescaped) into tmp. */
static void value_text(otelc__buf *t, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
    case OTELC_VALUE_BYTES:
        otelc__buf_append(t, v->u.s, v->len ? v->len : strlen(v->u.s));
        break;
    case OTELC_VALUE_BOOL: otelc__buf_puts(t, v->u.b ? "true" : "false"); break;
    case OTELC_VALUE_INT: put_i64(t, v->u.i); break;
    case OTELC_VALUE_DOUBLE: put_double(t, v->u.d); break;
    default:
        otelc__buf_putc(t, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                otelc__buf_putc(t, ',');
            if (v->type == OTELC_VALUE_STRING_ARRAY)
                otelc__json_cstr(t, v->u.sa[i] ? v->u.sa[i] : "");
            else if (v->type == OTELC_VALUE_BOOL_ARRAY)
                otelc__buf_puts(t, v->u.ba[i] ? "true" : "false");
            else if (v->type == OTELC_VALUE_INT_ARRAY)
                put_i64(t, v->u.ia[i]);
            else
                otelc__json_double(t, v->u.da[i]);
        }
        otelc__buf_putc(t, ']');
    }
}

/* ---- label sets
 * ---------------------------------------------------------------------- */

typedef struct render {
    otelc__buf *b;
    otelc__buf tmp; /* scratch for label values */
    const otelc__prom_opts *o;
    otelc__ratelimit *rl;
} render;

static otelc__ratelimit g_rl_conflict;

/* Write `{k="v",...` (no closing brace) for the attributes plus the scope
 * labels; `reserved` is a label the sample adds itself ("le"), which an
 * attribute must not shadow.  Returns whether anything was written. */
static bool put_labels(render *r, const otelc_attribute *a, uint32_t n,
                       const otelc_scope_info *scope, const char *reserved) {
    otelc__buf *b = r->b;
    bool any = false;
    char ln[256], lm[256];
    for (uint32_t i = 0; i < n; i++) {
        label_name(a[i].key, ln, sizeof ln);
        /* Skip keys whose sanitised name an earlier key already took (its
         * values were joined there). */
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++) {
            label_name(a[j].key, lm, sizeof lm);
            seen = !strcmp(ln, lm);
        }
        if (seen)
            continue;
        if ((reserved && !strcmp(ln, reserved)) ||
            (scope && r->o->scope_labels &&
             (!strcmp(ln, "otel_scope_name") ||
              !strcmp(ln, "otel_scope_version")))) {
            otelc__diag_limited(&g_rl_conflict, OTELC_DIAG_WARN,
                                "/metrics: attribute \"%s\" would shadow the "
                                "label %s; dropped",
                                a[i].key, ln);
            continue;
        }
        otelc__buf_reset(&r->tmp);
        value_text(&r->tmp, &a[i].value);
        /* Colliding keys: values joined with ';' in key order (the
         * attributes are sorted by key). */
        for (uint32_t j = i + 1; j < n; j++) {
            label_name(a[j].key, lm, sizeof lm);
            if (!strcmp(ln, lm)) {
                otelc__buf_putc(&r->tmp, ';');
                value_text(&r->tmp, &a[j].value);
            }
        }
        otelc__buf_putc(b, any ? ',' : '{');
        otelc__buf_puts(b, ln);
        otelc__buf_puts(b, "=\"");
        put_escaped(b, r->tmp.data ? r->tmp.data : "", r->tmp.len, true);
        otelc__buf_putc(b, '"');
        any = true;
    }
    if (scope && r->o->scope_labels) {
        otelc__buf_putc(b, any ? ',' : '{');
        otelc__buf_puts(b, "otel_scope_name=\"");
        put_escaped(b, scope->name, strlen(scope->name), true);
        otelc__buf_putc(b, '"');
        any = true;
        if (scope->version && scope->version[0]) {
            otelc__buf_puts(b, ",otel_scope_version=\"");
            put_escaped(b, scope->version, strlen(scope->version), true);
            otelc__buf_putc(b, '"');
        }
    }
    return any;
}

static void close_labels(otelc__buf *b, bool any) {
    if (any)
        otelc__buf_putc(b, '}');
}

/* A sample line: name, labels (+ extra label), value written by caller. */
static void sample_start(render *r, const char *fam, const char *suffix,
                         const otelc_attribute *a, uint32_t n,
                         const otelc_scope_info *scope, const char *extra_k,
                         const char *extra_v) {
    otelc__buf *b = r->b;
    otelc__buf_puts(b, fam);
    otelc__buf_puts(b, suffix);
    bool any = put_labels(r, a, n, scope, extra_k);
    if (extra_k) {
        otelc__buf_putc(b, any ? ',' : '{');
        otelc__buf_puts(b, extra_k);
        otelc__buf_puts(b, "=\"");
        otelc__buf_puts(b, extra_v);
        otelc__buf_putc(b, '"');
        any = true;
    }
    close_labels(b, any);
    otelc__buf_putc(b, ' ');
}

static void put_exemplar(render *r, const otelc_exemplar *e) {
    char tid[33], sid[17];
    otelc__buf *b = r->b;
    otelc__buf_puts(b, " # {");
    bool valid = false;
    for (int i = 0; i < 16; i++)
        valid |= e->trace_id[i] != 0;
    if (valid) {
        otelc_trace_id_to_hex(e->trace_id, tid);
        otelc_span_id_to_hex(e->span_id, sid);
        otelc__buf_printf(b, "trace_id=\"%s\",span_id=\"%s\"", tid, sid);
    }
    otelc__buf_puts(b, "} ");
    if (e->is_int)
        put_i64(b, e->value.i);
    else
        put_double(b, e->value.d);
    otelc__buf_putc(b, ' ');
    otelc__buf_printf(b, "%llu.%03u",
                      (unsigned long long)(e->time / 1000000000u),
                      (unsigned)((e->time / 1000000u) % 1000u));
}

static void put_seconds(otelc__buf *b, otelc_time_ns t) {
    otelc__buf_printf(b, "%llu.%09u", (unsigned long long)(t / 1000000000u),
                      (unsigned)(t % 1000000000u));
}

/* ---- families
 * ---------------------------------------------------------------------- */

enum { P_COUNTER, P_GAUGE, P_HISTOGRAM };

typedef struct fentry {
    char name[320]; /* family name (0.0.4: counters end in _total) */
    char unit[128];
    int ptype;
    const otelc_metric_data *m;
    const otelc_scope_info *scope;
    uint32_t order;
} fentry;

static int fentry_cmp(const void *x, const void *y) {
    const fentry *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return a->order < b->order ? -1 : a->order > b->order;
}

static const char *type_word(int t, bool om) {
    (void)om;
    return t == P_COUNTER     ? "counter"
           : t == P_HISTOGRAM ? "histogram"
                              : "gauge";
}

static void put_help(render *r, const char *fam, const char *desc) {
    otelc__buf *b = r->b;
    otelc__buf_puts(b, "# HELP ");
    otelc__buf_puts(b, fam);
    otelc__buf_putc(b, ' ');
    put_escaped(b, desc, strlen(desc), r->o->openmetrics);
    otelc__buf_putc(b, '\n');
}

static void number_samples(render *r, const fentry *e) {
    otelc__buf *b = r->b;
    const otelc_metric_data *m = e->m;
    bool om = r->o->openmetrics;
    for (uint32_t i = 0; i < m->point_count; i++) {
        const otelc_number_point *p = &m->number_points[i];
        sample_start(r, e->name, e->ptype == P_COUNTER && om ? "_total" : "",
                     p->attributes, p->attribute_count, e->scope, NULL, NULL);
        if (p->is_int)
            put_i64(b, p->value.i);
        else
            put_double(b, p->value.d);
        if (om && e->ptype == P_COUNTER && p->exemplar_count)
            put_exemplar(r, &p->exemplars[0]);
        otelc__buf_putc(b, '\n');
        if (om && e->ptype == P_COUNTER && p->start_time) {
            sample_start(r, e->name, "_created", p->attributes,
                         p->attribute_count, e->scope, NULL, NULL);
            put_seconds(b, p->start_time);
            otelc__buf_putc(b, '\n');
        }
    }
}

/* The bucket an exemplar's value falls in. */
static uint32_t bucket_of(const double *bounds, uint32_t nb, double v) {
    uint32_t lo = 0, hi = nb;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (v <= bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static double ex_value(const otelc_exemplar *e) {
    return e->is_int ? (double)e->value.i : e->value.d;
}

static void histogram_samples(render *r, const fentry *e) {
    otelc__buf *b = r->b;
    const otelc_metric_data *m = e->m;
    bool om = r->o->openmetrics;
    /* The le texts, once per metric: every point has the same bounds. */
    uint32_t nb = m->point_count ? m->histogram_points[0].bound_count : 0;
    char(*les)[40] = calloc(nb ? nb : 1, sizeof *les);
    if (!les) {
        b->oom = true;
        return;
    }
    for (uint32_t k = 0; k < nb; k++)
        fmt_double(les[k], sizeof les[k], m->histogram_points[0].bounds[k]);
    for (uint32_t i = 0; i < m->point_count; i++) {
        const otelc_histogram_point *p = &m->histogram_points[i];
        if (p->bound_count != nb)
            continue; /* never happens: bounds belong to the instrument */
        const otelc_exemplar *carry = NULL;
        uint64_t cum = 0;
        for (uint32_t k = 0; k <= p->bound_count; k++) {
            cum += p->bucket_counts[k];
            sample_start(r, e->name, "_bucket", p->attributes,
                         p->attribute_count, e->scope, "le",
                         k < p->bound_count ? les[k] : "+Inf");
            put_u64(b, cum);
            if (om) {
                /* This bucket's exemplar, else (per the specification) the
                 * highest one of a lower bucket. */
                for (uint32_t x = 0; x < p->exemplar_count; x++) {
                    const otelc_exemplar *ex = &p->exemplars[x];
                    if (bucket_of(p->bounds, p->bound_count, ex_value(ex)) == k)
                        carry = ex;
                }
                if (carry)
                    put_exemplar(r, carry);
            }
            otelc__buf_putc(b, '\n');
        }
        /* OpenMetrics forbids _sum with negative buckets or a negative
         * sum, and _count without _sum. */
        bool negative = (p->bound_count && p->bounds[0] < 0) || p->sum < 0 ||
                        (p->has_min_max && p->min < 0);
        if (!om || !negative) {
            sample_start(r, e->name, "_sum", p->attributes, p->attribute_count,
                         e->scope, NULL, NULL);
            put_double(b, p->sum);
            otelc__buf_putc(b, '\n');
            sample_start(r, e->name, "_count", p->attributes,
                         p->attribute_count, e->scope, NULL, NULL);
            put_u64(b, p->count);
            otelc__buf_putc(b, '\n');
        }
        if (om && p->start_time) {
            sample_start(r, e->name, "_created", p->attributes,
                         p->attribute_count, e->scope, NULL, NULL);
            put_seconds(b, p->start_time);
            otelc__buf_putc(b, '\n');
        }
    }
    free(les);
}

static void target_info(render *r, const otelc_resource *res) {
    size_t n = 0;
    const otelc_attribute *a = otelc_resource_attributes(res, &n);
    if (!a || !n)
        return;
    otelc__buf *b = r->b;
    if (r->o->openmetrics) {
        otelc__buf_puts(b, "# TYPE target info\n"
                           "# HELP target Target metadata\n");
    } else {
        otelc__buf_puts(b, "# HELP target_info Target metadata\n"
                           "# TYPE target_info gauge\n");
    }
    otelc__buf_puts(b, "target_info");
    bool any = put_labels(r, a, (uint32_t)n, NULL, NULL);
    close_labels(b, any);
    otelc__buf_puts(b, " 1\n");
}

void otelc__prom_render(const otelc_metrics_data *d, const otelc__prom_opts *o,
                        otelc__buf *out) {
    render r = {0};
    r.b = out;
    r.o = o;
    otelc__buf_init(&r.tmp);
    target_info(&r, d->resource);

    size_t total = 0;
    for (uint32_t s = 0; s < d->scope_count; s++)
        total += d->scopes[s].metric_count;
    fentry *es = calloc(total ? total : 1, sizeof *es);
    if (!es) {
        out->oom = true;
        otelc__buf_free(&r.tmp);
        return;
    }
    size_t n = 0;
    for (uint32_t s = 0; s < d->scope_count; s++) {
        const otelc_scope_metrics_data *sm = &d->scopes[s];
        for (uint32_t i = 0; i < sm->metric_count; i++) {
            const otelc_metric_data *m = &sm->metrics[i];
            fentry *e = &es[n];
            if (m->type == OTELC_METRIC_SUM &&
                m->temporality == OTELC_TEMPORALITY_DELTA)
                continue; /* a pull endpoint serves cumulative data only */
            e->ptype = m->type == OTELC_METRIC_HISTOGRAM ? P_HISTOGRAM
                       : m->type == OTELC_METRIC_SUM && m->monotonic ? P_COUNTER
                                                                     : P_GAUGE;
            otelc__prom_metric_name(m->name, m->unit, m->type, e->name,
                                    sizeof e->name - 8);
            unit_word(m->unit, m->type, e->unit, sizeof e->unit);
            size_t l = strlen(e->name);
            if (e->ptype == P_COUNTER) {
                /* Family names: OpenMetrics counters have no _total (the
                 * sample adds it), 0.0.4 names end in it. */
                bool has_total = l >= 6 && !strcmp(e->name + l - 6, "_total");
                if (o->openmetrics && has_total)
                    e->name[l - 6] = '\0';
                else if (!o->openmetrics && !has_total)
                    snprintf(e->name + l, sizeof e->name - l, "_total");
            }
            e->m = m;
            e->scope = &sm->scope;
            e->order = (uint32_t)n;
            n++;
        }
    }
    qsort(es, n, sizeof *es, fentry_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && !strcmp(es[j].name, es[i].name))
            j++;
        const fentry *first = &es[i];
        bool om = o->openmetrics;
        /* OpenMetrics: a family name must not clash with another family's
         * samples (target_info is the only one we add). */
        if (!strcmp(first->name, "target_info") ||
            (om && !strcmp(first->name, "target"))) {
            otelc__diag_limited(&g_rl_conflict, OTELC_DIAG_WARN,
                                "/metrics: metric %s collides with "
                                "target_info; dropped",
                                first->m->name);
            i = j;
            continue;
        }
        put_help(&r, first->name,
                 first->m->description[0] ? first->m->description
                                          : first->m->name);
        otelc__buf_printf(out, "# TYPE %s %s\n", first->name,
                          type_word(first->ptype, om));
        size_t ul = strlen(first->unit), nl = strlen(first->name);
        if (om && ul && nl > ul && first->name[nl - ul - 1] == '_' &&
            !strcmp(first->name + nl - ul, first->unit))
            otelc__buf_printf(out, "# UNIT %s %s\n", first->name, first->unit);
        for (size_t k = i; k < j; k++) {
            if (es[k].ptype != first->ptype) {
                otelc__diag_limited(&g_rl_conflict, OTELC_DIAG_WARN,
                                    "/metrics: %s from scope %s has another "
                                    "type than the same name elsewhere; "
                                    "dropped",
                                    es[k].m->name, es[k].scope->name);
                continue;
            }
            if (es[k].ptype == P_HISTOGRAM)
                histogram_samples(&r, &es[k]);
            else
                number_samples(&r, &es[k]);
        }
        i = j;
    }
    if (o->openmetrics)
        otelc__buf_puts(out, "# EOF\n");
    free(es);
    otelc__buf_free(&r.tmp);
}
