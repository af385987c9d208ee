/*
 * tests/log/test_api.c - loggers, levels, thresholds from configuration,
 * the record as exporters see it (the log data model), sampling, filters
 * and diagnostics for bad settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log_util.h"

static int g_evaluated;
static int side_effect(void) {
    g_evaluated++;
    return 1;
}

static mem_logs *init_mem(const char *const *kv) {
    log_init(kv);
    mem_logs *m;
    cr_assert_eq(otelc_log_add_exporter(mem_logs_new(&m)), OTELC_OK);
    return m;
}

Test(api, level_names_and_parsing) {
    cr_assert_str_eq(otelc_log_level_name(OTELC_LOG_TRACE), "TRACE");
    cr_assert_str_eq(otelc_log_level_name(OTELC_LOG_WARN), "WARN");
    cr_assert_str_eq(otelc_log_level_name(OTELC_LOG_FATAL), "FATAL");
    cr_assert_str_eq(otelc_log_level_name((otelc_log_level)11), "INFO");
    cr_assert_str_eq(otelc_log_level_name(OTELC_LOG_OFF), "OFF");
    otelc_log_level l;
    cr_assert_eq(otelc_log_level_parse(" warning ", &l), OTELC_OK);
    cr_assert_eq(l, OTELC_LOG_WARN);
    cr_assert_eq(otelc_log_level_parse("Critical", &l), OTELC_OK);
    cr_assert_eq(l, OTELC_LOG_FATAL);
    cr_assert_eq(otelc_log_level_parse("loud", &l), OTELC_EPARSE);
    /* SeverityNumber values of the data model. */
    cr_assert_eq(OTELC_LOG_TRACE, 1);
    cr_assert_eq(OTELC_LOG_DEBUG, 5);
    cr_assert_eq(OTELC_LOG_INFO, 9);
    cr_assert_eq(OTELC_LOG_WARN, 13);
    cr_assert_eq(OTELC_LOG_ERROR, 17);
    cr_assert_eq(OTELC_LOG_FATAL, 21);
}

Test(api, nothing_evaluated_when_off) {
    /* Before init every logger is off. */
    OTELC_LOG_ERROR("x", "n", side_effect());
    cr_assert_eq(g_evaluated, 0);
    const char *kv[] = {"LOG_LEVEL", "WARN", NULL};
    mem_logs *m = init_mem(kv);
    OTELC_LOG_INFO("below", "n", side_effect());
    OTELC_LOG_DEBUG("below", "n", side_effect());
    cr_assert_eq(g_evaluated, 0, "a filtered-out record evaluates nothing");
    OTELC_LOG_WARN("at", "n", side_effect());
    cr_assert_eq(g_evaluated, 1);
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 1);
    /* After shutdown: off again. */
    OTELC_LOG_FATAL("after", "n", side_effect());
    cr_assert_eq(g_evaluated, 1);
    cr_assert_not(otelc_log_enabled(otelc_logger_root(), OTELC_LOG_FATAL));
}

Test(api, thresholds_from_configuration) {
    const char *kv[] = {"LOG_LEVEL", "WARNING", "LOG_LEVELS",
                        "db=DEBUG, db.pool=error,http=trace", NULL};
    log_init(kv);
    otelc_logger *root = otelc_logger_root();
    otelc_logger *db = otelc_logger_get("db");
    cr_assert_eq(otelc_logger_get("db"), db, "same name, same logger");
    cr_assert_str_eq(otelc_logger_name(db), "db");
    cr_assert_eq(otelc_logger_get_level(root), OTELC_LOG_WARN);
    cr_assert_eq(otelc_logger_get_level(db), OTELC_LOG_DEBUG);
    cr_assert_eq(otelc_logger_get_level(otelc_logger_get("db.query")),
                 OTELC_LOG_DEBUG, "a child inherits its prefix");
    cr_assert_eq(otelc_logger_get_level(otelc_logger_get("db.pool")),
                 OTELC_LOG_ERROR, "the longest prefix wins");
    cr_assert_eq(otelc_logger_get_level(otelc_logger_get("db.pool.x")),
                 OTELC_LOG_ERROR);
    cr_assert_eq(otelc_logger_get_level(otelc_logger_get("db.poolside")),
                 OTELC_LOG_DEBUG, "prefixes end at a dot");
    cr_assert_eq(otelc_logger_get_level(otelc_logger_get("dbx")),
                 OTELC_LOG_WARN);
    cr_assert(otelc_log_enabled(otelc_logger_get("http"), OTELC_LOG_TRACE));
    cr_assert_not(otelc_log_enabled(root, OTELC_LOG_INFO));
    cr_assert_eq(otelc_logger_get(NULL), root);
    cr_assert_eq(otelc_logger_get(""), root);
}

