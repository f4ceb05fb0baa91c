/* Maths tests of the mipmap filters (plugins/mipmap/filters.c linked
 * directly): every case builds its input in the test, runs the float
 * cascade the plugin runs, and checks it against a reference computed here
 * in double precision. Run as `test_mipmap_maths <case>`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters.h"

static int failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);               \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
        }                                                                      \
    } while (0)

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static double srgb_to_lin(double v)
{
    return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static double lin_to_srgb(double v)
{
    return v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1 / 2.4) - 0.055;
}

/* A float plane. */
typedef struct plane {
    uint32_t w, h, ch;
    float *d;
} plane;

static plane plane_new(uint32_t w, uint32_t h, uint32_t ch)
{
    plane p = {w, h, ch, xmalloc((size_t)w * h * ch * sizeof(float))};
    return p;
}

static mipf_src plane_src(const plane *p)
{
    mipf_src s = {0};
    s.width = p->w;
    s.height = p->h;
    s.channels = p->ch;
    s.plane = p->d;
    s.stride = (size_t)p->w * p->ch;
    return s;
}

/* One reduction src -> (w, h) with the plugin's code path. */
static plane reduce(const mipf_src *src, int filter, int wrap, uint32_t w,
                    uint32_t h, int normal)
{
    mipf_taps tx, ty;
    void *mx = xmalloc(mipf_taps_bytes(filter, src->width, w));
    void *my = xmalloc(mipf_taps_bytes(filter, src->height, h));
    if (mipf_taps_build(&tx, mx, filter, wrap, src->width, w) ||
        mipf_taps_build(&ty, my, filter, wrap, src->height, h)) {
        fprintf(stderr, "taps_build failed\n");
        exit(2);
    }
    plane out = plane_new(w, h, src->channels);
    int op = filter == MIPF_MIN   ? MIPF_OP_MIN
             : filter == MIPF_MAX ? MIPF_OP_MAX
                                  : MIPF_OP_WEIGHTED;
    mipf_pass ps = {src, &tx,  &ty,  op, normal, out.d, (size_t)w * out.ch,
                    0,   NULL, NULL, 0};
    float *scratch = xmalloc(mipf_pass_scratch(&ps) * sizeof(float));
    /* Rows in two uneven bands, as the pool might split them. */
    uint32_t mid = h / 3;
    mipf_reduce_rows(src, &tx, &ty, op, normal, out.d, (size_t)w * out.ch, mid,
                     h, scratch);
    mipf_reduce_rows(src, &tx, &ty, op, normal, out.d, (size_t)w * out.ch, 0,
                     mid, scratch);
    free(scratch);
    free(mx);
    free(my);
    return out;
}

/* A full cascade from src: levels[0] is a float copy of level 0 only when
 * src is a plane; levels[k >= 1] are computed. Returns the count. */
static uint32_t chain(const mipf_src *src, int filter, int wrap, int normal,
                      plane *levels, uint32_t max)
{
    uint32_t n = mipf_full_levels(src->width, src->height);
    if (n > max)
        n = max;
    mipf_src cur = *src;
    levels[0].d = NULL;
    for (uint32_t k = 1; k < n; k++) {
        levels[k] = reduce(&cur, filter, wrap, mipf_level_size(src->width, k),
                           mipf_level_size(src->height, k), normal);
        cur = plane_src(&levels[k]);
    }
    return n;
}

static void free_levels(plane *levels, uint32_t n)
{
    for (uint32_t k = 1; k < n; k++)
        free(levels[k].d);
}

/* ------------------------------------------------------------------------ */

/* mipf_encode_srgb8 is the exactly rounded sRGB code of a linear value. */
static void case_srgb8(void)
{
    int bad = 0;
    for (int i = 0; i <= 200000; i++) {
        float v = (float)(i / 200000.0);
        double e = lin_to_srgb(v) * 255.0;
        int want = (int)floor(e + 0.5);
        int got = mipf_encode_srgb8(v);
        /* Exactly on a midpoint either answer is nearest. */
        if (got != want && fabs(e - floor(e) - 0.5) > 1e-4)
            bad++;
    }
    CHECK(bad == 0, "%d values encoded to a wrong sRGB code", bad);
    for (int c = 0; c < 256; c++)
        CHECK(mipf_encode_srgb8((float)srgb_to_lin(c / 255.0)) == c,
              "code %d does not round-trip", c);
}

