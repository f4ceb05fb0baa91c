/* uberhost embedding API: run node graphs from a long-running process.
 *
 *   uh_engine *e;
 *   char err[512];
 *   uh_engine_options eo = {.struct_size = sizeof(eo),
 *                           .plugin_path = "/usr/lib/uberhost/plugins"};
 *   if (uh_engine_create(&eo, &e, err, sizeof(err)) != 0)
 *       fprintf(stderr, "%s\n", err);
 *   uh_run_result res;
 *   uh_engine_run_file(e, "thumb.json", NULL, 0, NULL, &res);
 *   ... any number of runs, one after another ...
 *   uh_engine_destroy(e);
 *
 * An engine loads its plugins once. Every run makes its own allocator and
 * destroys it before returning, so after each run the process is back at
 * its idle memory (see docs/memory.md, "Return to idle"). Runs of one
 * engine must not overlap: call the run functions from one thread at a
 * time (the run itself uses worker threads). Several engines may live in
 * one process.
 *
 * Every struct starts with struct_size; set it to sizeof the struct you
 * compiled against. Fields are only ever appended. Link with
 * -luberhost (shared) or the static uhcore library. Return values are the
 * exit codes of the `uberhost` command line (0 ok, 1 usage, 2 invalid
 * graph, 3 decode, 4 limit, 5 plugin/node failed, 6 write, 7 cancelled,
 * 70 internal). */
#ifndef UBERHOST_UBERHOST_H
#define UBERHOST_UBERHOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define UH_API __attribute__((visibility("default")))
#else
#define UH_API
#endif

#define UH_API_VERSION 1

/* uh_run_config.memory_limit: no budget at all. (0 means the default
 * budget: 75 % of the container's or machine's memory.) */
#define UH_MEMORY_UNLIMITED UINT64_MAX

typedef struct uh_engine uh_engine;

typedef struct uh_engine_options {
    size_t struct_size;      /* sizeof(uh_engine_options) */
    const char *plugin_path; /* colon-separated plugin directories, searched
                                first; NULL: none. Copied. */
    int no_env;              /* nonzero: ignore UBERHOST_PLUGIN_PATH */
    int no_builtin;          /* nonzero: do not search beside the
                                executable (../plugins, ../lib/uberhost/
                                plugins) */
} uh_engine_options;

typedef struct uh_run_config {
    size_t struct_size;    /* sizeof(uh_run_config) */
    uint32_t threads;      /* worker threads; 0: the cores available */
    uint64_t memory_limit; /* bytes; 0: the default budget;
                              UH_MEMORY_UNLIMITED: none */
    int no_spill;          /* nonzero: never spill image buffers */
    const char *spill_dir; /* NULL: $TMPDIR or /tmp */
    uint64_t spill_limit;  /* bytes of spill files at once; 0: unlimited */
    uint64_t fail_alloc;   /* fail the Nth allocation (testing); 0: never */
    int fail_persistent;   /* with fail_alloc: every allocation from N on */
    double timeout;        /* seconds; 0: none */
    int verbose;           /* print plugin logs on stderr */
} uh_run_config;

typedef struct uh_run_result {
    size_t struct_size;     /* sizeof(uh_run_result), set by the caller */
    int exit_code;          /* as the return value */
    char message[2048];     /* the error, "" on success; one line, no
                               "uberhost: " prefix */
    uint32_t n_warnings;    /* warnings of the run (leaks, unused nodes) */
    char warning[512];      /* the first warning, "" when none */
    uint64_t peak_bytes;    /* most bytes allocated at once by the run */
    uint64_t total_bytes;   /* bytes allocated in all */
    uint64_t mapped_peak;   /* most bytes of arena and large mappings */
    uint64_t spilled_bytes; /* bytes placed in spill files */
    uint64_t allocations;   /* successful allocations */
    uint64_t attempts;      /* allocation attempts (what fail_alloc counts) */
    uint64_t limit;         /* the budget used; 0: none */
    uint32_t threads;       /* worker threads the run used */
    uint32_t n_outputs;     /* files the run committed */
    double ms;              /* wall time of the run */
} uh_run_result;

/* Creates an engine and loads every plugin found (see docs/cli.md,
 * "Plugin search"). `options` may be NULL. Returns 0 and stores the engine
 * in *out, or an exit code with the message in errbuf (errlen bytes,
 * NUL-terminated; errbuf may be NULL). */
UH_API int uh_engine_create(const uh_engine_options *options, uh_engine **out,
                            char *errbuf, size_t errlen);

/* Runs the graph file at `path`. `sets` are n_sets "name=value" overrides
 * as for `uberhost run --set`. `cfg` may be NULL (defaults). `res` may be
 * NULL; otherwise its struct_size must be set and it is filled on success
 * and on failure. Returns the exit code. No output file is left behind by
 * a failed run. */
UH_API int uh_engine_run_file(uh_engine *e, const char *path,
                              const char *const *sets, size_t n_sets,
                              const uh_run_config *cfg, uh_run_result *res);

/* Runs graph JSON text (`len` bytes, need not be NUL-terminated); `name`
 * is used in messages (NULL: "(string)"). Otherwise as
 * uh_engine_run_file(). */
UH_API int uh_engine_run_string(uh_engine *e, const char *name,
                                const char *text, size_t len,
                                const char *const *sets, size_t n_sets,
                                const uh_run_config *cfg, uh_run_result *res);

/* Number of node types the engine's plugins provide. */
UH_API size_t uh_engine_node_types(const uh_engine *e);

/* Unloads the plugins and frees the engine. NULL is a no-op. */
UH_API void uh_engine_destroy(uh_engine *e);

/* The process's resident set size now, in bytes (/proc/self/statm); 0 if
 * it cannot be read. */
UH_API uint64_t uh_process_rss(void);

/* The process's peak resident set size so far, in bytes (getrusage). */
UH_API uint64_t uh_process_rss_peak(void);

#ifdef __cplusplus
}
#endif

#endif
