/* mip.stream_png, mip.stream_ktx2, mip.stream_dds: strip sinks that build
 * the mip chain of their input in one pass over the rows and write every
 * level's rows as they complete: to one PNG file per level, or into one
 * KTX2 or DDS file whose layout (every level's offset) is computed before
 * the first row, each row written at its place with the host's positioned
 * writes (extension uh.file-at/1) and the whole file reserved up front. Level k
 * keeps only the rows of level k-1 its vertical taps still need (a ring of taps
 * + 2 rows), so memory is O(width x taps x levels), never O(image): a 20000 x
 * 15000 chain fits in a few tens of MB. Each output row is the same computation
 * as in the `mipmap` node (same tap tables, same row code), so the levels are
 * the same bytes. The edge mode is clamp: repeat and mirror would need the
 * bottom rows first. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <uberhost/ext/file-at.h>

#include "mipmap_int.h"

#define MAX_LEVELS MIP_MAX_LEVELS
#define PATH_LEN   1024

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
    .doc = "file name prefix: <prefix>_<i>.png",
};
static const uh_param_desc p_min_size = {
    .struct_size = sizeof(uh_param_desc),
    .name = "min_size",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 1,
    .min = 1,
    .max = 1 << 20,
    .doc = "stop before a level whose larger side is below this",
};
static const uh_param_desc p_max_levels = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_levels",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 64,
    .doc = "at most this many levels including level 0; 0 = all",
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
static const uh_param_desc p_write_base = {
    .struct_size = sizeof(uh_param_desc),
    .name = "write_base",
    .type = UH_PARAM_BOOL,
    .def = 1,
    .doc = "also write level 0 (a copy of the input)",
};
static const uh_param_desc *const params[] = {
    &p_dir,      &p_prefix,     &mip_param_filter, &mip_param_transfer,
    &p_min_size, &p_max_levels, &p_compression,    &p_write_base,
    NULL};
static const uh_param_desc p_ktx2_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_OUTPUT_FILE,
    .doc = "the .ktx2 file to write",
};
static const uh_param_desc p_dds_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_OUTPUT_FILE,
    .doc = "the .dds file to write",
};
static const uh_param_desc *const ktx2_params[] = {
    &p_ktx2_path, &mip_param_filter, &mip_param_transfer,
    &p_min_size,  &p_max_levels,     NULL};
static const uh_param_desc *const dds_params[] = {
    &p_dds_path, &mip_param_filter, &mip_param_transfer,
    &p_min_size, &p_max_levels,     NULL};

/* Bytes a texture-file level gathers before one positioned write. */
#define WRITE_CHUNK (256u << 10)
static const uh_port_desc *const inputs[] = {&mip_port_image_in, NULL};

typedef struct slevel {
    uint32_t w, h;
    mipf_taps tx, ty; /* from the level above; k >= 1 */
    float *ring;      /* rows of this level the next level still needs */
    size_t ring_bytes;
    uint32_t slots; /* ring rows; 0 when no level follows */
    uint32_t next;  /* next row of this level to compute */
    mip_pngw png;
    int writing;
    uint8_t *wbuf; /* texture file: rows not yet written */
    size_t wcap, wlen;
    uint64_t wpos; /* file offset of wbuf[0] */
} slevel;

enum { SINK_PNG = 0, SINK_KTX2, SINK_DDS };

typedef struct sstate {
    int kind;   /* SINK_* */
    uint32_t n; /* levels, including 0 */
    slevel lv[MAX_LEVELS];
    uh_image_info in, out; /* out: the written levels' format */
    int filter, op, transfer, premult, write_base, compression;
    mipf_enc enc;
    mipf_src base; /* decodes one input row */
    float *scratch;
    size_t scratch_bytes;
    uint8_t *row; /* one encoded row of the widest written level */
    size_t row_bytes;
    uint32_t next_in;
    int done;
    char dir[PATH_LEN], prefix[256];
    /* texture file */
    const uh_ext_file_at *fa;
    mip_texfile tf;
    uh_file *file;
    uint8_t *xrow; /* one row expanded to the stored texels */
    size_t xrow_bytes;
} sstate;

