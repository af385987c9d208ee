/*
 * exporters/memory/memory_exporter.c - keeps deep copies of exported spans,
 * for tests.
 *
 * Each exported span is copied with otelc_span_data_copy() (one allocation
 * per span, independent of the span record, which the SDK recycles after
 * export); the scope and resource pointers stay shared and live as long as
 * the provider.  A mutex guards the store, so the test thread may read
 * while the worker exports; waiting uses a condition variable on
 * CLOCK_MONOTONIC.  fail_next() makes the next calls return a chosen result
 * without storing, to test the processors' retry and drop accounting.
 * Not for production: memory grows with every span until cleared.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "sdk/internal.h"

#include "otelc/exporters.h"

struct otelc_memory_exporter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    otelc_span_data **spans;
    size_t count, cap, calls;
    size_t fail_remaining;
    otelc_export_result fail_result;
};

static otelc_export_result mem_export(void *st,
                                      const otelc_span_data *const *spans,
                                      size_t n, otelc_export_context *ctx) {
    (void)ctx;
    otelc_memory_exporter *m = st;
    pthread_mutex_lock(&m->lock);
    m->calls++;
    if (m->fail_remaining) {
        m->fail_remaining--;
        otelc_export_result r = m->fail_result;
        pthread_mutex_unlock(&m->lock);
        return r;
    }
    if (m->count + n > m->cap) {
        size_t cap = m->cap ? m->cap : 256;
        while (cap < m->count + n)
            cap *= 2;
        otelc_span_data **ns = realloc(m->spans, sizeof *ns * cap);
        if (!ns) {
            pthread_mutex_unlock(&m->lock);
            return OTELC_EXPORT_FAILURE;
        }
        m->spans = ns;
        m->cap = cap;
    }
    /* All or nothing: a batch that cannot be copied whole leaves the store
     * as it was, so the processor's dropped count matches what is missing. */
    size_t base = m->count;
    for (size_t i = 0; i < n; i++) {
        otelc_span_data *c = otelc_span_data_copy(spans[i]);
        if (!c) {
            while (m->count > base)
                otelc_span_data_free(m->spans[--m->count]);
            pthread_mutex_unlock(&m->lock);
            return OTELC_EXPORT_FAILURE;
        }
        m->spans[m->count++] = c;
    }
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
    return OTELC_EXPORT_SUCCESS;
}

OTELC_API void otelc_memory_exporter_clear(otelc_memory_exporter *m) {
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->count; i++)
        otelc_span_data_free(m->spans[i]);
    m->count = 0;
    pthread_mutex_unlock(&m->lock);
}

static void mem_free(void *st) {
    otelc_memory_exporter *m = st;
    otelc_memory_exporter_clear(m);
    free(m->spans);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->cond);
    free(m);
}

static const otelc_span_exporter_ops mem_ops = {"memory", mem_export, NULL,
                                                NULL, mem_free};

OTELC_API otelc_span_exporter *
otelc_memory_exporter_new(otelc_memory_exporter **handle) {
    otelc_memory_exporter *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    otelc_span_exporter *e = otelc_span_exporter_new(&mem_ops, m);
    if (handle)
        *handle = e ? m : NULL;
    return e;
}

OTELC_API size_t otelc_memory_exporter_count(otelc_memory_exporter *m) {
    if (!m)
        return 0;
    pthread_mutex_lock(&m->lock);
    size_t n = m->count;
    pthread_mutex_unlock(&m->lock);
    return n;
}

OTELC_API size_t otelc_memory_exporter_calls(otelc_memory_exporter *m) {
    if (!m)
        return 0;
    pthread_mutex_lock(&m->lock);
    size_t n = m->calls;
    pthread_mutex_unlock(&m->lock);
    return n;
}

OTELC_API const otelc_span_data *
otelc_memory_exporter_get(otelc_memory_exporter *m, size_t i) {
    if (!m)
        return NULL;
    pthread_mutex_lock(&m->lock);
    const otelc_span_data *d = i < m->count ? m->spans[i] : NULL;
    pthread_mutex_unlock(&m->lock);
    return d;
}

OTELC_API bool otelc_memory_exporter_wait(otelc_memory_exporter *m,
                                          size_t count, uint32_t timeout_ms) {
    if (!m)
        return false;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m->lock);
    while (m->count < count)
        if (pthread_cond_timedwait(&m->cond, &m->lock, &ts))
            break;
    bool ok = m->count >= count;
    pthread_mutex_unlock(&m->lock);
    return ok;
}

OTELC_API void otelc_memory_exporter_fail_next(otelc_memory_exporter *m,
                                               size_t n,
                                               otelc_export_result r) {
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->fail_remaining = n;
    m->fail_result = r;
    pthread_mutex_unlock(&m->lock);
}
