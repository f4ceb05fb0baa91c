/* Unit tests of the procedural plugin's maths, driven through a mock host
 * (mockhost.c): every generator's pixels against reference computations
 * written here, seamlessness of tileable output, independence from band
 * size and order, ranges, error messages and leaks.
 *
 * Usage: procedural_unit CASE path/to/procedural.so */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mockhost.h"

static int failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);              \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

static const double PI = 3.14159265358979324;

/* ------------------------------------------------------------------------ */
/* Reference maths, written from the documented formulas                    */

static uint32_t ref_hash(int64_t i, int64_t j, uint32_t seed)
{
    uint64_t m = 0xffffffffu;
    uint64_t h = (((uint64_t)i * 0x8da6b343u) & m) ^
                 (((uint64_t)j * 0xd8163841u) & m) ^
                 (((uint64_t)seed * 0xcb1ab31fu + 0x68e31da4u) & m);
    h ^= h >> 16;
    h = (h * 0x7feb352du) & m;
    h ^= h >> 15;
    h = (h * 0x846ca68bu) & m;
    h ^= h >> 16;
    return (uint32_t)h;
}

static int64_t ref_mod(int64_t i, int64_t p)
{
    if (p <= 0)
        return i;
    return ((i % p) + p) % p;
}

static double quintic(double t)
{
    return 6 * pow(t, 5) - 15 * pow(t, 4) + 10 * pow(t, 3);
}

/* Gradient k of 16: the angle k * 22.5 degrees. */
static void ref_grad(uint32_t h, double *gx, double *gy)
{
    double a = (h >> 28) * PI / 8.0;
    *gx = cos(a);
    *gy = sin(a);
}

static double ref_value(double u, double v, int64_t px, int64_t py,
                        uint32_t seed)
{
    double i = floor(u), j = floor(v), acc = 0;
    int di, dj;
    /* Sum of the four corners with tensor-product weights. */
    for (dj = 0; dj <= 1; dj++)
        for (di = 0; di <= 1; di++) {
            double wx = di ? quintic(u - i) : 1 - quintic(u - i);
            double wy = dj ? quintic(v - j) : 1 - quintic(v - j);
            uint32_t h = ref_hash(ref_mod((int64_t)i + di, px),
                                  ref_mod((int64_t)j + dj, py), seed);
            acc += wx * wy * (h / 4294967296.0);
        }
    return acc * 2 - 1;
}

static double ref_perlin(double u, double v, int64_t px, int64_t py,
                         uint32_t seed)
{
    double i = floor(u), j = floor(v), acc = 0;
    int di, dj;
    for (dj = 0; dj <= 1; dj++)
        for (di = 0; di <= 1; di++) {
            double wx = di ? quintic(u - i) : 1 - quintic(u - i);
            double wy = dj ? quintic(v - j) : 1 - quintic(v - j);
            double gx, gy;
            ref_grad(ref_hash(ref_mod((int64_t)i + di, px),
                              ref_mod((int64_t)j + dj, py), seed),
                     &gx, &gy);
            acc += wx * wy * (gx * (u - i - di) + gy * (v - j - dj));
        }
    return acc * 1.42;
}

/* Simplex noise by brute force: every point of the triangular lattice
 * (point (i, j) at (i + j/2, j sqrt(3)/2)) within the kernel radius
 * contributes (0.75 - d^2)^4 (g . d). The period qy rows shifts i by
 * qy / 2. */
static double ref_simplex(double u, double v, int64_t px, int64_t qy,
                          uint32_t seed)
{
    double rh = sqrt(3.0) / 2, acc = 0;
    int64_t j0 = (int64_t)floor(v / rh), i0 = (int64_t)floor(u - 0.5 * j0);
    int64_t i, j;
    for (j = j0 - 3; j <= j0 + 3; j++)
        for (i = i0 - 4; i <= i0 + 4; i++) {
            double dx = u - (i + 0.5 * j), dy = v - j * rh;
            double w = 0.75 - dx * dx - dy * dy, gx, gy;
            int64_t hi = i, hj = j;
            if (w <= 0)
                continue;
            if (qy > 0) {
                int64_t k = (int64_t)floor((double)j / qy);
                hj = j - k * qy;
                hi = ref_mod(i + k * (qy / 2), px);
            }
            ref_grad(ref_hash(hi, hj, seed), &gx, &gy);
            acc += pow(w, 4) * (gx * dx + gy * dy);
        }
    return acc * 16.0;
}

