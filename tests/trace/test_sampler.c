/*
 * tests/trace/test_sampler.c - built-in samplers: decisions, the ratio
 * sampler's statistics and determinism (the Go/Rust rule), parent-based
 * delegation, custom samplers and what the provider does with decisions.
 */
#include <string.h>

#include "support/test_support.h"

static otelc_sampling_decision decide(otelc_sampler *s, const uint8_t tid[16],
                                      const otelc_span_context *parent) {
    otelc_sampling_params p = {.parent = parent,
                               .parent_trace_state = "",
                               .trace_id = tid,
                               .name = "x"};
    otelc_sampling_result r;
    otelc_sampler_should_sample(s, &p, &r);
    return r.decision;
}

static void tid_with_low(uint8_t tid[16], uint64_t low) {
    memset(tid, 0xab, 8);
    for (int i = 0; i < 8; i++)
        tid[8 + i] = (uint8_t)(low >> (56 - 8 * i));
}

Test(sampler, always_on_and_off) {
    otelc_sampler *on = otelc_sampler_always_on();
    otelc_sampler *off = otelc_sampler_always_off();
    uint8_t tid[16] = {1};
    cr_assert_eq(decide(on, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    cr_assert_eq(decide(off, tid, NULL), OTELC_SAMPLING_DROP);
    cr_assert_str_eq(otelc_sampler_description(on), "AlwaysOnSampler");
    cr_assert_str_eq(otelc_sampler_description(off), "AlwaysOffSampler");
    otelc_sampler_free(on);
    otelc_sampler_free(off);
}

Test(sampler, ratio_uses_the_go_and_rust_rule) {
    otelc_sampler *s = otelc_sampler_traceidratio(0.25);
    uint8_t tid[16];
    /* Sampled iff (low64 >> 1) < 0.25 * 2^63 = 2^61, i.e. low64 < 2^62. */
    tid_with_low(tid, (1ull << 62) - 1);
    cr_assert_eq(decide(s, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    tid_with_low(tid, 1ull << 62);
    cr_assert_eq(decide(s, tid, NULL), OTELC_SAMPLING_DROP);
    /* The high 8 bytes do not matter. */
    tid_with_low(tid, 5);
    memset(tid, 0xff, 8);
    cr_assert_eq(decide(s, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    cr_assert_str_eq(otelc_sampler_description(s), "TraceIdRatioBased{0.25}");
    otelc_sampler_free(s);

    otelc_sampler *all = otelc_sampler_traceidratio(1.0);
    otelc_sampler *none = otelc_sampler_traceidratio(0.0);
    tid_with_low(tid, UINT64_MAX);
    cr_assert_eq(decide(all, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    tid_with_low(tid, 0);
    cr_assert_eq(decide(none, tid, NULL), OTELC_SAMPLING_DROP);
    otelc_sampler_free(all);
    otelc_sampler_free(none);
}

Test(sampler, ratio_quarter_over_100000_roots_within_one_percent) {
    test_pipeline tp;
    pipeline_init(&tp, otelc_sampler_traceidratio(0.25), false, NULL);
    otelc_sampler *again = otelc_sampler_traceidratio(0.25);
    otelc_sampler *higher = otelc_sampler_traceidratio(0.5);
    int sampled = 0;
    for (int i = 0; i < 100000; i++) {
        otelc_span *s = otelc_span_start(tp.tracer, "r", NULL);
        otelc_span_context sc = otelc_span_get_context(s);
        bool yes = otelc_span_context_is_sampled(&sc);
        sampled += yes;
        /* Deterministic: the same trace id gives the same decision... */
        cr_assert_eq(decide(again, sc.trace_id, NULL) ==
                         OTELC_SAMPLING_RECORD_AND_SAMPLE,
                     yes);
        /* ...and a higher ratio samples a superset. */
        if (yes)
            cr_assert_eq(decide(higher, sc.trace_id, NULL),
                         OTELC_SAMPLING_RECORD_AND_SAMPLE);
        cr_assert_eq(otelc_span_is_recording(s), yes);
        otelc_span_end(s);
    }
    cr_assert(sampled >= 24000 && sampled <= 26000, "sampled %d", sampled);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), (size_t)sampled);
    otelc_sampler_free(again);
    otelc_sampler_free(higher);
    pipeline_free(&tp);
}

Test(sampler, out_of_range_ratios_are_clamped_with_a_diagnostic) {
    diag_capture_start();
    otelc_sampler *a = otelc_sampler_traceidratio(1.5);
    otelc_sampler *b = otelc_sampler_traceidratio(-1);
    cr_assert_eq(diag_count("ratio 1.5", "using 1", NULL), 1);
    cr_assert_eq(diag_count("ratio -1", "using 0", NULL), 1);
    cr_assert_str_eq(otelc_sampler_description(a), "TraceIdRatioBased{1}");
    cr_assert_str_eq(otelc_sampler_description(b), "TraceIdRatioBased{0}");
    otelc_sampler_free(a);
    otelc_sampler_free(b);
    diag_capture_stop();
}

Test(sampler, parentbased_follows_the_parent) {
    otelc_sampler *s = otelc_sampler_parentbased(otelc_sampler_always_off());
    uint8_t tid[16] = {7};
    otelc_span_context parent;
    memset(&parent, 0, sizeof parent);
    memcpy(parent.trace_id, tid, 16);
    parent.span_id[0] = 1;
    /* No parent: the root sampler (always_off) decides. */
    cr_assert_eq(decide(s, tid, NULL), OTELC_SAMPLING_DROP);
    for (int remote = 0; remote < 2; remote++) {
        parent.is_remote = remote;
        parent.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
        cr_assert_eq(decide(s, tid, &parent), OTELC_SAMPLING_RECORD_AND_SAMPLE);
        parent.trace_flags = 0;
        cr_assert_eq(decide(s, tid, &parent), OTELC_SAMPLING_DROP);
    }
    /* An invalid parent counts as no parent. */
    otelc_span_context invalid;
    memset(&invalid, 0, sizeof invalid);
    invalid.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
    cr_assert_eq(decide(s, tid, &invalid), OTELC_SAMPLING_DROP);
    cr_assert(strstr(otelc_sampler_description(s),
                     "ParentBased{root=AlwaysOffSampler"));
    otelc_sampler_free(s);
}

Test(sampler, unsampled_parent_makes_unsampled_children) {
    test_pipeline tp;
    pipeline_init(&tp, otelc_sampler_parentbased(NULL), false, NULL);
    otelc_span_context pc;
    memset(&pc, 0, sizeof pc);
    pc.trace_id[3] = 3;
    pc.span_id[3] = 3;
    pc.is_remote = true;
    otelc_context *ctx = otelc_context_new(&pc, NULL, NULL);
    otelc_span_start_options o = {.parent = ctx};
    otelc_span *s = otelc_span_start(tp.tracer, "child", &o);
    cr_assert_not(otelc_span_is_recording(s));
    otelc_span_context sc = otelc_span_get_context(s);
    cr_assert_eq(memcmp(sc.trace_id, pc.trace_id, 16), 0);
    cr_assert_neq(memcmp(sc.span_id, pc.span_id, 8), 0);
    otelc_span_end(s);
    otelc_context_free(ctx);
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 0);
    pipeline_free(&tp);
}

/* A custom sampler: records but does not sample spans named "record", adds
 * an attribute and rewrites the trace state. */
static void custom_decide(void *st, const otelc_sampling_params *p,
                          otelc_sampling_result *r) {
    (*(int *)st)++;
    static const otelc_attribute extra[] = {
        {"sampler.note", {OTELC_VALUE_STRING, 0, {.s = "custom"}}}};
    r->decision = strcmp(p->name, "record") == 0
                      ? OTELC_SAMPLING_RECORD_ONLY
                      : OTELC_SAMPLING_RECORD_AND_SAMPLE;
    r->attributes = extra;
    r->attribute_count = 1;
    r->trace_state = "custom=1";
}
static const char *custom_desc(void *st) {
    (void)st;
    return "CustomSampler{test}";
}
static const otelc_sampler_ops custom_ops = {custom_decide, custom_desc, NULL};

Test(sampler, custom_sampler_attributes_trace_state_and_record_only) {
    static int calls;
    test_pipeline tp;
    pipeline_init(&tp, otelc_sampler_custom(&custom_ops, &calls), false, NULL);
    otelc_span *a = otelc_span_start(tp.tracer, "sampled", NULL);
    otelc_span *b = otelc_span_start(tp.tracer, "record", NULL);
    cr_assert(otelc_span_is_recording(b));
    otelc_span_context bc = otelc_span_get_context(b);
    cr_assert_not(otelc_span_context_is_sampled(&bc));
    cr_assert_str_eq(otelc_span_get_trace_state(a), "custom=1");
    otelc_span_end(a);
    otelc_span_end(b);
    cr_assert_eq(calls, 2);
    /* RECORD_ONLY spans are recorded but not exported. */
    cr_assert_eq(otelc_memory_exporter_count(tp.mem), 1);
    const otelc_span_data *d = pipeline_find(&tp, "sampled");
    cr_assert_str_eq(
        find_attr(d->attributes, d->attribute_count, "sampler.note")->u.s,
        "custom");
    cr_assert_str_eq(d->trace_state, "custom=1");
    pipeline_free(&tp);
}
