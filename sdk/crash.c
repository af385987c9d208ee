/*
 * sdk/crash.c - the crash handler: a record of a fatal signal written with
 * async-signal-safe calls only, and the parser that reads it back on the
 * next start.
 *
 * What runs in the handler.  Only calls that POSIX lists as
 * async-signal-safe (sigaction, write, open, fsync, close, clock_gettime,
 * getpid, raise) plus backtrace(3) and backtrace_symbols_fd(3), which glibc
 * implements without malloc once libgcc's unwinder is loaded; install
 * calls backtrace() once so that the load (which does allocate) happens
 * there, not in the handler.  Everything else the handler needs - the file
 * name prefix, the service name - is formatted at install time into static
 * buffers.  Numbers are formatted by hand into a stack buffer.
 *
 * The crashing thread's trace context is read from its own context stack
 * (sdk/thread_int.h) through the initial-exec TLS pointer, without locks:
 * the stack is only ever written by its own thread, which is the one
 * running the handler.  If the signal interrupted a push, the top entry
 * may be stale; the pointers in it are still to live (pooled, never freed)
 * span records or to the previous entry's context, so the read is safe and
 * at worst names the parent span.
 *
 * Re-raising.  The handler first puts back the default disposition, so a
 * fault inside the handler itself, or the re-raise at its end, terminates
 * the process the way the signal would have without otelc (core dump,
 * exit status).  Only the first crashing thread writes a report; another
 * thread crashing at the same time goes straight to the default action.
 *
 * File format: text, one "key: value" per line, then "backtrace:" and one
 * frame per line (backtrace_symbols_fd's format).  See docs/errors.md.
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/errors_int.h"
#include "sdk/span_int.h"

static const int g_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define NSIG_CAUGHT (sizeof g_signals / sizeof g_signals[0])

static struct sigaction g_old[NSIG_CAUGHT];
static bool g_installed;
static char g_prefix[1100]; /* "<dir>/otelc-" */
static size_t g_prefix_len;
static char g_service[128];
static volatile sig_atomic_t g_in_handler;
static void *g_altstack;

/* ---- async-signal-safe formatting ---------------------------------------- */

typedef struct obuf {
    char b[2048];
    size_t n;
} obuf;

static void o_str(obuf *o, const char *s) {
    while (*s && o->n < sizeof o->b)
        o->b[o->n++] = *s++;
}

static void o_dec(obuf *o, long long v) {
    char tmp[24];
    int i = 0;
    unsigned long long u =
        v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[i++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[i++] = '-';
    while (i && o->n < sizeof o->b)
        o->b[o->n++] = tmp[--i];
}

static void o_hex(obuf *o, uintptr_t v) {
    static const char hx[] = "0123456789abcdef";
    o_str(o, "0x");
    for (int sh = (int)sizeof v * 8 - 4; sh >= 0; sh -= 4)
        if (o->n < sizeof o->b)
            o->b[o->n++] = hx[(v >> sh) & 15];
}

static void o_idhex(obuf *o, const uint8_t *p, size_t n) {
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n && o->n + 2 <= sizeof o->b; i++) {
        o->b[o->n++] = hx[p[i] >> 4];
        o->b[o->n++] = hx[p[i] & 15];
    }
}

static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static const char *sig_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    default: return "SIGNAL";
    }
}

static bool id_nonzero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return true;
    return false;
}

/* ---- the handler ------------------------------------------------------------
 */

