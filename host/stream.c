/* Streaming pipelines (see stream.h for the model).
 *
 * Lock order: a sequential member's lock may be held while computing its
 * own upstream members (whose locks are taken inside); locks are only ever
 * taken upstream-ward, and the graph is acyclic, so there is no cycle. The
 * sink queue's lock is never held while computing rows. */
#include "stream.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "hostapi.h"

typedef struct member {
    node_rt *nr;
    struct stream *s;
    int sequential;
    size_t row_bytes;
    uint32_t height;
    /* Per worker slot (non-sequential members, and private copies). */
    uh_ctx *ctxs;
    void **seqs;
    uint8_t *started;
    uint8_t **buf;
    size_t *buf_bytes;
    /* Sequential members: one worker state and a ring of recent rows. */
    pthread_mutex_t lock;
    uh_ctx ctx1;
    void *seq1;
    int started1;
    uint8_t *ring;
    size_t ring_bytes;
    uint32_t ring_cap;       /* rows */
    uint32_t lo, hi;         /* rows [lo, hi) are in the ring */
    uint32_t span_max;       /* widest request seen */
    uint32_t *first;         /* per head item: lowest row it asked, or NONE */
    struct retired *retired; /* outgrown rings, freed at the end */
    int consumer_in_order;   /* its consumer is sequential: it never asks
                                again for rows above its last request */
} member;

/* A ring that was outgrown while other workers may still hold views of
 * it: kept until the pipeline finishes. */
typedef struct retired {
    uint8_t *ring;
    size_t bytes;
    struct retired *next;
} retired;

#define NONE UINT32_MAX

typedef struct stream {
    run *r;
    node_rt *head;
    member *members;
    uint32_t n_members;
    uint32_t slots;
    /* Sink heads: strips of the sink's input and the write-behind queue. */
    uint32_t band, nstrips, q;
    uint8_t **qbuf;
    size_t qbuf_bytes;
    uint32_t *ready; /* strip index + 1 held by each queue slot, 0 free */
    uint32_t next;   /* next strip to write */
    int writing;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uh_rows cur; /* the strip the sink reads now */
    int have_cur;
    uh_ctx sink_ctx;
    void *sink_seq;
    int sink_started;
    member *feed; /* the member feeding the sink's port 0 */
    /* Items (bands of the head) in flight, for the rings' eviction. */
    uint32_t n_items;
    uint32_t *cur_item;           /* per slot: the item it works on */
    uint8_t *item_done;           /* per item */
    _Atomic uint32_t lowest_open; /* lowest item not finished */
    pthread_mutex_t items_lock;
} stream;

static void buf_put(run *r, node_rt *nr, void *p, size_t bytes)
{
    if (p)
        alloc_put(r->alloc, &nr->img_owner, p, bytes);
}

/* Makes sure `*buf` holds at least `need` bytes. */
static uh_status ensure_buf(run *r, node_rt *nr, uint8_t **buf, size_t *have,
                            size_t need)
{
    if (*have >= need)
        return UH_OK;
    size_t want = need + need / 4;
    void *p = alloc_get(r->alloc, &nr->img_owner, want, 64, UH_LIFE_NODE, NULL);
    if (!p) {
        want = need;
        alloc_error err;
        p = alloc_get(r->alloc, &nr->img_owner, want, 64, UH_LIFE_NODE, &err);
        if (!p)
            return run_node_fail(nr, err.status,
                                 "cannot allocate %zu bytes of row buffer: "
                                 "%s (%llu in use of %llu)",
                                 need, err.what, (unsigned long long)err.in_use,
                                 (unsigned long long)err.limit);
    }
    buf_put(r, nr, *buf, *have);
    *buf = p;
    *have = want;
    return UH_OK;
}

static uh_status start_slot(member *m, uint32_t slot)
{
    if (m->started[slot])
        return UH_OK;
    node_rt *nr = m->nr;
    uh_status st = run_call_start(nr, &m->ctxs[slot], &m->seqs[slot]);
    if (st != UH_OK)
        return run_node_fail(nr, st, "start() failed: %s",
                             hostapi_status_str(st));
    m->started[slot] = 1;
    if (slot < 64) {
        pthread_mutex_lock(&nr->lock);
        nr->slots_used |= 1ull << slot;
        pthread_mutex_unlock(&nr->lock);
    }
    return UH_OK;
}

