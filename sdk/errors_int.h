/*
 * sdk/errors_int.h - error tracking internals: the error event handed to
 * the Sentry sender, the sender's interface (exporters/sentry/), the
 * crash handler's pieces (sdk/crash.c) and the lifecycle hooks called by
 * sdk/init.c.  Not installed.
 *
 * An error event is one heap block: the struct, then the tags, then every
 * string.  Whoever holds it frees it with free(3); it is immutable once
 * built, so the capturing thread and the sender's worker never share a
 * mutable byte.
 */
#ifndef OTELC_SDK_ERRORS_INT_H
#define OTELC_SDK_ERRORS_INT_H

#include "sdk/internal.h"

#include "otelc/errors.h"
#include "otelc/export.h"

typedef struct otelc__error_tag {
    const char *key;   /* at most 32 bytes (Sentry's tag key limit) */
    const char *value; /* at most 200 characters */
} otelc__error_tag;

typedef struct otelc__error_event {
    uint8_t event_id[16];
    otelc_time_ns time;
    otelc_error_level level;
    otelc_span_context sc;  /* all zero when no span was current */
    bool crash;             /* from a crash file: not handled */
    const char *type;       /* never NULL */
    const char *message;    /* never NULL */
    const char *stacktrace; /* backtrace_symbols lines, innermost first;
                               NULL when none */
    const char *crash_file; /* removed once the event is delivered; NULL */
    const char *logger;     /* never NULL */
    size_t ntags;
    otelc__error_tag *tags;
} otelc__error_event;

/* A tag to add to an event being built. */
typedef struct otelc__tag_in {
    const char *key;
    const char *value;
    size_t vlen; /* bytes of value */
} otelc__tag_in;

/* Build an event (one allocation; strings copied, tags truncated to
 * Sentry's limits).  NULL when memory is exhausted. */
otelc__error_event *otelc__error_event_new(
    otelc_error_level level, const otelc_span_context *sc, const char *type,
    const char *message, const char *stacktrace, const char *crash_file,
    const otelc__tag_in *tags, size_t ntags, otelc_time_ns time);

/* Render an attribute value as a tag string into buf (size >= 64); returns
 * the string (buf, or the attribute's own string). */
const char *otelc__error_value_str(const otelc_value *v, char *buf, size_t size,
                                   size_t *len);

/* ---- the Sentry sender (exporters/sentry/) ---- */
typedef struct otelc__sentry otelc__sentry;

typedef struct otelc__sentry_config {
    const char *dsn;
    const char *release;     /* "" = none */
    const char *environment; /* never empty */
    const char *server_name; /* "" = none */
    const char *service_name;
    uint32_t timeout_ms; /* per batch, retries included */
    uint32_t queue_size; /* per capturing thread */
} otelc__sentry_config;

/* Counters the sender keeps (read by otelc_error_get_stats). */
typedef struct otelc__sentry_counters {
    _Atomic uint64_t queued, sent, failed, rate_limited, dropped_queue,
        requests;
} otelc__sentry_counters;
extern otelc__sentry_counters otelc__sentry_stats;

/* Start a sender: NULL with one diagnostic for a malformed DSN, or when
 * Sentry support was not built. */
otelc__sentry *otelc__sentry_new(const otelc__sentry_config *cfg);
/* Queue an event; takes ownership (freed when dropped).  Never blocks.
 * false = dropped and counted (queue full, rate limited, shut down). */
bool otelc__sentry_submit(otelc__sentry *s, otelc__error_event *ev);
otelc_status otelc__sentry_flush(otelc__sentry *s, uint64_t deadline);
/* Flush what is queued by the deadline and stop; then free. */
otelc_status otelc__sentry_shutdown(otelc__sentry *s, uint64_t deadline);
void otelc__sentry_free(otelc__sentry *s);
/* Milliseconds the error-event rate limit still holds. */
uint64_t otelc__sentry_limited_ms(otelc__sentry *s);

/* DSN parsing (exporters/sentry/sentry_dsn.c). */
typedef struct otelc__sentry_dsn {
    char public_key[128];
    char secret_key[128];
    char project_id[32];
    char endpoint[512]; /* scheme://host[:port][/path]/api/ID/envelope/ */
    char origin[300];   /* scheme://host[:port], for diagnostics */
} otelc__sentry_dsn;
/* false with *why = a static description when malformed. */
bool otelc__sentry_dsn_parse(const char *dsn, otelc__sentry_dsn *out,
                             const char **why);

/* ---- crash handler (sdk/crash.c) ---- */
/* A parsed crash file. */
typedef struct otelc__crash_record {
    int signal;
    char signal_name[16];
    char address[24];
    char service[128];
    char trace_id[33];
    char span_id[17];
    long long pid;
    long long time_s; /* Unix seconds */
    char *backtrace;  /* malloc'd lines, or NULL */
} otelc__crash_record;
bool otelc__crash_parse(const char *text, size_t len, otelc__crash_record *out);

/* ---- lifecycle (sdk/init.c) ---- */
void otelc__errors_start(const otelc_resource *resource);
otelc_status otelc__errors_stop(uint64_t deadline_mono_ns);
otelc_status otelc__errors_flush_until(uint64_t deadline_mono_ns);
/* The running sender, or NULL (borrowed while errors are started). */
otelc__sentry *otelc__errors_sentry(void);

#endif /* OTELC_SDK_ERRORS_INT_H */
