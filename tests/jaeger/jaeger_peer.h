/*
 * tests/jaeger/jaeger_peer.h - start and query the loopback Jaeger
 * collector (jaeger_receiver.py, Apache Thrift's Python decoder) from the
 * Criterion tests.
 */
#ifndef OTELC_TEST_JAEGER_PEER_H
#define OTELC_TEST_JAEGER_PEER_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct jaeger_peer {
    pid_t pid;
    int port;
    char out[256]; /* the receiver's JSON-lines record */
    char url[128]; /* http://127.0.0.1:<port>/api/traces */
} jaeger_peer;

/* Start the receiver with extra arguments (NULL-terminated list, may be
 * NULL) and wait until it listens.  Asserts on failure. */
void jpeer_start(jaeger_peer *p, const char *const *args);
/* Stop it (SIGTERM, then wait).  Safe to call twice. */
void jpeer_stop(jaeger_peer *p);
/* Run jaeger_query.py CMD <record> [ARG]; returns its stdout (free()). */
char *jpeer_query(jaeger_peer *p, const char *cmd, const char *arg);
/* Requests recorded so far (lines in the record file), without forking. */
int jpeer_requests_seen(jaeger_peer *p);
/* The integer value of "key=<n>" in query output; asserts presence. */
long long kv_int(const char *out, const char *key);
/* The same for an unsigned 64-bit value. */
unsigned long long kv_u64(const char *out, const char *key);
/* The value of "key=..." up to the end of line (static buffer). */
const char *kv_str(const char *out, const char *key);

/* A loopback port nothing listens on (bound, then closed). */
int closed_port(void);

/* Base64 of s (static buffer), to build expected Authorization headers. */
const char *b64(const char *s);

#endif
