/*
 * tests/jaeger/test_mapping.c - the OpenTelemetry-to-Jaeger mapping, checked
 * field by field on what a real Thrift decoder (Apache Thrift's Python
 * library, in jaeger_receiver.py) makes of the exporter's requests.
 *
 * The expected values of ids are written as literals computed from the
 * specification's rule (big-endian bytes reinterpreted as signed i64), not
 * with the encoder's code.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaeger/jaeger_peer.h"
#include "support/test_support.h"

#include <otelc/jaeger.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Trace 0102030405060708f1f2f3f4f5f6f7f8, remote parent 8899aabbccddeeff. */
static const uint8_t TRACE[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                  0x07, 0x08, 0xf1, 0xf2, 0xf3, 0xf4,
                                  0xf5, 0xf6, 0xf7, 0xf8};
static const uint8_t PARENT[8] = {0x88, 0x99, 0xaa, 0xbb,
                                  0xcc, 0xdd, 0xee, 0xff};
#define TRACE_HIGH "72623859790382856"
#define TRACE_LOW "-1012478732780767240"
#define PARENT_ID "-8603657889541918977"
#define START_NS 1700000000123456789ull

static jaeger_peer g_peer;

static void teardown(void) {
    jpeer_stop(&g_peer);
}

/* The span id as Jaeger's signed i64, for ids generated at run time. */
static long long sid(const uint8_t *p) {
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (long long)v;
}

static otelc_tracer_provider *provider(otelc_resource *res,
                                       const otelc_jaeger_options *jo) {
    otelc_tracer_provider *p =
        otelc_tracer_provider_new(res, otelc_sampler_always_on());
    cr_assert_not_null(p);
    otelc_span_exporter *e = otelc_jaeger_exporter_new(jo);
    cr_assert_not_null(e);
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    otelc_span_processor *proc = otelc_batch_span_processor_new(e, &bo);
    cr_assert_not_null(proc);
    cr_assert_eq(otelc_tracer_provider_add_processor(p, proc), OTELC_OK);
    return p;
}

/* The expected process lines: serviceName, then every resource attribute
 * but service.name, in the resource's order, formatted as
 * jaeger_query.py prints them. */
static void expect_process(char *o, size_t cap, const otelc_resource *r) {
    size_t len = strlen(o);
    len += (size_t)snprintf(o + len, cap - len, "process.serviceName=%s\n",
                            otelc_resource_service_name(r));
    size_t n;
    const otelc_attribute *a = otelc_resource_attributes(r, &n);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(a[i].key, "service.name"))
            continue;
        if (a[i].value.type == OTELC_VALUE_STRING) {
            cr_assert_null(strpbrk(a[i].value.u.s, "\"\\"));
            len += (size_t)snprintf(o + len, cap - len,
                                    "process.tag=%s:STRING:\"%s\"\n", a[i].key,
                                    a[i].value.u.s);
        } else if (a[i].value.type == OTELC_VALUE_INT) {
            len += (size_t)snprintf(o + len, cap - len,
                                    "process.tag=%s:LONG:%lld\n", a[i].key,
                                    (long long)a[i].value.u.i);
        } else {
            cr_assert(false, "unexpected resource attribute type for %s",
                      a[i].key);
        }
    }
}

