# Metrics, Prometheus endpoint and health-check tests (included from
# tests/CMakeLists.txt).
otelc_add_test(metrics metrics)
otelc_add_test(metrics prometheus LIBS curl)
otelc_add_test(health health LIBS curl)
otelc_add_test(metrics http_red LIBS curl)
if(TARGET otelc-telemetrygen)
  otelc_add_test(metrics telemetrygen_metrics tools/tool_run.c LIBS curl)
  add_dependencies(test_metrics_telemetrygen_metrics otelc-telemetrygen)
endif()
