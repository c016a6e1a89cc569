/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulation tests of the jump guard through the whole core: a spoofed 10 s jump of the NMEA
 * time is not followed (NMEA alone: holdover; with PPS: the pulses keep the second the NMEA
 * source had before); an NMEA second off by one, sporadic or for two minutes, never moves a
 * PPS-locked clock by a second; a jump that persists past `jumppersist` is followed, once,
 * with a step. The counters and jump_suspect show it all. */
#include <stdio.h>

#include "check.h"
#include "common/log.h"
#include "simh.h"

static struct simh_cfg base(uint64_t seed, bool pps)
{
    return simh_receiver(17, 0, seed, pps, 0.3, 10e-3);
}

static struct rc_src_status status(struct simh *h, int idx)
{
    struct rc_src_status st = {0};
    dsc_get_source(&h->d, idx, clk_now_mono(h->clk), &st);
    return st;
}

/* Run n seconds, returning the largest |error| seen after each second. */
static double run_max(struct simh *h, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) {
        simh_second(h);
        m = fmax(m, fabs(simh_error_s(h)));
    }
    return m;
}

static void test_spoof(uint64_t seed, bool pps)
{
    struct simh h;
    struct simh_cfg c = base(seed, pps);
    simh_init(&h, &c);
    simh_run(&h, 3600);
    int steps0 = clk_sim_steps(h.clk); /* start-up steps are not the guard's business */
    h.nmea_shift_ns = 10 * NT_NS_PER_S;
    simh_run(&h, 10);
    struct rc_src_status st = status(&h, h.nmea_idx);
    CHECK(st.jump_suspect);
    CHECK_INT(st.counters[DRV_CNT_JUMP], 1);
    CHECK_INT(dsc_mode(&h.d), pps ? RST_TRACKING : RST_HOLDOVER);
    double during = run_max(&h, 190);
    h.nmea_shift_ns = 0;
    double after = run_max(&h, 600);
    st = status(&h, h.nmea_idx);
    printf("spoof +10 s for 200 s (%s): max error during %.3f us, after %.3f us, steps %d\n",
           pps ? "NMEA+PPS" : "NMEA", during * 1e6, after * 1e6, clk_sim_steps(h.clk) - steps0);
    CHECK_INT(clk_sim_steps(h.clk) - steps0, 0);
    CHECK(!st.jump_suspect);
    CHECK_INT(st.counters[DRV_CNT_JUMP], 1);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    if (pps) {
        CHECK(during < 5e-6);
        CHECK(after < 5e-6);
        CHECK_INT(status(&h, h.pps_idx).counters[DRV_CNT_JUMP], 0);
    } else {
        CHECK(during < 5e-3);
        CHECK(after < 5e-3);
    }
    simh_free(&h);
}

static void test_wrong_second(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = base(seed, true);
    simh_init(&h, &c);
    simh_run(&h, 1800);
    /* sporadic: one sentence in 37 names the previous second (a late sentence) */
    double worst = 0;
    for (int i = 0; i < 1200; i++) {
        h.nmea_shift_ns = i % 37 == 0 ? -NT_NS_PER_S : 0;
        simh_second(&h);
        worst = fmax(worst, fabs(simh_error_s(&h)));
    }
    /* then two minutes of a second off (e.g. a receiver's leap-second count after a cold
     * start), then right again */
    h.nmea_shift_ns = NT_NS_PER_S;
    worst = fmax(worst, run_max(&h, 120));
    h.nmea_shift_ns = 0;
    worst = fmax(worst, run_max(&h, 600));
    struct rc_src_status n = status(&h, h.nmea_idx), p = status(&h, h.pps_idx);
    printf("wrong second with PPS: max error %.3f us, steps %d, NMEA jumps %llu, PPS jumps "
           "%llu, pulses rejected %llu\n", worst * 1e6, clk_sim_steps(h.clk),
           (unsigned long long)n.counters[DRV_CNT_JUMP],
           (unsigned long long)p.counters[DRV_CNT_JUMP],
           (unsigned long long)p.counters[DRV_CNT_PULSE_REJECTED]);
    CHECK(worst < 5e-6);
    CHECK_INT(clk_sim_steps(h.clk), 0);
    CHECK(n.counters[DRV_CNT_JUMP] >= 30);
    CHECK_INT(p.counters[DRV_CNT_JUMP], 0);
    CHECK(p.selected);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    simh_free(&h);
}

static void test_persistent(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = base(seed, false);
    c.dp.jumppersist_s = 60;
    simh_init(&h, &c);
    simh_run(&h, 1200);
    int steps0 = clk_sim_steps(h.clk);
    int64_t stepped0 = clk_sim_stepped_ns(h.clk);
    h.nmea_shift_ns = 10 * NT_NS_PER_S;
    simh_run(&h, 50);
    CHECK_INT(clk_sim_steps(h.clk) - steps0, 0);
    simh_run(&h, 60);
    printf("persistent jump: steps %d of %.6f s, error against the truth %.6f s\n",
           clk_sim_steps(h.clk) - steps0, nt_to_s(clk_sim_stepped_ns(h.clk) - stepped0),
           simh_error_s(&h));
    CHECK_INT(clk_sim_steps(h.clk) - steps0, 1);
    CHECK_NEAR(simh_error_s(&h), 10.0, 0.05); /* it followed the (spoofed) reference */
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    simh_free(&h);
}

int main(void)
{
    uint64_t seed = check_seed(9);
    log_init(true, LOG_LVL_ERR);
    test_spoof(seed, false);
    test_spoof(seed, true);
    test_wrong_second(seed);
    test_persistent(seed);
    return check_result();
}
