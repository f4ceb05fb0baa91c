/* The `noise` node: Perlin, simplex, value, Worley and white noise, alone
 * or as fBm, turbulence or ridged multifractal, with optional domain
 * warping. Every value is a pure function of (x, y, params): rows may be
 * computed in any order on any thread. */
#include <math.h>
#include <string.h>

#include "proc.h"

enum { K_PERLIN, K_SIMPLEX, K_VALUE, K_WORLEY, K_WHITE };
enum { FR_NONE, FR_FBM, FR_TURBULENCE, FR_RIDGED };
enum { FE_F1, FE_F2, FE_F2_F1 };

#define MAX_OCTAVES  16
#define WARP_OCTAVES 4
/* Highest lattice frequency (cells across the width) any octave may have:
 * lattice coordinates stay far inside int32 and keep 2^-20 cell precision
 * in a double. */
#define MAX_CELLS 16777216.0

/* Row height of the simplex lattice: triangles with unit edges. */
#define SIMPLEX_RH 0.86602540378443865
/* Scales that bring each basis to about [-1, 1] (measured maxima over
 * 10^7 samples, with a small margin; outliers are clamped). */
#define PERLIN_SCALE  1.42
#define SIMPLEX_SCALE 16.0
/* Turbulence is scaled up by this much (values above 1 are clamped). */
#define TURBULENCE_GAIN 1.6

/* 16 unit gradient directions, k * 22.5 degrees. */
static const double grad16[16][2] = {
    {1.0, 0.0},
    {0.92387953251128676, 0.38268343236508977},
    {0.70710678118654752, 0.70710678118654752},
    {0.38268343236508977, 0.92387953251128676},
    {0.0, 1.0},
    {-0.38268343236508977, 0.92387953251128676},
    {-0.70710678118654752, 0.70710678118654752},
    {-0.92387953251128676, 0.38268343236508977},
    {-1.0, 0.0},
    {-0.92387953251128676, -0.38268343236508977},
    {-0.70710678118654752, -0.70710678118654752},
    {-0.38268343236508977, -0.92387953251128676},
    {0.0, -1.0},
    {0.38268343236508977, -0.92387953251128676},
    {0.70710678118654752, -0.70710678118654752},
    {0.92387953251128676, -0.38268343236508977},
};

/* ------------------------------------------------------------------------ */
/* Basis functions: (u, v) in lattice units, periods px, py (0: none)      */

static inline double fade(double t)
{
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
}

static double perlin(double u, double v, int32_t px, int32_t py, uint32_t seed)
{
    int32_t i = proc_floor(u), j = proc_floor(v);
    double fx = u - i, fy = v - j;
    int32_t i0 = proc_wrap(i, px), i1 = proc_wrap(i + 1, px);
    int32_t j0 = proc_wrap(j, py), j1 = proc_wrap(j + 1, py);
    const double *g00 = grad16[proc_hash(i0, j0, seed) >> 28];
    const double *g10 = grad16[proc_hash(i1, j0, seed) >> 28];
    const double *g01 = grad16[proc_hash(i0, j1, seed) >> 28];
    const double *g11 = grad16[proc_hash(i1, j1, seed) >> 28];
    double n00 = g00[0] * fx + g00[1] * fy;
    double n10 = g10[0] * (fx - 1.0) + g10[1] * fy;
    double n01 = g01[0] * fx + g01[1] * (fy - 1.0);
    double n11 = g11[0] * (fx - 1.0) + g11[1] * (fy - 1.0);
    double sx = fade(fx), sy = fade(fy);
    double a = n00 + sx * (n10 - n00), b = n01 + sx * (n11 - n01);
    return (a + sy * (b - a)) * PERLIN_SCALE;
}

