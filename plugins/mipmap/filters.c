/* Mipmap maths: transfer curves, tap tables, row reduction and encoding. */
#include "filters.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Transfer curves                                                          */

static float srgb8_lin[256]; /* sRGB code -> linear */
static float unorm8[256];    /* code / 255 */
static float srgb16_lin[65536];
static float srgb8_thr[256];       /* linear value of code midpoint c + 0.5 */
static uint8_t srgb8_start[65537]; /* code of linear value i / 65536 */
/* The same for i / 4096: 4 KiB stays in L1, and a bucket still spans less
 * than one code (the closest thresholds are 1 / (255 * 12.92) apart). */
static uint8_t srgb8_start12[4097];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static double srgb_to_linear_d(double v)
{
    if (v <= 0.04045)
        return v / 12.92;
    return pow((v + 0.055) / 1.055, 2.4);
}

static double linear_to_srgb_d(double v)
{
    if (v <= 0.0031308)
        return v * 12.92;
    return 1.055 * pow(v, 1.0 / 2.4) - 0.055;
}

float mipf_srgb_to_linear(float v)
{
    if (!(v > 0.0f))
        return 0.0f;
    if (v >= 1.0f)
        return 1.0f;
    return (float)srgb_to_linear_d(v);
}

float mipf_linear_to_srgb(float v)
{
    if (!(v > 0.0f))
        return 0.0f;
    if (v >= 1.0f)
        return 1.0f;
    return (float)linear_to_srgb_d(v);
}

static void build_tables(void)
{
    for (int i = 0; i < 256; i++) {
        srgb8_lin[i] = (float)srgb_to_linear_d(i / 255.0);
        unorm8[i] = (float)(i / 255.0);
    }
    for (int i = 0; i < 65536; i++)
        srgb16_lin[i] = (float)srgb_to_linear_d(i / 65535.0);
    for (int c = 0; c < 255; c++)
        srgb8_thr[c] = (float)srgb_to_linear_d((c + 0.5) / 255.0);
    srgb8_thr[255] = 2.0f; /* never reached */
    /* Thresholds rise with i, so the code found for one bucket is where
     * the search for the next starts. */
    int code = 0;
    for (int i = 0; i <= 65536; i++) {
        float v = (float)(i / 65536.0);
        while (code < 255 && v >= srgb8_thr[code])
            code++;
        srgb8_start[i] = (uint8_t)code;
    }
    code = 0;
    for (int i = 0; i <= 4096; i++) {
        float v = (float)(i / 4096.0);
        while (code < 255 && v >= srgb8_thr[code])
            code++;
        srgb8_start12[i] = (uint8_t)code;
    }
}

/* Once per process, whichever thread (and run) asks first. */
void mipf_init(void)
{
    pthread_once(&tables_once, build_tables);
}

uint8_t mipf_encode_srgb8(float v)
{
    if (!(v > 0.0f))
        return 0;
    if (v >= 1.0f)
        return 255;
    /* A bucket of 1/65536 spans at most 0.05 codes, so at most one
     * threshold lies above its start. */
    int code = srgb8_start[(int)(v * 65536.0f)];
    return (uint8_t)(code + (code < 255 && v >= srgb8_thr[code]));
}

/* ------------------------------------------------------------------------ */
/* Kernels, as functions of the distance in output pixels                   */

static double sinc(double x)
{
    if (fabs(x) < 1e-9)
        return 1.0;
    x *= 3.14159265358979323846;
    return sin(x) / x;
}

static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0, q = x * x / 4.0;
    for (int k = 1; k < 40; k++) {
        term *= q / ((double)k * k);
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum;
}

#define KAISER_ALPHA 4.0

/* Support radius in output pixels. */
static double kernel_radius(int filter)
{
    switch (filter) {
    case MIPF_TRIANGLE:
        return 1.0;
    case MIPF_KAISER:
    case MIPF_LANCZOS3:
        return 3.0;
    case MIPF_MITCHELL:
        return 2.0;
    default:
        return 0.5;
    }
}

static double kernel(int filter, double x)
{
    double ax = fabs(x);
    switch (filter) {
    case MIPF_TRIANGLE:
        return ax < 1.0 ? 1.0 - ax : 0.0;
    case MIPF_KAISER: {
        if (ax >= 3.0)
            return 0.0;
        double r = ax / 3.0;
        return sinc(x) * bessel_i0(KAISER_ALPHA * sqrt(1.0 - r * r)) /
               bessel_i0(KAISER_ALPHA);
    }
    case MIPF_LANCZOS3:
        return ax < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    case MIPF_MITCHELL: {
        const double b = 1.0 / 3.0, c = 1.0 / 3.0;
        if (ax < 1.0)
            return ((12 - 9 * b - 6 * c) * ax * ax * ax +
                    (-18 + 12 * b + 6 * c) * ax * ax + (6 - 2 * b)) /
                   6.0;
        if (ax < 2.0)
            return ((-b - 6 * c) * ax * ax * ax + (6 * b + 30 * c) * ax * ax +
                    (-12 * b - 48 * c) * ax + (8 * b + 24 * c)) /
                   6.0;
        return 0.0;
    }
    default:
        return ax <= 0.5 ? 1.0 : 0.0;
    }
}

