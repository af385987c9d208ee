/*
 * tests/propagation/test_baggage.c - the baggage API and the W3C baggage
 * header: grammar, percent-encoding, properties, limits, round trips.
 */
#include "propagation/prop_helpers.h"

static otelc_baggage *ctx_bag(otelc_context *c) {
    return otelc_baggage_ref(otelc_context_baggage(c));
}

Test(baggage_api, set_get_remove_iterate) {
    otelc_baggage *a = otelc_baggage_set(NULL, "user", "alice", NULL);
    otelc_baggage *b = otelc_baggage_set(a, "tenant", "acme", "ttl=30");
    otelc_baggage *c = otelc_baggage_set(b, "user", "bob", NULL);
    cr_assert_str_eq(otelc_baggage_get(a, "user"), "alice", "immutable");
    cr_assert_str_eq(otelc_baggage_get(c, "user"), "bob");
    cr_assert_eq(otelc_baggage_count(c), 2);
    const char *k, *v, *md;
    cr_assert(otelc_baggage_entry(c, 0, &k, &v, &md));
    cr_assert_str_eq(k, "tenant");
    cr_assert_str_eq(md, "ttl=30");
    cr_assert(otelc_baggage_entry(c, 1, &k, &v, &md));
    cr_assert_str_eq(k, "user");
    cr_assert_str_eq(md, "");
    cr_assert_not(otelc_baggage_entry(c, 2, &k, &v, &md));
    otelc_baggage *d = otelc_baggage_remove(c, "tenant");
    cr_assert_eq(otelc_baggage_count(d), 1);
    cr_assert_null(otelc_baggage_get(d, "tenant"));
    cr_assert_null(otelc_baggage_set(NULL, "", "x", NULL));
    cr_assert_null(otelc_baggage_set(NULL, "k", NULL, NULL));
    otelc_baggage_free(a);
    otelc_baggage_free(b);
    otelc_baggage_free(c);
    otelc_baggage_free(d);
}

Test(baggage_api, attach_makes_it_current_for_inject) {
    otelc_baggage *b = otelc_baggage_set(NULL, "tenant", "acme", NULL);
    otelc_scope s = otelc_baggage_attach(b);
    cr_assert_str_eq(otelc_baggage_get(otelc_current_baggage(), "tenant"),
                     "acme");
    otelc_textmap *m = otelc_textmap_new();
    otelc_carrier c = otelc_textmap_carrier(m);
    otelc_propagator *p = otelc_propagator_create("baggage", NULL);
    otelc_propagator_inject(p, NULL, &c);
    cr_assert_str_eq(otelc_textmap_get(m, "baggage"), "tenant=acme");
    otelc_scope_end(s);
    cr_assert_null(otelc_current_baggage());
    otelc_propagator_free(p);
    otelc_textmap_free(m);
    otelc_baggage_free(b);
}

Test(baggage_header, spec_example) {
    size_t dropped = 9;
    otelc_baggage *b = otelc_baggage_parse(
        "key1=value1;property1;property2, key2 = value2, key3=value3; "
        "propertyKey=propertyValue",
        &dropped);
    cr_assert_eq(dropped, 0);
    cr_assert_eq(otelc_baggage_count(b), 3);
    const char *k, *v, *md;
    otelc_baggage_entry(b, 0, &k, &v, &md);
    cr_assert_str_eq(k, "key1");
    cr_assert_str_eq(v, "value1");
    cr_assert_str_eq(md, "property1;property2");
    otelc_baggage_entry(b, 1, &k, &v, &md);
    cr_assert_str_eq(k, "key2");
    cr_assert_str_eq(v, "value2");
    otelc_baggage_entry(b, 2, &k, &v, &md);
    cr_assert_str_eq(md, "propertyKey=propertyValue");
    otelc_baggage_free(b);
}

