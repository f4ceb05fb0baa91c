/* crop: a rectangle of the input, copied byte for byte. */
#include <string.h>

#include "ops.h"

OPS_PARAM(p_left, "left", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, 0, OPS_MAX_SIDE,
          "first column kept");
OPS_PARAM(p_top, "top", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, 0, OPS_MAX_SIDE,
          "first row kept");
OPS_PARAM(p_width, "width", UH_PARAM_INTEGER,
          UH_PARAM_RANGE | UH_PARAM_REQUIRED, 0, 1, OPS_MAX_SIDE,
          "width of the rectangle");
OPS_PARAM(p_height, "height", UH_PARAM_INTEGER,
          UH_PARAM_RANGE | UH_PARAM_REQUIRED, 0, 1, OPS_MAX_SIDE,
          "height of the rectangle");

static const uh_param_desc *const params[] = {&p_left, &p_top, &p_width,
                                              &p_height, NULL};

typedef struct crop_node {
    uint32_t left, top;
    size_t offset, bytes; /* of a row: where the kept part starts, length */
} crop_node;

static uh_status crop_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = ops_input(ctx, 0);
    int64_t l = uh_param_int(ops_host, ctx, "left");
    int64_t t = uh_param_int(ops_host, ctx, "top");
    int64_t w = uh_param_int(ops_host, ctx, "width");
    int64_t h = uh_param_int(ops_host, ctx, "height");
    uh_image_info out;
    crop_node *n;
    uh_status st;
    if (!in)
        return ops_host->last_status(ctx);
    if (l + w > in->width || t + h > in->height)
        return ops_host->fail(
            ctx, UH_EINVAL,
            "crop rectangle %lldx%lld at (%lld, %lld) does not fit in the "
            "%ux%u input",
            (long long)w, (long long)h, (long long)l, (long long)t, in->width,
            in->height);
    out = *in;
    out.width = (uint32_t)w;
    out.height = (uint32_t)h;
    st = ops_host->set_output(ctx, 0, 0, &out);
    if (st != UH_OK)
        return st;
    n = ops_host->alloc(ctx, sizeof(*n), 0, UH_LIFE_NODE);
    if (!n)
        return ops_host->last_status(ctx);
    n->left = (uint32_t)l;
    n->top = (uint32_t)t;
    n->offset = (size_t)l * uh_pixel_size(in);
    n->bytes = (size_t)w * uh_pixel_size(in);
    ops_host->set_user(ctx, n);
    return UH_OK;
}

static uh_status crop_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const crop_node *n = ops_host->get_user(ctx);
    uh_rows v;
    uh_status st = ops_host->input_rows(ctx, 0, n->top + out->y, out->n, &v);
    (void)seq;
    if (st != UH_OK)
        return st;
    for (uint32_t r = 0; r < out->n; r++)
        memcpy(out->data + (size_t)r * out->stride,
               v.data + (size_t)r * v.stride + n->offset, n->bytes);
    return UH_OK;
}

static void crop_cleanup(uh_ctx *ctx)
{
    crop_node *n = ops_host->get_user(ctx);
    if (n)
        ops_host->free(ctx, n, sizeof(*n));
    ops_host->set_user(ctx, NULL);
}

const uh_node_type ops_crop_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "crop",
    .summary = "keep a rectangle of the image",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = crop_prepare,
    .start = ops_no_start,
    .rows = crop_rows,
    .stop = ops_no_stop,
    .cleanup = crop_cleanup,
};
