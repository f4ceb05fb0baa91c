/* Per-sample tone operations (levels, brightness_contrast): one function
 * of the colour value, applied through a lookup table for u8 and u16 and
 * directly for f32; alpha passes through. */
#include <math.h>

#include "point.h"

/* Monotone cubic (Fritsch-Carlson) or linear interpolation of the knots;
 * flat beyond the first and last. */
static double curve_eval(const point_node *n, double x)
{
    uint32_t k = 0, last = n->knots - 1;
    double h, t, t2, t3;
    if (x <= n->kx[0])
        return n->ky[0];
    if (x >= n->kx[last])
        return n->ky[last];
    while (k + 1 < last && x >= n->kx[k + 1])
        k++;
    h = n->kx[k + 1] - n->kx[k];
    t = (x - n->kx[k]) / h;
    if (!n->smooth)
        return n->ky[k] + t * (n->ky[k + 1] - n->ky[k]);
    t2 = t * t;
    t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * n->ky[k] + (t3 - 2 * t2 + t) * h * n->km[k] +
           (-2 * t3 + 3 * t2) * n->ky[k + 1] + (t3 - t2) * h * n->km[k + 1];
}

/* Fritsch-Carlson tangents: the curve never overshoots between knots. */
static void curve_tangents(point_node *n)
{
    uint32_t m = n->knots;
    double d[POINT_MAX_KNOTS] = {0};
    if (m < 2)
        return;
    for (uint32_t k = 0; k + 1 < m; k++)
        d[k] = (n->ky[k + 1] - n->ky[k]) / (n->kx[k + 1] - n->kx[k]);
    n->km[0] = d[0];
    n->km[m - 1] = d[m - 2];
    for (uint32_t k = 1; k + 1 < m; k++)
        n->km[k] = d[k - 1] * d[k] > 0 ? (d[k - 1] + d[k]) / 2 : 0.0;
    for (uint32_t k = 0; k + 1 < m; k++) {
        double a, b, r;
        if (d[k] == 0.0) {
            n->km[k] = n->km[k + 1] = 0.0;
            continue;
        }
        a = n->km[k] / d[k];
        b = n->km[k + 1] / d[k];
        r = a * a + b * b;
        if (r > 9.0) {
            double s = 3.0 / sqrt(r);
            n->km[k] = s * a * d[k];
            n->km[k + 1] = s * b * d[k];
        }
    }
}

static double point_eval(const point_node *n, double x)
{
    const double *p = n->p;
    if (n->kind == POINT_CURVES)
        return curve_eval(n, x);
    if (n->kind == POINT_LEVELS) {
        /* p: in_black, in_white, gamma, out_black, out_white */
        double t = (x - p[0]) / (p[1] - p[0]);
        t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
        t = pow(t, 1.0 / p[2]);
        return p[3] + t * (p[4] - p[3]);
    }
    /* p: brightness, contrast */
    return (x - 0.5) * p[1] + 0.5 + p[0];
}

uh_status point_prepare(uh_ctx *ctx, int kind, const double *p, uint32_t np)
{
    const uh_image_info *in = ops_input(ctx, 0);
    uint32_t lut_n;
    size_t bytes;
    point_node *n;
    uh_status st;
    if (!in)
        return ops_host->last_status(ctx);
    st = ops_host->set_output(ctx, 0, 0, in);
    if (st != UH_OK)
        return st;
    lut_n = (in->flags & UH_IMAGE_PREMULTIPLIED) &&
                    ops_alpha_index(in->channels) >= 0
                ? 0u
            : in->sample == UH_SAMPLE_U8  ? 256u
            : in->sample == UH_SAMPLE_U16 ? 65536u
                                          : 0u;
    bytes = sizeof(*n) + (size_t)lut_n * sizeof(uint16_t);
    n = ops_alloc(ctx, bytes);
    if (!n)
        return ops_host->last_status(ctx);
    n->bytes = bytes;
    n->kind = kind;
    n->info = *in;
    if (kind == POINT_CURVES) {
        n->knots = np / 2;
        for (uint32_t k = 0; k < n->knots; k++) {
            n->kx[k] = p[2 * k];
            n->ky[k] = p[2 * k + 1];
        }
        n->smooth = p[np] != 0.0;
        curve_tangents(n);
    } else {
        for (uint32_t i = 0; i < np && i < 5; i++)
            n->p[i] = p[i];
    }
    n->lut_n = lut_n;
    n->lut = (uint16_t *)(void *)(n + 1);
    for (uint32_t i = 0; i < lut_n; i++) {
        double v = point_eval(n, (double)i / (lut_n - 1)) * (lut_n - 1) + 0.5;
        v = v < 0.0 ? 0.0 : v > lut_n - 1 ? lut_n - 1 : v;
        n->lut[i] = (uint16_t)v;
    }
    ops_host->set_user(ctx, n);
    return UH_OK;
}

void point_cleanup(uh_ctx *ctx)
{
    point_node *n = ops_host->get_user(ctx);
    if (n)
        ops_free(ctx, n, n->bytes);
    ops_host->set_user(ctx, NULL);
}

uh_status point_start(uh_ctx *ctx, void **seq)
{
    const point_node *n = ops_host->get_user(ctx);
    float *row;
    if (n->lut_n) {
        *seq = NULL;
        return UH_OK;
    }
    row = ops_alloc(ctx,
                    (size_t)n->info.width * n->info.channels * sizeof(float));
    if (!row)
        return ops_host->last_status(ctx);
    *seq = row;
    return UH_OK;
}

void point_stop(uh_ctx *ctx, void *seq)
{
    const point_node *n = ops_host->get_user(ctx);
    ops_free(ctx, seq,
             (size_t)n->info.width * n->info.channels * sizeof(float));
}

uh_status point_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const point_node *n = ops_host->get_user(ctx);
    uint32_t ch = n->info.channels, w = n->info.width;
    int a = ops_alpha_index(ch);
    size_t count = (size_t)w * ch;
    uh_rows v;
    uh_status st = ops_host->input_rows(ctx, 0, out->y, out->n, &v);
    if (st != UH_OK)
        return st;
    for (uint32_t r = 0; r < out->n; r++) {
        const uint8_t *s = v.data + (size_t)r * v.stride;
        uint8_t *d = out->data + (size_t)r * out->stride;
        if (n->lut_n == 256) {
            for (size_t i = 0; i < count; i++)
                d[i] = (uint8_t)n->lut[s[i]];
            if (a >= 0)
                for (uint32_t x = 0; x < w; x++)
                    d[(size_t)x * ch + a] = s[(size_t)x * ch + a];
        } else if (n->lut_n == 65536) {
            const uint16_t *s16 = (const uint16_t *)(const void *)s;
            uint16_t *d16 = (uint16_t *)(void *)d;
            for (size_t i = 0; i < count; i++)
                d16[i] = n->lut[s16[i]];
            if (a >= 0)
                for (uint32_t x = 0; x < w; x++)
                    d16[(size_t)x * ch + a] = s16[(size_t)x * ch + a];
        } else {
            float *f = seq;
            int pre = a >= 0 && (n->info.flags & UH_IMAGE_PREMULTIPLIED);
            ops_row_to_float(&n->info, s, f, w);
            if (pre)
                ops_unpremultiply(f, w, ch);
            for (size_t i = 0; i < count; i++)
                if ((int)(i % ch) != a)
                    f[i] = (float)point_eval(n, f[i]);
            if (pre)
                ops_premultiply(f, w, ch);
            ops_row_from_float(&n->info, f, d, w);
        }
    }
    return UH_OK;
}
