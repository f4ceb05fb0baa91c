/* A minimal stand-in host that runs one node of jpeg.so, for tests that
 * check the plugin's pixels and failures without the real host:
 *
 *   jpeg_driver PLUGIN load IN.jpg OUT.pnm [band=N] [param=value ...]
 *   jpeg_driver PLUGIN save IN.pam OUT.jpg [band=N] [sample=u8|u16|f32]
 *               [space=srgb|linear] [param=value ...]
 *
 * load writes P5 (grey) or P6 (RGB); save reads a PAM (P7, MAXVAL 255 or
 * 65535). Bands come in heights band, band+3, band+6, ... cycling, so odd
 * band heights are exercised. The peak of the plugin's allocations is
 * printed last ("jpeg_driver: peak N bytes allocated"). Exit codes follow the
 * CLI (3 decode, 4 limit, 5 other, 6 write, 2 bad parameter); every allocation
 * is checked for a matching sized free, and a leak exits 70. */
#include <uberhost/uh_sdk.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct uh_ctx {
    int dummy;
};
struct uh_file {
    FILE *f;
    uint64_t size;
};

static uh_ctx drv_ctx;
static const uh_node_type *drv_type;
static uh_status drv_status;
static char drv_msg[4096];
static size_t drv_live, drv_blocks, drv_peak;
static void *drv_user;
static int drv_have_output;
static uh_image_info drv_out_info;
static uh_image_info drv_in_info;
static uint8_t *drv_in_data;
static size_t drv_in_stride;

#define DRV_MAX_PARAMS 32
static uh_value drv_values[DRV_MAX_PARAMS];

/* -- host services --------------------------------------------------------
 */

static void *drv_alloc(uh_ctx *ctx, size_t size, size_t align, uh_lifetime l)
{
    (void)ctx;
    (void)l;
    if (align < 16)
        align = 16;
    unsigned char *p = malloc(size + align);
    if (!p)
        return NULL;
    unsigned char *q = p + align;
    memcpy(q - 16, &size, sizeof(size));
    memcpy(q - 8, &p, sizeof(p));
    drv_live += size;
    drv_blocks++;
    if (drv_live > drv_peak)
        drv_peak = drv_live;
    return q;
}

static void drv_free(uh_ctx *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (!ptr)
        return;
    unsigned char *q = ptr, *p;
    size_t had;
    memcpy(&had, q - 16, sizeof(had));
    memcpy(&p, q - 8, sizeof(p));
    if (had != size) {
        fprintf(stderr, "jpeg_driver: sized free of %zu bytes, block has %zu\n",
                size, had);
        exit(70);
    }
    drv_live -= size;
    drv_blocks--;
    free(p);
}

UH_PRINTF(3, 4)
static uh_status drv_fail(uh_ctx *ctx, uh_status status, const char *fmt, ...)
{
    (void)ctx;
    if (drv_status == UH_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(drv_msg, sizeof(drv_msg), fmt, ap);
        va_end(ap);
        drv_status = status;
    }
    return status;
}

static uh_status drv_last_status(uh_ctx *ctx)
{
    (void)ctx;
    return drv_status;
}

