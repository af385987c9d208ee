/*
 * tests/propagation/prop_helpers.h - helpers shared by the propagation
 * tests: extract from / inject into a textmap given as name/value pairs.
 */
#ifndef OTELC_TEST_PROP_HELPERS_H
#define OTELC_TEST_PROP_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_support.h"

/* A textmap from NULL-terminated name, value, name, value ... pairs. */
static inline otelc_textmap *tm_of(const char *name, ...) {
    otelc_textmap *m = otelc_textmap_new();
    cr_assert_not_null(m);
    va_list ap;
    va_start(ap, name);
    for (const char *n = name; n; n = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        cr_assert_eq(otelc_textmap_add(m, n, v), OTELC_OK);
    }
    va_end(ap);
    return m;
}

/* Extract with the built-in propagator `prop` from the pairs. */
static inline otelc_context *extract_with(const char *prop, const char *name,
                                          ...) {
    otelc_textmap *m = otelc_textmap_new();
    cr_assert_not_null(m);
    va_list ap;
    va_start(ap, name);
    for (const char *n = name; n; n = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        cr_assert_eq(otelc_textmap_add(m, n, v), OTELC_OK);
    }
    va_end(ap);
    otelc_propagator *p = otelc_propagator_create(prop, NULL);
    cr_assert_not_null(p, "propagator %s", prop);
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_context *ctx = otelc_propagator_extract(p, &c);
    otelc_propagator_free(p);
    otelc_textmap_free(m);
    return ctx;
}

/* Hex of a context's ids, "" when invalid. */
static inline const char *ctx_trace_hex(const otelc_context *c) {
    static __thread char buf[33];
    otelc_span_context sc = otelc_context_span_context(c);
    if (!otelc_span_context_is_valid(&sc))
        return "";
    return otelc_trace_id_to_hex(sc.trace_id, buf);
}
static inline const char *ctx_span_hex(const otelc_context *c) {
    static __thread char buf[17];
    otelc_span_context sc = otelc_context_span_context(c);
    if (!otelc_span_context_is_valid(&sc))
        return "";
    return otelc_span_id_to_hex(sc.span_id, buf);
}

/* A span context from hex ids (asserts they parse). */
static inline otelc_span_context sc_of(const char *tid, const char *sid,
                                       uint8_t flags) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    cr_assert_eq(otelc_trace_id_from_hex(tid, strlen(tid), sc.trace_id),
                 OTELC_OK);
    cr_assert_eq(otelc_span_id_from_hex(sid, strlen(sid), sc.span_id),
                 OTELC_OK);
    sc.trace_flags = flags;
    return sc;
}

/* Inject ctx with the built-in propagator `prop` into a new textmap. */
static inline otelc_textmap *inject_with(const char *prop,
                                         const otelc_context *ctx) {
    otelc_textmap *m = otelc_textmap_new();
    otelc_propagator *p = otelc_propagator_create(prop, NULL);
    cr_assert_not_null(p);
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_propagator_inject(p, ctx, &c);
    otelc_propagator_free(p);
    return m;
}

#endif
