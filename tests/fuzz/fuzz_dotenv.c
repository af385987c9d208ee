/*
 * tests/fuzz/fuzz_dotenv.c - libFuzzer target for the .env parser
 * (sdk/dotenv.c).
 *
 * The input is a whole .env file.  Besides the sanitizers' checks (no read
 * past the buffer, no leak, no undefined behaviour), every reported pair is
 * checked against the parser's contract: a name of name characters that
 * does not start with a digit, a line number within the input, and a
 * value no longer than the input.  Each pair then goes through the value
 * validators, as the configuration loader would send it.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/config_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct bounds {
    size_t size;
    int lines;
    otelc_options *opts;
} bounds;

static void on_pair(const char *name, const char *value, int line, void *arg) {
    bounds *b = arg;
    if (!name[0] || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        abort();
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("_.-", *c))
            abort();
    if (line < 1 || line > b->lines)
        abort();
    if (strlen(value) > b->size)
        abort();
    /* Unknown names are ENOTFOUND; known ones are validated. */
    otelc_options_set(b->opts, name, value);
}

/* Diagnostics are part of the contract too: one non-empty line each. */
static void on_diag(otelc_diag_level level, const char *msg, void *ud) {
    (void)level;
    (void)ud;
    if (!msg[0] || strchr(msg, '\n'))
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    otelc_diag_set_handler(on_diag, NULL);
    otelc_diag_set_level(OTELC_DIAG_DEBUG);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    bounds b = {size, 1, otelc_options_new()};
    for (size_t i = 0; i < size; i++)
        b.lines += data[i] == '\n';
    otelc__dotenv_parse_buffer((const char *)data, size, "fuzz.env", on_pair,
                               &b);
    otelc_options_free(b.opts);
    return 0;
}
