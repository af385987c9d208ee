/*
 * tests/otlp/test_encode.c - the OTLP protobuf encoder (protobuf-c tree in
 * an arena), checked by decoding its bytes with nanopb, an independent
 * implementation; plus the small parsers the exporters use on responses
 * (partial success, Retry-After).
 */
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporters/otlp_common/otlp_encode.h"
#include "exporters/otlp_common/otlp_exporter.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/otlp_test_util.h"

typedef opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest pb_req;

/* Encode spans with the exporter's encoder; returns malloc'd bytes. */
static uint8_t *encode(otelc__arena *a, const otelc_span_data *const *spans,
                       size_t n, size_t *len) {
    otelc__arena_reset(a);
    const ProtobufCMessage *m = otelc__otlp_traces_request(a, spans, n);
    cr_assert_not_null(m);
    size_t sz = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(sz ? sz : 1);
    cr_assert_eq(protobuf_c_message_pack(m, buf), sz);
    *len = sz;
    return buf;
}

static void decode(const uint8_t *buf, size_t len, pb_req *out) {
    pb_req z =
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
    *out = z;
    pb_istream_t is = pb_istream_from_buffer(buf, len);
    cr_assert(
        pb_decode(
            &is,
            opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields,
            out),
        "nanopb rejected the encoder's bytes: %s", PB_GET_ERROR(&is));
}

static void release(pb_req *r) {
    pb_release(
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields,
        r);
}

/* A span_data with every field set to a distinct, checkable value. */
static const char *const sarr[] = {"x", "yy"};
static const int64_t iarr[] = {-5, 5};
static const otelc_attribute span_attrs[] = {
    OTELC_ATTR_STR("s", "str"),
    OTELC_ATTR_BOOL("b", true),
    OTELC_ATTR_INT("i", -123456789012345),
    OTELC_ATTR_DOUBLE("d", 3.5),
    OTELC_ATTR_STR_ARRAY("sa", sarr, 2),
    OTELC_ATTR_INT_ARRAY("ia", iarr, 2),
    {"bytes", {OTELC_VALUE_BYTES, 3, {.s = "\x00\x01\x02"}}},
};
static const otelc_attribute ev_attrs[] = {OTELC_ATTR_INT("ek", 9)};
static const otelc_event_data events[] = {
    {"ev", 1111, ev_attrs, 1, 2},
};
static const otelc_attribute link_attrs[] = {OTELC_ATTR_STR("lk", "lv")};
static otelc_link_data links[1];
static otelc_scope_info scope_a = {"scope.a", "1.0"};
static otelc_scope_info scope_b = {"scope.b", ""};

static void fill(otelc_span_data *s, const otelc_resource *res,
                 const otelc_scope_info *sc, const char *name, uint8_t idb) {
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 16; i++)
        s->context.trace_id[i] = (uint8_t)(i + 1);
    s->context.span_id[0] = idb;
    s->context.span_id[7] = 0x99;
    s->context.trace_flags = 1;
    s->trace_state = "k=v";
    s->parent_span_id[0] = 0x42;
    s->parent_is_remote = false;
    s->kind = OTELC_SPAN_KIND_CLIENT;
    s->name = name;
    s->start_time = 1000;
    s->end_time = 2000;
    s->attributes = span_attrs;
    s->attribute_count = sizeof span_attrs / sizeof span_attrs[0];
    s->dropped_attribute_count = 3;
    s->events = events;
    s->event_count = 1;
    s->dropped_event_count = 4;
    memset(&links[0], 0, sizeof links[0]);
    links[0].context.trace_id[15] = 0x77;
    links[0].context.span_id[0] = 0x66;
    links[0].context.trace_flags = 0;
    links[0].trace_state = "";
    links[0].attributes = link_attrs;
    links[0].attribute_count = 1;
    links[0].dropped_attribute_count = 6;
    s->links = links;
    s->link_count = 1;
    s->dropped_link_count = 5;
    s->status_code = OTELC_STATUS_OK;
    s->status_description = "";
    s->scope = sc;
    s->resource = res;
}

