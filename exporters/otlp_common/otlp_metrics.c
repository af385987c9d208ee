/*
 * exporters/otlp_common/otlp_metrics.c - the OTLP metric exporter: one
 * collection of the metrics SDK (otelc_metrics_data) becomes one
 * ExportMetricsServiceRequest, sent through the shared OTLP client
 * (otlp_exporter.c) to MetricsService/Export or POST /v1/metrics.
 *
 * Mapping (opentelemetry/proto/metrics/v1/metrics.proto).  The collection
 * has one resource: one ResourceMetrics, one ScopeMetrics per meter, one
 * Metric per instrument (name, description, unit), in the SDK's order.
 * OTELC_METRIC_SUM becomes a Sum with the point's temporality and
 * is_monotonic, OTELC_METRIC_GAUGE a Gauge, OTELC_METRIC_HISTOGRAM an
 * explicit-bucket Histogram with its temporality.  Number points carry
 * as_int or as_double as the SDK reports them; histogram points count,
 * sum, bucket_counts (bounds + 1), explicit_bounds, and min/max only when
 * the SDK has them (never for delta points).  Start times are sent when
 * the SDK gives one (sums and histograms), time always.  Exemplars carry
 * their time and value, and trace_id/span_id when they were recorded in a
 * span (ids all zero otherwise: the fields are left empty); the SDK keeps
 * no filtered attributes.
 *
 * Temporality is the reader's business: the exporter's temporality()
 * answers the preference (options, else
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE) when the periodic
 * reader is created, and the SDK computes deltas at collection.
 *
 * Memory: the tree lives in the client's arena, reset per collection; the
 * point arrays are sized exactly from the data, so building costs a few
 * arena bumps per data point and nothing per collection once the arena has
 * grown to the workload.
 *
 * Invariants: export and shutdown run on the periodic reader's worker
 * only; the counters are read from any thread (atomics in the client).
 */
#include <stdlib.h>

#include "exporters/common/otlp_json.h"
#include "exporters/otlp_common/otlp_encode.h"
#include "exporters/otlp_common/otlp_exporter.h"
#include "exporters/otlp_common/otlp_factory.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "sdk/metrics_int.h"

const otelc__otlp_signal otelc__otlp_signal_metrics = {
    "metrics",
    "/v1/metrics",
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "rejectedDataPoints",
    "data points",
    &opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__descriptor,
    OTELC_CFG_OTLP_METRICS_ENDPOINT,
    OTELC_CFG_OTLP_METRICS_PROTOCOL,
    OTELC_CFG_OTLP_METRICS_HEADERS,
    OTELC_CFG_OTLP_METRICS_TIMEOUT,
    OTELC_CFG_OTLP_METRICS_COMPRESSION,
    OTELC_CFG_OTLP_METRICS_INSECURE,
    OTELC_CFG_OTLP_METRICS_CERTIFICATE,
    OTELC_CFG_OTLP_METRICS_CLIENT_KEY,
    OTELC_CFG_OTLP_METRICS_CLIENT_CERTIFICATE,
};

typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics ResourceMetrics;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics ScopeMetrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Sum Sum;
typedef Opentelemetry__Proto__Metrics__V1__Gauge Gauge;
typedef Opentelemetry__Proto__Metrics__V1__Histogram Histogram;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberDataPoint;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint
    HistogramDataPoint;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar Exemplar;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest
    Request;

static const ResourceMetrics rm_init =
    OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
static const ScopeMetrics sm_init =
    OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
static const Metric metric_init =
    OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT;
static const Sum sum_init = OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT;
static const Gauge gauge_init = OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT;
static const Histogram histogram_init =
    OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM__INIT;
static const NumberDataPoint ndp_init =
    OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT;
static const HistogramDataPoint hdp_init =
    OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__INIT;
static const Exemplar exemplar_init =
    OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__INIT;
static const Request request_init =
    OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;

static bool nonzero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return true;
    return false;
}

