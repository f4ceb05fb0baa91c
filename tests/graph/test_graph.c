/* Unit cases for the graph reader and checker (host/graph.c, jsonptr.c):
 * one ctest entry per TEST() below, run as `test_graph <case> <scratch>`.
 * Node types are built by hand here and registered with registry_add(). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "graph.h"
#include "jsonptr.h"
#include "plugin.h"

/* ------------------------------------------------------------------------ */
/* Checks                                                                   */

static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#define EQ_INT(got, want)                                                      \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        if (g_ != w_) {                                                        \
            fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__,      \
                    __LINE__, #got, g_, w_);                                   \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#define EQ_NUM(got, want)                                                      \
    do {                                                                       \
        double g_ = (got), w_ = (want);                                        \
        if (g_ != w_) {                                                        \
            fprintf(stderr, "%s:%d: %s: got %.17g, want %.17g\n", __FILE__,    \
                    __LINE__, #got, g_, w_);                                   \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#define EQ_STR(got, want)                                                      \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        if (!g_ || strcmp(g_, w_) != 0) {                                      \
            fprintf(stderr, "%s:%d: %s:\n  got  '%s'\n  want '%s'\n",          \
                    __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_);         \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Node types covering every port and parameter type                        */

static uh_status dummy_process(uh_ctx *ctx)
{
    (void)ctx;
    return UH_OK;
}

static uh_status dummy_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    (void)ctx;
    (void)seq;
    (void)out;
    return UH_OK;
}

#define PORT(var, pname, ptype, pflags)                                        \
    static const uh_port_desc var = {.struct_size = sizeof(uh_port_desc),      \
                                     .name = pname,                            \
                                     .type = ptype,                            \
                                     .flags = pflags,                          \
                                     .doc = "a port"}

PORT(in_image, "image", UH_PORT_IMAGE, 0);
PORT(out_image, "image", UH_PORT_IMAGE, 0);
PORT(out_levels, "levels", UH_PORT_IMAGE_LIST, 0);
PORT(in_levels, "levels", UH_PORT_IMAGE_LIST, 0);
PORT(out_mean, "mean", UH_PORT_NUMBER, 0);
PORT(in_a, "a", UH_PORT_IMAGE, 0);
PORT(in_b, "b", UH_PORT_IMAGE, 0);
PORT(in_mask, "mask", UH_PORT_IMAGE, UH_PORT_OPTIONAL);
PORT(in_count, "count", UH_PORT_INTEGER, 0);

static const uh_port_desc *const ins_image[] = {&in_image, NULL};
static const uh_port_desc *const outs_image[] = {&out_image, NULL};
static const uh_port_desc *const outs_levels[] = {&out_levels, NULL};
static const uh_port_desc *const ins_levels[] = {&in_levels, NULL};
static const uh_port_desc *const outs_stats[] = {&out_mean, &out_image, NULL};
static const uh_port_desc *const ins_mix[] = {&in_a, &in_b, &in_mask, NULL};
static const uh_port_desc *const ins_count[] = {&in_count, NULL};

static const char *const filters[] = {"nearest", "box", "lanczos3", NULL};

static const uh_param_desc p_n = {.struct_size = sizeof(uh_param_desc),
                                  .name = "n",
                                  .type = UH_PARAM_NUMBER,
                                  .flags = UH_PARAM_RANGE,
                                  .def = 0.5,
                                  .min = 0,
                                  .max = 1,
                                  .doc = "a number in [0, 1]"};
static const uh_param_desc p_i = {.struct_size = sizeof(uh_param_desc),
                                  .name = "i",
                                  .type = UH_PARAM_INTEGER,
                                  .flags = UH_PARAM_RANGE,
                                  .def = 256,
                                  .min = 1,
                                  .max = 65535,
                                  .doc = "an integer in [1, 65535]"};
static const uh_param_desc p_u = {.struct_size = sizeof(uh_param_desc),
                                  .name = "u",
                                  .type = UH_PARAM_INTEGER,
                                  .def = -7,
                                  .doc = "an integer, no range"};
static const uh_param_desc p_f = {.struct_size = sizeof(uh_param_desc),
                                  .name = "f",
                                  .type = UH_PARAM_NUMBER,
                                  .def = 2.5,
                                  .doc = "a number, no range"};
static const uh_param_desc p_b = {.struct_size = sizeof(uh_param_desc),
                                  .name = "b",
                                  .type = UH_PARAM_BOOL,
                                  .def = 1,
                                  .doc = "a bool"};
static const uh_param_desc p_s = {.struct_size = sizeof(uh_param_desc),
                                  .name = "s",
                                  .type = UH_PARAM_STRING,
                                  .def_text = "hi",
                                  .doc = "a string"};
static const uh_param_desc p_e = {.struct_size = sizeof(uh_param_desc),
                                  .name = "e",
                                  .type = UH_PARAM_ENUM,
                                  .def_text = "box",
                                  .values = filters,
                                  .doc = "an enum"};
static const uh_param_desc p_v = {.struct_size = sizeof(uh_param_desc),
                                  .name = "v",
                                  .type = UH_PARAM_NUMBERS,
                                  .flags = UH_PARAM_RANGE,
                                  .def_text = "[0, 0.25, 0, 1]",
                                  .min = 0,
                                  .max = 1,
                                  .min_count = 3,
                                  .max_count = 4,
                                  .doc = "3 or 4 numbers in [0, 1]"};
static const uh_param_desc p_w = {.struct_size = sizeof(uh_param_desc),
                                  .name = "w",
                                  .type = UH_PARAM_NUMBERS,
                                  .doc = "numbers, any count"};
static const uh_param_desc *const all_params[] = {&p_n, &p_i, &p_u, &p_f, &p_b,
                                                  &p_s, &p_e, &p_v, &p_w, NULL};

static const uh_param_desc p_width = {.struct_size = sizeof(uh_param_desc),
                                      .name = "width",
                                      .type = UH_PARAM_INTEGER,
                                      .flags =
                                          UH_PARAM_RANGE | UH_PARAM_REQUIRED,
                                      .min = 1,
                                      .max = 65535,
                                      .doc = "output width"};
static const uh_param_desc p_height = {.struct_size = sizeof(uh_param_desc),
                                       .name = "height",
                                       .type = UH_PARAM_INTEGER,
                                       .flags = UH_PARAM_RANGE,
                                       .min = 0,
                                       .max = 65535,
                                       .doc = "output height, 0 = keep"};
static const uh_param_desc p_filter = {.struct_size = sizeof(uh_param_desc),
                                       .name = "filter",
                                       .type = UH_PARAM_ENUM,
                                       .def_text = "lanczos3",
                                       .values = filters,
                                       .doc = "filter"};
static const uh_param_desc *const resize_params[] = {&p_width, &p_height,
                                                     &p_filter, NULL};
static const uh_param_desc p_radius = {.struct_size = sizeof(uh_param_desc),
                                       .name = "radius",
                                       .type = UH_PARAM_NUMBER,
                                       .flags = UH_PARAM_RANGE,
                                       .def = 1,
                                       .min = 0,
                                       .max = 100,
                                       .doc = "radius"};
static const uh_param_desc *const blur_params[] = {&p_radius, NULL};
static const uh_param_desc p_path = {.struct_size = sizeof(uh_param_desc),
                                     .name = "path",
                                     .type = UH_PARAM_STRING,
                                     .flags = UH_PARAM_REQUIRED |
                                              UH_PARAM_INPUT_FILE,
                                     .doc = "file"};
static const uh_param_desc p_scale = {.struct_size = sizeof(uh_param_desc),
                                      .name = "scale",
                                      .type = UH_PARAM_INTEGER,
                                      .flags = UH_PARAM_RANGE,
                                      .def = 1,
                                      .min = 1,
                                      .max = 8,
                                      .doc = "DCT scaling"};
static const uh_param_desc p_quality = {.struct_size = sizeof(uh_param_desc),
                                        .name = "quality",
                                        .type = UH_PARAM_INTEGER,
                                        .flags = UH_PARAM_RANGE,
                                        .def = 90,
                                        .min = 1,
                                        .max = 100,
                                        .doc = "quality"};
static const uh_param_desc *const path_params[] = {&p_path, NULL};
static const uh_param_desc *const jload_params[] = {&p_path, &p_scale, NULL};
static const uh_param_desc *const jsave_params[] = {&p_path, &p_quality, NULL};

#define WHOLE(var, tid, ins, outs, pars)                                       \
    static const uh_node_type var = {.struct_size = sizeof(uh_node_type),      \
                                     .id = tid,                                \
                                     .summary = "test node",                   \
                                     .inputs = ins,                            \
                                     .outputs = outs,                          \
                                     .params = pars,                           \
                                     .process = dummy_process}
#define STRIP(var, tid, ins, outs, pars)                                       \
    static const uh_node_type var = {.struct_size = sizeof(uh_node_type),      \
                                     .id = tid,                                \
                                     .summary = "test node",                   \
                                     .inputs = ins,                            \
                                     .outputs = outs,                          \
                                     .params = pars,                           \
                                     .rows = dummy_rows}

WHOLE(t_src, "src", NULL, outs_image, NULL);
WHOLE(t_all, "all", ins_image, outs_image, all_params);
STRIP(t_resize, "resize", ins_image, outs_image, resize_params);
STRIP(t_blur, "blur", ins_image, outs_image, blur_params);
WHOLE(t_mip, "mip", ins_image, outs_levels, NULL);
WHOLE(t_stats, "stats", ins_image, outs_stats, NULL);
WHOLE(t_mix, "mix", ins_mix, outs_image, NULL);
WHOLE(t_counter, "counter", ins_count, outs_image, NULL);
STRIP(t_sink, "sink", ins_image, NULL, path_params);
WHOLE(t_nothing, "nothing", ins_image, NULL, NULL);
static const uh_node_type t_wsink = {.struct_size = sizeof(uh_node_type),
                                     .id = "wsink",
                                     .summary = "whole sink",
                                     .inputs = ins_levels,
                                     .process = dummy_process,
                                     .is_sink = 1};
WHOLE(t_pngload, "png.load", NULL, outs_image, path_params);
WHOLE(t_jpegload, "jpeg.load", NULL, outs_image, jload_params);
STRIP(t_pngsave, "png.save", ins_image, NULL, path_params);
STRIP(t_jpegsave, "jpeg.save", ins_image, NULL, jsave_params);

static const uh_node_type *const all_types[] = {
    &t_src,      &t_all,     &t_resize,   &t_blur,    &t_mip,   &t_stats,
    &t_mix,      &t_counter, &t_sink,     &t_nothing, &t_wsink, &t_pngload,
    &t_jpegload, &t_pngsave, &t_jpegsave, NULL};
/* The same without the JPEG codec, for "load" picking a missing type. */
static const uh_node_type *const png_only[] = {&t_src, &t_pngload, &t_pngsave,
                                               NULL};

static const uh_plugin plug_all = {.struct_size = sizeof(uh_plugin),
                                   .sdk = UH_SDK_VERSION_INIT,
                                   .name = "test",
                                   .version = "1.0.0",
                                   .node_types = all_types};
static const uh_plugin plug_png = {.struct_size = sizeof(uh_plugin),
                                   .sdk = UH_SDK_VERSION_INIT,
                                   .name = "pngonly",
                                   .version = "1.0.0",
                                   .node_types = png_only};

static registry *make_registry(const uh_plugin *desc)
{
    registry *r = registry_create();
    plugin *p = calloc(1, sizeof(*p));
    diag d;
    diag_init(&d);
    if (!r || !p || !(p->path = strdup("test.so"))) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    p->desc = desc;
    if (registry_add(r, p, &d) != 0) {
        fprintf(stderr, "registry_add: %s\n", d.msg);
        exit(1);
    }
    return r;
}

static registry *R; /* the full registry, made by main() */
static graph sentinel_graph;
#define SENTINEL (&sentinel_graph)

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static int parse_sets(const char *json, const char *const *sets, size_t n_sets,
                      graph **g, diag *d)
{
    /* The text is copied to a buffer of its exact length, without a NUL,
     * and freed at once: the graph must own everything it keeps, and must
     * not read past `len` (ASan catches both). *out starts as a sentinel
     * that a failure must leave alone. */
    size_t len = strlen(json);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, json, len);
    diag_init(d);
    *g = SENTINEL;
    int rc = graph_parse("g.json", copy, len, R, sets, n_sets, g, d);
    free(copy);
    return rc;
}

/* The JSON pointer an error message names, or NULL. */
static char *message_pointer(const char *msg)
{
    const char *p = strstr(msg, ": /");
    if (!p || strncmp(msg, "g.json", 6) != 0)
        return NULL;
    p += 2;
    const char *end = strstr(p, ": ");
    const char *paren = strstr(p, " (--set");
    if (paren && (!end || paren < end))
        end = paren;
    if (!end)
        return NULL;
    char *s = malloc((size_t)(end - p) + 1);
    memcpy(s, p, (size_t)(end - p));
    s[end - p] = 0;
    return s;
}

/* Parses `json` with `sets`, expects exit code `code` and message `msg`
 * exactly. With `resolves`, also checks that the pointer in the message
 * names a real place in the document. */
static void expect_sets(int line, const char *json, const char *const *sets,
                        size_t n_sets, int code, const char *msg, int resolves)
{
    graph *g;
    diag d;
    int rc = parse_sets(json, sets, n_sets, &g, &d);
    if (rc != code || d.code != code || strcmp(d.msg, msg) != 0) {
        fprintf(stderr,
                "line %d: got rc %d (diag %d) '%s'\n  want rc %d      '%s'\n",
                line, rc, d.code, d.msg, code, msg);
        failures++;
    }
    if (rc != 0 && g != SENTINEL) {
        fprintf(stderr, "line %d: *out set on failure\n", line);
        failures++;
    }
    if (rc == 0)
        graph_free(g);
    if (resolves) {
        char *ptr = message_pointer(d.msg);
        cJSON *root = cJSON_Parse(json);
        if (!ptr || !root || !jsonptr_resolve(root, ptr)) {
            fprintf(stderr, "line %d: pointer '%s' does not resolve\n", line,
                    ptr ? ptr : "(none)");
            failures++;
        }
        free(ptr);
        cJSON_Delete(root);
    }
}

#define EXPECT(json, code, msg)                                                \
    expect_sets(__LINE__, json, NULL, 0, code, msg, 1)
#define EXPECT_NOPTR(json, code, msg)                                          \
    expect_sets(__LINE__, json, NULL, 0, code, msg, 0)
#define EXPECT_SET(json, set, code, msg)                                       \
    do {                                                                       \
        const char *s_[] = {set};                                              \
        expect_sets(__LINE__, json, s_, 1, code, msg, 0);                      \
    } while (0)

/* Parses and expects success. */
static graph *ok_sets(int line, const char *json, const char *const *sets,
                      size_t n_sets, diag *d)
{
    graph *g;
    int rc = parse_sets(json, sets, n_sets, &g, d);
    if (rc != 0) {
        fprintf(stderr, "line %d: unexpected failure %d: %s\n", line, rc,
                d->msg);
        failures++;
        return NULL;
    }
    return g;
}
#define OK(json, d) ok_sets(__LINE__, json, NULL, 0, d)

static int32_t node_index(const graph *g, const char *id)
{
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].id, id) == 0)
            return (int32_t)i;
    return -1;
}

