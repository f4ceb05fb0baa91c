/* jpeg.load: a JPEG file as a stream of rows, decoded by libjpeg-turbo. */
#include "jpg.h"

#include <jerror.h>
#include <string.h>

/* Bytes read from the file per file_read() call. */
#define JPGLOAD_BUF (64 * 1024)

/* Largest APP1 payload (a marker length is 16 bits, minus itself). */
#define JPGLOAD_APP1_MAX 65533

/* An APP2 ICC chunk: "ICC_PROFILE\0", sequence number (1-based), chunk
 * count, then the profile bytes. */
#define JPGLOAD_ICC_SIG     "ICC_PROFILE"
#define JPGLOAD_ICC_SIG_LEN 12 /* with its NUL */
#define JPGLOAD_ICC_HEAD    14
#define JPGLOAD_ICC_DEFAULT (16.0 * 1024 * 1024) /* max_icc_bytes */

/* One received chunk of the ICC profile, indexed by sequence number. */
typedef struct jpgload_icc_chunk {
    uint8_t *data; /* `size` bytes, NULL when size is 0 */
    uint32_t size;
    int present;
} jpgload_icc_chunk;

/* Where the decoder is; says what a premature end of file truncated. */
enum {
    JPGLOAD_HEADER = 0, /* jpeg_read_header() */
    JPGLOAD_SCANS = 1,  /* jpeg_start_decompress(): multi-scan files */
    JPGLOAD_ROWS = 2,   /* jpeg_read_scanlines() */
    JPGLOAD_FINISH = 3, /* all rows out; reading up to EOI */
};

typedef struct jpgload {
    struct jpeg_decompress_struct d;
    jpgerr err;
    struct jpeg_source_mgr src;
    struct jpeg_progress_mgr prog;
    const char *path;
    uh_file *file;
    JOCTET *buf;        /* JPGLOAD_BUF bytes, the source buffer */
    uint64_t file_size; /* for messages */
    uint64_t consumed;  /* bytes handed to libjpeg so far */
    int created;        /* jpeg_create_decompress() done */
    int phase;          /* JPGLOAD_* */
    int eof_hit;        /* the file ended; a fake EOI was given to libjpeg */
    uint32_t max_scans;

    uint8_t *app1;       /* JPGLOAD_APP1_MAX bytes once an APP1 is seen */
    int exif_seen;       /* the first EXIF block was parsed */
    size_t exif_size;    /* its payload bytes in app1 */
    jpgexif_result exif; /* what was found in it */
    int orientation;
    int header_done; /* markers after this are not metadata */

    /* The ICC profile, chunk by chunk, as the APP2 markers arrive. */
    jpgload_icc_chunk icc[256];
    uint32_t icc_chunks; /* the chunk count the first chunk gave, or 0 */
    uint64_t icc_total;  /* bytes received */
    uint64_t max_icc;    /* max_icc_bytes */
    int icc_dropped;     /* inconsistent or too large: no profile */

    uint32_t dw, dh;   /* decoded size, before any rotation */
    uint32_t ow, oh;   /* output size */
    uint32_t channels; /* output channels: 1 or 3 */
    int cmyk;          /* decoded as CMYK, converted to RGB */
    int inverted;      /* CMYK stored inverted (Adobe APP14) */
    int rotate;        /* orientation 3..8: the whole image is decoded */
    int started;       /* jpeg_start_decompress() done */
    uint32_t next_row; /* the output row rows() must ask for next */
    uint8_t *cmyk_row; /* dw * 4 bytes */
    uint8_t *whole;    /* dw * dh * channels bytes when rotating */
    size_t whole_size;
} jpgload;

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */

