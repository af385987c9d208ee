/*
 * otelc/errors.h - error tracking: captured errors, Sentry, crash reports.
 *
 *   if (rc != 0)
 *       otelc_error_capture("PaymentError", "card declined",
 *                           "order_id", order_id, "amount", amount);
 *
 * One call records the error everywhere it belongs:
 *  - on the current span: the specification's "exception" event
 *    (exception.type, exception.message, the fields as attributes) and
 *    status ERROR with the message as its description;
 *  - an ERROR log record (logger "otelc.errors") with exception.type,
 *    exception.message and the fields, made while the span is current, so
 *    it carries the same trace_id and span_id;
 *  - the counter otelc.errors{error_type} (Prometheus: otelc_errors_total);
 *  - when SENTRY_DSN is set, a Sentry event: sent as an envelope by a
 *    background worker, with the trace context (trace_id, span_id) that
 *    links it to the trace in Sentry, the release and environment
 *    (SENTRY_RELEASE, SENTRY_ENVIRONMENT), and the fields as tags.
 *
 * The caller never waits on the network: the Sentry event is queued (a full
 * queue drops and counts), and while Sentry's rate limits are in force
 * (HTTP 429 with Retry-After, or X-Sentry-Rate-Limits on any response)
 * events are dropped and counted instead of sent.  ERROR_TRACKING_ENABLED=
 * false turns all of this off (the calls return at once).  Before
 * otelc_init() and after otelc_shutdown() the calls do nothing.
 *
 * Crash reports.  otelc_crash_handler_install() (or OTELC_CRASH_HANDLER=
 * true) catches SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT.  The handler
 * uses async-signal-safe calls only: it writes a crash record (signal,
 * fault address, backtrace, the crashing thread's current trace_id and
 * span_id) to stderr and to a file in OTELC_CRASH_DIR, then re-raises the
 * signal with its default disposition, so the process still dies as it
 * would have (core dump, exit status).  The next otelc_init() in that
 * directory reports each pending crash file: an ERROR log record, a Sentry
 * event when SENTRY_DSN is set (level fatal, linked to the crashed trace),
 * and the file is removed.
 *
 * See docs/errors.md.
 */
#ifndef OTELC_ERRORS_H
#define OTELC_ERRORS_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/log.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Severity of a captured error (Sentry's event levels). */
typedef enum otelc_error_level {
    OTELC_ERROR_LEVEL_ERROR = 0, /* the default */
    OTELC_ERROR_LEVEL_FATAL = 1,
    OTELC_ERROR_LEVEL_WARNING = 2
} otelc_error_level;

/**
 * What went wrong, for otelc_error_capture_ex().  Zero-initialise; every
 * field is optional.  Fields are only ever appended.
 */
typedef struct otelc_error_info {
    const char *type;    /* error type, e.g. "TimeoutError"; NULL =
                            "Error" */
    const char *message; /* NULL = "" */
    otelc_error_level level;
    bool backtrace;         /* add the calling thread's stack: span event
                               exception.stacktrace, log record, Sentry
                               frames */
    const char *stacktrace; /* a stack trace you have (copied); wins over
                               `backtrace` */
    otelc_span *span;       /* the span to mark; NULL = the current span */
} otelc_error_info;

/**
 * otelc_error_capture_attrs - capture an error (see the file comment):
 * exception event and ERROR status on the current span, an ERROR log
 * record carrying its trace_id/span_id, the error counter, and a Sentry
 * event when SENTRY_DSN is set.
 * @param type     NULL = "Error".
 * @param message  NULL = "".
 * @param fields   `count` key/value pairs: span event attributes, log
 *                 record fields and Sentry tags; read during the call only.
 * Thread-safety: any thread.  Blocking: never (the Sentry event is queued;
 * the log record as otelc_log_emit()).  Since: 0.1.
 */
OTELC_API void otelc_error_capture_attrs(const char *type, const char *message,
                                         const otelc_attribute *fields,
                                         size_t count);

/**
 * otelc_error_capture_ex - otelc_error_capture_attrs() with more details
 * (level, a stack trace, an explicit span).
 * @param info  NULL = type "Error", empty message.
 * Thread-safety: any thread; with info->span, one thread per span at a
 * time.  Blocking: never (a backtrace may load libgcc the first time).
 * Since: 0.1.
 */
OTELC_API void otelc_error_capture_ex(const otelc_error_info *info,
                                      const otelc_attribute *fields,
                                      size_t count);

