/*
 * otelc/log.h - structured logging correlated with traces.
 *
 *   OTELC_LOG_INFO("User login", "user_id", 123, "username", "john");
 *   OTELC_LOG_CONTEXT("request_id", id) {        // on every record inside
 *       OTELC_LOG_TIMER("database_query") {      // logs duration_ms at the end
 *           ...
 *       }
 *   }
 *   if (fd < 0)
 *       OTELC_LOG_ERRNO("cannot open config", errno, "path", path);
 *
 * Model.  A record is a message plus typed key/value fields (string,
 * int64, double, bool).  Records are made by named loggers, each with its
 * own threshold (LOG_LEVEL sets the default, OTELC_LOG_LEVELS per name).
 * Levels are OpenTelemetry SeverityNumbers: TRACE 1, DEBUG 5, INFO 9,
 * WARN 13, ERROR 17, FATAL 21.  A record made while a span is current
 * carries that span's trace_id, span_id and trace_flags; with
 * LOG_CORRELATION_ID on it also carries the thread's request id
 * (otelc_request_id_set(), which the server instrumentation calls).
 *
 * Cost.  The OTELC_LOG_* macros test the level first, with an inline read
 * of the logger's cached threshold: a record below the threshold costs a
 * handful of instructions and evaluates none of its arguments.  An enabled
 * record is copied on the calling thread into a compact form (no printf
 * parsing) and pushed onto a bounded per-thread queue; a background log
 * worker formats it (JSON or text) and writes the sinks in batches:
 * console (stderr), file (with rotation), syslog (RFC 5424), plus log
 * exporters (Elasticsearch, OTLP) on their own workers.  The caller never
 * waits on I/O.  When its queue is full a record is dropped and counted,
 * except that records at or above LOG_QUEUE_FULL_WAIT_LEVEL wait up to
 * LOG_QUEUE_FULL_WAIT_MS for room (0 = never wait).  A FATAL record is
 * written synchronously: the call returns once every sink has it (bounded
 * by LOG_FATAL_FLUSH_TIMEOUT).  otelc_shutdown() writes everything queued
 * before it returns, within its deadline.
 *
 * Before otelc_init() and after otelc_shutdown() every logger is off: the
 * calls return at once and do nothing.
 *
 * The macros use the logger named by OTELC_LOGGER, which defaults to the
 * root logger; #define OTELC_LOGGER to your own otelc_logger * expression
 * before including this header, or use the OTELC_LOGGER_* forms that take
 * a logger.  The field macros need C11 _Generic (C only; C++ code calls
 * otelc_log_emit() with an otelc_attribute array).
 */
#ifndef OTELC_LOG_H
#define OTELC_LOG_H

#include <stdarg.h>

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/export.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels; the values are OpenTelemetry SeverityNumbers. */
typedef enum otelc_log_level {
    OTELC_LOG_INHERIT = 0, /* otelc_logger_set_level: back to configuration */
    OTELC_LOG_TRACE = 1,
    OTELC_LOG_DEBUG = 5,
    OTELC_LOG_INFO = 9,
    OTELC_LOG_WARN = 13,
    OTELC_LOG_ERROR = 17,
    OTELC_LOG_FATAL = 21,
    OTELC_LOG_OFF = 255 /* a threshold that lets nothing through */
} otelc_log_level;

typedef struct otelc_logger otelc_logger;

/* The first member of every logger, visible so that the level test can be
 * inline.  Not API: read it only through otelc_log_enabled(). */
struct otelc__logger_head {
    unsigned char threshold;
};

/**
 * otelc_log_enabled - true when `logger` would record a record at `level`
 * (its threshold, and otelc being initialised).  Sampling and filters are
 * applied later.  The OTELC_LOG_* macros call this before evaluating any
 * argument.
 * @param logger  never NULL (otelc_logger_root() or otelc_logger_get()).
 * Thread-safety: any thread.  Blocking: never (one load).  Since: 0.1.
 */
static inline bool otelc_log_enabled(const otelc_logger *logger,
                                     otelc_log_level level) {
    return (unsigned)level >=
           __atomic_load_n(
               &((const struct otelc__logger_head *)(const void *)logger)
                    ->threshold,
               __ATOMIC_RELAXED);
}

/* ---- Loggers ------------------------------------------------------------- */

/**
 * otelc_logger_root - the root logger (name "root"), used by the
 * OTELC_LOG_* macros unless OTELC_LOGGER is defined.  Never NULL; lives
 * for the whole process.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_logger *otelc_logger_root(void) __attribute__((const));

/**
 * otelc_logger_get - the logger named `name` (for example a component:
 * "db", "http.server"), created on first use with the threshold that
 * OTELC_LOG_LEVELS gives its name (the longest matching dot-separated
 * prefix), else LOG_LEVEL.
 * @param name  copied; NULL or "" gives the root logger.
 * @return the same pointer for the same name; never NULL (the root logger
 *         when memory is exhausted).  Loggers live for the whole process.
 * Thread-safety: any thread.  Blocking: takes the logger-table lock (keep
 * the pointer; not for a hot path).  Since: 0.1.
 */
