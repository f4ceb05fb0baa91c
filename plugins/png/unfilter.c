/* PNG row unfiltering (ISO/IEC 15948, W3C PNG section 9) for the PNG
 * plugin's decoder. png_unfilter_row_ref is the spec, byte by byte;
 * png_unfilter_row is the fast version: Up as a loop the compiler
 * vectorises, Sub, Average and Paeth for 3, 4, 6 and 8 bytes per pixel one
 * whole pixel per SSE2 step (these filters depend on the pixel to the left,
 * so a row is a chain of dependent steps, and what counts is the latency of
 * one step), Paeth with SSE4.1 instead when the CPU has it, and short
 * branchless scalar loops for the other pixel sizes and for the ends of
 * rows. Nothing here allocates.
 *
 * `out` and `in` are either the same pointer or disjoint, and `out` never
 * overlaps `prev`; no byte before in[0], prev[0], out[0] or after in[n-1],
 * prev[n-1], out[n-1] is read or written. */
#include "unfilter.h"

#include <string.h>

#if defined(__GNUC__)
/* The kernels take bpp as an argument and are instantiated per constant. */
#define UNF_INLINE static inline __attribute__((always_inline))
#else
#define UNF_INLINE static inline
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#define UNF_SSE2 1
#else
#define UNF_SSE2 0
#endif

/* SSE4.1 for Paeth: used directly when the build targets it, otherwise
 * compiled per function (gcc, clang) and picked at run time. UNF_NO_SSE41
 * keeps to SSE2 (the unit test's second copy of this file). */
#if UNF_SSE2 && !defined(UNF_NO_SSE41) && defined(__SSE4_1__)
#include <smmintrin.h>
#define UNF_SSE41        1
#define UNF_SSE41_INLINE UNF_INLINE
#define UNF_SSE41_FN     static
#define have_sse41()     1
#elif UNF_SSE2 && !defined(UNF_NO_SSE41) && defined(__GNUC__) &&               \
    (defined(__x86_64__) || defined(__i386__))
#include <smmintrin.h>
#define UNF_SSE41 1
#define UNF_SSE41_INLINE                                                       \
    static inline __attribute__((always_inline, target("sse4.1")))
#define UNF_SSE41_FN static __attribute__((target("sse4.1")))
#define have_sse41() __builtin_cpu_supports("sse4.1")
#else
#define UNF_SSE41 0
#endif

/* Both functions also refuse (-1) a bpp outside the documented 1..8. */
static int valid_args(int filter, unsigned bpp)
{
    return filter >= 0 && filter <= 4 && bpp >= 1 && bpp <= 8;
}

/* ------------------------------------------------------------------------ */
/* Reference                                                                */

static int paeth_ref(int a, int b, int c)
{
    int p = a + b - c;
    int pa = p > a ? p - a : a - p;
    int pb = p > b ? p - b : b - p;
    int pc = p > c ? p - c : c - p;
    if (pa <= pb && pa <= pc)
        return a;
    if (pb <= pc)
        return b;
    return c;
}

