/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the per-source outlier filter (refclock/filter.c): jitter estimate, line
 * prediction, outlier rejection, level shifts, scattered outliers, window handling. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/ntime.h"
#include "refclock/filter.h"

static uint64_t rng;

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/* A source with a 37 ppm trend and 1 us Gaussian jitter: the jitter comes out right, the line
 * predicts the next sample, nothing is an outlier. */
static void test_clean_line(void)
{
    struct flt f;
    flt_init(&f, 16, 2e-6);
    int outliers = 0;
    double max_pred_err = 0;
    for (int i = 0; i < 600; i++) {
        int64_t t = (int64_t)(i + 1) * NT_NS_PER_S;
        double truth = 0.25 + 37e-6 * (i + 1);
        double pred;
        if (flt_count(&f) >= 8 && flt_predict(&f, t, &pred)) {
            max_pred_err = fmax(max_pred_err, fabs(pred - truth));
        }
        if (flt_add(&f, t, truth + 1e-6 * gauss()) != FLT_ACCEPTED) {
            outliers++;
        }
    }
    CHECK_INT(outliers, 0);
    CHECK_INT(flt_count(&f), 16);
    CHECK_NEAR(flt_jitter(&f), 1e-6, 0.25e-6);
    CHECK(max_pred_err < 3e-6);
    CHECK_INT(flt_newest_ns(&f), 600 * NT_NS_PER_S);
}

/* Spikes far outside the jitter are outliers, counted once each, and the line is unmoved. */
static void test_outliers(void)
{
    struct flt f;
    flt_init(&f, 16, 2e-6);
    int outliers = 0, accepted = 0;
    for (int i = 0; i < 300; i++) {
        int64_t t = (int64_t)(i + 1) * NT_NS_PER_S;
        double x = -0.1 + 1e-6 * gauss();
        if (i > 20 && i % 10 == 0) {
            x += (i % 20 == 0 ? 1 : -1) * 200e-6; /* an interrupt hiccup */
        }
        enum flt_result r = flt_add(&f, t, x);
        outliers += r == FLT_OUTLIER;
        accepted += r == FLT_ACCEPTED;
        CHECK(r != FLT_SHIFTED);
    }
    CHECK_INT(outliers, 27);
    CHECK_INT(accepted, 273);
    double pred;
    CHECK(flt_predict(&f, 301 * NT_NS_PER_S, &pred));
    CHECK_NEAR(pred, -0.1, 2e-6);
    CHECK(flt_jitter(&f) < 1.5e-6);
}

/* A level that moves for good: FLT_SHIFT_N outliers in a row that agree restart the window at
 * the new level. */
static void test_shift(void)
{
    struct flt f;
    flt_init(&f, 16, 2e-6);
    for (int i = 0; i < 40; i++) {
        CHECK_INT(flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, 1e-6 * gauss()), FLT_ACCEPTED);
    }
    enum flt_result r = FLT_ACCEPTED;
    int i = 40;
    for (int k = 0; k < FLT_SHIFT_N; k++, i++) {
        r = flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, 5e-3 + 1e-6 * gauss());
        CHECK_INT(r, k + 1 < FLT_SHIFT_N ? FLT_OUTLIER : FLT_SHIFTED);
    }
    CHECK_INT(flt_count(&f), FLT_SHIFT_N);
    double pred;
    CHECK(flt_predict(&f, (int64_t)(i + 1) * NT_NS_PER_S, &pred));
    CHECK_NEAR(pred, 5e-3, 5e-6);
    CHECK_INT(flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, 5e-3), FLT_ACCEPTED);
}

/* Outliers that scatter (noise bursts) never add up to a shift. */
static void test_scattered(void)
{
    struct flt f;
    flt_init(&f, 16, 2e-6);
    for (int i = 0; i < 30; i++) {
        flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, 1e-6 * gauss());
    }
    int shifted = 0;
    for (int i = 30; i < 60; i++) {
        double x = (i % 2 ? 1 : -1) * (100e-6 + 50e-6 * (i % 7));
        shifted += flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, x) == FLT_SHIFTED;
    }
    CHECK_INT(shifted, 0);
    double pred;
    flt_predict(&f, 61 * NT_NS_PER_S, &pred);
    /* extrapolated 30 s past the last clean sample: the slope's error shows (sigma ~2 us) */
    CHECK_NEAR(pred, 0, 8e-6);
}

/* The floor: with a tiny jitter, min_spread decides; NMEA-class floors keep 20 ms wobbles. */
static void test_floor_and_window(void)
{
    struct flt f;
    flt_init(&f, 1000, 20e-3);
    CHECK_INT(f.len, FLT_MAX_LEN);
    flt_init(&f, 0, 20e-3);
    CHECK_INT(f.len, FLT_DEFAULT_LEN);
    for (int i = 0; i < 20; i++) {
        CHECK_INT(flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, 0.3), FLT_ACCEPTED);
    }
    CHECK_INT(flt_add(&f, 21 * NT_NS_PER_S, 0.315), FLT_ACCEPTED); /* within 20 ms */
    CHECK_INT(flt_add(&f, 22 * NT_NS_PER_S, 0.5), FLT_OUTLIER);
    double j = flt_jitter(&f);
    flt_reset(&f);
    CHECK_INT(flt_count(&f), 0);
    CHECK(flt_jitter(&f) == j || (isnan(j) && isnan(flt_jitter(&f))));
    double pred;
    CHECK(!flt_predict(&f, 0, &pred));
    CHECK_INT(flt_newest_ns(&f), 0);
}

/* Runs of residual signs: alternating noise gives a run per sample; a curve the line cannot
 * follow (a parabola: above at both ends, below in the middle) gives three. */
static void test_runs(void)
{
    struct flt f;
    flt_init(&f, 16, 1e-3);
    CHECK_INT(flt_runs(&f), 0);
    for (int i = 0; i < 16; i++) {
        flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, 0.1 + (i % 2 ? 1e-6 : -1e-6));
    }
    CHECK_INT(flt_count(&f), 16);
    CHECK_INT(flt_runs(&f), 16);
    flt_init(&f, 16, 1e-3);
    for (int i = 0; i < 16; i++) {
        double d = i - 7.5;
        flt_add(&f, (int64_t)(i + 1) * NT_NS_PER_S, 0.1 + d * d * 1e-6);
    }
    CHECK_INT(flt_runs(&f), 3);
}

int main(void)
{
    rng = check_seed(7) | 1;
    test_clean_line();
    test_outliers();
    test_shift();
    test_scattered();
    test_floor_and_window();
    test_runs();
    return check_result();
}
