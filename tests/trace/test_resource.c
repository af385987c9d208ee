/*
 * tests/trace/test_resource.c - resource detection (sdk/resource.c):
 * service.name and its default, OTEL_RESOURCE_ATTRIBUTES with
 * percent-decoding and whole-value rejection, the priority of code over
 * environment, the SDK/host/process attributes and key order.
 *
 * Each test runs in its own process (Criterion), so setenv() is safe; the
 * configuration is reloaded after changing the environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdk/config_int.h"
#include "support/test_support.h"

static void reload(void) {
    otelc__config_reset();
    diag_capture_start();
    otelc__config_load(NULL);
}

static const char *str_attr(const otelc_resource *r, const char *key) {
    const otelc_value *v = otelc_resource_get(r, key);
    if (!v)
        return NULL;
    cr_assert_eq(v->type, OTELC_VALUE_STRING, "%s is not a string", key);
    return v->u.s;
}

/* Diagnostics with their levels, to check that a malformed value is an
 * error, not a warning. */
static otelc_diag_level g_levels[32];
static char g_msgs[32][1024];
static int g_n;

static void level_handler(otelc_diag_level level, const char *msg, void *ud) {
    (void)ud;
    if (g_n < 32) {
        g_levels[g_n] = level;
        snprintf(g_msgs[g_n], sizeof g_msgs[g_n], "%s", msg);
        g_n++;
    }
}

Test(resource, default_service_name_is_unknown_service_and_executable) {
    unsetenv("OTEL_SERVICE_NAME");
    unsetenv("OTEL_RESOURCE_ATTRIBUTES");
    reload();
    otelc_resource *r = otelc_resource_default();
    cr_assert_str_eq(otelc_resource_service_name(r),
                     "unknown_service:test_trace_resource");
    cr_assert_str_eq(str_attr(r, "process.executable.name"),
                     "test_trace_resource");
    otelc_resource_free(r);
}

Test(resource, otel_service_name) {
    setenv("OTEL_SERVICE_NAME", "checkout", 1);
    reload();
    otelc_resource *r = otelc_resource_default();
    cr_assert_str_eq(otelc_resource_service_name(r), "checkout");
    cr_assert_str_eq(str_attr(r, "service.name"), "checkout");
    otelc_resource_free(r);
}

Test(resource, service_name_from_dotenv) {
    const char *dir = test_tmpdir();
    cr_assert_eq(chdir(dir), 0);
    FILE *f = fopen(".env", "w");
    cr_assert_not_null(f);
    fputs("OTEL_SERVICE_NAME=\"from dotenv\"\n", f);
    fclose(f);
    reload();
    otelc_resource *r = otelc_resource_default();
    cr_assert_str_eq(otelc_resource_service_name(r), "from dotenv");
    otelc_resource_free(r);
}

Test(resource, resource_attributes_are_percent_decoded) {
    setenv("OTEL_RESOURCE_ATTRIBUTES",
           "k=v%2Cw,x=%3D, deployment.environment = prod ,"
           "team=caf%C3%A9%20ops",
           1);
    reload();
    otelc_resource *r = otelc_resource_default();
    cr_assert_str_eq(str_attr(r, "k"), "v,w");
    cr_assert_str_eq(str_attr(r, "x"), "=");
    cr_assert_str_eq(str_attr(r, "deployment.environment"), "prod");
    cr_assert_str_eq(str_attr(r, "team"), "caf\xc3\xa9 ops");
    cr_assert_eq(diag_count("", NULL), 0, "%s", diag_captured());
    otelc_resource_free(r);
}

