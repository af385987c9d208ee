/*
 * otelc/metrics.h - meter providers, meters, instruments, readers and
 * metric exporters.
 *
 * Recording.  Create instruments once (they live as long as their
 * provider) and record from any thread:
 *
 *   otelc_meter *m = otelc_meter_get(NULL, "shop", "1.2");
 *   otelc_counter *orders = otelc_meter_create_counter(
 *       m, "shop.orders", "{order}", "orders accepted", NULL);
 *   ...
 *   otelc_counter_add(orders, 1, "status", "ok", "region", region);
 *
 * Attributes are key/value pairs given at the call; values may be strings,
 * integers, floating-point numbers or bools (the macros pick the type with
 * C11 _Generic; C++ code calls the *_attrs functions with an
 * otelc_attribute array).  A measurement for an attribute set already seen
 * takes no lock and allocates nothing: the set is hashed and found in the
 * instrument's lock-free table, and the cell is updated with atomic
 * instructions.  A new attribute set takes the instrument's insert lock
 * once.  Each instrument keeps at most its cardinality limit of attribute
 * sets (default 2000, OTELC_METRICS_CARDINALITY_LIMIT); measurements for
 * further sets go to one overflow series with the attribute
 * otel.metric.overflow=true, as the specification prescribes.
 *
 * Every recording function accepts a NULL instrument and does nothing.
 * Instruments of the global provider record only between otelc_init() and
 * otelc_shutdown() and only with METRICS_ENABLED=true (the default):
 * otherwise each call is one predictable branch and returns.  Instruments
 * may be created before otelc_init(); they start recording when it runs.
 *
 * Exemplars.  With the default trace_based filter
 * (OTEL_METRICS_EXEMPLAR_FILTER), a measurement recorded while a sampled
 * span is current on the calling thread keeps that span's trace_id and
 * span_id with the value and the time: the latest one per histogram bucket
 * and per counter series.  Exporters see them (OpenMetrics exemplars on the
 * Prometheus endpoint, OTLP exemplars), which is how a metric points at the
 * traces behind it.
 *
 * Collection.  Readers turn the instruments into data points
 * (otelc_metrics_data): a periodic reader exports on its own worker thread
 * every OTEL_METRIC_EXPORT_INTERVAL ms through a metric exporter; a pull
 * reader collects when asked (the Prometheus endpoint collects on each
 * scrape).  Sums and histograms are cumulative unless the reader's exporter
 * asks for delta (OTLP with OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE);
 * deltas are computed at collection time, never on the recording path.
 * Observable instruments' callbacks run on the collecting thread.
 *
 * The macros need C11 _Generic (C only).
 */
#ifndef OTELC_METRICS_H
#define OTELC_METRICS_H

#include <stdio.h>

#include "otelc/common.h"
#include "otelc/export.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_meter_provider otelc_meter_provider;
typedef struct otelc_meter otelc_meter;
typedef struct otelc_counter otelc_counter;
typedef struct otelc_updown_counter otelc_updown_counter;
typedef struct otelc_gauge otelc_gauge;
typedef struct otelc_histogram otelc_histogram;
typedef struct otelc_observable otelc_observable;
typedef struct otelc_observer otelc_observer;
typedef struct otelc_metric_reader otelc_metric_reader;
typedef struct otelc_metric_exporter otelc_metric_exporter;

/** Kinds of instrument.  Values are frozen. */
typedef enum otelc_instrument_kind {
    OTELC_INSTRUMENT_COUNTER = 1,
    OTELC_INSTRUMENT_UPDOWN_COUNTER = 2,
    OTELC_INSTRUMENT_GAUGE = 3,
    OTELC_INSTRUMENT_HISTOGRAM = 4,
    OTELC_INSTRUMENT_OBSERVABLE_COUNTER = 5,
    OTELC_INSTRUMENT_OBSERVABLE_UPDOWN_COUNTER = 6,
    OTELC_INSTRUMENT_OBSERVABLE_GAUGE = 7
} otelc_instrument_kind;

