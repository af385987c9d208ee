/*
 * sdk/log_int.h - the log pipeline's internals: loggers, the record as it
 * travels from the calling thread to the log worker, per-thread state, the
 * pipeline and its sinks.  Not installed.
 *
 * Flow.  sdk/log.c (calling thread): level test, sampling, filters, then
 * the record is packed - header, attribute array and every string - into
 * one block carved from the thread's current 64 KiB chunk, and pushed onto
 * the pipeline's batcher (sdk/batcher.c, per-thread SPSC rings).
 * sdk/log_pipeline.c (the "otelc-log" worker): drains batches, removes
 * duplicate keys, formats each record once per format needed
 * (sdk/log_format.c), hands the lines to the sinks (sdk/log_sink_*.c) and
 * pushes the records on to each log exporter's own batcher.  The last
 * holder releases the record (otelc__log_rec_release), which gives its
 * bytes back to the chunk; a chunk whose records are all released returns
 * to its thread for reuse.
 */
#ifndef OTELC_SDK_LOG_INT_H
#define OTELC_SDK_LOG_INT_H

#include <pthread.h>

#include "sdk/batcher_int.h"
#include "sdk/internal.h"
#include "sdk/json_int.h"
#include "sdk/thread_int.h"

#include "otelc/log.h"

#define OTELC__LOG_NLEVELS 6
/* 0..5 for severity numbers 1..24. */
static inline unsigned otelc__log_level_index(unsigned level) {
    return level >= 1 && level <= 24 ? (level - 1) / 4 : 5;
}
/* Sampling thresholds compare with 32 random bits: keep when r < t. */
#define OTELC__LOG_SAMPLE_ALL (1ull << 32)

/* ---- loggers (sdk/log.c) ---- */
typedef struct otelc__log_filter {
    unsigned mask;
    otelc_log_filter_fn fn;
    void *arg;
} otelc__log_filter;

/* Immutable once published; replaced (and the old one retired, never
 * freed, since a caller may still be reading it) when filters change. */
typedef struct otelc__log_filters {
    size_t n;
    struct otelc__log_filters *retired_next;
    otelc__log_filter f[];
} otelc__log_filters;

struct otelc_logger {
    struct otelc__logger_head head; /* effective threshold: must be first */
    unsigned char explicit_level;   /* otelc_logger_set_level, 0 = inherit */
    unsigned char configured;       /* threshold while running */
    _Atomic uint64_t sample[OTELC__LOG_NLEVELS]; /* effective thresholds */
    double own_rate[OTELC__LOG_NLEVELS];         /* < 0 = inherit */
    _Atomic(otelc__log_filters *) filters;
    otelc_scope_info scope; /* name = the logger's name, version "" */
    struct otelc_logger *next;
};

/* ---- records ---- */
typedef struct otelc__log_chunk otelc__log_chunk;
typedef struct otelc__log_thread otelc__log_thread;

typedef struct otelc__log_rec {
    otelc_log_record_data d; /* must stay first: exporters see &rec->d */
    otelc__log_chunk *chunk; /* NULL = a heap block of its own */
    _Atomic uint32_t refs;   /* the worker, then each exporter's queue */
    uint32_t attr_cap;       /* entries in the attribute array */
} otelc__log_rec;

/* Records are carved from 64 KiB chunks.  `live` counts outstanding
 * records with a bias: releases subtract 1 as they happen, and the owner
 * adds the number it carved when it retires the chunk (moves on to the
 * next), so the count reaches exactly 0 once - either in the owner's add
 * or in the last release - and whoever sees 0 recycles the chunk. */
struct otelc__log_chunk {
    _Atomic int64_t live;
    otelc__log_thread *owner;
    otelc__log_chunk *next; /* spare / returned lists */
    _Alignas(16) unsigned char data[];
};
#define OTELC__LOG_CHUNK_BYTES (64u * 1024u)
#define OTELC__LOG_CHUNK_DATA                                                  \
    (OTELC__LOG_CHUNK_BYTES - offsetof(otelc__log_chunk, data))

