/*
 * exporters/alerts/alert_channels.c - the webhook and e-mail alert
 * channels, over libcurl (exporters/common/curl_send.c).  Each runs on its
 * channel's own worker (sdk/alerts.c), so blocking I/O here never holds
 * the evaluation or another channel; every request is bounded by the
 * deadline the worker passes in.
 *
 * Webhook: Slack's incoming-webhook JSON - text, username, icon_emoji and
 * one attachment (color, title, text, fields of title/value/short, ts,
 * footer) - which Slack, Mattermost, Rocket.Chat and most chat tools
 * accept.  Every value is a string, as Slack's fields require; the
 * machine-readable parts (rule, state, value, threshold, labels, times)
 * are fields of their own.  2xx is success; 408, 429 (with Retry-After),
 * 5xx and connection failures are retried; other statuses fail.
 *
 * E-mail: a plain-text RFC 5322 message (Date, From, To, Subject,
 * Message-ID, MIME headers, CRLF line ends) through libcurl's SMTP
 * client; a Subject with non-ASCII text is an RFC 2047 encoded word, and
 * CR/LF in any value becomes a space so nothing can inject a header.
 * libcurl does the SMTP dot-stuffing.
 *
 * Neither channel ever prints a full URL: Slack's webhook path is its
 * secret, so diagnostics name scheme://host only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "exporters/common/curl_send.h"
#include "sdk/json_int.h"
#include "sdk/log_int.h"

#include "otelc/alerts.h"

/* scheme://host[:port] of a URL, for diagnostics. */
static void origin_of(const char *url, char *out, size_t cap) {
    const char *s = strstr(url, "://");
    size_t n = s ? (size_t)(s + 3 - url) + strcspn(s + 3, "/?#") : strlen(url);
    const char *at = s ? memchr(s + 3, '@', n - (size_t)(s + 3 - url)) : NULL;
    if (at) /* never show user info */
        snprintf(out, cap, "%.*s%.*s", (int)(s + 3 - url), url,
                 (int)(url + n - at - 1), at + 1);
    else
        snprintf(out, cap, "%.*s", (int)n, url);
}

static void fmt_value(char *buf, size_t cap, double v) {
    if (isnan(v))
        snprintf(buf, cap, "no data");
    else
        snprintf(buf, cap, "%g", v);
}

static void labels_text(const otelc_alert_notification *n, otelc__buf *b) {
    for (size_t i = 0; i < n->label_count; i++) {
        if (i)
            otelc__buf_lit(b, ", ");
        otelc__buf_puts(b, n->labels[i].key);
        otelc__buf_putc(b, '=');
        otelc__buf_puts(b, n->labels[i].value.u.s);
    }
    if (!n->label_count)
        otelc__buf_lit(b, "none");
}

/* "[FIRING] summary: value 93.5 (threshold > 80)" */
static void headline(const otelc_alert_notification *n, otelc__buf *b) {
    char v[40];
    fmt_value(v, sizeof v, n->value);
    otelc__buf_printf(b, "[%s%s] %s: value %s (threshold %s %g)",
                      n->state == OTELC_ALERT_FIRING ? "FIRING" : "RESOLVED",
                      n->repeat ? ", still" : "", n->summary, v, n->op_text,
                      n->threshold);
}

/* ---- webhook
 * ------------------------------------------------------------------ */

typedef struct webhook {
    char *url;
    char origin[256];
    struct curl_slist *headers;
    otelc__curl_conn conn;
    otelc__buf body;
} webhook;

static void field(otelc__buf *b, const char *title, const char *value,
                  bool is_short, bool *first) {
    if (!*first)
        otelc__buf_putc(b, ',');
    *first = false;
    otelc__buf_lit(b, "{\"title\":");
    otelc__json_cstr(b, title);
    otelc__buf_lit(b, ",\"value\":");
    otelc__json_cstr(b, value);
    otelc__buf_puts(b, is_short ? ",\"short\":true}" : ",\"short\":false}");
}

