/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * servo: the estimator is a two-state Kalman filter (offset and frequency of the free-running
 * clock, see servo.h) and the control removes the estimated offset over the next second while
 * cancelling the estimated frequency error.
 *
 * Why a Kalman filter: tests/bench/bench_servo.c runs three estimators on the same simulated
 * oscillators and references (docs/performance.md has the figures). The Kalman filter gave
 * the lowest error in every scenario and locked fastest: it weighs each measurement by the
 * source's measured jitter and its own uncertainty, so it acquires a +-50 ppm oscillator from
 * a couple of pulses (the gain starts near 1) and then narrows to the optimum bandwidth for
 * the noise, about (R/q)^(1/4) seconds, by itself: 0.22 us RMS with a 1 us PPS, within 2% of
 * the theoretical floor. A gain-scheduled PI loop comes within 10% once locked but takes
 * minutes to get there and wanders with noisy sources (10 us PPS, NMEA); a chrony-like
 * least-squares regression over a runs-test window is 30% worse with PPS and its 64-sample
 * window cannot find a frequency in 20 ms NMEA samples. Both are in the benchmark only
 * (tests/bench/servo_alt.c, through struct servo_estimator).
 *
 * The control removes the whole estimated offset over the next second: given the estimate,
 * that is what minimizes the clock's error (spreading it out only leaves a known error in
 * place for longer), and the estimate is already as smooth as the noise allows.
 *
 * The wander (frequency random walk, q) of a real oscillator is not known in advance (a room's
 * temperature swings make it 10-100 times the 1e-9/s of a quiet crystal), so it is measured
 * from the data (kf_adapt, an Allan-variance style estimate). A first version judged q from
 * the whiteness of the innovations instead; it could not see a q that was too large (with
 * microsecond jitter the innovations stay white) and cost 15% RMS in the nominal scenario.
 */
#include "refclock/servo.h"

#include <math.h>
#include <string.h>

#include "common/log.h"
#include "common/ntime.h"

#define DEFAULT_WANDER 2e-9         /* (s/s)/sqrt(s): a little above a quiet crystal's 1e-9 */
#define UNKNOWN_FREQ_SIGMA 200e-6   /* first-guess uncertainty of the frequency */
#define MIN_FREQ_SIGMA 0.02e-6      /* a drift file is never trusted better than this */
#define Q_MIN 1e-20             /* wander 1e-10/s: an oven-controlled oscillator */
#define Q_MAX 1e-12
#define ADAPT_TAU_MAX 1024.0
#define ADAPT_N 16                  /* block estimates averaged for one decision */
#define ADAPT_RATIO 2.5             /* ... which must differ this much from the current q */
#define ADAPT_MAX_R (100e-6 * 100e-6) /* only precise sources tell us about the oscillator */
#define STEP_MIN_SIGMAS 3.0         /* a makestep step must exceed this many sigmas of x */

static double clamp(double v, double lim)
{
    return v > lim ? lim : v < -lim ? -lim : v;
}

/* --- the frame C(t) -------------------------------------------------------------------- */

static struct servo_seg *newest_seg(struct servo *s)
{
    return &s->seg[(s->seg_head + s->n_seg - 1) % SERVO_SEGS];
}

double servo_frame(const struct servo *s, int64_t t_ns)
{
    /* Newest segment that started at or before t; before the oldest, extrapolate it. */
    const struct servo_seg *g = NULL;
    for (int k = s->n_seg - 1; k >= 0; k--) {
        g = &s->seg[(s->seg_head + k) % SERVO_SEGS];
        if (g->t0_ns <= t_ns) {
            break;
        }
    }
    return g->c0_s + g->rate * nt_to_s(t_ns - g->t0_ns);
}

/* Start a new segment at t with C jumping by jump_s and then growing at rate. */
static void new_segment(struct servo *s, int64_t t_ns, double jump_s, double rate)
{
    double c = servo_frame(s, t_ns) + jump_s;
    if (newest_seg(s)->t0_ns == t_ns) {
        s->n_seg--; /* replace a segment that has not lasted */
    }
    if (s->n_seg == SERVO_SEGS) {
        s->seg_head = (s->seg_head + 1) % SERVO_SEGS;
        s->n_seg--;
    }
    struct servo_seg *g = &s->seg[(s->seg_head + s->n_seg) % SERVO_SEGS];
    s->n_seg++;
    g->t0_ns = t_ns;
    g->c0_s = c;
    g->rate = rate;
}

