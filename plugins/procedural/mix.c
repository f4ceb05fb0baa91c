/* `mix`: blends image b over image a with a mode and a factor, optionally
 * scaled per pixel by a grey mask. Named mix so it never collides with the
 * ops plugin's blend. The output has a's geometry and channels. */
#include <string.h>

#include "proc.h"

enum {
    MX_MIX,
    MX_MULTIPLY,
    MX_ADD,
    MX_SUBTRACT,
    MX_SCREEN,
    MX_OVERLAY,
    MX_MAX,
    MX_MIN,
    MX_DIFFERENCE
};

typedef struct mix_node {
    proc_node head;
    uh_image_info a, b, m;
    int has_mask, mode;
    float factor;
} mix_node;

static const char *const mode_values[] = {
    "mix",     "multiply", "add", "subtract",   "screen",
    "overlay", "max",      "min", "difference", NULL};

static const uh_port_desc port_a = {
    .struct_size = sizeof(uh_port_desc),
    .name = "a",
    .type = UH_PORT_IMAGE,
    .doc = "the bottom image; the output has its size and channels",
};
static const uh_port_desc port_b = {
    .struct_size = sizeof(uh_port_desc),
    .name = "b",
    .type = UH_PORT_IMAGE,
    .doc = "the top image, the same size as a",
};
static const uh_port_desc port_mask = {
    .struct_size = sizeof(uh_port_desc),
    .name = "mask",
    .type = UH_PORT_IMAGE,
    .flags = UH_PORT_OPTIONAL,
    .doc = "grey weight per pixel (times factor), the same size as a",
};
static const uh_port_desc *const mix_inputs[] = {&port_a, &port_b, &port_mask,
                                                 NULL};

static const uh_param_desc p_mode = {
    .struct_size = sizeof(uh_param_desc),
    .name = "mode",
    .type = UH_PARAM_ENUM,
    .def_text = "mix",
    .values = mode_values,
    .doc = "how b combines with a, before the factor",
};
static const uh_param_desc p_factor = {
    .struct_size = sizeof(uh_param_desc),
    .name = "factor",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 0.5,
    .min = 0,
    .max = 1,
    .doc = "0 gives a, 1 the full blend",
};
static const uh_param_desc *const mix_params[] = {&p_mode, &p_factor,
                                                  &proc_p_sample_same, NULL};

static int same_size(const uh_image_info *x, const uh_image_info *y)
{
    return x->width == y->width && x->height == y->height;
}

static uh_status mix_prepare(uh_ctx *ctx)
{
    const uh_host *h = proc_host;
    const uh_image_info *a = h->input_info(ctx, 0, 0);
    const uh_image_info *b = h->input_info(ctx, 1, 0);
    const uh_image_info *m =
        h->input_count(ctx, 2) ? h->input_info(ctx, 2, 0) : NULL;
    uint32_t sample;
    mix_node *n;

    if (!a || !b)
        return h->fail(ctx, UH_EINVAL, "inputs a and b are required");
    if (!same_size(a, b))
        return h->fail(ctx, UH_EINVAL, "b is %ux%u but a is %ux%u", b->width,
                       b->height, a->width, a->height);
    if (m && !same_size(a, m))
        return h->fail(ctx, UH_EINVAL, "mask is %ux%u but a is %ux%u", m->width,
                       m->height, a->width, a->height);
    n = proc_alloc_node(ctx, sizeof(*n));
    if (!n)
        return h->last_status(ctx);
    n->a = *a;
    n->b = *b;
    if (m) {
        n->m = *m;
        n->has_mask = 1;
    }
    n->mode = (int)uh_param_int(h, ctx, "mode");
    n->factor = (float)uh_param_num(h, ctx, "factor");
    sample = (uint32_t)uh_param_int(h, ctx, "sample");
    n->head.fmt.width = a->width;
    n->head.fmt.height = a->height;
    n->head.fmt.channels = a->channels;
    n->head.fmt.sample = sample == 0 ? a->sample : sample;
    return proc_declare_or_cleanup(ctx, &n->head.fmt, a->space);
}

