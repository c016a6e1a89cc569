/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpssim_nmea: the sentences a simulated receiver sends for one second (pure): RMC, GGA, ZDA,
 * GSA and GSV with a plausible constellation, for a given UTC time, talker and fix state,
 * optionally with the GPS week-rollover bug, a leap second (23:59:60) or broken checksums.
 */
#ifndef GN_GPSSIM_NMEA_H
#define GN_GPSSIM_NMEA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gpssim_epoch {
    int64_t utc_ns;        /* the second being described (whole seconds) */
    bool leap_second;      /* describe it as 23:59:60 of the previous day */
    bool fix;              /* false: RMC V, GGA quality 0, GSA mode 1 */
    bool rollover_bug;     /* dates 1024 weeks in the past */
    bool bad_checksum;     /* every sentence gets a wrong checksum */
    char talker[3];        /* "GP", "GN", ... */
};

/* Write the epoch's sentences (CR LF terminated) into buf; returns the length, or 0 if cap
 * is too small (512 bytes is enough). */
size_t gpssim_nmea_epoch(const struct gpssim_epoch *e, char *buf, size_t cap);

/* Append "*hh\r\n" to a sentence body that starts with '$'. Returns the new length. */
size_t gpssim_nmea_finish(char *s, size_t len, size_t cap, bool bad_checksum);

#endif
