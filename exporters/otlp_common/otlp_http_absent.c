/*
 * exporters/otlp_common/otlp_http_absent.c - the OTLP/HTTP transport in a
 * build configured with -DOTELC_WITH_OTLP_HTTP=OFF: it says so.
 */
#include "exporters/otlp_common/otlp_exporter.h"

void *otelc__otlp_http_new(const otelc__otlp_config *cfg,
                           const otelc__otlp_signal *sig,
                           const otelc__otlp_transport_ops **ops) {
    (void)cfg;
    *ops = NULL;
    otelc__diag(OTELC_DIAG_WARN,
                "otlp: protocols http/protobuf and http/json are not built "
                "into this otelc (configure with -DOTELC_WITH_OTLP_HTTP=ON, "
                "or use grpc); %s are not exported",
                sig->items);
    return NULL;
}
