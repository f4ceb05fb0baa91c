/* mip.save_png: a list of levels becomes <dir>/<prefix>_<i>.png (mip
 * chain) or <dir>/<prefix>_<i>_<j>.png (ripmap) plus <dir>/manifest.json.
 * libpng allocates through the host and writes through the host's files;
 * its longjmp stays inside write_png(). */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "mipmap_int.h"

#define PATH_MAX_LEN 4096
#define ALLOC_PREFIX 16

static const uh_param_desc p_dir = {
    .struct_size = sizeof(uh_param_desc),
    .name = "dir",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED,
    .doc = "output directory (created if missing)",
};
static const uh_param_desc p_prefix = {
    .struct_size = sizeof(uh_param_desc),
    .name = "prefix",
    .type = UH_PARAM_STRING,
    .def_text = "level",
    .doc = "file name prefix: <prefix>_<i>.png or <prefix>_<i>_<j>.png",
};
static const uh_param_desc p_compression = {
    .struct_size = sizeof(uh_param_desc),
    .name = "compression",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 6,
    .min = 0,
    .max = 9,
    .doc = "zlib level of the PNG files",
};
static const uh_param_desc *const params[] = {&p_dir, &p_prefix, &p_compression,
                                              NULL};
static const uh_port_desc *const inputs[] = {&mip_port_levels_in, NULL};

/* ------------------------------------------------------------------------ */
/* libpng glue: a PNG written row by row through a mip_out                  */

static png_voidp pw_malloc(png_structp png, png_alloc_size_t size)
{
    mip_pngw *w = png_get_mem_ptr(png);
    size_t n = (size_t)size + ALLOC_PREFIX;
    if (n < size)
        return NULL;
    uint8_t *p = mip_host->alloc(w->ctx, n, 16, UH_LIFE_TEMP);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof(n));
    return p + ALLOC_PREFIX;
}

static void pw_free(png_structp png, png_voidp ptr)
{
    if (!ptr)
        return;
    mip_pngw *w = png_get_mem_ptr(png);
    uint8_t *p = (uint8_t *)ptr - ALLOC_PREFIX;
    size_t n;
    memcpy(&n, p, sizeof(n));
    mip_host->free(w->ctx, p, n);
}

static void pw_error(png_structp png, png_const_charp msg)
{
    mip_pngw *w = png_get_error_ptr(png);
    snprintf(w->msg, sizeof(w->msg), "%s", msg);
    png_longjmp(png, 1);
}

static void pw_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void pw_write(png_structp png, png_bytep data, size_t n)
{
    mip_pngw *w = png_get_io_ptr(png);
    mip_out_put(&w->out, data, n);
    if (w->out.status != UH_OK)
        png_error(png, "write failed");
}

static void pw_flush(png_structp png)
{
    (void)png;
}

/* idatw.c's output function: the same file, after libpng's header. */
static uh_status pw_put(void *arg, const uint8_t *data, size_t n)
{
    mip_pngw *w = arg;
    mip_out_put(&w->out, data, n);
    return w->out.status;
}

/* The status for a libpng failure: the host's if a host call failed. */
static uh_status pw_failed(mip_pngw *w)
{
    uh_status st = mip_host->last_status(w->ctx);
    if (st == UH_OK)
        st = mip_host->fail(w->ctx, UH_EWRITE, "%s: %s", w->path, w->msg);
    return st;
}

static void pw_bind(uh_ctx *ctx, mip_pngw *w)
{
    w->ctx = ctx;
    w->out.ctx = ctx;
}

static int try_header(mip_pngw *w, const uh_image_info *in, int level)
{
    png_structp png = w->png;
    png_infop info = w->info;
    if (setjmp(png_jmpbuf(png)))
        return -1;
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY,
                                 PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                 PNG_COLOR_TYPE_RGB_ALPHA};
    int depth = in->sample == UH_SAMPLE_U8 ? 8 : 16;
    png_set_write_fn(png, w, pw_write, pw_flush);
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, in->width, in->height, depth, types[in->channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (in->space == UH_SPACE_SRGB)
        png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    else if (in->space == UH_SPACE_LINEAR)
        png_set_gAMA_fixed(png, info, PNG_GAMMA_LINEAR);
    png_write_info(png, info);
    const uint16_t one = 1;
    if (depth == 16 && *(const uint8_t *)&one == 1)
        png_set_swap(png);
    return 0;
}

static int try_row(mip_pngw *w, const void *row)
{
    if (setjmp(png_jmpbuf((png_structp)w->png)))
        return -1;
    png_write_row(w->png, row);
    return 0;
}

