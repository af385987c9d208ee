#!/usr/bin/env bash
# scripts/demo-shop.sh BUILD_DIR - the two-service demo behind `make demo`.
#
# Starts shop-backend and shop-frontend (examples/shop) on free loopback
# ports, sends a few dozen checkouts through shop-client (some fail on
# purpose: item "bad" makes the backend answer 500 and the frontend 502),
# stops both services with SIGTERM (each flushes its telemetry with
# otelc_shutdown), and prints one whole trace - client, frontend and
# backend spans under one trace id - with tools/otelc-traceview.
#
# All three processes append their spans to otelc-demo/traces.jsonl (the
# file exporter writes one line per export with O_APPEND, so they can share
# it).  With OTEL_EXPORTER_OTLP_ENDPOINT set, the same spans also go to
# that collector (OTEL_TRACES_EXPORTER=file,otlp), with the metrics and
# logs.
#
# BUILD_DIR (default: build) is relative to the directory the script is
# run from.  Output goes to otelc-demo/ at the top of the source tree, or
# to $OTELC_DEMO_DIR; DEMO_REQUESTS sets the number of checkouts (36).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
case "$build" in
  /*) ;;
  *) build=$PWD/$build ;;
esac
shop=$build/examples/shop
viewer=$build/tools/otelc-traceview
out=${OTELC_DEMO_DIR:-$top/otelc-demo}
requests=${DEMO_REQUESTS:-36}

for b in shop-backend shop-frontend shop-client; do
  if [[ ! -x $shop/$b ]]; then
    echo "demo: $shop/$b is missing; build first (make build)" >&2
    exit 1
  fi
done

mkdir -p "$out"
rm -f "$out"/traces.jsonl "$out"/*.port "$out"/*.log "$out"/trace-*.jsonl

exporters=file
others=none
if [[ -n ${OTEL_EXPORTER_OTLP_ENDPOINT:-} ]]; then
  exporters=file,otlp
  others=otlp
  echo "demo: also sending spans, metrics and logs to $OTEL_EXPORTER_OTLP_ENDPOINT"
fi
export OTEL_TRACES_EXPORTER=$exporters
# Metrics and logs over OTLP only with a collector (their default, otlp,
# would otherwise retry until each service exits).
export OTEL_METRICS_EXPORTER=${OTEL_METRICS_EXPORTER:-$others}
export OTEL_LOGS_EXPORTER=${OTEL_LOGS_EXPORTER:-$others}
export OTELC_FILE_PATH=$out/traces.jsonl
export OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-200}
export OTEL_TRACES_SAMPLER=${OTEL_TRACES_SAMPLER:-parentbased_always_on}

pids=()
stop_all() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}
trap stop_all EXIT

wait_port() { # file pid name
  for _ in $(seq 100); do
    [[ -s $1 ]] && { cat "$1"; return 0; }
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: $3 did not start; its log:" >&2
  cat "$out/$3.log" >&2
  exit 1
}

OTEL_SERVICE_NAME=shop-backend "$shop/shop-backend" --port 0 \
  --port-file "$out/backend.port" >"$out/shop-backend.log" 2>&1 &
pids+=($!)
backend_port=$(wait_port "$out/backend.port" "${pids[0]}" shop-backend)

OTEL_SERVICE_NAME=shop-frontend "$shop/shop-frontend" --port 0 \
  --port-file "$out/frontend.port" \
  --backend "http://127.0.0.1:$backend_port" >"$out/shop-frontend.log" 2>&1 &
pids+=($!)
frontend_port=$(wait_port "$out/frontend.port" "${pids[1]}" shop-frontend)

echo "demo: shop-backend on 127.0.0.1:$backend_port, shop-frontend on" \
     "127.0.0.1:$frontend_port"
echo "demo: sending $requests checkouts (item \"bad\" fails on purpose)"
client_rc=0
OTEL_SERVICE_NAME=shop-client "$shop/shop-client" \
  --url "http://127.0.0.1:$frontend_port" --requests "$requests" \
  >"$out/shop-client.log" 2>&1 || client_rc=$?
grep -E '^(requests|example trace|failed trace):' "$out/shop-client.log" | \
  sed 's/^/  /'

# Stop both services cleanly and check they exited on their own.
trap - EXIT
rc=0
for i in 0 1; do
  kill -TERM "${pids[$i]}"
  if ! wait "${pids[$i]}"; then
    echo "demo: a service did not stop cleanly (see $out/*.log)" >&2
    rc=1
  fi
done
tail -n 1 "$out/shop-backend.log" "$out/shop-frontend.log" 2>/dev/null | \
  grep -v '^$' | grep -v '^==>' | sed 's/^/  /'

trace=$(sed -n 's/^example trace: \([0-9a-f]\{32\}\)$/\1/p' \
        "$out/shop-client.log")
failed=$(sed -n 's/^failed trace: \([0-9a-f]\{32\}\)$/\1/p' \
         "$out/shop-client.log")
if [[ -z $trace ]]; then
  echo "demo: no successful checkout; see $out/shop-client.log" >&2
  exit 1
fi

# One trace per file, so the viewer shows exactly that trace.
python=/usr/bin/python3
[[ -x $python ]] || python=python3
extract_trace() { # trace-id output
  "$python" - "$out/traces.jsonl" "$1" "$2" <<'PY'
import json, sys
src, tid, dst = sys.argv[1:4]
n = 0
with open(src) as f, open(dst, "w") as o:
    for line in f:
        if not line.strip():
            continue
        req = json.loads(line)
        keep = []
        for rs in req.get("resourceSpans", []):
            scopes = []
            for ss in rs.get("scopeSpans", []):
                spans = [s for s in ss.get("spans", []) if s.get("traceId") == tid]
                if spans:
                    n += len(spans)
                    scopes.append(dict(ss, spans=spans))
            if scopes:
                keep.append(dict(rs, scopeSpans=scopes))
        if keep:
            o.write(json.dumps({"resourceSpans": keep}) + "\n")
services = set()
with open(dst) as f:
    for line in f:
        for rs in json.loads(line)["resourceSpans"]:
            for a in rs.get("resource", {}).get("attributes", []):
                if a["key"] == "service.name":
                    services.add(a["value"].get("stringValue"))
print(f"{n} spans from {', '.join(sorted(services))}")
PY
}

echo
echo "demo: trace $trace ($(extract_trace "$trace" "$out/trace-$trace.jsonl"))"
if [[ -x $viewer ]]; then
  "$viewer" "$out/trace-$trace.jsonl"
else
  echo "demo: $viewer is not built, so the trace cannot be drawn as a" \
       "tree here; its spans are in $out/trace-$trace.jsonl"
fi
if [[ -n $failed ]]; then
  echo
  echo "demo: a failed checkout, trace $failed" \
       "($(extract_trace "$failed" "$out/trace-$failed.jsonl"))"
  [[ -x $viewer ]] && "$viewer" "$out/trace-$failed.jsonl"
fi
echo
echo "demo: all spans are in $out/traces.jsonl; service logs in $out/*.log"
[[ $client_rc -eq 0 ]] || { echo "demo: unexpected answers (see" \
  "$out/shop-client.log)" >&2; rc=1; }
exit $rc
