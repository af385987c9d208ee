/*
 * examples/shop/shop_common.c - see shop_common.h.
 *
 * Threads: MHD serves requests on a pool of 4 threads; the main thread
 * waits for SIGTERM with sigwait(), which only works if every thread has
 * the signal blocked, so it is blocked before MHD starts its threads.
 */
#include "shop_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(const char *prog) {
    fprintf(stderr,
            "usage: %s [--port N] [--port-file PATH]%s\n"
            "Telemetry is configured by the OTEL_* environment (for "
            "example OTEL_TRACES_EXPORTER=file OTELC_FILE_PATH=traces.jsonl)."
            "\n",
            prog, strstr(prog, "frontend") ? " --backend URL" : "");
    exit(2);
}

void shop_parse_args(int argc, char **argv, shop_args *out, bool need_backend) {
    memset(out, 0, sizeof *out);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            long p = strtol(argv[++i], NULL, 10);
            if (p < 0 || p > 65535)
                usage(argv[0]);
            out->port = (uint16_t)p;
        } else if (!strcmp(argv[i], "--port-file") && i + 1 < argc) {
            out->port_file = argv[++i];
        } else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
            out->backend = argv[++i];
        } else {
            usage(argv[0]);
        }
    }
    if (need_backend && !out->backend)
        usage(argv[0]);
}

void shop_init(const char *service) {
    otelc_options *o = otelc_options_new();
    if (!getenv("OTEL_SERVICE_NAME"))
        otelc_options_set_service_name(o, service);
    if (otelc_init(o) != OTELC_OK)
        fprintf(stderr, "%s: otelc_init failed; running without telemetry\n",
                service);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

struct MHD_Daemon *shop_start(const char *service, const shop_args *args,
                              MHD_AccessHandlerCallback handler,
                              otelc_mhd_route_fn route,
                              otelc_mhd_server **wrapper) {
    otelc_mhd_options o = {
        .handler = handler, .completed = shop_request_done, .route = route};
    *wrapper = otelc_mhd_server_new(&o);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(args->port);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, args->port, NULL,
        NULL, otelc_mhd_access_handler, *wrapper, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_THREAD_POOL_SIZE, 4, MHD_OPTION_CONNECTION_TIMEOUT, 30,
        OTELC_MHD_OPTION_COMPLETED(*wrapper), MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1:%u\n", service,
                args->port);
        exit(1);
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : args->port;
    printf("%s: listening on http://127.0.0.1:%u\n", service, port);
    fflush(stdout);
    if (args->port_file) {
        /* Written whole, then renamed: a reader never sees half a port. */
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", args->port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) ||
            rename(tmp, args->port_file)) {
            fprintf(stderr, "%s: cannot write %s\n", service, args->port_file);
            exit(1);
        }
    }
    return d;
}

int shop_wait_and_stop(const char *service, struct MHD_Daemon *d,
                       otelc_mhd_server *wrapper) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    otelc_mhd_server_free(wrapper);
    otelc_status st = otelc_shutdown(5000);
    printf("%s: %s received, stopped (telemetry flushed: %s)\n", service,
           sig == SIGTERM ? "SIGTERM" : "SIGINT", otelc_strerror(st));
    fflush(stdout);
    return st == OTELC_OK ? 0 : 1;
}

enum MHD_Result shop_reply(const char *service, struct MHD_Connection *c,
                           const char *method, const char *url, unsigned status,
                           const char *json) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = otelc_mhd_queue_response(c, status, r);
    MHD_destroy_response(r);
    /* One access-log line, correlated with the trace. */
    otelc_span_context sc = otelc_current_span_context();
    char tid[33] = "-", sid[17] = "-";
    if (otelc_span_context_is_valid(&sc)) {
        otelc_trace_id_to_hex(sc.trace_id, tid);
        otelc_span_id_to_hex(sc.span_id, sid);
    }
    const char *q =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "item");
    const char *rid = otelc_request_id_current();
    printf("%s: %s %s%s%s %u request_id=%s trace_id=%s span_id=%s\n", service,
           method, url, q ? "?item=" : "", q ? q : "", status, rid ? rid : "-",
           tid, sid);
    fflush(stdout);
    return ret;
}

typedef struct upload {
    size_t len;
    char buf[1024];
} upload;

bool shop_request_ready(const char *data, size_t *size, void **con_cls,
                        const char **body) {
    if (!*con_cls) {
        *con_cls = calloc(1, sizeof(upload));
        return false; /* the next call brings the body, or the end */
    }
    upload *u = *con_cls;
    if (*size) {
        size_t room = sizeof u->buf - 1 - u->len;
        size_t n = *size < room ? *size : room;
        memcpy(u->buf + u->len, data, n);
        u->len += n;
        *size = 0;
        return false;
    }
    u->buf[u->len] = '\0';
    *body = u->buf;
    return true;
}

void shop_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}
