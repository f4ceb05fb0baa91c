/* Parameters, state blocks and row conversion shared by every node type of
 * the procedural plugin. */
#include <math.h>
#include <string.h>

#include "proc.h"

/* ------------------------------------------------------------------------ */
/* Common parameter and port descriptors                                    */

static const char *const sample_values[] = {"u8", "u16", "f32", NULL};
static const char *const sample_same_values[] = {"same", "u8", "u16", "f32",
                                                 NULL};

const uh_param_desc proc_p_width = {
    .struct_size = sizeof(uh_param_desc),
    .name = "width",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 512,
    .min = 1,
    .max = 262144,
    .doc = "output width in pixels",
};

const uh_param_desc proc_p_height = {
    .struct_size = sizeof(uh_param_desc),
    .name = "height",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 512,
    .min = 1,
    .max = 262144,
    .doc = "output height in pixels",
};

const uh_param_desc proc_p_channels = {
    .struct_size = sizeof(uh_param_desc),
    .name = "channels",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 1,
    .min = 1,
    .max = 4,
    .doc = "1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (grey copied, alpha opaque)",
};

const uh_param_desc proc_p_channels3 = {
    .struct_size = sizeof(uh_param_desc),
    .name = "channels",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 3,
    .min = 1,
    .max = 4,
    .doc = "1 luma, 2 luma+alpha, 3 RGB, 4 RGBA",
};

const uh_param_desc proc_p_sample = {
    .struct_size = sizeof(uh_param_desc),
    .name = "sample",
    .type = UH_PARAM_ENUM,
    .def_text = "u8",
    .values = sample_values,
    .doc = "sample type of the output",
};

const uh_param_desc proc_p_sample_same = {
    .struct_size = sizeof(uh_param_desc),
    .name = "sample",
    .type = UH_PARAM_ENUM,
    .def_text = "same",
    .values = sample_same_values,
    .doc = "sample type of the output; same: that of the input",
};

const uh_param_desc proc_p_seed = {
    .struct_size = sizeof(uh_param_desc),
    .name = "seed",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 4294967295.0,
    .doc = "random seed; the same seed gives the same image",
};

const uh_param_desc proc_p_tileable = {
    .struct_size = sizeof(uh_param_desc),
    .name = "tileable",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "wrap seamlessly at the image edges (rounds the frequency)",
};

const uh_param_desc proc_p_frequency = {
    .struct_size = sizeof(uh_param_desc),
    .name = "frequency",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 8,
    .min = 0.001,
    .max = 65536,
    .doc = "cells (repetitions) across the image width",
};

const uh_param_desc proc_p_stops = {
    .struct_size = sizeof(uh_param_desc),
    .name = "stops",
    .type = UH_PARAM_NUMBERS,
    .def_text = "[0, 0, 0, 0, 1, 1, 1, 1, 1, 1]",
    .min_count = 5,
    .max_count = 5 * PROC_MAX_STOPS,
    .doc = "colour stops [t, r, g, b, a, ...], t non-decreasing, values 0..1",
};

const uh_port_desc proc_port_image_out = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the generated image",
};

const uh_port_desc proc_port_image_in = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the image to map (grey, or luma of colour)",
};

const uh_port_desc *const proc_outputs[] = {&proc_port_image_out, NULL};
const uh_port_desc *const proc_inputs[] = {&proc_port_image_in, NULL};

/* ------------------------------------------------------------------------ */
/* Formats and state                                                        */

void proc_read_format(uh_ctx *ctx, proc_format *f)
{
    f->width = (uint32_t)uh_param_int(proc_host, ctx, "width");
    f->height = (uint32_t)uh_param_int(proc_host, ctx, "height");
    f->channels = (uint32_t)uh_param_int(proc_host, ctx, "channels");
    f->sample = (uint32_t)uh_param_int(proc_host, ctx, "sample") + 1;
}

uh_status proc_declare(uh_ctx *ctx, const proc_format *f, uint32_t space)
{
    uh_image_info info = {
        .width = f->width,
        .height = f->height,
        .channels = f->channels,
        .sample = f->sample,
        .space = space,
    };
    return proc_host->set_output(ctx, 0, 0, &info);
}

