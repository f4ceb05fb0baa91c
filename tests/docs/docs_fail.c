/* docs.fail: a sink that fails with the status named by its parameter, so
 * docs_errors can check docs/errors.md's status -> exit code table and the
 * message format against the real binary. */
#include <uberhost/uh_sdk.h>

static const uh_host *host;

/* Same order as UH_STATUS_MAP: index i is status -(i + 1). */
static const char *const names[] = {
    "UH_EINVAL",       "UH_ENOMEM", "UH_ELIMIT",    "UH_ECORRUPT",
    "UH_EUNSUPPORTED", "UH_EIO",    "UH_ECANCELED", "UH_EINTERNAL",
    "UH_EWRITE",       NULL};

static const uh_param_desc p_status = {
    .struct_size = sizeof(uh_param_desc),
    .name = "status",
    .type = UH_PARAM_ENUM,
    .def_text = "UH_EINVAL",
    .values = names,
    .doc = "the status process() returns",
};
static const uh_param_desc p_silent = {
    .struct_size = sizeof(uh_param_desc),
    .name = "silent",
    .type = UH_PARAM_BOOL,
    .doc = "return the status without calling host->fail()",
};
static const uh_param_desc *const params[] = {&p_status, &p_silent, NULL};

static uh_status fail_process(uh_ctx *ctx)
{
    int64_t i = uh_param_int(host, ctx, "status");
    uh_status st = (uh_status)(-(i + 1));
    if (uh_param_int(host, ctx, "silent"))
        return st;
    return host->fail(ctx, st, "failing with %s", names[i]);
}

static const uh_node_type fail_type = {
    .struct_size = sizeof(uh_node_type),
    .id = "docs.fail",
    .summary = "fails with a given status (docs_errors test)",
    .params = params,
    .process = fail_process,
    .is_sink = 1,
};

static const uh_node_type *const types[] = {&fail_type, NULL};

static uh_status fail_init(const uh_host *h)
{
    host = h;
    return UH_OK;
}

static const uh_plugin plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "docs_fail",
    .version = "1.0.0",
    .init = fail_init,
    .node_types = types,
};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
