/* Image geometry checks, with checked size arithmetic. */
#include "image.h"

#include <stdio.h>

uh_status image_check_info(const uh_image_info *info, size_t *stride,
                           size_t *bytes, char *why, size_t why_len)
{
    if (info->width == 0 || info->height == 0) {
        snprintf(why, why_len, "empty image (%ux%u)", info->width,
                 info->height);
        return UH_EINVAL;
    }
    if (info->channels < 1 || info->channels > 4) {
        snprintf(why, why_len, "%u channels (1 to 4 allowed)", info->channels);
        return UH_EINVAL;
    }
    if (uh_sample_size(info->sample) == 0) {
        snprintf(why, why_len, "unknown sample type %u", info->sample);
        return UH_EINVAL;
    }
    if (info->space > UH_SPACE_DATA) {
        snprintf(why, why_len, "unknown colour space %u", info->space);
        return UH_EINVAL;
    }
    if (info->width > IMAGE_MAX_DIMENSION ||
        info->height > IMAGE_MAX_DIMENSION) {
        snprintf(why, why_len,
                 "%ux%u pixels exceeds the limit of %u pixels per side",
                 info->width, info->height, IMAGE_MAX_DIMENSION);
        return UH_ELIMIT;
    }
    uint64_t pixels = (uint64_t)info->width * info->height;
    if (pixels > IMAGE_MAX_PIXELS) {
        snprintf(why, why_len, "%ux%u is %llu pixels, over the limit of %llu",
                 info->width, info->height, (unsigned long long)pixels,
                 (unsigned long long)IMAGE_MAX_PIXELS);
        return UH_ELIMIT;
    }
    size_t s, b;
    if (!uh_mul_size(&s, info->width, uh_pixel_size(info)) ||
        !uh_mul_size(&b, s, info->height)) {
        snprintf(why, why_len, "%ux%u does not fit in memory", info->width,
                 info->height);
        return UH_ELIMIT;
    }
    *stride = s;
    *bytes = b;
    return UH_OK;
}
