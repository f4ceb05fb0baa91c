/* Tests of the per-run allocator (host/alloc.c, host/spill.c). One
 * executable, one case per ctest entry: `test_alloc <case>`. */
#include "alloc.h"
#include "spill.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Checks                                                                   */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SANITIZED)
#define SANITIZED 1
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif
#if SANITIZED
#include <sanitizer/asan_interface.h>
#endif

#define SKIP 77
#define MiB  ((uint64_t)1 << 20)

static int failures;

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #c);                                                       \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#define CHECK_U64(got, want)                                                   \
    do {                                                                       \
        uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                  \
        if (g_ != w_) {                                                        \
            fprintf(stderr,                                                    \
                    "%s:%d: %s = %" PRIu64 ", want %s = %" PRIu64 "\n",        \
                    __FILE__, __LINE__, #got, g_, #want, w_);                  \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#define CHECK_STR(got, want)                                                   \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        if (strcmp(g_, w_) != 0) {                                             \
            fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", __FILE__,     \
                    __LINE__, #got, g_, w_);                                   \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* Fails the case at once when `c` is false (for pointers used next). */
#define REQUIRE(c)                                                             \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, \
                    #c);                                                       \
            return 1;                                                          \
        }                                                                      \
    } while (0)

static void check_counters(const char *file, int line, const char *what,
                           const alloc_counters *c, uint64_t current,
                           uint64_t peak, uint64_t total, uint64_t count,
                           uint64_t blocks, uint64_t spilled)
{
    if (c->current != current || c->peak != peak || c->total != total ||
        c->count != count || c->blocks != blocks || c->spilled != spilled) {
        fprintf(stderr,
                "%s:%d: %s: got current %" PRIu64 " peak %" PRIu64
                " total %" PRIu64 " count %" PRIu64 " blocks %" PRIu64
                " spilled %" PRIu64 "\n"
                "   want current %" PRIu64 " peak %" PRIu64 " total %" PRIu64
                " count %" PRIu64 " blocks %" PRIu64 " spilled %" PRIu64 "\n",
                file, line, what, c->current, c->peak, c->total, c->count,
                c->blocks, c->spilled, current, peak, total, count, blocks,
                spilled);
        failures++;
    }
}
#define CHECK_COUNTERS(c, cur, pk, tot, cnt, blk, sp)                          \
    check_counters(__FILE__, __LINE__, #c, (c), (cur), (pk), (tot), (cnt),     \
                   (blk), (sp))

static void check_error(const char *file, int line, const alloc_error *e,
                        uh_status status, uint64_t asked, uint64_t in_use,
                        uint64_t limit, const char *what)
{
    if (e->status != status || e->asked != asked || e->in_use != in_use ||
        e->limit != limit || strcmp(e->what, what) != 0) {
        fprintf(stderr,
                "%s:%d: error: got {%d, asked %" PRIu64 ", in_use %" PRIu64
                ", limit %" PRIu64 ", \"%s\"}\n"
                "   want {%d, asked %" PRIu64 ", in_use %" PRIu64
                ", limit %" PRIu64 ", \"%s\"}\n",
                file, line, (int)e->status, e->asked, e->in_use, e->limit,
                e->what, (int)status, asked, in_use, limit, what);
        failures++;
    }
}
#define CHECK_ERROR(e, st, asked, in_use, limit, what)                         \
    check_error(__FILE__, __LINE__, (e), (st), (asked), (in_use), (limit),     \
                (what))

/* ------------------------------------------------------------------------ */
/* Process inspection                                                       */

static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Copies the /proc/self/maps line whose range holds `p` into buf; returns
 * 1 when found. */
static int maps_line(const void *p, char *buf, size_t n)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    char line[4096 + 256];
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)p >= lo &&
            (uintptr_t)p < hi) {
            if (buf)
                snprintf(buf, n, "%s", line);
            found = 1;
            break;
        }
    }
    fclose(f);
    return found;
}

