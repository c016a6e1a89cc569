/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test of the Linux clock (common/clk_linux.c), read-only: creating it and reading it
 * never changes the system clock (it only calls clock_adjtime with modes = 0), its readings
 * match CLOCK_REALTIME and CLOCK_MONOTONIC, and its frequency is the kernel's. Nothing here
 * calls set_freq, step or set_status: those steer the machine's clock. */
#include <sys/timex.h>
#include <time.h>

#include "check.h"
#include "common/clk.h"
#include "common/ntime.h"

static int64_t sys_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return nt_from_timespec(ts);
}

int main(void)
{
    check_seed(0);
    struct timex k0 = {.modes = 0};
    clock_adjtime(CLOCK_REALTIME, &k0);
    struct clk *c = clk_linux_create();
    CHECK(c != NULL);
    int64_t r0 = sys_now(CLOCK_REALTIME);
    int64_t a = clk_now(c);
    int64_t r1 = sys_now(CLOCK_REALTIME);
    CHECK(a >= r0 && a <= r1);
    int64_t m0 = sys_now(CLOCK_MONOTONIC);
    int64_t b = clk_now_mono(c);
    int64_t m1 = sys_now(CLOCK_MONOTONIC);
    CHECK(b >= m0 && b <= m1);
    CHECK_INT(clk_from_sys(c, 1234567890123LL), 1234567890123LL);
    CHECK_NEAR(c->ops->get_freq(c), k0.freq / 65536.0, 1e-9);
    struct timex k1 = {.modes = 0};
    clock_adjtime(CLOCK_REALTIME, &k1);
    CHECK_INT(k1.freq, k0.freq);
    CHECK_INT(k1.status, k0.status);
    clk_destroy(c);
    return check_result();
}
