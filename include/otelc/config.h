/*
 * otelc/config.h - configuration, otelc_init() and otelc_shutdown().
 *
 * One loader reads every setting otelc knows, with this precedence:
 *   defaults  <  .env file  <  environment  <  options set in code.
 * The .env file is ./.env, or the file named by OTELC_ENV_FILE.  Its syntax:
 * one NAME=value per line; blank lines and lines starting with # are
 * ignored; an optional leading "export "; values may be single-quoted
 * (taken literally) or double-quoted (\n, \t, \", \\ and \$ escapes); an
 * unquoted value ends at " #" (a comment) and is trimmed.
 *
 * Every value is validated when loaded.  A bad value never crashes and
 * never silently changes behaviour: one diagnostic line names the variable,
 * the value and what is used instead.  The full list of settings, with
 * defaults and meaning, is in README.md ("Configuration") and printed by
 * otelc_config_dump().
 */
#ifndef OTELC_CONFIG_H
#define OTELC_CONFIG_H

#include <stdio.h>

#include "otelc/common.h"
#include "otelc/export.h"
#include "otelc/status.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_options otelc_options;

/**
 * otelc_options_new - an empty options object (everything from the
 * environment and defaults).  Free with otelc_options_free(), unless it is
 * handed to otelc_init(), which takes ownership.
 * Thread-safety: the object is not shared; any thread.  Since: 0.1.
 * Blocking: never.
 */
OTELC_API otelc_options *otelc_options_new(void);

/** otelc_options_free - NULL is accepted.  Since: 0.1.
 *  Thread-safety: not concurrently with other use of the options.  Blocking:
 * never. */
OTELC_API void otelc_options_free(otelc_options *options);

/**
 * otelc_options_set - set any known setting by its variable name, e.g.
 * otelc_options_set(o, "OTEL_BSP_MAX_QUEUE_SIZE", "8192").  Values set here
 * win over the environment.  The value is validated now.
 * @return OTELC_OK, OTELC_ENOTFOUND (unknown name), OTELC_ECONFIG (bad
 *         value: one diagnostic line, the setting is left unchanged) or
 *         OTELC_EINVAL.  Since: 0.1.
 * Thread-safety: an options object is used by one thread at a time.  Blocking:
 * never.
 */
OTELC_API otelc_status otelc_options_set(otelc_options *options,
                                         const char *name, const char *value);

/** otelc_options_set_service_name - shorthand for OTEL_SERVICE_NAME.
 *  Thread-safety: one thread at a time per options object.  Blocking: never.
 * Since: 0.1. */
OTELC_API otelc_status otelc_options_set_service_name(otelc_options *options,
                                                      const char *name);

/** otelc_options_set_env_file - read this .env file instead of ./.env
 *  (NULL or "" disables .env loading).  Since: 0.1.
 *  Thread-safety: one thread at a time per options object.  Blocking: never. */
OTELC_API otelc_status otelc_options_set_env_file(otelc_options *options,
                                                  const char *path);

/**
 * otelc_options_add_span_exporter - add an exporter object built in code;
 * otelc_init() puts it behind its own batch processor, next to the ones
 * OTEL_TRACES_EXPORTER names.  Takes ownership of `exporter`.
 * Since: 0.1.
 * Thread-safety: one thread at a time per options object.  Blocking: never.
 */
OTELC_API otelc_status otelc_options_add_span_exporter(
    otelc_options *options, otelc_span_exporter *exporter);

/** otelc_options_set_sampler - use this sampler instead of the configured
 *  one.  Takes ownership.  Since: 0.1.
 *  Thread-safety: one thread at a time per options object.  Blocking: never. */
OTELC_API otelc_status otelc_options_set_sampler(otelc_options *options,
                                                 otelc_sampler *sampler);

/**
 * otelc_init - set up telemetry from configuration in one call.
 *
 * Loads the configuration, builds the resource, the sampler, one batch
 * processor per exporter named in OTEL_TRACES_EXPORTER (plus those added
 * in code) and installs the tracer provider as the global one.  With
 * OTEL_SDK_DISABLED=true nothing is installed (the no-op provider stays).
 *
 * @param options  NULL = environment and defaults; otherwise ownership is
 *                 taken, even on failure.
 * @return OTELC_OK; OTELC_EEXIST when already initialised (call
 *         otelc_shutdown() first); OTELC_ENOMEM.  Configuration problems
 *         are not failures: they are diagnosed and defaults are used.
 * Thread-safety: call once, from one thread, before starting spans on
 * others.  Blocking: starts background threads, reads files.  Since: 0.1.
 */
OTELC_API otelc_status otelc_init(otelc_options *options);

/**
 * otelc_shutdown - flush and stop everything otelc_init() started, within
 * timeout_ms.  Idempotent and safe without otelc_init().  Afterwards the
 * global provider is the no-op one, and otelc_init() may be called again.
 * @return OTELC_OK, or OTELC_ETIMEDOUT when some exporter did not finish
 *         (its unexported spans are counted as dropped).
 * Thread-safety: any one thread.  Blocking: up to timeout_ms.  Since: 0.1.
 */
OTELC_API otelc_status otelc_shutdown(uint32_t timeout_ms);

/** otelc_force_flush - export everything pending, within timeout_ms.
 *  Thread-safety: any thread.  Blocking: up to timeout_ms.  Since: 0.1. */
OTELC_API otelc_status otelc_force_flush(uint32_t timeout_ms);

/** otelc_is_initialized - true between otelc_init() and otelc_shutdown().
 *  Thread-safety: safe from any thread.  Blocking: never.  Since: 0.1. */
OTELC_API bool otelc_is_initialized(void);

/** Where an effective setting came from. */
typedef enum otelc_config_source {
    OTELC_CONFIG_DEFAULT = 0,
    OTELC_CONFIG_ENV_FILE = 1,
    OTELC_CONFIG_ENVIRONMENT = 2,
    OTELC_CONFIG_CODE = 3
} otelc_config_source;

/**
 * otelc_config_get - the effective value of a setting, as a string ("" for
 * an unset string setting), after validation (a bad value reads as the
 * default that replaced it).
 * @param source  optional out: where the value came from.
 * @return borrowed until the next otelc_init()/otelc_shutdown(); NULL for
 *         an unknown name.
 * Thread-safety: any thread, not concurrently with otelc_init/shutdown.
 * Since: 0.1.
 * Blocking: the first call loads .env and the environment.
 */
OTELC_API const char *otelc_config_get(const char *name,
                                       otelc_config_source *source);

/** otelc_config_dump - write every setting, its effective value and its
 *  source to `out`, one per line.  Since: 0.1.
 *  Thread-safety: any thread, not concurrently with otelc_init/shutdown.
 * Blocking: writes to out. */
OTELC_API void otelc_config_dump(FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_CONFIG_H */
