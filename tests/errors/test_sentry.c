/*
 * tests/errors/test_sentry.c - captured errors sent to a loopback Sentry
 * stand-in (sentry_server.py, which parses every envelope with Python's
 * json module): framing, the event's trace context, release, environment
 * and tags; Sentry's rate limits (429 + Retry-After, X-Sentry-Rate-Limits
 * per category and its precedence); retries without duplicates; a hung
 * Sentry never holding the caller or shutdown; malformed DSNs.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors/errors_util.h"

static pid_t g_peer;
static void fini(void) {
    otelc_shutdown(5000);
    stop_process(g_peer);
    g_peer = 0;
}

static void init_with_sentry(test_otelc *t, int port,
                             const char *const *extra) {
    const char *kv[32];
    size_t n = 0;
    kv[n++] = "SENTRY_DSN";
    kv[n++] = sentry_dsn(port);
    for (size_t i = 0; extra && extra[i]; i++)
        kv[n++] = extra[i];
    kv[n] = NULL;
    errors_init(t, kv);
}

static void hexid(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

Test(sentry, envelope_carries_trace_release_environment_and_tags, .fini = fini,
     .timeout = 60) {
    int port;
    char out[512];
    g_peer = sentry_start(NULL, &port, out, sizeof out);
    test_otelc t;
    const char *extra[] = {"SENTRY_RELEASE", "shop@1.4.2", "SENTRY_ENVIRONMENT",
                           "staging", NULL};
    init_with_sentry(&t, port, extra);
    otelc_span_context sc;
    TRACE_SPAN("pay") {
        sc = otelc_current_span_context();
        otelc_request_id_set("req-77");
        otelc_error_capture("PaymentError", "card \"declined\"\n", "order_id",
                            42, "ok", (bool)false, "method", "credit_card");
        otelc_request_id_set(NULL);
    }
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert(wait_for_lines(out, 1, 10000));
    cr_assert_eq(count_matching_lines(out, "{\"error\": "), 0, "%s",
                 read_file(out, NULL));
    char tid[33], sid[17], want[128];
    hexid(sc.trace_id, 16, tid);
    hexid(sc.span_id, 8, sid);
    /* contexts.trace links the event to the trace; the envelope header's
     * trace carries the same id. */
    snprintf(want, sizeof want,
             "\"trace\": {\"span_id\": \"%s\", \"trace_id\": \"%s\", "
             "\"type\": \"trace\"}",
             sid, tid);
    cr_assert_eq(count_matching_lines(out, want), 1, "%s",
                 read_file(out, NULL));
    snprintf(want, sizeof want, "\"trace_id\": \"%s\"", tid);
    cr_assert_eq(count_matching_lines(out, "\"public_key\": \"key1234\""), 1);
    const char *need[] = {
        "\"release\": \"shop@1.4.2\"",
        "\"environment\": \"staging\"",
        "\"level\": \"error\"",
        "\"type\": \"PaymentError\"",
        "\"value\": \"card \\\"declined\\\"\\n\"",
        "\"order_id\": \"42\"",
        "\"ok\": \"false\"",
        "\"method\": \"credit_card\"",
        "\"request_id\": \"req-77\"",
        "\"service.name\": \"errors-test\"",
        "\"platform\": \"native\"",
        "\"handled\": true",
        "\"content_type\": \"application/json\"",
        "sentry_key=key1234",
        "\"path\": \"/api/42/envelope/\"",
    };
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        cr_assert_eq(count_matching_lines(out, need[i]), 1, "missing %s in %s",
                     need[i], read_file(out, NULL));
    otelc_error_stats st;
    otelc_error_get_stats(&st);
    cr_assert_geq(st.sentry_sent, 1);
}

Test(sentry, stack_frames_oldest_first, .fini = fini, .timeout = 60) {
    int port;
    char out[512];
    g_peer = sentry_start(NULL, &port, out, sizeof out);
    test_otelc t;
    init_with_sentry(&t, port, NULL);
    otelc_error_info info = {.type = "Boom",
                             .message = "with frames",
                             .stacktrace = "inner(f1+0x1) [0x10]\n"
                                           "middle(f2+0x2) [0x20]\n"
                                           "outer(main+0x3) [0x30]"};
    otelc_error_capture_ex(&info, NULL, 0);
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert(wait_for_lines(out, 1, 10000));
    cr_assert_eq(
        count_matching_lines(
            out, "\"frames\": [{\"function\": \"main\", \"instruction_addr\": "
                 "\"0x30\", \"package\": \"outer\"}, {\"function\": \"f2\", "
                 "\"instruction_addr\": \"0x20\", \"package\": \"middle\"}, "
                 "{\"function\": \"f1\""),
        1, "%s", read_file(out, NULL));
}

