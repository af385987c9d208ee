/*
 * tests/tools/test_json_reader.c - tools/json_reader.c on valid and
 * invalid inputs, and cross-checked against Python's json module (a
 * decoder this project did not write): 400 random documents decoded by
 * the reader and re-encoded must equal what Python decodes, and every
 * input the reader rejects Python rejects too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_support.h"
#include "tools/json_reader.h"

#define CORPUS OTELC_TESTS_DIR "/tools/json_corpus.py"

static jr_doc *parse(const char *s) {
    return jr_parse(s, strlen(s), NULL);
}

Test(json_reader, scalars) {
    jr_doc *d = parse(" true ");
    cr_assert_not_null(d);
    cr_expect_eq(jr_type_of(jr_root(d)), JR_BOOL);
    cr_expect(jr_bool(jr_root(d)));
    jr_free(d);
    d = parse("false");
    cr_expect(!jr_bool(jr_root(d)));
    cr_expect_eq(jr_type_of(jr_root(d)), JR_BOOL);
    jr_free(d);
    d = parse("null");
    cr_expect_eq(jr_type_of(jr_root(d)), JR_NULL);
    jr_free(d);

    static const struct {
        const char *text;
        double value;
    } nums[] = {{"0", 0},
                {"-0", -0.0},
                {"42", 42},
                {"-17", -17},
                {"3.25", 3.25},
                {"1e3", 1000},
                {"1E+2", 100},
                {"2.5e-3", 0.0025},
                {"-0.0", -0.0},
                {"1e400", HUGE_VAL},
                {"123456789012345678901234567890", 1.2345678901234568e29}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        d = parse(nums[i].text);
        cr_assert_not_null(d, "%s rejected", nums[i].text);
        cr_expect_eq(jr_type_of(jr_root(d)), JR_NUMBER);
        cr_expect_eq(jr_number(jr_root(d)), nums[i].value, "%s -> %g",
                     nums[i].text, jr_number(jr_root(d)));
        size_t len;
        const char *t = jr_number_text(jr_root(d), &len);
        cr_expect_eq(len, strlen(nums[i].text));
        cr_expect_eq(memcmp(t, nums[i].text, len), 0);
        jr_free(d);
    }
}

Test(json_reader, integers_exactly) {
    uint64_t u;
    int64_t i;
    jr_doc *d = parse("[\"18446744073709551615\", 18446744073709551615, "
                      "\"18446744073709551616\", \"-9223372036854775808\", "
                      "9223372036854775807, \"12a\", 1.0, \"\", -1, 1e3]");
    const jr_value *a = jr_root(d);
    cr_assert_eq(jr_len(a), 10);
    cr_expect(jr_as_u64(jr_at(a, 0), &u) && u == UINT64_MAX);
    cr_expect(jr_as_u64(jr_at(a, 1), &u) && u == UINT64_MAX);
    cr_expect(!jr_as_u64(jr_at(a, 2), &u), "overflow accepted");
    cr_expect(jr_as_i64(jr_at(a, 3), &i) && i == INT64_MIN);
    cr_expect(jr_as_i64(jr_at(a, 4), &i) && i == INT64_MAX);
    cr_expect(!jr_as_u64(jr_at(a, 5), &u));
    cr_expect(!jr_as_u64(jr_at(a, 6), &u), "a fraction is not an integer");
    cr_expect(!jr_as_u64(jr_at(a, 7), &u));
    cr_expect(!jr_as_u64(jr_at(a, 8), &u));
    cr_expect(jr_as_i64(jr_at(a, 8), &i) && i == -1);
    cr_expect(!jr_as_i64(jr_at(a, 9), &i));
    cr_expect(!jr_as_i64(jr_at(a, 10), &i), "past the end");
    jr_free(d);
}

Test(json_reader, strings_and_escapes) {
    jr_doc *d =
        parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\","
              " \"\\ud83d\\ude00\", \"\\ud800x\", \"\\udc00\","
              " \"x\\u0000y\", \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
              " \"\"]");
    cr_assert_not_null(d);
    const jr_value *a = jr_root(d);
    size_t len;
    cr_expect_str_eq(jr_string(jr_at(a, 0), NULL), "a\"b\\c/d\b\f\n\r\t");
    cr_expect_str_eq(jr_string(jr_at(a, 1), NULL), "\xc3\xa9\xe2\x82\xac");
    cr_expect_str_eq(jr_string(jr_at(a, 2), NULL), "\xf0\x9f\x98\x80");
    /* Lone surrogates decode to U+FFFD: every string stays valid UTF-8. */
    cr_expect_str_eq(jr_string(jr_at(a, 3), NULL), "\xef\xbf\xbdx");
    cr_expect_str_eq(jr_string(jr_at(a, 4), NULL), "\xef\xbf\xbd");
    const char *s = jr_string(jr_at(a, 5), &len);
    cr_expect_eq(len, 3);
    cr_expect_eq(memcmp(s, "x\0y", 3), 0);
    cr_expect_str_eq(jr_string(jr_at(a, 6), NULL),
                     "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    cr_expect_str_eq(jr_string(jr_at(a, 7), &len), "");
    cr_expect_eq(len, 0);
    cr_expect_null(jr_string(jr_at(a, 8), NULL));
    jr_free(d);
}

