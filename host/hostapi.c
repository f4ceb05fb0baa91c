/* The uh_host table: each function checks its arguments and forwards to
 * the run, its allocator and its files. */
#define _GNU_SOURCE /* sync_file_range */
#include "hostapi.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uberhost/ext/file-at.h>
#include <uberhost/ext/image-pass.h>

#include "exitcode.h"
#include "image.h"
#include "run_internal.h"
#include "stream.h"

/* ------------------------------------------------------------------------ */
/* Status messages and the load-time message                                */

const char *hostapi_status_str(uh_status st)
{
    switch (st) {
    case UH_OK:
        return "success";
#define UH__STATUS_CASE(name, value, msg)                                      \
    case UH_##name:                                                            \
        return msg;
        UH_STATUS_MAP(UH__STATUS_CASE)
#undef UH__STATUS_CASE
    default:
        return "unknown status";
    }
}

static _Thread_local char load_msg[RUN_MSG_MAX];
static _Thread_local int load_has_msg;

void hostapi_load_begin(void)
{
    load_has_msg = 0;
    load_msg[0] = 0;
}

const char *hostapi_load_message(void)
{
    return load_has_msg ? load_msg : NULL;
}

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                              */

static uh_status h_fail(uh_ctx *ctx, uh_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static uh_status h_fail(uh_ctx *ctx, uh_status status, const char *fmt, ...)
{
    char buf[RUN_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (status == UH_OK)
        status = UH_EINTERNAL;
    if (!ctx) {
        if (!load_has_msg) {
            snprintf(load_msg, sizeof(load_msg), "%s", buf);
            load_has_msg = 1;
        }
        return status;
    }
    ctx->last = status;
    run_node_fail(ctx->node, status, "%s", buf);
    return status;
}

static uh_status h_last_status(uh_ctx *ctx)
{
    return ctx ? ctx->last : UH_EINVAL;
}

static void h_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void h_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
{
    char buf[RUN_MSG_MAX];
    if (ctx && level < UH_LOG_WARN && !ctx->run->opt->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    const char *lvl = level >= UH_LOG_WARN ? "warning: " : "";
    if (ctx)
        fprintf(stderr, "uberhost: %s%s: %s\n", lvl, ctx->node->gn->id, buf);
    else
        fprintf(stderr, "uberhost: %s%s\n", lvl, buf);
}

static int h_is_canceled(uh_ctx *ctx)
{
    return ctx ? ctx->run->cancel != 0 : 0;
}

static int h_progress(uh_ctx *ctx, double fraction)
{
    if (!ctx)
        return 0;
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    atomic_store(&ctx->node->progress_permille, (uint32_t)(fraction * 1000));
    return ctx->run->cancel != 0;
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

static void *h_alloc(uh_ctx *ctx, size_t size, size_t align, uh_lifetime life)
{
    alloc_error err;
    if (!ctx)
        return NULL;
    void *p =
        alloc_get(ctx->run->alloc, &ctx->node->owner, size, align, life, &err);
    if (!p) {
        ctx->last = err.status;
        if (err.status == UH_ELIMIT)
            run_node_fail(ctx->node, err.status,
                          "%s exceeded: asked %" PRIu64 " bytes with %" PRIu64
                          " in use of %" PRIu64 "%s",
                          err.what, err.asked, err.in_use, err.limit,
                          strcmp(err.what, "memory budget") == 0
                              ? " (raise --memory-limit)"
                              : "");
        else
            run_node_fail(ctx->node, err.status,
                          "cannot allocate %" PRIu64 " bytes: %s", err.asked,
                          err.what);
    }
    return p;
}

static void h_free(uh_ctx *ctx, void *ptr, size_t size)
{
    if (!ctx || !ptr)
        return;
    alloc_put(ctx->run->alloc, &ctx->node->owner, ptr, size);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */

typedef struct pf_arg {
    uh_ctx *ctx;
    uh_status (*fn)(void *arg, uh_ctx *ctx2, uint32_t i);
    void *arg;
} pf_arg;

static uh_status pf_item(void *arg, uint32_t slot, uint32_t i)
{
    pf_arg *pa = arg;
    uh_ctx c2 = {.run = pa->ctx->run, .node = pa->ctx->node, .slot = slot};
    node_rt *nr = pa->ctx->node;
    if (slot < 64 && !(nr->slots_used & (1ull << slot))) {
        pthread_mutex_lock(&nr->lock);
        nr->slots_used |= 1ull << slot;
        pthread_mutex_unlock(&nr->lock);
    }
    return pa->fn(pa->arg, &c2, i);
}

static uh_status
h_parallel_for(uh_ctx *ctx, uint32_t n,
               uh_status (*fn)(void *arg, uh_ctx *ctx2, uint32_t i), void *arg)
{
    if (!ctx || !fn)
        return UH_EINVAL;
    pf_arg pa = {.ctx = ctx, .fn = fn, .arg = arg};
    uh_status st = pool_run(ctx->run->pool, n, pf_item, &pa, &ctx->run->cancel);
    if (st == UH_ECANCELED && ctx->run->cancel)
        ctx->last = st;
    return st;
}

static uint32_t h_thread_count(uh_ctx *ctx)
{
    return ctx ? ctx->run->threads : 1;
}

/* ------------------------------------------------------------------------ */
/* Parameters and inputs                                                    */

static const uh_value *h_param(uh_ctx *ctx, const char *name)
{
    if (!ctx || !name)
        return NULL;
    const node_kind *k = ctx->node->kind;
    for (uint32_t i = 0; i < k->n_params; i++)
        if (strcmp(k->type->params[i]->name, name) == 0)
            return &ctx->node->gn->params[i];
    return NULL;
}

/* The producer's output slot feeding input `port`, or NULL. */
static out_slot *input_slot(uh_ctx *ctx, uint32_t port, node_rt **prod)
{
    node_rt *nr = ctx->node;
    if (port >= nr->kind->n_inputs)
        return NULL;
    const graph_link *l = &nr->gn->inputs[port];
    if (l->node < 0)
        return NULL;
    node_rt *p = &ctx->run->nodes[l->node];
    if (l->port >= p->kind->n_outputs)
        return NULL;
    if (prod)
        *prod = p;
    return &p->outs[l->port];
}

static uint32_t h_input_count(uh_ctx *ctx, uint32_t port)
{
    if (!ctx)
        return 0;
    out_slot *s = input_slot(ctx, port, NULL);
    if (!s)
        return 0;
    if (s->type == UH_PORT_IMAGE || s->type == UH_PORT_IMAGE_LIST)
        return s->n;
    return s->has_value ? 1 : 0;
}

static const uh_image_info *h_input_info(uh_ctx *ctx, uint32_t port,
                                         uint32_t index)
{
    if (!ctx)
        return NULL;
    out_slot *s = input_slot(ctx, port, NULL);
    if (!s || index >= s->n)
        return NULL;
    return &s->images[index].info;
}

static uh_status h_input_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                               const uh_image **out)
{
    if (!ctx || !out)
        return UH_EINVAL;
    node_rt *prod;
    out_slot *s = input_slot(ctx, port, &prod);
    if (!s || index >= s->n)
        return h_fail(ctx, UH_EINVAL, "input_image(): no image %u on port %u",
                      (unsigned)index, (unsigned)port);
    if (ctx->node->phase != PHASE_EXECUTE || !s->images[index].data)
        return h_fail(ctx, UH_EINVAL,
                      "input_image() called before the input is ready");
    *out = &s->images[index];
    return UH_OK;
}

static uh_status h_input_rows(uh_ctx *ctx, uint32_t port, uint32_t y,
                              uint32_t n, uh_rows *out)
{
    if (!ctx || !out)
        return UH_EINVAL;
    node_rt *prod;
    out_slot *s = input_slot(ctx, port, &prod);
    if (!s || s->n == 0 || s->type != UH_PORT_IMAGE)
        return h_fail(ctx, UH_EINVAL, "input_rows(): port %u has no image",
                      (unsigned)port);
    const uh_image *img = &s->images[0];
    if (n == 0 || y >= img->info.height || n > img->info.height - y)
        return h_fail(ctx, UH_EINVAL,
                      "input_rows(): rows %u..%u outside the input's %u rows",
                      (unsigned)y, (unsigned)(y + n), img->info.height);
    if (prod->stream_member)
        return stream_input_rows(ctx, port, prod, y, n, out);
    if (!img->data)
        return h_fail(ctx, UH_EINVAL,
                      "input_rows() called before the input is ready");
    out->y = y;
    out->n = n;
    out->stride = img->stride;
    out->data = img->data + (size_t)y * img->stride;
    return UH_OK;
}

static const uh_value *h_input_value(uh_ctx *ctx, uint32_t port)
{
    if (!ctx)
        return NULL;
    out_slot *s = input_slot(ctx, port, NULL);
    return s && s->has_value ? &s->value : NULL;
}

/* ------------------------------------------------------------------------ */
/* Outputs                                                                  */

static uh_status h_set_output(uh_ctx *ctx, uint32_t port, uint32_t index,
                              const uh_image_info *info)
{
    if (!ctx || !info)
        return UH_EINVAL;
    node_rt *nr = ctx->node;
    if (nr->phase != PHASE_PREPARE)
        return h_fail(ctx, UH_EINVAL, "set_output() outside prepare()");
    if (port >= nr->kind->n_outputs)
        return h_fail(ctx, UH_EINVAL, "set_output(): no output port %u",
                      (unsigned)port);
    out_slot *s = &nr->outs[port];
    if (s->type != UH_PORT_IMAGE && s->type != UH_PORT_IMAGE_LIST)
        return h_fail(ctx, UH_EINVAL, "set_output(): port '%s' is no image",
                      nr->type->outputs[port]->name);
    if (s->type == UH_PORT_IMAGE && index != 0)
        return h_fail(ctx, UH_EINVAL,
                      "set_output(): image port '%s' takes index 0 only",
                      nr->type->outputs[port]->name);
    if (index > s->n)
        return h_fail(ctx, UH_EINVAL,
                      "set_output(): list images must be declared in order "
                      "(got index %u after %u)",
                      (unsigned)index, (unsigned)s->n);
    char why[256];
    size_t stride, bytes;
    uh_status st = image_check_info(info, &stride, &bytes, why, sizeof(why));
    if (st != UH_OK)
        return h_fail(ctx, st, "output '%s': %s", nr->type->outputs[port]->name,
                      why);
    if (index == s->n) {
        if (s->n >= IMAGE_MAX_LIST)
            return h_fail(ctx, UH_ELIMIT,
                          "output '%s': more than %u images in a list",
                          nr->type->outputs[port]->name, IMAGE_MAX_LIST);
        if (s->n == s->cap) {
            uint32_t cap = s->cap ? s->cap * 2 : 4;
            uh_image *im = realloc(s->images, cap * sizeof(*im));
            if (!im)
                return h_fail(ctx, UH_ENOMEM, "out of memory");
            s->images = im;
            size_t *b = realloc(s->bytes, cap * sizeof(*b));
            if (!b)
                return h_fail(ctx, UH_ENOMEM, "out of memory");
            s->bytes = b;
            s->cap = cap;
        }
        s->n++;
    }
    uh_image *img = &s->images[index];
    memset(img, 0, sizeof(*img));
    img->struct_size = sizeof(*img);
    img->info = *info;
    img->stride = stride;
    s->bytes[index] = bytes;
    return UH_OK;
}

static uh_status h_output_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                                uh_image **out)
{
    if (!ctx || !out)
        return UH_EINVAL;
    node_rt *nr = ctx->node;
    if (nr->phase != PHASE_EXECUTE)
        return h_fail(ctx, UH_EINVAL, "output_image() outside process()");
    if (port >= nr->kind->n_outputs || index >= nr->outs[port].n)
        return h_fail(ctx, UH_EINVAL,
                      "output_image(): image %u of port %u was not declared",
                      (unsigned)index, (unsigned)port);
    out_slot *s = &nr->outs[port];
    uh_image *img = &s->images[index];
    if (!img->data) {
        alloc_error err;
        pthread_mutex_lock(&nr->lock);
        if (!img->data)
            img->data = alloc_get(ctx->run->alloc, &nr->img_owner,
                                  s->bytes[index], 64, UH_LIFE_IMAGE, &err);
        pthread_mutex_unlock(&nr->lock);
        if (!img->data) {
            ctx->last = err.status;
            if (err.status == UH_ELIMIT)
                return run_node_fail(
                    nr, err.status,
                    "%s exceeded by output '%s' (%ux%u): asked %" PRIu64
                    " bytes with %" PRIu64 " in use of %" PRIu64 "%s",
                    err.what, nr->type->outputs[port]->name, img->info.width,
                    img->info.height, err.asked, err.in_use, err.limit,
                    strcmp(err.what, "memory budget") == 0
                        ? " (raise --memory-limit)"
                        : "");
            return run_node_fail(
                nr, err.status,
                "cannot allocate output '%s' (%" PRIu64 " bytes): %s",
                nr->type->outputs[port]->name, err.asked, err.what);
        }
    }
    *out = img;
    return UH_OK;
}

static uh_status h_set_output_value(uh_ctx *ctx, uint32_t port,
                                    const uh_value *value)
{
    if (!ctx || !value)
        return UH_EINVAL;
    node_rt *nr = ctx->node;
    if (port >= nr->kind->n_outputs)
        return h_fail(ctx, UH_EINVAL, "set_output_value(): no port %u",
                      (unsigned)port);
    out_slot *s = &nr->outs[port];
    if (s->type == UH_PORT_IMAGE || s->type == UH_PORT_IMAGE_LIST)
        return h_fail(ctx, UH_EINVAL,
                      "set_output_value(): port '%s' is an image port",
                      nr->type->outputs[port]->name);
    void *copy = NULL;
    uh_value v = *value;
    v.type = s->type;
    if (s->type == UH_PORT_STRING || s->type == UH_PORT_BLOB) {
        const void *src =
            s->type == UH_PORT_STRING ? (const void *)v.string : v.bytes;
        size_t n = v.count;
        if (s->type == UH_PORT_STRING && src && n == 0)
            n = strlen(v.string);
        if (n >= UINT32_MAX)
            return h_fail(ctx, UH_ELIMIT, "value of %zu bytes is too large", n);
        /* The copy is the node's, counted with its output images. */
        alloc_error err;
        copy = alloc_get(ctx->run->alloc, &nr->img_owner, n + 1, 0,
                         UH_LIFE_IMAGE, &err);
        if (!copy)
            return run_node_fail(nr, err.status,
                                 "cannot allocate %zu bytes for the value "
                                 "of output '%s': %s",
                                 n, nr->type->outputs[port]->name, err.what);
        if (n)
            memcpy(copy, src, n);
        ((char *)copy)[n] = 0;
        v.count = (uint32_t)n;
        v.string = s->type == UH_PORT_STRING ? copy : NULL;
        v.bytes = s->type == UH_PORT_BLOB ? copy : NULL;
    }
    v.numbers = NULL;
    if (s->storage)
        alloc_put(ctx->run->alloc, &nr->img_owner, s->storage,
                  s->storage_bytes);
    s->storage = copy;
    s->storage_bytes = copy ? (size_t)v.count + 1 : 0;
    s->value = v;
    s->has_value = 1;
    return UH_OK;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

static uh_status file_error(uh_ctx *ctx, uh_status st, const char *what,
                            const char *path, int err)
{
    return h_fail(ctx, st, "%s %s: %s", what, path, strerror(err));
}

static uh_status h_file_open_read(uh_ctx *ctx, const char *path, uh_file **out)
{
    if (!ctx || !path || !out)
        return UH_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return file_error(ctx, UH_EIO, "cannot open", path, errno);
    struct stat stt;
    if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        int e = errno;
        close(fd);
        if (S_ISDIR(stt.st_mode))
            return h_fail(ctx, UH_EIO, "cannot read %s: it is a directory",
                          path);
        return file_error(ctx, UH_EIO, "cannot read", path, e ? e : EINVAL);
    }
    uh_file *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path))) {
        free(f);
        close(fd);
        return h_fail(ctx, UH_ENOMEM, "out of memory");
    }
    f->fd = fd;
    f->size = (uint64_t)stt.st_size;
    f->run = ctx->run;
    *out = f;
    return UH_OK;
}

