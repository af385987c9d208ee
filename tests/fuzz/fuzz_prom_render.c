/*
 * tests/fuzz/fuzz_prom_render.c - libFuzzer target: metric names, units,
 * descriptions, scope names and attribute keys/values from the input go
 * through the recording path (attribute hashing and normalisation) and the
 * Prometheus renderer, text 0.0.4 and OpenMetrics.  Invariants: no crash,
 * and every sample line is well formed - a valid metric name, valid label
 * names, label values with only the three allowed escapes - whatever the
 * input bytes (invalid UTF-8 included).
 *
 * Input: fields separated by '\n': name, unit, description, scope, then
 * key/value pairs.
 */
#include "fuzz_common.h"

#include "exporters/prometheus/prom_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static bool name_start(char c, bool colon) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (colon && c == ':');
}
static bool name_char(char c, bool colon) {
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* One sample line: name{label="value",...} value[ # exemplar]. */
static void check_sample(const char *p, const char *end) {
    FUZZ_CHECK(p < end && name_start(*p, true));
    while (p < end && name_char(*p, true))
        p++;
    if (p < end && *p == '{') {
        p++;
        while (p < end && *p != '}') {
            FUZZ_CHECK(name_start(*p, false));
            while (p < end && name_char(*p, false))
                p++;
            FUZZ_CHECK(p + 1 < end && p[0] == '=' && p[1] == '"');
            p += 2;
            while (p < end && *p != '"') {
                if (*p == '\\') {
                    FUZZ_CHECK(p + 1 < end &&
                               (p[1] == '\\' || p[1] == '"' || p[1] == 'n'));
                    p++;
                }
                p++;
            }
            FUZZ_CHECK(p < end);
            p++;
            if (p < end && *p == ',')
                p++;
        }
        FUZZ_CHECK(p < end && *p == '}');
        p++;
    }
    FUZZ_CHECK(p < end && *p == ' ');
}

static void check_output(const otelc__buf *b, bool om) {
    FUZZ_CHECK(!b->oom && b->len > 0 && b->data[b->len - 1] == '\n');
    if (om)
        FUZZ_CHECK(b->len >= 6 && !memcmp(b->data + b->len - 6, "# EOF\n", 6));
    const char *p = b->data, *end = b->data + b->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        FUZZ_CHECK(nl != NULL);
        if (*p != '#')
            check_sample(p, nl);
        p = nl + 1;
    }
}

static void render_cb(const otelc_metrics_data *d, void *user) {
    (void)user;
    for (int om = 0; om < 2; om++) {
        otelc__buf b;
        otelc__buf_init(&b);
        otelc__prom_opts o = {om == 1, true};
        otelc__prom_render(d, &o, &b);
        check_output(&b, om == 1);
        otelc__buf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_str(data, size);
    char *f[20];
    size_t n = fuzz_lines(s, f, 20);
    const char *name = n > 0 ? f[0] : "";
    const char *unit = n > 1 ? f[1] : "";
    const char *desc = n > 2 ? f[2] : "";
    const char *scope = n > 3 ? f[3] : "";
    otelc_attribute a[8];
    size_t na = 0;
    for (size_t i = 4; i + 1 < n && na < 8; i += 2)
        a[na++] = OTELC_ATTR_STR(f[i], f[i + 1]);

    otelc_meter_provider *mp = otelc_meter_provider_new(NULL, NULL);
    otelc_metric_reader *r = otelc_pull_reader_new(0);
    otelc_meter_provider_add_reader(mp, r);
    otelc_meter *m = otelc_meter_get(mp, scope, "1.0");
    otelc_counter_add_attrs(
        otelc_meter_create_counter(m, name, unit, desc, NULL), 1, a, na);
    otelc_histogram_record_attrs(
        otelc_meter_create_histogram(m, name, unit, desc, NULL), 7.5, a, na);
    otelc_gauge_record_double_attrs(
        otelc_meter_create_gauge(m, name, unit, desc, NULL), -1.5, a, na);
    otelc_metric_reader_collect(r, render_cb, NULL);
    otelc_meter_provider_free(mp);
    free(s);
    return 0;
}
