/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the PPS lock (refclock/ppslock.c): naming the second near the 0.5 s boundary,
 * rejecting a disagreeing second, a pulse without fix, 0.9 s and 1.1 s intervals, the
 * unlocked mode, `width` and the cable delay `offset`. */
#include <math.h>

#include "check.h"
#include "common/ntime.h"
#include "refclock/ppslock.h"

#define S(x) ((int64_t)((x) * 1e9))
#define T0 (1700000000LL * NT_NS_PER_S) /* a whole second */

static const struct ppl_clock no_clock = {.synced = false, .distance_s = INFINITY};

/* One pulse on a fresh lock (no interval history). */
static enum ppl_result one(double edge_rel_s, double coarse_s, double disp_s, double *x)
{
    struct ppl pl;
    ppl_init(&pl, 0, 0);
    struct ppl_coarse co = {.valid = true, .offset_s = coarse_s, .disp_s = disp_s};
    return ppl_pulse(&pl, T0 + S(edge_rel_s), NT_NS_PER_S, &co, &no_clock, x);
}

static void test_labelling(void)
{
    double x = NAN;
    /* The clock is right, the NMEA source (latency not calibrated) says it is 0.3 s ahead:
     * the pulse is second T0, offset 0. */
    CHECK_INT(one(0, 0.3, 0, &x), PPL_OK);
    CHECK_NEAR(x, 0, 1e-9);
    /* The clock is 0.48 s ahead and NMEA agrees: the edge reads T0+0.48, labelled T0. */
    CHECK_INT(one(0.48, 0.47, 0.005, &x), PPL_OK);
    CHECK_NEAR(x, 0.48, 1e-9);
    /* Across the half-second boundary: the edge reads T0+0.52, nearer T0+1 on the clock, but
     * NMEA says the clock is 0.51 s ahead, so it is second T0 (offset +0.52), not T0+1. */
    CHECK_INT(one(0.52, 0.51, 0.005, &x), PPL_OK);
    CHECK_NEAR(x, 0.52, 1e-9);
    /* Same edge, clock 0.48 s behind per NMEA: second T0+1, offset -0.48. */
    CHECK_INT(one(0.52, -0.47, 0.005, &x), PPL_OK);
    CHECK_NEAR(x, -0.48, 1e-9);
    /* The clock is seconds off: the second comes from NMEA, whole seconds included. */
    CHECK_INT(one(0.1, 3.1, 0.005, &x), PPL_OK);
    CHECK_NEAR(x, 3.1, 1e-9);
    CHECK_INT(one(-0.2, -7.21, 0.005, &x), PPL_OK);
    CHECK_NEAR(x, -7.2, 1e-9);
}

static void test_disagreeing_second(void)
{
    double x = 42;
    /* NMEA and the pulse disagree by 0.45 s: which second is it? Rejected. */
    CHECK_INT(one(0.45, 0.0, 0, &x), PPL_AMBIGUOUS);
    CHECK_INT(one(0.0, 0.45, 0, &x), PPL_AMBIGUOUS);
    CHECK_INT(one(0.0, -0.41, 0, &x), PPL_AMBIGUOUS);
    /* 0.39 s is still within chrony's PPS_LOCK_LIMIT ... */
    CHECK_INT(one(0.0, 0.39, 0, &x), PPL_OK);
    /* ... unless the lock source's own dispersion takes it over. */
    CHECK_INT(one(0.0, 0.39, 0.02, &x), PPL_AMBIGUOUS);
    CHECK_NEAR(x, 0, 1e-9); /* left as it was by the last accepted pulse */
}

static void test_no_fix(void)
{
    struct ppl pl;
    ppl_init(&pl, 0, 0);
    struct ppl_coarse co = {.valid = false, .offset_s = 0};
    struct ppl_clock ck = {.synced = true, .distance_s = 1e-6};
    double x;
    /* The receiver says it has no fix: even a synchronized clock does not name the second. */
    CHECK_INT(ppl_pulse(&pl, T0, NT_NS_PER_S, &co, &ck, &x), PPL_NO_SECOND);
}

