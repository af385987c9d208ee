/*
 * tests/errors/test_alerts.c - alert rules and channels: the state machine
 * driven with explicit evaluation times (a rule never fires before its
 * for-duration; pending resets; resolve; repeats rate-limited), the
 * background worker, and the channels against real local peers: a
 * Slack-compatible webhook receiver (webhook_server.py), an SMTP server
 * (Debian's aiosmtpd, smtp_server.py) and the log; a failing or hung
 * channel is logged and counted and never holds the others.
 */
#include <math.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors/errors_util.h"

#define S(sec) ((otelc_time_ns)(sec)*1000000000ull)
#define T0 S(1700000000)

/* ---- an in-memory channel
 * ----------------------------------------------------- */

typedef struct got {
    char rule[64];
    otelc_alert_state state;
    bool repeat;
    double value, threshold;
    otelc_time_ns time, since;
    char labels[128];
} got;

typedef struct memch {
    pthread_mutex_t lock;
    got g[64];
    int n;
    int fail; /* > 0: that many sends fail for good */
} memch;

static otelc_export_result mem_send(void *st, const otelc_alert_notification *n,
                                    otelc_export_context *ctx, char *why,
                                    size_t cap) {
    (void)ctx;
    memch *m = st;
    pthread_mutex_lock(&m->lock);
    if (m->fail > 0) {
        m->fail--;
        pthread_mutex_unlock(&m->lock);
        snprintf(why, cap, "memory channel told to fail");
        return OTELC_EXPORT_FAILURE;
    }
    if (m->n < 64) {
        got *g = &m->g[m->n++];
        snprintf(g->rule, sizeof g->rule, "%s", n->rule);
        g->state = n->state;
        g->repeat = n->repeat;
        g->value = n->value;
        g->threshold = n->threshold;
        g->time = n->time;
        g->since = n->active_since;
        g->labels[0] = '\0';
        for (size_t i = 0; i < n->label_count; i++) {
            size_t l = strlen(g->labels);
            snprintf(g->labels + l, sizeof g->labels - l, "%s=%s;",
                     n->labels[i].key, n->labels[i].value.u.s);
        }
    }
    pthread_mutex_unlock(&m->lock);
    return OTELC_EXPORT_SUCCESS;
}

