/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the jump guard and source selection (refclock/select.c) and of the reference
 * state the server publishes (refclock/refstate.c): tracking, holdover with growing
 * dispersion, local stratum, unsynchronized. */
#include <math.h>

#include "check.h"
#include "common/ntime.h"
#include "refclock/refstate.h"
#include "refclock/select.h"

#define SEC(x) ((int64_t)(x) * NT_NS_PER_S)

static void test_jump_guard(void)
{
    struct sel_jump j = {0};
    bool st, en;
    CHECK_INT(sel_jump_check(&j, SEC(1), 0.001, 0.5, 300, &st, &en), SEL_PASS);
    CHECK_INT(sel_jump_check(&j, SEC(2), NAN, 0.5, 300, &st, &en), SEL_PASS);
    /* a 10 s jump is held, reported once */
    CHECK_INT(sel_jump_check(&j, SEC(10), 10, 0.5, 300, &st, &en), SEL_HOLD);
    CHECK(st && !en);
    CHECK_INT(sel_jump_check(&j, SEC(11), 10.01, 0.5, 300, &st, &en), SEL_HOLD);
    CHECK(!st && !en);
    CHECK(sel_jump_pending(&j));
    /* it goes away before persisting: cancelled */
    CHECK_INT(sel_jump_check(&j, SEC(200), 0.0, 0.5, 300, &st, &en), SEL_PASS);
    CHECK(en && !sel_jump_pending(&j));
    /* it comes back and stays: followed after 300 s, not before */
    CHECK_INT(sel_jump_check(&j, SEC(400), -10, 0.5, 300, &st, &en), SEL_HOLD);
    CHECK_INT(sel_jump_check(&j, SEC(699), -10, 0.5, 300, &st, &en), SEL_HOLD);
    CHECK_INT(sel_jump_check(&j, SEC(700), -10, 0.5, 300, &st, &en), SEL_FOLLOW);
    CHECK(!sel_jump_pending(&j));
    /* a value that keeps changing never persists: each new value restarts the timer */
    for (int k = 0; k < 1000; k++) {
        double dev = (k % 2 ? 5.0 : -5.0) * (1 + k % 3);
        CHECK(sel_jump_check(&j, SEC(1000 + k), dev, 0.5, 300, &st, &en) != SEL_FOLLOW);
    }
}

static struct sel_cand cand(bool pulse, bool prefer, int consecutive, double jitter)
{
    return (struct sel_cand){.pulse = pulse, .prefer = prefer, .fresh = true,
                             .consecutive = consecutive, .jitter_s = jitter};
}

static void test_choose(void)
{
    struct sel_cand c[3];
    c[0] = cand(false, false, 10, 20e-3); /* NMEA */
    c[1] = cand(true, false, 2, 1e-6);    /* PPS, not yet agreeing with itself */
    c[2] = cand(false, false, 0, NAN);
    CHECK_INT(sel_choose(c, 3, -1), 0);
    c[1].consecutive = SEL_CONSISTENT_N;
    CHECK_INT(sel_choose(c, 3, 0), 1); /* PPS over NMEA once locked */
    c[1].suspect = true;
    CHECK_INT(sel_choose(c, 3, 1), 0);
    c[1].suspect = false;
    c[1].noselect = true;
    CHECK_INT(sel_choose(c, 3, 1), 0);
    c[1].noselect = false;
    c[1].fresh = false;
    CHECK_INT(sel_choose(c, 3, 1), 0);
    c[0].fresh = false;
    CHECK_INT(sel_choose(c, 3, 0), -1);
    /* two coarse sources: `prefer`, then jitter, with hysteresis for the leader */
    struct sel_cand d[2] = {cand(false, false, 9, 10e-3), cand(false, false, 9, 8e-3)};
    CHECK_INT(sel_choose(d, 2, -1), 1);
    CHECK_INT(sel_choose(d, 2, 0), 0); /* not clearly better: keep the leader */
    d[1].jitter_s = 1e-3;
    CHECK_INT(sel_choose(d, 2, 0), 1);
    d[0].prefer = true;
    CHECK_INT(sel_choose(d, 2, 1), 0);
}

