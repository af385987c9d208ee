#!/usr/bin/python3
"""Check an OTLP-JSON lines file (the file exporter's output) with Python's
own json decoder, strictly, against what the C test recorded.

usage: check_otlp_json.py OUTPUT.jsonl EXPECTED.json

OUTPUT.jsonl  what otelc's file exporter wrote: one ExportTraceServiceRequest
              per line, every line terminated by "\\n".
EXPECTED.json written by the C test from the SDK's own view of the spans
              (memory exporter copies).  Every string in it is hex of the
              raw bytes the SDK holds, every double is hex of its IEEE-754
              bits, so the C side needs no JSON string escaping and the
              expected text is computed here, by Python's own UTF-8 decoder
              (bytes.decode("utf-8", "replace")), independently of otelc's
              encoder.  Layout:
  {"lines": N (-1 = any), "broken": [1-based line numbers that must NOT
   parse: lines cut short by a failed write], "batches": [[spanId...]...]
   (optional: exactly these spans per line, in line order), "ordered":
   true (optional, with batches: each line must be grouped exactly as the
   batch order implies - resources in first-seen order, their scopes in
   first-seen order, spans in batch order),
   "resources": [[attr...]...], "spans": [span...]}
  attr  = [keyhex, type, value]: "s" hex, "y" hex (bytes), "b" bool,
          "i" decimal string, "d" 16 hex digits (bits), "as" [hex...],
          "ab" [bool...], "ai" [dec...], "ad" [bits...]
  span  = {"resource": index, "scope": [namehex, versionhex],
           "traceId", "spanId", "parentSpanId" ("" = none): hex ids,
           "traceState": hex, "flags": int, "name": hex, "kind": int,
           "start", "end": decimal strings, "attrs": [attr...],
           "droppedAttributes": int, "events": [{"time", "name", "attrs",
           "dropped"}], "droppedEvents": int, "links": [{"traceId",
           "spanId", "traceState", "attrs", "dropped", "flags"}],
           "droppedLinks": int, "status": [code, messagehex]}

Checks: every line is valid UTF-8 and strict JSON (no NaN/Infinity literals,
no duplicate keys, no raw control characters); the structure follows the
OTLP/JSON mapping field by field (lowerCamelCase keys only, lowercase hex
ids of the right length, int64/fixed64 as decimal strings, enums and
uint32/fixed32 as numbers, bytes as strict base64, doubles as numbers or
"NaN"/"Infinity"/"-Infinity"); each line groups spans by resource and scope
with no resource or scope repeated; every expected span appears exactly
once, under its resource and scope, with every field equal.

Prints "OK lines=L spans=S" and exits 0, or prints the problems and exits 1.
"""
import base64
import json
import math
import re
import struct
import sys

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
DEC = re.compile(r"^(0|[1-9][0-9]*)$")
SDEC = re.compile(r"^-?(0|[1-9][0-9]*)$")

errors = []


def err(msg):
    errors.append(msg)
    if len(errors) > 40:
        finish()


def finish():
    if errors:
        for e in errors[:40]:
            print("ERROR:", e)
        sys.exit(1)


def reject_constant(name):
    raise ValueError("non-standard JSON literal %s" % name)


def no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r" % k)
        d[k] = v
    return d


def text(h):
    return bytes.fromhex(h).decode("utf-8", "replace")


def bits(h):
    return struct.unpack(">d", bytes.fromhex(h))[0]