/* 512x512 1-px black/white checker, sRGB: level 1 is linear 0.5, i.e.
 * sRGB code 188, at every pixel with box (every wrap) and with every
 * weighted filter under wrap=repeat. Interior pixels of clamp are 188 too. */
static void case_checker(void)
{
    const uint32_t n = 512;
    uint8_t *img = xmalloc((size_t)n * n * 4);
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++) {
            uint8_t v = ((x + y) & 1) ? 255 : 0;
            uint8_t *p = img + ((size_t)y * n + x) * 4;
            p[0] = p[1] = p[2] = v;
            p[3] = 255;
        }
    mipf_src s = {0};
    s.width = s.height = n;
    s.channels = 4;
    s.bytes = img;
    s.byte_stride = n * 4;
    s.sample = 1;
    s.transfer = MIPF_TF_SRGB;
    s.premultiply = 1;
    static const int filters[] = {MIPF_BOX, MIPF_TRIANGLE, MIPF_KAISER,
                                  MIPF_LANCZOS3, MIPF_MITCHELL};
    for (int wrap = 0; wrap < 3; wrap++)
        for (int f = 0; f < 5; f++) {
            int filter = filters[f];
            plane l1 = reduce(&s, filter, wrap, n / 2, n / 2, 0);
            mipf_enc e = {4, 1, MIPF_TF_SRGB, 1, 0, 0, 1.0f};
            uint8_t *row = xmalloc((size_t)n / 2 * 4);
            int all = filter == MIPF_BOX || wrap == MIPF_REPEAT;
            uint32_t margin = all ? 0 : 3;
            int bad = 0, first = -1;
            for (uint32_t y = margin; y < n / 2 - margin; y++) {
                mipf_encode_row(&e, l1.d + (size_t)y * n / 2 * 4, n / 2, row);
                for (uint32_t x = margin; x < n / 2 - margin; x++)
                    for (int c = 0; c < 3; c++)
                        if (row[x * 4 + c] != 188) {
                            if (first < 0)
                                first = row[x * 4 + c];
                            bad++;
                        }
            }
            CHECK(bad == 0,
                  "checker filter %d wrap %d: %d samples not 188 (first %d)",
                  filter, wrap, bad, first);
            free(row);
            free(l1.d);
        }
    /* The whole chain stays 188 (box: every level is the average). */
    plane lv[10];
    uint32_t nl = chain(&s, MIPF_BOX, MIPF_CLAMP, 0, lv, 10);
    mipf_enc e = {4, 1, MIPF_TF_SRGB, 1, 0, 0, 1.0f};
    for (uint32_t k = 1; k < nl; k++) {
        uint8_t px[4];
        mipf_encode_row(&e, lv[k].d, 1, px);
        CHECK(px[0] == 188 && px[3] == 255, "level %u is %d,%d", k, px[0],
              px[3]);
    }
    free_levels(lv, nl);
    free(img);
}

/* Box on power-of-two sizes equals the double-precision area average of
 * the premultiplied linear base, at every one of 8 levels (no accumulation
 * across levels): max error below 0.5 code + 1e-3 after encoding. */
