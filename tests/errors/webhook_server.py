#!/usr/bin/python3
"""tests/errors/webhook_server.py PORT_FILE OUT_FILE [SCRIPT_JSON]

A loopback stand-in for a Slack incoming webhook.  Each POST must be
Content-Type: application/json with a body that Python's json module
parses into Slack's message shape: "text" (a string), optional
"username"/"icon_emoji" strings, and "attachments", a list of objects whose
"fields" are {"title": str, "value": str, "short": bool} and whose "ts" is
an integer.  A valid message is appended to OUT_FILE as one JSON line
{"path", "payload", "fields": {title: value}}; an invalid one gets 400 and
a line {"error": ...}.  SCRIPT_JSON lists responses for successive
requests ({"status": 500}, {"sleep": 30}); then every answer is 200 "ok".
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, out_file = sys.argv[1], sys.argv[2]
script = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
lock = threading.Lock()
state = {"n": 0}


def record(obj):
    with lock:
        with open(out_file, "a") as f:
            f.write(json.dumps(obj, sort_keys=True) + "\n")


def check(msg):
    if not isinstance(msg, dict) or not isinstance(msg.get("text"), str):
        raise ValueError("no text")
    for k in ("username", "icon_emoji"):
        if k in msg and not isinstance(msg[k], str):
            raise ValueError(f"{k} is not a string")
    fields = {}
    for a in msg.get("attachments", []):
        if not isinstance(a, dict):
            raise ValueError("attachment is not an object")
        if not isinstance(a.get("ts", 0), int):
            raise ValueError("ts is not an integer")
        for f in a.get("fields", []):
            if not isinstance(f.get("title"), str) or \
                    not isinstance(f.get("value"), str) or \
                    not isinstance(f.get("short"), bool):
                raise ValueError(f"bad field {f!r}")
            fields[f["title"]] = f["value"]
    return fields


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"ok"):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
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
            if self.headers.get("Content-Type") != "application/json":
                raise ValueError("content type")
            msg = json.loads(body.decode("utf-8"))
            fields = check(msg)
        except Exception as e:  # noqa: BLE001
            record({"error": str(e)})
            return self.reply(400, b"invalid_payload")
        status = step.get("status", 200)
        record({"path": self.path, "payload": msg, "fields": fields,
                "status": status})
        self.reply(status, b"ok" if status < 300 else b"failure")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
