/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * servo: turns offset measurements of the selected reference into clock corrections through
 * the clock interface (frequency and step only; the phase correction rides on the frequency).
 *
 * Sign: offset_s = local clock - reference (positive: the clock is ahead). freq_ppm values
 * are corrections (positive speeds the clock up); the clock's natural error is -base_ppm.
 */
#ifndef GN_SERVO_H
#define GN_SERVO_H

#include <stdbool.h>
#include <stdint.h>

#include "common/clk.h"

struct servo_params {
    double makestep_threshold_s; /* step when |offset| exceeds it ... */
    int makestep_limit;          /* ... during the first LIMIT updates (-1: always) */
    double maxslew_ppm;          /* bound on |base + phase term| */
};

enum servo_action { SERVO_SLEW = 0, SERVO_STEP, SERVO_FREQ_ACQUIRE };

#define SERVO_FIT_MAX 16

struct servo {
    struct servo_params p;
    struct clk *clk;
    double base_ppm;        /* frequency correction that cancels the oscillator's error */
    double applied_ppm;     /* what the clock runs at now (base + phase term) */
    double kp;              /* proportional gain, narrowed as the loop settles */
    int updates;            /* updates since start (makestep limit) */
    int locked_updates;     /* updates since the last step or frequency acquisition */
    bool step_requested;
    bool fll_done;
    int64_t last_mono_ns;   /* time of the previous update */
    double last_offset_s;
    double rms_offset_s;    /* exponential RMS of offsets */
    double skew_ppm;        /* estimated frequency uncertainty */
    double resid_ppm;       /* last integral change */
    /* frequency acquisition: a straight-line fit over the first seconds */
    int fit_n;
    double fit_t[SERVO_FIT_MAX], fit_x[SERVO_FIT_MAX];
};

/* initial_ppm: the frequency correction known from the drift file (0 if none), skew_ppm its
 * uncertainty (a large value when unknown). */
void servo_init(struct servo *s, struct clk *clk, const struct servo_params *p,
                double initial_ppm, double skew_ppm);
/*
 * One measurement of the selected source at monotonic time mono_ns. precise: the source is
 * PPS-class (jitter in microseconds): allows the wide-band frequency acquisition and a
 * tighter loop. Returns what was done.
 */
enum servo_action servo_update(struct servo *s, int64_t mono_ns, double offset_s,
                               double jitter_s, bool precise);
/* No reference: run on the last frequency (holdover). */
void servo_holdover(struct servo *s);
/* Step at the next update whatever makestep says (gpsntpctl makestep). */
void servo_request_step(struct servo *s);

#endif
