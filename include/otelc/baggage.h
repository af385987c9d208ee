/*
 * otelc/baggage.h - W3C baggage: name/value pairs carried with a context.
 *
 * A baggage is immutable and reference-counted: "set" and "remove" return a
 * new baggage and leave the old one untouched, so a baggage can be shared
 * by contexts on several threads without locks.  Names and values are
 * copied; names are compared case-sensitively.
 *
 * To change the baggage of the current context:
 *   otelc_baggage *b = otelc_baggage_set(otelc_current_baggage(),
 *                                        "tenant", "acme", NULL);
 *   otelc_scope s = otelc_baggage_attach(b);   // current until scope ends
 *   ...
 *   otelc_scope_end(s);
 *   otelc_baggage_free(b);
 */
#ifndef OTELC_BAGGAGE_H
#define OTELC_BAGGAGE_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** W3C limits that otelc always propagates in full (beyond them, the
 *  propagators drop entries, count them and report it). */
#define OTELC_BAGGAGE_MAX_ENTRIES 64
#define OTELC_BAGGAGE_MAX_BYTES 8192

/**
 * otelc_baggage_set - a copy of `base` (NULL = empty) with name set to value
 * (replacing an existing entry of that name).  metadata is the W3C
 * property string (";"-separated), or NULL.
 * @return a new baggage (free with otelc_baggage_free()), or NULL on bad
 *         arguments (NULL/empty name, NULL value) or memory exhaustion.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_baggage *otelc_baggage_set(const otelc_baggage *base,
                                           const char *name, const char *value,
                                           const char *metadata);

/** otelc_baggage_remove - a copy of base without `name` (a new reference to
 *  an identical baggage if absent).  Free with otelc_baggage_free().
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_baggage *otelc_baggage_remove(const otelc_baggage *base,
                                              const char *name);

/** otelc_baggage_get - the value of name, or NULL.  Borrowed for the
 *  baggage's lifetime.  Thread-safety: any thread (baggage is
 *  immutable).  Blocking: never.  Since: 0.1. */
OTELC_API const char *otelc_baggage_get(const otelc_baggage *baggage,
                                        const char *name);

/** otelc_baggage_count - the number of entries (0 for NULL).
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API size_t otelc_baggage_count(const otelc_baggage *baggage);

/**
 * otelc_baggage_entry - the i-th entry in insertion order.
 * @return false past the end.  Out-pointers are borrowed for the
 *         baggage's lifetime; metadata is "" when there is none.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API bool otelc_baggage_entry(const otelc_baggage *baggage, size_t i,
                                   const char **name, const char **value,
                                   const char **metadata);

/** otelc_baggage_ref - take another reference (returns baggage); drop it
 *  with otelc_baggage_free().  Thread-safety: any thread (atomic count).
 *  Blocking: never.  Since: 0.1. */
OTELC_API otelc_baggage *otelc_baggage_ref(const otelc_baggage *baggage);

/** otelc_baggage_free - drop a reference; NULL is accepted.
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API void otelc_baggage_free(otelc_baggage *baggage);

/**
 * otelc_baggage_attach - make `baggage` the current baggage of this thread
 * while keeping the current span context (a new entry on the context
 * stack).  The baggage is borrowed until the scope ends.
 * Thread-safety: calling thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_scope otelc_baggage_attach(const otelc_baggage *baggage);

/**
 * otelc_baggage_parse - parse a W3C baggage header value (several header
 * fields joined with ",").  Keys must be RFC 7230 tokens; values are
 * percent-decoded; properties are kept as the entry's metadata in
 * canonical form ("k=v;flag").  Invalid members are dropped one by one,
 * and members beyond OTELC_BAGGAGE_MAX_ENTRIES entries or
 * OTELC_BAGGAGE_MAX_BYTES bytes are dropped; *dropped (optional) counts
 * them.  A later duplicate key replaces an earlier one.
 * @return a new baggage (free with otelc_baggage_free()), or NULL when
 *         nothing valid was found or memory is exhausted.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_baggage *otelc_baggage_parse(const char *value,
                                             size_t *dropped);

/**
 * otelc_baggage_format - the W3C baggage header value for b: "k=v;md"
 * members joined with ",", values percent-encoded (every byte outside the
 * W3C baggage-octet set, and "%", becomes %XX).  Entries whose name is not
 * a token, and entries beyond OTELC_BAGGAGE_MAX_ENTRIES or
 * OTELC_BAGGAGE_MAX_BYTES, are left out and counted in *dropped
 * (optional); metadata that is not a valid property list is left out.
 * @return a malloc'd string (free with free()), or NULL when b is empty,
 *         nothing could be written, or memory is exhausted.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API char *otelc_baggage_format(const otelc_baggage *baggage,
                                     size_t *dropped);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_BAGGAGE_H */
