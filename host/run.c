/* One run of a graph.
 *
 * 1. Create the run's allocator, band pool and libuv loop.
 * 2. Prepare every node in topological order on this thread: each declares
 *    its outputs, so every geometry is known before any pixel is touched.
 * 3. Execute: nodes whose producers are done are queued on libuv's thread
 *    pool; a whole node runs process(), a strip node has its bands run on
 *    the band pool. Outputs are freed as soon as their last consumer is
 *    done. The first failure cancels the rest.
 * 4. Commit: on success every written file is renamed over its final path;
 *    otherwise every temporary file is removed.
 * 5. Destroy everything the run made, report leaks by node.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "hostapi.h"
#include "run_internal.h"
#include "stream.h"

double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Locks for UH_THREADS_TYPE, by node type. A collision of two types on
 * one lock only serialises more than needed. */
#define TYPE_LOCKS 64
static pthread_mutex_t type_locks[TYPE_LOCKS];
static pthread_once_t type_locks_once = PTHREAD_ONCE_INIT;

static void type_locks_init(void)
{
    for (int i = 0; i < TYPE_LOCKS; i++)
        pthread_mutex_init(&type_locks[i], NULL);
}

static pthread_mutex_t *type_lock(const uh_node_type *t)
{
    pthread_once(&type_locks_once, type_locks_init);
    uint64_t h = (uint64_t)(uintptr_t)t;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return &type_locks[(h >> 32) % TYPE_LOCKS];
}

void run_call_lock(node_rt *nr)
{
    if (nr->type->threading == UH_THREADS_TYPE)
        pthread_mutex_lock(type_lock(nr->type));
    else if (nr->type->threading != UH_THREADS_SHARED)
        pthread_mutex_lock(&nr->call_lock);
}

void run_call_unlock(node_rt *nr)
{
    if (nr->type->threading == UH_THREADS_TYPE)
        pthread_mutex_unlock(type_lock(nr->type));
    else if (nr->type->threading != UH_THREADS_SHARED)
        pthread_mutex_unlock(&nr->call_lock);
}

uh_status run_call_start(node_rt *nr, uh_ctx *ctx, void **seq)
{
    if (!nr->type->start)
        return UH_OK;
    run_call_lock(nr);
    uh_status st = nr->type->start(ctx, seq);
    run_call_unlock(nr);
    return st;
}

void run_call_stop(node_rt *nr, uh_ctx *ctx, void *seq)
{
    if (!nr->type->stop)
        return;
    run_call_lock(nr);
    nr->type->stop(ctx, seq);
    run_call_unlock(nr);
}

uh_status run_node_fail(node_rt *nr, uh_status st, const char *fmt, ...)
{
    if (st == UH_OK)
        st = UH_EINTERNAL;
    pthread_mutex_lock(&nr->lock);
    if (nr->status == UH_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(nr->msg, sizeof(nr->msg), fmt, ap);
        va_end(ap);
        nr->status = st;
    }
    pthread_mutex_unlock(&nr->lock);
    return st;
}

/* The exit code for a node's failure status. */
static int exit_for_status(uh_status st)
{
    switch (st) {
    case UH_ECORRUPT:
    case UH_EUNSUPPORTED:
    case UH_EIO:
        return EXIT_DECODE;
    case UH_ELIMIT:
    case UH_ENOMEM:
        return EXIT_LIMIT;
    case UH_EWRITE:
        return EXIT_WRITE;
    case UH_ECANCELED:
        return EXIT_CANCELED;
    default:
        return EXIT_PLUGIN;
    }
}

/* Records node `nr`'s failure in `d` with the node's full address. */
static int report_node_failure(run *r, node_rt *nr, diag *d)
{
    const char *msg = nr->msg[0] ? nr->msg : hostapi_status_str(nr->status);
    return diag_set(d, exit_for_status(nr->status), "%s: %s (%s, %s): %s",
                    r->g->file, nr->gn->pointer, nr->type->id,
                    nr->kind->plugin->path, msg);
}

/* ------------------------------------------------------------------------ */
/* Output buffers                                                           */

static void release_inputs(run *r, node_rt *nr);

/* Frees a node's output images; images passed on from an input (bytes 0)
 * are its producer's, which this node's inputs keep alive until now. */
static void free_outputs(run *r, node_rt *nr)
{
    for (uint32_t p = 0; p < nr->kind->n_outputs; p++) {
        out_slot *s = &nr->outs[p];
        for (uint32_t i = 0; i < s->n; i++) {
            if (s->images[i].data && s->bytes[i])
                alloc_put(r->alloc, &nr->img_owner, s->images[i].data,
                          s->bytes[i]);
            s->images[i].data = NULL;
        }
    }
    if (nr->holds_inputs && nr->released)
        release_inputs(r, nr);
}

