/*
 * sdk/limits.c - span limits from configuration.
 *
 * A model-specific variable wins over the general one, as the
 * specification says (common/README.md, "Attribute Limits"):
 * OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT and
 * OTEL_LINK_ATTRIBUTE_COUNT_LIMIT each fall back to
 * OTEL_ATTRIBUTE_COUNT_LIMIT (128 by default), and
 * OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT to
 * OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT (no limit by default).  A value length
 * of 0 means "no limit" in otelc_span_limits, so the loader accepts only
 * lengths from 1 up.
 */
#include "sdk/config_int.h"
#include "sdk/span_int.h"

static uint32_t clamp_u32(int64_t v) {
    return v < 0 ? 0 : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void otelc__span_limits_from_config(otelc_span_limits *l) {
    int64_t count = otelc__cfg_int(OTELC_CFG_ATTRIBUTE_COUNT_LIMIT, 128);
    int64_t len = otelc__cfg_int(OTELC_CFG_ATTRIBUTE_VALUE_LENGTH_LIMIT, 0);
    l->attribute_count =
        clamp_u32(otelc__cfg_int(OTELC_CFG_SPAN_ATTRIBUTE_COUNT_LIMIT, count));
    l->attribute_value_length = clamp_u32(
        otelc__cfg_int(OTELC_CFG_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, len));
    l->event_count =
        clamp_u32(otelc__cfg_int(OTELC_CFG_SPAN_EVENT_COUNT_LIMIT, 128));
    l->link_count =
        clamp_u32(otelc__cfg_int(OTELC_CFG_SPAN_LINK_COUNT_LIMIT, 128));
    l->event_attribute_count =
        clamp_u32(otelc__cfg_int(OTELC_CFG_EVENT_ATTRIBUTE_COUNT_LIMIT, count));
    l->link_attribute_count =
        clamp_u32(otelc__cfg_int(OTELC_CFG_LINK_ATTRIBUTE_COUNT_LIMIT, count));
}

OTELC_API otelc_span_limits otelc_span_limits_default(void) {
    otelc_span_limits l;
    otelc__span_limits_from_config(&l);
    return l;
}
