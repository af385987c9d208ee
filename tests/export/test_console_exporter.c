/*
 * tests/export/test_console_exporter.c - the console exporter's text.
 *
 * Spans go through a real provider to a console exporter writing into a
 * tmpfile(); the test reads the text back and checks each part a developer
 * relies on: name, kind, duration, status, ids, scope, service, attributes
 * of every type, events, links and dropped counts.  Start and end times are
 * given explicitly so durations are exact text, not timing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_support.h"

#include "sdk/internal.h"

#define T0 1700000000000000000ull

typedef struct cpipe {
    otelc_tracer_provider *p;
    otelc_tracer *tracer;
    otelc_memory_exporter *mem;
    otelc_span_processor *cproc;
    FILE *out;
} cpipe;

static void cpipe_init(cpipe *cp, FILE *out, bool batch) {
    memset(cp, 0, sizeof *cp);
    cp->out = out;
    otelc_attribute ra[] = {OTELC_ATTR_STR("service.name", "checkout")};
    cp->p = otelc_tracer_provider_new(otelc_resource_new(ra, 1),
                                      otelc_sampler_always_on());
    otelc_span_exporter *ce = otelc_console_exporter_new(out);
    cr_assert_not_null(ce);
    otelc_batch_options bo = {.schedule_delay_ms = 60000};
    cp->cproc = batch ? otelc_batch_span_processor_new(ce, &bo)
                      : otelc_simple_span_processor_new(ce);
    cr_assert_eq(otelc_tracer_provider_add_processor(cp->p, cp->cproc),
                 OTELC_OK);
    otelc_span_exporter *me = otelc_memory_exporter_new(&cp->mem);
    cr_assert_eq(otelc_tracer_provider_add_processor(
                     cp->p, otelc_simple_span_processor_new(me)),
                 OTELC_OK);
    cp->tracer = otelc_tracer_get(cp->p, "http", "1.0");
}

/* Everything written to the tmpfile so far. */
static char *contents(FILE *f) {
    fflush(f);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    char *buf = malloc((size_t)n + 1);
    rewind(f);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fseek(f, 0, SEEK_END);
    return buf;
}

#define assert_has(text, needle)                                               \
    cr_assert_not_null(strstr((text), (needle)), "missing %s in:\n%s",         \
                       (needle), (text))

