/*
 * tests/propagation/test_tracecontext.c - W3C traceparent and tracestate:
 * every validation rule (the W3C test suite's cases among them), inject
 * format, round trips, and the tracestate update API.
 */
#include "propagation/prop_helpers.h"

#define TID "12345678901234567890123456789012"
#define SID "1234567890123456"

static void assert_valid_tp(const char *tp, const char *tid, const char *sid,
                            uint8_t flags) {
    otelc_context *c = extract_with("tracecontext", "traceparent", tp, NULL);
    cr_assert_not_null(c, "traceparent \"%s\" should be valid", tp);
    cr_assert_str_eq(ctx_trace_hex(c), tid);
    cr_assert_str_eq(ctx_span_hex(c), sid);
    otelc_span_context sc = otelc_context_span_context(c);
    cr_assert(sc.is_remote, "extracted contexts are remote");
    cr_assert_eq(sc.trace_flags, flags, "flags of \"%s\": %02x", tp,
                 sc.trace_flags);
    otelc_context_free(c);
}

static void assert_invalid_tp(const char *tp) {
    otelc_context *c = extract_with("tracecontext", "traceparent", tp,
                                    "tracestate", "foo=1", NULL);
    cr_assert_null(c, "traceparent \"%s\" should be rejected", tp);
}

Test(traceparent, valid_forms) {
    assert_valid_tp("00-" TID "-" SID "-01", TID, SID, 1);
    assert_valid_tp("00-" TID "-" SID "-00", TID, SID, 0);
    /* Level 2 random flag kept, reserved bits dropped. */
    assert_valid_tp("00-" TID "-" SID "-03", TID, SID, 3);
    assert_valid_tp("00-" TID "-" SID "-09", TID, SID, 1);
    assert_valid_tp("00-" TID "-" SID "-ff", TID, SID, 3);
    assert_valid_tp("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                    "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1);
}

Test(traceparent, optional_whitespace) {
    assert_valid_tp(" 00-" TID "-" SID "-01", TID, SID, 1);
    assert_valid_tp("\t00-" TID "-" SID "-01", TID, SID, 1);
    assert_valid_tp("00-" TID "-" SID "-01 ", TID, SID, 1);
    assert_valid_tp("00-" TID "-" SID "-01\t", TID, SID, 1);
    assert_valid_tp("\t 00-" TID "-" SID "-01 \t", TID, SID, 1);
}

Test(traceparent, header_name_any_case) {
    const char *names[] = {"TraceParent", "TrAcEpArEnT", "TRACEPARENT"};
    for (int i = 0; i < 3; i++) {
        otelc_context *c = extract_with("tracecontext", names[i],
                                        "00-" TID "-" SID "-01", NULL);
        cr_assert_not_null(c, "%s", names[i]);
        cr_assert_str_eq(ctx_trace_hex(c), TID);
        otelc_context_free(c);
    }
    cr_assert_null(extract_with("tracecontext", "trace-parent",
                                "00-" TID "-" SID "-01", NULL));
    cr_assert_null(extract_with("tracecontext", "trace.parent",
                                "00-" TID "-" SID "-01", NULL));
}

Test(traceparent, version_rules) {
    /* 00 with extra characters. */
    assert_invalid_tp("00-" TID "-" SID "-01.");
    assert_invalid_tp("00-" TID "-" SID "-01-what-the-future-will-be-like");
    /* Version ff. */
    assert_invalid_tp("ff-" TID "-" SID "-01");
    /* Bad version characters and lengths. */
    assert_invalid_tp(".0-" TID "-" SID "-01");
    assert_invalid_tp("0.-" TID "-" SID "-01");
    assert_invalid_tp("000-" TID "-" SID "-01");
    assert_invalid_tp("0000-" TID "-" SID "-01");
    assert_invalid_tp("0-" TID "-" SID "-01");
    assert_invalid_tp("0A-" TID "-" SID "-01");
    /* Higher versions: parsed by the 00 prefix rules. */
    assert_valid_tp("cc-" TID "-" SID "-01", TID, SID, 1);
    assert_valid_tp("cc-" TID "-" SID "-01-what-the-future-will-be-like", TID,
                    SID, 1);
    assert_invalid_tp("cc-" TID "-" SID "-01.what-the-future-will-be-like");
    assert_invalid_tp("cc-" TID "-" SID "-0"); /* shorter than 55 */
}

