#!/usr/bin/python3
"""tests/jaeger/jaeger_receiver.py - a loopback Jaeger collector for tests.

Accepts POST <any path> like a Jaeger collector's /api/traces endpoint and
decodes every body as a jaeger.Batch with Apache Thrift's Python library
(Debian's python3-thrift): TBinaryProtocol over TMemoryBuffer, with classes
generated at start-up by Debian's thrift compiler from tests/jaeger/
jaeger.thrift.  Decoding is strict: a field the IDL does not define, a
field of the wrong type, a missing required field, or bytes left after the
Batch make the request fail with 400 and are recorded as decode errors.

Every request becomes one JSON line in --out, written and flushed before
the answer is sent: {"i": n, "t": monotonic seconds, "path", "ctype",
"auth", "size", "status", "error", "seqNo", "stats", "process", "spans"}.
With --ids-only, "spans" is replaced by "ids" (spanId of each span).

Fault modes:
  --fail-first N      answer --fail-status (503) to the first N requests
  --fail-requests L   answer --fail-status to the listed request numbers
                      (1-based, comma-separated)
  --fail-status CODE  the status of those answers (default 503)
  --retry-after S     add "Retry-After: S" to those answers
  --status CODE       answer every decodable request with CODE
  --hang              read each request, then never answer
A request that gets a non-2xx answer is recorded with that status; its
spans do not count as delivered (jaeger_query.py only counts 2xx).

Prints "PORT <n>" on stdout once listening on 127.0.0.1 (port 0 = any).
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def compile_idl(thrift, idl):
    out = tempfile.mkdtemp(prefix="otelc-jaeger-gen-")
    subprocess.run([thrift, "--gen", "py", "-out", out, idl], check=True)
    sys.path.insert(0, out)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thrift", default="/usr/bin/thrift")
    ap.add_argument("--idl", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-requests", default="")
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--retry-after", default="")
    ap.add_argument("--status", type=int, default=202)
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--ids-only", action="store_true")
    args = ap.parse_args()

    gen_dir = compile_idl(args.thrift, args.idl)
    from thrift.protocol.TBinaryProtocol import TBinaryProtocol
    from thrift.protocol.TProtocol import TProtocolException
    from thrift.transport.TTransport import TMemoryBuffer
    from jaeger_thrift import ttypes

    class StrictBinaryProtocol(TBinaryProtocol):
        """The generated readers skip fields they do not know or whose
        type differs from the IDL; for a test decoder that is an error."""

        def skip(self, ttype):
            raise TProtocolException(
                TProtocolException.INVALID_DATA,
                "field of unexpected id or type %d" % ttype)

    def validate(obj):
        obj.validate()  # required fields present
        for name in ("process", "stats"):
            v = getattr(obj, name, None)
            if v is not None:
                validate(v)
        for name in ("spans", "tags", "logs", "fields", "references"):
            for v in getattr(obj, name, None) or []:
                validate(v)

    tag_types = ttypes.TagType._VALUES_TO_NAMES
    ref_types = ttypes.SpanRefType._VALUES_TO_NAMES

    def tag_dict(t):
        d = {"key": t.key, "vType": tag_types.get(t.vType, t.vType)}
        for f in ("vStr", "vDouble", "vBool", "vLong"):
            v = getattr(t, f)
            if v is not None:
                d[f] = v
        if t.vBinary is not None:
            d["vBinary"] = t.vBinary.hex()
        return d

    def span_dict(s):
        return {
            "traceIdLow": s.traceIdLow, "traceIdHigh": s.traceIdHigh,
            "spanId": s.spanId, "parentSpanId": s.parentSpanId,
            "operationName": s.operationName,
            "references": None if s.references is None else [
                [ref_types.get(r.refType, r.refType), r.traceIdLow,
                 r.traceIdHigh, r.spanId] for r in s.references],
            "flags": s.flags, "startTime": s.startTime,
            "duration": s.duration,
            "tags": None if s.tags is None else [tag_dict(t) for t in s.tags],
            "logs": None if s.logs is None else [
                {"timestamp": l.timestamp,
                 "fields": [tag_dict(t) for t in l.fields]} for l in s.logs],
        }

    def decode(body):
        buf = TMemoryBuffer(body)
        batch = ttypes.Batch()
        batch.read(StrictBinaryProtocol(buf))
        validate(batch)
        left = len(body) - buf._buffer.tell()
        if left:
            raise ValueError("%d bytes left after the Batch" % left)
        return batch

    fail_set = {int(x) for x in args.fail_requests.split(",") if x.strip()}
    lock = threading.Lock()
    state = {"n": 0}
    out = open(args.out, "a", encoding="utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, extra=None):
            body = b"" if status == 202 else b"status %d" % status
            self.send_response(status)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            with lock:
                state["n"] += 1
                i = state["n"]
            rec = {"i": i, "t": time.monotonic(), "path": self.path,
                   "ctype": self.headers.get("Content-Type"),
                   "auth": self.headers.get("Authorization"),
                   "size": len(body), "error": None}
            status = args.status
            extra = {}
            try:
                batch = decode(body)
                rec["seqNo"] = batch.seqNo
                rec["stats"] = None if batch.stats is None else [
                    batch.stats.fullQueueDroppedSpans,
                    batch.stats.tooLargeDroppedSpans,
                    batch.stats.failedToEmitSpans]
                rec["process"] = {
                    "serviceName": batch.process.serviceName,
                    "tags": None if batch.process.tags is None else
                    [tag_dict(t) for t in batch.process.tags]}
                if args.ids_only:
                    rec["ids"] = [s.spanId for s in batch.spans]
                else:
                    rec["spans"] = [span_dict(s) for s in batch.spans]
            except Exception as e:  # any decode problem is the test's find
                rec["error"] = "%s: %s" % (type(e).__name__, e)
                status = 400
            if status < 400 and (i <= args.fail_first or i in fail_set):
                status = args.fail_status
                if args.retry_after:
                    extra["Retry-After"] = args.retry_after
            if args.hang:
                status = 0
            rec["status"] = status
            with lock:
                out.write(json.dumps(rec) + "\n")
                out.flush()
            if args.hang:
                time.sleep(3600)
                return
            self.answer(status, extra)

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server(("127.0.0.1", args.port), Handler)
    # SIGTERM (the tests' stop) unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    finally:
        shutil.rmtree(gen_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
