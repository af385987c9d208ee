/*
 * tests/config/test_config.c - the configuration loader (sdk/config.c).
 *
 * The heart of this file is table.every_variable: a parameterized test
 * over every line of sdk/config_table.h (included through the X-macro), so
 * a setting added to the table is tested without touching this file.  Each
 * entry gets known good and bad sample values derived from its type and
 * bounds, and each is pushed through every layer (.env, environment, code):
 * good values must come back normalised from otelc_config_get() with the
 * right otelc_config_source and no diagnostic; bad values must leave the
 * lower layer in place and produce exactly one diagnostic naming the
 * variable, the value (redacted for secrets) and what is used instead.
 *
 * The other tests cover what the table cannot express: sizes, lists, URLs,
 * percent-decoding, conflicts between OTEL_ and guide names, the sampler
 * the configuration selects, OTEL_LOG_LEVEL filtering and redaction.
 *
 * Criterion runs each test (and each parameter) in its own process, so
 * setenv()/chdir() are safe.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "support/test_support.h"

/* After criterion.h: it redefines Test() for its documentation. */
#include <criterion/parameterized.h>

/* sdk/config.c, for white-box checks of what the options hold. */
const char *otelc__options_get(const otelc_options *o, const char *name);

/* ---- the table, as data ---------------------------------------------------
 */

typedef struct entry {
    const char *name;
    const char *type;
    const char *def;
    double min, max;
    const char *choices;
} entry;

