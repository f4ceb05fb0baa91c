/* An engine: the registry of loaded plugins, kept across runs. One engine
 * runs any number of graphs one after another; each run makes and destroys
 * its own allocator, so the process returns to idle between runs. */
#ifndef UH_ENGINE_H
#define UH_ENGINE_H

#include <stdio.h>

#include "diag.h"
#include "graph.h"
#include "plugin.h"
#include "run.h"

typedef struct engine engine;

typedef struct engine_options {
    const char *plugin_path; /* colon-separated dirs searched first; NULL */
    const char *argv0;       /* to find the plugins beside the binary */
    int no_env;              /* ignore UBERHOST_PLUGIN_PATH */
    int no_builtin;          /* do not search beside the binary */
    int probe;               /* load each plugin in a child first (only
                                from a single-threaded process) */
} engine_options;

/* Loads plugins from --plugin-path, UBERHOST_PLUGIN_PATH, then the
 * directory beside the binary (../plugins, ../lib/uberhost/plugins),
 * each directory once. Returns 0 and stores the engine, or an exit code
 * with the message in `d`. */
int engine_create(const engine_options *o, engine **out, diag *d);

const registry *engine_registry(const engine *e);

/* The plugin directories searched, colon-separated (owned by the engine). */
const char *engine_plugin_path(const engine *e);

/* Prints `uberhost plan` output for a prepared run. Returns 0, or
 * EXIT_LIMIT with the message in `d` when a node's output cannot fit even
 * by spilling (spilling off, or over the spill limit). */
int engine_print_plan(const graph *g, const run_options *o,
                      const run_report *rep, FILE *out, diag *d);

void engine_destroy(engine *e);

#endif