Test(json_reader, containers_and_lookups) {
    jr_doc *d = parse("{\"a\": [1, {\"b\": [ ]}, {}], \"k\": 1, \"k\": 2,\n"
                      "\t\"s\": \"v\"}");
    cr_assert_not_null(d);
    const jr_value *r = jr_root(d);
    cr_expect_eq(jr_type_of(r), JR_OBJECT);
    cr_expect_eq(jr_len(r), 4);
    cr_expect_eq(jr_len(jr_get(r, "a")), 3);
    cr_expect_eq(jr_type_of(jr_get(jr_at(jr_get(r, "a"), 1), "b")), JR_ARRAY);
    cr_expect_eq(jr_len(jr_get(jr_at(jr_get(r, "a"), 1), "b")), 0);
    cr_expect_eq(jr_len(jr_at(jr_get(r, "a"), 2)), 0);
    cr_expect_eq(jr_number(jr_get(r, "k")), 2, "the last duplicate wins");
    cr_expect_null(jr_get(r, "missing"));
    /* Chained lookups through missing or mistyped values stay NULL. */
    cr_expect_null(jr_get(jr_get(jr_get(r, "x"), "y"), "z"));
    cr_expect_null(jr_at(jr_get(r, "s"), 0));
    cr_expect_null(jr_get(jr_get(r, "a"), "b"));
    size_t klen;
    cr_expect_str_eq(jr_member_key(r, 3, &klen), "s");
    cr_expect_eq(klen, 1);
    cr_expect_str_eq(jr_string(jr_member_value(r, 3), NULL), "v");
    cr_expect_null(jr_member_key(r, 4, NULL));
    cr_expect_eq(jr_type_of(NULL), JR_NULL);
    cr_expect_eq(jr_len(NULL), 0);
    jr_free(d);
    jr_free(NULL);
}

Test(json_reader, input_need_not_be_terminated) {
    /* Only the first 4 bytes are the document. */
    jr_doc *d = jr_parse("[12]garbage", 4, NULL);
    cr_assert_not_null(d);
    cr_expect_eq(jr_number(jr_at(jr_root(d), 0)), 12);
    jr_free(d);
    cr_expect_null(jr_parse("\"abc\"", 4, NULL), "read past len");
    cr_expect_null(jr_parse("12", 0, NULL));
    cr_expect_null(jr_parse(NULL, 5, NULL));
}

/* Nesting: JR_MAX_DEPTH levels parse, one more is an error (no stack
 * overflow even far beyond). */
Test(json_reader, depth_limit) {
    char *s = malloc(200001);
    for (int depth = JR_MAX_DEPTH; depth <= JR_MAX_DEPTH + 1; depth++) {
        memset(s, '[', (size_t)depth);
        memset(s + depth, ']', (size_t)depth);
        jr_error e;
        jr_doc *d = jr_parse(s, 2 * (size_t)depth, &e);
        if (depth == JR_MAX_DEPTH) {
            cr_expect_not_null(d, "depth %d rejected: %s", depth, e.message);
        } else {
            cr_expect_null(d);
            cr_expect(strstr(e.message, "nesting deeper"), "%s", e.message);
        }
        jr_free(d);
    }
    memset(s, '[', 200000);
    cr_expect_null(jr_parse(s, 200000, NULL));
    free(s);
}