static const uh_param_desc jpgload_p_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_INPUT_FILE,
    .doc = "JPEG file to read",
};
static const uh_param_desc jpgload_p_shrink = {
    .struct_size = sizeof(uh_param_desc),
    .name = "shrink",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 1,
    .min = 1,
    .max = 8,
    .doc = "decode at 1/shrink size by DCT scaling: 1, 2, 4 or 8",
};
static const uh_param_desc jpgload_p_fit_width = {
    .struct_size = sizeof(uh_param_desc),
    .name = "fit_width",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 65535,
    .doc = "width of the box the image will be fitted in (0 = none); with "
           "shrink 1, picks the largest DCT shrink that keeps the image at "
           "least twice the box",
};
static const uh_param_desc jpgload_p_fit_height = {
    .struct_size = sizeof(uh_param_desc),
    .name = "fit_height",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 65535,
    .doc = "height of that box (0 = none); see fit_width",
};
static const uh_param_desc jpgload_p_autorotate = {
    .struct_size = sizeof(uh_param_desc),
    .name = "autorotate",
    .type = UH_PARAM_BOOL,
    .def = 1,
    .doc = "apply the EXIF orientation (3-8 decode the whole image first)",
};
static const uh_param_desc jpgload_p_max_dimension = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_dimension",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 65535,
    .min = 1,
    .max = 65535,
    .doc = "largest width or height accepted, checked on the header",
};
static const uh_param_desc jpgload_p_max_pixels = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_pixels",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 1e9,
    .min = 1,
    .max = 4294836225.0, /* 65535 * 65535 */
    .doc = "largest width x height accepted, checked on the header",
};
static const uh_param_desc jpgload_p_max_scans = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_scans",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 1000,
    .min = 1,
    .max = 1e6,
    .doc = "most scans (progressive passes) accepted",
};
static const uh_param_desc jpgload_p_max_warnings = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_warnings",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 100,
    .min = 0,
    .max = 1e9,
    .doc = "libjpeg corrupt-data warnings tolerated; one more fails (0: fail "
           "on the first)",
};
static const uh_param_desc jpgload_p_max_memory = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_memory_mib",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 2048,
    .min = 1,
    .max = 1048576,
    .doc = "libjpeg working memory cap in MiB (the coefficient buffer of "
           "progressive files)",
};
static const uh_param_desc jpgload_p_max_icc = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_icc_bytes",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = JPGLOAD_ICC_DEFAULT,
    .min = 0,
    .max = JPGLOAD_ICC_DEFAULT,
    .doc = "largest ICC profile kept for the icc output, in bytes; a larger "
           "one is dropped with a warning (0: keep none)",
};
static const uh_param_desc *const jpgload_params[] = {
    &jpgload_p_path,       &jpgload_p_shrink,     &jpgload_p_fit_width,
    &jpgload_p_fit_height, &jpgload_p_autorotate, &jpgload_p_max_dimension,
    &jpgload_p_max_pixels, &jpgload_p_max_scans,  &jpgload_p_max_warnings,
    &jpgload_p_max_memory, &jpgload_p_max_icc,    NULL,
};

static const uh_port_desc jpgload_out_image = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the decoded image: 8-bit grey or RGB, sRGB",
};
static const uh_port_desc jpgload_out_exif = {
    .struct_size = sizeof(uh_port_desc),
    .name = "exif",
    .type = UH_PORT_BLOB,
    .doc = "the first APP1 EXIF payload (\"Exif\\0\\0\" + TIFF), Orientation "
           "set to 1 when autorotate applied it; empty when none",
};
static const uh_port_desc jpgload_out_icc = {
    .struct_size = sizeof(uh_port_desc),
    .name = "icc",
    .type = UH_PORT_BLOB,
    .doc = "the ICC profile from the APP2 chunks, reassembled; empty when "
           "none, inconsistent, over max_icc_bytes, or CMYK",
};
enum { JPGLOAD_OUT_IMAGE = 0, JPGLOAD_OUT_EXIF = 1, JPGLOAD_OUT_ICC = 2 };
static const uh_port_desc *const jpgload_outputs[] = {
    &jpgload_out_image, &jpgload_out_exif, &jpgload_out_icc, NULL};

/* ------------------------------------------------------------------------ */
/* The source manager: bytes come from host->file_read                      */

static jpgload *jpgload_of(j_decompress_ptr d)
{
    return (jpgload *)((jpgerr *)d->err)->owner;
}

/* Refills the buffer. Never suspends: returns TRUE or longjmps. An end of
 * file in the header is an error; later it is answered with a fake EOI, and
 * only if the decoder then lacks data (it warns) is the file truncated. */
static boolean jpgload_fill(j_decompress_ptr d)
{
    jpgload *st = jpgload_of(d);
    const uh_host *h = jpg_host;
    size_t got = 0;
    uh_status s =
        h->file_read(st->err.ctx, st->file, st->buf, JPGLOAD_BUF, &got);
    if (s != UH_OK)
        jpgerr_raise(&st->err, s, "%s: read failed after %llu bytes", st->path,
                     (unsigned long long)st->consumed);
    if (got == 0) {
        if (st->phase == JPGLOAD_HEADER)
            jpgerr_raise(&st->err, UH_ECORRUPT,
                         "%s: truncated: the file ends after %llu bytes, in "
                         "the header",
                         st->path, (unsigned long long)st->consumed);
        /* End the stream with a fake EOI. If the entropy decoder then
         * runs out of data it warns, and jpgload_warn_hook reports the
         * truncation; a file that only lacks its EOI decodes fine. */
        st->eof_hit = 1;
        static const JOCTET eoi[2] = {0xFF, JPEG_EOI};
        d->src->next_input_byte = eoi;
        d->src->bytes_in_buffer = 2;
        return TRUE;
    }
    st->consumed += got;
    d->src->next_input_byte = st->buf;
    d->src->bytes_in_buffer = got;
    return TRUE;
}

static void jpgload_init_source(j_decompress_ptr d)
{
    (void)d;
}

static void jpgload_term_source(j_decompress_ptr d)
{
    (void)d;
}

static void jpgload_skip(j_decompress_ptr d, long n)
{
    struct jpeg_source_mgr *src = d->src;
    if (n <= 0)
        return;
    while ((size_t)n > src->bytes_in_buffer) {
        n -= (long)src->bytes_in_buffer;
        src->bytes_in_buffer = 0;
        (void)jpgload_fill(d);
    }
    src->next_input_byte += n;
    src->bytes_in_buffer -= (size_t)n;
}

