/*
 * sdk/clock.c - wall-clock time for spans, at the cost of one TSC read.
 *
 * Span timestamps must be wall-clock (OTLP carries Unix nanoseconds) while
 * durations must not jump when NTP steps the clock; and a span reads the
 * clock twice, so the read is a large share of its cost (a vDSO
 * clock_gettime costs ~17 ns here, rdtsc ~7 ns).
 *
 * Two readers, chosen at run time:
 *  - TSC: when the kernel itself uses the TSC as its clocksource (so it is
 *    invariant and synchronised across CPUs), time is
 *        ns_base + (rdtsc() - tsc_base) * mult >> 32,
 *    with mult calibrated against CLOCK_MONOTONIC over at least 200 ms and
 *    the (tsc_base, ns_base) anchor re-taken by every background worker at
 *    least once a second, so the error stays within microseconds and a
 *    stepped wall clock is followed within a second.  The parameters are
 *    published with a sequence lock; readers never wait.
 *  - Otherwise (and until calibration completes): CLOCK_MONOTONIC plus the
 *    offset to CLOCK_REALTIME, also refreshed by the workers.
 * Both give durations from a monotonic source; a span's end is clamped to
 * its start, so a re-anchoring between the two reads cannot produce a
 * negative duration.
 */
#include <stdio.h>
#include <string.h>
#include <x86intrin.h>

#include "sdk/internal.h"

#include "otelc/export.h"

_Atomic int64_t otelc__realtime_offset_ns;

/* The fields are atomics accessed with relaxed order: the sequence lock
 * orders them, and this keeps the concurrent reads free of data races in
 * the C11 sense (ThreadSanitizer agrees); on x86 they are plain moves. */
typedef struct tsc_params {
    _Atomic uint32_t seq; /* odd while being written */
    _Atomic uint64_t tsc_base;
    _Atomic uint64_t ns_base;
    _Atomic uint64_t mult; /* ns per tick, 32.32 fixed point */
} tsc_params;

static tsc_params g_tsc;
_Atomic int otelc__tsc_ready;
static _Atomic int g_tsc_allowed = -1; /* -1 unknown */
static uint64_t g_cal_tsc, g_cal_mono; /* calibration start (refresh only) */
static _Atomic int g_refreshing;

static int tsc_allowed(void) {
    int a = atomic_load(&g_tsc_allowed);
    if (a >= 0)
        return a;
    a = 0;
    FILE *f = fopen(
        "/sys/devices/system/clocksource/clocksource0/current_clocksource",
        "r");
    if (f) {
        char buf[32] = "";
        if (fgets(buf, sizeof buf, f) && !strncmp(buf, "tsc", 3) &&
            (buf[3] == '\n' || buf[3] == '\0'))
            a = 1;
        fclose(f);
    }
    atomic_store(&g_tsc_allowed, a);
    return a;
}

static int64_t compute_offset(uint64_t *mono_out, uint64_t *tsc_out) {
    struct timespec rt, m1, m2;
    /* Bracket the realtime read with two monotonic reads and take the
     * midpoint: the offset is then good to a fraction of a microsecond. */
    clock_gettime(CLOCK_MONOTONIC, &m1);
    uint64_t tsc = __rdtsc();
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    int64_t mono = ((int64_t)m1.tv_sec * 1000000000 + m1.tv_nsec +
                    (int64_t)m2.tv_sec * 1000000000 + m2.tv_nsec) /
                   2;
    int64_t real = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
    if (mono_out)
        *mono_out = (uint64_t)mono;
    if (tsc_out)
        *tsc_out = tsc;
    int64_t off = real - mono;
    return off == 0 ? 1 : off; /* 0 means "not computed yet" */
}

int64_t otelc__clock_refresh(void) {
    uint64_t mono, tsc;
    int64_t off = compute_offset(&mono, &tsc);
    atomic_store_explicit(&otelc__realtime_offset_ns, off,
                          memory_order_relaxed);
    /* Several workers may refresh at once; one at a time updates the TSC
     * parameters, the others are not needed. */
    if (!tsc_allowed() || atomic_exchange(&g_refreshing, 1))
        return off;
    if (!g_cal_tsc || tsc <= g_cal_tsc || mono <= g_cal_mono ||
        mono - g_cal_mono > 600000000000ull) {
        /* (Re)start calibration; a window of up to 10 minutes follows
         * slow drift without losing precision. */
        g_cal_tsc = tsc;
        g_cal_mono = mono;
    } else if (mono - g_cal_mono >= 200000000u) {
        uint64_t mult = (uint64_t)((((__uint128_t)(mono - g_cal_mono)) << 32) /
                                   (tsc - g_cal_tsc));
        uint32_t s = atomic_load_explicit(&g_tsc.seq, memory_order_relaxed);
        atomic_store_explicit(&g_tsc.seq, s + 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        atomic_store_explicit(&g_tsc.tsc_base, tsc, memory_order_relaxed);
        atomic_store_explicit(&g_tsc.ns_base, mono + (uint64_t)off,
                              memory_order_relaxed);
        atomic_store_explicit(&g_tsc.mult, mult, memory_order_relaxed);
        atomic_store_explicit(&g_tsc.seq, s + 2, memory_order_release);
        atomic_store_explicit(&otelc__tsc_ready, 1, memory_order_release);
    }
    atomic_store(&g_refreshing, 0);
    return off;
}

otelc_time_ns otelc__now_tsc(void) {
    for (;;) {
        uint32_t s = atomic_load_explicit(&g_tsc.seq, memory_order_acquire);
        uint64_t base =
            atomic_load_explicit(&g_tsc.tsc_base, memory_order_relaxed);
        uint64_t ns =
            atomic_load_explicit(&g_tsc.ns_base, memory_order_relaxed);
        uint64_t mult = atomic_load_explicit(&g_tsc.mult, memory_order_relaxed);
        uint64_t t = __rdtsc();
        atomic_thread_fence(memory_order_acquire);
        if (OTELC_LIKELY(
                !(s & 1) &&
                atomic_load_explicit(&g_tsc.seq, memory_order_relaxed) == s)) {
            /* A TSC read slightly before the base (another CPU, or the
             * anchor moving) gives a tiny negative delta: clamp to 0. */
            uint64_t d = t > base ? t - base : 0;
            return ns + (uint64_t)(((__uint128_t)d * mult) >> 32);
        }
    }
}

OTELC_API otelc_time_ns otelc_now_ns(void) {
    return otelc__now_ns();
}

OTELC_API uint64_t otelc_monotonic_ns(void) {
    return otelc__mono_ns();
}

OTELC_API uint64_t otelc_export_remaining_ms(const otelc_export_context *ctx) {
    if (!ctx)
        return 0;
    uint64_t now = otelc__mono_ns();
    return ctx->deadline_mono_ns > now
               ? (ctx->deadline_mono_ns - now) / 1000000u
               : 0;
}