static int is_box_like(int filter)
{
    return filter == MIPF_BOX || filter == MIPF_MIN || filter == MIPF_MAX;
}

/* ------------------------------------------------------------------------ */
/* Tap tables                                                               */

static uint32_t taps_width(int filter, uint32_t n_src, uint32_t n_dst)
{
    if (n_dst == n_src)
        return 1;
    double s = (double)n_src / n_dst;
    if (is_box_like(filter))
        return (uint32_t)ceil(s) + 1;
    return (uint32_t)ceil(2.0 * kernel_radius(filter) * s) + 2;
}

size_t mipf_taps_bytes(int filter, uint32_t n_src, uint32_t n_dst)
{
    if (n_dst == 0 || n_dst > n_src)
        return 16;
    size_t w = taps_width(filter, n_src, n_dst);
    size_t slots = w * n_dst;
    size_t bytes = n_dst * sizeof(uint32_t);
    bytes = (bytes + 15) & ~(size_t)15;
    bytes += slots * sizeof(uint32_t);
    bytes = (bytes + 15) & ~(size_t)15;
    bytes += slots * sizeof(float);
    return bytes + 16;
}

static uint32_t wrap_index(int64_t i, uint32_t n, int wrap)
{
    int64_t nn = n;
    if (i >= 0 && i < nn)
        return (uint32_t)i;
    switch (wrap) {
    case MIPF_REPEAT: {
        int64_t m = i % nn;
        return (uint32_t)(m < 0 ? m + nn : m);
    }
    case MIPF_MIRROR: {
        int64_t p = 2 * nn, m = i % p;
        if (m < 0)
            m += p;
        return (uint32_t)(m >= nn ? p - 1 - m : m);
    }
    default:
        return i < 0 ? 0 : (uint32_t)(nn - 1);
    }
}

#define KMEMO_HALF 32

/* Whether output j of t reads count c from 2 * j + off on with weights w,
 * exactly. */
static int taps_match(const mipf_taps *t, uint32_t j, uint32_t c, int64_t off,
                      const float *w)
{
    if (t->count[j] != c)
        return 0;
    const uint32_t *idx = t->index + (size_t)j * t->width;
    const float *wt = t->weight + (size_t)j * t->width;
    for (uint32_t k = 0; k < c; k++)
        if ((int64_t)idx[k] != 2 * (int64_t)j + off + k ||
            memcmp(&wt[k], &w[k], sizeof(float)) != 0)
            return 0;
    return 1;
}

/* Finds the run of outputs around the middle whose taps are the middle
 * one's shifted by 2 per output (for a 2:1 kernel, all but the edges). */
static void find_uniform(mipf_taps *t)
{
    uint32_t mid = t->n_dst / 2;
    uint32_t c = t->count[mid];
    if (c == 0 || c > MIPF_UNIFORM_MAX)
        return;
    const uint32_t *idx = t->index + (size_t)mid * t->width;
    const float *wt = t->weight + (size_t)mid * t->width;
    int64_t off = (int64_t)idx[0] - 2 * (int64_t)mid;
    float w[MIPF_UNIFORM_MAX];
    memcpy(w, wt, c * sizeof(float));
    if (!taps_match(t, mid, c, off, w))
        return;
    uint32_t lo = mid, hi = mid + 1;
    while (lo > 0 && taps_match(t, lo - 1, c, off, w))
        lo--;
    while (hi < t->n_dst && taps_match(t, hi, c, off, w))
        hi++;
    t->u_lo = lo;
    t->u_hi = hi;
    t->u_count = c;
    t->u_off = (int32_t)off;
    memcpy(t->u_weight, w, c * sizeof(float));
}

