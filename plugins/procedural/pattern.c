/* Pattern nodes: checker, stripes, grid, bricks, dots, hexagons and
 * Voronoi cells. Each is a grey mask in [0, 1] with box-filtered
 * (antialiased) edges, a pure function of (x, y, params). With tileable
 * set, repetition counts are rounded to what wraps: whole cells, and an
 * even number of rows where rows alternate. */
#include <math.h>

#include "proc.h"

enum {
    PT_CHECKER,
    PT_STRIPES,
    PT_GRID,
    PT_BRICKS,
    PT_DOTS,
    PT_HEXAGONS,
    PT_VORONOI
};
enum { DIR_VERTICAL, DIR_HORIZONTAL, DIR_DIAGONAL, DIR_ANTIDIAGONAL };
enum { PR_SQUARE, PR_SINE, PR_TRIANGLE, PR_SAW };

#define HEX_RH 0.86602540378443865 /* row spacing of unit-width hexagons */
#define TWO_PI 6.28318530717958648
/* Cells per side: keeps cell coordinates far inside int32. */
#define PATTERN_MAX_CELLS 16777216.0

typedef struct pattern_node {
    proc_node head;
    int kind, dir, profile, metric, stagger;
    uint32_t seed;
    int32_t px, py; /* wrap periods of cells (tileable), else 0 */
    double cx, cy;  /* cells (or rows) across the width and height */
    double inv_w, inv_h;
    double dpx, dpy; /* cell units per pixel along x and y */
    double inv_dpx, inv_dpy, inv_dp_stripe, inv_edge; /* reciprocals */
    double duty; /* stripes duty, grid/hexagon/voronoi line width */
    double mortar_x, mortar_y, offset, variation, radius, soft, jitter;
} pattern_node;

/* floor() without a libm call; pattern coordinates stay far inside int32
 * (at most 2^24 cells). */
static inline double ffloor(double v)
{
    return (double)proc_floor(v);
}

/* ------------------------------------------------------------------------ */
/* Box-filtered pulses                                                      */

/* Integral from 0 to p of the pulse train that is 1 on [k, k + duty). */
static inline double pulse_integral(double p, double duty)
{
    double k = ffloor(p), f = p - k;
    return k * duty + (f < duty ? f : duty);
}

/* The mean of that pulse train over [p - dp/2, p + dp/2]: the coverage of
 * a pixel dp cells wide. */
static inline double pulse_avg(double p, double dp, double inv_dp, double duty)
{
    if (dp < 1e-9)
        return p - ffloor(p) < duty ? 1.0 : 0.0;
    return (pulse_integral(p + 0.5 * dp, duty) -
            pulse_integral(p - 0.5 * dp, duty)) *
           inv_dp;
}

/* A linear edge: 0 below `edge - width/2`, 1 above `edge + width/2`;
 * takes 1 / width. */
static inline double ramp(double v, double edge, double inv_width)
{
    return proc_clamp01((v - edge) * inv_width + 0.5);
}

/* ------------------------------------------------------------------------ */
/* The patterns at normalized (s, t)                                        */

static double checker(const pattern_node *p, double s, double t)
{
    /* One period of the pulse is two cells. */
    double a = pulse_avg(0.5 * s * p->cx, 0.5 * p->dpx, 2.0 * p->inv_dpx, 0.5);
    double b = pulse_avg(0.5 * t * p->cy, 0.5 * p->dpy, 2.0 * p->inv_dpy, 0.5);
    return a + b - 2.0 * a * b;
}

static double stripes(const pattern_node *p, double s, double t)
{
    double ph, dp;
    switch (p->dir) {
    case DIR_VERTICAL:
        ph = s * p->cx;
        dp = p->dpx;
        break;
    case DIR_HORIZONTAL:
        ph = t * p->cy;
        dp = p->dpy;
        break;
    case DIR_DIAGONAL:
        ph = s * p->cx + t * p->cy;
        dp = p->dpx + p->dpy;
        break;
    default:
        ph = s * p->cx - t * p->cy;
        dp = p->dpx + p->dpy;
        break;
    }
    switch (p->profile) {
    case PR_SQUARE:
        return pulse_avg(ph, dp, p->inv_dp_stripe, p->duty);
    case PR_SINE:
        return 0.5 - 0.5 * cos(TWO_PI * ph);
    case PR_TRIANGLE:
        return 1.0 - fabs(2.0 * (ph - ffloor(ph)) - 1.0);
    default:
        return ph - ffloor(ph);
    }
}

