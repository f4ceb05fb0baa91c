/* `gradient` (linear, radial and conic colour ramps) and `colorize` (a
 * grey image mapped through colour stops). */
#include <math.h>
#include <string.h>

#include "proc.h"

enum { G_LINEAR, G_RADIAL, G_CONIC };
enum { RP_PAD, RP_REPEAT, RP_REFLECT };

#define TWO_PI 6.28318530717958648

typedef struct gradient_node {
    proc_node head;
    int kind, repeat, tileable;
    double ax, ay, ex, ey; /* start and end - start, in pixels */
    double inv_len2, inv_len, angle0;
    proc_stops stops;
} gradient_node;

static double wrap_half(double d, double period)
{
    /* d in [-period, period] to [-period/2, period/2). */
    if (d >= 0.5 * period)
        d -= period;
    else if (d < -0.5 * period)
        d += period;
    return d;
}

static double gradient_t(const gradient_node *g, double px, double py)
{
    double dx = px - g->ax, dy = py - g->ay, t;
    double w = g->head.fmt.width, h = g->head.fmt.height;

    if (g->tileable) {
        dx = wrap_half(dx, w);
        dy = wrap_half(dy, h);
    }
    switch (g->kind) {
    case G_LINEAR:
        if (g->tileable)
            t = (fabs(dx) * fabs(g->ex) + fabs(dy) * fabs(g->ey)) * g->inv_len2;
        else
            t = (dx * g->ex + dy * g->ey) * g->inv_len2;
        break;
    case G_RADIAL:
        t = sqrt(dx * dx + dy * dy) * g->inv_len;
        break;
    default:
        if (g->tileable) {
            /* sin() is continuous across the wrap, so is the angle. */
            dx = sin(TWO_PI * dx / w) * w;
            dy = sin(TWO_PI * dy / h) * h;
        }
        t = (atan2(dy, dx) - g->angle0) * (1.0 / TWO_PI);
        t -= floor(t);
        break;
    }
    switch (g->repeat) {
    case RP_REPEAT:
        return t - floor(t);
    case RP_REFLECT:
        t = 0.5 * t;
        return 1.0 - fabs(2.0 * (t - floor(t)) - 1.0);
    default:
        return t;
    }
}

static const char *const gkind_values[] = {"linear", "radial", "conic", NULL};
static const char *const repeat_values[] = {"pad", "repeat", "reflect", NULL};

static const uh_param_desc p_gkind = {
    .struct_size = sizeof(uh_param_desc),
    .name = "kind",
    .type = UH_PARAM_ENUM,
    .def_text = "linear",
    .values = gkind_values,
    .doc = "linear: along start->end; radial: distance from start over "
           "|end-start|; conic: angle around start from end",
};
static const uh_param_desc p_repeat = {
    .struct_size = sizeof(uh_param_desc),
    .name = "repeat",
    .type = UH_PARAM_ENUM,
    .def_text = "pad",
    .values = repeat_values,
    .doc = "beyond [0, 1]: pad (end colours), repeat, reflect",
};
static const uh_param_desc p_start = {
    .struct_size = sizeof(uh_param_desc),
    .name = "start",
    .type = UH_PARAM_NUMBERS,
    .def_text = "[0, 0.5]",
    .min_count = 2,
    .max_count = 2,
    .doc = "[x, y] where t = 0, as fractions of width and height",
};
static const uh_param_desc p_end = {
    .struct_size = sizeof(uh_param_desc),
    .name = "end",
    .type = UH_PARAM_NUMBERS,
    .def_text = "[1, 0.5]",
    .min_count = 2,
    .max_count = 2,
    .doc = "[x, y] where t = 1, as fractions of width and height",
};

static const uh_param_desc *const gradient_params[] = {
    &proc_p_width,
    &proc_p_height,
    &proc_p_channels3,
    &proc_p_sample,
    &proc_p_tileable,
    &p_gkind,
    &proc_p_stops,
    &p_start,
    &p_end,
    &p_repeat,
    NULL,
};

static uh_status gradient_prepare(uh_ctx *ctx)
{
    const uh_host *h = proc_host;
    gradient_node *g = proc_alloc_node(ctx, sizeof(*g));
    const uh_value *a, *b;
    double len2;
    uh_status st;

    if (!g)
        return h->last_status(ctx);
    proc_read_format(ctx, &g->head.fmt);
    g->kind = (int)uh_param_int(h, ctx, "kind");
    g->repeat = (int)uh_param_int(h, ctx, "repeat");
    g->tileable = uh_param_int(h, ctx, "tileable") != 0;
    st = proc_read_stops(ctx, &g->stops);
    if (st != UH_OK) {
        proc_cleanup(ctx);
        return st;
    }
    a = h->param(ctx, "start");
    b = h->param(ctx, "end");
    g->ax = a->numbers[0] * g->head.fmt.width;
    g->ay = a->numbers[1] * g->head.fmt.height;
    g->ex = b->numbers[0] * g->head.fmt.width - g->ax;
    g->ey = b->numbers[1] * g->head.fmt.height - g->ay;
    len2 = g->ex * g->ex + g->ey * g->ey;
    if (!(len2 > 1e-12) || !isfinite(len2)) {
        proc_cleanup(ctx);
        return h->fail(ctx, UH_EINVAL,
                       "start and end must be different points");
    }
    g->inv_len2 = 1.0 / len2;
    g->inv_len = 1.0 / sqrt(len2);
    g->angle0 = atan2(g->ey, g->ex);
    return proc_declare_or_cleanup(ctx, &g->head.fmt, UH_SPACE_SRGB);
}

