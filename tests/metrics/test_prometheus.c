/*
 * tests/metrics/test_prometheus.c - the /metrics endpoint end to end: a
 * real libmicrohttpd server on 127.0.0.1, scraped with libcurl; every
 * scrape is validated by promtool and parsed by Python's prometheus_client
 * (tests/metrics/check_prom.py), OpenMetrics included.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/test_support.h"
#include "metrics/http_get.h"

#include <otelc/prometheus.h>

#define TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define OM_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define PROM_ACCEPT                                                            \
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;" \
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

/* Validate a response body; returns check_prom.py's output (malloc'd). */
static char *validate(const http_resp *r, const char *fmt, bool gz) {
    char path[] = "/tmp/otelc-scrape-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, r->body, r->len), (ssize_t)r->len);
    close(fd);
    char ts[32];
    snprintf(ts, sizeof ts, "%llu",
             (unsigned long long)(otelc_now_ns() / 1000000000u));
    const char *args[] = {path, fmt, "--time", ts, gz ? "--gzip" : NULL, NULL};
    char *out = NULL;
    int rc = run_python(OTELC_TESTS_DIR "/metrics/check_prom.py", args, &out);
    unlink(path);
    cr_assert_eq(rc, 0, "check_prom.py %s failed:\n%s\n--- body ---\n%.*s", fmt,
                 out, gz ? 0 : (int)r->len, r->body);
    return out;
}