static void state_free(uh_ctx *ctx, sstate *s)
{
    for (uint32_t k = 0; k < s->n; k++) {
        slevel *l = &s->lv[k];
        if (l->writing)
            mip_png_abort(ctx, &l->png);
        l->writing = 0;
        if (l->wbuf)
            mip_host->free(ctx, l->wbuf, l->wcap);
        l->wbuf = NULL;
        mip_taps_free(ctx, &l->tx);
        mip_taps_free(ctx, &l->ty);
        if (l->ring)
            mip_host->free(ctx, l->ring, l->ring_bytes);
        l->ring = NULL;
    }
    if (s->scratch)
        mip_host->free(ctx, s->scratch, s->scratch_bytes);
    if (s->row)
        mip_host->free(ctx, s->row, s->row_bytes);
    if (s->xrow)
        mip_host->free(ctx, s->xrow, s->xrow_bytes);
    if (s->file) /* a failed run: the host drops the file */
        mip_host->file_close(ctx, s->file);
    mip_host->free(ctx, s, sizeof(*s));
}

static mipf_src ring_src(const sstate *s, uint32_t k)
{
    const slevel *l = &s->lv[k];
    mipf_src r = {0};
    r.width = l->w;
    r.height = l->h;
    r.channels = s->in.channels;
    r.plane = l->ring;
    r.stride = (size_t)l->w * s->in.channels;
    r.ring = l->slots;
    return r;
}

/* Lays out the texture file and gives each level its write buffer: whole
 * rows, up to WRITE_CHUNK bytes (one row at least, the level at most). */
static uh_status texfile_prepare(uh_ctx *ctx, sstate *s)
{
    const uh_host *h = mip_host;
    uh_image_info l0 = s->out;
    if (s->kind == SINK_KTX2)
        mip_ktx2_layout(&s->tf, &l0, s->n, h->version);
    else
        mip_dds_layout(&s->tf, &l0, s->n);
    if (s->in.channels != s->tf.channels) {
        s->xrow_bytes = (size_t)s->in.width * s->tf.texel;
        if (!(s->xrow = h->alloc(ctx, s->xrow_bytes, 64, UH_LIFE_NODE)))
            return h->last_status(ctx);
    }
    for (uint32_t k = 0; k < s->n; k++) {
        slevel *l = &s->lv[k];
        size_t rb = (size_t)l->w * s->tf.texel;
        size_t cap = WRITE_CHUNK / rb * rb;
        if (cap < rb)
            cap = rb;
        if (cap > s->tf.len[k])
            cap = (size_t)s->tf.len[k];
        if (!(l->wbuf = h->alloc(ctx, cap, 64, UH_LIFE_NODE)))
            return h->last_status(ctx);
        l->wcap = cap;
        l->wpos = s->tf.off[k];
    }
    return UH_OK;
}