Test(jaeger_mapping, every_field_of_a_span_that_uses_every_feature,
     .fini = teardown, .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    otelc_attribute rattrs[] = {OTELC_ATTR_STR("service.name", "jaeger-test"),
                                OTELC_ATTR_STR("deployment.environment", "ci"),
                                OTELC_ATTR_INT("res.shard", 7)};
    otelc_resource *res = otelc_resource_new(rattrs, 3);
    cr_assert_not_null(res);
    otelc_jaeger_options jo = {.endpoint = g_peer.url};
    otelc_tracer_provider *p = provider(res, &jo);
    otelc_span_limits lim = otelc_span_limits_default();
    lim.attribute_count = 10;
    lim.event_count = 2;
    lim.link_count = 2;
    lim.event_attribute_count = 2;
    lim.link_attribute_count = 1;
    otelc_tracer_provider_set_limits(p, &lim);
    otelc_tracer *t = otelc_tracer_get(p, "test.scope", "1.2.3");

    otelc_span_context psc = {0};
    memcpy(psc.trace_id, TRACE, 16);
    memcpy(psc.span_id, PARENT, 8);
    psc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    psc.is_remote = true;
    otelc_context *parent = otelc_context_new(&psc, "vendor=x", NULL);
    cr_assert_not_null(parent);

    otelc_link links[2] = {0};
    static const uint8_t l1t[16] = {
        0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t l1s[8] = {0xfe, 0xdc, 0xba, 0x98,
                                   0x76, 0x54, 0x32, 0x10};
    static const uint8_t l2t[16] = {0,    0,    0,    0,    0,    0,
                                    0,    0xff, 0x11, 0x11, 0x11, 0x11,
                                    0x11, 0x11, 0x11, 0x11};
    static const uint8_t l2s[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    otelc_attribute lattrs[] = {OTELC_ATTR_STR("link.kind", "batch"),
                                OTELC_ATTR_INT("n", 7)};
    memcpy(links[0].context.trace_id, l1t, 16);
    memcpy(links[0].context.span_id, l1s, 8);
    links[0].context.trace_flags = 1;
    links[0].attributes = lattrs;
    links[0].attribute_count = 2;
    memcpy(links[1].context.trace_id, l2t, 16);
    memcpy(links[1].context.span_id, l2s, 8);

    otelc_span_start_options so = {.kind = OTELC_SPAN_KIND_SERVER,
                                   .parent = parent,
                                   .start_time = START_NS,
                                   .links = links,
                                   .link_count = 2};
    otelc_span *s = otelc_span_start(t, "full", &so);
    cr_assert_not_null(s);
    static const char *const names[] = {"a", "b c", "\xc3\xa9"};
    static const bool flags[] = {true, false};
    static const int64_t ints[] = {1, -2, INT64_MAX};
    static const double dbls[] = {1.5, -0.25};
    otelc_attribute attrs[] = {
        OTELC_ATTR_STR("http.method", "GET"),
        OTELC_ATTR_BOOL("ok", true),
        OTELC_ATTR_INT("count", -42),
        OTELC_ATTR_DOUBLE("ratio", 2.5),
        OTELC_ATTR_STR_ARRAY("names", names, 3),
        OTELC_ATTR_BOOL_ARRAY("flags", flags, 2),
        OTELC_ATTR_INT_ARRAY("ints", ints, 3),
        OTELC_ATTR_DOUBLE_ARRAY("dbls", dbls, 2),
        {"blob", {OTELC_VALUE_BYTES, 3, {.s = "\x00\xff\x10"}}},
        OTELC_ATTR_STR("error", "overridden by error=true"),
        OTELC_ATTR_STR("extra1", "dropped"),
        OTELC_ATTR_STR("extra2", "dropped"),
    };
    otelc_span_set_attributes(s, attrs, N_ELEMS(attrs));
    otelc_attribute e1[] = {OTELC_ATTR_STR("key", "user:1"),
                            OTELC_ATTR_BOOL("hit", false),
                            OTELC_ATTR_INT("dropped", 1)};
    otelc_span_add_event_at(s, "cache.miss", START_NS + 1000500, e1, 3);
    otelc_attribute e2[] = {OTELC_ATTR_STR("event", "override")};
    otelc_span_add_event_at(s, "ignored-name", START_NS + 2000000, e2, 1);
    otelc_span_add_event_at(s, "beyond-limit", START_NS + 2100000, NULL, 0);
    otelc_link l3 = links[1];
    otelc_span_add_link(s, &l3);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "boom: bad input");
    otelc_span_context sc = otelc_span_get_context(s);
    otelc_span_end_at(s, START_NS + 2500999);
    otelc_context_free(parent);

    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    char *got = jpeer_query(&g_peer, "span", "full");

    char want[8192] = "";
    expect_process(want, sizeof want, otelc_tracer_provider_resource(p));
    size_t len = strlen(want);
    snprintf(want + len, sizeof want - len,
             "traceIdLow=" TRACE_LOW "\n"
             "traceIdHigh=" TRACE_HIGH "\n"
             "spanId=%lld\n"
             "parentSpanId=" PARENT_ID "\n"
             "operationName=full\n"
             "ref=CHILD_OF:" TRACE_LOW ":" TRACE_HIGH ":" PARENT_ID "\n"
             "ref=FOLLOWS_FROM:1:-6799692559826901080:-81985529216486896\n"
             "ref=FOLLOWS_FROM:1229782938247303441:255:2\n"
             "flags=1\n"
             "startTime=1700000000123456\n"
             "duration=2500\n"
             "tag=http.method:STRING:\"GET\"\n"
             "tag=ok:BOOL:true\n"
             "tag=count:LONG:-42\n"
             "tag=ratio:DOUBLE:2.5\n"
             "tag=names:STRING:\"[\\\"a\\\",\\\"b c\\\",\\\"\xc3\xa9\\\"]\"\n"
             "tag=flags:STRING:\"[true,false]\"\n"
             "tag=ints:STRING:\"[1,-2,9223372036854775807]\"\n"
             "tag=dbls:STRING:\"[1.5,-0.25]\"\n"
             "tag=blob:BINARY:00ff10\n"
             "tag=otel.scope.name:STRING:\"test.scope\"\n"
             "tag=otel.library.name:STRING:\"test.scope\"\n"
             "tag=otel.scope.version:STRING:\"1.2.3\"\n"
             "tag=otel.library.version:STRING:\"1.2.3\"\n"
             "tag=span.kind:STRING:\"server\"\n"
             "tag=otel.status_code:STRING:\"ERROR\"\n"
             "tag=otel.status_description:STRING:\"boom: bad input\"\n"
             "tag=error:BOOL:true\n"
             "tag=otel.dropped_attributes_count:LONG:2\n"
             "tag=otel.dropped_events_count:LONG:1\n"
             "tag=otel.dropped_links_count:LONG:1\n"
             "log=1700000000123456\n"
             "  field=event:STRING:\"link\"\n"
             "  field=trace_id:STRING:\"a1a2a3a4a5a6a7a80000000000000001\"\n"
             "  field=span_id:STRING:\"fedcba9876543210\"\n"
             "  field=link.kind:STRING:\"batch\"\n"
             "  field=otel.dropped_attributes_count:LONG:1\n"
             "log=1700000000124457\n"
             "  field=event:STRING:\"cache.miss\"\n"
             "  field=key:STRING:\"user:1\"\n"
             "  field=hit:BOOL:false\n"
             "  field=otel.dropped_attributes_count:LONG:1\n"
             "log=1700000000125456\n"
             "  field=event:STRING:\"override\"\n",
             sid(sc.span_id));
    cr_assert_str_eq(got, want);
    free(got);

    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "decode_errors"), 0, "%s", sum);
    cr_assert_eq(kv_int(sum, "spans"), 1);
    free(sum);
    otelc_tracer_provider_free(p);
}

