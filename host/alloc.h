/* The per-run allocator. One per run, destroyed when the run ends: every
 * byte a plugin (and the codecs inside it) asks for comes from here.
 *
 * Tiers: blocks under ALLOC_LARGE come from size classes carved out of
 * mmap'd chunks (a run-wide arena, reused through free lists); larger
 * blocks get their own anonymous mmap and go back with munmap the moment
 * they are freed; image-lifetime blocks that would pass the budget are
 * backed by an unlinked file in the spill directory. alloc_destroy()
 * unmaps everything the run owned, leaked blocks included.
 *
 * Thread safety: every function may be called from any thread. */
#ifndef UH_ALLOC_H
#define UH_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <uberhost/uh_sdk.h>

#define ALLOC_LARGE (64u << 10) /* blocks from this size get their own mmap */

/* Counters of one owner (a node) or of the whole run. Bytes are the sizes
 * asked for. */
typedef struct alloc_counters {
    uint64_t current; /* bytes live now */
    uint64_t peak;    /* most bytes live at once */
    uint64_t total;   /* bytes ever allocated */
    uint64_t count;   /* allocations */
    uint64_t blocks;  /* blocks live now */
    uint64_t spilled; /* bytes placed in spill files, ever */
} alloc_counters;

/* What an allocation is charged to; embedded in the host's per-node state.
 * The allocator updates `c` under its lock. */
typedef struct alloc_owner {
    const char *name; /* node id, for messages */
    alloc_counters c;
} alloc_owner;

typedef struct alloc_config {
    uint64_t limit;        /* memory budget in bytes; 0 = unlimited */
    uint64_t fail_at;      /* fail the Nth allocation (1-based); 0 = never */
    int fail_persistent;   /* with fail_at: fail every allocation from N on */
    int spill;             /* nonzero: image blocks over the budget spill */
    const char *spill_dir; /* NULL: $TMPDIR or /tmp */
    uint64_t spill_limit;  /* bytes of spill files at once; 0 = unlimited */
} alloc_config;

/* Why an allocation failed, for the message the host prints. */
typedef struct alloc_error {
    uh_status status; /* UH_ENOMEM, UH_ELIMIT */
    uint64_t asked;   /* bytes asked */
    uint64_t in_use;  /* bytes counted against the budget then */
    uint64_t limit;   /* the budget (or spill limit) that said no */
    char what[160];   /* "memory budget", "spill space", "mmap: ..." */
} alloc_error;

typedef struct alloc_run alloc_run;

/* Creates a run's allocator. Returns NULL when even that fails. */
alloc_run *alloc_create(const alloc_config *cfg);

/* Allocates `size` bytes aligned to `align` (0 = 16; a power of two up to
 * 4096) for `owner` (may be NULL: charged to the run only). Returns NULL
 * and fills *err (may be NULL) on failure: budget, fail-Nth injection,
 * or the OS saying no. size 0 returns NULL with status UH_EINVAL. */
void *alloc_get(alloc_run *a, alloc_owner *owner, size_t size, size_t align,
                uh_lifetime life, alloc_error *err);

/* Frees a block from alloc_get() with the size it was asked with. The
 * owner must be the one it was charged to. NULL is a no-op. */
void alloc_put(alloc_run *a, alloc_owner *owner, void *ptr, size_t size);

/* Run-wide counters (all owners together). */
void alloc_totals(alloc_run *a, alloc_counters *out);

/* Bytes of memory the run has mapped now and at most (arena chunks and
 * large blocks, excluding spill files): what the budget is checked
 * against. */
uint64_t alloc_mapped(alloc_run *a);
uint64_t alloc_mapped_peak(alloc_run *a);

/* Number of allocations attempted so far (for fault-injection sweeps). */
uint64_t alloc_attempts(alloc_run *a);

/* Unmaps everything the run owned. NULL ok. */
void alloc_destroy(alloc_run *a);

/* The default budget: cgroup v2 memory.max or v1 memory.limit_in_bytes of
 * this process's group when set, else physical RAM, minus headroom (see
 * docs/memory.md). */
uint64_t alloc_default_limit(void);

/* Parses "512M", "2G", "1048576", "64k" into bytes. Returns 0 on success. */
int alloc_parse_size(const char *text, uint64_t *out);

/* -- Additions (appended; the functions above are unchanged) ------------- */

/* Bytes one arena chunk maps: 1 MiB of size-class slabs plus the page(s) of
 * its block bitmap. Arena memory grows by this step against the budget. */
uint64_t alloc_chunk_bytes(void);

/* Bytes of spill files mapped now. */
uint64_t alloc_spill_mapped(alloc_run *a);

/* Misuse seen so far: frees the allocator could not match (a pointer it
 * never handed out, a block freed twice, a size that does not fit the
 * block) and free lists found overwritten by a write after free (dropped,
 * never followed). A small block named by a bad free is left alone and
 * reclaimed by alloc_destroy(); a large block freed with the wrong size is
 * unmapped anyway and uncharged by the size it was allocated with. */
uint64_t alloc_bad_frees(alloc_run *a);

/* Copies `owner`'s counters under the allocator's lock, for reading them
 * while other threads allocate. */
void alloc_owner_counters(alloc_run *a, const alloc_owner *owner,
                          alloc_counters *out);

/* The memory limit of this process's cgroup read from `proc_cgroup` (a
 * /proc/self/cgroup file) under `cgroup_root` (/sys/fs/cgroup): the
 * smallest memory.max (v2) or memory.limit_in_bytes (v1) set on the group
 * or any of its ancestors. 0 when none is set or nothing is readable. */
uint64_t alloc_cgroup_limit(const char *proc_cgroup, const char *cgroup_root);

/* Drops the pages of every spill mapping from the process's resident set
 * (madvise MADV_DONTNEED on the shared file mappings: the data stays in
 * the file and the page cache, which the kernel writes back and reclaims,
 * and comes back on the next access). The run calls it every 100 ms while
 * blocks are spilled, so a spilled image costs RSS only for the pages
 * touched since. Returns the bytes of spill mappings advised. */
uint64_t alloc_spill_trim(alloc_run *a);

#endif
