/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * servo_alt: see servo_alt.h. Both work from the measurements since the last update and
 * leave their estimate where the servo's control reads it: the free-running offset u_s at
 * t_ns, the natural frequency f, and their variances.
 *
 * PLL: a type-2 phase-locked loop (proportional + integral on the measured offset),
 * critically damped (ki = kp^2 / 4), with its time constant scheduled from 4 s up to the
 * optimum for the source's noise and the assumed wander, 1.5 (R/q)^(1/4).
 * Regression: chrony's approach: a least-squares line through the newest samples, the window
 * shrunk until the residuals pass a runs test (too few sign changes means the line no longer
 * fits, e.g. because the frequency wandered).
 */
#include <math.h>

#include "common/ntime.h"
#include "tests/bench/servo_alt.h"

static void meas_add(struct alt_meas *m, int64_t t_ns, double u_s, double var)
{
    if (m->n == 0) {
        m->t0_ns = t_ns;
        m->t_sum = m->u_sum = m->var_sum = 0;
    }
    m->n++;
    m->t_sum += nt_to_s(t_ns - m->t0_ns);
    m->u_sum += u_s;
    m->var_sum += var;
}

/* --- PLL ------------------------------------------------------------------------------- */

static void pll_measure(struct servo *s, void *state, int64_t t_ns, double u_s, double var)
{
    (void)s;
    meas_add(&((struct servo_pll *)state)->m, t_ns, u_s, var);
}

static double pll_update(struct servo *s, void *state, int64_t now_ns)
{
    struct servo_pll *p = state;
    if (!p->started) {
        p->started = true;
        p->base = -s->f; /* start from the servo's first guess (drift file or clock) */
    }
    int n = p->m.n;
    double r = p->m.var_sum / n;
    int64_t tm = p->m.t0_ns + nt_from_s(p->m.t_sum / n);
    double um = p->m.u_sum / n;
    p->m.n = 0;
    double f = -p->base;
    double x = um + f * nt_to_s(now_ns - tm) + servo_frame(s, now_ns);
    double dt = s->last_update_ns != 0 ? nt_to_s(now_ns - s->last_update_ns) : 1.0;
    dt = fmin(fmax(dt, 0.1), 64);
    double t_max = fmin(fmax(1.5 * pow(r / s->q, 0.25), 4), 4000);
    if (fabs(x) > 20 * sqrt(r)) {
        p->n = 0; /* far out of lock (a new source, a returning one): widen again */
    }
    double tc = fmin(t_max, 4 + p->n / 2.0);
    p->n++;
    double kp = 2 / tc, ki = 1 / (tc * tc);
    double dbase = -ki * x / dt;
    p->prev_base = p->base;
    p->base = fmin(fmax(p->base + dbase, -CLK_MAX_FREQ_PPM * 1e-6), CLK_MAX_FREQ_PPM * 1e-6);
    s->f = -p->base;
    s->resid_ppm = -dbase * 1e6;
    s->p22 = 0.9 * s->p22 + 0.1 * dbase * dbase * tc;
    s->p11 = r;
    s->u_s = x - servo_frame(s, now_ns);
    s->t_ns = now_ns;
    s->have_u = true;
    return kp * x / dt * s->p.corr_time_s; /* only the proportional share of the offset */
}

static void pll_stepped(struct servo *s, void *state)
{
    struct servo_pll *p = state;
    /* A stepped offset is not a frequency error. */
    p->base = p->prev_base;
    s->f = -p->base;
    p->n = 0;
}

static void pll_forget(void *state)
{
    struct servo_pll *p = state;
    p->n = 0;
    p->m.n = 0;
}

static void pll_rebase(void *state, double k_s)
{
    struct servo_pll *p = state;
    p->m.u_sum -= k_s * p->m.n;
}

const struct servo_estimator servo_pll_estimator = {
    .name = "pll",
    .measure = pll_measure,
    .update = pll_update,
    .stepped = pll_stepped,
    .forget = pll_forget,
    .rebase = pll_rebase,
};

