/*
 * exporters/otlp_common/otlp_arena.h - a bump allocator for the message
 * trees the OTLP encoders build for each batch.  Not installed.
 *
 * A batch's ExportTraceServiceRequest is hundreds of small structs (one per
 * span, attribute, value, event...).  They are all allocated here and all
 * released at once by a reset before the next batch, so building a tree
 * costs a pointer bump per struct instead of a malloc and a free.
 *
 * Ownership: the arena owns its blocks.  Thread-safety: none; one arena
 * belongs to one exporter and is used only on its worker.
 */
#ifndef OTELC_EXPORTERS_OTLP_ARENA_H
#define OTELC_EXPORTERS_OTLP_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct otelc__arena_block otelc__arena_block;

typedef struct otelc__arena {
    otelc__arena_block *head; /* block being filled; older ones follow */
    size_t used_total;        /* bytes handed out since the last reset */
    size_t min_block;         /* size of the first block */
} otelc__arena;

/* An empty arena whose first block will hold min_block bytes. */
void otelc__arena_init(otelc__arena *a, size_t min_block);
/* n bytes aligned for any scalar or pointer, uninitialised; NULL when
 * memory is exhausted. */
void *otelc__arena_alloc(otelc__arena *a, size_t n);
/* Release everything allocated.  When the last cycle needed more than one
 * block, the blocks are replaced by one block big enough for all of it, so
 * a steady workload settles on a single block and no malloc per batch. */
void otelc__arena_reset(otelc__arena *a);
void otelc__arena_free(otelc__arena *a);

#define OTELC__ARENA_NEW(a, type)                                              \
    ((type *)otelc__arena_alloc((a), sizeof(type)))
#define OTELC__ARENA_ARRAY(a, type, n)                                         \
    ((type *)otelc__arena_alloc((a), sizeof(type) * (n)))

#endif /* OTELC_EXPORTERS_OTLP_ARENA_H */
