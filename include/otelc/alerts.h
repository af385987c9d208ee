/*
 * otelc/alerts.h - alert rules, their evaluation, and notification
 * channels (webhook, e-mail, log).
 *
 *   otelc_alert_rule r = {.name = "queue_backlog",
 *                         .value_fn = read_backlog, .value_arg = q,
 *                         .op = OTELC_ALERT_GT, .threshold = 1000,
 *                         .for_ms = 60000};
 *   otelc_alert_manager_add_rule(NULL, &r);   // the global manager
 *
 * A rule compares a value with a threshold.  The value comes from a
 * callback (any number the application can read) or from a metric series
 * of the global meter provider, selected by name and labels.  A manager
 * evaluates its rules on a background worker every
 * OTELC_ALERT_EVALUATION_INTERVAL ms (or when asked, with
 * otelc_alert_manager_evaluate()).  Each rule moves through the states
 *
 *   inactive --condition holds--> pending --held for_ms--> firing
 *   pending --condition breaks--> inactive   (nothing is sent)
 *   firing --condition breaks--> resolved --condition holds--> pending
 *
 * so a rule fires only once its condition has held for its for-duration
 * (for_ms 0 fires at the first evaluation that sees it).  No value (the
 * callback returns false) counts as "condition does not hold".
 *
 * Notifications.  Entering firing sends a "firing" notification to every
 * channel; leaving it sends "resolved" (only for a firing that was
 * notified).  While a rule keeps firing, a reminder is sent every
 * OTELC_ALERT_REPEAT_INTERVAL ms; the same interval is the least gap
 * between two firing notifications of one rule, so a flapping rule cannot
 * flood the channels (suppressed notifications are counted).  Each
 * notification carries the rule, the value, the comparison and threshold,
 * the rule's labels, the time and when the condition started to hold.
 *
 * Channels never block evaluation or each other: each runs on its own
 * worker with a bounded queue (a full queue drops and counts); a channel
 * that fails is retried with backoff within OTELC_ALERT_CHANNEL_TIMEOUT,
 * then the notification is counted as failed and an ERROR log record
 * (logger "otelc.alerts") says which channel failed and why.
 *
 * The global manager.  otelc_init() creates one with a log channel, plus
 * a webhook channel when OTELC_ALERT_WEBHOOK_URL is set and an e-mail
 * channel when OTELC_ALERT_SMTP_URL and OTELC_ALERT_EMAIL_TO are set.  Its
 * evaluation worker starts with its first rule.  otelc_shutdown() stops
 * it.  See docs/alerts.md.
 */
#ifndef OTELC_ALERTS_H
#define OTELC_ALERTS_H

#include "otelc/common.h"
#include "otelc/export.h"
#include "otelc/log.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_alert_manager otelc_alert_manager;
typedef struct otelc_alert_channel otelc_alert_channel;

/** The state of a rule.  Values are frozen. */
typedef enum otelc_alert_state {
    OTELC_ALERT_INACTIVE = 0,
    OTELC_ALERT_PENDING = 1,
    OTELC_ALERT_FIRING = 2,
    OTELC_ALERT_RESOLVED = 3
} otelc_alert_state;

/** How the value is compared with the threshold (value OP threshold). */
typedef enum otelc_alert_op {
    OTELC_ALERT_GT = 0, /* >, the default */
    OTELC_ALERT_GE = 1, /* >= */
    OTELC_ALERT_LT = 2, /* < */
    OTELC_ALERT_LE = 3, /* <= */
    OTELC_ALERT_EQ = 4, /* == */
    OTELC_ALERT_NE = 5  /* != */
} otelc_alert_op;

/** How a metric rule turns its series into one value. */
typedef enum otelc_alert_fn {
    OTELC_ALERT_FN_VALUE = 0,    /* the current value (sum of the series;
                                    a histogram's count) */
    OTELC_ALERT_FN_RATE = 1,     /* increase per second since the previous
                                    evaluation (counters) */
    OTELC_ALERT_FN_INCREASE = 2, /* increase since the previous evaluation */
    OTELC_ALERT_FN_AVERAGE = 3   /* histograms: sum / count of the
                                    observations since the previous
                                    evaluation */
} otelc_alert_fn;

/**
 * A value source: store the current value in *value and return true, or
 * return false when there is none (treated as "condition does not hold").
 * Called on the evaluating thread (the manager's worker, or the caller of
 * otelc_alert_manager_evaluate()), never concurrently for one manager.  It
 * must return promptly and must not call the manager.
 */
typedef bool (*otelc_alert_value_fn)(void *arg, otelc_time_ns now,
                                     double *value);

