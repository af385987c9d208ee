#!/usr/bin/python3
"""tests/log/es_server.py PORT_FILE OUT_FILE FAIL_FIRST

A loopback stand-in for Elasticsearch's _bulk endpoint that checks the
NDJSON with Python's json module: every body must be pairs of lines, an
action {"index": {"_index": ...}} and a document, each line valid JSON and
the body ending in a newline.  The first FAIL_FIRST requests get 503 with
Retry-After: 0.  Documents whose message is "reject me" are rejected in
the response (status 400, "errors": true), like a mapping error.  Accepted
documents are appended to OUT_FILE as {"_index": ..., "doc": ...} lines.
A malformed body gets 400 and is recorded in OUT_FILE.bad.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, out_file, fail_first = sys.argv[1], sys.argv[2], int(sys.argv[3])
state = {"requests": 0}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        state["requests"] += 1
        if state["requests"] <= fail_first:
            return self.reply(503, {"error": "busy"}, [("Retry-After", "0")])
        try:
            if self.path != "/_bulk":
                raise ValueError(f"path {self.path}")
            ct = self.headers.get("Content-Type", "")
            if ct != "application/x-ndjson":
                raise ValueError(f"content type {ct}")
            if not body.endswith(b"\n"):
                raise ValueError("body does not end with a newline")
            lines = body.decode("utf-8").split("\n")[:-1]
            if len(lines) % 2:
                raise ValueError("odd number of lines")
            items, errors, out = [], False, []
            for i in range(0, len(lines), 2):
                action = json.loads(lines[i])
                doc = json.loads(lines[i + 1])
                index = action["index"]["_index"]
                if doc.get("message") == "reject me":
                    errors = True
                    items.append({"index": {"_index": index, "status": 400,
                                            "error": {"type": "mapper_parsing_exception"}}})
                else:
                    items.append({"index": {"_index": index, "status": 201}})
                    out.append(json.dumps({"_index": index, "doc": doc}))
        except Exception as e:  # noqa: BLE001
            with open(out_file + ".bad", "a") as f:
                f.write(f"{e}\n")
            return self.reply(400, {"error": str(e)})
        with open(out_file, "a") as f:
            for line in out:
                f.write(line + "\n")
        self.reply(200, {"took": 1, "errors": errors, "items": items})


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
