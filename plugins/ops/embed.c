/* embed: place the input at (x, y) in a larger (or smaller) canvas and fill
 * the rest by an edge mode. Pixels are copied byte for byte. */
#include <string.h>

#include "ops.h"

static const char *const extend_names[] = {
    "black", "white", "copy", "repeat", "mirror", "background", NULL};
enum { EXT_BLACK, EXT_WHITE, EXT_COPY, EXT_REPEAT, EXT_MIRROR, EXT_BG };

OPS_PARAM(p_x, "x", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, -OPS_MAX_SIDE,
          OPS_MAX_SIDE,
          "column of the canvas where the input's left edge goes");
OPS_PARAM(p_y, "y", UH_PARAM_INTEGER, UH_PARAM_RANGE, 0, -OPS_MAX_SIDE,
          OPS_MAX_SIDE, "row of the canvas where the input's top edge goes");
OPS_PARAM(p_width, "width", UH_PARAM_INTEGER,
          UH_PARAM_RANGE | UH_PARAM_REQUIRED, 0, 1, OPS_MAX_SIDE,
          "canvas width");
OPS_PARAM(p_height, "height", UH_PARAM_INTEGER,
          UH_PARAM_RANGE | UH_PARAM_REQUIRED, 0, 1, OPS_MAX_SIDE,
          "canvas height");
OPS_ENUM(p_extend, "extend", extend_names, "black",
         "black: all samples 0 (transparent where there is alpha); white: "
         "all samples at full scale; copy: repeat the edge pixels; repeat: "
         "tile the image; mirror: tile it reflected; background: the "
         "background colour");
static const uh_param_desc p_background = {
    .struct_size = sizeof(uh_param_desc),
    .name = "background",
    .type = UH_PARAM_NUMBERS,
    .flags = UH_PARAM_RANGE,
    .def_text = "[0, 0, 0, 1]",
    .min = 0,
    .max = 1,
    .min_count = 1,
    .max_count = 4,
    .doc = "fill colour for extend=background, nominal 0..1 per channel; "
           "missing colour channels repeat the last one given, missing "
           "alpha is 1"};

static const uh_param_desc *const params[] = {
    &p_x, &p_y, &p_width, &p_height, &p_extend, &p_background, NULL};

typedef struct embed_node {
    int mode;
    int64_t x, y;
    uint32_t in_w, in_h, out_w;
    uint32_t px;
    uint8_t fill[16]; /* one fill pixel in the stored format */
    int32_t *cols;    /* out_w entries: source column or -1 for fill */
    size_t bytes;     /* of this block */
} embed_node;

/* Maps canvas-relative index i onto [0, n) by the edge mode, or -1. */
static int64_t map_index(int mode, int64_t i, int64_t n)
{
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case EXT_COPY:
        return i < 0 ? 0 : n - 1;
    case EXT_REPEAT:
        return ((i % n) + n) % n;
    case EXT_MIRROR: {
        int64_t m = ((i % (2 * n)) + 2 * n) % (2 * n);
        return m < n ? m : 2 * n - 1 - m;
    }
    default:
        return -1;
    }
}

static void make_fill(embed_node *n, const uh_image_info *in, int mode,
                      const uh_value *bg)
{
    uint32_t ch = in->channels;
    int a = ops_alpha_index(ch);
    float f[4];
    for (uint32_t c = 0; c < ch; c++) {
        if (mode == EXT_WHITE) {
            f[c] = 1.0f;
        } else if (mode != EXT_BG || !bg || bg->count == 0) {
            f[c] = 0.0f;
        } else if ((int)c == a) {
            /* Alpha is the 4th number (2nd for grey + alpha), else 1. */
            uint32_t ai = bg->count == 2 ? 1u : 3u;
            f[c] = ai < bg->count ? (float)bg->numbers[ai] : 1.0f;
        } else {
            uint32_t colours = bg->count == 2  ? 1u
                               : bg->count > 3 ? 3u
                                               : bg->count;
            f[c] = (float)bg->numbers[c < colours ? c : colours - 1];
        }
    }
    ops_row_from_float(in, f, n->fill, 1);
}