/* The lowest row any unfinished item of the head may still ask of `m`.
 * Consumers read a sequential input top to bottom within a band, and a
 * later band never starts above an earlier one (UH_STRIP_RANDOM_ACCESS
 * nodes, which do, are never fed by a ring), so that is the first row
 * asked by the lowest unfinished item, or by the last item below it that
 * asked anything. Lock held. */
static uint32_t ring_keep(member *m)
{
    stream *s = m->s;
    uint32_t low = atomic_load(&s->lowest_open);
    if (low >= s->n_items)
        low = s->n_items ? s->n_items - 1 : 0;
    for (uint32_t j = low + 1; j-- > 0;)
        if (m->first[j] != NONE)
            return m->first[j];
    return 0;
}

/* Produces rows [y, y + n) of a sequential member into its ring, in order,
 * for worker `slot`. Lock held. */
static uh_status ring_fill(member *m, uint32_t slot, uint32_t y, uint32_t n)
{
    run *r = m->s->r;
    node_rt *nr = m->nr;
    uh_status st;
    uint32_t item = m->s->cur_item[slot];
    if (item < m->s->n_items && y < m->first[item])
        m->first[item] = y;
    if (y < m->lo)
        return run_node_fail(nr, UH_EINTERNAL,
                             "rows %u.. were asked again after they left the "
                             "stream's window (rows %u..%u)",
                             y, m->lo, m->hi);
    uint32_t keep = m->consumer_in_order ? y : ring_keep(m);
    if (keep > y)
        keep = y;
    if (keep < m->lo)
        keep = m->lo;
    /* Rows [keep, y + n) must fit at once. */
    uint32_t need = y + n - keep;
    if (need > m->span_max)
        m->span_max = need;
    if (need > m->ring_cap) {
        /* Room for every worker's band at once, and a quarter more. */
        uint32_t cap = need + need / 4 + 16;
        /* A first ring for every worker's band: each further worker
         * adds about one band's advance, not a whole request. */
        uint32_t per_slot = n + (m->s->slots + 1) * (n / 2);
        if (m->ring_cap == 0 && per_slot > cap)
            cap = per_slot;
        if (cap > m->height)
            cap = m->height;
        size_t bytes = (size_t)cap * m->row_bytes;
        uint8_t *ring = NULL;
        size_t have = 0;
        st = ensure_buf(r, nr, &ring, &have, bytes);
        if (st != UH_OK)
            return st;
        /* Move the rows kept so far into the new ring. */
        for (uint32_t row = m->lo; row < m->hi; row++)
            memcpy(ring + (size_t)(row % cap) * m->row_bytes,
                   m->ring + (size_t)(row % m->ring_cap) * m->row_bytes,
                   m->row_bytes);
        if (m->ring) {
            /* Other workers may hold views into the old ring. */
            retired *old = malloc(sizeof(*old));
            if (!old) {
                buf_put(r, nr, ring, have);
                return run_node_fail(nr, UH_ENOMEM, "out of memory");
            }
            old->ring = m->ring;
            old->bytes = m->ring_bytes;
            old->next = m->retired;
            m->retired = old;
        }
        m->ring = ring;
        m->ring_bytes = have;
        m->ring_cap = cap;
    }
    if (!m->started1) {
        st = run_call_start(nr, &m->ctx1, &m->seq1);
        if (st != UH_OK)
            return run_node_fail(nr, st, "start() failed: %s",
                                 hostapi_status_str(st));
        m->started1 = 1;
        nr->slots_used |= 1;
    }
    /* The member's own upstream requests are made on behalf of `slot`. */
    m->ctx1.slot = slot;
    while (m->hi < y + n) {
        if (r->cancel)
            return UH_ECANCELED;
        uint32_t at = m->hi % m->ring_cap;
        uint32_t k = y + n - m->hi;
        if (k > m->ring_cap - at)
            k = m->ring_cap - at;
        uh_rows out = {.y = m->hi,
                       .n = k,
                       .stride = m->row_bytes,
                       .data = m->ring + (size_t)at * m->row_bytes};
        m->ctx1.seq = m->seq1;
        st = nr->type->rows(&m->ctx1, m->seq1, &out);
        if (st != UH_OK)
            return run_node_fail(nr, st, "%s", hostapi_status_str(st));
        m->hi += k;
        if (m->hi - m->lo > m->ring_cap)
            m->lo = m->hi - m->ring_cap;
        atomic_store(&nr->progress_permille,
                     (uint32_t)((uint64_t)m->hi * 1000 / m->height));
    }
    return UH_OK;
}

