/*
 * tests/otlp/otlp_test_util.c - see otlp_test_util.h.
 */
#include "otlp/otlp_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint8_t full_remote_trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3,
                                          0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d,
                                          0x0e, 0x0e, 0x47, 0x36};
const uint8_t full_remote_span_id[8] = {0x00, 0xf0, 0x67, 0xaa,
                                        0x0b, 0xa9, 0x02, 0xb7};
const uint8_t full_link_trace_id[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                        0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
                                        0xdd, 0xee, 0xff, 0x01};
const uint8_t full_link_span_id[8] = {0xde, 0xad, 0xbe, 0xef,
                                      0x01, 0x02, 0x03, 0x04};

static const char *const str_arr[] = {"a", "", "ünïcødé"};
static const bool bool_arr[] = {true, false, true};
static const int64_t int_arr[] = {0, -1, INT64_MAX, INT64_MIN};
static const double dbl_arr[] = {0.5, -2.25, 1e300};
static const char bytes_val[] = {'\x00', '\x01', '\xff', 'z'};

otelc_span_limits full_span_limits(void) {
    otelc_span_limits l = otelc_span_limits_default();
    l.attribute_count = 10;
    l.event_count = 1;
    l.link_count = 1;
    l.event_attribute_count = 1;
    l.link_attribute_count = 1;
    return l;
}

otelc_resource *full_resource(void) {
    otelc_attribute ra[] = {OTELC_ATTR_STR("service.name", "otlp-test"),
                            OTELC_ATTR_STR("deployment.environment", "ci"),
                            OTELC_ATTR_INT("res.int", 42)};
    return otelc_resource_new(ra, 3);
}

otelc_span_context make_full_span(otelc_tracer *t, const char *name) {
    otelc_span_context parent;
    memset(&parent, 0, sizeof parent);
    memcpy(parent.trace_id, full_remote_trace_id, 16);
    memcpy(parent.span_id, full_remote_span_id, 8);
    parent.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    parent.is_remote = true;
    otelc_context *pctx =
        otelc_context_new(&parent, "vendor=abc,other=1", NULL);

    otelc_link links[2];
    memset(links, 0, sizeof links);
    memcpy(links[0].context.trace_id, full_link_trace_id, 16);
    memcpy(links[0].context.span_id, full_link_span_id, 8);
    links[0].context.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    links[0].context.is_remote = true;
    links[0].trace_state = "lk=1";
    otelc_attribute la[] = {OTELC_ATTR_INT("l.k", 7),
                            OTELC_ATTR_BOOL("l.dropped", true)};
    links[0].attributes = la;
    links[0].attribute_count = 2;
    links[1] = links[0]; /* beyond the link limit: dropped */

    otelc_span_start_options so;
    memset(&so, 0, sizeof so);
    so.kind = OTELC_SPAN_KIND_SERVER;
    so.parent = pctx;
    so.start_time = FULL_START_NS;
    so.links = links;
    so.link_count = 2;
    otelc_span *s = otelc_span_start(t, name, &so);
    otelc_attribute attrs[] = {
        OTELC_ATTR_STR("http.method", "GET"),
        OTELC_ATTR_STR("utf8", "héllo ✓"),
        OTELC_ATTR_BOOL("flag", true),
        OTELC_ATTR_INT("big", INT64_MIN),
        OTELC_ATTR_DOUBLE("ratio", 0.125),
        OTELC_ATTR_STR_ARRAY("sa", str_arr, 3),
        OTELC_ATTR_BOOL_ARRAY("ba", bool_arr, 3),
        OTELC_ATTR_INT_ARRAY("ia", int_arr, 4),
        OTELC_ATTR_DOUBLE_ARRAY("da", dbl_arr, 3),
        {"raw", {OTELC_VALUE_BYTES, 4, {.s = bytes_val}}},
        OTELC_ATTR_STR("over.the.limit", "dropped"),
    };
    otelc_span_set_attributes(s, attrs, sizeof attrs / sizeof attrs[0]);
    otelc_attribute ea[] = {OTELC_ATTR_STR("e.k", "v"),
                            OTELC_ATTR_INT("e.dropped", 1)};
    otelc_span_add_event_at(s, "event.one", FULL_EVENT_NS, ea, 2);
    otelc_span_add_event(s, "event.two", NULL, 0);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "it broke");
    otelc_span_context sc = otelc_span_get_context(s);
    otelc_span_end_at(s, FULL_END_NS);
    otelc_context_free(pctx);
    return sc;
}

