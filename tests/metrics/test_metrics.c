/*
 * tests/metrics/test_metrics.c - the metrics SDK: instruments, exact totals
 * under concurrency, histograms, cardinality overflow, observable
 * callbacks, attribute sets, temporality, exemplars and the on/off switch.
 * Collections are read through a pull reader.
 */
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "support/test_support.h"
#include "metrics/metrics_helpers.h"

typedef struct fixture {
    otelc_meter_provider *mp;
    otelc_metric_reader *r;
    otelc_meter *m;
} fixture;

static fixture fx_new(const otelc_meter_provider_options *o,
                      otelc_temporality t) {
    fixture f;
    f.mp = otelc_meter_provider_new(NULL, o);
    cr_assert_not_null(f.mp);
    f.r = otelc_pull_reader_new(t);
    cr_assert_eq(otelc_meter_provider_add_reader(f.mp, f.r), OTELC_OK);
    f.m = otelc_meter_get(f.mp, "test", "1.0");
    cr_assert_not_null(f.m);
    return f;
}

static void fx_free(fixture *f) {
    otelc_meter_provider_free(f->mp);
}

/* ---- concurrency: exact totals
 * ------------------------------------------------ */

typedef struct worker_arg {
    otelc_counter *c;
    otelc_histogram *h;
    int id;
    long n;
} worker_arg;

static void *count_worker(void *p) {
    worker_arg *a = p;
    for (long i = 0; i < a->n; i++)
        otelc_counter_add(a->c, 1, "method", "GET", "status", 200);
    return NULL;
}

Test(metrics, four_threads_million_adds_exact) {
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "requests", "{request}",
                                                  "requests served", NULL);
    cr_assert_not_null(c);
    pthread_t t[4];
    worker_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (worker_arg){c, NULL, i, 1000000};
        pthread_create(&t[i], NULL, count_worker, &a[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "requests", "method=GET,status=200");
    cr_assert_not_null(p);
    cr_assert(p->is_int);
    cr_assert_eq(p->i, 4000000, "total %lld", (long long)p->i);
    cr_assert_eq(p->type, OTELC_METRIC_SUM);
    cr_assert(p->monotonic);
    cr_assert_eq(p->temporality, OTELC_TEMPORALITY_CUMULATIVE);
    cr_assert_eq(snap_count(&s, "requests"), 1);
    snap_free(&s);
    fx_free(&f);
}

/* Each thread records the values i % 100 / 10.0 for i < n: every thread's
 * values are the same, so counts and sums are known exactly (the values
 * are multiples of 0.1 and their sums are exact in binary when computed
 * in integer tenths). */
static void *hist_worker(void *p) {
    worker_arg *a = p;
    for (long i = 0; i < a->n; i++)
        otelc_histogram_record(a->h, (double)(i % 8) * 0.5, "worker", "all");
    return NULL;
}

Test(metrics, histogram_counts_and_sums_exact) {
    fixture f = fx_new(NULL, 0);
    const double bounds[] = {0.5, 1, 2, 3};
    otelc_instrument_options o = {0};
    o.bucket_boundaries = bounds;
    o.bucket_boundary_count = 4;
    otelc_histogram *h =
        otelc_meter_create_histogram(f.m, "latency", "s", "latency", &o);
    pthread_t t[4];
    worker_arg a[4];
    const long n = 200000;
    for (int i = 0; i < 4; i++) {
        a[i] = (worker_arg){NULL, h, i, n};
        pthread_create(&t[i], NULL, hist_worker, &a[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "latency", "worker=all");
    cr_assert_not_null(p);
    cr_assert_eq(p->count, 4 * (uint64_t)n);
    /* Values 0, .5, 1, 1.5, 2, 2.5, 3, 3.5 equally often: sum per 8 values
     * is 14; every partial sum is a multiple of 0.5, exact in binary. */
    cr_assert_eq(p->sum, 4.0 * (double)n / 8 * 14, "sum %f", p->sum);
    cr_assert_eq(p->nb, 5);
    uint64_t per = 4 * (uint64_t)n / 8;
    /* (-inf,0.5]: 0, .5   (0.5,1]: 1   (1,2]: 1.5, 2   (2,3]: 2.5, 3
     * (3,+inf): 3.5 */
    cr_assert_eq(p->buckets[0], 2 * per);
    cr_assert_eq(p->buckets[1], 1 * per);
    cr_assert_eq(p->buckets[2], 2 * per);
    cr_assert_eq(p->buckets[3], 2 * per);
    cr_assert_eq(p->buckets[4], 1 * per);
    cr_assert(p->has_min_max);
    cr_assert_eq(p->min, 0);
    cr_assert_eq(p->max, 3.5);
    cr_assert_str_eq(p->unit, "s");
    snap_free(&s);
    fx_free(&f);
}

Test(metrics, histogram_default_boundaries) {
    fixture f = fx_new(NULL, 0);
    otelc_histogram *h =
        otelc_meter_create_histogram(f.m, "h", "ms", NULL, NULL);
    otelc_histogram_record(h, 7);
    otelc_histogram_record(h, 10000);
    otelc_histogram_record(h, 10001);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "h", "");
    cr_assert_not_null(p);
    static const double spec[] = {0,   5,   10,   25,   50,   75,   100,  250,
                                  500, 750, 1000, 2500, 5000, 7500, 10000};
    cr_assert_eq(p->nb, 16);
    for (int i = 0; i < 15; i++)
        cr_assert_eq(p->bounds[i], spec[i]);
    cr_assert_eq(p->buckets[2], 1);  /* (5, 10] */
    cr_assert_eq(p->buckets[14], 1); /* (7500, 10000] */
    cr_assert_eq(p->buckets[15], 1); /* (10000, +inf) */
    snap_free(&s);
    fx_free(&f);
}

Test(metrics, histogram_rejects_non_finite_and_bad_bounds) {
    diag_capture_start();
    fixture f = fx_new(NULL, 0);
    const double bad[] = {1, 1, 2};
    otelc_instrument_options o = {0};
    o.bucket_boundaries = bad;
    o.bucket_boundary_count = 3;
    otelc_histogram *h = otelc_meter_create_histogram(f.m, "h", NULL, NULL, &o);
    cr_assert_geq(diag_count("strictly increasing", NULL), 1);
    otelc_histogram_record(h, NAN);
    otelc_histogram_record(h, INFINITY);
    otelc_histogram_record(h, 1);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "h", "");
    cr_assert_not_null(p);
    cr_assert_eq(p->count, 1);
    cr_assert_eq(p->nb, 16, "default boundaries used");
    cr_assert_geq(diag_count("non-finite", NULL), 1);
    snap_free(&s);
    fx_free(&f);
    diag_capture_stop();
}

