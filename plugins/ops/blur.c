/* blur: Gaussian blur, separable, any sigma > 0, kernel radius
 * ceil(3 * sigma), edges clamped, alpha premultiplied while filtering. */
#include "ops.h"

OPS_PARAM(p_sigma, "sigma", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0.001, 1000,
          "standard deviation of the Gaussian in pixels");

static const uh_param_desc *const params[] = {&p_sigma, NULL};

/* Builds a Gaussian plan over input 0 into a new user pointer; premul says
 * whether alpha images are filtered premultiplied. Shared with sharpen. */
uh_status ops_gauss_prepare(uh_ctx *ctx, double sigma, int premul,
                            sep_plan **out)
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
    p->in = *in;
    p->out = *in;
    p->premul = premul && ops_alpha_index(in->channels) >= 0 &&
                !(in->flags & UH_IMAGE_PREMULTIPLIED);
    st = ops_host->set_output(ctx, 0, 0, &p->out);
    if (st == UH_OK)
        st = sep_plan_init(ctx, p, -1, sigma, in->width, in->height, 0, 0);
    if (st != UH_OK) {
        ops_host->free(ctx, p, sizeof(*p));
        return st;
    }
    *out = p;
    return UH_OK;
}

static uh_status blur_prepare(uh_ctx *ctx)
{
    sep_plan *p = NULL;
    uh_status st =
        ops_gauss_prepare(ctx, uh_param_num(ops_host, ctx, "sigma"), 1, &p);
    if (st == UH_OK)
        ops_host->set_user(ctx, p);
    return st;
}

const uh_node_type ops_blur_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "blur",
    .summary = "Gaussian blur with any sigma, edges clamped",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = blur_prepare,
    .start = sep_node_start,
    .rows = sep_node_rows,
    .stop = sep_node_stop,
    .cleanup = sep_node_cleanup,
};
