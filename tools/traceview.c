/*
 * tools/traceview.c - otelc-traceview: print OTLP-JSON lines files as
 * trace trees.
 *
 *   otelc-traceview otelc-demo/traces.jsonl            every trace
 *   otelc-traceview a.jsonl b.jsonl --last             the latest trace
 *   otelc-traceview traces.jsonl --trace 4bf92f35      one trace, by id
 *
 * Input: files in the format of otelc's file exporter and of the
 * OpenTelemetry Collector's file exporter - one ExportTraceServiceRequest
 * per line, ids in hex.  Several files (say, one per service) are merged:
 * spans are grouped by trace id whatever file they came from.  Both the
 * integer and the protobuf-JSON enum-name forms of span kind and status
 * code are read, and 64-bit times either as strings or as numbers.
 *
 * Output: per trace, a header line (id, start time in UTC, duration,
 * spans, services) and one line per span, children indented under their
 * parent and ordered by start time: name, duration, kind, status, the
 * service when it differs from the parent's, and the first few
 * attributes.  A span whose parent is not in the input (an "orphan", for
 * example when a service's file is missing) is shown at the top level of
 * its trace with a marker; spans whose parent links form a cycle (only a
 * corrupt file does that) are shown the same way rather than lost.  A
 * last line sums up what was read.
 *
 * Bad input never stops the tool: a malformed line or a span without a
 * valid id is reported on stderr with its file and line, skipped, and
 * counted in the summary.  Strings from the file are sanitized before
 * printing (control characters become '?') so a file cannot drive the
 * terminal.  The tree is walked with an explicit stack, so a deep trace
 * cannot overflow the C stack.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/cli.h"
#include "tools/json_reader.h"

#define PROG "otelc-traceview"
#define NONE SIZE_MAX
#define MAX_WARNINGS 20
#define MAX_INDENT_LEVELS 32
#define MAX_NAME_BYTES 200

/* ---- configuration ------------------------------------------------------- */

typedef struct tv_config {
    const char *trace; /* id or id prefix (hex); NULL = all */
    bool last;
    uint64_t max;   /* traces printed at most; UINT64_MAX = all */
    uint64_t attrs; /* attributes shown per span */
    bool help;
} tv_config;

#define OFF(field) offsetof(tv_config, field)
static const cli_option g_options[] = {
    {"trace", 't', "ID",
     "print only this trace (its hex id, or a prefix of\nit of at least 4 "
     "digits)",
     cli_apply_string, OFF(trace), 0, 0},
    {"last", 'l', NULL, "print only the most recent trace (latest start)",
     cli_apply_flag, OFF(last), 0, 0},
    {"max", 'n', "N", "print at most N traces, oldest first", cli_apply_u64,
     OFF(max), 1, 1e15},
    {"attrs", 'a', "K", "attributes shown per span (default 3)", cli_apply_u64,
     OFF(attrs), 0, 1000},
    {"help", 'h', NULL, "print this help and exit", cli_apply_flag, OFF(help),
     0, 0},
};
#undef OFF
#define NOPTIONS (sizeof g_options / sizeof g_options[0])

static const char g_summary[] =
    "Print the traces in OTLP-JSON lines files (otelc's and the OpenTelemetry"
    "\nCollector's file exporter format) as indented trees with durations. "
    "Several\nfiles are merged by trace id; \"-\" reads standard input.";

static const char g_epilog[] =
    "Malformed lines are reported on stderr and skipped.  Exit status: 0, "
    "1 when a\nfile cannot be read or --trace matches nothing, 2 for bad "
    "arguments.\n";

/* ---- storage ------------------------------------------------------------- */

/* A string arena: spans keep pointers into it until exit. */
typedef struct pool_block {
    struct pool_block *next;
    size_t used, size;
    char data[];
} pool_block;

static pool_block *g_pool;