int mipf_taps_build(mipf_taps *t, void *mem, int filter, int wrap,
                    uint32_t n_src, uint32_t n_dst)
{
    if (n_dst == 0 || n_dst > n_src)
        return -1;
    uint32_t width = taps_width(filter, n_src, n_dst);
    size_t slots = (size_t)width * n_dst;
    uint8_t *p = mem;
    size_t off = n_dst * sizeof(uint32_t);
    t->count = (uint32_t *)p;
    off = (off + 15) & ~(size_t)15;
    t->index = (uint32_t *)(p + off);
    off += slots * sizeof(uint32_t);
    off = (off + 15) & ~(size_t)15;
    t->weight = (float *)(p + off);
    t->n_src = n_src;
    t->n_dst = n_dst;
    t->width = width;
    t->mem = mem;
    t->mem_bytes = mipf_taps_bytes(filter, n_src, n_dst);
    t->u_lo = t->u_hi = t->u_count = 0;
    t->u_off = 0;
    if (n_dst == n_src) {
        t->kind = MIPF_TAPS_IDENTITY;
        for (uint32_t j = 0; j < n_dst; j++) {
            t->count[j] = 1;
            t->index[j] = j;
            t->weight[j] = 1.0f;
        }
        return 0;
    }
    t->kind = is_box_like(filter) && n_src == 2 * n_dst ? MIPF_TAPS_BOX2
                                                        : MIPF_TAPS_GENERAL;
    double s = (double)n_src / n_dst;
    double memo_v[2 * KMEMO_HALF];
    uint8_t memo_ok[2 * KMEMO_HALF] = {0};
    int memo = n_src == 2 * n_dst;
    for (uint32_t j = 0; j < n_dst; j++) {
        uint32_t *idx = t->index + (size_t)j * width;
        float *wt = t->weight + (size_t)j * width;
        uint32_t n = 0;
        double sum = 0.0;
        if (is_box_like(filter)) {
            double lo = (double)j * n_src / n_dst;
            double hi = (double)(j + 1) * n_src / n_dst;
            int64_t i0 = (int64_t)floor(lo), i1 = (int64_t)ceil(hi);
            for (int64_t i = i0; i < i1 && n < width; i++) {
                double a = fmax((double)i, lo), b = fmin((double)i + 1, hi);
                double v = (b - a) / s;
                if (v <= 1e-12)
                    continue;
                idx[n] = wrap_index(i, n_src, wrap);
                wt[n] = (float)v;
                sum += v;
                n++;
            }
        } else {
            double r = kernel_radius(filter) * s;
            double c = ((double)j + 0.5) * s;
            int64_t i0 = (int64_t)ceil(c - r - 0.5);
            int64_t i1 = (int64_t)floor(c + r - 0.5);
            for (int64_t i = i0; i <= i1 && n < width; i++) {
                /* At 2:1 the argument is (i - 2j - 0.5) / 2 exactly, so
                 * the value depends on i - 2j only: computed once. */
                int64_t dk = i - 2 * (int64_t)j + KMEMO_HALF;
                double v;
                if (memo && dk >= 0 && dk < 2 * KMEMO_HALF) {
                    if (!memo_ok[dk]) {
                        memo_v[dk] = kernel(filter, ((double)i + 0.5 - c) / s);
                        memo_ok[dk] = 1;
                    }
                    v = memo_v[dk];
                } else {
                    v = kernel(filter, ((double)i + 0.5 - c) / s);
                }
                if (v == 0.0)
                    continue;
                idx[n] = wrap_index(i, n_src, wrap);
                wt[n] = (float)v;
                sum += v;
                n++;
            }
        }
        if (n == 0 || sum == 0.0) {
            /* Cannot happen for valid sizes; fall back to nearest. */
            n = 1;
            idx[0] = wrap_index((int64_t)(((double)j + 0.5) * s), n_src, wrap);
            wt[0] = 1.0f;
            sum = 1.0;
        }
        for (uint32_t k = 0; k < n; k++)
            wt[k] = (float)(wt[k] / sum);
        t->count[j] = n;
    }
    if (t->kind == MIPF_TAPS_GENERAL && n_src == 2 * n_dst)
        find_uniform(t);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Decoding rows                                                            */

const float *mipf_src_row(const mipf_src *src, uint32_t y, float *out)
{
    if (src->plane && src->ring)
        return src->plane + (size_t)(y % src->ring) * src->stride;
    if (src->plane)
        return src->plane + (size_t)(y - src->plane_y0) * src->stride;
    uint32_t ch = src->channels, w = src->width;
    int has_alpha = ch == 2 || ch == 4;
    uint32_t nc = has_alpha ? ch - 1 : ch; /* colour channels */
    int srgb = src->transfer == MIPF_TF_SRGB;
    const uint8_t *row = src->bytes + (size_t)y * src->byte_stride;
    if (src->sample == 1) {
        const float *lut = srgb ? srgb8_lin : unorm8;
        if (ch == 4 && src->premultiply) {
            for (uint32_t x = 0; x < w; x++) {
                const uint8_t *p = row + 4 * x;
                float a = unorm8[p[3]];
                out[4 * x] = lut[p[0]] * a;
                out[4 * x + 1] = lut[p[1]] * a;
                out[4 * x + 2] = lut[p[2]] * a;
                out[4 * x + 3] = a;
            }
        } else {
            for (uint32_t x = 0; x < w; x++) {
                const uint8_t *p = row + (size_t)ch * x;
                float *o = out + (size_t)ch * x;
                float a = has_alpha ? unorm8[p[ch - 1]] : 1.0f;
                float m = src->premultiply && has_alpha ? a : 1.0f;
                for (uint32_t c = 0; c < nc; c++)
                    o[c] = lut[p[c]] * m;
                if (has_alpha)
                    o[ch - 1] = a;
            }
        }
    } else if (src->sample == 2) {
        const uint16_t *r16 = (const uint16_t *)(const void *)row;
        for (uint32_t x = 0; x < w; x++) {
            const uint16_t *p = r16 + (size_t)ch * x;
            float *o = out + (size_t)ch * x;
            float a = has_alpha ? p[ch - 1] / 65535.0f : 1.0f;
            float m = src->premultiply && has_alpha ? a : 1.0f;
            for (uint32_t c = 0; c < nc; c++)
                o[c] = (srgb ? srgb16_lin[p[c]] : p[c] / 65535.0f) * m;
            if (has_alpha)
                o[ch - 1] = a;
        }
    } else {
        const float *rf = (const float *)(const void *)row;
        for (uint32_t x = 0; x < w; x++) {
            const float *p = rf + (size_t)ch * x;
            float *o = out + (size_t)ch * x;
            float a = has_alpha ? p[ch - 1] : 1.0f;
            float m = src->premultiply && has_alpha ? a : 1.0f;
            for (uint32_t c = 0; c < nc; c++)
                o[c] = (srgb ? mipf_srgb_to_linear(p[c]) : p[c]) * m;
            if (has_alpha)
                o[ch - 1] = a;
        }
    }
    if (src->normal && ch >= 3) {
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < 3; c++)
                out[(size_t)ch * x + c] = out[(size_t)ch * x + c] * 2.0f - 1.0f;
    }
    return out;
}

