/*
 * tools/cli.c - see cli.h.
 *
 * Numbers are parsed strictly: the whole value must be a number (no
 * trailing characters, no empty value), an unsigned integer has no sign,
 * and a value out of range is an error rather than being clamped, so a
 * typo on a benchmark's command line never silently runs something else.
 */
#include "tools/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

bool cli_apply_u64(void *cfg, const cli_option *opt, const char *value,
                   char *err, size_t errlen) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = 0;
    bool ok = value[0] >= '0' && value[0] <= '9';
    if (ok) {
        v = strtoull(value, &end, 10);
        ok = errno == 0 && *end == '\0' && (double)v >= opt->min &&
             (double)v <= opt->max;
    }
    if (!ok) {
        snprintf(err, errlen,
                 "expected an integer from %.0f to %.0f, got "
                 "\"%s\"",
                 opt->min, opt->max, value);
        return false;
    }
    *(uint64_t *)((char *)cfg + opt->offset) = (uint64_t)v;
    return true;
}

bool cli_apply_double(void *cfg, const cli_option *opt, const char *value,
                      char *err, size_t errlen) {
    char *end = NULL;
    errno = 0;
    double v = 0;
    bool ok = (value[0] >= '0' && value[0] <= '9') || value[0] == '.';
    if (ok) {
        v = strtod(value, &end);
        ok = errno == 0 && *end == '\0' && isfinite(v) && v >= opt->min &&
             v <= opt->max;
    }
    if (!ok) {
        snprintf(err, errlen, "expected a number from %g to %g, got \"%s\"",
                 opt->min, opt->max, value);
        return false;
    }
    *(double *)((char *)cfg + opt->offset) = v;
    return true;
}

bool cli_apply_string(void *cfg, const cli_option *opt, const char *value,
                      char *err, size_t errlen) {
    if (!value[0]) {
        snprintf(err, errlen, "expected a non-empty value");
        return false;
    }
    *(const char **)((char *)cfg + opt->offset) = value;
    return true;
}

bool cli_apply_flag(void *cfg, const cli_option *opt, const char *value,
                    char *err, size_t errlen) {
    (void)value;
    (void)err;
    (void)errlen;
    *(bool *)((char *)cfg + opt->offset) = true;
    return true;
}

int cli_fail(const char *prog, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", prog);
    return CLI_EXIT_USAGE;
}

/* The option named by arg ("--name" or "--name=value", or "-x"), or NULL;
 * *inline_value is set to the text after '=' when there is one. */
static const cli_option *find_option(const cli_option *opts, size_t n,
                                     const char *arg,
                                     const char **inline_value) {
    *inline_value = NULL;
    if (arg[1] != '-') {
        if (arg[2] != '\0')
            return NULL; /* no bundling of short options: none need it */
        for (size_t i = 0; i < n; i++)
            if (opts[i].short_name && opts[i].short_name == arg[1])
                return &opts[i];
        return NULL;
    }
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (size_t i = 0; i < n; i++) {
        if (strlen(opts[i].name) == len && !memcmp(opts[i].name, name, len)) {
            if (eq)
                *inline_value = eq + 1;
            return &opts[i];
        }
    }
    return NULL;
}

int cli_parse(const char *prog, const cli_option *opts, size_t nopts, int argc,
              char **argv, void *cfg, const char **operands,
              size_t *noperands) {
    *noperands = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            operands[(*noperands)++] = arg;
            continue;
        }
        if (!strcmp(arg, "--")) {
            options_done = true;
            continue;
        }
        const char *value;
        const cli_option *o = find_option(opts, nopts, arg, &value);
        if (!o)
            return cli_fail(prog, "unknown option '%s'", arg);
        if (!o->metavar && value)
            return cli_fail(prog, "option '--%s' takes no value", o->name);
        if (o->metavar && !value) {
            if (i + 1 >= argc)
                return cli_fail(prog, "option '--%s' needs a value (%s)",
                                o->name, o->metavar);
            value = argv[++i];
        }
        char err[256];
        if (!o->apply(cfg, o, value, err, sizeof err))
            return cli_fail(prog, "--%s: %s", o->name, err);
    }
    return 0;
}

void cli_usage(FILE *out, const char *synopsis, const char *summary,
               const cli_option *opts, size_t nopts, const char *epilog) {
    fprintf(out, "Usage: %s\n\n%s\n\nOptions:\n", synopsis, summary);
    for (size_t i = 0; i < nopts; i++) {
        const cli_option *o = &opts[i];
        char left[64];
        /* "-x, " or four spaces, so long names line up either way. */
        snprintf(left, sizeof left, "%c%c%c --%s%s%s",
                 o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
                 o->short_name ? ',' : ' ', o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        fprintf(out, "  %-24s ", left);
        /* A help text may span lines: indent the continuations. */
        for (const char *h = o->help; *h; h++) {
            fputc(*h, out);
            if (*h == '\n' && h[1])
                fprintf(out, "%27s", "");
        }
        fputc('\n', out);
    }
    if (epilog)
        fprintf(out, "\n%s", epilog);
}