static void test_intervals(void)
{
    struct ppl pl;
    ppl_init(&pl, 0, 0);
    struct ppl_coarse co = {.valid = true, .offset_s = 0};
    double x;
    int64_t m = 5 * NT_NS_PER_S;
    struct {
        double at_s;
        enum ppl_result want;
    } seq[] = {
        {0, PPL_OK},   {1, PPL_OK},   {2, PPL_OK},
        {2.9, PPL_BAD_INTERVAL}, /* a spurious edge 0.9 s after the last good one */
        {4, PPL_OK},             /* 2 s after the last good one: a missed pulse is fine */
        {5.1, PPL_BAD_INTERVAL}, /* 1.1 s */
        {6, PPL_OK},   {7.0004, PPL_OK}, /* the clock's frequency error: 400 ppm */
        {7.95, PPL_BAD_INTERVAL},
        {9, PPL_OK},   {12, PPL_OK}, /* two missed pulses */
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        int64_t mono = m + S(seq[i].at_s);
        CHECK_INT(ppl_pulse(&pl, T0 + S(seq[i].at_s - floor(seq[i].at_s)), mono, &co,
                            &no_clock, &x),
                  seq[i].want);
    }
    /* The pulse phase moves for good (0.3 s later): after three rejections the new phase is
     * the anchor and its pulses pass again. */
    int ok = 0;
    for (int k = 0; k < 6; k++) {
        int64_t mono = m + S(13.3 + k);
        ok += ppl_pulse(&pl, T0, mono, &co, &no_clock, &x) == PPL_OK;
    }
    CHECK_INT(ok, 3);
}

static void test_unlocked(void)
{
    struct ppl pl;
    ppl_init(&pl, 0, 0);
    double x;
    struct ppl_clock good = {.synced = true, .distance_s = 0.002};
    struct ppl_clock far = {.synced = true, .distance_s = 0.45};
    struct ppl_clock local = {.synced = false, .distance_s = 0};
    CHECK_INT(ppl_pulse(&pl, T0 + S(0.0001), NT_NS_PER_S, NULL, &good, &x), PPL_OK);
    CHECK_NEAR(x, 0.0001, 1e-9);
    CHECK_INT(ppl_pulse(&pl, T0 + NT_NS_PER_S - S(0.0002), 2 * NT_NS_PER_S, NULL, &good, &x),
              PPL_OK);
    CHECK_NEAR(x, -0.0002, 1e-9);
    /* never to set the second: not without a bound below half a second */
    CHECK_INT(ppl_pulse(&pl, T0, 3 * NT_NS_PER_S, NULL, &far, &x), PPL_NOT_SYNCED);
    CHECK_INT(ppl_pulse(&pl, T0, 4 * NT_NS_PER_S, NULL, &local, &x), PPL_NOT_SYNCED);
    CHECK_INT(ppl_pulse(&pl, T0, 5 * NT_NS_PER_S, NULL, NULL, &x), PPL_NOT_SYNCED);
}

static void test_width_and_offset(void)
{
    struct ppl pl;
    double x;
    /* 100 ms pulses, both edges reported: the falling edge 0.1 s after the second is not the
     * pulse (chrony's `width`: max error 0.05 s). */
    ppl_init(&pl, 0, 0.1);
    struct ppl_coarse co = {.valid = true, .offset_s = 0.001};
    CHECK_INT(ppl_pulse(&pl, T0 + S(0.1), NT_NS_PER_S, &co, &no_clock, &x), PPL_WRONG_EDGE);
    ppl_init(&pl, 0, 0.1);
    CHECK_INT(ppl_pulse(&pl, T0 + S(0.002), NT_NS_PER_S, &co, &no_clock, &x), PPL_OK);
    /* 1.5 us of cable and receiver delay: subtracted from the edge. */
    ppl_init(&pl, 1.5e-6, 0);
    CHECK_INT(ppl_pulse(&pl, T0 + 1500, NT_NS_PER_S, &co, &no_clock, &x), PPL_OK);
    CHECK_NEAR(x, 0, 1e-9);
    CHECK(ppl_result_name(PPL_AMBIGUOUS)[0] != '?');
}

int main(void)
{
    check_seed(0);
    test_labelling();
    test_disagreeing_second();
    test_no_fix();
    test_intervals();
    test_unlocked();
    test_width_and_offset();
    return check_result();
}
