/* Shared by the fuzz targets: one engine with the real plugins for the
 * whole process, a private temporary directory, and a checked run of a
 * graph through the real host (graph_parse + run_graph), with the
 * invariants every run must keep. Every broken invariant ends in abort(),
 * which libFuzzer (and the replay driver under ctest) reports as a crash.
 *
 * Plugins come from $UH_FUZZ_PLUGINS (a colon-separated list of
 * directories), else from the directory compiled in as UH_FUZZ_PLUGIN_DIR.
 * Nothing is printed to stdout. */
#ifndef UH_FUZZHOST_H
#define UH_FUZZHOST_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "run.h"

/* The engine, made on first use (abort()s when no plugin loads). */
engine *fz_engine(void);

/* The process's temporary directory (made on first use, removed at exit
 * by fz_cleanup()). */
const char *fz_dir(void);

/* Writes `size` bytes to <fz_dir()>/<name> and stores that path in `path`
 * (`cap` bytes). abort()s on failure (a harness problem, not a finding). */
void fz_write_input(const char *name, const uint8_t *data, size_t size,
                    char *path, size_t cap);

/* What a checked run is allowed to end with. */
typedef struct fz_expect {
    const char *outputs[4]; /* file names in fz_dir() a success writes */
    int fail_alloc;         /* an allocation fails on purpose */
} fz_expect;

/* Parses `json` (which must be valid: it is made by the harness) and runs
 * it with `ro`, then checks: a failure has a message and an exit code a
 * bad input may give (3 decode, 4 limit, 5 node failed; also 70 when an
 * allocation was failed on purpose), a success committed exactly the
 * expected outputs, no node leaked host memory, no file other than the
 * inputs is left in fz_dir() (outputs are removed after the check),
 * no descriptor is left open on a file in fz_dir(), and the process holds
 * at most 16 more descriptors than after its first run.
 * Returns the run's exit code. */
int fz_run_checked(const char *json, const run_options *ro,
                   const fz_expect *ex);

/* Run options for the image targets: 1 thread, 64 MiB budget, no spill. */
run_options fz_run_defaults(void);

/* Frees the engine and removes the directory (the replay driver calls it
 * at exit; the libFuzzer build never unloads plugins, whose coverage
 * counters it keeps reading). */
void fz_cleanup(void);

/* FNV-1a of the bytes, for choices that must follow from the input. */
uint32_t fz_hash(const uint8_t *data, size_t size);

#endif