static uh_status h_file_read(uh_ctx *ctx, uh_file *f, void *buf, size_t size,
                             size_t *got)
{
    if (!ctx || !f || !got || f->writing)
        return UH_EINVAL;
    size_t have = 0;
    while (have < size) {
        ssize_t r = read(f->fd, (char *)buf + have, size - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return file_error(ctx, UH_EIO, "cannot read", f->path, errno);
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    *got = have;
    return UH_OK;
}

static uint64_t h_file_size(uh_ctx *ctx, uh_file *f)
{
    (void)ctx;
    return f ? f->size : 0;
}

/* Makes the missing parent directories of `path`. */
static int make_parents(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof(buf))
        return ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    return 0;
}

static uh_status h_file_open_write(uh_ctx *ctx, const char *path, uh_file **out)
{
    if (!ctx || !path || !out)
        return UH_EINVAL;
    if (!*path)
        return h_fail(ctx, UH_EWRITE, "empty output path");
    struct stat stt;
    if (stat(path, &stt) == 0 && S_ISDIR(stt.st_mode))
        return h_fail(ctx, UH_EWRITE, "cannot write %s: it is a directory",
                      path);
    int e = make_parents(path);
    if (e)
        return file_error(ctx, UH_EWRITE, "cannot create the directory of",
                          path, e);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(path) + 48;
    char *tmp = malloc(len);
    if (!tmp)
        return h_fail(ctx, UH_ENOMEM, "out of memory");
    static _Atomic unsigned counter;
    int fd = -1;
    for (int tries = 0; tries < 16 && fd < 0; tries++) {
        snprintf(tmp, len, "%.*s.%s.%ld.%u.tmp", (int)dirlen, path, base,
                 (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        e = errno;
        free(tmp);
        return file_error(ctx, UH_EWRITE, "cannot write", path, e);
    }
    uh_file *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path))) {
        free(f);
        close(fd);
        unlink(tmp);
        free(tmp);
        return h_fail(ctx, UH_ENOMEM, "out of memory");
    }
    f->fd = fd;
    f->writing = 1;
    f->tmp = tmp;
    f->run = ctx->run;
    pthread_mutex_lock(&ctx->run->files_lock);
    f->next = ctx->run->files;
    ctx->run->files = f;
    pthread_mutex_unlock(&ctx->run->files_lock);
    *out = f;
    return UH_OK;
}

