/* ripmap: an image becomes every (w >> i) x (h >> j) level, generated
 * separably: the base is reduced in Y level by level, and each of those
 * rows of the grid is reduced in X, all in float. Output order is j-major:
 * (0,0), (1,0), ... (nx-1,0), (0,1), ... */
#include <math.h>
#include <string.h>

#include "mipmap_int.h"

#define MAX_SIDE 33

static const uh_param_desc p_max_aniso = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_aniso",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 1 << 20,
    .doc = "keep only levels with 2^|i - j| <= max_aniso; 0 = all",
};
static const uh_param_desc p_drop_1px = {
    .struct_size = sizeof(uh_param_desc),
    .name = "drop_1px",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "drop levels 1 pixel wide or tall (keeping the 1x1 level)",
};

static const uh_param_desc *const params[] = {&mip_param_filter,
                                              &mip_param_transfer,
                                              &mip_param_wrap,
                                              &p_max_aniso,
                                              &p_drop_1px,
                                              &mip_param_sample,
                                              NULL};
static const uh_port_desc *const inputs[] = {&mip_port_image_in, NULL};
static const uh_port_desc *const outputs[] = {&mip_port_levels_out, NULL};

typedef struct plan {
    uh_image_info in, out;
    uint32_t nx, ny;
    int filter, op, wrap, transfer, premult_work, premultiplied;
    int32_t index[MAX_SIDE][MAX_SIDE]; /* [j][i] -> output index or -1 */
    uint32_t count;
} plan;

static uh_status make_plan(uh_ctx *ctx, plan *p)
{
    const uh_host *h = mip_host;
    const uh_image_info *in = h->input_info(ctx, 0, 0);
    if (!in)
        return h->fail(ctx, UH_EINVAL, "input 'image' is not connected");
    memset(p, 0, sizeof(*p));
    p->in = *in;
    p->filter = (int)uh_param_int(h, ctx, "filter");
    p->op = p->filter == MIPF_MIN   ? MIPF_OP_MIN
            : p->filter == MIPF_MAX ? MIPF_OP_MAX
                                    : MIPF_OP_WEIGHTED;
    p->wrap = (int)uh_param_int(h, ctx, "wrap");
    p->transfer = mip_transfer(uh_param_int(h, ctx, "transfer"), in->space);
    int has_alpha = in->channels == 2 || in->channels == 4;
    int in_premult = (in->flags & UH_IMAGE_PREMULTIPLIED) != 0;
    p->premult_work = has_alpha && p->transfer != MIPF_TF_DATA &&
                      p->op == MIPF_OP_WEIGHTED && !in_premult;
    p->premultiplied = p->premult_work || (has_alpha && in_premult);
    p->nx = mipf_full_levels(in->width, 1);
    p->ny = mipf_full_levels(1, in->height);
    double aniso = uh_param_num(h, ctx, "max_aniso");
    int drop = uh_param_int(h, ctx, "drop_1px") != 0;
    uint32_t n = 0;
    for (uint32_t j = 0; j < p->ny; j++)
        for (uint32_t i = 0; i < p->nx; i++) {
            uint32_t d = i > j ? i - j : j - i;
            uint32_t w = mipf_level_size(in->width, i);
            uint32_t hh = mipf_level_size(in->height, j);
            int keep = 1;
            if (aniso > 0.0 && ldexp(1.0, (int)d) > aniso)
                keep = 0;
            if (drop && (w == 1 || hh == 1) && !(w == 1 && hh == 1))
                keep = 0;
            p->index[j][i] = keep ? (int32_t)n++ : -1;
        }
    p->count = n;
    if (n == 0)
        return h->fail(ctx, UH_EINVAL,
                       "max_aniso and drop_1px leave no level of a %ux%u "
                       "image",
                       in->width, in->height);
    p->out = *in;
    p->out.sample = mip_sample(uh_param_int(h, ctx, "sample"), in->sample);
    p->out.space = mip_space_of(p->transfer);
    p->out.flags = in->flags & UH_IMAGE_PREMULTIPLIED;
    return UH_OK;
}

static uh_status rm_prepare(uh_ctx *ctx)
{
    mipf_init(); /* the tables, on first use (not at plugin load) */
    plan p;
    uh_status st = make_plan(ctx, &p);
    if (st != UH_OK)
        return st;
    for (uint32_t j = 0; j < p.ny; j++)
        for (uint32_t i = 0; i < p.nx; i++) {
            if (p.index[j][i] < 0)
                continue;
            uh_image_info info = p.out;
            info.width = mipf_level_size(p.in.width, i);
            info.height = mipf_level_size(p.in.height, j);
            info.level_x = i;
            info.level_y = j;
            st = mip_host->set_output(ctx, 0, (uint32_t)p.index[j][i], &info);
            if (st != UH_OK)
                return st;
        }
    return UH_OK;
}