static double value(double u, double v, int32_t px, int32_t py, uint32_t seed)
{
    int32_t i = proc_floor(u), j = proc_floor(v);
    double fx = u - i, fy = v - j;
    int32_t i0 = proc_wrap(i, px), i1 = proc_wrap(i + 1, px);
    int32_t j0 = proc_wrap(j, py), j1 = proc_wrap(j + 1, py);
    double v00 = proc_unit(proc_hash(i0, j0, seed));
    double v10 = proc_unit(proc_hash(i1, j0, seed));
    double v01 = proc_unit(proc_hash(i0, j1, seed));
    double v11 = proc_unit(proc_hash(i1, j1, seed));
    double sx = fade(fx), sy = fade(fy);
    double a = v00 + sx * (v10 - v00), b = v01 + sx * (v11 - v01);
    return (a + sy * (b - a)) * 2.0 - 1.0;
}

/* One simplex corner: lattice point (ci, cj) of the triangular lattice
 * whose rows are horizontal (point (i, j) sits at (i + j / 2, j * RH)).
 * The lattice repeats every px points along x and every qy rows (qy even)
 * along y; a row wrap shifts i by qy / 2. */
static inline double simplex_corner(double u, double v, int32_t ci, int32_t cj,
                                    int32_t px, int32_t qy, uint32_t seed)
{
    double dx = u - (ci + 0.5 * cj), dy = v - cj * SIMPLEX_RH;
    double w = 0.75 - dx * dx - dy * dy;
    const double *g;
    if (w <= 0.0)
        return 0.0;
    if (qy > 0) {
        int32_t jw = proc_wrap(cj, qy);
        int32_t k = (cj - jw) / qy;
        ci = proc_wrap(ci + k * (qy / 2), px);
        cj = jw;
    }
    g = grad16[proc_hash(ci, cj, seed) >> 28];
    w *= w;
    return w * w * (g[0] * dx + g[1] * dy);
}

static double simplex(double u, double v, int32_t px, int32_t qy, uint32_t seed)
{
    double t = v * (1.0 / SIMPLEX_RH), s = u - 0.5 * t;
    int32_t i = proc_floor(s), j = proc_floor(t);
    double fs = s - i, ft = t - j, n;

    n = simplex_corner(u, v, i + 1, j, px, qy, seed) +
        simplex_corner(u, v, i, j + 1, px, qy, seed);
    if (fs + ft < 1.0)
        n += simplex_corner(u, v, i, j, px, qy, seed);
    else
        n += simplex_corner(u, v, i + 1, j + 1, px, qy, seed);
    return n * SIMPLEX_SCALE;
}

void proc_worley(double u, double v, int32_t px, int32_t py, uint32_t seed,
                 double jitter, int metric, double *f1, double *f2,
                 uint32_t *cell)
{
    int32_t i = proc_floor(u), j = proc_floor(v), di, dj;
    double fx = u - i, fy = v - j;
    double b1 = 1e30, b2 = 1e30;
    uint32_t best = 0;

    for (dj = -1; dj <= 1; dj++) {
        int32_t cj = proc_wrap(j + dj, py);
        for (di = -1; di <= 1; di++) {
            uint32_t h = proc_hash(proc_wrap(i + di, px), cj, seed);
            double ox = 0.5 + jitter * ((h & 0xffffu) * (1.0 / 65536.0) - 0.5);
            double oy = 0.5 + jitter * ((h >> 16) * (1.0 / 65536.0) - 0.5);
            double dx = di + ox - fx, dy = dj + oy - fy, d;
            if (metric == 0) {
                d = dx * dx + dy * dy;
            } else {
                dx = fabs(dx);
                dy = fabs(dy);
                d = metric == 1 ? dx + dy : dx > dy ? dx : dy;
            }
            if (d < b1) {
                b2 = b1;
                b1 = d;
                best = h;
            } else if (d < b2) {
                b2 = d;
            }
        }
    }
    if (metric == 0) {
        b1 = sqrt(b1);
        b2 = sqrt(b2);
    }
    *f1 = b1;
    *f2 = b2;
    *cell = best;
}

/* ------------------------------------------------------------------------ */
/* The node                                                                 */

typedef struct octave {
    double sx, sy;  /* lattice units per image width / height */
    int32_t px, py; /* periods (0: none) */
    uint32_t seed;
    double amp;
} octave;