/* The head's band `item` starts or ends on `slot`. */
void stream_item_begin(struct stream *s, uint32_t slot, uint32_t item)
{
    s->cur_item[slot] = item;
}

void stream_item_end(struct stream *s, uint32_t slot, uint32_t item)
{
    pthread_mutex_lock(&s->items_lock);
    if (item < s->n_items) {
        s->item_done[item] = 1;
        uint32_t low = atomic_load(&s->lowest_open);
        while (low < s->n_items && s->item_done[low])
            low++;
        atomic_store(&s->lowest_open, low);
    }
    s->cur_item[slot] = NONE;
    int idle = 1;
    for (uint32_t sl = 0; sl < s->slots; sl++)
        idle &= s->cur_item[sl] == NONE;
    pthread_mutex_unlock(&s->items_lock);
    /* With no band open, nobody holds a view into an outgrown ring. */
    if (idle)
        for (uint32_t i = 0; i < s->n_members; i++) {
            member *m = &s->members[i];
            if (!m->retired)
                continue;
            pthread_mutex_lock(&m->lock);
            while (m->retired) {
                retired *old = m->retired;
                m->retired = old->next;
                buf_put(s->r, m->nr, old->ring, old->bytes);
                free(old);
            }
            pthread_mutex_unlock(&m->lock);
        }
}

/* Sizes the per-item bookkeeping once the head knows its band count. */
uh_status stream_items(struct stream *s, uint32_t n_items)
{
    s->n_items = n_items;
    s->item_done = calloc(n_items ? n_items : 1, 1);
    if (!s->item_done)
        return run_node_fail(s->head, UH_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < s->n_members; i++) {
        member *m = &s->members[i];
        if (!m->sequential)
            continue;
        m->first = malloc(sizeof(*m->first) * (n_items ? n_items : 1));
        if (!m->first)
            return run_node_fail(s->head, UH_ENOMEM, "out of memory");
        for (uint32_t k = 0; k < n_items; k++)
            m->first[k] = NONE;
    }
    return UH_OK;
}

/* Fills `dst` with rows [y, y + n) of member `m`, for worker `slot`. */
static uh_status member_fill(member *m, uint32_t slot, uint32_t y, uint32_t n,
                             uint8_t *dst, size_t stride)
{
    node_rt *nr = m->nr;
    uh_status st;
    if (m->sequential) {
        pthread_mutex_lock(&m->lock);
        st = ring_fill(m, slot, y, n);
        if (st == UH_OK) {
            if (y < m->lo) {
                st = run_node_fail(nr, UH_EINTERNAL,
                                   "stream window overrun at row %u", y);
            } else {
                for (uint32_t i = 0; i < n; i++)
                    memcpy(dst + (size_t)i * stride,
                           m->ring +
                               (size_t)((y + i) % m->ring_cap) * m->row_bytes,
                           m->row_bytes);
            }
        }
        pthread_mutex_unlock(&m->lock);
        return st;
    }
    if ((st = start_slot(m, slot)) != UH_OK)
        return st;
    uh_rows out = {.y = y, .n = n, .stride = stride, .data = dst};
    m->ctxs[slot].seq = m->seqs[slot];
    st = nr->type->rows(&m->ctxs[slot], m->seqs[slot], &out);
    if (st != UH_OK)
        return run_node_fail(nr, st, "%s", hostapi_status_str(st));
    return UH_OK;
}

