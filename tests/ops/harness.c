/* A stand-alone uh_host for the ops plugin's tests: loads ops.so, runs one
 * node type over raw images read from files, and writes the result. Strip
 * nodes can be driven with bands of a chosen height, in shuffled order and
 * round-robin over several per-thread states, so tests prove the output
 * does not depend on band order, band height or thread. Every allocation is
 * counted; a leak or a wrong sized free fails the run.
 *
 * Raw image file: "OPSR", then width, height, channels, sample, space,
 * flags as little-endian uint32, then rows of samples, tightly packed.
 *
 * usage: ops_harness PLUGIN TYPE OUT IN... [-s name=value]... [-b BAND]
 *                    [-r SEED] [-t SEQS]
 * Exit: 0 ok, 2 usage, 3 the node failed (message on stderr). */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uberhost/uh_sdk.h>

#define MAX_INPUTS 4
#define MAX_SETS   32

struct uh_ctx {
    int unused;
};

static struct {
    const uh_node_type *type;
    uh_image in[MAX_INPUTS];
    uint32_t n_in;
    uh_image out;
    int have_out;
    uh_value *params;
    uint32_t n_params;
    char *sets[MAX_SETS];
    uint32_t n_sets;
    uh_status status;
    void *user;
    long long live_bytes, live_blocks;
    uint32_t band;
    unsigned seed;
    uint32_t seqs;
} H;

static uh_ctx the_ctx;

/* ------------------------------------------------------------------------ */
/* Host services                                                            */

static void *h_alloc(uh_ctx *ctx, size_t size, size_t align, uh_lifetime life)
{
    size_t *p;
    (void)ctx;
    (void)align;
    (void)life;
    /* A 64-byte prefix keeps the size and the alignment the plugin asks. */
    p = aligned_alloc(64, ((size + 64 + 63) / 64) * 64);
    if (!p) {
        H.status = UH_ENOMEM;
        return NULL;
    }
    p[0] = size;
    H.live_bytes += (long long)size;
    H.live_blocks++;
    return (uint8_t *)p + 64;
}

static void h_free(uh_ctx *ctx, void *ptr, size_t size)
{
    size_t *p;
    (void)ctx;
    if (!ptr)
        return;
    p = (size_t *)(void *)((uint8_t *)ptr - 64);
    if (p[0] != size) {
        fprintf(stderr, "harness: sized free of %zu bytes for a block of %zu\n",
                size, p[0]);
        exit(4);
    }
    H.live_bytes -= (long long)size;
    H.live_blocks--;
    free(p);
}

static uh_status h_fail(uh_ctx *ctx, uh_status status, const char *fmt, ...)
    UH_PRINTF(3, 4);
static void h_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
    UH_PRINTF(3, 4);

static uh_status h_fail(uh_ctx *ctx, uh_status status, const char *fmt, ...)
{
    va_list ap;
    (void)ctx;
    if (H.status == UH_OK) {
        va_start(ap, fmt);
        fprintf(stderr, "error: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\n");
        va_end(ap);
        H.status = status;
    }
    return status;
}

static uh_status h_last_status(uh_ctx *ctx)
{
    (void)ctx;
    return H.status;
}

