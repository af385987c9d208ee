# tests/otlp/otlp.cmake - the OTLP exporter tests (issue 3), with the
# in-repo collector from tests/peers.  Included by tests/CMakeLists.txt.
include(${PROJECT_SOURCE_DIR}/tests/peers/otlp.cmake)
add_library(otelc_otlp_test_util STATIC
  ${CMAKE_CURRENT_LIST_DIR}/otlp_test_util.c)
target_link_libraries(otelc_otlp_test_util PUBLIC otelc_test_support
  otelc_test_collector)
target_include_directories(otelc_otlp_test_util PUBLIC
  $<TARGET_PROPERTY:otelc_proto_c,INTERFACE_INCLUDE_DIRECTORIES>)
foreach(unit encode grpc http config fork metrics logs)
  otelc_add_test(otlp ${unit} LIBS otelc_otlp_test_util TIMEOUT 120)
endforeach()
# test_fork runs the collector as a separate program.
add_dependencies(test_otlp_fork otelc-test-collector)
# The shipped programs over OTLP (they run as child processes).
if(TARGET otelc-telemetrygen AND TARGET otelc-example-quickstart)
  otelc_add_test(otlp programs ${PROJECT_SOURCE_DIR}/tests/tools/tool_run.c
                 LIBS otelc_otlp_test_util TIMEOUT 120)
  add_dependencies(test_otlp_programs otelc-telemetrygen
                   otelc-example-quickstart)
endif()
