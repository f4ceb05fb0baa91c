/* Shared pieces of the mipmap plugin: parameters, planes, parallel passes,
 * buffered files, chain checks. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <uberhost/ext/image-pass.h>

#include "mipmap_int.h"

const uh_host *mip_host;

/* ------------------------------------------------------------------------ */
/* Shared descriptors                                                       */

static const char *const filter_values[] = {
    "box", "triangle", "kaiser", "lanczos3", "mitchell", "min", "max", NULL};
static const char *const transfer_values[] = {"auto", "srgb", "linear", "data",
                                              NULL};
static const char *const wrap_values[] = {"clamp", "repeat", "mirror", NULL};
static const char *const sample_values[] = {"same", "u8", "u16", "f32", NULL};

const uh_param_desc mip_param_filter = {
    .struct_size = sizeof(uh_param_desc),
    .name = "filter",
    .type = UH_PARAM_ENUM,
    .def_text = "kaiser",
    .values = filter_values,
    .doc = "2:1 filter: kaiser (windowed sinc, default), lanczos3, "
           "mitchell, triangle, box (area), min/max (depth pyramids)",
};
const uh_param_desc mip_param_transfer = {
    .struct_size = sizeof(uh_param_desc),
    .name = "transfer",
    .type = UH_PARAM_ENUM,
    .def_text = "auto",
    .values = transfer_values,
    .doc = "how colour is coded: auto (from the input's tag), srgb, "
           "linear, data (never gamma-converted nor premultiplied)",
};
const uh_param_desc mip_param_wrap = {
    .struct_size = sizeof(uh_param_desc),
    .name = "wrap",
    .type = UH_PARAM_ENUM,
    .def_text = "clamp",
    .values = wrap_values,
    .doc = "edge mode used inside the filter: clamp, repeat, mirror",
};
const uh_param_desc mip_param_sample = {
    .struct_size = sizeof(uh_param_desc),
    .name = "sample",
    .type = UH_PARAM_ENUM,
    .def_text = "same",
    .values = sample_values,
    .doc = "sample type of the levels: same as the input, u8, u16, f32",
};

const uh_port_desc mip_port_image_in = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the level-0 texture",
};
const uh_port_desc mip_port_levels_out = {
    .struct_size = sizeof(uh_port_desc),
    .name = "levels",
    .type = UH_PORT_IMAGE_LIST,
    .doc = "the levels; image n has info.level_x, info.level_y",
};
const uh_port_desc mip_port_levels_in = {
    .struct_size = sizeof(uh_port_desc),
    .name = "levels",
    .type = UH_PORT_IMAGE_LIST,
    .doc = "levels from a mipmap or ripmap node",
};

int mip_transfer(int64_t param, uint32_t space)
{
    switch (param) {
    case 1:
        return MIPF_TF_SRGB;
    case 2:
        return MIPF_TF_LINEAR;
    case 3:
        return MIPF_TF_DATA;
    default:
        return space == UH_SPACE_LINEAR ? MIPF_TF_LINEAR
               : space == UH_SPACE_DATA ? MIPF_TF_DATA
                                        : MIPF_TF_SRGB;
    }
}

uint32_t mip_space_of(int transfer)
{
    return transfer == MIPF_TF_LINEAR ? UH_SPACE_LINEAR
           : transfer == MIPF_TF_DATA ? UH_SPACE_DATA
                                      : UH_SPACE_SRGB;
}

uint32_t mip_sample(int64_t param, uint32_t in_sample)
{
    switch (param) {
    case 1:
        return UH_SAMPLE_U8;
    case 2:
        return UH_SAMPLE_U16;
    case 3:
        return UH_SAMPLE_F32;
    default:
        return in_sample;
    }
}

uint32_t mip_quant(uint32_t sample)
{
    return sample == UH_SAMPLE_U8    ? 255u
           : sample == UH_SAMPLE_U16 ? 65535u
                                     : 0u;
}