UH_PRINTF(3, 4)
static void drv_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
{
    (void)ctx;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "log%u: ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int drv_progress(uh_ctx *ctx, double f)
{
    (void)ctx;
    (void)f;
    return 0;
}

static int drv_is_canceled(uh_ctx *ctx)
{
    (void)ctx;
    return 0;
}

static const char *drv_status_str(uh_status s)
{
    switch (s) {
#define DRV_CASE(name, value, msg)                                             \
    case UH_##name:                                                            \
        return msg;
        UH_STATUS_MAP(DRV_CASE)
#undef DRV_CASE
    default:
        return "unknown";
    }
}

static uh_status drv_parallel_for(uh_ctx *ctx, uint32_t n,
                                  uh_status (*fn)(void *, uh_ctx *, uint32_t),
                                  void *arg)
{
    for (uint32_t i = 0; i < n; i++) {
        uh_status s = fn(arg, ctx, i);
        if (s != UH_OK)
            return s;
    }
    return UH_OK;
}

static uint32_t drv_thread_count(uh_ctx *ctx)
{
    (void)ctx;
    return 1;
}

static const uh_value *drv_param(uh_ctx *ctx, const char *name)
{
    (void)ctx;
    for (uint32_t i = 0; drv_type->params && drv_type->params[i]; i++)
        if (strcmp(drv_type->params[i]->name, name) == 0)
            return &drv_values[i];
    return NULL;
}

static uint32_t drv_input_count(uh_ctx *ctx, uint32_t port)
{
    (void)ctx;
    return port == 0 && drv_in_data ? 1 : 0;
}

static const uh_image_info *drv_input_info(uh_ctx *ctx, uint32_t port,
                                           uint32_t index)
{
    (void)ctx;
    return port == 0 && index == 0 && drv_in_data ? &drv_in_info : NULL;
}

static uh_status drv_input_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                                 const uh_image **out)
{
    (void)port;
    (void)index;
    (void)out;
    return drv_fail(ctx, UH_EINTERNAL, "input_image is not for strip nodes");
}

static uh_status drv_input_rows(uh_ctx *ctx, uint32_t port, uint32_t y,
                                uint32_t n, uh_rows *out)
{
    if (port != 0 || !drv_in_data || n == 0 || y + n > drv_in_info.height)
        return drv_fail(ctx, UH_EINTERNAL, "input_rows(%u, %u) out of range", y,
                        n);
    out->y = y;
    out->n = n;
    out->stride = drv_in_stride;
    out->data = drv_in_data + (size_t)y * drv_in_stride;
    return UH_OK;
}

static const uh_value *drv_input_value(uh_ctx *ctx, uint32_t port)
{
    (void)ctx;
    (void)port;
    return NULL;
}

static uh_status drv_set_output(uh_ctx *ctx, uint32_t port, uint32_t index,
                                const uh_image_info *info)
{
    if (port != 0 || index != 0)
        return drv_fail(ctx, UH_EINTERNAL, "bad output %u/%u", port, index);
    drv_out_info = *info;
    drv_have_output = 1;
    return UH_OK;
}

static uh_status drv_output_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                                  uh_image **out)
{
    (void)port;
    (void)index;
    (void)out;
    return drv_fail(ctx, UH_EINTERNAL, "output_image is not for strip nodes");
}

/* Blob outputs after the image (jpeg.load's exif and icc) are accepted and
 * dropped: tests/jpeg/test_meta.py checks them through the real host. */
static uh_status drv_set_output_value(uh_ctx *ctx, uint32_t port,
                                      const uh_value *v)
{
    const uh_port_desc *const *o = drv_type->outputs;
    uint32_t n = 0;
    while (o && o[n])
        n++;
    if (port == 0 || port >= n || o[port]->type != UH_PORT_BLOB || !v ||
        (v->count && !v->bytes))
        return drv_fail(ctx, UH_EINTERNAL, "bad set_output_value(%u)", port);
    return UH_OK;
}

static uh_status drv_open(uh_ctx *ctx, const char *path, const char *mode,
                          uh_file **out)
{
    FILE *f = fopen(path, mode);
    if (!f)
        return drv_fail(ctx, mode[0] == 'r' ? UH_EIO : UH_EWRITE,
                        "cannot open %s: %s", path, strerror(errno));
    uh_file *u = malloc(sizeof(*u));
    if (!u) {
        fclose(f);
        return drv_fail(ctx, UH_ENOMEM, "no memory");
    }
    u->f = f;
    u->size = 0;
    if (mode[0] == 'r' && fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        u->size = n > 0 ? (uint64_t)n : 0;
        rewind(f);
    }
    *out = u;
    return UH_OK;
}

static uh_status drv_file_open_read(uh_ctx *ctx, const char *path,
                                    uh_file **out)
{
    return drv_open(ctx, path, "rb", out);
}

