/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * leap: the leap-second table from a `leapseclist` file (the IERS/IANA leap-seconds.list
 * format: "NTP-seconds TAI-UTC # date" lines, "#@" expiry, other "#" lines comments) and the
 * questions the discipline asks every second: is a leap second due at the end of this UTC
 * day, and is an instant close enough to one that a sample taken then cannot be trusted?
 * Pure parsing and arithmetic; leap_load is the only function that reads a file.
 */
#ifndef GN_LEAP_H
#define GN_LEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clk.h"

#define LEAP_MAX 64

struct leap_table {
    int n;
    int64_t at_ns[LEAP_MAX];   /* the instant the new TAI-UTC offset starts (a UTC midnight) */
    int tai_utc[LEAP_MAX];
    int64_t expires_ns;        /* 0: unknown */
};

/* Parse text (the whole file). Returns 0, or -EINVAL with *bad_line set to the first bad line
 * (entries must be in increasing time order, offsets 0..100 s). */
int leap_parse(const char *text, struct leap_table *t, int *bad_line);
/* Read and parse a file. 0 or -errno / -EINVAL (logged with path and line). */
int leap_load(const char *path, struct leap_table *t);
/* True when the table has an expiry date and now_ns is past it. */
bool leap_expired(const struct leap_table *t, int64_t now_ns);
/* The leap second at the end of the UTC day containing now_ns, if the table has one. RFC 5905
 * announces it through LI during that last day only. */
enum clk_leap leap_due(const struct leap_table *t, int64_t now_ns);
/* True when t_ns lies within margin_ns of the leap second that ends at midnight at_ns (the
 * second before it, as POSIX time repeats or skips it, and the second after). */
bool leap_near_instant(int64_t at_ns, int64_t t_ns, int64_t margin_ns);
/* leap_near_instant for every leap of the table. */
bool leap_near(const struct leap_table *t, int64_t t_ns, int64_t margin_ns);

#endif
