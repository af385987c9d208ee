/*
 * tests/export/test_batch.c - the batch span processor: exactly-once
 * delivery from many threads, drop accounting with a full queue, deadlines
 * with a hanging exporter, retries, permanent failures, fork(), fan-out to
 * several processors, batch sizes and the schedule delay.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_support.h"

/* ---- exactly once from 4 threads
 * ---------------------------------------------- */

static otelc_tracer *g_tracer;
enum { PAIRS_PER_THREAD = 50000, THREADS = 4 };

static void *produce_pairs(void *arg) {
    (void)arg;
    for (int i = 0; i < PAIRS_PER_THREAD; i++) {
        otelc_span *p = otelc_span_start(g_tracer, "parent", NULL);
        otelc_scope s = otelc_span_make_current(p);
        otelc_span *c = otelc_span_start(g_tracer, "child", NULL);
        otelc_span_end(c);
        otelc_scope_end(s);
        otelc_span_end(p);
    }
    return NULL;
}

typedef struct id_entry {
    uint8_t span[8];
    uint8_t parent[8];
    uint8_t trace[16];
    bool is_parent;
} id_entry;

static int cmp_span(const void *a, const void *b) {
    return memcmp(((const id_entry *)a)->span, ((const id_entry *)b)->span, 8);
}

Test(batch, four_threads_arrive_exactly_once_with_parent_links,
     .timeout = 120) {
    test_pipeline tp;
    otelc_batch_options o = {.max_queue_size = 200000,
                             .max_export_batch_size = 512,
                             .schedule_delay_ms = 50};
    pipeline_init(&tp, NULL, true, &o);
    g_tracer = tp.tracer;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, produce_pairs, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(otelc_tracer_provider_force_flush(tp.provider, 60000),
                 OTELC_OK);
    size_t total = (size_t)THREADS * PAIRS_PER_THREAD * 2;
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), total);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.spans_received, total);
    cr_assert_eq(st.spans_exported, total);
    cr_assert_eq(st.dropped_queue_full + st.dropped_export, 0);

    id_entry *e = malloc(sizeof *e * total);
    for (size_t i = 0; i < total; i++) {
        const otelc_span_data *d = otelc_memory_exporter_get(tp.mem, i);
        memcpy(e[i].span, d->context.span_id, 8);
        memcpy(e[i].parent, d->parent_span_id, 8);
        memcpy(e[i].trace, d->context.trace_id, 16);
        e[i].is_parent = strcmp(d->name, "parent") == 0;
    }
    qsort(e, total, sizeof *e, cmp_span);
    for (size_t i = 1; i < total; i++)
        cr_assert_neq(memcmp(e[i - 1].span, e[i].span, 8), 0,
                      "span exported twice");
    size_t children = 0;
    for (size_t i = 0; i < total; i++) {
        if (e[i].is_parent)
            continue;
        children++;
        id_entry key;
        memcpy(key.span, e[i].parent, 8);
        id_entry *p = bsearch(&key, e, total, sizeof *e, cmp_span);
        cr_assert_not_null(p, "child without its parent");
        cr_assert(p->is_parent);
        cr_assert_eq(memcmp(p->trace, e[i].trace, 16), 0);
    }
    cr_assert_eq(children, total / 2);
    free(e);
    pipeline_free(&tp);
}

/* ---- a slow exporter and a tiny queue
 * ------------------------------------------------ */

typedef struct slow_state {
    int sleep_ms;
    size_t max_batch;
    size_t spans;
    pthread_mutex_t lock;
} slow_state;