static uh_status drv_file_read(uh_ctx *ctx, uh_file *f, void *buf, size_t size,
                               size_t *got)
{
    *got = fread(buf, 1, size, f->f);
    if (*got == 0 && ferror(f->f))
        return drv_fail(ctx, UH_EIO, "read error");
    return UH_OK;
}

static uint64_t drv_file_size(uh_ctx *ctx, uh_file *f)
{
    (void)ctx;
    return f->size;
}

static uh_status drv_file_open_write(uh_ctx *ctx, const char *path,
                                     uh_file **out)
{
    return drv_open(ctx, path, "wb", out);
}

static uh_status drv_file_write(uh_ctx *ctx, uh_file *f, const void *buf,
                                size_t size)
{
    if (fwrite(buf, 1, size, f->f) != size)
        return drv_fail(ctx, UH_EWRITE, "write error: %s", strerror(errno));
    return UH_OK;
}

static uh_status drv_file_close(uh_ctx *ctx, uh_file *f)
{
    int bad = fclose(f->f) != 0;
    free(f);
    return bad ? drv_fail(ctx, UH_EWRITE, "close failed") : UH_OK;
}

static void drv_set_user(uh_ctx *ctx, void *user)
{
    (void)ctx;
    drv_user = user;
}

static void *drv_get_user(uh_ctx *ctx)
{
    (void)ctx;
    return drv_user;
}

static const void *drv_get_extension(const uh_host *host, const char *id)
{
    (void)host;
    (void)id;
    return NULL;
}

static const uh_host drv_host = {
    .struct_size = sizeof(uh_host),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "jpeg_driver",
    .version = "0",
    .alloc = drv_alloc,
    .free = drv_free,
    .fail = drv_fail,
    .last_status = drv_last_status,
    .log = drv_log,
    .progress = drv_progress,
    .is_canceled = drv_is_canceled,
    .status_str = drv_status_str,
    .parallel_for = drv_parallel_for,
    .thread_count = drv_thread_count,
    .param = drv_param,
    .input_count = drv_input_count,
    .input_info = drv_input_info,
    .input_image = drv_input_image,
    .input_rows = drv_input_rows,
    .input_value = drv_input_value,
    .set_output = drv_set_output,
    .output_image = drv_output_image,
    .set_output_value = drv_set_output_value,
    .file_open_read = drv_file_open_read,
    .file_read = drv_file_read,
    .file_size = drv_file_size,
    .file_open_write = drv_file_open_write,
    .file_write = drv_file_write,
    .file_close = drv_file_close,
    .set_user = drv_set_user,
    .get_user = drv_get_user,
    .get_extension = drv_get_extension,
};

/* -- the run -------------------------------------------------------------- */

