/* The embedding API (libuberhost.so, <uberhost/uberhost.h>) end to end, and
 * the return-to-idle test: 200 varied runs in one process, each followed
 * by an RSS check against the idle baseline.
 *
 * Usage: embed CASE   (api, idle)
 * Environment: UH_PLUGINS (plugin directory), UH_SCRATCH (work directory),
 * UH_SANITIZED (set under sanitizers: RSS is not checked there). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uberhost/uberhost.h>
#include <unistd.h>

#include "testimg.h"

#if defined(__SANITIZE_ADDRESS__)
#define EMBED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMBED_ASAN 1
#endif
#endif
#ifndef EMBED_ASAN
#define EMBED_ASAN 0
#endif

static int failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);               \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

/* Width and height from a PNG's IHDR. */
static int png_size(const char *path, uint32_t *w, uint32_t *h)
{
    FILE *f = fopen(path, "rb");
    unsigned char b[24];
    if (!f)
        return -1;
    size_t n = fread(b, 1, sizeof(b), f);
    fclose(f);
    if (n != sizeof(b))
        return -1;
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 |
         b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 |
         b[23];
    return 0;
}

/* Copies the first `keep` bytes of `from` to `to` (a truncated file). */
static int truncated_copy(const char *from, const char *to, long keep)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int rc = -1;
    if (a && b) {
        char buf[4096];
        long left = keep;
        size_t n;
        while (left > 0 && (n = fread(buf, 1,
                                      (size_t)(left < (long)sizeof(buf)
                                                   ? left
                                                   : (long)sizeof(buf)),
                                      a)) > 0) {
            fwrite(buf, 1, n, b);
            left -= (long)n;
        }
        rc = left == 0 ? 0 : -1;
    }
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        rc = -1;
    return rc;
}

/* Prints the RssAnon and RssFile lines of /proc/self/status. */
static void print_rss_kinds(const char *when)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    printf("  %s:", when);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "RssAnon:", 8) == 0 ||
            strncmp(line, "RssFile:", 8) == 0) {
            line[strcspn(line, "\n")] = 0;
            printf(" %s", line);
        }
    printf("\n");
    if (f)
        fclose(f);
}

static uh_engine *open_engine(void)
{
    const char *plugins = getenv("UH_PLUGINS");
    uh_engine_options eo = {.struct_size = sizeof(eo),
                            .plugin_path = plugins,
                            .no_env = 1,
                            .no_builtin = 1};
    uh_engine *e = NULL;
    char err[512];
    int rc = uh_engine_create(&eo, &e, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "uh_engine_create: %d: %s\n", rc, err);
    return e;
}

