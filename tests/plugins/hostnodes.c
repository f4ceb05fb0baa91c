/* Test nodes with known behaviour, for the host's own tests:
 *   test.alloc  allocates and frees known sizes (for --stats checks)
 *   test.leak   allocates and forgets (for leak reports)
 *   test.fail   fails with a given status and message
 *   test.solid  a strip source of one colour (for running graphs)
 *   test.pass   passes its input on as its output (uh.image-pass/1) */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uberhost/ext/image-pass.h>
#include <uberhost/uh_sdk.h>

static const uh_host *host;

/* ---- test.solid: a strip source ---------------------------------------- */

static const uh_param_desc p_w = {.struct_size = sizeof(uh_param_desc),
                                  .name = "width",
                                  .type = UH_PARAM_INTEGER,
                                  .flags = UH_PARAM_RANGE,
                                  .def = 16,
                                  .min = 1,
                                  .max = 1048576,
                                  .doc = "width"};
static const uh_param_desc p_h = {.struct_size = sizeof(uh_param_desc),
                                  .name = "height",
                                  .type = UH_PARAM_INTEGER,
                                  .flags = UH_PARAM_RANGE,
                                  .def = 16,
                                  .min = 1,
                                  .max = 1048576,
                                  .doc = "height"};
static const uh_param_desc p_v = {.struct_size = sizeof(uh_param_desc),
                                  .name = "value",
                                  .type = UH_PARAM_INTEGER,
                                  .flags = UH_PARAM_RANGE,
                                  .def = 7,
                                  .min = 0,
                                  .max = 255,
                                  .doc = "sample value"};
static const uh_param_desc *const solid_params[] = {&p_w, &p_h, &p_v, NULL};
static const uh_port_desc out_image = {.struct_size = sizeof(uh_port_desc),
                                       .name = "image",
                                       .type = UH_PORT_IMAGE,
                                       .doc = "output"};
static const uh_port_desc in_image = {.struct_size = sizeof(uh_port_desc),
                                      .name = "image",
                                      .type = UH_PORT_IMAGE,
                                      .doc = "input"};
static const uh_port_desc out_note = {.struct_size = sizeof(uh_port_desc),
                                      .name = "note",
                                      .type = UH_PORT_BLOB,
                                      .doc = "a blob set in prepare"};
static const uh_port_desc in_note = {.struct_size = sizeof(uh_port_desc),
                                     .name = "note",
                                     .type = UH_PORT_BLOB,
                                     .flags = UH_PORT_OPTIONAL,
                                     .doc = "a blob to check"};
static const uh_port_desc *const outs[] = {&out_image, NULL};
static const uh_port_desc *const solid_outs[] = {&out_image, &out_note, NULL};
static const uh_port_desc *const sink_ins[] = {&in_image, &in_note, NULL};
static const uh_port_desc *const ins[] = {&in_image, NULL};

static uh_status solid_prepare(uh_ctx *ctx)
{
    char note[64];
    int len = snprintf(note, sizeof(note), "solid %d",
                       (int)uh_param_int(host, ctx, "value"));
    uh_value v = {.count = (uint32_t)len, .bytes = note};
    uh_status st = host->set_output_value(ctx, 1, &v);
    if (st != UH_OK)
        return st;
    uh_image_info info = {.width = (uint32_t)uh_param_int(host, ctx, "width"),
                          .height = (uint32_t)uh_param_int(host, ctx, "height"),
                          .channels = 1,
                          .sample = UH_SAMPLE_U8};
    return host->set_output(ctx, 0, 0, &info);
}

static uh_status solid_rows(uh_ctx *ctx, void *seq, uh_rows *out)
{
    (void)seq;
    int v = (int)uh_param_int(host, ctx, "value");
    const uh_image_info *info = NULL;
    (void)info;
    uint32_t w = (uint32_t)uh_param_int(host, ctx, "width");
    for (uint32_t r = 0; r < out->n; r++)
        memset(out->data + (size_t)r * out->stride, v, w);
    return UH_OK;
}

static const uh_node_type solid_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "test.solid",
    .summary = "a grey image of one value",
    .threading = UH_THREADS_SHARED,
    .outputs = solid_outs,
    .params = solid_params,
    .prepare = solid_prepare,
    .rows = solid_rows,
};

/* ---- test.alloc: known allocations ------------------------------------ */

static const uh_param_desc p_bytes = {.struct_size = sizeof(uh_param_desc),
                                      .name = "bytes",
                                      .type = UH_PARAM_INTEGER,
                                      .flags = UH_PARAM_RANGE,
                                      .def = 1000,
                                      .min = 1,
                                      .max = 1e12,
                                      .doc = "bytes per block"};