OTELC_API otelc_logger *otelc_logger_get(const char *name);

/** otelc_logger_name - the logger's name; borrowed for the process's
 *  lifetime.  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API const char *otelc_logger_name(const otelc_logger *logger);

/**
 * otelc_logger_set_level - set a logger's threshold: records below it are
 * discarded.  It survives otelc_shutdown()/otelc_init(); OTELC_LOG_INHERIT
 * goes back to what the configuration says.  OTELC_LOG_OFF silences it.
 * Thread-safety: any thread; other threads see the change at once (a
 * record already past the test may still be written).  Blocking: takes
 * the logger-table lock.  Since: 0.1.
 */
OTELC_API void otelc_logger_set_level(otelc_logger *logger,
                                      otelc_log_level level);

/** otelc_logger_get_level - the logger's configured threshold (what it
 *  uses while otelc is initialised).  Thread-safety: any thread.
 *  Blocking: takes the logger-table lock briefly.  Since: 0.1. */
OTELC_API otelc_log_level otelc_logger_get_level(const otelc_logger *logger);

/**
 * otelc_log_level_name - "TRACE", "DEBUG", "INFO", "WARN", "ERROR",
 * "FATAL" for the six levels and the severity numbers in their ranges
 * (1-4 TRACE ... 21-24 FATAL); "OFF" above.  Static string.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API const char *otelc_log_level_name(otelc_log_level level);

/**
 * otelc_log_level_parse - parse a level name (case-insensitive): TRACE,
 * DEBUG, INFO, WARN or WARNING, ERROR, FATAL or CRITICAL, OFF.
 * @return OTELC_OK, or OTELC_EPARSE (and *level untouched).
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_log_level_parse(const char *name,
                                             otelc_log_level *level);

/* ---- Making records ------------------------------------------------------ */

/**
 * otelc_log_emit - make a record: `message` plus `count` fields.
 *
 * Everything is copied before the call returns; the record goes to the log
 * worker (see the file comment).  Fields with a NULL or empty key are
 * skipped; a string value that is NULL is recorded as null.  Strings are
 * NUL-terminated unless value.len is non-zero.  The thread's bound context
 * (OTELC_LOG_CONTEXT) comes before the fields, the request id before both;
 * a later key replaces an earlier one of the same name.  Beyond
 * OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT fields are dropped (and counted in
 * the record), strings beyond OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT
 * characters are truncated, and a record whose strings exceed
 * LOG_MAX_RECORD_SIZE bytes is truncated to fit (counted).
 * @param logger   NULL = the root logger.
 * @param message  NULL is recorded as "".
 * Thread-safety: any thread.  Blocking: never, except as configured for a
 * full queue (LOG_QUEUE_FULL_WAIT_MS) and for FATAL (see the file comment).
 * Since: 0.1.
 */
OTELC_API void otelc_log_emit(otelc_logger *logger, otelc_log_level level,
                              const char *message,
                              const otelc_attribute *fields, size_t count);

/**
 * otelc_log_printf / otelc_log_vprintf - make a record whose message is
 * formatted by printf rules (no fields).  For convenience: the typed-field
 * form is cheaper and keeps values machine-readable.
 * Thread-safety: any thread.  Blocking: as otelc_log_emit().  Since: 0.1.
 */
OTELC_API void otelc_log_printf(otelc_logger *logger, otelc_log_level level,
                                const char *format, ...) OTELC_PRINTF(3, 4);
OTELC_API void otelc_log_vprintf(otelc_logger *logger, otelc_log_level level,
                                 const char *format, va_list ap)
    OTELC_PRINTF(3, 0);

/**
 * What went wrong, for otelc_log_error().  Zero-initialise; every field is
 * optional.  Fields are only ever appended.
 */
typedef struct otelc_log_error_info {
    int errnum;          /* an errno value, or 0 */
    const char *type;    /* error type, e.g. "TimeoutError"; NULL = the
                            errno name ("ENOENT") when errnum is set */
    const char *message; /* NULL = strerror(errnum) when errnum is set */
    bool backtrace;      /* add the calling thread's stack */
} otelc_log_error_info;