/* ------------------------------------------------------------------------ */
/* Planes and tap tables                                                    */

uh_status mip_plane_alloc(uh_ctx *ctx, mip_plane *p, uint32_t w, uint32_t h,
                          uint32_t ch)
{
    size_t n;
    if (!uh_mul_size(&n, w, h) || !uh_mul_size(&n, n, ch) ||
        !uh_mul_size(&n, n, sizeof(float)))
        return mip_host->fail(
            ctx, UH_ELIMIT, "a %ux%u float level does not fit in memory", w, h);
    float *d = mip_host->alloc(ctx, n, 64, UH_LIFE_NODE);
    if (!d)
        return mip_host->last_status(ctx);
    p->data = d;
    p->bytes = n;
    p->width = w;
    p->height = h;
    p->channels = ch;
    return UH_OK;
}

void mip_plane_free(uh_ctx *ctx, mip_plane *p)
{
    if (p->data)
        mip_host->free(ctx, p->data, p->bytes);
    p->data = NULL;
    p->bytes = 0;
}

mipf_src mip_plane_src(const mip_plane *p)
{
    mipf_src s = {0};
    s.width = p->width;
    s.height = p->height;
    s.channels = p->channels;
    s.plane = p->data;
    s.stride = (size_t)p->width * p->channels;
    return s;
}

uh_status mip_taps_new(uh_ctx *ctx, mipf_taps *t, int filter, int wrap,
                       uint32_t n_src, uint32_t n_dst)
{
    size_t bytes = mipf_taps_bytes(filter, n_src, n_dst);
    void *mem = mip_host->alloc(ctx, bytes, 16, UH_LIFE_NODE);
    if (!mem)
        return mip_host->last_status(ctx);
    if (mipf_taps_build(t, mem, filter, wrap, n_src, n_dst) != 0) {
        mip_host->free(ctx, mem, bytes);
        return mip_host->fail(ctx, UH_EINTERNAL, "bad level size %u -> %u",
                              n_src, n_dst);
    }
    return UH_OK;
}

void mip_taps_free(uh_ctx *ctx, mipf_taps *t)
{
    if (t->mem)
        mip_host->free(ctx, t->mem, t->mem_bytes);
    t->mem = NULL;
}

/* ------------------------------------------------------------------------ */
/* Parallel passes                                                          */

#define BAND_ROWS 16u
/* Reduction passes take big bands, at least 64 rows and at most 8 bands
 * a level: each band allocates its scratch (with a decoded-row cache of
 * about a megabyte for a wide base, fresh pages every time) and decodes the
 * kernel's overlap rows again, both amortised over the band. Rows do not
 * depend on the split, so neither do the bytes. */
#define PASS_ROWS  64u
#define PASS_BANDS 8u

static uint32_t pass_rows(const mipf_pass *p)
{
    uint32_t n = (p->ty->n_dst + PASS_BANDS - 1) / PASS_BANDS;
    return n > PASS_ROWS ? n : PASS_ROWS;
}

static uh_status run_band(void *arg, uh_ctx *ctx2, uint32_t i)
{
    const mipf_pass *p = arg;
    size_t nf = mipf_pass_scratch(p);
    float *scratch =
        mip_host->alloc(ctx2, nf * sizeof(float), 64, UH_LIFE_TEMP);
    if (!scratch)
        return mip_host->last_status(ctx2);
    uint32_t rows = pass_rows(p);
    uint32_t y0 = i * rows, y1 = y0 + rows;
    if (y1 > p->ty->n_dst)
        y1 = p->ty->n_dst;
    mipf_run_rows(p, y0, y1, scratch);
    mip_host->free(ctx2, scratch, nf * sizeof(float));
    return UH_OK;
}

uh_status mip_run(uh_ctx *ctx, const mipf_pass *p)
{
    uint32_t rows = pass_rows(p);
    uint32_t bands = (p->ty->n_dst + rows - 1) / rows;
    return mip_host->parallel_for(ctx, bands, run_band, (void *)p);
}