static bool has_line(const char *out, const char *line) {
    size_t n = strlen(line);
    for (const char *p = out; (p = strstr(p, line)); p++)
        if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

typedef struct env {
    otelc_meter_provider *mp;
    otelc_meter *m;
    otelc_prometheus_server *srv;
    unsigned port;
} env;

static env env_start(const otelc_prometheus_options *extra) {
    env e;
    otelc_attribute ra[] = {OTELC_ATTR_STR("service.name", "shop"),
                            OTELC_ATTR_STR("deployment.environment", "test")};
    e.mp = otelc_meter_provider_new(otelc_resource_new(ra, 2), NULL);
    e.m = otelc_meter_get(e.mp, "shop.api", "2.1");
    otelc_prometheus_options o = {0};
    if (extra)
        o = *extra;
    o.host = "127.0.0.1";
    o.ephemeral_port = true;
    otelc_status st;
    e.srv = otelc_prometheus_server_start(e.mp, &o, &st);
    cr_assert_not_null(e.srv, "start: %s", otelc_strerror(st));
    e.port = otelc_prometheus_server_port(e.srv);
    cr_assert_gt(e.port, 0);
    return e;
}

static void env_stop(env *e) {
    otelc_prometheus_server_stop(e->srv);
    otelc_meter_provider_free(e->mp);
}

Test(prometheus, text_format_names_units_and_escaping) {
    env e = env_start(NULL);
    otelc_counter *req =
        otelc_meter_create_counter(e.m, "http.requests", "{request}",
                                   "Requests \\ served\nper route", NULL);
    otelc_counter_add(req, 3, "route", "/a", "status", 200);
    otelc_counter_add(req, 2, "route", "say \"hi\"\\\nthere", "status", 500);
    otelc_counter_add(req, 1, "route", "caf\xc3\xa9 \xff", "status", 200);
    const double b[] = {0.1, 0.5, 1};
    otelc_instrument_options ho = {.bucket_boundaries = b,
                                   .bucket_boundary_count = 3};
    otelc_histogram *lat = otelc_meter_create_histogram(e.m, "request.duration",
                                                        "s", "latency", &ho);
    otelc_histogram_record(lat, 0.05, "route", "/a");
    otelc_histogram_record(lat, 0.7, "route", "/a");
    otelc_histogram_record(lat, 3, "route", "/a");
    otelc_updown_counter *mem = otelc_meter_create_updown_counter(
        e.m, "memory.usage", "By", "bytes in use", NULL);
    otelc_updown_counter_add(mem, 4096);
    otelc_gauge *util =
        otelc_meter_create_gauge(e.m, "cpu.utilization", "1", "cpu", NULL);
    otelc_gauge_record(util, 0.25);
    otelc_counter *pkt =
        otelc_meter_create_counter(e.m, "net.io", "By/s", "rate-ish", NULL);
    otelc_counter_add(pkt, 9, "a.b", "1", "a_b", "2", "9lives", "x");
    otelc_counter *named = otelc_meter_create_counter(
        e.m, "jobs.done_total", "", "already suffixed", NULL);
    otelc_counter_add(named, 1);

    http_resp r = http_get(e.port, "/metrics", NULL, NULL);
    cr_assert(r.ok, "%s", r.err);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.ctype, TEXT_TYPE);
    cr_assert_eq(r.cenc[0], '\0');
    char *out = validate(&r, "text", false);
    cr_assert(has_line(out, "FAMILY http_requests counter -"), "%s", out);
    cr_assert(has_line(out, "SAMPLE http_requests_total {otel_scope_name=shop."
                            "api,otel_scope_version=2.1,route=/a,status=200} "
                            "3.0"),
              "%s", out);
    /* Escaped label values read back as they were recorded. */
    cr_assert(has_line(out, "SAMPLE http_requests_total {otel_scope_name=shop."
                            "api,otel_scope_version=2.1,route=say \"hi\"\\\n"
                            "there,status=500} 2.0"),
              "%s", out);
    /* Invalid UTF-8 became U+FFFD. */
    cr_assert(strstr(out, "route=caf\xc3\xa9 \xef\xbf\xbd,"), "%s", out);
    cr_assert(has_line(out, "FAMILY request_duration_seconds histogram -"));
    cr_assert(has_line(out, "SAMPLE request_duration_seconds_bucket {le=0.5,"
                            "otel_scope_name=shop.api,otel_scope_version=2.1,"
                            "route=/a} 1.0"),
              "%s", out);
    cr_assert(has_line(out, "SAMPLE request_duration_seconds_bucket {le=+Inf,"
                            "otel_scope_name=shop.api,otel_scope_version=2.1,"
                            "route=/a} 3.0"),
              "%s", out);
    cr_assert(has_line(out, "SAMPLE request_duration_seconds_count {otel_"
                            "scope_name=shop.api,otel_scope_version=2.1,"
                            "route=/a} 3.0"));
    cr_assert(has_line(out, "SAMPLE request_duration_seconds_sum {otel_scope_"
                            "name=shop.api,otel_scope_version=2.1,route=/a} "
                            "3.75"));
    cr_assert(has_line(out, "FAMILY memory_usage_bytes gauge -"), "%s", out);
    cr_assert(has_line(out, "FAMILY cpu_utilization_ratio gauge -"), "%s", out);
    cr_assert(has_line(out, "FAMILY net_io_bytes_per_second counter -"), "%s",
              out);
    /* Colliding keys joined in key order; a leading digit gets key_. */
    cr_assert(has_line(out, "SAMPLE net_io_bytes_per_second_total {a_b=1;2,"
                            "key_9lives=x,otel_scope_name=shop.api,otel_scope_"
                            "version=2.1} 9.0"),
              "%s", out);
    cr_assert(has_line(out, "FAMILY jobs_done counter -"), "%s", out);
    /* The resource as target_info. */
    cr_assert(strstr(out, "SAMPLE target_info {deployment_environment=test,"),
              "%s", out);
    cr_assert(strstr(out, ",service_name=shop,"), "%s", out);
    /* HELP escaping survived promtool and the parser. */
    cr_assert(strstr(
        r.body,
        "# HELP http_requests_total Requests \\\\ served\\nper route\n"));
    free(out);
    http_free(&r);
    env_stop(&e);
}

