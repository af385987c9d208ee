/*
 * tools/json_reader.h - a small, strict JSON parser for otelc's tools.
 *
 * jr_parse() turns one JSON text (RFC 8259) into a read-only tree owned by
 * a jr_doc.  It is written for reading OTLP-JSON files (otelc-traceview),
 * where one line can hold a batch of hundreds of spans, so it parses in one
 * pass into a single growing arena: freeing the document frees everything.
 *
 * What it accepts is exactly RFC 8259: no comments, no trailing commas, no
 * NaN/Infinity literals, no leading zeros, no single quotes, no control
 * characters inside strings, and input that is valid UTF-8 (overlong forms,
 * encoded surrogates and code points above U+10FFFF are rejected).  An
 * escaped lone surrogate (\ud800 without its pair) is not an error - other
 * parsers accept it too - and decodes to U+FFFD so that every decoded
 * string is valid UTF-8.  Nesting deeper than JR_MAX_DEPTH is an error,
 * not a stack overflow.  Any failure gives a position and a message.
 *
 * Ownership: every pointer returned by an accessor is borrowed from its
 * jr_doc and valid until jr_free().  Accessors accept NULL and values of
 * the wrong type and return an empty answer (NULL, 0, false), so lookups
 * can be chained without checks: jr_get(jr_get(root, "a"), "b").
 * Thread-safety: a document is immutable once parsed and may be read from
 * any number of threads; parsing uses no global state.
 */
#ifndef OTELC_TOOLS_JSON_READER_H
#define OTELC_TOOLS_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Deepest nesting of arrays and objects accepted. */
#define JR_MAX_DEPTH 256

typedef enum jr_type {
    JR_NULL = 0,
    JR_BOOL = 1,
    JR_NUMBER = 2,
    JR_STRING = 3,
    JR_ARRAY = 4,
    JR_OBJECT = 5
} jr_type;

typedef struct jr_doc jr_doc;
typedef struct jr_value jr_value;

/** Where and why parsing failed. */
typedef struct jr_error {
    size_t offset;    /* byte offset of the problem in the input */
    unsigned line;    /* 1-based */
    unsigned column;  /* 1-based, in bytes */
    char message[96]; /* e.g. "expected ',' or '}' in object" */
} jr_error;

/**
 * jr_parse - parse one JSON text.
 *
 * @param text  the input; need not be NUL-terminated.  Borrowed for the
 *              call only (strings are copied into the document).
 * @param len   its length in bytes.  Surrounding whitespace is allowed;
 *              anything else after the value is an error.
 * @param err   optional out: filled when NULL is returned.
 * @return the document, to free with jr_free(); NULL on malformed input
 *         (err says where) or when memory is exhausted (err says so).
 * Thread-safety: any thread.  Blocking: never.
 */
jr_doc *jr_parse(const char *text, size_t len, jr_error *err);

/** jr_free - free a document and every value in it; NULL is accepted. */
void jr_free(jr_doc *doc);

/** jr_root - the document's top-level value; never NULL for a document. */
const jr_value *jr_root(const jr_doc *doc);

/** jr_type_of - the type of v; JR_NULL for a NULL pointer. */
jr_type jr_type_of(const jr_value *v);

/** jr_bool - the value of a boolean; false for anything else. */
bool jr_bool(const jr_value *v);

/** jr_number - a number as a double (the nearest one; +/-HUGE_VAL when
 *  out of range); 0 for anything else. */
double jr_number(const jr_value *v);

/**
 * jr_string - a string's decoded UTF-8 bytes, NUL-terminated (a string may
 * also contain NUL bytes: use *len).  NULL for anything but a string.
 * @param len  optional out: length in bytes.
 */
const char *jr_string(const jr_value *v, size_t *len);

/**
 * jr_number_text - the literal text of a number exactly as written (not
 * NUL-terminated), for callers that need more than a double's precision.
 * NULL for anything but a number.
 */
const char *jr_number_text(const jr_value *v, size_t *len);

/**
 * jr_as_u64 - read an unsigned 64-bit integer written either as a JSON
 * number without fraction or exponent, or as a string of decimal digits
 * (the protobuf JSON mapping writes 64-bit integers as strings).
 * @return true and *out set when v is such a value and fits in 64 bits.
 */
bool jr_as_u64(const jr_value *v, uint64_t *out);

/** jr_as_i64 - the signed variant of jr_as_u64 (a leading '-' allowed). */
bool jr_as_i64(const jr_value *v, int64_t *out);

/** jr_len - the number of elements of an array or members of an object;
 *  0 for anything else. */
size_t jr_len(const jr_value *v);

/** jr_at - the i-th element of an array, or NULL. */
const jr_value *jr_at(const jr_value *v, size_t i);

/**
 * jr_get - the member of an object named `key`, or NULL.  When a key is
 * repeated the last occurrence wins, as in most JSON implementations.
 * Linear in the object's size: objects in telemetry data are small.
 */
const jr_value *jr_get(const jr_value *v, const char *key);

/** jr_member_key / jr_member_value - the i-th member of an object in
 *  document order (NULL past the end). */
const char *jr_member_key(const jr_value *v, size_t i, size_t *len);
const jr_value *jr_member_value(const jr_value *v, size_t i);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_TOOLS_JSON_READER_H */