/* ---- attribute sets
 * ---------------------------------------------------------- */

Test(metrics, attribute_order_and_repeats) {
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    otelc_counter_add(c, 1, "a", "x", "b", 2);
    otelc_counter_add(c, 10, "b", 2, "a", "x"); /* same set, other order */
    otelc_counter_add(c, 100, "a", "y", "b", 2, "a", "x"); /* last a wins */
    otelc_counter_add(c, 1000, "b", 2);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "c", "a=x,b=2");
    cr_assert_not_null(p);
    cr_assert_eq(p->i, 111);
    p = snap_find(&s, "c", "b=2");
    cr_assert_not_null(p);
    cr_assert_eq(p->i, 1000);
    cr_assert_eq(snap_count(&s, "c"), 2);
    snap_free(&s);
    fx_free(&f);
}

Test(metrics, long_and_similar_strings_are_distinct) {
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    /* Same first 8 bytes, same length: only the tail differs. */
    for (int i = 0; i < 3; i++) {
        otelc_counter_add(c, 1, "http.request.method", "/api/orders/123");
        otelc_counter_add(c, 2, "http.request.method", "/api/orders/124");
        otelc_counter_add(c, 4, "http.request.methoX", "/api/orders/123");
        otelc_counter_add(c, 8, "k", "ab");
        otelc_counter_add(c, 16, "k", "ba");
        otelc_counter_add(c, 32, "k", "abcde");
        otelc_counter_add(c, 64, "k", "abdce");
        otelc_counter_add(c, 128, "k", 1);
        otelc_counter_add(c, 256, "k", "1");
        otelc_counter_add(c, 512, "k", (bool)true); /* true alone is an int */
        otelc_counter_add(c, 1024, "k", 1.0);
    }
    msnap s = snap_take(f.r);
    cr_assert_eq(snap_count(&s, "c"), 11);
    cr_assert_eq(snap_find(&s, "c", "http.request.method=/api/orders/123")->i,
                 3);
    cr_assert_eq(snap_find(&s, "c", "http.request.method=/api/orders/124")->i,
                 6);
    cr_assert_eq(snap_find(&s, "c", "http.request.methoX=/api/orders/123")->i,
                 12);
    cr_assert_eq(snap_find(&s, "c", "k=abcde")->i, 96);
    cr_assert_eq(snap_find(&s, "c", "k=abdce")->i, 192);
    cr_assert_eq(snap_find(&s, "c", "k=true")->i, 1536);
    snap_free(&s);
    fx_free(&f);
}

Test(metrics, array_values_and_many_attributes) {
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    const int64_t arr[] = {1, 2, 3};
    otelc_attribute a[12];
    char keys[12][8];
    for (int i = 0; i < 12; i++) {
        snprintf(keys[i], sizeof keys[i], "k%02d", i);
        a[i] = OTELC_ATTR_INT(keys[i], i);
    }
    a[11] = OTELC_ATTR_INT_ARRAY("k11", arr, 3);
    for (int i = 0; i < 5; i++)
        otelc_counter_add_attrs(c, 1, a, 12);
    msnap s = snap_take(f.r);
    cr_assert_eq(snap_count(&s, "c"), 1);
    cr_assert_eq(s.p[0].i, 5);
    snap_free(&s);
    fx_free(&f);
}

/* ---- cardinality limit
 * --------------------------------------------------------- */

