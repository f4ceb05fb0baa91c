/* The embedding API (include/uberhost/uberhost.h) over engine.c, graph.c
 * and run.c. Nothing here keeps state between runs beyond the engine's
 * plugin registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uberhost/uberhost.h>
#include <unistd.h>

#include "alloc.h"
#include "diag.h"
#include "engine.h"
#include "exitcode.h"
#include "graph.h"
#include "run.h"

struct uh_engine {
    engine *e;
};

/* Nonzero when the caller's struct `p` is large enough to hold `field`
 * (structs only grow, so an older caller's smaller struct is fine). */
#define API_HAS(p, type, field)                                                \
    ((p) && (p)->struct_size >= offsetof(type, field) + sizeof((p)->field))

static void put_err(char *buf, size_t len, const char *msg)
{
    if (buf && len)
        snprintf(buf, len, "%s", msg);
}

int uh_engine_create(const uh_engine_options *options, uh_engine **out,
                     char *errbuf, size_t errlen)
{
    put_err(errbuf, errlen, "");
    if (!out) {
        put_err(errbuf, errlen, "uh_engine_create: out is NULL");
        return EXIT_USAGE;
    }
    *out = NULL;
    engine_options eo = {0};
    if (API_HAS(options, uh_engine_options, plugin_path))
        eo.plugin_path = options->plugin_path;
    if (API_HAS(options, uh_engine_options, no_env))
        eo.no_env = options->no_env;
    if (API_HAS(options, uh_engine_options, no_builtin))
        eo.no_builtin = options->no_builtin;
    uh_engine *ue = calloc(1, sizeof(*ue));
    if (!ue) {
        put_err(errbuf, errlen, "out of memory");
        return EXIT_INTERNAL;
    }
    diag d;
    diag_init(&d);
    int rc = engine_create(&eo, &ue->e, &d);
    if (rc != 0) {
        put_err(errbuf, errlen, d.msg);
        free(ue);
        return rc;
    }
    *out = ue;
    return 0;
}

size_t uh_engine_node_types(const uh_engine *e)
{
    return e ? engine_registry(e->e)->n_kinds : 0;
}

void uh_engine_destroy(uh_engine *e)
{
    if (!e)
        return;
    engine_destroy(e->e);
    free(e);
}

/* run_options from the caller's config (NULL: defaults). */
static void config_options(const uh_run_config *c, run_options *o)
{
    memset(o, 0, sizeof(*o));
    o->spill = 1;
    o->progress = RUN_PROGRESS_NONE;
    o->no_signals = 1; /* the embedder owns SIGINT and SIGTERM */
    uint64_t limit = 0;
    if (API_HAS(c, uh_run_config, threads))
        o->threads = c->threads;
    if (API_HAS(c, uh_run_config, memory_limit))
        limit = c->memory_limit;
    if (API_HAS(c, uh_run_config, no_spill))
        o->spill = !c->no_spill;
    if (API_HAS(c, uh_run_config, spill_dir))
        o->spill_dir = c->spill_dir;
    if (API_HAS(c, uh_run_config, spill_limit))
        o->spill_limit = c->spill_limit;
    if (API_HAS(c, uh_run_config, fail_alloc))
        o->fail_alloc = c->fail_alloc;
    if (API_HAS(c, uh_run_config, fail_persistent))
        o->fail_persistent = c->fail_persistent;
    if (API_HAS(c, uh_run_config, timeout))
        o->timeout = c->timeout > 0 ? c->timeout : 0;
    if (API_HAS(c, uh_run_config, verbose))
        o->verbose = c->verbose;
    if (o->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = n > 0 ? (uint32_t)n : 1;
    }
    if (o->threads > 64)
        o->threads = 64;
    o->memory_limit = limit == 0                     ? alloc_default_limit()
                      : limit == UH_MEMORY_UNLIMITED ? 0
                                                     : limit;
}

static void fill_result(uh_run_result *res, int rc, const diag *d,
                        const run_report *rep)
{
    if (!res || res->struct_size < sizeof(*res))
        return;
    memset(res, 0, sizeof(*res));
    res->struct_size = sizeof(*res);
    res->exit_code = rc;
    if (rc != 0)
        snprintf(res->message, sizeof(res->message), "%s", d->msg);
    res->n_warnings = d->n_warn + d->n_warn_dropped;
    if (d->n_warn)
        snprintf(res->warning, sizeof(res->warning), "%s", d->warn[0]);
    if (rep) {
        res->peak_bytes = rep->total.peak;
        res->total_bytes = rep->total.total;
        res->mapped_peak = rep->mapped_peak;
        res->spilled_bytes = rep->total.spilled;
        res->allocations = rep->total.count;
        res->attempts = rep->allocations;
        res->limit = rep->limit;
        res->threads = rep->threads;
        res->n_outputs = rep->n_outputs;
        res->ms = rep->ms;
    }
}

static int run_parsed(uh_engine *e, const char *name, const char *path,
                      const char *text, size_t len, const char *const *sets,
                      size_t n_sets, const uh_run_config *cfg,
                      uh_run_result *res)
{
    diag d;
    diag_init(&d);
    if (!e || (!path && !text)) {
        diag_set(&d, EXIT_USAGE, "uh_engine_run: %s is NULL",
                 e ? "the graph" : "the engine");
        fill_result(res, d.code, &d, NULL);
        return d.code;
    }
    graph *g = NULL;
    int rc = path
                 ? graph_load(path, engine_registry(e->e), sets, n_sets, &g, &d)
                 : graph_parse(name ? name : "(string)", text, len,
                               engine_registry(e->e), sets, n_sets, &g, &d);
    if (rc != 0) {
        fill_result(res, rc, &d, NULL);
        return rc;
    }
    run_options o;
    config_options(cfg, &o);
    run_report rep;
    memset(&rep, 0, sizeof(rep));
    rc = run_graph(g, &o, &rep, &d);
    if (o.verbose)
        diag_print(&d);
    fill_result(res, rc, &d, &rep);
    run_report_free(&rep);
    graph_free(g);
    return rc;
}

int uh_engine_run_file(uh_engine *e, const char *path, const char *const *sets,
                       size_t n_sets, const uh_run_config *cfg,
                       uh_run_result *res)
{
    return run_parsed(e, NULL, path, NULL, 0, sets, n_sets, cfg, res);
}

int uh_engine_run_string(uh_engine *e, const char *name, const char *text,
                         size_t len, const char *const *sets, size_t n_sets,
                         const uh_run_config *cfg, uh_run_result *res)
{
    return run_parsed(e, name, NULL, text, len, sets, n_sets, cfg, res);
}

uint64_t uh_process_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    unsigned long long size = 0, res = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &res) != 2)
        res = 0;
    fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t uh_process_rss_peak(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024u;
}
