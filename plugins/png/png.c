/* The PNG codec: png.load, a row source, and png.save, a row sink. libpng
 * reads and writes the header and the chunks around the image; the image
 * data of the common layouts is read here (the own IDAT reader: ISA-L
 * inflate, unfilter.c) and, at compression 1-3, written by idatw.c (ISA-L
 * deflate); the rest goes through libpng and zlib. Every allocation goes
 * through the host's allocator, every byte through the host's files, and
 * libpng's setjmp/longjmp error handling stays inside the small pngsrc_try_
 * and pngdst_try_ functions of this file. */
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <uberhost/uh_sdk.h>

#include "idatw.h"
#include "unfilter.h"

static const uh_host *host;

/* ------------------------------------------------------------------------ */
/* Limits and sizes                                                         */

/* Defaults of png.load's limits. 262144 px per side is far above any real
 * image, keeps a row (at most 8 bytes per pixel) at 2 MiB, and lets a
 * 20000 x 15000 scan through; 1e9 pixels is 4 GB of 8-bit RGBA. */
#define PNGSRC_MAX_DIMENSION 262144
#define PNGSRC_MAX_PIXELS    1000000000
#define PNGSRC_MAX_CHUNK     (50.0 * 1024 * 1024) /* bytes of one chunk */
#define PNGSRC_MAX_CHUNKS    1000 /* ancillary chunks libpng keeps */
#define PNG_UINT31_MAX       0x7fffffffu

#define IO_BUF_SIZE  (64u << 10) /* file reads and writes go in 64 KiB */
#define SAVE_IN_ICC  1           /* png.save's input port of the ICC profile */
#define MSG_SIZE     256
#define PATH_SIZE    1024
#define WARN_LINES   10 /* libpng warnings logged per node, then a count */
#define ALLOC_PREFIX 16 /* bytes before each libpng block: its size */

static int little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* Copies `src` into a buffer of `cap` bytes, cut if longer (paths are kept
 * for messages only; files are opened with the parameter itself). */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ------------------------------------------------------------------------ */
/* State shared by both node types: the ctx of the running call, messages  */

/* The part of each node's state libpng's callbacks need. `ctx` is set at
 * the start of every callback into this plugin, so libpng's allocations
 * and warnings are charged to the call that triggers them. */
typedef struct pngio {
    uh_ctx *ctx;
    char path[PATH_SIZE];
    char msg[MSG_SIZE];    /* libpng's error message */
    int io_failed;         /* a host file call failed (host recorded why) */
    int truncated;         /* the input ended early */
    uint32_t warnings;     /* warnings seen (libpng's and png.load's own) */
    uint32_t max_warnings; /* one more fails png.load (max_warnings) */
    int warn_over;         /* that happened */
    char last_warning[MSG_SIZE];
} pngio;

static png_voidp pngio_malloc(png_structp png, png_alloc_size_t size)
{
    pngio *io = png_get_mem_ptr(png);
    if (size > SIZE_MAX - ALLOC_PREFIX)
        return NULL;
    uint8_t *p = host->alloc(io->ctx, size + ALLOC_PREFIX, 16, UH_LIFE_NODE);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof(size));
    return p + ALLOC_PREFIX;
}

static void pngio_free(png_structp png, png_voidp ptr)
{
    pngio *io = png_get_mem_ptr(png);
    if (!ptr)
        return;
    uint8_t *p = (uint8_t *)ptr - ALLOC_PREFIX;
    png_alloc_size_t size;
    memcpy(&size, p, sizeof(size));
    host->free(io->ctx, p, size + ALLOC_PREFIX);
}

/* libpng's error callback: keeps the message and unwinds to the pngsrc_try_
 * or pngdst_try_ function that called libpng. */