static const uh_param_desc p_blocks = {.struct_size = sizeof(uh_param_desc),
                                       .name = "blocks",
                                       .type = UH_PARAM_INTEGER,
                                       .flags = UH_PARAM_RANGE,
                                       .def = 3,
                                       .min = 1,
                                       .max = 64,
                                       .doc = "blocks held at once"};
static const uh_param_desc p_leak = {.struct_size = sizeof(uh_param_desc),
                                     .name = "leak",
                                     .type = UH_PARAM_INTEGER,
                                     .flags = UH_PARAM_RANGE,
                                     .def = 0,
                                     .min = 0,
                                     .max = 64,
                                     .doc = "blocks not freed"};
static const uh_param_desc *const alloc_params[] = {&p_bytes, &p_blocks,
                                                    &p_leak, NULL};

/* Allocates `blocks` blocks of `bytes` at once, touches them, frees all
 * but `leak`, then copies its input to its output. */
static uh_status alloc_process(uh_ctx *ctx)
{
    size_t bytes = (size_t)uh_param_int(host, ctx, "bytes");
    int blocks = (int)uh_param_int(host, ctx, "blocks");
    int leak = (int)uh_param_int(host, ctx, "leak");
    void *p[64];
    for (int i = 0; i < blocks; i++) {
        p[i] = host->alloc(ctx, bytes, 0, UH_LIFE_TEMP);
        if (!p[i]) {
            for (int j = 0; j < i; j++)
                host->free(ctx, p[j], bytes);
            return host->last_status(ctx);
        }
        memset(p[i], 0xab, bytes);
    }
    for (int i = leak; i < blocks; i++)
        host->free(ctx, p[i], bytes);
    const uh_image *in;
    uh_image *out;
    uh_status st = host->input_image(ctx, 0, 0, &in);
    if (st == UH_OK)
        st = host->output_image(ctx, 0, 0, &out);
    if (st != UH_OK)
        return st;
    for (uint32_t y = 0; y < in->info.height; y++)
        memcpy(out->data + y * out->stride, in->data + y * in->stride,
               in->info.width * uh_pixel_size(&in->info));
    return UH_OK;
}

static uh_status copy_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = host->input_info(ctx, 0, 0);
    return in ? host->set_output(ctx, 0, 0, in) : UH_EINVAL;
}

static const uh_node_type alloc_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "test.alloc",
    .summary = "allocates known sizes, then copies its input",
    .inputs = ins,
    .outputs = outs,
    .params = alloc_params,
    .prepare = copy_prepare,
    .process = alloc_process,
};

/* ---- test.fail --------------------------------------------------------- */

static const char *const statuses[] = {"corrupt",  "limit",  "write",
                                       "internal", "silent", NULL};
static const uh_param_desc p_status = {.struct_size = sizeof(uh_param_desc),
                                       .name = "status",
                                       .type = UH_PARAM_ENUM,
                                       .def_text = "internal",
                                       .values = statuses,
                                       .doc = "how to fail"};
static const uh_param_desc p_in = {
    .struct_size = sizeof(uh_param_desc),
    .name = "in",
    .type = UH_PARAM_ENUM,
    .def_text = "process",
    .values = (const char *const[]){"prepare", "process", NULL},
    .doc = "where to fail"};
static const uh_param_desc *const fail_params[] = {&p_status, &p_in, NULL};

static uh_status do_fail(uh_ctx *ctx)
{
    static const uh_status st[] = {UH_ECORRUPT, UH_ELIMIT, UH_EWRITE,
                                   UH_EINTERNAL, UH_EINTERNAL};
    int64_t which = uh_param_int(host, ctx, "status");
    if (which == 4)
        return UH_EINTERNAL; /* no message: the host says the status */
    return host->fail(ctx, st[which], "failing on purpose (%s)",
                      statuses[which]);
}

static uh_status fail_prepare(uh_ctx *ctx)
{
    if (uh_param_int(host, ctx, "in") == 0)
        return do_fail(ctx);
    return copy_prepare(ctx);
}

static const uh_node_type fail_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "test.fail",
    .summary = "fails on purpose",
    .inputs = ins,
    .outputs = outs,
    .params = fail_params,
    .prepare = fail_prepare,
    .process = do_fail,
};

/* ---- test.sink: a strip sink that checks its blob input ---------------- */

static const uh_param_desc p_want = {.struct_size = sizeof(uh_param_desc),
                                     .name = "want",
                                     .type = UH_PARAM_STRING,
                                     .doc = "the note it expects"};
