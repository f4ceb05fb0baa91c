/* Filter kernels and contributor tables: the weights every resize, blur
 * and sharpen uses, computed once in prepare(). */
#include "kernels.h"

#include <math.h>

#define KERN_PI 3.14159265358979323846

/* Keys' cubic family (Mitchell and Netravali's B, C form). */
static double cubic_bc(double x, double b, double c)
{
    x = fabs(x);
    if (x < 1.0)
        return ((12.0 - 9.0 * b - 6.0 * c) * x * x * x +
                (-18.0 + 12.0 * b + 6.0 * c) * x * x + (6.0 - 2.0 * b)) /
               6.0;
    if (x < 2.0)
        return ((-b - 6.0 * c) * x * x * x + (6.0 * b + 30.0 * c) * x * x +
                (-12.0 * b - 48.0 * c) * x + (8.0 * b + 24.0 * c)) /
               6.0;
    return 0.0;
}

double kern_eval(int kind, double x)
{
    switch (kind) {
    case KERN_NEAREST:
    case KERN_BOX:
        return x >= -0.5 && x < 0.5 ? 1.0 : 0.0;
    case KERN_TRIANGLE:
        x = fabs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    case KERN_MITCHELL:
        return cubic_bc(x, 1.0 / 3.0, 1.0 / 3.0);
    case KERN_CATROM:
        return cubic_bc(x, 0.0, 0.5);
    case KERN_LANCZOS3:
        if (x == 0.0)
            return 1.0;
        /* Exactly 0 at the other integers (sin(pi * k) is not, in
         * floating point), so a same-size resize is an exact copy. */
        if (x <= -3.0 || x >= 3.0 || x == floor(x))
            return 0.0;
        return 3.0 * sin(KERN_PI * x) * sin(KERN_PI * x / 3.0) /
               (KERN_PI * KERN_PI * x * x);
    default:
        return 0.0;
    }
}

double kern_support(int kind)
{
    switch (kind) {
    case KERN_NEAREST:
    case KERN_BOX:
        return 0.5;
    case KERN_TRIANGLE:
        return 1.0;
    case KERN_MITCHELL:
    case KERN_CATROM:
        return 2.0;
    case KERN_LANCZOS3:
        return 3.0;
    default:
        return 0.0;
    }
}

static uint32_t clamp_index(int64_t j, uint32_t n)
{
    if (j < 0)
        return 0;
    if (j >= (int64_t)n)
        return n - 1;
    return (uint32_t)j;
}

uint32_t kern_resample_taps(int kind, uint32_t in, uint32_t out)
{
    double s = (double)in / (double)out;
    double fs = s > 1.0 ? s : 1.0;
    double taps;
    if (kind == KERN_NEAREST)
        return 1;
    if (kind == KERN_BOX)
        taps = ceil(fs) + 1.0;
    else
        taps = floor(2.0 * kern_support(kind) * fs) + 2.0;
    if (taps > (double)in)
        return in;
    return (uint32_t)taps;
}

/* Places weight w for (unclamped) input pixel j into row `w` of output
 * pixel with window [lo, lo + taps). */
static void add_weight(double *acc, int64_t lo, uint32_t in, int64_t j,
                       double w)
{
    acc[clamp_index(j, in) - lo] += w;
}

void kern_resample(kern_table *t, int kind, uint32_t in, uint32_t out,
                   uint32_t first, uint32_t count)
{
    double s = (double)in / (double)out;
    double fs = s > 1.0 ? s : 1.0;
    uint32_t taps = kern_resample_taps(kind, in, out);
    t->count = count;
    t->taps = taps;
    for (uint32_t i = 0; i < count; i++) {
        double m = ((double)(first + i) + 0.5) * s; /* centre, edge coords */
        float *wrow = t->weights + (size_t)i * taps;
        double acc[64];
        double *a = acc;
        int64_t j0, j1, lo;
        double sum = 0.0;
        if (kind == KERN_NEAREST) {
            t->start[i] = clamp_index((int64_t)floor(m), in);
            wrow[0] = 1.0f;
            continue;
        }
        if (kind == KERN_BOX) {
            double h = fs / 2.0;
            j0 = (int64_t)floor(m - h);
            j1 = (int64_t)ceil(m + h) - 1;
        } else {
            double c = m - 0.5, r = kern_support(kind) * fs;
            j0 = (int64_t)ceil(c - r);
            j1 = (int64_t)floor(c + r);
        }
        /* The clamped window [lo, lo + taps) holds every clamped j. */
        lo = clamp_index(j0, in);
        if (lo + taps > in)
            lo = in - taps;
        for (uint32_t k = 0; k < taps; k++)
            wrow[k] = 0.0f;
        /* Accumulate in double; use the float row as storage when taps
         * exceed the stack buffer. */
        if (taps > 64)
            a = NULL;
        if (a)
            for (uint32_t k = 0; k < taps; k++)
                a[k] = 0.0;
        for (int64_t j = j0; j <= j1; j++) {
            double w;
            if (kind == KERN_BOX) {
                double h = fs / 2.0;
                double l = (double)j > m - h ? (double)j : m - h;
                double r = (double)(j + 1) < m + h ? (double)(j + 1) : m + h;
                w = r > l ? r - l : 0.0;
            } else {
                w = kern_eval(kind, ((double)j - (m - 0.5)) / fs);
            }
            if (a)
                add_weight(a, lo, in, j, w);
            else
                wrow[clamp_index(j, in) - lo] += (float)w;
            sum += w;
        }
        if (sum == 0.0)
            sum = 1.0;
        for (uint32_t k = 0; k < taps; k++)
            wrow[k] = a ? (float)(a[k] / sum) : (float)(wrow[k] / sum);
        t->start[i] = (uint32_t)lo;
    }
}

uint32_t kern_gauss_radius(double sigma)
{
    double r = ceil(3.0 * sigma);
    if (r < 1.0)
        r = 1.0;
    if (r > 1e6)
        r = 1e6;
    return (uint32_t)r;
}

uint32_t kern_gauss_taps(double sigma, uint32_t size)
{
    uint64_t taps = 2u * (uint64_t)kern_gauss_radius(sigma) + 1u;
    return taps > size ? size : (uint32_t)taps;
}

void kern_gauss(kern_table *t, double sigma, uint32_t size)
{
    int64_t r = kern_gauss_radius(sigma);
    uint32_t taps = kern_gauss_taps(sigma, size);
    t->count = size;
    t->taps = taps;
    for (uint32_t i = 0; i < size; i++) {
        float *wrow = t->weights + (size_t)i * taps;
        int64_t lo = clamp_index((int64_t)i - r, size);
        double sum = 0.0;
        if (lo + taps > size)
            lo = size - taps;
        for (uint32_t k = 0; k < taps; k++)
            wrow[k] = 0.0f;
        for (int64_t k = -r; k <= r; k++)
            sum += exp(-(double)(k * k) / (2.0 * sigma * sigma));
        for (int64_t k = -r; k <= r; k++) {
            double w = exp(-(double)(k * k) / (2.0 * sigma * sigma)) / sum;
            wrow[clamp_index((int64_t)i + k, size) - lo] += (float)w;
        }
        t->start[i] = (uint32_t)lo;
    }
}

double kern_srgb_to_linear(double v)
{
    if (v <= 0.04045)
        return v / 12.92;
    return pow((v + 0.055) / 1.055, 2.4);
}

double kern_linear_to_srgb(double v)
{
    if (v <= 0.0031308)
        return v * 12.92;
    return 1.055 * pow(v, 1.0 / 2.4) - 0.055;
}
