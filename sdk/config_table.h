/*
 * sdk/config_table.h - every setting otelc reads, in one table.
 *
 * X(id, name, type, default, min, max, choices, description)
 *   type     BOOL (OTEL_ names: true/false; others also 1/0, yes/no,
 *            on/off), INT (min..max), SIZE (bytes, or a number with a
 *            K/M/G/T binary multiple such as 512K, 10MB, 1GiB; min..max),
 *            DOUBLE (min..max), ENUM (one of choices, "|"-separated,
 *            case-insensitive), LIST (comma-separated subset of choices),
 *            URL (http:// or https:// with a host and an optional port),
 *            HEADERS (k=v,k2=v2, percent-encoded; values are secret),
 *            STRING.
 *   default  the value used when nothing sets it ("" = unset).  An empty
 *            value in any layer also means unset.
 * sdk/config.c validates and normalises every value; tests/config/
 * test_config.c tests every entry with a good and a bad value by type, so
 * a new line here is tested without further work.  docs/configuration.md
 * lists every name (a test checks it).
 */
/* clang-format off */
#define OTELC_CONFIG_TABLE(X) \
 /* --- general --- */ \
 X(SDK_DISABLED, "OTEL_SDK_DISABLED", BOOL, "false", 0, 0, "", "true: otelc_init() installs nothing; all calls are no-ops") \
 X(SERVICE_NAME, "OTEL_SERVICE_NAME", STRING, "", 0, 0, "", "service.name resource attribute (default unknown_service:<executable>)") \
 X(RESOURCE_ATTRIBUTES, "OTEL_RESOURCE_ATTRIBUTES", STRING, "", 0, 0, "", "extra resource attributes, k=v,k2=v2, percent-encoded") \
 X(LOG_LEVEL_SDK, "OTEL_LOG_LEVEL", ENUM, "info", 0, 0, "none|error|warn|info|debug", "level of otelc's own diagnostics on stderr") \
 X(ENV_FILE, "OTELC_ENV_FILE", STRING, ".env", 0, 0, "", ".env file read by otelc_init() (only from the environment or code)") \
 /* --- traces --- */ \
 X(TRACES_SAMPLER, "OTEL_TRACES_SAMPLER", ENUM, "parentbased_always_on", 0, 0, "always_on|always_off|traceidratio|parentbased_always_on|parentbased_always_off|parentbased_traceidratio", "sampler; wins over TRACE_SAMPLING_RATE") \
 X(TRACES_SAMPLER_ARG, "OTEL_TRACES_SAMPLER_ARG", STRING, "", 0, 0, "", "sampler argument: the ratio in [0,1] for *traceidratio (default 1.0)") \
 X(TRACE_SAMPLING_RATE, "TRACE_SAMPLING_RATE", DOUBLE, "", 0, 1, "", "r in [0,1]: parentbased_traceidratio with ratio r") \
 X(TRACES_EXPORTER, "OTEL_TRACES_EXPORTER", LIST, "otlp", 0, 0, "otlp|jaeger|zipkin|console|file|memory|none", "span exporters, each on its own batch worker") \
 X(PROPAGATORS, "OTEL_PROPAGATORS", LIST, "tracecontext,baggage", 0, 0, "tracecontext|baggage|b3|b3multi|jaeger|xray|ottrace|none", "context propagators, in order") \
 X(BSP_SCHEDULE_DELAY, "OTEL_BSP_SCHEDULE_DELAY", INT, "5000", 0, 86400000, "", "batch span processor: ms between exports") \
 X(BSP_EXPORT_TIMEOUT, "OTEL_BSP_EXPORT_TIMEOUT", INT, "30000", 1, 86400000, "", "batch span processor: ms allowed per export, retries included") \
 X(BSP_MAX_QUEUE_SIZE, "OTEL_BSP_MAX_QUEUE_SIZE", INT, "2048", 1, 16777216, "", "batch span processor: spans queued per producing thread before dropping") \
 X(BSP_MAX_EXPORT_BATCH_SIZE, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", INT, "512", 1, 16777216, "", "batch span processor: spans per export (at most the queue size)") \
 X(ATTRIBUTE_COUNT_LIMIT, "OTEL_ATTRIBUTE_COUNT_LIMIT", INT, "128", 0, 1048576, "", "attributes per span/event/link/log record") \
 X(ATTRIBUTE_VALUE_LENGTH_LIMIT, "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", INT, "", 1, 2147483647, "", "characters per string attribute value (unset = no limit)") \
 X(SPAN_ATTRIBUTE_COUNT_LIMIT, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", INT, "", 0, 1048576, "", "attributes per span (default OTEL_ATTRIBUTE_COUNT_LIMIT)") \
 X(SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", INT, "", 1, 2147483647, "", "characters per span attribute value (default OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT)") \
 X(SPAN_EVENT_COUNT_LIMIT, "OTEL_SPAN_EVENT_COUNT_LIMIT", INT, "128", 0, 1048576, "", "events per span") \
 X(SPAN_LINK_COUNT_LIMIT, "OTEL_SPAN_LINK_COUNT_LIMIT", INT, "128", 0, 1048576, "", "links per span") \
 X(EVENT_ATTRIBUTE_COUNT_LIMIT, "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", INT, "", 0, 1048576, "", "attributes per span event (default OTEL_ATTRIBUTE_COUNT_LIMIT)") \
 X(LINK_ATTRIBUTE_COUNT_LIMIT, "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", INT, "", 0, 1048576, "", "attributes per span link (default OTEL_ATTRIBUTE_COUNT_LIMIT)") \
 X(FILE_PATH, "OTELC_FILE_PATH", STRING, "otelc-traces.jsonl", 0, 0, "", "file exporter: OTLP-JSON lines output path") \
 /* --- OTLP exporter --- */ \
 X(OTLP_ENDPOINT, "OTEL_EXPORTER_OTLP_ENDPOINT", URL, "", 0, 0, "", "OTLP base endpoint (grpc default http://localhost:4317, http http://localhost:4318)") \
 X(OTLP_TRACES_ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", URL, "", 0, 0, "", "OTLP traces endpoint, used as is") \
 X(OTLP_METRICS_ENDPOINT, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", URL, "", 0, 0, "", "OTLP metrics endpoint, used as is") \
 X(OTLP_LOGS_ENDPOINT, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", URL, "", 0, 0, "", "OTLP logs endpoint, used as is") \
 X(OTLP_PROTOCOL, "OTEL_EXPORTER_OTLP_PROTOCOL", ENUM, "http/protobuf", 0, 0, "grpc|http/protobuf|http/json", "OTLP transport") \
 X(OTLP_TRACES_PROTOCOL, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", ENUM, "", 0, 0, "grpc|http/protobuf|http/json", "OTLP transport for traces") \
 X(OTLP_METRICS_PROTOCOL, "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", ENUM, "", 0, 0, "grpc|http/protobuf|http/json", "OTLP transport for metrics") \
 X(OTLP_LOGS_PROTOCOL, "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", ENUM, "", 0, 0, "grpc|http/protobuf|http/json", "OTLP transport for logs") \
 X(OTLP_HEADERS, "OTEL_EXPORTER_OTLP_HEADERS", HEADERS, "", 0, 0, "", "extra request headers, k=v,k2=v2 (percent-encoded)") \
 X(OTLP_TRACES_HEADERS, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", HEADERS, "", 0, 0, "", "extra headers for traces") \
 X(OTLP_METRICS_HEADERS, "OTEL_EXPORTER_OTLP_METRICS_HEADERS", HEADERS, "", 0, 0, "", "extra headers for metrics") \
 X(OTLP_LOGS_HEADERS, "OTEL_EXPORTER_OTLP_LOGS_HEADERS", HEADERS, "", 0, 0, "", "extra headers for logs") \
 X(OTLP_TIMEOUT, "OTEL_EXPORTER_OTLP_TIMEOUT", INT, "10000", 1, 86400000, "", "ms per OTLP request") \
 X(OTLP_TRACES_TIMEOUT, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", INT, "", 1, 86400000, "", "ms per OTLP traces request") \
 X(OTLP_METRICS_TIMEOUT, "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", INT, "", 1, 86400000, "", "ms per OTLP metrics request") \
 X(OTLP_LOGS_TIMEOUT, "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", INT, "", 1, 86400000, "", "ms per OTLP logs request") \
 X(OTLP_COMPRESSION, "OTEL_EXPORTER_OTLP_COMPRESSION", ENUM, "none", 0, 0, "none|gzip", "OTLP payload compression") \
 X(OTLP_TRACES_COMPRESSION, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", ENUM, "", 0, 0, "none|gzip", "compression for traces") \
 X(OTLP_METRICS_COMPRESSION, "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", ENUM, "", 0, 0, "none|gzip", "compression for metrics") \
 X(OTLP_LOGS_COMPRESSION, "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", ENUM, "", 0, 0, "none|gzip", "compression for logs") \
 X(OTLP_INSECURE, "OTEL_EXPORTER_OTLP_INSECURE", BOOL, "false", 0, 0, "", "gRPC: no TLS for an endpoint without a scheme") \
 X(OTLP_TRACES_INSECURE, "OTEL_EXPORTER_OTLP_TRACES_INSECURE", BOOL, "", 0, 0, "", "gRPC traces: no TLS") \
 X(OTLP_METRICS_INSECURE, "OTEL_EXPORTER_OTLP_METRICS_INSECURE", BOOL, "", 0, 0, "", "gRPC metrics: no TLS") \
 X(OTLP_LOGS_INSECURE, "OTEL_EXPORTER_OTLP_LOGS_INSECURE", BOOL, "", 0, 0, "", "gRPC logs: no TLS") \
 X(OTLP_CERTIFICATE, "OTEL_EXPORTER_OTLP_CERTIFICATE", STRING, "", 0, 0, "", "PEM file of trusted CA certificates") \
 X(OTLP_TRACES_CERTIFICATE, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", STRING, "", 0, 0, "", "CA file for traces") \
 X(OTLP_METRICS_CERTIFICATE, "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", STRING, "", 0, 0, "", "CA file for metrics") \
 X(OTLP_LOGS_CERTIFICATE, "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", STRING, "", 0, 0, "", "CA file for logs") \
 X(OTLP_CLIENT_KEY, "OTEL_EXPORTER_OTLP_CLIENT_KEY", STRING, "", 0, 0, "", "PEM client private key (mTLS)") \
 X(OTLP_TRACES_CLIENT_KEY, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", STRING, "", 0, 0, "", "client key for traces") \
 X(OTLP_METRICS_CLIENT_KEY, "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", STRING, "", 0, 0, "", "client key for metrics") \
 X(OTLP_LOGS_CLIENT_KEY, "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", STRING, "", 0, 0, "", "client key for logs") \
 X(OTLP_CLIENT_CERTIFICATE, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", STRING, "", 0, 0, "", "PEM client certificate (mTLS)") \
 X(OTLP_TRACES_CLIENT_CERTIFICATE, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", STRING, "", 0, 0, "", "client certificate for traces") \
 X(OTLP_METRICS_CLIENT_CERTIFICATE, "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", STRING, "", 0, 0, "", "client certificate for metrics") \
 X(OTLP_LOGS_CLIENT_CERTIFICATE, "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE", STRING, "", 0, 0, "", "client certificate for logs") \
 X(OTLP_METRICS_TEMPORALITY, "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", ENUM, "cumulative", 0, 0, "cumulative|delta|lowmemory", "OTLP metrics temporality") \
 /* --- Jaeger exporter --- */ \
 X(JAEGER_ENDPOINT, "OTEL_EXPORTER_JAEGER_ENDPOINT", URL, "http://localhost:14268/api/traces", 0, 0, "", "Jaeger collector Thrift-over-HTTP endpoint") \
 X(JAEGER_TIMEOUT, "OTEL_EXPORTER_JAEGER_TIMEOUT", INT, "10000", 1, 86400000, "", "ms per Jaeger request") \
 X(JAEGER_USER, "OTEL_EXPORTER_JAEGER_USER", STRING, "", 0, 0, "", "Jaeger basic-auth user") \
 X(JAEGER_PASSWORD, "OTEL_EXPORTER_JAEGER_PASSWORD", STRING, "", 0, 0, "", "Jaeger basic-auth password") \
 X(JAEGER_MAX_REQUEST_BYTES, "OTELC_JAEGER_MAX_REQUEST_BYTES", SIZE, "4194304", 1024, 1073741824LL, "", "largest Jaeger request body; bigger batches are split, a bigger span is dropped (K/M/G suffixes)") \
 /* --- metrics --- */ \
 X(METRICS_EXPORTER, "OTEL_METRICS_EXPORTER", LIST, "otlp", 0, 0, "otlp|prometheus|console|none", "metric exporters") \
 X(METRIC_EXPORT_INTERVAL, "OTEL_METRIC_EXPORT_INTERVAL", INT, "60000", 1, 86400000, "", "ms between periodic metric exports") \
 X(METRIC_EXPORT_TIMEOUT, "OTEL_METRIC_EXPORT_TIMEOUT", INT, "30000", 1, 86400000, "", "ms allowed per metric export") \
 X(METRICS_EXEMPLAR_FILTER, "OTEL_METRICS_EXEMPLAR_FILTER", ENUM, "trace_based", 0, 0, "trace_based|always_on|always_off", "which measurements keep exemplars") \
 X(PROMETHEUS_HOST, "OTEL_EXPORTER_PROMETHEUS_HOST", STRING, "0.0.0.0", 0, 0, "", "address the /metrics endpoint listens on") \
 X(PROMETHEUS_PORT, "OTEL_EXPORTER_PROMETHEUS_PORT", INT, "", 1, 65535, "", "port of /metrics; wins over METRICS_PORT") \
 X(METRICS_ENABLED, "METRICS_ENABLED", BOOL, "true", 0, 0, "", "false turns the whole metrics pipeline off") \
 X(METRICS_PORT, "METRICS_PORT", INT, "8000", 1, 65535, "", "port of the /metrics and /health endpoint") \
 X(HEALTH_CHECK_INTERVAL, "HEALTH_CHECK_INTERVAL", INT, "30", 1, 86400, "", "seconds between background health-check runs") \
 X(METRICS_CARDINALITY_LIMIT, "OTELC_METRICS_CARDINALITY_LIMIT", INT, "2000", 2, 1000000, "", "attribute sets kept per instrument; more go to the otel.metric.overflow=true series") \
 X(SYSTEM_METRICS, "OTELC_SYSTEM_METRICS", BOOL, "true", 0, 0, "", "process, host and SDK-health metrics on the global meter provider") \
 X(METRICS_DISK_PATHS, "OTELC_METRICS_DISK_PATHS", STRING, "/", 0, 0, "", "comma-separated mount points for the filesystem metrics") \
 X(PROMETHEUS_SCOPE_LABELS, "OTELC_PROMETHEUS_SCOPE_LABELS", BOOL, "true", 0, 0, "", "/metrics: otel_scope_name/otel_scope_version labels on every sample") \
 X(METRICS_CONNECTION_LIMIT, "OTELC_METRICS_CONNECTION_LIMIT", INT, "32", 1, 1024, "", "/metrics and /health: concurrent connections accepted") \
 X(METRICS_CONNECTION_TIMEOUT, "OTELC_METRICS_CONNECTION_TIMEOUT", INT, "10", 1, 3600, "", "/metrics and /health: seconds before an idle or slow connection is closed") \
 X(HEALTH_CHECKS, "OTELC_HEALTH_CHECKS", LIST, "disk,memory", 0, 0, "disk|memory|none", "built-in health checks otelc_init() registers") \
 X(HEALTH_CHECK_TIMEOUT, "OTELC_HEALTH_CHECK_TIMEOUT", INT, "5000", 1, 600000, "", "ms a built-in health check may take before it is reported unhealthy") \
 X(HEALTH_DISK_MIN_FREE_PERCENT, "OTELC_HEALTH_DISK_MIN_FREE_PERCENT", INT, "10", 0, 100, "", "disk check: unhealthy below this free percentage (first OTELC_METRICS_DISK_PATHS entry)") \
 X(HEALTH_MEMORY_MAX_PERCENT, "OTELC_HEALTH_MEMORY_MAX_PERCENT", INT, "90", 0, 100, "", "memory check: unhealthy above this percentage of memory in use") \
 /* --- logs --- */ \
 X(LOGS_EXPORTER, "OTEL_LOGS_EXPORTER", LIST, "otlp", 0, 0, "otlp|console|none", "log record exporters (besides the local sinks)") \
 X(BLRP_SCHEDULE_DELAY, "OTEL_BLRP_SCHEDULE_DELAY", INT, "1000", 0, 86400000, "", "batch log processor: ms between exports") \
 X(BLRP_EXPORT_TIMEOUT, "OTEL_BLRP_EXPORT_TIMEOUT", INT, "30000", 1, 86400000, "", "batch log processor: ms allowed per export") \
 X(BLRP_MAX_QUEUE_SIZE, "OTEL_BLRP_MAX_QUEUE_SIZE", INT, "2048", 1, 16777216, "", "batch log processor: queue size") \
 X(BLRP_MAX_EXPORT_BATCH_SIZE, "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", INT, "512", 1, 16777216, "", "batch log processor: records per export") \
 X(LOGRECORD_ATTRIBUTE_COUNT_LIMIT, "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", INT, "128", 0, 1048576, "", "attributes per log record") \
 X(LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT, "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", INT, "", 0, 2147483647, "", "characters per log attribute value") \
 X(LOG_LEVEL, "LOG_LEVEL", ENUM, "INFO", 0, 0, "TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL", "default threshold of application loggers") \
 X(LOG_FORMAT, "LOG_FORMAT", ENUM, "json", 0, 0, "json|text", "log line format") \
 X(LOG_FILE, "LOG_FILE", STRING, "app.log", 0, 0, "", "log file path (directories are created)") \
 X(LOG_MAX_SIZE, "LOG_MAX_SIZE", SIZE, "10485760", 1024, 1099511627776LL, "", "bytes before the log file rotates (K/M/G suffixes)") \
 X(LOG_BACKUP_COUNT, "LOG_BACKUP_COUNT", INT, "5", 0, 1000, "", "rotated log files kept (app.log.1 ... .N)") \
 X(ENABLE_CONSOLE_LOGGING, "ENABLE_CONSOLE_LOGGING", BOOL, "true", 0, 0, "", "write log records to stderr") \
 X(ENABLE_FILE_LOGGING, "ENABLE_FILE_LOGGING", BOOL, "false", 0, 0, "", "write log records to LOG_FILE") \
 X(ENABLE_SYSLOG, "ENABLE_SYSLOG", BOOL, "false", 0, 0, "", "send log records to syslog (RFC 5424)") \
 X(SYSLOG_HOST, "SYSLOG_HOST", STRING, "localhost", 0, 0, "", "syslog host (\"/dev/log\" for the local socket)") \
 X(SYSLOG_PORT, "SYSLOG_PORT", INT, "514", 1, 65535, "", "syslog port") \
 X(LOG_CORRELATION_ID, "LOG_CORRELATION_ID", BOOL, "true", 0, 0, "", "put the request id on log records") \
 X(LOG_LEVELS, "LOG_LEVELS", STRING, "", 0, 0, "", "per-logger thresholds, name=LEVEL,... (a name also covers its dot-separated children)") \
 X(LOG_SAMPLING, "LOG_SAMPLING", STRING, "", 0, 0, "", "per-level sampling, LEVEL=rate,... with rates in [0,1], e.g. DEBUG=0.1") \
 X(LOG_ROTATE_GZIP, "LOG_ROTATE_GZIP", BOOL, "false", 0, 0, "", "gzip rotated log files (app.log.1.gz ... .N.gz)") \
 X(LOG_ROTATE_DAILY, "LOG_ROTATE_DAILY", BOOL, "false", 0, 0, "", "also rotate the log file at local midnight") \
 X(LOG_MAX_RECORD_SIZE, "LOG_MAX_RECORD_SIZE", SIZE, "1048576", 1024, 1073741824, "", "bytes of strings per log record; longer records are truncated (K/M/G suffixes)") \
 X(LOG_QUEUE_FULL_WAIT_MS, "LOG_QUEUE_FULL_WAIT_MS", INT, "0", 0, 60000, "", "ms a record at LOG_QUEUE_FULL_WAIT_LEVEL or above waits for room in a full queue (0 = drop and count at once)") \
 X(LOG_QUEUE_FULL_WAIT_LEVEL, "LOG_QUEUE_FULL_WAIT_LEVEL", ENUM, "ERROR", 0, 0, "TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL", "lowest level that waits when its queue is full") \
 X(LOG_FATAL_FLUSH_TIMEOUT, "LOG_FATAL_FLUSH_TIMEOUT", INT, "5000", 0, 600000, "", "ms a FATAL record waits until every sink has it (0 = do not wait)") \
 X(SYSLOG_PROTOCOL, "SYSLOG_PROTOCOL", ENUM, "udp", 0, 0, "udp|tcp", "syslog transport to a host (a path in SYSLOG_HOST uses a Unix socket)") \
 X(SYSLOG_FACILITY, "SYSLOG_FACILITY", ENUM, "user", 0, 0, "kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local0|local1|local2|local3|local4|local5|local6|local7", "syslog facility of log records") \
 X(SYSLOG_MAX_MESSAGE_SIZE, "SYSLOG_MAX_MESSAGE_SIZE", SIZE, "8192", 480, 1048576, "", "bytes per syslog message; longer ones are cut") \
 X(ELASTICSEARCH_URL, "ELASTICSEARCH_URL", URL, "", 0, 0, "", "Elasticsearch base URL; when set, log records are also sent to its _bulk API") \
 X(ELASTICSEARCH_INDEX, "ELASTICSEARCH_INDEX", STRING, "application-logs", 0, 0, "", "Elasticsearch index of log records") \
 /* --- errors, alerts, performance --- */ \
 X(ERROR_TRACKING_ENABLED, "ERROR_TRACKING_ENABLED", BOOL, "true", 0, 0, "", "error tracking on/off") \
 X(SENTRY_DSN, "SENTRY_DSN", STRING, "", 0, 0, "", "Sentry DSN; errors are sent there when set") \
 X(PERFORMANCE_MONITORING, "PERFORMANCE_MONITORING", BOOL, "true", 0, 0, "", "slow request/query detection on/off")
/* clang-format on */