static int drv_exit_code(uh_status s)
{
    switch (s) {
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

static int drv_finish(int code)
{
    free(drv_in_data);
    drv_in_data = NULL;
    fprintf(stderr, "jpeg_driver: peak %zu bytes allocated\n", drv_peak);
    if (drv_status != UH_OK)
        fprintf(stderr, "jpeg_driver: %s: %s\n", drv_type->id, drv_msg);
    if (drv_live != 0 || drv_blocks != 0) {
        fprintf(stderr, "jpeg_driver: leak: %zu bytes in %zu blocks\n",
                drv_live, drv_blocks);
        return 70;
    }
    return code;
}

/* Sets parameter values: defaults, then name=value arguments. */
static int drv_params(int argc, char **argv)
{
    const uh_param_desc *const *p = drv_type->params;
    uint32_t n = 0;
    for (; p && p[n]; n++) {
        uh_value *v = &drv_values[n];
        v->type = p[n]->type;
        v->integer = (int64_t)p[n]->def;
        v->number = p[n]->def;
        v->string = p[n]->def_text ? p[n]->def_text : "";
        if (p[n]->type == UH_PARAM_ENUM)
            for (int64_t k = 0; p[n]->values[k]; k++)
                if (strcmp(p[n]->values[k], v->string) == 0)
                    v->integer = k;
    }
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "jpeg_driver: bad argument %s\n", argv[i]);
            return 0;
        }
        *eq = 0;
        const char *val = eq + 1;
        uint32_t k = 0;
        while (k < n && strcmp(p[k]->name, argv[i]) != 0)
            k++;
        if (k == n) {
            fprintf(stderr, "jpeg_driver: no parameter %s\n", argv[i]);
            return 0;
        }
        uh_value *v = &drv_values[k];
        switch (p[k]->type) {
        case UH_PARAM_BOOL:
            v->integer = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
            v->number = (double)v->integer;
            break;
        case UH_PARAM_INTEGER:
        case UH_PARAM_NUMBER:
            v->number = strtod(val, NULL);
            v->integer = (int64_t)v->number;
            if ((p[k]->flags & UH_PARAM_RANGE) &&
                (v->number < p[k]->min || v->number > p[k]->max)) {
                fprintf(stderr, "jpeg_driver: %s out of range\n", argv[i]);
                return 0;
            }
            break;
        case UH_PARAM_ENUM:
            v->integer = -1;
            for (int64_t e = 0; p[k]->values[e]; e++)
                if (strcmp(p[k]->values[e], val) == 0)
                    v->integer = e;
            if (v->integer < 0) {
                fprintf(stderr, "jpeg_driver: %s: no value %s\n", argv[i], val);
                return 0;
            }
            v->string = val;
            break;
        default:
            v->string = val;
            v->count = (uint32_t)strlen(val);
        }
    }
    return 1;
}

/* Runs start/rows/stop over the whole height in varying bands. */
static uh_status drv_bands(uint32_t height, uint32_t band0, uint8_t *data,
                           size_t stride)
{
    void *seq = NULL;
    uh_status s = drv_type->start(&drv_ctx, &seq);
    if (s != UH_OK)
        return s;
    uint32_t band = band0;
    for (uint32_t y = 0; y < height && s == UH_OK;) {
        uint32_t n = band < height - y ? band : height - y;
        uh_rows r = {.y = y,
                     .n = n,
                     .stride = stride,
                     .data = data ? data + (size_t)y * stride : NULL};
        s = drv_type->rows(&drv_ctx, seq, &r);
        y += n;
        band = band + 3 > band0 + 12 ? band0 : band + 3;
    }
    drv_type->stop(&drv_ctx, seq);
    return s;
}

static int drv_read_pam(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char line[256];
    unsigned w = 0, h = 0, d = 0, maxval = 0;
    if (!fgets(line, sizeof(line), f) || strncmp(line, "P7", 2) != 0) {
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof(line), f) && strncmp(line, "ENDHDR", 6) != 0) {
        sscanf(line, "WIDTH %u", &w);
        sscanf(line, "HEIGHT %u", &h);
        sscanf(line, "DEPTH %u", &d);
        sscanf(line, "MAXVAL %u", &maxval);
    }
    unsigned bps = maxval > 255 ? 2 : 1;
    size_t n = (size_t)w * h * d;
    uint8_t *raw = malloc(n * bps);
    if (!w || !h || !d || d > 4 || !raw || fread(raw, bps, n, f) != n) {
        free(raw);
        fclose(f);
        return 0;
    }
    fclose(f);
    drv_in_info.width = w;
    drv_in_info.height = h;
    drv_in_info.channels = d;
    drv_in_info.sample = bps == 2 ? UH_SAMPLE_U16 : UH_SAMPLE_U8;
    if (bps == 2)
        for (size_t i = 0; i < n; i++) {
            uint16_t v = (uint16_t)(raw[2 * i] << 8 | raw[2 * i + 1]);
            memcpy(raw + 2 * i, &v, 2);
        }
    drv_in_data = raw;
    drv_in_stride = (size_t)w * d * bps;
    return 1;
}

