/* Spill files: anonymous-looking shared mappings backed by an unlinked file
 * in the spill directory, used by the allocator (alloc.c) for image blocks
 * that would pass the memory budget. Nothing here keeps state: the file has
 * no name from the moment it exists and its descriptor is closed once it is
 * mapped, so munmap() alone gives the disk space back, and a killed process
 * leaves nothing behind. */
#ifndef UH_SPILL_H
#define UH_SPILL_H

#include <stddef.h>
#include <stdint.h>

/* Checks that `dir` is usable for spill files and not backed by RAM.
 * Returns 0 when it is fine, 1 when it is on tmpfs or ramfs (*fs_name then
 * names the file system), or a negative errno when statfs() fails. */
int spill_check_dir(const char *dir, const char **fs_name);

/* Stores in *out the bytes an unprivileged process may still write to the
 * file system of `dir`. Returns 0, or a negative errno. */
int spill_free_bytes(const char *dir, uint64_t *out);

/* Creates an unlinked file of `len` bytes in `dir` (O_TMPFILE, else
 * mkstemp() + unlink() at once), reserves its blocks with posix_fallocate()
 * so a full disk is an error now rather than a SIGBUS later, and maps it
 * MAP_SHARED read-write. Returns the mapping, or NULL with *err set to the
 * errno value and *stage to the step that failed ("open", "mkstemp",
 * "unlink", "posix_fallocate", "mmap"); nothing is left behind then.
 * `len` is a multiple of the page size. */
void *spill_map(const char *dir, size_t len, int *err, const char **stage);

/* Releases a mapping from spill_map(); the file goes with it. */
void spill_unmap(void *p, size_t len);

#endif
