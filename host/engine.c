/* The engine: plugin path, registry, and the plan printer. */
#include "engine.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "hostapi.h"

struct engine {
    registry *reg;
    char *path; /* the directories searched */
};

/* Appends `dir` to the colon list `*list` unless it names a directory
 * already there (compared by realpath). */
static int add_dir(char **list, const char *dir)
{
    if (!dir || !*dir)
        return 0;
    char real[PATH_MAX];
    const char *key = realpath(dir, real) ? real : dir;
    if (*list) {
        char *copy = strdup(*list);
        if (!copy)
            return -1;
        char *save = NULL;
        int seen = 0;
        for (char *t = strtok_r(copy, ":", &save); t;
             t = strtok_r(NULL, ":", &save)) {
            char r2[PATH_MAX];
            const char *k2 = realpath(t, r2) ? r2 : t;
            if (strcmp(k2, key) == 0)
                seen = 1;
        }
        free(copy);
        if (seen)
            return 0;
    }
    size_t n = (*list ? strlen(*list) + 1 : 0) + strlen(dir) + 1;
    char *s = malloc(n);
    if (!s)
        return -1;
    snprintf(s, n, "%s%s%s", *list ? *list : "", *list ? ":" : "", dir);
    free(*list);
    *list = s;
    return 0;
}

static int add_list(char **list, const char *dirs)
{
    if (!dirs)
        return 0;
    char *copy = strdup(dirs);
    if (!copy)
        return -1;
    char *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ":", &save); t && rc == 0;
         t = strtok_r(NULL, ":", &save))
        rc = add_dir(list, t);
    free(copy);
    return rc;
}

int engine_create(const engine_options *o, engine **out, diag *d)
{
    engine *e = calloc(1, sizeof(*e));
    if (!e || !(e->reg = registry_create())) {
        free(e);
        return diag_set(d, EXIT_INTERNAL, "out of memory");
    }
    int rc = add_list(&e->path, o->plugin_path);
    if (rc == 0 && !o->no_env)
        rc = add_list(&e->path, getenv("UBERHOST_PLUGIN_PATH"));
    if (rc == 0 && !o->no_builtin) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
            exe[n] = 0;
            char *slash = strrchr(exe, '/');
            if (slash) {
                *slash = 0;
                static const char *const rel[] = {"../plugins",
                                                  "../lib/uberhost/plugins"};
                for (int k = 0; k < 2 && rc == 0; k++) {
                    char dir[PATH_MAX + 32], real[PATH_MAX];
                    snprintf(dir, sizeof(dir), "%s/%s", exe, rel[k]);
                    /* Messages name plugins by this path: make it plain. */
                    if (realpath(dir, real))
                        rc = add_dir(&e->path, real);
                }
            }
        }
    }
    if (rc != 0) {
        engine_destroy(e);
        return diag_set(d, EXIT_INTERNAL, "out of memory");
    }
    e->reg->probe = o->probe;
    rc = registry_load_path(e->reg, e->path ? e->path : "", hostapi_table(), d);
    if (rc != 0) {
        engine_destroy(e);
        return rc;
    }
    *out = e;
    return 0;
}

const registry *engine_registry(const engine *e)
{
    return e->reg;
}

const char *engine_plugin_path(const engine *e)
{
    return e->path ? e->path : "";
}

static void fmt_size(char *buf, size_t len, uint64_t b)
{
    if (b < 10240)
        snprintf(buf, len, "%" PRIu64 " B", b);
    else if (b < 10ull << 20)
        snprintf(buf, len, "%.1f KiB", (double)b / 1024.0);
    else if (b < 10ull << 30)
        snprintf(buf, len, "%.1f MiB", (double)b / 1048576.0);
    else
        snprintf(buf, len, "%.2f GiB", (double)b / 1073741824.0);
}

