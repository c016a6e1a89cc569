/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * leap: the leap-second table from a `leapseclist` file (the IERS/IANA leap-seconds.list
 * format: "NTP-seconds TAI-UTC # date" lines, "#@" expiry) and the question the discipline
 * asks every second: is a leap second due at the end of this UTC day? Pure parsing.
 */
#ifndef GN_LEAP_H
#define GN_LEAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/clk.h"

#define LEAP_MAX 64

struct leap_table {
    int n;
    int64_t at_ns[LEAP_MAX];   /* the instant the new TAI-UTC offset starts (a midnight) */
    int tai_utc[LEAP_MAX];
    int64_t expires_ns;        /* 0: unknown */
};

/* Parse text (the whole file). Returns 0 or -EINVAL with *bad_line set to the first bad line. */
int leap_parse(const char *text, struct leap_table *t, int *bad_line);
/* Read and parse a file. 0 or -errno / -EINVAL (logged with path and line). */
int leap_load(const char *path, struct leap_table *t);
/* The leap second at the end of the UTC day containing now_ns, if any. RFC 5905 announces it
 * through LI during that last day only. */
enum clk_leap leap_due(const struct leap_table *t, int64_t now_ns);
/* True within a second either side of a leap instant: samples there are not trusted. */
int leap_near(const struct leap_table *t, int64_t now_ns, int64_t margin_ns);

#endif
