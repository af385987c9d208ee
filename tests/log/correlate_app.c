/*
 * tests/log/correlate_app.c - a small instrumented program for the
 * end-to-end correlation test: configured only through the environment
 * (OTEL_TRACES_EXPORTER=file, ENABLE_FILE_LOGGING, LOG_FORMAT=json...), it
 * makes nested spans on two threads and logs inside each, naming the span
 * it is in, plus records outside any span.  tests/log/
 * check_correlation.py then checks the two files against each other.
 */
#include <pthread.h>
#include <stdio.h>

#include <otelc/otelc.h>

static void *work(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < 50; i++) {
        TRACE_SPAN("request") {
            OTELC_LOG_INFO("request started", "in_span", "request", "thread",
                           t);
            TRACE_SPAN("db.query") {
                OTELC_LOG_INFO("querying", "in_span", "db.query", "i", i);
            }
            OTELC_LOG_WARN("request done", "in_span", "request");
        }
    }
    OTELC_LOG_INFO("outside any span", "in_span", "");
    return NULL;
}

int main(void) {
    if (otelc_init(NULL) != OTELC_OK)
        return 1;
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        pthread_create(&th[t], NULL, work, (void *)(intptr_t)t);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    return otelc_shutdown(10000) == OTELC_OK ? 0 : 2;
}
