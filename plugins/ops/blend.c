/* blend: composite input "overlay" over input "base" with a blend mode and
 * an opacity (Porter-Duff source-over with the W3C compositing formula),
 * on straight (unpremultiplied) values in the base's colour space. */
#include "ops.h"

static const char *const mode_names[] = {"normal",  "multiply", "screen",
                                         "overlay", "add",      NULL};
enum { MODE_NORMAL, MODE_MULTIPLY, MODE_SCREEN, MODE_OVERLAY, MODE_ADD };

OPS_ENUM(p_mode, "mode", mode_names, "normal",
         "how overlay colour Cs mixes with base colour Cb: normal Cs, "
         "multiply Cb*Cs, screen Cb+Cs-Cb*Cs, overlay (hard light by Cb), "
         "add min(1, Cb+Cs)");
OPS_PARAM(p_opacity, "opacity", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0, 1,
          "multiplies the overlay's alpha");

static const uh_param_desc *const params[] = {&p_mode, &p_opacity, NULL};

static const uh_port_desc port_base = {
    .struct_size = sizeof(uh_port_desc),
    .name = "base",
    .type = UH_PORT_IMAGE,
    .doc = "the image underneath; the output has its format"};
static const uh_port_desc port_overlay = {
    .struct_size = sizeof(uh_port_desc),
    .name = "overlay",
    .type = UH_PORT_IMAGE,
    .doc = "the image on top; same width and height as base"};
static const uh_port_desc *const inputs[] = {&port_base, &port_overlay, NULL};

typedef struct blend_node {
    uh_image_info base, over;
    int mode;
    float opacity;
    int curve; /* overlay colour: 0 as is, 1 sRGB -> linear, 2 back */
} blend_node;

typedef struct blend_seq {
    float *b, *o;
    size_t b_bytes, o_bytes;
} blend_seq;

static uh_status blend_prepare(uh_ctx *ctx)
{
    const uh_image_info *b = ops_input(ctx, 0);
    const uh_image_info *o = ops_input(ctx, 1);
    blend_node *n;
    uh_status st;
    if (!b || !o)
        return ops_host->last_status(ctx);
    if (b->width != o->width || b->height != o->height)
        return ops_host->fail(ctx, UH_EINVAL,
                              "overlay is %ux%u but base is %ux%u; they must "
                              "match (crop, embed or resize the overlay)",
                              o->width, o->height, b->width, b->height);
    st = ops_host->set_output(ctx, 0, 0, b);
    if (st != UH_OK)
        return st;
    n = ops_host->alloc(ctx, sizeof(*n), 0, UH_LIFE_NODE);
    if (!n)
        return ops_host->last_status(ctx);
    n->base = *b;
    n->over = *o;
    n->mode = (int)uh_param_int(ops_host, ctx, "mode");
    n->opacity = (float)uh_param_num(ops_host, ctx, "opacity");
    n->curve = 0;
    if (o->space != b->space && o->space != UH_SPACE_DATA &&
        b->space != UH_SPACE_DATA)
        n->curve = b->space == UH_SPACE_LINEAR ? 1 : 2;
    ops_host->set_user(ctx, n);
    return UH_OK;
}

static void blend_cleanup(uh_ctx *ctx)
{
    blend_node *n = ops_host->get_user(ctx);
    if (n)
        ops_host->free(ctx, n, sizeof(*n));
    ops_host->set_user(ctx, NULL);
}

static uh_status blend_start(uh_ctx *ctx, void **seq)
{
    const blend_node *n = ops_host->get_user(ctx);
    blend_seq *s = ops_host->alloc(ctx, sizeof(*s), 0, UH_LIFE_NODE);
    if (!s)
        return ops_host->last_status(ctx);
    s->b_bytes = (size_t)n->base.width * n->base.channels * sizeof(float);
    s->o_bytes = (size_t)n->over.width * n->over.channels * sizeof(float);
    s->b = ops_alloc(ctx, s->b_bytes);
    s->o = s->b ? ops_alloc(ctx, s->o_bytes) : NULL;
    if (!s->o) {
        ops_free(ctx, s->b, s->b_bytes);
        ops_host->free(ctx, s, sizeof(*s));
        return ops_host->last_status(ctx);
    }
    *seq = s;
    return UH_OK;
}

