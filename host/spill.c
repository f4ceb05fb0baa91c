/* Spill files: unlinked, preallocated, shared-mapped files in a directory. */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp */
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

/* From linux/magic.h, spelled out so the header is not needed. */
#define SPILL_TMPFS_MAGIC 0x01021994
#define SPILL_RAMFS_MAGIC 0x858458f6

int spill_check_dir(const char *dir, const char **fs_name)
{
    struct statfs st;
    if (statfs(dir, &st) != 0)
        return -errno;
    /* f_type's type differs between C libraries and architectures; compare
     * as unsigned 32-bit values, which is what the kernel stores. */
    uint32_t type = (uint32_t)st.f_type;
    if (type == (uint32_t)SPILL_TMPFS_MAGIC) {
        *fs_name = "tmpfs";
        return 1;
    }
    if (type == (uint32_t)SPILL_RAMFS_MAGIC) {
        *fs_name = "ramfs";
        return 1;
    }
    return 0;
}

int spill_free_bytes(const char *dir, uint64_t *out)
{
    struct statvfs v;
    if (statvfs(dir, &v) != 0)
        return -errno;
    uint64_t n = (uint64_t)v.f_bavail;
    uint64_t unit =
        (uint64_t)v.f_frsize ? (uint64_t)v.f_frsize : (uint64_t)v.f_bsize;
    *out = unit && n > UINT64_MAX / unit ? UINT64_MAX : n * unit;
    return 0;
}

/* Opens a new file in `dir` that has no name. Returns the descriptor or -1
 * with errno and *stage set. */
static int open_unnamed(const char *dir, const char **stage)
{
#if defined(O_TMPFILE) && !defined(SPILL_NO_O_TMPFILE)
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    /* Kernels or file systems without O_TMPFILE say EISDIR (old kernels
     * open the directory itself) or EOPNOTSUPP; anything else is real. */
    if (errno != EISDIR && errno != EOPNOTSUPP && errno != EINVAL) {
        *stage = "open";
        return -1;
    }
#endif
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/.uberhost-spill-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        errno = ENAMETOOLONG;
        *stage = "mkstemp";
        return -1;
    }
    int fd2 = mkostemp(path, O_CLOEXEC);
    if (fd2 < 0) {
        *stage = "mkstemp";
        return -1;
    }
    if (unlink(path) != 0) {
        int e = errno;
        close(fd2);
        unlink(path);
        errno = e;
        *stage = "unlink";
        return -1;
    }
    return fd2;
}

void *spill_map(const char *dir, size_t len, int *err, const char **stage)
{
    if (len == 0 || len > (size_t)INT64_MAX) {
        *err = EFBIG;
        *stage = "posix_fallocate";
        return NULL;
    }
    int fd = open_unnamed(dir, stage);
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    /* posix_fallocate returns the error instead of setting errno. */
    int e;
    do {
        e = posix_fallocate(fd, 0, (off_t)len);
    } while (e == EINTR);
    if (e != 0) {
        close(fd);
        *err = e;
        *stage = "posix_fallocate";
        return NULL;
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        *err = errno;
        close(fd);
        *stage = "mmap";
        return NULL;
    }
    /* The mapping holds the file open; the descriptor is not needed. */
    close(fd);
    return p;
}

void spill_unmap(void *p, size_t len)
{
    if (p)
        munmap(p, len);
}