static void webhook_json(const otelc_alert_notification *n, otelc__buf *b) {
    otelc__buf tmp;
    otelc__buf_init(&tmp);
    headline(n, &tmp);
    otelc__buf_lit(b, "{\"text\":");
    otelc__json_cstr(b, tmp.data ? tmp.data : "");
    otelc__buf_lit(b, ",\"username\":\"otelc-alerts\",\"icon_emoji\":");
    otelc__json_cstr(b, n->state == OTELC_ALERT_FIRING ? ":warning:"
                                                       : ":white_check_mark:");
    const char *color = n->state != OTELC_ALERT_FIRING     ? "good"
                        : !strcmp(n->severity, "critical") ? "danger"
                                                           : "warning";
    otelc__buf_lit(b, ",\"attachments\":[{\"color\":");
    otelc__json_cstr(b, color);
    otelc__buf_lit(b, ",\"title\":");
    otelc__json_cstr(b, n->rule);
    otelc__buf_lit(b, ",\"text\":");
    otelc__json_cstr(b, n->summary);
    otelc__buf_lit(b, ",\"fields\":[");
    bool first = true;
    char v[64], t[64], ts[40];
    field(b, "rule", n->rule, true, &first);
    field(b, "state", otelc_alert_state_name(n->state), true, &first);
    fmt_value(v, sizeof v, n->value);
    field(b, "value", v, true, &first);
    snprintf(t, sizeof t, "%s %g", n->op_text, n->threshold);
    field(b, "threshold", t, true, &first);
    field(b, "severity", n->severity, true, &first);
    field(b, "service", n->service, true, &first);
    otelc__buf_reset(&tmp);
    labels_text(n, &tmp);
    field(b, "labels", tmp.data ? tmp.data : "none", false, &first);
    otelc__log_time(ts, n->time, 0);
    field(b, "time", ts, true, &first);
    if (n->active_since) {
        otelc__log_time(ts, n->active_since, 0);
        field(b, "since", ts, true, &first);
    }
    otelc__buf_printf(b, "],\"ts\":%llu,\"footer\":\"otelc\"}]}",
                      (unsigned long long)(n->time / 1000000000u));
    otelc__buf_free(&tmp);
}

static otelc_export_result webhook_send(void *state,
                                        const otelc_alert_notification *n,
                                        otelc_export_context *ctx, char *why,
                                        size_t cap) {
    webhook *w = state;
    otelc__buf_reset(&w->body);
    webhook_json(n, &w->body);
    if (w->body.oom) {
        snprintf(why, cap, "out of memory");
        return OTELC_EXPORT_FAILURE;
    }
    otelc__curl_result r;
    if (!otelc__curl_post(&w->conn, w->url, w->headers, w->body.data,
                          w->body.len, ctx->deadline_mono_ns, &r)) {
        snprintf(why, cap, "POST to %s: %s", w->origin, r.error);
        return otelc__curl_retryable(r.curl_code) ? OTELC_EXPORT_RETRYABLE
                                                  : OTELC_EXPORT_FAILURE;
    }
    if (r.status >= 200 && r.status < 300)
        return OTELC_EXPORT_SUCCESS;
    snprintf(why, cap, "%s answered HTTP %ld%s%s", w->origin, r.status,
             r.body[0] ? ": " : "", r.body);
    if (r.status == 429 || r.status == 408 || r.status >= 500) {
        if (r.retry_after_set)
            ctx->retry_after_ms = r.retry_after_ms;
        return OTELC_EXPORT_RETRYABLE;
    }
    return OTELC_EXPORT_FAILURE;
}

static void webhook_free(void *state) {
    webhook *w = state;
    if (!w)
        return;
    otelc__curl_conn_close(&w->conn);
    curl_slist_free_all(w->headers);
    otelc__buf_free(&w->body);
    free(w->url);
    free(w);
}

static const otelc_alert_channel_ops g_webhook_ops = {"webhook", webhook_send,
                                                      webhook_free};

OTELC_API otelc_alert_channel *
otelc_alert_webhook_channel_new(const char *url) {
    const char *why = otelc__curl_url_problem(url, "http,https");
    char origin[256];
    origin_of(url ? url : "", origin, sizeof origin);
    if (why) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "alert webhook channel: the URL %s... is not usable (%s); "
                    "channel not created",
                    origin, why);
        return NULL;
    }
    if (!otelc__curl_global("alert webhook channel"))
        return NULL;
    webhook *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->url = otelc__strdup(url);
    snprintf(w->origin, sizeof w->origin, "%s", origin);
    struct curl_slist *t;
    if ((t = curl_slist_append(NULL, "Content-Type: application/json")))
        w->headers = t;
    if (w->headers && (t = curl_slist_append(w->headers, "Expect:")))
        w->headers = t;
    otelc__buf_init(&w->body);
    if (!w->url || !w->headers) {
        webhook_free(w);
        return NULL;
    }
    return otelc_alert_channel_new(&g_webhook_ops, w);
}

