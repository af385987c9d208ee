/*
 * sdk/metrics_builtin.c - the built-in observable instruments: process
 * metrics, host metrics and otelc's own health, all read at collection
 * time (never on a timer of their own).
 *
 * Process metrics are named so that their Prometheus names are exactly the
 * standard process collector's (the OTel-to-Prometheus rules add the unit
 * and _total):
 *   process.cpu             s, counter  -> process_cpu_seconds_total
 *   process.resident_memory By, gauge   -> process_resident_memory_bytes
 *   process.virtual_memory  By, gauge   -> process_virtual_memory_bytes
 *   process.open_fds        {fd}        -> process_open_fds
 *   process.max_fds         {fd}        -> process_max_fds
 *   process.start_time      s, gauge    -> process_start_time_seconds
 *   process.threads         {thread}    -> process_threads
 * Host metrics follow the semantic conventions (system.*); otelc's own
 * metrics are otelc.*.  docs/metrics.md has the full table.
 *
 * Everything here is parsed from /proc and statvfs with fixed-size
 * buffers; a file that cannot be read leaves its metric out of that
 * collection rather than reporting a wrong value.
 *
 * Other pipelines plug their counters in the same way: an observable
 * instrument on the "otelc" meter (otelc__self_meter()) whose callback
 * reads their stats struct.  The log pipeline's records emitted/dropped
 * are meant to become otelc.logs.* like this.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "sdk/metrics_int.h"
#include "sdk/span_int.h"

#include "otelc/version.h"

otelc_meter *otelc__self_meter(otelc_meter_provider *p) {
    return otelc_meter_get(p, "otelc", OTELC_VERSION_STRING);
}

/* Claim a registration bit; false when it was already set. */
static bool claim(otelc_meter_provider *p, uint32_t bit) {
    pthread_mutex_lock(&p->lock);
    bool first = !(p->registered & bit);
    p->registered |= bit;
    pthread_mutex_unlock(&p->lock);
    return first;
}

static otelc_meter_provider *resolve(otelc_meter_provider *p) {
    return p ? p : otelc_meter_provider_global();
}

/* ---- /proc/self/stat
 * ------------------------------------------------------------ */

typedef struct pstat {
    double utime_s, stime_s;
    long threads;
    double start_s; /* since boot */
    double vsize;   /* bytes */
    double rss;     /* bytes */
} pstat;

static bool read_file(const char *path, char *buf, size_t len) {
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n > 0;
}

