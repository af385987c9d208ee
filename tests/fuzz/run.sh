#!/bin/sh
# tests/fuzz/run.sh BUILD_DIR SECONDS - run every libFuzzer target built in
# BUILD_DIR (executables named fuzz_*) for SECONDS each, starting from the
# seeds in tests/fuzz/corpus/<name>/ and the dictionary
# tests/fuzz/<name>.dict when there is one.  New inputs go to a temporary
# corpus (the seeds in the repository are not modified); crashes are saved
# as BUILD_DIR/fuzz-artifacts/<name>-crash-*.  Exits non-zero when a
# target fails or when no target is found.
set -eu

build=${1:?usage: tests/fuzz/run.sh BUILD_DIR SECONDS}
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$build/fuzz-artifacts"

# UBSan findings must stop the run so libFuzzer reports the input.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

ran=0
failed=""
for bin in $(find "$build" -type f -perm -u+x -name 'fuzz_*' ! -name '*.*' |
             sort); do
    name=$(basename "$bin")
    mkdir -p "$work/$name"
    set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-"
    if [ -f "$here/$name.dict" ]; then
        set -- "$@" -dict="$here/$name.dict"
    fi
    set -- "$@" "$work/$name"
    if [ -d "$here/corpus/$name" ]; then
        set -- "$@" "$here/corpus/$name"
    else
        echo "run.sh: note: no seed corpus in tests/fuzz/corpus/$name" >&2
    fi
    echo "== $name: ${secs}s"
    if "$bin" "$@"; then
        echo "== $name: ok"
    else
        echo "== $name: FAILED (artifacts in $build/fuzz-artifacts)" >&2
        failed="$failed $name"
    fi
    ran=$((ran + 1))
done

if [ "$ran" -eq 0 ]; then
    echo "run.sh: no fuzz_* executables under $build (configure with" \
         "CC=clang -DOTELC_FUZZ=ON)" >&2
    exit 1
fi
if [ -n "$failed" ]; then
    echo "run.sh: failed:$failed" >&2
    exit 1
fi
echo "run.sh: $ran fuzz targets ran ${secs}s each without a finding"