static const uh_value *param(const graph *g, const char *id, const char *name)
{
    int32_t i = node_index(g, id);
    if (i < 0)
        return NULL;
    const graph_node *n = &g->nodes[i];
    for (uint32_t k = 0; k < n->kind->n_params; k++)
        if (strcmp(n->kind->type->params[k]->name, name) == 0)
            return &n->params[k];
    return NULL;
}

static char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    return strdup(tmp);
}

/* A growing string for generated graphs. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    while (b->len + (size_t)n + 1 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->s = realloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define HEAD "{\"uberhost\": 1, "
#define SRC  "\"s\": {\"type\": \"src\"}"

/* ------------------------------------------------------------------------ */
/* Cases                                                                    */

#define TEST(name) static void test_##name(void)

TEST(ok_basic)
{
    diag d;
    graph *g =
        OK(HEAD "\"nodes\": {\"out\": {\"type\": \"sink\", \"params\": "
                "{\"path\": \"o.png\"}, \"inputs\": {\"image\": "
                "\"r\"}}, \"r\": {\"type\": \"resize\", \"params\": "
                "{\"width\": 32}, \"inputs\": {\"image\": \"s.image\"}}, " SRC
                "}}",
           &d);
    if (!g)
        return;
    EQ_STR(g->file, "g.json");
    EQ_INT(g->n_nodes, 3);
    EQ_STR(g->nodes[0].id, "out");
    EQ_STR(g->nodes[0].pointer, "/nodes/out");
    EQ_STR(g->nodes[1].kind->type->id, "resize");
    EQ_STR(g->nodes[1].kind->plugin->path, "test.so");
    /* inputs before users, whatever the file order */
    EQ_INT(g->order[0], 2);
    EQ_INT(g->order[1], 1);
    EQ_INT(g->order[2], 0);
    EQ_INT(g->nodes[0].inputs[0].node, 1);
    EQ_INT(g->nodes[0].inputs[0].port, 0);
    EQ_INT(g->nodes[1].inputs[0].node, 2);
    EQ_INT(g->nodes[2].n_consumers, 1);
    EQ_INT(g->nodes[1].n_consumers, 1);
    EQ_INT(g->nodes[0].n_consumers, 0);
    EQ_INT(d.n_warn, 0);
    EQ_INT(d.code, 0);
    const uh_value *v = param(g, "r", "width");
    EQ_INT(v->type, UH_PARAM_INTEGER);
    EQ_INT(v->integer, 32);
    EQ_NUM(v->number, 32);
    v = param(g, "r", "filter");
    EQ_INT(v->type, UH_PARAM_ENUM);
    EQ_INT(v->integer, 2);
    EQ_STR(v->string, "lanczos3");
    v = param(g, "out", "path");
    EQ_STR(v->string, "o.png");
    EQ_INT(v->count, 5);
    size_t n = 99;
    CHECK(graph_exports(g, &n) == NULL);
    EQ_INT(n, 0);
    CHECK(graph_description(g) == NULL);
    graph_free(g);
}

TEST(text_not_terminated)
{
    /* only `len` bytes are the graph; what follows is never read */
    static const char text[] = HEAD "\"nodes\": {" SRC "}}GARBAGE";
    graph *g = NULL;
    diag d;
    diag_init(&d);
    EQ_INT(
        graph_parse("g.json", text, sizeof(text) - 1 - 7, R, NULL, 0, &g, &d),
        0);
    EQ_INT(d.code, 0);
    graph_free(g);
    diag_init(&d);
    EQ_INT(
        graph_parse("g.json", text, sizeof(text) - 1 - 6, R, NULL, 0, &g, &d),
        EXIT_GRAPH);
    EQ_STR(d.msg, "g.json: invalid JSON at line 1, column 49: unexpected "
                  "text after the top-level value");
    graph_free(NULL);
}

TEST(values_every_type)
{
    diag d;
    graph *g = OK(HEAD "\"nodes\": {" SRC ", \"a\": {\"type\": \"all\", "
                       "\"inputs\": {\"image\": \"s\"}, \"params\": {\"n\": "
                       "0.25, \"i\": 65535, \"u\": -9007199254740992, \"f\": "
                       "-1e300, \"b\": false, \"s\": \"h\\u00e9\\n\", \"e\": "
                       "\"nearest\", \"v\": [1, 0.5, 0], \"w\": []}}}}",
                  &d);
    if (!g)
        return;
    const uh_value *v = param(g, "a", "n");
    EQ_INT(v->type, UH_PARAM_NUMBER);
    EQ_NUM(v->number, 0.25);
    v = param(g, "a", "i");
    EQ_INT(v->type, UH_PARAM_INTEGER);
    EQ_INT(v->integer, 65535);
    EQ_NUM(v->number, 65535);
    v = param(g, "a", "u");
    EQ_INT(v->integer, -9007199254740992LL);
    v = param(g, "a", "f");
    EQ_NUM(v->number, -1e300);
    v = param(g, "a", "b");
    EQ_INT(v->type, UH_PARAM_BOOL);
    EQ_INT(v->integer, 0);
    EQ_NUM(v->number, 0);
    v = param(g, "a", "s");
    EQ_INT(v->type, UH_PARAM_STRING);
    EQ_STR(v->string, "h\xc3\xa9\n");
    EQ_INT(v->count, 4);
    v = param(g, "a", "e");
    EQ_INT(v->type, UH_PARAM_ENUM);
    EQ_INT(v->integer, 0);
    EQ_STR(v->string, "nearest");
    v = param(g, "a", "v");
    EQ_INT(v->type, UH_PARAM_NUMBERS);
    EQ_INT(v->count, 3);
    EQ_NUM(v->numbers[0], 1);
    EQ_NUM(v->numbers[1], 0.5);
    EQ_NUM(v->numbers[2], 0);
    v = param(g, "a", "w");
    EQ_INT(v->count, 0);
    /* "a" feeds nothing: one warning */
    EQ_INT(d.n_warn, 1);
    EQ_STR(d.warn[0], "g.json: /nodes/a: the output of node 'a' (all) is not "
                      "used");
    graph_free(g);
}

TEST(values_defaults)
{
    diag d;
    graph *g = OK(HEAD "\"nodes\": {" SRC ", \"a\": {\"type\": \"all\", "
                       "\"inputs\": {\"image\": \"s\"}}}}",
                  &d);
    if (!g)
        return;
    EQ_NUM(param(g, "a", "n")->number, 0.5);
    EQ_INT(param(g, "a", "i")->integer, 256);
    EQ_NUM(param(g, "a", "i")->number, 256);
    EQ_INT(param(g, "a", "u")->integer, -7);
    EQ_NUM(param(g, "a", "f")->number, 2.5);
    EQ_INT(param(g, "a", "b")->integer, 1);
    EQ_NUM(param(g, "a", "b")->number, 1);
    EQ_STR(param(g, "a", "s")->string, "hi");
    EQ_INT(param(g, "a", "e")->integer, 1);
    EQ_STR(param(g, "a", "e")->string, "box");
    const uh_value *v = param(g, "a", "v");
    EQ_INT(v->count, 4);
    EQ_NUM(v->numbers[1], 0.25);
    EQ_NUM(v->numbers[3], 1);
    EQ_INT(param(g, "a", "w")->count, 0);
    EQ_INT(param(g, "a", "w")->type, UH_PARAM_NUMBERS);
    graph_free(g);
}

TEST(order_lowest_index_first)
{
    /* file order: d(0) <- c(1); b(2) src; a(3) src; c <- b; e(4) <- a.
     * Ready at first: b(2), a(3); b first, then c(1) becomes ready and is
     * lower than a(3), then d(0), then a, then e. */
    diag d;
    graph *g = OK(
        HEAD "\"nodes\": {\"d\": {\"type\": \"sink\", \"params\": {\"path\": "
             "\"x\"}, \"inputs\": {\"image\": \"c\"}}, \"c\": {\"type\": "
             "\"blur\", \"inputs\": {\"image\": \"b\"}}, \"b\": {\"type\": "
             "\"src\"}, \"a\": {\"type\": \"src\"}, \"e\": {\"type\": "
             "\"sink\", \"params\": {\"path\": \"y\"}, \"inputs\": {\"image\": "
             "\"a\"}}}}",
        &d);
    if (!g)
        return;
    static const uint32_t want[] = {2, 1, 0, 3, 4};
    for (int i = 0; i < 5; i++)
        EQ_INT(g->order[i], want[i]);
    graph_free(g);
}

TEST(json_syntax)
{
    EXPECT_NOPTR("{\"uberhost\": 1,\n  \"nodes\": {\n    \"a\" 1}}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 3, column 9: expected ':' "
                 "after an object key");
    EXPECT_NOPTR(HEAD "\"nodes\": {}} x", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 30: unexpected text "
                 "after the top-level value");
    EXPECT_NOPTR(HEAD "\"nodes\": {", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 27: unexpected end "
                 "of file");
    EXPECT_NOPTR("{\"a\": [1, 2,]}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 13: expected a "
                 "value");
    EXPECT_NOPTR("{\"a\": 1,}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 9: expected a string "
                 "key");
    EXPECT_NOPTR("{\"a\": 1 \"b\": 2}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 9: expected ',' or "
                 "'}' after a value");
    EXPECT_NOPTR("{'a': 1}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 2: expected a string "
                 "key or '}'");
    EXPECT_NOPTR("{\"a\": tru}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 7: expected a value");
    EXPECT_NOPTR("{\"a\": \"abc}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 7: unterminated "
                 "string");
    /* columns count characters: the é before the error is one column */
    EXPECT_NOPTR("{\"\xc3\xa9\": x}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 7: expected a value");
}

TEST(json_strict_numbers)
{
    static const char *const bad[] = {"01",    "1.",  ".5",       "+1",
                                      "-",     "1e",  "1e+",      "0x10",
                                      "1.5.2", "NaN", "Infinity", "-inf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *json = xasprintf("{\"a\": %s}", bad[i]);
        const char *why = bad[i][0] == '.' || bad[i][0] == '+' ||
                                  bad[i][0] == 'N' || bad[i][0] == 'I'
                              ? "expected a value"
                              : "invalid number";
        char *msg =
            xasprintf("g.json: invalid JSON at line 1, column 7: %s", why);
        expect_sets(__LINE__, json, NULL, 0, EXIT_GRAPH, msg, 0);
        free(json);
        free(msg);
    }
}