Test(encode, every_field_decodes_with_nanopb) {
    otelc_resource *res = full_resource();
    otelc_span_data s;
    fill(&s, res, &scope_a, "full", 7);
    const otelc_span_data *arr[] = {&s};
    otelc__arena a;
    otelc__arena_init(&a, 1024);
    size_t len;
    uint8_t *buf = encode(&a, arr, 1, &len);
    pb_req r;
    decode(buf, len, &r);
    cr_assert_eq(r.resource_spans_count, 1);
    cr_assert(r.resource_spans[0].has_resource);
    cr_assert_eq(r.resource_spans[0].scope_spans_count, 1);
    const opentelemetry_proto_trace_v1_ScopeSpans *ss =
        &r.resource_spans[0].scope_spans[0];
    cr_assert_str_eq(ss->scope.name, "scope.a");
    cr_assert_str_eq(ss->scope.version, "1.0");
    cr_assert_eq(ss->spans_count, 1);
    const opentelemetry_proto_trace_v1_Span *p = &ss->spans[0];
    cr_assert_eq(p->trace_id->size, 16);
    cr_assert_arr_eq(p->trace_id->bytes, s.context.trace_id, 16);
    cr_assert_eq(p->span_id->size, 8);
    cr_assert_arr_eq(p->span_id->bytes, s.context.span_id, 8);
    cr_assert_eq(p->parent_span_id->size, 8);
    cr_assert_arr_eq(p->parent_span_id->bytes, s.parent_span_id, 8);
    cr_assert_str_eq(p->trace_state, "k=v");
    cr_assert_eq(p->flags, 0x101u); /* sampled, parent known to be local */
    cr_assert_str_eq(p->name, "full");
    cr_assert_eq(p->kind, 3);
    cr_assert_eq(p->start_time_unix_nano, 1000);
    cr_assert_eq(p->end_time_unix_nano, 2000);
    cr_assert_eq(p->attributes_count, 7);
    cr_assert_str_eq(p->attributes[0].key, "s");
    cr_assert_str_eq(p->attributes[0].value.value.string_value, "str");
    cr_assert_eq(p->attributes[1].value.which_value,
                 opentelemetry_proto_common_v1_AnyValue_bool_value_tag);
    cr_assert_eq(p->attributes[2].value.value.int_value, -123456789012345);
    cr_assert_eq(p->attributes[3].value.value.double_value, 3.5);
    cr_assert_eq(p->attributes[4].value.which_value,
                 opentelemetry_proto_common_v1_AnyValue_array_value_tag);
    cr_assert_eq(p->attributes[4].value.value.array_value.values_count, 2);
    cr_assert_str_eq(
        p->attributes[4].value.value.array_value.values[1].value.string_value,
        "yy");
    cr_assert_eq(
        p->attributes[5].value.value.array_value.values[0].value.int_value, -5);
    cr_assert_eq(p->attributes[6].value.which_value,
                 opentelemetry_proto_common_v1_AnyValue_bytes_value_tag);
    cr_assert_eq(p->attributes[6].value.value.bytes_value->size, 3);
    cr_assert_arr_eq(p->attributes[6].value.value.bytes_value->bytes,
                     "\x00\x01\x02", 3);
    cr_assert_eq(p->dropped_attributes_count, 3);
    cr_assert_eq(p->events_count, 1);
    cr_assert_str_eq(p->events[0].name, "ev");
    cr_assert_eq(p->events[0].time_unix_nano, 1111);
    cr_assert_eq(p->events[0].attributes_count, 1);
    cr_assert_eq(p->events[0].dropped_attributes_count, 2);
    cr_assert_eq(p->dropped_events_count, 4);
    cr_assert_eq(p->links_count, 1);
    cr_assert_eq(p->links[0].trace_id->bytes[15], 0x77);
    cr_assert_eq(p->links[0].span_id->bytes[0], 0x66);
    cr_assert_eq(p->links[0].flags, 0x100u);
    cr_assert_str_eq(p->links[0].attributes[0].value.value.string_value, "lv");
    cr_assert_eq(p->links[0].dropped_attributes_count, 6);
    cr_assert_eq(p->dropped_links_count, 5);
    cr_assert(p->has_status);
    cr_assert_eq(p->status.code, 1);
    release(&r);
    free(buf);
    otelc__arena_free(&a);
    otelc_resource_free(res);
}

Test(encode, root_span_has_no_parent_and_unset_status_is_omitted) {
    otelc_resource *res = full_resource();
    otelc_span_data s;
    fill(&s, res, &scope_a, "root", 1);
    memset(s.parent_span_id, 0, 8);
    s.status_code = OTELC_STATUS_UNSET;
    s.event_count = s.link_count = s.attribute_count = 0;
    const otelc_span_data *arr[] = {&s};
    otelc__arena a;
    otelc__arena_init(&a, 0);
    size_t len;
    uint8_t *buf = encode(&a, arr, 1, &len);
    pb_req r;
    decode(buf, len, &r);
    const opentelemetry_proto_trace_v1_Span *p =
        &r.resource_spans[0].scope_spans[0].spans[0];
    cr_assert(p->parent_span_id == NULL || p->parent_span_id->size == 0);
    cr_assert_not(p->has_status);
    cr_assert_eq(p->attributes_count, 0);
    release(&r);
    free(buf);
    otelc__arena_free(&a);
    otelc_resource_free(res);
}

