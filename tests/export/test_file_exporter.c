/*
 * tests/export/test_file_exporter.c - the file exporter and the OTLP-JSON
 * encoder behind it, checked with a decoder otelc did not write.
 *
 * Spans are made through a real provider, with the file exporter and a
 * memory exporter side by side.  The test writes what the SDK holds (the
 * memory exporter's copies) as an expectation file in which every string
 * is hex of its raw bytes and every double hex of its bits - so writing it
 * needs no JSON escaping - and check_otlp_json.py decodes the exporter's
 * output with Python's json module (strict: no NaN literals, no duplicate
 * keys, no raw control characters), validates the OTLP/JSON structure field
 * by field and compares every value, computing the expected text of each
 * string with Python's own UTF-8 decoder.  check_json_values.py does the
 * same for the value writers of sdk/json.c on generated inputs.
 *
 * Error paths use real failures: /dev/full, RLIMIT_FSIZE for a write cut
 * short, a FIFO whose reader went away, paths whose parent is a file.
 *
 * Not covered here: validation against the OTLP .proto schema with
 * protobuf's own JSON parser (the repository has no proto/ yet).
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <ftw.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_support.h"

#include "sdk/config_int.h"
#include "sdk/json_int.h"
#include "sdk/span_int.h"

#define CHECKER OTELC_TESTS_DIR "/export/check_otlp_json.py"
#define VALUES OTELC_TESTS_DIR "/export/check_json_values.py"

/* Each test's temporary directory, removed after the test: some hold
 * megabytes. */
static char g_dir[64];

static const char *tmpdir(void) {
    snprintf(g_dir, sizeof g_dir, "%s", test_tmpdir());
    return g_dir;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tmpdir(void) {
    if (g_dir[0])
        nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(file_exporter, .fini = remove_tmpdir);
TestSuite(json, .fini = remove_tmpdir);

/* ---- the expectation file --------------------------------------------------
 */

static void hexq(FILE *f, const void *p, size_t n) {
    const unsigned char *b = p;
    fputc('"', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
    fputc('"', f);
}

static void hexs(FILE *f, const char *s) {
    hexq(f, s ? s : "", s ? strlen(s) : 0);
}

static void dbits(FILE *f, double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    fprintf(f, "\"%016llx\"", (unsigned long long)u);
}

static void put_value(FILE *f, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING:
        fputs("\"s\",", f);
        hexq(f, v->u.s, v->len);
        break;
    case OTELC_VALUE_BYTES:
        fputs("\"y\",", f);
        hexq(f, v->u.s, v->len);
        break;
    case OTELC_VALUE_BOOL:
        fprintf(f, "\"b\",%s", v->u.b ? "true" : "false");
        break;
    case OTELC_VALUE_INT:
        fprintf(f, "\"i\",\"%lld\"", (long long)v->u.i);
        break;
    case OTELC_VALUE_DOUBLE:
        fputs("\"d\",", f);
        dbits(f, v->u.d);
        break;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        static const char *const tag[] = {"as", "ab", "ai", "ad"};
        fprintf(f, "\"%s\",[", tag[v->type - OTELC_VALUE_STRING_ARRAY]);
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                fputc(',', f);
            if (v->type == OTELC_VALUE_STRING_ARRAY)
                hexs(f, v->u.sa[i]);
            else if (v->type == OTELC_VALUE_BOOL_ARRAY)
                fputs(v->u.ba[i] ? "true" : "false", f);
            else if (v->type == OTELC_VALUE_INT_ARRAY)
                fprintf(f, "\"%lld\"", (long long)v->u.ia[i]);
            else
                dbits(f, v->u.da[i]);
        }
        fputc(']', f);
        break;
    }
    default: cr_assert_fail("unexpected value type %d", v->type);
    }
}

static void put_attrs(FILE *f, const otelc_attribute *a, size_t n) {
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",[" : "[", f);
        hexs(f, a[i].key);
        fputc(',', f);
        put_value(f, &a[i].value);
        fputc(']', f);
    }
    fputc(']', f);
}

static void put_span(FILE *f, const otelc_span_data *s, int res) {
    char tid[33], sid[17], pid[17];
    otelc_trace_id_to_hex(s->context.trace_id, tid);
    otelc_span_id_to_hex(s->context.span_id, sid);
    otelc_span_id_to_hex(s->parent_span_id, pid);
    fprintf(f, "{\"resource\":%d,\"scope\":[", res);
    hexs(f, s->scope->name);
    fputc(',', f);
    hexs(f, s->scope->version);
    fprintf(f,
            "],\"traceId\":\"%s\",\"spanId\":\"%s\",\"parentSpanId\":\"%s\","
            "\"traceState\":",
            tid, sid, otelc_span_data_has_parent(s) ? pid : "");
    hexs(f, s->trace_state);
    /* SpanFlags: W3C flags | HAS_IS_REMOTE | IS_REMOTE for a remote parent. */
    fprintf(f, ",\"flags\":%u,\"name\":",
            s->context.trace_flags | 0x100u |
                (s->parent_is_remote ? 0x200u : 0));
    hexs(f, s->name);
    fprintf(f, ",\"kind\":%d,\"start\":\"%llu\",\"end\":\"%llu\",\"attrs\":",
            (int)s->kind, (unsigned long long)s->start_time,
            (unsigned long long)s->end_time);
    put_attrs(f, s->attributes, s->attribute_count);
    fprintf(f, ",\"droppedAttributes\":%u,\"events\":[",
            s->dropped_attribute_count);
    for (uint32_t i = 0; i < s->event_count; i++) {
        const otelc_event_data *e = &s->events[i];
        fprintf(f, "%s{\"time\":\"%llu\",\"name\":", i ? "," : "",
                (unsigned long long)e->time);
        hexs(f, e->name);
        fputs(",\"attrs\":", f);
        put_attrs(f, e->attributes, e->attribute_count);
        fprintf(f, ",\"dropped\":%u}", e->dropped_attribute_count);
    }
    fprintf(f, "],\"droppedEvents\":%u,\"links\":[", s->dropped_event_count);
    for (uint32_t i = 0; i < s->link_count; i++) {
        const otelc_link_data *l = &s->links[i];
        otelc_trace_id_to_hex(l->context.trace_id, tid);
        otelc_span_id_to_hex(l->context.span_id, sid);
        fprintf(f, "%s{\"traceId\":\"%s\",\"spanId\":\"%s\",\"traceState\":",
                i ? "," : "", tid, sid);
        hexs(f, l->trace_state);
        fputs(",\"attrs\":", f);
        put_attrs(f, l->attributes, l->attribute_count);
        fprintf(f, ",\"dropped\":%u,\"flags\":%u}", l->dropped_attribute_count,
                l->context.trace_flags | 0x100u |
                    (l->context.is_remote ? 0x200u : 0));
    }
    fprintf(f, "],\"droppedLinks\":%u,\"status\":[%d,", s->dropped_link_count,
            (int)s->status_code);
    hexs(f, s->status_description);
    fputs("]}", f);
}

/* Write the expectation for `spans` (any order); `extra` is inserted as
 * more top-level members ("\"broken\":[2]"...) or NULL. */
