/* The mock host: see mockhost.h. Tests may use malloc; plugins may not. */
#include "mockhost.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 64

typedef struct mparam {
    const uh_param_desc *desc;
    uh_value value;
    double nums[1280];
    char text[64];
} mparam;

struct uh_ctx {
    int dummy;
};

static const uh_plugin *plugin;
static const uh_node_type *type;
static mparam params[MAX_PARAMS];
static uint32_t n_params;
static const mh_image *inputs[3];
#define input inputs[0]
static uh_image_info output_info;
static int output_set;
static void *user;
static char error[512];
static uh_status error_status;
static long live_blocks;
static struct uh_ctx the_ctx;

/* ------------------------------------------------------------------------ */
/* Host services                                                            */

static void *h_alloc(uh_ctx *ctx, size_t size, size_t align, uh_lifetime life)
{
    void *p = NULL;
    (void)ctx;
    (void)life;
    if (align < 16)
        align = 16;
    if (posix_memalign(&p, align, size ? size : 1) != 0) {
        error_status = UH_ENOMEM;
        return NULL;
    }
    live_blocks++;
    return p;
}

static void h_free(uh_ctx *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    if (p) {
        live_blocks--;
        free(p);
    }
}

static uh_status h_fail(uh_ctx *ctx, uh_status st, const char *fmt, ...)
    UH_PRINTF(3, 4);

static uh_status h_fail(uh_ctx *ctx, uh_status st, const char *fmt, ...)
{
    va_list ap;
    (void)ctx;
    if (error_status == UH_OK) {
        va_start(ap, fmt);
        vsnprintf(error, sizeof error, fmt, ap);
        va_end(ap);
        error_status = st;
    }
    return st;
}

static uh_status h_last_status(uh_ctx *ctx)
{
    (void)ctx;
    return error_status;
}

static void h_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static int h_progress(uh_ctx *ctx, double f)
{
    (void)ctx;
    (void)f;
    return 0;
}

static int h_is_canceled(uh_ctx *ctx)
{
    (void)ctx;
    return 0;
}

static const char *h_status_str(uh_status st)
{
    (void)st;
    return "status";
}

static uh_status h_parallel_for(uh_ctx *ctx, uint32_t n,
                                uh_status (*fn)(void *, uh_ctx *, uint32_t),
                                void *arg)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        uh_status st = fn(arg, ctx, i);
        if (st != UH_OK)
            return st;
    }
    return UH_OK;
}

static uint32_t h_thread_count(uh_ctx *ctx)
{
    (void)ctx;
    return 1;
}

static const uh_value *h_param(uh_ctx *ctx, const char *name)
{
    uint32_t i;
    (void)ctx;
    for (i = 0; i < n_params; i++)
        if (strcmp(params[i].desc->name, name) == 0)
            return &params[i].value;
    return NULL;
}

static uint32_t h_input_count(uh_ctx *ctx, uint32_t port)
{
    (void)ctx;
    return port < 3 && inputs[port] ? 1 : 0;
}

static const uh_image_info *h_input_info(uh_ctx *ctx, uint32_t port,
                                         uint32_t index)
{
    (void)ctx;
    return port < 3 && index == 0 && inputs[port] ? &inputs[port]->info : NULL;
}

static uh_status h_input_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                               const uh_image **out)
{
    (void)port;
    (void)index;
    (void)out;
    return h_fail(ctx, UH_EINVAL, "mock: input_image() is not provided");
}

static uh_status h_input_rows(uh_ctx *ctx, uint32_t port, uint32_t y,
                              uint32_t n, uh_rows *out)
{
    const mh_image *in = port < 3 ? inputs[port] : NULL;
    if (!in)
        return h_fail(ctx, UH_EINVAL, "mock: no input on port %u", port);
    if (n == 0 || y >= in->info.height || n > in->info.height - y)
        return h_fail(ctx, UH_EINVAL, "mock: rows %u+%u outside %u", y, n,
                      in->info.height);
    out->y = y;
    out->n = n;
    out->stride = in->stride;
    out->data = in->data + (size_t)y * in->stride;
    return UH_OK;
}

static const uh_value *h_input_value(uh_ctx *ctx, uint32_t port)
{
    (void)ctx;
    (void)port;
    return NULL;
}

