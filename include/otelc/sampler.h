/*
 * otelc/sampler.h - sampling decisions.
 *
 * A sampler is asked once per span, after the trace id is known and before
 * the span exists.  Its decision is DROP (a non-recording span that still
 * propagates context), RECORD_ONLY (recorded but not exported: the sampled
 * flag stays clear) or RECORD_AND_SAMPLE.
 *
 * Built in: always_on, always_off, traceidratio (deterministic on the
 * trace id: bytes 8..15 read big-endian, shifted right once, sampled when
 * below ratio * 2^63 - the rule of the Go and Rust SDKs, so every service
 * of a trace decides alike), and parentbased (follows the parent's sampled
 * flag; a root sampler decides for roots).
 *
 * Samplers are immutable after creation and safe to use from any thread.
 */
#ifndef OTELC_SAMPLER_H
#define OTELC_SAMPLER_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/status.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum otelc_sampling_decision {
    OTELC_SAMPLING_DROP = 0,
    OTELC_SAMPLING_RECORD_ONLY = 1,
    OTELC_SAMPLING_RECORD_AND_SAMPLE = 2
} otelc_sampling_decision;

/** What a custom sampler is asked. */
typedef struct otelc_sampling_params {
    const otelc_span_context *parent; /* NULL for a root span */
    const char *parent_trace_state;   /* "" when none */
    const uint8_t *trace_id;          /* 16 bytes */
    const char *name;
    otelc_span_kind kind;
    const otelc_attribute *attributes;
    size_t attribute_count;
    const otelc_link *links;
    size_t link_count;
} otelc_sampling_params;

/** A custom sampler's answer.  attributes/trace_state are copied by otelc
 *  right after should_sample returns. */
typedef struct otelc_sampling_result {
    otelc_sampling_decision decision;
    const otelc_attribute *attributes; /* added to the span */
    size_t attribute_count;
    const char *trace_state; /* NULL = keep the parent's; "" = clear it */
} otelc_sampling_result;

/** A custom sampler.  should_sample must be fast and thread-safe. */
typedef struct otelc_sampler_ops {
    void (*should_sample)(void *state, const otelc_sampling_params *params,
                          otelc_sampling_result *result);
    const char *(*description)(void *state);
    void (*free_state)(void *state); /* may be NULL */
} otelc_sampler_ops;

/** Constructors.  Each returns a sampler to hand to
 *  otelc_tracer_provider_new() (which takes ownership) or to free with
 *  otelc_sampler_free(); NULL only when memory is exhausted.
 *  Thread-safety: any thread.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_sampler *otelc_sampler_always_on(void);
OTELC_API otelc_sampler *otelc_sampler_always_off(void);
/** ratio is clamped to [0, 1] (NaN is 0) with one diagnostic line.
 *  Thread-safety: any thread.  Blocking: never. */
OTELC_API otelc_sampler *otelc_sampler_traceidratio(double ratio);
/** Takes ownership of root (NULL = always_on).  Remote/local sampled
 *  parents are followed with always_on, unsampled ones with always_off.
 *  Thread-safety: any thread.  Blocking: never. */
OTELC_API otelc_sampler *otelc_sampler_parentbased(otelc_sampler *root);
/** Takes ownership of state (ops->free_state frees it, even on failure);
 *  ops is borrowed and must outlive the sampler.
 *  Thread-safety: any thread.  Blocking: never. */
OTELC_API otelc_sampler *otelc_sampler_custom(const otelc_sampler_ops *ops,
                                              void *state);

/**
 * otelc_sampler_from_config - the sampler the configuration selects:
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG when set (they win),
 * else TRACE_SAMPLING_RATE=r as parentbased_traceidratio(r), else
 * parentbased_always_on.  Bad values get one diagnostic naming the
 * variable, the value and what is used instead.
 * Since: 0.1.
 * Thread-safety: any thread.  Blocking: reads the configuration.
 */
OTELC_API otelc_sampler *otelc_sampler_from_config(void);

/** otelc_sampler_description - e.g. "TraceIdRatioBased{0.250000}" or
 *  "ParentBased{root=AlwaysOnSampler,...}"; borrowed for the sampler's
 *  lifetime.  Since: 0.1.
 *  Thread-safety: safe from any thread (read-only).  Blocking: never. */
OTELC_API const char *otelc_sampler_description(const otelc_sampler *sampler);

/** otelc_sampler_should_sample - ask a sampler directly (tests, custom
 *  composition).  Since: 0.1.
 *  Thread-safety: safe from any thread.  Blocking: never. */
OTELC_API void otelc_sampler_should_sample(const otelc_sampler *sampler,
                                           const otelc_sampling_params *params,
                                           otelc_sampling_result *result);

/** otelc_sampler_free - free a sampler not owned by a provider; NULL is
 *  accepted.  Since: 0.1.
 *  Thread-safety: not concurrently with other use.  Blocking: never. */
OTELC_API void otelc_sampler_free(otelc_sampler *sampler);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_SAMPLER_H */
