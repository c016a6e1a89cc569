/* SPDX-License-Identifier: BSD-2-Clause */
#include "common/lineerr.h"

void lineerr_vprint(FILE *err, const char *name, int line, const char *fmt, va_list ap)
{
    if (err == NULL) {
        return;
    }
    fprintf(err, "%s:%d: ", name, line);
    vfprintf(err, fmt, ap);
    fputc('\n', err);
}