static char *pool_alloc(size_t n) {
    if (!g_pool || g_pool->size - g_pool->used < n) {
        size_t sz = n > 65536 ? n : 65536;
        pool_block *b = malloc(sizeof *b + sz);
        if (!b) {
            fprintf(stderr, "%s: out of memory\n", PROG);
            exit(1);
        }
        b->next = g_pool;
        b->used = 0;
        b->size = sz;
        g_pool = b;
    }
    char *p = g_pool->data + g_pool->used;
    g_pool->used += n;
    return p;
}

static void pool_free(void) {
    while (g_pool) {
        pool_block *next = g_pool->next;
        free(g_pool);
        g_pool = next;
    }
}

/*
 * Copy at most `max` bytes of UTF-8 text (never splitting a character)
 * into the pool, with C0 and C1 control characters and DEL replaced by
 * '?'.  The input is valid UTF-8 (the JSON reader guarantees it).
 */
static const char *sanitize(const char *s, size_t len, size_t max) {
    size_t n = len < max ? len : max;
    while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--; /* back to the start of a character */
    bool cut = n < len;
    char *out = pool_alloc(n + 4);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            out[o++] = '?';
        } else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9f) {
            out[o++] = '?'; /* U+0080..U+009F, the C1 controls */
            i++;
        } else {
            out[o++] = (char)c;
        }
    }
    if (cut) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* Interned service names, so that spans compare services by pointer. */
typedef struct intern_table {
    const char **slots;
    size_t cap, count;
} intern_table;

static intern_table g_services;

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static const char *intern(const char *s) {
    intern_table *t = &g_services;
    if ((t->count + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **slots = calloc(cap, sizeof *slots);
        if (!slots) {
            fprintf(stderr, "%s: out of memory\n", PROG);
            exit(1);
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i])
                continue;
            size_t j = fnv1a(t->slots[i]) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    size_t j = fnv1a(s) & (t->cap - 1);
    while (t->slots[j]) {
        if (!strcmp(t->slots[j], s))
            return t->slots[j];
        j = (j + 1) & (t->cap - 1);
    }
    t->slots[j] = s;
    t->count++;
    return s;
}

enum { MARK_NONE = 0, MARK_ORPHAN = 1, MARK_CYCLE = 2 };

typedef struct tv_span {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8];
    bool has_parent;
    bool printed;
    uint8_t kind;   /* OTLP numbering; 0 = unspecified */
    uint8_t status; /* 0 unset, 1 ok, 2 error */
    uint8_t mark;
    uint32_t nevents;
    const char *name;
    const char *service; /* interned */
    const char *status_msg;
    const char *attrs; /* preformatted "k=v k2=v2 (+N)" or "" */
    uint64_t start, end;
    size_t seq;          /* reading order, the tie-breaker everywhere */
    size_t parent;       /* index of the parent in the same trace, or NONE */
    size_t first_child;  /* children and the top level: linked lists */
    size_t next_sibling; /* ordered by start time */
} tv_span;

typedef struct tv_trace {
    size_t lo, hi; /* its spans: g_spans[lo..hi) */
    size_t top;    /* first top-level span (roots, orphans) */
    uint64_t start, end;
    size_t first_seq;
    size_t errors, orphans;
} tv_trace;

static tv_span *g_spans;
static size_t g_nspans, g_capspans;

/* What was read, for the summary line. */
static struct {
    size_t files, lines, bad_lines, bad_spans, duplicates;
    size_t warnings;
} g_count;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warnings are capped: a corrupt file of a million lines should not bury
 * the output.  The counts in the summary stay exact. */
