/*
 * otelc/health.h - health checks: a registry of named checks, run
 * concurrently with a timeout each, refreshed in the background and served
 * as JSON on /health next to /metrics.
 *
 *   static otelc_health_status check_db(void *db, char *msg, size_t len) {
 *       if (db_ping(db) != 0) {
 *           snprintf(msg, len, "ping failed: %s", db_error(db));
 *           return OTELC_HEALTH_UNHEALTHY;
 *       }
 *       snprintf(msg, len, "database connection successful");
 *       return OTELC_HEALTH_HEALTHY;
 *   }
 *   ...
 *   otelc_health_register(NULL, "database", check_db, db, NULL, 5000);
 *
 * Each check runs on a worker thread of its own (created on its first run
 * and reused), so checks run concurrently and a check_all() lasts as long
 * as the slowest check, never longer than the largest timeout.  A check
 * that has not returned when its timeout passes is reported unhealthy,
 * "timed out after N ms"; its thread is left to finish on its own and the
 * check is not started again until it has (later runs report it as still
 * running), so a hung check costs one thread, not one per request.
 *
 * The HTTP endpoint (served by the same server as /metrics, see
 * otelc/prometheus.h):
 *   GET /health         200 when every check is healthy, else 503; body
 *                       {"status":"healthy"|"unhealthy","timestamp":"...",
 *                        "checks":{"<name>":{"status":...,"message":...,
 *                        "duration_ms":...}}}
 *   GET /health/<name>  that check alone, 200 or 503; 404 for an unknown
 *                       name
 *   GET /health/live    200 {"status":"alive"} while the process serves
 */
#ifndef OTELC_HEALTH_H
#define OTELC_HEALTH_H

#include "otelc/common.h"
#include "otelc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A check's outcome.  Values are frozen. */
typedef enum otelc_health_status {
    OTELC_HEALTH_HEALTHY = 0,
    OTELC_HEALTH_UNHEALTHY = 1
} otelc_health_status;

/**
 * A health check.  Write a short human-readable message into `message`
 * (`message_size` bytes, NUL-terminated; may be left empty) and return the
 * status.  Runs on a worker thread; may block (up to its timeout, after
 * which its result is ignored).  `user_data` is the pointer given at
 * registration.
 */
typedef otelc_health_status (*otelc_health_fn)(void *user_data, char *message,
                                               size_t message_size);

typedef struct otelc_health_registry otelc_health_registry;

/**
 * otelc_health_registry_new - an empty registry (tests, or a second
 * endpoint).  Most code uses the global registry (NULL in every function
 * below).  Free with otelc_health_registry_free().
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_health_registry *otelc_health_registry_new(void);

/**
 * otelc_health_registry_free - stop the background refresh, unregister
 * every check and free the registry; NULL and the global registry are
 * ignored.  Checks still running are abandoned (they free their state when
 * they return).
 * Thread-safety: no concurrent use.  Blocking: up to 1 s for the
 * background thread.  Since: 0.1.
 */
OTELC_API void otelc_health_registry_free(otelc_health_registry *registry);

/**
 * otelc_health_register - add a check.
 * @param registry    NULL = the global registry.
 * @param name        unique, copied; letters, digits, '_', '-', '.' (it
 *                    appears in URLs).
 * @param fn          the check.
 * @param user_data   passed to fn; owned by the check if free_user is not
 *                    NULL (called when the check is unregistered and no
 *                    longer running), else borrowed.
 * @param timeout_ms  0 = OTELC_HEALTH_CHECK_TIMEOUT (5000).
 * @return OTELC_OK, OTELC_EINVAL (bad name or NULL fn; free_user is
 *         called), OTELC_EEXIST (name taken; free_user is called) or
 *         OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_status otelc_health_register(
    otelc_health_registry *registry, const char *name, otelc_health_fn fn,
    void *user_data, void (*free_user)(void *), uint32_t timeout_ms);

/** otelc_health_unregister - remove a check by name; a run in progress is
 *  abandoned.  @return OTELC_OK or OTELC_ENOTFOUND.  Thread-safety: any
 *  thread.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_status otelc_health_unregister(otelc_health_registry *registry,
                                               const char *name);

/** The result of one check. */
typedef struct otelc_health_result {
    const char *name;
    otelc_health_status status;
    const char *message; /* never NULL */
    double duration_ms;  /* how long the run took (or waited) */
    otelc_time_ns checked_at;
    bool timed_out;
} otelc_health_result;

