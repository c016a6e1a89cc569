/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clk_sim: a simulated oscillator for tests and benchmarks. True time advances only when the
 * test calls clk_sim_advance(). The clock's own rate error is freq_ppm (positive: runs fast)
 * plus a random walk of wander_ppm_per_sqrt_s, plus the correction the discipline sets; each
 * reading adds Gaussian noise of read_noise_ns. Seeded, so runs repeat.
 */
#ifndef GN_CLK_SIM_H
#define GN_CLK_SIM_H

#include <stdint.h>

#include "common/clk.h"

struct clk_sim_params {
    int64_t start_true_ns;         /* true time at creation */
    int64_t initial_offset_ns;     /* clock - truth at creation */
    double freq_ppm;               /* natural rate error */
    double wander_ppm_per_sqrt_s;  /* random-walk frequency noise (1e-9/s -> 1e-3) */
    double read_noise_ns;
    uint64_t seed;
};

struct clk *clk_sim_create(const struct clk_sim_params *p);
/* Advance true time by dt_ns (in steps of at most 1 s, applying wander and leap). */
void clk_sim_advance(struct clk *c, int64_t dt_ns);
int64_t clk_sim_true_ns(struct clk *c);
/* The clock's error now: clock - truth, without reading noise. */
int64_t clk_sim_error_ns(struct clk *c);
/* The oscillator's current natural rate error in ppm. */
double clk_sim_natural_ppm(struct clk *c);
int clk_sim_steps(struct clk *c); /* how many times step() was called */
/* Gaussian random number from the simulation's generator (for test sample noise). */
double clk_sim_gauss(struct clk *c);

#endif
