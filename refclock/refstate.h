/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refstate: what the server tells its clients about the reference, derived from the
 * discipline's situation. Pure: the same inputs give the same srv_refstate.
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
#include "server/srv.h"

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
    double root_delay_s;        /* its `delay` */
    double disp_at_update_s;    /* dispersion at the last update */
    int64_t update_real_ns;     /* clock time of the last update */
    int64_t update_mono_ns;     /* monotonic time of the last update */
    double skew_ppm;            /* frequency uncertainty now */
    enum clk_leap leap;         /* announced for the end of today */
    int64_t now_mono_ns, now_real_ns;
    double maxholdover_s;
    int local_stratum;          /* 0: off */
    int8_t precision;           /* log2 s */
};

struct rst_output {
    enum rst_mode mode;
    struct srv_refstate st;
    struct clk_status cs;       /* for the clock (the kernel's sync status and leap bits) */
};

void rst_compute(const struct rst_input *in, struct rst_output *out);
/* The error bound at now_real_ns implied by a published state: root delay / 2 + root
 * dispersion grown since the reference time. INFINITY when unsynchronized. */
double rst_distance(const struct srv_refstate *st, int64_t now_real_ns);

#endif