static struct rst_input base_input(void)
{
    return (struct rst_input){
        .ever_synced = true, .leading = true, .refid = RST_REFID_PPS, .root_delay_s = 1e-6,
        .disp_at_update_s = 2e-6, .update_real_ns = SEC(1700000000), .update_mono_ns = SEC(100),
        .skew_ppm = 0.01, .leap = CLK_LEAP_NONE, .now_mono_ns = SEC(100),
        .now_real_ns = SEC(1700000000), .maxholdover_s = 3600, .local_stratum = 0, .has_references = true,
        .precision = -24};
}

static void test_refstate(void)
{
    struct rst_output o;
    struct rst_input in = base_input();
    rst_compute(&in, &o);
    CHECK_INT(o.mode, RST_TRACKING);
    CHECK(o.st.synced);
    CHECK_INT(o.st.stratum, 1);
    CHECK_INT(o.st.refid, RST_REFID_PPS);
    CHECK_NEAR(o.st.root_disp_s, 2e-6, 1e-12);
    CHECK_NEAR(o.st.disp_rate, RST_MIN_DISP_RATE, 1e-12); /* skew below RFC 5905's PHI */
    CHECK(o.cs.synced);
    CHECK_INT(o.st.precision, -24);
    /* holdover: still stratum 1, the dispersion grows at max(15 ppm, skew) */
    in.leading = false;
    in.skew_ppm = 40;
    in.now_mono_ns = SEC(100 + 1800);
    in.now_real_ns = SEC(1700000000 + 1800);
    rst_compute(&in, &o);
    CHECK_INT(o.mode, RST_HOLDOVER);
    CHECK_INT(o.st.stratum, 1);
    CHECK_NEAR(o.st.disp_rate, 40e-6, 1e-12);
    CHECK_NEAR(rst_distance(&o.st, in.now_real_ns), 0.5e-6 + 2e-6 + 40e-6 * 1800, 1e-9);
    CHECK(o.cs.synced);
    CHECK(o.cs.maxerror_ns > 70 * NT_NS_PER_MS);
    /* past maxholdover: unsynchronized (LI=3, stratum 16) ... */
    in.now_mono_ns = SEC(100 + 3601);
    rst_compute(&in, &o);
    CHECK_INT(o.mode, RST_UNSYNC);
    CHECK(!o.st.synced);
    CHECK_INT(o.st.stratum, 16);
    CHECK_INT(o.st.leap, RST_LEAP_ALARM);
    CHECK(!o.cs.synced);
    CHECK(isinf(rst_distance(&o.st, in.now_real_ns)));
    /* ... or `local stratum 5` */
    in.local_stratum = 5;
    rst_compute(&in, &o);
    CHECK_INT(o.mode, RST_LOCAL);
    CHECK(o.st.synced);
    CHECK_INT(o.st.stratum, 5);
    CHECK_INT(o.st.refid, RST_REFID_LOCL);
    CHECK_INT(o.st.ref_time_ns, in.now_real_ns);
    CHECK(!o.cs.synced); /* the kernel is not told a local clock is synchronized */
    /* no reference configured: the isolated network's local stratum at once, or nothing */
    in = base_input();
    in.ever_synced = false;
    in.leading = false;
    in.has_references = false;
    in.local_stratum = 3;
    rst_compute(&in, &o);
    CHECK_INT(o.mode, RST_LOCAL);
    CHECK_INT(o.st.stratum, 3);
    in.local_stratum = 0;
    rst_compute(&in, &o);
    CHECK_INT(o.mode, RST_UNSYNC);
    /* references configured but none has disciplined the clock yet (a box booted on its
     * RTC, or on nothing): `local` does not vouch for that clock; unsynchronized, LI alarm */
    in.has_references = true;
    in.local_stratum = 3;
    rst_compute(&in, &o);
    CHECK_INT(o.mode, RST_UNSYNC);
    CHECK_INT(o.st.stratum, 16);
    CHECK_INT(o.st.leap, RST_LEAP_ALARM);
    /* a leap announced while synchronized reaches LI and the clock */
    in = base_input();
    in.leap = CLK_LEAP_INSERT;
    rst_compute(&in, &o);
    CHECK_INT(o.st.leap, RST_LEAP_INSERT);
    CHECK_INT(o.cs.leap, CLK_LEAP_INSERT);
    CHECK(rst_mode_name(RST_LOCAL)[0] != '?');
}

int main(void)
{
    check_seed(0);
    test_jump_guard();
    test_choose();
    test_refstate();
    return check_result();
}