size_t otelc__otlp_metrics_points(const otelc_metrics_data *data) {
    size_t n = 0;
    for (uint32_t s = 0; s < data->scope_count; s++)
        for (uint32_t m = 0; m < data->scopes[s].metric_count; m++)
            n += data->scopes[s].metrics[m].point_count;
    return n;
}

/* ---- protobuf ---------------------------------------------------------------
 */

static bool exemplars(otelc__arena *a, const otelc_exemplar *ex, uint32_t n,
                      Exemplar ***out, size_t *nout) {
    *out = NULL;
    *nout = 0;
    if (!n)
        return true;
    Exemplar *v = OTELC__ARENA_ARRAY(a, Exemplar, n);
    Exemplar **p = OTELC__ARENA_ARRAY(a, Exemplar *, n);
    if (!v || !p)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const otelc_exemplar *e = &ex[i];
        v[i] = exemplar_init;
        v[i].time_unix_nano = e->time;
        if (e->is_int) {
            v[i].value_case =
                OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_INT;
            v[i].as_int = e->value.i;
        } else {
            v[i].value_case =
                OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_DOUBLE;
            v[i].as_double = e->value.d;
        }
        /* A measurement outside any sampled span has no ids: the fields
         * stay empty, as the proto allows. */
        if (nonzero(e->trace_id, 16) && nonzero(e->span_id, 8)) {
            v[i].trace_id.len = 16;
            v[i].trace_id.data = (uint8_t *)e->trace_id;
            v[i].span_id.len = 8;
            v[i].span_id.data = (uint8_t *)e->span_id;
        }
        p[i] = &v[i];
    }
    *out = p;
    *nout = n;
    return true;
}

static bool number_points(otelc__arena *a, const otelc_metric_data *md,
                          NumberDataPoint ***out, size_t *nout) {
    uint32_t n = md->point_count;
    NumberDataPoint *v = OTELC__ARENA_ARRAY(a, NumberDataPoint, n);
    NumberDataPoint **p = OTELC__ARENA_ARRAY(a, NumberDataPoint *, n);
    if (!v || !p)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const otelc_number_point *np = &md->number_points[i];
        NumberDataPoint *d = &v[i];
        *d = ndp_init;
        if (!otelc__otlp_attributes(a, np->attributes, np->attribute_count,
                                    &d->attributes))
            return false;
        d->n_attributes = np->attribute_count;
        d->start_time_unix_nano = np->start_time;
        d->time_unix_nano = np->time;
        if (np->is_int) {
            d->value_case =
                OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
            d->as_int = np->value.i;
        } else {
            d->value_case =
                OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
            d->as_double = np->value.d;
        }
        if (!exemplars(a, np->exemplars, np->exemplar_count, &d->exemplars,
                       &d->n_exemplars))
            return false;
        p[i] = d;
    }
    *out = p;
    *nout = n;
    return true;
}

static bool histogram_points(otelc__arena *a, const otelc_metric_data *md,
                             HistogramDataPoint ***out, size_t *nout) {
    uint32_t n = md->point_count;
    HistogramDataPoint *v = OTELC__ARENA_ARRAY(a, HistogramDataPoint, n);
    HistogramDataPoint **p = OTELC__ARENA_ARRAY(a, HistogramDataPoint *, n);
    if (!v || !p)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const otelc_histogram_point *hp = &md->histogram_points[i];
        HistogramDataPoint *d = &v[i];
        *d = hdp_init;
        if (!otelc__otlp_attributes(a, hp->attributes, hp->attribute_count,
                                    &d->attributes))
            return false;
        d->n_attributes = hp->attribute_count;
        d->start_time_unix_nano = hp->start_time;
        d->time_unix_nano = hp->time;
        d->count = hp->count;
        d->sum__case =
            OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__SUM__SUM;
        d->sum = hp->sum;
        if (hp->has_min_max) {
            d->min__case =
                OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__MIN__MIN;
            d->min = hp->min;
            d->max__case =
                OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__MAX__MAX;
            d->max = hp->max;
        }
        /* Borrowed from the collection: it outlives the packing. */
        d->n_bucket_counts = hp->bound_count + 1u;
        d->bucket_counts = (uint64_t *)hp->bucket_counts;
        d->n_explicit_bounds = hp->bound_count;
        d->explicit_bounds = (double *)hp->bounds;
        if (!exemplars(a, hp->exemplars, hp->exemplar_count, &d->exemplars,
                       &d->n_exemplars))
            return false;
        p[i] = d;
    }
    *out = p;
    *nout = n;
    return true;
}

