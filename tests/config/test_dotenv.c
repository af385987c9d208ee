/*
 * tests/config/test_dotenv.c - the .env parser (sdk/dotenv.c) on its own,
 * and .env files read by the configuration loader: syntax, error recovery
 * with file:line diagnostics, and the layer's place in the precedence
 * defaults < .env < environment < code.
 *
 * Criterion runs each test in its own process, so setenv()/chdir() here
 * cannot leak into another test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "support/test_support.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct pair {
    char name[256];
    char *value;
    int line;
} pair;

typedef struct pairs {
    pair p[64];
    int n;
} pairs;

static void collect(const char *name, const char *value, int line, void *arg) {
    pairs *ps = arg;
    cr_assert_lt(ps->n, 64);
    pair *p = &ps->p[ps->n++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->value = strdup(value);
    p->line = line;
}

static pairs g_pairs;

/* Parse text as a .env file labelled "t.env", capturing diagnostics. */
static pairs *parse(const char *text) {
    for (int i = 0; i < g_pairs.n; i++)
        free(g_pairs.p[i].value);
    memset(&g_pairs, 0, sizeof g_pairs);
    diag_capture_start();
    otelc__dotenv_parse_buffer(text, strlen(text), "t.env", collect, &g_pairs);
    return &g_pairs;
}

static const pair *get(const pairs *ps, const char *name) {
    const pair *found = NULL;
    for (int i = 0; i < ps->n; i++)
        if (!strcmp(ps->p[i].name, name))
            found = &ps->p[i];
    return found;
}

static void expect(const pairs *ps, const char *name, const char *value,
                   int line) {
    const pair *p = get(ps, name);
    cr_assert_not_null(p, "%s was not read; diagnostics:\n%s", name,
                       diag_captured());
    cr_assert_str_eq(p->value, value, "%s", name);
    if (line)
        cr_assert_eq(p->line, line, "%s: line %d, expected %d", name, p->line,
                     line);
}

static int diag_lines(void) {
    return diag_count("", NULL);
}

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

/* Load the configuration afresh, capturing its diagnostics. */
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

/* ---- syntax -------------------------------------------------------------- */

Test(dotenv, comments_and_blank_lines_are_skipped) {
    pairs *ps = parse("# a comment\n"
                      "\n"
                      "   # an indented comment\n"
                      "\t\n"
                      "A=1\n"
                      "#B=2\n"
                      "\n");
    cr_assert_eq(ps->n, 1);
    expect(ps, "A", "1", 5);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, export_prefix_is_optional) {
    pairs *ps = parse("export A=1\n"
                      "export\tB=2\n"
                      "export   C = 3\n"
                      "export=4\n"
                      "exportD=5\n");
    expect(ps, "A", "1", 1);
    expect(ps, "B", "2", 2);
    expect(ps, "C", "3", 3);
    expect(ps, "export", "4", 4);
    expect(ps, "exportD", "5", 5);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, single_quotes_are_literal) {
    pairs *ps = parse("A='x $HOME \\n \"y\" # not a comment'\n"
                      "B=''\n");
    expect(ps, "A", "x $HOME \\n \"y\" # not a comment", 1);
    expect(ps, "B", "", 2);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, double_quotes_decode_escapes) {
    pairs *ps = parse("A=\"a\\\"b\\\\c\\nd\\te\\$f\\qg\\rh\"\n"
                      "B=\"# not a comment\"\n"
                      "C=\"\"\n");
    expect(ps, "A", "a\"b\\c\nd\te$f\\qg\rh", 1);
    expect(ps, "B", "# not a comment", 2);
    expect(ps, "C", "", 3);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, double_quoted_value_may_span_lines) {
    pairs *ps = parse("KEY=\"-----BEGIN-----\n"
                      "line two\n"
                      "-----END-----\"\n"
                      "NEXT=after\n");
    expect(ps, "KEY", "-----BEGIN-----\nline two\n-----END-----", 1);
    expect(ps, "NEXT", "after", 4);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, multi_line_value_with_crlf_line_endings) {
    pairs *ps = parse("A=\"l1\r\nl2\"\r\nB=x\r\n");
    expect(ps, "A", "l1\nl2", 1);
    expect(ps, "B", "x", 3);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, trailing_comments) {
    pairs *ps = parse("A=v # comment\n"
                      "B=\"q\" # comment with \"quotes\"\n"
                      "C='s'#c\n"
                      "D=a#b\n"
                      "E=a\t#c\n"
                      "F= # only a comment\n"
                      "G=#x\n");
    expect(ps, "A", "v", 1);
    expect(ps, "B", "q", 2);
    expect(ps, "C", "s", 3);
    expect(ps, "D", "a#b", 4); /* '#' without a blank before it is data */
    expect(ps, "E", "a", 5);
    expect(ps, "F", "", 6);
    expect(ps, "G", "#x", 7);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, crlf_line_endings) {
    pairs *ps = parse("A=1\r\nB= two \r\n\r\nC=\"3\"\r\n# c\r\nD='4' \r\n");
    expect(ps, "A", "1", 1);
    expect(ps, "B", "two", 2);
    expect(ps, "C", "3", 4);
    expect(ps, "D", "4", 6);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, values_containing_equals_and_hash) {
    pairs *ps = parse("URL=http://h:1/p?a=b&c=d#frag\n"
                      "KV=a=b=c\n"
                      "HDR=\"k=v,k2=v2 #x\"\n");
    expect(ps, "URL", "http://h:1/p?a=b&c=d#frag", 1);
    expect(ps, "KV", "a=b=c", 2);
    expect(ps, "HDR", "k=v,k2=v2 #x", 3);
}

