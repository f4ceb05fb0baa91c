/* Tests of the PNG row unfilter (plugins/png/unfilter.c linked directly):
 * the fast png_unfilter_row against the plain C png_unfilter_row_ref for
 * every filter, every pixel size 1..8 and many row lengths, out of place and
 * in place, on random rows and on rows of few values (which make Paeth's
 * ties common); both against rows computed by hand from the spec; bad
 * arguments; and that nothing past a row is read or written (rows end at
 * the end of their malloc block for ASan, outputs carry a canary). Prints a
 * throughput table for information, never as a pass/fail criterion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "unfilter.h"

/* A second copy of the unfilter with SSE4.1 off: on a CPU with SSE4.1 the
 * linked copy runs its SSE4.1 Paeth, and this one the SSE2 Paeth, so both
 * are checked. */
int png_unfilter_row_sse2(int filter, unsigned bpp, const uint8_t *in,
                          const uint8_t *prev, uint8_t *out, size_t n);
int png_unfilter_row_ref_copy(int filter, unsigned bpp, const uint8_t *in,
                              const uint8_t *prev, uint8_t *out, size_t n);
#define UNF_NO_SSE41
#define png_unfilter_row     png_unfilter_row_sse2
#define png_unfilter_row_ref png_unfilter_row_ref_copy
#include "unfilter.c"
#undef png_unfilter_row
#undef png_unfilter_row_ref

static int failures;
static long checks;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        checks++;                                                              \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);               \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
        }                                                                      \
    } while (0)

#define GUARD 16 /* canary bytes after each output row */

typedef int (*unfilter_fn)(int, unsigned, const uint8_t *, const uint8_t *,
                           uint8_t *, size_t);

/* The versions checked against png_unfilter_row_ref. */
static const struct impl {
    unfilter_fn fn;
    const char *name;
} fast_impls[] = {
    {png_unfilter_row, "fast"},
    {png_unfilter_row_sse2, "sse2"},
};
#define N_IMPLS (sizeof fast_impls / sizeof fast_impls[0])

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* xorshift64, fixed seed: the same rows on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (uint32_t)(x >> 32);
}

/* mode 0: uniform bytes; 1: extremes and midpoints (wraps, 9-bit sums);
 * 2: 0..3 (Paeth ties everywhere). */
static void fill(uint8_t *p, size_t n, int mode)
{
    static const uint8_t few[] = {0, 1, 2, 127, 128, 129, 254, 255};
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rng();
        p[i] = mode == 0   ? (uint8_t)(r >> 24)
               : mode == 1 ? few[r >> 29]
                           : (uint8_t)(r >> 30);
    }
}

static uint8_t canary(size_t i)
{
    return (uint8_t)(i * 37 + 11);
}

static void set_canary(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < GUARD; i++)
        p[n + i] = canary(i);
}

static int canary_ok(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < GUARD; i++)
        if (p[n + i] != canary(i))
            return 0;
    return 1;
}

/* Index of the first differing byte, or n. */
static size_t first_diff(const uint8_t *x, const uint8_t *y, size_t n)
{
    size_t i = 0;
    while (i < n && x[i] == y[i])
        i++;
    return i;
}

