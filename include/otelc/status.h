/*
 * otelc/status.h - status codes returned by otelc functions.
 *
 * Every otelc function that can fail returns an otelc_status.  The values
 * are frozen: new codes are appended, none is ever renumbered or reused.
 * otelc_strerror() turns a code into a static, human-readable string; the
 * detail of a particular failure goes to the self-diagnostics stream
 * (see otelc/diag.h), never into the return value.
 */
#ifndef OTELC_STATUS_H
#define OTELC_STATUS_H

#include "otelc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The one table of status codes: X(name, value, message).  It generates the
 * enum below and the strings returned by otelc_strerror().
 */
#define OTELC_STATUS_MAP(X)                                                    \
    X(OK, 0, "success")                                                        \
    X(EINVAL, 1, "invalid argument")                                           \
    X(ENOMEM, 2, "out of memory")                                              \
    X(ESTATE, 3, "operation not allowed in the current state")                 \
    X(ETIMEDOUT, 4, "deadline passed before the operation completed")          \
    X(EFULL, 5, "queue full, item dropped")                                    \
    X(ENOTFOUND, 6, "not found")                                               \
    X(EIO, 7, "input/output error")                                            \
    X(EUNSUPPORTED, 8, "not supported by this build")                          \
    X(ECONFIG, 9, "invalid configuration value")                               \
    X(ESHUTDOWN, 10, "already shut down")                                      \
    X(EEXPORT, 11, "export failed")                                            \
    X(EPARSE, 12, "malformed input")                                           \
    X(EEXIST, 13, "already exists")

/** Result of an otelc call.  OTELC_OK (0) is success; every other value is
 *  an error that otelc_strerror() describes. */
typedef enum otelc_status {
#define OTELC__STATUS_ENUM(name, value, msg) OTELC_##name = value,
    OTELC_STATUS_MAP(OTELC__STATUS_ENUM)
#undef OTELC__STATUS_ENUM
} otelc_status;

/**
 * otelc_strerror - describe a status code.
 *
 * @param status  any value, including ones this version does not know.
 * @return a static string; never NULL ("unknown status" for unknown codes).
 *
 * Thread-safety: safe from any thread.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API const char *otelc_strerror(otelc_status status);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_STATUS_H */