static unsigned jpgload_byte(j_decompress_ptr d)
{
    struct jpeg_source_mgr *src = d->src;
    if (src->bytes_in_buffer == 0)
        (void)jpgload_fill(d);
    src->bytes_in_buffer--;
    return *src->next_input_byte++;
}

/* Copies the next `n` bytes of the stream to `dst`. */
static void jpgload_bytes(j_decompress_ptr d, uint8_t *dst, size_t n)
{
    struct jpeg_source_mgr *src = d->src;
    while (n > 0) {
        if (src->bytes_in_buffer == 0)
            (void)jpgload_fill(d);
        size_t k = src->bytes_in_buffer < n ? src->bytes_in_buffer : n;
        memcpy(dst, src->next_input_byte, k);
        src->next_input_byte += k;
        src->bytes_in_buffer -= k;
        dst += k;
        n -= k;
    }
}

/* A warning after the end of the file, before the last row was out: the
 * decoder lacked data, so the file is truncated. */
static void jpgload_warn_hook(jpgerr *e)
{
    jpgload *st = e->owner;
    struct jpeg_decompress_struct *d = &st->d;
    if (!st->eof_hit || st->phase == JPGLOAD_FINISH)
        return;
    if (st->phase == JPGLOAD_SCANS)
        jpgerr_raise(e, UH_ECORRUPT,
                     "%s: truncated: the file ends after %llu bytes, in "
                     "scan %d",
                     st->path, (unsigned long long)st->consumed,
                     d->input_scan_number);
    jpgerr_raise(e, UH_ECORRUPT,
                 "%s: truncated: the file ends after %llu bytes, at row %u "
                 "of %u",
                 st->path, (unsigned long long)st->consumed, d->output_scanline,
                 d->output_height);
}

/* ------------------------------------------------------------------------ */
/* Markers and progress                                                     */

/* APP1 marker processor: keeps the first EXIF block (for the exif output)
 * and parses it for its orientation, skips every other APP1 (XMP, repeats,
 * and any APP1 after the first scan began, when the output geometry is
 * already declared). Memory: one 64 KiB buffer. */
static boolean jpgload_app1(j_decompress_ptr d)
{
    jpgload *st = jpgload_of(d);
    const uh_host *h = jpg_host;
    unsigned len = jpgload_byte(d) << 8;
    len |= jpgload_byte(d);
    if (len < 2)
        jpgerr_raise(&st->err, UH_ECORRUPT, "%s: APP1 marker length %u",
                     st->path, len);
    len -= 2;
    if (st->exif_seen || st->header_done || len < 6) {
        jpgload_skip(d, (long)len);
        return TRUE;
    }
    if (!st->app1) {
        st->app1 = h->alloc(st->err.ctx, JPGLOAD_APP1_MAX, 0, UH_LIFE_NODE);
        if (!st->app1)
            jpgerr_raise(&st->err, h->last_status(st->err.ctx),
                         "%s: no memory for the APP1 marker", st->path);
    }
    jpgload_bytes(d, st->app1, len);
    if (memcmp(st->app1, "Exif\0\0", 6) != 0)
        return TRUE; /* XMP or another APP1 */
    st->exif_seen = 1;
    st->exif_size = len;
    jpgexif_result *rp = &st->exif;
    jpgexif_orientation(st->app1, len, rp);
    const jpgexif_result r = *rp;
    if (r.error)
        h->log(st->err.ctx, UH_LOG_WARN, "%s: EXIF ignored: %s", st->path,
               r.error);
    else if (r.found && !r.valid)
        h->log(st->err.ctx, UH_LOG_WARN,
               "%s: EXIF orientation %ld is not in 1-8; ignored", st->path,
               r.bad_value);
    st->orientation = r.orientation;
    return TRUE;
}

/* Frees every ICC chunk received so far. */
static void jpgload_icc_free(jpgload *st, uh_ctx *ctx)
{
    for (uint32_t i = 0; i < 256; i++) {
        jpg_host->free(ctx, st->icc[i].data, st->icc[i].size);
        st->icc[i] = (jpgload_icc_chunk){0};
    }
}

/* Gives up on the ICC profile: no icc output, one warning. */
static void jpgload_icc_drop(jpgload *st, const char *why)
{
    jpg_host->log(st->err.ctx, UH_LOG_WARN, "%s: ICC profile ignored: %s",
                  st->path, why);
    jpgload_icc_free(st, st->err.ctx);
    st->icc_dropped = 1;
}

/* APP2 marker processor: collects the chunks of an ICC profile (any
 * order), checking that they agree: one chunk count for all, sequence
 * numbers in 1..count, none twice, and at most max_icc_bytes in all.
 * Everything else in APP2 (FlashPix, MPF) is skipped unread. */