typedef struct noise_node {
    proc_node head;
    int kind, fractal, feature, metric;
    uint32_t seed;
    double jitter, warp, inv_w, inv_h;
    uint32_t n_oct, n_warp;
    double norm, warp_norm; /* 1 / sum of amplitudes */
    octave oct[MAX_OCTAVES];
} noise_node;

/* A basis value in about [-1, 1]. */
static inline double basis(const noise_node *nn, const octave *o, double s,
                           double t)
{
    double u = s * o->sx, v = t * o->sy;
    switch (nn->kind) {
    case K_PERLIN:
        return perlin(u, v, o->px, o->py, o->seed);
    case K_SIMPLEX:
        return simplex(u, v, o->px, o->py, o->seed);
    case K_VALUE:
        return value(u, v, o->px, o->py, o->seed);
    default: {
        double f1, f2, r;
        uint32_t cell;
        proc_worley(u, v, o->px, o->py, o->seed, nn->jitter, nn->metric, &f1,
                    &f2, &cell);
        r = nn->feature == FE_F1   ? f1
            : nn->feature == FE_F2 ? f2 * 0.75
                                   : f2 - f1;
        return proc_clamp01(r) * 2.0 - 1.0;
    }
    }
}

/* The fractal sum at normalized coordinates (s, t), in [0, 1]. */
static inline double fractal(const noise_node *nn, double s, double t)
{
    double sum = 0.0, weight = 1.0;
    uint32_t o;

    switch (nn->fractal) {
    case FR_NONE:
        return 0.5 + 0.5 * basis(nn, &nn->oct[0], s, t);
    case FR_FBM:
        for (o = 0; o < nn->n_oct; o++)
            sum += nn->oct[o].amp * basis(nn, &nn->oct[o], s, t);
        return 0.5 + 0.5 * sum * nn->norm;
    case FR_TURBULENCE:
        for (o = 0; o < nn->n_oct; o++)
            sum += nn->oct[o].amp * fabs(basis(nn, &nn->oct[o], s, t));
        /* |n| averages about 0.3: stretch so the image spans 0..1. */
        return proc_clamp01(sum * nn->norm * TURBULENCE_GAIN);
    default:
        /* Ridged multifractal (Musgrave): each octave's ridge is weighted
         * by the one before, so ridges get detail and valleys stay
         * smooth. */
        for (o = 0; o < nn->n_oct; o++) {
            double r = 1.0 - fabs(basis(nn, &nn->oct[o], s, t));
            r = r * r * weight;
            weight = r * 2.0;
            weight = weight > 1.0 ? 1.0 : weight;
            sum += nn->oct[o].amp * r;
        }
        return sum * nn->norm;
    }
}

/* fBm Perlin for the warp field, on the first octaves' lattices. */
static inline double warp_field(const noise_node *nn, double s, double t,
                                uint32_t salt)
{
    double sum = 0.0;
    uint32_t o;
    for (o = 0; o < nn->n_warp; o++) {
        const octave *oc = &nn->oct[o];
        sum += oc->amp *
               perlin(s * oc->sx, t * oc->sy, oc->px, oc->py, oc->seed ^ salt);
    }
    return sum * nn->warp_norm;
}

typedef struct noise_scratch {
    float *f1, *f2;
    uint32_t *cell;
} noise_scratch;

/* ------------------------------------------------------------------------ */
/* Row evaluation: along a row v is fixed and the lattice cell changes only
 * every few pixels, so each basis caches its corner hashes per cell.     */

