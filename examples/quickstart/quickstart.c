/*
 * examples/quickstart/quickstart.c - otelc in one small program.
 *
 * README
 * ======
 * A pretend order service handles three orders.  Each order is one trace:
 *
 *   handle_order                  (server span, the request)
 *     load_customer               (with a cache-miss event)
 *       db.query
 *     reserve_stock               (a loop that stops at the first
 *       check_item  x N            missing item, with `break`)
 *     charge_card                 (client span; order 1002 is declined:
 *                                  status ERROR through TRACE_ERROR)
 *     send_confirmation           (runs on another thread, still in the
 *                                  same trace: context capture/attach)
 *
 * Run it with the whole demo, which builds it, runs it and prints the
 * traces as trees:
 *
 *     make demo
 *
 * or by hand against an installed otelc:
 *
 *     cc quickstart.c $(pkg-config --cflags --libs otelc) -o quickstart
 *     ./quickstart && otelc-traceview otelc-demo/traces.jsonl
 *
 * Where the spans go.  A real service calls otelc_init(NULL) and lets the
 * environment decide everything (OTEL_TRACES_EXPORTER, OTEL_SERVICE_NAME,
 * ...).  This demo only supplies defaults for what the environment leaves
 * unset - the file exporter writing otelc-demo/traces.jsonl, and the
 * service name "quickstart" - so that it has a file to print.  Set
 * OTEL_EXPORTER_OTLP_ENDPOINT and the spans also go to that collector (see
 * choose_destination()).
 *
 * The program uses only the public API (<otelc/otelc.h>).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/otelc.h>

/* Pretend to work for `ms` milliseconds, so the trees show durations. */
static void work(int ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct order {
    int id;
    const char *customer;
    const char *card;
    const char *items[4];
    int nitems;
} order;

/* Stock on hand: "sku-9" is sold out. */
static int stock_of(const char *sku) {
    return strcmp(sku, "sku-9") ? 5 : 0;
}

/* ---- the work of one order ----------------------------------------------- */

static void load_customer(const char *customer) {
    TRACE_FUNCTION() {
        TRACE_ATTR_STR("customer.id", customer);
        /* An event: a point in time inside the span, with attributes. */
        TRACE_EVENT("cache.miss", OTELC_ATTR_STR("cache.key", customer));
        TRACE_SPAN_KIND("db.query", OTELC_SPAN_KIND_CLIENT) {
            TRACE_ATTR_STR("db.system", "postgresql");
            TRACE_ATTR_STR("db.statement",
                           "SELECT * FROM customers WHERE id = $1");
            work(2);
        }
    }
}

static bool check_item(const char *sku) {
    bool available = false;
    TRACE_SPAN("check_item") {
        TRACE_ATTR_STR("item.sku", sku);
        work(1);
        available = stock_of(sku) > 0;
        TRACE_ATTR_BOOL("item.available", available);
    }
    return available;
}

/* A loop inside a TRACE_SPAN block: `break` leaves the `for` loop and the
 * span goes on (it ends when its own block is left).  Mind the reverse:
 * a `break` written directly in a TRACE_SPAN block leaves that block -
 * the macro is a one-shot loop - not an enclosing loop. */
static int reserve_stock(const order *o) {
    int reserved = 0;
    TRACE_SPAN("reserve_stock") {
        for (int i = 0; i < o->nitems; i++) {
            if (!check_item(o->items[i])) {
                TRACE_ATTR_STR("stock.missing", o->items[i]);
                break;
            }
            reserved++;
        }
        TRACE_ATTR_INT("items.reserved", reserved);
    }
    return reserved;
}

/* `return` from inside a TRACE_SPAN block ends the span on the way out. */
static int charge_card(const order *o) {
    TRACE_SPAN_KIND("charge_card", OTELC_SPAN_KIND_CLIENT) {
        TRACE_ATTR_STR("payment.card", o->card);
        TRACE_ATTR_DOUBLE("payment.amount", 19.90 * o->nitems);
        work(3);
        if (!strcmp(o->card, "4000-0000-0000-0002")) {
            TRACE_ERROR("card declined: %s", "insufficient funds");
            return -1;
        }
    }
    return 0;
}

/* ---- work on another thread, in the same trace --------------------------- */

typedef struct email_job {
    otelc_context *ctx; /* the trace to continue, captured by the caller */
    int order_id;
} email_job;

static void *send_confirmation(void *arg) {
    email_job *job = arg;
    /* Attach the captured context: spans started on this thread until the
     * scope ends are children of the span that was current in the caller. */
    otelc_scope scope = otelc_context_attach(job->ctx);
    TRACE_SPAN_KIND("send_confirmation", OTELC_SPAN_KIND_PRODUCER) {
        TRACE_ATTR_INT("order.id", job->order_id);
        TRACE_ATTR_STR("messaging.destination", "emails");
        work(2);
    }
    otelc_scope_end(scope);
    return NULL;
}

/* ---- one request --------------------------------------------------------- */

static int handle_order(const order *o) {
    int rc = 0;
    TRACE_SPAN_KIND("handle_order", OTELC_SPAN_KIND_SERVER) {
        TRACE_ATTR_INT("order.id", o->id);
        TRACE_ATTR_INT("order.items", o->nitems);
        load_customer(o->customer);
        bool complete = reserve_stock(o) == o->nitems;
        if (charge_card(o) != 0) {
            TRACE_ATTR_STR("order.status", "payment_failed");
            rc = -1;
            break; /* leaves this TRACE_SPAN block: the span ends here */
        }
        /* Hand the e-mail to a worker thread; the context is a snapshot,
         * so it stays valid whatever happens to this span. */
        email_job job = {otelc_context_capture(), o->id};
        pthread_t t;
        if (pthread_create(&t, NULL, send_confirmation, &job) == 0)
            pthread_join(t, NULL);
        otelc_context_free(job.ctx);
        TRACE_ATTR_STR("order.status", complete ? "accepted" : "backordered");
    }
    return rc;
}

/* ---- set-up -------------------------------------------------------------- */

/*
 * Defaults for what the environment leaves unset (the environment always
 * wins: options set here would override it, so they are set only when it
 * is silent).
 *
 * Hook for OTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, the spans go both
 * to the file and to that collector ("file,otlp"), and so do the metrics
 * and log records (which otherwise stay local).  In a build without the
 * OTLP exporter otelc_init() reports it in one diagnostic line and the
 * file still receives every span.
 */
static void choose_destination(otelc_options *opts) {
    const char *endpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    bool otlp = endpoint && endpoint[0];
    if (!getenv("OTEL_TRACES_EXPORTER"))
        otelc_options_set(opts, "OTEL_TRACES_EXPORTER",
                          otlp ? "file,otlp" : "file");
    /* Metrics and log records go to the collector too when there is one;
     * without one, OTLP (their default) would only retry until exit. */
    if (!getenv("OTEL_METRICS_EXPORTER"))
        otelc_options_set(opts, "OTEL_METRICS_EXPORTER",
                          otlp ? "otlp" : "none");
    if (!getenv("OTEL_LOGS_EXPORTER"))
        otelc_options_set(opts, "OTEL_LOGS_EXPORTER", otlp ? "otlp" : "none");
    if (!getenv("OTELC_FILE_PATH"))
        otelc_options_set(opts, "OTELC_FILE_PATH", "otelc-demo/traces.jsonl");
    if (!getenv("OTEL_SERVICE_NAME"))
        otelc_options_set_service_name(opts, "quickstart");
}

int main(void) {
    otelc_options *opts = otelc_options_new();
    if (opts)
        choose_destination(opts);
    otelc_status st = otelc_init(opts); /* takes ownership of opts */
    if (st != OTELC_OK) {
        fprintf(stderr, "quickstart: otelc_init: %s\n", otelc_strerror(st));
        return 1;
    }

    static const order orders[] = {
        {1001, "alice", "4242-4242-4242-4242", {"sku-1", "sku-2"}, 2},
        {1002, "bob", "4000-0000-0000-0002", {"sku-3"}, 1},
        {1003, "carol", "4242-4242-4242-4242", {"sku-4", "sku-9", "sku-5"}, 3},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
        failed += handle_order(&orders[i]) != 0;

    /* Read the effective settings before shutdown forgets them. */
    char path[512] = "";
    const char *exporters = otelc_config_get("OTEL_TRACES_EXPORTER", NULL);
    const char *disabled = otelc_config_get("OTEL_SDK_DISABLED", NULL);
    if (exporters && strstr(exporters, "file") &&
        !(disabled && !strcmp(disabled, "true")))
        snprintf(path, sizeof path, "%s",
                 otelc_config_get("OTELC_FILE_PATH", NULL));

    /* Flush every exporter and stop, within 5 s whatever they do. */
    otelc_shutdown(5000);

    printf("quickstart: handled %zu orders (%d failed)",
           sizeof orders / sizeof orders[0], failed);
    if (path[0])
        printf("; spans written to %s", path);
    printf("\n");
    return 0;
}
