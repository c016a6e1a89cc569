/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulation tests of PPS and NMEA standing in for each other: losing NMEA while PPS stays
 * keeps the clock at microseconds (the disciplined clock names the seconds); losing PPS falls
 * back to NMEA with refid GPS and a wider root dispersion; "no fix" from the receiver makes
 * its pulses untrustworthy (rejected, counted) and the server holds over; PPS without a lock
 * source is used only once another reference has the clock right, and never sets the second
 * on its own. */
#include <stdio.h>

#include "check.h"
#include "common/log.h"
#include "simh.h"

static struct simh_cfg base(uint64_t seed)
{
    return simh_receiver(-41, -0.3, seed, true, 0.15, 15e-3);
}

static double run_max(struct simh *h, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) {
        simh_second(h);
        m = fmax(m, fabs(simh_error_s(h)));
    }
    return m;
}

static void test_lose_nmea(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = base(seed);
    simh_init(&h, &c);
    simh_run(&h, 1800);
    h.nmea_on = false;
    double worst = run_max(&h, 1800);
    printf("NMEA lost for 30 min, PPS stays: max error %.3f us, mode %s\n", worst * 1e6,
           rst_mode_name(dsc_mode(&h.d)));
    CHECK(worst < 2e-6);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    CHECK_INT(h.d.selected, h.pps_idx);
    CHECK_INT(h.d.out.st.refid, RST_REFID_PPS);
    h.nmea_on = true;
    worst = run_max(&h, 300);
    CHECK(worst < 2e-6);
    CHECK_INT(h.d.selected, h.pps_idx);
    simh_free(&h);
}

static void test_lose_pps(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = base(seed);
    simh_init(&h, &c);
    simh_run(&h, 1800);
    double disp_pps = h.d.out.st.root_disp_s;
    CHECK_INT(h.d.out.st.refid, RST_REFID_PPS);
    h.pps_on = false;
    double worst = run_max(&h, 1800);
    double disp_nmea = h.d.out.st.root_disp_s;
    printf("PPS lost for 30 min: max error %.3f ms, refid %08X, root dispersion %.6f -> %.6f s\n",
           worst * 1e3, (unsigned)h.d.out.st.refid, disp_pps, disp_nmea);
    CHECK_INT(h.d.selected, h.nmea_idx);
    CHECK_INT(h.d.out.st.refid, RST_REFID_GPS);
    CHECK_INT(h.d.out.st.stratum, 1);
    CHECK(disp_pps < 20e-6);
    CHECK(disp_nmea > 10e-3);
    CHECK(worst < 5e-3);
    CHECK(disp_nmea > worst);
    /* PPS back: leads again */
    h.pps_on = true;
    simh_run(&h, 600);
    CHECK_INT(h.d.selected, h.pps_idx);
    CHECK(fabs(simh_error_s(&h)) < 5e-6);
    simh_free(&h);
}

static void test_no_fix(uint64_t seed)
{
    struct simh h;
    struct simh_cfg c = base(seed);
    simh_init(&h, &c);
    simh_run(&h, 1200);
    h.nmea_fix = false;
    struct rc_src_status before = {0}, after = {0};
    dsc_get_source(&h.d, h.pps_idx, clk_now_mono(h.clk), &before);
    double worst = run_max(&h, 300);
    dsc_get_source(&h.d, h.pps_idx, clk_now_mono(h.clk), &after);
    uint64_t rejected = after.counters[DRV_CNT_PULSE_REJECTED] -
                        before.counters[DRV_CNT_PULSE_REJECTED];
    printf("no fix for 5 min: %llu pulses rejected, mode %s, max error %.3f us\n",
           (unsigned long long)rejected, rst_mode_name(dsc_mode(&h.d)), worst * 1e6);
    CHECK(rejected >= 295);
    /* the pulse just before the first "no fix" report still had its second */
    CHECK(after.samples - before.samples <= 1);
    CHECK_INT(dsc_mode(&h.d), RST_HOLDOVER);
    CHECK(worst < 20e-6);
    h.nmea_fix = true;
    simh_run(&h, 120);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    CHECK_INT(h.d.selected, h.pps_idx);
    simh_free(&h);
}

static void test_unlocked_pps(uint64_t seed)
{
    /* `refclock pps /dev/pps0` without `lock`, next to an NMEA source */
    struct simh h;
    struct simh_cfg c = base(seed);
    c.pps_lock = false;
    simh_init(&h, &c);
    int first = -1;
    for (int i = 0; i < 60 && first < 0; i++) {
        simh_second(&h);
        first = h.d.selected;
    }
    CHECK_INT(first, h.nmea_idx); /* NMEA first: the pulses cannot name seconds yet */
    simh_run(&h, 1200);
    CHECK_INT(h.d.selected, h.pps_idx);
    simh_stats_reset(&h, 1e-6);
    simh_run(&h, 1800);
    printf("PPS without lock: RMS %.3f us after NMEA set the second\n", simh_rms(&h) * 1e6);
    CHECK(simh_rms(&h) < 1e-6);
    simh_free(&h);
    /* PPS alone: it never sets the second; nothing is served as synchronized */
    c.nmea = false;
    simh_init(&h, &c);
    simh_run(&h, 600);
    struct rc_src_status st = {0};
    dsc_get_source(&h.d, h.pps_idx, clk_now_mono(h.clk), &st);
    CHECK_INT(dsc_mode(&h.d), RST_UNSYNC);
    CHECK_INT(st.samples, 0);
    CHECK(st.counters[DRV_CNT_PULSE_REJECTED] >= 599);
    CHECK_NEAR(simh_error_s(&h), -0.3 - 41e-6 * 600, 1e-3); /* untouched */
    simh_free(&h);
}

int main(void)
{
    uint64_t seed = check_seed(21);
    log_init(true, LOG_LVL_ERR);
    test_lose_nmea(seed);
    test_lose_pps(seed);
    test_no_fix(seed);
    test_unlocked_pps(seed);
    return check_result();
}
