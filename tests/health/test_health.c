/*
 * tests/health/test_health.c - the health-check registry: concurrent runs
 * bounded by timeouts, a hanging check, the background refresh, the
 * built-in checks against real local peers (a listening TCP socket, the
 * server's own HTTP endpoint), and /health served over HTTP with its JSON
 * parsed by Python's json module.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/test_support.h"
#include "metrics/http_get.h"

#include <otelc/health.h>
#include <otelc/prometheus.h>

/* ---- checks used by the tests
 * ------------------------------------------------ */

static otelc_health_status ok_check(void *u, char *msg, size_t len) {
    (void)u;
    snprintf(msg, len, "all good");
    return OTELC_HEALTH_HEALTHY;
}

static otelc_health_status bad_check(void *u, char *msg, size_t len) {
    (void)u;
    snprintf(msg, len, "database \"main\" unreachable");
    return OTELC_HEALTH_UNHEALTHY;
}

/* Three checks that each wait until all three have started: they pass
 * only if they run at the same time. */
typedef struct rendezvous {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int arrived;
    int need;
} rendezvous;

static otelc_health_status meet_check(void *u, char *msg, size_t len) {
    rendezvous *r = u;
    pthread_mutex_lock(&r->lock);
    r->arrived++;
    pthread_cond_broadcast(&r->cond);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 3;
    while (r->arrived < r->need)
        if (pthread_cond_timedwait(&r->cond, &r->lock, &ts))
            break;
    bool all = r->arrived >= r->need;
    pthread_mutex_unlock(&r->lock);
    snprintf(msg, len, all ? "met" : "alone");
    return all ? OTELC_HEALTH_HEALTHY : OTELC_HEALTH_UNHEALTHY;
}

/* A check that hangs until released, counting its invocations. */
typedef struct hang {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool release;
    int calls;
} hang;

static otelc_health_status hang_check(void *u, char *msg, size_t len) {
    hang *h = u;
    pthread_mutex_lock(&h->lock);
    h->calls++;
    while (!h->release)
        pthread_cond_wait(&h->cond, &h->lock);
    pthread_mutex_unlock(&h->lock);
    snprintf(msg, len, "finally");
    return OTELC_HEALTH_HEALTHY;
}

static void hang_release(hang *h) {
    pthread_mutex_lock(&h->lock);
    h->release = true;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

static const otelc_health_result *find(const otelc_health_report *r,
                                       const char *name) {
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->results[i].name, name))
            return &r->results[i];
    return NULL;
}

/* ---- the registry
 * -------------------------------------------------------------- */

Test(health, checks_run_concurrently) {
    otelc_health_registry *reg = otelc_health_registry_new();
    rendezvous rv = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 3};
    cr_assert_eq(otelc_health_register(reg, "a", meet_check, &rv, NULL, 5000),
                 OTELC_OK);
    cr_assert_eq(otelc_health_register(reg, "b", meet_check, &rv, NULL, 5000),
                 OTELC_OK);
    cr_assert_eq(otelc_health_register(reg, "c", meet_check, &rv, NULL, 5000),
                 OTELC_OK);
    otelc_health_report *rep = otelc_health_check_all(reg);
    cr_assert_not_null(rep);
    cr_assert_eq(rep->count, 3);
    cr_assert_eq(rep->status, OTELC_HEALTH_HEALTHY);
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(rep->results[i].message, "met");
    /* Registration order is kept. */
    cr_assert_str_eq(rep->results[0].name, "a");
    cr_assert_str_eq(rep->results[2].name, "c");
    otelc_health_report_free(rep);
    otelc_health_registry_free(reg);
}

