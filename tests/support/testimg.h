/* Test helpers: read and write PNG files with libpng's simplified API, so
 * pixel tests compare uberhost's output against an independent decoder. */
#ifndef UH_TESTIMG_H
#define UH_TESTIMG_H

#include <stddef.h>
#include <stdint.h>

typedef struct testimg {
    uint32_t width, height, channels; /* channels 1..4 */
    uint32_t bytes;                   /* 1 or 2 per sample */
    uint8_t *data;                    /* malloc'd, rows tightly packed */
} testimg;

/* Reads a PNG keeping its channel count and 8/16-bit depth (16-bit samples
 * are stored native-endian). Returns 0 on success, -1 (message printed)
 * otherwise. */
int testimg_read(const char *path, testimg *out);

/* Writes 8- or 16-bit PNG. Returns 0 on success. */
int testimg_write(const char *path, const testimg *img);

/* Sample (x, y, c) as an integer. */
uint32_t testimg_at(const testimg *img, uint32_t x, uint32_t y, uint32_t c);

void testimg_free(testimg *img);

#endif