static void mem_free(void *st) {
    memch *m = st;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* The manager frees the channel's state with the channel. */
static const otelc_alert_channel_ops mem_ops = {"memory", mem_send, mem_free};

static memch *memch_new(void) {
    memch *m = calloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

static int memch_count(memch *m) {
    pthread_mutex_lock(&m->lock);
    int n = m->n;
    pthread_mutex_unlock(&m->lock);
    return n;
}

static bool memch_wait(memch *m, int n, int timeout_ms) {
    double end = mono_ms() + timeout_ms;
    while (mono_ms() < end) {
        if (memch_count(m) >= n)
            return true;
        usleep(5000);
    }
    return memch_count(m) >= n;
}

/* A value the tests set. */
typedef struct knob {
    _Atomic int have;
    double v;
    pthread_mutex_t lock;
} knob;

static bool knob_read(void *arg, otelc_time_ns now, double *v) {
    (void)now;
    knob *k = arg;
    pthread_mutex_lock(&k->lock);
    *v = k->v;
    bool have = atomic_load(&k->have);
    pthread_mutex_unlock(&k->lock);
    return have;
}

static void knob_set(knob *k, double v) {
    pthread_mutex_lock(&k->lock);
    k->v = v;
    atomic_store(&k->have, 1);
    pthread_mutex_unlock(&k->lock);
}

static otelc_alert_manager *manager(int64_t repeat_ms, memch **mc) {
    otelc_alert_manager_options o = {.evaluation_interval_ms = 3600000,
                                     .repeat_interval_ms = repeat_ms,
                                     .channel_timeout_ms = 2000};
    otelc_alert_manager *m = otelc_alert_manager_new(&o);
    cr_assert_not_null(m);
    *mc = memch_new();
    cr_assert_eq(otelc_alert_manager_add_channel(
                     m, otelc_alert_channel_new(&mem_ops, *mc)),
                 OTELC_OK);
    return m;
}

static otelc_alert_state state_of(otelc_alert_manager *m, const char *name) {
    otelc_alert_rule_status st;
    cr_assert_eq(otelc_alert_manager_rule_status(m, name, &st), OTELC_OK);
    return st.state;
}

static int eval_and_count(otelc_alert_manager *m, memch *mc, otelc_time_ns t) {
    cr_assert_eq(otelc_alert_manager_evaluate(m, t), OTELC_OK);
    cr_assert_eq(otelc_alert_manager_flush(m, 5000), OTELC_OK);
    return memch_count(mc);
}

/* ---- the state machine
 * ------------------------------------------------------------ */

Test(alerts, fires_only_after_the_for_duration_then_resolves) {
    memch *mc;
    otelc_alert_manager *m = manager(3600000, &mc);
    knob k = {.lock = PTHREAD_MUTEX_INITIALIZER};
    otelc_attribute labels[] = {OTELC_ATTR_STR("team", "payments"),
                                OTELC_ATTR_INT("shard", 3)};
    otelc_alert_rule r = {.name = "cpu_usage",
                          .value_fn = knob_read,
                          .value_arg = &k,
                          .op = OTELC_ALERT_GT,
                          .threshold = 80,
                          .for_ms = 300000, /* 5 minutes */
                          .labels = labels,
                          .label_count = 2};
    cr_assert_eq(otelc_alert_manager_add_rule(m, &r), OTELC_OK);
    cr_assert_eq(otelc_alert_manager_add_rule(m, &r), OTELC_EEXIST);

    knob_set(&k, 50);
    cr_assert_eq(eval_and_count(m, mc, T0), 0);
    cr_assert_eq(state_of(m, "cpu_usage"), OTELC_ALERT_INACTIVE);
    knob_set(&k, 93.5);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(15)), 0);
    cr_assert_eq(state_of(m, "cpu_usage"), OTELC_ALERT_PENDING);
    /* Held for 4 min 59 s: still only pending. */
    for (int s = 30; s < 315; s += 15)
        cr_assert_eq(eval_and_count(m, mc, T0 + S(s)), 0, "fired at +%d s", s);
    cr_assert_eq(state_of(m, "cpu_usage"), OTELC_ALERT_PENDING);
    /* 5 minutes after it started to hold: firing, one notification. */
    cr_assert_eq(eval_and_count(m, mc, T0 + S(315)), 1);
    cr_assert_eq(state_of(m, "cpu_usage"), OTELC_ALERT_FIRING);
    got *g = &mc->g[0];
    cr_assert_str_eq(g->rule, "cpu_usage");
    cr_assert_eq(g->state, OTELC_ALERT_FIRING);
    cr_assert_not(g->repeat);
    cr_assert_eq(g->value, 93.5);
    cr_assert_eq(g->threshold, 80);
    cr_assert_eq(g->time, T0 + S(315));
    cr_assert_eq(g->since, T0 + S(15));
    cr_assert_str_eq(g->labels, "team=payments;shard=3;");
    /* Still firing: no repeat before the repeat interval. */
    cr_assert_eq(eval_and_count(m, mc, T0 + S(330)), 1);
    /* Back under the threshold: resolved. */
    knob_set(&k, 10);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(345)), 2);
    cr_assert_eq(mc->g[1].state, OTELC_ALERT_RESOLVED);
    cr_assert_eq(mc->g[1].value, 10);
    cr_assert_eq(state_of(m, "cpu_usage"), OTELC_ALERT_RESOLVED);
    otelc_alert_manager_free(m);
}

