/* Replays files through LLVMFuzzerTestOneInput without libFuzzer (gcc,
 * valgrind, ctest): each argument is a file or a directory, whose regular
 * files (names not starting with '.', sorted by name, not recursive) are
 * run in turn. A broken invariant abort()s inside the target; otherwise
 * exits 0 after a summary on stderr (nothing goes to stdout). A file
 * that cannot be read is exit code 1, and so is an empty directory or
 * command line: a replay of nothing must not pass. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzzhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int replay_file(const char *path, double *slowest, char *slow_name,
                       size_t slow_cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        perror(path);
        free(buf);
        return -1;
    }
    /* An exact-size copy, so reads past the end are caught by ASan. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    double t0 = now();
    LLVMFuzzerTestOneInput(exact, len);
    double dt = now() - t0;
    if (dt > *slowest) {
        *slowest = dt;
        snprintf(slow_name, slow_cap, "%s", path);
    }
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int n = 0, rc = 0;
    double slowest = 0;
    char slow_name[1024] = "";
    for (int i = 1; i < argc && rc == 0; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = 1;
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i], &slowest, slow_name, sizeof(slow_name)))
                rc = 1;
            n++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            perror(argv[i]);
            rc = 1;
            break;
        }
        char **names = NULL;
        size_t nn = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            if (nn == cap) {
                cap = cap ? cap * 2 : 64;
                char **nb = realloc(names, cap * sizeof(*names));
                if (!nb)
                    abort();
                names = nb;
            }
            size_t l = strlen(argv[i]) + strlen(e->d_name) + 2;
            names[nn] = malloc(l);
            if (!names[nn])
                abort();
            snprintf(names[nn], l, "%s/%s", argv[i], e->d_name);
            nn++;
        }
        closedir(d);
        qsort(names, nn, sizeof(*names), by_name);
        for (size_t k = 0; k < nn; k++) {
            struct stat fs;
            if (rc == 0 && stat(names[k], &fs) == 0 && S_ISREG(fs.st_mode)) {
                if (replay_file(names[k], &slowest, slow_name,
                                sizeof(slow_name)))
                    rc = 1;
                n++;
            }
            free(names[k]);
        }
        free(names);
    }
    fz_cleanup();
    if (rc == 0 && n == 0) {
        fprintf(stderr, "%s: no inputs to replay\n", argv[0]);
        rc = 1;
    }
    if (rc == 0)
        fprintf(stderr, "%s: replayed %d inputs, slowest %.3f s (%s)\n",
                argv[0], n, slowest, slow_name);
    return rc;
}