Test(health, hanging_check_reported_within_its_timeout) {
    otelc_health_registry *reg = otelc_health_registry_new();
    static hang h = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false,
                     0};
    otelc_health_register(reg, "stuck", hang_check, &h, NULL, 200);
    otelc_health_register(reg, "fine", ok_check, NULL, NULL, 1000);
    double t0 = mono_ms();
    otelc_health_report *rep = otelc_health_check_all(reg);
    double took = mono_ms() - t0;
    /* The bound: never past the timeout (+100 ms of slack). */
    cr_assert_lt(took, 200 + 100, "took %.0f ms", took);
    const otelc_health_result *s = find(rep, "stuck");
    cr_assert_eq(s->status, OTELC_HEALTH_UNHEALTHY);
    cr_assert(s->timed_out);
    cr_assert_str_eq(s->message, "timed out after 200 ms");
    cr_assert_eq(find(rep, "fine")->status, OTELC_HEALTH_HEALTHY);
    cr_assert_eq(rep->status, OTELC_HEALTH_UNHEALTHY);
    otelc_health_report_free(rep);

    /* Asked again while it still hangs: reported at once, and no second
     * thread is started for it. */
    t0 = mono_ms();
    otelc_health_report *one = NULL;
    cr_assert_eq(otelc_health_check_one(reg, "stuck", &one), OTELC_OK);
    cr_assert_lt(mono_ms() - t0, 200 + 100);
    cr_assert(one->results[0].timed_out);
    cr_assert(strstr(one->results[0].message, "still running"), "%s",
              one->results[0].message);
    otelc_health_report_free(one);
    pthread_mutex_lock(&h.lock);
    cr_assert_eq(h.calls, 1);
    pthread_mutex_unlock(&h.lock);

    /* Once it returns, the next run is healthy. */
    hang_release(&h);
    bool healthy = false;
    for (int i = 0; i < 50 && !healthy; i++) {
        cr_assert_eq(otelc_health_check_one(reg, "stuck", &one), OTELC_OK);
        healthy = one->results[0].status == OTELC_HEALTH_HEALTHY;
        otelc_health_report_free(one);
        if (!healthy)
            usleep(20000);
    }
    cr_assert(healthy);
    otelc_health_registry_free(reg);
}

Test(health, registration_rules) {
    diag_capture_start();
    otelc_health_registry *reg = otelc_health_registry_new();
    cr_assert_eq(otelc_health_register(reg, "db", ok_check, NULL, NULL, 0),
                 OTELC_OK);
    cr_assert_eq(otelc_health_register(reg, "db", ok_check, NULL, NULL, 0),
                 OTELC_EEXIST);
    cr_assert_eq(
        otelc_health_register(reg, "has space", ok_check, NULL, NULL, 0),
        OTELC_EINVAL);
    cr_assert_eq(otelc_health_register(reg, "live", ok_check, NULL, NULL, 0),
                 OTELC_EINVAL);
    cr_assert_eq(otelc_health_register(reg, "x", NULL, NULL, NULL, 0),
                 OTELC_EINVAL);
    /* free_user is called when registration fails. */
    char *owned = strdup("user data");
    cr_assert_eq(otelc_health_register(reg, "db", ok_check, owned, free, 0),
                 OTELC_EEXIST);
    otelc_health_report *one = NULL;
    cr_assert_eq(otelc_health_check_one(reg, "nope", &one), OTELC_ENOTFOUND);
    cr_assert_null(one);
    cr_assert_eq(otelc_health_unregister(reg, "db"), OTELC_OK);
    cr_assert_eq(otelc_health_unregister(reg, "db"), OTELC_ENOTFOUND);
    otelc_health_report *rep = otelc_health_check_all(reg);
    cr_assert_eq(rep->count, 0);
    cr_assert_eq(rep->status, OTELC_HEALTH_HEALTHY);
    otelc_health_report_free(rep);
    otelc_health_registry_free(reg);
    diag_capture_stop();
}

static int g_bg_calls;
static otelc_health_status counting_check(void *u, char *msg, size_t len) {
    (void)u;
    __atomic_add_fetch(&g_bg_calls, 1, __ATOMIC_SEQ_CST);
    snprintf(msg, len, "run");
    return OTELC_HEALTH_HEALTHY;
}