static void write_expect(const char *path, const otelc_span_data *const *spans,
                         size_t n, int lines, const char *extra) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    const otelc_resource *res[16];
    int nres = 0;
    int *idx = calloc(n ? n : 1, sizeof *idx);
    for (size_t i = 0; i < n; i++) {
        int r = 0;
        while (r < nres && res[r] != spans[i]->resource)
            r++;
        if (r == nres) {
            cr_assert_lt(nres, 16);
            res[nres++] = spans[i]->resource;
        }
        idx[i] = r;
    }
    fprintf(f, "{\"lines\":%d,", lines);
    if (extra)
        fprintf(f, "%s,", extra);
    fputs("\"resources\":[", f);
    for (int r = 0; r < nres; r++) {
        size_t rc = 0;
        const otelc_attribute *ra = otelc_resource_attributes(res[r], &rc);
        if (r)
            fputc(',', f);
        put_attrs(f, ra, rc);
    }
    fputs("],\"spans\":[", f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        put_span(f, spans[i], idx[i]);
    }
    fputs("]}\n", f);
    cr_assert_eq(fclose(f), 0);
    free(idx);
}

/* "\"batches\":[[ids...],...],\"ordered\":true" for consecutive slices. */
static char *batches_json(const otelc_span_data *const *spans,
                          const size_t *sizes, size_t nbatches) {
    size_t total = 0;
    for (size_t b = 0; b < nbatches; b++)
        total += sizes[b];
    char *s = malloc(total * 20 + nbatches * 4 + 64);
    char *p = s + sprintf(s, "\"ordered\":true,\"batches\":[");
    size_t k = 0;
    for (size_t b = 0; b < nbatches; b++) {
        *p++ = b ? ',' : '[';
        if (b)
            *p++ = '[';
        for (size_t i = 0; i < sizes[b]; i++, k++) {
            char sid[17];
            otelc_span_id_to_hex(spans[k]->context.span_id, sid);
            p += sprintf(p, "%s\"%s\"", i ? "," : "", sid);
        }
        *p++ = ']';
    }
    strcpy(p, "]");
    return s;
}

static void run_checker(const char *out, const char *expect) {
    char *o = NULL;
    const char *args[] = {out, expect, NULL};
    int rc = run_python(CHECKER, args, &o);
    cr_assert_eq(rc, 0, "check_otlp_json.py failed (%d):\n%s", rc, o ? o : "");
    cr_assert_not_null(strstr(o, "OK lines="), "%s", o);
    free(o);
}

/* ---- a provider with the file exporter and a memory exporter
 * ------------------ */

typedef struct fpipe {
    otelc_tracer_provider *p;
    otelc_tracer *tracer;
    otelc_memory_exporter *mem;
    otelc_span_processor *fproc;
} fpipe;

static void fpipe_init(fpipe *fp, const char *path, bool batch,
                       const otelc_batch_options *opts, otelc_resource *res) {
    memset(fp, 0, sizeof *fp);
    fp->p = otelc_tracer_provider_new(res, otelc_sampler_always_on());
    cr_assert_not_null(fp->p);
    otelc_span_exporter *fe = otelc_file_exporter_new(path);
    cr_assert_not_null(fe, "file exporter for %s", path);
    fp->fproc = batch ? otelc_batch_span_processor_new(fe, opts)
                      : otelc_simple_span_processor_new(fe);
    cr_assert_not_null(fp->fproc);
    cr_assert_eq(otelc_tracer_provider_add_processor(fp->p, fp->fproc),
                 OTELC_OK);
    otelc_span_exporter *me = otelc_memory_exporter_new(&fp->mem);
    cr_assert_eq(otelc_tracer_provider_add_processor(
                     fp->p, otelc_simple_span_processor_new(me)),
                 OTELC_OK);
    fp->tracer = otelc_tracer_get(fp->p, "otelc.test", "1.2.3");
}

/* The spans the memory exporter holds, in export order (malloc'd). */
static const otelc_span_data **collect(fpipe *fp, size_t *n) {
    *n = otelc_memory_exporter_count(fp->mem);
    const otelc_span_data **a = calloc(*n ? *n : 1, sizeof *a);
    for (size_t i = 0; i < *n; i++)
        a[i] = otelc_memory_exporter_get(fp->mem, i);
    return a;
}

/* Expect every span the memory exporter saw in the file, as `lines`
 * lines. */
static void check_pipe(fpipe *fp, const char *out, int lines) {
    cr_assert_eq(otelc_tracer_provider_force_flush(fp->p, 10000), OTELC_OK);
    size_t n;
    const otelc_span_data **spans = collect(fp, &n);
    char exp[512];
    snprintf(exp, sizeof exp, "%s.expect.json", out);
    write_expect(exp, spans, n, lines, NULL);
    run_checker(out, exp);
    free(spans);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = n;
    return buf;
}

static size_t count_lines(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static otelc_span_context make_sc(uint8_t seed, uint8_t flags, bool remote) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    for (int i = 0; i < 16; i++)
        sc.trace_id[i] = (uint8_t)(seed * 16 + i + 1);
    for (int i = 0; i < 8; i++)
        sc.span_id[i] = (uint8_t)(0xa0 + seed + i);
    sc.trace_flags = flags;
    sc.is_remote = remote;
    return sc;
}

#define T0 1700000000000000000ull

/* ---- every field of a span
 * ------------------------------------------------------ */