Test(prometheus, openmetrics_with_exemplars) {
    test_pipeline tp;
    pipeline_init(&tp, NULL, false, NULL);
    env e = env_start(NULL);
    const double b[] = {0.1, 1};
    otelc_instrument_options ho = {.bucket_boundaries = b,
                                   .bucket_boundary_count = 2};
    otelc_histogram *lat =
        otelc_meter_create_histogram(e.m, "op.duration", "s", "latency", &ho);
    otelc_counter *ops =
        otelc_meter_create_counter(e.m, "ops", NULL, "ops", NULL);
    otelc_span *sp = otelc_span_start(tp.tracer, "op", NULL);
    otelc_scope sc = otelc_span_make_current(sp);
    otelc_histogram_record(lat, 0.5, "kind", "x");
    otelc_counter_add(ops, 4, "kind", "x");
    otelc_scope_end(sc);
    otelc_span_context ctx = otelc_span_get_context(sp);
    otelc_span_end(sp);
    otelc_histogram_record(lat, 0.05, "kind", "x"); /* no span */

    http_resp r = http_get(e.port, "/metrics", PROM_ACCEPT, NULL);
    cr_assert(r.ok, "%s", r.err);
    cr_assert_str_eq(r.ctype, OM_TYPE);
    cr_assert(strstr(r.body, "\n# EOF\n"));
    char *out = validate(&r, "openmetrics", false);
    char tid[33], sid[17], want[512];
    otelc_trace_id_to_hex(ctx.trace_id, tid);
    otelc_span_id_to_hex(ctx.span_id, sid);
    /* The exemplar sits on its bucket (and, per the specification, on the
     * buckets above that have none of their own). */
    snprintf(want, sizeof want,
             "EXEMPLAR op_duration_seconds_bucket {kind=x,le=1,otel_scope_"
             "name=shop.api,otel_scope_version=2.1} {span_id=%s,trace_id=%s} "
             "0.5",
             sid, tid);
    cr_assert(strstr(out, want), "%s\n%s", want, out);
    snprintf(want, sizeof want,
             "EXEMPLAR ops_total {kind=x,otel_scope_name=shop.api,otel_scope_"
             "version=2.1} {span_id=%s,trace_id=%s} 4",
             sid, tid);
    cr_assert(strstr(out, want), "%s\n%s", want, out);
    cr_assert(has_line(out, "FAMILY op_duration_seconds histogram seconds"),
              "%s", out);
    cr_assert(has_line(out, "FAMILY target info -"), "%s", out);
    cr_assert(strstr(out, "SAMPLE ops_created "), "%s", out);
    /* No exemplar in the bucket below it. */
    cr_assert_null(strstr(out, "EXEMPLAR op_duration_seconds_bucket {kind=x,"
                               "le=0.1"));
    free(out);
    http_free(&r);

    /* The same data in 0.0.4 text carries no exemplars. */
    r = http_get(e.port, "/metrics", "text/plain;version=0.0.4", NULL);
    cr_assert_str_eq(r.ctype, TEXT_TYPE);
    out = validate(&r, "text", false);
    cr_assert_null(strstr(r.body, "trace_id"));
    free(out);
    http_free(&r);
    env_stop(&e);
    pipeline_free(&tp);
}

Test(prometheus, gzip_when_accepted) {
    env e = env_start(NULL);
    otelc_counter *c = otelc_meter_create_counter(e.m, "c", NULL, "c", NULL);
    for (int i = 0; i < 200; i++)
        otelc_counter_add(c, i, "i", i);
    http_resp r = http_get(e.port, "/metrics", NULL, "deflate, gzip;q=0.8");
    cr_assert_str_eq(r.cenc, "gzip");
    cr_assert_eq((unsigned char)r.body[0], 0x1f);
    char *out = validate(&r, "text", true);
    cr_assert(strstr(out, "SAMPLE c_total {i=199,"));
    free(out);
    http_free(&r);
    r = http_get(e.port, "/metrics", PROM_ACCEPT, "gzip");
    cr_assert_str_eq(r.cenc, "gzip");
    out = validate(&r, "openmetrics", true);
    free(out);
    http_free(&r);
    /* gzip;q=0 refuses it. */
    r = http_get(e.port, "/metrics", NULL, "gzip;q=0, *");
    cr_assert_eq(r.cenc[0], '\0');
    out = validate(&r, "text", false);
    free(out);
    http_free(&r);
    env_stop(&e);
}

Test(prometheus, scopes_merge_and_type_conflicts) {
    diag_capture_start();
    env e = env_start(NULL);
    otelc_meter *m2 = otelc_meter_get(e.mp, "shop.worker", NULL);
    otelc_counter_add(otelc_meter_create_counter(e.m, "jobs", NULL, "a", NULL),
                      1);
    otelc_counter_add(otelc_meter_create_counter(m2, "jobs", NULL, "b", NULL),
                      2);
    otelc_meter *m3 = otelc_meter_get(e.mp, "shop.other", NULL);
    otelc_gauge_record(
        otelc_meter_create_gauge(m3, "jobs_total", NULL, "c", NULL), 5);
    http_resp r = http_get(e.port, "/metrics", NULL, NULL);
    char *out = validate(&r, "text", false);
    cr_assert(has_line(out, "SAMPLE jobs_total {otel_scope_name=shop.api,"
                            "otel_scope_version=2.1} 1.0"),
              "%s", out);
    cr_assert(has_line(out, "SAMPLE jobs_total {otel_scope_name=shop.worker} "
                            "2.0"),
              "%s", out);
    cr_assert_null(strstr(out, "shop.other"));
    cr_assert_geq(diag_count("another type", NULL), 1);
    free(out);
    http_free(&r);
    env_stop(&e);
    diag_capture_stop();
}

