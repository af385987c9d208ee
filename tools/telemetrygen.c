/*
 * tools/telemetrygen.c - otelc-telemetrygen, a load generator for telemetry
 * pipelines in the spirit of the OpenTelemetry Collector's telemetrygen.
 *
 *   otelc-telemetrygen --traces 100000 --depth 4 --attrs 6 --threads 2 \
 *                      --exporter file
 *
 * It sets up otelc exactly as a service would (otelc_init() with options,
 * so .env and every OTEL_* variable apply), produces synthetic telemetry
 * from T threads, then flushes, shuts down and prints a summary built from
 * the SDK's own counters: what was started, sampled, exported and dropped,
 * and why.  It is used for benchmarks, so the generating loop does nothing
 * but call the API: names, keys and attribute arrays are prepared before
 * the clock starts, and counters are per thread.
 *
 * Structure, so that later signals slot in without touching the driver:
 *  - g_options: the command line, one table line per option (tools/cli.h).
 *  - g_modes: one entry per kind of telemetry ("traces" now; metrics and
 *    logs later), each a set of callbacks: per-thread state, emit one unit,
 *    and summary hooks run after flush and after shutdown.
 *  - drive(): the mode-independent part - threads, pacing, the deadline,
 *    Ctrl-C, and the progress line.
 *
 * Pacing.  With --rate R, unit number `seq` (counted across all threads)
 * is due at start + seq / R.  Thread i of T takes seq = i, i+T, i+2T...,
 * so together the threads produce an evenly spaced stream, and because
 * each due time is computed from the start (never from the previous
 * wake-up) sleeping late never accumulates drift: a late thread catches up.
 * Sleeps are absolute clock_nanosleep() calls of at most 100 ms so that a
 * stop request is noticed promptly.
 *
 * Exit status: 0 after a run (drops are reported, not failures), 1 when
 * the pipeline cannot be set up (for instance an exporter not built into
 * this otelc), 2 for a bad command line.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <otelc/otelc.h>

#include "tools/cli.h"

#define PROG "otelc-telemetrygen"
#define NS_PER_S 1000000000ull
#define UNLIMITED UINT64_MAX

/* ---- configuration ------------------------------------------------------- */

typedef struct tg_config {
    uint64_t traces; /* UNLIMITED when not given */
    uint64_t depth;
    uint64_t attrs;
    uint64_t threads;
    double rate;          /* units per second over all threads; 0 = max */
    double duration;      /* seconds; 0 = not given */
    const char *service;  /* NULL = configuration decides */
    const char *exporter; /* NULL = OTEL_TRACES_EXPORTER decides */
    uint64_t timeout_ms;  /* deadline of the final flush and of shutdown */
    bool metrics;         /* --metrics: a counter and a histogram per span */
    bool logs;            /* --logs: one INFO record with 2 fields per span */
    double linger;        /* --linger: seconds of serving after the load */
    bool help;
    bool version;
} tg_config;

static bool apply_exporter(void *cfg, const cli_option *opt, const char *value,
                           char *err, size_t errlen);

#define OFF(field) offsetof(tg_config, field)
static const cli_option g_options[] = {
    {"traces", 'n', "N",
     "traces to generate (default 1000; no limit with\n--duration alone)",
     cli_apply_u64, OFF(traces), 0, 1e15},
    {"depth", 'd', "D",
     "spans per trace: a root and D-1 nested children,\neach current while "
     "its child runs (default 3)",
     cli_apply_u64, OFF(depth), 1, 10000},
    {"attrs", 'a', "K",
     "attributes per span, mixed string, int, double\nand bool (default 4)",
     cli_apply_u64, OFF(attrs), 0, 1000},
    {"threads", 't', "T", "generating threads (default 1)", cli_apply_u64,
     OFF(threads), 1, 1024},
    {"rate", 'r', "R",
     "traces per second over all threads; 0 = as fast\nas possible "
     "(default 0)",
     cli_apply_double, OFF(rate), 0, 1e12},
    {"duration", 's', "S",
     "run for S seconds (decimals allowed); with\n--traces, stop at "
     "whichever comes first",
     cli_apply_double, OFF(duration), 0.001, 31536000},
    {"service", 0, "NAME", "service.name of the telemetry (OTEL_SERVICE_NAME)",
     cli_apply_string, OFF(service), 0, 0},
    {"exporter", 'e', "LIST",
     "console, file, otlp, jaeger or none; a comma-\nseparated list sends "
     "to several\n(OTEL_TRACES_EXPORTER)",
     apply_exporter, OFF(exporter), 0, 0},
    {"timeout", 0, "MS",
     "deadline of the final flush and of shutdown\n(default 30000)",
     cli_apply_u64, OFF(timeout_ms), 0, 86400000},
    {"metrics", 'm', NULL,
     "also record, per span, the counter tg.spans and\nthe histogram "
     "tg.span.duration inside the span\n(their exemplars point at it); with "
     "METRICS_ENABLED\n=true, serve /metrics and /health on METRICS_PORT\n"
     "while running",
     cli_apply_flag, OFF(metrics), 0, 0},
    {"logs", 'l', NULL,
     "also emit, inside each span, one INFO record\nwith 2 fields through the "
     "configured log sinks\n(LOG_FORMAT, LOG_FILE, ENABLE_FILE_LOGGING...): "
     "its\ntrace_id/span_id are the span's",
     cli_apply_flag, OFF(logs), 0, 0},
    {"linger", 0, "S",
     "keep serving /metrics and /health S seconds\nafter the load ends "
     "(decimals allowed)",
     cli_apply_double, OFF(linger), 0, 86400},
    {"version", 'V', NULL, "print the otelc version and exit", cli_apply_flag,
     OFF(version), 0, 0},
    {"help", 'h', NULL, "print this help and exit", cli_apply_flag, OFF(help),
     0, 0},
};
#undef OFF
#define NOPTIONS (sizeof g_options / sizeof g_options[0])

