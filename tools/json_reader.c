/*
 * tools/json_reader.c - see json_reader.h.
 *
 * Design.  A recursive-descent parser over a (pointer, length) input that
 * never reads past the length, bounded to JR_MAX_DEPTH levels so hostile
 * input cannot exhaust the C stack.  Values are built into an arena of
 * chained blocks owned by the document: one free() per block instead of
 * one per value.  The children of an array or object are not known in
 * advance, so while a container is open its finished children wait on a
 * scratch stack; when the container closes they are copied into one
 * arena array of exactly the right size and popped.  A nested container
 * pushes and pops only above its parent's entries, so one stack serves
 * every level.
 *
 * Invariants: every string stored in the document is valid UTF-8 and
 * NUL-terminated; a decoded string is never longer than its escaped form,
 * which bounds the arena space reserved for it; a failed parse frees
 * everything it allocated.
 *
 * Numbers are converted with strtod(), which follows the C locale: the
 * tools never call setlocale(), so '.' is always the decimal point.
 */
#include "tools/json_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jr_member jr_member;

struct jr_value {
    jr_type type;
    bool b;
    size_t len;       /* string bytes, number text bytes, or child count */
    double num;       /* JR_NUMBER */
    const char *text; /* JR_STRING: decoded bytes; JR_NUMBER: literal */
    void *kids;       /* JR_ARRAY: jr_value[len]; JR_OBJECT: jr_member[len] */
};

struct jr_member {
    const char *key;
    size_t key_len;
    jr_value value;
};

/* An arena block: allocations are carved from data[] 8-byte aligned. */
typedef struct jr_block {
    struct jr_block *next;
    size_t size;
    size_t used;
    _Alignas(8) unsigned char data[];
} jr_block;

struct jr_doc {
    jr_block *blocks;
    jr_value root;
};

/* Parser state for one jr_parse() call. */
typedef struct jr_parser {
    const char *s;
    size_t len;
    size_t pos;
    unsigned depth;
    jr_doc *doc;
    jr_member *stack; /* finished children of the open containers */
    size_t stack_len;
    size_t stack_cap;
    jr_error *err;
    bool failed;
} jr_parser;

#define JR_FIRST_BLOCK 4096
#define JR_MAX_BLOCK (1u << 20)

/* ---- arena --------------------------------------------------------------- */