/* Starts the kernel writing a file's dirty pages back every few MiB, so
 * the disk works while the run computes and the fsync() at close waits
 * only for the tail (and dirty memory stays bounded). Asynchronous: a
 * failure shows up at fsync(). */
#define WRITEBACK_BYTES (8u << 20)
static void note_written(uh_file *f, size_t n)
{
#ifdef SYNC_FILE_RANGE_WRITE
    if (atomic_fetch_add(&f->unsynced, n) + n >= WRITEBACK_BYTES) {
        atomic_store(&f->unsynced, 0);
        (void)sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
#else
    (void)f;
    (void)n;
#endif
}

static uh_status h_file_write(uh_ctx *ctx, uh_file *f, const void *buf,
                              size_t size)
{
    if (!ctx || !f || !f->writing || f->closed)
        return UH_EINVAL;
    if (f->failed)
        return UH_EWRITE;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(f->fd, (const char *)buf + done, size - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            f->failed = 1;
            return file_error(ctx, UH_EWRITE, "cannot write", f->path, errno);
        }
        done += (size_t)w;
    }
    f->size += size;
    note_written(f, size);
    return UH_OK;
}

static uh_status h_file_close(uh_ctx *ctx, uh_file *f)
{
    if (!f)
        return UH_EINVAL;
    if (!f->writing) {
        close(f->fd);
        free(f->path);
        free(f);
        return UH_OK;
    }
    /* Written files stay on the run's list until commit or removal. */
    if (f->closed)
        return UH_OK;
    uh_status st = UH_OK;
    if (!f->failed && fsync(f->fd) != 0) {
        f->failed = 1;
        st = ctx ? file_error(ctx, UH_EWRITE, "cannot sync", f->path, errno)
                 : UH_EWRITE;
    }
    if (close(f->fd) != 0 && !f->failed) {
        f->failed = 1;
        st = ctx ? file_error(ctx, UH_EWRITE, "cannot close", f->path, errno)
                 : UH_EWRITE;
    }
    f->fd = -1;
    f->closed = 1;
    return f->failed && st == UH_OK ? UH_EWRITE : st;
}

