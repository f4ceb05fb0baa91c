/* jpeg.save: rows written to a JPEG file as they arrive (libjpeg-turbo). */
#include "jpg.h"

#include <math.h>
#include <string.h>

/* Bytes collected before each file_write() call. */
#define JPGSAVE_BUF (64 * 1024)

/* The largest side a JPEG header can hold. */
#define JPGSAVE_MAX_SIDE 65535u

/* Metadata markers: an APP1 holds at most 65533 payload bytes; an APP2
 * ICC chunk 65519 profile bytes after its 14-byte header, and a profile at
 * most 255 chunks (the sequence number is one byte). */
#define JPGSAVE_EXIF_MAX  65533u
#define JPGSAVE_ICC_CHUNK 65519u
#define JPGSAVE_ICC_MAX   (255u * JPGSAVE_ICC_CHUNK)

enum { JPGSAVE_AUTO = 0, JPGSAVE_444, JPGSAVE_422, JPGSAVE_420 };
enum { JPGSAVE_IN_IMAGE = 0, JPGSAVE_IN_EXIF = 1, JPGSAVE_IN_ICC = 2 };

typedef struct jpgsave {
    struct jpeg_compress_struct c;
    jpgerr err;
    struct jpeg_destination_mgr dst;
    const char *path;
    uh_image_info in; /* the input's geometry */
    uint32_t out_ch;  /* 1 or 3 */
    int quality, subsampling, progressive, optimize, strip;
    uh_file *file;
    JOCTET *buf;  /* JPGSAVE_BUF bytes */
    uint8_t *row; /* one 8-bit row of out_ch channels */
    size_t row_size;
    uint8_t *lut;        /* linear u16 (or u8 * 257) to sRGB u8, or NULL */
    const uint8_t *exif; /* APP1 payload to write (the host's), or NULL */
    size_t exif_size;
    const uint8_t *icc; /* ICC profile to write (the host's), or NULL */
    size_t icc_size;
    int created;       /* jpeg_create_compress() done */
    int finished;      /* jpeg_finish_compress() done */
    uint32_t next_row; /* the input row rows() must get next */
} jpgsave;

#define JPGSAVE_LUT_SIZE 65536

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */

static const char *const jpgsave_subsampling_values[] = {"auto", "444", "422",
                                                         "420", NULL};

static const uh_param_desc jpgsave_p_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_OUTPUT_FILE,
    .doc = "JPEG file to write",
};
static const uh_param_desc jpgsave_p_quality = {
    .struct_size = sizeof(uh_param_desc),
    .name = "quality",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 85,
    .min = 1,
    .max = 100,
    .doc = "libjpeg quality, 1-100 (scales the standard quantisation tables)",
};
static const uh_param_desc jpgsave_p_subsampling = {
    .struct_size = sizeof(uh_param_desc),
    .name = "subsampling",
    .type = UH_PARAM_ENUM,
    .def_text = "auto",
    .values = jpgsave_subsampling_values,
    .doc = "chroma subsampling: auto (420 below quality 90, else 444), 444, "
           "422, 420",
};
static const uh_param_desc jpgsave_p_progressive = {
    .struct_size = sizeof(uh_param_desc),
    .name = "progressive",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "write a progressive JPEG (libjpeg's standard scan script)",
};
static const uh_param_desc jpgsave_p_optimize = {
    .struct_size = sizeof(uh_param_desc),
    .name = "optimize",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "optimised Huffman tables (smaller file, one more pass per row "
           "band in libjpeg)",
};
static const uh_param_desc jpgsave_p_strip = {
    .struct_size = sizeof(uh_param_desc),
    .name = "strip",
    .type = UH_PARAM_BOOL,
    .def = 1,
    .doc = "write no metadata at all, even when exif/icc are connected; "
           "false adds a JFIF APP0 header and the connected exif/icc",
};
static const uh_param_desc *const jpgsave_params[] = {
    &jpgsave_p_path,
    &jpgsave_p_quality,
    &jpgsave_p_subsampling,
    &jpgsave_p_progressive,
    &jpgsave_p_optimize,
    &jpgsave_p_strip,
    NULL,
};

