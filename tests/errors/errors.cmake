# Error tracking, crash reports, alerts and slow operations (issue 8),
# included by tests/CMakeLists.txt.  The peers are started by the tests:
# tests/errors/sentry_server.py (Sentry's envelope endpoint),
# webhook_server.py (a Slack-compatible webhook) and smtp_server.py
# (Debian's aiosmtpd), all on 127.0.0.1; /metrics scrapes are checked by
# tests/metrics/check_prom.py (promtool, prometheus_client).
set(_eu errors/errors_util.c log/log_util.c)
otelc_add_test(errors capture ${_eu})
if(OTELC_WITH_SENTRY)
  otelc_add_test(errors sentry ${_eu})
  otelc_add_test(errors crash ${_eu})
  # Under ASan, its own SIGSEGV handler refuses to be replaced unless told
  # to allow it; the crash test needs otelc's handler in the child.
  set_tests_properties(errors.crash PROPERTIES ENVIRONMENT
                       "ASAN_OPTIONS=allow_user_segv_handler=1")
endif()
if(OTELC_WITH_ALERT_CHANNELS)
  otelc_add_test(errors alerts ${_eu})
endif()
if(OTELC_WITH_CURL AND OTELC_WITH_MICROHTTPD)
  otelc_add_test(errors perf ${_eu})
endif()
if(OTELC_WITH_PROMETHEUS)
  otelc_add_test(errors metric_rules ${_eu})
endif()
