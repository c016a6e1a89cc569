/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * status: what the reference-clock layer shows of itself (gpsntpctl sources and tracking, the
 * metrics): plain types, filled by the discipline core (dsc.h) and the layer's shell (rc.h).
 */
#ifndef GN_STATUS_H
#define GN_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/drv.h"

/* What the selection made of a source (chronyc's state column). */
enum rc_select {
    RC_SEL_UNUSABLE = 0, /* no recent valid samples, or still qualifying */
    RC_SEL_SELECTED,     /* leads */
    RC_SEL_CANDIDATE,    /* a truechimer that could lead */
    RC_SEL_FALSETICKER,  /* outside the majority's interval */
    RC_SEL_NOSELECT,     /* `noselect` */
    RC_SEL_JUMP,         /* held off by the jump guard */
    RC_SEL_LOOP,         /* an NTP source that takes its time from us */
};
/* One lower-case word ("selected", "falseticker"): a stable JSON value. */
const char *rc_select_name(enum rc_select s);

enum rc_kind { RC_KIND_REFCLOCK = 0, RC_KIND_SERVER, RC_KIND_PEER };
const char *rc_kind_name(enum rc_kind k);

struct rc_src_status {
    char name[16];         /* nmea0 */
    char driver[16];
    char param[256];
    char refid[5];
    enum drv_state state;
    bool selected, noselect, prefer;
    bool jump_suspect;     /* the jump guard is holding this source off */
    uint8_t reach;         /* 8-bit reachability register, as chrony/ntpd */
    uint64_t samples;      /* accepted samples (or locked pulses) */
    int64_t last_sample_age_ns; /* -1: never */
    double offset_s;       /* last filtered offset (local - reference) */
    double jitter_s;
    double latency_s;      /* NMEA sources: mean latency measured against a locked PPS, or NaN */
    uint64_t counters[DRV_CNT__COUNT];
    char error[64];        /* why the device cannot be opened now ("" when it is open) */
    double retry_in_s;     /* ... and when the next try is (NaN when none is pending) */
    bool pulses;           /* a pulse source (PPS, or gpsd with `pps`) */
    double est_offset_s;   /* the filter's line carried to now (local - reference), NaN: none */
    int window;            /* samples held in the filter's window */
    int runs;              /* runs of same-sign residuals in the window (chrony's Nr): about
                              window/2 + 1 for white noise, few when the line does not fit */
    enum rc_kind kind;
    enum rc_select select;
    int stratum;           /* refclocks 0; NTP: the source's, -1 while unknown */
    int poll;              /* NTP: log2 s of the request interval; refclocks 0 */
    uint32_t remote_refid; /* NTP: the source's own reference ID (0: unknown) */
    double delay_s;        /* NTP: round trip of the chosen exchange, NaN otherwise */
    double root_distance_s;/* the error bound the selection used, NaN when unusable */
};

/* What the discipline made of one sample or pulse (the `refclocks` statistics log). */
enum rc_verdict {
    RC_VERDICT_OK = 0,        /* accepted */
    RC_VERDICT_SHIFT,         /* accepted: the filter took the source's new level */
    RC_VERDICT_OUTLIER,       /* rejected by the filter */
    RC_VERDICT_JUMP,          /* held off by the jump guard */
    RC_VERDICT_LEAP,          /* ignored: within seconds of a leap second */
    RC_VERDICT_BAD_INTERVAL,  /* pulses: not a whole number of seconds after the last one */
    RC_VERDICT_NO_SECOND,     /* pulses: the lock source has no valid fix */
    RC_VERDICT_AMBIGUOUS,     /* pulses: the lock source and the pulse disagree on the second */
    RC_VERDICT_WRONG_EDGE,    /* pulses: too far from the second for the configured width */
    RC_VERDICT_NOT_SYNCED,    /* pulses: no lock source and the clock not known well enough */
};
/* One word, upper case, no spaces ("OK", "OUTLIER", "NO_SECOND"): a column in a log. */
const char *rc_verdict_name(enum rc_verdict v);

struct rc_sample_rec {
    const char *source;       /* "pps0" */
    bool pulse;
    int64_t local_ns;         /* the served clock's time of the sample (an edge, a sentence) */
    double raw_offset_s;      /* local - reference before the source's `offset`; for a pulse
                                 whose second was not named, the edge's distance to the
                                 nearest second of the local clock */
    double offset_s;          /* after `offset`: what the filter was given (NaN: nothing) */
    double filtered_s;        /* the filter's line at the sample once judged (NaN: empty) */
    enum rc_verdict verdict;
    const struct drv_ntp_sample *ntp; /* an NTP source's measurement (the measurements log),
                                         NULL for a reference clock */
};

struct rc_tracking {
    uint32_t refid;           /* RST_REFID_* or 0 */
    char refname[16];         /* "nmea0" (or "" when none) */
    int stratum;              /* 16 when unsynchronized */
    bool synced;
    bool holdover;            /* references lost, serving on the last frequency */
    int64_t ref_time_ns;      /* 0: never */
    double system_offset_s;   /* how far the served clock is ahead of the reference (estimate) */
    double last_offset_s;
    double rms_offset_s;
    double freq_ppm;          /* the clock's natural error: positive = runs fast */
    double resid_freq_ppm;
    double skew_ppm;
    double root_delay_s;
    double root_disp_s;       /* at the time of the call */
    double update_interval_s;
    int leap;                 /* enum rst_leap */
    bool no_majority;         /* the voters disagree and none has a majority */
};

#endif
