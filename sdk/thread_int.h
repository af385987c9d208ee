/*
 * sdk/thread_int.h - per-thread state: the id generator, the current-context
 * stack, the span pool and the per-thread queue slots.  Not installed.
 *
 * Every thread that touches otelc gets one otelc__thread, reached through a
 * single initial-exec TLS pointer.  Thread states are never freed: when a
 * thread exits its state is parked on an idle list and the next new thread
 * adopts it, pool, queues and all.  That makes every cross-thread pointer to
 * a thread state (a span returning to its pool, a worker draining a queue)
 * safe without reference counts on the hot path, and bounds the number of
 * states by the peak number of concurrent threads.
 */
#ifndef OTELC_SDK_THREAD_INT_H
#define OTELC_SDK_THREAD_INT_H

#include "sdk/internal.h"

#include "otelc/context.h"

struct otelc_span;

/* One entry of the current-context stack. */
typedef struct otelc__ctx_entry {
    struct otelc_span *span;      /* a live span, or NULL */
    const otelc_context *ctx;     /* an attached context, or NULL */
    const otelc_baggage *baggage; /* effective baggage at this level */
    bool scoped;                  /* pushed by TRACE_SPAN: unwind ends it */
} otelc__ctx_entry;

/* A per-thread slot binds an SDK object (a batch processor's queue, a
 * provider's counters) to this thread.  owner_id is unique for the life of
 * the process, so a slot left behind by a freed object never matches
 * again and its pointer is never dereferenced. */
typedef struct otelc__slot {
    uint64_t owner_id;
    void *ptr;
} otelc__slot;

#define OTELC__THREAD_SLOTS 8
#define OTELC__INLINE_STACK 32

typedef struct otelc__thread {
    uint64_t rng;   /* wyrand state, seeded from getrandom */
    uint32_t depth; /* context stack */
    uint32_t cap;
    otelc__ctx_entry *stack;
    struct otelc_span *free_list; /* span pool, owner thread only */
    uint32_t victim;              /* next slot to evict */
    otelc__slot slots[OTELC__THREAD_SLOTS];
    /* Spans ended elsewhere come back here (lock-free push by any thread,
     * take-all by the owner, so no ABA).  On its own cache line: workers
     * write it, and it must not share a line with the fields the owner
     * reads on every span. */
    _Alignas(OTELC_CACHELINE) _Atomic(struct otelc_span *) returned;
    _Atomic int exited;
    uint32_t index; /* 0, 1, 2 ... in creation order */
    char pad_[OTELC_CACHELINE - sizeof(void *) - 2 * sizeof(int)];
    struct otelc__thread *next_all;
    struct otelc__thread *next_idle;
    char request_id[OTELC_REQUEST_ID_MAX]; /* "" = none */
    struct otelc__log_thread *log; /* sdk/log.c's state, created on use */
    otelc__ctx_entry inline_stack[OTELC__INLINE_STACK];
} otelc__thread;

extern OTELC_TLS otelc__thread *otelc__tls;
otelc__thread *otelc__thread_create(void);

/* The calling thread's state, created on first use.  NULL only when memory
 * is exhausted. */
static inline otelc__thread *otelc__thread_get(void) {
    otelc__thread *t = otelc__tls;
    if (OTELC_LIKELY(t))
        return t;
    return otelc__thread_create();
}

static inline void *otelc__slot_find(otelc__thread *t, uint64_t owner_id) {
    for (unsigned i = 0; i < OTELC__THREAD_SLOTS; i++)
        if (t->slots[i].owner_id == owner_id)
            return t->slots[i].ptr;
    return NULL;
}
/* Bind ptr to owner_id in this thread, evicting round-robin when full (an
 * evicted owner simply creates a new binding next time). */
void otelc__slot_bind(otelc__thread *t, uint64_t owner_id, void *ptr);

/* A process-unique id for slot owners. */
uint64_t otelc__next_owner_id(void);

/* Grow the context stack (rare).  Returns false when memory is exhausted. */
bool otelc__stack_grow(otelc__thread *t);

/* Calls fn on every thread state (live or idle), under the registry lock:
 * for diagnostics and tests, never on a hot path. */
void otelc__thread_foreach(void (*fn)(otelc__thread *t, void *arg), void *arg);

/* Reset a thread's log state (bound context) when it exits or is
 * abandoned by fork (sdk/log.c). */
void otelc__log_thread_exit(struct otelc__log_thread *lt);

/* ---- fork handling (sdk/fork.c) ---- */
typedef struct otelc__fork_hook {
    void (*prepare)(void *arg);
    void (*parent)(void *arg);
    void (*child)(void *arg);
    void *arg;
    struct otelc__fork_hook *next;
} otelc__fork_hook;
/* Hooks run in registration order in every phase. */
void otelc__fork_register(otelc__fork_hook *hook);
void otelc__fork_unregister(otelc__fork_hook *hook);

#endif /* OTELC_SDK_THREAD_INT_H */