/* Pixels of any format as RGBA floats: grey copied to RGB, alpha 1 when
 * the image has none. */
static void to_rgba(const uh_image_info *info, const uint8_t *src, uint32_t w,
                    float *rgba)
{
    uint32_t ch = info->channels, x, c;
    for (x = 0; x < w; x++) {
        float px[4] = {0, 0, 0, 1};
        for (c = 0; c < ch; c++) {
            size_t i = (size_t)x * ch + c;
            px[c] = info->sample == UH_SAMPLE_U8 ? src[i] * (1.0f / 255.0f)
                    : info->sample == UH_SAMPLE_U16
                        ? ((const uint16_t *)(const void *)src)[i] *
                              (1.0f / 65535.0f)
                        : ((const float *)(const void *)src)[i];
        }
        if (ch <= 2) {
            px[3] = ch == 2 ? px[1] : 1.0f;
            px[1] = px[2] = px[0];
        }
        memcpy(rgba + 4 * (size_t)x, px, sizeof px);
    }
}

static inline float blend1(int mode, float a, float b)
{
    switch (mode) {
    case MX_MIX:
        return b;
    case MX_MULTIPLY:
        return a * b;
    case MX_ADD:
        return a + b;
    case MX_SUBTRACT:
        return a - b;
    case MX_SCREEN:
        return 1.0f - (1.0f - a) * (1.0f - b);
    case MX_OVERLAY:
        return a < 0.5f ? 2.0f * a * b : 1.0f - 2.0f * (1.0f - a) * (1.0f - b);
    case MX_MAX:
        return a > b ? a : b;
    case MX_MIN:
        return a < b ? a : b;
    default:
        return a > b ? a - b : b - a;
    }
}

static uh_status mix_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const mix_node *n = proc_host->get_user(ctx);
    proc_seq *s = seq;
    uint32_t w = n->head.fmt.width, r, x, c;
    float *ra = s->row, *rb = s->row + 4 * (size_t)w;
    float *rm = rb + 4 * (size_t)w;
    uh_rows ia, ib, im;
    uh_status st;

    st = proc_host->input_rows(ctx, 0, out->y, out->n, &ia);
    if (st == UH_OK)
        st = proc_host->input_rows(ctx, 1, out->y, out->n, &ib);
    if (st == UH_OK && n->has_mask)
        st = proc_host->input_rows(ctx, 2, out->y, out->n, &im);
    if (st != UH_OK)
        return st;
    for (r = 0; r < out->n; r++) {
        to_rgba(&n->a, ia.data + r * ia.stride, w, ra);
        to_rgba(&n->b, ib.data + r * ib.stride, w, rb);
        if (n->has_mask)
            proc_get_grey(&n->m, im.data + r * im.stride, w, rm);
        for (x = 0; x < w; x++) {
            float f = n->factor * (n->has_mask ? rm[x] : 1.0f);
            float *pa = ra + 4 * (size_t)x, *pb = rb + 4 * (size_t)x;
            for (c = 0; c < 3; c++)
                pa[c] += (blend1(n->mode, pa[c], pb[c]) - pa[c]) * f;
        }
        if (n->head.fmt.channels <= 2) {
            /* Keep grey exact: luma of equal RGB is not bit-exact. */
            for (x = 0; x < w; x++) {
                float *p = ra + 4 * (size_t)x;
                p[1] = p[2] = p[0];
            }
        }
        proc_put_rgba(&n->head.fmt, ra, out->data + r * out->stride);
    }
    return UH_OK;
}

const uh_node_type proc_mix_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "mix",
    .summary = "blend image b over a (mix, multiply, add, screen, overlay, "
               "...) by a factor and optional mask",
    .threading = UH_THREADS_SHARED,
    .inputs = mix_inputs,
    .outputs = proc_outputs,
    .params = mix_params,
    .prepare = mix_prepare,
    .start = proc_start_row9,
    .rows = mix_rows,
    .stop = proc_stop_row,
    .cleanup = proc_cleanup,
};
