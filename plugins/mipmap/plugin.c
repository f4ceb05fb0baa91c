/* The mipmap plugin's table: its node types and init. */
#include "mipmap_int.h"

static uh_status mip_init(const uh_host *host)
{
    /* No table building here: the host loads every plugin on every run,
     * so the sRGB tables (1.5 ms) are made by the first prepare(). */
    mip_host = host;
    return UH_OK;
}

static void mip_fini(void)
{
    mip_host = NULL;
}

static const uh_node_type *const types[] = {
    &mip_type_mipmap,     &mip_type_ripmap,
    &mip_type_save_png,   &mip_type_atlas,
    &mip_type_ktx2,       &mip_type_dds,
    &mip_type_stream_png, &mip_type_stream_ktx2,
    &mip_type_stream_dds, NULL};

static const uh_plugin plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "mipmap",
    .version = "0.1.0",
    .init = mip_init,
    .fini = mip_fini,
    .node_types = types,
};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