TEST(json_strings)
{
    EXPECT_NOPTR("{\"a\": \"x\ty\"}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 9: control character "
                 "in a string (write it as an escape such as \\n or \\u0009)");
    EXPECT_NOPTR("{\"a\": \"x\\qy\"}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 9: invalid escape in "
                 "a string");
    EXPECT_NOPTR("{\"a\": \"\\u12g4\"}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 8: invalid \\u "
                 "escape (expected 4 hex digits)");
    EXPECT_NOPTR("{\"a\": \"\\ud800x\"}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 8: unpaired "
                 "surrogate in a \\u escape");
    EXPECT_NOPTR("{\"a\": \"\\udc00\"}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 8: unpaired "
                 "surrogate in a \\u escape");
    /* a raw NUL byte is a control character */
    static const char raw[] = "{\"a\": \"x\0\"}";
    graph *g;
    diag d;
    diag_init(&d);
    EQ_INT(graph_parse("g.json", raw, sizeof(raw) - 1, R, NULL, 0, &g, &d),
           EXIT_GRAPH);
    EQ_STR(d.msg, "g.json: invalid JSON at line 1, column 9: control "
                  "character in a string (write it as an escape such as \\n "
                  "or \\u0009)");
    /* a pair of surrogates is fine and decodes to one character */
    diag_init(&d);
    g = OK(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", \"params\": "
                "{\"path\": \"\\ud83d\\ude00\"}, \"inputs\": {\"image\": "
                "\"s\"}}}}",
           &d);
    if (g) {
        EQ_STR(param(g, "o", "path")->string, "\xf0\x9f\x98\x80");
        graph_free(g);
    }
}

TEST(empty_and_root)
{
    EXPECT_NOPTR("", EXIT_GRAPH,
                 "g.json: the file is empty (a graph is a JSON object)");
    EXPECT_NOPTR(" \n\t\r\n", EXIT_GRAPH,
                 "g.json: the file is empty (a graph is a JSON object)");
    EXPECT_NOPTR("[1, 2]", EXIT_GRAPH,
                 "g.json: the top level is an array; a graph is a JSON "
                 "object");
    EXPECT_NOPTR("\"x\"", EXIT_GRAPH,
                 "g.json: the top level is a string; a graph is a JSON "
                 "object");
    EXPECT_NOPTR("42", EXIT_GRAPH,
                 "g.json: the top level is a number; a graph is a JSON "
                 "object");
    EXPECT_NOPTR("null", EXIT_GRAPH,
                 "g.json: the top level is not an object; a graph is a JSON "
                 "object");
}

TEST(byte_order_marks)
{
    diag d;
    graph *g = OK("\xef\xbb\xbf" HEAD "\"nodes\": {\"o\": {\"type\": "
                  "\"sink\", \"params\": {\"path\": \"x\"}, \"inputs\": "
                  "{\"image\": \"s\"}}, " SRC "}}",
                  &d);
    graph_free(g);
    /* after a BOM, columns count from the first character after it */
    EXPECT_NOPTR("\xef\xbb\xbf{x}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 2: expected a string "
                 "key or '}'");
    EXPECT_NOPTR("\xff\xfe{\0", EXIT_GRAPH,
                 "g.json: the file is UTF-16 (it starts with a byte order "
                 "mark); save it as UTF-8");
    EXPECT_NOPTR("\xfe\xff\0{", EXIT_GRAPH,
                 "g.json: the file is UTF-16 (it starts with a byte order "
                 "mark); save it as UTF-8");
    /* a second BOM is not skipped */
    EXPECT_NOPTR("\xef\xbb\xbf\xef\xbb\xbf{}", EXIT_GRAPH,
                 "g.json: invalid JSON at line 1, column 1: expected a value");
}

TEST(file_too_large)
{
    size_t n = (size_t)GRAPH_MAX_BYTES + 1;
    char *big = malloc(n);
    graph *g = NULL;
    diag d;
    memset(big, ' ', n);
    big[0] = '{';
    diag_init(&d);
    EQ_INT(graph_parse("g.json", big, n, R, NULL, 0, &g, &d), EXIT_LIMIT);
    EQ_STR(d.msg, "g.json: the file is larger than the limit of 16777216 "
                  "bytes");
    CHECK(g == NULL);
    /* graph_load stops after limit + 1 bytes of an endless stream */
    diag_init(&d);
    EQ_INT(graph_load("/dev/zero", R, NULL, 0, &g, &d), EXIT_LIMIT);
    EQ_STR(d.msg, "/dev/zero: the file is larger than the limit of 16777216 "
                  "bytes");
    /* exactly at the limit is read and parsed */
    big[n - 2] = '}';
    write_file("big.json", big, n - 1);
    diag_init(&d);
    EQ_INT(graph_load("big.json", R, NULL, 0, &g, &d), EXIT_GRAPH);
    EQ_STR(d.msg, "big.json: /uberhost: missing: the graph format number "
                  "(this uberhost reads format 1: add \"uberhost\": 1)");
    write_file("big.json", big, n);
    diag_init(&d);
    EQ_INT(graph_load("big.json", R, NULL, 0, &g, &d), EXIT_LIMIT);
    EQ_STR(d.msg, "big.json: the file is larger than the limit of 16777216 "
                  "bytes");
    free(big);
}

TEST(graph_load_files)
{
    graph *g = NULL;
    diag d;
    const char *text = HEAD "\"description\": \"t\", \"nodes\": {" SRC
                            ", \"o\": {\"type\": \"sink\", \"params\": "
                            "{\"path\": \"x\"}, \"inputs\": {\"image\": "
                            "\"s\"}}}}";
    write_file("ok.json", text, strlen(text));
    diag_init(&d);
    EQ_INT(graph_load("ok.json", R, NULL, 0, &g, &d), 0);
    if (g) {
        EQ_STR(g->file, "ok.json");
        EQ_STR(graph_description(g), "t");
        graph_free(g);
    }
    g = NULL;
    diag_init(&d);
    EQ_INT(graph_load("missing.json", R, NULL, 0, &g, &d), EXIT_USAGE);
    EQ_STR(d.msg, "missing.json: cannot open: No such file or directory");
    CHECK(g == NULL);
    diag_init(&d);
    EQ_INT(graph_load(".", R, NULL, 0, &g, &d), EXIT_USAGE);
    EQ_STR(d.msg, ".: cannot read: Is a directory");
}

static char *nested(size_t depth)
{
    /* {"x": [[[ ... ]]]} with `depth` levels counting the root */
    sbuf b = {0};
    sb_add(&b, "{\"x\": ");
    for (size_t i = 1; i < depth; i++)
        sb_add(&b, "[");
    for (size_t i = 1; i < depth; i++)
        sb_add(&b, "]");
    sb_add(&b, "}");
    return b.s;
}

TEST(deep_nesting)
{
    char *s = nested(10000);
    EXPECT_NOPTR(s, EXIT_LIMIT,
                 "g.json: JSON nested deeper than the limit of 64 levels at "
                 "line 1, column 70");
    free(s);
    s = nested(65);
    EXPECT_NOPTR(s, EXIT_LIMIT,
                 "g.json: JSON nested deeper than the limit of 64 levels at "
                 "line 1, column 70");
    free(s);
    /* 64 levels pass the reader; the graph is then wrong for other reasons */
    s = nested(64);
    EXPECT_NOPTR(s, EXIT_GRAPH,
                 "g.json: /uberhost: missing: the graph format number (this "
                 "uberhost reads format 1: add \"uberhost\": 1)");
    free(s);
}

static char *many_nodes(unsigned n, int cycle)
{
    /* n0 (src) -> n1 -> ... -> n(n-1) (blur), or a ring of blurs */
    sbuf b = {0};
    sb_add(&b, HEAD "\"nodes\": {");
    for (unsigned i = 0; i < n; i++) {
        if (i == 0 && !cycle)
            sb_add(&b, "\"n0\": {\"type\": \"src\"}");
        else
            sb_add(&b,
                   "%s\"n%u\": {\"type\": \"blur\", \"inputs\": {\"image\": "
                   "\"n%u\"}}",
                   i ? ", " : "", i, i == 0 ? n - 1 : i - 1);
    }
    sb_add(&b, "}}");
    return b.s;
}

TEST(chain_10000)
{
    char *s = many_nodes(10000, 0);
    diag d;
    double t0 = now();
    graph *g = OK(s, &d);
    double t = now() - t0;
    free(s);
    if (!g)
        return;
    EQ_INT(g->n_nodes, 10000);
    for (uint32_t i = 0; i < 10000; i++)
        if (g->order[i] != i) {
            EQ_INT(g->order[i], i);
            break;
        }
    EQ_INT(g->nodes[9999].n_consumers, 0);
    EQ_INT(g->nodes[5000].n_consumers, 1);
    EQ_INT(d.n_warn, 1);
    EQ_STR(d.warn[0], "g.json: /nodes/n9999: the output of node 'n9999' "
                      "(blur) is not used");
    if (t > 2.0) {
        fprintf(stderr, "10000-node chain took %.2f s\n", t);
        failures++;
    }
    graph_free(g);
}

TEST(too_many_nodes)
{
    char *s = many_nodes(10001, 0);
    EXPECT(s, EXIT_LIMIT,
           "g.json: /nodes: 10001 nodes, more than the limit "
           "of 10000");
    free(s);
}

TEST(cycles)
{
    EXPECT(HEAD "\"nodes\": {\"a\": {\"type\": \"blur\", \"inputs\": "
                "{\"image\": \"b\"}}, \"b\": {\"type\": \"blur\", \"inputs\": "
                "{\"image\": \"a\"}}}}",
           EXIT_GRAPH, "g.json: /nodes: cycle: a -> b -> a");
    EXPECT(HEAD "\"nodes\": {\"a\": {\"type\": \"blur\", \"inputs\": "
                "{\"image\": \"a\"}}}}",
           EXIT_GRAPH, "g.json: /nodes: cycle: a -> a");
    /* a source and a tail outside the cycle are not named; the cycle starts
     * at its lowest file index and follows the data */
    EXPECT(HEAD "\"nodes\": {" SRC ", \"t\": {\"type\": \"blur\", "
                "\"inputs\": {\"image\": \"z\"}}, \"z\": {\"type\": \"mix\", "
                "\"inputs\": {\"a\": \"s\", \"b\": \"y\"}}, \"x\": {\"type\": "
                "\"blur\", \"inputs\": {\"image\": \"z\"}}, \"y\": {\"type\": "
                "\"blur\", \"inputs\": {\"image\": \"x\"}}}}",
           EXIT_GRAPH, "g.json: /nodes: cycle: z -> x -> y -> z");
}

TEST(cycle_1000)
{
    char *s = many_nodes(1000, 1);
    EXPECT(s, EXIT_GRAPH,
           "g.json: /nodes: cycle of 1000 nodes: n0 -> n1 -> n2 -> n3 -> n4 "
           "-> ... -> n998 -> n999 -> n0");
    free(s);
}

TEST(strings_checked)
{
    sbuf b = {0};
    sb_add(&b,
           HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", "
                "\"inputs\": {\"image\": \"s\"}, \"params\": {\"path\": \"");
    for (int i = 0; i < 4096; i++)
        sb_add(&b, "%c", 'a' + i % 26);
    sb_add(&b, "\"}}}}");
    diag d;
    graph *g = OK(b.s, &d); /* 4096 bytes: at the limit */
    graph_free(g);
    memmove(b.s + b.len - 5 + 1, b.s + b.len - 5, 6);
    b.s[b.len - 5] = 'x';
    EXPECT(b.s, EXIT_GRAPH,
           "g.json: /nodes/o/params/path: string of 4097 bytes is longer "
           "than the limit of 4096 bytes");
    free(b.s);
    EXPECT(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", \"inputs\": "
                "{\"image\": \"s\"}, \"params\": {\"path\": \"a\\u0000b\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/o/params/path: string contains a NUL character "
           "(\\u0000)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", \"inputs\": "
                "{\"image\": \"s\"}, \"params\": {\"path\": \"a\xff\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/o/params/path: string is not valid UTF-8 (byte "
           "0xff at offset 1)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", \"inputs\": "
                "{\"image\": \"s\"}, \"params\": {\"path\": \"\xc0\xaf\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/o/params/path: string is not valid UTF-8 (byte "
           "0xc0 at offset 0)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", \"inputs\": "
                "{\"image\": \"s\"}, \"params\": {\"path\": "
                "\"\xed\xa0\x80\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/o/params/path: string is not valid UTF-8 (byte "
           "0xed at offset 0)");
    /* keys are strings too; the NUL is found even among many strings */
    EXPECT_NOPTR(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", "
                      "\"inputs\": {\"image\": \"s\"}, \"params\": "
                      "{\"path\": \"x\", \"p\\u0000q\": 1}}}}",
                 EXIT_GRAPH,
                 "g.json: /nodes/o/params/p: key contains a NUL character "
                 "(\\u0000)");
    EXPECT_NOPTR(HEAD "\"nodes\": {\"a\xfe\": {\"type\": \"src\"}}}",
                 EXIT_GRAPH,
                 "g.json: /nodes/a\\xfe: key is not valid UTF-8 (byte 0xfe at "
                 "offset 1)");
}

