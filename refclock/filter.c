/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter: the fit is robust so that the outliers it is meant to catch (a late NMEA sentence,
 * a spurious edge) cannot drag it: the slope is the median of the slopes between samples half
 * a window apart (their noise is small, and half of them may be bad), the level is the median
 * of the detrended offsets, and the final level and jitter use only the samples within
 * max(5 sigma, min_spread) of it, sigma from the median absolute deviation. chrony's refclock
 * filter similarly keeps the 60% of samples nearest the median and fits a line through them.
 */
#include "refclock/filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"

#define OUTLIER_K 6.0
#define INLIER_K 5.0
#define MAD_TO_SIGMA 1.4826
#define VAR_AVG_N 50        /* samples in the jitter's running average */
#define MIN_FOR_OUTLIERS 6 /* fewer samples say too little about the jitter */

void flt_init(struct flt *f, int len, double min_spread_s)
{
    memset(f, 0, sizeof(*f));
    f->len = len <= 0 ? FLT_DEFAULT_LEN : len > FLT_MAX_LEN ? FLT_MAX_LEN : len;
    f->min_spread_s = min_spread_s;
    f->jitter_s = NAN;
}

void flt_reset(struct flt *f)
{
    double jitter = f->jitter_s, var = f->var_avg;
    int var_n = f->var_n;
    flt_init(f, f->len, f->min_spread_s);
    f->jitter_s = jitter;
    f->var_avg = var;
    f->var_n = var_n;
}

int flt_count(const struct flt *f)
{
    return f->n;
}

double flt_jitter(const struct flt *f)
{
    return f->jitter_s;
}

int64_t flt_newest_ns(const struct flt *f)
{
    return f->n > 0 ? f->t_ns[(f->head + f->n - 1) % f->len] : 0;
}

