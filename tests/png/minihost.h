/* A minimal, single-threaded uh_host for testing the PNG plugin without the
 * real host: it loads png.so, fills parameters from their descriptors,
 * feeds rows from png.load to png.save band by band, counts every byte the
 * plugin allocates (sized frees checked), and can fail the Nth allocation
 * or enforce a budget. Used by png_harness and fuzz_png. */
#ifndef PNG_MINIHOST_H
#define PNG_MINIHOST_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

typedef struct mh_config {
    const char *plugin_path; /* png.so */
    uint32_t band;           /* rows per band, >= 1 */
    uint64_t fail_alloc_at;  /* 1-based; 0 = never */
    uint64_t memory_limit;   /* bytes live at once; 0 = unlimited */
    int quiet;               /* do not print log lines */
    const char *sets[64];    /* "load.name=value" / "save.name=value" */
    int n_sets;
    /* A file served from memory when a node opens path "mem:" */
    const uint8_t *mem;
    size_t mem_size;
} mh_config;

typedef struct mh_result {
    uh_status status;     /* of the run */
    int exit_code;        /* as the CLI maps status */
    char message[2048];   /* first failure, "" on success */
    uint32_t warnings;    /* log lines at UH_LOG_WARN */
    uint64_t allocations; /* attempts */
    uint64_t peak_bytes;  /* most bytes live at once */
    uint64_t leaked;      /* bytes live after cleanup */
    uh_image_info info;   /* png.load's output */
} mh_result;

/* Loads the plugin once (later calls reuse it); "builtin" uses the plugin
 * linked into the binary. Returns 0 or -1. */
int mh_load(const char *plugin_path);

/* Decodes `in` with png.load. When `raw` is non-NULL, stores the decoded
 * rows (tightly packed) in a malloc'd buffer the caller frees. When `out`
 * is non-NULL also writes them with png.save to that path. */
void mh_run(const mh_config *cfg, const char *in, const char *out,
            uint8_t **raw, size_t *raw_size, mh_result *res);

/* Writes an image from memory (`info`, rows `stride` bytes apart) with
 * png.save to `out`, in bands of cfg->band rows. */
void mh_save(const mh_config *cfg, const char *out, const uh_image_info *info,
             const uint8_t *data, size_t stride, mh_result *res);

#endif