/** Counters of error tracking since the process started.  Monotonic. */
typedef struct otelc_error_stats {
    uint64_t captured;             /* errors captured while enabled */
    uint64_t sentry_queued;        /* events accepted by the Sentry queue */
    uint64_t sentry_sent;          /* envelopes Sentry accepted (2xx) */
    uint64_t sentry_failed;        /* events lost to network or HTTP
                                      errors (retries exhausted, 4xx) */
    uint64_t sentry_rate_limited;  /* events dropped under a rate limit
                                      (including the one answered 429) */
    uint64_t sentry_dropped_queue; /* the Sentry queue was full */
    uint64_t sentry_requests;      /* HTTP requests made, retries included */
    uint64_t crash_reports_found;  /* pending crash files reported */
} otelc_error_stats;

/**
 * otelc_error_get_stats - copy the counters.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_error_get_stats(otelc_error_stats *out);

/**
 * otelc_error_flush - wait until every queued Sentry event is sent (or
 * given up), at most timeout_ms.
 * @return OTELC_OK, OTELC_ETIMEDOUT, or OTELC_OK at once when Sentry is
 *         not configured.
 * Thread-safety: any thread.  Blocking: up to timeout_ms.  Since: 0.1.
 */
OTELC_API otelc_status otelc_error_flush(uint32_t timeout_ms);

/**
 * otelc_sentry_rate_limited_ms - how long Sentry's rate limit for error
 * events still holds (0 when none is in force or Sentry is not
 * configured).  For monitoring and tests.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API uint64_t otelc_sentry_rate_limited_ms(void);

/**
 * otelc_sentry_dsn_check - parse a Sentry DSN
 * ("https://PUBLIC_KEY[:SECRET]@HOST[:PORT][/PATH]/PROJECT_ID") the way
 * otelc_init() does.
 * @param dsn   the DSN; NULL is malformed.
 * @param why   optional out: NULL for a good DSN, else a static string
 *              naming the problem ("no public key before '@'"...).
 * @param endpoint     optional out buffer for the envelope endpoint
 *                     (".../api/PROJECT_ID/envelope/"), "" when malformed.
 * @param endpoint_cap its size.
 * @return OTELC_OK, or OTELC_EPARSE for a malformed DSN.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_sentry_dsn_check(const char *dsn, const char **why,
                                              char *endpoint,
                                              size_t endpoint_cap);

/* ---- Crash handler ------------------------------------------------------- */

/**
 * otelc_crash_handler_install - catch SIGSEGV, SIGBUS, SIGILL, SIGFPE and
 * SIGABRT and write crash records into `dir` (see the file comment).
 *
 * Everything the handler needs is prepared here: the directory is created,
 * the file name prefix and service name are formatted, backtrace(3) is
 * called once (its first call loads libgcc, which allocates), and an
 * alternate signal stack is set up for the calling thread (so a stack
 * overflow on that thread can still be reported).  Installing again
 * replaces the directory.
 * @param dir  copied; NULL = OTELC_CRASH_DIR (default ".otelc-crash").
 * @return OTELC_OK, OTELC_EIO (the directory cannot be created; one
 *         diagnostic line) or OTELC_EINVAL (a path too long).
 * Thread-safety: any thread, not concurrently with itself or uninstall.
 * Blocking: creates the directory.  Since: 0.1.
 */
OTELC_API otelc_status otelc_crash_handler_install(const char *dir);

/**
 * otelc_crash_handler_uninstall - restore the signal dispositions that
 * were in place before install.  Idempotent.
 * Thread-safety: any thread, not concurrently with install.  Blocking:
 * never.  Since: 0.1.
 */
OTELC_API void otelc_crash_handler_uninstall(void);

/**
 * otelc_crash_report_pending - report the crash files left in `dir` by
 * earlier runs (otelc_init() does this for OTELC_CRASH_DIR): each one
 * becomes an ERROR log record and, with SENTRY_DSN, a fatal Sentry event
 * linked to the crashed trace; then the file is removed (with Sentry,
 * once the event is delivered or rejected).
 * @param dir  NULL = OTELC_CRASH_DIR.
 * @return the number of crash files found (0 when none, or when the
 *         directory does not exist).
 * Thread-safety: any thread.  Blocking: reads files.  Since: 0.1.
 */
OTELC_API size_t otelc_crash_report_pending(const char *dir);

#ifndef __cplusplus
/**
 * otelc_error_capture(type, message, "key", value, ...) - capture an
 * error with up to 16 typed fields (the OTELC_LOG_* macros' field rules).
 */
#define otelc_error_capture(type, message, ...)                                \
    otelc_error_capture_attrs((type), (message),                               \
                              OTELC__LOG_ARRAY(__VA_ARGS__),                   \
                              OTELC__LOG_COUNT(__VA_ARGS__))
#endif

#ifdef __cplusplus
}
#endif
#endif /* OTELC_ERRORS_H */
