/* The minimal test host of minihost.h. Test code: malloc is fine here. */
#include "minihost.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mh_node {
    const uh_node_type *type;
    const char *role; /* "load" or "save" */
    uh_value *values;
    uint32_t n_params;
    void *user;
    uh_image_info out;
    int has_out;
    const uh_image_info *in_info;
    /* the band png.save may read */
    uint32_t band_y, band_n;
    size_t band_stride;
    const uint8_t *band;
} mh_node;

struct uh_ctx {
    mh_node *node;
};

struct uh_file {
    FILE *fp;
    int writing;
    char *path, *tmp;
    const uint8_t *mem;
    size_t mem_size, mem_pos;
};

/* -- run state (one run at a time) ---------------------------------------- */

static const mh_config *cfg;
static mh_result *res;
static uint64_t live_bytes, live_blocks;
static const uh_plugin *plugin;
static const uh_host host_table;

static int exit_for(uh_status st)
{
    switch (st) {
    case UH_OK:
        return 0;
    case UH_ECORRUPT:
    case UH_EUNSUPPORTED:
        return 3;
    case UH_ELIMIT:
    case UH_ENOMEM:
        return 4;
    case UH_EWRITE:
        return 6;
    case UH_ECANCELED:
        return 7;
    default:
        return 5;
    }
}

