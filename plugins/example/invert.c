/* example.invert: the plugin to copy when writing your own.
 *
 * It inverts the colour channels of an image (255 - v for 8-bit samples,
 * 65535 - v for 16-bit, 1 - v for float) and keeps alpha. It is a *strip*
 * node: the host asks it for bands of output rows and it reads the same
 * rows of its input, so it streams through images of any size in a few
 * rows of memory. Every line is commented; see docs/plugin-guide.md.
 *
 * Build it on its own, against the SDK header alone:
 *   cc -std=c11 -O2 -fPIC -shared -I<uberhost>/sdk/include invert.c \
 *      -o invert.so
 * and run it with `uberhost run graph.json --plugin-path .`. */

/* The SDK: the only header a plugin needs. */
#include <uberhost/uh_sdk.h>

/* The host's services; init() stores the table here. The table stays valid
 * until fini() returns, so keeping the pointer is all we need. */
static const uh_host *host;

/* ---- Parameters and ports, declared as data --------------------------- */

/* One parameter: how much of the inverted value to use (0 = unchanged,
 * 1 = fully inverted). The host parses it from the graph, fills in the
 * default, checks the range, and prints it in `uberhost describe`. */
static const uh_param_desc p_amount = {
    .struct_size = sizeof(uh_param_desc), /* always first, always this */
    .name = "amount",                     /* the key in "params": {...} */
    .type = UH_PARAM_NUMBER,              /* a double */
    .flags = UH_PARAM_RANGE,              /* min and max below apply */
    .def = 1.0,                           /* used when the graph omits it */
    .min = 0.0,
    .max = 1.0,
    .doc = "blend between the input (0) and its inverse (1)",
};

/* Parameters are a NULL-terminated list of pointers, so the descriptor
 * can grow in later SDK minors without breaking this array. */
static const uh_param_desc *const params[] = {&p_amount, NULL};

/* One input port and one output port, both images. */
static const uh_port_desc in_image = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image", /* graphs connect it as "inputs": {"image": "src"} */
    .type = UH_PORT_IMAGE,
    .doc = "the image to invert (1-4 channels, any sample type)",
};
static const uh_port_desc out_image = {
    .struct_size = sizeof(uh_port_desc),
    .name = "image",
    .type = UH_PORT_IMAGE,
    .doc = "the inverted image, same geometry and format",
};
static const uh_port_desc *const inputs[] = {&in_image, NULL};
static const uh_port_desc *const outputs[] = {&out_image, NULL};

/* ---- The node's callbacks --------------------------------------------- */

/* prepare(): read the input's geometry and declare the output. Runs on the
 * host's main thread before any pixel exists. */
static uh_status invert_prepare(uh_ctx *ctx)
{
    /* Geometry of image 0 on input port 0; the host checked the graph, so
     * the input is connected and this is never NULL here. */
    const uh_image_info *in = host->input_info(ctx, 0, 0);
    if (!in)
        return host->fail(ctx, UH_EINVAL, "no input image");

    /* Same geometry and format out as in. */
    uh_image_info out = *in;

    /* Declare output port 0, image 0. From here on the host knows the
     * output's size, so it can plan memory and fuse us into a stream. */
    return host->set_output(ctx, 0, 0, &out);
}

/* Inverts `count` samples of one row in place-safe fashion. `amount` mixes
 * the inverse with the original. */
static void invert_row(const uh_image_info *info, const uint8_t *src,
                       uint8_t *dst, double amount)
{
    uint32_t ch = info->channels;
    /* Grey+alpha and RGBA keep their last channel (alpha) as is. */
    uint32_t colour = (ch == 2 || ch == 4) ? ch - 1 : ch;
    uint32_t n = info->width;
    for (uint32_t x = 0; x < n; x++) {
        for (uint32_t c = 0; c < ch; c++) {
            size_t i = (size_t)x * ch + c;
            if (info->sample == UH_SAMPLE_U8) {
                double v = src[i];
                double inv = c < colour ? 255.0 - v : v;
                /* Round to nearest: +0.5 then truncate (v is >= 0). */
                dst[i] = (uint8_t)(v + (inv - v) * amount + 0.5);
            } else if (info->sample == UH_SAMPLE_U16) {
                double v = ((const uint16_t *)src)[i];
                double inv = c < colour ? 65535.0 - v : v;
                ((uint16_t *)dst)[i] = (uint16_t)(v + (inv - v) * amount + 0.5);
            } else {
                float v = ((const float *)src)[i];
                float inv = c < colour ? 1.0f - v : v;
                ((float *)dst)[i] = v + (inv - v) * (float)amount;
            }
        }
    }
}

/* rows(): fill output rows [out->y, out->y + out->n). Runs on worker
 * threads, possibly several at once for different bands: it only reads
 * its input and writes its own band, so that is safe. `seq` is the
 * per-thread state start() made; this node needs none. */
static uh_status invert_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    (void)seq; /* no per-thread state */

    /* Ask the host for the same rows of the input. The view stays valid
     * until we ask again or return. */
    uh_rows in;
    uh_status st = host->input_rows(ctx, 0, out->y, out->n, &in);
    if (st != UH_OK)
        return st; /* the host already recorded why */

    const uh_image_info *info = host->input_info(ctx, 0, 0);
    double amount = uh_param_num(host, ctx, "amount");

    for (uint32_t r = 0; r < out->n; r++)
        invert_row(info, in.data + (size_t)r * in.stride,
                   out->data + (size_t)r * out->stride, amount);
    return UH_OK;
}

/* ---- The node type and the plugin ------------------------------------- */

static const uh_node_type invert_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "example.invert", /* unique across all plugins: "vendor.name" */
    .summary = "Invert colour channels, keep alpha (the example plugin)",
    .threading = UH_THREADS_SHARED, /* rows() may run on many threads */
    .inputs = inputs,
    .outputs = outputs,
    .params = params,
    .prepare = invert_prepare,
    /* No process(): this is a strip node. start/stop are optional when
     * there is no per-thread state. */
    .rows = invert_rows,
};

/* The plugin's node types, NULL-terminated. */
static const uh_node_type *const types[] = {&invert_type, NULL};

/* init(): the first call after loading; keep the host table. */
static uh_status invert_init(const uh_host *h)
{
    host = h;
    return UH_OK;
}

/* fini(): the last call before unloading. Nothing to release here. */
static void invert_fini(void)
{
    host = NULL;
}

/* The descriptor. `sdk` records the SDK version this file was compiled
 * against; the host refuses it if the major differs or the minor is newer
 * than its own. */
static const uh_plugin plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "example",
    .version = "1.0.0",
    .init = invert_init,
    .fini = invert_fini,
    .node_types = types,
};

/* The one exported symbol. The host finds it with dlsym("uh_plugin_entry")
 * and calls it once after loading. */
UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
