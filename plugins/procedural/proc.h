/* Shared pieces of the procedural plugin: the host table, the integer hash
 * every random generator is built on, the common parameters and the row
 * writer that turns a row of grey or colour values into output samples. */
#ifndef PROC_H
#define PROC_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

/* The host table, set by init(). */
extern const uh_host *proc_host;

/* ------------------------------------------------------------------------ */
/* Hashing                                                                  */

/* A 32-bit integer hash of a lattice point and a seed: the three inputs
 * are mixed with odd multipliers, then the "lowbias32" finaliser spreads
 * every bit. Pure integer arithmetic, so every run, thread and machine
 * gets the same values; tests/procedural re-implements it. */
static inline uint32_t proc_hash(int32_t i, int32_t j, uint32_t seed)
{
    uint32_t h = (uint32_t)i * 0x8da6b343u ^ (uint32_t)j * 0xd8163841u ^
                 (seed * 0xcb1ab31fu + 0x68e31da4u);
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
}

/* The hash as a number in [0, 1). */
static inline double proc_unit(uint32_t h)
{
    return (double)h * (1.0 / 4294967296.0);
}

/* floor() as an int without a libm call; exact for |u| < 2^31. */
static inline int32_t proc_floor(double u)
{
    int32_t i = (int32_t)u;
    return u < (double)i ? i - 1 : i;
}

/* i modulo p in [0, p); p <= 0 means no wrap. In-range values skip the
 * division, which is the common case. */
static inline int32_t proc_wrap(int32_t i, int32_t p)
{
    if (p <= 0 || (uint32_t)i < (uint32_t)p)
        return i;
    i %= p;
    return i < 0 ? i + p : i;
}

static inline double proc_clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* ------------------------------------------------------------------------ */
/* Common parameters                                                        */

extern const uh_param_desc proc_p_width, proc_p_height, proc_p_channels,
    proc_p_channels3, proc_p_sample, proc_p_sample_same, proc_p_seed,
    proc_p_tileable, proc_p_frequency, proc_p_stops;
extern const uh_port_desc proc_port_image_out, proc_port_image_in;
extern const uh_port_desc *const proc_outputs[];
extern const uh_port_desc *const proc_inputs[];

/* The output format every generator shares. */
typedef struct proc_format {
    uint32_t width, height, channels, sample;
} proc_format;

/* Reads width, height, channels and sample. */
void proc_read_format(uh_ctx *ctx, proc_format *f);

/* Declares output port 0 with format `f` and colour space `space`. */
uh_status proc_declare(uh_ctx *ctx, const proc_format *f, uint32_t space);

/* The head of every node's state block (its user pointer). */
typedef struct proc_node {
    size_t size; /* bytes of the whole block, for the sized free */
    proc_format fmt;
} proc_node;

/* proc_declare(), freeing the node's state block when it fails (cleanup()
 * only follows a successful prepare()). */
uh_status proc_declare_or_cleanup(uh_ctx *ctx, const proc_format *f,
                                  uint32_t space);

/* Allocates a zeroed state block of `size` bytes for the node's lifetime,
 * records its size and makes it the node's user pointer. Returns NULL on
 * failure (the status is recorded on ctx). */
void *proc_alloc_node(uh_ctx *ctx, size_t size);

/* Per-thread state of the row-based nodes: one scratch row of `floats`
 * floats. */
typedef struct proc_seq {
    float *row;
    size_t bytes;
} proc_seq;

/* start()/stop() for nodes whose scratch row holds width * k floats. */
uh_status proc_start_row1(uh_ctx *ctx, void **seq);
uh_status proc_start_row4(uh_ctx *ctx, void **seq);
uh_status proc_start_row9(uh_ctx *ctx, void **seq);
void proc_stop_row(uh_ctx *ctx, void *seq);

/* Frees the node's state block (cleanup() of every node type here). */
void proc_cleanup(uh_ctx *ctx);

/* Writes a row of grey values (0..1) into `dst` in format `f`: colour
 * channels get the grey, alpha (2 and 4 channels) is opaque. */
void proc_put_grey(const proc_format *f, const float *grey, uint8_t *dst);

/* Writes a row of RGBA values (4 floats a pixel, 0..1) into `dst`: 4
 * channels RGBA, 3 RGB, 2 luma + alpha, 1 luma (Rec. 709 weights). */
void proc_put_rgba(const proc_format *f, const float *rgba, uint8_t *dst);

/* Reads a row of `n` pixels of an input image as grey (0..1): channel 0 of
 * 1- and 2-channel images, Rec. 709 luma of 3- and 4-channel ones. */
void proc_get_grey(const uh_image_info *info, const uint8_t *src, uint32_t n,
                   float *grey);

/* ------------------------------------------------------------------------ */
/* Colour stops                                                             */

#define PROC_MAX_STOPS 256

typedef struct proc_stops {
    uint32_t n;
    float t[PROC_MAX_STOPS];
    float c[PROC_MAX_STOPS][4];
} proc_stops;

/* Reads and checks the "stops" parameter; fails with UH_EINVAL naming the
 * first bad element. */
uh_status proc_read_stops(uh_ctx *ctx, proc_stops *s);

/* The colour at t: linear between neighbouring stops, the end colours
 * outside them. */
void proc_stops_eval(const proc_stops *s, float t, float *rgba);

/* ------------------------------------------------------------------------ */
/* Noise (noise.c), used by the patterns too                                */

/* Worley/cellular evaluation at (u, v) in cell units: distances to the
 * nearest and second nearest feature point (f1 <= f2) and the hash of the
 * nearest point's cell. px, py wrap the cells (0: no wrap). metric: 0
 * euclidean, 1 manhattan, 2 chebyshev. */
void proc_worley(double u, double v, int32_t px, int32_t py, uint32_t seed,
                 double jitter, int metric, double *f1, double *f2,
                 uint32_t *cell);

/* proc_worley() along a row: pixel x at u = (x + 0.5) * du, all at v;
 * the nine nearby feature points are found once per cell. */
void proc_worley_row(double du, double v, uint32_t w, int32_t px, int32_t py,
                     uint32_t seed, double jitter, int metric, float *f1,
                     float *f2, uint32_t *cell);

/* The node types. */
extern const uh_node_type proc_noise_type;
extern const uh_node_type proc_checker_type, proc_stripes_type, proc_grid_type,
    proc_bricks_type, proc_dots_type, proc_hexagons_type, proc_voronoi_type;
extern const uh_node_type proc_gradient_type, proc_colorize_type,
    proc_gradient_map_type;
extern const uh_node_type proc_normal_type, proc_mix_type;

#endif
