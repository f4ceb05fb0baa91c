/* The separable filter engine: a horizontal pass per input row, then each
 * filtered row is added into the output rows of the band that use it (the
 * vertical pass, done as a scatter). Used by resize, thumbnail, blur and
 * sharpen.
 *
 * A band of output rows reads its input rows once, in increasing order (in
 * one request unless that would be huge, see OPS_ONE_REQUEST_BYTES), and
 * keeps only one filtered input row and the band's float accumulators. Each
 * output row sums its taps in the same order (tap 0 first) whatever the band or
 * thread, so the bytes never depend on the thread count or the band height. */
#include <string.h>

#include "ops.h"

/* A band asks for all the input rows it needs in one input_rows() call
 * when they take at most OPS_ONE_REQUEST_BYTES: a sequential source (a
 * decoder behind the host's ring of recent rows, sized by the widest
 * request) then sees each band as one forward read, and the rows it shares
 * with the band above are still in the ring. Larger spans (extreme height
 * reductions) are read in requests of OPS_CHUNK_BYTES so no single request
 * needs the whole input; behind a sequential source that is only safe while
 * other workers' bands do not run ahead (see docs/nodes/ops.md). */
#ifndef OPS_ONE_REQUEST_BYTES /* -D overrides, to test the chunked path */
#define OPS_ONE_REQUEST_BYTES ((size_t)64 << 20)
#endif
#ifndef OPS_CHUNK_BYTES
#define OPS_CHUNK_BYTES ((size_t)4 << 20)
#endif

struct sep_seq {
    float *inrow; /* one input row as floats, one plane per channel */
    float *hrow;  /* one horizontally filtered row */
    float *acc;   /* acc_rows output rows being summed */
    size_t acc_rows;
    size_t row_floats; /* out.width * channels */
    size_t bytes;      /* the block holding this struct, inrow and hrow */
};

/* ------------------------------------------------------------------------ */
/* Plan                                                                     */

static int add_size(size_t *acc, size_t a, size_t b)
{
    size_t n;
    if (!uh_mul_size(&n, a, b))
        return 0;
    n = (n + 63u) & ~(size_t)63u;
    if (*acc > SIZE_MAX - n)
        return 0;
    *acc += n;
    return 1;
}

uh_status sep_plan_init(uh_ctx *ctx, sep_plan *p, int kind, double sigma,
                        uint32_t full_w, uint32_t full_h, uint32_t x0,
                        uint32_t y0)
{
    uint32_t ow = p->out.width, oh = p->out.height;
    uint32_t xtaps = kind >= 0 ? kern_resample_taps(kind, p->in.width, full_w)
                               : kern_gauss_taps(sigma, p->in.width);
    uint32_t ytaps = kind >= 0 ? kern_resample_taps(kind, p->in.height, full_h)
                               : kern_gauss_taps(sigma, p->in.height);
    uint32_t xtp = xtaps <= 4 ? 4u : (xtaps + 7u) & ~7u;
    uint32_t lut_n = p->in.sample == UH_SAMPLE_U8    ? 256u
                     : p->in.sample == UH_SAMPLE_U16 ? 65536u
                                                     : 0u;
    size_t bytes = 0;
    uint8_t *m;
    if (!add_size(&bytes, ow, sizeof(uint32_t)) ||
        !add_size(&bytes, (size_t)ow * xtaps, sizeof(float)) ||
        !add_size(&bytes, oh, sizeof(uint32_t)) ||
        !add_size(&bytes, (size_t)oh * ytaps, sizeof(float)) ||
        !add_size(&bytes, 2u * lut_n, sizeof(float)) ||
        !add_size(&bytes, (size_t)ow * xtp, sizeof(float)))
        return ops_host->fail(ctx, UH_ELIMIT, "filter tables too large");
    m = ops_alloc(ctx, bytes);
    if (!m)
        return ops_host->last_status(ctx);
    p->mem = m;
    p->mem_bytes = bytes;
    p->xt.start = (uint32_t *)(void *)m;
    m += ((size_t)ow * sizeof(uint32_t) + 63u) & ~(size_t)63u;
    p->xt.weights = (float *)(void *)m;
    m += ((size_t)ow * xtaps * sizeof(float) + 63u) & ~(size_t)63u;
    p->yt.start = (uint32_t *)(void *)m;
    m += ((size_t)oh * sizeof(uint32_t) + 63u) & ~(size_t)63u;
    p->yt.weights = (float *)(void *)m;
    m += ((size_t)oh * ytaps * sizeof(float) + 63u) & ~(size_t)63u;
    p->lut = lut_n ? (float *)(void *)m : NULL;
    p->lut_alpha = lut_n ? p->lut + lut_n : NULL;
    m += ((size_t)2u * lut_n * sizeof(float) + 63u) & ~(size_t)63u;
    p->xw = (float *)(void *)m;
    p->xtp = xtp;
    p->plane = (size_t)p->in.width + xtp;
    if (kind >= 0) {
        kern_resample(&p->xt, kind, p->in.width, full_w, x0, ow);
        kern_resample(&p->yt, kind, p->in.height, full_h, y0, oh);
    } else {
        kern_gauss(&p->xt, sigma, p->in.width);
        kern_gauss(&p->yt, sigma, p->in.height);
    }
    /* The padded copy the vector loop reads: taps past xt.taps weigh 0
     * and read the zero padding after each channel plane. */
    for (uint32_t x = 0; x < ow; x++)
        for (uint32_t k = 0; k < xtp; k++)
            p->xw[(size_t)x * xtp + k] =
                k < p->xt.taps ? p->xt.weights[(size_t)x * p->xt.taps + k]
                               : 0.0f;
    for (uint32_t i = 0; i < lut_n; i++) {
        float v = (float)i / (float)(lut_n - 1);
        p->lut_alpha[i] = v;
        p->lut[i] = p->linear ? (float)kern_srgb_to_linear(v) : v;
    }
    return UH_OK;
}

