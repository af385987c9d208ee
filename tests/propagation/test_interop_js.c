/*
 * tests/propagation/test_interop_js.c - otelc's propagators against
 * OpenTelemetry JS's own (W3C trace context and baggage, B3 single and
 * multi, Jaeger), run in node from tests/peers/otel-js: what otelc injects
 * the JS SDK extracts to the same context, what the JS SDK injects otelc
 * extracts, and both agree on which traceparents are valid.
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "propagation/prop_helpers.h"

#ifndef OTELC_NODE
#define OTELC_NODE ""
#endif

/* Run the peer on `input`; returns its stdout (malloc'd). */
static char *peer(const char *input) {
    cr_assert(OTELC_NODE[0] && access(OTELC_NODE, X_OK) == 0,
              "node is needed for the interop test (Node.js and npm come "
              "with every machine of this project's kind)");
    char mod[512];
    snprintf(mod, sizeof mod, "%s/@opentelemetry/propagator-jaeger",
             OTELC_JS_MODULES);
    cr_assert(access(mod, R_OK) == 0,
              "OpenTelemetry JS is not installed in %s: re-run cmake with "
              "npm reaching the registry (tests/CMakeLists.txt runs npm ci)",
              OTELC_JS_MODULES);
    char path[] = "/tmp/otelc-js-in-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    size_t n = strlen(input);
    cr_assert_eq(write(fd, input, n), (ssize_t)n);
    lseek(fd, 0, SEEK_SET);
    int out[2];
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 0);
        dup2(out[1], 1);
        close(out[0]);
        setenv("NODE_PATH", OTELC_JS_MODULES, 1);
        execl(OTELC_NODE, OTELC_NODE, OTELC_JS_PEER, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    close(fd);
    unlink(path);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(out[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "node peer failed: %s", buf);
    return buf;
}

/* The i-th record of a peer answer (records separated by "\n---\n"). */
static char *record(const char *all, int i) {
    const char *p = all;
    for (int k = 0; k < i; k++) {
        p = strstr(p, "\n---\n");
        cr_assert_not_null(p, "answer %d missing", i);
        p += 5;
    }
    const char *e = strstr(p, "\n---\n");
    size_t n = e ? (size_t)(e - p) : strlen(p);
    while (n && p[n - 1] == '\n')
        n--;
    return strndup(p, n);
}

/* The value after "<key> " on the line starting with key, or NULL. */
static char *line_val(const char *rec, const char *key) {
    size_t kl = strlen(key);
    for (const char *p = rec; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > kl && !strncmp(p, key, kl) && p[kl] == ' ')
            return strndup(p + kl + 1, n - kl - 1);
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

/* ---- otelc injects, JS extracts ------------------------------------------ */

typedef struct ctx_case {
    const char *format;
    const char *tid, *sid;
    uint8_t flags; /* otelc flags (may include DEBUG) */
    const char *ts;
    const char *bag[4][2];
} ctx_case;

static const ctx_case cases[] = {
    {"tracecontext",
     "4bf92f3577b34da6a3ce929d0e0e4736",
     "00f067aa0ba902b7",
     1,
     "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
     {{0}}},
    {"tracecontext",
     "0af7651916cd43dd8448eb211c80319c",
     "b7ad6b7169203331",
     0,
     NULL,
     {{0}}},
    {"baggage",
     NULL,
     NULL,
     0,
     NULL,
     {{"serverNode", "DF 28"},
      {"eq", "a=b;c,d"},
      {"utf", "caf\xc3\xa9"},
      {"pct", "100%"}}},
    {"b3",
     "80f198ee56343ba864fe8b2a57d3eff7",
     "e457b5a2e4d86bd1",
     1,
     NULL,
     {{0}}},
    {"b3",
     "80f198ee56343ba864fe8b2a57d3eff7",
     "e457b5a2e4d86bd1",
     0,
     NULL,
     {{0}}},
    {"b3",
     "80f198ee56343ba864fe8b2a57d3eff7",
     "e457b5a2e4d86bd1",
     OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG,
     NULL,
     {{0}}},
    {"b3multi",
     "80f198ee56343ba864fe8b2a57d3eff7",
     "e457b5a2e4d86bd1",
     1,
     NULL,
     {{0}}},
    {"b3multi",
     "0000000000000000a3ce929d0e0e4736",
     "e457b5a2e4d86bd1",
     0,
     NULL,
     {{0}}},
    {"b3multi",
     "80f198ee56343ba864fe8b2a57d3eff7",
     "e457b5a2e4d86bd1",
     OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG,
     NULL,
     {{0}}},
    {"jaeger",
     "80f198ee56343ba864fe8b2a57d3eff7",
     "e457b5a2e4d86bd1",
     1,
     NULL,
     {{"user", "alice"}, {"node", "DF 28"}}},
    {"jaeger",
     "0000000000000000a3ce929d0e0e4736",
     "0000000000000abc",
     0,
     NULL,
     {{0}}},
};
#define NCASES (sizeof cases / sizeof *cases)

static otelc_context *case_ctx(const ctx_case *c) {
    otelc_baggage *b = NULL;
    for (int i = 0; i < 4 && c->bag[i][0]; i++) {
        otelc_baggage *nb =
            otelc_baggage_set(b, c->bag[i][0], c->bag[i][1], NULL);
        otelc_baggage_free(b);
        b = nb;
    }
    otelc_context *ctx;
    if (c->tid) {
        otelc_span_context sc = sc_of(c->tid, c->sid, c->flags);
        ctx = otelc_context_new(&sc, c->ts, b);
    } else {
        ctx = otelc_context_new(NULL, NULL, b);
    }
    otelc_baggage_free(b);
    return ctx;
}

Test(interop_js, otelc_inject_js_extract) {
    char *in = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&in, &len);
    for (size_t i = 0; i < NCASES; i++) {
        otelc_context *ctx = case_ctx(&cases[i]);
        otelc_textmap *m = inject_with(cases[i].format, ctx);
        cr_assert_gt(otelc_textmap_count(m), 0);
        fprintf(f, "%sop extract\nformat %s\n", i ? "---\n" : "",
                cases[i].format);
        const char *n, *v;
        for (size_t k = 0; otelc_textmap_entry(m, k, &n, &v); k++)
            fprintf(f, "h %s\t%s\n", n, v);
        otelc_textmap_free(m);
        otelc_context_free(ctx);
    }
    fclose(f);
    char *ans = peer(in);
    for (size_t i = 0; i < NCASES; i++) {
        const ctx_case *c = &cases[i];
        char *rec = record(ans, (int)i);
        char *sc = line_val(rec, "sc");
        cr_assert_not_null(sc, "case %zu: %s", i, rec);
        if (c->tid) {
            char want[80];
            snprintf(want, sizeof want, "%s %s %d", c->tid, c->sid,
                     c->flags & OTELC_TRACE_FLAG_SAMPLED ? 1 : 0);
            cr_assert_str_eq(sc, want, "case %zu (%s)", i, c->format);
        } else {
            cr_assert_str_eq(sc, "none");
        }
        char *ts = line_val(rec, "ts");
        if (c->ts)
            cr_assert_str_eq(ts ? ts : "", c->ts, "case %zu", i);
        char *dbg = line_val(rec, "debug");
        if (!strncmp(c->format, "b3", 2))
            cr_assert_eq(dbg != NULL, (c->flags & OTELC_TRACE_FLAG_DEBUG) != 0,
                         "case %zu: B3 debug flag", i);
        for (int b = 0; b < 4 && c->bag[b][0]; b++) {
            char want[128];
            snprintf(want, sizeof want, "bag %s\t%s", c->bag[b][0],
                     c->bag[b][1]);
            cr_assert_not_null(strstr(rec, want), "case %zu: %s in %s", i, want,
                               rec);
        }
        free(sc);
        free(ts);
        free(dbg);
        free(rec);
    }
    free(ans);
    free(in);
}

/* ---- JS injects, otelc extracts ------------------------------------------ */

Test(interop_js, js_inject_otelc_extract) {
    char *in = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&in, &len);
    for (size_t i = 0; i < NCASES; i++) {
        const ctx_case *c = &cases[i];
        fprintf(f, "%sop inject\nformat %s\n", i ? "---\n" : "", c->format);
        if (c->tid)
            fprintf(f, "trace %s\nspan %s\nflags %d\n", c->tid, c->sid,
                    c->flags & OTELC_TRACE_FLAG_SAMPLED ? 1 : 0);
        if (c->flags & OTELC_TRACE_FLAG_DEBUG)
            fprintf(f, "debug 1\n");
        if (c->ts)
            fprintf(f, "ts %s\n", c->ts);
        for (int b = 0; b < 4 && c->bag[b][0]; b++)
            fprintf(f, "bag %s\t%s\n", c->bag[b][0], c->bag[b][1]);
    }
    fclose(f);
    char *ans = peer(in);
    for (size_t i = 0; i < NCASES; i++) {
        const ctx_case *c = &cases[i];
        char *rec = record(ans, (int)i);
        otelc_textmap *m = otelc_textmap_new();
        for (const char *p = rec; p && *p;) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char *line = strndup(p, n);
            char *tab = strchr(line, '\t');
            cr_assert(!strncmp(line, "h ", 2) && tab, "bad line %s", line);
            *tab = '\0';
            otelc_textmap_add(m, line + 2, tab + 1);
            free(line);
            p = e ? e + 1 : NULL;
        }
        otelc_carrier car = otelc_textmap_carrier(m);
        otelc_propagator *p = otelc_propagator_create(c->format, NULL);
        otelc_context *got = otelc_propagator_extract(p, &car);
        cr_assert_not_null(got, "case %zu (%s): %s", i, c->format, rec);
        if (c->tid) {
            otelc_span_context sc = otelc_context_span_context(got);
            cr_assert_str_eq(ctx_trace_hex(got), c->tid, "case %zu", i);
            cr_assert_str_eq(ctx_span_hex(got), c->sid, "case %zu", i);
            cr_assert_eq(sc.trace_flags, c->flags, "case %zu (%s): %02x", i,
                         c->format, sc.trace_flags);
        }
        if (c->ts)
            cr_assert_str_eq(otelc_context_trace_state(got), c->ts);
        for (int b = 0; b < 4 && c->bag[b][0]; b++)
            cr_assert_str_eq(
                otelc_baggage_get(otelc_context_baggage(got), c->bag[b][0]),
                c->bag[b][1], "case %zu", i);
        otelc_context_free(got);
        otelc_propagator_free(p);
        otelc_textmap_free(m);
        free(rec);
    }
    free(ans);
    free(in);
}

