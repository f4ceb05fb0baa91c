/* The command line: commands, options, usage text, and what they print. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "alloc.h"
#include "diag.h"
#include "engine.h"
#include "exitcode.h"
#include "graph.h"
#include "hostapi.h"
#include "plugin.h"
#include "run.h"

extern const char uh_default_graph[];
extern const size_t uh_default_graph_len;

#define DEFAULT_GRAPH_NAME "graphs/default.json (embedded)"

static volatile sig_atomic_t interrupted;

/* ------------------------------------------------------------------------ */
/* Usage                                                                    */

static const char usage_main[] =
    "usage: uberhost <command> [options]\n"
    "\n"
    "Commands:\n"
    "  run [GRAPH...]     check and run graphs (no GRAPH: the embedded "
    "default)\n"
    "  check GRAPH        check a graph without running it\n"
    "  plan GRAPH         print each node's predicted memory, run nothing\n"
    "  list [--json]      list node types and the plugins that provide them\n"
    "  describe TYPE      show a node type's ports and parameters\n"
    "  version            print the host and SDK versions\n"
    "  help [exit-codes]  this text, or the list of exit codes\n"
    "\n"
    "Run 'uberhost <command> --help' for a command's options.\n";

static const char usage_run[] =
    "\n"
    "With no GRAPH, run uses the embedded default graph "
    "(graphs/default.json).\n"
    "\n"
    "Options:\n"
    "  --set NAME=VALUE       set an exported parameter, or NODE.PARAM\n"
    "  --threads N            worker threads (default: the cores available;\n"
    "                         env UBERHOST_THREADS)\n"
    "  --stats[=text|json]    per-node and run memory and time (text on\n"
    "                         stderr, json on stdout)\n"
    "  --progress[=bar|json|none]  progress on stderr (default: a bar when\n"
    "                         stderr is a terminal)\n"
    "  --memory-limit SIZE    memory budget, e.g. 256M, 2G (env\n"
    "                         UBERHOST_MEMORY_LIMIT; default: 75% of the\n"
    "                         container's limit or of RAM; 0 = unlimited)\n"
    "  --no-spill             never spill image buffers to disk\n"
    "  --spill-dir DIR        where spill files go (default: $TMPDIR or "
    "/tmp)\n"
    "  --spill-limit SIZE     most spill bytes at once (default: "
    "unlimited)\n"
    "  --fail-alloc N         fail the Nth allocation (testing; env\n"
    "                         UBERHOST_FAIL_ALLOC)\n"
    "  --fail-alloc-persistent  with --fail-alloc: fail every allocation "
    "from N on\n"
    "  --repeat N             run each graph N times in this process\n"
    "  --timeout SECONDS      cancel the run after this long (exit 7)\n"
    "  --plugin-path DIRS     colon-separated plugin directories, searched\n"
    "                         before UBERHOST_PLUGIN_PATH and the built-in\n"
    "                         directory\n"
    "  --no-default-plugins   do not search the directory beside the binary\n"
    "  -v, --verbose          print plugin logs and the files written\n"
    "  -h, --help             this text\n";

static void print_exit_codes(FILE *out)
{
    fprintf(out, "Exit codes:\n");
#define UH__EXIT_LINE(name, value, msg) fprintf(out, "  %3d  %s\n", value, msg);
    UH_EXIT_MAP(UH__EXIT_LINE)
#undef UH__EXIT_LINE
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */

typedef struct cli_opts {
    const char *graphs[64];
    int n_graphs;
    const char *sets[256];
    int n_sets;
    const char *plugin_path;
    int no_default_plugins;
    int stats; /* 0 none, 1 text, 2 json */
    int json;  /* list/describe --json */
    int repeat;
    int have_limit;
    run_options run;
} cli_opts;

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "uberhost: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'uberhost --help'.\n");
    return EXIT_USAGE;
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno || v > max)
        return -1;
    *out = v;
    return 0;
}