/* Converts the loaded input to f32 (0..1). */
static int drv_to_f32(void)
{
    size_t n =
        (size_t)drv_in_info.width * drv_in_info.height * drv_in_info.channels;
    float *f = malloc(n * sizeof(float));
    if (!f)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (drv_in_info.sample == UH_SAMPLE_U16) {
            uint16_t v;
            memcpy(&v, drv_in_data + 2 * i, 2);
            f[i] = (float)(v / 65535.0);
        } else {
            f[i] = (float)(drv_in_data[i] / 255.0);
        }
    }
    free(drv_in_data);
    drv_in_data = (uint8_t *)f;
    drv_in_info.sample = UH_SAMPLE_F32;
    drv_in_stride = (size_t)drv_in_info.width * drv_in_info.channels * 4;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: jpeg_driver PLUGIN load|save IN OUT "
                        "[band=N] [name=value ...]\n");
        return 1;
    }
    void *so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "jpeg_driver: %s\n", dlerror());
        return 5;
    }
    uh_plugin_entry_fn entry;
    *(void **)&entry = dlsym(so, UH_PLUGIN_ENTRY);
    const uh_plugin *pl = entry ? entry() : NULL;
    if (!pl || pl->init(&drv_host) != UH_OK)
        return 5;
    int save = strcmp(argv[2], "save") == 0;
    const char *want = save ? "jpeg.save" : "jpeg.load";
    for (uint32_t i = 0; pl->node_types[i]; i++)
        if (strcmp(pl->node_types[i]->id, want) == 0)
            drv_type = pl->node_types[i];
    if (!drv_type)
        return 5;

    uint32_t band = 7;
    int sample = 0, linear = 0;
    char *rest[64];
    int nrest = 0;
    char pathbuf[4096];
    snprintf(pathbuf, sizeof(pathbuf), "path=%s", save ? argv[4] : argv[3]);
    rest[nrest++] = pathbuf;
    for (int i = 5; i < argc && nrest < 63; i++) {
        if (strncmp(argv[i], "band=", 5) == 0)
            band = (uint32_t)atoi(argv[i] + 5);
        else if (strcmp(argv[i], "sample=f32") == 0)
            sample = UH_SAMPLE_F32;
        else if (strcmp(argv[i], "space=linear") == 0)
            linear = 1;
        else
            rest[nrest++] = argv[i];
    }
    if (band < 1)
        band = 1;
    if (!drv_params(nrest, rest))
        return 2;

    if (save) {
        if (!drv_read_pam(argv[3]) ||
            (sample == UH_SAMPLE_F32 && !drv_to_f32())) {
            fprintf(stderr, "jpeg_driver: cannot read PAM %s\n", argv[3]);
            return 1;
        }
        drv_in_info.space = linear ? UH_SPACE_LINEAR : UH_SPACE_SRGB;
    }

    uh_status s = drv_type->prepare(&drv_ctx);
    if (s != UH_OK) {
        if (drv_status == UH_OK)
            drv_fail(&drv_ctx, s, "prepare failed without a message");
        return drv_finish(drv_exit_code(s));
    }
    uint8_t *img = NULL;
    size_t stride = 0;
    if (!save) {
        if (!drv_have_output)
            return drv_finish(5);
        stride = (size_t)drv_out_info.width * drv_out_info.channels;
        img = calloc(drv_out_info.height, stride);
        s = img ? drv_bands(drv_out_info.height, band, img, stride) : UH_ENOMEM;
    } else {
        s = drv_bands(drv_in_info.height, band, NULL, 0);
    }
    if (drv_type->cleanup)
        drv_type->cleanup(&drv_ctx);
    if (s != UH_OK) {
        free(img);
        if (save)
            remove(argv[4]); /* as the host drops partial outputs */
        if (drv_status == UH_OK)
            drv_fail(&drv_ctx, s, "rows failed without a message");
        return drv_finish(drv_exit_code(s));
    }
    if (!save) {
        FILE *f = fopen(argv[4], "wb");
        if (!f)
            return 6;
        fprintf(f, "P%d\n%u %u\n255\n", drv_out_info.channels == 1 ? 5 : 6,
                drv_out_info.width, drv_out_info.height);
        fwrite(img, stride, drv_out_info.height, f);
        fclose(f);
        free(img);
    }
    pl->fini();
    return drv_finish(0);
}
