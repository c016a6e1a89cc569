/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter: the outlier filter of one reference clock. It keeps the last N offsets of the source
 * in the discipline's free-running frame (the offset the clock would show had it never been
 * corrected, so the servo's own slewing and stepping do not look like noise), fits a robust
 * straight line through them (median of pair slopes, median level), and from that gives the
 * source's jitter (RMS of the residuals), a prediction for any instant, and the outlier test
 * for each new sample. A run of outliers that agree with each other is a level shift: the
 * window restarts from them. Pure, fixed memory.
 */
#ifndef GN_FILTER_H
#define GN_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define FLT_MAX_LEN 64
#define FLT_DEFAULT_LEN 16
#define FLT_SHIFT_N 5 /* consecutive agreeing outliers that make a level shift */

enum flt_result {
    FLT_ACCEPTED = 0, /* kept in the window */
    FLT_OUTLIER,      /* too far from the window's line: counted, not used */
    FLT_SHIFTED,      /* the last FLT_SHIFT_N outliers agreed: the window restarted from them */
};

struct flt {
    int len;                   /* configured window */
    double min_spread_s;       /* outlier limit floor (the source class's normal spread) */
    int n, head;               /* samples held, index of the oldest */
    int64_t t_ns[FLT_MAX_LEN]; /* monotonic time of each sample */
    double u_s[FLT_MAX_LEN];   /* offsets (local - reference), free-running frame */
    /* the current fit: u(t) = level + slope * (t - ref) */
    int64_t ref_ns;
    double level_s, slope;
    int fit_n;                 /* inliers used */
    double fit_tbar, fit_stt;  /* their mean time (s from ref) and spread, for predictions */
    double jitter_s;           /* RMS of the inlier residuals, a running average over fits;
                                  NaN until 3 samples */
    double var_avg;            /* its square */
    int var_n;                 /* degrees of freedom averaged so far (up to 50) */
    /* the current run of outliers */
    int n_out;
    int64_t out_t_ns[FLT_SHIFT_N];
    double out_u_s[FLT_SHIFT_N];
};

/* len: window length (clamped to 1..FLT_MAX_LEN; <= 0 gives FLT_DEFAULT_LEN). */
void flt_init(struct flt *f, int len, double min_spread_s);
/* Forget every sample (the jitter estimate is kept: it describes the source, not the
 * samples). */
void flt_reset(struct flt *f);
/* Offer a sample at monotonic time t_ns. With at least 6 samples held (or a full window of
 * at least 3), a sample further than max(6 x jitter x the line's prediction spread,
 * min_spread) from the line is an outlier. */
enum flt_result flt_add(struct flt *f, int64_t t_ns, double u_s);
/* Add delta_s to every held offset (the frame they are kept in moved). */
void flt_shift(struct flt *f, double delta_s);
/* The line's value at t_ns. False when the window is empty. */
bool flt_predict(const struct flt *f, int64_t t_ns, double *u_s);
/* Samples held, jitter (NaN if unknown), time of the newest sample (0 if none). */
int flt_count(const struct flt *f);
double flt_jitter(const struct flt *f);
int64_t flt_newest_ns(const struct flt *f);
/* Runs of residuals of one sign (about the current line) over the held samples, oldest
 * first; 0 when empty. Many short runs: noise around a line that fits; few long ones: the
 * source wanders away from it (chrony's statistics log shows the same count). */
int flt_runs(const struct flt *f);

#endif