static double grid(const pattern_node *p, double s, double t)
{
    double w = p->duty;
    double a = pulse_avg(s * p->cx + 0.5 * w, p->dpx, p->inv_dpx, w);
    double b = pulse_avg(t * p->cy + 0.5 * w, p->dpy, p->inv_dpy, w);
    return a + b - a * b;
}

/* A random value in [0, 1) for cell (i, j), wrapped. */
static inline double cell_rand(const pattern_node *p, int32_t i, int32_t j)
{
    return proc_unit(
        proc_hash(proc_wrap(i, p->px), proc_wrap(j, p->py), p->seed));
}

static double bricks(const pattern_node *p, double s, double t)
{
    double r = t * p->cy, u, my, mx;
    int32_t k = proc_floor(r), b;

    u = s * p->cx + ((k & 1) ? p->offset : 0.0);
    b = proc_floor(u);
    my = pulse_avg(r + 0.5 * p->mortar_y, p->dpy, p->inv_dpy, p->mortar_y);
    mx = pulse_avg(u + 0.5 * p->mortar_x, p->dpx, p->inv_dpx, p->mortar_x);
    return (1.0 - mx) * (1.0 - my) * (1.0 - p->variation * cell_rand(p, b, k));
}

static double dots(const pattern_node *p, double s, double t)
{
    double v = t * p->cy, u;
    int32_t j = proc_floor(v), i;
    double dx, dy, d;

    u = s * p->cx + ((p->stagger && (j & 1)) ? 0.5 : 0.0);
    i = proc_floor(u);
    dx = u - i - 0.5;
    dy = v - j - 0.5;
    d = sqrt(dx * dx + dy * dy);
    return 1.0 - ramp(d, p->radius, p->inv_edge);
}

static double hexagons(const pattern_node *p, double s, double t)
{
    double u = s * p->cx, v = t * p->cy * HEX_RH;
    int32_t jr = proc_floor(v * (1.0 / HEX_RH)), r, best_i = 0, best_j = 0;
    double best = 1e30, bdx = 0.0, bdy = 0.0, e;

    for (r = jr; r <= jr + 1; r++) {
        double shift = (r & 1) ? 0.5 : 0.0;
        int32_t ci = proc_floor(u - shift + 0.5);
        double dx = u - (ci + shift), dy = v - r * HEX_RH;
        double d = dx * dx + dy * dy;
        if (d < best) {
            best = d;
            best_i = ci;
            best_j = r;
            bdx = dx;
            bdy = dy;
        }
    }
    bdx = fabs(bdx);
    bdy = fabs(bdy);
    /* Distance to the border of a pointy-top hexagon 1 wide. */
    e = 0.5 - fmax(bdx, 0.5 * bdx + HEX_RH * bdy);
    return ramp(e, 0.5 * p->duty, p->inv_dpx) *
           (1.0 - p->variation * cell_rand(p, best_i, best_j));
}

/* A row of Voronoi cells into sq->row; the scratch row is 4 floats a
 * pixel: output, F1, F2, cell hash. */
static void voronoi_row(const pattern_node *p, double t, proc_seq *sq)
{
    uint32_t w = p->head.fmt.width, x;
    float *f1 = sq->row + w, *f2 = f1 + w;
    uint32_t *cell = (uint32_t *)(void *)(f2 + w);

    proc_worley_row(p->cx * p->inv_w, t * p->cy, w, p->px, p->py, p->seed,
                    p->jitter, p->metric, f1, f2, cell);
    for (x = 0; x < w; x++) {
        double v = proc_unit(proc_hash((int32_t)cell[x], 0x5bd1e995, p->seed));
        if (p->duty > 0.0)
            v *= ramp((double)f2[x] - f1[x], p->duty, 0.5 * p->inv_dpx);
        sq->row[x] = (float)v;
    }
}

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */

static const char *const dir_values[] = {"vertical", "horizontal", "diagonal",
                                         "antidiagonal", NULL};
static const char *const profile_values[] = {"square", "sine", "triangle",
                                             "saw", NULL};
