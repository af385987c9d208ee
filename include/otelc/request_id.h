/*
 * otelc/request_id.h - the request id (X-Request-ID) of the request this
 * thread is handling.
 *
 * The libmicrohttpd server wrapper (otelc/microhttpd.h) takes the id from
 * the incoming X-Request-ID header, or generates one, and makes it current
 * while the request's handler runs; log records read it from here.  Other
 * servers set it the same way with otelc_request_id_swap().
 *
 * The id is a per-thread borrowed pointer, not part of the context that
 * otelc_context_capture() copies: code that hands a request to another
 * thread passes the id along itself.
 */
#ifndef OTELC_REQUEST_ID_H
#define OTELC_REQUEST_ID_H

#include "otelc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest request id otelc accepts from a client, in bytes. */
#define OTELC_REQUEST_ID_MAX 128
/** Length of a generated id (a UUID version 4 in its 36-character form). */
#define OTELC_REQUEST_ID_GENERATED_LEN 36

/**
 * otelc_request_id_current - the request id of the request this thread is
 * handling, or NULL.
 * @return borrowed: valid while the request's handler runs (until the
 *         matching otelc_request_id_swap() restores the previous id).
 * Thread-safety: reads the calling thread's slot.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API const char *otelc_request_id_current(void);

/**
 * otelc_request_id_swap - make `id` the calling thread's request id and
 * return the previous one, which the caller restores with another swap
 * when the request's work on this thread is done.
 * @param id  borrowed: must stay valid until it is swapped out; NULL
 *            clears the id.
 * Thread-safety: calling thread only.  Blocking: never.  Since: 0.1.
 */
OTELC_API const char *otelc_request_id_swap(const char *id);

/**
 * otelc_request_id_generate - write a new random id (UUID version 4,
 * lowercase, 36 characters) and a NUL into out.
 * @return out.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API char *otelc_request_id_generate(char out[OTELC_REQUEST_ID_GENERATED_LEN + 1]);

/**
 * otelc_request_id_valid - whether a received id may be reused: 1 to
 * OTELC_REQUEST_ID_MAX characters, each a letter, digit or one of
 * "-_.:+/=@~".  Anything else (spaces, control characters, quotes) could
 * break the response header or a log line, so such an id is replaced.
 * Thread-safety: pure function.  Blocking: never.  Since: 0.1.
 */
OTELC_API bool otelc_request_id_valid(const char *id, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_REQUEST_ID_H */
