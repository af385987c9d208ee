// tests/peers/otel-js/peer.js - OpenTelemetry JS's own propagators as an
// independent peer for otelc's propagation tests.
//
// Reads requests from stdin, records separated by a line "---", and writes
// one answer record per request (same separator).  Lines of a request:
//   op extract|inject
//   format tracecontext|baggage|b3|b3multi|jaeger
//   h <name>\t<value>        (extract) an incoming header
//   trace <32 hex>           (inject) the span context ...
//   span <16 hex>
//   flags <decimal>
//   debug 1                  (inject, B3) the debug flag
//   ts <tracestate>
//   bag <key>\t<value>       (inject) a baggage entry
// Answers: for extract "sc <trace> <span> <flags>" or "sc none", then
// "debug 1", "ts <tracestate>" and "bag <key>\t<value>" lines as present;
// for inject one "h <name>\t<value>" line per header written.
'use strict';

const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');
const { B3Propagator, B3InjectEncoding } = require('@opentelemetry/propagator-b3');
const { B3_DEBUG_FLAG_KEY } = require('@opentelemetry/propagator-b3/build/src/common');
const { JaegerPropagator } = require('@opentelemetry/propagator-jaeger');

const propagators = {
  tracecontext: new core.W3CTraceContextPropagator(),
  baggage: new core.W3CBaggagePropagator(),
  b3: new B3Propagator(),
  b3multi: new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  jaeger: new JaegerPropagator(),
};

function handle(lines) {
  const req = { headers: {}, bag: [] };
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (key === 'h') {
      const tab = rest.indexOf('\t');
      // Node's HTTP layer lowercases header names; so do we.
      req.headers[rest.slice(0, tab).toLowerCase()] = rest.slice(tab + 1);
    } else if (key === 'bag') {
      const tab = rest.indexOf('\t');
      req.bag.push([rest.slice(0, tab), rest.slice(tab + 1)]);
    } else {
      req[key] = rest;
    }
  }
  const p = propagators[req.format];
  if (!p) return [`error unknown format ${req.format}`];
  const out = [];
  if (req.op === 'extract') {
    const ctx = p.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
    const sc = api.trace.getSpanContext(ctx);
    if (sc && api.trace.isSpanContextValid(sc)) {
      out.push(`sc ${sc.traceId} ${sc.spanId} ${sc.traceFlags}`);
      if (sc.traceState) out.push(`ts ${sc.traceState.serialize()}`);
    } else {
      out.push('sc none');
    }
    if (ctx.getValue(B3_DEBUG_FLAG_KEY)) out.push('debug 1');
    const bag = api.propagation.getBaggage(ctx);
    if (bag) for (const [k, e] of bag.getAllEntries()) out.push(`bag ${k}\t${e.value}`);
  } else if (req.op === 'inject') {
    let ctx = api.ROOT_CONTEXT;
    if (req.trace) {
      const sc = {
        traceId: req.trace,
        spanId: req.span,
        traceFlags: Number(req.flags || 0),
        isRemote: false,
      };
      if (req.ts) sc.traceState = new core.TraceState(req.ts);
      ctx = api.trace.setSpanContext(ctx, sc);
    }
    // OTel JS keeps the debug flag in the form its encoding writes it:
    // 'd' for the single header, '1' for X-B3-Flags.
    if (req.debug) ctx = ctx.setValue(B3_DEBUG_FLAG_KEY, req.format === 'b3multi' ? '1' : 'd');
    if (req.bag.length) {
      const entries = {};
      for (const [k, v] of req.bag) entries[k] = { value: v };
      ctx = api.propagation.setBaggage(ctx, api.propagation.createBaggage(entries));
    }
    const carrier = {};
    p.inject(ctx, carrier, api.defaultTextMapSetter);
    for (const [k, v] of Object.entries(carrier)) out.push(`h ${k}\t${v}`);
  } else {
    out.push(`error unknown op ${req.op}`);
  }
  return out;
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const records = input.split('\n---\n');
  const answers = [];
  for (const rec of records) {
    const lines = rec.split('\n').filter((l) => l.length);
    if (!lines.length) continue;
    answers.push(handle(lines).join('\n'));
  }
  process.stdout.write(answers.join('\n---\n') + '\n');
});
