/*
 * tests/errors/test_capture.c - otelc_error_capture(): the exception event
 * and ERROR status on the span, the ERROR log record with the same ids,
 * ERROR_TRACKING_ENABLED, levels, explicit spans and backtraces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors/errors_util.h"

static void fini(void) {
    otelc_shutdown(5000);
}

static const otelc_event_data *find_event(const otelc_span_data *d,
                                          const char *name) {
    for (uint32_t i = 0; i < d->event_count; i++)
        if (!strcmp(d->events[i].name, name))
            return &d->events[i];
    return NULL;
}

static const char *str_attr(const otelc_attribute *a, uint32_t n,
                            const char *key) {
    const otelc_value *v = find_attr(a, n, key);
    return v && v->type == OTELC_VALUE_STRING ? v->u.s : NULL;
}

Test(capture, span_event_status_and_log_record_share_ids, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    otelc_span_context sc;
    TRACE_SPAN("checkout") {
        sc = otelc_current_span_context();
        otelc_error_capture("PaymentError", "card declined", "order_id", 42,
                            "amount", 12.5, "method", "credit_card");
    }
    const otelc_span_data *d = find_span(&t, "checkout");
    cr_assert_not_null(d);
    cr_assert_eq(d->status_code, OTELC_STATUS_ERROR);
    cr_assert_str_eq(d->status_description, "card declined");
    const otelc_event_data *ev = find_event(d, "exception");
    cr_assert_not_null(ev, "no exception event");
    cr_assert_str_eq(
        str_attr(ev->attributes, ev->attribute_count, "exception.type"),
        "PaymentError");
    cr_assert_str_eq(
        str_attr(ev->attributes, ev->attribute_count, "exception.message"),
        "card declined");
    const otelc_value *oid =
        find_attr(ev->attributes, ev->attribute_count, "order_id");
    cr_assert(oid && oid->type == OTELC_VALUE_INT && oid->u.i == 42);

    const otelc_log_record_data *r = find_log(&t, "card declined");
    cr_assert_not_null(r, "no log record");
    cr_assert_eq(r->severity_number, OTELC_LOG_ERROR);
    cr_assert_eq(memcmp(r->span_context.trace_id, sc.trace_id, 16), 0);
    cr_assert_eq(memcmp(r->span_context.span_id, sc.span_id, 8), 0);
    const otelc_value *v = rec_attr(r, "exception.type");
    cr_assert(v && !strcmp(v->u.s, "PaymentError"));
    v = rec_attr(r, "method");
    cr_assert(v && !strcmp(v->u.s, "credit_card"));
    v = rec_attr(r, "amount");
    cr_assert(v && v->type == OTELC_VALUE_DOUBLE && v->u.d == 12.5);
    cr_assert_str_eq(r->scope->name, "otelc.errors");

    otelc_error_stats st;
    otelc_error_get_stats(&st);
    cr_assert_eq(st.captured, 1);
}

Test(capture, without_a_span_only_logs, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    otelc_error_capture("ConfigError", NULL);
    /* An empty message: the record's body is the type. */
    const otelc_log_record_data *r = find_log(&t, "ConfigError");
    cr_assert_not_null(r);
    uint8_t zero[16] = {0};
    cr_assert_eq(memcmp(r->span_context.trace_id, zero, 16), 0);
}

Test(capture, disabled_by_configuration, .fini = fini) {
    test_otelc t;
    const char *kv[] = {"ERROR_TRACKING_ENABLED", "false", NULL};
    errors_init(&t, kv);
    otelc_error_stats before;
    otelc_error_get_stats(&before);
    TRACE_SPAN("quiet") {
        otelc_error_capture("X", "not recorded");
    }
    const otelc_span_data *d = find_span(&t, "quiet");
    cr_assert_not_null(d);
    cr_assert_eq(d->status_code, OTELC_STATUS_UNSET);
    cr_assert_null(find_event(d, "exception"));
    cr_assert_null(find_log(&t, "not recorded"));
    otelc_error_stats after;
    otelc_error_get_stats(&after);
    cr_assert_eq(after.captured, before.captured);
}

Test(capture, before_init_and_after_shutdown_do_nothing) {
    otelc_error_stats a, b;
    otelc_error_get_stats(&a);
    otelc_error_capture("X", "before init");
    test_otelc t;
    errors_init(&t, NULL);
    otelc_shutdown(5000);
    otelc_error_capture("X", "after shutdown");
    otelc_error_get_stats(&b);
    cr_assert_eq(a.captured, b.captured);
}

Test(capture, explicit_span_warning_and_backtrace, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    otelc_span *s = otelc_span_start(NULL, "background-job", NULL);
    otelc_span_context sc = otelc_span_get_context(s);
    /* Not current: the record still carries this span's ids. */
    otelc_error_info info = {.type = "SlowDisk",
                             .message = "retrying",
                             .level = OTELC_ERROR_LEVEL_WARNING,
                             .backtrace = true,
                             .span = s};
    otelc_error_capture_ex(&info, NULL, 0);
    otelc_span_end(s);
    const otelc_span_data *d = find_span(&t, "background-job");
    cr_assert_not_null(d);
    /* A warning is not a failure: the status stays unset. */
    cr_assert_eq(d->status_code, OTELC_STATUS_UNSET);
    const otelc_event_data *ev = find_event(d, "exception");
    cr_assert_not_null(ev);
    const char *st =
        str_attr(ev->attributes, ev->attribute_count, "exception.stacktrace");
    cr_assert(st && strchr(st, '['), "stacktrace: %s", st ? st : "(none)");
    const otelc_log_record_data *r = find_log(&t, "retrying");
    cr_assert_not_null(r);
    cr_assert_eq(r->severity_number, OTELC_LOG_WARN);
    cr_assert_eq(memcmp(r->span_context.span_id, sc.span_id, 8), 0);
    cr_assert_not_null(rec_attr(r, "exception.stacktrace"));
    /* The span was pushed for the record and popped again. */
    cr_assert_eq(otelc_scope_depth(), 0);
}

Test(capture, many_fields_all_reach_the_log, .fini = fini) {
    test_otelc t;
    errors_init(&t, NULL);
    otelc_attribute f[40];
    char keys[40][8];
    for (int i = 0; i < 40; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        f[i] = OTELC_ATTR_INT(keys[i], i);
    }
    otelc_error_capture_attrs("Wide", "forty fields", f, 40);
    const otelc_log_record_data *r = find_log(&t, "forty fields");
    cr_assert_not_null(r);
    const otelc_value *v = rec_attr(r, "k39");
    cr_assert(v && v->u.i == 39);
}