static const char *const metric_values[] = {"euclidean", "manhattan",
                                            "chebyshev", NULL};

#define NUM_PARAM(var, pname, pdef, pmin, pmax, pdoc)                          \
    static const uh_param_desc var = {                                         \
        .struct_size = sizeof(uh_param_desc),                                  \
        .name = pname,                                                         \
        .type = UH_PARAM_NUMBER,                                               \
        .flags = UH_PARAM_RANGE,                                               \
        .def = pdef,                                                           \
        .min = pmin,                                                           \
        .max = pmax,                                                           \
        .doc = pdoc,                                                           \
    }

static const uh_param_desc p_direction = {
    .struct_size = sizeof(uh_param_desc),
    .name = "direction",
    .type = UH_PARAM_ENUM,
    .def_text = "vertical",
    .values = dir_values,
    .doc =
        "stripe direction; diagonal stripes run like /, antidiagonal like \\",
};
static const uh_param_desc p_profile = {
    .struct_size = sizeof(uh_param_desc),
    .name = "profile",
    .type = UH_PARAM_ENUM,
    .def_text = "square",
    .values = profile_values,
    .doc = "stripe shape across one period",
};
static const uh_param_desc p_metric = {
    .struct_size = sizeof(uh_param_desc),
    .name = "metric",
    .type = UH_PARAM_ENUM,
    .def_text = "euclidean",
    .values = metric_values,
    .doc = "distance metric that shapes the cells",
};
static const uh_param_desc p_stagger = {
    .struct_size = sizeof(uh_param_desc),
    .name = "stagger",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "shift every other row of dots by half a cell",
};
NUM_PARAM(p_duty, "duty", 0.5, 0, 1,
          "square stripes: fraction of a period "
          "that is 1");
NUM_PARAM(p_grid_line, "line_width", 0.1, 0, 1,
          "line width as a fraction of a cell");
NUM_PARAM(p_hex_line, "line_width", 0.08, 0, 1,
          "border width as a fraction of a hexagon's width");
NUM_PARAM(p_vor_line, "line_width", 0, 0, 1,
          "border width in cells (0: no borders)");
NUM_PARAM(p_aspect, "aspect", 2, 0.1, 10, "brick width / height");
NUM_PARAM(p_mortar, "mortar", 0.1, 0, 1,
          "mortar width as a fraction of a brick's height");
NUM_PARAM(p_offset, "offset", 0.5, 0, 1, "shift of every other row, in bricks");
NUM_PARAM(p_variation, "variation", 0, 0, 1,
          "random darkening of each cell (0: all 1)");
NUM_PARAM(p_radius, "radius", 0.35, 0, 0.5, "dot radius in cells");
NUM_PARAM(p_soft, "softness", 0, 0, 1,
          "width of the dot's edge as a fraction of its radius");
NUM_PARAM(p_jitter, "jitter", 1, 0, 1,
          "how far cell points stray from the cell centres");

static const uh_param_desc *const checker_params[] = {
    &proc_p_width,  &proc_p_height,   &proc_p_channels,
    &proc_p_sample, &proc_p_tileable, &proc_p_frequency,
    NULL,
};
static const uh_param_desc *const stripes_params[] = {
    &proc_p_width,  &proc_p_height,   &proc_p_channels,
    &proc_p_sample, &proc_p_tileable, &proc_p_frequency,
    &p_direction,   &p_profile,       &p_duty,
    NULL,
};
static const uh_param_desc *const grid_params[] = {
    &proc_p_width,    &proc_p_height,    &proc_p_channels, &proc_p_sample,
    &proc_p_tileable, &proc_p_frequency, &p_grid_line,     NULL,
};
static const uh_param_desc *const bricks_params[] = {
    &proc_p_width, &proc_p_height,   &proc_p_channels,  &proc_p_sample,
    &proc_p_seed,  &proc_p_tileable, &proc_p_frequency, &p_aspect,
    &p_mortar,     &p_offset,        &p_variation,      NULL,
};
static const uh_param_desc *const dots_params[] = {
    &proc_p_width,  &proc_p_height,   &proc_p_channels,
    &proc_p_sample, &proc_p_tileable, &proc_p_frequency,
    &p_radius,      &p_soft,          &p_stagger,
    NULL,
};
static const uh_param_desc *const hexagons_params[] = {
    &proc_p_width,     &proc_p_height,
    &proc_p_channels,  &proc_p_sample,
    &proc_p_seed,      &proc_p_tileable,
    &proc_p_frequency, &p_hex_line,
    &p_variation,      NULL,
};
static const uh_param_desc *const voronoi_params[] = {
    &proc_p_width,     &proc_p_height, &proc_p_channels,
    &proc_p_sample,    &proc_p_seed,   &proc_p_tileable,
    &proc_p_frequency, &p_jitter,      &p_metric,
    &p_vor_line,       NULL,
};