static bool fill_metric(otelc__arena *a, const otelc_metric_data *md,
                        Metric *m) {
    *m = metric_init;
    m->name = (char *)otelc__otlp_str(a, md->name);
    m->description = (char *)otelc__otlp_str(a, md->description);
    m->unit = (char *)otelc__otlp_str(a, md->unit);
    if (!m->name || !m->description || !m->unit)
        return false;
    switch (md->type) {
    case OTELC_METRIC_SUM: {
        Sum *s = OTELC__ARENA_NEW(a, Sum);
        if (!s)
            return false;
        *s = sum_init;
        s->aggregation_temporality =
            (Opentelemetry__Proto__Metrics__V1__AggregationTemporality)
                md->temporality;
        s->is_monotonic = md->monotonic;
        m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
        m->sum = s;
        return number_points(a, md, &s->data_points, &s->n_data_points);
    }
    case OTELC_METRIC_GAUGE: {
        Gauge *g = OTELC__ARENA_NEW(a, Gauge);
        if (!g)
            return false;
        *g = gauge_init;
        m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
        m->gauge = g;
        return number_points(a, md, &g->data_points, &g->n_data_points);
    }
    case OTELC_METRIC_HISTOGRAM: {
        Histogram *h = OTELC__ARENA_NEW(a, Histogram);
        if (!h)
            return false;
        *h = histogram_init;
        h->aggregation_temporality =
            (Opentelemetry__Proto__Metrics__V1__AggregationTemporality)
                md->temporality;
        m->data_case =
            OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
        m->histogram = h;
        return histogram_points(a, md, &h->data_points, &h->n_data_points);
    }
    }
    /* A type this encoder does not know: the metric goes out without data
     * (receivers ignore it) rather than failing the collection. */
    return true;
}

const ProtobufCMessage *
otelc__otlp_metrics_request(otelc__arena *a, const otelc_metrics_data *data) {
    Request *req = OTELC__ARENA_NEW(a, Request);
    if (!req)
        return NULL;
    *req = request_init;
    if (!data->scope_count)
        return &req->base;
    ResourceMetrics *rm = OTELC__ARENA_NEW(a, ResourceMetrics);
    ResourceMetrics **rmp = OTELC__ARENA_NEW(a, ResourceMetrics *);
    ScopeMetrics *smv = OTELC__ARENA_ARRAY(a, ScopeMetrics, data->scope_count);
    ScopeMetrics **smp =
        OTELC__ARENA_ARRAY(a, ScopeMetrics *, data->scope_count);
    if (!rm || !rmp || !smv || !smp)
        return NULL;
    *rm = rm_init;
    rm->resource = otelc__otlp_resource(a, data->resource);
    if (!rm->resource)
        return NULL;
    for (uint32_t s = 0; s < data->scope_count; s++) {
        const otelc_scope_metrics_data *sd = &data->scopes[s];
        ScopeMetrics *sm = &smv[s];
        *sm = sm_init;
        sm->scope = otelc__otlp_scope(a, &sd->scope);
        if (!sm->scope)
            return NULL;
        if (sd->metric_count) {
            Metric *mv = OTELC__ARENA_ARRAY(a, Metric, sd->metric_count);
            Metric **mp = OTELC__ARENA_ARRAY(a, Metric *, sd->metric_count);
            if (!mv || !mp)
                return NULL;
            for (uint32_t m = 0; m < sd->metric_count; m++) {
                if (!fill_metric(a, &sd->metrics[m], &mv[m]))
                    return NULL;
                mp[m] = &mv[m];
            }
            sm->n_metrics = sd->metric_count;
            sm->metrics = mp;
        }
        smp[s] = sm;
    }
    rm->n_scope_metrics = data->scope_count;
    rm->scope_metrics = smp;
    *rmp = rm;
    req->n_resource_metrics = 1;
    req->resource_metrics = rmp;
    return &req->base;
}