static otelc_export_result slow_export(void *st,
                                       const otelc_span_data *const *s,
                                       size_t n, otelc_export_context *ctx) {
    (void)s;
    (void)ctx;
    slow_state *ss = st;
    usleep((useconds_t)ss->sleep_ms * 1000);
    pthread_mutex_lock(&ss->lock);
    if (n > ss->max_batch)
        ss->max_batch = n;
    ss->spans += n;
    pthread_mutex_unlock(&ss->lock);
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_span_exporter_ops slow_ops = {"slow", slow_export, NULL,
                                                 NULL, NULL};

Test(batch, a_full_queue_drops_and_counts_exactly) {
    static slow_state ss = {.sleep_ms = 20, .lock = PTHREAD_MUTEX_INITIALIZER};
    otelc_tracer_provider *p = otelc_tracer_provider_new(NULL, NULL);
    otelc_batch_options o = {.max_queue_size = 16,
                             .max_export_batch_size = 8,
                             .schedule_delay_ms = 10};
    otelc_span_processor *proc = otelc_batch_span_processor_new(
        otelc_span_exporter_new(&slow_ops, &ss), &o);
    otelc_tracer_provider_add_processor(p, proc);
    otelc_tracer *t = otelc_tracer_get(p, "t", NULL);
    diag_capture_start();
    enum { N = 10000 };
    for (int i = 0; i < N; i++)
        otelc_span_end(otelc_span_start(t, "s", NULL));
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(proc, &st);
    otelc_tracer_stats ts;
    otelc_tracer_provider_stats(p, &ts);
    cr_assert_eq(ts.spans_started, N);
    cr_assert_eq(ts.spans_ended, N);
    cr_assert_eq(st.spans_received, N);
    cr_assert_gt(st.dropped_queue_full, 0);
    cr_assert_eq(st.dropped_queue_full, ts.spans_started - st.spans_exported);
    cr_assert_eq(st.spans_exported, ss.spans);
    cr_assert_leq(ss.max_batch, 8);
    /* The drop is reported, rate-limited: one line, not thousands. */
    cr_assert_eq(diag_count("queue full", NULL), 1);
    diag_capture_stop();
    otelc_tracer_provider_free(p);
}

Test(batch, batch_larger_than_queue_is_corrected) {
    diag_capture_start();
    static slow_state ss = {.sleep_ms = 0, .lock = PTHREAD_MUTEX_INITIALIZER};
    otelc_batch_options o = {.max_queue_size = 4, .max_export_batch_size = 100};
    otelc_span_processor *proc = otelc_batch_span_processor_new(
        otelc_span_exporter_new(&slow_ops, &ss), &o);
    cr_assert_not_null(proc);
    cr_assert_eq(diag_count("max export batch size 100 exceeds the queue "
                            "size 4; using 4",
                            NULL),
                 1);
    otelc_span_processor_free(proc);
    diag_capture_stop();
}

/* ---- a hanging exporter
 * ------------------------------------------------------------------ */

static _Atomic int g_hang_calls;
static otelc_export_result hang_export(void *st,
                                       const otelc_span_data *const *s,
                                       size_t n, otelc_export_context *ctx) {
    (void)st;
    (void)s;
    (void)n;
    (void)ctx;
    g_hang_calls++;
    sleep(5); /* ignores its deadline, as a broken exporter would */
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_span_exporter_ops hang_ops = {"hang", hang_export, NULL,
                                                 NULL, NULL};

Test(batch, flush_and_shutdown_meet_their_deadline_with_a_hanging_exporter) {
    otelc_tracer_provider *p = otelc_tracer_provider_new(NULL, NULL);
    otelc_span_processor *proc = otelc_batch_span_processor_new(
        otelc_span_exporter_new(&hang_ops, NULL), NULL);
    otelc_tracer_provider_add_processor(p, proc);
    otelc_tracer *t = otelc_tracer_get(p, "t", NULL);
    for (int i = 0; i < 10; i++)
        otelc_span_end(otelc_span_start(t, "s", NULL));
    double t0 = mono_ms();
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 300), OTELC_ETIMEDOUT);
    double t1 = mono_ms();
    cr_assert_lt(t1 - t0, 300 + 100, "flush took %.0f ms", t1 - t0);
    cr_assert_geq(t1 - t0, 290);
    for (int i = 0; i < 5; i++)
        otelc_span_end(otelc_span_start(t, "late", NULL));
    diag_capture_start();
    t0 = mono_ms();
    cr_assert_eq(otelc_tracer_provider_shutdown(p, 500), OTELC_ETIMEDOUT);
    t1 = mono_ms();
    cr_assert_lt(t1 - t0, 500 + 100, "shutdown took %.0f ms", t1 - t0);
    otelc_processor_stats st;
    otelc_span_processor_stats(proc, &st);
    /* All 15 spans: 10 in flight in the hung export, 5 still queued. */
    cr_assert_eq(st.dropped_shutdown, 15);
    cr_assert_eq(st.spans_exported, 0);
    cr_assert_eq(diag_count("worker abandoned", NULL), 1);
    cr_assert_eq(otelc_tracer_provider_shutdown(p, 100), OTELC_ESHUTDOWN);
    diag_capture_stop();
    /* Spans after shutdown are non-recording. */
    otelc_span *after = otelc_span_start(t, "after", NULL);
    cr_assert_not(otelc_span_is_recording(after));
    otelc_span_end(after);
    /* The provider is deliberately not freed: its worker is still inside
     * the hung export, and freeing waits for nothing. */
}

/* ---- retries and failures
 * ----------------------------------------------------------------- */

Test(batch, retryable_failures_are_retried_with_backoff, .timeout = 30) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, true, NULL);
    otelc_memory_exporter_fail_next(tp.mem, 2, OTELC_EXPORT_RETRYABLE);
    for (int i = 0; i < 7; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "r", NULL));
    double t0 = mono_ms();
    cr_assert_eq(otelc_tracer_provider_force_flush(tp.provider, 15000),
                 OTELC_OK);
    double waited = mono_ms() - t0;
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 7);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.export_calls, 3);
    cr_assert_eq(st.export_failures, 2);
    cr_assert_eq(st.export_retries, 2);
    cr_assert_eq(st.spans_exported, 7);
    /* Backoff: about 1 s then 1.5 s, each with +-20% jitter. */
    cr_assert_geq(waited, 0.8 * 1000 + 0.8 * 1500);
    pipeline_free(&tp);
}

