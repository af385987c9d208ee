/*
 * tests/support/test_support.h - helpers shared by the Criterion tests:
 * capturing otelc's diagnostics, building a provider wired to a memory
 * exporter, and running a Python checker with Debian's interpreter.
 */
#ifndef OTELC_TEST_SUPPORT_H
#define OTELC_TEST_SUPPORT_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>

#include <otelc/otelc.h>

/* Start capturing diagnostics (every level) into a buffer. */
void diag_capture_start(void);
/* Everything captured so far, one line per message. */
const char *diag_captured(void);
/* Number of captured lines containing every one of the NULL-terminated
 * substrings. */
int diag_count(const char *s1, ...);
void diag_capture_stop(void);

/* A provider with one processor over a memory exporter.  batch=false uses
 * the simple (synchronous) processor. */
typedef struct test_pipeline {
    otelc_tracer_provider *provider;
    otelc_tracer *tracer;
    otelc_memory_exporter *mem;
    otelc_span_processor *proc; /* borrowed from the provider */
} test_pipeline;
void pipeline_init(test_pipeline *tp, otelc_sampler *sampler, bool batch,
                   const otelc_batch_options *opts);
void pipeline_free(test_pipeline *tp);
/* The exported span with this name (first match), or NULL. */
const otelc_span_data *pipeline_find(test_pipeline *tp, const char *name);

/* Attribute lookup on exported data. */
const otelc_value *find_attr(const otelc_attribute *attrs, uint32_t n,
                             const char *key);

/* Run `/usr/bin/python3 script args...`; returns its exit status and, when
 * out != NULL, its stdout (malloc'd, NUL-terminated). */
int run_python(const char *script, const char *const *args, char **out);

/* A fresh temporary directory (removed by the OS eventually). */
const char *test_tmpdir(void);

/* Milliseconds of CLOCK_MONOTONIC. */
double mono_ms(void);

#endif