/* One row: each fast version against ref, out of place and in place. */
static void check_row(int filter, unsigned bpp, size_t n, int mode)
{
    /* in, prev and the in-place rows are exactly n bytes, ending where
     * their block ends, so ASan sees any read past the row. */
    uint8_t *in = xmalloc(n), *prev = xmalloc(n);
    uint8_t *in0 = xmalloc(n), *prev0 = xmalloc(n);
    uint8_t *ref = xmalloc(n + GUARD), *fast = xmalloc(n + GUARD);
    uint8_t *ip = xmalloc(n);
    fill(in, n, mode);
    fill(prev, n, mode);
    memcpy(in0, in, n);
    memcpy(prev0, prev, n);
    memset(ref, 0x5a, n);
    set_canary(ref, n);

    int rr = png_unfilter_row_ref(filter, bpp, in, prev, ref, n);
    CHECK(rr == 0, "ref filter %d bpp %u n %zu: returned %d", filter, bpp, n,
          rr);
    CHECK(canary_ok(ref, n), "ref filter %d bpp %u n %zu: wrote past the row",
          filter, bpp, n);
    memcpy(ip, in, n);
    rr = png_unfilter_row_ref(filter, bpp, ip, prev, ip, n);
    size_t d = first_diff(ref, ip, n);
    CHECK(rr == 0 && d == n,
          "ref filter %d bpp %u n %zu mode %d: in place differs at %zu", filter,
          bpp, n, mode, d);

    for (size_t k = 0; k < N_IMPLS; k++) {
        const char *name = fast_impls[k].name;
        memset(fast, 0x5a, n);
        set_canary(fast, n);
        int rf = fast_impls[k].fn(filter, bpp, in, prev, fast, n);
        d = first_diff(ref, fast, n);
        CHECK(rf == 0 && d == n,
              "%s filter %d bpp %u n %zu mode %d: returned %d, out of place "
              "differs at %zu (ref %u, got %u)",
              name, filter, bpp, n, mode, rf, d, d < n ? ref[d] : 0,
              d < n ? fast[d] : 0);
        CHECK(canary_ok(fast, n),
              "%s filter %d bpp %u n %zu: wrote past the row", name, filter,
              bpp, n);
        CHECK(!memcmp(in, in0, n) && !memcmp(prev, prev0, n),
              "%s filter %d bpp %u n %zu: changed in or prev", name, filter,
              bpp, n);

        memcpy(ip, in, n);
        rf = fast_impls[k].fn(filter, bpp, ip, prev, ip, n);
        d = first_diff(ref, ip, n);
        CHECK(rf == 0 && d == n,
              "%s filter %d bpp %u n %zu mode %d: returned %d, in place "
              "differs at %zu",
              name, filter, bpp, n, mode, rf, d);
        CHECK(!memcmp(prev, prev0, n),
              "%s filter %d bpp %u n %zu: changed prev", name, filter, bpp, n);
    }

    free(in);
    free(prev);
    free(in0);
    free(prev0);
    free(ref);
    free(fast);
    free(ip);
}

static void test_random_rows(void)
{
    static const size_t big[] = {
        255,   256,   257,   1000,  1001,      1003,      16384,     16385,
        16387, 16389, 16390, 16392, 16384 + 7, 16384 - 1, 16384 - 2, 16384 - 3};
    for (int filter = 0; filter <= 4; filter++) {
        for (unsigned bpp = 1; bpp <= 8; bpp++) {
            for (int mode = 0; mode < 3; mode++) {
                for (size_t n = 0; n <= 70; n++)
                    check_row(filter, bpp, n, mode);
                for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
                    check_row(filter, bpp, big[k], mode);
                check_row(filter, bpp, 4096 * bpp, mode);
                check_row(filter, bpp, 4096 * bpp + 1, mode);
                check_row(filter, bpp, 4096 * bpp + bpp - 1, mode);
            }
        }
    }
}

/* A whole image the way the decoder runs it: every row in place, a random
 * filter per row, prev the row unfiltered just before (zeros first). */
static void test_image(unfilter_fn fn, const char *name, unsigned bpp,
                       size_t rowbytes, int rows)
{
    uint8_t *img = xmalloc(rowbytes * rows), *fast = xmalloc(rowbytes * rows);
    uint8_t *ref = xmalloc(rowbytes * rows), *zeros = xmalloc(rowbytes);
    int *filters = xmalloc(sizeof(int) * rows);
    fill(img, rowbytes * rows, 0);
    memset(zeros, 0, rowbytes);
    memcpy(fast, img, rowbytes * rows);
    for (int y = 0; y < rows; y++)
        filters[y] = (int)(rng() % 5);
    for (int y = 0; y < rows; y++) {
        const uint8_t *pf = y ? fast + (y - 1) * rowbytes : zeros;
        const uint8_t *pr = y ? ref + (y - 1) * rowbytes : zeros;
        uint8_t *rowf = fast + y * rowbytes;
        int rf = fn(filters[y], bpp, rowf, pf, rowf, rowbytes);
        int rr = png_unfilter_row_ref(filters[y], bpp, img + y * rowbytes, pr,
                                      ref + y * rowbytes, rowbytes);
        CHECK(rf == 0 && rr == 0, "image bpp %u row %d: returned %d/%d", bpp, y,
              rf, rr);
    }
    size_t d = first_diff(ref, fast, rowbytes * rows);
    CHECK(d == rowbytes * rows, "%s image bpp %u: differs at row %zu byte %zu",
          name, bpp, d / rowbytes, d % rowbytes);
    free(img);
    free(fast);
    free(ref);
    free(zeros);
    free(filters);
}