Test(metrics, cardinality_overflow) {
    diag_capture_start();
    fixture f = fx_new(NULL, 0);
    otelc_instrument_options o = {0};
    o.cardinality_limit = 10;
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, &o);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 30; i++)
            otelc_counter_add(c, i, "user", i);
    msnap s = snap_take(f.r);
    /* 9 sets of their own, then the overflow series. */
    cr_assert_eq(snap_count(&s, "c"), 10);
    int64_t own = 0;
    for (int i = 0; i < 9; i++) {
        char at[32];
        snprintf(at, sizeof at, "user=%d", i);
        const mpoint *p = snap_find(&s, "c", at);
        cr_assert_not_null(p, "%s", at);
        cr_assert_eq(p->i, 2 * i);
        own += p->i;
    }
    const mpoint *ov = snap_find(&s, "c", "otel.metric.overflow=true");
    cr_assert_not_null(ov);
    cr_assert_eq(ov->i, 2 * (29 * 30 / 2) - own);
    cr_assert_geq(diag_count("cardinality limit", NULL), 1);
    /* Sets seen before the limit keep their own series. */
    otelc_counter_add(c, 1000, "user", 3);
    snap_free(&s);
    s = snap_take(f.r);
    cr_assert_eq(snap_find(&s, "c", "user=3")->i, 1006);
    snap_free(&s);
    fx_free(&f);
    diag_capture_stop();
}

Test(metrics, provider_cardinality_option) {
    otelc_meter_provider_options po = {0};
    po.cardinality_limit = 3;
    fixture f = fx_new(&po, 0);
    otelc_gauge *g = otelc_meter_create_gauge(f.m, "g", NULL, NULL, NULL);
    for (int i = 0; i < 5; i++)
        otelc_gauge_record(g, i, "i", i);
    msnap s = snap_take(f.r);
    cr_assert_eq(snap_count(&s, "g"), 3);
    cr_assert_not_null(snap_find(&s, "g", "otel.metric.overflow=true"));
    snap_free(&s);
    fx_free(&f);
}

/* ---- instrument kinds
 * -------------------------------------------------------------- */

Test(metrics, updown_gauge_and_value_types) {
    fixture f = fx_new(NULL, 0);
    otelc_updown_counter *u =
        otelc_meter_create_updown_counter(f.m, "queue", NULL, NULL, NULL);
    otelc_updown_counter_add(u, 5);
    otelc_updown_counter_add(u, -7);
    otelc_instrument_options dbl = {.value_type = OTELC_METRIC_VALUE_DOUBLE};
    otelc_counter *cd = otelc_meter_create_counter(f.m, "cd", NULL, NULL, &dbl);
    otelc_counter_add(cd, 0.25);
    otelc_counter_add(cd, 2);
    otelc_gauge *g = otelc_meter_create_gauge(f.m, "temp", "Cel", NULL, NULL);
    otelc_gauge_record(g, 21.5, "room", "a");
    otelc_gauge_record(g, 19.0, "room", "a");
    otelc_gauge *gi = otelc_meter_create_gauge(
        f.m, "gi", NULL, NULL,
        &(otelc_instrument_options){.value_type = OTELC_METRIC_VALUE_INT});
    otelc_gauge_record(gi, 42);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "queue", "");
    cr_assert(p && p->is_int && p->i == -2 && !p->monotonic);
    p = snap_find(&s, "cd", "");
    cr_assert(p && !p->is_int && p->d == 2.25);
    p = snap_find(&s, "temp", "room=a");
    cr_assert(p && !p->is_int && p->d == 19.0 && p->type == OTELC_METRIC_GAUGE);
    p = snap_find(&s, "gi", "");
    cr_assert(p && p->is_int && p->i == 42);
    snap_free(&s);
    fx_free(&f);
}

Test(metrics, same_name_returns_same_instrument) {
    diag_capture_start();
    fixture f = fx_new(NULL, 0);
    otelc_counter *a =
        otelc_meter_create_counter(f.m, "Requests", NULL, NULL, NULL);
    otelc_counter *b =
        otelc_meter_create_counter(f.m, "requests", NULL, NULL, NULL);
    cr_assert_eq(a, b);
    otelc_gauge *g =
        otelc_meter_create_gauge(f.m, "requests", NULL, NULL, NULL);
    cr_assert_neq((void *)g, (void *)a);
    cr_assert_geq(diag_count("already used", NULL), 1);
    otelc_meter_create_counter(f.m, "9bad name", NULL, NULL, NULL);
    cr_assert_geq(diag_count("instrument name syntax", NULL), 1);
    fx_free(&f);
    diag_capture_stop();
}

Test(metrics, negative_counter_ignored_and_null_safe) {
    diag_capture_start();
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    otelc_counter_add(c, 3);
    otelc_counter_add(c, -1);
    otelc_counter_add(c, -0.5);
    otelc_counter_add((otelc_counter *)NULL, 1, "a", 1);
    otelc_histogram_record((otelc_histogram *)NULL, 1.0);
    otelc_gauge_record((otelc_gauge *)NULL, 1);
    otelc_observe((otelc_observer *)NULL, 1);
    msnap s = snap_take(f.r);
    cr_assert_eq(snap_find(&s, "c", "")->i, 3);
    cr_assert_geq(diag_count("negative value ignored", NULL), 1);
    snap_free(&s);
    fx_free(&f);
    diag_capture_stop();
}