static uh_status h_set_output(uh_ctx *ctx, uint32_t port, uint32_t index,
                              const uh_image_info *info)
{
    if (port != 0 || index != 0)
        return h_fail(ctx, UH_EINVAL, "mock: bad output %u/%u", port, index);
    output_info = *info;
    output_set = 1;
    return UH_OK;
}

static uh_status h_output_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                                uh_image **out)
{
    (void)port;
    (void)index;
    (void)out;
    return h_fail(ctx, UH_EINVAL, "mock: output_image() is not provided");
}

static uh_status h_set_output_value(uh_ctx *ctx, uint32_t port,
                                    const uh_value *v)
{
    (void)port;
    (void)v;
    return h_fail(ctx, UH_EINVAL, "mock: no value outputs");
}

static uh_status h_file_open_read(uh_ctx *ctx, const char *path, uh_file **out)
{
    (void)out;
    return h_fail(ctx, UH_EIO, "mock: no files (%s)", path);
}

static uh_status h_file_read(uh_ctx *ctx, uh_file *f, void *buf, size_t size,
                             size_t *got)
{
    (void)f;
    (void)buf;
    (void)size;
    (void)got;
    return h_fail(ctx, UH_EIO, "mock: no files");
}

static uint64_t h_file_size(uh_ctx *ctx, uh_file *f)
{
    (void)ctx;
    (void)f;
    return 0;
}

static uh_status h_file_open_write(uh_ctx *ctx, const char *path, uh_file **out)
{
    (void)out;
    return h_fail(ctx, UH_EWRITE, "mock: no files (%s)", path);
}

static uh_status h_file_write(uh_ctx *ctx, uh_file *f, const void *buf,
                              size_t size)
{
    (void)f;
    (void)buf;
    (void)size;
    return h_fail(ctx, UH_EWRITE, "mock: no files");
}

static uh_status h_file_close(uh_ctx *ctx, uh_file *f)
{
    (void)ctx;
    (void)f;
    return UH_OK;
}

static void h_set_user(uh_ctx *ctx, void *u)
{
    (void)ctx;
    user = u;
}

static void *h_get_user(uh_ctx *ctx)
{
    (void)ctx;
    return user;
}

static const void *h_get_extension(const uh_host *host, const char *id)
{
    (void)host;
    (void)id;
    return NULL;
}