static void perlin_row(const octave *o, double du, double v, uint32_t w,
                       double *out)
{
    int32_t j = proc_floor(v), ci = INT32_MIN, i;
    int32_t j0 = proc_wrap(j, o->py), j1 = proc_wrap(j + 1, o->py);
    double fy = v - j, sy = fade(fy);
    const double *g00 = grad16[0], *g10 = g00, *g01 = g00, *g11 = g00;
    uint32_t x;

    for (x = 0; x < w; x++) {
        double u = (x + 0.5) * du, fx, sx, n00, n10, n01, n11, a, b;
        i = proc_floor(u);
        if (i != ci) {
            int32_t i0 = proc_wrap(i, o->px), i1 = proc_wrap(i + 1, o->px);
            g00 = grad16[proc_hash(i0, j0, o->seed) >> 28];
            g10 = grad16[proc_hash(i1, j0, o->seed) >> 28];
            g01 = grad16[proc_hash(i0, j1, o->seed) >> 28];
            g11 = grad16[proc_hash(i1, j1, o->seed) >> 28];
            ci = i;
        }
        fx = u - i;
        n00 = g00[0] * fx + g00[1] * fy;
        n10 = g10[0] * (fx - 1.0) + g10[1] * fy;
        n01 = g01[0] * fx + g01[1] * (fy - 1.0);
        n11 = g11[0] * (fx - 1.0) + g11[1] * (fy - 1.0);
        sx = fade(fx);
        a = n00 + sx * (n10 - n00);
        b = n01 + sx * (n11 - n01);
        out[x] = (a + sy * (b - a)) * PERLIN_SCALE;
    }
}

static void value_row(const octave *o, double du, double v, uint32_t w,
                      double *out)
{
    int32_t j = proc_floor(v), ci = INT32_MIN, i;
    int32_t j0 = proc_wrap(j, o->py), j1 = proc_wrap(j + 1, o->py);
    double sy = fade(v - j), a0 = 0, a1 = 0;
    uint32_t x;

    for (x = 0; x < w; x++) {
        double u = (x + 0.5) * du;
        i = proc_floor(u);
        if (i != ci) {
            /* Interpolate down the column once per cell. */
            int32_t i0 = proc_wrap(i, o->px), i1 = proc_wrap(i + 1, o->px);
            double v00 = proc_unit(proc_hash(i0, j0, o->seed));
            double v10 = proc_unit(proc_hash(i1, j0, o->seed));
            double v01 = proc_unit(proc_hash(i0, j1, o->seed));
            double v11 = proc_unit(proc_hash(i1, j1, o->seed));
            a0 = v00 + sy * (v01 - v00);
            a1 = v10 + sy * (v11 - v10);
            ci = i;
        }
        out[x] = (a0 + fade(u - i) * (a1 - a0)) * 2.0 - 1.0;
    }
}

/* Simplex corner with its gradient already looked up. */
static inline double simplex_term(double dx, double dy, const double *g)
{
    double w = 0.75 - dx * dx - dy * dy;
    if (w <= 0.0)
        return 0.0;
    w *= w;
    return w * w * (g[0] * dx + g[1] * dy);
}

static const double *simplex_grad(int32_t ci, int32_t cj, int32_t px,
                                  int32_t qy, uint32_t seed)
{
    if (qy > 0) {
        int32_t jw = proc_wrap(cj, qy);
        int32_t k = (cj - jw) / qy;
        ci = proc_wrap(ci + k * (qy / 2), px);
        cj = jw;
    }
    return grad16[proc_hash(ci, cj, seed) >> 28];
}

static void simplex_row(const octave *o, double du, double v, uint32_t w,
                        double *out)
{
    double t = v * (1.0 / SIMPLEX_RH);
    int32_t j = proc_floor(t), ci = INT32_MIN, i;
    double ft = t - j, y0 = v - j * SIMPLEX_RH, y1 = y0 - SIMPLEX_RH;
    const double *g00 = grad16[0], *g10 = g00, *g01 = g00, *g11 = g00;
    uint32_t x;

    for (x = 0; x < w; x++) {
        double u = (x + 0.5) * du, sk = u - 0.5 * t, fs, x0, n;
        i = proc_floor(sk);
        if (i != ci) {
            g00 = simplex_grad(i, j, o->px, o->py, o->seed);
            g10 = simplex_grad(i + 1, j, o->px, o->py, o->seed);
            g01 = simplex_grad(i, j + 1, o->px, o->py, o->seed);
            g11 = simplex_grad(i + 1, j + 1, o->px, o->py, o->seed);
            ci = i;
        }
        fs = sk - i;
        /* x offsets from corners (i, j) and (i, j + 1). */
        x0 = u - (i + 0.5 * j);
        n = simplex_term(x0 - 1.0, y0, g10) + simplex_term(x0 - 0.5, y1, g01);
        if (fs + ft < 1.0)
            n += simplex_term(x0, y0, g00);
        else
            n += simplex_term(x0 - 1.5, y1, g11);
        out[x] = n * SIMPLEX_SCALE;
    }
}