static const char g_summary[] =
    "Generate synthetic traces through otelc and report what the pipeline "
    "did with\nthem: spans started, sampled, exported and dropped (by "
    "reason), elapsed time\nand spans/s.";

static const char g_epilog[] =
    "Configuration: otelc_init() reads ./.env (or OTELC_ENV_FILE) and every "
    "OTEL_*\nvariable, for example OTEL_TRACES_SAMPLER, "
    "OTEL_BSP_MAX_QUEUE_SIZE,\nOTEL_BSP_SCHEDULE_DELAY and OTELC_FILE_PATH "
    "(file exporter output, default\notelc-traces.jsonl).  Options given "
    "here win over the environment.  Without\n--exporter, "
    "OTEL_TRACES_EXPORTER decides (default otlp).\n\n"
    "Exit status: 0 after a run (drops are reported, not failures), 1 when "
    "the\npipeline cannot be set up (e.g. an exporter not built into this "
    "otelc), 2 for\nbad arguments.\n";

/* The exporters a user may name; which are built is asked of the SDK. */
static const char *const g_exporter_names[] = {"console", "file", "otlp",
                                               "jaeger", "none"};

static bool apply_exporter(void *cfg, const cli_option *opt, const char *value,
                           char *err, size_t errlen) {
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        bool known = false;
        for (size_t i = 0;
             i < sizeof g_exporter_names / sizeof *g_exporter_names; i++)
            if (strlen(g_exporter_names[i]) == n &&
                !memcmp(g_exporter_names[i], p, n))
                known = true;
        if (!known) {
            snprintf(err, errlen,
                     "unknown exporter \"%.*s\" (expected "
                     "console, file, otlp, jaeger or none)",
                     (int)n, p);
            return false;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return cli_apply_string(cfg, opt, value, err, errlen);
}

/* ---- the run ------------------------------------------------------------- */

typedef struct tg_run tg_run;
typedef struct tg_drive tg_drive;

/*
 * One kind of telemetry.  The driver calls thread_new once per generating
 * thread, emit once per unit, thread_free at the end; the summary hooks
 * run after the whole pipeline is flushed and shut down.  Adding --metrics
 * or --logs means adding an entry to g_modes (and its options).
 */
typedef struct tg_mode {
    const char *name; /* "traces" */
    const char *unit; /* what one emit() produces, plural: "traces" */
    bool (*enabled)(const tg_config *cfg);
    /* Prepare what every thread shares (names, keys).  false = failure. */
    bool (*setup)(tg_run *run);
    void *(*thread_new)(tg_run *run, unsigned index);
    void (*emit)(void *thread_state, uint64_t seq);
    void (*thread_free)(void *thread_state);
    /* Snapshots of the SDK's counters, after otelc_force_flush() and after
     * otelc_shutdown() (the provider is retired by shutdown, not freed, so
     * its counters stay readable). */
    void (*after_flush)(tg_run *run);
    void (*after_shutdown)(tg_run *run);
    /* A few words for the progress line (may be NULL). */
    void (*progress)(tg_run *run, char *out, size_t len);
    void (*summarize)(tg_run *run, const tg_drive *drive, FILE *out);
    void (*teardown)(tg_run *run);
} tg_mode;

/* A generating thread, alone on its cache line: `done` is written by the
 * thread after every unit and read by the progress line. */
typedef struct tg_worker {
    _Alignas(64) _Atomic uint64_t done;
    uint64_t end_ns;
    unsigned index;
    pthread_t thread;
    tg_drive *drive;
    void *state;
} tg_worker;

/* One mode's generation: its threads and its clock. */
struct tg_drive {
    const tg_mode *mode;
    tg_run *run;
    uint64_t limit;       /* units to produce; UNLIMITED with a duration */
    uint64_t start_ns;    /* CLOCK_MONOTONIC */
    uint64_t deadline_ns; /* UNLIMITED without --duration */
    uint64_t end_ns;      /* when the last worker finished */
    tg_worker *workers;
    unsigned nworkers; /* threads created */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned finished;
};

/* Counters of the trace pipeline at one moment. */
#define TG_MAX_PROCS 8
typedef struct tg_trace_stats {
    otelc_tracer_stats tracer;
    otelc_processor_stats total;
    otelc_processor_stats procs[TG_MAX_PROCS];
    char names[TG_MAX_PROCS][64];
    size_t nprocs;
} tg_trace_stats;

#define TG_MAX_MODES 4

/* The whole process run. */
struct tg_run {
    const tg_config *cfg;
    /* The global provider otelc_init() installed, kept across shutdown. */
    otelc_tracer_provider *provider;
    char service_name[256];
    char sampler[512];
    char exporters[128];
    char serving[128]; /* ", served on port N" with --metrics, else "" */
    uint64_t flush_ns, shutdown_ns;
    otelc_status flush_status, shutdown_status;
    tg_drive drives[TG_MAX_MODES];
    size_t ndrives;

    /* Traces mode: names and keys built before the clock starts. */
    char **span_names;           /* per level: "tg.level.<d>" */
    otelc_counter *m_spans;      /* --metrics */
    otelc_histogram *m_duration; /* --metrics */
    char **attr_keys;            /* per attribute: "tg.<type>.<k>" */
    tg_trace_stats flushed, final;
};

static atomic_bool g_stop;

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&g_stop, true);
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static double seconds(uint64_t ns) {
    return (double)ns / 1e9;
}

