/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * statlog: the statistics logs, as chrony's (`logdir DIR`, `log tracking measurements
 * statistics refclocks`): one file per kind in the log directory, one line per update, a
 * banner (a row of '=', the column names, a row of '=') at the top of each new file. The
 * columns are ours (docs/monitoring.md describes them): whitespace-separated, date and time
 * in UTC as two columns like chrony's, numbers in seconds or ppm, "-" for a value not known.
 *
 *   tracking.log      each clock update from a reference: its refid and name, stratum,
 *                     frequency and skew, the update's offset, RMS offset, root delay and
 *                     dispersion, the error bound, leap status
 *   statistics.log    each source that gave samples in a tick: its jitter, estimated and last
 *                     offset, latency, samples, filter window, runs of residuals, reach
 *   refclocks.log     each sample and pulse: raw and corrected offset, the filter's line, what
 *                     became of it (OK, OUTLIER, JUMP, NO_SECOND, ...)
 *   measurements.log  NTP client measurements: gpsntpd has no NTP sources, so the file holds
 *                     its banner and a line saying so (kept so that a configuration written
 *                     for chrony works unchanged)
 *
 * Files are opened for appending with buffered stdio and flushed once a tick, so a write costs
 * the loop a memcpy and one write(2) per file a second. SIGHUP reopens them by path (logrotate
 * moves them; the daemon, by then the unprivileged user, creates the new ones in the log
 * directory, which must be that user's).
 */
#ifndef GN_STATLOG_H
#define GN_STATLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "refclock/status.h"

enum statlog_kind {
    STATLOG_TRACKING = 0,
    STATLOG_MEASUREMENTS,
    STATLOG_STATISTICS,
    STATLOG_REFCLOCKS,
    STATLOG__COUNT
};
#define STATLOG_BIT(k) (1u << (k))

/* "tracking", ...: the word in `log` and the file's name without ".log". */
const char *statlog_name(enum statlog_kind k);
/* The kind a `log` word names; false when none. */
bool statlog_parse(const char *word, enum statlog_kind *k);

/* The banner and lines, to any stream (pure: the tests read them back). */
void statlog_banner(FILE *out, enum statlog_kind k);
void statlog_tracking_line(FILE *out, int64_t time_ns, const struct rc_tracking *t);
void statlog_statistics_line(FILE *out, int64_t time_ns, const struct rc_src_status *s);
void statlog_refclock_line(FILE *out, const struct rc_sample_rec *r);
/* One NTP source's measurement (r->ntp != NULL), for the measurements log. */
void statlog_measurement_line(FILE *out, const struct rc_sample_rec *r);

/* Open the files of the kinds in mask (STATLOG_BIT) in dir. 0, or -errno with the file
 * named in the log. */
int statlog_open(const char *dir, unsigned mask);
/* Reopen every open file by its path (SIGHUP). 0, or the first -errno (that file keeps its
 * old stream). */
int statlog_reopen(void);
/* The open file of a kind, or NULL when that kind is not logged. */
FILE *statlog_file(enum statlog_kind k);
/* Write what is buffered (once a tick); a write error is logged once until writes work again. */
void statlog_flush(void);
void statlog_close(void);

#endif
