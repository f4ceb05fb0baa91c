/* rotate: by 90, 180 or 270 degrees clockwise, byte for byte. A whole node:
 * a quarter turn reads every input row for each output row. */
#include <string.h>

#include "ops.h"

OPS_PARAM(p_angle, "angle", UH_PARAM_INTEGER, UH_PARAM_RANGE, 90, 0, 270,
          "clockwise angle in degrees: 0, 90, 180 or 270");

static const uh_param_desc *const params[] = {&p_angle, NULL};

#define ROT_TILE 32u /* output rows and columns per tile */

typedef struct rot_job {
    const uh_image *in;
    uh_image *out;
    int angle;
} rot_job;

static uh_status rotate_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = ops_input(ctx, 0);
    int64_t angle = uh_param_int(ops_host, ctx, "angle");
    uh_image_info out;
    if (!in)
        return ops_host->last_status(ctx);
    if (angle % 90 != 0)
        return ops_host->fail(ctx, UH_EINVAL,
                              "angle %lld is not 0, 90, 180 or 270",
                              (long long)angle);
    out = *in;
    if (angle == 90 || angle == 270) {
        out.width = in->height;
        out.height = in->width;
    }
    return ops_host->set_output(ctx, 0, 0, &out);
}

/* Output rows [i * ROT_TILE, ...) of the rotation. */
static uh_status rotate_band(void *arg, uh_ctx *ctx2, uint32_t i)
{
    const rot_job *j = arg;
    const uh_image *in = j->in;
    uh_image *out = j->out;
    uint32_t px = uh_pixel_size(&in->info);
    uint32_t ow = out->info.width, oh = out->info.height;
    uint32_t iw = in->info.width, ih = in->info.height;
    uint32_t y0 = i * ROT_TILE, y1 = y0 + ROT_TILE < oh ? y0 + ROT_TILE : oh;
    if (ops_host->is_canceled(ctx2))
        return UH_ECANCELED;
    for (uint32_t x0 = 0; x0 < ow; x0 += ROT_TILE) {
        uint32_t x1 = x0 + ROT_TILE < ow ? x0 + ROT_TILE : ow;
        for (uint32_t y = y0; y < y1; y++) {
            uint8_t *d = out->data + (size_t)y * out->stride + (size_t)x0 * px;
            for (uint32_t x = x0; x < x1; x++, d += px) {
                uint32_t sx, sy;
                if (j->angle == 90) {
                    sx = y;
                    sy = ih - 1 - x;
                } else if (j->angle == 270) {
                    sx = iw - 1 - y;
                    sy = x;
                } else if (j->angle == 180) {
                    sx = iw - 1 - x;
                    sy = ih - 1 - y;
                } else {
                    sx = x;
                    sy = y;
                }
                memcpy(d, in->data + (size_t)sy * in->stride + (size_t)sx * px,
                       px);
            }
        }
    }
    return UH_OK;
}

static uh_status rotate_process(uh_ctx *ctx)
{
    rot_job j = {0};
    uh_status st = ops_host->input_image(ctx, 0, 0, &j.in);
    if (st != UH_OK)
        return st;
    st = ops_host->output_image(ctx, 0, 0, &j.out);
    if (st != UH_OK)
        return st;
    j.angle = (int)uh_param_int(ops_host, ctx, "angle");
    return ops_host->parallel_for(
        ctx, (j.out->info.height + ROT_TILE - 1) / ROT_TILE, rotate_band, &j);
}

const uh_node_type ops_rotate_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "rotate",
    .summary = "rotate by 90, 180 or 270 degrees clockwise",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = rotate_prepare,
    .process = rotate_process,
};
