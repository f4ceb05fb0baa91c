/* The procedural plugin's table: noise, patterns, gradients and the two
 * material helpers (colorize, normal_from_height). */
#include "proc.h"

const uh_host *proc_host;

static uh_status procedural_init(const uh_host *host)
{
    proc_host = host;
    return UH_OK;
}

static void procedural_fini(void)
{
    proc_host = NULL;
}

static const uh_node_type *const types[] = {
    &proc_noise_type,        &proc_checker_type,
    &proc_stripes_type,      &proc_grid_type,
    &proc_bricks_type,       &proc_dots_type,
    &proc_hexagons_type,     &proc_voronoi_type,
    &proc_gradient_type,     &proc_colorize_type,
    &proc_gradient_map_type, &proc_normal_type,
    &proc_mix_type,          NULL,
};

static const uh_plugin plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "procedural",
    .version = "1.0.0",
    .init = procedural_init,
    .fini = procedural_fini,
    .node_types = types,
};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