static const uh_port_desc jpgsave_in_image = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "image to write: grey or RGB (alpha is dropped), any sample type",
};
static const uh_port_desc jpgsave_in_exif = {
    .struct_size = sizeof(uh_port_desc),
    .name = "exif",
    .type = UH_PORT_BLOB,
    .flags = UH_PORT_OPTIONAL,
    .doc = "EXIF payload (\"Exif\\0\\0\" + TIFF, as jpeg.load's exif gives) "
           "written as APP1 when strip is false",
};
static const uh_port_desc jpgsave_in_icc = {
    .struct_size = sizeof(uh_port_desc),
    .name = "icc",
    .type = UH_PORT_BLOB,
    .flags = UH_PORT_OPTIONAL,
    .doc = "ICC profile written as APP2 chunks when strip is false (RGB "
           "profile for colour, GRAY for grey output)",
};
static const uh_port_desc *const jpgsave_inputs[] = {
    &jpgsave_in_image, &jpgsave_in_exif, &jpgsave_in_icc, NULL};

/* ------------------------------------------------------------------------ */
/* The destination manager: bytes go to host->file_write                    */

static jpgsave *jpgsave_of(j_compress_ptr c)
{
    return (jpgsave *)((jpgerr *)c->err)->owner;
}

static void jpgsave_init_dest(j_compress_ptr c)
{
    jpgsave *st = jpgsave_of(c);
    c->dest->next_output_byte = st->buf;
    c->dest->free_in_buffer = JPGSAVE_BUF;
}

static void jpgsave_write(jpgsave *st, size_t n)
{
    if (n == 0)
        return;
    uh_status s = jpg_host->file_write(st->err.ctx, st->file, st->buf, n);
    if (s != UH_OK)
        jpgerr_raise(&st->err, s, "%s: write failed", st->path);
}

static boolean jpgsave_empty(j_compress_ptr c)
{
    jpgsave *st = jpgsave_of(c);
    jpgsave_write(st, JPGSAVE_BUF);
    c->dest->next_output_byte = st->buf;
    c->dest->free_in_buffer = JPGSAVE_BUF;
    return TRUE;
}

static void jpgsave_term_dest(j_compress_ptr c)
{
    jpgsave *st = jpgsave_of(c);
    jpgsave_write(st, JPGSAVE_BUF - c->dest->free_in_buffer);
}

/* ------------------------------------------------------------------------ */
/* Sample conversion                                                        */

static double jpgsave_srgb(double v)
{
    if (!(v > 0.0)) /* also NaN */
        return 0.0;
    if (v >= 1.0)
        return 1.0;
    return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1.0 / 2.4) - 0.055;
}

static uint8_t jpgsave_f32(float v, int linear)
{
    double d = linear ? jpgsave_srgb(v) : (v > 0.0f ? (double)v : 0.0);
    if (d >= 1.0)
        return 255;
    return (uint8_t)(d * 255.0 + 0.5);
}

/* One input row to out_ch 8-bit channels: colour channels kept, alpha
 * (channel 2 of 2, 4 of 4) dropped; u16 and f32 rounded to 8 bits;
 * linear light encoded with the sRGB curve. */
