/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refstate: what the server tells its clients about the reference, derived from the
 * discipline's situation, and its publication: the refclock layer owns this state and
 * publishes it (rst_publish, a seqlock); the NTP server, a layer above, reads it (rst_read).
 * rst_compute is pure: the same inputs give the same rst_state.
 *
 *  - a reference leads: stratum 1, its refid (GPS for NMEA/gpsd/SHM, PPS for a pulse source),
 *    reference time of the last clock update, root dispersion from the measured jitter;
 *  - every reference lost (holdover): still stratum 1 on the last frequency for `maxholdover`
 *    seconds, the root dispersion growing at max(15 ppm, skew) from the last update;
 *  - after that, or with no reference ever: `local stratum N` (refid LOCL) if configured,
 *    otherwise unsynchronized (LI=3, stratum 16).
 */
#ifndef GN_REFSTATE_H
#define GN_REFSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/clk.h"

/* Reference IDs are the four ASCII bytes as they appear on the wire, packed big-endian. */
#define RST_REFID(a, b, c, d)                                                                   \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define RST_REFID_GPS RST_REFID('G', 'P', 'S', 0)
#define RST_REFID_PPS RST_REFID('P', 'P', 'S', 0)
#define RST_REFID_LOCL RST_REFID('L', 'O', 'C', 'L')

/* NTP leap indicator values (RFC 5905 figure 9). */
enum rst_leap { RST_LEAP_NONE = 0, RST_LEAP_INSERT = 1, RST_LEAP_DELETE = 2, RST_LEAP_ALARM = 3 };

#define RST_MIN_DISP_RATE 15e-6 /* RFC 5905 PHI: 15 ppm */

struct rst_state {
    bool synced;            /* false: LI=3, stratum 16 */
    uint8_t stratum;        /* 1..15 when synced */
    enum rst_leap leap;     /* announced leap (only meaningful when synced) */
    int8_t precision;       /* log2 seconds, measured at start-up */
    uint32_t refid;         /* RST_REFID_* */
    int64_t ref_time_ns;    /* when the clock was last updated (0: never) */
    double root_delay_s;
    double root_disp_s;     /* at ref_time_ns */
    double disp_rate;       /* growth of root dispersion per second since ref_time (>= PHI) */
};

/* Publish a new state (single writer: the event loop). */
void rst_publish(const struct rst_state *st);
/* Read the latest state without locks; safe from any thread (the server's workers). Before
 * the first publish: unsynchronized. */
void rst_read(struct rst_state *out);


enum rst_mode {
    RST_UNSYNC = 0,  /* nothing to serve as synchronized */
    RST_TRACKING,    /* a reference leads */
    RST_HOLDOVER,    /* references lost, within maxholdover */
    RST_LOCAL,       /* `local stratum N` */
};
const char *rst_mode_name(enum rst_mode m);

struct rst_input {
    bool ever_synced;           /* a real reference has disciplined the clock */
    bool leading;               /* a reference leads right now */
    uint32_t refid;             /* of the leading (or last leading) reference */
    int stratum;                /* ours while it leads: 1 for a refclock, an NTP source's + 1
                                   (0 is taken as 1) */
    double root_delay_s;        /* its `delay` */
    double disp_at_update_s;    /* dispersion at the last update */
    int64_t update_real_ns;     /* clock time of the last update */
    int64_t update_mono_ns;     /* monotonic time of the last update */
    double skew_ppm;            /* frequency uncertainty now */
    enum clk_leap leap;         /* announced for the end of today */
    int64_t now_mono_ns, now_real_ns;
    double maxholdover_s;
    int local_stratum;          /* 0: off */
    bool has_references;        /* reference clocks are configured (local is then a fallback) */
    int8_t precision;           /* log2 s */
};

struct rst_output {
    enum rst_mode mode;
    struct rst_state st;
    struct clk_status cs;       /* for the clock (the kernel's sync status and leap bits) */
};

void rst_compute(const struct rst_input *in, struct rst_output *out);
/* The error bound at now_real_ns implied by a published state: root delay / 2 + root
 * dispersion grown since the reference time. INFINITY when unsynchronized. */
double rst_distance(const struct rst_state *st, int64_t now_real_ns);

#endif
