/* Row conversions between stored samples and floats, alpha helpers and
 * the allocation wrappers every node of the ops plugin uses. */
#include <math.h>
#include <string.h>

#include "ops.h"

uint32_t ops_round_side(double v)
{
    v = floor(v + 0.5);
    if (!(v >= 1.0))
        return 1;
    if (v > OPS_MAX_SIDE)
        return (uint32_t)OPS_MAX_SIDE;
    return (uint32_t)v;
}

const uh_image_info *ops_input(uh_ctx *ctx, uint32_t port)
{
    const uh_image_info *in = ops_host->input_info(ctx, port, 0);
    if (!in) {
        ops_host->fail(ctx, UH_EINVAL, "no image on input %u", port);
        return NULL;
    }
    if (in->channels < 1 || in->channels > 4 || !uh_sample_size(in->sample) ||
        !in->width || !in->height) {
        ops_host->fail(ctx, UH_EUNSUPPORTED,
                       "input %u has %u channels of sample type %u (expected "
                       "1-4 channels of u8, u16 or f32)",
                       port, in->channels, in->sample);
        return NULL;
    }
    return in;
}

void *ops_alloc(uh_ctx *ctx, size_t n)
{
    return ops_host->alloc(ctx, n ? n : 1, 64, UH_LIFE_NODE);
}

void ops_free(uh_ctx *ctx, void *p, size_t n)
{
    if (p)
        ops_host->free(ctx, p, n ? n : 1);
}

void ops_row_to_float(const uh_image_info *info, const uint8_t *src, float *dst,
                      uint32_t width)
{
    size_t n = (size_t)width * info->channels;
    switch (info->sample) {
    case UH_SAMPLE_U8:
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)src[i] * (1.0f / 255.0f);
        break;
    case UH_SAMPLE_U16: {
        const uint16_t *s = (const uint16_t *)(const void *)src;
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)s[i] * (1.0f / 65535.0f);
        break;
    }
    default:
        memcpy(dst, src, n * sizeof(float));
        break;
    }
}

void ops_row_from_float(const uh_image_info *info, const float *src,
                        uint8_t *dst, uint32_t width)
{
    size_t n = (size_t)width * info->channels;
    switch (info->sample) {
    case UH_SAMPLE_U8:
        for (size_t i = 0; i < n; i++)
            dst[i] = ops_to_u8(src[i]);
        break;
    case UH_SAMPLE_U16: {
        uint16_t *d = (uint16_t *)(void *)dst;
        for (size_t i = 0; i < n; i++)
            d[i] = ops_to_u16(src[i]);
        break;
    }
    default:
        memcpy(dst, src, n * sizeof(float));
        break;
    }
}

float ops_srgb_to_linear(float v)
{
    if (v <= 0.04045f)
        return v / 12.92f;
    return powf((v + 0.055f) / 1.055f, 2.4f);
}

float ops_linear_to_srgb(float v)
{
    if (v <= 0.0031308f)
        return v * 12.92f;
    return 1.055f * powf(v, 1.0f / 2.4f) - 0.055f;
}

void ops_premultiply(float *row, uint32_t width, uint32_t channels)
{
    if (channels == 2) {
        for (uint32_t x = 0; x < width; x++)
            row[2 * x] *= row[2 * x + 1];
    } else if (channels == 4) {
        for (uint32_t x = 0; x < width; x++) {
            float a = row[4 * x + 3];
            row[4 * x] *= a;
            row[4 * x + 1] *= a;
            row[4 * x + 2] *= a;
        }
    }
}

void ops_unpremultiply(float *row, uint32_t width, uint32_t channels)
{
    if (channels == 2) {
        for (uint32_t x = 0; x < width; x++) {
            float a = row[2 * x + 1];
            float r = a > 0.0f ? 1.0f / a : 0.0f;
            row[2 * x] *= r;
        }
    } else if (channels == 4) {
        for (uint32_t x = 0; x < width; x++) {
            float a = row[4 * x + 3];
            float r = a > 0.0f ? 1.0f / a : 0.0f;
            row[4 * x] *= r;
            row[4 * x + 1] *= r;
            row[4 * x + 2] *= r;
        }
    }
}

uh_status ops_no_start(uh_ctx *ctx, void **seq)
{
    (void)ctx;
    *seq = NULL;
    return UH_OK;
}

void ops_no_stop(uh_ctx *ctx, void *seq)
{
    (void)ctx;
    (void)seq;
}
