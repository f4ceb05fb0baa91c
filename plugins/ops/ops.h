/* Shared internals of the ops plugin: the host table, row conversions
 * between stored samples and float, and the separable filter engine that
 * resize, thumbnail, blur and sharpen share. */
#ifndef OPS_OPS_H
#define OPS_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

#include "kernels.h"

extern const uh_host *ops_host;

/* Node types, defined one per file. */
extern const uh_node_type ops_resize_type;
extern const uh_node_type ops_thumbnail_type;
extern const uh_node_type ops_crop_type;
extern const uh_node_type ops_embed_type;
extern const uh_node_type ops_flip_type;
extern const uh_node_type ops_rotate_type;
extern const uh_node_type ops_convert_type;
extern const uh_node_type ops_blend_type;
extern const uh_node_type ops_blur_type;
extern const uh_node_type ops_sharpen_type;
extern const uh_node_type ops_levels_type;
extern const uh_node_type ops_brightness_contrast_type;
extern const uh_node_type ops_curves_type;

/* Port descriptors most node types share. */
extern const uh_port_desc ops_port_image_in;
extern const uh_port_desc ops_port_image_out;
extern const uh_port_desc *const ops_ports_in[];
extern const uh_port_desc *const ops_ports_out[];

/* Enum value lists shared by several types. */
extern const char *const ops_kernel_names[];

/* Parameter descriptors, one line each. */
#define OPS_PARAM(var, nm, ty, fl, dflt, lo, hi, text)                         \
    static const uh_param_desc var = {.struct_size = sizeof(uh_param_desc),    \
                                      .name = nm,                              \
                                      .type = ty,                              \
                                      .flags = fl,                             \
                                      .def = dflt,                             \
                                      .min = lo,                               \
                                      .max = hi,                               \
                                      .doc = text}
#define OPS_ENUM(var, nm, names, dflt, text)                                   \
    static const uh_param_desc var = {.struct_size = sizeof(uh_param_desc),    \
                                      .name = nm,                              \
                                      .type = UH_PARAM_ENUM,                   \
                                      .def_text = dflt,                        \
                                      .values = names,                         \
                                      .doc = text}

/* Largest width or height a parameter may ask for (the host applies its
 * own, usually smaller, limits in set_output). */
#define OPS_MAX_SIDE 1048576.0

/* Rounds a positive double to the nearest integer in [1, OPS_MAX_SIDE]. */
uint32_t ops_round_side(double v);

/* ------------------------------------------------------------------------ */
/* Memory helpers: host->alloc with the sizes kept beside the pointer.      */

/* Allocates n bytes (UH_LIFE_NODE, 64-byte aligned) or returns NULL with
 * the status recorded on ctx. */
void *ops_alloc(uh_ctx *ctx, size_t n);
void ops_free(uh_ctx *ctx, void *p, size_t n);

/* The geometry of the image on input `port`, checked (1-4 channels, a
 * known sample type); NULL after recording a failure on ctx. */
const uh_image_info *ops_input(uh_ctx *ctx, uint32_t port);

/* Strip start/stop for node types that keep no per-thread state. */
uh_status ops_no_start(uh_ctx *ctx, void **seq);
void ops_no_stop(uh_ctx *ctx, void *seq);

/* Index of the alpha channel of an image with `channels`, or -1. */
static inline int ops_alpha_index(uint32_t channels)
{
    return channels == 2 ? 1 : channels == 4 ? 3 : -1;
}

/* ------------------------------------------------------------------------ */
/* Row conversions                                                          */

/* Converts `width` pixels of stored samples to floats in nominal range
 * (u8 / 255, u16 / 65535, f32 as is). */
void ops_row_to_float(const uh_image_info *info, const uint8_t *src, float *dst,
                      uint32_t width);

/* Converts floats back to stored samples: integers are clamped to [0, 1]
 * and rounded to nearest, f32 is stored as is. */
void ops_row_from_float(const uh_image_info *info, const float *src,
                        uint8_t *dst, uint32_t width);

/* A float rounded and clamped to a u8 / u16 code. */
static inline uint8_t ops_to_u8(float v)
{
    v = v * 255.0f + 0.5f;
    if (!(v > 0.0f))
        return 0;
    if (v >= 255.0f)
        return 255;
    return (uint8_t)v;
}

static inline uint16_t ops_to_u16(float v)
{
    v = v * 65535.0f + 0.5f;
    if (!(v > 0.0f))
        return 0;
    if (v >= 65535.0f)
        return 65535;
    return (uint16_t)v;
}

