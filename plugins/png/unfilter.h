/* PNG row unfiltering (ISO/IEC 15948, W3C PNG section 9): the fast,
 * SIMD-accelerated png_unfilter_row the PNG plugin's decoder runs on every
 * row, and png_unfilter_row_ref, a plain C reference it is tested against.
 * Neither allocates. */
#ifndef UH_PNG_UNFILTER_H
#define UH_PNG_UNFILTER_H

#include <stddef.h>
#include <stdint.h>

/* Undoes PNG filter `filter` (0 none, 1 sub, 2 up, 3 average, 4 paeth) on one
 * row of `n` bytes. `in` is the filtered row (without its filter-type byte),
 * `prev` the previous row already unfiltered (all zeros for the first row),
 * `out` receives the unfiltered row; out may be the same pointer as in
 * (in-place), but must not overlap prev. bpp is the number of bytes of a
 * whole pixel, 1 to 8 (for bit depths below 8 the caller passes 1). Returns 0,
 * or -1 when filter is not 0..4. */
int png_unfilter_row(int filter, unsigned bpp, const uint8_t *in,
                     const uint8_t *prev, uint8_t *out, size_t n);
/* The same, plain C byte by byte: the reference the fast paths are tested
 * against. */
int png_unfilter_row_ref(int filter, unsigned bpp, const uint8_t *in,
                         const uint8_t *prev, uint8_t *out, size_t n);

#endif
