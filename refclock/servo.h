/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * servo: turns offset measurements of the selected reference into clock corrections through
 * the clock interface (frequency and step only: the phase correction rides on the frequency).
 *
 * The servo keeps the total correction it has applied since start-up as a function of
 * monotonic time, C(t) (frequency corrections integrated, plus steps). A measured offset x(t)
 * minus C(t) is the offset the clock would show had it never been touched: the "free-running
 * frame", u(t), which moves only with the oscillator's own frequency error. Estimating in that
 * frame makes the estimator independent of the control, lets measurements arrive at any time,
 * and lets the source filters (filter.h) keep their samples across slews and steps.
 *
 * Sign conventions (clk.h): offsets are local - reference (positive: the clock is ahead);
 * servo_freq_ppm is the oscillator's natural error (positive: runs fast), the correction
 * applied to the clock is its negative plus the phase term.
 */
#ifndef GN_SERVO_H
#define GN_SERVO_H

#include <stdbool.h>
#include <stdint.h>

#include "common/clk.h"

struct servo;

/*
 * Another estimator in place of the Kalman filter: the benchmark measures the choice with it
 * (tests/bench/servo_alt.c has a PLL and chrony-like regression). It sees each measurement
 * (u_s: the free-running offset at t_ns) and, at each update, sets the servo's estimate (u_s
 * and t_ns = now_ns, f, p11, p22, resid_ppm) and returns the offset the control should
 * remove now. state is its own, given with it in servo_params.
 */
struct servo_estimator {
    const char *name;
    void (*measure)(struct servo *s, void *state, int64_t t_ns, double u_s, double var_s2);
    double (*update)(struct servo *s, void *state, int64_t now_ns);
    void (*stepped)(struct servo *s, void *state); /* the update just made was a step */
    void (*forget)(void *state);                     /* servo_forget_phase */
    void (*rebase)(void *state, double k_s);         /* servo_rebase */
};

struct servo_params {
    const struct servo_estimator *estimator; /* NULL: the Kalman filter (the daemon's) */
    void *estimator_state;
    double makestep_threshold_s; /* step when |offset| exceeds it ... */
    int makestep_limit;          /* ... during the first LIMIT updates (-1: any update) */
    double maxslew_ppm;          /* bound on |correction| (phase term included), <= 500 */
    double wander;               /* assumed frequency random walk, (s/s)/sqrt(s); 0: default */
    bool fixed_wander;           /* Kalman: do not adapt the wander from the innovations */
    double corr_time_s;          /* phase corrections spread over this time; 0: 1 s */
};

#define SERVO_SEGS 16

struct servo_seg {
    int64_t t0_ns;  /* monotonic start */
    double c0_s;    /* C(t0) */
    double rate;    /* dC/dt = applied correction, s/s */
};

struct servo {
    struct servo_params p;
    struct clk *clk;
    /* C(t): the last SERVO_SEGS segments, newest at seg[(seg_head + n_seg - 1) % SERVO_SEGS] */
    struct servo_seg seg[SERVO_SEGS];
    int seg_head, n_seg;
    double applied_ppm;
    /* estimate of the free-running clock: u at t_ns, natural frequency f (s/s), covariance */
    bool have_f, have_u;
    int64_t t_ns;
    double u_s, f;
    double p11, p12, p22;
    double q;               /* wander spectral density, (s/s)^2 / s */
    /* Kalman wander estimate: block means of the free-running offset */
    int64_t blk_t0_ns, blk_run0_ns;
    double blk_tau_s, blk_prev_tau_s, blk_ubase, blk_usum, blk_tsum, blk_rsum;
    int blk_n, blk_nm;
    double blk_m[3], blk_tm[3];
    double q_sum;
    int q_n;
    int n_meas;             /* measurements since the last update */
    /* bookkeeping and statistics */
    int updates;            /* updates with measurements since start (makestep limit) */
    bool step_requested;
    int64_t last_step_ns;   /* the last step made (0: none) */
    int64_t last_step_mono_ns; /* ... at this monotonic time */
    int64_t last_update_ns;
    double update_interval_s;
    double last_offset_s, rms_offset_s, resid_ppm, last_innov_s;
};

/*
 * Start at monotonic time now_ns. have_drift: freq_ppm (natural error, positive fast) and
 * skew_ppm (its 1-sigma uncertainty) come from the drift file and are applied at once;
 * otherwise the clock's current correction is kept as the first guess (on Linux it survives a
 * restart of the daemon) with a wide uncertainty.
 */
void servo_init(struct servo *s, struct clk *clk, const struct servo_params *p, int64_t now_ns,
                bool have_drift, double freq_ppm, double skew_ppm);
/* C(t): the correction applied up to monotonic time t_ns (s). */
double servo_frame(const struct servo *s, int64_t t_ns);
/* A measurement of the selected reference: offset_s (local - reference) at monotonic time
 * t_ns, with variance var_s2 (the source's jitter squared). */
void servo_measure(struct servo *s, int64_t t_ns, double offset_s, double var_s2);

enum servo_action { SERVO_NONE = 0, SERVO_SLEW, SERVO_STEP };
/* Correct the clock from the measurements since the last call (at monotonic now_ns). */
enum servo_action servo_update(struct servo *s, int64_t now_ns);
/* No reference: run on the last frequency estimate (holdover). */
void servo_holdover(struct servo *s, int64_t now_ns);
/* Step at the next update whatever makestep says (gpsntpctl makestep). */
void servo_request_step(struct servo *s);
/* The reference moved on purpose (a jump that persisted): forget the phase, keep the
 * frequency; the next measurement sets the phase again. */
void servo_forget_phase(struct servo *s);
/* The estimate may be off by about phase_s and ppm (it was learnt from a source since voted
 * out as a liar): widen its uncertainty, so the next source's measurements correct it as fast
 * as their own noise allows (forgetting the phase instead would take one noisy sample's). */
void servo_doubt(struct servo *s, double phase_s, double ppm);

/* Move k_s seconds from the free-running offset into the frame (u -= k, C += k), leaving every
 * estimate of the clock unchanged. Keeps both small after a large step or a long run: a
 * double holds an offset of 1e9 s only to 0.1 us. Stored free-running offsets elsewhere (the
 * source filters) must move by -k_s too. */
void servo_rebase(struct servo *s, double k_s);

/* Estimates. servo_offset_s: how far the clock is ahead of the reference at now_ns (NaN
 * before the first measurement). */
double servo_offset_s(const struct servo *s, int64_t now_ns);
double servo_freq_ppm(const struct servo *s);  /* natural error estimate, positive fast */
double servo_skew_ppm(const struct servo *s);  /* its 1-sigma uncertainty */
double servo_wander(const struct servo *s);    /* current wander estimate, (s/s)/sqrt(s) */

#endif
