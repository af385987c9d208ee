/*
 * sdk/log_sink_file.c - log lines to LOG_FILE, with rotation.
 *
 * Rotation.  Before a line is written, the sink rotates when the file
 * would pass LOG_MAX_SIZE bytes with it (a file therefore never exceeds
 * the limit, unless one line alone does: such a line goes to an empty
 * file), and with LOG_ROTATE_DAILY when the record's time is past local
 * midnight of the file's day.  Rotating shifts the backups up - app.log.N
 * is removed, app.log.(i) becomes app.log.(i+1), app.log becomes
 * app.log.1 - so at most LOG_BACKUP_COUNT backups are kept, newest first.
 * With LOG_ROTATE_GZIP the new app.log.1 is compressed (zlib, level 1 for
 * speed) to app.log.1.gz through a temporary file and a rename, so a
 * reader never sees a half-written archive; the backups are then
 * app.log.1.gz ... app.log.N.gz.  LOG_BACKUP_COUNT=0 keeps no backup: the
 * file is truncated instead.
 *
 * Threads.  Only the log worker calls into a sink, so rotation happens
 * between two of its writes and can never interleave with a write: it is
 * safe however many threads log, with no lock.  Each batch is written with
 * one write(2) per contiguous run of lines on an O_APPEND descriptor, so
 * lines are never torn by concurrent writers in other processes either.
 *
 * External rotation.  otelc_log_reopen() (typically from a SIGHUP handler
 * after logrotate renamed the file) makes the worker reopen LOG_FILE
 * before its next write.
 *
 * Errors.  A failed write (disk full) counts the records that did not get
 * out, reports once per interval, and the next write starts on a fresh
 * line.  A file that cannot be opened is retried at most once a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sdk/config_int.h"
#include "sdk/log_int.h"

_Atomic int64_t otelc__log_test_day_offset_ns;

typedef struct file_sink {
    otelc__log_sink base;
    otelc__log_fmt fmt;
    char *path;
    int fd;
    uint64_t size;
    uint64_t max;
    uint32_t backups;
    bool gzip;
    bool daily;
    bool need_nl; /* the last write stopped inside a line */
    bool regular; /* rotation only for regular files (never /dev/null) */
    otelc_time_ns next_midnight;
    uint64_t next_open_mono;
} file_sink;

static otelc_time_ns wall_now(void) {
    return otelc__now_ns() +
           (otelc_time_ns)atomic_load_explicit(&otelc__log_test_day_offset_ns,
                                               memory_order_relaxed);
}

/* Local midnight after wall-clock time t (nanoseconds). */
static otelc_time_ns midnight_after(otelc_time_ns t) {
    time_t s = (time_t)(t / 1000000000u);
    struct tm tm;
    localtime_r(&s, &tm);
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_mday += 1;
    tm.tm_isdst = -1;
    time_t m = mktime(&tm);
    if (m <= s)
        m = s + 86400; /* a broken time zone: roughly a day */
    return (otelc_time_ns)m * 1000000000u;
}

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

static bool open_file(file_sink *f, int extra_flags) {
    make_parents(f->path);
    f->fd = open(f->path,
                 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | extra_flags, 0644);
    if (f->fd < 0) {
        atomic_fetch_add(&f->base.c.errors, 1);
        otelc__diag_limited(&f->base.rl, OTELC_DIAG_ERROR,
                            "file log sink: cannot open %s: %s", f->path,
                            strerror(errno));
        f->next_open_mono = otelc__mono_ns() + 1000000000u;
        return false;
    }
    struct stat st;
    f->regular = fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode);
    f->size = f->regular ? (uint64_t)st.st_size : 0;
    f->need_nl = false;
    return true;
}

static void name_of(char *out, size_t cap, const char *path, uint32_t i,
                    const char *ext) {
    snprintf(out, cap, "%s.%u%s", path, i, ext);
}

/* Compress src into dst (through dst.tmp); true on success. */
static bool gzip_file(file_sink *f, const char *src, const char *dst) {
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s.tmp", dst);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return false;
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    gzFile gz = out >= 0 ? gzdopen(out, "wb1") : NULL;
    bool ok = gz != NULL;
    if (!gz && out >= 0)
        close(out);
    static char buf[65536];
    while (ok) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ok = false;
            break;
        }
        if (r == 0)
            break;
        if (gzwrite(gz, buf, (unsigned)r) != (int)r)
            ok = false;
    }
    close(in);
    if (gz && gzclose(gz) != Z_OK)
        ok = false;
    if (ok && rename(tmp, dst) != 0)
        ok = false;
    if (!ok) {
        int e = errno;
        unlink(tmp);
        atomic_fetch_add(&f->base.c.errors, 1);
        otelc__diag_limited(&f->base.rl, OTELC_DIAG_ERROR,
                            "file log sink: cannot compress %s: %s; kept "
                            "uncompressed",
                            src, strerror(e));
    }
    return ok;
}

static void rotate(file_sink *f) {
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    atomic_fetch_add(&f->base.c.rotations, 1);
    if (f->backups == 0) {
        open_file(f, O_TRUNC);
        return;
    }
    char a[PATH_MAX + 32], b[PATH_MAX + 32];
    /* Both spellings: LOG_ROTATE_GZIP may have changed between runs. */
    static const char *const exts[2] = {"", ".gz"};
    for (int e = 0; e < 2; e++) {
        name_of(a, sizeof a, f->path, f->backups, exts[e]);
        unlink(a);
        for (uint32_t i = f->backups - 1; i >= 1; i--) {
            name_of(a, sizeof a, f->path, i, exts[e]);
            name_of(b, sizeof b, f->path, i + 1, exts[e]);
            rename(a, b); /* ENOENT for missing backups is fine */
        }
    }
    name_of(a, sizeof a, f->path, 1, "");
    if (rename(f->path, a) != 0 && errno != ENOENT) {
        atomic_fetch_add(&f->base.c.errors, 1);
        otelc__diag_limited(&f->base.rl, OTELC_DIAG_ERROR,
                            "file log sink: cannot rename %s to %s: %s",
                            f->path, a, strerror(errno));
    } else if (f->gzip) {
        name_of(b, sizeof b, f->path, 1, ".gz");
        if (gzip_file(f, a, b))
            unlink(a);
    }
    open_file(f, 0);
}

