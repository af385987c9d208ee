/*
 * sdk/log_sink_syslog.c - log records to syslog (ENABLE_SYSLOG).
 *
 * Remote (SYSLOG_HOST a host name or address, SYSLOG_PORT): RFC 5424
 * messages,
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
 * with PRI = SYSLOG_FACILITY * 8 + severity (TRACE, DEBUG -> 7 debug; INFO
 * -> 6 info; WARN -> 4 warning; ERROR -> 3 err; FATAL -> 2 crit),
 * TIMESTAMP in UTC with microseconds (RFC 5424 allows at most six
 * fractional digits), APP-NAME = service.name and MSGID = the logger name
 * (both cut to the RFC's lengths and to printable ASCII), MSG = the record
 * in LOG_FORMAT (the JSON object or the text line).  A record made while a
 * span was current carries the structured-data element
 *   [otel@32473 trace_id="..." span_id="..." trace_flags="01"]
 * SD-IDs without '@' are reserved for IANA registration; 32473 is the
 * private enterprise number RFC 5612 reserves for documentation, used
 * until otelc has a number of its own (change OTELC_SD_ID below).
 * Transport: UDP, one message per datagram (RFC 5426), or with
 * SYSLOG_PROTOCOL=tcp, TCP with octet-counting framing "LEN SP MSG"
 * (RFC 6587).  A message longer than SYSLOG_MAX_MESSAGE_SIZE is cut at a
 * UTF-8 boundary (counted as truncated).
 *
 * Local (SYSLOG_HOST a path, such as /dev/log): the format of glibc's
 * syslog(3) that local daemons (rsyslog imuxsock, journald) parse,
 *   <PRI>Mmm dd hh:mm:ss APP-NAME[PID]: MSG
 * over a Unix datagram socket; the ids are in MSG (both formats carry
 * trace_id and span_id).
 *
 * Never blocking the worker.  Sockets are non-blocking.  UDP and local
 * sends that fail (no listener, buffer full) lose that record, counted.
 * TCP keeps a bounded output buffer (1 MiB): frames wait there while the
 * connection is being made or is slow, and records that do not fit are
 * dropped and counted.  Connecting is asynchronous and retried with
 * backoff (1 s doubling to 30 s).  A frame cut by a broken connection is
 * dropped whole, never resent half.  Only flush and shutdown wait for the
 * network, and only until their deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/log_int.h"

#define OTELC_SD_ID "otel@32473"
#define TCP_BUFFER_MAX (1u << 20)

enum { T_UDP, T_TCP, T_UNIX };
enum { S_DOWN, S_CONNECTING, S_UP };

typedef struct syslog_sink {
    otelc__log_sink base;
    otelc__log_fmt fmt;
    int transport;
    int fd;
    int state;
    char *host; /* or socket path */
    int port;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool resolved;
    uint64_t next_try_mono;
    uint64_t backoff_ms;
    unsigned facility;
    size_t max_msg;
    char hostname[256];
    char app[49];
    otelc__buf frame; /* one message being built */
    otelc__buf out;   /* TCP: frames not yet sent */
    size_t out_head;  /* bytes of out already sent */
    otelc__ratelimit conn_rl;
} syslog_sink;

static const char *const g_facilities[] = {
    "kern",   "user",     "mail",    "daemon",       "auth",     "syslog",
    "lpr",    "news",     "uucp",    "cron",         "authpriv", "ftp",
    "ntp",    "security", "console", "solaris-cron", "local0",   "local1",
    "local2", "local3",   "local4",  "local5",       "local6",   "local7"};

static unsigned severity_of(unsigned level) {
    static const unsigned map[OTELC__LOG_NLEVELS] = {7, 7, 6, 4, 3, 2};
    return map[otelc__log_level_index(level)];
}

/* Printable US-ASCII (33..126) only, at most max chars; "-" when empty. */
static void sanitize(char *out, size_t max, const char *in) {
    size_t n = 0;
    for (; in && *in && n < max; in++) {
        unsigned char c = (unsigned char)*in;
        out[n++] = c >= 33 && c <= 126 ? (char)c : '_';
    }
    if (!n)
        out[n++] = '-';
    out[n] = '\0';
}

/* ---- connection ---------------------------------------------------------- */

static void close_fd(syslog_sink *s) {
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->state = S_DOWN;
}