static void write_report(int sig, siginfo_t *si) {
    /* The crashing thread's current span context (see the file comment). */
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    otelc__thread *t = otelc__tls;
    if (t && t->stack && t->depth && t->depth <= t->cap) {
        const otelc__ctx_entry *e = &t->stack[t->depth - 1];
        if (e->span)
            sc = e->span->d.context;
        else if (e->ctx)
            sc = e->ctx->sc;
    }
    bool has_trace = id_nonzero(sc.trace_id, 16) && id_nonzero(sc.span_id, 8);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pid_t pid = getpid();

    /* The file: <prefix><pid>-<seconds>.crash */
    obuf path;
    path.n = 0;
    o_str(&path, g_prefix);
    o_dec(&path, pid);
    o_str(&path, "-");
    o_dec(&path, (long long)ts.tv_sec);
    o_str(&path, ".crash");
    if (path.n >= sizeof path.b)
        path.n = sizeof path.b - 1;
    path.b[path.n] = '\0';
    int fd = g_prefix_len
                 ? open(path.b, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)
                 : -1;

    obuf o;
    o.n = 0;
    o_str(&o, "otelc crash report 1\nsignal: ");
    o_dec(&o, sig);
    o_str(&o, " ");
    o_str(&o, sig_name(sig));
    o_str(&o, "\ncode: ");
    o_dec(&o, si ? si->si_code : 0);
    o_str(&o, "\naddress: ");
    o_hex(&o, si && sig != SIGABRT ? (uintptr_t)si->si_addr : 0);
    o_str(&o, "\npid: ");
    o_dec(&o, pid);
    o_str(&o, "\ntid: ");
    o_dec(&o, (long long)syscall(SYS_gettid));
    o_str(&o, "\ntime: ");
    o_dec(&o, (long long)ts.tv_sec);
    o_str(&o, "\nservice: ");
    o_str(&o, g_service);
    o_str(&o, "\ntrace_id: ");
    if (has_trace)
        o_idhex(&o, sc.trace_id, 16);
    o_str(&o, "\nspan_id: ");
    if (has_trace)
        o_idhex(&o, sc.span_id, 8);
    o_str(&o, "\nbacktrace:\n");

    void *frames[64];
    int nf = backtrace(frames, 64);

    if (fd >= 0) {
        write_all(fd, o.b, o.n);
        backtrace_symbols_fd(frames, nf, fd);
        fsync(fd);
        close(fd);
    }

    /* stderr: one summary line, then the same record. */
    obuf l;
    l.n = 0;
    o_str(&l, "otelc: crash: ");
    o_str(&l, sig_name(sig));
    if (has_trace) {
        o_str(&l, " in trace_id=");
        o_idhex(&l, sc.trace_id, 16);
        o_str(&l, " span_id=");
        o_idhex(&l, sc.span_id, 8);
    }
    if (fd >= 0) {
        o_str(&l, "; report written to ");
        o_str(&l, path.b);
    } else {
        o_str(&l, "; no report file");
    }
    o_str(&l, "\n");
    write_all(2, l.b, l.n);
    write_all(2, o.b, o.n);
    backtrace_symbols_fd(frames, nf, 2);
}

static void on_fatal(int sig, siginfo_t *si, void *uctx) {
    (void)uctx;
    int saved = errno;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (!g_in_handler) {
        g_in_handler = 1;
        write_report(sig, si);
    }
    errno = saved;
    /* Pending until this handler returns (the signal is blocked while it
     * runs), then delivered with the default action.  For a hardware
     * fault, returning would also re-execute the faulting instruction. */
    raise(sig);
}

/* ---- install
 * ------------------------------------------------------------------ */

static bool mkdir_p(const char *dir) {
    char tmp[1024];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
        return false;
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return false;
            *p = '/';
        }
    }
    return mkdir(tmp, 0700) == 0 || errno == EEXIST;
}