/* ------------------------------------------------------------------------ */
/* Node state and extensions                                                */

static void h_set_user(uh_ctx *ctx, void *user)
{
    if (ctx)
        ctx->node->user = user;
}

static void *h_get_user(uh_ctx *ctx)
{
    return ctx ? ctx->node->user : NULL;
}

/* ------------------------------------------------------------------------ */
/* Extension uh.file-at/1: positioned writes                                */

static int writable(const uh_file *f)
{
    return f && f->writing && !f->closed;
}

static uh_status h_file_reserve(uh_ctx *ctx, uh_file *f, uint64_t size)
{
    if (!ctx || !writable(f) || size > (uint64_t)INT64_MAX)
        return UH_EINVAL;
    if (f->failed)
        return UH_EWRITE;
    struct stat stt;
    if (fstat(f->fd, &stt) == 0 && (uint64_t)stt.st_size >= size)
        return UH_OK;
    int e = posix_fallocate(f->fd, 0, (off_t)size);
    if (e == EOPNOTSUPP || e == EINVAL) /* no fallocate: grow it sparse */
        e = ftruncate(f->fd, (off_t)size) == 0 ? 0 : errno;
    if (e) {
        f->failed = 1;
        return file_error(ctx, UH_EWRITE, "cannot write", f->path, e);
    }
    return UH_OK;
}