static void h_log(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
{
    va_list ap;
    (void)ctx;
    (void)level;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
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

static const char *h_status_str(uh_status s)
{
    (void)s;
    return "status";
}

static uh_status h_parallel_for(uh_ctx *ctx, uint32_t n,
                                uh_status (*fn)(void *, uh_ctx *, uint32_t),
                                void *arg)
{
    /* Backwards, so a body that depends on the order shows it. */
    uh_status first = UH_OK;
    for (uint32_t i = n; i-- > 0;) {
        uh_status st = fn(arg, ctx, i);
        if (st != UH_OK)
            first = st;
    }
    return first;
}

static uint32_t h_thread_count(uh_ctx *ctx)
{
    (void)ctx;
    return H.seqs;
}

static const uh_value *h_param(uh_ctx *ctx, const char *name)
{
    (void)ctx;
    for (uint32_t i = 0; i < H.n_params; i++)
        if (!strcmp(H.type->params[i]->name, name))
            return &H.params[i];
    return NULL;
}

static uint32_t h_input_count(uh_ctx *ctx, uint32_t port)
{
    (void)ctx;
    return port < H.n_in ? 1 : 0;
}

static const uh_image_info *h_input_info(uh_ctx *ctx, uint32_t port,
                                         uint32_t index)
{
    (void)ctx;
    return port < H.n_in && index == 0 ? &H.in[port].info : NULL;
}

static uh_status h_input_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                               const uh_image **out)
{
    (void)ctx;
    if (port >= H.n_in || index)
        return h_fail(ctx, UH_EINVAL, "no input %u", port);
    *out = &H.in[port];
    return UH_OK;
}

static uh_status h_input_rows(uh_ctx *ctx, uint32_t port, uint32_t y,
                              uint32_t n, uh_rows *out)
{
    if (port >= H.n_in || n == 0 || y >= H.in[port].info.height ||
        n > H.in[port].info.height - y) {
        fprintf(stderr, "harness: input_rows(%u, %u, %u) outside the input\n",
                port, y, n);
        exit(4);
    }
    (void)ctx;
    out->y = y;
    out->n = n;
    out->stride = H.in[port].stride;
    out->data = H.in[port].data + (size_t)y * H.in[port].stride;
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
    size_t px = uh_pixel_size(info);
    (void)ctx;
    if (port || index || !px || !info->width || !info->height)
        return h_fail(ctx, UH_EINVAL, "bad output");
    H.out.struct_size = sizeof(uh_image);
    H.out.info = *info;
    /* A stride wider than the row, so plugins that assume tight rows show
     * it. */
    H.out.stride = (size_t)info->width * px + 16;
    H.out.data = calloc(H.out.stride, info->height);
    if (!H.out.data)
        return h_fail(ctx, UH_ENOMEM, "out of memory");
    memset(H.out.data, 0xA5, H.out.stride * info->height);
    H.have_out = 1;
    return UH_OK;
}

static uh_status h_output_image(uh_ctx *ctx, uint32_t port, uint32_t index,
                                uh_image **out)
{
    if (port || index || !H.have_out)
        return h_fail(ctx, UH_EINVAL, "no output");
    *out = &H.out;
    return UH_OK;
}

static uh_status h_set_output_value(uh_ctx *ctx, uint32_t port,
                                    const uh_value *v)
{
    (void)port;
    (void)v;
    return h_fail(ctx, UH_EINVAL, "no scalar outputs here");
}

static void h_set_user(uh_ctx *ctx, void *user)
{
    (void)ctx;
    H.user = user;
}

static void *h_get_user(uh_ctx *ctx)
{
    (void)ctx;
    return H.user;
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
    .name = "ops_harness",
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
    .set_user = h_set_user,
    .get_user = h_get_user,
    .get_extension = h_get_extension,
};

/* ------------------------------------------------------------------------ */
/* Raw files and parameters                                                 */

static int read_raw(const char *path, uh_image *img)
{
    FILE *f = fopen(path, "rb");
    uint32_t h[6];
    char magic[4];
    size_t bytes;
    if (!f || fread(magic, 1, 4, f) != 4 || memcmp(magic, "OPSR", 4) ||
        fread(h, 4, 6, f) != 6) {
        fprintf(stderr, "harness: %s: not a raw image\n", path);
        return -1;
    }
    img->struct_size = sizeof(uh_image);
    img->info = (uh_image_info){.width = h[0],
                                .height = h[1],
                                .channels = h[2],
                                .sample = h[3],
                                .space = h[4],
                                .flags = h[5]};
    img->stride = (size_t)h[0] * uh_pixel_size(&img->info);
    bytes = img->stride * h[1];
    img->data = malloc(bytes ? bytes : 1);
    if (!img->data || fread(img->data, 1, bytes, f) != bytes) {
        fprintf(stderr, "harness: %s: truncated\n", path);
        return -1;
    }
    fclose(f);
    return 0;
}

static int write_raw(const char *path, const uh_image *img)
{
    FILE *f = fopen(path, "wb");
    uint32_t h[6] = {img->info.width,  img->info.height, img->info.channels,
                     img->info.sample, img->info.space,  img->info.flags};
    size_t row = (size_t)img->info.width * uh_pixel_size(&img->info);
    if (!f)
        return -1;
    fwrite("OPSR", 1, 4, f);
    fwrite(h, 4, 6, f);
    for (uint32_t y = 0; y < img->info.height; y++)
        fwrite(img->data + (size_t)y * img->stride, 1, row, f);
    return fclose(f);
}

static double *parse_numbers(const char *s, uint32_t *count)
{
    double *v = calloc(16, sizeof(double));
    uint32_t n = 0;
    while (*s && n < 16) {
        char *end;
        while (*s == '[' || *s == ',' || *s == ' ')
            s++;
        if (!*s || *s == ']')
            break;
        v[n++] = strtod(s, &end);
        s = end;
    }
    *count = n;
    return v;
}

static int fill_param(const uh_param_desc *d, const char *text, uh_value *v)
{
    v->type = d->type;
    switch (d->type) {
    case UH_PARAM_NUMBER:
        v->number = text ? strtod(text, NULL) : d->def;
        break;
    case UH_PARAM_INTEGER:
        v->integer = text ? strtoll(text, NULL, 10) : (int64_t)d->def;
        v->number = (double)v->integer;
        break;
    case UH_PARAM_BOOL:
        v->integer = text ? !strcmp(text, "true") : d->def != 0;
        v->number = (double)v->integer;
        break;
    case UH_PARAM_ENUM: {
        const char *name = text ? text : d->def_text;
        v->integer = -1;
        for (int i = 0; d->values[i]; i++)
            if (!strcmp(d->values[i], name)) {
                v->integer = i;
                v->string = d->values[i];
            }
        if (v->integer < 0) {
            fprintf(stderr, "harness: %s: no value %s\n", d->name, name);
            return -1;
        }
        break;
    }
    case UH_PARAM_NUMBERS:
        v->numbers = parse_numbers(text ? text : d->def_text, &v->count);
        break;
    default:
        v->string = text ? text : d->def_text ? d->def_text : "";
        v->count = (uint32_t)strlen(v->string);
        break;
    }
    if ((d->flags & UH_PARAM_REQUIRED) && !text) {
        fprintf(stderr, "harness: %s is required\n", d->name);
        return -1;
    }
    if ((d->flags & UH_PARAM_RANGE) &&
        (d->type == UH_PARAM_NUMBER || d->type == UH_PARAM_INTEGER) &&
        (v->number < d->min || v->number > d->max)) {
        fprintf(stderr, "harness: %s out of range\n", d->name);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Running                                                                  */

static unsigned next_rand(void)
{
    H.seed = H.seed * 1103515245u + 12345u;
    return (H.seed >> 8) & 0xffffffu;
}

static int run_strip(void)
{
    const uh_node_type *t = H.type;
    uint32_t h = H.out.info.height, nb = 0;
    uint32_t *ys = malloc(sizeof(uint32_t) * (h + 1));
    void *seq[16] = {0};
    int ok = 1;
    /* Bands: fixed height, or random heights 1..2*band when shuffling. */
    for (uint32_t y = 0; y < h;) {
        uint32_t n = H.band;
        if (H.seed)
            n = 1 + next_rand() % (2 * H.band);
        ys[nb++] = y;
        y += n < h - y ? n : h - y;
    }
    ys[nb] = h;
    uint32_t *order = malloc(sizeof(uint32_t) * (nb ? nb : 1));
    for (uint32_t i = 0; i < nb; i++)
        order[i] = i;
    if (H.seed)
        for (uint32_t i = nb; i > 1; i--) {
            uint32_t j = next_rand() % i, tmp = order[i - 1];
            order[i - 1] = order[j];
            order[j] = tmp;
        }
    for (uint32_t s = 0; s < H.seqs && ok; s++)
        if (t->start(&the_ctx, &seq[s]) != UH_OK)
            ok = 0;
    for (uint32_t i = 0; i < nb && ok; i++) {
        uint32_t b = order[i];
        uh_rows r = {.y = ys[b],
                     .n = ys[b + 1] - ys[b],
                     .stride = H.out.stride,
                     .data = H.out.data + (size_t)ys[b] * H.out.stride};
        if (t->rows(&the_ctx, seq[i % H.seqs], &r) != UH_OK)
            ok = 0;
    }
    for (uint32_t s = 0; s < H.seqs; s++)
        t->stop(&the_ctx, seq[s]);
    free(ys);
    free(order);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *types_wanted, *out_path;
    void *so;
    const uh_plugin *(*entry)(void);
    const uh_plugin *pl;
    int rc = 0;
    if (argc < 4) {
        fprintf(stderr, "usage: ops_harness PLUGIN TYPE OUT IN... [-s k=v] "
                        "[-b BAND] [-r SEED] [-t SEQS]\n");
        return 2;
    }
    H.band = 16;
    H.seqs = 1;
    types_wanted = argv[2];
    out_path = argv[3];
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "-s") && i + 1 < argc && H.n_sets < MAX_SETS)
            H.sets[H.n_sets++] = argv[++i];
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            H.band = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            H.seed = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            H.seqs = (uint32_t)atoi(argv[++i]);
        else if (H.n_in < MAX_INPUTS) {
            if (read_raw(argv[i], &H.in[H.n_in++]))
                return 2;
        }
    }
    if (H.band < 1 || H.seqs < 1 || H.seqs > 16)
        return 2;
    so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "harness: %s\n", dlerror());
        return 2;
    }
    *(void **)&entry = dlsym(so, UH_PLUGIN_ENTRY);
    pl = entry ? entry() : NULL;
    if (!pl || pl->init(&host) != UH_OK)
        return 2;
    for (int i = 0; pl->node_types[i]; i++)
        if (!strcmp(pl->node_types[i]->id, types_wanted))
            H.type = pl->node_types[i];
    if (!H.type) {
        fprintf(stderr, "harness: no node type %s\n", types_wanted);
        return 2;
    }
    while (H.type->params && H.type->params[H.n_params])
        H.n_params++;
    H.params = calloc(H.n_params + 1, sizeof(uh_value));
    for (uint32_t i = 0; i < H.n_params; i++) {
        const uh_param_desc *d = H.type->params[i];
        const char *text = NULL;
        size_t len = strlen(d->name);
        for (uint32_t k = 0; k < H.n_sets; k++)
            if (!strncmp(H.sets[k], d->name, len) && H.sets[k][len] == '=')
                text = H.sets[k] + len + 1;
        if (fill_param(d, text, &H.params[i]))
            return 2;
    }
    if (H.type->prepare(&the_ctx) != UH_OK) {
        rc = 3;
    } else {
        int bad = H.type->process ? H.type->process(&the_ctx) != UH_OK
                                  : run_strip() != 0;
        if (bad)
            rc = 3;
        if (H.type->cleanup)
            H.type->cleanup(&the_ctx);
    }
    if (H.live_blocks || H.live_bytes) {
        fprintf(stderr, "harness: %lld blocks (%lld bytes) leaked\n",
                H.live_blocks, H.live_bytes);
        rc = rc ? rc : 4;
    }
    if (rc == 0 && write_raw(out_path, &H.out)) {
        fprintf(stderr, "harness: cannot write %s\n", out_path);
        rc = 2;
    }
    pl->fini();
    return rc;
}
