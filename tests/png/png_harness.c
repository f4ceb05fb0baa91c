/* Drives png.so through the minihost, without the real host:
 *
 *   png_harness PLUGIN decode IN [OUT.raw] [options]
 *   png_harness PLUGIN convert IN OUT.png [options]
 *   png_harness PLUGIN oom IN [OUT.png] [options]
 *   png_harness PLUGIN save RAW OUT.png [options]
 *
 * Options: --band N, --set load.NAME=VALUE, --set save.NAME=VALUE,
 * --fail-alloc-at N, --memory-limit BYTES, --quiet.
 *
 * save writes a raw image (the decode format, sample 3 = f32; flags after
 * the space: 1 = premultiplied) with png.save alone.
 * decode writes "UHRAW w h channels sample space\n" and the packed rows;
 * all modes print "ok WxH channels=C sample=S space=P warnings=W peak=B" on
 * success, the failure as "png_harness: MESSAGE" on stderr with the CLI's
 * exit code, and exit 99 when the plugin leaked. oom runs once, then fails
 * allocation 1, 2, 3, ... up to the count that run made, and checks that
 * each run leaks nothing, says why it failed and exits 4 (out of memory)
 * or as the first run did. */
#include "minihost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: png_harness PLUGIN decode|convert|oom IN [OUT] "
                    "[--band N] [--set node.name=value] [--fail-alloc-at N] "
                    "[--memory-limit B] [--quiet]\n");
    return 1;
}

static int report(const mh_result *r)
{
    if (r->leaked) {
        fprintf(stderr, "png_harness: leaked %llu bytes (status %d: %s)\n",
                (unsigned long long)r->leaked, (int)r->status, r->message);
        return 99;
    }
    if (r->status != UH_OK) {
        fprintf(stderr, "png_harness: %s\n", r->message);
        return r->exit_code;
    }
    printf("ok %ux%u channels=%u sample=%u space=%u warnings=%u peak=%llu\n",
           r->info.width, r->info.height, r->info.channels, r->info.sample,
           r->info.space, r->warnings, (unsigned long long)r->peak_bytes);
    return 0;
}

/* Reads a raw file (header line, then packed rows) and saves it. */
static int save_raw(const mh_config *cfg, const char *in, const char *out)
{
    FILE *f = fopen(in, "rb");
    uh_image_info info;
    memset(&info, 0, sizeof(info));
    if (!f ||
        fscanf(f, "UHRAW %u %u %u %u %u %u", &info.width, &info.height,
               &info.channels, &info.sample, &info.space, &info.flags) != 6 ||
        fgetc(f) != '\n') {
        fprintf(stderr, "png_harness: %s: not a raw file\n", in);
        return 70;
    }
    size_t stride = (size_t)info.width * uh_pixel_size(&info);
    size_t size = stride * info.height;
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, f) != size) {
        fprintf(stderr, "png_harness: %s: short raw file\n", in);
        return 70;
    }
    fclose(f);
    mh_result r;
    mh_save(cfg, out, &info, data, stride, &r);
    free(data);
    return report(&r);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return usage();
    mh_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.plugin_path = argv[1];
    const char *mode = argv[2];
    const char *in = argv[3];
    const char *out = NULL;
    int i = 4;
    if (i < argc && strncmp(argv[i], "--", 2) != 0)
        out = argv[i++];
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--band") == 0 && i + 1 < argc)
            cfg.band = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc &&
                 cfg.n_sets < 64)
            cfg.sets[cfg.n_sets++] = argv[++i];
        else if (strcmp(argv[i], "--fail-alloc-at") == 0 && i + 1 < argc)
            cfg.fail_alloc_at = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--memory-limit") == 0 && i + 1 < argc)
            cfg.memory_limit = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--quiet") == 0)
            cfg.quiet = 1;
        else
            return usage();
    }
    if (mh_load(cfg.plugin_path) != 0)
        return 70;
    mh_result r;
    if (strcmp(mode, "decode") == 0) {
        uint8_t *raw = NULL;
        size_t size = 0;
        mh_run(&cfg, in, NULL, out ? &raw : NULL, &size, &r);
        int code = report(&r);
        if (code == 0 && out) {
            FILE *f = fopen(out, "wb");
            if (!f ||
                fprintf(f, "UHRAW %u %u %u %u %u\n", r.info.width,
                        r.info.height, r.info.channels, r.info.sample,
                        r.info.space) < 0 ||
                fwrite(raw, 1, size, f) != size || fclose(f) != 0) {
                fprintf(stderr, "png_harness: cannot write %s\n", out);
                code = 70;
            }
        }
        free(raw);
        return code;
    }
    if (strcmp(mode, "convert") == 0) {
        if (!out)
            return usage();
        mh_run(&cfg, in, out, NULL, NULL, &r);
        return report(&r);
    }
    if (strcmp(mode, "save") == 0) {
        if (!out)
            return usage();
        return save_raw(&cfg, in, out);
    }
    if (strcmp(mode, "oom") == 0) {
        cfg.quiet = 1;
        mh_run(&cfg, in, out, NULL, NULL, &r);
        int want = r.exit_code;
        uint64_t attempts = r.allocations;
        for (uint64_t n = 1; n <= attempts; n++) {
            cfg.fail_alloc_at = n;
            mh_run(&cfg, in, out, NULL, NULL, &r);
            if (r.leaked) {
                fprintf(stderr,
                        "png_harness: allocation %llu failed: leaked "
                        "%llu bytes\n",
                        (unsigned long long)n, (unsigned long long)r.leaked);
                return 99;
            }
            if (r.exit_code != 4 && r.exit_code != want) {
                fprintf(stderr,
                        "png_harness: allocation %llu failed: exit %d "
                        "(%s), expected 4 or %d\n",
                        (unsigned long long)n, r.exit_code, r.message, want);
                return 98;
            }
            if (r.status != UH_OK && r.message[0] == '\0') {
                fprintf(stderr,
                        "png_harness: allocation %llu failed with no "
                        "message\n",
                        (unsigned long long)n);
                return 98;
            }
        }
        printf("ok: %llu failure points, then exit %d\n",
               (unsigned long long)attempts, want);
        return 0;
    }
    return usage();
}
