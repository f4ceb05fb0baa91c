/* libjpeg's memory manager, replaced by one that takes every byte from the
 * run's allocator (host->alloc/free), so libjpeg's working memory is counted
 * for the node and bounded by --memory-limit.
 *
 * Written from the contract of struct jpeg_memory_mgr in jpeglib.h:
 *
 * - Two pools, JPOOL_PERMANENT (until the object is destroyed) and
 *   JPOOL_IMAGE (until free_pool(JPOOL_IMAGE), which jpeg_abort() and the
 *   jpeg_finish_*() calls do). Each pool is a list of small chunks, from
 *   which alloc_small() carves objects, and a list of large blocks, one per
 *   alloc_large(). Every block remembers the size it was allocated with,
 *   for the sized host->free().
 * - Objects are aligned to 32 bytes and sample rows padded to 64 samples,
 *   as libjpeg-turbo's SIMD code expects of its own manager.
 * - Virtual arrays are realised whole in memory; there is no backing store.
 *   When they would take the manager past max_memory_to_use (when non-zero)
 *   realize_virt_arrays() fails with JERR_NO_BACKING_STORE, which the
 *   plugin's error handler reports as over max_memory_mib.
 * - A failed allocation goes through libjpeg's error path
 *   (ERREXIT1(JERR_OUT_OF_MEMORY)), which longjmps back to the plugin call;
 *   host->alloc has already recorded UH_ENOMEM or UH_ELIMIT with the sizes.
 *
 * jpeg_create_decompress()/jpeg_create_compress() make libjpeg's own
 * manager (libc malloc) and, for a decompressor, allocate its marker
 * reader, input controller and master record from it before we can step
 * in. jpgmem_install() keeps that manager as `old`: it keeps owning what it
 * allocated (a few KiB, uncounted), and everything after the swap comes
 * from here. self_destruct() frees this manager's pools and itself, then
 * puts the old manager back in cinfo->mem and calls its self_destruct(),
 * which frees the rest and sets cinfo->mem to NULL. */
#include "jpg.h"

#include <jerror.h>
#include <string.h>

/* Alignment of every object handed to libjpeg. */
#define JPGMEM_ALIGN 32
/* Sample rows are padded to a multiple of this many samples. */
#define JPGMEM_ROW_ALIGN (2 * JPGMEM_ALIGN)
/* Payload bytes of a new small chunk, per pool. */
#define JPGMEM_CHUNK_PERMANENT 4096
#define JPGMEM_CHUNK_IMAGE     16384

/* One block from host->alloc: a small chunk or a large object. */
typedef struct jpgmem_block {
    struct jpgmem_block *next;
    size_t size;   /* bytes asked of host->alloc, for host->free */
    uint8_t *data; /* the first aligned payload byte */
    size_t room;   /* payload bytes from data */
    size_t used;   /* small chunks: payload bytes handed out */
} jpgmem_block;

/* What both kinds of virtual array share. */
typedef struct jpgmem_virt {
    JDIMENSION width;       /* samples or blocks per row */
    JDIMENSION nrows;       /* rows in the array */
    JDIMENSION maxaccess;   /* most rows one access may ask for */
    JDIMENSION first_undef; /* rows from here on were never written */
    size_t row_bytes;       /* bytes of one row once realised */
    boolean pre_zero;       /* unwritten rows read as zeros */
} jpgmem_virt;

struct jvirt_sarray_control {
    jpgmem_virt v;
    JSAMPARRAY rows; /* NULL until realize_virt_arrays() */
    struct jvirt_sarray_control *next;
};

struct jvirt_barray_control {
    jpgmem_virt v;
    JBLOCKARRAY rows; /* NULL until realize_virt_arrays() */
    struct jvirt_barray_control *next;
};

typedef struct jpgmem {
    struct jpeg_memory_mgr pub;  /* first: libjpeg uses cinfo->mem as this */
    struct jpeg_memory_mgr *old; /* libjpeg's own, owning what it made */
    jpgmem_block *small[JPOOL_NUMPOOLS];
    jpgmem_block *large[JPOOL_NUMPOOLS];
    jvirt_sarray_ptr sarrays; /* all in JPOOL_IMAGE */
    jvirt_barray_ptr barrays;
    size_t in_use; /* bytes this manager holds from host->alloc */
} jpgmem;