OTELC_API otelc_status otelc_crash_handler_install(const char *dir) {
    if (!dir || !dir[0]) {
        dir = otelc__cfg_str(OTELC_CFG_CRASH_DIR);
        if (!dir[0])
            dir = ".otelc-crash";
    }
    if (strlen(dir) > 1000) {
        otelc__diag(OTELC_DIAG_ERROR, "crash handler: directory path longer "
                                      "than 1000 bytes; not installed");
        return OTELC_EINVAL;
    }
    if (!mkdir_p(dir)) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "crash handler: cannot create directory %s: %s; not "
                    "installed",
                    dir, strerror(errno));
        return OTELC_EIO;
    }
    /* Block the signals while the prefix changes, so a crash on this
     * thread cannot see it half-written. */
    sigset_t set, old;
    sigemptyset(&set);
    for (size_t i = 0; i < NSIG_CAUGHT; i++)
        sigaddset(&set, g_signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    snprintf(g_prefix, sizeof g_prefix, "%s/otelc-", dir);
    g_prefix_len = strlen(g_prefix);
    snprintf(g_service, sizeof g_service, "%s",
             otelc_resource_service_name(otelc_tracer_provider_resource(
                 otelc_tracer_provider_global())));
    /* The service name goes on one line of the report. */
    for (char *c = g_service; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    /* Load the unwinder now (it allocates), not in the handler. */
    void *f[4];
    int nf = backtrace(f, 4);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        backtrace_symbols_fd(f, nf, devnull);
        close(devnull);
    }

    /* An alternate stack for this thread, unless it has one: the handler
     * must run even when the crash is a stack overflow. */
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
        size_t sz = 64 * 1024;
        if (!g_altstack)
            g_altstack = malloc(sz);
        if (g_altstack) {
            stack_t ss = {.ss_sp = g_altstack, .ss_size = sz, .ss_flags = 0};
            sigaltstack(&ss, NULL);
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIG_CAUGHT; i++)
        sigaddset(&sa.sa_mask, g_signals[i]);
    for (size_t i = 0; i < NSIG_CAUGHT; i++) {
        struct sigaction prev;
        sigaction(g_signals[i], &sa, &prev);
        if (!g_installed)
            g_old[i] = prev;
    }
    g_in_handler = 0;
    g_installed = true;
    return OTELC_OK;
}

OTELC_API void otelc_crash_handler_uninstall(void) {
    if (!g_installed)
        return;
    for (size_t i = 0; i < NSIG_CAUGHT; i++)
        sigaction(g_signals[i], &g_old[i], NULL);
    g_installed = false;
}

/* ---- reading a report back
 * ------------------------------------------------------ */

static void copy_field(char *dst, size_t cap, const char *v, size_t n) {
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

bool otelc__crash_parse(const char *text, size_t len, otelc__crash_record *r) {
    memset(r, 0, sizeof *r);
    static const char magic[] = "otelc crash report ";
    if (len < sizeof magic - 1 || memcmp(text, magic, sizeof magic - 1))
        return false;
    const char *p = text, *end = text + len;
    bool have_signal = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (colon) {
            size_t kl = (size_t)(colon - p);
            const char *v = colon + 1;
            while (v < le && *v == ' ')
                v++;
            size_t vl = (size_t)(le - v);
            char tmp[64];
            copy_field(tmp, sizeof tmp, v, vl);
            if (kl == 9 && !memcmp(p, "backtrace", 9)) {
                const char *bt = nl ? nl + 1 : end;
                size_t bl = (size_t)(end - bt);
                while (bl && (bt[bl - 1] == '\n' || bt[bl - 1] == '\r'))
                    bl--;
                if (bl) {
                    r->backtrace = malloc(bl + 1);
                    if (r->backtrace) {
                        memcpy(r->backtrace, bt, bl);
                        r->backtrace[bl] = '\0';
                    }
                }
                break;
            } else if (kl == 6 && !memcmp(p, "signal", 6)) {
                char *sp;
                r->signal = (int)strtol(tmp, &sp, 10);
                while (*sp == ' ')
                    sp++;
                copy_field(r->signal_name, sizeof r->signal_name, sp,
                           strlen(sp));
                have_signal = r->signal > 0;
            } else if (kl == 7 && !memcmp(p, "address", 7)) {
                copy_field(r->address, sizeof r->address, v, vl);
            } else if (kl == 3 && !memcmp(p, "pid", 3)) {
                r->pid = strtoll(tmp, NULL, 10);
            } else if (kl == 4 && !memcmp(p, "time", 4)) {
                r->time_s = strtoll(tmp, NULL, 10);
            } else if (kl == 7 && !memcmp(p, "service", 7)) {
                copy_field(r->service, sizeof r->service, v, vl);
            } else if (kl == 8 && !memcmp(p, "trace_id", 8)) {
                copy_field(r->trace_id, sizeof r->trace_id, v, vl);
            } else if (kl == 7 && !memcmp(p, "span_id", 7)) {
                copy_field(r->span_id, sizeof r->span_id, v, vl);
            }
        }
        p = nl ? nl + 1 : end;
    }
    if (!have_signal) {
        free(r->backtrace);
        r->backtrace = NULL;
        return false;
    }
    if (!r->signal_name[0])
        snprintf(r->signal_name, sizeof r->signal_name, "signal %d", r->signal);
    return true;
}
