/* mipmap: an image becomes its mip chain, filtered in linear light,
 * premultiplied, in float, each level from the previous float level (or
 * from the base), rounded only at the output. */
#include <string.h>

#include "mipmap_int.h"

#define MAX_LEVELS MIP_MAX_LEVELS

static const uh_param_desc p_min_size = {
    .struct_size = sizeof(uh_param_desc),
    .name = "min_size",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 1,
    .min = 1,
    .max = 1 << 20,
    .doc = "stop before a level whose larger side is below this",
};
static const uh_param_desc p_max_levels = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_levels",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 64,
    .doc = "at most this many levels including level 0; 0 = all",
};
static const uh_param_desc p_from_base = {
    .struct_size = sizeof(uh_param_desc),
    .name = "from_base",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "build every level from the base image instead of the previous",
};
static const uh_param_desc p_alpha_ref = {
    .struct_size = sizeof(uh_param_desc),
    .name = "alpha_ref",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 1,
    .doc = "alpha-test reference: scale each level's alpha so the coverage "
           "of alpha >= alpha_ref stays level 0's; 0 = off",
};
static const uh_param_desc p_normal_map = {
    .struct_size = sizeof(uh_param_desc),
    .name = "normal_map",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "RGB holds vectors in [-1, 1]: filter as data and renormalise "
           "every level",
};

static const uh_param_desc *const params[] = {
    &mip_param_filter, &mip_param_transfer,
    &mip_param_wrap,   &p_min_size,
    &p_max_levels,     &p_from_base,
    &p_alpha_ref,      &p_normal_map,
    &mip_param_sample, NULL};
static const uh_port_desc *const inputs[] = {&mip_port_image_in, NULL};
static const uh_port_desc *const outputs[] = {&mip_port_levels_out, NULL};

/* Everything the node does, derived from its params and input geometry. */
typedef struct plan {
    uh_image_info in;
    uint32_t levels;
    uint32_t w[MAX_LEVELS], h[MAX_LEVELS];
    int filter, op, wrap, transfer, from_base, normal;
    int premult_work;  /* premultiply while decoding the base */
    int premultiplied; /* the working floats are premultiplied */
    float alpha_ref;
    uh_image_info out; /* level 0 info; others differ in size and level */
} plan;

static uh_status make_plan(uh_ctx *ctx, plan *p)
{
    const uh_host *h = mip_host;
    const uh_image_info *in = h->input_info(ctx, 0, 0);
    if (!in)
        return h->fail(ctx, UH_EINVAL, "input 'image' is not connected");
    memset(p, 0, sizeof(*p));
    p->in = *in;
    p->filter = (int)uh_param_int(h, ctx, "filter");
    p->op = p->filter == MIPF_MIN   ? MIPF_OP_MIN
            : p->filter == MIPF_MAX ? MIPF_OP_MAX
                                    : MIPF_OP_WEIGHTED;
    p->wrap = (int)uh_param_int(h, ctx, "wrap");
    p->normal = uh_param_int(h, ctx, "normal_map") != 0;
    p->transfer =
        p->normal ? MIPF_TF_DATA
                  : mip_transfer(uh_param_int(h, ctx, "transfer"), in->space);
    p->from_base = uh_param_int(h, ctx, "from_base") != 0;
    p->alpha_ref = (float)uh_param_num(h, ctx, "alpha_ref");
    int has_alpha = in->channels == 2 || in->channels == 4;
    int in_premult = (in->flags & UH_IMAGE_PREMULTIPLIED) != 0;
    p->premult_work = has_alpha && p->transfer != MIPF_TF_DATA &&
                      p->op == MIPF_OP_WEIGHTED && !in_premult;
    p->premultiplied = p->premult_work || (has_alpha && in_premult);
    if (!has_alpha)
        p->alpha_ref = 0.0f;

    uint32_t min_size = (uint32_t)uh_param_int(h, ctx, "min_size");
    uint32_t max_levels = (uint32_t)uh_param_int(h, ctx, "max_levels");
    uint32_t full = mipf_full_levels(in->width, in->height);
    uint32_t n = 1;
    for (uint32_t k = 1; k < full && k < MAX_LEVELS; k++) {
        uint32_t w = mipf_level_size(in->width, k);
        uint32_t hh = mipf_level_size(in->height, k);
        if ((w > hh ? w : hh) < min_size)
            break;
        n++;
    }
    if (max_levels && n > max_levels)
        n = max_levels;
    p->levels = n;
    for (uint32_t k = 0; k < n; k++) {
        p->w[k] = mipf_level_size(in->width, k);
        p->h[k] = mipf_level_size(in->height, k);
    }
    p->out = *in;
    p->out.sample = mip_sample(uh_param_int(h, ctx, "sample"), in->sample);
    p->out.space = mip_space_of(p->transfer);
    p->out.flags = in->flags & UH_IMAGE_PREMULTIPLIED;
    p->out.level_x = p->out.level_y = 0;
    return UH_OK;
}