/**
 * otelc_log_error - make a record that describes an error: the fields
 * plus exception.type, exception.message (the OpenTelemetry semantic
 * convention names), errno (when errnum is set) and, when asked,
 * exception.stacktrace from backtrace(3) (one "frame" per line; symbol
 * names need -rdynamic).  Fields with no value are left out.
 * @param err  NULL = no error details (the same as otelc_log_emit()).
 * Thread-safety: any thread.  Blocking: as otelc_log_emit(); the first
 * backtrace in a process may load libgcc.  Since: 0.1.
 */
OTELC_API void otelc_log_error(otelc_logger *logger, otelc_log_level level,
                               const char *message,
                               const otelc_log_error_info *err,
                               const otelc_attribute *fields, size_t count);

/* ---- Bound context and timers -------------------------------------------- */

/** State of one OTELC_LOG_CONTEXT scope; lives in the caller's frame. */
typedef struct otelc_log_context_scope {
    uint32_t depth;
    int once;
} otelc_log_context_scope;

/**
 * otelc_log_context_push - bind fields to every record this thread makes
 * until the scope is popped (OTELC_LOG_CONTEXT does both).  Keys and
 * values are copied.  Scalar values only (string, int, double, bool);
 * other types are skipped.  Scopes nest; an inner key of the same name
 * shadows an outer one.
 * Thread-safety: the calling thread's context only.  Blocking: never
 * (grows a per-thread buffer when deeper than before).  Since: 0.1.
 */
OTELC_API otelc_log_context_scope
otelc_log_context_push(const otelc_attribute *fields, size_t count);

/**
 * otelc_log_context_pop - remove what the scope bound (and any scope
 * pushed after it and not popped, for instance after longjmp).
 * Idempotent.
 * Thread-safety: the pushing thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_log_context_pop(otelc_log_context_scope *scope);

/** otelc_log_context_depth - the number of fields bound on this thread
 *  now.  Thread-safety: calling thread.  Blocking: never.  Since: 0.1. */
OTELC_API uint32_t otelc_log_context_depth(void);

/** State of one OTELC_LOG_TIMER scope; lives in the caller's frame. */
typedef struct otelc_log_timer {
    otelc_logger *logger;
    const char *name;
    otelc_log_level level;
    uint64_t start_mono_ns; /* 0 when the level was disabled at start */
    int once;
} otelc_log_timer;

/**
 * otelc_log_timer_start - start timing a block (OTELC_LOG_TIMER).
 * @param name  borrowed until otelc_log_timer_end() (a literal is usual).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_log_timer otelc_log_timer_start(otelc_logger *logger,
                                                otelc_log_level level,
                                                const char *name);

/**
 * otelc_log_timer_end - make the timer's record: message = the name,
 * field duration_ms (a double, milliseconds with microsecond precision,
 * from the monotonic clock).  Idempotent.
 * Thread-safety: the thread that started it.  Blocking: as
 * otelc_log_emit().  Since: 0.1.
 */
OTELC_API void otelc_log_timer_end(otelc_log_timer *timer);

/* ---- Filters: sampling and predicates ------------------------------------ */

/** The bit of a level in a level mask (TRACE 0x01 ... FATAL 0x20). */
#define OTELC_LOG_MASK(level) (1u << ((((unsigned)(level)) - 1u) / 4u))
#define OTELC_LOG_MASK_ALL 0x3fu

/**
 * otelc_log_set_sample_rate - keep only a fraction `rate` (0..1) of the
 * records at `level` (decided per record at random, after the threshold
 * test and before anything is copied).  LOG_SAMPLING sets the same for
 * every logger from configuration ("DEBUG=0.1,TRACE=0").
 * @param logger  NULL = the default for every logger without its own rate.
 * @return OTELC_OK, or OTELC_EINVAL for a rate outside [0, 1] or a level
 *         that is not one of the six.
 * Thread-safety: any thread.  Blocking: takes the logger-table lock.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_log_set_sample_rate(otelc_logger *logger,
                                                 otelc_log_level level,
                                                 double rate);

/** What a filter sees: the record as the caller made it, before copying
 *  (the bound context and correlation fields are not included). */
typedef struct otelc_log_filter_input {
    const otelc_logger *logger;
    otelc_log_level level;
    const char *message;           /* never NULL */
    const otelc_attribute *fields; /* the caller's array; count entries */
    size_t field_count;
} otelc_log_filter_input;

/** A filter: return true to keep the record.  Called on the thread that
 *  makes the record; must not call back into otelc logging. */
typedef bool (*otelc_log_filter_fn)(const otelc_log_filter_input *record,
                                    void *arg);

