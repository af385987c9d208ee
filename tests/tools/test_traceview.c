/*
 * tests/tools/test_traceview.c - otelc-traceview on crafted OTLP-JSON
 * files: tree order across two files (two services), orphans, a parent
 * cycle, duplicates, malformed and foreign lines reported and skipped,
 * hostile strings sanitized, and the selection options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_support.h"
#include "tools/tool_run.h"

static char *g_bin;
static char g_a[512], g_b[512];

#define T1 "11111111111111111111111111111111"
#define T2 "22222222222222222222222222222222"
#define T3 "33333333333333333333333333333333"

/* One span as OTLP JSON.  parent may be NULL; extra is appended inside
 * the object (",\"kind\":2" ...). */
static char *span(const char *trace, const char *id, const char *parent,
                  const char *name, const char *start, const char *end,
                  const char *extra) {
    char *s = NULL;
    cr_assert(asprintf(&s,
                       "{\"traceId\":\"%s\",\"spanId\":\"%s\"%s%s%s,"
                       "\"name\":\"%s\",\"startTimeUnixNano\":%s,"
                       "\"endTimeUnixNano\":%s%s}",
                       trace, id, parent ? ",\"parentSpanId\":\"" : "",
                       parent ? parent : "", parent ? "\"" : "", name, start,
                       end, extra ? extra : "") > 0);
    return s;
}

/* One ExportTraceServiceRequest line for a service; frees the spans. */
static char *request(const char *service, char **spans, size_t n) {
    size_t len = 256 + strlen(service);
    for (size_t i = 0; i < n; i++)
        len += strlen(spans[i]) + 1;
    char *s = malloc(len);
    int k = snprintf(s, len,
                     "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{"
                     "\"key\":\"service.name\",\"value\":{\"stringValue\":"
                     "\"%s\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"t\"},"
                     "\"spans\":[",
                     service);
    for (size_t i = 0; i < n; i++) {
        k += snprintf(s + k, len - (size_t)k, "%s%s", i ? "," : "", spans[i]);
        free(spans[i]);
    }
    snprintf(s + k, len - (size_t)k, "]}]}]}\n");
    return s;
}

/*
 * Trace T1 spans two services (alpha in a.jsonl, beta in b.jsonl):
 *   R (alpha, 1000..9000)
 *     C2 (beta, 1500)        <- earlier start: printed before C1
 *       G (beta, 1600; its name carries an ESC sequence)
 *     C1 (alpha, 3000, ERROR "boom")
 *   O (alpha, parent deadbeefdeadbeef not in the files: an orphan)
 * Trace T2: one root S at 500 (the earliest trace: printed first).
 * Trace T3: X and Y are each other's parent (corrupt), at 20000.
 * Plus a truncated line, a blank line, a non-OTLP line, a span with a bad
 * traceId and a duplicate of C2.
 */
static void write_inputs(const char *dir) {
    snprintf(g_a, sizeof g_a, "%s/a.jsonl", dir);
    snprintf(g_b, sizeof g_b, "%s/b.jsonl", dir);
    char *a1[] = {
        span(T1, "aaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaa1", "C1", "\"3000\"",
             "\"4000\"",
             ",\"kind\":\"SPAN_KIND_CLIENT\",\"status\":{\"code\":"
             "\"STATUS_CODE_ERROR\",\"message\":\"boom\"}"),
        span(T1, "aaaaaaaaaaaaaaa3", "deadbeefdeadbeef", "O", "\"5000\"",
             "\"5100\"", ",\"kind\":1"),
    };
    char *a5[] = {
        span(T1, "aaaaaaaaaaaaaaa1", NULL, "R", "\"1000\"", "\"9000\"",
             ",\"kind\":2,\"attributes\":[{\"key\":\"http.method\","
             "\"value\":{\"stringValue\":\"GET\"}},{\"key\":"
             "\"http.status_code\",\"value\":{\"intValue\":\"200\"}}]"),
        span(T2, "cccccccccccccc00", "", "S", "500", "800", ",\"kind\":1"),
        span(T3, "cccccccccccccc01", "cccccccccccccc02", "X", "\"20000\"",
             "\"20010\"", NULL),
        span(T3, "cccccccccccccc02", "cccccccccccccc01", "Y", "\"20001\"",
             "\"20005\"", NULL),
        span("xyz", "cccccccccccccc03", NULL, "bad", "\"1\"", "\"2\"", NULL),
    };
    char *b1[] = {
        span(T1, "bbbbbbbbbbbbbbb2", "bbbbbbbbbbbbbbb1", "evil\\u001b[31m",
             "\"1600\"", "\"1700\"", ",\"kind\":1"),
        span(T1, "bbbbbbbbbbbbbbb1", "aaaaaaaaaaaaaaa1", "C2", "\"1500\"",
             "\"2500\"", ",\"kind\":2"),
    };
    char *b2[] = {span(T1, "bbbbbbbbbbbbbbb1", "aaaaaaaaaaaaaaa1", "C2",
                       "\"1500\"", "\"2500\"", ",\"kind\":2")};
    char *l1 = request("alpha", a1, 2), *l5 = request("alpha", a5, 5);
    char *m1 = request("beta", b1, 2), *m2 = request("beta", b2, 1);
    char *a = NULL, *b = NULL;
    cr_assert(asprintf(&a, "%s{\"resourceSpans\":[\n\n{\"hello\":1}\n%s", l1,
                       l5) > 0);
    cr_assert(asprintf(&b, "%s%s", m1, m2) > 0);
    write_file(g_a, a);
    write_file(g_b, b);
    free(a);
    free(b);
    free(l1);
    free(l5);
    free(m1);
    free(m2);
}