static const uh_host host = {
    .struct_size = sizeof(uh_host),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "mockhost",
    .version = "0",
    .alloc = h_alloc,
    .free = h_free,
    .fail = h_fail,
    .last_status = h_last_status,
    .log = h_log,
    .progress = h_progress,
    .is_canceled = h_is_canceled,
    .status_str = h_status_str,
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

/* ------------------------------------------------------------------------ */
/* Driver                                                                   */

int mh_load(const char *path)
{
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    uh_plugin_entry_fn entry;
    if (!so) {
        fprintf(stderr, "mockhost: %s\n", dlerror());
        return -1;
    }
    *(void **)(&entry) = dlsym(so, UH_PLUGIN_ENTRY);
    if (!entry) {
        fprintf(stderr, "mockhost: no entry in %s\n", path);
        return -1;
    }
    plugin = entry();
    if (plugin->init(&host) != UH_OK) {
        fprintf(stderr, "mockhost: init failed\n");
        return -1;
    }
    return 0;
}

static mparam *find(const char *name)
{
    uint32_t i;
    for (i = 0; i < n_params; i++)
        if (strcmp(params[i].desc->name, name) == 0)
            return &params[i];
    fprintf(stderr, "mockhost: %s has no parameter %s\n", type->id, name);
    exit(2);
}

static void set_enum(mparam *p, const char *v)
{
    uint32_t i;
    for (i = 0; p->desc->values[i]; i++) {
        if (strcmp(p->desc->values[i], v) == 0) {
            p->value.integer = i;
            p->value.number = i;
            snprintf(p->text, sizeof p->text, "%s", v);
            p->value.string = p->text;
            return;
        }
    }
    fprintf(stderr, "mockhost: %s is not a value of %s\n", v, p->desc->name);
    exit(2);
}

void mh_begin(const char *id)
{
    uint32_t i;
    type = NULL;
    for (i = 0; plugin->node_types[i]; i++)
        if (strcmp(plugin->node_types[i]->id, id) == 0)
            type = plugin->node_types[i];
    if (!type) {
        fprintf(stderr, "mockhost: no node type %s\n", id);
        exit(2);
    }
    n_params = 0;
    memset(inputs, 0, sizeof inputs);
    for (i = 0; type->params && type->params[i]; i++) {
        mparam *p = &params[n_params++];
        const uh_param_desc *d = type->params[i];
        memset(p, 0, sizeof *p);
        p->desc = d;
        p->value.type = d->type;
        p->value.numbers = p->nums;
        if (d->type == UH_PARAM_ENUM) {
            set_enum(p, d->def_text);
        } else if (d->type == UH_PARAM_NUMBERS) {
            const char *s = d->def_text;
            while (*s) {
                char *end;
                double v = strtod(s, &end);
                if (end == s) {
                    s++;
                    continue;
                }
                p->nums[p->value.count++] = v;
                s = end;
            }
        } else {
            p->value.number = d->def;
            p->value.integer = (int64_t)d->def;
        }
    }
}

int mh_has_param(const char *name)
{
    uint32_t i;
    for (i = 0; i < n_params; i++)
        if (strcmp(params[i].desc->name, name) == 0)
            return 1;
    return 0;
}

void mh_set_int(const char *name, int64_t v)
{
    mparam *p = find(name);
    p->value.integer = v;
    p->value.number = (double)v;
}

void mh_set_num(const char *name, double v)
{
    mparam *p = find(name);
    p->value.number = v;
    p->value.integer = (int64_t)v;
}

void mh_set_enum(const char *name, const char *v)
{
    set_enum(find(name), v);
}

void mh_set_nums(const char *name, const double *v, uint32_t n)
{
    mparam *p = find(name);
    memcpy(p->nums, v, n * sizeof(double));
    p->value.count = n;
}

void mh_set_input(const mh_image *img)
{
    inputs[0] = img;
}

void mh_set_input_port(uint32_t port, const mh_image *img)
{
    inputs[port] = img;
}

const char *mh_error(void)
{
    return error;
}

long mh_live_blocks(void)
{
    return live_blocks;
}

uh_status mh_run(uint32_t band, int order, mh_image *out)
{
    uh_ctx *ctx = &the_ctx;
    void *seq[2] = {NULL, NULL};
    uh_status st;
    uint32_t nb, b, i;
    size_t px;

    error[0] = 0;
    error_status = UH_OK;
    output_set = 0;
    user = NULL;
    memset(out, 0, sizeof *out);
    st = type->prepare(ctx);
    if (st != UH_OK)
        return st;
    if (!output_set) {
        h_fail(ctx, UH_EINTERNAL, "mock: no output declared");
        goto done;
    }
    out->info = output_info;
    px = (size_t)output_info.channels * uh_sample_size(output_info.sample);
    out->stride = px * output_info.width;
    out->data = calloc(out->stride, output_info.height);
    for (i = 0; i < 2; i++) {
        st = type->start(ctx, &seq[i]);
        if (st != UH_OK)
            goto done;
    }
    nb = (output_info.height + band - 1) / band;
    for (i = 0; i < nb; i++) {
        uh_rows rows;
        int s = 0;
        b = i;
        if (order == 1)
            b = nb - 1 - i;
        else if (order == 2) {
            b = (i & 1) ? nb - 1 - i / 2 : i / 2;
            s = i & 1;
        }
        rows.y = b * band;
        rows.n = output_info.height - rows.y < band
                     ? output_info.height - rows.y
                     : band;
        rows.stride = out->stride;
        rows.data = out->data + rows.y * out->stride;
        st = type->rows(ctx, seq[s], &rows);
        if (st != UH_OK)
            break;
    }
done:
    for (i = 0; i < 2; i++)
        if (seq[i])
            type->stop(ctx, seq[i]);
    if (type->cleanup)
        type->cleanup(ctx);
    if (st == UH_OK && error_status != UH_OK)
        st = error_status;
    if (st != UH_OK)
        mh_image_free(out);
    return st;
}

void mh_image_free(mh_image *img)
{
    free(img->data);
    img->data = NULL;
}

double mh_at(const mh_image *img, uint32_t x, uint32_t y, uint32_t c)
{
    const uint8_t *row = img->data + (size_t)y * img->stride;
    size_t i = (size_t)x * img->info.channels + c;
    switch (img->info.sample) {
    case UH_SAMPLE_U8:
        return row[i] / 255.0;
    case UH_SAMPLE_U16:
        return ((const uint16_t *)(const void *)row)[i] / 65535.0;
    default:
        return ((const float *)(const void *)row)[i];
    }
}