/* ---- both sides agree on validity ---------------------------------------- */

Test(interop_js, traceparent_validity_agrees) {
    static const char *tps[] = {
        "00-12345678901234567890123456789012-1234567890123456-01",
        "00-12345678901234567890123456789012-1234567890123456-00",
        "cc-12345678901234567890123456789012-1234567890123456-01",
        "cc-12345678901234567890123456789012-1234567890123456-01-future",
        " 00-12345678901234567890123456789012-1234567890123456-01",
        "ff-12345678901234567890123456789012-1234567890123456-01",
        "00-12345678901234567890123456789012-1234567890123456-01-extra",
        "00-00000000000000000000000000000000-1234567890123456-01",
        "00-12345678901234567890123456789012-0000000000000000-01",
        "00-1234567890123456789012345678901-1234567890123456-01",
        "00-12345678901234567890123456789012-123456789012345-01",
        "00-12345678901234567890123456789012-1234567890123456-1",
        "00-12345678901234567890123456789012-1234567890123456-0x",
        "0-12345678901234567890123456789012-1234567890123456-01",
        "00-12345678901234567890123456789012-1234567890123456-01.",
    };
    const size_t n = sizeof tps / sizeof *tps;
    char *in = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&in, &len);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%sop extract\nformat tracecontext\nh traceparent\t%s\n",
                i ? "---\n" : "", tps[i]);
    fclose(f);
    char *ans = peer(in);
    int valid = 0;
    for (size_t i = 0; i < n; i++) {
        char *rec = record(ans, (int)i);
        bool js_valid = strncmp(rec, "sc none", 7) != 0;
        otelc_context *c =
            extract_with("tracecontext", "traceparent", tps[i], NULL);
        cr_assert_eq(c != NULL, js_valid, "\"%s\": otelc %s, JS %s", tps[i],
                     c ? "valid" : "invalid", js_valid ? "valid" : "invalid");
        valid += js_valid;
        otelc_context_free(c);
        free(rec);
    }
    cr_assert_eq(valid, 5, "the first five are the valid ones");
    free(ans);
    free(in);
}