static bool resolve(syslog_sink *s) {
    if (s->transport == T_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)&s->addr;
        memset(un, 0, sizeof *un);
        un->sun_family = AF_UNIX;
        if (strlen(s->host) >= sizeof un->sun_path)
            return false;
        strcpy(un->sun_path, s->host);
        s->addr_len = (socklen_t)sizeof *un;
        return s->resolved = true;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = s->transport == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    int rc = getaddrinfo(s->host, port, &hints, &res);
    if (rc || !res) {
        atomic_fetch_add(&s->base.c.errors, 1);
        otelc__diag_limited(&s->conn_rl, OTELC_DIAG_ERROR,
                            "syslog log sink: cannot resolve %s: %s", s->host,
                            gai_strerror(rc));
        if (res)
            freeaddrinfo(res);
        return false;
    }
    memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
    s->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return s->resolved = true;
}

static void schedule_retry(syslog_sink *s) {
    s->next_try_mono = otelc__mono_ns() + s->backoff_ms * 1000000u;
    s->backoff_ms = s->backoff_ms * 2 > 30000 ? 30000 : s->backoff_ms * 2;
}

static void conn_failed(syslog_sink *s, int err, const char *what) {
    atomic_fetch_add(&s->base.c.errors, 1);
    if (s->transport == T_UNIX)
        otelc__diag_limited(&s->conn_rl, OTELC_DIAG_ERROR,
                            "syslog log sink: %s %s: %s", what, s->host,
                            strerror(err));
    else
        otelc__diag_limited(&s->conn_rl, OTELC_DIAG_ERROR,
                            "syslog log sink: %s %s:%d: %s", what, s->host,
                            s->port, strerror(err));
    close_fd(s);
    schedule_retry(s);
    /* The address may have changed (a restarted server elsewhere). */
    if (s->transport == T_TCP)
        s->resolved = false;
}

/* Move the connection state forward without waiting. */
static void advance(syslog_sink *s) {
    if (s->state == S_UP)
        return;
    uint64_t now = otelc__mono_ns();
    if (s->state == S_DOWN) {
        if (now < s->next_try_mono)
            return;
        if (!s->resolved && !resolve(s)) {
            schedule_retry(s);
            return;
        }
        int type = s->transport == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
        s->fd =
            socket(s->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd < 0) {
            conn_failed(s, errno, "cannot create a socket for");
            return;
        }
        if (connect(s->fd, (struct sockaddr *)&s->addr, s->addr_len) == 0) {
            s->state = S_UP;
            s->backoff_ms = 1000;
            return;
        }
        if (errno != EINPROGRESS) {
            conn_failed(s, errno, "cannot connect to");
            return;
        }
        s->state = S_CONNECTING;
    }
    struct pollfd pfd = {s->fd, POLLOUT, 0};
    if (poll(&pfd, 1, 0) <= 0)
        return; /* still connecting */
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) {
        conn_failed(s, err, "cannot connect to");
        return;
    }
    s->state = S_UP;
    s->backoff_ms = 1000;
}

/* ---- TCP output buffer --------------------------------------------------- */

/* Length of the frame starting at p ("LEN SP MSG"). */
static size_t frame_len(const char *p, size_t avail) {
    size_t n = 0, i = 0;
    while (i < avail && p[i] >= '0' && p[i] <= '9')
        n = n * 10 + (size_t)(p[i++] - '0');
    return i + 1 + n;
}

/* Remove the fully sent frames from the front of the buffer, counting
 * them as written, so that out_head always lies inside the first frame. */
static void drop_sent(syslog_sink *s) {
    size_t done = 0, frames = 0;
    while (done < s->out.len) {
        size_t fl = frame_len(s->out.data + done, s->out.len - done);
        if (done + fl > s->out_head)
            break;
        done += fl;
        frames++;
    }
    if (!done)
        return;
    memmove(s->out.data, s->out.data + done, s->out.len - done);
    s->out.len -= done;
    s->out_head -= done;
    atomic_fetch_add(&s->base.c.written, frames);
}

/* Send what the socket takes now, without waiting. */
static void tcp_send(syslog_sink *s) {
    while (s->state == S_UP && s->out_head < s->out.len) {
        ssize_t w = send(s->fd, s->out.data + s->out_head,
                         s->out.len - s->out_head, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            int e = w < 0 ? errno : ECONNRESET;
            if (s->out_head > 0) {
                /* The frame in flight is lost whole: the receiver saw half
                 * of it, and resending would duplicate that half. */
                size_t fl = frame_len(s->out.data, s->out.len);
                memmove(s->out.data, s->out.data + fl, s->out.len - fl);
                s->out.len -= fl;
                atomic_fetch_add(&s->base.c.failed, 1);
            }
            s->out_head = 0;
            conn_failed(s, e, "connection lost to");
            return;
        }
        s->out_head += (size_t)w;
        atomic_fetch_add(&s->base.c.bytes, (uint64_t)w);
        drop_sent(s);
    }
}