uh_status proc_declare_or_cleanup(uh_ctx *ctx, const proc_format *f,
                                  uint32_t space)
{
    uh_status st = proc_declare(ctx, f, space);
    if (st != UH_OK)
        proc_cleanup(ctx);
    return st;
}

void *proc_alloc_node(uh_ctx *ctx, size_t size)
{
    proc_node *n = proc_host->alloc(ctx, size, 0, UH_LIFE_NODE);
    if (!n)
        return NULL;
    memset(n, 0, size);
    n->size = size;
    proc_host->set_user(ctx, n);
    return n;
}

void proc_cleanup(uh_ctx *ctx)
{
    proc_node *n = proc_host->get_user(ctx);
    if (n) {
        proc_host->set_user(ctx, NULL);
        proc_host->free(ctx, n, n->size);
    }
}

static uh_status start_row(uh_ctx *ctx, void **seq, size_t per_pixel)
{
    const proc_node *n = proc_host->get_user(ctx);
    proc_seq *s = proc_host->alloc(ctx, sizeof(*s), 0, UH_LIFE_TEMP);
    if (!s)
        return proc_host->last_status(ctx);
    /* width <= 262144 by the parameter range, so this cannot overflow. */
    s->bytes = (size_t)n->fmt.width * per_pixel * sizeof(float);
    s->row = proc_host->alloc(ctx, s->bytes, 64, UH_LIFE_TEMP);
    if (!s->row) {
        proc_host->free(ctx, s, sizeof(*s));
        return proc_host->last_status(ctx);
    }
    *seq = s;
    return UH_OK;
}

uh_status proc_start_row1(uh_ctx *ctx, void **seq)
{
    return start_row(ctx, seq, 1);
}

uh_status proc_start_row4(uh_ctx *ctx, void **seq)
{
    return start_row(ctx, seq, 4);
}

uh_status proc_start_row9(uh_ctx *ctx, void **seq)
{
    return start_row(ctx, seq, 9);
}

void proc_stop_row(uh_ctx *ctx, void *seq)
{
    proc_seq *s = seq;
    if (!s)
        return;
    proc_host->free(ctx, s->row, s->bytes);
    proc_host->free(ctx, s, sizeof(*s));
}

/* ------------------------------------------------------------------------ */
/* Row conversion                                                           */

static inline uint8_t to_u8(float v)
{
    v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    return (uint8_t)(v * 255.0f + 0.5f);
}

static inline uint16_t to_u16(float v)
{
    v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    return (uint16_t)(v * 65535.0f + 0.5f);
}

static inline float to_f32(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

void proc_put_grey(const proc_format *f, const float *grey, uint8_t *dst)
{
    uint32_t w = f->width, ch = f->channels, x, c;
    int alpha = ch == 2 || ch == 4;
    uint32_t colour = alpha ? ch - 1 : ch;

    if (f->sample == UH_SAMPLE_U8) {
        if (ch == 1) {
            for (x = 0; x < w; x++)
                dst[x] = to_u8(grey[x]);
            return;
        }
        for (x = 0; x < w; x++) {
            uint8_t v = to_u8(grey[x]);
            for (c = 0; c < colour; c++)
                dst[x * ch + c] = v;
            if (alpha)
                dst[x * ch + colour] = 255;
        }
    } else if (f->sample == UH_SAMPLE_U16) {
        uint16_t *d = (uint16_t *)(void *)dst;
        for (x = 0; x < w; x++) {
            uint16_t v = to_u16(grey[x]);
            for (c = 0; c < colour; c++)
                d[x * ch + c] = v;
            if (alpha)
                d[x * ch + colour] = 65535;
        }
    } else {
        float *d = (float *)(void *)dst;
        for (x = 0; x < w; x++) {
            float v = to_f32(grey[x]);
            for (c = 0; c < colour; c++)
                d[x * ch + c] = v;
            if (alpha)
                d[x * ch + colour] = 1.0f;
        }
    }
}

static inline float luma(const float *p)
{
    return 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2];
}