static int enter_scratch(const char *name)
{
    const char *dir = getenv("UH_SCRATCH");
    char buf[4096];
    if (!dir || !*dir) {
        snprintf(buf, sizeof(buf), "/tmp/uh-%s-%ld", name, (long)getpid());
        dir = buf;
    }
    mkdirs(dir);
    if (chdir(dir) != 0) {
        fprintf(stderr, "cannot enter %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int run_text(uh_engine *e, const char *text, const uh_run_config *cfg,
                    uh_run_result *res)
{
    memset(res, 0, sizeof(*res));
    res->struct_size = sizeof(*res);
    return uh_engine_run_string(e, "test.json", text, strlen(text), NULL, 0,
                                cfg, res);
}

/* ------------------------------------------------------------------------ */
/* api: the functions, their results and messages                           */

static const char flip_graph[] =
    "{\"uberhost\":1,\"nodes\":{"
    "\"l\":{\"type\":\"png.load\",\"params\":{\"path\":\"in.png\"}},"
    "\"f\":{\"type\":\"flip\",\"inputs\":{\"image\":\"l\"}},"
    "\"r\":{\"type\":\"rotate\",\"params\":{\"angle\":180},"
    "\"inputs\":{\"image\":\"f\"}},"
    "\"s\":{\"type\":\"png.save\",\"params\":{\"path\":\"out/flip.png\"},"
    "\"inputs\":{\"image\":\"r\"}}}}";

static int case_api(void)
{
    if (enter_scratch("api") != 0)
        return 1;
    CHECK(uh_engine_create(NULL, NULL, NULL, 0) == 1, "NULL out is a usage "
                                                      "error");
    uh_engine *e = open_engine();
    if (!e)
        return 1;
    CHECK(uh_engine_node_types(e) >= 10, "node types loaded: %zu",
          uh_engine_node_types(e));

    /* An input made here, 97x61 RGB, each pixel from its coordinates. */
    testimg in = {.width = 97, .height = 61, .channels = 3, .bytes = 1};
    in.data = malloc((size_t)in.width * in.height * 3);
    for (uint32_t y = 0; y < in.height; y++)
        for (uint32_t x = 0; x < in.width; x++)
            for (uint32_t c = 0; c < 3; c++)
                in.data[((size_t)y * in.width + x) * 3 + c] =
                    (uint8_t)(x * 3 + y * 7 + c * 50);
    CHECK(testimg_write("in.png", &in) == 0, "write in.png");

    /* flip horizontal then rotate 180 = a vertical flip. */
    uh_run_config cfg = {.struct_size = sizeof(cfg), .threads = 2};
    uh_run_result res;
    int rc = run_text(e, flip_graph, &cfg, &res);
    CHECK(rc == 0, "flip graph: %d %s", rc, res.message);
    CHECK(res.exit_code == rc, "exit_code %d", res.exit_code);
    CHECK(res.message[0] == 0, "no message on success: %s", res.message);
    CHECK(res.n_outputs == 1, "one output: %u", res.n_outputs);
    CHECK(res.threads == 2, "threads %u", res.threads);
    /* rotate (a whole node) holds its input (f's output, materialised) and
     * its output at once: two images of 97*61*3 bytes at least. */
    CHECK(res.peak_bytes >= 2u * 97 * 61 * 3, "peak %" PRIu64, res.peak_bytes);
    CHECK(res.allocations > 0 && res.attempts >= res.allocations,
          "allocations %" PRIu64 " attempts %" PRIu64, res.allocations,
          res.attempts);
    CHECK(res.mapped_peak >= res.peak_bytes, "mapped peak %" PRIu64,
          res.mapped_peak);
    testimg out = {0};
    if (testimg_read("out/flip.png", &out) == 0) {
        CHECK(out.width == 97 && out.height == 61 && out.channels == 3,
              "geometry %ux%u x%u", out.width, out.height, out.channels);
        int bad = 0;
        for (uint32_t y = 0; y < 61 && !bad; y++)
            for (uint32_t x = 0; x < 97 && !bad; x++)
                for (uint32_t c = 0; c < 3; c++)
                    if (testimg_at(&out, x, y, c) !=
                        testimg_at(&in, x, 60 - y, c)) {
                        CHECK(0, "pixel (%u,%u,%u): %u, want %u", x, y, c,
                              testimg_at(&out, x, y, c),
                              testimg_at(&in, x, 60 - y, c));
                        bad = 1;
                        break;
                    }
        testimg_free(&out);
    } else {
        CHECK(0, "out/flip.png not readable");
    }

    /* --set through the API, and a file graph. */
    static const char sized[] =
        "{\"uberhost\":1,\"nodes\":{"
        "\"n\":{\"type\":\"checker\",\"params\":{\"width\":40,\"height\":30}},"
        "\"s\":{\"type\":\"png.save\",\"params\":{\"path\":\"out/c.png\"},"
        "\"inputs\":{\"image\":\"n\"}}}}";
    FILE *f = fopen("sized.json", "w");
    if (f) {
        fputs(sized, f);
        fclose(f);
    }
    const char *sets[] = {"n.width=123", "s.path=out/c2.png"};
    memset(&res, 0, sizeof(res));
    res.struct_size = sizeof(res);
    rc = uh_engine_run_file(e, "sized.json", sets, 2, NULL, &res);
    CHECK(rc == 0, "file graph with sets: %d %s", rc, res.message);
    uint32_t w = 0, h = 0;
    CHECK(png_size("out/c2.png", &w, &h) == 0 && w == 123 && h == 30,
          "--set applied: %ux%u", w, h);
    CHECK(!exists("out/c.png"), "the unset path was not written");
    CHECK(res.limit > 0, "NULL config: the default budget (%" PRIu64 ")",
          res.limit);

    /* Errors: each with its exit code and message. */
    rc = run_text(e, "{\"uberhost\":1,\"nodes\":{\"x\":{\"type\":\"nope\"}}}",
                  NULL, &res);
    CHECK(rc == 2 && strstr(res.message, "test.json: /nodes/x/type") &&
              strstr(res.message, "'nope'"),
          "unknown type: %d %s", rc, res.message);
    rc = run_text(e, "{\"uberhost\":1,", NULL, &res);
    CHECK(rc == 2 && strncmp(res.message, "test.json", 9) == 0,
          "bad JSON: %d %s", rc, res.message);
    rc = uh_engine_run_file(e, "missing.json", NULL, 0, NULL, &res);
    CHECK(rc == 1 && strstr(res.message, "missing.json: cannot open"),
          "missing file (exit 1, as the CLI): %d %s", rc, res.message);

    remove("out/flip.png");
    uh_run_config tight = {.struct_size = sizeof(tight),
                           .threads = 1,
                           .memory_limit = 32 << 10,
                           .no_spill = 1};
    rc = run_text(e, flip_graph, &tight, &res);
    CHECK(rc == 4 && strstr(res.message, "memory budget exceeded") &&
              strstr(res.message, "of 32768 (raise --memory-limit)"),
          "budget: %d %s", rc, res.message);
    CHECK(res.limit == 32768, "limit reported %" PRIu64, res.limit);
    CHECK(!exists("out/flip.png"), "no output after the budget failure");

    uh_run_config fail = {
        .struct_size = sizeof(fail), .threads = 1, .fail_alloc = 2};
    rc = run_text(e, flip_graph, &fail, &res);
    CHECK(rc == 4 && strstr(res.message, "injected failure (allocation 2)"),
          "fail_alloc: %d %s", rc, res.message);
    CHECK(!exists("out/flip.png"), "no output after a failure");
    CHECK(res.n_outputs == 0, "no outputs counted: %u", res.n_outputs);

    uh_run_config unl = {.struct_size = sizeof(unl),
                         .threads = 1,
                         .memory_limit = UH_MEMORY_UNLIMITED};
    rc = run_text(e, flip_graph, &unl, &res);
    CHECK(rc == 0 && res.limit == 0, "unlimited: %d limit %" PRIu64, rc,
          res.limit);

    /* An older caller's smaller config: only struct_size and threads. */
    uh_run_config old = {.struct_size = offsetof(uh_run_config, threads) +
                                        sizeof(uint32_t),
                         .threads = 1,
                         .memory_limit = 1};
    rc = run_text(e, flip_graph, &old, &res);
    CHECK(rc == 0 && res.threads == 1 && res.limit > 1,
          "small config struct: %d threads %u limit %" PRIu64, rc, res.threads,
          res.limit);
    /* A result struct too small is left alone. */
    uh_run_result tiny;
    memset(&tiny, 0x5a, sizeof(tiny));
    tiny.struct_size = 8;
    rc = uh_engine_run_string(e, "x", "{", 1, NULL, 0, NULL, &tiny);
    CHECK(rc == 2 && tiny.exit_code == 0x5a5a5a5a, "small result untouched");
    CHECK(uh_engine_run_string(NULL, "x", "{}", 2, NULL, 0, NULL, NULL) == 1,
          "NULL engine");

    CHECK(uh_process_rss() > 0, "rss");
    CHECK(uh_process_rss_peak() >= uh_process_rss() / 2, "rss peak");

    /* A second engine beside the first. */
    uh_engine *e2 = open_engine();
    CHECK(e2 != NULL, "second engine");
    if (e2) {
        rc = run_text(e2, flip_graph, &cfg, &res);
        CHECK(rc == 0, "second engine runs: %d %s", rc, res.message);
        uh_engine_destroy(e2);
    }
    uh_engine_destroy(e);
    uh_engine_destroy(NULL);
    testimg_free(&in);
    return failures ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* idle: 200 runs, RSS back within 2 MiB of the idle baseline after each    */

typedef struct kind {
    const char *name;
    const char *text;
    int want;           /* exit code */
    const char *msg;    /* substring of the message on failure */
    const char *output; /* a file a successful run writes */
    uint64_t limit;     /* 0: unlimited */
    int no_spill;
    int fail_alloc; /* -1: fail a different allocation each time */
} kind;

#define NODE(id, type, params)                                                 \
    "\"" id "\":{\"type\":\"" type "\",\"params\":{" params "}}"
#define NODE_IN(id, type, params, in)                                          \
    "\"" id "\":{\"type\":\"" type "\",\"params\":{" params                    \
    "},\"inputs\":{\"" in "\"}}"
#define GRAPH(nodes) "{\"uberhost\":1,\"nodes\":{" nodes "}}"

static const kind kinds[] = {
    {"noise 2048x2048 -> png", /* streamed */
     GRAPH(NODE("n", "noise",
                "\"width\":2048,\"height\":2048,\"octaves\":2,"
                "\"channels\":1") "," NODE_IN("s", "png.save",
                                              "\"path\":\"out/noise.png\"",
                                              "image\":\"n")),
     0, NULL, "out/noise.png", 0, 0, 0},
    {"png 2048 -> resize 512 -> png",
     GRAPH(NODE("l", "png.load", "\"path\":\"big.png\"") "," NODE_IN(
         "r", "resize", "\"width\":512",
         "image\":\"l") "," NODE_IN("s", "png.save",
                                    "\"path\":\"out/r512.png\"",
                                    "image\":\"r")),
     0, NULL, "out/r512.png", 0, 0, 0},
    {"png 2048 -> jpeg",
     GRAPH(NODE("l", "png.load", "\"path\":\"big.png\"") "," NODE_IN(
         "s", "jpeg.save", "\"path\":\"out/big.jpg\"", "image\":\"l")),
     0, NULL, "out/big.jpg", 0, 0, 0},
    {"jpeg 2048 -> resize 300 -> jpeg (progressive)",
     GRAPH(NODE("l", "jpeg.load", "\"path\":\"big.jpg\"") "," NODE_IN(
         "r", "resize", "\"width\":300",
         "image\":\"l") "," NODE_IN("s", "jpeg.save",
                                    "\"path\":\"out/"
                                    "t.jpg\",\"progressive\":true,"
                                    "\"optimize\":true",
                                    "image\":\"r")),
     0, NULL, "out/t.jpg", 0, 0, 0},
    {"png 512 -> mipmap -> mip.save_png",
     GRAPH(NODE("l", "png.load", "\"path\":\"mid.png\"") "," NODE_IN(
         "m", "mipmap", "", "image\":\"l") "," NODE_IN("s", "mip.save_png",
                                                       "\"dir\":\"out/mip\"",
                                                       "levels\":\"m")),
     0, NULL, "out/mip/level_0.png", 0, 0, 0},
    {"checker 2048x1536x3 -> rotate (whole) -> png",
     GRAPH(
         NODE("c", "checker", "\"width\":2048,\"height\":1536,\"channels\":3") "," NODE_IN(
             "r", "rotate", "\"angle\":270",
             "image\":\"c") "," NODE_IN("s", "png.save",
                                        "\"path\":\"out/"
                                        "rot.png\",\"compression\":1",
                                        "image\":\"r")),
     0, NULL, "out/rot.png", 0, 0, 0},
    {"the same, spilled under an 8M budget",
     GRAPH(
         NODE("c", "checker", "\"width\":2048,\"height\":1536,\"channels\":3") "," NODE_IN(
             "r", "rotate", "\"angle\":90",
             "image\":\"c") "," NODE_IN("s", "png.save",
                                        "\"path\":\"out/"
                                        "spill.png\",\"compression\":1",
                                        "image\":\"r")),
     0, NULL, "out/spill.png", 8u << 20, 0, 0},
    {"small checker -> flip -> png",
     GRAPH(NODE("c", "checker", "\"width\":64,\"height\":48") "," NODE_IN(
         "f", "flip", "\"direction\":\"vertical\"",
         "image\":\"c") "," NODE_IN("s", "png.save",
                                    "\"path\":\"out/small.png\"",
                                    "image\":\"f")),
     0, NULL, "out/small.png", 0, 0, 0},
    {"truncated png",
     GRAPH(NODE("l", "png.load", "\"path\":\"bad.png\"") "," NODE_IN(
         "r", "resize", "\"width\":100",
         "image\":\"l") "," NODE_IN("s", "png.save", "\"path\":\"out/bad.png\"",
                                    "image\":\"r")),
     3, "/nodes/l (png.load", NULL, 0, 0, 0},
    {"truncated jpeg",
     GRAPH(NODE("l", "jpeg.load", "\"path\":\"bad.jpg\"") "," NODE_IN(
         "s", "jpeg.save", "\"path\":\"out/bad.jpg\"", "image\":\"l")),
     3, "/nodes/l (jpeg.load", NULL, 0, 0, 0},
    {"budget exceeded (4M, no spill)",
     GRAPH(
         NODE("c", "checker", "\"width\":2048,\"height\":1536,\"channels\":3") "," NODE_IN(
             "r", "rotate", "\"angle\":90",
             "image\":\"c") "," NODE_IN("s", "png.save",
                                        "\"path\":\"out/over.png\"",
                                        "image\":\"r")),
     4, "memory budget exceeded", NULL, 4u << 20, 1, 0},
    {"fail-alloc N in a jpeg decode-resize-encode",
     GRAPH(NODE("l", "jpeg.load", "\"path\":\"big.jpg\"") "," NODE_IN(
         "r", "resize", "\"width\":640",
         "image\":\"l") "," NODE_IN("s", "jpeg.save",
                                    "\"path\":\"out/fail.jpg\"",
                                    "image\":\"r")),
     4, "cannot allocate", NULL, 0, 0, -1},
    {"fail-alloc N in a mipmap",
     GRAPH(NODE("l", "png.load", "\"path\":\"mid.png\"") "," NODE_IN(
         "m", "mipmap", "",
         "image\":\"l") "," NODE_IN("s", "mip.save_png",
                                    "\"dir\":\"out/mipfail\"", "levels\":\"m")),
     4, "cannot allocate", NULL, 0, 0, -1},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static uint64_t attempts_of[N_KINDS];

static int run_kind(uh_engine *e, size_t k, unsigned iteration,
                    uh_run_result *res)
{
    const kind *kd = &kinds[k];
    uh_run_config cfg = {.struct_size = sizeof(cfg),
                         .threads = 2,
                         .memory_limit =
                             kd->limit ? kd->limit : UH_MEMORY_UNLIMITED,
                         .no_spill = kd->no_spill,
                         .spill_dir = "spill"};
    if (kd->fail_alloc < 0)
        cfg.threads = 1; /* the same allocations in the same order */
    if (kd->fail_alloc < 0 && attempts_of[k] == 0) {
        /* First a clean run, to learn how many allocations there are. */
        int rc0 = run_text(e, kd->text, &cfg, res);
        CHECK(rc0 == 0 && res->attempts > 1,
              "%s without a failure: exit %d, %" PRIu64 " attempts: %s",
              kd->name, rc0, res->attempts, res->message);
        attempts_of[k] = res->attempts;
    }
    if (kd->fail_alloc < 0) {
        /* A different allocation each time, over all of the run's. */
        uint64_t n = attempts_of[k] ? attempts_of[k] : 1;
        cfg.fail_alloc = 1 + (uint64_t)iteration * 7919u % n;
    }
    if (kd->output)
        remove(kd->output);
    int rc = run_text(e, kd->text, &cfg, res);
    /* A few injected failures are absorbed by a fallback (a row buffer
     * retried at its exact size): the run then succeeds. */
    if (rc == 0 && kd->fail_alloc < 0)
        return 0;
    if (rc != kd->want || (kd->msg && !strstr(res->message, kd->msg)) ||
        (rc == 0 && kd->output && !exists(kd->output)) ||
        (rc != 0 && res->n_outputs != 0)) {
        CHECK(0, "%s (fail_alloc %" PRIu64 "): exit %d, want %d: %s", kd->name,
              cfg.fail_alloc, rc, kd->want, res->message);
        return -1;
    }
    if (kd->fail_alloc == 0 && kd->want == 0 && attempts_of[k] == 0)
        attempts_of[k] = res->attempts;
    return 0;
}

static int case_idle(void)
{
    const char *san = getenv("UH_SANITIZED");
    int sanitized = EMBED_ASAN || (san && *san);
    unsigned runs = sanitized ? 52 : 200;
    if (enter_scratch("idle") != 0)
        return 1;
    mkdirs("spill");
    mkdirs("out");
    uh_engine *e = open_engine();
    if (!e)
        return 1;
    uint64_t loaded = uh_process_rss();
    print_rss_kinds("plugins loaded");
    uh_run_result res;
    /* Inputs: a 2048x2048 PNG, a 512x512 PNG, a JPEG, truncated copies. */
    static const char make[] = GRAPH(
        NODE("n", "noise", "\"width\":2048,\"height\":2048,\"channels\":3,\"octaves\":3") "," NODE_IN(
            "s", "png.save", "\"path\":\"big.png\"",
            "image\":\"n") "," NODE_IN("r", "resize", "\"width\":512",
                                       "image\":\"n") "," NODE_IN("t",
                                                                  "png."
                                                                  "save",
                                                                  "\"path\""
                                                                  ":\"mid."
                                                                  "png\"",
                                                                  "image\":"
                                                                  "\"r") "," NODE_IN("j",
                                                                                     "jpeg.save",
                                                                                     "\"path\":\"big.jpg\"",
                                                                                     "image\":\"n"));
    int rc = run_text(e, make, NULL, &res);
    CHECK(rc == 0, "making inputs: %d %s", rc, res.message);
    CHECK(truncated_copy("big.png", "bad.png", 20000) == 0, "bad.png");
    CHECK(truncated_copy("big.jpg", "bad.jpg", 3000) == 0, "bad.jpg");
    if (failures)
        return 1;

    /* Warm-up: each kind once. libuv's thread pool (started on first use
     * and kept for the process), the codecs' and libc's first-use state
     * (stdio buffers, locale, dlopen'd code paged in) are legitimately
     * kept; the baseline is taken after them. */
    for (size_t k = 0; k < N_KINDS; k++)
        run_kind(e, k, 0, &res);
    if (failures)
        return 1;
    uint64_t idle = uh_process_rss();
    uint64_t slack = 2u << 20, worst = 0;
    size_t worst_kind = 0;
    unsigned over = 0;
    printf("RSS with the plugins loaded: %" PRIu64 " KiB; idle RSS after the "
           "warm-up (each of %zu kinds run once): %" PRIu64 " KiB\n",
           loaded >> 10, N_KINDS, idle >> 10);
    print_rss_kinds("after the warm-up");
    uint64_t peak_run[N_KINDS] = {0};
    double ms_run[N_KINDS] = {0};
    for (unsigned i = 0; i < runs; i++) {
        size_t k = (i * 5u + i / N_KINDS) % N_KINDS;
        if (run_kind(e, k, i + 1, &res) != 0)
            break;
        ms_run[k] += res.ms;
        if (res.peak_bytes > peak_run[k])
            peak_run[k] = res.peak_bytes;
        uint64_t rss = uh_process_rss();
        uint64_t above = rss > idle ? rss - idle : 0;
        if (above > worst) {
            worst = above;
            worst_kind = k;
        }
        if (!sanitized && above > slack) {
            over++;
            CHECK(0,
                  "run %u (%s): RSS %" PRIu64 " KiB, idle %" PRIu64
                  " KiB: %" PRIu64 " KiB above",
                  i + 1, kinds[k].name, rss >> 10, idle >> 10, above >> 10);
            if (over > 5)
                break;
        }
    }
    for (size_t k = 0; k < N_KINDS; k++)
        printf("  %-48s peak %8" PRIu64 " KiB, %8.0f ms in all\n",
               kinds[k].name, peak_run[k] >> 10, ms_run[k]);
    printf("%u runs; most RSS above idle after a run: %" PRIu64
           " KiB (after '%s'); allowed %" PRIu64 " KiB%s\n",
           runs, worst >> 10, kinds[worst_kind].name, slack >> 10,
           sanitized ? " (not checked under sanitizers)" : "");
    uh_engine_destroy(e);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: embed api|idle\n");
        return 2;
    }
    if (strcmp(argv[1], "api") == 0)
        return case_api();
    if (strcmp(argv[1], "idle") == 0)
        return case_idle();
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