Test(batch, permanent_failures_drop_the_batch_and_count_it) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, true, NULL);
    otelc_memory_exporter_fail_next(tp.mem, 1, OTELC_EXPORT_FAILURE);
    for (int i = 0; i < 5; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "f", NULL));
    otelc_tracer_provider_force_flush(tp.provider, 5000);
    for (int i = 0; i < 3; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "ok", NULL));
    otelc_tracer_provider_force_flush(tp.provider, 5000);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.dropped_export, 5);
    cr_assert_eq(st.spans_exported, 3);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 3);
    pipeline_free(&tp);
}

Test(batch, retries_stop_at_the_export_timeout) {
    test_pipeline tp;
    otelc_batch_options o = {.export_timeout_ms = 1500};
    pipeline_init(&tp, NULL, true, &o);
    otelc_memory_exporter_fail_next(tp.mem, 1000, OTELC_EXPORT_RETRYABLE);
    for (int i = 0; i < 4; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "x", NULL));
    double t0 = mono_ms();
    otelc_tracer_provider_force_flush(tp.provider, 10000);
    double took = mono_ms() - t0;
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.dropped_export, 4);
    cr_assert_eq(st.spans_exported, 0);
    cr_assert_lt(took, 1500 + 500);
    pipeline_free(&tp);
}

/* ---- shutdown
 * -------------------------------------------------------------------------------
 */

Test(batch, shutdown_exports_what_is_queued_and_is_idempotent) {
    test_pipeline tp;
    otelc_batch_options o = {.schedule_delay_ms = 60000};
    pipeline_init(&tp, NULL, true, &o);
    for (int i = 0; i < 100; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "q", NULL));
    otelc_span *straddler = otelc_span_start(tp.tracer, "straddler", NULL);
    cr_assert_eq(otelc_tracer_provider_shutdown(tp.provider, 5000), OTELC_OK);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 100);
    cr_assert_eq(otelc_tracer_provider_shutdown(tp.provider, 5000),
                 OTELC_ESHUTDOWN);
    /* Started before, ended after shutdown: dropped and counted. */
    otelc_span_end(straddler);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.dropped_shutdown, 1);
    pipeline_free(&tp);
}

Test(batch, schedule_delay_exports_without_a_flush) {
    test_pipeline tp;
    otelc_batch_options o = {.schedule_delay_ms = 100};
    pipeline_init(&tp, NULL, true, &o);
    otelc_span_end(otelc_span_start(tp.tracer, "timer", NULL));
    cr_assert(otelc_memory_exporter_wait(tp.mem, 1, 5000));
    pipeline_free(&tp);
}

Test(batch, a_full_batch_wakes_the_worker_before_the_delay) {
    static slow_state ss = {.sleep_ms = 0, .lock = PTHREAD_MUTEX_INITIALIZER};
    otelc_tracer_provider *p = otelc_tracer_provider_new(NULL, NULL);
    otelc_batch_options o = {.schedule_delay_ms = 60000,
                             .max_export_batch_size = 10};
    otelc_span_processor *proc = otelc_batch_span_processor_new(
        otelc_span_exporter_new(&slow_ops, &ss), &o);
    otelc_tracer_provider_add_processor(p, proc);
    otelc_tracer *t = otelc_tracer_get(p, "t", NULL);
    for (int i = 0; i < 10; i++)
        otelc_span_end(otelc_span_start(t, "s", NULL));
    double t0 = mono_ms();
    size_t got = 0;
    while (mono_ms() - t0 < 5000) {
        pthread_mutex_lock(&ss.lock);
        got = ss.spans;
        pthread_mutex_unlock(&ss.lock);
        if (got >= 10)
            break;
        usleep(1000);
    }
    cr_assert_eq(got, 10);
    otelc_tracer_provider_free(p);
}

/* ---- fan-out
 * ------------------------------------------------------------------------------------
 */

