/* Unit test of the ops plugin's kernels.c: kernel values at known points,
 * contributor tables (weights sum to 1, windows inside the input, exact
 * box weights), Gaussian tables and the sRGB curve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernels.h"

static int failures;

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol)) {
        fprintf(stderr, "FAIL: %s: got %.9g, want %.9g +- %g\n", what, got,
                want, tol);
        failures++;
    }
}

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

static void test_values(void)
{
    const double pi = 3.14159265358979323846;
    near(kern_eval(KERN_LANCZOS3, 0.0), 1.0, 0, "lanczos3(0)");
    near(kern_eval(KERN_LANCZOS3, 1.0), 0.0, 0, "lanczos3(1)");
    near(kern_eval(KERN_LANCZOS3, -2.0), 0.0, 0, "lanczos3(-2)");
    near(kern_eval(KERN_LANCZOS3, 3.0), 0.0, 0, "lanczos3(3)");
    /* 3 sin(pi x) sin(pi x / 3) / (pi x)^2 */
    near(kern_eval(KERN_LANCZOS3, 0.5), 6.0 / (pi * pi) * 1.0 * 0.5 * 2.0,
         1e-12, "lanczos3(0.5)");
    near(kern_eval(KERN_LANCZOS3, 0.5), 0.6079271018540267, 1e-12,
         "lanczos3(0.5) value");
    near(kern_eval(KERN_LANCZOS3, 1.5), -0.13509491152311703, 1e-12,
         "lanczos3(1.5)");
    near(kern_eval(KERN_LANCZOS3, -2.5), kern_eval(KERN_LANCZOS3, 2.5), 0,
         "lanczos3 symmetric");
    near(kern_eval(KERN_LANCZOS3, 2.5), 0.024317084074161065, 1e-12,
         "lanczos3(2.5)");
    near(kern_eval(KERN_MITCHELL, 0.0), 8.0 / 9.0, 1e-15, "mitchell(0)");
    near(kern_eval(KERN_MITCHELL, 1.0), 1.0 / 18.0, 1e-15, "mitchell(1)");
    near(kern_eval(KERN_MITCHELL, 2.0), 0.0, 1e-15, "mitchell(2)");
    near(kern_eval(KERN_CATROM, 0.0), 1.0, 1e-15, "catrom(0)");
    near(kern_eval(KERN_CATROM, 1.0), 0.0, 1e-15, "catrom(1)");
    near(kern_eval(KERN_CATROM, 0.5), 0.5625, 1e-15, "catrom(0.5)");
    near(kern_eval(KERN_CATROM, 1.5), -0.0625, 1e-15, "catrom(1.5)");
    near(kern_eval(KERN_TRIANGLE, 0.25), 0.75, 0, "triangle(0.25)");
    near(kern_eval(KERN_TRIANGLE, -1.0), 0.0, 0, "triangle(-1)");
    near(kern_eval(KERN_BOX, -0.5), 1.0, 0, "box(-0.5)");
    near(kern_eval(KERN_BOX, 0.5), 0.0, 0, "box(0.5)");
    near(kern_support(KERN_LANCZOS3), 3.0, 0, "lanczos3 support");
}

/* Every table: weights sum to 1, windows inside the input. */
static void test_tables(void)
{
    static const uint32_t sizes[][2] = {
        {1, 1},   {1, 7},   {7, 1},    {2, 3},       {10, 3},  {3, 10},
        {100, 7}, {7, 100}, {640, 64}, {64, 640},    {33, 32}, {32, 33},
        {5, 5},   {999, 1}, {1000, 9}, {20000, 2000}};
    for (int kind = 0; kind < KERN_COUNT; kind++)
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            uint32_t in = sizes[s][0], out = sizes[s][1];
            uint32_t taps = kern_resample_taps(kind, in, out);
            kern_table t;
            char what[128];
            t.start = malloc(sizeof(uint32_t) * out);
            t.weights = malloc(sizeof(float) * out * taps);
            kern_resample(&t, kind, in, out, 0, out);
            check(t.taps == taps && t.count == out, "table shape");
            for (uint32_t i = 0; i < out; i++) {
                double sum = 0.0;
                for (uint32_t k = 0; k < taps; k++)
                    sum += t.weights[(size_t)i * taps + k];
                snprintf(what, sizeof(what), "kind %d %u->%u pixel %u sum",
                         kind, in, out, i);
                near(sum, 1.0, 1e-5, what);
                snprintf(what, sizeof(what), "kind %d %u->%u window", kind, in,
                         out);
                check(t.start[i] + taps <= in, what);
            }
            free(t.start);
            free(t.weights);
        }
}