/** The type of the values an instrument reports. */
typedef enum otelc_metric_value_type {
    OTELC_METRIC_VALUE_DEFAULT = 0, /* int for counters, double otherwise */
    OTELC_METRIC_VALUE_INT = 1,
    OTELC_METRIC_VALUE_DOUBLE = 2
} otelc_metric_value_type;

/**
 * Optional settings of an instrument.  Zero-initialise: every zero field
 * means "the default".  Fields are only ever appended.
 */
typedef struct otelc_instrument_options {
    /** Reported value type.  Both integer and floating-point measurements
     *  are accepted by every instrument; an int instrument reports the
     *  rounded total. */
    otelc_metric_value_type value_type;
    /** Histograms: explicit bucket boundaries (the specification's
     *  "advice"), strictly increasing, finite; copied.  NULL = the
     *  specification's default [0, 5, 10, 25, 50, 75, 100, 250, 500, 750,
     *  1000, 2500, 5000, 7500, 10000].  At most 256. */
    const double *bucket_boundaries;
    size_t bucket_boundary_count;
    /** Attribute sets kept before overflowing; 0 = the provider's limit
     *  (OTELC_METRICS_CARDINALITY_LIMIT, default 2000).  At least 2. */
    uint32_t cardinality_limit;
} otelc_instrument_options;

/** Which measurements keep exemplars (OTEL_METRICS_EXEMPLAR_FILTER). */
typedef enum otelc_exemplar_filter {
    OTELC_EXEMPLAR_FILTER_CONFIG = 0, /* from the configuration */
    OTELC_EXEMPLAR_FILTER_TRACE_BASED = 1,
    OTELC_EXEMPLAR_FILTER_ALWAYS_ON = 2,
    OTELC_EXEMPLAR_FILTER_ALWAYS_OFF = 3
} otelc_exemplar_filter;

/** Options of a meter provider.  Zero fields take the configured value. */
typedef struct otelc_meter_provider_options {
    otelc_exemplar_filter exemplar_filter;
    uint32_t cardinality_limit; /* 0 = OTELC_METRICS_CARDINALITY_LIMIT */
} otelc_meter_provider_options;

/* ---- Meter provider ------------------------------------------------------ */

/**
 * otelc_meter_provider_new - a meter provider of your own (tests, unusual
 * set-ups).  Most code uses the global provider that otelc_init() wires.
 *
 * Takes ownership of `resource`, even on failure.
 * @param resource  NULL = otelc_resource_default().
 * @param options   NULL = configuration and defaults; copied.
 * @return the provider, freed with otelc_meter_provider_free(); NULL when
 *         memory is exhausted.  Its instruments record from the start.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_meter_provider *
otelc_meter_provider_new(otelc_resource *resource,
                         const otelc_meter_provider_options *options);

/**
 * otelc_meter_provider_global - the global provider; never NULL.  It
 * exists for the life of the process; otelc_init() gives it its resource
 * and readers (and turns recording on), otelc_shutdown() exports a last
 * time, removes the readers and turns recording off.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_meter_provider *otelc_meter_provider_global(void);

/**
 * otelc_meter_provider_add_reader - attach a reader (periodic or pull);
 * takes ownership of `reader`, even on failure.  At most 4 readers.
 * @return OTELC_OK, OTELC_EINVAL, OTELC_EFULL or OTELC_ESHUTDOWN.
 * Thread-safety: any thread.  Blocking: may wait for a collection in
 * progress.  Since: 0.1.
 */
OTELC_API otelc_status otelc_meter_provider_add_reader(
    otelc_meter_provider *provider, otelc_metric_reader *reader);

/**
 * otelc_meter_provider_force_flush - make every periodic reader collect
 * and export now.
 * @return OTELC_OK, or OTELC_ETIMEDOUT when some export did not finish
 *         within timeout_ms.
 * Thread-safety: any thread.  Blocking: up to timeout_ms.  Since: 0.1.
 */
OTELC_API otelc_status otelc_meter_provider_force_flush(
    otelc_meter_provider *provider, uint32_t timeout_ms);

/**
 * otelc_meter_provider_shutdown - final export of every periodic reader,
 * then stop and remove all readers, within timeout_ms.  Instruments stop
 * recording.  Idempotent.
 * @return OTELC_OK or OTELC_ETIMEDOUT (a hung exporter's worker is
 *         abandoned and frees itself if it ever returns).
 * Thread-safety: any thread.  Blocking: up to timeout_ms.  Since: 0.1.
 */