/**
 * An alert rule, copied by otelc_alert_manager_add_rule().  Zero-
 * initialise; fields are only ever appended.  Exactly one of value_fn and
 * metric gives the value.
 */
typedef struct otelc_alert_rule {
    const char *name; /* required, unique in its manager */
    otelc_alert_value_fn value_fn;
    void *value_arg; /* borrowed while the rule exists */
    /* A metric series selector, e.g. "otelc_errors_total" or
     * "http.server.request.duration{http.route=\"/pay\"}": the metric name
     * (OTel or Prometheus form) and optional label matchers k="v" (k!="v"
     * excludes).  The matching series are summed (docs/alerts.md). */
    const char *metric;
    otelc_alert_fn fn; /* for metric rules */
    otelc_alert_op op;
    double threshold;
    uint64_t for_ms; /* how long the condition must hold; 0 = at once */
    const otelc_attribute *labels; /* copied (values as strings) */
    size_t label_count;
    const char *severity; /* NULL = "warning" */
    const char *summary;  /* NULL = "<name> <op> <threshold>" */
} otelc_alert_rule;

/** A notification, as channels see it (borrowed for the send call). */
typedef struct otelc_alert_notification {
    const char *rule;
    otelc_alert_state state; /* FIRING or RESOLVED */
    bool repeat;             /* a reminder of a firing alert */
    double value;            /* NaN when there was no value */
    double threshold;
    otelc_alert_op op;
    const char *op_text;           /* ">", ">=", ... */
    const char *severity;          /* never NULL */
    const char *summary;           /* never NULL */
    const otelc_attribute *labels; /* string values */
    size_t label_count;
    otelc_time_ns time;         /* the evaluation that decided it */
    otelc_time_ns active_since; /* when the condition started to hold */
    const char *service;        /* service.name */
} otelc_alert_notification;

/**
 * The operations of a channel.  send() runs on the channel's own worker,
 * never concurrently for one channel.  It returns OTELC_EXPORT_SUCCESS,
 * OTELC_EXPORT_RETRYABLE (retried with backoff within the channel
 * timeout; set ctx->retry_after_ms to wait longer) or OTELC_EXPORT_FAILURE
 * (given up: counted and logged), and may describe a failure in `why`.
 * It must return by ctx->deadline_mono_ns.
 */
typedef struct otelc_alert_channel_ops {
    const char *name; /* "webhook", "email", "log", ... */
    otelc_export_result (*send)(void *state, const otelc_alert_notification *n,
                                otelc_export_context *ctx, char *why,
                                size_t why_cap);
    void (*free_state)(void *state); /* may be NULL */
} otelc_alert_channel_ops;

/**
 * otelc_alert_channel_new - a channel of your own.
 * @param ops    borrowed: must outlive the channel (normally static).
 * @param state  owned by the channel: ops->free_state frees it, even when
 *               this call fails.
 * @return the channel, for otelc_alert_manager_add_channel() (which takes
 *         it) or otelc_alert_channel_free(); NULL on bad arguments.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_alert_channel *
otelc_alert_channel_new(const otelc_alert_channel_ops *ops, void *state);

/**
 * otelc_alert_log_channel_new - notifications as log records: WARN for
 * firing, INFO for resolved, with alert.rule, alert.state, alert.value,
 * alert.threshold, alert.comparison, alert.severity, alert.since and
 * the labels as alert.label.<key>.
 * @param logger  NULL = the logger "otelc.alerts".
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_alert_channel *
otelc_alert_log_channel_new(otelc_logger *logger);

/**
 * otelc_alert_webhook_channel_new - POST each notification as
 * Slack-compatible JSON (text, username, icon_emoji and one attachment
 * with color, title, text, fields and ts) to `url` over libcurl.  2xx is
 * success; 429, 5xx and connection failures are retried; other statuses
 * fail the notification.
 * @param url  http:// or https://; copied.  A bad URL gives NULL and one
 *             diagnostic (which never prints the URL's path: Slack puts
 *             its secret there).
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_alert_channel *otelc_alert_webhook_channel_new(const char *url);

/** Settings of the e-mail channel; strings are copied. */
typedef struct otelc_alert_email_options {
    const char *smtp_url; /* smtp://host[:port] (STARTTLS when offered) or
                             smtps://host[:port]; required */
    const char *user;     /* NULL = no authentication */
    const char *password;
    const char *from; /* required: the sender address */
    const char *to;   /* required: comma-separated recipients */
} otelc_alert_email_options;