Test(alerts, pending_resets_when_the_condition_breaks) {
    memch *mc;
    otelc_alert_manager *m = manager(3600000, &mc);
    knob k = {.lock = PTHREAD_MUTEX_INITIALIZER};
    otelc_alert_rule r = {.name = "error_rate",
                          .value_fn = knob_read,
                          .value_arg = &k,
                          .threshold = 0.05,
                          .for_ms = 60000};
    otelc_alert_manager_add_rule(m, &r);
    knob_set(&k, 0.2);
    eval_and_count(m, mc, T0);
    eval_and_count(m, mc, T0 + S(45));
    knob_set(&k, 0.01); /* breaks before the minute is up */
    eval_and_count(m, mc, T0 + S(50));
    cr_assert_eq(state_of(m, "error_rate"), OTELC_ALERT_INACTIVE);
    knob_set(&k, 0.2);
    eval_and_count(m, mc, T0 + S(55));
    /* 65 s after the first breach, but only 10 s of this one. */
    cr_assert_eq(eval_and_count(m, mc, T0 + S(65)), 0);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(115)), 1);
    /* No value counts as "does not hold": the alert resolves. */
    atomic_store(&k.have, 0);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(120)), 2);
    cr_assert_eq(mc->g[1].state, OTELC_ALERT_RESOLVED);
    cr_assert(isnan(mc->g[1].value));
    otelc_alert_manager_free(m);
}

Test(alerts, repeats_and_flapping_are_rate_limited) {
    memch *mc;
    otelc_alert_manager *m = manager(600000, &mc); /* repeat every 10 min */
    knob k = {.lock = PTHREAD_MUTEX_INITIALIZER};
    otelc_alert_rule r = {.name = "disk",
                          .value_fn = knob_read,
                          .value_arg = &k,
                          .op = OTELC_ALERT_GE,
                          .threshold = 90};
    otelc_alert_manager_add_rule(m, &r);
    knob_set(&k, 90); /* for 0: fires at the first evaluation */
    cr_assert_eq(eval_and_count(m, mc, T0), 1);
    for (int s = 15; s < 600; s += 15)
        cr_assert_eq(eval_and_count(m, mc, T0 + S(s)), 1);
    /* Ten minutes on: one reminder. */
    cr_assert_eq(eval_and_count(m, mc, T0 + S(600)), 2);
    cr_assert(mc->g[1].repeat);
    /* Flapping: resolve (notified), fire again within the interval
     * (suppressed), resolve again (nothing: not notified). */
    knob_set(&k, 10);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(615)), 3);
    knob_set(&k, 95);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(630)), 3);
    knob_set(&k, 10);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(645)), 3);
    knob_set(&k, 95);
    cr_assert_eq(eval_and_count(m, mc, T0 + S(660)), 3);
    otelc_alert_rule_status st;
    otelc_alert_manager_rule_status(m, "disk", &st);
    cr_assert_eq(st.suppressed, 2);
    /* Still firing when the interval has passed: notified then. */
    cr_assert_eq(eval_and_count(m, mc, T0 + S(1200)), 4);
    cr_assert_eq(mc->g[3].state, OTELC_ALERT_FIRING);
    cr_assert_not(mc->g[3].repeat);
    otelc_alert_manager_free(m);
}

static bool const_value(void *arg, otelc_time_ns now, double *v) {
    (void)now;
    *v = *(double *)arg;
    return true;
}

