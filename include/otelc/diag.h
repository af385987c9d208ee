/*
 * otelc/diag.h - the SDK's own diagnostics ("self-diagnostics").
 *
 * otelc never prints from a hot path and never aborts on bad input.  What it
 * wants to tell the operator (a bad configuration value, an unreachable
 * collector, spans dropped because a queue was full) goes through one
 * diagnostic stream.  By default lines go to stderr as
 *   otelc: <level>: <message>
 * filtered by OTEL_LOG_LEVEL (none, error, warn, info - the default -,
 * debug).  Repetitive conditions (drops, export failures) are rate-limited
 * to one line per condition per 10 seconds; counters in the stats carry the
 * exact numbers.
 */
#ifndef OTELC_DIAG_H
#define OTELC_DIAG_H

#include "otelc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum otelc_diag_level {
    OTELC_DIAG_NONE = 0,
    OTELC_DIAG_ERROR = 1,
    OTELC_DIAG_WARN = 2,
    OTELC_DIAG_INFO = 3,
    OTELC_DIAG_DEBUG = 4
} otelc_diag_level;

/** A diagnostics handler: called with the message (no trailing newline). */
typedef void (*otelc_diag_handler)(otelc_diag_level level, const char *message,
                                   void *user_data);

/**
 * otelc_diag_set_handler - route diagnostics to `handler` instead of
 * stderr (NULL restores stderr).  The handler may be called from any
 * thread, including background workers, and must not call back into otelc.
 * Thread-safety: any thread; takes effect for lines emitted after it
 * returns.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_diag_set_handler(otelc_diag_handler handler,
                                      void *user_data);

/** otelc_diag_set_level - override OTEL_LOG_LEVEL.  Since: 0.1.
 *  Thread-safety: safe from any thread.  Blocking: never. */
OTELC_API void otelc_diag_set_level(otelc_diag_level level);

/** otelc_diag_get_level - the active level.  Since: 0.1.
 *  Thread-safety: safe from any thread.  Blocking: never. */
OTELC_API otelc_diag_level otelc_diag_get_level(void);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_DIAG_H */