static void apply_freq(struct servo *s, int64_t now_ns, double ppm)
{
    ppm = clamp(ppm, s->p.maxslew_ppm);
    if (s->clk->ops->set_freq(s->clk, ppm) < 0) {
        log_warnx("servo: cannot set the clock frequency to %+.3f ppm", ppm);
        return;
    }
    s->applied_ppm = ppm;
    new_segment(s, now_ns, 0, ppm * 1e-6);
}

/* --- Kalman filter --------------------------------------------------------------------- */

static void kf_predict(struct servo *s, int64_t t_ns)
{
    double dt = nt_to_s(t_ns - s->t_ns);
    if (dt <= 0) {
        return;
    }
    double q = s->q;
    s->u_s += s->f * dt;
    s->p11 += dt * (2 * s->p12 + dt * s->p22) + q * dt * dt * dt / 3;
    s->p12 += dt * s->p22 + q * dt * dt / 2;
    s->p22 += q * dt;
    s->t_ns = t_ns;
}

/* The wander estimate, from the free-running offset itself: the second difference D of
 * consecutive means of blocks of tau seconds has E[D^2] = 6 R / m (white phase noise, m
 * samples per block) + q tau^3 / 3 (random-walk frequency). tau is chosen near twice the
 * filter's own time constant, (R/q)^(1/4), where the two terms are comparable and q can be
 * told from the noise. */
static double adapt_tau(const struct servo *s, double r)
{
    double tc = pow(r / s->q, 0.25);
    double tau = 16;
    while (tau < 2 * tc && tau < ADAPT_TAU_MAX) {
        tau *= 2;
    }
    return tau;
}

static void kf_adapt(struct servo *s, int64_t t_ns, double u, double r)
{
    if (s->p.fixed_wander || r > ADAPT_MAX_R) {
        return;
    }
    if (s->blk_n == 0) {
        s->blk_t0_ns = t_ns;
        s->blk_tau_s = adapt_tau(s, r);
        s->blk_usum = s->blk_rsum = s->blk_tsum = 0;
        s->blk_ubase = u;
    }
    s->blk_n++;
    s->blk_usum += u - s->blk_ubase;
    s->blk_tsum += nt_to_s(t_ns - s->blk_t0_ns);
    s->blk_rsum += r;
    double elapsed = nt_to_s(t_ns - s->blk_t0_ns);
    if (elapsed < s->blk_tau_s) {
        return;
    }
    int n = s->blk_n;
    double mean = s->blk_ubase + s->blk_usum / n;
    double rbar = s->blk_rsum / n;
    bool regular = n >= 0.8 * s->blk_tau_s && elapsed < 1.5 * s->blk_tau_s;
    if (!regular || s->blk_tau_s != s->blk_prev_tau_s) {
        s->blk_nm = 0; /* a gap or a new block length: the next three blocks start over */
    }
    s->blk_prev_tau_s = s->blk_tau_s;
    s->blk_n = 0;
    if (!regular) {
        return;
    }
    if (s->blk_nm == 0) {
        s->blk_run0_ns = s->blk_t0_ns;
    }
    /* mean time of the block, in seconds since the first block of the current run */
    double tmean = s->blk_tsum / n + nt_to_s(s->blk_t0_ns - s->blk_run0_ns);
    for (int k = 0; k < 2; k++) {
        s->blk_m[k] = s->blk_m[k + 1];
        s->blk_tm[k] = s->blk_tm[k + 1];
    }
    s->blk_m[2] = mean;
    s->blk_tm[2] = tmean;
    if (++s->blk_nm < 3) {
        return;
    }
    /* The difference of the two slopes, so that the oscillator's frequency cancels even when
     * the blocks' mean times are not evenly spaced (samples arrive when they arrive). */
    double tau = s->blk_tau_s;
    double d = tau * ((s->blk_m[2] - s->blk_m[1]) / (s->blk_tm[2] - s->blk_tm[1]) -
                      (s->blk_m[1] - s->blk_m[0]) / (s->blk_tm[1] - s->blk_tm[0]));
    double qi = 3 * (d * d - 6 * rbar / n) / (tau * tau * tau);
    /* One block says little (a chi-square with one degree of freedom); decide on the mean of
     * ADAPT_N of them, and only move q by a factor of two at a time: the filter's error
     * depends on q only as q^(1/4), while a noisy q would make it twitch. */
    s->q_sum += qi;
    if (++s->q_n < ADAPT_N) {
        return;
    }
    double ratio = s->q_sum / s->q_n / s->q;
    s->q_sum = 0;
    s->q_n = 0;
    if (ratio > ADAPT_RATIO && s->q < Q_MAX) {
        s->q *= ratio > 4 * ADAPT_RATIO ? 4 : 2;
    } else if (ratio < 1 / ADAPT_RATIO && s->q > Q_MIN) {
        s->q /= 2;
    }
}