Test(jaeger_mapping, kinds_status_and_parents, .fini = teardown,
     .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    otelc_jaeger_options jo = {.endpoint = g_peer.url};
    otelc_tracer_provider *p = provider(NULL, &jo);
    otelc_tracer *t = otelc_tracer_get(p, "kinds", NULL);
    static const struct {
        const char *name;
        otelc_span_kind kind;
        const char *tag; /* NULL = no span.kind tag */
    } kinds[] = {
        {"k.server", OTELC_SPAN_KIND_SERVER, "server"},
        {"k.client", OTELC_SPAN_KIND_CLIENT, "client"},
        {"k.producer", OTELC_SPAN_KIND_PRODUCER, "producer"},
        {"k.consumer", OTELC_SPAN_KIND_CONSUMER, "consumer"},
        {"k.internal", OTELC_SPAN_KIND_INTERNAL, NULL},
    };
    otelc_span_start_options so = {.root = true};
    otelc_span *root = otelc_span_start(t, "root", &so);
    otelc_span_context rc = otelc_span_get_context(root);
    otelc_scope scope = otelc_span_make_current(root);
    for (size_t i = 0; i < N_ELEMS(kinds); i++) {
        otelc_span_start_options ko = {.kind = kinds[i].kind};
        otelc_span *k = otelc_span_start(t, kinds[i].name, &ko);
        if (i == 0)
            otelc_span_set_status(k, OTELC_STATUS_OK, "ignored with OK");
        otelc_span_end(k);
    }
    otelc_scope_end(scope);
    otelc_span_end(root);
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);

    for (size_t i = 0; i < N_ELEMS(kinds); i++) {
        char *got = jpeer_query(&g_peer, "span", kinds[i].name);
        char line[128];
        if (kinds[i].tag) {
            snprintf(line, sizeof line, "tag=span.kind:STRING:\"%s\"\n",
                     kinds[i].tag);
            cr_assert_not_null(strstr(got, line), "%s:\n%s", kinds[i].name,
                               got);
        } else {
            cr_assert_null(strstr(got, "span.kind"), "%s", got);
        }
        /* A local parent: parentSpanId and one CHILD_OF reference. */
        snprintf(line, sizeof line, "parentSpanId=%lld\n", sid(rc.span_id));
        cr_assert_not_null(strstr(got, line), "%s", got);
        snprintf(line, sizeof line, "ref=CHILD_OF:%lld:%lld:%lld\n",
                 sid(rc.trace_id + 8), sid(rc.trace_id), sid(rc.span_id));
        cr_assert_not_null(strstr(got, line), "%s", got);
        cr_assert_not_null(
            strstr(got, "tag=otel.scope.name:STRING:\"kinds\"\n"));
        cr_assert_null(strstr(got, "otel.scope.version"), "%s", got);
        if (i == 0) {
            cr_assert_not_null(
                strstr(got, "tag=otel.status_code:STRING:\"OK\"\n"), "%s", got);
            cr_assert_null(strstr(got, "otel.status_description"));
            cr_assert_null(strstr(got, "tag=error"));
        } else {
            cr_assert_null(strstr(got, "otel.status_code"), "%s", got);
        }
        cr_assert_null(strstr(got, "otel.dropped"), "%s", got);
        cr_assert_null(strstr(got, "log="), "%s", got);
        free(got);
    }
    /* A root: parentSpanId 0 and no references at all. */
    char *got = jpeer_query(&g_peer, "span", "root");
    cr_assert_not_null(strstr(got, "parentSpanId=0\n"), "%s", got);
    cr_assert_null(strstr(got, "ref="), "%s", got);
    cr_assert_not_null(strstr(got, "flags=1\n"));
    free(got);
    otelc_tracer_provider_free(p);
}

