/*
 * sdk/config.c - the one configuration loader.
 *
 * Precedence: defaults < .env < environment < options set in code.  Each
 * layer's value is validated before it replaces the layer below, so a bad
 * value falls back to the next valid one.  An empty value counts as unset
 * (the specification says an empty environment variable MUST be treated
 * like an unset one), so `NAME=` never overrides anything.
 *
 * Values are normalised so every reader sees one spelling: booleans to
 * "true"/"false", integers and sizes to plain decimal (sizes in bytes),
 * doubles to the shortest text that reads back to the same number, enums
 * and list members to the spelling of the table, lists without blanks and
 * duplicates, URL schemes to lower case.
 *
 * Diagnostics.  Loading collects its complaints and emits them only after
 * every layer is applied, for two reasons: OTEL_LOG_LEVEL (from any layer)
 * filters them, and each line can say what is really used instead (a bad
 * .env value overridden by a good environment value says so).  Every line
 * has the shape
 *     [file:line: ]NAME="value" <reason>; using <fallback>
 * with secret values (headers, passwords, DSNs, URL user info) redacted.
 * A line already emitted by an earlier load in this process is not
 * repeated: the configuration is loaded lazily on first use and again by
 * otelc_init(), and the operator should hear about a problem once.
 *
 * The loaded configuration is an immutable snapshot, built on first use or
 * by otelc_init() (with options) and dropped by otelc_shutdown().
 * Components copy what they need when they are created, so nothing reads
 * the configuration on a hot path.  g_lock guards the snapshot pointer,
 * the said-before set and the OTEL_LOG_LEVEL bookkeeping; diagnostics are
 * emitted after it is released.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/span_int.h"

typedef enum cfg_type {
    T_BOOL,
    T_INT,
    T_SIZE,
    T_DOUBLE,
    T_ENUM,
    T_LIST,
    T_URL,
    T_HEADERS,
    T_STRING
} cfg_type;

typedef struct cfg_def {
    const char *name;
    cfg_type type;
    const char *def;
    double min, max;
    const char *choices;
    const char *desc;
} cfg_def;

static const cfg_def g_defs[OTELC_CFG__COUNT] = {
#define OTELC__CFG_DEF(id, name, type, def, min, max, choices, desc)           \
    {name, T_##type, def, (double)(min), (double)(max), choices, desc},
    OTELC_CONFIG_TABLE(OTELC__CFG_DEF)
#undef OTELC__CFG_DEF
};

typedef struct cfg_value {
    char *str; /* normalised value; NULL = unset ("") */
    otelc_config_source source;
} cfg_value;

typedef struct cfg_snapshot {
    cfg_value v[OTELC_CFG__COUNT];
} cfg_snapshot;

/* Options set in code: values already validated and normalised. */
struct otelc_options {
    char *values[OTELC_CFG__COUNT];
    char *env_file;
    bool env_file_set;
    otelc_span_exporter *exporters[8];
    size_t exporter_count;
    otelc_sampler *sampler;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static cfg_snapshot *g_cfg;
/* True while the diagnostics level is the one OTEL_LOG_LEVEL asked for, so
 * a later load without OTEL_LOG_LEVEL restores the default. */
static bool g_level_from_cfg;
/* Hashes of loader diagnostics already emitted (see the file comment). */
static uint64_t g_said[256];
static size_t g_said_count;

/* ---- numbers in the C locale
 * ----------------------------------------------------- */

/* strtod and printf follow LC_NUMERIC: an application that calls
 * setlocale(LC_ALL, "") in a German locale would read "0.5" as 0.  Parse
 * and format in the C locale (uselocale is per thread). */
static locale_t g_c_locale;
static pthread_once_t g_c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) {
    g_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* (locale_t)0 when it cannot be created: then the global locale is used. */
static locale_t c_locale(void) {
    pthread_once(&g_c_locale_once, make_c_locale);
    return g_c_locale;
}

/* A plain decimal number: [+-] digits [. digits] [e [+-] digits], with at
 * least one digit before the exponent.  No hex, inf or nan. */
static bool decimal_syntax(const char *s, const char **end) {
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return false;
        while (isdigit((unsigned char)*q))
            q++;
        p = q;
    }
    *end = p;
    return true;
}

/* Parse a prefix of s as a decimal number in the C locale. */
static bool c_strtod(const char *s, double *out, const char **end) {
    const char *e;
    if (!decimal_syntax(s, &e))
        return false;
    locale_t loc = c_locale();
    errno = 0;
    char *pe;
    double v = loc ? strtod_l(s, &pe, loc) : strtod(s, &pe);
    if (errno == ERANGE && fabs(v) > 1.0)
        return false; /* overflow; underflow to 0 or a denormal is fine */
    if (pe != e || !isfinite(v))
        return false;
    *out = v;
    *end = e;
    return true;
}

/* A whole string (blanks around allowed) as a decimal number. */
static bool parse_number(const char *s, double *out) {
    while (isspace((unsigned char)*s))
        s++;
    const char *end;
    if (!c_strtod(s, out, &end))
        return false;
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0';
}

/* The shortest "%.*g" text that reads back to exactly v, C locale. */
static void format_double(char *buf, size_t size, double v) {
    locale_t loc = c_locale(), old = loc ? uselocale(loc) : (locale_t)0;
    /* Whole numbers print as integers ("10", not "1e+01"). */
    if (v == (double)(long long)v && fabs(v) < 1e15) {
        snprintf(buf, size, "%lld", (long long)v);
        if (loc)
            uselocale(old);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        double back;
        if (parse_number(buf, &back) && back == v)
            break;
    }
    if (loc)
        uselocale(old);
}