/* Sleep until the monotonic time `due`, in steps of at most 100 ms so a
 * stop request is seen.  Returns false when asked to stop. */
static bool sleep_until(uint64_t due) {
    for (;;) {
        if (atomic_load_explicit(&g_stop, memory_order_relaxed))
            return false;
        uint64_t now = mono_ns();
        if (now >= due)
            return true;
        uint64_t until = due - now > NS_PER_S / 10 ? now + NS_PER_S / 10 : due;
        struct timespec ts = {(time_t)(until / NS_PER_S),
                              (long)(until % NS_PER_S)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
}

/* Units produced so far by a mode's threads. */
static uint64_t units_done(const tg_drive *dr) {
    uint64_t n = 0;
    for (unsigned i = 0; i < dr->nworkers; i++)
        n += atomic_load_explicit(&dr->workers[i].done, memory_order_relaxed);
    return n;
}

/* ---- traces mode --------------------------------------------------------- */

/* Per-thread state: the spans and scopes of the trace being built and the
 * attribute array handed to every span start (its values change per
 * trace; the keys are shared). */
typedef struct trace_thread {
    otelc_tracer *tracer;
    char *const *span_names;
    unsigned depth;
    unsigned nattrs;
    otelc_span **spans;
    otelc_scope *scopes;
    otelc_attribute *attrs;
    otelc_counter *m_spans; /* NULL without --metrics */
    otelc_histogram *m_duration;
    uint64_t *starts; /* per level, CLOCK_MONOTONIC */
    bool logs;        /* --logs */
} trace_thread;

static bool traces_enabled(const tg_config *cfg) {
    (void)cfg;
    return true; /* the default mode until --metrics/--logs exist */
}

/* A heap copy of "<prefix><type><n>", for names built once per run. */
static char *name_dup(const char *prefix, const char *type, uint64_t n) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s%s%" PRIu64, prefix, type, n);
    return strdup(buf);
}

static const char *const g_attr_types[] = {"str.", "int.", "double.", "bool."};

static bool traces_setup(tg_run *run) {
    const tg_config *c = run->cfg;
    run->span_names = calloc(c->depth, sizeof *run->span_names);
    run->attr_keys = calloc(c->attrs ? c->attrs : 1, sizeof *run->attr_keys);
    if (!run->span_names || !run->attr_keys)
        return false;
    for (uint64_t d = 0; d < c->depth; d++)
        if (!(run->span_names[d] = name_dup("tg.level.", "", d)))
            return false;
    for (uint64_t k = 0; k < c->attrs; k++)
        if (!(run->attr_keys[k] = name_dup("tg.", g_attr_types[k % 4], k)))
            return false;
    if (c->metrics) {
        /* Spans here last microseconds: buckets from 1 us to 1 s. */
        static const double bounds[] = {1e-6, 2.5e-6, 5e-6,   1e-5, 2.5e-5,
                                        5e-5, 1e-4,   2.5e-4, 5e-4, 1e-3,
                                        1e-2, 0.1,    1};
        otelc_instrument_options o = {0};
        o.bucket_boundaries = bounds;
        o.bucket_boundary_count = sizeof bounds / sizeof bounds[0];
        otelc_meter *m = otelc_meter_get(NULL, PROG, OTELC_VERSION_STRING);
        run->m_spans = otelc_meter_create_counter(
            m, "tg.spans", "{span}", "spans generated, by level", NULL);
        run->m_duration = otelc_meter_create_histogram(
            m, "tg.span.duration", "s", "duration of generated spans", &o);
        if (!run->m_spans || !run->m_duration)
            return false;
    }
    return true;
}

static void traces_teardown(tg_run *run) {
    for (uint64_t d = 0; run->span_names && d < run->cfg->depth; d++)
        free(run->span_names[d]);
    for (uint64_t k = 0; run->attr_keys && k < run->cfg->attrs; k++)
        free(run->attr_keys[k]);
    free(run->span_names);
    free(run->attr_keys);
}

static void *traces_thread_new(tg_run *run, unsigned index) {
    (void)index;
    trace_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->span_names = run->span_names;
    t->logs = run->cfg->logs;
    t->depth = (unsigned)run->cfg->depth;
    t->nattrs = (unsigned)run->cfg->attrs;
    t->tracer = otelc_tracer_get(NULL, PROG, OTELC_VERSION_STRING);
    t->spans = calloc(t->depth, sizeof *t->spans);
    t->scopes = calloc(t->depth, sizeof *t->scopes);
    t->attrs = calloc(t->nattrs ? t->nattrs : 1, sizeof *t->attrs);
    t->starts = calloc(t->depth, sizeof *t->starts);
    t->m_spans = run->m_spans;
    t->m_duration = run->m_duration;
    if (!t->spans || !t->scopes || !t->attrs || !t->starts) {
        free(t->spans);
        free(t->scopes);
        free(t->attrs);
        free(t->starts);
        free(t);
        return NULL;
    }
    for (unsigned k = 0; k < t->nattrs; k++) {
        otelc_attribute *a = &t->attrs[k];
        a->key = run->attr_keys[k];
        switch (k % 4) {
        case 0: a->value = OTELC_ATTR_STR("", "telemetrygen").value; break;
        case 1: a->value = OTELC_ATTR_INT("", 0).value; break;
        case 2: a->value = OTELC_ATTR_DOUBLE("", 0).value; break;
        default: a->value = OTELC_ATTR_BOOL("", false).value;
        }
    }
    return t;
}

/* One trace: a root and depth-1 nested children, each started as a child
 * of the current span and made current in turn, then ended innermost
 * first - the shape of a request descending through its layers. */
static void traces_emit(void *state, uint64_t seq) {
    trace_thread *t = state;
    for (unsigned k = 0; k < t->nattrs; k++) {
        otelc_value *v = &t->attrs[k].value;
        switch (k % 4) {
        case 1: v->u.i = (int64_t)seq; break;
        case 2: v->u.d = (double)seq * 0.5; break;
        case 3: v->u.b = seq & 1; break;
        default: break;
        }
    }
    otelc_span_start_options opts = {0};
    opts.attributes = t->attrs;
    opts.attribute_count = t->nattrs;
    for (unsigned d = 0; d < t->depth; d++) {
        opts.kind = d == 0 ? OTELC_SPAN_KIND_SERVER : OTELC_SPAN_KIND_INTERNAL;
        opts.root = d == 0;
        t->spans[d] = otelc_span_start(t->tracer, t->span_names[d], &opts);
        t->scopes[d] = otelc_span_make_current(t->spans[d]);
        if (t->m_spans)
            t->starts[d] = mono_ns();
    }
    for (unsigned d = t->depth; d-- > 0;) {
        if (t->logs)
            /* While the span is current: the record carries its ids. */
            OTELC_LOG_INFO("telemetrygen span", "in_span", t->span_names[d],
                           "seq", (int64_t)seq);
        if (t->m_spans) {
            /* While the span is still current: the exemplars point at it. */
            otelc_counter_add(t->m_spans, 1, "tg.level", d);
            otelc_histogram_record(t->m_duration,
                                   seconds(mono_ns() - t->starts[d]),
                                   "tg.level", d);
        }
        otelc_scope_end(t->scopes[d]);
        otelc_span_end(t->spans[d]);
    }
}

static void traces_thread_free(void *state) {
    trace_thread *t = state;
    if (!t)
        return;
    free(t->spans);
    free(t->scopes);
    free(t->attrs);
    free(t->starts);
    free(t);
}

static void add_stats(otelc_processor_stats *sum,
                      const otelc_processor_stats *s) {
    sum->spans_received += s->spans_received;
    sum->spans_exported += s->spans_exported;
    sum->dropped_queue_full += s->dropped_queue_full;
    sum->dropped_export += s->dropped_export;
    sum->dropped_shutdown += s->dropped_shutdown;
    sum->dropped_rejected += s->dropped_rejected;
    sum->export_calls += s->export_calls;
    sum->export_failures += s->export_failures;
    sum->export_retries += s->export_retries;
    sum->queue_depth += s->queue_depth;
}

static uint64_t dropped(const otelc_processor_stats *s) {
    return s->dropped_queue_full + s->dropped_export + s->dropped_shutdown +
           s->dropped_rejected;
}

static void read_trace_stats(const otelc_tracer_provider *p,
                             tg_trace_stats *out) {
    memset(out, 0, sizeof *out);
    otelc_tracer_provider_stats(p, &out->tracer);
    otelc_span_processor *proc;
    for (size_t i = 0; i < 8 && (proc = otelc_tracer_provider_processor(p, i));
         i++) {
        otelc_span_processor_stats(proc, &out->procs[i]);
        snprintf(out->names[i], sizeof out->names[i], "%s",
                 otelc_span_processor_name(proc));
        add_stats(&out->total, &out->procs[i]);
        out->nprocs++;
    }
}

static void traces_after_flush(tg_run *run) {
    read_trace_stats(run->provider, &run->flushed);
}

static void traces_after_shutdown(tg_run *run) {
    read_trace_stats(run->provider, &run->final);
}

static void traces_progress(tg_run *run, char *out, size_t len) {
    tg_trace_stats s;
    read_trace_stats(run->provider, &s);
    snprintf(out, len, "%" PRIu64 " spans exported, %" PRIu64 " dropped",
             s.total.spans_exported, dropped(&s.total));
}

static void traces_summarize(tg_run *run, const tg_drive *dr, FILE *out) {
    const tg_trace_stats *f = &run->final;
    uint64_t units = units_done(dr);
    double gen = seconds(dr->end_ns - dr->start_ns);
    fprintf(out, "%s: traces to %s, service \"%s\"\n", PROG, run->exporters,
            run->service_name);
    fprintf(out, "  sampler:         %s\n", run->sampler);
    fprintf(out,
            "  traces:          %" PRIu64 " (depth %" PRIu64 ", %" PRIu64
            " attributes per span, %" PRIu64 " thread%s)\n",
            units, run->cfg->depth, run->cfg->attrs, run->cfg->threads,
            run->cfg->threads == 1 ? "" : "s");
    fprintf(out, "  spans started:   %" PRIu64 "\n", f->tracer.spans_started);
    fprintf(out, "  spans sampled:   %" PRIu64 " (%" PRIu64 " not recording)\n",
            f->tracer.spans_sampled, f->tracer.spans_not_recording);
    /* What the final flush left for shutdown to do: normally nothing; a
     * flush that ran out of time shows here. */
    uint64_t late = f->total.spans_exported - run->flushed.total.spans_exported;
    fprintf(out, "  spans exported:  %" PRIu64, f->total.spans_exported);
    if (late)
        fprintf(out, " (%" PRIu64 " of them during shutdown)", late);
    fputc('\n', out);
    fprintf(out,
            "  spans dropped:   %" PRIu64 " (queue full %" PRIu64
            ", export failed %" PRIu64 ", at shutdown %" PRIu64
            ", rejected %" PRIu64 ")\n",
            dropped(&f->total), f->total.dropped_queue_full,
            f->total.dropped_export, f->total.dropped_shutdown,
            f->total.dropped_rejected);
    if (f->nprocs > 1) {
        /* Every processor sees every sampled span, so the totals above
         * count each span once per exporter; show each one. */
        for (size_t i = 0; i < f->nprocs; i++)
            fprintf(
                out, "    %-16s exported %" PRIu64 ", dropped %" PRIu64 "\n",
                f->names[i], f->procs[i].spans_exported, dropped(&f->procs[i]));
    }
    fprintf(out,
            "  export calls:    %" PRIu64 " (%" PRIu64 " failed, %" PRIu64
            " retries)\n",
            f->total.export_calls, f->total.export_failures,
            f->total.export_retries);
    fprintf(out,
            "  elapsed:         %.3f s generating, %.3f s flushing%s, "
            "%.3f s shutting down%s\n",
            gen, seconds(run->flush_ns),
            run->flush_status == OTELC_OK ? "" : " (deadline passed)",
            seconds(run->shutdown_ns),
            run->shutdown_status == OTELC_OK ? "" : " (deadline passed)");
    fprintf(out, "  spans/s:         %.0f\n",
            gen > 0 ? (double)f->tracer.spans_started / gen : 0.0);
    if (run->cfg->metrics)
        fprintf(out,
                "  metrics:         tg.spans and tg.span.duration per span%s\n",
                run->serving[0] ? run->serving : "");
    if (run->cfg->logs) {
        otelc_log_stats ls;
        otelc_log_get_stats(&ls);
        fprintf(
            out, "  logs:            %llu records emitted, %llu dropped\n",
            (unsigned long long)ls.records_emitted,
            (unsigned long long)(ls.dropped_queue_full + ls.dropped_shutdown));
    }
}

static const tg_mode g_modes[] = {
    {"traces", "traces", traces_enabled, traces_setup, traces_thread_new,
     traces_emit, traces_thread_free, traces_after_flush, traces_after_shutdown,
     traces_progress, traces_summarize, traces_teardown},
};

/* ---- the driver ---------------------------------------------------------- */

static void *worker_main(void *arg) {
    tg_worker *w = arg;
    tg_drive *dr = w->drive;
    const tg_mode *m = dr->mode;
    const uint64_t step = dr->run->cfg->threads;
    const double rate = dr->run->cfg->rate;
    const bool timed = dr->deadline_ns != UNLIMITED;
    uint64_t done = 0;
    for (uint64_t seq = w->index; seq < dr->limit; seq += step) {
        if (atomic_load_explicit(&g_stop, memory_order_relaxed))
            break;
        if (rate > 0) {
            uint64_t due = dr->start_ns + (uint64_t)((double)seq * 1e9 / rate);
            if (due >= dr->deadline_ns || !sleep_until(due))
                break;
        }
        if (timed && mono_ns() >= dr->deadline_ns)
            break;
        m->emit(w->state, seq);
        atomic_store_explicit(&w->done, ++done, memory_order_relaxed);
        if (seq > UINT64_MAX - step)
            break;
    }
    w->end_ns = mono_ns();
    pthread_mutex_lock(&dr->lock);
    dr->finished++;
    pthread_cond_signal(&dr->cond);
    pthread_mutex_unlock(&dr->lock);
    return NULL;
}

/* Rewrite the progress line: carriage return, the line, then blanks over
 * whatever the previous one left. */
static void show_progress(tg_drive *dr, int *shown_len) {
    uint64_t units = units_done(dr);
    double el = seconds(mono_ns() - dr->start_ns);
    char extra[128] = "";
    if (dr->mode->progress)
        dr->mode->progress(dr->run, extra, sizeof extra);
    char line[256];
    int n = snprintf(line, sizeof line,
                     "%s: %.0f s, %" PRIu64 " %s (%.0f/s)%s%s", PROG, el, units,
                     dr->mode->unit, el > 0 ? (double)units / el : 0.0,
                     extra[0] ? ", " : "", extra);
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1;
    fprintf(stderr, "\r%s%*s", line, *shown_len > n ? *shown_len - n : 0, "");
    fflush(stderr);
    *shown_len = n;
}

/* Wait for the workers; on a terminal, once the run has lasted 2 s,
 * refresh the progress line every second. */
static void wait_workers(tg_drive *dr) {
    bool tty = isatty(STDERR_FILENO);
    int shown = 0;
    uint64_t next_tick = dr->start_ns + 2 * NS_PER_S;
    pthread_mutex_lock(&dr->lock);
    while (dr->finished < dr->nworkers) {
        struct timespec ts = {(time_t)(next_tick / NS_PER_S),
                              (long)(next_tick % NS_PER_S)};
        pthread_cond_timedwait(&dr->cond, &dr->lock, &ts);
        if (dr->finished < dr->nworkers && mono_ns() >= next_tick) {
            pthread_mutex_unlock(&dr->lock);
            if (tty)
                show_progress(dr, &shown);
            next_tick += NS_PER_S;
            pthread_mutex_lock(&dr->lock);
        }
    }
    pthread_mutex_unlock(&dr->lock);
    if (shown) {
        fprintf(stderr, "\r%*s\r", shown, "");
        fflush(stderr);
    }
}

/* Run one mode to the end.  Returns 0, or 1 when it could not start. */
static int drive(tg_run *run, tg_drive *dr, const tg_mode *m) {
    const tg_config *c = run->cfg;
    dr->mode = m;
    dr->run = run;
    dr->limit = c->traces;
    pthread_mutex_init(&dr->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&dr->cond, &ca);
    pthread_condattr_destroy(&ca);
    /* aligned_alloc: calloc does not honour the workers' 64-byte
     * alignment (sizeof is a multiple of it, as aligned_alloc requires). */
    size_t bytes = c->threads * sizeof *dr->workers;
    if (!m->setup(run) ||
        !(dr->workers = aligned_alloc(_Alignof(tg_worker), bytes))) {
        fprintf(stderr, "%s: out of memory\n", PROG);
        return 1;
    }
    memset(dr->workers, 0, bytes);
    for (unsigned i = 0; i < c->threads; i++) {
        tg_worker *w = &dr->workers[i];
        w->index = i;
        w->drive = dr;
        if (!(w->state = m->thread_new(run, i))) {
            fprintf(stderr, "%s: out of memory\n", PROG);
            return 1;
        }
    }
    dr->start_ns = mono_ns();
    dr->deadline_ns = c->duration > 0
                          ? dr->start_ns + (uint64_t)(c->duration * 1e9)
                          : UNLIMITED;
    for (; dr->nworkers < c->threads; dr->nworkers++) {
        tg_worker *w = &dr->workers[dr->nworkers];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            fprintf(stderr, "%s: cannot start thread %u; stopping\n", PROG,
                    dr->nworkers);
            atomic_store(&g_stop, true);
            break;
        }
    }
    wait_workers(dr);
    dr->end_ns = dr->start_ns;
    for (unsigned i = 0; i < dr->nworkers; i++) {
        pthread_join(dr->workers[i].thread, NULL);
        if (dr->workers[i].end_ns > dr->end_ns)
            dr->end_ns = dr->workers[i].end_ns;
    }
    return 0;
}

