/* flip: mirror left-right (horizontal) or top-bottom (vertical), byte for
 * byte. */
#include <string.h>

#include "ops.h"

static const char *const direction_names[] = {"horizontal", "vertical", NULL};

OPS_ENUM(p_direction, "direction", direction_names, "horizontal",
         "horizontal: mirror left-right; vertical: upside down");

static const uh_param_desc *const params[] = {&p_direction, NULL};

typedef struct flip_node {
    int vertical;
    uint32_t height, width, pixel;
} flip_node;

static uh_status flip_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = ops_input(ctx, 0);
    flip_node *n;
    uh_status st;
    if (!in)
        return ops_host->last_status(ctx);
    st = ops_host->set_output(ctx, 0, 0, in);
    if (st != UH_OK)
        return st;
    n = ops_host->alloc(ctx, sizeof(*n), 0, UH_LIFE_NODE);
    if (!n)
        return ops_host->last_status(ctx);
    n->vertical = uh_param_int(ops_host, ctx, "direction") == 1;
    n->height = in->height;
    n->width = in->width;
    n->pixel = uh_pixel_size(in);
    ops_host->set_user(ctx, n);
    return UH_OK;
}

static uh_status flip_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const flip_node *n = ops_host->get_user(ctx);
    size_t px = n->pixel, row = (size_t)n->width * px;
    uh_rows v;
    uh_status st;
    (void)seq;
    if (n->vertical) {
        /* Output rows [y, y + n) are input rows [H - y - n, H - y),
         * fetched in one increasing band. */
        st = ops_host->input_rows(ctx, 0, n->height - out->y - out->n, out->n,
                                  &v);
        if (st != UH_OK)
            return st;
        for (uint32_t r = 0; r < out->n; r++)
            memcpy(out->data + (size_t)r * out->stride,
                   v.data + (size_t)(out->n - 1 - r) * v.stride, row);
        return UH_OK;
    }
    st = ops_host->input_rows(ctx, 0, out->y, out->n, &v);
    if (st != UH_OK)
        return st;
    for (uint32_t r = 0; r < out->n; r++) {
        const uint8_t *s = v.data + (size_t)r * v.stride;
        uint8_t *d = out->data + (size_t)r * out->stride + row - px;
        for (uint32_t x = 0; x < n->width; x++, s += px, d -= px)
            memcpy(d, s, px);
    }
    return UH_OK;
}

static void flip_cleanup(uh_ctx *ctx)
{
    flip_node *n = ops_host->get_user(ctx);
    if (n)
        ops_host->free(ctx, n, sizeof(*n));
    ops_host->set_user(ctx, NULL);
}

const uh_node_type ops_flip_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "flip",
    .summary = "mirror horizontally or vertically",
    .threading = UH_THREADS_SHARED,
    /* A vertical flip reads its input bottom-up. */
    .strip_flags = UH_STRIP_RANDOM_ACCESS,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = flip_prepare,
    .start = ops_no_start,
    .rows = flip_rows,
    .stop = ops_no_stop,
    .cleanup = flip_cleanup,
};
