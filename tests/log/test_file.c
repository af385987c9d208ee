/*
 * tests/log/test_file.c - the file sink: rotation by size (exact names,
 * sizes and backup count), gzip of rotated files (checked with the gzip
 * program), daily rotation, reopen for an external logrotate (from a
 * SIGHUP handler), and failures (disk full, unopenable path) that are
 * counted and reported once while other outputs keep working.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log_util.h"
#include "sdk/log_int.h"

static char g_dir[128], g_path[256];

static void init_rot(const char *max, const char *backups, const char *gzip) {
    snprintf(g_dir, sizeof g_dir, "%s", test_tmpdir());
    snprintf(g_path, sizeof g_path, "%s/app.log", g_dir);
    const char *kv[] = {"ENABLE_FILE_LOGGING",
                        "true",
                        "LOG_FILE",
                        g_path,
                        "LOG_MAX_SIZE",
                        max,
                        "LOG_BACKUP_COUNT",
                        backups,
                        "LOG_ROTATE_GZIP",
                        gzip,
                        NULL};
    log_init(kv);
}

/* Records with lines of one constant length: "i" is zero-padded. */
static void log_n(int from, int to) {
    for (int i = from; i < to; i++) {
        char v[16];
        snprintf(v, sizeof v, "%06d", i);
        OTELC_LOG_INFO("rotation test record", "i", v);
        if (i % 7 == 0)
            otelc_log_flush(5000); /* rotations across batches too */
    }
}

/* The "i" values of the lines in a buffer, in order. */
static size_t ids_of(const char *s, int *out, size_t max) {
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, "\"i\":\"")) && n < max; p++)
        out[n++] = atoi(p + 5);
    return n;
}

static char *gunzip(const char *path) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 65536, n = 0, r;
    char *buf = malloc(cap);
    while ((r = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    cr_assert_eq(pclose(p), 0);
    return buf;
}

static void check_rotation(bool gz) {
    const int N = 100;
    log_n(0, N);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    size_t L = 0;
    {
        /* Every line has the same length; take it from app.log.1. */
        char name[300];
        snprintf(name, sizeof name, "%s.1%s", g_path, gz ? ".gz" : "");
        char *s = gz ? gunzip(name) : read_file(name, NULL);
        cr_assert_not_null(s);
        L = (size_t)(strchr(s, '\n') - s) + 1;
        free(s);
    }
    size_t per_file = 1024 / L;
    cr_assert_gt(per_file, 1);
    size_t rotations = (N + per_file - 1) / per_file - 1;
    otelc_log_sink_stats ss;
    cr_assert_eq(otelc_log_get_sink_stats(0, &ss), OTELC_OK);
    cr_assert_eq(ss.rotations, rotations);
    cr_assert_eq(ss.records_written, (uint64_t)N);
    /* Current file: the newest records; backups .1 .. .3, older each. */
    int ids[200];
    char *cur = read_file(g_path, NULL);
    size_t ncur = ids_of(cur, ids, 200);
    cr_assert_eq(ncur, N - rotations * per_file);
    cr_assert_eq(ids[0], (int)(rotations * per_file));
    cr_assert_eq((size_t)file_size(g_path), ncur * L);
    free(cur);
    for (int b = 1; b <= 3; b++) {
        char name[300];
        snprintf(name, sizeof name, "%s.%d%s", g_path, b, gz ? ".gz" : "");
        cr_assert(file_exists(name), "%s missing", name);
        if (gz) {
            char cmd[400];
            snprintf(cmd, sizeof cmd, "gzip -t '%s'", name);
            cr_assert_eq(system(cmd), 0, "gzip -t %s", name);
            char plain[300];
            snprintf(plain, sizeof plain, "%s.%d", g_path, b);
            cr_assert_not(file_exists(plain), "%s left uncompressed", plain);
        }
        char *s = gz ? gunzip(name) : read_file(name, NULL);
        size_t n = ids_of(s, ids, 200);
        cr_assert_eq(n, per_file, "%s holds %zu lines", name, n);
        /* File .b holds the block rotated out b rotations ago. */
        cr_assert_eq(ids[0], (int)((rotations - (size_t)b) * per_file),
                     "%s starts at %d", name, ids[0]);
        for (size_t k = 1; k < n; k++)
            cr_assert_eq(ids[k], ids[k - 1] + 1);
        if (!gz) {
            cr_assert_leq(file_size(name), 1024);
            cr_assert_gt(file_size(name), 1024 - (long)L);
        }
        free(s);
    }
    char name[300];
    snprintf(name, sizeof name, "%s.4", g_path);
    cr_assert_not(file_exists(name));
    snprintf(name, sizeof name, "%s.4.gz", g_path);
    cr_assert_not(file_exists(name));
}

Test(file, rotation_sizes_names_and_backup_count) {
    init_rot("1024", "3", "false");
    check_rotation(false);
}

Test(file, rotated_files_gzipped) {
    init_rot("1K", "3", "true");
    check_rotation(true);
}

Test(file, zero_backups_truncates) {
    init_rot("1024", "0", "false");
    log_n(0, 50);
    otelc_shutdown(5000);
    cr_assert_leq(file_size(g_path), 1024);
    cr_assert_gt(file_size(g_path), 0);
    char name[300];
    snprintf(name, sizeof name, "%s.1", g_path);
    cr_assert_not(file_exists(name));
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_gt(ss.rotations, 0);
    cr_assert_eq(ss.records_written, 50);
}

Test(file, daily_rotation) {
    snprintf(g_path, sizeof g_path, "%s/app.log", test_tmpdir());
    const char *kv[] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE", g_path,
                        "LOG_ROTATE_DAILY",    "true", NULL};
    log_init(kv);
    log_n(0, 5);
    otelc_log_flush(5000);
    /* A day later (the test hook shifts the sink's view of the clock). */
    atomic_store(&otelc__log_test_day_offset_ns, (int64_t)86400 * 1000000000);
    log_n(5, 8);
    otelc_shutdown(5000);
    char name[300];
    snprintf(name, sizeof name, "%s.1", g_path);
    cr_assert_eq(count_lines(name), 5);
    cr_assert_eq(count_lines(g_path), 3);
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_eq(ss.rotations, 1);
}