Test(prometheus, scope_labels_can_be_disabled) {
    otelc_prometheus_options o = {.scope_labels = 2};
    env e = env_start(&o);
    otelc_counter_add(otelc_meter_create_counter(e.m, "c", NULL, "c", NULL), 1,
                      "k", "v");
    http_resp r = http_get(e.port, "/metrics", PROM_ACCEPT, NULL);
    char *out = validate(&r, "openmetrics", false);
    cr_assert(has_line(out, "SAMPLE c_total {k=v} 1"), "%s", out);
    free(out);
    http_free(&r);
    env_stop(&e);
}

Test(prometheus, not_found_and_method_not_allowed) {
    env e = env_start(NULL);
    http_resp r = http_get(e.port, "/nope", NULL, NULL);
    cr_assert_eq(r.status, 404);
    http_free(&r);
    r = http_request(e.port, "/metrics", NULL, NULL, "POST", 5000);
    cr_assert_eq(r.status, 405);
    http_free(&r);
    env_stop(&e);
}

/* ---- hostile clients
 * ---------------------------------------------------------- */

static int raw_connect(unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

Test(prometheus, slow_client_cannot_stall_a_scrape) {
    env e = env_start(NULL);
    otelc_counter_add(otelc_meter_create_counter(e.m, "c", NULL, "c", NULL), 1);
    /* One client connects and sends nothing; another sends half a request
     * and stops. */
    int idle = raw_connect(e.port);
    int half = raw_connect(e.port);
    const char *partial = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
    cr_assert_gt(write(half, partial, strlen(partial)), 0);
    double t0 = mono_ms();
    http_resp r = http_get(e.port, "/metrics", NULL, NULL);
    double took = mono_ms() - t0;
    cr_assert(r.ok && r.status == 200);
    /* Bounded far below the 10 s connection timeout the stuck clients
     * would have to reach if they could hold the server. */
    cr_assert_lt(took, 2000, "scrape took %.0f ms", took);
    char *out = validate(&r, "text", false);
    free(out);
    http_free(&r);
    close(idle);
    close(half);
    env_stop(&e);
}

Test(prometheus, connection_limit_and_timeout) {
    otelc_prometheus_options o = {.connection_limit = 3,
                                  .connection_timeout_s = 1};
    env e = env_start(&o);
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = raw_connect(e.port);
    usleep(200000); /* let the server accept them */
    /* At the limit, a new connection is refused (closed at once). */
    http_resp r = http_request(e.port, "/metrics", NULL, NULL, NULL, 3000);
    cr_assert_not(r.ok && r.status == 200, "served beyond the limit");
    http_free(&r);
    /* The idle connections are closed by the server after the timeout. */
    double t0 = mono_ms();
    for (int i = 0; i < 3; i++) {
        struct pollfd p = {fds[i], POLLIN, 0};
        cr_assert_eq(poll(&p, 1, 5000), 1, "idle connection not closed");
        char c;
        cr_assert_eq(read(fds[i], &c, 1), 0);
        close(fds[i]);
    }
    cr_assert_lt(mono_ms() - t0, 5000);
    /* Their slots free up once the server has reaped the threads (it does
     * so asynchronously, right after closing): scrapes succeed again. */
    bool served = false;
    for (int i = 0; i < 50 && !served; i++) {
        r = http_get(e.port, "/metrics", NULL, NULL);
        served = r.ok && r.status == 200;
        http_free(&r);
        if (!served)
            usleep(100000);
    }
    cr_assert(served, "the server did not recover its connection slots");
    env_stop(&e);
}

/* ---- otelc_init(): when the port opens
 * ---------------------------------------- */

static int count_sockets(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    while ((de = readdir(d))) {
        char p[300], t[64];
        snprintf(p, sizeof p, "/proc/self/fd/%s", de->d_name);
        ssize_t l = readlink(p, t, sizeof t - 1);
        if (l > 0) {
            t[l] = '\0';
            n += !strncmp(t, "socket:", 7);
        }
    }
    closedir(d);
    return n;
}

static unsigned free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

Test(prometheus, init_opens_no_port_by_default) {
    int before = count_sockets();
    otelc_options *o = otelc_options_new();
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "none");
    cr_assert_eq(otelc_init(o), OTELC_OK);
    cr_assert_eq(count_sockets(), before, "otelc_init opened a socket");
    otelc_shutdown(2000);
}

