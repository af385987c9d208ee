#!/usr/bin/python3
"""tests/errors/sentry_server.py PORT_FILE OUT_FILE [SCRIPT_JSON]

A loopback stand-in for Sentry's envelope endpoint.  Every request is
checked the way Sentry (Relay) reads it, with Python's json module:

  - POST to /[prefix/]api/<numeric project id>/envelope/;
  - Content-Type: application/x-sentry-envelope;
  - X-Sentry-Auth: "Sentry sentry_version=7, sentry_client=..., sentry_key=...";
  - the body: an envelope header line (a JSON object with a 32-hex
    event_id), then items, each an item header line (a JSON object with
    "type" and an integer "length"), exactly `length` bytes of payload
    that parse as a JSON object, then a newline (or the end of the body);
    each event payload's event_id equals the envelope's.

A valid request is appended to OUT_FILE as one JSON line
{"path", "auth", "header", "items": [{"header", "payload"}]}; an invalid one
gets 400 and a line {"error": "..."}.  SCRIPT_JSON is a list of responses
for successive requests, e.g. [{"status": 429, "headers": {"Retry-After":
"60"}}, {"sleep": 5}]; once it is used up every answer is 200.  The port is
written to PORT_FILE when the server listens.
"""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, out_file = sys.argv[1], sys.argv[2]
script = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
lock = threading.Lock()
state = {"n": 0}

PATH_RE = re.compile(r"^(/[^?#]*)?/api/[0-9]+/envelope/$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def record(obj):
    with lock:
        with open(out_file, "a") as f:
            f.write(json.dumps(obj, sort_keys=True) + "\n")


def parse_envelope(body):
    nl = body.find(b"\n")
    if nl < 0:
        raise ValueError("no newline after the envelope header")
    header = json.loads(body[:nl].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("envelope header is not an object")
    if not HEX32.match(header.get("event_id", "")):
        raise ValueError("envelope header has no 32-hex event_id")
    pos = nl + 1
    items = []
    while pos < len(body):
        inl = body.find(b"\n", pos)
        if inl < 0:
            raise ValueError("item header without a newline")
        ih = json.loads(body[pos:inl].decode("utf-8"))
        if not isinstance(ih, dict) or "type" not in ih:
            raise ValueError("item header has no type")
        length = ih.get("length")
        if not isinstance(length, int) or length < 0:
            raise ValueError("item header has no integer length")
        start = inl + 1
        end = start + length
        if end > len(body):
            raise ValueError("payload shorter than its length")
        payload = json.loads(body[start:end].decode("utf-8"))
        if not isinstance(payload, dict):
            raise ValueError("payload is not a JSON object")
        if end < len(body):
            if body[end:end + 1] != b"\n":
                raise ValueError("no newline after the payload")
            end += 1
        if ih["type"] == "event" and payload.get("event_id") != header["event_id"]:
            raise ValueError("event_id differs between envelope and event")
        items.append({"header": ih, "payload": payload})
        pos = end
    if not items:
        raise ValueError("envelope without items")
    return header, items


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, headers=None, body=b"{}"):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            i = state["n"]
            state["n"] += 1
        step = script[i] if i < len(script) else {}
        if step.get("sleep"):
            time.sleep(step["sleep"])
        try:
            if not PATH_RE.match(self.path):
                raise ValueError(f"path {self.path}")
            ct = self.headers.get("Content-Type", "")
            if ct != "application/x-sentry-envelope":
                raise ValueError(f"content type {ct}")
            auth = self.headers.get("X-Sentry-Auth", "")
            if not auth.startswith("Sentry ") or "sentry_version=7" not in auth \
                    or not re.search(r"sentry_key=[A-Za-z0-9]+", auth):
                raise ValueError(f"auth header {auth!r}")
            header, items = parse_envelope(body)
        except Exception as e:  # noqa: BLE001 - report anything
            record({"error": str(e), "request": i})
            return self.reply(400, body=json.dumps({"detail": str(e)}).encode())
        record({"path": self.path, "auth": auth, "header": header,
                "items": items, "request": i})
        self.reply(step.get("status", 200), step.get("headers"),
                   json.dumps({"id": header["event_id"]}).encode())


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
