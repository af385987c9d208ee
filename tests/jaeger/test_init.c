/*
 * tests/jaeger/test_init.c - selecting the Jaeger exporter by name:
 * OTEL_TRACES_EXPORTER=jaeger and otlp,jaeger through otelc_init(), each
 * exporter behind its own batch processor, and the registry entry that
 * tools (otelc-telemetrygen --exporter jaeger) use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaeger/jaeger_peer.h"
#include "support/test_support.h"

static jaeger_peer g_peer;

static void teardown(void) {
    otelc_shutdown(2000);
    jpeer_stop(&g_peer);
}

static void init_with(const char *exporters, const char *service) {
    otelc_options *o = otelc_options_new();
    otelc_options_set_env_file(o, NULL);
    cr_assert_eq(otelc_options_set(o, "OTEL_TRACES_EXPORTER", exporters),
                 OTELC_OK);
    cr_assert_eq(
        otelc_options_set(o, "OTEL_EXPORTER_JAEGER_ENDPOINT", g_peer.url),
        OTELC_OK);
    char otlp[128];
    snprintf(otlp, sizeof otlp, "http://127.0.0.1:%d", closed_port());
    cr_assert_eq(otelc_options_set(o, "OTEL_EXPORTER_OTLP_ENDPOINT", otlp),
                 OTELC_OK);
    cr_assert_eq(otelc_options_set_service_name(o, service), OTELC_OK);
    cr_assert_eq(otelc_init(o), OTELC_OK);
}

/* The global provider's processor with this name, and how many it has. */
static otelc_span_processor *find_proc(const char *name, int *count) {
    otelc_span_processor *found = NULL;
    int n = 0;
    otelc_span_processor *p;
    while ((p = otelc_tracer_provider_processor(otelc_tracer_provider_global(),
                                                (size_t)n))) {
        if (!strcmp(otelc_span_processor_name(p), name))
            found = p;
        n++;
    }
    *count = n;
    return found;
}

static bool otlp_built(void) {
    otelc_status st = OTELC_OK;
    otelc_span_exporter *e = otelc_span_exporter_create("otlp", &st);
    otelc_span_exporter_free(e);
    return st != OTELC_EUNSUPPORTED;
}

Test(jaeger_init, traces_exporter_jaeger_gets_its_own_batch_worker,
     .fini = teardown, .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    init_with("jaeger", "init-svc");
    int n;
    otelc_span_processor *proc = find_proc("batch(jaeger)", &n);
    cr_assert_not_null(proc);
    cr_assert_eq(n, 1);
    for (int i = 0; i < 5; i++)
        TRACE_SPAN("via-init") {
            TRACE_ATTR_INT("i", i);
        }
    cr_assert_eq(otelc_force_flush(5000), OTELC_OK);
    otelc_processor_stats st;
    otelc_span_processor_stats(proc, &st);
    cr_assert_eq(st.spans_exported, 5);
    cr_assert_eq(otelc_shutdown(5000), OTELC_OK);
    char *got = jpeer_query(&g_peer, "span", "via-init");
    cr_assert_not_null(strstr(got, "process.serviceName=init-svc\n"), "%s",
                       got);
    cr_assert_not_null(strstr(got, "tag=otel.scope.name:STRING:\"otelc\"\n"),
                       "%s", got);
    free(got);
    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "spans"), 5, "%s", sum);
    free(sum);
}

Test(jaeger_init, otlp_and_jaeger_each_get_a_batch_worker, .fini = teardown,
     .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    bool otlp = otlp_built();
    init_with("otlp,jaeger", "both-svc");
    int n;
    otelc_span_processor *proc = find_proc("batch(jaeger)", &n);
    cr_assert_not_null(proc);
    /* One processor per exporter; OTLP only when this build has it. */
    cr_assert_eq(n, otlp ? 2 : 1);
    TRACE_SPAN("both") {}
    otelc_tracer_provider_force_flush(otelc_tracer_provider_global(), 3000);
    otelc_processor_stats st;
    otelc_span_processor_stats(proc, &st);
    cr_assert_eq(st.spans_exported, 1,
                 "the Jaeger worker does not wait for "
                 "a failing OTLP one");
    otelc_shutdown(3000);
    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "spans"), 1, "%s", sum);
    free(sum);
}

Test(jaeger_init, registry_creates_jaeger_by_name) {
    otelc_status st = OTELC_EINVAL;
    otelc_span_exporter *e = otelc_span_exporter_create("jaeger", &st);
    cr_assert_not_null(e);
    cr_assert_eq(st, OTELC_OK);
    cr_assert_str_eq(otelc_span_exporter_name(e), "jaeger");
    otelc_span_exporter_free(e);
}
