/*
 * otelc/microhttpd.h - libmicrohttpd server instrumentation.
 *
 * A wrapper around an MHD access handler.  For each request it extracts
 * the incoming context (global propagator, or the one given), starts a
 * SERVER span named "METHOD route" (the route from a user callback, else
 * the raw path), takes the X-Request-ID header (or generates an id), and
 * runs the handler with the request's context current, the request id
 * current (otelc_request_id_current()), and the handler's own con_cls
 * slot.  The span ends in MHD's request-completed callback, after the
 * response went out.
 *
 * Attributes: http.request.method (+ http.request.method_original),
 * url.path, url.scheme, http.route (when the route callback names one),
 * server.address and server.port (from the Host header, else the
 * configured or bound address), client.address, user_agent.original,
 * network.protocol.version, http.response.status_code, and the request id
 * as http.request.header.x-request-id.  Status ERROR on a 5xx response
 * (error.type is the status code) and when the request did not complete
 * (error.type names MHD's termination reason); 4xx is not an error of the
 * server.
 *
 * Use:
 *   otelc_mhd_options o = {.handler = my_handler, .handler_cls = app,
 *                          .route = my_route};
 *   otelc_mhd_server *srv = otelc_mhd_server_new(&o);
 *   d = MHD_start_daemon(flags, port, NULL, NULL,
 *                        otelc_mhd_access_handler, srv,
 *                        OTELC_MHD_OPTION_COMPLETED(srv), MHD_OPTION_END);
 *   ... in my_handler: otelc_mhd_queue_response(conn, 200, resp);
 *   MHD_stop_daemon(d);
 *   otelc_mhd_server_free(srv);
 *
 * MHD calls the handler several times per request (headers, then upload
 * data chunks, then the end); the wrapper keeps one span per request
 * across those calls and gives the handler its own con_cls slot, so the
 * usual "first call sees *con_cls == NULL" protocol works unchanged.
 * Register your own completion callback in otelc_mhd_options, not with
 * MHD_OPTION_NOTIFY_COMPLETED (which the wrapper needs).
 *
 * This header includes <microhttpd.h>; link with libotelc (built with
 * OTELC_WITH_MICROHTTPD, the default), which links libmicrohttpd.
 */
#ifndef OTELC_MICROHTTPD_H
#define OTELC_MICROHTTPD_H

#include <microhttpd.h>

#include "otelc/propagation.h"
#include "otelc/request_id.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_mhd_server otelc_mhd_server;

/**
 * A route callback: the low-cardinality route template for a request
 * ("/orders/{id}"), or NULL when none matches (the span is then named
 * after the raw path and has no http.route).  The returned string is
 * copied before the callback's caller returns.  Called once per request,
 * on MHD's thread.
 */
typedef const char *(*otelc_mhd_route_fn)(void *cls, const char *method,
                                          const char *path);

/** Wrapper settings.  Zero-initialise; only handler is required. */
typedef struct otelc_mhd_options {
    MHD_AccessHandlerCallback handler; /* the application's handler */
    void *handler_cls;
    /* The application's completion callback (optional): called with the
     * handler's con_cls slot, with the request's context current. */
    MHD_RequestCompletedCallback completed;
    void *completed_cls;
    otelc_mhd_route_fn route; /* optional */
    void *route_cls;
    otelc_tracer *tracer; /* NULL = the global provider's tracer */
    const otelc_propagator *propagator; /* NULL = the global propagator */
    /* server.address / server.port when the request has no Host header;
     * NULL / 0 = "127.0.0.1"-style bound address and port of the daemon. */
    const char *server_address;
    uint16_t server_port;
} otelc_mhd_options;

/**
 * otelc_mhd_server_new - a wrapper for one daemon; opts is copied (its
 * strings are borrowed for the wrapper's life).
 * @return the wrapper (free with otelc_mhd_server_free() after
 *         MHD_stop_daemon()), or NULL without a handler or memory.
 * Thread-safety: any thread.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_mhd_server *otelc_mhd_server_new(const otelc_mhd_options *opts);

/** otelc_mhd_server_free - free the wrapper; NULL is accepted.  Call it
 *  after MHD_stop_daemon() (requests still open then are reported).
 *  Thread-safety: no request may be in progress.  Blocking: never.
 *  Since: 0.1. */
OTELC_API void otelc_mhd_server_free(otelc_mhd_server *server);

/** The access handler to give MHD_start_daemon() with the wrapper as its
 *  closure.  Thread-safety: as MHD calls it.  Blocking: as the
 *  application's handler.  Since: 0.1. */
OTELC_API enum MHD_Result
otelc_mhd_access_handler(void *server, struct MHD_Connection *connection,
                         const char *url, const char *method,
                         const char *version, const char *upload_data,
                         size_t *upload_data_size, void **con_cls);

/** The completion callback, registered with OTELC_MHD_OPTION_COMPLETED:
 *  ends the request's span.  Thread-safety: as MHD calls it.  Blocking:
 *  as the application's completion callback.  Since: 0.1. */
OTELC_API void otelc_mhd_request_completed(void *server,
                                           struct MHD_Connection *connection,
                                           void **con_cls,
                                           enum MHD_RequestTerminationCode toe);

/** The MHD_start_daemon() options the wrapper needs. */
#define OTELC_MHD_OPTION_COMPLETED(server)                                     \
    MHD_OPTION_NOTIFY_COMPLETED, otelc_mhd_request_completed, (void *)(server)

/**
 * otelc_mhd_queue_response - MHD_queue_response() that also records the
 * status on the span and adds the X-Request-ID header to the response.
 * Call it from the wrapped handler.  It modifies `response`, so give each
 * request its own response object (MHD_queue_response() itself remains
 * usable: the status is then read from MHD, only the echo is missing).
 * Thread-safety: MHD's thread of the request.  Blocking: never.
 * Since: 0.1.
 */
OTELC_API enum MHD_Result
otelc_mhd_queue_response(struct MHD_Connection *connection,
                         unsigned int status_code,
                         struct MHD_Response *response);

/** otelc_mhd_request_carrier - a read-only carrier over a request's
 *  headers (get and foreach; MHD compares names case-insensitively).
 *  Valid while MHD processes the request.  Thread-safety: MHD's thread
 *  of the request.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_carrier
otelc_mhd_request_carrier(struct MHD_Connection *connection);

/** otelc_mhd_response_carrier - a carrier that sets response headers
 *  (e.g. to inject a context into a response).  Thread-safety: one
 *  thread per response object.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_carrier
otelc_mhd_response_carrier(struct MHD_Response *response);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_MICROHTTPD_H */