Test(alerts, comparisons) {
    memch *mc;
    otelc_alert_manager *m = manager(0, &mc);
    static double five = 5;
    static const struct {
        otelc_alert_op op;
        double t;
        bool fires;
    } c[] = {{OTELC_ALERT_GT, 5, false}, {OTELC_ALERT_GE, 5, true},
             {OTELC_ALERT_LT, 6, true},  {OTELC_ALERT_LE, 4, false},
             {OTELC_ALERT_EQ, 5, true},  {OTELC_ALERT_NE, 5, false}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char name[16];
        snprintf(name, sizeof name, "r%zu", i);
        otelc_alert_rule r = {.name = name,
                              .value_fn = const_value,
                              .value_arg = &five,
                              .op = c[i].op,
                              .threshold = c[i].t};
        cr_assert_eq(otelc_alert_manager_add_rule(m, &r), OTELC_OK);
    }
    otelc_alert_manager_evaluate(m, T0);
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char name[16];
        snprintf(name, sizeof name, "r%zu", i);
        cr_assert_eq(state_of(m, name) == OTELC_ALERT_FIRING, c[i].fires, "%s",
                     name);
    }
    /* Bad rules. */
    otelc_alert_rule bad = {.name = "x", .threshold = 1};
    cr_assert_eq(otelc_alert_manager_add_rule(m, &bad), OTELC_EINVAL);
    bad.value_fn = const_value;
    bad.threshold = NAN;
    cr_assert_eq(otelc_alert_manager_add_rule(m, &bad), OTELC_EINVAL);
    cr_assert_eq(otelc_alert_manager_remove_rule(m, "r0"), OTELC_OK);
    cr_assert_eq(otelc_alert_manager_remove_rule(m, "r0"), OTELC_ENOTFOUND);
    otelc_alert_manager_free(m);
}

Test(alerts, background_worker_fires_and_resolves, .timeout = 30) {
    otelc_alert_manager_options o = {.evaluation_interval_ms = 20,
                                     .repeat_interval_ms = 3600000,
                                     .channel_timeout_ms = 2000};
    otelc_alert_manager *m = otelc_alert_manager_new(&o);
    memch *mc = memch_new();
    otelc_alert_manager_add_channel(m, otelc_alert_channel_new(&mem_ops, mc));
    knob k = {.lock = PTHREAD_MUTEX_INITIALIZER};
    knob_set(&k, 1);
    otelc_alert_rule r = {.name = "queue_backlog",
                          .value_fn = knob_read,
                          .value_arg = &k,
                          .threshold = 100,
                          .for_ms = 100};
    otelc_alert_manager_add_rule(m, &r);
    cr_assert_eq(otelc_alert_manager_start(m), OTELC_OK);
    knob_set(&k, 500);
    cr_assert(memch_wait(mc, 1, 10000), "never fired");
    /* The for-duration was respected by the worker too. */
    cr_assert_geq(mc->g[0].time - mc->g[0].since, 100000000u);
    knob_set(&k, 0);
    cr_assert(memch_wait(mc, 2, 10000), "never resolved");
    cr_assert_eq(mc->g[1].state, OTELC_ALERT_RESOLVED);
    cr_assert_eq(otelc_alert_manager_shutdown(m, 2000), OTELC_OK);
    cr_assert_eq(otelc_alert_manager_shutdown(m, 2000), OTELC_ESHUTDOWN);
    cr_assert_eq(otelc_alert_manager_evaluate(m, 0), OTELC_ESHUTDOWN);
    otelc_alert_manager_free(m);
}

/* ---- channels against real peers
 * --------------------------------------------------- */

static pid_t start_webhook(const char *script, int *port, char *out, size_t cap,
                           const char *tag) {
    const char *dir = test_tmpdir();
    char pf[512], log[512];
    snprintf(pf, sizeof pf, "%s/webhook-%s.port", dir, tag);
    snprintf(out, cap, "%s/webhook-%s.jsonl", dir, tag);
    snprintf(log, sizeof log, "%s/webhook-%s.log", dir, tag);
    const char *argv[] = {OTELC_TEST_PYTHON,
                          ERRORS_TESTS_DIR "/webhook_server.py",
                          pf,
                          out,
                          script ? script : "[]",
                          NULL};
    pid_t pid = spawn(argv, log);
    cr_assert(wait_for_file(pf, 10000), "webhook_server.py did not start");
    char *p = read_file(pf, NULL);
    *port = atoi(p);
    free(p);
    return pid;
}

