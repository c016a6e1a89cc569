/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * servo_alt: the two estimators the Kalman filter was measured against (servo.c explains the
 * choice; tests/bench/bench_servo.c runs all three). Both work from the measurements gathered
 * by servo_measure and leave their estimate where the common control in servo_update reads
 * it: the free-running offset u_s at t_ns, the natural frequency f, and their variances.
 *
 * SERVO_PLL: a type-2 phase-locked loop (proportional + integral on the measured offset),
 * critically damped (ki = kp^2 / 4), with its time constant scheduled from 4 s up to the
 * optimum for the source's noise and the assumed wander, 1.5 (R/q)^(1/4).
 * SERVO_LSQ: chrony's approach: a least-squares line through the newest samples, the window
 * shrunk until the residuals pass a runs test (too few sign changes means the line no longer
 * fits, e.g. because the frequency wandered).
 */
#include <math.h>

#include "common/ntime.h"
#include "refclock/servo.h"

void servo_pll_estimate(struct servo *s, int64_t now_ns)
{
    int n = s->n_meas;
    double r = s->meas_var / n;
    int64_t tm = s->meas_t0_ns + nt_from_s(s->meas_t_sum / n);
    double um = s->meas_u_sum / n;
    double f = -s->pll_base;
    double x = um + f * nt_to_s(now_ns - tm) + servo_frame(s, now_ns);
    double dt = s->last_update_ns != 0 ? nt_to_s(now_ns - s->last_update_ns) : 1.0;
    dt = fmin(fmax(dt, 0.1), 64);
    double t_max = fmin(fmax(1.5 * pow(r / s->q, 0.25), 4), 4000);
    if (fabs(x) > 20 * sqrt(r)) {
        s->pll_n = 0; /* far out of lock (a new source, a returning one): widen again */
    }
    double tc = fmin(t_max, 4 + s->pll_n / 2.0);
    s->pll_n++;
    double kp = 2 / tc, ki = 1 / (tc * tc);
    double dbase = -ki * x / dt;
    s->pll_prev_base = s->pll_base; /* restored if this update turns out to be a step */
    s->pll_base = fmin(fmax(s->pll_base + dbase, -CLK_MAX_FREQ_PPM * 1e-6), CLK_MAX_FREQ_PPM * 1e-6);
    s->f = -s->pll_base;
    s->resid_ppm = -dbase * 1e6;
    s->p22 = 0.9 * s->p22 + 0.1 * dbase * dbase * tc;
    s->p11 = r;
    s->u_s = x - servo_frame(s, now_ns);
    s->t_ns = now_ns;
    s->have_u = true;
    s->pll_phase_s = kp * x / dt * s->p.corr_time_s;
}

void servo_lsq_add(struct servo *s, int64_t t_ns, double u_s)
{
    int slot;
    if (s->lsq_n == SERVO_LSQ_MAX) {
        slot = s->lsq_head;
        s->lsq_head = (s->lsq_head + 1) % SERVO_LSQ_MAX;
    } else {
        slot = (s->lsq_head + s->lsq_n) % SERVO_LSQ_MAX;
        s->lsq_n++;
    }
    s->lsq_t_ns[slot] = t_ns;
    s->lsq_u_s[slot] = u_s;
}

struct fit {
    double tbar, ubar, stt, b, s2;
};

/* Fit the newest m samples; times relative to ref_ns. */
static void fit_newest(const struct servo *s, int m, int64_t ref_ns, struct fit *out,
                       int *runs_ok)
{
    double t[SERVO_LSQ_MAX], u[SERVO_LSQ_MAX];
    for (int k = 0; k < m; k++) {
        int i = (s->lsq_head + s->lsq_n - m + k) % SERVO_LSQ_MAX;
        t[k] = nt_to_s(s->lsq_t_ns[i] - ref_ns);
        u[k] = s->lsq_u_s[i];
    }
    double tb = 0, ub = 0;
    for (int k = 0; k < m; k++) {
        tb += t[k];
        ub += u[k];
    }
    tb /= m;
    ub /= m;
    double stt = 0, stu = 0;
    for (int k = 0; k < m; k++) {
        stt += (t[k] - tb) * (t[k] - tb);
        stu += (t[k] - tb) * (u[k] - ub);
    }
    double b = stt > 0 ? stu / stt : 0;
    double ss = 0;
    int runs = 0, pos = 0, neg = 0, prev = 0;
    for (int k = 0; k < m; k++) {
        double res = u[k] - ub - b * (t[k] - tb);
        ss += res * res;
        int sign = res >= 0 ? 1 : -1;
        pos += sign > 0;
        neg += sign < 0;
        runs += sign != prev;
        prev = sign;
    }
    out->tbar = tb;
    out->ubar = ub;
    out->stt = stt;
    out->b = b;
    out->s2 = m > 2 ? ss / (m - 2) : 0;
    /* Wald-Wolfowitz runs test, one-sided 5%: too few runs = residuals not random. */
    double n1 = pos, n2 = neg, nn = m;
    double e = 1 + 2 * n1 * n2 / nn;
    double v = nn > 1 ? 2 * n1 * n2 * (2 * n1 * n2 - nn) / (nn * nn * (nn - 1)) : 0;
    *runs_ok = v <= 0 || runs >= e - 1.645 * sqrt(v);
}

void servo_lsq_estimate(struct servo *s, int64_t now_ns)
{
    double r = s->meas_var / s->n_meas;
    if (s->lsq_n < 3) {
        /* Not enough for a line: the newest sample sets the phase, the frequency stays. */
        int i = (s->lsq_head + s->lsq_n - 1) % SERVO_LSQ_MAX;
        s->u_s = s->lsq_u_s[i] + s->f * nt_to_s(now_ns - s->lsq_t_ns[i]);
        if (s->lsq_n == 2) {
            int j = s->lsq_head;
            double dt = nt_to_s(s->lsq_t_ns[i] - s->lsq_t_ns[j]);
            if (dt > 0) {
                s->f = (s->lsq_u_s[i] - s->lsq_u_s[j]) / dt;
                s->p22 = 2 * r / (dt * dt);
            }
        }
        s->p11 = r;
        s->t_ns = now_ns;
        s->have_u = true;
        return;
    }
    struct fit fit;
    int m = s->lsq_n, ok = 0;
    for (;;) {
        fit_newest(s, m, now_ns, &fit, &ok);
        if (ok || m <= 4) {
            break;
        }
        m = m * 3 / 4;
    }
    /* Drop the samples the window no longer wants: they would come back next time. */
    while (s->lsq_n > m) {
        s->lsq_head = (s->lsq_head + 1) % SERVO_LSQ_MAX;
        s->lsq_n--;
    }
    s->lsq_used = m;
    double s2 = fmax(fit.s2, r / 4);
    double prev_f = s->f;
    s->f = fit.b;
    s->u_s = fit.ubar - fit.b * fit.tbar; /* at t = 0, i.e. now */
    s->p22 = s2 / fit.stt;
    s->p11 = s2 * (1.0 / m + fit.tbar * fit.tbar / fit.stt);
    s->resid_ppm = (s->f - prev_f) * 1e6;
    s->t_ns = now_ns;
    s->have_u = true;
}