uh_status mip_reduce(uh_ctx *ctx, const mipf_src *src, const mipf_taps *tx,
                     const mipf_taps *ty, int op, int normal, mip_plane *dst)
{
    mipf_pass p = {src,
                   tx,
                   ty,
                   op,
                   normal,
                   dst->data,
                   (size_t)dst->width * dst->channels,
                   0,
                   NULL,
                   NULL,
                   0};
    return mip_run(ctx, &p);
}

typedef struct encode_job {
    const mipf_src *src;
    const mipf_enc *enc;
    uh_image *out;
} encode_job;

static uh_status encode_band(void *arg, uh_ctx *ctx2, uint32_t i)
{
    encode_job *j = arg;
    float *scratch = NULL;
    size_t nf = 0;
    if (!j->src->plane) {
        nf = (size_t)j->src->width * j->src->channels;
        scratch = mip_host->alloc(ctx2, nf * sizeof(float), 64, UH_LIFE_TEMP);
        if (!scratch)
            return mip_host->last_status(ctx2);
    }
    uint32_t y0 = i * BAND_ROWS, y1 = y0 + BAND_ROWS;
    if (y1 > j->out->info.height)
        y1 = j->out->info.height;
    for (uint32_t y = y0; y < y1; y++) {
        const float *row = mipf_src_row(j->src, y, scratch);
        mipf_encode_row(j->enc, row, j->out->info.width,
                        j->out->data + (size_t)y * j->out->stride);
    }
    if (scratch)
        mip_host->free(ctx2, scratch, nf * sizeof(float));
    return UH_OK;
}

uh_status mip_encode(uh_ctx *ctx, const mipf_src *src, const mipf_enc *enc,
                     uh_image *out)
{
    encode_job j = {src, enc, out};
    uint32_t bands = (out->info.height + BAND_ROWS - 1) / BAND_ROWS;
    return mip_host->parallel_for(ctx, bands, encode_band, &j);
}

uh_status mip_level0(uh_ctx *ctx, const uh_image *in, uh_image *out,
                     int transfer)
{
    if (in->info.sample == out->info.sample) {
        size_t row = (size_t)in->info.width * uh_pixel_size(&in->info);
        for (uint32_t y = 0; y < in->info.height; y++)
            memcpy(out->data + (size_t)y * out->stride,
                   in->data + (size_t)y * in->stride, row);
        return UH_OK;
    }
    mipf_src s = {0};
    s.width = in->info.width;
    s.height = in->info.height;
    s.channels = in->info.channels;
    s.bytes = in->data;
    s.byte_stride = in->stride;
    s.sample = in->info.sample;
    s.transfer = transfer;
    mipf_enc e = {0};
    e.channels = in->info.channels;
    e.sample = out->info.sample;
    e.transfer = transfer;
    e.alpha_scale = 1.0f;
    return mip_encode(ctx, &s, &e, out);
}

uh_status mip_base_level(uh_ctx *ctx, const uh_image *in,
                         const uh_image_info *decl, uint32_t index,
                         int transfer)
{
    const uh_host *h = mip_host;
    const uh_image_info *a = &in->info;
    int same = a->width == decl->width && a->height == decl->height &&
               a->channels == decl->channels && a->sample == decl->sample &&
               a->space == decl->space && a->flags == decl->flags;
    const uh_ext_image_pass *ip = NULL;
    if (same && UH_HAS_FIELD(h, uh_host, get_extension) && h->get_extension)
        ip = h->get_extension(h, UH_EXT_IMAGE_PASS);
    if (ip && UH_HAS_FIELD(ip, uh_ext_image_pass, pass_input) && ip->pass_input)
        return ip->pass_input(ctx, 0, 0, 0, index);
    uh_image *out;
    uh_status st = h->output_image(ctx, 0, index, &out);
    return st == UH_OK ? mip_level0(ctx, in, out, transfer) : st;
}

/* ------------------------------------------------------------------------ */
/* Buffered output                                                          */