int engine_print_plan(const graph *g, const run_options *o,
                      const run_report *rep, FILE *out, diag *d)
{
    int rc = 0;
    static const char *samples[] = {"?", "u8", "u16", "f32"};
    uint64_t live = 0, peak = 0;
    uint32_t threads = rep->threads ? rep->threads : o->threads;
    fprintf(out, "plan for %s (%u threads", g->file, threads);
    if (rep->threads_asked > threads)
        fprintf(out, ", lowered from %u to fit the budget", rep->threads_asked);
    fprintf(out, ", budget ");
    char b1[32], b2[32];
    fmt_size(b1, sizeof(b1), o->memory_limit);
    fprintf(out, "%s):\n", o->memory_limit ? b1 : "none");
    fprintf(out, "  %-16s %-16s %-22s %11s  %s\n", "node", "type", "output",
            "memory", "backing");
    /* Walk in topological order, holding each output until its last
     * consumer ran: the live set at each step is what the run holds. */
    uint32_t *left = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(*left));
    for (uint32_t i = 0; left && i < g->n_nodes; i++)
        left[i] = g->nodes[i].n_consumers;
    for (uint32_t k = 0; k < g->n_nodes && k < rep->n_nodes; k++) {
        uint32_t i = g->order[k];
        const node_report *n = &rep->nodes[i];
        char geo[64] = "-";
        if (n->out_images == 1)
            snprintf(geo, sizeof(geo), "%ux%u x%u %s", n->out_info.width,
                     n->out_info.height, n->out_info.channels,
                     samples[n->out_info.sample & 3]);
        else if (n->out_images > 1)
            snprintf(geo, sizeof(geo), "%u images", n->out_images);
        uint64_t mem = n->streamed ? 0 : n->out_bytes;
        if (n->streamed && n->out_images == 1)
            mem = (uint64_t)n->out_info.width * uh_pixel_size(&n->out_info) *
                  64u * threads;
        const char *backing;
        if (n->streamed)
            backing = "streamed rows";
        else if (n->out_bytes == 0)
            backing = "-";
        else if (o->memory_limit == 0 || live + mem <= o->memory_limit)
            backing = "RAM";
        else if (o->spill && (o->spill_limit == 0 ||
                              live + mem - o->memory_limit <= o->spill_limit))
            backing = "spill file";
        else
            backing = "over budget (would fail)";
        if (!n->streamed && n->out_bytes && o->memory_limit &&
            live + mem > o->memory_limit &&
            (!o->spill || (o->spill_limit &&
                           live + mem - o->memory_limit > o->spill_limit)) &&
            rc == 0) {
            char need[32], held[32], lim[32];
            fmt_size(need, sizeof(need), mem);
            fmt_size(held, sizeof(held), live);
            fmt_size(lim, sizeof(lim), o->memory_limit);
            rc = diag_set(d, EXIT_LIMIT,
                          "%s: %s (%s, %s): its output needs %s with %s held "
                          "before it: over the memory budget of %s, and %s",
                          g->file, g->nodes[i].pointer, n->type, n->plugin,
                          need, held, lim,
                          o->spill ? "over the spill limit (--spill-limit)"
                                   : "spilling is off (--no-spill)");
        }
        if (!n->streamed)
            live += mem;
        if (live > peak)
            peak = live;
        fmt_size(b1, sizeof(b1), mem);
        fprintf(out, "  %-16s %-16s %-22s %11s  %s\n", n->id, n->type, geo, b1,
                backing);
        /* Release the inputs whose last consumer this node is. */
        for (uint32_t p = 0; left && p < g->nodes[i].kind->n_inputs; p++) {
            int32_t src = g->nodes[i].inputs[p].node;
            if (src >= 0 && left[src] > 0 && --left[src] == 0 &&
                !rep->nodes[src].streamed)
                live -= rep->nodes[src].out_bytes;
        }
        if (left && left[i] == 0 && !n->streamed)
            live -= n->out_bytes;
    }
    free(left);
    fmt_size(b1, sizeof(b1), peak);
    fmt_size(b2, sizeof(b2), o->memory_limit);
    fprintf(out, "  predicted peak of image buffers: %s of %s\n", b1,
            o->memory_limit ? b2 : "an unlimited budget");
    return rc;
}

void engine_destroy(engine *e)
{
    if (!e)
        return;
    registry_destroy(e->reg);
    free(e->path);
    free(e);
}