Test(file_exporter, every_field_and_value_type_round_trips) {
    const char *dir = tmpdir();
    char out[256];
    snprintf(out, sizeof out, "%s/traces.jsonl", dir);
    otelc_attribute rattrs[] = {
        OTELC_ATTR_STR("service.name", "file-test"),
        OTELC_ATTR_STR("deployment.environment", "test"),
        OTELC_ATTR_INT("res.int", -7), OTELC_ATTR_DOUBLE("res.double", 2.5),
        OTELC_ATTR_BOOL("res.bool", true)};
    fpipe fp;
    fpipe_init(&fp, out, false, NULL, otelc_resource_new(rattrs, 5));
    otelc_span_limits lim = otelc_span_limits_default();
    lim.attribute_count = 40;
    lim.event_count = 3;
    lim.link_count = 2;
    lim.event_attribute_count = 2;
    lim.link_attribute_count = 2;
    otelc_tracer_provider_set_limits(fp.p, &lim);

    /* A remote parent, sampled with the W3C "random" flag, and a trace
     * state that the children inherit. */
    otelc_span_context rsc = make_sc(1, 0x03, true);
    otelc_context *rctx = otelc_context_new(&rsc, "vendor=abc,other=x:y", NULL);

    static const char *const sarr[] = {"a", "", "\xc3\xbcn\xc3\xaf", "q\"uote"};
    static const bool barr[] = {true, false, true};
    static const int64_t iarr[] = {INT64_MIN, -1, 0, 1, INT64_MAX};
    static const double darr[] = {0.1, -0.0,     1e300,     5e-324,
                                  NAN, INFINITY, -INFINITY, 3.0};
    static const char bytes[] = {0x00, (char)0xff, 0x10, 'a', (char)0x80};
    otelc_attribute attrs[] = {
        OTELC_ATTR_STR("str", "value"),
        OTELC_ATTR_STR("empty", ""),
        OTELC_ATTR_BOOL("t", true),
        OTELC_ATTR_BOOL("f", false),
        OTELC_ATTR_INT("int.min", INT64_MIN),
        OTELC_ATTR_INT("int.max", INT64_MAX),
        OTELC_ATTR_INT("int.zero", 0),
        OTELC_ATTR_INT("int.neg", -42),
        OTELC_ATTR_DOUBLE("dbl", 0.1),
        OTELC_ATTR_DOUBLE("dbl.neg0", -0.0),
        OTELC_ATTR_DOUBLE("dbl.big", 1e300),
        OTELC_ATTR_DOUBLE("dbl.tiny", 5e-324),
        OTELC_ATTR_DOUBLE("dbl.int", 3.0),
        OTELC_ATTR_DOUBLE("dbl.max", DBL_MAX),
        {"bytes", {OTELC_VALUE_BYTES, sizeof bytes, {.s = bytes}}},
        {"bytes.1", {OTELC_VALUE_BYTES, 1, {.s = "x"}}},
        {"bytes.2", {OTELC_VALUE_BYTES, 2, {.s = "xy"}}},
        {"bytes.3", {OTELC_VALUE_BYTES, 3, {.s = "xyz"}}},
        {"bytes.0", {OTELC_VALUE_BYTES, 0, {.s = ""}}},
        OTELC_ATTR_STR_ARRAY("sarr", sarr, 4),
        OTELC_ATTR_BOOL_ARRAY("barr", barr, 3),
        OTELC_ATTR_INT_ARRAY("iarr", iarr, 5),
        OTELC_ATTR_DOUBLE_ARRAY("darr", darr, 8),
        OTELC_ATTR_STR_ARRAY("sarr.empty", sarr, 0),
        OTELC_ATTR_INT_ARRAY("iarr.empty", iarr, 0),
    };
    size_t nattrs = OTELC_ARRAY_LEN(attrs);

    otelc_span_context l1 = make_sc(2, 0x01, true);
    otelc_span_context l2 = make_sc(3, 0x00, false);
    otelc_span_context l3 = make_sc(4, 0x01, false);
    otelc_attribute lattrs[] = {OTELC_ATTR_STR("peer", "x"),
                                OTELC_ATTR_INT("n", 1),
                                OTELC_ATTR_BOOL("dropped", true)};
    otelc_link links[] = {
        {l1, "lk=lv", lattrs, 3}, {l2, NULL, NULL, 0}, {l3, "", lattrs, 1}};
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER,
                                  .parent = rctx,
                                  .start_time = T0,
                                  .attributes = attrs,
                                  .attribute_count = nattrs,
                                  .links = links,
                                  .link_count = 3};
    otelc_span *server = otelc_span_start(fp.tracer, "GET /orders/{id}", &o);
    cr_assert(otelc_span_is_recording(server));
    /* Past the attribute limit of 40: dropped and counted. */
    for (int i = 0; i < 30; i++) {
        char k[16];
        snprintf(k, sizeof k, "extra.%d", i);
        otelc_span_set_attribute_int(server, k, i);
    }
    otelc_attribute eattrs[] = {OTELC_ATTR_STR("e.s", "v"),
                                OTELC_ATTR_DOUBLE("e.d", -1.25),
                                OTELC_ATTR_INT("e.dropped", 9)};
    otelc_span_add_event_at(server, "cache.miss", T0 + 1000, eattrs, 3);
    otelc_span_add_event_at(server, "plain", T0 + 2000, NULL, 0);
    otelc_span_record_exception(server, "IOError", "disk \"gone\"", NULL, NULL,
                                0);
    otelc_span_add_event(server, "over the limit", NULL, 0);

    otelc_scope sc = otelc_span_make_current(server);
    otelc_span_start_options co = {.kind = OTELC_SPAN_KIND_CLIENT,
                                   .start_time = T0 + 10};
    otelc_span *client = otelc_span_start(fp.tracer, "SELECT", &co);
    otelc_span_set_status(client, OTELC_STATUS_OK, "ignored with OK");
    otelc_span_end_at(client, T0 + 20);
    otelc_scope_end(sc);

    otelc_span_set_status(server, OTELC_STATUS_ERROR, "it broke: \"quoted\"");
    otelc_span_end_at(server, T0 + 5000000);

    /* The other kinds, a root span, and a second scope without version. */
    otelc_tracer *t2 = otelc_tracer_get(fp.p, "second.scope", NULL);
    otelc_span_kind kinds[] = {OTELC_SPAN_KIND_PRODUCER,
                               OTELC_SPAN_KIND_CONSUMER,
                               OTELC_SPAN_KIND_INTERNAL};
    for (int i = 0; i < 3; i++) {
        otelc_span_start_options ro = {
            .kind = kinds[i], .root = true, .start_time = T0 + 100 + i};
        otelc_span *s = otelc_span_start(i == 2 ? t2 : fp.tracer, "root", &ro);
        otelc_span_end_at(s, T0 + 200 + i);
    }
    otelc_context_free(rctx);

    /* The test set up what it meant to. */
    const otelc_span_data *sd = pipeline_find(
        &(test_pipeline){fp.p, fp.tracer, fp.mem, NULL}, "GET /orders/{id}");
    cr_assert_not_null(sd);
    cr_assert_eq(sd->attribute_count, 40);
    cr_assert_eq(sd->dropped_attribute_count, nattrs + 30 - 40);
    cr_assert_eq(sd->event_count, 3);
    cr_assert_eq(sd->dropped_event_count, 1);
    cr_assert_eq(sd->events[0].dropped_attribute_count, 1);
    cr_assert_eq(sd->link_count, 2);
    cr_assert_eq(sd->dropped_link_count, 1);
    cr_assert_eq(sd->links[0].dropped_attribute_count, 1);
    cr_assert(sd->parent_is_remote);
    cr_assert_str_eq(sd->trace_state, "vendor=abc,other=x:y");

    check_pipe(&fp, out, 5);

    /* SpanFlags as literal numbers: remote parent 0x303, local parent
     * 0x103, root 0x101; links 0x301 (remote) and 0x100. */
    char *text = slurp(out, NULL);
    cr_assert_not_null(strstr(text, "\"flags\":771,"), "%.400s", text);
    cr_assert_not_null(strstr(text, "\"flags\":259,"));
    cr_assert_not_null(strstr(text, "\"flags\":257,"));
    cr_assert_not_null(strstr(text, "\"flags\":769}"));
    cr_assert_not_null(strstr(text, "\"flags\":256}"));
    cr_assert_not_null(strstr(text, "\"intValue\":\"-9223372036854775808\""));
    cr_assert_not_null(strstr(text, "\"doubleValue\":\"NaN\""));
    cr_assert_not_null(strstr(text, "\"doubleValue\":\"-Infinity\""));
    cr_assert_not_null(strstr(text, "\"bytesValue\":\"AP8QYYA=\""));
    cr_assert_not_null(
        strstr(text, "\"startTimeUnixNano\":\"1700000000000000000\""));
    /* No scope version key when there is none. */
    cr_assert_not_null(strstr(text, "{\"scope\":{\"name\":\"second.scope\"},"));
    free(text);
    otelc_tracer_provider_free(fp.p);
}

/* ---- hostile strings
 * ------------------------------------------------------------ */

