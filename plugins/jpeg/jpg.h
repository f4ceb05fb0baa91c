/* Shared declarations of the jpeg plugin (jpeg.load, jpeg.save). */
#ifndef JPG_H
#define JPG_H

#include <uberhost/uh_sdk.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t first */

#include <jpeglib.h>

/* The host table from init(); valid until fini(). */
extern const uh_host *jpg_host;

extern const uh_node_type jpgload_type;
extern const uh_node_type jpgsave_type;

/* libjpeg's error manager, extended to turn error_exit() into a longjmp
 * back to the plugin call that entered libjpeg, carrying a status and a
 * message, and to count warnings. Each entry point sets `ctx` and calls
 * setjmp(jmp) before touching libjpeg (see JPG_GUARD). */
typedef struct jpgerr {
    struct jpeg_error_mgr pub; /* first: libjpeg casts cinfo->err to this */
    jmp_buf jmp;
    uh_ctx *ctx;           /* the ctx of the plugin call in progress */
    const char *path;      /* the file, named in every message */
    void *owner;           /* the node state, for source/destination hooks */
    uh_status status;      /* set by jpgerr_raise() before the longjmp */
    uint32_t warnings;     /* libjpeg warnings so far */
    uint32_t max_warnings; /* more than this fails the node */
    /* Called for each warning before it is counted; may raise. */
    void (*warn_hook)(struct jpgerr *e);
    char msg[JMSG_LENGTH_MAX + 512];
} jpgerr;

/* Sets up `e` and returns its libjpeg error manager. */
struct jpeg_error_mgr *jpgerr_init(jpgerr *e, const char *path, void *owner,
                                   uint32_t max_warnings);

/* Records `status` and a message, then longjmps to the current guard. */
_Noreturn void jpgerr_raise(jpgerr *e, uh_status status, const char *fmt, ...)
    UH_PRINTF(3, 4);

/* Called right after jpeg_create_decompress()/jpeg_create_compress(),
 * inside the plugin call's guard (cinfo->err is a jpgerr whose ctx is
 * set): gives the object the memory manager of mem.c, so that libjpeg's
 * working memory comes from the run's allocator. May raise (no memory). */
void jpg_created(j_common_ptr cinfo);

/* mem.c: replaces cinfo->mem by a manager whose pools come from
 * host->alloc (see mem.c); libjpeg's own manager keeps what it allocated
 * during jpeg_create_*() and is destroyed after it. */
void jpgmem_install(j_common_ptr cinfo);

/* The status for a libjpeg error code (JERR_*). */
uh_status jpgerr_status(int msg_code);

/* What jpgexif_orientation() found in an APP1 "Exif\0\0" payload. */
typedef struct jpgexif_result {
    int found;         /* an orientation tag was present */
    int orientation;   /* 1..8 when valid, else 1 */
    long bad_value;    /* the out-of-range value, when found && !valid */
    int valid;         /* found and in 1..8 */
    const char *error; /* why the EXIF block was unreadable, or NULL */
    int big_endian;    /* the TIFF byte order is MM */
    uint32_t type;     /* the tag's TIFF type when found: 3 SHORT, 4 LONG */
    size_t value_off;  /* where its value lies in the payload, when found */
} jpgexif_result;

/* Reads the orientation tag (0x0112) of IFD0 from the payload of an APP1
 * marker (the bytes after the length field). Reads only inside
 * [data, data + size) and never follows IFD links, so it cannot loop. */
void jpgexif_orientation(const uint8_t *data, size_t size, jpgexif_result *out);

/* Rewrites the orientation value that jpgexif_orientation() found (r->found)
 * in the same payload to `value`, in the tag's own type and byte order.
 * Returns 1 when patched, 0 when there is no tag to patch. */
int jpgexif_set_orientation(uint8_t *data, size_t size, const jpgexif_result *r,
                            uint32_t value);

#endif