static void test_known_tables(void)
{
    uint32_t start[4];
    float w[4 * 32];
    kern_table t = {.start = start, .weights = w};
    /* Box halving: pixel i is exactly the mean of 2i and 2i + 1. */
    kern_resample(&t, KERN_BOX, 8, 4, 0, 4);
    for (uint32_t i = 0; i < 4; i++) {
        float got[8] = {0};
        for (uint32_t k = 0; k < t.taps; k++)
            got[start[i] + k] = w[i * t.taps + k];
        near(got[2 * i], 0.5, 1e-7, "box halving weight 2i");
        near(got[2 * i + 1], 0.5, 1e-7, "box halving weight 2i+1");
    }
    /* Box by 1.5 (3 -> 2): pixel 0 covers [0, 1.5): weights 2/3, 1/3. */
    kern_resample(&t, KERN_BOX, 3, 2, 0, 2);
    near(w[0 * t.taps + (0 - start[0])], 2.0 / 3.0, 1e-7, "box 3->2 w0");
    near(w[0 * t.taps + (1 - start[0])], 1.0 / 3.0, 1e-7, "box 3->2 w1");
    /* Triangle halving of 8: pixel 1 centred on 2.5, widened to 2: taps
     * 1..4 get 0.25, 0.75, 0.75, 0.25 over 2. */
    kern_resample(&t, KERN_TRIANGLE, 8, 4, 0, 4);
    near(w[1 * t.taps + (1 - start[1])], 0.125, 1e-7, "triangle w1");
    near(w[1 * t.taps + (2 - start[1])], 0.375, 1e-7, "triangle w2");
    near(w[1 * t.taps + (3 - start[1])], 0.375, 1e-7, "triangle w3");
    near(w[1 * t.taps + (4 - start[1])], 0.125, 1e-7, "triangle w4");
    /* Same size Lanczos is the identity. */
    kern_resample(&t, KERN_LANCZOS3, 4, 4, 0, 4);
    for (uint32_t i = 0; i < 4; i++)
        for (uint32_t k = 0; k < t.taps; k++)
            near(w[i * t.taps + k], start[i] + k == i ? 1.0 : 0.0, 0,
                 "lanczos identity");
    /* Nearest picks floor((i + 0.5) * in / out). */
    kern_resample(&t, KERN_NEAREST, 10, 4, 0, 4);
    check(t.taps == 1 && start[0] == 1 && start[1] == 3 && start[2] == 6 &&
              start[3] == 8,
          "nearest picks");
    /* A cropped table is the matching rows of the full one. */
    {
        uint32_t s2[2];
        float w2[2 * 32];
        kern_table t2 = {.start = s2, .weights = w2};
        check(kern_resample_taps(KERN_LANCZOS3, 9, 4) <= 32, "taps fit");
        kern_resample(&t, KERN_LANCZOS3, 9, 4, 0, 4);
        kern_resample(&t2, KERN_LANCZOS3, 9, 4, 1, 2);
        for (uint32_t i = 0; i < 2; i++) {
            check(s2[i] == start[i + 1], "cropped start");
            for (uint32_t k = 0; k < t.taps; k++)
                near(w2[i * t.taps + k], w[(i + 1) * t.taps + k], 0,
                     "cropped weights");
        }
    }
}

static void test_gauss(void)
{
    uint32_t start[20];
    float w[20 * 13];
    kern_table t = {.start = start, .weights = w};
    double sum = 0.0;
    check(kern_gauss_radius(1.0) == 3 && kern_gauss_radius(0.1) == 1 &&
              kern_gauss_radius(2.01) == 7,
          "gauss radius ceil(3 sigma)");
    kern_gauss(&t, 2.0, 20);
    check(t.taps == 13, "gauss taps 2r + 1");
    for (int k = -6; k <= 6; k++)
        sum += exp(-(double)(k * k) / 8.0);
    near(w[10 * 13 + (10 - start[10])], 1.0 / sum, 1e-7, "gauss centre");
    near(w[10 * 13 + (16 - start[10])], exp(-36.0 / 8.0) / sum, 1e-7,
         "gauss tail");
    for (uint32_t i = 0; i < 20; i++) {
        double s = 0.0;
        for (uint32_t k = 0; k < 13; k++)
            s += w[i * 13 + k];
        near(s, 1.0, 1e-6, "gauss sum");
        check(start[i] + 13 <= 20, "gauss window");
    }
    /* Clamped edge: pixel 0 holds the weights of k = -6..0. */
    {
        double edge = 0.0;
        for (int k = -6; k <= 0; k++)
            edge += exp(-(double)(k * k) / 8.0) / sum;
        near(w[0], edge, 1e-6, "gauss clamped edge");
    }
    kern_gauss(&t, 5.0, 4);
    check(t.taps == 4, "gauss taps capped by the size");
}

static void test_srgb(void)
{
    near(kern_srgb_to_linear(0.0), 0.0, 0, "srgb 0");
    near(kern_srgb_to_linear(1.0), 1.0, 1e-15, "srgb 1");
    near(kern_srgb_to_linear(0.04045), 0.04045 / 12.92, 1e-15, "srgb knee");
    near(kern_srgb_to_linear(0.5), 0.21404114048223255, 1e-12, "srgb 0.5");
    near(kern_linear_to_srgb(0.21404114048223255), 0.5, 1e-12, "linear 0.214");
    near(kern_linear_to_srgb(0.0031308), 0.0031308 * 12.92, 1e-12,
         "linear knee");
    for (int i = 0; i <= 255; i++)
        near(kern_linear_to_srgb(kern_srgb_to_linear(i / 255.0)), i / 255.0,
             1e-12, "round trip");
}

int main(void)
{
    test_values();
    test_tables();
    test_known_tables();
    test_gauss();
    test_srgb();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