Test(traceparent, id_rules) {
    assert_invalid_tp("00-00000000000000000000000000000000-" SID "-01");
    assert_invalid_tp("00-" TID "-0000000000000000-01");
    assert_invalid_tp("00-.2345678901234567890123456789012-" SID "-01");
    assert_invalid_tp("00-1234567890123456789012345678901.-" SID "-01");
    assert_invalid_tp("00-123456789012345678901234567890123-" SID "-01");
    assert_invalid_tp("00-1234567890123456789012345678901-" SID "-01");
    assert_invalid_tp("00-" TID "-.234567890123456-01");
    assert_invalid_tp("00-" TID "-123456789012345.-01");
    assert_invalid_tp("00-" TID "-12345678901234567-01");
    assert_invalid_tp("00-" TID "-123456789012345-01");
    /* Uppercase hex anywhere is invalid. */
    assert_invalid_tp("00-4BF92F3577B34DA6A3CE929D0E0E4736-" SID "-01");
    assert_invalid_tp("00-" TID "-00F067AA0BA902B7-01");
}

Test(traceparent, flag_rules) {
    assert_invalid_tp("00-" TID "-" SID "-.0");
    assert_invalid_tp("00-" TID "-" SID "-0.");
    assert_invalid_tp("00-" TID "-" SID "-001");
    assert_invalid_tp("00-" TID "-" SID "-1");
    assert_invalid_tp("00-" TID "-" SID "-0A");
    assert_invalid_tp("00-" TID "-" SID "-");
    assert_invalid_tp("00_" TID "_" SID "_01");
    assert_invalid_tp("");
    assert_invalid_tp("   ");
}

Test(traceparent, duplicated_header_is_invalid) {
    otelc_context *c =
        extract_with("tracecontext", "traceparent",
                     "00-12345678901234567890123456789011-" SID "-01",
                     "traceparent", "00-" TID "-" SID "-01", NULL);
    cr_assert_null(c);
}

Test(traceparent, rejected_headers_are_counted_and_reported) {
    diag_capture_start();
    otelc_propagation_stats before, after;
    otelc_propagation_stats_get(&before);
    assert_invalid_tp("ff-" TID "-" SID "-01");
    otelc_propagation_stats_get(&after);
    cr_assert_eq(after.invalid_headers, before.invalid_headers + 1);
    diag_capture_stop();
}

Test(traceparent, inject_writes_version_00_lowercase) {
    otelc_span_context sc = sc_of(TID, SID, OTELC_TRACE_FLAG_SAMPLED);
    otelc_context *ctx = otelc_context_new(&sc, NULL, NULL);
    otelc_textmap *m = inject_with("tracecontext", ctx);
    cr_assert_str_eq(otelc_textmap_get(m, "traceparent"),
                     "00-" TID "-" SID "-01");
    cr_assert_null(otelc_textmap_get(m, "tracestate"),
                   "no tracestate when empty");
    otelc_textmap_free(m);
    otelc_context_free(ctx);

    /* otelc's private debug bit never reaches a traceparent. */
    sc.trace_flags = OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_DEBUG;
    ctx = otelc_context_new(&sc, NULL, NULL);
    m = inject_with("tracecontext", ctx);
    cr_assert_str_eq(otelc_textmap_get(m, "traceparent"),
                     "00-" TID "-" SID "-01");
    otelc_textmap_free(m);
    otelc_context_free(ctx);

    /* A higher version is re-emitted as 00. */
    otelc_context *in = extract_with("tracecontext", "traceparent",
                                     "cc-" TID "-" SID "-01-future", NULL);
    m = inject_with("tracecontext", in);
    cr_assert_str_eq(otelc_textmap_get(m, "traceparent"),
                     "00-" TID "-" SID "-01");
    otelc_textmap_free(m);
    otelc_context_free(in);
}