static const entry T[] = {
#define E(id, name, type, def, min, max, choices, desc)                        \
    {name, #type, def, (double)(min), (double)(max), choices},
    OTELC_CONFIG_TABLE(E)
#undef E
};
#define T_COUNT ((int)(sizeof T / sizeof T[0]))

/* ---- helpers ------------------------------------------------------------- */

static char *write_file(const char *dir, const char *name,
                        const char *content) {
    char *path;
    cr_assert_geq(asprintf(&path, "%s/%s", dir, name), 0);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    fputs(content, f);
    fclose(f);
    return path;
}

/* NAME="value" with the .env double-quote escapes. */
static void write_dotenv(const char *dir, const char *name, const char *value) {
    char buf[2048];
    size_t o = (size_t)snprintf(buf, sizeof buf, "%s=\"", name);
    for (const char *c = value; *c && o < sizeof buf - 8; c++) {
        if (*c == '"' || *c == '\\' || *c == '$')
            buf[o++] = '\\';
        if (*c == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
            continue;
        }
        buf[o++] = *c;
    }
    buf[o++] = '"';
    buf[o++] = '\n';
    buf[o] = '\0';
    free(write_file(dir, ".env", buf));
}

static void reload(const otelc_options *opts) {
    otelc__config_reset();
    diag_capture_start();
    otelc__config_load(opts);
}

static const char *cfg(const char *name, otelc_config_source *src) {
    const char *v = otelc_config_get(name, src);
    cr_assert_not_null(v, "%s", name);
    return v;
}

/* The shortest %.*g form that reads back exactly (what the loader makes of
 * a double). */
static void shortest(char *buf, size_t size, double v) {
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* ---- sample values per type ---------------------------------------------- */

typedef struct good_value {
    char raw[256];
    char norm[256];
} good_value;

typedef struct samples {
    good_value good[16];
    int ngood;
    char bad[16][256];
    int nbad;
    bool secret;
} samples;

static void add_good(samples *s, const char *raw, const char *norm) {
    cr_assert_lt(s->ngood, 16);
    snprintf(s->good[s->ngood].raw, 256, "%s", raw);
    snprintf(s->good[s->ngood].norm, 256, "%s", norm);
    s->ngood++;
}

static void add_bad(samples *s, const char *raw) {
    cr_assert_lt(s->nbad, 16);
    snprintf(s->bad[s->nbad++], 256, "%s", raw);
}

static void make_samples(const entry *e, samples *s) {
    char a[256], b[256];
    memset(s, 0, sizeof *s);
    if (!strcmp(e->type, "BOOL")) {
        bool strict = !strncmp(e->name, "OTEL_", 5);
        add_good(s, "TRUE", "true");
        add_good(s, " false ", "false");
        add_good(s, "True", "true");
        add_bad(s, "maybe");
        add_bad(s, "2");
        add_bad(s, "truee");
        if (strict) {
            /* The specification allows only true/false for OTEL_ names. */
            add_bad(s, "1");
            add_bad(s, "yes");
        } else {
            add_good(s, "yes", "true");
            add_good(s, "0", "false");
            add_good(s, "ON", "true");
            add_good(s, "No", "false");
        }
    } else if (!strcmp(e->type, "INT")) {
        long long lo = (long long)e->min, hi = (long long)e->max;
        long long mid = lo + (hi - lo) / 2;
        snprintf(a, sizeof a, " %lld ", mid);
        snprintf(b, sizeof b, "%lld", mid);
        add_good(s, a, b);
        snprintf(a, sizeof a, "+%lld", mid);
        add_good(s, a, b);
        snprintf(a, sizeof a, "%lld", lo);
        add_good(s, a, a);
        snprintf(a, sizeof a, "%lld", hi);
        add_good(s, a, a);
        add_bad(s, "12abc");
        add_bad(s, "1.5");
        add_bad(s, "0x10");
        snprintf(a, sizeof a, "%lld", hi + 1);
        add_bad(s, a);
        snprintf(a, sizeof a, "%lld", lo - 1);
        add_bad(s, a);
        add_bad(s, "99999999999999999999999");
    } else if (!strcmp(e->type, "SIZE")) {
        static const struct {
            const char *text;
            long long v;
        } sizes[] = {{"512K", 524288},        {"10MB", 10485760},
                     {"1GiB", 1073741824},    {"1.5 k", 1536},
                     {"2m", 2097152},         {"4096B", 4096},
                     {"1T", 1099511627776LL}, {" 3 MiB ", 3145728}};
        long long lo = (long long)e->min, hi = (long long)e->max;
        snprintf(a, sizeof a, "%lld", lo);
        add_good(s, a, a);
        snprintf(a, sizeof a, "%lld", hi);
        add_good(s, a, a);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            if (sizes[i].v >= lo && sizes[i].v <= hi) {
                snprintf(b, sizeof b, "%lld", sizes[i].v);
                add_good(s, sizes[i].text, b);
            }
        add_bad(s, "10XB");
        add_bad(s, "abc");
        add_bad(s, "-1K");
        add_bad(s, "0x400");
        add_bad(s, "1KK");
        add_bad(s, "10 M B");
        add_bad(s, "inf");
        snprintf(a, sizeof a, "%lld", hi + 1);
        add_bad(s, a);
        if (lo > 0) {
            snprintf(a, sizeof a, "%lld", lo - 1);
            add_bad(s, a);
        }
    } else if (!strcmp(e->type, "DOUBLE")) {
        double mid = (e->min + e->max) / 2;
        snprintf(a, sizeof a, " %.17g ", mid);
        shortest(b, sizeof b, mid);
        add_good(s, a, b);
        shortest(a, sizeof a, e->min);
        add_good(s, a, a);
        shortest(a, sizeof a, e->max);
        add_good(s, a, a);
        add_bad(s, "abc");
        add_bad(s, "nan");
        add_bad(s, "inf");
        add_bad(s, "0x1p-1");
        add_bad(s, "0,5");
        shortest(a, sizeof a, e->max + 0.5);
        add_bad(s, a);
        shortest(a, sizeof a, e->min - 1);
        add_bad(s, a);
    } else if (!strcmp(e->type, "ENUM")) {
        const char *c = e->choices;
        while (*c) {
            const char *end = strchr(c, '|');
            size_t n = end ? (size_t)(end - c) : strlen(c);
            char up[128];
            for (size_t i = 0; i < n; i++)
                up[i] = (char)(i % 2 ? toupper((unsigned char)c[i])
                                     : tolower((unsigned char)c[i]));
            up[n] = '\0';
            snprintf(a, sizeof a, " %s ", up);
            snprintf(b, sizeof b, "%.*s", (int)n, c);
            if (s->ngood < 12)
                add_good(s, a, b);
            if (!end)
                break;
            c = end + 1;
        }
        /* The last choice first: good[0] is used under bad values, and
         * OTEL_LOG_LEVEL's first choice ("none") would hide the
         * diagnostics being checked. */
        for (int i = 0, j = s->ngood - 1; i < j; i++, j--) {
            good_value t = s->good[i];
            s->good[i] = s->good[j];
            s->good[j] = t;
        }
        add_bad(s, "no-such-choice");
        add_bad(s, "info,debug");
    } else if (!strcmp(e->type, "LIST")) {
        const char *c = e->choices, *last = strrchr(c, '|');
        size_t n0 = strcspn(c, "|");
        last = last ? last + 1 : c;
        char first[64], lastc[64], up[64];
        snprintf(first, sizeof first, "%.*s", (int)n0, c);
        snprintf(lastc, sizeof lastc, "%s", last);
        for (size_t i = 0; i <= strlen(first); i++)
            up[i] = (char)toupper((unsigned char)first[i]);
        if (strcmp(first, lastc)) {
            snprintf(a, sizeof a, " %s , %s,%s,, ", lastc, up, lastc);
            snprintf(b, sizeof b, "%s,%s", lastc, first);
        } else {
            snprintf(a, sizeof a, "%s, %s", up, first);
            snprintf(b, sizeof b, "%s", first);
        }
        add_good(s, a, b);
        add_good(s, first, first);
        add_bad(s, "no-such-member");
        add_bad(s, ",,,");
        add_bad(s, "bogus1, bogus2");
    } else if (!strcmp(e->type, "URL")) {
        add_good(s, "HTTP://127.0.0.1:4318/v1/traces",
                 "http://127.0.0.1:4318/v1/traces");
        add_good(s, "https://[::1]:4317", "https://[::1]:4317");
        add_good(s, " http://collector.example ", "http://collector.example");
        add_good(s, "https://h-1.example:443/p?q=1#f",
                 "https://h-1.example:443/p?q=1#f");
        add_bad(s, "ftp://x.example");
        add_bad(s, "http://");
        add_bad(s, "http://:4318");
        add_bad(s, "http://host:99999");
        add_bad(s, "http://host:0");
        add_bad(s, "http://host:43a18/v1");
        if (strstr(e->name, "OTLP") && strstr(e->name, "ENDPOINT")) {
            /* gRPC endpoints may omit the scheme (host:port). */
            add_good(s, "localhost:4317", "localhost:4317");
            add_bad(s, "localhost");
            add_bad(s, "localhost:4317/v1/traces");
        } else {
            add_bad(s, "localhost:4317");
        }
        add_bad(s, "http://ho st");
        add_bad(s, "http://[::1");
        add_bad(s, "http://host:");
        add_bad(s, "http://a\"b");
    } else if (!strcmp(e->type, "HEADERS")) {
        s->secret = true;
        add_good(s, "api-key=secret%20value, x-tenant = t1 ",
                 "api-key=secret%20value, x-tenant = t1");
        add_good(s, "Authorization=Bearer%20tok", "Authorization=Bearer%20tok");
        add_bad(s, "novalue");
        add_bad(s, "k=%zz");
        add_bad(s, "bad key=v");
        add_bad(s, "k=a%0D%0Ainjected:1");
        add_bad(s, "=v");
        add_bad(s, "k=%00");
        add_bad(s, "k=v%");
    } else if (!strcmp(e->type, "STRING")) {
        add_good(s, "a value = with # and 'quotes' and \"double\"",
                 "a value = with # and 'quotes' and \"double\"");
        add_good(s, "  spaced  ", "  spaced  ");
        add_good(s, "unicode \xc3\xa9\xe2\x82\xac",
                 "unicode \xc3\xa9\xe2\x82\xac");
    } else {
        cr_assert_fail("%s: type %s has no samples in test_config.c; add "
                       "good and bad values for it",
                       e->name, e->type);
    }
    if (strstr(e->name, "PASSWORD") || !strcmp(e->name, "SENTRY_DSN") ||
        strstr(e->name, "WEBHOOK_URL"))
        s->secret = true;
}

/* What the diagnostic must say is used instead of a rejected value. */
static void fallback_fragment(const entry *e, char *buf, size_t size) {
    if (e->def[0])
        snprintf(buf, size, "; using \"%s\" (the default)", e->def);
    else
        snprintf(buf, size, "; using no value");
}

/* raw as diagnostics show it: '"' and '\\' escaped (the samples hold no
 * control characters). */
static const char *escaped(const char *raw, char *esc, size_t size) {
    size_t o = 0;
    for (const char *c = raw; *c && o < size - 3; c++) {
        if (*c == '"' || *c == '\\')
            esc[o++] = '\\';
        esc[o++] = *c;
    }
    esc[o] = '\0';
    return esc;
}

/* Exactly one captured line names the variable, shows the value (or the
 * redaction of a secret) and the fallback; no other line names it. */
static void expect_one_diag(const entry *e, const samples *s, const char *raw,
                            const char *prefix, const char *fallback) {
    char head[400];
    snprintf(head, sizeof head, "%s%s=\"", prefix, e->name);
    if (s->secret) {
        cr_assert_eq(diag_count(head, "<redacted", fallback, NULL), 1,
                     "%s=%s: expected one redacted diagnostic with '%s', "
                     "got:\n%s",
                     e->name, raw, fallback, diag_captured());
        cr_assert_eq(diag_count(raw, NULL), 0, "secret value %s leaked:\n%s",
                     raw, diag_captured());
    } else {
        char shown[600], esc[300];
        snprintf(shown, sizeof shown, "%s%s=\"%s\"", prefix, e->name,
                 escaped(raw, esc, sizeof esc));
        cr_assert_eq(diag_count(shown, fallback, NULL), 1,
                     "%s: expected one diagnostic with '%s' and '%s', "
                     "got:\n%s",
                     e->name, shown, fallback, diag_captured());
    }
    cr_assert_eq(diag_count(e->name, NULL), 1, "%s: extra lines:\n%s", e->name,
                 diag_captured());
}

/* ---- every variable: good and bad values through every layer ------------- */

ParameterizedTestParameters(table, every_variable) {
    static int ids[OTELC_CFG__COUNT];
    for (int i = 0; i < OTELC_CFG__COUNT; i++)
        ids[i] = i;
    return cr_make_param_array(int, ids, OTELC_CFG__COUNT);
}

ParameterizedTest(int *id, table, every_variable) {
    const entry *e = &T[*id];
    const bool env_file = !strcmp(e->name, "OTELC_ENV_FILE");
    samples s;
    make_samples(e, &s);
    const char *dir = test_tmpdir();
    cr_assert_eq(chdir(dir), 0);
    if (env_file) {
        /* Its good values must name files that exist. */
        s.ngood = 0;
        char *p = write_file(dir, "x.env", "");
        add_good(&s, p, p);
        free(p);
    }
    char fb[400];
    fallback_fragment(e, fb, sizeof fb);
    otelc_config_source src;

    /* Nothing set: the default, as written in the table. */
    unsetenv(e->name);
    reload(NULL);
    cr_assert_str_eq(cfg(e->name, &src), e->def, "%s", e->name);
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_eq(diag_count(e->name, NULL), 0, "%s", diag_captured());

    for (int g = 0; g < s.ngood; g++) {
        const good_value *gv = &s.good[g];
        /* Environment. */
        setenv(e->name, gv->raw, 1);
        reload(NULL);
        cr_assert_str_eq(cfg(e->name, &src), gv->norm, "%s=\"%s\"", e->name,
                         gv->raw);
        cr_assert_eq(src, OTELC_CONFIG_ENVIRONMENT, "%s", e->name);
        cr_assert_eq(diag_count(e->name, NULL), 0, "%s=\"%s\":\n%s", e->name,
                     gv->raw, diag_captured());
        unsetenv(e->name);
        /* .env (which may not name OTELC_ENV_FILE: see test_dotenv.c). */
        if (!env_file) {
            write_dotenv(dir, e->name, gv->raw);
            reload(NULL);
            cr_assert_str_eq(cfg(e->name, &src), gv->norm, ".env %s=\"%s\"",
                             e->name, gv->raw);
            cr_assert_eq(src, OTELC_CONFIG_ENV_FILE, "%s", e->name);
            cr_assert_eq(diag_count(e->name, NULL), 0, "%s", diag_captured());
            unlink(".env");
        }
        /* Code. */
        otelc_options *o = otelc_options_new();
        cr_assert_eq(otelc_options_set(o, e->name, gv->raw), OTELC_OK,
                     "%s=\"%s\"", e->name, gv->raw);
        reload(o);
        otelc_options_free(o);
        cr_assert_str_eq(cfg(e->name, &src), gv->norm, "%s", e->name);
        cr_assert_eq(src, OTELC_CONFIG_CODE, "%s", e->name);
        /* Normalised values are stable: they validate to themselves. */
        o = otelc_options_new();
        cr_assert_eq(otelc_options_set(o, e->name, gv->norm), OTELC_OK);
        reload(o);
        otelc_options_free(o);
        cr_assert_str_eq(cfg(e->name, NULL), gv->norm, "%s", e->name);
    }

    for (int b = 0; b < s.nbad; b++) {
        const char *bad = s.bad[b];
        /* Environment: the default stays, one diagnostic. */
        setenv(e->name, bad, 1);
        reload(NULL);
        cr_assert_str_eq(cfg(e->name, &src), e->def, "%s=\"%s\" accepted",
                         e->name, bad);
        cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
        expect_one_diag(e, &s, bad, "", fb);
        /* Loaded again (otelc_init after a lazy load): not repeated. */
        diag_capture_start();
        otelc__config_load(NULL);
        cr_assert_eq(diag_count(e->name, NULL), 0, "repeated:\n%s",
                     diag_captured());
        unsetenv(e->name);
        /* .env: the same, with file and line. */
        write_dotenv(dir, e->name, bad);
        reload(NULL);
        cr_assert_str_eq(cfg(e->name, &src), e->def, ".env %s=\"%s\"", e->name,
                         bad);
        cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
        expect_one_diag(e, &s, bad, ".env:1: ", fb);
        /* A bad .env value under a good environment value: the
         * diagnostic says what the environment gives. */
        setenv(e->name, s.good[0].raw, 1);
        reload(NULL);
        cr_assert_str_eq(cfg(e->name, &src), s.good[0].norm);
        cr_assert_eq(src, OTELC_CONFIG_ENVIRONMENT);
        cr_assert_eq(
            diag_count(".env:1: ", e->name, "(from the environment)", NULL), 1,
            "%s=\"%s\":\n%s", e->name, bad, diag_captured());
        unsetenv(e->name);
        unlink(".env");
        /* Code: OTELC_ECONFIG, the options keep their earlier value. */
        otelc_options *o = otelc_options_new();
        cr_assert_eq(otelc_options_set(o, e->name, s.good[0].raw), OTELC_OK);
        diag_capture_start();
        cr_assert_eq(otelc_options_set(o, e->name, bad), OTELC_ECONFIG,
                     "%s=\"%s\" accepted in code", e->name, bad);
        cr_assert_str_eq(otelc__options_get(o, e->name), s.good[0].norm);
        char head[300];
        snprintf(head, sizeof head, "otelc_options_set: %s=\"", e->name);
        char esc[300];
        cr_assert_eq(
            diag_count(head,
                       s.secret ? "<redacted" : escaped(bad, esc, sizeof esc),
                       "; using", NULL),
            1, "%s", diag_captured());
        otelc_options_free(o);
    }

    /* Precedence with two good values: environment over .env, code over
     * the environment. */
    if (!env_file && s.ngood >= 2) {
        const good_value *g0 = &s.good[0], *g1 = &s.good[s.ngood - 1];
        write_dotenv(dir, e->name, g0->raw);
        setenv(e->name, g1->raw, 1);
        reload(NULL);
        cr_assert_str_eq(cfg(e->name, &src), g1->norm);
        cr_assert_eq(src, OTELC_CONFIG_ENVIRONMENT);
        otelc_options *o = otelc_options_new();
        cr_assert_eq(otelc_options_set(o, e->name, g0->raw), OTELC_OK);
        reload(o);
        otelc_options_free(o);
        cr_assert_str_eq(cfg(e->name, &src), g0->norm);
        cr_assert_eq(src, OTELC_CONFIG_CODE);
    }

    /* An empty value is unset in every layer. */
    unlink(".env");
    setenv(e->name, "", 1);
    reload(NULL);
    cr_assert_str_eq(cfg(e->name, &src), e->def);
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_eq(diag_count(e->name, NULL), 0, "%s", diag_captured());
}

Test(table, defaults_are_valid_and_normalised) {
    for (int i = 0; i < T_COUNT; i++) {
        const entry *e = &T[i];
        if (!e->def[0] || !strcmp(e->name, "OTELC_ENV_FILE"))
            continue;
        otelc_options *o = otelc_options_new();
        cr_assert_eq(otelc_options_set(o, e->name, e->def), OTELC_OK,
                     "%s: default \"%s\" is rejected", e->name, e->def);
        cr_assert_str_eq(otelc__options_get(o, e->name), e->def,
                         "%s: default \"%s\" is not normalised", e->name,
                         e->def);
        otelc_options_free(o);
    }
}

Test(table, names_are_unique_and_documented) {
    char path[512];
    snprintf(path, sizeof path, "%s/../docs/configuration.md", OTELC_TESTS_DIR);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    for (int i = 0; i < T_COUNT; i++) {
        for (int j = i + 1; j < T_COUNT; j++)
            cr_assert_str_neq(T[i].name, T[j].name, "duplicate %s", T[i].name);
        char key[200];
        snprintf(key, sizeof key, "`%s`", T[i].name);
        cr_expect_not_null(strstr(doc, key),
                           "%s is in sdk/config_table.h but not in "
                           "docs/configuration.md",
                           T[i].name);
    }
}

/* ---- the guide's names ------------------------------------------------------
 */

Test(config, guide_names_are_read_from_the_environment) {
    static const struct {
        const char *name, *raw, *norm;
    } v[] = {
        {"LOG_LEVEL", "warning", "WARNING"},
        {"LOG_FORMAT", "TEXT", "text"},
        {"LOG_FILE", "logs/app.log", "logs/app.log"},
        {"LOG_MAX_SIZE", "20MB", "20971520"},
        {"LOG_BACKUP_COUNT", "3", "3"},
        {"ENABLE_CONSOLE_LOGGING", "False", "false"},
        {"ENABLE_FILE_LOGGING", "True", "true"},
        {"ENABLE_SYSLOG", "1", "true"},
        {"SYSLOG_HOST", "/dev/log", "/dev/log"},
        {"SYSLOG_PORT", "1514", "1514"},
        {"LOG_CORRELATION_ID", "no", "false"},
        {"METRICS_ENABLED", "off", "false"},
        {"METRICS_PORT", "9100", "9100"},
        {"HEALTH_CHECK_INTERVAL", "15", "15"},
        {"ERROR_TRACKING_ENABLED", "false", "false"},
        {"SENTRY_DSN", "https://k@sentry.example/1",
         "https://k@sentry.example/1"},
        {"PERFORMANCE_MONITORING", "yes", "true"},
        {"TRACE_SAMPLING_RATE", "0.1", "0.1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        setenv(v[i].name, v[i].raw, 1);
    reload(NULL);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        otelc_config_source src;
        cr_assert_str_eq(cfg(v[i].name, &src), v[i].norm, "%s", v[i].name);
        cr_assert_eq(src, OTELC_CONFIG_ENVIRONMENT, "%s", v[i].name);
    }
    cr_assert_eq(diag_count("", NULL), 0, "%s", diag_captured());
}

Test(config, typed_getters_read_the_normalised_values) {
    setenv("LOG_MAX_SIZE", "1.5 MiB", 1);
    setenv("TRACE_SAMPLING_RATE", " .25 ", 1);
    setenv("ENABLE_SYSLOG", "ON", 1);
    setenv("OTEL_TRACES_EXPORTER", "Console, file", 1);
    reload(NULL);
    cr_assert_eq(otelc__cfg_int(OTELC_CFG_LOG_MAX_SIZE, 0), 1572864);
    cr_assert_eq(otelc__cfg_double(OTELC_CFG_TRACE_SAMPLING_RATE, 9), 0.25);
    cr_assert(otelc__cfg_bool(OTELC_CFG_ENABLE_SYSLOG, false));
    cr_assert(otelc__cfg_list_has(OTELC_CFG_TRACES_EXPORTER, "console"));
    cr_assert(otelc__cfg_list_has(OTELC_CFG_TRACES_EXPORTER, "file"));
    cr_assert_not(otelc__cfg_list_has(OTELC_CFG_TRACES_EXPORTER, "otlp"));
    cr_assert(otelc__cfg_is_set(OTELC_CFG_ENABLE_SYSLOG));
    cr_assert_not(otelc__cfg_is_set(OTELC_CFG_SYSLOG_PORT));
    /* Unset numeric settings read as the caller's fallback. */
    cr_assert_eq(otelc__cfg_int(OTELC_CFG_PROMETHEUS_PORT, 42), 42);
    cr_assert_str_eq(otelc__cfg_name(OTELC_CFG_SYSLOG_PORT), "SYSLOG_PORT");
}

/* ---- types in detail
 * --------------------------------------------------------- */

static const char *set_code(const char *name, const char *value,
                            otelc_status *st) {
    static otelc_options *o;
    otelc_options_free(o);
    o = otelc_options_new();
    *st = otelc_options_set(o, name, value);
    return otelc__options_get(o, name);
}

Test(config, size_suffixes) {
    static const struct {
        const char *raw;
        const char *bytes; /* NULL = rejected */
    } v[] = {
        {"10MB", "10485760"},
        {"512K", "524288"},
        {"1GiB", "1073741824"},
        {"1gib", "1073741824"},
        {"1.5K", "1536"},
        {"2 mb", "2097152"},
        {"4096B", "4096"},
        {"4096", "4096"},
        {"1T", "1099511627776"},
        {"1TiB", "1099511627776"},
        {"3KiB", "3072"},
        {"0.5M", "524288"},
        {"10XB", NULL},
        {"1KK", NULL},
        {"0x400", NULL},
        {"-1K", NULL},
        {"K", NULL},
        {"10 M B", NULL},
        {"inf", NULL},
        {"nan", NULL},
        {"1e400", NULL},
        {"2T", NULL} /* above the maximum */,
        {"1023", NULL} /* below */,
        {"10iB", NULL},
        {"10MBs", NULL},
        {"1,5M", NULL},
    };
    diag_capture_start();
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        otelc_status st;
        const char *got = set_code("LOG_MAX_SIZE", v[i].raw, &st);
        if (v[i].bytes) {
            cr_assert_eq(st, OTELC_OK, "%s", v[i].raw);
            cr_assert_str_eq(got, v[i].bytes, "%s", v[i].raw);
        } else {
            cr_assert_eq(st, OTELC_ECONFIG, "%s accepted as %s", v[i].raw,
                         got ? got : "?");
        }
    }
}

Test(config, list_parsing) {
    otelc_status st;
    diag_capture_start();
    cr_assert_str_eq(
        set_code("OTEL_TRACES_EXPORTER", " console , FILE,console,,", &st),
        "console,file");
    cr_assert_eq(st, OTELC_OK);
    cr_assert_eq(diag_count("OTEL_TRACES_EXPORTER", NULL), 0);
    cr_assert_str_eq(set_code("OTEL_PROPAGATORS", "b3multi,tracecontext", &st),
                     "b3multi,tracecontext"); /* order is kept */
    /* A partly unknown list keeps the known part and says so. */
    diag_capture_start();
    cr_assert_str_eq(
        set_code("OTEL_TRACES_EXPORTER", "console,zipkinx,file", &st),
        "console,file");
    cr_assert_eq(st, OTELC_OK);
    cr_assert_eq(diag_count("OTEL_TRACES_EXPORTER=\"console,zipkinx,file\"",
                            "names unknown \"zipkinx\"", "accepted:", NULL),
                 1, "%s", diag_captured());
    /* Nothing known: rejected. */
    cr_assert_null(set_code("OTEL_TRACES_EXPORTER", "a, b", &st));
    cr_assert_eq(st, OTELC_ECONFIG);
    cr_assert_null(set_code("OTEL_TRACES_EXPORTER", " , ,", &st));
    cr_assert_eq(st, OTELC_ECONFIG);
    /* From the environment: the diagnostic says what is used. */
    setenv("OTEL_TRACES_EXPORTER", "file,bogus", 1);
    reload(NULL);
    cr_assert_str_eq(cfg("OTEL_TRACES_EXPORTER", NULL), "file");
    cr_assert_eq(diag_count("OTEL_TRACES_EXPORTER=\"file,bogus\"",
                            "names unknown \"bogus\"",
                            "; using \"file\" (from the environment)", NULL),
                 1, "%s", diag_captured());
}

Test(config, url_validation) {
    static const char *const good[] = {
        "http://localhost:4318",
        "https://collector.example/v1/traces",
        "http://10.0.0.1",
        "http://[::1]:4317/",
        "https://u:p@h.example:443",
        "http://h.example?x=1",
        "http://h.example:65535",
        "http://xn--bcher-kva.example",
        "localhost:4318", /* scheme-less host:port, for OTLP/gRPC */
    };
    static const char *const bad[] = {
        "localhost",      "h:99999",       "h:4317/v1",     "grpc://h:4317",
        "http://",        "https:///path", "http://:80",    "http://h:0",
        "http://h:65536", "http://h:80x",  "http://h:-1",   "http://h :80",
        "http://h\tx",    "http://[zz]:1", "http://[::1]x", "http://h:",
        "http://a,b",     "http://a\"b",   "http://@/",     "//h.example",
    };
    diag_capture_start();
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        otelc_status st;
        set_code("OTEL_EXPORTER_OTLP_ENDPOINT", good[i], &st);
        cr_assert_eq(st, OTELC_OK, "%s rejected:\n%s", good[i],
                     diag_captured());
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        otelc_status st;
        set_code("OTEL_EXPORTER_OTLP_ENDPOINT", bad[i], &st);
        cr_assert_eq(st, OTELC_ECONFIG, "%s accepted", bad[i]);
    }
    /* Only OTLP endpoints may omit the scheme. */
    otelc_status st;
    set_code("OTEL_EXPORTER_JAEGER_ENDPOINT", "localhost:14268", &st);
    cr_assert_eq(st, OTELC_ECONFIG);
}

typedef struct kvs {
    char k[8][64], v[8][64];
    int n;
} kvs;

static void on_kv(const char *k, const char *v, void *arg) {
    kvs *x = arg;
    cr_assert_lt(x->n, 8);
    snprintf(x->k[x->n], 64, "%s", k);
    snprintf(x->v[x->n], 64, "%s", v);
    x->n++;
}

static bool kv(const char *s, kvs *out, const char **err) {
    memset(out, 0, sizeof *out);
    *err = NULL;
    return otelc__parse_kv_list(s, on_kv, out, err);
}

Test(config, percent_decoding) {
    kvs x;
    const char *err;
    cr_assert(kv("k=v%2Cw,x=%3D", &x, &err));
    cr_assert_eq(x.n, 2);
    cr_assert_str_eq(x.k[0], "k");
    cr_assert_str_eq(x.v[0], "v,w");
    cr_assert_str_eq(x.k[1], "x");
    cr_assert_str_eq(x.v[1], "=");
    cr_assert(kv(" a = %41%42%43 ,b=%c3%a9,c=%20s%20, ,d=,e=1=2", &x, &err));
    cr_assert_eq(x.n, 5);
    cr_assert_str_eq(x.v[0], "ABC");
    cr_assert_str_eq(x.v[1], "\xc3\xa9"); /* lower-case hex, UTF-8 */
    cr_assert_str_eq(x.v[2], " s ");      /* encoded blanks are kept */
    cr_assert_str_eq(x.k[3], "d");
    cr_assert_str_eq(x.v[3], "");
    cr_assert_str_eq(x.v[4], "1=2");
    cr_assert(kv("%6Bey=v", &x, &err)); /* keys are decoded too */
    cr_assert_str_eq(x.k[0], "key");
    cr_assert(kv("", &x, &err));
    cr_assert_eq(x.n, 0);
    /* Malformed: nothing at all is reported to the callback. */
    static const char *const bad[] = {
        "a=1,b=%",     "a=1,b=%4", "a=%zz", "a=%G0",   "a=%00",
        "a=1,novalue", "=v",       " =v",   "a=1,%=2", "a=%%41"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not(kv(bad[i], &x, &err), "%s accepted", bad[i]);
        cr_assert_eq(x.n, 0, "%s: %d pairs reported", bad[i], x.n);
        cr_assert_not_null(err, "%s", bad[i]);
    }
}

Test(config, headers_reject_injection_and_bad_names) {
    otelc_status st;
    diag_capture_start();
    set_code("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=abc,x-b=%E2%82%AC", &st);
    cr_assert_eq(st, OTELC_OK);
    set_code("OTEL_EXPORTER_OTLP_HEADERS", "a=ok%0D%0AHost:%20evil", &st);
    cr_assert_eq(st, OTELC_ECONFIG);
    cr_assert_eq(diag_count("control character", NULL), 1, "%s",
                 diag_captured());
    set_code("OTEL_EXPORTER_OTLP_HEADERS", "a%3Ab=1", &st);
    cr_assert_eq(st, OTELC_ECONFIG);
    cr_assert_eq(diag_count("not an HTTP token", NULL), 1, "%s",
                 diag_captured());
    /* The token never reaches the diagnostics. */
    cr_assert_eq(diag_count("evil", NULL), 0, "%s", diag_captured());
}

Test(config, doubles_are_normalised) {
    static const struct {
        const char *raw, *norm;
    } v[] = {{"0.5", "0.5"},  {" .25", "0.25"},
             {"1e-1", "0.1"}, {"+1", "1"},
             {"-0", "0"},     {"0.10", "0.1"},
             {"1.", "1"},     {"0.123456789", "0.123456789"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        otelc_status st;
        const char *got = set_code("TRACE_SAMPLING_RATE", v[i].raw, &st);
        cr_assert_eq(st, OTELC_OK, "%s", v[i].raw);
        cr_assert_str_eq(got, v[i].norm, "%s", v[i].raw);
    }
}

Test(config, empty_environment_value_means_unset) {
    setenv("OTEL_TRACES_EXPORTER", "", 1);
    setenv("OTEL_SDK_DISABLED", "  ", 1);
    setenv("OTEL_SERVICE_NAME", "", 1);
    reload(NULL);
    otelc_config_source src;
    cr_assert_str_eq(cfg("OTEL_TRACES_EXPORTER", &src), "otlp");
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_str_eq(cfg("OTEL_SDK_DISABLED", &src), "false");
    cr_assert_str_eq(cfg("OTEL_SERVICE_NAME", &src), "");
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_eq(diag_count("", NULL), 0, "%s", diag_captured());
    /* In code, "" removes an earlier setting. */
    otelc_options *o = otelc_options_new();
    cr_assert_eq(otelc_options_set(o, "LOG_FORMAT", "text"), OTELC_OK);
    cr_assert_eq(otelc_options_set(o, "LOG_FORMAT", ""), OTELC_OK);
    cr_assert_null(otelc__options_get(o, "LOG_FORMAT"));
    otelc_options_free(o);
}

Test(config, options_set_errors) {
    otelc_options *o = otelc_options_new();
    diag_capture_start();
    cr_assert_eq(otelc_options_set(o, "OTEL_NO_SUCH_SETTING", "1"),
                 OTELC_ENOTFOUND);
    cr_assert_eq(diag_count("OTEL_NO_SUCH_SETTING", "unknown setting", NULL), 1,
                 "%s", diag_captured());
    cr_assert_eq(otelc_options_set(o, "otel_service_name", "x"),
                 OTELC_ENOTFOUND); /* names are case-sensitive */
    cr_assert_eq(otelc_options_set(NULL, "LOG_FORMAT", "json"), OTELC_EINVAL);
    cr_assert_eq(otelc_options_set(o, NULL, "json"), OTELC_EINVAL);
    cr_assert_eq(otelc_options_set(o, "LOG_FORMAT", NULL), OTELC_EINVAL);
    cr_assert_eq(otelc_options_set_service_name(o, "svc"), OTELC_OK);
    cr_assert_str_eq(otelc__options_get(o, "OTEL_SERVICE_NAME"), "svc");
    cr_assert_null(otelc_config_get("NO_SUCH", NULL));
    cr_assert_null(otelc_config_get(NULL, NULL));
    otelc_options_free(o);
    otelc_options_free(NULL);
}

/* ---- conflicts between OTEL_ names and the guide's
 * ---------------------------- */

Test(config, prometheus_port_wins_over_metrics_port_reported_once) {
    setenv("METRICS_PORT", "9000", 1);
    setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "9464", 1);
    reload(NULL);
    cr_assert_eq(diag_count("METRICS_PORT=\"9000\"", "ignored",
                            "OTEL_EXPORTER_PROMETHEUS_PORT=\"9464\"",
                            "using \"9464\"", NULL),
                 1, "%s", diag_captured());
    otelc__config_load(NULL);
    otelc__config_load(NULL);
    cr_assert_eq(diag_count("METRICS_PORT", NULL), 1, "%s", diag_captured());
}

/* ---- the sampler the configuration selects
 * ------------------------------------- */

static char *sampler_desc(void) {
    otelc_sampler *s = otelc_sampler_from_config();
    cr_assert_not_null(s);
    char *d = strdup(otelc_sampler_description(s));
    otelc_sampler_free(s);
    return d;
}

static void expect_sampler(const char *prefix) {
    char *d = sampler_desc();
    cr_assert(!strncmp(d, prefix, strlen(prefix)), "sampler %s, expected %s", d,
              prefix);
    free(d);
}

Test(sampler_config, unset_is_parentbased_always_on) {
    reload(NULL);
    expect_sampler("ParentBased{root=AlwaysOnSampler,");
    cr_assert_eq(diag_count("", NULL), 0, "%s", diag_captured());
}

Test(sampler_config, trace_sampling_rate_selects_parentbased_ratio) {
    static const struct {
        const char *rate, *desc;
    } v[] = {{"0.25", "ParentBased{root=TraceIdRatioBased{0.25},"},
             {"0", "ParentBased{root=TraceIdRatioBased{0},"},
             {"1", "ParentBased{root=TraceIdRatioBased{1},"},
             {"1.0", "ParentBased{root=TraceIdRatioBased{1},"},
             {" 0.1 ", "ParentBased{root=TraceIdRatioBased{0.1},"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        setenv("TRACE_SAMPLING_RATE", v[i].rate, 1);
        reload(NULL);
        expect_sampler(v[i].desc);
        cr_assert_eq(diag_count("", NULL), 0, "%s", diag_captured());
    }
    /* From .env as well. */
    unsetenv("TRACE_SAMPLING_RATE");
    const char *dir = test_tmpdir();
    cr_assert_eq(chdir(dir), 0);
    free(write_file(dir, ".env", "TRACE_SAMPLING_RATE=0.5\n"));
    reload(NULL);
    expect_sampler("ParentBased{root=TraceIdRatioBased{0.5},");
}

Test(sampler_config, otel_traces_sampler_wins_conflict_reported_once) {
    setenv("TRACE_SAMPLING_RATE", "0.25", 1);
    setenv("OTEL_TRACES_SAMPLER", "always_on", 1);
    reload(NULL);
    expect_sampler("AlwaysOnSampler");
    expect_sampler("AlwaysOnSampler");
    otelc__config_load(NULL); /* as otelc_init() does after a lazy load */
    expect_sampler("AlwaysOnSampler");
    cr_assert_eq(diag_count("TRACE_SAMPLING_RATE=\"0.25\"", "ignored",
                            "OTEL_TRACES_SAMPLER=\"always_on\"", "wins", NULL),
                 1, "%s", diag_captured());
    cr_assert_eq(diag_count("TRACE_SAMPLING_RATE", NULL), 1, "%s",
                 diag_captured());
}

Test(sampler_config, otel_traces_sampler_with_arg_wins) {
    setenv("TRACE_SAMPLING_RATE", "0.1", 1);
    setenv("OTEL_TRACES_SAMPLER", "traceidratio", 1);
    setenv("OTEL_TRACES_SAMPLER_ARG", "0.5", 1);
    reload(NULL);
    expect_sampler("TraceIdRatioBased{0.5}");
    setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", 1);
    reload(NULL);
    expect_sampler("ParentBased{root=TraceIdRatioBased{0.5},");
    setenv("OTEL_TRACES_SAMPLER", "parentbased_always_off", 1);
    reload(NULL);
    expect_sampler("ParentBased{root=AlwaysOffSampler,");
    setenv("OTEL_TRACES_SAMPLER", "always_off", 1);
    reload(NULL);
    expect_sampler("AlwaysOffSampler");
}

Test(sampler_config, sampler_arg_alone_wins_over_trace_sampling_rate) {
    setenv("TRACE_SAMPLING_RATE", "0.1", 1);
    setenv("OTEL_TRACES_SAMPLER_ARG", "0.5", 1);
    reload(NULL);
    expect_sampler("ParentBased{root=TraceIdRatioBased{0.5},");
    cr_assert_eq(diag_count("TRACE_SAMPLING_RATE=\"0.1\"", "ignored",
                            "OTEL_TRACES_SAMPLER_ARG=\"0.5\"", NULL),
                 1, "%s", diag_captured());
}

Test(sampler_config, bad_trace_sampling_rate_one_diagnostic_and_fallback) {
    static const char *const bad[] = {"abc", "1.5", "-1", "nan", "50%"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("TRACE_SAMPLING_RATE", bad[i], 1);
        reload(NULL);
        expect_sampler("ParentBased{root=AlwaysOnSampler,");
        char shown[64];
        snprintf(shown, sizeof shown, "TRACE_SAMPLING_RATE=\"%s\"", bad[i]);
        cr_assert_eq(diag_count(shown, "; using no value",
                                "the sampler is \"parentbased_always_on\"",
                                NULL),
                     1, "%s", diag_captured());
        cr_assert_eq(diag_count("", NULL), 1, "%s", diag_captured());
    }
}

Test(sampler_config, bad_sampler_name_falls_back_to_trace_sampling_rate) {
    setenv("OTEL_TRACES_SAMPLER", "sometimes", 1);
    setenv("TRACE_SAMPLING_RATE", "0.25", 1);
    reload(NULL);
    expect_sampler("ParentBased{root=TraceIdRatioBased{0.25},");
    cr_assert_eq(diag_count("OTEL_TRACES_SAMPLER=\"sometimes\"",
                            "using \"parentbased_traceidratio\" with ratio "
                            "0.25 from TRACE_SAMPLING_RATE",
                            NULL),
                 1, "%s", diag_captured());
    unsetenv("TRACE_SAMPLING_RATE");
    setenv("OTEL_TRACES_SAMPLER", "sometimes-not", 1);
    reload(NULL);
    expect_sampler("ParentBased{root=AlwaysOnSampler,");
    cr_assert_eq(diag_count("OTEL_TRACES_SAMPLER=\"sometimes-not\"",
                            "using \"parentbased_always_on\" (the default)",
                            NULL),
                 1, "%s", diag_captured());
}

Test(sampler_config, bad_sampler_arg_uses_one) {
    setenv("OTEL_TRACES_SAMPLER", "traceidratio", 1);
    setenv("OTEL_TRACES_SAMPLER_ARG", "half", 1);
    reload(NULL);
    expect_sampler("TraceIdRatioBased{1}");
    cr_assert_eq(
        diag_count("OTEL_TRACES_SAMPLER_ARG=\"half\"", "using 1.0", NULL), 1,
        "%s", diag_captured());
}

/* ---- OTEL_LOG_LEVEL filters the SDK's own diagnostics
 * ------------------------- */

static int probe(void) {
    /* One line per level; the return value says which got through. */
    diag_capture_start();
    otelc__config_reset();
    otelc__config_load(NULL);
    otelc__diag(OTELC_DIAG_ERROR, "probe-error");
    otelc__diag(OTELC_DIAG_WARN, "probe-warn");
    otelc__diag(OTELC_DIAG_INFO, "probe-info");
    otelc__diag(OTELC_DIAG_DEBUG, "probe-debug");
    return diag_count("probe-error", NULL) |
           diag_count("probe-warn", NULL) << 1 |
           diag_count("probe-info", NULL) << 2 |
           diag_count("probe-debug", NULL) << 3;
}

Test(log_level, each_level_filters) {
    static const struct {
        const char *v;
        int mask;
        otelc_diag_level level;
    } v[] = {{"none", 0, OTELC_DIAG_NONE},
             {"error", 1, OTELC_DIAG_ERROR},
             {"warn", 3, OTELC_DIAG_WARN},
             {"info", 7, OTELC_DIAG_INFO},
             {"DEBUG", 15, OTELC_DIAG_DEBUG}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        setenv("OTEL_LOG_LEVEL", v[i].v, 1);
        setenv("LOG_FORMAT", "xml", 1); /* a warning of the load itself */
        int got = probe();
        cr_assert_eq(got, v[i].mask, "OTEL_LOG_LEVEL=%s: mask %d, want %d",
                     v[i].v, got, v[i].mask);
        cr_assert_eq(otelc_diag_get_level(), v[i].level);
        /* The loader's own warning obeys the level too (said once per
         * process, so only the first level that shows warnings sees it). */
        if (v[i].mask < 2)
            cr_assert_eq(diag_count("LOG_FORMAT", NULL), 0, "%s",
                         diag_captured());
    }
}

Test(log_level, bad_value_is_diagnosed_and_info_is_used) {
    otelc_diag_set_level(OTELC_DIAG_INFO);
    setenv("OTEL_LOG_LEVEL", "verbose", 1);
    int got = probe();
    cr_assert_eq(diag_count("OTEL_LOG_LEVEL=\"verbose\"",
                            "is not one of none|error|warn|info|debug",
                            "using \"info\" (the default)", NULL),
                 1, "%s", diag_captured());
    /* diag_capture_start() asked for debug; a bad OTEL_LOG_LEVEL leaves
     * the level alone. */
    cr_assert_eq(got, 15);
}

Test(log_level, unset_restores_info_after_a_configured_level) {
    setenv("OTEL_LOG_LEVEL", "error", 1);
    probe();
    cr_assert_eq(otelc_diag_get_level(), OTELC_DIAG_ERROR);
    unsetenv("OTEL_LOG_LEVEL");
    otelc__config_reset();
    otelc__config_load(NULL);
    cr_assert_eq(otelc_diag_get_level(), OTELC_DIAG_INFO);
}

Test(log_level, level_set_in_code_is_not_undone_by_a_lazy_load) {
    otelc_diag_set_level(OTELC_DIAG_DEBUG);
    otelc__config_reset();
    (void)otelc_config_get("LOG_FORMAT", NULL);
    cr_assert_eq(otelc_diag_get_level(), OTELC_DIAG_DEBUG);
}

/* ---- redaction
 * ------------------------------------------------------------------- */

static char *dump(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    otelc_config_dump(f);
    fclose(f);
    return buf;
}

Test(config, dump_redacts_secrets) {
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=supersecret1,x-t=t2secret",
           1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "Authorization=Bearer%20tok3",
           1);
    setenv("OTEL_EXPORTER_JAEGER_PASSWORD", "hunter4", 1);
    setenv("SENTRY_DSN", "https://abc5key@o1.ingest.sentry.io/42", 1);
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:pw6@collector:4318", 1);
    setenv("OTEL_SERVICE_NAME", "shop", 1);
    reload(NULL);
    char *d = dump();
    static const char *const secrets[] = {"supersecret1", "t2secret", "tok3",
                                          "hunter4",      "abc5key",  "pw6"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_assert_null(strstr(d, secrets[i]), "%s leaked:\n%s", secrets[i], d);
    cr_assert_not_null(strstr(d,
                              "OTEL_EXPORTER_OTLP_HEADERS=api-key=<redacted>,"
                              "x-t=<redacted>  # environment\n"),
                       "%s", d);
    cr_assert_not_null(strstr(d, "OTEL_EXPORTER_JAEGER_PASSWORD=<redacted"),
                       "%s", d);
    cr_assert_not_null(strstr(d, "SENTRY_DSN=<redacted"), "%s", d);
    cr_assert_not_null(
        strstr(d,
               "OTEL_EXPORTER_OTLP_ENDPOINT=http://<redacted>@collector:4318"),
        "%s", d);
    cr_assert_not_null(strstr(d, "OTEL_SERVICE_NAME=shop  # environment\n"),
                       "%s", d);
    cr_assert_not_null(strstr(d, "LOG_FORMAT=json  # default\n"), "%s", d);
    /* Every setting is listed, one per line. */
    int lines = 0;
    for (const char *c = d; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, T_COUNT);
    free(d);
}

Test(config, bad_secret_values_are_redacted_in_diagnostics) {
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%zzsecret7", 1);
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://u:secret8@host:badport", 1);
    reload(NULL);
    cr_assert_eq(diag_count("OTEL_EXPORTER_OTLP_HEADERS=\"<redacted", NULL), 1,
                 "%s", diag_captured());
    cr_assert_eq(diag_count("OTEL_EXPORTER_OTLP_ENDPOINT=\"http://<redacted>"
                            "@host:badport\"",
                            NULL),
                 1, "%s", diag_captured());
    cr_assert_eq(diag_count("secret7", NULL), 0, "%s", diag_captured());
    cr_assert_eq(diag_count("secret8", NULL), 0, "%s", diag_captured());
}

Test(config, diagnostics_show_values_on_one_line) {
    /* A multi-line .env value and a huge value cannot break or flood the
     * one-line-per-message diagnostics. */
    const char *dir = test_tmpdir();
    cr_assert_eq(chdir(dir), 0);
    free(write_file(dir, ".env",
                    "LOG_FORMAT=\"json\nOTEL_SDK_DISABLED=true\"\n"
                    "OTEL_TRACES_SAMPLER_ARG=\"x\ny\"\n"
                    "OTEL_TRACES_SAMPLER=traceidratio\n"));
    char huge[5000];
    memset(huge, 'x', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    setenv("LOG_BACKUP_COUNT", huge, 1);
    reload(NULL);
    cr_assert_eq(diag_count(".env:1: LOG_FORMAT=\"json\\nOTEL_SDK_DISABLED="
                            "true\" is not one of",
                            NULL),
                 1, "%s", diag_captured());
    cr_assert_eq(diag_count("LOG_BACKUP_COUNT=\"xxxx",
                            "...\" is not an integer", "; using \"5\"", NULL),
                 1, "%s", diag_captured());
    cr_assert_lt(strlen(diag_captured()), 2000);
    /* Every line of the capture is a whole message: none starts with a
     * fragment of a value. */
    cr_assert_eq(diag_count("OTEL_SDK_DISABLED=true\"", NULL),
                 diag_count("LOG_FORMAT", NULL));
    diag_capture_start();
    otelc_sampler_free(otelc_sampler_from_config());
    cr_assert_eq(
        diag_count("OTEL_TRACES_SAMPLER_ARG=\"x?y\"", "using 1.0", NULL), 1,
        "%s", diag_captured());
    /* The dump keeps one line per setting too. */
    char *d = dump();
    int lines = 0;
    for (const char *c = d; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, T_COUNT);
    cr_assert_not_null(strstr(d, "OTEL_TRACES_SAMPLER_ARG=x\\x0ay  # .env"),
                       "%s", d);
    free(d);
}
