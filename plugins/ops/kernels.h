/* Filter kernels, contributor tables and the sRGB curve for the ops plugin.
 * Pure functions with no host calls, so tests link kernels.c directly. */
#ifndef OPS_KERNELS_H
#define OPS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Resampling kernels, in the order of the `kernel` enum parameter. */
enum {
    KERN_NEAREST = 0,
    KERN_BOX = 1,
    KERN_TRIANGLE = 2,
    KERN_MITCHELL = 3,
    KERN_CATROM = 4,
    KERN_LANCZOS3 = 5,
    KERN_COUNT = 6,
};

/* The value of kernel `kind` at x (in units of source pixels, before any
 * widening). Nearest and box are 1 on [-0.5, 0.5) and 0 elsewhere. */
double kern_eval(int kind, double x);

/* Half-width of kernel `kind`: the kernel is 0 for |x| >= support. */
double kern_support(int kind);

/* A contributor table: for each of `count` output pixels, `taps` weights
 * for input pixels start[i] .. start[i] + taps - 1, all inside the input
 * (taps past the kernel's reach have weight 0). The weights of one output
 * pixel sum to 1. Memory is the caller's: start holds count entries,
 * weights count * taps. */
typedef struct kern_table {
    uint32_t count;
    uint32_t taps;
    uint32_t *start;
    float *weights;
} kern_table;

/* Taps per output pixel of the table kern_resample() builds for an input
 * of `in` pixels resized to `out` pixels (in, out >= 1). */
uint32_t kern_resample_taps(int kind, uint32_t in, uint32_t out);

/* Fills `t` (t->start and t->weights allocated by the caller for `count`
 * entries and kern_resample_taps() taps) for output pixels first ..
 * first + count - 1 of a resize from `in` to `out` pixels. Output pixel i
 * is centred on source position (i + 0.5) * in / out - 0.5; when reducing,
 * the kernel is widened by in / out so it integrates over the source
 * pixels it covers (box uses exact pixel overlap); taps beyond the edges
 * are clamped onto the edge pixels. Nearest picks pixel
 * floor((i + 0.5) * in / out). */
void kern_resample(kern_table *t, int kind, uint32_t in, uint32_t out,
                   uint32_t first, uint32_t count);

/* Radius of a Gaussian of `sigma`: ceil(3 * sigma), at least 1. */
uint32_t kern_gauss_radius(double sigma);

/* Taps of a Gaussian table over `size` pixels: min(2 * radius + 1, size). */
uint32_t kern_gauss_taps(double sigma, uint32_t size);

/* Fills `t` (t->start, t->weights for `size` entries and kern_gauss_taps()
 * taps) with a normalised Gaussian of `sigma` over `size` pixels: output
 * pixel i gets exp(-k^2 / (2 sigma^2)) for k in [-radius, radius] at input
 * pixel clamp(i + k), divided by their sum. */
void kern_gauss(kern_table *t, double sigma, uint32_t size);

/* The exact sRGB transfer curve (IEC 61966-2-1), on [0, 1]. */
double kern_srgb_to_linear(double v);
double kern_linear_to_srgb(double v);

#endif
