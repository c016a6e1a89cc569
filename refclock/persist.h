/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * persist: the two small files that let a restart resume where the last run stopped: the drift
 * file (chrony's format: the clock's natural frequency error in ppm, positive = fast, and its
 * skew in ppm) and the last time the clock was known right (dumpdir/lasttime, seconds since
 * the epoch: a floor for the NMEA week-rollover pivot). Writes are atomic: a temporary file,
 * fsync, rename, so a crash or power loss leaves the old file or the new one, never half.
 */
#ifndef GN_PERSIST_H
#define GN_PERSIST_H

#include <stdbool.h>
#include <stdint.h>

/* Replace path with text atomically (path.tmp + fsync + rename). 0 or -errno. */
int pst_write_atomic(const char *path, const char *text);
/* Read a drift file. 0, -ENOENT (no file yet), or -EINVAL (not understood: a frequency beyond
 * +-500 ppm or a skew outside [0, 100) ppm). */
int pst_read_drift(const char *path, double *freq_ppm, double *skew_ppm);
int pst_write_drift(const char *path, double freq_ppm, double skew_ppm);
/* The last-time file. 0, -ENOENT or -EINVAL. */
int pst_read_lasttime(const char *path, int64_t *t_ns);
int pst_write_lasttime(const char *path, int64_t t_ns);

#endif