/**
 * otelc_alert_email_channel_new - send each notification as a plain-text
 * e-mail through libcurl's SMTP client.
 * @return the channel, or NULL with one diagnostic when a required option
 *         is missing or malformed.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_alert_channel *
otelc_alert_email_channel_new(const otelc_alert_email_options *options);

/** otelc_alert_channel_free - free a channel never added to a manager;
 *  NULL is accepted.  Thread-safety: not concurrently with other use.
 *  Blocking: never.  Since: 0.1. */
OTELC_API void otelc_alert_channel_free(otelc_alert_channel *channel);

/** Options of a manager.  Zero fields take the configured value. */
typedef struct otelc_alert_manager_options {
    uint32_t evaluation_interval_ms; /* OTELC_ALERT_EVALUATION_INTERVAL */
    int64_t repeat_interval_ms;      /* OTELC_ALERT_REPEAT_INTERVAL; < 0 =
                                        configured, 0 = every evaluation */
    uint32_t channel_timeout_ms;     /* OTELC_ALERT_CHANNEL_TIMEOUT */
    uint32_t channel_queue_size;     /* notifications queued per channel;
                                        0 = 256 */
} otelc_alert_manager_options;

/**
 * otelc_alert_manager_new - a manager with no rules, no channels and no
 * worker yet.
 * @param options  NULL = configuration (repeat interval included).
 * @return the manager (free with otelc_alert_manager_free()), or NULL
 *         when memory is exhausted.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_alert_manager *
otelc_alert_manager_new(const otelc_alert_manager_options *options);

/**
 * otelc_alert_manager_global - the manager otelc_init() created, or NULL
 * before otelc_init() and after otelc_shutdown().  Borrowed.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_alert_manager *otelc_alert_manager_global(void);

/**
 * otelc_alert_manager_add_rule - add a rule (copied), initially inactive.
 * @param manager  NULL = the global manager (whose worker starts now).
 * @return OTELC_OK; OTELC_EINVAL (no name, neither or both of value_fn and
 *         metric, a NaN threshold); OTELC_EEXIST (the name is taken);
 *         OTELC_EPARSE (a malformed selector; one diagnostic);
 *         OTELC_ESTATE (no global manager); OTELC_ESHUTDOWN; OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: waits for an evaluation in
 * progress.  Since: 0.1.
 */
OTELC_API otelc_status otelc_alert_manager_add_rule(
    otelc_alert_manager *manager, const otelc_alert_rule *rule);

/**
 * otelc_alert_manager_remove_rule - remove a rule by name (a firing rule
 * goes without a resolved notification).
 * @return OTELC_OK, OTELC_ENOTFOUND, OTELC_ESTATE or OTELC_EINVAL.
 * Thread-safety: any thread.  Blocking: waits for an evaluation in
 * progress.  Since: 0.1.
 */
OTELC_API otelc_status
otelc_alert_manager_remove_rule(otelc_alert_manager *manager, const char *name);

/**
 * otelc_alert_manager_add_channel - add a channel; takes ownership of
 * `channel`, even on failure, and starts its worker.  At most 8.
 * @return OTELC_OK, OTELC_EINVAL, OTELC_EFULL, OTELC_ESTATE (no global
 *         manager), OTELC_ESHUTDOWN or OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: starts a thread.  Since: 0.1.
 */
OTELC_API otelc_status otelc_alert_manager_add_channel(
    otelc_alert_manager *manager, otelc_alert_channel *channel);

/**
 * otelc_alert_manager_start - start the background worker that evaluates
 * every rule each evaluation interval (the first evaluation one interval
 * from now).  Idempotent.
 * @return OTELC_OK, OTELC_ESTATE, OTELC_ESHUTDOWN or OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: starts a thread.  Since: 0.1.
 */
OTELC_API otelc_status otelc_alert_manager_start(otelc_alert_manager *manager);

/**
 * otelc_alert_manager_evaluate - evaluate every rule once, now, on the
 * calling thread, and queue the resulting notifications.
 * @param now  the evaluation time (0 = otelc_now_ns()); times given must
 *             not go backwards (tests drive the state machine with them).
 * @return OTELC_OK, OTELC_ESTATE or OTELC_ESHUTDOWN.
 * Thread-safety: any thread; evaluations of one manager are serialised.
 * Blocking: runs the rules' value callbacks.  Since: 0.1.
 */
OTELC_API otelc_status
otelc_alert_manager_evaluate(otelc_alert_manager *manager, otelc_time_ns now);

/**
 * otelc_alert_manager_flush - wait until every queued notification has
 * been sent or given up, at most timeout_ms.
 * @return OTELC_OK, OTELC_ETIMEDOUT or OTELC_ESTATE.
 * Thread-safety: any thread.  Blocking: up to timeout_ms.  Since: 0.1.
 */