static uh_status mm_prepare(uh_ctx *ctx)
{
    mipf_init(); /* the tables, on first use (not at plugin load) */
    plan p;
    uh_status st = make_plan(ctx, &p);
    if (st != UH_OK)
        return st;
    for (uint32_t k = 0; k < p.levels; k++) {
        uh_image_info info = p.out;
        info.width = p.w[k];
        info.height = p.h[k];
        info.level_x = info.level_y = k;
        st = mip_host->set_output(ctx, 0, k, &info);
        if (st != UH_OK)
            return st;
    }
    return UH_OK;
}

/* ------------------------------------------------------------------------ */
/* Band-local cascade for box-like filters                                  */

/* With a 2x2 box (or min/max) and even heights, level k rows
 * [b << (m-k), (b+1) << (m-k)) depend only on base rows [b << m, (b+1) <<
 * m), so the first m levels are computed band by band in cache-sized
 * scratch, never holding level 1 in float. Each row is the same
 * computation as in the level-by-level path, so the bytes are too. */
#define LOCAL_MAX 5 /* a band is 32 base rows */

typedef struct local_job {
    const plan *p;
    const mipf_src *base;
    mipf_taps tx[LOCAL_MAX + 1], ty[LOCAL_MAX + 1];
    uh_image *out[LOCAL_MAX + 1];
    uint32_t m;
    const mipf_enc *enc;
    mip_plane *last; /* level m in float, for the levels after it */
    size_t band_floats, scratch_floats;
    uint32_t bands, per_job; /* bands in all, consecutive bands per job */
} local_job;

static size_t local_sizes(local_job *j)
{
    size_t band = 0, scr = 0;
    mipf_src s = *j->base;
    for (uint32_t k = 1; k <= j->m; k++) {
        mipf_pass ps = {&s, &j->tx[k], &j->ty[k], 0,    0, NULL,
                        0,  0,         NULL,      NULL, 0};
        size_t f = mipf_pass_scratch(&ps);
        if (f > scr)
            scr = f;
        if (k < j->m)
            band += ((size_t)1 << (j->m - k)) * j->p->w[k] * j->p->in.channels;
        s.plane = (const float *)1; /* only the shape matters here */
        s.width = j->p->w[k];
        s.height = j->p->h[k];
    }
    j->band_floats = band;
    j->scratch_floats = scr;
    return band + scr;
}

/* Band b: levels 1..m of base rows [b << m, (b+1) << m), with scratch
 * and band memory from `mem`. */
