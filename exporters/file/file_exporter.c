/*
 * exporters/file/file_exporter.c - OTLP-JSON lines to a file.
 *
 * One export call = one line = one ExportTraceServiceRequest, appended with
 * write(2) on an O_APPEND descriptor, so several processes may share a file
 * and a reader never sees half a line from a completed export.  The
 * Collector's otlpjsonfile receiver reads this format.
 *
 * Errors: a failed write (disk full) makes the export fail permanently for
 * that batch (counted by the processor) and is reported, rate-limited.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exporters/common/otlp_json.h"
#include "sdk/config_int.h"
#include "sdk/internal.h"

#include "otelc/exporters.h"

typedef struct file_state {
    int fd;
    char *path;
    otelc__buf buf;
    otelc__ratelimit rl;
} file_state;

static otelc_export_result file_export(void *st,
                                       const otelc_span_data *const *spans,
                                       size_t n, otelc_export_context *ctx) {
    (void)ctx;
    file_state *f = st;
    otelc__buf_reset(&f->buf);
    otelc__otlp_json_traces(&f->buf, spans, n);
    otelc__buf_putc(&f->buf, '\n');
    if (f->buf.oom) {
        otelc__diag_limited(&f->rl, OTELC_DIAG_ERROR,
                            "file exporter: out of memory encoding %zu spans",
                            n);
        return OTELC_EXPORT_FAILURE;
    }
    size_t off = 0;
    while (off < f->buf.len) {
        ssize_t w = write(f->fd, f->buf.data + off, f->buf.len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            otelc__diag_limited(&f->rl, OTELC_DIAG_ERROR,
                                "file exporter: writing %s: %s", f->path,
                                strerror(errno));
            return OTELC_EXPORT_FAILURE;
        }
        off += (size_t)w;
    }
    return OTELC_EXPORT_SUCCESS;
}

static otelc_status file_flush(void *st, uint64_t deadline) {
    (void)deadline;
    file_state *f = st;
    return fdatasync(f->fd) == 0 || errno == EINVAL ? OTELC_OK : OTELC_EIO;
}

static void file_free(void *st) {
    file_state *f = st;
    if (f->fd >= 0)
        close(f->fd);
    otelc__buf_free(&f->buf);
    free(f->path);
    free(f);
}

static const otelc_span_exporter_ops file_ops = {
    "file", file_export, file_flush, NULL, file_free};

/* mkdir -p for the parent directories of path. */
static void make_parents(const char *path) {
    char *p = otelc__strdup(path);
    if (!p)
        return;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    free(p);
}

OTELC_API otelc_span_exporter *otelc_file_exporter_new(const char *path) {
    if (!path || !path[0])
        path = otelc__cfg_str(OTELC_CFG_FILE_PATH);
    if (!path[0])
        path = "otelc-traces.jsonl";
    make_parents(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        otelc__diag(OTELC_DIAG_ERROR, "file exporter: cannot open %s: %s",
                    path, strerror(errno));
        return NULL;
    }
    file_state *f = calloc(1, sizeof *f);
    if (!f || !(f->path = otelc__strdup(path))) {
        free(f);
        close(fd);
        return NULL;
    }
    f->fd = fd;
    otelc__buf_init(&f->buf);
    return otelc_span_exporter_new(&file_ops, f);
}