Test(dotenv, empty_values) {
    pairs *ps = parse("A=\nB=\"\"\nC=''\nD=   \n");
    expect(ps, "A", "", 1);
    expect(ps, "B", "", 2);
    expect(ps, "C", "", 3);
    expect(ps, "D", "", 4);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, blanks_around_the_equals_sign_and_name_characters) {
    pairs *ps = parse("A = 1\nmy.app-setting_2=x\n");
    expect(ps, "A", "1", 1);
    expect(ps, "my.app-setting_2", "x", 2);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv, later_assignment_wins) {
    pairs *ps = parse("A=1\nA=2\n");
    expect(ps, "A", "2", 2);
}

Test(dotenv, byte_order_mark_is_skipped) {
    pairs *ps = parse("\xEF\xBB\xBF"
                      "A=1\n");
    expect(ps, "A", "1", 1);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

/* ---- errors: reported with file:line, the rest is still read --------------
 */

Test(dotenv, missing_equals_is_reported_and_skipped) {
    pairs *ps = parse("A=1\n"
                      "NOEQUALS\n"
                      "B=2\n"
                      "=5\n"
                      "1X=6\n"
                      "C=3\n");
    expect(ps, "A", "1", 1);
    expect(ps, "B", "2", 3);
    expect(ps, "C", "3", 6);
    cr_assert_eq(ps->n, 3);
    cr_assert_eq(diag_count("t.env:2:", "NOEQUALS", "no '='", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(diag_count("t.env:4:", "expected NAME=value", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(diag_count("t.env:5:", "expected NAME=value", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(diag_lines(), 3, "%s", diag_captured());
}

Test(dotenv, unterminated_double_quote_skips_only_its_line) {
    pairs *ps = parse("A=1\n"
                      "B=\"open\n"
                      "C=3\n");
    expect(ps, "A", "1", 1);
    expect(ps, "C", "3", 3);
    cr_assert_null(get(ps, "B"));
    cr_assert_eq(diag_count("t.env:2:", "unterminated", "double", "B", NULL), 1,
                 "%s", diag_captured());
    cr_assert_eq(diag_lines(), 1, "%s", diag_captured());
}

Test(dotenv, unterminated_single_quote_skips_only_its_line) {
    pairs *ps = parse("A='x\nC=3\n");
    expect(ps, "C", "3", 2);
    cr_assert_null(get(ps, "A"));
    cr_assert_eq(diag_count("t.env:1:", "unterminated", "single", "A", NULL), 1,
                 "%s", diag_captured());
}

Test(dotenv, unterminated_quote_does_not_swallow_the_next_quoted_value) {
    /* The first '"' after B's opening quote is C's opening quote, followed
     * by more text: B is unterminated, and C and D are read. */
    pairs *ps = parse("B=\"open\nC=\"3\"\nD=4\n");
    cr_assert_null(get(ps, "B"));
    expect(ps, "C", "3", 2);
    expect(ps, "D", "4", 3);
    cr_assert_eq(diag_count("t.env:1:", "unterminated", "B", NULL), 1, "%s",
                 diag_captured());
}

Test(dotenv, text_after_a_closing_quote_is_reported) {
    pairs *ps = parse("A=\"x\" y\nB=2\n");
    cr_assert_null(get(ps, "A"));
    expect(ps, "B", "2", 2);
    cr_assert_eq(diag_count("t.env:1:", "after the closing quote", "A", NULL),
                 1, "%s", diag_captured());
}

Test(dotenv, overlong_name_is_reported) {
    char text[700];
    memset(text, 'N', 300);
    strcpy(text + 300, "=1\nB=2\n");
    pairs *ps = parse(text);
    cr_assert_eq(ps->n, 1);
    expect(ps, "B", "2", 2);
    cr_assert_eq(diag_count("t.env:1:", "longer than 255", NULL), 1, "%s",
                 diag_captured());
}

Test(dotenv, input_without_final_newline_and_nul_bytes) {
    pairs *ps = parse("A=1\nB=\"x\"");
    expect(ps, "A", "1", 1);
    expect(ps, "B", "x", 2);
    /* Bytes after a NUL in the buffer are parsed like any others. */
    const char buf[] = "A=x\0y\nC=3\n";
    for (int i = 0; i < g_pairs.n; i++)
        free(g_pairs.p[i].value);
    memset(&g_pairs, 0, sizeof g_pairs);
    otelc__dotenv_parse_buffer(buf, sizeof buf - 1, "t.env", collect, &g_pairs);
    expect(&g_pairs, "A", "x", 1);
    expect(&g_pairs, "C", "3", 2);
}

Test(dotenv, export_and_blanks_at_the_very_end) {
    /* Found by fuzz_dotenv: "export" and blanks ending the input made the
     * parser read past the buffer.  The buffer here is exactly sized (no
     * terminating NUL in reach), so ASan builds catch a regression. */
    static const char text[] = "A=1\nexport\t\t";
    char *exact = malloc(sizeof text - 1);
    memcpy(exact, text, sizeof text - 1);
    for (int i = 0; i < g_pairs.n; i++)
        free(g_pairs.p[i].value);
    memset(&g_pairs, 0, sizeof g_pairs);
    diag_capture_start();
    otelc__dotenv_parse_buffer(exact, sizeof text - 1, "t.env", collect,
                               &g_pairs);
    free(exact);
    expect(&g_pairs, "A", "1", 1);
    cr_assert_eq(diag_count("t.env:2:", "expected NAME=value", NULL), 1, "%s",
                 diag_captured());
}

/* ---- .env files read by the loader -----------------------------------------
 */

Test(dotenv_loader, dotenv_in_working_directory_is_read) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env",
                    "# service settings\n"
                    "export LOG_FORMAT=text\n"
                    "MY_APP_SETTING=ignored\n"
                    "OTEL_SERVICE_NAME=\"orders api\"  # the name\n"
                    "LOG_MAX_SIZE=2MB\r\n"));
    cr_assert_eq(chdir(dir), 0);
    reload(NULL);
    otelc_config_source src;
    cr_assert_str_eq(cfg("LOG_FORMAT", &src), "text");
    cr_assert_eq(src, OTELC_CONFIG_ENV_FILE);
    cr_assert_str_eq(cfg("OTEL_SERVICE_NAME", &src), "orders api");
    cr_assert_eq(src, OTELC_CONFIG_ENV_FILE);
    cr_assert_str_eq(cfg("LOG_MAX_SIZE", &src), "2097152");
    cr_assert_eq(src, OTELC_CONFIG_ENV_FILE);
    /* Unknown names are the application's business: no diagnostic. */
    cr_assert_eq(diag_count("MY_APP_SETTING", NULL), 0, "%s", diag_captured());
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv_loader, otelc_env_file_names_another_file) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env", "LOG_FORMAT=json\n"));
    char *other = write_file(dir, "other.env", "LOG_FORMAT=text\n");
    cr_assert_eq(chdir(dir), 0);
    setenv("OTELC_ENV_FILE", other, 1);
    reload(NULL);
    otelc_config_source src;
    cr_assert_str_eq(cfg("LOG_FORMAT", &src), "text");
    cr_assert_eq(src, OTELC_CONFIG_ENV_FILE);
    cr_assert_str_eq(cfg("OTELC_ENV_FILE", &src), other);
    cr_assert_eq(src, OTELC_CONFIG_ENVIRONMENT);
    free(other);
}

Test(dotenv_loader, env_file_set_in_code_wins_and_empty_disables) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env", "LOG_FORMAT=text\n"));
    char *code = write_file(dir, "code.env", "LOG_BACKUP_COUNT=9\n");
    cr_assert_eq(chdir(dir), 0);
    otelc_options *o = otelc_options_new();
    cr_assert_eq(otelc_options_set_env_file(o, code), OTELC_OK);
    reload(o);
    otelc_config_source src;
    cr_assert_str_eq(cfg("LOG_BACKUP_COUNT", &src), "9");
    cr_assert_eq(src, OTELC_CONFIG_ENV_FILE);
    cr_assert_str_eq(cfg("LOG_FORMAT", &src), "json"); /* ./.env unread */
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_str_eq(cfg("OTELC_ENV_FILE", &src), code);
    cr_assert_eq(src, OTELC_CONFIG_CODE);
    /* "" disables .env loading altogether. */
    cr_assert_eq(otelc_options_set_env_file(o, ""), OTELC_OK);
    reload(o);
    cr_assert_str_eq(cfg("LOG_FORMAT", &src), "json");
    cr_assert_str_eq(cfg("LOG_BACKUP_COUNT", &src), "5");
    otelc_options_free(o);
    free(code);
}

Test(dotenv_loader, dotenv_cannot_set_otelc_env_file) {
    const char *dir = test_tmpdir();
    char *other = write_file(dir, "other.env", "LOG_FORMAT=text\n");
    char text[600];
    snprintf(text, sizeof text, "LOG_BACKUP_COUNT=7\nOTELC_ENV_FILE=%s\n",
             other);
    free(write_file(dir, ".env", text));
    cr_assert_eq(chdir(dir), 0);
    reload(NULL);
    otelc_config_source src;
    cr_assert_str_eq(cfg("LOG_FORMAT", &src), "json"); /* other.env unread */
    cr_assert_str_eq(cfg("OTELC_ENV_FILE", &src), ".env");
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_str_eq(cfg("LOG_BACKUP_COUNT", &src), "7");
    cr_assert_eq(diag_count(".env:2:", "OTELC_ENV_FILE", other,
                            "cannot be set inside a .env file",
                            "using \".env\"", NULL),
                 1, "%s", diag_captured());
    free(other);
}

Test(dotenv_loader, precedence_defaults_dotenv_environment_code) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env",
                    "LOG_FORMAT=text\n"
                    "LOG_BACKUP_COUNT=7\n"
                    "SYSLOG_PORT=1514\n"));
    cr_assert_eq(chdir(dir), 0);
    setenv("LOG_BACKUP_COUNT", "8", 1);
    setenv("SYSLOG_PORT", "2514", 1);
    otelc_options *o = otelc_options_new();
    cr_assert_eq(otelc_options_set(o, "SYSLOG_PORT", "3514"), OTELC_OK);
    reload(o);
    otelc_options_free(o);
    otelc_config_source src;
    cr_assert_str_eq(cfg("LOG_CORRELATION_ID", &src), "true");
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_str_eq(cfg("LOG_FORMAT", &src), "text");
    cr_assert_eq(src, OTELC_CONFIG_ENV_FILE);
    cr_assert_str_eq(cfg("LOG_BACKUP_COUNT", &src), "8");
    cr_assert_eq(src, OTELC_CONFIG_ENVIRONMENT);
    cr_assert_str_eq(cfg("SYSLOG_PORT", &src), "3514");
    cr_assert_eq(src, OTELC_CONFIG_CODE);
}

