/*
 * exporters/otlp_common/otlp_arena.c - see otlp_arena.h.
 *
 * Invariants: head is the block allocations come from; each block's `used`
 * never exceeds its `cap`; every returned pointer is 16-byte aligned (the
 * block header is padded to 16 and every size is rounded up to 16).
 */
#include <stdint.h>
#include <stdlib.h>

#include "exporters/otlp_common/otlp_arena.h"

#define ALIGN 16u

struct otelc__arena_block {
    otelc__arena_block *next;
    size_t cap;
    size_t used;
    size_t pad_; /* keeps data[] 16-byte aligned */
    unsigned char data[];
};

static size_t round_up(size_t n) {
    return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static otelc__arena_block *block_new(size_t cap) {
    otelc__arena_block *b = malloc(sizeof *b + cap);
    if (!b)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

void otelc__arena_init(otelc__arena *a, size_t min_block) {
    a->head = NULL;
    a->used_total = 0;
    a->min_block = round_up(min_block ? min_block : 64 * 1024);
}

void *otelc__arena_alloc(otelc__arena *a, size_t n) {
    n = round_up(n ? n : 1);
    otelc__arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        /* Grow geometrically so a large batch needs few blocks. */
        size_t cap = b ? b->cap * 2 : a->min_block;
        if (cap < n)
            cap = round_up(n);
        otelc__arena_block *nb = block_new(cap);
        if (!nb)
            return NULL;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

static void free_chain(otelc__arena_block *b) {
    while (b) {
        otelc__arena_block *n = b->next;
        free(b);
        b = n;
    }
}

void otelc__arena_reset(otelc__arena *a) {
    otelc__arena_block *b = a->head;
    if (b && b->next) {
        /* Several blocks: replace them by one that fits the whole cycle. */
        size_t want = round_up(a->used_total + a->used_total / 4);
        free_chain(b);
        a->head = block_new(want > a->min_block ? want : a->min_block);
    } else if (b) {
        b->used = 0;
    }
    a->used_total = 0;
}

void otelc__arena_free(otelc__arena *a) {
    free_chain(a->head);
    a->head = NULL;
    a->used_total = 0;
}