#define OUT_BUF (256u << 10)

uh_status mip_out_open(uh_ctx *ctx, mip_out *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    o->ctx = ctx;
    o->buf = mip_host->alloc(ctx, OUT_BUF, 64, UH_LIFE_TEMP);
    if (!o->buf)
        return mip_host->last_status(ctx);
    o->cap = OUT_BUF;
    uh_status st = mip_host->file_open_write(ctx, path, &o->f);
    if (st != UH_OK) {
        mip_host->free(ctx, o->buf, o->cap);
        o->buf = NULL;
        return st;
    }
    return UH_OK;
}

void mip_out_mem(mip_out *o, void *buf, size_t cap)
{
    memset(o, 0, sizeof(*o));
    o->buf = buf;
    o->cap = cap;
    o->mem = 1;
}

static void out_flush(mip_out *o)
{
    if (o->mem) {
        if (o->len == o->cap && o->status == UH_OK)
            o->status = UH_EINTERNAL; /* the caller's buffer is too small */
        return;
    }
    if (o->status == UH_OK && o->len)
        o->status = mip_host->file_write(o->ctx, o->f, o->buf, o->len);
    o->len = 0;
}

void mip_out_put(mip_out *o, const void *data, size_t n)
{
    const uint8_t *p = data;
    o->total += n;
    while (n && o->status == UH_OK) {
        size_t k = o->cap - o->len;
        if (k > n)
            k = n;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= k;
        if (o->len == o->cap)
            out_flush(o);
    }
}

void mip_out_zero(mip_out *o, size_t n)
{
    static const uint8_t zeros[64];
    while (n) {
        size_t k = n < sizeof(zeros) ? n : sizeof(zeros);
        mip_out_put(o, zeros, k);
        n -= k;
    }
}

void mip_out_u32(mip_out *o, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    mip_out_put(o, b, 4);
}

void mip_out_u64(mip_out *o, uint64_t v)
{
    mip_out_u32(o, (uint32_t)v);
    mip_out_u32(o, (uint32_t)(v >> 32));
}

void mip_out_printf(mip_out *o, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = (int)sizeof(line) - 1;
    mip_out_put(o, line, (size_t)n);
}

uh_status mip_out_close(mip_out *o)
{
    out_flush(o);
    uh_status st = o->status;
    if (o->f) {
        uh_status cst = mip_host->file_close(o->ctx, o->f);
        if (st == UH_OK)
            st = cst;
        o->f = NULL;
    }
    if (o->buf)
        mip_host->free(o->ctx, o->buf, o->cap);
    o->buf = NULL;
    return st;
}

/* ------------------------------------------------------------------------ */
/* Level lists                                                              */

uh_status mip_check_chain(uh_ctx *ctx, const char *what, uint32_t *count)
{
    uint32_t n = mip_host->input_count(ctx, 0);
    if (n == 0)
        return mip_host->fail(ctx, UH_EINVAL, "input 'levels' is empty");
    const uh_image_info *l0 = mip_host->input_info(ctx, 0, 0);
    if (!l0)
        return mip_host->fail(ctx, UH_EINVAL, "input 'levels' is empty");
    for (uint32_t p = 0; p < n; p++) {
        const uh_image_info *l = mip_host->input_info(ctx, 0, p);
        uint32_t w = mipf_level_size(l0->width, p);
        uint32_t h = mipf_level_size(l0->height, p);
        if (!l || l->level_x != p || l->level_y != p || l->width != w ||
            l->height != h)
            return mip_host->fail(
                ctx, UH_EUNSUPPORTED,
                "%s needs a mip chain: image %u is %ux%u at (%u, %u), "
                "expected level %u of %ux%u",
                what, p, l ? l->width : 0, l ? l->height : 0,
                l ? l->level_x : 0, l ? l->level_y : 0, p, w, h);
        if (l->channels != l0->channels || l->sample != l0->sample ||
            l->space != l0->space || l->flags != l0->flags)
            return mip_host->fail(ctx, UH_EUNSUPPORTED,
                                  "%s: level %u has another pixel format "
                                  "than level 0",
                                  what, p);
    }
    *count = n;
    return UH_OK;
}

