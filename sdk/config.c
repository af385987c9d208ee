/*
 * sdk/config.c - the one configuration loader.
 *
 * Precedence: defaults < .env < environment < options set in code.  Each
 * layer's value is validated before it replaces the layer below, so a bad
 * value falls back to the next valid one, and the diagnostic says which.
 * Values are normalised (booleans to "true"/"false", enums to lower case,
 * sizes to bytes) so every reader sees one spelling.
 *
 * The loaded configuration is an immutable snapshot.  It is built on first
 * use (from .env and the environment) or by otelc_init() (with options),
 * and dropped by otelc_shutdown().  Components copy what they need when they
 * are created, so nothing reads the configuration on a hot path.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

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

/* Options set in code: name/value pairs already validated. */
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

/* ---- validation ---------------------------------------------------------------- */

static bool choice_match(const char *choices, const char *s, size_t n,
                         char *canon, size_t canon_size) {
    const char *c = choices;
    while (*c) {
        const char *e = strchr(c, '|');
        size_t cl = e ? (size_t)(e - c) : strlen(c);
        if (cl == n && !strncasecmp(c, s, n)) {
            if (canon && cl < canon_size) {
                memcpy(canon, c, cl);
                canon[cl] = '\0';
            }
            return true;
        }
        if (!e)
            break;
        c = e + 1;
    }
    return false;
}

static bool parse_bool(const char *s, bool *out) {
    static const char *const t[] = {"true", "1", "yes", "on"};
    static const char *const f[] = {"false", "0", "no", "off"};
    char buf[16];
    size_t n = 0;
    while (isspace((unsigned char)*s))
        s++;
    while (*s && !isspace((unsigned char)*s) && n < sizeof buf - 1)
        buf[n++] = *s++;
    buf[n] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    if (*s)
        return false;
    for (size_t i = 0; i < 4; i++) {
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

static bool parse_size(const char *s, int64_t *out) {
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || isnan(v))
        return false;
    while (isspace((unsigned char)*end))
        end++;
    double mult = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mult = 1024.0; end++; break;
    case 'M': mult = 1024.0 * 1024; end++; break;
    case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 'B': break;
    case '\0': break;
    default: return false;
    }
    if (toupper((unsigned char)*end) == 'I')
        end++;
    if (toupper((unsigned char)*end) == 'B')
        end++;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || v * mult > 9.2e18)
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

/* Percent-decode [s, s+n) into a new string; NULL on a bad escape. */
static char *pct_decode(const char *s, size_t n) {
    char *d = malloc(n + 1), *o = d;
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int h, l;
            if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 ||
                (l = hexval(s[i + 2])) < 0) {
                free(d);
                return NULL;
            }
            *o++ = (char)(h << 4 | l);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return d;
}

