/*
 * sdk/fork.c - one pthread_atfork registration fanned out to SDK objects.
 *
 * pthread_atfork handlers cannot be unregistered, while batch processors
 * come and go; so the SDK registers once and keeps a list of hooks.  In
 * prepare, hooks lock what the child must find consistent (queues, the
 * thread registry); in the parent they unlock; in the child they reset
 * locks and restart their workers, because threads do not survive fork().
 *
 * The hook list lock is held from prepare until parent/child, so a hook
 * cannot be added or removed while a fork is in progress.
 */
#include <pthread.h>

#include "sdk/thread_int.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static otelc__fork_hook *g_hooks; /* registration order */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void prepare(void) {
    pthread_mutex_lock(&g_lock);
    for (otelc__fork_hook *h = g_hooks; h; h = h->next)
        if (h->prepare)
            h->prepare(h->arg);
}
static void parent(void) {
    for (otelc__fork_hook *h = g_hooks; h; h = h->next)
        if (h->parent)
            h->parent(h->arg);
    pthread_mutex_unlock(&g_lock);
}
static void child(void) {
    pthread_mutex_init(&g_lock, NULL);
    for (otelc__fork_hook *h = g_hooks; h; h = h->next)
        if (h->child)
            h->child(h->arg);
}
static void install(void) {
    pthread_atfork(prepare, parent, child);
}

void otelc__fork_register(otelc__fork_hook *hook) {
    pthread_once(&g_once, install);
    pthread_mutex_lock(&g_lock);
    hook->next = NULL;
    otelc__fork_hook **pp = &g_hooks;
    while (*pp)
        pp = &(*pp)->next;
    *pp = hook;
    pthread_mutex_unlock(&g_lock);
}

void otelc__fork_unregister(otelc__fork_hook *hook) {
    pthread_mutex_lock(&g_lock);
    for (otelc__fork_hook **pp = &g_hooks; *pp; pp = &(*pp)->next) {
        if (*pp == hook) {
            *pp = hook->next;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
}
