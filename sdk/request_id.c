/*
 * sdk/request_id.c - generating and validating request ids (the
 * per-thread current id itself lives in sdk/context.c).
 */
#include "sdk/internal.h"

#include "otelc/request_id.h"

OTELC_API char *
otelc_request_id_generate(char out[OTELC_REQUEST_ID_GENERATED_LEN + 1]) {
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    otelc__os_random(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
    return out;
}

OTELC_API bool otelc_request_id_valid(const char *id, size_t len) {
    if (!id || len == 0 || len >= OTELC_REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || (c && strchr("-_.:+/=@~", c) != NULL)))
            return false;
    }
    return true;
}