OTELC_API otelc_status otelc_meter_provider_shutdown(
    otelc_meter_provider *provider, uint32_t timeout_ms);

/**
 * otelc_meter_provider_free - shut down (5 s) if needed and free the
 * provider, its meters, instruments and readers.  NULL and the global
 * provider are accepted and ignored.  No other thread may record on its
 * instruments any more.
 * Thread-safety: no concurrent use of the provider.  Blocking: up to 5 s.
 * Since: 0.1.
 */
OTELC_API void otelc_meter_provider_free(otelc_meter_provider *provider);

/** otelc_meter_provider_resource - the provider's resource; borrowed
 *  until the provider is freed (for the global provider: until the next
 *  otelc_init()).  Thread-safety: any thread.  Since: 0.1. */
OTELC_API const otelc_resource *
otelc_meter_provider_resource(const otelc_meter_provider *provider);

/* ---- Meters and instruments ---------------------------------------------- */

/**
 * otelc_meter_get - the meter for an instrumentation scope.
 * @param provider  NULL = the global provider.
 * @param name      the instrumentation library's name; NULL or "" gives a
 *                  working meter with an empty name and one diagnostic.
 * @param version   NULL for none.
 * @return a meter owned by the provider; the same pointer for the same
 *         (name, version).  Never NULL unless memory is exhausted.
 * Thread-safety: any thread.  Blocking: takes the provider's lock (keep
 * the meter; this is not a hot path).  Since: 0.1.
 */
OTELC_API otelc_meter *otelc_meter_get(otelc_meter_provider *provider,
                                       const char *name, const char *version);

/**
 * otelc_meter_create_counter / _updown_counter / _gauge / _histogram -
 * create a synchronous instrument, or return the existing one with the
 * same name (case-insensitive) and kind on this meter.
 *
 * @param name         [A-Za-z][A-Za-z0-9_./-]{0,254}; copied.  A name
 *                     that breaks the rule is reported once and used as
 *                     given (exporters escape it).
 * @param unit         UCUM unit ("s", "By", "{request}"...); NULL = "".
 * @param description  NULL = "".
 * @param options      NULL = defaults; copied.
 * @return the instrument, owned by the provider (valid until it is
 *         freed); NULL only when memory is exhausted.  A name reused with
 *         another kind gets a separate instrument and a diagnostic.
 * Thread-safety: any thread.  Blocking: takes the provider's lock.
 * Since: 0.1.
 */
OTELC_API otelc_counter *
otelc_meter_create_counter(otelc_meter *meter, const char *name,
                           const char *unit, const char *description,
                           const otelc_instrument_options *options);
OTELC_API otelc_updown_counter *
otelc_meter_create_updown_counter(otelc_meter *meter, const char *name,
                                  const char *unit, const char *description,
                                  const otelc_instrument_options *options);
OTELC_API otelc_gauge *
otelc_meter_create_gauge(otelc_meter *meter, const char *name, const char *unit,
                         const char *description,
                         const otelc_instrument_options *options);
OTELC_API otelc_histogram *
otelc_meter_create_histogram(otelc_meter *meter, const char *name,
                             const char *unit, const char *description,
                             const otelc_instrument_options *options);

/**
 * A callback of an observable instrument: report the current values with
 * otelc_observe() (any number of attribute sets; the last value given for
 * a set wins).  Runs on the collecting thread (a periodic reader's worker,
 * or the thread serving a scrape), never concurrently with itself.  It
 * must return promptly and must not collect.
 */
typedef void (*otelc_observable_callback)(otelc_observer *observer,
                                          void *user_data);

/**
 * otelc_meter_create_observable_counter / _updown_counter / _gauge -
 * create an asynchronous instrument whose values `callback` reports at
 * each collection.  Counters report monotonic totals (as read from their
 * source), up-down counters non-monotonic totals, gauges current values.
 *
 * @param callback   required; called with `user_data` (borrowed: it must
 *                   stay valid while the provider collects).
 * @return the instrument (owned by the provider), or NULL on bad
 *         arguments or memory exhaustion.
 * Thread-safety: any thread.  Blocking: takes the provider's lock.
 * Since: 0.1.
 */
