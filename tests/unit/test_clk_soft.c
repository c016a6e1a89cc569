/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the software clock used with -x (common/clk_soft.c): it never touches the
 * system clock (the kernel's frequency, status and time are read before and after, read-only),
 * stays continuous across frequency changes, steps exactly, gives readers in other threads a
 * consistent correction, and applies a leap second at the end of its UTC day (23:59:59 twice
 * for an insertion, skipped for a deletion). About 3 s of real time. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/clk.h"
#include "common/ntime.h"

static int64_t sys_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return nt_from_timespec(ts);
}

/* Read-only: modes = 0. */
static struct timex kernel_state(void)
{
    struct timex tx = {.modes = 0};
    clock_adjtime(CLOCK_REALTIME, &tx);
    return tx;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_continuity(struct clk *c)
{
    int64_t s1 = sys_now(CLOCK_REALTIME);
    CHECK_NEAR(nt_to_s(clk_now(c) - s1), 0, 0.01); /* starts on the system clock */
    CHECK_INT(c->ops->set_freq(c, 400), 0);
    CHECK_NEAR(c->ops->get_freq(c), 400, 1e-9);
    int64_t a = clk_from_sys(c, s1);
    int64_t b = clk_from_sys(c, s1 + NT_NS_PER_S);
    /* 400 ppm over one second of system time */
    CHECK_NEAR((double)(b - a), 1e9 + 400e3, 2);
    int64_t before = clk_now(c);
    CHECK_INT(c->ops->set_freq(c, -300), 0);
    int64_t after = clk_now(c);
    CHECK(after >= before && after - before < NT_NS_PER_MS);
    CHECK_INT(c->ops->set_freq(c, 501), -ERANGE);
    CHECK_NEAR(c->ops->get_freq(c), -300, 1e-9);
    /* a step moves every reading by exactly delta */
    int64_t s2 = sys_now(CLOCK_REALTIME);
    int64_t x = clk_from_sys(c, s2);
    CHECK_INT(c->ops->step(c, 1234567891), 0);
    CHECK_NEAR((double)(clk_from_sys(c, s2) - x), 1234567891.0, 2);
    CHECK_INT(c->ops->step(c, -1234567891), 0);
    CHECK_NEAR((double)(clk_from_sys(c, s2) - x), 0, 2);
    c->ops->set_freq(c, 0);
}

static struct clk *shared;
static atomic_int stop;
static long backwards;

static void *reader(void *arg)
{
    (void)arg;
    int64_t prev = clk_now(shared);
    while (!atomic_load(&stop)) {
        int64_t t = clk_now(shared);
        if (t < prev - 10 * NT_NS_PER_US) {
            backwards++;
        }
        prev = t;
    }
    return NULL;
}

static void test_threads(struct clk *c)
{
    shared = c;
    pthread_t th;
    pthread_create(&th, NULL, reader, NULL);
    for (int i = 0; i < 20000; i++) {
        c->ops->set_freq(c, i % 2 ? 500 : -500);
        if (i % 1000 == 0) {
            c->ops->step(c, i % 2000 ? 3 * NT_NS_PER_US : -3 * NT_NS_PER_US);
        }
    }
    atomic_store(&stop, 1);
    pthread_join(th, NULL);
    CHECK_INT(backwards, 0);
    c->ops->set_freq(c, 0);
}

/* Put the served time at (next midnight - lead_s), announce, then watch it at 10 ms steps. */
static void watch_leap(enum clk_leap leap, double lead_s, double watch_s, int64_t *midnight,
                       int64_t *jump, int *jumps, int64_t *last)
{
    struct clk *c = clk_soft_create();
    int64_t now = clk_now(c);
    int64_t m = (now / NT_NS_PER_DAY + 1) * NT_NS_PER_DAY;
    c->ops->step(c, m - nt_from_s(lead_s) - now);
    struct clk_status st = {.synced = true, .leap = leap};
    c->ops->set_status(c, &st);
    int64_t prev = clk_now(c);
    *jumps = 0;
    *jump = 0;
    int n = (int)(watch_s * 100);
    for (int i = 0; i < n; i++) {
        sleep_ms(10);
        if (i == n / 2) {
            c->ops->set_status(c, &st); /* announcing again the same day changes nothing */
        }
        int64_t t = clk_now(c);
        int64_t d = t - prev;
        if (d < 0 || d > 500 * NT_NS_PER_MS) {
            (*jumps)++;
            *jump = d;
        }
        prev = t;
    }
    *midnight = m;
    *last = prev;
    clk_destroy(c);
}

static void test_leap(void)
{
    int64_t m, jump, last;
    int jumps;
    /* insertion: from 23:59:59.5 the clock reaches midnight, goes back one second, and
     * reaches midnight again one second later */
    watch_leap(CLK_LEAP_INSERT, 0.5, 1.8, &m, &jump, &jumps, &last);
    CHECK_INT(jumps, 1);
    CHECK_NEAR(nt_to_s(jump), -1.0 + 0.01, 0.02);
    CHECK_NEAR(nt_to_s(last - m), 0.3, 0.1);
    /* deletion: 23:59:59 never happens */
    watch_leap(CLK_LEAP_DELETE, 1.5, 1.0, &m, &jump, &jumps, &last);
    CHECK_INT(jumps, 1);
    CHECK_NEAR(nt_to_s(jump), 1.0 + 0.01, 0.02);
    CHECK_NEAR(nt_to_s(last - m), 0.5, 0.1);
    /* no leap announced: nothing happens at midnight */
    watch_leap(CLK_LEAP_NONE, 0.3, 0.6, &m, &jump, &jumps, &last);
    CHECK_INT(jumps, 0);
}

int main(void)
{
    check_seed(0);
    struct timex k0 = kernel_state();
    int64_t diff0 = sys_now(CLOCK_REALTIME) - sys_now(CLOCK_MONOTONIC);
    struct clk *c = clk_soft_create();
    CHECK(c != NULL);
    test_continuity(c);
    test_threads(c);
    clk_destroy(c);
    test_leap();
    /* the system clock was never touched */
    struct timex k1 = kernel_state();
    int64_t diff1 = sys_now(CLOCK_REALTIME) - sys_now(CLOCK_MONOTONIC);
    CHECK_INT(k1.freq, k0.freq);
    CHECK_INT(k1.status, k0.status);
    CHECK_INT(k1.tick, k0.tick);
    CHECK_NEAR(nt_to_s(diff1 - diff0), 0, 0.005);
    return check_result();
}