Test(api, explicit_level_survives_reinit) {
    otelc_logger *lg = otelc_logger_get("component");
    otelc_logger_set_level(lg, OTELC_LOG_ERROR);
    log_init(NULL);
    cr_assert_not(otelc_log_enabled(lg, OTELC_LOG_WARN));
    cr_assert(otelc_log_enabled(lg, OTELC_LOG_ERROR));
    otelc_shutdown(1000);
    log_init(NULL);
    cr_assert_not(otelc_log_enabled(lg, OTELC_LOG_WARN));
    otelc_logger_set_level(lg, OTELC_LOG_INHERIT);
    cr_assert(otelc_log_enabled(lg, OTELC_LOG_INFO), "back to LOG_LEVEL");
    otelc_logger_set_level(lg, OTELC_LOG_OFF);
    cr_assert_not(otelc_log_enabled(lg, OTELC_LOG_FATAL));
}

Test(api, record_data_model) {
    const char *kv[] = {"OTEL_SERVICE_NAME", "model-svc", "LOG_LEVEL", "TRACE",
                        NULL};
    mem_logs *m = init_mem(kv);
    otelc_logger *lg = otelc_logger_get("payments");
    otelc_time_ns t0 = otelc_now_ns();
    OTELC_LOGGER_DEBUG(lg, "charged", "amount", 12.5, "cents", 1250, "currency",
                       "EUR", "ok", (bool)1);
    OTELC_LOG_TRACE("t");
    OTELC_LOG_INFO("i");
    OTELC_LOG_WARN("w");
    OTELC_LOG_ERROR("e");
    int64_t arr[3] = {1, 2, 3};
    otelc_attribute a[] = {OTELC_ATTR_INT_ARRAY("arr", arr, 3),
                           {NULL, {OTELC_VALUE_INT, 0, {.i = 1}}},
                           {"", {OTELC_VALUE_INT, 0, {.i = 1}}},
                           OTELC_ATTR_STR("s", "v")};
    otelc_log_emit(NULL, OTELC_LOG_INFO, NULL, a, 4);
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 6);
    const otelc_log_record_data *r = mem_logs_get(m, 0);
    cr_assert_eq(r->severity_number, OTELC_LOG_DEBUG);
    cr_assert_str_eq(r->severity_text, "DEBUG");
    cr_assert_str_eq(r->body, "charged");
    cr_assert_eq(r->body_len, 7);
    cr_assert_str_eq(r->scope->name, "payments");
    cr_assert_str_eq(otelc_resource_service_name(r->resource), "model-svc");
    cr_assert_geq(r->timestamp, t0);
    cr_assert_eq(r->observed_timestamp, r->timestamp);
    cr_assert_not(otelc_span_context_is_valid(&r->span_context));
    cr_assert_eq(r->attribute_count, 4);
    cr_assert_eq(rec_attr(r, "amount")->type, OTELC_VALUE_DOUBLE);
    cr_assert_float_eq(rec_attr(r, "amount")->u.d, 12.5, 1e-12);
    cr_assert_eq(rec_attr(r, "cents")->type, OTELC_VALUE_INT);
    cr_assert_eq(rec_attr(r, "cents")->u.i, 1250);
    cr_assert_eq(rec_attr(r, "currency")->type, OTELC_VALUE_STRING);
    cr_assert_str_eq(rec_attr(r, "currency")->u.s, "EUR");
    cr_assert_eq(rec_attr(r, "currency")->len, 3);
    cr_assert_eq(rec_attr(r, "ok")->type, OTELC_VALUE_BOOL);
    cr_assert(rec_attr(r, "ok")->u.b);
    static const char *const texts[] = {"TRACE", "INFO", "WARN", "ERROR"};
    static const int nums[] = {1, 9, 13, 17};
    for (int i = 0; i < 4; i++) {
        r = mem_logs_get(m, (size_t)i + 1);
        cr_assert_eq(r->severity_number, nums[i]);
        cr_assert_str_eq(r->severity_text, texts[i]);
        cr_assert_str_eq(r->scope->name, "root");
    }
    r = mem_logs_get(m, 5);
    cr_assert_str_eq(r->body, "");
    cr_assert_eq(r->attribute_count, 2, "empty and NULL keys skipped");
    const otelc_value *v = rec_attr(r, "arr");
    cr_assert_eq(v->type, OTELC_VALUE_INT_ARRAY);
    cr_assert_eq(v->len, 3);
    cr_assert_eq(v->u.ia[2], 3);
}