/* Runs fn on a hand-computed row, out of place and in place. */
static void check_known(unfilter_fn fn, const char *name, int filter,
                        unsigned bpp, const uint8_t *in, const uint8_t *prev,
                        const uint8_t *want, size_t n)
{
    uint8_t out[64 + GUARD], ip[64];
    memset(out, 0x5a, n);
    set_canary(out, n);
    int r = fn(filter, bpp, in, prev, out, n);
    CHECK(r == 0, "%s known filter %d bpp %u: returned %d", name, filter, bpp,
          r);
    size_t d = first_diff(out, want, n);
    CHECK(d == n, "%s known filter %d bpp %u: byte %zu is %u, want %u", name,
          filter, bpp, d, d < n ? out[d] : 0, d < n ? want[d] : 0);
    CHECK(canary_ok(out, n), "%s known filter %d bpp %u: wrote past the row",
          name, filter, bpp);
    memcpy(ip, in, n);
    r = fn(filter, bpp, ip, prev, ip, n);
    CHECK(r == 0 && !memcmp(ip, want, n),
          "%s known filter %d bpp %u: in place wrong", name, filter, bpp);
}

static void test_known(unfilter_fn fn, const char *name)
{
    /* None: a copy. */
    {
        const uint8_t in[] = {9, 8, 7}, prev[] = {1, 2, 3};
        const uint8_t want[] = {9, 8, 7};
        check_known(fn, name, 0, 1, in, prev, want, 3);
    }
    /* Sub, bpp 2: out[i] = in[i] + out[i-2]; 255 + 4 wraps to 3,
     * 255 + 6 to 5. */
    {
        const uint8_t in[] = {1, 2, 3, 4, 255, 255}, prev[6] = {0};
        const uint8_t want[] = {1, 2, 4, 6, 3, 5};
        check_known(fn, name, 1, 2, in, prev, want, 6);
    }
    /* Up: 200 + 100 wraps to 44. */
    {
        const uint8_t in[] = {200, 1}, prev[] = {100, 2};
        const uint8_t want[] = {44, 3};
        check_known(fn, name, 2, 1, in, prev, want, 2);
    }
    /* Average, bpp 1: 1 + (0 + 3) / 2 = 2; 2 + (2 + 255) / 2 = 130;
     * 255 + (130 + 4) / 2 = 322 = 66 mod 256. */
    {
        const uint8_t in[] = {1, 2, 255}, prev[] = {3, 255, 4};
        const uint8_t want[] = {2, 130, 66};
        check_known(fn, name, 3, 1, in, prev, want, 3);
    }
    /* Average, bpp 4, the 9-bit sum: pixel 0 is 255 + 0 / 2; pixel 1 is
     * 1 + (255 + 255) / 2 = 256 = 0, and 1 + (255 + 254) / 2 = 255 (floor,
     * not rounded up) in the last byte. */
    {
        const uint8_t in[] = {255, 255, 255, 255, 1, 1, 1, 1};
        const uint8_t prev[] = {0, 0, 0, 0, 255, 255, 255, 254};
        const uint8_t want[] = {255, 255, 255, 255, 0, 0, 0, 255};
        check_known(fn, name, 3, 4, in, prev, want, 8);
    }
    /* Paeth, bpp 4, two pixels. Pixel 0 (a = c = 0) is in + prev:
     * 11 22 33 44. Pixel 1, p = a + b - c:
     *  byte 4: a 11, b 50, c 10: p 51, pa 40 pb 1 pc 41 -> b: 5 + 50 = 55
     *  byte 5: a 22, b 20, c 20: p 22, pa 0 -> a: 6 + 22 = 28
     *  byte 6: a 33, b 27, c 30: p 30, pa 3 pb 3 pc 0 -> c: 7 + 30 = 37
     *  byte 7: a 44, b 250, c 40: p 254, pa 210 pb 4 pc 214 -> b:
     *          8 + 250 = 258 = 2 */
    {
        const uint8_t in[] = {1, 2, 3, 4, 5, 6, 7, 8};
        const uint8_t prev[] = {10, 20, 30, 40, 50, 20, 27, 250};
        const uint8_t want[] = {11, 22, 33, 44, 55, 28, 37, 2};
        check_known(fn, name, 4, 4, in, prev, want, 8);
    }
    /* Paeth, bpp 3, the tie rules. Pixel 0: 236 + 100 = 80, 10 + 100 = 110,
     * 5 + 0 = 5. Pixel 1:
     *  byte 3: a 80, b 110, c 100: p 90, pa 10 pb 20 pc 10 -> a (a before
     *          c): 7 + 80 = 87
     *  byte 4: a 110, b 80, c 100: p 90, pa 20 pb 10 pc 10 -> b (b before
     *          c): 200 + 80 = 280 = 24
     *  byte 5: a 5, b 255, c 0: p 260, pa 255 pb 5 pc 260 -> b:
     *          3 + 255 = 258 = 2 */
    {
        const uint8_t in[] = {236, 10, 5, 7, 200, 3};
        const uint8_t prev[] = {100, 100, 0, 110, 80, 255};
        const uint8_t want[] = {80, 110, 5, 87, 24, 2};
        check_known(fn, name, 4, 3, in, prev, want, 6);
    }
}