/* ------------------------------------------------------------------------ */
/* The node                                                                 */

static int32_t round_min(double v, int32_t lo)
{
    double r = floor(v + 0.5); /* v may be far beyond int32 here */
    return r < lo ? lo : r > 16777216.0 ? 16777216 : (int32_t)r;
}

static int32_t round_even(double v)
{
    return 2 * round_min(0.5 * v, 1);
}

static uh_status pattern_prepare(uh_ctx *ctx, int kind)
{
    const uh_host *h = proc_host;
    pattern_node *p = proc_alloc_node(ctx, sizeof(*p));
    double freq, aspect, rows;
    int tileable;

    if (!p)
        return h->last_status(ctx);
    proc_read_format(ctx, &p->head.fmt);
    p->kind = kind;
    p->seed = (uint32_t)uh_param_int(h, ctx, "seed");
    tileable = uh_param_int(h, ctx, "tileable") != 0;
    freq = uh_param_num(h, ctx, "frequency");
    aspect = (double)p->head.fmt.height / p->head.fmt.width;
    p->inv_w = 1.0 / p->head.fmt.width;
    p->inv_h = 1.0 / p->head.fmt.height;

    /* Rows across the height for square cells; bricks and hexagons have
     * their own row heights. Tileable: whole cells, even where rows
     * alternate (checker, bricks, staggered dots, hexagons). */
    rows = freq * aspect;
    if (kind == PT_BRICKS)
        rows *= uh_param_num(h, ctx, "aspect");
    else if (kind == PT_HEXAGONS)
        rows /= HEX_RH;
    if (tileable) {
        int even = kind == PT_CHECKER || kind == PT_BRICKS ||
                   kind == PT_HEXAGONS ||
                   (kind == PT_DOTS && uh_param_int(h, ctx, "stagger"));
        p->cx = kind == PT_CHECKER ? round_even(freq) : round_min(freq, 1);
        p->cy = even ? round_even(rows) : round_min(rows, 1);
        p->px = (int32_t)p->cx;
        p->py = (int32_t)p->cy;
    } else {
        p->cx = freq;
        p->cy = rows;
    }
    if (p->cx > PATTERN_MAX_CELLS || p->cy > PATTERN_MAX_CELLS) {
        uh_status st = h->fail(ctx, UH_EINVAL,
                               "%.0f x %.0f cells exceed the limit of %.0f "
                               "per side",
                               p->cx, p->cy, PATTERN_MAX_CELLS);
        proc_cleanup(ctx);
        return st;
    }
    p->dpx = p->cx * p->inv_w;
    p->dpy = p->cy * p->inv_h;
    p->inv_dpx = 1.0 / p->dpx;
    p->inv_dpy = 1.0 / p->dpy;

    switch (kind) {
    case PT_STRIPES:
        p->dir = (int)uh_param_int(h, ctx, "direction");
        p->profile = (int)uh_param_int(h, ctx, "profile");
        p->duty = uh_param_num(h, ctx, "duty");
        p->inv_dp_stripe = p->dir == DIR_VERTICAL     ? p->inv_dpx
                           : p->dir == DIR_HORIZONTAL ? p->inv_dpy
                                                      : 1.0 / (p->dpx + p->dpy);
        break;
    case PT_GRID:
    case PT_HEXAGONS:
    case PT_VORONOI:
        p->duty = uh_param_num(h, ctx, "line_width");
        break;
    case PT_BRICKS:
        /* Mortar is as thick across as along: in brick widths it is the
         * row height over the brick width times the given fraction. */
        p->mortar_y = uh_param_num(h, ctx, "mortar");
        p->mortar_x = p->mortar_y * (p->head.fmt.height / p->cy) /
                      (p->head.fmt.width / p->cx);
        p->mortar_x = p->mortar_x > 1.0 ? 1.0 : p->mortar_x;
        p->offset = uh_param_num(h, ctx, "offset");
        break;
    case PT_DOTS:
        p->radius = uh_param_num(h, ctx, "radius");
        p->soft = uh_param_num(h, ctx, "softness");
        p->stagger = uh_param_int(h, ctx, "stagger") != 0;
        /* The edge ramp: softness of the radius, at least a pixel. */
        p->inv_edge =
            1.0 / (p->soft * p->radius > p->dpx ? p->soft * p->radius : p->dpx);
        break;
    default:
        break;
    }
    if (kind == PT_BRICKS || kind == PT_HEXAGONS)
        p->variation = uh_param_num(h, ctx, "variation");
    if (kind == PT_VORONOI) {
        p->jitter = uh_param_num(h, ctx, "jitter");
        p->metric = (int)uh_param_int(h, ctx, "metric");
    }
    return proc_declare_or_cleanup(ctx, &p->head.fmt, UH_SPACE_DATA);
}