static int try_end(mip_pngw *w)
{
    if (setjmp(png_jmpbuf((png_structp)w->png)))
        return -1;
    png_write_end(w->png, w->info);
    return 0;
}

uh_status mip_png_open(uh_ctx *ctx, mip_pngw *w, const char *path,
                       const uh_image_info *info, int level)
{
    memset(w, 0, sizeof(*w));
    w->ctx = ctx;
    snprintf(w->path, sizeof(w->path), "%s", path);
    uh_status st = mip_out_open(ctx, &w->out, path);
    if (st != UH_OK)
        return st;
    w->open = 1;
    png_structp png = png_create_write_struct_2(
        PNG_LIBPNG_VER_STRING, w, pw_error, pw_warning, w, pw_malloc, pw_free);
    png_infop pi = png ? png_create_info_struct(png) : NULL;
    w->png = png;
    w->info = pi;
    if (!png || !pi) {
        st = mip_host->last_status(ctx);
        if (st == UH_OK)
            st =
                mip_host->fail(ctx, UH_ENOMEM, "%s: libpng setup failed", path);
        mip_png_abort(ctx, w);
        return st;
    }
    if (try_header(w, info, level) != 0) {
        st = pw_failed(w);
        mip_png_abort(ctx, w);
        return st;
    }
    if (level >= 1 && level <= 3) {
        /* Many levels may be open at once (mip.stream_png): ISA-L's small
         * level buffer and 64 KiB IDATs. */
        const uint16_t one = 1;
        unsigned bytes = info->sample == UH_SAMPLE_U8 ? 1u : 2u;
        st = png_idatw_begin(&w->idw, mip_host, ctx, pw_put, w,
                             (size_t)info->width * info->channels * bytes,
                             info->channels * bytes,
                             bytes == 2 && *(const uint8_t *)&one == 1, level,
                             0x1f, 64u << 10, 1);
        if (st != UH_OK) {
            mip_png_abort(ctx, w);
            return st;
        }
        w->fast = 1;
    }
    return UH_OK;
}

uh_status mip_png_row(uh_ctx *ctx, mip_pngw *w, const void *row)
{
    pw_bind(ctx, w);
    if (w->fast)
        return png_idatw_row(&w->idw, ctx, row);
    if (try_row(w, row) != 0)
        return pw_failed(w);
    return UH_OK;
}

uh_status mip_png_close(uh_ctx *ctx, mip_pngw *w)
{
    pw_bind(ctx, w);
    if (w->fast) {
        uh_status st = png_idatw_end(&w->idw, ctx);
        if (st != UH_OK) {
            mip_png_abort(ctx, w);
            return st;
        }
        png_idatw_free(&w->idw, ctx);
        w->fast = 0;
    } else if (try_end(w) != 0) {
        uh_status st = pw_failed(w);
        mip_png_abort(ctx, w);
        return st;
    }
    png_structp png = w->png;
    png_infop pi = w->info;
    png_destroy_write_struct(&png, &pi);
    w->png = w->info = NULL;
    w->open = 0;
    return mip_out_close(&w->out);
}

void mip_png_abort(uh_ctx *ctx, mip_pngw *w)
{
    pw_bind(ctx, w);
    png_idatw_free(&w->idw, ctx);
    w->fast = 0;
    if (w->png) {
        png_structp png = w->png;
        png_infop pi = w->info;
        png_destroy_write_struct(&png, pi ? &pi : NULL);
    }
    w->png = w->info = NULL;
    if (w->open)
        mip_out_close(&w->out);
    w->open = 0;
}

/* Writes a whole level; f32 levels become 16-bit (row: width * channels
 * u16 of scratch). */
static uh_status write_level(uh_ctx *ctx, const char *path, const uh_image *img,
                             int level, uint16_t *row)
{
    uh_image_info info = img->info;
    if (info.sample == UH_SAMPLE_F32)
        info.sample = UH_SAMPLE_U16;
    mip_pngw w;
    uh_status st = mip_png_open(ctx, &w, path, &info, level);
    if (st != UH_OK)
        return st;
    for (uint32_t y = 0; y < info.height && st == UH_OK; y++) {
        const uint8_t *src = img->data + (size_t)y * img->stride;
        if (img->info.sample == UH_SAMPLE_F32) {
            const float *f = (const float *)(const void *)src;
            size_t n = (size_t)info.width * info.channels;
            for (size_t i = 0; i < n; i++) {
                float v = f[i];
                v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
                row[i] = (uint16_t)(v * 65535.0 + 0.5);
            }
            src = (const uint8_t *)row;
        }
        st = mip_png_row(ctx, &w, src);
    }
    if (st != UH_OK) {
        mip_png_abort(ctx, &w);
        return st;
    }
    return mip_png_close(ctx, &w);
}