static void warn(const char *fmt, ...) {
    if (g_count.warnings++ >= MAX_WARNINGS) {
        if (g_count.warnings == MAX_WARNINGS + 1)
            fprintf(stderr, "%s: further warnings suppressed\n", PROG);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", PROG);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- reading ------------------------------------------------------------- */

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode exactly 2n hex digits into n bytes; false when the value is not
 * such a string or the id is all zero (invalid in OTLP). */
static bool parse_id(const jr_value *v, uint8_t *out, size_t n) {
    size_t len;
    const char *s = jr_string(v, &len);
    if (!s || len != 2 * n)
        return false;
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
        any |= out[i];
    }
    return any != 0;
}

/* An enum given as a number or as its protobuf name: the index of the
 * name in `names`, or the number itself when in range, else 0. */
static uint8_t parse_enum(const jr_value *v, const char *const *names,
                          size_t n) {
    int64_t i;
    if (jr_type_of(v) == JR_NUMBER && jr_as_i64(v, &i))
        return i >= 0 && (uint64_t)i < n ? (uint8_t)i : 0;
    const char *s = jr_string(v, NULL);
    for (size_t k = 0; s && k < n; k++)
        if (!strcmp(s, names[k]))
            return (uint8_t)k;
    return 0;
}

static const char *const g_kind_enum[] = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
static const char *const g_kind_names[] = {"-",      "internal", "server",
                                           "client", "producer", "consumer"};
static const char *const g_status_enum[] = {
    "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};

/* A growable text buffer for formatting attributes. */
typedef struct tbuf {
    char data[1024];
    size_t len;
} tbuf;

static void tput(tbuf *b, const char *s, size_t n) {
    size_t room = sizeof b->data - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void tputs(tbuf *b, const char *s) {
    tput(b, s, strlen(s));
}

/* An OTLP AnyValue, compactly: strings quoted and cut at 40 bytes. */
static void format_any(tbuf *b, const jr_value *any) {
    const jr_value *v;
    char num[64];
    if ((v = jr_get(any, "stringValue"))) {
        size_t len;
        const char *s = jr_string(v, &len);
        tputs(b, "\"");
        tputs(b, s ? sanitize(s, len, 40) : "");
        tputs(b, "\"");
    } else if ((v = jr_get(any, "intValue"))) {
        int64_t i;
        if (jr_as_i64(v, &i)) {
            snprintf(num, sizeof num, "%" PRId64, i);
            tputs(b, num);
        } else {
            tputs(b, "?");
        }
    } else if ((v = jr_get(any, "doubleValue"))) {
        if (jr_type_of(v) == JR_NUMBER)
            snprintf(num, sizeof num, "%g", jr_number(v));
        else /* "NaN", "Infinity", "-Infinity" in the protobuf mapping */
            snprintf(num, sizeof num, "%s",
                     jr_string(v, NULL) ? jr_string(v, NULL) : "?");
        tputs(b, sanitize(num, strlen(num), 20));
    } else if ((v = jr_get(any, "boolValue"))) {
        tputs(b, jr_bool(v) ? "true" : "false");
    } else if ((v = jr_get(any, "arrayValue"))) {
        snprintf(num, sizeof num, "[%zu values]", jr_len(jr_get(v, "values")));
        tputs(b, num);
    } else if ((v = jr_get(any, "kvlistValue"))) {
        snprintf(num, sizeof num, "{%zu entries}", jr_len(jr_get(v, "values")));
        tputs(b, num);
    } else if (jr_get(any, "bytesValue")) {
        tputs(b, "<bytes>");
    } else {
        tputs(b, "<empty>");
    }
}

static const char *format_attrs(const jr_value *attrs, size_t show) {
    size_t n = jr_len(attrs);
    if (n == 0)
        return "";
    tbuf b = {.len = 0};
    b.data[0] = '\0';
    for (size_t i = 0; i < n && i < show; i++) {
        const jr_value *a = jr_at(attrs, i);
        size_t klen;
        const char *k = jr_string(jr_get(a, "key"), &klen);
        if (i)
            tputs(&b, " ");
        tputs(&b, k ? sanitize(k, klen, 40) : "?");
        tputs(&b, "=");
        format_any(&b, jr_get(a, "value"));
    }
    if (n > show) {
        char more[32];
        snprintf(more, sizeof more, "%s(+%zu)", show ? " " : "", n - show);
        tputs(&b, more);
    }
    char *out = pool_alloc(b.len + 1);
    memcpy(out, b.data, b.len + 1);
    return out;
}

/* The service.name of a resource, interned; "unknown" when absent. */
static const char *resource_service(const jr_value *resource) {
    const jr_value *attrs = jr_get(resource, "attributes");
    for (size_t i = 0; i < jr_len(attrs); i++) {
        const jr_value *a = jr_at(attrs, i);
        const char *k = jr_string(jr_get(a, "key"), NULL);
        if (k && !strcmp(k, "service.name")) {
            size_t len;
            const char *s =
                jr_string(jr_get(jr_get(a, "value"), "stringValue"), &len);
            if (s)
                return intern(sanitize(s, len, 80));
        }
    }
    return intern("unknown");
}

static void add_span(const jr_value *js, const char *service,
                     const tv_config *cfg, const char *file, size_t line) {
    tv_span sp;
    memset(&sp, 0, sizeof sp);
    if (!parse_id(jr_get(js, "traceId"), sp.trace_id, 16) ||
        !parse_id(jr_get(js, "spanId"), sp.span_id, 8)) {
        g_count.bad_spans++;
        warn("%s:%zu: span without a valid traceId/spanId; span skipped", file,
             line);
        return;
    }
    /* parentSpanId: absent, "" or all zeros (as some producers write it)
     * mean a root span; anything else must be a valid id. */
    const jr_value *pid = jr_get(js, "parentSpanId");
    size_t plen = 0;
    const char *ptext = jr_string(pid, &plen);
    if (pid && (!ptext || (plen > 0 && strspn(ptext, "0") != plen &&
                           !parse_id(pid, sp.parent_id, 8)))) {
        g_count.bad_spans++;
        warn("%s:%zu: span with an invalid parentSpanId; span skipped", file,
             line);
        return;
    }
    sp.has_parent = ptext && plen > 0 && strspn(ptext, "0") != plen;
    size_t nlen;
    const char *name = jr_string(jr_get(js, "name"), &nlen);
    sp.name = name ? sanitize(name, nlen, MAX_NAME_BYTES) : "";
    sp.service = service;
    sp.kind = parse_enum(jr_get(js, "kind"), g_kind_enum, 6);
    const jr_value *status = jr_get(js, "status");
    sp.status = parse_enum(jr_get(status, "code"), g_status_enum, 3);
    size_t mlen;
    const char *msg = jr_string(jr_get(status, "message"), &mlen);
    sp.status_msg = msg && mlen ? sanitize(msg, mlen, 80) : "";
    if (!jr_as_u64(jr_get(js, "startTimeUnixNano"), &sp.start))
        sp.start = 0;
    if (!jr_as_u64(jr_get(js, "endTimeUnixNano"), &sp.end) || sp.end < sp.start)
        sp.end = sp.start;
    sp.attrs = format_attrs(jr_get(js, "attributes"), cfg->attrs);
    sp.nevents = (uint32_t)jr_len(jr_get(js, "events"));
    sp.seq = g_nspans;
    if (g_nspans == g_capspans) {
        size_t cap = g_capspans ? g_capspans * 2 : 1024;
        tv_span *ns = realloc(g_spans, cap * sizeof *ns);
        if (!ns) {
            fprintf(stderr, "%s: out of memory\n", PROG);
            exit(1);
        }
        g_spans = ns;
        g_capspans = cap;
    }
    g_spans[g_nspans++] = sp;
}

/* One line: an ExportTraceServiceRequest. */
static void read_line(const char *text, size_t len, const tv_config *cfg,
                      const char *file, size_t line) {
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                       text[i] == '\n'))
        i++;
    if (i == len)
        return; /* blank lines are allowed */
    g_count.lines++;
    jr_error err;
    jr_doc *doc = jr_parse(text, len, &err);
    if (!doc) {
        g_count.bad_lines++;
        warn("%s:%zu:%u: malformed JSON: %s; line skipped", file, line,
             err.column, err.message);
        return;
    }
    const jr_value *rs = jr_get(jr_root(doc), "resourceSpans");
    if (jr_type_of(rs) != JR_ARRAY) {
        g_count.bad_lines++;
        warn("%s:%zu: not an OTLP ExportTraceServiceRequest (no "
             "resourceSpans array); line skipped",
             file, line);
        jr_free(doc);
        return;
    }
    for (size_t r = 0; r < jr_len(rs); r++) {
        const jr_value *res = jr_at(rs, r);
        const char *service = resource_service(jr_get(res, "resource"));
        const jr_value *ss = jr_get(res, "scopeSpans");
        for (size_t s = 0; s < jr_len(ss); s++) {
            const jr_value *spans = jr_get(jr_at(ss, s), "spans");
            for (size_t k = 0; k < jr_len(spans); k++)
                add_span(jr_at(spans, k), service, cfg, file, line);
        }
    }
    jr_free(doc);
}

static bool read_file(const char *path, const tv_config *cfg) {
    bool is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s: %s\n", PROG, path,
                strerror(errno));
        return false;
    }
    const char *label = is_stdin ? "<stdin>" : path;
    char *buf = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&buf, &cap, f)) >= 0)
        read_line(buf, (size_t)n, cfg, label, ++lineno);
    bool ok = !ferror(f);
    if (!ok)
        fprintf(stderr, "%s: error reading %s: %s\n", PROG, label,
                strerror(errno));
    free(buf);
    if (!is_stdin)
        fclose(f);
    g_count.files++;
    return ok;
}