Test(traceparent, invalid_context_injects_nothing) {
    otelc_context *ctx = otelc_context_new(NULL, NULL, NULL);
    otelc_textmap *m = inject_with("tracecontext", ctx);
    cr_assert_eq(otelc_textmap_count(m), 0);
    otelc_textmap_free(m);
    otelc_context_free(ctx);
}

/* ---- tracestate ---------------------------------------------------------- */

static otelc_context *with_ts(const char *ts1, const char *ts2) {
    if (ts2)
        return extract_with("tracecontext", "traceparent",
                            "00-" TID "-" SID "-00", "tracestate", ts1,
                            "tracestate", ts2, NULL);
    return extract_with("tracecontext", "traceparent", "00-" TID "-" SID "-00",
                        "tracestate", ts1, NULL);
}

static void assert_ts(const char *in, const char *want) {
    otelc_context *c = with_ts(in, NULL);
    cr_assert_not_null(c, "a bad tracestate never invalidates traceparent");
    cr_assert_str_eq(otelc_context_trace_state(c), want, "tracestate \"%s\"",
                     in);
    otelc_context_free(c);
}

Test(tracestate, kept_with_valid_traceparent) {
    assert_ts("foo=1,bar=2", "foo=1,bar=2");
    assert_ts("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
              "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

Test(tracestate, ignored_without_valid_traceparent) {
    cr_assert_null(extract_with("tracecontext", "tracestate", "foo=1", NULL));
    cr_assert_null(extract_with("tracecontext", "traceparent",
                                "ff-" TID "-" SID "-00", "tracestate", "foo=1",
                                NULL));
}

Test(tracestate, header_name_any_case) {
    otelc_context *c =
        extract_with("tracecontext", "traceparent", "00-" TID "-" SID "-00",
                     "TrAcEsTaTe", "foo=1", NULL);
    cr_assert_str_eq(otelc_context_trace_state(c), "foo=1");
    otelc_context_free(c);
    c = extract_with("tracecontext", "traceparent", "00-" TID "-" SID "-00",
                     "trace-state", "foo=1", NULL);
    cr_assert_str_eq(otelc_context_trace_state(c), "");
    otelc_context_free(c);
}

Test(tracestate, empty_and_multiple_headers) {
    assert_ts("", "");
    otelc_context *c = with_ts("foo=1", "");
    cr_assert_str_eq(otelc_context_trace_state(c), "foo=1");
    otelc_context_free(c);
    c = with_ts("", "foo=1");
    cr_assert_str_eq(otelc_context_trace_state(c), "foo=1");
    otelc_context_free(c);
    c = with_ts("foo=1,bar=2", "rojo=1,congo=2");
    cr_assert_str_eq(otelc_context_trace_state(c), "foo=1,bar=2,rojo=1,congo=2",
                     "combined in order");
    otelc_context_free(c);
}

Test(tracestate, whitespace) {
    assert_ts("foo=1 \t , \t bar=2, \t baz=3", "foo=1,bar=2,baz=3");
    assert_ts("foo=1\t \t,\t \tbar=2,\t \tbaz=3", "foo=1,bar=2,baz=3");
    assert_ts(" foo=1", "foo=1");
    assert_ts("\tfoo=1", "foo=1");
    assert_ts("foo=1 ", "foo=1");
    assert_ts("foo=1\t", "foo=1");
    assert_ts("\t foo=1 \t", "foo=1");
    /* Empty and blank members are allowed and skipped. */
    assert_ts("foo=1,,  ,\t,bar=2", "foo=1,bar=2");
    /* A leading space inside the value is part of the value. */
    assert_ts("foo= 1", "foo= 1");
}

Test(tracestate, all_allowed_characters) {
    char key[80], kv[160], value[128], in[400], want[400];
    snprintf(key, sizeof key, "%s", "abcdefghijklmnopqrstuvwxyz0123456789_-*/");
    size_t n = 0;
    for (int ch = 0x20; ch <= 0x7e; ch++)
        if (ch != ',' && ch != '=')
            value[n++] = (char)ch;
    value[n] = '\0';
    snprintf(in, sizeof in, "%s=%s", key, value);
    assert_ts(in, in);
    snprintf(kv, sizeof kv, "%s@a-z0-9_-*/", key);
    snprintf(in, sizeof in, "%s=%s", kv, value);
    snprintf(want, sizeof want, "%s", in);
    assert_ts(in, want);
}

Test(tracestate, invalid_members_dropped_one_by_one) {
    assert_ts("foo =1", "");
    assert_ts("FOO=1", "");
    assert_ts("foo.bar=1", "");
    assert_ts("foo=bar=baz", "");
    assert_ts("foo=,bar=3", "bar=3");
    assert_ts("@foo=1,bar=2", "bar=2");
    assert_ts("_foo=1,bar=2", "bar=2");
    assert_ts("foo=1 2 ,bar=2", "foo=1 2,bar=2");
    assert_ts("foo=\x01,bar=2", "bar=2");
    assert_ts("foo=caf\xc3\xa9,bar=2", "bar=2");
    assert_ts("novalue,bar=2", "bar=2");
    assert_ts("=1,bar=2", "bar=2");
}

Test(tracestate, duplicate_keys_keep_the_first) {
    assert_ts("foo=1,foo=2", "foo=1");
    otelc_context *c = with_ts("foo=1", "foo=2");
    cr_assert_str_eq(otelc_context_trace_state(c), "foo=1");
    otelc_context_free(c);
}

Test(tracestate, key_and_value_length_limits) {
    char in[1200], key[300], value[300];
    memset(key, 'z', 256);
    key[256] = '\0';
    snprintf(in, sizeof in, "foo=1,%s=1", key);
    otelc_context *c = with_ts(in, NULL);
    cr_assert_not_null(strstr(otelc_context_trace_state(c), key),
                       "256-char key is valid");
    otelc_context_free(c);
    key[256] = 'z';
    key[257] = '\0';
    snprintf(in, sizeof in, "foo=1,%s=1", key);
    assert_ts(in, "foo=1");
    memset(value, 'v', 256);
    value[256] = '\0';
    snprintf(in, sizeof in, "a=%s", value);
    assert_ts(in, in);
    value[256] = 'v';
    value[257] = '\0';
    snprintf(in, sizeof in, "a=%s,b=1", value);
    assert_ts(in, "b=1");
}

static void members(char *out, size_t cap, int from, int to) {
    size_t o = 0;
    out[0] = '\0';
    for (int i = from; i <= to; i++)
        o += (size_t)snprintf(out + o, cap - o, "%sbar%02d=%02d",
                              i == from ? "" : ",", i, i);
}

Test(tracestate, member_count_limit) {
    char in[1024], want[1024];
    members(in, sizeof in, 1, 32);
    assert_ts(in, in);
    otelc_propagation_stats before, after;
    otelc_propagation_stats_get(&before);
    members(in, sizeof in, 1, 33);
    members(want, sizeof want, 1, 32);
    assert_ts(in, want); /* the 33rd (rightmost) is dropped */
    otelc_propagation_stats_get(&after);
    cr_assert_eq(after.tracestate_dropped, before.tracestate_dropped + 1);
    /* Split across headers, as the W3C suite sends it. */
    char a[512], b[512];
    members(a, sizeof a, 1, 30);
    members(b, sizeof b, 31, 33);
    otelc_context *c = with_ts(a, b);
    cr_assert_str_eq(otelc_context_trace_state(c), want);
    otelc_context_free(c);
}

Test(tracestate, round_trip_through_inject) {
    otelc_context *c =
        with_ts(" congo=t61rcWkgMzE , rojo=00f067aa0ba902b7", NULL);
    otelc_textmap *m = inject_with("tracecontext", c);
    cr_assert_str_eq(otelc_textmap_get(m, "tracestate"),
                     "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    otelc_carrier car = otelc_textmap_carrier(m);
    otelc_propagator *p = otelc_propagator_create("tracecontext", NULL);
    otelc_context *back = otelc_propagator_extract(p, &car);
    cr_assert_str_eq(ctx_trace_hex(back), TID);
    cr_assert_str_eq(ctx_span_hex(back), SID);
    cr_assert_str_eq(otelc_context_trace_state(back),
                     "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    otelc_context_free(back);
    otelc_propagator_free(p);
    otelc_textmap_free(m);
    otelc_context_free(c);
}

Test(tracestate, api_parse) {
    size_t dropped = 99;
    char *s = otelc_tracestate_parse(" a=1 ,B=2,,c=3,a=4", &dropped);
    cr_assert_str_eq(s, "a=1,c=3");
    cr_assert_eq(dropped, 2);
    free(s);
    cr_assert(otelc_tracestate_key_valid("tenant@system"));
    cr_assert(otelc_tracestate_key_valid("0abc"));
    cr_assert_not(otelc_tracestate_key_valid("Abc"));
    cr_assert_not(otelc_tracestate_key_valid(""));
    cr_assert(otelc_tracestate_value_valid(" x"));
    cr_assert_not(otelc_tracestate_value_valid("x "));
    cr_assert_not(otelc_tracestate_value_valid("a,b"));
    cr_assert_not(otelc_tracestate_value_valid(""));
}

Test(tracestate, api_set_moves_to_front) {
    char *out = NULL;
    cr_assert_eq(
        otelc_tracestate_set("rojo=1,congo=2,otelc=0", "otelc", "9", &out),
        OTELC_OK);
    cr_assert_str_eq(out, "otelc=9,rojo=1,congo=2");
    free(out);
    cr_assert_eq(otelc_tracestate_set("rojo=1", "new", "x", &out), OTELC_OK);
    cr_assert_str_eq(out, "new=x,rojo=1");
    free(out);
    cr_assert_eq(otelc_tracestate_set(NULL, "k", "v", &out), OTELC_OK);
    cr_assert_str_eq(out, "k=v");
    free(out);
    out = NULL;
    cr_assert_eq(otelc_tracestate_set("a=1", "Bad", "v", &out), OTELC_EINVAL);
    cr_assert_eq(otelc_tracestate_set("a=1", "k", "v,w", &out), OTELC_EINVAL);
    cr_assert_eq(otelc_tracestate_set("a=1", "k", "v ", &out), OTELC_EINVAL);
    cr_assert_null(out);
}

Test(tracestate, api_set_drops_the_rightmost_beyond_32) {
    char in[1024], *out = NULL;
    members(in, sizeof in, 1, 32);
    cr_assert_eq(otelc_tracestate_set(in, "new", "1", &out), OTELC_OK);
    cr_assert(!strncmp(out, "new=1,bar01=01,", 15));
    cr_assert_null(strstr(out, "bar32"), "rightmost dropped: %s", out);
    size_t commas = 0;
    for (const char *p = out; *p; p++)
        commas += *p == ',';
    cr_assert_eq(commas, 31);
    free(out);
    /* Updating an existing key keeps 32 members, nothing dropped. */
    cr_assert_eq(otelc_tracestate_set(in, "bar32", "x", &out), OTELC_OK);
    cr_assert(!strncmp(out, "bar32=x,bar01=01", 16));
    cr_assert_not_null(strstr(out, "bar31=31"));
    free(out);
}

Test(tracestate, api_get_and_remove) {
    size_t len;
    const char *v = otelc_tracestate_get("a=1,bb=22,c=3", "bb", &len);
    cr_assert_not_null(v);
    cr_assert_eq(len, 2);
    cr_assert(!strncmp(v, "22", 2));
    cr_assert_null(otelc_tracestate_get("a=1,bb=22", "b", &len));
    char *out;
    cr_assert_eq(otelc_tracestate_remove("a=1,bb=22,c=3", "bb", &out),
                 OTELC_OK);
    cr_assert_str_eq(out, "a=1,c=3");
    free(out);
    cr_assert_eq(otelc_tracestate_remove("a=1", "zz", &out), OTELC_OK);
    cr_assert_str_eq(out, "a=1");
    free(out);
}

Test(tracestate, context_update_is_injected_in_front) {
    otelc_context *in = with_ts("rojo=1,congo=2", NULL);
    otelc_status st;
    otelc_context *upd = otelc_context_with_trace_state(in, "congo", "3", &st);
    cr_assert_eq(st, OTELC_OK);
    otelc_textmap *m = inject_with("tracecontext", upd);
    cr_assert_str_eq(otelc_textmap_get(m, "tracestate"), "congo=3,rojo=1");
    cr_assert_str_eq(otelc_textmap_get(m, "traceparent"),
                     "00-" TID "-" SID "-00");
    otelc_textmap_free(m);
    otelc_context_free(upd);
    cr_assert_null(otelc_context_with_trace_state(in, "BAD", "1", &st));
    cr_assert_eq(st, OTELC_EINVAL);
    otelc_context_free(in);
    /* No span context: a tracestate alone is meaningless. */
    otelc_context *empty = otelc_context_new(NULL, NULL, NULL);
    cr_assert_null(otelc_context_with_trace_state(empty, "k", "v", &st));
    cr_assert_eq(st, OTELC_EINVAL);
    otelc_context_free(empty);
}

/* ---- spans: remote parents, and the tracestate of unsampled spans ------- */

Test(tracecontext, child_of_extracted_context_continues_the_trace) {
    test_pipeline tp;
    pipeline_init(&tp, otelc_sampler_parentbased(otelc_sampler_always_off()),
                  false, NULL);
    otelc_context *in = with_ts("congo=t61rcWkgMzE", NULL);
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER, .parent = in};
    otelc_span *s = otelc_span_start(tp.tracer, "server", &o);
    otelc_span_context sc = otelc_span_get_context(s);
    char tid[33];
    cr_assert_str_eq(otelc_trace_id_to_hex(sc.trace_id, tid), TID);
    cr_assert_neq(memcmp(sc.span_id, otelc_context_span_context(in).span_id, 8),
                  0, "the server span gets its own span id");
    /* The parent was not sampled (flags 00) and is remote: parentbased
     * drops the span, but its context still carries the tracestate. */
    cr_assert_not(otelc_span_is_recording(s));
    otelc_scope scope = otelc_span_make_current(s);
    otelc_textmap *m = otelc_textmap_new();
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_propagator *p = otelc_propagator_create("tracecontext", NULL);
    otelc_propagator_inject(p, NULL, &c);
    char want[80], sid[17];
    snprintf(want, sizeof want, "00-%s-%s-00", TID,
             otelc_span_id_to_hex(sc.span_id, sid));
    cr_assert_str_eq(otelc_textmap_get(m, "traceparent"), want);
    cr_assert_str_eq(otelc_textmap_get(m, "tracestate"), "congo=t61rcWkgMzE");
    otelc_scope_end(scope);
    otelc_span_end(s);
    otelc_propagator_free(p);
    otelc_textmap_free(m);
    otelc_context_free(in);
    pipeline_free(&tp);
}

Test(tracecontext, sampled_remote_parent_is_recorded_with_remote_flag) {
    test_pipeline tp;
    pipeline_init(&tp, otelc_sampler_parentbased(otelc_sampler_always_off()),
                  false, NULL);
    otelc_context *in = extract_with("tracecontext", "traceparent",
                                     "00-" TID "-" SID "-01", NULL);
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER, .parent = in};
    otelc_span *s = otelc_span_start(tp.tracer, "server", &o);
    cr_assert(otelc_span_is_recording(s), "remote sampled parent: sampled");
    otelc_span_end(s);
    const otelc_span_data *d = pipeline_find(&tp, "server");
    cr_assert_not_null(d);
    cr_assert(d->parent_is_remote);
    char sid[17];
    cr_assert_str_eq(otelc_span_id_to_hex(d->parent_span_id, sid), SID);
    otelc_context_free(in);
    pipeline_free(&tp);
}
