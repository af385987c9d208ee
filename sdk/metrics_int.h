/*
 * sdk/metrics_int.h - the metrics SDK's internals: providers, meters,
 * instruments, series and readers.  Not installed.
 *
 * Shape.  A provider owns meters; a meter owns instruments; an instrument
 * owns its series, one per distinct attribute set.  A series holds the
 * attribute set (copied) and the cells that measurements update with
 * atomic instructions.  Series are found through the instrument's
 * open-addressing table of series pointers, keyed by a hash of the
 * attribute set; the table is read without locks and written under the
 * instrument's insert lock.  When it grows, the old table is kept (never
 * written again) so a thread still probing it reads valid memory; such a
 * thread may miss a series inserted since, and then finds it under the
 * insert lock.  Series and tables are freed only with the provider.
 *
 * Collection never touches the tables: it walks each instrument's
 * append-only series list and reads the cells with atomic loads, so a
 * scrape never holds a recording thread.  Per-reader memory for delta
 * temporality (the last cumulative values) hangs off each series and is
 * touched only under the provider's collect lock.
 */
#ifndef OTELC_SDK_METRICS_INT_H
#define OTELC_SDK_METRICS_INT_H

#include <pthread.h>

#include "sdk/internal.h"

#include "otelc/metrics.h"

#define OTELC__MAX_READERS 4
/* Measurements with more attributes than this use the generic lookup. */
#define OTELC__FAST_ATTRS 8
/* Attributes kept per measurement; more are dropped with a diagnostic. */
#define OTELC__MAX_METRIC_ATTRS 64
#define OTELC__MAX_BOUNDS 256

/* Exemplar modes, as an instrument caches them. */
enum { OTELC__EX_OFF = 0, OTELC__EX_TRACE = 1, OTELC__EX_ALWAYS = 2 };

/* One exemplar slot: a seqlock around the last measurement kept.  seq is
 * 0 while the slot was never written, odd while a writer is inside.  A
 * writer that finds the slot busy skips (the latest-wins reservoir
 * tolerates losing a race), so writers never wait. */
typedef struct otelc__exslot {
    _Atomic uint32_t seq;
    _Atomic uint64_t time;
    _Atomic uint64_t value; /* double bits */
    _Atomic uint64_t tid_hi;
    _Atomic uint64_t tid_lo;
    _Atomic uint64_t sid;
} otelc__exslot;

/* The signature of one stored attribute, in the order the first
 * measurement gave it, which the fast lookup compares against a call's
 * attributes without touching the strings when they are short. */
typedef struct otelc__sattr {
    uint64_t kw; /* key signature word (see metrics_record.c) */
    uint64_t vw; /* string: signature word; int/bool: value; double:
                    bits */
    uint32_t klen;
    uint32_t vlen; /* strings */
    uint8_t vtype;
    const char *key; /* the series' copy */
    const char *str; /* the series' copy of a string value */
} otelc__sattr;

/* Attribute sets of at most this many pairs can use the pointer cache. */
#define OTELC__PCACHE_ATTRS 4
#define OTELC__PCACHE_SLOTS 64

/* One pair of a call's pointer signature (see metrics_record.c). */
typedef struct otelc__psig {
    _Atomic uint64_t key; /* the key's address */
    _Atomic uint64_t tl;  /* the value's type and length fields */
    _Atomic uint64_t val; /* the value's union bits */
} otelc__psig;

/* What a delta reader last reported for a series. */
typedef struct otelc__reader_mem {
    bool seen;
    otelc_time_ns last_time;
    int64_t last_i;
    double last_d;
    double last_sum;
    uint64_t *last_counts; /* histograms: nbounds + 1 */
} otelc__reader_mem;

/* Cells are striped: a thread updates the stripe of its index (modulo
 * OTELC__STRIPES), each on a cache line of its own, and a collection adds
 * the stripes up.  Threads recording on one series then rarely share a
 * line: the cost of a hot series stays flat as threads are added. */
#define OTELC__STRIPES 4
typedef struct otelc__stripe {
    _Alignas(OTELC_CACHELINE) _Atomic int64_t i; /* sums; int gauges */
    _Atomic uint64_t d;   /* sums: double part; gauges: value bits;
                             histograms: sum bits */
    _Atomic uint64_t min; /* histograms: double bits */
    _Atomic uint64_t max;
    _Atomic uint64_t *counts; /* histograms: nbounds + 1 buckets */
    _Atomic uint32_t set;     /* gauges (stripe 0): a value was recorded */
} otelc__stripe;