static void blend_stop(uh_ctx *ctx, void *seq)
{
    blend_seq *s = seq;
    if (!s)
        return;
    ops_free(ctx, s->b, s->b_bytes);
    ops_free(ctx, s->o, s->o_bytes);
    ops_host->free(ctx, s, sizeof(*s));
}

static float mix(int mode, float cb, float cs)
{
    switch (mode) {
    case MODE_MULTIPLY:
        return cb * cs;
    case MODE_SCREEN:
        return cb + cs - cb * cs;
    case MODE_OVERLAY:
        return cb <= 0.5f ? 2.0f * cb * cs
                          : 1.0f - 2.0f * (1.0f - cb) * (1.0f - cs);
    case MODE_ADD:
        return cb + cs < 1.0f ? cb + cs : 1.0f;
    default:
        return cs;
    }
}

/* Composites overlay row o over base row b, in place in b. */
static void blend_row(const blend_node *n, float *b, float *o)
{
    uint32_t w = n->base.width, cb = n->base.channels, co = n->over.channels;
    int ab = ops_alpha_index(cb), ao = ops_alpha_index(co);
    uint32_t ncb = ab >= 0 ? cb - 1 : cb, nco = ao >= 0 ? co - 1 : co;
    if (ab >= 0 && (n->base.flags & UH_IMAGE_PREMULTIPLIED))
        ops_unpremultiply(b, w, cb);
    if (ao >= 0 && (n->over.flags & UH_IMAGE_PREMULTIPLIED))
        ops_unpremultiply(o, w, co);
    for (uint32_t x = 0; x < w; x++) {
        float *pb = b + (size_t)x * cb;
        const float *po = o + (size_t)x * co;
        float cs[3], as = (ao >= 0 ? po[ao] : 1.0f) * n->opacity;
        float a_b = ab >= 0 ? pb[ab] : 1.0f;
        float a_o = as + a_b * (1.0f - as);
        for (uint32_t k = 0; k < nco; k++) {
            float v = po[k];
            if (n->curve == 1)
                v = ops_srgb_to_linear(v);
            else if (n->curve == 2)
                v = ops_linear_to_srgb(v > 0.0f ? v : 0.0f);
            cs[k] = v;
        }
        if (ncb == 1 && nco == 3)
            cs[0] = 0.2126f * cs[0] + 0.7152f * cs[1] + 0.0722f * cs[2];
        else if (ncb == 3 && nco == 1)
            cs[1] = cs[2] = cs[0];
        for (uint32_t k = 0; k < ncb; k++) {
            float c = as * (1.0f - a_b) * cs[k] +
                      as * a_b * mix(n->mode, pb[k], cs[k]) +
                      (1.0f - as) * a_b * pb[k];
            pb[k] = a_o > 0.0f ? c / a_o : 0.0f;
        }
        if (ab >= 0)
            pb[ab] = a_o;
    }
    if (ab >= 0 && (n->base.flags & UH_IMAGE_PREMULTIPLIED))
        ops_premultiply(b, w, cb);
}

static uh_status blend_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const blend_node *n = ops_host->get_user(ctx);
    blend_seq *s = seq;
    uh_rows vb, vo;
    uh_status st = ops_host->input_rows(ctx, 0, out->y, out->n, &vb);
    if (st == UH_OK)
        st = ops_host->input_rows(ctx, 1, out->y, out->n, &vo);
    if (st != UH_OK)
        return st;
    for (uint32_t r = 0; r < out->n; r++) {
        ops_row_to_float(&n->base, vb.data + (size_t)r * vb.stride, s->b,
                         n->base.width);
        ops_row_to_float(&n->over, vo.data + (size_t)r * vo.stride, s->o,
                         n->over.width);
        blend_row(n, s->b, s->o);
        ops_row_from_float(&n->base, s->b, out->data + (size_t)r * out->stride,
                           n->base.width);
    }
    return UH_OK;
}

const uh_node_type ops_blend_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "blend",
    .summary = "composite overlay over base: normal, multiply, screen, "
               "overlay, add",
    .threading = UH_THREADS_SHARED,
    .inputs = inputs,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = blend_prepare,
    .start = blend_start,
    .rows = blend_rows,
    .stop = blend_stop,
    .cleanup = blend_cleanup,
};
