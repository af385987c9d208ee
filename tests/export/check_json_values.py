#!/usr/bin/python3
"""Check otelc's JSON value writers (sdk/json.c) against Python's decoder.

usage: check_json_values.py strings|doubles|ints OUTPUT EXPECTED

OUTPUT    one JSON value per line, as otelc wrote it.
EXPECTED  one line per value, from the C test:
  strings  hex of the raw input bytes; the decoded JSON string must equal
           bytes.decode("utf-8", "replace") (Python's decoder, which
           replaces each maximal ill-formed subpart with one U+FFFD, the
           Unicode standard's recommended practice).  The line itself must
           be valid UTF-8 without raw control characters.
  doubles  16 hex digits of the IEEE-754 bits; the JSON value (a number or
           "NaN"/"Infinity"/"-Infinity", as the protobuf JSON mapping writes
           them) must round-trip to the same bits (any NaN for NaN).
  ints     the decimal value; the JSON number must equal it exactly.

Strict: NaN/Infinity literals and trailing data are rejected.  Prints
"OK n" and exits 0, or prints the first mismatches and exits 1.
"""
import json
import math
import struct
import sys


def reject_constant(name):
    raise ValueError("non-standard JSON literal %s" % name)


def main():
    mode, out_path, exp_path = sys.argv[1:4]
    with open(out_path, "rb") as f:
        out = f.read().split(b"\n")
    with open(exp_path, "r", encoding="ascii") as f:
        exp = f.read().split("\n")
    if out[-1] == b"":
        out.pop()
    if exp[-1] == "":
        exp.pop()
    bad = []
    if len(out) != len(exp):
        bad.append("%d values written, %d expected" % (len(out), len(exp)))
    for n, (raw, want) in enumerate(zip(out, exp), 1):
        try:
            line = raw.decode("utf-8", "strict")
            if any(ord(c) < 0x20 for c in line):
                raise ValueError("raw control character")
            if mode == "doubles":
                v = json.loads(line, parse_constant=reject_constant,
                               parse_int=float)
                if isinstance(v, str):
                    if v not in ("NaN", "Infinity", "-Infinity"):
                        raise ValueError("bad double string %r" % v)
                    v = float(v.replace("Infinity", "inf"))
                w = struct.unpack(">d", bytes.fromhex(want))[0]
                ok = (math.isnan(v) and math.isnan(w)) or \
                    struct.pack(">d", v) == struct.pack(">d", w)
                if not ok:
                    raise ValueError("%r decodes to %r, expected %r"
                                     % (line, v, w))
            elif mode == "ints":
                v = json.loads(line, parse_constant=reject_constant)
                if not isinstance(v, int) or v != int(want):
                    raise ValueError("%r, expected %s" % (line, want))
            else:
                v = json.loads(line, parse_constant=reject_constant)
                w = bytes.fromhex(want).decode("utf-8", "replace")
                if v != w:
                    raise ValueError("%r decodes to %r, expected %r"
                                     % (line[:200], v[:200], w[:200]))
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            bad.append("value %d: %s" % (n, e))
        if len(bad) > 20:
            break
    if bad:
        for b in bad:
            print("ERROR:", b)
        sys.exit(1)
    print("OK %d" % len(out))


if __name__ == "__main__":
    main()