uh_status stream_input_rows(uh_ctx *ctx, uint32_t port, node_rt *prod,
                            uint32_t y, uint32_t n, uh_rows *out)
{
    node_rt *self = ctx->node;
    stream *s = self->stream;
    /* A sink head reads the strip the queue hands it. */
    if (s && self->sink && port == 0 && ctx == &s->sink_ctx) {
        if (!s->have_cur || y < s->cur.y || y + n > s->cur.y + s->cur.n)
            return hostapi_table()->fail(
                ctx, UH_EINVAL,
                "input_rows(): rows %u..%u are not the band handed to rows() "
                "(%u..%u)",
                (unsigned)y, (unsigned)(y + n), (unsigned)s->cur.y,
                (unsigned)(s->cur.y + s->cur.n));
        out->y = y;
        out->n = n;
        out->stride = s->cur.stride;
        out->data = s->cur.data + (size_t)(y - s->cur.y) * s->cur.stride;
        return UH_OK;
    }
    member *m = prod->member;
    uint32_t slot = ctx->slot < m->s->slots ? ctx->slot : 0;
    uh_status st;
    if (m->sequential) {
        /* Serve a view straight into the ring when the rows do not wrap
         * around its end: they stay there until this band finishes, since
         * the ring never evicts rows an unfinished band may ask for. */
        pthread_mutex_lock(&m->lock);
        st = ring_fill(m, slot, y, n);
        int contiguous =
            st == UH_OK && y >= m->lo && (y % m->ring_cap) + n <= m->ring_cap;
        if (contiguous) {
            out->y = y;
            out->n = n;
            out->stride = m->row_bytes;
            out->data = m->ring + (size_t)(y % m->ring_cap) * m->row_bytes;
        }
        pthread_mutex_unlock(&m->lock);
        if (st != UH_OK) {
            ctx->last = st;
            return st;
        }
        if (contiguous)
            return UH_OK;
    }
    size_t need;
    if (!uh_mul_size(&need, n, m->row_bytes))
        return hostapi_table()->fail(ctx, UH_ELIMIT, "row band too large");
    st = ensure_buf(m->s->r, prod, &m->buf[slot], &m->buf_bytes[slot], need);
    if (st != UH_OK)
        return st;
    st = member_fill(m, slot, y, n, m->buf[slot], m->row_bytes);
    if (st != UH_OK) {
        ctx->last = st;
        return st;
    }
    out->y = y;
    out->n = n;
    out->stride = m->row_bytes;
    out->data = m->buf[slot];
    return UH_OK;
}

/* ------------------------------------------------------------------------ */
/* Sink pipelines                                                           */

/* Input bytes one band may pull through a pipeline, across its members.
 * Rows a sequential member (a decoder) gives are kept in its ring, so the
 * overlap between bands costs nothing and small bands keep the ring small;
 * rows of other members are computed again for every band that overlaps
 * them (a filter's support), so those want taller bands. */
#define STREAM_BAND_BYTES_RING      (6u << 20)
#define STREAM_BAND_BYTES_RECOMPUTE (16u << 20)

uint32_t stream_band_rows(const struct stream *s, uint32_t out_height,
                          size_t out_row_bytes)
{
    /* What one output row costs: its own bytes, and for each member the
     * rows it maps to (by the ratio of heights) times their width. */
    double cost = (double)out_row_bytes;
    int ring = 0;
    for (uint32_t i = 0; i < s->n_members; i++) {
        const member *m = &s->members[i];
        double ratio = out_height ? (double)m->height / out_height : 1.0;
        if (ratio < 1.0)
            ratio = 1.0;
        double c = (double)m->row_bytes * ratio;
        if (c > cost) {
            cost = c;
            ring = m->sequential;
        }
    }
    /* A ring holds about one band per worker at once. */
    double budget = ring ? (double)STREAM_BAND_BYTES_RING * 2 / (s->slots + 1)
                         : STREAM_BAND_BYTES_RECOMPUTE;
    /* Under a tight memory limit, every worker's band must fit in an
     * eighth of it. */
    uint64_t limit = s->r->opt->memory_limit;
    if (limit && budget * (s->slots + 2) > (double)limit / 8)
        budget = (double)limit / 8 / (s->slots + 2);
    double rows = budget / (cost > 1 ? cost : 1);
    if (rows * (double)out_row_bytes > (256u << 10))
        rows = (256u << 10) / (double)(out_row_bytes ? out_row_bytes : 1);
    if (rows > 64)
        rows = 64;
    if (rows < 1)
        rows = 1;
    if (rows > out_height)
        rows = out_height;
    return (uint32_t)rows;
}

