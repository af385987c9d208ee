# Jaeger exporter benchmark (bench/bench_jaeger.c).  Include from
# bench/CMakeLists.txt when OTELC_WITH_JAEGER is ON:
#   if(OTELC_WITH_JAEGER)
#     include(${PROJECT_SOURCE_DIR}/bench/jaeger.cmake)
#   endif()
# Run: bench_jaeger encode [spans] [reps]; bench_jaeger e2e [spans] [reps].
if(NOT OTELC_WITH_JAEGER)
  return()
endif()
pkg_check_modules(OTELC_BENCH_MHD REQUIRED libmicrohttpd)
add_executable(bench_jaeger ${PROJECT_SOURCE_DIR}/bench/bench_jaeger.c)
# White-box: the encoder's internal header, linked from the static library.
target_include_directories(bench_jaeger PRIVATE
  ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_BINARY_DIR}/generated ${OTELC_BENCH_MHD_INCLUDE_DIRS})
target_link_libraries(bench_jaeger PRIVATE otelc_static
  ${OTELC_BENCH_MHD_LINK_LIBRARIES})