Test(resource, malformed_resource_attributes_are_discarded_whole) {
    static const char *const bad[] = {
        "good=1,bad",       /* a member without '=' */
        "good=1,bad=%zz",   /* a bad escape */
        "good=1,bad=%4",    /* a truncated escape */
        "good=1,=nokey",    /* an empty key */
        "good=1,nul=a%00b", /* a NUL */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("OTEL_RESOURCE_ATTRIBUTES", bad[i], 1);
        reload();
        g_n = 0;
        otelc_diag_set_handler(level_handler, NULL);
        otelc_resource *r = otelc_resource_default();
        otelc_diag_set_handler(NULL, NULL);
        cr_assert_null(otelc_resource_get(r, "good"),
                       "%s: part of a malformed value was kept", bad[i]);
        cr_assert_null(otelc_resource_get(r, "bad"));
        /* The rest of the resource is intact. */
        cr_assert_str_eq(str_attr(r, "telemetry.sdk.name"), "otelc");
        int errors = 0;
        char shown[128];
        snprintf(shown, sizeof shown, "OTEL_RESOURCE_ATTRIBUTES=\"%s\"",
                 bad[i]);
        for (int j = 0; j < g_n; j++)
            if (g_levels[j] == OTELC_DIAG_ERROR && strstr(g_msgs[j], shown) &&
                strstr(g_msgs[j], "; using none of its attributes"))
                errors++;
        cr_assert_eq(errors, 1, "%s: %d error lines (of %d)", bad[i], errors,
                     g_n);
        otelc_resource_free(r);
    }
}

Test(resource, service_name_from_resource_attributes) {
    unsetenv("OTEL_SERVICE_NAME");
    setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=billing,a=b", 1);
    reload();
    otelc_resource *r = otelc_resource_default();
    cr_assert_str_eq(otelc_resource_service_name(r), "billing");
    otelc_resource_free(r);
}

Test(resource, otel_service_name_wins_over_resource_attributes) {
    setenv("OTEL_SERVICE_NAME", "from-service-name", 1);
    setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,a=b", 1);
    reload();
    otelc_resource *r = otelc_resource_default();
    cr_assert_str_eq(otelc_resource_service_name(r), "from-service-name");
    cr_assert_str_eq(str_attr(r, "a"), "b");
    otelc_resource_free(r);
}

Test(resource, code_attributes_win_over_environment) {
    setenv("OTEL_SERVICE_NAME", "env-name", 1);
    setenv("OTEL_RESOURCE_ATTRIBUTES", "region=eu,tier=env", 1);
    reload();
    otelc_attribute attrs[] = {
        OTELC_ATTR_STR("service.name", "code-name"),
        OTELC_ATTR_STR("tier", "code"),
        OTELC_ATTR_INT("shard", 7),
        OTELC_ATTR_BOOL("canary", true),
        OTELC_ATTR_DOUBLE("weight", 0.5),
        OTELC_ATTR_STR("telemetry.sdk.language", "c-custom"),
    };
    otelc_resource *r = otelc_resource_new(attrs, 6);
    cr_assert_str_eq(otelc_resource_service_name(r), "code-name");
    cr_assert_str_eq(str_attr(r, "tier"), "code");
    cr_assert_str_eq(str_attr(r, "region"), "eu");
    cr_assert_str_eq(str_attr(r, "telemetry.sdk.language"), "c-custom");
    const otelc_value *v = otelc_resource_get(r, "shard");
    cr_assert(v && v->type == OTELC_VALUE_INT && v->u.i == 7);
    v = otelc_resource_get(r, "canary");
    cr_assert(v && v->type == OTELC_VALUE_BOOL && v->u.b);
    v = otelc_resource_get(r, "weight");
    cr_assert(v && v->type == OTELC_VALUE_DOUBLE && v->u.d == 0.5);
    otelc_resource_free(r);
}

Test(resource, code_strings_are_copied) {
    reload();
    char name[] = "copied";
    otelc_attribute a[] = {OTELC_ATTR_STR("service.name", name)};
    otelc_resource *r = otelc_resource_new(a, 1);
    name[0] = 'X';
    cr_assert_str_eq(otelc_resource_service_name(r), "copied");
    otelc_resource_free(r);
}