/**
 * otelc_log_add_filter - keep a record at a level in `level_mask` only
 * when `fn` returns true (the guide's ConditionalLogger).  Every filter
 * that applies must agree.  Filters are tested after sampling.
 * @param logger  NULL = every logger.
 * @param arg     passed to fn; borrowed until the filter is removed.
 * @return OTELC_OK, OTELC_EINVAL (NULL fn, empty mask) or OTELC_ENOMEM.
 * Thread-safety: any thread; records being made concurrently may or may
 * not see the new filter.  Blocking: takes the logger-table lock.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_log_add_filter(otelc_logger *logger,
                                            unsigned level_mask,
                                            otelc_log_filter_fn fn, void *arg);

/** otelc_log_clear_filters - remove the filters added for `logger` (NULL =
 *  the filters for every logger).  A filter call already running on
 *  another thread may finish after this returns.
 *  Thread-safety: any thread.  Blocking: takes the logger-table lock.
 *  Since: 0.1. */
OTELC_API void otelc_log_clear_filters(otelc_logger *logger);

/**
 * otelc_log_field_find - the value of the last field named `key` in an
 * array of fields (for filters), or NULL.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API const otelc_value *otelc_log_field_find(const otelc_attribute *fields,
                                                  size_t count,
                                                  const char *key);

/* ---- The pipeline -------------------------------------------------------- */

/**
 * otelc_log_flush - write everything logged so far to every sink and
 * exporter.
 * @return OTELC_OK, or OTELC_ETIMEDOUT when something was not done within
 *         timeout_ms (the call returns by then regardless).
 * Thread-safety: any thread.  Blocking: yes, up to timeout_ms.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_log_flush(uint32_t timeout_ms);

/**
 * otelc_log_reopen - ask the file sink to close and reopen LOG_FILE before
 * its next write, for an external logrotate that renamed the file:
 *   static void on_hup(int sig) { (void)sig; otelc_log_reopen(); }
 * Async-signal-safe: it only sets a flag that the log worker reads.
 * Thread-safety: any thread or signal handler.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API void otelc_log_reopen(void);

/** Counters of the log pipeline since otelc_init().  Monotonic except
 *  queue_depth.  Per-thread parts are summed when read. */
typedef struct otelc_log_stats {
    uint64_t records_emitted;    /* accepted into the queue */
    uint64_t records_processed;  /* taken from the queue by the worker */
    uint64_t dropped_queue_full; /* the caller's queue was full */
    uint64_t dropped_shutdown;   /* made during or after shutdown, or still
                                    queued when its deadline passed */
    uint64_t sampled_out;        /* discarded by per-level sampling */
    uint64_t filtered_out;       /* discarded by a filter */
    uint64_t truncated;          /* records cut to LOG_MAX_RECORD_SIZE */
    uint64_t queue_full_waits;   /* calls that waited for room */
    uint64_t dropped_no_memory;  /* no memory for the record */
    uint64_t queue_depth;        /* records waiting now (approximate) */
} otelc_log_stats;

/** otelc_log_get_stats - copy the pipeline's counters: those of the
 *  running pipeline, or of the last one after otelc_shutdown() (until the
 *  next otelc_init()); zero before the first otelc_init().
 *  Thread-safety: any thread.  Blocking: takes the pipeline and thread
 *  registry locks briefly.  Since: 0.1. */
OTELC_API void otelc_log_get_stats(otelc_log_stats *out);

/** Counters of one sink ("console", "file", "syslog") or log exporter
 *  ("elasticsearch", "otlp", ...). */
typedef struct otelc_log_sink_stats {
    char name[32];
    uint64_t records_written; /* written, sent or exported */
    uint64_t records_failed;  /* lost to an error of this sink or exporter
                                 (its queue full, a failed write...) */
    uint64_t errors;          /* failed operations (write, send, connect,
                                 export call) */
    uint64_t bytes_written;   /* sinks only */
    uint64_t rotations;       /* file sink only */
    uint64_t truncated;       /* syslog: messages cut to the size limit */
} otelc_log_sink_stats;

/**
 * otelc_log_get_sink_stats - counters of the i-th sink or exporter
 * (sinks first, in the order console, file, syslog, then exporters).
 * @return OTELC_OK, or OTELC_ENOTFOUND past the end (or before the first
 *         otelc_init()).  Counters stay readable after otelc_shutdown().
 * Thread-safety: any thread.  Blocking: takes the pipeline lock briefly.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_log_get_sink_stats(size_t index,
                                                otelc_log_sink_stats *out);

/* ---- Log exporters ------------------------------------------------------- */

/**
 * A log record as exporters see it: the OpenTelemetry log data model.
 * Every string is NUL-terminated and never NULL.  Fields are only ever
 * appended.
 */