static uh_status gradient_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const gradient_node *g = proc_host->get_user(ctx);
    proc_seq *s = seq;
    uint32_t w = g->head.fmt.width, r, x;

    if (proc_host->is_canceled(ctx))
        return UH_ECANCELED;
    for (r = 0; r < out->n; r++) {
        double py = out->y + r + 0.5;
        for (x = 0; x < w; x++)
            proc_stops_eval(&g->stops, (float)gradient_t(g, x + 0.5, py),
                            s->row + 4 * (size_t)x);
        proc_put_rgba(&g->head.fmt, s->row, out->data + r * out->stride);
    }
    return UH_OK;
}

const uh_node_type proc_gradient_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "gradient",
    .summary = "linear, radial or conic gradient through colour stops",
    .threading = UH_THREADS_SHARED,
    .outputs = proc_outputs,
    .params = gradient_params,
    .prepare = gradient_prepare,
    .start = proc_start_row4,
    .rows = gradient_rows,
    .stop = proc_stop_row,
    .cleanup = proc_cleanup,
};

/* ------------------------------------------------------------------------ */
/* colorize                                                                 */

typedef struct colorize_node {
    proc_node head;
    uh_image_info in;
    proc_stops stops;
    float lut8[256][4]; /* the stops at v / 255, for u8 inputs */
} colorize_node;

static const uh_param_desc *const colorize_params[] = {
    &proc_p_stops,
    &proc_p_channels3,
    &proc_p_sample_same,
    NULL,
};

static uh_status colorize_prepare(uh_ctx *ctx)
{
    const uh_host *h = proc_host;
    const uh_image_info *in = h->input_info(ctx, 0, 0);
    colorize_node *c;
    uint32_t sample, i;
    uh_status st;

    if (!in)
        return h->fail(ctx, UH_EINVAL, "input image is missing");
    c = proc_alloc_node(ctx, sizeof(*c));
    if (!c)
        return h->last_status(ctx);
    c->in = *in;
    st = proc_read_stops(ctx, &c->stops);
    if (st != UH_OK) {
        proc_cleanup(ctx);
        return st;
    }
    sample = (uint32_t)uh_param_int(h, ctx, "sample");
    c->head.fmt.width = in->width;
    c->head.fmt.height = in->height;
    c->head.fmt.channels = (uint32_t)uh_param_int(h, ctx, "channels");
    c->head.fmt.sample = sample == 0 ? in->sample : sample;
    for (i = 0; i < 256; i++)
        proc_stops_eval(&c->stops, i / 255.0f, c->lut8[i]);
    return proc_declare_or_cleanup(ctx, &c->head.fmt, UH_SPACE_SRGB);
}

static uh_status colorize_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const colorize_node *c = proc_host->get_user(ctx);
    proc_seq *s = seq;
    uint32_t w = c->head.fmt.width, ch = c->in.channels, r, x;
    float *grey = s->row + 3 * (size_t)w; /* last quarter: reused below */
    uh_rows in;
    uh_status st;

    st = proc_host->input_rows(ctx, 0, out->y, out->n, &in);
    if (st != UH_OK)
        return st;
    for (r = 0; r < out->n; r++) {
        const uint8_t *src = in.data + r * in.stride;
        if (c->in.sample == UH_SAMPLE_U8 && ch < 3) {
            for (x = 0; x < w; x++)
                memcpy(s->row + 4 * (size_t)x, c->lut8[src[(size_t)x * ch]],
                       4 * sizeof(float));
        } else {
            /* Grey goes in the last quarter of the scratch row; pixel x
             * writes floats 4x..4x+3, which never pass grey[x] = float
             * 3w + x before it is read. */
            proc_get_grey(&c->in, src, w, grey);
            for (x = 0; x < w; x++)
                proc_stops_eval(&c->stops, grey[x], s->row + 4 * (size_t)x);
        }
        proc_put_rgba(&c->head.fmt, s->row, out->data + r * out->stride);
    }
    return UH_OK;
}

const uh_node_type proc_colorize_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "colorize",
    .summary = "map a grey image through colour stops (a gradient map)",
    .threading = UH_THREADS_SHARED,
    .inputs = proc_inputs,
    .outputs = proc_outputs,
    .params = colorize_params,
    .prepare = colorize_prepare,
    .start = proc_start_row4,
    .rows = colorize_rows,
    .stop = proc_stop_row,
    .cleanup = proc_cleanup,
};

const uh_node_type proc_gradient_map_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "gradient_map",
    .summary = "the same node as colorize",
    .threading = UH_THREADS_SHARED,
    .inputs = proc_inputs,
    .outputs = proc_outputs,
    .params = colorize_params,
    .prepare = colorize_prepare,
    .start = proc_start_row4,
    .rows = colorize_rows,
    .stop = proc_stop_row,
    .cleanup = proc_cleanup,
};