OTELC_API otelc_status otelc_alert_manager_flush(otelc_alert_manager *manager,
                                                 uint32_t timeout_ms);

/**
 * otelc_alert_manager_shutdown - stop evaluating, then send what is queued
 * and stop the channels, within timeout_ms (a hung channel's worker is
 * abandoned).  Idempotent.
 * @return OTELC_OK, OTELC_ETIMEDOUT or OTELC_ESHUTDOWN (already).
 * Thread-safety: any thread.  Blocking: up to timeout_ms.  Since: 0.1.
 */
OTELC_API otelc_status
otelc_alert_manager_shutdown(otelc_alert_manager *manager, uint32_t timeout_ms);

/**
 * otelc_alert_manager_free - shut down (5 s) if needed and free a manager
 * from otelc_alert_manager_new(); NULL and the global manager are
 * accepted and ignored (otelc_shutdown() owns that one).
 * Thread-safety: no other use concurrently.  Blocking: up to 5 s.
 * Since: 0.1.
 */
OTELC_API void otelc_alert_manager_free(otelc_alert_manager *manager);

/** What a rule looks like now. */
typedef struct otelc_alert_rule_status {
    otelc_alert_state state;
    bool has_value;
    double value;                /* the last value seen */
    otelc_time_ns active_since;  /* 0 unless pending or firing */
    otelc_time_ns last_notified; /* last firing notification, 0 = none */
    uint64_t notifications;      /* notifications queued for this rule */
    uint64_t suppressed;         /* held back by the repeat interval */
} otelc_alert_rule_status;

/**
 * otelc_alert_manager_rule_status - a rule's state by name.
 * @return OTELC_OK, OTELC_ENOTFOUND, OTELC_EINVAL or OTELC_ESTATE.
 * Thread-safety: any thread.  Blocking: waits for an evaluation in
 * progress.  Since: 0.1.
 */
OTELC_API otelc_status
otelc_alert_manager_rule_status(otelc_alert_manager *manager, const char *name,
                                otelc_alert_rule_status *out);

/** Counters of one channel.  Monotonic. */
typedef struct otelc_alert_channel_stats {
    char name[32];
    uint64_t sent;          /* notifications delivered */
    uint64_t failed;        /* given up after retries, or refused */
    uint64_t dropped_queue; /* the channel's queue was full */
    uint64_t attempts;      /* send calls, retries included */
} otelc_alert_channel_stats;

/**
 * otelc_alert_manager_channel_stats - counters of the i-th channel (in the
 * order they were added; the global manager's log channel is first).
 * @return OTELC_OK, OTELC_ENOTFOUND past the end, or OTELC_ESTATE.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_alert_manager_channel_stats(
    otelc_alert_manager *manager, size_t index, otelc_alert_channel_stats *out);

/* ---- Built-in rules (the guide's examples) ------------------------------ */

/**
 * otelc_alert_add_cpu_rule - the rule "cpu_usage": host CPU usage
 * (system.cpu.utilization, the share of CPU time not idle over all CPUs
 * since the previous evaluation, as a percentage) over threshold_percent
 * for for_ms.  Registers the system metrics on the global meter provider
 * if they are not.
 * @param manager            NULL = the global manager.
 * @param threshold_percent  0 = 80.
 * @param for_ms             0 = 300000 (5 minutes).
 * @return as otelc_alert_manager_add_rule().
 * Thread-safety: any thread.  Blocking: waits for an evaluation in
 * progress.  Since: 0.1.
 */
OTELC_API otelc_status otelc_alert_add_cpu_rule(otelc_alert_manager *manager,
                                                double threshold_percent,
                                                uint64_t for_ms);

/**
 * otelc_alert_add_error_rate_rule - the rule "error_rate": errors captured
 * (otelc_errors_total) per request served (the count of
 * http.server.request.duration), both counted over each evaluation
 * interval, above threshold_ratio for for_ms.  An interval without
 * requests has no value.
 * @param manager          NULL = the global manager.
 * @param threshold_ratio  0 = 0.05 (5%).
 * @param for_ms           0 = 60000 (1 minute).
 * @return as otelc_alert_add_cpu_rule().
 * Thread-safety: any thread.  Blocking: waits for an evaluation in
 * progress.  Since: 0.1.
 */
OTELC_API otelc_status otelc_alert_add_error_rate_rule(
    otelc_alert_manager *manager, double threshold_ratio, uint64_t for_ms);

/** otelc_alert_state_name - "inactive", "pending", "firing", "resolved"
 *  (static; "unknown" otherwise).  Thread-safety: pure function.
 *  Blocking: never.  Since: 0.1. */
OTELC_API const char *otelc_alert_state_name(otelc_alert_state state);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_ALERTS_H */