static bool read_pstat(pstat *out) {
    char buf[1024];
    if (!read_file("/proc/self/stat", buf, sizeof buf))
        return false;
    /* The command name may hold spaces and parentheses: fields start
     * after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return false;
    p += 2;
    char state;
    int ppid, pgrp, session, tty, tpgid;
    unsigned flags;
    unsigned long minflt, cminflt, majflt, cmajflt, utime, stime;
    long cutime, cstime, prio, nice, threads, itreal;
    unsigned long long start;
    unsigned long vsize;
    long rss;
    int n =
        sscanf(p,
               "%c %d %d %d %d %d %u %lu %lu %lu %lu %lu %lu %ld %ld %ld "
               "%ld %ld %ld %llu %lu %ld",
               &state, &ppid, &pgrp, &session, &tty, &tpgid, &flags, &minflt,
               &cminflt, &majflt, &cmajflt, &utime, &stime, &cutime, &cstime,
               &prio, &nice, &threads, &itreal, &start, &vsize, &rss);
    if (n != 22)
        return false;
    double tck = (double)sysconf(_SC_CLK_TCK);
    if (tck <= 0)
        tck = 100;
    out->utime_s = (double)utime / tck;
    out->stime_s = (double)stime / tck;
    out->threads = threads;
    out->start_s = (double)start / tck;
    out->vsize = (double)vsize;
    out->rss = (double)rss * (double)sysconf(_SC_PAGESIZE);
    return true;
}

static double boot_time(void) {
    char buf[8192];
    if (!read_file("/proc/stat", buf, sizeof buf))
        return 0;
    const char *p = strstr(buf, "\nbtime ");
    return p ? strtod(p + 7, NULL) : 0;
}

/* ---- process metrics
 * ------------------------------------------------------------ */

enum { P_CPU, P_RSS, P_VSIZE, P_FDS, P_MAXFDS, P_START, P_THREADS };
static const int g_pkinds[] = {P_CPU,    P_RSS,   P_VSIZE,  P_FDS,
                               P_MAXFDS, P_START, P_THREADS};

static void process_cb(otelc_observer *o, void *user) {
    int which = *(const int *)user;
    pstat ps;
    switch (which) {
    case P_CPU:
        if (read_pstat(&ps)) {
            otelc_observe_double_attrs(o, ps.utime_s + ps.stime_s, NULL, 0);
        }
        break;
    case P_RSS:
        if (read_pstat(&ps))
            otelc_observe_double_attrs(o, ps.rss, NULL, 0);
        break;
    case P_VSIZE:
        if (read_pstat(&ps))
            otelc_observe_double_attrs(o, ps.vsize, NULL, 0);
        break;
    case P_THREADS:
        if (read_pstat(&ps))
            otelc_observe_attrs(o, ps.threads, NULL, 0);
        break;
    case P_START:
        if (read_pstat(&ps)) {
            double bt = boot_time();
            if (bt > 0)
                otelc_observe_double_attrs(o, bt + ps.start_s, NULL, 0);
        }
        break;
    case P_FDS: {
        DIR *d = opendir("/proc/self/fd");
        if (!d)
            break;
        int64_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                n++;
        closedir(d);
        otelc_observe_attrs(o, n - 1, NULL, 0); /* minus opendir's own */
        break;
    }
    case P_MAXFDS: {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
            otelc_observe_attrs(
                o,
                rl.rlim_cur == RLIM_INFINITY ? INT64_MAX : (int64_t)rl.rlim_cur,
                NULL, 0);
        break;
    }
    default: break;
    }
}

OTELC_API otelc_status
otelc_process_metrics_register(otelc_meter_provider *provider) {
    otelc_meter_provider *p = resolve(provider);
    if (!claim(p, OTELC__REG_PROCESS))
        return OTELC_OK;
    otelc_meter *m = otelc__self_meter(p);
    otelc_instrument_options dbl = {.value_type = OTELC_METRIC_VALUE_DOUBLE};
    otelc_instrument_options i64 = {.value_type = OTELC_METRIC_VALUE_INT};
    bool ok =
        m &&
        otelc_meter_create_observable_counter(
            m, "process.cpu", "s", "Total user and system CPU time spent.",
            &dbl, process_cb, (void *)&g_pkinds[P_CPU]) &&
        otelc_meter_create_observable_gauge(
            m, "process.resident_memory", "By", "Resident memory size.", &dbl,
            process_cb, (void *)&g_pkinds[P_RSS]) &&
        otelc_meter_create_observable_gauge(
            m, "process.virtual_memory", "By", "Virtual memory size.", &dbl,
            process_cb, (void *)&g_pkinds[P_VSIZE]) &&
        otelc_meter_create_observable_gauge(
            m, "process.open_fds", "{fd}", "Number of open file descriptors.",
            &i64, process_cb, (void *)&g_pkinds[P_FDS]) &&
        otelc_meter_create_observable_gauge(
            m, "process.max_fds", "{fd}",
            "Maximum number of open file descriptors.", &i64, process_cb,
            (void *)&g_pkinds[P_MAXFDS]) &&
        otelc_meter_create_observable_gauge(
            m, "process.start_time", "s",
            "Start time of the process since the Unix epoch.", &dbl, process_cb,
            (void *)&g_pkinds[P_START]) &&
        otelc_meter_create_observable_gauge(
            m, "process.threads", "{thread}", "Number of OS threads.", &i64,
            process_cb, (void *)&g_pkinds[P_THREADS]);
    return ok ? OTELC_OK : OTELC_ENOMEM;
}

/* ---- host metrics
 * ---------------------------------------------------------------- */

typedef struct cpu_state {
    pthread_mutex_t lock;
    unsigned long long last_total, last_idle;
} cpu_state;

static cpu_state g_cpu = {PTHREAD_MUTEX_INITIALIZER, 0, 0};

static void cpu_cb(otelc_observer *o, void *user) {
    (void)user;
    char buf[512];
    if (!read_file("/proc/stat", buf, sizeof buf))
        return;
    unsigned long long v[8] = {0};
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 4)
        return;
    unsigned long long total = 0;
    for (int i = 0; i < 8; i++)
        total += v[i];
    unsigned long long idle = v[3] + v[4]; /* idle + iowait */
    pthread_mutex_lock(&g_cpu.lock);
    /* Utilisation since the previous collection (since boot the first
     * time). */
    unsigned long long dt = total - g_cpu.last_total;
    unsigned long long di = idle - g_cpu.last_idle;
    g_cpu.last_total = total;
    g_cpu.last_idle = idle;
    pthread_mutex_unlock(&g_cpu.lock);
    if (dt == 0)
        return;
    double u = 1.0 - (double)di / (double)dt;
    otelc_observe_double_attrs(o, u < 0 ? 0 : u > 1 ? 1 : u, NULL, 0);
}

