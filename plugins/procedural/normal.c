/* `normal_from_height`: a height field to a tangent-space normal map.
 * n = normalize(-k dh/dx, +-k dh/dy, 1) with h in [0, 1], derivatives per
 * pixel and k the strength; encoded as n / 2 + 1/2. Rows y - 1 .. y + 1
 * of the input are read for output row y, clamped or wrapped at the
 * edges. */
#include <math.h>
#include <string.h>

#include "proc.h"

enum { CONV_OPENGL, CONV_DIRECTX };
enum { FILT_CENTRAL, FILT_SOBEL };

typedef struct normal_node {
    proc_node head;
    uh_image_info in;
    double strength;
    int wrap, convention, filter;
} normal_node;

/* Per thread: the grey rows of the band being made plus one above and
 * below (grown as bands need), the two wrap-around rows, and the RGBA
 * output row. */
typedef struct normal_seq {
    float *grey; /* (band + 2) rows of width floats */
    size_t grey_bytes;
    float *wrap_top;    /* row height - 1, for row 0 with wrap */
    float *wrap_bottom; /* row 0, for row height - 1 with wrap */
    float *rgba;
    float *block;
    size_t bytes;
} normal_seq;

static const char *const conv_values[] = {"opengl", "directx", NULL};
static const char *const filter_values[] = {"central", "sobel", NULL};

static const uh_param_desc p_strength = {
    .struct_size = sizeof(uh_param_desc),
    .name = "strength",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 4,
    .min = 0,
    .max = 100000,
    .doc = "slope scale: height 1 rising over 1 pixel is a slope of "
           "`strength`",
};
static const uh_param_desc p_wrap = {
    .struct_size = sizeof(uh_param_desc),
    .name = "wrap",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "read across the edges as if the input tiles (else clamp)",
};
static const uh_param_desc p_convention = {
    .struct_size = sizeof(uh_param_desc),
    .name = "convention",
    .type = UH_PARAM_ENUM,
    .def_text = "opengl",
    .values = conv_values,
    .doc = "green is +Y up (opengl) or +Y down (directx)",
};
static const uh_param_desc p_filter = {
    .struct_size = sizeof(uh_param_desc),
    .name = "filter",
    .type = UH_PARAM_ENUM,
    .def_text = "central",
    .values = filter_values,
    .doc = "derivative: central differences or the 3x3 Sobel operator",
};
static const uh_param_desc p_nchannels = {
    .struct_size = sizeof(uh_param_desc),
    .name = "channels",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 3,
    .min = 3,
    .max = 4,
    .doc = "3: RGB normal; 4: RGB normal and the height in alpha",
};

static const uh_param_desc *const normal_params[] = {
    &p_strength,         &p_wrap, &p_convention, &p_filter, &p_nchannels,
    &proc_p_sample_same, NULL,
};

static uh_status normal_prepare(uh_ctx *ctx)
{
    const uh_host *h = proc_host;
    const uh_image_info *in = h->input_info(ctx, 0, 0);
    normal_node *n;
    uint32_t sample;

    if (!in)
        return h->fail(ctx, UH_EINVAL, "input image is missing");
    n = proc_alloc_node(ctx, sizeof(*n));
    if (!n)
        return h->last_status(ctx);
    n->in = *in;
    n->strength = uh_param_num(h, ctx, "strength");
    n->wrap = uh_param_int(h, ctx, "wrap") != 0;
    n->convention = (int)uh_param_int(h, ctx, "convention");
    n->filter = (int)uh_param_int(h, ctx, "filter");
    sample = (uint32_t)uh_param_int(h, ctx, "sample");
    n->head.fmt.width = in->width;
    n->head.fmt.height = in->height;
    n->head.fmt.channels = (uint32_t)uh_param_int(h, ctx, "channels");
    n->head.fmt.sample = sample == 0 ? in->sample : sample;
    return proc_declare_or_cleanup(ctx, &n->head.fmt, UH_SPACE_DATA);
}

static uh_status normal_start(uh_ctx *ctx, void **seq)
{
    const normal_node *n = proc_host->get_user(ctx);
    normal_seq *s = proc_host->alloc(ctx, sizeof(*s), 0, UH_LIFE_TEMP);
    size_t w = n->head.fmt.width;

    if (!s)
        return proc_host->last_status(ctx);
    memset(s, 0, sizeof(*s));
    s->bytes = w * 6 * sizeof(float);
    s->block = proc_host->alloc(ctx, s->bytes, 64, UH_LIFE_TEMP);
    if (!s->block) {
        proc_host->free(ctx, s, sizeof(*s));
        return proc_host->last_status(ctx);
    }
    s->wrap_top = s->block;
    s->wrap_bottom = s->block + w;
    s->rgba = s->block + 2 * w;
    *seq = s;
    return UH_OK;
}

