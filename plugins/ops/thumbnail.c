/* thumbnail: fit an image within a box (or cover it and crop the centre),
 * keeping the aspect ratio; a resize with the box arithmetic done here. */
#include "ops.h"

/* A thumbnail is a strong reduction whose input usually comes from a
 * sequential decoder: it runs as a sequential strip node (bands in order,
 * one at a time) and reads its input in requests of about this many bytes,
 * so memory stays small whatever the band height and the ratio. */
#define OPS_THUMB_REQUEST_BYTES ((size_t)1 << 20)

static const char *const crop_names[] = {"none", "centre", NULL};

OPS_PARAM(p_width, "width", UH_PARAM_INTEGER, UH_PARAM_RANGE, 256, 1,
          OPS_MAX_SIDE, "width of the box in pixels");
OPS_PARAM(p_height, "height", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, 0,
          OPS_MAX_SIDE, "height of the box in pixels; 0 = same as width");
OPS_ENUM(p_crop, "crop", crop_names, "none",
         "none: fit inside the box; centre: cover the box and crop the "
         "middle");
OPS_ENUM(p_kernel, "kernel", ops_kernel_names, "lanczos3", "resampling kernel");
OPS_PARAM(p_linear, "linear", UH_PARAM_BOOL, 0, 0, 0, 0,
          "filter sRGB images in linear light");
OPS_PARAM(p_enlarge, "enlarge", UH_PARAM_BOOL, 0, 1, 0, 0,
          "allow images smaller than the box to grow");

static const uh_param_desc *const params[] = {
    &p_width, &p_height, &p_crop, &p_kernel, &p_linear, &p_enlarge, NULL};

static uh_status thumbnail_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = ops_input(ctx, 0);
    uint32_t bw = (uint32_t)uh_param_int(ops_host, ctx, "width");
    uint32_t bh = (uint32_t)uh_param_int(ops_host, ctx, "height");
    int cover = uh_param_int(ops_host, ctx, "crop") == 1;
    double sx, sy, s;
    uint32_t fw, fh, ow, oh;
    if (!in)
        return ops_host->last_status(ctx);
    if (bh == 0)
        bh = bw;
    sx = (double)bw / in->width;
    sy = (double)bh / in->height;
    s = cover ? (sx > sy ? sx : sy) : (sx < sy ? sx : sy);
    if (!uh_param_int(ops_host, ctx, "enlarge") && s > 1.0)
        s = 1.0;
    fw = ops_round_side(in->width * s);
    fh = ops_round_side(in->height * s);
    /* The side the scale came from lands exactly on the box. */
    if (s == sx)
        fw = bw;
    if (s == sy)
        fh = bh;
    ow = cover && fw > bw ? bw : fw;
    oh = cover && fh > bh ? bh : fh;
    return ops_resample_prepare(ctx, fw, fh, (fw - ow) / 2, (fh - oh) / 2, ow,
                                oh, (int)uh_param_int(ops_host, ctx, "kernel"),
                                uh_param_int(ops_host, ctx, "linear") != 0,
                                OPS_THUMB_REQUEST_BYTES);
}

const uh_node_type ops_thumbnail_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "thumbnail",
    .summary = "fit within a box (or cover and crop), keeping the aspect",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = thumbnail_prepare,
    .start = sep_node_start,
    .rows = sep_node_rows,
    .stop = sep_node_stop,
    .cleanup = sep_node_cleanup,
    .strip_flags = UH_STRIP_SEQUENTIAL,
};
