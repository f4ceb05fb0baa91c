/* convert: channel count, sample type, colour space (the exact sRGB curve)
 * and premultiplication, in one pass. */
#include "ops.h"

static const char *const sample_names[] = {"keep", "u8", "u16", "f32", NULL};
static const char *const space_names[] = {"keep", "srgb", "linear", "data",
                                          NULL};
static const char *const alpha_names[] = {"keep", "premultiply",
                                          "unpremultiply", NULL};

OPS_PARAM(p_channels, "channels", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, 0, 4,
          "1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; 0 keeps the input's");
OPS_ENUM(p_sample, "sample", sample_names, "keep", "sample type");
OPS_ENUM(p_space, "space", space_names, "keep",
         "colour space: srgb and linear convert with the exact sRGB curve; "
         "data (or from data) only changes the tag");
OPS_ENUM(p_alpha, "alpha", alpha_names, "keep",
         "premultiply or unpremultiply colour by alpha");

static const uh_param_desc *const params[] = {&p_channels, &p_sample, &p_space,
                                              &p_alpha, NULL};

typedef struct convert_node {
    uh_image_info in, out;
    int straighten; /* unpremultiply after loading */
    int premul;     /* premultiply before storing */
    int curve;      /* 0 none, 1 sRGB -> linear, 2 linear -> sRGB */
} convert_node;

typedef struct convert_seq {
    float *a, *b; /* input and output rows as floats */
    size_t a_bytes, b_bytes;
} convert_seq;

static uh_status convert_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = ops_input(ctx, 0);
    int64_t ch = uh_param_int(ops_host, ctx, "channels");
    int64_t sample = uh_param_int(ops_host, ctx, "sample");
    int64_t space = uh_param_int(ops_host, ctx, "space");
    int64_t alpha = uh_param_int(ops_host, ctx, "alpha");
    convert_node *n;
    int in_pre, out_pre, change;
    uh_status st;
    if (!in)
        return ops_host->last_status(ctx);
    n = ops_host->alloc(ctx, sizeof(*n), 0, UH_LIFE_NODE);
    if (!n)
        return ops_host->last_status(ctx);
    n->in = *in;
    n->out = *in;
    if (ch)
        n->out.channels = (uint32_t)ch;
    if (sample)
        n->out.sample = (uint32_t)sample; /* u8 = 1, u16 = 2, f32 = 3 */
    if (space)
        n->out.space = (uint32_t)space - 1;
    in_pre = ops_alpha_index(in->channels) >= 0 &&
             (in->flags & UH_IMAGE_PREMULTIPLIED);
    out_pre = ops_alpha_index(n->out.channels) < 0 ? 0
              : alpha == 1                         ? 1
              : alpha == 2                         ? 0
                                                   : in_pre;
    change = n->out.space != in->space && in->space != UH_SPACE_DATA &&
             n->out.space != UH_SPACE_DATA;
    n->curve = !change ? 0 : n->out.space == UH_SPACE_LINEAR ? 1 : 2;
    /* Dropping alpha from a premultiplied image keeps its colour as it is
     * (the image composited over black), converted as colour. */
    n->straighten =
        in_pre && ops_alpha_index(n->out.channels) >= 0 && (!out_pre || change);

    n->premul = out_pre && (!in_pre || n->straighten);
    n->out.flags = (in->flags & ~UH_IMAGE_PREMULTIPLIED) |
                   (out_pre ? UH_IMAGE_PREMULTIPLIED : 0u);
    st = ops_host->set_output(ctx, 0, 0, &n->out);
    if (st != UH_OK) {
        ops_host->free(ctx, n, sizeof(*n));
        return st;
    }
    ops_host->set_user(ctx, n);
    return UH_OK;
}

static void convert_cleanup(uh_ctx *ctx)
{
    convert_node *n = ops_host->get_user(ctx);
    if (n)
        ops_host->free(ctx, n, sizeof(*n));
    ops_host->set_user(ctx, NULL);
}

static uh_status convert_start(uh_ctx *ctx, void **seq)
{
    const convert_node *n = ops_host->get_user(ctx);
    convert_seq *s = ops_host->alloc(ctx, sizeof(*s), 0, UH_LIFE_NODE);
    if (!s)
        return ops_host->last_status(ctx);
    s->a_bytes = (size_t)n->in.width * n->in.channels * sizeof(float);
    s->b_bytes = (size_t)n->out.width * n->out.channels * sizeof(float);
    s->a = ops_alloc(ctx, s->a_bytes);
    s->b = s->a ? ops_alloc(ctx, s->b_bytes) : NULL;
    if (!s->b) {
        ops_free(ctx, s->a, s->a_bytes);
        ops_host->free(ctx, s, sizeof(*s));
        return ops_host->last_status(ctx);
    }
    *seq = s;
    return UH_OK;
}

static void convert_stop(uh_ctx *ctx, void *seq)
{
    convert_seq *s = seq;
    if (!s)
        return;
    ops_free(ctx, s->a, s->a_bytes);
    ops_free(ctx, s->b, s->b_bytes);
    ops_host->free(ctx, s, sizeof(*s));
}

/* One row: a (input floats) -> b (output floats). */
static void convert_row(const convert_node *n, float *a, float *b)
{
    uint32_t w = n->in.width, ci = n->in.channels, co = n->out.channels;
    int ai = ops_alpha_index(ci), ao = ops_alpha_index(co);
    uint32_t cci = ai >= 0 ? ci - 1 : ci; /* colour channels in */
    uint32_t cco = ao >= 0 ? co - 1 : co;
    if (n->straighten)
        ops_unpremultiply(a, w, ci);
    for (uint32_t x = 0; x < w; x++) {
        const float *s = a + (size_t)x * ci;
        float *d = b + (size_t)x * co;
        float c[3];
        for (uint32_t k = 0; k < cci; k++) {
            float v = s[k];
            if (n->curve == 1)
                v = ops_srgb_to_linear(v);
            else if (n->curve == 2)
                v = ops_linear_to_srgb(v > 0.0f ? v : 0.0f);
            c[k] = v;
        }
        if (cco == 1 && cci == 3)
            d[0] = 0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2];
        else if (cco == 3 && cci == 1)
            d[0] = d[1] = d[2] = c[0];
        else
            for (uint32_t k = 0; k < cco; k++)
                d[k] = c[k];
        if (ao >= 0)
            d[ao] = ai >= 0 ? s[ai] : 1.0f;
    }
    if (n->premul)
        ops_premultiply(b, w, co);
}

static uh_status convert_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const convert_node *n = ops_host->get_user(ctx);
    convert_seq *s = seq;
    uh_rows v;
    uh_status st = ops_host->input_rows(ctx, 0, out->y, out->n, &v);
    if (st != UH_OK)
        return st;
    for (uint32_t r = 0; r < out->n; r++) {
        ops_row_to_float(&n->in, v.data + (size_t)r * v.stride, s->a,
                         n->in.width);
        convert_row(n, s->a, s->b);
        ops_row_from_float(&n->out, s->b, out->data + (size_t)r * out->stride,
                           n->out.width);
    }
    return UH_OK;
}

const uh_node_type ops_convert_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "convert",
    .summary = "change channels, sample type, colour space or "
               "premultiplication",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = convert_prepare,
    .start = convert_start,
    .rows = convert_rows,
    .stop = convert_stop,
    .cleanup = convert_cleanup,
};