static void local_band(const local_job *j, uint32_t b, float *mem)
{
    const plan *p = j->p;
    uint32_t ch = p->in.channels;
    float *scratch = mem, *band = mem + j->scratch_floats;
    mipf_src cur = *j->base;
    for (uint32_t k = 1; k <= j->m; k++) {
        uint32_t y0 = b << (j->m - k), n = 1u << (j->m - k);
        size_t stride = (size_t)p->w[k] * ch;
        mipf_pass ps = {&cur,
                        &j->tx[k],
                        &j->ty[k],
                        p->op,
                        p->normal,
                        NULL,
                        stride,
                        0,
                        j->enc,
                        j->out[k]->data,
                        j->out[k]->stride};
        if (k < j->m) {
            ps.dst = band;
            ps.dst_y0 = y0;
        } else if (j->last) {
            ps.dst = j->last->data;
        }
        mipf_run_rows(&ps, y0, y0 + n, scratch);
        if (k < j->m) {
            mipf_src next = {0};
            next.width = p->w[k];
            next.height = p->h[k];
            next.channels = ch;
            next.plane = band;
            next.stride = stride;
            next.plane_y0 = y0;
            cur = next;
            band += n * stride;
        }
    }
}

/* Job i: bands [i * per_job, (i+1) * per_job) in one allocation. The large
 * blocks are fresh mappings, so one per band would page-fault its ~1 MiB
 * in again every 32 base rows. */
static uh_status local_jobs(void *arg, uh_ctx *ctx2, uint32_t i)
{
    local_job *j = arg;
    size_t nf = j->band_floats + j->scratch_floats;
    float *mem = mip_host->alloc(ctx2, nf * sizeof(float), 64, UH_LIFE_TEMP);
    if (!mem)
        return mip_host->last_status(ctx2);
    uint32_t b0 = i * j->per_job;
    uint32_t b1 = b0 + j->per_job < j->bands ? b0 + j->per_job : j->bands;
    for (uint32_t b = b0; b < b1; b++)
        local_band(j, b, mem);
    mip_host->free(ctx2, mem, nf * sizeof(float));
    return UH_OK;
}

/* How many leading levels the band cascade can make (0: none). */
static uint32_t local_levels(const plan *p)
{
    if (p->op == MIPF_OP_WEIGHTED && p->filter != MIPF_BOX)
        return 0;
    if (p->from_base || p->alpha_ref > 0.0f)
        return 0;
    uint32_t m = 0;
    while (m < LOCAL_MAX && m + 1 < p->levels && p->h[m] == 2 * p->h[m + 1])
        m++;
    return m >= 2 ? m : 0;
}

/* Runs the band cascade for levels 1..m; on success *last holds level m
 * in float when more levels follow. */
