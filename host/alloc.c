/* The per-run allocator: size classes carved from mmap'd chunks, one mmap
 * per large block, spill files over the budget, counters per owner. Nothing
 * here uses malloc: the run itself, its block table and every block are
 * mappings, so alloc_destroy() gives every page back to the kernel. */
#include "alloc.h"
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Under AddressSanitizer the arena tells ASan which bytes are handed out,
 * so a plugin's overflow into a block's slack or its use of a freed block
 * is reported like one on the C heap. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(ALLOC_ASAN)
#define ALLOC_ASAN 1
#endif
#ifdef ALLOC_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* ------------------------------------------------------------------------ */
/* Layout                                                                   */

/* An arena chunk is CHUNK_SIZE bytes aligned to CHUNK_SIZE, so the chunk of
 * any small block is its address with the low bits cleared. It is cut into
 * SLAB_SIZE slabs, each serving one size class; a block of class c sits at
 * an offset that is a multiple of c, so it is aligned to c, and the class
 * of a request is at least its alignment: every alignment up to 4096 holds.
 * After the chunk, in the same mapping, comes its bitmap: one bit per 16 bytes,
 * set while the block starting there is live, which lets a free tell a double
 * free, a foreign pointer or an overwritten free list from a good one. */
#define CHUNK_SHIFT   20
#define CHUNK_SIZE    ((size_t)1 << CHUNK_SHIFT)
#define SLAB_SHIFT    16
#define SLAB_SIZE     ((size_t)1 << SLAB_SHIFT)
#define SLABS         (CHUNK_SIZE / SLAB_SIZE)
#define MIN_SHIFT     4
#define N_CLASSES     (SLAB_SHIFT - MIN_SHIFT + 1) /* 16 B .. 64 KiB */
#define BITMAP_BYTES  ((CHUNK_SIZE >> MIN_SHIFT) / 8)
#define NO_CLASS      0xFFu
#define MAX_ALIGN     4096u
#define DEFAULT_ALIGN 16u
#define TABLE_MIN     128u

_Static_assert(ALLOC_LARGE == SLAB_SIZE,
               "the largest size class must end where large blocks start");
_Static_assert(SLABS <= 255, "slab indices are bytes");

enum { KIND_EMPTY = 0, KIND_CHUNK, KIND_LARGE, KIND_SPILL };

/* One mapping the run owns, in an open-addressing table keyed by address
 * (linear probing, deletion by backward shift, so no tombstones). */
typedef struct entry {
    uintptr_t key;             /* start of the mapping; 0 = empty slot */
    size_t len;                /* bytes mapped */
    uint64_t asked;            /* large/spill: the size asked for */
    uint8_t kind;              /* KIND_* */
    uint8_t used;              /* chunk: slabs handed out so far */
    uint8_t slab_class[SLABS]; /* chunk: class index per slab or NO_CLASS */
} entry;

typedef struct size_class {
    void *free;    /* freed blocks, linked through their first word */
    uintptr_t cur; /* next never-used block in the current slab */
    uintptr_t end; /* end of the current slab */
} size_class;

struct alloc_run {
    pthread_mutex_t lock; /* guards everything below */
    alloc_config cfg;     /* cfg.spill_dir points at spill_dir below */
    char spill_dir[PATH_MAX];
    int spill_dir_bad; /* the name did not fit */
    size_t page;
    size_t self_len; /* bytes of this struct's own mapping */

    alloc_counters c; /* run-wide */
    uint64_t mapped;  /* chunks + large blocks, reservations included */
    uint64_t mapped_peak;
    uint64_t spill_now; /* spill bytes mapped or being mapped */
    uint64_t attempts;
    uint64_t bad_frees;

    entry *tab;     /* NULL until the first mapping */
    size_t cap;     /* slots, a power of two */
    size_t used;    /* slots in use */
    size_t pending; /* slots promised to mappings under way */

    uintptr_t chunk; /* the chunk new slabs come from; 0 = none */
    size_class cls[N_CLASSES];
};

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096u;
}

/* Rounds `n` up to a multiple of the power of two `to`; 0 on overflow. */
static size_t round_up(size_t n, size_t to)
{
    if (n > SIZE_MAX - (to - 1))
        return 0;
    return (n + to - 1) & ~(to - 1);
}

static size_t bitmap_len(size_t page)
{
    return round_up(BITMAP_BYTES, page);
}