static uh_status h_file_write_at(uh_ctx *ctx, uh_file *f, uint64_t offset,
                                 const void *buf, size_t size)
{
    if (!ctx || !writable(f) || (!buf && size) ||
        offset > (uint64_t)INT64_MAX - size)
        return UH_EINVAL;
    if (f->failed)
        return UH_EWRITE;
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(f->fd, (const char *)buf + done, size - done,
                           (off_t)(offset + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            f->failed = 1;
            return file_error(ctx, UH_EWRITE, "cannot write", f->path,
                              w < 0 ? errno : ENOSPC);
        }
        done += (size_t)w;
    }
    note_written(f, size);
    return UH_OK;
}

static const uh_ext_file_at ext_file_at = {
    .struct_size = sizeof(uh_ext_file_at),
    .reserve = h_file_reserve,
    .write_at = h_file_write_at,
};

/* ------------------------------------------------------------------------ */
/* Extension uh.image-pass/1: an input image passed on as an output        */

static uh_status h_pass_input(uh_ctx *ctx, uint32_t in_port, uint32_t in_index,
                              uint32_t out_port, uint32_t out_index)
{
    if (!ctx)
        return UH_EINVAL;
    node_rt *nr = ctx->node;
    if (nr->phase != PHASE_EXECUTE || nr->strip)
        return h_fail(ctx, UH_EINVAL, "pass_input() outside process()");
    out_slot *in = input_slot(ctx, in_port, NULL);
    if (!in || (in->type != UH_PORT_IMAGE && in->type != UH_PORT_IMAGE_LIST) ||
        in_index >= in->n || !in->images[in_index].data)
        return h_fail(ctx, UH_EINVAL,
                      "pass_input(): no whole image %u on input port %u",
                      (unsigned)in_index, (unsigned)in_port);
    if (out_port >= nr->kind->n_outputs || out_index >= nr->outs[out_port].n)
        return h_fail(ctx, UH_EINVAL,
                      "pass_input(): image %u of output port %u was not "
                      "declared",
                      (unsigned)out_index, (unsigned)out_port);
    const uh_image *src = &in->images[in_index];
    out_slot *s = &nr->outs[out_port];
    uh_image *img = &s->images[out_index];
    const uh_image_info *a = &src->info, *b = &img->info;
    if (a->width != b->width || a->height != b->height ||
        a->channels != b->channels || a->sample != b->sample ||
        a->space != b->space || a->flags != b->flags)
        return h_fail(ctx, UH_EINVAL,
                      "pass_input(): output %u of port %u is not shaped like "
                      "input %u of port %u",
                      (unsigned)out_index, (unsigned)out_port,
                      (unsigned)in_index, (unsigned)in_port);
    pthread_mutex_lock(&nr->lock);
    int taken = img->data != NULL;
    if (!taken) {
        img->data = src->data;
        img->stride = src->stride;
        s->bytes[out_index] = 0; /* not the node's: never freed by it */
        nr->holds_inputs = 1;
    }
    pthread_mutex_unlock(&nr->lock);
    if (taken)
        return h_fail(ctx, UH_EINVAL,
                      "pass_input(): output %u of port %u already has pixels",
                      (unsigned)out_index, (unsigned)out_port);
    return UH_OK;
}