static uh_status embed_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = ops_input(ctx, 0);
    uh_image_info out;
    embed_node *n;
    size_t bytes;
    uh_status st;
    if (!in)
        return ops_host->last_status(ctx);
    out = *in;
    out.width = (uint32_t)uh_param_int(ops_host, ctx, "width");
    out.height = (uint32_t)uh_param_int(ops_host, ctx, "height");
    st = ops_host->set_output(ctx, 0, 0, &out);
    if (st != UH_OK)
        return st;
    bytes = sizeof(*n) + (size_t)out.width * sizeof(int32_t);
    n = ops_alloc(ctx, bytes);
    if (!n)
        return ops_host->last_status(ctx);
    n->bytes = bytes;
    n->mode = (int)uh_param_int(ops_host, ctx, "extend");
    n->x = uh_param_int(ops_host, ctx, "x");
    n->y = uh_param_int(ops_host, ctx, "y");
    n->in_w = in->width;
    n->in_h = in->height;
    n->out_w = out.width;
    n->px = uh_pixel_size(in);
    n->cols = (int32_t *)(void *)(n + 1);
    for (uint32_t x = 0; x < out.width; x++)
        n->cols[x] = (int32_t)map_index(n->mode, (int64_t)x - n->x, in->width);
    make_fill(n, in, n->mode, ops_host->param(ctx, "background"));
    ops_host->set_user(ctx, n);
    return UH_OK;
}

/* One canvas row from input row `src` (NULL: a row of fill). */
static void compose_row(const embed_node *n, const uint8_t *src, uint8_t *dst)
{
    size_t px = n->px;
    int64_t lo = n->x < 0 ? 0 : n->x;
    int64_t hi = n->x + n->in_w < n->out_w ? n->x + n->in_w : n->out_w;
    if (!src) {
        for (uint32_t x = 0; x < n->out_w; x++)
            memcpy(dst + x * px, n->fill, px);
        return;
    }
    for (int64_t x = 0; x < n->out_w; x++) {
        if (x == lo && hi > lo) {
            memcpy(dst + (size_t)x * px, src + (size_t)(x - n->x) * px,
                   (size_t)(hi - lo) * px);
            x = hi - 1;
            continue;
        }
        if (n->cols[x] >= 0)
            memcpy(dst + (size_t)x * px, src + (size_t)n->cols[x] * px, px);
        else
            memcpy(dst + (size_t)x * px, n->fill, px);
    }
}

static uh_status embed_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const embed_node *n = ops_host->get_user(ctx);
    uint32_t r = 0;
    (void)seq;
    while (r < out->n) {
        int64_t sy = map_index(n->mode, (int64_t)(out->y + r) - n->y, n->in_h);
        uint32_t len = 1;
        int dir = 1;
        uh_rows v;
        uh_status st;
        if (sy < 0) {
            compose_row(n, NULL, out->data + (size_t)r * out->stride);
            r++;
            continue;
        }
        /* A run of consecutive source rows, up or down, in one request. */
        while (r + len < out->n) {
            int64_t next =
                map_index(n->mode, (int64_t)(out->y + r + len) - n->y, n->in_h);
            if (len == 1 && (next == sy + 1 || next == sy - 1))
                dir = (int)(next - sy);
            if (next != sy + (int64_t)dir * len)
                break;
            len++;
        }
        if (dir > 0)
            st = ops_host->input_rows(ctx, 0, (uint32_t)sy, len, &v);
        else
            st =
                ops_host->input_rows(ctx, 0, (uint32_t)(sy - len + 1), len, &v);
        if (st != UH_OK)
            return st;
        for (uint32_t k = 0; k < len; k++) {
            uint32_t i = dir > 0 ? k : len - 1 - k;
            compose_row(n, v.data + (size_t)i * v.stride,
                        out->data + (size_t)(r + k) * out->stride);
        }
        r += len;
    }
    return UH_OK;
}

static void embed_cleanup(uh_ctx *ctx)
{
    embed_node *n = ops_host->get_user(ctx);
    if (n)
        ops_free(ctx, n, n->bytes);
    ops_host->set_user(ctx, NULL);
}

const uh_node_type ops_embed_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "embed",
    .summary = "place the image in a canvas, filling the rest by an edge mode",
    .threading = UH_THREADS_SHARED,
    /* repeat and mirror edges read input rows out of order. */
    .strip_flags = UH_STRIP_RANDOM_ACCESS,
    .inputs = ops_ports_in,
    .outputs = ops_ports_out,
    .params = params,
    .prepare = embed_prepare,
    .start = ops_no_start,
    .rows = embed_rows,
    .stop = ops_no_stop,
    .cleanup = embed_cleanup,
};