static uh_status sink_write_ready(stream *s)
{
    /* Lock held on entry and exit; released around rows(). */
    run *r = s->r;
    node_rt *head = s->head;
    uh_status st = UH_OK;
    s->writing = 1;
    while (st == UH_OK && s->next < s->nstrips &&
           s->ready[s->next % s->q] == s->next + 1) {
        uint32_t k = s->next;
        uint32_t y = k * s->band;
        uint32_t n = s->band;
        if (y + n > s->nstrips * s->band || y + n > s->feed->height)
            n = s->feed->height - y;
        s->cur.y = y;
        s->cur.n = n;
        s->cur.stride = s->feed->row_bytes;
        s->cur.data = s->qbuf[k % s->q];
        s->have_cur = 1;
        pthread_mutex_unlock(&s->lock);
        if (!s->sink_started) {
            st = run_call_start(head, &s->sink_ctx, &s->sink_seq);
            if (st != UH_OK)
                run_node_fail(head, st, "start() failed: %s",
                              hostapi_status_str(st));
            else
                s->sink_started = 1;
        }
        if (st == UH_OK) {
            uh_rows band = {.y = y, .n = n};
            s->sink_ctx.seq = s->sink_seq;
            st = head->type->rows(&s->sink_ctx, s->sink_seq, &band);
            if (st != UH_OK)
                run_node_fail(head, st, "%s", hostapi_status_str(st));
            atomic_store(&head->progress_permille,
                         (uint32_t)((uint64_t)(k + 1) * 1000 / s->nstrips));
        }
        pthread_mutex_lock(&s->lock);
        s->have_cur = 0;
        s->ready[k % s->q] = 0;
        s->next++;
        pthread_cond_broadcast(&s->cond);
    }
    s->writing = 0;
    if (st != UH_OK) {
        r->cancel = 1;
        pthread_cond_broadcast(&s->cond);
    }
    return st;
}