Test(file_exporter, hostile_strings_always_give_valid_json) {
    const char *dir = tmpdir();
    char out[256];
    snprintf(out, sizeof out, "%s/hostile.jsonl", dir);
    otelc_attribute rattrs[] = {
        OTELC_ATTR_STR("service.name", "svc\"\\\x01\xff\xfe"),
        OTELC_ATTR_STR("\xe9t\xc3\xa9", "caf\xc3\xa9 \xed\xa0\x80")};
    otelc_batch_options bo = {.schedule_delay_ms = 60000,
                              .max_export_batch_size = 512,
                              .max_queue_size = 2048};
    fpipe fp;
    fpipe_init(&fp, out, true, &bo, otelc_resource_new(rattrs, 2));
    otelc_tracer *ht =
        otelc_tracer_get(fp.p, "scope\"\\\x01\xff", "v\n1\xe2\x82");

    char ctrl[64];
    size_t nc = 0;
    for (int c = 1; c < 0x20; c++)
        ctrl[nc++] = (char)c;
    ctrl[nc++] = 0x7f;
    ctrl[nc] = '\0';
    static const char *const invalid[] = {("\x80lone\xbf"
                                           "cont"),
                                          "\xc0\x80overlong",
                                          "\xc1\xbf",
                                          "\xe0\x80\x80",
                                          "\xe0\x9f\xbf",
                                          "\xed\xa0\x80surrogate",
                                          "\xed\xbf\xbf",
                                          "\xf0\x80\x80\x80",
                                          "\xf0\x8f\xbf\xbf",
                                          "\xf4\x90\x80\x80 too big",
                                          "\xf5\xf8\xfc\xfe\xff",
                                          "trunc\xe2\x82",
                                          "trunc4\xf0\x9f\x98",
                                          "\xe2\x82\xac euro",
                                          "mixed\xe2(\xa1",
                                          "end\xc3",
                                          "\xf0\x9f\x98\x80 emoji",
                                          "\xef\xbf\xbf\xef\xbf\xbe nonchars",
                                          "\xe2\x80\xa8\xe2\x80\xa9 seps",
                                          "\xc2\x80\xdf\xbf",
                                          "\xf4\x8f\xbf\xbf max"};
    static const char quotes[] =
        "\"quoted\" \\backslash\\ \\\" \\u0000 </script> {\"k\":1}";

    /* Values: every byte value, a megabyte, embedded NULs. */
    char all[256 * 3];
    for (int i = 0; i < (int)sizeof all; i++)
        all[i] = (char)(i * 7 + 3);
    size_t big_n = 1u << 20;
    char *big = malloc(big_n);
    for (size_t i = 0; i < big_n; i++)
        big[i] = "ab\"\\\n\xc3\xa9\xff"[i % 9];
    big[big_n - 1] = '\xe2'; /* ends inside a sequence */

    otelc_span_start_options o = {.start_time = T0};
    otelc_span_context psc = make_sc(5, 0x01, true);
    otelc_context *pctx =
        otelc_context_new(&psc, "k=\"v\\\n\x01\xff,x=y", NULL);
    o.parent = pctx;
    char name[128];
    snprintf(name, sizeof name, "name %s \xff\xfe \"q\" \\", ctrl);
    otelc_span *s = otelc_span_start(ht, name, &o);
    otelc_span_set_attribute_str(s, "ctrl", ctrl);
    otelc_span_set_attribute_str(s, "quotes", quotes);
    for (size_t i = 0; i < OTELC_ARRAY_LEN(invalid); i++) {
        char k[32];
        snprintf(k, sizeof k, "invalid.%zu", i);
        otelc_span_set_attribute_str(s, k, invalid[i]);
    }
    otelc_span_set_attribute_str_n(s, "nul", "a\0b\0", 4);
    otelc_span_set_attribute_str_n(s, "nul.only", "\0", 1);
    otelc_span_set_attribute_str_n(s, "all.bytes", all, sizeof all);
    otelc_span_set_attribute_str_n(s, "big", big, big_n);
    otelc_value bv = {OTELC_VALUE_BYTES, sizeof all, {.s = all}};
    otelc_span_set_attribute(s, "all.bytes.raw", &bv);
    otelc_span_set_attribute_double(s, "nan", NAN);
    otelc_span_set_attribute_double(s, "neg.nan", -NAN);
    otelc_span_set_attribute_double(s, "inf", INFINITY);
    otelc_span_set_attribute_double(s, "neg.inf", -INFINITY);
    otelc_span_set_attribute_double(s, "dbl.min", DBL_MIN);
    otelc_span_set_attribute_str(s, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87",
                                 "cyrillic key");
    otelc_span_set_attribute_str(s, "\xe9\x94\xae", "cjk key");
    otelc_span_set_attribute_str(s, "\xf0\x9f\x94\x91", "emoji key");
    otelc_span_set_attribute_str(s, "e\xcc\x81", "combining key");
    otelc_span_set_attribute_str(s,
                                 "bad\xff"
                                 "key\x01\"",
                                 "invalid key");
    const char *hs[] = {ctrl, quotes, invalid[0], invalid[11], ""};
    otelc_attribute ha[] = {OTELC_ATTR_STR_ARRAY("hostile.array", hs, 5)};
    otelc_span_set_attributes(s, ha, 1);
    otelc_attribute ea[] = {OTELC_ATTR_STR(quotes, ctrl),
                            OTELC_ATTR_STR("v", invalid[5])};
    otelc_span_add_event_at(s, quotes, T0 + 1, ea, 2);
    otelc_span_add_event_at(s, invalid[12], T0 + 2, NULL, 0);
    otelc_span_context lsc = make_sc(6, 0x01, false);
    otelc_link ln = {lsc, "a=\"\x01\xff", ea, 2};
    otelc_span_add_link(s, &ln);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, name);
    otelc_span_end_at(s, T0 + 10);

    otelc_span *s2 = otelc_span_start(fp.tracer, invalid[9], NULL);
    otelc_span_set_attribute_str(s2, "x", "y");
    otelc_span_end(s2);
    otelc_context_free(pctx);

    check_pipe(&fp, out, 1);

    /* No raw control character anywhere but the line ends. */
    size_t len;
    char *text = slurp(out, &len);
    for (size_t i = 0; i < len; i++)
        cr_assert((unsigned char)text[i] >= 0x20 || text[i] == '\n',
                  "raw byte 0x%02x at %zu", (unsigned char)text[i], i);
    cr_assert_eq(count_lines(text), 1);
    cr_assert_not_null(strstr(text, "\\u001b"));
    cr_assert_not_null(strstr(text, "a\\u0000b\\u0000"));
    free(text);
    free(big);
    otelc_tracer_provider_free(fp.p);
}

/* ---- attribute value length limit
 * ------------------------------------------------ */

static const otelc_value *val(const otelc_span_data *d, const char *k) {
    const otelc_value *v = find_attr(d->attributes, d->attribute_count, k);
    cr_assert_not_null(v, "attribute %s", k);
    return v;
}

static void assert_bytes(const otelc_value *v, const char *want, size_t n) {
    cr_assert_eq(v->len, n, "length %u, expected %zu", v->len, n);
    cr_assert_eq(memcmp(v->u.s, want, n), 0);
}

