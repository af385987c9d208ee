#!/usr/bin/python3
"""tests/log/check_json.py SCENARIO FILE

Checks a LOG_FORMAT=json file with Python's json module (strict: raw
control characters in strings are errors) after a strict UTF-8 decode:
  - every line, including the last, ends with "\\n" and is one object;
  - the first keys are timestamp, level, logger, message, then trace_id,
    span_id, trace_flags (only together), then service.name;
  - timestamp is RFC 3339 UTC with nine fractional digits;
  - no key repeats.
Then the SCENARIO's expectations (what tests/log/test_json.c logged).
Prints "ok N" and exits 0, or prints the problem and exits 1.
"""
import datetime
import json
import math
import re
import sys

scenario, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()


def fail(msg):
    print(msg)
    sys.exit(1)


if not raw.endswith(b"\n"):
    fail("file does not end with a newline")
text = raw.decode("utf-8")  # strict: invalid UTF-8 raises
lines = text.split("\n")[:-1]
recs = []
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
for n, line in enumerate(lines, 1):
    pairs = json.loads(line, object_pairs_hook=lambda p: p)
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        fail(f"line {n}: repeated key in {keys}")
    head = ["timestamp", "level", "logger", "message"]
    if keys[:4] != head:
        fail(f"line {n}: first keys {keys[:4]}")
    i = 4
    if keys[4] == "trace_id":
        if keys[4:7] != ["trace_id", "span_id", "trace_flags"]:
            fail(f"line {n}: ids {keys[4:7]}")
        i = 7
    if keys[i] != "service.name":
        fail(f"line {n}: key {i} is {keys[i]}, not service.name")
    obj = dict(pairs)
    if not TS.match(obj["timestamp"]):
        fail(f"line {n}: timestamp {obj['timestamp']}")
    datetime.datetime.strptime(obj["timestamp"][:26] + "Z",
                               "%Y-%m-%dT%H:%M:%S.%fZ")
    recs.append((obj, keys))


def collapse(s):
    return re.sub("\ufffd+", "\ufffd", s)


def expect(cond, msg):
    if not cond:
        fail(msg)


CTL = "".join(chr(c) for c in range(1, 32)) + "\"\\/\x7f"
BAD = b"a\xffb\xc3(c\xe2\x82d\xf0\x9f\x98 \xed\xa0\x80 end \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"

if scenario == "hostile":
    expect(len(recs) == 6, f"{len(recs)} records")
    o = recs[0][0]
    expect(o["message"] == CTL, f"control message {o['message']!r}")
    expect(o["ctl"] == CTL, "control field")
    o = recs[1][0]
    want = collapse(BAD.decode("utf-8", errors="replace"))
    expect(collapse(o["message"]) == want, f"utf8 message {o['message']!r}")
    expect(collapse(o["bad"]) == want, f"utf8 field {o['bad']!r}")
    expect(o["message"].endswith(" end \u00e9\u20ac\U0001F600"),
           "valid UTF-8 kept")
    o = recs[2][0]
    expect(o["huge"] == "x" * 300000 + "\u00e9", "huge field")
    expect(o["message"] == "m" * 100000, "huge message")
    o, keys = recs[3]
    expect(o['k"\n\\'] == "v", f"hostile key {keys}")
    expect(o["field.message"] == "user message", "reserved key renamed")
    expect(o["field.level"] == 3, "reserved key renamed (int)")
    expect(o["message"] == "reserved", "message kept")
    o = recs[4][0]
    expect(o["imax"] == 9223372036854775807, "int64 max")
    expect(o["imin"] == -9223372036854775808, "int64 min")
    expect(o["neg"] == -42, "negative")
    expect(o["pi"] == 3.141592653589793, "double round trip")
    expect(o["tiny"] == 5e-324, "denormal")
    expect(o["nan"] == "NaN" and o["inf"] == "Infinity" and
           o["ninf"] == "-Infinity", "non-finite as strings")
    expect(o["yes"] is True and o["no"] is False, "bools")
    expect(o["nothing"] is None, "null string")
    expect(o["u8"] == 255 and o["ch"] == 65, "small ints")
    expect(o["f"] == 0.5, "float")
    o = recs[5][0]
    # A later key replaces an earlier one (bound context, then fields).
    expect(o["dup"] == "field", f"dup {o.get('dup')}")
elif scenario == "basic":
    expect(len(recs) >= 1, "no records")
else:
    fail(f"unknown scenario {scenario}")
print(f"ok {len(recs)}")