void otelc__log_rec_release(otelc__log_rec *r);
/* Release many: one atomic per record plus one per recycled chunk. */
void otelc__log_rec_release_batch(otelc__log_rec *const *recs, size_t n);

/* ---- per-thread state (sdk/log.c), hung off otelc__thread.log ---- */
typedef struct otelc__log_ctx_ent {
    uint32_t key_off;
    uint32_t key_len;
    otelc_value_type type;
    uint32_t len; /* strings */
    union {
        int64_t i;
        double d;
        bool b;
        uint32_t off; /* strings: offset in ctx_buf */
    } u;
} otelc__log_ctx_ent;

struct otelc__log_thread {
    otelc__log_chunk *cur; /* chunk being carved, or NULL */
    uint32_t used;         /* bytes carved from cur */
    uint32_t carved;       /* records carved from cur */
    otelc__log_chunk *spare;
    uint32_t nspare;
    _Atomic(otelc__log_chunk *) returned; /* recycled by other threads */
    /* Bound context: entries, and their strings in one buffer. */
    otelc__log_ctx_ent *ctx;
    uint32_t ctx_n, ctx_cap;
    char *ctx_buf;
    uint32_t ctx_len, ctx_buf_cap;
    /* Single-writer counters, summed by otelc_log_get_stats(). */
    _Atomic uint64_t sampled_out, filtered_out, truncated, waits, nomem;
    otelc__log_thread *next_all;
};

/* ---- the pipeline (sdk/log_pipeline.c) ---- */
typedef enum otelc__log_fmt {
    OTELC__FMT_JSON = 0,
    OTELC__FMT_TEXT = 1,       /* plain */
    OTELC__FMT_TEXT_COLOR = 2, /* ANSI colours, for a terminal */
    OTELC__FMT_COUNT
} otelc__log_fmt;

/* One batch as the sinks see it: records and their formatted lines (each
 * ending in '\n'), formatted on first request. */
typedef struct otelc__log_batch {
    otelc__log_rec *const *recs;
    size_t n;
    struct otelc__log_pipeline *pipe;
    bool have[OTELC__FMT_COUNT];
    otelc__buf lines[OTELC__FMT_COUNT];
    size_t *off[OTELC__FMT_COUNT]; /* n + 1 offsets into lines[] */
    size_t off_cap[OTELC__FMT_COUNT];
} otelc__log_batch;

/* Format the batch's lines in `fmt` if not done yet; false when memory is
 * exhausted (the sink then counts the batch as failed). */
bool otelc__log_batch_format(otelc__log_batch *b, otelc__log_fmt fmt);
static inline const char *otelc__log_batch_line(const otelc__log_batch *b,
                                                otelc__log_fmt fmt, size_t i,
                                                size_t *len) {
    *len = b->off[fmt][i + 1] - b->off[fmt][i];
    return b->lines[fmt].data + b->off[fmt][i];
}

/* Counters of a sink (written by the worker, read by anyone). */
typedef struct otelc__log_sink_counters {
    _Atomic uint64_t written, failed, errors, bytes, rotations, truncated;
} otelc__log_sink_counters;

/* A built-in sink: runs on the log worker only. */
typedef struct otelc__log_sink otelc__log_sink;
struct otelc__log_sink {
    const char *name;
    void (*write)(otelc__log_sink *s, otelc__log_batch *b);
    /* Push out what the sink buffers (TCP syslog), until the deadline. */
    void (*flush)(otelc__log_sink *s, uint64_t deadline_mono_ns);
    void (*reopen)(otelc__log_sink *s);
    /* Release descriptors and buffers; the object (and its counters)
     * stays. */
    void (*close)(otelc__log_sink *s);
    otelc__log_sink_counters c;
    otelc__ratelimit rl;
};

otelc__log_sink *otelc__log_sink_console_new(otelc__log_fmt fmt);
/* NULL (with a diagnostic) when the file cannot be opened. */
otelc__log_sink *otelc__log_sink_file_new(const char *path, otelc__log_fmt fmt);
/* NULL (with a diagnostic) on a bad host or socket failure. */
otelc__log_sink *otelc__log_sink_syslog_new(otelc__log_fmt fmt,
                                            const char *service_name);

