/* resize: any ratio up or down with a choice of kernels; separable, alpha
 * premultiplied while filtering, optionally in linear light. */
#include "ops.h"

const char *const ops_kernel_names[] = {
    "nearest", "box", "triangle", "mitchell", "catrom", "lanczos3", NULL};

OPS_PARAM(p_width, "width", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, 0,
          OPS_MAX_SIDE,
          "output width in pixels; 0 = from height keeping the aspect, or "
          "from scale");
OPS_PARAM(p_height, "height", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, 0,
          OPS_MAX_SIDE,
          "output height in pixels; 0 = from width keeping the aspect, or "
          "from scale");
OPS_PARAM(p_scale, "scale", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 1e-6, 1e6,
          "factor applied to both sides when width and height are 0");
OPS_ENUM(p_kernel, "kernel", ops_kernel_names, "lanczos3", "resampling kernel");
OPS_PARAM(p_linear, "linear", UH_PARAM_BOOL, 0, 0, 0, 0,
          "filter sRGB images in linear light");

static const uh_param_desc *const params[] = {&p_width,  &p_height, &p_scale,
                                              &p_kernel, &p_linear, NULL};

/* Fills the plan fields every resampling node shares: formats, whether to
 * premultiply and whether to work in linear light. */
static void plan_formats(sep_plan *p, const uh_image_info *in, int kind,
                         int linear)
{
    p->in = *in;
    p->out = *in;
    p->premul = ops_alpha_index(in->channels) >= 0 &&
                !(in->flags & UH_IMAGE_PREMULTIPLIED) && kind != KERN_NEAREST;
    p->linear = linear && in->space == UH_SPACE_SRGB && kind != KERN_NEAREST;
}

/* Declares the output and builds the plan of a resize of input 0 to
 * full_w x full_h, keeping columns [x0, x0 + ow) and rows [y0, y0 + oh).
 * Shared by resize and thumbnail. */
uh_status ops_resample_prepare(uh_ctx *ctx, uint32_t full_w, uint32_t full_h,
                               uint32_t x0, uint32_t y0, uint32_t ow,
                               uint32_t oh, int kind, int linear,
                               size_t stream_bytes)
{
    const uh_image_info *in = ops_input(ctx, 0);
    sep_plan *p;
    uh_status st;
    if (!in)
        return ops_host->last_status(ctx);
    p = ops_host->alloc(ctx, sizeof(*p), 0, UH_LIFE_NODE);
    if (!p)
        return ops_host->last_status(ctx);
    *p = (sep_plan){0};
    plan_formats(p, in, kind, linear);
    p->out.width = ow;
    p->out.height = oh;
    p->stream_bytes = stream_bytes;
    /* A same-size resize (thumbnail with enlarge=false, say) is a copy: this
     * keeps the colour of transparent pixels, which premultiplying loses. */
    p->identity = full_w == in->width && full_h == in->height && ow == full_w &&
                  oh == full_h;
    st = ops_host->set_output(ctx, 0, 0, &p->out);
    if (st == UH_OK)
        st = sep_plan_init(ctx, p, kind, 0.0, full_w, full_h, x0, y0);
    if (st != UH_OK) {
        ops_host->free(ctx, p, sizeof(*p));
        return st;
    }
    ops_host->set_user(ctx, p);
    return UH_OK;
}

static uh_status resize_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = ops_input(ctx, 0);
    int64_t w = uh_param_int(ops_host, ctx, "width");
    int64_t h = uh_param_int(ops_host, ctx, "height");
    double scale = uh_param_num(ops_host, ctx, "scale");
    uint32_t ow, oh;
    if (!in)
        return ops_host->last_status(ctx);
    if (w > 0 && h > 0) {
        ow = (uint32_t)w;
        oh = (uint32_t)h;
    } else if (w > 0) {
        ow = (uint32_t)w;
        oh = ops_round_side((double)in->height * (double)w / in->width);
    } else if (h > 0) {
        oh = (uint32_t)h;
        ow = ops_round_side((double)in->width * (double)h / in->height);
    } else {
        ow = ops_round_side(in->width * scale);
        oh = ops_round_side(in->height * scale);
    }
    return ops_resample_prepare(ctx, ow, oh, 0, 0, ow, oh,
                                (int)uh_param_int(ops_host, ctx, "kernel"),
                                uh_param_int(ops_host, ctx, "linear") != 0, 0);
}

const uh_node_type ops_resize_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "resize",
    .summary = "resize to a width and/or height or by a scale, any kernel",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = resize_prepare,
    .start = sep_node_start,
    .rows = sep_node_rows,
    .stop = sep_node_stop,
    .cleanup = sep_node_cleanup,
};
