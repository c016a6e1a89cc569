/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clk_soft: the clock gpsntpd serves with -x. It never writes the system clock: the servo
 * steers a correction kept here, time = sys + phase + freq * (sys - base). Readers in other
 * threads (server workers) get a consistent correction through a seqlock. A leap second
 * announced with set_status is applied here at the end of the UTC day, as the kernel would.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clk.h"
#include "common/ntime.h"
#include "common/seqlock.h"

/* The correction: time = sys + phase + freq * (sys - base), and a pending leap. */
struct soft_state {
    int64_t base_sys_ns;  /* system time at which phase_ns applies */
    int64_t phase_ns;     /* correction at base_sys_ns */
    double freq_ppm;
    enum clk_leap leap;
    int64_t leap_done_at_ns; /* the last leap applied: never applied twice */
    int64_t leap_at_ns;    /* served time of the leap (the next UTC midnight), 0: none */
};

struct soft {
    struct soft_state w;  /* the writer's (event loop's) copy */
    SEQLOCK(, SEQLOCK_WORDS(sizeof(struct soft_state))) pub; /* what readers see */
};

static int64_t sys_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return nt_from_timespec(ts);
}

static struct soft *soft_of(struct clk *c)
{
    return c->priv;
}

/* The leap adjustment for a served time computed without it. */
static int64_t leap_adjust(enum clk_leap leap, int64_t leap_at, int64_t served)
{
    if (leap == CLK_LEAP_NONE || leap_at == 0 || served < leap_at) {
        return 0;
    }
    /* After the leap instant the served time is one second back (inserted: 23:59:59 is
     * served twice, as the kernel does) or ahead (deleted). */
    return leap == CLK_LEAP_INSERT ? -NT_NS_PER_S : NT_NS_PER_S;
}

static int64_t raw_correction(const struct soft_state *s, int64_t sys_ns)
{
    return s->phase_ns + (int64_t)((double)(sys_ns - s->base_sys_ns) * s->freq_ppm * 1e-6);
}

/* The correction at sys_ns, from a consistent snapshot (any thread). */
static int64_t correction(struct soft *s, int64_t sys_ns)
{
    struct soft_state snap;
    seqlock_read(&s->pub, &snap);
    int64_t corr = raw_correction(&snap, sys_ns);
    return corr + leap_adjust(snap.leap, snap.leap_at_ns, sys_ns + corr);
}

/* Fold the elapsed correction (and a leap that has happened) into the phase at sys. */
static void rebase(struct soft_state *s, int64_t sys)
{
    int64_t corr = raw_correction(s, sys);
    int64_t adj = leap_adjust(s->leap, s->leap_at_ns, sys + corr);
    s->phase_ns = corr + adj;
    s->base_sys_ns = sys;
    if (adj != 0) {
        s->leap_done_at_ns = s->leap_at_ns;
        s->leap = CLK_LEAP_NONE;
        s->leap_at_ns = 0;
    }
}

static int64_t soft_now(struct clk *c)
{
    int64_t sys = sys_now(CLOCK_REALTIME);
    return sys + correction(soft_of(c), sys);
}

static int64_t soft_now_mono(struct clk *c)
{
    (void)c;
    return sys_now(CLOCK_MONOTONIC);
}

static int64_t soft_from_sys(struct clk *c, int64_t sys_ns)
{
    return sys_ns + correction(soft_of(c), sys_ns);
}

static int soft_set_freq(struct clk *c, double freq_ppm)
{
    struct soft *s = soft_of(c);
    if (freq_ppm > CLK_MAX_FREQ_PPM || freq_ppm < -CLK_MAX_FREQ_PPM) {
        return -ERANGE;
    }
    rebase(&s->w, sys_now(CLOCK_REALTIME));
    s->w.freq_ppm = freq_ppm;
    seqlock_write(&s->pub, &s->w);
    return 0;
}

static double soft_get_freq(struct clk *c)
{
    return soft_of(c)->w.freq_ppm;
}

static int soft_step(struct clk *c, int64_t delta_ns)
{
    struct soft *s = soft_of(c);
    rebase(&s->w, sys_now(CLOCK_REALTIME));
    s->w.phase_ns += delta_ns;
    seqlock_write(&s->pub, &s->w);
    return 0;
}

static int soft_set_status(struct clk *c, const struct clk_status *st)
{
    struct soft_state *s = &soft_of(c)->w;
    int64_t sys = sys_now(CLOCK_REALTIME);
    rebase(s, sys);
    if (st->leap != s->leap) {
        s->leap = st->leap;
        /* The leap happens at the end of the current UTC day of the served time. */
        s->leap_at_ns = st->leap == CLK_LEAP_NONE ? 0 : nt_next_midnight(sys + s->phase_ns);
        if (st->leap == CLK_LEAP_DELETE && s->leap_at_ns != 0) {
            s->leap_at_ns -= NT_NS_PER_S; /* 23:59:59 is skipped */
        }
        if (s->leap_at_ns != 0 && s->leap_at_ns <= s->leap_done_at_ns + NT_NS_PER_S) {
            s->leap = CLK_LEAP_NONE; /* this day's leap already happened */
            s->leap_at_ns = 0;
        }
    }
    seqlock_write(&soft_of(c)->pub, s);
    return 0;
}

static const struct clk_ops soft_ops = {
    .name = "soft",
    .now = soft_now,
    .now_mono = soft_now_mono,
    .from_sys = soft_from_sys,
    .set_freq = soft_set_freq,
    .get_freq = soft_get_freq,
    .step = soft_step,
    .set_status = soft_set_status,
};

struct clk *clk_soft_create(void)
{
    struct clk *c = calloc(1, sizeof(*c));
    struct soft *s = calloc(1, sizeof(*s));
    if (c == NULL || s == NULL) {
        free(c);
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    s->w.base_sys_ns = sys_now(CLOCK_REALTIME);
    seqlock_write(&s->pub, &s->w);
    c->ops = &soft_ops;
    c->priv = s;
    return c;
}

void clk_destroy(struct clk *c)
{
    if (c != NULL) {
        free(c->priv);
        free(c);
    }
}
