/* The SDK headers alone, as C11 with -Wpedantic -Werror -Wconversion. */
#include <uberhost/ext/file-at.h>
#include <uberhost/ext/image-pass.h>
#include <uberhost/uh_sdk.h>

int main(void)
{
    uh_image_info info = {
        .width = 2, .height = 2, .channels = 4, .sample = UH_SAMPLE_U16};
    size_t bytes = 0;
    uh_ext_file_at fa = {.struct_size = sizeof(uh_ext_file_at)};
    if (!UH_HAS_FIELD(&fa, uh_ext_file_at, write_at))
        return 2;
    return uh_mul_size(&bytes, uh_pixel_size(&info), info.width) && bytes == 16
               ? 0
               : 1;
}