static void case_box_exact(void)
{
    const uint32_t n = 128;
    uint8_t *img = xmalloc((size_t)n * n * 4);
    srand(7);
    for (size_t i = 0; i < (size_t)n * n * 4; i++)
        img[i] = (uint8_t)(rand() & 255);
    mipf_src s = {0};
    s.width = s.height = n;
    s.channels = 4;
    s.bytes = img;
    s.byte_stride = n * 4;
    s.sample = 1;
    s.transfer = MIPF_TF_SRGB;
    s.premultiply = 1;
    plane lv[8];
    uint32_t nl = chain(&s, MIPF_BOX, MIPF_CLAMP, 0, lv, 8);
    mipf_enc e = {4, 1, MIPF_TF_SRGB, 1, 0, 0, 1.0f};
    double worst = 0;
    for (uint32_t k = 1; k < nl; k++) {
        uint32_t m = n >> k, b = 1u << k;
        uint8_t *row = xmalloc((size_t)m * 4);
        for (uint32_t y = 0; y < m; y++) {
            mipf_encode_row(&e, lv[k].d + (size_t)y * m * 4, m, row);
            for (uint32_t x = 0; x < m; x++) {
                double acc[4] = {0, 0, 0, 0};
                for (uint32_t yy = 0; yy < b; yy++)
                    for (uint32_t xx = 0; xx < b; xx++) {
                        const uint8_t *p =
                            img + (((size_t)(y * b + yy)) * n + x * b + xx) * 4;
                        double a = p[3] / 255.0;
                        for (int c = 0; c < 3; c++)
                            acc[c] += srgb_to_lin(p[c] / 255.0) * a;
                        acc[3] += a;
                    }
                double a = acc[3] / (b * b);
                for (int c = 0; c < 4; c++) {
                    double ref;
                    if (c == 3)
                        ref = a * 255.0;
                    else
                        ref = a > 0 ? lin_to_srgb(acc[c] / acc[3]) * 255.0 : 0;
                    double err = fabs(row[x * 4 + c] - ref);
                    /* Unpremultiplying a tiny alpha amplifies float error;
                     * weigh colour error by coverage as the eye does. */
                    if (c < 3)
                        err *= a;
                    if (err > worst)
                        worst = err;
                }
            }
        }
        free(row);
    }
    CHECK(worst <= 0.501, "box differs from the area average by %.4f codes",
          worst);
    printf("box exact: worst %.4f codes\n", worst);
    free_levels(lv, nl);
    free(img);
}

/* Energy and centroid of a plane in level-0 pixel units. */
static void moments(const plane *p, uint32_t w0, uint32_t h0, double *energy,
                    double *cx, double *cy)
{
    double sx = (double)w0 / p->w, sy = (double)h0 / p->h;
    double e = 0, mx = 0, my = 0;
    for (uint32_t y = 0; y < p->h; y++)
        for (uint32_t x = 0; x < p->w; x++) {
            double v = p->d[((size_t)y * p->w + x) * p->ch];
            e += v;
            mx += v * (x + 0.5) * sx;
            my += v * (y + 0.5) * sy;
        }
    *cx = mx / e;
    *cy = my / e;
    *energy = e * sx * sy;
}

/* Odd and awkward sizes: level sizes follow max(1, floor(n / 2^k)); an
 * off-centre Gaussian blob on 257x257 keeps energy within 0.1 % and its
 * centroid within 0.05 px through level 4 for every weighted filter; an
 * impulse in each of the first/last three columns keeps its energy
 * exactly with box (no row or column is dropped). */
