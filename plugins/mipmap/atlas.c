/* mip.atlas: a list of levels packed into one image. A mip chain: level 0
 * at the left, levels 1.. stacked top to bottom at x = w0 (1.5w x h). A
 * ripmap grid: level (i, j) at (sum of column widths before i, sum of row
 * heights before j), i.e. (2w-1) x (2h-1). Unused texels are 0. The
 * placement can be written as JSON (`manifest`). */
#include <string.h>

#include "mipmap_int.h"

#define MAX_SIDE 33

static const uh_param_desc p_manifest = {
    .struct_size = sizeof(uh_param_desc),
    .name = "manifest",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_OUTPUT_FILE,
    .doc = "also write the placement of every level as JSON to this path "
           "(\"\" = no)",
};
static const uh_param_desc *const params[] = {&p_manifest, NULL};
static const uh_port_desc *const inputs[] = {&mip_port_levels_in, NULL};
static const uh_port_desc out_image = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the atlas",
};
static const uh_port_desc *const outputs[] = {&out_image, NULL};

typedef struct layout {
    uint32_t n, width, height, grid;
} layout;

/* Computes the atlas size in *lay and the position of every level in
 * xs/ys (input_count entries each). */
static uh_status plan(uh_ctx *ctx, layout *lay, uint32_t *xs, uint32_t *ys)
{
    const uh_host *h = mip_host;
    uint32_t n = h->input_count(ctx, 0);
    if (n == 0)
        return h->fail(ctx, UH_EINVAL, "input 'levels' is empty");
    const uh_image_info *l0 = h->input_info(ctx, 0, 0);
    int grid = 0;
    for (uint32_t k = 0; k < n; k++) {
        const uh_image_info *l = h->input_info(ctx, 0, k);
        if (l->channels != l0->channels || l->sample != l0->sample)
            return h->fail(ctx, UH_EUNSUPPORTED,
                           "level %u has another pixel format than level 0", k);
        if (l->level_x >= MAX_SIDE || l->level_y >= MAX_SIDE)
            return h->fail(ctx, UH_EUNSUPPORTED, "level %u has index (%u, %u)",
                           k, l->level_x, l->level_y);
        if (l->level_x != l->level_y)
            grid = 1;
    }
    uint64_t W = 0, H = 0;
    if (!grid) {
        uint64_t y = 0, wr = 0;
        for (uint32_t k = 0; k < n; k++) {
            const uh_image_info *l = h->input_info(ctx, 0, k);
            if (k == 0) {
                xs[k] = 0;
                ys[k] = 0;
                continue;
            }
            xs[k] = l0->width;
            ys[k] = (uint32_t)y;
            y += l->height;
            if (l->width > wr)
                wr = l->width;
        }
        W = (uint64_t)l0->width + wr;
        H = y > l0->height ? y : l0->height;
    } else {
        uint32_t colw[MAX_SIDE] = {0}, rowh[MAX_SIDE] = {0};
        for (uint32_t k = 0; k < n; k++) {
            const uh_image_info *l = h->input_info(ctx, 0, k);
            if (l->width > colw[l->level_x])
                colw[l->level_x] = l->width;
            if (l->height > rowh[l->level_y])
                rowh[l->level_y] = l->height;
        }
        uint64_t cx[MAX_SIDE + 1], cy[MAX_SIDE + 1];
        cx[0] = cy[0] = 0;
        for (uint32_t i = 0; i < MAX_SIDE; i++) {
            cx[i + 1] = cx[i] + colw[i];
            cy[i + 1] = cy[i] + rowh[i];
        }
        for (uint32_t k = 0; k < n; k++) {
            const uh_image_info *l = h->input_info(ctx, 0, k);
            xs[k] = (uint32_t)cx[l->level_x];
            ys[k] = (uint32_t)cy[l->level_y];
        }
        W = cx[MAX_SIDE];
        H = cy[MAX_SIDE];
    }
    if (W > UINT32_MAX || H > UINT32_MAX)
        return h->fail(ctx, UH_ELIMIT, "atlas would be too large");
    lay->n = n;
    lay->width = (uint32_t)W;
    lay->height = (uint32_t)H;
    lay->grid = (uint32_t)grid;
    return UH_OK;
}