static void *arena_alloc(jr_doc *d, size_t n) {
    n = (n + 7) & ~(size_t)7;
    jr_block *b = d->blocks;
    if (!b || b->size - b->used < n) {
        /* Blocks double up to 1 MiB; a larger request gets a block of its
         * own so that the waste stays bounded by one block. */
        size_t sz = b ? b->size * 2 : JR_FIRST_BLOCK;
        if (sz > JR_MAX_BLOCK)
            sz = JR_MAX_BLOCK;
        if (sz < n)
            sz = n;
        jr_block *nb = malloc(sizeof *nb + sz);
        if (!nb)
            return NULL;
        nb->size = sz;
        nb->used = 0;
        nb->next = b;
        d->blocks = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

/* ---- errors -------------------------------------------------------------- */

static void fail_at(jr_parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first failure only: later ones are consequences of it. */
static void fail_at(jr_parser *p, size_t at, const char *fmt, ...) {
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err)
        return;
    jr_error *e = p->err;
    e->offset = at;
    e->line = 1;
    e->column = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->s[i] == '\n') {
            e->line++;
            e->column = 1;
        } else {
            e->column++;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

/* Describe the byte at pos for a message: a printable character, a hex
 * code, or the end of input. */
static void describe(const jr_parser *p, size_t pos, char out[16]) {
    if (pos >= p->len) {
        snprintf(out, 16, "end of input");
        return;
    }
    unsigned char c = (unsigned char)p->s[pos];
    if (c >= 0x20 && c < 0x7f)
        snprintf(out, 16, "'%c'", c);
    else
        snprintf(out, 16, "byte 0x%02x", c);
}

static void fail_unexpected(jr_parser *p, const char *expected) {
    char what[16];
    describe(p, p->pos, what);
    fail_at(p, p->pos, "%s, found %s", expected, what);
}

/* ---- scanning ------------------------------------------------------------ */

static void skip_ws(jr_parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        p->pos++;
    }
}

static int peek(const jr_parser *p) {
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static bool push_member(jr_parser *p, const jr_member *m) {
    if (p->stack_len == p->stack_cap) {
        size_t cap = p->stack_cap ? p->stack_cap * 2 : 64;
        jr_member *ns = realloc(p->stack, cap * sizeof *ns);
        if (!ns) {
            fail_at(p, p->pos, "out of memory");
            return false;
        }
        p->stack = ns;
        p->stack_cap = cap;
    }
    p->stack[p->stack_len++] = *m;
    return true;
}

/*
 * Length of a valid UTF-8 sequence starting at s[0] (at most n bytes
 * available), or 0 when invalid: RFC 3629 table, which excludes overlong
 * forms, UTF-16 surrogates (U+D800..DFFF) and values above U+10FFFF.
 */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return need;
}

static size_t put_utf8(char *out, uint32_t cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Four hex digits at s[0..3] (caller checked they exist), or -1. */
static int32_t hex4(const char *s) {
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/*
 * Parse a string starting at the opening quote.  A first pass finds the
 * closing quote (the escaped length bounds the decoded one); the second
 * validates and decodes into the arena.
 */
static bool parse_string(jr_parser *p, const char **out, size_t *out_len) {
    size_t start = ++p->pos; /* after the quote */
    size_t end = start;
    while (end < p->len && p->s[end] != '"')
        end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) {
        fail_at(p, start - 1, "unterminated string");
        return false;
    }
    char *dst = arena_alloc(p->doc, end - start + 1);
    if (!dst) {
        fail_at(p, start, "out of memory");
        return false;
    }
    size_t n = 0, i = start;
    while (i < end) {
        unsigned char c = (unsigned char)p->s[i];
        if (c < 0x20) {
            fail_at(p, i,
                    "control character 0x%02x in string (must be "
                    "escaped)",
                    c);
            return false;
        }
        if (c >= 0x80) {
            size_t k = utf8_seq((const unsigned char *)p->s + i, end - i);
            if (!k) {
                fail_at(p, i, "invalid UTF-8 in string");
                return false;
            }
            memcpy(dst + n, p->s + i, k);
            n += k;
            i += k;
            continue;
        }
        if (c != '\\') {
            dst[n++] = (char)c;
            i++;
            continue;
        }
        /* The first pass guarantees a byte after the backslash. */
        char e = p->s[i + 1];
        i += 2;
        switch (e) {
        case '"': dst[n++] = '"'; break;
        case '\\': dst[n++] = '\\'; break;
        case '/': dst[n++] = '/'; break;
        case 'b': dst[n++] = '\b'; break;
        case 'f': dst[n++] = '\f'; break;
        case 'n': dst[n++] = '\n'; break;
        case 'r': dst[n++] = '\r'; break;
        case 't': dst[n++] = '\t'; break;
        case 'u': {
            int32_t cp = end - i >= 4 ? hex4(p->s + i) : -1;
            if (cp < 0) {
                fail_at(p, i - 2, "invalid \\u escape (needs 4 hex digits)");
                return false;
            }
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                /* A high surrogate: combine with a following low one. */
                int32_t lo =
                    end - i >= 6 && p->s[i] == '\\' && p->s[i + 1] == 'u'
                        ? hex4(p->s + i + 2)
                        : -1;
                if (lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                } else {
                    cp = 0xfffd;
                }
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                cp = 0xfffd; /* a low surrogate alone */
            }
            n += put_utf8(dst + n, (uint32_t)cp);
            break;
        }
        default:
            fail_at(p, i - 2, "invalid escape '\\%c' in string",
                    e >= 0x20 && e < 0x7f ? e : '?');
            return false;
        }
    }
    dst[n] = '\0';
    p->pos = end + 1;
    *out = dst;
    *out_len = n;
    return true;
}

static bool is_digit(int c) {
    return c >= '0' && c <= '9';
}

/* number = [ "-" ] int [ frac ] [ exp ], int = "0" / digit1-9 *digit. */
static bool parse_number(jr_parser *p, jr_value *v) {
    size_t start = p->pos;
    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0') {
        p->pos++;
        if (is_digit(peek(p))) {
            fail_at(p, p->pos - 1, "leading zero in number");
            return false;
        }
    } else if (is_digit(peek(p))) {
        while (is_digit(peek(p)))
            p->pos++;
    } else {
        fail_unexpected(p, "expected a digit");
        return false;
    }
    if (peek(p) == '.') {
        p->pos++;
        if (!is_digit(peek(p))) {
            fail_unexpected(p, "expected a digit after '.'");
            return false;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!is_digit(peek(p))) {
            fail_unexpected(p, "expected a digit in exponent");
            return false;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    size_t n = p->pos - start;
    char *t = arena_alloc(p->doc, n + 1);
    if (!t) {
        fail_at(p, start, "out of memory");
        return false;
    }
    memcpy(t, p->s + start, n);
    t[n] = '\0';
    v->type = JR_NUMBER;
    v->text = t;
    v->len = n;
    /* The grammar was checked above, so strtod consumes all of t; ERANGE
     * gives +/-HUGE_VAL or 0, which is the documented answer. */
    v->num = strtod(t, NULL);
    return true;
}

static bool parse_literal(jr_parser *p, const char *word, jr_value *v,
                          jr_type type, bool b) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
        fail_unexpected(p, "expected a value");
        return false;
    }
    p->pos += n;
    v->type = type;
    v->b = b;
    return true;
}

static bool parse_value(jr_parser *p, jr_value *v);

/* Move the children pushed since `mark` into one arena array. */
static bool close_container(jr_parser *p, size_t mark, jr_value *v,
                            bool object) {
    size_t n = p->stack_len - mark;
    v->len = n;
    v->kids = NULL;
    if (n) {
        size_t sz = object ? sizeof(jr_member) : sizeof(jr_value);
        void *kids = arena_alloc(p->doc, n * sz);
        if (!kids) {
            fail_at(p, p->pos, "out of memory");
            return false;
        }
        if (object) {
            memcpy(kids, p->stack + mark, n * sizeof(jr_member));
        } else {
            jr_value *a = kids;
            for (size_t i = 0; i < n; i++)
                a[i] = p->stack[mark + i].value;
        }
        v->kids = kids;
    }
    p->stack_len = mark;
    return true;
}

static bool parse_array(jr_parser *p, jr_value *v) {
    size_t mark = p->stack_len;
    p->pos++; /* '[' */
    v->type = JR_ARRAY;
    skip_ws(p);
    if (peek(p) == ']') {
        p->pos++;
        return close_container(p, mark, v, false);
    }
    for (;;) {
        jr_member m = {NULL, 0, {JR_NULL, false, 0, 0, NULL, NULL}};
        skip_ws(p);
        if (!parse_value(p, &m.value) || !push_member(p, &m))
            return false;
        skip_ws(p);
        int c = peek(p);
        p->pos++;
        if (c == ']')
            return close_container(p, mark, v, false);
        if (c != ',') {
            p->pos--;
            fail_unexpected(p, "expected ',' or ']' in array");
            return false;
        }
    }
}

static bool parse_object(jr_parser *p, jr_value *v) {
    size_t mark = p->stack_len;
    p->pos++; /* '{' */
    v->type = JR_OBJECT;
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        return close_container(p, mark, v, true);
    }
    for (;;) {
        jr_member m = {NULL, 0, {JR_NULL, false, 0, 0, NULL, NULL}};
        skip_ws(p);
        if (peek(p) != '"') {
            fail_unexpected(p, "expected a string key in object");
            return false;
        }
        if (!parse_string(p, &m.key, &m.key_len))
            return false;
        skip_ws(p);
        if (peek(p) != ':') {
            fail_unexpected(p, "expected ':' after object key");
            return false;
        }
        p->pos++;
        skip_ws(p);
        if (!parse_value(p, &m.value) || !push_member(p, &m))
            return false;
        skip_ws(p);
        int c = peek(p);
        p->pos++;
        if (c == '}')
            return close_container(p, mark, v, true);
        if (c != ',') {
            p->pos--;
            fail_unexpected(p, "expected ',' or '}' in object");
            return false;
        }
    }
}

