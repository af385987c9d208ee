/*
 * examples/shop/shop_common.h - what the shop's two services share: command
 * line, starting an instrumented libmicrohttpd daemon on the loopback
 * interface, answering, logging one line per request, and a clean stop on
 * SIGTERM.  Uses only otelc's public API.
 */
#ifndef SHOP_COMMON_H
#define SHOP_COMMON_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/microhttpd.h>
#include <otelc/otelc.h>

typedef struct shop_args {
    uint16_t port;         /* --port N (0 = any free port) */
    const char *port_file; /* --port-file PATH: the bound port is written */
    const char *backend;   /* --backend URL (frontend only) */
} shop_args;

/* Parse the command line; exits with a usage line on errors. */
void shop_parse_args(int argc, char **argv, shop_args *out, bool need_backend);

/* otelc_init() with service.name defaulting to `service` (unless
 * OTEL_SERVICE_NAME is set), then SIGTERM/SIGINT blocked in every thread
 * so that shop_wait_for_signal() receives them. */
void shop_init(const char *service);

/* Start the daemon on 127.0.0.1 with the otelc wrapper around `handler`;
 * writes the port file; exits on failure. */
struct MHD_Daemon *shop_start(const char *service, const shop_args *args,
                              MHD_AccessHandlerCallback handler,
                              otelc_mhd_route_fn route,
                              otelc_mhd_server **wrapper);

/* Block until SIGTERM or SIGINT; then stop the daemon, flush telemetry
 * (otelc_shutdown, 5 s at most) and return the exit status. */
int shop_wait_and_stop(const char *service, struct MHD_Daemon *d,
                       otelc_mhd_server *wrapper);

/* Queue a JSON answer (copied) and write the access-log line. */
enum MHD_Result shop_reply(const char *service, struct MHD_Connection *c,
                           const char *method, const char *url, unsigned status,
                           const char *json);

/* The first call of the handler for a request only announces it (MHD's
 * protocol); returns true when this call should produce the answer.  Also
 * swallows upload data into a small buffer held in *con_cls (freed by
 * shop_request_done, which the services register as their completion
 * callback). */
bool shop_request_ready(const char *upload, size_t *upload_size, void **con_cls,
                        const char **body);
void shop_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe);

#endif