/* A measurement u of the free-running offset at t_ns, variance r. The filter's state stays at
 * the time of its newest measurement. A measurement older than that (stamped before the last
 * one was processed: a pulse fetched late, a sample of another source, a busy loop) is judged
 * at its own time: it is compared with the state carried back to t_ns, u_s - f d, with that
 * prediction's own variance, and the gain is the state's covariance with it. Comparing it
 * with the newer state instead would read the oscillator's drift over d as an offset: a bias
 * of f d, 10 us for a sample 0.1 s old on a 100 ppm crystal. */
static void kf_measure(struct servo *s, int64_t t_ns, double u, double r)
{
    if (!s->have_u) {
        s->have_u = true;
        s->u_s = u;
        s->t_ns = t_ns;
        s->p11 = r;
        s->p12 = 0;
        return;
    }
    kf_predict(s, t_ns); /* nothing when t_ns is not newer */
    double d = nt_to_s(s->t_ns - t_ns); /* >= 0: how far back the measurement lies */
    /* H = [1, -d] on the state at s->t_ns; the wander over d adds to the prediction's
     * uncertainty (its correlation with the state is neglected: d is below a second). */
    double hp1 = s->p11 - d * s->p12, hp2 = s->p12 - d * s->p22;
    double S = hp1 - d * hp2 + s->q * d * d * d / 3 + r;
    double k1 = hp1 / S, k2 = hp2 / S;
    double nu = u - (s->u_s - s->f * d);
    s->u_s += k1 * nu;
    s->f += k2 * nu;
    s->p11 -= k1 * hp1;
    s->p12 -= k1 * hp2;
    s->p22 -= k2 * hp2;
    /* Keep the covariance a covariance despite rounding. */
    s->p11 = fmax(s->p11, 1e-24);
    s->p22 = fmax(s->p22, 1e-30);
    double lim = sqrt(s->p11 * s->p22);
    s->p12 = clamp(s->p12, lim);
    s->resid_ppm = k2 * nu * 1e6;
    s->last_innov_s = nu;
    kf_adapt(s, t_ns, u, r);
}

/* --- public ---------------------------------------------------------------------------- */

void servo_init(struct servo *s, struct clk *clk, const struct servo_params *p, int64_t now_ns,
                bool have_drift, double freq_ppm, double skew_ppm)
{
    memset(s, 0, sizeof(*s));
    s->p = *p;
    if (!(s->p.maxslew_ppm > 0) || s->p.maxslew_ppm > CLK_MAX_FREQ_PPM) {
        s->p.maxslew_ppm = CLK_MAX_FREQ_PPM;
    }
    if (!(s->p.corr_time_s > 0)) {
        s->p.corr_time_s = 1.0;
    }
    double w = s->p.wander > 0 ? s->p.wander : DEFAULT_WANDER;
    s->q = w * w;
    s->clk = clk;
    if (have_drift) {
        s->f = freq_ppm * 1e-6;
        double sk = fmax(skew_ppm * 1e-6, MIN_FREQ_SIGMA);
        s->p22 = sk * sk;
    } else {
        s->f = -clk->ops->get_freq(clk) * 1e-6;
        s->p22 = UNKNOWN_FREQ_SIGMA * UNKNOWN_FREQ_SIGMA;
    }
    s->have_f = have_drift;
    s->t_ns = now_ns;
    s->n_seg = 1;
    s->seg[0] = (struct servo_seg){.t0_ns = now_ns, .c0_s = 0, .rate = 0};
    s->last_offset_s = NAN;
    s->rms_offset_s = NAN;
    s->resid_ppm = NAN;
    s->update_interval_s = NAN;
    apply_freq(s, now_ns, -s->f * 1e6);
}

void servo_measure(struct servo *s, int64_t t_ns, double offset_s, double var_s2)
{
    double u = offset_s - servo_frame(s, t_ns);
    double r = fmax(var_s2, 1e-18); /* never more than 1 ns certain */
    s->n_meas++;
    s->last_offset_s = offset_s;
    s->rms_offset_s = isfinite(s->rms_offset_s)
                          ? sqrt(0.9 * s->rms_offset_s * s->rms_offset_s + 0.1 * offset_s * offset_s)
                          : fabs(offset_s);
    if (s->p.estimator != NULL) {
        s->p.estimator->measure(s, s->p.estimator_state, t_ns, u, r);
    } else {
        kf_measure(s, t_ns, u, r);
    }
}

void servo_request_step(struct servo *s)
{
    s->step_requested = true;
}