bool otelc__parse_kv_list(const char *s,
                          void (*fn)(const char *k, const char *v, void *arg),
                          void *arg, const char **err) {
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
                if (err)
                    *err = "a member has no '='";
                return false;
            }
            kt = otelc__strdup_trim(p, (size_t)(eq - p));
            vt = otelc__strdup_trim(eq + 1, n - (size_t)(eq - p) - 1);
            if (!kt || !vt || !kt[0]) {
                free(kt);
                free(vt);
                if (err)
                    *err = "a member has an empty key";
                return false;
            }
            k = pct_decode(kt, strlen(kt));
            v = pct_decode(vt, strlen(vt));
            free(kt);
            free(vt);
            if (!k || !v) {
                free(k);
                free(v);
                if (err)
                    *err = "bad percent-encoding";
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

/* Validate `raw` for setting `id`.  On success returns a normalised copy;
 * on failure returns NULL and a reason. */
static char *validate(otelc__cfg_id id, const char *raw, const char **why) {
    const cfg_def *d = &g_defs[id];
    char buf[64];
    switch (d->type) {
    case T_BOOL: {
        bool b;
        if (!parse_bool(raw, &b)) {
            *why = "is not a boolean (true/false)";
            return NULL;
        }
        return otelc__strdup(b ? "true" : "false");
    }
    case T_INT: {
        int64_t v;
        if (!otelc__parse_i64(raw, &v)) {
            *why = "is not an integer";
            return NULL;
        }
        if ((double)v < d->min || (double)v > d->max) {
            *why = "is out of range";
            return NULL;
        }
        snprintf(buf, sizeof buf, "%lld", (long long)v);
        return otelc__strdup(buf);
    }
    case T_SIZE: {
        int64_t v;
        if (!parse_size(raw, &v)) {
            *why = "is not a size (bytes, or a number with K, M or G)";
            return NULL;
        }
        if ((double)v < d->min || (double)v > d->max) {
            *why = "is out of range";
            return NULL;
        }
        snprintf(buf, sizeof buf, "%lld", (long long)v);
        return otelc__strdup(buf);
    }
    case T_DOUBLE: {
        double v;
        if (!otelc__parse_double(raw, &v)) {
            *why = "is not a number";
            return NULL;
        }
        if (v < d->min || v > d->max) {
            *why = "is out of range";
            return NULL;
        }
        return otelc__strdup_trim(raw, strlen(raw));
    }
    case T_ENUM: {
        char *t = otelc__strdup_trim(raw, strlen(raw));
        if (!t)
            return NULL;
        char canon[64];
        if (!choice_match(d->choices, t, strlen(t), canon, sizeof canon)) {
            free(t);
            *why = "is not one of the accepted values";
            return NULL;
        }
        free(t);
        return otelc__strdup(canon);
    }
    case T_LIST: {
        /* Unknown members are reported and skipped; the rest is kept. */
        size_t n = strlen(raw);
        char *out = malloc(n + 1);
        if (!out)
            return NULL;
        size_t o = 0;
        const char *p = raw;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            char *m = otelc__strdup_trim(p, l);
            if (m && m[0]) {
                char canon[64];
                if (choice_match(d->choices, m, strlen(m), canon,
                                 sizeof canon)) {
                    /* Duplicates are removed (the specification). */
                    bool dup = false;
                    size_t cl = strlen(canon);
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
                } else {
                    otelc__diag(OTELC_DIAG_WARN,
                                "%s: unknown value \"%s\" skipped (accepted: "
                                "%s)",
                                d->name, m, d->choices);
                }
            }
            free(m);
            if (!e)
                break;
            p = e + 1;
        }
        out[o] = '\0';
        if (!o && strspn(raw, " \t,") != n) {
            free(out);
            *why = "names nothing known";
            return NULL;
        }
        return out;
    }
    case T_URL: {
        char *t = otelc__strdup_trim(raw, strlen(raw));
        if (!t)
            return NULL;
        if (!t[0])
            return t;
        const char *host = NULL;
        if (!strncasecmp(t, "http://", 7))
            host = t + 7;
        else if (!strncasecmp(t, "https://", 8))
            host = t + 8;
        bool ok = host && *host && *host != '/' && *host != ':';
        for (const char *c = t; ok && *c; c++)
            if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
                ok = false;
        if (!ok) {
            free(t);
            *why = "is not an http:// or https:// URL with a host";
            return NULL;
        }
        return t;
    }
    case T_HEADERS: {
        const char *err = NULL;
        if (!otelc__parse_kv_list(raw, NULL, NULL, &err)) {
            *why = err;
            return NULL;
        }
        return otelc__strdup(raw);
    }
    case T_STRING:
        return otelc__strdup(raw);
    }
    *why = "has an unknown type";
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

/* ---- loading ------------------------------------------------------------------- */

static void snapshot_free(cfg_snapshot *s) {
    if (!s)
        return;
    for (int i = 0; i < OTELC_CFG__COUNT; i++)
        free(s->v[i].str);
    free(s);
}

static const char *effective(const cfg_snapshot *s, int id) {
    return s->v[id].str ? s->v[id].str : "";
}

/* Offer a raw value from a layer; keep it only if valid. */
static void offer(cfg_snapshot *s, int id, const char *raw,
                  otelc_config_source src, const char *origin) {
    const char *why = "is invalid";
    char *v = validate((otelc__cfg_id)id, raw, &why);
    if (!v) {
        const char *fallback = effective(s, id);
        otelc__diag(OTELC_DIAG_WARN, "%s%s%s=\"%s\" %s; using %s%s%s",
                    origin ? origin : "", origin ? ": " : "", g_defs[id].name,
                    raw, why, fallback[0] ? "\"" : "",
                    fallback[0] ? fallback : "no value (unset)",
                    fallback[0] ? "\"" : "");
        return;
    }
    free(s->v[id].str);
    s->v[id].str = v;
    s->v[id].source = src;
}

typedef struct dotenv_ctx {
    cfg_snapshot *s;
    const char *path;
} dotenv_ctx;

static void on_dotenv(const char *name, const char *value, int line,
                      void *arg) {
    dotenv_ctx *c = arg;
    int id = find_id(name);
    if (id < 0)
        return; /* the application's own variables */
    if (id == OTELC_CFG_ENV_FILE) {
        otelc__diag(OTELC_DIAG_WARN, "%s:%d: OTELC_ENV_FILE cannot be set "
                                     "inside a .env file; ignored",
                    c->path, line);
        return;
    }
    char origin[512];
    snprintf(origin, sizeof origin, "%s:%d", c->path, line);
    offer(c->s, id, value, OTELC_CONFIG_ENV_FILE, origin);
}

static void report_conflicts(const cfg_snapshot *s) {
    /* Where an OTEL_ name and a guide name set one thing, the OTEL_ name
     * wins; say so once, at load. */
    if (s->v[OTELC_CFG_PROMETHEUS_PORT].source != OTELC_CONFIG_DEFAULT &&
        s->v[OTELC_CFG_METRICS_PORT].source != OTELC_CONFIG_DEFAULT &&
        strcmp(effective(s, OTELC_CFG_PROMETHEUS_PORT),
               effective(s, OTELC_CFG_METRICS_PORT)))
        otelc__diag(OTELC_DIAG_WARN,
                    "METRICS_PORT=%s ignored: OTEL_EXPORTER_PROMETHEUS_PORT=%s "
                    "wins",
                    effective(s, OTELC_CFG_METRICS_PORT),
                    effective(s, OTELC_CFG_PROMETHEUS_PORT));
    if (s->v[OTELC_CFG_TRACES_SAMPLER].source != OTELC_CONFIG_DEFAULT &&
        s->v[OTELC_CFG_TRACE_SAMPLING_RATE].source != OTELC_CONFIG_DEFAULT)
        otelc__diag(OTELC_DIAG_WARN,
                    "TRACE_SAMPLING_RATE=%s ignored: OTEL_TRACES_SAMPLER=%s "
                    "wins",
                    effective(s, OTELC_CFG_TRACE_SAMPLING_RATE),
                    effective(s, OTELC_CFG_TRACES_SAMPLER));
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

static cfg_snapshot *build(const otelc_options *opts) {
    cfg_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    /* OTEL_LOG_LEVEL first, from the environment, so that the rest of the
     * loading is reported at the level the operator asked for. */
    const char *ll = getenv("OTEL_LOG_LEVEL");
    if (opts && opts->values[OTELC_CFG_LOG_LEVEL_SDK])
        ll = opts->values[OTELC_CFG_LOG_LEVEL_SDK];
    if (ll) {
        char canon[16];
        char *t = otelc__strdup_trim(ll, strlen(ll));
        if (t && choice_match(g_defs[OTELC_CFG_LOG_LEVEL_SDK].choices, t,
                              strlen(t), canon, sizeof canon))
            otelc_diag_set_level(diag_level_of(canon));
        free(t);
    }
    for (int i = 0; i < OTELC_CFG__COUNT; i++) {
        if (g_defs[i].def[0])
            s->v[i].str = otelc__strdup(g_defs[i].def);
        s->v[i].source = OTELC_CONFIG_DEFAULT;
    }
    /* .env: from code, else OTELC_ENV_FILE, else ./.env. */
    const char *env_file = ".env";
    if (getenv("OTELC_ENV_FILE"))
        env_file = getenv("OTELC_ENV_FILE");
    if (opts && opts->env_file_set)
        env_file = opts->env_file ? opts->env_file : "";
    if (env_file[0]) {
        dotenv_ctx c = {s, env_file};
        otelc__dotenv_parse(env_file, on_dotenv, &c);
    }
    for (int i = 0; i < OTELC_CFG__COUNT; i++) {
        const char *e = getenv(g_defs[i].name);
        if (e)
            offer(s, i, e, OTELC_CONFIG_ENVIRONMENT, NULL);
    }
    if (opts)
        for (int i = 0; i < OTELC_CFG__COUNT; i++)
            if (opts->values[i]) {
                free(s->v[i].str);
                s->v[i].str = otelc__strdup(opts->values[i]);
                s->v[i].source = OTELC_CONFIG_CODE;
            }
    otelc_diag_set_level(diag_level_of(effective(s, OTELC_CFG_LOG_LEVEL_SDK)));
    report_conflicts(s);
    return s;
}

static cfg_snapshot *current(void) {
    pthread_mutex_lock(&g_lock);
    if (!g_cfg)
        g_cfg = build(NULL);
    cfg_snapshot *s = g_cfg;
    pthread_mutex_unlock(&g_lock);
    return s;
}

void otelc__config_load(const otelc_options *opts) {
    cfg_snapshot *s = build(opts);
    pthread_mutex_lock(&g_lock);
    cfg_snapshot *old = g_cfg;
    g_cfg = s;
    pthread_mutex_unlock(&g_lock);
    snapshot_free(old);
}

void otelc__config_reset(void) {
    pthread_mutex_lock(&g_lock);
    cfg_snapshot *old = g_cfg;
    g_cfg = NULL;
    pthread_mutex_unlock(&g_lock);
    snapshot_free(old);
}

/* ---- typed getters -------------------------------------------------------------- */

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
    return s[0] && otelc__parse_double(s, &v) ? v : fallback;
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

const char *otelc__cfg_name(otelc__cfg_id id) { return g_defs[id].name; }

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

/* ---- public API ------------------------------------------------------------------ */

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
    static const char *const src[] = {"default", ".env", "environment",
                                      "code"};
    cfg_snapshot *s = current();
    for (int i = 0; i < OTELC_CFG__COUNT; i++) {
        const char *v = s ? effective(s, i) : g_defs[i].def;
        bool secret = i == OTELC_CFG_JAEGER_PASSWORD ||
                      (i >= OTELC_CFG_OTLP_HEADERS &&
                       i <= OTELC_CFG_OTLP_LOGS_HEADERS) ||
                      i == OTELC_CFG_SENTRY_DSN;
        fprintf(out, "%s=%s  # %s\n", g_defs[i].name,
                secret && v[0] ? "<redacted>" : v,
                src[s ? s->v[i].source : 0]);
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
        otelc__diag(OTELC_DIAG_WARN, "otelc_options_set: unknown setting %s",
                    name);
        return OTELC_ENOTFOUND;
    }
    if (id == OTELC_CFG_ENV_FILE)
        return otelc_options_set_env_file(o, value);
    const char *why = "is invalid";
    char *v = validate((otelc__cfg_id)id, value, &why);
    if (!v) {
        otelc__diag(OTELC_DIAG_WARN,
                    "otelc_options_set: %s=\"%s\" %s; setting unchanged", name,
                    value, why);
        return OTELC_ECONFIG;
    }
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
    free(o->env_file);
    o->env_file = path && path[0] ? otelc__strdup(path) : NULL;
    o->env_file_set = true;
    return OTELC_OK;
}

OTELC_API otelc_status
otelc_options_add_span_exporter(otelc_options *o, otelc_span_exporter *e) {
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