static void setup(void) {
    g_bin = tool_path("otelc-traceview");
    write_inputs(test_tmpdir());
}
static void teardown(void) {
    free(g_bin);
}

TestSuite(traceview, .init = setup, .fini = teardown);

/* Index of the first line of `text` containing `needle`, or -1; *indent
 * gets that line's leading spaces. */
static int find_line(const char *text, const char *needle, int *indent) {
    int idx = 0;
    for (const char *p = text; *p; idx++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *line = strndup(p, n);
        bool hit = strstr(line, needle) != NULL;
        if (hit && indent)
            *indent = (int)strspn(line, " ");
        free(line);
        if (hit)
            return idx;
        if (!e)
            break;
        p = e + 1;
    }
    return -1;
}

/* The line containing needle, copied (for checks on one line). */
static char *line_with(const char *text, const char *needle) {
    const char *p = strstr(text, needle);
    if (!p)
        return strdup("");
    while (p > text && p[-1] != '\n')
        p--;
    const char *e = strchr(p, '\n');
    return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

Test(traceview, trees_in_start_order_with_orphans_and_cycles) {
    const char *argv[] = {g_bin, g_a, g_b, NULL};
    tool_result r = tool_run(argv, NULL, NULL);
    cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
    const char *o = r.out;
    int i2, i1, i3, iS, iR, iC2, iG, iC1, iO, iX, iY;
    int dS, dR, dC2, dG, dC1, dO, dX, dY;
    i2 = find_line(o, "Trace " T2, NULL);
    i1 = find_line(o, "Trace " T1, NULL);
    i3 = find_line(o, "Trace " T3, NULL);
    iS = find_line(o, " S ", &dS);
    iR = find_line(o, " R ", &dR);
    iC2 = find_line(o, " C2 ", &dC2);
    iG = find_line(o, " evil", &dG);
    iC1 = find_line(o, " C1 ", &dC1);
    iO = find_line(o, " O ", &dO);
    iX = find_line(o, " X ", &dX);
    iY = find_line(o, " Y ", &dY);
    /* Traces by start time; spans depth first, siblings by start time. */
    cr_expect(i2 >= 0 && i2 < iS && iS < i1 && i1 < iR && iR < iC2 &&
                  iC2 < iG && iG < iC1 && iC1 < iO && iO < i3 && i3 < iX &&
                  iX < iY,
              "order wrong:\n%s", o);
    cr_expect_eq(dS, 2);
    cr_expect_eq(dR, 2);
    cr_expect_eq(dC2, 4);
    cr_expect_eq(dG, 6);
    cr_expect_eq(dC1, 4);
    cr_expect_eq(dO, 2, "the orphan sits at the top of its trace");
    cr_expect_eq(dX, 2);
    cr_expect_eq(dY, 4);

    char *l = line_with(o, "Trace " T1);
    cr_expect(strstr(l, "8.0 us"), "trace duration: %s", l);
    cr_expect(strstr(l, "5 spans"), "%s", l);
    cr_expect(strstr(l, "services alpha, beta"), "%s", l);
    cr_expect(strstr(l, "1 error"), "%s", l);
    cr_expect(strstr(l, "1 orphan"), "%s", l);
    free(l);
    l = line_with(o, " R ");
    cr_expect(strstr(l, "8.0 us  server"), "%s", l);
    cr_expect(strstr(l, "[alpha]"), "%s", l);
    cr_expect(strstr(l, "http.method=\"GET\" http.status_code=200"), "%s", l);
    free(l);
    l = line_with(o, " C2 ");
    cr_expect(strstr(l, "1.0 us  server"), "%s", l);
    cr_expect(strstr(l, "[beta]"), "service changes under R: %s", l);
    free(l);
    l = line_with(o, " evil");
    cr_expect(strstr(l, "evil?[31m"), "escape not sanitized: %s", l);
    cr_expect_null(strchr(l, '\x1b'));
    cr_expect_null(strstr(l, "[beta]"), "same service as parent: %s", l);
    cr_expect(strstr(l, "100 ns  internal"), "%s", l);
    free(l);
    l = line_with(o, " C1 ");
    cr_expect(strstr(l, "client    ERROR \"boom\""), "%s", l);
    free(l);
    l = line_with(o, " O ");
    cr_expect(strstr(l, "<orphan: parent deadbeefdeadbeef not found>"), "%s",
              l);
    free(l);
    l = line_with(o, " X ");
    cr_expect(strstr(l, "<cycle"), "%s", l);
    free(l);
    l = line_with(o, " S ");
    cr_expect(strstr(l, "300 ns"), "numeric times: %s", l);
    free(l);

    cr_expect(strstr(o, "3 traces (3 shown), 8 spans, 1 error, 1 orphan "
                        "from 2 files; skipped 2 malformed lines, 1 invalid "
                        "span, 1 duplicate\n"),
              "summary:\n%s", o);
    /* Each problem is reported with its file and line. */
    char want[600];
    snprintf(want, sizeof want, "%s:2:", g_a);
    cr_expect(strstr(r.err, want), "stderr: %s", r.err);
    cr_expect(strstr(r.err, "malformed JSON"), "%s", r.err);
    snprintf(want, sizeof want, "%s:4: not an OTLP", g_a);
    cr_expect(strstr(r.err, want), "stderr: %s", r.err);
    snprintf(want, sizeof want, "%s:5: span without a valid", g_a);
    cr_expect(strstr(r.err, want), "stderr: %s", r.err);
    tool_result_free(&r);
}

Test(traceview, select_one_trace) {
    const char *argv[] = {g_bin, "--trace", "1111", g_a, g_b, NULL};
    tool_result r = tool_run(argv, NULL, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_geq(find_line(r.out, "Trace " T1, NULL), 0, "%s", r.out);
    cr_expect_eq(find_line(r.out, "Trace " T2, NULL), -1, "%s", r.out);
    cr_expect_eq(find_line(r.out, "Trace " T3, NULL), -1, "%s", r.out);
    cr_expect(strstr(r.out, "3 traces (1 shown)"), "%s", r.out);
    tool_result_free(&r);

    const char *argv2[] = {g_bin, "--last", g_a, g_b, NULL};
    r = tool_run(argv2, NULL, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_geq(find_line(r.out, "Trace " T3, NULL), 0, "%s", r.out);
    cr_expect(strstr(r.out, "(1 shown)"), "%s", r.out);
    tool_result_free(&r);

    const char *argv3[] = {g_bin, "--max", "1", g_a, g_b, NULL};
    r = tool_run(argv3, NULL, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_geq(find_line(r.out, "Trace " T2, NULL), 0, "%s", r.out);
    cr_expect_eq(find_line(r.out, "Trace " T1, NULL), -1, "%s", r.out);
    tool_result_free(&r);

    const char *argv4[] = {g_bin, "--trace", "9999abcd", g_a, NULL};
    r = tool_run(argv4, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "no trace with id 9999abcd"), "%s", r.err);
    tool_result_free(&r);
}

Test(traceview, bad_arguments_and_missing_files) {
    const char *argv[] = {g_bin, NULL};
    tool_result r = tool_run(argv, NULL, NULL);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "no input file"), "%s", r.err);
    tool_result_free(&r);

    const char *argv2[] = {g_bin, "--trace", "xyz!", g_a, NULL};
    r = tool_run(argv2, NULL, NULL);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--trace: expected 4 to 32 hex digits"), "%s",
              r.err);
    tool_result_free(&r);

    const char *argv3[] = {g_bin, "--last", "--trace", "1111", g_a, NULL};
    r = tool_run(argv3, NULL, NULL);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "cannot be combined"), "%s", r.err);
    tool_result_free(&r);

    /* A missing file is reported; the others are still shown. */
    const char *argv4[] = {g_bin, "/nonexistent/x.jsonl", g_b, NULL};
    r = tool_run(argv4, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "cannot open /nonexistent/x.jsonl"), "%s", r.err);
    cr_expect(strstr(r.out, " C2 "), "%s", r.out);
    cr_expect(strstr(r.out, "<orphan: parent aaaaaaaaaaaaaaa1"), "%s", r.out);
    tool_result_free(&r);
}

/* Nothing to show is not an error (and sorts nothing: an empty array). */
Test(traceview, empty_file) {
    char path[512];
    snprintf(path, sizeof path, "%s/empty.jsonl", test_tmpdir());
    write_file(path, "");
    const char *argv[] = {g_bin, path, NULL};
    tool_result r = tool_run(argv, NULL, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "0 traces (0 shown), 0 spans, 0 errors, 0 "
                            "orphans from 1 file\n");
    cr_expect_str_eq(r.err, "");
    tool_result_free(&r);
}
