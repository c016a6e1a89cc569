/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dsc: the discipline core, sans-IO. Reference samples, PPS pulses and "no fix" reports come in
 * with the monotonic and clock times they were seen at; a tick every second runs selection,
 * the servo (or holdover), leap-second handling, and publishes the NTP server's reference
 * state. It owns per-source filtering (filter.h), the PPS lock (ppslock.h), the jump guard and
 * selection (select.h), the servo (servo.h), the reference state (refstate.h) and leap seconds
 * (leap.h). It reads no clock and opens nothing: the only side effects are the servo's
 * corrections and set_status through the clock interface, rst_publish() and log lines.
 * rc.c feeds it from the drivers; the simulation tests feed it directly with clk_sim and run
 * hours of simulated time in seconds.
 *
 * Sign conventions are clk.h's: offsets are local - reference.
 */
#ifndef GN_DSC_H
#define GN_DSC_H

#include <stdbool.h>
#include <stdint.h>

#include "common/clk.h"
#include "refclock/filter.h"
#include "refclock/leap.h"
#include "refclock/ppslock.h"
#include "refclock/status.h"
#include "refclock/refstate.h"
#include "refclock/select.h"
#include "refclock/servo.h"

#define DSC_MAX_SRC 16
#define DSC_PEND 8
#define DSC_LOST_S 5 /* a source with no accepted sample for this long is lost */
#define DSC_AGREE_S 60 /* a falseticker must agree with the majority this long to be trusted */

struct dsc_src_cfg {
    char name[16];          /* for log lines: "nmea0" */
    uint32_t refid;         /* RST_REFID style */
    bool pps;               /* a pulse source */
    int lock;               /* index of the coarse source naming its seconds, -1: none */
    double offset_s;        /* `offset`: subtracted from the local time of each sample */
    double delay_s;         /* `delay`: root delay contribution */
    double precision_s;     /* `precision` (0: 1 us for pulses, 1 ms otherwise) */
    double width_s;         /* `width` (pulses) */
    int filter;             /* `filter`: window length, 0: default */
    bool noselect, prefer;
    bool ntp;               /* an NTP source (`server`, `peer`): samples with an error bound */
};

struct dsc_params {
    struct servo_params servo;
    double maxholdover_s;
    int local_stratum;       /* 0: off */
    double maxjump_s;
    double jumppersist_s;
    const struct leap_table *leaps; /* may be NULL; must outlive the dsc */
    bool have_drift;         /* the drift file was read: */
    double drift_freq_ppm;   /*   natural frequency error, positive fast */
    double drift_skew_ppm;
    int8_t precision;        /* log2 s of the clock reading */
};

struct dsc_src {
    struct dsc_src_cfg cfg;
    struct flt flt;
    struct ppl ppl;
    struct sel_jump jump;
    bool jump_suspect;
    bool jump_approved;      /* a jump its lock source made is to be followed at once */
    int64_t last_data_mono;  /* last valid-fix sample or pulse, accepted or not */
    int64_t last_accept_mono;
    int64_t last_seen_mono;  /* last sample that reached the jump guard */
    int64_t last_nofix_mono;
    int64_t last_pulse_mono; /* any pulse, accepted or not */
    bool lock_lost_logged;
    int consecutive;
    int pend_n;
    int64_t pend_t[DSC_PEND];
    double pend_x[DSC_PEND];
    double pend_v[DSC_PEND]; /* a sample's own variance beyond the source's jitter */
    double next_extra_var;   /* ... for the sample being accepted (NTP: its excess delay) */
    bool got_tick;
    uint8_t reach;
    uint64_t samples;
    double offset_s;         /* last accepted offset */
    double latency_s;        /* coarse sources: latency measured against a locked pulse */
    int latency_n;
    enum clk_leap leap;      /* announced by the receiver */
    int64_t leap_midnight;   /* ... for the end of this UTC day */
    uint64_t counters[DRV_CNT__COUNT];
    enum rc_select select;   /* what the last selection made of it */
    bool voted_out;          /* a falseticker, until it agrees DSC_AGREE_S in a row */
    int agree_n;
    /* NTP sources: the last accepted sample's error bound and the source's standing */
    double root_delay_s;     /* including the exchange's delay */
    double root_disp_s;      /* at ntp_local_ns */
    double ntp_jitter_s;
    int64_t ntp_mono;        /* when its offset held */
    int64_t interval_ns;     /* its poll interval */
    int stratum;
    uint32_t addr_refid;     /* the refid we publish while it leads (its address) */
    bool loop;               /* it takes its time from us */
};