/* ---- building the trees -------------------------------------------------- */

static int cmp_ids(const void *a, const void *b) {
    const tv_span *x = a, *y = b;
    int c = memcmp(x->trace_id, y->trace_id, 16);
    if (!c)
        c = memcmp(x->span_id, y->span_id, 8);
    if (!c)
        c = (x->seq > y->seq) - (x->seq < y->seq);
    return c;
}

/* Sorting by start time needs the span array: qsort has no context
 * argument, so the comparators read it through this global. */
static int cmp_start(const void *a, const void *b) {
    const tv_span *x = &g_spans[*(const size_t *)a];
    const tv_span *y = &g_spans[*(const size_t *)b];
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_traces(const void *a, const void *b) {
    const tv_trace *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->first_seq > y->first_seq) - (x->first_seq < y->first_seq);
}

/* The span with this id in spans[lo..hi) (sorted by id), or NONE. */
static size_t find_span(size_t lo, size_t hi, const uint8_t id[8]) {
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(g_spans[mid].span_id, id, 8);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NONE;
}

/* Sort, drop duplicate spans (same trace and span id: a file read twice),
 * group into traces and link each trace's tree.  Returns the traces,
 * ordered by start time. */
static tv_trace *build_traces(size_t *ntraces, size_t *scratch_cap) {
    if (g_nspans) /* qsort's array must not be NULL, even when empty */
        qsort(g_spans, g_nspans, sizeof *g_spans, cmp_ids);
    size_t w = 0;
    for (size_t r = 0; r < g_nspans; r++) {
        if (w > 0 &&
            !memcmp(g_spans[w - 1].trace_id, g_spans[r].trace_id, 16) &&
            !memcmp(g_spans[w - 1].span_id, g_spans[r].span_id, 8)) {
            g_count.duplicates++;
            continue;
        }
        g_spans[w++] = g_spans[r];
    }
    g_nspans = w;

    size_t cap = 16, n = 0;
    tv_trace *traces = malloc(cap * sizeof *traces);
    size_t *order = malloc((g_nspans ? g_nspans : 1) * sizeof *order);
    if (!traces || !order) {
        fprintf(stderr, "%s: out of memory\n", PROG);
        exit(1);
    }
    *scratch_cap = 0;
    for (size_t lo = 0; lo < g_nspans;) {
        size_t hi = lo + 1;
        while (hi < g_nspans &&
               !memcmp(g_spans[hi].trace_id, g_spans[lo].trace_id, 16))
            hi++;
        if (n == cap) {
            cap *= 2;
            tv_trace *nt = realloc(traces, cap * sizeof *nt);
            if (!nt) {
                fprintf(stderr, "%s: out of memory\n", PROG);
                exit(1);
            }
            traces = nt;
        }
        tv_trace *t = &traces[n++];
        memset(t, 0, sizeof *t);
        t->lo = lo;
        t->hi = hi;
        t->top = NONE;
        t->start = UINT64_MAX;
        t->first_seq = SIZE_MAX;
        for (size_t i = lo; i < hi; i++) {
            tv_span *s = &g_spans[i];
            s->first_child = s->next_sibling = NONE;
            s->parent = s->has_parent ? find_span(lo, hi, s->parent_id) : NONE;
            if (s->parent == i)
                s->parent = NONE; /* its own parent: treat as an orphan */
            s->mark =
                s->has_parent && s->parent == NONE ? MARK_ORPHAN : MARK_NONE;
            t->orphans += s->mark == MARK_ORPHAN;
            t->errors += s->status == 2;
            if (s->start < t->start)
                t->start = s->start;
            if (s->end > t->end)
                t->end = s->end;
            if (s->seq < t->first_seq)
                t->first_seq = s->seq;
            order[i - lo] = i;
        }
        /* Prepending in reverse start order leaves every child list, and
         * the top-level list, in start order. */
        qsort(order, hi - lo, sizeof *order, cmp_start);
        for (size_t k = hi - lo; k-- > 0;) {
            tv_span *s = &g_spans[order[k]];
            size_t *head =
                s->parent == NONE ? &t->top : &g_spans[s->parent].first_child;
            s->next_sibling = *head;
            *head = order[k];
        }
        if (hi - lo > *scratch_cap)
            *scratch_cap = hi - lo;
        lo = hi;
    }
    free(order);
    qsort(traces, n, sizeof *traces, cmp_traces);
    *ntraces = n;
    return traces;
}