void sep_plan_free(uh_ctx *ctx, sep_plan *p)
{
    ops_free(ctx, p->mem, p->mem_bytes);
    p->mem = NULL;
}

/* ------------------------------------------------------------------------ */
/* Per-thread state                                                         */

uh_status sep_start(uh_ctx *ctx, const sep_plan *p, sep_seq **out)
{
    uint32_t ch = p->in.channels;
    size_t row_floats = (size_t)p->out.width * ch;
    size_t bytes = 0;
    uint8_t *m;
    sep_seq *s;
    if (!add_size(&bytes, 1, sizeof(sep_seq)) ||
        !add_size(&bytes, p->plane * ch, sizeof(float)) ||
        !add_size(&bytes, row_floats, sizeof(float)))
        return ops_host->fail(ctx, UH_ELIMIT, "row buffers too large");
    m = ops_host->alloc(ctx, bytes, 64, UH_LIFE_NODE);
    if (!m)
        return ops_host->last_status(ctx);
    s = (sep_seq *)(void *)m;
    m += (sizeof(sep_seq) + 63u) & ~(size_t)63u;
    s->inrow = (float *)(void *)m;
    m += (p->plane * ch * sizeof(float) + 63u) & ~(size_t)63u;
    s->hrow = (float *)(void *)m;
    s->acc = NULL;
    s->acc_rows = 0;
    s->row_floats = row_floats;
    s->bytes = bytes;
    /* The padding after each plane stays zero. */
    memset(s->inrow, 0, p->plane * ch * sizeof(float));
    *out = s;
    return UH_OK;
}

void sep_stop(uh_ctx *ctx, sep_seq *s)
{
    if (!s)
        return;
    ops_free(ctx, s->acc, s->acc_rows * s->row_floats * sizeof(float));
    ops_host->free(ctx, s, s->bytes);
}

/* ------------------------------------------------------------------------ */
/* The two passes                                                           */

/* Four floats, for the inner loops (GCC and Clang vector extension). */
typedef float v4f __attribute__((vector_size(16)));

static inline v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void store4(float *p, v4f v)
{
    memcpy(p, &v, sizeof(v));
}

/* One stored input row to floats, one plane per channel (plane c at
 * dst + c * p->plane): through the lookup tables for integer samples (which
 * apply the sRGB curve when linear), premultiplied when the plan says so. */
