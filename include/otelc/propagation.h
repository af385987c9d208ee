/*
 * otelc/propagation.h - carrying a context across process boundaries.
 *
 * A propagator writes the current context (span context, tracestate,
 * baggage) into a request's headers on the way out ("inject") and reads it
 * back on the way in ("extract").  Headers are reached through a carrier:
 * three callbacks over whatever holds them (a curl_slist, a libmicrohttpd
 * connection, a message's properties), so every transport can propagate.
 *
 * Built-in formats: W3C Trace Context ("tracecontext": traceparent and
 * tracestate), W3C Baggage ("baggage"), B3 single header ("b3"), B3 multi
 * header ("b3multi", X-B3-*), and Jaeger ("jaeger": uber-trace-id plus
 * uberctx-* baggage).  OTEL_PROPAGATORS chooses the global composite
 * (default "tracecontext,baggage").  docs/propagation.md has every rule.
 *
 * Extraction is all-or-nothing: the context returned is fully valid or
 * absent (NULL).  Malformed input never crashes and never yields a
 * half-parsed span context; it is counted (otelc_propagation_stats) and
 * reported through rate-limited diagnostics.
 *
 * Typical server and client code:
 *
 *   otelc_context *in = otelc_propagation_extract(&request_carrier);
 *   otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER,
 *                                 .parent = in};
 *   otelc_span *s = otelc_span_start(NULL, "GET /orders", &o);
 *   otelc_scope sc = otelc_span_make_current(s);
 *   ...
 *   otelc_propagation_inject_current(&outgoing_carrier);
 *   ...
 *   otelc_scope_end(sc);
 *   otelc_span_end(s);
 *   otelc_context_free(in);
 */
#ifndef OTELC_PROPAGATION_H
#define OTELC_PROPAGATION_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Trace-flags bit used by otelc only: the B3 or Jaeger "debug" flag.  It is
 * set (together with OTELC_TRACE_FLAG_SAMPLED) when an extracted B3 or
 * Jaeger header asks for debug, children inherit it like the other
 * non-sampled bits, and the B3 and Jaeger propagators write it back out.
 * It is never written into a traceparent (W3C reserves that bit and
 * requires it to be zero), and exporters should mask it out of OTLP flags.
 */
#define OTELC_TRACE_FLAG_DEBUG 0x80u

/* ---- carriers -------------------------------------------------------------
 */

/** Callback for otelc_carrier.foreach: return false to stop the walk. */
typedef bool (*otelc_carrier_visit_fn)(void *arg, const char *name,
                                       const char *value);

/**
 * A carrier: where headers are read from and written to.  Zero-initialise
 * and fill what the transport can do.
 *
 *  get      the value of the first field named `name`, compared ASCII
 *           case-insensitively (HTTP field names are), or NULL.  The value
 *           may carry surrounding spaces; propagators trim them.  Borrowed
 *           until the carrier changes.  Required for extract.
 *  set      set field `name` to `value`, replacing every field of that
 *           name.  Both strings are borrowed for the call only.  Required
 *           for inject.
 *  foreach  visit every field in order, as (name, value).  Optional, but
 *           without it a carrier cannot show repeated fields (W3C says
 *           several tracestate or baggage fields are one list, and two
 *           traceparent fields are invalid) or prefixed fields (Jaeger's
 *           uberctx-*), so those parts of the formats are skipped.
 *  user     passed to every callback.
 *
 * Callbacks are called on the thread that calls inject or extract, only
 * during that call.
 */
typedef struct otelc_carrier {
    const char *(*get)(void *user, const char *name);
    otelc_status (*set)(void *user, const char *name, const char *value);
    void (*foreach)(void *user, otelc_carrier_visit_fn fn, void *arg);
    void *user;
} otelc_carrier;

/**
 * otelc_textmap - a small ordered list of name/value fields with a carrier
 * over it: for transports that have no header object of their own (queue
 * message properties, tests, fuzzers).  Names keep their spelling and are
 * looked up case-insensitively.
 */
typedef struct otelc_textmap otelc_textmap;