def same_double(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return struct.pack(">d", a) == struct.pack(">d", b)


# ---- structural validation (the OTLP/JSON mapping) -------------------------

def keys_ok(where, obj, allowed, required=()):
    if not isinstance(obj, dict):
        err("%s: expected an object, got %r" % (where, type(obj).__name__))
        return False
    for k in obj:
        if k not in allowed:
            err("%s: unexpected key %r" % (where, k))
    for k in required:
        if k not in obj:
            err("%s: missing %r" % (where, k))
    return True


def is_uint(v, bits_=32):
    return isinstance(v, int) and not isinstance(v, bool) and \
        0 <= v < (1 << bits_)


def check_count(where, obj, key):
    if key in obj and not (is_uint(obj[key]) and obj[key] > 0):
        err("%s.%s: expected a positive uint32 (zero is omitted), got %r"
            % (where, key, obj[key]))


def check_fixed64(where, v):
    if not (isinstance(v, str) and DEC.match(v) and int(v) < (1 << 64)):
        err("%s: expected a fixed64 as a decimal string, got %r" % (where, v))


def decode_any(where, v):
    """Validate an AnyValue and return (type, python value)."""
    if not isinstance(v, dict) or len(v) != 1:
        err("%s: AnyValue must hold exactly one field: %r" % (where, v))
        return ("?", None)
    (k, x), = v.items()
    if k == "stringValue":
        if not isinstance(x, str):
            err("%s: stringValue not a string" % where)
        return ("s", x)
    if k == "boolValue":
        if not isinstance(x, bool):
            err("%s: boolValue not a bool" % where)
        return ("b", x)
    if k == "intValue":
        if not (isinstance(x, str) and SDEC.match(x) and
                -(1 << 63) <= int(x) < (1 << 63)):
            err("%s: intValue must be an int64 decimal string: %r" % (where, x))
            return ("i", None)
        return ("i", int(x))
    if k == "doubleValue":
        if isinstance(x, str):
            if x not in ("NaN", "Infinity", "-Infinity"):
                err("%s: doubleValue string %r" % (where, x))
                return ("d", None)
            return ("d", float(x.replace("Infinity", "inf")))
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            err("%s: doubleValue not a number: %r" % (where, x))
            return ("d", None)
        return ("d", float(x))
    if k == "bytesValue":
        try:
            raw = base64.b64decode(x, validate=True)
        except Exception as e:  # noqa: BLE001 - report any decoding error
            err("%s: bytesValue not strict base64: %r (%s)" % (where, x, e))
            return ("y", None)
        if base64.b64encode(raw).decode() != x:
            err("%s: bytesValue not canonical base64: %r" % (where, x))
        return ("y", raw)
    if k == "arrayValue":
        if not keys_ok(where + ".arrayValue", x, {"values"}):
            return ("a", None)
        vals = x.get("values", [])
        if not isinstance(vals, list):
            err("%s: arrayValue.values not a list" % where)
            return ("a", None)
        return ("a", [decode_any("%s[%d]" % (where, i), e)
                      for i, e in enumerate(vals)])
    err("%s: unknown AnyValue field %r" % (where, k))
    return ("?", None)


def decode_attrs(where, lst):
    if not isinstance(lst, list):
        err("%s: attributes not a list" % where)
        return []
    out = []
    for i, kv in enumerate(lst):
        w = "%s[%d]" % (where, i)
        if not keys_ok(w, kv, {"key", "value"}, ("key", "value")):
            continue
        if not isinstance(kv["key"], str):
            err("%s.key not a string" % w)
        out.append((kv["key"], decode_any(w + ".value", kv["value"])))
    return out


SPAN_KEYS = {"traceId", "spanId", "traceState", "parentSpanId", "flags",
             "name", "kind", "startTimeUnixNano", "endTimeUnixNano",
             "attributes", "droppedAttributesCount", "events",
             "droppedEventsCount", "links", "droppedLinksCount", "status"}
SPAN_REQUIRED = ("traceId", "spanId", "flags", "name", "kind",
                 "startTimeUnixNano", "endTimeUnixNano", "status")


def check_span(where, s):
    if not keys_ok(where, s, SPAN_KEYS, SPAN_REQUIRED):
        return
    if not (isinstance(s.get("traceId"), str) and HEX32.match(s["traceId"])
            and s["traceId"] != "0" * 32):
        err("%s.traceId: %r" % (where, s.get("traceId")))
    if not (isinstance(s.get("spanId"), str) and HEX16.match(s["spanId"])
            and s["spanId"] != "0" * 16):
        err("%s.spanId: %r" % (where, s.get("spanId")))
    if "parentSpanId" in s and not (isinstance(s["parentSpanId"], str) and
                                    HEX16.match(s["parentSpanId"]) and
                                    s["parentSpanId"] != "0" * 16):
        err("%s.parentSpanId: %r" % (where, s["parentSpanId"]))
    if "traceState" in s and not (isinstance(s["traceState"], str) and
                                  s["traceState"]):
        err("%s.traceState: %r" % (where, s["traceState"]))
    if not is_uint(s.get("flags")) or not (s["flags"] & 0x100):
        err("%s.flags: %r (fixed32 with HAS_IS_REMOTE)" % (where,
                                                          s.get("flags")))
    if not isinstance(s.get("name"), str):
        err("%s.name not a string" % where)
    if not (is_uint(s.get("kind")) and s["kind"] <= 5):
        err("%s.kind: %r (an integer enum 0..5)" % (where, s.get("kind")))
    check_fixed64(where + ".startTimeUnixNano", s.get("startTimeUnixNano"))
    check_fixed64(where + ".endTimeUnixNano", s.get("endTimeUnixNano"))
    for key in ("droppedAttributesCount", "droppedEventsCount",
                "droppedLinksCount"):
        check_count(where, s, key)
    if "attributes" in s:
        decode_attrs(where + ".attributes", s["attributes"])
    for i, e in enumerate(s.get("events", [])):
        w = "%s.events[%d]" % (where, i)
        if keys_ok(w, e, {"timeUnixNano", "name", "attributes",
                          "droppedAttributesCount"}, ("timeUnixNano", "name")):
            check_fixed64(w + ".timeUnixNano", e.get("timeUnixNano"))
            if not isinstance(e.get("name"), str):
                err("%s.name not a string" % w)
            check_count(w, e, "droppedAttributesCount")
            decode_attrs(w + ".attributes", e.get("attributes", []))
    for i, ln in enumerate(s.get("links", [])):
        w = "%s.links[%d]" % (where, i)
        if keys_ok(w, ln, {"traceId", "spanId", "traceState", "attributes",
                           "droppedAttributesCount", "flags"},
                   ("traceId", "spanId", "flags")):
            if not (isinstance(ln["traceId"], str) and
                    HEX32.match(ln["traceId"])):
                err("%s.traceId: %r" % (w, ln["traceId"]))
            if not (isinstance(ln["spanId"], str) and
                    HEX16.match(ln["spanId"])):
                err("%s.spanId: %r" % (w, ln["spanId"]))
            if not is_uint(ln["flags"]) or not (ln["flags"] & 0x100):
                err("%s.flags: %r" % (w, ln["flags"]))
            check_count(w, ln, "droppedAttributesCount")
            decode_attrs(w + ".attributes", ln.get("attributes", []))
    st = s.get("status")
    if keys_ok(where + ".status", st, {"code", "message"}):
        if "code" in st and not (is_uint(st["code"]) and
                                 1 <= st["code"] <= 2):
            err("%s.status.code: %r (1 or 2; 0 is omitted)" % (where,
                                                               st["code"]))
        if "message" in st and not (isinstance(st["message"], str) and
                                    st["message"]):
            err("%s.status.message: %r" % (where, st["message"]))


def check_request(where, req):
    """Validate one ExportTraceServiceRequest; return its spans as
    (resource attrs, scope (name, version), span) triples."""
    out = []
    if not keys_ok(where, req, {"resourceSpans"}, ("resourceSpans",)):
        return out, []
    rss = req["resourceSpans"]
    if not isinstance(rss, list) or not rss:
        err("%s.resourceSpans: a non-empty list expected" % where)
        return out, []
    seen_res = set()
    layout = []
    for i, rs in enumerate(rss):
        w = "%s.resourceSpans[%d]" % (where, i)
        if not keys_ok(w, rs, {"resource", "scopeSpans", "schemaUrl"},
                       ("resource", "scopeSpans")):
            continue
        res = rs["resource"]
        keys_ok(w + ".resource", res, {"attributes", "droppedAttributesCount"})
        rattrs = decode_attrs(w + ".resource.attributes",
                              res.get("attributes", []))
        rkey = json.dumps(rs["resource"], sort_keys=True)
        if rkey in seen_res:
            err("%s: resource repeated in one request (grouping)" % w)
        seen_res.add(rkey)
        sss = rs["scopeSpans"]
        if not isinstance(sss, list) or not sss:
            err("%s.scopeSpans: a non-empty list expected" % w)
            continue
        seen_scope = set()
        for j, ss in enumerate(sss):
            w2 = "%s.scopeSpans[%d]" % (w, j)
            if not keys_ok(w2, ss, {"scope", "spans", "schemaUrl"},
                           ("scope", "spans")):
                continue
            sc = ss["scope"]
            keys_ok(w2 + ".scope", sc, {"name", "version", "attributes",
                                        "droppedAttributesCount"}, ("name",))
            scope = (sc.get("name"), sc.get("version", ""))
            if not all(isinstance(x, str) for x in scope):
                err("%s.scope: name/version must be strings" % w2)
            if "version" in sc and sc["version"] == "":
                err("%s.scope.version: empty string should be omitted" % w2)
            if scope in seen_scope:
                err("%s: scope %r repeated in one resource (grouping)"
                    % (w2, scope))
            seen_scope.add(scope)
            spans = ss["spans"]
            if not isinstance(spans, list) or not spans:
                err("%s.spans: a non-empty list expected" % w2)
                continue
            for k, s in enumerate(spans):
                check_span("%s.spans[%d]" % (w2, k), s)
                out.append((rattrs, scope, s))
            layout.append((i, scope, [s.get("spanId") for s in spans
                                      if isinstance(s, dict)]))
    return out, layout


def expected_layout(batch, want):
    """The grouping a batch in this order must produce: (resource order
    index, scope, [spanId...]) in first-seen order."""
    res_order = []
    groups = {}
    for sid in batch:
        sp = want[sid]
        r = sp["resource"]
        sc = (text(sp["scope"][0]), text(sp["scope"][1]))
        if r not in groups:
            res_order.append(r)
            groups[r] = ([], {})
        scopes, ids = groups[r]
        if sc not in ids:
            scopes.append(sc)
            ids[sc] = []
        ids[sc].append(sid)
    out = []
    for i, r in enumerate(res_order):
        scopes, ids = groups[r]
        for sc in scopes:
            out.append((i, sc, ids[sc]))
    return out


# ---- comparison with the expectation ---------------------------------------

def expected_value(t, v):
    if t == "s":
        return ("s", text(v))
    if t == "y":
        return ("y", bytes.fromhex(v))
    if t == "b":
        return ("b", v)
    if t == "i":
        return ("i", int(v))
    if t == "d":
        return ("d", bits(v))
    if t == "as":
        return ("a", [("s", text(x)) for x in v])
    if t == "ab":
        return ("a", [("b", x) for x in v])
    if t == "ai":
        return ("a", [("i", int(x)) for x in v])
    if t == "ad":
        return ("a", [("d", bits(x)) for x in v])
    raise ValueError("bad expected type %r" % t)


def same_value(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "d":
        return a[1] is not None and same_double(a[1], b[1])
    if a[0] == "a":
        return a[1] is not None and len(a[1]) == len(b[1]) and \
            all(same_value(x, y) for x, y in zip(a[1], b[1]))
    return a[1] == b[1]


def compare_attrs(where, got, exp):
    want = [(text(k), expected_value(t, v)) for k, t, v in exp]
    if len(got) != len(want):
        err("%s: %d attributes, expected %d" % (where, len(got), len(want)))
        return
    for (gk, gv), (wk, wv) in zip(got, want):
        if gk != wk:
            err("%s: key %r, expected %r" % (where, gk, wk))
        elif not same_value(gv, wv):
            err("%s[%r]: %r, expected %r" % (where, gk, str(gv)[:200],
                                            str(wv)[:200]))


def compare_span(where, got, exp, resources, rattrs, scope):
    def eq(field, g, w):
        if g != w:
            err("%s.%s: %r, expected %r" % (where, field, str(g)[:200],
                                           str(w)[:200]))
    want_res = [(text(k), expected_value(t, v))
                for k, t, v in resources[exp["resource"]]]
    if len(rattrs) != len(want_res) or not all(
            gk == wk and same_value(gv, wv)
            for (gk, gv), (wk, wv) in zip(rattrs, want_res)):
        err("%s: under resource %r, expected %r" % (where, rattrs, want_res))
    eq("scope", scope, (text(exp["scope"][0]), text(exp["scope"][1])))
    eq("traceId", got["traceId"], exp["traceId"])
    eq("parentSpanId", got.get("parentSpanId", ""), exp["parentSpanId"])
    eq("traceState", got.get("traceState", ""), text(exp["traceState"]))
    eq("flags", got["flags"], exp["flags"])
    eq("name", got["name"], text(exp["name"]))
    eq("kind", got["kind"], exp["kind"])
    eq("startTimeUnixNano", got["startTimeUnixNano"], exp["start"])
    eq("endTimeUnixNano", got["endTimeUnixNano"], exp["end"])
    compare_attrs(where + ".attributes",
                  decode_attrs(where, got.get("attributes", [])),
                  exp["attrs"])
    eq("droppedAttributesCount", got.get("droppedAttributesCount", 0),
       exp["droppedAttributes"])
    gev = got.get("events", [])
    if len(gev) != len(exp["events"]):
        err("%s: %d events, expected %d" % (where, len(gev),
                                            len(exp["events"])))
    for i, (g, w) in enumerate(zip(gev, exp["events"])):
        eq("events[%d].timeUnixNano" % i, g["timeUnixNano"], w["time"])
        eq("events[%d].name" % i, g["name"], text(w["name"]))
        compare_attrs("%s.events[%d].attributes" % (where, i),
                      decode_attrs(where, g.get("attributes", [])),
                      w["attrs"])
        eq("events[%d].droppedAttributesCount" % i,
           g.get("droppedAttributesCount", 0), w["dropped"])
    eq("droppedEventsCount", got.get("droppedEventsCount", 0),
       exp["droppedEvents"])
    gl = got.get("links", [])
    if len(gl) != len(exp["links"]):
        err("%s: %d links, expected %d" % (where, len(gl), len(exp["links"])))
    for i, (g, w) in enumerate(zip(gl, exp["links"])):
        eq("links[%d].traceId" % i, g["traceId"], w["traceId"])
        eq("links[%d].spanId" % i, g["spanId"], w["spanId"])
        eq("links[%d].traceState" % i, g.get("traceState", ""),
           text(w["traceState"]))
        eq("links[%d].flags" % i, g["flags"], w["flags"])
        compare_attrs("%s.links[%d].attributes" % (where, i),
                      decode_attrs(where, g.get("attributes", [])),
                      w["attrs"])
        eq("links[%d].droppedAttributesCount" % i,
           g.get("droppedAttributesCount", 0), w["dropped"])
    eq("droppedLinksCount", got.get("droppedLinksCount", 0),
       exp["droppedLinks"])
    st = got["status"]
    eq("status.code", st.get("code", 0), exp["status"][0])
    eq("status.message", st.get("message", ""), text(exp["status"][1]))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    with open(sys.argv[2], "rb") as f:
        exp = json.loads(f.read().decode("ascii"))
    if data and not data.endswith(b"\n"):
        err("output does not end with a newline")
    lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else \
        data.split(b"\n")
    broken = set(exp.get("broken", []))
    if exp.get("lines", -1) >= 0 and len(lines) != exp["lines"]:
        err("%d lines, expected %d" % (len(lines), exp["lines"]))
    found = {}
    per_line = []
    layouts = []
    for n, raw in enumerate(lines, 1):
        try:
            req = json.loads(raw.decode("utf-8", "strict"),
                             parse_constant=reject_constant,
                             object_pairs_hook=no_duplicates)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            if n not in broken:
                err("line %d does not parse: %s: %r" % (n, e, raw[:120]))
            per_line.append([])
            layouts.append(None)
            continue
        if n in broken:
            err("line %d parses but was expected to be cut short" % n)
        spans, layout = check_request("line %d" % n, req)
        layouts.append(layout)
        ids = []
        for rattrs, scope, s in spans:
            sid = s.get("spanId")
            ids.append(sid)
            if sid in found:
                err("span %s appears twice" % sid)
            found[sid] = (n, rattrs, scope, s)
        per_line.append(ids)
    finish()
    if "batches" in exp:
        good = [ids for n, ids in enumerate(per_line, 1) if n not in broken]
        if len(good) != len(exp["batches"]):
            err("%d batches, expected %d" % (len(good), len(exp["batches"])))
        for i, (g, w) in enumerate(zip(good, exp["batches"])):
            if sorted(g) != sorted(w):
                err("batch %d holds other spans than expected" % i)
    want = {s["spanId"]: s for s in exp["spans"]}
    if exp.get("ordered") and "batches" in exp:
        good = [lay for n, lay in enumerate(layouts, 1) if n not in broken]
        for i, (g, batch) in enumerate(zip(good, exp["batches"])):
            w = expected_layout(batch, want)
            if g != w:
                err("line of batch %d: grouping/order %r, expected %r"
                    % (i, [(r, sc, len(ids)) for r, sc, ids in g][:10],
                       [(r, sc, len(ids)) for r, sc, ids in w][:10]))
                if [(r, sc) for r, sc, _ in g] == [(r, sc) for r, sc, _ in w]:
                    err("(same groups, spans in another order)")
    for sid in found:
        if sid not in want:
            err("unexpected span %s" % sid)
    for sid, w in want.items():
        if sid not in found:
            err("span %s (%r) missing" % (sid, text(w["name"])[:60]))
            continue
        n, rattrs, scope, s = found[sid]
        compare_span("line %d span %s" % (n, sid), s, w, exp["resources"],
                     rattrs, scope)
    finish()
    print("OK lines=%d spans=%d" % (len(lines), len(found)))


if __name__ == "__main__":
    main()
