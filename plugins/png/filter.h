/* PNG row filtering for png.save's own IDAT writer (ISO/IEC 15948, W3C PNG
 * section 9): the five filters and the adaptive choice between them. */
#ifndef UH_PNG_FILTER_H
#define UH_PNG_FILTER_H

#include <stddef.h>
#include <stdint.h>

/* Filters the row `cur` of n bytes (prev: the row above, unfiltered; all
 * zeros for the first row) with filter 0..4 into out[0] = filter and
 * out[1..n]. bpp: bytes of a whole pixel, 1 to 8. Returns the row's
 * score: the sum of the filtered bytes read as signed magnitudes. */
uint64_t png_filter_row(int filter, unsigned bpp, const uint8_t *cur,
                        const uint8_t *prev, uint8_t *out, size_t n);

/* The adaptive choice (libpng's heuristic: the filter whose output has
 * the smallest score, the lower type on a tie), among the filters whose
 * bit (1 << type) is set in `mask`. `tmp` has room for two filtered rows
 * (2 * (n + 1) bytes). Returns the filtered row: inside tmp. */
const uint8_t *png_filter_best(unsigned mask, unsigned bpp, const uint8_t *cur,
                               const uint8_t *prev, uint8_t *tmp, size_t n);

#endif