static uh_status prepare(uh_ctx *ctx, int kind)
{
    mipf_init(); /* the tables, on first use (not at plugin load) */
    const uh_host *h = mip_host;
    const uh_image_info *in = h->input_info(ctx, 0, 0);
    if (!in)
        return h->fail(ctx, UH_EINVAL, "input 'image' is not connected");
    const uh_ext_file_at *fa = NULL;
    if (kind == SINK_PNG) {
        uh_status pst = mip_check_prefix(ctx, uh_param_str(h, ctx, "prefix"));
        if (pst != UH_OK)
            return pst;
    } else {
        if (UH_HAS_FIELD(h, uh_host, get_extension) && h->get_extension)
            fa = h->get_extension(h, UH_EXT_FILE_AT);
        if (!fa || !UH_HAS_FIELD(fa, uh_ext_file_at, write_at))
            return h->fail(ctx, UH_EUNSUPPORTED,
                           "this host has no positioned writes (%s); use "
                           "mipmap and %s instead",
                           UH_EXT_FILE_AT,
                           kind == SINK_KTX2 ? "ktx2.save" : "dds.save");
    }
    sstate *s = h->alloc(ctx, sizeof(*s), 64, UH_LIFE_NODE);
    if (!s)
        return h->last_status(ctx);
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->fa = fa;
    s->in = *in;
    uint32_t ch = in->channels;
    s->filter = (int)uh_param_int(h, ctx, "filter");
    s->op = s->filter == MIPF_MIN   ? MIPF_OP_MIN
            : s->filter == MIPF_MAX ? MIPF_OP_MAX
                                    : MIPF_OP_WEIGHTED;
    s->transfer = mip_transfer(uh_param_int(h, ctx, "transfer"), in->space);
    int has_alpha = ch == 2 || ch == 4;
    int in_premult = (in->flags & UH_IMAGE_PREMULTIPLIED) != 0;
    s->premult = has_alpha && s->transfer != MIPF_TF_DATA &&
                 s->op == MIPF_OP_WEIGHTED && !in_premult;
    s->out = *in;
    if (kind == SINK_PNG) {
        s->write_base = uh_param_int(h, ctx, "write_base") != 0;
        s->compression = (int)uh_param_int(h, ctx, "compression");
        snprintf(s->dir, sizeof(s->dir), "%s", uh_param_str(h, ctx, "dir"));
        snprintf(s->prefix, sizeof(s->prefix), "%s",
                 uh_param_str(h, ctx, "prefix"));
        if (s->out.sample == UH_SAMPLE_F32) /* PNG has no float */
            s->out.sample = UH_SAMPLE_U16;
    } else {
        s->write_base = 1; /* a texture file always holds level 0 */
    }
    s->out.space = mip_space_of(s->transfer);

    uint32_t min_size = (uint32_t)uh_param_int(h, ctx, "min_size");
    uint32_t max_levels = (uint32_t)uh_param_int(h, ctx, "max_levels");
    uint32_t full = mipf_full_levels(in->width, in->height), n = 1;
    for (uint32_t k = 1; k < full && k < MAX_LEVELS; k++) {
        uint32_t w = mipf_level_size(in->width, k);
        uint32_t hh = mipf_level_size(in->height, k);
        if ((w > hh ? w : hh) < min_size)
            break;
        n++;
    }
    if (max_levels && n > max_levels)
        n = max_levels;
    s->n = n;
    uh_status st = UH_OK;
    size_t scratch = 0, rowb = 0;
    for (uint32_t k = 0; k < n && st == UH_OK; k++) {
        slevel *l = &s->lv[k];
        l->w = mipf_level_size(in->width, k);
        l->h = mipf_level_size(in->height, k);
        if (k == 0)
            continue;
        st = mip_taps_new(ctx, &l->tx, s->filter, MIPF_CLAMP, s->lv[k - 1].w,
                          l->w);
        if (st == UH_OK)
            st = mip_taps_new(ctx, &l->ty, s->filter, MIPF_CLAMP,
                              s->lv[k - 1].h, l->h);
        if (st != UH_OK)
            break;
        /* The ring of the level above holds this level's window. */
        slevel *up = &s->lv[k - 1];
        up->slots = l->ty.width + 2;
        size_t bytes;
        if (!uh_mul_size(&bytes, (size_t)up->w * ch * sizeof(float),
                         up->slots)) {
            st = h->fail(ctx, UH_ELIMIT, "level %u is too wide", k - 1);
            break;
        }
        up->ring = h->alloc(ctx, bytes, 64, UH_LIFE_NODE);
        if (!up->ring) {
            st = h->last_status(ctx);
            break;
        }
        up->ring_bytes = bytes;
        mipf_src rs = ring_src(s, k - 1);
        mipf_pass ps = {&rs, &l->tx, &l->ty, s->op, 0, NULL,
                        0,   0,      NULL,   NULL,  0};
        size_t f = mipf_pass_scratch(&ps) * sizeof(float);
        if (f > scratch)
            scratch = f;
        size_t rb = (size_t)l->w * ch * uh_sample_size(s->out.sample);
        if (rb > rowb)
            rowb = rb;
    }
    if (st == UH_OK && kind == SINK_PNG && in->sample == UH_SAMPLE_F32 &&
        (size_t)in->width * ch * 2 > rowb)
        rowb = (size_t)in->width * ch * 2;
    if (st == UH_OK && kind != SINK_PNG)
        st = texfile_prepare(ctx, s);
    if (st == UH_OK && scratch) {
        s->scratch = h->alloc(ctx, scratch, 64, UH_LIFE_NODE);
        if (!s->scratch)
            st = h->last_status(ctx);
        else
            s->scratch_bytes = scratch;
    }
    if (st == UH_OK && rowb) {
        s->row = h->alloc(ctx, rowb, 64, UH_LIFE_NODE);
        if (!s->row)
            st = h->last_status(ctx);
        else
            s->row_bytes = rowb;
    }
    if (st != UH_OK) {
        state_free(ctx, s);
        return st;
    }
    s->base.width = in->width;
    s->base.height = 1;
    s->base.channels = ch;
    s->base.sample = in->sample;
    s->base.transfer = s->transfer;
    s->base.premultiply = s->premult;
    s->enc.channels = ch;
    s->enc.sample = s->out.sample;
    s->enc.transfer = s->transfer;
    s->enc.premultiplied = s->premult || (has_alpha && in_premult);
    s->enc.out_premult = in_premult;
    s->enc.alpha_scale = 1.0f;
    h->set_user(ctx, s);
    return UH_OK;
}

