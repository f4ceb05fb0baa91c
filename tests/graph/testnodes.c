/* testnodes: node types for the graph checker's CLI cases. Every port type
 * and parameter type appears; nothing here is meant to run (process() and
 * rows() do nothing), `uberhost check` only reads the descriptors. */
#include <uberhost/uh_sdk.h>

static const uh_host *host;

static uh_status tn_init(const uh_host *h)
{
    host = h;
    return UH_OK;
}

static uh_status tn_process(uh_ctx *ctx)
{
    return host->fail(ctx, UH_EUNSUPPORTED, "testnodes only checks graphs");
}

static uh_status tn_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    (void)seq;
    (void)out;
    return host->fail(ctx, UH_EUNSUPPORTED, "testnodes only checks graphs");
}

#define PORT(var, pname, ptype, pflags)                                        \
    static const uh_port_desc var = {.struct_size = sizeof(uh_port_desc),      \
                                     .name = pname,                            \
                                     .type = ptype,                            \
                                     .flags = pflags,                          \
                                     .doc = "a test port"}

PORT(in_image, "image", UH_PORT_IMAGE, 0);
PORT(out_image, "image", UH_PORT_IMAGE, 0);
PORT(out_levels, "levels", UH_PORT_IMAGE_LIST, 0);
PORT(in_levels, "levels", UH_PORT_IMAGE_LIST, 0);
PORT(out_mean, "mean", UH_PORT_NUMBER, 0);
PORT(in_a, "a", UH_PORT_IMAGE, 0);
PORT(in_b, "b", UH_PORT_IMAGE, 0);
PORT(in_mask, "mask", UH_PORT_IMAGE, UH_PORT_OPTIONAL);

static const uh_port_desc *const ins_image[] = {&in_image, NULL};
static const uh_port_desc *const outs_image[] = {&out_image, NULL};
static const uh_port_desc *const outs_levels[] = {&out_levels, NULL};
static const uh_port_desc *const ins_levels[] = {&in_levels, NULL};
static const uh_port_desc *const outs_stats[] = {&out_mean, &out_image, NULL};
static const uh_port_desc *const ins_mix[] = {&in_a, &in_b, &in_mask, NULL};

static const char *const filters[] = {"nearest", "box", "lanczos3", NULL};

static const uh_param_desc p_width = {.struct_size = sizeof(uh_param_desc),
                                      .name = "width",
                                      .type = UH_PARAM_INTEGER,
                                      .flags =
                                          UH_PARAM_RANGE | UH_PARAM_REQUIRED,
                                      .min = 1,
                                      .max = 65535,
                                      .doc = "output width in pixels"};
static const uh_param_desc p_filter = {.struct_size = sizeof(uh_param_desc),
                                       .name = "filter",
                                       .type = UH_PARAM_ENUM,
                                       .def_text = "lanczos3",
                                       .values = filters,
                                       .doc = "resampling filter"};
static const uh_param_desc p_radius = {.struct_size = sizeof(uh_param_desc),
                                       .name = "radius",
                                       .type = UH_PARAM_NUMBER,
                                       .flags = UH_PARAM_RANGE,
                                       .def = 1,
                                       .min = 0,
                                       .max = 100,
                                       .doc = "blur radius in pixels"};
static const uh_param_desc p_sharp = {.struct_size = sizeof(uh_param_desc),
                                      .name = "sharp",
                                      .type = UH_PARAM_BOOL,
                                      .doc = "keep edges"};
static const uh_param_desc p_color = {.struct_size = sizeof(uh_param_desc),
                                      .name = "color",
                                      .type = UH_PARAM_NUMBERS,
                                      .flags = UH_PARAM_RANGE,
                                      .def_text = "[0, 0, 0, 1]",
                                      .min = 0,
                                      .max = 1,
                                      .min_count = 3,
                                      .max_count = 4,
                                      .doc = "RGB or RGBA in [0, 1]"};