Test(resource, sdk_host_and_process_attributes) {
    reload();
    otelc_resource *r = otelc_resource_default();
    cr_assert_str_eq(str_attr(r, "telemetry.sdk.name"), "otelc");
    cr_assert_str_eq(str_attr(r, "telemetry.sdk.language"), "c");
    cr_assert_str_eq(str_attr(r, "telemetry.sdk.version"), otelc_version());
    char host[256];
    cr_assert_eq(gethostname(host, sizeof host), 0);
    cr_assert_str_eq(str_attr(r, "host.name"), host);
    const otelc_value *pid = otelc_resource_get(r, "process.pid");
    cr_assert_not_null(pid);
    cr_assert_eq(pid->type, OTELC_VALUE_INT);
    cr_assert_eq(pid->u.i, (int64_t)getpid());
    otelc_resource_free(r);
}

Test(resource, attributes_are_sorted_by_key) {
    setenv("OTEL_RESOURCE_ATTRIBUTES", "zeta=1,alpha=2,mid.key=3,Upper=4", 1);
    reload();
    otelc_attribute a[] = {OTELC_ATTR_STR("aa.code", "x"),
                           OTELC_ATTR_STR("zz.code", "y")};
    otelc_resource *r = otelc_resource_new(a, 2);
    size_t n = 0;
    const otelc_attribute *attrs = otelc_resource_attributes(r, &n);
    cr_assert_geq(n, 12);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(strcmp(attrs[i - 1].key, attrs[i].key), 0, "%s before %s",
                     attrs[i - 1].key, attrs[i].key);
    otelc_resource_free(r);
}

Test(resource, provider_uses_the_environment_resource) {
    setenv("OTEL_SERVICE_NAME", "provider-svc", 1);
    setenv("OTEL_RESOURCE_ATTRIBUTES", "a=1", 1);
    reload();
    otelc_tracer_provider *p = otelc_tracer_provider_new(NULL, NULL);
    cr_assert_not_null(p);
    const otelc_resource *r = otelc_tracer_provider_resource(p);
    cr_assert_str_eq(otelc_resource_service_name(r), "provider-svc");
    cr_assert_str_eq(str_attr(r, "a"), "1");
    otelc_tracer_provider_free(p);
}

Test(resource, null_and_missing_keys) {
    reload();
    otelc_resource *r = otelc_resource_new(NULL, 0);
    cr_assert_null(otelc_resource_get(r, "no.such.key"));
    cr_assert_null(otelc_resource_get(r, NULL));
    cr_assert_null(otelc_resource_get(NULL, "service.name"));
    size_t n = 99;
    cr_assert_null(otelc_resource_attributes(NULL, &n));
    cr_assert_eq(n, 0);
    cr_assert_str_eq(otelc_resource_service_name(NULL), "unknown_service");
    otelc_attribute a[] = {OTELC_ATTR_STR("", "empty key ignored"),
                           OTELC_ATTR_STR(NULL, "null key ignored")};
    otelc_resource *r2 = otelc_resource_new(a, 2);
    size_t n1, n2;
    otelc_resource_attributes(r, &n1);
    otelc_resource_attributes(r2, &n2);
    cr_assert_eq(n1, n2);
    otelc_resource_free(r);
    otelc_resource_free(r2);
    otelc_resource_free(NULL);
}

Test(resource, array_values_from_code_are_dropped_with_a_diagnostic) {
    reload();
    static const char *const items[] = {"a", "b"};
    otelc_attribute a[] = {
        {"list", {OTELC_VALUE_STRING_ARRAY, 2, {.sa = items}}},
        OTELC_ATTR_STR("kept", "yes"),
    };
    diag_capture_start();
    otelc_resource *r = otelc_resource_new(a, 2);
    cr_assert_null(otelc_resource_get(r, "list"));
    cr_assert_str_eq(str_attr(r, "kept"), "yes");
    cr_assert_eq(diag_count("list", "only string, bool, int and double", NULL),
                 1, "%s", diag_captured());
    otelc_resource_free(r);
}