/* ---- JSON -------------------------------------------------------------------
 *
 * The same tree in the OTLP JSON encoding (lowerCamelCase keys, 64-bit
 * integers as decimal strings, ids as hex, enums as integers).
 */

static void u64str(otelc__buf *b, uint64_t v) {
    otelc__buf_putc(b, '"');
    otelc__json_u64(b, v);
    otelc__buf_putc(b, '"');
}

static void json_exemplars(otelc__buf *b, const otelc_exemplar *ex,
                           uint32_t n) {
    otelc__buf_lit(b, ",\"exemplars\":[");
    for (uint32_t i = 0; i < n; i++) {
        const otelc_exemplar *e = &ex[i];
        if (i)
            otelc__buf_putc(b, ',');
        otelc__buf_lit(b, "{\"timeUnixNano\":");
        u64str(b, e->time);
        if (e->is_int) {
            otelc__buf_lit(b, ",\"asInt\":\"");
            otelc__json_i64(b, e->value.i);
            otelc__buf_putc(b, '"');
        } else {
            otelc__buf_lit(b, ",\"asDouble\":");
            otelc__json_double(b, e->value.d);
        }
        if (nonzero(e->trace_id, 16) && nonzero(e->span_id, 8)) {
            otelc__buf_lit(b, ",\"traceId\":");
            otelc__json_hex(b, e->trace_id, 16);
            otelc__buf_lit(b, ",\"spanId\":");
            otelc__json_hex(b, e->span_id, 8);
        }
        otelc__buf_putc(b, '}');
    }
    otelc__buf_putc(b, ']');
}

static void json_point_head(otelc__buf *b, const otelc_attribute *attrs,
                            uint32_t nattrs, otelc_time_ns start,
                            otelc_time_ns time) {
    otelc__buf_lit(b, "{\"attributes\":");
    otelc__otlp_json_attributes(b, attrs, nattrs);
    if (start) {
        otelc__buf_lit(b, ",\"startTimeUnixNano\":");
        u64str(b, start);
    }
    otelc__buf_lit(b, ",\"timeUnixNano\":");
    u64str(b, time);
}

static void json_number_points(otelc__buf *b, const otelc_metric_data *md) {
    otelc__buf_lit(b, "\"dataPoints\":[");
    for (uint32_t i = 0; i < md->point_count; i++) {
        const otelc_number_point *np = &md->number_points[i];
        if (i)
            otelc__buf_putc(b, ',');
        json_point_head(b, np->attributes, np->attribute_count, np->start_time,
                        np->time);
        if (np->is_int) {
            otelc__buf_lit(b, ",\"asInt\":\"");
            otelc__json_i64(b, np->value.i);
            otelc__buf_putc(b, '"');
        } else {
            otelc__buf_lit(b, ",\"asDouble\":");
            otelc__json_double(b, np->value.d);
        }
        if (np->exemplar_count)
            json_exemplars(b, np->exemplars, np->exemplar_count);
        otelc__buf_putc(b, '}');
    }
    otelc__buf_putc(b, ']');
}

