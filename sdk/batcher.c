/*
 * sdk/batcher.c - bounded per-thread queues drained by one worker thread.
 *
 * Queue design.  Each producing thread gets its own single-producer,
 * single-consumer ring per batcher (bound to the thread through a per-thread
 * slot, sdk/thread_int.h).  A push is a slot lookup, a store and a release
 * store of the tail: no lock, no read-modify-write, no cache line shared with
 * other producers.  That is what lets two threads end spans at twice the
 * rate of one.  The bound applies per producing thread: each ring holds
 * max_queue_size items, and a push to a full ring drops the item and counts
 * it (no silent loss).  Memory is therefore bounded by
 * threads x max_queue_size x item size; rings are reused by threads that
 * adopt an exited thread's state, so the number of rings is bounded by the
 * peak number of concurrent threads.
 *
 * Wake-ups.  The worker sleeps on a futex until the schedule delay passes.
 * A producer whose ring reaches max_export_batch_size items wakes it, at
 * most once per worker sleep (wake_pending), so the expensive syscall is
 * coalesced.  Flush and shutdown requests wake it too.
 *
 * Export and retry.  The worker collects up to max_export_batch_size items
 * from the rings (rotating the starting ring for fairness), exports them,
 * and on a retryable failure retries with the policy of sdk/retry_int.h
 * (exponential backoff with jitter, honouring the server's retry-after)
 * until the export deadline: now + export_timeout, or the shutdown deadline
 * if sooner; while shutting down, at most three quick attempts per batch. Items
 * that cannot be exported are counted by reason, except those an exporter that
 * splits a batch into several requests reports as already delivered
 * (ctx->delivered_items): they count as exported.
 *
 * Deadlines.  flush() and shutdown() wait on a futex with the caller's
 * deadline and return by then whatever the exporter does.  A shutdown that
 * times out abandons the worker: it counts what is still queued or in
 * flight as dropped, and the worker frees the batcher if its export ever
 * returns (two references: owner and worker).
 *
 * fork().  prepare waits (up to 1 s) for the worker to be between exports;
 * the child then discards the parent's queued items, resets its counters and
 * starts a new worker.  If the worker was busy exporting, the child cannot
 * trust the exporter's state: the batcher is left stopped in the child,
 * with a diagnostic, and its pushes are dropped and counted.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/batcher_int.h"
#include "sdk/retry_int.h"

typedef struct ring {
    _Alignas(OTELC_CACHELINE) _Atomic uint64_t tail; /* producer */
    uint64_t cached_head;                            /* producer only */
    _Atomic uint64_t dropped;                        /* producer */
    _Alignas(OTELC_CACHELINE) _Atomic uint64_t head; /* consumer */
    struct ring *next;                               /* batcher's list */
    uint64_t cap;
    uint64_t mask;
    void *slots[];
} ring;

struct otelc__batcher {
    uint64_t id; /* slot owner id */
    const otelc__batcher_ops *ops;
    void *user;
    otelc__batch_config cfg;
    char name[16];

    _Atomic(ring *) rings; /* push-front list, never shrinks */
    pthread_mutex_t rings_lock;
    ring *cursor;

    /* Wake-up protocol (see the file comment). */
    _Alignas(OTELC_CACHELINE) _Atomic uint32_t wake_seq;
    _Atomic int wake_pending;

    _Alignas(OTELC_CACHELINE) _Atomic uint64_t flush_req;
    _Atomic uint64_t flush_done;
    _Atomic uint32_t flush_seq; /* futex word for flush waiters */
    _Atomic uint64_t flush_deadline;
    _Atomic int stop_req;
    _Atomic uint64_t stop_deadline;
    _Atomic uint32_t done; /* futex word: worker finished */
    _Atomic int abandoned;
    _Atomic int shut; /* shutdown called */
    _Atomic int refs; /* owner + worker */
    _Atomic uint64_t inflight;
    /* Orders item accounting between the worker and a shutdown that
     * abandons it: items move from the rings to the in-flight batch, and a
     * batch is counted, only under this lock, so every item is counted
     * exactly once by one of the two.  Producers never take it. */
    pthread_mutex_t acct;

    pthread_t thread;
    bool thread_started;
    bool broken_after_fork;
    pthread_mutex_t export_lock; /* held by the worker during each export */
    bool fork_locked;
    uint64_t rng;
    void **batch;

