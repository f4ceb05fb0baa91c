/* Mipmap maths with no host dependency: transfer curves, 2:1 (and n:m)
 * filter tap tables honouring the wrap mode, row reduction in float and
 * encoding back to samples. The plugin drives it through the host's
 * parallel_for; tests link it directly to check the maths. */
#ifndef MIPF_FILTERS_H
#define MIPF_FILTERS_H

#include <stddef.h>
#include <stdint.h>

/* Filters, in the order of the `filter` enum parameter. */
enum {
    MIPF_BOX = 0,
    MIPF_TRIANGLE,
    MIPF_KAISER,
    MIPF_LANCZOS3,
    MIPF_MITCHELL,
    MIPF_MIN,
    MIPF_MAX,
    MIPF_FILTER_COUNT
};

/* Edge modes, in the order of the `wrap` enum parameter. */
enum { MIPF_CLAMP = 0, MIPF_REPEAT, MIPF_MIRROR };

/* How colour channels are coded. Alpha is always linear. */
enum { MIPF_TF_SRGB = 0, MIPF_TF_LINEAR, MIPF_TF_DATA };

/* Fills the transfer-curve tables (1.5 ms) before their first use: the
 * plugin calls it at the top of every prepare(). Thread-safe (once per
 * process), idempotent. */
void mipf_init(void);

/* The exact sRGB curves (IEC 61966-2-1), on [0, 1]; values outside are
 * clamped. */
float mipf_srgb_to_linear(float v);
float mipf_linear_to_srgb(float v);

/* Nearest 8-bit sRGB code of a linear value (exact: compares against the
 * linear values of the code midpoints). */
uint8_t mipf_encode_srgb8(float linear);

/* A weight table for resampling n_src samples to n_dst (n_dst <= n_src):
 * output j reads count[j] source samples index[j * width + t] (already
 * wrapped into [0, n_src)) with weights weight[j * width + t], which sum to
 * 1. `kind` says which fast path applies. */
enum { MIPF_TAPS_GENERAL = 0, MIPF_TAPS_IDENTITY, MIPF_TAPS_BOX2 };
#define MIPF_UNIFORM_MAX 16
typedef struct mipf_taps {
    uint32_t n_src, n_dst;
    uint32_t width; /* slots per output */
    uint32_t kind;  /* MIPF_TAPS_* */
    /* A uniform interior (2:1 windowed kernels, one phase): outputs j in
     * [u_lo, u_hi) read u_count samples from 2 * j + u_off on, unwrapped,
     * with weights u_weight, bit for bit the table's entries for them.
     * u_count == 0 when there is none. */
    uint32_t u_lo, u_hi, u_count;
    int32_t u_off;
    float u_weight[MIPF_UNIFORM_MAX];
    uint32_t *count;
    uint32_t *index;
    float *weight;
    void *mem; /* what was passed to mipf_taps_build() */
    size_t mem_bytes;
} mipf_taps;

/* Bytes of memory mipf_taps_build() needs for these sizes. */
size_t mipf_taps_bytes(int filter, uint32_t n_src, uint32_t n_dst);

/* Builds the table in `mem` (mipf_taps_bytes() bytes, 16-aligned). Returns 0,
 * or -1 if the sizes are invalid (n_dst == 0 or n_dst > n_src). */
int mipf_taps_build(mipf_taps *t, void *mem, int filter, int wrap,
                    uint32_t n_src, uint32_t n_dst);

/* A source image for reduction: either a float plane in the working
 * representation (linear light, premultiplied when `premultiply`, normals
 * in [-1, 1]) or encoded samples that rows are decoded from on the fly. */
typedef struct mipf_src {
    uint32_t width, height, channels;
    const float *plane;   /* non-NULL: float rows, `stride` floats apart */
    size_t stride;        /* floats */
    uint32_t plane_y0;    /* the plane starts at this row (a band) */
    uint32_t ring;        /* nonzero: row y is at plane row y % ring */
    const uint8_t *bytes; /* else: samples of type `sample` */
    size_t byte_stride;
    uint32_t sample; /* UH_SAMPLE_* numbering: 1 u8, 2 u16, 3 f32 */
    int transfer;    /* MIPF_TF_* of the samples */
    int premultiply; /* multiply colour by alpha while decoding */
    int normal;      /* decode RGB as 2v-1 */
} mipf_src;

/* Row y of src in the working representation: a pointer into the plane, or
 * `scratch` (width * channels floats) filled by decoding. */
const float *mipf_src_row(const mipf_src *src, uint32_t y, float *scratch);

/* What a reduction does besides weighting. */
enum { MIPF_OP_WEIGHTED = 0, MIPF_OP_MIN, MIPF_OP_MAX };

typedef struct mipf_enc mipf_enc;

/* One reduction pass: src resampled with tx (columns) and ty (rows); each
 * output row y goes to dst + (y - dst_y0) * dst_stride (floats) if dst is set,
 * and is encoded with enc to out + y * out_stride (bytes) when enc is set.
 * `normal` renormalises RGB of every output pixel. */
typedef struct mipf_pass {
    const mipf_src *src;
    const mipf_taps *tx, *ty;
    int op, normal;
    float *dst;
    size_t dst_stride;
    uint32_t dst_y0; /* dst holds rows from this one on (a band) */
    const mipf_enc *enc;
    uint8_t *out;
    size_t out_stride;
} mipf_pass;

/* Floats of scratch mipf_run_rows() needs. */
size_t mipf_pass_scratch(const mipf_pass *p);

/* Computes output rows [y0, y1). Each row depends only on its index, so
 * any split over threads gives the same bytes. */
void mipf_run_rows(const mipf_pass *p, uint32_t y0, uint32_t y1,
                   float *scratch);

/* mipf_run_rows() into dst only. Scratch as mipf_pass_scratch(). */
void mipf_reduce_rows(const mipf_src *src, const mipf_taps *tx,
                      const mipf_taps *ty, int op, int normal, float *dst,
                      size_t dst_stride, uint32_t y0, uint32_t y1,
                      float *scratch);

/* How to turn working floats back into samples. */
struct mipf_enc {
    uint32_t channels;
    uint32_t sample;   /* 1 u8, 2 u16, 3 f32 */
    int transfer;      /* MIPF_TF_* to encode with */
    int premultiplied; /* the floats are premultiplied */
    int out_premult;   /* write premultiplied samples */
    int normal;        /* encode RGB as (v+1)/2 */
    float alpha_scale; /* coverage scale, 1 = none */
};

/* Encodes `width` pixels of `row` into `out`. Integer outputs are clamped
 * to their range and rounded to nearest. */
void mipf_encode_row(const mipf_enc *e, const float *row, uint32_t width,
                     void *out);

/* Fraction of pixels whose alpha, times `scale`, clamped to 1 and
 * quantised to `quant` steps (0: not quantised), is >= ref. */
double mipf_coverage(const mipf_src *src, float scale, float ref,
                     uint32_t quant, float *scratch);

/* The alpha scale in [0, 256] that makes mipf_coverage() closest to
 * `target` (bisection, Castano's method). */
float mipf_coverage_scale(const mipf_src *src, float ref, uint32_t quant,
                          double target, float *scratch);

/* Level sizes: max(1, floor(n / 2^k)). */
static inline uint32_t mipf_level_size(uint32_t n, uint32_t k)
{
    uint32_t v = k >= 32 ? 0 : n >> k;
    return v ? v : 1;
}

/* Number of levels of a full chain for a w x h image. */
uint32_t mipf_full_levels(uint32_t w, uint32_t h);

#endif