static void json_histogram_points(otelc__buf *b, const otelc_metric_data *md) {
    otelc__buf_lit(b, "\"dataPoints\":[");
    for (uint32_t i = 0; i < md->point_count; i++) {
        const otelc_histogram_point *hp = &md->histogram_points[i];
        if (i)
            otelc__buf_putc(b, ',');
        json_point_head(b, hp->attributes, hp->attribute_count, hp->start_time,
                        hp->time);
        otelc__buf_lit(b, ",\"count\":");
        u64str(b, hp->count);
        otelc__buf_lit(b, ",\"sum\":");
        otelc__json_double(b, hp->sum);
        if (hp->has_min_max) {
            otelc__buf_lit(b, ",\"min\":");
            otelc__json_double(b, hp->min);
            otelc__buf_lit(b, ",\"max\":");
            otelc__json_double(b, hp->max);
        }
        otelc__buf_lit(b, ",\"bucketCounts\":[");
        for (uint32_t k = 0; k <= hp->bound_count; k++) {
            if (k)
                otelc__buf_putc(b, ',');
            u64str(b, hp->bucket_counts[k]);
        }
        otelc__buf_lit(b, "],\"explicitBounds\":[");
        for (uint32_t k = 0; k < hp->bound_count; k++) {
            if (k)
                otelc__buf_putc(b, ',');
            otelc__json_double(b, hp->bounds[k]);
        }
        otelc__buf_putc(b, ']');
        if (hp->exemplar_count)
            json_exemplars(b, hp->exemplars, hp->exemplar_count);
        otelc__buf_putc(b, '}');
    }
    otelc__buf_putc(b, ']');
}

void otelc__otlp_json_metrics(otelc__buf *b, const otelc_metrics_data *data) {
    otelc__buf_lit(b, "{\"resourceMetrics\":[");
    if (!data->scope_count) {
        otelc__buf_lit(b, "]}");
        return;
    }
    otelc__buf_lit(b, "{\"resource\":{\"attributes\":");
    size_t rc = 0;
    const otelc_attribute *ra =
        data->resource ? otelc_resource_attributes(data->resource, &rc) : NULL;
    otelc__otlp_json_attributes(b, ra, rc);
    otelc__buf_lit(b, "},\"scopeMetrics\":[");
    for (uint32_t s = 0; s < data->scope_count; s++) {
        const otelc_scope_metrics_data *sd = &data->scopes[s];
        if (s)
            otelc__buf_putc(b, ',');
        otelc__buf_lit(b, "{\"scope\":{\"name\":");
        otelc__json_cstr(b, sd->scope.name);
        if (sd->scope.version && sd->scope.version[0]) {
            otelc__buf_lit(b, ",\"version\":");
            otelc__json_cstr(b, sd->scope.version);
        }
        otelc__buf_lit(b, "},\"metrics\":[");
        for (uint32_t m = 0; m < sd->metric_count; m++) {
            const otelc_metric_data *md = &sd->metrics[m];
            if (m)
                otelc__buf_putc(b, ',');
            otelc__buf_lit(b, "{\"name\":");
            otelc__json_cstr(b, md->name);
            if (md->description && md->description[0]) {
                otelc__buf_lit(b, ",\"description\":");
                otelc__json_cstr(b, md->description);
            }
            if (md->unit && md->unit[0]) {
                otelc__buf_lit(b, ",\"unit\":");
                otelc__json_cstr(b, md->unit);
            }
            switch (md->type) {
            case OTELC_METRIC_SUM:
                otelc__buf_lit(b, ",\"sum\":{");
                json_number_points(b, md);
                otelc__buf_lit(b, ",\"aggregationTemporality\":");
                otelc__json_u64(b, (uint64_t)md->temporality);
                if (md->monotonic)
                    otelc__buf_lit(b, ",\"isMonotonic\":true");
                otelc__buf_putc(b, '}');
                break;
            case OTELC_METRIC_GAUGE:
                otelc__buf_lit(b, ",\"gauge\":{");
                json_number_points(b, md);
                otelc__buf_putc(b, '}');
                break;
            case OTELC_METRIC_HISTOGRAM:
                otelc__buf_lit(b, ",\"histogram\":{");
                json_histogram_points(b, md);
                otelc__buf_lit(b, ",\"aggregationTemporality\":");
                otelc__json_u64(b, (uint64_t)md->temporality);
                otelc__buf_putc(b, '}');
                break;
            }
            otelc__buf_putc(b, '}');
        }
        otelc__buf_lit(b, "]}");
    }
    otelc__buf_lit(b, "]}]}");
}