static void drive_free(tg_drive *dr) {
    if (!dr->mode)
        return;
    for (unsigned i = 0; dr->workers && i < dr->run->cfg->threads; i++)
        dr->mode->thread_free(dr->workers[i].state);
    free(dr->workers);
    pthread_cond_destroy(&dr->cond);
    pthread_mutex_destroy(&dr->lock);
}

/* ---- set-up: exporter probe and options ---------------------------------- */

/* Diagnostics emitted while probing exporters are kept for our own
 * message instead of reaching stderr on their own. */
static pthread_mutex_t g_diag_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_diag_last[512];

static void capture_diag(otelc_diag_level level, const char *msg, void *ud) {
    (void)level;
    (void)ud;
    pthread_mutex_lock(&g_diag_lock);
    snprintf(g_diag_last, sizeof g_diag_last, "%s", msg);
    pthread_mutex_unlock(&g_diag_lock);
}

/*
 * Make sure every exporter that will be used is built into this otelc
 * before anything starts: otelc_init() would merely warn and run without
 * it, which for a load test means measuring nothing.  The list is the
 * --exporter value, else the configured OTEL_TRACES_EXPORTER.  Reading the
 * configuration before otelc_init() loads it a first time; diagnostics are
 * muted meanwhile because otelc_init() reports the same problems again.
 */