/* Row sizes and row-pointer arrays of any JDIMENSION count fit a size_t,
 * so the products below need no overflow checks. */
_Static_assert(SIZE_MAX / 2 / sizeof(JBLOCK) >= (JDIMENSION)-1,
               "size_t too small for libjpeg's dimensions");

/* The header of a block, rounded so that the payload can start aligned. */
#define JPGMEM_HEAD (sizeof(jpgmem_block) + JPGMEM_ALIGN)

static jpgmem *jpgmem_of(j_common_ptr cinfo)
{
    return (jpgmem *)cinfo->mem;
}

/* The ctx of the plugin call in progress: the error manager keeps it. */
static uh_ctx *jpgmem_ctx(j_common_ptr cinfo)
{
    return ((jpgerr *)cinfo->err)->ctx;
}

/* libjpeg's out-of-memory error; `which` tells the cases apart in the
 * message ("Insufficient memory (case N)"). error_exit never returns (the
 * plugin's longjmps); the raise after it only makes that certain. */
_Noreturn static void jpgmem_fail(j_common_ptr cinfo, int which)
{
    ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, which);
    jpgerr_raise((jpgerr *)cinfo->err, UH_EINTERNAL,
                 "libjpeg's error_exit returned");
}

static void jpgmem_check_pool(j_common_ptr cinfo, int pool_id)
{
    if (pool_id < 0 || pool_id >= JPOOL_NUMPOOLS)
        ERREXIT1(cinfo, JERR_BAD_POOL_ID, pool_id);
}

/* A new block with `room` payload bytes; fails through libjpeg. */
static jpgmem_block *jpgmem_block_new(j_common_ptr cinfo, size_t room,
                                      int which)
{
    jpgmem *m = jpgmem_of(cinfo);
    if (room > SIZE_MAX - JPGMEM_HEAD)
        jpgmem_fail(cinfo, which);
    size_t size = JPGMEM_HEAD + room;
    jpgmem_block *b =
        jpg_host->alloc(jpgmem_ctx(cinfo), size, JPGMEM_ALIGN, UH_LIFE_NODE);
    if (!b)
        jpgmem_fail(cinfo, which);
    uintptr_t p = (uintptr_t)(b + 1);
    p = (p + JPGMEM_ALIGN - 1) & ~(uintptr_t)(JPGMEM_ALIGN - 1);
    b->next = NULL;
    b->size = size;
    b->data = (uint8_t *)p;
    b->room = size - (size_t)(b->data - (uint8_t *)b);
    b->used = 0;
    m->in_use += size;
    return b;
}

static size_t jpgmem_round(j_common_ptr cinfo, size_t n, int which)
{
    if (n > SIZE_MAX - (JPGMEM_ALIGN - 1))
        jpgmem_fail(cinfo, which);
    return (n + JPGMEM_ALIGN - 1) & ~(size_t)(JPGMEM_ALIGN - 1);
}

/* -- objects -------------------------------------------------------------- */