/* ------------------------------------------------------------------------ */
/* The node                                                                 */

static uh_status sp_prepare(uh_ctx *ctx)
{
    mipf_init(); /* the tables, on first use (not at plugin load) */
    uh_status st = mip_check_prefix(ctx, uh_param_str(mip_host, ctx, "prefix"));
    if (st != UH_OK)
        return st;
    uint32_t n = mip_host->input_count(ctx, 0);
    if (n == 0)
        return mip_host->fail(ctx, UH_EINVAL, "input 'levels' is empty");
    for (uint32_t k = 0; k < n; k++) {
        const uh_image_info *l = mip_host->input_info(ctx, 0, k);
        if (!l || l->channels < 1 || l->channels > 4)
            return mip_host->fail(ctx, UH_EUNSUPPORTED,
                                  "level %u has an unsupported format", k);
    }
    return UH_OK;
}

static uh_status sp_process(uh_ctx *ctx)
{
    const uh_host *h = mip_host;
    const char *dir = uh_param_str(h, ctx, "dir");
    const char *prefix = uh_param_str(h, ctx, "prefix");
    int level = (int)uh_param_int(h, ctx, "compression");
    uint32_t n = h->input_count(ctx, 0);
    int rip = 0;
    for (uint32_t k = 0; k < n; k++) {
        const uh_image_info *l = h->input_info(ctx, 0, k);
        if (l->level_x != l->level_y)
            rip = 1;
    }
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    char path[PATH_MAX_LEN];
    mip_out man;
    if (snprintf(path, sizeof(path), "%s%smanifest.json", dir, sep) >=
        (int)sizeof(path))
        return h->fail(ctx, UH_EINVAL, "output directory name is too long");
    uh_status st = mip_out_open(ctx, &man, path);
    if (st != UH_OK)
        return st;
    const uh_image_info *l0 = h->input_info(ctx, 0, 0);
    mip_out_printf(&man,
                   "{\n  \"kind\": \"%s\",\n  \"width\": %u,\n  \"height\": "
                   "%u,\n  \"channels\": %u,\n  \"levels\": [",
                   rip ? "ripmap" : "mipmap", l0->width, l0->height,
                   l0->channels);
    for (uint32_t k = 0; k < n && st == UH_OK; k++) {
        const uh_image *img;
        if ((st = h->input_image(ctx, 0, k, &img)) != UH_OK)
            break;
        const uh_image_info *l = &img->info;
        char name[512];
        if (rip)
            snprintf(name, sizeof(name), "%s_%u_%u.png", prefix, l->level_x,
                     l->level_y);
        else
            snprintf(name, sizeof(name), "%s_%u.png", prefix, l->level_x);
        if (snprintf(path, sizeof(path), "%s%s%s", dir, sep, name) >=
            (int)sizeof(path)) {
            st = h->fail(ctx, UH_EINVAL, "output path is too long");
            break;
        }
        size_t rb = (size_t)l->width * l->channels * 2;
        uint16_t *row = NULL;
        if (l->sample == UH_SAMPLE_F32) {
            row = h->alloc(ctx, rb, 16, UH_LIFE_TEMP);
            if (!row) {
                st = h->last_status(ctx);
                break;
            }
        }
        st = write_level(ctx, path, img, level, row);
        if (row)
            h->free(ctx, row, rb);
        if (st != UH_OK)
            break;
        mip_out_printf(&man,
                       "%s\n    {\"index\": %u, \"level\": %u, \"i\": %u, "
                       "\"j\": %u, \"width\": %u, \"height\": %u, \"file\": "
                       "\"%s\"}",
                       k ? "," : "", k, l->level_x, l->level_x, l->level_y,
                       l->width, l->height, name);
        if (h->progress(ctx, (double)(k + 1) / n)) {
            st = h->fail(ctx, UH_ECANCELED, "canceled after level %u", k);
            break;
        }
    }
    mip_out_printf(&man, "\n  ]\n}\n");
    uh_status mst = mip_out_close(&man);
    return st != UH_OK ? st : mst;
}

const uh_node_type mip_type_save_png = {
    .struct_size = sizeof(uh_node_type),
    .id = "mip.save_png",
    .summary = "levels -> <dir>/<prefix>_<i>[_<j>].png + manifest.json",
    .inputs = inputs,
    .params = params,
    .prepare = sp_prepare,
    .process = sp_process,
    .is_sink = 1,
};
