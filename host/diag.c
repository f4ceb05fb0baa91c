/* Diagnostics: first error wins, warnings kept in order, printed once. */
#include "diag.h"

#include <stdio.h>
#include <string.h>

void diag_init(diag *d)
{
    memset(d, 0, sizeof(*d));
}

int diag_vset(diag *d, int code, const char *fmt, va_list ap)
{
    if (d->code != 0)
        return code;
    d->code = code;
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    return code;
}

int diag_set(diag *d, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vset(d, code, fmt, ap);
    va_end(ap);
    return code;
}

void diag_warn(diag *d, const char *fmt, ...)
{
    va_list ap;
    if (d->n_warn >= DIAG_WARN_MAX) {
        d->n_warn_dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(d->warn[d->n_warn], sizeof(d->warn[0]), fmt, ap);
    va_end(ap);
    d->n_warn++;
}

void diag_print(const diag *d)
{
    for (unsigned i = 0; i < d->n_warn; i++)
        fprintf(stderr, "uberhost: warning: %s\n", d->warn[i]);
    if (d->n_warn_dropped)
        fprintf(stderr, "uberhost: warning: %u more warnings not shown\n",
                d->n_warn_dropped);
    if (d->code != 0)
        fprintf(stderr, "uberhost: %s\n", d->msg);
}
