/* Per-sample tone operations shared by levels and brightness_contrast. */
#ifndef OPS_POINT_H
#define OPS_POINT_H

#include "ops.h"

enum { POINT_LEVELS = 0, POINT_BRIGHTNESS_CONTRAST = 1, POINT_CURVES = 2 };

#define POINT_MAX_KNOTS 32 /* curves: most (x, y) points */

typedef struct point_node {
    int kind;
    uh_image_info info;
    double p[5]; /* the parameters of `kind` */
    /* curves: knots (x increasing) and their tangents; smooth = 0 is
     * piecewise linear. */
    double kx[POINT_MAX_KNOTS], ky[POINT_MAX_KNOTS], km[POINT_MAX_KNOTS];
    uint32_t knots;
    int smooth;
    uint32_t lut_n; /* 256 or 65536 entries, 0 to compute per sample */
    uint16_t *lut;  /* code -> code */
    size_t bytes;   /* of this block */
} point_node;

/* Declares the output (same as input 0) and keeps the node state; for
 * curves, p holds `np` numbers x0, y0, x1, y1, ... (np / 2 knots, x
 * strictly increasing, checked by the caller) and p[np] the smooth flag. */
uh_status point_prepare(uh_ctx *ctx, int kind, const double *p, uint32_t np);
void point_cleanup(uh_ctx *ctx);
uh_status point_start(uh_ctx *ctx, void **seq);
void point_stop(uh_ctx *ctx, void *seq);
uh_status point_rows(uh_ctx *ctx, void *seq, uh_rows *out);

#endif