Test(file_exporter, value_length_limit_truncates_on_utf8_boundaries) {
    const char *dir = tmpdir();
    char out[256];
    snprintf(out, sizeof out, "%s/limit.jsonl", dir);
    setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "5", 1);
    otelc__config_reset();
    fpipe fp;
    fpipe_init(&fp, out, false, NULL, NULL);
    otelc_span *s = otelc_span_start(fp.tracer, "limited", NULL);
    otelc_span_set_attribute_str(s, "ascii", "abcdefgh");
    otelc_span_set_attribute_str(s, "latin", "h\xc3\xa9llo w\xc3\xb6rld");
    otelc_span_set_attribute_str(s, "cjk",
                                 "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83"
                                 "\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88");
    otelc_span_set_attribute_str(s, "emoji",
                                 "\xf0\x9f\x98\x80\xf0\x9f\x98\x81\xf0\x9f\x98"
                                 "\x82\xf0\x9f\x98\x83\xf0\x9f\x98\x84\xf0\x9f"
                                 "\x98\x85");
    otelc_span_set_attribute_str(s, "short", "abc");
    otelc_span_set_attribute_str(s, "exact", "abcde");
    otelc_span_set_attribute_str(s, "invalid", "ab\xff\xfe\xfd\xfc\xfb");
    otelc_value b = {OTELC_VALUE_BYTES, 10, {.s = "0123456789"}};
    otelc_span_set_attribute(s, "bytes", &b);
    const char *arr[] = {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                         "xy"};
    otelc_attribute aa[] = {OTELC_ATTR_STR_ARRAY("arr", arr, 2)};
    otelc_span_set_attributes(s, aa, 1);
    otelc_span_end(s);

    const otelc_span_data *d = otelc_memory_exporter_get(fp.mem, 0);
    cr_assert_not_null(d);
    assert_bytes(val(d, "ascii"), "abcde", 5);
    assert_bytes(val(d, "latin"), "h\xc3\xa9llo", 6);
    assert_bytes(val(d, "cjk"),
                 "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86\xe3\x82\xad",
                 15);
    assert_bytes(val(d, "emoji"),
                 "\xf0\x9f\x98\x80\xf0\x9f\x98\x81\xf0\x9f\x98\x82\xf0\x9f\x98"
                 "\x83\xf0\x9f\x98\x84",
                 20);
    assert_bytes(val(d, "short"), "abc", 3);
    assert_bytes(val(d, "exact"), "abcde", 5);
    assert_bytes(val(d, "bytes"), "01234", 5);
    const otelc_value *av = val(d, "arr");
    cr_assert_eq(av->len, 2);
    cr_assert_str_eq(av->u.sa[0], "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    cr_assert_str_eq(av->u.sa[1], "xy");
    /* Whatever the SDK kept of invalid input, the file still parses and
     * matches it (checked by Python below). */
    cr_assert_leq(val(d, "invalid")->len, 7);

    check_pipe(&fp, out, 1);
    otelc_tracer_provider_free(fp.p);
    unsetenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT");
    otelc__config_reset();
}

Test(file_exporter, without_limit_long_values_are_kept_whole) {
    const char *dir = tmpdir();
    char out[256];
    snprintf(out, sizeof out, "%s/nolimit.jsonl", dir);
    unsetenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT");
    unsetenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT");
    otelc__config_reset();
    fpipe fp;
    fpipe_init(&fp, out, false, NULL, NULL);
    size_t n = 300000;
    char *v = malloc(n + 1);
    for (size_t i = 0; i < n; i += 3)
        memcpy(v + i, "\xe2\x82\xac", 3); /* the euro sign, 100000 times */
    v[n] = '\0';
    otelc_span *s = otelc_span_start(fp.tracer, "long", NULL);
    otelc_span_set_attribute_str(s, "euros", v);
    otelc_span_end(s);
    const otelc_span_data *d = otelc_memory_exporter_get(fp.mem, 0);
    assert_bytes(val(d, "euros"), v, n);
    check_pipe(&fp, out, 1);
    free(v);
    otelc_tracer_provider_free(fp.p);
}

/* ---- grouping
 * ------------------------------------------------------------------ */

/* Two providers (two resources), three tracers each, spans interleaved,
 * exported in one call: the heap path (600 spans) and the stack path (20). */
Test(file_exporter, groups_by_resource_and_scope_in_first_seen_order) {
    const char *dir = tmpdir();
    char out[256], exp[300];
    snprintf(out, sizeof out, "%s/grouped.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/grouped.expect.json", dir);
    test_pipeline pa, pb;
    test_pipeline *pipes[2] = {&pa, &pb};
    otelc_tracer *tr[2][3];
    for (int p = 0; p < 2; p++) {
        memset(pipes[p], 0, sizeof pa);
        otelc_attribute ra[] = {
            OTELC_ATTR_STR("service.name", p ? "svc-b" : "svc-a")};
        pipes[p]->provider = otelc_tracer_provider_new(
            otelc_resource_new(ra, 1), otelc_sampler_always_on());
        otelc_span_exporter *me = otelc_memory_exporter_new(&pipes[p]->mem);
        otelc_tracer_provider_add_processor(
            pipes[p]->provider, otelc_simple_span_processor_new(me));
        tr[p][0] = otelc_tracer_get(pipes[p]->provider, "lib.a", "1.0");
        tr[p][1] = otelc_tracer_get(pipes[p]->provider, "lib.b", NULL);
        tr[p][2] = otelc_tracer_get(pipes[p]->provider, "lib.c", "2.0");
    }
    /* Batch order: a pattern that makes first-seen order differ from any
     * sorted order (provider b first, scopes in 2,0,1 order...). */
    enum { N = 620, BIG = 600 };
    const otelc_span_data *all[N];
    size_t seen[2] = {0, 0};
    for (int i = 0; i < N; i++) {
        int p = (i % 5 == 0 || i % 7 == 3) ? 1 : 0;
        int t = (i * 7 / 3 + 2) % 3;
        char name[32];
        snprintf(name, sizeof name, "span-%d", i);
        otelc_span_start_options o = {.start_time = T0 + (uint64_t)i};
        otelc_span *s = otelc_span_start(tr[p][t], name, &o);
        otelc_span_set_attribute_int(s, "i", i);
        otelc_span_end_at(s, T0 + (uint64_t)i + 1);
        all[i] = otelc_memory_exporter_get(pipes[p]->mem, seen[p]++);
        cr_assert_not_null(all[i]);
        cr_assert_str_eq(all[i]->name, name);
    }

    otelc_span_exporter *fe = otelc_file_exporter_new(out);
    cr_assert_not_null(fe);
    otelc_export_context ctx = {otelc_monotonic_ns() + 10000000000u, 0, 0, 1};
    cr_assert_eq(fe->ops->export_spans(fe->state, all, BIG, &ctx),
                 OTELC_EXPORT_SUCCESS);
    cr_assert_eq(fe->ops->export_spans(fe->state, all + BIG, N - BIG, &ctx),
                 OTELC_EXPORT_SUCCESS);
    /* An empty batch writes nothing (no empty envelopes). */
    cr_assert_eq(fe->ops->export_spans(fe->state, all, 0, &ctx),
                 OTELC_EXPORT_SUCCESS);
    otelc_span_exporter_free(fe);

    size_t sizes[] = {BIG, N - BIG};
    char *batches = batches_json(all, sizes, 2);
    write_expect(exp, all, N, 2, batches);
    free(batches);
    run_checker(out, exp);
    for (int p = 0; p < 2; p++)
        otelc_tracer_provider_free(pipes[p]->provider);
}

/* The real pipeline: a batch processor exporting 1500 spans of five
 * tracers in one batch. */