static const uh_param_desc *const sink_params[] = {&p_want, NULL};

static uh_status sink_prepare(uh_ctx *ctx)
{
    const uh_value *v = host->input_value(ctx, 1);
    const char *want = uh_param_str(host, ctx, "want");
    size_t n = strlen(want);
    if (!v)
        return n ? host->fail(ctx, UH_EINVAL, "no note, want '%s'", want)
                 : UH_OK;
    if (v->count != n || memcmp(v->bytes, want, n) != 0)
        return host->fail(ctx, UH_EINVAL, "note '%.*s', want '%s'",
                          (int)v->count, (const char *)v->bytes, want);
    return UH_OK;
}

static uh_status sink_rows(uh_ctx *ctx, void *seq, uh_rows *band)
{
    (void)seq;
    uh_rows in;
    return host->input_rows(ctx, 0, band->y, band->n, &in);
}

static const uh_node_type sink_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "test.sink",
    .summary = "a strip sink that checks a blob input",
    .inputs = sink_ins,
    .params = sink_params,
    .prepare = sink_prepare,
    .rows = sink_rows,
    .strip_flags = UH_STRIP_SEQUENTIAL,
};

/* ---- test.hang: a node that ignores cancellation (or honours it) ------- */

static const uh_param_desc p_honour = {.struct_size = sizeof(uh_param_desc),
                                       .name = "honour",
                                       .type = UH_PARAM_BOOL,
                                       .doc = "poll is_canceled()"};
static const uh_param_desc *const hang_params[] = {&p_honour, NULL};

static uh_status hang_process(uh_ctx *ctx)
{
    int honour = uh_param_int(host, ctx, "honour") != 0;
    for (;;) {
        if (honour && host->is_canceled(ctx))
            return UH_ECANCELED;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static const uh_node_type hang_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "test.hang",
    .summary = "never finishes unless asked to honour cancellation",
    .inputs = ins,
    .outputs = outs,
    .params = hang_params,
    .prepare = copy_prepare,
    .process = hang_process,
};

/* ---- test.pass: the input passed on without a copy --------------------- */

static const uh_param_desc p_wider = {.struct_size = sizeof(uh_param_desc),
                                      .name = "wider",
                                      .type = UH_PARAM_BOOL,
                                      .doc = "declare an output 1 px wider"};
static const uh_param_desc p_twice = {.struct_size = sizeof(uh_param_desc),
                                      .name = "twice",
                                      .type = UH_PARAM_BOOL,
                                      .doc = "pass the input on twice"};
static const uh_param_desc *const pass_params[] = {&p_wider, &p_twice, NULL};

static uh_status pass_prepare(uh_ctx *ctx)
{
    const uh_image_info *in = host->input_info(ctx, 0, 0);
    if (!in)
        return UH_EINVAL;
    uh_image_info o = *in;
    o.width += uh_param_int(host, ctx, "wider") != 0;
    return host->set_output(ctx, 0, 0, &o);
}

static uh_status pass_process(uh_ctx *ctx)
{
    const uh_ext_image_pass *ip = host->get_extension(host, UH_EXT_IMAGE_PASS);
    if (!ip)
        return host->fail(ctx, UH_EUNSUPPORTED, "no %s", UH_EXT_IMAGE_PASS);
    uh_status st = ip->pass_input(ctx, 0, 0, 0, 0);
    if (st == UH_OK && uh_param_int(host, ctx, "twice"))
        st = ip->pass_input(ctx, 0, 0, 0, 0);
    if (st != UH_OK)
        return st;
    const uh_image *in;
    uh_image *out;
    if ((st = host->input_image(ctx, 0, 0, &in)) != UH_OK ||
        (st = host->output_image(ctx, 0, 0, &out)) != UH_OK)
        return st;
    if (out->data != in->data || out->stride != in->stride)
        return host->fail(ctx, UH_EINTERNAL, "the output is not the input");
    return UH_OK;
}

static const uh_node_type pass_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "test.pass",
    .summary = "passes its input on as its output, without a copy",
    .inputs = ins,
    .outputs = outs,
    .params = pass_params,
    .prepare = pass_prepare,
    .process = pass_process,
};

static const uh_node_type *const types[] = {
    &solid_type, &alloc_type, &fail_type, &sink_type,
    &hang_type,  &pass_type,  NULL};

static uh_status tn_init(const uh_host *h)
{
    host = h;
    return UH_OK;
}

static const uh_plugin plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "hostnodes",
    .version = "1.0.0",
    .init = tn_init,
    .node_types = types,
};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