TEST(duplicate_keys)
{
    EXPECT(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"resize\", "
                "\"inputs\": {\"image\": \"s\"}, \"params\": {\"width\": 1, "
                "\"width\": 99999}}}}",
           EXIT_GRAPH, "g.json: /nodes/o/params: duplicate key 'width'");
    EXPECT_NOPTR(HEAD "\"uberhost\": 1, \"nodes\": {}}", EXIT_GRAPH,
                 "g.json: duplicate key 'uberhost'");
    EXPECT(HEAD "\"nodes\": {" SRC ", " SRC "}}", EXIT_GRAPH,
           "g.json: /nodes: duplicate key 's'");
    /* keys differing in case are different keys */
    EXPECT(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"resize\", "
                "\"inputs\": {\"image\": \"s\"}, \"params\": {\"width\": 1, "
                "\"Width\": 2}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/o/params/Width: unknown parameter 'Width' for "
           "resize (did you mean 'width'?)");
    /* a large object: the first repeated key in file order is named */
    sbuf b = {0};
    sb_add(&b, HEAD "\"nodes\": {" SRC "}, \"description\": {");
    for (int i = 0; i < 40; i++)
        sb_add(&b, "%s\"k%d\": 1", i ? ", " : "", i % 30 == 29 ? 3 : 40 - i);
    sb_add(&b, "}}");
    EXPECT(b.s, EXIT_GRAPH, "g.json: /description: duplicate key 'k3'");
    free(b.s);
}

TEST(format_version)
{
    EXPECT_NOPTR("{\"nodes\": {}}", EXIT_GRAPH,
                 "g.json: /uberhost: missing: the graph format number (this "
                 "uberhost reads format 1: add \"uberhost\": 1)");
    EXPECT("{\"uberhost\": 3, \"nodes\": {}}", EXIT_GRAPH,
           "g.json: /uberhost: graph format 3 is not supported (this "
           "uberhost reads format 1)");
    EXPECT("{\"uberhost\": 0, \"futurekey\": {}}", EXIT_GRAPH,
           "g.json: /uberhost: graph format 0 is not supported (this "
           "uberhost reads format 1)");
    EXPECT("{\"uberhost\": \"1\", \"nodes\": {}}", EXIT_GRAPH,
           "g.json: /uberhost: expected the graph format number (an "
           "integer; this uberhost reads format 1), got '1'");
    EXPECT("{\"uberhost\": 1.5, \"nodes\": {}}", EXIT_GRAPH,
           "g.json: /uberhost: expected the graph format number (an "
           "integer; this uberhost reads format 1), got 1.5");
    diag d;
    graph *g = OK("{\"uberhost\": 1.0, \"nodes\": {" SRC "}}", &d);
    graph_free(g);
}

TEST(structure)
{
    EXPECT(HEAD "\"nodes\": {}, \"node\": 1}", EXIT_GRAPH,
           "g.json: /node: unknown key 'node' (did you mean 'nodes'?)");
    EXPECT(HEAD "\"nodes\": {}, \"zzz\": 1}", EXIT_GRAPH,
           "g.json: /zzz: unknown key 'zzz' (known keys: uberhost, nodes, "
           "params, description)");
    EXPECT_NOPTR(HEAD "\"params\": {}}", EXIT_GRAPH,
                 "g.json: missing key 'nodes' (an object of node id to node) "
                 "at the top level");
    EXPECT(HEAD "\"nodes\": []}", EXIT_GRAPH,
           "g.json: /nodes: expected an object of node id to node, got an "
           "array");
    EXPECT(HEAD "\"nodes\": {}}", EXIT_GRAPH,
           "g.json: /nodes: the graph has no nodes");
    EXPECT(HEAD "\"nodes\": {" SRC "}, \"description\": 3}", EXIT_GRAPH,
           "g.json: /description: expected a string, got 3");
    EXPECT(HEAD "\"nodes\": {\"a\": 1}}", EXIT_GRAPH,
           "g.json: /nodes/a: expected an object (a node with \"type\"), got "
           "1");
    EXPECT(HEAD "\"nodes\": {\"a\": {}}}", EXIT_GRAPH,
           "g.json: /nodes/a: missing key 'type'");
    EXPECT(HEAD "\"nodes\": {\"a\": {\"type\": null}}}", EXIT_GRAPH,
           "g.json: /nodes/a/type: expected a string (a node type), got "
           "null");
    EXPECT(HEAD "\"nodes\": {\"a\": {\"type\": \"src\", \"input\": {}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/a/input: unknown key 'input' (did you mean "
           "'inputs'?)");
    EXPECT(HEAD "\"nodes\": {\"a\": {\"type\": \"src\", \"params\": []}}}",
           EXIT_GRAPH,
           "g.json: /nodes/a/params: expected an object of parameter name to "
           "value, got an array");
    EXPECT(HEAD "\"nodes\": {\"a\": {\"type\": \"src\", \"inputs\": "
                "\"x\"}}}",
           EXIT_GRAPH,
           "g.json: /nodes/a/inputs: expected an object of input name to "
           "source (\"node\" or \"node.port\"), got 'x'");
}

TEST(node_ids)
{
    EXPECT(HEAD "\"nodes\": {\"a b\": {\"type\": \"src\"}}}", EXIT_GRAPH,
           "g.json: /nodes/a b: node id 'a b' is not valid: use 1 to 64 "
           "letters, digits, '_' or '-'");
    EXPECT(HEAD "\"nodes\": {\"a.b\": {\"type\": \"src\"}}}", EXIT_GRAPH,
           "g.json: /nodes/a.b: node id 'a.b' is not valid: use 1 to 64 "
           "letters, digits, '_' or '-'");
    EXPECT(HEAD "\"nodes\": {\"\": {\"type\": \"src\"}}}", EXIT_GRAPH,
           "g.json: /nodes/: node id '' is not valid: use 1 to 64 letters, "
           "digits, '_' or '-'");
    char id[66];
    memset(id, 'x', 65);
    id[65] = 0;
    char *s = xasprintf(HEAD "\"nodes\": {\"%s\": {\"type\": \"src\"}}}", id);
    char *m = xasprintf("g.json: /nodes/%s: node id '%s' is not valid: use 1 "
                        "to 64 letters, digits, '_' or '-'",
                        id, id);
    expect_sets(__LINE__, s, NULL, 0, EXIT_GRAPH, m, 1);
    free(s);
    free(m);
    id[64] = 0; /* 64 is fine */
    s = xasprintf(HEAD "\"nodes\": {\"%s\": {\"type\": \"src\"}, \"A-9_\": "
                       "{\"type\": \"src\"}}}",
                  id);
    diag d;
    graph *g = OK(s, &d);
    graph_free(g);
    free(s);
    /* control characters in a key are shown escaped, on one line */
    EXPECT_NOPTR(
        HEAD "\"nodes\": {\"a\\nb\": {\"type\": \"src\"}}}", EXIT_GRAPH,
        "g.json: /nodes/a\\nb: node id 'a\\nb' is not valid: use 1 to 64 "
        "letters, digits, '_' or '-'");
}

TEST(unknown_type)
{
    EXPECT(HEAD "\"nodes\": {\"b\": {\"type\": \"blurr\"}}}", EXIT_GRAPH,
           "g.json: /nodes/b/type: unknown node type 'blurr' (did you mean "
           "'blur'?)");
    EXPECT(HEAD "\"nodes\": {\"b\": {\"type\": \"zzzzzzzz\"}}}", EXIT_GRAPH,
           "g.json: /nodes/b/type: unknown node type 'zzzzzzzz' (no loaded "
           "plugin provides it)");
    EXPECT(HEAD "\"nodes\": {\"b\": {\"type\": \"laod\"}}}", EXIT_GRAPH,
           "g.json: /nodes/b/type: unknown node type 'laod' (did you mean "
           "'load'?)");
}

TEST(unknown_param)
{
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"resize\", "
                "\"inputs\": {\"image\": \"s\"}, \"params\": {\"widht\": "
                "3}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/params/widht: unknown parameter 'widht' for "
           "resize (did you mean 'width'?)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"resize\", "
                "\"inputs\": {\"image\": \"s\"}, \"params\": {\"zoom\": "
                "3}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/params/zoom: unknown parameter 'zoom' for "
           "resize (parameters: width, height, filter)");
    EXPECT(HEAD "\"nodes\": {\"s\": {\"type\": \"src\", \"params\": {\"x\": "
                "1}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/s/params/x: unknown parameter 'x' for src (it has "
           "no parameters)");
    /* RFC 6901 escaping of '/' and '~' in the pointer */
    EXPECT(HEAD
           "\"nodes\": {\"s\": {\"type\": \"src\", \"params\": {\"a/b~c\": "
           "1}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/s/params/a~1b~0c: unknown parameter 'a/b~c' for "
           "src (it has no parameters)");
}

TEST(missing_required_param)
{
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"resize\", "
                "\"inputs\": {\"image\": \"s\"}, \"params\": {\"height\": "
                "3}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/params: missing required parameter 'width' "
           "(resize)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"resize\", "
                "\"inputs\": {\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r: missing required parameter 'width' (resize)");
}

#define ALL_WITH(params)                                                       \
    HEAD "\"nodes\": {" SRC ", \"a\": {\"type\": \"all\", \"inputs\": "        \
         "{\"image\": \"s\"}, \"params\": {" params "}}}}"

TEST(integer_params)
{
    EXPECT(ALL_WITH("\"i\": -3"), EXIT_GRAPH,
           "g.json: /nodes/a/params/i: expected an integer in [1, 65535], got "
           "-3");
    EXPECT(ALL_WITH("\"i\": 3.7"), EXIT_GRAPH,
           "g.json: /nodes/a/params/i: expected an integer in [1, 65535], got "
           "3.7");
    EXPECT(ALL_WITH("\"i\": 65536"), EXIT_GRAPH,
           "g.json: /nodes/a/params/i: expected an integer in [1, 65535], got "
           "65536");
    EXPECT(ALL_WITH("\"i\": \"5\""), EXIT_GRAPH,
           "g.json: /nodes/a/params/i: expected an integer in [1, 65535], got "
           "'5'");
    EXPECT(ALL_WITH("\"i\": true"), EXIT_GRAPH,
           "g.json: /nodes/a/params/i: expected an integer in [1, 65535], got "
           "true");
    EXPECT(ALL_WITH("\"u\": 4294967297.5"), EXIT_GRAPH,
           "g.json: /nodes/a/params/u: expected an integer, got 4294967297.5");
    EXPECT(ALL_WITH("\"u\": 1e20"), EXIT_GRAPH,
           "g.json: /nodes/a/params/u: expected an integer, got 1e+20");
    EXPECT(ALL_WITH("\"u\": 9007199254740994"), EXIT_GRAPH,
           "g.json: /nodes/a/params/u: expected an integer, got "
           "9007199254740994");
    EXPECT(ALL_WITH("\"u\": 1e400"), EXIT_GRAPH,
           "g.json: /nodes/a/params/u: expected an integer, got a number too "
           "large to represent");
    diag d;
    graph *g = OK(ALL_WITH("\"u\": 9007199254740992, \"i\": 1e3"), &d);
    if (g) {
        EQ_INT(param(g, "a", "u")->integer, 9007199254740992LL);
        EQ_INT(param(g, "a", "i")->integer, 1000);
        graph_free(g);
    }
    g = OK(ALL_WITH("\"u\": -0"), &d);
    if (g) {
        EQ_INT(param(g, "a", "u")->integer, 0);
        CHECK(!signbit(param(g, "a", "u")->number));
        graph_free(g);
    }
}

TEST(number_params)
{
    EXPECT(ALL_WITH("\"n\": 1.5"), EXIT_GRAPH,
           "g.json: /nodes/a/params/n: expected a number in [0, 1], got 1.5");
    EXPECT(ALL_WITH("\"n\": -1e-300"), EXIT_GRAPH,
           "g.json: /nodes/a/params/n: expected a number in [0, 1], got "
           "-1e-300");
    EXPECT(ALL_WITH("\"f\": -1e400"), EXIT_GRAPH,
           "g.json: /nodes/a/params/f: expected a number, got a number too "
           "large to represent");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"b\": {\"type\": \"blur\", \"params\": "
                "{\"radius\": 1000.5}, \"inputs\": {\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/b/params/radius: expected a number in [0, 100], "
           "got 1000.5");
    EXPECT(ALL_WITH("\"f\": [1]"), EXIT_GRAPH,
           "g.json: /nodes/a/params/f: expected a number, got an array");
    EXPECT(ALL_WITH("\"f\": {}"), EXIT_GRAPH,
           "g.json: /nodes/a/params/f: expected a number, got an object");
    diag d;
    graph *g = OK(ALL_WITH("\"n\": 0.1, \"f\": 1e-310"), &d);
    if (g) {
        EQ_NUM(param(g, "a", "n")->number, 0.1);
        EQ_NUM(param(g, "a", "f")->number, 1e-310);
        graph_free(g);
    }
}