int png_unfilter_row_ref(int filter, unsigned bpp, const uint8_t *in,
                         const uint8_t *prev, uint8_t *out, size_t n)
{
    if (!valid_args(filter, bpp))
        return -1;
    for (size_t i = 0; i < n; i++) {
        int x = in[i];
        int a = i >= bpp ? out[i - bpp] : 0;
        int v;
        switch (filter) {
        case 0:
            v = x;
            break;
        case 1:
            v = x + a;
            break;
        case 2:
            v = x + prev[i];
            break;
        case 3:
            v = x + ((a + prev[i]) >> 1);
            break;
        default:
            v = x + paeth_ref(a, prev[i], i >= bpp ? prev[i - bpp] : 0);
            break;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Scalar                                                                   */

/* Paeth without branches: with pa = |b - c|, pb = |a - c| and
 * pc = |a + b - 2c| (the spec's |p - a|, |p - b|, |p - c|), a wins ties,
 * then b; the choice is made as explained at paeth_px below, which keeps
 * the chain from a short (the conditionals become cmov). */
static inline int paeth_pick(int a, int b, int c)
{
    int pa = b - c, k = b - 2 * c;
    int pb = a - c, pc = a + k;
    pa = pa < 0 ? -pa : pa;
    pb = pb < 0 ? -pb : pb;
    pc = pc < 0 ? -pc : pc;
    int when_le = pa > pb ? b : a; /* the choice when pb <= pc */
    int when_gt = pa > pc ? c : a; /* when pb > pc */
    return pb > pc ? when_gt : when_le;
}

/* The three left-dependent filters from byte `i` on, reading the left
 * neighbour back from out: the rows the SIMD code does not take (Sub and
 * Average for 1, 2, 5, 7 bytes per pixel, everything without SSE2) and the
 * ends of rows it leaves. */
static void sub_c(unsigned bpp, const uint8_t *in, uint8_t *out, size_t i,
                  size_t n)
{
    for (; i < bpp && i < n; i++)
        out[i] = in[i];
    for (; i < n; i++)
        out[i] = (uint8_t)(in[i] + out[i - bpp]);
}

static void avg_c(unsigned bpp, const uint8_t *in, const uint8_t *prev,
                  uint8_t *out, size_t i, size_t n)
{
    for (; i < bpp && i < n; i++)
        out[i] = (uint8_t)(in[i] + (prev[i] >> 1));
    for (; i < n; i++)
        out[i] = (uint8_t)(in[i] + ((out[i - bpp] + prev[i]) >> 1));
}

static void paeth_c(unsigned bpp, const uint8_t *in, const uint8_t *prev,
                    uint8_t *out, size_t i, size_t n)
{
    for (; i < bpp && i < n; i++)
        out[i] = (uint8_t)(in[i] + prev[i]);
    for (; i < n; i++)
        out[i] =
            (uint8_t)(in[i] + paeth_pick(out[i - bpp], prev[i], prev[i - bpp]));
}

/* Paeth for 1 and 2 bytes per pixel (bit depths below 8, gray 8 and 16,
 * gray-alpha 8): the left and upper-left bytes stay in registers, so no
 * store-to-load round trip through out sits on the dependency chain. */
static void paeth_c1(const uint8_t *in, const uint8_t *prev, uint8_t *out,
                     size_t n)
{
    int a = (uint8_t)(in[0] + prev[0]), c = prev[0];
    out[0] = (uint8_t)a;
    for (size_t i = 1; i < n; i++) {
        int b = prev[i];
        a = (uint8_t)(in[i] + paeth_pick(a, b, c));
        out[i] = (uint8_t)a;
        c = b;
    }
}

static void paeth_c2(const uint8_t *in, const uint8_t *prev, uint8_t *out,
                     size_t n)
{
    if (n < 2) {
        paeth_c(2, in, prev, out, 0, n);
        return;
    }
    int a0 = (uint8_t)(in[0] + prev[0]), c0 = prev[0];
    int a1 = (uint8_t)(in[1] + prev[1]), c1 = prev[1];
    out[0] = (uint8_t)a0;
    out[1] = (uint8_t)a1;
    size_t i = 2;
    for (; i + 2 <= n; i += 2) {
        int b0 = prev[i], b1 = prev[i + 1];
        a0 = (uint8_t)(in[i] + paeth_pick(a0, b0, c0));
        a1 = (uint8_t)(in[i + 1] + paeth_pick(a1, b1, c1));
        out[i] = (uint8_t)a0;
        out[i + 1] = (uint8_t)a1;
        c0 = b0;
        c1 = b1;
    }
    paeth_c(2, in, prev, out, i, n);
}

/* Up has no left dependency: plain loops, vectorised by the compiler (the
 * in-place one separately, so no run-time overlap check sends it to a
 * scalar fallback). */
static void up_copy(uint8_t *restrict out, const uint8_t *restrict in,
                    const uint8_t *restrict prev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(in[i] + prev[i]);
}

static void up_inplace(uint8_t *restrict row, const uint8_t *restrict prev,
                       size_t n)
{
    for (size_t i = 0; i < n; i++)
        row[i] = (uint8_t)(row[i] + prev[i]);
}

/* ------------------------------------------------------------------------ */
/* SSE2 (and SSE4.1 for Paeth): one pixel per step                          */

#if UNF_SSE2

/* A pixel of 3 or 4 bytes is loaded with one 4-byte load, one of 6 or 8
 * bytes with an 8-byte load; for 3 and 6 that takes the first bytes of the
 * next pixel too, whose lanes are then don't-care (never stored). Such a
 * `wide` load is only made while it stays inside the row: the loops run a
 * wide pass, then an exact one for the last pixel or two of a row of 3 or 6
 * bytes per pixel. */
UNF_INLINE int wide_fits(unsigned bpp, size_t i, size_t n)
{
    return i + (bpp <= 4 ? 4 : 8) <= n;
}

UNF_INLINE __m128i load_px(const uint8_t *p, unsigned bpp, int wide)
{
    if (wide && bpp <= 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        return _mm_cvtsi32_si128((int)v);
    }
    if (wide)
        return _mm_loadl_epi64((const __m128i *)(const void *)p);
    uint8_t t[8] = {0};
    memcpy(t, p, bpp);
    return _mm_loadl_epi64((const __m128i *)(const void *)t);
}

/* Stores the low bpp bytes of v, nothing more. */
UNF_INLINE void store_px(uint8_t *p, __m128i v, unsigned bpp)
{
    if (bpp == 8) {
        _mm_storel_epi64((__m128i *)(void *)p, v);
        return;
    }
    uint32_t lo = (uint32_t)_mm_cvtsi128_si32(v);
    if (bpp == 4) {
        memcpy(p, &lo, 4);
    } else if (bpp == 3) {
        uint16_t w = (uint16_t)lo;
        memcpy(p, &w, 2);
        p[2] = (uint8_t)(lo >> 16);
    } else { /* 6 */
        uint16_t w = (uint16_t)_mm_extract_epi16(v, 2);
        memcpy(p, &lo, 4);
        memcpy(p + 4, &w, 2);
    }
}

/* Sub: bytes add mod 256 lane by lane, no widening needed. */
UNF_INLINE void sub_sse2(unsigned bpp, const uint8_t *in, uint8_t *out,
                         size_t n)
{
    size_t i = bpp;
    if (out != in)
        memcpy(out, in, bpp);
    __m128i a = load_px(out, bpp, 0);
    for (int wide = 1; wide >= 0; wide--) {
        for (; wide ? wide_fits(bpp, i, n) : i + bpp <= n; i += bpp) {
            a = _mm_add_epi8(a, load_px(in + i, bpp, wide));
            store_px(out + i, a, bpp);
        }
    }
    sub_c(bpp, in, out, i, n);
}

/* Average in bytes: pavgb rounds (a + b + 1) >> 1, the spec floors the
 * 9-bit sum, so subtract the lost low bit (a ^ b) & 1. Written as
 * (x + pavgb) - bit so that only three operations follow a. */
UNF_INLINE void avg_sse2(unsigned bpp, const uint8_t *in, const uint8_t *prev,
                         uint8_t *out, size_t n)
{
    const __m128i one = _mm_set1_epi8(1);
    size_t i;
    for (i = 0; i < bpp; i++)
        out[i] = (uint8_t)(in[i] + (prev[i] >> 1));
    __m128i a = load_px(out, bpp, 0);
    for (int wide = 1; wide >= 0; wide--) {
        for (; wide ? wide_fits(bpp, i, n) : i + bpp <= n; i += bpp) {
            __m128i b = load_px(prev + i, bpp, wide);
            __m128i x = load_px(in + i, bpp, wide);
            __m128i lost = _mm_and_si128(_mm_xor_si128(a, b), one);
            a = _mm_sub_epi8(_mm_add_epi8(x, _mm_avg_epu8(a, b)), lost);
            store_px(out + i, a, bpp);
        }
    }
    avg_c(bpp, in, prev, out, i, n);
}

/* Paeth runs in 16-bit lanes holding 0..255. With pa = |b - c|,
 * pb = |a - c|, pc = |a + b - 2c| and P = pa > pb, Q = pa > pc, R = pb > pc,
 * the spec's choice is R ? (Q ? c : a) : (P ? b : a): when pb > pc,
 * pa > pb implies pa > pc, and when pb <= pc, pa > pc implies pa > pb. The
 * step returns the unfiltered pixel (the chosen one plus x, mod 256) from
 * a (left), b (up), c (up-left) and x (the filtered bytes). What does not
 * depend on a is computed first: it is off the row's dependency chain,
 * which runs from one pixel's a to the next. */

UNF_INLINE __m128i sel(__m128i m, __m128i t, __m128i f)
{
    return _mm_or_si128(_mm_and_si128(m, t), _mm_andnot_si128(m, f));
}

/* SSE2: |v| as max(v, -v), both signs straight from a; the chain from a is
 * seven operations deep (two for pb and pc, a compare, two selects of two
 * each). */
UNF_INLINE __m128i paeth_px(__m128i a, __m128i b, __m128i c, __m128i x)
{
    const __m128i ff = _mm_set1_epi16(0xff);
    __m128i bc = _mm_sub_epi16(b, c), cb = _mm_sub_epi16(c, b);
    __m128i pa = _mm_max_epi16(bc, cb);
    __m128i k = _mm_sub_epi16(bc, c);  /* b - 2c */
    __m128i nk = _mm_add_epi16(cb, c); /* 2c - b */
    __m128i bx = _mm_and_si128(_mm_add_epi16(b, x), ff);
    __m128i cx = _mm_and_si128(_mm_add_epi16(c, x), ff);
    __m128i pb = _mm_max_epi16(_mm_sub_epi16(a, c), _mm_sub_epi16(c, a));
    __m128i pc = _mm_max_epi16(_mm_add_epi16(a, k), _mm_sub_epi16(nk, a));
    __m128i ax = _mm_and_si128(_mm_add_epi16(a, x), ff);
    __m128i p = _mm_cmpgt_epi16(pa, pb);
    __m128i q = _mm_cmpgt_epi16(pa, pc);
    __m128i r = _mm_cmpgt_epi16(pb, pc);
    return sel(r, sel(q, cx, ax), sel(p, bx, ax));
}

/* One Paeth row around the one-pixel step STEP: the first pixel in scalar
 * (a = c = 0 there, where Paeth picks b), then one whole pixel per step,
 * a partial pixel at the end in scalar. A macro so that the SSE2 and the
 * SSE4.1 versions share it, each compiled for its own target. */
#define PAETH_ROW(STEP, bpp, in, prev, out, n)                                 \
    do {                                                                       \
        const __m128i z_ = _mm_setzero_si128();                                \
        size_t i_;                                                             \
        for (i_ = 0; i_ < (bpp); i_++)                                         \
            (out)[i_] = (uint8_t)((in)[i_] + (prev)[i_]);                      \
        __m128i a_ = _mm_unpacklo_epi8(load_px((out), (bpp), 0), z_);          \
        __m128i c_ = _mm_unpacklo_epi8(load_px((prev), (bpp), 0), z_);         \
        for (int w_ = 1; w_ >= 0; w_--) {                                      \
            for (; w_ ? wide_fits((bpp), i_, (n)) : i_ + (bpp) <= (n);         \
                 i_ += (bpp)) {                                                \
                __m128i b_ = load_px((prev) + i_, (bpp), w_);                  \
                __m128i x_ = load_px((in) + i_, (bpp), w_);                    \
                b_ = _mm_unpacklo_epi8(b_, z_);                                \
                a_ = STEP(a_, b_, c_, _mm_unpacklo_epi8(x_, z_));              \
                store_px((out) + i_, _mm_packus_epi16(a_, a_), (bpp));         \
                c_ = b_;                                                       \
            }                                                                  \
        }                                                                      \
        paeth_c((bpp), (in), (prev), (out), i_, (n));                          \
    } while (0)

UNF_INLINE void paeth_sse2(unsigned bpp, const uint8_t *in, const uint8_t *prev,
                           uint8_t *out, size_t n)
{
    PAETH_ROW(paeth_px, bpp, in, prev, out, n);
}

#if UNF_SSE41
/* SSE4.1: pabsw for the absolute values and pblendvb for the selects, which
 * takes the chain from a down to five operations and saves a third of the
 * work (about 1.5x the SSE2 speed on AMD Zen 3). */
UNF_SSE41_INLINE __m128i paeth_px41(__m128i a, __m128i b, __m128i c, __m128i x)
{
    const __m128i ff = _mm_set1_epi16(0xff);
    __m128i bc = _mm_sub_epi16(b, c);
    __m128i pa = _mm_abs_epi16(bc);
    __m128i k = _mm_sub_epi16(bc, c); /* b - 2c */
    __m128i bx = _mm_and_si128(_mm_add_epi16(b, x), ff);
    __m128i cx = _mm_and_si128(_mm_add_epi16(c, x), ff);
    __m128i pb = _mm_abs_epi16(_mm_sub_epi16(a, c));
    __m128i pc = _mm_abs_epi16(_mm_add_epi16(a, k));
    __m128i ax = _mm_and_si128(_mm_add_epi16(a, x), ff);
    __m128i p = _mm_cmpgt_epi16(pa, pb);
    __m128i q = _mm_cmpgt_epi16(pa, pc);
    __m128i r = _mm_cmpgt_epi16(pb, pc);
    return _mm_blendv_epi8(_mm_blendv_epi8(ax, bx, p),
                           _mm_blendv_epi8(ax, cx, q), r);
}

UNF_SSE41_INLINE void paeth_sse41(unsigned bpp, const uint8_t *in,
                                  const uint8_t *prev, uint8_t *out, size_t n)
{
    PAETH_ROW(paeth_px41, bpp, in, prev, out, n);
}

/* One out-of-line function per pixel size, compiled for SSE4.1. */
UNF_SSE41_FN void paeth_sse41_row(unsigned bpp, const uint8_t *in,
                                  const uint8_t *prev, uint8_t *out, size_t n)
{
    switch (bpp) {
    case 3:
        paeth_sse41(3, in, prev, out, n);
        break;
    case 4:
        paeth_sse41(4, in, prev, out, n);
        break;
    case 6:
        paeth_sse41(6, in, prev, out, n);
        break;
    default:
        paeth_sse41(8, in, prev, out, n);
        break;
    }
}
#endif /* UNF_SSE41 */

/* filter is 1, 3 or 4, n > bpp. */
UNF_INLINE void row_sse2(int filter, unsigned bpp, const uint8_t *in,
                         const uint8_t *prev, uint8_t *out, size_t n)
{
    if (filter == 1)
        sub_sse2(bpp, in, out, n);
    else if (filter == 3)
        avg_sse2(bpp, in, prev, out, n);
    else
        paeth_sse2(bpp, in, prev, out, n);
}

#endif /* UNF_SSE2 */

/* ------------------------------------------------------------------------ */
/* Dispatch                                                                 */

int png_unfilter_row(int filter, unsigned bpp, const uint8_t *in,
                     const uint8_t *prev, uint8_t *out, size_t n)
{
    if (!valid_args(filter, bpp))
        return -1;
    if (n == 0)
        return 0;
    if (filter == 0) {
        if (out != in)
            memcpy(out, in, n);
        return 0;
    }
    if (filter == 2) {
        if (out == in)
            up_inplace(out, prev, n);
        else
            up_copy(out, in, prev, n);
        return 0;
    }
#if UNF_SSE2
    if (n > bpp && (bpp == 3 || bpp == 4 || bpp == 6 || bpp == 8)) {
#if UNF_SSE41
        if (filter == 4 && have_sse41()) {
            paeth_sse41_row(bpp, in, prev, out, n);
            return 0;
        }
#endif
        switch (bpp) {
        case 3:
            row_sse2(filter, 3, in, prev, out, n);
            break;
        case 4:
            row_sse2(filter, 4, in, prev, out, n);
            break;
        case 6:
            row_sse2(filter, 6, in, prev, out, n);
            break;
        default:
            row_sse2(filter, 8, in, prev, out, n);
            break;
        }
        return 0;
    }
#endif
    if (filter == 1)
        sub_c(bpp, in, out, 0, n);
    else if (filter == 3)
        avg_c(bpp, in, prev, out, 0, n);
    else if (bpp == 1)
        paeth_c1(in, prev, out, n);
    else if (bpp == 2)
        paeth_c2(in, prev, out, n);
    else
        paeth_c(bpp, in, prev, out, 0, n);
    return 0;
}