static size_t chunk_len(size_t page)
{
    return CHUNK_SIZE + bitmap_len(page);
}

/* Blocks from this size on ask for transparent huge pages: an image
 * buffer is written through once, and 2 MiB pages fault it in with 1/512
 * of the traps (a 64 MiB image: 32 faults, not 16384). Smaller blocks,
 * and the arena's chunks, keep 4 KiB pages so RSS follows use closely. */
#define HUGE_FROM ((size_t)8 << 20)

static void *map_anon(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (len >= HUGE_FROM)
        (void)madvise(p, len, MADV_HUGEPAGE); /* advice: may be refused */
#endif
    return p;
}

/* strerror() is not thread-safe; this is the XSI strerror_r. */
static void errno_text(int e, char *buf, size_t n)
{
    if (strerror_r(e, buf, n) != 0)
        snprintf(buf, n, "error %d", e);
}

/* snprintf that may cut the text short on purpose (a message buffer). */
static void put_text(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put_text(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static void set_error(alloc_error *err, uh_status status, uint64_t asked,
                      uint64_t in_use, uint64_t limit, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void set_error(alloc_error *err, uh_status status, uint64_t asked,
                      uint64_t in_use, uint64_t limit, const char *fmt, ...)
{
    if (!err)
        return;
    err->status = status;
    err->asked = asked;
    err->in_use = in_use;
    err->limit = limit;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->what, sizeof(err->what), fmt, ap);
    va_end(ap);
}

static void charge(alloc_counters *c, uint64_t size, int spilled)
{
    c->current += size;
    if (c->current > c->peak)
        c->peak = c->current;
    c->total += size;
    c->count++;
    c->blocks++;
    if (spilled)
        c->spilled += size;
}

/* Saturating, so a plugin's wrong size cannot wrap the counters. */
static void uncharge(alloc_counters *c, uint64_t size)
{
    c->current -= size < c->current ? size : c->current;
    if (c->blocks)
        c->blocks--;
}

static void charge_both(alloc_run *a, alloc_owner *o, uint64_t size,
                        int spilled)
{
    charge(&a->c, size, spilled);
    if (o)
        charge(&o->c, size, spilled);
}

static void uncharge_both(alloc_run *a, alloc_owner *o, uint64_t size)
{
    uncharge(&a->c, size);
    if (o)
        uncharge(&o->c, size);
}

static void note_mapped(alloc_run *a)
{
    if (a->mapped > a->mapped_peak)
        a->mapped_peak = a->mapped;
}

/* ------------------------------------------------------------------------ */
/* The table of mappings                                                    */

static size_t hash_slot(uintptr_t key, size_t cap)
{
    /* Mappings are page-aligned: drop the zero bits, then mix. */
    uint64_t h = (uint64_t)(key >> 12) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (cap - 1);
}

static entry *table_find(alloc_run *a, uintptr_t key)
{
    if (!a->tab || key == 0)
        return NULL;
    for (size_t i = hash_slot(key, a->cap);; i = (i + 1) & (a->cap - 1)) {
        entry *e = &a->tab[i];
        if (e->key == key)
            return e;
        if (e->key == 0)
            return NULL;
    }
}

static void table_put(entry *tab, size_t cap, const entry *src)
{
    size_t i = hash_slot(src->key, cap);
    while (tab[i].key != 0)
        i = (i + 1) & (cap - 1);
    tab[i] = *src;
}

static size_t table_bytes(const alloc_run *a, size_t cap)
{
    return round_up(cap * sizeof(entry), a->page);
}

/* Makes room for one more entry beyond those in use and promised. Returns
 * 0, or an errno value when the bigger table could not be mapped (the old
 * one is kept then). */
static int table_reserve(alloc_run *a)
{
    size_t need = a->used + a->pending + 1;
    if (a->tab && need * 2 <= a->cap)
        return 0;
    size_t cap = a->cap ? a->cap * 2 : TABLE_MIN;
    while (need * 2 > cap)
        cap *= 2;
    entry *tab = map_anon(table_bytes(a, cap));
    if (!tab)
        return errno ? errno : ENOMEM;
    if (a->tab) {
        for (size_t i = 0; i < a->cap; i++)
            if (a->tab[i].key != 0)
                table_put(tab, cap, &a->tab[i]);
        munmap(a->tab, table_bytes(a, a->cap));
    }
    a->tab = tab;
    a->cap = cap;
    return 0;
}

/* Inserts into a slot promised by table_reserve(). */
static void table_insert(alloc_run *a, const entry *src)
{
    table_put(a->tab, a->cap, src);
    a->used++;
}

/* Removes `e`, shifting later entries of its probe run back so lookups
 * never stop early. */
static void table_remove(alloc_run *a, entry *e)
{
    size_t mask = a->cap - 1;
    size_t hole = (size_t)(e - a->tab);
    size_t i = hole;
    for (;;) {
        i = (i + 1) & mask;
        if (a->tab[i].key == 0)
            break;
        size_t home = hash_slot(a->tab[i].key, a->cap);
        /* Move tab[i] into the hole unless its home lies cyclically in
         * (hole, i]: then it is already as close to home as it may be. */
        int stays =
            hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
        if (!stays) {
            a->tab[hole] = a->tab[i];
            hole = i;
        }
    }
    memset(&a->tab[hole], 0, sizeof(entry));
    a->used--;
}

/* ------------------------------------------------------------------------ */
/* Creation and teardown                                                    */

alloc_run *alloc_create(const alloc_config *cfg)
{
    size_t page = page_size();
    size_t self_len = round_up(sizeof(alloc_run), page);
    alloc_run *a = map_anon(self_len);
    if (!a)
        return NULL;
    /* Fresh anonymous memory is zero: every counter starts at 0. */
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        munmap(a, self_len);
        return NULL;
    }
    a->page = page;
    a->self_len = self_len;
    if (cfg)
        a->cfg = *cfg;
    const char *dir = a->cfg.spill_dir;
    if (!dir || !*dir) {
        dir = getenv("TMPDIR");
        if (!dir || !*dir)
            dir = "/tmp";
    }
    int n = snprintf(a->spill_dir, sizeof(a->spill_dir), "%s", dir);
    if (n < 0 || (size_t)n >= sizeof(a->spill_dir))
        a->spill_dir_bad = 1;
    a->cfg.spill_dir = a->spill_dir;
    for (size_t k = 0; k < N_CLASSES; k++)
        a->cls[k].free = NULL;
    return a;
}

void alloc_destroy(alloc_run *a)
{
    if (!a)
        return;
    if (a->tab) {
        for (size_t i = 0; i < a->cap; i++) {
            entry *e = &a->tab[i];
            if (e->key != 0) {
                UNPOISON((void *)e->key, e->len);
                munmap((void *)e->key, e->len);
            }
        }
        munmap(a->tab, table_bytes(a, a->cap));
    }
    pthread_mutex_destroy(&a->lock);
    munmap(a, a->self_len);
}

/* ------------------------------------------------------------------------ */
/* Small blocks                                                             */

static unsigned class_of(size_t size, size_t align)
{
    size_t need = size > align ? size : align;
    unsigned k = 0;
    while (((size_t)1 << (k + MIN_SHIFT)) < need)
        k++;
    return k;
}

static uint64_t *bitmap_of(uintptr_t chunk)
{
    return (uint64_t *)(chunk + CHUNK_SIZE);
}

static int bit_get(uintptr_t chunk, uintptr_t p)
{
    size_t i = (p - chunk) >> MIN_SHIFT;
    return (int)((bitmap_of(chunk)[i / 64] >> (i % 64)) & 1u);
}

static void bit_set(uintptr_t chunk, uintptr_t p, int on)
{
    size_t i = (p - chunk) >> MIN_SHIFT;
    uint64_t m = (uint64_t)1 << (i % 64);
    if (on)
        bitmap_of(chunk)[i / 64] |= m;
    else
        bitmap_of(chunk)[i / 64] &= ~m;
}

/* The chunk entry holding small block `p` when `p` is the start of a block
 * of class `k` in one of this run's chunks; else NULL. `k` < 0 accepts any
 * class and stores it in *k_out. */
static entry *small_block(alloc_run *a, uintptr_t p, int k, unsigned *k_out)
{
    uintptr_t chunk = p & ~(uintptr_t)(CHUNK_SIZE - 1);
    entry *e = table_find(a, chunk);
    if (!e || e->kind != KIND_CHUNK)
        return NULL;
    size_t off = p - chunk;
    unsigned cls = e->slab_class[off >> SLAB_SHIFT];
    if (cls == NO_CLASS || (k >= 0 && cls != (unsigned)k))
        return NULL;
    if (off & (((size_t)1 << (cls + MIN_SHIFT)) - 1))
        return NULL;
    if (k_out)
        *k_out = cls;
    return e;
}

/* Maps a chunk aligned to CHUNK_SIZE: maps enough to find an aligned
 * start, then trims both ends. Returns 0 or an errno value. */
static int map_chunk(alloc_run *a, uintptr_t *out)
{
    size_t len = chunk_len(a->page);
    size_t over = len + CHUNK_SIZE - a->page;
    void *raw = map_anon(over);
    if (!raw)
        return errno ? errno : ENOMEM;
    uintptr_t start = (uintptr_t)raw;
    uintptr_t aligned = (start + CHUNK_SIZE - 1) & ~(uintptr_t)(CHUNK_SIZE - 1);
    if (aligned > start)
        munmap(raw, aligned - start);
    uintptr_t end = start + over;
    if (end > aligned + len)
        munmap((void *)(aligned + len), end - (aligned + len));
    *out = aligned;
    return 0;
}

/* Maps a new chunk and makes it the one slabs come from. Called with the
 * lock held; returns its entry, or NULL with *err filled. */
static entry *new_chunk(alloc_run *a, size_t size, alloc_error *err)
{
    size_t len = chunk_len(a->page);
    if (a->cfg.limit &&
        (a->mapped > a->cfg.limit || len > a->cfg.limit - a->mapped)) {
        set_error(err, UH_ELIMIT, size, a->mapped, a->cfg.limit,
                  "memory budget");
        return NULL;
    }
    int rc = table_reserve(a);
    uintptr_t chunk = 0;
    if (rc == 0)
        rc = map_chunk(a, &chunk);
    if (rc != 0) {
        char msg[128];
        errno_text(rc, msg, sizeof(msg));
        set_error(err, UH_ENOMEM, size, a->mapped, a->cfg.limit, "mmap: %s",
                  msg);
        return NULL;
    }
    /* Under ASan no byte of the chunk is addressable until handed out. */
    POISON((void *)chunk, CHUNK_SIZE);
    entry ne;
    memset(&ne, 0, sizeof(ne));
    ne.key = chunk;
    ne.len = len;
    ne.kind = KIND_CHUNK;
    memset(ne.slab_class, NO_CLASS, sizeof(ne.slab_class));
    table_insert(a, &ne);
    a->mapped += len;
    note_mapped(a);
    a->chunk = chunk;
    return table_find(a, chunk);
}

/* Takes a block of class k for `size` bytes; called with the lock held.
 * Returns NULL with *err filled when a new chunk was needed and could not
 * be had. */
static void *small_get(alloc_run *a, unsigned k, size_t size, alloc_error *err)
{
    size_class *sc = &a->cls[k];
    size_t csize = (size_t)1 << (k + MIN_SHIFT);
    const uintptr_t mask = ~(uintptr_t)(CHUNK_SIZE - 1);

    /* Reuse a freed block, checking it first: a plugin that wrote to a
     * block after freeing it may have overwritten the link. Then the list
     * is dropped (its blocks stay mapped until destroy), never followed. */
    if (sc->free) {
        uintptr_t b = (uintptr_t)sc->free;
        if (small_block(a, b, (int)k, NULL) && !bit_get(b & mask, b)) {
            UNPOISON((void *)b, sizeof(void *));
            sc->free = *(void **)b;
            POISON((void *)b, csize);
            UNPOISON((void *)b, size);
            bit_set(b & mask, b, 1);
            return (void *)b;
        }
        sc->free = NULL;
        a->bad_frees++;
    }

    for (;;) {
        if (sc->cur >= sc->end) {
            entry *e = a->chunk ? table_find(a, a->chunk) : NULL;
            if (!e || e->used >= SLABS)
                e = new_chunk(a, size, err);
            if (!e)
                return NULL;
            unsigned s = e->used++;
            e->slab_class[s] = (uint8_t)k;
            sc->cur = e->key + (uintptr_t)s * SLAB_SIZE;
            sc->end = sc->cur + SLAB_SIZE;
        }
        uintptr_t b = sc->cur;
        sc->cur += csize;
        /* Live already: a forged free-list link handed it out. */
        if (bit_get(b & mask, b)) {
            a->bad_frees++;
            continue;
        }
        bit_set(b & mask, b, 1);
        UNPOISON((void *)b, size);
        return (void *)b;
    }
}

/* ------------------------------------------------------------------------ */
/* Allocation                                                               */

/* Large blocks and spills: the budget is checked and the bytes reserved
 * under the lock, the mapping is made outside it, and the block entered
 * under it again. Called with the lock held; returns with it released. */
static void *large_get(alloc_run *a, alloc_owner *owner, size_t size,
                       uh_lifetime life, alloc_error *err)
{
    size_t len = round_up(size, a->page);
    if (len == 0) {
        uint64_t lim = a->cfg.limit;
        set_error(err, lim ? UH_ELIMIT : UH_ENOMEM, size, a->mapped, lim,
                  lim ? "memory budget" : "size too large");
        pthread_mutex_unlock(&a->lock);
        return NULL;
    }
    int spill = 0;
    if (a->cfg.limit && (a->mapped > a->cfg.limit ||
                         (uint64_t)len > a->cfg.limit - a->mapped)) {
        if (!a->cfg.spill || life != UH_LIFE_IMAGE) {
            set_error(err, UH_ELIMIT, size, a->mapped, a->cfg.limit,
                      "memory budget");
            pthread_mutex_unlock(&a->lock);
            return NULL;
        }
        uint64_t sl = a->cfg.spill_limit;
        if (sl && (a->spill_now > sl || (uint64_t)len > sl - a->spill_now)) {
            set_error(err, UH_ELIMIT, size, a->spill_now, sl, "spill space");
            pthread_mutex_unlock(&a->lock);
            return NULL;
        }
        spill = 1;
    }
    int rc = table_reserve(a);
    if (rc != 0) {
        char msg[128];
        errno_text(rc, msg, sizeof(msg));
        set_error(err, UH_ENOMEM, size, a->mapped, a->cfg.limit, "mmap: %s",
                  msg);
        pthread_mutex_unlock(&a->lock);
        return NULL;
    }
    a->pending++;
    if (spill)
        a->spill_now += len;
    else
        a->mapped += len;
    pthread_mutex_unlock(&a->lock);

    /* Outside the lock: the system calls. */
    void *p = NULL;
    char why[sizeof(err->what)];
    why[0] = '\0';
    if (spill) {
        const char *fs = NULL;
        uint64_t avail = 0;
        int chk = a->spill_dir_bad ? -ENAMETOOLONG
                                   : spill_check_dir(a->spill_dir, &fs);
        if (chk == 1) {
            put_text(why, sizeof(why), "spill directory %s is on %s (RAM)",
                     a->spill_dir, fs);
        } else if (chk < 0) {
            char msg[128];
            errno_text(-chk, msg, sizeof(msg));
            put_text(why, sizeof(why), "spill directory %s: %s", a->spill_dir,
                     msg);
        } else if (spill_free_bytes(a->spill_dir, &avail) == 0 &&
                   len > avail / 10 * 9) {
            /* Never fill the disk to the last block: other programs (and
             * our own outputs) need it too. */
            put_text(why, sizeof(why),
                     "spill directory %s is too full (%" PRIu64
                     " bytes free; a spill may take 90 %% of that)",
                     a->spill_dir, avail);
        } else {
            int e = 0;
            const char *stage = "open";
            p = spill_map(a->spill_dir, len, &e, &stage);
            if (!p) {
                char msg[128];
                errno_text(e, msg, sizeof(msg));
                put_text(why, sizeof(why), "spill: %s in %s: %s", stage,
                         a->spill_dir, msg);
            }
        }
    } else {
        p = map_anon(len);
        if (!p) {
            char msg[128];
            errno_text(errno ? errno : ENOMEM, msg, sizeof(msg));
            put_text(why, sizeof(why), "mmap: %s", msg);
        }
    }

    pthread_mutex_lock(&a->lock);
    a->pending--;
    if (!p) {
        if (spill) {
            a->spill_now -= len;
            /* The budget said no and the spill could not take the block:
             * UH_ENOMEM with the reason (the spill limit is UH_ELIMIT). */
            set_error(err, UH_ENOMEM, size, a->mapped, a->cfg.limit, "%s", why);
        } else {
            a->mapped -= len;
            set_error(err, UH_ENOMEM, size, a->mapped, a->cfg.limit, "%s", why);
        }
        pthread_mutex_unlock(&a->lock);
        return NULL;
    }
    entry ne;
    memset(&ne, 0, sizeof(ne));
    ne.key = (uintptr_t)p;
    ne.len = len;
    ne.asked = size;
    ne.kind = spill ? KIND_SPILL : KIND_LARGE;
    table_insert(a, &ne);
    if (!spill)
        note_mapped(a);
    POISON((uint8_t *)p + size, len - size);
    charge_both(a, owner, size, spill);
    pthread_mutex_unlock(&a->lock);
    return p;
}

void *alloc_get(alloc_run *a, alloc_owner *owner, size_t size, size_t align,
                uh_lifetime life, alloc_error *err)
{
    if (!a) {
        set_error(err, UH_EINVAL, size, 0, 0, "no allocator");
        return NULL;
    }
    if (size == 0) {
        set_error(err, UH_EINVAL, 0, 0, 0, "zero size");
        return NULL;
    }
    if (align == 0)
        align = DEFAULT_ALIGN;
    if ((align & (align - 1)) != 0 || align > MAX_ALIGN) {
        set_error(err, UH_EINVAL, size, 0, 0, "invalid alignment %zu", align);
        return NULL;
    }
    if (align < DEFAULT_ALIGN)
        align = DEFAULT_ALIGN;

    pthread_mutex_lock(&a->lock);
    uint64_t n = ++a->attempts;
    uint64_t at = a->cfg.fail_at;
    if (at && (n == at || (a->cfg.fail_persistent && n > at))) {
        set_error(err, UH_ENOMEM, size, a->mapped, a->cfg.limit,
                  "injected failure (allocation %llu)", (unsigned long long)n);
        pthread_mutex_unlock(&a->lock);
        return NULL;
    }
    if (size >= ALLOC_LARGE)
        return large_get(a, owner, size, life, err); /* unlocks */

    void *p = small_get(a, class_of(size, align), size, err);
    if (p)
        charge_both(a, owner, size, 0);
    pthread_mutex_unlock(&a->lock);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Freeing                                                                  */

void alloc_put(alloc_run *a, alloc_owner *owner, void *ptr, size_t size)
{
    if (!a || !ptr)
        return;
    uintptr_t p = (uintptr_t)ptr;
    pthread_mutex_lock(&a->lock);
    entry *e = table_find(a, p);
    if (e && (e->kind == KIND_LARGE || e->kind == KIND_SPILL)) {
        size_t len = e->len;
        int spill = e->kind == KIND_SPILL;
        uint64_t asked = e->asked;
        if ((uint64_t)size != asked)
            a->bad_frees++;
        table_remove(a, e);
        uncharge_both(a, owner, asked);
        pthread_mutex_unlock(&a->lock);
        /* The bytes stay counted until they are really gone, so the budget
         * never lets a new mapping overlap this one. */
        UNPOISON(ptr, len);
        munmap(ptr, len);
        pthread_mutex_lock(&a->lock);
        if (spill)
            a->spill_now -= len;
        else
            a->mapped -= len;
        pthread_mutex_unlock(&a->lock);
        return;
    }

    unsigned k = 0;
    e = small_block(a, p, -1, &k);
    uintptr_t chunk = p & ~(uintptr_t)(CHUNK_SIZE - 1);
    if (!e || size >= ALLOC_LARGE || size > ((size_t)1 << (k + MIN_SHIFT)) ||
        !bit_get(chunk, p)) {
        /* Foreign pointer, a size that cannot be this block's, or a
         * double free: leave the memory alone. */
        a->bad_frees++;
        pthread_mutex_unlock(&a->lock);
        return;
    }
    bit_set(chunk, p, 0);
    UNPOISON(ptr, sizeof(void *));
    *(void **)ptr = a->cls[k].free;
    a->cls[k].free = ptr;
    POISON(ptr, (size_t)1 << (k + MIN_SHIFT));
    uncharge_both(a, owner, size);
    pthread_mutex_unlock(&a->lock);
}

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */

void alloc_totals(alloc_run *a, alloc_counters *out)
{
    if (!a) {
        memset(out, 0, sizeof(*out));
        return;
    }
    pthread_mutex_lock(&a->lock);
    *out = a->c;
    pthread_mutex_unlock(&a->lock);
}

#define ALLOC_GETTER(name, field)                                              \
    uint64_t name(alloc_run *a)                                                \
    {                                                                          \
        if (!a)                                                                \
            return 0;                                                          \
        pthread_mutex_lock(&a->lock);                                          \
        uint64_t v = a->field;                                                 \
        pthread_mutex_unlock(&a->lock);                                        \
        return v;                                                              \
    }

ALLOC_GETTER(alloc_mapped, mapped)
ALLOC_GETTER(alloc_mapped_peak, mapped_peak)
ALLOC_GETTER(alloc_attempts, attempts)
ALLOC_GETTER(alloc_spill_mapped, spill_now)
ALLOC_GETTER(alloc_bad_frees, bad_frees)

void alloc_owner_counters(alloc_run *a, const alloc_owner *owner,
                          alloc_counters *out)
{
    if (!a || !owner) {
        memset(out, 0, sizeof(*out));
        return;
    }
    pthread_mutex_lock(&a->lock);
    *out = owner->c;
    pthread_mutex_unlock(&a->lock);
}

uint64_t alloc_chunk_bytes(void)
{
    return chunk_len(page_size());
}

/* ------------------------------------------------------------------------ */
/* The default budget                                                       */

/* Reads a small text file into buf (NUL-terminated). Returns its length or
 * -1. No stdio: nothing here allocates. */
static long read_text(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < n) {
        ssize_t r = read(fd, buf + got, n - 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    return (long)got;
}

/* A limit file's value: 0 for "max", an unreadable file or garbage. */
static uint64_t read_limit(const char *path)
{
    char buf[64];
    if (read_text(path, buf, sizeof(buf)) <= 0)
        return 0;
    if (buf[0] < '0' || buf[0] > '9')
        return 0; /* "max" */
    uint64_t v = 0;
    for (const char *s = buf; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    /* cgroup v1 says "no limit" with a page-rounded LONG_MAX. */
    if (v >= ((uint64_t)1 << 60))
        return 0;
    return v;
}

/* The smallest limit in `file` of directory root+path or any ancestor up
 * to root itself; 0 = none. */
static uint64_t walk_limits(const char *root, const char *path, size_t plen,
                            const char *file)
{
    uint64_t best = 0;
    for (;;) {
        while (plen > 0 && path[plen - 1] == '/')
            plen--;
        char full[PATH_MAX];
        int n = snprintf(full, sizeof(full), "%s%.*s/%s", root, (int)plen, path,
                         file);
        if (n > 0 && (size_t)n < sizeof(full)) {
            uint64_t v = read_limit(full);
            if (v && (!best || v < best))
                best = v;
        }
        if (plen == 0)
            break;
        while (plen > 0 && path[plen - 1] != '/')
            plen--;
    }
    return best;
}

static uint64_t min_limit(uint64_t a, uint64_t b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return a < b ? a : b;
}

/* Whether the comma-separated controller list [s, s+n) names "memory". */
static int has_memory(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        if (j - i == 6 && memcmp(s + i, "memory", 6) == 0)
            return 1;
        i = j + 1;
    }
    return 0;
}

uint64_t alloc_cgroup_limit(const char *proc_cgroup, const char *cgroup_root)
{
    char buf[8192];
    if (!proc_cgroup || !cgroup_root ||
        read_text(proc_cgroup, buf, sizeof(buf)) <= 0)
        return 0;
    uint64_t best = 0;
    char root[PATH_MAX];
    char *line = buf;
    while (*line) {
        char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        /* "hierarchy-id:controllers:path" */
        const char *c1 = memchr(line, ':', len);
        const char *c2 =
            c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        if (c2) {
            const char *path = c2 + 1;
            size_t plen = len - (size_t)(path - line);
            size_t clen = (size_t)(c2 - c1 - 1);
            if (c1 - line == 1 && line[0] == '0' && clen == 0) {
                /* v2: the unified hierarchy, at the root or, on hybrid
                 * systems, under unified/. */
                best = min_limit(
                    best, walk_limits(cgroup_root, path, plen, "memory.max"));
                int n = snprintf(root, sizeof(root), "%s/unified", cgroup_root);
                if (n > 0 && (size_t)n < sizeof(root))
                    best = min_limit(
                        best, walk_limits(root, path, plen, "memory.max"));
            } else if (has_memory(c1 + 1, clen)) {
                int n = snprintf(root, sizeof(root), "%s/memory", cgroup_root);
                if (n > 0 && (size_t)n < sizeof(root))
                    best =
                        min_limit(best, walk_limits(root, path, plen,
                                                    "memory.limit_in_bytes"));
            }
        }
        if (!eol)
            break;
        line = eol + 1;
    }
    return best;
}

uint64_t alloc_default_limit(void)
{
    uint64_t ram = 0;
    long pages = sysconf(_SC_PHYS_PAGES);
    if (pages > 0 && (uint64_t)pages <= UINT64_MAX / page_size())
        ram = (uint64_t)pages * page_size();
    uint64_t base = min_limit(
        alloc_cgroup_limit("/proc/self/cgroup", "/sys/fs/cgroup"), ram);
    if (!base)
        base = (uint64_t)1 << 30; /* nothing known: assume 1 GiB */
    /* 75 %: the rest is headroom for what the budget does not see (the
     * host's own heap, thread stacks, codec libraries' malloc, the page
     * cache of files being read and written). */
    return base / 4 * 3;
}

/* ------------------------------------------------------------------------ */
/* Sizes                                                                    */

int alloc_parse_size(const char *text, uint64_t *out)
{
    if (!text || !out)
        return UH_EINVAL;
    const char *s = text;
    if (*s < '0' || *s > '9')
        return UH_EINVAL; /* no sign, no space, not empty */
    uint64_t whole = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (whole > (UINT64_MAX - d) / 10)
            return UH_EINVAL;
        whole = whole * 10 + d;
    }
    /* Fraction: up to 18 digits kept exactly (10^18 < 2^60), more are
     * dropped; the result is rounded down to a whole byte. */
    uint64_t frac = 0, scale = 1;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return UH_EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (scale < UINT64_C(1000000000000000000)) {
                frac = frac * 10 + (uint64_t)(*s - '0');
                scale *= 10;
            }
        }
    }
    unsigned shift = 0;
    switch (*s) {
    case 'k':
    case 'K':
        shift = 10;
        s++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        s++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        s++;
        break;
    case 't':
    case 'T':
        shift = 40;
        s++;
        break;
    case 'p':
    case 'P':
        shift = 50;
        s++;
        break;
    case 'e':
    case 'E':
        shift = 60;
        s++;
        break;
    default:
        break;
    }
    if (shift && (*s == 'i' || *s == 'I')) {
        s++;
        if (*s != 'b' && *s != 'B')
            return UH_EINVAL;
    }
    if (*s == 'b' || *s == 'B')
        s++;
    if (*s != '\0')
        return UH_EINVAL;
    if (whole > (UINT64_MAX >> shift))
        return UH_EINVAL;
    uint64_t v = whole << shift;
    if (frac) {
        if (!shift)
            return UH_EINVAL; /* "1.5" bytes */
        /* frac / scale * 2^shift, exactly: split 2^shift so no product
         * passes 2^64 (frac < 10^18 < 2^60; each factor is at most 2^4). */
        uint64_t q = 0, r = frac;
        /* q + r / scale is the fraction times 2^done */
        for (unsigned done = 0; done < shift; done += 4) {
            unsigned step = shift - done < 4 ? shift - done : 4;
            q <<= step;
            r <<= step;
            q += r / scale;
            r %= scale;
        }
        if (q > UINT64_MAX - v)
            return UH_EINVAL;
        v += q;
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Spill residency                                                          */

uint64_t alloc_spill_trim(alloc_run *a)
{
    if (!a)
        return 0;
    uint64_t bytes = 0;
    pthread_mutex_lock(&a->lock);
    /* Under the lock no spill block can be unmapped (alloc_put takes it out
     * of the table first), so every range advised is still ours. On a
     * shared file mapping MADV_DONTNEED only drops this process's page
     * table entries: written data stays in the file's page cache (dirty
     * bits are carried over) and the next access maps it again. */
    for (size_t i = 0; a->spill_now && a->tab && i < a->cap; i++) {
        entry *e = &a->tab[i];
        if (e->key && e->kind == KIND_SPILL &&
            madvise((void *)e->key, e->len, MADV_DONTNEED) == 0) {
            bytes += e->len;
        }
    }
    pthread_mutex_unlock(&a->lock);
    return bytes;
}