TEST(bool_string_params)
{
    EXPECT(ALL_WITH("\"b\": 1"), EXIT_GRAPH,
           "g.json: /nodes/a/params/b: expected true or false, got 1");
    EXPECT(ALL_WITH("\"b\": \"true\""), EXIT_GRAPH,
           "g.json: /nodes/a/params/b: expected true or false, got 'true'");
    EXPECT(ALL_WITH("\"s\": null"), EXIT_GRAPH,
           "g.json: /nodes/a/params/s: expected a string, got null");
    EXPECT(ALL_WITH("\"s\": 5"), EXIT_GRAPH,
           "g.json: /nodes/a/params/s: expected a string, got 5");
}

TEST(enum_params)
{
    EXPECT(ALL_WITH("\"e\": \"bogus\""), EXIT_GRAPH,
           "g.json: /nodes/a/params/e: expected one of nearest, box, "
           "lanczos3, got 'bogus'");
    EXPECT(ALL_WITH("\"e\": \"lanczos\""), EXIT_GRAPH,
           "g.json: /nodes/a/params/e: expected one of nearest, box, "
           "lanczos3, got 'lanczos' (did you mean 'lanczos3'?)");
    EXPECT(ALL_WITH("\"e\": 1"), EXIT_GRAPH,
           "g.json: /nodes/a/params/e: expected one of nearest, box, "
           "lanczos3, got 1");
    EXPECT(ALL_WITH("\"e\": \"Box\""), EXIT_GRAPH,
           "g.json: /nodes/a/params/e: expected one of nearest, box, "
           "lanczos3, got 'Box' (did you mean 'box'?)");
}

TEST(numbers_params)
{
    EXPECT(ALL_WITH("\"v\": [0, 1]"), EXIT_GRAPH,
           "g.json: /nodes/a/params/v: expected an array of 3 to 4 numbers, "
           "got 2");
    EXPECT(ALL_WITH("\"v\": [0, 1, 0, 1, 0]"), EXIT_GRAPH,
           "g.json: /nodes/a/params/v: expected an array of 3 to 4 numbers, "
           "got 5");
    EXPECT(ALL_WITH("\"v\": [0, 1, 2]"), EXIT_GRAPH,
           "g.json: /nodes/a/params/v/2: expected a number in [0, 1], got 2");
    EXPECT(ALL_WITH("\"v\": [0, \"1\", 0]"), EXIT_GRAPH,
           "g.json: /nodes/a/params/v/1: expected a number in [0, 1], got "
           "'1'");
    EXPECT(ALL_WITH("\"v\": 0.5"), EXIT_GRAPH,
           "g.json: /nodes/a/params/v: expected an array of 3 to 4 numbers in "
           "[0, 1], got 0.5");
    EXPECT(ALL_WITH("\"w\": [1e400]"), EXIT_GRAPH,
           "g.json: /nodes/a/params/w/0: expected a number, got a number too "
           "large to represent");
    diag d;
    graph *g = OK(ALL_WITH("\"w\": [-1e300, 2, 3, 4, 5, 6, 7]"), &d);
    if (g) {
        EQ_INT(param(g, "a", "w")->count, 7);
        EQ_NUM(param(g, "a", "w")->numbers[0], -1e300);
        EQ_NUM(param(g, "a", "w")->numbers[6], 7);
        graph_free(g);
    }
}

TEST(inputs)
{
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"blur\", "
                "\"inputs\": {\"image\": \"srcc\"}}}}",
           EXIT_GRAPH, "g.json: /nodes/r/inputs/image: unknown node 'srcc'");
    EXPECT(HEAD "\"nodes\": {\"src\": {\"type\": \"src\"}, \"r\": {\"type\": "
                "\"blur\", \"inputs\": {\"image\": \"srcc\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: unknown node 'srcc' (did you mean "
           "'src'?)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"blur\", "
                "\"inputs\": {\"image\": \"s.imag\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: node 's' (src) has no output "
           "'imag' (did you mean 'image'?)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"blur\", "
                "\"inputs\": {\"image\": \"s.\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: node 's' (src) has no output '' "
           "(outputs: image)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"blur\", "
                "\"inputs\": {\"imag\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/imag: unknown input 'imag' for blur (did "
           "you mean 'image'?)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"mix\", "
                "\"inputs\": {\"zz\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/zz: unknown input 'zz' for mix (inputs: "
           "a, b, mask)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"src\", "
                "\"inputs\": {\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: unknown input 'image' for src (it "
           "has no inputs)");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"blur\", "
                "\"inputs\": {\"image\": 3}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: expected a string \"node\" or "
           "\"node.port\", got 3");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"o\": {\"type\": \"sink\", \"params\": "
                "{\"path\": \"x\"}, \"inputs\": {\"image\": \"s\"}}, \"r\": "
                "{\"type\": \"blur\", \"inputs\": {\"image\": \"o\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: node 'o' (sink) has no outputs");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"m\": {\"type\": \"mip\", \"inputs\": "
                "{\"image\": \"s\"}}, \"r\": {\"type\": \"blur\", \"inputs\": "
                "{\"image\": \"m\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: input 'image' of blur takes an "
           "image, but output 'levels' of node 'm' (mip) gives an image list");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"w\": {\"type\": \"wsink\", "
                "\"inputs\": {\"levels\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/w/inputs/levels: input 'levels' of wsink takes an "
           "image list, but output 'image' of node 's' (src) gives an image");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"t\": {\"type\": \"stats\", "
                "\"inputs\": {\"image\": \"s\"}}, \"r\": {\"type\": \"blur\", "
                "\"inputs\": {\"image\": \"t\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/image: input 'image' of blur takes an "
           "image, but output 'mean' of node 't' (stats) gives a number");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"t\": {\"type\": \"stats\", "
                "\"inputs\": {\"image\": \"s\"}}, \"r\": {\"type\": "
                "\"counter\", \"inputs\": {\"count\": \"t.mean\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs/count: input 'count' of counter takes an "
           "integer, but output 'mean' of node 't' (stats) gives a number");
    EXPECT(HEAD "\"nodes\": {" SRC ", \"r\": {\"type\": \"mix\", "
                "\"inputs\": {\"a\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/r/inputs: required input 'b' of mix is not "
           "connected");
    EXPECT(HEAD "\"nodes\": {\"r\": {\"type\": \"blur\"}}}", EXIT_GRAPH,
           "g.json: /nodes/r: required input 'image' of blur is not "
           "connected");
    /* optional input left out; a named second output port; one source
     * feeding two inputs counts two consumers */
    diag d;
    graph *g = OK(HEAD "\"nodes\": {" SRC ", \"t\": {\"type\": \"stats\", "
                       "\"inputs\": {\"image\": \"s\"}}, \"x\": {\"type\": "
                       "\"mix\", \"inputs\": {\"a\": \"t.image\", \"b\": "
                       "\"t.image\"}}, \"o\": {\"type\": \"sink\", \"params\": "
                       "{\"path\": \"p\"}, \"inputs\": {\"image\": \"x\"}}}}",
                  &d);
    if (g) {
        EQ_INT(g->nodes[2].inputs[0].node, 1);
        EQ_INT(g->nodes[2].inputs[0].port, 1);
        EQ_INT(g->nodes[2].inputs[2].node, -1);
        EQ_INT(g->nodes[1].n_consumers, 2);
        EQ_INT(d.n_warn, 0);
        graph_free(g);
    }
}

TEST(unused_warnings)
{
    diag d;
    graph *g = OK(HEAD "\"nodes\": {" SRC ", \"b\": {\"type\": \"blur\", "
                       "\"inputs\": {\"image\": \"s\"}}, \"m\": {\"type\": "
                       "\"mip\", \"inputs\": {\"image\": \"s\"}}, \"w\": "
                       "{\"type\": \"wsink\", \"inputs\": {\"levels\": "
                       "\"m\"}}, \"o\": {\"type\": \"sink\", \"params\": "
                       "{\"path\": \"p\"}, \"inputs\": {\"image\": \"s\"}}, "
                       "\"n\": {\"type\": \"nothing\", \"inputs\": {\"image\": "
                       "\"s\"}}}}",
                  &d);
    if (!g)
        return;
    EQ_INT(d.code, 0);
    EQ_INT(d.n_warn, 2);
    EQ_STR(d.warn[0], "g.json: /nodes/b: the output of node 'b' (blur) is not "
                      "used");
    EQ_STR(d.warn[1], "g.json: /nodes/n: node 'n' (nothing) has no outputs and "
                      "is not a sink, so it does nothing");
    EQ_INT(g->nodes[0].n_consumers, 4);
    graph_free(g);
}

#define EXPORTED                                                               \
    HEAD                                                                       \
        "\"params\": {\"size\": {\"node\": \"r\", \"param\": \"width\", "      \
        "\"default\": 64, \"doc\": \"thumbnail width\"}, \"input\": "          \
        "{\"node\": \"o\", \"param\": \"path\"}}, \"nodes\": {" SRC            \
        ", \"r\": {\"type\": \"resize\", \"params\": {\"width\": 256}, "       \
        "\"inputs\": {\"image\": \"s\"}}, \"o\": {\"type\": \"sink\", "        \
        "\"params\": {\"path\": \"a.png\"}, \"inputs\": {\"image\": \"r\"}}}}"

TEST(exported_params)
{
    diag d;
    graph *g = OK(EXPORTED, &d);
    if (!g)
        return;
    size_t n;
    const graph_export *x = graph_exports(g, &n);
    EQ_INT(n, 2);
    EQ_STR(x[0].name, "size");
    EQ_STR(x[0].pointer, "/params/size");
    EQ_INT(x[0].node, 1);
    EQ_INT(x[0].param, 0);
    EQ_STR(x[0].doc, "thumbnail width");
    EQ_INT(x[0].has_default, 1);
    EQ_STR(x[1].name, "input");
    EQ_INT(x[1].node, 2);
    CHECK(x[1].doc == NULL);
    EQ_INT(x[1].has_default, 0);
    /* the exported default wins over the node's own value */
    EQ_INT(param(g, "r", "width")->integer, 64);
    EQ_STR(param(g, "o", "path")->string, "a.png");
    graph_free(g);
    /* a --set wins over both; the last --set of one parameter wins */
    const char *sets[] = {"size=128", "input=b.png", "r.width=100",
                          "r.filter=box", "size=7"};
    g = ok_sets(__LINE__, EXPORTED, sets, 5, &d);
    if (g) {
        EQ_INT(param(g, "r", "width")->integer, 7);
        EQ_NUM(param(g, "r", "width")->number, 7);
        EQ_STR(param(g, "r", "filter")->string, "box");
        EQ_INT(param(g, "r", "filter")->integer, 1);
        EQ_STR(param(g, "o", "path")->string, "b.png");
        graph_free(g);
    }
}

