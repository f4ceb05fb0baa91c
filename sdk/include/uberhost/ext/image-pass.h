/* uberhost SDK extension "uh.image-pass/1": an output image that is an
 * input image, passed on without a copy. A mip chain's level 0 is its
 * input; a node that leaves some images of a list unchanged can pass them
 * on. The host keeps the input alive as long as the output is.
 *
 *     const uh_ext_image_pass *ip = NULL;
 *     if (UH_HAS_FIELD(host, uh_host, get_extension) && host->get_extension)
 *         ip = host->get_extension(host, UH_EXT_IMAGE_PASS);
 *     if (ip && UH_HAS_FIELD(ip, uh_ext_image_pass, pass_input) &&
 *         same_shape(input, declared output))
 *         st = ip->pass_input(ctx, 0, 0, 0, 0); // output 0 is input 0
 *     else
 *         ... output_image() and copy, as without the extension ...
 *
 * Available since host 1.0 (added with SDK 1.0, see sdk/CHANGES.md). */
#ifndef UH_EXT_IMAGE_PASS_H
#define UH_EXT_IMAGE_PASS_H

#include <uberhost/uh_sdk.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UH_EXT_IMAGE_PASS "uh.image-pass/1"

typedef struct uh_ext_image_pass {
    uint32_t struct_size; /* sizeof(uh_ext_image_pass) in the host's build */

    /* In process(): makes image `out_index` of output port `out_port` the
     * image `in_index` of input port `in_port`, the same pixels at the same
     * address, without allocating. The output must have been declared in
     * prepare() with the input's width, height, channels, sample, space
     * and flags (level_x and level_y may differ: they are the output's),
     * and not yet obtained with output_image(); the input must be a whole
     * image (not rows). Afterwards output_image() returns it (its stride
     * is the input's) and it must not be written to. When any of this
     * does not hold the call fails the node (UH_EINVAL, saying why), as
     * any misuse of the host does: compare the shapes first.
     * [worker, process() only] */
    uh_status (*pass_input)(uh_ctx *ctx, uint32_t in_port, uint32_t in_index,
                            uint32_t out_port, uint32_t out_index);
} uh_ext_image_pass;

#ifdef __cplusplus
}
#endif

#endif /* UH_EXT_IMAGE_PASS_H */
