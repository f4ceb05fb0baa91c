// The SDK header alone, as C++11 with -Wpedantic -Werror -Wconversion.
#include <uberhost/ext/file-at.h>
#include <uberhost/ext/image-pass.h>
#include <uberhost/uh_sdk.h>

int main()
{
    uh_image_info info = {};
    info.width = 2;
    info.channels = 4;
    info.sample = UH_SAMPLE_U16;
    size_t bytes = 0;
    return uh_mul_size(&bytes, uh_pixel_size(&info), info.width) && bytes == 16
               ? 0
               : 1;
}