static bool probe_exporters(const tg_config *c) {
    otelc_diag_set_handler(capture_diag, NULL);
    const char *disabled = otelc_config_get("OTEL_SDK_DISABLED", NULL);
    char list[256];
    snprintf(list, sizeof list, "%s",
             c->exporter ? c->exporter
                         : otelc_config_get("OTEL_TRACES_EXPORTER", NULL));
    bool ok = true;
    if (disabled && !strcmp(disabled, "true"))
        list[0] = '\0'; /* nothing will be exported: nothing to check */
    char *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name && ok;
         name = strtok_r(NULL, ",", &save)) {
        if (!strcmp(name, "none"))
            continue;
        pthread_mutex_lock(&g_diag_lock);
        g_diag_last[0] = '\0';
        pthread_mutex_unlock(&g_diag_lock);
        otelc_status st = OTELC_OK;
        otelc_span_exporter *e = otelc_span_exporter_create(name, &st);
        if (e) {
            otelc_span_exporter_free(e);
            continue;
        }
        ok = false;
        pthread_mutex_lock(&g_diag_lock);
        if (st == OTELC_EUNSUPPORTED) {
            /* The SDK's diagnostic says how to get the exporter, in
             * parentheses: keep that part, the rest repeats our words. */
            const char *hint = strchr(g_diag_last, '(');
            const char *end = hint ? strchr(hint, ')') : NULL;
            fprintf(stderr,
                    "%s: exporter \"%s\" is not built into this "
                    "otelc%s%.*s\n",
                    PROG, name, end ? " " : "", end ? (int)(end - hint + 1) : 0,
                    hint ? hint : "");
        } else {
            fprintf(stderr, "%s: cannot create exporter \"%s\" (%s)%s%s\n",
                    PROG, name, otelc_strerror(st), g_diag_last[0] ? ": " : "",
                    g_diag_last);
        }
        pthread_mutex_unlock(&g_diag_lock);
    }
    otelc_diag_set_handler(NULL, NULL);
    return ok;
}