/* ---- message building ---------------------------------------------------- */

static void build_5424(syslog_sink *s, const otelc_log_record_data *r,
                       const char *line, size_t len, int pid) {
    otelc__buf *f = &s->frame;
    char ts[40], msgid[33];
    otelc__log_time(ts, r->timestamp, 6);
    sanitize(msgid, 32, r->scope ? r->scope->name : "");
    otelc__buf_printf(f, "<%u>1 %s %s %s %d %s ",
                      s->facility * 8 +
                          severity_of((unsigned)r->severity_number),
                      ts, s->hostname, s->app, pid, msgid);
    if (otelc_span_context_is_valid(&r->span_context)) {
        char tid[33], sid[17];
        otelc_trace_id_to_hex(r->span_context.trace_id, tid);
        otelc_span_id_to_hex(r->span_context.span_id, sid);
        otelc__buf_printf(f,
                          "[" OTELC_SD_ID " trace_id=\"%s\" span_id=\"%s\" "
                          "trace_flags=\"%02x\"]",
                          tid, sid, r->span_context.trace_flags);
    } else {
        otelc__buf_putc(f, '-');
    }
    otelc__buf_putc(f, ' ');
    otelc__buf_append(f, line, len);
}

static void build_local(syslog_sink *s, const otelc_log_record_data *r,
                        const char *line, size_t len, int pid) {
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(r->timestamp / 1000000000u);
    struct tm tm;
    localtime_r(&t, &tm);
    otelc__buf_printf(&s->frame, "<%u>%s %2d %02d:%02d:%02d %s[%d]: ",
                      s->facility * 8 +
                          severity_of((unsigned)r->severity_number),
                      mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, s->app, pid);
    otelc__buf_append(&s->frame, line, len);
}

/* Cut the frame to the size limit at a UTF-8 boundary. */
static void limit_frame(syslog_sink *s) {
    otelc__buf *f = &s->frame;
    if (f->len <= s->max_msg)
        return;
    size_t n = s->max_msg;
    while (n > 0 && ((unsigned char)f->data[n] & 0xc0) == 0x80)
        n--;
    f->len = n;
    f->data[n] = '\0';
    atomic_fetch_add(&s->base.c.truncated, 1);
}

static void syslog_write(otelc__log_sink *base, otelc__log_batch *b) {
    syslog_sink *s = (syslog_sink *)base;
    if (!otelc__log_batch_format(b, s->fmt)) {
        atomic_fetch_add(&base->c.failed, b->n);
        atomic_fetch_add(&base->c.errors, 1);
        return;
    }
    advance(s);
    int pid = (int)getpid();
    size_t lost = 0;
    for (size_t i = 0; i < b->n; i++) {
        size_t len;
        const char *line = otelc__log_batch_line(b, s->fmt, i, &len);
        if (len && line[len - 1] == '\n')
            len--;
        otelc__buf_reset(&s->frame);
        if (s->transport == T_UNIX)
            build_local(s, &b->recs[i]->d, line, len, pid);
        else
            build_5424(s, &b->recs[i]->d, line, len, pid);
        limit_frame(s);
        if (s->frame.oom) {
            lost++;
            continue;
        }
        if (s->transport == T_TCP) {
            if (s->out.len + s->frame.len + 12 > TCP_BUFFER_MAX) {
                lost++;
                continue;
            }
            otelc__buf_printf(&s->out, "%zu ", s->frame.len);
            otelc__buf_append(&s->out, s->frame.data, s->frame.len);
            if (s->out.oom) {
                /* A frame must never be half in the buffer. */
                s->out.oom = false;
                lost++;
            }
            continue;
        }
        if (s->state != S_UP) {
            lost++;
            continue;
        }
        ssize_t w = send(s->fd, s->frame.data, s->frame.len,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w == (ssize_t)s->frame.len) {
            atomic_fetch_add(&base->c.written, 1);
            atomic_fetch_add(&base->c.bytes, (uint64_t)w);
            continue;
        }
        lost++;
        atomic_fetch_add(&base->c.errors, 1);
        int e = w < 0 ? errno : EMSGSIZE;
        otelc__diag_limited(&base->rl, OTELC_DIAG_ERROR,
                            "syslog log sink: send to %s: %s", s->host,
                            strerror(e));
        if (s->transport == T_UNIX &&
            (e == ECONNREFUSED || e == ENOTCONN || e == ENOENT)) {
            /* The local daemon restarted: reconnect later. */
            close_fd(s);
            schedule_retry(s);
        }
    }
    if (lost) {
        atomic_fetch_add(&base->c.failed, lost);
        if (s->transport == T_TCP)
            otelc__diag_limited(&base->rl, OTELC_DIAG_WARN,
                                "syslog log sink: %zu records dropped: "
                                "%s:%d is not taking them fast enough (1 MiB "
                                "buffered)",
                                lost, s->host, s->port);
    }
    if (s->transport == T_TCP) {
        advance(s);
        tcp_send(s);
    }
}