void proc_put_rgba(const proc_format *f, const float *rgba, uint8_t *dst)
{
    uint32_t w = f->width, ch = f->channels, x, c;
    float px[4];

    for (x = 0; x < w; x++) {
        const float *p = rgba + 4 * (size_t)x;
        switch (ch) {
        case 1:
            px[0] = luma(p);
            break;
        case 2:
            px[0] = luma(p);
            px[1] = p[3];
            break;
        default:
            px[0] = p[0];
            px[1] = p[1];
            px[2] = p[2];
            px[3] = p[3];
            break;
        }
        if (f->sample == UH_SAMPLE_U8) {
            for (c = 0; c < ch; c++)
                dst[x * ch + c] = to_u8(px[c]);
        } else if (f->sample == UH_SAMPLE_U16) {
            uint16_t *d = (uint16_t *)(void *)dst;
            for (c = 0; c < ch; c++)
                d[x * ch + c] = to_u16(px[c]);
        } else {
            float *d = (float *)(void *)dst;
            for (c = 0; c < ch; c++)
                d[x * ch + c] = to_f32(px[c]);
        }
    }
}

void proc_get_grey(const uh_image_info *info, const uint8_t *src, uint32_t n,
                   float *grey)
{
    uint32_t ch = info->channels, x;
    int use_luma = ch >= 3;

    if (info->sample == UH_SAMPLE_U8) {
        for (x = 0; x < n; x++) {
            const uint8_t *p = src + (size_t)x * ch;
            grey[x] = use_luma
                          ? (0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]) *
                                (1.0f / 255.0f)
                          : p[0] * (1.0f / 255.0f);
        }
    } else if (info->sample == UH_SAMPLE_U16) {
        const uint16_t *s = (const uint16_t *)(const void *)src;
        for (x = 0; x < n; x++) {
            const uint16_t *p = s + (size_t)x * ch;
            grey[x] = use_luma
                          ? (0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]) *
                                (1.0f / 65535.0f)
                          : p[0] * (1.0f / 65535.0f);
        }
    } else {
        const float *s = (const float *)(const void *)src;
        for (x = 0; x < n; x++) {
            const float *p = s + (size_t)x * ch;
            float v = use_luma ? luma(p) : p[0];
            grey[x] = v == v ? v : 0.0f; /* NaN reads as 0 */
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Colour stops                                                             */

uh_status proc_read_stops(uh_ctx *ctx, proc_stops *s)
{
    const uh_value *v = proc_host->param(ctx, "stops");
    uint32_t i, c;

    if (!v || v->count < 5 || v->count % 5 != 0)
        return proc_host->fail(ctx, UH_EINVAL,
                               "stops: %u numbers is not a whole number of "
                               "[t, r, g, b, a] stops",
                               v ? v->count : 0);
    s->n = v->count / 5;
    if (s->n > PROC_MAX_STOPS)
        return proc_host->fail(ctx, UH_EINVAL,
                               "stops: %u stops exceed the limit of %u", s->n,
                               PROC_MAX_STOPS);
    for (i = 0; i < s->n; i++) {
        const double *e = v->numbers + 5 * (size_t)i;
        if (!isfinite(e[0]) || !isfinite(e[1]) || !isfinite(e[2]) ||
            !isfinite(e[3]) || !isfinite(e[4]))
            return proc_host->fail(ctx, UH_EINVAL,
                                   "stops: stop %u is not finite", i);
        if (i > 0 && e[0] < s->t[i - 1])
            return proc_host->fail(ctx, UH_EINVAL,
                                   "stops: stop %u has t = %g after %g; t "
                                   "must not decrease",
                                   i, e[0], (double)s->t[i - 1]);
        s->t[i] = (float)e[0];
        for (c = 0; c < 4; c++)
            s->c[i][c] = (float)e[1 + c];
    }
    return UH_OK;
}

void proc_stops_eval(const proc_stops *s, float t, float *rgba)
{
    uint32_t i, c, n = s->n;

    if (n == 1 || !(t > s->t[0])) {
        memcpy(rgba, s->c[0], 4 * sizeof(float));
        return;
    }
    if (t >= s->t[n - 1]) {
        memcpy(rgba, s->c[n - 1], 4 * sizeof(float));
        return;
    }
    /* s->t[0] < t < s->t[n - 1]: find the first stop above t. */
    for (i = 1; i < n && s->t[i] <= t; i++)
        ;
    {
        float t0 = s->t[i - 1], t1 = s->t[i];
        float f = t1 > t0 ? (t - t0) / (t1 - t0) : 1.0f;
        for (c = 0; c < 4; c++)
            rgba[c] = s->c[i - 1][c] + (s->c[i][c] - s->c[i - 1][c]) * f;
    }
}
