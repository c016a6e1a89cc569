/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clk_sim: a simulated oscillator for tests and benchmarks. True time advances only when the
 * test calls clk_sim_advance(). The clock's own rate error is freq_ppm (positive: runs fast)
 * plus a random walk of wander_ppm_per_sqrt_s, plus the correction the discipline sets; each
 * reading adds Gaussian noise of read_noise_ns. Seeded, so runs repeat.
 *
 * The truth is UTC on the POSIX scale, as a real receiver and CLOCK_REALTIME see it: when the
 * simulated world has a leap second (leap_at_ns), true time repeats (insert) or skips (delete)
 * a second there. The simulated clock does the same at its own midnight only if it was told
 * with set_status(), as the kernel does; a clock that was not told ends up one second off.
 */
#ifndef GN_CLK_SIM_H
#define GN_CLK_SIM_H

#include <stdint.h>

#include "common/clk.h"

struct clk_sim_params {
    int64_t start_true_ns;         /* true time (UTC, POSIX scale) at creation */
    int64_t initial_offset_ns;     /* clock - truth at creation */
    double freq_ppm;               /* natural rate error (positive: the clock runs fast) */
    double wander_ppm_per_sqrt_s;  /* random-walk frequency noise: 1e-9/s per sqrt(s) = 1e-3 */
    double read_noise_ns;          /* Gaussian noise (sigma) added to every now() */
    uint64_t seed;                 /* any value; equal seeds give equal runs */
    int64_t leap_at_ns;            /* a UTC midnight ending with a leap second, 0: none */
    enum clk_leap leap;            /* what happens there (insert or delete) */
};

/* A new simulated clock (free with clk_destroy), or NULL with errno set. */
struct clk *clk_sim_create(const struct clk_sim_params *p);
/* Advance true time by dt_ns >= 0 (internally in steps of at most 1 s, applying wander and
 * leap seconds). */
void clk_sim_advance(struct clk *c, int64_t dt_ns);
/* True UTC now (POSIX scale). */
int64_t clk_sim_true_ns(struct clk *c);
/* The clock's error now: clock - truth, without reading noise. */
int64_t clk_sim_error_ns(struct clk *c);
/* The oscillator's current natural rate error in ppm (without the applied correction). */
double clk_sim_natural_ppm(struct clk *c);
/* How many times step() was called, and the sum of |delta| of those steps. */
int clk_sim_steps(struct clk *c);
int64_t clk_sim_stepped_ns(struct clk *c);
/* The leap the clock was last told about with set_status (CLK_LEAP_NONE after applying it),
 * and whether the clock has applied one. */
enum clk_leap clk_sim_leap_pending(struct clk *c);
int clk_sim_leaps_applied(struct clk *c);
/* A standard normal random number from the simulation's generator (for sample noise). */
double clk_sim_gauss(struct clk *c);
/* A uniform random number in (0, 1) from the same generator. */
double clk_sim_uniform(struct clk *c);

#endif
