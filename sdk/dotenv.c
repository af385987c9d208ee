/*
 * sdk/dotenv.c - the .env file parser.
 *
 * Syntax (the subset python-dotenv and docker compose agree on):
 *   # comment                       ignored, as are blank lines
 *   NAME=value                      value trimmed; "#" after a blank starts
 *                                   a comment ("a#b" keeps its "#")
 *   export NAME=value               "export " is ignored
 *   NAME="a \"quoted\"\nvalue"      escapes \n \r \t \" \\ \$ (others kept
 *                                   as written); may span lines
 *   NAME='literal $value'           no escapes; may span lines
 *   NAME="x"  # comment             blanks or a comment may follow a quote
 *   NAME=                           an empty value (the loader reads it as
 *                                   unset)
 * Lines may end in CRLF; a CR before a line feed is dropped everywhere,
 * including inside multi-line quoted values.  A UTF-8 byte order mark at
 * the start is skipped.  Names are letters, digits, '_', '.' and '-', not
 * starting with a digit.  Variable expansion (${X}) is not performed.
 *
 * Errors never stop the parse: a line that does not fit is reported with
 * file and line number and skipped, and parsing resumes on the next line.
 * A quote that is never closed, or whose apparent closing quote on a later
 * line is followed by more text (that quote most likely opens the next
 * line's value), is reported as unterminated and only its own line is
 * skipped.
 *
 * Parsing is bounded by the input: one pass over the buffer plus, for a
 * quoted value, one scan for its closing quote; the value buffer is
 * allocated once, as large as the input.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/config_int.h"

typedef void (*dotenv_fn)(const char *name, const char *value, int line,
                          void *arg);
/* Where syntax complaints go: the configuration loader collects them with
 * its own (sdk/config.c); NULL sends them to otelc__diag. */
typedef void (*dotenv_err_fn)(const char *message, void *arg);

typedef struct reporter {
    dotenv_err_fn fn;
    void *arg;
} reporter;

static void report(const reporter *r, const char *fmt, ...) OTELC_PRINTF(2, 3);
static void report(const reporter *r, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->fn)
        r->fn(msg, r->arg);
    else
        otelc__diag(OTELC_DIAG_WARN, "%s", msg);
}

static bool is_name_start(char c) {
    return isalpha((unsigned char)c) || c == '_';
}
static bool is_name_char(char c) {
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}
static bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

/* Pointer to the line feed ending the line that contains p (or end). */
static const char *line_end(const char *p, const char *end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* Find the closing quote q of a value starting at p (after the opening
 * quote).  In double quotes a backslash escapes the next character.
 * Returns NULL when there is none; *newlines counts the line feeds
 * inside. */
static const char *closing_quote(const char *p, const char *end, char q,
                                 int *newlines) {
    *newlines = 0;
    for (; p < end; p++) {
        if (*p == q)
            return p;
        if (*p == '\n')
            (*newlines)++;
        else if (q == '"' && *p == '\\' && p + 1 < end) {
            p++;
            if (*p == '\n')
                (*newlines)++;
        }
    }
    return NULL;
}

/* Copy the quoted text [p, e) into val, decoding escapes in double quotes
 * and dropping CRs that precede a line feed.  Returns the length. */
static size_t unquote(const char *p, const char *e, char q, char *val) {
    size_t vl = 0;
    while (p < e) {
        char c = *p++;
        if (c == '\r' && p < e && *p == '\n')
            continue;
        if (q == '"' && c == '\\' && p < e) {
            char x = *p++;
            switch (x) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case '"':
            case '\\':
            case '$': c = x; break;
            default:
                /* Unknown escapes are kept as written. */
                val[vl++] = '\\';
                if (x == '\r' && p < e && *p == '\n')
                    x = *p++;
                c = x;
            }
        }
        val[vl++] = c;
    }
    return vl;
}

