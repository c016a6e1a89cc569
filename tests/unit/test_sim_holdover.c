/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulation tests of holdover (refclock/dsc.c, refstate.c) against the simulated truth: the
 * drift over an hour without references stays within what the frequency error at the loss
 * and the oscillator's wander allow, and within the published error bound; after
 * `maxholdover` the server falls back to `local stratum N` or to unsynchronized; a returning
 * reference leads again only after agreeing with itself; with no reference ever, `local
 * stratum` serves at once (the isolated network). */
#include <stdio.h>

#include "check.h"
#include "common/log.h"
#include "simh.h"

static struct simh_cfg base(uint64_t seed)
{
    return simh_receiver(35, 0.02, seed, true, 0.2, 20e-3);
}

static void test_one_hour(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = base(seed);
    c.dp.maxholdover_s = 4000;
    simh_init(&h, &c);
    simh_run(&h, 7200);
    int steps0 = clk_sim_steps(h.clk);
    /* lose everything */
    h.nmea_on = h.pps_on = false;
    simh_run(&h, 6);
    CHECK_INT(dsc_mode(&h.d), RST_HOLDOVER);
    CHECK(h.d.holdover);
    /* the clock now runs on the last frequency estimate alone (no phase term) */
    double e0 = simh_error_s(&h);
    double ferr0 = clk_sim_natural_ppm(h.clk) + h.clk->ops->get_freq(h.clk);
    double max_dev = 0;
    for (int i = 0; i < 3600; i++) {
        simh_second(&h);
        double predicted = e0 + ferr0 * 1e-6 * (i + 1);
        max_dev = fmax(max_dev, fabs(simh_error_s(&h) - predicted));
        struct rst_state st;
        rst_read(&st);
        double bound = rst_distance(&st, clk_now(h.clk));
        if (!(bound > fabs(simh_error_s(&h)))) {
            CHECK(bound > fabs(simh_error_s(&h)));
            break;
        }
    }
    double e1 = simh_error_s(&h);
    /* the wander alone: 1e-9/s random walk over 3600 s integrates to sigma 125 us */
    printf("holdover 1 h: error %+.1f us (from %+.3f us, freq error at loss %+.5f ppm), "
           "largest departure from the frequency prediction %.1f us\n", e1 * 1e6, e0 * 1e6,
           ferr0, max_dev * 1e6);
    CHECK(fabs(ferr0) < 0.02);
    CHECK(max_dev < 625e-6);
    CHECK(fabs(e1) < 1e-3);
    CHECK_INT(dsc_mode(&h.d), RST_HOLDOVER);
    struct rst_state st;
    rst_read(&st);
    CHECK(st.synced);
    CHECK_INT(st.stratum, 1);
    CHECK_INT(st.refid, RST_REFID_PPS);
    /* the reference comes back: held off until it agrees with itself, then back in lock */
    h.nmea_on = h.pps_on = true;
    simh_run(&h, 2);
    CHECK_INT(dsc_mode(&h.d), RST_HOLDOVER);
    simh_stats_reset(&h, 10e-6);
    simh_run(&h, 600);
    printf("back: locked again (10 us) after %.0f s, steps %d\n", simh_lock_s(&h),
           clk_sim_steps(h.clk) - steps0);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    CHECK(simh_lock_s(&h) < 120);
    CHECK_INT(clk_sim_steps(h.clk) - steps0, 0); /* the return is slewed */
    simh_free(&h);
}

static void test_maxholdover(uint64_t seed, int local_stratum)
{
    struct simh h;
    struct simh_cfg c = base(seed);
    c.dp.maxholdover_s = 600;
    c.dp.local_stratum = local_stratum;
    simh_init(&h, &c);
    simh_run(&h, 1200);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    h.nmea_on = h.pps_on = false;
    simh_run(&h, 590);
    CHECK_INT(dsc_mode(&h.d), RST_HOLDOVER);
    simh_run(&h, 20);
    struct rst_state st;
    rst_read(&st);
    struct rc_tracking t;
    dsc_get_tracking(&h.d, clk_now_mono(h.clk), clk_now(h.clk), &t);
    if (local_stratum > 0) {
        CHECK_INT(dsc_mode(&h.d), RST_LOCAL);
        CHECK(st.synced);
        CHECK_INT(st.stratum, local_stratum);
        CHECK_INT(st.refid, RST_REFID_LOCL);
        CHECK_INT(t.stratum, local_stratum);
    } else {
        CHECK_INT(dsc_mode(&h.d), RST_UNSYNC);
        CHECK(!st.synced);
        CHECK_INT(st.stratum, 16);
        CHECK_INT(st.leap, RST_LEAP_ALARM);
        CHECK_INT(t.stratum, 16);
        CHECK_INT(t.leap, RST_LEAP_ALARM);
    }
    simh_free(&h);
}

static void test_isolated(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = base(seed);
    c.nmea = c.pps = false;
    c.dp.local_stratum = 10;
    simh_init(&h, &c);
    struct rst_state st;
    rst_read(&st);
    CHECK(st.synced);
    CHECK_INT(st.stratum, 10);
    CHECK_INT(st.refid, RST_REFID_LOCL);
    simh_run(&h, 100);
    CHECK_INT(dsc_mode(&h.d), RST_LOCAL);
    CHECK_INT(clk_sim_steps(h.clk), 0);
    simh_free(&h);
    c.dp.local_stratum = 0;
    simh_init(&h, &c);
    rst_read(&st);
    CHECK(!st.synced);
    CHECK_INT(st.stratum, 16);
    simh_free(&h);
}

int main(void)
{
    uint64_t seed = check_seed(5);
    log_init(true, LOG_LVL_WARN);
    test_one_hour(seed);
    test_maxholdover(seed, 0);
    test_maxholdover(seed, 4);
    test_isolated(seed);
    return check_result();
}