Test(file_exporter, big_batch_through_the_batch_processor) {
    const char *dir = tmpdir();
    char out[256], exp[300];
    snprintf(out, sizeof out, "%s/big.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/big.expect.json", dir);
    otelc_batch_options bo = {.schedule_delay_ms = 60000,
                              .max_export_batch_size = 2048,
                              .max_queue_size = 4096};
    fpipe fp;
    fpipe_init(&fp, out, true, &bo, NULL);
    otelc_tracer *tr[5];
    for (int t = 0; t < 5; t++) {
        char n[16];
        snprintf(n, sizeof n, "tracer.%d", t);
        tr[t] = otelc_tracer_get(fp.p, n, t % 2 ? "1" : NULL);
    }
    enum { N = 1500 };
    for (int i = 0; i < N; i++) {
        otelc_span *s = otelc_span_start(tr[(i * 3 + i / 7) % 5], "work", NULL);
        otelc_span_set_attribute_int(s, "i", i);
        if (i % 100 == 0)
            otelc_span_add_event(s, "tick", NULL, 0);
        otelc_span_end(s);
    }
    cr_assert_eq(otelc_tracer_provider_force_flush(fp.p, 20000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(fp.fproc, &st);
    cr_assert_eq(st.spans_exported, N);
    cr_assert_eq(st.export_calls, 1, "one batch expected, %llu calls",
                 (unsigned long long)st.export_calls);
    size_t n;
    const otelc_span_data **spans = collect(&fp, &n);
    cr_assert_eq(n, N);
    size_t sizes[] = {N};
    char *batches = batches_json(spans, sizes, 1);
    write_expect(exp, spans, n, 1, batches);
    free(batches);
    run_checker(out, exp);
    free(spans);
    otelc_tracer_provider_free(fp.p);
}

/* ---- where the file goes
 * --------------------------------------------------------- */

static void one_span(otelc_span_exporter *e) {
    otelc_tracer_provider *p =
        otelc_tracer_provider_new(NULL, otelc_sampler_always_on());
    otelc_tracer_provider_add_processor(p, otelc_simple_span_processor_new(e));
    otelc_span_end(
        otelc_span_start(otelc_tracer_get(p, "t", NULL), "one", NULL));
    otelc_processor_stats st;
    otelc_span_processor_stats(otelc_tracer_provider_processor(p, 0), &st);
    cr_assert_eq(st.spans_exported, 1);
    otelc_tracer_provider_free(p);
}

Test(file_exporter, path_from_env_creates_parent_directories) {
    const char *dir = tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/a/b//c/traces.jsonl", dir);
    setenv("OTELC_FILE_PATH", path, 1);
    otelc__config_reset();
    otelc_span_exporter *e = otelc_file_exporter_new(NULL);
    cr_assert_not_null(e);
    one_span(e);
    /* The registry reads the same setting. */
    otelc_status st = OTELC_EINVAL;
    e = otelc_span_exporter_create("file", &st);
    cr_assert_eq(st, OTELC_OK);
    cr_assert_not_null(e);
    one_span(e);
    char *text = slurp(path, NULL);
    cr_assert_eq(count_lines(text), 2);
    cr_assert_not_null(strstr(text, "\"name\":\"one\""));
    free(text);
    unsetenv("OTELC_FILE_PATH");
    otelc__config_reset();
}

Test(file_exporter, default_path_is_otelc_traces_jsonl) {
    const char *dir = tmpdir();
    cr_assert_eq(chdir(dir), 0);
    unsetenv("OTELC_FILE_PATH");
    otelc__config_reset();
    otelc_span_exporter *e = otelc_file_exporter_new(NULL);
    cr_assert_not_null(e);
    one_span(e);
    struct stat sb;
    cr_assert_eq(stat("otelc-traces.jsonl", &sb), 0);
    cr_assert_gt(sb.st_size, 0);
    otelc__config_reset();
}

Test(file_exporter, appends_and_shares_a_file_line_by_line) {
    const char *dir = tmpdir();
    char out[256], exp[300];
    snprintf(out, sizeof out, "%s/shared.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/shared.expect.json", dir);
    /* Two pipelines on one file, spans alternating between them. */
    fpipe a, b;
    fpipe_init(&a, out, false, NULL, NULL);
    fpipe_init(&b, out, false, NULL, NULL);
    for (int i = 0; i < 20; i++) {
        fpipe *fp = i % 2 ? &b : &a;
        otelc_span *s = otelc_span_start(fp->tracer, "shared", NULL);
        otelc_span_set_attribute_int(s, "i", i);
        otelc_span_end(s);
    }
    size_t na, nb;
    const otelc_span_data **sa = collect(&a, &na);
    const otelc_span_data **sb = collect(&b, &nb);
    const otelc_span_data *all[40];
    memcpy(all, sa, na * sizeof *sa);
    memcpy(all + na, sb, nb * sizeof *sb);
    write_expect(exp, all, na + nb, 20, NULL);
    run_checker(out, exp);
    free(sa);
    free(sb);
    otelc_tracer_provider_free(a.p);
    otelc_tracer_provider_free(b.p);
    /* A new exporter appends after what is there. */
    fpipe c;
    fpipe_init(&c, out, false, NULL, NULL);
    otelc_span_end(otelc_span_start(c.tracer, "later", NULL));
    char *text = slurp(out, NULL);
    cr_assert_eq(count_lines(text), 21);
    text[strlen(text) - 1] = '\0';
    cr_assert_not_null(strstr(strrchr(text, '\n'), "\"name\":\"later\""));
    free(text);
    otelc_tracer_provider_free(c.p);
}

/* ---- errors
 * ------------------------------------------------------------------------ */

Test(file_exporter, uncreatable_paths_fail_with_a_clear_diagnostic) {
    const char *dir = tmpdir();
    diag_capture_start();
    char file[256], path[300];
    snprintf(file, sizeof file, "%s/regular", dir);
    FILE *f = fopen(file, "w");
    fputs("x", f);
    fclose(f);
    /* The parent "directory" is a regular file. */
    snprintf(path, sizeof path, "%s/sub/traces.jsonl", file);
    cr_assert_null(otelc_file_exporter_new(path));
    char failed_dir[300];
    snprintf(failed_dir, sizeof failed_dir, "creating directory %s/sub", file);
    cr_assert_eq(diag_count("file exporter", "cannot open", path, failed_dir,
                            "Not a directory", NULL),
                 1, "%s", diag_captured());
    /* A directory cannot be opened for writing. */
    cr_assert_null(otelc_file_exporter_new(dir));
    cr_assert_eq(diag_count("cannot open", dir, "Is a directory", NULL), 1,
                 "%s", diag_captured());
    /* A place where nothing can be created, even by root. */
    cr_assert_null(otelc_file_exporter_new("/proc/otelc-no-such/x.jsonl"));
    cr_assert_eq(diag_count("cannot open", "/proc/otelc-no-such/x.jsonl",
                            "creating directory /proc/otelc-no-such", NULL),
                 1, "%s", diag_captured());
    /* Through the registry: NULL and OTELC_EIO. */
    setenv("OTELC_FILE_PATH", path, 1);
    otelc__config_reset();
    otelc_status st = OTELC_OK;
    cr_assert_null(otelc_span_exporter_create("file", &st));
    cr_assert_eq(st, OTELC_EIO);
    diag_capture_stop();
    unsetenv("OTELC_FILE_PATH");
    otelc__config_reset();
}

Test(file_exporter, dev_full_drops_counts_and_reports_once) {
    setenv("OTELC_FILE_PATH", "/dev/full", 1);
    otelc__config_reset();
    otelc_tracer_provider *p =
        otelc_tracer_provider_new(NULL, otelc_sampler_always_on());
    diag_capture_start();
    otelc_span_exporter *e = otelc_file_exporter_new(NULL);
    cr_assert_not_null(e, "/dev/full opens for appending");
    otelc_batch_options bo = {.schedule_delay_ms = 60000,
                              .max_export_batch_size = 64,
                              .max_queue_size = 256};
    otelc_span_processor *bp = otelc_batch_span_processor_new(e, &bo);
    otelc_tracer_provider_add_processor(p, bp);
    otelc_span_exporter *e2 = otelc_span_exporter_create("file", NULL);
    cr_assert_not_null(e2);
    otelc_span_processor *sp = otelc_simple_span_processor_new(e2);
    otelc_tracer_provider_add_processor(p, sp);
    otelc_tracer *t = otelc_tracer_get(p, "t", NULL);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 10; i++)
            otelc_span_end(otelc_span_start(t, "lost", NULL));
        otelc_tracer_provider_force_flush(p, 10000);
    }
    otelc_processor_stats st;
    otelc_span_processor_stats(bp, &st);
    cr_assert_eq(st.spans_received, 30);
    cr_assert_eq(st.spans_exported, 0);
    cr_assert_eq(st.dropped_export, 30);
    cr_assert_eq(st.export_calls, 3, "failures are permanent: no retries");
    cr_assert_eq(st.export_retries, 0);
    otelc_span_processor_stats(sp, &st);
    cr_assert_eq(st.dropped_export, 30);
    cr_assert_eq(st.spans_exported, 0);
    /* 33 failed writes per exporter, one line each (rate-limited). */
    cr_assert_eq(
        diag_count("file exporter", "/dev/full", "No space left", NULL), 2,
        "%s", diag_captured());
    diag_capture_stop();
    otelc_tracer_provider_free(p);
    unsetenv("OTELC_FILE_PATH");
    otelc__config_reset();
}