static void release_inputs(run *r, node_rt *nr)
{
    if (nr->inputs_released)
        return;
    nr->inputs_released = 1;
    for (uint32_t i = 0; i < nr->kind->n_inputs; i++) {
        int32_t src = nr->gn->inputs[i].node;
        if (src < 0)
            continue;
        node_rt *p = &r->nodes[src];
        if (p->consumers_left > 0 && --p->consumers_left == 0 && p->done)
            free_outputs(r, p);
    }
}

/* ------------------------------------------------------------------------ */
/* Executing one node (on a libuv pool thread)                              */

/* Rows per band: about 256 KiB of output, at least 1, at most 128. Results
 * never depend on it. */
static uint32_t band_rows(const uh_image_info *info)
{
    size_t row = (size_t)info->width * uh_pixel_size(info);
    size_t n = row ? (256u << 10) / row : 128;
    if (n < 1)
        n = 1;
    if (n > 128)
        n = 128;
    if (n > info->height)
        n = info->height;
    return (uint32_t)n;
}

typedef struct strip_job {
    node_rt *nr;
    uh_image *img; /* output, NULL for a sink */
    uint32_t band, height;
    void **seqs; /* one per slot */
    uint8_t *started;
    uh_ctx *ctxs; /* one per slot */
} strip_job;

static uh_status strip_band(void *arg, uint32_t slot, uint32_t i)
{
    strip_job *sj = arg;
    node_rt *nr = sj->nr;
    uh_ctx *ctx = &sj->ctxs[slot];
    if (!sj->started[slot]) {
        uh_status st = run_call_start(nr, ctx, &sj->seqs[slot]);
        if (st != UH_OK)
            return run_node_fail(nr, st, "start() failed: %s",
                                 hostapi_status_str(st));
        sj->started[slot] = 1;
        if (slot < 64) {
            pthread_mutex_lock(&nr->lock);
            nr->slots_used |= 1ull << slot;
            pthread_mutex_unlock(&nr->lock);
        }
    }
    ctx->seq = sj->seqs[slot];
    uint32_t y = i * sj->band;
    uint32_t n = sj->height - y < sj->band ? sj->height - y : sj->band;
    uh_rows out = {.y = y, .n = n};
    if (sj->img) {
        out.stride = sj->img->stride;
        out.data = sj->img->data + (size_t)y * sj->img->stride;
    }
    if (nr->stream)
        stream_item_begin(nr->stream, slot, i);
    uh_status st = nr->type->rows(ctx, sj->seqs[slot], &out);
    if (nr->stream)
        stream_item_end(nr->stream, slot, i);
    if (st != UH_OK)
        return run_node_fail(nr, st, "%s", hostapi_status_str(st));
    atomic_store(&nr->progress_permille,
                 (uint32_t)((uint64_t)(y + n) * 1000 / sj->height));
    return UH_OK;
}

static uh_status run_strip(run *r, node_rt *nr, uh_ctx *ctx)
{
    uh_image *img = NULL;
    uint32_t height;
    uh_status st;
    if (nr->has_image_out) {
        st = hostapi_table()->output_image(ctx, 0, 0, &img);
        if (st != UH_OK)
            return st;
        height = img->info.height;
    } else {
        /* A sink: bands of its first input. */
        const uh_image_info *in = hostapi_table()->input_info(ctx, 0, 0);
        if (!in)
            return run_node_fail(nr, UH_EINVAL,
                                 "strip sink has no image on input 0");
        height = in->height;
    }
    strip_job sj = {.nr = nr, .img = img, .height = height};
    sj.band = img ? band_rows(&img->info)
                  : band_rows(hostapi_table()->input_info(ctx, 0, 0));
    if (nr->stream && img)
        sj.band = stream_band_rows(nr->stream, img->info.height, img->stride);
    uint32_t nbands = (height + sj.band - 1) / sj.band;
    if (nr->stream && (st = stream_items(nr->stream, nbands)) != UH_OK)
        return st;
    int sequential = !img || (nr->type->strip_flags & UH_STRIP_SEQUENTIAL);
    uint32_t slots = sequential ? 1 : pool_threads(r->pool) + 1;
    sj.seqs = calloc(slots, sizeof(*sj.seqs));
    sj.started = calloc(slots, 1);
    sj.ctxs = calloc(slots, sizeof(*sj.ctxs));
    if (!sj.seqs || !sj.started || !sj.ctxs) {
        free(sj.seqs);
        free(sj.started);
        free(sj.ctxs);
        return run_node_fail(nr, UH_ENOMEM, "out of memory");
    }
    for (uint32_t s = 0; s < slots; s++) {
        sj.ctxs[s].run = r;
        sj.ctxs[s].node = nr;
        sj.ctxs[s].slot = s;
    }
    if (sequential) {
        st = UH_OK;
        for (uint32_t i = 0; i < nbands && st == UH_OK; i++) {
            if (r->cancel) {
                st = UH_ECANCELED;
                break;
            }
            st = strip_band(&sj, 0, i);
        }
    } else {
        st = pool_run(r->pool, nbands, strip_band, &sj, &r->cancel);
    }
    for (uint32_t s = 0; s < slots; s++)
        if (sj.started[s] && nr->type->stop)
            run_call_stop(nr, &sj.ctxs[s], sj.seqs[s]);
    free(sj.seqs);
    free(sj.started);
    free(sj.ctxs);
    return st;
}

