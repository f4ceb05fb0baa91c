/* One run of a graph: its allocator, node preparation, scheduling on
 * libuv's pool, output commit, statistics, and destruction of everything
 * it made. */
#ifndef UH_RUN_H
#define UH_RUN_H

#include <signal.h>
#include <stdint.h>

#include "alloc.h"
#include "diag.h"
#include "graph.h"

enum { RUN_PROGRESS_NONE = 0, RUN_PROGRESS_BAR = 1, RUN_PROGRESS_JSON = 2 };

typedef struct run_options {
    uint32_t threads;      /* workers, >= 1 */
    uint64_t memory_limit; /* budget in bytes; 0 = unlimited */
    uint64_t fail_alloc;   /* fail the Nth allocation; 0 = never */
    int fail_persistent;
    int spill; /* allow spilling image buffers */
    const char *spill_dir;
    uint64_t spill_limit;
    int progress;   /* RUN_PROGRESS_* */
    double timeout; /* seconds; 0 = none */
    int verbose;    /* print plugin info/debug logs */
    int plan_only;  /* prepare every node, run none (uberhost plan) */
    volatile sig_atomic_t *interrupt; /* set by the caller's signal handler */
    int no_signals;       /* do not catch SIGINT/SIGTERM (embedders) */
    double abandon_after; /* seconds after a cancellation that a node may
                             keep running before the process gives up on
                             it and exits (exit code 7, temporary files
                             removed); 0 = wait for ever (embedders) */
} run_options;

typedef struct node_report {
    const char *id;         /* owned by the graph */
    const char *type;       /* owned by the plugin */
    const char *plugin;     /* plugin file, owned by the registry */
    alloc_counters mem;     /* the node's own allocations */
    alloc_counters images;  /* output buffers the host made for it */
    uint64_t out_bytes;     /* bytes of all its declared outputs */
    uint32_t out_images;    /* images it declared */
    uh_image_info out_info; /* the first of them */
    int strip;              /* ran as a strip node */
    int streamed;           /* ran fused in a streaming pipeline */
    double ms;              /* wall time */
    uint32_t threads;       /* threads that ran its work */
    uint64_t leaked;        /* bytes it had not freed when it finished */
    uint64_t leaked_blocks;
} node_report;

typedef struct run_report {
    uint32_t n_nodes;
    node_report *nodes; /* malloc'd, graph order */
    alloc_counters total;
    uint64_t mapped_peak; /* arena + large mappings, most at once */
    uint64_t limit;
    uint32_t threads;
    double ms;
    uint64_t allocations; /* allocation attempts (for --fail-alloc sweeps) */
    char **outputs;       /* files committed by the run (malloc'd) */
    uint32_t n_outputs;
    uint32_t threads_asked; /* before a tight budget lowered them */
} run_report;

/* Runs graph `g`. Returns 0 or an exit code with the message in `d`.
 * Fills `rep` (may be NULL; free with run_report_free) on success and on
 * failure. No output file is left behind by a failed run. */
int run_graph(const graph *g, const run_options *opt, run_report *rep, diag *d);

void run_report_free(run_report *rep);

#endif
