"""Check otelc-telemetrygen's OTLP-JSON lines output with Python's json.

Usage: check_traces.py FILE TRACES DEPTH ATTRS SERVICE

Decodes every line with the standard library (a decoder otelc did not
write) and verifies the shape telemetrygen promises: TRACES traces of
DEPTH spans each, every trace one chain root -> child -> ... whose parent
links and names agree with the depth (tg.level.<d>), kinds (root SERVER,
others INTERNAL), ATTRS attributes per span of the documented types, the
int attribute equal within a trace and distinct across traces, children
inside their parent's time span, and service.name == SERVICE.
Prints "OK traces=N spans=M" and exits 0, or prints the first problem and
exits 1.
"""
import json
import sys
from collections import defaultdict

TYPES = ["stringValue", "intValue", "doubleValue", "boolValue"]
PREFIX = ["str", "int", "double", "bool"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    path, traces, depth, attrs, service = sys.argv[1:6]
    traces, depth, attrs = int(traces), int(depth), int(attrs)
    by_trace = defaultdict(dict)
    nspans = 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            req = json.loads(line)
            for rs in req["resourceSpans"]:
                res = {a["key"]: a["value"] for a in rs["resource"]["attributes"]}
                got = res.get("service.name", {}).get("stringValue")
                if got != service:
                    fail("line %d: service.name %r != %r" % (lineno, got, service))
                for ss in rs["scopeSpans"]:
                    if ss["scope"]["name"] != "otelc-telemetrygen":
                        fail("scope name %r" % ss["scope"]["name"])
                    for sp in ss["spans"]:
                        nspans += 1
                        t = by_trace[sp["traceId"]]
                        if sp["spanId"] in t:
                            fail("duplicate span %s" % sp["spanId"])
                        t[sp["spanId"]] = sp
    if nspans != traces * depth:
        fail("%d spans, expected %d" % (nspans, traces * depth))
    if len(by_trace) != traces:
        fail("%d traces, expected %d" % (len(by_trace), traces))
    seqs = set()
    for tid, spans in by_trace.items():
        if len(spans) != depth:
            fail("trace %s has %d spans" % (tid, len(spans)))
        roots = [s for s in spans.values() if not s.get("parentSpanId")]
        if len(roots) != 1:
            fail("trace %s has %d roots" % (tid, len(roots)))
        seq = None
        for s in spans.values():
            # Depth from the parent links; every parent is in the trace.
            d, p = 0, s
            while p.get("parentSpanId"):
                if p["parentSpanId"] not in spans:
                    fail("span %s: parent not in trace" % s["spanId"])
                parent = spans[p["parentSpanId"]]
                if int(p["startTimeUnixNano"]) < int(parent["startTimeUnixNano"]) \
                        or int(p["endTimeUnixNano"]) > int(parent["endTimeUnixNano"]):
                    fail("span %s is outside its parent's time" % p["spanId"])
                p, d = parent, d + 1
                if d > depth:
                    fail("parent links loop in trace %s" % tid)
            if s["name"] != "tg.level.%d" % d:
                fail("span at depth %d named %r" % (d, s["name"]))
            if s["kind"] != (2 if d == 0 else 1):
                fail("span at depth %d has kind %r" % (d, s["kind"]))
            a = s.get("attributes", [])
            if len(a) != attrs:
                fail("span has %d attributes, expected %d" % (len(a), attrs))
            for k, kv in enumerate(a):
                if kv["key"] != "tg.%s.%d" % (PREFIX[k % 4], k):
                    fail("attribute %d key %r" % (k, kv["key"]))
                if list(kv["value"].keys()) != [TYPES[k % 4]]:
                    fail("attribute %s has value %r" % (kv["key"], kv["value"]))
                if k == 1:
                    v = int(kv["value"]["intValue"])
                    if seq is None:
                        seq = v
                    elif v != seq:
                        fail("int attribute differs within trace %s" % tid)
        if seq is not None:
            seqs.add(seq)
    if attrs > 1 and sorted(seqs) != list(range(traces)):
        fail("int attributes are not 0..%d once each" % (traces - 1))
    print("OK traces=%d spans=%d" % (len(by_trace), nspans))


if __name__ == "__main__":
    main()
