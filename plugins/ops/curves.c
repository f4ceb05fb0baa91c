/* curves: a tone curve through (x, y) points, per colour channel, smooth
 * (monotone cubic, never overshooting between points) or piecewise
 * linear. */
#include "point.h"

static const uh_param_desc p_points = {
    .struct_size = sizeof(uh_param_desc),
    .name = "points",
    .type = UH_PARAM_NUMBERS,
    .flags = UH_PARAM_RANGE,
    .def_text = "[0, 0, 1, 1]",
    .min = 0,
    .max = 1,
    .min_count = 4,
    .max_count = 2 * POINT_MAX_KNOTS,
    .doc = "[x0, y0, x1, y1, ...] in nominal 0..1, x strictly increasing; "
           "flat beyond the first and last point"};
OPS_PARAM(p_smooth, "smooth", UH_PARAM_BOOL, 0, 1, 0, 0,
          "monotone cubic through the points; false: straight segments");

static const uh_param_desc *const params[] = {&p_points, &p_smooth, NULL};

static uh_status curves_prepare(uh_ctx *ctx)
{
    const uh_value *v = ops_host->param(ctx, "points");
    double p[2 * POINT_MAX_KNOTS + 1];
    uint32_t n = v ? v->count : 0;
    if (n < 4 || n % 2 || n > 2 * POINT_MAX_KNOTS)
        return ops_host->fail(ctx, UH_EINVAL,
                              "points needs an even count of 4 to %u numbers "
                              "(x, y pairs), got %u",
                              2 * POINT_MAX_KNOTS, n);
    for (uint32_t i = 0; i < n; i++)
        p[i] = v->numbers[i];
    for (uint32_t k = 1; k < n / 2; k++)
        if (!(p[2 * k] > p[2 * k - 2]))
            return ops_host->fail(ctx, UH_EINVAL,
                                  "point %u has x = %g, not greater than the "
                                  "x = %g before it",
                                  k, p[2 * k], p[2 * k - 2]);
    p[n] = (double)uh_param_int(ops_host, ctx, "smooth");
    return point_prepare(ctx, POINT_CURVES, p, n);
}

const uh_node_type ops_curves_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "curves",
    .summary = "tone curve through points, smooth or linear",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = curves_prepare,
    .start = point_start,
    .rows = point_rows,
    .stop = point_stop,
    .cleanup = point_cleanup,
};
