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
    int n =
        snprintf(line, sizeof line, "otelc: %s: %s\n", level_name(level), msg);
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

/* The rate-limit gate shared by the limited and deferred forms: true when
 * this call may emit, and the number of suppressed calls in *suppressed. */
static bool ratelimit_pass(otelc__ratelimit *rl, uint64_t *suppressed) {
    uint64_t now = otelc__mono_ns();
    uint64_t next =
        atomic_load_explicit(&rl->next_mono_ns, memory_order_relaxed);
    if (now < next ||
        !atomic_compare_exchange_strong(
            &rl->next_mono_ns, &next,
            now + (uint64_t)OTELC__RATELIMIT_INTERVAL_MS * 1000000u)) {
        atomic_fetch_add_explicit(&rl->suppressed, 1, memory_order_relaxed);
        return false;
    }
    *suppressed = atomic_exchange(&rl->suppressed, 0);
    return true;
}

void otelc__diag_limited(otelc__ratelimit *rl, otelc_diag_level level,
                         const char *fmt, ...) {
    if (!otelc__diag_enabled(level))
        return;
    uint64_t suppressed;
    if (!ratelimit_pass(rl, &suppressed))
        return;
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

/* Deferred diagnostics.  A line reported from an application thread on a
 * hot path (a full queue) must not write to stderr there: stderr may be a
 * pipe nobody reads, and write() would block the caller.  The line is
 * formatted into one of a few slots and emitted by the next background
 * worker loop (otelc__diag_flush_deferred).  When every slot is busy the
 * line is dropped and counted as suppressed. */
enum { DEFERRED_SLOTS = 8, SLOT_FREE = 0, SLOT_WRITING = 1, SLOT_READY = 2 };
static struct {
    _Atomic int state;
    otelc_diag_level level;
    char msg[600];
} g_deferred[DEFERRED_SLOTS];
static _Atomic int g_deferred_pending;

void otelc__diag_deferred(otelc__ratelimit *rl, otelc_diag_level level,
                          const char *fmt, ...) {
    if (!otelc__diag_enabled(level))
        return;
    uint64_t suppressed;
    if (!ratelimit_pass(rl, &suppressed))
        return;
    for (int i = 0; i < DEFERRED_SLOTS; i++) {
        int expected = SLOT_FREE;
        if (!atomic_compare_exchange_strong(&g_deferred[i].state, &expected,
                                            SLOT_WRITING))
            continue;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(g_deferred[i].msg, sizeof g_deferred[i].msg, fmt, ap);
        va_end(ap);
        if (suppressed && n >= 0 && (size_t)n < sizeof g_deferred[i].msg)
            snprintf(g_deferred[i].msg + n,
                     sizeof g_deferred[i].msg - (size_t)n,
                     " (%llu similar messages suppressed)",
                     (unsigned long long)suppressed);
        g_deferred[i].level = level;
        atomic_store_explicit(&g_deferred[i].state, SLOT_READY,
                              memory_order_release);
        atomic_store_explicit(&g_deferred_pending, 1, memory_order_release);
        return;
    }
    atomic_fetch_add_explicit(&rl->suppressed, 1 + suppressed,
                              memory_order_relaxed);
}

void otelc__diag_flush_deferred(void) {
    if (!atomic_load_explicit(&g_deferred_pending, memory_order_acquire))
        return;
    atomic_store(&g_deferred_pending, 0);
    for (int i = 0; i < DEFERRED_SLOTS; i++) {
        if (atomic_load_explicit(&g_deferred[i].state, memory_order_acquire) !=
            SLOT_READY)
            continue;
        otelc__diag(g_deferred[i].level, "%s", g_deferred[i].msg);
        atomic_store_explicit(&g_deferred[i].state, SLOT_FREE,
                              memory_order_release);
    }
}