static void work_cb(uv_work_t *req)
{
    node_rt *nr = req->data;
    run *r = nr->run;
    uh_ctx ctx = {.run = r, .node = nr, .slot = 0};
    uh_status st;
    nr->t_start = run_now();
    if (r->cancel) {
        run_node_fail(nr, UH_ECANCELED, "canceled");
        return;
    }
    if (nr->stream && nr->sink) {
        st = stream_run_sink(nr->stream);
    } else if (nr->strip) {
        st = run_strip(r, nr, &ctx);
    } else {
        nr->slots_used |= 1;
        /* A whole node runs once; only UH_THREADS_TYPE needs a lock. */
        if (nr->type->threading == UH_THREADS_TYPE)
            pthread_mutex_lock(type_lock(nr->type));
        st = nr->type->process(&ctx);
        if (nr->type->threading == UH_THREADS_TYPE)
            pthread_mutex_unlock(type_lock(nr->type));
        if (st == UH_OK) {
            /* Every declared image must have been produced. */
            for (uint32_t p = 0; p < nr->kind->n_outputs && st == UH_OK; p++)
                for (uint32_t i = 0; i < nr->outs[p].n; i++)
                    if (!nr->outs[p].images[i].data) {
                        st = run_node_fail(
                            nr, UH_EINTERNAL,
                            "process() returned without producing image %u "
                            "of output '%s'",
                            (unsigned)i, nr->type->outputs[p]->name);
                        break;
                    }
        }
    }
    if (st != UH_OK) {
        if (st == UH_ECANCELED && r->cancel)
            run_node_fail(nr, st, "canceled");
        else
            run_node_fail(nr, st, "%s", hostapi_status_str(st));
    }
    nr->t_ms = (run_now() - nr->t_start) * 1000.0;
    if (nr->stream)
        stream_finish(nr->stream);
}

static void queue_ready(run *r);

static void stop_loop_handles(run *r)
{
    uv_signal_stop(&r->sigint);
    uv_signal_stop(&r->sigterm);
    uv_timer_stop(&r->timer);
}

/* Marks a node done: its inputs are released (freeing producers whose
 * last consumer it was) and its consumers have one producer fewer to wait
 * for. Pipeline members have no consumer outside their pipeline. */
static void node_done(run *r, node_rt *nr)
{
    nr->done = 1;
    if (nr->released)
        return;
    nr->released = 1;
    if (!nr->holds_inputs) /* else with its outputs, in free_outputs() */
        release_inputs(r, nr);
    if (nr->consumers_left == 0)
        free_outputs(r, nr);
    for (uint32_t c = 0; c < nr->n_consumers; c++) {
        node_rt *cn = &r->nodes[nr->consumers[c]];
        /* A member's links inside its pipeline were settled when the
         * pipeline was planned. */
        if (nr->stream_member) {
            node_rt *head = stream_head_of(nr);
            if (cn == head || (cn->stream_member && stream_head_of(cn) == head))
                continue;
        }
        cn->pending--;
    }
}

/* Records the node the run failed by: the first to fail, except that a
 * node cancelled because of another's failure gives way to that failure,
 * whichever finishes first. */
static void note_failed(run *r, node_rt *nr)
{
    if (r->failed_node < 0 ||
        (r->nodes[r->failed_node].status == UH_ECANCELED &&
         nr->status != UH_ECANCELED))
        r->failed_node = (int)nr->index;
}