static bool parse_value(jr_parser *p, jr_value *v) {
    switch (peek(p)) {
    case '{':
    case '[': {
        if (p->depth >= JR_MAX_DEPTH) {
            fail_at(p, p->pos, "nesting deeper than %d levels", JR_MAX_DEPTH);
            return false;
        }
        p->depth++;
        bool ok = peek(p) == '{' ? parse_object(p, v) : parse_array(p, v);
        p->depth--;
        return ok;
    }
    case '"': v->type = JR_STRING; return parse_string(p, &v->text, &v->len);
    case 't': return parse_literal(p, "true", v, JR_BOOL, true);
    case 'f': return parse_literal(p, "false", v, JR_BOOL, false);
    case 'n': return parse_literal(p, "null", v, JR_NULL, false);
    case -1:
        fail_at(p, p->pos,
                p->pos == 0 ? "empty input"
                            : "expected a value, "
                              "found end of input");
        return false;
    default:
        if (peek(p) == '-' || is_digit(peek(p)))
            return parse_number(p, v);
        fail_unexpected(p, "expected a value");
        return false;
    }
}

/* ---- public API ---------------------------------------------------------- */

jr_doc *jr_parse(const char *text, size_t len, jr_error *err) {
    jr_parser p = {0};
    p.s = text ? text : "";
    p.len = text ? len : 0;
    p.err = err;
    p.doc = calloc(1, sizeof *p.doc);
    if (!p.doc) {
        fail_at(&p, 0, "out of memory");
        return NULL;
    }
    skip_ws(&p);
    bool ok = parse_value(&p, &p.doc->root);
    if (ok) {
        skip_ws(&p);
        if (p.pos < p.len) {
            fail_unexpected(&p, "expected end of input after the value");
            ok = false;
        }
    }
    free(p.stack);
    if (!ok) {
        jr_free(p.doc);
        return NULL;
    }
    return p.doc;
}