/* ---- observable instruments
 * -------------------------------------------------------- */

static int g_calls;
static void obs_counter_cb(otelc_observer *o, void *user) {
    int *base = user;
    g_calls++;
    otelc_observe(o, *base + g_calls, "cpu", 0);
    otelc_observe(o, *base * 2, "cpu", 1);
}
static void obs_gauge_cb(otelc_observer *o, void *user) {
    (void)user;
    otelc_observe(o, 0.5, "pool", "db");
    otelc_observe(o, 0.75, "pool", "db"); /* last value wins */
    if (g_calls == 1)
        otelc_observe(o, 1.0, "pool", "cache"); /* only the first time */
}

Test(metrics, observable_callbacks) {
    fixture f = fx_new(NULL, 0);
    static int base = 100;
    g_calls = 0;
    otelc_observable *oc = otelc_meter_create_observable_counter(
        f.m, "cpu.time", "s", NULL, NULL, obs_counter_cb, &base);
    otelc_observable *og = otelc_meter_create_observable_gauge(
        f.m, "pool.use", "1", NULL, NULL, obs_gauge_cb, NULL);
    cr_assert(oc && og);
    cr_assert_null(otelc_meter_create_observable_gauge(f.m, "x", NULL, NULL,
                                                       NULL, NULL, NULL));
    msnap s = snap_take(f.r);
    cr_assert_eq(g_calls, 1);
    cr_assert_eq(snap_find(&s, "cpu.time", "cpu=0")->i, 101);
    cr_assert_eq(snap_find(&s, "cpu.time", "cpu=1")->i, 200);
    cr_assert(snap_find(&s, "cpu.time", "cpu=0")->monotonic);
    cr_assert_eq(snap_find(&s, "pool.use", "pool=db")->d, 0.75);
    cr_assert_not_null(snap_find(&s, "pool.use", "pool=cache"));
    snap_free(&s);
    s = snap_take(f.r);
    cr_assert_eq(g_calls, 2);
    cr_assert_eq(snap_find(&s, "cpu.time", "cpu=0")->i, 102);
    /* Not observed this time: not reported. */
    cr_assert_null(snap_find(&s, "pool.use", "pool=cache"));
    snap_free(&s);
    fx_free(&f);
}

static otelc_metric_reader *g_reader_for_cb;
static otelc_status g_nested_status;
static void nested_collect_cb(otelc_observer *o, void *user) {
    (void)user;
    g_nested_status =
        otelc_metric_reader_collect(g_reader_for_cb, snap_cb, &(msnap){0});
    otelc_observe(o, 1);
}

Test(metrics, collect_inside_callback_refused) {
    diag_capture_start();
    fixture f = fx_new(NULL, 0);
    g_reader_for_cb = f.r;
    otelc_meter_create_observable_gauge(f.m, "g", NULL, NULL, NULL,
                                        nested_collect_cb, NULL);
    msnap s = snap_take(f.r);
    cr_assert_eq(g_nested_status, OTELC_ESTATE);
    cr_assert_not_null(snap_find(&s, "g", ""));
    snap_free(&s);
    fx_free(&f);
    diag_capture_stop();
}

/* ---- temporality
 * ------------------------------------------------------------------- */

Test(metrics, delta_temporality) {
    fixture f = fx_new(NULL, OTELC_TEMPORALITY_DELTA);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    otelc_histogram *h =
        otelc_meter_create_histogram(f.m, "h", NULL, NULL, NULL);
    otelc_counter_add(c, 5, "k", "a");
    otelc_histogram_record(h, 3);
    otelc_histogram_record(h, 30);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "c", "k=a");
    cr_assert(p && p->i == 5 && p->temporality == OTELC_TEMPORALITY_DELTA);
    otelc_time_ns t1 = p->time;
    p = snap_find(&s, "h", "");
    cr_assert(p && p->count == 2 && p->sum == 33);
    snap_free(&s);

    otelc_counter_add(c, 7, "k", "a");
    otelc_histogram_record(h, 4);
    s = snap_take(f.r);
    p = snap_find(&s, "c", "k=a");
    cr_assert(p && p->i == 7);
    cr_assert_eq(p->start, t1, "a delta starts at the previous collection");
    p = snap_find(&s, "h", "");
    cr_assert(p && p->count == 1 && p->sum == 4 && p->buckets[1] == 1);
    cr_assert_not(p->has_min_max);
    snap_free(&s);

    /* Nothing recorded: no points. */
    s = snap_take(f.r);
    cr_assert_null(snap_find(&s, "c", "k=a"));
    cr_assert_null(snap_find(&s, "h", ""));
    snap_free(&s);
    fx_free(&f);
}