Test(api, sampling_per_level) {
    const char *kv[] = {"LOG_LEVEL",
                        "DEBUG",
                        "LOG_SAMPLING",
                        "DEBUG=0.1",
                        "OTEL_BLRP_MAX_QUEUE_SIZE",
                        "16384",
                        NULL};
    mem_logs *m = init_mem(kv);
    for (int i = 0; i < 10000; i++)
        OTELC_LOG_DEBUG("sampled");
    for (int i = 0; i < 100; i++)
        OTELC_LOG_WARN("always");
    otelc_log_flush(5000);
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    size_t kept = mem_logs_count(m) - 100;
    /* Binomial(10000, 0.1): sd 30, so +-300 is 10 sd. */
    cr_assert(kept > 700 && kept < 1300, "kept %zu debug records", kept);
    cr_assert_eq(st.sampled_out, 10000 - kept);
    /* Per logger, and 0 keeps none. */
    otelc_logger *quiet = otelc_logger_get("quiet");
    cr_assert_eq(otelc_log_set_sample_rate(quiet, OTELC_LOG_WARN, 0.0),
                 OTELC_OK);
    cr_assert_eq(otelc_log_set_sample_rate(NULL, OTELC_LOG_WARN, 1.5),
                 OTELC_EINVAL);
    size_t before = mem_logs_count(m);
    for (int i = 0; i < 100; i++)
        OTELC_LOGGER_WARN(quiet, "never");
    OTELC_LOG_WARN("root still logs");
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), before + 1);
}

/* The guide's ConditionalLogger: debug only for slow queries, info only
 * for some users. */
static bool slow_only(const otelc_log_filter_input *r, void *arg) {
    (void)arg;
    const otelc_value *v =
        otelc_log_field_find(r->fields, r->field_count, "duration_ms");
    return v && v->type == OTELC_VALUE_INT && v->u.i > 100;
}
static bool some_users(const otelc_log_filter_input *r, void *arg) {
    const char *const *users = arg;
    const otelc_value *v =
        otelc_log_field_find(r->fields, r->field_count, "user_id");
    if (!v || v->type != OTELC_VALUE_STRING)
        return false;
    for (int i = 0; users[i]; i++)
        if (!strcmp(v->u.s, users[i]))
            return true;
    return false;
}

Test(api, predicate_filters) {
    const char *kv[] = {"LOG_LEVEL", "DEBUG", NULL};
    mem_logs *m = init_mem(kv);
    static const char *const users[] = {"admin", "test_user", NULL};
    cr_assert_eq(otelc_log_add_filter(NULL, OTELC_LOG_MASK(OTELC_LOG_DEBUG),
                                      slow_only, NULL),
                 OTELC_OK);
    otelc_logger *auth = otelc_logger_get("auth");
    cr_assert_eq(otelc_log_add_filter(auth, OTELC_LOG_MASK(OTELC_LOG_INFO),
                                      some_users, (void *)users),
                 OTELC_OK);
    cr_assert_eq(otelc_log_add_filter(NULL, 0, slow_only, NULL), OTELC_EINVAL);
    OTELC_LOG_DEBUG("query", "duration_ms", 50);          /* filtered */
    OTELC_LOG_DEBUG("query", "duration_ms", 150);         /* kept */
    OTELC_LOG_INFO("not a debug record");                 /* kept: mask */
    OTELC_LOGGER_INFO(auth, "login", "user_id", "john");  /* filtered */
    OTELC_LOGGER_INFO(auth, "login", "user_id", "admin"); /* kept */
    OTELC_LOGGER_WARN(auth, "warn", "user_id", "john");   /* kept: mask */
    OTELC_LOGGER_DEBUG(auth, "dbg", "duration_ms", 1); /* filtered (global) */
    otelc_log_flush(5000);
    cr_assert_eq(mem_logs_count(m), 4);
    cr_assert_str_eq(mem_logs_get(m, 1)->body, "not a debug record");
    cr_assert_str_eq(rec_attr(mem_logs_get(m, 2), "user_id")->u.s, "admin");
    otelc_log_stats st;
    otelc_log_get_stats(&st);
    cr_assert_eq(st.filtered_out, 3);
    otelc_log_clear_filters(NULL);
    otelc_log_clear_filters(auth);
    OTELC_LOG_DEBUG("query", "duration_ms", 1);
    OTELC_LOGGER_INFO(auth, "login", "user_id", "john");
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 6);
}

