/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter: the median/outlier filter of one reference clock. Keeps the last N offsets; the
 * estimate is the mean of the samples closest to the median (the inner 60%), the jitter is
 * their RMS deviation. A new sample far outside the recent spread is an outlier: counted and
 * not used. Pure, fixed memory.
 */
#ifndef GN_FILTER_H
#define GN_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define FLT_MAX_LEN 64

struct flt {
    int len;                 /* configured window */
    int n;                   /* samples held */
    int head;
    int64_t t_ns[FLT_MAX_LEN];
    double x_s[FLT_MAX_LEN]; /* offsets, local - reference */
    double jitter_s;         /* last computed */
};

void flt_init(struct flt *f, int len);
void flt_reset(struct flt *f);
/* Add a sample; returns false (sample not kept) when it is an outlier against a full window:
 * further than max(8 x jitter, min_spread_s) from the median. */
bool flt_add(struct flt *f, int64_t t_ns, double x_s, double min_spread_s);
/* Robust estimate over the window: offset, jitter (RMS), time of the newest sample.
 * False when empty. */
bool flt_estimate(struct flt *f, double *x_s, double *jitter_s, int64_t *t_ns);

#endif
