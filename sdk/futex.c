/*
 * sdk/futex.c - the one wait primitive of the workers.
 *
 * Application threads wake a worker by bumping a 32-bit sequence word and
 * calling FUTEX_WAKE; they never take a lock the worker may hold, which a
 * pthread condition variable would require.  Waits take an absolute
 * CLOCK_MONOTONIC deadline so shutdown deadlines compose.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sdk/internal.h"

bool otelc__futex_wait(_Atomic uint32_t *addr, uint32_t expected,
                       uint64_t deadline_mono_ns) {
    struct timespec ts, *tsp = NULL;
    if (deadline_mono_ns) {
        uint64_t now = otelc__mono_ns();
        if (now >= deadline_mono_ns)
            return false;
        uint64_t rel = deadline_mono_ns - now;
        ts.tv_sec = (time_t)(rel / 1000000000u);
        ts.tv_nsec = (long)(rel % 1000000000u);
        tsp = &ts;
    }
    long r = syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected,
                     tsp, NULL, 0);
    if (r == -1 && errno == ETIMEDOUT)
        return false;
    return true;
}

void otelc__futex_wake_all(_Atomic uint32_t *addr) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL,
            NULL, 0);
}
