/*
 * examples/shop/client.c - a customer: sends checkouts to the frontend,
 * each inside its own root span, so every request starts a trace that
 * crosses shop-client -> shop-frontend -> shop-backend.
 *
 *   shop-client --url http://127.0.0.1:PORT [--requests N]
 *
 * Items cycle through apple, pear, plum, fig (200), missing (404) and bad
 * (the backend fails: 502).  One line per request with its trace id, a
 * summary, and the trace ids of the first successful and the first failed
 * checkout (the demo prints those traces).  Exit status 0 when every
 * answer was the expected one.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/curl.h>
#include <otelc/otelc.h>

static size_t discard(char *p, size_t sz, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return sz * n;
}

int main(int argc, char **argv) {
    const char *base = NULL;
    int n = 36;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--url") && i + 1 < argc)
            base = argv[++i];
        else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
            n = atoi(argv[++i]);
        else
            base = NULL, i = argc;
    }
    if (!base || n <= 0) {
        fprintf(stderr,
                "usage: %s --url http://127.0.0.1:PORT "
                "[--requests N]\n",
                argv[0]);
        return 2;
    }
    static const struct {
        const char *item;
        long want;
    } items[] = {{"apple", 200}, {"pear", 200},    {"bad", 502},
                 {"plum", 200},  {"missing", 404}, {"fig", 200}};
    const size_t nitems = sizeof items / sizeof *items;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    otelc_options *o = otelc_options_new();
    if (!getenv("OTEL_SERVICE_NAME"))
        otelc_options_set_service_name(o, "shop-client");
    otelc_init(o);
    otelc_tracer *tracer = otelc_tracer_get(NULL, "shop-client", "1.0");

    int ok = 0, unexpected = 0, counts[3] = {0};
    char good[33] = "", failed[33] = "";
    CURL *h = curl_easy_init();
    for (int i = 0; i < n; i++) {
        const char *item = items[(size_t)i % nitems].item;
        long want = items[(size_t)i % nitems].want;
        char url[512];
        snprintf(url, sizeof url, "%s/checkout?item=%s", base, item);
        otelc_span_start_options so = {.root = true};
        otelc_span *s = otelc_span_start(tracer, "checkout", &so);
        otelc_span_set_attribute_str(s, "shop.item", item);
        otelc_scope sc = otelc_span_make_current(s);
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
        otelc_curl_options co = {.method = "GET", .url = url};
        CURLcode rc = otelc_curl_perform(h, &co);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        otelc_scope_end(sc);
        if (status != want)
            otelc_span_set_status(s, OTELC_STATUS_ERROR, "unexpected status");
        otelc_span_context ctx = otelc_span_get_context(s);
        otelc_span_end(s);
        char tid[33];
        otelc_trace_id_to_hex(ctx.trace_id, tid);
        printf("GET /checkout?item=%-8s -> %ld%s  trace_id=%s\n", item, status,
               rc != CURLE_OK ? " (transport error)" : "", tid);
        if (status == want)
            ok++;
        else
            unexpected++;
        counts[status == 200 ? 0 : status == 404 ? 1 : 2]++;
        if (status == 200 && !good[0])
            memcpy(good, tid, sizeof good);
        if (status == 502 && !failed[0])
            memcpy(failed, tid, sizeof failed);
    }
    curl_easy_cleanup(h);
    printf("requests: %d  200: %d  404: %d  other: %d  as expected: %d\n", n,
           counts[0], counts[1], counts[2], ok);
    printf("example trace: %s\n", good[0] ? good : "-");
    printf("failed trace: %s\n", failed[0] ? failed : "-");
    otelc_shutdown(5000);
    curl_global_cleanup();
    return unexpected ? 1 : 0;
}