static uh_status run_local(uh_ctx *ctx, const plan *p, const mipf_src *base,
                           const mipf_enc *enc, uint32_t m, mip_plane *last)
{
    const uh_host *h = mip_host;
    local_job *j = h->alloc(ctx, sizeof(*j), 64, UH_LIFE_TEMP);
    if (!j)
        return h->last_status(ctx);
    memset(j, 0, sizeof(*j));
    j->p = p;
    j->base = base;
    j->m = m;
    j->enc = enc;
    uh_status st = UH_OK;
    uint32_t sw = p->in.width, sh = p->in.height;
    for (uint32_t k = 1; k <= m && st == UH_OK; k++) {
        st = mip_taps_new(ctx, &j->tx[k], p->filter, p->wrap, sw, p->w[k]);
        if (st == UH_OK)
            st = mip_taps_new(ctx, &j->ty[k], p->filter, p->wrap, sh, p->h[k]);
        if (st == UH_OK)
            st = h->output_image(ctx, 0, k, &j->out[k]);
        sw = p->w[k];
        sh = p->h[k];
    }
    if (st == UH_OK && m + 1 < p->levels) {
        st = mip_plane_alloc(ctx, last, p->w[m], p->h[m], p->in.channels);
        j->last = last;
    }
    if (st == UH_OK) {
        local_sizes(j);
        /* A few jobs per thread balance the load; the split does not
         * change the bytes. */
        uint32_t jobs = 4 * h->thread_count(ctx);
        j->bands = p->in.height >> m;
        if (jobs > j->bands)
            jobs = j->bands;
        j->per_job = (j->bands + jobs - 1) / jobs;
        jobs = (j->bands + j->per_job - 1) / j->per_job;
        st = h->parallel_for(ctx, jobs, local_jobs, j);
    }
    for (uint32_t k = 1; k <= m; k++) {
        mip_taps_free(ctx, &j->tx[k]);
        mip_taps_free(ctx, &j->ty[k]);
    }
    h->free(ctx, j, sizeof(*j));
    if (st != UH_OK)
        mip_plane_free(ctx, last);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Ring cascade for windowed filters                                        */

/* Levels 1 and 2 of a windowed (non-box) chain without holding level 1 in
 * float: a job owns a band of level-2 rows and the level-1 rows above
 * them, decodes the base rows it needs into a ring, computes level-1 rows
 * into a second ring (encoding those it owns) and level-2 rows from that
 * ring as soon as their taps are there, as mip.stream_png does. Jobs
 * recompute a few halo rows of their neighbours but write only their own,
 * and every row is the same computation as in the level-by-level path, so
 * the bytes are too. Needs clamp or mirror edges (repeat would need the
 * far rows) and even heights for levels 0 and 1. */
#define RING_LEVELS 2
#define RING_JOBS   8u

typedef struct ring_job {
    const plan *p;
    const mipf_src *base;
    const mipf_enc *enc;
    mipf_taps tx[RING_LEVELS + 1], ty[RING_LEVELS + 1];
    uh_image *out[RING_LEVELS + 1];
    mip_plane *last;     /* level 2 in float, when more levels follow */
    uint32_t jobs, rows; /* level-2 rows per job */
    uint32_t slots[RING_LEVELS];
    size_t ring_floats[RING_LEVELS], scratch_floats;
} ring_job;

typedef struct ring_state {
    ring_job *j;
    float *ring[RING_LEVELS];
    float *scratch;
    uint32_t next[RING_LEVELS + 1], end[RING_LEVELS + 1];
    uint32_t own_lo[RING_LEVELS + 1], own_hi[RING_LEVELS + 1];
} ring_state;

static mipf_src ring_level_src(const ring_state *r, uint32_t k)
{
    const plan *p = r->j->p;
    mipf_src s = {0};
    s.width = p->w[k];
    s.height = p->h[k];
    s.channels = p->in.channels;
    s.plane = r->ring[k];
    s.stride = (size_t)p->w[k] * p->in.channels;
    s.ring = r->j->slots[k];
    return s;
}

static uint32_t taps_max(const mipf_taps *t, uint32_t y)
{
    const uint32_t *idx = t->index + (size_t)y * t->width;
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->count[y]; i++)
        if (idx[i] > m)
            m = idx[i];
    return m;
}

static uint32_t taps_min(const mipf_taps *t, uint32_t y)
{
    const uint32_t *idx = t->index + (size_t)y * t->width;
    uint32_t m = UINT32_MAX;
    for (uint32_t i = 0; i < t->count[y]; i++)
        if (idx[i] < m)
            m = idx[i];
    return m;
}

/* Computes every level-k row whose taps lie in rows <= r of level k-1. */
static void ring_advance(ring_state *r, uint32_t k, uint32_t top)
{
    ring_job *j = r->j;
    const plan *p = j->p;
    uint32_t ch = p->in.channels;
    mipf_src src = ring_level_src(r, k - 1);
    while (r->next[k] < r->end[k]) {
        uint32_t y = r->next[k];
        if (taps_max(&j->ty[k], y) > top)
            break;
        int own = y >= r->own_lo[k] && y < r->own_hi[k];
        mipf_pass ps = {&src, &j->tx[k], &j->ty[k], p->op, p->normal, NULL,
                        0,    y,         NULL,      NULL,  0};
        if (own) {
            ps.enc = j->enc;
            ps.out = j->out[k]->data;
            ps.out_stride = j->out[k]->stride;
        }
        if (k < RING_LEVELS) {
            ps.dst = r->ring[k] + (size_t)(y % j->slots[k]) * p->w[k] * ch;
        } else if (j->last && own) {
            ps.dst = j->last->data + (size_t)y * p->w[k] * ch;
        }
        ps.dst_stride = (size_t)p->w[k] * ch;
        if (own || k < RING_LEVELS)
            mipf_run_rows(&ps, y, y + 1, r->scratch);
        r->next[k]++;
        if (k < RING_LEVELS)
            ring_advance(r, k + 1, y);
    }
}

