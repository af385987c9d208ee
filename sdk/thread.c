/*
 * sdk/thread.c - creation, adoption and retirement of per-thread states.
 *
 * See sdk/thread_int.h for why states are parked and adopted rather than
 * freed.  The registry lock guards the list of all states and the idle
 * list; it is taken when a thread first uses otelc and when it exits, never
 * on a hot path.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "sdk/thread_int.h"

OTELC_TLS otelc__thread *otelc__tls;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static otelc__thread *g_all;
static otelc__thread *g_idle;
static uint32_t g_count;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t g_owner_ids = 1;

uint64_t otelc__next_owner_id(void) {
    return atomic_fetch_add(&g_owner_ids, 1);
}

static void seed(otelc__thread *t) {
    otelc__os_random(&t->rng, sizeof t->rng);
}

static void on_thread_exit(void *arg) {
    otelc__thread *t = arg;
    /* Entries still on the stack belong to code that never ended its
     * scopes; they are borrowed pointers, so dropping them is safe. */
    t->depth = 0;
    t->request_id[0] = '\0';
    if (t->log)
        otelc__log_thread_exit(t->log);
    otelc__tls = NULL;
    pthread_mutex_lock(&g_lock);
    atomic_store(&t->exited, 1);
    t->next_idle = g_idle;
    g_idle = t;
    pthread_mutex_unlock(&g_lock);
}

static void fork_prepare(void *arg) {
    (void)arg;
    pthread_mutex_lock(&g_lock);
}
static void fork_parent(void *arg) {
    (void)arg;
    pthread_mutex_unlock(&g_lock);
}
static void fork_child(void *arg) {
    (void)arg;
    /* Only the forking thread survives: every other state becomes idle so
     * that the child's new threads adopt them.  The surviving state gets a
     * fresh seed, or parent and child would generate the same ids. */
    pthread_mutex_init(&g_lock, NULL);
    g_idle = NULL;
    for (otelc__thread *t = g_all; t; t = t->next_all) {
        if (t == otelc__tls) {
            seed(t);
            continue;
        }
        t->depth = 0;
        if (t->log)
            otelc__log_thread_exit(t->log);
        atomic_store(&t->exited, 1);
        t->next_idle = g_idle;
        g_idle = t;
    }
}
static otelc__fork_hook g_fork_hook = {fork_prepare, fork_parent, fork_child,
                                       NULL, NULL};

static void init_once(void) {
    pthread_key_create(&g_key, on_thread_exit);
    otelc__fork_register(&g_fork_hook);
}

otelc__thread *otelc__thread_create(void) {
    pthread_once(&g_once, init_once);
    otelc__thread *t = NULL;
    pthread_mutex_lock(&g_lock);
    if (g_idle) {
        t = g_idle;
        g_idle = t->next_idle;
        t->next_idle = NULL;
    }
    pthread_mutex_unlock(&g_lock);
    if (!t) {
        t = aligned_alloc(OTELC_CACHELINE, (sizeof *t + OTELC_CACHELINE - 1) &
                                               ~(size_t)(OTELC_CACHELINE - 1));
        if (!t)
            return NULL;
        memset(t, 0, sizeof *t);
        t->stack = t->inline_stack;
        t->cap = OTELC__INLINE_STACK;
        pthread_mutex_lock(&g_lock);
        t->index = g_count++;
        t->next_all = g_all;
        g_all = t;
        pthread_mutex_unlock(&g_lock);
    }
    seed(t);
    t->depth = 0;
    t->request_id[0] = '\0';
    atomic_store(&t->exited, 0);
    otelc__tls = t;
    pthread_setspecific(g_key, t);
    return t;
}

void otelc__slot_bind(otelc__thread *t, uint64_t owner_id, void *ptr) {
    for (unsigned i = 0; i < OTELC__THREAD_SLOTS; i++) {
        if (t->slots[i].owner_id == 0 || t->slots[i].owner_id == owner_id) {
            t->slots[i].owner_id = owner_id;
            t->slots[i].ptr = ptr;
            return;
        }
    }
    unsigned v = t->victim++ % OTELC__THREAD_SLOTS;
    t->slots[v].owner_id = owner_id;
    t->slots[v].ptr = ptr;
}

bool otelc__stack_grow(otelc__thread *t) {
    uint32_t cap = t->cap * 2;
    otelc__ctx_entry *s = malloc(sizeof *s * cap);
    if (!s)
        return false;
    memcpy(s, t->stack, sizeof *s * t->depth);
    if (t->stack != t->inline_stack)
        free(t->stack);
    t->stack = s;
    t->cap = cap;
    return true;
}

void otelc__thread_foreach(void (*fn)(otelc__thread *t, void *arg), void *arg) {
    pthread_mutex_lock(&g_lock);
    for (otelc__thread *t = g_all; t; t = t->next_all)
        fn(t, arg);
    pthread_mutex_unlock(&g_lock);
}