    /* Worker-written counters. */
    _Atomic uint64_t exported, dropped_export, dropped_shutdown,
        dropped_rejected, export_calls, export_failures, export_retries;

    otelc__fork_hook fork_hook;
    otelc__ratelimit fail_rl; /* export failure diagnostics */
};

static otelc__ratelimit g_drop_rl;

/* ---- producer side
 * ---------------------------------------------------------------- */

static inline uint64_t ring_depth(ring *r) {
    return atomic_load_explicit(&r->tail, memory_order_acquire) -
           atomic_load_explicit(&r->head, memory_order_acquire);
}

static void wake_worker(otelc__batcher *b) {
    atomic_fetch_add_explicit(&b->wake_seq, 1, memory_order_release);
    otelc__futex_wake_all(&b->wake_seq);
}

static inline bool ring_push(otelc__batcher *b, ring *r, void *item) {
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (OTELC_UNLIKELY(t - r->cached_head >= r->cap)) {
        r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
        if (t - r->cached_head >= r->cap) {
            atomic_store_explicit(
                &r->dropped,
                atomic_load_explicit(&r->dropped, memory_order_relaxed) + 1,
                memory_order_relaxed);
            otelc__diag_deferred(&g_drop_rl, OTELC_DIAG_WARN,
                                 "%s: queue full (%llu per thread); item "
                                 "dropped (see the dropped_queue_full counter)",
                                 b->name, (unsigned long long)r->cap);
            return false;
        }
    }
    r->slots[t & r->mask] = item;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    /* A full batch is waiting: make sure the worker is awake.  While a wake
     * is pending (or the worker is polling) this is one load of a line that
     * rarely changes; only otherwise do we re-read the head and fence. */
    if (OTELC_UNLIKELY(t + 1 - r->cached_head >=
                       b->cfg.max_export_batch_size) &&
        !atomic_load_explicit(&b->wake_pending, memory_order_relaxed)) {
        r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
        if (t + 1 - r->cached_head >= b->cfg.max_export_batch_size) {
            /* Pairs with the fence in the worker before it sleeps: either it
             * sees our item or we see wake_pending == 0 and wake it.  (A
             * stale "pending" seen above only delays the wake to our next
             * push.) */
            atomic_thread_fence(memory_order_seq_cst);
            if (!atomic_load_explicit(&b->wake_pending, memory_order_relaxed) &&
                !atomic_exchange(&b->wake_pending, 1))
                wake_worker(b);
        }
    }
    return true;
}

static void add_shutdown_drop(otelc__batcher *b) {
    atomic_fetch_add_explicit(&b->dropped_shutdown, 1, memory_order_relaxed);
}

bool otelc__batcher_push_slow(otelc__batcher *b, otelc__thread *t, void *item) {
    uint64_t cap = 1;
    while (cap < b->cfg.max_queue_size)
        cap <<= 1;
    /* The ring holds exactly max_queue_size items; the power-of-two array
     * only makes indexing a mask. */
    ring *r =
        aligned_alloc(OTELC_CACHELINE, (sizeof(ring) + sizeof(void *) * cap +
                                        OTELC_CACHELINE - 1) &
                                           ~(size_t)(OTELC_CACHELINE - 1));
    if (!r) {
        otelc__diag_deferred(&g_drop_rl, OTELC_DIAG_ERROR,
                             "%s: out of memory for a queue; item dropped",
                             b->name);
        return false;
    }
    memset(r, 0, sizeof *r);
    r->cap = b->cfg.max_queue_size;
    r->mask = cap - 1;
    pthread_mutex_lock(&b->rings_lock);
    r->next = atomic_load_explicit(&b->rings, memory_order_relaxed);
    atomic_store_explicit(&b->rings, r, memory_order_release);
    pthread_mutex_unlock(&b->rings_lock);
    otelc__slot_bind(t, b->id, r);
    return ring_push(b, r, item);
}

bool otelc__batcher_push(otelc__batcher *b, void *item) {
    if (OTELC_UNLIKELY(atomic_load_explicit(&b->shut, memory_order_relaxed))) {
        add_shutdown_drop(b);
        return false;
    }
    otelc__thread *t = otelc__thread_get();
    if (OTELC_UNLIKELY(!t))
        return false;
    ring *r = otelc__slot_find(t, b->id);
    if (OTELC_UNLIKELY(!r))
        return otelc__batcher_push_slow(b, t, item);
    return ring_push(b, r, item);
}