/* F1 and F2 over a 5x5 block of cells (the plugin searches 3x3). */
static void ref_worley(double u, double v, int64_t px, int64_t py,
                       uint32_t seed, double jitter, int metric, double *f1,
                       double *f2)
{
    int64_t ci = (int64_t)floor(u), cj = (int64_t)floor(v), i, j;
    double b1 = 1e30, b2 = 1e30;
    for (j = cj - 2; j <= cj + 2; j++)
        for (i = ci - 2; i <= ci + 2; i++) {
            uint32_t h = ref_hash(ref_mod(i, px), ref_mod(j, py), seed);
            double fx = i + 0.5 + jitter * ((h & 0xffff) / 65536.0 - 0.5);
            double fy = j + 0.5 + jitter * ((h >> 16) / 65536.0 - 0.5);
            double dx = fabs(u - fx), dy = fabs(v - fy), d;
            d = metric == 0   ? sqrt(dx * dx + dy * dy)
                : metric == 1 ? dx + dy
                              : fmax(dx, dy);
            if (d < b1) {
                b2 = b1;
                b1 = d;
            } else if (d < b2) {
                b2 = d;
            }
        }
    *f1 = b1;
    *f2 = b2;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static mh_image run_ok(uint32_t band, int order)
{
    mh_image img;
    uh_status st = mh_run(band, order, &img);
    CHECK(st == UH_OK, "run failed: %d %s", (int)st, mh_error());
    CHECK(mh_live_blocks() == 0, "%ld blocks leaked", mh_live_blocks());
    if (st != UH_OK)
        exit(1);
    return img;
}

static void gen(const char *id, uint32_t w, uint32_t h, const char *sample)
{
    mh_begin(id);
    mh_set_int("width", w);
    mh_set_int("height", h);
    mh_set_enum("sample", sample);
}

/* Compares every pixel of channel 0 with ref(x, y); returns the worst
 * difference. */
static double compare(const mh_image *img, double (*ref)(uint32_t, uint32_t),
                      double tol, const char *what)
{
    double worst = 0;
    uint32_t x, y, bad = 0;
    for (y = 0; y < img->info.height; y++)
        for (x = 0; x < img->info.width; x++) {
            double got = mh_at(img, x, y, 0), want = ref(x, y);
            double d = fabs(got - want);
            if (d > worst)
                worst = d;
            if (d > tol && bad++ < 5)
                fprintf(stderr, "%s (%u,%u): got %.6f want %.6f\n", what, x, y,
                        got, want);
        }
    CHECK(bad == 0, "%s: %u pixels differ by more than %g (worst %g)", what,
          bad, tol, worst);
    return worst;
}

/* Current reference parameters (set by each case before compare()). */
static struct {
    uint32_t w, h, seed;
    double sx, sy;
    int64_t px, py;
    int kind, metric, feature;
    double jitter;
} R;

static double ref_pixel(uint32_t x, uint32_t y)
{
    double u = (x + 0.5) / R.w * R.sx, v = (y + 0.5) / R.h * R.sy, n;
    switch (R.kind) {
    case 0:
        n = ref_perlin(u, v, R.px, R.py, R.seed);
        break;
    case 1:
        n = ref_simplex(u, v, R.px, R.py, R.seed);
        break;
    default:
        n = ref_value(u, v, R.px, R.py, R.seed);
        break;
    }
    n = 0.5 + 0.5 * n;
    return n < 0 ? 0 : n > 1 ? 1 : n;
}

/* ------------------------------------------------------------------------ */
/* Cases                                                                    */

static void case_hash(void)
{
    /* Known values, computed separately with Python integers. */
    CHECK(ref_hash(0, 0, 0) == 0xd5de83f7u, "hash(0,0,0)");
    CHECK(ref_hash(1, 0, 0) == 0x902929e8u, "hash(1,0,0)");
    CHECK(ref_hash(12345, -678, 42) == 0x5285b8dfu, "hash(12345,-678,42)");
    CHECK(ref_hash(-1, -1, 4294967295u) == 0x370ec4dbu, "hash(-1,-1,max)");

    /* White noise is the hash of each pixel: exact at u16. */
    gen("noise", 61, 37, "u16");
    mh_set_enum("kind", "white");
    mh_set_int("seed", 42);
    {
        mh_image img = run_ok(5, 2);
        uint32_t x, y, bad = 0;
        for (y = 0; y < 37; y++)
            for (x = 0; x < 61; x++) {
                double v = ref_hash(x, y, 42) / 4294967296.0;
                int want = (int)(v * 65535 + 0.5);
                int got = (int)(mh_at(&img, x, y, 0) * 65535 + 0.5);
                /* The plugin rounds through a float: allow one step. */
                bad += abs(got - want) > 1;
            }
        CHECK(bad == 0, "white noise: %u pixels differ from the hash", bad);
        mh_image_free(&img);
    }
    mh_set_enum("sample", "u8");
    {
        mh_image img = run_ok(64, 0);
        uint32_t x, y, bad = 0;
        for (y = 0; y < 37; y++)
            for (x = 0; x < 61; x++) {
                double v = ref_hash(x, y, 42) / 4294967296.0;
                bad += img.data[y * img.stride + x] != (uint8_t)(v * 255 + 0.5);
            }
        CHECK(bad == 0, "white noise u8: %u pixels differ from the hash", bad);
        mh_image_free(&img);
    }
}

static void lattice_case(const char *kind, int rkind)
{
    static const struct {
        uint32_t w, h, seed;
        double freq;
        int tile;
    } cfg[] = {{96, 64, 7, 5.5, 0}, {80, 48, 123, 6, 1}, {50, 70, 9, 3.3, 1}};
    unsigned i;
    for (i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        mh_image img;
        char what[64];
        gen("noise", cfg[i].w, cfg[i].h, "f32");
        mh_set_enum("kind", kind);
        mh_set_int("seed", cfg[i].seed);
        mh_set_num("frequency", cfg[i].freq);
        mh_set_int("tileable", cfg[i].tile);
        img = run_ok(7, 2);
        R.w = cfg[i].w;
        R.h = cfg[i].h;
        R.seed = cfg[i].seed;
        R.kind = rkind;
        if (!cfg[i].tile) {
            R.sx = cfg[i].freq;
            R.sy = cfg[i].freq * cfg[i].h / cfg[i].w;
            R.px = R.py = 0;
        } else if (rkind == 1) {
            R.px = (int64_t)floor(cfg[i].freq + 0.5);
            R.py = 2 * (int64_t)fmax(1, floor(cfg[i].freq * cfg[i].h /
                                                  cfg[i].w / (sqrt(3) / 2) / 2 +
                                              0.5));
            R.sx = (double)R.px;
            R.sy = R.py * sqrt(3) / 2;
        } else {
            R.px = (int64_t)floor(cfg[i].freq + 0.5);
            R.py = (int64_t)floor(cfg[i].freq * cfg[i].h / cfg[i].w + 0.5);
            R.sx = (double)R.px;
            R.sy = (double)R.py;
        }
        snprintf(what, sizeof what, "%s config %u", kind, i);
        compare(&img, ref_pixel, 1e-5, what);
        mh_image_free(&img);
    }
}

static void case_value(void)
{
    lattice_case("value", 2);
}

static void case_perlin(void)
{
    lattice_case("perlin", 0);
}

static void case_simplex(void)
{
    lattice_case("simplex", 1);
}

static void case_worley(void)
{
    static const char *const metrics[] = {"euclidean", "manhattan",
                                          "chebyshev"};
    static const char *const features[] = {"f1", "f2", "f2_f1"};
    int m, f;
    for (m = 0; m < 3; m++)
        for (f = 0; f < 3; f++) {
            mh_image img;
            uint32_t x, y, w = 90, h = 60, bad = 0, seed = 5 + m * 3 + f;
            gen("noise", w, h, "f32");
            mh_set_enum("kind", "worley");
            mh_set_enum("metric", metrics[m]);
            mh_set_enum("feature", features[f]);
            mh_set_int("seed", seed);
            mh_set_num("frequency", 6);
            mh_set_num("jitter", 0.8);
            mh_set_int("tileable", 1);
            img = run_ok(9, 1);
            for (y = 0; y < h; y++)
                for (x = 0; x < w; x++) {
                    double f1, f2, want;
                    ref_worley((x + 0.5) / w * 6, (y + 0.5) / h * 4, 6, 4, seed,
                               0.8, m, &f1, &f2);
                    want = f == 0 ? f1 : f == 1 ? f2 * 0.75 : f2 - f1;
                    want = want < 0 ? 0 : want > 1 ? 1 : want;
                    if (fabs(mh_at(&img, x, y, 0) - want) > 1e-5)
                        bad++;
                }
            /* A 3x3 search can miss a nearer point two cells away in rare
             * spots; allow 0.5%. */
            CHECK(bad <= w * h / 200, "worley %s %s: %u of %u pixels differ",
                  metrics[m], features[f], bad, w * h);
            mh_image_free(&img);
        }
}

/* Mean over the other axis of |I(a) - I(b)| for columns a, b (vertical
 * = 0) or rows a, b (vertical = 1). */
static double line_diff(const mh_image *img, int vertical, uint32_t a,
                        uint32_t b)
{
    uint32_t n = vertical ? img->info.width : img->info.height, i;
    double sum = 0;
    for (i = 0; i < n; i++)
        sum += vertical ? fabs(mh_at(img, i, a, 0) - mh_at(img, i, b, 0))
                        : fabs(mh_at(img, a, i, 0) - mh_at(img, b, i, 0));
    return sum / n;
}

/* fBm, turbulence and ridged of Perlin noise, optionally warped, from the
 * formulas in docs/nodes/procedural.md. */
static double ref_fractal(int fractal, int octaves, double freq, double lac,
                          double gain, double warp, int tile, uint32_t seed,
                          uint32_t w, uint32_t h, uint32_t x, uint32_t y)
{
    double s = (x + 0.5) / w, t = (y + 0.5) / h, sum = 0, amps = 0;
    double sx[16], sy[16], weight = 1;
    int64_t px[16], py[16];
    int o;
    for (o = 0; o < octaves; o++) {
        double f = freq * pow(lac, o);
        if (tile) {
            px[o] = (int64_t)fmax(1, floor(f + 0.5));
            py[o] = (int64_t)fmax(1, floor(f * h / w + 0.5));
            sx[o] = (double)px[o];
            sy[o] = (double)py[o];
        } else {
            px[o] = py[o] = 0;
            sx[o] = f;
            sy[o] = f * h / w;
        }
    }
    if (warp > 0) {
        double wx = 0, wy = 0, wa = 0;
        for (o = 0; o < octaves && o < 4; o++) {
            uint32_t so = seed + (uint32_t)o * 0x9e3779b9u;
            double a = pow(gain, o);
            wx += a * ref_perlin(s * sx[o], t * sy[o], px[o], py[o],
                                 so ^ 0x3c6ef372u);
            wy += a * ref_perlin(s * sx[o], t * sy[o], px[o], py[o],
                                 so ^ 0xa54ff53au);
            wa += a;
        }
        s += warp * wx / wa / sx[0];
        t += warp * wy / wa / sy[0];
    }
    for (o = 0; o < octaves; o++) {
        double a = pow(gain, o);
        double n = ref_perlin(s * sx[o], t * sy[o], px[o], py[o],
                              seed + (uint32_t)o * 0x9e3779b9u);
        amps += a;
        if (fractal == 1) {
            sum += a * n;
        } else if (fractal == 2) {
            sum += a * fabs(n);
        } else {
            double r = (1 - fabs(n)) * (1 - fabs(n)) * weight;
            weight = fmin(1, 2 * r);
            sum += a * r;
        }
    }
    if (fractal == 1)
        return 0.5 + 0.5 * sum / amps;
    if (fractal == 2)
        return fmin(1, 1.6 * sum / amps);
    return sum / amps;
}

static void case_fractal(void)
{
    static const char *const names[] = {"", "fbm", "turbulence", "ridged"};
    int fr, tile, warp;
    for (fr = 1; fr <= 3; fr++)
        for (tile = 0; tile < 2; tile++)
            for (warp = 0; warp < 2; warp++) {
                uint32_t w = 72, h = 40, x, y, bad = 0, seed = 17 + fr;
                int oct = 3 + fr;
                double lac = 1.9, gain = 0.55, freq = 2.6, wp = warp ? 1.3 : 0;
                mh_image img;
                gen("noise", w, h, "f32");
                mh_set_enum("fractal", names[fr]);
                mh_set_int("octaves", oct);
                mh_set_num("lacunarity", lac);
                mh_set_num("gain", gain);
                mh_set_num("frequency", freq);
                mh_set_num("warp", wp);
                mh_set_int("tileable", tile);
                mh_set_int("seed", seed);
                img = run_ok(6, 2);
                for (y = 0; y < h; y++)
                    for (x = 0; x < w; x++) {
                        double want = ref_fractal(fr, oct, freq, lac, gain, wp,
                                                  tile, seed, w, h, x, y);
                        want = want < 0 ? 0 : want > 1 ? 1 : want;
                        if (fabs(mh_at(&img, x, y, 0) - want) > 1e-5 &&
                            bad++ < 3)
                            fprintf(stderr, "%s (%u,%u): %g want %g\n",
                                    names[fr], x, y, mh_at(&img, x, y, 0),
                                    want);
                    }
                CHECK(bad == 0, "%s tileable %d warp %d: %u pixels wrong",
                      names[fr], tile, warp, bad);
                mh_image_free(&img);
            }
}

/* The seam test: across the left/right and top/bottom edges the image must
 * continue as it does inside. For each axis, the mean difference between
 * lines two apart that straddle the seam ((n-2, 0) and (n-1, 1)) must not
 * exceed 1.5 times the largest such mean between lines inside the image
 * (two apart, so an antialiased edge counts whole), and no single
 * neighbour difference across the seam may exceed 1.5 times the largest
 * inside. The seam is one more sample of the interior's statistics, so
 * without the margin it fails whenever it happens to be the largest; a
 * real seam is 3-8 times larger. Returns nonzero when seamless. */
static int seamless(const mh_image *img, int verbose)
{
    int vertical, ok = 1;
    for (vertical = 0; vertical < 2; vertical++) {
        uint32_t n = vertical ? img->info.height : img->info.width, i, k;
        uint32_t m = vertical ? img->info.width : img->info.height;
        double in2 = 0, seam2, in1 = 0, seam1 = 0;
        for (i = 0; i + 2 < n; i++)
            in2 = fmax(in2, line_diff(img, vertical, i, i + 2));
        seam2 = fmax(line_diff(img, vertical, n - 2, 0),
                     line_diff(img, vertical, n - 1, 1));
        for (k = 0; k < m; k++) {
            for (i = 0; i + 1 < n; i++) {
                double d =
                    vertical
                        ? fabs(mh_at(img, k, i, 0) - mh_at(img, k, i + 1, 0))
                        : fabs(mh_at(img, i, k, 0) - mh_at(img, i + 1, k, 0));
                in1 = fmax(in1, d);
            }
            seam1 = fmax(
                seam1,
                vertical ? fabs(mh_at(img, k, n - 1, 0) - mh_at(img, k, 0, 0))
                         : fabs(mh_at(img, n - 1, k, 0) - mh_at(img, 0, k, 0)));
        }
        if (verbose)
            fprintf(stderr,
                    "  %s: inside mean-2 %.4f max-1 %.4f; seam %.4f %.4f\n",
                    vertical ? "rows" : "columns", in2, in1, seam2, seam1);
        ok &= seam2 <= 1.5 * in2 + 1.0 / 255 && seam1 <= 1.5 * in1 + 1.0 / 255;
    }
    return ok;
}

typedef struct gencfg {
    const char *id;
    const char *p1, *v1; /* an enum parameter and value, or NULL */
    const char *p2;      /* a number parameter, or NULL */
    double n2;
} gencfg;

static const gencfg generators[] = {
    {"noise", "kind", "perlin", NULL, 0},
    {"noise", "kind", "simplex", NULL, 0},
    {"noise", "kind", "value", NULL, 0},
    {"noise", "kind", "worley", NULL, 0},
    {"noise", "fractal", "fbm", "octaves", 6},
    {"noise", "fractal", "turbulence", "octaves", 4},
    {"noise", "fractal", "ridged", "octaves", 5},
    {"noise", "fractal", "fbm", "warp", 1.5},
    {"noise", "kind", "white", NULL, 0},
    {"checker", NULL, NULL, NULL, 0},
    {"stripes", "direction", "diagonal", NULL, 0},
    {"stripes", "profile", "sine", NULL, 0},
    {"grid", NULL, NULL, NULL, 0},
    {"bricks", NULL, NULL, "variation", 0.4},
    {"dots", NULL, NULL, "softness", 0.5},
    {"hexagons", NULL, NULL, "variation", 0.3},
    {"voronoi", NULL, NULL, "line_width", 0.05},
    {"gradient", "kind", "radial", NULL, 0},
    {"gradient", "kind", "linear", NULL, 0},
    {"gradient", "kind", "conic", NULL, 0},
};

static void setup(const gencfg *g, uint32_t w, uint32_t h, const char *sample)
{
    gen(g->id, w, h, sample);
    if (g->p1)
        mh_set_enum(g->p1, g->v1);
    if (g->p2)
        mh_set_num(g->p2, g->n2);
    if (strcmp(g->id, "gradient") == 0) {
        double start[2] = {0.3, 0.4}, end[2] = {0.6, 0.55};
        mh_set_nums("start", start, 2);
        mh_set_nums("end", end, 2);
        mh_set_int("channels", 1);
    } else {
        mh_set_num("frequency", 5.3);
    }
}

static void case_tileable(void)
{
    unsigned i;
    for (i = 0; i < sizeof generators / sizeof generators[0]; i++) {
        const gencfg *g = &generators[i];
        mh_image img;
        setup(g, 160, 112, "u16");
        mh_set_int("tileable", 1);
        img = run_ok(16, 0);
        CHECK(seamless(&img, 0), "%s %s %s: not seamless", g->id,
              g->v1 ? g->v1 : "", g->p2 ? g->p2 : "");
        if (!seamless(&img, 0))
            seamless(&img, 1);
        mh_image_free(&img);
    }
    /* The test has teeth: the same smooth noises without tileable show a
     * seam. */
    for (i = 0; i < 8; i++) {
        const gencfg *g = &generators[i];
        mh_image img;
        setup(g, 160, 112, "u16");
        img = run_ok(16, 0);
        CHECK(!seamless(&img, 0), "%s %s: seamless without tileable?", g->id,
              g->v1);
        mh_image_free(&img);
    }
}

static void case_bands(void)
{
    unsigned i;
    for (i = 0; i < sizeof generators / sizeof generators[0]; i++) {
        const gencfg *g = &generators[i];
        mh_image a, b, c;
        setup(g, 77, 53, "f32");
        if (mh_has_param("seed"))
            mh_set_int("seed", 99);
        a = run_ok(1, 0);
        b = run_ok(7, 1);
        c = run_ok(16, 2);
        CHECK(memcmp(a.data, b.data, a.stride * 53) == 0 &&
                  memcmp(a.data, c.data, a.stride * 53) == 0,
              "%s %s: depends on the band order", g->id, g->v1 ? g->v1 : "");
        mh_image_free(&a);
        mh_image_free(&b);
        mh_image_free(&c);
    }
}

static void case_ranges(void)
{
    static const char *const samples[] = {"u8", "u16", "f32"};
    unsigned i, s;
    for (i = 0; i < sizeof generators / sizeof generators[0]; i++)
        for (s = 0; s < 3; s++) {
            const gencfg *g = &generators[i];
            mh_image img;
            uint32_t x, y, c;
            double lo = 1e9, hi = -1e9;
            int ok = 1;
            setup(g, 128, 96, samples[s]);
            mh_set_int("channels", 4);
            img = run_ok(32, 0);
            for (y = 0; y < 96; y++)
                for (x = 0; x < 128; x++)
                    for (c = 0; c < 4; c++) {
                        double v = mh_at(&img, x, y, c);
                        ok &= v >= 0 && v <= 1;
                        if (c == 3)
                            ok &= strcmp(g->id, "gradient") == 0 || v == 1;
                        else if (c == 0) {
                            lo = fmin(lo, v);
                            hi = fmax(hi, v);
                        } else {
                            ok &= strcmp(g->id, "gradient") == 0 ||
                                  v == mh_at(&img, x, y, 0);
                        }
                    }
            CHECK(ok, "%s %s %s: out of range or bad channels", g->id,
                  g->v1 ? g->v1 : "", samples[s]);
            /* Not degenerate: every generator spans most of 0..1. */
            CHECK(lo < 0.35 && hi > 0.65, "%s %s %s: spans only %g..%g", g->id,
                  g->v1 ? g->v1 : "", samples[s], lo, hi);
            mh_image_free(&img);
        }
}

/* ---- patterns against supersampled ideal shapes ------------------------ */

static double P_cx, P_cy, P_a, P_b, P_w, P_h;
static int P_kind, P_flag;

/* The ideal (point-sampled) patterns at normalized (s, t). */
static double ideal(double s, double t)
{
    double u = s * P_cx, v = t * P_cy;
    switch (P_kind) {
    case 0: /* checker: parity of the cell */
        return (double)(((int64_t)floor(u) + (int64_t)floor(v)) & 1);
    case 1: { /* square stripes, duty P_a, direction P_flag */
        double ph = P_flag == 0   ? u
                    : P_flag == 1 ? v
                    : P_flag == 2 ? u + v
                                  : u - v;
        return ph - floor(ph) < P_a ? 1 : 0;
    }
    case 2: /* grid lines of width P_a centred on cell edges */
        return fabs(u - floor(u + 0.5)) < P_a / 2 ||
                       fabs(v - floor(v + 0.5)) < P_a / 2
                   ? 1
                   : 0;
    case 3: { /* bricks: mortar P_a of a row, offset P_b, no variation */
        int64_t k = (int64_t)floor(v);
        double bu = u + ((k & 1) ? P_b : 0);
        if (fabs(v - floor(v + 0.5)) < P_a / 2)
            return 0;
        /* Mortar as thick across as along, in pixels. */
        return fabs(bu - floor(bu + 0.5)) * (P_w / P_cx) <
                       P_a / 2 * (P_h / P_cy)
                   ? 0
                   : 1;
    }
    case 4: { /* dots of radius P_a, staggered if P_flag */
        int64_t j = (int64_t)floor(v);
        double du = u + (P_flag && (j & 1) ? 0.5 : 0);
        double dx = du - floor(du) - 0.5, dy = v - j - 0.5;
        return dx * dx + dy * dy < P_a * P_a ? 1 : 0;
    }
    default: { /* hexagons: nearest centre of the triangular lattice */
        double rh = sqrt(3) / 2, best = 1e30, hx = 0, hy = 0;
        double hv = t * P_cy * rh;
        int64_t r0 = (int64_t)floor(hv / rh), r, i;
        for (r = r0 - 1; r <= r0 + 2; r++)
            for (i = (int64_t)floor(u) - 2; i <= (int64_t)floor(u) + 2; i++) {
                double cx = i + ((r & 1) ? 0.5 : 0), cy = r * rh;
                double d = (u - cx) * (u - cx) + (hv - cy) * (hv - cy);
                if (d < best) {
                    best = d;
                    hx = u - cx;
                    hy = hv - cy;
                }
            }
        /* Border: within P_a / 2 of an edge (edges at distance 0.5 along
         * the normals at 0, 60 and 120 degrees). */
        {
            double e0 = fabs(hx), e1 = fabs(0.5 * hx + rh * hy),
                   e2 = fabs(-0.5 * hx + rh * hy);
            double e = 0.5 - fmax(e0, fmax(e1, e2));
            return e < P_a / 2 ? 0 : 1;
        }
    }
    }
}

static void pattern_case(const char *id, int kind, uint32_t w, uint32_t h,
                         double cx, double cy, double a, double b, int flag,
                         double edge_tol)
{
    mh_image img = run_ok(13, 2);
    uint32_t x, y, bad_in = 0, bad_edge = 0, n_edge = 0;
    const int ss = 32;
    P_kind = kind;
    P_cx = cx;
    P_cy = cy;
    P_a = a;
    P_b = b;
    P_flag = flag;
    P_w = w;
    P_h = h;
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            double sum = 0, got = mh_at(&img, x, y, 0), want;
            int i, j;
            for (j = 0; j < ss; j++)
                for (i = 0; i < ss; i++)
                    sum += ideal((x + (i + 0.5) / ss) / w,
                                 (y + (j + 0.5) / ss) / h);
            want = sum / (ss * ss);
            if ((want == 0 || want == 1) && fabs(got - want) <= 1e-6)
                continue;
            if ((want == 0 || want == 1) && kind <= 2) {
                /* checker, stripes, grid are box-filtered exactly: a
                 * pixel wholly inside one region is exact. */
                bad_in++;
                continue;
            }
            /* Edge pixels, and for the ramped shapes pixels the one-pixel
             * ramp reaches: near the box-filtered coverage. */
            n_edge++;
            if (fabs(got - want) > edge_tol)
                bad_edge++;
        }
    CHECK(bad_in == 0, "%s: %u interior pixels wrong", id, bad_in);
    CHECK(bad_edge <= (n_edge + 49) / 50,
          "%s: %u of %u edge pixels off by > %g from the box-filtered shape",
          id, bad_edge, n_edge, edge_tol);
    mh_image_free(&img);
}