Test(dotenv_loader, empty_value_in_dotenv_means_unset) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env", "LOG_FILE=\nOTEL_TRACES_EXPORTER=\"\"\n"));
    cr_assert_eq(chdir(dir), 0);
    reload(NULL);
    otelc_config_source src;
    cr_assert_str_eq(cfg("LOG_FILE", &src), "app.log");
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_str_eq(cfg("OTEL_TRACES_EXPORTER", &src), "otlp");
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
}

Test(dotenv_loader, bad_value_names_file_line_variable_value_and_fallback) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env",
                    "LOG_FORMAT=text\n"
                    "LOG_LEVEL=LOUD\n"
                    "\n"
                    "SYSLOG_PORT=99999\n"));
    cr_assert_eq(chdir(dir), 0);
    reload(NULL);
    otelc_config_source src;
    cr_assert_str_eq(cfg("LOG_LEVEL", &src), "INFO");
    cr_assert_eq(src, OTELC_CONFIG_DEFAULT);
    cr_assert_eq(diag_count(".env:2: LOG_LEVEL=\"LOUD\"", "is not one of",
                            "; using \"INFO\" (the default)", NULL),
                 1, "%s", diag_captured());
    cr_assert_eq(diag_count(".env:4: SYSLOG_PORT=\"99999\"", "1..65535",
                            "; using \"514\" (the default)", NULL),
                 1, "%s", diag_captured());
    cr_assert_eq(diag_lines(), 2, "%s", diag_captured());
}

