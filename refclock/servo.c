/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * servo: a type-2 phase-locked loop (proportional + integral) with two additions chosen by
 * measurement in tests/bench/bench_servo.c:
 *  - frequency acquisition for precise (PPS-class) sources: the first 8 s after a step are fit
 *    with a straight line and the slope sets the frequency at once, which brings a +100 ppm
 *    oscillator into lock in about 20 s instead of the several minutes a narrow PLL needs;
 *  - gain scheduling: the loop starts wide (kp 0.5) and narrows to kp_min as it settles, so
 *    it locks fast and then averages jitter over a long time constant (about 2/kp_min s).
 * A least-squares regression servo (chrony's approach) was considered; with per-second PPS
 * updates the PLL reaches the same sub-microsecond error with far less state, and its
 * behaviour under a slewing clock needs no bookkeeping of past corrections.
 */
#include "refclock/servo.h"

#include <math.h>
#include <string.h>

#include "common/log.h"
#include "common/ntime.h"

#define KP_START 0.5
#define KP_MIN_PRECISE 0.04  /* PPS: time constant ~50 s */
#define KP_MIN_COARSE 0.02   /* NMEA: ~100 s, averaging tens of ms of jitter */
#define FIT_SECONDS 8

void servo_init(struct servo *s, struct clk *clk, const struct servo_params *p,
                double initial_ppm, double skew_ppm)
{
    memset(s, 0, sizeof(*s));
    s->p = *p;
    s->clk = clk;
    s->base_ppm = initial_ppm;
    s->applied_ppm = initial_ppm;
    s->kp = KP_START;
    s->skew_ppm = skew_ppm;
    s->rms_offset_s = NAN;
    s->last_offset_s = NAN;
    s->resid_ppm = NAN;
    s->fll_done = skew_ppm < 1.0; /* a known drift needs no acquisition */
    clk->ops->set_freq(clk, initial_ppm);
}

static double clamp(double v, double lim)
{
    return v > lim ? lim : v < -lim ? -lim : v;
}

static void apply(struct servo *s, double ppm)
{
    s->applied_ppm = clamp(ppm, s->p.maxslew_ppm);
    s->clk->ops->set_freq(s->clk, s->applied_ppm);
}

void servo_request_step(struct servo *s)
{
    s->step_requested = true;
}

void servo_holdover(struct servo *s)
{
    if (s->applied_ppm != s->base_ppm) {
        apply(s, s->base_ppm);
    }
}

/* Slope (s/s) of the fit points; 0 when degenerate. */
static double fit_slope(const struct servo *s)
{
    double mt = 0, mx = 0;
    for (int i = 0; i < s->fit_n; i++) {
        mt += s->fit_t[i];
        mx += s->fit_x[i];
    }
    mt /= s->fit_n;
    mx /= s->fit_n;
    double num = 0, den = 0;
    for (int i = 0; i < s->fit_n; i++) {
        num += (s->fit_t[i] - mt) * (s->fit_x[i] - mx);
        den += (s->fit_t[i] - mt) * (s->fit_t[i] - mt);
    }
    return den > 0 ? num / den : 0;
}

enum servo_action servo_update(struct servo *s, int64_t mono_ns, double offset_s,
                               double jitter_s, bool precise)
{
    double dt = s->last_mono_ns != 0 ? nt_to_s(mono_ns - s->last_mono_ns) : 1.0;
    if (dt <= 0 || dt > 64) {
        dt = 1.0;
    }
    s->last_mono_ns = mono_ns;
    s->updates++;
    s->last_offset_s = offset_s;
    s->rms_offset_s = isfinite(s->rms_offset_s)
                          ? sqrt(0.9 * s->rms_offset_s * s->rms_offset_s + 0.1 * offset_s * offset_s)
                          : fabs(offset_s);

    bool may_step = s->p.makestep_limit < 0 || s->updates <= s->p.makestep_limit;
    if (s->step_requested || (may_step && fabs(offset_s) > s->p.makestep_threshold_s)) {
        s->step_requested = false;
        s->clk->ops->step(s->clk, -nt_from_s(offset_s));
        log_info("servo: clock stepped by %+.9f s", -offset_s);
        s->locked_updates = 0;
        s->kp = KP_START;
        s->fit_n = 0;
        s->last_offset_s = 0;
        apply(s, s->base_ppm);
        return SERVO_STEP;
    }

    if (precise && !s->fll_done) {
        /* Collect, holding the frequency still, then set it from the slope. */
        if (s->fit_n < SERVO_FIT_MAX) {
            double t = s->fit_n == 0 ? 0 : s->fit_t[s->fit_n - 1] + dt;
            s->fit_t[s->fit_n] = t;
            s->fit_x[s->fit_n] = offset_s;
            s->fit_n++;
        }
        if (s->fit_n <= FIT_SECONDS && fabs(offset_s) < 0.01) {
            apply(s, s->base_ppm);
            return SERVO_FREQ_ACQUIRE;
        }
        double slope_ppm = fit_slope(s) * 1e6; /* the clock gains this much per second */
        s->base_ppm = clamp(s->base_ppm - slope_ppm, s->p.maxslew_ppm);
        s->skew_ppm = fmax(jitter_s * 1e6 * 3.5 / pow(FIT_SECONDS, 1.5), 0.01);
        s->fll_done = true;
        s->locked_updates = 0;
        s->kp = KP_START;
        log_info("servo: frequency acquired: %+.3f ppm", -s->base_ppm);
    }

    /* Gain schedule: kp = 1/(2 + n/4), bounded below. */
    double kp_min = precise ? KP_MIN_PRECISE : KP_MIN_COARSE;
    s->locked_updates++;
    s->kp = fmax(kp_min, 1.0 / (2.0 + s->locked_updates / 4.0));
    double ki = s->kp * s->kp / 4;
    double integral_step = -ki * offset_s / dt * 1e6;
    s->base_ppm = clamp(s->base_ppm + integral_step, s->p.maxslew_ppm);
    s->resid_ppm = integral_step;
    /* The skew estimate follows the size of integral corrections, decaying slowly. */
    s->skew_ppm = fmax(0.95 * s->skew_ppm + 0.05 * fabs(integral_step) * 4, 0.001);
    double phase_ppm = -s->kp * offset_s / dt * 1e6;
    apply(s, s->base_ppm + phase_ppm);
    return SERVO_SLEW;
}
