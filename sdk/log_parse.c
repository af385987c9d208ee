/*
 * sdk/log_parse.c - the parsers of the log settings that take text: level
 * names (LOG_LEVEL, LOG_LEVELS, LOG_SAMPLING, LOG_QUEUE_FULL_WAIT_LEVEL)
 * and "name=value,name=value" lists (LOG_LEVELS, LOG_SAMPLING).
 *
 * Kept apart, with no dependency beyond sdk/strutil.c, so that the fuzz
 * target tests/fuzz/fuzz_log_settings.c can build them alone.  Input comes
 * from the environment and .env files: any bytes, any length; nothing here
 * reads past `len` or writes anywhere.
 */
#include <ctype.h>

#include "sdk/log_int.h"

OTELC_API otelc_status otelc_log_level_parse(const char *name,
                                             otelc_log_level *level) {
    static const struct {
        const char *n;
        otelc_log_level l;
    } tbl[] = {{"TRACE", OTELC_LOG_TRACE},  {"DEBUG", OTELC_LOG_DEBUG},
               {"INFO", OTELC_LOG_INFO},    {"WARN", OTELC_LOG_WARN},
               {"WARNING", OTELC_LOG_WARN}, {"ERROR", OTELC_LOG_ERROR},
               {"FATAL", OTELC_LOG_FATAL},  {"CRITICAL", OTELC_LOG_FATAL},
               {"OFF", OTELC_LOG_OFF}};
    if (!name || !level)
        return OTELC_EINVAL;
    char buf[16];
    size_t n = 0;
    while (isspace((unsigned char)*name))
        name++;
    while (*name && !isspace((unsigned char)*name) && n < sizeof buf - 1)
        buf[n++] = *name++;
    buf[n] = '\0';
    while (isspace((unsigned char)*name))
        name++;
    if (*name)
        return OTELC_EPARSE;
    for (size_t i = 0; i < OTELC_ARRAY_LEN(tbl); i++)
        if (otelc__streq_nocase(buf, tbl[i].n)) {
            *level = tbl[i].l;
            return OTELC_OK;
        }
    return OTELC_EPARSE;
}

bool otelc__log_parse_pairs(const char *s, size_t len,
                            bool (*fn)(const char *name, size_t nlen,
                                       const char *value, size_t vlen,
                                       void *arg),
                            void *arg, const char **err) {
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && s[e] != ',')
            e++;
        size_t a = i, b = e;
        while (a < b && isspace((unsigned char)s[a]))
            a++;
        while (b > a && isspace((unsigned char)s[b - 1]))
            b--;
        if (a < b) {
            const char *eq = memchr(s + a, '=', b - a);
            if (!eq) {
                *err = "a member has no '='";
                return false;
            }
            size_t ne = (size_t)(eq - s), vs = ne + 1;
            while (ne > a && isspace((unsigned char)s[ne - 1]))
                ne--;
            while (vs < b && isspace((unsigned char)s[vs]))
                vs++;
            if (ne == a) {
                *err = "a member has an empty name";
                return false;
            }
            if (vs == b) {
                *err = "a member has an empty value";
                return false;
            }
            if (!fn(s + a, ne - a, s + vs, b - vs, arg)) {
                *err = "a member has a bad value";
                return false;
            }
        }
        i = e + 1;
    }
    return true;
}
