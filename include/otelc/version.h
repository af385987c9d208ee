/*
 * otelc/version.h - compile-time and run-time version of otelc.
 */
#ifndef OTELC_VERSION_H
#define OTELC_VERSION_H

#include "otelc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTELC_VERSION_MAJOR 0
#define OTELC_VERSION_MINOR 1
#define OTELC_VERSION_PATCH 0
#define OTELC_VERSION_STRING "0.1.0"
/** One number that grows with every release: 0xMMmmpp. */
#define OTELC_VERSION_NUMBER                                                   \
    ((OTELC_VERSION_MAJOR << 16) | (OTELC_VERSION_MINOR << 8) |                \
     OTELC_VERSION_PATCH)

/**
 * otelc_version - the version of the library actually linked.
 *
 * @return a static string such as "0.1.0".
 * Thread-safety: safe from any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API const char *otelc_version(void);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_VERSION_H */
