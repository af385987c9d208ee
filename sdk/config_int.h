/*
 * sdk/config_int.h - typed access to the loaded configuration.  Not
 * installed.  Components read their settings when they are created (never
 * on a hot path) through these getters.
 */
#ifndef OTELC_SDK_CONFIG_INT_H
#define OTELC_SDK_CONFIG_INT_H

#include "sdk/internal.h"

#include "otelc/config.h"

typedef enum otelc__cfg_id {
#define OTELC__CFG_ENUM(id, name, type, def, min, max, choices, desc)          \
    OTELC_CFG_##id,
#include "sdk/config_table.h"
    OTELC_CONFIG_TABLE(OTELC__CFG_ENUM)
#undef OTELC__CFG_ENUM
        OTELC_CFG__COUNT
} otelc__cfg_id;

/* The effective string value: "" when unset.  Borrowed until the next
 * otelc_init()/otelc_shutdown(). */
const char *otelc__cfg_str(otelc__cfg_id id);
/* Numeric views; an unset value reads as `fallback`. */
int64_t otelc__cfg_int(otelc__cfg_id id, int64_t fallback);
double otelc__cfg_double(otelc__cfg_id id, double fallback);
bool otelc__cfg_bool(otelc__cfg_id id, bool fallback);
/* True when set by .env, the environment or code (not a default). */
bool otelc__cfg_is_set(otelc__cfg_id id);
otelc_config_source otelc__cfg_source(otelc__cfg_id id);
const char *otelc__cfg_name(otelc__cfg_id id);
/* True when the LIST setting contains `item`. */
bool otelc__cfg_list_has(otelc__cfg_id id, const char *item);

/* Forget the loaded configuration: the next read reloads from .env and the
 * environment (used by otelc_shutdown() and by tests). */
void otelc__config_reset(void);
/* Load from .env, the environment and `opts` (may be NULL) and make it the
 * active configuration. */
void otelc__config_load(const otelc_options *opts);

/* Parse "k1=v1,k2=v2" with percent-decoding (OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_EXPORTER_OTLP_HEADERS).  Calls fn for each pair.  Returns false,
 * after calling fn for nothing, when any part is malformed; *err then
 * describes the problem (static string). */
bool otelc__parse_kv_list(const char *s,
                          void (*fn)(const char *k, const char *v, void *arg),
                          void *arg, const char **err);

/* .env parsing (sdk/dotenv.c): calls fn for each NAME=value; reports syntax
 * errors with the file name and line through diagnostics.  Returns false
 * when the file cannot be read (missing is not an error: returns true). */
bool otelc__dotenv_parse(const char *path,
                         void (*fn)(const char *name, const char *value,
                                    int line, void *arg),
                         void *arg);
/* Parse from memory (for tests and fuzzing). */
void otelc__dotenv_parse_buffer(const char *buf, size_t len, const char *label,
                                void (*fn)(const char *name, const char *value,
                                           int line, void *arg),
                                void *arg);

#endif /* OTELC_SDK_CONFIG_INT_H */