/* ---- validation
 * ---------------------------------------------------------------- */

/* Find s[0..n) among the "|"-separated choices (case-insensitive); on a
 * match, *canon and *canon_len give the spelling of the table. */
static bool choice_match(const char *choices, const char *s, size_t n,
                         const char **canon, size_t *canon_len) {
    const char *c = choices;
    while (*c) {
        const char *e = strchr(c, '|');
        size_t cl = e ? (size_t)(e - c) : strlen(c);
        if (cl == n && !strncasecmp(c, s, n)) {
            *canon = c;
            *canon_len = cl;
            return true;
        }
        if (!e)
            break;
        c = e + 1;
    }
    return false;
}

/* Booleans.  The specification allows only "true" and "false" for OTEL_
 * variables; the guide's variables come from Python settings files where
 * 1/0, yes/no and on/off are common, so those are accepted too. */
static bool parse_bool(const char *s, bool strict, bool *out) {
    static const char *const t[] = {"true", "1", "yes", "on"};
    static const char *const f[] = {"false", "0", "no", "off"};
    char buf[8];
    size_t n = 0;
    while (isspace((unsigned char)*s))
        s++;
    while (*s && !isspace((unsigned char)*s)) {
        if (n == sizeof buf - 1)
            return false;
        buf[n++] = *s++;
    }
    buf[n] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    if (*s)
        return false;
    for (size_t i = 0; i < (strict ? 1u : 4u); i++) {
        if (otelc__streq_nocase(buf, t[i])) {
            *out = true;
            return true;
        }
        if (otelc__streq_nocase(buf, f[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Sizes: a decimal number of bytes with an optional binary multiple:
 * K, M, G or T, optionally followed by "i" and/or "B" ("10MB", "512K",
 * "1GiB", "1.5 M", "4096B").  K means 1024, as in the guide's default
 * (10485760 = 10 MB).  Fractions of a byte are dropped. */
static bool parse_size(const char *s, int64_t *out) {
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '-' || *s == '+')
        return false;
    double v;
    const char *end;
    if (!c_strtod(s, &v, &end))
        return false;
    while (isspace((unsigned char)*end))
        end++;
    double mult = 1;
    bool unit = true;
    switch (toupper((unsigned char)*end)) {
    case 'K': mult = 1024.0; break;
    case 'M': mult = 1024.0 * 1024; break;
    case 'G': mult = 1024.0 * 1024 * 1024; break;
    case 'T': mult = 1024.0 * 1024 * 1024 * 1024; break;
    default: unit = false;
    }
    if (unit) {
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || v < 0 || v * mult >= 9.2e18)
        return false;
    *out = (int64_t)(v * mult);
    return true;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decode [s, s+n) into a new string.  NULL with *err set on a bad
 * escape ("%", "%4", "%zz") or on %00, which a C string cannot carry. */
static char *pct_decode(const char *s, size_t n, const char **err) {
    char *d = malloc(n + 1), *o = d;
    if (!d) {
        *err = "out of memory";
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        int h, l;
        if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 ||
            (l = hexval(s[i + 2])) < 0) {
            free(d);
            *err = "has a bad percent-encoding (a % must be followed by two "
                   "hex digits)";
            return NULL;
        }
        if (!h && !l) {
            free(d);
            *err = "has a percent-encoded NUL (%00)";
            return NULL;
        }
        *o++ = (char)(h << 4 | l);
        i += 2;
    }
    *o = '\0';
    return d;
}

bool otelc__parse_kv_list(const char *s,
                          void (*fn)(const char *k, const char *v, void *arg),
                          void *arg, const char **err) {
    const char *dummy;
    if (!err)
        err = &dummy;
    /* Two passes: validate everything first, so a malformed list has no
     * effect at all (the specification: discard the whole value). */
    for (int pass = 0; pass < 2; pass++) {
        const char *p = s;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            const char *eq = memchr(p, '=', n);
            char *k = NULL, *v = NULL, *kt = NULL, *vt = NULL;
            bool blank = true;
            for (size_t i = 0; i < n; i++)
                if (!isspace((unsigned char)p[i]))
                    blank = false;
            if (blank)
                goto next; /* tolerate "a=b,,c=d" and trailing commas */
            if (!eq) {
                *err = "has a member without '='";
                return false;
            }
            /* Blanks around keys and values are optional white space, as
             * in W3C baggage; encoded ones (%20) are kept. */
            kt = otelc__strdup_trim(p, (size_t)(eq - p));
            vt = otelc__strdup_trim(eq + 1, n - (size_t)(eq - p) - 1);
            if (!kt || !vt || !kt[0]) {
                free(kt);
                free(vt);
                *err = "has a member with an empty key";
                return false;
            }
            k = pct_decode(kt, strlen(kt), err);
            v = k ? pct_decode(vt, strlen(vt), err) : NULL;
            free(kt);
            free(vt);
            if (!k || !v) {
                free(k);
                free(v);
                return false;
            }
            if (pass == 1 && fn)
                fn(k, v, arg);
            free(k);
            free(v);
        next:
            if (!e)
                break;
            p = e + 1;
        }
    }
    return true;
}

/* HTTP header names are tokens (RFC 9110 5.6.2); values must not carry
 * control characters, or a decoded %0D%0A would inject a header. */
static bool is_tchar(unsigned char c) {
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

typedef struct header_check {
    const char *why;
} header_check;

static void check_header(const char *k, const char *v, void *arg) {
    header_check *hc = arg;
    for (const unsigned char *c = (const unsigned char *)k; *c; c++)
        if (!is_tchar(*c))
            hc->why = "has a header name that is not an HTTP token";
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
            hc->why = "has a header value with a control character";
}

/* Why `t` is not an http(s) URL with a host, or NULL when it is one. */
static const char *url_problem(const char *t) {
    const char *p;
    if (!strncasecmp(t, "http://", 7))
        p = t + 7;
    else if (!strncasecmp(t, "https://", 8))
        p = t + 8;
    else
        return "is not a URL starting with http:// or https://";
    for (const unsigned char *c = (const unsigned char *)t; *c; c++)
        if (*c <= 0x20 || *c == 0x7f)
            return "contains a blank or control character";
    size_t alen = strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *c = p; c < p + alen; c++)
        if (*c == '@')
            at = c;
    const char *host = at ? at + 1 : p, *aend = p + alen;
    const char *port = NULL;
    if (host < aend && *host == '[') {
        const char *rb = memchr(host, ']', (size_t)(aend - host));
        if (!rb || rb == host + 1)
            return "has a malformed [IPv6] host";
        for (const char *c = host + 1; c < rb; c++)
            if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
                return "has a malformed [IPv6] host";
        if (rb + 1 < aend) {
            if (rb[1] != ':')
                return "has text after the [IPv6] host";
            port = rb + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(aend - host));
        const char *hend = colon ? colon : aend;
        if (hend == host)
            return "has no host";
        for (const char *c = host; c < hend; c++)
            if (!isalnum((unsigned char)*c) && !strchr("-._~%", *c) &&
                !((unsigned char)*c & 0x80))
                return "has a character not allowed in a host name";
        if (colon)
            port = colon + 1;
    }
    if (port) {
        long v = 0;
        const char *c = port;
        for (; c < aend && isdigit((unsigned char)*c) && v <= 65535; c++)
            v = v * 10 + (*c - '0');
        if (c == port || c != aend || v < 1 || v > 65535)
            return "has a port that is not a number in 1..65535";
    }
    return NULL;
}

const char *otelc__printable(const char *s, char *buf, size_t size);

/* Format a table bound: integers without a decimal point. */
static void fmt_bound(char *buf, size_t size, double v) {
    if (v == floor(v) && fabs(v) < 1e18)
        snprintf(buf, size, "%lld", (long long)v);
    else
        format_double(buf, size, v);
}

/* Validate `raw` (not blank) for setting `id`.  Returns a normalised copy,
 * or NULL with the reason in why[].  A LIST that is only partly understood
 * returns the understood part and also fills why[] (a warning). */
static char *validate(int id, const char *raw, char *why, size_t why_size) {
    const cfg_def *d = &g_defs[id];
    char buf[64], lo[32], hi[32];
    why[0] = '\0';
    fmt_bound(lo, sizeof lo, d->min);
    fmt_bound(hi, sizeof hi, d->max);
    switch (d->type) {
    case T_BOOL: {
        bool b, strict = !strncmp(d->name, "OTEL_", 5);
        if (!parse_bool(raw, strict, &b)) {
            snprintf(why, why_size, "is not a boolean (%s)",
                     strict ? "true or false"
                            : "true/false, 1/0, yes/no or on/off");
            return NULL;
        }
        return otelc__strdup(b ? "true" : "false");
    }
    case T_INT: {
        int64_t v;
        if (!otelc__parse_i64(raw, &v)) {
            snprintf(why, why_size, "is not an integer");
            return NULL;
        }
        if ((double)v < d->min || (double)v > d->max) {
            snprintf(why, why_size, "is outside %s..%s", lo, hi);
            return NULL;
        }
        snprintf(buf, sizeof buf, "%lld", (long long)v);
        return otelc__strdup(buf);
    }
    case T_SIZE: {
        int64_t v;
        if (!parse_size(raw, &v)) {
            snprintf(why, why_size,
                     "is not a size (bytes, or a number with K, M, G or T "
                     "such as 512K, 10MB or 1GiB)");
            return NULL;
        }
        if ((double)v < d->min || (double)v > d->max) {
            snprintf(why, why_size, "is outside %s..%s bytes", lo, hi);
            return NULL;
        }
        snprintf(buf, sizeof buf, "%lld", (long long)v);
        return otelc__strdup(buf);
    }
    case T_DOUBLE: {
        double v;
        if (!parse_number(raw, &v)) {
            snprintf(why, why_size, "is not a number");
            return NULL;
        }
        if (v < d->min || v > d->max) {
            snprintf(why, why_size, "is outside [%s, %s]", lo, hi);
            return NULL;
        }
        if (v == 0)
            v = 0; /* no "-0" */
        format_double(buf, sizeof buf, v);
        return otelc__strdup(buf);
    }
    case T_ENUM: {
        size_t n = strlen(raw);
        while (n && isspace((unsigned char)raw[n - 1]))
            n--;
        while (n && isspace((unsigned char)*raw)) {
            raw++;
            n--;
        }
        const char *canon;
        size_t cl;
        if (!choice_match(d->choices, raw, n, &canon, &cl)) {
            snprintf(why, why_size, "is not one of %s", d->choices);
            return NULL;
        }
        return otelc__strndup(canon, cl);
    }
    case T_LIST: {
        /* Unknown members are reported and skipped; the rest is kept, in
         * order, without duplicates (the specification). */
        size_t n = strlen(raw), o = 0, wl = 0;
        char *out = malloc(n + 1);
        if (!out)
            return NULL;
        const char *p = raw;
        for (;;) {
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            while (l && isspace((unsigned char)*p)) {
                p++;
                l--;
            }
            while (l && isspace((unsigned char)p[l - 1]))
                l--;
            const char *canon;
            size_t cl;
            if (l && choice_match(d->choices, p, l, &canon, &cl)) {
                bool dup = false;
                for (const char *q = out; q < out + o;) {
                    const char *qe = memchr(q, ',', (size_t)(out + o - q));
                    size_t ql = qe ? (size_t)(qe - q) : (size_t)(out + o - q);
                    if (ql == cl && !memcmp(q, canon, cl))
                        dup = true;
                    q += ql + 1;
                }
                if (!dup) {
                    if (o)
                        out[o++] = ',';
                    memcpy(out + o, canon, cl);
                    o += cl;
                }
            } else if (l) {
                char member[128], member_shown[256];
                snprintf(member, sizeof member, "%.*s", (int)l, p);
                int w = snprintf(why + wl, why_size - wl, "%s\"%s\"",
                                 wl ? ", " : "names unknown ",
                                 otelc__printable(member, member_shown,
                                                  sizeof member_shown));
                if (w > 0 && (size_t)w < why_size - wl)
                    wl += (size_t)w;
            }
            if (!e)
                break;
            p = e + 1;
        }
        out[o] = '\0';
        if (wl)
            snprintf(why + wl, why_size - wl, " (accepted: %s)", d->choices);
        if (!o) {
            free(out);
            if (!wl)
                snprintf(why, why_size, "names nothing (accepted: %s)",
                         d->choices);
            return NULL;
        }
        return out;
    }
    case T_URL: {
        char *t = otelc__strdup_trim(raw, strlen(raw));
        if (!t)
            return NULL;
        const char *problem = url_problem(t);
        /* OTLP/gRPC endpoints may be given without a scheme ("host:4317");
         * OTEL_EXPORTER_OTLP_INSECURE then decides between TLS and
         * plaintext, as the specification describes. */
        bool otlp = id == OTELC_CFG_OTLP_ENDPOINT ||
                    id == OTELC_CFG_OTLP_TRACES_ENDPOINT ||
                    id == OTELC_CFG_OTLP_METRICS_ENDPOINT ||
                    id == OTELC_CFG_OTLP_LOGS_ENDPOINT;
        if (problem && otlp && !strstr(t, "://") && !strchr(t, '/')) {
            char with[1100];
            snprintf(with, sizeof with, "http://%.1000s", t);
            problem = url_problem(with);
            if (!problem && !strchr(t, ':'))
                problem = "has no port (a scheme-less endpoint is host:port)";
            if (!problem)
                return t;
        }
        if (problem) {
            free(t);
            snprintf(why, why_size, "%s", problem);
            return NULL;
        }
        for (char *c = t; *c != ':'; c++)
            *c = (char)tolower((unsigned char)*c);
        return t;
    }
    case T_HEADERS: {
        const char *err = NULL;
        header_check hc = {NULL};
        if (!otelc__parse_kv_list(raw, check_header, &hc, &err) || hc.why) {
            snprintf(why, why_size, "%s", hc.why ? hc.why : err);
            return NULL;
        }
        return otelc__strdup_trim(raw, strlen(raw));
    }
    case T_STRING: return otelc__strdup(raw);
    }
    snprintf(why, why_size, "has an unknown type");
    return NULL;
}

static int find_id(const char *name) {
    if (!name)
        return -1;
    for (int i = 0; i < OTELC_CFG__COUNT; i++)
        if (!strcmp(g_defs[i].name, name))
            return i;
    return -1;
}

static bool is_blank(const char *s) {
    while (isspace((unsigned char)*s))
        s++;
    return !*s;
}

/* ---- secrets
 * ---------------------------------------------------------------------- */

/* Values that must not reach logs: request headers (tokens), passwords,
 * DSNs (they embed a key), and the user info of any URL. */
static bool is_secret(int id) {
    const char *n = g_defs[id].name;
    size_t l = strlen(n);
    static const char *const suffixes[] = {
        "_PASSWORD", "_SECRET", "_TOKEN", "_DSN", "_API_KEY", "_WEBHOOK_URL"};
    if (g_defs[id].type == T_HEADERS || !strcmp(n, "SENTRY_DSN"))
        return true;
    for (size_t i = 0; i < OTELC_ARRAY_LEN(suffixes); i++) {
        size_t sl = strlen(suffixes[i]);
        if (l >= sl && !strcmp(n + l - sl, suffixes[i]))
            return true;
    }
    return false;
}

typedef struct redact_buf {
    char *out;
    size_t size, len;
} redact_buf;

static void redact_header(const char *k, const char *v, void *arg) {
    (void)v;
    redact_buf *r = arg;
    int w = snprintf(r->out + r->len, r->size - r->len, "%s%s=<redacted>",
                     r->len ? "," : "", k);
    if (w > 0)
        r->len = OTELC_MIN(r->size - 1, r->len + (size_t)w);
}

/* A printable form of value v of setting id: secrets replaced, header keys
 * and URL hosts kept (they help and are not secret). */
static const char *redacted(int id, const char *v, char *buf, size_t size) {
    if (!v[0])
        return v;
    if (g_defs[id].type == T_HEADERS) {
        redact_buf r = {buf, size, 0};
        buf[0] = '\0';
        if (otelc__parse_kv_list(v, redact_header, &r, NULL) && r.len)
            return buf;
        snprintf(buf, size, "<redacted, %zu bytes>", strlen(v));
        return buf;
    }
    if (is_secret(id)) {
        snprintf(buf, size, "<redacted, %zu bytes>", strlen(v));
        return buf;
    }
    const char *scheme = strstr(v, "://");
    if (scheme) {
        const char *a = scheme + 3;
        size_t alen = strcspn(a, "/?#");
        const char *at = NULL;
        for (const char *c = a; c < a + alen; c++)
            if (*c == '@')
                at = c;
        if (at) {
            snprintf(buf, size, "%.*s<redacted>%s", (int)(a - v), v, at);
            return buf;
        }
    }
    return v;
}

/* A value as a diagnostic shows it: on one line (control characters, '"'
 * and '\\' escaped C-style) and at most about 200 bytes, so a multi-line
 * .env value or a huge environment variable cannot break or flood the
 * one-line-per-message diagnostics.  Returns buf. */
const char *otelc__printable(const char *s, char *buf, size_t size);
const char *otelc__printable(const char *s, char *buf, size_t size) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, limit = size < 220 ? size : 220;
    for (; *s && o + 8 < limit; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = c == '\n'   ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                          : c == '"'  ? "\\\""
                          : c == '\\' ? "\\\\"
                                      : NULL;
        if (esc) {
            buf[o++] = esc[0];
            buf[o++] = esc[1];
        } else if (c < 0x20 || c == 0x7f) {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        } else {
            buf[o++] = (char)c;
        }
    }
    if (*s && o + 4 <= size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

/* redacted(), then printable(). */
static const char *shown(int id, const char *v, char *buf, size_t size) {
    char red[512];
    return otelc__printable(redacted(id, v, red, sizeof red), buf, size);
}

/* ---- deferred diagnostics
 * ---------------------------------------------------------- */

typedef struct note {
    otelc_diag_level level;
    int id;     /* >= 0: "; using <fallback of id>" is appended at the end */
    char *text; /* the message, or its part before "; using" */
    struct note *next;
} note;

typedef struct note_list {
    note *head, **tail;
} note_list;

static void add_note(note_list *l, otelc_diag_level level, int id,
                     const char *fmt, ...) OTELC_PRINTF(4, 5);
static void add_note(note_list *l, otelc_diag_level level, int id,
                     const char *fmt, ...) {
    note *n = calloc(1, sizeof *n);
    if (!n)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&n->text, fmt, ap) < 0)
        n->text = NULL;
    va_end(ap);
    if (!n->text) {
        free(n);
        return;
    }
    n->level = level;
    n->id = id;
    *l->tail = n;
    l->tail = &n->next;
}

static void free_notes(note *n) {
    while (n) {
        note *next = n->next;
        free(n->text);
        free(n);
        n = next;
    }
}

static const char *effective(const cfg_snapshot *s, int id) {
    return s->v[id].str ? s->v[id].str : "";
}

/* What the configuration uses for `id` now, in words, for "; using ...". */
static void fallback_text(const cfg_snapshot *s, int id, char *buf,
                          size_t size) {
    static const char *const from[] = {" (the default)", " (from .env)",
                                       " (from the environment)",
                                       " (set in code)"};
    const char *rate = effective(s, OTELC_CFG_TRACE_SAMPLING_RATE);
    if (id == OTELC_CFG_TRACES_SAMPLER &&
        s->v[id].source == OTELC_CONFIG_DEFAULT && rate[0]) {
        snprintf(buf, size,
                 "\"parentbased_traceidratio\" with ratio %s from "
                 "TRACE_SAMPLING_RATE",
                 rate);
        return;
    }
    if (id == OTELC_CFG_TRACE_SAMPLING_RATE && !rate[0]) {
        snprintf(buf, size, "no value; the sampler is \"%s\"%s",
                 effective(s, OTELC_CFG_TRACES_SAMPLER),
                 from[s->v[OTELC_CFG_TRACES_SAMPLER].source]);
        return;
    }
    const char *v = effective(s, id);
    if (!v[0]) {
        snprintf(buf, size, "no value (unset)");
        return;
    }
    char red[512];
    snprintf(buf, size, "\"%s\"%s", shown(id, v, red, sizeof red),
             from[s->v[id].source]);
}

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Finish the notes against the final snapshot and drop those already said
 * by an earlier load.  Called with g_lock held. */
static note *finish_notes(const cfg_snapshot *s, note *head) {
    note *out = NULL, **tail = &out;
    while (head) {
        note *n = head;
        head = head->next;
        n->next = NULL;
        if (n->id >= 0) {
            char fb[700], *full;
            fallback_text(s, n->id, fb, sizeof fb);
            if (asprintf(&full, "%s; using %s", n->text, fb) >= 0) {
                free(n->text);
                n->text = full;
            }
        }
        uint64_t h = fnv1a(n->text) ^ (uint64_t)n->level;
        bool said = false;
        for (size_t i = 0; i < g_said_count; i++)
            if (g_said[i] == h)
                said = true;
        if (said) {
            free_notes(n);
            continue;
        }
        if (g_said_count < OTELC_ARRAY_LEN(g_said))
            g_said[g_said_count++] = h;
        *tail = n;
        tail = &n->next;
    }
    return out;
}

static void emit_notes(note *n) {
    for (note *i = n; i; i = i->next)
        otelc__diag(i->level, "%s", i->text);
    free_notes(n);
}

/* ---- loading
 * ------------------------------------------------------------------- */

static void snapshot_free(cfg_snapshot *s) {
    if (!s)
        return;
    for (int i = 0; i < OTELC_CFG__COUNT; i++)
        free(s->v[i].str);
    free(s);
}

/* Offer a raw value from a layer; keep it only if valid.  `origin` is
 * "file:line" for .env values. */
static void offer(cfg_snapshot *s, note_list *notes, int id, const char *raw,
                  otelc_config_source src, const char *origin) {
    if (is_blank(raw))
        return; /* empty = unset: the layer below stays */
    char why[512], red[512];
    char *v = validate(id, raw, why, sizeof why);
    if (why[0])
        add_note(notes, OTELC_DIAG_WARN, id, "%s%s%s=\"%s\" %s",
                 origin ? origin : "", origin ? ": " : "", g_defs[id].name,
                 shown(id, raw, red, sizeof red), why);
    if (!v)
        return;
    free(s->v[id].str);
    s->v[id].str = v;
    s->v[id].source = src;
}

typedef struct dotenv_ctx {
    cfg_snapshot *s;
    note_list *notes;
    const char *path;
} dotenv_ctx;

/* sdk/dotenv.c: the parser, with its complaints handed to us. */
bool otelc__dotenv_parse_collect(const char *path,
                                 void (*fn)(const char *name, const char *value,
                                            int line, void *arg),
                                 void (*err_fn)(const char *message, void *arg),
                                 void *arg);

static void on_dotenv_error(const char *message, void *arg) {
    dotenv_ctx *c = arg;
    add_note(c->notes, OTELC_DIAG_WARN, -1, "%s", message);
}

static void on_dotenv(const char *name, const char *value, int line,
                      void *arg) {
    dotenv_ctx *c = arg;
    int id = find_id(name);
    if (id < 0)
        return; /* the application's own variables */
    char origin[512];
    snprintf(origin, sizeof origin, "%s:%d", c->path, line);
    if (id == OTELC_CFG_ENV_FILE) {
        /* The file to read cannot be chosen by the file being read. */
        char v[256], path[256];
        add_note(c->notes, OTELC_DIAG_WARN, -1,
                 "%s: OTELC_ENV_FILE=\"%s\" cannot be set inside a .env file "
                 "(only in the environment or in code); using \"%s\"",
                 origin, otelc__printable(value, v, sizeof v),
                 otelc__printable(c->path, path, sizeof path));
        return;
    }
    offer(c->s, c->notes, id, value, OTELC_CONFIG_ENV_FILE, origin);
}

static void report_conflicts(const cfg_snapshot *s, note_list *notes) {
    /* Where an OTEL_ name and a guide name set one thing, the OTEL_ name
     * wins; say so once, at load. */
    if (s->v[OTELC_CFG_PROMETHEUS_PORT].source != OTELC_CONFIG_DEFAULT &&
        s->v[OTELC_CFG_METRICS_PORT].source != OTELC_CONFIG_DEFAULT &&
        strcmp(effective(s, OTELC_CFG_PROMETHEUS_PORT),
               effective(s, OTELC_CFG_METRICS_PORT)))
        add_note(notes, OTELC_DIAG_WARN, -1,
                 "METRICS_PORT=\"%s\" is ignored: "
                 "OTEL_EXPORTER_PROMETHEUS_PORT=\"%s\" wins; using \"%s\"",
                 effective(s, OTELC_CFG_METRICS_PORT),
                 effective(s, OTELC_CFG_PROMETHEUS_PORT),
                 effective(s, OTELC_CFG_PROMETHEUS_PORT));
    if (s->v[OTELC_CFG_TRACE_SAMPLING_RATE].source == OTELC_CONFIG_DEFAULT)
        return;
    const char *rate = effective(s, OTELC_CFG_TRACE_SAMPLING_RATE);
    if (s->v[OTELC_CFG_TRACES_SAMPLER].source != OTELC_CONFIG_DEFAULT)
        add_note(notes, OTELC_DIAG_WARN, -1,
                 "TRACE_SAMPLING_RATE=\"%s\" is ignored: "
                 "OTEL_TRACES_SAMPLER=\"%s\" wins; using \"%s\"",
                 rate, effective(s, OTELC_CFG_TRACES_SAMPLER),
                 effective(s, OTELC_CFG_TRACES_SAMPLER));
    else if (effective(s, OTELC_CFG_TRACES_SAMPLER_ARG)[0]) {
        char arg[256];
        add_note(notes, OTELC_DIAG_WARN, -1,
                 "TRACE_SAMPLING_RATE=\"%s\" is ignored: "
                 "OTEL_TRACES_SAMPLER_ARG=\"%s\" wins; using "
                 "\"parentbased_traceidratio\" with that argument",
                 rate,
                 otelc__printable(effective(s, OTELC_CFG_TRACES_SAMPLER_ARG),
                                  arg, sizeof arg));
    }
}

static otelc_diag_level diag_level_of(const char *v) {
    if (!strcmp(v, "none"))
        return OTELC_DIAG_NONE;
    if (!strcmp(v, "error"))
        return OTELC_DIAG_ERROR;
    if (!strcmp(v, "warn"))
        return OTELC_DIAG_WARN;
    if (!strcmp(v, "debug"))
        return OTELC_DIAG_DEBUG;
    return OTELC_DIAG_INFO;
}

/* Build a snapshot from every layer.  Called with g_lock held; returns
 * the diagnostics to emit once the lock is released. */
static cfg_snapshot *build(const otelc_options *opts, note **out_notes) {
    note_list notes = {NULL, &notes.head};
    *out_notes = NULL;
    cfg_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (int i = 0; i < OTELC_CFG__COUNT; i++) {
        if (g_defs[i].def[0])
            s->v[i].str = otelc__strdup(g_defs[i].def);
        s->v[i].source = OTELC_CONFIG_DEFAULT;
    }
    /* .env: named in code, else by OTELC_ENV_FILE, else ./.env. */
    const char *env_file = g_defs[OTELC_CFG_ENV_FILE].def;
    bool named = false;
    const char *e = getenv("OTELC_ENV_FILE");
    if (e && !is_blank(e)) {
        env_file = e;
        named = true;
    }
    if (opts && opts->env_file_set) {
        env_file = opts->env_file ? opts->env_file : "";
        named = true;
    }
    if (env_file[0]) {
        char shown_path[256];
        if (named && access(env_file, F_OK) != 0 && errno == ENOENT)
            add_note(&notes, OTELC_DIAG_WARN, -1,
                     "OTELC_ENV_FILE=\"%s\" names a file that does not "
                     "exist; using the environment and defaults only",
                     otelc__printable(env_file, shown_path, sizeof shown_path));
        dotenv_ctx c = {s, &notes, env_file};
        otelc__dotenv_parse_collect(env_file, on_dotenv, on_dotenv_error, &c);
    }
    for (int i = 0; i < OTELC_CFG__COUNT; i++) {
        const char *v = getenv(g_defs[i].name);
        if (v)
            offer(s, &notes, i, v, OTELC_CONFIG_ENVIRONMENT, NULL);
    }
    if (opts) {
        for (int i = 0; i < OTELC_CFG__COUNT; i++)
            if (opts->values[i]) {
                free(s->v[i].str);
                s->v[i].str = otelc__strdup(opts->values[i]);
                s->v[i].source = OTELC_CONFIG_CODE;
            }
        if (opts->env_file_set) {
            free(s->v[OTELC_CFG_ENV_FILE].str);
            s->v[OTELC_CFG_ENV_FILE].str =
                opts->env_file ? otelc__strdup(opts->env_file) : NULL;
            s->v[OTELC_CFG_ENV_FILE].source = OTELC_CONFIG_CODE;
        }
    }
    report_conflicts(s, &notes);
    /* OTEL_LOG_LEVEL filters what follows, including the notes.  Left
     * alone when unset, so otelc_diag_set_level() called by the
     * application is not undone by a lazy load. */
    if (s->v[OTELC_CFG_LOG_LEVEL_SDK].source != OTELC_CONFIG_DEFAULT) {
        otelc_diag_set_level(
            diag_level_of(effective(s, OTELC_CFG_LOG_LEVEL_SDK)));
        g_level_from_cfg = true;
    } else if (g_level_from_cfg) {
        otelc_diag_set_level(
            diag_level_of(effective(s, OTELC_CFG_LOG_LEVEL_SDK)));
        g_level_from_cfg = false;
    }
    *out_notes = finish_notes(s, notes.head);
    return s;
}

static cfg_snapshot *current(void) {
    note *notes = NULL;
    pthread_mutex_lock(&g_lock);
    if (!g_cfg)
        g_cfg = build(NULL, &notes);
    cfg_snapshot *s = g_cfg;
    pthread_mutex_unlock(&g_lock);
    emit_notes(notes);
    return s;
}

void otelc__config_load(const otelc_options *opts) {
    note *notes = NULL;
    pthread_mutex_lock(&g_lock);
    cfg_snapshot *old = g_cfg;
    g_cfg = build(opts, &notes);
    pthread_mutex_unlock(&g_lock);
    snapshot_free(old);
    emit_notes(notes);
}

void otelc__config_reset(void) {
    pthread_mutex_lock(&g_lock);
    cfg_snapshot *old = g_cfg;
    g_cfg = NULL;
    pthread_mutex_unlock(&g_lock);
    snapshot_free(old);
}

/* ---- typed getters
 * -------------------------------------------------------------- */

const char *otelc__cfg_str(otelc__cfg_id id) {
    cfg_snapshot *s = current();
    return s ? effective(s, id) : g_defs[id].def;
}

int64_t otelc__cfg_int(otelc__cfg_id id, int64_t fallback) {
    int64_t v;
    const char *s = otelc__cfg_str(id);
    return s[0] && otelc__parse_i64(s, &v) ? v : fallback;
}

double otelc__cfg_double(otelc__cfg_id id, double fallback) {
    double v;
    const char *s = otelc__cfg_str(id);
    return s[0] && parse_number(s, &v) ? v : fallback;
}

bool otelc__cfg_bool(otelc__cfg_id id, bool fallback) {
    const char *s = otelc__cfg_str(id);
    if (!s[0])
        return fallback;
    return !strcmp(s, "true");
}

otelc_config_source otelc__cfg_source(otelc__cfg_id id) {
    cfg_snapshot *s = current();
    return s ? s->v[id].source : OTELC_CONFIG_DEFAULT;
}

bool otelc__cfg_is_set(otelc__cfg_id id) {
    return otelc__cfg_source(id) != OTELC_CONFIG_DEFAULT;
}

const char *otelc__cfg_name(otelc__cfg_id id) {
    return g_defs[id].name;
}

bool otelc__cfg_list_has(otelc__cfg_id id, const char *item) {
    const char *s = otelc__cfg_str(id);
    size_t n = strlen(item);
    while (*s) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == n && !memcmp(s, item, n))
            return true;
        if (!e)
            break;
        s = e + 1;
    }
    return false;
}

