/*
 * tests/log/test_syslog.c - the syslog sink against a real rsyslogd
 * (Debian's rsyslog), started by each test on 127.0.0.1 with a
 * configuration written to a temporary directory: RFC 5424 over UDP and
 * over TCP with octet counting, the local format over a Unix socket
 * (imuxsock).  rsyslog parses what we send and writes its parsed
 * properties (severity, facility, app-name, procid, msgid, the structured
 * data as it understood it, the message) one per tab-separated column.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log/log_util.h"

typedef struct rsyslog {
    char dir[128];
    char out[256];
    char sock[256];
    int udp_port, tcp_port;
    pid_t pid;
} rsyslog;

static rsyslog g_rs;

/* Start rsyslogd with UDP (fixed free port), TCP (port 0, learnt from its
 * port file) and a Unix socket input.  Messages from app-name "probe" go
 * to probe.log, the rest to out.log. */
static void rsyslog_start(rsyslog *rs) {
    snprintf(rs->dir, sizeof rs->dir, "%s", test_tmpdir());
    snprintf(rs->out, sizeof rs->out, "%s/out.log", rs->dir);
    snprintf(rs->sock, sizeof rs->sock, "%s/log", rs->dir);
    char conf[256], portfile[256], pidfile[256], probe[256], stderr_path[256];
    snprintf(conf, sizeof conf, "%s/rsyslog.conf", rs->dir);
    snprintf(portfile, sizeof portfile, "%s/tcp.port", rs->dir);
    snprintf(pidfile, sizeof pidfile, "%s/rsyslogd.pid", rs->dir);
    snprintf(probe, sizeof probe, "%s/probe.log", rs->dir);
    snprintf(stderr_path, sizeof stderr_path, "%s/rsyslogd.out", rs->dir);
    rs->udp_port = free_port(SOCK_DGRAM);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "global(workDirectory=\"%s\" maxMessageSize=\"64k\")\n"
            "module(load=\"imudp\")\n"
            "module(load=\"imtcp\")\n"
            "module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
            "input(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\")\n"
            "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"0\" "
            "listenPortFileName=\"%s\")\n"
            "input(type=\"imuxsock\" Socket=\"%s\" CreatePath=\"on\")\n"
            "template(name=\"cols\" type=\"string\" string=\"%%syslogseverity%%"
            "\\t%%syslogfacility%%\\t%%app-name%%\\t%%procid%%\\t%%msgid%%\\t"
            "%%structured-data%%\\t%%msg%%\\n\")\n"
            "if $app-name == \"probe\" then {\n"
            "  action(type=\"omfile\" file=\"%s\" template=\"cols\")\n"
            "  stop\n"
            "}\n"
            "action(type=\"omfile\" file=\"%s\" template=\"cols\" "
            "flushOnTXEnd=\"on\")\n",
            rs->dir, rs->udp_port, portfile, rs->sock, probe, rs->out);
    fclose(f);
    const char *argv[] = {
        "/usr/sbin/rsyslogd", "-n", "-f", conf, "-i", pidfile, NULL};
    rs->pid = spawn(argv, stderr_path);
    cr_assert(wait_for_file(portfile, 10000), "rsyslogd did not start: %s",
              read_file(stderr_path, NULL));
    char *p = read_file(portfile, NULL);
    rs->tcp_port = atoi(p);
    free(p);
    cr_assert_gt(rs->tcp_port, 0);
    /* imudp is up once a probe datagram comes through. */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)rs->udp_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char *msg = "<14>1 - - probe - - - probe";
    double end = mono_ms() + 10000;
    while (count_lines(probe) == 0 && mono_ms() < end) {
        sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof a);
        usleep(50000);
    }
    close(fd);
    cr_assert_gt(count_lines(probe), 0, "imudp not receiving");
}

static void rsyslog_stop(rsyslog *rs) {
    stop_process(rs->pid);
}

/* The columns of line i of out.log (0-based); false when missing. */
typedef struct cols {
    int sev, fac;
    char app[64], procid[32], msgid[64], sd[512];
    char *msg;
} cols;

static char *g_out_text;