void proc_worley_row(double du, double v, uint32_t w, int32_t px, int32_t py,
                     uint32_t seed, double jitter, int metric, float *f1,
                     float *f2, uint32_t *cell)
{
    int32_t j = proc_floor(v), ci = INT32_MIN, i, di, dj;
    double fy = v - j, pu[9], pv[9];
    uint32_t ph[9], x;
    int k;

    for (x = 0; x < w; x++) {
        double u = (x + 0.5) * du, b1 = 1e30, b2 = 1e30;
        uint32_t best = 0;
        i = proc_floor(u);
        if (i != ci) {
            /* The nine feature points around cell (i, j), as offsets
             * from the cell's corner (pv relative to v). */
            for (k = 0, dj = -1; dj <= 1; dj++) {
                int32_t cj = proc_wrap(j + dj, py);
                for (di = -1; di <= 1; di++, k++) {
                    uint32_t h = proc_hash(proc_wrap(i + di, px), cj, seed);
                    pu[k] = i + di + 0.5 +
                            jitter * ((h & 0xffffu) * (1.0 / 65536.0) - 0.5);
                    pv[k] = dj + 0.5 +
                            jitter * ((h >> 16) * (1.0 / 65536.0) - 0.5) - fy;
                    ph[k] = h;
                }
            }
            ci = i;
        }
        for (k = 0; k < 9; k++) {
            double dx = pu[k] - u, dy = pv[k], d;
            if (metric == 0) {
                d = dx * dx + dy * dy;
            } else {
                dx = fabs(dx);
                dy = fabs(dy);
                d = metric == 1 ? dx + dy : dx > dy ? dx : dy;
            }
            if (d < b1) {
                b2 = b1;
                b1 = d;
                best = ph[k];
            } else if (d < b2) {
                b2 = d;
            }
        }
        if (metric == 0) {
            b1 = sqrt(b1);
            b2 = sqrt(b2);
        }
        f1[x] = (float)b1;
        f2[x] = (float)b2;
        cell[x] = best;
    }
}

static void worley_row(const noise_node *nn, const octave *o, double du,
                       double v, uint32_t w, double *out, noise_scratch *sc)
{
    uint32_t x;
    proc_worley_row(du, v, w, o->px, o->py, o->seed, nn->jitter, nn->metric,
                    sc->f1, sc->f2, sc->cell);
    for (x = 0; x < w; x++) {
        double r = nn->feature == FE_F1   ? sc->f1[x]
                   : nn->feature == FE_F2 ? sc->f2[x] * 0.75
                                          : (double)sc->f2[x] - sc->f1[x];
        out[x] = proc_clamp01(r) * 2.0 - 1.0;
    }
}

static void basis_row(const noise_node *nn, const octave *o, double t,
                      double *out, noise_scratch *sc)
{
    uint32_t w = nn->head.fmt.width;
    double du = nn->inv_w * o->sx, v = t * o->sy;
    switch (nn->kind) {
    case K_PERLIN:
        perlin_row(o, du, v, w, out);
        break;
    case K_SIMPLEX:
        simplex_row(o, du, v, w, out);
        break;
    case K_VALUE:
        value_row(o, du, v, w, out);
        break;
    default:
        worley_row(nn, o, du, v, w, out, sc);
        break;
    }
}

/* Per-thread scratch: three rows of doubles, the output row and the
 * Worley rows. */
typedef struct noise_seq {
    double *b, *acc, *weight;
    float *row;
    noise_scratch sc;
    size_t bytes;
} noise_seq;