static void case_npot(void)
{
    static const uint32_t sizes[][2] = {
        {1, 1}, {1, 9}, {9, 1}, {3, 5}, {255, 257}, {1000, 600}, {4097, 1}};
    for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
        uint32_t w = sizes[t][0], h = sizes[t][1];
        plane base = plane_new(w, h, 1);
        for (size_t i = 0; i < (size_t)w * h; i++)
            base.d[i] = 0.25f;
        mipf_src s = plane_src(&base);
        plane lv[16];
        uint32_t nl = chain(&s, MIPF_KAISER, MIPF_CLAMP, 0, lv, 16);
        uint32_t m = w > h ? w : h, want = 1;
        while (m > 1) {
            m >>= 1;
            want++;
        }
        CHECK(nl == want, "%ux%u: %u levels, want %u", w, h, nl, want);
        for (uint32_t k = 1; k < nl; k++) {
            uint32_t ew = w >> k ? w >> k : 1, eh = h >> k ? h >> k : 1;
            CHECK(lv[k].w == ew && lv[k].h == eh, "%ux%u level %u: %ux%u", w, h,
                  k, lv[k].w, lv[k].h);
            for (size_t i = 0; i < (size_t)ew * eh; i++)
                if (fabsf(lv[k].d[i] - 0.25f) > 1e-6f) {
                    CHECK(0, "%ux%u level %u: constant became %g", w, h, k,
                          lv[k].d[i]);
                    break;
                }
        }
        free_levels(lv, nl);
        free(base.d);
    }

    const uint32_t n = 257;
    plane blob = plane_new(n, n, 1);
    const double bx = 101.3, by = 150.7, sig = 12.0;
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++) {
            double dx = x + 0.5 - bx, dy = y + 0.5 - by;
            blob.d[(size_t)y * n + x] =
                (float)exp(-(dx * dx + dy * dy) / (2 * sig * sig));
        }
    double e0, cx0, cy0;
    moments(&blob, n, n, &e0, &cx0, &cy0);
    static const int filters[] = {MIPF_BOX, MIPF_TRIANGLE, MIPF_KAISER,
                                  MIPF_LANCZOS3, MIPF_MITCHELL};
    for (int f = 0; f < 5; f++) {
        mipf_src s = plane_src(&blob);
        plane lv[6];
        uint32_t nl = chain(&s, filters[f], MIPF_CLAMP, 0, lv, 5);
        for (uint32_t k = 1; k < nl; k++) {
            double e, cx, cy;
            moments(&lv[k], n, n, &e, &cx, &cy);
            CHECK(fabs(e / e0 - 1) <= 0.001, "filter %d level %u energy %.5f",
                  filters[f], k, e / e0);
            CHECK(fabs(cx - cx0) <= 0.05 && fabs(cy - cy0) <= 0.05,
                  "filter %d level %u centroid off by (%.3f, %.3f)", filters[f],
                  k, cx - cx0, cy - cy0);
        }
        free_levels(lv, nl);
    }
    free(blob.d);

    static const uint32_t cols[] = {0, 1, 2, 254, 255, 256};
    for (int c = 0; c < 6; c++) {
        plane imp = plane_new(n, 5, 1);
        memset(imp.d, 0, (size_t)n * 5 * sizeof(float));
        imp.d[2 * n + cols[c]] = 1.0f;
        mipf_src s = plane_src(&imp);
        plane lv[10];
        uint32_t nl = chain(&s, MIPF_BOX, MIPF_CLAMP, 0, lv, 10);
        for (uint32_t k = 1; k < nl; k++) {
            double e, cx, cy;
            moments(&lv[k], n, 5, &e, &cx, &cy);
            CHECK(fabs(e - 1.0) <= 1e-5,
                  "impulse at column %u: level %u "
                  "energy %.6f",
                  cols[c], k, e);
        }
        free_levels(lv, nl);
        free(imp.d);
    }
}

/* wrap=repeat: rolling a periodic 256x256 tile by 2^k commutes with the
 * chain exactly (bit for bit) at levels 0..k, for every filter. wrap=
 * mirror: the chain of a tile equals the top-left quarter of the repeat
 * chain of the tile mirrored into 2x2 (to float rounding). */