static void case_patterns(void)
{
    /* checker: 8 cells on 64 px are exact 0/1; 5.5 cells have AA edges. */
    gen("checker", 64, 64, "u16");
    mh_set_num("frequency", 8);
    {
        mh_image img = run_ok(3, 1);
        uint32_t x, y, bad = 0;
        for (y = 0; y < 64; y++)
            for (x = 0; x < 64; x++)
                bad +=
                    mh_at(&img, x, y, 0) != (double)(((x / 8) + (y / 8)) & 1);
        CHECK(bad == 0, "checker 8 on 64: %u pixels wrong", bad);
        mh_image_free(&img);
    }
    gen("checker", 70, 50, "f32");
    mh_set_num("frequency", 5.5);
    pattern_case("checker", 0, 70, 50, 5.5, 5.5 * 50 / 70, 0, 0, 0, 0.035);

    gen("stripes", 70, 50, "f32");
    mh_set_num("frequency", 6.3);
    mh_set_num("duty", 0.3);
    pattern_case("stripes", 1, 70, 50, 6.3, 6.3 * 50 / 70, 0.3, 0, 0, 0.035);
    mh_set_enum("direction", "horizontal");
    pattern_case("stripes h", 1, 70, 50, 6.3, 6.3 * 50 / 70, 0.3, 0, 1, 0.035);
    /* Diagonal box filtering is approximate (the footprint is taken as
     * the sum of both axes): looser. */
    mh_set_enum("direction", "diagonal");
    pattern_case("stripes d", 1, 70, 50, 6.3, 6.3 * 50 / 70, 0.3, 0, 2, 0.15);
    mh_set_enum("direction", "antidiagonal");
    pattern_case("stripes a", 1, 70, 50, 6.3, 6.3 * 50 / 70, 0.3, 0, 3, 0.15);

    gen("grid", 80, 60, "f32");
    mh_set_num("frequency", 5);
    mh_set_num("line_width", 0.12);
    pattern_case("grid", 2, 80, 60, 5, 5 * 60 / 80.0, 0.12, 0, 0, 0.035);

    gen("bricks", 96, 64, "f32");
    mh_set_num("frequency", 4);
    mh_set_num("mortar", 0.15);
    mh_set_num("offset", 0.5);
    pattern_case("bricks", 3, 96, 64, 4, 4 * 2 * 64 / 96.0, 0.15, 0.5, 0, 0.1);

    gen("dots", 90, 60, "f32");
    mh_set_num("frequency", 6);
    mh_set_num("radius", 0.4);
    mh_set_int("stagger", 1);
    pattern_case("dots", 4, 90, 60, 6, 6 * 60 / 90.0, 0.4, 0, 1, 0.25);

    gen("hexagons", 96, 80, "f32");
    mh_set_num("frequency", 5);
    mh_set_num("line_width", 0.1);
    pattern_case("hexagons", 5, 96, 80, 5, 5 * 80 / 96.0 / (sqrt(3) / 2), 0.1,
                 0, 0, 0.3);

    /* voronoi: flat random value per cell, the hash of its nearest point's
     * cell, so two pixels nearest the same point are equal. */
    gen("voronoi", 64, 64, "f32");
    mh_set_num("frequency", 4);
    mh_set_num("jitter", 0);
    {
        /* jitter 0: points at cell centres, so cells are the grid. */
        mh_image img = run_ok(8, 0);
        uint32_t x, y, bad = 0;
        for (y = 0; y < 64; y++)
            for (x = 0; x < 64; x++) {
                uint32_t h = ref_hash(x / 16, y / 16, 0), want_h;
                double want;
                /* The plugin remixes the cell's hash with the seed. */
                want_h = ref_hash((int32_t)h, 0x5bd1e995, 0);
                want = want_h / 4294967296.0;
                bad += fabs(mh_at(&img, x, y, 0) - want) > 1e-6;
            }
        CHECK(bad == 0, "voronoi jitter 0: %u pixels wrong", bad);
        mh_image_free(&img);
    }
}