static uh_status sink_strip(void *arg, uint32_t slot, uint32_t k)
{
    stream *s = arg;
    run *r = s->r;
    uh_status st;
    /* Wait until the queue slot of strip k is free (strip k - q written). */
    pthread_mutex_lock(&s->lock);
    while (k >= s->next + s->q && !r->cancel) {
        /* Cancellation is set without this lock: look again now and then. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    if (r->cancel)
        return UH_ECANCELED;
    stream_item_begin(s, slot, k);
    uint32_t y = k * s->band;
    uint32_t n = s->feed->height - y < s->band ? s->feed->height - y : s->band;
    st =
        member_fill(s->feed, slot, y, n, s->qbuf[k % s->q], s->feed->row_bytes);
    stream_item_end(s, slot, k);
    pthread_mutex_lock(&s->lock);
    if (st != UH_OK) {
        r->cancel = 1;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        return st;
    }
    s->ready[k % s->q] = k + 1;
    if (!s->writing)
        st = sink_write_ready(s);
    pthread_mutex_unlock(&s->lock);
    return st;
}

uh_status stream_run_sink(stream *s)
{
    run *r = s->r;
    node_rt *head = s->head;
    member *f = s->feed;
    s->band = stream_band_rows(s, f->height, f->row_bytes);
    s->nstrips = (f->height + s->band - 1) / s->band;
    if (stream_items(s, s->nstrips) != UH_OK)
        return UH_ENOMEM;
    s->q = s->slots + 1;
    s->qbuf = calloc(s->q, sizeof(*s->qbuf));
    s->ready = calloc(s->q, sizeof(*s->ready));
    if (!s->qbuf || !s->ready)
        return run_node_fail(head, UH_ENOMEM, "out of memory");
    s->qbuf_bytes = (size_t)s->band * f->row_bytes;
    for (uint32_t i = 0; i < s->q; i++) {
        alloc_error err;
        s->qbuf[i] = alloc_get(r->alloc, &head->img_owner, s->qbuf_bytes, 64,
                               UH_LIFE_NODE, &err);
        if (!s->qbuf[i])
            return run_node_fail(head, err.status,
                                 "cannot allocate the stream's strip buffers "
                                 "(%zu bytes each): %s (%llu in use of %llu)",
                                 s->qbuf_bytes, err.what,
                                 (unsigned long long)err.in_use,
                                 (unsigned long long)err.limit);
    }
    s->sink_ctx.run = r;
    s->sink_ctx.node = head;
    s->sink_ctx.slot = 0;
    uh_status st = pool_run(r->pool, s->nstrips, sink_strip, s, &r->cancel);
    if (s->sink_started && head->type->stop)
        run_call_stop(head, &s->sink_ctx, s->sink_seq);
    s->sink_started = 0;
    head->slots_used |= 1;
    if (st == UH_OK && s->next != s->nstrips)
        st = run_node_fail(head, UH_EINTERNAL, "stream wrote %u of %u strips",
                           s->next, s->nstrips);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Planning                                                                 */

static int is_streamable(const node_rt *p)
{
    return p->strip && p->has_image_out && p->image_consumers == 1 &&
           !p->stream_member && !p->stream;
}

int stream_plan(run *r, diag *d)
{
    const char *off = getenv("UBERHOST_NO_STREAM");
    if (off && *off && strcmp(off, "0") != 0)
        return 0;
    uint32_t *stack = malloc(sizeof(*stack) * (r->n ? r->n : 1));
    uint32_t *mem = malloc(sizeof(*mem) * (r->n ? r->n : 1));
    if (!stack || !mem) {
        free(stack);
        free(mem);
        return diag_set(d, EXIT_INTERNAL, "out of memory");
    }
    uint32_t slots = pool_threads(r->pool) + 1;
    /* Heads in reverse topological order: the most downstream first. */
    for (uint32_t k = r->n; k-- > 0;) {
        node_rt *h = &r->nodes[r->g->order[k]];
        if (!h->strip || h->stream_member)
            continue;
        uint32_t sp = 0, nm = 0;
        stack[sp++] = h->index;
        while (sp) {
            node_rt *x = &r->nodes[stack[--sp]];
            uint32_t ports = x->kind->n_inputs;
            if (x == h && h->sink)
                ports = ports ? 1 : 0; /* a sink streams its port 0 only */
            /* A node that reads its input rows in any order gets them
             * from a stored image. */
            if (x->type->strip_flags & UH_STRIP_RANDOM_ACCESS)
                ports = 0;
            for (uint32_t p = 0; p < ports; p++) {
                int32_t src = x->gn->inputs[p].node;
                if (src < 0)
                    continue;
                node_rt *pr = &r->nodes[src];
                if (!is_streamable(pr) || pr == h)
                    continue;
                pr->stream_member = 1; /* provisional, marks visited */
                mem[nm++] = pr->index;
                stack[sp++] = pr->index;
            }
        }
        if (nm == 0)
            continue;
        stream *s = calloc(1, sizeof(*s));
        member *ms = calloc(nm, sizeof(*ms));
        if (!s || !ms) {
            free(s);
            free(ms);
            free(stack);
            free(mem);
            return diag_set(d, EXIT_INTERNAL, "out of memory");
        }
        s->r = r;
        s->head = h;
        s->members = ms;
        s->n_members = nm;
        s->slots = slots;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        pthread_mutex_init(&s->items_lock, NULL);
        s->cur_item = malloc(sizeof(*s->cur_item) * slots);
        if (!s->cur_item) {
            free(s);
            free(ms);
            free(stack);
            free(mem);
            return diag_set(d, EXIT_INTERNAL, "out of memory");
        }
        for (uint32_t sl = 0; sl < slots; sl++)
            s->cur_item[sl] = NONE;
        h->stream = s;
        for (uint32_t i = 0; i < nm; i++) {
            member *m = &ms[i];
            node_rt *nr = &r->nodes[mem[i]];
            m->nr = nr;
            m->s = s;
            nr->member = m;
            m->sequential = (nr->type->strip_flags & UH_STRIP_SEQUENTIAL) != 0;
            {
                /* Its image consumer: the head or another member. */
                const node_rt *cn = NULL;
                for (uint32_t c = 0; c < nr->n_consumers && !cn; c++) {
                    const node_rt *x = &r->nodes[nr->consumers[c]];
                    for (uint32_t p = 0; p < x->kind->n_inputs; p++)
                        if (x->gn->inputs[p].node == (int32_t)nr->index &&
                            x->gn->inputs[p].port == 0)
                            cn = x;
                }
                m->consumer_in_order =
                    cn && (cn->type->strip_flags & UH_STRIP_SEQUENTIAL) &&
                    !(cn->type->strip_flags & UH_STRIP_RANDOM_ACCESS) &&
                    cn->has_image_out;
            }
            const uh_image *img = &nr->outs[0].images[0];
            m->row_bytes = img->stride;
            m->height = img->info.height;
            m->ctxs = calloc(slots, sizeof(*m->ctxs));
            m->seqs = calloc(slots, sizeof(*m->seqs));
            m->started = calloc(slots, 1);
            m->buf = calloc(slots, sizeof(*m->buf));
            m->buf_bytes = calloc(slots, sizeof(*m->buf_bytes));
            if (!m->ctxs || !m->seqs || !m->started || !m->buf ||
                !m->buf_bytes) {
                free(stack);
                free(mem);
                return diag_set(d, EXIT_INTERNAL, "out of memory");
            }
            for (uint32_t sl = 0; sl < slots; sl++) {
                m->ctxs[sl].run = r;
                m->ctxs[sl].node = nr;
                m->ctxs[sl].slot = sl;
            }
            m->ctx1.run = r;
            m->ctx1.node = nr;
            m->ctx1.slot = 0;
            pthread_mutex_init(&m->lock, NULL);
            nr->phase = PHASE_EXECUTE;
        }
        if (h->sink) {
            int32_t src = h->gn->inputs[0].node;
            s->feed = r->nodes[src].member;
        }
        /* Scheduling: members never run on their own; the head waits for
         * every producer outside the pipeline instead. */
        for (uint32_t i = 0; i < nm; i++) {
            node_rt *nr = &r->nodes[mem[i]];
            /* Links to the head or another member are satisfied inside
             * the pipeline (scalar and blob outputs are set in prepare). */
            for (uint32_t c = 0; c < nr->n_consumers; c++) {
                node_rt *cn = &r->nodes[nr->consumers[c]];
                if (cn == h || (cn->member && cn->member->s == s))
                    cn->pending--;
            }
            for (uint32_t p = 0; p < nr->kind->n_inputs; p++) {
                int32_t src = nr->gn->inputs[p].node;
                if (src < 0 || r->nodes[src].stream_member)
                    continue;
                node_rt *e = &r->nodes[src];
                for (uint32_t c = 0; c < e->n_consumers; c++)
                    if (e->consumers[c] == nr->index) {
                        e->consumers[c] = h->index;
                        h->pending++;
                        break;
                    }
            }
            nr->pending = 0;
        }
    }
    free(stack);
    free(mem);
    return 0;
}

node_rt *stream_head_of(const node_rt *nr)
{
    return nr->member ? nr->member->s->head : NULL;
}

void stream_finish(stream *s)
{
    run *r = s->r;
    for (uint32_t i = 0; i < s->n_members; i++) {
        member *m = &s->members[i];
        node_rt *nr = m->nr;
        for (uint32_t sl = 0; sl < s->slots; sl++) {
            if (m->started[sl] && nr->type->stop)
                run_call_stop(nr, &m->ctxs[sl], m->seqs[sl]);
            m->started[sl] = 0;
            buf_put(r, nr, m->buf[sl], m->buf_bytes[sl]);
            m->buf[sl] = NULL;
            m->buf_bytes[sl] = 0;
        }
        if (m->started1 && nr->type->stop)
            run_call_stop(nr, &m->ctx1, m->seq1);
        m->started1 = 0;
        buf_put(r, nr, m->ring, m->ring_bytes);
        m->ring = NULL;
        m->ring_bytes = 0;
        while (m->retired) {
            retired *old = m->retired;
            m->retired = old->next;
            buf_put(r, nr, old->ring, old->bytes);
            free(old);
        }
        nr->t_ms = s->head->t_ms;
    }
    if (s->qbuf) {
        for (uint32_t i = 0; i < s->q; i++)
            buf_put(r, s->head, s->qbuf[i], s->qbuf_bytes);
        free(s->qbuf);
        s->qbuf = NULL;
    }
    free(s->ready);
    s->ready = NULL;
}

void stream_free_all(run *r)
{
    for (uint32_t i = 0; r->nodes && i < r->n; i++) {
        stream *s = r->nodes[i].stream;
        if (!s)
            continue;
        if (r->alloc)
            stream_finish(s);
        for (uint32_t k = 0; k < s->n_members; k++) {
            member *m = &s->members[k];
            free(m->ctxs);
            free(m->seqs);
            free(m->started);
            free(m->buf);
            free(m->buf_bytes);
            free(m->first);
            pthread_mutex_destroy(&m->lock);
            m->nr->member = NULL;
        }
        free(s->members);
        free(s->cur_item);
        free(s->item_done);
        pthread_mutex_destroy(&s->items_lock);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s);
        r->nodes[i].stream = NULL;
    }
}