static pid_t start_smtp(int *port, char *out, size_t cap) {
    const char *dir = test_tmpdir();
    char ready[512], log[512], ps[16];
    *port = free_port(SOCK_STREAM);
    snprintf(ps, sizeof ps, "%d", *port);
    snprintf(out, cap, "%s/smtp.jsonl", dir);
    snprintf(ready, sizeof ready, "%s/smtp.ready", dir);
    snprintf(log, sizeof log, "%s/smtp.log", dir);
    const char *argv[] = {OTELC_TEST_PYTHON,
                          ERRORS_TESTS_DIR "/smtp_server.py",
                          ps,
                          out,
                          ready,
                          NULL};
    pid_t pid = spawn(argv, log);
    cr_assert(wait_for_file(ready, 15000), "smtp_server.py did not start");
    return pid;
}

static pid_t g_peers[3];
static void stop_peers(void) {
    otelc_shutdown(5000);
    for (int i = 0; i < 3; i++) {
        stop_process(g_peers[i]);
        g_peers[i] = 0;
    }
}

Test(alerts, webhook_and_email_receive_the_notification, .fini = stop_peers,
     .timeout = 60) {
    int wport, sport;
    char wout[512], sout[512];
    g_peers[0] = start_webhook(NULL, &wport, wout, sizeof wout, "ok");
    g_peers[1] = start_smtp(&sport, sout, sizeof sout);
    char url[128], smtp[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/services/T0/B0/secret",
             wport);
    snprintf(smtp, sizeof smtp, "smtp://127.0.0.1:%d", sport);
    test_otelc t;
    const char *kv[] = {"OTELC_ALERT_WEBHOOK_URL",
                        url,
                        "OTELC_ALERT_SMTP_URL",
                        smtp,
                        "OTELC_ALERT_EMAIL_FROM",
                        "alerts@shop.example",
                        "OTELC_ALERT_EMAIL_TO",
                        "oncall@shop.example, admin@shop.example",
                        "OTELC_ALERT_EVALUATION_INTERVAL",
                        "20",
                        NULL};
    errors_init(&t, kv);
    otelc_alert_manager *g = otelc_alert_manager_global();
    cr_assert_not_null(g);
    otelc_alert_channel_stats cs;
    cr_assert_eq(otelc_alert_manager_channel_stats(g, 0, &cs), OTELC_OK);
    cr_assert_str_eq(cs.name, "log");
    cr_assert_eq(otelc_alert_manager_channel_stats(g, 1, &cs), OTELC_OK);
    cr_assert_str_eq(cs.name, "webhook");
    cr_assert_eq(otelc_alert_manager_channel_stats(g, 2, &cs), OTELC_OK);
    cr_assert_str_eq(cs.name, "email");
    static double value = 97.25;
    otelc_attribute labels[] = {OTELC_ATTR_STR("host", "web-1")};
    otelc_alert_rule r = {.name = "high_cpu",
                          .value_fn = const_value,
                          .value_arg = &value,
                          .threshold = 80,
                          .severity = "critical",
                          .summary = "CPU over 80% for 5 minutes",
                          .labels = labels,
                          .label_count = 1};
    /* The global manager's worker starts with its first rule. */
    cr_assert_eq(otelc_alert_manager_add_rule(NULL, &r), OTELC_OK);
    cr_assert(wait_for_lines(wout, 1, 10000), "no webhook call");
    cr_assert(wait_for_lines(sout, 1, 15000), "no mail");
    cr_assert_eq(otelc_alert_manager_flush(NULL, 5000), OTELC_OK);
    cr_assert_eq(count_matching_lines(wout, "{\"error\": "), 0, "%s",
                 read_file(wout, NULL));
    const char *wneed[] = {
        "\"path\": \"/services/T0/B0/secret\"",
        "\"rule\": \"high_cpu\"",
        "\"state\": \"firing\"",
        "\"value\": \"97.25\"",
        "\"threshold\": \"> 80\"",
        "\"labels\": \"host=web-1\"",
        "\"severity\": \"critical\"",
        "\"service\": \"errors-test\"",
        "\"color\": \"danger\"",
        "\"text\": \"[FIRING] CPU over 80% for 5 minutes: value 97.25 "
        "(threshold > 80)\"",
    };
    for (size_t i = 0; i < sizeof wneed / sizeof *wneed; i++)
        cr_assert_eq(count_matching_lines(wout, wneed[i]), 1, "%s not in %s",
                     wneed[i], read_file(wout, NULL));
    cr_assert_eq(count_matching_lines(sout, "{\"error\": "), 0, "%s",
                 read_file(sout, NULL));
    const char *sneed[] = {
        "\"mail_from\": \"alerts@shop.example\"",
        "\"rcpt_tos\": [\"oncall@shop.example\", \"admin@shop.example\"]",
        "\"subject\": \"[FIRING] CPU over 80% for 5 minutes: value 97.25 "
        "(threshold > 80)\"",
        "\"state\": \"firing\"",
        "Rule:      high_cpu",
        "Value:     97.25",
        "Threshold: > 80",
        "Labels:    host=web-1",
        "Time:      ",
    };
    for (size_t i = 0; i < sizeof sneed / sizeof *sneed; i++)
        cr_assert_eq(count_matching_lines(sout, sneed[i]), 1, "%s not in %s",
                     sneed[i], read_file(sout, NULL));
    /* The log channel made a WARN record. */
    const otelc_log_record_data *rec =
        find_log(&t, "alert firing: CPU over 80% for 5 minutes");
    cr_assert_not_null(rec);
    cr_assert_eq(rec->severity_number, OTELC_LOG_WARN);
    const otelc_value *v = rec_attr(rec, "alert.label.host");
    cr_assert(v && !strcmp(v->u.s, "web-1"));
    /* The rule stays firing: exactly one notification per channel. */
    usleep(200000);
    otelc_alert_manager_flush(NULL, 5000);
    cr_assert_eq(count_lines(wout), 1);
    cr_assert_eq(count_lines(sout), 1);
    for (size_t i = 0; i < 3; i++) {
        otelc_alert_manager_channel_stats(g, i, &cs);
        cr_assert_eq(cs.sent, 1, "%s sent %llu", cs.name,
                     (unsigned long long)cs.sent);
        cr_assert_eq(cs.failed, 0);
    }
}

