/*
 * tests/fuzz/fuzz_common.h - helpers for the propagation fuzz targets:
 * turning fuzz input into header values and checking invariants.
 * A broken invariant traps, which libFuzzer reports as a crash.
 */
#ifndef OTELC_FUZZ_COMMON_H
#define OTELC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/otelc.h>

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            __builtin_trap();                                                  \
    } while (0)

/* Header values cannot hold NUL: the input is cut at the first one. */
static inline char *fuzz_str(const uint8_t *data, size_t size) {
    size_t n = 0;
    while (n < size && data[n])
        n++;
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* Split s at '\n' into at most max lines (s is modified). */
static inline size_t fuzz_lines(char *s, char **out, size_t max) {
    size_t n = 0;
    while (n < max) {
        out[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

static inline otelc_context *fuzz_extract(const char *prop, otelc_textmap *m) {
    otelc_propagator *p = otelc_propagator_create(prop, NULL);
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_context *r = otelc_propagator_extract(p, &c);
    otelc_propagator_free(p);
    return r;
}

/* An extracted context: all-or-nothing, and it survives inject + extract
 * with the same propagator unchanged. */
static inline void fuzz_check_round_trip(const char *prop,
                                         const otelc_context *ctx) {
    if (!ctx)
        return;
    otelc_span_context sc = otelc_context_span_context(ctx);
    const otelc_baggage *bag = otelc_context_baggage(ctx);
    FUZZ_CHECK(otelc_span_context_is_valid(&sc) || otelc_baggage_count(bag));
    if (otelc_span_context_is_valid(&sc))
        FUZZ_CHECK(sc.is_remote);
    otelc_textmap *m = otelc_textmap_new();
    otelc_propagator *p = otelc_propagator_create(prop, NULL);
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_propagator_inject(p, ctx, &c);
    otelc_context *back = otelc_propagator_extract(p, &c);
    otelc_span_context bsc = otelc_context_span_context(back);
    FUZZ_CHECK(otelc_span_context_is_valid(&sc) ==
               otelc_span_context_is_valid(&bsc));
    if (otelc_span_context_is_valid(&sc)) {
        FUZZ_CHECK(!memcmp(sc.trace_id, bsc.trace_id, 16));
        FUZZ_CHECK(!memcmp(sc.span_id, bsc.span_id, 8));
        FUZZ_CHECK(sc.trace_flags == bsc.trace_flags);
        FUZZ_CHECK(!strcmp(otelc_context_trace_state(ctx),
                           otelc_context_trace_state(back)));
    }
    otelc_context_free(back);
    otelc_propagator_free(p);
    otelc_textmap_free(m);
}

static inline void fuzz_quiet(void) {
    otelc_diag_set_level(OTELC_DIAG_NONE);
}

#endif