Test(batch, several_processors_each_get_every_span) {
    otelc_tracer_provider *p = otelc_tracer_provider_new(NULL, NULL);
    otelc_memory_exporter *m1, *m2, *m3;
    otelc_tracer_provider_add_processor(
        p,
        otelc_batch_span_processor_new(otelc_memory_exporter_new(&m1), NULL));
    otelc_tracer_provider_add_processor(
        p, otelc_simple_span_processor_new(otelc_memory_exporter_new(&m2)));
    otelc_tracer_provider_add_processor(
        p,
        otelc_batch_span_processor_new(otelc_memory_exporter_new(&m3), NULL));
    otelc_tracer *t = otelc_tracer_get(p, "t", NULL);
    for (int i = 0; i < 1000; i++) {
        otelc_span *s = otelc_span_start(t, "fan", NULL);
        otelc_span_set_attribute_int(s, "i", i);
        otelc_span_end(s);
    }
    otelc_tracer_provider_force_flush(p, 5000);
    cr_assert_eq(otelc_memory_exporter_count(m1), 1000);
    cr_assert_eq(otelc_memory_exporter_count(m2), 1000);
    cr_assert_eq(otelc_memory_exporter_count(m3), 1000);
    cr_assert_eq(otelc_memory_exporter_get(m3, 999)->attributes[0].value.u.i,
                 999);
    cr_assert_str_eq(
        otelc_span_processor_name(otelc_tracer_provider_processor(p, 0)),
        "batch(memory)");
    cr_assert_str_eq(
        otelc_span_processor_name(otelc_tracer_provider_processor(p, 1)),
        "simple(memory)");
    cr_assert_null(otelc_tracer_provider_processor(p, 3));
    otelc_tracer_provider_free(p);
}

/* ---- fork
 * --------------------------------------------------------------------------------------
 */

static size_t count_named(otelc_memory_exporter *m, const char *name) {
    size_t n = otelc_memory_exporter_count(m), c = 0;
    for (size_t i = 0; i < n; i++)
        c += strcmp(otelc_memory_exporter_get(m, i)->name, name) == 0;
    return c;
}

Test(batch, a_forked_child_exports_its_own_spans, .timeout = 60) {
    test_pipeline tp;
    otelc_batch_options o = {.schedule_delay_ms = 60000};
    pipeline_init(&tp, NULL, true, &o);
    for (int i = 0; i < 100; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "parent", NULL));
    /* Some parent spans are still queued at fork time. */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        otelc_span *first = otelc_span_start(tp.tracer, "first", NULL);
        otelc_span_context fc = otelc_span_get_context(first);
        otelc_span_end(first);
        if (write(fds[1], fc.trace_id, 16) != 16)
            bad |= 16;
        for (int i = 0; i < 50; i++)
            otelc_span_end(otelc_span_start(tp.tracer, "child", NULL));
        if (otelc_tracer_provider_force_flush(tp.provider, 5000) != OTELC_OK)
            bad |= 1;
        if (count_named(tp.mem, "child") != 50 ||
            count_named(tp.mem, "first") != 1)
            bad |= 2;
        /* The parent's queued spans are the parent's: not exported here. */
        if (count_named(tp.mem, "parent") != 0)
            bad |= 4;
        if (otelc_tracer_provider_shutdown(tp.provider, 5000) != OTELC_OK)
            bad |= 8;
        _exit(bad);
    }
    cr_assert_gt(pid, 0);
    otelc_span *mine = otelc_span_start(tp.tracer, "after_fork", NULL);
    otelc_span_context mc = otelc_span_get_context(mine);
    otelc_span_end(mine);
    uint8_t child_tid[16];
    cr_assert_eq(read(fds[0], child_tid, 16), 16);
    /* The child re-seeded its id generator: ids differ. */
    cr_assert_neq(memcmp(child_tid, mc.trace_id, 16), 0);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child failed with bits %d",
                 WEXITSTATUS(status));
    cr_assert_eq(otelc_tracer_provider_force_flush(tp.provider, 5000),
                 OTELC_OK);
    cr_assert_eq(count_named(tp.mem, "parent"), 100);
    cr_assert_eq(count_named(tp.mem, "child"), 0);
    pipeline_free(&tp);
}

Test(batch, shutdown_does_not_wait_out_its_deadline_on_a_dead_receiver) {
    test_pipeline tp;
    otelc_batch_options o = {.schedule_delay_ms = 60000};
    pipeline_init(&tp, NULL, true, &o);
    otelc_memory_exporter_fail_next(tp.mem, 1000, OTELC_EXPORT_RETRYABLE);
    for (int i = 0; i < 5; i++)
        otelc_span_end(otelc_span_start(tp.tracer, "s", NULL));
    double t0 = mono_ms();
    cr_assert_eq(otelc_tracer_provider_shutdown(tp.provider, 10000), OTELC_OK);
    double took = mono_ms() - t0;
    /* Three quick attempts 200 ms apart, not ten seconds of backoff. */
    cr_assert_lt(took, 1000, "shutdown took %.0f ms", took);
    otelc_processor_stats st;
    otelc_span_processor_stats(tp.proc, &st);
    cr_assert_eq(st.export_calls, 3);
    cr_assert_eq(st.dropped_shutdown, 5);
    cr_assert_eq(st.spans_exported, 0);
    pipeline_free(&tp);
}
