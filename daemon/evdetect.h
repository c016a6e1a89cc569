/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * evdetect: the event detector, sans-IO. It is shown a snapshot of what the reference-clock
 * layer publishes (the tracking state, each source's status and counters) with the time, once a
 * second, and says which events that makes: the server's state (SYNC, UNSYNC, HOLDOVER,
 * STRATUM), which reference leads (REF_SELECTED, REF_CHANGED, REF_LOST), leap announcements
 * (LEAP), whether the sources agree (NO_MAJORITY), and each source's device, data, fix, jump
 * guard, vote (FALSETICKER) and input-error rate. It keeps what it
 * last reported of each watched value and compares the snapshot with that, not with the
 * previous snapshot, so a value that changes and changes back between two reports costs
 * nothing.
 *
 * No event storms:
 *  - state is sampled once a second, so nothing is reported per sample;
 *  - each watched value (the mode, the reference, each source's state, ...) may be reported
 *    EVD_FLAP_MAX times within EVD_FLAP_WINDOW_NS; beyond that its changes are held back and
 *    counted, one FLAPPING event says so, and when the budget allows again the value as it
 *    then is gets reported with the count of changes held back;
 *  - a counter (bad sentences) is judged as a rate over a sliding window with hysteresis: one
 *    NMEA_ERRORS when it rises above EVD_ERR_RAISE per window, one NMEA_ERRORS_CLEARED when
 *    it falls below EVD_ERR_CLEAR, nothing while it keeps rising.
 */
#ifndef GN_EVDETECT_H
#define GN_EVDETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/events.h"
#include "refclock/rc.h"

#define EVD_FLAP_MAX 5                          /* reports of one value ... */
#define EVD_FLAP_WINDOW_NS (300LL * 1000000000LL) /* ... within 5 minutes */
#define EVD_ERR_WINDOW_NS (60LL * 1000000000LL) /* input errors counted over the last minute */
#define EVD_ERR_RAISE 10                        /* NMEA_ERRORS at this many in a window */
#define EVD_ERR_CLEAR 5                         /* cleared below this many */
#define EVD_ERR_SLOTS 72                        /* one a second, a little more than a window */
#define EVD_MAX_EVENTS 64                       /* the most one update can make */

/* What the detector is shown: rc_get_tracking() and rc_get_sources(). */
struct evd_snapshot {
    struct rc_tracking trk;
    struct rc_src_status src[RC_MAX_SOURCES];
    size_t n_src;
};

/* One watched value and what was last reported of it. */
struct evd_var {
    int reported;
    int seen;                         /* the value at the last update */
    int64_t hist[EVD_FLAP_MAX];       /* monotonic times of its last reports, a ring */
    int n_hist, hist_head;
    unsigned held;                    /* changes held back since the last report */
    bool flapping;                    /* FLAPPING given for the changes held back */
};

/* A source's input-error counters over the last window, one slot per update. */
struct evd_errwin {
    int64_t t_ns[EVD_ERR_SLOTS];
    uint64_t c[EVD_ERR_SLOTS][3];     /* bad checksum, bad format, bad length */
    int head, n;
    bool high;                        /* the rate is above the alarm (with hysteresis) */
};

struct evd {
    bool started;
    size_t n_src;
    struct evd_var mode, ref, stratum, leap, majority;
    struct evd_var state[RC_MAX_SOURCES], jump[RC_MAX_SOURCES], errors[RC_MAX_SOURCES];
    struct evd_var falseticker[RC_MAX_SOURCES];
    struct evd_errwin win[RC_MAX_SOURCES];
    uint64_t dropped;                 /* events beyond the caller's room (never expected) */
};

void evd_init(struct evd *d);
/*
 * Compare the snapshot taken at monotonic time mono_ns (served clock real_ns) with what was
 * reported so far; write the events it makes to out (at most max; seq 0, for events_add),
 * and return their number. The first call gives START and reports what is wrong already (a
 * receiver that cannot be opened); the server's state starts as unsynchronized.
 */
size_t evd_update(struct evd *d, const struct evd_snapshot *snap, int64_t mono_ns,
                  int64_t real_ns, struct event *out, size_t max);

#endif
