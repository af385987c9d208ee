/*
 * sdk/json_int.h - a growable byte buffer and a JSON writer on top of it.
 * Not installed.  Used by the OTLP-JSON file exporter, the console exporter
 * and the JSON log format.
 *
 * Strings are always emitted as valid JSON: quotes, backslashes and control
 * characters are escaped, and bytes that are not valid UTF-8 are replaced
 * with U+FFFD (one per maximal ill-formed subpart, the Unicode standard's
 * recommended practice, which is also what Python's and the WHATWG
 * decoders do), so any input yields output a strict parser accepts.
 * Numbers never depend on the process locale (LC_NUMERIC).
 *
 * Out of memory: an append that cannot grow the buffer sets `oom` and every
 * later append is ignored, so an encoder runs to completion without
 * checking each call and the caller tests `oom` once at the end.
 *
 * Thread-safety: a buffer is used by one thread at a time; the functions
 * keep no shared state.  Blocking: never (they may allocate).
 */
#ifndef OTELC_SDK_JSON_INT_H
#define OTELC_SDK_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct otelc__buf {
    char *data; /* NUL-terminated whenever len > 0 */
    size_t len;
    size_t cap;
    bool oom; /* an append failed; the content is truncated */
} otelc__buf;

void otelc__buf_init(otelc__buf *b);
void otelc__buf_free(otelc__buf *b);
/* Empty the buffer (keeping its memory) and clear `oom`. */
void otelc__buf_reset(otelc__buf *b);
/* Make room for `extra` more bytes plus the terminating NUL. */
bool otelc__buf_reserve(otelc__buf *b, size_t extra);
/* The out-of-line part of append: grow, then copy. */
void otelc__buf_append_slow(otelc__buf *b, const void *p, size_t n);
void otelc__buf_printf(otelc__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends are inline: an encoder makes several per field, and the common
 * case (room left, no error) is a bounds check and a copy. */
static inline void otelc__buf_append(otelc__buf *b, const void *p, size_t n) {
    if (__builtin_expect(n < b->cap && b->len + n < b->cap && !b->oom, 1)) {
        if (n)
            __builtin_memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    otelc__buf_append_slow(b, p, n);
}

static inline void otelc__buf_putc(otelc__buf *b, char c) {
    otelc__buf_append(b, &c, 1);
}

static inline void otelc__buf_puts(otelc__buf *b, const char *s) {
    otelc__buf_append(b, s, __builtin_strlen(s));
}

/* A string literal, its length known at compile time. */
#define otelc__buf_lit(b, lit) otelc__buf_append((b), "" lit, sizeof(lit) - 1)

/* JSON pieces. */
void otelc__json_str(otelc__buf *b, const char *s, size_t n); /* "..." */
void otelc__json_cstr(otelc__buf *b, const char *s); /* NULL writes "" */
/* The inside of a JSON string, without the quotes: the same escaping and
 * U+FFFD replacement.  Also used for terminal-safe text (no raw control
 * characters reach the output). */
void otelc__json_escape(otelc__buf *b, const char *s, size_t n);
void otelc__json_i64(otelc__buf *b, int64_t v);
void otelc__json_u64(otelc__buf *b, uint64_t v);
/* A finite double in shortest round-trip form; NaN and infinities as the
 * strings "NaN", "Infinity", "-Infinity" (the protobuf JSON mapping). */
void otelc__json_double(otelc__buf *b, double v);
void otelc__json_hex(otelc__buf *b, const uint8_t *p, size_t n); /* "0a1b" */
void otelc__json_base64(otelc__buf *b, const uint8_t *p, size_t n);

/* An attribute value as plain JSON (not the OTLP AnyValue wrapping):
 * strings escaped, numbers, booleans, arrays as lists, bytes as a base64
 * string, no value as null.  Used by the JSON log format and by formats
 * that carry arrays as JSON text (Jaeger tags). */
#include "otelc/common.h"
void otelc__json_value(otelc__buf *b, const otelc_value *v);

#endif /* OTELC_SDK_JSON_INT_H */