static uh_status st_prepare(uh_ctx *ctx)
{
    return prepare(ctx, SINK_PNG);
}

static uh_status kt_prepare(uh_ctx *ctx)
{
    return prepare(ctx, SINK_KTX2);
}

static uh_status dd_prepare(uh_ctx *ctx)
{
    return prepare(ctx, SINK_DDS);
}

static uh_status st_start(uh_ctx *ctx, void **seq)
{
    (void)ctx;
    *seq = NULL;
    return UH_OK;
}

static void st_stop(uh_ctx *ctx, void *seq)
{
    (void)ctx;
    (void)seq;
}

static void level_path(const sstate *s, uint32_t k, char *buf, size_t cap)
{
    size_t dl = strlen(s->dir);
    snprintf(buf, cap, "%s%s%s_%u.png", s->dir,
             dl && s->dir[dl - 1] == '/' ? "" : "/", s->prefix, k);
}

/* Opens the texture file, reserves all of it (a full disk fails here,
 * before any pixel work) and writes its header. */
static uh_status open_texfile(uh_ctx *ctx, sstate *s)
{
    const uh_host *h = mip_host;
    uh_status st =
        h->file_open_write(ctx, uh_param_str(h, ctx, "path"), &s->file);
    if (st != UH_OK)
        return st;
    if (UH_HAS_FIELD(s->fa, uh_ext_file_at, reserve) && s->fa->reserve &&
        (st = s->fa->reserve(ctx, s->file, s->tf.size)) != UH_OK)
        return st;
    uint8_t head[2048];
    mip_out o;
    mip_out_mem(&o, head, sizeof(head));
    mip_texfile_header(&s->tf, &o);
    if (o.status != UH_OK || o.total != s->tf.data_start)
        return h->fail(ctx, UH_EINTERNAL, "file header of %" PRIu64 " bytes",
                       s->tf.data_start);
    return s->fa->write_at(ctx, s->file, 0, head, o.len);
}

static uh_status texfile_flush(uh_ctx *ctx, sstate *s, slevel *l)
{
    if (!l->wlen)
        return UH_OK;
    uh_status st = s->fa->write_at(ctx, s->file, l->wpos, l->wbuf, l->wlen);
    l->wpos += l->wlen;
    l->wlen = 0;
    return st;
}

/* Writes row `row` (the level's format) of level k, the next one. */
static uh_status emit(uh_ctx *ctx, sstate *s, uint32_t k, const void *row)
{
    slevel *l = &s->lv[k];
    if (s->kind == SINK_PNG)
        return mip_png_row(ctx, &l->png, row);
    size_t rb = (size_t)l->w * s->tf.texel;
    uh_status st;
    if (l->wlen + rb > l->wcap && (st = texfile_flush(ctx, s, l)) != UH_OK)
        return st;
    memcpy(l->wbuf + l->wlen, mip_texfile_row(&s->tf, l->w, row, s->xrow), rb);
    l->wlen += rb;
    return UH_OK;
}

