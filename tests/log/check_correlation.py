#!/usr/bin/python3
"""tests/log/check_correlation.py TRACES_JSONL LOG_FILE EXPECTED_LOGS

TRACES_JSONL is the file exporter's output (OTLP-JSON lines, one
ExportTraceServiceRequest per line); LOG_FILE is JSON log lines.  Checks
that every log line that carries trace_id/span_id names a span of the trace
file, that it is the span the record was made in (the record's "in_span"
field equals the span's name), that records made outside spans carry no
ids, and that the log file has EXPECTED_LOGS lines.  Prints "ok ...".
"""
import json
import sys

traces, logs, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
spans = {}
for line in open(traces, encoding="utf-8"):
    req = json.loads(line)
    for rs in req.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                spans[(sp["traceId"], sp["spanId"])] = sp["name"]
n = with_ids = 0
for line in open(logs, encoding="utf-8"):
    o = json.loads(line)
    n += 1
    if "trace_id" in o:
        with_ids += 1
        key = (o["trace_id"], o["span_id"])
        if key not in spans:
            print(f"log line {n}: {key} is not a span in {traces}")
            sys.exit(1)
        if spans[key] != o["in_span"]:
            print(f"log line {n}: made in {o['in_span']!r} but carries the "
                  f"ids of span {spans[key]!r}")
            sys.exit(1)
        if o["trace_flags"] != "01":
            print(f"log line {n}: trace_flags {o['trace_flags']}")
            sys.exit(1)
    elif o["in_span"] != "":
        print(f"log line {n}: made in {o['in_span']!r} but has no ids")
        sys.exit(1)
if n != expected:
    print(f"{n} log lines, expected {expected}")
    sys.exit(1)
print(f"ok {n} lines, {with_ids} with ids, {len(spans)} spans")