Test(metrics, cumulative_start_time_is_series_creation) {
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    otelc_time_ns before = otelc_now_ns();
    otelc_counter_add(c, 1);
    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "c", "");
    cr_assert_geq(p->start, before);
    cr_assert_geq(p->time, p->start);
    otelc_time_ns start = p->start;
    snap_free(&s);
    otelc_counter_add(c, 1);
    s = snap_take(f.r);
    p = snap_find(&s, "c", "");
    cr_assert_eq(p->start, start);
    cr_assert_eq(p->i, 2);
    snap_free(&s);
    fx_free(&f);
}

Test(metrics, temporality_preference) {
    cr_assert_eq(otelc_metric_temporality_preference("cumulative",
                                                     OTELC_INSTRUMENT_COUNTER),
                 OTELC_TEMPORALITY_CUMULATIVE);
    cr_assert_eq(
        otelc_metric_temporality_preference("delta", OTELC_INSTRUMENT_COUNTER),
        OTELC_TEMPORALITY_DELTA);
    cr_assert_eq(otelc_metric_temporality_preference(
                     "delta", OTELC_INSTRUMENT_OBSERVABLE_COUNTER),
                 OTELC_TEMPORALITY_DELTA);
    cr_assert_eq(otelc_metric_temporality_preference(
                     "delta", OTELC_INSTRUMENT_UPDOWN_COUNTER),
                 OTELC_TEMPORALITY_CUMULATIVE);
    cr_assert_eq(otelc_metric_temporality_preference(
                     "lowmemory", OTELC_INSTRUMENT_HISTOGRAM),
                 OTELC_TEMPORALITY_DELTA);
    cr_assert_eq(otelc_metric_temporality_preference(
                     "lowmemory", OTELC_INSTRUMENT_OBSERVABLE_COUNTER),
                 OTELC_TEMPORALITY_CUMULATIVE);
}

/* ---- exemplars
 * ---------------------------------------------------------------------- */

static bool ids_equal(const otelc_exemplar *e, otelc_span_context sc) {
    return !memcmp(e->trace_id, sc.trace_id, 16) &&
           !memcmp(e->span_id, sc.span_id, 8);
}

Test(metrics, exemplars_point_at_sampled_spans) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    fixture f = fx_new(NULL, 0);
    const double bounds[] = {1, 10};
    otelc_instrument_options o = {0};
    o.bucket_boundaries = bounds;
    o.bucket_boundary_count = 2;
    otelc_histogram *h = otelc_meter_create_histogram(f.m, "h", NULL, NULL, &o);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);

    otelc_histogram_record(h, 0.5); /* no span: no exemplar */
    otelc_span *s1 = otelc_span_start(tp.tracer, "first", NULL);
    otelc_scope sc1 = otelc_span_make_current(s1);
    otelc_histogram_record(h, 5);
    otelc_counter_add(c, 2);
    otelc_scope_end(sc1);
    otelc_span *s2 = otelc_span_start(tp.tracer, "second", NULL);
    otelc_scope sc2 = otelc_span_make_current(s2);
    otelc_histogram_record(h, 50);
    otelc_histogram_record(h, 7); /* latest in (1, 10]: replaces s1's */
    otelc_scope_end(sc2);
    otelc_span_context c1 = otelc_span_get_context(s1),
                       c2 = otelc_span_get_context(s2);
    otelc_span_end(s1);
    otelc_span_end(s2);

    msnap s = snap_take(f.r);
    const mpoint *p = snap_find(&s, "h", "");
    cr_assert_eq(p->nex, 2, "buckets 1 and 2 have exemplars");
    bool saw7 = false, saw50 = false;
    for (uint32_t i = 0; i < p->nex; i++) {
        cr_assert(ids_equal(&p->ex[i], c2));
        saw7 |= p->ex[i].value.d == 7;
        saw50 |= p->ex[i].value.d == 50;
        cr_assert_gt(p->ex[i].time, 0);
    }
    cr_assert(saw7 && saw50);
    p = snap_find(&s, "c", "");
    cr_assert_eq(p->nex, 1);
    cr_assert(ids_equal(&p->ex[0], c1));
    cr_assert(p->ex[0].is_int && p->ex[0].value.i == 2);
    snap_free(&s);
    fx_free(&f);
    pipeline_free(&tp);
}

Test(metrics, exemplar_filters) {
    test_pipeline off;
    pipeline_init(&off, otelc_sampler_always_off(), false, NULL);
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    /* Unsampled span: trace_based keeps nothing. */
    otelc_span *s1 = otelc_span_start(off.tracer, "unsampled", NULL);
    otelc_scope sc = otelc_span_make_current(s1);
    otelc_counter_add(c, 1);
    otelc_scope_end(sc);
    otelc_span_end(s1);
    msnap s = snap_take(f.r);
    cr_assert_eq(snap_find(&s, "c", "")->nex, 0);
    snap_free(&s);
    fx_free(&f);

    /* always_on keeps one without any span; always_off keeps none. */
    otelc_meter_provider_options po = {.exemplar_filter =
                                           OTELC_EXEMPLAR_FILTER_ALWAYS_ON};
    f = fx_new(&po, 0);
    c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    otelc_counter_add(c, 1);
    s = snap_take(f.r);
    cr_assert_eq(snap_find(&s, "c", "")->nex, 1);
    snap_free(&s);
    fx_free(&f);

    test_pipeline on;
    pipeline_init(&on, NULL, false, NULL);
    po.exemplar_filter = OTELC_EXEMPLAR_FILTER_ALWAYS_OFF;
    f = fx_new(&po, 0);
    c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    otelc_span *s2 = otelc_span_start(on.tracer, "sampled", NULL);
    sc = otelc_span_make_current(s2);
    otelc_counter_add(c, 1);
    otelc_scope_end(sc);
    otelc_span_end(s2);
    s = snap_take(f.r);
    cr_assert_eq(snap_find(&s, "c", "")->nex, 0);
    snap_free(&s);
    fx_free(&f);
    pipeline_free(&on);
    pipeline_free(&off);
}

