/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * servo_alt: the two estimators the daemon's Kalman filter was measured against
 * (refclock/servo.c explains the choice; bench_servo runs all three). They plug into the
 * servo through struct servo_estimator, each with its state here.
 */
#ifndef GN_SERVO_ALT_H
#define GN_SERVO_ALT_H

#include <stdbool.h>
#include <stdint.h>

#include "refclock/servo.h"

#define SERVO_LSQ_MAX 64

/* What both gather between updates. */
struct alt_meas {
    int n;
    int64_t t0_ns;
    double t_sum, u_sum, var_sum;
};

struct servo_pll {
    struct alt_meas m;
    bool started;
    double base;        /* frequency correction cancelling the natural error, s/s */
    double prev_base;   /* restored if an update turns out to be a step */
    int n;              /* updates since lock was (re)acquired: schedules the time constant */
};

struct servo_lsq {
    struct alt_meas m;
    int n, head;        /* history in the free-running frame */
    int64_t t_ns[SERVO_LSQ_MAX];
    double u_s[SERVO_LSQ_MAX];
};

extern const struct servo_estimator servo_pll_estimator;
extern const struct servo_estimator servo_lsq_estimator;

#endif