/* ---- printing ------------------------------------------------------------ */

static void format_duration(uint64_t ns, char *out, size_t len) {
    if (ns < 1000)
        snprintf(out, len, "%" PRIu64 " ns", ns);
    else if (ns < 1000000)
        snprintf(out, len, "%.1f us", (double)ns / 1e3);
    else if (ns < 1000000000)
        snprintf(out, len, "%.3f ms", (double)ns / 1e6);
    else
        snprintf(out, len, "%.3f s", (double)ns / 1e9);
}

static void hex(const uint8_t *id, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Display width of UTF-8 text: one column per character. */
static size_t width(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

typedef struct frame {
    size_t span;
    size_t depth;
} frame;

/* Indentation of a span line: two spaces per level, capped so that a very
 * deep trace stays readable (the level is then printed). */
static size_t indent_of(size_t depth) {
    return 2 + 2 * (depth < MAX_INDENT_LEVELS ? depth : MAX_INDENT_LEVELS);
}

static void print_span(const tv_span *s, size_t depth, size_t name_col,
                       const char *parent_service, bool multi_service) {
    char dur[32], level[32] = "", pid[17], more[64];
    format_duration(s->end - s->start, dur, sizeof dur);
    if (depth > MAX_INDENT_LEVELS)
        snprintf(level, sizeof level, "[level %zu] ", depth);
    /* The optional fields first, so the line carries no trailing blanks. */
    tbuf tail = {.len = 0};
    if (s->status == 2) {
        tputs(&tail, "  ERROR");
        if (s->status_msg[0]) {
            tputs(&tail, " \"");
            tputs(&tail, s->status_msg);
            tputs(&tail, "\"");
        }
    } else if (s->status == 1) {
        tputs(&tail, "  OK");
    }
    if (parent_service ? s->service != parent_service : multi_service) {
        tputs(&tail, "  [");
        tputs(&tail, s->service);
        tputs(&tail, "]");
    }
    if (s->attrs[0]) {
        tputs(&tail, "  ");
        tputs(&tail, s->attrs);
    }
    if (s->nevents) {
        snprintf(more, sizeof more, "  (%" PRIu32 " event%s)", s->nevents,
                 s->nevents == 1 ? "" : "s");
        tputs(&tail, more);
    }
    if (s->mark == MARK_ORPHAN) {
        hex(s->parent_id, 8, pid);
        snprintf(more, sizeof more, "  <orphan: parent %s not found>", pid);
        tputs(&tail, more);
    } else if (s->mark == MARK_CYCLE) {
        tputs(&tail, "  <cycle: parent links loop>");
    }
    size_t used = indent_of(depth) + strlen(level) + width(s->name);
    printf("%*s%s%s%*s  %10s  %-*s%s\n", (int)indent_of(depth), "", level,
           s->name, (int)(used < name_col ? name_col - used : 0), "", dur,
           tail.len ? 8 : 0, g_kind_names[s->kind], tail.data);
}

/* Depth-first walk from `from` (and its next siblings when `siblings`),
 * with an explicit stack; spans already printed are skipped, which is
 * what ends a walk around a cycle. */
static void walk(size_t from, bool siblings, frame *stack, size_t name_col,
                 bool multi_service) {
    size_t sp = 0;
    stack[sp++] = (frame){from, 0};
    while (sp > 0) {
        frame f = stack[--sp];
        tv_span *s = &g_spans[f.span];
        if (s->printed)
            continue;
        s->printed = true;
        /* The sibling goes below the child on the stack: children first. */
        if (s->next_sibling != NONE && (f.depth > 0 || siblings))
            stack[sp++] = (frame){s->next_sibling, f.depth};
        if (s->first_child != NONE)
            stack[sp++] = (frame){s->first_child, f.depth + 1};
        const char *ps = s->parent != NONE && f.depth > 0
                             ? g_spans[s->parent].service
                             : NULL;
        print_span(s, f.depth, name_col, ps, multi_service);
    }
}

/* The widest "indent + name" of a trace, bounded, to align durations. */
static size_t name_column(const tv_trace *t) {
    size_t col = 24;
    for (size_t i = t->lo; i < t->hi; i++) {
        /* Depth is not known before the walk; bound it by counting the
         * ancestors, at most MAX_INDENT_LEVELS of them (cycles stop too). */
        size_t d = 0;
        for (size_t p = g_spans[i].parent;
             p != NONE && d < MAX_INDENT_LEVELS && p != i;
             p = g_spans[p].parent)
            d++;
        size_t w = indent_of(d) + width(g_spans[i].name);
        if (w > col)
            col = w;
    }
    return col < 60 ? col : 60;
}

static void print_trace(const tv_trace *t, frame *stack) {
    char id[33], dur[32], when[64] = "?";
    hex(g_spans[t->lo].trace_id, 16, id);
    format_duration(t->end - t->start, dur, sizeof dur);
    time_t secs = (time_t)(t->start / 1000000000u);
    struct tm tm;
    if (t->start && gmtime_r(&secs, &tm)) {
        size_t k = strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(when + k, sizeof when - k, ".%03u UTC",
                 (unsigned)(t->start / 1000000u % 1000u));
    }
    /* Services, in order of first appearance by start time. */
    const char *services[4];
    size_t nserv = 0;
    bool more = false;
    for (size_t i = t->lo; i < t->hi; i++) {
        const char *sv = g_spans[i].service;
        bool seen = false;
        for (size_t k = 0; k < nserv; k++)
            seen |= services[k] == sv;
        if (!seen) {
            if (nserv < 4)
                services[nserv++] = sv;
            else
                more = true;
        }
    }
    size_t n = t->hi - t->lo;
    printf("Trace %s  %s  %s  %zu span%s  service%s ", id, when, dur, n,
           n == 1 ? "" : "s", nserv > 1 ? "s" : "");
    for (size_t k = 0; k < nserv; k++)
        printf("%s%s", k ? ", " : "", services[k]);
    if (more)
        printf(", ...");
    if (t->errors)
        printf("  %zu error%s", t->errors, t->errors == 1 ? "" : "s");
    if (t->orphans)
        printf("  %zu orphan%s", t->orphans, t->orphans == 1 ? "" : "s");
    putchar('\n');

    size_t col = name_column(t);
    bool multi = nserv > 1;
    if (t->top != NONE)
        walk(t->top, true, stack, col, multi);
    /* Whatever is left sits on a cycle of parent links: show it too. */
    for (size_t i = t->lo; i < t->hi; i++) {
        if (g_spans[i].printed)
            continue;
        g_spans[i].mark = MARK_CYCLE;
        walk(i, false, stack, col, multi);
    }
}

/* Does the trace's hex id start with `prefix` (any case)? */
static bool id_matches(const tv_trace *t, const char *prefix) {
    char id[33];
    hex(g_spans[t->lo].trace_id, 16, id);
    for (size_t i = 0; prefix[i]; i++) {
        char c = prefix[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (i >= 32 || c != id[i])
            return false;
    }
    return true;
}

int main(int argc, char **argv) {
    tv_config cfg = {.max = UINT64_MAX, .attrs = 3};
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    if (!files)
        return 1;
    int rc =
        cli_parse(PROG, g_options, NOPTIONS, argc, argv, &cfg, files, &nfiles);
    if (rc == 0 && cfg.help) {
        cli_usage(stdout, PROG " [OPTIONS] FILE...", g_summary, g_options,
                  NOPTIONS, g_epilog);
        free(files);
        return 0;
    }
    if (rc == 0 && nfiles == 0)
        rc = cli_fail(PROG, "no input file (give \"-\" to read standard "
                            "input)");
    if (rc == 0 && cfg.trace && cfg.last)
        rc = cli_fail(PROG, "--trace and --last cannot be combined");
    if (rc == 0 && cfg.trace &&
        (strlen(cfg.trace) < 4 || strlen(cfg.trace) > 32 ||
         strspn(cfg.trace, "0123456789abcdefABCDEF") != strlen(cfg.trace)))
        rc = cli_fail(PROG, "--trace: expected 4 to 32 hex digits, got \"%s\"",
                      cfg.trace);
    if (rc) {
        free(files);
        return rc;
    }

    bool read_ok = true;
    for (size_t i = 0; i < nfiles; i++)
        read_ok &= read_file(files[i], &cfg);
    free(files);

    size_t ntraces = 0, scratch = 0;
    tv_trace *traces = build_traces(&ntraces, &scratch);
    /* A walk holds at most two frames per span of the trace. */
    frame *stack = malloc((2 * scratch + 2) * sizeof *stack);
    if (!stack) {
        fprintf(stderr, "%s: out of memory\n", PROG);
        return 1;
    }

    size_t first = 0, end = ntraces, shown = 0;
    if (cfg.last && ntraces)
        first = ntraces - 1;
    size_t matched = 0;
    for (size_t i = first; i < end && shown < cfg.max; i++) {
        if (cfg.trace && !id_matches(&traces[i], cfg.trace))
            continue;
        matched++;
        if (shown)
            putchar('\n');
        print_trace(&traces[i], stack);
        shown++;
    }
    if (cfg.trace && !matched) {
        fprintf(stderr, "%s: no trace with id %s%s\n", PROG, cfg.trace,
                strlen(cfg.trace) < 32 ? "..." : "");
        rc = 1;
    }

    size_t errors = 0, orphans = 0;
    for (size_t i = 0; i < ntraces; i++) {
        errors += traces[i].errors;
        orphans += traces[i].orphans;
    }
    if (shown)
        putchar('\n');
    printf("%zu trace%s (%zu shown), %zu span%s, %zu error%s, %zu orphan%s "
           "from %zu file%s",
           ntraces, ntraces == 1 ? "" : "s", shown, g_nspans,
           g_nspans == 1 ? "" : "s", errors, errors == 1 ? "" : "s", orphans,
           orphans == 1 ? "" : "s", g_count.files,
           g_count.files == 1 ? "" : "s");
    if (g_count.bad_lines || g_count.bad_spans || g_count.duplicates)
        printf("; skipped %zu malformed line%s, %zu invalid span%s, %zu "
               "duplicate%s",
               g_count.bad_lines, g_count.bad_lines == 1 ? "" : "s",
               g_count.bad_spans, g_count.bad_spans == 1 ? "" : "s",
               g_count.duplicates, g_count.duplicates == 1 ? "" : "s");
    putchar('\n');

    free(stack);
    free(traces);
    free(g_spans);
    free(g_services.slots);
    pool_free();
    if (!read_ok)
        rc = 1;
    return rc;
}