static uh_status alloc_pos(uh_ctx *ctx, uint32_t **xs, uint32_t **ys,
                           size_t *bytes)
{
    uint32_t n = mip_host->input_count(ctx, 0);
    *bytes = (size_t)(n ? n : 1) * sizeof(uint32_t);
    *xs = mip_host->alloc(ctx, *bytes, 16, UH_LIFE_TEMP);
    *ys = mip_host->alloc(ctx, *bytes, 16, UH_LIFE_TEMP);
    if (!*xs || !*ys) {
        mip_host->free(ctx, *xs, *bytes);
        mip_host->free(ctx, *ys, *bytes);
        return mip_host->last_status(ctx);
    }
    return UH_OK;
}

static uh_status at_prepare(uh_ctx *ctx)
{
    mipf_init(); /* the tables, on first use (not at plugin load) */
    uint32_t *xs, *ys;
    size_t bytes;
    uh_status st = alloc_pos(ctx, &xs, &ys, &bytes);
    if (st != UH_OK)
        return st;
    layout lay;
    st = plan(ctx, &lay, xs, ys);
    mip_host->free(ctx, xs, bytes);
    mip_host->free(ctx, ys, bytes);
    if (st != UH_OK)
        return st;
    uh_image_info info = *mip_host->input_info(ctx, 0, 0);
    info.width = lay.width;
    info.height = lay.height;
    info.level_x = info.level_y = 0;
    return mip_host->set_output(ctx, 0, 0, &info);
}

static uh_status write_manifest(uh_ctx *ctx, const char *path,
                                const layout *lay, const uint32_t *xs,
                                const uint32_t *ys)
{
    mip_out o;
    uh_status st = mip_out_open(ctx, &o, path);
    if (st != UH_OK)
        return st;
    mip_out_printf(&o,
                   "{\n  \"kind\": \"%s\",\n  \"width\": %u,\n  \"height\": "
                   "%u,\n  \"levels\": [",
                   lay->grid ? "ripmap" : "mipmap", lay->width, lay->height);
    for (uint32_t k = 0; k < lay->n; k++) {
        const uh_image_info *l = mip_host->input_info(ctx, 0, k);
        mip_out_printf(&o,
                       "%s\n    {\"index\": %u, \"i\": %u, \"j\": %u, \"x\": "
                       "%u, \"y\": %u, \"width\": %u, \"height\": %u}",
                       k ? "," : "", k, l->level_x, l->level_y, xs[k], ys[k],
                       l->width, l->height);
    }
    mip_out_printf(&o, "\n  ]\n}\n");
    return mip_out_close(&o);
}

static uh_status at_process(uh_ctx *ctx)
{
    const uh_host *h = mip_host;
    uint32_t *xs, *ys;
    size_t bytes;
    uh_status st = alloc_pos(ctx, &xs, &ys, &bytes);
    if (st != UH_OK)
        return st;
    layout lay;
    uh_image *out;
    if ((st = plan(ctx, &lay, xs, ys)) != UH_OK)
        goto done;
    if ((st = h->output_image(ctx, 0, 0, &out)) != UH_OK)
        goto done;
    size_t ps = uh_pixel_size(&out->info);
    for (uint32_t y = 0; y < out->info.height; y++)
        memset(out->data + (size_t)y * out->stride, 0,
               (size_t)out->info.width * ps);
    for (uint32_t k = 0; k < lay.n; k++) {
        const uh_image *img;
        if ((st = h->input_image(ctx, 0, k, &img)) != UH_OK)
            goto done;
        size_t rb = (size_t)img->info.width * ps;
        for (uint32_t y = 0; y < img->info.height; y++)
            memcpy(out->data + (size_t)(ys[k] + y) * out->stride +
                       (size_t)xs[k] * ps,
                   img->data + (size_t)y * img->stride, rb);
    }
    const char *man = uh_param_str(h, ctx, "manifest");
    if (man[0])
        st = write_manifest(ctx, man, &lay, xs, ys);
done:
    h->free(ctx, xs, bytes);
    h->free(ctx, ys, bytes);
    return st;
}

const uh_node_type mip_type_atlas = {
    .struct_size = sizeof(uh_node_type),
    .id = "mip.atlas",
    .summary = "levels -> one atlas image (mip 1.5w x h, ripmap grid "
               "(2w-1) x (2h-1)), placement JSON on request",
    .inputs = inputs,
    .outputs = outputs,
    .params = params,
    .prepare = at_prepare,
    .process = at_process,
};