static void parse_buffer(const char *buf, size_t len, const char *label,
                         dotenv_fn fn, void *arg, const reporter *rep) {
    const char *p = buf, *end = buf + len;
    int line = 1;
    /* A value is never longer than the file; one buffer serves all. */
    char *val = malloc(len + 1);
    if (!val)
        return;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (p < end) {
        int this_line = line;
        while (p < end &&
               (is_blank(*p) || *p == '\r' || *p == '\f' || *p == '\v'))
            p++;
        if (p >= end)
            break;
        if (*p == '\n') {
            p++;
            line++;
            continue;
        }
        if (*p == '#') {
            p = line_end(p, end);
            continue;
        }
        if (end - p > 7 && !memcmp(p, "export", 6) && is_blank(p[6])) {
            p += 7;
            while (p < end && is_blank(*p))
                p++;
        }
        const char *name = p;
        if (p >= end || !is_name_start(*p)) {
            /* ("export" and blanks may end the input.) */
            report(rep, "%s:%d: expected NAME=value; line ignored", label,
                   this_line);
            p = line_end(p, end);
            continue;
        }
        while (p < end && is_name_char(*p))
            p++;
        size_t name_len = (size_t)(p - name);
        while (p < end && is_blank(*p))
            p++;
        if (p >= end || *p != '=') {
            report(rep,
                   "%s:%d: %.*s%s has no '=' after the name; line "
                   "ignored",
                   label, this_line, (int)OTELC_MIN(name_len, 200), name,
                   name_len > 200 ? "..." : "");
            p = line_end(p, end);
            continue;
        }
        p++;
        while (p < end && is_blank(*p))
            p++;
        if (name_len >= 256) {
            report(rep,
                   "%s:%d: a name longer than 255 characters; line "
                   "ignored",
                   label, this_line);
            p = line_end(p, end);
            continue;
        }
        size_t vl;
        if (p < end && (*p == '"' || *p == '\'')) {
            char q = *p;
            int newlines;
            const char *cq = closing_quote(p + 1, end, q, &newlines);
            const char *rest = cq ? cq + 1 : end;
            while (rest < end && (is_blank(*rest) || *rest == '\r'))
                rest++;
            bool tail_ok = rest >= end || *rest == '\n' || *rest == '#';
            if (!cq || (!tail_ok && newlines)) {
                report(rep,
                       "%s:%d: unterminated %s-quoted value of %.*s; "
                       "line ignored",
                       label, this_line, q == '"' ? "double" : "single",
                       (int)name_len, name);
                p = line_end(p, end);
                continue;
            }
            if (!tail_ok) {
                report(rep,
                       "%s:%d: unexpected text after the closing quote "
                       "of %.*s; line ignored",
                       label, this_line, (int)name_len, name);
                p = line_end(p, end);
                continue;
            }
            vl = unquote(p + 1, cq, q, val);
            line += newlines;
            p = line_end(rest, end);
        } else {
            const char *v = p, *le = line_end(p, end);
            while (p < le && !(*p == '#' && is_blank(p[-1])))
                p++;
            const char *ve = p;
            while (ve > v && isspace((unsigned char)ve[-1]))
                ve--;
            vl = (size_t)(ve - v);
            memcpy(val, v, vl);
            p = le;
        }
        val[vl] = '\0';
        char nm[256];
        memcpy(nm, name, name_len);
        nm[name_len] = '\0';
        fn(nm, val, this_line, arg);
    }
    free(val);
}

static bool parse_file(const char *path, dotenv_fn fn, void *arg,
                       const reporter *rep) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return true;
        report(rep, "cannot read %s: %s; its settings are not used", path,
               strerror(errno));
        return false;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    bool failed = false;
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap) {
            failed = ferror(f);
            break;
        }
        if (cap >= (1u << 24)) {
            report(rep, "%s is larger than 16 MiB; only the start is read",
                   path);
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = errno;
    fclose(f);
    if (!buf)
        return false;
    if (failed) {
        /* A directory opens but cannot be read (EISDIR). */
        report(rep, "cannot read %s: %s; its settings are not used", path,
               strerror(err));
        free(buf);
        return false;
    }
    parse_buffer(buf, len, path, fn, arg, rep);
    free(buf);
    return true;
}

void otelc__dotenv_parse_buffer(const char *buf, size_t len, const char *label,
                                dotenv_fn fn, void *arg) {
    reporter rep = {NULL, NULL};
    parse_buffer(buf, len, label, fn, arg, &rep);
}

bool otelc__dotenv_parse(const char *path, dotenv_fn fn, void *arg) {
    reporter rep = {NULL, NULL};
    return parse_file(path, fn, arg, &rep);
}

/* For sdk/config.c: the same, with complaints passed to err_fn. */
bool otelc__dotenv_parse_collect(const char *path, dotenv_fn fn,
                                 dotenv_err_fn err_fn, void *arg);
bool otelc__dotenv_parse_collect(const char *path, dotenv_fn fn,
                                 dotenv_err_fn err_fn, void *arg) {
    reporter rep = {err_fn, arg};
    return parse_file(path, fn, arg, &rep);
}