void mip_expand_rgba(const uh_image_info *in, uint32_t w, const void *rowp,
                     void *out)
{
    uint32_t ch = in->channels;
    uint32_t ss = uh_sample_size(in->sample);
    const uint8_t *row = rowp;
    uint8_t *o = out;
    uint8_t one[4];
    if (in->sample == UH_SAMPLE_U8) {
        one[0] = 255;
    } else if (in->sample == UH_SAMPLE_U16) {
        uint16_t v = 65535;
        memcpy(one, &v, 2);
    } else {
        float v = 1.0f;
        memcpy(one, &v, 4);
    }
    if (ch == 4) {
        memcpy(o, row, (size_t)w * 4 * ss);
        return;
    }
    for (uint32_t x = 0; x < w; x++) {
        const uint8_t *p = row + (size_t)x * ch * ss;
        uint8_t *q = o + (size_t)x * 4 * ss;
        const uint8_t *src[4];
        if (ch == 1 || ch == 2) {
            src[0] = src[1] = src[2] = p;
            src[3] = ch == 2 ? p + ss : one;
        } else {
            src[0] = p;
            src[1] = p + ss;
            src[2] = p + 2 * ss;
            src[3] = one;
        }
        for (int c = 0; c < 4; c++)
            memcpy(q + c * ss, src[c], ss);
    }
}

const void *mip_texfile_row(const mip_texfile *t, uint32_t width,
                            const void *row, void *buf)
{
    if (t->l0.channels == t->channels)
        return row;
    mip_expand_rgba(&t->l0, width, row, buf);
    return buf;
}

uh_status mip_texfile_save(uh_ctx *ctx, const mip_texfile *t)
{
    const uh_host *h = mip_host;
    mip_out o;
    uh_status st = mip_out_open(ctx, &o, uh_param_str(h, ctx, "path"));
    if (st != UH_OK)
        return st;
    mip_texfile_header(t, &o);
    size_t rowbytes = (size_t)t->l0.width * t->texel;
    uint8_t *row = h->alloc(ctx, rowbytes, 64, UH_LIFE_TEMP);
    if (!row) {
        mip_out_close(&o);
        return h->last_status(ctx);
    }
    /* Levels in file order: by offset, zero padding between them. */
    int ktx2 = t->kind == MIP_FILE_KTX2;
    for (uint32_t i = 0; i < t->n && st == UH_OK; i++) {
        uint32_t p = ktx2 ? t->n - 1 - i : i;
        mip_out_zero(&o, t->off[p] - o.total);
        const uh_image *img;
        if ((st = h->input_image(ctx, 0, p, &img)) != UH_OK)
            break;
        size_t rb = (size_t)img->info.width * t->texel;
        for (uint32_t y = 0; y < img->info.height; y++)
            mip_out_put(&o,
                        mip_texfile_row(t, img->info.width,
                                        img->data + (size_t)y * img->stride,
                                        row),
                        rb);
    }
    h->free(ctx, row, rowbytes);
    uh_status cst = mip_out_close(&o);
    return st != UH_OK ? st : cst;
}

void mip_texfile_header(const mip_texfile *t, mip_out *o)
{
    if (t->kind == MIP_FILE_KTX2)
        mip_ktx2_header(t, o);
    else
        mip_dds_header(t, o);
}

uh_status mip_check_prefix(uh_ctx *ctx, const char *prefix)
{
    for (const char *p = prefix; *p; p++)
        if (*p == '/' || *p == '\\' || *p == '"' || (unsigned char)*p < 0x20)
            return mip_host->fail(ctx, UH_EINVAL,
                                  "prefix '%s' must be a plain file-name "
                                  "prefix (no '/', '\\', '\"' or control "
                                  "characters)",
                                  prefix);
    return UH_OK;
}
