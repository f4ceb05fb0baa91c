/* The SDK header alone, as C11 with -Wpedantic -Werror -Wconversion. */
#include <uberhost/uh_sdk.h>

int main(void)
{
    uh_image_info info = {
        .width = 2, .height = 2, .channels = 4, .sample = UH_SAMPLE_U16};
    size_t bytes = 0;
    return uh_mul_size(&bytes, uh_pixel_size(&info), info.width) && bytes == 16
               ? 0
               : 1;
}
