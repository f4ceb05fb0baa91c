/* Image geometry checks and the limits every image obeys. */
#ifndef UH_IMAGE_H
#define UH_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

/* px per side: far above real images (JPEG stops at 65535), and a row of
 * at most 16 bytes per pixel stays under 2^24 bytes. */
#define IMAGE_MAX_DIMENSION (1u << 20)
/* pixels per image: 2^34 (a 131072 x 131072 image), so a buffer's size
 * fits comfortably in 64 bits. */
#define IMAGE_MAX_PIXELS (1ull << 34)
/* images in one list (a ripmap of a 2^20 square has 21 x 21). */
#define IMAGE_MAX_LIST 4096u

/* Checks an image info and computes its tight stride and buffer size.
 * Returns UH_OK, or UH_EINVAL / UH_ELIMIT with why in `why`. */
uh_status image_check_info(const uh_image_info *info, size_t *stride,
                           size_t *bytes, char *why, size_t why_len);

#endif
