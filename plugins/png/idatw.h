/* The image data of a PNG written without libpng: rows filtered by
 * filter.c, deflated by ISA-L (levels 1-3) into one zlib stream, written
 * as IDAT chunks and then IEND. The caller writes everything before the
 * first IDAT (libpng's png_write_info does) and gives a function that
 * writes bytes out. Shared by png.save and the mipmap plugin's PNG levels;
 * every block comes from the host's allocator. */
#ifndef UH_PNG_IDATW_H
#define UH_PNG_IDATW_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

/* Writes n bytes to the file; returns the host's status. */
typedef uh_status (*png_idatw_put_fn)(void *arg, const uint8_t *data, size_t n);

typedef struct png_idatw {
    const uh_host *host;
    png_idatw_put_fn put;
    void *arg;
    size_t rowbytes;
    unsigned bpp;  /* bytes per whole pixel */
    unsigned mask; /* filters to choose from, bit per type (1 << 0..4) */
    int swap16;    /* rows hold 16-bit samples in little-endian order */
    size_t zout_size;
    struct isal_zstream *zs;
    uint8_t *zlevel; /* ISA-L's level buffer */
    size_t zlevel_size;
    uint8_t *zout; /* IDAT data gathered */
    uint8_t *cur, *prev, *ftmp;
} png_idatw;

/* Sets up the writer for rows of `rowbytes` (bpp bytes a pixel), ISA-L
 * level 1-3, the filter mask (0x1f: adaptive among all five), IDAT chunks
 * of zout_size bytes; `small` picks ISA-L's small level buffer (for many
 * writers open at once). On failure everything is freed. */
uh_status png_idatw_begin(png_idatw *w, const uh_host *host, uh_ctx *ctx,
                          png_idatw_put_fn put, void *arg, size_t rowbytes,
                          unsigned bpp, int swap16, int level, unsigned mask,
                          size_t zout_size, int small);
/* Filters, deflates and (when a chunk is full) writes one row. */
uh_status png_idatw_row(png_idatw *w, uh_ctx *ctx, const uint8_t *row);
/* Ends the zlib stream, writes the last IDAT and IEND. */
uh_status png_idatw_end(png_idatw *w, uh_ctx *ctx);
/* Frees the writer's blocks (also after a failure); safe to call twice. */
void png_idatw_free(png_idatw *w, uh_ctx *ctx);

#endif
