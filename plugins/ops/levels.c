/* levels: remap [in_black, in_white] to [out_black, out_white] with a gamma
 * in between, per colour channel (nominal 0..1 values). */
#include "point.h"

OPS_PARAM(p_in_black, "in_black", UH_PARAM_NUMBER, UH_PARAM_RANGE, 0, 0, 1,
          "input value that becomes out_black");
OPS_PARAM(p_in_white, "in_white", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0, 1,
          "input value that becomes out_white");
OPS_PARAM(p_gamma, "gamma", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0.01, 100,
          "midtone gamma: > 1 brightens, < 1 darkens");
OPS_PARAM(p_out_black, "out_black", UH_PARAM_NUMBER, UH_PARAM_RANGE, 0, 0, 1,
          "output value of the darkest input");
OPS_PARAM(p_out_white, "out_white", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0, 1,
          "output value of the brightest input");

static const uh_param_desc *const params[] = {
    &p_in_black, &p_in_white, &p_gamma, &p_out_black, &p_out_white, NULL};

static uh_status levels_prepare(uh_ctx *ctx)
{
    double p[5] = {uh_param_num(ops_host, ctx, "in_black"),
                   uh_param_num(ops_host, ctx, "in_white"),
                   uh_param_num(ops_host, ctx, "gamma"),
                   uh_param_num(ops_host, ctx, "out_black"),
                   uh_param_num(ops_host, ctx, "out_white")};
    if (p[1] <= p[0])
        return ops_host->fail(ctx, UH_EINVAL,
                              "in_white (%g) must be greater than in_black "
                              "(%g)",
                              p[1], p[0]);
    return point_prepare(ctx, POINT_LEVELS, p, 5);
}

const uh_node_type ops_levels_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "levels",
    .summary = "input and output black/white points and gamma",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = levels_prepare,
    .start = point_start,
    .rows = point_rows,
    .stop = point_stop,
    .cleanup = point_cleanup,
};