Test(sentry, http_429_with_retry_after_stops_sending, .fini = fini,
     .timeout = 60) {
    int port;
    char out[512];
    g_peer = sentry_start("[{\"status\": 429, \"headers\": {\"Retry-After\": "
                          "\"60\"}}]",
                          &port, out, sizeof out);
    test_otelc t;
    init_with_sentry(&t, port, NULL);
    otelc_error_capture("First", "answered 429");
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert(wait_for_lines(out, 1, 10000));
    uint64_t left = otelc_sentry_rate_limited_ms();
    cr_assert(left > 50000 && left <= 60000, "limited for %llu ms",
              (unsigned long long)left);
    for (int i = 0; i < 5; i++)
        otelc_error_capture("Later", "dropped while limited");
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    /* Only the first request reached the server. */
    cr_assert_eq(count_lines(out), 1);
    otelc_error_stats st;
    otelc_error_get_stats(&st);
    cr_assert_eq(st.sentry_rate_limited, 6);
    cr_assert_eq(st.sentry_requests, 1);
    cr_assert_eq(st.sentry_sent, 0);
    /* The errors themselves are still logged. */
    cr_assert_not_null(find_log(&t, "dropped while limited"));
}

Test(sentry, rate_limit_header_applies_per_category_and_expires, .fini = fini,
     .timeout = 60) {
    int port;
    char out[512];
    /* A 200 that announces: transactions limited for 60 s (not us), error
     * events for 1 s. */
    g_peer = sentry_start(
        "[{\"status\": 200, \"headers\": {\"X-Sentry-Rate-Limits\": "
        "\"60:transaction:key, 1:default;error;security:organization\"}}]",
        &port, out, sizeof out);
    test_otelc t;
    init_with_sentry(&t, port, NULL);
    otelc_error_capture("A", "first");
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert(wait_for_lines(out, 1, 10000));
    uint64_t left = otelc_sentry_rate_limited_ms();
    cr_assert(left > 0 && left <= 1000, "limited for %llu ms",
              (unsigned long long)left);
    otelc_error_capture("B", "during the limit");
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert_eq(count_lines(out), 1);
    /* After the second has passed, events flow again. */
    usleep((useconds_t)(left + 200) * 1000);
    cr_assert_eq(otelc_sentry_rate_limited_ms(), 0);
    otelc_error_capture("C", "after the limit");
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert(wait_for_lines(out, 2, 10000));
    cr_assert_eq(count_matching_lines(out, "after the limit"), 1);
    cr_assert_eq(count_matching_lines(out, "during the limit"), 0);
}

Test(sentry, rate_limit_header_wins_over_retry_after, .fini = fini,
     .timeout = 60) {
    int port;
    char out[512];
    g_peer = sentry_start("[{\"status\": 429, \"headers\": {\"Retry-After\": "
                          "\"1\", \"X-Sentry-Rate-Limits\": "
                          "\"30::organization\"}}]",
                          &port, out, sizeof out);
    test_otelc t;
    init_with_sentry(&t, port, NULL);
    otelc_error_capture("A", "x");
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    cr_assert(wait_for_lines(out, 1, 10000));
    uint64_t left = otelc_sentry_rate_limited_ms();
    cr_assert(left > 20000 && left <= 30000, "limited for %llu ms",
              (unsigned long long)left);
}

Test(sentry, server_errors_are_retried_without_duplicates, .fini = fini,
     .timeout = 60) {
    int port;
    char out[512];
    /* Two events in one batch: the first is accepted, the second gets a
     * 503 (Retry-After: 0), then both are... only the second is resent. */
    g_peer = sentry_start("[{\"status\": 200}, {\"status\": 503, "
                          "\"headers\": {\"Retry-After\": \"0\"}}]",
                          &port, out, sizeof out);
    test_otelc t;
    init_with_sentry(&t, port, NULL);
    otelc_error_capture("One", "first event");
    otelc_error_capture("Two", "second event");
    cr_assert_eq(otelc_error_flush(15000), OTELC_OK);
    cr_assert(wait_for_lines(out, 3, 10000));
    cr_assert_eq(count_matching_lines(out, "first event"), 1, "%s",
                 read_file(out, NULL));
    cr_assert_eq(count_matching_lines(out, "second event"), 2);
    otelc_error_stats st;
    otelc_error_get_stats(&st);
    cr_assert_eq(st.sentry_sent, 2);
    cr_assert_eq(st.sentry_requests, 3);
    cr_assert_eq(st.sentry_failed, 0);
}

