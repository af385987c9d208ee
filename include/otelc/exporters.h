/*
 * otelc/exporters.h - constructors of the span exporters built into otelc.
 *
 * Each returns an otelc_span_exporter to hand to a processor (which takes
 * ownership) or to otelc_options_add_span_exporter().  otelc_init() creates
 * them by name from OTEL_TRACES_EXPORTER; these functions are for code that
 * wires a pipeline itself (tests, tools, unusual setups).
 */
#ifndef OTELC_EXPORTERS_H
#define OTELC_EXPORTERS_H

#include <stdio.h>

#include "otelc/common.h"
#include "otelc/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * otelc_console_exporter_new - readable text, one block per span, written
 * to `out` (NULL = stderr; borrowed, must stay open).
 * Thread-safety: any thread.  Blocking: the exporter writes to `out` on its
 * worker.  Since: 0.1.
 */
OTELC_API otelc_span_exporter *otelc_console_exporter_new(FILE *out);

/**
 * otelc_file_exporter_new - OTLP-JSON lines: each export call appends one
 * ExportTraceServiceRequest as one JSON line, the format of the
 * OpenTelemetry Collector's file exporter and otlpjsonfile receiver.
 * @param path  NULL = OTELC_FILE_PATH (default "otelc-traces.jsonl");
 *              copied.  Missing parent directories are created.  The file
 *              is opened for appending when the exporter is created.
 * @return NULL (with a diagnostic naming the path and errno) when the file
 *         cannot be opened.
 * Since: 0.1.
 * Thread-safety: any thread.  Blocking: opens the file.
 */
OTELC_API otelc_span_exporter *otelc_file_exporter_new(const char *path);

/** An in-memory store of exported spans, for tests. */
typedef struct otelc_memory_exporter otelc_memory_exporter;

/**
 * otelc_memory_exporter_new - keep a deep copy of every exported span.
 * @param handle  out: the store, valid until the exporter is freed (by its
 *                processor or provider).
 * Since: 0.1.
 * Thread-safety: safe from any thread.  Blocking: never.
 */
OTELC_API otelc_span_exporter *
otelc_memory_exporter_new(otelc_memory_exporter **handle);

/** The number of spans stored.  Thread-safety: any thread.  Since: 0.1.
 *  Blocking: briefly takes the store's lock. */
OTELC_API size_t otelc_memory_exporter_count(otelc_memory_exporter *m);

/** The i-th stored span in export order, or NULL.  Borrowed until
 *  otelc_memory_exporter_clear() or the exporter is freed.  Since: 0.1.
 *  Thread-safety: any thread.  Blocking: briefly takes the store's lock. */
OTELC_API const otelc_span_data *
otelc_memory_exporter_get(otelc_memory_exporter *m, size_t i);

/** Forget every stored span.  Since: 0.1.
 *  Thread-safety: any thread.  Blocking: briefly takes the store's lock. */
OTELC_API void otelc_memory_exporter_clear(otelc_memory_exporter *m);

/** Wait until at least `count` spans are stored, at most timeout_ms.
 *  Returns true when reached.  Since: 0.1.
 *  Thread-safety: any thread.  Blocking: up to timeout_ms. */
OTELC_API bool otelc_memory_exporter_wait(otelc_memory_exporter *m,
                                          size_t count, uint32_t timeout_ms);

/** The number of export calls received.  Since: 0.1.
 *  Thread-safety: any thread.  Blocking: briefly takes the store's lock. */
OTELC_API size_t otelc_memory_exporter_calls(otelc_memory_exporter *m);

/**
 * otelc_memory_exporter_fail_next - make the next `n` export calls return
 * `result` without storing (to test retry and drop accounting).
 * Since: 0.1.
 * Thread-safety: any thread.  Blocking: briefly takes the store's lock.
 */
OTELC_API void otelc_memory_exporter_fail_next(otelc_memory_exporter *m,
                                               size_t n,
                                               otelc_export_result result);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_EXPORTERS_H */