/* ---- the exporter -----------------------------------------------------------
 */

typedef struct metric_exporter {
    otelc__otlp_client c; /* first: the client's callbacks get this */
    char preference[16];  /* "cumulative", "delta", "lowmemory" */
} metric_exporter;

static bool encode_metrics(otelc__otlp_client *c, const void *batch, size_t n) {
    (void)n;
    const otelc_metrics_data *data = batch;
    if (c->cfg.protocol == OTELC__OTLP_HTTP_JSON) {
        otelc__otlp_json_metrics(&c->body, data);
        return !c->body.oom;
    }
    return otelc__otlp_client_pack(
        c, otelc__otlp_metrics_request(&c->arena, data));
}

static otelc_export_result me_export(void *st, const otelc_metrics_data *data,
                                     otelc_export_context *ctx) {
    metric_exporter *x = st;
    return otelc__otlp_client_export(&x->c, encode_metrics, data, 1,
                                     otelc__otlp_metrics_points(data), ctx);
}

static otelc_temporality me_temporality(void *st, otelc_instrument_kind kind) {
    metric_exporter *x = st;
    return otelc_metric_temporality_preference(x->preference, kind);
}

static void me_shutdown(void *st, uint64_t deadline) {
    metric_exporter *x = st;
    otelc__otlp_client_shutdown(&x->c, deadline);
}

static void me_free(void *st) {
    metric_exporter *x = st;
    if (!x)
        return;
    otelc__otlp_client_free(&x->c);
    free(x);
}

static const otelc_metric_exporter_ops grpc_ops = {
    "otlp_grpc", me_export, me_temporality, NULL, me_shutdown, me_free};
static const otelc_metric_exporter_ops http_ops = {
    "otlp_http", me_export, me_temporality, NULL, me_shutdown, me_free};

static otelc_metric_exporter *create(const otelc_otlp_options *o,
                                     otelc_status *st) {
    metric_exporter *x = malloc(sizeof *x);
    if (!x) {
        *st = OTELC_ENOMEM;
        return NULL;
    }
    *st = otelc__otlp_client_init(&x->c, &otelc__otlp_signal_metrics, o);
    if (*st != OTELC_OK) {
        free(x);
        return NULL;
    }
    /* The preference, checked once: a bad value in code is reported like
     * a bad configured one, and cumulative (the default) is used. */
    const char *pref = o && o->temporality_preference
                           ? o->temporality_preference
                           : otelc__cfg_str(OTELC_CFG_OTLP_METRICS_TEMPORALITY);
    if (strcmp(pref, "cumulative") && strcmp(pref, "delta") &&
        strcmp(pref, "lowmemory")) {
        otelc__diag(OTELC_DIAG_WARN,
                    "otlp: temporality preference \"%s\" is not cumulative, "
                    "delta or lowmemory; cumulative is used",
                    pref);
        pref = "cumulative";
    }
    snprintf(x->preference, sizeof x->preference, "%s", pref);
    otelc_metric_exporter *e = otelc_metric_exporter_new(
        x->c.cfg.protocol == OTELC__OTLP_GRPC ? &grpc_ops : &http_ops, x);
    *st = e ? OTELC_OK : OTELC_ENOMEM;
    return e;
}

OTELC_API otelc_metric_exporter *
otelc_otlp_metric_exporter_new(const otelc_otlp_options *options) {
    otelc_status st;
    return create(options, &st);
}

otelc_metric_exporter *otelc__otlp_metric_factory(otelc_status *st) {
    return create(NULL, st);
}

OTELC_API otelc_status otelc_otlp_metric_exporter_stats(
    const otelc_metric_exporter *e, otelc_otlp_stats *out) {
    if (!out)
        return OTELC_EINVAL;
    memset(out, 0, sizeof *out);
    if (!e || (e->ops != &grpc_ops && e->ops != &http_ops))
        return OTELC_EINVAL;
    metric_exporter *x = e->state;
    otelc__otlp_client_stats(&x->c, out);
    return OTELC_OK;
}