/** otelc_textmap_new - an empty map; free with otelc_textmap_free().
 *  @return NULL when memory is exhausted.
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_textmap *otelc_textmap_new(void);

/** otelc_textmap_free - free a map; NULL is accepted.
 *  Thread-safety: not concurrently with other use of the map.  Blocking:
 *  never.  Since: 0.1. */
OTELC_API void otelc_textmap_free(otelc_textmap *map);

/**
 * otelc_textmap_add - append a field (copied), keeping any field of the
 * same name: how a transport shows repeated header fields.
 * @return OTELC_OK, OTELC_EINVAL (NULL argument) or OTELC_ENOMEM.
 * Thread-safety: one thread per map.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_textmap_add(otelc_textmap *map, const char *name,
                                         const char *value);

/** otelc_textmap_set - replace every field named `name` (case-insensitive)
 *  by one field name=value, appended.  Same returns as otelc_textmap_add.
 *  Thread-safety: one thread per map.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_status otelc_textmap_set(otelc_textmap *map, const char *name,
                                         const char *value);

/** otelc_textmap_get - the first value of `name` (case-insensitive), or
 *  NULL.  Borrowed until the map changes.  Thread-safety: readers only,
 *  or one thread.  Blocking: never.  Since: 0.1. */
OTELC_API const char *otelc_textmap_get(const otelc_textmap *map,
                                        const char *name);

/** otelc_textmap_count - the number of fields.  Thread-safety: as
 *  otelc_textmap_get.  Blocking: never.  Since: 0.1. */
OTELC_API size_t otelc_textmap_count(const otelc_textmap *map);

/** otelc_textmap_entry - the i-th field; false past the end.  Out-pointers
 *  are borrowed until the map changes.  Thread-safety: as
 *  otelc_textmap_get.  Blocking: never.  Since: 0.1. */
OTELC_API bool otelc_textmap_entry(const otelc_textmap *map, size_t i,
                                   const char **name, const char **value);

/** otelc_textmap_clear - remove every field.  Thread-safety: one thread
 *  per map.  Blocking: never.  Since: 0.1. */
OTELC_API void otelc_textmap_clear(otelc_textmap *map);

/** otelc_textmap_carrier - a carrier (get, set, foreach) over `map`, which
 *  must outlive the carrier's use.  Thread-safety: the carrier is used
 *  like the map (one thread).  Blocking: never.  Since: 0.1. */
OTELC_API otelc_carrier otelc_textmap_carrier(otelc_textmap *map);

/* ---- propagators -----------------------------------------------------------
 */

typedef struct otelc_propagator otelc_propagator;

/**
 * A propagator implementation (the vtable behind otelc_propagator_new()).
 *
 *  name        short name, e.g. "tracecontext"; static.
 *  inject      write ctx's fields through carrier->set.  ctx is never NULL;
 *              its span context may be invalid and it may hold no baggage,
 *              in which case the propagator writes only what it has.
 *  extract     read the carrier; return a new context (otelc_context_new)
 *              holding a valid span context with is_remote set and/or
 *              baggage, or NULL when the carrier holds nothing valid for
 *              this format.  Never a half-parsed context.
 *  fields      the field names inject may write, NULL-terminated; static
 *              or owned by state.  May be NULL (no fixed fields).
 *  free_state  frees state when the propagator is freed; may be NULL.
 * Each callback may be called from several threads at once.
 */
typedef struct otelc_propagator_ops {
    const char *name;
    void (*inject)(void *state, const otelc_context *ctx,
                   const otelc_carrier *carrier);
    otelc_context *(*extract)(void *state, const otelc_carrier *carrier);
    const char *const *(*fields)(void *state);
    void (*free_state)(void *state);
} otelc_propagator_ops;

