/*
 * sdk/dotenv.c - the .env file parser.
 *
 * Syntax (the subset python-dotenv and docker compose agree on):
 *   # comment                       ignored, as are blank lines
 *   NAME=value                      value trimmed; " #..." starts a comment
 *   export NAME=value               "export " is ignored
 *   NAME="a \"quoted\"\nvalue"      escapes \n \r \t \" \\ \$; may span lines
 *   NAME='literal $value'           no escapes
 * A line that does not fit is reported (file and line number) and skipped;
 * the rest of the file is still read.  Variable expansion (${X}) is not
 * performed: a value is taken literally.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/config_int.h"

typedef void (*dotenv_fn)(const char *name, const char *value, int line,
                          void *arg);

static bool is_name_start(char c) {
    return isalpha((unsigned char)c) || c == '_';
}
static bool is_name_char(char c) {
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

void otelc__dotenv_parse_buffer(const char *buf, size_t len, const char *label,
                                dotenv_fn fn, void *arg) {
    const char *p = buf, *end = buf + len;
    int line = 1;
    /* A value can never be longer than the file; one buffer serves all. */
    char *val = malloc(len + 1);
    if (!val)
        return;
    while (p < end) {
        int this_line = line;
        /* Leading whitespace. */
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p >= end)
            break;
        if (*p == '\n') {
            p++;
            line++;
            continue;
        }
        if (*p == '#') {
            while (p < end && *p != '\n')
                p++;
            continue;
        }
        if (end - p > 7 && !strncmp(p, "export", 6) &&
            (p[6] == ' ' || p[6] == '\t')) {
            p += 7;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        }
        const char *name = p;
        if (p >= end || !is_name_start(*p))
            goto bad_line;
        while (p < end && is_name_char(*p))
            p++;
        size_t name_len = (size_t)(p - name);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end || *p != '=')
            goto bad_line;
        p++;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        size_t vl = 0;
        if (p < end && (*p == '"' || *p == '\'')) {
            char q = *p++;
            bool closed = false;
            while (p < end) {
                char c = *p++;
                if (c == q) {
                    closed = true;
                    break;
                }
                if (c == '\n')
                    line++;
                if (q == '"' && c == '\\' && p < end) {
                    char e = *p++;
                    switch (e) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case '"': case '\\': case '$': c = e; break;
                    default:
                        /* Unknown escapes are kept as written. */
                        val[vl++] = '\\';
                        c = e;
                        if (e == '\n')
                            line++;
                    }
                }
                val[vl++] = c;
            }
            if (!closed) {
                otelc__diag(OTELC_DIAG_WARN,
                            "%s:%d: unterminated %c-quoted value for %.*s; "
                            "line ignored",
                            label, this_line, q, (int)name_len, name);
                break;
            }
            /* After the closing quote only blanks or a comment may follow. */
            while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
                p++;
            if (p < end && *p != '\n' && *p != '#') {
                otelc__diag(OTELC_DIAG_WARN,
                            "%s:%d: unexpected text after the quoted value of "
                            "%.*s; line ignored",
                            label, this_line, (int)name_len, name);
                while (p < end && *p != '\n')
                    p++;
                continue;
            }
            while (p < end && *p != '\n')
                p++;
        } else {
            const char *v = p;
            while (p < end && *p != '\n') {
                if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t'))
                    break;
                p++;
            }
            const char *ve = p;
            while (ve > v && isspace((unsigned char)ve[-1]))
                ve--;
            vl = (size_t)(ve - v);
            memcpy(val, v, vl);
            while (p < end && *p != '\n')
                p++;
        }
        val[vl] = '\0';
        {
            char nm[256];
            if (name_len >= sizeof nm) {
                otelc__diag(OTELC_DIAG_WARN, "%s:%d: name too long; ignored",
                            label, this_line);
                continue;
            }
            memcpy(nm, name, name_len);
            nm[name_len] = '\0';
            fn(nm, val, this_line, arg);
        }
        continue;
    bad_line:
        otelc__diag(OTELC_DIAG_WARN,
                    "%s:%d: expected NAME=value; line ignored", label,
                    this_line);
        while (p < end && *p != '\n')
            p++;
    }
    free(val);
}

bool otelc__dotenv_parse(const char *path, dotenv_fn fn, void *arg) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return true;
        otelc__diag(OTELC_DIAG_WARN, "cannot read %s: %s", path,
                    strerror(errno));
        return false;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        if (cap >= (1u << 24)) {
            otelc__diag(OTELC_DIAG_WARN, "%s is larger than 16 MiB; only the "
                                         "start is read", path);
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
    fclose(f);
    if (!buf)
        return false;
    otelc__dotenv_parse_buffer(buf, len, path, fn, arg);
    free(buf);
    return true;
}