typedef struct otelc_log_record_data {
    otelc_time_ns timestamp;          /* when the record was made */
    otelc_time_ns observed_timestamp; /* when otelc observed it (the same) */
    otelc_span_context span_context;  /* all zero when no span was current;
                                         trace_flags = the W3C flags */
    otelc_log_level severity_number;  /* 1..24 */
    const char *severity_text;        /* "INFO"... (static) */
    const char *body;                 /* the message */
    uint32_t body_len;
    uint32_t flags;                    /* OTELC_LOG_RECORD_* */
    const otelc_attribute *attributes; /* keys unique; strings have len */
    uint32_t attribute_count;
    uint32_t dropped_attribute_count;
    const otelc_scope_info *scope; /* name = the logger's name */
    const otelc_resource *resource;
    const char *event_name; /* "" when none */
} otelc_log_record_data;

/** otelc_log_record_data.flags: strings were cut to LOG_MAX_RECORD_SIZE. */
#define OTELC_LOG_RECORD_TRUNCATED 0x1u

/**
 * otelc_log_record_data_copy - deep-copy a record in one allocation (scope
 * and resource pointers are shared: they live as long as the pipeline).
 * Free with otelc_log_record_data_free().  NULL when memory is exhausted.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_log_record_data *
otelc_log_record_data_copy(const otelc_log_record_data *record);
/** otelc_log_record_data_free - free a copy; NULL is accepted.
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API void otelc_log_record_data_free(otelc_log_record_data *copy);

/**
 * otelc_log_format_json - append the record's JSON line (the LOG_FORMAT=
 * json format, with a trailing newline) to `out`, growing it with
 * realloc(3).  For exporters that ship the same lines (the Elasticsearch
 * exporter uses it).
 * @param out      *out is realloc'd; free it with free(3).
 * @param len,cap  in/out: bytes used and allocated.
 * @return OTELC_OK or OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_log_format_json(
    const otelc_log_record_data *record, char **out, size_t *len, size_t *cap);

/**
 * The operations of a log exporter, mirroring otelc_span_exporter_ops.
 * Only export_logs is required.  Each exporter runs on its own batching
 * worker fed by the log worker (OTEL_BLRP_* settings): export_logs is never
 * called concurrently and only from that worker; RETRYABLE makes the worker
 * retry the batch with backoff until OTEL_BLRP_EXPORT_TIMEOUT; FAILURE drops
 * it (counted).  Records are borrowed for the call; copy what you keep.
 */
typedef struct otelc_log_exporter_ops {
    const char *name; /* short: "otlp", "elasticsearch" */
    otelc_export_result (*export_logs)(
        void *state, const otelc_log_record_data *const *records, size_t count,
        otelc_export_context *ctx);
    otelc_status (*force_flush)(void *state, uint64_t deadline_mono_ns);
    void (*shutdown)(void *state, uint64_t deadline_mono_ns);
    void (*free_state)(void *state);
} otelc_log_exporter_ops;

typedef struct otelc_log_exporter otelc_log_exporter;

/**
 * otelc_log_exporter_new - wrap an ops table and its state.
 * @param ops    borrowed: must outlive the exporter (normally static).
 * @param state  owned from now on: ops->free_state frees it, even when
 *               this call fails.
 * @return the exporter, for otelc_log_add_exporter() (which takes it) or
 *         otelc_log_exporter_free(); NULL on bad arguments or no memory.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_log_exporter *
otelc_log_exporter_new(const otelc_log_exporter_ops *ops, void *state);

/** otelc_log_exporter_free - shut down and free an exporter that was not
 *  handed to the pipeline; NULL is accepted.  Thread-safety: any thread,
 *  not concurrently with other use of it.  Blocking: calls its shutdown
 *  (given 5 s).  Since: 0.1. */
OTELC_API void otelc_log_exporter_free(otelc_log_exporter *exporter);

/** otelc_log_exporter_name - the ops' name.  Thread-safety: any thread.
 *  Blocking: never.  Since: 0.1. */
OTELC_API const char *
otelc_log_exporter_name(const otelc_log_exporter *exporter);

/**
 * otelc_log_exporter_create - create a registered log exporter by name
 * ("elasticsearch", "otlp" ... as built), configured from the loaded
 * configuration.  otelc_init() does this for each name in
 * OTEL_LOGS_EXPORTER and for "elasticsearch" when ELASTICSEARCH_URL is set.
 * @return the exporter, or NULL with *status set: OTELC_ENOTFOUND (no such
 *         name), OTELC_EUNSUPPORTED (known but not built) or another
 *         error, with one diagnostic line.  "none" and "console" (the
 *         console sink) return NULL with OTELC_OK.
 * Thread-safety: any thread.  Blocking: may resolve host names.
 * Since: 0.1.
 */
OTELC_API otelc_log_exporter *otelc_log_exporter_create(const char *name,
                                                        otelc_status *status);

