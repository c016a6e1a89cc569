/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulation tests of leap seconds through the whole core: from a leap-seconds.list table,
 * from the receiver's announcement, a deletion, and nobody knowing. LI is announced during
 * the last day only; the clock applies the leap itself (clk_sim, as the kernel with STA_INS);
 * no step happens and the error against the truth stays at microseconds through 23:59:60,
 * because the samples around it (the receiver's 23:59:60) are ignored. A leap nobody
 * announced shows as a one-second jump, held by the jump guard, then followed. */
#include <stdio.h>

#include "check.h"
#include "common/log.h"
#include "simh.h"

#define LEAP_AT (1719792000LL * NT_NS_PER_S) /* 2024-07-01T00:00:00Z (a fictitious leap) */
#define START (LEAP_AT - 25 * 3600 * NT_NS_PER_S)

static const char *table_insert = "2272060800 10\n3692217600 37\n3928780800 38\n#@ 3944678400\n";
static const char *table_delete = "2272060800 10\n3692217600 37\n3928780800 36\n#@ 3944678400\n";

struct leap_result {
    int64_t li_on_ns, li_off_ns; /* true times when LI became non-zero and zero again */
    double max_err_s;
    double rms_after_s;
};

static void run(struct simh *h, struct leap_result *r, int64_t until_ns)
{
    r->li_on_ns = r->li_off_ns = 0;
    r->max_err_s = 0;
    int li_prev = 0;
    while (clk_sim_true_ns(h->clk) < until_ns) {
        simh_second(h);
        struct rst_state st;
        rst_read(&st);
        int li = st.synced ? (int)st.leap : 0; /* announcements only, not "unsynchronized" */
        if (li != li_prev) {
            if (li != 0 && r->li_on_ns == 0) {
                r->li_on_ns = clk_sim_true_ns(h->clk);
            } else if (li == 0 && r->li_on_ns != 0) {
                r->li_off_ns = clk_sim_true_ns(h->clk);
            }
            li_prev = li;
        }
        /* At the instant of the leap itself the clock and UTC disagree by a second for as
         * long as the clock's error (the kernel applies the leap at its own midnight): no
         * time server can do better, and this sampling point sits exactly there. */
        int64_t posix = h->start_s * NT_NS_PER_S + h->elapsed_s * NT_NS_PER_S;
        bool at_leap = posix == LEAP_AT || posix == LEAP_AT - NT_NS_PER_S;
        if (h->elapsed_s > 600 && !at_leap) {
            r->max_err_s = fmax(r->max_err_s, fabs(simh_error_s(h)));
        }
    }
}

static struct simh_cfg base(uint64_t seed, enum clk_leap leap)
{
    struct simh_cfg c = simh_receiver(-22, 0, seed, true, 0.25, 10e-3);
    c.start_ns = START;
    c.leap_at_ns = LEAP_AT;
    c.leap = leap;
    return c;
}

static void check_clean_leap(struct simh *h, const struct leap_result *r, const char *what)
{
    printf("%s: LI on at %+.0f s, off at %+.0f s (from the leap), max error %.3f us, steps %d, "
           "largest clock change between events %.3f us\n", what,
           nt_to_s(r->li_on_ns - LEAP_AT), nt_to_s(r->li_off_ns - LEAP_AT), r->max_err_s * 1e6,
           clk_sim_steps(h->clk), h->max_step_ns / 1e3);
    /* announced during the last day only (within a tick), withdrawn when the leap is done */
    CHECK(llabs(r->li_on_ns - (LEAP_AT - NT_NS_PER_DAY)) <= 2 * NT_NS_PER_S);
    CHECK(r->li_off_ns > LEAP_AT - 2 * NT_NS_PER_S && r->li_off_ns < LEAP_AT + 2 * NT_NS_PER_S);
    CHECK_INT(clk_sim_leaps_applied(h->clk), 1);
    CHECK_INT(clk_sim_steps(h->clk), 0);
    CHECK(h->max_step_ns < 10 * NT_NS_PER_US);
    CHECK(r->max_err_s < 5e-6);
    CHECK_INT(h->d.src[h->nmea_idx].counters[DRV_CNT_JUMP], 0);
    CHECK_INT(h->d.src[h->pps_idx].counters[DRV_CNT_JUMP], 0);
    CHECK_INT(dsc_mode(&h->d), RST_TRACKING);
}

static void test_table(uint64_t seed, enum clk_leap leap)
{
    struct leap_table t;
    int bad;
    CHECK_INT(leap_parse(leap == CLK_LEAP_INSERT ? table_insert : table_delete, &t, &bad), 0);
    struct simh_cfg c = base(seed, leap);
    c.dp.leaps = &t;
    struct simh h;
    simh_init(&h, &c);
    struct leap_result r;
    run(&h, &r, LEAP_AT + 3600 * NT_NS_PER_S);
    check_clean_leap(&h, &r, leap == CLK_LEAP_INSERT ? "table, insertion" : "table, deletion");
    simh_free(&h);
}

static void test_receiver(uint64_t seed)
{
    struct simh_cfg c = base(seed, CLK_LEAP_INSERT);
    c.nmea_announce = CLK_LEAP_INSERT;
    struct simh h;
    simh_init(&h, &c);
    struct leap_result r;
    run(&h, &r, LEAP_AT + 3600 * NT_NS_PER_S);
    check_clean_leap(&h, &r, "receiver, insertion");
    simh_free(&h);
}

static void test_unannounced(uint64_t seed)
{
    struct simh_cfg c = base(seed, CLK_LEAP_INSERT);
    struct simh h;
    simh_init(&h, &c);
    struct leap_result r;
    run(&h, &r, LEAP_AT + 200 * NT_NS_PER_S);
    /* the clock did not know: it is a second ahead, and the guard does not follow yet */
    printf("unannounced: error %.6f s after 200 s, jumps counted %llu, steps %d\n",
           simh_error_s(&h), (unsigned long long)h.d.src[h.nmea_idx].counters[DRV_CNT_JUMP],
           clk_sim_steps(h.clk));
    CHECK_INT(r.li_on_ns, 0);
    CHECK_INT(clk_sim_leaps_applied(h.clk), 0);
    CHECK_NEAR(simh_error_s(&h), 1.0, 1e-3);
    CHECK(h.d.src[h.nmea_idx].counters[DRV_CNT_JUMP] >= 1);
    CHECK(h.d.src[h.nmea_idx].jump_suspect);
    CHECK_INT(clk_sim_steps(h.clk), 0);
    /* it persists: followed after `jumppersist`, with one step of a second */
    simh_run(&h, 400);
    printf("unannounced: error %.3f us after 600 s, steps %d (%.6f s)\n",
           simh_error_s(&h) * 1e6, clk_sim_steps(h.clk), nt_to_s(clk_sim_stepped_ns(h.clk)));
    CHECK_INT(clk_sim_steps(h.clk), 1);
    CHECK_NEAR(nt_to_s(clk_sim_stepped_ns(h.clk)), 1.0, 1e-3);
    CHECK(fabs(simh_error_s(&h)) < 10e-6);
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    simh_free(&h);
}

int main(void)
{
    uint64_t seed = check_seed(3);
    log_init(true, LOG_LVL_WARN);
    test_table(seed, CLK_LEAP_INSERT);
    test_table(seed, CLK_LEAP_DELETE);
    test_receiver(seed);
    test_unannounced(seed);
    return check_result();
}