Test(alerts, failing_and_hung_channels_never_hold_the_others,
     .fini = stop_peers, .timeout = 60) {
    int hport, fport;
    char hout[512], fout[512];
    g_peers[0] =
        start_webhook("[{\"sleep\": 30}]", &hport, hout, sizeof hout, "hung");
    g_peers[1] = start_webhook("[{\"status\": 403}]", &fport, fout, sizeof fout,
                               "forbidden");
    test_otelc t;
    errors_init(&t, NULL);
    otelc_alert_manager_options o = {.evaluation_interval_ms = 3600000,
                                     .repeat_interval_ms = 3600000,
                                     .channel_timeout_ms = 1000};
    otelc_alert_manager *m = otelc_alert_manager_new(&o);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", hport);
    cr_assert_eq(otelc_alert_manager_add_channel(
                     m, otelc_alert_webhook_channel_new(url)),
                 OTELC_OK);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", fport);
    cr_assert_eq(otelc_alert_manager_add_channel(
                     m, otelc_alert_webhook_channel_new(url)),
                 OTELC_OK);
    memch *mc = memch_new();
    otelc_alert_manager_add_channel(m, otelc_alert_channel_new(&mem_ops, mc));
    static double value = 1;
    otelc_alert_rule r = {
        .name = "any", .value_fn = const_value, .value_arg = &value};
    otelc_alert_manager_add_rule(m, &r);
    double t0 = mono_ms();
    cr_assert_eq(otelc_alert_manager_evaluate(m, 0), OTELC_OK);
    double eval_ms = mono_ms() - t0;
    /* The memory channel has it while the first webhook still hangs. */
    cr_assert(memch_wait(mc, 1, 10000));
    cr_assert_lt(eval_ms, 1000.0, "evaluation waited %.0f ms for a channel",
                 eval_ms);
    /* Within the 1 s channel timeout both webhooks give up; each failure
     * is counted and logged. */
    otelc_alert_manager_flush(m, 5000);
    otelc_alert_channel_stats cs;
    otelc_alert_manager_channel_stats(m, 0, &cs);
    cr_assert_eq(cs.failed, 1, "hung webhook failed %llu",
                 (unsigned long long)cs.failed);
    otelc_alert_manager_channel_stats(m, 1, &cs);
    cr_assert_eq(cs.failed, 1);
    cr_assert_eq(cs.attempts, 1, "a 403 is not retried");
    otelc_alert_manager_channel_stats(m, 2, &cs);
    cr_assert_eq(cs.sent, 1);
    otelc_log_flush(5000);
    int logged = 0;
    for (size_t i = 0; i < mem_logs_count(t.logs); i++) {
        const otelc_log_record_data *rec = mem_logs_get(t.logs, i);
        if (!strcmp(rec->body, "alert channel failed")) {
            logged++;
            cr_assert_eq(rec->severity_number, OTELC_LOG_ERROR);
            const otelc_value *v = rec_attr(rec, "alert.channel");
            cr_assert(v && !strcmp(v->u.s, "webhook"));
        }
    }
    cr_assert_eq(logged, 2);
    double t1 = mono_ms();
    otelc_alert_manager_free(m);
    cr_assert_lt(mono_ms() - t1, 5100.0);
}