/* Precise sRGB curve on floats. */
float ops_srgb_to_linear(float v);
float ops_linear_to_srgb(float v);

/* Multiplies colour by alpha / divides it out (alpha 0 leaves 0), in
 * place over `width` pixels of `channels` floats. */
void ops_premultiply(float *row, uint32_t width, uint32_t channels);
void ops_unpremultiply(float *row, uint32_t width, uint32_t channels);

/* ------------------------------------------------------------------------ */
/* The separable engine                                                     */

/* How a separable filter maps input to output: a horizontal contributor
 * table per output column and a vertical one per output row, plus what to
 * do to samples before and after filtering. Built in prepare(), read-only
 * while rows run, so every thread shares it. */
typedef struct sep_plan {
    uh_image_info in;  /* input geometry */
    uh_image_info out; /* output geometry (width = xt.count, ...) */
    kern_table xt;
    kern_table yt;
    uint32_t premul;     /* premultiply before, unpremultiply after */
    uint32_t linear;     /* colour sRGB -> linear before, back after */
    uint32_t identity;   /* same size and no offset: rows are copied */
    uint32_t xtp;        /* horizontal taps padded to a multiple of 4 or 8 */
    float *xw;           /* out.width * xtp weights, zero padded */
    size_t plane;        /* floats per channel plane of a loaded row */
    size_t stream_bytes; /* nonzero: bands come in order (a sequential
                            node); read input in requests of this size */
    float *lut;          /* u8/u16 input: code -> float, colour channels */
    float *lut_alpha;    /* u8/u16 input: code -> float, alpha */
    void *mem;           /* one block holding the tables */
    size_t mem_bytes;
} sep_plan;

/* Per-thread state: row buffers and the band's accumulators. */
typedef struct sep_seq sep_seq;

/* Builds the tables of `p` once p->in, p->out, p->premul and p->linear
 * are set and xt / yt describe `kind` resampling (kind >= 0) or a Gaussian
 * of `sigma` (kind < 0). Crops the output to columns [x0, x0 + out.width)
 * and rows [y0, y0 + out.height) of a `full_w` x `full_h` resize.
 * Returns UH_OK or a failure recorded on ctx. */
uh_status sep_plan_init(uh_ctx *ctx, sep_plan *p, int kind, double sigma,
                        uint32_t full_w, uint32_t full_h, uint32_t x0,
                        uint32_t y0);
void sep_plan_free(uh_ctx *ctx, sep_plan *p);

uh_status sep_start(uh_ctx *ctx, const sep_plan *p, sep_seq **out);
void sep_stop(uh_ctx *ctx, sep_seq *s);

/* Computes output rows [y, y + n) of the plan as floats in nominal range,
 * after unpremultiplying and returning to sRGB, calling emit(arg, oy, row)
 * for each row in order (row holds out.width * channels floats, valid
 * during the call). Reads input port `port` with input_rows. */
uh_status sep_rows(uh_ctx *ctx, const sep_plan *p, sep_seq *s, uint32_t port,
                   uint32_t y, uint32_t n,
                   uh_status (*emit)(void *arg, uint32_t oy, float *row),
                   void *arg);

/* Emitter that stores rows into an uh_rows band in p->out's format. */
typedef struct sep_store {
    const sep_plan *plan;
    uh_rows *out;
} sep_store;
uh_status sep_emit_store(void *arg, uint32_t oy, float *row);

/* Declares the output and keeps (set_user) the plan of a resize of input 0
 * to full_w x full_h, keeping columns [x0, x0 + ow) and rows [y0, y0 + oh);
 * stream_bytes as sep_plan's. Shared by resize and thumbnail (resize.c). */
uh_status ops_resample_prepare(uh_ctx *ctx, uint32_t full_w, uint32_t full_h,
                               uint32_t x0, uint32_t y0, uint32_t ow,
                               uint32_t oh, int kind, int linear,
                               size_t stream_bytes);

/* Builds a Gaussian plan of `sigma` over input 0 (same geometry out) and
 * declares the output; `premul` filters alpha images premultiplied. Shared
 * by blur and sharpen (blur.c). */
uh_status ops_gauss_prepare(uh_ctx *ctx, double sigma, int premul,
                            sep_plan **out);

/* Strip callbacks for node types whose user pointer is a sep_plan. */
uh_status sep_node_start(uh_ctx *ctx, void **seq);
uh_status sep_node_rows(uh_ctx *ctx, void *seq, uh_rows *out);
void sep_node_stop(uh_ctx *ctx, void *seq);
void sep_node_cleanup(uh_ctx *ctx);

#endif
