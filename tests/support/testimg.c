/* Test helpers over libpng's simplified API (an independent decoder). */
#include "testimg.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static png_uint_32 format_for(uint32_t channels, uint32_t bytes)
{
    static const png_uint_32 f8[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA,
                                     PNG_FORMAT_RGB, PNG_FORMAT_RGBA};
    png_uint_32 f = f8[channels - 1];
    if (bytes == 2)
        f |= PNG_FORMAT_FLAG_LINEAR;
    return f;
}

int testimg_read(const char *path, testimg *out)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        fprintf(stderr, "testimg: %s: %s\n", path, img.message);
        return -1;
    }
    uint32_t channels = PNG_IMAGE_SAMPLE_CHANNELS(img.format);
    uint32_t bytes = (img.format & PNG_FORMAT_FLAG_LINEAR) ? 2 : 1;
    /* Keep 16-bit files 16-bit, but read their samples without the
     * simplified API's linearisation: use the low-level API instead. */
    png_image_free(&img);

    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    uint8_t *data = NULL;
    png_bytep *rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        free(data);
        free(rows);
        return -1;
    }
    png_init_io(png, fp);
    png_read_info(png, info);
    int depth = png_get_bit_depth(png, info);
    int ct = png_get_color_type(png, info);
    if (ct == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ct == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    bytes = depth == 16 ? 2 : 1;
    if (bytes == 2)
        png_set_swap(png); /* native little-endian */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    channels = png_get_channels(png, info);
    uint32_t w = png_get_image_width(png, info);
    uint32_t h = png_get_image_height(png, info);
    size_t stride = (size_t)w * channels * bytes;
    data = malloc(stride * h);
    rows = malloc(sizeof(*rows) * h);
    for (uint32_t y = 0; y < h; y++)
        rows[y] = data + y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    free(rows);
    out->width = w;
    out->height = h;
    out->channels = channels;
    out->bytes = bytes;
    out->data = data;
    return 0;
}

int testimg_write(const char *path, const testimg *img)
{
    png_image pi;
    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    pi.width = img->width;
    pi.height = img->height;
    pi.format = format_for(img->channels, img->bytes);
    if (img->bytes == 2) {
        /* The simplified API treats 16-bit as linear; write raw instead. */
        FILE *fp = fopen(path, "wb");
        if (!fp)
            return -1;
        png_structp png =
            png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
        png_infop info = png_create_info_struct(png);
        if (setjmp(png_jmpbuf(png))) {
            png_destroy_write_struct(&png, &info);
            fclose(fp);
            return -1;
        }
        static const int ct[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GA,
                                 PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
        png_init_io(png, fp);
        png_set_IHDR(png, info, img->width, img->height, 16,
                     ct[img->channels - 1], PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        png_set_swap(png);
        size_t stride = (size_t)img->width * img->channels * 2;
        for (uint32_t y = 0; y < img->height; y++)
            png_write_row(png, img->data + y * stride);
        png_write_end(png, NULL);
        png_destroy_write_struct(&png, &info);
        return fclose(fp) == 0 ? 0 : -1;
    }
    if (!png_image_write_to_file(&pi, path, 0, img->data, 0, NULL)) {
        fprintf(stderr, "testimg: %s: %s\n", path, pi.message);
        return -1;
    }
    return 0;
}

uint32_t testimg_at(const testimg *img, uint32_t x, uint32_t y, uint32_t c)
{
    size_t i = ((size_t)y * img->width + x) * img->channels + c;
    if (img->bytes == 2)
        return ((const uint16_t *)img->data)[i];
    return img->data[i];
}

void testimg_free(testimg *img)
{
    free(img->data);
    img->data = NULL;
}
