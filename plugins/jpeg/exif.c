/* A bounded reader (and patcher) for the one EXIF tag jpeg.load uses:
 * Orientation. */
#include "jpg.h"

#include <string.h>

static uint32_t exif_u16(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

static uint32_t exif_u32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                     (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[1] << 8 | p[0];
}

void jpgexif_orientation(const uint8_t *data, size_t size, jpgexif_result *out)
{
    memset(out, 0, sizeof(*out));
    out->orientation = 1;
    if (size < 6 || memcmp(data, "Exif\0\0", 6) != 0)
        return;                  /* not EXIF (XMP and others share APP1) */
    const uint8_t *t = data + 6; /* the TIFF header; offsets count from here */
    size_t n = size - 6;
    if (n < 8) {
        out->error = "EXIF block too short for a TIFF header";
        return;
    }
    int big;
    if (t[0] == 'I' && t[1] == 'I')
        big = 0;
    else if (t[0] == 'M' && t[1] == 'M')
        big = 1;
    else {
        out->error = "EXIF block has no II/MM byte-order mark";
        return;
    }
    if (exif_u16(t + 2, big) != 42) {
        out->error = "EXIF block has a bad TIFF magic number";
        return;
    }
    uint32_t ifd = exif_u32(t + 4, big);
    if (ifd < 8 || ifd > n - 2) {
        out->error = "EXIF IFD0 offset points outside the block";
        return;
    }
    uint32_t count = exif_u16(t + ifd, big);
    /* Only entries wholly inside the block are read. */
    size_t room = (n - ifd - 2) / 12;
    if (count > room)
        count = (uint32_t)room;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = t + ifd + 2 + (size_t)i * 12;
        if (exif_u16(e, big) != 0x0112)
            continue;
        uint32_t type = exif_u16(e + 2, big);
        uint32_t values = exif_u32(e + 4, big);
        out->found = 1;
        out->big_endian = big;
        out->type = type;
        out->value_off = (size_t)(e + 8 - data);
        long v;
        if (type == 3 && values >= 1) /* SHORT, stored inline */
            v = (long)exif_u16(e + 8, big);
        else if (type == 4 && values >= 1) /* LONG, tolerated */
            v = (long)exif_u32(e + 8, big);
        else {
            out->found = 0;
            out->error = "EXIF orientation tag has a wrong type";
            return;
        }
        if (v >= 1 && v <= 8) {
            out->valid = 1;
            out->orientation = (int)v;
        } else {
            out->bad_value = v;
        }
        return;
    }
}

int jpgexif_set_orientation(uint8_t *data, size_t size, const jpgexif_result *r,
                            uint32_t value)
{
    if (!r->found || (r->type != 3 && r->type != 4))
        return 0;
    size_t n = r->type == 3 ? 2 : 4;
    if (r->value_off > size || size - r->value_off < n)
        return 0;
    uint8_t *p = data + r->value_off;
    for (size_t i = 0; i < n; i++) {
        size_t shift = 8 * (r->big_endian ? n - 1 - i : i);
        p[i] = (uint8_t)(value >> shift);
    }
    return 1;
}
