"""tests/instrumentation/check_shop.py - verify what the two shop services
wrote, with Python's own JSON decoder (not otelc's).

usage: check_shop.py FRONTEND.jsonl BACKEND.jsonl FRONTEND.log BACKEND.log
                     TRACE_ID CALLER_SPAN_ID REQUEST_ID FAILED_TRACE_ID

Checks, for the successful checkout's trace: the frontend's SERVER span is
the child of the caller's span; its two CLIENT spans are its children; the
backend's two SERVER spans are children of those CLIENT spans (one each);
the backend's database spans are children of its SERVER spans; the request
id went along; the trace id is in both services' logs.  For the failed
checkout: backend 500 ERROR, frontend CLIENT ERROR 500, frontend SERVER 502
ERROR.  Prints "ok" or the problems.
"""
import json
import re
import sys

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)
    return cond


def load(path, service):
    spans = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            for rs in json.loads(line)["resourceSpans"]:
                attrs = {a["key"]: a["value"] for a in rs["resource"]["attributes"]}
                name = attrs.get("service.name", {}).get("stringValue")
                check(name == service, f"{path}: service.name {name!r}")
                for ss in rs["scopeSpans"]:
                    spans.extend(ss["spans"])
    for s in spans:
        check(re.fullmatch("[0-9a-f]{32}", s["traceId"]), f"bad traceId {s}")
        check(re.fullmatch("[0-9a-f]{16}", s["spanId"]), f"bad spanId {s}")
    return spans


def attr(span, key):
    for a in span.get("attributes", []):
        if a["key"] == key:
            v = a["value"]
            if "arrayValue" in v:
                return [x.get("stringValue") for x in v["arrayValue"]["values"]]
            return v.get("stringValue", v.get("intValue"))
    return None


def main():
    (fe_file, be_file, fe_log, be_log, trace, caller, rid, failed) = sys.argv[1:9]
    fe = load(fe_file, "shop-frontend")
    be = load(be_file, "shop-backend")
    ids = [s["spanId"] for s in fe + be]
    check(len(ids) == len(set(ids)), "duplicate span ids")

    t_fe = [s for s in fe if s["traceId"] == trace]
    t_be = [s for s in be if s["traceId"] == trace]
    check(t_fe and t_be, f"trace {trace} not in both services' spans")
    servers = [s for s in t_fe if s["kind"] == 2]
    if check(len(servers) == 1, f"frontend SERVER spans: {len(servers)}"):
        srv = servers[0]
        check(srv["name"] == "GET /checkout", f"name {srv['name']}")
        check(srv.get("parentSpanId") == caller, "frontend parent is not the caller")
        check(srv.get("flags", 0) & 0x300 == 0x300, "parent not marked remote")
        check(attr(srv, "http.route") == "/checkout", "http.route")
        check(attr(srv, "http.response.status_code") == "200", "status 200")
        check(attr(srv, "http.request.header.x-request-id") == [rid], "request id")
        clients = [s for s in t_fe if s["kind"] == 3]
        check(len(clients) == 2, f"frontend CLIENT spans: {len(clients)}")
        for c in clients:
            check(c.get("parentSpanId") == srv["spanId"], "CLIENT parent")
            kids = [s for s in t_be if s.get("parentSpanId") == c["spanId"]]
            if check(len(kids) == 1, f"backend children of {c['spanId']}: {len(kids)}"):
                k = kids[0]
                check(k["kind"] == 2, "backend span is not SERVER")
                check(k["name"] in ("GET /inventory/{item}", "POST /reserve/{item}"),
                      f"backend name {k['name']}")
                check(attr(k, "http.request.header.x-request-id") == [rid],
                      "request id not forwarded to the backend")
                db = [s for s in t_be if s.get("parentSpanId") == k["spanId"]]
                check(len(db) == 1 and db[0]["kind"] == 1, "database span")
    check(len(t_be) == 4, f"backend spans in the trace: {len(t_be)}")

    for log in (fe_log, be_log):
        with open(log) as f:
            text = f.read()
        check(f"trace_id={trace}" in text, f"{log} does not show trace {trace}")
        check(f"request_id={rid}" in text, f"{log} does not show request {rid}")

    f_fe = [s for s in fe if s["traceId"] == failed]
    f_be = [s for s in be if s["traceId"] == failed]
    inv = [s for s in f_be if s["kind"] == 2]
    check(len(inv) == 1 and attr(inv[0], "http.response.status_code") == "500"
          and inv[0]["status"].get("code") == 2, "backend 500 ERROR span")
    cl = [s for s in f_fe if s["kind"] == 3]
    check(len(cl) == 1 and attr(cl[0], "error.type") == "500"
          and cl[0]["status"].get("code") == 2, "frontend CLIENT ERROR 500")
    sv = [s for s in f_fe if s["kind"] == 2]
    check(len(sv) == 1 and attr(sv[0], "http.response.status_code") == "502"
          and sv[0]["status"].get("code") == 2, "frontend SERVER 502 ERROR")
    if inv and cl:
        check(inv[0].get("parentSpanId") == cl[0]["spanId"], "failed trace links")

    if errors:
        print("\n".join(errors))
        return 1
    print("ok")
    return 0


sys.exit(main())