static void jpgsave_convert(const jpgsave *st, const uint8_t *src, uint8_t *dst)
{
    const uint32_t w = st->in.width, ich = st->in.channels, och = st->out_ch;
    const int linear = st->in.space == UH_SPACE_LINEAR;
    for (uint32_t x = 0; x < w; x++) {
        for (uint32_t c = 0; c < och; c++) {
            size_t i = (size_t)x * ich + c;
            uint8_t v;
            switch (st->in.sample) {
            case UH_SAMPLE_U8:
                v = st->lut ? st->lut[src[i] * 257u] : src[i];
                break;
            case UH_SAMPLE_U16: {
                uint16_t s;
                memcpy(&s, src + 2 * i, 2);
                v = st->lut ? st->lut[s]
                            : (uint8_t)((s * 255u + 32767u) / 65535u);
                break;
            }
            default: {
                float f;
                memcpy(&f, src + 4 * i, 4);
                v = jpgsave_f32(f, linear);
                break;
            }
            }
            dst[(size_t)x * och + c] = v;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Metadata                                                                 */

/* Reads the exif and icc inputs in prepare(): keeps what will be written,
 * logs why anything connected is not. Never fails: metadata that cannot be
 * written is left out with a warning, the image is still saved. */
static void jpgsave_metadata(jpgsave *st, uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    const uh_value *exif = h->input_value(ctx, JPGSAVE_IN_EXIF);
    const uh_value *icc = h->input_value(ctx, JPGSAVE_IN_ICC);
    size_t ne = exif && exif->bytes ? exif->count : 0;
    size_t ni = icc && icc->bytes ? icc->count : 0;
    if (ne == 0 && ni == 0)
        return;
    if (st->strip) {
        h->log(ctx, UH_LOG_INFO,
               "%s: strip is true: the connected %s%s%s %s not written (set "
               "strip to false to keep %s)",
               st->path, ne ? "EXIF" : "", ne && ni ? " and " : "",
               ni ? "ICC profile" : "", ne && ni ? "are" : "is",
               ne && ni ? "them" : "it");
        return;
    }
    if (ne > 0) {
        if (ne < 6 || memcmp(exif->bytes, "Exif\0\0", 6) != 0)
            h->log(ctx, UH_LOG_WARN,
                   "%s: the exif input does not start with \"Exif\\0\\0\"; "
                   "not written",
                   st->path);
        else if (ne > JPGSAVE_EXIF_MAX)
            h->log(ctx, UH_LOG_WARN,
                   "%s: the exif input has %zu bytes; an APP1 marker holds at "
                   "most %u; not written",
                   st->path, ne, JPGSAVE_EXIF_MAX);
        else {
            st->exif = exif->bytes;
            st->exif_size = ne;
        }
    }
    if (ni > 0) {
        const uint8_t *p = icc->bytes;
        /* The colour space the profile must have for the JPEG written. */
        const char *want = st->out_ch == 1 ? "GRAY" : "RGB ";
        if (ni < 128 || memcmp(p + 36, "acsp", 4) != 0)
            h->log(ctx, UH_LOG_WARN,
                   "%s: the icc input is not an ICC profile (%zu bytes, no "
                   "'acsp' signature); not written",
                   st->path, ni);
        else if (memcmp(p + 16, want, 4) != 0) {
            char cs[5];
            for (int i = 0; i < 4; i++)
                cs[i] = p[16 + i] >= 0x20 && p[16 + i] < 0x7f ? (char)p[16 + i]
                                                              : '?';
            cs[4] = 0;
            h->log(ctx, UH_LOG_WARN,
                   "%s: the ICC profile is for colour space '%s', the JPEG "
                   "is %s; not written",
                   st->path, cs, st->out_ch == 1 ? "grey" : "RGB");
        } else if (ni > JPGSAVE_ICC_MAX)
            h->log(ctx, UH_LOG_WARN,
                   "%s: the ICC profile has %zu bytes; a JPEG holds at most "
                   "%u (255 chunks of %u); not written",
                   st->path, ni, JPGSAVE_ICC_MAX, JPGSAVE_ICC_CHUNK);
        else {
            st->icc = p;
            st->icc_size = ni;
        }
    }
}

/* Writes the APP1 EXIF marker and the APP2 ICC chunks; libjpeg puts them
 * after SOI and the JFIF APP0 it wrote in jpeg_start_compress(). */
static void jpgsave_write_metadata(jpgsave *st)
{
    struct jpeg_compress_struct *c = &st->c;
    if (st->exif)
        jpeg_write_marker(c, JPEG_APP0 + 1, st->exif, (unsigned)st->exif_size);
    if (!st->icc)
        return;
    static const char sig[12] = "ICC_PROFILE"; /* with its NUL */
    unsigned chunks =
        (unsigned)((st->icc_size + JPGSAVE_ICC_CHUNK - 1) / JPGSAVE_ICC_CHUNK);
    for (unsigned k = 0; k < chunks; k++) {
        size_t at = (size_t)k * JPGSAVE_ICC_CHUNK;
        size_t n = st->icc_size - at;
        if (n > JPGSAVE_ICC_CHUNK)
            n = JPGSAVE_ICC_CHUNK;
        jpeg_write_m_header(c, JPEG_APP0 + 2, (unsigned)(n + sizeof(sig) + 2));
        for (size_t i = 0; i < sizeof(sig); i++)
            jpeg_write_m_byte(c, sig[i]);
        jpeg_write_m_byte(c, (int)(k + 1));
        jpeg_write_m_byte(c, (int)chunks);
        for (size_t i = 0; i < n; i++)
            jpeg_write_m_byte(c, st->icc[at + i]);
    }
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */

static uh_status jpgsave_begin(jpgsave *st, uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    st->buf = h->alloc(ctx, JPGSAVE_BUF, 0, UH_LIFE_NODE);
    if (!st->buf)
        return h->last_status(ctx);
    st->row_size = (size_t)st->in.width * st->out_ch;
    st->row = h->alloc(ctx, st->row_size, 0, UH_LIFE_NODE);
    if (!st->row)
        return h->last_status(ctx);
    if (st->in.space == UH_SPACE_LINEAR && st->in.sample != UH_SAMPLE_F32) {
        st->lut = h->alloc(ctx, JPGSAVE_LUT_SIZE, 0, UH_LIFE_NODE);
        if (!st->lut)
            return h->last_status(ctx);
        for (uint32_t i = 0; i < JPGSAVE_LUT_SIZE; i++)
            st->lut[i] = jpgsave_f32((float)(i / 65535.0), 1);
    }
    uh_status s = h->file_open_write(ctx, st->path, &st->file);
    if (s != UH_OK)
        return s;

    struct jpeg_compress_struct *c = &st->c;
    jpeg_create_compress(c);
    st->created = 1;
    jpg_created((j_common_ptr)c);
    st->dst.init_destination = jpgsave_init_dest;
    st->dst.empty_output_buffer = jpgsave_empty;
    st->dst.term_destination = jpgsave_term_dest;
    c->dest = &st->dst;
    c->image_width = st->in.width;
    c->image_height = st->in.height;
    c->input_components = (int)st->out_ch;
    c->in_color_space = st->out_ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(c);
    jpeg_set_quality(c, st->quality, TRUE);
    if (st->out_ch == 3) {
        int sub = st->subsampling;
        if (sub == JPGSAVE_AUTO)
            sub = st->quality < 90 ? JPGSAVE_420 : JPGSAVE_444;
        c->comp_info[0].h_samp_factor = sub == JPGSAVE_444 ? 1 : 2;
        c->comp_info[0].v_samp_factor = sub == JPGSAVE_420 ? 2 : 1;
        for (int i = 1; i < 3; i++)
            c->comp_info[i].h_samp_factor = c->comp_info[i].v_samp_factor = 1;
    }
    if (st->progressive)
        jpeg_simple_progression(c);
    c->optimize_coding = st->optimize ? TRUE : FALSE;
    c->write_JFIF_header = st->strip ? FALSE : TRUE;
    jpeg_start_compress(c, TRUE);
    jpgsave_write_metadata(st);
    return UH_OK;
}

static uh_status jpgsave_band(jpgsave *st, uh_ctx *ctx, uh_rows *band)
{
    const uh_host *h = jpg_host;
    if (band->y != st->next_row || band->n == 0 ||
        band->n > st->in.height - band->y)
        return h->fail(ctx, UH_EINTERNAL,
                       "rows %u..%u given, expected row %u next", band->y,
                       band->y + band->n, st->next_row);
    if (!st->created) {
        uh_status s = jpgsave_begin(st, ctx);
        if (s != UH_OK)
            return s;
    }
    uh_rows in;
    uh_status s = h->input_rows(ctx, JPGSAVE_IN_IMAGE, band->y, band->n, &in);
    if (s != UH_OK)
        return s;
    for (uint32_t i = 0; i < band->n; i++) {
        jpgsave_convert(st, in.data + (size_t)i * in.stride, st->row);
        JSAMPROW r = st->row;
        (void)jpeg_write_scanlines(&st->c, &r, 1);
    }
    st->next_row += band->n;
    if (st->next_row == st->in.height) {
        jpeg_finish_compress(&st->c);
        st->finished = 1;
        uh_file *f = st->file;
        st->file = NULL;
        s = h->file_close(ctx, f);
        if (s != UH_OK)
            return s;
    }
    if (h->progress(ctx, (double)st->next_row / st->in.height))
        return h->fail(ctx, UH_ECANCELED, "%s: canceled", st->path);
    return UH_OK;
}

static uh_status jpgsave_guard(jpgsave *st, uh_ctx *ctx, uh_rows *band)
{
    st->err.ctx = ctx;
    if (setjmp(st->err.jmp) != 0)
        return jpg_host->fail(ctx, st->err.status, "%s", st->err.msg);
    return jpgsave_band(st, ctx, band);
}

/* ------------------------------------------------------------------------ */
/* Node callbacks                                                           */

static uh_status jpgsave_prepare(uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    const uh_image_info *in = h->input_info(ctx, 0, 0);
    if (!in)
        return h->fail(ctx, UH_EINVAL, "no input image");
    if (in->channels < 1 || in->channels > 4 || uh_sample_size(in->sample) == 0)
        return h->fail(ctx, UH_EINVAL,
                       "input has %u channels of sample type %u; jpeg.save "
                       "takes 1-4 channels of u8, u16 or f32",
                       in->channels, in->sample);
    const char *path = uh_param_str(h, ctx, "path");
    if (in->width > JPGSAVE_MAX_SIDE || in->height > JPGSAVE_MAX_SIDE)
        return h->fail(ctx, UH_ELIMIT,
                       "%s: the image is %ux%u; a JPEG holds at most %u "
                       "pixels per side",
                       path, in->width, in->height, JPGSAVE_MAX_SIDE);
    jpgsave *st = h->alloc(ctx, sizeof(*st), 0, UH_LIFE_NODE);
    if (!st)
        return h->last_status(ctx);
    memset(st, 0, sizeof(*st));
    st->path = path;
    st->in = *in;
    st->out_ch = in->channels >= 3 ? 3 : 1;
    st->quality = (int)uh_param_int(h, ctx, "quality");
    st->subsampling = (int)uh_param_int(h, ctx, "subsampling");
    st->progressive = uh_param_int(h, ctx, "progressive") != 0;
    st->optimize = uh_param_int(h, ctx, "optimize") != 0;
    st->strip = uh_param_int(h, ctx, "strip") != 0;
    st->c.err = jpgerr_init(&st->err, st->path, st, 0xFFFFFFFFu);
    jpgsave_metadata(st, ctx);
    if (in->channels == 2 || in->channels == 4)
        h->log(ctx, UH_LOG_INFO, "%s: JPEG has no alpha; alpha dropped%s", path,
               in->flags & UH_IMAGE_PREMULTIPLIED
                   ? " (premultiplied: as if flattened on black)"
                   : "");
    h->set_user(ctx, st);
    return UH_OK;
}

static uh_status jpgsave_start(uh_ctx *ctx, void **seq)
{
    (void)ctx;
    *seq = NULL;
    return UH_OK;
}

static uh_status jpgsave_rows(uh_ctx *ctx, void *seq, uh_rows *band)
{
    (void)seq;
    return jpgsave_guard(jpg_host->get_user(ctx), ctx, band);
}

static void jpgsave_stop(uh_ctx *ctx, void *seq)
{
    (void)ctx;
    (void)seq;
}

static void jpgsave_cleanup(uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    jpgsave *st = h->get_user(ctx);
    if (!st)
        return;
    st->err.ctx = ctx; /* libjpeg's pools are freed through it */
    if (st->created)
        jpeg_destroy_compress(&st->c);
    if (st->file) /* failed part-way: the host drops the temp file */
        (void)h->file_close(ctx, st->file);
    h->free(ctx, st->buf, JPGSAVE_BUF);
    h->free(ctx, st->row, st->row_size);
    h->free(ctx, st->lut, JPGSAVE_LUT_SIZE);
    h->free(ctx, st, sizeof(*st));
    h->set_user(ctx, NULL);
}

const uh_node_type jpgsave_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "jpeg.save",
    .summary = "Write a JPEG file (baseline or progressive, 8-bit grey or RGB)",
    .threading = UH_THREADS_INSTANCE,
    .inputs = jpgsave_inputs,
    .params = jpgsave_params,
    .prepare = jpgsave_prepare,
    .start = jpgsave_start,
    .rows = jpgsave_rows,
    .stop = jpgsave_stop,
    .strip_flags = UH_STRIP_SEQUENTIAL,
    .cleanup = jpgsave_cleanup,
};