static uh_status open_files(uh_ctx *ctx, sstate *s)
{
    if (s->kind != SINK_PNG)
        return open_texfile(ctx, s);
    for (uint32_t k = s->write_base ? 0 : 1; k < s->n; k++) {
        slevel *l = &s->lv[k];
        char path[PATH_LEN + 300];
        level_path(s, k, path, sizeof(path));
        uh_image_info info = s->out;
        info.width = l->w;
        info.height = l->h;
        uh_status st = mip_png_open(ctx, &l->png, path, &info, s->compression);
        if (st != UH_OK)
            return st;
        l->writing = 1;
    }
    return UH_OK;
}

/* Level k computes every row whose taps lie in rows <= r of level k-1,
 * writes it, and hands it on to level k+1. */
static uh_status advance(uh_ctx *ctx, sstate *s, uint32_t k, uint32_t r)
{
    slevel *l = &s->lv[k];
    uint32_t ch = s->in.channels;
    mipf_src src = ring_src(s, k - 1);
    while (l->next < l->h) {
        uint32_t y = l->next;
        const uint32_t *idx = l->ty.index + (size_t)y * l->ty.width;
        uint32_t last = 0;
        for (uint32_t t = 0; t < l->ty.count[y]; t++)
            if (idx[t] > last)
                last = idx[t];
        if (last > r)
            break;
        mipf_pass ps = {&src, &l->tx, &l->ty,  s->op,  0, NULL,
                        0,    y,      &s->enc, s->row, 0};
        if (l->slots) {
            ps.dst = l->ring + (size_t)(y % l->slots) * l->w * ch;
            ps.dst_stride = (size_t)l->w * ch;
        }
        mipf_run_rows(&ps, y, y + 1, s->scratch);
        uh_status st = emit(ctx, s, k, s->row);
        if (st != UH_OK)
            return st;
        l->next++;
        if (k + 1 < s->n && (st = advance(ctx, s, k + 1, y)) != UH_OK)
            return st;
    }
    return UH_OK;
}

static uh_status finish(uh_ctx *ctx, sstate *s)
{
    const uh_host *h = mip_host;
    uh_status st = UH_OK;
    for (uint32_t k = 0; k < s->n; k++) {
        slevel *l = &s->lv[k];
        if (k > 0 && l->next != l->h && st == UH_OK)
            st = h->fail(ctx, UH_EINTERNAL, "level %u ended at row %u of %u", k,
                         l->next, l->h);
        if (l->writing) {
            l->writing = 0;
            uh_status cst = st == UH_OK ? mip_png_close(ctx, &l->png)
                                        : (mip_png_abort(ctx, &l->png), st);
            if (st == UH_OK)
                st = cst;
        }
        if (s->kind != SINK_PNG && st == UH_OK)
            st = texfile_flush(ctx, s, l);
    }
    if (st != UH_OK)
        return st;
    if (s->kind != SINK_PNG) {
        uh_file *f = s->file;
        s->file = NULL;
        s->done = 1;
        return mip_host->file_close(ctx, f);
    }
    char path[PATH_LEN + 32];
    size_t dl = strlen(s->dir);
    snprintf(path, sizeof(path), "%s%smanifest.json", s->dir,
             dl && s->dir[dl - 1] == '/' ? "" : "/");
    mip_out man;
    if ((st = mip_out_open(ctx, &man, path)) != UH_OK)
        return st;
    mip_out_printf(&man,
                   "{\n  \"kind\": \"mipmap\",\n  \"width\": %u,\n  "
                   "\"height\": %u,\n  \"channels\": %u,\n  \"levels\": [",
                   s->in.width, s->in.height, s->in.channels);
    int first = 1;
    for (uint32_t k = s->write_base ? 0 : 1; k < s->n; k++) {
        mip_out_printf(&man,
                       "%s\n    {\"index\": %u, \"level\": %u, \"i\": %u, "
                       "\"j\": %u, \"width\": %u, \"height\": %u, \"file\": "
                       "\"%s_%u.png\"}",
                       first ? "" : ",", s->write_base ? k : k - 1, k, k, k,
                       s->lv[k].w, s->lv[k].h, s->prefix, k);
        first = 0;
    }
    mip_out_printf(&man, "\n  ]\n}\n");
    s->done = 1;
    return mip_out_close(&man);
}