TEST(exported_errors)
{
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"q\", \"param\": \"w\"}}, "
                "\"nodes\": {" SRC "}}",
           EXIT_GRAPH, "g.json: /params/x/node: unknown node 'q'");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"ss\", \"param\": \"w\"}}, "
                "\"nodes\": {" SRC "}}",
           EXIT_GRAPH,
           "g.json: /params/x/node: unknown node 'ss' (did you mean 's'?)");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"qqq\", \"param\": \"w\"}}, "
                "\"nodes\": {" SRC "}}",
           EXIT_GRAPH, "g.json: /params/x/node: unknown node 'qqq'");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"r\", \"param\": \"widht\"}}, "
                "\"nodes\": {" SRC ", \"r\": {\"type\": \"resize\", "
                "\"params\": {\"width\": 256}, \"inputs\": {\"image\": "
                "\"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /params/x/param: node 'r' (resize) has no parameter "
           "'widht' (did you mean 'width'?)");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"r\", \"param\": \"width\", "
                "\"default\": \"big\"}}, \"nodes\": {" SRC ", \"r\": "
                "{\"type\": \"resize\", \"inputs\": {\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /params/x/default: expected an integer in [1, 65535], got "
           "'big'");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"r\", \"param\": \"width\"}, "
                "\"y\": {\"node\": \"r\", \"param\": \"width\"}}, \"nodes\": "
                "{" SRC ", \"r\": {\"type\": \"resize\", \"params\": "
                "{\"width\": 1}, \"inputs\": {\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /params/y: node 'r' parameter 'width' is already "
           "exported as 'x'");
    EXPECT(HEAD "\"params\": {\"a.b\": {\"node\": \"s\", \"param\": \"w\"}}, "
                "\"nodes\": {" SRC "}}",
           EXIT_GRAPH,
           "g.json: /params/a.b: exported parameter name 'a.b' is not valid: "
           "use 1 to 64 letters, digits, '_' or '-'");
    EXPECT(HEAD "\"params\": {\"x\": 1}, \"nodes\": {" SRC "}}", EXIT_GRAPH,
           "g.json: /params/x: expected an object {\"node\": id, \"param\": "
           "name}, got 1");
    EXPECT(HEAD "\"params\": [], \"nodes\": {" SRC "}}", EXIT_GRAPH,
           "g.json: /params: expected an object of exported parameter name "
           "to {\"node\": id, \"param\": name}, got an array");
    EXPECT(HEAD "\"params\": {\"x\": {\"param\": \"w\"}}, \"nodes\": {" SRC
                "}}",
           EXIT_GRAPH, "g.json: /params/x: missing key 'node'");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"s\"}}, \"nodes\": {" SRC "}}",
           EXIT_GRAPH, "g.json: /params/x: missing key 'param'");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"s\", \"param\": 1}}, "
                "\"nodes\": {" SRC "}}",
           EXIT_GRAPH,
           "g.json: /params/x/param: expected a string (a parameter name), "
           "got 1");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"s\", \"param\": \"p\", "
                "\"dflt\": 1}}, \"nodes\": {" SRC "}}",
           EXIT_GRAPH,
           "g.json: /params/x/dflt: unknown key 'dflt' (known keys: node, "
           "param, default, doc, targets)");
    EXPECT(HEAD "\"params\": {\"x\": {\"node\": \"s\", \"param\": \"p\", "
                "\"doc\": 1}}, \"nodes\": {" SRC "}}",
           EXIT_GRAPH, "g.json: /params/x/doc: expected a string, got 1");
}

TEST(set_errors)
{
    EXPECT_SET(EXPORTED, "bogus=1", EXIT_USAGE,
               "--set bogus=1: no exported parameter 'bogus' (exported: size, "
               "input)");
    EXPECT_SET(EXPORTED, "sise=1", EXIT_USAGE,
               "--set sise=1: no exported parameter 'sise' (did you mean "
               "'size'?)");
    EXPECT_SET(HEAD "\"nodes\": {" SRC "}}", "size=1", EXIT_USAGE,
               "--set size=1: no exported parameter 'size' (this graph "
               "exports none; use node.param=value)");
    EXPECT_SET(EXPORTED, "size", EXIT_USAGE,
               "--set size: expected name=value (an exported parameter or "
               "node.param)");
    EXPECT_SET(EXPORTED, "=3", EXIT_USAGE,
               "--set =3: expected name=value (an exported parameter or "
               "node.param)");
    EXPECT_SET(EXPORTED, "x.width=3", EXIT_USAGE,
               "--set x.width=3: no node 'x'");
    EXPECT_SET(EXPORTED, "rr.width=3", EXIT_USAGE,
               "--set rr.width=3: no node 'rr' (did you mean 'r'?)");
    EXPECT_SET(EXPORTED, "r.=3", EXIT_USAGE,
               "--set r.=3: expected node.param=value");
    EXPECT_SET(EXPORTED, "r.widht=3", EXIT_USAGE,
               "--set r.widht=3: node 'r' (resize) has no parameter 'widht' "
               "(did you mean 'width'?)");
    /* bad values name the parameter they set */
    EXPECT_SET(EXPORTED, "size=abc", EXIT_GRAPH,
               "g.json: /nodes/r/params/width (--set size=abc): expected an "
               "integer in [1, 65535], got 'abc'");
    EXPECT_SET(EXPORTED, "size=3.7", EXIT_GRAPH,
               "g.json: /nodes/r/params/width (--set size=3.7): expected an "
               "integer in [1, 65535], got 3.7");
    EXPECT_SET(EXPORTED, "size=-3", EXIT_GRAPH,
               "g.json: /nodes/r/params/width (--set size=-3): expected an "
               "integer in [1, 65535], got -3");
    EXPECT_SET(EXPORTED, "size=", EXIT_GRAPH,
               "g.json: /nodes/r/params/width (--set size=): expected an "
               "integer in [1, 65535], got ''");
    EXPECT_SET(EXPORTED, "size=1,5", EXIT_GRAPH,
               "g.json: /nodes/r/params/width (--set size=1,5): expected an "
               "integer in [1, 65535], got '1,5'");
    EXPECT_SET(EXPORTED, "r.filter=bogus", EXIT_GRAPH,
               "g.json: /nodes/r/params/filter (--set r.filter=bogus): "
               "expected one of nearest, box, lanczos3, got 'bogus'");
    EXPECT_SET(EXPORTED, "input=a\xff", EXIT_GRAPH,
               "g.json: /nodes/o/params/path (--set input=a\\xff): string is "
               "not valid UTF-8 (byte 0xff at offset 1)");
}

#define ALL_GRAPH                                                              \
    HEAD "\"nodes\": {" SRC ", \"a\": {\"type\": \"all\", \"inputs\": "        \
         "{\"image\": \"s\"}}}}"

TEST(set_values)
{
    diag d;
    const char *sets[] = {
        "a.b=0",        "a.n=0.125",  "a.i=1e3",      "a.u=-9007199254740992",
        "a.f=-2.5e-3",  "a.s=x=y, z", "a.e=lanczos3", "a.v=[1, 0.5, 0]",
        "a.w= 1 , 2,3 "};
    graph *g = ok_sets(__LINE__, ALL_GRAPH, sets, 9, &d);
    if (g) {
        EQ_INT(param(g, "a", "b")->integer, 0);
        EQ_NUM(param(g, "a", "n")->number, 0.125);
        EQ_INT(param(g, "a", "i")->integer, 1000);
        EQ_INT(param(g, "a", "u")->integer, -9007199254740992LL);
        EQ_NUM(param(g, "a", "f")->number, -2.5e-3);
        EQ_STR(param(g, "a", "s")->string, "x=y, z");
        EQ_INT(param(g, "a", "e")->integer, 2);
        EQ_INT(param(g, "a", "v")->count, 3);
        EQ_NUM(param(g, "a", "v")->numbers[1], 0.5);
        EQ_INT(param(g, "a", "w")->count, 3);
        EQ_NUM(param(g, "a", "w")->numbers[2], 3);
        graph_free(g);
    }
    const char *more[] = {"a.b=true", "a.w=", "a.v=0,0,1,1"};
    g = ok_sets(__LINE__, ALL_GRAPH, more, 3, &d);
    if (g) {
        EQ_INT(param(g, "a", "b")->integer, 1);
        EQ_NUM(param(g, "a", "b")->number, 1);
        EQ_INT(param(g, "a", "w")->count, 0);
        EQ_INT(param(g, "a", "v")->count, 4);
        graph_free(g);
    }
    EXPECT_SET(ALL_GRAPH, "a.b=yes", EXIT_GRAPH,
               "g.json: /nodes/a/params/b (--set a.b=yes): expected true, "
               "false, 1 or 0, got 'yes'");
    EXPECT_SET(ALL_GRAPH, "a.u=9007199254740993", EXIT_GRAPH,
               "g.json: /nodes/a/params/u (--set a.u=9007199254740993): "
               "expected an integer, got 9007199254740993");
    EXPECT_SET(ALL_GRAPH, "a.u=123456789012345678901234567890", EXIT_GRAPH,
               "g.json: /nodes/a/params/u (--set "
               "a.u=123456789012345678901234567890): expected an integer, got "
               "123456789012345678901234567890");
    EXPECT_SET(ALL_GRAPH, "a.f=1,5", EXIT_GRAPH,
               "g.json: /nodes/a/params/f (--set a.f=1,5): expected a number, "
               "got '1,5'");
    EXPECT_SET(ALL_GRAPH, "a.f=nan", EXIT_GRAPH,
               "g.json: /nodes/a/params/f (--set a.f=nan): expected a number, "
               "got 'nan'");
    EXPECT_SET(ALL_GRAPH, "a.f=1e999", EXIT_GRAPH,
               "g.json: /nodes/a/params/f (--set a.f=1e999): expected a "
               "number, got 1e999");
    EXPECT_SET(ALL_GRAPH, "a.v=0,1", EXIT_GRAPH,
               "g.json: /nodes/a/params/v (--set a.v=0,1): expected an array "
               "of 3 to 4 numbers, got 2");
    EXPECT_SET(ALL_GRAPH, "a.v=0,x,1", EXIT_GRAPH,
               "g.json: /nodes/a/params/v (--set a.v=0,x,1): expected a "
               "number for element 1, got 'x'");
    EXPECT_SET(ALL_GRAPH, "a.v=[0,1,2]", EXIT_GRAPH,
               "g.json: /nodes/a/params/v (--set a.v=[0,1,2]): expected a "
               "number in [0, 1] for element 2, got 2");
    EXPECT_SET(ALL_GRAPH, "a.v=0,,1", EXIT_GRAPH,
               "g.json: /nodes/a/params/v (--set a.v=0,,1): expected a number "
               "for element 1, got ''");
}

TEST(locale_independent)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                        "fr_FR.UTF-8", "fr_FR.utf8", NULL};
    int found = 0;
    for (int i = 0; names[i] && !found; i++)
        found = setlocale(LC_ALL, names[i]) != NULL;
    if (!found && (mkdir("loc", 0777) == 0 || errno == EEXIST) &&
        system("localedef -i de_DE -f UTF-8 loc/de_DE.UTF-8 "
               ">/dev/null 2>&1") != -1) {
        /* not installed: build one here (glibc's localedef, a few s) */
        setenv("LOCPATH", "loc", 1);
        found = setlocale(LC_ALL, "de_DE.UTF-8") != NULL;
    }
    if (!found || strcmp(localeconv()->decimal_point, ",") != 0) {
        printf("no locale with a decimal comma installed: skipped\n");
        exit(77);
    }
    diag d;
    const char *sets[] = {"a.n=0.75", "a.f=1,5"};
    graph *g = ok_sets(__LINE__, ALL_WITH("\"f\": 0.25"), sets, 1, &d);
    if (g) {
        EQ_NUM(param(g, "a", "n")->number, 0.75);
        EQ_NUM(param(g, "a", "f")->number, 0.25);
        graph_free(g);
    }
    EXPECT(ALL_WITH("\"n\": 1.5"), EXIT_GRAPH,
           "g.json: /nodes/a/params/n: expected a number in [0, 1], got 1.5");
    expect_sets(__LINE__, ALL_GRAPH, sets + 1, 1, EXIT_GRAPH,
                "g.json: /nodes/a/params/f (--set a.f=1,5): expected a "
                "number, got '1,5'",
                0);
}

static const unsigned char png_magic[] = {0x89, 'P',  'N',  'G', 0x0D,
                                          0x0A, 0x1A, 0x0A, 0,   0};
static const unsigned char jpeg_magic[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10};

#define LOADER(path, extra)                                                    \
    HEAD "\"nodes\": {\"in\": {\"type\": \"load\", \"params\": {\"path\": "    \
         "\"" path "\"" extra "}}, \"o\": {\"type\": \"sink\", \"params\": "   \
         "{\"path\": \"x\"}, \"inputs\": {\"image\": \"in\"}}}}"

