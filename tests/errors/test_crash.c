/*
 * tests/errors/test_crash.c - the crash handler in a child process: a
 * readable crash file with the crashing span's trace id, the default
 * disposition re-raised (the child dies of the signal), and the pending
 * report on the next start (log record with the crashed trace's ids, a
 * fatal Sentry event linked to that trace, the file removed).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors/errors_util.h"
#include "sdk/errors_int.h"

static pid_t g_peer;
static void fini(void) {
    otelc_shutdown(5000);
    stop_process(g_peer);
    g_peer = 0;
}

/* The single *.crash file in dir (malloc'd path), or NULL. */
static char *crash_file(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *found = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 6 && !strcmp(de->d_name + l - 6, ".crash")) {
            cr_assert_null(found, "more than one crash file");
            found = malloc(strlen(dir) + l + 2);
            sprintf(found, "%s/%s", dir, de->d_name);
        }
    }
    closedir(d);
    return found;
}

typedef enum { CRASH_SEGV, CRASH_ABORT, CRASH_FPE_RAISE } crash_kind;
static volatile uintptr_t g_fault_addr = 16;

/* Fork a child that installs the handler on `dir`, starts a span, reports
 * its trace and span ids through a pipe and crashes.  Returns the child's
 * wait status; ids and its stderr are returned too. */
static int crash_child(const char *dir, crash_kind kind, char tid[33],
                       char sid[17], char *err_path, size_t err_cap) {
    int p[2];
    cr_assert_eq(pipe(p), 0);
    snprintf(err_path, err_cap, "%s/child.stderr", test_tmpdir());
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        if (otelc_crash_handler_install(dir) != OTELC_OK)
            _exit(3);
        TRACE_SPAN("doomed") {
            otelc_span_context sc = otelc_current_span_context();
            char buf[50];
            otelc_trace_id_to_hex(sc.trace_id, buf);
            buf[32] = ' ';
            otelc_span_id_to_hex(sc.span_id, buf + 33);
            if (write(p[1], buf, 49) != 49)
                _exit(4);
            close(p[1]);
            /* A real fault at an aligned, non-null, unmapped address (a
             * null store would be caught by UBSan first). */
            if (kind == CRASH_SEGV)
                *(volatile int *)(uintptr_t)g_fault_addr = 1;
            else if (kind == CRASH_ABORT)
                abort();
            else
                raise(SIGFPE);
        }
        _exit(5); /* not reached */
    }
    close(p[1]);
    char buf[50] = {0};
    ssize_t n = read(p[0], buf, 49);
    close(p[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert_eq(n, 49, "the child did not report its span (status %d)",
                 status);
    memcpy(tid, buf, 32);
    tid[32] = '\0';
    memcpy(sid, buf + 33, 16);
    sid[16] = '\0';
    return status;
}

Test(crash, segv_in_child_writes_a_readable_report, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    char dir[512], tid[33], sid[17], errp[512];
    snprintf(dir, sizeof dir, "%s/crashes", test_tmpdir());
    int status = crash_child(dir, CRASH_SEGV, tid, sid, errp, sizeof errp);
    /* The default disposition was re-raised: the child died of SIGSEGV. */
    cr_assert(WIFSIGNALED(status), "status %d", status);
    cr_assert_eq(WTERMSIG(status), SIGSEGV);
    char *path = crash_file(dir);
    cr_assert_not_null(path, "no crash file in %s", dir);
    char *text = read_file(path, NULL);
    cr_assert_not_null(text);
    char want[128];
    cr_assert(!strncmp(text, "otelc crash report 1\n", 21), "%s", text);
    cr_assert_not_null(strstr(text, "\nsignal: 11 SIGSEGV\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\naddress: 0x0000000000000010\n"), "%s",
                       text);
    cr_assert_not_null(strstr(text, "\nservice: errors-test\n"), "%s", text);
    snprintf(want, sizeof want, "\ntrace_id: %s\n", tid);
    cr_assert_not_null(strstr(text, want), "%s lacks %s", text, want);
    snprintf(want, sizeof want, "\nspan_id: %s\n", sid);
    cr_assert_not_null(strstr(text, want), "%s lacks %s", text, want);
    const char *bt = strstr(text, "\nbacktrace:\n");
    cr_assert_not_null(bt);
    /* At least two frames, in backtrace_symbols' "...[0x...]" form. */
    const char *f1 = strstr(bt + 12, "[0x");
    cr_assert_not_null(f1, "%s", text);
    cr_assert_not_null(strstr(f1 + 3, "[0x"), "%s", text);
    /* The record is parsed back as otelc_init() will. */
    otelc__crash_record cr;
    cr_assert(otelc__crash_parse(text, strlen(text), &cr));
    cr_assert_eq(cr.signal, SIGSEGV);
    cr_assert_str_eq(cr.trace_id, tid);
    cr_assert_str_eq(cr.span_id, sid);
    cr_assert_not_null(cr.backtrace);
    free(cr.backtrace);
    /* stderr got the summary line. */
    char *err = read_file(errp, NULL);
    snprintf(want, sizeof want, "otelc: crash: SIGSEGV in trace_id=%s", tid);
    cr_assert_not_null(strstr(err, want), "%s", err);
    free(err);
    free(text);
    free(path);
}

Test(crash, abort_and_raised_signals_are_reported, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    char dir[512], tid[33], sid[17], errp[512];
    snprintf(dir, sizeof dir, "%s/abort", test_tmpdir());
    int status = crash_child(dir, CRASH_ABORT, tid, sid, errp, sizeof errp);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %d",
              status);
    char *path = crash_file(dir);
    cr_assert_not_null(path);
    char *text = read_file(path, NULL);
    cr_assert_not_null(strstr(text, "\nsignal: 6 SIGABRT\n"), "%s", text);
    cr_assert_not_null(strstr(text, tid));
    unlink(path);
    free(text);
    free(path);

    snprintf(dir, sizeof dir, "%s/fpe", test_tmpdir());
    status = crash_child(dir, CRASH_FPE_RAISE, tid, sid, errp, sizeof errp);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGFPE, "status %d",
              status);
    path = crash_file(dir);
    cr_assert_not_null(path);
    text = read_file(path, NULL);
    cr_assert_not_null(strstr(text, "\nsignal: 8 SIGFPE\n"), "%s", text);
    free(text);
    free(path);
}

