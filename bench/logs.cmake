# Logging benchmark (bench/bench_log.c), included by bench/CMakeLists.txt.
# Run: bench_log a|b|c|d|e [iterations] [repetitions]; see the file comment.
add_executable(bench_log ${PROJECT_SOURCE_DIR}/bench/bench_log.c)
target_link_libraries(bench_log PRIVATE otelc_static)
