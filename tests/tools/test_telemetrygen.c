/*
 * tests/tools/test_telemetrygen.c - otelc-telemetrygen, run as a user runs
 * it: the built binary in a child process, its output checked against the
 * file it wrote, decoded by Python's json (tests/tools/check_traces.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/test_support.h"
#include "tools/tool_run.h"

#define CHECKER OTELC_TESTS_DIR "/tools/check_traces.py"

static char *g_bin;

static void setup(void) {
    g_bin = tool_path("otelc-telemetrygen");
}
static void teardown(void) {
    free(g_bin);
}

TestSuite(telemetrygen, .init = setup, .fini = teardown);

/* "OTELC_FILE_PATH=<dir>/<name>", malloc'd. */
static char *file_env(const char *dir, const char *name, char **path) {
    char *e = NULL;
    cr_assert(asprintf(path, "%s/%s", dir, name) > 0);
    cr_assert(asprintf(&e, "OTELC_FILE_PATH=%s", *path) > 0);
    return e;
}

Test(telemetrygen, file_export_end_to_end) {
    const char *dir = test_tmpdir();
    char *path;
    char *fenv = file_env(dir, "out/traces.jsonl", &path);
    const char *env[] = {fenv, NULL};
    const char *argv[] = {g_bin,  "--traces",  "200",     "--depth",
                          "4",    "--attrs",   "6",       "--threads",
                          "2",    "--service", "tg-test", "--exporter",
                          "file", NULL};
    tool_result r = tool_run(argv, env, dir);
    cr_assert_eq(r.status, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", r.status,
                 r.out, r.err);
    cr_expect_eq(field_after(r.out, "traces:"), 200, "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans started:"), 800, "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans sampled:"), 800, "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans exported:"), 800, "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans dropped:"), 0, "%s", r.out);
    cr_expect(strstr(r.out, "service \"tg-test\""), "%s", r.out);
    cr_expect(strstr(r.out, "traces to file"), "%s", r.out);
    cr_expect_gt(field_after(r.out, "spans/s:"), 0, "%s", r.out);

    char *py = NULL;
    const char *args[] = {path, "200", "4", "6", "tg-test", NULL};
    int rc = run_python(CHECKER, args, &py);
    cr_expect_eq(rc, 0, "checker: %s", py);
    cr_expect(strstr(py, "OK traces=200 spans=800"), "checker: %s", py);
    free(py);

    /* The viewer reads the same file back into 200 four-level trees. */
    char *tv = tool_path("otelc-traceview");
    const char *vargv[] = {tv, path, NULL};
    tool_result v = tool_run(vargv, NULL, dir);
    cr_expect_eq(v.status, 0, "%s", v.err);
    cr_expect(strstr(v.out, "200 traces (200 shown), 800 spans, 0 errors, "
                            "0 orphans from 1 file"),
              "%s", v.out);
    cr_expect(strstr(v.out, "\n        tg.level.3 "), "no depth-3 line");
    tool_result_free(&v);
    free(tv);

    tool_result_free(&r);
    free(fenv);
    free(path);
}

/* A queue of 16 spans cannot absorb a burst: the summary must account for
 * every sampled span as exported or dropped (queue full), and the file
 * must hold exactly the exported ones. */
Test(telemetrygen, drops_are_counted_by_reason) {
    const char *dir = test_tmpdir();
    char *path;
    char *fenv = file_env(dir, "drops.jsonl", &path);
    const char *env[] = {fenv, "OTEL_BSP_MAX_QUEUE_SIZE=16",
                         "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=16",
                         "OTEL_BSP_SCHEDULE_DELAY=60000", NULL};
    const char *argv[] = {g_bin, "--traces",   "5000", "--depth",
                          "2",   "--exporter", "file", NULL};
    tool_result r = tool_run(argv, env, dir);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    long long sampled = field_after(r.out, "spans sampled:");
    long long exported = field_after(r.out, "spans exported:");
    long long dropped = field_after(r.out, "spans dropped:");
    long long queue_full = field_after(r.out, "(queue full");
    cr_expect_eq(sampled, 10000, "%s", r.out);
    cr_expect_gt(dropped, 0, "%s", r.out);
    cr_expect_eq(exported + dropped, sampled, "%s", r.out);
    cr_expect_eq(queue_full, dropped, "%s", r.out);

    /* Count the spans in the file with Python's json. */
    char *script;
    cr_assert(asprintf(&script, "%s/count.py", dir) > 0);
    write_file(script, "import json,sys\n"
                       "n=0\n"
                       "for l in open(sys.argv[1]):\n"
                       "  for rs in json.loads(l)['resourceSpans']:\n"
                       "    for ss in rs['scopeSpans']: n+=len(ss['spans'])\n"
                       "print(n)\n");
    char *py = NULL;
    const char *args[] = {path, NULL};
    cr_assert_eq(run_python(script, args, &py), 0, "%s", py);
    cr_expect_eq(atoll(py), exported, "file has %s spans, summary %lld", py,
                 exported);
    free(py);
    free(script);
    tool_result_free(&r);
    free(fenv);
    free(path);
}