static void case_wrap(void)
{
    const uint32_t n = 256, ch = 2;
    plane src = plane_new(n, n, ch);
    srand(3);
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++) {
            float *p = src.d + ((size_t)y * n + x) * ch;
            /* A hard edge across the seam plus noise. */
            p[0] = (x < 20 || x > 230 ? 1.0f : 0.0f) +
                   (float)(rand() % 1000) / 4000.0f;
            p[1] = (float)(rand() % 1000) / 1000.0f;
        }
    const uint32_t shift = 32, k = 5;
    plane rolled = plane_new(n, n, ch);
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++)
            memcpy(rolled.d + ((size_t)y * n + x) * ch,
                   src.d + (((size_t)(y + n - shift) % n) * n +
                            (x + n - shift) % n) *
                               ch,
                   ch * sizeof(float));
    for (int f = 0; f < MIPF_FILTER_COUNT; f++) {
        mipf_src a = plane_src(&src), b = plane_src(&rolled);
        plane la[9], lb[9];
        uint32_t na = chain(&a, f, MIPF_REPEAT, 0, la, k + 1);
        chain(&b, f, MIPF_REPEAT, 0, lb, k + 1);
        for (uint32_t L = 1; L < na; L++) {
            uint32_t m = n >> L, s = shift >> L;
            long diff = 0;
            for (uint32_t y = 0; y < m; y++)
                for (uint32_t x = 0; x < m; x++)
                    for (uint32_t c = 0; c < ch; c++) {
                        float u = la[L].d[((size_t)y * m + x) * ch + c];
                        float v =
                            lb[L].d[(((size_t)(y + s) % m) * m + (x + s) % m) *
                                        ch +
                                    c];
                        diff += memcmp(&u, &v, sizeof(float)) != 0;
                    }
            CHECK(diff == 0, "repeat filter %d level %u: %ld samples differ", f,
                  L, diff);
        }
        free_levels(la, na);
        free_levels(lb, na);

        /* Mirror. */
        plane big = plane_new(2 * n, 2 * n, ch);
        for (uint32_t y = 0; y < 2 * n; y++)
            for (uint32_t x = 0; x < 2 * n; x++) {
                uint32_t sx = x < n ? x : 2 * n - 1 - x;
                uint32_t sy = y < n ? y : 2 * n - 1 - y;
                memcpy(big.d + ((size_t)y * 2 * n + x) * ch,
                       src.d + ((size_t)sy * n + sx) * ch, ch * sizeof(float));
            }
        mipf_src m1 = plane_src(&src), m2 = plane_src(&big);
        plane lm[9], lr[10];
        uint32_t nm = chain(&m1, f, MIPF_MIRROR, 0, lm, 6);
        uint32_t nr = chain(&m2, f, MIPF_REPEAT, 0, lr, 6);
        for (uint32_t L = 1; L < nm && L < nr; L++) {
            uint32_t m = n >> L;
            long diff = 0;
            for (uint32_t y = 0; y < m; y++)
                for (uint32_t x = 0; x < m; x++)
                    for (uint32_t c = 0; c < ch; c++) {
                        float u = lm[L].d[((size_t)y * m + x) * ch + c];
                        float v = lr[L].d[((size_t)y * 2 * m + x) * ch + c];
                        /* The mirrored half sums its taps in the opposite
                         * order, so equality holds to rounding only. */
                        diff += fabsf(u - v) > 1e-5f;
                    }
            CHECK(diff == 0, "mirror filter %d level %u: %ld samples differ", f,
                  L, diff);
        }
        free_levels(lm, nm);
        free_levels(lr, nr);
        free(big.d);
    }
    /* clamp: a constant image stays constant to the edge. */
    plane con = plane_new(n, n, 1);
    for (size_t i = 0; i < (size_t)n * n; i++)
        con.d[i] = 0.7f;
    for (int f = 0; f < MIPF_FILTER_COUNT; f++) {
        mipf_src s = plane_src(&con);
        plane lv[9];
        uint32_t nl = chain(&s, f, MIPF_CLAMP, 0, lv, 9);
        for (uint32_t L = 1; L < nl; L++)
            for (size_t i = 0; i < (size_t)lv[L].w * lv[L].h; i++)
                if (fabsf(lv[L].d[i] - 0.7f) > 1e-6f) {
                    CHECK(0, "clamp filter %d level %u: %g", f, L, lv[L].d[i]);
                    break;
                }
        free_levels(lv, nl);
    }
    free(con.d);
    free(src.d);
    free(rolled.d);
}

/* Zone plate (1024^2, local frequency r / 1024 cycles/px from the centre,
 * Nyquist 0.5 at r = 512): at levels 1-3, the RMS deviation from the mean
 * where the source frequency exceeds 1.5x the level's Nyquist ("alias")
 * must be small for the windowed filters and well below box's; passband
 * contrast where it is below half the level's Nyquist ("keep") stays near
 * 100 %. */