struct dsc {
    struct dsc_params p;
    struct clk *clk;
    struct servo servo;
    struct dsc_src src[DSC_MAX_SRC];
    int n_src;
    int selected;            /* -1: none */
    int last_selected;       /* the last source that updated the clock */
    int phase_reset_src;     /* its level moved: reset the servo's phase when it leads, -1 */
    bool phase_reset_step;   /* ... and step to it (a followed jump) */
    bool ever_synced;
    bool holdover;
    int64_t update_mono, update_real;
    double disp_at_update_s;
    int64_t ticks;
    int64_t start_mono;
    enum clk_leap leap_state;
    int64_t leap_midnight;   /* the midnight the announced leap applies to */
    int64_t leap_mono;       /* monotonic time of that midnight, estimated when announced */
    int64_t leap_done_midnight;
    struct rst_output out;   /* the last published state */
    bool no_majority;        /* the voters disagree and none has a majority */
    double disagree_s;       /* ... by this much beyond their bounds: added to the served root
                                dispersion while the receiver keeps leading */
    bool status_sent;
    /* told of every sample and pulse as judged (dsc_set_sample_hook); NULL: none */
    void (*sample_hook)(void *arg, const struct rc_sample_rec *r);
    const struct drv_ntp_sample *ntp_in; /* the NTP measurement being judged, for the hook */
    void *sample_hook_arg;
};

/* Start at monotonic time now_ns: sets the clock's frequency from the drift file (or keeps
 * the clock's own), publishes nothing yet (call dsc_tick). */
void dsc_init(struct dsc *d, struct clk *clk, const struct dsc_params *p, int64_t now_ns);
/* The monotonic time of an event the clock stamped local_ns, seen at now_mono_ns when the
 * clock read now_real_ns. Steps are accounted for: a stamp made before the servo's last step
 * but read after it is placed before the step. False when the stamp fits both sides of a
 * recent backward step (the clock went through those readings twice): drop that sample.
 * A stamp from the future or from over a minute ago is taken as now. */
bool dsc_mono_of(const struct dsc *d, int64_t now_mono_ns, int64_t now_real_ns, int64_t local_ns,
                 int64_t *mono_ns);
/* Add a source; returns its index or -1 when full. Call before the first sample. */
int dsc_add_source(struct dsc *d, const struct dsc_src_cfg *c);
/* A coarse sample: the reference said ref_ns when the clock read local_ns, which was
 * monotonic time mono_ns. leap: what the receiver announces for the end of this UTC day. */
void dsc_sample(struct dsc *d, int src, int64_t mono_ns, int64_t local_ns, int64_t ref_ns,
                enum clk_leap leap);
/* A filtered NTP measurement (drivers/ntpc): the offset, its error bound and the source's
 * standing; mono_ns is the monotonic time its offset held (s->local_ns on the clock). */
void dsc_ntp_sample(struct dsc *d, int src, int64_t mono_ns, const struct drv_ntp_sample *s);
/* Make a source a pulse source (one that reports pulses although its driver does not always:
 * gpsd with its `pps` option): it then ranks above coarse sources and filters at the pulse
 * class's floor. */
void dsc_set_pulse_source(struct dsc *d, int src);
/* A PPS edge at clock time local_ns, monotonic time mono_ns. */
void dsc_pulse(struct dsc *d, int src, int64_t mono_ns, int64_t local_ns);
/* The receiver reported time without a valid fix (its pulses are not to be trusted). */
void dsc_no_fix(struct dsc *d, int src, int64_t mono_ns);
/* Once a second: selection, servo update or holdover, leap, publish the server state.
 * now_real_ns is the clock's time at now_mono_ns. */
void dsc_tick(struct dsc *d, int64_t now_mono_ns, int64_t now_real_ns);
void dsc_request_makestep(struct dsc *d);
/* Call fn(arg, record) for every sample and pulse once judged (NULL: stop). Costs nothing
 * while unset. */
void dsc_set_sample_hook(struct dsc *d, void (*fn)(void *arg, const struct rc_sample_rec *r),
                         void *arg);

void dsc_get_tracking(const struct dsc *d, int64_t now_mono_ns, int64_t now_real_ns,
                      struct rc_tracking *out);
/* Fill the numeric part of a source's status (name, driver, param and state are rc.c's);
 * counters are added to what *out holds. */
void dsc_get_source(const struct dsc *d, int src, int64_t now_mono_ns,
                    struct rc_src_status *out);
/* For the drift file: natural frequency error (ppm, positive fast) and its skew. False when
 * nothing worth saving is known yet. */
bool dsc_drift(const struct dsc *d, double *freq_ppm, double *skew_ppm);
enum rst_mode dsc_mode(const struct dsc *d);

#endif
