/* dds.save: a mip chain as an uncompressed DDS file, levels largest first.
 * 8-bit levels not tagged sRGB use the legacy header (A8B8G8R8 masks, i.e.
 * DXGI R8G8B8A8_UNORM); sRGB 8-bit, 16-bit and float levels use the DX10
 * header (DXGI 29, 11, 2) with the alpha mode in miscFlags2. Every level
 * is written as RGBA. */
#include <string.h>

#include "mipmap_int.h"

static const uh_param_desc p_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_OUTPUT_FILE,
    .doc = "the .dds file to write",
};
static const uh_param_desc *const params[] = {&p_path, NULL};
static const uh_port_desc *const inputs[] = {&mip_port_levels_in, NULL};

enum {
    DXGI_R32G32B32A32_FLOAT = 2,
    DXGI_R16G16B16A16_UNORM = 11,
    DXGI_R8G8B8A8_UNORM = 28,
    DXGI_R8G8B8A8_UNORM_SRGB = 29,
};

void mip_dds_layout(mip_texfile *t, const uh_image_info *l0, uint32_t n)
{
    memset(t, 0, sizeof(*t));
    t->kind = MIP_FILE_DDS;
    t->n = n;
    t->l0 = *l0;
    t->channels = 4;
    t->texel = 4 * uh_sample_size(l0->sample);
    if (l0->sample == UH_SAMPLE_U8 && l0->space == UH_SPACE_SRGB)
        t->dxgi = DXGI_R8G8B8A8_UNORM_SRGB;
    else if (l0->sample == UH_SAMPLE_U16)
        t->dxgi = DXGI_R16G16B16A16_UNORM;
    else if (l0->sample == UH_SAMPLE_F32)
        t->dxgi = DXGI_R32G32B32A32_FLOAT;
    uint64_t pos = 4 + 124 + (t->dxgi ? 20 : 0);
    t->data_start = pos;
    for (uint32_t p = 0; p < n; p++) {
        t->off[p] = pos;
        t->len[p] = (uint64_t)mipf_level_size(l0->width, p) *
                    mipf_level_size(l0->height, p) * t->texel;
        pos += t->len[p];
    }
    t->size = pos;
}

/* Writes the magic, DDS_HEADER and, for DXGI formats, DDS_HEADER_DXT10. */
void mip_dds_header(const mip_texfile *t, mip_out *o)
{
    const uh_image_info *l0 = &t->l0;
    uint32_t n = t->n;
    int has_alpha = l0->channels == 2 || l0->channels == 4;
    mip_out_put(o, "DDS ", 4);
    mip_out_u32(o, 124);
    mip_out_u32(o, 0x1007u | 0x8u | (n > 1 ? 0x20000u : 0u));
    mip_out_u32(o, l0->height);
    mip_out_u32(o, l0->width);
    mip_out_u32(o, l0->width * t->texel);
    mip_out_u32(o, 0);
    mip_out_u32(o, n);
    mip_out_zero(o, 44);
    mip_out_u32(o, 32);
    if (t->dxgi) {
        mip_out_u32(o, 0x4); /* FOURCC */
        mip_out_put(o, "DX10", 4);
        mip_out_zero(o, 20);
    } else {
        mip_out_u32(o, 0x41); /* RGB | ALPHAPIXELS */
        mip_out_u32(o, 0);
        mip_out_u32(o, 32);
        mip_out_u32(o, 0x000000FFu);
        mip_out_u32(o, 0x0000FF00u);
        mip_out_u32(o, 0x00FF0000u);
        mip_out_u32(o, 0xFF000000u);
    }
    mip_out_u32(o, 0x1000u | (n > 1 ? 0x400008u : 0u));
    mip_out_zero(o, 16);
    if (t->dxgi) {
        mip_out_u32(o, t->dxgi);
        mip_out_u32(o, 3); /* TEXTURE2D */
        mip_out_u32(o, 0);
        mip_out_u32(o, 1);
        mip_out_u32(o, !has_alpha                                  ? 3u
                       : (l0->flags & UH_IMAGE_PREMULTIPLIED) != 0 ? 2u
                                                                   : 1u);
    }
}

static uh_status dd_prepare(uh_ctx *ctx)
{
    mipf_init(); /* the tables, on first use (not at plugin load) */
    uint32_t n;
    uh_status st = mip_check_chain(ctx, "dds.save", &n);
    if (st == UH_OK && n > MIP_MAX_LEVELS)
        return mip_host->fail(ctx, UH_EUNSUPPORTED, "%u levels", n);
    return st;
}

static uh_status dd_process(uh_ctx *ctx)
{
    uint32_t n;
    uh_status st = mip_check_chain(ctx, "dds.save", &n);
    if (st != UH_OK)
        return st;
    mip_texfile t;
    mip_dds_layout(&t, mip_host->input_info(ctx, 0, 0), n);
    return mip_texfile_save(ctx, &t);
}

const uh_node_type mip_type_dds = {
    .struct_size = sizeof(uh_node_type),
    .id = "dds.save",
    .summary = "mip chain -> DDS (legacy RGBA8 UNORM; DX10 for sRGB, "
               "16-bit, float)",
    .inputs = inputs,
    .params = params,
    .prepare = dd_prepare,
    .process = dd_process,
    .is_sink = 1,
};