Test(alerts, bad_channel_settings_are_diagnosed, .fini = stop_peers) {
    diag_capture_start();
    cr_assert_null(otelc_alert_webhook_channel_new("ftp://x.example/hook"));
    cr_assert_eq(
        diag_count("alert webhook channel", "unsupported scheme", NULL), 1,
        "%s", diag_captured());
    cr_assert_null(
        otelc_alert_webhook_channel_new("https://hooks.example/T/B/token"
                                        "\x01"));
    cr_assert_null(strstr(diag_captured(), "token"), "the path leaked: %s",
                   diag_captured());
    otelc_alert_email_options eo = {.smtp_url = "http://mail.example",
                                    .from = "a@b.example",
                                    .to = "c@d.example"};
    cr_assert_null(otelc_alert_email_channel_new(&eo));
    eo.smtp_url = "smtp://mail.example";
    eo.to = "not-an-address";
    cr_assert_null(otelc_alert_email_channel_new(&eo));
    eo.to = "c@d.example";
    eo.from = "bad\r\nBcc: x@y.example";
    cr_assert_null(otelc_alert_email_channel_new(&eo));
    cr_assert_eq(diag_count("alert e-mail channel", NULL), 3, "%s",
                 diag_captured());
    /* From configuration: the global manager still starts, with its log
     * channel only. */
    diag_capture_start();
    test_otelc t;
    const char *kv[] = {"OTELC_ALERT_SMTP_URL", "smtp://127.0.0.1:25", NULL};
    errors_init(&t, kv);
    cr_assert_eq(diag_count("alert e-mail channel", "no valid sender", NULL), 1,
                 "%s", diag_captured());
    otelc_alert_channel_stats cs;
    cr_assert_eq(otelc_alert_manager_channel_stats(NULL, 0, &cs), OTELC_OK);
    cr_assert_eq(otelc_alert_manager_channel_stats(NULL, 1, &cs),
                 OTELC_ENOTFOUND);
    diag_capture_stop();
}

Test(alerts, no_global_manager_outside_init) {
    cr_assert_null(otelc_alert_manager_global());
    otelc_alert_rule r = {.name = "x", .value_fn = const_value};
    cr_assert_eq(otelc_alert_manager_add_rule(NULL, &r), OTELC_ESTATE);
    cr_assert_eq(otelc_alert_manager_evaluate(NULL, 0), OTELC_ESTATE);
}
