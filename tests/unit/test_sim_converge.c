/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulation tests of the discipline core (refclock/dsc.c with the real filter, PPS lock,
 * selection and servo) on a simulated oscillator, asserting against the simulated truth:
 * convergence from a 0.5 s offset and +100 ppm (with a step under `makestep 0.1 3`, and by
 * slewing alone under `makestep 1 3`), the steady-state error with 1 us PPS jitter, the
 * appliance's goal (+-50 ppm crystal, 1e-9/s wander: lock < 60 s, RMS < 1 us), and NMEA alone
 * with 20 ms jitter. Seeded; hours of simulated time in well under a second. */
#include <stdio.h>

#include "check.h"
#include "common/log.h"
#include "simh.h"

static struct simh_cfg pps_nmea(double freq_ppm, double offset_s, uint64_t seed)
{
    return simh_receiver(freq_ppm, offset_s, seed, true, 0.35, 20e-3);
}

/* +100 ppm, 0.5 s off, makestep 0.1 3: one step at the start, then lock and stay locked. */
static void test_step_then_lock(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = pps_nmea(100, 0.5, seed);
    simh_init(&h, &c);
    simh_stats_reset(&h, 10e-6);
    simh_run(&h, 600);
    double lock = simh_lock_s(&h);
    printf("step+lock: stepped %d time(s), locked (10 us) after %.0f s\n", clk_sim_steps(h.clk),
           lock);
    CHECK_INT(clk_sim_steps(h.clk), 1);
    CHECK(lock < 60);
    simh_stats_reset(&h, 1e-6);
    simh_run(&h, 3600);
    printf("step+lock: RMS %.3f us, max %.3f us, freq error %.4f ppm\n", simh_rms(&h) * 1e6,
           h.st.max_abs * 1e6, simh_freq_error_ppm(&h));
    CHECK(simh_rms(&h) < 1e-6);
    CHECK(h.st.max_abs < 5e-6);
    CHECK(fabs(simh_freq_error_ppm(&h)) < 0.05);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    CHECK_INT(h.d.out.st.refid, RST_REFID_PPS);
    CHECK_INT(h.d.out.st.stratum, 1);
    CHECK(h.d.out.st.root_disp_s < 20e-6);
    CHECK_INT(clk_sim_steps(h.clk), 1);
    simh_free(&h);
}

/* makestep 1 3: 0.5 s is slewed, never stepped, at no more than maxslewrate. */
static void test_slew_only(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = pps_nmea(100, 0.5, seed);
    c.dp.servo.makestep_threshold_s = 1.0;
    simh_init(&h, &c);
    simh_stats_reset(&h, 10e-6);
    double max_corr = 0;
    double prev = simh_error_s(&h);
    bool monotonic = true;
    for (int i = 0; i < 2400; i++) {
        simh_second(&h);
        max_corr = fmax(max_corr, fabs(h.clk->ops->get_freq(h.clk)));
        double e = simh_error_s(&h);
        if (i > 10 && fabs(prev) > 1e-3 && fabs(e) > fabs(prev)) {
            monotonic = false;
        }
        prev = e;
    }
    printf("slew: locked (10 us) after %.0f s, largest correction %.1f ppm\n", simh_lock_s(&h),
           max_corr);
    CHECK_INT(clk_sim_steps(h.clk), 0);
    CHECK(max_corr <= 500.0);
    CHECK(monotonic);
    /* 0.5 s at (500 - 100) ppm takes 1250 s */
    CHECK(simh_lock_s(&h) > 1000 && simh_lock_s(&h) < 1500);
    CHECK(fabs(simh_error_s(&h)) < 2e-6);
    simh_free(&h);
}

/* The goal: a typical crystal (+-50 ppm, 1e-9/s wander), PPS with 1 us jitter. */
static void test_goal(uint64_t seed)
{
    for (int k = 0; k < 4; k++) {
        struct simh h;
        double ppm = (k % 2 ? -1 : 1) * (20 + 10 * k);
        struct simh_cfg c = pps_nmea(ppm, (k % 2 ? -0.2 : 0.3), seed + (uint64_t)k);
        simh_init(&h, &c);
        simh_stats_reset(&h, 10e-6);
        simh_run(&h, 300);
        double lock = simh_lock_s(&h);
        simh_stats_reset(&h, 1e-6);
        simh_run(&h, 7200);
        printf("goal %+.0f ppm: lock %.0f s, RMS %.3f us, max %.3f us\n", ppm, lock,
               simh_rms(&h) * 1e6, h.st.max_abs * 1e6);
        CHECK(lock < 60);
        CHECK(simh_rms(&h) < 1e-6);
        simh_free(&h);
    }
}

/* NMEA alone, 20 ms jitter: the clock settles to a few ms of the truth and stays there. */
static void test_nmea_only(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = pps_nmea(-30, 0.2, seed);
    c.pps = false;
    simh_init(&h, &c);
    simh_run(&h, 1800);
    simh_stats_reset(&h, 10e-3);
    simh_run(&h, 7200);
    printf("nmea: RMS %.3f ms, max %.3f ms, freq error %.3f ppm, root dispersion %.3f ms\n",
           simh_rms(&h) * 1e3, h.st.max_abs * 1e3, simh_freq_error_ppm(&h),
           h.d.out.st.root_disp_s * 1e3);
    CHECK(simh_rms(&h) < 2e-3);
    CHECK(h.st.max_abs < 8e-3);
    CHECK(fabs(simh_freq_error_ppm(&h)) < 1);
    CHECK_INT(h.d.out.st.refid, RST_REFID_GPS);
    /* the published error bound covers the actual error */
    CHECK(h.d.out.st.root_disp_s > fabs(simh_error_s(&h)));
    CHECK(h.d.out.st.root_disp_s > 15e-3 && h.d.out.st.root_disp_s < 100e-3);
    simh_free(&h);
}

/* A box with no RTC boots 20 years in the past: one step, then the same microseconds (the
 * servo keeps its numbers small after the step, see servo_rebase). */
static void test_far_off(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = pps_nmea(-12, 0, seed);
    c.initial_offset_ns = -20LL * 365 * NT_NS_PER_DAY;
    c.dp.servo.makestep_threshold_s = 1.0;
    simh_init(&h, &c);
    simh_run(&h, 300);
    CHECK_INT(clk_sim_steps(h.clk), 1);
    simh_stats_reset(&h, 1e-6);
    simh_run(&h, 3600);
    printf("20 years off at boot: RMS %.3f us after the step\n", simh_rms(&h) * 1e6);
    CHECK(simh_rms(&h) < 1e-6);
    CHECK(fabs(h.d.servo.u_s) < 1.0);
    simh_free(&h);
}

int main(void)
{
    uint64_t seed = check_seed(42);
    log_init(true, LOG_LVL_WARN);
    test_step_then_lock(seed);
    test_slew_only(seed);
    test_goal(seed);
    test_nmea_only(seed);
    test_far_off(seed);
    return check_result();
}