Test(prometheus, init_serves_process_and_sdk_metrics) {
    unsigned port = free_port();
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    otelc_options *o = otelc_options_new();
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "memory");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "prometheus");
    otelc_options_set(o, "OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1");
    otelc_options_set(o, "METRICS_PORT", ps);
    otelc_options_set(o, "OTEL_SERVICE_NAME", "init-test");
    cr_assert_eq(otelc_init(o), OTELC_OK);
    TRACE_SPAN("work") {}
    otelc_force_flush(2000);
    http_resp r = http_get(port, "/metrics", NULL, NULL);
    cr_assert(r.ok && r.status == 200, "%s", r.err);
    char *out = validate(&r, "text", false);
    static const char *const families[] = {
        "FAMILY process_cpu_seconds counter -",
        "FAMILY process_resident_memory_bytes gauge -",
        "FAMILY process_virtual_memory_bytes gauge -",
        "FAMILY process_open_fds gauge -",
        "FAMILY process_max_fds gauge -",
        "FAMILY process_start_time_seconds gauge -",
        "FAMILY process_threads gauge -",
        "FAMILY system_cpu_utilization_ratio gauge -",
        "FAMILY system_memory_usage_bytes gauge -",
        "FAMILY system_memory_utilization_ratio gauge -",
        "FAMILY system_filesystem_usage_bytes gauge -",
        "FAMILY system_filesystem_utilization_ratio gauge -",
        "FAMILY otelc_spans_started counter -",
        "FAMILY otelc_spans_exported counter -",
        "FAMILY otelc_spans_dropped counter -",
        "FAMILY otelc_queue_depth gauge -",
    };
    for (size_t i = 0; i < sizeof families / sizeof *families; i++)
        cr_assert(has_line(out, families[i]), "missing %s\n%s", families[i],
                  out);
    cr_assert(has_line(out, "SAMPLE otelc_spans_started_total {otel_scope_"
                            "name=otelc,otel_scope_version=0.1.0} 1.0"),
              "%s", out);
    cr_assert(strstr(out, "SAMPLE otelc_spans_dropped_total {exporter=batch("
                          "memory),otel_scope_name=otelc,otel_scope_version="
                          "0.1.0,reason=queue_full} 0.0"),
              "%s", out);
    /* Plausible process values. */
    const char *p = strstr(out, "SAMPLE process_start_time_seconds ");
    cr_assert_not_null(p);
    double start = strtod(strchr(p + 34, '}') + 2, NULL);
    double now = (double)otelc_now_ns() / 1e9;
    cr_assert(start > now - 86400 * 365 && start <= now + 1, "%f", start);
    p = strstr(out, "SAMPLE process_threads ");
    cr_assert_geq(strtod(strchr(p + 23, '}') + 2, NULL), 1);
    cr_assert(strstr(out, "service_name=init-test"));
    free(out);
    http_free(&r);
    r = http_get(port, "/health/live", NULL, NULL);
    cr_assert_eq(r.status, 200);
    http_free(&r);
    otelc_shutdown(2000);
    /* The port is closed again. */
    r = http_request(port, "/metrics", NULL, NULL, NULL, 1000);
    cr_assert_not(r.ok);
    http_free(&r);
}

Test(prometheus, metrics_disabled_serves_health_only) {
    unsigned port = free_port();
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    otelc_options *o = otelc_options_new();
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    otelc_options_set(o, "OTEL_METRICS_EXPORTER", "none");
    otelc_options_set(o, "OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1");
    otelc_options_set(o, "METRICS_ENABLED", "false");
    otelc_options_set(o, "METRICS_PORT", ps);
    otelc_options_set(o, "OTELC_HEALTH_CHECKS", "none");
    cr_assert_eq(otelc_init(o), OTELC_OK);
    http_resp r = http_get(port, "/metrics", NULL, NULL);
    cr_assert_eq(r.status, 404);
    http_free(&r);
    r = http_get(port, "/health", NULL, NULL);
    cr_assert_eq(r.status, 200);
    http_free(&r);
    otelc_shutdown(2000);
}