static void noise_row(const noise_node *nn, noise_seq *q, uint32_t y)
{
    uint32_t w = nn->head.fmt.width, x, o;
    double t = (y + 0.5) * nn->inv_h;
    float *row = q->row;

    if (nn->kind == K_WHITE) {
        for (x = 0; x < w; x++)
            row[x] =
                (float)proc_unit(proc_hash((int32_t)x, (int32_t)y, nn->seed));
        return;
    }
    if (nn->warp > 0.0) {
        /* The offsets are periodic functions of (s, t) when tileable, so
         * the warped noise still tiles. Strength is in base cells. */
        double ks = nn->warp / nn->oct[0].sx, kt = nn->warp / nn->oct[0].sy;
        for (x = 0; x < w; x++) {
            double s = (x + 0.5) * nn->inv_w;
            double ds = warp_field(nn, s, t, 0x3c6ef372u) * ks;
            double dt = warp_field(nn, s, t, 0xa54ff53au) * kt;
            row[x] = (float)fractal(nn, s + ds, t + dt);
        }
        return;
    }
    /* Octave by octave along the row, combined as fractal() does. */
    for (o = 0; o < nn->n_oct; o++) {
        double amp = nn->oct[o].amp;
        basis_row(nn, &nn->oct[o], t, q->b, &q->sc);
        switch (nn->fractal) {
        case FR_NONE:
            for (x = 0; x < w; x++)
                q->acc[x] = q->b[x];
            break;
        case FR_FBM:
            for (x = 0; x < w; x++)
                q->acc[x] = (o ? q->acc[x] : 0.0) + amp * q->b[x];
            break;
        case FR_TURBULENCE:
            for (x = 0; x < w; x++)
                q->acc[x] = (o ? q->acc[x] : 0.0) + amp * fabs(q->b[x]);
            break;
        default:
            for (x = 0; x < w; x++) {
                double r = 1.0 - fabs(q->b[x]);
                r = r * r * (o ? q->weight[x] : 1.0);
                q->weight[x] = r * 2.0 > 1.0 ? 1.0 : r * 2.0;
                q->acc[x] = (o ? q->acc[x] : 0.0) + amp * r;
            }
            break;
        }
    }
    switch (nn->fractal) {
    case FR_NONE:
        for (x = 0; x < w; x++)
            row[x] = (float)(0.5 + 0.5 * q->acc[x]);
        break;
    case FR_FBM:
        for (x = 0; x < w; x++)
            row[x] = (float)(0.5 + 0.5 * q->acc[x] * nn->norm);
        break;
    case FR_TURBULENCE:
        for (x = 0; x < w; x++)
            row[x] =
                (float)proc_clamp01(q->acc[x] * nn->norm * TURBULENCE_GAIN);
        break;
    default:
        for (x = 0; x < w; x++)
            row[x] = (float)(q->acc[x] * nn->norm);
        break;
    }
}

static const char *const kind_values[] = {"perlin", "simplex", "value",
                                          "worley", "white",   NULL};
static const char *const fractal_values[] = {"none", "fbm", "turbulence",
                                             "ridged", NULL};
static const char *const feature_values[] = {"f1", "f2", "f2_f1", NULL};
static const char *const metric_values[] = {"euclidean", "manhattan",
                                            "chebyshev", NULL};

