#!/usr/bin/python3
"""tests/jaeger/jaeger_query.py - answer the C tests' questions about what
jaeger_receiver.py recorded, as plain "key=value" lines easy to check in C.

  jaeger_query.py summary FILE
      requests, accepted (2xx requests), failed (non-2xx), decode_errors,
      spans (in accepted requests), unique (distinct span ids), duplicates,
      max_size, ctypes and auths (distinct values, '|'-joined, "-" = none),
      paths, seqnos_accepted (seqNo of each accepted request, in order),
      accepted_seq_dups (accepted requests sharing a seqNo), idsum (sum of
      the accepted span ids as unsigned 64-bit, mod 2^64), stats (number
      of requests carrying ClientStats), first_error, and
      retry_gap_ms (time between the first and the second request).
  jaeger_query.py span FILE NAME
      the first accepted span called NAME and its process, one field per
      line, in wire order (see dump_span).
  jaeger_query.py requests FILE
      one line per request: "<i> <status> <spans> <size> <seqNo>".
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ok(rec):
    return 200 <= rec["status"] < 300


def span_ids(rec):
    if "ids" in rec:
        return rec["ids"]
    return [s["spanId"] for s in rec.get("spans") or []]


def summary(recs):
    acc = [r for r in recs if ok(r)]
    ids = [i for r in acc for i in span_ids(r)]
    seqs = [r.get("seqNo") for r in acc]
    errors = [r["error"] for r in recs if r.get("error")]

    def distinct(key):
        vals = sorted({str(r.get(key)) if r.get(key) is not None else "-"
                       for r in recs})
        return "|".join(vals) if vals else "-"

    out = {
        "requests": len(recs),
        "accepted": len(acc),
        "failed": len(recs) - len(acc),
        "decode_errors": len(errors),
        "spans": len(ids),
        "unique": len(set(ids)),
        "duplicates": len(ids) - len(set(ids)),
        "max_size": max([r["size"] for r in recs] or [0]),
        "ctypes": distinct("ctype"),
        "auths": distinct("auth"),
        "paths": distinct("path"),
        "seqnos_accepted": ",".join(str(s) for s in seqs) or "-",
        "accepted_seq_dups": len(seqs) - len(set(seqs)),
        "stats": sum(1 for r in recs if r.get("stats")),
        "first_error": errors[0] if errors else "-",
        "idsum": sum(i & 0xFFFFFFFFFFFFFFFF for i in ids) & 0xFFFFFFFFFFFFFFFF,
        "retry_gap_ms": int((recs[1]["t"] - recs[0]["t"]) * 1000)
        if len(recs) > 1 else -1,
    }
    for k, v in out.items():
        print("%s=%s" % (k, v))


def fmt_tag(t):
    """key:TYPE:value, with exactly the value field its type uses; any
    other value field present is reported as !extra."""
    field = {"STRING": "vStr", "DOUBLE": "vDouble", "BOOL": "vBool",
             "LONG": "vLong", "BINARY": "vBinary"}.get(t["vType"])
    v = t.get(field) if field else None
    if v is None:
        val = "!missing"
    elif t["vType"] == "STRING":
        val = json.dumps(v, ensure_ascii=False)
    elif t["vType"] == "DOUBLE":
        val = repr(float(v))
    elif t["vType"] == "BOOL":
        val = "true" if v else "false"
    else:
        val = str(v)
    extra = [f for f in ("vStr", "vDouble", "vBool", "vLong", "vBinary")
             if f != field and f in t]
    return "%s:%s:%s%s" % (t["key"], t["vType"], val,
                           "".join(" !extra:" + f for f in extra))


def dump_span(recs, name):
    for r in recs:
        if not ok(r):
            continue
        for s in r.get("spans") or []:
            if s["operationName"] != name:
                continue
            p = r["process"]
            print("process.serviceName=%s" % p["serviceName"])
            for t in p["tags"] or []:
                print("process.tag=%s" % fmt_tag(t))
            for k in ("traceIdLow", "traceIdHigh", "spanId", "parentSpanId",
                      "operationName"):
                print("%s=%s" % (k, s[k]))
            for ref in s["references"] or []:
                print("ref=%s:%d:%d:%d" % tuple(ref))
            for k in ("flags", "startTime", "duration"):
                print("%s=%s" % (k, s[k]))
            for t in s["tags"] or []:
                print("tag=%s" % fmt_tag(t))
            for log in s["logs"] or []:
                print("log=%d" % log["timestamp"])
                for t in log["fields"]:
                    print("  field=%s" % fmt_tag(t))
            return 0
    print("not found: %s" % name)
    return 1


def requests(recs):
    for r in recs:
        print("%d %d %d %d %s" % (r["i"], r["status"], len(span_ids(r)),
                                  r["size"], r.get("seqNo")))


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    recs = load(path)
    if cmd == "summary":
        summary(recs)
    elif cmd == "span":
        return dump_span(recs, sys.argv[3])
    elif cmd == "requests":
        requests(recs)
    else:
        print("unknown command %s" % cmd)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