static void test_bad_args(unfilter_fn fn, const char *name)
{
    uint8_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, prev[8] = {0}, out[8 + GUARD];
    static const int bad_filters[] = {5, -1, 255, 1000};
    for (size_t k = 0; k < sizeof bad_filters / sizeof bad_filters[0]; k++) {
        memset(out, 0x5a, 8);
        set_canary(out, 8);
        int r = fn(bad_filters[k], 4, in, prev, out, 8);
        int untouched = canary_ok(out, 8);
        for (int i = 0; i < 8; i++)
            untouched &= out[i] == 0x5a;
        CHECK(r == -1, "%s filter %d: returned %d", name, bad_filters[k], r);
        CHECK(untouched, "%s filter %d: wrote to out", name, bad_filters[k]);
    }
    /* Outside the documented 1..8, bpp is refused too. */
    CHECK(fn(1, 0, in, prev, out, 8) == -1, "%s bpp 0 accepted", name);
    CHECK(fn(1, 9, in, prev, out, 8) == -1, "%s bpp 9 accepted", name);
    /* An empty row touches nothing, not even the pointers. */
    for (int f = 0; f <= 4; f++)
        CHECK(fn(f, 4, NULL, NULL, NULL, 0) == 0, "%s filter %d: n 0 failed",
              name, f);
}

/* ------------------------------------------------------------------------ */
/* Throughput, for information                                              */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Rows of a 4096 x 4096 image of bpp bytes per pixel, every row `filter`,
 * decoded row after row (prev is the row just unfiltered): all 4096 rows,
 * or fewer if they take more than a quarter of a second (sanitizer builds).
 * Returns MB/s of output. */
static double bench(unfilter_fn fn, int filter, unsigned bpp, unsigned *sum)
{
    const size_t row = 4096 * (size_t)bpp;
    uint8_t *in = xmalloc(row), *buf = xmalloc(2 * row);
    fill(in, row, 0);
    memset(buf, 0, 2 * row);
    int y = 0;
    double t0 = now(), t = 0;
    while (y < 4096 && t < 0.25) {
        for (int end = y + 64; y < end; y++) {
            uint8_t *out = buf + (y & 1) * row;
            const uint8_t *prev = buf + (~y & 1) * row;
            fn(filter, bpp, in, prev, out, row);
        }
        t = now() - t0;
    }
    for (size_t i = 0; i < 2 * row; i += 97)
        *sum += buf[i];
    free(in);
    free(buf);
    return (double)row * y / 1e6 / (t > 0 ? t : 1e-9);
}