/* Write lines [from, to) of the batch. */
static void write_range(file_sink *f, otelc__log_batch *b, size_t from,
                        size_t to) {
    if (from == to)
        return;
    otelc__log_sink *s = &f->base;
    if (f->fd < 0) {
        atomic_fetch_add(&s->c.failed, to - from);
        return;
    }
    const size_t *off = b->off[f->fmt];
    const char *data = b->lines[f->fmt].data + off[from];
    size_t len = off[to] - off[from], done = 0;
    if (f->need_nl) {
        /* Never glue a line to the torn end of a failed write. */
        if (write(f->fd, "\n", 1) == 1) {
            f->need_nl = false;
            f->size++;
        }
    }
    while (done < len) {
        ssize_t w = write(f->fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            size_t ok = 0;
            while (from + ok < to && off[from + ok + 1] - off[from] <= done)
                ok++;
            if (off[from + ok] - off[from] != done)
                f->need_nl = true;
            atomic_fetch_add(&s->c.written, ok);
            atomic_fetch_add(&s->c.failed, to - from - ok);
            atomic_fetch_add(&s->c.errors, 1);
            atomic_fetch_add(&s->c.bytes, done);
            f->size += done;
            otelc__diag_limited(&s->rl, OTELC_DIAG_ERROR,
                                "file log sink: writing %s: %s; %zu records "
                                "lost",
                                f->path, strerror(e), to - from - ok);
            return;
        }
        done += (size_t)w;
    }
    f->size += len;
    atomic_fetch_add(&s->c.written, to - from);
    atomic_fetch_add(&s->c.bytes, len);
}

static void file_write(otelc__log_sink *s, otelc__log_batch *b) {
    file_sink *f = (file_sink *)s;
    if (!otelc__log_batch_format(b, f->fmt)) {
        atomic_fetch_add(&s->c.failed, b->n);
        atomic_fetch_add(&s->c.errors, 1);
        otelc__diag_limited(&s->rl, OTELC_DIAG_ERROR,
                            "file log sink: out of memory formatting %zu "
                            "records",
                            b->n);
        return;
    }
    if (f->fd < 0 && otelc__mono_ns() >= f->next_open_mono)
        open_file(f, 0);
    const size_t *off = b->off[f->fmt];
    otelc_time_ns skew = (otelc_time_ns)atomic_load_explicit(
        &otelc__log_test_day_offset_ns, memory_order_relaxed);
    size_t start = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t pending = off[i] - off[start];
        uint64_t len = off[i + 1] - off[i];
        bool due = f->size + pending > 0 && f->size + pending + len > f->max;
        if (!f->regular) {
            /* A device or a pipe (/dev/stderr, a FIFO): renaming it would
             * be wrong, and its size means nothing. */
            due = false;
        } else if (f->daily) {
            otelc_time_ns t = b->recs[i]->d.timestamp + skew;
            if (t >= f->next_midnight) {
                f->next_midnight = midnight_after(t);
                if (f->size + pending > 0)
                    due = true;
            }
        }
        if (due) {
            write_range(f, b, start, i);
            start = i;
            rotate(f);
        }
    }
    write_range(f, b, start, b->n);
}

static void file_reopen(otelc__log_sink *s) {
    file_sink *f = (file_sink *)s;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    open_file(f, 0);
}

static void file_close(otelc__log_sink *s) {
    file_sink *f = (file_sink *)s;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

otelc__log_sink *otelc__log_sink_file_new(const char *path,
                                          otelc__log_fmt fmt) {
    if (!path || !path[0]) {
        otelc__diag(OTELC_DIAG_ERROR, "ENABLE_FILE_LOGGING=true but LOG_FILE "
                                      "is empty; no file log sink");
        return NULL;
    }
    if (strlen(path) > PATH_MAX - 16) {
        otelc__diag(OTELC_DIAG_ERROR, "LOG_FILE is too long; no file log sink");
        return NULL;
    }
    file_sink *f = calloc(1, sizeof *f);
    if (!f || !(f->path = otelc__strdup(path))) {
        free(f);
        return NULL;
    }
    f->base.name = "file";
    f->base.write = file_write;
    f->base.reopen = file_reopen;
    f->base.close = file_close;
    f->fmt = fmt;
    f->max = (uint64_t)otelc__cfg_int(OTELC_CFG_LOG_MAX_SIZE, 10485760);
    f->backups = (uint32_t)otelc__cfg_int(OTELC_CFG_LOG_BACKUP_COUNT, 5);
    f->gzip = otelc__cfg_bool(OTELC_CFG_LOG_ROTATE_GZIP, false);
    f->daily = otelc__cfg_bool(OTELC_CFG_LOG_ROTATE_DAILY, false);
    f->next_midnight = midnight_after(wall_now());
    if (!open_file(f, 0)) {
        /* Keep the sink: the directory may appear later (retried once a
         * second), and its counters show what was lost meanwhile. */
        otelc__diag(OTELC_DIAG_ERROR,
                    "file log sink: %s cannot be opened now; retrying", path);
    }
    return &f->base;
}