static void *jpgmem_alloc_small(j_common_ptr cinfo, int pool_id, size_t n)
{
    jpgmem *m = jpgmem_of(cinfo);
    jpgmem_check_pool(cinfo, pool_id);
    if (n > (size_t)m->pub.max_alloc_chunk)
        jpgmem_fail(cinfo, 1);
    n = jpgmem_round(cinfo, n ? n : 1, 1);
    /* The first chunk of the pool with room left (a pool has few). */
    jpgmem_block *b = m->small[pool_id];
    while (b && b->room - b->used < n)
        b = b->next;
    if (!b) {
        size_t chunk = pool_id == JPOOL_PERMANENT ? JPGMEM_CHUNK_PERMANENT
                                                  : JPGMEM_CHUNK_IMAGE;
        b = jpgmem_block_new(cinfo, n > chunk ? n : chunk, 2);
        b->next = m->small[pool_id];
        m->small[pool_id] = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static void *jpgmem_alloc_large(j_common_ptr cinfo, int pool_id, size_t n)
{
    jpgmem *m = jpgmem_of(cinfo);
    jpgmem_check_pool(cinfo, pool_id);
    if (n > (size_t)m->pub.max_alloc_chunk)
        jpgmem_fail(cinfo, 3);
    jpgmem_block *b = jpgmem_block_new(cinfo, jpgmem_round(cinfo, n, 3), 4);
    b->used = b->room;
    b->next = m->large[pool_id];
    m->large[pool_id] = b;
    return b->data;
}

/* How many rows of `row_bytes` go in one large chunk: as many as fit in
 * max_alloc_chunk bytes, at most `numrows`. */
static size_t jpgmem_rows_per_chunk(j_common_ptr cinfo, size_t row_bytes,
                                    JDIMENSION numrows)
{
    if (row_bytes == 0) /* empty rows: one chunk */
        return numrows;
    size_t per = (size_t)jpgmem_of(cinfo)->pub.max_alloc_chunk / row_bytes;
    if (per == 0)
        ERREXIT(cinfo, JERR_WIDTH_OVERFLOW);
    return per < numrows ? per : numrows;
}

static JSAMPARRAY jpgmem_alloc_sarray(j_common_ptr cinfo, int pool_id,
                                      JDIMENSION width, JDIMENSION numrows)
{
    /* Pad rows so that each starts aligned and SIMD code may run over the
     * end of a row up to the next multiple of 64 samples. */
    size_t w = ((size_t)width + JPGMEM_ROW_ALIGN - 1) &
               ~(size_t)(JPGMEM_ROW_ALIGN - 1);
    size_t row_bytes = w * sizeof(JSAMPLE);
    size_t per = jpgmem_rows_per_chunk(cinfo, row_bytes, numrows);
    JSAMPARRAY rows =
        jpgmem_alloc_small(cinfo, pool_id, (size_t)numrows * sizeof(JSAMPROW));
    for (JDIMENSION r = 0; r < numrows;) {
        size_t k = numrows - r < per ? numrows - r : per;
        JSAMPROW p = jpgmem_alloc_large(cinfo, pool_id, k * row_bytes);
        for (size_t i = 0; i < k; i++, r++, p += w)
            rows[r] = p;
    }
    return rows;
}

static JBLOCKARRAY jpgmem_alloc_barray(j_common_ptr cinfo, int pool_id,
                                       JDIMENSION width, JDIMENSION numrows)
{
    size_t row_bytes = (size_t)width * sizeof(JBLOCK);
    size_t per = jpgmem_rows_per_chunk(cinfo, row_bytes, numrows);
    JBLOCKARRAY rows =
        jpgmem_alloc_small(cinfo, pool_id, (size_t)numrows * sizeof(JBLOCKROW));
    for (JDIMENSION r = 0; r < numrows;) {
        size_t k = numrows - r < per ? numrows - r : per;
        JBLOCKROW p = jpgmem_alloc_large(cinfo, pool_id, k * row_bytes);
        for (size_t i = 0; i < k; i++, r++, p += width)
            rows[r] = p;
    }
    return rows;
}

/* -- virtual arrays ------------------------------------------------------- */

static void jpgmem_virt_init(jpgmem_virt *v, boolean pre_zero, JDIMENSION width,
                             JDIMENSION nrows, JDIMENSION maxaccess)
{
    v->width = width;
    v->nrows = nrows;
    v->maxaccess = maxaccess;
    v->first_undef = 0;
    v->row_bytes = 0;
    v->pre_zero = pre_zero;
}

static jvirt_sarray_ptr
jpgmem_request_sarray(j_common_ptr cinfo, int pool_id, boolean pre_zero,
                      JDIMENSION width, JDIMENSION nrows, JDIMENSION maxaccess)
{
    jpgmem *m = jpgmem_of(cinfo);
    if (pool_id != JPOOL_IMAGE) /* only image-lifetime arrays exist */
        ERREXIT1(cinfo, JERR_BAD_POOL_ID, pool_id);
    jvirt_sarray_ptr a = jpgmem_alloc_small(cinfo, JPOOL_IMAGE, sizeof(*a));
    jpgmem_virt_init(&a->v, pre_zero, width, nrows, maxaccess);
    a->rows = NULL;
    a->next = m->sarrays;
    m->sarrays = a;
    return a;
}

static jvirt_barray_ptr
jpgmem_request_barray(j_common_ptr cinfo, int pool_id, boolean pre_zero,
                      JDIMENSION width, JDIMENSION nrows, JDIMENSION maxaccess)
{
    jpgmem *m = jpgmem_of(cinfo);
    if (pool_id != JPOOL_IMAGE) /* only image-lifetime arrays exist */
        ERREXIT1(cinfo, JERR_BAD_POOL_ID, pool_id);
    jvirt_barray_ptr a = jpgmem_alloc_small(cinfo, JPOOL_IMAGE, sizeof(*a));
    jpgmem_virt_init(&a->v, pre_zero, width, nrows, maxaccess);
    a->rows = NULL;
    a->next = m->barrays;
    m->barrays = a;
    return a;
}

/* a + b, saturating: only compared against a limit. */
static uint64_t jpgmem_sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t jpgmem_sat_mul(uint64_t a, uint64_t b)
{
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Every requested array gets all its rows in memory. Before allocating
 * any of them, the total is checked against max_memory_to_use (0 = no
 * cap), counting what the manager holds already, as libjpeg's own manager
 * does before it turns to a backing store; there is none here. */
static void jpgmem_realize(j_common_ptr cinfo)
{
    jpgmem *m = jpgmem_of(cinfo);
    uint64_t need = 0;
    for (jvirt_sarray_ptr a = m->sarrays; a; a = a->next)
        if (!a->rows) {
            uint64_t w = ((uint64_t)a->v.width + JPGMEM_ROW_ALIGN - 1) &
                         ~(uint64_t)(JPGMEM_ROW_ALIGN - 1);
            need = jpgmem_sat_add(
                need, jpgmem_sat_mul(w * sizeof(JSAMPLE), a->v.nrows));
        }
    for (jvirt_barray_ptr a = m->barrays; a; a = a->next)
        if (!a->rows)
            need = jpgmem_sat_add(
                need, jpgmem_sat_mul((uint64_t)a->v.width * sizeof(JBLOCK),
                                     a->v.nrows));
    if (m->pub.max_memory_to_use > 0 &&
        jpgmem_sat_add(need, m->in_use) > (uint64_t)m->pub.max_memory_to_use)
        ERREXIT(cinfo, JERR_NO_BACKING_STORE);

    for (jvirt_sarray_ptr a = m->sarrays; a; a = a->next)
        if (!a->rows) {
            a->rows =
                jpgmem_alloc_sarray(cinfo, JPOOL_IMAGE, a->v.width, a->v.nrows);
            a->v.row_bytes = (((size_t)a->v.width + JPGMEM_ROW_ALIGN - 1) &
                              ~(size_t)(JPGMEM_ROW_ALIGN - 1)) *
                             sizeof(JSAMPLE);
        }
    for (jvirt_barray_ptr a = m->barrays; a; a = a->next)
        if (!a->rows) {
            a->rows =
                jpgmem_alloc_barray(cinfo, JPOOL_IMAGE, a->v.width, a->v.nrows);
            a->v.row_bytes = (size_t)a->v.width * sizeof(JBLOCK);
        }
}

/* Checks an access to rows [start, start + n) and keeps track of which
 * rows hold data: rows are defined from the top down, a writer may not
 * skip rows, and a reader may not look at rows nobody wrote unless the
 * array reads as zeros (pre_zero). Sets [*zfrom, *zend) to the rows the
 * caller must zero first (empty when none). */
static void jpgmem_access(j_common_ptr cinfo, jpgmem_virt *v, int realised,
                          JDIMENSION start, JDIMENSION n, boolean writable,
                          JDIMENSION *zfrom, JDIMENSION *zend)
{
    JDIMENSION end = start + n;
    if (!realised || end < start || end > v->nrows || n > v->maxaccess)
        ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
    *zfrom = *zend = 0;
    if (v->first_undef >= end)
        return; /* all defined */
    JDIMENSION from = v->first_undef;
    if (from < start) {
        if (writable) /* a writer skipped rows */
            ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
        from = start; /* a reader may read ahead */
    }
    if (writable)
        v->first_undef = end;
    if (v->pre_zero) {
        *zfrom = from;
        *zend = end;
    } else if (!writable) {
        ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
    }
}

static JSAMPARRAY jpgmem_access_sarray(j_common_ptr cinfo, jvirt_sarray_ptr a,
                                       JDIMENSION start, JDIMENSION n,
                                       boolean writable)
{
    JDIMENSION z, zend;
    jpgmem_access(cinfo, &a->v, a->rows != NULL, start, n, writable, &z, &zend);
    for (; z < zend; z++)
        memset(a->rows[z], 0, a->v.row_bytes);
    return a->rows + start;
}

static JBLOCKARRAY jpgmem_access_barray(j_common_ptr cinfo, jvirt_barray_ptr a,
                                        JDIMENSION start, JDIMENSION n,
                                        boolean writable)
{
    JDIMENSION z, zend;
    jpgmem_access(cinfo, &a->v, a->rows != NULL, start, n, writable, &z, &zend);
    for (; z < zend; z++)
        memset(a->rows[z], 0, a->v.row_bytes);
    return a->rows + start;
}

/* -- pools ---------------------------------------------------------------- */

static void jpgmem_free_list(j_common_ptr cinfo, jpgmem_block **list)
{
    jpgmem *m = jpgmem_of(cinfo);
    uh_ctx *ctx = jpgmem_ctx(cinfo);
    jpgmem_block *b = *list;
    *list = NULL;
    while (b) {
        jpgmem_block *next = b->next;
        m->in_use -= b->size;
        jpg_host->free(ctx, b, b->size);
        b = next;
    }
}

static void jpgmem_free_pool(j_common_ptr cinfo, int pool_id)
{
    jpgmem *m = jpgmem_of(cinfo);
    jpgmem_check_pool(cinfo, pool_id);
    if (pool_id == JPOOL_IMAGE) {
        /* Their control blocks and rows are in this pool. */
        m->sarrays = NULL;
        m->barrays = NULL;
    }
    jpgmem_free_list(cinfo, &m->large[pool_id]);
    jpgmem_free_list(cinfo, &m->small[pool_id]);
}

static void jpgmem_self_destruct(j_common_ptr cinfo)
{
    jpgmem *m = jpgmem_of(cinfo);
    for (int pool = JPOOL_NUMPOOLS - 1; pool >= JPOOL_PERMANENT; pool--)
        jpgmem_free_pool(cinfo, pool);
    struct jpeg_memory_mgr *old = m->old;
    jpg_host->free(jpgmem_ctx(cinfo), m, sizeof(*m));
    /* The old manager finds its state through cinfo->mem. */
    cinfo->mem = old;
    old->self_destruct(cinfo);
}

void jpgmem_install(j_common_ptr cinfo)
{
    jpgmem *m = jpg_host->alloc(jpgmem_ctx(cinfo), sizeof(*m), 0, UH_LIFE_NODE);
    if (!m)
        jpgmem_fail(cinfo, 0);
    memset(m, 0, sizeof(*m));
    m->pub.alloc_small = jpgmem_alloc_small;
    m->pub.alloc_large = jpgmem_alloc_large;
    m->pub.alloc_sarray = jpgmem_alloc_sarray;
    m->pub.alloc_barray = jpgmem_alloc_barray;
    m->pub.request_virt_sarray = jpgmem_request_sarray;
    m->pub.request_virt_barray = jpgmem_request_barray;
    m->pub.realize_virt_arrays = jpgmem_realize;
    m->pub.access_virt_sarray = jpgmem_access_sarray;
    m->pub.access_virt_barray = jpgmem_access_barray;
    m->pub.free_pool = jpgmem_free_pool;
    m->pub.self_destruct = jpgmem_self_destruct;
    /* Keep what the old manager was given (JPEGMEM, its chunk cap). */
    m->pub.max_memory_to_use = cinfo->mem->max_memory_to_use;
    m->pub.max_alloc_chunk = cinfo->mem->max_alloc_chunk;
    if (m->pub.max_alloc_chunk <= 0)
        m->pub.max_alloc_chunk = 1000000000L;
    m->old = cinfo->mem;
    cinfo->mem = &m->pub;
}