static bool get_line(size_t i, cols *c) {
    free(g_out_text);
    g_out_text = read_file(g_rs.out, NULL);
    if (!g_out_text)
        return false;
    char *line = g_out_text;
    for (size_t k = 0; k < i; k++) {
        line = strchr(line, '\n');
        if (!line)
            return false;
        line++;
    }
    char *nl = strchr(line, '\n');
    if (!nl)
        return false;
    *nl = '\0';
    char *f[7];
    int n = 0;
    for (char *p = line; n < 7; n++) {
        f[n] = p;
        char *t = n < 6 ? strchr(p, '\t') : NULL;
        if (n < 6 && !t)
            return false;
        if (t) {
            *t = '\0';
            p = t + 1;
        }
    }
    c->sev = atoi(f[0]);
    c->fac = atoi(f[1]);
    snprintf(c->app, sizeof c->app, "%s", f[2]);
    snprintf(c->procid, sizeof c->procid, "%s", f[3]);
    snprintf(c->msgid, sizeof c->msgid, "%s", f[4]);
    snprintf(c->sd, sizeof c->sd, "%s", f[5]);
    c->msg = f[6];
    return true;
}

static void init_syslog(const char *proto, const char *host, int port,
                        const char *format) {
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    const char *kv[] = {"ENABLE_SYSLOG",
                        "true",
                        "SYSLOG_HOST",
                        host,
                        "SYSLOG_PORT",
                        ps,
                        "SYSLOG_PROTOCOL",
                        proto,
                        "LOG_FORMAT",
                        format,
                        "OTEL_SERVICE_NAME",
                        "syslog-test",
                        NULL};
    log_init(kv);
}

/* Log three records and check what rsyslog parsed. */
static void three_records(void) {
    otelc_span_context sc;
    TRACE_SPAN("handler") {
        sc = otelc_current_span_context();
        OTELC_LOG_INFO("in a span", "user_id", 123);
    }
    OTELC_LOG_WARN("no span");
    otelc_logger *db = otelc_logger_get("db.pool");
    OTELC_LOGGER_ERROR(db, "db error", "retry", 2);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    cr_assert(wait_for_lines(g_rs.out, 3, 10000), "rsyslog got %zu lines",
              count_lines(g_rs.out));
    char pid[32], sd[256], tid[33], sid[17];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    otelc_trace_id_to_hex(sc.trace_id, tid);
    otelc_span_id_to_hex(sc.span_id, sid);
    snprintf(sd, sizeof sd,
             "[otel@32473 trace_id=\"%s\" span_id=\"%s\" trace_flags=\"01\"]",
             tid, sid);
    cols c;
    cr_assert(get_line(0, &c));
    cr_assert_eq(c.sev, 6);
    cr_assert_eq(c.fac, 1);
    cr_assert_str_eq(c.app, "syslog-test");
    cr_assert_str_eq(c.procid, pid);
    cr_assert_str_eq(c.msgid, "root");
    cr_assert_str_eq(c.sd, sd, "structured data as rsyslog parsed it");
    cr_assert(strstr(c.msg, "\"message\":\"in a span\""), "%s", c.msg);
    cr_assert(strstr(c.msg, "\"user_id\":123"), "%s", c.msg);
    cr_assert(get_line(1, &c));
    cr_assert_eq(c.sev, 4);
    cr_assert_str_eq(c.sd, "-");
    cr_assert(get_line(2, &c));
    cr_assert_eq(c.sev, 3);
    cr_assert_str_eq(c.msgid, "db.pool");
    cr_assert(strstr(c.msg, "\"retry\":2"), "%s", c.msg);
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_str_eq(ss.name, "syslog");
    cr_assert_eq(ss.records_written, 3);
    cr_assert_eq(ss.records_failed, 0);
}

Test(syslog, rfc5424_udp_structured_data) {
    rsyslog_start(&g_rs);
    init_syslog("udp", "127.0.0.1", g_rs.udp_port, "json");
    three_records();
    rsyslog_stop(&g_rs);
}

Test(syslog, rfc5424_tcp_octet_counting) {
    rsyslog_start(&g_rs);
    init_syslog("tcp", "127.0.0.1", g_rs.tcp_port, "json");
    three_records();
    rsyslog_stop(&g_rs);
}

