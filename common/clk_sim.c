/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clk_sim: the clock is kept as an error against true time; advancing integrates the rate
 * error (natural + wander + correction). Steps and leap seconds change the error, so the
 * tests can assert against the truth with clk_sim_error_ns(). The error is a double in ns:
 * at the magnitudes a test reaches (seconds) it keeps far better than 1 ns.
 */
#include "common/clk_sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/ntime.h"

struct sim {
    struct clk_sim_params p;
    int64_t true_ns;        /* UTC, POSIX scale */
    int64_t mono_ns;
    double err_ns;          /* clock - truth */
    double wander_ppm;      /* accumulated random walk */
    double corr_ppm;        /* set_freq */
    bool world_leap_done;
    enum clk_leap told;     /* pending leap the clock was told about */
    int64_t told_midnight;  /* the midnight it applies to (clock time) */
    int64_t applied_midnight;
    int leaps_applied;
    int steps;
    int64_t stepped_ns;
    uint64_t rng;
};

static struct sim *sim_of(struct clk *c)
{
    return c->priv;
}

/* xorshift64: small, fast and good enough for noise; seeded for repeatable runs. */
static double uniform(struct sim *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return ((double)(s->rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(struct sim *s)
{
    return sqrt(-2 * log(uniform(s))) * cos(2 * M_PI * uniform(s));
}

double clk_sim_gauss(struct clk *c)
{
    return gauss(sim_of(c));
}

double clk_sim_uniform(struct clk *c)
{
    return uniform(sim_of(c));
}

static int64_t reading(const struct sim *s)
{
    return s->true_ns + (int64_t)llround(s->err_ns);
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
    if (!(ppm <= CLK_MAX_FREQ_PPM && ppm >= -CLK_MAX_FREQ_PPM)) {
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
    s->stepped_ns += delta_ns < 0 ? -delta_ns : delta_ns;
    return 0;
}

/* As the kernel: a leap announced today happens at the end of the clock's current UTC day,
 * once. Announcing again after it happened (the repeated 23:59:59 still reads "today") is
 * ignored. */
static int sim_set_status(struct clk *c, const struct clk_status *st)
{
    struct sim *s = sim_of(c);
    if (st->leap == CLK_LEAP_NONE) {
        s->told = CLK_LEAP_NONE;
        return 0;
    }
    int64_t midnight = nt_next_midnight(reading(s));
    if (midnight == s->applied_midnight) {
        return 0;
    }
    s->told = st->leap;
    s->told_midnight = midnight;
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
        errno = ENOMEM;
        return NULL;
    }
    s->p = *p;
    s->true_ns = p->start_true_ns;
    s->mono_ns = NT_NS_PER_S; /* monotonic starts at 1 s, never 0 */
    s->err_ns = (double)p->initial_offset_ns;
    /* splitmix64 of the seed: small seeds (1, 2, 8) would otherwise start xorshift in
     * related, low-entropy states and give correlated runs. */
    uint64_t z = p->seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    s->rng = (z ^ (z >> 31)) | 1;
    s->applied_midnight = INT64_MIN;
    c->ops = &sim_ops;
    c->priv = s;
    return c;
}

/* The world's leap second: UTC (the truth) repeats or skips a second at the configured
 * midnight. The clock reading is continuous through it, so its error moves by the second. */
static void world_leap(struct sim *s, int64_t before, int64_t after)
{
    if (s->p.leap_at_ns == 0 || s->world_leap_done || s->p.leap == CLK_LEAP_NONE) {
        return;
    }
    int64_t at = s->p.leap == CLK_LEAP_INSERT ? s->p.leap_at_ns : s->p.leap_at_ns - NT_NS_PER_S;
    if (before < at && after >= at) {
        int64_t d = s->p.leap == CLK_LEAP_INSERT ? -NT_NS_PER_S : NT_NS_PER_S;
        s->true_ns += d;
        s->err_ns -= (double)d;
        s->world_leap_done = true;
    }
}

/* The clock's own leap, when it was told: at its midnight (insert: 23:59:59 again) or one
 * second before it (delete: 23:59:59 skipped). */
static void clock_leap(struct sim *s, int64_t before, int64_t after)
{
    if (s->told == CLK_LEAP_NONE) {
        return;
    }
    int64_t at = s->told == CLK_LEAP_INSERT ? s->told_midnight : s->told_midnight - NT_NS_PER_S;
    if (before < at && after >= at) {
        s->err_ns += s->told == CLK_LEAP_INSERT ? -(double)NT_NS_PER_S : (double)NT_NS_PER_S;
        s->applied_midnight = s->told_midnight;
        s->told = CLK_LEAP_NONE;
        s->leaps_applied++;
    }
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
        int64_t true_before = s->true_ns;
        int64_t clock_before = reading(s);
        s->err_ns += rate_ppm * 1e-6 * (double)step;
        s->true_ns += step;
        s->mono_ns += step;
        dt_ns -= step;
        world_leap(s, true_before, s->true_ns);
        clock_leap(s, clock_before, reading(s));
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

int64_t clk_sim_stepped_ns(struct clk *c)
{
    return sim_of(c)->stepped_ns;
}

enum clk_leap clk_sim_leap_pending(struct clk *c)
{
    return sim_of(c)->told;
}

int clk_sim_leaps_applied(struct clk *c)
{
    return sim_of(c)->leaps_applied;
}
