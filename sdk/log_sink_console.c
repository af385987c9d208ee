/*
 * sdk/log_sink_console.c - log lines to stderr (ENABLE_CONSOLE_LOGGING).
 *
 * A batch is written with as few write(2) calls as the kernel allows, so
 * lines from the worker never interleave with each other; otelc's own
 * diagnostics also write whole lines to stderr.  Text is coloured when
 * stderr is a terminal (decided at start).  Runs on the log worker only.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "sdk/log_int.h"

typedef struct console_sink {
    otelc__log_sink base;
    otelc__log_fmt fmt;
} console_sink;

static void console_write(otelc__log_sink *s, otelc__log_batch *b) {
    console_sink *c = (console_sink *)s;
    if (!otelc__log_batch_format(b, c->fmt)) {
        atomic_fetch_add(&s->c.failed, b->n);
        atomic_fetch_add(&s->c.errors, 1);
        otelc__diag_limited(&s->rl, OTELC_DIAG_ERROR,
                            "console log sink: out of memory formatting %zu "
                            "records",
                            b->n);
        return;
    }
    const otelc__buf *lines = &b->lines[c->fmt];
    size_t off = 0;
    while (off < lines->len) {
        ssize_t w = write(STDERR_FILENO, lines->data + off, lines->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            /* Count the records whose lines did not get out. */
            size_t lost = 0;
            for (size_t i = 0; i < b->n; i++)
                if (b->off[c->fmt][i + 1] > off)
                    lost++;
            atomic_fetch_add(&s->c.failed, lost);
            atomic_fetch_add(&s->c.written, b->n - lost);
            atomic_fetch_add(&s->c.errors, 1);
            atomic_fetch_add(&s->c.bytes, off);
            otelc__diag_limited(&s->rl, OTELC_DIAG_ERROR,
                                "console log sink: writing to stderr: %s; "
                                "%zu records lost",
                                strerror(errno), lost);
            return;
        }
        off += (size_t)w;
    }
    atomic_fetch_add(&s->c.written, b->n);
    atomic_fetch_add(&s->c.bytes, lines->len);
}

static void console_close(otelc__log_sink *s) {
    (void)s;
}

otelc__log_sink *otelc__log_sink_console_new(otelc__log_fmt fmt) {
    console_sink *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base.name = "console";
    c->base.write = console_write;
    c->base.close = console_close;
    c->fmt = fmt;
    return &c->base;
}
