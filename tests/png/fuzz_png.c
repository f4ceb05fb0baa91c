/* Fuzz target for png.load and png.save: the input bytes are served to
 * png.load as a file through the minihost, and what decodes is written
 * again by png.save (palette, interlace, depth picked from the second byte)
 * to a temporary file that is removed. The allocation
 * that fails is picked from the input's last byte, so allocation-failure
 * paths are fuzzed too, reproducibly from the crash file.
 *
 * With -DUH_FUZZ=ON (clang) it links with libFuzzer; otherwise the
 * standalone main() below runs every file given on the command line, which
 * is how ctest replays the corpus. The plugin is $PNG_PLUGIN: a path to
 * png.so, or "builtin" when plugins/png/png.c is compiled in (the libFuzzer
 * build does that, so that coverage inside the plugin guides it). */
#include "minihost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int loaded = -1;
    if (loaded < 0) {
        const char *p = getenv("PNG_PLUGIN");
#ifdef UH_FUZZ_BUILTIN
        if (!p)
            p = "builtin";
#endif
        loaded = p && mh_load(p) == 0;
        if (!loaded)
            fprintf(stderr, "fuzz_png: set PNG_PLUGIN to png.so\n");
    }
    if (!loaded)
        abort();
    mh_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.quiet = 1;
    cfg.band = size > 0 ? 1u + data[0] % 7u : 1u;
    cfg.mem = data;
    cfg.mem_size = size;
    cfg.memory_limit = 256u << 20;
    cfg.sets[cfg.n_sets++] = "load.max_pixels=4000000";
    cfg.sets[cfg.n_sets++] = "load.max_chunk_bytes=1048576";
    if (size > 1 && data[size - 1] < 16)
        cfg.fail_alloc_at = 1u + data[size - 1];
    /* png.save too, with options from the second byte. */
    char out[64];
    snprintf(out, sizeof(out), "/tmp/fuzz_png.%ld.png", (long)getpid());
    uint8_t opt = size > 1 ? data[1] : 0;
    if (opt & 1)
        cfg.sets[cfg.n_sets++] = "save.palette=true";
    if (opt & 2)
        cfg.sets[cfg.n_sets++] = "save.interlace=true";
    if (opt & 4)
        cfg.sets[cfg.n_sets++] = (opt & 8) ? "save.depth=16" : "save.depth=8";
    if (opt & 16)
        cfg.sets[cfg.n_sets++] = "save.compression=0";
    mh_result r;
    uint8_t *raw = NULL;
    size_t raw_size = 0;
    mh_run(&cfg, "mem:", out, &raw, &raw_size, &r);
    remove(out);
    /* Touch every decoded byte, so uninitialised output shows up. */
    unsigned sum = 0;
    for (size_t i = 0; i < raw_size; i++)
        sum += raw[i];
    free(raw);
    if (r.leaked) {
        fprintf(stderr, "fuzz_png: leaked %llu bytes (%s)\n",
                (unsigned long long)r.leaked, r.message);
        abort();
    }
    if (r.status == UH_OK && r.exit_code != 0)
        abort();
    if (r.status != UH_OK && r.message[0] == '\0')
        abort(); /* every failure says why */
    return (int)(sum & 0);
}

#ifndef UH_FUZZ_LIBFUZZER
int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 65536;
                uint8_t *nb = realloc(buf, cap);
                if (!nb)
                    return 1;
                buf = nb;
            }
            size_t got = fread(buf + len, 1, cap - len, f);
            if (got == 0)
                break;
            len += got;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        n++;
    }
    printf("fuzz_png: ran %d inputs\n", n);
    return 0;
}
#endif
