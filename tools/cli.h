/*
 * tools/cli.h - command-line options from a table, for otelc's tools.
 *
 * Each tool describes its options once, in an array of cli_option: the
 * name, the value's placeholder, the help line and how to apply it.  The
 * same table drives parsing and the --help text, so an option added to a
 * tool (say --metrics) is one table line plus, at most, one apply function.
 *
 * Syntax accepted: --name VALUE, --name=VALUE, -x VALUE for options with a
 * short letter, --flag, "--" to end options, and operands anywhere (a lone
 * "-" is an operand: standard input for the tools that read files).
 * A bad command line prints one line naming the option and the problem,
 * then "Try '<prog> --help'.", and the caller exits with status 2.
 *
 * Not thread-safe (it is used from main() only).  Never blocks.
 */
#ifndef OTELC_TOOLS_CLI_H
#define OTELC_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Exit status for a bad command line (the convention of getopt tools). */
#define CLI_EXIT_USAGE 2

typedef struct cli_option cli_option;

/**
 * Applies one option to the caller's configuration.
 * @param cfg    the configuration object given to cli_parse().
 * @param opt    the table entry (its offset/min/max drive generic appliers).
 * @param value  the option's value; NULL for a flag (metavar == NULL).
 * @param err    on failure, a message without the option name, such as
 *               "expected an integer from 1 to 64, got \"x\"".
 * @return true when applied.
 */
typedef bool (*cli_apply_fn)(void *cfg, const cli_option *opt,
                             const char *value, char *err, size_t errlen);

struct cli_option {
    const char *name;    /* long name without "--" */
    char short_name;     /* 0 for none */
    const char *metavar; /* "N", "NAME"...; NULL for a flag */
    const char *help;    /* one line (wrapped by the table's author) */
    cli_apply_fn apply;
    size_t offset;   /* field of cfg written by the generic appliers */
    double min, max; /* bounds of the numeric appliers (inclusive) */
};

/* Generic appliers.  Each writes the field at opt->offset of cfg. */

/** uint64_t field: a decimal integer in [min, max]. */
bool cli_apply_u64(void *cfg, const cli_option *opt, const char *value,
                   char *err, size_t errlen);
/** double field: a finite decimal number in [min, max]. */
bool cli_apply_double(void *cfg, const cli_option *opt, const char *value,
                      char *err, size_t errlen);
/** const char * field: the value itself (borrowed from argv). */
bool cli_apply_string(void *cfg, const cli_option *opt, const char *value,
                      char *err, size_t errlen);
/** bool field: set to true (a flag). */
bool cli_apply_flag(void *cfg, const cli_option *opt, const char *value,
                    char *err, size_t errlen);

/**
 * cli_parse - apply argv[1..argc-1] to cfg.
 *
 * @param operands  out: the non-option arguments, in order (an array of at
 *                  least argc pointers into argv).
 * @param noperands out: their number.
 * @return 0 on success; CLI_EXIT_USAGE after printing the problem to
 *         stderr.
 */
int cli_parse(const char *prog, const cli_option *opts, size_t nopts, int argc,
              char **argv, void *cfg, const char **operands, size_t *noperands);

/**
 * cli_usage - print "Usage: <synopsis>", the summary, one aligned line per
 * option, and the epilog (NULL for none) to out.
 */
void cli_usage(FILE *out, const char *synopsis, const char *summary,
               const cli_option *opts, size_t nopts, const char *epilog);

/** cli_fail - print "<prog>: <message>" and the --help hint to stderr;
 *  returns CLI_EXIT_USAGE, for `return cli_fail(...)` in main(). */
int cli_fail(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif /* OTELC_TOOLS_CLI_H */
