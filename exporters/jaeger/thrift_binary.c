/*
 * exporters/jaeger/thrift_binary.c - the out-of-line parts of the Thrift
 * binary-protocol writer (see thrift_binary.h for the format).
 *
 * Invariant: once buf->oom is set, nothing is appended any more, so a
 * truncated buffer is never mistaken for a complete message.  Lengths that
 * do not fit Thrift's i32 also set oom: such a message cannot be written.
 */
#include "exporters/jaeger/thrift_binary.h"

unsigned char *otelc__tb_grow(otelc__buf *b, size_t n) {
    if (!otelc__buf_reserve(b, n))
        return NULL;
    return (unsigned char *)b->data + b->len;
}

void otelc__tb_binary(otelc__buf *b, const void *data, size_t n) {
    if (n > OTELC__THRIFT_MAX_LEN) {
        b->oom = true;
        return;
    }
    unsigned char *p = otelc__tb_room(b, 4 + n);
    if (!p)
        return;
    otelc__tb_put_be32(p, (uint32_t)n);
    if (n)
        memcpy(p + 4, data, n);
    b->len += 4 + n;
}

void otelc__tb_field_binary(otelc__buf *b, int16_t id, const void *data,
                            size_t n) {
    if (n > OTELC__THRIFT_MAX_LEN) {
        b->oom = true;
        return;
    }
    unsigned char *p = otelc__tb_room(b, 7 + n);
    if (!p)
        return;
    p[0] = OTELC__T_STRING;
    otelc__tb_put_be16(p + 1, (uint16_t)id);
    otelc__tb_put_be32(p + 3, (uint32_t)n);
    if (n)
        memcpy(p + 7, data, n);
    b->len += 7 + n;
}

size_t otelc__tb_list_begin(otelc__buf *b, uint8_t elem_type, int32_t size) {
    unsigned char *p = otelc__tb_room(b, 5);
    if (!p)
        return 0;
    p[0] = elem_type;
    otelc__tb_put_be32(p + 1, (uint32_t)size);
    b->len += 5;
    return b->len - 4;
}