/* Reduces src by (w, h) into a new plane in *dst. */
static uh_status step(uh_ctx *ctx, const plan *p, const mipf_src *src,
                      uint32_t w, uint32_t h, mip_plane *dst)
{
    mipf_taps tx = {0}, ty = {0};
    uh_status st = mip_taps_new(ctx, &tx, p->filter, p->wrap, src->width, w);
    if (st == UH_OK)
        st = mip_taps_new(ctx, &ty, p->filter, p->wrap, src->height, h);
    if (st == UH_OK)
        st = mip_plane_alloc(ctx, dst, w, h, src->channels);
    if (st == UH_OK) {
        st = mip_reduce(ctx, src, &tx, &ty, p->op, 0, dst);
        if (st != UH_OK)
            mip_plane_free(ctx, dst);
    }
    mip_taps_free(ctx, &tx);
    mip_taps_free(ctx, &ty);
    return st;
}

static uh_status emit(uh_ctx *ctx, const plan *p, const mipf_enc *enc,
                      uint32_t i, uint32_t j, const mipf_src *src)
{
    if (p->index[j][i] < 0)
        return UH_OK;
    uh_image *out;
    uh_status st =
        mip_host->output_image(ctx, 0, (uint32_t)p->index[j][i], &out);
    if (st != UH_OK)
        return st;
    return mip_encode(ctx, src, enc, out);
}

static uh_status rm_process(uh_ctx *ctx)
{
    const uh_host *h = mip_host;
    plan p;
    uh_status st = make_plan(ctx, &p);
    if (st != UH_OK)
        return st;
    const uh_image *in;
    if ((st = h->input_image(ctx, 0, 0, &in)) != UH_OK)
        return st;
    mipf_src base = {0};
    base.width = p.in.width;
    base.height = p.in.height;
    base.channels = p.in.channels;
    base.bytes = in->data;
    base.byte_stride = in->stride;
    base.sample = p.in.sample;
    base.transfer = p.transfer;
    base.premultiply = p.premult_work;

    mipf_enc enc = {0};
    enc.channels = p.in.channels;
    enc.sample = p.out.sample;
    enc.transfer = p.transfer;
    enc.premultiplied = p.premultiplied;
    enc.out_premult = (p.in.flags & UH_IMAGE_PREMULTIPLIED) != 0;
    enc.alpha_scale = 1.0f;

    /* Last column each row needs, so the X chain stops early. */
    uint32_t last_i[MAX_SIDE];
    for (uint32_t j = 0; j < p.ny; j++) {
        last_i[j] = 0;
        for (uint32_t i = 0; i < p.nx; i++)
            if (p.index[j][i] >= 0)
                last_i[j] = i + 1;
    }
    uint32_t last_j = 0;
    for (uint32_t j = 0; j < p.ny; j++)
        if (last_i[j])
            last_j = j + 1;

    mip_plane ry = {0}, xa = {0}, xb = {0};
    uint32_t done = 0;
    for (uint32_t j = 0; j < last_j && st == UH_OK; j++) {
        if (h->is_canceled(ctx)) {
            st = h->fail(ctx, UH_ECANCELED, "canceled at row %u", j);
            break;
        }
        /* R_j: the base reduced j times in Y. */
        mipf_src row_src = base;
        if (j > 0) {
            mip_plane next = {0};
            mipf_src from = j == 1 ? base : mip_plane_src(&ry);
            st = step(ctx, &p, &from, p.in.width,
                      mipf_level_size(p.in.height, j), &next);
            mip_plane_free(ctx, &ry);
            if (st != UH_OK)
                break;
            ry = next;
            row_src = mip_plane_src(&ry);
        }
        if (p.index[j][0] >= 0) {
            if (j == 0) {
                st = mip_base_level(ctx, in, &p.out, (uint32_t)p.index[0][0],
                                    p.transfer);
            } else {
                st = emit(ctx, &p, &enc, 0, j, &row_src);
            }
        }
        mipf_src xs = row_src;
        for (uint32_t i = 1; i < last_i[j] && st == UH_OK; i++) {
            st = step(ctx, &p, &xs, mipf_level_size(p.in.width, i), xs.height,
                      &xb);
            mip_plane_free(ctx, &xa);
            if (st != UH_OK)
                break;
            xa = xb;
            memset(&xb, 0, sizeof(xb));
            xs = mip_plane_src(&xa);
            st = emit(ctx, &p, &enc, i, j, &xs);
        }
        mip_plane_free(ctx, &xa);
        done++;
        if (st == UH_OK && h->progress(ctx, (double)done / last_j))
            st = h->fail(ctx, UH_ECANCELED, "canceled after row %u", j);
    }
    mip_plane_free(ctx, &xa);
    mip_plane_free(ctx, &xb);
    mip_plane_free(ctx, &ry);
    return st;
}

const uh_node_type mip_type_ripmap = {
    .struct_size = sizeof(uh_node_type),
    .id = "ripmap",
    .summary = "image -> every (w>>i) x (h>>j) level for anisotropic "
               "filtering, separable, float",
    .inputs = inputs,
    .outputs = outputs,
    .params = params,
    .prepare = rm_prepare,
    .process = rm_process,
};