Test(file_exporter, a_line_cut_short_costs_only_that_line) {
    const char *dir = tmpdir();
    char out[256], exp[300];
    snprintf(out, sizeof out, "%s/cut.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/cut.expect.json", dir);
    signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of the signal */
    diag_capture_start();
    fpipe fp;
    fpipe_init(&fp, out, false, NULL, NULL);
    otelc_span_end(otelc_span_start(fp.tracer, "first", NULL));
    struct stat sb;
    cr_assert_eq(stat(out, &sb), 0);
    struct rlimit old, lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)sb.st_size + 64;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    char big[4096];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    otelc_span *s = otelc_span_start(fp.tracer, "second", NULL);
    otelc_span_set_attribute_str(s, "big", big);
    otelc_span_end(s);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    otelc_span_end(otelc_span_start(fp.tracer, "third", NULL));
    otelc_span_end(otelc_span_start(fp.tracer, "fourth", NULL));

    otelc_processor_stats st;
    otelc_span_processor_stats(fp.fproc, &st);
    cr_assert_eq(st.dropped_export, 1);
    cr_assert_eq(st.spans_exported, 3);
    cr_assert_eq(diag_count("file exporter", out, "File too large", NULL), 1,
                 "%s", diag_captured());
    diag_capture_stop();
    cr_assert_eq(stat(out, &sb), 0);
    cr_assert_gt(sb.st_size, 64);

    /* The file: first, 64 bytes of second, third, fourth. */
    const otelc_span_data *kept[3];
    int k = 0;
    for (size_t i = 0; i < otelc_memory_exporter_count(fp.mem); i++) {
        const otelc_span_data *d = otelc_memory_exporter_get(fp.mem, i);
        if (strcmp(d->name, "second"))
            kept[k++] = d;
    }
    cr_assert_eq(k, 3);
    write_expect(exp, kept, 3, 4, "\"broken\":[2]");
    run_checker(out, exp);
    otelc_tracer_provider_free(fp.p);
}

Test(file_exporter, fifo_reader_gone_is_a_failure_not_a_signal) {
    const char *dir = tmpdir();
    char fifo[256], copy[300], exp[300];
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    snprintf(copy, sizeof copy, "%s/pipe.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/pipe.expect.json", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    diag_capture_start();
    /* Nobody reads: creation fails at once instead of hanging. */
    cr_assert_null(otelc_file_exporter_new(fifo));
    cr_assert_eq(diag_count("cannot open", fifo, "No such device", NULL), 1,
                 "%s", diag_captured());

    int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
    cr_assert_geq(rfd, 0);
    fpipe fp;
    fpipe_init(&fp, fifo, false, NULL, NULL);
    otelc_span_end(otelc_span_start(fp.tracer, "through the pipe", NULL));
    /* What went through the pipe is a valid line. */
    char buf[65536];
    ssize_t n = read(rfd, buf, sizeof buf);
    cr_assert_gt(n, 0);
    FILE *f = fopen(copy, "wb");
    fwrite(buf, 1, (size_t)n, f);
    fclose(f);
    size_t ns;
    const otelc_span_data **spans = collect(&fp, &ns);
    write_expect(exp, spans, ns, 1, NULL);
    run_checker(copy, exp);
    free(spans);

    close(rfd);
    otelc_span_end(otelc_span_start(fp.tracer, "reader gone", NULL));
    /* Still running: SIGPIPE was not delivered, and is not left blocked
     * or pending. */
    otelc_processor_stats st;
    otelc_span_processor_stats(fp.fproc, &st);
    cr_assert_eq(st.dropped_export, 1);
    cr_assert_eq(st.spans_exported, 1);
    cr_assert_eq(diag_count("file exporter", fifo, "Broken pipe", NULL), 1,
                 "%s", diag_captured());
    sigset_t cur, pend;
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    sigpending(&pend);
    cr_assert_not(sigismember(&cur, SIGPIPE));
    cr_assert_not(sigismember(&pend, SIGPIPE));
    diag_capture_stop();
    otelc_tracer_provider_free(fp.p);
}

/* ---- numbers do not depend on the locale
 * --------------------------------------------- */

Test(file_exporter, doubles_ignore_a_comma_decimal_locale) {
    const char *dir = tmpdir();
    char loc[256], out[300], cmd[600];
    snprintf(loc, sizeof loc, "%s/locales", dir);
    snprintf(out, sizeof out, "%s/locale.jsonl", dir);
    cr_assert_eq(mkdir(loc, 0755), 0);
    /* Build de_DE.UTF-8 from Debian's locale sources (package "locales"). */
    snprintf(cmd, sizeof cmd,
             "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", loc);
    int rc = system(cmd);
    cr_assert(rc == 0 || WEXITSTATUS(rc) == 1, "localedef failed: %d", rc);
    setenv("LOCPATH", loc, 1);
    cr_assert_not_null(setlocale(LC_ALL, "de_DE.UTF-8"));
    char probe[16];
    snprintf(probe, sizeof probe, "%g", 1.5);
    cr_assert_str_eq(probe, "1,5", "the test's locale is active");

    otelc__buf b;
    otelc__buf_init(&b);
    otelc__json_double(&b, 1.5);
    otelc__buf_putc(&b, ' ');
    otelc__json_double(&b, -0.001);
    cr_assert_str_eq(b.data, "1.5 -0.001");
    otelc__buf_free(&b);

    fpipe fp;
    fpipe_init(&fp, out, false, NULL, NULL);
    static const double ds[] = {1.5, 0.1, 1e-7, -2.75e10};
    otelc_attribute a[] = {OTELC_ATTR_DOUBLE("d", 1234.5678),
                           OTELC_ATTR_DOUBLE_ARRAY("ds", ds, 4)};
    otelc_span *s = otelc_span_start(fp.tracer, "german", NULL);
    otelc_span_set_attributes(s, a, 2);
    otelc_span_end(s);
    setlocale(LC_ALL, "C");
    check_pipe(&fp, out, 1);
    otelc_tracer_provider_free(fp.p);
}

/* ---- the value writers against Python's decoder
 * ------------------------------------------ */

static void run_values(const char *mode, const char *out, const char *exp) {
    char *o = NULL;
    const char *args[] = {mode, out, exp, NULL};
    int rc = run_python(VALUES, args, &o);
    cr_assert_eq(rc, 0, "check_json_values.py %s failed (%d):\n%s", mode, rc,
                 o ? o : "");
    free(o);
}

Test(json, strings_match_pythons_utf8_replacement) {
    const char *dir = tmpdir();
    char out[256], exp[256];
    snprintf(out, sizeof out, "%s/strings.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/strings.hex", dir);
    FILE *fo = fopen(out, "wb"), *fe = fopen(exp, "w");
    /* Inputs drawn from the bytes that matter to UTF-8 validation and JSON
     * escaping, plus plain ASCII, so most strings mix several cases. */
    static const unsigned char pool[] = {
        0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1b, 0x1f, '"',  '\\', '/',
        'a',  'Z',  ' ',  0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
        0xc2, 0xc3, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3,
        0xf4, 0xf5, 0xf7, 0xf8, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    otelc__buf b;
    otelc__buf_init(&b);
    unsigned char s[64];
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)(otelc__wyrand(&rng) % sizeof s);
        for (size_t j = 0; j < n; j++) {
            uint64_t r = otelc__wyrand(&rng);
            s[j] = r % 4 == 0 ? (unsigned char)(r >> 8)
                              : pool[(r >> 8) % sizeof pool];
        }
        otelc__buf_reset(&b);
        otelc__json_str(&b, (const char *)s, n);
        cr_assert_not(b.oom);
        fwrite(b.data, 1, b.len, fo);
        fputc('\n', fo);
        for (size_t j = 0; j < n; j++)
            fprintf(fe, "%02x", s[j]);
        fputc('\n', fe);
    }
    /* Every byte value alone, and every pair whose first byte is not
     * ASCII. */
    for (int c = 0; c < 256; c++) {
        for (int d = -1; d < (c >= 0x80 ? 256 : 0); d++) {
            unsigned char two[2] = {(unsigned char)c, (unsigned char)d};
            size_t n = d < 0 ? 1 : 2;
            otelc__buf_reset(&b);
            otelc__json_str(&b, (const char *)two, n);
            fwrite(b.data, 1, b.len, fo);
            fputc('\n', fo);
            for (size_t j = 0; j < n; j++)
                fprintf(fe, "%02x", two[j]);
            fputc('\n', fe);
        }
    }
    otelc__buf_free(&b);
    fclose(fo);
    fclose(fe);
    run_values("strings", out, exp);
}