Test(health, background_refresh) {
    otelc_health_registry *reg = otelc_health_registry_new();
    otelc_health_register(reg, "count", counting_check, NULL, NULL, 1000);
    cr_assert_null(otelc_health_last(reg));
    cr_assert_eq(otelc_health_start_background(reg, 1), OTELC_OK);
    /* The first run is immediate; the second one follows a second later. */
    otelc_health_report *last = NULL;
    for (int i = 0;
         i < 300 && __atomic_load_n(&g_bg_calls, __ATOMIC_SEQ_CST) < 2; i++)
        usleep(10000);
    cr_assert_geq(__atomic_load_n(&g_bg_calls, __ATOMIC_SEQ_CST), 2);
    last = otelc_health_last(reg);
    cr_assert_not_null(last);
    cr_assert_eq(last->count, 1);
    cr_assert_str_eq(last->results[0].message, "run");
    otelc_health_report_free(last);
    otelc_health_stop_background(reg);
    int n = __atomic_load_n(&g_bg_calls, __ATOMIC_SEQ_CST);
    usleep(1300000);
    cr_assert_eq(__atomic_load_n(&g_bg_calls, __ATOMIC_SEQ_CST), n,
                 "runs after stop");
    otelc_health_registry_free(reg);
}

/* ---- built-in checks
 * ------------------------------------------------------------ */

static int listener(unsigned *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 4), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

Test(health, builtin_checks) {
    otelc_health_registry *reg = otelc_health_registry_new();
    unsigned open_port, closed_port;
    int lfd = listener(&open_port);
    int cfd = listener(&closed_port);
    close(cfd); /* nothing listens there any more */
    otelc_health_register_disk(reg, "disk_ok", "/", 0, 2000);
    otelc_health_register_disk(reg, "disk_full", "/", 100.5, 2000);
    otelc_health_register_disk(reg, "disk_missing", "/no/such/dir", 1, 2000);
    otelc_health_register_memory(reg, "mem_ok", 100, 2000);
    otelc_health_register_memory(reg, "mem_high", 0, 2000);
    otelc_health_register_tcp(reg, "tcp_ok", "127.0.0.1", (uint16_t)open_port,
                              2000);
    otelc_health_register_tcp(reg, "tcp_refused", "127.0.0.1",
                              (uint16_t)closed_port, 2000);
    otelc_health_report *rep = otelc_health_check_all(reg);
    const otelc_health_result *r = find(rep, "disk_ok");
    cr_assert_eq(r->status, OTELC_HEALTH_HEALTHY, "%s", r->message);
    cr_assert(strstr(r->message, "% free (") && strstr(r->message, " on /"),
              "%s", r->message);
    r = find(rep, "disk_full");
    cr_assert_eq(r->status, OTELC_HEALTH_UNHEALTHY);
    cr_assert(strstr(r->message, "below the threshold"), "%s", r->message);
    r = find(rep, "disk_missing");
    cr_assert_eq(r->status, OTELC_HEALTH_UNHEALTHY);
    cr_assert(strstr(r->message, "No such file"), "%s", r->message);
    cr_assert_eq(find(rep, "mem_ok")->status, OTELC_HEALTH_HEALTHY);
    r = find(rep, "mem_high");
    cr_assert_eq(r->status, OTELC_HEALTH_UNHEALTHY);
    cr_assert(strstr(r->message, "of memory in use"), "%s", r->message);
    r = find(rep, "tcp_ok");
    cr_assert_eq(r->status, OTELC_HEALTH_HEALTHY, "%s", r->message);
    r = find(rep, "tcp_refused");
    cr_assert_eq(r->status, OTELC_HEALTH_UNHEALTHY);
    cr_assert(strstr(r->message, "refused"), "%s", r->message);
    otelc_health_report_free(rep);
    close(lfd);
    otelc_health_registry_free(reg);
}

/* ---- over HTTP
 * ------------------------------------------------------------------- */

/* Parse a body with tests/health/check_health_json.py. */
static char *parse_json(const http_resp *r, const char *mode) {
    char path[] = "/tmp/otelc-health-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, r->body, r->len), (ssize_t)r->len);
    close(fd);
    const char *args[] = {path, mode, NULL};
    char *out = NULL;
    int rc =
        run_python(OTELC_TESTS_DIR "/health/check_health_json.py", args, &out);
    unlink(path);
    cr_assert_eq(rc, 0, "%s\n%s", out, r->body);
    return out;
}

