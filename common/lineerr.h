/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lineerr: one format for the errors of every line-oriented file the daemon reads (the
 * configuration, the key file): "FILE:LINE: message", so that an administrator's editor can
 * jump to it.
 */
#ifndef GN_COMMON_LINEERR_H
#define GN_COMMON_LINEERR_H

#include <stdarg.h>
#include <stdio.h>

/* Write "NAME:LINE: " and the message to ERR (nothing when ERR is NULL). */
void lineerr_vprint(FILE *err, const char *name, int line, const char *fmt, va_list ap);

#endif