Test(jaeger_mapping, content_type_auth_path_and_sequence_numbers,
     .fini = teardown, .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    otelc_jaeger_options jo = {
        .endpoint = g_peer.url, .user = "alice", .password = "s3cr:et"};
    otelc_tracer_provider *p = provider(NULL, &jo);
    otelc_tracer *t = otelc_tracer_get(p, "hdr", "1");
    for (int i = 0; i < 3; i++) {
        otelc_span_end(otelc_span_start(t, "x", NULL));
        cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    }
    otelc_tracer_provider_free(p);
    char *sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "accepted"), 3, "%s", sum);
    cr_assert_str_eq(kv_str(sum, "ctypes"), "application/x-thrift");
    cr_assert_str_eq(kv_str(sum, "paths"), "/api/traces");
    char auth[256];
    snprintf(auth, sizeof auth, "Basic %s", b64("alice:s3cr:et"));
    cr_assert_str_eq(kv_str(sum, "auths"), auth);
    cr_assert_str_eq(kv_str(sum, "seqnos_accepted"), "1,2,3");
    cr_assert_eq(kv_int(sum, "stats"), 0, "ClientStats is not sent");
    cr_assert_eq(kv_int(sum, "decode_errors"), 0);
    free(sum);
    jpeer_stop(&g_peer);

    /* Without a user, no Authorization header at all. */
    jpeer_start(&g_peer, NULL);
    otelc_jaeger_options jo2 = {.endpoint = g_peer.url, .user = ""};
    p = provider(NULL, &jo2);
    otelc_span_end(
        otelc_span_start(otelc_tracer_get(p, "hdr", NULL), "y", NULL));
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    otelc_tracer_provider_free(p);
    sum = jpeer_query(&g_peer, "summary", NULL);
    cr_assert_eq(kv_int(sum, "accepted"), 1, "%s", sum);
    cr_assert_str_eq(kv_str(sum, "auths"), "-");
    free(sum);
}