static void record(uh_ctx *ctx, uh_status st, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void record(uh_ctx *ctx, uh_status st, const char *fmt, va_list ap)
{
    if (res->status != UH_OK)
        return;
    res->status = st;
    int n = snprintf(res->message, sizeof(res->message),
                     "%s: ", ctx && ctx->node ? ctx->node->type->id : "host");
    if (n < 0)
        n = 0;
    vsnprintf(res->message + n, sizeof(res->message) - (size_t)n, fmt, ap);
}

static void record_f(uh_ctx *ctx, uh_status st, const char *fmt, ...)
    UH_PRINTF(3, 4);
static void record_f(uh_ctx *ctx, uh_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(ctx, st, fmt, ap);
    va_end(ap);
}

/* -- memory: every block has a 64-byte header with its size --------------- */

#define HDR   64
#define MAGIC 0x706e676dU

static void *mh_alloc(uh_ctx *ctx, size_t size, size_t align, uh_lifetime life)
{
    (void)life;
    res->allocations++;
    if (align == 0)
        align = 16;
    if (size == 0 || align > 4096 || (align & (align - 1))) {
        record_f(ctx, UH_EINVAL, "bad allocation: %zu bytes aligned %zu", size,
                 align);
        return NULL;
    }
    if (cfg->fail_alloc_at && res->allocations >= cfg->fail_alloc_at) {
        record_f(ctx, UH_ENOMEM, "injected allocation failure #%llu",
                 (unsigned long long)res->allocations);
        return NULL;
    }
    if (cfg->memory_limit && live_bytes + size > cfg->memory_limit) {
        record_f(ctx, UH_ELIMIT,
                 "memory budget: %zu bytes asked, %llu in use, limit %llu",
                 size, (unsigned long long)live_bytes,
                 (unsigned long long)cfg->memory_limit);
        return NULL;
    }
    size_t pre = align > HDR ? align : HDR;
    uint8_t *base = NULL;
    if (posix_memalign((void **)&base, align, pre + size) != 0) {
        record_f(ctx, UH_ENOMEM, "out of memory (%zu bytes)", size);
        return NULL;
    }
    uint8_t *p = base + pre;
    uint64_t meta[3] = {size, pre, MAGIC};
    memcpy(p - sizeof(meta), meta, sizeof(meta));
    live_bytes += size;
    live_blocks++;
    if (live_bytes > res->peak_bytes)
        res->peak_bytes = live_bytes;
    memset(p, 0xa5, size); /* no plugin may rely on zeroed memory */
    return p;
}

static void mh_free(uh_ctx *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (!ptr)
        return;
    uint8_t *p = ptr;
    uint64_t meta[3];
    memcpy(meta, p - sizeof(meta), sizeof(meta));
    if (meta[2] != MAGIC || meta[0] != size) {
        fprintf(stderr, "minihost: bad free of %p: size %zu, allocated %llu\n",
                ptr, size, (unsigned long long)meta[0]);
        abort();
    }
    live_bytes -= size;
    live_blocks--;
    free(p - meta[1]);
}

/* -- diagnostics ---------------------------------------------------------- */

static uh_status mh_fail(uh_ctx *ctx, uh_status st, const char *fmt, ...)
    UH_PRINTF(3, 4);
static uh_status mh_fail(uh_ctx *ctx, uh_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(ctx, st, fmt, ap);
    va_end(ap);
    return st;
}

static uh_status mh_last_status(uh_ctx *ctx)
{
    (void)ctx;
    return res->status;
}

static void mh_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
    UH_PRINTF(3, 4);
static void mh_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
{
    if (level == UH_LOG_WARN)
        res->warnings++;
    if (cfg->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr,
            "minihost: %s: %s: ", level == UH_LOG_WARN ? "warning" : "info",
            ctx && ctx->node ? ctx->node->type->id : "host");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int mh_progress(uh_ctx *ctx, double f)
{
    (void)ctx;
    (void)f;
    return 0;
}

static int mh_is_canceled(uh_ctx *ctx)
{
    (void)ctx;
    return 0;
}

static const char *mh_status_str(uh_status st)
{
    switch (st) {
#define S(name, value, msg)                                                    \
    case UH_##name:                                                            \
        return msg;
        UH_STATUS_MAP(S)
#undef S
    default:
        return "unknown";
    }
}

static uh_status mh_parallel_for(uh_ctx *ctx, uint32_t n,
                                 uh_status (*fn)(void *, uh_ctx *, uint32_t),
                                 void *arg)
{
    for (uint32_t i = 0; i < n; i++) {
        uh_status st = fn(arg, ctx, i);
        if (st != UH_OK)
            return st;
    }
    return UH_OK;
}

static uint32_t mh_thread_count(uh_ctx *ctx)
{
    (void)ctx;
    return 1;
}

/* -- params and ports ----------------------------------------------------- */

static const uh_value *mh_param(uh_ctx *ctx, const char *name)
{
    mh_node *n = ctx->node;
    for (uint32_t i = 0; i < n->n_params; i++)
        if (strcmp(n->type->params[i]->name, name) == 0)
            return &n->values[i];
    return NULL;
}

static uint32_t mh_input_count(uh_ctx *ctx, uint32_t port)
{
    return port == 0 && ctx->node->in_info ? 1 : 0;
}

static const uh_image_info *mh_input_info(uh_ctx *ctx, uint32_t port,
                                          uint32_t index)
{
    return port == 0 && index == 0 ? ctx->node->in_info : NULL;
}

static uh_status mh_input_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                                const uh_image **out)
{
    (void)port;
    (void)index;
    (void)out;
    return mh_fail(ctx, UH_EINTERNAL, "input_image is not in the minihost");
}

static uh_status mh_input_rows(uh_ctx *ctx, uint32_t port, uint32_t y,
                               uint32_t n, uh_rows *out)
{
    mh_node *nd = ctx->node;
    if (port != 0 || !nd->band || y < nd->band_y ||
        y + n > nd->band_y + nd->band_n)
        return mh_fail(ctx, UH_EINTERNAL, "input_rows %u..%u not ready", y,
                       y + n);
    out->y = y;
    out->n = n;
    out->stride = nd->band_stride;
    out->data =
        (uint8_t *)nd->band + (size_t)(y - nd->band_y) * nd->band_stride;
    return UH_OK;
}

static const uh_value *mh_input_value(uh_ctx *ctx, uint32_t port)
{
    (void)ctx;
    (void)port;
    return NULL;
}

static uh_status mh_set_output(uh_ctx *ctx, uint32_t port, uint32_t index,
                               const uh_image_info *info)
{
    if (port != 0 || index != 0 || info->width == 0 || info->height == 0 ||
        info->channels < 1 || info->channels > 4 ||
        uh_sample_size(info->sample) == 0)
        return mh_fail(ctx, UH_EINTERNAL, "bad set_output");
    ctx->node->out = *info;
    ctx->node->has_out = 1;
    return UH_OK;
}

static uh_status mh_output_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                                 uh_image **out)
{
    (void)port;
    (void)index;
    (void)out;
    return mh_fail(ctx, UH_EINTERNAL, "output_image is not in the minihost");
}