Test(dotenv_loader, bad_dotenv_value_reports_what_the_environment_gives) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env", "LOG_BACKUP_COUNT=many\n"));
    cr_assert_eq(chdir(dir), 0);
    setenv("LOG_BACKUP_COUNT", "3", 1);
    reload(NULL);
    cr_assert_str_eq(cfg("LOG_BACKUP_COUNT", NULL), "3");
    cr_assert_eq(diag_count(".env:1: LOG_BACKUP_COUNT=\"many\"",
                            "not an integer",
                            "; using \"3\" (from the environment)", NULL),
                 1, "%s", diag_captured());
}

Test(dotenv_loader, syntax_errors_in_the_file_reach_the_diagnostics) {
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env",
                    "LOG_FORMAT=\"text\n"
                    "LOG_BACKUP_COUNT=4\n"));
    cr_assert_eq(chdir(dir), 0);
    reload(NULL);
    cr_assert_str_eq(cfg("LOG_FORMAT", NULL), "json");
    cr_assert_str_eq(cfg("LOG_BACKUP_COUNT", NULL), "4");
    cr_assert_eq(diag_count(".env:1:", "unterminated", "LOG_FORMAT", NULL), 1,
                 "%s", diag_captured());
}

Test(dotenv_loader, dotenv_log_level_filters_the_loader_own_diagnostics) {
    /* Diagnostics of a load are emitted after every layer is applied, so
     * OTEL_LOG_LEVEL from the .env itself already filters them. */
    const char *dir = test_tmpdir();
    free(write_file(dir, ".env",
                    "LOG_FORMAT=xml\n"
                    "OTEL_LOG_LEVEL=error\n"));
    cr_assert_eq(chdir(dir), 0);
    reload(NULL);
    cr_assert_eq(otelc_diag_get_level(), OTELC_DIAG_ERROR);
    cr_assert_eq(diag_count("LOG_FORMAT", NULL), 0, "%s", diag_captured());
    /* The same file at warn: the line appears. */
    free(write_file(dir, ".env",
                    "LOG_FORMAT=yaml\n"
                    "OTEL_LOG_LEVEL=warn\n"));
    reload(NULL);
    cr_assert_eq(diag_count(".env:1: LOG_FORMAT=\"yaml\"", NULL), 1, "%s",
                 diag_captured());
}

Test(dotenv_loader, missing_named_file_is_reported_missing_default_is_not) {
    const char *dir = test_tmpdir();
    cr_assert_eq(chdir(dir), 0);
    reload(NULL); /* no ./.env: nothing to say */
    cr_assert_eq(diag_lines(), 0, "%s", diag_captured());
    setenv("OTELC_ENV_FILE", "/nonexistent/otelc.env", 1);
    reload(NULL);
    cr_assert_eq(diag_count("OTELC_ENV_FILE=\"/nonexistent/otelc.env\"",
                            "does not exist", "using", NULL),
                 1, "%s", diag_captured());
}

Test(dotenv_loader, unreadable_env_file_is_reported) {
    const char *dir = test_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/adir", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    setenv("OTELC_ENV_FILE", path, 1);
    reload(NULL);
    cr_assert_eq(diag_count("cannot read", path, NULL), 1, "%s",
                 diag_captured());
    cr_assert_str_eq(cfg("LOG_FORMAT", NULL), "json");
}