static uh_status ring_band(void *arg, uh_ctx *ctx2, uint32_t b)
{
    ring_job *j = arg;
    const plan *p = j->p;
    uint32_t ch = p->in.channels;
    size_t nf = j->scratch_floats;
    for (uint32_t k = 0; k < RING_LEVELS; k++)
        nf += j->ring_floats[k];
    float *mem = mip_host->alloc(ctx2, nf * sizeof(float), 64, UH_LIFE_TEMP);
    if (!mem)
        return mip_host->last_status(ctx2);
    ring_state r;
    memset(&r, 0, sizeof(r));
    r.j = j;
    r.scratch = mem;
    float *q = mem + j->scratch_floats;
    for (uint32_t k = 0; k < RING_LEVELS; k++) {
        r.ring[k] = q;
        q += j->ring_floats[k];
    }
    uint32_t m = RING_LEVELS;
    uint32_t y0 = b * j->rows, y1 = y0 + j->rows;
    if (y1 > p->h[m] || b + 1 == j->jobs)
        y1 = p->h[m];
    r.next[m] = y0;
    r.end[m] = y1;
    for (uint32_t k = m; k > 0; k--) {
        r.own_lo[k] = y0 << (m - k);
        r.own_hi[k] = k == m || b + 1 < j->jobs ? y1 << (m - k) : p->h[k];
        uint32_t lo = UINT32_MAX, hi = 0;
        for (uint32_t y = r.next[k]; y < r.end[k]; y++) {
            uint32_t a = taps_min(&j->ty[k], y), c = taps_max(&j->ty[k], y);
            lo = a < lo ? a : lo;
            hi = c + 1 > hi ? c + 1 : hi;
        }
        r.next[k - 1] = lo;
        r.end[k - 1] = hi;
    }
    for (uint32_t y = r.next[0]; y < r.end[0]; y++) {
        mipf_src_row(j->base, y,
                     r.ring[0] + (size_t)(y % j->slots[0]) * p->w[0] * ch);
        ring_advance(&r, 1, y);
    }
    mip_host->free(ctx2, mem, nf * sizeof(float));
    return UH_OK;
}

/* Whether the ring cascade makes levels 1 and 2. */
static int ring_ok(const plan *p)
{
    if (p->op != MIPF_OP_WEIGHTED || p->filter == MIPF_BOX)
        return 0;
    if (p->from_base || p->alpha_ref > 0.0f || p->wrap == MIPF_REPEAT)
        return 0;
    return p->levels > RING_LEVELS && p->h[0] == 2 * p->h[1] &&
           p->h[1] == 2 * p->h[2];
}

