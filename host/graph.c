/* Graph files: reads the JSON strictly (own scanner for the grammar, the
 * limits and the positions; cJSON for the tree), checks the graph against
 * the registry, applies --set overrides, resolves the generic "load" and
 * "save" nodes, and orders the nodes. Every error names the file and a
 * JSON pointer; every pass is iterative, so a 10000-node chain or a
 * 10000-level nesting costs no stack. See docs/graph-format.md. */
#include "graph.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "jsonptr.h"

#define GRAPH_FORMAT 1
#define MAX_SAFE_INT 9007199254740992.0 /* 2^53: doubles are exact below */
#define QUOTE_MAX    240                /* bytes of user text in a message */
#define LIST_MAX     400                /* bytes of a "known names" list */

/* ------------------------------------------------------------------------ */
/* Arenas: everything a graph owns lives in one, freed at once              */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block;

typedef struct arena {
    arena_block *head;
} arena;

/* Returns `size` zeroed bytes, or NULL when out of memory. */
static void *arena_alloc(arena *a, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > (64u << 10) ? size : (64u << 10);
        b = malloc(sizeof(*b) + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    char *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

static char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_block *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

/* The graph as handed out, with what only this file sees. */
typedef struct graph_full {
    graph g; /* first: graph_free() casts back */
    arena mem;
    graph_export *exports;
    size_t n_exports;
    char *description;
} graph_full;

/* ------------------------------------------------------------------------ */
/* The checking context                                                     */

typedef struct pnode {
    const cJSON *json;
    const cJSON *params_j; /* NULL when absent */
    const cJSON *inputs_j; /* NULL when absent */
    const char *type_name; /* as written */
    const char *ptr;       /* "/nodes/<id>", in the graph's arena */
    int32_t ex_head;       /* first export target naming this node, -1 */
    int32_t ex_tail;       /* last one, -1 */
    int32_t set_head;      /* first --set naming this node, -1 */
} pnode;

typedef struct pexport {
    const char *name;
    const char *ptr;    /* "/params/<name>" */
    const cJSON *def_j; /* NULL when absent */
    const char *doc;
    uint32_t t0;  /* its first target in ctx.tg; the others follow */
    uint32_t n_t; /* its number of targets, at least 1 */
    int multi;    /* given as "targets" rather than "node"/"param" */
} pexport;

/* One node parameter an exported parameter sets. */
typedef struct ptarget {
    uint32_t ex;      /* the export */
    uint32_t ordinal; /* its place in the export's targets */
    const char *ptr;  /* "/params/<name>" or "/params/<name>/targets/<i>" */
    const char *param_name;
    uint32_t node;
    int32_t param; /* index in the node's kind, -1 until resolved */
    int32_t next;  /* next target naming the same node */
} ptarget;

typedef struct pset {
    const char *text;       /* as given */
    const char *param_name; /* into `buf` */
    const char *value;      /* into `buf` */
    const char *where;      /* "<param pointer> (--set text)" */
    uint32_t node;
    int32_t export; /* the export it gives, -1 for node.param */
    int32_t next;   /* next set naming the same node */
} pset;

typedef struct idref {
    const char *id;
    uint32_t index;
} idref;

typedef struct ctx {
    const char *file;
    const registry *reg;
    diag *d;
    graph_full *gf;
    arena tmp; /* freed when graph_parse returns */
    int oom;
    cJSON *root;
    pnode *pn;
    uint32_t n;
    idref *by_id; /* node ids sorted, with their indices */
    pexport *ex;
    uint32_t n_ex;
    ptarget *tg; /* every export's targets, export by export */
    uint32_t n_tg, tg_cap;
    pset *sets; /* one per --set and target it sets */
    size_t n_sets, sets_cap;
    uint32_t nul_ordinal; /* string number holding \u0000, 0 if none */
    char qbuf[8][QUOTE_MAX * 2 + 16];
    unsigned qi;
} ctx;

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */

/* Length of the valid UTF-8 sequence at s (up to `n` bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return len;
}

/* Nonzero when s[0..n) is valid UTF-8; else stores the bad byte's offset. */
static int utf8_valid(const char *s, size_t n, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq(u + i, n - i);
        if (!l) {
            *bad = i;
            return 0;
        }
        i += l;
    }
    return 1;
}

static char *qslot(ctx *c)
{
    char *b = c->qbuf[c->qi];
    c->qi = (c->qi + 1) % 8;
    return b;
}

/* User text made safe for a one-line message: control characters escaped,
 * invalid UTF-8 shown as \xNN, long text cut with "...". Valid until eight
 * more calls. */
static const char *q(ctx *c, const char *s)
{
    char *out = qslot(c);
    size_t o = 0, n = strlen(s);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (o >= QUOTE_MAX) {
            memcpy(out + o, "...", 4);
            return out;
        }
        size_t l = utf8_seq(u + i, n - i);
        if (l == 1 && (u[i] < 0x20 || u[i] == 0x7F)) {
            const char *e = u[i] == '\n'   ? "\\n"
                            : u[i] == '\t' ? "\\t"
                            : u[i] == '\r' ? "\\r"
                                           : NULL;
            if (e)
                o += (size_t)snprintf(out + o, 8, "%s", e);
            else
                o += (size_t)snprintf(out + o, 8, "\\u%04x", u[i]);
            i++;
        } else if (l == 0) {
            o += (size_t)snprintf(out + o, 8, "\\x%02x", u[i]);
            i++;
        } else {
            memcpy(out + o, u + i, l);
            o += l;
            i += l;
        }
    }
    out[o] = 0;
    return out;
}

/* The C locale, for number text that must not depend on setlocale(). */
static locale_t c_loc;
static pthread_once_t c_loc_once = PTHREAD_ONCE_INIT;

static void c_loc_init(void)
{
    c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t c_locale(void)
{
    pthread_once(&c_loc_once, c_loc_init);
    return c_loc;
}

/* strtod in the C locale; `s` is already checked against the grammar. */
static double c_strtod(const char *s)
{
    locale_t loc = c_locale(), old = (locale_t)0;
    if (loc)
        old = uselocale(loc);
    double v = strtod(s, NULL);
    if (loc)
        uselocale(old);
    return v;
}

/* The shortest text that reads back as x, in the C locale. */
static void fmt_num(char *buf, size_t cap, double x)
{
    if (!isfinite(x)) {
        snprintf(buf, cap, "a number too large to represent");
        return;
    }
    locale_t loc = c_locale(), old = (locale_t)0;
    if (loc)
        old = uselocale(loc);
    if (x == floor(x) && fabs(x) < 1e17) {
        snprintf(buf, cap, "%.0f", x); /* 100, not 1e+02 */
    } else {
        for (int p = 1; p <= 17; p++) {
            snprintf(buf, cap, "%.*g", p, x);
            if (strtod(buf, NULL) == x)
                break;
        }
    }
    if (loc)
        uselocale(old);
}

static const char *num(ctx *c, double x)
{
    char *b = qslot(c);
    fmt_num(b, 64, x);
    return b;
}

/* How a JSON value reads in "got ..." */
static const char *got(ctx *c, const cJSON *j)
{
    char *b;
    if (cJSON_IsNumber(j))
        return num(c, j->valuedouble);
    if (cJSON_IsString(j)) {
        const char *s = q(c, j->valuestring);
        b = qslot(c);
        snprintf(b, QUOTE_MAX * 2 + 16, "'%s'", s);
        return b;
    }
    if (cJSON_IsTrue(j))
        return "true";
    if (cJSON_IsFalse(j))
        return "false";
    if (cJSON_IsNull(j))
        return "null";
    if (cJSON_IsArray(j))
        return "an array";
    return "an object";
}

/* Records an error "<file>: <where>: <message>" (no pointer for the whole
 * document) and returns `code`. After an allocation failure the message is
 * "out of memory" instead, since pointers may then be incomplete. */
__attribute__((format(printf, 4, 5))) static int
fail(ctx *c, int code, const char *where, const char *fmt, ...)
{
    char msg[DIAG_MSG_MAX];
    va_list ap;
    if (c->oom)
        return diag_set(c->d, EXIT_INTERNAL, "%s: out of memory", c->file);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (where && *where)
        return diag_set(c->d, code, "%s: %s: %s", c->file, q(c, where), msg);
    return diag_set(c->d, code, "%s: %s", c->file, msg);
}

static int oom(ctx *c)
{
    c->oom = 1;
    return fail(c, EXIT_INTERNAL, NULL, "out of memory");
}

/* base + "/" + escaped token, in the temporary arena ("" when out of
 * memory, which fail() then reports). */
static const char *join(ctx *c, const char *base, const char *token)
{
    size_t b = strlen(base), n = jsonptr_escape(NULL, 0, token);
    char *s = arena_alloc(&c->tmp, b + n + 2);
    if (!s) {
        c->oom = 1;
        return "";
    }
    memcpy(s, base, b);
    s[b] = '/';
    jsonptr_escape(s + b + 1, n + 1, token);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Suggestions                                                              */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Optimal-string-alignment distance, case-insensitive; strings longer than
 * 64 bytes are never close. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t rows[3][66];
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t *pp = rows[0], *p = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        p[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            size_t v = p[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (p[j - 1] + cost < v)
                v = p[j - 1] + cost;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
        }
        size_t *t = pp;
        pp = p;
        p = cur;
        cur = t;
    }
    return p[lb];
}

/* Collects candidate names and picks the closest one that is close. */
typedef struct suggest {
    const char *want;
    const char *best;
    size_t best_d;
    char list[LIST_MAX + 32];
    size_t list_len;
    size_t n;
} suggest;

static void sg_init(suggest *s, const char *want)
{
    memset(s, 0, sizeof(*s));
    s->want = want;
    s->best_d = (size_t)-1;
}

static void sg_add(suggest *s, const char *name)
{
    size_t d = distance(s->want, name);
    size_t len = strlen(s->want), longer = strlen(name);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    if (len > longer)
        longer = len;
    /* close, and not a complete rewrite ('q' is not a typo of 's') */
    if (d <= limit && d < longer && d < s->best_d) {
        s->best_d = d;
        s->best = name;
    }
    if (s->list_len < LIST_MAX) {
        int w = snprintf(s->list + s->list_len, sizeof(s->list) - s->list_len,
                         "%s%s", s->n ? ", " : "", name);
        s->list_len += w > 0 ? (size_t)w : 0;
        if (s->list_len >= LIST_MAX) {
            snprintf(s->list + LIST_MAX, sizeof(s->list) - LIST_MAX, ", ...");
            s->list_len = LIST_MAX + 5;
        }
    }
    s->n++;
}

/* " (did you mean 'x'?)", or " (<what>: a, b, c)", or " (<none>)". */
static const char *sg_hint(ctx *c, suggest *s, const char *what,
                           const char *none)
{
    char *b = qslot(c);
    if (s->best)
        snprintf(b, QUOTE_MAX * 2 + 16, " (did you mean '%s'?)", s->best);
    else if (s->n && what)
        snprintf(b, QUOTE_MAX * 2 + 16, " (%s: %.*s)", what, QUOTE_MAX * 2 - 32,
                 s->list);
    else if (!s->n && none)
        snprintf(b, QUOTE_MAX * 2 + 16, " (%s)", none);
    else
        b[0] = 0;
    return b;
}

/* ------------------------------------------------------------------------ */
/* The scanner: strict RFC 8259 grammar, nesting limit, exact positions     */

static void line_col(const char *s, size_t off, unsigned long *line,
                     unsigned long *col)
{
    unsigned long l = 1, k = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') {
            l++;
            k = 1;
        } else if ((ch & 0xC0) != 0x80) {
            k++; /* columns count characters, not bytes */
        }
    }
    *line = l;
    *col = k;
}