static const uh_param_desc p_kind = {
    .struct_size = sizeof(uh_param_desc),
    .name = "kind",
    .type = UH_PARAM_ENUM,
    .def_text = "perlin",
    .values = kind_values,
    .doc = "basis: perlin (gradient), simplex, value, worley (cellular), "
           "white (per pixel)",
};
static const uh_param_desc p_fractal = {
    .struct_size = sizeof(uh_param_desc),
    .name = "fractal",
    .type = UH_PARAM_ENUM,
    .def_text = "none",
    .values = fractal_values,
    .doc = "octave sum: none, fbm, turbulence (sum of |n|), ridged "
           "multifractal",
};
static const uh_param_desc p_octaves = {
    .struct_size = sizeof(uh_param_desc),
    .name = "octaves",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 5,
    .min = 1,
    .max = MAX_OCTAVES,
    .doc = "octaves summed when fractal is not none",
};
static const uh_param_desc p_lacunarity = {
    .struct_size = sizeof(uh_param_desc),
    .name = "lacunarity",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 2,
    .min = 1,
    .max = 16,
    .doc = "frequency ratio between octaves",
};
static const uh_param_desc p_gain = {
    .struct_size = sizeof(uh_param_desc),
    .name = "gain",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 0.5,
    .min = 0,
    .max = 2,
    .doc = "amplitude ratio between octaves",
};
static const uh_param_desc p_warp = {
    .struct_size = sizeof(uh_param_desc),
    .name = "warp",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 16,
    .doc = "domain warp strength in base cells (0: off)",
};
static const uh_param_desc p_feature = {
    .struct_size = sizeof(uh_param_desc),
    .name = "feature",
    .type = UH_PARAM_ENUM,
    .def_text = "f1",
    .values = feature_values,
    .doc = "worley: distance to the nearest point (f1), the second (f2, "
           "times 0.75), or their difference (f2_f1)",
};
static const uh_param_desc p_metric = {
    .struct_size = sizeof(uh_param_desc),
    .name = "metric",
    .type = UH_PARAM_ENUM,
    .def_text = "euclidean",
    .values = metric_values,
    .doc = "worley distance metric",
};
static const uh_param_desc p_jitter = {
    .struct_size = sizeof(uh_param_desc),
    .name = "jitter",
    .type = UH_PARAM_NUMBER,
    .flags = UH_PARAM_RANGE,
    .def = 1,
    .min = 0,
    .max = 1,
    .doc = "worley: how far feature points stray from the cell centres",
};

static const uh_param_desc *const noise_params[] = {
    &proc_p_width, &proc_p_height,   &proc_p_channels, &proc_p_sample,
    &proc_p_seed,  &proc_p_tileable, &p_kind,          &proc_p_frequency,
    &p_fractal,    &p_octaves,       &p_lacunarity,    &p_gain,
    &p_warp,       &p_feature,       &p_metric,        &p_jitter,
    NULL,
};

static int32_t round_at_least(double v, int32_t lo)
{
    double r = floor(v + 0.5);
    return r < lo ? lo : (int32_t)r;
}

static uh_status noise_prepare(uh_ctx *ctx)
{
    const uh_host *h = proc_host;
    noise_node *nn = proc_alloc_node(ctx, sizeof(*nn));
    double freq, lac, gain, amp = 1.0, aspect, sum = 0.0;
    int tileable;
    uint32_t o;

    if (!nn)
        return h->last_status(ctx);
    proc_read_format(ctx, &nn->head.fmt);
    nn->kind = (int)uh_param_int(h, ctx, "kind");
    nn->fractal = (int)uh_param_int(h, ctx, "fractal");
    nn->feature = (int)uh_param_int(h, ctx, "feature");
    nn->metric = (int)uh_param_int(h, ctx, "metric");
    nn->jitter = uh_param_num(h, ctx, "jitter");
    nn->warp = uh_param_num(h, ctx, "warp");
    nn->seed = (uint32_t)uh_param_int(h, ctx, "seed");
    tileable = uh_param_int(h, ctx, "tileable") != 0;
    freq = uh_param_num(h, ctx, "frequency");
    lac = uh_param_num(h, ctx, "lacunarity");
    gain = uh_param_num(h, ctx, "gain");
    nn->n_oct =
        nn->fractal == FR_NONE ? 1 : (uint32_t)uh_param_int(h, ctx, "octaves");
    nn->inv_w = 1.0 / nn->head.fmt.width;
    nn->inv_h = 1.0 / nn->head.fmt.height;
    aspect = (double)nn->head.fmt.height / nn->head.fmt.width;

    if (freq * pow(lac, nn->n_oct - 1.0) * (aspect > 1.0 ? aspect : 1.0) >
        MAX_CELLS) {
        uh_status st = h->fail(ctx, UH_EINVAL,
                               "frequency %g times lacunarity %g to the "
                               "power %u exceeds %.0f cells",
                               freq, lac, nn->n_oct - 1, MAX_CELLS);
        proc_cleanup(ctx);
        return st;
    }
    for (o = 0; o < nn->n_oct; o++) {
        octave *oc = &nn->oct[o];
        double f = freq * pow(lac, (double)o);
        oc->seed = nn->seed + o * 0x9e3779b9u;
        oc->amp = amp;
        sum += amp;
        amp *= gain;
        if (!tileable) {
            oc->sx = f;
            oc->sy = f * aspect;
        } else if (nn->kind == K_SIMPLEX) {
            /* x: whole cells; y: an even number of rows, so a row wrap
             * lands on lattice points. */
            oc->px = round_at_least(f, 1);
            oc->py = 2 * round_at_least(f * aspect / SIMPLEX_RH * 0.5, 1);
            oc->sx = oc->px;
            oc->sy = oc->py * SIMPLEX_RH;
        } else {
            oc->px = round_at_least(f, 1);
            oc->py = round_at_least(f * aspect, 1);
            oc->sx = oc->px;
            oc->sy = oc->py;
        }
        if (!tileable && nn->kind == K_SIMPLEX) {
            /* Lattice units are triangle edges in both directions. */
            oc->sy = f * aspect;
        }
    }
    nn->norm = sum > 0.0 ? 1.0 / sum : 0.0;
    nn->n_warp = nn->n_oct < WARP_OCTAVES ? nn->n_oct : WARP_OCTAVES;
    for (sum = 0.0, o = 0; o < nn->n_warp; o++)
        sum += nn->oct[o].amp;
    nn->warp_norm = sum > 0.0 ? 1.0 / sum : 0.0;
    return proc_declare_or_cleanup(ctx, &nn->head.fmt, UH_SPACE_DATA);
}