static otelc_options *build_options(const tg_config *c) {
    otelc_options *o = otelc_options_new();
    if (!o)
        return NULL;
    if ((c->service && otelc_options_set_service_name(o, c->service)) ||
        (c->exporter &&
         otelc_options_set(o, "OTEL_TRACES_EXPORTER", c->exporter))) {
        otelc_options_free(o);
        return NULL;
    }
    if (c->metrics) {
        /* Serve /metrics: add the pull endpoint to whatever metric
         * exporters are configured ("none" or the default: only it). */
        otelc_config_source src = OTELC_CONFIG_DEFAULT;
        const char *cur = otelc_config_get("OTEL_METRICS_EXPORTER", &src);
        char list[256];
        if (src == OTELC_CONFIG_DEFAULT || !cur || !*cur ||
            !strcmp(cur, "none"))
            snprintf(list, sizeof list, "prometheus");
        else if (strstr(cur, "prometheus"))
            snprintf(list, sizeof list, "%s", cur);
        else
            snprintf(list, sizeof list, "%s,prometheus", cur);
        if (otelc_options_set(o, "OTEL_METRICS_EXPORTER", list)) {
            otelc_options_free(o);
            return NULL;
        }
    }
    return o;
}

/* Remember what the summary shows about the configuration: otelc_shutdown()
 * forgets it. */
