/*
 * exporters/jaeger/thrift_binary.h - a small writer for Apache Thrift's
 * binary protocol (TBinaryProtocol), enough to serialize jaeger.Batch.
 * Not installed.
 *
 * Apache Thrift's own C library needs GLib, which a telemetry SDK should
 * not drag into every service; the subset Jaeger needs is small.  The wire
 * format (apache/thrift doc/specs/thrift-binary-protocol.md):
 *   - every integer is big-endian, two's complement;
 *   - a field is its type (one byte), its id (i16), then its value;
 *   - a struct is its fields followed by a stop byte (0);
 *   - a list is the element type (one byte), the size (i32), the elements;
 *   - a string or binary is its length (i32) and its bytes;
 *   - a bool is one byte (0 or 1), a double its IEEE-754 bits as an i64,
 *     an enum an i32.
 * There is no message envelope: Jaeger's HTTP endpoint takes a bare
 * struct.
 *
 * Every writer appends to an otelc__buf.  A failed allocation sets
 * buf->oom and makes every later write a no-op, so callers check once at
 * the end.  Writers do not keep the buffer NUL-terminated (the content is
 * binary).  The tests decode what these functions write with Apache
 * Thrift's Python library (tests/jaeger/).
 */
#ifndef OTELC_JAEGER_THRIFT_BINARY_H
#define OTELC_JAEGER_THRIFT_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdk/json_int.h"

/* Thrift type codes. */
enum {
    OTELC__T_STOP = 0,
    OTELC__T_BOOL = 2,
    OTELC__T_BYTE = 3,
    OTELC__T_DOUBLE = 4,
    OTELC__T_I16 = 6,
    OTELC__T_I32 = 8,
    OTELC__T_I64 = 10,
    OTELC__T_STRING = 11, /* also binary */
    OTELC__T_STRUCT = 12,
    OTELC__T_MAP = 13,
    OTELC__T_SET = 14,
    OTELC__T_LIST = 15
};

/* The largest string or list a Thrift binary length (i32) can describe. */
#define OTELC__THRIFT_MAX_LEN 0x7fffffffu

/* Make room for n more bytes; NULL (and buf->oom) when memory is out.
 * The fast path is one comparison; growth is in thrift_binary.c. */
unsigned char *otelc__tb_grow(otelc__buf *b, size_t n);
static inline unsigned char *otelc__tb_room(otelc__buf *b, size_t n) {
    if (__builtin_expect(b->len + n < b->cap && !b->oom, 1))
        return (unsigned char *)b->data + b->len;
    return otelc__tb_grow(b, n);
}

static inline void otelc__tb_put_be16(unsigned char *p, uint16_t v) {
    v = __builtin_bswap16(v);
    memcpy(p, &v, 2);
}
static inline void otelc__tb_put_be32(unsigned char *p, uint32_t v) {
    v = __builtin_bswap32(v);
    memcpy(p, &v, 4);
}
static inline void otelc__tb_put_be64(unsigned char *p, uint64_t v) {
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}

/* A field header: type, then id. */
static inline void otelc__tb_field(otelc__buf *b, uint8_t type, int16_t id) {
    unsigned char *p = otelc__tb_room(b, 3);
    if (!p)
        return;
    p[0] = type;
    otelc__tb_put_be16(p + 1, (uint16_t)id);
    b->len += 3;
}

/* The stop byte that ends a struct. */
static inline void otelc__tb_stop(otelc__buf *b) {
    unsigned char *p = otelc__tb_room(b, 1);
    if (!p)
        return;
    p[0] = OTELC__T_STOP;
    b->len += 1;
}

static inline void otelc__tb_i32(otelc__buf *b, int32_t v) {
    unsigned char *p = otelc__tb_room(b, 4);
    if (!p)
        return;
    otelc__tb_put_be32(p, (uint32_t)v);
    b->len += 4;
}

static inline void otelc__tb_i64(otelc__buf *b, int64_t v) {
    unsigned char *p = otelc__tb_room(b, 8);
    if (!p)
        return;
    otelc__tb_put_be64(p, (uint64_t)v);
    b->len += 8;
}

/* Field header and value in one reservation (the common case). */
static inline void otelc__tb_field_i32(otelc__buf *b, int16_t id, int32_t v) {
    unsigned char *p = otelc__tb_room(b, 7);
    if (!p)
        return;
    p[0] = OTELC__T_I32;
    otelc__tb_put_be16(p + 1, (uint16_t)id);
    otelc__tb_put_be32(p + 3, (uint32_t)v);
    b->len += 7;
}

static inline void otelc__tb_field_i64(otelc__buf *b, int16_t id, int64_t v) {
    unsigned char *p = otelc__tb_room(b, 11);
    if (!p)
        return;
    p[0] = OTELC__T_I64;
    otelc__tb_put_be16(p + 1, (uint16_t)id);
    otelc__tb_put_be64(p + 3, (uint64_t)v);
    b->len += 11;
}

static inline void otelc__tb_field_bool(otelc__buf *b, int16_t id, bool v) {
    unsigned char *p = otelc__tb_room(b, 4);
    if (!p)
        return;
    p[0] = OTELC__T_BOOL;
    otelc__tb_put_be16(p + 1, (uint16_t)id);
    p[3] = v ? 1 : 0;
    b->len += 4;
}

static inline void otelc__tb_field_double(otelc__buf *b, int16_t id, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    unsigned char *p = otelc__tb_room(b, 11);
    if (!p)
        return;
    p[0] = OTELC__T_DOUBLE;
    otelc__tb_put_be16(p + 1, (uint16_t)id);
    otelc__tb_put_be64(p + 3, bits);
    b->len += 11;
}

/* A string or binary value: length, then the bytes. */
void otelc__tb_binary(otelc__buf *b, const void *data, size_t n);

/* A string/binary field: header, length and bytes. */
void otelc__tb_field_binary(otelc__buf *b, int16_t id, const void *data,
                            size_t n);

/* A list header.  Returns the offset of its size, so that a writer that
 * does not know the count in advance can fix it with otelc__tb_patch_i32()
 * once the elements are written. */
size_t otelc__tb_list_begin(otelc__buf *b, uint8_t elem_type, int32_t size);

/* Overwrite the i32 at `offset` (written earlier). */
static inline void otelc__tb_patch_i32(otelc__buf *b, size_t offset,
                                       int32_t v) {
    if (!b->oom && offset + 4 <= b->len)
        otelc__tb_put_be32((unsigned char *)b->data + offset, (uint32_t)v);
}

#endif /* OTELC_JAEGER_THRIFT_BINARY_H */