bool otelc__batcher_push_wait(otelc__batcher *b, void *item, uint64_t deadline,
                              bool *waited) {
    *waited = false;
    if (OTELC_UNLIKELY(atomic_load_explicit(&b->shut, memory_order_relaxed))) {
        add_shutdown_drop(b);
        return false;
    }
    otelc__thread *t = otelc__thread_get();
    if (OTELC_UNLIKELY(!t))
        return false;
    ring *r = otelc__slot_find(t, b->id);
    if (OTELC_UNLIKELY(!r))
        return otelc__batcher_push_slow(b, t, item);
    /* This thread is the ring's only producer, so room seen here is still
     * there at the push.  While full: wake the worker and sleep a little
     * (50 us, doubling to 1 ms); at the deadline ring_push drops and
     * counts as usual. */
    uint64_t sleep_ns = 50000;
    for (;;) {
        uint64_t tl = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (tl - atomic_load_explicit(&r->head, memory_order_acquire) <
                r->cap ||
            otelc__mono_ns() >= deadline)
            return ring_push(b, r, item);
        if (atomic_load(&b->shut)) {
            add_shutdown_drop(b);
            return false;
        }
        *waited = true;
        wake_worker(b);
        struct timespec ts = {0, (long)sleep_ns};
        nanosleep(&ts, NULL);
        if (sleep_ns < 1000000)
            sleep_ns *= 2;
    }
}

/* ---- worker side
 * ---------------------------------------------------------------------- */

static uint64_t queue_depth(otelc__batcher *b) {
    uint64_t d = 0;
    for (ring *r = atomic_load_explicit(&b->rings, memory_order_acquire); r;
         r = r->next)
        d += ring_depth(r);
    return d;
}

/* Take up to max items, starting at the cursor ring for fairness. */
static size_t collect(otelc__batcher *b, void **out, size_t max) {
    ring *first = atomic_load_explicit(&b->rings, memory_order_acquire);
    if (!first)
        return 0;
    ring *start = b->cursor ? b->cursor : first;
    ring *r = start;
    size_t n = 0;
    do {
        uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
        uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
        uint64_t k = t - h;
        if (k > max - n)
            k = max - n;
        for (uint64_t i = 0; i < k; i++)
            out[n++] = r->slots[(h + i) & r->mask];
        atomic_store_explicit(&r->head, h + k, memory_order_release);
        r = r->next ? r->next : first;
    } while (n < max && r != start);
    b->cursor = r;
    return n;
}

