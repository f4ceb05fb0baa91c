/* Shared internals of the mipmap plugin: the host table, the parameters
 * mipmap and ripmap have in common, parallel reduce/encode passes over a
 * level, a buffered output file and level-list checks for the writers. */
#ifndef MIP_INT_H
#define MIP_INT_H

#include <uberhost/uh_sdk.h>

#include "idatw.h" /* plugins/png: the PNG image data written with ISA-L */

#include "filters.h"

/* Set by init(); valid until fini(). */
extern const uh_host *mip_host;

/* Node types (one per file). */
extern const uh_node_type mip_type_mipmap;
extern const uh_node_type mip_type_ripmap;
extern const uh_node_type mip_type_save_png;
extern const uh_node_type mip_type_atlas;
extern const uh_node_type mip_type_ktx2;
extern const uh_node_type mip_type_dds;
extern const uh_node_type mip_type_stream_png;
extern const uh_node_type mip_type_stream_ktx2;
extern const uh_node_type mip_type_stream_dds;

/* The most levels a chain has (a 2^32 side gives 33). */
#define MIP_MAX_LEVELS 33

/* Parameters shared by mipmap and ripmap. */
extern const uh_param_desc mip_param_filter;
extern const uh_param_desc mip_param_transfer;
extern const uh_param_desc mip_param_wrap;
extern const uh_param_desc mip_param_sample;

/* The ports shared by every node: "image" in, "levels" out/in. */
extern const uh_port_desc mip_port_image_in;
extern const uh_port_desc mip_port_levels_out;
extern const uh_port_desc mip_port_levels_in;

/* MIPF_TF_* for the `transfer` parameter value (0 auto) and a space tag. */
int mip_transfer(int64_t param, uint32_t space);

/* UH_SPACE_* that a MIPF_TF_* transfer writes. */
uint32_t mip_space_of(int transfer);

/* UH_SAMPLE_* for the `sample` parameter value (0 same). */
uint32_t mip_sample(int64_t param, uint32_t in_sample);

/* Quantisation steps of a sample type (255, 65535, 0 for float). */
uint32_t mip_quant(uint32_t sample);

/* A float plane owned by the node. */
typedef struct mip_plane {
    float *data;
    size_t bytes;
    uint32_t width, height, channels;
} mip_plane;

/* Allocates a w x h x ch float plane; fails with UH_ELIMIT/UH_ENOMEM. */
uh_status mip_plane_alloc(uh_ctx *ctx, mip_plane *p, uint32_t w, uint32_t h,
                          uint32_t ch);
void mip_plane_free(uh_ctx *ctx, mip_plane *p);

/* A mipf_src reading a plane in the working representation. */
mipf_src mip_plane_src(const mip_plane *p);

/* Builds a tap table in node memory; free with mip_taps_free(). */
uh_status mip_taps_new(uh_ctx *ctx, mipf_taps *t, int filter, int wrap,
                       uint32_t n_src, uint32_t n_dst);
void mip_taps_free(uh_ctx *ctx, mipf_taps *t);

/* Runs a pass over all its output rows on the host's pool. */
uh_status mip_run(uh_ctx *ctx, const mipf_pass *p);

/* Reduces src into dst (dst->width == tx->n_dst, dst->height ==
 * ty->n_dst) on the host's pool. */
uh_status mip_reduce(uh_ctx *ctx, const mipf_src *src, const mipf_taps *tx,
                     const mipf_taps *ty, int op, int normal, mip_plane *dst);

/* Encodes every row of src into out on the host's pool. */
uh_status mip_encode(uh_ctx *ctx, const mipf_src *src, const mipf_enc *enc,
                     uh_image *out);

/* Copies or converts the input image into level 0 of the output. */
uh_status mip_level0(uh_ctx *ctx, const uh_image *in, uh_image *out,
                     int transfer);

/* Output image `index` of port 0, declared as `decl`, made level 0 from
 * the input (port 0, image 0): the input itself, passed on without a copy
 * (SDK extension uh.image-pass/1) when it has the declared shape and the
 * host offers that, else output_image() and mip_level0(). */
uh_status mip_base_level(uh_ctx *ctx, const uh_image *in,
                         const uh_image_info *decl, uint32_t index,
                         int transfer);

/* A buffered output file. */
typedef struct mip_out {
    uh_ctx *ctx;
    uh_file *f;
    uint8_t *buf;
    size_t len, cap;
    uint64_t total;
    uh_status status;
    int mem; /* from mip_out_mem(): no file */
} mip_out;

/* A mip_out filling `buf` (cap bytes) only, for a header written later;
 * status becomes UH_EINTERNAL if it fills up. Not closed. */
