/* The ops plugin: image operations (resize, thumbnail, crop, embed, flip,
 * rotate, convert, blend, blur, sharpen, levels, brightness_contrast, curves),
 * one file per node type; this file holds the table and the entry point. */
#include "ops.h"

const uh_host *ops_host;

const uh_port_desc ops_port_image_in = {.struct_size = sizeof(uh_port_desc),
                                        .name = "image",
                                        .type = UH_PORT_IMAGE,
                                        .doc = "the image to process"};
const uh_port_desc ops_port_image_out = {.struct_size = sizeof(uh_port_desc),
                                         .name = "image",
                                         .type = UH_PORT_IMAGE,
                                         .doc = "the result"};
const uh_port_desc *const ops_ports_in[] = {&ops_port_image_in, NULL};
const uh_port_desc *const ops_ports_out[] = {&ops_port_image_out, NULL};

static const uh_node_type *const types[] = {
    &ops_resize_type,  &ops_thumbnail_type,
    &ops_crop_type,    &ops_embed_type,
    &ops_flip_type,    &ops_rotate_type,
    &ops_convert_type, &ops_blend_type,
    &ops_blur_type,    &ops_sharpen_type,
    &ops_levels_type,  &ops_brightness_contrast_type,
    &ops_curves_type,  NULL};

static uh_status ops_init(const uh_host *host)
{
    ops_host = host;
    return UH_OK;
}

static void ops_fini(void)
{
    ops_host = NULL;
}

static const uh_plugin plugin = {
    .struct_size = sizeof(uh_plugin),
    .sdk = UH_SDK_VERSION_INIT,
    .name = "ops",
    .version = "1.0.0",
    .init = ops_init,
    .fini = ops_fini,
    .node_types = types,
};

UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
    return &plugin;
}
