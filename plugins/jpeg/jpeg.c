/* The jpeg plugin: JPEG decoding and encoding through libjpeg-turbo. */
#include "jpg.h"

const uh_host *jpg_host;

static uh_status jpg_init(const uh_host *host)
{
    jpg_host = host;
    return UH_OK;
}

static void jpg_fini(void)
{
    jpg_host = NULL;
}

static const uh_node_type *const jpg_types[] = {&jpgload_type, &jpgsave_type,
                                                NULL};

static const uh_plugin jpg_plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "jpeg",
    .version = "1.0.0",
    .init = jpg_init,
    .fini = jpg_fini,
    .node_types = jpg_types,
};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &jpg_plugin;
}

/* ------------------------------------------------------------------------ */
/* libjpeg error handling shared by both node types                         */

#include <jerror.h>
#include <stdarg.h>
#include <string.h>

void jpgerr_raise(jpgerr *e, uh_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->status = status;
    longjmp(e->jmp, 1);
}

uh_status jpgerr_status(int msg_code)
{
    switch (msg_code) {
    case JERR_BAD_PRECISION:      /* 12-bit and 16-bit samples */
    case JERR_SOF_UNSUPPORTED:    /* lossless, hierarchical */
    case JERR_NOT_COMPILED:       /* a feature left out of the build */
    case JERR_ARITH_NOTIMPL:      /* arithmetic coding, if left out */
    case JERR_CONVERSION_NOTIMPL: /* colour conversion */
        return UH_EUNSUPPORTED;
    case JERR_OUT_OF_MEMORY:
        return UH_ENOMEM;
    case JERR_NO_BACKING_STORE: /* over max_memory_to_use */
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
        return UH_ELIMIT;
    default:
        return UH_ECORRUPT;
    }
}

void jpg_created(j_common_ptr cinfo)
{
    jpgmem_install(cinfo);
}

/* libjpeg calls this for fatal errors; it must not return. */
static void jpgerr_exit(j_common_ptr cinfo)
{
    jpgerr *e = (jpgerr *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    uh_status s = jpgerr_status(cinfo->err->msg_code);
    /* A host->alloc of mem.c failed: the host recorded why (UH_ENOMEM or
     * UH_ELIMIT, with the sizes); keep its status. */
    if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY && e->ctx) {
        uh_status had = jpg_host->last_status(e->ctx);
        if (had == UH_ENOMEM || had == UH_ELIMIT)
            s = had;
    }
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE)
        jpgerr_raise(e, s,
                     "%s: libjpeg needs more working memory than "
                     "max_memory_mib allows",
                     e->path);
    jpgerr_raise(e, s, "%s: %s", e->path, text);
}

/* Warnings (level -1) are counted; past max_warnings the node fails. Only
 * the first few are logged, so a corrupt file cannot flood the log. */
static void jpgerr_emit(j_common_ptr cinfo, int level)
{
    jpgerr *e = (jpgerr *)cinfo->err;
    if (level >= 0)
        return; /* trace messages */
    if (e->warn_hook)
        e->warn_hook(e);
    cinfo->err->num_warnings++;
    e->warnings++;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (e->warnings > e->max_warnings)
        jpgerr_raise(e, UH_ECORRUPT,
                     "%s: corrupt data: more than %u libjpeg warnings "
                     "(max_warnings); the last: %s",
                     e->path, e->max_warnings, text);
    if (e->warnings <= 3)
        jpg_host->log(e->ctx, UH_LOG_WARN, "%s: %s", e->path, text);
    else if (e->warnings == 4)
        jpg_host->log(e->ctx, UH_LOG_WARN,
                      "%s: more libjpeg warnings; counting, not showing them",
                      e->path);
}

static void jpgerr_output(j_common_ptr cinfo)
{
    (void)cinfo; /* everything goes through jpgerr_exit and jpgerr_emit */
}

struct jpeg_error_mgr *jpgerr_init(jpgerr *e, const char *path, void *owner,
                                   uint32_t max_warnings)
{
    struct jpeg_error_mgr *m = jpeg_std_error(&e->pub);
    m->error_exit = jpgerr_exit;
    m->emit_message = jpgerr_emit;
    m->output_message = jpgerr_output;
    e->path = path;
    e->owner = owner;
    e->max_warnings = max_warnings;
    e->warnings = 0;
    e->warn_hook = NULL;
    e->status = UH_OK;
    e->msg[0] = 0;
    return m;
}