Test(health, http_endpoints) {
    otelc_health_registry *reg = otelc_health_registry_new();
    otelc_prometheus_options o = {0};
    o.host = "127.0.0.1";
    o.ephemeral_port = true;
    o.health = reg;
    o.health_only = true;
    otelc_prometheus_server *srv =
        otelc_prometheus_server_start(NULL, &o, NULL);
    cr_assert_not_null(srv);
    unsigned port = otelc_prometheus_server_port(srv);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/health/live", port);
    otelc_health_register(reg, "api", ok_check, NULL, NULL, 1000);
    otelc_health_register_http(reg, "self", url, 200, 2000);
    otelc_health_register_http(reg, "self_wrong", url, 201, 2000);

    /* One check expects the wrong status: 503 overall. */
    http_resp r = http_get(port, "/health", NULL, NULL);
    cr_assert_eq(r.status, 503);
    cr_assert(strstr(r.ctype, "application/json"));
    char *out = parse_json(&r, "all");
    cr_assert(strstr(out, "STATUS unhealthy\n"), "%s", out);
    cr_assert(strstr(out, "CHECK api healthy "), "%s", out);
    cr_assert(strstr(out, "CHECK self healthy "), "%s", out);
    cr_assert(strstr(out, " GET http://127.0.0.1:"), "%s", out);
    cr_assert(strstr(out, "answered 200, expected 201"), "%s", out);
    free(out);
    http_free(&r);

    cr_assert_eq(otelc_health_unregister(reg, "self_wrong"), OTELC_OK);
    otelc_health_register(reg, "quoting", bad_check, NULL, NULL, 1000);
    r = http_get(port, "/health/api", NULL, NULL);
    cr_assert_eq(r.status, 200);
    out = parse_json(&r, "one");
    cr_assert(strstr(out, "CHECK api healthy "), "%s", out);
    free(out);
    http_free(&r);

    r = http_get(port, "/health/quoting", NULL, NULL);
    cr_assert_eq(r.status, 503);
    out = parse_json(&r, "one");
    cr_assert(strstr(out, "database \"main\" unreachable"), "%s", out);
    free(out);
    http_free(&r);

    r = http_get(port, "/health/unknown", NULL, NULL);
    cr_assert_eq(r.status, 404);
    cr_assert(strstr(r.body, "\"name\":\"unknown\""), "%s", r.body);
    http_free(&r);

    otelc_health_unregister(reg, "quoting");
    r = http_get(port, "/health", NULL, NULL);
    cr_assert_eq(r.status, 200);
    out = parse_json(&r, "all");
    cr_assert(strstr(out, "STATUS healthy\n"), "%s", out);
    free(out);
    http_free(&r);

    r = http_get(port, "/health/live", NULL, NULL);
    cr_assert_eq(r.status, 200);
    http_free(&r);
    r = http_get(port, "/metrics", NULL, NULL);
    cr_assert_eq(r.status, 404);
    http_free(&r);
    otelc_prometheus_server_stop(srv);
    otelc_health_registry_free(reg);
}

Test(health, hanging_check_does_not_hold_the_endpoint) {
    otelc_health_registry *reg = otelc_health_registry_new();
    static hang h = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false,
                     0};
    otelc_health_register(reg, "stuck", hang_check, &h, NULL, 300);
    otelc_prometheus_options o = {0};
    o.host = "127.0.0.1";
    o.ephemeral_port = true;
    o.health = reg;
    o.health_only = true;
    otelc_prometheus_server *srv =
        otelc_prometheus_server_start(NULL, &o, NULL);
    unsigned port = otelc_prometheus_server_port(srv);
    double t0 = mono_ms();
    http_resp r = http_get(port, "/health", NULL, NULL);
    cr_assert_lt(mono_ms() - t0, 300 + 100 + 200 /* HTTP on a busy VM */);
    cr_assert_eq(r.status, 503);
    char *out = parse_json(&r, "all");
    cr_assert(strstr(out, "CHECK stuck unhealthy ") &&
                  strstr(out, "timed out after 300 ms"),
              "%s", out);
    free(out);
    http_free(&r);
    /* Liveness is unaffected. */
    r = http_get(port, "/health/live", NULL, NULL);
    cr_assert_eq(r.status, 200);
    http_free(&r);
    hang_release(&h);
    otelc_prometheus_server_stop(srv);
    otelc_health_registry_free(reg);
}