/**
 * otelc_log_add_exporter - add an exporter to the running pipeline: it
 * receives every record processed from now on, on its own worker.  Takes
 * ownership of `exporter`, even on failure.  At most 8.
 * @return OTELC_OK, OTELC_EINVAL, OTELC_EFULL, OTELC_ESTATE (otelc is not
 *         initialised) or OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: starts a thread.  Since: 0.1.
 */
OTELC_API otelc_status otelc_log_add_exporter(otelc_log_exporter *exporter);

/* ---- Macros -------------------------------------------------------------- */

#ifndef OTELC_LOGGER
#define OTELC_LOGGER otelc_logger_root()
#endif

#ifndef __cplusplus
/* Field values typed by _Generic: integers -> int64 (an unsigned value
 * above INT64_MAX wraps), floating -> double, bool -> bool, char * ->
 * string (NULL -> null).  Any other type is a compile-time error. */
/* (The typing rules are in otelc/common.h: OTELC__VALUE_OF.) */
#define OTELC__LOG_VALUE(v) OTELC__VALUE_OF(v)

/* Argument counting (0..32) and pairing: "k1", v1, "k2", v2 ... becomes
 * {"k1", value(v1)}, {"k2", value(v2)}, ...  An odd count is an error that
 * names the problem. */
#define OTELC__LOG_NARG(...)                                                   \
    OTELC__LOG_NARG_(_0, ##__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24,    \
                     23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10,   \
                     9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define OTELC__LOG_NARG_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11,     \
                         _12, _13, _14, _15, _16, _17, _18, _19, _20, _21,     \
                         _22, _23, _24, _25, _26, _27, _28, _29, _30, _31,     \
                         _32, N, ...)                                          \
    N
#define OTELC__LOG_CAT2(a, b) a##b
#define OTELC__LOG_CAT(a, b) OTELC__LOG_CAT2(a, b)
#define OTELC__LF(k, v) {(k), OTELC__LOG_VALUE(v)},
#define OTELC__LOG_FIELDS(...)                                                 \
    OTELC__LOG_CAT(OTELC__LF_, OTELC__LOG_NARG(__VA_ARGS__))(__VA_ARGS__)
#define OTELC__LF_ODD OTELC_LOG_fields_must_be_key_value_pairs
#define OTELC__LF_0()
#define OTELC__LF_1(...) OTELC__LF_ODD
#define OTELC__LF_2(k, v) OTELC__LF(k, v)
#define OTELC__LF_3(...) OTELC__LF_ODD
#define OTELC__LF_4(k, v, ...) OTELC__LF(k, v) OTELC__LF_2(__VA_ARGS__)
#define OTELC__LF_5(...) OTELC__LF_ODD
#define OTELC__LF_6(k, v, ...) OTELC__LF(k, v) OTELC__LF_4(__VA_ARGS__)
#define OTELC__LF_7(...) OTELC__LF_ODD
#define OTELC__LF_8(k, v, ...) OTELC__LF(k, v) OTELC__LF_6(__VA_ARGS__)
#define OTELC__LF_9(...) OTELC__LF_ODD
#define OTELC__LF_10(k, v, ...) OTELC__LF(k, v) OTELC__LF_8(__VA_ARGS__)
#define OTELC__LF_11(...) OTELC__LF_ODD
#define OTELC__LF_12(k, v, ...) OTELC__LF(k, v) OTELC__LF_10(__VA_ARGS__)
#define OTELC__LF_13(...) OTELC__LF_ODD
#define OTELC__LF_14(k, v, ...) OTELC__LF(k, v) OTELC__LF_12(__VA_ARGS__)
#define OTELC__LF_15(...) OTELC__LF_ODD
#define OTELC__LF_16(k, v, ...) OTELC__LF(k, v) OTELC__LF_14(__VA_ARGS__)
#define OTELC__LF_17(...) OTELC__LF_ODD
#define OTELC__LF_18(k, v, ...) OTELC__LF(k, v) OTELC__LF_16(__VA_ARGS__)
#define OTELC__LF_19(...) OTELC__LF_ODD
#define OTELC__LF_20(k, v, ...) OTELC__LF(k, v) OTELC__LF_18(__VA_ARGS__)
#define OTELC__LF_21(...) OTELC__LF_ODD
#define OTELC__LF_22(k, v, ...) OTELC__LF(k, v) OTELC__LF_20(__VA_ARGS__)
#define OTELC__LF_23(...) OTELC__LF_ODD
#define OTELC__LF_24(k, v, ...) OTELC__LF(k, v) OTELC__LF_22(__VA_ARGS__)
#define OTELC__LF_25(...) OTELC__LF_ODD
#define OTELC__LF_26(k, v, ...) OTELC__LF(k, v) OTELC__LF_24(__VA_ARGS__)
#define OTELC__LF_27(...) OTELC__LF_ODD
#define OTELC__LF_28(k, v, ...) OTELC__LF(k, v) OTELC__LF_26(__VA_ARGS__)
#define OTELC__LF_29(...) OTELC__LF_ODD
#define OTELC__LF_30(k, v, ...) OTELC__LF(k, v) OTELC__LF_28(__VA_ARGS__)
#define OTELC__LF_31(...) OTELC__LF_ODD
#define OTELC__LF_32(k, v, ...) OTELC__LF(k, v) OTELC__LF_30(__VA_ARGS__)