Test(baggage_header, percent_decoding) {
    otelc_baggage *b = otelc_baggage_parse(
        "serverNode=DF%2028,isProduction=false,eq=a=b,utf=caf%C3%A9,"
        "pct=100%25",
        NULL);
    cr_assert_str_eq(otelc_baggage_get(b, "serverNode"), "DF 28");
    cr_assert_str_eq(otelc_baggage_get(b, "isProduction"), "false");
    cr_assert_str_eq(otelc_baggage_get(b, "eq"), "a=b",
                     "values may contain '='");
    cr_assert_str_eq(otelc_baggage_get(b, "utf"), "caf\xc3\xa9");
    cr_assert_str_eq(otelc_baggage_get(b, "pct"), "100%");
    otelc_baggage_free(b);
}

Test(baggage_header, invalid_members_dropped_one_by_one) {
    size_t dropped = 0;
    otelc_baggage *b = otelc_baggage_parse(
        "ok=1,bad key=2,nokv,=3,sp=a b,q=\"x\",bs=a\\b,badpct=%zz,"
        "nul=%00,prop=1;bad prop,ok2=2",
        &dropped);
    cr_assert_eq(otelc_baggage_count(b), 2, "%zu", otelc_baggage_count(b));
    cr_assert_str_eq(otelc_baggage_get(b, "ok"), "1");
    cr_assert_str_eq(otelc_baggage_get(b, "ok2"), "2");
    cr_assert_eq(dropped, 9);
    otelc_baggage_free(b);
    cr_assert_null(otelc_baggage_parse("", NULL));
    cr_assert_null(otelc_baggage_parse(" , ,", NULL));
    cr_assert_null(otelc_baggage_parse("garbage", NULL));
}

Test(baggage_header, duplicate_keys_last_wins) {
    otelc_baggage *b = otelc_baggage_parse("k=1,j=2,k=3", NULL);
    cr_assert_eq(otelc_baggage_count(b), 2);
    cr_assert_str_eq(otelc_baggage_get(b, "k"), "3");
    otelc_baggage_free(b);
}

Test(baggage_header, format_percent_encodes) {
    otelc_baggage *b =
        otelc_baggage_set(NULL, "node", "DF 28,x;y=\"z\"\\%", NULL);
    otelc_baggage *b2 = otelc_baggage_set(b, "utf", "caf\xc3\xa9", "ttl=30;x");
    char *h = otelc_baggage_format(b2, NULL);
    cr_assert_str_eq(h, "node=DF%2028%2Cx%3By=%22z%22%5C%25,"
                        "utf=caf%C3%A9;ttl=30;x");
    otelc_baggage *back = otelc_baggage_parse(h, NULL);
    cr_assert_str_eq(otelc_baggage_get(back, "node"), "DF 28,x;y=\"z\"\\%");
    cr_assert_str_eq(otelc_baggage_get(back, "utf"), "caf\xc3\xa9");
    const char *md;
    otelc_baggage_entry(back, 1, NULL, NULL, &md);
    cr_assert_str_eq(md, "ttl=30;x");
    free(h);
    otelc_baggage_free(back);
    otelc_baggage_free(b);
    otelc_baggage_free(b2);
}

Test(baggage_header, format_skips_non_token_names_and_bad_metadata) {
    otelc_baggage *b = otelc_baggage_set(NULL, "bad name", "1", NULL);
    otelc_baggage *b2 = otelc_baggage_set(b, "good", "2", "bad,meta");
    size_t dropped = 0;
    char *h = otelc_baggage_format(b2, &dropped);
    cr_assert_str_eq(h, "good=2");
    cr_assert_eq(dropped, 1);
    free(h);
    otelc_baggage_free(b);
    otelc_baggage_free(b2);
}

Test(baggage_limits, sixty_four_members_kept_more_dropped) {
    char in[4096];
    size_t o = 0;
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(in + o, sizeof in - o, "%sk%02d=v%02d",
                              i ? "," : "", i, i);
    size_t dropped = 0;
    otelc_baggage *b = otelc_baggage_parse(in, &dropped);
    cr_assert_eq(otelc_baggage_count(b), 64);
    cr_assert_eq(dropped, 6);
    cr_assert_str_eq(otelc_baggage_get(b, "k63"), "v63");
    cr_assert_null(otelc_baggage_get(b, "k64"));
    /* 64 entries go out in full. */
    char *h = otelc_baggage_format(b, &dropped);
    cr_assert_eq(dropped, 0);
    otelc_baggage *back = otelc_baggage_parse(h, NULL);
    cr_assert_eq(otelc_baggage_count(back), 64);
    free(h);
    otelc_baggage_free(back);
    /* A 65th entry set in code is not sent. */
    otelc_baggage *more = otelc_baggage_set(b, "extra", "1", NULL);
    h = otelc_baggage_format(more, &dropped);
    cr_assert_eq(dropped, 1);
    cr_assert_null(strstr(h, "extra="));
    free(h);
    otelc_baggage_free(more);
    otelc_baggage_free(b);
}