static uh_status pattern_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    const pattern_node *p = proc_host->get_user(ctx);
    proc_seq *sq = seq;
    uint32_t w = p->head.fmt.width, r, x;

    if (proc_host->is_canceled(ctx))
        return UH_ECANCELED;
    for (r = 0; r < out->n; r++) {
        double t = (out->y + r + 0.5) * p->inv_h;
        float *row = sq->row;
        if (p->kind == PT_VORONOI) {
            voronoi_row(p, t, sq);
            proc_put_grey(&p->head.fmt, row, out->data + r * out->stride);
            continue;
        }
        for (x = 0; x < w; x++) {
            double s = (x + 0.5) * p->inv_w, v;
            switch (p->kind) {
            case PT_CHECKER:
                v = checker(p, s, t);
                break;
            case PT_STRIPES:
                v = stripes(p, s, t);
                break;
            case PT_GRID:
                v = grid(p, s, t);
                break;
            case PT_BRICKS:
                v = bricks(p, s, t);
                break;
            case PT_DOTS:
                v = dots(p, s, t);
                break;
            default:
                v = hexagons(p, s, t);
                break;
            }
            row[x] = (float)v;
        }
        proc_put_grey(&p->head.fmt, row, out->data + r * out->stride);
    }
    return UH_OK;
}

#define PATTERN_TYPE(var, fn, pid, kindv, plist, psummary)                     \
    static uh_status fn(uh_ctx *ctx)                                           \
    {                                                                          \
        return pattern_prepare(ctx, kindv);                                    \
    }                                                                          \
    const uh_node_type var = {                                                 \
        .struct_size = sizeof(uh_node_type),                                   \
        .id = pid,                                                             \
        .summary = psummary,                                                   \
        .threading = UH_THREADS_SHARED,                                        \
        .outputs = proc_outputs,                                               \
        .params = plist,                                                       \
        .prepare = fn,                                                         \
        .start = proc_start_row4,                                              \
        .rows = pattern_rows,                                                  \
        .stop = proc_stop_row,                                                 \
        .cleanup = proc_cleanup,                                               \
    }

PATTERN_TYPE(proc_checker_type, checker_prepare, "checker", PT_CHECKER,
             checker_params, "checkerboard of antialiased squares");
PATTERN_TYPE(proc_stripes_type, stripes_prepare, "stripes", PT_STRIPES,
             stripes_params, "square, sine, triangle or saw stripes");
PATTERN_TYPE(proc_grid_type, grid_prepare, "grid", PT_GRID, grid_params,
             "grid lines on a dark background");
PATTERN_TYPE(proc_bricks_type, bricks_prepare, "bricks", PT_BRICKS,
             bricks_params, "running-bond bricks with mortar");
PATTERN_TYPE(proc_dots_type, dots_prepare, "dots", PT_DOTS, dots_params,
             "a grid of round dots, optionally staggered");
PATTERN_TYPE(proc_hexagons_type, hexagons_prepare, "hexagons", PT_HEXAGONS,
             hexagons_params, "hexagonal tiles with borders");
PATTERN_TYPE(proc_voronoi_type, voronoi_prepare, "voronoi", PT_VORONOI,
             voronoi_params, "Voronoi cells, each a flat random grey");
