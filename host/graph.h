/* A graph read from JSON and checked against the registry. Everything is
 * checked before any node runs; every error names the file and a JSON
 * pointer (RFC 6901) into it. See docs/graph-format.md. */
#ifndef UH_GRAPH_H
#define UH_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

#include "diag.h"
#include "plugin.h"

/* Limits on graph files (named, documented in docs/graph-format.md). */
#define GRAPH_MAX_BYTES  (16u << 20) /* a graph file */
#define GRAPH_MAX_DEPTH  64u         /* JSON nesting */
#define GRAPH_MAX_NODES  10000u
#define GRAPH_MAX_STRING 4096u /* bytes in any string value */
#define GRAPH_MAX_ID     64u   /* bytes in a node id */

/* Where an input port takes its value from. */
typedef struct graph_link {
    int32_t node;  /* index into graph.nodes, -1 when unconnected */
    uint32_t port; /* output port index of that node */
} graph_link;

typedef struct graph_node {
    char *id;              /* the key under /nodes */
    char *pointer;         /* "/nodes/<escaped id>" */
    const node_kind *kind; /* type and plugin, owned by the registry */
    uh_value *params;      /* kind->n_params values, in declaration order,
                              defaults filled in; owned by the graph */
    graph_link *inputs;    /* kind->n_inputs links */
    uint32_t n_consumers;  /* links from other nodes into this one */
} graph_node;

typedef struct graph {
    char *file;        /* the name used in messages */
    graph_node *nodes; /* in file order */
    uint32_t n_nodes;
    uint32_t *order; /* a topological order: inputs before users */
} graph;

/* Reads graph text (`len` bytes, need not be NUL-terminated) named `file`
 * in messages, applies overrides (`sets`: "name=value" for an exported
 * param or "node.param=value"), and checks it against `reg`. On success
 * stores a new graph in *out and returns 0; otherwise returns an exit code
 * (EXIT_GRAPH, EXIT_LIMIT for graph limits, EXIT_USAGE for a --set that
 * names nothing) with the message in `d`, and leaves *out alone. Warnings
 * (unused nodes) go to `d` as well. */
int graph_parse(const char *file, const char *text, size_t len,
                const registry *reg, const char *const *sets, size_t n_sets,
                graph **out, diag *d);

/* Reads the file at `path` (at most GRAPH_MAX_BYTES) and parses it. */
int graph_load(const char *path, const registry *reg, const char *const *sets,
               size_t n_sets, graph **out, diag *d);

/* Frees a graph from graph_parse() or graph_load(), everything it owns
 * included. NULL is a no-op. */
void graph_free(graph *g);

/* One node parameter an exported parameter sets. */
typedef struct graph_export_target {
    uint32_t node;  /* index into graph.nodes */
    uint32_t param; /* index into that node's kind params / params */
} graph_export_target;

/* One exported parameter: a name under /params that `--set name=value`
 * gives, standing for one parameter of one node ("node"/"param") or for
 * several ("targets"), all set to the same value. */
typedef struct graph_export {
    const char *name;    /* the key under /params; owned by the graph */
    const char *pointer; /* "/params/<escaped name>"; owned by the graph */
    uint32_t node;       /* the first target's node (index into nodes) */
    uint32_t param;      /* the first target's param index */
    const char *doc;     /* its "doc" text, NULL if none; owned by the graph */
    int has_default;     /* nonzero when the file gives a "default" */
    const graph_export_target *targets; /* n_targets, in file order; owned
                                           by the graph */
    size_t n_targets;                   /* 1 for the "node"/"param" form */
} graph_export;

/* The exported parameters of a graph, in file order, for `describe`-like
 * listings: stores their number in *n and returns them (NULL when there
 * are none). Owned by the graph. */
const graph_export *graph_exports(const graph *g, size_t *n);

/* The graph's "description" text, NULL if it has none. Owned by the
 * graph. */
const char *graph_description(const graph *g);

#endif