/* An option's value: "--opt=value" or "--opt value". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, name) == 0 && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

static int parse_opts(int argc, char **argv, int first, cli_opts *o)
{
    o->repeat = 1;
    o->run.threads = 0;
    o->run.spill = 1;
    o->run.progress = isatty(2) ? RUN_PROGRESS_BAR : RUN_PROGRESS_NONE;
    const char *env;
    if ((env = getenv("UBERHOST_THREADS")) && *env) {
        uint64_t v;
        if (parse_uint(env, 64, &v) || v == 0)
            return usage_error("UBERHOST_THREADS: expected 1 to 64, got '%s'",
                               env);
        o->run.threads = (uint32_t)v;
    }
    if ((env = getenv("UBERHOST_MEMORY_LIMIT")) && *env) {
        if (alloc_parse_size(env, &o->run.memory_limit) != 0)
            return usage_error("UBERHOST_MEMORY_LIMIT: not a size: '%s'", env);
        o->have_limit = 1;
    }
    if ((env = getenv("UBERHOST_FAIL_ALLOC")) && *env) {
        if (parse_uint(env, UINT64_MAX, &o->run.fail_alloc))
            return usage_error("UBERHOST_FAIL_ALLOC: not a number: '%s'", env);
    }
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v;
        uint64_t n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return -1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->run.verbose = 1;
        } else if (is_opt(a, "--set")) {
            if (!(v = opt_value(argc, argv, &i, "--set")))
                return usage_error("%s needs NAME=VALUE", a);
            if (!strchr(v, '='))
                return usage_error("--set %s: expected NAME=VALUE", v);
            if (o->n_sets >= 256)
                return usage_error("%s: too many --set options", a);
            o->sets[o->n_sets++] = v;
        } else if (is_opt(a, "--threads")) {
            if (!(v = opt_value(argc, argv, &i, "--threads")) ||
                parse_uint(v, 64, &n) || n == 0)
                return usage_error("--threads: expected 1 to 64, got '%s'",
                                   v ? v : "");
            o->run.threads = (uint32_t)n;
        } else if (is_opt(a, "--stats")) {
            v = strchr(a, '=');
            if (!v || strcmp(v + 1, "text") == 0)
                o->stats = 1;
            else if (strcmp(v + 1, "json") == 0)
                o->stats = 2;
            else
                return usage_error("--stats: expected text or json, got '%s'",
                                   v + 1);
        } else if (is_opt(a, "--progress")) {
            v = strchr(a, '=');
            if (!v || strcmp(v + 1, "bar") == 0)
                o->run.progress = RUN_PROGRESS_BAR;
            else if (strcmp(v + 1, "json") == 0)
                o->run.progress = RUN_PROGRESS_JSON;
            else if (strcmp(v + 1, "none") == 0)
                o->run.progress = RUN_PROGRESS_NONE;
            else
                return usage_error(
                    "--progress: expected bar, json or none, got '%s'", v + 1);
        } else if (is_opt(a, "--memory-limit")) {
            if (!(v = opt_value(argc, argv, &i, "--memory-limit")) ||
                alloc_parse_size(v, &o->run.memory_limit) != 0)
                return usage_error("--memory-limit: not a size: '%s'",
                                   v ? v : "");
            o->have_limit = 1;
        } else if (strcmp(a, "--no-spill") == 0) {
            o->run.spill = 0;
        } else if (is_opt(a, "--spill-dir")) {
            if (!(v = opt_value(argc, argv, &i, "--spill-dir")) || !*v)
                return usage_error("%s needs a directory", a);
            o->run.spill_dir = v;
        } else if (is_opt(a, "--spill-limit")) {
            if (!(v = opt_value(argc, argv, &i, "--spill-limit")) ||
                alloc_parse_size(v, &o->run.spill_limit) != 0)
                return usage_error("--spill-limit: not a size: '%s'",
                                   v ? v : "");
        } else if (is_opt(a, "--fail-alloc")) {
            if (!(v = opt_value(argc, argv, &i, "--fail-alloc")) ||
                parse_uint(v, UINT64_MAX, &o->run.fail_alloc))
                return usage_error("--fail-alloc: not a number: '%s'",
                                   v ? v : "");
        } else if (strcmp(a, "--fail-alloc-persistent") == 0) {
            o->run.fail_persistent = 1;
        } else if (is_opt(a, "--repeat")) {
            if (!(v = opt_value(argc, argv, &i, "--repeat")) ||
                parse_uint(v, 1000000, &n) || n == 0)
                return usage_error("--repeat: expected 1 to 1000000, got '%s'",
                                   v ? v : "");
            o->repeat = (int)n;
        } else if (is_opt(a, "--timeout")) {
            char *end;
            if (!(v = opt_value(argc, argv, &i, "--timeout")))
                return usage_error("%s needs SECONDS", a);
            double t = strtod(v, &end);
            if (*end || !(t > 0) || t > 1e9)
                return usage_error("--timeout: expected seconds > 0, got '%s'",
                                   v);
            o->run.timeout = t;
        } else if (is_opt(a, "--plugin-path")) {
            if (!(v = opt_value(argc, argv, &i, "--plugin-path")))
                return usage_error("%s needs DIRS", a);
            o->plugin_path = v;
        } else if (strcmp(a, "--no-default-plugins") == 0) {
            o->no_default_plugins = 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            return usage_error("unknown option '%s'", a);
        } else {
            if (o->n_graphs >= 64)
                return usage_error("%s: too many graph files", a);
            o->graphs[o->n_graphs++] = a;
        }
    }
    if (o->run.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->run.threads = n > 0 ? (uint32_t)(n > 64 ? 64 : n) : 1;
    }
    if (o->run.threads > 64)
        o->run.threads = 64;
    if (!o->have_limit)
        o->run.memory_limit = alloc_default_limit();
    o->run.interrupt = &interrupted;
    /* A node that ignores cancellation for this long is given up on. */
    o->run.abandon_after = 2.0;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Engine set-up                                                            */