TEST(generic_load)
{
    write_file("a.png", png_magic, sizeof(png_magic));
    write_file("a.jpg", jpeg_magic, sizeof(jpeg_magic));
    write_file("jpeg-named.png", jpeg_magic, sizeof(jpeg_magic));
    write_file("text.png", "hello, world", 12);
    write_file("short.png", png_magic, 4);
    write_file("empty.png", "", 0);
    diag d;
    graph *g = OK(LOADER("a.png", ""), &d);
    if (g) {
        EQ_STR(g->nodes[0].kind->type->id, "png.load");
        EQ_STR(param(g, "in", "path")->string, "a.png");
        graph_free(g);
    }
    g = OK(LOADER("a.jpg", ", \"scale\": 2"), &d);
    if (g) {
        EQ_STR(g->nodes[0].kind->type->id, "jpeg.load");
        EQ_INT(param(g, "in", "scale")->integer, 2);
        graph_free(g);
    }
    /* by content, never by name */
    g = OK(LOADER("jpeg-named.png", ""), &d);
    if (g) {
        EQ_STR(g->nodes[0].kind->type->id, "jpeg.load");
        graph_free(g);
    }
    /* the resolved type's parameters apply */
    EXPECT(LOADER("a.png", ", \"scale\": 2"), EXIT_GRAPH,
           "g.json: /nodes/in/params/scale: unknown parameter 'scale' for "
           "png.load (parameters: path)");
    EXPECT(LOADER("a.jpg", ", \"scale\": 9"), EXIT_GRAPH,
           "g.json: /nodes/in/params/scale: expected an integer in [1, 8], "
           "got 9");
    EXPECT(LOADER("nope.png", ""), EXIT_DECODE,
           "g.json: /nodes/in/params/path: cannot open 'nope.png': No such "
           "file or directory");
    EXPECT(LOADER("text.png", ""), EXIT_DECODE,
           "g.json: /nodes/in/params/path: 'text.png' is neither a PNG nor a "
           "JPEG file (it starts with 68 65 6c 6c 6f 2c 20 77)");
    EXPECT(LOADER("short.png", ""), EXIT_DECODE,
           "g.json: /nodes/in/params/path: 'short.png' is neither a PNG nor "
           "a JPEG file (it starts with 89 50 4e 47)");
    EXPECT(LOADER("empty.png", ""), EXIT_DECODE,
           "g.json: /nodes/in/params/path: 'empty.png' is empty (expected a "
           "PNG or JPEG file)");
    EXPECT(LOADER(".", ""), EXIT_DECODE,
           "g.json: /nodes/in/params/path: cannot read '.': Is a directory");
    EXPECT(HEAD "\"nodes\": {\"in\": {\"type\": \"load\"}}}", EXIT_GRAPH,
           "g.json: /nodes/in: missing required parameter 'path' (load)");
    EXPECT(HEAD "\"nodes\": {\"in\": {\"type\": \"load\", \"params\": "
                "{\"path\": 5}}}}",
           EXIT_GRAPH,
           "g.json: /nodes/in/params/path: expected a string, got 5");
    /* the path may come from --set or an exported default */
    const char *sets[] = {"in.path=a.jpg"};
    g = ok_sets(__LINE__, LOADER("nope.png", ""), sets, 1, &d);
    if (g) {
        EQ_STR(g->nodes[0].kind->type->id, "jpeg.load");
        EQ_STR(param(g, "in", "path")->string, "a.jpg");
        graph_free(g);
    }
    EXPECT_SET(LOADER("a.png", ""), "in.path=text.png", EXIT_DECODE,
               "g.json: /nodes/in/params/path (--set in.path=text.png): "
               "'text.png' is neither a PNG nor a JPEG file (it starts with "
               "68 65 6c 6c 6f 2c 20 77)");
    EXPECT(HEAD "\"params\": {\"input\": {\"node\": \"in\", \"param\": "
                "\"path\", \"default\": \"nope.jpg\"}}, \"nodes\": {\"in\": "
                "{\"type\": \"load\"}}}",
           EXIT_DECODE,
           "g.json: /params/input/default: cannot open 'nope.jpg': No such "
           "file or directory");
    /* a picked type no plugin provides is an unknown type */
    registry *full = R;
    R = make_registry(&plug_png);
    EXPECT(LOADER("a.jpg", ""), EXIT_GRAPH,
           "g.json: /nodes/in/type: unknown node type 'jpeg.load' ('load' "
           "picks it for 'a.jpg'; no loaded plugin provides it)");
    registry_destroy(R);
    R = full;
}

/* One exported parameter setting several node parameters ("targets"). */
#define TARGETS(targets, extra)                                                \
    HEAD                                                                       \
        "\"params\": {\"size\": {\"targets\": " targets extra "}}, "           \
        "\"nodes\": {" SRC ", \"r\": {\"type\": \"resize\", \"params\": "      \
        "{\"width\": 256}, \"inputs\": {\"image\": \"s\"}}, \"b\": "           \
        "{\"type\": \"blur\", \"inputs\": "                                    \
        "{\"image\": \"r\"}}, \"a\": {\"type\": \"all\", \"params\": {\"i\": " \
        "5}, \"inputs\": {\"image\": \"b\"}}, \"o\": {\"type\": \"sink\", "    \
        "\"params\": {\"path\": \"a.png\"}, \"inputs\": {\"image\": "          \
        "\"a\"}}}}"
#define FOUR_TARGETS                                                           \
    "[{\"node\": \"r\", \"param\": \"width\"}, {\"node\": \"r\", \"param\": "  \
    "\"height\"}, {\"node\": \"b\", \"param\": \"radius\"}, {\"node\": "       \
    "\"a\", \"param\": \"i\"}]"

TEST(exported_targets)
{
    diag d;
    /* The default sets all four; an integer and a number parameter may
     * share one exported name. */
    graph *g =
        OK(TARGETS(FOUR_TARGETS, ", \"default\": 64, \"doc\": \"box\""), &d);
    if (!g)
        return;
    size_t n;
    const graph_export *x = graph_exports(g, &n);
    EQ_INT(n, 1);
    EQ_STR(x[0].name, "size");
    EQ_STR(x[0].pointer, "/params/size");
    EQ_STR(x[0].doc, "box");
    EQ_INT(x[0].has_default, 1);
    EQ_INT(x[0].n_targets, 4);
    EQ_INT(x[0].node, node_index(g, "r"));
    EQ_INT(x[0].param, 0);
    if (x[0].n_targets == 4) {
        EQ_INT(x[0].targets[0].node, node_index(g, "r"));
        EQ_INT(x[0].targets[0].param, 0);
        EQ_INT(x[0].targets[1].node, node_index(g, "r"));
        EQ_INT(x[0].targets[1].param, 1);
        EQ_INT(x[0].targets[2].node, node_index(g, "b"));
        EQ_INT(x[0].targets[2].param, 0);
        EQ_INT(x[0].targets[3].node, node_index(g, "a"));
        EQ_INT(x[0].targets[3].param, 1);
    }
    EQ_INT(param(g, "r", "width")->integer, 64);
    EQ_INT(param(g, "r", "height")->integer, 64);
    EQ_NUM(param(g, "b", "radius")->number, 64);
    EQ_INT(param(g, "a", "i")->integer, 64);
    graph_free(g);
    /* without a default, the nodes keep their own values */
    g = OK(TARGETS("[{\"node\": \"b\", \"param\": \"radius\"}, {\"node\": "
                   "\"a\", \"param\": \"i\"}]",
                   ""),
           &d);
    if (g) {
        EQ_NUM(param(g, "b", "radius")->number, 1);
        EQ_INT(param(g, "a", "i")->integer, 5);
        x = graph_exports(g, &n);
        EQ_INT(x[0].has_default, 0);
        EQ_INT(x[0].n_targets, 2);
        graph_free(g);
    }
    /* one --set sets every target; a later node.param --set wins over it
     * and an earlier one loses */
    const char *sets[] = {"r.width=9", "size=7", "r.height=3"};
    g = ok_sets(__LINE__, TARGETS(FOUR_TARGETS, ", \"default\": 64"), sets, 3,
                &d);
    if (g) {
        EQ_INT(param(g, "r", "width")->integer, 7);
        EQ_INT(param(g, "r", "height")->integer, 3);
        EQ_NUM(param(g, "b", "radius")->number, 7);
        EQ_INT(param(g, "a", "i")->integer, 7);
        graph_free(g);
    }
    /* a targets default gives a required parameter the node leaves out */
    g = OK(HEAD "\"params\": {\"size\": {\"targets\": [{\"node\": \"r\", "
                "\"param\": \"height\"}, {\"node\": \"r\", \"param\": "
                "\"width\"}], \"default\": 33}}, \"nodes\": {" SRC ", \"r\": "
                "{\"type\": \"resize\", \"inputs\": {\"image\": \"s\"}}, "
                "\"o\": {\"type\": \"sink\", \"params\": {\"path\": "
                "\"a.png\"}, \"inputs\": {\"image\": \"r\"}}}}",
           &d);
    if (g) {
        EQ_INT(param(g, "r", "width")->integer, 33);
        EQ_INT(param(g, "r", "height")->integer, 33);
        graph_free(g);
    }
    /* a single-element list is the same as node/param */
    const char *one[] = {"size=12"};
    g = ok_sets(__LINE__, TARGETS("[{\"node\": \"a\", \"param\": \"i\"}]", ""),
                one, 1, &d);
    if (g) {
        EQ_INT(param(g, "a", "i")->integer, 12);
        graph_free(g);
    }
    /* each target checks the value against its own type and range */
    EXPECT_SET(TARGETS(FOUR_TARGETS, ""), "size=0", EXIT_GRAPH,
               "g.json: /nodes/r/params/width (--set size=0): expected an "
               "integer in [1, 65535], got 0");
    EXPECT_SET(TARGETS(FOUR_TARGETS, ""), "size=200", EXIT_GRAPH,
               "g.json: /nodes/b/params/radius (--set size=200): expected a "
               "number in [0, 100], got 200");
    EXPECT_SET(TARGETS(FOUR_TARGETS, ""), "size=2.5", EXIT_GRAPH,
               "g.json: /nodes/r/params/width (--set size=2.5): expected an "
               "integer in [1, 65535], got 2.5");
    EXPECT_NOPTR(TARGETS(FOUR_TARGETS, ", \"default\": 200"), EXIT_GRAPH,
                 "g.json: /params/size/default (for b.radius): expected a "
                 "number in [0, 100], got 200");
    EXPECT_NOPTR(TARGETS(FOUR_TARGETS, ", \"default\": \"big\""), EXIT_GRAPH,
                 "g.json: /params/size/default (for r.width): expected an "
                 "integer in [1, 65535], got 'big'");
}

TEST(exported_targets_errors)
{
    EXPECT(TARGETS("{\"node\": \"r\"}", ""), EXIT_GRAPH,
           "g.json: /params/size/targets: expected an array of {\"node\": id, "
           "\"param\": name}, got an object");
    EXPECT(TARGETS("[]", ""), EXIT_GRAPH,
           "g.json: /params/size/targets: expected at least one {\"node\": "
           "id, \"param\": name}, got an empty array");
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": \"width\"}, 3]", ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1: expected an object {\"node\": id, "
           "\"param\": name}, got 3");
    EXPECT(TARGETS("[{\"nod\": \"r\", \"param\": \"width\"}]", ""), EXIT_GRAPH,
           "g.json: /params/size/targets/0/nod: unknown key 'nod' (did you "
           "mean 'node'?)");
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": \"width\", \"default\": "
                   "1}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/0/default: unknown key 'default' "
           "(known keys: node, param)");
    EXPECT(TARGETS("[{\"param\": \"width\"}]", ""), EXIT_GRAPH,
           "g.json: /params/size/targets/0: missing key 'node'");
    EXPECT(TARGETS("[{\"node\": \"r\"}]", ""), EXIT_GRAPH,
           "g.json: /params/size/targets/0: missing key 'param'");
    EXPECT(TARGETS("[{\"node\": 1, \"param\": \"width\"}]", ""), EXIT_GRAPH,
           "g.json: /params/size/targets/0/node: expected a string (a node "
           "id), got 1");
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": null}]", ""), EXIT_GRAPH,
           "g.json: /params/size/targets/0/param: expected a string (a "
           "parameter name), got null");
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": \"width\"}, {\"node\": "
                   "\"rr\", \"param\": \"height\"}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1/node: unknown node 'rr' (did you "
           "mean 'r'?)");
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": \"width\"}, {\"node\": "
                   "\"r\", \"param\": \"hieght\"}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1/param: node 'r' (resize) has no "
           "parameter 'hieght' (did you mean 'height'?)");
    /* the kinds of value must agree (integer and number mix) */
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": \"width\"}, {\"node\": "
                   "\"o\", \"param\": \"path\"}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1/param: node 'o' (sink) parameter "
           "'path' takes a string, but target 0 (node 'r' parameter 'width') "
           "takes an integer; the targets of one exported parameter take the "
           "same kind of value");
    EXPECT(TARGETS("[{\"node\": \"a\", \"param\": \"b\"}, {\"node\": \"a\", "
                   "\"param\": \"i\"}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1/param: node 'a' (all) parameter "
           "'i' takes an integer, but target 0 (node 'a' parameter 'b') takes "
           "a bool; the targets of one exported parameter take the same kind "
           "of value");
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": \"filter\"}, {\"node\": "
                   "\"a\", \"param\": \"s\"}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1/param: node 'a' (all) parameter "
           "'s' takes a string, but target 0 (node 'r' parameter 'filter') "
           "takes an enum; the targets of one exported parameter take the "
           "same kind of value");
    EXPECT(TARGETS("[{\"node\": \"a\", \"param\": \"v\"}, {\"node\": \"a\", "
                   "\"param\": \"n\"}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1/param: node 'a' (all) parameter "
           "'n' takes a number, but target 0 (node 'a' parameter 'v') takes "
           "an array of numbers; the targets of one exported parameter take "
           "the same kind of value");
    /* one node parameter, one exported name, once */
    EXPECT(TARGETS("[{\"node\": \"r\", \"param\": \"width\"}, {\"node\": "
                   "\"r\", \"param\": \"width\"}]",
                   ""),
           EXIT_GRAPH,
           "g.json: /params/size/targets/1: node 'r' parameter 'width' is "
           "already target 0 of 'size'");
    EXPECT(HEAD "\"params\": {\"w\": {\"node\": \"r\", \"param\": "
                "\"width\"}, \"size\": {\"targets\": [{\"node\": \"r\", "
                "\"param\": \"height\"}, {\"node\": \"r\", \"param\": "
                "\"width\"}]}}, \"nodes\": {" SRC ", \"r\": {\"type\": "
                "\"resize\", \"params\": {\"width\": 1}, \"inputs\": "
                "{\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /params/size/targets/1: node 'r' parameter 'width' is "
           "already exported as 'w'");
    EXPECT(HEAD "\"params\": {\"size\": {\"targets\": [{\"node\": \"r\", "
                "\"param\": \"width\"}]}, \"w\": {\"node\": \"r\", "
                "\"param\": \"width\"}}, \"nodes\": {" SRC ", \"r\": "
                "{\"type\": \"resize\", \"params\": {\"width\": 1}, "
                "\"inputs\": {\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /params/w: node 'r' parameter 'width' is already "
           "exported as 'size'");
    /* the two forms do not mix */
    EXPECT(HEAD "\"params\": {\"size\": {\"node\": \"r\", \"param\": "
                "\"width\", \"targets\": [{\"node\": \"r\", \"param\": "
                "\"height\"}]}}, \"nodes\": {" SRC ", \"r\": {\"type\": "
                "\"resize\", \"params\": {\"width\": 1}, \"inputs\": "
                "{\"image\": \"s\"}}}}",
           EXIT_GRAPH,
           "g.json: /params/size: give either \"targets\" or \"node\" and "
           "\"param\", not both");
    EXPECT(TARGETS("[{\"node\": \"a\", \"param\": \"i\"}]", ", \"dflt\": 1"),
           EXIT_GRAPH,
           "g.json: /params/size/dflt: unknown key 'dflt' (known keys: "
           "targets, default, doc)");
    EXPECT(HEAD "\"params\": {\"size\": {\"target\": [{\"node\": \"r\", "
                "\"param\": \"height\"}]}}, \"nodes\": {" SRC "}}",
           EXIT_GRAPH,
           "g.json: /params/size/target: unknown key 'target' (did you mean "
           "'targets'?)");
    EXPECT(TARGETS("[{\"node\": \"a\", \"param\": \"i\"}]", ", \"doc\": 2"),
           EXIT_GRAPH, "g.json: /params/size/doc: expected a string, got 2");
}