static void pngio_error(png_structp png, png_const_charp msg)
{
    pngio *io = png_get_error_ptr(png);
    copy_text(io->msg, sizeof(io->msg), msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

/* libpng's warning callback: the first WARN_LINES go to the log, the rest
 * are counted and reported once by pngio_warn_summary(). */
static void pngio_warning(png_structp png, png_const_charp msg)
{
    pngio *io = png_get_error_ptr(png);
    if (++io->warnings <= WARN_LINES)
        host->log(io->ctx, UH_LOG_WARN, "%s: libpng: %s", io->path,
                  msg ? msg : "warning");
    if (io->warnings > io->max_warnings) {
        /* One too many: unwind as for an error (png.load only; png.save
         * never sets a limit). */
        io->warn_over = 1;
        snprintf(io->last_warning, sizeof(io->last_warning), "libpng: %s",
                 msg ? msg : "warning");
        png_error(png, "too many warnings");
    }
}

/* A warning of the plugin's own PNG reader, counted with libpng's.
 * Returns 1 when it is one more than max_warnings (the caller fails). */
static int pngio_warnf(pngio *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int pngio_warnf(pngio *io, const char *fmt, ...)
{
    char msg[MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (++io->warnings <= WARN_LINES)
        host->log(io->ctx, UH_LOG_WARN, "%s: %s", io->path, msg);
    if (io->warnings <= io->max_warnings)
        return 0;
    io->warn_over = 1;
    copy_text(io->last_warning, sizeof(io->last_warning), msg);
    return 1;
}

static void pngio_warn_summary(pngio *io)
{
    if (io->warnings > WARN_LINES)
        host->log(io->ctx, UH_LOG_WARN, "%s: %u more PNG warnings", io->path,
                  io->warnings - WARN_LINES);
    io->warnings = 0;
}

/* Formats a 4-letter chunk type for messages ("IDAT"), or "?" when the
 * bytes are not letters. */
static void chunk_name(char out[5], png_uint_32 type)
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(type >> (24 - 8 * i));
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            memcpy(out, "?", 2);
            return;
        }
        out[i] = (char)c;
    }
    out[4] = '\0';
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* ======================================================================== */
/* png.load                                                                 */

typedef struct pngsrc {
    pngio io; /* first: libpng's callbacks get a pngsrc through it */
    png_structp png;
    png_infop info;
    uh_file *file;
    uint64_t consumed; /* bytes handed to libpng */
    uint8_t *buf;      /* IO_BUF_SIZE bytes read ahead */
    size_t pos, len;
    int eof;

    uh_image_info out;
    size_t rowbytes;
    int interlaced;
    uint32_t next_row; /* the first row rows() has not produced */
    uint8_t *image;    /* interlaced: the whole decoded image */
    size_t image_bytes;
    uint8_t *skip;    /* a row to decode skipped rows into */
    int done;         /* last row produced, libpng finished */
    uint8_t last8[8]; /* the last 8 bytes handed to libpng */

    /* The own IDAT reader (fast != 0): after libpng has read the header
     * and every chunk before the image data, this file walks the IDAT
     * chunks, ISA-L inflates them and unfilter.c undoes the filters. */
    int fast;
    struct inflate_state *zs;
    uint8_t *zbuf;     /* inflated bytes: filtered rows of 1 + rawbytes */
    size_t zcap;       /* bytes of zbuf */
    size_t zhead;      /* the first byte of the next row to unfilter */
    size_t ztail;      /* the end of what inflate wrote */
    size_t zprev;      /* where the previous (unfiltered) row starts */
    int have_prev;     /* zprev is valid; else the previous row is zeros */
    uint8_t *zeros;    /* rawbytes zero bytes: the row above row 0 */
    unsigned bpp;      /* bytes per whole pixel, the filters' unit */
    size_t rawbytes;   /* bytes of a row in the file (rowbytes but for
                          palettes: one index a pixel) */
    uint8_t (*pal)[4]; /* 8-bit palette: RGBA of all 256 indices */
    uint32_t chunk;    /* type of the chunk being read, or the last one */
    uint32_t left;     /* bytes of that chunk not read yet */
    uint32_t crc;      /* its CRC so far */
    int zended;        /* the zlib stream ended */
    int zstarved;      /* inflate's last call left output room: wants input */
    uint8_t zhdr[2];   /* the first two bytes of the zlib stream */
    unsigned zhdr_n;
} pngsrc;

/* Refills the read-ahead buffer. Returns 0, or -1 when the host's read
 * failed (the host recorded why). At the end of the file sets eof. */
static int pngsrc_fill(pngsrc *s)
{
    size_t got = 0;
    if (s->eof)
        return 0;
    if (host->file_read(s->io.ctx, s->file, s->buf + s->len,
                        IO_BUF_SIZE - s->len, &got) != UH_OK) {
        s->io.io_failed = 1;
        return -1;
    }
    if (got == 0)
        s->eof = 1;
    s->len += got;
    return 0;
}

/* libpng's read callback: serves bytes from the read-ahead buffer. A short
 * file is a png_error() with `truncated` set. */
static void pngsrc_read(png_structp png, png_bytep out, size_t n)
{
    pngsrc *s = png_get_io_ptr(png);
    while (n > 0) {
        if (s->pos == s->len) {
            s->pos = s->len = 0;
            if (s->eof) {
                s->io.truncated = 1;
                png_error(png, "truncated");
            }
            if (pngsrc_fill(s) != 0)
                png_error(png, "read failed");
            continue;
        }
        size_t k = s->len - s->pos;
        if (k > n)
            k = n;
        memcpy(out, s->buf + s->pos, k);
        if (k >= 8) {
            memcpy(s->last8, s->buf + s->pos + k - 8, 8);
        } else {
            memmove(s->last8, s->last8 + k, 8 - k);
            memcpy(s->last8 + 8 - k, s->buf + s->pos, k);
        }
        s->pos += k;
        s->consumed += k;
        out += k;
        n -= k;
    }
}

/* The error for a file that ends early: `where` ("inside", "in the CRC
 * of", "in the chunk header after") the chunk `type`. */
static uh_status pngsrc_truncated(pngsrc *s, const char *where, uint32_t type)
{
    char name[5];
    chunk_name(name, type);
    return host->fail(s->io.ctx, UH_ECORRUPT,
                      "%s: truncated PNG: the file ends after %llu bytes, "
                      "%s %s",
                      s->io.path, (unsigned long long)s->consumed, where, name);
}

/* The failure for one warning more than max_warnings. */
static uh_status pngsrc_warn_failed(pngsrc *s)
{
    return host->fail(s->io.ctx, UH_ECORRUPT,
                      "%s: more than %u PNG warnings (max_warnings); the "
                      "last: %s",
                      s->io.path, s->io.max_warnings, s->io.last_warning);
}

/* Returns the status for a libpng failure: the host's if one of its calls
 * failed (memory, file), else UH_ECORRUPT with libpng's message. */
static uh_status pngsrc_failed(pngsrc *s)
{
    uh_ctx *ctx = s->io.ctx;
    uh_status st = host->last_status(ctx);
    if (st != UH_OK)
        return st;
    if (s->io.warn_over)
        return pngsrc_warn_failed(s);
    if (s->io.io_failed)
        return host->fail(ctx, UH_EIO, "%s: read failed", s->io.path);
    if (s->io.truncated) {
        const char *where = "in the chunk";
        png_uint_32 state = png_get_io_state(s->png);
        if (state & PNG_IO_SIGNATURE)
            return host->fail(ctx, UH_ECORRUPT,
                              "%s: truncated PNG: the file ends after %llu "
                              "bytes, in the signature",
                              s->io.path, (unsigned long long)s->consumed);
        if (state & PNG_IO_CHUNK_HDR)
            where = "in the chunk header after";
        else if (state & PNG_IO_CHUNK_CRC)
            where = "in the CRC of";
        else if (state & PNG_IO_CHUNK_DATA)
            where = "inside";
        return pngsrc_truncated(s, where, png_get_io_chunk_type(s->png));
    }
    return host->fail(ctx, UH_ECORRUPT, "%s: corrupt PNG: %s", s->io.path,
                      s->io.msg);
}

/* -- the only functions of png.load that call setjmp --------------------- */
/* Each returns 0, or -1 after libpng failed (message in s->io). They
 * modify no local variable after setjmp(), so nothing needs volatile. */

static int pngsrc_try_create(pngsrc *s)
{
    s->png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &s->io,
                                      pngio_error, pngio_warning, &s->io,
                                      pngio_malloc, pngio_free);
    if (!s->png)
        return -1;
    if (setjmp(png_jmpbuf(s->png)))
        return -1;
    s->info = png_create_info_struct(s->png);
    return s->info ? 0 : -1;
}

typedef struct pngsrc_limits {
    int64_t max_dimension;
    int64_t max_pixels;
    int64_t max_chunk_bytes;
    int64_t max_chunks;
} pngsrc_limits;

/* Sets the input and the limits; may allocate (the chunk list). */
static int pngsrc_try_setup(pngsrc *s, const pngsrc_limits *lim)
{
    /* Text and Exif are not carried by uberhost: skip them unread, so that
     * zTXt/iTXt bombs and text floods cost nothing. */
    static const png_byte skipped[] = "tEXt\0zTXt\0iTXt\0eXIf";
    if (setjmp(png_jmpbuf(s->png)))
        return -1;
    png_set_read_fn(s->png, s, pngsrc_read);
    /* Our limits are checked on the header; libpng's own width/height
     * limits (1e6 by default) would only say "Invalid IHDR data". */
    png_set_user_limits(s->png, PNG_UINT31_MAX, PNG_UINT31_MAX);
    png_set_chunk_malloc_max(s->png, (png_alloc_size_t)lim->max_chunk_bytes);
    /* libpng stores chunks while the count it is given stays above 1. */
    png_set_chunk_cache_max(s->png, (png_uint_32)lim->max_chunks + 2);
    png_set_keep_unknown_chunks(s->png, PNG_HANDLE_CHUNK_NEVER, skipped, 4);
    return 0;
}

static int pngsrc_try_read_info(pngsrc *s)
{
    if (setjmp(png_jmpbuf(s->png)))
        return -1;
    png_read_info(s->png, s->info);
    return 0;
}

/* Asks for 8-bit or 16-bit grey, GA, RGB or RGBA rows: palettes and low
 * depths expanded, tRNS made an alpha channel, 16-bit samples in native
 * byte order, interlaced passes combined. Sets s->interlaced. */
static int pngsrc_try_transforms(pngsrc *s, int ct, int depth)
{
    if (setjmp(png_jmpbuf(s->png)))
        return -1;
    if (ct == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(s->png);
    if (ct == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(s->png);
    if (png_get_valid(s->png, s->info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(s->png);
    if (depth == 16 && little_endian())
        png_set_swap(s->png);
    s->interlaced = png_set_interlace_handling(s->png) > 1;
    png_read_update_info(s->png, s->info);
    return 0;
}

/* Decodes `n` rows, `stride` bytes apart, into dst. */
static int pngsrc_try_rows(pngsrc *s, uint8_t *dst, size_t stride, uint32_t n)
{
    if (setjmp(png_jmpbuf(s->png)))
        return -1;
    for (uint32_t i = 0; i < n; i++)
        png_read_row(s->png, dst + (size_t)i * stride, NULL);
    return 0;
}

static int pngsrc_try_end(pngsrc *s)
{
    if (setjmp(png_jmpbuf(s->png)))
        return -1;
    png_read_end(s->png, NULL);
    return 0;
}

/* -- limits and the header ----------------------------------------------- */

static uh_status pngsrc_check_size(pngsrc *s, const pngsrc_limits *lim,
                                   uint32_t w, uint32_t h)
{
    uh_ctx *ctx = s->io.ctx;
    if (w == 0 || h == 0 || w > PNG_UINT31_MAX || h > PNG_UINT31_MAX)
        return host->fail(ctx, UH_ECORRUPT,
                          "%s: corrupt PNG: IHDR says the image is %ux%u "
                          "pixels (each side must be 1 to 2147483647)",
                          s->io.path, w, h);
    if ((int64_t)w > lim->max_dimension || (int64_t)h > lim->max_dimension)
        return host->fail(ctx, UH_ELIMIT,
                          "%s: image is %ux%u pixels; max_dimension is %lld "
                          "(raise png.load's max_dimension)",
                          s->io.path, w, h, (long long)lim->max_dimension);
    uint64_t pixels = (uint64_t)w * h; /* < 2^62 */
    if (pixels > (uint64_t)lim->max_pixels)
        return host->fail(ctx, UH_ELIMIT,
                          "%s: image is %ux%u = %llu pixels; max_pixels is "
                          "%lld (raise png.load's max_pixels)",
                          s->io.path, w, h, (unsigned long long)pixels,
                          (long long)lim->max_pixels);
    return UH_OK;
}

/* Looks at the signature and IHDR in the read-ahead buffer before libpng
 * sees anything, so that a bomb's size is refused before any allocation.
 * What does not look like a PNG header is left to libpng to report. */
static uh_status pngsrc_precheck(pngsrc *s, const pngsrc_limits *lim)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    while (s->len < 33 && !s->eof)
        if (pngsrc_fill(s) != 0)
            return host->last_status(s->io.ctx);
    const uint8_t *b = s->buf;
    size_t n = s->len < 8 ? s->len : 8;
    if (s->len == 0 || memcmp(b, sig, n) != 0) {
        const char *hint = "";
        if (s->len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
            hint = " (it is a JPEG file)";
        else if (s->len >= 6 &&
                 (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
            hint = " (it is a GIF file)";
        else if (s->len == 0)
            hint = " (the file is empty)";
        return host->fail(s->io.ctx, UH_EUNSUPPORTED, "%s: not a PNG file%s",
                          s->io.path, hint);
    }
    if (s->len < 33 || be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0 ||
        crc32_gzip_refl(0, b + 12, 17) != be32(b + 29))
        return UH_OK; /* libpng says what is wrong */
    return pngsrc_check_size(s, lim, be32(b + 16), be32(b + 20));
}

/* The colour-space tag of the image, with a log line for what is not
 * applied. Call after png_read_info. */
static uint32_t pngsrc_space(pngsrc *s)
{
    int intent;
    png_fixed_point gamma;
    if (png_get_sRGB(s->png, s->info, &intent))
        return UH_SPACE_SRGB;
    if (png_get_valid(s->png, s->info, PNG_INFO_iCCP)) {
        host->log(s->io.ctx, UH_LOG_INFO,
                  "%s: has an ICC profile (iCCP); tagged sRGB, the profile is "
                  "not applied",
                  s->io.path);
        return UH_SPACE_SRGB;
    }
    if (png_get_gAMA_fixed(s->png, s->info, &gamma)) {
        if (gamma >= 95000 && gamma <= 105000)
            return UH_SPACE_LINEAR;
        if (gamma < 43000 || gamma > 48000)
            host->log(s->io.ctx, UH_LOG_INFO,
                      "%s: gAMA %.5f is neither sRGB (0.45455) nor linear "
                      "(1.0); tagged sRGB, not converted",
                      s->io.path, gamma / 100000.0);
    }
    return UH_SPACE_SRGB;
}

/* -- the own IDAT reader -------------------------------------------------- */
/* libpng reads the signature and every chunk up to the first IDAT header
 * (the colour-space tags, the limits), then this code takes over for the
 * common layouts (pngsrc_fast_ok): grey, grey+alpha, RGB and RGBA of 8 or
 * 16 bits without tRNS, and 8-bit palettes, not interlaced. It walks the IDAT
 * chunks itself (checking every CRC), inflates with ISA-L (about 2.5x zlib's
 * speed) into a buffer of several rows, undoes the filters with unfilter.c's
 * SIMD code, and reads the chunks after the image up to IEND. Its messages are
 * libpng's for the same faults. */

#define ZBUF_MIN   (32u << 10)  /* inflate output buffer: 8 rows, within */
#define ZBUF_MAX   (256u << 10) /* these bounds, and never under 3 rows */
#define CHUNK_IHDR 0x49484452u
#define CHUNK_PLTE 0x504c5445u
#define CHUNK_IDAT 0x49444154u
#define CHUNK_IEND 0x49454e44u

static int chunk_is_critical(uint32_t type)
{
    return !(type & 0x20000000u); /* bit 5 of the first letter */
}

/* For an 8-bit palette image, before libpng's transforms (which clear
 * tRNS from the info): the RGBA of all 256 indices as libpng expands them,
 * black past PLTE and opaque past tRNS. Returns the host's status. */
static uh_status pngsrc_keep_palette(pngsrc *s)
{
    png_colorp plte = NULL;
    int n_plte = 0, n_trns = 0;
    png_bytep trns = NULL;
    if (!png_get_PLTE(s->png, s->info, &plte, &n_plte) || !plte)
        return UH_OK;
    if (png_get_valid(s->png, s->info, PNG_INFO_tRNS))
        png_get_tRNS(s->png, s->info, &trns, &n_trns, NULL);
    s->pal = host->alloc(s->io.ctx, 256 * sizeof(*s->pal), 0, UH_LIFE_NODE);
    if (!s->pal)
        return host->last_status(s->io.ctx);
    memset(s->pal, 0, 256 * sizeof(*s->pal));
    for (int i = 0; i < 256; i++) {
        if (i < n_plte) {
            s->pal[i][0] = plte[i].red;
            s->pal[i][1] = plte[i].green;
            s->pal[i][2] = plte[i].blue;
        }
        s->pal[i][3] = trns && i < n_trns ? trns[i] : 255;
    }
    return UH_OK;
}

/* Whether the rows can come from the own reader; call after the transforms
 * are set (s->rowbytes known): 8/16-bit grey, GA, RGB, RGBA without tRNS,
 * and 8-bit palettes (with or without tRNS), not interlaced. */
static int pngsrc_fast_ok(pngsrc *s, int ct, int depth)
{
    if (s->interlaced || (depth != 8 && depth != 16))
        return 0;
    if (ct == PNG_COLOR_TYPE_PALETTE) {
        if (!s->pal) /* not 8-bit, or no PLTE */
            return 0;
    } else if (ct != PNG_COLOR_TYPE_GRAY && ct != PNG_COLOR_TYPE_GRAY_ALPHA &&
               ct != PNG_COLOR_TYPE_RGB && ct != PNG_COLOR_TYPE_RGB_ALPHA) {
        return 0;
    } else if (png_get_valid(s->png, s->info, PNG_INFO_tRNS)) {
        return 0;
    }
    /* libpng stopped right after the first IDAT's header: its last 8
     * bytes read are that header. */
    if (png_get_io_chunk_type(s->png) != CHUNK_IDAT ||
        memcmp(s->last8 + 4, "IDAT", 4) != 0 || be32(s->last8) > PNG_UINT31_MAX)
        return 0;
    return 1;
}

static uh_status fast_corrupt(pngsrc *s, const char *msg)
{
    return host->fail(s->io.ctx, UH_ECORRUPT, "%s: corrupt PNG: %s", s->io.path,
                      msg);
}

static uh_status fast_chunk_corrupt(pngsrc *s, const char *msg)
{
    char name[5];
    chunk_name(name, s->chunk);
    return host->fail(s->io.ctx, UH_ECORRUPT, "%s: corrupt PNG: %s: %s",
                      s->io.path, name, msg);
}

/* Makes at least one unread byte available in the read-ahead buffer.
 * `where` names the place for the truncation message. */
static uh_status fast_avail(pngsrc *s, const char *where)
{
    if (s->pos < s->len)
        return UH_OK;
    s->pos = s->len = 0;
    if (!s->eof && pngsrc_fill(s) != 0)
        return host->last_status(s->io.ctx) != UH_OK
                   ? host->last_status(s->io.ctx)
                   : host->fail(s->io.ctx, UH_EIO, "%s: read failed",
                                s->io.path);
    if (s->len == 0)
        return pngsrc_truncated(s, where, s->chunk);
    return UH_OK;
}

/* Reads n bytes (a chunk header or CRC) into out. */
static uh_status fast_read(pngsrc *s, uint8_t *out, size_t n, const char *where)
{
    while (n > 0) {
        uh_status st = fast_avail(s, where);
        if (st != UH_OK)
            return st;
        size_t k = s->len - s->pos;
        if (k > n)
            k = n;
        memcpy(out, s->buf + s->pos, k);
        s->pos += k;
        s->consumed += k;
        out += k;
        n -= k;
    }
    return UH_OK;
}

/* Reads the rest of the current chunk's data into its CRC. */
static uh_status fast_skip(pngsrc *s)
{
    while (s->left > 0) {
        uh_status st = fast_avail(s, "inside");
        if (st != UH_OK)
            return st;
        size_t k = s->len - s->pos;
        if (k > s->left)
            k = s->left;
        s->crc = crc32_gzip_refl(s->crc, s->buf + s->pos, k);
        s->pos += k;
        s->consumed += k;
        s->left -= (uint32_t)k;
    }
    return UH_OK;
}

/* Reads and checks the CRC of the current chunk (its data all read). A
 * bad CRC fails a critical chunk and is a warning for an ancillary one. */
static uh_status fast_end_chunk(pngsrc *s)
{
    uint8_t b[4];
    uh_status st = fast_read(s, b, 4, "in the CRC of");
    if (st != UH_OK || be32(b) == s->crc)
        return st;
    if (chunk_is_critical(s->chunk))
        return fast_chunk_corrupt(s, "CRC error");
    char name[5];
    chunk_name(name, s->chunk);
    return pngio_warnf(&s->io, "%s: CRC error", name) ? pngsrc_warn_failed(s)
                                                      : UH_OK;
}

/* Reads the next chunk's header: s->chunk, s->left and the CRC of the
 * type. */
static uh_status fast_next_chunk(pngsrc *s)
{
    uint8_t b[8];
    uh_status st = fast_read(s, b, 8, "in the chunk header after");
    if (st != UH_OK)
        return st;
    uint32_t len = be32(b);
    if (len > PNG_UINT31_MAX)
        return fast_corrupt(s, "PNG unsigned integer out of range");
    for (int i = 4; i < 8; i++)
        if (!((b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= 'a' && b[i] <= 'z')))
            return fast_corrupt(s, "invalid chunk type");
    s->chunk = be32(b + 4);
    s->left = len;
    s->crc = crc32_gzip_refl(0, b + 4, 4);
    return UH_OK;
}

/* Gives inflate the next bytes of IDAT data, moving to the next IDAT chunk
 * when one ends; fails when the image data ends before the image. */
static uh_status fast_feed(pngsrc *s)
{
    uh_status st;
    while (s->left == 0) {
        if ((st = fast_end_chunk(s)) != UH_OK ||
            (st = fast_next_chunk(s)) != UH_OK)
            return st;
        if (s->chunk != CHUNK_IDAT)
            return fast_corrupt(s, "Not enough image data");
    }
    if ((st = fast_avail(s, "inside")) != UH_OK)
        return st;
    size_t k = s->len - s->pos;
    if (k > s->left)
        k = s->left;
    s->zs->next_in = s->buf + s->pos;
    s->zs->avail_in = (uint32_t)k;
    return UH_OK;
}

/* The message for an ISA-L error, in zlib's words where it has them. */
static uh_status fast_zerror(pngsrc *s, int r)
{
    const char *msg = "invalid compressed data";
    uint32_t hdr = s->zhdr_n == 2 ? (uint32_t)s->zhdr[0] << 8 | s->zhdr[1] : 0;
    int in_header = s->zs->total_out == 0 && s->zhdr_n == 2 &&
                    ((hdr & 0x0f00) != 0x0800 || (hdr >> 12) > 7 ||
                     hdr % 31 != 0 || (hdr & 0x20));
    switch (r) {
    case ISAL_NEED_DICT:
        msg = "needs a preset dictionary";
        break;
    case ISAL_INVALID_BLOCK:
        msg = "invalid block type";
        break;
    case ISAL_INVALID_SYMBOL:
        msg = "invalid code";
        break;
    case ISAL_INVALID_LOOKBACK:
        msg = "invalid distance too far back";
        break;
    case ISAL_UNSUPPORTED_METHOD:
        msg = "unknown compression method";
        break;
    case ISAL_INVALID_WRAPPER:
    case ISAL_INCORRECT_CHECKSUM:
        if (!in_header)
            msg = r == ISAL_INCORRECT_CHECKSUM ? "incorrect data check"
                                               : "incorrect header check";
        else if ((hdr >> 12) > 7 && (hdr & 0x0f00) == 0x0800)
            msg = "invalid window size";
        else
            msg = "incorrect header check";
        break;
    default:
        break;
    }
    return fast_chunk_corrupt(s, msg);
}

/* Runs inflate once into zbuf[ztail..zcap), with new input when it has
 * none; accounts the bytes it took (CRC, position) and notes the end. */
static uh_status fast_inflate_step(pngsrc *s)
{
    /* ISA-L takes input into its bit buffer before it has room for all of
     * it as output: after a call that filled the output, call again with
     * no new input before moving to the next chunk. */
    if (s->zs->avail_in == 0 && s->zstarved) {
        uh_status st = fast_feed(s);
        if (st != UH_OK)
            return st;
    }
    uint32_t before = s->zs->avail_in;
    const uint8_t *in = s->zs->next_in;
    s->zs->next_out = s->zbuf + s->ztail;
    s->zs->avail_out = (uint32_t)(s->zcap - s->ztail);
    size_t tail = s->ztail;
    int r = isal_inflate(s->zs);
    if (s->zs->avail_in > before) /* never: ISA-L gives back only this call's */
        return host->fail(s->io.ctx, UH_EINTERNAL,
                          "%s: inflate returned more input than it was given",
                          s->io.path);
    uint32_t used = before - s->zs->avail_in;
    for (uint32_t i = 0; i < used && s->zhdr_n < 2; i++)
        s->zhdr[s->zhdr_n++] = in[i];
    s->crc = crc32_gzip_refl(s->crc, in, used);
    s->pos += used;
    s->consumed += used;
    s->left -= used;
    s->ztail = s->zcap - s->zs->avail_out;
    s->zstarved = s->zs->avail_out > 0;
    if (r < 0 || r == ISAL_NEED_DICT)
        return fast_zerror(s, r);
    if (s->zs->block_state == ISAL_BLOCK_FINISH)
        s->zended = 1;
    else if (used == 0 && s->ztail == tail && s->zs->avail_in > 0)
        return fast_chunk_corrupt(s, "invalid compressed data"); /* stuck */
    return UH_OK;
}

/* Sets up the reader at the first rows() call: the IDAT chunk libpng
 * stopped at, the inflate state and the row buffer. */
static uh_status fast_begin(pngsrc *s)
{
    uh_ctx *ctx = s->io.ctx;
    s->rawbytes = s->pal ? s->out.width : s->rowbytes;
    size_t frow = s->rawbytes + 1;
    if (!uh_mul_size(&s->zcap, frow, 8))
        return host->fail(ctx, UH_ELIMIT, "%s: rows too long", s->io.path);
    s->zcap = s->zcap < ZBUF_MIN ? ZBUF_MIN : s->zcap;
    s->zcap = s->zcap > ZBUF_MAX ? ZBUF_MAX : s->zcap;
    if (s->zcap / 3 < frow)
        s->zcap = frow * 3; /* 8 * frow did not overflow */
    s->zs = host->alloc(ctx, sizeof(*s->zs), 0, UH_LIFE_NODE);
    s->zbuf = s->zs ? host->alloc(ctx, s->zcap, 64, UH_LIFE_NODE) : NULL;
    s->zeros = s->zbuf ? host->alloc(ctx, s->rawbytes, 0, UH_LIFE_NODE) : NULL;
    if (!s->zeros)
        return host->last_status(ctx);
    memset(s->zeros, 0, s->rawbytes);
    isal_inflate_init(s->zs);
    s->zs->crc_flag = ISAL_ZLIB;
    s->zs->avail_in = 0;
    s->zstarved = 1;
    s->chunk = CHUNK_IDAT;
    s->left = be32(s->last8);
    s->crc = crc32_gzip_refl(0, (const uint8_t *)"IDAT", 4);
    s->bpp = s->pal
                 ? 1u
                 : s->out.channels * (s->out.sample == UH_SAMPLE_U16 ? 2u : 1u);
    s->fast = 2; /* begun */
    return UH_OK;
}

/* Decodes n rows into dst (stride apart), or drops them when dst is NULL. */
static uh_status fast_rows(pngsrc *s, uint8_t *dst, size_t stride, uint32_t n)
{
    uh_status st;
    if (s->fast == 1 && (st = fast_begin(s)) != UH_OK)
        return st;
    size_t frow = s->rawbytes + 1;
    for (uint32_t i = 0; i < n; i++) {
        if (s->ztail - s->zhead < frow) {
            /* Keep the previous row and the partial one, at the front. */
            size_t keep = s->have_prev ? s->zprev : s->zhead;
            memmove(s->zbuf, s->zbuf + keep, s->ztail - keep);
            s->ztail -= keep;
            s->zhead -= keep;
            s->zprev -= s->have_prev ? keep : 0;
            while (s->ztail - s->zhead < frow) {
                if (s->zended)
                    return fast_corrupt(s, "Not enough image data");
                if ((st = fast_inflate_step(s)) != UH_OK)
                    return st;
            }
        }
        uint8_t *row = s->zbuf + s->zhead;
        const uint8_t *prev = s->have_prev ? s->zbuf + s->zprev + 1 : s->zeros;
        if (png_unfilter_row(row[0], s->bpp, row + 1, prev, row + 1,
                             s->rawbytes) != 0)
            return fast_corrupt(s, "bad adaptive filter value");
        s->zprev = s->zhead;
        s->have_prev = 1;
        s->zhead += frow;
        if (!dst)
            continue;
        uint8_t *out = dst + (size_t)i * stride;
        if (s->pal) {
            const uint8_t *ix = row + 1;
            if (s->out.channels == 4) {
                for (size_t x = 0; x < s->rawbytes; x++)
                    memcpy(out + 4 * x, s->pal[ix[x]], 4);
            } else {
                for (size_t x = 0; x < s->rawbytes; x++)
                    memcpy(out + 3 * x, s->pal[ix[x]], 3);
            }
        } else if (s->out.sample == UH_SAMPLE_U16 && little_endian()) {
            for (size_t k = 0; k + 1 < s->rowbytes; k += 2) {
                out[k] = row[1 + k + 1];
                out[k + 1] = row[1 + k];
            }
        } else {
            memcpy(out, row + 1, s->rowbytes);
        }
    }
    return UH_OK;
}

/* After the last row: the rest of the zlib stream (its Adler-32 checked),
 * the rest of the IDAT chunks and every chunk up to IEND. */
static uh_status fast_finish(pngsrc *s)
{
    uh_status st;
    int extra = s->ztail > s->zhead;
    while (!s->zended) {
        s->zhead = s->ztail = 0;
        if ((st = fast_inflate_step(s)) != UH_OK)
            return st;
        extra |= s->ztail > 0;
    }
    if (extra ? pngio_warnf(&s->io, "IDAT: Too much image data")
              : (s->zs->avail_in > 0 || s->left > 0) &&
                    pngio_warnf(&s->io, "IDAT: Extra compressed data"))
        return pngsrc_warn_failed(s);
    s->zs->avail_in = 0;
    if ((st = fast_skip(s)) != UH_OK || (st = fast_end_chunk(s)) != UH_OK)
        return st;
    int after_other = 0;
    for (;;) {
        if ((st = fast_next_chunk(s)) != UH_OK)
            return st;
        uint32_t type = s->chunk;
        if (type == CHUNK_IEND) {
            if (s->left > 0 && pngio_warnf(&s->io, "IEND: invalid"))
                return pngsrc_warn_failed(s);
            if ((st = fast_skip(s)) != UH_OK ||
                (st = fast_end_chunk(s)) != UH_OK)
                return st;
            break;
        }
        if (type == CHUNK_IDAT) {
            if ((s->left > 0 || after_other) &&
                pngio_warnf(&s->io, "IDAT: Too many IDATs found"))
                return pngsrc_warn_failed(s);
        } else if (type == CHUNK_PLTE) {
            if (pngio_warnf(&s->io, "PLTE: out of place"))
                return pngsrc_warn_failed(s);
        } else if (chunk_is_critical(type)) {
            return fast_chunk_corrupt(s, type == CHUNK_IHDR
                                             ? "out of place"
                                             : "unknown critical chunk");
        }
        after_other |= type != CHUNK_IDAT;
        if ((st = fast_skip(s)) != UH_OK || (st = fast_end_chunk(s)) != UH_OK)
            return st;
    }
    return UH_OK;
}

static void fast_free(pngsrc *s)
{
    uh_ctx *ctx = s->io.ctx;
    host->free(ctx, s->zs, sizeof(*s->zs));
    host->free(ctx, s->zbuf, s->zcap);
    host->free(ctx, s->zeros, s->rawbytes);
    host->free(ctx, s->pal, 256 * sizeof(*s->pal));
    s->pal = NULL;
    s->zs = NULL;
    s->zbuf = s->zeros = NULL;
}

/* Frees everything of a pngsrc. Uses s->io.ctx. */
static void pngsrc_destroy(pngsrc *s)
{
    uh_ctx *ctx = s->io.ctx;
    if (s->png)
        png_destroy_read_struct(&s->png, s->info ? &s->info : NULL, NULL);
    s->png = NULL;
    s->info = NULL;
    if (s->file)
        host->file_close(ctx, s->file);
    host->free(ctx, s->buf, IO_BUF_SIZE);
    host->free(ctx, s->image, s->image_bytes);
    host->free(ctx, s->skip, s->rowbytes);
    fast_free(s);
    host->free(ctx, s, sizeof(*s));
}

/* Sets up libpng on an opened file, reads the header, checks the limits,
 * picks the transforms and declares the output. */
static uh_status pngsrc_open(pngsrc *s, const pngsrc_limits *lim)
{
    uh_ctx *ctx = s->io.ctx;
    uh_status st = pngsrc_precheck(s, lim);
    if (st != UH_OK)
        return st;
    if (pngsrc_try_create(s) != 0)
        return host->last_status(ctx) != UH_OK
                   ? host->last_status(ctx)
                   : host->fail(ctx, UH_ENOMEM, "%s: libpng setup failed",
                                s->io.path);
    if (pngsrc_try_setup(s, lim) != 0 || pngsrc_try_read_info(s) != 0)
        return pngsrc_failed(s);

    png_uint_32 w, h;
    int depth, ct, il, cm, fm;
    png_get_IHDR(s->png, s->info, &w, &h, &depth, &ct, &il, &cm, &fm);
    st = pngsrc_check_size(s, lim, w, h);
    if (st != UH_OK)
        return st;
    if (ct == PNG_COLOR_TYPE_PALETTE && depth == 8 &&
        il == PNG_INTERLACE_NONE && (st = pngsrc_keep_palette(s)) != UH_OK)
        return st;
    if (pngsrc_try_transforms(s, ct, depth) != 0)
        return pngsrc_failed(s);
    s->fast = pngsrc_fast_ok(s, ct, depth);

    uint32_t channels = png_get_channels(s->png, s->info);
    uint32_t out_depth = png_get_bit_depth(s->png, s->info);
    s->rowbytes = png_get_rowbytes(s->png, s->info);
    if (channels < 1 || channels > 4 || (out_depth != 8 && out_depth != 16) ||
        s->rowbytes != (size_t)w * channels * (out_depth / 8))
        return host->fail(ctx, UH_EINTERNAL,
                          "%s: libpng gives %u channels of %u bits, %zu bytes "
                          "a row; expected 8 or 16 bits",
                          s->io.path, channels, out_depth, s->rowbytes);
    memset(&s->out, 0, sizeof(s->out));
    s->out.width = w;
    s->out.height = h;
    s->out.channels = channels;
    s->out.sample = out_depth == 16 ? UH_SAMPLE_U16 : UH_SAMPLE_U8;
    s->out.space = pngsrc_space(s);
    return host->set_output(ctx, 0, 0, &s->out);
}

static uh_status pngload_prepare(uh_ctx *ctx)
{
    pngsrc_limits lim = {
        .max_dimension = uh_param_int(host, ctx, "max_dimension"),
        .max_pixels = uh_param_int(host, ctx, "max_pixels"),
        .max_chunk_bytes = uh_param_int(host, ctx, "max_chunk_bytes"),
        .max_chunks = uh_param_int(host, ctx, "max_chunks"),
    };
    const char *path = uh_param_str(host, ctx, "path");
    pngsrc *s = host->alloc(ctx, sizeof(*s), 0, UH_LIFE_NODE);
    if (!s)
        return host->last_status(ctx);
    memset(s, 0, sizeof(*s));
    s->io.ctx = ctx;
    s->io.max_warnings = (uint32_t)uh_param_int(host, ctx, "max_warnings");
    copy_text(s->io.path, sizeof(s->io.path), path);
    s->buf = host->alloc(ctx, IO_BUF_SIZE, 0, UH_LIFE_NODE);
    uh_status st = s->buf ? host->file_open_read(ctx, path, &s->file)
                          : host->last_status(ctx);
    if (st == UH_OK)
        st = pngsrc_open(s, &lim);
    if (st != UH_OK) {
        pngio_warn_summary(&s->io);
        pngsrc_destroy(s);
        return st;
    }
    host->set_user(ctx, s);
    return UH_OK;
}

static uh_status pngload_start(uh_ctx *ctx, void **seq)
{
    (void)ctx;
    *seq = NULL;
    return UH_OK;
}

static void pngload_stop(uh_ctx *ctx, void *seq)
{
    (void)ctx;
    (void)seq;
}

/* Interlaced images: decodes all seven passes into one buffer. */
static uh_status pngsrc_decode_all(pngsrc *s)
{
    uh_ctx *ctx = s->io.ctx;
    size_t bytes;
    if (!uh_mul_size(&bytes, s->rowbytes, s->out.height))
        return host->fail(ctx, UH_ELIMIT,
                          "%s: image of %ux%u is too large "
                          "to hold in memory",
                          s->io.path, s->out.width, s->out.height);
    s->image = host->alloc(ctx, bytes, 0, UH_LIFE_NODE);
    if (!s->image)
        return host->last_status(ctx);
    s->image_bytes = bytes;
    int passes = png_set_interlace_handling(s->png);
    for (int p = 0; p < passes; p++) {
        if (host->is_canceled(ctx))
            return host->fail(ctx, UH_ECANCELED, "canceled");
        if (pngsrc_try_rows(s, s->image, s->rowbytes, s->out.height) != 0)
            return pngsrc_failed(s);
    }
    return UH_OK;
}

/* After the last row: reads up to IEND (checking the remaining CRCs),
 * releases libpng and the file. */
static uh_status pngsrc_finish(pngsrc *s)
{
    uh_ctx *ctx = s->io.ctx;
    if (s->fast) {
        uh_status st = fast_finish(s);
        if (st != UH_OK)
            return st;
        fast_free(s);
    } else if (pngsrc_try_end(s) != 0) {
        return pngsrc_failed(s);
    }
    pngio_warn_summary(&s->io);
    png_destroy_read_struct(&s->png, &s->info, NULL);
    s->png = NULL;
    s->info = NULL;
    uh_status st = host->file_close(ctx, s->file);
    s->file = NULL;
    host->free(ctx, s->image, s->image_bytes);
    s->image = NULL;
    s->image_bytes = 0;
    s->done = 1;
    return st;
}

static uh_status pngload_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    (void)seq;
    pngsrc *s = host->get_user(ctx);
    s->io.ctx = ctx;
    if (s->done || out->y < s->next_row || out->n == 0 ||
        out->y > s->out.height || out->n > s->out.height - out->y ||
        out->stride < s->rowbytes)
        return host->fail(ctx, UH_EINTERNAL,
                          "png.load asked for rows %u..%u (stride %zu) after "
                          "producing rows up to %u of %u",
                          out->y, out->y + out->n, out->stride, s->next_row,
                          s->out.height);
    if (s->interlaced) {
        if (!s->image) {
            uh_status st = pngsrc_decode_all(s);
            if (st != UH_OK)
                return st;
        }
        for (uint32_t i = 0; i < out->n; i++)
            memcpy(out->data + (size_t)i * out->stride,
                   s->image + (size_t)(out->y + i) * s->rowbytes, s->rowbytes);
    } else if (s->fast) {
        uh_status st = UH_OK;
        if (out->y > s->next_row)
            st = fast_rows(s, NULL, 0, out->y - s->next_row);
        if (st == UH_OK)
            st = fast_rows(s, out->data, out->stride, out->n);
        if (st != UH_OK)
            return st;
    } else {
        /* Rows the host skipped are decoded and dropped. */
        if (out->y > s->next_row && !s->skip) {
            s->skip = host->alloc(ctx, s->rowbytes, 0, UH_LIFE_NODE);
            if (!s->skip)
                return host->last_status(ctx);
        }
        if (out->y > s->next_row &&
            pngsrc_try_rows(s, s->skip, 0, out->y - s->next_row) != 0)
            return pngsrc_failed(s);
        if (pngsrc_try_rows(s, out->data, out->stride, out->n) != 0)
            return pngsrc_failed(s);
    }
    s->next_row = out->y + out->n;
    if (s->next_row == s->out.height)
        return pngsrc_finish(s);
    return UH_OK;
}

static void pngload_cleanup(uh_ctx *ctx)
{
    pngsrc *s = host->get_user(ctx);
    if (!s)
        return;
    s->io.ctx = ctx;
    pngio_warn_summary(&s->io);
    pngsrc_destroy(s);
    host->set_user(ctx, NULL);
}

/* ======================================================================== */
/* png.save                                                                 */

enum { DEPTH_AUTO, DEPTH_8, DEPTH_16 };

static const char *const filter_names[] = {"default", "none",  "sub", "up",
                                           "average", "paeth", "all", NULL};
static const int filter_flags[] = {0,
                                   PNG_FILTER_NONE,
                                   PNG_FILTER_SUB,
                                   PNG_FILTER_UP,
                                   PNG_FILTER_AVG,
                                   PNG_FILTER_PAETH,
                                   PNG_ALL_FILTERS};
static const char *const depth_names[] = {"auto", "8", "16", NULL};

typedef struct pngdst {
    pngio io; /* first */
    png_structp png;
    png_infop info;
    uh_file *file;
    uint8_t *wbuf; /* IO_BUF_SIZE bytes waiting to be written */
    size_t wlen;

    uh_image_info in;
    uint32_t depth; /* 8 or 16 */
    int compression;
    int filter; /* index into filter_names */
    int want_palette, interlace;
    int collect; /* whole image kept: palette or interlace */
    size_t rowbytes;
    uint8_t *row;   /* one converted row (streaming) */
    uint8_t *image; /* collect: every converted row */
    size_t image_bytes;
    uint32_t next_row;
    int done;

    /* The ICC profile of the icc input (the host's bytes), or NULL. */
    const uint8_t *icc;
    size_t icc_size;

    /* Palette output, decided after the last row. */
    int palette;
    uint32_t n_colors;
    uint8_t plte[256][4];

    /* The own IDAT writer (compression 1-3, streaming): idatw.c. */
    int fast;
    png_idatw idw;
} pngdst;

#define ZOUT_SIZE (256u << 10) /* IDAT chunk size of the own writer */

/* Appends n bytes to the write buffer, writing it out when full. Returns
 * the host's status (it recorded why a write failed). */
static uh_status pngdst_put(pngdst *d, const uint8_t *data, size_t n)
{
    while (n > 0) {
        if (d->wlen == IO_BUF_SIZE) {
            uh_status st =
                host->file_write(d->io.ctx, d->file, d->wbuf, d->wlen);
            if (st != UH_OK)
                return st;
            d->wlen = 0;
        }
        size_t k = IO_BUF_SIZE - d->wlen;
        if (k > n)
            k = n;
        memcpy(d->wbuf + d->wlen, data, k);
        d->wlen += k;
        data += k;
        n -= k;
    }
    return UH_OK;
}

/* libpng's write callback. A host write failure is a png_error() with
 * io_failed set. */
static void pngdst_write(png_structp png, png_bytep data, size_t n)
{
    pngdst *d = png_get_io_ptr(png);
    if (pngdst_put(d, data, n) != UH_OK) {
        d->io.io_failed = 1;
        png_error(png, "write failed");
    }
}

static void pngdst_flush(png_structp png)
{
    (void)png; /* everything is written out in pngdst_finish */
}

static uh_status pngdst_failed(pngdst *d)
{
    uh_status st = host->last_status(d->io.ctx);
    if (st != UH_OK)
        return st;
    if (d->io.io_failed)
        return host->fail(d->io.ctx, UH_EWRITE, "%s: write failed", d->io.path);
    return host->fail(d->io.ctx, UH_EINTERNAL, "%s: libpng: %s", d->io.path,
                      d->io.msg);
}

/* -- the only functions of png.save that call setjmp --------------------- */

static int pngdst_try_create(pngdst *d)
{
    d->png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, &d->io,
                                       pngio_error, pngio_warning, &d->io,
                                       pngio_malloc, pngio_free);
    if (!d->png)
        return -1;
    if (setjmp(png_jmpbuf(d->png)))
        return -1;
    d->info = png_create_info_struct(d->png);
    return d->info ? 0 : -1;
}

/* libpng's warnings while it only checks a profile: dropped (the real
 * png_set_iCCP repeats them). */
static void pngio_quiet(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static int pngdst_try_probe(pngdst *d, png_structp png, png_infop info,
                            int bits, int type)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_set_IHDR(png, info, 1, 1, bits, type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_iCCP(png, info, "ICC Profile", PNG_COMPRESSION_TYPE_BASE, d->icc,
                 (png_uint_32)d->icc_size);
    return png_get_valid(png, info, PNG_INFO_iCCP) ? 0 : -1;
}

/* Whether libpng takes the icc profile for a PNG of colour type `type`.
 * It checks the profile (length, signature, colour space against the
 * colour type, tag table) and refuses with png_error(), which would leave
 * the real write struct unusable, so the check runs on a scratch one.
 * Returns 1 if it does; else 0 with libpng's reason in `why`. */
static int pngdst_icc_ok(pngdst *d, int bits, int type, char *why, size_t cap)
{
    pngio io = d->io;
    io.msg[0] = '\0';
    png_structp png =
        png_create_write_struct_2(PNG_LIBPNG_VER_STRING, &io, pngio_error,
                                  pngio_quiet, &io, pngio_malloc, pngio_free);
    if (!png) {
        copy_text(why, cap, "no memory to check it");
        return 0;
    }
    png_infop info = png_create_info_struct(png);
    int ok = info && pngdst_try_probe(d, png, info, bits, type) == 0;
    png_destroy_write_struct(&png, info ? &info : NULL);
    if (!ok)
        copy_text(why, cap, io.msg[0] ? io.msg : "libpng did not keep it");
    return ok;
}

/* Sets the header fields and writes everything before the image data. */
static int pngdst_try_header(pngdst *d)
{
    static const int types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GA,
                                PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
    if (setjmp(png_jmpbuf(d->png)))
        return -1;
    /* libpng refuses to write more than 1e6 rows or columns by default. */
    png_set_user_limits(d->png, PNG_UINT31_MAX, PNG_UINT31_MAX);
    int bits = (int)d->depth;
    int type = types[d->in.channels - 1];
    if (d->palette) {
        type = PNG_COLOR_TYPE_PALETTE;
        bits = d->n_colors <= 2    ? 1
               : d->n_colors <= 4  ? 2
               : d->n_colors <= 16 ? 4
                                   : 8;
    }
    png_set_IHDR(d->png, d->info, d->in.width, d->in.height, bits, type,
                 d->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (d->palette) {
        png_color colors[256];
        png_byte alpha[256];
        int n_alpha = 0;
        for (uint32_t i = 0; i < d->n_colors; i++) {
            colors[i].red = d->plte[i][0];
            colors[i].green = d->plte[i][1];
            colors[i].blue = d->plte[i][2];
            alpha[i] = d->plte[i][3];
            if (alpha[i] != 255)
                n_alpha = (int)i + 1;
        }
        png_set_PLTE(d->png, d->info, colors, (int)d->n_colors);
        if (n_alpha > 0)
            png_set_tRNS(d->png, d->info, alpha, n_alpha, NULL);
    }
    /* An ICC profile replaces the sRGB chunk (the PNG spec allows one of
     * the two); one libpng refuses is left out and sRGB written. */
    char why[MSG_SIZE];
    int icc = d->icc && d->in.space == UH_SPACE_SRGB;
    if (icc && !pngdst_icc_ok(d, bits, type, why, sizeof(why))) {
        host->log(d->io.ctx, UH_LOG_WARN,
                  "%s: ICC profile not written: libpng refuses it (%s)",
                  d->io.path, why);
        icc = 0;
    }
    if (icc)
        png_set_iCCP(d->png, d->info, "ICC Profile", PNG_COMPRESSION_TYPE_BASE,
                     d->icc, (png_uint_32)d->icc_size);
    else if (d->in.space == UH_SPACE_SRGB)
        png_set_sRGB(d->png, d->info, PNG_sRGB_INTENT_PERCEPTUAL);
    else if (d->in.space == UH_SPACE_LINEAR)
        png_set_gAMA_fixed(d->png, d->info, PNG_GAMMA_LINEAR);
    png_set_compression_level(d->png, d->compression);
    if (d->filter != 0)
        png_set_filter(d->png, PNG_FILTER_TYPE_BASE, filter_flags[d->filter]);
    png_write_info(d->png, d->info);
    if (bits == 16 && little_endian())
        png_set_swap(d->png);
    if (bits < 8)
        png_set_packing(d->png);
    return 0;
}

static int pngdst_try_row(pngdst *d, const uint8_t *row)
{
    if (setjmp(png_jmpbuf(d->png)))
        return -1;
    png_write_row(d->png, row);
    return 0;
}

/* Writes every row of the collected image, once per interlace pass. */
static int pngdst_try_image(pngdst *d, size_t stride)
{
    if (setjmp(png_jmpbuf(d->png)))
        return -1;
    int passes = d->interlace ? png_set_interlace_handling(d->png) : 1;
    for (int p = 0; p < passes; p++)
        for (uint32_t y = 0; y < d->in.height; y++)
            png_write_row(d->png, d->image + (size_t)y * stride);
    return 0;
}

static int pngdst_try_end(pngdst *d)
{
    if (setjmp(png_jmpbuf(d->png)))
        return -1;
    png_write_end(d->png, NULL);
    return 0;
}

/* -- the own IDAT writer ------------------------------------------------- */
/* For compression 1 to 3 (when the file is neither interlaced nor a
 * palette) png.save writes the image data itself (idatw.c): libpng writes
 * the signature, IHDR and the colour-space chunks, then each row is
 * filtered (the `filter` parameter; "default" and "all" choose per row by
 * libpng's heuristic), deflated by ISA-L at that level and written in IDAT
 * chunks of 256 KiB, then IEND. */

static uh_status fastw_put(void *arg, const uint8_t *data, size_t n)
{
    return pngdst_put(arg, data, n);
}

static uh_status fastw_begin(pngdst *d)
{
    static const unsigned masks[] = {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f};
    return png_idatw_begin(&d->idw, host, d->io.ctx, fastw_put, d, d->rowbytes,
                           d->in.channels * (d->depth / 8),
                           d->depth == 16 && little_endian(), d->compression,
                           masks[d->filter], ZOUT_SIZE, 0);
}

/* -- conversion ---------------------------------------------------------- */

static uint32_t quantize(float v, uint32_t max)
{
    if (!(v > 0.0f)) /* also NaN */
        return 0;
    if (v >= 1.0f)
        return max;
    return (uint32_t)(v * (float)max + 0.5f);
}

/* Sample i of a row as a float in [0, 1] nominally. */
static float sample_f(const uint8_t *row, uint32_t sample, size_t i)
{
    if (sample == UH_SAMPLE_U8)
        return row[i] / 255.0f;
    if (sample == UH_SAMPLE_U16) {
        uint16_t v;
        memcpy(&v, row + 2 * i, 2);
        return v / 65535.0f;
    }
    float f;
    memcpy(&f, row + 4 * i, 4);
    return f;
}

static void put_sample(uint8_t *dst, uint32_t depth, size_t i, uint32_t v)
{
    if (depth == 8) {
        dst[i] = (uint8_t)v;
    } else {
        uint16_t s = (uint16_t)v;
        memcpy(dst + 2 * i, &s, 2);
    }
}

/* Converts one input row to the output's samples (native-endian 16-bit).
 * Integer conversions are exact: 8 to 16 bits multiplies by 257, 16 to 8
 * rounds v / 257 to nearest; floats are clamped to [0, 1] and rounded. */
static void pngdst_convert(const pngdst *d, const uint8_t *src, uint8_t *dst)
{
    size_t n = (size_t)d->in.width * d->in.channels;
    uint32_t max = d->depth == 16 ? 65535u : 255u;
    uint32_t ch = d->in.channels;
    if (d->in.flags & UH_IMAGE_PREMULTIPLIED && (ch == 2 || ch == 4)) {
        /* PNG stores straight alpha: divide colour by alpha. */
        for (size_t p = 0; p < n; p += ch) {
            float a = sample_f(src, d->in.sample, p + ch - 1);
            for (uint32_t c = 0; c + 1 < ch; c++) {
                float v = sample_f(src, d->in.sample, p + c);
                put_sample(dst, d->depth, p + c,
                           quantize(a > 0.0f ? v / a : 0.0f, max));
            }
            put_sample(dst, d->depth, p + ch - 1, quantize(a, max));
        }
        return;
    }
    if (d->in.sample == UH_SAMPLE_U8 && d->depth == 8) {
        memcpy(dst, src, n);
    } else if (d->in.sample == UH_SAMPLE_U16 && d->depth == 16) {
        memcpy(dst, src, n * 2);
    } else if (d->in.sample == UH_SAMPLE_U8) {
        for (size_t i = 0; i < n; i++)
            put_sample(dst, 16, i, src[i] * 257u);
    } else if (d->in.sample == UH_SAMPLE_U16) {
        for (size_t i = 0; i < n; i++) {
            uint16_t v;
            memcpy(&v, src + 2 * i, 2);
            dst[i] = (uint8_t)((v + 128u) / 257u);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float f;
            memcpy(&f, src + 4 * i, 4);
            put_sample(dst, d->depth, i, quantize(f, max));
        }
    }
}

/* -- palette ------------------------------------------------------------- */

/* Counts the colours of the collected 8-bit RGB(A) image. When there are
 * at most 256, fills the palette (colours with alpha first, each group in
 * order of first appearance) and turns every row into one index byte per
 * pixel, in place, and sets d->palette. */
static void pngdst_make_palette(pngdst *d)
{
    enum { SLOTS = 1024 };
    uint32_t keys[SLOTS]; /* colour + 1; 0 = empty */
    uint8_t index[SLOTS];
    uint32_t first[257];
    uint32_t n = 0;
    uint32_t ch = d->in.channels;
    memset(keys, 0, sizeof(keys));
    for (uint32_t y = 0; y < d->in.height && n <= 256; y++) {
        const uint8_t *row = d->image + (size_t)y * d->rowbytes;
        for (uint32_t x = 0; x < d->in.width; x++) {
            const uint8_t *p = row + (size_t)x * ch;
            uint32_t key = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                           (uint32_t)p[2] << 8 | (ch == 4 ? p[3] : 255u);
            uint32_t h = (key * 2654435761u) >> 22;
            while (keys[h] != 0 && keys[h] != key + 1)
                h = (h + 1) & (SLOTS - 1);
            if (keys[h] == 0) {
                if (n == 256) {
                    n = 257;
                    break;
                }
                keys[h] = key + 1;
                first[n] = key;
                index[h] = (uint8_t)n;
                n++;
            }
        }
    }
    if (n > 256) {
        host->log(d->io.ctx, UH_LOG_INFO,
                  "%s: more than 256 colours; written as truecolour, not "
                  "with a palette",
                  d->io.path);
        return;
    }
    /* Order: translucent colours first so tRNS stays short. */
    uint8_t remap[256];
    uint32_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++)
            if (((first[i] & 0xffu) != 255u) == (pass == 0)) {
                remap[i] = (uint8_t)k;
                d->plte[k][0] = (uint8_t)(first[i] >> 24);
                d->plte[k][1] = (uint8_t)(first[i] >> 16);
                d->plte[k][2] = (uint8_t)(first[i] >> 8);
                d->plte[k][3] = (uint8_t)first[i];
                k++;
            }
    for (uint32_t y = 0; y < d->in.height; y++) {
        uint8_t *row = d->image + (size_t)y * d->rowbytes;
        for (uint32_t x = 0; x < d->in.width; x++) {
            const uint8_t *p = row + (size_t)x * ch;
            uint32_t key = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                           (uint32_t)p[2] << 8 | (ch == 4 ? p[3] : 255u);
            uint32_t h = (key * 2654435761u) >> 22;
            while (keys[h] != key + 1)
                h = (h + 1) & (SLOTS - 1);
            row[x] = remap[index[h]]; /* x <= x * ch: never overwrites */
        }
    }
    d->n_colors = n;
    d->palette = 1;
}

/* -- the node ------------------------------------------------------------ */

static void pngdst_destroy(pngdst *d)
{
    uh_ctx *ctx = d->io.ctx;
    if (d->png)
        png_destroy_write_struct(&d->png, d->info ? &d->info : NULL);
    d->png = NULL;
    d->info = NULL;
    if (d->file)
        host->file_close(ctx, d->file);
    d->file = NULL;
    host->free(ctx, d->wbuf, IO_BUF_SIZE);
    host->free(ctx, d->row, d->rowbytes);
    host->free(ctx, d->image, d->image_bytes);
    png_idatw_free(&d->idw, ctx);
    host->free(ctx, d, sizeof(*d));
}

static uh_status pngsave_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = host->input_info(ctx, 0, 0);
    if (!in)
        return host->fail(ctx, UH_EINVAL, "png.save needs an image input");
    const char *path = uh_param_str(host, ctx, "path");
    if (in->channels < 1 || in->channels > 4 || uh_sample_size(in->sample) == 0)
        return host->fail(ctx, UH_EUNSUPPORTED,
                          "%s: cannot write an image of %u channels, sample "
                          "type %u, as PNG (1 to 4 channels of u8, u16 or f32)",
                          path, in->channels, in->sample);
    if (in->width > PNG_UINT31_MAX || in->height > PNG_UINT31_MAX ||
        in->width == 0 || in->height == 0)
        return host->fail(ctx, UH_EUNSUPPORTED,
                          "%s: PNG cannot hold an image of %ux%u pixels", path,
                          in->width, in->height);
    int64_t depth = uh_param_int(host, ctx, "depth");
    pngdst *d = host->alloc(ctx, sizeof(*d), 0, UH_LIFE_NODE);
    if (!d)
        return host->last_status(ctx);
    memset(d, 0, sizeof(*d));
    d->io.ctx = ctx;
    d->io.max_warnings = UINT32_MAX;
    copy_text(d->io.path, sizeof(d->io.path), path);
    d->in = *in;
    d->depth = depth == DEPTH_8             ? 8
               : depth == DEPTH_16          ? 16
               : in->sample == UH_SAMPLE_U8 ? 8
                                            : 16;
    d->compression = (int)uh_param_int(host, ctx, "compression");
    d->filter = (int)uh_param_int(host, ctx, "filter");
    if (d->filter < 0 || d->filter > 6)
        d->filter = 0;
    d->interlace = uh_param_int(host, ctx, "interlace") != 0;
    d->want_palette = uh_param_int(host, ctx, "palette") != 0;
    if (d->want_palette && (in->channels < 3 || d->depth != 8)) {
        host->log(ctx, UH_LOG_INFO,
                  "%s: palette needs an 8-bit RGB or RGBA image (this one "
                  "has %u channels, written with %u bits); writing without "
                  "a palette",
                  path, in->channels, d->depth);
        d->want_palette = 0;
    }
    d->collect = d->want_palette || d->interlace;
    d->fast = !d->collect && d->compression >= 1 && d->compression <= 3;
    const uh_value *icc = host->input_value(ctx, SAVE_IN_ICC);
    if (icc && icc->bytes && icc->count > 0) {
        if (in->space != UH_SPACE_SRGB)
            host->log(ctx, UH_LOG_WARN,
                      "%s: the image is tagged %s, not sRGB-encoded colour; "
                      "the ICC profile does not describe it and is not "
                      "written",
                      path, in->space == UH_SPACE_LINEAR ? "linear" : "data");
        else if (icc->count > PNG_UINT31_MAX)
            host->log(ctx, UH_LOG_WARN,
                      "%s: the ICC profile is too large for PNG; not written",
                      path);
        else {
            d->icc = icc->bytes;
            d->icc_size = icc->count;
        }
    }
    size_t bytes = 0;
    if (!uh_mul_size(&d->rowbytes, (size_t)in->width * in->channels,
                     d->depth / 8) ||
        (d->collect && !uh_mul_size(&bytes, d->rowbytes, in->height))) {
        host->free(ctx, d, sizeof(*d));
        return host->fail(ctx, UH_ELIMIT, "%s: image of %ux%u is too large",
                          path, in->width, in->height);
    }
    host->set_user(ctx, d);
    return UH_OK;
}

static uh_status pngsave_start(uh_ctx *ctx, void **seq)
{
    (void)ctx;
    *seq = NULL;
    return UH_OK;
}

static void pngsave_stop(uh_ctx *ctx, void *seq)
{
    (void)ctx;
    (void)seq;
}

/* First band: the file (first, so that an unwritable path fails before
 * anything is spent), buffers and libpng; the header unless the whole
 * image is needed first. */
static uh_status pngdst_begin(pngdst *d)
{
    uh_ctx *ctx = d->io.ctx;
    uh_status st =
        host->file_open_write(ctx, uh_param_str(host, ctx, "path"), &d->file);
    if (st != UH_OK)
        return st;
    d->wbuf = host->alloc(ctx, IO_BUF_SIZE, 0, UH_LIFE_NODE);
    if (!d->wbuf)
        return host->last_status(ctx);
    if (d->collect) {
        d->image_bytes = d->rowbytes * d->in.height; /* checked in prepare */
        d->image = host->alloc(ctx, d->image_bytes, 0, UH_LIFE_NODE);
        if (!d->image) {
            d->image_bytes = 0;
            return host->last_status(ctx);
        }
    } else {
        d->row = host->alloc(ctx, d->rowbytes, 0, UH_LIFE_NODE);
        if (!d->row)
            return host->last_status(ctx);
    }
    if (pngdst_try_create(d) != 0)
        return host->last_status(ctx) != UH_OK
                   ? host->last_status(ctx)
                   : host->fail(ctx, UH_ENOMEM, "%s: libpng setup failed",
                                d->io.path);
    png_set_write_fn(d->png, d, pngdst_write, pngdst_flush);
    if (!d->collect && pngdst_try_header(d) != 0)
        return pngdst_failed(d);
    return d->fast ? fastw_begin(d) : UH_OK;
}

/* After the last band: the collected image if any, the end of the file. */
static uh_status pngdst_finish(pngdst *d)
{
    uh_ctx *ctx = d->io.ctx;
    if (d->collect) {
        if (d->want_palette)
            pngdst_make_palette(d);
        if (pngdst_try_header(d) != 0 || pngdst_try_image(d, d->rowbytes) != 0)
            return pngdst_failed(d);
        host->free(ctx, d->image, d->image_bytes);
        d->image = NULL;
        d->image_bytes = 0;
    }
    if (d->fast) {
        uh_status fst = png_idatw_end(&d->idw, ctx);
        if (fst != UH_OK)
            return fst;
        png_idatw_free(&d->idw, ctx);
    } else if (pngdst_try_end(d) != 0) {
        return pngdst_failed(d);
    }
    pngio_warn_summary(&d->io);
    png_destroy_write_struct(&d->png, &d->info);
    d->png = NULL;
    d->info = NULL;
    uh_status st = UH_OK;
    if (d->wlen > 0)
        st = host->file_write(ctx, d->file, d->wbuf, d->wlen);
    d->wlen = 0;
    uh_status cst = host->file_close(ctx, d->file);
    d->file = NULL;
    d->done = 1;
    return st != UH_OK ? st : cst;
}

static uh_status pngsave_rows(uh_ctx *ctx, void *seq, uh_rows *band)
{
    (void)seq;
    pngdst *d = host->get_user(ctx);
    d->io.ctx = ctx;
    if (d->done || band->y != d->next_row || band->n == 0 ||
        band->n > d->in.height - band->y)
        return host->fail(ctx, UH_EINTERNAL,
                          "png.save got rows %u..%u after rows up to %u of %u",
                          band->y, band->y + band->n, d->next_row,
                          d->in.height);
    uh_status st;
    if (band->y == 0 && (st = pngdst_begin(d)) != UH_OK)
        return st;
    uh_rows in;
    st = host->input_rows(ctx, 0, band->y, band->n, &in);
    if (st != UH_OK)
        return st;
    for (uint32_t i = 0; i < band->n; i++) {
        const uint8_t *src = in.data + (size_t)i * in.stride;
        if (d->collect) {
            pngdst_convert(d, src,
                           d->image + (size_t)(band->y + i) * d->rowbytes);
            continue;
        }
        pngdst_convert(d, src, d->row);
        if (d->fast) {
            if ((st = png_idatw_row(&d->idw, ctx, d->row)) != UH_OK)
                return st;
        } else if (pngdst_try_row(d, d->row) != 0) {
            return pngdst_failed(d);
        }
    }
    d->next_row = band->y + band->n;
    if (d->next_row == d->in.height)
        return pngdst_finish(d);
    return UH_OK;
}

static void pngsave_cleanup(uh_ctx *ctx)
{
    pngdst *d = host->get_user(ctx);
    if (!d)
        return;
    d->io.ctx = ctx;
    pngio_warn_summary(&d->io);
    pngdst_destroy(d);
    host->set_user(ctx, NULL);
}

/* ======================================================================== */
/* Descriptors                                                              */

static const uh_port_desc port_image_out = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the decoded image: 1-4 channels, u8, or u16 for 16-bit files",
};
static const uh_port_desc *const load_outputs[] = {&port_image_out, NULL};

static const uh_param_desc p_load_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_INPUT_FILE,
    .doc = "PNG file to read",
};
static const uh_param_desc p_max_dimension = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_dimension",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = PNGSRC_MAX_DIMENSION,
    .min = 1,
    .max = PNG_UINT31_MAX,
    .doc = "refuse (exit 4) images wider or taller than this, from the header",
};
static const uh_param_desc p_max_pixels = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_pixels",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = PNGSRC_MAX_PIXELS,
    .min = 1,
    .max = 4.6e18,
    .doc = "refuse (exit 4) images of more pixels than this, from the header",
};
static const uh_param_desc p_max_chunk_bytes = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_chunk_bytes",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = PNGSRC_MAX_CHUNK,
    .min = 1024,
    .max = PNG_UINT31_MAX,
    .doc = "largest ancillary chunk (also decompressed iCCP) libpng "
           "allocates; bigger ones are dropped with a warning",
};
static const uh_param_desc p_max_chunks = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_chunks",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = PNGSRC_MAX_CHUNKS,
    .min = 1,
    .max = 1000000,
    .doc = "most ancillary chunks (sPLT, unknown) libpng keeps in memory; "
           "the rest are dropped with a warning",
};
static const uh_param_desc p_max_warnings = {
    .struct_size = sizeof(uh_param_desc),
    .name = "max_warnings",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 1e9,
    .min = 0,
    .max = 1e9,
    .doc = "warnings tolerated (libpng's and the decoder's: bad ancillary "
           "CRCs, invalid chunks); one more fails (0: fail on the first)",
};
/* Hints a PNG cannot use (it has no reduced-size decode): accepted so that
 * a generic `load` node, which may become png.load or jpeg.load, takes the
 * same parameters for either. */