static const uh_param_desc p_label = {.struct_size = sizeof(uh_param_desc),
                                      .name = "label",
                                      .type = UH_PARAM_STRING,
                                      .def_text = "",
                                      .doc = "free text"};
static const uh_param_desc p_in = {.struct_size = sizeof(uh_param_desc),
                                   .name = "path",
                                   .type = UH_PARAM_STRING,
                                   .flags =
                                       UH_PARAM_REQUIRED | UH_PARAM_INPUT_FILE,
                                   .doc = "file to read"};
static const uh_param_desc p_out = {.struct_size = sizeof(uh_param_desc),
                                    .name = "path",
                                    .type = UH_PARAM_STRING,
                                    .flags = UH_PARAM_REQUIRED |
                                             UH_PARAM_OUTPUT_FILE,
                                    .doc = "file to write"};
static const uh_param_desc p_quality = {.struct_size = sizeof(uh_param_desc),
                                        .name = "quality",
                                        .type = UH_PARAM_INTEGER,
                                        .flags = UH_PARAM_RANGE,
                                        .def = 90,
                                        .min = 1,
                                        .max = 100,
                                        .doc = "JPEG quality"};

static const uh_param_desc *const resize_params[] = {&p_width, &p_filter, NULL};
static const uh_param_desc *const blur_params[] = {&p_radius, &p_sharp,
                                                   &p_color, &p_label, NULL};
static const uh_param_desc *const load_params[] = {&p_in, NULL};
static const uh_param_desc *const save_params[] = {&p_out, NULL};
static const uh_param_desc *const jsave_params[] = {&p_out, &p_quality, NULL};

#define WHOLE(var, tid, ins, outs, pars)                                       \
    static const uh_node_type var = {.struct_size = sizeof(uh_node_type),      \
                                     .id = tid,                                \
                                     .summary = "graph test node",             \
                                     .inputs = ins,                            \
                                     .outputs = outs,                          \
                                     .params = pars,                           \
                                     .process = tn_process}
#define STRIP(var, tid, ins, outs, pars)                                       \
    static const uh_node_type var = {.struct_size = sizeof(uh_node_type),      \
                                     .id = tid,                                \
                                     .summary = "graph test node",             \
                                     .inputs = ins,                            \
                                     .outputs = outs,                          \
                                     .params = pars,                           \
                                     .rows = tn_rows}

WHOLE(t_src, "src", NULL, outs_image, NULL);
STRIP(t_resize, "resize", ins_image, outs_image, resize_params);
STRIP(t_blur, "blur", ins_image, outs_image, blur_params);
WHOLE(t_mip, "mip", ins_image, outs_levels, NULL);
WHOLE(t_stats, "stats", ins_image, outs_stats, NULL);
WHOLE(t_mix, "mix", ins_mix, outs_image, NULL);
static const uh_node_type t_atlas = {.struct_size = sizeof(uh_node_type),
                                     .id = "atlas",
                                     .summary = "graph test sink",
                                     .inputs = ins_levels,
                                     .params = save_params,
                                     .process = tn_process,
                                     .is_sink = 1};
WHOLE(t_pngload, "png.load", NULL, outs_image, load_params);
WHOLE(t_jpegload, "jpeg.load", NULL, outs_image, load_params);
STRIP(t_pngsave, "png.save", ins_image, NULL, save_params);
STRIP(t_jpegsave, "jpeg.save", ins_image, NULL, jsave_params);

static const uh_node_type *const types[] = {
    &t_src,   &t_resize,  &t_blur,     &t_mip,     &t_stats,    &t_mix,
    &t_atlas, &t_pngload, &t_jpegload, &t_pngsave, &t_jpegsave, NULL};

static const uh_plugin plugin = {.struct_size = sizeof(uh_plugin),
                                 .sdk = UH_SDK_VERSION_INIT,
                                 .name = "testnodes",
                                 .version = "1.0.0",
                                 .init = tn_init,
                                 .node_types = types};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
