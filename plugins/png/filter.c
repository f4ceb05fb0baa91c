/* PNG row filtering for png.save's own IDAT writer. Every filter reads
 * only the original rows, so each is a plain loop over bytes that the
 * compiler vectorises; the score of a row is summed in the same loop. */
#include "filter.h"

#include <string.h>

/* |v| of a filtered byte read as a signed value: libpng's measure. */
static inline unsigned mag(uint8_t v)
{
    return v < 128 ? v : 256u - v;
}

static inline int paeth(int a, int b, int c)
{
    int pa = b - c, pb = a - c, pc = a + b - 2 * c;
    pa = pa < 0 ? -pa : pa;
    pb = pb < 0 ? -pb : pb;
    pc = pc < 0 ? -pc : pc;
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

uint64_t png_filter_row(int filter, unsigned bpp, const uint8_t *cur,
                        const uint8_t *prev, uint8_t *out, size_t n)
{
    uint8_t *o = out + 1;
    uint64_t score = 0;
    size_t head = bpp < n ? bpp : n; /* bytes without a left neighbour */
    out[0] = (uint8_t)filter;
    switch (filter) {
    case 1:
        for (size_t i = 0; i < head; i++)
            o[i] = cur[i];
        for (size_t i = head; i < n; i++)
            o[i] = (uint8_t)(cur[i] - cur[i - bpp]);
        break;
    case 2:
        for (size_t i = 0; i < n; i++)
            o[i] = (uint8_t)(cur[i] - prev[i]);
        break;
    case 3:
        for (size_t i = 0; i < head; i++)
            o[i] = (uint8_t)(cur[i] - (prev[i] >> 1));
        for (size_t i = head; i < n; i++)
            o[i] = (uint8_t)(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
        break;
    case 4:
        for (size_t i = 0; i < head; i++)
            o[i] = (uint8_t)(cur[i] - prev[i]);
        for (size_t i = head; i < n; i++)
            o[i] =
                (uint8_t)(cur[i] - paeth(cur[i - bpp], prev[i], prev[i - bpp]));
        break;
    default:
        memcpy(o, cur, n);
        break;
    }
    for (size_t i = 0; i < n; i++)
        score += mag(o[i]);
    return score;
}

const uint8_t *png_filter_best(unsigned mask, unsigned bpp, const uint8_t *cur,
                               const uint8_t *prev, uint8_t *tmp, size_t n)
{
    uint8_t *best = tmp, *cand = tmp + n + 1;
    uint64_t best_score = UINT64_MAX;
    for (int f = 0; f <= 4; f++) {
        if (!(mask & (1u << f)))
            continue;
        uint64_t s = png_filter_row(f, bpp, cur, prev, cand, n);
        if (s < best_score) {
            uint8_t *t = best;
            best = cand;
            cand = t;
            best_score = s;
        }
    }
    if (best_score == UINT64_MAX) /* empty mask: no filter */
        png_filter_row(0, bpp, cur, prev, best, n);
    return best;
}