static uh_status run_ring(uh_ctx *ctx, const plan *p, const mipf_src *base,
                          const mipf_enc *enc, mip_plane *last)
{
    const uh_host *h = mip_host;
    ring_job *j = h->alloc(ctx, sizeof(*j), 64, UH_LIFE_TEMP);
    if (!j)
        return h->last_status(ctx);
    memset(j, 0, sizeof(*j));
    j->p = p;
    j->base = base;
    j->enc = enc;
    uh_status st = UH_OK;
    uint32_t ch = p->in.channels;
    for (uint32_t k = 1; k <= RING_LEVELS && st == UH_OK; k++) {
        st = mip_taps_new(ctx, &j->tx[k], p->filter, p->wrap, p->w[k - 1],
                          p->w[k]);
        if (st == UH_OK)
            st = mip_taps_new(ctx, &j->ty[k], p->filter, p->wrap, p->h[k - 1],
                              p->h[k]);
        if (st == UH_OK)
            st = h->output_image(ctx, 0, k, &j->out[k]);
    }
    if (st == UH_OK && RING_LEVELS + 1 < p->levels) {
        st = mip_plane_alloc(ctx, last, p->w[RING_LEVELS], p->h[RING_LEVELS],
                             ch);
        j->last = last;
    }
    if (st == UH_OK) {
        size_t scr = 0;
        for (uint32_t k = 0; k < RING_LEVELS; k++) {
            j->slots[k] = j->ty[k + 1].width + 2;
            j->ring_floats[k] = (size_t)j->slots[k] * p->w[k] * ch;
            /* One output row from a plane source: the row, its vertical
             * sum and the result (mipf_pass_scratch()). */
            mipf_src s = {0};
            s.width = p->w[k];
            s.height = p->h[k];
            s.channels = ch;
            s.plane = (const float *)1; /* only the shape matters here */
            mipf_pass ps = {&s, &j->tx[k + 1], &j->ty[k + 1], 0, 0, NULL, 0,
                            0,  NULL,          NULL,          0};
            size_t f = mipf_pass_scratch(&ps);
            scr = f > scr ? f : scr;
        }
        j->scratch_floats = (scr + 15) & ~(size_t)15;
        uint32_t hm = p->h[RING_LEVELS];
        /* Each job recomputes its halo rows and maps its rings afresh, so
         * no more jobs than keep the threads busy (the split does not
         * change the bytes). */
        uint32_t cap = 2 * h->thread_count(ctx);
        cap = cap < RING_JOBS ? cap : RING_JOBS;
        j->jobs = hm / 32 < cap ? hm / 32 : cap;
        if (j->jobs == 0)
            j->jobs = 1;
        j->rows = (hm + j->jobs - 1) / j->jobs;
        j->jobs = (hm + j->rows - 1) / j->rows;
        st = h->parallel_for(ctx, j->jobs, ring_band, j);
    }
    for (uint32_t k = 1; k <= RING_LEVELS; k++) {
        mip_taps_free(ctx, &j->tx[k]);
        mip_taps_free(ctx, &j->ty[k]);
    }
    h->free(ctx, j, sizeof(*j));
    if (st != UH_OK)
        mip_plane_free(ctx, last);
    return st;
}