OTELC_API otelc_observable *otelc_meter_create_observable_counter(
    otelc_meter *meter, const char *name, const char *unit,
    const char *description, const otelc_instrument_options *options,
    otelc_observable_callback callback, void *user_data);
OTELC_API otelc_observable *otelc_meter_create_observable_updown_counter(
    otelc_meter *meter, const char *name, const char *unit,
    const char *description, const otelc_instrument_options *options,
    otelc_observable_callback callback, void *user_data);
OTELC_API otelc_observable *otelc_meter_create_observable_gauge(
    otelc_meter *meter, const char *name, const char *unit,
    const char *description, const otelc_instrument_options *options,
    otelc_observable_callback callback, void *user_data);

/* ---- Recording (array forms) --------------------------------------------- */

/**
 * otelc_counter_add_attrs / otelc_counter_add_double_attrs - add a
 * non-negative value to a counter for an attribute set.
 *
 * @param attributes  `count` key/value pairs, read during the call only
 *                    (copied when the set is new).  Order does not
 *                    matter; a repeated key keeps its last value.
 * A negative value is ignored with a rate-limited diagnostic.
 * Thread-safety: any thread.  Blocking: never; no lock and no allocation
 * for an attribute set already seen.  Since: 0.1.
 */
OTELC_API void otelc_counter_add_attrs(otelc_counter *counter, int64_t value,
                                       const otelc_attribute *attributes,
                                       size_t count);
OTELC_API void otelc_counter_add_double_attrs(otelc_counter *counter,
                                              double value,
                                              const otelc_attribute *attributes,
                                              size_t count);

/** otelc_updown_counter_add_attrs / _double_attrs - add a value of either
 *  sign.  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API void otelc_updown_counter_add_attrs(otelc_updown_counter *counter,
                                              int64_t value,
                                              const otelc_attribute *attributes,
                                              size_t count);
OTELC_API void otelc_updown_counter_add_double_attrs(
    otelc_updown_counter *counter, double value,
    const otelc_attribute *attributes, size_t count);

/** otelc_gauge_record_attrs / _double_attrs - set the current value for
 *  an attribute set (the last value recorded wins).  Thread-safety: any
 *  thread.  Blocking: never.  Since: 0.1. */
OTELC_API void otelc_gauge_record_attrs(otelc_gauge *gauge, int64_t value,
                                        const otelc_attribute *attributes,
                                        size_t count);
OTELC_API void
otelc_gauge_record_double_attrs(otelc_gauge *gauge, double value,
                                const otelc_attribute *attributes,
                                size_t count);

/**
 * otelc_histogram_record_attrs - record a value in a histogram: its bucket
 * count, the sum, min and max.  NaN and infinities are ignored with a
 * rate-limited diagnostic.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_histogram_record_attrs(otelc_histogram *histogram,
                                            double value,
                                            const otelc_attribute *attributes,
                                            size_t count);

/** otelc_observe_attrs / otelc_observe_double_attrs - report a value from
 *  an observable instrument's callback.  Only valid inside the callback
 *  (the observer is borrowed for its duration).  Since: 0.1. */
OTELC_API void otelc_observe_attrs(otelc_observer *observer, int64_t value,
                                   const otelc_attribute *attributes,
                                   size_t count);
OTELC_API void otelc_observe_double_attrs(otelc_observer *observer,
                                          double value,
                                          const otelc_attribute *attributes,
                                          size_t count);

/* ---- HTTP semantic-convention helpers ------------------------------------ */

/**
 * otelc_http_server_request_record - record one served request in the
 * histogram http.server.request.duration (seconds, the semantic
 * conventions' buckets 0.005 ... 10) of the global provider's meter
 * "otelc.instrumentation.http", with http.request.method, http.route
 * (omitted when NULL or "") and http.response.status_code (omitted when
 * 0).  The server instrumentation calls it for every request; call it
 * yourself from a server otelc does not wrap.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_http_server_request_record(const char *method,
                                                const char *route,
                                                int status_code,
                                                double duration_s);

/**
 * otelc_http_client_request_record - the client side: histogram
 * http.client.request.duration (seconds) with http.request.method,
 * server.address, server.port (omitted when 0) and
 * http.response.status_code (omitted when 0, e.g. a connection failure).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_http_client_request_record(const char *method,
                                                const char *server_address,
                                                int server_port,
                                                int status_code,
                                                double duration_s);

/* ---- Built-in observable instruments ------------------------------------- */

