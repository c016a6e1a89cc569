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
};

#endif