static uh_status mm_process(uh_ctx *ctx)
{
    const uh_host *h = mip_host;
    plan p;
    uh_status st = make_plan(ctx, &p);
    if (st != UH_OK)
        return st;
    const uh_image *in;
    uh_image *out;
    if ((st = h->input_image(ctx, 0, 0, &in)) != UH_OK)
        return st;
    if ((st = mip_base_level(ctx, in, &p.out, 0, p.transfer)) != UH_OK)
        return st;
    if (p.levels == 1)
        return UH_OK;

    uint32_t ch = p.in.channels;
    mipf_src base = {0};
    base.width = p.in.width;
    base.height = p.in.height;
    base.channels = ch;
    base.bytes = in->data;
    base.byte_stride = in->stride;
    base.sample = p.in.sample;
    base.transfer = p.transfer;
    base.premultiply = p.premult_work;
    base.normal = p.normal;

    double target = 0.0;
    if (p.alpha_ref > 0.0f) {
        size_t nf = (size_t)p.in.width * ch;
        float *scratch = h->alloc(ctx, nf * sizeof(float), 64, UH_LIFE_TEMP);
        if (!scratch)
            return h->last_status(ctx);
        target = mipf_coverage(&base, 1.0f, p.alpha_ref, 0, scratch);
        h->free(ctx, scratch, nf * sizeof(float));
    }

    mipf_enc enc = {0};
    enc.channels = ch;
    enc.sample = p.out.sample;
    enc.transfer = p.transfer;
    enc.premultiplied = p.premultiplied;
    enc.out_premult = (p.in.flags & UH_IMAGE_PREMULTIPLIED) != 0;
    enc.normal = p.normal;

    mip_plane prev = {0}, cur = {0};
    mipf_taps tx = {0}, ty = {0};
    mipf_src src = base;
    uint32_t first = 1;
    uint32_t m = local_levels(&p);
    if (m) {
        enc.alpha_scale = 1.0f;
        if ((st = run_local(ctx, &p, &base, &enc, m, &prev)) != UH_OK)
            return st;
        first = m + 1;
        src = mip_plane_src(&prev);
    } else if (ring_ok(&p)) {
        enc.alpha_scale = 1.0f;
        if ((st = run_ring(ctx, &p, &base, &enc, &prev)) != UH_OK)
            return st;
        first = RING_LEVELS + 1;
        src = mip_plane_src(&prev);
    }
    for (uint32_t k = first; k < p.levels; k++) {
        if (h->is_canceled(ctx)) {
            st = h->fail(ctx, UH_ECANCELED, "canceled at level %u", k);
            break;
        }
        if (p.from_base)
            src = base;
        if ((st = mip_taps_new(ctx, &tx, p.filter, p.wrap, src.width,
                               p.w[k])) != UH_OK)
            break;
        if ((st = mip_taps_new(ctx, &ty, p.filter, p.wrap, src.height,
                               p.h[k])) != UH_OK)
            break;
        /* The float level is kept when the next level reads it or the
         * coverage scale needs the whole level; otherwise each row is
         * encoded as soon as it is computed. */
        int last = k + 1 == p.levels;
        int keep = p.alpha_ref > 0.0f || (!p.from_base && !last);
        if ((st = h->output_image(ctx, 0, k, &out)) != UH_OK)
            break;
        enc.alpha_scale = 1.0f;
        if (keep &&
            (st = mip_plane_alloc(ctx, &cur, p.w[k], p.h[k], ch)) != UH_OK)
            break;
        mipf_pass pass = {
            &src, &tx,  &ty,  p.op, p.normal, cur.data, (size_t)p.w[k] * ch,
            0,    NULL, NULL, 0};
        if (p.alpha_ref <= 0.0f) {
            pass.enc = &enc;
            pass.out = out->data;
            pass.out_stride = out->stride;
        }
        st = mip_run(ctx, &pass);
        mip_taps_free(ctx, &tx);
        mip_taps_free(ctx, &ty);
        if (st != UH_OK)
            break;
        mip_plane_free(ctx, &prev);
        if (p.alpha_ref > 0.0f) {
            mipf_src level = mip_plane_src(&cur);
            enc.alpha_scale = mipf_coverage_scale(
                &level, p.alpha_ref, mip_quant(p.out.sample), target, NULL);
            if ((st = mip_encode(ctx, &level, &enc, out)) != UH_OK)
                break;
        }
        if (p.from_base) {
            mip_plane_free(ctx, &cur);
        } else {
            prev = cur;
            memset(&cur, 0, sizeof(cur));
            src = mip_plane_src(&prev);
        }
        if (h->progress(ctx, (double)k / (p.levels - 1))) {
            st = h->fail(ctx, UH_ECANCELED, "canceled after level %u", k);
            break;
        }
    }
    mip_taps_free(ctx, &tx);
    mip_taps_free(ctx, &ty);
    mip_plane_free(ctx, &cur);
    mip_plane_free(ctx, &prev);
    return st;
}

const uh_node_type mip_type_mipmap = {
    .struct_size = sizeof(uh_node_type),
    .id = "mipmap",
    .summary = "image -> mip chain, gamma-correct, premultiplied, float "
               "cascade",
    .inputs = inputs,
    .outputs = outputs,
    .params = params,
    .prepare = mm_prepare,
    .process = mm_process,
};