void servo_forget_phase(struct servo *s)
{
    s->have_u = false;
    s->n_meas = 0;
    s->blk_n = 0;
    s->blk_nm = 0;
    if (s->p.estimator != NULL) {
        s->p.estimator->forget(s->p.estimator_state);
    }
}

void servo_doubt(struct servo *s, double phase_s, double ppm)
{
    double vp = phase_s * phase_s, vf = ppm * 1e-6 * ppm * 1e-6;
    if (s->p11 < vp || s->p22 < vf) {
        s->p11 = fmax(s->p11, vp);
        s->p22 = fmax(s->p22, vf);
        s->p12 = 0;
    }
}

enum servo_action servo_update(struct servo *s, int64_t now_ns)
{
    if (s->n_meas == 0) {
        servo_holdover(s, now_ns);
        return SERVO_NONE;
    }
    /* The Kalman filter's state stays at its newest measurement (kf_measure); another
     * estimator sets its estimate now and says what to remove. */
    double phase = s->p.estimator != NULL
                       ? s->p.estimator->update(s, s->p.estimator_state, now_ns)
                       : NAN;
    s->n_meas = 0;
    s->have_f = true;
    s->updates++;
    if (s->last_update_ns != 0) {
        double iv = nt_to_s(now_ns - s->last_update_ns);
        s->update_interval_s = isfinite(s->update_interval_s)
                                   ? 0.95 * s->update_interval_s + 0.05 * iv
                                   : iv;
    }
    s->last_update_ns = now_ns;

    double x = servo_offset_s(s, now_ns); /* estimated offset now */
    /* A step must also be worth making: an offset within the estimate's own uncertainty
     * (a noisy NMEA source's first samples) is slewed, or start-up would step at every
     * update by the noise. */
    bool may_step = (s->p.makestep_limit < 0 || s->updates <= s->p.makestep_limit) &&
                    fabs(x) > STEP_MIN_SIGMAS * sqrt(fmax(s->p11, 0));
    if (s->step_requested || (may_step && fabs(x) > s->p.makestep_threshold_s)) {
        s->step_requested = false;
        int64_t d = -nt_from_s(x);
        int r = s->clk->ops->step(s->clk, d);
        if (r < 0) {
            log_warnx("servo: cannot step the clock by %+.9f s", nt_to_s(d));
        } else {
            log_info("servo: clock stepped by %+.9f s", nt_to_s(d));
            s->last_step_ns = d;
            s->last_step_mono_ns = now_ns;
            if (s->p.estimator != NULL) {
                s->p.estimator->stepped(s, s->p.estimator_state);
            }
            new_segment(s, now_ns, nt_to_s(d), s->applied_ppm * 1e-6);
            apply_freq(s, now_ns, -s->f * 1e6);
            return SERVO_STEP;
        }
    }
    /* The Kalman filter's whole estimated offset goes (a PLL removes its proportional share). */
    if (isnan(phase)) {
        phase = x;
    }
    apply_freq(s, now_ns, (-s->f - phase / s->p.corr_time_s) * 1e6);
    return SERVO_SLEW;
}

void servo_holdover(struct servo *s, int64_t now_ns)
{
    if (s->p.estimator == NULL && s->have_u) {
        kf_predict(s, now_ns); /* the uncertainty grows with the wander */
    }
    double ppm = clamp(-s->f * 1e6, s->p.maxslew_ppm);
    if (ppm != s->applied_ppm) {
        apply_freq(s, now_ns, ppm);
    }
}

void servo_rebase(struct servo *s, double k_s)
{
    s->u_s -= k_s;
    for (int i = 0; i < s->n_seg; i++) {
        s->seg[(s->seg_head + i) % SERVO_SEGS].c0_s += k_s;
    }
    if (s->p.estimator != NULL) {
        s->p.estimator->rebase(s->p.estimator_state, k_s);
    }
    s->blk_ubase -= k_s;
    for (int i = 0; i < 3; i++) {
        s->blk_m[i] -= k_s;
    }
}

double servo_offset_s(const struct servo *s, int64_t now_ns)
{
    if (!s->have_u) {
        return NAN;
    }
    double dt = nt_to_s(now_ns - s->t_ns);
    return s->u_s + s->f * dt + servo_frame(s, now_ns);
}

double servo_freq_ppm(const struct servo *s)
{
    return s->f * 1e6;
}

double servo_skew_ppm(const struct servo *s)
{
    return sqrt(fmax(s->p22, 0)) * 1e6;
}

double servo_wander(const struct servo *s)
{
    return sqrt(s->q);
}
