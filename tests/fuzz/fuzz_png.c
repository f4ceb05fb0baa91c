/* Fuzz target for png.load through the real host: the input bytes become
 * <tmp>/in.png, a small graph decodes it with tight limits (1 MP, 4096
 * px a side, 1 MiB chunks, 100 chunks, 64 MiB budget, 1 thread) and saves
 * what decodes with png.save or jpeg.save (possibly through thumbnail), so
 * the host's streaming, allocator and commit paths run too. The last
 * input byte picks the sink and its options (libpng ignores bytes after
 * IEND, so seeds carry an option byte there); when its top three bits are
 * all set, one allocation of the run fails on purpose, the Nth picked from
 * a hash of the input. The checks are fz_run_checked()'s (fuzzhost.h). */
#include <stdio.h>
#include <string.h>

#include "fuzzhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char in[512];
    fz_write_input("in.png", data, size, in, sizeof(in));
    const char *dir = fz_dir();
    uint8_t opt = size ? data[size - 1] : 0;
    static const char *filters[] = {"default", "none",  "sub", "up",
                                    "average", "paeth", "all", "default"};
    char sink[1024], json[4096];
    const char *src = "load";
    const char *mid = "";
    const char *out = "out.png";
    switch (opt & 3) {
    case 0:
        snprintf(sink, sizeof(sink),
                 "\"type\":\"png.save\",\"params\":{\"path\":\"%s/out.png\","
                 "\"filter\":\"%s\",\"compression\":%d}",
                 dir, filters[(opt >> 2) & 7], (opt >> 2) & 1 ? 1 : 6);
        break;
    case 1:
        snprintf(sink, sizeof(sink),
                 "\"type\":\"png.save\",\"params\":{\"path\":\"%s/out.png\","
                 "\"palette\":%s,\"interlace\":%s,\"depth\":\"%s\","
                 "\"compression\":1}",
                 dir, (opt & 4) ? "true" : "false",
                 (opt & 8) ? "true" : "false", (opt & 16) ? "16" : "auto");
        break;
    case 2:
        out = "out.jpg";
        snprintf(sink, sizeof(sink),
                 "\"type\":\"jpeg.save\",\"params\":{\"path\":\"%s/out.jpg\","
                 "\"quality\":%d,\"progressive\":%s,\"optimize\":%s,"
                 "\"subsampling\":\"%s\"}",
                 dir, 40 + (opt & 0x1c) * 2, (opt & 4) ? "true" : "false",
                 (opt & 8) ? "true" : "false", (opt & 16) ? "420" : "444");
        break;
    default:
        src = "mid";
        mid = (opt & 4) ? ",\"mid\":{\"type\":\"thumbnail\",\"params\":"
                          "{\"width\":48,\"kernel\":\"lanczos3\"},"
                          "\"inputs\":{\"image\":\"load\"}}"
                        : ",\"mid\":{\"type\":\"convert\",\"params\":"
                          "{\"sample\":\"f32\",\"space\":\"linear\"},"
                          "\"inputs\":{\"image\":\"load\"}}";
        snprintf(sink, sizeof(sink),
                 "\"type\":\"png.save\",\"params\":{\"path\":\"%s/out.png\","
                 "\"compression\":1}",
                 dir);
        break;
    }
    int n = snprintf(json, sizeof(json),
                     "{\"uberhost\":1,\"nodes\":{"
                     "\"load\":{\"type\":\"png.load\",\"params\":{"
                     "\"path\":\"%s\",\"max_dimension\":4096,"
                     "\"max_pixels\":1000000,\"max_chunk_bytes\":1048576,"
                     "\"max_chunks\":100}}%s,"
                     "\"save\":{%s,\"inputs\":{\"image\":\"%s\"}}}}",
                     in, mid, sink, src);
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