static const uh_param_desc p_fit_width = {
    .struct_size = sizeof(uh_param_desc),
    .name = "fit_width",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 65535,
    .doc = "ignored (jpeg.load uses it for shrink-on-load; a PNG always "
           "decodes at full size)",
};
static const uh_param_desc p_fit_height = {
    .struct_size = sizeof(uh_param_desc),
    .name = "fit_height",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 0,
    .min = 0,
    .max = 65535,
    .doc = "ignored, like fit_width",
};
static const uh_param_desc *const load_params[] = {
    &p_load_path,       &p_max_dimension, &p_max_pixels,
    &p_max_chunk_bytes, &p_max_chunks,    &p_max_warnings,
    &p_fit_width,       &p_fit_height,    NULL};

static const uh_node_type png_load = {
    .struct_size = sizeof(uh_node_type),
    .id = "png.load",
    .summary = "read a PNG file (any colour type and bit depth), row by row",
    .threading = UH_THREADS_INSTANCE,
    .outputs = load_outputs,
    .params = load_params,
    .prepare = pngload_prepare,
    .start = pngload_start,
    .rows = pngload_rows,
    .stop = pngload_stop,
    .strip_flags = UH_STRIP_SEQUENTIAL,
    .cleanup = pngload_cleanup,
};

static const uh_port_desc port_image_in = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the image to write: 1-4 channels of u8, u16 or f32",
};
static const uh_port_desc port_icc_in = {
    .struct_size = sizeof(uh_port_desc),
    .name = "icc",
    .type = UH_PORT_BLOB,
    .flags = UH_PORT_OPTIONAL,
    .doc = "ICC profile (e.g. jpeg.load's icc) written as an iCCP chunk "
           "instead of sRGB; empty or unconnected: none",
};
static const uh_port_desc *const save_inputs[] = {&port_image_in, &port_icc_in,
                                                  NULL};