/* ---- e-mail
 * -------------------------------------------------------------------- */

typedef struct email {
    char *url, *user, *password, *from, *to;
    struct curl_slist *rcpt;
    char origin[256];
    otelc__curl_conn conn;
    otelc__buf msg;
    uint64_t rng;
} email;

/* An address as it may appear in a header: no CR/LF, no <>, an '@'. */
static bool address_ok(const char *a, size_t n) {
    if (!n || !memchr(a, '@', n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] <= 0x20 || a[i] == '<' || a[i] == '>' ||
            a[i] == ',' || a[i] == 0x7f)
            return false;
    return true;
}

/* Append text with every control character turned into a space. */
static void put_clean(otelc__buf *b, const char *s) {
    for (; *s; s++)
        otelc__buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void put_b64(otelc__buf *b, const unsigned char *p, size_t n) {
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        otelc__buf_putc(b, t[(v >> 18) & 63]);
        otelc__buf_putc(b, t[(v >> 12) & 63]);
        otelc__buf_putc(b, i + 1 < n ? t[(v >> 6) & 63] : '=');
        otelc__buf_putc(b, i + 2 < n ? t[v & 63] : '=');
    }
}

/* Subject: ASCII as is, anything else as one RFC 2047 encoded word. */
static void put_subject(otelc__buf *b, const char *s) {
    bool ascii = true;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c >= 0x80)
            ascii = false;
    if (ascii) {
        put_clean(b, s);
        return;
    }
    otelc__buf tmp;
    otelc__buf_init(&tmp);
    put_clean(&tmp, s);
    otelc__buf_lit(b, "=?utf-8?B?");
    put_b64(b, (const unsigned char *)(tmp.data ? tmp.data : ""), tmp.len);
    otelc__buf_lit(b, "?=");
    otelc__buf_free(&tmp);
}

static void email_message(email *e, const otelc_alert_notification *n,
                          otelc__buf *b) {
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    /* Date in RFC 5322 form, independent of the process locale. */
    otelc__buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
                      days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                      tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    otelc__buf_printf(b, "From: %s\r\nTo: %s\r\n", e->from, e->to);
    otelc__buf_printf(b, "Message-ID: <%016llx%016llx@otelc>\r\n",
                      (unsigned long long)otelc__wyrand(&e->rng),
                      (unsigned long long)otelc__wyrand(&e->rng));
    otelc__buf_lit(b, "Subject: ");
    otelc__buf tmp;
    otelc__buf_init(&tmp);
    headline(n, &tmp);
    put_subject(b, tmp.data ? tmp.data : "");
    otelc__buf_lit(b, "\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n"
                      "X-Otelc-Alert-State: ");
    otelc__buf_puts(b, otelc_alert_state_name(n->state));
    otelc__buf_lit(b, "\r\n\r\n");
    char v[64], ts[40];
    put_clean(b, tmp.data ? tmp.data : "");
    otelc__buf_lit(b, "\r\n\r\nRule:      ");
    put_clean(b, n->rule);
    otelc__buf_lit(b, "\r\nState:     ");
    otelc__buf_puts(b, otelc_alert_state_name(n->state));
    if (n->repeat)
        otelc__buf_lit(b, " (reminder)");
    fmt_value(v, sizeof v, n->value);
    otelc__buf_printf(b, "\r\nValue:     %s\r\nThreshold: %s %g", v, n->op_text,
                      n->threshold);
    otelc__buf_lit(b, "\r\nSeverity:  ");
    put_clean(b, n->severity);
    otelc__buf_lit(b, "\r\nService:   ");
    put_clean(b, n->service);
    otelc__buf_lit(b, "\r\nLabels:    ");
    otelc__buf_reset(&tmp);
    labels_text(n, &tmp);
    put_clean(b, tmp.data ? tmp.data : "none");
    otelc__log_time(ts, n->time, 0);
    otelc__buf_printf(b, "\r\nTime:      %s", ts);
    if (n->active_since) {
        otelc__log_time(ts, n->active_since, 0);
        otelc__buf_printf(b, "\r\nSince:     %s", ts);
    }
    otelc__buf_lit(b, "\r\nSummary:   ");
    put_clean(b, n->summary);
    otelc__buf_lit(b, "\r\n");
    otelc__buf_free(&tmp);
}

