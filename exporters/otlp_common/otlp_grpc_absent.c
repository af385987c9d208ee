/*
 * exporters/otlp_common/otlp_grpc_absent.c - the OTLP/gRPC transport in a
 * build configured with -DOTELC_WITH_OTLP_GRPC=OFF: it says so.
 */
#include "exporters/otlp_common/otlp_exporter.h"

void *otelc__otlp_grpc_new(const otelc__otlp_config *cfg,
                           const otelc__otlp_signal *sig,
                           const otelc__otlp_transport_ops **ops) {
    (void)cfg;
    *ops = NULL;
    otelc__diag(OTELC_DIAG_WARN,
                "otlp: protocol grpc is not built into this otelc (configure "
                "with -DOTELC_WITH_OTLP_GRPC=ON, or use http/protobuf); %s "
                "are not exported",
                sig->items);
    return NULL;
}
