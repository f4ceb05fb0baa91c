/* The fuzz targets' host side: see fuzzhost.h. */
#include "fuzzhost.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "exitcode.h"
#include "graph.h"

#ifndef UH_FUZZ_PLUGIN_DIR
#define UH_FUZZ_PLUGIN_DIR ""
#endif

static engine *g_engine;
static char g_dir[256];
static long g_fd_baseline = -1;

static void remove_dir(void);

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzzhost: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

engine *fz_engine(void)
{
    if (g_engine)
        return g_engine;
    const char *path = getenv("UH_FUZZ_PLUGINS");
    if (!path || !*path)
        path = UH_FUZZ_PLUGIN_DIR;
    if (!*path)
        die("set UH_FUZZ_PLUGINS to the build's plugins directory", NULL);
    engine_options eo = {.plugin_path = path, .no_env = 1, .no_builtin = 1};
    diag d;
    diag_init(&d);
    if (engine_create(&eo, &g_engine, &d) != 0)
        die("cannot load the plugins", d.msg);
    if (engine_registry(g_engine)->n_kinds == 0)
        die("no node types found on", path);
    return g_engine;
}

const char *fz_dir(void)
{
    if (g_dir[0])
        return g_dir;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    int n = snprintf(g_dir, sizeof(g_dir), "%s/uhfuzz.XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof(g_dir) || !mkdtemp(g_dir))
        die("cannot make a temporary directory in", tmp);
    atexit(remove_dir);
    /* The graphs name files in it inside JSON strings: keep it plain. */
    for (const char *c = g_dir; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
            die("TMPDIR holds characters the graphs cannot quote", g_dir);
    return g_dir;
}

void fz_write_input(const char *name, const uint8_t *data, size_t size,
                    char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s/%s", fz_dir(), name);
    if (n < 0 || (size_t)n >= cap)
        die("path too long", name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        die("cannot write", path);
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("cannot write", path);
        done += (size_t)w;
    }
    if (close(fd) != 0)
        die("cannot close", path);
}

/* Counts open descriptors; abort()s on one still open on a file in the
 * directory (an input or output a node or the host did not close). */
static long count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    long n = 0;
    size_t dl = strlen(g_dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        n++;
        char link[300], target[512];
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(link, target, sizeof(target) - 1);
        if (k <= 0)
            continue;
        target[k] = 0;
        if (strncmp(target, g_dir, dl) == 0 && target[dl] == '/') {
            closedir(d);
            die("a file descriptor is still open on", target);
        }
    }
    closedir(d);
    return n;
}

/* Removes the expected outputs; abort()s on any other file but inputs. */
static void check_dir(int rc, const fz_expect *ex)
{
    char path[512];
    for (int i = 0; i < 4 && ex->outputs[i]; i++) {
        snprintf(path, sizeof(path), "%s/%s", g_dir, ex->outputs[i]);
        int there = access(path, F_OK) == 0;
        if (rc == 0 && !there)
            die("the run succeeded but did not write", ex->outputs[i]);
        if (rc != 0 && there)
            die("the run failed but left its output", ex->outputs[i]);
        if (there && remove(path) != 0)
            die("cannot remove", path);
    }
    DIR *d = opendir(g_dir);
    if (!d)
        die("cannot read", g_dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strncmp(e->d_name, "in.", 3) == 0)
            continue;
        closedir(d);
        die("a file was left behind in the output directory", e->d_name);
    }
    closedir(d);
}

run_options fz_run_defaults(void)
{
    run_options ro;
    memset(&ro, 0, sizeof(ro));
    ro.threads = 1;
    ro.memory_limit = 64u << 20;
    return ro;
}

int fz_run_checked(const char *json, const run_options *ro, const fz_expect *ex)
{
    engine *e = fz_engine();
    diag d;
    diag_init(&d);
    graph *g = NULL;
    int rc = graph_parse("fuzz.json", json, strlen(json), engine_registry(e),
                         NULL, 0, &g, &d);
    if (rc != 0)
        die("the harness's graph does not parse", d.msg);
    run_report rep;
    memset(&rep, 0, sizeof(rep));
    rc = run_graph(g, ro, &rep, &d);
    if (getenv("UH_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzzhost: exit code %d%s%s (fail_alloc %llu)\n", rc,
                rc ? ": " : "", rc ? d.msg : "",
                (unsigned long long)ro->fail_alloc);
    if (rc != 0) {
        if (d.msg[0] == '\0')
            die("a failed run gave no message", NULL);
        int ok = rc == EXIT_DECODE || rc == EXIT_LIMIT || rc == EXIT_PLUGIN;
        if (ro->fail_alloc && rc == EXIT_INTERNAL)
            ok = 1;
        if (!ok) {
            fprintf(stderr, "fuzzhost: exit code %d: %s\n", rc, d.msg);
            abort();
        }
    }
    for (unsigned i = 0; i < d.n_warn; i++)
        if (strstr(d.warn[i], " leaked "))
            die("a node leaked", d.warn[i]);
    for (uint32_t i = 0; i < rep.n_nodes; i++)
        if (rep.nodes[i].leaked)
            die("a node leaked host memory", rep.nodes[i].id);
    if (rc == 0) {
        uint32_t want = 0;
        while (want < 4 && ex->outputs[want])
            want++;
        if (rep.n_outputs != want) {
            fprintf(stderr, "fuzzhost: %u outputs committed, expected %u\n",
                    rep.n_outputs, want);
            abort();
        }
    }
    run_report_free(&rep);
    graph_free(g);
    check_dir(rc, ex);
    /* libFuzzer opens a few descriptors of its own while it runs; a
     * descriptor leaked per run grows past any fixed margin. */
    long fds = count_fds();
    if (g_fd_baseline < 0)
        g_fd_baseline = fds;
    else if (fds > g_fd_baseline + 16) {
        fprintf(stderr,
                "fuzzhost: %ld file descriptors open, %ld after the "
                "first run\n",
                fds, g_fd_baseline);
        abort();
    }
    return rc;
}

static void remove_dir(void)
{
    if (g_dir[0]) {
        DIR *d = opendir(g_dir);
        struct dirent *e;
        char path[512];
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", g_dir, e->d_name);
            remove(path);
        }
        if (d)
            closedir(d);
        rmdir(g_dir);
        g_dir[0] = 0;
    }
}

void fz_cleanup(void)
{
    remove_dir();
    engine_destroy(g_engine);
    g_engine = NULL;
}

uint32_t fz_hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++) {
        h ^= data[i];
        h *= 16777619u;
    }
    return h;
}