/**
 * otelc_process_metrics_register - observable instruments for this
 * process, read from /proc at collection time.  Their Prometheus names
 * are the standard process collector's: process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_open_fds, process_max_fds, process_start_time_seconds,
 * process_threads (see docs/metrics.md for the OTel names).  Registering
 * twice on one provider does nothing the second time.
 * @return OTELC_OK or OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status
otelc_process_metrics_register(otelc_meter_provider *provider);

/**
 * otelc_system_metrics_register - host metrics per the semantic
 * conventions: system.cpu.utilization, system.memory.usage and
 * .utilization, system.filesystem.usage and .utilization for each mount
 * point, system.network.io (from /proc and statvfs, at collection time).
 * @param mount_points  comma-separated paths; NULL = the configured
 *                      OTELC_METRICS_DISK_PATHS (default "/").
 * Registering twice on one provider does nothing the second time.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_system_metrics_register(
    otelc_meter_provider *provider, const char *mount_points);

/**
 * otelc_sdk_metrics_register - otelc's own health as metrics, read from
 * the tracer provider's and processors' counters at collection time:
 * otelc.spans.started/.ended, otelc.spans.exported and otelc.spans.dropped
 * (by exporter and reason), otelc.export.failures and otelc.export.retries
 * (by exporter), otelc.queue.depth (by exporter).
 * @param tracer_provider  NULL = whichever provider is global when
 *                         collecting.  Borrowed: it must outlive the
 *                         meter provider.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_sdk_metrics_register(
    otelc_meter_provider *provider, otelc_tracer_provider *tracer_provider);

/* ---- Metric data, as readers and exporters see it ------------------------ */

/** Data point types, numbered as OTLP numbers its oneof fields. */
typedef enum otelc_metric_type {
    OTELC_METRIC_GAUGE = 5,
    OTELC_METRIC_SUM = 7,
    OTELC_METRIC_HISTOGRAM = 9
} otelc_metric_type;

/** Aggregation temporality, numbered as OTLP numbers it. */
typedef enum otelc_temporality {
    OTELC_TEMPORALITY_UNSPECIFIED = 0,
    OTELC_TEMPORALITY_DELTA = 1,
    OTELC_TEMPORALITY_CUMULATIVE = 2
} otelc_temporality;

/** A measurement kept with a data point, pointing at the span that was
 *  current when it was recorded (ids all zero when none). */
typedef struct otelc_exemplar {
    otelc_time_ns time;
    bool is_int;
    union {
        int64_t i;
        double d;
    } value;
    uint8_t trace_id[16];
    uint8_t span_id[8];
} otelc_exemplar;

/** A sum or gauge data point. */
typedef struct otelc_number_point {
    const otelc_attribute *attributes;
    uint32_t attribute_count;
    otelc_time_ns start_time; /* 0 for gauges */
    otelc_time_ns time;
    bool is_int;
    union {
        int64_t i;
        double d;
    } value;
    const otelc_exemplar *exemplars;
    uint32_t exemplar_count;
} otelc_number_point;

/** An explicit-bucket histogram data point. */
typedef struct otelc_histogram_point {
    const otelc_attribute *attributes;
    uint32_t attribute_count;
    otelc_time_ns start_time;
    otelc_time_ns time;
    uint64_t count; /* the sum of bucket_counts */
    double sum;
    bool has_min_max; /* false for delta points and empty points */
    double min;
    double max;
    const double *bounds; /* bound_count boundaries */
    uint32_t bound_count;
    const uint64_t *bucket_counts;   /* bound_count + 1 counts */
    const otelc_exemplar *exemplars; /* at most one per bucket */
    uint32_t exemplar_count;
} otelc_histogram_point;

