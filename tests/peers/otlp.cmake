# tests/peers/otlp.cmake - the in-repo OTLP collector (gRPC core server +
# libmicrohttpd, nanopb decoding) as a library for tests and benchmarks,
# and as the otelc-test-collector program.  Included by tests/ and bench/.
if(TARGET otelc_test_collector OR NOT TARGET otelc_proto_nanopb)
  return()
endif()
pkg_check_modules(OTELC_TC_GRPC REQUIRED grpc)
pkg_check_modules(OTELC_TC_MHD REQUIRED libmicrohttpd)
pkg_check_modules(OTELC_TC_ZLIB REQUIRED zlib)
add_library(otelc_test_collector STATIC
  ${PROJECT_SOURCE_DIR}/tests/peers/otlp_collector.c)
target_include_directories(otelc_test_collector PUBLIC
  ${PROJECT_SOURCE_DIR}/tests ${OTELC_TC_GRPC_INCLUDE_DIRS}
  ${OTELC_TC_MHD_INCLUDE_DIRS})
target_link_libraries(otelc_test_collector PUBLIC otelc_proto_nanopb
  ${OTELC_TC_GRPC_LIBRARIES} ${OTELC_TC_MHD_LIBRARIES}
  ${OTELC_TC_ZLIB_LIBRARIES} Threads::Threads)
add_executable(otelc-test-collector
  ${PROJECT_SOURCE_DIR}/tests/peers/otelc_test_collector_main.c)
target_link_libraries(otelc-test-collector PRIVATE otelc_test_collector)
set_target_properties(otelc-test-collector PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/peers)