Test(console_exporter, prints_every_part_of_a_span) {
    FILE *tmp = tmpfile();
    cr_assert_not_null(tmp);
    cpipe cp;
    cpipe_init(&cp, tmp, false);
    otelc_span_limits lim = otelc_span_limits_default();
    lim.attribute_count = 9;
    lim.event_count = 2;
    lim.link_count = 1;
    otelc_tracer_provider_set_limits(cp.p, &lim);

    otelc_span_context psc;
    memset(&psc, 0, sizeof psc);
    for (int i = 0; i < 16; i++)
        psc.trace_id[i] = (uint8_t)(0x10 + i);
    for (int i = 0; i < 8; i++)
        psc.span_id[i] = (uint8_t)(0xa0 + i);
    psc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    psc.is_remote = true;
    otelc_context *pctx = otelc_context_new(&psc, "vendor=1", NULL);

    otelc_span_context lsc = psc;
    lsc.trace_id[0] = 0xee;
    lsc.span_id[0] = 0xee;
    lsc.is_remote = false;
    otelc_attribute la[] = {OTELC_ATTR_STR("peer", "x")};
    otelc_link links[] = {{lsc, "a=b", la, 1}, {lsc, NULL, NULL, 0}};

    static const char *const sa[] = {"a", "b"};
    static const bool ba[] = {true, false};
    static const int64_t ia[] = {1, -2};
    static const double da[] = {0.5, NAN};
    otelc_attribute attrs[] = {
        OTELC_ATTR_STR("http.method", "GET"),
        OTELC_ATTR_BOOL("ok", true),
        OTELC_ATTR_INT("http.status_code", -42),
        OTELC_ATTR_DOUBLE("ratio", 1.5),
        {"raw", {OTELC_VALUE_BYTES, 2, {.s = "\x00\xff"}}},
        OTELC_ATTR_STR_ARRAY("sa", sa, 2),
        OTELC_ATTR_BOOL_ARRAY("ba", ba, 2),
        OTELC_ATTR_INT_ARRAY("ia", ia, 2),
        OTELC_ATTR_DOUBLE_ARRAY("da", da, 2),
        OTELC_ATTR_STR("over.limit", "dropped"),
    };
    otelc_span_start_options o = {.kind = OTELC_SPAN_KIND_SERVER,
                                  .parent = pctx,
                                  .start_time = T0,
                                  .attributes = attrs,
                                  .attribute_count = 10,
                                  .links = links,
                                  .link_count = 2};
    otelc_span *s = otelc_span_start(cp.tracer, "GET /users", &o);
    otelc_attribute ea[] = {OTELC_ATTR_STR("exception.type", "E")};
    otelc_span_add_event_at(s, "exception", T0 + 1002000, ea, 1);
    otelc_span_add_event_at(s, "done", T0 + 12000000, NULL, 0);
    otelc_span_add_event(s, "over the limit", NULL, 0);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "db down");
    otelc_span_end_at(s, T0 + 12345678);
    otelc_context_free(pctx);

    const otelc_span_data *d = otelc_memory_exporter_get(cp.mem, 0);
    cr_assert_not_null(d);
    char tid[33], sid[17], pid[17], ltid[33], lsid[17], want[256];
    otelc_trace_id_to_hex(d->context.trace_id, tid);
    otelc_span_id_to_hex(d->context.span_id, sid);
    otelc_span_id_to_hex(psc.span_id, pid);
    otelc_trace_id_to_hex(lsc.trace_id, ltid);
    otelc_span_id_to_hex(lsc.span_id, lsid);

    char *text = contents(tmp);
    assert_has(
        text,
        "span \"GET /users\" SERVER 12.345 ms status=ERROR \"db down\"\n");
    snprintf(want, sizeof want,
             "  trace_id=%s span_id=%s parent_id=%s (remote) flags=01\n", tid,
             sid, pid);
    assert_has(text, want);
    assert_has(text, "  trace_state=\"vendor=1\" scope=http 1.0 "
                     "service=checkout\n");
    assert_has(text, "  attributes: http.method=\"GET\", ok=true, "
                     "http.status_code=-42, ratio=1.5, raw=0x00ff, "
                     "sa=[\"a\", \"b\"], ba=[true, false], ia=[1, -2], "
                     "da=[0.5, \"NaN\"]\n");
    assert_has(text,
               "  event +1.002 ms \"exception\" {exception.type=\"E\"}\n");
    assert_has(text, "  event +12.000 ms \"done\"\n");
    snprintf(want, sizeof want,
             "  link %s/%s flags=01 trace_state=\"a=b\" {peer=\"x\"}\n", ltid,
             lsid);
    assert_has(text, want);
    assert_has(text, "  dropped: 1 attributes, 1 events, 1 links\n");
    cr_assert_null(strstr(text, "over.limit"));
    free(text);
    otelc_tracer_provider_free(cp.p);
    fclose(tmp);
}

Test(console_exporter, kinds_statuses_and_root_spans) {
    FILE *tmp = tmpfile();
    cpipe cp;
    cpipe_init(&cp, tmp, false);
    static const char *const names[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                        "CLIENT",      "PRODUCER", "CONSUMER"};
    for (int k = 1; k <= 5; k++) {
        otelc_span_start_options o = {
            .kind = (otelc_span_kind)k, .root = true, .start_time = T0};
        otelc_span *s = otelc_span_start(cp.tracer, names[k], &o);
        if (k == 2)
            otelc_span_set_status(s, OTELC_STATUS_OK, NULL);
        if (k == 3)
            otelc_span_set_status(s, OTELC_STATUS_ERROR, NULL);
        otelc_span_end_at(s, T0 + (uint64_t)k * 1000000000u + 5000);
    }
    char *text = contents(tmp);
    char want[128];
    for (int k = 1; k <= 5; k++) {
        snprintf(want, sizeof want, "span \"%s\" %s %d000.005 ms status=%s\n",
                 names[k], names[k], k,
                 k == 2   ? "OK"
                 : k == 3 ? "ERROR"
                          : "UNSET");
        assert_has(text, want);
    }
    assert_has(text, "parent_id=- flags=01\n");
    cr_assert_null(strstr(text, "(remote)"));
    cr_assert_null(strstr(text, "trace_state="));
    cr_assert_null(strstr(text, "dropped:"));
    free(text);
    otelc_tracer_provider_free(cp.p);
    fclose(tmp);
}