static uh_status noise_start(uh_ctx *ctx, void **seq)
{
    const noise_node *nn = proc_host->get_user(ctx);
    noise_seq *q = proc_host->alloc(ctx, sizeof(*q), 0, UH_LIFE_TEMP);
    size_t w = nn->head.fmt.width;

    if (!q)
        return proc_host->last_status(ctx);
    /* Three double rows and four of 4 bytes; w <= 262144. */
    q->bytes = w * (3 * sizeof(double) + 3 * sizeof(float) + sizeof(uint32_t));
    q->b = proc_host->alloc(ctx, q->bytes, 64, UH_LIFE_TEMP);
    if (!q->b) {
        proc_host->free(ctx, q, sizeof(*q));
        return proc_host->last_status(ctx);
    }
    q->acc = q->b + w;
    q->weight = q->acc + w;
    q->row = (float *)(void *)(q->weight + w);
    q->sc.f1 = q->row + w;
    q->sc.f2 = q->sc.f1 + w;
    q->sc.cell = (uint32_t *)(void *)(q->sc.f2 + w);
    *seq = q;
    return UH_OK;
}

static void noise_stop(uh_ctx *ctx, void *seq)
{
    noise_seq *q = seq;
    if (!q)
        return;
    proc_host->free(ctx, q->b, q->bytes);
    proc_host->free(ctx, q, sizeof(*q));
}

static uh_status noise_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const noise_node *nn = proc_host->get_user(ctx);
    noise_seq *q = seq;
    uint32_t r;

    if (proc_host->is_canceled(ctx))
        return UH_ECANCELED;
    for (r = 0; r < out->n; r++) {
        noise_row(nn, q, out->y + r);
        proc_put_grey(&nn->head.fmt, q->row, out->data + r * out->stride);
    }
    return UH_OK;
}

const uh_node_type proc_noise_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "noise",
    .summary = "Perlin, simplex, value, Worley or white noise; fBm, "
               "turbulence, ridged; domain warp; tileable",
    .threading = UH_THREADS_SHARED,
    .outputs = proc_outputs,
    .params = noise_params,
    .prepare = noise_prepare,
    .start = noise_start,
    .rows = noise_rows,
    .stop = noise_stop,
    .cleanup = proc_cleanup,
};
