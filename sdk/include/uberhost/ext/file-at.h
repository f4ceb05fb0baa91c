/* uberhost SDK extension "uh.file-at/1": positioned writes into an output
 * file, for formats whose layout is known before the pixels (KTX2 and DDS
 * level offsets, a tiled file's tile table), so a streaming writer can put
 * each row where it belongs as it arrives instead of holding the image.
 *
 *     const uh_ext_file_at *fa = NULL;
 *     if (UH_HAS_FIELD(host, uh_host, get_extension) && host->get_extension)
 *         fa = host->get_extension(host, UH_EXT_FILE_AT);
 *     if (fa && UH_HAS_FIELD(fa, uh_ext_file_at, write_at))
 *         ... fa->write_at(ctx, f, offset, row, bytes) ...
 *
 * The file is one from file_open_write(); it keeps every promise made
 * there (a temporary name, renamed only when the run succeeds). Positioned
 * writes and file_write() may be mixed: write_at() never moves the position
 * file_write() appends at. Available since host 1.0 (added with SDK 1.0,
 * see sdk/CHANGES.md). */
#ifndef UH_EXT_FILE_AT_H
#define UH_EXT_FILE_AT_H

#include <uberhost/uh_sdk.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UH_EXT_FILE_AT "uh.file-at/1"

typedef struct uh_ext_file_at {
    uint32_t struct_size; /* sizeof(uh_ext_file_at) in the host's build */

    /* Makes the file `size` bytes long with every byte backed by disk
     * space (posix_fallocate where the filesystem has it), so a full disk
     * fails here, before any pixel work, with UH_EWRITE and the errno text.
     * Bytes not written later read as zeros. Never shrinks the file.
     * [worker] */
    uh_status (*reserve)(uh_ctx *ctx, uh_file *f, uint64_t size);

    /* Writes all `size` bytes at byte `offset`, or fails (UH_EWRITE, with
     * the errno text); the file grows as needed, a gap reading as zeros.
     * Calls on one file may come from several threads if they do not
     * overlap in the file. [worker] */
    uh_status (*write_at)(uh_ctx *ctx, uh_file *f, uint64_t offset,
                          const void *buf, size_t size);
} uh_ext_file_at;

#ifdef __cplusplus
}
#endif

#endif /* UH_EXT_FILE_AT_H */
