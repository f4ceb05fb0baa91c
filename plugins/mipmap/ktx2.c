/* ktx2.save: a mip chain as an uncompressed KTX2 file: header, level index
 * (largest first), data format descriptor, key/value data (KTXorientation
 * "rd", KTXwriter), then the level images smallest first, each aligned to
 * lcm(texel size, 4). Every offset is computed before the first byte is
 * written. Formats: 8-bit R/RGB/RGBA UNORM or SRGB (grey+alpha becomes
 * RGBA), 16-bit RGBA UNORM, 32-bit float RGBA. */
#include <stdio.h>
#include <string.h>

#include "mipmap_int.h"

static const uh_param_desc p_path = {
    .struct_size = sizeof(uh_param_desc),
    .name = "path",
    .type = UH_PARAM_STRING,
    .flags = UH_PARAM_REQUIRED | UH_PARAM_OUTPUT_FILE,
    .doc = "the .ktx2 file to write",
};
static const uh_param_desc *const params[] = {&p_path, NULL};
static const uh_port_desc *const inputs[] = {&mip_port_levels_in, NULL};

/* Vulkan formats. */
enum {
    VK_R8_UNORM = 9,
    VK_R8_SRGB = 15,
    VK_R8G8B8_UNORM = 23,
    VK_R8G8B8_SRGB = 29,
    VK_R8G8B8A8_UNORM = 37,
    VK_R8G8B8A8_SRGB = 43,
    VK_R16G16B16A16_UNORM = 91,
    VK_R32G32B32A32_SFLOAT = 109,
};

typedef struct fmt {
    uint32_t vk;
    uint32_t channels;  /* stored channels */
    uint32_t type_size; /* bytes per component */
    int srgb, flt;
} fmt;

static fmt pick(const uh_image_info *l)
{
    fmt f = {0};
    f.srgb = l->space == UH_SPACE_SRGB;
    if (l->sample == UH_SAMPLE_U8) {
        f.type_size = 1;
        f.channels = l->channels == 1 ? 1 : l->channels == 3 ? 3 : 4;
        f.vk = f.channels == 1 ? (f.srgb ? VK_R8_SRGB : VK_R8_UNORM)
               : f.channels == 3
                   ? (f.srgb ? VK_R8G8B8_SRGB : VK_R8G8B8_UNORM)
                   : (f.srgb ? VK_R8G8B8A8_SRGB : VK_R8G8B8A8_UNORM);
    } else if (l->sample == UH_SAMPLE_U16) {
        f.type_size = 2;
        f.channels = 4;
        f.vk = VK_R16G16B16A16_UNORM;
    } else {
        f.type_size = 4;
        f.channels = 4;
        f.vk = VK_R32G32B32A32_SFLOAT;
        f.flt = 1;
    }
    return f;
}

static uint32_t lcm4(uint32_t texel)
{
    uint32_t a = texel, b = 4;
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return texel / a * 4;
}

