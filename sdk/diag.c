/*
 * sdk/diag.c - self-diagnostics: the one place otelc reports problems.
 *
 * Lines go to a user handler or to stderr, filtered by a level that
 * OTEL_LOG_LEVEL sets (the config loader calls otelc_diag_set_level).
 * Formatting happens into a stack buffer and the line is written with one
 * write(2) so that lines from several threads never interleave.  Nothing
 * here is on a hot path: callers check the level first or go through a
 * rate limiter.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "sdk/internal.h"

static _Atomic int g_level = OTELC_DIAG_INFO;
/* Handler and user data are published together through one pointer so a
 * reader never pairs a new handler with old user data. */
typedef struct diag_sink {
    otelc_diag_handler handler;
    void *user_data;
} diag_sink;
static diag_sink g_sinks[2];
static _Atomic(diag_sink *) g_sink;
static _Atomic unsigned g_sink_next;

static const char *level_name(otelc_diag_level level) {
    switch (level) {
    case OTELC_DIAG_ERROR: return "error";
    case OTELC_DIAG_WARN: return "warn";
    case OTELC_DIAG_INFO: return "info";
    case OTELC_DIAG_DEBUG: return "debug";
    default: return "none";
    }
}

OTELC_API void otelc_diag_set_handler(otelc_diag_handler handler,
                                      void *user_data) {
    if (!handler) {
        atomic_store(&g_sink, NULL);
        return;
    }
    /* Two alternating slots: a reader that loaded the previous slot keeps a
     * consistent pair while the other slot is written. */
    unsigned i = atomic_fetch_add(&g_sink_next, 1) & 1u;
    g_sinks[i].handler = handler;
    g_sinks[i].user_data = user_data;
    atomic_store(&g_sink, &g_sinks[i]);
}

OTELC_API void otelc_diag_set_level(otelc_diag_level level) {
    if ((int)level < OTELC_DIAG_NONE)
        level = OTELC_DIAG_NONE;
    if ((int)level > OTELC_DIAG_DEBUG)
        level = OTELC_DIAG_DEBUG;
    atomic_store(&g_level, (int)level);
}

OTELC_API otelc_diag_level otelc_diag_get_level(void) {
    return (otelc_diag_level)atomic_load(&g_level);
}

bool otelc__diag_enabled(otelc_diag_level level) {
    return level != OTELC_DIAG_NONE &&
           (int)level <= atomic_load_explicit(&g_level, memory_order_relaxed);
}

static void emit(otelc_diag_level level, const char *fmt, va_list ap) {
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    diag_sink *sink = atomic_load(&g_sink);
    if (sink) {
        sink->handler(level, msg, sink->user_data);
        return;
    }
    char line[1100];
    int n = snprintf(line, sizeof line, "otelc: %s: %s\n", level_name(level),
                     msg);
    if (n > (int)sizeof line - 1) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    /* One write per line; a failed write to stderr has nowhere to go. */
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

void otelc__diag(otelc_diag_level level, const char *fmt, ...) {
    if (!otelc__diag_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, fmt, ap);
    va_end(ap);
}

void otelc__diag_limited(otelc__ratelimit *rl, otelc_diag_level level,
                         const char *fmt, ...) {
    if (!otelc__diag_enabled(level))
        return;
    uint64_t now = otelc__mono_ns();
    uint64_t next = atomic_load_explicit(&rl->next_mono_ns,
                                         memory_order_relaxed);
    if (now < next ||
        !atomic_compare_exchange_strong(
            &rl->next_mono_ns, &next,
            now + (uint64_t)OTELC__RATELIMIT_INTERVAL_MS * 1000000u)) {
        atomic_fetch_add_explicit(&rl->suppressed, 1, memory_order_relaxed);
        return;
    }
    uint64_t suppressed = atomic_exchange(&rl->suppressed, 0);
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (suppressed)
        otelc__diag(level, "%s (%llu similar messages suppressed)", msg,
                    (unsigned long long)suppressed);
    else
        otelc__diag(level, "%s", msg);
}
