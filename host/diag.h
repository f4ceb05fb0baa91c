/* Diagnostics: the one place error messages are kept and formatted. A diag
 * holds the first error of an operation (its exit code and full message)
 * and any warnings; whoever owns the diag prints it. */
#ifndef UH_DIAG_H
#define UH_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#define DIAG_MSG_MAX  2048
#define DIAG_WARN_MAX 32

typedef struct diag {
    int code;               /* exit code (EXIT_*), 0 while no error */
    char msg[DIAG_MSG_MAX]; /* one line, no "uberhost: " prefix, no newline */
    unsigned n_warn;        /* warnings kept (at most DIAG_WARN_MAX) */
    unsigned n_warn_dropped;
    char warn[DIAG_WARN_MAX][512];
} diag;

void diag_init(diag *d);

/* Records an error unless one is recorded already (the first error wins).
 * Returns `code`, so callers write `return diag_set(d, EXIT_GRAPH, ...)`. */
int diag_set(diag *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int diag_vset(diag *d, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Adds a warning line. */
void diag_warn(diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints warnings, then the error if any, to stderr as
 * "uberhost: warning: ..." and "uberhost: ...". */
void diag_print(const diag *d);

#endif