static bool meminfo(double *total, double *avail) {
    char buf[4096];
    if (!read_file("/proc/meminfo", buf, sizeof buf))
        return false;
    const char *t = strstr(buf, "MemTotal:");
    const char *a = strstr(buf, "MemAvailable:");
    if (!t || !a)
        return false;
    *total = strtod(t + 9, NULL) * 1024;
    *avail = strtod(a + 13, NULL) * 1024;
    return *total > 0;
}

static void mem_usage_cb(otelc_observer *o, void *user) {
    (void)user;
    double total, avail;
    if (!meminfo(&total, &avail))
        return;
    otelc_observe(o, (int64_t)(total - avail), "system.memory.state", "used");
    otelc_observe(o, (int64_t)avail, "system.memory.state", "free");
}

static void mem_util_cb(otelc_observer *o, void *user) {
    (void)user;
    double total, avail;
    if (!meminfo(&total, &avail))
        return;
    otelc_observe(o, (total - avail) / total, "system.memory.state", "used");
}

typedef struct fs_paths {
    size_t n;
    char **paths;
} fs_paths;

static void fs_usage_cb(otelc_observer *o, void *user) {
    fs_paths *f = user;
    for (size_t i = 0; i < f->n; i++) {
        struct statvfs sv;
        if (statvfs(f->paths[i], &sv) != 0)
            continue;
        int64_t used = (int64_t)((sv.f_blocks - sv.f_bfree) * sv.f_frsize);
        int64_t avail = (int64_t)(sv.f_bavail * sv.f_frsize);
        otelc_observe(o, used, "system.filesystem.mountpoint", f->paths[i],
                      "system.filesystem.state", "used");
        otelc_observe(o, avail, "system.filesystem.mountpoint", f->paths[i],
                      "system.filesystem.state", "free");
    }
}

static void fs_util_cb(otelc_observer *o, void *user) {
    fs_paths *f = user;
    for (size_t i = 0; i < f->n; i++) {
        struct statvfs sv;
        if (statvfs(f->paths[i], &sv) != 0)
            continue;
        /* As df computes Use%: used / (used + available to users). */
        double used = (double)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
        double avail = (double)sv.f_bavail * sv.f_frsize;
        if (used + avail > 0)
            otelc_observe(o, used / (used + avail),
                          "system.filesystem.mountpoint", f->paths[i]);
    }
}