Test(console_exporter, application_strings_cannot_drive_the_terminal) {
    FILE *tmp = tmpfile();
    cpipe cp;
    cpipe_init(&cp, tmp, false);
    otelc_span *s =
        otelc_span_start(cp.tracer, "evil\x1b[31mred\x07\xff", NULL);
    otelc_span_set_attribute_str(s, "key\x1b]0;title\x07", "v\r\n\x1b[2J");
    otelc_span_set_attribute_str_n(s, "nul", "a\0b", 3);
    otelc_span_add_event(s, "ev\x1b", NULL, 0);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "bad\x1b[0m\xc3");
    otelc_span_end(s);
    char *text = contents(tmp);
    for (const char *p = text; *p; p++)
        cr_assert((unsigned char)*p >= 0x20 || *p == '\n',
                  "raw control byte 0x%02x in:\n%s", (unsigned char)*p, text);
    assert_has(text, "span \"evil\\u001b[31mred\\u0007\xef\xbf\xbd\"");
    assert_has(text, "key\\u001b]0;title\\u0007=\"v\\r\\n\\u001b[2J\"");
    assert_has(text, "nul=\"a\\u0000b\"");
    assert_has(text, "\"ev\\u001b\"");
    assert_has(text, "status=ERROR \"bad\\u001b[0m\xef\xbf\xbd\"");
    free(text);
    otelc_tracer_provider_free(cp.p);
    fclose(tmp);
}

Test(console_exporter, a_batch_is_printed_in_order) {
    FILE *tmp = tmpfile();
    cpipe cp;
    cpipe_init(&cp, tmp, true);
    for (int i = 0; i < 50; i++) {
        char n[16];
        snprintf(n, sizeof n, "s%02d", i);
        otelc_span_end(otelc_span_start(cp.tracer, n, NULL));
    }
    cr_assert_eq(otelc_tracer_provider_force_flush(cp.p, 10000), OTELC_OK);
    char *text = contents(tmp);
    const char *p = text;
    for (int i = 0; i < 50; i++) {
        char n[32];
        snprintf(n, sizeof n, "span \"s%02d\" INTERNAL", i);
        const char *q = strstr(p, n);
        cr_assert_not_null(q, "span %d missing or out of order", i);
        p = q + 1;
    }
    otelc_processor_stats st;
    otelc_span_processor_stats(cp.cproc, &st);
    cr_assert_eq(st.spans_exported, 50);
    free(text);
    otelc_tracer_provider_free(cp.p);
    fclose(tmp);
}

Test(console_exporter, write_failure_drops_counts_and_reports_once) {
    FILE *full = fopen("/dev/full", "w");
    cr_assert_not_null(full);
    diag_capture_start();
    cpipe cp;
    cpipe_init(&cp, full, false);
    for (int i = 0; i < 5; i++)
        otelc_span_end(otelc_span_start(cp.tracer, "lost", NULL));
    otelc_processor_stats st;
    otelc_span_processor_stats(cp.cproc, &st);
    cr_assert_eq(st.dropped_export, 5);
    cr_assert_eq(st.spans_exported, 0);
    cr_assert_eq(diag_count("console exporter", "No space left", NULL), 1, "%s",
                 diag_captured());
    diag_capture_stop();
    otelc_tracer_provider_free(cp.p);
    fclose(full);
}

Test(console_exporter, registry_and_null_stream_use_standard_streams) {
    otelc_status st = OTELC_EINVAL;
    otelc_span_exporter *e = otelc_span_exporter_create("console", &st);
    cr_assert_eq(st, OTELC_OK);
    cr_assert_not_null(e);
    cr_assert_str_eq(otelc_span_exporter_name(e), "console");
    otelc_span_exporter_free(e);
    e = otelc_console_exporter_new(NULL);
    cr_assert_not_null(e);
    otelc_span_exporter_free(e);
}