/** A run of several checks.  status is UNHEALTHY when any check is. */
typedef struct otelc_health_report {
    otelc_health_status status;
    otelc_time_ns timestamp;
    const otelc_health_result *results; /* in registration order */
    size_t count;
} otelc_health_report;

/**
 * otelc_health_check_all - run every check now, concurrently, each bounded
 * by its timeout; the result also becomes the registry's last report.
 * @return a report, freed with otelc_health_report_free(); NULL only when
 *         memory is exhausted.  An empty registry is healthy.
 * Thread-safety: any thread (concurrent calls share running checks).
 * Blocking: up to the largest timeout.  Since: 0.1.
 */
OTELC_API otelc_health_report *
otelc_health_check_all(otelc_health_registry *registry);

/**
 * otelc_health_check_one - run one check now.
 * @param out  set to a report with one result (free with
 *             otelc_health_report_free()).
 * @return OTELC_OK, OTELC_ENOTFOUND (no such check) or OTELC_ENOMEM.
 * Thread-safety: any thread.  Blocking: up to the check's timeout.
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_health_check_one(otelc_health_registry *registry,
                                              const char *name,
                                              otelc_health_report **out);

/**
 * otelc_health_last - a copy of the last report (from the background
 * refresh or an on-demand run), or NULL when nothing has run yet.  Free
 * with otelc_health_report_free().
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_health_report *
otelc_health_last(otelc_health_registry *registry);

/** otelc_health_report_free - NULL is accepted.  Since: 0.1. */
OTELC_API void otelc_health_report_free(otelc_health_report *report);

/**
 * otelc_health_report_json - the report as the /health body: one JSON
 * object {status, timestamp (RFC 3339 UTC), checks: {name: {status,
 * message, duration_ms}}}; with `single` the one result's object alone
 * (as /health/<name> returns it, with name and timestamp added).
 * @return a NUL-terminated string the caller frees with free(); NULL when
 *         memory is exhausted.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API char *otelc_health_report_json(const otelc_health_report *report,
                                         bool single);

/**
 * otelc_health_start_background - run check_all every interval_s seconds
 * on a background thread (the first run at once), keeping
 * otelc_health_last() fresh.  Restarts with the new interval when already
 * running.
 * @param interval_s  0 = HEALTH_CHECK_INTERVAL (30).
 * Thread-safety: any thread.  Blocking: starts a thread.  Since: 0.1.
 */
OTELC_API otelc_status otelc_health_start_background(
    otelc_health_registry *registry, uint32_t interval_s);

/** otelc_health_stop_background - stop the refresh (waits for the thread
 *  up to the largest check timeout, then abandons it).  Since: 0.1. */
OTELC_API void otelc_health_stop_background(otelc_health_registry *registry);

/* ---- Built-in checks ----------------------------------------------------- */

/**
 * otelc_health_register_disk - unhealthy when the filesystem holding
 * `path` has less than min_free_percent of its space available to
 * unprivileged users (statvfs).  Message: "12.5% free (4.1 GiB of
 * 32.0 GiB) on /data".  Since: 0.1.
 */
OTELC_API otelc_status otelc_health_register_disk(
    otelc_health_registry *registry, const char *name, const char *path,
    double min_free_percent, uint32_t timeout_ms);

/**
 * otelc_health_register_memory - unhealthy when more than max_used_percent
 * of the host's memory is in use (MemTotal - MemAvailable of
 * /proc/meminfo).  Since: 0.1.
 */
OTELC_API otelc_status
otelc_health_register_memory(otelc_health_registry *registry, const char *name,
                             double max_used_percent, uint32_t timeout_ms);

/**
 * otelc_health_register_tcp - healthy when a TCP connection to host:port
 * opens within the timeout (non-blocking connect; every address of the
 * host is tried in turn).  Since: 0.1.
 */
OTELC_API otelc_status
otelc_health_register_tcp(otelc_health_registry *registry, const char *name,
                          const char *host, uint16_t port, uint32_t timeout_ms);

/**
 * otelc_health_register_http - healthy when an HTTP GET of `url` (libcurl,
 * redirects not followed) answers with expected_status within the timeout.
 * Without libcurl in the build the check reports "not built".
 * Since: 0.1.
 */
OTELC_API otelc_status otelc_health_register_http(
    otelc_health_registry *registry, const char *name, const char *url,
    long expected_status, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_HEALTH_H */