/** One instrument's points. */
typedef struct otelc_metric_data {
    const char *name;        /* never NULL */
    const char *description; /* "" when none */
    const char *unit;        /* "" when none */
    otelc_instrument_kind kind;
    otelc_metric_type type;
    otelc_temporality temporality; /* sums and histograms */
    bool monotonic;                /* sums */
    bool is_int;                   /* number points carry integers */
    /* type SUM/GAUGE: number_points; HISTOGRAM: histogram_points. */
    const otelc_number_point *number_points;
    const otelc_histogram_point *histogram_points;
    uint32_t point_count;
} otelc_metric_data;

/** One meter's metrics. */
typedef struct otelc_scope_metrics_data {
    otelc_scope_info scope;
    const otelc_metric_data *metrics;
    uint32_t metric_count;
} otelc_scope_metrics_data;

/** A collection: everything is borrowed for the duration of the call that
 *  receives it.  Scopes and metrics without points are left out. */
typedef struct otelc_metrics_data {
    const otelc_resource *resource;
    const otelc_scope_metrics_data *scopes;
    uint32_t scope_count;
} otelc_metrics_data;

/* ---- Metric exporters ---------------------------------------------------- */

/**
 * The operations of a push metric exporter.  export_metrics is required
 * and is never called concurrently for one exporter (only from its
 * periodic reader's worker).  It returns OTELC_EXPORT_SUCCESS,
 * OTELC_EXPORT_RETRYABLE (the reader retries with backoff until
 * OTEL_METRIC_EXPORT_TIMEOUT) or OTELC_EXPORT_FAILURE (the collection is
 * dropped; cumulative exporters lose nothing, the next export carries the
 * totals).
 */
typedef struct otelc_metric_exporter_ops {
    const char *name; /* "console", "otlp_grpc"... */
    otelc_export_result (*export_metrics)(void *state,
                                          const otelc_metrics_data *data,
                                          otelc_export_context *ctx);
    /** The temporality wanted for an instrument kind (may be NULL:
     *  cumulative).  Called when the reader is created. */
    otelc_temporality (*temporality)(void *state, otelc_instrument_kind kind);
    otelc_status (*force_flush)(void *state, uint64_t deadline_mono_ns);
    void (*shutdown)(void *state, uint64_t deadline_mono_ns);
    void (*free_state)(void *state);
} otelc_metric_exporter_ops;

/**
 * otelc_metric_exporter_new - wrap an ops table (borrowed, normally
 * static) and its state (owned from now on: ops->free_state frees it,
 * even when this call fails).
 * @return the exporter, to hand to otelc_periodic_reader_new(); NULL on
 *         bad arguments or memory exhaustion.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_metric_exporter *
otelc_metric_exporter_new(const otelc_metric_exporter_ops *ops, void *state);

/** otelc_metric_exporter_free - shut down and free an exporter not handed
 *  to a reader; NULL is accepted.  Since: 0.1. */
OTELC_API void otelc_metric_exporter_free(otelc_metric_exporter *exporter);

/**
 * otelc_metric_exporter_create - a registered push exporter by name:
 * "console", "otlp" (when built), "none" (NULL with OTELC_OK).  Names
 * handled elsewhere ("prometheus" is a pull endpoint, see otelc_init())
 * give NULL with OTELC_EINVAL.
 * @return the exporter, or NULL with *status set and one diagnostic line.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_metric_exporter *
otelc_metric_exporter_create(const char *name, otelc_status *status);

/**
 * otelc_console_metric_exporter_new - readable text, one block per
 * collection, to `out` (NULL = stdout; borrowed, must stay open).
 * Thread-safety: any thread.  Blocking: writes on the reader's worker.
 * Since: 0.1.
 */
OTELC_API otelc_metric_exporter *otelc_console_metric_exporter_new(FILE *out);

/**
 * otelc_metric_temporality_preference - the temporality the OTLP
 * temporality preference asks for an instrument kind: "cumulative" (all
 * cumulative), "delta" (counters, observable counters and histograms
 * delta), "lowmemory" (counters and histograms delta).
 * @param preference  NULL = OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_temporality otelc_metric_temporality_preference(
    const char *preference, otelc_instrument_kind kind);

/* ---- Readers --------------------------------------------------------------
 */