/* The environment applies (otelc_init reads it): a sampler that drops
 * everything leaves every span non-recording. */
Test(telemetrygen, honours_otel_variables) {
    const char *dir = test_tmpdir();
    const char *env[] = {"OTEL_TRACES_SAMPLER=always_off",
                         "OTEL_SERVICE_NAME=from-env", NULL};
    const char *argv[] = {g_bin, "--traces",   "100",  "--depth",
                          "3",   "--exporter", "none", NULL};
    tool_result r = tool_run(argv, env, dir);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_expect_eq(field_after(r.out, "spans started:"), 300, "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans sampled:"), 0, "%s", r.out);
    cr_expect(strstr(r.out, "(300 not recording)"), "%s", r.out);
    cr_expect(strstr(r.out, "sampler:         AlwaysOffSampler\n"), "%s",
              r.out);
    cr_expect(strstr(r.out, "service \"from-env\""), "%s", r.out);
    tool_result_free(&r);

    /* --service is an option set in code: it wins over the environment. */
    const char *argv2[] = {g_bin,      "--traces",   "1",    "--service",
                           "from-cli", "--exporter", "none", NULL};
    r = tool_run(argv2, env, dir);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_expect(strstr(r.out, "service \"from-cli\""), "%s", r.out);
    tool_result_free(&r);
}

Test(telemetrygen, exporter_none_exports_nothing) {
    const char *dir = test_tmpdir();
    const char *argv[] = {g_bin, "-n", "50", "-d",   "2",
                          "-a",  "0",  "-e", "none", NULL};
    tool_result r = tool_run(argv, NULL, dir);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_expect_eq(field_after(r.out, "spans sampled:"), 100, "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans exported:"), 0, "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans dropped:"), 0, "%s", r.out);
    char *def;
    cr_assert(asprintf(&def, "%s/otelc-traces.jsonl", dir) > 0);
    cr_expect_eq(access(def, F_OK), -1, "none wrote %s", def);
    free(def);
    tool_result_free(&r);
}

/* otlp and jaeger: when this build lacks them, the tool refuses to start
 * (a load test that exports nothing measures nothing); once built, it
 * runs (here against a closed port, so the spans are dropped, counted). */
static void check_optional_exporter(const char *name) {
    otelc_diag_set_level(OTELC_DIAG_NONE);
    otelc_status st = OTELC_OK;
    otelc_span_exporter *e = otelc_span_exporter_create(name, &st);
    otelc_span_exporter_free(e);
    otelc_diag_set_level(OTELC_DIAG_INFO);
    const char *dir = test_tmpdir();
    const char *env[] = {"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1",
                         "OTEL_EXPORTER_JAEGER_ENDPOINT="
                         "http://127.0.0.1:1/api/traces",
                         NULL};
    const char *argv[] = {g_bin, "--traces",  "3",    "--exporter",
                          name,  "--timeout", "2000", NULL};
    tool_result r = tool_run(argv, env, dir);
    if (st == OTELC_EUNSUPPORTED) {
        cr_expect_eq(r.status, 1, "exit %d: %s%s", r.status, r.out, r.err);
        char want[128];
        snprintf(want, sizeof want,
                 "exporter \"%s\" is not built into this "
                 "otelc",
                 name);
        cr_expect(strstr(r.err, want), "stderr: %s", r.err);
        cr_expect(strstr(r.err, "-DOTELC_WITH_"), "stderr: %s", r.err);
        cr_expect_null(strstr(r.out, "spans started"), "it ran: %s", r.out);
    } else {
        cr_expect_eq(st, OTELC_OK);
        cr_expect_eq(r.status, 0, "exit %d: %s%s", r.status, r.out, r.err);
        cr_expect_eq(field_after(r.out, "spans started:"), 9, "%s", r.out);
    }
    tool_result_free(&r);
}

Test(telemetrygen, otlp_exporter_when_not_built) {
    check_optional_exporter("otlp");
}

Test(telemetrygen, jaeger_exporter_when_not_built) {
    check_optional_exporter("jaeger");
}

