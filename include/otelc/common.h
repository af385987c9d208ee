/*
 * otelc/common.h - types shared by every otelc area: attribute values,
 * key/value attributes, the export-visibility macro and time units.
 *
 * Plain-data types live here because users build them on the stack and pass
 * them in (attribute arrays for spans, events and links).  otelc copies
 * what it keeps: a caller's otelc_attribute array may be reused as soon as
 * the call that received it returns.
 */
#ifndef OTELC_COMMON_H
#define OTELC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OTELC_BUILDING_LIBRARY) && defined(__GNUC__)
#define OTELC_API __attribute__((visibility("default")))
#else
#define OTELC_API
#endif

#if defined(__GNUC__)
#define OTELC_DEPRECATED(msg) __attribute__((deprecated(msg)))
#define OTELC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define OTELC_DEPRECATED(msg)
#define OTELC_PRINTF(fmt, args)
#endif
/** Marks an API that may still change in a minor release. */
#define OTELC_EXPERIMENTAL

/** Nanoseconds since the Unix epoch (UTC), as OTLP carries time. */
typedef uint64_t otelc_time_ns;

/** The type of an attribute value.  Values are frozen and appended only. */
typedef enum otelc_value_type {
    OTELC_VALUE_NONE = 0,         /* empty value; ignored by setters */
    OTELC_VALUE_STRING = 1,       /* UTF-8 text, u.s with len bytes */
    OTELC_VALUE_BOOL = 2,         /* u.b */
    OTELC_VALUE_INT = 3,          /* u.i, signed 64-bit */
    OTELC_VALUE_DOUBLE = 4,       /* u.d */
    OTELC_VALUE_STRING_ARRAY = 5, /* u.sa, len elements */
    OTELC_VALUE_BOOL_ARRAY = 6,   /* u.ba, len elements */
    OTELC_VALUE_INT_ARRAY = 7,    /* u.ia, len elements */
    OTELC_VALUE_DOUBLE_ARRAY = 8, /* u.da, len elements */
    OTELC_VALUE_BYTES = 9         /* u.s with len bytes, any content */
} otelc_value_type;

/**
 * An attribute value.
 *
 * On input (attributes passed to otelc): strings are NUL-terminated unless
 * `len` is non-zero, in which case exactly `len` bytes are read; arrays
 * always use `len` as their element count.  On output (span data seen by an
 * exporter), strings are NUL-terminated and `len` is always their length.
 */
typedef struct otelc_value {
    otelc_value_type type;
    uint32_t len;
    union {
        const char *s;
        bool b;
        int64_t i;
        double d;
        const char *const *sa;
        const bool *ba;
        const int64_t *ia;
        const double *da;
    } u;
} otelc_value;

/** A key/value pair.  The key is a NUL-terminated, non-empty string. */
typedef struct otelc_attribute {
    const char *key;
    otelc_value value;
} otelc_attribute;

/* Compound-literal builders: otelc_attribute a[] = { OTELC_ATTR_STR("k",
 * "v"), OTELC_ATTR_INT("n", 3) }; */
#define OTELC_ATTR_STR(k, v)                                                   \
    ((otelc_attribute){(k), {OTELC_VALUE_STRING, 0, {.s = (v)}}})
#define OTELC_ATTR_INT(k, v)                                                   \
    ((otelc_attribute){(k), {OTELC_VALUE_INT, 0, {.i = (int64_t)(v)}}})
#define OTELC_ATTR_DOUBLE(k, v)                                                \
    ((otelc_attribute){(k), {OTELC_VALUE_DOUBLE, 0, {.d = (double)(v)}}})
#define OTELC_ATTR_BOOL(k, v)                                                  \
    ((otelc_attribute){(k), {OTELC_VALUE_BOOL, 0, {.b = (bool)(v)}}})
#define OTELC_ATTR_STR_ARRAY(k, arr, n)                                        \
    ((otelc_attribute){                                                        \
        (k), {OTELC_VALUE_STRING_ARRAY, (uint32_t)(n), {.sa = (arr)}}})
#define OTELC_ATTR_INT_ARRAY(k, arr, n)                                        \
    ((otelc_attribute){(k),                                                    \
                       {OTELC_VALUE_INT_ARRAY, (uint32_t)(n), {.ia = (arr)}}})
#define OTELC_ATTR_DOUBLE_ARRAY(k, arr, n)                                     \
    ((otelc_attribute){                                                        \
        (k), {OTELC_VALUE_DOUBLE_ARRAY, (uint32_t)(n), {.da = (arr)}}})
#define OTELC_ATTR_BOOL_ARRAY(k, arr, n)                                       \
    ((otelc_attribute){                                                        \
        (k), {OTELC_VALUE_BOOL_ARRAY, (uint32_t)(n), {.ba = (arr)}}})

#ifndef __cplusplus
/* A C value typed by _Generic into an otelc_value, for the key/value
 * macros of the logging and metrics APIs: integer types -> INT (an unsigned
 * value above INT64_MAX wraps), floating types -> DOUBLE, bool -> BOOL,
 * char * -> STRING (NULL -> no value), an otelc_value as is.  Any other
 * type is a compile-time error. */
static inline otelc_value otelc__v_i64(int64_t v) {
    otelc_value x;
    x.type = OTELC_VALUE_INT;
    x.len = 0;
    x.u.i = v;
    return x;
}
static inline otelc_value otelc__v_f64(double v) {
    otelc_value x;
    x.type = OTELC_VALUE_DOUBLE;
    x.len = 0;
    x.u.d = v;
    return x;
}
static inline otelc_value otelc__v_bool(bool v) {
    otelc_value x;
    x.type = OTELC_VALUE_BOOL;
    x.len = 0;
    x.u.b = v;
    return x;
}
static inline otelc_value otelc__v_str(const char *v) {
    otelc_value x;
    x.type = v ? OTELC_VALUE_STRING : OTELC_VALUE_NONE;
    x.len = 0;
    x.u.s = v;
    return x;
}
static inline otelc_value otelc__v_value(otelc_value v) {
    return v;
}
#define OTELC__VALUE_OF(v)                                                     \
    _Generic((v),                                                              \
        _Bool: otelc__v_bool,                                                  \
        char: otelc__v_i64,                                                    \
        signed char: otelc__v_i64,                                             \
        unsigned char: otelc__v_i64,                                           \
        short: otelc__v_i64,                                                   \
        unsigned short: otelc__v_i64,                                          \
        int: otelc__v_i64,                                                     \
        unsigned int: otelc__v_i64,                                            \
        long: otelc__v_i64,                                                    \
        unsigned long: otelc__v_i64,                                           \
        long long: otelc__v_i64,                                               \
        unsigned long long: otelc__v_i64,                                      \
        float: otelc__v_f64,                                                   \
        double: otelc__v_f64,                                                  \
        long double: otelc__v_f64,                                             \
        char *: otelc__v_str,                                                  \
        const char *: otelc__v_str,                                            \
        otelc_value: otelc__v_value)(v)
#endif

/**
 * otelc_now_ns - the current wall-clock time in nanoseconds since the epoch.
 *
 * Derived from CLOCK_MONOTONIC plus an offset to CLOCK_REALTIME that the
 * SDK refreshes in the background, so durations computed from two readings
 * never go backwards even when the system clock is stepped.
 *
 * Thread-safety: safe from any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_time_ns otelc_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_COMMON_H */