static uint64_t align_up(uint64_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

/* Writes the DFD: dfdTotalSize, then one basic block. */
static void put_dfd(mip_out *o, const fmt *f, int premultiplied)
{
    uint32_t ns = f->channels;
    uint32_t block = 24 + 16 * ns;
    mip_out_u32(o, 4 + block);
    mip_out_u32(o, 0);                  /* vendor 0, type 0 */
    mip_out_u32(o, 2u | (block << 16)); /* version 2, block size */
    mip_out_u32(o, 1u | (1u << 8) | ((f->srgb ? 2u : 1u) << 16) |
                       ((premultiplied ? 1u : 0u) << 24));
    mip_out_u32(o, 0);                 /* texel block 1x1x1x1 */
    mip_out_u32(o, ns * f->type_size); /* bytesPlane0 */
    mip_out_u32(o, 0);
    static const uint32_t ids[4] = {0, 1, 2, 15};
    uint32_t bits = f->type_size * 8;
    for (uint32_t s = 0; s < ns; s++) {
        uint32_t id = ns == 4 ? ids[s] : s;
        uint32_t q = 0;
        if (f->flt)
            q = 0xC0; /* FLOAT | SIGNED */
        else if (id == 15 && f->srgb)
            q = 0x10; /* LINEAR alpha with an sRGB transfer */
        mip_out_u32(o, (s * bits) | ((bits - 1) << 16) | ((id | q) << 24));
        mip_out_u32(o, 0); /* sample position */
        if (f->flt) {
            mip_out_u32(o, 0xBF800000u);
            mip_out_u32(o, 0x3F800000u);
        } else {
            mip_out_u32(o, 0);
            mip_out_u32(o, f->type_size == 1 ? 255u : 65535u);
        }
    }
}

static uint32_t kv_entry_len(const char *key, const char *value)
{
    return (uint32_t)(strlen(key) + 1 + strlen(value) + 1);
}

static void put_kv(mip_out *o, const char *key, const char *value)
{
    uint32_t n = kv_entry_len(key, value);
    mip_out_u32(o, n);
    mip_out_put(o, key, strlen(key) + 1);
    mip_out_put(o, value, strlen(value) + 1);
    mip_out_zero(o, align_up(n, 4) - n);
}

void mip_ktx2_layout(mip_texfile *t, const uh_image_info *l0, uint32_t n,
                     const char *host_version)
{
    memset(t, 0, sizeof(*t));
    fmt f = pick(l0);
    t->kind = MIP_FILE_KTX2;
    t->n = n;
    t->l0 = *l0;
    t->channels = f.channels;
    t->texel = f.channels * f.type_size;
    uint32_t al = lcm4(t->texel);
    snprintf(t->writer, sizeof(t->writer), "uberhost %s",
             host_version ? host_version : "0.1.0");
    t->dfd_len = 4 + 24 + 16 * f.channels;
    t->kvd_len =
        (uint32_t)align_up(kv_entry_len("KTXorientation", "rd") + 4, 4) +
        (uint32_t)align_up(kv_entry_len("KTXwriter", t->writer) + 4, 4);
    uint64_t dfd_off = 80 + 24 * (uint64_t)n;
    uint64_t kvd_off = dfd_off + t->dfd_len;
    uint64_t pos = align_up(kvd_off + t->kvd_len, al);
    t->data_start = pos;
    for (uint32_t p = n; p-- > 0;) {
        pos = align_up(pos, al);
        t->off[p] = pos;
        t->len[p] = (uint64_t)mipf_level_size(l0->width, p) *
                    mipf_level_size(l0->height, p) * t->texel;
        pos += t->len[p];
    }
    t->size = pos;
}

/* Writes the header: identifier, index, DFD, key/value data, padding. */
void mip_ktx2_header(const mip_texfile *t, mip_out *o)
{
    fmt f = pick(&t->l0);
    uint32_t n = t->n;
    int premult = (t->l0.flags & UH_IMAGE_PREMULTIPLIED) != 0;
    uint64_t dfd_off = 80 + 24 * (uint64_t)n;
    uint64_t kvd_off = dfd_off + t->dfd_len;
    uint64_t at = o->total;
    static const uint8_t ident[12] = {0xAB, 0x4B, 0x54, 0x58, 0x20, 0x32,
                                      0x30, 0xBB, 0x0D, 0x0A, 0x1A, 0x0A};
    mip_out_put(o, ident, 12);
    mip_out_u32(o, f.vk);
    mip_out_u32(o, f.type_size);
    mip_out_u32(o, t->l0.width);
    mip_out_u32(o, t->l0.height);
    mip_out_u32(o, 0); /* depth */
    mip_out_u32(o, 0); /* layers */
    mip_out_u32(o, 1); /* faces */
    mip_out_u32(o, n);
    mip_out_u32(o, 0); /* supercompression */
    mip_out_u32(o, (uint32_t)dfd_off);
    mip_out_u32(o, t->dfd_len);
    mip_out_u32(o, (uint32_t)kvd_off);
    mip_out_u32(o, t->kvd_len);
    mip_out_u64(o, 0);
    mip_out_u64(o, 0);
    for (uint32_t p = 0; p < n; p++) {
        mip_out_u64(o, t->off[p]);
        mip_out_u64(o, t->len[p]);
        mip_out_u64(o, t->len[p]);
    }
    put_dfd(o, &f, premult);
    put_kv(o, "KTXorientation", "rd");
    put_kv(o, "KTXwriter", t->writer);
    mip_out_zero(o, t->data_start - (o->total - at));
}

static uh_status kt_prepare(uh_ctx *ctx)
{
    mipf_init(); /* the tables, on first use (not at plugin load) */
    uint32_t n;
    uh_status st = mip_check_chain(ctx, "ktx2.save", &n);
    if (st != UH_OK)
        return st;
    if (n > MIP_MAX_LEVELS)
        return mip_host->fail(ctx, UH_EUNSUPPORTED, "%u levels", n);
    return UH_OK;
}

static uh_status kt_process(uh_ctx *ctx)
{
    uint32_t n;
    uh_status st = mip_check_chain(ctx, "ktx2.save", &n);
    if (st != UH_OK)
        return st;
    mip_texfile t;
    mip_ktx2_layout(&t, mip_host->input_info(ctx, 0, 0), n, mip_host->version);
    return mip_texfile_save(ctx, &t);
}

const uh_node_type mip_type_ktx2 = {
    .struct_size = sizeof(uh_node_type),
    .id = "ktx2.save",
    .summary = "mip chain -> KTX2 (RGBA8/RGB8/R8 UNORM or SRGB, RGBA16, "
               "RGBA32F)",
    .inputs = inputs,
    .params = params,
    .prepare = kt_prepare,
    .process = kt_process,
    .is_sink = 1,
};