static uh_status st_rows(uh_ctx *ctx, void *seq, uh_rows *band)
{
    (void)seq;
    const uh_host *h = mip_host;
    sstate *s = h->get_user(ctx);
    if (s->done || band->y != s->next_in || band->n == 0 ||
        band->n > s->in.height - band->y)
        return h->fail(ctx, UH_EINTERNAL,
                       "got rows %u..%u after rows up to %u of %u", band->y,
                       band->y + band->n, s->next_in, s->in.height);
    uh_status st;
    if (band->y == 0 && (st = open_files(ctx, s)) != UH_OK)
        return st;
    uh_rows in;
    if ((st = h->input_rows(ctx, 0, band->y, band->n, &in)) != UH_OK)
        return st;
    uint32_t ch = s->in.channels;
    slevel *l0 = &s->lv[0];
    for (uint32_t i = 0; i < band->n; i++) {
        uint32_t r = band->y + i;
        const uint8_t *raw = in.data + (size_t)i * in.stride;
        if (s->write_base) {
            const void *row = raw;
            if (s->kind == SINK_PNG && s->in.sample == UH_SAMPLE_F32) {
                const float *f = (const float *)(const void *)raw;
                uint16_t *o = (uint16_t *)(void *)s->row;
                for (size_t j = 0; j < (size_t)s->in.width * ch; j++) {
                    float v = f[j] > 0.0f ? (f[j] < 1.0f ? f[j] : 1.0f) : 0.0f;
                    o[j] = (uint16_t)(v * 65535.0 + 0.5);
                }
                row = s->row;
            }
            if ((st = emit(ctx, s, 0, row)) != UH_OK)
                return st;
        }
        if (s->n > 1) {
            mipf_src b = s->base;
            b.bytes = raw;
            mipf_src_row(&b, 0,
                         l0->ring + (size_t)(r % l0->slots) * l0->w * ch);
            if ((st = advance(ctx, s, 1, r)) != UH_OK)
                return st;
        }
    }
    s->next_in = band->y + band->n;
    if (h->progress(ctx, (double)s->next_in / s->in.height))
        return h->fail(ctx, UH_ECANCELED, "canceled at row %u", s->next_in);
    if (s->next_in == s->in.height)
        return finish(ctx, s);
    return UH_OK;
}

static void st_cleanup(uh_ctx *ctx)
{
    sstate *s = mip_host->get_user(ctx);
    if (!s)
        return;
    state_free(ctx, s);
    mip_host->set_user(ctx, NULL);
}

const uh_node_type mip_type_stream_png = {
    .struct_size = sizeof(uh_node_type),
    .id = "mip.stream_png",
    .summary = "image rows -> mip chain as <dir>/<prefix>_<i>.png in one "
               "streaming pass (clamp edges, no coverage scaling)",
    .inputs = inputs,
    .params = params,
    .prepare = st_prepare,
    .start = st_start,
    .rows = st_rows,
    .stop = st_stop,
    .strip_flags = UH_STRIP_SEQUENTIAL,
    .cleanup = st_cleanup,
};

const uh_node_type mip_type_stream_ktx2 = {
    .struct_size = sizeof(uh_node_type),
    .id = "mip.stream_ktx2",
    .summary = "image rows -> mip chain in one KTX2 file, in one streaming "
               "pass (clamp edges)",
    .inputs = inputs,
    .params = ktx2_params,
    .prepare = kt_prepare,
    .start = st_start,
    .rows = st_rows,
    .stop = st_stop,
    .strip_flags = UH_STRIP_SEQUENTIAL,
    .cleanup = st_cleanup,
};

const uh_node_type mip_type_stream_dds = {
    .struct_size = sizeof(uh_node_type),
    .id = "mip.stream_dds",
    .summary = "image rows -> mip chain in one DDS file, in one streaming "
               "pass (clamp edges)",
    .inputs = inputs,
    .params = dds_params,
    .prepare = dd_prepare,
    .start = st_start,
    .rows = st_rows,
    .stop = st_stop,
    .strip_flags = UH_STRIP_SEQUENTIAL,
    .cleanup = st_cleanup,
};