/* ---- public API
 * ------------------------------------------------------------------ */

OTELC_API const char *otelc_config_get(const char *name,
                                       otelc_config_source *source) {
    int id = find_id(name);
    if (id < 0)
        return NULL;
    cfg_snapshot *s = current();
    if (source)
        *source = s ? s->v[id].source : OTELC_CONFIG_DEFAULT;
    return s ? effective(s, id) : g_defs[id].def;
}

OTELC_API void otelc_config_dump(FILE *out) {
    static const char *const src[] = {"default", ".env", "environment", "code"};
    cfg_snapshot *s = current();
    for (int i = 0; i < OTELC_CFG__COUNT; i++) {
        const char *v = s ? effective(s, i) : g_defs[i].def;
        char red[512];
        /* One line per setting whatever the value holds. */
        fprintf(out, "%s=", g_defs[i].name);
        for (const char *c = redacted(i, v, red, sizeof red); *c; c++) {
            if (*c == '\\')
                fputs("\\\\", out);
            else if ((unsigned char)*c < 0x20 || *c == 0x7f)
                fprintf(out, "\\x%02x", (unsigned char)*c);
            else
                fputc(*c, out);
        }
        fprintf(out, "  # %s\n", src[s ? s->v[i].source : 0]);
    }
}

OTELC_API otelc_options *otelc_options_new(void) {
    return calloc(1, sizeof(otelc_options));
}