/* ---- on and off
 * ------------------------------------------------------------------------ */

Test(metrics, shutdown_stops_recording) {
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    otelc_counter_add(c, 1);
    cr_assert_eq(otelc_meter_provider_shutdown(f.mp, 1000), OTELC_OK);
    otelc_counter_add(c, 1); /* ignored */
    cr_assert_eq(
        otelc_meter_provider_add_reader(f.mp, otelc_pull_reader_new(0)),
        OTELC_ESHUTDOWN);
    otelc_meter_provider_free(f.mp);
}

Test(metrics, global_provider_follows_init_and_metrics_enabled) {
    otelc_meter *m = otelc_meter_get(NULL, "global-test", NULL);
    otelc_counter *c = otelc_meter_create_counter(m, "g.c", NULL, NULL, NULL);
    otelc_counter_add(c, 1); /* before init: off */
    otelc_options *o = otelc_options_new();
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "none");
    otelc_options_set(o, "OTELC_SYSTEM_METRICS", "false");
    otelc_options_set(o, "OTEL_SERVICE_NAME", "metrics-global");
    cr_assert_eq(otelc_init(o), OTELC_OK);
    otelc_metric_reader *r = otelc_pull_reader_new(0);
    cr_assert_eq(otelc_meter_provider_add_reader(NULL, r), OTELC_OK);
    otelc_counter_add(c, 10);
    msnap s = snap_take(r);
    cr_assert_eq(snap_find(&s, "g.c", "")->i, 10);
    cr_assert_str_eq(s.service, "metrics-global");
    snap_free(&s);
    otelc_shutdown(2000);
    otelc_counter_add(c, 100); /* after shutdown: off */

    o = otelc_options_new();
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "none");
    otelc_options_set(o, "METRICS_ENABLED", "false");
    cr_assert_eq(otelc_init(o), OTELC_OK);
    r = otelc_pull_reader_new(0);
    cr_assert_eq(otelc_meter_provider_add_reader(NULL, r), OTELC_OK);
    otelc_counter_add(c, 1000); /* METRICS_ENABLED=false: off */
    s = snap_take(r);
    cr_assert_eq(snap_find(&s, "g.c", "")->i, 10);
    snap_free(&s);
    otelc_shutdown(2000);
}

/* ---- HTTP helpers
 * ------------------------------------------------------------------------ */

Test(metrics, http_helpers_record_semconv_histograms) {
    otelc_options *o = otelc_options_new();
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "none");
    otelc_options_set(o, "OTELC_SYSTEM_METRICS", "false");
    cr_assert_eq(otelc_init(o), OTELC_OK);
    otelc_metric_reader *r = otelc_pull_reader_new(0);
    cr_assert_eq(otelc_meter_provider_add_reader(NULL, r), OTELC_OK);
    otelc_http_server_request_record("GET", "/users/{id}", 200, 0.012);
    otelc_http_server_request_record("GET", "/users/{id}", 200, 0.2);
    otelc_http_server_request_record("BREW", NULL, 418, 0.001);
    otelc_http_client_request_record("POST", "api.example.com", 443, 0, 1.5);
    msnap s = snap_take(r);
    const mpoint *p = snap_find(&s, "http.server.request.duration",
                                "http.request.method=GET,http.response.status_"
                                "code=200,http.route=/users/{id}");
    cr_assert_not_null(p);
    cr_assert_eq(p->count, 2);
    cr_assert_str_eq(p->unit, "s");
    cr_assert_eq(p->nb, 15);
    cr_assert_eq(p->bounds[0], 0.005);
    cr_assert_not_null(snap_find(&s, "http.server.request.duration",
                                 "http.request.method=_OTHER,"
                                 "http.response.status_code=418"));
    cr_assert_not_null(snap_find(&s, "http.client.request.duration",
                                 "http.request.method=POST,server.address=api."
                                 "example.com,server.port=443"));
    snap_free(&s);
    otelc_shutdown(2000);
}

/* ---- periodic readers
 * ------------------------------------------------------------------ */

typedef struct test_exp {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int exports;
    int fail_first; /* return RETRYABLE this many times */
    bool hang;      /* block until released */
    bool release;
    otelc_temporality temporality;
    int64_t last_value; /* of metric "c", first point */
    otelc_temporality last_temporality;
    bool shut;
} test_exp;