static const oc_value *need(const oc_kv *kv, size_t n, const char *key,
                            oc_value_type type) {
    const oc_value *v = oc_attr(kv, n, key);
    cr_assert_not_null(v, "attribute %s missing", key);
    cr_assert_eq(v->type, type, "attribute %s: type %d, want %d", key, v->type,
                 type);
    return v;
}

void check_full_span(const oc_span *s, const otelc_span_context *sc) {
    cr_assert_not_null(s);
    cr_assert_eq(s->trace_id_len, 16);
    cr_assert_arr_eq(s->trace_id, full_remote_trace_id, 16);
    cr_assert_arr_eq(sc->trace_id, full_remote_trace_id, 16);
    cr_assert_eq(s->span_id_len, 8);
    cr_assert_arr_eq(s->span_id, sc->span_id, 8);
    cr_assert_eq(s->parent_span_id_len, 8);
    cr_assert_arr_eq(s->parent_span_id, full_remote_span_id, 8);
    cr_assert_str_eq(s->trace_state, "vendor=abc,other=1");
    /* sampled | HAS_IS_REMOTE | IS_REMOTE (the parent is remote) */
    cr_assert_eq(s->flags, 0x301u, "flags 0x%x", s->flags);
    cr_assert_eq(s->kind, 2); /* SPAN_KIND_SERVER */
    cr_assert_eq(s->start_time, FULL_START_NS);
    cr_assert_eq(s->end_time, FULL_END_NS);

    cr_assert_eq(s->n_attrs, 10);
    cr_assert_eq(s->dropped_attrs, 1);
    cr_assert_str_eq(need(s->attrs, s->n_attrs, "http.method", OC_STRING)->s,
                     "GET");
    cr_assert_str_eq(need(s->attrs, s->n_attrs, "utf8", OC_STRING)->s,
                     "héllo ✓");
    cr_assert(need(s->attrs, s->n_attrs, "flag", OC_BOOL)->b);
    cr_assert_eq(need(s->attrs, s->n_attrs, "big", OC_INT)->i, INT64_MIN);
    cr_assert_eq(need(s->attrs, s->n_attrs, "ratio", OC_DOUBLE)->d, 0.125);
    const oc_value *v = need(s->attrs, s->n_attrs, "sa", OC_ARRAY);
    cr_assert_eq(v->n_items, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(v->items[i].type, OC_STRING);
        cr_assert_str_eq(v->items[i].s, str_arr[i]);
    }
    v = need(s->attrs, s->n_attrs, "ba", OC_ARRAY);
    cr_assert_eq(v->n_items, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(v->items[i].type, OC_BOOL);
        cr_assert_eq(v->items[i].b, bool_arr[i]);
    }
    v = need(s->attrs, s->n_attrs, "ia", OC_ARRAY);
    cr_assert_eq(v->n_items, 4);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(v->items[i].type, OC_INT);
        cr_assert_eq(v->items[i].i, int_arr[i]);
    }
    v = need(s->attrs, s->n_attrs, "da", OC_ARRAY);
    cr_assert_eq(v->n_items, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(v->items[i].type, OC_DOUBLE);
        cr_assert_eq(v->items[i].d, dbl_arr[i]);
    }
    v = need(s->attrs, s->n_attrs, "raw", OC_BYTES);
    cr_assert_eq(v->len, 4);
    cr_assert_arr_eq(v->s, bytes_val, 4);
    cr_assert_null(oc_attr(s->attrs, s->n_attrs, "over.the.limit"));

    cr_assert_eq(s->n_events, 1);
    cr_assert_eq(s->dropped_events, 1);
    cr_assert_str_eq(s->events[0].name, "event.one");
    cr_assert_eq(s->events[0].time, FULL_EVENT_NS);
    cr_assert_eq(s->events[0].n_attrs, 1);
    cr_assert_eq(s->events[0].dropped_attrs, 1);
    cr_assert_str_eq(
        need(s->events[0].attrs, s->events[0].n_attrs, "e.k", OC_STRING)->s,
        "v");

    cr_assert_eq(s->n_links, 1);
    cr_assert_eq(s->dropped_links, 1);
    const oc_link *l = &s->links[0];
    cr_assert_eq(l->trace_id_len, 16);
    cr_assert_arr_eq(l->trace_id, full_link_trace_id, 16);
    cr_assert_eq(l->span_id_len, 8);
    cr_assert_arr_eq(l->span_id, full_link_span_id, 8);
    cr_assert_str_eq(l->trace_state, "lk=1");
    cr_assert_eq(l->flags, 0x301u, "link flags 0x%x", l->flags);
    cr_assert_eq(l->n_attrs, 1);
    cr_assert_eq(l->dropped_attrs, 1);
    cr_assert_eq(need(l->attrs, l->n_attrs, "l.k", OC_INT)->i, 7);

    cr_assert(s->has_status);
    cr_assert_eq(s->status_code, 2); /* STATUS_CODE_ERROR */
    cr_assert_str_eq(s->status_message, "it broke");

    cr_assert_not_null(s->origin);
    const oc_origin *o = s->origin;
    cr_assert_str_eq(
        need(o->resource_attrs, o->n_resource_attrs, "service.name", OC_STRING)
            ->s,
        "otlp-test");
    cr_assert_str_eq(need(o->resource_attrs, o->n_resource_attrs,
                          "deployment.environment", OC_STRING)
                         ->s,
                     "ci");
    cr_assert_eq(
        need(o->resource_attrs, o->n_resource_attrs, "res.int", OC_INT)->i, 42);
    cr_assert_str_eq(o->scope_name, "otlp-test-scope");
    cr_assert_str_eq(o->scope_version, "1.2.3");
}