static void add(_Atomic uint64_t *c, uint64_t v) {
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/* Sleep until `until` (monotonic) unless a stop request arrives. */
static void backoff_sleep(otelc__batcher *b, uint64_t until) {
    while (otelc__mono_ns() < until && !atomic_load(&b->stop_req)) {
        uint32_t seq = atomic_load(&b->wake_seq);
        otelc__futex_wait(&b->wake_seq, seq, until);
    }
}

static uint64_t effective_deadline(otelc__batcher *b, uint64_t d) {
    if (atomic_load(&b->stop_req)) {
        uint64_t sd = atomic_load(&b->stop_deadline);
        if (sd < d)
            d = sd;
    }
    return d;
}

/* Count a batch that is given up: the items the exporter reported as
 * already delivered (a split batch) are exported, the rest dropped. */
static void give_up(otelc__batcher *b, size_t n, uint64_t delivered,
                    _Atomic uint64_t *reason) {
    add(&b->exported, delivered);
    add(reason, n - delivered);
}

/* Move up to max items from the rings into the in-flight batch; none once
 * a shutdown has abandoned the worker. */
static size_t take_batch(otelc__batcher *b, void **out, size_t max) {
    pthread_mutex_lock(&b->acct);
    size_t n = 0;
    if (!atomic_load(&b->abandoned)) {
        n = collect(b, out, max);
        atomic_store(&b->inflight, n);
    }
    pthread_mutex_unlock(&b->acct);
    return n;
}

/* Count the in-flight batch: settle_begin() returns false (and holds
 * nothing) when an abandoning shutdown has already counted it. */
static bool settle_begin(otelc__batcher *b) {
    pthread_mutex_lock(&b->acct);
    if (atomic_load(&b->abandoned)) {
        pthread_mutex_unlock(&b->acct);
        return false;
    }
    return true;
}
static void settle_end(otelc__batcher *b) {
    atomic_store(&b->inflight, 0);
    pthread_mutex_unlock(&b->acct);
}

static void export_with_retry(otelc__batcher *b, void **items, size_t n) {
    uint64_t deadline =
        otelc__mono_ns() + (uint64_t)b->cfg.export_timeout_ms * 1000000u;
    otelc__backoff backoff;
    otelc__backoff_init(&backoff);
    uint64_t delivered = 0; /* items of this batch already at the receiver */
    for (uint32_t attempt = 1;; attempt++) {
        uint64_t d = effective_deadline(b, deadline);
        if (otelc__mono_ns() >= d) {
            if (settle_begin(b)) {
                give_up(b, n, delivered,
                        atomic_load(&b->stop_req) ? &b->dropped_shutdown
                                                  : &b->dropped_export);
                settle_end(b);
            }
            break;
        }
        otelc_export_context ctx = {d, 0, 0, attempt};
        pthread_mutex_lock(&b->export_lock);
        otelc_export_result r = b->ops->export_items(b->user, items, n, &ctx);
        pthread_mutex_unlock(&b->export_lock);
        if (atomic_load(&b->abandoned))
            break; /* the shutdown caller counted these */
        add(&b->export_calls, 1);
        if (attempt > 1)
            add(&b->export_retries, 1);
        if (r == OTELC_EXPORT_SUCCESS) {
            uint64_t rej = ctx.rejected_items > n ? n : ctx.rejected_items;
            if (settle_begin(b)) {
                add(&b->exported, n - rej);
                add(&b->dropped_rejected, rej);
                settle_end(b);
            }
            break;
        }
        add(&b->export_failures, 1);
        if (ctx.delivered_items > delivered)
            delivered = ctx.delivered_items > n ? n : ctx.delivered_items;
        if (r != OTELC_EXPORT_RETRYABLE) {
            if (settle_begin(b)) {
                give_up(b, n, delivered, &b->dropped_export);
                settle_end(b);
            }
            otelc__diag_limited(
                &b->fail_rl, OTELC_DIAG_WARN,
                "%s: export failed permanently; %llu items dropped", b->name,
                (unsigned long long)(n - delivered));
            break;
        }
        bool final = atomic_load(&b->stop_req) != 0;
        uint64_t wait_ms =
            otelc__backoff_next(&backoff, final, ctx.retry_after_ms, &b->rng);
        uint64_t until = wait_ms == UINT64_MAX
                             ? UINT64_MAX
                             : otelc__mono_ns() + wait_ms * 1000000u;
        d = effective_deadline(b, deadline);
        if (until >= d) {
            if (settle_begin(b)) {
                give_up(b, n, delivered,
                        final ? &b->dropped_shutdown : &b->dropped_export);
                settle_end(b);
            }
            otelc__diag_limited(
                &b->fail_rl, OTELC_DIAG_WARN,
                "%s: export still failing after %u attempt(s)%s; "
                "%llu items dropped",
                b->name, attempt,
                final ? " at shutdown" : " and the export deadline is near",
                (unsigned long long)(n - delivered));
            break;
        }
        otelc__diag(OTELC_DIAG_DEBUG,
                    "%s: retryable export failure; retry %u "
                    "in %llu ms",
                    b->name, attempt, (unsigned long long)wait_ms);
        backoff_sleep(b, until);
    }
}

/* Export up to `limit` items (everything present when 0), in batches. */
static void drain(otelc__batcher *b, uint64_t limit) {
    uint64_t done = 0;
    for (;;) {
        size_t want = b->cfg.max_export_batch_size;
        if (limit && limit - done < want)
            want = (size_t)(limit - done);
        size_t n = take_batch(b, b->batch, want);
        if (!n)
            return;
        if (atomic_load(&b->stop_req) &&
            otelc__mono_ns() >= atomic_load(&b->stop_deadline)) {
            if (settle_begin(b)) {
                add(&b->dropped_shutdown, n);
                settle_end(b);
            }
        } else {
            export_with_retry(b, b->batch, n);
        }
        b->ops->release_items(b->user, b->batch, n);
        done += n;
        if (limit ? done >= limit : n < b->cfg.max_export_batch_size)
            return;
    }
}

static void release_ref(otelc__batcher *b);

/* How long the worker polls after a full batch before it sleeps. */
#define POLL_NS 100000u

static void *worker_main(void *arg) {
    otelc__batcher *b = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_setname_np(pthread_self(), b->name);

    uint64_t delay = (uint64_t)b->cfg.schedule_delay_ms * 1000000u;
    uint64_t next = otelc__mono_ns() + delay;
    uint64_t flushed = atomic_load(&b->flush_done);
    for (;;) {
        otelc__clock_refresh();
        otelc__diag_flush_deferred();
        uint32_t seq = atomic_load(&b->wake_seq);
        int stop = atomic_load(&b->stop_req);
        uint64_t freq = atomic_load(&b->flush_req);
        uint64_t now = otelc__mono_ns();
        uint64_t depth = queue_depth(b);
        if (stop || freq != flushed) {
            drain(b, depth);
            if (b->ops->flush && !stop)
                b->ops->flush(b->user, atomic_load(&b->flush_deadline));
            flushed = freq;
            atomic_store(&b->flush_done, freq);
            atomic_fetch_add(&b->flush_seq, 1);
            otelc__futex_wake_all(&b->flush_seq);
            next = otelc__mono_ns() + delay;
            if (stop)
                break;
            continue;
        }
        if (depth >= b->cfg.max_export_batch_size || (depth && now >= next)) {
            bool by_size = depth >= b->cfg.max_export_batch_size;
            drain(b, 0);
            next = otelc__mono_ns() + delay;
            if (by_size) {
                /* Under sustained load, poll briefly instead of sleeping:
                 * wake_pending stays set, so producers skip the wake-up
                 * syscall, which on a virtual machine costs them an
                 * inter-processor interrupt every batch. */
                uint64_t until = otelc__mono_ns() + POLL_NS;
                uint32_t s2 = atomic_load(&b->wake_seq);
                otelc__futex_wait(&b->wake_seq, s2, until);
            }
            continue;
        }
        if (now >= next)
            next = now + delay;
        atomic_store(&b->wake_pending, 0);
        atomic_thread_fence(memory_order_seq_cst);
        if (queue_depth(b) >= b->cfg.max_export_batch_size)
            continue;
        /* The clock offset is refreshed at least once a second. */
        uint64_t until = next;
        if (until > now + 1000000000u)
            until = now + 1000000000u;
        otelc__futex_wait(&b->wake_seq, seq, until);
    }
    if (!atomic_load(&b->abandoned) && b->ops->shutdown)
        b->ops->shutdown(b->user, atomic_load(&b->stop_deadline));
    otelc__diag_flush_deferred();
    atomic_store(&b->done, 1);
    otelc__futex_wake_all(&b->done);
    release_ref(b);
    return NULL;
}

/* ---- lifecycle
 * -----------------------------------------------------------------------------
 */

static void destroy(otelc__batcher *b) {
    otelc__fork_unregister(&b->fork_hook);
    ring *r = atomic_load(&b->rings);
    while (r) {
        ring *n = r->next;
        /* Whatever is left was counted as dropped by shutdown. */
        uint64_t h = atomic_load(&r->head), t = atomic_load(&r->tail);
        for (; h != t; h++) {
            void *item = r->slots[h & r->mask];
            b->ops->release_items(b->user, &item, 1);
        }
        free(r);
        r = n;
    }
    if (b->ops->free_user)
        b->ops->free_user(b->user);
    pthread_mutex_destroy(&b->rings_lock);
    pthread_mutex_destroy(&b->export_lock);
    pthread_mutex_destroy(&b->acct);
    free(b->batch);
    free(b);
}

static void release_ref(otelc__batcher *b) {
    if (atomic_fetch_sub(&b->refs, 1) == 1)
        destroy(b);
}

static bool start_worker(otelc__batcher *b) {
    atomic_store(&b->refs, 2);
    atomic_store(&b->done, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(&b->thread, &attr, worker_main, b);
    pthread_attr_destroy(&attr);
    if (rc) {
        atomic_store(&b->refs, 1);
        atomic_store(&b->done, 1);
        otelc__diag(OTELC_DIAG_ERROR, "%s: cannot start worker thread: %s",
                    b->name, strerror(rc));
        return false;
    }
    b->thread_started = true;
    return true;
}

static void fork_prepare(void *arg) {
    otelc__batcher *b = arg;
    pthread_mutex_lock(&b->rings_lock);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    b->fork_locked = pthread_mutex_timedlock(&b->export_lock, &ts) == 0;
    pthread_mutex_lock(&b->acct); /* held by the worker only briefly */
}

static void fork_parent(void *arg) {
    otelc__batcher *b = arg;
    pthread_mutex_unlock(&b->acct);
    if (b->fork_locked)
        pthread_mutex_unlock(&b->export_lock);
    pthread_mutex_unlock(&b->rings_lock);
}

static void fork_child(void *arg) {
    otelc__batcher *b = arg;
    pthread_mutex_init(&b->rings_lock, NULL);
    pthread_mutex_init(&b->export_lock, NULL);
    pthread_mutex_init(&b->acct, NULL);
    /* The parent's queued items are the parent's to export: drop them here
     * without counting, and start the child's counters from zero. */
    for (ring *r = atomic_load(&b->rings); r; r = r->next) {
        uint64_t h = atomic_load(&r->head), t = atomic_load(&r->tail);
        for (; h != t; h++) {
            void *item = r->slots[h & r->mask];
            b->ops->release_items(b->user, &item, 1);
        }
        atomic_store(&r->head, t);
        atomic_store(&r->dropped, 0);
        r->cached_head = t;
    }
    b->cursor = NULL;
    atomic_store(&b->exported, 0);
    atomic_store(&b->dropped_export, 0);
    atomic_store(&b->dropped_shutdown, 0);
    atomic_store(&b->dropped_rejected, 0);
    atomic_store(&b->export_calls, 0);
    atomic_store(&b->export_failures, 0);
    atomic_store(&b->export_retries, 0);
    atomic_store(&b->inflight, 0);
    atomic_store(&b->wake_pending, 0);
    atomic_store(&b->flush_done, atomic_load(&b->flush_req));
    b->thread_started = false;
    otelc__os_random(&b->rng, sizeof b->rng);
    /* No worker in the child unless one is started below. */
    atomic_store(&b->refs, 1);
    if (atomic_load(&b->shut) || atomic_load(&b->done)) {
        atomic_store(&b->done, 1);
        return;
    }
    if (!b->fork_locked) {
        b->broken_after_fork = true;
        atomic_store(&b->shut, 1);
        atomic_store(&b->done, 1);
        otelc__diag(OTELC_DIAG_ERROR,
                    "%s: fork() happened during an export; this processor is "
                    "stopped in the child process",
                    b->name);
        return;
    }
    start_worker(b);
}

otelc__batcher *otelc__batcher_new(const otelc__batcher_ops *ops, void *user,
                                   const otelc__batch_config *cfg,
                                   const char *thread_name) {
    otelc__batcher *b =
        aligned_alloc(OTELC_CACHELINE, (sizeof *b + OTELC_CACHELINE - 1) &
                                           ~(size_t)(OTELC_CACHELINE - 1));
    if (!b)
        return NULL;
    memset(b, 0, sizeof *b);
    b->id = otelc__next_owner_id();
    b->ops = ops;
    b->user = user;
    b->cfg = *cfg;
    snprintf(b->name, sizeof b->name, "%s", thread_name);
    b->batch = malloc(sizeof(void *) * cfg->max_export_batch_size);
    if (!b->batch) {
        free(b);
        return NULL;
    }
    pthread_mutex_init(&b->rings_lock, NULL);
    pthread_mutex_init(&b->export_lock, NULL);
    pthread_mutex_init(&b->acct, NULL);
    otelc__os_random(&b->rng, sizeof b->rng);
    b->fork_hook =
        (otelc__fork_hook){fork_prepare, fork_parent, fork_child, b, NULL};
    otelc__fork_register(&b->fork_hook);
    if (!start_worker(b)) {
        otelc__fork_unregister(&b->fork_hook);
        pthread_mutex_destroy(&b->rings_lock);
        pthread_mutex_destroy(&b->export_lock);
        pthread_mutex_destroy(&b->acct);
        free(b->batch);
        free(b);
        return NULL;
    }
    return b;
}

static bool wait_word(_Atomic uint32_t *w,
                      bool (*cond)(otelc__batcher *, void *), otelc__batcher *b,
                      void *arg, uint64_t deadline) {
    for (;;) {
        uint32_t seq = atomic_load(w);
        if (cond(b, arg))
            return true;
        if (otelc__mono_ns() >= deadline)
            return false;
        otelc__futex_wait(w, seq, deadline);
    }
}

static bool flush_reached(otelc__batcher *b, void *arg) {
    return atomic_load(&b->flush_done) >= *(uint64_t *)arg ||
           atomic_load(&b->done);
}

otelc_status otelc__batcher_flush(otelc__batcher *b, uint64_t deadline) {
    if (!b || atomic_load(&b->done))
        return OTELC_OK;
    atomic_store(&b->flush_deadline, deadline);
    uint64_t target = atomic_fetch_add(&b->flush_req, 1) + 1;
    wake_worker(b);
    return wait_word(&b->flush_seq, flush_reached, b, &target, deadline)
               ? OTELC_OK
               : OTELC_ETIMEDOUT;
}

static bool worker_done(otelc__batcher *b, void *arg) {
    (void)arg;
    return atomic_load(&b->done) != 0;
}

otelc_status otelc__batcher_shutdown(otelc__batcher *b, uint64_t deadline) {
    if (!b)
        return OTELC_OK;
    if (atomic_exchange(&b->shut, 1))
        return OTELC_ESHUTDOWN;
    if (!b->thread_started) {
        /* Never started, or stopped in a forked child: count what is left. */
        atomic_store(&b->dropped_shutdown,
                     atomic_load(&b->dropped_shutdown) + queue_depth(b));
        return OTELC_OK;
    }
    atomic_store(&b->stop_deadline, deadline);
    atomic_store(&b->stop_req, 1);
    wake_worker(b);
    /* A little grace past the deadline lets a worker that honours the
     * deadline finish its bookkeeping; the caller still returns well within
     * deadline + 100 ms. */
    if (wait_word(&b->done, worker_done, b, NULL, deadline + 25000000u)) {
        pthread_join(b->thread, NULL);
        b->thread_started = false;
        return OTELC_OK;
    }
    /* The exporter is hung: abandon the worker.  Everything queued or in
     * flight is counted now; the worker will not count it again. */
    pthread_mutex_lock(&b->acct);
    atomic_store(&b->abandoned, 1);
    uint64_t lost = queue_depth(b) + atomic_exchange(&b->inflight, 0);
    add(&b->dropped_shutdown, lost);
    pthread_mutex_unlock(&b->acct);
    otelc__diag(OTELC_DIAG_WARN,
                "%s: shutdown deadline passed while the exporter was busy; "
                "%llu items dropped, worker abandoned",
                b->name, (unsigned long long)lost);
    pthread_detach(b->thread);
    b->thread_started = false;
    return OTELC_ETIMEDOUT;
}

void otelc__batcher_stats(otelc__batcher *b, otelc_processor_stats *out) {
    memset(out, 0, sizeof *out);
    if (!b)
        return;
    uint64_t pushed = 0, dropped = 0, depth = 0;
    for (ring *r = atomic_load(&b->rings); r; r = r->next) {
        uint64_t t = atomic_load(&r->tail), h = atomic_load(&r->head);
        pushed += t;
        dropped += atomic_load(&r->dropped);
        depth += t - h;
    }
    out->spans_received = pushed + dropped;
    out->dropped_queue_full = dropped;
    out->queue_depth = depth;
    out->spans_exported = atomic_load(&b->exported);
    out->dropped_export = atomic_load(&b->dropped_export);
    out->dropped_shutdown = atomic_load(&b->dropped_shutdown);
    out->dropped_rejected = atomic_load(&b->dropped_rejected);
    out->export_calls = atomic_load(&b->export_calls);
    out->export_failures = atomic_load(&b->export_failures);
    out->export_retries = atomic_load(&b->export_retries);
}

void otelc__batcher_free(otelc__batcher *b) {
    if (!b)
        return;
    if (!atomic_load(&b->shut))
        otelc__batcher_shutdown(b, otelc__mono_ns() + 5000000000u);
    /* Joined (the worker's reference is gone) or abandoned (the worker drops
     * the last reference when its export returns). */
    release_ref(b);
}