static void describe_setup(tg_run *run) {
    const char *en = otelc_config_get("METRICS_ENABLED", NULL);
    otelc_config_source ps = OTELC_CONFIG_DEFAULT;
    const char *port = otelc_config_get("OTEL_EXPORTER_PROMETHEUS_PORT", &ps);
    if (ps == OTELC_CONFIG_DEFAULT || !port || !*port)
        port = otelc_config_get("METRICS_PORT", NULL);
    run->serving[0] = '\0';
    if (run->cfg->metrics && en && !strcmp(en, "true"))
        snprintf(run->serving, sizeof run->serving,
                 ", /metrics and /health served on port %s", port ? port : "?");
    const char *v = otelc_config_get("OTEL_TRACES_EXPORTER", NULL);
    snprintf(run->exporters, sizeof run->exporters, "%s", v ? v : "?");
    /* The sampler the configuration selects (OTEL_TRACES_SAMPLER, or
     * TRACE_SAMPLING_RATE), described as the SDK describes it. */
    otelc_sampler *sampler = otelc_sampler_from_config();
    snprintf(run->sampler, sizeof run->sampler, "%s",
             sampler ? otelc_sampler_description(sampler) : "?");
    otelc_sampler_free(sampler);
    snprintf(run->service_name, sizeof run->service_name, "%s",
             otelc_resource_service_name(
                 otelc_tracer_provider_resource(run->provider)));
}