static int maps_count(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* 1 when the page holding p is mapped, 0 when mincore says ENOMEM. */
static int is_mapped(const void *p)
{
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    unsigned char v;
    void *base = (void *)((uintptr_t)p & ~(pg - 1));
    if (mincore(base, 1, &v) == 0)
        return 1;
    return errno == ENOMEM ? 0 : -1;
}

/* A scratch directory on a real file system: $UH_SCRATCH (set by ctest),
 * made if missing. */
static const char *scratch_dir(void)
{
    static char dir[PATH_MAX];
    const char *s = getenv("UH_SCRATCH");
    if (!s || !*s)
        s = "alloc-scratch";
    snprintf(dir, sizeof(dir), "%s", s);
    for (char *q = dir + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            mkdir(dir, 0755);
            *q = '/';
        }
    }
    mkdir(dir, 0755);
    return dir;
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static alloc_run *make_run(uint64_t limit)
{
    alloc_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.limit = limit;
    return alloc_create(&cfg);
}

/* ------------------------------------------------------------------------ */
/* Cases                                                                    */

/* Counters are exact after a known sequence, per owner and run-wide. */
static int test_counters(void)
{
    alloc_run *a = make_run(0);
    REQUIRE(a);
    alloc_owner A = {.name = "a"}, B = {.name = "b"};
    alloc_error err;
    uint64_t ck = alloc_chunk_bytes();
    uint64_t large = (70000 + 4095) / 4096 * 4096;

    void *p1 = alloc_get(a, &A, 100, 0, UH_LIFE_TEMP, &err);
    void *p2 = alloc_get(a, &A, 5000, 64, UH_LIFE_NODE, &err);
    void *p3 = alloc_get(a, &A, 70000, 0, UH_LIFE_IMAGE, &err);
    void *p4 = alloc_get(a, &B, 16, 0, UH_LIFE_TEMP, &err);
    void *p5 = alloc_get(a, &B, 1u << 20, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(p1 && p2 && p3 && p4 && p5);
    memset(p1, 1, 100);
    memset(p2, 2, 5000);
    memset(p3, 3, 70000);
    memset(p4, 4, 16);
    memset(p5, 5, 1u << 20);

    CHECK_COUNTERS(&A.c, 75100, 75100, 75100, 3, 3, 0);
    CHECK_COUNTERS(&B.c, 1048592, 1048592, 1048592, 2, 2, 0);
    alloc_counters t;
    alloc_totals(a, &t);
    CHECK_COUNTERS(&t, 1123692, 1123692, 1123692, 5, 5, 0);
    CHECK_U64(alloc_mapped(a), ck + large + MiB);
    CHECK_U64(alloc_attempts(a), 5);

    alloc_put(a, &A, p3, 70000);
    alloc_put(a, &A, p1, 100);
    CHECK_COUNTERS(&A.c, 5000, 75100, 75100, 3, 1, 0);
    CHECK_U64(alloc_mapped(a), ck + MiB);
    CHECK_U64(alloc_mapped_peak(a), ck + large + MiB);

    /* A freed block is handed out again (the free list is LIFO). */
    void *p6 = alloc_get(a, &A, 120, 0, UH_LIFE_TEMP, &err);
    CHECK(p6 == p1);
    CHECK_COUNTERS(&A.c, 5120, 75100, 75220, 4, 2, 0);

    /* A failed call changes no counter but the attempts (valid ones). */
    CHECK(alloc_get(a, &A, 0, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_U64(err.status, (uint64_t)(int64_t)UH_EINVAL);
    CHECK_COUNTERS(&A.c, 5120, 75100, 75220, 4, 2, 0);
    CHECK_U64(alloc_attempts(a), 6);

    /* No owner: charged to the run only. */
    void *p7 = alloc_get(a, NULL, 1000, 0, UH_LIFE_TEMP, &err);
    REQUIRE(p7);
    alloc_totals(a, &t);
    CHECK_COUNTERS(&t, 1054712, 1123692, 1124812, 7, 5, 0);
    alloc_put(a, NULL, p7, 1000);

    alloc_put(a, &A, p6, 120);
    alloc_put(a, &A, p2, 5000);
    alloc_put(a, &B, p4, 16);
    alloc_put(a, &B, p5, 1u << 20);
    CHECK_COUNTERS(&A.c, 0, 75100, 75220, 4, 0, 0);
    CHECK_COUNTERS(&B.c, 0, 1048592, 1048592, 2, 0, 0);
    alloc_totals(a, &t);
    CHECK_COUNTERS(&t, 0, 1123692, 1124812, 7, 0, 0);
    /* The arena chunk stays until destroy; large blocks are gone. */
    CHECK_U64(alloc_mapped(a), ck);
    CHECK_U64(alloc_bad_frees(a), 0);
    alloc_destroy(a);
    return 0;
}

/* Every alignment up to 4096 holds for every size class; blocks never
 * overlap; bad alignments and size 0 are refused. */
typedef struct blk {
    uint8_t *p;
    size_t n;
    uint8_t tag;
} blk;

static int cmp_blk(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const blk *)x)->p;
    uintptr_t b = (uintptr_t)((const blk *)y)->p;
    return a < b ? -1 : a > b;
}

static int test_align(void)
{
    static const size_t sizes[] = {1,     15,    16,    17,    31,    100,
                                   255,   1000,  4095,  4096,  4097,  8192,
                                   16000, 32767, 32768, 32769, 40000, 65535,
                                   65536, 65537, 100000};
    enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
    static blk blocks[14 * NS * 2];
    size_t nb = 0;
    alloc_run *a = make_run(0);
    REQUIRE(a);
    alloc_owner o = {.name = "align"};
    alloc_error err;
    uint64_t sum = 0;
    for (size_t align = 0; align <= 4096; align = align ? align * 2 : 1) {
        for (int rep = 0; rep < 2; rep++) {
            for (size_t i = 0; i < NS; i++) {
                size_t n = sizes[i];
                uint8_t *p = alloc_get(a, &o, n, align, UH_LIFE_NODE, &err);
                REQUIRE(p);
                size_t want = align < 16 ? 16 : align;
                if ((uintptr_t)p % want != 0) {
                    fprintf(stderr, "size %zu align %zu: %p misaligned\n", n,
                            align, (void *)p);
                    failures++;
                }
                uint8_t tag = (uint8_t)(nb * 7 + 1);
                memset(p, tag, n);
                blocks[nb++] = (blk){p, n, tag};
                sum += n;
            }
        }
    }
    CHECK_U64(o.c.current, sum);
    CHECK_U64(o.c.blocks, nb);
    qsort(blocks, nb, sizeof(blk), cmp_blk);
    for (size_t i = 0; i < nb; i++) {
        if (i + 1 < nb && blocks[i].p + blocks[i].n > blocks[i + 1].p) {
            fprintf(stderr, "blocks %p+%zu and %p overlap\n",
                    (void *)blocks[i].p, blocks[i].n, (void *)blocks[i + 1].p);
            failures++;
        }
        if (blocks[i].p[0] != blocks[i].tag ||
            blocks[i].p[blocks[i].n - 1] != blocks[i].tag) {
            fprintf(stderr, "block %p+%zu was overwritten\n",
                    (void *)blocks[i].p, blocks[i].n);
            failures++;
        }
    }
    for (size_t i = 0; i < nb; i++)
        alloc_put(a, &o, blocks[i].p, blocks[i].n);
    CHECK_U64(o.c.current, 0);
    CHECK_U64(o.c.blocks, 0);
    CHECK_U64(alloc_bad_frees(a), 0);

    uint64_t att = alloc_attempts(a);
    static const size_t bad[] = {3, 6, 24, 8192, 65536, SIZE_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        CHECK(alloc_get(a, &o, 64, bad[i], UH_LIFE_TEMP, &err) == NULL);
        char want[64];
        snprintf(want, sizeof(want), "invalid alignment %zu", bad[i]);
        CHECK_ERROR(&err, UH_EINVAL, 64, 0, 0, want);
    }
    CHECK(alloc_get(a, &o, 0, 16, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_EINVAL, 0, 0, 0, "zero size");
    CHECK(alloc_get(NULL, &o, 10, 16, UH_LIFE_TEMP, &err) == NULL);
    CHECK_U64(err.status, (uint64_t)(int64_t)UH_EINVAL);
    /* Refused arguments are not attempts. */
    CHECK_U64(alloc_attempts(a), att);
    CHECK_U64(o.c.count, nb);
    alloc_destroy(a);
    return 0;
}

/* Freed small blocks are reused: the arena does not grow in a loop. */
static int test_reuse(void)
{
    alloc_run *a = make_run(0);
    REQUIRE(a);
    static void *p[1000];
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 1000; i++) {
            p[i] = alloc_get(a, NULL, (size_t)(i % 500) + 1, 0, UH_LIFE_TEMP,
                             NULL);
            REQUIRE(p[i]);
            memset(p[i], round, (size_t)(i % 500) + 1);
        }
        for (int i = 0; i < 1000; i++)
            alloc_put(a, NULL, p[i], (size_t)(i % 500) + 1);
    }
    /* 1000 blocks of classes 16..512 bytes fit one chunk. */
    CHECK_U64(alloc_mapped(a), alloc_chunk_bytes());
    CHECK_U64(alloc_mapped_peak(a), alloc_chunk_bytes());
    alloc_counters t;
    alloc_totals(a, &t);
    CHECK_U64(t.count, 50000);
    CHECK_U64(t.current, 0);
    alloc_destroy(a);
    return 0;
}

/* A large block is its own mapping and is unmapped when freed. */
static int test_large_unmap(void)
{
    alloc_run *a = make_run(0);
    REQUIRE(a);
    size_t n = 4 << 20;
    uint8_t *p = alloc_get(a, NULL, n, 0, UH_LIFE_IMAGE, NULL);
    REQUIRE(p);
    memset(p, 0xAB, n);
    CHECK(maps_line(p, NULL, 0) == 1);
    CHECK(maps_line(p + n - 1, NULL, 0) == 1);
    CHECK(is_mapped(p) == 1);
    CHECK_U64(alloc_mapped(a), n);
    alloc_put(a, NULL, p, n);
    CHECK(maps_line(p, NULL, 0) == 0);
    CHECK(is_mapped(p) == 0);
    CHECK(is_mapped(p + n - 1) == 0);
    CHECK_U64(alloc_mapped(a), 0);
    CHECK_U64(alloc_mapped_peak(a), n);

    if (!SANITIZED) {
        size_t big = 64 << 20;
        uint64_t r0 = rss_bytes();
        uint8_t *q = alloc_get(a, NULL, big, 0, UH_LIFE_IMAGE, NULL);
        REQUIRE(q);
        memset(q, 1, big);
        uint64_t r1 = rss_bytes();
        CHECK(r1 >= r0 + 60 * MiB);
        alloc_put(a, NULL, q, big);
        uint64_t r2 = rss_bytes();
        if (r2 > r0 + 2 * MiB) {
            fprintf(stderr, "RSS %" PRIu64 " -> %" PRIu64 " -> %" PRIu64 "\n",
                    r0, r1, r2);
            failures++;
        }
    }
    alloc_destroy(a);
    return 0;
}

/* The budget says no before anything is mapped, with the exact numbers. */
static int test_budget(void)
{
    uint64_t limit = 8 * MiB;
    alloc_run *a = make_run(limit);
    REQUIRE(a);
    alloc_owner o = {.name = "n"};
    alloc_error err;
    void *p = alloc_get(a, &o, 4 * MiB, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(p);
    CHECK_U64(alloc_mapped(a), 4 * MiB);

    int lines = maps_count();
    memset(&err, 0, sizeof(err));
    CHECK(alloc_get(a, &o, 5 * MiB, 0, UH_LIFE_IMAGE, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, 5 * MiB, 4 * MiB, limit, "memory budget");
    if (!SANITIZED)
        CHECK(maps_count() == lines);
    CHECK_U64(alloc_mapped(a), 4 * MiB);

    /* A size no mmap could give is refused by the budget, not the OS. */
    CHECK(alloc_get(a, &o, (size_t)1 << 40, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, (uint64_t)1 << 40, 4 * MiB, limit,
                "memory budget");
    CHECK(alloc_get(a, &o, SIZE_MAX, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, SIZE_MAX, 4 * MiB, limit, "memory budget");
    CHECK(alloc_get(a, &o, SIZE_MAX - 4095, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, SIZE_MAX - 4095, 4 * MiB, limit,
                "memory budget");

    /* Exactly up to the budget is fine. */
    void *q = alloc_get(a, &o, 4 * MiB, 0, UH_LIFE_NODE, &err);
    REQUIRE(q);
    CHECK_U64(alloc_mapped(a), limit);
    /* Now even a small block needs a chunk the budget has no room for. */
    CHECK(alloc_get(a, &o, 10, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, 10, limit, limit, "memory budget");
    alloc_put(a, &o, q, 4 * MiB);
    void *s = alloc_get(a, &o, 10, 0, UH_LIFE_TEMP, &err);
    REQUIRE(s);
    CHECK_U64(alloc_mapped(a), 4 * MiB + alloc_chunk_bytes());
    CHECK_COUNTERS(&o.c, 4 * MiB + 10, 8 * MiB, 8 * MiB + 10, 3, 2, 0);
    alloc_put(a, &o, s, 10);
    alloc_put(a, &o, p, 4 * MiB);
    alloc_destroy(a);
    return 0;
}

/* Small blocks against the budget: the arena grows one chunk at a time. */
static int test_budget_small(void)
{
    uint64_t ck = alloc_chunk_bytes();
    alloc_error err;
    alloc_run *a = make_run(ck - 1);
    REQUIRE(a);
    CHECK(alloc_get(a, NULL, 1, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, 1, 0, ck - 1, "memory budget");
    CHECK_U64(alloc_mapped(a), 0);
    alloc_destroy(a);

    a = make_run(ck);
    REQUIRE(a);
    REQUIRE(alloc_get(a, NULL, 1, 0, UH_LIFE_TEMP, &err));
    /* That took slab 0 of 16; a 40000-byte block takes a whole 64 KiB
     * slab, so 15 more fit and the 16th needs a second chunk. */
    for (int i = 0; i < 15; i++)
        REQUIRE(alloc_get(a, NULL, 40000, 0, UH_LIFE_TEMP, &err));
    CHECK(alloc_get(a, NULL, 40000, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, 40000, ck, ck, "memory budget");
    /* Classes with room left in their slab still work. */
    CHECK(alloc_get(a, NULL, 1, 0, UH_LIFE_TEMP, &err) != NULL);
    CHECK_U64(alloc_mapped(a), ck);
    alloc_destroy(a);
    return 0;
}

/* The OS saying no is UH_ENOMEM with its reason; sizes that cannot even
 * be rounded are refused without a system call. */
static int test_mmap_fail(void)
{
    alloc_run *a = make_run(0);
    REQUIRE(a);
    alloc_owner o = {.name = "n"};
    alloc_error err;
    /* 2^50 bytes: beyond the user address space of every 64-bit Linux. */
    if (sizeof(size_t) >= 8) {
        CHECK(alloc_get(a, &o, (size_t)1 << 50, 0, UH_LIFE_IMAGE, &err) ==
              NULL);
        CHECK_ERROR(&err, UH_ENOMEM, (uint64_t)1 << 50, 0, 0,
                    "mmap: Cannot allocate memory");
    }
    CHECK(alloc_get(a, &o, SIZE_MAX, 0, UH_LIFE_IMAGE, &err) == NULL);
    CHECK_ERROR(&err, UH_ENOMEM, SIZE_MAX, 0, 0, "size too large");
    CHECK_U64(alloc_mapped(a), 0);
    CHECK_U64(alloc_mapped_peak(a), 0);
    CHECK_COUNTERS(&o.c, 0, 0, 0, 0, 0, 0);

    /* With RLIMIT_AS tight, the first chunk cannot be mapped. ASan cannot
     * run under RLIMIT_AS; this part is for plain builds. */
    if (!SANITIZED) {
        struct rlimit old, rl;
        getrlimit(RLIMIT_AS, &old);
        rl = old;
        rl.rlim_cur = 0; /* below what is mapped: every mmap fails */
        if (setrlimit(RLIMIT_AS, &rl) == 0) {
            void *p = alloc_get(a, &o, 100, 0, UH_LIFE_TEMP, &err);
            setrlimit(RLIMIT_AS, &old);
            CHECK(p == NULL);
            CHECK_ERROR(&err, UH_ENOMEM, 100, 0, 0,
                        "mmap: Cannot allocate memory");
            p = alloc_get(a, &o, 100, 0, UH_LIFE_TEMP, &err);
            CHECK(p != NULL);
            alloc_put(a, &o, p, 100);
        }
    }
    alloc_destroy(a);
    return 0;
}

/* fail_at N fails exactly the Nth attempt. */
static int test_fail_at(void)
{
    alloc_config cfg = {.fail_at = 3};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    alloc_owner o = {.name = "n"};
    alloc_error err;
    void *p1 = alloc_get(a, &o, 10, 0, UH_LIFE_TEMP, &err);
    void *p2 = alloc_get(a, &o, 100000, 0, UH_LIFE_TEMP, &err);
    REQUIRE(p1 && p2);
    CHECK(alloc_get(a, &o, 20, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ENOMEM, 20, alloc_chunk_bytes() + 102400, 0,
                "injected failure (allocation 3)");
    void *p4 = alloc_get(a, &o, 30, 0, UH_LIFE_TEMP, &err);
    void *p5 = alloc_get(a, &o, 200000, 0, UH_LIFE_TEMP, &err);
    REQUIRE(p4 && p5);
    CHECK_U64(alloc_attempts(a), 5);
    CHECK_COUNTERS(&o.c, 300040, 300040, 300040, 4, 4, 0);
    alloc_put(a, &o, p1, 10);
    alloc_put(a, &o, p2, 100000);
    alloc_put(a, &o, p4, 30);
    alloc_put(a, &o, p5, 200000);
    alloc_destroy(a);
    return 0;
}

/* fail_persistent fails every attempt from N on, whatever the tier. */
static int test_fail_persistent(void)
{
    alloc_config cfg = {.fail_at = 2, .fail_persistent = 1};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    alloc_error err;
    void *p = alloc_get(a, NULL, 10, 0, UH_LIFE_TEMP, &err);
    REQUIRE(p);
    static const size_t sizes[] = {10, 100000, 1, 5 << 20};
    for (int i = 0; i < 4; i++) {
        CHECK(alloc_get(a, NULL, sizes[i], 0, UH_LIFE_IMAGE, &err) == NULL);
        char want[64];
        snprintf(want, sizeof(want), "injected failure (allocation %d)", i + 2);
        CHECK_ERROR(&err, UH_ENOMEM, sizes[i], alloc_chunk_bytes(), 0, want);
    }
    CHECK_U64(alloc_attempts(a), 5);
    alloc_counters t;
    alloc_totals(a, &t);
    CHECK_COUNTERS(&t, 10, 10, 10, 1, 1, 0);
    alloc_put(a, NULL, p, 10);
    alloc_destroy(a);
    return 0;
}

/* The SQLite-style sweep: fail allocation N = 1, 2, ... of a routine that
 * cleans up after itself until it succeeds; every failure is clean. */
static int build_thing(alloc_run *a, alloc_owner *o, alloc_error *err)
{
    static const size_t sizes[] = {24, 70000, 3000, 1 << 20, 8};
    void *p[5] = {0};
    int ok = 1;
    for (int i = 0; i < 5 && ok; i++) {
        p[i] = alloc_get(a, o, sizes[i], 0, UH_LIFE_NODE, err);
        if (!p[i])
            ok = 0;
        else
            memset(p[i], i, sizes[i]);
    }
    for (int i = 0; i < 5; i++)
        alloc_put(a, o, p[i], sizes[i]);
    return ok;
}

static int test_fail_sweep(void)
{
    for (uint64_t n = 1; n < 100; n++) {
        alloc_config cfg = {.fail_at = n};
        alloc_run *a = alloc_create(&cfg);
        REQUIRE(a);
        alloc_owner o = {.name = "sweep"};
        alloc_error err;
        memset(&err, 0, sizeof(err));
        int ok = build_thing(a, &o, &err);
        CHECK_U64(o.c.current, 0);
        CHECK_U64(o.c.blocks, 0);
        if (ok) {
            CHECK_U64(n, 6);
            CHECK_U64(o.c.count, 5);
            alloc_destroy(a);
            return 0;
        }
        char want[64];
        snprintf(want, sizeof(want),
                 "injected failure (allocation %" PRIu64 ")", n);
        CHECK_STR(err.what, want);
        CHECK_U64(err.status, (uint64_t)(int64_t)UH_ENOMEM);
        CHECK_U64(o.c.count, n - 1);
        /* The same run works again after the failure. */
        CHECK(build_thing(a, &o, &err) == 1);
        alloc_destroy(a);
    }
    fprintf(stderr, "sweep never succeeded\n");
    return 1;
}

/* alloc_destroy unmaps leaked blocks: every page and the RSS come back. */
static int test_destroy_leaks(void)
{
    enum { NSMALL = 3000, NLARGE = 6 };
    static uint8_t *small[NSMALL];
    static uint8_t *large[NLARGE];
    int lines0 = maps_count();
    uint64_t r0 = rss_bytes();
    alloc_run *a = make_run(0);
    REQUIRE(a);
    alloc_owner o = {.name = "leaky"};
    for (int i = 0; i < NSMALL; i++) {
        size_t n = (size_t)(i % 8 + 1) * 1024; /* 1..8 KiB: 13.5 MiB */
        small[i] = alloc_get(a, &o, n, 0, UH_LIFE_NODE, NULL);
        REQUIRE(small[i]);
        memset(small[i], 0x5A, n);
    }
    for (int i = 0; i < NLARGE; i++) {
        large[i] = alloc_get(a, &o, 3 << 20, 0, UH_LIFE_IMAGE, NULL);
        REQUIRE(large[i]);
        memset(large[i], 0xA5, 3 << 20);
    }
    uint64_t r1 = rss_bytes();
    CHECK_U64(o.c.blocks, NSMALL + NLARGE);
    alloc_destroy(a);
    uint64_t r2 = rss_bytes();
    for (int i = 0; i < NSMALL; i += 97)
        CHECK(is_mapped(small[i]) == 0);
    for (int i = 0; i < NLARGE; i++)
        CHECK(is_mapped(large[i]) == 0);
    if (!SANITIZED) {
        CHECK(r1 >= r0 + 30 * MiB);
        if (r2 > r0 + 512 * 1024) {
            fprintf(stderr, "RSS %" PRIu64 " -> %" PRIu64 " -> %" PRIu64 "\n",
                    r0, r1, r2);
            failures++;
        }
        /* No mapping of the run is left, the bookkeeping included. */
        CHECK(maps_count() == lines0);
    }
    return 0;
}

/* Whether a spill of n bytes takes its blocks on disk before a byte is
 * written (posix_fallocate). Other tests free disk space at the same time,
 * so a short count is retried a few times before it counts as a failure. */
static int spill_takes_disk(const alloc_config *cfg, size_t n)
{
    uint64_t taken = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        alloc_run *a = alloc_create(cfg);
        struct statvfs v0, v1;
        if (!a || statvfs(cfg->spill_dir, &v0) != 0)
            return 0;
        void *p = alloc_get(a, NULL, n, 0, UH_LIFE_IMAGE, NULL);
        int ok = statvfs(cfg->spill_dir, &v1) == 0;
        alloc_destroy(a);
        if (!p || !ok)
            return 0;
        taken = v1.f_bfree < v0.f_bfree
                    ? (uint64_t)(v0.f_bfree - v1.f_bfree) * v0.f_frsize
                    : 0;
        if (taken >= n / 8 * 7)
            return 1;
    }
    fprintf(stderr, "spill took %" PRIu64 " bytes of disk, want %zu\n", taken,
            n);
    return 0;
}

/* An image block over the budget goes to an unlinked, preallocated file. */
static int test_spill(void)
{
    const char *dir = scratch_dir();
    const char *fs = NULL;
    if (spill_check_dir(dir, &fs) != 0) {
        fprintf(stderr, "skip: scratch dir %s is not on a disk\n", dir);
        return SKIP;
    }
    char real[PATH_MAX];
    REQUIRE(realpath(dir, real));
    alloc_config cfg = {.limit = 16 * MiB, .spill = 1, .spill_dir = dir};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    alloc_owner o = {.name = "big"};
    alloc_error err;
    size_t n = 64 << 20;
    CHECK(spill_takes_disk(&cfg, n));
    uint32_t *p = alloc_get(a, &o, n, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(p);
    CHECK_U64(alloc_mapped(a), 0);
    CHECK_U64(alloc_spill_mapped(a), n);
    CHECK_COUNTERS(&o.c, n, n, n, 1, 1, n);
    alloc_counters t;
    alloc_totals(a, &t);
    CHECK_COUNTERS(&t, n, n, n, 1, 1, n);

    for (size_t i = 0; i < n / 4; i += 1021)
        p[i] = (uint32_t)(i * 2654435761u);
    int bad = 0;
    for (size_t i = 0; i < n / 4; i += 1021)
        bad += p[i] != (uint32_t)(i * 2654435761u);
    CHECK(bad == 0);

    char line[4096 + 256];
    REQUIRE(maps_line(p, line, sizeof(line)));
    if (!strstr(line, real) || !strstr(line, "(deleted)")) {
        fprintf(stderr, "maps line of the spill: %s", line);
        failures++;
    }
    CHECK(dir_entries(dir) == 0);

    /* Blocks within the budget stay anonymous, even image ones. */
    void *q = alloc_get(a, &o, 4 * MiB, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(q);
    CHECK_U64(alloc_mapped(a), 4 * MiB);
    CHECK_U64(alloc_spill_mapped(a), n);
    /* 4 + 13 MiB passes 16 MiB: this one spills too. */
    void *r = alloc_get(a, &o, 13 * MiB, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(r);
    CHECK_U64(alloc_spill_mapped(a), n + 13 * MiB);
    CHECK_U64(o.c.spilled, n + 13 * MiB);
    /* Other lifetimes do not spill. */
    CHECK(alloc_get(a, &o, 13 * MiB, 0, UH_LIFE_NODE, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, 13 * MiB, 4 * MiB, 16 * MiB, "memory budget");
    CHECK(alloc_get(a, &o, 13 * MiB, 0, UH_LIFE_TEMP, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, 13 * MiB, 4 * MiB, 16 * MiB, "memory budget");

    alloc_put(a, &o, p, n);
    CHECK(maps_line(p, NULL, 0) == 0);
    CHECK_U64(alloc_spill_mapped(a), 13 * MiB);
    alloc_put(a, &o, r, 13 * MiB);
    alloc_put(a, &o, q, 4 * MiB);
    CHECK_U64(alloc_spill_mapped(a), 0);
    CHECK_COUNTERS(&o.c, 0, n + 17 * MiB, n + 17 * MiB, 3, 0, n + 13 * MiB);
    /* A leaked spill block goes with the run. */
    void *leak = alloc_get(a, &o, n, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(leak);
    alloc_destroy(a);
    CHECK(maps_line(leak, NULL, 0) == 0);
    CHECK(dir_entries(dir) == 0);

    /* Without cfg.spill nothing spills. */
    cfg.spill = 0;
    a = alloc_create(&cfg);
    REQUIRE(a);
    CHECK(alloc_get(a, &o, n, 0, UH_LIFE_IMAGE, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, n, 0, 16 * MiB, "memory budget");
    alloc_destroy(a);
    return 0;
}

/* A spill directory on tmpfs is refused: it would be RAM under a name. */
static int test_spill_tmpfs(void)
{
    struct statfs sf;
    if (statfs("/dev/shm", &sf) != 0 || (uint32_t)sf.f_type != 0x01021994u) {
        fprintf(stderr, "skip: /dev/shm is not tmpfs here\n");
        return SKIP;
    }
    const char *fs = NULL;
    CHECK(spill_check_dir("/dev/shm", &fs) == 1);
    CHECK(fs && strcmp(fs, "tmpfs") == 0);
    alloc_config cfg = {.limit = 16 * MiB, .spill = 1, .spill_dir = "/dev/shm"};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    alloc_owner o = {.name = "big"};
    alloc_error err;
    int before = dir_entries("/dev/shm");
    CHECK(alloc_get(a, &o, 64 << 20, 0, UH_LIFE_IMAGE, &err) == NULL);
    CHECK_ERROR(&err, UH_ENOMEM, 64 * MiB, 0, 16 * MiB,
                "spill directory /dev/shm is on tmpfs (RAM)");
    CHECK(dir_entries("/dev/shm") == before);
    CHECK_U64(alloc_spill_mapped(a), 0);
    CHECK_U64(alloc_mapped(a), 0);
    CHECK_COUNTERS(&o.c, 0, 0, 0, 0, 0, 0);
    alloc_destroy(a);
    return 0;
}

/* spill_limit bounds the spill bytes mapped at once. */
static int test_spill_limit(void)
{
    const char *dir = scratch_dir();
    const char *fs = NULL;
    if (spill_check_dir(dir, &fs) != 0)
        return SKIP;
    alloc_config cfg = {.limit = 16 * MiB,
                        .spill = 1,
                        .spill_dir = dir,
                        .spill_limit = 100 * MiB};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    alloc_error err;
    void *p1 = alloc_get(a, NULL, 64 << 20, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(p1);
    CHECK(alloc_get(a, NULL, 64 << 20, 0, UH_LIFE_IMAGE, &err) == NULL);
    CHECK_ERROR(&err, UH_ELIMIT, 64 * MiB, 64 * MiB, 100 * MiB, "spill space");
    void *p3 = alloc_get(a, NULL, 36 << 20, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(p3);
    CHECK_U64(alloc_spill_mapped(a), 100 * MiB);
    alloc_put(a, NULL, p1, 64 << 20);
    void *p2 = alloc_get(a, NULL, 64 << 20, 0, UH_LIFE_IMAGE, &err);
    REQUIRE(p2);
    alloc_counters t;
    alloc_totals(a, &t);
    CHECK_COUNTERS(&t, 100 * MiB, 100 * MiB, 164 * MiB, 3, 2, 164 * MiB);
    alloc_destroy(a);
    return 0;
}

/* A missing or unusable spill directory fails cleanly with its reason. */
static int test_spill_errors(void)
{
    alloc_config cfg = {.limit = 1 * MiB,
                        .spill = 1,
                        .spill_dir = "/nonexistent-uberhost-spill"};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    alloc_error err;
    CHECK(alloc_get(a, NULL, 2 << 20, 0, UH_LIFE_IMAGE, &err) == NULL);
    CHECK_ERROR(&err, UH_ENOMEM, 2 * MiB, 0, 1 * MiB,
                "spill directory /nonexistent-uberhost-spill: No such file "
                "or directory");
    CHECK_U64(alloc_spill_mapped(a), 0);
    alloc_destroy(a);

    /* A regular file where the directory should be. */
    const char *dir = scratch_dir();
    char file[PATH_MAX];
    REQUIRE(snprintf(file, sizeof(file), "%s/not-a-dir", dir) <
            (int)sizeof(file));
    FILE *f = fopen(file, "w");
    REQUIRE(f);
    fclose(f);
    cfg.spill_dir = file;
    a = alloc_create(&cfg);
    REQUIRE(a);
    const char *fs = NULL;
    if (spill_check_dir(dir, &fs) == 0) {
        CHECK(alloc_get(a, NULL, 2 << 20, 0, UH_LIFE_IMAGE, &err) == NULL);
        char want[PATH_MAX + 64];
#ifdef SPILL_NO_O_TMPFILE
        const char *stage = "mkstemp";
#else
        const char *stage = "open";
#endif
        snprintf(want, sizeof(want), "spill: %s in %s: Not a directory", stage,
                 file);
        CHECK_STR(err.what, want);
        CHECK_U64(err.status, (uint64_t)(int64_t)UH_ENOMEM);
    }
    alloc_destroy(a);
    unlink(file);

    /* A spill that would take more than 90 % of the free disk space is
     * refused before anything is written. */
    if (spill_check_dir(dir, &fs) == 0) {
        struct statvfs v;
        REQUIRE(statvfs(dir, &v) == 0);
        uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;
        cfg.spill_dir = dir;
        a = alloc_create(&cfg);
        REQUIRE(a);
        if (avail < SIZE_MAX / 2) {
            size_t ask = (size_t)avail / 100 * 95;
            CHECK(alloc_get(a, NULL, ask, 0, UH_LIFE_IMAGE, &err) == NULL);
            char want[PATH_MAX + 64];
            snprintf(want, sizeof(want), "spill directory %s is too full (",
                     dir);
            if (strncmp(err.what, want, strlen(want)) != 0 ||
                !strstr(err.what, "bytes free; a spill may take 90 % of "
                                  "that)")) {
                fprintf(stderr, "what: %s\n", err.what);
                failures++;
            }
            CHECK_U64(err.status, (uint64_t)(int64_t)UH_ENOMEM);
            CHECK_U64(err.asked, ask);
            CHECK_U64(alloc_spill_mapped(a), 0);
            CHECK(dir_entries(dir) == 0);
        }
        alloc_destroy(a);
    }

    /* $TMPDIR is the default spill directory. */
    setenv("TMPDIR", "/nonexistent-uberhost-tmpdir", 1);
    cfg.spill_dir = NULL;
    a = alloc_create(&cfg);
    REQUIRE(a);
    CHECK(alloc_get(a, NULL, 2 << 20, 0, UH_LIFE_IMAGE, &err) == NULL);
    CHECK_STR(err.what, "spill directory /nonexistent-uberhost-tmpdir: No "
                        "such file or directory");
    alloc_destroy(a);
    return 0;
}

/* posix_fallocate failing (here: RLIMIT_FSIZE, as a full disk would) is
 * an error now, never a SIGBUS later. */
static int test_spill_fallocate(void)
{
    const char *dir = scratch_dir();
    const char *fs = NULL;
    if (spill_check_dir(dir, &fs) != 0)
        return SKIP;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, rl;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    rl = old;
    rl.rlim_cur = 1 << 20;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &rl) == 0);
    alloc_config cfg = {.limit = 1 * MiB, .spill = 1, .spill_dir = dir};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    alloc_error err;
    void *p = alloc_get(a, NULL, 8 << 20, 0, UH_LIFE_IMAGE, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(p == NULL);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "spill: posix_fallocate in %s: File too large",
             dir);
    CHECK_ERROR(&err, UH_ENOMEM, 8 * MiB, 0, 1 * MiB, want);
    CHECK_U64(alloc_spill_mapped(a), 0);
    CHECK(dir_entries(dir) == 0);
    /* The limit gone, the same request works. */
    p = alloc_get(a, NULL, 8 << 20, 0, UH_LIFE_IMAGE, &err);
    CHECK(p != NULL);
    alloc_destroy(a);
    return 0;
}

/* Threads allocating and freeing at once keep every counter exact. */
enum { NTHREADS = 4, ITERS = 20000, LIVE = 64 };

typedef struct worker {
    alloc_run *a;
    alloc_owner own;
    alloc_owner *shared;
    uint64_t want_total, want_count, shared_total, shared_count;
    int bad;
    unsigned seed;
} worker;

static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    uint8_t *p[LIVE] = {0};
    size_t n[LIVE] = {0};
    alloc_owner *who[LIVE] = {0};
    uint8_t tag = (uint8_t)(w->seed * 31 + 7);
    for (int it = 0; it < ITERS; it++) {
        int slot = (int)(next_rand(&w->seed) % LIVE);
        if (p[slot]) {
            if (p[slot][0] != tag || p[slot][n[slot] - 1] != tag)
                w->bad++;
            alloc_put(w->a, who[slot], p[slot], n[slot]);
            p[slot] = NULL;
        }
        unsigned r = next_rand(&w->seed);
        size_t sz = r % 64 == 0 ? 65536 + r % 200000 : 1 + r % 8192;
        size_t align = (size_t)1 << (next_rand(&w->seed) % 13);
        alloc_owner *o = it % 3 == 0 ? w->shared : &w->own;
        p[slot] = alloc_get(w->a, o, sz, align, UH_LIFE_TEMP, NULL);
        if (!p[slot] || (uintptr_t)p[slot] % align) {
            w->bad++;
            continue;
        }
        memset(p[slot], tag, sz);
        n[slot] = sz;
        who[slot] = o;
        if (o == w->shared) {
            w->shared_total += sz;
            w->shared_count++;
        } else {
            w->want_total += sz;
            w->want_count++;
        }
    }
    for (int i = 0; i < LIVE; i++) {
        if (!p[i])
            continue;
        if (p[i][0] != tag || p[i][n[i] - 1] != tag)
            w->bad++;
        alloc_put(w->a, who[i], p[i], n[i]);
    }
    return NULL;
}

static int test_threads(void)
{
    alloc_run *a = make_run(0);
    REQUIRE(a);
    alloc_owner shared = {.name = "shared"};
    static worker w[NTHREADS];
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){.a = a, .shared = &shared, .seed = (unsigned)i + 1};
        w[i].own.name = "own";
        REQUIRE(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    }
    uint64_t total = 0, count = 0, st = 0, sc = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK(w[i].bad == 0);
        CHECK_U64(w[i].own.c.total, w[i].want_total);
        CHECK_U64(w[i].own.c.count, w[i].want_count);
        CHECK_U64(w[i].own.c.current, 0);
        CHECK_U64(w[i].own.c.blocks, 0);
        CHECK(w[i].own.c.peak > 0 && w[i].own.c.peak <= w[i].want_total);
        total += w[i].want_total + w[i].shared_total;
        count += w[i].want_count + w[i].shared_count;
        st += w[i].shared_total;
        sc += w[i].shared_count;
    }
    CHECK_U64(shared.c.total, st);
    CHECK_U64(shared.c.count, sc);
    CHECK_U64(shared.c.current, 0);
    alloc_counters t;
    alloc_totals(a, &t);
    CHECK_U64(t.total, total);
    CHECK_U64(t.count, count);
    CHECK_U64(t.current, 0);
    CHECK_U64(t.blocks, 0);
    CHECK_U64(alloc_attempts(a), count);
    CHECK_U64(alloc_bad_frees(a), 0);
    /* Only arena chunks are left. */
    CHECK_U64(alloc_mapped(a) % alloc_chunk_bytes(), 0);
    alloc_destroy(a);
    return 0;
}

/* Frees the allocator cannot match are counted and do no harm. */
static int test_bad_free(void)
{
    alloc_run *a = make_run(0);
    REQUIRE(a);
    alloc_owner o = {.name = "n"};
    alloc_error err;

    /* Double free: the second is refused, so no block is handed out
     * twice. */
    uint8_t *p = alloc_get(a, &o, 100, 0, UH_LIFE_TEMP, &err);
    REQUIRE(p);
    alloc_put(a, &o, p, 100);
    alloc_put(a, &o, p, 100);
    CHECK_U64(alloc_bad_frees(a), 1);
    void *q1 = alloc_get(a, &o, 100, 0, UH_LIFE_TEMP, &err);
    void *q2 = alloc_get(a, &o, 100, 0, UH_LIFE_TEMP, &err);
    CHECK(q1 && q2 && q1 != q2);
    CHECK_COUNTERS(&o.c, 200, 200, 300, 3, 2, 0);

    /* Foreign and interior pointers. */
    int local = 0;
    alloc_put(a, &o, &local, sizeof(local));
    alloc_put(a, &o, (uint8_t *)q1 + 16, 16);
    CHECK_U64(alloc_bad_frees(a), 3);
    /* A size that cannot be this block's (class 128). */
    alloc_put(a, &o, q1, 1000);
    CHECK_U64(alloc_bad_frees(a), 4);
    CHECK_COUNTERS(&o.c, 200, 200, 300, 3, 2, 0);
    alloc_put(a, &o, q1, 100);
    alloc_put(a, &o, q2, 100);
    CHECK_U64(alloc_bad_frees(a), 4);

    /* A large block freed with the wrong size goes anyway, charged its
     * real size. */
    void *big = alloc_get(a, &o, 100000, 0, UH_LIFE_TEMP, &err);
    REQUIRE(big);
    alloc_put(a, &o, big, 5);
    CHECK_U64(alloc_bad_frees(a), 5);
    CHECK(is_mapped(big) == 0);
    CHECK_COUNTERS(&o.c, 0, 100000, 100300, 4, 0, 0);

    /* A free list overwritten after a free is dropped, not followed. */
    uint8_t *x = alloc_get(a, &o, 32, 0, UH_LIFE_TEMP, &err);
    uint8_t *y = alloc_get(a, &o, 32, 0, UH_LIFE_TEMP, &err);
    REQUIRE(x && y);
    alloc_put(a, &o, y, 32);
    alloc_put(a, &o, x, 32);
#if SANITIZED
    /* ASan would (rightly) stop the write after free below. */
    ASAN_UNPOISON_MEMORY_REGION(x, 32);
#endif
    memset(x, 0x41, 32); /* write after free */
    void *r1 = alloc_get(a, &o, 32, 0, UH_LIFE_TEMP, &err);
    void *r2 = alloc_get(a, &o, 32, 0, UH_LIFE_TEMP, &err);
    CHECK(r1 == x);
    REQUIRE(r2);
    CHECK(r2 != x && (uintptr_t)r2 != 0x4141414141414141u);
    memset(r2, 0, 32);
    CHECK_U64(alloc_bad_frees(a), 6);

    /* NULL everywhere is harmless. */
    alloc_put(a, &o, NULL, 10);
    alloc_put(NULL, &o, x, 10);
    alloc_destroy(NULL);
    alloc_counters t;
    alloc_totals(NULL, &t);
    CHECK_U64(t.count, 0);
    CHECK_U64(alloc_mapped(NULL), 0);
    alloc_destroy(a);
    return 0;
}

static int test_parse_size(void)
{
    static const struct {
        const char *text;
        uint64_t want;
    } good[] = {
        {"0", 0},
        {"1048576", 1048576},
        {"64k", 65536},
        {"64K", 65536},
        {"64KB", 65536},
        {"64kib", 65536},
        {"512M", 536870912},
        {"512mb", 536870912},
        {"2G", 2147483648u},
        {"2GiB", 2147483648u},
        {"1.5G", 1610612736u},
        {"1.5g", 1610612736u},
        {"0.5k", 512},
        {"0.1k", 102},
        {"1.0", 1},
        {"100B", 100},
        {"100b", 100},
        {"3T", (uint64_t)3 << 40},
        {"2p", (uint64_t)2 << 50},
        {"15E", (uint64_t)15 << 60},
        {"0.25E", (uint64_t)1 << 58},
        {"18446744073709551615", UINT64_MAX},
        {"007", 7},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t v = 12345;
        int rc = alloc_parse_size(good[i].text, &v);
        if (rc != 0 || v != good[i].want) {
            fprintf(stderr,
                    "parse \"%s\": rc %d value %" PRIu64 ", want %" PRIu64 "\n",
                    good[i].text, rc, v, good[i].want);
            failures++;
        }
    }
    static const char *const bad[] = {"",
                                      "abc",
                                      "-1",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "1.5",
                                      "1.",
                                      ".5k",
                                      "1x",
                                      "1KB2",
                                      "1iB",
                                      "1Ki",
                                      "1kk",
                                      "16E",
                                      "18446744073709551616",
                                      "99999999999999999999999",
                                      "17179869184G",
                                      "1e3",
                                      "0x10",
                                      "1,5G",
                                      "1.5.5G",
                                      "k",
                                      "1KBB"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 12345;
        int rc = alloc_parse_size(bad[i], &v);
        if (rc == 0 || v != 12345) {
            fprintf(stderr, "parse \"%s\" accepted (%" PRIu64 ")\n", bad[i], v);
            failures++;
        }
    }
    uint64_t v = 1;
    CHECK(alloc_parse_size(NULL, &v) != 0 && v == 1);
    return 0;
}

static int test_default_limit(void)
{
    uint64_t v = alloc_default_limit();
    long pages = sysconf(_SC_PHYS_PAGES);
    uint64_t ram = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
    fprintf(stderr, "default limit %" PRIu64 " of RAM %" PRIu64 "\n", v, ram);
    CHECK(v >= 16 * MiB);
    CHECK(v <= ram / 4 * 3);
    uint64_t cg = alloc_cgroup_limit("/proc/self/cgroup", "/sys/fs/cgroup");
    if (cg && cg < ram)
        CHECK_U64(v, cg / 4 * 3);
    else
        CHECK_U64(v, ram / 4 * 3);
    return 0;
}

/* cgroup files parsed from a fake tree. */
static void put_file(const char *root, const char *rel, const char *text)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof(path))
        return;
    for (char *q = path + strlen(root) + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            mkdir(path, 0755);
            *q = '/';
        }
    }
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int test_cgroup(void)
{
    const char *base = scratch_dir();
    char root[PATH_MAX], proc[PATH_MAX];
    struct {
        const char *name;
        const char *proc;
        const char *files[4][2];
        uint64_t want;
    } cg[] = {
        {"v2",
         "0::/a/b\n",
         {{"a/b/memory.max", "max\n"}, {"a/memory.max", "1073741824\n"}},
         1073741824},
        {"v2min",
         "0::/a/b\n",
         {{"a/b/memory.max", "536870912\n"},
          {"a/memory.max", "1073741824\n"},
          {"memory.max", "max\n"}},
         536870912},
        {"v2none", "0::/a\n", {{"a/memory.max", "max\n"}}, 0},
        {"v2root", "0::/\n", {{"memory.max", "268435456\n"}}, 268435456},
        {"v1",
         "5:cpu,cpuacct:/\n4:memory:/x/y\n0::/\n",
         {{"memory/x/y/memory.limit_in_bytes", "9223372036854771712\n"},
          {"memory/x/memory.limit_in_bytes", "268435456\n"}},
         268435456},
        {"v1none",
         "4:memory:/x\n",
         {{"memory/x/memory.limit_in_bytes", "9223372036854771712\n"},
          {"memory/memory.limit_in_bytes", "9223372036854771712\n"}},
         0},
        {"v1joined",
         "3:cpuacct,memory:/z\n",
         {{"memory/z/memory.limit_in_bytes", "2147483648\n"}},
         2147483648u},
        {"v1nomatch",
         "3:memoryx:/z\n",
         {{"memory/z/memory.limit_in_bytes", "2147483648\n"}},
         0},
        {"hybrid",
         "4:memory:/p\n0::/p\n",
         {{"memory/p/memory.limit_in_bytes", "4294967296\n"},
          {"unified/p/memory.max", "3221225472\n"}},
         3221225472u},
        {"garbage", "0::/g\n", {{"g/memory.max", "lots\n"}}, 0},
        {"nofile", "", {{"memory.max", "1\n"}}, 0},
    };
    for (size_t i = 0; i < sizeof(cg) / sizeof(cg[0]); i++) {
        REQUIRE(snprintf(root, sizeof(root), "%s/%s", base, cg[i].name) <
                (int)sizeof(root));
        mkdir(root, 0755);
        for (int j = 0; j < 4 && cg[i].files[j][0]; j++)
            put_file(root, cg[i].files[j][0], cg[i].files[j][1]);
        REQUIRE(snprintf(proc, sizeof(proc), "%s/%s.cgroup", base, cg[i].name) <
                (int)sizeof(proc));
        FILE *f = fopen(proc, "w");
        REQUIRE(f);
        fputs(cg[i].proc, f);
        fclose(f);
        uint64_t got = alloc_cgroup_limit(proc, root);
        if (got != cg[i].want) {
            fprintf(stderr, "cgroup case %s: %" PRIu64 ", want %" PRIu64 "\n",
                    cg[i].name, got, cg[i].want);
            failures++;
        }
    }
    CHECK_U64(alloc_cgroup_limit("/nonexistent/cgroup", "/sys/fs/cgroup"), 0);
    CHECK_U64(alloc_cgroup_limit(NULL, NULL), 0);
    return 0;
}

/* Many large blocks: the block table grows and every entry stays
 * findable through growth and backward-shift deletion. */
static int test_table(void)
{
    enum { N = 3000 };
    static uint8_t *p[N];
    static size_t n[N];
    static int order[N];
    alloc_run *a = make_run(0);
    REQUIRE(a);
    alloc_owner o = {.name = "many"};
    uint64_t want = 0;
    for (int i = 0; i < N; i++) {
        n[i] = ALLOC_LARGE + (size_t)(i % 16) * 4096 + (size_t)(i % 7);
        p[i] = alloc_get(a, &o, n[i], 0, UH_LIFE_NODE, NULL);
        REQUIRE(p[i]);
        p[i][0] = (uint8_t)i;
        p[i][n[i] - 1] = (uint8_t)(i >> 8);
        want += (n[i] + 4095) / 4096 * 4096;
        order[i] = i;
    }
    CHECK_U64(alloc_mapped(a), want);
    unsigned seed = 12345;
    for (int i = N - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        int j = (int)((seed >> 8) % (unsigned)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    /* Free half in random order, make 1000 more, then free everything. */
    for (int k = 0; k < N / 2; k++) {
        int i = order[k];
        CHECK(p[i][0] == (uint8_t)i && p[i][n[i] - 1] == (uint8_t)(i >> 8));
        alloc_put(a, &o, p[i], n[i]);
        CHECK(is_mapped(p[i]) == 0);
        p[i] = NULL;
    }
    for (int k = 0; k < 1000; k++) {
        int i = order[k];
        p[i] = alloc_get(a, &o, n[i], 4096, UH_LIFE_NODE, NULL);
        REQUIRE(p[i]);
        p[i][0] = (uint8_t)i;
        p[i][n[i] - 1] = (uint8_t)(i >> 8);
    }
    for (int k = N - 1; k >= 0; k--) {
        int i = order[k];
        if (!p[i])
            continue;
        CHECK(p[i][0] == (uint8_t)i && p[i][n[i] - 1] == (uint8_t)(i >> 8));
        alloc_put(a, &o, p[i], n[i]);
        CHECK(is_mapped(p[i]) == 0);
    }
    CHECK_U64(alloc_bad_frees(a), 0);
    CHECK_U64(alloc_mapped(a), 0);
    CHECK_U64(o.c.count, N + 1000);
    CHECK_U64(o.c.blocks, 0);
    CHECK_U64(o.c.current, 0);
    alloc_destroy(a);
    return 0;
}

/* Threads racing for the budget: it is never passed, not even for a
 * moment, and every refusal is a clean ELIMIT; spills race too. */
enum { BT_THREADS = 4, BT_ITERS = 300, BT_LIVE = 4 };

typedef struct bworker {
    alloc_run *a;
    alloc_owner own;
    int image;
    int bad;
    uint64_t ok, refused;
    unsigned seed;
} bworker;

static void *bworker_main(void *arg)
{
    bworker *w = arg;
    uint8_t *p[BT_LIVE] = {0};
    size_t n[BT_LIVE] = {0};
    for (int it = 0; it < BT_ITERS; it++) {
        int slot = it % BT_LIVE;
        if (p[slot]) {
            if (p[slot][0] != (uint8_t)slot ||
                p[slot][n[slot] - 1] != (uint8_t)it)
                w->bad++;
            alloc_put(w->a, &w->own, p[slot], n[slot]);
            p[slot] = NULL;
        }
        w->seed = w->seed * 1103515245u + 12345u;
        size_t sz = ((size_t)2 << 20) + 1 + (w->seed >> 8) % (2u << 20);
        alloc_error err;
        p[slot] = alloc_get(w->a, &w->own, sz, 0,
                            w->image ? UH_LIFE_IMAGE : UH_LIFE_NODE, &err);
        if (!p[slot]) {
            if (err.status != UH_ELIMIT || err.asked != sz ||
                (strcmp(err.what, "memory budget") != 0 &&
                 strcmp(err.what, "spill space") != 0)) {
                fprintf(stderr, "unexpected failure: %d %s\n", (int)err.status,
                        err.what);
                w->bad++;
            }
            w->refused++;
            continue;
        }
        w->ok++;
        n[slot] = sz;
        p[slot][0] = (uint8_t)slot;
        p[slot][sz - 1] = (uint8_t)(it + BT_LIVE);
    }
    for (int i = 0; i < BT_LIVE; i++)
        if (p[i])
            alloc_put(w->a, &w->own, p[i], n[i]);
    return NULL;
}

static int test_threads_budget(void)
{
    const char *dir = scratch_dir();
    const char *fs = NULL;
    int can_spill = spill_check_dir(dir, &fs) == 0;
    /* Each thread keeps 4 blocks of more than 2 MiB: alone it passes the
     * 8 MiB budget, so refusals (and spills) happen in any interleaving. */
    alloc_config cfg = {.limit = 8 * MiB,
                        .spill = can_spill,
                        .spill_dir = dir,
                        .spill_limit = 16 * MiB};
    alloc_run *a = alloc_create(&cfg);
    REQUIRE(a);
    static bworker w[BT_THREADS];
    pthread_t th[BT_THREADS];
    for (int i = 0; i < BT_THREADS; i++) {
        w[i] = (bworker){.a = a, .image = i % 2, .seed = (unsigned)i * 77 + 1};
        w[i].own.name = "racer";
        REQUIRE(pthread_create(&th[i], NULL, bworker_main, &w[i]) == 0);
    }
    uint64_t ok = 0, refused = 0;
    for (int i = 0; i < BT_THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK(w[i].bad == 0);
        CHECK_U64(w[i].own.c.count, w[i].ok);
        CHECK_U64(w[i].own.c.current, 0);
        ok += w[i].ok;
        refused += w[i].refused;
    }
    fprintf(stderr, "%" PRIu64 " granted, %" PRIu64 " refused\n", ok, refused);
    CHECK(refused > 0);
    CHECK(alloc_mapped_peak(a) <= cfg.limit);
    CHECK_U64(alloc_mapped(a), 0);
    CHECK_U64(alloc_spill_mapped(a), 0);
    alloc_counters t;
    alloc_totals(a, &t);
    CHECK_U64(t.count, ok);
    CHECK_U64(alloc_attempts(a), ok + refused);
    if (can_spill)
        CHECK(t.spilled > 0);
    alloc_destroy(a);
    return 0;
}

/* Under ASan the arena poisons what is not handed out. */
static int test_asan_poison(void)
{
#if SANITIZED
    alloc_run *a = make_run(0);
    REQUIRE(a);
    uint8_t *p = alloc_get(a, NULL, 100, 0, UH_LIFE_TEMP, NULL);
    REQUIRE(p);
    CHECK(!__asan_address_is_poisoned(p));
    CHECK(!__asan_address_is_poisoned(p + 99));
    CHECK(__asan_address_is_poisoned(p + 100));
    CHECK(__asan_address_is_poisoned(p + 127));
    CHECK(__asan_address_is_poisoned(p + 128)); /* never handed out */
    alloc_put(a, NULL, p, 100);
    CHECK(__asan_address_is_poisoned(p));
    CHECK(__asan_address_is_poisoned(p + 50));
    uint8_t *q = alloc_get(a, NULL, 120, 0, UH_LIFE_TEMP, NULL);
    CHECK(q == p);
    CHECK(!__asan_address_is_poisoned(q + 119));
    CHECK(__asan_address_is_poisoned(q + 120));
    uint8_t *big = alloc_get(a, NULL, 70000, 0, UH_LIFE_TEMP, NULL);
    REQUIRE(big);
    CHECK(!__asan_address_is_poisoned(big + 69999));
    CHECK(__asan_address_is_poisoned(big + 70000));
    CHECK(__asan_address_is_poisoned(big + 73727));
    alloc_put(a, NULL, big, 70000);
    /* A new mapping at the same place starts clean. */
    uint8_t *big2 = alloc_get(a, NULL, 73728, 0, UH_LIFE_TEMP, NULL);
    REQUIRE(big2);
    memset(big2, 1, 73728);
    alloc_destroy(a);
    return 0;
#else
    fprintf(stderr, "skip: not an ASan build\n");
    return SKIP;
#endif
}

/* ------------------------------------------------------------------------ */
/* Runner                                                                   */

static const struct {
    const char *name;
    int (*fn)(void);
} cases[] = {
    {"counters", test_counters},
    {"align", test_align},
    {"reuse", test_reuse},
    {"large_unmap", test_large_unmap},
    {"budget", test_budget},
    {"budget_small", test_budget_small},
    {"mmap_fail", test_mmap_fail},
    {"fail_at", test_fail_at},
    {"fail_persistent", test_fail_persistent},
    {"fail_sweep", test_fail_sweep},
    {"destroy_leaks", test_destroy_leaks},
    {"spill", test_spill},
    {"spill_tmpfs", test_spill_tmpfs},
    {"spill_limit", test_spill_limit},
    {"spill_errors", test_spill_errors},
    {"spill_fallocate", test_spill_fallocate},
    {"threads", test_threads},
    {"bad_free", test_bad_free},
    {"parse_size", test_parse_size},
    {"default_limit", test_default_limit},
    {"cgroup", test_cgroup},
    {"table", test_table},
    {"threads_budget", test_threads_budget},
    {"asan_poison", test_asan_poison},
};

int main(int argc, char **argv)
{
    size_t n = sizeof(cases) / sizeof(cases[0]);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE | --list\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            int rc = cases[i].fn();
            if (rc == SKIP)
                return SKIP;
            if (rc != 0 || failures) {
                fprintf(stderr, "%s: FAILED (%d checks)\n", argv[1], failures);
                return 1;
            }
            return 0;
        }
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