/* ---- gradients, colorize, normals ------------------------------------ */

static void stops_ref(const double *st, int n, double t, double *out)
{
    int i, c;
    if (t <= st[0]) {
        for (c = 0; c < 4; c++)
            out[c] = st[1 + c];
        return;
    }
    for (i = 1; i < n; i++)
        if (t < st[5 * i])
            break;
    if (i == n) {
        for (c = 0; c < 4; c++)
            out[c] = st[5 * (n - 1) + 1 + c];
        return;
    }
    for (c = 0; c < 4; c++) {
        double a = st[5 * (i - 1) + 1 + c], b = st[5 * i + 1 + c];
        double f = (t - st[5 * (i - 1)]) / (st[5 * i] - st[5 * (i - 1)]);
        out[c] = a + (b - a) * f;
    }
}

static void case_gradient(void)
{
    static const double stops[] = {0, 1, 0, 0, 1, 0.5, 0,  1,
                                   0, 1, 1, 0, 0, 1,   0.5};
    static const char *const kinds[] = {"linear", "radial", "conic"};
    int k;
    for (k = 0; k < 3; k++) {
        double start[2] = {0.25, 0.5}, end[2] = {0.75, 0.25};
        uint32_t w = 64, h = 40, x, y, c, bad = 0;
        mh_image img;
        gen("gradient", w, h, "f32");
        mh_set_enum("kind", kinds[k]);
        mh_set_int("channels", 4);
        mh_set_nums("stops", stops, 15);
        mh_set_nums("start", start, 2);
        mh_set_nums("end", end, 2);
        img = run_ok(5, 2);
        for (y = 0; y < h; y++)
            for (x = 0; x < w; x++) {
                double px = x + 0.5, py = y + 0.5, t, col[4];
                double ax = 16, ay = 20, ex = 48 - 16, ey = 10 - 20;
                if (k == 0)
                    t = ((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey);
                else if (k == 1)
                    t = hypot(px - ax, py - ay) / hypot(ex, ey);
                else {
                    t = (atan2(py - ay, px - ax) - atan2(ey, ex)) / (2 * PI);
                    t -= floor(t);
                }
                stops_ref(stops, 3, t, col);
                for (c = 0; c < 4; c++) {
                    double v = col[c] < 0 ? 0 : col[c] > 1 ? 1 : col[c];
                    if (fabs(mh_at(&img, x, y, c) - v) > 1e-5 && bad++ < 3)
                        fprintf(stderr, "%s (%u,%u,%u): %g vs %g\n", kinds[k],
                                x, y, c, mh_at(&img, x, y, c), v);
                }
            }
        CHECK(bad == 0, "gradient %s: %u samples wrong", kinds[k], bad);
        mh_image_free(&img);
    }
    /* repeat and reflect: start at x = 0, end at x = 25 of 100 px, so
     * pixel 37 has t = 37.5 / 25 = 1.5 and pixel 56 t = 2.26. */
    {
        static const char *const reps[] = {"pad", "repeat", "reflect"};
        static const double want[3][2] = {{1, 1}, {0.5, 0.26}, {0.5, 0.26}};
        double start[2] = {0, 0.5}, end[2] = {0.25, 0.5};
        int r;
        for (r = 0; r < 3; r++) {
            mh_image img;
            gen("gradient", 100, 2, "f32");
            mh_set_enum("repeat", reps[r]);
            mh_set_int("channels", 1);
            mh_set_nums("start", start, 2);
            mh_set_nums("end", end, 2);
            img = run_ok(1, 0);
            CHECK(fabs(mh_at(&img, 37, 1, 0) - want[r][0]) < 1e-5 &&
                      fabs(mh_at(&img, 56, 1, 0) - want[r][1]) < 1e-5,
                  "gradient repeat %s: %g %g", reps[r], mh_at(&img, 37, 1, 0),
                  mh_at(&img, 56, 1, 0));
            mh_image_free(&img);
        }
    }
    /* Two known pixels, worked by hand: linear from x=0 to x=1 over 100 px
     * with the default black-to-white stops: pixel 0 is 0.005, pixel 99
     * 0.995 (u8: 1 and 254); pixel 50 is 0.505 (129). */
    gen("gradient", 100, 1, "u8");
    {
        mh_image img = run_ok(1, 0);
        CHECK(img.data[0] == 1 && img.data[3 * 99] == 254 &&
                  img.data[3 * 50] == 129,
              "linear default: %u %u %u", img.data[0], img.data[3 * 50],
              img.data[3 * 99]);
        mh_image_free(&img);
    }
}

static void case_colorize(void)
{
    static const double stops[] = {0.2, 0, 0, 0, 1, 0.6, 1, 0.5, 0.25, 0.5};
    static const uint32_t samples[] = {UH_SAMPLE_U8, UH_SAMPLE_U16,
                                       UH_SAMPLE_F32};
    int s;
    for (s = 0; s < 3; s++) {
        mh_image in = {0}, out;
        uint32_t x, c, bad = 0, n = 256;
        in.info.width = n;
        in.info.height = 3;
        in.info.channels = 1;
        in.info.sample = samples[s];
        in.stride = n * uh_sample_size(samples[s]);
        in.data = calloc(3, in.stride);
        for (x = 0; x < n; x++) {
            double v = x / 255.0;
            if (samples[s] == UH_SAMPLE_U8)
                in.data[x] = (uint8_t)x;
            else if (samples[s] == UH_SAMPLE_U16)
                ((uint16_t *)(void *)in.data)[x] = (uint16_t)(x * 257);
            else
                ((float *)(void *)in.data)[x] = (float)v;
        }
        memcpy(in.data + in.stride, in.data, in.stride);
        memcpy(in.data + 2 * in.stride, in.data, in.stride);
        mh_begin("colorize");
        mh_set_nums("stops", stops, 10);
        mh_set_int("channels", 4);
        mh_set_enum("sample", "f32");
        mh_set_input(&in);
        out = run_ok(2, 1);
        CHECK(out.info.width == n && out.info.height == 3 &&
                  out.info.sample == UH_SAMPLE_F32,
              "colorize geometry");
        for (x = 0; x < n; x++) {
            double col[4];
            stops_ref(stops, 2, x / 255.0, col);
            for (c = 0; c < 4; c++)
                if (fabs(mh_at(&out, x, 2, c) - col[c]) > 1e-5)
                    bad++;
        }
        CHECK(bad == 0, "colorize sample %u: %u samples wrong", samples[s],
              bad);
        mh_image_free(&out);
        /* "same" keeps the input's sample type. */
        mh_set_enum("sample", "same");
        out = run_ok(3, 0);
        CHECK(out.info.sample == samples[s], "colorize same: sample %u",
              out.info.sample);
        mh_image_free(&out);
        free(in.data);
    }
}

static void case_normal(void)
{
    uint32_t w = 40, h = 30, x, y;
    mh_image in = {0}, out;
    int wrap;
    in.info.width = w;
    in.info.height = h;
    in.info.channels = 1;
    in.info.sample = UH_SAMPLE_F32;
    in.stride = w * 4;
    in.data = calloc(h, in.stride);
    /* A ramp rising to the right: h = x / 40. */
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            ((float *)(void *)(in.data + y * in.stride))[x] = x / 40.0f;
    mh_begin("normal_from_height");
    mh_set_num("strength", 20);
    mh_set_enum("sample", "f32");
    mh_set_input(&in);
    out = run_ok(4, 2);
    {
        /* dh/dx = 1/40 per pixel, k = 20: n = (-0.5, 0, 1) / |.|. */
        double l = sqrt(1.25), bad = 0;
        for (y = 0; y < h; y++)
            for (x = 1; x + 1 < w; x++) {
                bad += fabs(mh_at(&out, x, y, 0) - (0.5 - 0.25 / l)) > 1e-5;
                bad += fabs(mh_at(&out, x, y, 1) - 0.5) > 1e-5;
                bad += fabs(mh_at(&out, x, y, 2) - (0.5 + 0.5 / l)) > 1e-5;
            }
        CHECK(bad == 0, "ramp normals: %g samples wrong", bad);
        /* Clamped edge: one-sided difference of half the slope. */
        l = sqrt(1 + 0.25 * 0.25);
        CHECK(fabs(mh_at(&out, 0, 5, 0) - (0.5 - 0.125 / l)) < 1e-5,
              "clamped edge normal %g", mh_at(&out, 0, 5, 0));
    }
    mh_image_free(&out);
    /* DirectX flips green; a ramp down the image tilts green. */
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            ((float *)(void *)(in.data + y * in.stride))[x] = y / 40.0f;
    for (wrap = 0; wrap < 2; wrap++) {
        const char *conv = wrap ? "directx" : "opengl";
        double l = sqrt(1.25), want = wrap ? 0.5 - 0.25 / l : 0.5 + 0.25 / l;
        mh_set_enum("convention", conv);
        out = run_ok(5, 1);
        CHECK(fabs(mh_at(&out, 7, 10, 1) - want) < 1e-5 &&
                  fabs(mh_at(&out, 7, 10, 0) - 0.5) < 1e-5,
              "%s green %g want %g", conv, mh_at(&out, 7, 10, 1), want);
        mh_image_free(&out);
    }
    /* Unit length on noise, both filters, wrapped; u16 output decoded. */
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            ((float *)(void *)(in.data + y * in.stride))[x] =
                (float)(ref_hash(x, y, 3) / 4294967296.0);
    for (wrap = 0; wrap < 2; wrap++) {
        double worst = 0;
        mh_set_enum("convention", "opengl");
        mh_set_enum("filter", wrap ? "sobel" : "central");
        mh_set_int("wrap", wrap);
        mh_set_enum("sample", "u16");
        mh_set_int("channels", 4);
        out = run_ok(3, 2);
        for (y = 0; y < h; y++)
            for (x = 0; x < w; x++) {
                double nx = mh_at(&out, x, y, 0) * 2 - 1;
                double ny = mh_at(&out, x, y, 1) * 2 - 1;
                double nz = mh_at(&out, x, y, 2) * 2 - 1;
                worst =
                    fmax(worst, fabs(sqrt(nx * nx + ny * ny + nz * nz) - 1));
                CHECK(fabs(mh_at(&out, x, y, 3) - mh_at(&in, x, y, 0)) <
                          1.0 / 65535,
                      "height in alpha at %u,%u", x, y);
            }
        CHECK(worst < 1e-3, "normals not unit: worst %g", worst);
        if (wrap) {
            /* Wrapped Sobel at the corner uses the opposite edges. */
            double hh[3][3], dx, dy, k = 20, l;
            int i, j;
            for (j = 0; j < 3; j++)
                for (i = 0; i < 3; i++)
                    hh[j][i] = mh_at(&in, (w + i - 1) % w, (h + j - 1) % h, 0);
            dx = ((hh[0][2] + 2 * hh[1][2] + hh[2][2]) -
                  (hh[0][0] + 2 * hh[1][0] + hh[2][0])) /
                 8;
            dy = ((hh[2][0] + 2 * hh[2][1] + hh[2][2]) -
                  (hh[0][0] + 2 * hh[0][1] + hh[0][2])) /
                 8;
            l = sqrt(k * k * dx * dx + k * k * dy * dy + 1);
            CHECK(fabs(mh_at(&out, 0, 0, 0) - (0.5 - 0.5 * k * dx / l)) <
                          2.0 / 65535 &&
                      fabs(mh_at(&out, 0, 0, 1) - (0.5 + 0.5 * k * dy / l)) <
                          2.0 / 65535,
                  "wrapped sobel corner");
        }
        mh_image_free(&out);
    }
    free(in.data);
}

static mh_image make_image(uint32_t w, uint32_t h, uint32_t ch, uint32_t sample,
                           uint32_t salt)
{
    mh_image img = {0};
    uint32_t x, y, c;
    img.info.width = w;
    img.info.height = h;
    img.info.channels = ch;
    img.info.sample = sample;
    img.stride = (size_t)w * ch * uh_sample_size(sample);
    img.data = calloc(h, img.stride);
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            for (c = 0; c < ch; c++) {
                uint32_t v = ref_hash(x * 4 + c, y, salt);
                size_t i = (size_t)x * ch + c;
                uint8_t *row = img.data + y * img.stride;
                if (sample == UH_SAMPLE_U8)
                    row[i] = (uint8_t)(v >> 24);
                else if (sample == UH_SAMPLE_U16)
                    ((uint16_t *)(void *)row)[i] = (uint16_t)(v >> 16);
                else
                    ((float *)(void *)row)[i] = (float)(v / 4294967296.0);
            }
    return img;
}

static void case_mix(void)
{
    static const char *const modes[] = {"mix",      "multiply", "add",
                                        "subtract", "screen",   "overlay",
                                        "max",      "min",      "difference"};
    mh_image a = make_image(33, 21, 3, UH_SAMPLE_U8, 1);
    mh_image b = make_image(33, 21, 1, UH_SAMPLE_U16, 2);
    mh_image m = make_image(33, 21, 1, UH_SAMPLE_F32, 3);
    mh_image small = make_image(32, 21, 1, UH_SAMPLE_U8, 4);
    int k, use_mask;
    for (k = 0; k < 9; k++)
        for (use_mask = 0; use_mask < 2; use_mask++) {
            mh_image out;
            uint32_t x, y, c, bad = 0;
            mh_begin("mix");
            mh_set_enum("mode", modes[k]);
            mh_set_num("factor", 0.7);
            mh_set_enum("sample", "f32");
            mh_set_input_port(0, &a);
            mh_set_input_port(1, &b);
            if (use_mask)
                mh_set_input_port(2, &m);
            out = run_ok(4, 2);
            CHECK(out.info.channels == 3 && out.info.width == 33,
                  "mix geometry");
            for (y = 0; y < 21; y++)
                for (x = 0; x < 33; x++)
                    for (c = 0; c < 3; c++) {
                        double pa = mh_at(&a, x, y, c), pb = mh_at(&b, x, y, 0);
                        double f = 0.7 * (use_mask ? mh_at(&m, x, y, 0) : 1);
                        double r;
                        switch (k) {
                        case 0:
                            r = pb;
                            break;
                        case 1:
                            r = pa * pb;
                            break;
                        case 2:
                            r = pa + pb;
                            break;
                        case 3:
                            r = pa - pb;
                            break;
                        case 4:
                            r = 1 - (1 - pa) * (1 - pb);
                            break;
                        case 5:
                            r = pa < 0.5 ? 2 * pa * pb
                                         : 1 - 2 * (1 - pa) * (1 - pb);
                            break;
                        case 6:
                            r = fmax(pa, pb);
                            break;
                        case 7:
                            r = fmin(pa, pb);
                            break;
                        default:
                            r = fabs(pa - pb);
                            break;
                        }
                        r = pa + (r - pa) * f;
                        r = r < 0 ? 0 : r > 1 ? 1 : r;
                        bad += fabs(mh_at(&out, x, y, c) - r) > 1e-5;
                    }
            CHECK(bad == 0, "mix %s mask %d: %u samples wrong", modes[k],
                  use_mask, bad);
            mh_image_free(&out);
        }
    mh_begin("mix");
    mh_set_input_port(0, &a);
    mh_set_input_port(1, &small);
    {
        mh_image out;
        uh_status st = mh_run(4, 0, &out);
        CHECK(st == UH_EINVAL && strcmp(mh_error(), "b is 32x21 but a is "
                                                    "33x21") == 0,
              "mix size mismatch: %d %s", (int)st, mh_error());
    }
    free(a.data);
    free(b.data);
    free(m.data);
    free(small.data);
}

static void expect_fail(uh_status want, const char *msg)
{
    mh_image img;
    uh_status st = mh_run(8, 0, &img);
    CHECK(st == want, "status %d, want %d (%s)", (int)st, (int)want,
          mh_error());
    CHECK(strcmp(mh_error(), msg) == 0, "message \"%s\", want \"%s\"",
          mh_error(), msg);
    CHECK(mh_live_blocks() == 0, "%ld blocks leaked after a failure",
          mh_live_blocks());
    if (st == UH_OK)
        mh_image_free(&img);
}

static void case_errors(void)
{
    static const double bad_order[] = {0.5, 0, 0, 0, 1, 0.25, 1, 1, 1, 1};
    static const double bad_count[] = {0, 0, 0, 0, 1, 1, 1};
    double same[2] = {0.5, 0.5};
    gen("gradient", 8, 8, "u8");
    mh_set_nums("stops", bad_order, 10);
    expect_fail(UH_EINVAL,
                "stops: stop 1 has t = 0.25 after 0.5; t must not decrease");
    gen("gradient", 8, 8, "u8");
    mh_set_nums("stops", bad_count, 7);
    expect_fail(UH_EINVAL, "stops: 7 numbers is not a whole number of "
                           "[t, r, g, b, a] stops");
    gen("gradient", 8, 8, "u8");
    mh_set_nums("start", same, 2);
    mh_set_nums("end", same, 2);
    expect_fail(UH_EINVAL, "start and end must be different points");
    gen("noise", 8, 8, "u8");
    mh_set_enum("fractal", "fbm");
    mh_set_num("frequency", 65536);
    mh_set_int("octaves", 16);
    mh_set_num("lacunarity", 3);
    expect_fail(UH_EINVAL, "frequency 65536 times lacunarity 3 to the power "
                           "15 exceeds 16777216 cells");
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {
        {"hash", case_hash},         {"value", case_value},
        {"perlin", case_perlin},     {"simplex", case_simplex},
        {"worley", case_worley},     {"tileable", case_tileable},
        {"bands", case_bands},       {"ranges", case_ranges},
        {"patterns", case_patterns}, {"gradient", case_gradient},
        {"colorize", case_colorize}, {"normal", case_normal},
        {"errors", case_errors},     {"mix", case_mix},
        {"fractal", case_fractal},
    };
    unsigned i;
    if (argc != 3) {
        fprintf(stderr, "usage: %s CASE procedural.so\n", argv[0]);
        return 2;
    }
    if (mh_load(argv[2]) != 0)
        return 1;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[1]) == 0) {
            cases[i].fn();
            if (failures)
                fprintf(stderr, "%d check(s) failed\n", failures);
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
