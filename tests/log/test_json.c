/*
 * tests/log/test_json.c - the JSON and text formats and the console sink.
 *
 * JSON lines are checked by Python's json module (tests/log/
 * check_json.py), which knows what each scenario here logged: control
 * characters, quotes, invalid UTF-8, huge fields, hostile keys, keys that
 * collide with the fixed ones, every value type.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log_util.h"

static char g_path[256];

static void init_file(const char *format) {
    snprintf(g_path, sizeof g_path, "%s/sub/dir/app.log", test_tmpdir());
    const char *kv[] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE", g_path,
                        "LOG_FORMAT",          format, NULL};
    log_init(kv);
}

static int check(const char *scenario) {
    const char *args[] = {scenario, g_path, NULL};
    char *out = NULL;
    int rc = run_python(LOG_TESTS_DIR "/check_json.py", args, &out);
    if (rc != 0)
        cr_log_error("check_json.py: %s", out);
    free(out);
    return rc;
}

Test(json, hostile_strings_parse) {
    init_file("json");
    char ctl[64];
    size_t n = 0;
    for (int c = 1; c < 32; c++)
        ctl[n++] = (char)c;
    memcpy(ctl + n, "\"\\/\x7f", 5);
    OTELC_LOG_INFO(ctl, "ctl", ctl);

    const char *bad = "a\xff"
                      "b\xc3(c\xe2\x82"
                      "d\xf0\x9f\x98 \xed\xa0\x80 end "
                      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    OTELC_LOG_WARN(bad, "bad", bad);

    char *huge = malloc(300003);
    memset(huge, 'x', 300000);
    memcpy(huge + 300000, "\xc3\xa9", 3);
    char *hmsg = malloc(100001);
    memset(hmsg, 'm', 100000);
    hmsg[100000] = '\0';
    OTELC_LOG_INFO(hmsg, "huge", huge);
    free(huge);
    free(hmsg);

    OTELC_LOG_INFO("reserved", "k\"\n\\", "v", "message", "user message",
                   "level", 3);

    unsigned char u8 = 255;
    char ch = 'A';
    float f = 0.5f;
    const char *nothing = NULL;
    OTELC_LOG_INFO("types", "imax", INT64_MAX, "imin", INT64_MIN, "neg", -42,
                   "pi", M_PI, "tiny", 4.9406564584124654e-324, "nan", NAN,
                   "inf", INFINITY, "ninf", -INFINITY, "yes", (bool)1, "no",
                   (bool)0, "nothing", nothing, "u8", u8, "ch", ch, "f", f);

    OTELC_LOG_CONTEXT("dup", "context") {
        OTELC_LOG_INFO("dup", "dup", "field");
    }
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    cr_assert_eq(check("hostile"), 0);
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    cr_assert_eq(st.records_emitted, 6);
    cr_assert_eq(st.records_processed, 6);
    otelc_log_sink_stats ss;
    cr_assert_eq(otelc_log_get_sink_stats(0, &ss), OTELC_OK);
    cr_assert_str_eq(ss.name, "file");
    cr_assert_eq(ss.records_written, 6);
    cr_assert_eq(ss.records_failed, 0);
}

Test(json, max_record_size_truncates_and_counts) {
    snprintf(g_path, sizeof g_path, "%s/app.log", test_tmpdir());
    const char *kv[] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE", g_path,
                        "LOG_MAX_RECORD_SIZE", "4K",   NULL};
    log_init(kv);
    char *big = malloc(10001);
    /* 3-byte characters, so a cut must land between sequences. */
    for (int i = 0; i < 3333; i++)
        memcpy(big + 3 * i, "\xe2\x82\xac", 3);
    big[9999] = '\0';
    OTELC_LOG_INFO("big", "v", big);
    free(big);
    otelc_shutdown(5000);
    cr_assert_eq(check("basic"), 0); /* still valid JSON and UTF-8 */
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    cr_assert_eq(st.truncated, 1);
    cr_assert_lt(file_size(g_path), 4096 + 300);
}

Test(json, value_length_limit) {
    snprintf(g_path, sizeof g_path, "%s/app.log", test_tmpdir());
    const char *kv[] = {"ENABLE_FILE_LOGGING",
                        "true",
                        "LOG_FILE",
                        g_path,
                        "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
                        "4",
                        "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
                        "2",
                        NULL};
    log_init(kv);
    OTELC_LOG_INFO("limits", "a", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                   "b", 1, "c", 2);
    otelc_shutdown(5000);
    char *s = read_file(g_path, NULL);
    cr_assert_not_null(s);
    /* 4 characters of 5, and the third field dropped by the count limit. */
    cr_assert(strstr(s, "\"a\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\",\"b\":1}"),
              "%s", s);
    free(s);
}

Test(text, one_line_per_record_escaped) {
    init_file("text");
    TRACE_SPAN("t") {
        OTELC_LOG_INFO("line one\nline two\x01", "user_id", 123, "username",
                       "john", "msg", "a b", "q", "say \"hi\"");
    }
    OTELC_LOG_ERROR("plain", "bad", "\xff");
    otelc_shutdown(5000);
    size_t len;
    char *s = read_file(g_path, &len);
    cr_assert_not_null(s);
    cr_assert_eq(count_lines(g_path), 2, "%s", s);
    for (size_t i = 0; i < len; i++)
        cr_assert(s[i] == '\n' || (unsigned char)s[i] >= 0x20,
                  "raw control byte at %zu", i);
    cr_assert(strstr(s, " INFO  root: line one\\nline two\\x01 user_id=123 "
                        "username=john msg=\"a b\" q=\"say \\\"hi\\\"\" "
                        "trace_id="),
              "%s", s);
    cr_assert(strstr(s, " ERROR root: plain bad=\"\xef\xbf\xbd\"\n"), "%s", s);
    cr_assert_null(strstr(s, "\033["), "no colours in a file");
    free(s);
}

/* The console sink writes to stderr: capture it in a file. */
Test(console, json_to_stderr) {
    char path[256];
    snprintf(path, sizeof path, "%s/stderr", test_tmpdir());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int saved = dup(2);
    dup2(fd, 2);
    const char *kv[] = {"ENABLE_CONSOLE_LOGGING", "true", NULL};
    log_init(kv);
    OTELC_LOG_INFO("to the console", "n", 1);
    otelc_shutdown(5000);
    dup2(saved, 2);
    close(fd);
    strcpy(g_path, path);
    cr_assert_eq(check("basic"), 0);
    char *s = read_file(path, NULL);
    cr_assert(strstr(s, "\"message\":\"to the console\""), "%s", s);
    free(s);
}

Test(console, text_colored_on_a_terminal) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    grantpt(master);
    unlockpt(master);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    cr_assert_geq(slave, 0);
    int saved = dup(2);
    dup2(slave, 2);
    const char *kv[] = {"ENABLE_CONSOLE_LOGGING", "true", "LOG_FORMAT", "text",
                        NULL};
    log_init(kv);
    OTELC_LOG_INFO("coloured");
    OTELC_LOG_ERROR("red");
    otelc_shutdown(5000);
    dup2(saved, 2);
    char buf[4096];
    ssize_t n = read(master, buf, sizeof buf - 1);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert(strstr(buf, "\033[32mINFO\033[0m"), "%s", buf);
    cr_assert(strstr(buf, "\033[31mERROR\033[0m"), "%s", buf);
    close(slave);
    close(master);
}