typedef struct otelc__series {
    /* The cells: the only memory recording threads write, striped by
     * thread (see metrics_record.c); gauges and observables use stripe 0.
     * First, so that a stripe's address is the series' plus index * 64. */
    otelc__stripe st[OTELC__STRIPES];
    /* Read by every lookup. */
    uint64_t hash;
    uint32_t nattrs;
    uint8_t overflow; /* the otel.metric.overflow=true series */
    uint8_t complex;  /* attribute types the fast lookup does not compare */
    const otelc__sattr *sig;
    /* The export view: sorted by key, deep copies. */
    otelc_attribute *attrs;
    struct otelc__series *next; /* the instrument's list (collector) */
    otelc_time_ns start_time;
    uint64_t obs_gen;        /* observables: last collection observed */
    otelc__reader_mem *rmem; /* OTELC__MAX_READERS entries, or NULL */
    otelc__exslot *ex;       /* histograms: one per bucket; else &ex1 */
    otelc__exslot ex1;       /* the exemplar of a sum */
    /* The pointer signature of a call site that reached this series with
     * immutable strings (see metrics_record.c), under a seqlock. */
    _Atomic uint64_t phdr;
    otelc__psig psig[OTELC__PCACHE_ATTRS];
} otelc__series;

typedef struct otelc__stable {
    uint32_t mask;
    struct otelc__stable *prev; /* retired tables, freed with the instrument */
    _Atomic(otelc__series *) slot[];
} otelc__stable;

typedef struct otelc__instr {
    /* Hot: read by every measurement. */
    _Atomic uint32_t enabled;
    uint8_t kind;      /* otelc_instrument_kind */
    uint8_t exemplars; /* OTELC__EX_* */
    uint8_t is_int;    /* reported values are integers */
    uint8_t pad_;
    uint32_t nbounds;
    const double *bounds;
    _Atomic(otelc__stable *) table;
    _Atomic(otelc__series *) noattr; /* the empty set's series */
    _Atomic(otelc__series *) overflow;
    _Atomic uint32_t full; /* no room for new series */
    /* Series by the pointer signature of a call (see metrics_record.c). */
    _Atomic(otelc__series *) pcache[OTELC__PCACHE_SLOTS];
    /* Cold. */
    pthread_mutex_t lock; /* inserts */
    _Atomic(otelc__series *) head;
    uint32_t nseries;
    uint32_t limit;
    char *name;
    char *unit;
    char *description;
    double *bounds_owned;
    struct otelc_meter *meter;
    otelc_observable_callback cb;
    void *cb_user;
    _Atomic(struct otelc__instr *) next; /* the meter's list */
    otelc__ratelimit rl_value;
    otelc__ratelimit rl_attrs;
    otelc__ratelimit rl_overflow;
    otelc__ratelimit rl_full;
} otelc__instr;

/* The public handle types are the instrument itself. */
struct otelc_counter {
    otelc__instr base;
};
struct otelc_updown_counter {
    otelc__instr base;
};
struct otelc_gauge {
    otelc__instr base;
};
struct otelc_histogram {
    otelc__instr base;
};
struct otelc_observable {
    otelc__instr base;
};

struct otelc_observer {
    otelc__instr *in;
    uint64_t gen;
};

struct otelc_meter {
    otelc_meter_provider *provider;
    otelc_scope_info scope;
    char *name;
    char *version;
    _Atomic(otelc__instr *) instrs; /* append-only, creation order */
    otelc__instr *tail;             /* under the provider lock */
    _Atomic(struct otelc_meter *) next;
};

/* Built-in observable sets registered on a provider (bits). */
enum {
    OTELC__REG_PROCESS = 1,
    OTELC__REG_SYSTEM = 2,
    OTELC__REG_SDK = 4,
    OTELC__REG_HTTP = 8
};

struct otelc_meter_provider {
    bool global;
    _Atomic uint32_t enabled;
    _Atomic int shut;
    _Atomic int leak; /* an abandoned worker may still read our memory */
    uint8_t exemplars;
    uint32_t limit;
    pthread_mutex_t lock;         /* meters, instruments, readers */
    pthread_mutex_t collect_lock; /* collections, reader memory */
    otelc_resource *resource;
    _Atomic(otelc_meter *) meters; /* append-only */
    otelc_meter *meters_tail;
    otelc_metric_reader *readers[OTELC__MAX_READERS];
    uint64_t gen;        /* collection generation (collect_lock) */
    uint32_t registered; /* OTELC__REG_* */
    /* Resources replaced by otelc_init() on the global provider, kept
     * because an abandoned exporter may still read one. */
    struct otelc__retired_res *retired;
    /* Memory that callbacks' user data live in, freed with the provider. */
    struct otelc__owned *owned;
};