static void load_row(const sep_plan *p, const uint8_t *src, float *dst)
{
    uint32_t ch = p->in.channels, w = p->in.width;
    int a = ops_alpha_index(ch);
    for (uint32_t c = 0; c < ch; c++) {
        float *d = dst + c * p->plane;
        if (p->in.sample == UH_SAMPLE_U8) {
            const float *lut = (int)c == a ? p->lut_alpha : p->lut;
            const uint8_t *s = src + c;
            for (uint32_t x = 0; x < w; x++)
                d[x] = lut[s[(size_t)x * ch]];
        } else if (p->in.sample == UH_SAMPLE_U16) {
            const float *lut = (int)c == a ? p->lut_alpha : p->lut;
            const uint16_t *s = (const uint16_t *)(const void *)src + c;
            for (uint32_t x = 0; x < w; x++)
                d[x] = lut[s[(size_t)x * ch]];
        } else {
            const float *s = (const float *)(const void *)src + c;
            for (uint32_t x = 0; x < w; x++)
                d[x] = s[(size_t)x * ch];
            if (p->linear && (int)c != a)
                for (uint32_t x = 0; x < w; x++)
                    d[x] = ops_srgb_to_linear(d[x]);
        }
    }
    if (p->premul) {
        const float *al = dst + (size_t)a * p->plane;
        for (uint32_t c = 0; c < ch; c++) {
            float *d = dst + c * p->plane;
            if ((int)c == a)
                continue;
            for (uint32_t x = 0; x < w; x++)
                d[x] *= al[x];
        }
    }
}

/* Horizontal pass: dst[x * ch + c] = sum_k w[x][k] * plane_c[start[x] + k],
 * over the zero-padded taps, four lanes at a time (two accumulators when
 * the taps are a multiple of 8). The summation order is fixed, so results
 * do not depend on the thread. */
static void hpass(const sep_plan *p, const float *restrict src,
                  float *restrict dst)
{
    uint32_t ch = p->in.channels, n = p->out.width, tp = p->xtp;
    const uint32_t *start = p->xt.start;
    for (uint32_t c = 0; c < ch; c++) {
        const float *pl = src + c * p->plane;
        const float *w = p->xw;
        if (tp == 4) {
            for (uint32_t x = 0; x < n; x++, w += 4) {
                v4f acc = load4(w) * load4(pl + start[x]);
                dst[(size_t)x * ch + c] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
            }
            continue;
        }
        for (uint32_t x = 0; x < n; x++, w += tp) {
            const float *s = pl + start[x];
            v4f a0 = {0.0f, 0.0f, 0.0f, 0.0f}, a1 = a0;
            for (uint32_t k = 0; k < tp; k += 8) {
                a0 += load4(w + k) * load4(s + k);
                a1 += load4(w + k + 4) * load4(s + k + 4);
            }
            a0 += a1;
            dst[(size_t)x * ch + c] = (a0[0] + a0[1]) + (a0[2] + a0[3]);
        }
    }
}

/* Vertical pass: out = sum_k w[k] * row[k], element by element. */
static void vpass_first(float *restrict out, const float *restrict row, float w,
                        size_t n)
{
    v4f wv = {w, w, w, w};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        store4(out + i, wv * load4(row + i));
    for (; i < n; i++)
        out[i] = w * row[i];
}

static void vpass_add(float *restrict out, const float *restrict row, float w,
                      size_t n)
{
    v4f wv = {w, w, w, w};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        store4(out + i, load4(out + i) + wv * load4(row + i));
    for (; i < n; i++)
        out[i] += w * row[i];
}

/* Undoes load_row's premultiplication and curve on one output row. */
static void finish_row(const sep_plan *p, float *row)
{
    uint32_t ch = p->out.channels, w = p->out.width;
    int a = ops_alpha_index(ch);
    if (p->premul)
        ops_unpremultiply(row, w, ch);
    if (p->linear)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < ch; c++)
                if ((int)c != a) {
                    float v = row[(size_t)x * ch + c];
                    row[(size_t)x * ch + c] =
                        ops_linear_to_srgb(v > 0.0f ? v : 0.0f);
                }
}

