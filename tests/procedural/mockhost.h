/* A minimal stand-in for the uberhost host, enough to drive the
 * procedural plugin's strip nodes directly: parameters with the
 * descriptors' defaults, one input image in memory, bands of rows in any
 * order from several per-thread states, and counted allocations. Unit
 * tests use it to check the plugin's maths without the real host. */
#ifndef MOCKHOST_H
#define MOCKHOST_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

typedef struct mh_image {
    uh_image_info info;
    size_t stride;
    uint8_t *data; /* malloc'd */
} mh_image;

/* Loads the plugin (path of procedural.so) and calls init(). 0 on success. */
int mh_load(const char *path);

/* Starts a node of type `id` with every parameter at its default. */
void mh_begin(const char *id);
/* Nonzero when the current node type declares parameter `name`. */
int mh_has_param(const char *name);
void mh_set_int(const char *name, int64_t v);
void mh_set_num(const char *name, double v);
void mh_set_enum(const char *name, const char *value);
void mh_set_nums(const char *name, const double *v, uint32_t n);
/* Input image 0 on port 0 (not copied; must outlive mh_run). */
void mh_set_input(const mh_image *img);
/* Input image on port 0..2 (not copied). */
void mh_set_input_port(uint32_t port, const mh_image *img);

/* Runs the node: prepare, then the rows in bands of `band` rows, in the
 * order given by `order` (0 top-down, 1 bottom-up, 2 interleaved across
 * two per-thread states), then stop and cleanup. Returns the status; on
 * success *out holds the image. mh_error() has the failure message. */
uh_status mh_run(uint32_t band, int order, mh_image *out);

const char *mh_error(void);

/* Allocation blocks still live (must be 0 after every run). */
long mh_live_blocks(void);

void mh_image_free(mh_image *img);

/* Sample (x, y, c) as a double in 0..1 (f32 as is). */
double mh_at(const mh_image *img, uint32_t x, uint32_t y, uint32_t c);

#endif