/* --- regression ------------------------------------------------------------------------ */

static void lsq_measure(struct servo *s, void *state, int64_t t_ns, double u_s, double var)
{
    (void)s;
    struct servo_lsq *l = state;
    meas_add(&l->m, t_ns, u_s, var);
    int slot;
    if (l->n == SERVO_LSQ_MAX) {
        slot = l->head;
        l->head = (l->head + 1) % SERVO_LSQ_MAX;
    } else {
        slot = (l->head + l->n) % SERVO_LSQ_MAX;
        l->n++;
    }
    l->t_ns[slot] = t_ns;
    l->u_s[slot] = u_s;
}

struct fit {
    double tbar, ubar, stt, b, s2;
};

/* Fit the newest m samples; times relative to ref_ns. */
static void fit_newest(const struct servo_lsq *l, int m, int64_t ref_ns, struct fit *out,
                       int *runs_ok)
{
    double t[SERVO_LSQ_MAX], u[SERVO_LSQ_MAX];
    for (int k = 0; k < m; k++) {
        int i = (l->head + l->n - m + k) % SERVO_LSQ_MAX;
        t[k] = nt_to_s(l->t_ns[i] - ref_ns);
        u[k] = l->u_s[i];
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

static double lsq_update(struct servo *s, void *state, int64_t now_ns)
{
    struct servo_lsq *l = state;
    double r = l->m.var_sum / l->m.n;
    l->m.n = 0;
    if (l->n < 3) {
        /* Not enough for a line: the newest sample sets the phase, the frequency stays. */
        int i = (l->head + l->n - 1) % SERVO_LSQ_MAX;
        s->u_s = l->u_s[i] + s->f * nt_to_s(now_ns - l->t_ns[i]);
        if (l->n == 2) {
            int j = l->head;
            double dt = nt_to_s(l->t_ns[i] - l->t_ns[j]);
            if (dt > 0) {
                s->f = (l->u_s[i] - l->u_s[j]) / dt;
                s->p22 = 2 * r / (dt * dt);
            }
        }
        s->p11 = r;
        s->t_ns = now_ns;
        s->have_u = true;
        return NAN; /* the whole offset */
    }
    struct fit fit;
    int m = l->n, ok = 0;
    for (;;) {
        fit_newest(l, m, now_ns, &fit, &ok);
        if (ok || m <= 4) {
            break;
        }
        m = m * 3 / 4;
    }
    /* Drop the samples the window no longer wants: they would come back next time. */
    while (l->n > m) {
        l->head = (l->head + 1) % SERVO_LSQ_MAX;
        l->n--;
    }
    double s2 = fmax(fit.s2, r / 4);
    double prev_f = s->f;
    s->f = fit.b;
    s->u_s = fit.ubar - fit.b * fit.tbar; /* at t = 0, i.e. now */
    s->p22 = s2 / fit.stt;
    s->p11 = s2 * (1.0 / m + fit.tbar * fit.tbar / fit.stt);
    s->resid_ppm = (s->f - prev_f) * 1e6;
    s->t_ns = now_ns;
    s->have_u = true;
    return NAN;
}

static void lsq_stepped(struct servo *s, void *state)
{
    (void)s;
    (void)state; /* the history is in the free-running frame: a step does not move it */
}

static void lsq_forget(void *state)
{
    struct servo_lsq *l = state;
    l->n = 0;
    l->m.n = 0;
}

static void lsq_rebase(void *state, double k_s)
{
    struct servo_lsq *l = state;
    for (int i = 0; i < l->n; i++) {
        l->u_s[(l->head + i) % SERVO_LSQ_MAX] -= k_s;
    }
    l->m.u_sum -= k_s * l->m.n;
}

const struct servo_estimator servo_lsq_estimator = {
    .name = "regression",
    .measure = lsq_measure,
    .update = lsq_update,
    .stepped = lsq_stepped,
    .forget = lsq_forget,
    .rebase = lsq_rebase,
};