/**
 * otelc_periodic_reader_new - collect and export through `exporter` every
 * interval_ms on a worker thread of its own, each export bounded by
 * timeout_ms (retries included).  Takes ownership of `exporter`, even on
 * failure.  The worker starts when the reader is added to a provider.
 * @param interval_ms  0 = OTEL_METRIC_EXPORT_INTERVAL (60000).
 * @param timeout_ms   0 = OTEL_METRIC_EXPORT_TIMEOUT (30000).
 * @return the reader, for otelc_meter_provider_add_reader(); NULL on
 *         memory exhaustion or a NULL exporter.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_metric_reader *
otelc_periodic_reader_new(otelc_metric_exporter *exporter, uint32_t interval_ms,
                          uint32_t timeout_ms);

/**
 * otelc_pull_reader_new - a reader that collects only when asked, with
 * otelc_metric_reader_collect() (the Prometheus endpoint is one).
 * @param temporality  for sums and histograms; UNSPECIFIED = cumulative.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_metric_reader *
otelc_pull_reader_new(otelc_temporality temporality);

/** Receives a collection; `data` is borrowed for the call. */
typedef void (*otelc_metrics_collect_fn)(const otelc_metrics_data *data,
                                         void *user_data);

/**
 * otelc_metric_reader_collect - collect now: run the observable callbacks,
 * read every instrument and hand the result to `fn` on this thread.
 * Recording threads are never held: cells are read with atomic loads.
 * @return OTELC_OK, OTELC_EINVAL, OTELC_ESTATE (the reader is not attached
 *         to a provider) or OTELC_ENOMEM.
 * Thread-safety: any thread; collections of one provider are serialised.
 * Blocking: runs the callbacks; waits for another collection in progress.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_metric_reader_collect(otelc_metric_reader *reader,
                                                   otelc_metrics_collect_fn fn,
                                                   void *user_data);

/** otelc_metric_reader_free - free a reader never added to a provider;
 *  NULL is accepted.  Since: 0.1. */
OTELC_API void otelc_metric_reader_free(otelc_metric_reader *reader);

/** Counters of a periodic reader, for self-monitoring. */
typedef struct otelc_metric_reader_stats {
    uint64_t collections;     /* collections made */
    uint64_t exports;         /* export calls, retries included */
    uint64_t export_failures; /* calls that did not return SUCCESS */
    uint64_t export_retries;  /* calls that were retries */
    uint64_t dropped;         /* collections never exported */
} otelc_metric_reader_stats;

/** otelc_metric_reader_get_stats - copy a reader's counters.  Thread-safety:
 *  any thread.  Since: 0.1. */
OTELC_API void otelc_metric_reader_get_stats(const otelc_metric_reader *reader,
                                             otelc_metric_reader_stats *out);

/* ---- Macros ----------------------------------------------------------------
 */

#ifndef __cplusplus
/* Attribute values typed by _Generic: integers -> int64, floating ->
 * double, bool -> bool, char * -> string.  Any other type is a
 * compile-time error. */
/* (The typing rules are in otelc/common.h: OTELC__VALUE_OF.) */
#define OTELC__MVALUE(v) OTELC__VALUE_OF(v)

/* Argument counting (0..16) and pairing: "k1", v1, "k2", v2 ... becomes
 * {"k1", value(v1)}, {"k2", value(v2)} ...  An odd count is a compile
 * error naming the problem. */
#define OTELC__MNARG(...)                                                      \
    OTELC__MNARG_(_0, ##__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6,   \
                  5, 4, 3, 2, 1, 0)
#define OTELC__MNARG_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12,   \
                      _13, _14, _15, _16, N, ...)                              \
    N
#define OTELC__MCAT2(a, b) a##b
#define OTELC__MCAT(a, b) OTELC__MCAT2(a, b)
#define OTELC__MF(k, v) {(k), OTELC__MVALUE(v)},
#define OTELC__MFIELDS(...)                                                    \
    OTELC__MCAT(OTELC__MF_, OTELC__MNARG(__VA_ARGS__))(__VA_ARGS__)
#define OTELC__MF_ODD OTELC_metric_attributes_must_be_key_value_pairs
#define OTELC__MF_0()                                                          \
    { 0 }