static void case_zoneplate(void)
{
    const uint32_t n = 1024;
    const double c0 = n / 2.0;
    plane z = plane_new(n, n, 1);
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++) {
            double dx = x + 0.5 - c0, dy = y + 0.5 - c0;
            z.d[(size_t)y * n + x] =
                (float)(0.5 +
                        0.5 * cos(3.14159265358979 * (dx * dx + dy * dy) / n));
        }
    static const int filters[] = {MIPF_BOX, MIPF_TRIANGLE, MIPF_KAISER,
                                  MIPF_LANCZOS3, MIPF_MITCHELL};
    static const char *names[] = {"box", "triangle", "kaiser", "lanczos3",
                                  "mitchell"};
    double alias[5][4], keep[5][4];
    for (int f = 0; f < 5; f++) {
        mipf_src s = plane_src(&z);
        plane lv[4];
        uint32_t nl = chain(&s, filters[f], MIPF_CLAMP, 0, lv, 4);
        for (uint32_t L = 1; L < nl; L++) {
            uint32_t m = n >> L;
            double sc = (double)(1u << L), nyq = 0.5 / sc;
            double sa = 0, na = 0, so = 0, si = 0;
            for (uint32_t y = 0; y < m; y++)
                for (uint32_t x = 0; x < m; x++) {
                    double dx = (x + 0.5) * sc - c0, dy = (y + 0.5) * sc - c0;
                    double r = sqrt(dx * dx + dy * dy);
                    if (r > c0 - 8 * sc)
                        continue; /* source itself aliased beyond here */
                    double fr = r / n;
                    double v = lv[L].d[(size_t)y * m + x] - 0.5;
                    if (fr > 1.5 * nyq) {
                        sa += v * v;
                        na++;
                    } else if (fr < 0.5 * nyq) {
                        double ideal = 0.5 * cos(3.14159265358979 *
                                                 (dx * dx + dy * dy) / n);
                        so += v * v;
                        si += ideal * ideal;
                    }
                }
            alias[f][L] = sqrt(sa / na) / 0.5 * 100.0;
            keep[f][L] = sqrt(so / si) * 100.0;
            printf("%-9s L%u alias %5.2f %%  keep %5.1f %%\n", names[f], L,
                   alias[f][L], keep[f][L]);
        }
        free_levels(lv, nl);
    }
    for (uint32_t L = 1; L < 4; L++) {
        for (int f = 2; f < 5; f++)
            CHECK(alias[f][L] < alias[0][L] / 3,
                  "%s alias %.2f %% not below a third of box's %.2f %% at "
                  "level %u",
                  names[f], alias[f][L], alias[0][L], L);
        CHECK(alias[2][L] <= (L == 1 ? 6.0 : 2.0),
              "kaiser alias %.2f %% at level %u", alias[2][L], L);
        CHECK(keep[2][L] >= 95.0, "kaiser keeps %.1f %% at level %u",
              keep[2][L], L);
    }
    free(z.d);
}

/* Alpha cut-out: opaque green (linear G 0.6) discs with soft edges on
 * transparent black. Partially covered texels keep G within 0.005 of the
 * true colour at every level (no dark fringe), and with a coverage scale
 * (alpha_ref 0.5) the alpha-test coverage of every level of at least
 * 16x16 stays within 0.02 of level 0's. */