static otelc_export_result email_send(void *state,
                                      const otelc_alert_notification *n,
                                      otelc_export_context *ctx, char *why,
                                      size_t cap) {
    email *e = state;
    otelc__buf_reset(&e->msg);
    email_message(e, n, &e->msg);
    if (e->msg.oom) {
        snprintf(why, cap, "out of memory");
        return OTELC_EXPORT_FAILURE;
    }
    otelc__curl_result r;
    if (otelc__curl_smtp(&e->conn, e->url, e->user, e->password, e->from,
                         e->rcpt, e->msg.data, e->msg.len,
                         ctx->deadline_mono_ns, &r))
        return OTELC_EXPORT_SUCCESS;
    snprintf(why, cap, "SMTP %s: %s%s", e->origin, r.error,
             r.status ? " (last reply " : "");
    if (r.status) {
        size_t l = strlen(why);
        snprintf(why + l, cap - l, "%ld)", r.status);
    }
    return otelc__curl_retryable(r.curl_code) ? OTELC_EXPORT_RETRYABLE
                                              : OTELC_EXPORT_FAILURE;
}

static void email_free(void *state) {
    email *e = state;
    if (!e)
        return;
    otelc__curl_conn_close(&e->conn);
    curl_slist_free_all(e->rcpt);
    otelc__buf_free(&e->msg);
    free(e->url);
    free(e->user);
    free(e->password);
    free(e->from);
    free(e->to);
    free(e);
}

static const otelc_alert_channel_ops g_email_ops = {"email", email_send,
                                                    email_free};

OTELC_API otelc_alert_channel *
otelc_alert_email_channel_new(const otelc_alert_email_options *o) {
    const char *problem = NULL;
    if (!o || !o->smtp_url || !o->smtp_url[0])
        problem = "no SMTP URL (OTELC_ALERT_SMTP_URL)";
    else if (otelc__curl_url_problem(o->smtp_url, "smtp,smtps"))
        problem = "the SMTP URL is not smtp://host[:port] or "
                  "smtps://host[:port]";
    else if (!o->from || !address_ok(o->from, strlen(o->from)))
        problem = "no valid sender address (OTELC_ALERT_EMAIL_FROM)";
    else if (!o->to || !o->to[0])
        problem = "no recipients (OTELC_ALERT_EMAIL_TO)";
    if (problem) {
        otelc__diag(OTELC_DIAG_ERROR,
                    "alert e-mail channel: %s; channel not "
                    "created",
                    problem);
        return NULL;
    }
    /* Recipients: comma-separated, trimmed, each an address. */
    struct curl_slist *rcpt = NULL, *t;
    const char *p = o->to;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        const char *s = p;
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n) {
            char addr[320];
            if (!address_ok(s, n) || n + 3 > sizeof addr) {
                otelc__diag(OTELC_DIAG_ERROR,
                            "alert e-mail channel: \"%.*s\" in "
                            "OTELC_ALERT_EMAIL_TO is not an e-mail address; "
                            "channel not created",
                            (int)OTELC_MIN(n, 100), s);
                curl_slist_free_all(rcpt);
                return NULL;
            }
            snprintf(addr, sizeof addr, "<%.*s>", (int)n, s);
            if (!(t = curl_slist_append(rcpt, addr))) {
                curl_slist_free_all(rcpt);
                return NULL;
            }
            rcpt = t;
        }
        p += (c ? (size_t)(c - p) + 1 : strlen(p));
    }
    if (!rcpt) {
        otelc__diag(OTELC_DIAG_ERROR, "alert e-mail channel: no recipients "
                                      "(OTELC_ALERT_EMAIL_TO); channel not "
                                      "created");
        return NULL;
    }
    if (!otelc__curl_global("alert e-mail channel")) {
        curl_slist_free_all(rcpt);
        return NULL;
    }
    email *e = calloc(1, sizeof *e);
    if (!e) {
        curl_slist_free_all(rcpt);
        return NULL;
    }
    e->rcpt = rcpt;
    e->url = otelc__strdup(o->smtp_url);
    e->user = otelc__strdup(o->user ? o->user : "");
    e->password = otelc__strdup(o->password ? o->password : "");
    e->from = otelc__strdup(o->from);
    e->to = otelc__strdup(o->to);
    for (char *c = e->to; c && *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    origin_of(o->smtp_url, e->origin, sizeof e->origin);
    otelc__buf_init(&e->msg);
    otelc__os_random(&e->rng, sizeof e->rng);
    if (!e->url || !e->user || !e->password || !e->from || !e->to) {
        email_free(e);
        return NULL;
    }
    return otelc_alert_channel_new(&g_email_ops, e);
}