OTELC_API void otelc_options_free(otelc_options *o) {
    if (!o)
        return;
    for (int i = 0; i < OTELC_CFG__COUNT; i++)
        free(o->values[i]);
    free(o->env_file);
    for (size_t i = 0; i < o->exporter_count; i++)
        otelc_span_exporter_free(o->exporters[i]);
    otelc_sampler_free(o->sampler);
    free(o);
}

OTELC_API otelc_status otelc_options_set(otelc_options *o, const char *name,
                                         const char *value) {
    if (!o || !name || !value)
        return OTELC_EINVAL;
    int id = find_id(name);
    if (id < 0) {
        char shown_name[256];
        otelc__diag(OTELC_DIAG_WARN,
                    "otelc_options_set: unknown setting \"%s\"; ignored",
                    otelc__printable(name, shown_name, sizeof shown_name));
        return OTELC_ENOTFOUND;
    }
    if (id == OTELC_CFG_ENV_FILE)
        return otelc_options_set_env_file(o, value);
    if (is_blank(value)) {
        /* Empty means unset, as in the environment: the code layer no
         * longer sets this one. */
        free(o->values[id]);
        o->values[id] = NULL;
        return OTELC_OK;
    }
    char why[512], red[512];
    char *v = validate(id, value, why, sizeof why);
    if (why[0])
        otelc__diag(OTELC_DIAG_WARN,
                    "otelc_options_set: %s=\"%s\" %s; using %s", name,
                    shown(id, value, red, sizeof red), why,
                    v ? "the rest"
                      : "the value from .env, the environment "
                        "or the default");
    if (!v)
        return OTELC_ECONFIG;
    free(o->values[id]);
    o->values[id] = v;
    return OTELC_OK;
}