typedef struct bad_input {
    const char *text;
    size_t len; /* 0 = strlen */
    const char *message;
    unsigned line, column;
    bool python_accepts; /* a limit of ours, not a JSON rule */
} bad_input;

static const bad_input g_bad[] = {
    {"", 0, "empty input", 1, 1, false},
    {"   ", 0, "end of input", 1, 4, false},
    {"[", 0, "expected a value, found end of input", 1, 2, false},
    {"[1,]", 0, "expected a value, found ']'", 1, 4, false},
    {"[1 2]", 0, "expected ',' or ']' in array, found '2'", 1, 4, false},
    {"{\"a\":1,}", 0, "expected a string key", 1, 8, false},
    {"{a:1}", 0, "expected a string key in object, found 'a'", 1, 2, false},
    {"{\"a\" 1}", 0, "expected ':' after object key", 1, 6, false},
    {"{\"a\":1 \"b\":2}", 0, "expected ',' or '}'", 1, 8, false},
    {"'x'", 0, "expected a value, found '''", 1, 1, false},
    {"01", 0, "leading zero", 1, 1, false},
    {"-01", 0, "leading zero", 1, 2, false},
    {"1.", 0, "expected a digit after '.'", 1, 3, false},
    {".5", 0, "expected a value", 1, 1, false},
    {"-", 0, "expected a digit", 1, 2, false},
    {"1e", 0, "expected a digit in exponent", 1, 3, false},
    {"1e+", 0, "expected a digit in exponent", 1, 4, false},
    {"+1", 0, "expected a value, found '+'", 1, 1, false},
    {"NaN", 0, "expected a value", 1, 1, false},
    {"Infinity", 0, "expected a value", 1, 1, false},
    {"-Infinity", 0, "expected a digit", 1, 2, false},
    {"tru", 0, "expected a value", 1, 1, false},
    {"nul", 0, "expected a value", 1, 1, false},
    {"truex", 0, "expected end of input after the value, found 'x'", 1, 5,
     false},
    {"1 2", 0, "expected end of input", 1, 3, false},
    {"[] x", 0, "expected end of input", 1, 4, false},
    {"\"abc", 0, "unterminated string", 1, 1, false},
    {"\"abc\\\"", 0, "unterminated string", 1, 1, false},
    {"\"\\x\"", 0, "invalid escape '\\x'", 1, 2, false},
    {"\"\\u12g4\"", 0, "invalid \\u escape", 1, 2, false},
    {"\"\\u12\"", 0, "invalid \\u escape", 1, 2, false},
    {"\"a\nb\"", 0, "control character 0x0a", 1, 3, false},
    {"\"a\tb\"", 0, "control character 0x09", 1, 3, false},
    {"\"\xff\"", 0, "invalid UTF-8", 1, 2, false},
    {"\"\xc0\xaf\"", 0, "invalid UTF-8", 1, 2, false},         /* overlong */
    {"\"\xe0\x80\xaf\"", 0, "invalid UTF-8", 1, 2, false},     /* overlong */
    {"\"\xed\xa0\x80\"", 0, "invalid UTF-8", 1, 2, false},     /* surrogate */
    {"\"\xf4\x90\x80\x80\"", 0, "invalid UTF-8", 1, 2, false}, /* >10FFFF */
    {"\"\xe2\x82\"", 0, "invalid UTF-8", 1, 2, false},         /* truncated */
    {"\"\x80\"", 0, "invalid UTF-8", 1, 2, false},
    {"\xef\xbb\xbf{}", 0, "expected a value, found byte 0xef", 1, 1, false},
    {"[1,\n 2,]", 0, "expected a value, found ']'", 2, 4, false},
    {"{\"a\":\n\n  x}", 0, "expected a value, found 'x'", 3, 3, false},
    {"[0]\0", 4, "expected end of input after the value, found byte 0x00", 1, 4,
     false},
};

static void hex_line(FILE *f, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", (unsigned char)s[i]);
    fputc('\n', f);
}