/**
 * otelc_propagator_new - a propagator over user-supplied callbacks.
 * Takes ownership of `state`, even on failure (free_state is called).
 * @param ops  borrowed for the propagator's life (usually static).
 * @return a propagator (free with otelc_propagator_free()), or NULL when
 *         ops lacks inject or extract, or memory is exhausted.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_propagator *
otelc_propagator_new(const otelc_propagator_ops *ops, void *state);

/**
 * otelc_propagator_create - a built-in propagator by its OTEL_PROPAGATORS
 * name: "tracecontext", "baggage", "b3", "b3multi", "jaeger", or "none" (a
 * propagator that does nothing).
 * @param status  optional; set to OTELC_OK, OTELC_EUNSUPPORTED for names
 *                the specification defines but otelc does not implement
 *                ("xray", "ottrace"; a diagnostic says so), OTELC_ENOTFOUND
 *                for unknown names, or OTELC_ENOMEM.
 * @return a propagator to free with otelc_propagator_free(), or NULL.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_propagator *otelc_propagator_create(const char *name,
                                                    otelc_status *status);

/**
 * otelc_propagator_composite_new - a propagator that runs `list` in order.
 * Takes ownership of every element, even on failure; NULL elements are
 * skipped.  Inject runs each member in order.  Extract takes the span
 * context (and its tracestate) from the first member that finds a valid
 * one, and merges the baggage of all members (an earlier member's entry
 * wins over a later one of the same name).
 * @return the composite (free with otelc_propagator_free()), or NULL when
 *         memory is exhausted.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_propagator *
otelc_propagator_composite_new(otelc_propagator *const *list, size_t count);

/**
 * otelc_propagator_from_config - the composite that OTEL_PROPAGATORS names
 * (default "tracecontext,baggage"; duplicates removed; unknown names, and
 * "xray"/"ottrace" which otelc does not implement, are skipped with a
 * diagnostic; "none" alone disables propagation, and "none" mixed with
 * other names is reported and the other names win).
 * @return a propagator to free with otelc_propagator_free(), or NULL when
 *         memory is exhausted.
 * Thread-safety: any thread.  Blocking: may load the configuration (reads
 * .env) on first use.  Since: 0.1.
 */
OTELC_API otelc_propagator *otelc_propagator_from_config(void);

/** otelc_propagator_free - free a propagator (and a composite's members);
 *  NULL is accepted.  It must not be in use, nor be the global one.
 *  Thread-safety: not concurrently with use of p.  Since: 0.1. */
OTELC_API void otelc_propagator_free(otelc_propagator *p);

/** otelc_propagator_name - "tracecontext", ..., or for a composite the
 *  members' names joined by ",".  Borrowed for p's life.
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API const char *otelc_propagator_name(const otelc_propagator *p);

/**
 * otelc_propagator_fields - the header names p may write (for a composite,
 * its members' fields in order, without duplicates).
 * @param out  receives up to `max` borrowed names (valid for p's life).
 * @return the total number of names (which may exceed max).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API size_t otelc_propagator_fields(const otelc_propagator *p,
                                         const char **out, size_t max);

/**
 * otelc_propagator_inject - write ctx into carrier with p.
 * @param p        NULL = the global propagator.
 * @param ctx      NULL = this thread's current context (the current span,
 *                 or the attached context, and the current baggage).
 * @param carrier  must have set.
 * Thread-safety: any thread (ctx must not be freed meanwhile).  Blocking:
 * never, beyond what the carrier's callbacks do.  Since: 0.1.
 */
OTELC_API void otelc_propagator_inject(const otelc_propagator *p,
                                       const otelc_context *ctx,
                                       const otelc_carrier *carrier);

/**
 * otelc_propagator_extract - read a context from carrier with p.
 * @param p  NULL = the global propagator.
 * @return a new context (free with otelc_context_free()) holding a valid
 *         remote span context (is_remote true) and/or baggage, or NULL
 *         when the carrier holds nothing valid.  Attach it with
 *         otelc_context_attach() or pass it as a span's parent.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_context *otelc_propagator_extract(const otelc_propagator *p,
                                                  const otelc_carrier *carrier);

/**
 * otelc_propagator_global - the global propagator; never NULL.  Until one
 * is set it is the composite OTEL_PROPAGATORS names, built on first use
 * and rebuilt by otelc_init() (so a new configuration takes effect).
 * Borrowed: stays valid for the life of the process.
 * Thread-safety: any thread.  Blocking: never after the first call.
 * Since: 0.1.
 */
OTELC_API const otelc_propagator *otelc_propagator_global(void);

