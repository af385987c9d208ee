/*
 * otelc/curl.h - libcurl client instrumentation.
 *
 * One call wraps an easy handle: otelc_curl_begin() starts a CLIENT span
 * (a child of the current context), writes the propagation headers into a
 * header list it owns together with the request's own headers, and sets
 * CURLOPT_HTTPHEADER; otelc_curl_end() records the outcome and ends the
 * span.  Works with the easy interface (or use otelc_curl_perform()) and
 * with the multi interface (call otelc_curl_end() when curl_multi_info_read
 * reports CURLMSG_DONE for the handle).
 *
 * Span: named after the method ("GET"), kind CLIENT, with the HTTP
 * semantic-convention attributes http.request.method (and
 * http.request.method_original for an unknown method), url.full (any
 * user:password in it replaced by REDACTED), server.address, server.port,
 * http.response.status_code and error.type.  Status ERROR on a transport
 * failure (error.type is the CURLcode's name, e.g. CURLE_COULDNT_CONNECT)
 * and on an HTTP status of 400 or more (error.type is the status code), as
 * the semantic conventions ask of client spans.
 *
 *   CURL *h = curl_easy_init();
 *   otelc_curl_options o = {.method = "GET", .url = "http://inventory/items"};
 *   CURLcode rc = otelc_curl_perform(h, &o);
 *
 * This header includes <curl/curl.h>; link with libotelc (built with
 * OTELC_WITH_CURL, the default), which links libcurl.
 */
#ifndef OTELC_CURL_H
#define OTELC_CURL_H

#include <curl/curl.h>

#include "otelc/propagation.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_curl_request otelc_curl_request;

/** What otelc_curl_begin() needs to know.  Zero-initialise. */
typedef struct otelc_curl_options {
    /** The request's method as the application configures it with curl
     *  options ("GET", "POST", ...); NULL = "GET".  Used for the span name
     *  and attributes only; otelc_curl_end() corrects it from
     *  CURLINFO_EFFECTIVE_METHOD. */
    const char *method;
    /** Set as CURLOPT_URL when not NULL; otherwise the URL already set on
     *  the handle is read back after the transfer. */
    const char *url;
    /** The request's own headers: copied, before the propagation headers
     *  (a header of the same name as a propagation field is replaced). */
    const struct curl_slist *headers;
    /** Parent context; NULL = this thread's current context. */
    const otelc_context *parent;
    /** NULL = the global provider's "otelc.curl" tracer. */
    otelc_tracer *tracer;
    /** NULL = the global propagator. */
    const otelc_propagator *propagator;
    /** NULL = the method. */
    const char *span_name;
} otelc_curl_options;

/**
 * otelc_curl_begin - start a CLIENT span for the next transfer of `easy`,
 * inject the propagation headers and set CURLOPT_HTTPHEADER (and
 * CURLOPT_URL when opts->url is given).
 *
 * The header list belongs to the returned request until otelc_curl_end(),
 * which also resets CURLOPT_HTTPHEADER.  Do not set CURLOPT_HTTPHEADER on
 * the handle in between: pass the headers in opts->headers.
 * @return a request to pass to otelc_curl_end(), or NULL when memory is
 *         exhausted (the handle is then left untouched).
 * Thread-safety: like the easy handle (one thread at a time); begin and
 * end may run on different threads.  Blocking: never.  Since: 0.1.
 */
OTELC_API otelc_curl_request *otelc_curl_begin(CURL *easy,
                                               const otelc_curl_options *opts);

/**
 * otelc_curl_end - record the transfer's outcome, end the span, reset
 * CURLOPT_HTTPHEADER and free the request.
 * @param result  what curl_easy_perform() returned, or msg->data.result of
 *                the CURLMSG_DONE message.
 * NULL is accepted.
 * Thread-safety: see otelc_curl_begin().  Blocking: never.  Since: 0.1.
 */
OTELC_API void otelc_curl_end(otelc_curl_request *req, CURLcode result);

/** otelc_curl_request_span - the request's span (for attributes or
 *  events of the caller's own); borrowed until otelc_curl_end().
 *  Thread-safety: as the request.  Blocking: never.  Since: 0.1. */
OTELC_API otelc_span *otelc_curl_request_span(otelc_curl_request *req);

/**
 * otelc_curl_perform - begin, curl_easy_perform() and end in one call.
 * @return curl_easy_perform()'s result, or CURLE_OUT_OF_MEMORY when the
 *         request could not be instrumented (nothing was sent).
 * Thread-safety: like curl_easy_perform().  Blocking: for the transfer.
 * Since: 0.1.
 */
OTELC_API CURLcode otelc_curl_perform(CURL *easy,
                                      const otelc_curl_options *opts);

/**
 * otelc_curl_slist_carrier - a carrier over a curl header list, for
 * injecting by hand.  set replaces every "Name: value" line of that name
 * (case-insensitive) and appends one; get and foreach read "Name: value"
 * lines.  *list may change (it starts as NULL for an empty list); free it
 * with curl_slist_free_all().
 * Thread-safety: one thread per list.  Since: 0.1.
 */
OTELC_API otelc_carrier otelc_curl_slist_carrier(struct curl_slist **list);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_CURL_H */