static uh_status mh_set_output_value(uh_ctx *ctx, uint32_t port,
                                     const uh_value *v)
{
    (void)port;
    (void)v;
    return mh_fail(ctx, UH_EINTERNAL, "no value outputs");
}

/* -- files ---------------------------------------------------------------- */

static uh_status mh_file_open_read(uh_ctx *ctx, const char *path, uh_file **out)
{
    uh_file *f = calloc(1, sizeof(*f));
    if (!f)
        return mh_fail(ctx, UH_ENOMEM, "out of memory");
    if (strcmp(path, "mem:") == 0) {
        f->mem = cfg->mem;
        f->mem_size = cfg->mem_size;
    } else if (!(f->fp = fopen(path, "rb"))) {
        free(f);
        return mh_fail(ctx, UH_EIO, "%s: %s", path, strerror(errno));
    }
    *out = f;
    return UH_OK;
}

static uh_status mh_file_read(uh_ctx *ctx, uh_file *f, void *buf, size_t size,
                              size_t *got)
{
    if (f->fp) {
        *got = fread(buf, 1, size, f->fp);
        if (*got == 0 && ferror(f->fp))
            return mh_fail(ctx, UH_EIO, "read error");
        return UH_OK;
    }
    size_t k = f->mem_size - f->mem_pos;
    if (k > size)
        k = size;
    if (k)
        memcpy(buf, f->mem + f->mem_pos, k);
    f->mem_pos += k;
    *got = k;
    return UH_OK;
}

static uint64_t mh_file_size(uh_ctx *ctx, uh_file *f)
{
    (void)ctx;
    if (!f->fp)
        return f->mem_size;
    long pos = ftell(f->fp);
    fseek(f->fp, 0, SEEK_END);
    long end = ftell(f->fp);
    fseek(f->fp, pos, SEEK_SET);
    return end < 0 ? 0 : (uint64_t)end;
}

static uh_status mh_file_open_write(uh_ctx *ctx, const char *path,
                                    uh_file **out)
{
    uh_file *f = calloc(1, sizeof(*f));
    size_t n = strlen(path);
    if (!f || !(f->path = strdup(path)) || !(f->tmp = malloc(n + 5))) {
        if (f)
            free(f->path);
        free(f);
        return mh_fail(ctx, UH_ENOMEM, "out of memory");
    }
    memcpy(f->tmp, path, n);
    memcpy(f->tmp + n, ".tmp", 5);
    if (!(f->fp = fopen(f->tmp, "wb"))) {
        uh_status st = mh_fail(ctx, UH_EWRITE, "%s: %s", path, strerror(errno));
        free(f->path);
        free(f->tmp);
        free(f);
        return st;
    }
    f->writing = 1;
    *out = f;
    return UH_OK;
}

static uh_status mh_file_write(uh_ctx *ctx, uh_file *f, const void *buf,
                               size_t size)
{
    if (fwrite(buf, 1, size, f->fp) != size)
        return mh_fail(ctx, UH_EWRITE, "%s: %s", f->path, strerror(errno));
    return UH_OK;
}

/* Written files are kept until the run ends: renamed on success. */
static uh_file *written[8];
static int n_written;

static uh_status mh_file_close(uh_ctx *ctx, uh_file *f)
{
    uh_status st = UH_OK;
    if (f->fp && fclose(f->fp) != 0)
        st = mh_fail(ctx, f->writing ? UH_EWRITE : UH_EIO, "close failed");
    f->fp = NULL;
    if (f->writing && n_written < 8) {
        written[n_written++] = f;
        return st;
    }
    free(f->path);
    free(f->tmp);
    free(f);
    return st;
}

