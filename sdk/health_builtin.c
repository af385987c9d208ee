/*
 * sdk/health_builtin.c - the built-in health checks: free disk space,
 * memory use, TCP connect.  (The HTTP check is in sdk/health_http.c,
 * which needs libcurl.)
 *
 * Each registration copies its parameters into a small heap object owned
 * by the check.  Every check runs on its check's worker thread (see
 * sdk/health.c), so blocking calls here (statvfs on a dead NFS mount, a
 * slow DNS answer) cost that thread only; the registry reports the check
 * as timed out meanwhile.  The TCP check still bounds its own connect by
 * the check's timeout so that the worker comes back promptly.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/internal.h"

#include "otelc/health.h"

/* Human-readable bytes: "4.1 GiB". */
static void fmt_bytes(char *out, size_t len, double v) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    snprintf(out, len, "%.1f %s", v, units[u]);
}

/* ---- disk
 * ---------------------------------------------------------------------- */

typedef struct disk_check {
    double min_free;
    char path[];
} disk_check;

static otelc_health_status disk_fn(void *user, char *msg, size_t len) {
    disk_check *d = user;
    struct statvfs sv;
    if (statvfs(d->path, &sv) != 0) {
        snprintf(msg, len, "statvfs(%s): %s", d->path, strerror(errno));
        return OTELC_HEALTH_UNHEALTHY;
    }
    double total = (double)sv.f_blocks * sv.f_frsize;
    double avail = (double)sv.f_bavail * sv.f_frsize;
    double pct = total > 0 ? 100.0 * avail / total : 0;
    char a[32], t[32];
    fmt_bytes(a, sizeof a, avail);
    fmt_bytes(t, sizeof t, total);
    snprintf(msg, len, "%.1f%% free (%s of %s) on %s%s", pct, a, t, d->path,
             pct < d->min_free ? "; below the threshold" : "");
    return pct < d->min_free ? OTELC_HEALTH_UNHEALTHY : OTELC_HEALTH_HEALTHY;
}

OTELC_API otelc_status otelc_health_register_disk(otelc_health_registry *reg,
                                                  const char *name,
                                                  const char *path,
                                                  double min_free_percent,
                                                  uint32_t timeout_ms) {
    if (!path || !*path)
        return OTELC_EINVAL;
    size_t l = strlen(path);
    disk_check *d = malloc(sizeof *d + l + 1);
    if (!d)
        return OTELC_ENOMEM;
    d->min_free = min_free_percent;
    memcpy(d->path, path, l + 1);
    return otelc_health_register(reg, name, disk_fn, d, free, timeout_ms);
}

/* ---- memory
 * -------------------------------------------------------------------- */

typedef struct mem_check {
    double max_used;
} mem_check;

/* MemTotal and MemAvailable from /proc/meminfo, in bytes. */
static bool meminfo(double *total, double *avail) {
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f)
        return false;
    char line[256];
    double t = -1, a = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
            t = (double)kb * 1024;
        else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            a = (double)kb * 1024;
    }
    fclose(f);
    if (t <= 0 || a < 0)
        return false;
    *total = t;
    *avail = a;
    return true;
}

static otelc_health_status mem_fn(void *user, char *msg, size_t len) {
    mem_check *m = user;
    double total, avail;
    if (!meminfo(&total, &avail)) {
        snprintf(msg, len, "cannot read /proc/meminfo");
        return OTELC_HEALTH_UNHEALTHY;
    }
    double used = total - avail;
    double pct = 100.0 * used / total;
    char u[32], t[32];
    fmt_bytes(u, sizeof u, used);
    fmt_bytes(t, sizeof t, total);
    snprintf(msg, len, "%.1f%% of memory in use (%s of %s)%s", pct, u, t,
             pct > m->max_used ? "; above the threshold" : "");
    return pct > m->max_used ? OTELC_HEALTH_UNHEALTHY : OTELC_HEALTH_HEALTHY;
}

OTELC_API otelc_status otelc_health_register_memory(otelc_health_registry *reg,
                                                    const char *name,
                                                    double max_used_percent,
                                                    uint32_t timeout_ms) {
    mem_check *m = malloc(sizeof *m);
    if (!m)
        return OTELC_ENOMEM;
    m->max_used = max_used_percent;
    return otelc_health_register(reg, name, mem_fn, m, free, timeout_ms);
}

/* ---- TCP
 * ----------------------------------------------------------------------- */

typedef struct tcp_check {
    uint16_t port;
    uint32_t timeout_ms;
    char host[];
} tcp_check;

/* Connect to one address within the deadline; 0 or an errno value. */
static int try_connect(const struct addrinfo *ai, uint64_t deadline) {
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
               ai->ai_protocol);
    if (fd < 0)
        return errno;
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            err = ETIMEDOUT;
            for (;;) {
                uint64_t now = otelc__mono_ns();
                if (now >= deadline)
                    break;
                struct pollfd p = {fd, POLLOUT, 0};
                int ms = (int)((deadline - now + 999999) / 1000000);
                int r = poll(&p, 1, ms);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r > 0) {
                    socklen_t sl = sizeof err;
                    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
                        err = errno;
                }
                break;
            }
        }
    }
    close(fd);
    return err;
}

static otelc_health_status tcp_fn(void *user, char *msg, size_t len) {
    tcp_check *t = user;
    uint64_t deadline = otelc__mono_ns() + (uint64_t)t->timeout_ms * 1000000u;
    char port[8];
    snprintf(port, sizeof port, "%u", t->port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    int g = getaddrinfo(t->host, port, &hints, &res);
    if (g != 0) {
        snprintf(msg, len, "cannot resolve %s: %s", t->host, gai_strerror(g));
        return OTELC_HEALTH_UNHEALTHY;
    }
    int err = ENOENT;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        err = try_connect(ai, deadline);
        if (err == 0 || otelc__mono_ns() >= deadline)
            break;
    }
    freeaddrinfo(res);
    if (err == 0) {
        snprintf(msg, len, "connected to %s:%u", t->host, t->port);
        return OTELC_HEALTH_HEALTHY;
    }
    snprintf(msg, len, "cannot connect to %s:%u: %s", t->host, t->port,
             strerror(err));
    return OTELC_HEALTH_UNHEALTHY;
}

OTELC_API otelc_status otelc_health_register_tcp(otelc_health_registry *reg,
                                                 const char *name,
                                                 const char *host,
                                                 uint16_t port,
                                                 uint32_t timeout_ms) {
    if (!host || !*host || !port)
        return OTELC_EINVAL;
    size_t l = strlen(host);
    tcp_check *t = malloc(sizeof *t + l + 1);
    if (!t)
        return OTELC_ENOMEM;
    t->port = port;
    t->timeout_ms =
        timeout_ms
            ? timeout_ms
            : (uint32_t)otelc__cfg_int(OTELC_CFG_HEALTH_CHECK_TIMEOUT, 5000);
    memcpy(t->host, host, l + 1);
    return otelc_health_register(reg, name, tcp_fn, t, free, timeout_ms);
}