void mip_out_mem(mip_out *o, void *buf, size_t cap);

uh_status mip_out_open(uh_ctx *ctx, mip_out *o, const char *path);
void mip_out_put(mip_out *o, const void *data, size_t n);
void mip_out_zero(mip_out *o, size_t n);
void mip_out_u32(mip_out *o, uint32_t v);
void mip_out_u64(mip_out *o, uint64_t v);
void mip_out_printf(mip_out *o, const char *fmt, ...) UH_PRINTF(2, 3);
/* Flushes and closes; returns the first failure. Always releases. */
uh_status mip_out_close(mip_out *o);

/* Fails unless `prefix` is a plain file-name prefix (no '/', '\\', '"'
 * or control characters), so names and manifests stay well-formed. */
uh_status mip_check_prefix(uh_ctx *ctx, const char *prefix);

/* A PNG file written row by row (pngdir.c). Rows are u8 or native u16. */
typedef struct mip_pngw {
    uh_ctx *ctx;
    mip_out out;
    void *png, *info; /* libpng's write and info structs */
    int open;
    int fast; /* compression 1-3: the image data from idatw.c */
    png_idatw idw;
    char path[1024];
    char msg[256];
} mip_pngw;

/* Opens `path` and writes the header of an image shaped like `info`
 * (sample u8 or u16). `level` is the deflate level: 1-3 are ISA-L's (the
 * rows then go through plugins/png/idatw.c), 0 and 4-9 zlib's through
 * libpng. On failure nothing is left open. */
uh_status mip_png_open(uh_ctx *ctx, mip_pngw *w, const char *path,
                       const uh_image_info *info, int level);
uh_status mip_png_row(uh_ctx *ctx, mip_pngw *w, const void *row);
/* Ends and closes the file; on failure it is released too. */
uh_status mip_png_close(uh_ctx *ctx, mip_pngw *w);
/* Releases a file that will not be finished. */
void mip_png_abort(uh_ctx *ctx, mip_pngw *w);

/* Checks that input port 0 holds a mip chain: level p has level_x =
 * level_y = p and size max(1, w0 >> p) x max(1, h0 >> p), all levels one
 * format. Fails naming the first level that is not. */
uh_status mip_check_chain(uh_ctx *ctx, const char *what, uint32_t *count);

/* Expands `width` pixels of `row`, shaped like `in`, to 4 channels (grey
 * copied to RGB, opaque alpha added) into out (width * 4 samples). */
void mip_expand_rgba(const uh_image_info *in, uint32_t width, const void *row,
                     void *out);

/* The layout of an uncompressed KTX2 or DDS file holding the n-level chain
 * of images shaped like `l0` (level k is max(1, w >> k) x max(1, h >> k)):
 * where each level's bytes go, computed before any byte is written, so a
 * whole writer and a streaming one write the same file. */
enum { MIP_FILE_KTX2 = 1, MIP_FILE_DDS = 2 };
typedef struct mip_texfile {
    int kind; /* MIP_FILE_* */
    uint32_t n;
    uh_image_info l0;
    uint32_t channels; /* stored per texel */
    uint32_t texel;    /* bytes per stored texel */
    uint64_t off[MIP_MAX_LEVELS], len[MIP_MAX_LEVELS];
    uint64_t data_start;       /* header bytes, padding included */
    uint64_t size;             /* of the whole file */
    uint32_t dxgi;             /* DDS: DXGI format, 0 for the legacy header */
    uint32_t dfd_len, kvd_len; /* KTX2: data format descriptor, key/values */
    char writer[64];           /* KTX2: the KTXwriter value */
} mip_texfile;

/* ktx2.c: levels smallest first, each aligned to lcm(texel, 4). */
void mip_ktx2_layout(mip_texfile *t, const uh_image_info *l0, uint32_t n,
                     const char *host_version);
void mip_ktx2_header(const mip_texfile *t, mip_out *o);
/* dds.c: levels largest first, packed. */
void mip_dds_layout(mip_texfile *t, const uh_image_info *l0, uint32_t n);
void mip_dds_header(const mip_texfile *t, mip_out *o);

/* The whole writers: the chain on input port 0 (checked with
 * mip_check_chain) to the file of parameter "path". */
uh_status mip_texfile_save(uh_ctx *ctx, const mip_texfile *t);

/* Writes bytes [0, t->data_start) of the file. */
void mip_texfile_header(const mip_texfile *t, mip_out *o);

/* `width` pixels of a level row as stored in the file: `row` itself or
 * `buf` (width * t->texel bytes) holding it expanded to RGBA. */
const void *mip_texfile_row(const mip_texfile *t, uint32_t width,
                            const void *row, void *buf);

#endif