Test(syslog, tcp_many_records_exactly_once) {
    rsyslog_start(&g_rs);
    init_syslog("tcp", "localhost", g_rs.tcp_port, "text");
    for (int i = 0; i < 5000; i++) {
        OTELC_LOG_INFO("many", "i", i, "text", "a line\nwith a newline");
        if (i % 1000 == 999)
            otelc_log_flush(5000); /* stay within the 2048-record queue */
    }
    cr_assert_eq(otelc_shutdown(10000), OTELC_OK);
    cr_assert(wait_for_lines(g_rs.out, 5000, 20000), "%zu lines",
              count_lines(g_rs.out));
    char *s = read_file(g_rs.out, NULL);
    int next = 0;
    for (char *p = s; (p = strstr(p, " i=")); p++) {
        cr_assert_eq(atoi(p + 3), next, "record %d out of order", next);
        next++;
    }
    cr_assert_eq(next, 5000);
    cr_assert_eq(count_lines(g_rs.out), 5000, "no record split in two");
    free(s);
    rsyslog_stop(&g_rs);
}

Test(syslog, long_message_cut_to_limit) {
    rsyslog_start(&g_rs);
    char ps[16];
    snprintf(ps, sizeof ps, "%d", g_rs.udp_port);
    const char *kv[] = {"ENABLE_SYSLOG",
                        "true",
                        "SYSLOG_HOST",
                        "127.0.0.1",
                        "SYSLOG_PORT",
                        ps,
                        "SYSLOG_MAX_MESSAGE_SIZE",
                        "600",
                        NULL};
    log_init(kv);
    char big[3001];
    memset(big, 'z', 3000);
    big[3000] = '\0';
    OTELC_LOG_INFO(big);
    otelc_shutdown(5000);
    cr_assert(wait_for_lines(g_rs.out, 1, 10000));
    cols c;
    cr_assert(get_line(0, &c));
    cr_assert_lt(strlen(c.msg), 600);
    cr_assert_gt(strlen(c.msg), 400);
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_eq(ss.truncated, 1);
    rsyslog_stop(&g_rs);
}

Test(syslog, local_unix_socket) {
    rsyslog_start(&g_rs);
    cr_assert(file_exists(g_rs.sock));
    const char *kv[] = {
        "ENABLE_SYSLOG",     "true",      "SYSLOG_HOST", g_rs.sock,
        "OTEL_SERVICE_NAME", "local-app", NULL};
    log_init(kv);
    otelc_span_context sc;
    TRACE_SPAN("op") {
        sc = otelc_current_span_context();
        OTELC_LOG_INFO("via the local socket", "k", "v");
    }
    otelc_shutdown(5000);
    cr_assert(wait_for_lines(g_rs.out, 1, 10000));
    cols c;
    cr_assert(get_line(0, &c));
    char pid[32], tid[33];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    otelc_trace_id_to_hex(sc.trace_id, tid);
    cr_assert_eq(c.sev, 6);
    cr_assert_str_eq(c.app, "local-app");
    cr_assert_str_eq(c.procid, pid);
    cr_assert(strstr(c.msg, "\"message\":\"via the local socket\""), "%s",
              c.msg);
    cr_assert(strstr(c.msg, tid), "trace id in the message: %s", c.msg);
    rsyslog_stop(&g_rs);
}

Test(syslog, host_down_counted_and_shutdown_on_time) {
    diag_capture_start();
    int port = free_port(SOCK_STREAM); /* nothing listens there */
    init_syslog("tcp", "127.0.0.1", port, "json");
    for (int i = 0; i < 10; i++)
        OTELC_LOG_INFO("nobody listens", "i", i);
    otelc_log_flush(2000);
    double t0 = mono_ms();
    otelc_shutdown(1000);
    cr_assert_lt(mono_ms() - t0, 1100.0);
    otelc_log_sink_stats ss;
    otelc_log_get_sink_stats(0, &ss);
    cr_assert_eq(ss.records_failed, 10);
    cr_assert_eq(ss.records_written, 0);
    cr_assert_geq(ss.errors, 1);
    cr_assert_eq(diag_count("syslog log sink", "cannot connect",
                            "Connection refused", NULL),
                 1, "%s", diag_captured());
}
