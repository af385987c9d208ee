#!/usr/bin/python3
"""tests/errors/smtp_server.py PORT OUT_FILE READY_FILE

A local SMTP server (Debian's python3-aiosmtpd) that receives alert mail.
Each message is parsed with Python's email package (policy default) and
must have Date (RFC 5322, parseable), From, To, Subject and Message-ID
headers and a text/plain body.  It is appended to OUT_FILE as one JSON
line {"mail_from", "rcpt_tos", "subject", "from", "to", "body", "date_ok"};
a message missing a header is recorded as {"error": ...} and refused with
554.  READY_FILE is written once the server accepts connections.
"""
import email
import email.policy
import email.utils
import json
import sys
import time

from aiosmtpd.controller import Controller

port, out_file, ready_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def record(obj):
    with open(out_file, "a") as f:
        f.write(json.dumps(obj, sort_keys=True) + "\n")


class Handler:
    async def handle_DATA(self, server, session, envelope):
        try:
            msg = email.message_from_bytes(envelope.content,
                                           policy=email.policy.default)
            for h in ("Date", "From", "To", "Subject", "Message-ID"):
                if msg[h] is None:
                    raise ValueError(f"no {h} header")
            email.utils.parsedate_to_datetime(msg["Date"])
            if msg.get_content_type() != "text/plain":
                raise ValueError(msg.get_content_type())
            record({"mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "subject": str(msg["Subject"]),
                    "from": str(msg["From"]), "to": str(msg["To"]),
                    "state": str(msg["X-Otelc-Alert-State"]),
                    "body": msg.get_content()})
        except Exception as e:  # noqa: BLE001
            record({"error": str(e)})
            return "554 malformed message"
        return "250 Message accepted for delivery"


controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
with open(ready_file, "w") as f:
    f.write("ready")
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