#define OTELC__LOG_MAX_EXPORTERS 8

/* The state of a log exporter made with `ops`, or NULL when e is NULL or
 * made with other ops: how an exporter module finds its own state behind
 * the opaque handle (the OTLP exporter's stats). */
void *otelc__log_exporter_state(const otelc_log_exporter *e,
                                const otelc_log_exporter_ops *ops);

typedef struct otelc__log_pipeline {
    otelc__batcher *b;
    const otelc_resource *resource;
    const char *service_name; /* owned by resource */
    /* Caller-side settings, fixed at start. */
    bool correlation;
    uint32_t attr_limit;      /* UINT32_MAX = none */
    uint32_t value_len_limit; /* 0 = none */
    uint32_t max_record;
    unsigned wait_level;
    uint32_t wait_ms;
    uint32_t fatal_ms;
    /* Worker side. */
    otelc__log_sink *sinks[3];
    size_t nsinks;
    struct {
        otelc_log_exporter *e;
        otelc__batcher *b;
    } exp[OTELC__LOG_MAX_EXPORTERS];
    _Atomic size_t nexp;
    otelc__log_batch batch;
    _Atomic uint64_t processed;
    struct otelc__log_pipeline *retired_next;
} otelc__log_pipeline;

extern _Atomic(otelc__log_pipeline *) otelc__log_pipe;
/* Set by otelc_log_reopen() (async-signal-safe), read by the worker. */
extern _Atomic int otelc__log_reopen_flag;

/* Hand a packed record to the pipeline; false = dropped and counted (the
 * record has been released). */
bool otelc__log_submit(otelc__log_pipeline *p, otelc__log_rec *r);

/* ---- formatting (sdk/log_format.c) ---- */
/* Append one line (with '\n') for the record. */
void otelc__log_format(otelc__buf *out, const otelc_log_record_data *r,
                       otelc__log_fmt fmt, const char *service_name);
/* RFC 3339 UTC with `digits` fractional digits (9 or 6): 20 + digits + 1
 * bytes at most, NUL-terminated; returns the length. */
size_t otelc__log_time(char *out, otelc_time_ns t, int digits);
/* Remove earlier duplicates of a key (the last one wins), in place. */
void otelc__log_dedupe(otelc__log_rec *r);

/* ---- parsing of "name=value,name=value" settings (sdk/log.c) ---- */
/* Calls fn for each trimmed pair; returns false and sets *err (static
 * text) at the first malformed member, after calling fn for the members
 * before it. */
bool otelc__log_parse_pairs(const char *s, size_t len,
                            bool (*fn)(const char *name, size_t nlen,
                                       const char *value, size_t vlen,
                                       void *arg),
                            void *arg, const char **err);

/* ---- lifecycle (called by sdk/init.c and sdk/thread.c) ---- */
/* Build the pipeline from configuration and turn the loggers on. */
void otelc__log_start(const otelc_resource *resource);
/* Turn the loggers off and write everything queued by the deadline. */
otelc_status otelc__log_stop(uint64_t deadline_mono_ns);
otelc_status otelc__log_flush_until(uint64_t deadline_mono_ns);
/* Loggers: recompute thresholds and sampling from configuration (running)
 * or turn every logger off. */
void otelc__log_loggers_apply(bool running);
/* A thread's state is reset when it exits (sdk/thread.c). */
void otelc__log_thread_exit(otelc__log_thread *lt);
/* Sum the per-thread counters. */
void otelc__log_thread_counters(uint64_t *sampled, uint64_t *filtered,
                                uint64_t *truncated, uint64_t *waits,
                                uint64_t *nomem);

/* Test hook: added to the wall clock when the file sink decides on daily
 * rotation. */
extern _Atomic int64_t otelc__log_test_day_offset_ns;

#endif /* OTELC_SDK_LOG_INT_H */