/* Very many exports naming one node: the duplicate check and the per-node
 * lists stay linear-ish (they were quadratic: 100000 exports took 50 s). */
TEST(many_exports)
{
    enum { N = 100000 };
    size_t cap = (size_t)N * 64 + 256, o = 0;
    char *s = malloc(cap);
    char *m = malloc(cap);
    if (!s || !m)
        exit(1);
    /* N single-form exports, then N targets of one name, all on node s
     * with distinct parameter names; the last one repeats the first. */
    o += (size_t)snprintf(s + o, cap - o, HEAD "\"params\": {");
    for (int i = 0; i < N; i++)
        o += (size_t)snprintf(
            s + o, cap - o, "%s\"e%d\": {\"node\": \"s\", \"param\": \"p%d\"}",
            i ? ", " : "", i, i == N - 1 ? 0 : i);
    snprintf(s + o, cap - o, "}, \"nodes\": {" SRC "}}");
    o = 0;
    o += (size_t)snprintf(m + o, cap - o,
                          HEAD "\"params\": {\"size\": {\"targets\": [");
    for (int i = 0; i < N; i++)
        o += (size_t)snprintf(m + o, cap - o,
                              "%s{\"node\": \"s\", \"param\": \"p%d\"}",
                              i ? ", " : "", i == N - 1 ? 0 : i);
    snprintf(m + o, cap - o, "]}}, \"nodes\": {" SRC "}}");
    double t0 = now();
    expect_sets(__LINE__, s, NULL, 0, EXIT_GRAPH,
                "g.json: /params/e99999: node 's' parameter 'p0' is already "
                "exported as 'e0'",
                1);
    expect_sets(__LINE__, m, NULL, 0, EXIT_GRAPH,
                "g.json: /params/size/targets/99999: node 's' parameter 'p0' "
                "is already target 0 of 'size'",
                1);
    double t = now() - t0;
    if (t > 5.0) {
        fprintf(stderr, "2 x 100000 exports took %.2f s\n", t);
        failures++;
    }
    free(s);
    free(m);
}

TEST(targets_generic_load)
{
    write_file("a.png", png_magic, sizeof(png_magic));
    write_file("a.jpg", jpeg_magic, sizeof(jpeg_magic));
#define TLOAD(extra)                                                           \
    HEAD "\"params\": {\"input\": {\"targets\": [{\"node\": \"in\", "          \
         "\"param\": \"path\"}, {\"node\": \"o\", \"param\": \"path\"}]" extra \
         "}}, \"nodes\": {\"in\": {\"type\": \"load\", \"params\": "           \
         "{\"path\": \"nope.png\"}}, \"o\": {\"type\": \"sink\", \"params\": " \
         "{\"path\": \"x\"}, \"inputs\": {\"image\": \"in\"}}}}"
    /* the loader's path may come from a targets default or --set */
    diag d;
    graph *g = OK(TLOAD(", \"default\": \"a.jpg\""), &d);
    if (g) {
        EQ_STR(g->nodes[0].kind->type->id, "jpeg.load");
        EQ_STR(param(g, "in", "path")->string, "a.jpg");
        EQ_STR(param(g, "o", "path")->string, "a.jpg");
        graph_free(g);
    }
    const char *sets[] = {"input=a.png"};
    g = ok_sets(__LINE__, TLOAD(", \"default\": \"a.jpg\""), sets, 1, &d);
    if (g) {
        EQ_STR(g->nodes[0].kind->type->id, "png.load");
        EQ_STR(param(g, "o", "path")->string, "a.png");
        graph_free(g);
    }
    EXPECT(TLOAD(", \"default\": \"nope.jpg\""), EXIT_DECODE,
           "g.json: /params/input/default: cannot open 'nope.jpg': No such "
           "file or directory");
    /* targets are checked against the type the loader resolved to */
    EXPECT(HEAD "\"params\": {\"f\": {\"targets\": [{\"node\": \"in\", "
                "\"param\": \"scale\"}]}}, \"nodes\": {\"in\": {\"type\": "
                "\"load\", \"params\": {\"path\": \"a.png\"}}, \"o\": "
                "{\"type\": \"sink\", \"params\": {\"path\": \"x\"}, "
                "\"inputs\": {\"image\": \"in\"}}}}",
           EXIT_GRAPH,
           "g.json: /params/f/targets/0/param: node 'in' (png.load) has no "
           "parameter 'scale' (parameters: path)");
#undef TLOAD
}

#define SAVER(path)                                                            \
    HEAD "\"nodes\": {" SRC ", \"out\": {\"type\": \"save\", \"params\": "     \
         "{\"path\": \"" path "\"}, \"inputs\": {\"image\": \"s\"}}}}"

TEST(generic_save)
{
    static const struct {
        const char *json, *type;
    } cases[] = {{SAVER("o/x.png"), "png.save"},
                 {SAVER("x.PNG"), "png.save"},
                 {SAVER("x.jpg"), "jpeg.save"},
                 {SAVER("dir.png/x.JPEG"), "jpeg.save"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        diag d;
        graph *g = OK(cases[i].json, &d);
        if (g) {
            EQ_STR(g->nodes[1].kind->type->id, cases[i].type);
            EQ_INT(d.n_warn, 0);
            graph_free(g);
        }
    }
    EXPECT(SAVER("x.gif"), EXIT_GRAPH,
           "g.json: /nodes/out/params/path: cannot tell the output format of "
           "'x.gif' from its extension (known: .png, .jpg, .jpeg)");
    EXPECT(SAVER("x.png/out"), EXIT_GRAPH,
           "g.json: /nodes/out/params/path: cannot tell the output format of "
           "'x.png/out' from its extension (known: .png, .jpg, .jpeg)");
    EXPECT(SAVER("x.jpg.verylongextension"), EXIT_GRAPH,
           "g.json: /nodes/out/params/path: cannot tell the output format of "
           "'x.jpg.verylongextension' from its extension (known: .png, .jpg, "
           ".jpeg)");
    EXPECT_SET(SAVER("x.png"), "out.path=y.webp", EXIT_GRAPH,
               "g.json: /nodes/out/params/path (--set out.path=y.webp): "
               "cannot tell the output format of 'y.webp' from its extension "
               "(known: .png, .jpg, .jpeg)");
}

TEST(jsonptr_module)
{
    char buf[32];
    EQ_INT(jsonptr_escape(buf, sizeof(buf), "a/b~c"), 7);
    EQ_STR(buf, "a~1b~0c");
    EQ_INT(jsonptr_escape(buf, 4, "a/b~c"), 7); /* truncated like snprintf */
    EQ_STR(buf, "a~1");
    EQ_INT(jsonptr_escape(NULL, 0, "~~"), 4);
    jsonptr p;
    jsonptr_init(&p);
    EQ_STR(jsonptr_str(&p), "");
    size_t at = jsonptr_push(&p, "nodes");
    EQ_INT(at, 0);
    size_t at2 = jsonptr_push(&p, "m~n/o");
    jsonptr_push_index(&p, 12);
    EQ_STR(jsonptr_str(&p), "/nodes/m~0n~1o/12");
    jsonptr_pop(&p, at2);
    EQ_STR(jsonptr_str(&p), "/nodes");
    for (int i = 0; i < 100; i++)
        jsonptr_push(&p, "0123456789");
    EQ_INT(p.len, 6 + 100 * 11);
    jsonptr_free(&p);
    char *j = jsonptr_join("/a", "b/c");
    EQ_STR(j, "/a/b~1c");
    free(j);
    cJSON *root = cJSON_Parse("{\"a/b\": {\"m~n\": [10, 20, {\"\": 5}]}, "
                              "\"c\": 1}");
    const cJSON *it = jsonptr_resolve(root, "/a~1b/m~0n/1");
    CHECK(it && it->valuedouble == 20);
    it = jsonptr_resolve(root, "/a~1b/m~0n/2/");
    CHECK(it && it->valuedouble == 5);
    CHECK(jsonptr_resolve(root, "") == root);
    CHECK(jsonptr_resolve(root, "/a~1b/m~0n/01") == NULL);
    CHECK(jsonptr_resolve(root, "/a~1b/m~0n/3") == NULL);
    CHECK(jsonptr_resolve(root, "/a~2b") == NULL);
    CHECK(jsonptr_resolve(root, "/a/b") == NULL);
    CHECK(jsonptr_resolve(root, "c") == NULL);
    CHECK(jsonptr_resolve(root, "/c/x") == NULL);
    cJSON_Delete(root);
}

/* ------------------------------------------------------------------------ */
/* The list of cases                                                        */

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
#define X(name)                                                                \
    {                                                                          \
#name, test_##name                                                     \
    }
    X(ok_basic),
    X(text_not_terminated),
    X(values_every_type),
    X(values_defaults),
    X(order_lowest_index_first),
    X(json_syntax),
    X(json_strict_numbers),
    X(json_strings),
    X(empty_and_root),
    X(byte_order_marks),
    X(file_too_large),
    X(graph_load_files),
    X(deep_nesting),
    X(chain_10000),
    X(too_many_nodes),
    X(cycles),
    X(cycle_1000),
    X(strings_checked),
    X(duplicate_keys),
    X(format_version),
    X(structure),
    X(node_ids),
    X(unknown_type),
    X(unknown_param),
    X(missing_required_param),
    X(integer_params),
    X(number_params),
    X(bool_string_params),
    X(enum_params),
    X(numbers_params),
    X(inputs),
    X(unused_warnings),
    X(exported_params),
    X(exported_errors),
    X(set_errors),
    X(set_values),
    X(locale_independent),
    X(generic_load),
    X(generic_save),
    X(exported_targets),
    X(exported_targets_errors),
    X(many_exports),
    X(targets_generic_load),
    X(jsonptr_module),
#undef X
};

int main(int argc, char **argv)
{
    size_t n = sizeof(cases) / sizeof(cases[0]);
    if (argc < 2) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    if (argc > 2) {
        for (char *p = argv[2] + 1; *p; p++)
            if (*p == '/') {
                *p = 0;
                mkdir(argv[2], 0777);
                *p = '/';
            }
        mkdir(argv[2], 0777);
        if (chdir(argv[2]) != 0) {
            fprintf(stderr, "cannot enter %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        R = make_registry(&plug_all);
        cases[i].fn();
        registry_destroy(R);
        if (failures) {
            fprintf(stderr, "%s: %d check(s) failed\n", argv[1], failures);
            return 1;
        }
        printf("%s: ok\n", argv[1]);
        return 0;
    }
    fprintf(stderr, "no case '%s'\n", argv[1]);
    return 2;
}
