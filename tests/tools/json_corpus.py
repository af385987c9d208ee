"""Cross-check tools/json_reader.c against Python's json module.

  json_corpus.py gen OUT            write random JSON documents, one a line
  json_corpus.py cmp IN OUT         IN: the documents, OUT: the C reader's
                                    re-encoding of each; compare them
  json_corpus.py reject FILE        FILE: hex-encoded inputs, one a line,
                                    that the C reader rejected; check that
                                    Python rejects each too

Documents mix nesting, every escape, non-ASCII and astral characters
(written raw or as \\u escapes), integers within +-2**53 (exact in a
double) and floats.  Prints "OK <n>" and exits 0 on success.
"""
import json
import random
import sys


def rand_string(r):
    pool = ["a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t",
            "\x00", "\x1f", "\x7f", "é", "ü", "€", "中", "😀", "𝄞", "\u2028"]
    return "".join(r.choice(pool) for _ in range(r.randint(0, 12)))


def rand_value(r, depth):
    k = r.randint(0, 9 if depth < 6 else 5)
    if k == 0:
        return None
    if k == 1:
        return r.random() < 0.5
    if k == 2:
        return r.randint(-(2 ** 53), 2 ** 53)
    if k == 3:
        return r.choice([0.0, -0.0, 1.5, -2.25e-300, 6.02e23,
                         r.uniform(-1e6, 1e6), r.random() * 10 ** r.randint(-20, 300)])
    if k in (4, 5):
        return rand_string(r)
    if k in (6, 7):
        return [rand_value(r, depth + 1) for _ in range(r.randint(0, 5))]
    return {rand_string(r): rand_value(r, depth + 1)
            for _ in range(r.randint(0, 5))}


def gen(path):
    r = random.Random(20240601)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(400):
            doc = rand_value(r, 0)
            text = json.dumps(doc, ensure_ascii=(i % 2 == 0), allow_nan=False,
                              indent=(2 if i % 7 == 0 else None))
            # One document per line: indent's newlines are JSON whitespace,
            # so escape them away by re-dumping pretty ones with tabs.
            f.write(text.replace("\n", "\t") + "\n")
    print("OK 400")


def no_constants(name):
    raise ValueError("non-standard constant " + name)


def cmp(src, out):
    a = open(src, encoding="utf-8").read().split("\n")[:-1]
    b = open(out, encoding="utf-8").read().split("\n")[:-1]
    if len(a) != len(b):
        print("FAIL: %d documents in, %d out" % (len(a), len(b)))
        sys.exit(1)
    for i, (x, y) in enumerate(zip(a, b)):
        want = json.loads(x, parse_constant=no_constants)
        got = json.loads(y, parse_constant=no_constants)
        if want != got or repr(want) != repr(got):
            print("FAIL: document %d differs:\n  %r\n  %r" % (i + 1, want, got))
            sys.exit(1)
    print("OK %d" % len(a))


def reject(path):
    n = 0
    for line in open(path):
        data = bytes.fromhex(line.strip())
        try:
            json.loads(data.decode("utf-8"), parse_constant=no_constants)
        except (ValueError, UnicodeDecodeError):
            n += 1
            continue
        print("FAIL: Python accepts %r" % data)
        sys.exit(1)
    print("OK %d" % n)


if __name__ == "__main__":
    {"gen": lambda: gen(sys.argv[2]),
     "cmp": lambda: cmp(sys.argv[2], sys.argv[3]),
     "reject": lambda: reject(sys.argv[2])}[sys.argv[1]]()