/* Set up otelc, run every enabled mode, flush, shut down, summarize. */
static int run_all(const tg_config *c) {
    tg_run run = {0};
    run.cfg = c;
    otelc_options *opts = build_options(c);
    if (!opts) {
        fprintf(stderr, "%s: cannot build the otelc options\n", PROG);
        return 1;
    }
    otelc_status st = otelc_init(opts);
    if (st != OTELC_OK) {
        fprintf(stderr, "%s: otelc_init: %s\n", PROG, otelc_strerror(st));
        return 1;
    }
    run.provider = otelc_tracer_provider_global();
    describe_setup(&run);

    /* Modes run one after the other; each has its own threads and clock. */
    int rc = 0;
    for (size_t i = 0; i < sizeof g_modes / sizeof g_modes[0] && rc == 0; i++) {
        if (!g_modes[i].enabled(c) || run.ndrives == TG_MAX_MODES)
            continue;
        rc = drive(&run, &run.drives[run.ndrives++], &g_modes[i]);
    }

    uint64_t t0 = mono_ns();
    run.flush_status = otelc_force_flush((uint32_t)c->timeout_ms);
    uint64_t t1 = mono_ns();
    run.flush_ns = t1 - t0;
    for (size_t i = 0; i < run.ndrives; i++)
        run.drives[i].mode->after_flush(&run);
    if (c->linger > 0 && rc == 0) {
        /* --linger: the endpoint keeps serving the final numbers (a
         * Prometheus scrape or a look with curl) before shutdown. */
        if (run.serving[0]) {
            fprintf(stderr, "%s: load done; serving for %.3g s more%s\n", PROG,
                    c->linger, run.serving);
            sleep_until(mono_ns() + (uint64_t)(c->linger * 1e9));
        } else {
            fprintf(stderr,
                    "%s: --linger: nothing is served (use --metrics "
                    "with METRICS_ENABLED=true)\n",
                    PROG);
        }
    }
    t1 = mono_ns();
    run.shutdown_status = otelc_shutdown((uint32_t)c->timeout_ms);
    run.shutdown_ns = mono_ns() - t1;
    for (size_t i = 0; i < run.ndrives; i++)
        run.drives[i].mode->after_shutdown(&run);
    for (size_t i = 0; i < run.ndrives && rc == 0; i++)
        run.drives[i].mode->summarize(&run, &run.drives[i], stdout);
    for (size_t i = 0; i < run.ndrives; i++) {
        run.drives[i].mode->teardown(&run);
        drive_free(&run.drives[i]);
    }
    return rc;
}

int main(int argc, char **argv) {
    tg_config cfg = {
        .traces = UNLIMITED,
        .depth = 3,
        .attrs = 4,
        .threads = 1,
        .timeout_ms = 30000,
    };
    const char **operands = calloc((size_t)argc + 1, sizeof *operands);
    size_t noperands = 0;
    if (!operands)
        return 1;
    int rc = cli_parse(PROG, g_options, NOPTIONS, argc, argv, &cfg, operands,
                       &noperands);
    if (rc == 0 && noperands)
        rc = cli_fail(PROG, "unexpected argument '%s'", operands[0]);
    free(operands);
    if (rc)
        return rc;
    if (cfg.help) {
        cli_usage(stdout, PROG " [OPTIONS]", g_summary, g_options, NOPTIONS,
                  g_epilog);
        return 0;
    }
    if (cfg.version) {
        printf("%s (otelc %s)\n", PROG, otelc_version());
        return 0;
    }
    if (cfg.traces == UNLIMITED && cfg.duration == 0)
        cfg.traces = 1000;

    if (!probe_exporters(&cfg))
        return 1;

    /* Ctrl-C ends the run early but still flushes and prints the summary;
     * a second one kills the process (SA_RESETHAND). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return run_all(&cfg);
}
