/*
 * sdk/ids.c - randomness for ids, and the hex form of ids.
 *
 * Trace and span ids come from a per-thread wyrand generator (sdk/
 * internal.h), seeded here from getrandom(2).  wyrand passes BigCrush and
 * PractRand and costs a multiply per 64 bits; ids need uniqueness, not
 * secrecy.  Parent and child of a fork() are re-seeded (sdk/thread.c).
 */
#include <sys/random.h>
#include <unistd.h>

#include "sdk/internal.h"

#include "otelc/context.h"

void otelc__os_random(void *buf, size_t len) {
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(p + got, len - got, GRND_NONBLOCK);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == len)
        return;
    /* Early boot or a seccomp filter: mix what varies between processes and
     * calls.  Uniqueness, not unpredictability, is what ids need. */
    uint64_t s = otelc__mono_ns() ^ ((uint64_t)getpid() << 32) ^
                 (uint64_t)(uintptr_t)buf;
    for (size_t i = got; i < len; i++) {
        if ((i - got) % 8 == 0)
            s ^= (uint64_t)otelc__now_ns();
        p[i] = (uint8_t)otelc__wyrand(&s);
    }
}

static const char hexdig[] = "0123456789abcdef";

static char *to_hex(const uint8_t *id, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[id[i] >> 4];
        out[2 * i + 1] = hexdig[id[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

OTELC_API char *otelc_trace_id_to_hex(const uint8_t id[16], char out[33]) {
    return to_hex(id, 16, out);
}
OTELC_API char *otelc_span_id_to_hex(const uint8_t id[8], char out[17]) {
    return to_hex(id, 8, out);
}

static int lowerhex(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static otelc_status from_hex(const char *hex, size_t len, uint8_t *id,
                             size_t n) {
    memset(id, 0, n);
    if (!hex || len != 2 * n)
        return OTELC_EPARSE;
    uint8_t tmp[16];
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = lowerhex(hex[2 * i]), lo = lowerhex(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return OTELC_EPARSE;
        tmp[i] = (uint8_t)(hi << 4 | lo);
        any |= tmp[i];
    }
    if (!any)
        return OTELC_EPARSE;
    memcpy(id, tmp, n);
    return OTELC_OK;
}

OTELC_API otelc_status otelc_trace_id_from_hex(const char *hex, size_t len,
                                               uint8_t id[16]) {
    return from_hex(hex, len, id, 16);
}
OTELC_API otelc_status otelc_span_id_from_hex(const char *hex, size_t len,
                                              uint8_t id[8]) {
    return from_hex(hex, len, id, 8);
}

static bool nonzero(const uint8_t *p, size_t n) {
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= p[i];
    return any != 0;
}

OTELC_API bool otelc_span_context_is_valid(const otelc_span_context *sc) {
    return sc && nonzero(sc->trace_id, 16) && nonzero(sc->span_id, 8);
}

OTELC_API bool otelc_span_context_is_sampled(const otelc_span_context *sc) {
    return sc && (sc->trace_flags & OTELC_TRACE_FLAG_SAMPLED);
}