/* Without --exporter the configured OTEL_TRACES_EXPORTER is probed too. */
Test(telemetrygen, configured_exporter_is_probed) {
    otelc_diag_set_level(OTELC_DIAG_NONE);
    otelc_status st = OTELC_OK;
    otelc_span_exporter_free(otelc_span_exporter_create("jaeger", &st));
    otelc_diag_set_level(OTELC_DIAG_INFO);
    const char *dir = test_tmpdir();
    /* Once Jaeger is built, it sends to a closed port: keep it short. */
    const char *env[] = {"OTEL_TRACES_EXPORTER=console,jaeger",
                         "OTEL_EXPORTER_JAEGER_ENDPOINT="
                         "http://127.0.0.1:1/api/traces",
                         NULL};
    const char *argv[] = {g_bin, "--traces", "1", "--timeout", "2000", NULL};
    tool_result r = tool_run(argv, env, dir);
    if (st == OTELC_EUNSUPPORTED) {
        cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
        cr_expect(strstr(r.err, "exporter \"jaeger\" is not built"), "%s",
                  r.err);
    } else {
        cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
    }
    tool_result_free(&r);
}

Test(telemetrygen, console_exporter_prints_spans) {
    const char *dir = test_tmpdir();
    const char *argv[] = {g_bin, "-n", "2", "-d", "2", "-e", "console", NULL};
    tool_result r = tool_run(argv, NULL, dir);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_expect(strstr(r.out, "tg.level.1"), "%s", r.out);
    cr_expect_eq(field_after(r.out, "spans exported:"), 4, "%s", r.out);
    tool_result_free(&r);
}

typedef struct bad_case {
    const char *args[4];
    const char *message;
} bad_case;

Test(telemetrygen, bad_arguments_exit_2_with_a_message) {
    static const bad_case cases[] = {
        {{"--traces", "abc"}, "--traces: expected an integer"},
        {{"--traces", "-5"}, "--traces: expected an integer"},
        {{"--depth", "0"}, "--depth: expected an integer from 1 to 10000"},
        {{"--depth", "10001"}, "--depth: expected an integer from 1"},
        {{"--threads", "0"}, "--threads: expected an integer from 1"},
        {{"--attrs", "3x"}, "--attrs: expected an integer"},
        {{"--rate", "-1"}, "--rate: expected a number"},
        {{"--rate", "nan"}, "--rate: expected a number"},
        {{"--duration", "0"}, "--duration: expected a number"},
        {{"--exporter", "zipkin"}, "unknown exporter \"zipkin\""},
        {{"--exporter", "file,"}, "unknown exporter \"\""},
        {{"--service", ""}, "--service: expected a non-empty value"},
        {{"--bogus"}, "unknown option '--bogus'"},
        {{"-x"}, "unknown option '-x'"},
        {{"--traces"}, "option '--traces' needs a value"},
        {{"--help=yes"}, "option '--help' takes no value"},
        {{"stray"}, "unexpected argument 'stray'"},
    };
    const char *dir = test_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[6] = {g_bin};
        for (size_t k = 0; k < 4 && cases[i].args[k]; k++)
            argv[k + 1] = cases[i].args[k];
        tool_result r = tool_run(argv, NULL, dir);
        cr_expect_eq(r.status, 2, "case %zu (%s): exit %d", i, cases[i].message,
                     r.status);
        cr_expect(strstr(r.err, cases[i].message), "case %zu: stderr: %s", i,
                  r.err);
        cr_expect(strstr(r.err, "Try 'otelc-telemetrygen --help'."),
                  "case %zu: %s", i, r.err);
        cr_expect_eq(r.out[0], '\0', "case %zu printed: %s", i, r.out);
        tool_result_free(&r);
    }
}