/**
 * otelc_propagator_set_global - install p as the global propagator; takes
 * ownership.  NULL goes back to the configured composite.  A replaced
 * propagator is retired, not freed, because another thread may still be
 * using it; each retired one keeps a few hundred bytes.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_propagator_set_global(otelc_propagator *p);

/** otelc_propagation_inject_current - inject this thread's current context
 *  with the global propagator.  Returns OTELC_EINVAL when the carrier has
 *  no set callback.  Thread-safety: any thread.  Blocking: never.
 *  Since: 0.1. */
OTELC_API otelc_status
otelc_propagation_inject_current(const otelc_carrier *carrier);

/** otelc_propagation_extract - otelc_propagator_extract() with the global
 *  propagator.  Free the result with otelc_context_free().
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_context *
otelc_propagation_extract(const otelc_carrier *carrier);

/** Counters of propagation problems since the process started. */
typedef struct otelc_propagation_stats {
    uint64_t extracted;       /* extract calls that returned a span context */
    uint64_t invalid_headers; /* headers rejected as malformed */
    uint64_t tracestate_dropped; /* tracestate members dropped (invalid,
                                    duplicate, or beyond 32) */
    uint64_t baggage_dropped;    /* baggage entries dropped (invalid, or
                                    beyond 64 entries / 8192 bytes) */
} otelc_propagation_stats;

/** otelc_propagation_stats_get - read the counters.  Thread-safety: any
 *  thread (each counter is read atomically).  Since: 0.1. */
OTELC_API void otelc_propagation_stats_get(otelc_propagation_stats *out);

/* ---- W3C tracestate --------------------------------------------------------
 */

/** W3C limit on tracestate list members. */
#define OTELC_TRACESTATE_MAX_MEMBERS 32

/**
 * otelc_tracestate_parse - validate a received tracestate value (or
 * several header fields joined with ",") and return its canonical form:
 * members separated by "," without optional whitespace, in order.
 * Invalid members (key or value grammar), later duplicates of a key and
 * members beyond the 32nd are dropped; *dropped (optional) counts them.
 * @return a malloc'd string (free with free()), "" when nothing valid is
 *         left, or NULL when memory is exhausted or value is NULL.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API char *otelc_tracestate_parse(const char *value, size_t *dropped);

/** otelc_tracestate_key_valid / _value_valid - the W3C grammar:
 *  key = (lcalpha / DIGIT) 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/"
 *  / "@"); value = 1 to 256 printable ASCII characters without "," and
 *  "=", not ending in a space.  Thread-safety: pure functions.
 *  Blocking: never.  Since: 0.1. */
OTELC_API bool otelc_tracestate_key_valid(const char *key);
OTELC_API bool otelc_tracestate_value_valid(const char *value);

/**
 * otelc_tracestate_set - insert or update `key` in tracestate `ts`: the
 * entry moves to the front (W3C: a modified key goes to the left); when
 * that makes 33 members, the rightmost is dropped.
 * @param ts   a tracestate value (parsed first; NULL or "" for none).
 * @param out  receives a malloc'd string (free with free()) on success.
 * @return OTELC_OK, OTELC_EINVAL (bad key or value grammar; *out untouched)
 *         or OTELC_ENOMEM.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_tracestate_set(const char *ts, const char *key,
                                            const char *value, char **out);

/** otelc_tracestate_remove - ts without key (as otelc_tracestate_set
 *  returns it; a missing key is not an error).  Thread-safety: pure
 *  function.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_status otelc_tracestate_remove(const char *ts, const char *key,
                                               char **out);

/**
 * otelc_tracestate_get - the value of key in a canonical tracestate.
 * @param len  receives the value's length (values are not NUL-terminated
 *             inside ts).
 * @return a pointer into ts, or NULL when absent.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API const char *otelc_tracestate_get(const char *ts, const char *key,
                                           size_t *len);

/**
 * otelc_context_with_trace_state - a copy of ctx whose tracestate has key
 * set to value (moved to the front), for a vendor that records its
 * position before injecting.  Attach it, or pass it to
 * otelc_propagator_inject().
 * @param ctx     NULL = this thread's current context.
 * @param status  optional: OTELC_OK, OTELC_EINVAL, OTELC_ENOMEM.
 * @return a new context (free with otelc_context_free()), or NULL.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_context *
otelc_context_with_trace_state(const otelc_context *ctx, const char *key,
                               const char *value, otelc_status *status);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_PROPAGATION_H */
