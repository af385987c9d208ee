# Logs (tests/log), included by tests/CMakeLists.txt.  The tests start
# their peers themselves: rsyslogd (Debian's rsyslog), Python servers with
# /usr/bin/python3; tests/log/correlate_app.c is a separate program run by
# the end-to-end correlation test.
otelc_add_test(log json log/log_util.c)
otelc_add_test(log file log/log_util.c)
otelc_add_test(log threads log/log_util.c)
otelc_add_test(log syslog log/log_util.c)
otelc_add_test(log api log/log_util.c)
add_executable(log_correlate_app log/correlate_app.c)
target_link_libraries(log_correlate_app PRIVATE otelc_static)
otelc_add_test(log correlation log/log_util.c)
add_dependencies(test_log_correlation log_correlate_app)
target_compile_definitions(test_log_correlation PRIVATE
  LOG_CORRELATE_APP="$<TARGET_FILE:log_correlate_app>")
otelc_add_test(log pipeline log/log_util.c)
