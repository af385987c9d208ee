#!/usr/bin/python3
"""tests/metrics/check_prom.py FILE text|openmetrics [--gzip] [--time SECONDS]

Validates one /metrics response body with two implementations this project
did not write, then prints what they parsed, one fact per line, for the C
test to assert on:

  text:        `promtool check metrics` (Prometheus' own Go text parser and
               linter; any problem is a failure) and
               prometheus_client.parser.text_string_to_metric_families.
  openmetrics: prometheus_client.openmetrics.parser (strict OpenMetrics
               1.0: # EOF, grouping, exemplars, _created, UNIT...) and
               Prometheus' own OpenMetrics parser through
               `promtool tsdb create-blocks-from openmetrics`.  That command
               backfills, so it needs a timestamp on every sample: the
               script inserts --time (the scrape time) after each sample's
               value, before any exemplar - the only change made to the body.

--gzip: the body must be a gzip stream (checked by Python's gzip module).

Output lines:
  FAMILY <name> <type> <unit>
  SAMPLE <name> <labels> <value>
  EXEMPLAR <sample name> <sample labels> <exemplar labels> <value> <timestamp>
where <labels> is k=v pairs sorted by key, comma-separated, in braces.
Exit status 0 when every check passed; 1 with a message otherwise.
"""
import gzip
import re
import subprocess
import sys
import tempfile

from prometheus_client.openmetrics import parser as om_parser
from prometheus_client import parser as text_parser


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def labels_text(labels):
    return "{" + ",".join(f"{k}={labels[k]}" for k in sorted(labels)) + "}"


def main():
    path, fmt = sys.argv[1], sys.argv[2]
    gz = "--gzip" in sys.argv
    ts = "1700000000"
    if "--time" in sys.argv:
        ts = sys.argv[sys.argv.index("--time") + 1]
    raw = open(path, "rb").read()
    if gz:
        if raw[:2] != b"\x1f\x8b":
            fail("not a gzip stream")
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"not UTF-8: {e}")
    if not text.endswith("\n"):
        fail("the body does not end with a newline")

    if fmt == "text":
        r = subprocess.run(["promtool", "check", "metrics"], input=text,
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("promtool check metrics: " + (r.stdout + r.stderr).strip())
        families = list(text_parser.text_string_to_metric_families(text))
    elif fmt == "openmetrics":
        try:
            families = list(om_parser.text_string_to_metric_families(text))
        except ValueError as e:
            fail(f"prometheus_client openmetrics parser: {e}")
        # Prometheus' parser: timestamps added for the backfill tool.
        stamped = []
        for line in text.splitlines():
            if line.startswith("#") or not line:
                stamped.append(line)
                continue
            m = re.match(r'^(\S+?(?:\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?) (\S+)(.*)$',
                         line)
            if not m:
                fail("unparseable sample line: " + line)
            stamped.append(f"{m.group(1)} {m.group(2)} {ts}{m.group(3)}")
        with tempfile.TemporaryDirectory() as d:
            src = d + "/in.om"
            with open(src, "w") as f:
                f.write("\n".join(stamped) + "\n")
            r = subprocess.run(["promtool", "tsdb", "create-blocks-from",
                                "openmetrics", src, d + "/out"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                fail("promtool openmetrics parser: " +
                     (r.stdout + r.stderr).strip())
    else:
        fail("format must be text or openmetrics")

    for fam in families:
        print(f"FAMILY {fam.name} {fam.type} {fam.unit or '-'}")
        for s in fam.samples:
            print(f"SAMPLE {s.name} {labels_text(s.labels)} {s.value!r}")
            if s.exemplar:
                e = s.exemplar
                print(f"EXEMPLAR {s.name} {labels_text(s.labels)} "
                      f"{labels_text(e.labels)} {e.value!r} {e.timestamp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