static void mh_commit(int ok)
{
    for (int i = 0; i < n_written; i++) {
        uh_file *f = written[i];
        if (ok)
            rename(f->tmp, f->path);
        else
            remove(f->tmp);
        free(f->path);
        free(f->tmp);
        free(f);
    }
    n_written = 0;
}

static void mh_set_user(uh_ctx *ctx, void *user)
{
    ctx->node->user = user;
}

static void *mh_get_user(uh_ctx *ctx)
{
    return ctx->node->user;
}

static const void *mh_get_extension(const uh_host *h, const char *id)
{
    (void)h;
    (void)id;
    return NULL;
}

static const uh_host host_table = {
    .struct_size = sizeof(uh_host),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "minihost",
    .version = "0",
    .alloc = mh_alloc,
    .free = mh_free,
    .fail = mh_fail,
    .last_status = mh_last_status,
    .log = mh_log,
    .progress = mh_progress,
    .is_canceled = mh_is_canceled,
    .status_str = mh_status_str,
    .parallel_for = mh_parallel_for,
    .thread_count = mh_thread_count,
    .param = mh_param,
    .input_count = mh_input_count,
    .input_info = mh_input_info,
    .input_image = mh_input_image,
    .input_rows = mh_input_rows,
    .input_value = mh_input_value,
    .set_output = mh_set_output,
    .output_image = mh_output_image,
    .set_output_value = mh_set_output_value,
    .file_open_read = mh_file_open_read,
    .file_read = mh_file_read,
    .file_size = mh_file_size,
    .file_open_write = mh_file_open_write,
    .file_write = mh_file_write,
    .file_close = mh_file_close,
    .set_user = mh_set_user,
    .get_user = mh_get_user,
    .get_extension = mh_get_extension,
};

/* -- loading and params --------------------------------------------------- */

/* Defined when the plugin is compiled into the binary (the libFuzzer
 * build of fuzz_png), so coverage of the plugin guides the fuzzer. */
extern const uh_plugin *uh_plugin_entry(void) __attribute__((weak));

int mh_load(const char *plugin_path)
{
    if (plugin)
        return 0;
    if (strcmp(plugin_path, "builtin") == 0) {
        const uh_plugin *p = uh_plugin_entry ? uh_plugin_entry() : NULL;
        if (!p || p->init(&host_table) != UH_OK) {
            fprintf(stderr, "minihost: no built-in plugin\n");
            return -1;
        }
        plugin = p;
        return 0;
    }
    void *h = dlopen(plugin_path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "minihost: %s\n", dlerror());
        return -1;
    }
    uh_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, UH_PLUGIN_ENTRY);
    if (!entry) {
        fprintf(stderr, "minihost: no entry in %s\n", plugin_path);
        return -1;
    }
    const uh_plugin *p = entry();
    if (!p || p->sdk.major != UH_SDK_VERSION_MAJOR || p->init(&host_table)) {
        fprintf(stderr, "minihost: %s refused\n", plugin_path);
        return -1;
    }
    plugin = p;
    return 0;
}

static const uh_node_type *find_type(const char *id)
{
    for (const uh_node_type *const *t = plugin->node_types; *t; t++)
        if (strcmp((*t)->id, id) == 0)
            return *t;
    return NULL;
}

