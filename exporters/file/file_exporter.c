/*
 * exporters/file/file_exporter.c - OTLP-JSON lines to a file.
 *
 * Format.  One export call = one line = one ExportTraceServiceRequest in
 * the OTLP JSON encoding (exporters/common/otlp_json.c), terminated by
 * "\n": the format the OpenTelemetry Collector's file exporter writes and
 * its otlpjsonfile receiver reads.  An empty batch writes nothing (the
 * OTLP specification: senders SHOULD NOT create empty envelopes).
 *
 * Writing.  The path comes from the caller, else OTELC_FILE_PATH (default
 * "otelc-traces.jsonl"); missing parent directories are created.  The file
 * is opened once, with O_APPEND, and each line goes out in one write(2) of
 * the exporter's reused buffer, so several processes may share a file and
 * a reader never sees two lines interleaved.  The buffer is the only
 * allocation in steady state; it is released when a huge batch left it
 * larger than SHRINK_ABOVE.
 *
 * Errors.  A path that cannot be opened fails creation (NULL) with one
 * diagnostic naming the path, the reason and, when it is the cause, the
 * directory that could not be created.  A failed write (disk full, EFBIG,
 * EIO, a closed pipe) drops that batch: the export returns
 * OTELC_EXPORT_FAILURE, which the processor counts as dropped_export, and
 * a rate-limited diagnostic names the path and errno.  If the kernel took
 * part of a line before failing, the next line starts with "\n", so
 * exactly one line is lost and every later line parses again.
 *
 * Pipes and FIFOs (OTELC_FILE_PATH=/dev/stdout under a log shipper) are
 * written non-blocking with poll(2) bounded by the export deadline, and
 * with SIGPIPE blocked on the writing thread so that a reader that went
 * away gives EPIPE instead of killing the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exporters/common/otlp_json.h"
#include "sdk/config_int.h"
#include "sdk/internal.h"

#include "otelc/exporters.h"

/* Keep at most this much buffer between exports. */
#define SHRINK_ABOVE (4u << 20)

typedef struct file_state {
    int fd;
    bool stream;      /* a pipe, FIFO or socket: non-blocking writes */
    bool broken_line; /* the last line was cut short: start with "\n" */
    char *path;
    otelc__buf buf;
    otelc__ratelimit rl;
} file_state;

/* Wait until fd is writable or the deadline passes (false). */
static bool wait_writable(int fd, uint64_t deadline_mono_ns) {
    for (;;) {
        uint64_t now = otelc__mono_ns();
        if (now >= deadline_mono_ns)
            return false;
        uint64_t left_ms = (deadline_mono_ns - now + 999999) / 1000000;
        struct pollfd p = {fd, POLLOUT, 0};
        int r = poll(&p, 1, (int)OTELC_MIN(left_ms, 1000u));
        if (r > 0 || (r < 0 && errno != EINTR))
            return true; /* writable, or an error write() will report */
    }
}

/* Write all of [p, p+n).  Returns the bytes written; on a short count
 * errno says why (EAGAIN = the deadline passed on a stream). */
static size_t write_all(file_state *f, const char *p, size_t n,
                        uint64_t deadline) {
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(f->fd, p + off, n - off);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w == 0) {
            errno = EIO;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN && f->stream && wait_writable(f->fd, deadline))
            continue;
        break;
    }
    return off;
}

/* write_all with SIGPIPE blocked on this thread, consuming the signal a
 * write to a closed pipe raises, so the process's disposition is never
 * involved.  Only streams need it. */