static boolean jpgload_app2(j_decompress_ptr d)
{
    jpgload *st = jpgload_of(d);
    const uh_host *h = jpg_host;
    unsigned len = jpgload_byte(d) << 8;
    len |= jpgload_byte(d);
    if (len < 2)
        jpgerr_raise(&st->err, UH_ECORRUPT, "%s: APP2 marker length %u",
                     st->path, len);
    len -= 2;
    uint8_t head[JPGLOAD_ICC_HEAD];
    char why[128];
    if (st->header_done || len < JPGLOAD_ICC_SIG_LEN) {
        jpgload_skip(d, (long)len);
        return TRUE;
    }
    jpgload_bytes(d, head, JPGLOAD_ICC_SIG_LEN);
    len -= JPGLOAD_ICC_SIG_LEN;
    if (memcmp(head, JPGLOAD_ICC_SIG, JPGLOAD_ICC_SIG_LEN) != 0 ||
        st->icc_dropped || st->max_icc == 0) {
        jpgload_skip(d, (long)len);
        return TRUE;
    }
    if (len < 2) {
        jpgload_skip(d, (long)len);
        jpgload_icc_drop(st, "an APP2 ICC chunk has no sequence number");
        return TRUE;
    }
    unsigned seq = jpgload_byte(d), count = jpgload_byte(d);
    len -= 2;
    if (count == 0 || seq == 0 || seq > count) {
        jpgload_skip(d, (long)len);
        snprintf(why, sizeof(why), "chunk number %u of %u", seq, count);
        jpgload_icc_drop(st, why);
        return TRUE;
    }
    if (st->icc_chunks != 0 && count != st->icc_chunks) {
        jpgload_skip(d, (long)len);
        snprintf(why, sizeof(why),
                 "the chunks disagree on their count (%u, then %u)",
                 st->icc_chunks, count);
        jpgload_icc_drop(st, why);
        return TRUE;
    }
    if (st->icc[seq].present) {
        jpgload_skip(d, (long)len);
        snprintf(why, sizeof(why), "chunk %u of %u appears twice", seq, count);
        jpgload_icc_drop(st, why);
        return TRUE;
    }
    if (st->icc_total + len > st->max_icc) {
        jpgload_skip(d, (long)len);
        snprintf(why, sizeof(why),
                 "more than %llu bytes (max_icc_bytes) in its chunks",
                 (unsigned long long)st->max_icc);
        jpgload_icc_drop(st, why);
        return TRUE;
    }
    st->icc_chunks = count;
    jpgload_icc_chunk *c = &st->icc[seq];
    if (len > 0) {
        c->data = h->alloc(st->err.ctx, len, 0, UH_LIFE_NODE);
        if (!c->data)
            jpgerr_raise(&st->err, h->last_status(st->err.ctx),
                         "%s: no memory for the ICC profile", st->path);
        c->size = len;
        jpgload_bytes(d, c->data, len);
    }
    c->present = 1;
    st->icc_total += len;
    return TRUE;
}

/* Called by libjpeg once per iMCU row while it reads scans and rows: the
 * scan cap (so a file of thousands of scans stops after max_scans of them)
 * and cancellation. */
static void jpgload_progress(j_common_ptr c)
{
    j_decompress_ptr d = (j_decompress_ptr)c;
    jpgload *st = jpgload_of(d);
    if (d->input_scan_number > (int)st->max_scans)
        jpgerr_raise(&st->err, UH_ELIMIT, "%s: more than %u scans (max_scans)",
                     st->path, st->max_scans);
    if (jpg_host->is_canceled(st->err.ctx))
        jpgerr_raise(&st->err, UH_ECANCELED, "%s: canceled", st->path);
}

/* ------------------------------------------------------------------------ */
/* prepare                                                                  */