/* Sets one value from text as the real host would, checking the range. */
static int parse_value(const uh_param_desc *d, const char *text, uh_value *v)
{
    char *end = NULL;
    v->type = d->type;
    switch (d->type) {
    case UH_PARAM_STRING:
        v->string = text;
        v->count = (uint32_t)strlen(text);
        return 0;
    case UH_PARAM_ENUM:
        for (uint32_t i = 0; d->values[i]; i++)
            if (strcmp(d->values[i], text) == 0) {
                v->integer = i;
                v->number = i;
                v->string = d->values[i];
                return 0;
            }
        return -1;
    case UH_PARAM_BOOL:
        v->integer = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
        v->number = (double)v->integer;
        return 0;
    case UH_PARAM_INTEGER:
    case UH_PARAM_NUMBER:
        v->number = strtod(text, &end);
        if (!end || *end)
            return -1;
        if (d->type == UH_PARAM_INTEGER &&
            v->number != (double)(int64_t)v->number)
            return -1;
        if ((d->flags & UH_PARAM_RANGE) &&
            (v->number < d->min || v->number > d->max))
            return -1;
        v->integer = (int64_t)v->number;
        return 0;
    default:
        return -1;
    }
}

static int node_init(mh_node *n, const char *id, const char *role,
                     const char *path)
{
    memset(n, 0, sizeof(*n));
    n->type = find_type(id);
    n->role = role;
    if (!n->type)
        return -1;
    while (n->type->params && n->type->params[n->n_params])
        n->n_params++;
    n->values = calloc(n->n_params + 1, sizeof(uh_value));
    if (!n->values)
        return -1;
    char num[64];
    for (uint32_t i = 0; i < n->n_params; i++) {
        const uh_param_desc *d = n->type->params[i];
        const char *text = d->def_text ? d->def_text : "";
        if (d->type == UH_PARAM_NUMBER || d->type == UH_PARAM_INTEGER ||
            d->type == UH_PARAM_BOOL) {
            snprintf(num, sizeof(num), "%.17g", d->def);
            text = d->type == UH_PARAM_BOOL ? (d->def != 0 ? "true" : "false")
                                            : num;
        }
        if (strcmp(d->name, "path") == 0)
            text = path;
        if (parse_value(d, text, &n->values[i]) != 0) {
            fprintf(stderr, "minihost: %s: bad default of %s\n", id, d->name);
            return -1;
        }
    }
    size_t rl = strlen(role);
    for (int s = 0; s < cfg->n_sets; s++) {
        const char *set = cfg->sets[s];
        if (strncmp(set, role, rl) != 0 || set[rl] != '.')
            continue;
        const char *eq = strchr(set, '=');
        if (!eq)
            return -1;
        size_t kl = (size_t)(eq - set) - rl - 1;
        uint32_t i;
        for (i = 0; i < n->n_params; i++)
            if (strlen(n->type->params[i]->name) == kl &&
                strncmp(n->type->params[i]->name, set + rl + 1, kl) == 0)
                break;
        if (i == n->n_params ||
            parse_value(n->type->params[i], eq + 1, &n->values[i]) != 0) {
            fprintf(stderr, "minihost: bad --set %s\n", set);
            return -1;
        }
    }
    return 0;
}

/* -- the run -------------------------------------------------------------- */

