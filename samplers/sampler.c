/*
 * samplers/sampler.c - always_on, always_off, traceidratio, parentbased and
 * custom samplers, and the choice of sampler from configuration.
 *
 * traceidratio decides on the trace id alone: bytes 8..15 read big-endian,
 * shifted right by one, sampled when below ratio * 2^63.  This is exactly
 * the Go and Rust SDKs' rule, so services written with either and with
 * otelc make the same decision for a trace; and bytes 8..15 are the bytes
 * W3C Level 2 requires to be random.  A higher ratio samples a superset.
 *
 * Depends only on the public headers (include/), as samplers/ must.
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otelc/config.h"
#include "otelc/diag.h"
#include "otelc/sampler.h"

/* The SDK's diagnostics; declared here rather than through sdk/ headers. */
void otelc__diag(otelc_diag_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef enum kind { K_ON, K_OFF, K_RATIO, K_PARENT, K_CUSTOM } kind;

struct otelc_sampler {
    kind k;
    uint64_t threshold; /* K_RATIO: sample when (id >> 1) < threshold */
    double ratio;
    otelc_sampler *root;          /* K_PARENT */
    const otelc_sampler_ops *ops; /* K_CUSTOM */
    void *state;
    char desc[400];
};

static otelc_sampler *make(kind k) {
    otelc_sampler *s = calloc(1, sizeof *s);
    if (s)
        s->k = k;
    return s;
}

OTELC_API otelc_sampler *otelc_sampler_always_on(void) {
    otelc_sampler *s = make(K_ON);
    if (s)
        strcpy(s->desc, "AlwaysOnSampler");
    return s;
}

OTELC_API otelc_sampler *otelc_sampler_always_off(void) {
    otelc_sampler *s = make(K_OFF);
    if (s)
        strcpy(s->desc, "AlwaysOffSampler");
    return s;
}

OTELC_API otelc_sampler *otelc_sampler_traceidratio(double ratio) {
    if (isnan(ratio) || ratio < 0 || ratio > 1) {
        double fixed = isnan(ratio) || ratio < 0 ? 0 : 1;
        otelc__diag(OTELC_DIAG_WARN,
                    "traceidratio sampler: ratio %g is outside [0, 1]; using "
                    "%g",
                    ratio, fixed);
        ratio = fixed;
    }
    otelc_sampler *s = make(K_RATIO);
    if (!s)
        return NULL;
    s->ratio = ratio;
    /* ratio * 2^63 as an integer; ratio 1 samples everything because every
     * (id >> 1) is below 2^63. */
    s->threshold = ratio >= 1 ? UINT64_C(1) << 63
                              : (uint64_t)(ratio * 9223372036854775808.0);
    snprintf(s->desc, sizeof s->desc, "TraceIdRatioBased{%g}", ratio);
    return s;
}

OTELC_API otelc_sampler *otelc_sampler_parentbased(otelc_sampler *root) {
    if (!root)
        root = otelc_sampler_always_on();
    otelc_sampler *s = make(K_PARENT);
    if (!s || !root) {
        otelc_sampler_free(root);
        free(s);
        return NULL;
    }
    s->root = root;
    snprintf(s->desc, sizeof s->desc,
             "ParentBased{root=%.*s,remoteParentSampled=AlwaysOnSampler,"
             "remoteParentNotSampled=AlwaysOffSampler,localParentSampled="
             "AlwaysOnSampler,localParentNotSampled=AlwaysOffSampler}",
             (int)(sizeof s->desc - 200), root->desc);
    return s;
}

OTELC_API otelc_sampler *otelc_sampler_custom(const otelc_sampler_ops *ops,
                                              void *state) {
    if (!ops || !ops->should_sample) {
        if (ops && ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    otelc_sampler *s = make(K_CUSTOM);
    if (!s) {
        if (ops->free_state)
            ops->free_state(state);
        return NULL;
    }
    s->ops = ops;
    s->state = state;
    snprintf(s->desc, sizeof s->desc, "%s",
             ops->description ? ops->description(state) : "CustomSampler");
    return s;
}

OTELC_API void otelc_sampler_free(otelc_sampler *s) {
    if (!s)
        return;
    otelc_sampler_free(s->root);
    if (s->k == K_CUSTOM && s->ops->free_state)
        s->ops->free_state(s->state);
    free(s);
}

OTELC_API const char *otelc_sampler_description(const otelc_sampler *s) {
    return s ? s->desc : "";
}

static inline uint64_t be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

OTELC_API void otelc_sampler_should_sample(const otelc_sampler *s,
                                           const otelc_sampling_params *p,
                                           otelc_sampling_result *r) {
    r->attributes = NULL;
    r->attribute_count = 0;
    r->trace_state = NULL;
    for (;;) {
        switch (s->k) {
        case K_ON: r->decision = OTELC_SAMPLING_RECORD_AND_SAMPLE; return;
        case K_OFF: r->decision = OTELC_SAMPLING_DROP; return;
        case K_RATIO:
            r->decision = (be64(p->trace_id + 8) >> 1) < s->threshold
                              ? OTELC_SAMPLING_RECORD_AND_SAMPLE
                              : OTELC_SAMPLING_DROP;
            return;
        case K_PARENT:
            if (p->parent && otelc_span_context_is_valid(p->parent)) {
                r->decision = otelc_span_context_is_sampled(p->parent)
                                  ? OTELC_SAMPLING_RECORD_AND_SAMPLE
                                  : OTELC_SAMPLING_DROP;
                return;
            }
            s = s->root;
            continue;
        case K_CUSTOM:
            r->decision = OTELC_SAMPLING_DROP;
            s->ops->should_sample(s->state, p, r);
            return;
        }
    }
}

/* The SDK's fast path: the built-in samplers decide from the parent and
 * the trace id alone, so the span start need not build the full parameter
 * block.  -1 tells the caller to use otelc_sampler_should_sample(). */
int otelc__sampler_fast(const otelc_sampler *s,
                        const otelc_span_context *parent,
                        const uint8_t *trace_id);
int otelc__sampler_fast(const otelc_sampler *s,
                        const otelc_span_context *parent,
                        const uint8_t *trace_id) {
    for (;;) {
        switch (s->k) {
        case K_ON: return OTELC_SAMPLING_RECORD_AND_SAMPLE;
        case K_OFF: return OTELC_SAMPLING_DROP;
        case K_RATIO:
            return (be64(trace_id + 8) >> 1) < s->threshold
                       ? OTELC_SAMPLING_RECORD_AND_SAMPLE
                       : OTELC_SAMPLING_DROP;
        case K_PARENT:
            if (parent && otelc_span_context_is_valid(parent))
                return otelc_span_context_is_sampled(parent)
                           ? OTELC_SAMPLING_RECORD_AND_SAMPLE
                           : OTELC_SAMPLING_DROP;
            s = s->root;
            continue;
        default: return -1;
        }
    }
}

/* ---- configuration
 * ------------------------------------------------------------ */

/*
 * The choice, in order:
 *   1. OTEL_TRACES_SAMPLER set: that sampler, with OTEL_TRACES_SAMPLER_ARG
 *      as the ratio of the *traceidratio ones.
 *   2. TRACE_SAMPLING_RATE=r set (the guide's name) and
 *      OTEL_TRACES_SAMPLER_ARG set: parentbased_traceidratio with the
 *      argument (the OTEL_ name wins over the guide's).
 *   3. TRACE_SAMPLING_RATE=r set: parentbased_traceidratio(r).
 *   4. parentbased_always_on (the specification's default).
 * The configuration loader has already validated the names and
 * TRACE_SAMPLING_RATE (a number in [0, 1]) and reported conflicts once;
 * OTEL_TRACES_SAMPLER_ARG is checked here because its meaning depends on
 * the sampler.
 */

/* strtod in the C locale: an application in a locale with a decimal comma
 * must still read "0.25" as a quarter. */
static locale_t g_c_locale;
static pthread_once_t g_c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) {
    g_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}
static double c_strtod(const char *s, char **end) {
    pthread_once(&g_c_locale_once, make_c_locale);
    return g_c_locale ? strtod_l(s, end, g_c_locale) : strtod(s, end);
}

static double ratio_arg(const char *sampler_name) {
    const char *arg = otelc_config_get("OTEL_TRACES_SAMPLER_ARG", NULL);
    if (!arg || !arg[0])
        return 1.0;
    char *end;
    double v = c_strtod(arg, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == arg || *end || isnan(v) || v < 0 || v > 1) {
        /* Shown on one line, however the value was written. */
        char shown[64];
        size_t n = 0;
        for (const char *c = arg; *c && n < sizeof shown - 4; c++)
            shown[n++] = (unsigned char)*c < 0x20 || *c == '"' ? '?' : *c;
        if (strlen(arg) > n) {
            memcpy(shown + n, "...", 3);
            n += 3;
        }
        shown[n] = '\0';
        otelc__diag(OTELC_DIAG_WARN,
                    "OTEL_TRACES_SAMPLER_ARG=\"%s\" is not a ratio in [0, 1] "
                    "for %s; using 1.0",
                    shown, sampler_name);
        return 1.0;
    }
    return v;
}

static bool is_set(const char *name, const char **value) {
    otelc_config_source src = OTELC_CONFIG_DEFAULT;
    *value = otelc_config_get(name, &src);
    return src != OTELC_CONFIG_DEFAULT && *value && (*value)[0];
}

OTELC_API otelc_sampler *otelc_sampler_from_config(void) {
    const char *name, *rate, *arg;
    if (!is_set("OTEL_TRACES_SAMPLER", &name)) {
        if (is_set("TRACE_SAMPLING_RATE", &rate)) {
            double r = is_set("OTEL_TRACES_SAMPLER_ARG", &arg)
                           ? ratio_arg("parentbased_traceidratio")
                           : c_strtod(rate, NULL);
            return otelc_sampler_parentbased(otelc_sampler_traceidratio(r));
        }
        name = "parentbased_always_on";
    }
    if (!strcmp(name, "always_on"))
        return otelc_sampler_always_on();
    if (!strcmp(name, "always_off"))
        return otelc_sampler_always_off();
    if (!strcmp(name, "traceidratio"))
        return otelc_sampler_traceidratio(ratio_arg(name));
    if (!strcmp(name, "parentbased_always_off"))
        return otelc_sampler_parentbased(otelc_sampler_always_off());
    if (!strcmp(name, "parentbased_traceidratio"))
        return otelc_sampler_parentbased(
            otelc_sampler_traceidratio(ratio_arg(name)));
    /* parentbased_always_on, and anything a newer table might allow. */
    return otelc_sampler_parentbased(otelc_sampler_always_on());
}