static const uh_param_desc p_save_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_OUTPUT_FILE,
    .doc = "PNG file to write (replaced only when the whole run succeeds)",
};
static const uh_param_desc p_compression = {
    .struct_size = sizeof(uh_param_desc),
    .name = "compression",
    .type = UH_PARAM_INTEGER,
    .flags = UH_PARAM_RANGE,
    .def = 6,
    .min = 0,
    .max = 9,
    .doc = "deflate level: 0 stores, 1-3 use ISA-L (fast), 4-9 zlib (9 is "
           "smallest)",
};
static const uh_param_desc p_filter = {
    .struct_size = sizeof(uh_param_desc),
    .name = "filter",
    .type = UH_PARAM_ENUM,
    .def_text = "default",
    .values = filter_names,
    .doc = "row filters to choose from; default: libpng's rule (none for "
           "palettes, else adaptive among all five)",
};
static const uh_param_desc p_depth = {
    .struct_size = sizeof(uh_param_desc),
    .name = "depth",
    .type = UH_PARAM_ENUM,
    .def_text = "auto",
    .values = depth_names,
    .doc = "bits per sample; auto: 8 for u8 images, 16 for u16 and f32",
};
static const uh_param_desc p_palette = {
    .struct_size = sizeof(uh_param_desc),
    .name = "palette",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "write an indexed PNG when an 8-bit RGB(A) image has at most 256 "
           "colours (holds the whole image)",
};
static const uh_param_desc p_interlace = {
    .struct_size = sizeof(uh_param_desc),
    .name = "interlace",
    .type = UH_PARAM_BOOL,
    .def = 0,
    .doc = "write Adam7 interlaced (holds the whole image)",
};
static const uh_param_desc *const save_params[] = {
    &p_save_path, &p_compression, &p_filter, &p_depth,
    &p_palette,   &p_interlace,   NULL};

static const uh_node_type png_save = {
    .struct_size = sizeof(uh_node_type),
    .id = "png.save",
    .summary = "write an image as a PNG file, row by row",
    .threading = UH_THREADS_INSTANCE,
    .inputs = save_inputs,
    .params = save_params,
    .prepare = pngsave_prepare,
    .start = pngsave_start,
    .rows = pngsave_rows,
    .stop = pngsave_stop,
    .strip_flags = UH_STRIP_SEQUENTIAL,
    .cleanup = pngsave_cleanup,
};

/* ======================================================================== */
/* The plugin                                                               */

static uh_status png_plugin_init(const uh_host *h)
{
    host = h;
    return UH_OK;
}

static void png_plugin_fini(void)
{
    host = NULL;
}

static const uh_node_type *const node_types[] = {&png_load, &png_save, NULL};

static const uh_plugin plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "png",
    .version = "1.0.0",
    .init = png_plugin_init,
    .fini = png_plugin_fini,
    .node_types = node_types,
};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