static void net_cb(otelc_observer *o, void *user) {
    (void)user;
    FILE *f = fopen("/proc/net/dev", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue; /* the two header lines */
        *colon = '\0';
        char *name = line;
        while (*name == ' ')
            name++;
        if (!strcmp(name, "lo"))
            continue;
        unsigned long long rx, tx, skip;
        if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
                   &rx, &skip, &skip, &skip, &skip, &skip, &skip, &skip,
                   &tx) != 9)
            continue;
        otelc_observe(o, (int64_t)rx, "network.interface.name", name,
                      "network.io.direction", "receive");
        otelc_observe(o, (int64_t)tx, "network.interface.name", name,
                      "network.io.direction", "transmit");
    }
    fclose(f);
}

static void free_paths(void *arg) {
    fs_paths *f = arg;
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->paths[i]);
    free(f->paths);
    free(f);
}

/* Split "a,b" into a list kept for the life of the process (the
 * callbacks read it at every collection). */
static fs_paths *parse_paths(const char *list) {
    fs_paths *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    size_t cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',';
    f->paths = calloc(cap, sizeof *f->paths);
    if (!f->paths) {
        free(f);
        return NULL;
    }
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        char *s = otelc__strdup_trim(p, n);
        if (s && *s)
            f->paths[f->n++] = s;
        else
            free(s);
        p += n;
        if (*p == ',')
            p++;
    }
    return f;
}

OTELC_API otelc_status otelc_system_metrics_register(
    otelc_meter_provider *provider, const char *mount_points) {
    otelc_meter_provider *p = resolve(provider);
    if (!claim(p, OTELC__REG_SYSTEM))
        return OTELC_OK;
    otelc_meter *m = otelc__self_meter(p);
    fs_paths *fp = parse_paths(
        mount_points ? mount_points
                     : otelc__cfg_str(OTELC_CFG_METRICS_DISK_PATHS));
    if (!m || !fp) {
        free_paths(fp);
        return OTELC_ENOMEM;
    }
    otelc__provider_own(p, fp, free_paths);
    otelc_instrument_options i64 = {.value_type = OTELC_METRIC_VALUE_INT};
    otelc_instrument_options dbl = {.value_type = OTELC_METRIC_VALUE_DOUBLE};
    bool ok =
        otelc_meter_create_observable_gauge(
            m, "system.cpu.utilization", "1",
            "Share of CPU time not idle, over all CPUs, since the previous "
            "collection.",
            &dbl, cpu_cb, NULL) &&
        otelc_meter_create_observable_updown_counter(
            m, "system.memory.usage", "By",
            "Memory in use (used = total - available) and available (free).",
            &i64, mem_usage_cb, NULL) &&
        otelc_meter_create_observable_gauge(
            m, "system.memory.utilization", "1",
            "Share of memory in use (total - available).", &dbl, mem_util_cb,
            NULL) &&
        otelc_meter_create_observable_updown_counter(
            m, "system.filesystem.usage", "By",
            "Filesystem space used and free (available to unprivileged "
            "users).",
            &i64, fs_usage_cb, fp) &&
        otelc_meter_create_observable_gauge(
            m, "system.filesystem.utilization", "1",
            "Share of filesystem space used, as df reports it.", &dbl,
            fs_util_cb, fp) &&
        otelc_meter_create_observable_counter(
            m, "system.network.io", "By",
            "Bytes received and transmitted per interface (loopback "
            "excluded).",
            &i64, net_cb, NULL);
    return ok ? OTELC_OK : OTELC_ENOMEM;
}

/* ---- otelc's own health
 * ---------------------------------------------------------------- */

enum {
    S_STARTED,
    S_ENDED,
    S_EXPORTED,
    S_DROPPED,
    S_FAILURES,
    S_RETRIES,
    S_QUEUE
};

typedef struct sdk_src {
    otelc_tracer_provider *tp; /* NULL = the global one at collection */
    int which;
} sdk_src;