typedef struct scanner {
    const char *s;
    size_t n;
    uint32_t ordinal; /* strings seen, keys included */
} scanner;

static int scan_fail(ctx *c, scanner *sc, size_t off, const char *why)
{
    unsigned long line, col;
    line_col(sc->s, off, &line, &col);
    return fail(c, EXIT_GRAPH, NULL, "invalid JSON at line %lu, column %lu: %s",
                line, col, why);
}

static int hex4(const scanner *sc, size_t i, unsigned *out)
{
    unsigned v = 0;
    if (i > sc->n || sc->n - i < 4)
        return 0;
    for (size_t k = 0; k < 4; k++) {
        char ch = sc->s[i + k];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (lower(ch) >= 'a' && lower(ch) <= 'f')
            d = (unsigned)(lower(ch) - 'a' + 10);
        else
            return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

static int scan_string(ctx *c, scanner *sc, size_t *pi)
{
    size_t start = *pi, i = start + 1;
    sc->ordinal++;
    for (;;) {
        if (i >= sc->n)
            return scan_fail(c, sc, start, "unterminated string");
        unsigned char ch = (unsigned char)sc->s[i];
        if (ch == '"') {
            *pi = i + 1;
            return 0;
        }
        if (ch < 0x20)
            return scan_fail(c, sc, i,
                             "control character in a string (write it as "
                             "an escape such as \\n or \\u0009)");
        if (ch != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= sc->n)
            return scan_fail(c, sc, start, "unterminated string");
        ch = (unsigned char)sc->s[i + 1];
        if (ch == '"' || ch == '\\' || ch == '/' || ch == 'b' || ch == 'f' ||
            ch == 'n' || ch == 'r' || ch == 't') {
            i += 2;
            continue;
        }
        if (ch != 'u')
            return scan_fail(c, sc, i, "invalid escape in a string");
        unsigned v, lo;
        if (!hex4(sc, i + 2, &v))
            return scan_fail(c, sc, i,
                             "invalid \\u escape (expected 4 hex digits)");
        if (v >= 0xDC00 && v <= 0xDFFF)
            return scan_fail(c, sc, i, "unpaired surrogate in a \\u escape");
        if (v >= 0xD800 && v <= 0xDBFF) {
            if (i + 7 >= sc->n || sc->s[i + 6] != '\\' || sc->s[i + 7] != 'u' ||
                !hex4(sc, i + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                return scan_fail(c, sc, i,
                                 "unpaired surrogate in a \\u escape");
            i += 6;
        }
        if (v == 0 && !c->nul_ordinal)
            c->nul_ordinal = sc->ordinal;
        i += 6;
    }
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Length of the JSON number at s[0..n), 0 if there is none. */
static size_t number_len(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && s[i] >= '1' && s[i] <= '9') {
        while (i < n && is_digit(s[i]))
            i++;
    } else {
        return 0;
    }
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    return i;
}

static int number_char(char ch)
{
    return is_digit(ch) || ch == '.' || ch == '+' || ch == '-' ||
           (lower(ch) >= 'a' && lower(ch) <= 'z');
}

enum {
    ST_VALUE,          /* a value must come */
    ST_VALUE_OR_CLOSE, /* after '[' */
    ST_KEY_OR_CLOSE,   /* after '{' */
    ST_KEY,            /* after ',' in an object */
    ST_COLON,          /* after a key */
    ST_NEXT,           /* after a value inside a container */
    ST_DONE,           /* after the top-level value */
};

/* Checks the whole text; the first problem is recorded with its line and
 * column. Deep nesting is a limit (EXIT_LIMIT), found before any
 * recursion could happen. */
static int scan_json(ctx *c, scanner *sc)
{
    char stack[GRAPH_MAX_DEPTH];
    uint32_t depth = 0;
    int st = ST_VALUE;
    size_t i = 0;
    const char *s = sc->s;
    for (;;) {
        while (i < sc->n &&
               (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i >= sc->n) {
            if (st == ST_DONE)
                return 0;
            return scan_fail(c, sc, i, "unexpected end of file");
        }
        char ch = s[i];
        if (st == ST_DONE)
            return scan_fail(c, sc, i,
                             "unexpected text after the top-level value");
        if (st == ST_COLON) {
            if (ch != ':')
                return scan_fail(c, sc, i, "expected ':' after an object key");
            i++;
            st = ST_VALUE;
            continue;
        }
        if ((st == ST_KEY_OR_CLOSE && ch == '}') ||
            (st == ST_VALUE_OR_CLOSE && ch == ']') ||
            (st == ST_NEXT && ch == (stack[depth - 1] == '{' ? '}' : ']'))) {
            depth--;
            i++;
            st = depth ? ST_NEXT : ST_DONE;
            continue;
        }
        if (st == ST_NEXT) {
            if (ch != ',')
                return scan_fail(c, sc, i,
                                 stack[depth - 1] == '{'
                                     ? "expected ',' or '}' after a value"
                                     : "expected ',' or ']' after a value");
            i++;
            st = stack[depth - 1] == '{' ? ST_KEY : ST_VALUE;
            continue;
        }
        if (st == ST_KEY || st == ST_KEY_OR_CLOSE) {
            if (ch != '"')
                return scan_fail(c, sc, i,
                                 st == ST_KEY ? "expected a string key"
                                              : "expected a string key or '}'");
            if (scan_string(c, sc, &i))
                return c->d->code;
            st = ST_COLON;
            continue;
        }
        /* A value. */
        if (ch == '{' || ch == '[') {
            unsigned long line, col;
            if (depth >= GRAPH_MAX_DEPTH) {
                line_col(s, i, &line, &col);
                return fail(c, EXIT_LIMIT, NULL,
                            "JSON nested deeper than the limit of %u levels "
                            "at line %lu, column %lu",
                            GRAPH_MAX_DEPTH, line, col);
            }
            stack[depth++] = ch;
            i++;
            st = ch == '{' ? ST_KEY_OR_CLOSE : ST_VALUE_OR_CLOSE;
            continue;
        }
        if (ch == '"') {
            if (scan_string(c, sc, &i))
                return c->d->code;
        } else if (ch == '-' || is_digit(ch)) {
            size_t len = number_len(s + i, sc->n - i);
            if (!len || (i + len < sc->n && number_char(s[i + len])))
                return scan_fail(c, sc, i, "invalid number");
            i += len;
        } else {
            static const char *const lits[] = {"true", "false", "null"};
            size_t k, len = 0;
            for (k = 0; k < 3; k++) {
                len = strlen(lits[k]);
                if (sc->n - i >= len && memcmp(s + i, lits[k], len) == 0 &&
                    (i + len >= sc->n || !number_char(s[i + len])))
                    break;
            }
            if (k == 3)
                return scan_fail(c, sc, i, "expected a value");
            i += len;
        }
        st = depth ? ST_NEXT : ST_DONE;
    }
}

/* ------------------------------------------------------------------------ */
/* The tree walk: strings and duplicate keys, with pointers                 */

static int check_string(ctx *c, const char *s, uint32_t ordinal,
                        const char *ptr, int is_key)
{
    const char *what = is_key ? "key" : "string";
    size_t len = strlen(s), bad;
    if (ordinal == c->nul_ordinal)
        return fail(c, EXIT_GRAPH, ptr, "%s contains a NUL character (\\u0000)",
                    what);
    if (len > GRAPH_MAX_STRING)
        return fail(c, EXIT_GRAPH, ptr,
                    "%s of %zu bytes is longer than the limit of %u bytes",
                    what, len, GRAPH_MAX_STRING);
    if (!utf8_valid(s, len, &bad))
        return fail(c, EXIT_GRAPH, ptr,
                    "%s is not valid UTF-8 (byte 0x%02x at offset %zu)", what,
                    (unsigned char)s[bad], bad);
    return 0;
}

typedef struct keyref {
    const char *key;
    size_t index;
} keyref;

static int keyref_cmp(const void *a, const void *b)
{
    const keyref *x = a, *y = b;
    int r = strcmp(x->key, y->key);
    if (r)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Finds the first key (in file order) that repeats an earlier one. */
static int check_dups(ctx *c, const cJSON *obj, const char *ptr)
{
    size_t n = 0;
    const char *dup = NULL;
    for (const cJSON *it = obj->child; it; it = it->next)
        n++;
    if (n < 2)
        return 0;
    if (n <= 16) {
        for (const cJSON *b = obj->child; b && !dup; b = b->next)
            for (const cJSON *a = obj->child; a != b; a = a->next)
                if (strcmp(a->string, b->string) == 0) {
                    dup = b->string;
                    break;
                }
    } else {
        keyref *refs = malloc(n * sizeof(*refs));
        size_t k = 0, best = (size_t)-1;
        if (!refs)
            return oom(c);
        for (const cJSON *it = obj->child; it; it = it->next, k++) {
            refs[k].key = it->string;
            refs[k].index = k;
        }
        qsort(refs, n, sizeof(*refs), keyref_cmp);
        for (k = 1; k < n; k++)
            if (strcmp(refs[k].key, refs[k - 1].key) == 0 &&
                (k < 2 || strcmp(refs[k].key, refs[k - 2].key) != 0) &&
                refs[k].index < best) {
                best = refs[k].index;
                dup = refs[k].key;
            }
        free(refs);
    }
    if (dup)
        return fail(c, EXIT_GRAPH, ptr, "duplicate key '%s'", q(c, dup));
    return 0;
}

/* Visits every value in file order (the order the scanner counted the
 * strings in) with an explicit stack no deeper than the nesting limit. */
static int walk_tree(ctx *c)
{
    struct frame {
        const cJSON *next;
        size_t base;  /* pointer length of the container */
        size_t index; /* array index of `next` */
        int is_obj;
    } stack[GRAPH_MAX_DEPTH + 1];
    size_t sp = 0;
    uint32_t ordinal = 0;
    int rc = 0;
    jsonptr p;
    jsonptr_init(&p);
    if (check_dups(c, c->root, ""))
        return c->d->code;
    stack[sp++] = (struct frame){c->root->child, 0, 0, 1};
    while (sp > 0 && !rc) {
        struct frame *f = &stack[sp - 1];
        const cJSON *it = f->next;
        if (!it) {
            sp--;
            continue;
        }
        f->next = it->next;
        jsonptr_pop(&p, f->base);
        if (f->is_obj)
            jsonptr_push(&p, it->string);
        else
            jsonptr_push_index(&p, f->index++);
        if (p.failed) {
            rc = oom(c);
            break;
        }
        if (f->is_obj &&
            check_string(c, it->string, ++ordinal, jsonptr_str(&p), 1)) {
            rc = c->d->code;
            break;
        }
        if (cJSON_IsString(it)) {
            if (check_string(c, it->valuestring, ++ordinal, jsonptr_str(&p), 0))
                rc = c->d->code;
        } else if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
            if (cJSON_IsObject(it) && check_dups(c, it, jsonptr_str(&p))) {
                rc = c->d->code;
            } else if (sp > GRAPH_MAX_DEPTH) {
                rc = fail(c, EXIT_INTERNAL, jsonptr_str(&p),
                          "nested deeper than the scanner allowed");
            } else {
                stack[sp++] =
                    (struct frame){it->child, p.len, 0, cJSON_IsObject(it)};
            }
        }
    }
    jsonptr_free(&p);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Structure: the root, nodes, exported parameters                          */

static const cJSON *get(const cJSON *obj, const char *key)
{
    for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next)
        if (strcmp(it->string, key) == 0)
            return it;
    return NULL;
}

/* Rejects keys of `obj` not in `known` (NULL-terminated). */
static int check_keys(ctx *c, const cJSON *obj, const char *ptr,
                      const char *const *known)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t k;
        for (k = 0; known[k]; k++)
            if (strcmp(it->string, known[k]) == 0)
                break;
        if (known[k])
            continue;
        suggest sg;
        sg_init(&sg, it->string);
        for (k = 0; known[k]; k++)
            sg_add(&sg, known[k]);
        return fail(c, EXIT_GRAPH, join(c, ptr, it->string),
                    "unknown key '%s'%s", q(c, it->string),
                    sg_hint(c, &sg, "known keys", NULL));
    }
    return 0;
}

/* Node ids and exported names: 1..GRAPH_MAX_ID of [A-Za-z0-9_-]. */
static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > GRAPH_MAX_ID)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              is_digit(ch) || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

static int idref_cmp(const void *a, const void *b)
{
    return strcmp(((const idref *)a)->id, ((const idref *)b)->id);
}

/* The index of node `id` (of `len` bytes), -1 if none. */
static int32_t find_node(const ctx *c, const char *id, size_t len)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *k = c->by_id[mid].id;
        int r = strncmp(k, id, len);
        if (r == 0 && k[len] != 0)
            r = 1;
        if (r == 0)
            return (int32_t)c->by_id[mid].index;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* " (did you mean 'x'?)" over the node ids. */
static const char *node_hint(ctx *c, const char *id)
{
    suggest sg;
    sg_init(&sg, id);
    for (uint32_t i = 0; i < c->n; i++)
        sg_add(&sg, c->pn[i].json->string);
    return sg_hint(c, &sg, NULL, NULL);
}

static int read_root(ctx *c)
{
    static const char *const keys[] = {"uberhost", "nodes", "params",
                                       "description", NULL};
    const cJSON *v = get(c->root, "uberhost");
    if (!v)
        return fail(c, EXIT_GRAPH, "/uberhost",
                    "missing: the graph format number (this uberhost reads "
                    "format %d: add \"uberhost\": %d)",
                    GRAPH_FORMAT, GRAPH_FORMAT);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return fail(c, EXIT_GRAPH, "/uberhost",
                    "expected the graph format number (an integer; this "
                    "uberhost reads format %d), got %s",
                    GRAPH_FORMAT, got(c, v));
    if (v->valuedouble != GRAPH_FORMAT)
        return fail(c, EXIT_GRAPH, "/uberhost",
                    "graph format %s is not supported (this uberhost reads "
                    "format %d)",
                    num(c, v->valuedouble), GRAPH_FORMAT);
    if (check_keys(c, c->root, "", keys))
        return c->d->code;
    v = get(c->root, "description");
    if (v && !cJSON_IsString(v))
        return fail(c, EXIT_GRAPH, "/description", "expected a string, got %s",
                    got(c, v));
    if (v && !(c->gf->description = arena_strdup(&c->gf->mem, v->valuestring)))
        return oom(c);
    return 0;
}

static int read_nodes(ctx *c)
{
    static const char *const keys[] = {"type", "params", "inputs", NULL};
    const cJSON *nodes = get(c->root, "nodes");
    uint32_t n = 0;
    if (!nodes)
        return fail(c, EXIT_GRAPH, NULL,
                    "missing key 'nodes' (an object of node id to node) at "
                    "the top level");
    if (!cJSON_IsObject(nodes))
        return fail(c, EXIT_GRAPH, "/nodes",
                    "expected an object of node id to node, got %s",
                    got(c, nodes));
    for (const cJSON *it = nodes->child; it; it = it->next)
        if (++n > GRAPH_MAX_NODES) {
            while (it->next) {
                it = it->next;
                n++;
            }
            return fail(c, EXIT_LIMIT, "/nodes",
                        "%u nodes, more than the limit of %u", n,
                        GRAPH_MAX_NODES);
        }
    if (n == 0)
        return fail(c, EXIT_GRAPH, "/nodes", "the graph has no nodes");
    c->pn = calloc(n, sizeof(*c->pn));
    c->by_id = malloc(n * sizeof(*c->by_id));
    if (!c->pn || !c->by_id)
        return oom(c);
    c->n = n;
    uint32_t i = 0;
    for (const cJSON *it = nodes->child; it; it = it->next, i++) {
        pnode *pn = &c->pn[i];
        const char *ptr = join(c, "/nodes", it->string);
        pn->json = it;
        pn->ex_head = pn->ex_tail = pn->set_head = -1;
        if (!(pn->ptr = arena_strdup(&c->gf->mem, ptr)))
            return oom(c);
        if (!valid_id(it->string))
            return fail(c, EXIT_GRAPH, ptr,
                        "node id '%s' is not valid: use 1 to %u letters, "
                        "digits, '_' or '-'",
                        q(c, it->string), GRAPH_MAX_ID);
        if (!cJSON_IsObject(it))
            return fail(c, EXIT_GRAPH, ptr,
                        "expected an object (a node with \"type\"), got %s",
                        got(c, it));
        if (check_keys(c, it, ptr, keys))
            return c->d->code;
        const cJSON *t = get(it, "type");
        if (!t)
            return fail(c, EXIT_GRAPH, ptr, "missing key 'type'");
        if (!cJSON_IsString(t))
            return fail(c, EXIT_GRAPH, join(c, ptr, "type"),
                        "expected a string (a node type), got %s", got(c, t));
        pn->type_name = t->valuestring;
        pn->params_j = get(it, "params");
        if (pn->params_j && !cJSON_IsObject(pn->params_j))
            return fail(c, EXIT_GRAPH, join(c, ptr, "params"),
                        "expected an object of parameter name to value, got "
                        "%s",
                        got(c, pn->params_j));
        pn->inputs_j = get(it, "inputs");
        if (pn->inputs_j && !cJSON_IsObject(pn->inputs_j))
            return fail(c, EXIT_GRAPH, join(c, ptr, "inputs"),
                        "expected an object of input name to source (\"node\" "
                        "or \"node.port\"), got %s",
                        got(c, pn->inputs_j));
        c->by_id[i] = (idref){it->string, i};
    }
    qsort(c->by_id, n, sizeof(*c->by_id), idref_cmp);
    return 0;
}

/* Adds a target of export `ex` for the {"node": id, "param": name} in
 * `obj`, whose pointer is `ptr`. */
static int read_target(ctx *c, uint32_t ex, uint32_t ordinal, const cJSON *obj,
                       const char *ptr)
{
    const cJSON *nd = get(obj, "node"), *pa = get(obj, "param");
    if (!nd)
        return fail(c, EXIT_GRAPH, ptr, "missing key 'node'");
    if (!cJSON_IsString(nd))
        return fail(c, EXIT_GRAPH, join(c, ptr, "node"),
                    "expected a string (a node id), got %s", got(c, nd));
    if (!pa)
        return fail(c, EXIT_GRAPH, ptr, "missing key 'param'");
    if (!cJSON_IsString(pa))
        return fail(c, EXIT_GRAPH, join(c, ptr, "param"),
                    "expected a string (a parameter name), got %s", got(c, pa));
    int32_t node = find_node(c, nd->valuestring, strlen(nd->valuestring));
    if (node < 0)
        return fail(c, EXIT_GRAPH, join(c, ptr, "node"), "unknown node '%s'%s",
                    q(c, nd->valuestring), node_hint(c, nd->valuestring));
    if (c->n_tg == c->tg_cap) {
        uint32_t cap = c->tg_cap ? c->tg_cap * 2 : 16;
        ptarget *t = realloc(c->tg, cap * sizeof(*t));
        if (!t)
            return oom(c);
        c->tg = t;
        c->tg_cap = cap;
    }
    ptarget *t = &c->tg[c->n_tg];
    t->ex = ex;
    t->ordinal = ordinal;
    t->ptr = ptr;
    t->param_name = pa->valuestring;
    t->node = (uint32_t)node;
    t->param = -1;
    t->next = -1;
    /* Append, so each node's list stays in file order. */
    pnode *pn = &c->pn[node];
    if (pn->ex_tail >= 0)
        c->tg[pn->ex_tail].next = (int32_t)c->n_tg;
    else
        pn->ex_head = (int32_t)c->n_tg;
    pn->ex_tail = (int32_t)c->n_tg++;
    return 0;
}

typedef struct tref {
    uint32_t node;
    const char *param;
    uint32_t index; /* into ctx.tg, i.e. file order */
} tref;

static int tref_cmp(const void *a, const void *b)
{
    const tref *x = a, *y = b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    int r = strcmp(x->param, y->param);
    if (r)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* A node parameter may be exported once. Reports the first target, in file
 * order, that repeats an earlier one, naming the earliest; sorting keeps
 * this O(n log n) for graphs with very many exports. */
static int check_duplicates(ctx *c)
{
    if (c->n_tg < 2)
        return 0;
    tref *r = malloc(c->n_tg * sizeof(*r));
    if (!r)
        return oom(c);
    for (uint32_t i = 0; i < c->n_tg; i++)
        r[i] = (tref){c->tg[i].node, c->tg[i].param_name, i};
    qsort(r, c->n_tg, sizeof(*r), tref_cmp);
    int64_t dup = -1, orig = -1;
    for (uint32_t g = 0, i = 1; i < c->n_tg; i++) {
        if (r[i].node != r[g].node || strcmp(r[i].param, r[g].param) != 0) {
            g = i;
            continue;
        }
        if (i == g + 1 && (dup < 0 || r[i].index < dup)) {
            dup = r[i].index;
            orig = r[g].index;
        }
    }
    free(r);
    if (dup < 0)
        return 0;
    const ptarget *t = &c->tg[dup], *o = &c->tg[orig];
    const char *id = c->pn[t->node].json->string;
    if (o->ex == t->ex)
        return fail(c, EXIT_GRAPH, t->ptr,
                    "node '%s' parameter '%s' is already target %u of '%s'", id,
                    q(c, t->param_name), o->ordinal, c->ex[t->ex].name);
    return fail(c, EXIT_GRAPH, t->ptr,
                "node '%s' parameter '%s' is already exported as '%s'", id,
                q(c, t->param_name), c->ex[o->ex].name);
}

static int read_exports(ctx *c)
{
    /* "targets" never reaches the key check of the node/param form (the
     * two forms are refused together first); it is listed so that a typo
     * of it gets its hint. */
    static const char *const keys[] = {"node", "param",   "default",
                                       "doc",  "targets", NULL};
    static const char *const mkeys[] = {"targets", "default", "doc", NULL};
    const cJSON *params = get(c->root, "params");
    uint32_t n = 0, i = 0;
    if (!params)
        return 0;
    if (!cJSON_IsObject(params))
        return fail(c, EXIT_GRAPH, "/params",
                    "expected an object of exported parameter name to "
                    "{\"node\": id, \"param\": name}, got %s",
                    got(c, params));
    for (const cJSON *it = params->child; it; it = it->next)
        n++;
    if (n == 0)
        return 0;
    if (!(c->ex = calloc(n, sizeof(*c->ex))))
        return oom(c);
    for (const cJSON *it = params->child; it; it = it->next, i++) {
        pexport *e = &c->ex[i];
        const char *ptr = join(c, "/params", it->string);
        e->name = it->string;
        e->ptr = ptr;
        e->t0 = c->n_tg;
        c->n_ex = i + 1; /* read_target() names earlier exports */
        if (!valid_id(it->string))
            return fail(c, EXIT_GRAPH, ptr,
                        "exported parameter name '%s' is not valid: use 1 to "
                        "%u letters, digits, '_' or '-'",
                        q(c, it->string), GRAPH_MAX_ID);
        if (!cJSON_IsObject(it))
            return fail(c, EXIT_GRAPH, ptr,
                        "expected an object {\"node\": id, \"param\": name}, "
                        "got %s",
                        got(c, it));
        const cJSON *tg = get(it, "targets");
        e->multi = tg != NULL;
        if (tg && (get(it, "node") || get(it, "param")))
            return fail(c, EXIT_GRAPH, ptr,
                        "give either \"targets\" or \"node\" and \"param\", "
                        "not both");
        if (check_keys(c, it, ptr, tg ? mkeys : keys))
            return c->d->code;
        const cJSON *doc = get(it, "doc");
        if (doc && !cJSON_IsString(doc))
            return fail(c, EXIT_GRAPH, join(c, ptr, "doc"),
                        "expected a string, got %s", got(c, doc));
        e->def_j = get(it, "default");
        e->doc = doc ? doc->valuestring : NULL;
        if (!tg) {
            if (read_target(c, i, 0, it, ptr))
                return c->d->code;
            e->n_t = 1;
            continue;
        }
        const char *tptr = join(c, ptr, "targets");
        if (!cJSON_IsArray(tg))
            return fail(c, EXIT_GRAPH, tptr,
                        "expected an array of {\"node\": id, \"param\": "
                        "name}, got %s",
                        got(c, tg));
        if (!tg->child)
            return fail(c, EXIT_GRAPH, tptr,
                        "expected at least one {\"node\": id, \"param\": "
                        "name}, got an empty array");
        uint32_t k = 0;
        for (const cJSON *t = tg->child; t; t = t->next, k++) {
            static const char *const tkeys[] = {"node", "param", NULL};
            char idx[16];
            snprintf(idx, sizeof(idx), "%u", k);
            const char *eptr = join(c, tptr, idx);
            if (!cJSON_IsObject(t))
                return fail(c, EXIT_GRAPH, eptr,
                            "expected an object {\"node\": id, \"param\": "
                            "name}, got %s",
                            got(c, t));
            if (check_keys(c, t, eptr, tkeys) || read_target(c, i, k, t, eptr))
                return c->d->code;
        }
        e->n_t = k;
    }
    return check_duplicates(c);
}

/* Records that --set `text` gives `value` to parameter `param_name` of
 * `node` (through export `export`, or -1 for node.param). */
static int add_set(ctx *c, const char *text, const char *value, uint32_t node,
                   const char *param_name, int32_t export)
{
    if (c->n_sets == c->sets_cap) {
        size_t cap = c->sets_cap ? c->sets_cap * 2 : 8;
        pset *ns = realloc(c->sets, cap * sizeof(*ns));
        if (!ns)
            return oom(c);
        c->sets = ns;
        c->sets_cap = cap;
    }
    pset *s = &c->sets[c->n_sets];
    s->text = text;
    s->value = value;
    s->node = node;
    s->param_name = param_name;
    s->export = export;
    s->next = -1;
    const char *pp = join(c, join(c, c->pn[node].ptr, "params"), param_name);
    size_t wl = strlen(pp) + strlen(text) + 16;
    char *where = arena_alloc(&c->tmp, wl);
    if (!where)
        return oom(c);
    snprintf(where, wl, "%s (--set %s)", pp, text);
    s->where = where;
    int32_t *link = &c->pn[node].set_head;
    while (*link >= 0)
        link = &c->sets[*link].next;
    *link = (int32_t)c->n_sets++;
    return 0;
}

/* Splits each "name=value" and finds what it names: one entry per node
 * parameter it sets (an exported parameter with targets sets several). A
 * name naming nothing is a usage error (EXIT_USAGE), reported without the
 * file name. */
static int read_sets(ctx *c, const char *const *sets, size_t n_sets)
{
    for (size_t i = 0; i < n_sets; i++) {
        const char *text = sets[i] ? sets[i] : "";
        const char *eq = strchr(text, '=');
        if (!eq || eq == text)
            return diag_set(c->d, EXIT_USAGE,
                            "--set %s: expected name=value (an exported "
                            "parameter or node.param)",
                            q(c, text));
        char *name = arena_strndup(&c->tmp, text, (size_t)(eq - text));
        if (!name)
            return oom(c);
        const char *value = eq + 1;
        char *dot = strchr(name, '.');
        if (dot) {
            *dot = 0;
            int32_t node = find_node(c, name, strlen(name));
            if (node < 0)
                return diag_set(c->d, EXIT_USAGE, "--set %s: no node '%s'%s",
                                q(c, text), q(c, name), node_hint(c, name));
            if (!dot[1])
                return diag_set(c->d, EXIT_USAGE,
                                "--set %s: expected node.param=value",
                                q(c, text));
            if (add_set(c, text, value, (uint32_t)node, dot + 1, -1))
                return c->d->code;
            continue;
        }
        uint32_t k;
        for (k = 0; k < c->n_ex; k++)
            if (strcmp(c->ex[k].name, name) == 0)
                break;
        if (k == c->n_ex) {
            suggest sg;
            sg_init(&sg, name);
            for (k = 0; k < c->n_ex; k++)
                sg_add(&sg, c->ex[k].name);
            return diag_set(
                c->d, EXIT_USAGE, "--set %s: no exported parameter '%s'%s",
                q(c, text), q(c, name),
                sg_hint(c, &sg, "exported",
                        "this graph exports none; use node.param=value"));
        }
        const pexport *e = &c->ex[k];
        for (uint32_t t = e->t0; t < e->t0 + e->n_t; t++)
            if (add_set(c, text, value, c->tg[t].node, c->tg[t].param_name,
                        (int32_t)k))
                return c->d->code;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Parameter values                                                         */

static const char *count_phrase(ctx *c, const uh_param_desc *pd)
{
    char *b = qslot(c);
    uint32_t lo = pd->min_count, hi = pd->max_count;
    size_t cap = QUOTE_MAX * 2 + 16;
    if (lo && hi && lo == hi)
        snprintf(b, cap, "%u number%s", lo, lo == 1 ? "" : "s");
    else if (lo && hi)
        snprintf(b, cap, "%u to %u numbers", lo, hi);
    else if (lo)
        snprintf(b, cap, "at least %u number%s", lo, lo == 1 ? "" : "s");
    else if (hi)
        snprintf(b, cap, "at most %u number%s", hi, hi == 1 ? "" : "s");
    else
        snprintf(b, cap, "numbers");
    return b;
}

static const char *range_text(ctx *c, const uh_param_desc *pd)
{
    char *b = qslot(c);
    if (pd->flags & UH_PARAM_RANGE) {
        char lo[64], hi[64];
        fmt_num(lo, sizeof(lo), pd->min);
        fmt_num(hi, sizeof(hi), pd->max);
        snprintf(b, QUOTE_MAX * 2 + 16, " in [%s, %s]", lo, hi);
    } else {
        b[0] = 0;
    }
    return b;
}

/* What a parameter of this descriptor takes: "an integer in [1, 65535]". */
static const char *expected(ctx *c, const uh_param_desc *pd)
{
    char *b = qslot(c);
    size_t cap = QUOTE_MAX * 2 + 16;
    /* Copies on the stack: the slots all live in `c`, and GCC cannot tell
     * that two of them do not overlap (-Werror=restrict at -O3). */
    char rng[160], cp[96];
    snprintf(rng, sizeof(rng), "%s", range_text(c, pd));
    switch (pd->type) {
    case UH_PARAM_INTEGER:
        snprintf(b, cap, "an integer%s", rng);
        break;
    case UH_PARAM_NUMBER:
        snprintf(b, cap, "a number%s", rng);
        break;
    case UH_PARAM_BOOL:
        snprintf(b, cap, "true or false");
        break;
    case UH_PARAM_STRING:
        snprintf(b, cap, "a string");
        break;
    case UH_PARAM_ENUM: {
        size_t o = (size_t)snprintf(b, cap, "one of ");
        for (size_t i = 0; pd->values && pd->values[i]; i++) {
            if (o > LIST_MAX) {
                snprintf(b + o, cap - o, ", ...");
                break;
            }
            o += (size_t)snprintf(b + o, cap - o, "%s%s", i ? ", " : "",
                                  pd->values[i]);
        }
        break;
    }
    case UH_PARAM_NUMBERS: {
        snprintf(cp, sizeof(cp), "%s", count_phrase(c, pd));
        snprintf(b, cap, "an array of %s%s", cp, rng);
        break;
    }
    default:
        snprintf(b, cap, "a value of unknown type %u", pd->type);
    }
    return b;
}

static int bad_value(ctx *c, const uh_param_desc *pd, const char *where,
                     const char *got_text)
{
    return fail(c, EXIT_GRAPH, where, "expected %s, got %s", expected(c, pd),
                got_text);
}

/* Nonzero when x is a value a number or integer parameter accepts. */
static int num_ok(const uh_param_desc *pd, double x, int integer)
{
    if (!isfinite(x))
        return 0;
    if (integer && (x != floor(x) || fabs(x) > MAX_SAFE_INT))
        return 0;
    if ((pd->flags & UH_PARAM_RANGE) && (x < pd->min || x > pd->max))
        return 0;
    return 1;
}

static void set_number(uh_value *v, uint32_t type, double x)
{
    v->type = type;
    if (type == UH_PARAM_INTEGER) {
        v->integer = (int64_t)x;
        v->number = (double)v->integer; /* -0 reads as 0 */
    } else {
        v->number = x;
    }
}

static int set_string(ctx *c, uh_value *v, const char *s)
{
    v->count = (uint32_t)strlen(s);
    if (!(v->string = arena_strdup(&c->gf->mem, s)))
        return oom(c);
    return 0;
}

static int32_t enum_index(const uh_param_desc *pd, const char *s)
{
    for (int32_t i = 0; pd->values && pd->values[i]; i++)
        if (strcmp(pd->values[i], s) == 0)
            return i;
    return -1;
}

static int set_enum(ctx *c, const uh_param_desc *pd, uh_value *v, int32_t i)
{
    v->type = UH_PARAM_ENUM;
    v->integer = i;
    v->number = i;
    return set_string(c, v, pd->values && pd->values[0] ? pd->values[i] : "");
}

static int bad_enum(ctx *c, const uh_param_desc *pd, const char *where,
                    const char *s, const char *got_text)
{
    suggest sg;
    sg_init(&sg, s);
    for (size_t i = 0; pd->values && pd->values[i]; i++)
        sg_add(&sg, pd->values[i]);
    return fail(c, EXIT_GRAPH, where, "expected %s, got %s%s", expected(c, pd),
                got_text, sg_hint(c, &sg, NULL, NULL));
}

static int count_ok(const uh_param_desc *pd, size_t n)
{
    return (!pd->min_count || n >= pd->min_count) &&
           (!pd->max_count || n <= pd->max_count);
}

static int bad_count(ctx *c, const uh_param_desc *pd, const char *where,
                     size_t n)
{
    return fail(c, EXIT_GRAPH, where, "expected an array of %s, got %zu",
                count_phrase(c, pd), n);
}

static double *alloc_numbers(ctx *c, size_t n)
{
    double *d = arena_alloc(&c->gf->mem, (n ? n : 1) * sizeof(double));
    if (!d)
        oom(c);
    return d;
}

/* The value of a JSON item for parameter `pd`; errors name `where`. */
static int value_json(ctx *c, const uh_param_desc *pd, const cJSON *j,
                      const char *where, uh_value *v)
{
    memset(v, 0, sizeof(*v));
    v->type = pd->type;
    switch (pd->type) {
    case UH_PARAM_INTEGER:
    case UH_PARAM_NUMBER:
        if (!cJSON_IsNumber(j) ||
            !num_ok(pd, j->valuedouble, pd->type == UH_PARAM_INTEGER))
            return bad_value(c, pd, where, got(c, j));
        set_number(v, pd->type, j->valuedouble);
        return 0;
    case UH_PARAM_BOOL:
        if (!cJSON_IsBool(j))
            return bad_value(c, pd, where, got(c, j));
        v->integer = cJSON_IsTrue(j);
        v->number = (double)v->integer;
        return 0;
    case UH_PARAM_STRING:
        if (!cJSON_IsString(j))
            return bad_value(c, pd, where, got(c, j));
        return set_string(c, v, j->valuestring);
    case UH_PARAM_ENUM: {
        int32_t i;
        if (!cJSON_IsString(j))
            return bad_value(c, pd, where, got(c, j));
        if ((i = enum_index(pd, j->valuestring)) < 0)
            return bad_enum(c, pd, where, j->valuestring, got(c, j));
        return set_enum(c, pd, v, i);
    }
    case UH_PARAM_NUMBERS: {
        size_t n = 0, k = 0;
        if (!cJSON_IsArray(j))
            return bad_value(c, pd, where, got(c, j));
        for (const cJSON *it = j->child; it; it = it->next)
            n++;
        double *d = alloc_numbers(c, n);
        if (!d)
            return c->d->code;
        for (const cJSON *it = j->child; it; it = it->next, k++) {
            char idx[32];
            snprintf(idx, sizeof(idx), "%zu", k);
            if (!cJSON_IsNumber(it) || !num_ok(pd, it->valuedouble, 0))
                return fail(c, EXIT_GRAPH, join(c, where, idx),
                            "expected a number%s, got %s", range_text(c, pd),
                            got(c, it));
            d[k] = it->valuedouble;
        }
        if (!count_ok(pd, n))
            return bad_count(c, pd, where, n);
        v->numbers = d;
        v->count = (uint32_t)n;
        return 0;
    }
    default:
        return fail(c, EXIT_INTERNAL, where, "parameter type %u is unknown",
                    pd->type);
    }
}

/* Reads a number written as JSON writes it; stores it in *x. Integers of
 * plain digits are read exactly, so 2^53 + 1 is not taken for 2^53. */
static int text_number(const char *s, double *x, int integer)
{
    size_t len = strlen(s);
    if (len == 0 || number_len(s, len) != len)
        return 0;
    if (strcspn(s, ".eE") == len) {
        uint64_t v = 0;
        for (const char *p = s + (s[0] == '-'); *p; p++) {
            if (v > (UINT64_C(1) << 60))
                break; /* far too large either way */
            v = v * 10 + (uint64_t)(*p - '0');
        }
        if (v <= (UINT64_C(1) << 53)) {
            *x = s[0] == '-' ? -(double)v : (double)v;
            return 1;
        }
        if (integer) {
            *x = s[0] == '-' ? -MAX_SAFE_INT * 2 : MAX_SAFE_INT * 2;
            return 1;
        }
    }
    *x = c_strtod(s);
    return 1;
}

static const char *quoted(ctx *c, const char *s)
{
    const char *t = q(c, s);
    char *b = qslot(c);
    snprintf(b, QUOTE_MAX * 2 + 16, "'%s'", t);
    return b;
}

/* Splits "1, 2, 3" or "[1, 2, 3]" into numbers. */
static int numbers_text(ctx *c, const uh_param_desc *pd, const char *text,
                        const char *where, uh_value *v)
{
    size_t len = strlen(text), n = 0, k = 0;
    while (len && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    char *buf = arena_strndup(&c->tmp, text, len);
    if (!buf)
        return oom(c);
    int blank = 1;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == ',')
            n++;
        if (buf[i] != ' ' && buf[i] != '\t')
            blank = 0;
    }
    n = blank ? 0 : n + 1;
    double *d = alloc_numbers(c, n);
    if (!d)
        return c->d->code;
    char *p = buf;
    for (k = 0; k < n; k++) {
        char *end = strchr(p, ',');
        if (end)
            *end = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t l = strlen(p);
        while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
            p[--l] = 0;
        double x;
        if (!text_number(p, &x, 0))
            return fail(c, EXIT_GRAPH, where,
                        "expected a number for element %zu, got %s", k,
                        quoted(c, p));
        if (!num_ok(pd, x, 0))
            return fail(c, EXIT_GRAPH, where,
                        "expected a number%s for element %zu, got %s",
                        range_text(c, pd), k, q(c, p));
        d[k] = x;
        p = end ? end + 1 : p + l;
    }
    if (!count_ok(pd, n))
        return bad_count(c, pd, where, n);
    v->numbers = d;
    v->count = (uint32_t)n;
    return 0;
}

/* The value of --set text for parameter `pd`; errors name `where`. */
static int value_text(ctx *c, const uh_param_desc *pd, const char *text,
                      const char *where, uh_value *v)
{
    double x;
    size_t len = strlen(text), bad;
    memset(v, 0, sizeof(*v));
    v->type = pd->type;
    switch (pd->type) {
    case UH_PARAM_INTEGER:
    case UH_PARAM_NUMBER:
        if (!text_number(text, &x, pd->type == UH_PARAM_INTEGER))
            return bad_value(c, pd, where, quoted(c, text));
        if (!num_ok(pd, x, pd->type == UH_PARAM_INTEGER))
            return bad_value(c, pd, where, q(c, text));
        set_number(v, pd->type, x);
        return 0;
    case UH_PARAM_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            v->integer = 1;
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            v->integer = 0;
        else
            return fail(c, EXIT_GRAPH, where,
                        "expected true, false, 1 or 0, got %s",
                        quoted(c, text));
        v->number = (double)v->integer;
        return 0;
    case UH_PARAM_STRING:
        if (len > GRAPH_MAX_STRING)
            return fail(c, EXIT_GRAPH, where,
                        "string of %zu bytes is longer than the limit of %u "
                        "bytes",
                        len, GRAPH_MAX_STRING);
        if (!utf8_valid(text, len, &bad))
            return fail(c, EXIT_GRAPH, where,
                        "string is not valid UTF-8 (byte 0x%02x at offset "
                        "%zu)",
                        (unsigned char)text[bad], bad);
        return set_string(c, v, text);
    case UH_PARAM_ENUM: {
        int32_t i = enum_index(pd, text);
        if (i < 0)
            return bad_enum(c, pd, where, text, quoted(c, text));
        return set_enum(c, pd, v, i);
    }
    case UH_PARAM_NUMBERS:
        return numbers_text(c, pd, text, where, v);
    default:
        return fail(c, EXIT_INTERNAL, where, "parameter type %u is unknown",
                    pd->type);
    }
}

/* The descriptor's default (registry_add has checked the descriptor). */
static int value_default(ctx *c, const uh_param_desc *pd, uh_value *v)
{
    memset(v, 0, sizeof(*v));
    v->type = pd->type;
    switch (pd->type) {
    case UH_PARAM_NUMBER:
        v->number = pd->def;
        return 0;
    case UH_PARAM_INTEGER:
        set_number(v, pd->type,
                   isfinite(pd->def) && fabs(pd->def) <= MAX_SAFE_INT
                       ? floor(pd->def)
                       : 0);
        return 0;
    case UH_PARAM_BOOL:
        v->integer = pd->def != 0;
        v->number = (double)v->integer;
        return 0;
    case UH_PARAM_STRING:
        return set_string(c, v, pd->def_text ? pd->def_text : "");
    case UH_PARAM_ENUM: {
        int32_t i = pd->def_text ? enum_index(pd, pd->def_text) : 0;
        return set_enum(c, pd, v, i < 0 ? 0 : i);
    }
    case UH_PARAM_NUMBERS: {
        cJSON *j = pd->def_text ? cJSON_Parse(pd->def_text) : NULL;
        size_t n = 0, k = 0;
        for (const cJSON *it = cJSON_IsArray(j) ? j->child : NULL; it;
             it = it->next)
            n += cJSON_IsNumber(it);
        double *d = alloc_numbers(c, n);
        if (!d) {
            cJSON_Delete(j);
            return c->d->code;
        }
        for (const cJSON *it = cJSON_IsArray(j) ? j->child : NULL; it;
             it = it->next)
            if (cJSON_IsNumber(it))
                d[k++] = it->valuedouble;
        cJSON_Delete(j);
        v->numbers = d;
        v->count = (uint32_t)n;
        return 0;
    }
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Node types, generic load/save                                            */

static const char *params_ptr(ctx *c, uint32_t i)
{
    return c->pn[i].params_j ? join(c, c->pn[i].ptr, "params") : c->pn[i].ptr;
}

/* Where the "path" of node i comes from: the last --set, else an exported
 * default, else the file. Returns 1 with *path and *where, 0 when none,
 * -1 after an error. */
static int path_source(ctx *c, uint32_t i, const char **path,
                       const char **where)
{
    const pnode *pn = &c->pn[i];
    const pset *last = NULL;
    for (int32_t k = pn->set_head; k >= 0; k = c->sets[k].next)
        if (strcmp(c->sets[k].param_name, "path") == 0)
            last = &c->sets[k];
    if (last) {
        *path = last->value;
        *where = last->where;
        return 1;
    }
    for (int32_t k = pn->ex_head; k >= 0; k = c->tg[k].next) {
        const pexport *e = &c->ex[c->tg[k].ex];
        if (strcmp(c->tg[k].param_name, "path") != 0 || !e->def_j)
            continue;
        *where = join(c, e->ptr, "default");
        if (!cJSON_IsString(e->def_j)) {
            fail(c, EXIT_GRAPH, *where, "expected a string, got %s",
                 got(c, e->def_j));
            return -1;
        }
        *path = e->def_j->valuestring;
        return 1;
    }
    const cJSON *j = get(pn->params_j, "path");
    if (!j)
        return 0;
    *where = join(c, join(c, pn->ptr, "params"), "path");
    if (!cJSON_IsString(j)) {
        fail(c, EXIT_GRAPH, *where, "expected a string, got %s", got(c, j));
        return -1;
    }
    *path = j->valuestring;
    return 1;
}

/* Picks the decoder by the file's first bytes, never by its name. */
static int sniff(ctx *c, const char *path, const char *where, const char **type)
{
    static const unsigned char png[8] = {0x89, 'P',  'N',  'G',
                                         0x0D, 0x0A, 0x1A, 0x0A};
    unsigned char m[8];
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(c, EXIT_DECODE, where, "cannot open '%s': %s", q(c, path),
                    strerror(errno));
    while (n < sizeof(m)) {
        ssize_t r = read(fd, m + n, sizeof(m) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return fail(c, EXIT_DECODE, where, "cannot read '%s': %s",
                        q(c, path), strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n == sizeof(m) && memcmp(m, png, sizeof(m)) == 0) {
        *type = "png.load";
        return 0;
    }
    if (n >= 3 && m[0] == 0xFF && m[1] == 0xD8 && m[2] == 0xFF) {
        *type = "jpeg.load";
        return 0;
    }
    if (n == 0)
        return fail(c, EXIT_DECODE, where,
                    "'%s' is empty (expected a PNG or JPEG file)", q(c, path));
    char hex[3 * sizeof(m) + 1];
    size_t o = 0;
    for (size_t k = 0; k < n; k++)
        o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s%02x", k ? " " : "",
                              m[k]);
    return fail(c, EXIT_DECODE, where,
                "'%s' is neither a PNG nor a JPEG file (it starts with %s)",
                q(c, path), hex);
}

/* Picks the encoder by the extension of the output path. */
static int by_extension(ctx *c, const char *path, const char *where,
                        const char **type)
{
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base + 1 : path, '.');
    char ext[8] = {0};
    for (size_t k = 0; dot && dot[k] && k < sizeof(ext) - 1; k++)
        ext[k] = (char)lower(dot[k]);
    if (dot && strlen(dot) < sizeof(ext)) {
        if (strcmp(ext, ".png") == 0) {
            *type = "png.save";
            return 0;
        }
        if (strcmp(ext, ".jpg") == 0 || strcmp(ext, ".jpeg") == 0) {
            *type = "jpeg.save";
            return 0;
        }
    }
    return fail(c, EXIT_GRAPH, where,
                "cannot tell the output format of '%s' from its extension "
                "(known: .png, .jpg, .jpeg)",
                q(c, path));
}

static int resolve_types(ctx *c)
{
    graph *g = &c->gf->g;
    if (!(g->nodes = arena_alloc(&c->gf->mem, c->n * sizeof(*g->nodes))))
        return oom(c);
    g->n_nodes = c->n;
    for (uint32_t i = 0; i < c->n; i++) {
        pnode *pn = &c->pn[i];
        graph_node *gn = &g->nodes[i];
        const char *tname = pn->type_name, *path = NULL, *where = NULL;
        int load = strcmp(tname, "load") == 0,
            save = strcmp(tname, "save") == 0;
        if (!(gn->id = arena_strdup(&c->gf->mem, pn->json->string)))
            return oom(c);
        gn->pointer = (char *)pn->ptr;
        if (load || save) {
            int r = path_source(c, i, &path, &where);
            if (r < 0)
                return c->d->code;
            if (r == 0)
                return fail(c, EXIT_GRAPH, params_ptr(c, i),
                            "missing required parameter 'path' (%s)", tname);
            if ((load ? sniff : by_extension)(c, path, where, &tname))
                return c->d->code;
        }
        gn->kind = registry_find(c->reg, tname);
        if (gn->kind)
            continue;
        const char *tptr = join(c, pn->ptr, "type");
        if (load || save)
            return fail(c, EXIT_GRAPH, tptr,
                        "unknown node type '%s' ('%s' picks it for '%s'; no "
                        "loaded plugin provides it)",
                        tname, pn->type_name, q(c, path));
        const char *best = registry_suggest(c->reg, tname);
        if (!best) {
            suggest sg;
            sg_init(&sg, tname);
            sg_add(&sg, "load");
            sg_add(&sg, "save");
            best = sg.best;
        }
        if (best)
            return fail(c, EXIT_GRAPH, tptr,
                        "unknown node type '%s' (did you mean '%s'?)",
                        q(c, tname), best);
        char dirs[LIST_MAX + 8] = "";
        size_t o = 0;
        for (size_t k = 0; k < c->reg->n_searched && o < LIST_MAX; k++)
            o += (size_t)snprintf(
                dirs + o, sizeof(dirs) - o, "%s%s",
                k ? ", " : "; searched: ", c->reg->searched[k]);
        return fail(c, EXIT_GRAPH, tptr,
                    "unknown node type '%s' (no loaded plugin provides it%s)",
                    q(c, tname), dirs);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Parameters and inputs of each node                                       */

static int32_t find_param(const node_kind *k, const char *name)
{
    for (uint32_t i = 0; i < k->n_params; i++)
        if (strcmp(k->type->params[i]->name, name) == 0)
            return (int32_t)i;
    return -1;
}

static const char *param_hint(ctx *c, const node_kind *k, const char *name)
{
    suggest sg;
    sg_init(&sg, name);
    for (uint32_t i = 0; i < k->n_params; i++)
        sg_add(&sg, k->type->params[i]->name);
    return sg_hint(c, &sg, "parameters", "it has no parameters");
}

/* The kind of value a parameter type takes, for exports with several
 * targets: numbers and integers mix (each target checks its own range and
 * integrality); anything else must match. */
static int value_class(uint32_t type)
{
    return type == UH_PARAM_INTEGER ? UH_PARAM_NUMBER : (int)type;
}

static const char *type_phrase(uint32_t type)
{
    switch (type) {
    case UH_PARAM_NUMBER:
        return "a number";
    case UH_PARAM_INTEGER:
        return "an integer";
    case UH_PARAM_BOOL:
        return "a bool";
    case UH_PARAM_STRING:
        return "a string";
    case UH_PARAM_ENUM:
        return "an enum";
    case UH_PARAM_NUMBERS:
        return "an array of numbers";
    default:
        return "a value of unknown type";
    }
}

/* Each target of an export given with "targets" names a parameter of its
 * node's type (known once the generic nodes are resolved), all taking the
 * same kind of value as the first. */
static int check_targets(ctx *c)
{
    const graph *g = &c->gf->g;
    for (uint32_t e = 0; e < c->n_ex; e++) {
        const pexport *ex = &c->ex[e];
        if (!ex->multi)
            continue;
        const uh_param_desc *first = NULL;
        const ptarget *t0 = &c->tg[ex->t0];
        for (uint32_t i = ex->t0; i < ex->t0 + ex->n_t; i++) {
            ptarget *t = &c->tg[i];
            const graph_node *gn = &g->nodes[t->node];
            const node_kind *k = gn->kind;
            int32_t p = find_param(k, t->param_name);
            if (p < 0)
                return fail(c, EXIT_GRAPH, join(c, t->ptr, "param"),
                            "node '%s' (%s) has no parameter '%s'%s", gn->id,
                            k->type->id, q(c, t->param_name),
                            param_hint(c, k, t->param_name));
            t->param = p;
            const uh_param_desc *pd = k->type->params[p];
            if (!first) {
                first = pd;
                continue;
            }
            if (value_class(pd->type) != value_class(first->type))
                return fail(c, EXIT_GRAPH, join(c, t->ptr, "param"),
                            "node '%s' (%s) parameter '%s' takes %s, but "
                            "target 0 (node '%s' parameter '%s') takes %s; "
                            "the targets of one exported parameter take the "
                            "same kind of value",
                            gn->id, k->type->id, q(c, t->param_name),
                            type_phrase(pd->type), g->nodes[t0->node].id,
                            q(c, t0->param_name), type_phrase(first->type));
        }
    }
    return 0;
}

static int check_params(ctx *c, uint32_t i)
{
    pnode *pn = &c->pn[i];
    graph_node *gn = &c->gf->g.nodes[i];
    const node_kind *k = gn->kind;
    const char *tid = k->type->id;
    uint32_t np = k->n_params;
    unsigned char *have = arena_alloc(&c->tmp, np + 1);
    gn->params = arena_alloc(&c->gf->mem, (np ? np : 1) * sizeof(uh_value));
    if (!have || !gn->params)
        return oom(c);
    /* The file's values are checked even when something overrides them. */
    for (const cJSON *it = pn->params_j ? pn->params_j->child : NULL; it;
         it = it->next) {
        const char *ptr = join(c, join(c, pn->ptr, "params"), it->string);
        int32_t p = find_param(k, it->string);
        if (p < 0)
            return fail(c, EXIT_GRAPH, ptr, "unknown parameter '%s' for %s%s",
                        q(c, it->string), tid, param_hint(c, k, it->string));
        if (value_json(c, k->type->params[p], it, ptr, &gn->params[p]))
            return c->d->code;
        have[p] = 1;
    }
    for (int32_t t = pn->ex_head; t >= 0; t = c->tg[t].next) {
        ptarget *tg = &c->tg[t];
        const pexport *ex = &c->ex[tg->ex];
        int32_t p = tg->param >= 0 ? tg->param : find_param(k, tg->param_name);
        if (p < 0)
            return fail(c, EXIT_GRAPH, join(c, tg->ptr, "param"),
                        "node '%s' (%s) has no parameter '%s'%s", gn->id, tid,
                        q(c, tg->param_name), param_hint(c, k, tg->param_name));
        tg->param = p;
        if (!ex->def_j)
            continue;
        const char *where = join(c, ex->ptr, "default");
        if (ex->multi) {
            /* One default, several parameters: say which one refused it. */
            size_t wl =
                strlen(where) + strlen(gn->id) + strlen(tg->param_name) + 16;
            char *w = arena_alloc(&c->tmp, wl);
            if (!w)
                return oom(c);
            snprintf(w, wl, "%s (for %s.%s)", where, gn->id, tg->param_name);
            where = w;
        }
        if (value_json(c, k->type->params[p], ex->def_j, where, &gn->params[p]))
            return c->d->code;
        have[p] = 1;
    }
    for (int32_t s = pn->set_head; s >= 0; s = c->sets[s].next) {
        const pset *st = &c->sets[s];
        int32_t p = find_param(k, st->param_name);
        if (p < 0)
            return diag_set(c->d, EXIT_USAGE,
                            "--set %s: node '%s' (%s) has no parameter '%s'%s",
                            q(c, st->text), gn->id, tid, q(c, st->param_name),
                            param_hint(c, k, st->param_name));
        if (value_text(c, k->type->params[p], st->value, st->where,
                       &gn->params[p]))
            return c->d->code;
        have[p] = 1;
    }
    for (uint32_t p = 0; p < np; p++) {
        const uh_param_desc *pd = k->type->params[p];
        if (have[p])
            continue;
        if (pd->flags & UH_PARAM_REQUIRED)
            return fail(c, EXIT_GRAPH, params_ptr(c, i),
                        "missing required parameter '%s' (%s)", pd->name, tid);
        if (value_default(c, pd, &gn->params[p]))
            return c->d->code;
    }
    return 0;
}

static int32_t find_port(const uh_port_desc *const *ports, uint32_t n,
                         const char *name, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (strncmp(ports[i]->name, name, len) == 0 && !ports[i]->name[len])
            return (int32_t)i;
    return -1;
}

static const char *port_hint(ctx *c, const uh_port_desc *const *ports,
                             uint32_t n, const char *name, const char *what,
                             const char *none)
{
    suggest sg;
    sg_init(&sg, name);
    for (uint32_t i = 0; i < n; i++)
        sg_add(&sg, ports[i]->name);
    return sg_hint(c, &sg, what, none);
}

static const char *port_type(uint32_t t)
{
    switch (t) {
    case UH_PORT_IMAGE:
        return "an image";
    case UH_PORT_IMAGE_LIST:
        return "an image list";
    case UH_PORT_NUMBER:
        return "a number";
    case UH_PORT_INTEGER:
        return "an integer";
    case UH_PORT_BOOL:
        return "a bool";
    case UH_PORT_STRING:
        return "a string";
    case UH_PORT_BLOB:
        return "a blob";
    default:
        return "a value of unknown type";
    }
}

static int check_inputs(ctx *c, uint32_t i)
{
    pnode *pn = &c->pn[i];
    graph *g = &c->gf->g;
    graph_node *gn = &g->nodes[i];
    const node_kind *k = gn->kind;
    const uh_node_type *t = k->type;
    uint32_t ni = k->n_inputs;
    gn->inputs = arena_alloc(&c->gf->mem, (ni ? ni : 1) * sizeof(graph_link));
    if (!gn->inputs)
        return oom(c);
    for (uint32_t p = 0; p < ni; p++)
        gn->inputs[p] = (graph_link){-1, 0};
    for (const cJSON *it = pn->inputs_j ? pn->inputs_j->child : NULL; it;
         it = it->next) {
        const char *ptr = join(c, join(c, pn->ptr, "inputs"), it->string);
        int32_t p = find_port(t->inputs, ni, it->string, strlen(it->string));
        if (p < 0)
            return fail(c, EXIT_GRAPH, ptr, "unknown input '%s' for %s%s",
                        q(c, it->string), t->id,
                        port_hint(c, t->inputs, ni, it->string, "inputs",
                                  "it has no inputs"));
        if (!cJSON_IsString(it))
            return fail(c, EXIT_GRAPH, ptr,
                        "expected a string \"node\" or \"node.port\", got %s",
                        got(c, it));
        const char *src = it->valuestring, *dot = strchr(src, '.');
        size_t idlen = dot ? (size_t)(dot - src) : strlen(src);
        int32_t s = find_node(c, src, idlen);
        if (s < 0) {
            char *id = arena_strndup(&c->tmp, src, idlen);
            if (!id)
                return oom(c);
            return fail(c, EXIT_GRAPH, ptr, "unknown node '%s'%s", q(c, id),
                        node_hint(c, id));
        }
        const node_kind *sk = g->nodes[s].kind;
        const char *sid = g->nodes[s].id;
        int32_t sp = 0;
        if (sk->n_outputs == 0)
            return fail(c, EXIT_GRAPH, ptr, "node '%s' (%s) has no outputs",
                        sid, sk->type->id);
        if (dot) {
            sp = find_port(sk->type->outputs, sk->n_outputs, dot + 1,
                           strlen(dot + 1));
            if (sp < 0)
                return fail(c, EXIT_GRAPH, ptr,
                            "node '%s' (%s) has no output '%s'%s", sid,
                            sk->type->id, q(c, dot + 1),
                            port_hint(c, sk->type->outputs, sk->n_outputs,
                                      dot + 1, "outputs", NULL));
        }
        const uh_port_desc *in = t->inputs[p], *out = sk->type->outputs[sp];
        if (in->type != out->type)
            return fail(c, EXIT_GRAPH, ptr,
                        "input '%s' of %s takes %s, but output '%s' of node "
                        "'%s' (%s) gives %s",
                        in->name, t->id, port_type(in->type), out->name, sid,
                        sk->type->id, port_type(out->type));
        gn->inputs[p] = (graph_link){s, (uint32_t)sp};
    }
    for (uint32_t p = 0; p < ni; p++)
        if (gn->inputs[p].node < 0 && !(t->inputs[p]->flags & UH_PORT_OPTIONAL))
            return fail(c, EXIT_GRAPH,
                        pn->inputs_j ? join(c, pn->ptr, "inputs") : pn->ptr,
                        "required input '%s' of %s is not connected",
                        t->inputs[p]->name, t->id);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Order: Kahn's algorithm, lowest file index first among ready nodes       */

static void heap_push(uint32_t *h, uint32_t *n, uint32_t v)
{
    uint32_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static uint32_t heap_pop(uint32_t *h, uint32_t *n)
{
    uint32_t top = h[0], v = h[--*n], i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        if (l < *n && h[l] < v)
            m = l;
        if (l + 1 < *n && h[l + 1] < (m == i ? v : h[m]))
            m = l + 1;
        if (m == i)
            break;
        h[i] = h[m];
        i = m;
    }
    if (*n)
        h[i] = v;
    return top;
}

/* Names one cycle among the nodes Kahn's algorithm could not order: each
 * of them has an input from another of them, so walking inputs from the
 * lowest such node must come back to a node already seen. */
static int report_cycle(ctx *c, const unsigned char *done)
{
    const graph *g = &c->gf->g;
    uint32_t n = g->n_nodes, len = 0, v = 0;
    uint32_t *pos = malloc(n * sizeof(*pos)), *path = malloc(n * sizeof(*path));
    if (!pos || !path) {
        free(pos);
        free(path);
        return oom(c);
    }
    for (uint32_t i = 0; i < n; i++)
        pos[i] = UINT32_MAX;
    while (done[v])
        v++;
    while (pos[v] == UINT32_MAX) {
        const graph_node *gn = &g->nodes[v];
        pos[v] = len;
        path[len++] = v;
        for (uint32_t p = 0; p < gn->kind->n_inputs; p++)
            if (gn->inputs[p].node >= 0 && !done[gn->inputs[p].node]) {
                v = (uint32_t)gn->inputs[p].node;
                break;
            }
    }
    /* path[k + 1] feeds path[k]: reverse into data-flow order, starting at
     * the lowest index. */
    uint32_t s = pos[v], m = len - s, start = 0;
    for (uint32_t j = 0; j < m; j++) {
        pos[j] = path[len - 1 - j];
        if (pos[j] < pos[start])
            start = j;
    }
    char buf[DIAG_MSG_MAX - 256];
    size_t o = 0;
    if (m > 12)
        o += (size_t)snprintf(buf, sizeof(buf), "cycle of %u nodes: ", m);
    else
        o += (size_t)snprintf(buf, sizeof(buf), "cycle: ");
    for (uint32_t j = 0; j <= m && o < sizeof(buf); j++) {
        if (m > 12 && j == 5) {
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "... -> ");
            j = m - 2;
        }
        const char *id = g->nodes[pos[(start + j) % m]].id;
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", id,
                              j < m ? " -> " : "");
    }
    free(pos);
    free(path);
    return fail(c, EXIT_GRAPH, "/nodes", "%s", buf);
}

static int order_nodes(ctx *c)
{
    graph *g = &c->gf->g;
    uint32_t n = g->n_nodes, n_heap = 0, count = 0;
    size_t edges = 0;
    uint32_t *indeg = calloc(n, sizeof(*indeg));
    size_t *off = calloc((size_t)n + 1, sizeof(*off));
    uint32_t *heap = malloc(n * sizeof(*heap));
    unsigned char *done = calloc(n, 1);
    uint32_t *adj = NULL, *fill = NULL;
    int rc = 0;
    g->order = arena_alloc(&c->gf->mem, n * sizeof(*g->order));
    if (!indeg || !off || !heap || !done || !g->order) {
        rc = oom(c);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t p = 0; p < g->nodes[i].kind->n_inputs; p++) {
            int32_t s = g->nodes[i].inputs[p].node;
            if (s < 0)
                continue;
            off[s + 1]++;
            indeg[i]++;
            edges++;
            if ((uint32_t)s != i)
                g->nodes[s].n_consumers++;
        }
    for (uint32_t i = 0; i < n; i++)
        off[i + 1] += off[i];
    adj = malloc((edges ? edges : 1) * sizeof(*adj));
    fill = malloc(n * sizeof(*fill));
    if (!adj || !fill) {
        rc = oom(c);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        fill[i] = (uint32_t)off[i];
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t p = 0; p < g->nodes[i].kind->n_inputs; p++) {
            int32_t s = g->nodes[i].inputs[p].node;
            if (s >= 0)
                adj[fill[s]++] = i;
        }
    for (uint32_t i = 0; i < n; i++)
        if (indeg[i] == 0)
            heap_push(heap, &n_heap, i);
    while (n_heap) {
        uint32_t v = heap_pop(heap, &n_heap);
        done[v] = 1;
        g->order[count++] = v;
        for (size_t e = off[v]; e < off[v + 1]; e++)
            if (--indeg[adj[e]] == 0)
                heap_push(heap, &n_heap, adj[e]);
    }
    if (count < n)
        rc = report_cycle(c, done);
out:
    free(indeg);
    free(off);
    free(heap);
    free(done);
    free(adj);
    free(fill);
    return rc;
}

static int is_sink(const node_kind *k)
{
    const uh_node_type *t = k->type;
    if (UH_HAS_FIELD(t, uh_node_type, is_sink) && t->is_sink)
        return 1;
    return k->n_outputs == 0 && !t->process &&
           UH_HAS_FIELD(t, uh_node_type, rows) && t->rows;
}

static void warn_unused(ctx *c)
{
    const graph *g = &c->gf->g;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const graph_node *gn = &g->nodes[i];
        if (gn->n_consumers || is_sink(gn->kind))
            continue;
        if (gn->kind->n_outputs == 0)
            diag_warn(c->d,
                      "%s: %s: node '%s' (%s) has no outputs and is not a "
                      "sink, so it does nothing",
                      c->file, gn->pointer, gn->id, gn->kind->type->id);
        else
            diag_warn(c->d, "%s: %s: the output of node '%s' (%s) is not used",
                      c->file, gn->pointer, gn->id, gn->kind->type->id);
    }
}

static int keep_exports(ctx *c)
{
    graph_full *gf = c->gf;
    if (!c->n_ex)
        return 0;
    if (!(gf->exports = arena_alloc(&gf->mem, c->n_ex * sizeof(graph_export))))
        return oom(c);
    for (uint32_t i = 0; i < c->n_ex; i++) {
        const pexport *e = &c->ex[i];
        graph_export *x = &gf->exports[i];
        x->name = arena_strdup(&gf->mem, e->name);
        x->pointer = arena_strdup(&gf->mem, e->ptr);
        x->doc = e->doc ? arena_strdup(&gf->mem, e->doc) : NULL;
        if (!x->name || !x->pointer || (e->doc && !x->doc))
            return oom(c);
        graph_export_target *ts =
            arena_alloc(&gf->mem, e->n_t * sizeof(graph_export_target));
        if (!ts)
            return oom(c);
        for (uint32_t t = 0; t < e->n_t; t++) {
            ts[t].node = c->tg[e->t0 + t].node;
            ts[t].param = (uint32_t)c->tg[e->t0 + t].param;
        }
        x->targets = ts;
        x->n_targets = e->n_t;
        x->node = ts[0].node;
        x->param = ts[0].param;
        x->has_default = e->def_j != NULL;
    }
    gf->n_exports = c->n_ex;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */

static int parse_all(ctx *c, const char *text, size_t len,
                     const char *const *sets, size_t n_sets)
{
    const unsigned char *u = (const unsigned char *)text;
    if (len >= 2 &&
        ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return fail(c, EXIT_GRAPH, NULL,
                    "the file is UTF-16 (it starts with a byte order mark); "
                    "save it as UTF-8");
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        text += 3; /* a UTF-8 byte order mark is accepted and ignored */
        len -= 3;
    }
    size_t k = 0;
    while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' ||
                       text[k] == '\r'))
        k++;
    if (k == len)
        return fail(c, EXIT_GRAPH, NULL,
                    "the file is empty (a graph is a JSON object)");
    scanner sc = {text, len, 0};
    if (scan_json(c, &sc))
        return c->d->code;
    const char *end = NULL;
    c->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!c->root)
        return oom(c); /* the scanner accepted it: only memory is left */
    while (end && (size_t)(end - text) < len &&
           (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (!end || (size_t)(end - text) != len)
        return scan_fail(c, &sc, end ? (size_t)(end - text) : 0,
                         "unexpected text after the top-level value");
    if (!cJSON_IsObject(c->root))
        return fail(c, EXIT_GRAPH, NULL,
                    "the top level is %s; a graph is a JSON object",
                    cJSON_IsArray(c->root)    ? "an array"
                    : cJSON_IsString(c->root) ? "a string"
                    : cJSON_IsNumber(c->root) ? "a number"
                                              : "not an object");
    if (walk_tree(c) || read_root(c) || read_nodes(c) || read_exports(c) ||
        read_sets(c, sets, n_sets) || resolve_types(c) || check_targets(c))
        return c->d->code;
    for (uint32_t i = 0; i < c->n; i++)
        if (check_params(c, i))
            return c->d->code;
    for (uint32_t i = 0; i < c->n; i++)
        if (check_inputs(c, i))
            return c->d->code;
    if (order_nodes(c) || keep_exports(c))
        return c->d->code;
    if (c->oom)
        return oom(c);
    warn_unused(c);
    return 0;
}

int graph_parse(const char *file, const char *text, size_t len,
                const registry *reg, const char *const *sets, size_t n_sets,
                graph **out, diag *d)
{
    ctx *c = calloc(1, sizeof(*c));
    int rc;
    if (!file)
        file = "(graph)";
    if (!c)
        return diag_set(d, EXIT_INTERNAL, "%s: out of memory", file);
    c->file = file;
    c->reg = reg;
    c->d = d;
    if (len > GRAPH_MAX_BYTES) {
        rc = fail(c, EXIT_LIMIT, NULL,
                  "the file is larger than the limit of %u bytes",
                  GRAPH_MAX_BYTES);
    } else if (!(c->gf = calloc(1, sizeof(*c->gf)))) {
        rc = oom(c);
    } else if (!(c->gf->g.file = arena_strdup(&c->gf->mem, file))) {
        rc = oom(c);
    } else {
        rc = parse_all(c, text ? text : "", text ? len : 0, sets, n_sets);
    }
    if (rc && !d->code)
        diag_set(d, rc, "%s: invalid graph", file);
    cJSON_Delete(c->root);
    free(c->pn);
    free(c->by_id);
    free(c->ex);
    free(c->tg);
    free(c->sets);
    arena_free(&c->tmp);
    if (rc) {
        graph_free(c->gf ? &c->gf->g : NULL);
    } else {
        *out = &c->gf->g;
    }
    free(c);
    return rc;
}

int graph_load(const char *path, const registry *reg, const char *const *sets,
               size_t n_sets, graph **out, diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return diag_set(d, EXIT_USAGE, "%s: cannot open: %s", path,
                        strerror(errno));
    /* Read at most one byte past the limit: enough to know it is passed,
     * whatever the file claims (pipes, /dev/zero). */
    size_t cap = 64u << 10, len = 0, limit = (size_t)GRAPH_MAX_BYTES + 1;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (uint64_t)st.st_size < limit ? (size_t)st.st_size + 1 : limit;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return diag_set(d, EXIT_INTERNAL, "%s: out of memory", path);
    }
    while (len < limit) {
        if (len == cap) {
            size_t ncap = cap * 2 < limit ? cap * 2 : limit;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                close(fd);
                return diag_set(d, EXIT_INTERNAL, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return diag_set(d, EXIT_USAGE, "%s: cannot read: %s", path,
                            strerror(e));
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    int rc;
    if (len > GRAPH_MAX_BYTES)
        rc = diag_set(d, EXIT_LIMIT,
                      "%s: the file is larger than the limit of %u bytes", path,
                      GRAPH_MAX_BYTES);
    else
        rc = graph_parse(path, buf, len, reg, sets, n_sets, out, d);
    free(buf);
    return rc;
}

void graph_free(graph *g)
{
    if (!g)
        return;
    graph_full *gf = (graph_full *)g;
    arena_free(&gf->mem);
    free(gf);
}

const graph_export *graph_exports(const graph *g, size_t *n)
{
    const graph_full *gf = (const graph_full *)g;
    *n = gf->n_exports;
    return gf->n_exports ? gf->exports : NULL;
}

const char *graph_description(const graph *g)
{
    return ((const graph_full *)g)->description;
}