static otelc_export_result texp_export(void *st, const otelc_metrics_data *d,
                                       otelc_export_context *ctx) {
    (void)ctx;
    test_exp *t = st;
    pthread_mutex_lock(&t->lock);
    while (t->hang && !t->release)
        pthread_cond_wait(&t->cond, &t->lock);
    otelc_export_result res = OTELC_EXPORT_SUCCESS;
    if (t->fail_first > 0) {
        t->fail_first--;
        ctx->retry_after_ms = 10;
        res = OTELC_EXPORT_RETRYABLE;
    } else {
        for (uint32_t i = 0; i < d->scope_count; i++)
            for (uint32_t j = 0; j < d->scopes[i].metric_count; j++) {
                const otelc_metric_data *m = &d->scopes[i].metrics[j];
                if (!strcmp(m->name, "c") && m->point_count) {
                    t->last_value = m->number_points[0].value.i;
                    t->last_temporality = m->temporality;
                }
            }
        t->exports++;
    }
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return res;
}

static otelc_temporality texp_temporality(void *st, otelc_instrument_kind k) {
    (void)k;
    return ((test_exp *)st)->temporality;
}

static void texp_shutdown(void *st, uint64_t deadline) {
    (void)deadline;
    ((test_exp *)st)->shut = true;
}

static const otelc_metric_exporter_ops texp_ops = {
    "test", texp_export, texp_temporality, NULL, texp_shutdown, NULL};

static bool texp_wait(test_exp *t, int exports, int ms) {
    pthread_mutex_lock(&t->lock);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (t->exports < exports)
        if (pthread_cond_timedwait(&t->cond, &t->lock, &ts))
            break;
    bool ok = t->exports >= exports;
    pthread_mutex_unlock(&t->lock);
    return ok;
}

static otelc_meter_provider *periodic(test_exp *t, uint32_t interval,
                                      uint32_t timeout, otelc_counter **c) {
    otelc_meter_provider *mp = otelc_meter_provider_new(NULL, NULL);
    otelc_metric_exporter *e = otelc_metric_exporter_new(&texp_ops, t);
    otelc_metric_reader *r = otelc_periodic_reader_new(e, interval, timeout);
    cr_assert_eq(otelc_meter_provider_add_reader(mp, r), OTELC_OK);
    *c = otelc_meter_create_counter(otelc_meter_get(mp, "p", NULL), "c", NULL,
                                    NULL, NULL);
    return mp;
}

#define TEXP_INIT                                                              \
    {                                                                          \
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, false,      \
            false, OTELC_TEMPORALITY_CUMULATIVE, 0, 0, false                   \
    }

Test(metrics, periodic_reader_exports_on_its_interval) {
    static test_exp t = TEXP_INIT;
    otelc_counter *c;
    otelc_meter_provider *mp = periodic(&t, 50, 1000, &c);
    otelc_counter_add(c, 5);
    cr_assert(texp_wait(&t, 2, 3000), "no periodic exports");
    pthread_mutex_lock(&t.lock);
    cr_assert_eq(t.last_value, 5);
    cr_assert_eq(t.last_temporality, OTELC_TEMPORALITY_CUMULATIVE);
    pthread_mutex_unlock(&t.lock);
    otelc_meter_provider_free(mp);
    cr_assert(t.shut);
}

Test(metrics, periodic_reader_flush_and_final_export) {
    static test_exp t = TEXP_INIT;
    t.temporality = OTELC_TEMPORALITY_DELTA;
    otelc_counter *c;
    otelc_meter_provider *mp = periodic(&t, 3600000, 1000, &c);
    otelc_counter_add(c, 5);
    cr_assert_eq(otelc_meter_provider_force_flush(mp, 2000), OTELC_OK);
    pthread_mutex_lock(&t.lock);
    cr_assert_eq(t.exports, 1);
    cr_assert_eq(t.last_value, 5);
    cr_assert_eq(t.last_temporality, OTELC_TEMPORALITY_DELTA);
    pthread_mutex_unlock(&t.lock);
    otelc_counter_add(c, 7);
    cr_assert_eq(otelc_meter_provider_shutdown(mp, 2000), OTELC_OK);
    pthread_mutex_lock(&t.lock);
    cr_assert_eq(t.exports, 2, "shutdown exports what is left");
    cr_assert_eq(t.last_value, 7, "a delta since the flush");
    pthread_mutex_unlock(&t.lock);
    cr_assert(t.shut);
    otelc_meter_provider_free(mp);
}

Test(metrics, periodic_reader_retries) {
    static test_exp t = TEXP_INIT;
    t.fail_first = 2;
    otelc_counter *c;
    otelc_meter_provider *mp = periodic(&t, 3600000, 10000, &c);
    otelc_counter_add(c, 1);
    cr_assert_eq(otelc_meter_provider_force_flush(mp, 10000), OTELC_OK);
    pthread_mutex_lock(&t.lock);
    cr_assert_eq(t.exports, 1);
    pthread_mutex_unlock(&t.lock);
    otelc_meter_provider_free(mp);
}

