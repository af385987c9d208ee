#!/usr/bin/env bash
# scripts/demo.sh [BUILD_DIR] - the demo that `make demo` runs.
#
# Runs the quickstart example (examples/quickstart/quickstart.c): a small
# order service whose traces are written as OTLP-JSON lines to
# otelc-demo/traces.jsonl.  Then prints every trace as an indented tree
# with durations (tools/otelc-traceview) and a one-line summary.
#
# otelc-demo/ is created afresh at the top of the source tree.  BUILD_DIR
# (default: build) is relative to the directory the script is run from.
# The file exporter is always on for the demo; any other exporter the
# environment selects (OTEL_TRACES_EXPORTER) receives the spans as well.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
case "$build" in
  /*) ;;
  *) build=$PWD/$build ;;
esac
quickstart=$build/examples/quickstart/quickstart
traceview=$build/tools/otelc-traceview
for bin in "$quickstart" "$traceview"; do
  if [ ! -x "$bin" ]; then
    echo "demo: $bin is missing; build first (make demo does)" >&2
    exit 1
  fi
done

cd "$top"
rm -rf otelc-demo
mkdir otelc-demo
out=otelc-demo/traces.jsonl

# The demo prints the file, so the file exporter must write it whatever
# the environment says; other exporters it names are kept.
export OTELC_FILE_PATH=$out
if [ -n "${OTEL_TRACES_EXPORTER:-}" ]; then
  case ",$OTEL_TRACES_EXPORTER," in
    *,file,*) ;;
    *) export OTEL_TRACES_EXPORTER="$OTEL_TRACES_EXPORTER,file" ;;
  esac
fi

echo "== running examples/quickstart"
start=$(date +%s%N)
"$quickstart"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ ! -s "$out" ]; then
  echo "demo: the quickstart wrote no spans to $out" \
       "(is OTEL_SDK_DISABLED=true set, in the environment or ./.env?)" >&2
  exit 1
fi

echo
echo "== traces in $out"
echo
# The viewer's last line is the summary: traces, spans, errors, orphans.
"$traceview" "$out"
echo "demo: the quickstart ran in ${elapsed_ms} ms; view its traces again" \
     "with: ${traceview#"$top"/} $out"