void mh_run(const mh_config *c, const char *in, const char *out, uint8_t **raw,
            size_t *raw_size, mh_result *r)
{
    cfg = c;
    res = r;
    memset(r, 0, sizeof(*r));
    live_bytes = live_blocks = 0;
    mh_node load, save;
    uh_ctx lctx = {&load}, sctx = {&save};
    int prepared_load = 0, prepared_save = 0, started_load = 0,
        started_save = 0;
    void *lseq = NULL, *sseq = NULL;
    uint8_t *band = NULL, *all = NULL;
    size_t stride = 0;
    if (raw)
        *raw = NULL;
    memset(&save, 0, sizeof(save));

    if (node_init(&load, "png.load", "load", in) != 0 ||
        (out && node_init(&save, "png.save", "save", out) != 0)) {
        record_f(NULL, UH_EINVAL, "bad parameters");
        goto done;
    }
    if (load.type->prepare(&lctx) != UH_OK)
        goto done;
    prepared_load = 1;
    if (!load.has_out) {
        record_f(&lctx, UH_EINTERNAL, "png.load declared no output");
        goto done;
    }
    r->info = load.out;
    if (out) {
        save.in_info = &load.out;
        if (save.type->prepare(&sctx) != UH_OK)
            goto done;
        prepared_save = 1;
    }
    stride = (size_t)load.out.width * uh_pixel_size(&load.out);
    uint32_t bn = c->band ? c->band : 16;
    if (bn > load.out.height)
        bn = load.out.height;
    /* A stride with slack, so the plugin must honour out->stride. */
    size_t bstride = stride + 16;
    band = malloc(bstride * bn);
    if (band && raw && !(all = malloc(stride * load.out.height))) {
        free(band);
        band = NULL;
    }
    if (!band) {
        record_f(NULL, UH_ENOMEM, "harness out of memory");
        goto done;
    }
    if (load.type->start(&lctx, &lseq) != UH_OK)
        goto done;
    started_load = 1;
    if (out) {
        if (save.type->start(&sctx, &sseq) != UH_OK)
            goto done;
        started_save = 1;
    }
    for (uint32_t y = 0; y < load.out.height; y += bn) {
        uint32_t n = load.out.height - y < bn ? load.out.height - y : bn;
        uh_rows rows = {.y = y, .n = n, .stride = bstride, .data = band};
        if (load.type->rows(&lctx, lseq, &rows) != UH_OK)
            goto done;
        if (all)
            for (uint32_t i = 0; i < n; i++)
                memcpy(all + (size_t)(y + i) * stride, band + i * bstride,
                       stride);
        if (out) {
            save.band = band;
            save.band_y = y;
            save.band_n = n;
            save.band_stride = bstride;
            uh_rows sink = {.y = y, .n = n, .stride = 0, .data = NULL};
            if (save.type->rows(&sctx, sseq, &sink) != UH_OK)
                goto done;
        }
    }
done:
    if (r->status == UH_OK && raw) {
        *raw = all;
        *raw_size = stride * load.out.height;
        all = NULL;
    }
    if (started_save)
        save.type->stop(&sctx, sseq);
    if (started_load)
        load.type->stop(&lctx, lseq);
    if (prepared_save && save.type->cleanup)
        save.type->cleanup(&sctx);
    if (prepared_load && load.type->cleanup)
        load.type->cleanup(&lctx);
    mh_commit(r->status == UH_OK);
    free(band);
    free(all);
    free(load.values);
    free(save.values);
    r->leaked = live_bytes;
    r->exit_code = exit_for(r->status);
}

void mh_save(const mh_config *c, const char *out, const uh_image_info *info,
             const uint8_t *data, size_t stride, mh_result *r)
{
    cfg = c;
    res = r;
    memset(r, 0, sizeof(*r));
    live_bytes = live_blocks = 0;
    mh_node save;
    uh_ctx sctx = {&save};
    void *sseq = NULL;
    int prepared = 0, started = 0;
    r->info = *info;
    if (node_init(&save, "png.save", "save", out) != 0) {
        record_f(NULL, UH_EINVAL, "bad parameters");
        goto done;
    }
    save.in_info = info;
    if (save.type->prepare(&sctx) != UH_OK)
        goto done;
    prepared = 1;
    if (save.type->start(&sctx, &sseq) != UH_OK)
        goto done;
    started = 1;
    uint32_t bn = c->band ? c->band : 16;
    for (uint32_t y = 0; y < info->height; y += bn) {
        uint32_t n = info->height - y < bn ? info->height - y : bn;
        save.band = data + (size_t)y * stride;
        save.band_y = y;
        save.band_n = n;
        save.band_stride = stride;
        uh_rows sink = {.y = y, .n = n, .stride = 0, .data = NULL};
        if (save.type->rows(&sctx, sseq, &sink) != UH_OK)
            goto done;
    }
done:
    if (started)
        save.type->stop(&sctx, sseq);
    if (prepared && save.type->cleanup)
        save.type->cleanup(&sctx);
    mh_commit(r->status == UH_OK);
    free(save.values);
    r->leaked = live_bytes;
    r->exit_code = exit_for(r->status);
}