typedef struct otelc__owned {
    void *ptr;
    void (*free_fn)(void *);
    struct otelc__owned *next;
} otelc__owned;
/* Free ptr with free_fn when the provider is freed (the global provider
 * never is).  For callback user data that instruments borrow. */
void otelc__provider_own(otelc_meter_provider *p, void *ptr,
                         void (*free_fn)(void *));

/* ---- readers and exporters (sdk/metrics_reader.c) ---- */
enum { OTELC__READER_PULL = 1, OTELC__READER_PERIODIC = 2 };

struct otelc_metric_exporter {
    const otelc_metric_exporter_ops *ops;
    void *state;
    _Atomic int shut;
};

typedef struct otelc__preader otelc__preader; /* the periodic worker */

struct otelc_metric_reader {
    int type;
    otelc_meter_provider *provider;   /* set when added */
    int index;                        /* slot in the provider */
    otelc_temporality temporality[8]; /* by instrument kind */
    otelc__preader *worker;           /* periodic readers */
    _Atomic uint64_t collections;
    bool detached; /* removed from its provider (collect lock) */
};

/* Collect for `reader` (sdk/metrics_collect.c): run the callbacks, build
 * the data and call fn with it.  Takes the provider's collect lock. */
otelc_status otelc__metrics_collect(otelc_metric_reader *reader,
                                    otelc_metrics_collect_fn fn, void *user);
/* Clear every series' memory of reader slot `index` (collect lock held). */
void otelc__metrics_forget_reader(otelc_meter_provider *p, int index);

/* Periodic readers (sdk/metrics_reader.c). */
otelc_status otelc__reader_start(otelc_metric_reader *r);
otelc_status otelc__reader_flush(otelc_metric_reader *r, uint64_t deadline);
/* Stop: final export, then join or abandon.  Returns OTELC_ETIMEDOUT when
 * abandoned (the provider must then leak rather than free). */
otelc_status otelc__reader_shutdown(otelc_metric_reader *r, uint64_t deadline);
void otelc__reader_destroy(otelc_metric_reader *r);

/* ---- recording (sdk/metrics_record.c) ---- */
/* Learn the main program's read-only address range (once; before the
 * first measurement: instrument creation calls it). */
void otelc__metrics_ro_init(void);
/* The series for an attribute set, inserted when new (NULL only when
 * memory is exhausted). */
otelc__series *otelc__series_get(otelc__instr *in, const otelc_attribute *a,
                                 size_t n);
void otelc__series_free(otelc__instr *in, otelc__series *s);
/* Read an exemplar slot; false when empty or busy. */
bool otelc__exslot_read(const otelc__exslot *x, otelc_exemplar *out,
                        bool is_int);

/* ---- the global provider and otelc_init() (sdk/metrics.c) ---- */
/* Give the global provider its resource (taken) and turn recording on or
 * off per METRICS_ENABLED; registers the built-in instruments. */
void otelc__metrics_global_start(otelc_resource *resource);
/* Final export, remove the readers, turn recording off. */
otelc_status otelc__metrics_global_stop(uint64_t deadline_mono_ns);
/* The metrics part of otelc_init()/otelc_shutdown()
 * (exporters/metric_registry.c): the global provider's resource, readers,
 * built-in instruments, and the /metrics + /health server. */
void otelc__metrics_setup(void);
otelc_status otelc__metrics_teardown(uint64_t deadline_mono_ns);
otelc_status otelc__meter_provider_remove_reader(otelc_meter_provider *p,
                                                 otelc_metric_reader *r,
                                                 uint64_t deadline);

/* The meter of otelc's own instruments ("otelc") on a provider: where
 * other pipelines add observable instruments over their stats (the log
 * pipeline's records emitted/dropped, for instance). */
otelc_meter *otelc__self_meter(otelc_meter_provider *p);

/* Instrument kinds that report monotonic sums. */
static inline bool otelc__kind_monotonic(int kind) {
    return kind == OTELC_INSTRUMENT_COUNTER ||
           kind == OTELC_INSTRUMENT_OBSERVABLE_COUNTER;
}
static inline bool otelc__kind_observable(int kind) {
    return kind >= OTELC_INSTRUMENT_OBSERVABLE_COUNTER;
}

static inline double otelc__bits_to_double(uint64_t b) {
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}
static inline uint64_t otelc__double_to_bits(double d) {
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

#endif /* OTELC_SDK_METRICS_INT_H */