OTELC_API otelc_status otelc_options_set_service_name(otelc_options *o,
                                                      const char *name) {
    return otelc_options_set(o, "OTEL_SERVICE_NAME", name);
}

OTELC_API otelc_status otelc_options_set_env_file(otelc_options *o,
                                                  const char *path) {
    if (!o)
        return OTELC_EINVAL;
    char *copy = path && path[0] ? otelc__strdup(path) : NULL;
    if (path && path[0] && !copy)
        return OTELC_ENOMEM;
    free(o->env_file);
    o->env_file = copy;
    o->env_file_set = true;
    return OTELC_OK;
}

OTELC_API otelc_status otelc_options_add_span_exporter(otelc_options *o,
                                                       otelc_span_exporter *e) {
    if (!o || !e) {
        otelc_span_exporter_free(e);
        return OTELC_EINVAL;
    }
    if (o->exporter_count >= OTELC_ARRAY_LEN(o->exporters)) {
        otelc_span_exporter_free(e);
        return OTELC_EFULL;
    }
    o->exporters[o->exporter_count++] = e;
    return OTELC_OK;
}

OTELC_API otelc_status otelc_options_set_sampler(otelc_options *o,
                                                 otelc_sampler *s) {
    if (!o || !s) {
        otelc_sampler_free(s);
        return OTELC_EINVAL;
    }
    otelc_sampler_free(o->sampler);
    o->sampler = s;
    return OTELC_OK;
}

/* For sdk/init.c: take the code-built objects out of the options. */
size_t otelc__options_take_exporters(otelc_options *o,
                                     otelc_span_exporter **out, size_t max);
size_t otelc__options_take_exporters(otelc_options *o,
                                     otelc_span_exporter **out, size_t max) {
    size_t n = 0;
    for (; o && n < o->exporter_count && n < max; n++)
        out[n] = o->exporters[n];
    if (o)
        o->exporter_count = 0;
    return n;
}

otelc_sampler *otelc__options_take_sampler(otelc_options *o);
otelc_sampler *otelc__options_take_sampler(otelc_options *o) {
    if (!o)
        return NULL;
    otelc_sampler *s = o->sampler;
    o->sampler = NULL;
    return s;
}

/* For tests and the fuzz target: the normalised value the options hold for
 * `name` (NULL when not set there). */
const char *otelc__options_get(const otelc_options *o, const char *name);
const char *otelc__options_get(const otelc_options *o, const char *name) {
    int id = find_id(name);
    return o && id >= 0 ? o->values[id] : NULL;
}
