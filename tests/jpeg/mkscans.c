/* Writes a valid progressive JPEG with many scans, which cjpeg/jpegtran
 * cannot (their scan scripts stop at 100 scans):
 *
 *   jpeg_mkscans OUT.jpg WIDTH HEIGHT
 *   jpeg_mkscans OUT.jpg WIDTH HEIGHT 2comp
 *
 * A 3-component image whose every AC coefficient of every component gets
 * its own first scan at point transform 10 and ten refinement scans (the
 * DC the same, interleaved): 11 + 3 * 63 * 11 = 2090 scans, every one of
 * them legal, so only a scan cap can stop a decoder early. With "2comp" it
 * writes a plain baseline JPEG of two components instead (no colour space
 * a decoder knows). */
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

#define MKS_AL 10 /* largest point transform libjpeg accepts for 8 bits */

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5)
        return 1;
    int two = argc == 5;
    int w = atoi(argv[2]), h = atoi(argv[3]);
    FILE *f = fopen(argv[1], "wb");
    if (!f || w < 1 || h < 1)
        return 1;
    int nscans = (MKS_AL + 1) * (1 + 3 * 63);
    jpeg_scan_info *scans = calloc((size_t)nscans, sizeof(*scans));
    unsigned char *row = malloc((size_t)w * 3);
    if (!scans || !row)
        return 1;
    int n = 0;
    for (int al = MKS_AL; al >= 0; al--) {
        jpeg_scan_info *s = &scans[n++];
        s->comps_in_scan = 3;
        for (int c = 0; c < 3; c++)
            s->component_index[c] = c;
        s->Ss = s->Se = 0;
        s->Ah = al == MKS_AL ? 0 : al + 1;
        s->Al = al;
    }
    for (int c = 0; c < 3; c++)
        for (int k = 1; k < 64; k++)
            for (int al = MKS_AL; al >= 0; al--) {
                jpeg_scan_info *s = &scans[n++];
                s->comps_in_scan = 1;
                s->component_index[0] = c;
                s->Ss = s->Se = k;
                s->Ah = al == MKS_AL ? 0 : al + 1;
                s->Al = al;
            }

    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = two ? 2 : 3;
    ci.in_color_space = two ? JCS_UNKNOWN : JCS_RGB;
    jpeg_set_defaults(&ci);
    if (!two) {
        ci.scan_info = scans;
        ci.num_scans = n;
    }
    jpeg_start_compress(&ci, TRUE);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned char *p = row + (size_t)x * (two ? 2 : 3);
            p[0] = (unsigned char)(x * 5 + y);
            p[1] = (unsigned char)((x ^ y) * 3);
            if (!two)
                p[2] = (unsigned char)(255 - y * 2);
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
    free(scans);
    free(row);
    return 0;
}