void jr_free(jr_doc *doc) {
    if (!doc)
        return;
    jr_block *b = doc->blocks;
    while (b) {
        jr_block *next = b->next;
        free(b);
        b = next;
    }
    free(doc);
}

const jr_value *jr_root(const jr_doc *doc) {
    return doc ? &doc->root : NULL;
}

jr_type jr_type_of(const jr_value *v) {
    return v ? v->type : JR_NULL;
}

bool jr_bool(const jr_value *v) {
    return v && v->type == JR_BOOL && v->b;
}

double jr_number(const jr_value *v) {
    return v && v->type == JR_NUMBER ? v->num : 0;
}

const char *jr_string(const jr_value *v, size_t *len) {
    if (!v || v->type != JR_STRING) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = v->len;
    return v->text;
}

const char *jr_number_text(const jr_value *v, size_t *len) {
    if (!v || v->type != JR_NUMBER) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = v->len;
    return v->text;
}

/* Decimal digits only (after an optional '-' when allowed), no overflow. */
static bool digits_to_u64(const char *s, size_t n, uint64_t *out) {
    if (n == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* The integer text of v (number literal or string), or NULL. */
static const char *int_text(const jr_value *v, size_t *n) {
    if (!v || (v->type != JR_NUMBER && v->type != JR_STRING))
        return NULL;
    *n = v->len;
    return v->text;
}

bool jr_as_u64(const jr_value *v, uint64_t *out) {
    size_t n;
    const char *s = int_text(v, &n);
    return s && digits_to_u64(s, n, out);
}

bool jr_as_i64(const jr_value *v, int64_t *out) {
    size_t n;
    const char *s = int_text(v, &n);
    if (!s)
        return false;
    bool neg = n > 0 && s[0] == '-';
    uint64_t u;
    if (!digits_to_u64(s + neg, n - neg, &u))
        return false;
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1)
            return false;
        *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)u;
    }
    return true;
}

size_t jr_len(const jr_value *v) {
    return v && (v->type == JR_ARRAY || v->type == JR_OBJECT) ? v->len : 0;
}

const jr_value *jr_at(const jr_value *v, size_t i) {
    if (!v || v->type != JR_ARRAY || i >= v->len)
        return NULL;
    return &((const jr_value *)v->kids)[i];
}

const jr_value *jr_get(const jr_value *v, const char *key) {
    if (!v || v->type != JR_OBJECT || !key)
        return NULL;
    const jr_member *m = v->kids;
    size_t klen = strlen(key);
    for (size_t i = v->len; i-- > 0;)
        if (m[i].key_len == klen && memcmp(m[i].key, key, klen) == 0)
            return &m[i].value;
    return NULL;
}

const char *jr_member_key(const jr_value *v, size_t i, size_t *len) {
    if (!v || v->type != JR_OBJECT || i >= v->len) {
        if (len)
            *len = 0;
        return NULL;
    }
    const jr_member *m = &((const jr_member *)v->kids)[i];
    if (len)
        *len = m->key_len;
    return m->key;
}

const jr_value *jr_member_value(const jr_value *v, size_t i) {
    if (!v || v->type != JR_OBJECT || i >= v->len)
        return NULL;
    return &((const jr_member *)v->kids)[i].value;
}
