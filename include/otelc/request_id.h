/*
 * otelc/request_id.h - request ids (X-Request-ID): generating one, and
 * deciding whether a received one may be reused.
 *
 * The calling thread's current request id is otelc_request_id_set() /
 * otelc_request_id_current() in otelc/context.h.  The libmicrohttpd server
 * wrapper (otelc/microhttpd.h) takes the id from the incoming X-Request-ID
 * header when otelc_request_id_valid() accepts it, or makes one with
 * otelc_request_id_generate(), and sets it for the duration of each call
 * of the application's handler; log records read it from there.
 */
#ifndef OTELC_REQUEST_ID_H
#define OTELC_REQUEST_ID_H

#include "otelc/common.h"
#include "otelc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Length of a generated id (a UUID version 4 in its 36-character form). */
#define OTELC_REQUEST_ID_GENERATED_LEN 36

/**
 * otelc_request_id_generate - write a new random id (UUID version 4,
 * lowercase, 36 characters) and a NUL into out.
 * @return out.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API char *
otelc_request_id_generate(char out[OTELC_REQUEST_ID_GENERATED_LEN + 1]);

/**
 * otelc_request_id_valid - whether a received id may be reused: 1 to
 * OTELC_REQUEST_ID_MAX - 1 characters (what otelc_request_id_set() keeps
 * whole), each a letter, digit or one of "-_.:+/=@~".  Anything else
 * (spaces, control characters, quotes) could break the response header
 * that echoes it or a log line, so such an id is replaced.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API bool otelc_request_id_valid(const char *id, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_REQUEST_ID_H */
