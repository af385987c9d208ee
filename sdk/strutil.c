/*
 * sdk/strutil.c - small string and number helpers used across the SDK.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sdk/internal.h"
#include "otelc/status.h"
#include "otelc/version.h"

char *otelc__strndup(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *otelc__strdup(const char *s) {
    return otelc__strndup(s ? s : "", s ? strlen(s) : 0);
}

char *otelc__strdup_trim(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return otelc__strndup(s, n);
}

bool otelc__streq_nocase(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

bool otelc__parse_i64(const char *s, int64_t *out) {
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

bool otelc__parse_double(const char *s, double *out) {
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || isnan(v) || isinf(v))
        return false;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

size_t otelc__utf8_prefix(const char *s, size_t len, size_t max_chars) {
    size_t i = 0, chars = 0;
    while (i < len && chars < max_chars) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80         ? 1
                   : (c >> 5) == 6  ? 2
                   : (c >> 4) == 14 ? 3
                   : (c >> 3) == 30 ? 4
                                    : 1;
        if (i + n > len)
            n = len - i;
        i += n;
        chars++;
    }
    return i;
}

static char g_exe[256];
static pthread_once_t g_exe_once = PTHREAD_ONCE_INIT;

static void read_exe(void) {
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return;
    path[n] = '\0';
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(g_exe, sizeof g_exe, "%.255s", base);
}

const char *otelc__exe_name(void) {
    pthread_once(&g_exe_once, read_exe);
    return g_exe;
}

OTELC_API const char *otelc_strerror(otelc_status status) {
    switch (status) {
#define OTELC__STATUS_CASE(name, value, msg)                                   \
    case OTELC_##name: return msg;
        OTELC_STATUS_MAP(OTELC__STATUS_CASE)
#undef OTELC__STATUS_CASE
    }
    return "unknown status";
}

OTELC_API const char *otelc_version(void) {
    return OTELC_VERSION_STRING;
}