Test(crash, pending_report_is_logged_sent_to_sentry_and_removed, .fini = fini,
     .timeout = 60) {
    char dir[512], tid[33], sid[17], errp[512];
    snprintf(dir, sizeof dir, "%s/pending", test_tmpdir());
    {
        test_otelc t;
        errors_init(&t, NULL);
        int status = crash_child(dir, CRASH_SEGV, tid, sid, errp, sizeof errp);
        cr_assert(WIFSIGNALED(status));
        otelc_shutdown(5000);
    }
    char *path = crash_file(dir);
    cr_assert_not_null(path);

    /* The next start, with Sentry. */
    int port;
    char out[512];
    g_peer = sentry_start(NULL, &port, out, sizeof out);
    test_otelc t;
    const char *kv[] = {"SENTRY_DSN", sentry_dsn(port), "OTELC_CRASH_DIR", dir,
                        NULL};
    errors_init(&t, kv);
    otelc_error_stats st;
    otelc_error_get_stats(&st);
    cr_assert_eq(st.crash_reports_found, 1);
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert(wait_for_lines(out, 1, 10000));
    char want[160];
    snprintf(want, sizeof want,
             "\"trace\": {\"span_id\": \"%s\", \"trace_id\": \"%s\"", sid, tid);
    cr_assert_eq(count_matching_lines(out, want), 1, "%s",
                 read_file(out, NULL));
    cr_assert_eq(count_matching_lines(out, "\"level\": \"fatal\""), 1);
    cr_assert_eq(count_matching_lines(out, "\"handled\": false"), 1);
    cr_assert_eq(count_matching_lines(out, "\"type\": \"SIGSEGV\""), 1);
    /* The file is gone once Sentry has the event. */
    cr_assert_neq(access(path, F_OK), 0, "%s still exists", path);
    /* The log record carries the crashed trace's ids. */
    const otelc_log_record_data *r =
        find_log(&t, "crash report from a previous run");
    cr_assert_not_null(r);
    char rt[33];
    otelc_trace_id_to_hex(r->span_context.trace_id, rt);
    cr_assert_str_eq(rt, tid);
    const otelc_value *v = rec_attr(r, "crash.signal_name");
    cr_assert(v && !strcmp(v->u.s, "SIGSEGV"));
    free(path);
}

Test(crash, pending_report_without_sentry_is_logged_and_removed, .fini = fini) {
    char dir[512], tid[33], sid[17], errp[512];
    snprintf(dir, sizeof dir, "%s/nosentry", test_tmpdir());
    {
        test_otelc t;
        errors_init(&t, NULL);
        crash_child(dir, CRASH_ABORT, tid, sid, errp, sizeof errp);
        otelc_shutdown(5000);
    }
    char *path = crash_file(dir);
    cr_assert_not_null(path);
    /* A file that is not a crash report is removed with a diagnostic. */
    char junk[600];
    snprintf(junk, sizeof junk, "%s/otelc-1-1.crash", dir);
    FILE *f = fopen(junk, "w");
    fputs("not a report\n", f);
    fclose(f);
    diag_capture_start();
    test_otelc t;
    const char *kv[] = {"OTELC_CRASH_DIR", dir, NULL};
    errors_init(&t, kv);
    cr_assert_eq(diag_count("crash report", "not readable", NULL), 1, "%s",
                 diag_captured());
    cr_assert_neq(access(path, F_OK), 0);
    cr_assert_neq(access(junk, F_OK), 0);
    const otelc_log_record_data *r =
        find_log(&t, "crash report from a previous run");
    cr_assert_not_null(r);
    const otelc_value *v = rec_attr(r, "crash.trace_id");
    cr_assert(v && !strcmp(v->u.s, tid));
    diag_capture_stop();
    free(path);
}

Test(crash, init_installs_and_shutdown_restores, .fini = fini) {
    struct sigaction before, during, after;
    sigaction(SIGBUS, NULL, &before);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/installed", test_tmpdir());
    test_otelc t;
    const char *kv[] = {"OTELC_CRASH_HANDLER", "true", "OTELC_CRASH_DIR", dir,
                        NULL};
    errors_init(&t, kv);
    sigaction(SIGBUS, NULL, &during);
    cr_assert(during.sa_flags & SA_SIGINFO);
    cr_assert_neq((void *)during.sa_sigaction, (void *)before.sa_sigaction);
    cr_assert_eq(access(dir, F_OK), 0, "the directory is created");
    otelc_shutdown(5000);
    sigaction(SIGBUS, NULL, &after);
    cr_assert_eq((void *)after.sa_handler, (void *)before.sa_handler);
}

Test(crash, unwritable_directory_is_diagnosed) {
    diag_capture_start();
    cr_assert_eq(otelc_crash_handler_install("/proc/otelc-no-such/dir"),
                 OTELC_EIO);
    cr_assert_eq(diag_count("crash handler", "cannot create directory", NULL),
                 1, "%s", diag_captured());
    diag_capture_stop();
}