/* ------------------------------------------------------------------------ */
/* Reduction                                                                */

static void renormalise(float *row, uint32_t w, uint32_t ch)
{
    if (ch < 3)
        return;
    for (uint32_t x = 0; x < w; x++) {
        float *p = row + (size_t)x * ch;
        float l = sqrtf(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        if (l > 1e-12f) {
            float k = 1.0f / l;
            p[0] *= k;
            p[1] *= k;
            p[2] *= k;
        } else {
            p[0] = 0.0f;
            p[1] = 0.0f;
            p[2] = 1.0f;
        }
    }
}

/* Decoded source rows of one band, so a tall kernel decodes each encoded
 * row about once rather than once per tap. Slot y % count holds row y;
 * a clash only costs a decode, never a wrong row, because the vertical
 * pass uses one row at a time (two for BOX2, which never clash). */
typedef struct row_cache {
    const mipf_src *src;
    float *rows;
    int64_t *tag;
    uint32_t count;
    size_t n;
} row_cache;

#define CACHE_MAX 40u

static uint32_t cache_slots(const mipf_src *src, const mipf_taps *ty)
{
    if (src->plane)
        return 0;
    if (ty->kind != MIPF_TAPS_GENERAL)
        return 2;
    uint32_t r = ty->width + 2;
    return r > CACHE_MAX ? CACHE_MAX : r;
}

static const float *cache_row(row_cache *c, uint32_t y)
{
    if (c->src->plane)
        return mipf_src_row(c->src, y, NULL);
    uint32_t slot = y % c->count;
    float *r = c->rows + (size_t)slot * c->n;
    if (c->tag[slot] != (int64_t)y) {
        mipf_src_row(c->src, y, r);
        c->tag[slot] = y;
    }
    return r;
}

#define VCHUNK 2048 /* floats */

#define VTAPS_MAX 40

/* tmp[c0..c1) = sum of wt[t] * rows[t][i], summed in tap order exactly as
 * tmp = w0 r0; tmp += w1 r1; ... but four rows per sweep over tmp. */
static void vgroup(const float *const *rows, const float *wt, uint32_t cnt,
                   float *restrict tmp, size_t c0, size_t c1)
{
    uint32_t t = 0;
    {
        const float *restrict a = rows[0];
        float w0 = wt[0];
        if (cnt >= 4) {
            const float *restrict b = rows[1], *restrict c = rows[2],
                                  *restrict e = rows[3];
            float w1 = wt[1], w2 = wt[2], w3 = wt[3];
            for (size_t i = c0; i < c1; i++)
                tmp[i] = w0 * a[i] + w1 * b[i] + w2 * c[i] + w3 * e[i];
            t = 4;
        } else {
            for (size_t i = c0; i < c1; i++)
                tmp[i] = w0 * a[i];
            t = 1;
        }
    }
    for (; t + 4 <= cnt; t += 4) {
        const float *restrict a = rows[t], *restrict b = rows[t + 1],
                              *restrict c = rows[t + 2],
                              *restrict e = rows[t + 3];
        float w0 = wt[t], w1 = wt[t + 1], w2 = wt[t + 2], w3 = wt[t + 3];
        for (size_t i = c0; i < c1; i++)
            tmp[i] = tmp[i] + w0 * a[i] + w1 * b[i] + w2 * c[i] + w3 * e[i];
    }
    for (; t < cnt; t++) {
        const float *restrict a = rows[t];
        float wk = wt[t];
        for (size_t i = c0; i < c1; i++)
            tmp[i] += wk * a[i];
    }
}

/* Vertical pass: combines the source rows of output row y into tmp (n
 * floats). Returns the combined row and the scale still to apply. */
static const float *reduce_vertical(row_cache *rc, const mipf_taps *ty, int op,
                                    uint32_t y, float *tmp, float *scale)
{
    size_t n = rc->n;
    *scale = 1.0f;
    if (ty->kind == MIPF_TAPS_IDENTITY)
        return cache_row(rc, y);
    if (ty->kind == MIPF_TAPS_BOX2) {
        const float *a = cache_row(rc, 2 * y);
        const float *b = cache_row(rc, 2 * y + 1);
        if (op == MIPF_OP_MIN) {
            for (size_t i = 0; i < n; i++)
                tmp[i] = a[i] < b[i] ? a[i] : b[i];
        } else if (op == MIPF_OP_MAX) {
            for (size_t i = 0; i < n; i++)
                tmp[i] = a[i] > b[i] ? a[i] : b[i];
        } else {
            for (size_t i = 0; i < n; i++)
                tmp[i] = a[i] + b[i];
            *scale = 0.5f;
        }
        return tmp;
    }
    uint32_t cnt = ty->count[y];
    const uint32_t *idx = ty->index + (size_t)y * ty->width;
    const float *wt = ty->weight + (size_t)y * ty->width;
    const float *r = cache_row(rc, idx[0]);
    if (op == MIPF_OP_WEIGHTED) {
        /* With every tap's row available at once (a plane, or cache rows
         * in distinct slots), taps are summed four at a time. */
        const float *rows[VTAPS_MAX];
        int grouped = cnt <= VTAPS_MAX;
        for (uint32_t t = 0; grouped && t < cnt; t++) {
            if (!rc->src->plane) {
                uint32_t slot = idx[t] % rc->count;
                for (uint32_t u = 0; u < t; u++)
                    if (idx[u] != idx[t] && idx[u] % rc->count == slot)
                        grouped = 0;
            }
            rows[t] = grouped ? cache_row(rc, idx[t]) : NULL;
        }
        /* In column chunks, so the accumulator stays in L1 across taps.
         * Per element the operations are the same as without chunks. */
        for (size_t c0 = 0; c0 < n; c0 += VCHUNK) {
            size_t c1 = c0 + VCHUNK < n ? c0 + VCHUNK : n;
            if (grouped) {
                vgroup(rows, wt, cnt, tmp, c0, c1);
                continue;
            }
            float w0 = wt[0];
            r = cache_row(rc, idx[0]);
            for (size_t i = c0; i < c1; i++)
                tmp[i] = w0 * r[i];
            for (uint32_t t = 1; t < cnt; t++) {
                float wk = wt[t];
                r = cache_row(rc, idx[t]);
                for (size_t i = c0; i < c1; i++)
                    tmp[i] += wk * r[i];
            }
        }
    } else {
        memcpy(tmp, r, n * sizeof(float));
        for (uint32_t t = 1; t < cnt; t++) {
            r = cache_row(rc, idx[t]);
            if (op == MIPF_OP_MIN) {
                for (size_t i = 0; i < n; i++)
                    tmp[i] = r[i] < tmp[i] ? r[i] : tmp[i];
            } else {
                for (size_t i = 0; i < n; i++)
                    tmp[i] = r[i] > tmp[i] ? r[i] : tmp[i];
            }
        }
    }
    return tmp;
}

/* One output pixel of a general horizontal kernel, 4 channels. */
static inline void hpix4(const float *v, const uint32_t *idx, const float *wt,
                         uint32_t cnt, float scale, float *o)
{
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (uint32_t t = 0; t < cnt; t++) {
        const float *p = v + (size_t)idx[t] * 4;
        float k = wt[t];
        s0 += k * p[0];
        s1 += k * p[1];
        s2 += k * p[2];
        s3 += k * p[3];
    }
    o[0] = s0 * scale;
    o[1] = s1 * scale;
    o[2] = s2 * scale;
    o[3] = s3 * scale;
}

/* Output pixels [u_lo, u_hi) of a uniform 4-channel kernel: the taps are
 * consecutive pixels, so with a constant count the loop unrolls into
 * straight-line 4-wide code. Per channel the sums are formed in the same
 * order as hpix4(), so the results are the same bits. */
typedef float mipf_v4 __attribute__((vector_size(16)));

static inline void huni4_n(const float *restrict v, const float *restrict wt,
                           uint32_t cnt, uint32_t lo, uint32_t hi, int32_t off,
                           float scale, float *restrict d)
{
    mipf_v4 k[MIPF_UNIFORM_MAX];
    for (uint32_t t = 0; t < cnt; t++)
        k[t] = (mipf_v4){wt[t], wt[t], wt[t], wt[t]};
    mipf_v4 sc = {scale, scale, scale, scale};
    for (uint32_t x = lo; x < hi; x++) {
        const float *p = v + ((size_t)2 * x + (size_t)(int64_t)off) * 4;
        mipf_v4 s = {0, 0, 0, 0};
        for (uint32_t t = 0; t < cnt; t++) {
            mipf_v4 q;
            memcpy(&q, p + 4 * t, sizeof(q));
            s += k[t] * q;
        }
        s *= sc;
        memcpy(d + (size_t)x * 4, &s, sizeof(s));
    }
}

static void huniform4(const float *v, const mipf_taps *tx, float scale,
                      float *d)
{
    const float *w = tx->u_weight;
    uint32_t lo = tx->u_lo, hi = tx->u_hi;
    int32_t off = tx->u_off;
    switch (tx->u_count) {
    case 12: /* kaiser, lanczos3 */
        huni4_n(v, w, 12, lo, hi, off, scale, d);
        break;
    case 8: /* mitchell */
        huni4_n(v, w, 8, lo, hi, off, scale, d);
        break;
    case 4: /* triangle */
        huni4_n(v, w, 4, lo, hi, off, scale, d);
        break;
    default:
        huni4_n(v, w, tx->u_count, lo, hi, off, scale, d);
        break;
    }
}

static void reduce_horizontal(const float *v, const mipf_taps *tx, int op,
                              uint32_t ch, float scale, float *d)
{
    uint32_t w = tx->n_dst;
    if (tx->kind == MIPF_TAPS_IDENTITY) {
        if (scale == 1.0f) {
            memcpy(d, v, (size_t)w * ch * sizeof(float));
        } else {
            for (size_t i = 0; i < (size_t)w * ch; i++)
                d[i] = v[i] * scale;
        }
        return;
    }
    if (tx->kind == MIPF_TAPS_BOX2) {
        if (op == MIPF_OP_WEIGHTED) {
            float k = scale * 0.5f;
            if (ch == 4) {
                for (uint32_t x = 0; x < w; x++) {
                    const float *a = v + 8 * (size_t)x;
                    float *o = d + 4 * (size_t)x;
                    o[0] = (a[0] + a[4]) * k;
                    o[1] = (a[1] + a[5]) * k;
                    o[2] = (a[2] + a[6]) * k;
                    o[3] = (a[3] + a[7]) * k;
                }
            } else {
                for (uint32_t x = 0; x < w; x++)
                    for (uint32_t c = 0; c < ch; c++)
                        d[(size_t)x * ch + c] =
                            (v[(size_t)2 * x * ch + c] +
                             v[(size_t)(2 * x + 1) * ch + c]) *
                            k;
            }
        } else {
            for (uint32_t x = 0; x < w; x++)
                for (uint32_t c = 0; c < ch; c++) {
                    float a = v[(size_t)2 * x * ch + c];
                    float b = v[(size_t)(2 * x + 1) * ch + c];
                    d[(size_t)x * ch + c] =
                        op == MIPF_OP_MIN ? (a < b ? a : b) : (a > b ? a : b);
                }
        }
        return;
    }
    uint32_t ulo = 0, uhi = 0;
    if (op == MIPF_OP_WEIGHTED && ch == 4 && tx->u_count) {
        ulo = tx->u_lo;
        uhi = tx->u_hi;
        huniform4(v, tx, scale, d);
    }
    for (uint32_t x = 0; x < w; x++) {
        if (x == ulo && uhi > ulo) {
            x = uhi - 1;
            continue;
        }
        uint32_t cnt = tx->count[x];
        const uint32_t *idx = tx->index + (size_t)x * tx->width;
        const float *wt = tx->weight + (size_t)x * tx->width;
        float *o = d + (size_t)x * ch;
        if (op == MIPF_OP_WEIGHTED) {
            if (ch == 4) {
                hpix4(v, idx, wt, cnt, scale, o);
            } else {
                for (uint32_t c = 0; c < ch; c++) {
                    float s = 0;
                    for (uint32_t t = 0; t < cnt; t++)
                        s += wt[t] * v[(size_t)idx[t] * ch + c];
                    o[c] = s * scale;
                }
            }
        } else {
            for (uint32_t c = 0; c < ch; c++) {
                float m = v[(size_t)idx[0] * ch + c];
                for (uint32_t t = 1; t < cnt; t++) {
                    float q = v[(size_t)idx[t] * ch + c];
                    if (op == MIPF_OP_MIN ? q < m : q > m)
                        m = q;
                }
                o[c] = m;
            }
        }
    }
}

/* 2x2 box of 8-bit RGBA rows r0, r1 into premultiplied linear floats, in
 * the same order of operations as the general BOX2 path. */
static void box4_u8(const mipf_src *src, const uint8_t *r0, const uint8_t *r1,
                    uint32_t w, float *d)
{
    const float *lut = src->transfer == MIPF_TF_SRGB ? srgb8_lin : unorm8;
    int pm = src->premultiply;
    for (uint32_t x = 0; x < w; x++) {
        const uint8_t *p = r0 + 8 * (size_t)x, *q = r1 + 8 * (size_t)x;
        float pa0 = unorm8[p[3]], pa1 = unorm8[p[7]];
        float qa0 = unorm8[q[3]], qa1 = unorm8[q[7]];
        float mp0 = pm ? pa0 : 1.0f, mp1 = pm ? pa1 : 1.0f;
        float mq0 = pm ? qa0 : 1.0f, mq1 = pm ? qa1 : 1.0f;
        float *o = d + 4 * (size_t)x;
        for (int c = 0; c < 3; c++) {
            float a = lut[p[c]] * mp0 + lut[q[c]] * mq0;
            float b = lut[p[4 + c]] * mp1 + lut[q[4 + c]] * mq1;
            o[c] = (a + b) * 0.25f;
        }
        o[3] = ((pa0 + qa0) + (pa1 + qa1)) * 0.25f;
    }
}

static void box4_f(const float *r0, const float *r1, uint32_t w, float *d)
{
    for (uint32_t x = 0; x < w; x++) {
        const float *p = r0 + 8 * (size_t)x, *q = r1 + 8 * (size_t)x;
        float *o = d + 4 * (size_t)x;
        for (int c = 0; c < 4; c++)
            o[c] = ((p[c] + q[c]) + (p[4 + c] + q[4 + c])) * 0.25f;
    }
}

size_t mipf_pass_scratch(const mipf_pass *p)
{
    size_t n = (size_t)p->src->width * p->src->channels;
    size_t dn = (size_t)p->tx->n_dst * p->src->channels;
    size_t slots = cache_slots(p->src, p->ty);
    return n + dn + slots * n + slots * 2 + 64;
}

void mipf_run_rows(const mipf_pass *p, uint32_t y0, uint32_t y1, float *scratch)
{
    const mipf_src *src = p->src;
    uint32_t ch = src->channels;
    size_t n = (size_t)src->width * ch;
    size_t dn = (size_t)p->tx->n_dst * ch;
    row_cache rc;
    rc.src = src;
    rc.n = n;
    rc.count = cache_slots(src, p->ty);
    /* Tags first: scratch is 16-aligned and 2 floats hold one tag. */
    rc.tag = (int64_t *)(void *)scratch;
    float *tmp = scratch + (size_t)rc.count * 2;
    float *rowout = tmp + n;
    rc.rows = rowout + dn;
    for (uint32_t i = 0; i < rc.count; i++)
        rc.tag[i] = -1;
    int fused = p->tx->kind == MIPF_TAPS_BOX2 &&
                p->ty->kind == MIPF_TAPS_BOX2 && ch == 4 &&
                p->op == MIPF_OP_WEIGHTED &&
                (src->plane || (src->sample == 1 && !src->normal));
    for (uint32_t y = y0; y < y1; y++) {
        float *d =
            p->dst ? p->dst + (size_t)(y - p->dst_y0) * p->dst_stride : rowout;
        if (fused && src->plane) {
            box4_f(mipf_src_row(src, 2 * y, NULL),
                   mipf_src_row(src, 2 * y + 1, NULL), p->tx->n_dst, d);
        } else if (fused) {
            box4_u8(src, src->bytes + (size_t)2 * y * src->byte_stride,
                    src->bytes + (size_t)(2 * y + 1) * src->byte_stride,
                    p->tx->n_dst, d);
        } else {
            float scale;
            const float *v = reduce_vertical(&rc, p->ty, p->op, y, tmp, &scale);
            reduce_horizontal(v, p->tx, p->op, ch, scale, d);
        }
        if (p->normal)
            renormalise(d, p->tx->n_dst, ch);
        if (p->enc)
            mipf_encode_row(p->enc, d, p->tx->n_dst,
                            p->out + (size_t)y * p->out_stride);
    }
}

void mipf_reduce_rows(const mipf_src *src, const mipf_taps *tx,
                      const mipf_taps *ty, int op, int normal, float *dst,
                      size_t dst_stride, uint32_t y0, uint32_t y1,
                      float *scratch)
{
    mipf_pass p = {src, tx, ty, op, normal, dst, dst_stride, 0, NULL, NULL, 0};
    mipf_run_rows(&p, y0, y1, scratch);
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */

static float clamp01(float v)
{
    return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
}

/* mipf_encode_srgb8() of a value already clamped to [0, 1] (NaN to 0),
 * without branches: 0 finds code 0 and 1 finds 255 through the same
 * tables, and the threshold above 255 is never reached. */
static inline uint8_t encode_srgb8_clamped(float v)
{
    int code = srgb8_start12[(int)(v * 4096.0f)];
    return (uint8_t)(code + (v >= srgb8_thr[code]));
}

void mipf_encode_row(const mipf_enc *e, const float *row, uint32_t width,
                     void *out)
{
    uint32_t ch = e->channels;
    int has_alpha = ch == 2 || ch == 4;
    uint32_t nc = has_alpha ? ch - 1 : ch;
    uint8_t *o8 = out;
    uint16_t *o16 = out;
    float *o32 = out;
    if (ch == 4 && e->sample == 1 && e->transfer == MIPF_TF_SRGB &&
        e->premultiplied && !e->out_premult && !e->normal) {
        /* The common case: premultiplied linear RGBA to sRGB 8-bit. */
        float sc = e->alpha_scale;
        for (uint32_t x = 0; x < width; x++) {
            const float *p = row + 4 * (size_t)x;
            float a = p[3];
            float inv = a > 1e-10f ? 1.0f / a : 0.0f;
            float ao = clamp01(a * sc);
            for (int c = 0; c < 3; c++)
                o8[4 * x + c] = encode_srgb8_clamped(clamp01(p[c] * inv));
            o8[4 * x + 3] = (uint8_t)(ao * 255.0f + 0.5f);
        }
        return;
    }
    for (uint32_t x = 0; x < width; x++) {
        const float *p = row + (size_t)x * ch;
        float a_in = has_alpha ? p[ch - 1] : 1.0f;
        float a_out = has_alpha ? clamp01(a_in * e->alpha_scale) : 1.0f;
        float inv = 1.0f;
        if (has_alpha && e->premultiplied)
            inv = a_in > 1e-10f ? 1.0f / a_in : 0.0f;
        for (uint32_t c = 0; c < nc; c++) {
            float v = p[c];
            if (has_alpha && e->premultiplied) {
                v *= inv;
                if (v > 1.0f && e->sample != 3)
                    v = 1.0f;
            }
            if (e->normal && c < 3)
                v = (v + 1.0f) * 0.5f;
            if (has_alpha && e->out_premult)
                v *= a_out;
            size_t k = (size_t)x * ch + c;
            if (e->transfer == MIPF_TF_SRGB) {
                if (e->sample == 1)
                    o8[k] = mipf_encode_srgb8(v);
                else if (e->sample == 2)
                    o16[k] =
                        (uint16_t)(mipf_linear_to_srgb(v) * 65535.0 + 0.5f);
                else
                    o32[k] = mipf_linear_to_srgb(v);
            } else {
                if (e->sample == 1)
                    o8[k] = (uint8_t)(clamp01(v) * 255.0f + 0.5f);
                else if (e->sample == 2)
                    o16[k] = (uint16_t)(clamp01(v) * 65535.0 + 0.5);
                else
                    o32[k] = v;
            }
        }
        if (has_alpha) {
            size_t k = (size_t)x * ch + ch - 1;
            if (e->sample == 1)
                o8[k] = (uint8_t)(a_out * 255.0f + 0.5f);
            else if (e->sample == 2)
                o16[k] = (uint16_t)(a_out * 65535.0 + 0.5);
            else
                o32[k] = a_out;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Alpha coverage                                                           */

double mipf_coverage(const mipf_src *src, float scale, float ref,
                     uint32_t quant, float *scratch)
{
    uint32_t ch = src->channels;
    if (ch != 2 && ch != 4)
        return 1.0;
    uint64_t hit = 0;
    for (uint32_t y = 0; y < src->height; y++) {
        const float *r = mipf_src_row(src, y, scratch);
        for (uint32_t x = 0; x < src->width; x++) {
            float a = clamp01(r[(size_t)x * ch + ch - 1] * scale);
            if (quant)
                a = floorf(a * (float)quant + 0.5f) / (float)quant;
            hit += a >= ref;
        }
    }
    return (double)hit / ((double)src->width * src->height);
}

float mipf_coverage_scale(const mipf_src *src, float ref, uint32_t quant,
                          double target, float *scratch)
{
    if (!(target > 0.0))
        return 1.0f;
    float lo = 0.0f, hi = 256.0f;
    for (int it = 0; it < 32; it++) {
        float mid = 0.5f * (lo + hi);
        if (mid == lo || mid == hi)
            break;
        if (mipf_coverage(src, mid, ref, quant, scratch) < target)
            lo = mid;
        else
            hi = mid;
    }
    double clo = mipf_coverage(src, lo, ref, quant, scratch);
    double chi = mipf_coverage(src, hi, ref, quant, scratch);
    return fabs(clo - target) < fabs(chi - target) ? lo : hi;
}

uint32_t mipf_full_levels(uint32_t w, uint32_t h)
{
    uint32_t m = w > h ? w : h, n = 1;
    while (m > 1) {
        m >>= 1;
        n++;
    }
    return n;
}
