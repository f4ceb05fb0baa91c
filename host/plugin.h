/* Plugin loading and the registry of node types. Plugins are found on a
 * path (--plugin-path, UBERHOST_PLUGIN_PATH, then the directory beside the
 * binary), loaded with dlopen(RTLD_NOW | RTLD_LOCAL), checked, initialised
 * once per engine and unloaded when the registry is destroyed. */
#ifndef UH_PLUGIN_H
#define UH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

#include "diag.h"

typedef struct plugin {
    char *path;            /* as found on the plugin path; owned */
    void *handle;          /* dlopen handle */
    const uh_plugin *desc; /* owned by the plugin */
    int initialised;
} plugin;

/* A node type with the plugin that provides it. */
typedef struct node_kind {
    const uh_node_type *type; /* owned by the plugin */
    const plugin *plugin;
    uint32_t n_inputs, n_outputs, n_params;
} node_kind;

typedef struct registry {
    plugin **plugins;
    size_t n_plugins, cap_plugins;
    node_kind *kinds; /* sorted by id */
    size_t n_kinds, cap_kinds;
    char **searched; /* directories searched, for messages */
    int probe;       /* load each plugin in a child process first (see
                        registry_load_file); set by single-threaded callers */
    size_t n_searched;
} registry;

/* Makes an empty registry. Returns NULL when out of memory. */
registry *registry_create(void);

/* Adds a plugin whose descriptor is already checked (or a synthetic one,
 * handle NULL, for tests) and its node types. Refuses, recording in `d`
 * (EXIT_PLUGIN) and changing nothing, when a node type id is already
 * registered ("<file>: node type 'x' is already provided by <other>") or a
 * type's descriptor is malformed. On success the registry owns `p`. */
int registry_add(registry *r, plugin *p, diag *d);

/* Loads one plugin file. With r->probe set, the plugin is first loaded
 * and initialised in a child process, and refused if the child crashes or
 * exits ("crashed during load (signal 11, Segmentation fault)"). On refusal
 * records one line naming the file and why in `d` (code EXIT_PLUGIN) and leaves
 * the registry unchanged. */
int registry_load_file(registry *r, const char *path, const uh_host *host,
                       diag *d);

/* Loads every *.so in each directory of a colon-separated list, in order,
 * files sorted by name within a directory. The first refusal is recorded
 * in `d` and loading stops. Missing directories are skipped. */
int registry_load_path(registry *r, const char *path_list, const uh_host *host,
                       diag *d);

/* The node kind with this id, or NULL. */
const node_kind *registry_find(const registry *r, const char *id);

/* The known id closest to `id` (edit distance), or NULL if none is close. */
const char *registry_suggest(const registry *r, const char *id);

/* Calls fini() of each initialised plugin, dlcloses, frees. NULL ok. */
void registry_destroy(registry *r);

#endif