Test(api, bad_configuration_diagnosed) {
    diag_capture_start();
    setenv("LOG_LEVEL", "LOUD", 1);
    setenv("LOG_LEVELS", "db=DEBUG,http", 1);
    setenv("LOG_SAMPLING", "DEBUG=2", 1);
    setenv("SYSLOG_PROTOCOL", "sctp", 1);
    setenv("LOG_MAX_SIZE", "ten megabytes", 1);
    setenv("LOG_BACKUP_COUNT", "-1", 1);
    setenv("LOG_QUEUE_FULL_WAIT_MS", "forever", 1);
    setenv("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "4096", 1);
    setenv("OTEL_BLRP_MAX_QUEUE_SIZE", "100", 1);
    log_init(NULL);
    cr_assert_eq(diag_count("LOG_LEVEL=\"LOUD\"", "INFO", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(diag_count("LOG_LEVELS=\"db=DEBUG,http\"", "no '='", NULL), 1,
                 "%s", diag_captured());
    cr_assert_eq(diag_count("LOG_SAMPLING=\"DEBUG=2\"", "bad value", NULL), 1,
                 "%s", diag_captured());
    cr_assert_eq(diag_count("SYSLOG_PROTOCOL=\"sctp\"", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(diag_count("LOG_MAX_SIZE=\"ten megabytes\"", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(diag_count("LOG_BACKUP_COUNT=\"-1\"", NULL), 1, "%s",
                 diag_captured());
    cr_assert_eq(diag_count("LOG_QUEUE_FULL_WAIT_MS=\"forever\"", NULL), 1,
                 "%s", diag_captured());
    cr_assert_geq(diag_count("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE=4096", NULL), 1,
                  "%s", diag_captured());
    /* Defaults (or the valid part) are in force. */
    cr_assert_eq(otelc_logger_get_level(otelc_logger_root()), OTELC_LOG_INFO);
    cr_assert_eq(otelc_logger_get_level(otelc_logger_get("db")),
                 OTELC_LOG_DEBUG, "members before the bad one apply");
    otelc_shutdown(1000);
}

Test(api, unknown_and_unbuilt_exporters) {
    diag_capture_start();
    otelc_status st;
    cr_assert_null(otelc_log_exporter_create("carrier-pigeon", &st));
    cr_assert_eq(st, OTELC_ENOTFOUND);
    cr_assert_null(otelc_log_exporter_create("none", &st));
    cr_assert_eq(st, OTELC_OK);
    cr_assert_null(otelc_log_exporter_create("console", &st));
    cr_assert_eq(st, OTELC_OK);
    cr_assert_eq(diag_count("unknown log exporter", "carrier-pigeon", NULL), 1);
    /* Adding to a pipeline that is not running frees the exporter. */
    static mem_logs *m; /* the test's store outlives the freed exporter */
    cr_assert_eq(otelc_log_add_exporter(mem_logs_new(&m)), OTELC_ESTATE);
    cr_assert_eq(otelc_log_add_exporter(NULL), OTELC_EINVAL);
}

Test(api, out_of_range_levels_ignored) {
    mem_logs *m = init_mem(NULL);
    otelc_log_emit(NULL, (otelc_log_level)0, "zero", NULL, 0);
    otelc_log_emit(NULL, (otelc_log_level)25, "25", NULL, 0);
    otelc_log_emit(NULL, OTELC_LOG_OFF, "off", NULL, 0);
    otelc_log_emit(NULL, (otelc_log_level)24, "24 is FATAL's range", NULL, 0);
    otelc_log_emit(NULL, OTELC_LOG_WARN, "fields NULL", NULL, 3);
    otelc_shutdown(5000);
    cr_assert_eq(mem_logs_count(m), 2);
    cr_assert_str_eq(mem_logs_get(m, 0)->severity_text, "FATAL");
    cr_assert_eq(mem_logs_get(m, 0)->severity_number, 24);
    cr_assert_eq(mem_logs_get(m, 1)->attribute_count, 0);
}