Test(baggage_limits, eight_kilobytes_kept_more_dropped) {
    /* Two members of 4094 bytes, a comma, then ",c=" make exactly 8192
     * bytes: kept.  With ",cc=1" instead it would be 8194: dropped. */
    static char in[16384];
    char big[4100];
    memset(big, 'x', 4091);
    big[4091] = '\0';
    snprintf(in, sizeof in, "a1=%s,a2=%s,c=", big, big);
    size_t dropped = 0;
    otelc_baggage *b = otelc_baggage_parse(in, &dropped);
    cr_assert_eq(otelc_baggage_count(b), 3, "8192 bytes fit");
    cr_assert_eq(dropped, 0);
    otelc_baggage_free(b);
    snprintf(in, sizeof in, "a1=%s,a2=%s,cc=1", big, big);
    b = otelc_baggage_parse(in, &dropped);
    cr_assert_eq(otelc_baggage_count(b), 2, "8194 bytes do not");
    cr_assert_eq(dropped, 1);
    char *h = otelc_baggage_format(b, NULL);
    cr_assert_eq(strlen(h), 4094 * 2 + 1);
    free(h);
    otelc_baggage_free(b);
    /* On the way out, the encoded size counts: 3 bytes per '%XX'. */
    static char val[8192];
    memset(val, ' ', 3000); /* 9000 bytes once encoded */
    val[3000] = '\0';
    otelc_baggage *e = otelc_baggage_set(NULL, "s", val, NULL);
    otelc_baggage *e2 = otelc_baggage_set(e, "t", "1", NULL);
    h = otelc_baggage_format(e2, &dropped);
    cr_assert_eq(dropped, 1);
    cr_assert_str_eq(h, "t=1");
    free(h);
    otelc_baggage_free(e);
    otelc_baggage_free(e2);
}

Test(baggage_propagator, multiple_headers_and_round_trip) {
    otelc_context *c =
        extract_with("baggage", "baggage", "userId=alice", "Baggage",
                     "serverNode=DF%2028, "
                     "isProduction=false",
                     NULL);
    cr_assert_not_null(c);
    otelc_span_context sc = otelc_context_span_context(c);
    cr_assert_not(otelc_span_context_is_valid(&sc), "baggage only");
    otelc_baggage *b = ctx_bag(c);
    cr_assert_eq(otelc_baggage_count(b), 3);
    cr_assert_str_eq(otelc_baggage_get(b, "serverNode"), "DF 28");
    otelc_textmap *m = inject_with("baggage", c);
    cr_assert_str_eq(otelc_textmap_get(m, "baggage"),
                     "userId=alice,serverNode=DF%2028,isProduction=false");
    otelc_textmap_free(m);
    otelc_baggage_free(b);
    otelc_context_free(c);
}

Test(baggage_propagator, nothing_valid_is_absent_and_counted) {
    otelc_propagation_stats before, after;
    otelc_propagation_stats_get(&before);
    cr_assert_null(extract_with("baggage", "baggage", "no equals; here", NULL));
    cr_assert_null(extract_with("baggage", "other", "k=v", NULL));
    otelc_propagation_stats_get(&after);
    cr_assert_eq(after.baggage_dropped, before.baggage_dropped + 1);
}

Test(baggage_propagator, empty_baggage_injects_nothing) {
    otelc_context *c = otelc_context_new(NULL, NULL, NULL);
    otelc_textmap *m = inject_with("baggage", c);
    cr_assert_eq(otelc_textmap_count(m), 0);
    otelc_textmap_free(m);
    otelc_context_free(c);
}
