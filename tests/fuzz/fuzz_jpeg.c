/* Fuzz target for jpeg.load through the real host: the input bytes become
 * <tmp>/in.jpg, a small graph decodes it with tight limits (1 MP, 4096 px
 * a side, 100 scans, 20 warnings, 64 MiB for libjpeg, 64 MiB budget, 1
 * thread) and saves what decodes, so the host's streaming, allocator and
 * commit paths run too. The last input byte picks the options (libjpeg
 * stops at EOI, so seeds carry an option byte after it): bits 0-1 shrink
 * 1/2/4/8, bit 2 autorotate, bits 3-4 the sink (png.save, jpeg.save,
 * progressive jpeg.save, thumbnail + jpeg.save); when its top three bits
 * are all set, one allocation of the run fails on purpose, the Nth picked
 * from a hash of the input. The checks are fz_run_checked()'s. */
#include <stdio.h>
#include <string.h>

#include "fuzzhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char in[512];
    fz_write_input("in.jpg", data, size, in, sizeof(in));
    const char *dir = fz_dir();
    uint8_t opt = size ? data[size - 1] : 0;
    static const int shrinks[] = {1, 2, 4, 8};
    char sink[1024], json[4096];
    const char *src = "load";
    const char *mid = "";
    const char *out = "out.jpg";
    switch ((opt >> 3) & 3) {
    case 0:
        out = "out.png";
        snprintf(sink, sizeof(sink),
                 "\"type\":\"png.save\",\"params\":{\"path\":\"%s/out.png\","
                 "\"compression\":1}",
                 dir);
        break;
    case 1:
    case 2:
        snprintf(sink, sizeof(sink),
                 "\"type\":\"jpeg.save\",\"params\":{\"path\":\"%s/out.jpg\","
                 "\"quality\":%d,\"progressive\":%s,\"strip\":%s}",
                 dir, (opt & 4) ? 95 : 60,
                 ((opt >> 3) & 3) == 2 ? "true" : "false",
                 (opt & 1) ? "true" : "false");
        break;
    default:
        src = "mid";
        mid = ",\"mid\":{\"type\":\"thumbnail\",\"params\":{\"width\":40},"
              "\"inputs\":{\"image\":\"load\"}}";
        snprintf(sink, sizeof(sink),
                 "\"type\":\"jpeg.save\",\"params\":{\"path\":\"%s/out.jpg\","
                 "\"optimize\":true,\"subsampling\":\"422\"}",
                 dir);
        break;
    }
    int n = snprintf(json, sizeof(json),
                     "{\"uberhost\":1,\"nodes\":{"
                     "\"load\":{\"type\":\"jpeg.load\",\"params\":{"
                     "\"path\":\"%s\",\"shrink\":%d,\"autorotate\":%s,"
                     "\"max_dimension\":4096,\"max_pixels\":1000000,"
                     "\"max_scans\":100,\"max_warnings\":20,"
                     "\"max_memory_mib\":64}}%s,"
                     "\"save\":{%s,\"inputs\":{\"image\":\"%s\"}}}}",
                     in, shrinks[opt & 3], (opt & 4) ? "true" : "false", mid,
                     sink, src);
    if (n < 0 || (size_t)n >= sizeof(json))
        return 0;
    run_options ro = fz_run_defaults();
    if ((opt & 0xe0) == 0xe0) {
        uint32_t h = fz_hash(data, size);
        ro.fail_alloc = 1u + h % 48u;
        ro.fail_persistent = (h >> 8) & 1;
    }
    fz_expect ex = {.outputs = {out}, .fail_alloc = ro.fail_alloc != 0};
    fz_run_checked(json, &ro, &ex);
    return 0;
}
