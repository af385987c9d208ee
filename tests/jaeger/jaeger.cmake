# Jaeger exporter tests (included by tests/CMakeLists.txt when
# OTELC_WITH_JAEGER is ON).  The peer is jaeger_receiver.py: Apache
# Thrift's Python library (python3-thrift) decoding with classes that
# Debian's thrift compiler generates from jaeger.thrift when it starts.
# Not REQUIRED: `make demo` configures the tests too but installs only the
# build dependencies; the Jaeger tests then fail with the peer's own message
# until Debian's thrift-compiler is there (`make check` installs it).
find_program(OTELC_THRIFT_COMPILER thrift)
if(NOT OTELC_THRIFT_COMPILER)
  message(STATUS "thrift compiler not found: the jaeger.* tests need "
                 "Debian's thrift-compiler (make check installs it)")
  set(OTELC_THRIFT_COMPILER /usr/bin/thrift)
endif()

add_library(otelc_jaeger_peer STATIC jaeger/jaeger_peer.c)
target_link_libraries(otelc_jaeger_peer PUBLIC otelc_test_support)
target_compile_definitions(otelc_jaeger_peer PUBLIC
  OTELC_TEST_THRIFT="${OTELC_THRIFT_COMPILER}")

otelc_add_test(jaeger mapping LIBS otelc_jaeger_peer TIMEOUT 120)
otelc_add_test(jaeger delivery LIBS otelc_jaeger_peer TIMEOUT 300)
otelc_add_test(jaeger failures LIBS otelc_jaeger_peer TIMEOUT 300)
otelc_add_test(jaeger init LIBS otelc_jaeger_peer TIMEOUT 120)
