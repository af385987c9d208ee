#!/usr/bin/env bash
# bench/run.sh BUILD_DIR time|instr
#
# time:  every benchmark scenario, median of >= 5 repetitions, wall clock.
# instr: instructions per operation on the calling thread under callgrind
#        (stable on noisy machines): each scenario runs once at two
#        iteration counts; (Ir(N2) - Ir(N1)) / (N2 - N1) of the main thread
#        removes set-up and tear-down from the figure.
# Results go to stdout and to bench/results/<mode>.txt with the machine and
# the commit, ready to copy into docs/PERFORMANCE.md.
set -euo pipefail
build=${1:?build dir}
mode=${2:-time}
here=$(cd "$(dirname "$0")" && pwd)
out_dir="$here/results"
mkdir -p "$out_dir"
out="$out_dir/$mode.txt"

{
  echo "# otelc benchmarks ($mode) $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
} | tee "$out"

# Scenarios: "binary scenario [time-only]" per line.  Other benchmarks add
# their lines to bench/scenarios.d/*.txt; "time-only" marks scenarios whose
# calling-thread instruction count means nothing (end-to-end throughput).
scenarios() {
  cat <<'LIST'
bench_trace a
bench_trace b
bench_trace c
bench_trace d
bench_trace e time-only
LIST
  if compgen -G "$here/scenarios.d/*.txt" >/dev/null; then
    cat "$here"/scenarios.d/*.txt
  fi
}

if [[ $mode == time ]]; then
  while read -r bin sc rest; do
    [[ -z $bin || $bin == \#* ]] && continue
    [[ -x $build/bench/$bin ]] || { echo "# $bin not built: skipped" | tee -a "$out"; continue; }
    "$build/bench/$bin" "$sc" 1000000 7 | grep '^RESULT' | tee -a "$out"
  done < <(scenarios)
  # (f): 1,000,000 spans end to end, default queue, then a queue that holds
  # the burst.
  "$build/bench/bench_trace" f 1000000 5 | grep -E '^(RESULT|wall)' | tail -2 | tee -a "$out"
  "$build/bench/bench_trace" f 1000000 5 1048576 | grep -E '^(RESULT|wall)' | tail -2 | tee -a "$out"
elif [[ $mode == instr ]]; then
  command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  ir_of() { # bin scenario iterations -> main-thread Ir
    local bin=$1 sc=$2 n=$3
    rm -f "$tmp"/cg.*
    valgrind --tool=callgrind --fair-sched=yes --separate-threads=yes \
      --callgrind-out-file="$tmp/cg.%p" "$build/bench/$bin" "$sc" "$n" 1 \
      >/dev/null 2>&1
    # Thread 1 is the calling thread.
    local f
    f=$(ls "$tmp"/cg.*-01 | head -1)
    grep -E '^(summary|totals):' "$f" | head -1 | awk '{print $2}'
  }
  while read -r bin sc rest; do
    [[ -z $bin || $bin == \#* || $rest == *time-only* ]] && continue
    [[ -x $build/bench/$bin ]] || continue
    n1=20000; n2=120000
    a=$(ir_of "$bin" "$sc" $n1); b=$(ir_of "$bin" "$sc" $n2)
    echo "RESULT-INSTR ${bin#bench_}.$sc $(( (b - a) / (n2 - n1) )) instructions/op" | tee -a "$out"
  done < <(scenarios)
else
  echo "usage: $0 BUILD_DIR time|instr" >&2
  exit 2
fi
echo "# written to $out"