Test(metrics, hung_exporter_shutdown_meets_deadline) {
    diag_capture_start();
    static test_exp t = TEXP_INIT;
    t.hang = true;
    otelc_counter *c;
    otelc_meter_provider *mp = periodic(&t, 3600000, 60000, &c);
    otelc_counter_add(c, 1);
    cr_assert_eq(otelc_meter_provider_force_flush(mp, 100), OTELC_ETIMEDOUT);
    double t0 = mono_ms();
    cr_assert_eq(otelc_meter_provider_shutdown(mp, 200), OTELC_ETIMEDOUT);
    cr_assert_lt(mono_ms() - t0, 200 + 100);
    cr_assert_geq(diag_count("abandoned", NULL), 1);
    otelc_meter_provider_free(mp); /* kept: the worker may still read it */
    cr_assert_geq(diag_count("kept in memory", NULL), 1);
    /* The exporter returns eventually; the worker cleans up after itself. */
    pthread_mutex_lock(&t.lock);
    t.release = true;
    pthread_cond_broadcast(&t.cond);
    pthread_mutex_unlock(&t.lock);
    usleep(100000);
    diag_capture_stop();
}

Test(metrics, console_metric_exporter) {
    char path[] = "/tmp/otelc-console-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w+");
    otelc_meter_provider *mp = otelc_meter_provider_new(NULL, NULL);
    otelc_metric_reader *r = otelc_periodic_reader_new(
        otelc_console_metric_exporter_new(f), 3600000, 1000);
    otelc_meter_provider_add_reader(mp, r);
    otelc_meter *m = otelc_meter_get(mp, "console", "1");
    otelc_counter_add(
        otelc_meter_create_counter(m, "orders", "{order}", "orders", NULL), 3,
        "status", "ok");
    otelc_histogram_record(
        otelc_meter_create_histogram(m, "lat", "ms", NULL, NULL), 12.5);
    cr_assert_eq(otelc_meter_provider_force_flush(mp, 2000), OTELC_OK);
    otelc_meter_provider_free(mp);
    rewind(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(path);
    cr_assert(strstr(buf, "scope console 1"), "%s", buf);
    cr_assert(strstr(buf, "orders (sum, monotonic, unit {order}, cumulative)"),
              "%s", buf);
    cr_assert(strstr(buf, "{status=\"ok\"} 3"), "%s", buf);
    cr_assert(strstr(buf, "count=1 sum=12.5"), "%s", buf);
}

Test(metrics, exporter_registry) {
    diag_capture_start();
    otelc_status st;
    otelc_metric_exporter *e = otelc_metric_exporter_create("console", &st);
    cr_assert(e && st == OTELC_OK);
    otelc_metric_exporter_free(e);
    cr_assert_null(otelc_metric_exporter_create("none", &st));
    cr_assert_eq(st, OTELC_OK);
    cr_assert_null(otelc_metric_exporter_create("prometheus", &st));
    cr_assert_eq(st, OTELC_EINVAL);
    cr_assert_null(otelc_metric_exporter_create("bogus", &st));
    cr_assert_eq(st, OTELC_ENOTFOUND);
    diag_capture_stop();
}

/* ---- the pointer cache
 * ------------------------------------------------------------------ */

static const char *const g_dyn_methods[] = {"GET", "PUT"};

Test(metrics, pointer_cache_is_exact) {
    fixture f = fx_new(NULL, 0);
    otelc_counter *c = otelc_meter_create_counter(f.m, "c", NULL, NULL, NULL);
    char buf[16];
    for (int i = 0; i < 100; i++) {
        /* Literals: found by their addresses after the first call. */
        otelc_counter_add(c, 1, "method", "GET", "code", 200);
        /* The same content from a writable buffer: the same series. */
        snprintf(buf, sizeof buf, "%s", "GET");
        otelc_counter_add(c, 1, "method", (const char *)buf, "code", 200);
        /* The buffer reused with other content: another series. */
        snprintf(buf, sizeof buf, "%s", i & 1 ? "PUT" : "DEL");
        otelc_counter_add(c, 1, "method", (const char *)buf, "code", 200);
        /* Another order, and a pointer from a table. */
        otelc_counter_add(c, 1, "code", 200, "method", g_dyn_methods[i & 1]);
        /* An explicit length selects a prefix: "GE" is another set. */
        otelc_attribute a[2] = {OTELC_ATTR_STR("method", "GET"),
                                OTELC_ATTR_INT("code", 200)};
        a[0].value.len = 2;
        otelc_counter_add_attrs(c, 1, a, 2);
    }
    msnap s = snap_take(f.r);
    cr_assert_eq(snap_find(&s, "c", "code=200,method=GET")->i, 250);
    cr_assert_eq(snap_find(&s, "c", "code=200,method=PUT")->i, 100);
    cr_assert_eq(snap_find(&s, "c", "code=200,method=DEL")->i, 50);
    cr_assert_eq(snap_find(&s, "c", "code=200,method=GE")->i, 100);
    cr_assert_eq(snap_count(&s, "c"), 4);
    snap_free(&s);
    fx_free(&f);
}