Test(sentry, rejected_event_is_counted_not_retried, .fini = fini,
     .timeout = 60) {
    int port;
    char out[512];
    g_peer = sentry_start("[{\"status\": 413}]", &port, out, sizeof out);
    test_otelc t;
    init_with_sentry(&t, port, NULL);
    diag_capture_start();
    otelc_error_capture("Big", "too large");
    cr_assert_eq(otelc_error_flush(10000), OTELC_OK);
    otelc_error_stats st;
    otelc_error_get_stats(&st);
    cr_assert_eq(st.sentry_failed, 1);
    cr_assert_eq(st.sentry_requests, 1);
    cr_assert_eq(diag_count("sentry", "HTTP 413", NULL), 1, "%s",
                 diag_captured());
    diag_capture_stop();
}

Test(sentry, hung_sentry_never_holds_the_caller_or_shutdown, .timeout = 60) {
    int port;
    char out[512];
    g_peer = sentry_start("[{\"sleep\": 20}]", &port, out, sizeof out);
    test_otelc t;
    init_with_sentry(&t, port, NULL);
    double t0 = mono_ms();
    for (int i = 0; i < 50; i++)
        otelc_error_capture("Hang", "while sentry hangs", "i", i);
    double capture_ms = mono_ms() - t0;
    usleep(300000); /* the worker is now inside the hung request */
    t0 = mono_ms();
    otelc_shutdown(500);
    double shut_ms = mono_ms() - t0;
    cr_assert_lt(shut_ms, 600.0, "shutdown took %.0f ms", shut_ms);
    /* 50 captures never waited for the network (a generous bound: the
     * request alone would take 20 s). */
    cr_assert_lt(capture_ms, 5000.0, "captures took %.0f ms", capture_ms);
    stop_process(g_peer);
    g_peer = 0;
}

Test(sentry, malformed_dsns_are_diagnosed) {
    static const struct {
        const char *dsn, *why;
    } bad[] = {
        {"", "empty"},
        {"sentry.example/42", "no scheme"},
        {"ftp://k@sentry.example/42", "not http or https"},
        {"https://sentry.example/42", "no public key"},
        {"https://@sentry.example/42", "public key before '@' is empty"},
        {"https://k-y@sentry.example/42", "public key is not"},
        {"https://k@/42", "no host"},
        {"https://k@ho;st/42", "host has characters"},
        {"https://k@sentry.example:0/42", "port"},
        {"https://k@sentry.example:99999/42", "port"},
        {"https://k@sentry.example", "no project id"},
        {"https://k@sentry.example/", "no project id"},
        {"https://k@sentry.example/42/", "ends with '/'"},
        {"https://k@sentry.example/project", "not a number"},
        {"https://k@sentry.example/42?x=1", "query"},
        {"https://k@sentry .example/42", "whitespace"},
        {"https://k@[::1/42", "IPv6"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        char ep[256] = "x";
        cr_assert_eq(otelc_sentry_dsn_check(bad[i].dsn, &why, ep, sizeof ep),
                     OTELC_EPARSE, "%s accepted", bad[i].dsn);
        cr_assert(why && strstr(why, bad[i].why), "%s: \"%s\" lacks \"%s\"",
                  bad[i].dsn, why ? why : "(null)", bad[i].why);
        cr_assert_str_eq(ep, "");
    }
    cr_assert_eq(otelc_sentry_dsn_check(NULL, NULL, NULL, 0), OTELC_EPARSE);
    static const struct {
        const char *dsn, *endpoint;
    } good[] = {
        {"https://abc123@o1.ingest.sentry.io/42",
         "https://o1.ingest.sentry.io/api/42/envelope/"},
        {"http://pub:sec@127.0.0.1:9000/sub/path/7",
         "http://127.0.0.1:9000/sub/path/api/7/envelope/"},
        {"HTTPS://k@[::1]:8443/1", "https://[::1]:8443/api/1/envelope/"},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        const char *why = "x";
        char ep[256];
        cr_assert_eq(otelc_sentry_dsn_check(good[i].dsn, &why, ep, sizeof ep),
                     OTELC_OK, "%s: %s", good[i].dsn, why);
        cr_assert_null(why);
        cr_assert_str_eq(ep, good[i].endpoint);
    }
}

Test(sentry, malformed_dsn_at_init_is_reported_without_the_key, .fini = fini) {
    diag_capture_start();
    test_otelc t;
    const char *kv[] = {"SENTRY_DSN", "https://secretkey99@sentry.example/abc",
                        NULL};
    errors_init(&t, kv);
    cr_assert_eq(diag_count("SENTRY_DSN is malformed", "not a number", NULL), 1,
                 "%s", diag_captured());
    cr_assert_null(strstr(diag_captured(), "secretkey99"));
    /* Capture still works for the span and the log, and sends nothing. */
    otelc_error_stats a, b;
    otelc_error_get_stats(&a);
    otelc_error_capture("X", "no sentry");
    otelc_error_get_stats(&b);
    cr_assert_eq(b.captured, a.captured + 1);
    cr_assert_eq(b.sentry_queued, a.sentry_queued);
    cr_assert_not_null(find_log(&t, "no sentry"));
    diag_capture_stop();
}