static void after_cb(uv_work_t *req, int status)
{
    node_rt *nr = req->data;
    run *r = nr->run;
    (void)status;
    r->running--;
    r->finished++;
    if (nr->stream) {
        for (uint32_t i = 0; i < r->n; i++) {
            node_rt *m = &r->nodes[i];
            if (m->stream_member && m->member && stream_head_of(m) == nr) {
                if (m->status != UH_OK && nr->status == UH_OK)
                    nr->status = m->status;
                if (m->status != UH_OK)
                    note_failed(r, m);
                node_done(r, m);
            }
        }
    }
    if (nr->status != UH_OK) {
        if (!(nr->status == UH_ECANCELED && r->cancel_reason))
            note_failed(r, nr);
        r->cancel = 1;
    }
    node_done(r, nr);
    queue_ready(r);
    if (r->running == 0)
        stop_loop_handles(r);
}

static void queue_ready(run *r)
{
    if (r->cancel)
        return;
    for (uint32_t k = 0; k < r->n; k++) {
        uint32_t i = r->g->order[k];
        node_rt *nr = &r->nodes[i];
        if (nr->queued || nr->done || nr->pending > 0 || nr->stream_member)
            continue;
        nr->queued = 1;
        nr->phase = PHASE_EXECUTE;
        nr->work.data = nr;
        if (uv_queue_work(&r->loop, &nr->work, work_cb, after_cb) != 0) {
            run_node_fail(nr, UH_EINTERNAL, "cannot queue work");
            r->failed_node = (int)i;
            r->cancel = 1;
            return;
        }
        r->running++;
    }
}

/* ------------------------------------------------------------------------ */
/* Signals, deadline and progress                                           */

static void on_signal(uv_signal_t *h, int signum)
{
    run *r = h->data;
    r->cancel = 1;
    r->cancel_reason = EXIT_CANCELED;
    r->cancel_why =
        signum == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
}

static void draw_progress(run *r, int final)
{
    if (r->opt->progress == RUN_PROGRESS_NONE)
        return;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < r->n; i++)
        sum += r->nodes[i].done ? 1000
                                : atomic_load(&r->nodes[i].progress_permille);
    double frac = r->n ? (double)sum / (1000.0 * r->n) : 1.0;
    if (r->opt->progress == RUN_PROGRESS_JSON) {
        fprintf(stderr,
                "{\"event\":\"progress\",\"fraction\":%.3f,\"nodes_done\":%u,"
                "\"nodes\":%u,\"elapsed\":%.3f}\n",
                frac, r->finished, r->n, run_now() - r->t0);
        return;
    }
    int width = 30, fill = (int)(frac * width + 0.5);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r[%s] %3d%%  %u/%u nodes%s", bar, (int)(frac * 100),
            r->finished, r->n, final ? "\n" : "");
    r->progress_drawn = 1;
}

/* A node ignores the cancellation: its thread cannot be stopped from
 * outside, so the process removes its temporary files and exits. */
static void abandon(run *r)
{
    const char *id = "?", *type = "?", *file = "?";
    for (uint32_t i = 0; i < r->n; i++)
        if (r->nodes[i].queued && !r->nodes[i].done) {
            id = r->nodes[i].gn->pointer;
            type = r->nodes[i].type->id;
            file = r->nodes[i].kind->plugin->path;
            break;
        }
    pthread_mutex_lock(&r->files_lock);
    for (uh_file *f = r->files; f; f = f->next)
        unlink(f->tmp);
    pthread_mutex_unlock(&r->files_lock);
    diag d;
    diag_init(&d);
    int code = EXIT_CANCELED;
    if (r->failed_node >= 0)
        code = report_node_failure(r, &r->nodes[r->failed_node], &d);
    else
        diag_set(&d, EXIT_CANCELED, "%s: run cancelled: %s", r->g->file,
                 r->cancel_why ? r->cancel_why : "cancelled");
    diag_warn(&d,
              "%s: %s (%s, %s) did not stop within %.0f s of the "
              "cancellation; giving up on it",
              r->g->file, id, type, file, r->opt->abandon_after);
    diag_print(&d);
    _exit(code);
}

static void on_timer(uv_timer_t *t)
{
    run *r = t->data;
    /* Spilled images: keep only recently touched pages resident. */
    alloc_spill_trim(r->alloc);
    if (r->opt->interrupt && *r->opt->interrupt && !r->cancel) {
        r->cancel = 1;
        r->cancel_reason = EXIT_CANCELED;
        r->cancel_why = "interrupted";
    }
    if (r->opt->timeout > 0 && !r->cancel &&
        run_now() - r->t0 > r->opt->timeout) {
        r->cancel = 1;
        r->cancel_reason = EXIT_CANCELED;
        r->cancel_why = "past the deadline (--timeout)";
    }
    if (r->cancel && r->cancel_t == 0)
        r->cancel_t = run_now();
    if (r->cancel && r->opt->abandon_after > 0 && r->running > 0 &&
        run_now() - r->cancel_t > r->opt->abandon_after)
        abandon(r);
    draw_progress(r, 0);
}

