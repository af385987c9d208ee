# Error tracking, crash reports, alerts and slow-operation detection
# (issue 8), included by the top-level CMakeLists.txt.  The parts that
# need libcurl (the Sentry sender, the webhook and e-mail channels) are in
# exporters/; these sources need nothing beyond the core.
target_sources(otelc_core PRIVATE sdk/errors.c sdk/crash.c sdk/alerts.c
  sdk/errors_metrics.c sdk/perf.c)
