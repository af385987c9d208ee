/*
 * sdk/internal.h - helpers shared by every otelc source file.  Not installed.
 *
 * Naming: internal non-static symbols are otelc__*, hidden by
 * -fvisibility=hidden; public ones are otelc_* and marked OTELC_API in the
 * public headers.
 */
#ifndef OTELC_SDK_INTERNAL_H
#define OTELC_SDK_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "otelc/common.h"
#include "otelc/diag.h"

#define OTELC_LIKELY(x) __builtin_expect(!!(x), 1)
#define OTELC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define OTELC_CACHELINE 64
#define OTELC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OTELC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define OTELC_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Thread-local variables the hot path reads use the initial-exec model: one
 * instruction instead of a __tls_get_addr call.  otelc keeps its static TLS
 * tiny (one pointer) so that dlopen() of libotelc still fits in glibc's
 * surplus static TLS space. */
#define OTELC_TLS __thread __attribute__((tls_model("initial-exec")))

/* ---- diagnostics (sdk/diag.c) ---- */
void otelc__diag(otelc_diag_level level, const char *fmt, ...)
    OTELC_PRINTF(2, 3);
bool otelc__diag_enabled(otelc_diag_level level);

/* A rate limiter for repetitive diagnostics: at most one line per
 * `interval_ms` per limiter.  Zero-initialise. */
typedef struct otelc__ratelimit {
    _Atomic uint64_t next_mono_ns;
    _Atomic uint64_t suppressed;
} otelc__ratelimit;
#define OTELC__RATELIMIT_INTERVAL_MS 10000
void otelc__diag_limited(otelc__ratelimit *rl, otelc_diag_level level,
                         const char *fmt, ...) OTELC_PRINTF(3, 4);
/* The same, for application threads on a hot path: the line is formatted
 * now but written by the next background worker loop, so the caller never
 * blocks on stderr. */
void otelc__diag_deferred(otelc__ratelimit *rl, otelc_diag_level level,
                          const char *fmt, ...) OTELC_PRINTF(3, 4);
/* Write deferred lines (called by every background worker loop). */
void otelc__diag_flush_deferred(void);

/* ---- clock (sdk/clock.c) ---- */
extern _Atomic int64_t otelc__realtime_offset_ns;
int64_t otelc__clock_refresh(void);

static inline uint64_t otelc__mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall-clock time: from the TSC once calibrated (sdk/clock.c), else from
 * the monotonic clock plus an offset refreshed by the background workers.
 * Durations computed from two readings never go backwards. */
extern _Atomic int otelc__tsc_ready;
otelc_time_ns otelc__now_tsc(void);
static inline otelc_time_ns otelc__now_ns(void) {
    if (OTELC_LIKELY(
            atomic_load_explicit(&otelc__tsc_ready, memory_order_relaxed)))
        return otelc__now_tsc();
    int64_t off =
        atomic_load_explicit(&otelc__realtime_offset_ns, memory_order_relaxed);
    if (OTELC_UNLIKELY(off == 0))
        off = otelc__clock_refresh();
    return otelc__mono_ns() + (uint64_t)off;
}

/* ---- small string helpers (sdk/strutil.c) ---- */
char *otelc__strdup(const char *s);
char *otelc__strndup(const char *s, size_t n);
/* Trimmed copy of [s, s+n). */
char *otelc__strdup_trim(const char *s, size_t n);
bool otelc__streq_nocase(const char *a, const char *b);
/* Parse a complete decimal integer (optional sign, surrounding spaces
 * allowed).  Returns false on junk or overflow. */
bool otelc__parse_i64(const char *s, int64_t *out);
bool otelc__parse_double(const char *s, double *out);
/* Byte length of the longest prefix of s[0..len) holding at most
 * max_chars UTF-8 code points (never splitting a sequence). */
size_t otelc__utf8_prefix(const char *s, size_t len, size_t max_chars);
/* Executable base name (from /proc/self/exe), "" if unknown; static. */
const char *otelc__exe_name(void);

/* ---- futex-based waiting (sdk/futex.c) ---- */
/* Wait while *addr == expected, at most until the CLOCK_MONOTONIC deadline
 * (0 = forever).  Returns false on timeout. Spurious wakeups happen. */
bool otelc__futex_wait(_Atomic uint32_t *addr, uint32_t expected,
                       uint64_t deadline_mono_ns);
void otelc__futex_wake_all(_Atomic uint32_t *addr);

/* ---- random numbers (sdk/ids.c) ---- */
/* Fill buf with bytes from getrandom(), falling back to time and pid mixing
 * when the kernel cannot provide them. */
void otelc__os_random(void *buf, size_t len);

static inline uint64_t otelc__wyrand(uint64_t *state) {
    *state += 0xa0761d6478bd642fULL;
    __uint128_t t = (__uint128_t)*state * (*state ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

static inline void otelc__store_be64(uint8_t *p, uint64_t v) {
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}
static inline uint64_t otelc__load_be64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

#endif /* OTELC_SDK_INTERNAL_H */
