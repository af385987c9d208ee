# OTLP exporter benchmark (bench/bench_otlp.c), included by
# bench/CMakeLists.txt.  Needs the in-repo collector (tests/peers).
# Run: bench_otlp encode|grpc|http [spans] [reps]
if(NOT OTELC_WITH_OTLP OR NOT TARGET otelc_proto_nanopb)
  return()
endif()
include(${PROJECT_SOURCE_DIR}/tests/peers/otlp.cmake)
add_executable(bench_otlp ${PROJECT_SOURCE_DIR}/bench/bench_otlp.c)
# White-box: the encoder's internal header (protobuf-c generated headers),
# linked from the static library.
target_include_directories(bench_otlp PRIVATE
  ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_BINARY_DIR}/generated
  $<TARGET_PROPERTY:otelc_proto_c,INTERFACE_INCLUDE_DIRECTORIES>)
target_link_libraries(bench_otlp PRIVATE otelc_static otelc_test_collector)