static void case_alpha(void)
{
    const uint32_t n = 512;
    uint8_t *img = xmalloc((size_t)n * n * 4);
    memset(img, 0, (size_t)n * n * 4);
    uint8_t g = mipf_encode_srgb8(0.6f);
    double g_true = srgb_to_lin(g / 255.0);
    srand(11);
    for (int d = 0; d < 60; d++) {
        double cx = rand() % n, cy = rand() % n, r = 6 + rand() % 30;
        for (uint32_t y = 0; y < n; y++)
            for (uint32_t x = 0; x < n; x++) {
                double dist = hypot(x + 0.5 - cx, y + 0.5 - cy);
                double a = r + 0.5 - dist; /* one-pixel soft edge */
                if (a <= 0)
                    continue;
                if (a > 1)
                    a = 1;
                uint8_t *p = img + ((size_t)y * n + x) * 4;
                uint8_t av = (uint8_t)(a * 255 + 0.5);
                if (av > p[3]) {
                    p[0] = 40;
                    p[1] = g;
                    p[2] = 90;
                    p[3] = av;
                }
            }
    }
    mipf_src s = {0};
    s.width = s.height = n;
    s.channels = 4;
    s.bytes = img;
    s.byte_stride = n * 4;
    s.sample = 1;
    s.transfer = MIPF_TF_SRGB;
    s.premultiply = 1;
    float *scratch = xmalloc((size_t)n * 4 * sizeof(float));
    double cov0 = mipf_coverage(&s, 1.0f, 0.5f, 0, scratch);
    printf("level 0 coverage %.4f\n", cov0);
    CHECK(cov0 > 0.1 && cov0 < 0.6, "test image coverage %.3f", cov0);
    static const int filters[] = {MIPF_BOX, MIPF_KAISER, MIPF_MITCHELL};
    for (int f = 0; f < 3; f++) {
        plane lv[10];
        uint32_t nl = chain(&s, filters[f], MIPF_CLAMP, 0, lv, 10);
        for (uint32_t k = 1; k < nl; k++) {
            mipf_src ls = plane_src(&lv[k]);
            float scale = mipf_coverage_scale(&ls, 0.5f, 255, cov0, NULL);
            mipf_enc e = {4, 1, MIPF_TF_SRGB, 1, 0, 0, scale};
            uint32_t m = lv[k].w;
            uint8_t *row = xmalloc((size_t)m * 4);
            uint64_t hit = 0, part = 0;
            double gsum = 0, worst = 0;
            for (uint32_t y = 0; y < m; y++) {
                mipf_encode_row(&e, lv[k].d + (size_t)y * m * 4, m, row);
                for (uint32_t x = 0; x < m; x++) {
                    uint8_t *p = row + 4 * x;
                    hit += p[3] >= 128; /* 128/255 >= 0.5 */
                    /* Fringe: colour of texels the alpha test keeps or that
                     * blend; skip those so faint that 8 bits say little. */
                    float ain = lv[k].d[((size_t)y * m + x) * 4 + 3];
                    if (ain > 0.05f && ain < 0.95f) {
                        double gl = srgb_to_lin(p[1] / 255.0);
                        gsum += gl;
                        part++;
                        if (fabs(gl - g_true) > worst)
                            worst = fabs(gl - g_true);
                    }
                }
            }
            double cov = (double)hit / ((double)m * m);
            if (m >= 16)
                CHECK(fabs(cov - cov0) <= 0.02,
                      "filter %d level %u coverage %.4f vs %.4f (scale %.3f)",
                      filters[f], k, cov, cov0, scale);
            if (part) {
                double mean = gsum / part;
                CHECK(fabs(mean - g_true) <= 0.005 && worst <= 0.02,
                      "filter %d level %u fringe G mean %.4f worst %.4f, "
                      "true %.4f",
                      filters[f], k, mean, worst, g_true);
            }
            free(row);
        }
        free_levels(lv, nl);
    }
    free(scratch);
    free(img);
}

/* Normal map: random unit normals tilted up to 52 degrees, stored as 8-bit
 * (v+1)/2. With renormalisation every texel of every level has length 1
 * within 1e-6 in float and within 1e-3 after 16-bit encoding. */
