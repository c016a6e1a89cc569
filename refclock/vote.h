/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vote: which sources tell the truth, by intersecting their correctness intervals (Marzullo's
 * algorithm, as RFC 5905 section 11.2.1 and chrony's source selection use it). Each voter says
 * "the offset is x, give or take d" (d: its root distance, an error bound). The point covered
 * by the most intervals is where the truth most likely lies; voters whose interval covers it
 * are truechimers, the others falsetickers. It only means something when that point is covered
 * by a strict majority: two voters that disagree cannot outvote each other. Pure.
 */
#ifndef GN_VOTE_H
#define GN_VOTE_H

#include <stdbool.h>

#define VOTE_MAX 16

struct vote_cand {
    double offset_s; /* local - reference */
    double dist_s;   /* error bound, >= 0 */
};

struct vote_result {
    int depth;       /* voters covering the best point */
    bool majority;   /* depth > n / 2 */
    double lo_s, hi_s; /* the stretch around the best point covered by depth voters */
};

/* Intersect n (<= VOTE_MAX) intervals; truechimer[i] tells whether voter i covers the best
 * point (all false when n is 0). */
void vote_intersect(const struct vote_cand *c, int n, bool *truechimer, struct vote_result *r);

#endif