Test(telemetrygen, help_lists_every_option) {
    const char *argv[] = {g_bin, "--help", NULL};
    tool_result r = tool_run(argv, NULL, NULL);
    cr_assert_eq(r.status, 0);
    static const char *const opts[] = {
        "--traces N",   "--depth D",    "--attrs K",      "--threads T",
        "--rate R",     "--duration S", "--service NAME", "--exporter LIST",
        "--timeout MS", "--help",       "OTEL_"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        cr_expect(strstr(r.out, opts[i]), "help lacks %s:\n%s", opts[i], r.out);
    tool_result_free(&r);
}

/* Pacing: trace number k is due k/R seconds after the start, so 30 traces
 * at 20/s cannot finish before 29/20 = 1.45 s (a lower bound, which load
 * on the machine can only lengthen).  stderr is a pipe here, so there is
 * no progress line even though the run passes 1 s. */
Test(telemetrygen, rate_paces_traces) {
    const char *argv[] = {g_bin,  "--traces",  "30", "--rate",
                          "20",   "--threads", "3",  "--exporter",
                          "none", NULL};
    tool_result r = tool_run(argv, NULL, test_tmpdir());
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_expect_eq(field_after(r.out, "traces:"), 30, "%s", r.out);
    const char *el = strstr(r.out, "elapsed:");
    cr_assert_not_null(el);
    double gen = atof(el + strlen("elapsed:"));
    cr_expect_geq(gen, 1.45, "generated in %.3f s", gen);
    cr_expect_null(strchr(r.err, '\r'), "progress on a pipe: %s", r.err);
    tool_result_free(&r);
}

/* --duration alone: no trace limit, stops at the deadline.  With a rate
 * too, at most duration x rate traces can be due before it. */
Test(telemetrygen, duration_bounds_the_run) {
    const char *argv[] = {g_bin,  "--duration", "0.5", "--exporter",
                          "none", "--depth",    "1",   NULL};
    tool_result r = tool_run(argv, NULL, test_tmpdir());
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_expect_gt(field_after(r.out, "traces:"), 0, "%s", r.out);
    const char *el = strstr(r.out, "elapsed:");
    cr_assert_not_null(el);
    cr_expect_geq(atof(el + strlen("elapsed:")), 0.5, "%s", r.out);
    tool_result_free(&r);

    const char *argv2[] = {g_bin, "--duration", "0.5",  "--rate",
                           "10",  "--exporter", "none", NULL};
    r = tool_run(argv2, NULL, test_tmpdir());
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    long long n = field_after(r.out, "traces:");
    cr_expect(n >= 1 && n <= 5, "%lld traces in 0.5 s at 10/s", n);
    tool_result_free(&r);

    /* --traces and --duration: whichever comes first (here the count). */
    const char *argv3[] = {g_bin, "--traces",   "7",    "--duration",
                           "600", "--exporter", "none", NULL};
    r = tool_run(argv3, NULL, test_tmpdir());
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_expect_eq(field_after(r.out, "traces:"), 7, "%s", r.out);
    tool_result_free(&r);
}

/* On a terminal, a run longer than 2 s shows a progress line rewritten
 * with carriage returns, and clears it before the summary. */
Test(telemetrygen, progress_line_on_a_terminal) {
    const char *argv[] = {g_bin, "--duration", "3.5",  "--rate",
                          "200", "--exporter", "none", NULL};
    tool_result r = tool_run_pty(argv, NULL, test_tmpdir());
    cr_assert_eq(r.status, 0, "%s", r.out);
    /* The progress text: from a carriage return to the next one. */
    const char *p = strstr(r.out, "\rotelc-telemetrygen: ");
    cr_assert_not_null(p, "no progress line: %s", r.out);
    char *line = strndup(p + 1, strcspn(p + 1, "\r\n"));
    cr_expect(strstr(line, " s, "), "progress: %s", line);
    cr_expect(strstr(line, " traces ("), "progress: %s", line);
    cr_expect(strstr(line, "/s), 0 spans exported, 0 dropped"), "progress: %s",
              line);
    free(line);
    /* Then it is blanked out and the summary follows. */
    const char *sum = strstr(r.out, "spans started:");
    cr_expect(sum && sum > p, "output: %s", r.out);
    tool_result_free(&r);
}

/* --logs: one INFO record inside each span, through the configured sinks;
 * every log line's trace_id/span_id is the span it was made in (checked
 * by tests/log/check_correlation.py with Python's json). */
Test(telemetrygen, logs_are_correlated_with_the_spans) {
    const char *dir = test_tmpdir();
    char *path;
    char *fenv = file_env(dir, "traces.jsonl", &path);
    char logenv[600], logpath[512];
    snprintf(logpath, sizeof logpath, "%s/app.log", dir);
    snprintf(logenv, sizeof logenv, "LOG_FILE=%s", logpath);
    const char *env[] = {fenv,
                         logenv,
                         "ENABLE_FILE_LOGGING=true",
                         "ENABLE_CONSOLE_LOGGING=false",
                         "LOG_FORMAT=json",
                         NULL};
    const char *argv[] = {g_bin,    "--traces",   "50",   "--depth", "3",
                          "--logs", "--exporter", "file", NULL};
    tool_result r = tool_run(argv, env, dir);
    cr_assert_eq(r.status, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", r.status,
                 r.out, r.err);
    cr_expect(strstr(r.out, "150 records emitted, 0 dropped"), "%s", r.out);
    char *py = NULL;
    const char *args[] = {path, logpath, "150", NULL};
    int rc = run_python(OTELC_TESTS_DIR "/log/check_correlation.py", args, &py);
    cr_expect_eq(rc, 0, "checker: %s", py);
    cr_expect(strstr(py, "ok"), "checker: %s", py);
    free(py);
    tool_result_free(&r);
    free(fenv);
    free(path);
}
