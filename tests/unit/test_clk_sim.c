/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the simulated clock (common/clk_sim.c) the simulation tests rely on: rate
 * error and correction integrate as stated, steps, the wander's random walk has the stated
 * size, reading noise, and leap seconds: the world's UTC repeats (or skips) a second; a clock
 * that was told follows it, one that was not ends up a second off. */
#include <errno.h>
#include <math.h>

#include "check.h"
#include "common/clk_sim.h"
#include "common/ntime.h"

#define START (1719705600LL * NT_NS_PER_S) /* 2024-06-30T00:00:00Z */
#define MIDNIGHT (START + NT_NS_PER_DAY)

static struct clk *make(double ppm, double wander, double noise, enum clk_leap leap,
                        uint64_t seed)
{
    struct clk_sim_params p = {.start_true_ns = START, .initial_offset_ns = 1000,
                               .freq_ppm = ppm, .wander_ppm_per_sqrt_s = wander,
                               .read_noise_ns = noise, .seed = seed,
                               .leap_at_ns = leap != CLK_LEAP_NONE ? MIDNIGHT : 0,
                               .leap = leap};
    return clk_sim_create(&p);
}

static void test_rates(void)
{
    struct clk *c = make(100, 0, 0, CLK_LEAP_NONE, 1);
    CHECK_INT(clk_sim_error_ns(c), 1000);
    CHECK_INT(clk_now(c) - clk_sim_true_ns(c), 1000);
    clk_sim_advance(c, 10 * NT_NS_PER_S);
    CHECK_INT(clk_sim_error_ns(c), 1000 + 1000000); /* 100 ppm for 10 s */
    CHECK_INT(clk_now_mono(c), 11 * NT_NS_PER_S);
    CHECK_INT(c->ops->set_freq(c, -100), 0);
    clk_sim_advance(c, 10 * NT_NS_PER_S);
    CHECK_INT(clk_sim_error_ns(c), 1001000); /* corrected: no more drift */
    CHECK_INT(c->ops->set_freq(c, -600), -ERANGE);
    CHECK_NEAR(c->ops->get_freq(c), -100, 1e-12);
    CHECK_INT(c->ops->step(c, -1001000), 0);
    CHECK_INT(clk_sim_error_ns(c), 0);
    CHECK_INT(clk_sim_steps(c), 1);
    CHECK_INT(clk_sim_stepped_ns(c), 1001000);
    CHECK_INT(clk_from_sys(c, 12345), 12345);
    clk_destroy(c);
}

static void test_wander_and_noise(unsigned seed)
{
    /* 1e-3 ppm/sqrt(s) over 3600 s: the natural frequency's spread is 0.06 ppm. Over 64
     * clocks the RMS comes within 25%. */
    double sum2 = 0;
    for (int k = 0; k < 64; k++) {
        struct clk *c = make(0, 1e-3, 0, CLK_LEAP_NONE, seed + (uint64_t)k);
        clk_sim_advance(c, 3600 * NT_NS_PER_S);
        sum2 += clk_sim_natural_ppm(c) * clk_sim_natural_ppm(c);
        clk_destroy(c);
    }
    CHECK_NEAR(sqrt(sum2 / 64), 0.06, 0.015);
    struct clk *c = make(0, 0, 50, CLK_LEAP_NONE, seed);
    double s2 = 0;
    for (int i = 0; i < 4000; i++) {
        double e = (double)(clk_now(c) - clk_sim_true_ns(c) - 1000);
        s2 += e * e;
    }
    CHECK_NEAR(sqrt(s2 / 4000), 50, 5);
    CHECK_INT(clk_sim_error_ns(c), 1000); /* the noise is in readings, not in the clock */
    clk_destroy(c);
}

static void test_leaps(void)
{
    /* not told: the world repeats 23:59:59, the clock does not, and is a second ahead */
    struct clk *c = make(0, 0, 0, CLK_LEAP_INSERT, 1);
    clk_sim_advance(c, NT_NS_PER_DAY - NT_NS_PER_S / 2);
    int64_t before = clk_sim_true_ns(c);
    clk_sim_advance(c, NT_NS_PER_S);
    CHECK_INT(clk_sim_true_ns(c) - before, 0); /* 23:59:59.5 again */
    CHECK_INT(clk_sim_error_ns(c), 1000 + NT_NS_PER_S);
    clk_destroy(c);
    /* told: it repeats the same second, once, and the error is unchanged */
    c = make(0, 0, 0, CLK_LEAP_INSERT, 1);
    clk_sim_advance(c, NT_NS_PER_DAY - 3600 * NT_NS_PER_S);
    struct clk_status st = {.synced = true, .leap = CLK_LEAP_INSERT};
    c->ops->set_status(c, &st);
    CHECK_INT(clk_sim_leap_pending(c), CLK_LEAP_INSERT);
    clk_sim_advance(c, 3600 * NT_NS_PER_S - 200 * NT_NS_PER_MS);
    int64_t r1 = clk_now(c);
    clk_sim_advance(c, 400 * NT_NS_PER_MS);
    int64_t r2 = clk_now(c);
    CHECK_INT(r2 - r1, 400 * NT_NS_PER_MS - NT_NS_PER_S);
    CHECK_INT(clk_sim_error_ns(c), 1000);
    CHECK_INT(clk_sim_leaps_applied(c), 1);
    CHECK_INT(clk_sim_leap_pending(c), CLK_LEAP_NONE);
    c->ops->set_status(c, &st); /* still "today" on the clock: ignored */
    clk_sim_advance(c, 2 * NT_NS_PER_S);
    CHECK_INT(clk_sim_leaps_applied(c), 1);
    CHECK_INT(clk_sim_error_ns(c), 1000);
    clk_destroy(c);
    /* a deletion, told: 23:59:59 is skipped by both */
    c = make(0, 0, 0, CLK_LEAP_DELETE, 1);
    clk_sim_advance(c, NT_NS_PER_DAY - 10 * NT_NS_PER_S);
    st.leap = CLK_LEAP_DELETE;
    c->ops->set_status(c, &st);
    before = clk_sim_true_ns(c);
    clk_sim_advance(c, 10 * NT_NS_PER_S);
    CHECK_INT(clk_sim_true_ns(c) - before, 11 * NT_NS_PER_S);
    CHECK_INT(clk_sim_error_ns(c), 1000);
    CHECK_INT(clk_sim_leaps_applied(c), 1);
    clk_destroy(c);
}

int main(void)
{
    unsigned seed = check_seed(11);
    test_rates();
    test_wander_and_noise(seed);
    test_leaps();
    return check_result();
}
