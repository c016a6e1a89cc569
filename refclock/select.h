/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * select: which reference leads, and whether a reference's new value can be believed.
 *
 * The jump guard: a source whose offset moves away from what it (or the disciplined clock)
 * said so far by more than `maxjump` is held off, not followed, until the new value has
 * persisted for `jumppersist` seconds (a receiver bug, a spoofer, or a wrong second comes and
 * goes; a real change stays). A source that comes back, or that jumped, must then agree with
 * itself for a few samples before it may lead again. Selection prefers pulse (PPS) sources
 * over coarse ones once they are locked, `prefer` within a class, then the lower jitter, and
 * keeps the current leader among equals so two similar sources do not flap. Pure.
 */
#ifndef GN_SELECT_H
#define GN_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#define SEL_CONSISTENT_N 4 /* agreeing samples a (re)appearing source needs before leading */

struct sel_jump {
    int64_t since_ns;  /* monotonic start of the pending jump, 0: none */
    double jump_s;     /* its size (new - expected) */
};

enum sel_verdict {
    SEL_PASS = 0,  /* no jump: use the sample */
    SEL_HOLD,      /* a jump that has not persisted yet: do not use the sample */
    SEL_FOLLOW,    /* the jump persisted: follow it (restart the source's history) */
};

/*
 * Check one sample: deviation_s is the sample minus the expected value (NaN when nothing is
 * expected yet, e.g. at start-up). *started is set when this sample starts a new jump (log
 * and count it once), *ended when a pending jump went away.
 */
enum sel_verdict sel_jump_check(struct sel_jump *j, int64_t mono_ns, double deviation_s,
                                double maxjump_s, double persist_s, bool *started, bool *ended);
bool sel_jump_pending(const struct sel_jump *j);

/* The selection's view of one source. */
struct sel_cand {
    bool pulse;        /* a PPS source */
    bool prefer, noselect;
    bool fresh;        /* an accepted sample recently */
    bool suspect;      /* held off by the jump guard */
    int consecutive;   /* accepted samples since it (re)appeared */
    int need;          /* ... needed before it may lead; 0: SEL_CONSISTENT_N */
    double jitter_s;   /* NaN when unknown */
};

bool sel_usable(const struct sel_cand *c);
/* The index of the source to lead, or -1. current: the present leader (-1: none). */
int sel_choose(const struct sel_cand *c, int n, int current);

#endif
