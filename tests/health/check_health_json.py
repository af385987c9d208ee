#!/usr/bin/python3
"""tests/health/check_health_json.py FILE all|one

Parses a /health response body with Python's json module and checks its
shape; prints one fact per line for the C test:
  STATUS <status>                                   (all)
  CHECK <name> <status> <duration_ms> <message>     (all and one)
Exit 1 with a message when the body is not what /health promises:
  all: {"status": "healthy"|"unhealthy", "timestamp": RFC 3339 UTC,
        "checks": {name: {"status", "message", "duration_ms"}}}
  one: {"status", "message", "duration_ms", "name", "timestamp"}
"""
import datetime
import json
import sys


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def check_time(ts):
    if not isinstance(ts, str) or not ts.endswith("Z"):
        fail(f"timestamp {ts!r} is not RFC 3339 UTC")
    datetime.datetime.fromisoformat(ts[:-1])


def check_result(name, r):
    if set(r) < {"status", "message", "duration_ms"}:
        fail(f"check {name}: missing fields in {r}")
    if r["status"] not in ("healthy", "unhealthy"):
        fail(f"check {name}: bad status {r['status']!r}")
    if not isinstance(r["duration_ms"], (int, float)) or r["duration_ms"] < 0:
        fail(f"check {name}: bad duration_ms")
    if not isinstance(r["message"], str):
        fail(f"check {name}: message is not a string")
    print(f"CHECK {name} {r['status']} {r['duration_ms']} {r['message']}")


def main():
    body = open(sys.argv[1], "rb").read().decode("utf-8")
    doc = json.loads(body)
    if sys.argv[2] == "all":
        if doc.get("status") not in ("healthy", "unhealthy"):
            fail("bad overall status")
        check_time(doc.get("timestamp"))
        if not isinstance(doc.get("checks"), dict):
            fail("checks is not an object")
        print(f"STATUS {doc['status']}")
        for name, r in doc["checks"].items():
            check_result(name, r)
    else:
        check_time(doc.get("timestamp"))
        check_result(doc.get("name"), doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