static void normal_stop(uh_ctx *ctx, void *seq)
{
    normal_seq *s = seq;
    if (!s)
        return;
    proc_host->free(ctx, s->grey, s->grey_bytes);
    proc_host->free(ctx, s->block, s->bytes);
    proc_host->free(ctx, s, sizeof(*s));
}

/* Reads input rows [y, y + n) as grey into dst (n rows of width floats).
 * One request per band, so a streaming producer sees the band and its
 * support together. */
static uh_status read_grey(uh_ctx *ctx, const normal_node *n, uint32_t y,
                           uint32_t count, float *dst)
{
    uh_rows in;
    uint32_t r;
    uh_status st = proc_host->input_rows(ctx, 0, y, count, &in);
    if (st != UH_OK)
        return st;
    for (r = 0; r < count; r++)
        proc_get_grey(&n->in, in.data + r * in.stride, n->in.width,
                      dst + (size_t)r * n->in.width);
    return UH_OK;
}

static uh_status normal_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const normal_node *n = proc_host->get_user(ctx);
    normal_seq *s = seq;
    uint32_t w = n->head.fmt.width, hgt = n->head.fmt.height, r, x;
    uint32_t lo = out->y > 0 ? out->y - 1 : 0;
    uint32_t hi = out->y + out->n < hgt ? out->y + out->n + 1 : hgt;
    double k = n->strength, ky = n->convention == CONV_OPENGL ? k : -k;
    size_t need;
    uh_status st;

    if (proc_host->is_canceled(ctx))
        return UH_ECANCELED;
    /* (hi - lo) <= height rows of width floats: bounded by the declared
     * output, which the host already checked. */
    need = (size_t)(hi - lo) * w * sizeof(float);
    if (need > s->grey_bytes) {
        proc_host->free(ctx, s->grey, s->grey_bytes);
        s->grey_bytes = 0;
        s->grey = proc_host->alloc(ctx, need, 64, UH_LIFE_TEMP);
        if (!s->grey)
            return proc_host->last_status(ctx);
        s->grey_bytes = need;
    }
    st = read_grey(ctx, n, lo, hi - lo, s->grey);
    if (st == UH_OK && n->wrap && out->y == 0 && hgt > 1)
        st = read_grey(ctx, n, hgt - 1, 1, s->wrap_top);
    if (st == UH_OK && n->wrap && out->y + out->n == hgt && hgt > 1)
        st = read_grey(ctx, n, 0, 1, s->wrap_bottom);
    if (st != UH_OK)
        return st;

    for (r = 0; r < out->n; r++) {
        uint32_t y = out->y + r;
        const float *b = s->grey + (size_t)(y - lo) * w;
        const float *a, *c;
        if (y > 0)
            a = b - w;
        else
            a = n->wrap && hgt > 1 ? s->wrap_top : b;
        if (y + 1 < hgt)
            c = b + w;
        else
            c = n->wrap && hgt > 1 ? s->wrap_bottom : b;
        for (x = 0; x < w; x++) {
            uint32_t xm = x > 0 ? x - 1 : n->wrap ? w - 1 : 0;
            uint32_t xp = x + 1 < w ? x + 1 : n->wrap ? 0 : w - 1;
            double dx, dy, nx, ny, len;
            float *o = s->rgba + 4 * (size_t)x;
            if (n->filter == FILT_SOBEL) {
                dx = ((a[xp] + 2.0 * b[xp] + c[xp]) -
                      (a[xm] + 2.0 * b[xm] + c[xm])) *
                     0.125;
                dy = ((c[xm] + 2.0 * c[x] + c[xp]) -
                      (a[xm] + 2.0 * a[x] + a[xp])) *
                     0.125;
            } else {
                dx = (b[xp] - b[xm]) * 0.5;
                dy = (c[x] - a[x]) * 0.5;
            }
            nx = -k * dx;
            ny = ky * dy;
            len = 1.0 / sqrt(nx * nx + ny * ny + 1.0);
            o[0] = (float)(0.5 + 0.5 * nx * len);
            o[1] = (float)(0.5 + 0.5 * ny * len);
            o[2] = (float)(0.5 + 0.5 * len);
            o[3] = b[x];
        }
        proc_put_rgba(&n->head.fmt, s->rgba, out->data + r * out->stride);
    }
    return UH_OK;
}

const uh_node_type proc_normal_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "normal_from_height",
    .summary = "tangent-space normal map from a height field",
    .threading = UH_THREADS_SHARED,
    /* With wrap, row 0 reads the last row: never fed from a stream. */
    .strip_flags = UH_STRIP_RANDOM_ACCESS,
    .inputs = proc_inputs,
    .outputs = proc_outputs,
    .params = normal_params,
    .prepare = normal_prepare,
    .start = normal_start,
    .rows = normal_rows,
    .stop = normal_stop,
    .support = 1,
    .cleanup = proc_cleanup,
};
