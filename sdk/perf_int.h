/*
 * sdk/perf_int.h - slow-operation detection internals, used by the server
 * instrumentation (instrumentation/microhttpd/) and sdk/init.c.  Not
 * installed.
 */
#ifndef OTELC_SDK_PERF_INT_H
#define OTELC_SDK_PERF_INT_H

#include "sdk/internal.h"

#include "otelc/perf.h"

/* Count a served request of `duration_ns`; true when it is slow and
 * detection is on (the caller then makes the request's context current
 * and calls otelc__perf_slow_request). */
bool otelc__perf_request_done(uint64_t duration_ns);
/* Flag a slow request: slow=true on `span`, the WARN record (made in the
 * current context) naming `target` (the route, else the path), the
 * counter labelled with `route` only (a route template, or "" for none:
 * never a raw path, which would make a series per URL). */
void otelc__perf_slow_request(otelc_span *span, const char *method,
                              const char *route, const char *target,
                              unsigned status, uint64_t duration_ns);

/* sdk/init.c */
void otelc__perf_start(void);
void otelc__perf_stop(void);

#endif /* OTELC_SDK_PERF_INT_H */
