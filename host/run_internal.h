/* What a run is made of; shared by run.c, hostapi.c and stream.c only. */
#ifndef UH_RUN_INTERNAL_H
#define UH_RUN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

#include "alloc.h"
#include "graph.h"
#include "pool.h"
#include "run.h"

#define RUN_MSG_MAX 1024

enum {
    PHASE_PREPARE = 1, /* prepare(): set_output allowed */
    PHASE_EXECUTE = 2, /* process() / rows() */
    PHASE_CLEANUP = 3,
};

/* One output port's values. */
typedef struct out_slot {
    uint32_t type; /* UH_PORT_* */
    uint32_t n;    /* images declared */
    uint32_t cap;
    uh_image *images; /* n entries; data NULL until output_image() */
    size_t *bytes;    /* buffer size of each image */
    uh_value value;   /* scalar or blob */
    int has_value;
    void *storage;        /* copy of a string or blob value */
    size_t storage_bytes; /* its size, from the run's allocator */
} out_slot;

struct run;
struct stream;

typedef struct node_rt {
    struct run *run;
    uint32_t index; /* in graph order */
    const graph_node *gn;
    const node_kind *kind;
    const uh_node_type *type;
    alloc_owner owner;     /* the plugin's own allocations */
    alloc_owner img_owner; /* output buffers made by the host */
    out_slot *outs;        /* kind->n_outputs */
    void *user;            /* set_user() */
    int phase;
    int prepared;
    int done;
    int queued;
    int strip;               /* strip node (rows() set) */
    int sink;                /* runs even with no consumers */
    uint32_t pending;        /* producers not finished yet */
    uint32_t consumers_left; /* consumer links not finished yet */
    uint32_t *consumers;     /* node indices, one per link */
    uint32_t n_consumers;
    uint32_t image_consumers; /* links from its image output port 0 */
    int has_image_out;        /* port 0 is an image (strip nodes) */
    struct stream *stream;    /* the pipeline this node heads, if any */
    struct member *member;    /* set when it streams inside a pipeline */
    int stream_member;        /* produced inside a pipeline, never stored */
    int released;             /* node_done() ran */
    int holds_inputs;         /* an output is an input passed on (uh.image-
                                 pass): inputs released with the outputs */
    int inputs_released;      /* release_inputs() ran */

    pthread_mutex_t call_lock; /* serialises start()/stop() (INSTANCE) */
    pthread_mutex_t lock;      /* guards status, msg, slots_used */
    uh_status status;          /* first failure */
    char msg[RUN_MSG_MAX];
    uint64_t slots_used; /* bit per pool slot that ran its work */
    double t_start, t_ms;
    _Atomic uint32_t progress_permille;
    uv_work_t work;
} node_rt;

/* A file opened through the host. */
struct uh_file {
    int fd;
    int writing;
    uint64_t size;
    char *path; /* as given */
    char *tmp;  /* temporary name while writing */
    struct run *run;
    struct uh_file *next; /* the run's list of written files */
    int closed;
    int failed;
    _Atomic uint64_t unsynced; /* bytes written since writeback was started */
};

/* A per-call context: one node, one thread slot. */
struct uh_ctx {
    struct run *run;
    node_rt *node;
    uint32_t slot;
    uh_status last;
    void *seq; /* strip: the current worker's state */
};

typedef struct run {
    const graph *g;
    const run_options *opt;
    alloc_run *alloc;
    alloc_owner host_owner; /* the host's own per-run allocations */
    node_rt *nodes;
    uint32_t n;
    pool *pool;
    uint32_t threads;
    volatile int cancel; /* nonzero: stop (failure, signal, deadline) */
    int cancel_reason;   /* EXIT_CANCELED for a signal or deadline */
    const char *cancel_why;
    double cancel_t; /* when the timer first saw the cancellation */
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_timer_t timer;
    uint32_t running; /* node tasks queued on the loop */
    uint32_t finished;
    int failed_node; /* index of the first failed node, -1 */
    pthread_mutex_t files_lock;
    struct uh_file *files; /* files written by this run */
    double t0;
    int progress_drawn;
} run;

/* Serialises the calls a node type's `threading` says may not overlap:
 * start()/stop() of one strip node (UH_THREADS_INSTANCE), or every call of
 * the type (UH_THREADS_TYPE). No-op for UH_THREADS_SHARED. */
void run_call_lock(node_rt *nr);
void run_call_unlock(node_rt *nr);

/* start() and stop() of a strip node under run_call_lock; a NULL start()
 * succeeds with no state. */
uh_status run_call_start(node_rt *nr, uh_ctx *ctx, void **seq);
void run_call_stop(node_rt *nr, uh_ctx *ctx, void *seq);

/* Records a failure on a node (first failure wins). */
uh_status run_node_fail(node_rt *nr, uh_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic seconds. */
double run_now(void);

#endif
