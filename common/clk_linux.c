/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clk_linux: the system clock, CLOCK_REALTIME, steered with clock_adjtime(). The servo sets the
 * whole frequency (phase correction included) with ADJ_FREQUENCY, keeps the kernel PLL off
 * (STA_PLL clear) so it does not fight us, steps with ADJ_SETOFFSET, and publishes its sync
 * state: clearing STA_UNSYNC makes `timedatectl` say "synchronized" and lets the kernel copy
 * the time to the RTC every 11 minutes; STA_INS/STA_DEL make the kernel insert or delete the
 * leap second at the end of the UTC day.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "common/clk.h"
#include "common/ntime.h"

/* The kernel's frequency unit: ppm with a 16-bit binary fraction. */
#define SCALED_PPM 65536.0

struct linux_clk {
    double freq_ppm;
};

static int64_t read_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return nt_from_timespec(ts);
}

static int64_t lx_now(struct clk *c)
{
    (void)c;
    return read_clock(CLOCK_REALTIME);
}

static int64_t lx_now_mono(struct clk *c)
{
    (void)c;
    return read_clock(CLOCK_MONOTONIC);
}

static int64_t lx_from_sys(struct clk *c, int64_t sys_ns)
{
    (void)c;
    return sys_ns;
}

static int adjtime_call(struct timex *tx)
{
    return clock_adjtime(CLOCK_REALTIME, tx) < 0 ? -errno : 0;
}

static int lx_set_freq(struct clk *c, double freq_ppm)
{
    struct linux_clk *lc = c->priv;
    if (freq_ppm > CLK_MAX_FREQ_PPM || freq_ppm < -CLK_MAX_FREQ_PPM) {
        return -ERANGE;
    }
    struct timex tx = {.modes = ADJ_FREQUENCY, .freq = (long)(freq_ppm * SCALED_PPM)};
    int rc = adjtime_call(&tx);
    if (rc == 0) {
        lc->freq_ppm = freq_ppm;
    }
    return rc;
}

static double lx_get_freq(struct clk *c)
{
    return ((struct linux_clk *)c->priv)->freq_ppm;
}

static int lx_step(struct clk *c, int64_t delta_ns)
{
    (void)c;
    struct timespec d = nt_to_timespec(delta_ns);
    struct timex tx = {.modes = ADJ_SETOFFSET | ADJ_NANO};
    tx.time.tv_sec = d.tv_sec;
    tx.time.tv_usec = d.tv_nsec; /* nanoseconds with ADJ_NANO */
    return adjtime_call(&tx);
}

static int lx_set_status(struct clk *c, const struct clk_status *st)
{
    (void)c;
    struct timex tx = {.modes = 0};
    int rc = adjtime_call(&tx); /* read the current status bits */
    if (rc < 0) {
        return rc;
    }
    int status = tx.status & ~(STA_UNSYNC | STA_INS | STA_DEL | STA_PLL | STA_FLL | STA_PPSFREQ |
                               STA_PPSTIME);
    if (!st->synced) {
        status |= STA_UNSYNC;
    }
    if (st->leap == CLK_LEAP_INSERT) {
        status |= STA_INS;
    } else if (st->leap == CLK_LEAP_DELETE) {
        status |= STA_DEL;
    }
    memset(&tx, 0, sizeof(tx));
    tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
    tx.status = status;
    tx.maxerror = (long)(st->maxerror_ns / NT_NS_PER_US);
    tx.esterror = (long)(st->esterror_ns / NT_NS_PER_US);
    return adjtime_call(&tx);
}

static const struct clk_ops linux_ops = {
    .name = "linux",
    .now = lx_now,
    .now_mono = lx_now_mono,
    .from_sys = lx_from_sys,
    .set_freq = lx_set_freq,
    .get_freq = lx_get_freq,
    .step = lx_step,
    .set_status = lx_set_status,
};

struct clk *clk_linux_create(void)
{
    struct clk *c = calloc(1, sizeof(*c));
    struct linux_clk *lc = calloc(1, sizeof(*lc));
    if (c == NULL || lc == NULL) {
        free(c);
        free(lc);
        errno = ENOMEM;
        return NULL;
    }
    /* Start from the frequency the kernel has now (a read-only call). */
    struct timex tx = {.modes = 0};
    if (clock_adjtime(CLOCK_REALTIME, &tx) >= 0) {
        lc->freq_ppm = tx.freq / SCALED_PPM;
    }
    c->ops = &linux_ops;
    c->priv = lc;
    return c;
}