static void print_bench(void)
{
    static const char *names[] = {"none", "sub", "up", "average", "paeth"};
    static const struct {
        int filter;
        unsigned bpp;
    } cases[] = {{4, 4}, {4, 3}, {4, 8}, {4, 2},
                 {4, 1}, {3, 4}, {1, 4}, {2, 4}};
    unsigned sum = 0;
    printf("unfilter throughput, 4096 px rows, one filter for every row:\n");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int f = cases[k].filter;
        unsigned bpp = cases[k].bpp;
        double fast = bench(png_unfilter_row, f, bpp, &sum);
        double sse2 = bench(png_unfilter_row_sse2, f, bpp, &sum);
        double ref = bench(png_unfilter_row_ref, f, bpp, &sum);
        printf("  %-7s bpp %u: fast %5.0f MB/s, sse2-only %5.0f MB/s, "
               "ref %4.0f MB/s (fast %.1fx ref)\n",
               names[f], bpp, fast, sse2, ref, fast / ref);
    }
    printf("  (checksum %u)\n", sum);
}

/* png.save's forward filters (filter.c) undone by the reference gives the
 * row back, for every filter, bpp and many lengths; the filter byte leads;
 * the adaptive choice's row is one of the candidates and has the least
 * score. */
static void test_forward(void)
{
    for (unsigned bpp = 1; bpp <= 8; bpp++) {
        for (size_t n = 1; n <= 200; n += (n < 20 ? 1 : 37)) {
            uint8_t *cur = xmalloc(n), *prev = xmalloc(n), *back = xmalloc(n);
            uint8_t *f = xmalloc(n + 1), *tmp = xmalloc(2 * (n + 1));
            fill(cur, n, 0);
            fill(prev, n, 0);
            uint64_t least = UINT64_MAX;
            for (int t = 0; t <= 4; t++) {
                uint64_t sc = png_filter_row(t, bpp, cur, prev, f, n);
                least = sc < least ? sc : least;
                CHECK(f[0] == t, "forward %d bpp %u n %zu: type byte %u", t,
                      bpp, n, f[0]);
                png_unfilter_row_ref(t, bpp, f + 1, prev, back, n);
                CHECK(memcmp(back, cur, n) == 0,
                      "forward %d bpp %u n %zu: round trip differs at %zu", t,
                      bpp, n, first_diff(back, cur, n));
            }
            const uint8_t *best = png_filter_best(0x1f, bpp, cur, prev, tmp, n);
            CHECK(best == tmp || best == tmp + n + 1, "best: inside tmp");
            uint64_t sc = png_filter_row(best[0], bpp, cur, prev, f, n);
            CHECK(sc == least && memcmp(f, best, n + 1) == 0,
                  "best bpp %u n %zu: type %u score %llu, least %llu", bpp, n,
                  best[0], (unsigned long long)sc, (unsigned long long)least);
            free(cur);
            free(prev);
            free(back);
            free(f);
            free(tmp);
        }
    }
}

int main(void)
{
    test_forward();
    test_known(png_unfilter_row_ref, "ref");
    test_bad_args(png_unfilter_row_ref, "ref");
    for (size_t k = 0; k < N_IMPLS; k++) {
        test_known(fast_impls[k].fn, fast_impls[k].name);
        test_bad_args(fast_impls[k].fn, fast_impls[k].name);
    }
    test_random_rows();
    for (size_t k = 0; k < N_IMPLS; k++) {
        for (unsigned bpp = 1; bpp <= 8; bpp++) {
            test_image(fast_impls[k].fn, fast_impls[k].name, bpp, 61 * bpp, 40);
            test_image(fast_impls[k].fn, fast_impls[k].name, bpp, 61 * bpp + 1,
                       40);
        }
    }
    print_bench();
    printf("test_unfilter: %ld checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