static const uh_ext_image_pass ext_image_pass = {
    .struct_size = sizeof(uh_ext_image_pass),
    .pass_input = h_pass_input,
};

static const void *h_get_extension(const uh_host *host, const char *id)
{
    (void)host;
    if (id && strcmp(id, UH_EXT_FILE_AT) == 0)
        return &ext_file_at;
    if (id && strcmp(id, UH_EXT_IMAGE_PASS) == 0)
        return &ext_image_pass;
    return NULL;
}

static const uh_host host_table = {
    .struct_size = sizeof(uh_host),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "uberhost",
    .version = UH_VERSION,
    .alloc = h_alloc,
    .free = h_free,
    .fail = h_fail,
    .last_status = h_last_status,
    .log = h_log,
    .progress = h_progress,
    .is_canceled = h_is_canceled,
    .status_str = hostapi_status_str,
    .parallel_for = h_parallel_for,
    .thread_count = h_thread_count,
    .param = h_param,
    .input_count = h_input_count,
    .input_info = h_input_info,
    .input_image = h_input_image,
    .input_rows = h_input_rows,
    .input_value = h_input_value,
    .set_output = h_set_output,
    .output_image = h_output_image,
    .set_output_value = h_set_output_value,
    .file_open_read = h_file_open_read,
    .file_read = h_file_read,
    .file_size = h_file_size,
    .file_open_write = h_file_open_write,
    .file_write = h_file_write,
    .file_close = h_file_close,
    .set_user = h_set_user,
    .get_user = h_get_user,
    .get_extension = h_get_extension,
};

const uh_host *hostapi_table(void)
{
    return &host_table;
}