static engine *open_engine(const cli_opts *o, const char *argv0, diag *d)
{
    engine_options eo = {.plugin_path = o->plugin_path,
                         .argv0 = argv0,
                         .no_builtin = o->no_default_plugins,
                         /* The CLI loads plugins before any thread
                          * starts: each is tried in a child first, so
                          * one that crashes cannot take the host. */
                         .probe = 1};
    engine *e = NULL;
    if (engine_create(&eo, &e, d) != 0)
        return NULL;
    return e;
}

/* ------------------------------------------------------------------------ */
/* list, describe, version                                                  */

static const char *port_type_name(uint32_t t)
{
    static const char *names[] = {"?",       "image", "image list", "number",
                                  "integer", "bool",  "string",     "blob"};
    return t < 8 ? names[t] : "?";
}

static const char *param_type_name(uint32_t t)
{
    static const char *names[] = {"?",      "number", "integer", "bool",
                                  "string", "enum",   "numbers"};
    return t < 7 ? names[t] : "?";
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;
         p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* Prints a number the way JSON and humans read it (locale-independent:
 * integers print as integers, others with %.17g then trimmed). */
static void print_num(FILE *out, double v)
{
    char buf[64];
    if (v == (double)(int64_t)v && v > -9.007199254740992e15 &&
        v < 9.007199254740992e15) {
        fprintf(out, "%" PRId64, (int64_t)v);
        return;
    }
    snprintf(buf, sizeof(buf), "%.10g", v);
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
    fputs(buf, out);
}

static void print_default(FILE *out, const uh_param_desc *p, int json)
{
    switch (p->type) {
    case UH_PARAM_NUMBER:
    case UH_PARAM_INTEGER:
        print_num(out, p->def);
        break;
    case UH_PARAM_BOOL:
        fputs(p->def != 0 ? "true" : "false", out);
        break;
    case UH_PARAM_NUMBERS:
        fputs(p->def_text ? p->def_text : "[]", out);
        break;
    default:
        if (json)
            json_str(out, p->def_text ? p->def_text : "");
        else
            fprintf(out, "'%s'", p->def_text ? p->def_text : "");
    }
}

static void describe_json(FILE *out, const node_kind *k)
{
    const uh_node_type *t = k->type;
    fprintf(out, "{\"id\":");
    json_str(out, t->id);
    fprintf(out, ",\"summary\":");
    json_str(out, t->summary);
    fprintf(out, ",\"plugin\":");
    json_str(out, k->plugin->desc->name);
    fprintf(out, ",\"file\":");
    json_str(out, k->plugin->path);
    int strip = UH_HAS_FIELD(t, uh_node_type, rows) && t->rows && !t->process;
    fprintf(out, ",\"kind\":\"%s\"", strip ? "strip" : "whole");
    const uh_port_desc *const *ports[2] = {t->inputs, t->outputs};
    const char *pn[2] = {"inputs", "outputs"};
    for (int s = 0; s < 2; s++) {
        fprintf(out, ",\"%s\":[", pn[s]);
        for (uint32_t i = 0; ports[s] && ports[s][i]; i++) {
            const uh_port_desc *p = ports[s][i];
            fprintf(out, "%s{\"name\":", i ? "," : "");
            json_str(out, p->name);
            fprintf(out, ",\"type\":");
            json_str(out, port_type_name(p->type));
            fprintf(out, ",\"optional\":%s,\"doc\":",
                    (p->flags & UH_PORT_OPTIONAL) ? "true" : "false");
            json_str(out, p->doc);
            fputc('}', out);
        }
        fputc(']', out);
    }
    fprintf(out, ",\"params\":[");
    for (uint32_t i = 0; t->params && t->params[i]; i++) {
        const uh_param_desc *p = t->params[i];
        fprintf(out, "%s{\"name\":", i ? "," : "");
        json_str(out, p->name);
        fprintf(out, ",\"type\":");
        json_str(out, param_type_name(p->type));
        fprintf(out, ",\"required\":%s",
                (p->flags & UH_PARAM_REQUIRED) ? "true" : "false");
        if (!(p->flags & UH_PARAM_REQUIRED)) {
            fprintf(out, ",\"default\":");
            print_default(out, p, 1);
        }
        if (p->flags & UH_PARAM_RANGE) {
            fprintf(out, ",\"min\":");
            print_num(out, p->min);
            fprintf(out, ",\"max\":");
            print_num(out, p->max);
        }
        if (p->type == UH_PARAM_ENUM) {
            fprintf(out, ",\"values\":[");
            for (uint32_t v = 0; p->values[v]; v++) {
                fprintf(out, "%s", v ? "," : "");
                json_str(out, p->values[v]);
            }
            fputc(']', out);
        }
        fprintf(out, ",\"doc\":");
        json_str(out, p->doc);
        fputc('}', out);
    }
    fprintf(out, "]}");
}

static void describe_text(FILE *out, const node_kind *k)
{
    const uh_node_type *t = k->type;
    int strip = UH_HAS_FIELD(t, uh_node_type, rows) && t->rows && !t->process;
    fprintf(out, "%s: %s\n", t->id, t->summary ? t->summary : "");
    fprintf(out, "  plugin %s %s (%s), %s node\n", k->plugin->desc->name,
            k->plugin->desc->version ? k->plugin->desc->version : "",
            k->plugin->path, strip ? "strip" : "whole");
    const uh_port_desc *const *ports[2] = {t->inputs, t->outputs};
    const char *pn[2] = {"inputs", "outputs"};
    for (int s = 0; s < 2; s++) {
        fprintf(out, "%s:\n", pn[s]);
        if (!ports[s] || !ports[s][0])
            fprintf(out, "  (none)\n");
        for (uint32_t i = 0; ports[s] && ports[s][i]; i++) {
            const uh_port_desc *p = ports[s][i];
            fprintf(out, "  %-14s %-10s %s%s\n", p->name,
                    port_type_name(p->type), p->doc ? p->doc : "",
                    (p->flags & UH_PORT_OPTIONAL) ? " (optional)" : "");
        }
    }
    fprintf(out, "params:\n");
    if (!t->params || !t->params[0])
        fprintf(out, "  (none)\n");
    for (uint32_t i = 0; t->params && t->params[i]; i++) {
        const uh_param_desc *p = t->params[i];
        fprintf(out, "  %-14s %-8s ", p->name, param_type_name(p->type));
        if (p->flags & UH_PARAM_REQUIRED) {
            fprintf(out, "required");
        } else {
            fprintf(out, "default ");
            print_default(out, p, 0);
        }
        if (p->flags & UH_PARAM_RANGE) {
            fprintf(out, ", in [");
            print_num(out, p->min);
            fprintf(out, ", ");
            print_num(out, p->max);
            fprintf(out, "]");
        }
        if (p->type == UH_PARAM_ENUM) {
            fprintf(out, ", one of ");
            for (uint32_t v = 0; p->values[v]; v++)
                fprintf(out, "%s%s", v ? "|" : "", p->values[v]);
        }
        fprintf(out, "\n      %s\n", p->doc ? p->doc : "");
    }
}

static int cmd_list(engine *e, const cli_opts *o)
{
    const registry *r = engine_registry(e);
    if (o->json) {
        printf("[");
        for (size_t i = 0; i < r->n_kinds; i++) {
            printf("%s", i ? ",\n" : "\n");
            describe_json(stdout, &r->kinds[i]);
        }
        printf("\n]\n");
        return 0;
    }
    for (size_t i = 0; i < r->n_kinds; i++) {
        const node_kind *k = &r->kinds[i];
        printf("%-22s %-10s %s\n", k->type->id, k->plugin->desc->name,
               k->type->summary ? k->type->summary : "");
    }
    return 0;
}

static int cmd_describe(engine *e, const cli_opts *o)
{
    if (o->n_graphs != 1)
        return usage_error("%s", "describe takes one node type");
    const registry *r = engine_registry(e);
    const node_kind *k = registry_find(r, o->graphs[0]);
    if (!k) {
        const char *s = registry_suggest(r, o->graphs[0]);
        if (s)
            fprintf(stderr,
                    "uberhost: unknown node type '%s' (did you mean '%s'?)\n",
                    o->graphs[0], s);
        else
            fprintf(stderr, "uberhost: unknown node type '%s'\n", o->graphs[0]);
        return EXIT_USAGE;
    }
    if (o->json) {
        describe_json(stdout, k);
        printf("\n");
    } else {
        describe_text(stdout, k);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* run, check, plan                                                         */

static uint64_t rss_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%llu %llu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t rss_peak(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024u;
}

static void fmt_bytes(char *buf, size_t len, uint64_t b)
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

static void print_stats_text(const char *file, int iteration,
                             const run_report *rep, uint64_t idle)
{
    char a[32], b[32], c[32], dd[32], e2[32];
    fprintf(stderr, "uberhost: stats for %s", file);
    if (iteration > 0)
        fprintf(stderr, " (run %d)", iteration);
    fprintf(stderr, "\n  %-16s %-16s %11s %11s %8s %11s %9s %4s %s\n", "node",
            "type", "peak", "total", "allocs", "images", "time", "thr", "mode");
    for (uint32_t i = 0; i < rep->n_nodes; i++) {
        const node_report *n = &rep->nodes[i];
        fmt_bytes(a, sizeof(a), n->mem.peak);
        fmt_bytes(b, sizeof(b), n->mem.total);
        fmt_bytes(c, sizeof(c), n->images.peak);
        fprintf(stderr,
                "  %-16s %-16s %11s %11s %8" PRIu64 " %11s %7.1fms %4u %s\n",
                n->id, n->type, a, b, n->mem.count, c, n->ms, n->threads,
                n->streamed ? "stream"
                : n->strip  ? "strip"
                            : "whole");
        if (n->mem.spilled || n->images.spilled) {
            fmt_bytes(a, sizeof(a), n->mem.spilled + n->images.spilled);
            fprintf(stderr, "  %-16s spilled %s\n", "", a);
        }
        if (n->leaked) {
            fmt_bytes(a, sizeof(a), n->leaked);
            fprintf(stderr, "  %-16s leaked %s in %" PRIu64 " blocks\n", "", a,
                    n->leaked_blocks);
        }
    }
    fmt_bytes(a, sizeof(a), rep->total.peak);
    fmt_bytes(b, sizeof(b), rep->mapped_peak);
    fmt_bytes(c, sizeof(c), rep->limit);
    fmt_bytes(dd, sizeof(dd), rss_now());
    fmt_bytes(e2, sizeof(e2), idle);
    fprintf(stderr,
            "  run: peak %s (mapped %s), limit %s, %" PRIu64
            " allocations, spilled %" PRIu64 " B, %u threads, %.1f ms\n",
            a, b, rep->limit ? c : "none", rep->total.count, rep->total.spilled,
            rep->threads, rep->ms);
    if (rep->threads_asked > rep->threads)
        fprintf(stderr, "  threads lowered from %u to %u to fit the budget\n",
                rep->threads_asked, rep->threads);
    fmt_bytes(a, sizeof(a), rss_peak());
    fprintf(stderr, "  process: RSS %s after the run, idle %s, peak %s\n", dd,
            e2, a);
}

static void print_stats_json(const char *file, int iteration,
                             const run_report *rep, uint64_t idle, int rc)
{
    printf("{\"graph\":");
    json_str(stdout, file);
    printf(",\"run\":%d,\"exit\":%d,\"nodes\":[", iteration, rc);
    for (uint32_t i = 0; i < rep->n_nodes; i++) {
        const node_report *n = &rep->nodes[i];
        printf("%s{\"id\":", i ? "," : "");
        json_str(stdout, n->id);
        printf(",\"type\":");
        json_str(stdout, n->type);
        printf(",\"current\":%" PRIu64 ",\"peak\":%" PRIu64
               ",\"total\":%" PRIu64 ",\"allocations\":%" PRIu64
               ",\"spilled\":%" PRIu64 ",\"images_peak\":%" PRIu64
               ",\"images_total\":%" PRIu64 ",\"output_bytes\":%" PRIu64
               ",\"leaked\":%" PRIu64 ",\"time_ms\":%.3f,\"threads\":%u,"
               "\"mode\":\"%s\"}",
               n->mem.current, n->mem.peak, n->mem.total, n->mem.count,
               n->mem.spilled + n->images.spilled, n->images.peak,
               n->images.total, n->out_bytes, n->leaked, n->ms, n->threads,
               n->streamed ? "stream"
               : n->strip  ? "strip"
                           : "whole");
    }
    printf("],\"peak\":%" PRIu64 ",\"total\":%" PRIu64
           ",\"allocations\":%" PRIu64 ",\"attempts\":%" PRIu64
           ",\"mapped_peak\":%" PRIu64 ",\"spilled\":%" PRIu64
           ",\"limit\":%" PRIu64 ",\"threads\":%u,\"threads_asked\":%u,"
           "\"time_ms\":%.3f,"
           "\"rss\":%" PRIu64 ",\"rss_idle\":%" PRIu64 ",\"rss_peak\":%" PRIu64
           "}\n",
           rep->total.peak, rep->total.total, rep->total.count,
           rep->allocations, rep->mapped_peak, rep->total.spilled, rep->limit,
           rep->threads, rep->threads_asked, rep->ms, rss_now(), idle,
           rss_peak());
    fflush(stdout);
}

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int cmd_run(engine *e, cli_opts *o, int mode, const char *argv0)
{
    (void)argv0;
    int rc = 0;
    if (mode != 0 && o->n_graphs != 1)
        return usage_error("%s", mode == 1 ? "check takes one GRAPH"
                                           : "plan takes one GRAPH");
    int n_graphs = o->n_graphs ? o->n_graphs : 1;
    signal(SIGPIPE, SIG_IGN);
    uint64_t idle = rss_now();
    for (int gi = 0; gi < n_graphs; gi++) {
        const char *path = o->n_graphs ? o->graphs[gi] : NULL;
        const char *label = path ? path : DEFAULT_GRAPH_NAME;
        for (int it = 1; it <= o->repeat; it++) {
            diag d;
            diag_init(&d);
            graph *g = NULL;
            int grc;
            if (path)
                grc = graph_load(path, engine_registry(e), o->sets,
                                 (size_t)o->n_sets, &g, &d);
            else
                grc = graph_parse(label, uh_default_graph, uh_default_graph_len,
                                  engine_registry(e), o->sets,
                                  (size_t)o->n_sets, &g, &d);
            if (grc != 0) {
                diag_print(&d);
                rc = grc;
                break;
            }
            if (mode == 1) {
                diag_print(&d);
                printf("%s: ok (%u nodes)\n", label, g->n_nodes);
                graph_free(g);
                break;
            }
            run_report rep;
            memset(&rep, 0, sizeof(rep));
            run_options ro = o->run;
            ro.plan_only = mode == 2;
            int rrc = run_graph(g, &ro, &rep, &d);
            if (mode == 2 && rrc == 0)
                rrc = engine_print_plan(g, &ro, &rep, stdout, &d);
            diag_print(&d);
            if (rrc == 0 && o->run.verbose)
                for (uint32_t i = 0; i < rep.n_outputs; i++)
                    fprintf(stderr, "uberhost: wrote %s\n", rep.outputs[i]);
            int iteration = (n_graphs > 1 || o->repeat > 1) ? it : 0;
            if (o->stats == 1 && mode == 0)
                print_stats_text(label, iteration, &rep, idle);
            else if (o->stats == 2 && mode == 0)
                print_stats_json(label, iteration, &rep, idle, rrc);
            run_report_free(&rep);
            graph_free(g);
            if (rrc != 0) {
                rc = rrc;
                break;
            }
            if (interrupted) {
                rc = EXIT_CANCELED;
                break;
            }
        }
        if (rc != 0)
            break;
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Entry                                                                    */

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(argv[2], "exit-codes") == 0)
            print_exit_codes(stdout);
        else
            fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("uberhost %s (SDK %d.%d.%d)\n", UH_VERSION, UH_SDK_VERSION_MAJOR,
               UH_SDK_VERSION_MINOR, UH_SDK_VERSION_PATCH);
        return 0;
    }
    int mode;
    if (strcmp(cmd, "run") == 0)
        mode = 0;
    else if (strcmp(cmd, "check") == 0)
        mode = 1;
    else if (strcmp(cmd, "plan") == 0)
        mode = 2;
    else if (strcmp(cmd, "list") == 0)
        mode = 3;
    else if (strcmp(cmd, "describe") == 0)
        mode = 4;
    else
        return usage_error("unknown command '%s'", cmd);

    cli_opts o;
    memset(&o, 0, sizeof(o));
    int prc = parse_opts(argc, argv, 2, &o);
    if (prc < 0) {
        if (mode <= 2) {
            static const char *const first[] = {
                "usage: uberhost run [GRAPH...] [options]\n",
                "usage: uberhost check GRAPH [options]\n",
                "usage: uberhost plan GRAPH [options]\n"};
            fputs(first[mode], stdout);
            fputs(usage_run, stdout);
        } else if (mode == 3)
            fputs("usage: uberhost list [--json] [--plugin-path DIRS]\n"
                  "Lists every node type with its plugin and summary.\n",
                  stdout);
        else
            fputs("usage: uberhost describe TYPE [--json] [--plugin-path "
                  "DIRS]\nShows a node type's ports and parameters with "
                  "their defaults, ranges and docs.\n",
                  stdout);
        return 0;
    }
    if (prc != 0)
        return prc;
    if (mode <= 2 && o.run.progress == RUN_PROGRESS_BAR && o.stats == 2)
        o.run.progress = RUN_PROGRESS_NONE;

    /* Node tasks run on libuv's pool; size it like the band pool, before
     * its first use, so --threads bounds every thread that does work. */
    if (mode <= 2 && !getenv("UV_THREADPOOL_SIZE")) {
        char n[16];
        snprintf(n, sizeof(n), "%u", o.run.threads);
        setenv("UV_THREADPOOL_SIZE", n, 1);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    diag d;
    diag_init(&d);
    engine *e = open_engine(&o, argv[0], &d);
    if (!e) {
        diag_print(&d);
        return d.code ? d.code : EXIT_INTERNAL;
    }
    int rc;
    if (mode == 3)
        rc = cmd_list(e, &o);
    else if (mode == 4)
        rc = cmd_describe(e, &o);
    else
        rc = cmd_run(e, &o, mode, argv[0]);
    engine_destroy(e);
    return rc;
}