/* ------------------------------------------------------------------------ */
/* Commit or removal of outputs                                             */

static int commit_files(run *r, int success, run_report *rep, diag *d)
{
    int rc = 0;
    char dirs_synced[8][512];
    int n_synced = 0;
    for (uh_file *f = r->files; f; f = f->next) {
        if (!f->closed) {
            /* The plugin never closed it: the node failed mid-write. */
            close(f->fd);
            f->closed = 1;
            f->failed = 1;
        }
        if (success && rc == 0 && f->failed)
            rc = diag_set(d, EXIT_WRITE, "%s: %s was not completed", r->g->file,
                          f->path);
    }
    for (uh_file *f = r->files; f; f = f->next) {
        if (success && rc == 0) {
            if (rename(f->tmp, f->path) != 0) {
                rc = diag_set(d, EXIT_WRITE, "%s: cannot rename %s to %s: %s",
                              r->g->file, f->tmp, f->path, strerror(errno));
                unlink(f->tmp);
                continue;
            }
            if (rep) {
                char **o =
                    realloc(rep->outputs, (rep->n_outputs + 1) * sizeof(*o));
                if (o) {
                    rep->outputs = o;
                    if ((o[rep->n_outputs] = strdup(f->path)) != NULL)
                        rep->n_outputs++;
                }
            }
            /* Sync the directory so the rename itself is durable. */
            const char *slash = strrchr(f->path, '/');
            char dir[512];
            snprintf(dir, sizeof(dir), "%.*s",
                     slash ? (int)(slash - f->path) : 1, slash ? f->path : ".");
            int seen = 0;
            for (int k = 0; k < n_synced; k++)
                seen |= strcmp(dirs_synced[k], dir) == 0;
            if (!seen) {
                int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                    fsync(fd);
                    close(fd);
                }
                if (n_synced < 8)
                    snprintf(dirs_synced[n_synced++], sizeof(dir), "%s", dir);
            }
        } else {
            unlink(f->tmp);
        }
    }
    while (r->files) {
        uh_file *f = r->files;
        r->files = f->next;
        free(f->tmp);
        free(f->path);
        free(f);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The run                                                                  */

static int setup_nodes(run *r, diag *d)
{
    const graph *g = r->g;
    r->nodes = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(*r->nodes));
    if (!r->nodes)
        return diag_set(d, EXIT_INTERNAL, "out of memory");
    r->n = g->n_nodes;
    for (uint32_t i = 0; i < r->n; i++) {
        node_rt *nr = &r->nodes[i];
        nr->run = r;
        nr->index = i;
        nr->gn = &g->nodes[i];
        nr->kind = nr->gn->kind;
        nr->type = nr->kind->type;
        nr->owner.name = nr->gn->id;
        nr->img_owner.name = nr->gn->id;
        nr->strip = UH_HAS_FIELD(nr->type, uh_node_type, rows) &&
                    nr->type->rows && !nr->type->process;
        nr->has_image_out = nr->kind->n_outputs > 0 &&
                            nr->type->outputs[0]->type == UH_PORT_IMAGE;
        nr->sink = nr->strip ? !nr->has_image_out
                             : (UH_HAS_FIELD(nr->type, uh_node_type, is_sink) &&
                                nr->type->is_sink);
        pthread_mutex_init(&nr->lock, NULL);
        pthread_mutex_init(&nr->call_lock, NULL);
        nr->outs = calloc(nr->kind->n_outputs ? nr->kind->n_outputs : 1,
                          sizeof(*nr->outs));
        if (!nr->outs)
            return diag_set(d, EXIT_INTERNAL, "out of memory");
        for (uint32_t p = 0; p < nr->kind->n_outputs; p++)
            nr->outs[p].type = nr->type->outputs[p]->type;
    }
    /* Consumer lists and pending counts. */
    for (uint32_t i = 0; i < r->n; i++) {
        node_rt *nr = &r->nodes[i];
        for (uint32_t p = 0; p < nr->kind->n_inputs; p++) {
            int32_t src = nr->gn->inputs[p].node;
            if (src < 0)
                continue;
            node_rt *s = &r->nodes[src];
            uint32_t *c =
                realloc(s->consumers, (s->n_consumers + 1) * sizeof(*c));
            if (!c)
                return diag_set(d, EXIT_INTERNAL, "out of memory");
            s->consumers = c;
            c[s->n_consumers++] = i;
            s->consumers_left++;
            if (nr->gn->inputs[p].port == 0 && s->kind->n_outputs > 0 &&
                s->type->outputs[0]->type == UH_PORT_IMAGE)
                s->image_consumers++;
            nr->pending++;
        }
    }
    return 0;
}

