/* sharpen: unsharp mask. Each colour channel becomes
 * o + amount * (o - blur(o)) where |o - blur(o)| >= threshold, o elsewhere;
 * alpha passes through. Works on the stored values, without
 * premultiplying. */
#include <math.h>

#include "ops.h"

OPS_PARAM(p_sigma, "sigma", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0.001, 1000,
          "standard deviation of the blur the mask subtracts, in pixels");
OPS_PARAM(p_amount, "amount", UH_PARAM_NUMBER, UH_PARAM_RANGE, 1, 0, 100,
          "strength: 0 leaves the image alone");
OPS_PARAM(p_threshold, "threshold", UH_PARAM_NUMBER, UH_PARAM_RANGE, 0, 0, 1,
          "smallest difference (nominal 0..1) that is sharpened");

static const uh_param_desc *const params[] = {&p_sigma, &p_amount, &p_threshold,
                                              NULL};

typedef struct sharpen_node {
    sep_plan *plan;
    float amount, threshold;
} sharpen_node;

typedef struct sharpen_seq {
    sep_seq *sep;
    float *band; /* blurred rows of the current band */
    size_t band_rows;
    float *orig; /* one original row as floats */
    size_t orig_bytes;
    uint32_t y; /* first row of the band */
} sharpen_seq;

static uh_status sharpen_prepare(uh_ctx *ctx)
{
    sharpen_node *n = ops_host->alloc(ctx, sizeof(*n), 0, UH_LIFE_NODE);
    uh_status st;
    if (!n)
        return ops_host->last_status(ctx);
    n->amount = (float)uh_param_num(ops_host, ctx, "amount");
    n->threshold = (float)uh_param_num(ops_host, ctx, "threshold");
    st = ops_gauss_prepare(ctx, uh_param_num(ops_host, ctx, "sigma"), 0,
                           &n->plan);
    if (st != UH_OK) {
        ops_host->free(ctx, n, sizeof(*n));
        return st;
    }
    ops_host->set_user(ctx, n);
    return UH_OK;
}

static void sharpen_cleanup(uh_ctx *ctx)
{
    sharpen_node *n = ops_host->get_user(ctx);
    if (!n)
        return;
    sep_plan_free(ctx, n->plan);
    ops_host->free(ctx, n->plan, sizeof(*n->plan));
    ops_host->free(ctx, n, sizeof(*n));
    ops_host->set_user(ctx, NULL);
}

static uh_status sharpen_start(uh_ctx *ctx, void **seq)
{
    sharpen_node *n = ops_host->get_user(ctx);
    sharpen_seq *s = ops_host->alloc(ctx, sizeof(*s), 0, UH_LIFE_NODE);
    uh_status st;
    if (!s)
        return ops_host->last_status(ctx);
    *s = (sharpen_seq){0};
    s->orig_bytes =
        (size_t)n->plan->in.width * n->plan->in.channels * sizeof(float);
    s->orig = ops_alloc(ctx, s->orig_bytes);
    if (!s->orig) {
        ops_host->free(ctx, s, sizeof(*s));
        return ops_host->last_status(ctx);
    }
    st = sep_start(ctx, n->plan, &s->sep);
    if (st != UH_OK) {
        ops_free(ctx, s->orig, s->orig_bytes);
        ops_host->free(ctx, s, sizeof(*s));
        return st;
    }
    *seq = s;
    return UH_OK;
}

static void sharpen_stop(uh_ctx *ctx, void *seq)
{
    sharpen_node *n = ops_host->get_user(ctx);
    sharpen_seq *s = seq;
    size_t row = (size_t)n->plan->out.width * n->plan->out.channels;
    if (!s)
        return;
    sep_stop(ctx, s->sep);
    ops_free(ctx, s->band, s->band_rows * row * sizeof(float));
    ops_free(ctx, s->orig, s->orig_bytes);
    ops_host->free(ctx, s, sizeof(*s));
}

typedef struct band_arg {
    sharpen_seq *s;
    size_t row;
} band_arg;

static uh_status keep_row(void *arg, uint32_t oy, float *row)
{
    band_arg *b = arg;
    float *dst = b->s->band + (size_t)(oy - b->s->y) * b->row;
    for (size_t i = 0; i < b->row; i++)
        dst[i] = row[i];
    return UH_OK;
}

static uh_status sharpen_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    sharpen_node *n = ops_host->get_user(ctx);
    sharpen_seq *s = seq;
    const uh_image_info *info = &n->plan->out;
    uint32_t ch = info->channels;
    int a = ops_alpha_index(ch);
    band_arg b = {.s = s, .row = (size_t)info->width * ch};
    uh_rows v;
    uh_status st;
    if (s->band_rows < out->n) {
        ops_free(ctx, s->band, s->band_rows * b.row * sizeof(float));
        s->band_rows = 0;
        s->band = ops_alloc(ctx, (size_t)out->n * b.row * sizeof(float));
        if (!s->band)
            return ops_host->last_status(ctx);
        s->band_rows = out->n;
    }
    s->y = out->y;
    st = sep_rows(ctx, n->plan, s->sep, 0, out->y, out->n, keep_row, &b);
    if (st != UH_OK)
        return st;
    st = ops_host->input_rows(ctx, 0, out->y, out->n, &v);
    if (st != UH_OK)
        return st;
    for (uint32_t r = 0; r < out->n; r++) {
        const float *bl = s->band + (size_t)r * b.row;
        ops_row_to_float(info, v.data + (size_t)r * v.stride, s->orig,
                         info->width);
        for (size_t i = 0; i < b.row; i++) {
            float o = s->orig[i], d = o - bl[i];
            if ((int)(i % ch) != a && fabsf(d) >= n->threshold)
                s->orig[i] = o + n->amount * d;
        }
        ops_row_from_float(info, s->orig, out->data + (size_t)r * out->stride,
                           info->width);
    }
    return UH_OK;
}

const uh_node_type ops_sharpen_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "sharpen",
    .summary = "unsharp mask: sigma, amount, threshold",
    .threading = UH_THREADS_SHARED,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = sharpen_prepare,
    .start = sharpen_start,
    .rows = sharpen_rows,
    .stop = sharpen_stop,
    .cleanup = sharpen_cleanup,
};