uh_status sep_rows(uh_ctx *ctx, const sep_plan *p, sep_seq *s, uint32_t port,
                   uint32_t y, uint32_t n,
                   uh_status (*emit)(void *arg, uint32_t oy, float *row),
                   void *arg)
{
    const kern_table *yt = &p->yt;
    uint32_t taps = yt->taps, end = y + n;
    uint32_t lo, hi, chunk, first, last;
    size_t in_row = (size_t)p->in.width * uh_pixel_size(&p->in);
    size_t rf = s->row_floats;
    uh_rows v = {0};
    uh_status st;
    if (n == 0)
        return UH_OK;
    if (s->acc_rows < n) {
        ops_free(ctx, s->acc, s->acc_rows * rf * sizeof(float));
        s->acc_rows = 0;
        s->acc = ops_alloc(ctx, (size_t)n * rf * sizeof(float));
        if (!s->acc)
            return ops_host->last_status(ctx);
        s->acc_rows = n;
    }
    lo = yt->start[y];
    hi = yt->start[end - 1] + taps;
    chunk = hi - lo;
    if (p->stream_bytes && in_row) {
        /* Bands come in order from one thread: read in small requests of
         * at least `taps` rows, so the rows shared with the band above are
         * among the last ones read. */
        chunk = (uint32_t)(p->stream_bytes / in_row);
        if (chunk < taps)
            chunk = taps;
    } else if (in_row && (size_t)chunk > OPS_ONE_REQUEST_BYTES / in_row) {
        chunk = (uint32_t)(OPS_CHUNK_BYTES / in_row);
    }
    if (chunk < 1)
        chunk = 1;
    /* Output rows [first, last] are the ones input row r feeds: start[oy]
     * <= r < start[oy] + taps. Both bounds only move forward. */
    first = y;
    last = y;
    for (uint32_t r = lo; r < hi; r++) {
        if (r >= v.y + v.n || !v.data) {
            /* The first request also covers the rows shared with the band
             * above (at most `taps`), so a sequential source's ring, sized
             * by the widest request, still holds them. */
            uint32_t want = r == lo && !p->stream_bytes ? chunk + taps : chunk;
            uint32_t k = hi - r < want ? hi - r : want;
            st = ops_host->input_rows(ctx, port, r, k, &v);
            if (st != UH_OK)
                return st;
        }
        load_row(p, v.data + (size_t)(r - v.y) * v.stride, s->inrow);
        hpass(p, s->inrow, s->hrow);
        while (last + 1 < end && yt->start[last + 1] <= r)
            last++;
        for (uint32_t oy = first; oy <= last; oy++) {
            uint32_t k = r - yt->start[oy];
            float *acc = s->acc + (size_t)(oy - y) * rf;
            float w = yt->weights[(size_t)oy * taps + k];
            if (k == 0)
                vpass_first(acc, s->hrow, w, rf);
            else
                vpass_add(acc, s->hrow, w, rf);
        }
        /* Rows whose last tap this was are complete, in order. */
        while (first < end && yt->start[first] + taps - 1 == r) {
            float *acc = s->acc + (size_t)(first - y) * rf;
            finish_row(p, acc);
            st = emit(arg, first, acc);
            if (st != UH_OK)
                return st;
            first++;
        }
    }
    return UH_OK;
}

uh_status sep_emit_store(void *arg, uint32_t oy, float *row)
{
    sep_store *st = arg;
    ops_row_from_float(&st->plan->out, row,
                       st->out->data +
                           (size_t)(oy - st->out->y) * st->out->stride,
                       st->plan->out.width);
    return UH_OK;
}

/* ------------------------------------------------------------------------ */
/* Strip callbacks shared by resize, thumbnail and blur                     */

uh_status sep_node_start(uh_ctx *ctx, void **seq)
{
    const sep_plan *p = ops_host->get_user(ctx);
    sep_seq *s = NULL;
    uh_status st = sep_start(ctx, p, &s);
    if (st == UH_OK)
        *seq = s;
    return st;
}

uh_status sep_node_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const sep_plan *p = ops_host->get_user(ctx);
    sep_store store = {.plan = p, .out = out};
    if (p->identity) {
        size_t row = (size_t)p->out.width * uh_pixel_size(&p->out);
        uh_rows v;
        uh_status st = ops_host->input_rows(ctx, 0, out->y, out->n, &v);
        if (st != UH_OK)
            return st;
        for (uint32_t r = 0; r < out->n; r++)
            memcpy(out->data + (size_t)r * out->stride,
                   v.data + (size_t)r * v.stride, row);
        return UH_OK;
    }
    return sep_rows(ctx, p, seq, 0, out->y, out->n, sep_emit_store, &store);
}

void sep_node_stop(uh_ctx *ctx, void *seq)
{
    sep_stop(ctx, seq);
}

void sep_node_cleanup(uh_ctx *ctx)
{
    sep_plan *p = ops_host->get_user(ctx);
    if (!p)
        return;
    sep_plan_free(ctx, p);
    ops_host->free(ctx, p, sizeof(*p));
    ops_host->set_user(ctx, NULL);
}
