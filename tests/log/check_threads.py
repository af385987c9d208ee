#!/usr/bin/python3
"""tests/log/check_threads.py LOG_FILE THREADS PER_THREAD

Reads LOG_FILE and its rotated backups (LOG_FILE.N, oldest = highest N),
parses every line with json (a torn or merged line fails to parse), and
checks that each (thread, seq) pair of tests/log/test_threads.c appears
exactly once and that each thread's records appear in the order it made
them.  Prints "ok <lines> <files>".
"""
import glob
import json
import sys

path, threads, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
backups = sorted(glob.glob(path + ".*"), key=lambda p: -int(p.rsplit(".", 1)[1]))
files = backups + [path]
seen = [bytearray(per) for _ in range(threads)]
last = [-1] * threads
lines = 0
for f in files:
    data = open(f, "rb").read()
    if data and not data.endswith(b"\n"):
        print(f"{f}: does not end with a newline")
        sys.exit(1)
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            o = json.loads(line.decode("utf-8"))
        except Exception as e:
            print(f"{f}:{n}: not one JSON object: {e}: {line[:200]!r}")
            sys.exit(1)
        t, s = o["thread"], o["seq"]
        if seen[t][s]:
            print(f"{f}:{n}: thread {t} seq {s} seen twice")
            sys.exit(1)
        seen[t][s] = 1
        if s <= last[t]:
            print(f"{f}:{n}: thread {t} seq {s} after {last[t]}")
            sys.exit(1)
        last[t] = s
        lines += 1
for t in range(threads):
    missing = seen[t].count(0)
    if missing:
        print(f"thread {t}: {missing} records missing (first {seen[t].index(0)})")
        sys.exit(1)
print(f"ok {lines} {len(files)}")