static void on_hup(int sig) {
    (void)sig;
    otelc_log_reopen();
}

Test(file, reopen_after_external_rotation) {
    snprintf(g_path, sizeof g_path, "%s/app.log", test_tmpdir());
    const char *kv[] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE", g_path,
                        NULL};
    log_init(kv);
    log_n(0, 3);
    otelc_log_flush(5000);
    char moved[300];
    snprintf(moved, sizeof moved, "%s.moved", g_path);
    cr_assert_eq(rename(g_path, moved), 0); /* what logrotate does */
    signal(SIGHUP, on_hup);
    raise(SIGHUP);
    log_n(3, 5);
    otelc_shutdown(5000);
    cr_assert_eq(count_lines(moved), 3);
    cr_assert_eq(count_lines(g_path), 2);
}

Test(file, disk_full_counted_once_others_keep_working) {
    diag_capture_start();
    const char *kv[] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE", "/dev/full",
                        NULL};
    log_init(kv);
    diag_capture_start(); /* otelc_init set the level from configuration */
    mem_logs *m;
    cr_assert_eq(otelc_log_add_exporter(mem_logs_new(&m)), OTELC_OK);
    for (int i = 0; i < 30; i++) {
        OTELC_LOG_INFO("lost on disk", "i", i);
        if (i % 10 == 9)
            otelc_log_flush(5000);
    }
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 30, "the exporter got everything");
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_str_eq(ss.name, "file");
    cr_assert_eq(ss.records_failed, 30);
    cr_assert_eq(ss.records_written, 0);
    cr_assert_eq(ss.errors, 3);
    cr_assert_eq(diag_count("file log sink", "/dev/full",
                            "No space left on device", NULL),
                 1, "%s", diag_captured());
}

Test(file, unopenable_path_reported) {
    diag_capture_start();
    const char *kv[] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE",
                        "/proc/self/no/such/app.log", NULL};
    log_init(kv);
    OTELC_LOG_INFO("nowhere");
    otelc_shutdown(5000);
    cr_assert_geq(diag_count("file log sink", "cannot open",
                             "/proc/self/no/such/app.log", NULL),
                  1, "%s", diag_captured());
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_eq(ss.records_failed, 1);
}

static void *fifo_reader(void *arg) {
    int fd = open((const char *)arg, O_RDONLY);
    char buf[4096];
    size_t total = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        total += (size_t)r;
    close(fd);
    return (void *)(uintptr_t)total;
}

Test(file, never_rotates_a_device_or_pipe) {
    snprintf(g_path, sizeof g_path, "%s/pipe", test_tmpdir());
    cr_assert_eq(mkfifo(g_path, 0600), 0);
    pthread_t t;
    pthread_create(&t, NULL, fifo_reader, g_path);
    const char *kv[] = {"ENABLE_FILE_LOGGING", "true", "LOG_FILE", g_path,
                        "LOG_MAX_SIZE",        "1024", NULL};
    log_init(kv);
    log_n(0, 100);
    otelc_shutdown(5000);
    void *total;
    pthread_join(t, &total);
    cr_assert_gt((uintptr_t)total, 100 * 40);
    struct stat st;
    cr_assert_eq(stat(g_path, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "still the pipe");
    char name[300];
    snprintf(name, sizeof name, "%s.1", g_path);
    cr_assert_not(file_exists(name));
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_eq(ss.rotations, 0);
    cr_assert_eq(ss.records_written, 100);
}