static void sdk_cb(otelc_observer *o, void *user) {
    const sdk_src *s = user;
    otelc_tracer_provider *tp = s->tp ? s->tp : otelc_tracer_provider_global();
    if (!tp || tp->noop)
        return;
    if (s->which == S_STARTED || s->which == S_ENDED) {
        otelc_tracer_stats ts;
        otelc_tracer_provider_stats(tp, &ts);
        otelc_observe_attrs(o,
                            (int64_t)(s->which == S_STARTED ? ts.spans_started
                                                            : ts.spans_ended),
                            NULL, 0);
        return;
    }
    otelc_span_processor *proc;
    for (size_t i = 0; (proc = otelc_tracer_provider_processor(tp, i)); i++) {
        otelc_processor_stats ps;
        otelc_span_processor_stats(proc, &ps);
        const char *name = otelc_span_processor_name(proc);
        switch (s->which) {
        case S_EXPORTED:
            otelc_observe(o, (int64_t)ps.spans_exported, "exporter", name);
            break;
        case S_DROPPED:
            otelc_observe(o, (int64_t)ps.dropped_queue_full, "exporter", name,
                          "reason", "queue_full");
            otelc_observe(o, (int64_t)ps.dropped_export, "exporter", name,
                          "reason", "export_failed");
            otelc_observe(o, (int64_t)ps.dropped_shutdown, "exporter", name,
                          "reason", "shutdown");
            otelc_observe(o, (int64_t)ps.dropped_rejected, "exporter", name,
                          "reason", "rejected");
            break;
        case S_FAILURES:
            otelc_observe(o, (int64_t)ps.export_failures, "exporter", name);
            break;
        case S_RETRIES:
            otelc_observe(o, (int64_t)ps.export_retries, "exporter", name);
            break;
        case S_QUEUE:
            otelc_observe(o, (int64_t)ps.queue_depth, "exporter", name);
            break;
        default: break;
        }
    }
}

OTELC_API otelc_status otelc_sdk_metrics_register(
    otelc_meter_provider *provider, otelc_tracer_provider *tp) {
    otelc_meter_provider *p = resolve(provider);
    if (!claim(p, OTELC__REG_SDK))
        return OTELC_OK;
    otelc_meter *m = otelc__self_meter(p);
    sdk_src *src = calloc(7, sizeof *src);
    if (!m || !src) {
        free(src);
        return OTELC_ENOMEM;
    }
    for (int i = 0; i < 7; i++) {
        src[i].tp = tp;
        src[i].which = i;
    }
    /* src lives as long as the provider's instruments. */
    otelc__provider_own(p, src, free);
    bool ok =
        otelc_meter_create_observable_counter(
            m, "otelc.spans.started", "{span}",
            "Spans started, sampled or not.", NULL, sdk_cb, &src[S_STARTED]) &&
        otelc_meter_create_observable_counter(m, "otelc.spans.ended", "{span}",
                                              "Recording spans ended.", NULL,
                                              sdk_cb, &src[S_ENDED]) &&
        otelc_meter_create_observable_counter(
            m, "otelc.spans.exported", "{span}",
            "Spans accepted by each exporter.", NULL, sdk_cb,
            &src[S_EXPORTED]) &&
        otelc_meter_create_observable_counter(
            m, "otelc.spans.dropped", "{span}",
            "Spans dropped per exporter, by reason: queue_full, "
            "export_failed, shutdown, rejected.",
            NULL, sdk_cb, &src[S_DROPPED]) &&
        otelc_meter_create_observable_counter(
            m, "otelc.export.failures", "{call}",
            "Export calls that did not succeed, per exporter.", NULL, sdk_cb,
            &src[S_FAILURES]) &&
        otelc_meter_create_observable_counter(
            m, "otelc.export.retries", "{call}",
            "Export calls that were retries, per exporter.", NULL, sdk_cb,
            &src[S_RETRIES]) &&
        otelc_meter_create_observable_updown_counter(
            m, "otelc.queue.depth", "{span}",
            "Spans waiting in each exporter's queue.", NULL, sdk_cb,
            &src[S_QUEUE]);
    return ok ? OTELC_OK : OTELC_ENOMEM;
}