static void case_normals(void)
{
    const uint32_t n = 256;
    uint8_t *img = xmalloc((size_t)n * n * 3);
    srand(5);
    for (size_t i = 0; i < (size_t)n * n; i++) {
        double th = (rand() / (double)RAND_MAX) * 52 * 3.14159265 / 180;
        double ph = (rand() / (double)RAND_MAX) * 2 * 3.14159265;
        double v[3] = {sin(th) * cos(ph), sin(th) * sin(ph), cos(th)};
        for (int c = 0; c < 3; c++)
            img[i * 3 + c] = (uint8_t)((v[c] + 1) / 2 * 255 + 0.5);
    }
    mipf_src s = {0};
    s.width = s.height = n;
    s.channels = 3;
    s.bytes = img;
    s.byte_stride = n * 3;
    s.sample = 1;
    s.transfer = MIPF_TF_DATA;
    s.normal = 1;
    plane lv[9];
    uint32_t nl = chain(&s, MIPF_KAISER, MIPF_CLAMP, 1, lv, 9);
    mipf_enc e = {3, 2, MIPF_TF_DATA, 0, 0, 1, 1.0f};
    for (uint32_t k = 1; k < nl; k++) {
        uint32_t m = lv[k].w;
        uint16_t *row = xmalloc((size_t)m * 3 * 2);
        double worst_f = 0, worst_q = 0;
        for (uint32_t y = 0; y < lv[k].h; y++) {
            const float *r = lv[k].d + (size_t)y * m * 3;
            mipf_encode_row(&e, r, m, row);
            for (uint32_t x = 0; x < m; x++) {
                double lf =
                    sqrt(r[3 * x] * r[3 * x] + r[3 * x + 1] * r[3 * x + 1] +
                         r[3 * x + 2] * r[3 * x + 2]);
                double q[3];
                for (int c = 0; c < 3; c++)
                    q[c] = row[3 * x + c] / 65535.0 * 2 - 1;
                double lq = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
                if (fabs(lf - 1) > worst_f)
                    worst_f = fabs(lf - 1);
                if (fabs(lq - 1) > worst_q)
                    worst_q = fabs(lq - 1);
            }
        }
        CHECK(worst_f <= 1e-6, "level %u float length off by %g", k, worst_f);
        CHECK(worst_q <= 1e-3, "level %u 16-bit length off by %g", k, worst_q);
        free(row);
    }
    /* Without renormalisation the mean length shrinks: the test can fail. */
    plane raw[3];
    uint32_t nr = chain(&s, MIPF_KAISER, MIPF_CLAMP, 0, raw, 3);
    double sum = 0;
    for (size_t i = 0; i < (size_t)raw[2].w * raw[2].h; i++) {
        const float *p = raw[2].d + i * 3;
        sum += sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
    }
    CHECK(sum / ((double)raw[2].w * raw[2].h) < 0.95,
          "unnormalised level 2 has mean length %.4f",
          sum / ((double)raw[2].w * raw[2].h));
    free_levels(raw, nr);
    free_levels(lv, nl);
    free(img);
}

/* min/max: every output is the min/max of its footprint (odd size too). */
static void case_minmax(void)
{
    const uint32_t w = 13, h = 7;
    plane p = plane_new(w, h, 1);
    srand(9);
    for (size_t i = 0; i < (size_t)w * h; i++)
        p.d[i] = (float)(rand() % 1000);
    mipf_src s = plane_src(&p);
    for (int f = MIPF_MIN; f <= MIPF_MAX; f++) {
        plane o = reduce(&s, f, MIPF_CLAMP, w / 2, h / 2, 0);
        for (uint32_t y = 0; y < h / 2; y++)
            for (uint32_t x = 0; x < w / 2; x++) {
                /* Footprint [x * w/(w/2), (x+1) * w/(w/2)). */
                double x0 = (double)x * w / (w / 2),
                       x1 = (double)(x + 1) * w / (w / 2);
                double y0 = (double)y * h / (h / 2),
                       y1 = (double)(y + 1) * h / (h / 2);
                float best = f == MIPF_MIN ? 1e30f : -1e30f;
                for (uint32_t yy = (uint32_t)floor(y0); yy < ceil(y1); yy++)
                    for (uint32_t xx = (uint32_t)floor(x0); xx < ceil(x1);
                         xx++) {
                        float v = p.d[(size_t)yy * w + xx];
                        best = f == MIPF_MIN ? fminf(best, v) : fmaxf(best, v);
                    }
                CHECK(o.d[(size_t)y * (w / 2) + x] == best,
                      "filter %d at (%u,%u): %g, want %g", f, x, y,
                      o.d[(size_t)y * (w / 2) + x], best);
            }
        free(o.d);
    }
    free(p.d);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {
        {"srgb8", case_srgb8},         {"checker", case_checker},
        {"box_exact", case_box_exact}, {"npot", case_npot},
        {"wrap", case_wrap},           {"zoneplate", case_zoneplate},
        {"alpha", case_alpha},         {"normals", case_normals},
        {"minmax", case_minmax},
    };
    mipf_init();
    int ran = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0) {
            cases[i].fn();
            ran++;
        }
    if (!ran) {
        fprintf(stderr, "unknown case %s\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
