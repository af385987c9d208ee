# Error tracking, crash reports, alerts and slow operations (issue 8),
# included by tests/CMakeLists.txt.  The peers are started by the tests:
# tests/errors/sentry_server.py (Sentry's envelope endpoint), a webhook
# receiver and Debian's aiosmtpd (alerts), all on 127.0.0.1.
set(_eu errors/errors_util.c log/log_util.c)
otelc_add_test(errors capture ${_eu})
otelc_add_test(errors sentry ${_eu})
otelc_add_test(errors crash ${_eu})
otelc_add_test(errors alerts ${_eu})
if(OTELC_WITH_CURL AND OTELC_WITH_MICROHTTPD)
  otelc_add_test(errors perf ${_eu})
endif()
# Under ASan, its own SIGSEGV handler refuses to be replaced unless told
# to allow it; the crash test needs otelc's handler in the child.
set_tests_properties(errors.crash PROPERTIES ENVIRONMENT
                     "ASAN_OPTIONS=allow_user_segv_handler=1")
otelc_add_test(errors metric_rules ${_eu})