Test(encode, groups_by_resource_then_scope_in_first_seen_order) {
    otelc_resource *r1 = full_resource();
    otelc_attribute ra[] = {OTELC_ATTR_STR("service.name", "other")};
    otelc_resource *r2 = otelc_resource_new(ra, 1);
    /* Interleaved: (r1,a) (r2,b) (r1,b) (r1,a) (r2,b) (r2,a) */
    const otelc_resource *rs[] = {r1, r2, r1, r1, r2, r2};
    const otelc_scope_info *sc[] = {&scope_a, &scope_b, &scope_b,
                                    &scope_a, &scope_b, &scope_a};
    otelc_span_data s[6];
    const otelc_span_data *arr[6];
    char names[6][8];
    for (int i = 0; i < 6; i++) {
        snprintf(names[i], sizeof names[i], "s%d", i);
        fill(&s[i], rs[i], sc[i], names[i], (uint8_t)i);
        arr[i] = &s[i];
    }
    otelc__arena a;
    otelc__arena_init(&a, 0);
    size_t len;
    uint8_t *buf = encode(&a, arr, 6, &len);
    pb_req r;
    decode(buf, len, &r);
    cr_assert_eq(r.resource_spans_count, 2);
    /* r1 first: scopes a (s0, s3), b (s2) */
    const opentelemetry_proto_trace_v1_ResourceSpans *x = &r.resource_spans[0];
    cr_assert_eq(x->scope_spans_count, 2);
    cr_assert_str_eq(x->scope_spans[0].scope.name, "scope.a");
    cr_assert_eq(x->scope_spans[0].spans_count, 2);
    cr_assert_str_eq(x->scope_spans[0].spans[0].name, "s0");
    cr_assert_str_eq(x->scope_spans[0].spans[1].name, "s3");
    cr_assert_str_eq(x->scope_spans[1].scope.name, "scope.b");
    cr_assert_eq(x->scope_spans[1].spans_count, 1);
    cr_assert_str_eq(x->scope_spans[1].spans[0].name, "s2");
    /* r2: scopes b (s1, s4), a (s5) */
    x = &r.resource_spans[1];
    bool other = false;
    for (pb_size_t i = 0; i < x->resource.attributes_count; i++)
        if (!strcmp(x->resource.attributes[i].key, "service.name"))
            other = !strcmp(x->resource.attributes[i].value.value.string_value,
                            "other");
    cr_assert(other);
    cr_assert_eq(x->scope_spans_count, 2);
    cr_assert_str_eq(x->scope_spans[0].scope.name, "scope.b");
    cr_assert_str_eq(x->scope_spans[0].spans[0].name, "s1");
    cr_assert_str_eq(x->scope_spans[0].spans[1].name, "s4");
    cr_assert_str_eq(x->scope_spans[1].spans[0].name, "s5");
    release(&r);
    free(buf);
    otelc__arena_free(&a);
    otelc_resource_free(r1);
    otelc_resource_free(r2);
}

Test(encode, empty_batch) {
    otelc__arena a;
    otelc__arena_init(&a, 0);
    size_t len;
    uint8_t *buf = encode(&a, NULL, 0, &len);
    cr_assert_eq(len, 0);
    pb_req r;
    decode(buf, len, &r);
    cr_assert_eq(r.resource_spans_count, 0);
    release(&r);
    free(buf);
    otelc__arena_free(&a);
}