Test(json_reader, invalid_inputs_are_rejected_with_a_position) {
    const char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/rejected.hex", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    size_t for_python = 0;
    for (size_t i = 0; i < sizeof g_bad / sizeof g_bad[0]; i++) {
        const bad_input *b = &g_bad[i];
        size_t len = b->len ? b->len : strlen(b->text);
        jr_error e;
        memset(&e, 0, sizeof e);
        jr_doc *d = jr_parse(b->text, len, &e);
        cr_expect_null(d, "case %zu accepted: %s", i, b->text);
        jr_free(d);
        cr_expect(strstr(e.message, b->message), "case %zu: \"%s\" vs \"%s\"",
                  i, e.message, b->message);
        cr_expect_eq(e.line, b->line, "case %zu: line %u", i, e.line);
        cr_expect_eq(e.column, b->column, "case %zu: column %u", i, e.column);
        cr_expect_leq(e.offset, len, "case %zu", i);
        if (!b->python_accepts) {
            hex_line(f, b->text, len);
            for_python++;
        }
    }
    fclose(f);
    char *out = NULL;
    const char *args[] = {"reject", path, NULL};
    cr_expect_eq(run_python(CORPUS, args, &out), 0, "%s", out);
    char want[32];
    snprintf(want, sizeof want, "OK %zu", for_python);
    cr_expect(strstr(out, want), "python: %s", out);
    free(out);
}

/* ---- round trip against Python ------------------------------------------ */

static void emit(FILE *f, const jr_value *v);

static void emit_string(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Numbers: an integer literal is re-emitted from jr_as_i64, anything else
 * from the double (17 significant digits round-trip exactly), marked as a
 * float so that Python reads back the same type. */
static void emit_number(FILE *f, const jr_value *v) {
    size_t n;
    const char *t = jr_number_text(v, &n);
    int64_t i;
    if (!memchr(t, '.', n) && !memchr(t, 'e', n) && !memchr(t, 'E', n) &&
        jr_as_i64(v, &i)) {
        fprintf(f, "%lld", (long long)i);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", jr_number(v));
    fputs(buf, f);
    if (!strpbrk(buf, ".e"))
        fputs(".0", f);
}

static void emit(FILE *f, const jr_value *v) {
    size_t n;
    const char *s;
    switch (jr_type_of(v)) {
    case JR_NULL: fputs("null", f); break;
    case JR_BOOL: fputs(jr_bool(v) ? "true" : "false", f); break;
    case JR_NUMBER: emit_number(f, v); break;
    case JR_STRING:
        s = jr_string(v, &n);
        emit_string(f, s, n);
        break;
    case JR_ARRAY:
        fputc('[', f);
        for (size_t i = 0; i < jr_len(v); i++) {
            if (i)
                fputc(',', f);
            emit(f, jr_at(v, i));
        }
        fputc(']', f);
        break;
    case JR_OBJECT:
        fputc('{', f);
        for (size_t i = 0; i < jr_len(v); i++) {
            if (i)
                fputc(',', f);
            s = jr_member_key(v, i, &n);
            emit_string(f, s, n);
            fputc(':', f);
            emit(f, jr_member_value(v, i));
        }
        fputc('}', f);
        break;
    }
}

Test(json_reader, agrees_with_python_on_random_documents) {
    const char *dir = test_tmpdir();
    char in[512], out[512];
    snprintf(in, sizeof in, "%s/corpus.jsonl", dir);
    snprintf(out, sizeof out, "%s/reencoded.jsonl", dir);
    char *py = NULL;
    const char *gen[] = {"gen", in, NULL};
    cr_assert_eq(run_python(CORPUS, gen, &py), 0, "%s", py);
    free(py);

    FILE *fi = fopen(in, "r"), *fo = fopen(out, "w");
    cr_assert(fi && fo);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int count = 0;
    while ((n = getline(&line, &cap, fi)) > 0) {
        jr_error e;
        jr_doc *d = jr_parse(line, (size_t)n, &e);
        cr_assert_not_null(d, "document %d rejected at %u:%u: %s\n%s",
                           count + 1, e.line, e.column, e.message, line);
        emit(fo, jr_root(d));
        fputc('\n', fo);
        jr_free(d);
        count++;
    }
    free(line);
    fclose(fi);
    fclose(fo);
    cr_expect_eq(count, 400);
    const char *cmp[] = {"cmp", in, out, NULL};
    cr_expect_eq(run_python(CORPUS, cmp, &py), 0, "%s", py);
    cr_expect(strstr(py, "OK 400"), "%s", py);
    free(py);
}
