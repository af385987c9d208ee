# Metrics benchmarks (bench/bench_metrics.c); scenarios in
# bench/scenarios.d/metrics.txt.
add_executable(bench_metrics bench_metrics.c)
target_link_libraries(bench_metrics PRIVATE otelc_static)
