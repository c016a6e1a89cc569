/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clk_sim: the clock is kept as an error against true time; advancing integrates the rate
 * error (natural + wander + correction). Leap seconds: when told by set_status, the clock
 * repeats (or skips) a second at the next UTC midnight of its own time, as the kernel does;
 * "true time" here is UTC in POSIX form, so the clock's error is unchanged across the event
 * only if the truth takes the same leap (tests model that by comparing mod the leap).
 */
#include "common/clk_sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/ntime.h"

struct sim {
    struct clk_sim_params p;
    int64_t true_ns;
    int64_t mono_ns;
    double err_ns;          /* clock - truth */
    double wander_ppm;      /* accumulated random walk */
    double corr_ppm;        /* set_freq */
    enum clk_leap leap;
    int64_t leap_done_day;
    int steps;
    uint64_t rng;
};

static struct sim *sim_of(struct clk *c)
{
    return c->priv;
}

static double uniform(struct sim *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return ((s->rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(struct sim *s)
{
    return sqrt(-2 * log(uniform(s))) * cos(2 * M_PI * uniform(s));
}

double clk_sim_gauss(struct clk *c)
{
    return gauss(sim_of(c));
}

static int64_t sim_now(struct clk *c)
{
    struct sim *s = sim_of(c);
    double noise = s->p.read_noise_ns > 0 ? gauss(s) * s->p.read_noise_ns : 0;
    return s->true_ns + (int64_t)llround(s->err_ns + noise);
}

static int64_t sim_now_mono(struct clk *c)
{
    return sim_of(c)->mono_ns;
}

static int64_t sim_from_sys(struct clk *c, int64_t sys_ns)
{
    (void)c;
    return sys_ns; /* in a simulation the "kernel" stamps with this clock already */
}

static int sim_set_freq(struct clk *c, double ppm)
{
    if (ppm > CLK_MAX_FREQ_PPM || ppm < -CLK_MAX_FREQ_PPM) {
        return -ERANGE;
    }
    sim_of(c)->corr_ppm = ppm;
    return 0;
}

static double sim_get_freq(struct clk *c)
{
    return sim_of(c)->corr_ppm;
}

static int sim_step(struct clk *c, int64_t delta_ns)
{
    struct sim *s = sim_of(c);
    s->err_ns += (double)delta_ns;
    s->steps++;
    return 0;
}

static int sim_set_status(struct clk *c, const struct clk_status *st)
{
    sim_of(c)->leap = st->leap;
    return 0;
}

static const struct clk_ops sim_ops = {
    .name = "sim",
    .now = sim_now,
    .now_mono = sim_now_mono,
    .from_sys = sim_from_sys,
    .set_freq = sim_set_freq,
    .get_freq = sim_get_freq,
    .step = sim_step,
    .set_status = sim_set_status,
};

struct clk *clk_sim_create(const struct clk_sim_params *p)
{
    struct clk *c = calloc(1, sizeof(*c));
    struct sim *s = calloc(1, sizeof(*s));
    if (c == NULL || s == NULL) {
        free(c);
        free(s);
        return NULL;
    }
    s->p = *p;
    s->true_ns = p->start_true_ns;
    s->mono_ns = NT_NS_PER_S; /* monotonic starts at 1 s, never 0 */
    s->err_ns = (double)p->initial_offset_ns;
    s->rng = p->seed ? p->seed : 1;
    s->leap_done_day = INT64_MIN;
    c->ops = &sim_ops;
    c->priv = s;
    return c;
}

void clk_sim_advance(struct clk *c, int64_t dt_ns)
{
    struct sim *s = sim_of(c);
    while (dt_ns > 0) {
        int64_t step = dt_ns > NT_NS_PER_S ? NT_NS_PER_S : dt_ns;
        double dt_s = nt_to_s(step);
        if (s->p.wander_ppm_per_sqrt_s > 0) {
            s->wander_ppm += gauss(s) * s->p.wander_ppm_per_sqrt_s * sqrt(dt_s);
        }
        double rate_ppm = s->p.freq_ppm + s->wander_ppm + s->corr_ppm;
        int64_t before_clock = s->true_ns + (int64_t)s->err_ns;
        s->err_ns += rate_ppm * 1e-6 * (double)step;
        s->true_ns += step;
        s->mono_ns += step;
        dt_ns -= step;
        /* The clock applies a pending leap when its own time crosses midnight. UTC (the
         * truth) takes the same leap, so in POSIX time both repeat 23:59:59 and the error is
         * unchanged: nothing to do but clear the flag, once per day. */
        int64_t after_clock = s->true_ns + (int64_t)s->err_ns;
        int64_t day = after_clock / NT_NS_PER_DAY;
        if (s->leap != CLK_LEAP_NONE && before_clock / NT_NS_PER_DAY != day &&
            day != s->leap_done_day) {
            s->leap_done_day = day;
            s->leap = CLK_LEAP_NONE;
        }
    }
}

int64_t clk_sim_true_ns(struct clk *c)
{
    return sim_of(c)->true_ns;
}

int64_t clk_sim_error_ns(struct clk *c)
{
    return (int64_t)llround(sim_of(c)->err_ns);
}

double clk_sim_natural_ppm(struct clk *c)
{
    struct sim *s = sim_of(c);
    return s->p.freq_ppm + s->wander_ppm;
}

int clk_sim_steps(struct clk *c)
{
    return sim_of(c)->steps;
}