Test(json, doubles_round_trip_bit_for_bit) {
    const char *dir = tmpdir();
    char out[256], exp[256];
    snprintf(out, sizeof out, "%s/doubles.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/doubles.hex", dir);
    FILE *fo = fopen(out, "wb"), *fe = fopen(exp, "w");
    static const double special[] = {0.0,
                                     -0.0,
                                     1.0,
                                     -1.0,
                                     0.1,
                                     1e300,
                                     -1e-300,
                                     5e-324,
                                     DBL_MIN,
                                     DBL_MAX,
                                     -DBL_MAX,
                                     NAN,
                                     -NAN,
                                     INFINITY,
                                     -INFINITY,
                                     1e21,
                                     1e-7,
                                     123456789012345678.0,
                                     0.3,
                                     2.675,
                                     1234.5678,
                                     1e15,
                                     9007199254740991.0,
                                     9007199254740993.0,
                                     0.1 + 0.2,
                                     1e-17,
                                     4.35,
                                     -0.001};
    uint64_t rng = 42;
    otelc__buf b;
    otelc__buf_init(&b);
    /* Specials, then random bit patterns (the printf path), then random
     * short decimals m / 10^k (the hand-formatted path), both signs. */
    for (size_t i = 0; i < 40000 + OTELC_ARRAY_LEN(special); i++) {
        double d;
        if (i < OTELC_ARRAY_LEN(special)) {
            d = special[i];
        } else if (i % 2) {
            uint64_t u = otelc__wyrand(&rng);
            memcpy(&d, &u, 8);
        } else {
            static const double p10[] = {
                1,    1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
            uint64_t r = otelc__wyrand(&rng);
            uint64_t m = otelc__wyrand(&rng) >> (r % 64);
            d = (double)m / p10[(r >> 8) % 19] * ((r >> 16) & 1 ? -1 : 1);
        }
        otelc__buf_reset(&b);
        otelc__json_double(&b, d);
        fwrite(b.data, 1, b.len, fo);
        fputc('\n', fo);
        uint64_t u;
        memcpy(&u, &d, 8);
        fprintf(fe, "%016llx\n", (unsigned long long)u);
    }
    otelc__buf_free(&b);
    fclose(fo);
    fclose(fe);
    run_values("doubles", out, exp);
}

Test(json, integers_are_exact) {
    const char *dir = tmpdir();
    char out[256], exp[256];
    snprintf(out, sizeof out, "%s/ints.jsonl", dir);
    snprintf(exp, sizeof exp, "%s/ints.txt", dir);
    FILE *fo = fopen(out, "wb"), *fe = fopen(exp, "w");
    static const int64_t special[] = {
        0, 1, -1, 9, 10, -10, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    uint64_t rng = 7;
    otelc__buf b;
    otelc__buf_init(&b);
    for (size_t i = 0; i < 5000 + OTELC_ARRAY_LEN(special); i++) {
        int64_t v = i < OTELC_ARRAY_LEN(special)
                        ? special[i]
                        : (int64_t)(otelc__wyrand(&rng) >> (i % 64));
        otelc__buf_reset(&b);
        otelc__json_i64(&b, v);
        fprintf(fo, "%s\n", b.data);
        fprintf(fe, "%lld\n", (long long)v);
    }
    otelc__buf_reset(&b);
    otelc__json_u64(&b, UINT64_MAX);
    cr_assert_str_eq(b.data, "18446744073709551615");
    otelc__buf_free(&b);
    fclose(fo);
    fclose(fe);
    run_values("ints", out, exp);
}

Test(json, base64_matches_the_standard_alphabet) {
    /* RFC 4648 test vectors. */
    static const char *const in[] = {"",     "f",     "fo",    "foo",
                                     "foob", "fooba", "foobar"};
    static const char *const want[] = {
        "\"\"",         "\"Zg==\"",     "\"Zm8=\"",    "\"Zm9v\"",
        "\"Zm9vYg==\"", "\"Zm9vYmE=\"", "\"Zm9vYmFy\""};
    otelc__buf b;
    otelc__buf_init(&b);
    for (size_t i = 0; i < OTELC_ARRAY_LEN(in); i++) {
        otelc__buf_reset(&b);
        otelc__json_base64(&b, (const uint8_t *)in[i], strlen(in[i]));
        cr_assert_str_eq(b.data, want[i]);
    }
    otelc__buf_free(&b);
}
