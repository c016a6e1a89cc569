/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dsc: the discipline core, sans-IO. Reference samples and PPS pulses in (with the local
 * time they were seen at), a tick every second; out come clock corrections through the clock
 * interface and the NTP server's reference state (srv_state_publish). It owns per-source
 * filtering, the PPS lock to a coarse source's second, the jump guard, source selection, the
 * servo, holdover and leap seconds. rc.c feeds it from the drivers; the simulation tests feed
 * it directly with a simulated clock and run hours in seconds.
 */
#ifndef GN_DSC_H
#define GN_DSC_H

#include <stdbool.h>
#include <stdint.h>

#include "common/clk.h"
#include "refclock/filter.h"
#include "refclock/leap.h"
#include "refclock/rc.h"
#include "refclock/servo.h"

#define DSC_MAX_SRC 8

struct dsc_src_cfg {
    char name[16];
    uint32_t refid;         /* SRV_REFID style */
    bool pps;               /* a pulse source */
    int lock;               /* index of the coarse source naming the seconds, -1: none */
    double offset_s;        /* subtracted from the local time of each sample (latency) */
    double delay_s;         /* root delay contribution */
    double precision_s;
    int filter;             /* window length for the outlier filter */
    bool noselect, prefer;
};

struct dsc_params {
    struct servo_params servo;
    double maxholdover_s;
    int local_stratum;       /* 0: off */
    double maxjump_s;
    double jumppersist_s;
    const struct leap_table *leaps; /* may be NULL */
    double initial_freq_ppm; /* from the drift file */
    double initial_skew_ppm; /* large when unknown */
    int8_t precision;        /* log2 s of the clock reading */
};

struct dsc_src {
    struct dsc_src_cfg cfg;
    struct flt flt;
    double acc_sum;         /* offsets since the last tick */
    int acc_n;
    uint64_t samples;
    int64_t last_sample_mono;  /* 0: never */
    uint8_t reach;
    double offset_s, jitter_s; /* last filtered */
    int consecutive;        /* accepted samples since the source (re)appeared */
    int64_t jump_since_mono;   /* 0: no jump pending */
    bool jump_suspect;
    uint64_t counters[RC_CNT__COUNT];
    /* a coarse source's latest sample, for locking pulses */
    int64_t coarse_local_ns, coarse_mono;
    double coarse_x;
    double latency_s;       /* NMEA latency measured against locked pulses (NaN: unknown) */
    /* a pulse source's previous edge */
    int64_t last_pulse_local_ns;
    enum clk_leap leap;     /* announced by the receiver */
};

struct dsc {
    struct dsc_params p;
    struct clk *clk;
    struct servo servo;
    struct dsc_src src[DSC_MAX_SRC];
    int n_src;
    int selected;           /* -1: none */
    int last_selected;
    bool ever_synced;
    bool holdover;
    int64_t last_update_mono, last_update_real; /* servo updates */
    int64_t prev_update_mono;
    double update_interval_s;
    int ticks;
    enum clk_leap leap_state;
    bool status_synced;
};

void dsc_init(struct dsc *d, struct clk *clk, const struct dsc_params *p);
/* Add a source; returns its index or -1 when full. */
int dsc_add_source(struct dsc *d, const struct dsc_src_cfg *c);
/* A coarse sample: the reference said ref_ns at local time local_ns (served clock). */
void dsc_sample(struct dsc *d, int src, int64_t local_ns, int64_t ref_ns, enum clk_leap leap);
/* A PPS edge at local_ns. */
void dsc_pulse(struct dsc *d, int src, int64_t local_ns);
/* Once a second: selection, servo update or holdover, leap, publish the server state. */
void dsc_tick(struct dsc *d);
void dsc_request_makestep(struct dsc *d);
void dsc_get_tracking(struct dsc *d, struct rc_tracking *out);
/* Fill the numeric part of a source's status (name, state and driver are rc.c's). */
void dsc_get_source(struct dsc *d, int src, struct rc_src_status *out);
/* The current frequency correction and its skew, for the drift file. */
double dsc_freq_ppm(const struct dsc *d);
double dsc_skew_ppm(const struct dsc *d);

#endif