/* Why `path` cannot be written, in `why`, or 0 when it can: checked for
 * every output-file parameter before any node runs, so a run does not do
 * its heavy work only to fail at the end. The write itself still reports
 * what goes wrong later (a full disk). */
static int output_path_problem(const char *path, char *why, size_t len)
{
    struct stat st;
    if (!*path) {
        snprintf(why, len, "empty output path");
        return -1;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(why, len, "cannot write %s: it is a directory", path);
        return -1;
    }
    /* The nearest ancestor that exists must be a writable directory (the
     * missing ones are created). */
    char dir[4096];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
        snprintf(why, len, "output path too long");
        return -1;
    }
    for (;;) {
        char *slash = strrchr(dir, '/');
        if (!slash) {
            snprintf(dir, sizeof(dir), ".");
        } else if (slash == dir) {
            dir[1] = 0;
        } else {
            *slash = 0;
        }
        if (stat(dir, &st) == 0)
            break;
        if (errno != ENOENT || strcmp(dir, ".") == 0 || strcmp(dir, "/") == 0) {
            snprintf(why, len, "cannot write %s: %s: %s", path, dir,
                     strerror(errno));
            return -1;
        }
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, len, "cannot write %s: %s is not a directory", path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(why, len, "cannot write %s: %s: %s", path, dir,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int check_outputs(run *r, diag *d)
{
    for (uint32_t i = 0; i < r->n; i++) {
        node_rt *nr = &r->nodes[i];
        for (uint32_t k = 0; k < nr->kind->n_params; k++) {
            const uh_param_desc *pd = nr->type->params[k];
            const uh_value *v = &nr->gn->params[k];
            char why[3 * 4096];
            if (!(pd->flags & UH_PARAM_OUTPUT_FILE) ||
                pd->type != UH_PARAM_STRING || !v->string)
                continue;
            /* An optional output left empty is not written at all. */
            if (!*v->string && !(pd->flags & UH_PARAM_REQUIRED))
                continue;
            if (output_path_problem(v->string, why, sizeof(why)) != 0)
                return diag_set(d, EXIT_WRITE, "%s: %s/params/%s: %s",
                                r->g->file, nr->gn->pointer, pd->name, why);
        }
    }
    return 0;
}

static int prepare_nodes(run *r, diag *d)
{
    for (uint32_t k = 0; k < r->n; k++) {
        node_rt *nr = &r->nodes[r->g->order[k]];
        uh_ctx ctx = {.run = r, .node = nr, .slot = 0};
        nr->phase = PHASE_PREPARE;
        uh_status st = nr->type->prepare ? nr->type->prepare(&ctx) : UH_OK;
        nr->phase = 0;
        if (st != UH_OK) {
            run_node_fail(nr, st, "%s", hostapi_status_str(st));
            /* cleanup() is owed only after a successful prepare(), but a
             * failing prepare may have set state: give it the chance. */
            nr->prepared = 1;
            return report_node_failure(r, nr, d);
        }
        nr->prepared = 1;
        /* Every image output must be declared, every list at least
         * attempted (an empty list is allowed). */
        for (uint32_t p = 0; p < nr->kind->n_outputs; p++) {
            if (nr->outs[p].type == UH_PORT_IMAGE && nr->outs[p].n != 1) {
                run_node_fail(nr, UH_EINTERNAL,
                              "prepare() did not declare output '%s'",
                              nr->type->outputs[p]->name);
                return report_node_failure(r, nr, d);
            }
        }
        /* A strip sink needs an image on its first input. */
        if (nr->strip && !nr->has_image_out &&
            hostapi_table()->input_info(&ctx, 0, 0) == NULL) {
            run_node_fail(nr, UH_EINVAL,
                          "a strip sink needs an image on its first input");
            return report_node_failure(r, nr, d);
        }
    }
    return 0;
}

/* With a tight budget, fewer workers before any spill: the predicted
 * working set is every stored output (those of whole nodes, and of strip
 * nodes a whole node reads) plus, per worker, one band of every strip
 * node (two for a strip node with inputs). Plugins' own per-thread scratch
 * is not known in advance and not predicted. When that passes the
 * budget but one worker would fit, the threads are lowered until it fits,
 * and the band pool is made again with that many. */
static int fit_threads(run *r, diag *d)
{
    uint64_t limit = r->opt->memory_limit;
    if (limit == 0 || r->threads <= 1)
        return 0;
    uint64_t stored = 0, per_thread = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        node_rt *nr = &r->nodes[i];
        int read_whole = !nr->strip;
        for (uint32_t c = 0; c < nr->n_consumers; c++)
            read_whole |= !r->nodes[nr->consumers[c]].strip;
        for (uint32_t p = 0; p < nr->kind->n_outputs; p++)
            for (uint32_t j = 0; j < nr->outs[p].n; j++) {
                const uh_image_info *info = &nr->outs[p].images[j].info;
                if (read_whole)
                    stored += nr->outs[p].bytes[j];
                /* A band out, and about as much read from the input
                 * (stream buffers, the plugin's own rows). */
                if (nr->strip)
                    per_thread += (uint64_t)band_rows(info) * info->width *
                                  uh_pixel_size(info) *
                                  (nr->kind->n_inputs ? 2u : 1u);
            }
    }
    /* Fits as it is, or does not fit even with one worker: then the images
     * spill anyway and fewer workers would only make it slower. */
    if (per_thread == 0 || stored + per_thread * r->threads <= limit ||
        stored + per_thread > limit)
        return 0;
    uint64_t fit = limit > stored ? (limit - stored) / per_thread : 1;
    uint32_t t = fit < 1 ? 1 : fit >= r->threads ? r->threads : (uint32_t)fit;
    if (t >= r->threads)
        return 0;
    pool_destroy(r->pool);
    r->threads = t;
    if (!(r->pool = pool_create(t - 1)))
        return diag_set(d, EXIT_INTERNAL, "cannot create the run's threads");
    return 0;
}

static void fill_report(run *r, run_report *rep)
{
    if (!rep)
        return;
    rep->nodes = calloc(r->n ? r->n : 1, sizeof(*rep->nodes));
    if (rep->nodes)
        rep->n_nodes = r->n;
    for (uint32_t i = 0; rep->nodes && i < r->n; i++) {
        node_rt *nr = &r->nodes[i];
        node_report *nrep = &rep->nodes[i];
        nrep->id = nr->gn->id;
        nrep->type = nr->type->id;
        nrep->plugin = nr->kind->plugin->path;
        nrep->mem = nr->owner.c;
        nrep->images = nr->img_owner.c;
        for (uint32_t p = 0; p < nr->kind->n_outputs; p++)
            for (uint32_t j = 0; j < nr->outs[p].n; j++) {
                if (nrep->out_images++ == 0)
                    nrep->out_info = nr->outs[p].images[j].info;
                nrep->out_bytes += nr->outs[p].bytes[j];
            }
        nrep->strip = nr->strip;
        nrep->streamed = nr->stream != NULL || nr->stream_member;
        nrep->ms = nr->t_ms;
        nrep->threads = (uint32_t)__builtin_popcountll(nr->slots_used);
        nrep->leaked = nr->owner.c.current;
        nrep->leaked_blocks = nr->owner.c.blocks;
    }
    alloc_totals(r->alloc, &rep->total);
    rep->mapped_peak = alloc_mapped_peak(r->alloc);
    rep->limit = r->opt->memory_limit;
    rep->threads = r->threads;
    rep->threads_asked = r->opt->threads ? r->opt->threads : 1;
    rep->ms = (run_now() - r->t0) * 1000.0;
    rep->allocations = alloc_attempts(r->alloc);
}

void run_report_free(run_report *rep)
{
    if (rep) {
        free(rep->nodes);
        for (uint32_t i = 0; i < rep->n_outputs; i++)
            free(rep->outputs[i]);
        free(rep->outputs);
        memset(rep, 0, sizeof(*rep));
    }
}

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

int run_graph(const graph *g, const run_options *opt, run_report *rep, diag *d)
{
    run *r = calloc(1, sizeof(*r));
    if (!r)
        return diag_set(d, EXIT_INTERNAL, "out of memory");
    r->g = g;
    r->opt = opt;
    r->failed_node = -1;
    r->t0 = run_now();
    r->host_owner.name = "(host)";
    pthread_mutex_init(&r->files_lock, NULL);
    int rc = 0;
    int loop_ok = 0;

    alloc_config ac = {
        .limit = opt->memory_limit,
        .fail_at = opt->fail_alloc,
        .fail_persistent = opt->fail_persistent,
        .spill = opt->spill,
        .spill_dir = opt->spill_dir,
        .spill_limit = opt->spill_limit,
    };
    r->alloc = alloc_create(&ac);
    r->threads = opt->threads ? opt->threads : 1;
    if (!r->alloc || !(r->pool = pool_create(r->threads - 1))) {
        rc = diag_set(d, EXIT_INTERNAL,
                      "cannot create the run's allocator "
                      "or threads");
        goto out;
    }
    if ((rc = setup_nodes(r, d)) != 0)
        goto out;
    if ((rc = check_outputs(r, d)) != 0)
        goto out;
    if ((rc = prepare_nodes(r, d)) != 0)
        goto out;
    if ((rc = fit_threads(r, d)) != 0)
        goto out;
    if ((rc = stream_plan(r, d)) != 0)
        goto out;
    if (opt->plan_only)
        goto out;

    if (uv_loop_init(&r->loop) != 0) {
        rc = diag_set(d, EXIT_INTERNAL, "cannot create the event loop");
        goto out;
    }
    loop_ok = 1;
    uv_signal_init(&r->loop, &r->sigint);
    uv_signal_init(&r->loop, &r->sigterm);
    uv_timer_init(&r->loop, &r->timer);
    r->sigint.data = r->sigterm.data = r->timer.data = r;
    if (!opt->no_signals) {
        uv_signal_start(&r->sigint, on_signal, SIGINT);
        uv_signal_start(&r->sigterm, on_signal, SIGTERM);
    }
    uv_timer_start(&r->timer, on_timer, 100, 100);
    queue_ready(r);
    if (r->running == 0)
        stop_loop_handles(r);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    draw_progress(r, 1);

    if (r->failed_node >= 0) {
        rc = report_node_failure(r, &r->nodes[r->failed_node], d);
    } else if (r->cancel_reason) {
        rc = diag_set(d, EXIT_CANCELED, "%s: run cancelled: %s", g->file,
                      r->cancel_why ? r->cancel_why : "cancelled");
    } else if (r->finished < r->n) {
        uint32_t stream_done = 0;
        for (uint32_t i = 0; i < r->n; i++)
            stream_done += r->nodes[i].done;
        if (stream_done < r->n)
            rc = diag_set(d, EXIT_INTERNAL,
                          "%s: %u of %u nodes never ran (scheduler bug)",
                          g->file, r->n - stream_done, r->n);
    }

out:
    /* cleanup() for every prepared node, in reverse order. */
    for (uint32_t k = r->n; k-- > 0;) {
        node_rt *nr = &r->nodes[r->g->order[k]];
        if (nr->prepared && nr->type->cleanup) {
            uh_ctx ctx = {.run = r, .node = nr, .slot = 0};
            nr->phase = PHASE_CLEANUP;
            nr->type->cleanup(&ctx);
        }
    }
    if (rep)
        memset(rep, 0, sizeof(*rep));
    int crc = commit_files(r, rc == 0, rep, d);
    if (rc == 0)
        rc = crc;
    /* Leaks: what a node still holds after cleanup() is reported, then
     * freed with the allocator. */
    for (uint32_t i = 0; i < r->n; i++) {
        node_rt *nr = &r->nodes[i];
        if (nr->owner.c.current > 0)
            diag_warn(d,
                      "%s: %s (%s, %s) leaked %" PRIu64 " bytes in %" PRIu64
                      " blocks; freed at the end of the run",
                      g->file, nr->gn->pointer, nr->type->id,
                      nr->kind->plugin->path, nr->owner.c.current,
                      nr->owner.c.blocks);
    }
    if (r->alloc)
        fill_report(r, rep);
    /* Every node's outputs first: freeing a node that passed an input on
     * releases its producers, which must still have their slots. */
    for (uint32_t i = 0; r->alloc && r->nodes && i < r->n; i++)
        if (r->nodes[i].outs)
            free_outputs(r, &r->nodes[i]);
    for (uint32_t i = 0; r->nodes && i < r->n; i++) {
        node_rt *nr = &r->nodes[i];
        for (uint32_t p = 0; nr->outs && p < nr->kind->n_outputs; p++) {
            free(nr->outs[p].images);
            free(nr->outs[p].bytes);
            if (nr->outs[p].storage && r->alloc)
                alloc_put(r->alloc, &nr->img_owner, nr->outs[p].storage,
                          nr->outs[p].storage_bytes);
        }
        free(nr->outs);
        free(nr->consumers);
        pthread_mutex_destroy(&nr->lock);
        pthread_mutex_destroy(&nr->call_lock);
    }
    stream_free_all(r);
    if (loop_ok) {
        uv_close((uv_handle_t *)&r->sigint, close_cb);
        uv_close((uv_handle_t *)&r->sigterm, close_cb);
        uv_close((uv_handle_t *)&r->timer, close_cb);
        uv_run(&r->loop, UV_RUN_DEFAULT);
        uv_loop_close(&r->loop);
    }
    free(r->nodes);
    pool_destroy(r->pool);
    alloc_destroy(r->alloc);
    pthread_mutex_destroy(&r->files_lock);
    free(r);
    /* Codec libraries that use libc malloc (libjpeg's pools, cJSON) give
     * their memory back here, so the process returns to idle. */
    malloc_trim(0);
    return rc;
}