int flt_runs(const struct flt *f)
{
    int runs = 0, prev = 0;
    for (int k = 0; k < f->n; k++) {
        int i = (f->head + k) % f->len;
        double r = f->u_s[i] - f->level_s - f->slope * nt_to_s(f->t_ns[i] - f->ref_ns);
        int sign = r > 0 ? 1 : r < 0 ? -1 : 0;
        if (sign != 0 && sign != prev) {
            runs++;
            prev = sign;
        }
    }
    return runs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The robust pass: the slope as the median of the slopes between samples half a window
 * apart, the level as the median of the detrended offsets; in[k] says which samples lie within
 * max(5 sigma, min_spread) of it (sigma from the median absolute deviation). Returns their
 * number, at least 1, and the robust slope. */
static int robust_inliers(const struct flt *f, const double *t, const double *u, int n, bool *in,
                          double *robust_slope)
{
    double tmp[FLT_MAX_LEN], a[FLT_MAX_LEN];
    double slope = 0;
    if (n >= 2) {
        int h = n / 2, m = 0;
        for (int k = 0; k + h < n; k++) {
            double dt = t[k + h] - t[k];
            if (dt > 0) {
                tmp[m++] = (u[k + h] - u[k]) / dt;
            }
        }
        slope = m > 0 ? median(tmp, m) : 0;
    }
    for (int k = 0; k < n; k++) {
        a[k] = u[k] - slope * t[k];
        tmp[k] = a[k];
    }
    double level = median(tmp, n);
    for (int k = 0; k < n; k++) {
        tmp[k] = fabs(a[k] - level);
    }
    /* The MAD of a few samples can come out small by chance; the long-run jitter keeps the
     * inlier bound from collapsing with it. */
    double sigma = fmax(MAD_TO_SIGMA * median(tmp, n), isfinite(f->jitter_s) ? f->jitter_s : 0);
    double limit = fmax(INLIER_K * sigma, f->min_spread_s);
    int m = 0;
    for (int k = 0; k < n; k++) {
        in[k] = fabs(a[k] - level) <= limit;
        m += in[k];
    }
    *robust_slope = slope;
    return m;
}

/* The jitter is a long-run average of the fits' variances, weighted by their degrees of
 * freedom (as chrony's refclock filter): one window's estimate is too noisy to set outlier
 * bounds. */
static void average_jitter(struct flt *f, double ss, int dof)
{
    if (dof < 1) {
        return;
    }
    double var = ss / dof;
    if (f->var_n < VAR_AVG_N) {
        f->var_avg = (f->var_avg * f->var_n + var * dof) / (f->var_n + dof);
        f->var_n += dof;
    } else {
        /* Consecutive windows share all but one sample: one new sample's worth. */
        f->var_avg += (var - f->var_avg) / VAR_AVG_N;
    }
    f->jitter_s = sqrt(f->var_avg);
}

/* Refit the line through the window (chronological index k = 0 .. n-1): a robust pass
 * picks the inliers, a least-squares pass through them gives the line and the jitter. */
static void refit(struct flt *f)
{
    int n = f->n;
    double t[FLT_MAX_LEN], u[FLT_MAX_LEN];
    f->ref_ns = flt_newest_ns(f);
    for (int k = 0; k < n; k++) {
        int i = (f->head + k) % f->len;
        t[k] = nt_to_s(f->t_ns[i] - f->ref_ns);
        u[k] = f->u_s[i];
    }
    bool in[FLT_MAX_LEN];
    double slope;
    int m = robust_inliers(f, t, u, n, in, &slope);
    double tb = 0, ub = 0;
    for (int k = 0; k < n; k++) {
        if (in[k]) {
            tb += t[k];
            ub += u[k];
        }
    }
    tb /= m;
    ub /= m;
    double stt = 0, stu = 0;
    for (int k = 0; k < n; k++) {
        if (in[k]) {
            stt += (t[k] - tb) * (t[k] - tb);
            stu += (t[k] - tb) * (u[k] - ub);
        }
    }
    /* With fewer than 3 inliers the robust slope stays (a line through two points has no
     * residuals to judge it by). */
    if (m >= 3 && stt > 0) {
        slope = stu / stt;
    }
    double level = ub - slope * tb;
    double ss = 0;
    for (int k = 0; k < n; k++) {
        if (in[k]) {
            double r = u[k] - level - slope * t[k];
            ss += r * r;
        }
    }
    f->level_s = level;
    f->slope = slope;
    f->fit_n = m;
    f->fit_tbar = tb;
    f->fit_stt = stt;
    /* Two degrees of freedom go to the line (one when only a level is fitted). */
    average_jitter(f, ss, m - (m >= 3 ? 2 : 1));
}

void flt_shift(struct flt *f, double delta_s)
{
    for (int k = 0; k < f->n; k++) {
        f->u_s[(f->head + k) % f->len] += delta_s;
    }
    for (int k = 0; k < f->n_out; k++) {
        f->out_u_s[k] += delta_s;
    }
    f->level_s += delta_s;
}

bool flt_predict(const struct flt *f, int64_t t_ns, double *u_s)
{
    if (f->n == 0) {
        return false;
    }
    *u_s = f->level_s + f->slope * nt_to_s(t_ns - f->ref_ns);
    return true;
}

static void push(struct flt *f, int64_t t_ns, double u_s)
{
    int slot;
    if (f->n == f->len) {
        slot = f->head;
        f->head = (f->head + 1) % f->len;
    } else {
        slot = (f->head + f->n) % f->len;
        f->n++;
    }
    f->t_ns[slot] = t_ns;
    f->u_s[slot] = u_s;
}

enum flt_result flt_add(struct flt *f, int64_t t_ns, double u_s)
{
    if (f->n >= MIN_FOR_OUTLIERS || (f->n >= 3 && f->n == f->len)) {
        double pred;
        flt_predict(f, t_ns, &pred);
        double jitter = isfinite(f->jitter_s) ? f->jitter_s : 0;
        /* The line's own uncertainty where it is extrapolated (least-squares prediction). */
        double dt = nt_to_s(t_ns - f->ref_ns) - f->fit_tbar;
        double spread = sqrt(1 + 1.0 / f->fit_n + (f->fit_stt > 0 ? dt * dt / f->fit_stt : 0));
        /* Early on the jitter itself is uncertain (few degrees of freedom): widen. */
        double early = 1 + 2 / sqrt(fmax(f->var_n, 1));
        double limit = fmax(OUTLIER_K * jitter * spread * early, f->min_spread_s);
        if (fabs(u_s - pred) > limit) {
            f->out_t_ns[f->n_out] = t_ns;
            f->out_u_s[f->n_out] = u_s;
            f->n_out++;
            if (f->n_out < FLT_SHIFT_N) {
                return FLT_OUTLIER;
            }
            /* Do the outliers agree among themselves (the source moved) or are they just
             * scattered? Compare each with their own median level. */
            double lv[FLT_SHIFT_N];
            for (int k = 0; k < FLT_SHIFT_N; k++) {
                lv[k] = f->out_u_s[k] - f->slope * nt_to_s(f->out_t_ns[k] - t_ns);
            }
            double tmp[FLT_SHIFT_N];
            memcpy(tmp, lv, sizeof(tmp));
            double mid = median(tmp, FLT_SHIFT_N);
            bool agree = true;
            for (int k = 0; k < FLT_SHIFT_N; k++) {
                agree = agree && fabs(lv[k] - mid) <= limit;
            }
            if (!agree) {
                memmove(f->out_t_ns, f->out_t_ns + 1, (FLT_SHIFT_N - 1) * sizeof(int64_t));
                memmove(f->out_u_s, f->out_u_s + 1, (FLT_SHIFT_N - 1) * sizeof(double));
                f->n_out--;
                return FLT_OUTLIER;
            }
            int64_t ot[FLT_SHIFT_N];
            double ou[FLT_SHIFT_N];
            memcpy(ot, f->out_t_ns, sizeof(ot));
            memcpy(ou, f->out_u_s, sizeof(ou));
            flt_reset(f);
            for (int k = 0; k < FLT_SHIFT_N; k++) {
                push(f, ot[k], ou[k]);
            }
            refit(f);
            return FLT_SHIFTED;
        }
    }
    f->n_out = 0;
    push(f, t_ns, u_s);
    refit(f);
    return FLT_ACCEPTED;
}