/* Wait (until the deadline) for the TCP buffer to drain. */
static void syslog_flush(otelc__log_sink *base, uint64_t deadline) {
    syslog_sink *s = (syslog_sink *)base;
    if (s->transport != T_TCP)
        return;
    while (s->out.len) {
        uint64_t now = otelc__mono_ns();
        if (now >= deadline)
            return;
        if (s->state == S_DOWN) {
            if (now < s->next_try_mono) {
                /* Backing off: flushing is a reason to try again now. */
                s->next_try_mono = now;
            }
            advance(s);
            if (s->state == S_DOWN)
                return; /* refused: nothing to wait for */
        }
        int ms = (int)((deadline - now) / 1000000u);
        if (ms > 100)
            ms = 100;
        struct pollfd pfd = {s->fd, POLLOUT, 0};
        poll(&pfd, 1, ms);
        advance(s);
        tcp_send(s);
    }
}

static void syslog_close(otelc__log_sink *base) {
    syslog_sink *s = (syslog_sink *)base;
    if (s->out.len) {
        /* Whatever is still buffered now is lost. */
        size_t frames = 0, at = 0;
        while (at < s->out.len) {
            at += frame_len(s->out.data + at, s->out.len - at);
            frames++;
        }
        atomic_fetch_add(&base->c.failed, frames);
    }
    close_fd(s);
    otelc__buf_free(&s->frame);
    otelc__buf_free(&s->out);
}

otelc__log_sink *otelc__log_sink_syslog_new(otelc__log_fmt fmt,
                                            const char *service) {
    syslog_sink *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.name = "syslog";
    s->base.write = syslog_write;
    s->base.flush = syslog_flush;
    s->base.close = syslog_close;
    s->fmt = fmt == OTELC__FMT_JSON ? OTELC__FMT_JSON : OTELC__FMT_TEXT;
    s->fd = -1;
    s->backoff_ms = 1000;
    const char *host = otelc__cfg_str(OTELC_CFG_SYSLOG_HOST);
    s->host = otelc__strdup(host[0] ? host : "localhost");
    s->port = (int)otelc__cfg_int(OTELC_CFG_SYSLOG_PORT, 514);
    if (!s->host) {
        free(s);
        return NULL;
    }
    if (s->host[0] == '/')
        s->transport = T_UNIX;
    else if (!strcmp(otelc__cfg_str(OTELC_CFG_SYSLOG_PROTOCOL), "tcp"))
        s->transport = T_TCP;
    else
        s->transport = T_UDP;
    s->facility = 1;
    const char *fac = otelc__cfg_str(OTELC_CFG_SYSLOG_FACILITY);
    for (unsigned i = 0; i < OTELC_ARRAY_LEN(g_facilities); i++)
        if (!strcmp(fac, g_facilities[i]))
            s->facility = i;
    s->max_msg =
        (size_t)otelc__cfg_int(OTELC_CFG_SYSLOG_MAX_MESSAGE_SIZE, 8192);
    char hn[256] = "";
    gethostname(hn, sizeof hn - 1);
    sanitize(s->hostname, 255, hn);
    sanitize(s->app, 48, service);
    if (s->transport == T_UNIX &&
        strlen(s->host) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "SYSLOG_HOST=\"%s\": socket path too long; no syslog sink",
                    s->host);
        free(s->host);
        free(s);
        return NULL;
    }
    /* Resolve and connect now, so that a bad host is reported at start. */
    advance(s);
    return &s->base;
}