/* What the first bytes of a file that is not a JPEG look like. */
static const char *jpgload_sniff(const uint8_t *b, size_t n)
{
    if (n >= 4 && memcmp(b, "\x89PNG", 4) == 0)
        return "a PNG";
    if (n >= 4 && memcmp(b, "GIF8", 4) == 0)
        return "a GIF";
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "a WebP";
    if (n >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
        return "a TIFF";
    if (n >= 2 && b[0] == 'B' && b[1] == 'M')
        return "a BMP";
    if (n >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7')
        return "a PNM";
    if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0)
        return "an ISO media file (HEIF/AVIF/MP4)";
    if (n >= 1 && b[0] == '<')
        return "SVG/XML/HTML text";
    if (n >= 1 && (b[0] == '{' || b[0] == '['))
        return "JSON text";
    return NULL;
}

/* Shrink-on-load for a fit box: the largest DCT shrink in {8, 4, 2, 1}
 * that leaves the image, fitted inside the box, still to be reduced by at
 * least 2 (libvips' rule: block-shrink to no less than twice the target,
 * then filter). `bw` x `bh` is the box in output (rotated) axes; 0 leaves
 * an axis free. `w` x `h` is the stored image; `swap` (EXIF orientations
 * 5-8) says the stored width becomes the output height. Returns 1 when
 * neither side of the box is given. */
static int jpgload_fit_shrink(uint32_t w, uint32_t h, uint32_t bw, uint32_t bh,
                              int swap)
{
    if (swap) {
        uint32_t t = bw;
        bw = bh;
        bh = t;
    }
    if (bw == 0 && bh == 0)
        return 1;
    for (int s = 8; s > 1; s /= 2) {
        /* libjpeg's scaled size: ceil(side / s). */
        uint64_t sw = ((uint64_t)w + (uint64_t)s - 1) / (uint64_t)s;
        uint64_t sh = ((uint64_t)h + (uint64_t)s - 1) / (uint64_t)s;
        if ((bw && sw >= 2 * (uint64_t)bw) || (bh && sh >= 2 * (uint64_t)bh))
            return s;
    }
    return 1;
}

/* After the header: the exif and icc outputs, both always set (empty
 * blobs when there is nothing to pass on). */
static uh_status jpgload_metadata(jpgload *st, uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    uh_value v = {.type = UH_PORT_BLOB};
    if (st->exif_seen) {
        /* The pixels are turned upright: say so, or a viewer that reads
         * the saved EXIF turns them again. */
        if (st->orientation != 1)
            (void)jpgexif_set_orientation(st->app1, st->exif_size, &st->exif,
                                          1);
        v.count = (uint32_t)st->exif_size;
        v.bytes = st->app1;
    }
    uh_status s = h->set_output_value(ctx, JPGLOAD_OUT_EXIF, &v);
    if (s != UH_OK)
        return s;

    for (uint32_t k = 1; !st->icc_dropped && k <= st->icc_chunks; k++)
        if (!st->icc[k].present) {
            char why[64];
            snprintf(why, sizeof(why), "chunk %u of %u is missing", k,
                     st->icc_chunks);
            jpgload_icc_drop(st, why);
        }
    uint8_t *icc = NULL;
    size_t icc_size = 0;
    if (!st->icc_dropped && st->icc_total > 0) {
        if (st->cmyk) {
            h->log(ctx, UH_LOG_INFO,
                   "%s: the ICC profile describes CMYK, converted to RGB "
                   "without it; not passed on",
                   st->path);
        } else {
            icc_size = (size_t)st->icc_total;
            icc = h->alloc(ctx, icc_size, 0, UH_LIFE_TEMP);
            if (!icc) {
                jpgload_icc_free(st, ctx);
                return h->last_status(ctx);
            }
            size_t at = 0;
            for (uint32_t k = 1; k <= st->icc_chunks; k++) {
                if (st->icc[k].size)
                    memcpy(icc + at, st->icc[k].data, st->icc[k].size);
                at += st->icc[k].size;
            }
        }
    }
    jpgload_icc_free(st, ctx);
    v.count = (uint32_t)icc_size;
    v.bytes = icc;
    s = h->set_output_value(ctx, JPGLOAD_OUT_ICC, &v);
    h->free(ctx, icc, icc_size);
    return s;
}

static uh_status jpgload_open(jpgload *st, uh_ctx *ctx, uh_rows *unused)
{
    const uh_host *h = jpg_host;
    (void)unused;
    int64_t shrink = uh_param_int(h, ctx, "shrink");
    if (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8)
        return h->fail(ctx, UH_EINVAL,
                       "shrink is %lld; it must be 1, 2, 4 or 8",
                       (long long)shrink);
    uint32_t fit_w = (uint32_t)uh_param_int(h, ctx, "fit_width");
    uint32_t fit_h = (uint32_t)uh_param_int(h, ctx, "fit_height");
    int autorotate = uh_param_int(h, ctx, "autorotate") != 0;
    int64_t max_dim = uh_param_int(h, ctx, "max_dimension");
    int64_t max_pixels = uh_param_int(h, ctx, "max_pixels");
    int64_t max_mib = uh_param_int(h, ctx, "max_memory_mib");
    st->max_scans = (uint32_t)uh_param_int(h, ctx, "max_scans");
    st->max_icc = (uint64_t)uh_param_int(h, ctx, "max_icc_bytes");

    uh_status s = h->file_open_read(ctx, st->path, &st->file);
    if (s != UH_OK)
        return s;
    st->file_size = h->file_size(ctx, st->file);
    st->buf = h->alloc(ctx, JPGLOAD_BUF, 0, UH_LIFE_NODE);
    if (!st->buf)
        return h->last_status(ctx);

    jpeg_create_decompress(&st->d);
    st->created = 1;
    jpg_created((j_common_ptr)&st->d);
    st->d.mem->max_memory_to_use = (long)(max_mib * 1024 * 1024);
    st->src.init_source = jpgload_init_source;
    st->src.fill_input_buffer = jpgload_fill;
    st->src.skip_input_data = jpgload_skip;
    st->src.resync_to_restart = jpeg_resync_to_restart;
    st->src.term_source = jpgload_term_source;
    st->d.src = &st->src;
    st->prog.progress_monitor = jpgload_progress;
    st->d.progress = &st->prog;

    /* Look at the first bytes ourselves: a file that is not a JPEG gets a
     * message saying what it looks like, and is never decoded as
     * something else. */
    if (st->file_size == 0)
        return h->fail(ctx, UH_ECORRUPT, "%s: not a JPEG file (it is empty)",
                       st->path);
    (void)jpgload_fill(&st->d);
    const uint8_t *b = st->src.next_input_byte;
    size_t n = st->src.bytes_in_buffer;
    if (n < 2 || b[0] != 0xFF || b[1] != 0xD8) {
        const char *kind = jpgload_sniff(b, n);
        if (kind)
            return h->fail(ctx, UH_ECORRUPT,
                           "%s: not a JPEG file (starts like %s)", st->path,
                           kind);
        return h->fail(ctx, UH_ECORRUPT,
                       "%s: not a JPEG file (starts with 0x%02x 0x%02x)",
                       st->path, b[0], n > 1 ? b[1] : 0);
    }

    jpeg_set_marker_processor(&st->d, JPEG_APP0 + 1, jpgload_app1);
    jpeg_set_marker_processor(&st->d, JPEG_APP0 + 2, jpgload_app2);
    st->orientation = 1;
    st->phase = JPGLOAD_HEADER;
    (void)jpeg_read_header(&st->d, TRUE);
    st->header_done = 1;

    struct jpeg_decompress_struct *d = &st->d;
    if (d->image_width > max_dim || d->image_height > max_dim)
        return h->fail(
            ctx, UH_ELIMIT, "%s: image is %ux%u, over max_dimension = %lld",
            st->path, d->image_width, d->image_height, (long long)max_dim);
    uint64_t pixels = (uint64_t)d->image_width * d->image_height;
    if (pixels > (uint64_t)max_pixels)
        return h->fail(ctx, UH_ELIMIT,
                       "%s: image is %ux%u = %llu pixels, over max_pixels = "
                       "%lld",
                       st->path, d->image_width, d->image_height,
                       (unsigned long long)pixels, (long long)max_pixels);

    switch (d->jpeg_color_space) {
    case JCS_GRAYSCALE:
        d->out_color_space = JCS_GRAYSCALE;
        st->channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        d->out_color_space = JCS_RGB;
        st->channels = 3;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        d->out_color_space = JCS_CMYK;
        st->channels = 3;
        st->cmyk = 1;
        /* Adobe applications write CMYK inverted (255 = no ink) and mark
         * the file with APP14; others write plain CMYK. */
        st->inverted = d->saw_Adobe_marker;
        break;
    default:
        return h->fail(ctx, UH_EUNSUPPORTED,
                       "%s: unsupported colour space (%d components, no "
                       "known transform)",
                       st->path, d->num_components);
    }

    /* A multi-scan file (progressive, or sequential with one scan per
     * component) is buffered whole as DCT coefficients: 128 bytes per 8x8
     * block of each component. Check that before libjpeg allocates it. */
    if (jpeg_has_multiple_scans(d)) {
        uint64_t bytes = 0;
        for (int ci = 0; ci < d->num_components; ci++) {
            const jpeg_component_info *c = &d->comp_info[ci];
            uint64_t bw = c->width_in_blocks, bh = c->height_in_blocks;
            uint64_t hs = (uint64_t)c->h_samp_factor;
            uint64_t vs = (uint64_t)c->v_samp_factor;
            bw = (bw + hs - 1) / hs * hs;
            bh = (bh + vs - 1) / vs * vs;
            bytes += bw * bh * sizeof(JBLOCK);
        }
        uint64_t cap = (uint64_t)max_mib * 1024 * 1024;
        if (bytes > cap)
            return h->fail(ctx, UH_ELIMIT,
                           "%s: a %ux%u multi-scan JPEG needs %llu MiB of "
                           "coefficient memory, over max_memory_mib = %lld",
                           st->path, d->image_width, d->image_height,
                           (unsigned long long)((bytes + (1u << 20) - 1) >> 20),
                           (long long)max_mib);
    }

    if (!autorotate)
        st->orientation = 1;
    int swap = st->orientation >= 5;
    int fit = shrink == 1 && (fit_w || fit_h);
    if (fit)
        shrink = jpgload_fit_shrink(d->image_width, d->image_height, fit_w,
                                    fit_h, swap);
    d->scale_num = 1;
    d->scale_denom = (unsigned)shrink;
    jpeg_calc_output_dimensions(d);
    st->dw = d->output_width;
    st->dh = d->output_height;
    if (fit)
        h->log(ctx, UH_LOG_INFO,
               "%s: shrink-on-load %lld: %ux%u decoded as %ux%u for a fit box "
               "of %ux%u%s",
               st->path, (long long)shrink, d->image_width, d->image_height,
               st->dw, st->dh, fit_w, fit_h,
               swap ? " (EXIF orientation 5-8: box axes swapped)" : "");
    st->rotate = st->orientation >= 3;
    st->ow = swap ? st->dh : st->dw;
    st->oh = swap ? st->dw : st->dh;

    uh_image_info info = {
        .width = st->ow,
        .height = st->oh,
        .channels = st->channels,
        .sample = UH_SAMPLE_U8,
        .space = UH_SPACE_SRGB,
    };
    s = h->set_output(ctx, JPGLOAD_OUT_IMAGE, 0, &info);
    if (s != UH_OK)
        return s;
    return jpgload_metadata(st, ctx);
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                 */

/* CMYK to RGB without a colour profile: R = (1 - C)(1 - K) and so on. */
static void jpgload_cmyk(const jpgload *st, const uint8_t *in, uint8_t *out)
{
    for (uint32_t x = 0; x < st->dw; x++, in += 4, out += 3) {
        unsigned c = in[0], m = in[1], y = in[2], k = in[3];
        if (!st->inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        out[0] = (uint8_t)((c * k + 127) / 255);
        out[1] = (uint8_t)((m * k + 127) / 255);
        out[2] = (uint8_t)((y * k + 127) / 255);
    }
}

/* Decodes the next `n` rows of the image, as decoded (before rotation),
 * into rows at `dst` `stride` bytes apart. */
static void jpgload_read(jpgload *st, uint8_t *dst, size_t stride, uint32_t n)
{
    struct jpeg_decompress_struct *d = &st->d;
    while (n > 0) {
        if (st->cmyk) {
            JSAMPROW row = st->cmyk_row;
            if (jpeg_read_scanlines(d, &row, 1) != 1)
                jpgerr_raise(&st->err, UH_EINTERNAL,
                             "%s: libjpeg returned no row", st->path);
            jpgload_cmyk(st, st->cmyk_row, dst);
            dst += stride;
            n--;
            continue;
        }
        JSAMPROW rows[16];
        uint32_t k = n < 16 ? n : 16;
        for (uint32_t i = 0; i < k; i++)
            rows[i] = dst + (size_t)i * stride;
        JDIMENSION got = jpeg_read_scanlines(d, rows, k);
        if (got == 0)
            jpgerr_raise(&st->err, UH_EINTERNAL, "%s: libjpeg returned no row",
                         st->path);
        dst += (size_t)got * stride;
        n -= got;
    }
}

static void jpgload_mirror(uint8_t *row, uint32_t w, uint32_t ch)
{
    for (uint32_t a = 0, b = w - 1; a < b; a++, b--)
        for (uint32_t c = 0; c < ch; c++) {
            uint8_t t = row[a * ch + c];
            row[a * ch + c] = row[b * ch + c];
            row[b * ch + c] = t;
        }
}

/* Output row y of the rotated image, read from the whole decoded image.
 * EXIF orientation o maps output (x, y) to decoded (sx, sy), with the
 * decoded image W x H:
 *   3: (W-1-x, H-1-y)   4: (x, H-1-y)      5: (y, x)
 *   6: (y, H-1-x)       7: (W-1-y, H-1-x)  8: (W-1-y, x)  */
static void jpgload_rotated_row(const jpgload *st, uint32_t y, uint8_t *out)
{
    const uint32_t ch = st->channels, W = st->dw, H = st->dh;
    const ptrdiff_t rb = (ptrdiff_t)W * ch;
    const uint8_t *p;
    ptrdiff_t step;
    switch (st->orientation) {
    case 3:
        p = st->whole + (ptrdiff_t)(H - 1 - y) * rb + (ptrdiff_t)(W - 1) * ch;
        step = -(ptrdiff_t)ch;
        break;
    case 4:
        p = st->whole + (ptrdiff_t)(H - 1 - y) * rb;
        step = (ptrdiff_t)ch;
        break;
    case 5:
        p = st->whole + (ptrdiff_t)y * ch;
        step = rb;
        break;
    case 6:
        p = st->whole + (ptrdiff_t)(H - 1) * rb + (ptrdiff_t)y * ch;
        step = -rb;
        break;
    case 7:
        p = st->whole + (ptrdiff_t)(H - 1) * rb + (ptrdiff_t)(W - 1 - y) * ch;
        step = -rb;
        break;
    default: /* 8 */
        p = st->whole + (ptrdiff_t)(W - 1 - y) * ch;
        step = rb;
        break;
    }
    for (uint32_t x = 0; x < st->ow; x++, p += step, out += ch)
        memcpy(out, p, ch);
}

static uh_status jpgload_start_decode(jpgload *st, uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    struct jpeg_decompress_struct *d = &st->d;
    st->phase = JPGLOAD_SCANS;
    (void)jpeg_start_decompress(d);
    st->phase = JPGLOAD_ROWS;
    st->started = 1;
    if (d->output_width != st->dw || d->output_height != st->dh ||
        d->output_components != (st->cmyk ? 4 : (int)st->channels))
        return h->fail(ctx, UH_EINTERNAL,
                       "%s: libjpeg changed the output geometry", st->path);
    if (st->cmyk) {
        st->cmyk_row = h->alloc(ctx, (size_t)st->dw * 4, 0, UH_LIFE_NODE);
        if (!st->cmyk_row)
            return h->last_status(ctx);
    }
    if (!st->rotate)
        return UH_OK;
    /* Orientations 3-8 need rows from the whole image: decode it now. */
    size_t row = (size_t)st->dw * st->channels;
    if (!uh_mul_size(&st->whole_size, row, st->dh))
        return h->fail(ctx, UH_ELIMIT, "%s: image too large to rotate",
                       st->path);
    st->whole = h->alloc(ctx, st->whole_size, 0, UH_LIFE_NODE);
    if (!st->whole)
        return h->last_status(ctx);
    for (uint32_t y = 0; y < st->dh;) {
        uint32_t k = st->dh - y < 64 ? st->dh - y : 64;
        jpgload_read(st, st->whole + (size_t)y * row, row, k);
        y += k;
        if (h->progress(ctx, 0.9 * y / st->dh))
            return h->fail(ctx, UH_ECANCELED, "%s: canceled", st->path);
    }
    return UH_OK;
}

static uh_status jpgload_band(jpgload *st, uh_ctx *ctx, uh_rows *out)
{
    const uh_host *h = jpg_host;
    if (out->y != st->next_row || out->n == 0 || out->n > st->oh - out->y)
        return h->fail(ctx, UH_EINTERNAL,
                       "rows %u..%u asked for, expected row %u next", out->y,
                       out->y + out->n, st->next_row);
    if (!st->started) {
        uh_status s = jpgload_start_decode(st, ctx);
        if (s != UH_OK)
            return s;
    }
    if (st->rotate) {
        for (uint32_t i = 0; i < out->n; i++)
            jpgload_rotated_row(st, out->y + i, out->data + i * out->stride);
    } else {
        jpgload_read(st, out->data, out->stride, out->n);
        if (st->orientation == 2)
            for (uint32_t i = 0; i < out->n; i++)
                jpgload_mirror(out->data + i * out->stride, st->dw,
                               st->channels);
    }
    st->next_row += out->n;
    if (st->next_row == st->oh) {
        st->phase = JPGLOAD_FINISH;
        (void)jpeg_finish_decompress(&st->d);
        if (st->eof_hit)
            h->log(ctx, UH_LOG_WARN, "%s: no EOI marker at the end", st->path);
        if (st->whole) {
            h->free(ctx, st->whole, st->whole_size);
            st->whole = NULL;
        }
    }
    if (h->progress(ctx, (double)st->next_row / st->oh))
        return h->fail(ctx, UH_ECANCELED, "%s: canceled", st->path);
    return UH_OK;
}

/* Runs fn with libjpeg errors caught: a longjmp from libjpeg or from our
 * hooks lands here and becomes host->fail() on this call's ctx. */
static uh_status jpgload_guard(jpgload *st, uh_ctx *ctx,
                               uh_status (*fn)(jpgload *, uh_ctx *, uh_rows *),
                               uh_rows *out)
{
    st->err.ctx = ctx;
    if (setjmp(st->err.jmp) != 0)
        return jpg_host->fail(ctx, st->err.status, "%s", st->err.msg);
    return fn(st, ctx, out);
}

/* ------------------------------------------------------------------------ */
/* Node callbacks                                                           */

static void jpgload_release(jpgload *st, uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    st->err.ctx = ctx; /* libjpeg's pools are freed through it */
    if (st->created)
        jpeg_destroy_decompress(&st->d);
    if (st->file)
        (void)h->file_close(ctx, st->file);
    if (st->err.warnings > 3)
        h->log(ctx, UH_LOG_WARN, "%s: %u libjpeg warnings in all", st->path,
               st->err.warnings);
    h->free(ctx, st->buf, JPGLOAD_BUF);
    h->free(ctx, st->app1, JPGLOAD_APP1_MAX);
    jpgload_icc_free(st, ctx);
    h->free(ctx, st->cmyk_row, (size_t)st->dw * 4);
    h->free(ctx, st->whole, st->whole_size);
    h->free(ctx, st, sizeof(*st));
}

static uh_status jpgload_prepare(uh_ctx *ctx)
{
    const uh_host *h = jpg_host;
    jpgload *st = h->alloc(ctx, sizeof(*st), 0, UH_LIFE_NODE);
    if (!st)
        return h->last_status(ctx);
    memset(st, 0, sizeof(*st));
    st->path = uh_param_str(h, ctx, "path");
    st->d.err = jpgerr_init(&st->err, st->path, st,
                            (uint32_t)uh_param_int(h, ctx, "max_warnings"));
    st->err.warn_hook = jpgload_warn_hook;
    uh_status s = jpgload_guard(st, ctx, jpgload_open, NULL);
    if (s != UH_OK) {
        jpgload_release(st, ctx);
        return s;
    }
    h->set_user(ctx, st);
    return UH_OK;
}

static uh_status jpgload_start(uh_ctx *ctx, void **seq)
{
    (void)ctx;
    *seq = NULL; /* all state is the node's: bands come one at a time */
    return UH_OK;
}

static uh_status jpgload_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    (void)seq;
    jpgload *st = jpg_host->get_user(ctx);
    return jpgload_guard(st, ctx, jpgload_band, out);
}

static void jpgload_stop(uh_ctx *ctx, void *seq)
{
    (void)ctx;
    (void)seq;
}

static void jpgload_cleanup(uh_ctx *ctx)
{
    jpgload *st = jpg_host->get_user(ctx);
    if (st)
        jpgload_release(st, ctx);
    jpg_host->set_user(ctx, NULL);
}

const uh_node_type jpgload_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "jpeg.load",
    .summary = "Read a JPEG file (8-bit grey or RGB; CMYK converted)",
    .threading = UH_THREADS_INSTANCE,
    .outputs = jpgload_outputs,
    .params = jpgload_params,
    .prepare = jpgload_prepare,
    .start = jpgload_start,
    .rows = jpgload_rows,
    .stop = jpgload_stop,
    .strip_flags = UH_STRIP_SEQUENTIAL,
    .cleanup = jpgload_cleanup,
};
