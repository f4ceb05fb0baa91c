/* brightness_contrast: (v - 0.5) * contrast + 0.5 + brightness per colour
 * channel, on nominal 0..1 values. */
#include "point.h"

OPS_PARAM(p_brightness, "brightness", UH_PARAM_NUMBER, UH_PARAM_RANGE, 0, -1, 1,
          "added to every colour value");
OPS_PARAM(p_contrast, "contrast", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0, 10,
          "scales the distance from mid-grey: 1 keeps, 0 flattens");

static const uh_param_desc *const params[] = {&p_brightness, &p_contrast, NULL};

static uh_status bc_prepare(uh_ctx *ctx)
{
    double p[2] = {uh_param_num(ops_host, ctx, "brightness"),
                   uh_param_num(ops_host, ctx, "contrast")};
    return point_prepare(ctx, POINT_BRIGHTNESS_CONTRAST, p, 2);
}

const uh_node_type ops_brightness_contrast_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "brightness_contrast",
    .summary = "brightness offset and contrast around mid-grey",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = bc_prepare,
    .start = point_start,
    .rows = point_rows,
    .stop = point_stop,
    .cleanup = point_cleanup,
};