/* A field array with a zero sentinel, so that zero fields need no empty
 * initializer; the count excludes the sentinel. */
#define OTELC__LOG_ARRAY(...)                                                  \
    ((const otelc_attribute[]){OTELC__LOG_FIELDS(__VA_ARGS__){0}})
#define OTELC__LOG_COUNT(...) ((size_t)(OTELC__LOG_NARG(__VA_ARGS__) / 2))

/**
 * OTELC_LOGGER_LOG(logger, level, msg, "key", value, ...) - make a record
 * if the level is enabled; nothing (not even msg) is evaluated otherwise.
 * Up to 16 key/value pairs.
 */
#define OTELC_LOGGER_LOG(logger, level, msg, ...)                              \
    do {                                                                       \
        otelc_logger *const otelc__lg = (logger);                              \
        if (otelc_log_enabled(otelc__lg, (level)))                             \
            otelc_log_emit(otelc__lg, (level), (msg),                          \
                           OTELC__LOG_ARRAY(__VA_ARGS__),                      \
                           OTELC__LOG_COUNT(__VA_ARGS__));                     \
    } while (0)

/** OTELC_LOG(level, msg, "key", value, ...) - with OTELC_LOGGER. */
#define OTELC_LOG(level, msg, ...)                                             \
    OTELC_LOGGER_LOG(OTELC_LOGGER, level, msg, ##__VA_ARGS__)
#define OTELC_LOG_TRACE(msg, ...) OTELC_LOG(OTELC_LOG_TRACE, msg, ##__VA_ARGS__)
#define OTELC_LOG_DEBUG(msg, ...) OTELC_LOG(OTELC_LOG_DEBUG, msg, ##__VA_ARGS__)
#define OTELC_LOG_INFO(msg, ...) OTELC_LOG(OTELC_LOG_INFO, msg, ##__VA_ARGS__)
#define OTELC_LOG_WARN(msg, ...) OTELC_LOG(OTELC_LOG_WARN, msg, ##__VA_ARGS__)
#define OTELC_LOG_ERROR(msg, ...) OTELC_LOG(OTELC_LOG_ERROR, msg, ##__VA_ARGS__)
#define OTELC_LOG_FATAL(msg, ...) OTELC_LOG(OTELC_LOG_FATAL, msg, ##__VA_ARGS__)

#define OTELC_LOGGER_TRACE(lg, msg, ...)                                       \
    OTELC_LOGGER_LOG(lg, OTELC_LOG_TRACE, msg, ##__VA_ARGS__)
#define OTELC_LOGGER_DEBUG(lg, msg, ...)                                       \
    OTELC_LOGGER_LOG(lg, OTELC_LOG_DEBUG, msg, ##__VA_ARGS__)
#define OTELC_LOGGER_INFO(lg, msg, ...)                                        \
    OTELC_LOGGER_LOG(lg, OTELC_LOG_INFO, msg, ##__VA_ARGS__)
#define OTELC_LOGGER_WARN(lg, msg, ...)                                        \
    OTELC_LOGGER_LOG(lg, OTELC_LOG_WARN, msg, ##__VA_ARGS__)
#define OTELC_LOGGER_ERROR(lg, msg, ...)                                       \
    OTELC_LOGGER_LOG(lg, OTELC_LOG_ERROR, msg, ##__VA_ARGS__)
#define OTELC_LOGGER_FATAL(lg, msg, ...)                                       \
    OTELC_LOGGER_LOG(lg, OTELC_LOG_FATAL, msg, ##__VA_ARGS__)

/** OTELC_LOGF(level, fmt, ...) - printf-style message, level tested
 *  first. */
#define OTELC_LOGGER_LOGF(logger, level, ...)                                  \
    do {                                                                       \
        otelc_logger *const otelc__lg = (logger);                              \
        if (otelc_log_enabled(otelc__lg, (level)))                             \
            otelc_log_printf(otelc__lg, (level), __VA_ARGS__);                 \
    } while (0)
#define OTELC_LOGF(level, ...)                                                 \
    OTELC_LOGGER_LOGF(OTELC_LOGGER, level, __VA_ARGS__)
#define OTELC_LOGF_TRACE(...) OTELC_LOGF(OTELC_LOG_TRACE, __VA_ARGS__)
#define OTELC_LOGF_DEBUG(...) OTELC_LOGF(OTELC_LOG_DEBUG, __VA_ARGS__)
#define OTELC_LOGF_INFO(...) OTELC_LOGF(OTELC_LOG_INFO, __VA_ARGS__)
#define OTELC_LOGF_WARN(...) OTELC_LOGF(OTELC_LOG_WARN, __VA_ARGS__)
#define OTELC_LOGF_ERROR(...) OTELC_LOGF(OTELC_LOG_ERROR, __VA_ARGS__)
#define OTELC_LOGF_FATAL(...) OTELC_LOGF(OTELC_LOG_FATAL, __VA_ARGS__)

/** OTELC_LOGGER_LOG_ERROR(logger, level, msg, info, "key", value, ...) -
 *  otelc_log_error() with the level tested first. */
#define OTELC_LOGGER_LOG_ERROR(logger, level, msg, info, ...)                  \
    do {                                                                       \
        otelc_logger *const otelc__lg = (logger);                              \
        if (otelc_log_enabled(otelc__lg, (level)))                             \
            otelc_log_error(otelc__lg, (level), (msg), (info),                 \
                            OTELC__LOG_ARRAY(__VA_ARGS__),                     \
                            OTELC__LOG_COUNT(__VA_ARGS__));                    \
    } while (0)

/** OTELC_LOG_ERRNO(msg, errnum, "key", value, ...) - an ERROR record with
 *  errno, exception.type (the errno name) and exception.message
 *  (strerror). */
#define OTELC_LOG_ERRNO(msg, otelc__errnum, ...)                               \
    OTELC_LOGGER_LOG_ERROR(                                                    \
        OTELC_LOGGER, OTELC_LOG_ERROR, msg,                                    \
        (&(const otelc_log_error_info){.errnum = (otelc__errnum)}),            \
        ##__VA_ARGS__)

/** OTELC_LOG_EXCEPTION(msg, type, message, "key", value, ...) - an ERROR
 *  record with exception.type, exception.message and the calling thread's
 *  backtrace in exception.stacktrace (like Python's logger.exception). */
#define OTELC_LOG_EXCEPTION(msg, otelc__type, otelc__message, ...)             \
    OTELC_LOGGER_LOG_ERROR(                                                    \
        OTELC_LOGGER, OTELC_LOG_ERROR, msg,                                    \
        (&(const otelc_log_error_info){.type = (otelc__type),                  \
                                       .message = (otelc__message),            \
                                       .backtrace = true}),                    \
        ##__VA_ARGS__)

#define OTELC__LOG_CONTEXT(var, ...)                                           \
    for (otelc_log_context_scope var                                           \
         __attribute__((cleanup(otelc_log_context_pop))) =                     \
             otelc_log_context_push(OTELC__LOG_ARRAY(__VA_ARGS__),             \
                                    OTELC__LOG_COUNT(__VA_ARGS__));            \
         var.once; var.once = 0)

/**
 * OTELC_LOG_CONTEXT("key", value, ...) { ... } - bind the fields to every
 * record made on this thread inside the block; they are gone when the
 * block is left by any path (same rules as TRACE_SPAN: `break` leaves the
 * block itself; after longjmp, pop with otelc_log_context_pop()).
 */
#define OTELC_LOG_CONTEXT(...)                                                 \
    OTELC__LOG_CONTEXT(OTELC__LOG_CAT(otelc__log_ctx_, __COUNTER__),           \
                       __VA_ARGS__)

#define OTELC__LOG_TIMER(var, logger, level, name)                             \
    for (otelc_log_timer var __attribute__((cleanup(otelc_log_timer_end))) =   \
             otelc_log_timer_start((logger), (level), (name));                 \
         var.once; var.once = 0)

/** OTELC_LOGGER_TIMER(logger, level, "name") { ... } - log the block's
 *  duration_ms when it ends. */
#define OTELC_LOGGER_TIMER(logger, level, name)                                \
    OTELC__LOG_TIMER(OTELC__LOG_CAT(otelc__log_timer_, __COUNTER__), logger,   \
                     level, name)

/** OTELC_LOG_TIMER("name") { ... } - an INFO record "name" with
 *  duration_ms when the block ends. */
#define OTELC_LOG_TIMER(name)                                                  \
    OTELC_LOGGER_TIMER(OTELC_LOGGER, OTELC_LOG_INFO, name)
#endif /* !__cplusplus */

#ifdef __cplusplus
}
#endif
#endif /* OTELC_LOG_H */