void otlp_pipe_init(otlp_pipe *p, const otelc_otlp_options *o,
                    const otelc_batch_options *bo) {
    memset(p, 0, sizeof *p);
    p->provider =
        otelc_tracer_provider_new(full_resource(), otelc_sampler_always_on());
    cr_assert_not_null(p->provider);
    otelc_span_limits l = full_span_limits();
    otelc_tracer_provider_set_limits(p->provider, &l);
    p->exporter = otelc_otlp_exporter_new(o);
    cr_assert_not_null(p->exporter, "the OTLP exporter was not created");
    p->proc = otelc_batch_span_processor_new(p->exporter, bo);
    cr_assert_not_null(p->proc);
    cr_assert_eq(otelc_tracer_provider_add_processor(p->provider, p->proc),
                 OTELC_OK);
    p->tracer = otelc_tracer_get(p->provider, "otlp-test-scope", "1.2.3");
}

void otlp_pipe_free(otlp_pipe *p) {
    otelc_tracer_provider_free(p->provider);
    memset(p, 0, sizeof *p);
}

uint64_t otlp_pipe_dropped(otlp_pipe *p) {
    otelc_processor_stats st;
    otelc_span_processor_stats(p->proc, &st);
    return st.dropped_queue_full + st.dropped_export + st.dropped_shutdown +
           st.dropped_rejected;
}

const char *grpc_url(int port) {
    static __thread char buf[64];
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d", port);
    return buf;
}

const char *http_url(int port) {
    static __thread char buf[64];
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d/v1/traces", port);
    return buf;
}

static void make_cert(const char *stem, const char *cn, char *c, char *k,
                      size_t size) {
    const char *dir = test_tmpdir();
    snprintf(c, size, "%s/%s-cert.pem", dir, stem);
    snprintf(k, size, "%s/%s-key.pem", dir, stem);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
             "-subj /CN=%s -addext "
             "subjectAltName=DNS:localhost,IP:127.0.0.1 "
             "-keyout %s -out %s >/dev/null 2>&1",
             cn, k, c);
    cr_assert_eq(system(cmd), 0, "openssl could not make a certificate");
}

void make_tls_cert(const char **cert, const char **key) {
    static char c[512], k[512];
    make_cert("server", "localhost", c, k, sizeof c);
    *cert = c;
    *key = k;
}

void make_client_cert(const char **cert, const char **key) {
    static char c[512], k[512];
    make_cert("client", "otelc-test-client", c, k, sizeof c);
    *cert = c;
    *key = k;
}

oc_collector *start_collector(bool grpc, bool http) {
    oc_options o;
    memset(&o, 0, sizeof o);
    o.grpc = grpc;
    o.http = http;
    oc_collector *c = oc_start(&o);
    cr_assert_not_null(c, "the test collector did not start");
    return c;
}
