/*
 * exporters/jaeger/jaeger_encode.h - OpenTelemetry spans as jaeger.Batch
 * in the Thrift binary protocol.  Not installed.
 *
 * The field ids and types are those of Jaeger's IDL (jaeger-idl,
 * thrift/jaeger.thrift); the mapping from OpenTelemetry is the
 * specification's (trace/sdk_exporters/jaeger.md and
 * common/mapping-to-non-otlp.md).  docs/jaeger.md has the table.
 *
 * A Batch carries one Process, so one Batch holds spans of one resource.
 * The encoder is used by one thread at a time (the exporter's worker).
 */
#ifndef OTELC_JAEGER_ENCODE_H
#define OTELC_JAEGER_ENCODE_H

#include "exporters/jaeger/thrift_binary.h"

#include "otelc/export.h"

typedef struct otelc__jaeger_enc {
    otelc__buf scratch;                /* JSON text of array attributes */
    otelc__buf process;                /* the encoded Process of process_for */
    const otelc_resource *process_for; /* cache key; NULL = none yet */
} otelc__jaeger_enc;

void otelc__jaeger_enc_init(otelc__jaeger_enc *e);
void otelc__jaeger_enc_free(otelc__jaeger_enc *e);

/* Append one Span struct (its fields and the stop byte). */
void otelc__jaeger_encode_span(otelc__jaeger_enc *e, otelc__buf *out,
                               const otelc_span_data *span);

/* Start a Batch for spans of `resource` (NULL = an empty process named
 * "unknown_service"): the Process field and the header of the spans list.
 * Returns the offset of the list size, for otelc__jaeger_batch_finish().
 * The Process encoding is cached per resource pointer: a resource is
 * immutable and lives as long as its provider, which outlives the
 * exporter. */
size_t otelc__jaeger_batch_begin(otelc__jaeger_enc *e, otelc__buf *out,
                                 const otelc_resource *resource);

/* Bytes otelc__jaeger_batch_finish() appends (seqNo field and stop). */
#define OTELC__JAEGER_BATCH_TRAILER 12u

/* End a Batch: fix the span count, write seqNo (optional field 3; none
 * when seq_no < 0) and the stop byte. */
void otelc__jaeger_batch_finish(otelc__buf *out, size_t count_offset,
                                int32_t span_count, int64_t seq_no);

/* The whole Batch for spans[0..n), which must share one resource (for
 * tests and benchmarks; the exporter builds requests itself). */
void otelc__jaeger_encode_batch(otelc__jaeger_enc *e, otelc__buf *out,
                                const otelc_span_data *const *spans, size_t n,
                                int64_t seq_no);

#endif /* OTELC_JAEGER_ENCODE_H */
