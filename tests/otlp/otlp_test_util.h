/*
 * tests/otlp/otlp_test_util.h - helpers shared by the OTLP tests: a span
 * with every field set (and the checks that each field arrived intact), a
 * provider wired to an OTLP exporter, and TLS material made at test time.
 */
#ifndef OTELC_TEST_OTLP_UTIL_H
#define OTELC_TEST_OTLP_UTIL_H

#include "peers/otlp_collector.h"
#include "support/test_support.h"

/* The values make_full_span() uses, for the checks. */
extern const uint8_t full_remote_trace_id[16];
extern const uint8_t full_remote_span_id[8];
extern const uint8_t full_link_trace_id[16];
extern const uint8_t full_link_span_id[8];
#define FULL_START_NS 1700000000123456789ull
#define FULL_END_NS 1700000001987654321ull
#define FULL_EVENT_NS 1700000000500000001ull

/* Limits that make every dropped count non-zero in make_full_span(). */
otelc_span_limits full_span_limits(void);
/* The resource make_full_span()'s provider should use (caller owns). */
otelc_resource *full_resource(void);

/* Start and end a span named `name` with every field set: remote parent
 * with tracestate, kind SERVER, explicit times, attributes of every value
 * type (one dropped by the limits), two events (one dropped; one of its
 * attributes dropped), two links (one dropped), status ERROR with a
 * description.  Returns its span context. */
otelc_span_context make_full_span(otelc_tracer *t, const char *name);

/* Assert that the collector's copy of that span matches field by field. */
void check_full_span(const oc_span *s, const otelc_span_context *sc);

/* A provider (full_resource, always_on) with one batch processor over an
 * OTLP exporter built from `o`; *exporter is borrowed. */
typedef struct otlp_pipe {
    otelc_tracer_provider *provider;
    otelc_tracer *tracer;
    otelc_span_processor *proc;
    otelc_span_exporter *exporter;
} otlp_pipe;
void otlp_pipe_init(otlp_pipe *p, const otelc_otlp_options *o,
                    const otelc_batch_options *bo);
void otlp_pipe_free(otlp_pipe *p);
/* Sum of the processor's drop counters. */
uint64_t otlp_pipe_dropped(otlp_pipe *p);

/* "http://127.0.0.1:<port>" / "...:<port>/v1/traces" in a static buffer. */
const char *grpc_url(int port);
const char *http_url(int port);

/* Generate a self-signed certificate for 127.0.0.1 and localhost with the
 * openssl command; paths stay valid for the process.  make_client_cert()
 * makes a second one, for mutual TLS. */
void make_tls_cert(const char **cert, const char **key);
void make_client_cert(const char **cert, const char **key);

/* Start a collector with the given transports (aborts the test on
 * failure). */
oc_collector *start_collector(bool grpc, bool http);

#endif
