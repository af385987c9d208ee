#!/usr/bin/env bash
# tests/install/check-install.sh SOURCE_DIR BUILD_DIR
#
# Installs otelc into a temporary prefix and builds a consumer three ways:
# pkg-config (shared), pkg-config --static, and CMake find_package(otelc)
# with otelc::otelc.  Each consumer runs and must print the version.
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -1)

cat > "$tmp/app.c" <<'C'
#include <otelc/otelc.h>
#include <stdio.h>
int main(void) {
    otelc_options *o = otelc_options_new();
    otelc_options_set(o, "OTEL_TRACES_EXPORTER", "none");
    if (otelc_init(o) != OTELC_OK) return 1;
    TRACE_SPAN("consumer") { TRACE_ATTR_INT("answer", 42); }
    printf("otelc %s\n", otelc_version());
    return otelc_shutdown(1000) == OTELC_OK ? 0 : 2;
}
C

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -o "$tmp/app_shared" "$tmp/app.c" $(pkg-config --cflags --libs otelc)
LD_LIBRARY_PATH="$libdir" "$tmp/app_shared" | grep -q '^otelc '
echo "pkg-config (shared): ok"

# libotelc.a with its dependencies (Requires.private) linked as shared
# libraries, the usual way on Debian (static libcurl needs a dozen more
# -dev packages).
reqs=$(pkg-config --print-requires-private otelc | awk '{print $1}' | tr '\n' ' ')
cc -std=c11 -o "$tmp/app_static" "$tmp/app.c" $(pkg-config --cflags otelc) \
   "$libdir/libotelc.a" ${reqs:+$(pkg-config --libs $reqs)} -lpthread -lm
"$tmp/app_static" | grep -q '^otelc '
echo "pkg-config (static): ok"

mkdir -p "$tmp/cm"
cp "$tmp/app.c" "$tmp/cm/app.c"
cat > "$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(otelc REQUIRED)
add_executable(app app.c)
target_link_libraries(app otelc::otelc)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm/build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cm/build/app" | grep -q '^otelc '
echo "find_package(otelc): ok"
