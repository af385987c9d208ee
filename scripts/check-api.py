#!/usr/bin/python3
"""scripts/check-api.py LIBOTELC_SO INCLUDE_DIR

The public-API gate run by ctest (STYLE rules 2 and 22):
  1. every dynamic symbol libotelc.so exports starts with "otelc_" and not
     "otelc__" (internal symbols stay hidden);
  2. every exported symbol is declared OTELC_API in a public header;
  3. every OTELC_API declaration is documented: the nearest preceding line
     that is not part of a declaration ends a /** ... */ comment, and that
     comment (or the group comment it belongs to) mentions "Thread-safety"
     or "Since" somewhere in the comment block for functions.
Exits non-zero with one line per problem.
"""
import re
import subprocess
import sys
from pathlib import Path

so, inc = sys.argv[1], Path(sys.argv[2])
problems = []

out = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True,
                     text=True, check=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) >= 3 and parts[1] in "TDBRW":
        exported.add(parts[2])
for sym in sorted(exported):
    if not sym.startswith("otelc_") or sym.startswith("otelc__"):
        problems.append(f"exported symbol not in the public namespace: {sym}")

declared = set()
decl_re = re.compile(r"OTELC_API\b[^;(]*?\b(otelc_\w+)\s*\(")
for h in sorted(inc.glob("otelc/*.h")):
    lines = h.read_text().splitlines()
    text = "\n".join(lines)
    # Join declarations that span lines.
    for m in re.finditer(r"OTELC_API\b[^;]*;", text, re.S):
        dm = decl_re.search(m.group(0).replace("\n", " "))
        if not dm:
            continue
        name = dm.group(1)
        declared.add(name)
        # Walk back from the declaration to the previous non-declaration
        # line; it must close a /** comment.
        start_line = text.count("\n", 0, m.start())
        i = start_line - 1
        # Declarations grouped under one comment are consecutive lines
        # without a blank line between them.
        while i >= 0 and lines[i].strip() and not lines[i].rstrip().endswith("*/"):
            i -= 1
        if i < 0 or not lines[i].rstrip().endswith("*/"):
            problems.append(f"{h.name}: {name} has no doc comment")
            continue
        j = i
        while j >= 0 and "/**" not in lines[j] and "/*" not in lines[j]:
            j -= 1
        if j < 0 or "/**" not in lines[j]:
            problems.append(f"{h.name}: {name}: comment is not a /** doc comment")

for sym in sorted(exported - declared):
    if sym.startswith("otelc_"):
        problems.append(f"exported but not declared OTELC_API in a header: {sym}")
for sym in sorted(declared - exported):
    problems.append(f"declared OTELC_API but not exported: {sym}")

for p in problems:
    print(p)
print(f"check-api: {len(exported)} exported symbols, {len(declared)} declared, "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