static size_t write_stream(file_state *f, const char *p, size_t n,
                           uint64_t deadline) {
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    sigset_t pending;
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    size_t done = write_all(f, p, n, deadline);
    int err = errno;
    if (done < n && err == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return done;
}

static otelc_export_result file_export(void *st,
                                       const otelc_span_data *const *spans,
                                       size_t n, otelc_export_context *ctx) {
    file_state *f = st;
    if (n == 0)
        return OTELC_EXPORT_SUCCESS;
    otelc__buf *b = &f->buf;
    otelc__buf_reset(b);
    /* The line is built after a "\n" that is written only to terminate a
     * line an earlier failure cut short. */
    otelc__buf_putc(b, '\n');
    otelc__otlp_json_traces(b, spans, n);
    otelc__buf_putc(b, '\n');
    if (b->oom) {
        otelc__buf_free(b);
        otelc__diag_limited(&f->rl, OTELC_DIAG_ERROR,
                            "file exporter: out of memory encoding %zu spans "
                            "for %s; batch dropped",
                            n, f->path);
        return OTELC_EXPORT_FAILURE;
    }
    size_t start = f->broken_line ? 0 : 1;
    size_t len = b->len - start;
    /* Every worker passes a deadline; 10 s bounds a caller that does not. */
    uint64_t deadline = ctx && ctx->deadline_mono_ns
                            ? ctx->deadline_mono_ns
                            : otelc__mono_ns() + 10000000000u;
    size_t done = f->stream ? write_stream(f, b->data + start, len, deadline)
                            : write_all(f, b->data + start, len, deadline);
    int err = errno;
    if (b->cap > SHRINK_ABOVE)
        otelc__buf_free(b);
    if (done == len) {
        f->broken_line = false;
        return OTELC_EXPORT_SUCCESS;
    }
    if (done > 0)
        f->broken_line = true;
    if (err == EAGAIN) {
        otelc__diag_limited(&f->rl, OTELC_DIAG_WARN,
                            "file exporter: %s not writable before the "
                            "export deadline; will retry",
                            f->path);
        return done ? OTELC_EXPORT_FAILURE : OTELC_EXPORT_RETRYABLE;
    }
    otelc__diag_limited(&f->rl, OTELC_DIAG_ERROR,
                        "file exporter: writing %s failed: %s; %zu spans "
                        "dropped",
                        f->path, strerror(err), n);
    return OTELC_EXPORT_FAILURE;
}

static otelc_status file_flush(void *st, uint64_t deadline) {
    (void)deadline;
    file_state *f = st;
    if (f->stream)
        return OTELC_OK;
    if (fdatasync(f->fd) == 0 || errno == EINVAL || errno == EROFS)
        return OTELC_OK; /* EINVAL: a device that cannot sync (/dev/null) */
    otelc__diag_limited(&f->rl, OTELC_DIAG_ERROR,
                        "file exporter: syncing %s failed: %s", f->path,
                        strerror(errno));
    return OTELC_EIO;
}

static void file_free(void *st) {
    file_state *f = st;
    if (f->fd >= 0)
        close(f->fd);
    otelc__buf_free(&f->buf);
    free(f->path);
    free(f);
}

static const otelc_span_exporter_ops file_ops = {"file", file_export,
                                                 file_flush, NULL, file_free};

/* mkdir -p for the parent directories of path.  Returns false with errno
 * and the failing directory in *failed (malloc'd) when one could not be
 * created; an existing directory is not a failure. */
static bool make_parents(const char *path, char **failed) {
    *failed = NULL;
    char *p = otelc__strdup(path);
    if (!p)
        return false;
    bool ok = true;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/' || s[-1] == '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int err = errno;
            *failed = otelc__strdup(p);
            errno = err;
            ok = false;
            break;
        }
        *s = '/';
    }
    free(p);
    return ok;
}

OTELC_API otelc_span_exporter *otelc_file_exporter_new(const char *path) {
    if (!path || !path[0])
        path = otelc__cfg_str(OTELC_CFG_FILE_PATH);
    if (!path || !path[0])
        path = "otelc-traces.jsonl";
    char *failed_dir = NULL;
    int mkdir_err = 0;
    if (!make_parents(path, &failed_dir))
        mkdir_err = errno;
    /* O_NONBLOCK so that opening a FIFO nobody reads fails (ENXIO) instead
     * of hanging otelc_init(); cleared below for anything but a stream. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK,
                  0644);
    if (fd < 0) {
        int err = errno;
        if (failed_dir)
            otelc__diag(OTELC_DIAG_ERROR,
                        "file exporter: cannot open %s: %s (creating "
                        "directory %s failed: %s); spans will not be written",
                        path, strerror(err), failed_dir, strerror(mkdir_err));
        else
            otelc__diag(OTELC_DIAG_ERROR,
                        "file exporter: cannot open %s: %s; spans will not "
                        "be written",
                        path, strerror(err));
        free(failed_dir);
        return NULL;
    }
    free(failed_dir);
    struct stat sb;
    bool stream =
        fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
    if (!stream) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    file_state *f = calloc(1, sizeof *f);
    if (!f || !(f->path = otelc__strdup(path))) {
        free(f);
        close(fd);
        otelc__diag(OTELC_DIAG_ERROR, "file exporter: out of memory");
        return NULL;
    }
    f->fd = fd;
    f->stream = stream;
    otelc__buf_init(&f->buf);
    return otelc_span_exporter_new(&file_ops, f);
}