Test(jaeger_mapping, edge_values_decode_exactly, .fini = teardown,
     .timeout = 60) {
    jpeer_start(&g_peer, NULL);
    otelc_jaeger_options jo = {.endpoint = g_peer.url};
    otelc_tracer_provider *p = provider(NULL, &jo);
    otelc_tracer *t = otelc_tracer_get(p, "edge", "");
    otelc_span *s = otelc_span_start(t, "edge", NULL);
    static char big[70001];
    memset(big, 'z', sizeof big - 1);
    static const double specials[] = {NAN, INFINITY, -INFINITY};
    otelc_attribute attrs[] = {
        OTELC_ATTR_INT("min", INT64_MIN),
        OTELC_ATTR_INT("max", INT64_MAX),
        OTELC_ATTR_DOUBLE("nan", NAN),
        OTELC_ATTR_DOUBLE("neg_inf", -INFINITY),
        OTELC_ATTR_DOUBLE("tiny", 5e-324),
        OTELC_ATTR_STR("empty", ""),
        OTELC_ATTR_STR("big", big),
        OTELC_ATTR_DOUBLE_ARRAY("specials", specials, 3),
        OTELC_ATTR_STR_ARRAY("none", NULL, 0),
    };
    otelc_span_set_attributes(s, attrs, N_ELEMS(attrs));
    otelc_span_add_event(s, "", NULL, 0);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, NULL);
    otelc_span_end(s);
    cr_assert_eq(otelc_tracer_provider_force_flush(p, 10000), OTELC_OK);
    otelc_tracer_provider_free(p);

    char *got = jpeer_query(&g_peer, "span", "edge");
    static const char *const lines[] = {
        "tag=min:LONG:-9223372036854775808\n",
        "tag=max:LONG:9223372036854775807\n",
        "tag=nan:DOUBLE:nan\n",
        "tag=neg_inf:DOUBLE:-inf\n",
        "tag=tiny:DOUBLE:5e-324\n",
        "tag=empty:STRING:\"\"\n",
        "tag=specials:STRING:\"[\\\"NaN\\\",\\\"Infinity\\\",\\\"-Infinity\\\"]"
        "\"\n",
        "tag=none:STRING:\"[]\"\n",
        "tag=otel.scope.name:STRING:\"edge\"\n",
        "tag=otel.status_code:STRING:\"ERROR\"\n",
        "tag=error:BOOL:true\n",
        "  field=event:STRING:\"\"\n",
    };
    for (size_t i = 0; i < N_ELEMS(lines); i++)
        cr_assert_not_null(strstr(got, lines[i]), "missing %s", lines[i]);
    /* No description without one, no version tag for an empty version. */
    cr_assert_null(strstr(got, "otel.status_description"));
    cr_assert_null(strstr(got, "otel.scope.version"));
    cr_assert_null(strstr(got, "otel.library.version"));
    char *b = strstr(got, "tag=big:STRING:\"");
    cr_assert_not_null(b);
    b += strlen("tag=big:STRING:\"");
    cr_assert_eq(strspn(b, "z"), sizeof big - 1);
    cr_assert_eq(b[sizeof big - 1], '"');
    free(got);
}
