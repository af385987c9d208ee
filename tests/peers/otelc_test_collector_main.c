/*
 * tests/peers/otelc_test_collector_main.c - otelc-test-collector, the
 * in-repo OTLP receiver as a program: for trying otelc by hand, for the
 * demo and for the end-to-end benchmarks.
 *
 *   otelc-test-collector [--grpc PORT] [--http PORT] [--tls CERT KEY]
 *                        [--fail-next N] [--delay MS] [--count-only]
 *                        [--verbose]
 *
 * PORT 0 picks a free port.  With neither --grpc nor --http both are
 * served on the OTLP default ports 4317 and 4318.  It prints
 * "grpc=127.0.0.1:P http=127.0.0.1:Q" once listening, counts of received
 * spans, metric data points and log records every second while they
 * arrive, and totals on SIGINT/SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peers/otlp_collector.h"

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static void usage(void) {
    fprintf(stderr, "usage: otelc-test-collector [--grpc PORT] [--http PORT] "
                    "[--tls CERT KEY] [--fail-next N] [--delay MS] "
                    "[--count-only] [--verbose]\n");
    exit(2);
}

int main(int argc, char **argv) {
    oc_options o;
    memset(&o, 0, sizeof o);
    int fail_next = 0, delay = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--grpc") && i + 1 < argc) {
            o.grpc = true;
            o.grpc_port = atoi(argv[++i]);
        } else if (!strcmp(a, "--http") && i + 1 < argc) {
            o.http = true;
            o.http_port = atoi(argv[++i]);
        } else if (!strcmp(a, "--tls") && i + 2 < argc) {
            o.tls_cert = argv[++i];
            o.tls_key = argv[++i];
        } else if (!strcmp(a, "--fail-next") && i + 1 < argc) {
            fail_next = atoi(argv[++i]);
        } else if (!strcmp(a, "--delay") && i + 1 < argc) {
            delay = atoi(argv[++i]);
        } else if (!strcmp(a, "--count-only")) {
            o.count_only = true; /* long runs: decode and count only */
        } else if (!strcmp(a, "--verbose")) {
            o.verbose = true;
        } else {
            usage();
        }
    }
    if (!o.grpc && !o.http) {
        o.grpc = o.http = true;
        o.grpc_port = 4317;
        o.http_port = 4318;
    }
    oc_collector *c = oc_start(&o);
    if (!c)
        return 1;
    if (fail_next)
        oc_fail_next(c, fail_next, 14, 503, 0);
    if (delay)
        oc_set_delay(c, (uint32_t)delay);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (o.grpc)
        printf("grpc=127.0.0.1:%d ", oc_grpc_port(c));
    if (o.http)
        printf("http=127.0.0.1:%d", oc_http_port(c));
    printf("\n");
    fflush(stdout);
    size_t last = 0;
    while (!g_stop) {
        usleep(100000);
        size_t n = oc_span_count(c) + oc_point_count(c) + oc_log_count(c);
        static int ticks;
        if (n != last && ++ticks % 10 == 0) {
            printf("spans=%zu data_points=%zu log_records=%zu requests=%zu\n",
                   oc_span_count(c), oc_point_count(c), oc_log_count(c),
                   oc_request_count(c));
            fflush(stdout);
            last = n;
        }
    }
    printf("total: spans=%zu requests=%zu decode_errors=%zu data_points=%zu "
           "log_records=%zu\n",
           oc_span_count(c), oc_request_count(c), oc_decode_errors(c),
           oc_point_count(c), oc_log_count(c));
    oc_stop(c);
    return 0;
}