#define OTELC__MF_1(...) OTELC__MF_ODD
#define OTELC__MF_2(k, v) OTELC__MF(k, v)
#define OTELC__MF_3(...) OTELC__MF_ODD
#define OTELC__MF_4(k, v, ...) OTELC__MF(k, v) OTELC__MF_2(__VA_ARGS__)
#define OTELC__MF_5(...) OTELC__MF_ODD
#define OTELC__MF_6(k, v, ...) OTELC__MF(k, v) OTELC__MF_4(__VA_ARGS__)
#define OTELC__MF_7(...) OTELC__MF_ODD
#define OTELC__MF_8(k, v, ...) OTELC__MF(k, v) OTELC__MF_6(__VA_ARGS__)
#define OTELC__MF_9(...) OTELC__MF_ODD
#define OTELC__MF_10(k, v, ...) OTELC__MF(k, v) OTELC__MF_8(__VA_ARGS__)
#define OTELC__MF_11(...) OTELC__MF_ODD
#define OTELC__MF_12(k, v, ...) OTELC__MF(k, v) OTELC__MF_10(__VA_ARGS__)
#define OTELC__MF_13(...) OTELC__MF_ODD
#define OTELC__MF_14(k, v, ...) OTELC__MF(k, v) OTELC__MF_12(__VA_ARGS__)
#define OTELC__MF_15(...) OTELC__MF_ODD
#define OTELC__MF_16(k, v, ...) OTELC__MF(k, v) OTELC__MF_14(__VA_ARGS__)

/* The attribute array; with zero pairs it holds one zeroed element, since
 * C has no empty initializers (the count is 0 then). */
#define OTELC__MARRAY(...)                                                     \
    ((const otelc_attribute[]){OTELC__MFIELDS(__VA_ARGS__)})
#define OTELC__MCOUNT(...) ((size_t)(OTELC__MNARG(__VA_ARGS__) / 2))

/* Integer or floating-point measurement: pick the function by the value's
 * type. */
#define OTELC__MPICK(v, fi, fd)                                                \
    _Generic((v), float : fd, double : fd, long double : fd, default : fi)

/** otelc_counter_add(counter, value, "key", value, ...) - up to 8 pairs. */
#define otelc_counter_add(c, v, ...)                                           \
    OTELC__MPICK((v), otelc_counter_add_attrs, otelc_counter_add_double_attrs) \
    ((c), (v), OTELC__MARRAY(__VA_ARGS__), OTELC__MCOUNT(__VA_ARGS__))
/** otelc_updown_counter_add(counter, value, "key", value, ...). */
#define otelc_updown_counter_add(c, v, ...)                                    \
    OTELC__MPICK((v), otelc_updown_counter_add_attrs,                          \
                 otelc_updown_counter_add_double_attrs)                        \
    ((c), (v), OTELC__MARRAY(__VA_ARGS__), OTELC__MCOUNT(__VA_ARGS__))
/** otelc_gauge_record(gauge, value, "key", value, ...). */
#define otelc_gauge_record(g, v, ...)                                          \
    OTELC__MPICK((v), otelc_gauge_record_attrs,                                \
                 otelc_gauge_record_double_attrs)                              \
    ((g), (v), OTELC__MARRAY(__VA_ARGS__), OTELC__MCOUNT(__VA_ARGS__))
/** otelc_histogram_record(histogram, value, "key", value, ...). */
#define otelc_histogram_record(h, v, ...)                                      \
    otelc_histogram_record_attrs((h), (double)(v), OTELC__MARRAY(__VA_ARGS__), \
                                 OTELC__MCOUNT(__VA_ARGS__))
/** otelc_observe(observer, value, "key", value, ...) - in a callback. */
#define otelc_observe(o, v, ...)                                               \
    OTELC__MPICK((v), otelc_observe_attrs, otelc_observe_double_attrs)         \
    ((o), (v), OTELC__MARRAY(__VA_ARGS__), OTELC__MCOUNT(__VA_ARGS__))
#endif /* !__cplusplus */

#ifdef __cplusplus
}
#endif
#endif /* OTELC_METRICS_H */