Test(encode, many_scopes_large_batch_and_arena_reuse) {
    /* 20,000 spans over 2,000 scopes: grouping must stay correct (and is
     * linear: a quadratic regrouping would take minutes here). */
    enum { N = 20000, SCOPES = 2000 };
    otelc_resource *res = full_resource();
    otelc_scope_info *scopes = calloc(SCOPES, sizeof *scopes);
    char(*snames)[16] = calloc(SCOPES, 16);
    otelc_span_data *s = calloc(N, sizeof *s);
    const otelc_span_data **arr = calloc(N, sizeof *arr);
    for (int i = 0; i < SCOPES; i++) {
        snprintf(snames[i], 16, "sc%d", i);
        scopes[i].name = snames[i];
        scopes[i].version = "";
    }
    for (int i = 0; i < N; i++) {
        fill(&s[i], res, &scopes[i % SCOPES], "n", (uint8_t)i);
        s[i].event_count = s[i].link_count = 0;
        arr[i] = &s[i];
    }
    otelc__arena a;
    otelc__arena_init(&a, 4096);
    size_t len1, len2;
    uint8_t *b1 = encode(&a, arr, N, &len1);
    /* After a reset the arena has settled on one block. */
    otelc__arena_reset(&a);
    cr_assert_not_null(a.head);
    uint8_t *b2 = encode(&a, arr, N, &len2);
    cr_assert_eq(len1, len2);
    cr_assert_eq(memcmp(b1, b2, len1), 0,
                 "re-encoding in a reused arena "
                 "changed the bytes");
    pb_req r;
    decode(b2, len2, &r);
    cr_assert_eq(r.resource_spans_count, 1);
    cr_assert_eq(r.resource_spans[0].scope_spans_count, SCOPES);
    size_t total = 0;
    for (pb_size_t i = 0; i < SCOPES; i++) {
        cr_assert_str_eq(r.resource_spans[0].scope_spans[i].scope.name,
                         snames[i]);
        total += r.resource_spans[0].scope_spans[i].spans_count;
    }
    cr_assert_eq(total, N);
    release(&r);
    free(b1);
    free(b2);
    otelc__arena_free(&a);
    free(arr);
    free(s);
    free(snames);
    free(scopes);
    otelc_resource_free(res);
}

/* ---- response parsing
 * -------------------------------------------------------- */

Test(encode, partial_success_from_protobuf_and_json) {
    opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse resp =
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_init_zero;
    resp.has_partial_success = true;
    resp.partial_success.rejected_spans = 17;
    resp.partial_success.error_message = (char *)"too old";
    uint8_t buf[128];
    pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
    cr_assert(pb_encode(
        &os,
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_fields,
        &resp));
    char msg[64];
    cr_assert_eq(otelc__otlp_partial_success(&otelc__otlp_signal_traces,
                                             OTELC__OTLP_GRPC, buf,
                                             os.bytes_written, msg, sizeof msg),
                 17);
    cr_assert_str_eq(msg, "too old");
    /* An empty response: full success. */
    cr_assert_eq(otelc__otlp_partial_success(&otelc__otlp_signal_traces,
                                             OTELC__OTLP_HTTP_PROTOBUF, buf, 0,
                                             msg, sizeof msg),
                 0);
    cr_assert_str_eq(msg, "");
    /* Garbage is not a partial success (and does not crash). */
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0x0f, 0x01};
    cr_assert_eq(otelc__otlp_partial_success(&otelc__otlp_signal_traces,
                                             OTELC__OTLP_GRPC, junk,
                                             sizeof junk, msg, sizeof msg),
                 0);
    const char *json = "{\"partialSuccess\":{\"rejectedSpans\":\"5\","
                       "\"errorMessage\":\"bad \\\"span\\\"\"}}";
    cr_assert_eq(otelc__otlp_partial_success(
                     &otelc__otlp_signal_traces, OTELC__OTLP_HTTP_JSON,
                     (const uint8_t *)json, strlen(json), msg, sizeof msg),
                 5);
    cr_assert_str_eq(msg, "bad \"span\"");
}

Test(encode, retry_after_seconds_and_http_dates) {
    /* 2024-01-02 03:04:05 UTC */
    const int64_t now = 1704164645;
    cr_assert_eq(otelc__otlp_parse_retry_after("120", now), 120000);
    cr_assert_eq(otelc__otlp_parse_retry_after(" 3 ", now), 3000);
    cr_assert_eq(
        otelc__otlp_parse_retry_after("Tue, 02 Jan 2024 03:04:15 GMT", now),
        10000);
    cr_assert_eq(
        otelc__otlp_parse_retry_after("Tuesday, 02-Jan-24 03:05:05 GMT", now),
        60000);
    cr_assert_eq(otelc__otlp_parse_retry_after("Tue Jan  2 03:04:07 2024", now),
                 2000);
    /* In the past, or not a date: no hint. */
    cr_assert_eq(
        otelc__otlp_parse_retry_after("Mon, 01 Jan 2024 00:00:00 GMT", now), 0);
    cr_assert_eq(otelc__otlp_parse_retry_after("soon", now), 0);
    cr_assert_eq(otelc__otlp_parse_retry_after("12abc", now), 0);
    cr_assert_eq(otelc__otlp_parse_retry_after("", now), 0);
    cr_assert_eq(otelc__otlp_parse_retry_after(NULL, now), 0);
}
