# tests/jaeger/jaeger.thrift - the jaeger.Batch message, written for otelc's
# tests from Jaeger's IDL (jaegertracing/jaeger-idl, thrift/jaeger.thrift):
# the same structs, field ids, types and requiredness, so that Apache
# Thrift's own compiler and Python library decode exactly what a Jaeger
# collector would.  The receiver (jaeger_receiver.py) compiles it with
# `thrift --gen py` when it starts.

namespace py jaeger_thrift

# The type of a Tag's value; the value is in the matching optional field.
enum TagType {
  STRING = 0,
  DOUBLE = 1,
  BOOL = 2,
  LONG = 3,
  BINARY = 4
}

struct Tag {
  1: required string key
  2: required TagType vType
  3: optional string vStr
  4: optional double vDouble
  5: optional bool vBool
  6: optional i64 vLong
  7: optional binary vBinary
}

# A timestamped set of fields (an OpenTelemetry event).
struct Log {
  1: required i64 timestamp
  2: required list<Tag> fields
}

enum SpanRefType {
  CHILD_OF = 0,
  FOLLOWS_FROM = 1
}

struct SpanRef {
  1: required SpanRefType refType
  2: required i64 traceIdLow
  3: required i64 traceIdHigh
  4: required i64 spanId
}

struct Span {
  1: required i64 traceIdLow
  2: required i64 traceIdHigh
  3: required i64 spanId
  4: required i64 parentSpanId
  5: required string operationName
  6: optional list<SpanRef> references
  7: required i32 flags
  8: required i64 startTime
  9: required i64 duration
  10: optional list<Tag> tags
  11: optional list<Log> logs
}

struct Process {
  1: required string serviceName
  2: optional list<Tag> tags
}

struct ClientStats {
  1: required i64 fullQueueDroppedSpans
  2: required i64 tooLargeDroppedSpans
  3: required i64 failedToEmitSpans
}

struct Batch {
  1: required Process process
  2: required list<Span> spans
  3: optional i64 seqNo
  4: optional ClientStats stats
}
