/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * select: see select.h. A jump that goes away (one sample back within maxjump) cancels the
 * pending timer, so a receiver that alternates between a right and a wrong second never
 * accumulates the persistence it would need to be followed.
 */
#include "refclock/select.h"

#include <math.h>

#include "common/ntime.h"

bool sel_jump_pending(const struct sel_jump *j)
{
    return j->since_ns != 0;
}

enum sel_verdict sel_jump_check(struct sel_jump *j, int64_t mono_ns, double deviation_s,
                                double maxjump_s, double persist_s, bool *started, bool *ended)
{
    *started = false;
    *ended = false;
    if (!isfinite(deviation_s) || fabs(deviation_s) <= maxjump_s) {
        if (j->since_ns != 0) {
            *ended = true;
            j->since_ns = 0;
        }
        return SEL_PASS;
    }
    if (j->since_ns == 0) {
        j->since_ns = mono_ns;
        j->jump_s = deviation_s;
        *started = true;
    } else if (fabs(deviation_s - j->jump_s) > maxjump_s) {
        /* A different jump: only the same new value persisting counts. */
        j->since_ns = mono_ns;
        j->jump_s = deviation_s;
    }
    if (mono_ns - j->since_ns < nt_from_s(persist_s)) {
        return SEL_HOLD;
    }
    j->since_ns = 0;
    return SEL_FOLLOW;
}

bool sel_usable(const struct sel_cand *c)
{
    return !c->noselect && c->fresh && !c->suspect &&
           c->consecutive >= (c->need > 0 ? c->need : SEL_CONSISTENT_N);
}

static int rank(const struct sel_cand *c)
{
    return (c->pulse ? 2 : 0) + (c->prefer ? 1 : 0);
}

static double jitter_of(const struct sel_cand *c)
{
    return isfinite(c->jitter_s) ? c->jitter_s : INFINITY;
}

int sel_choose(const struct sel_cand *c, int n, int current)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!sel_usable(&c[i])) {
            continue;
        }
        if (best < 0 || rank(&c[i]) > rank(&c[best]) ||
            (rank(&c[i]) == rank(&c[best]) && jitter_of(&c[i]) < jitter_of(&c[best]))) {
            best = i;
        }
    }
    /* Keep the leader while it is of the best class and not clearly noisier. */
    if (best >= 0 && current >= 0 && current < n && current != best &&
        sel_usable(&c[current]) && rank(&c[current]) == rank(&c[best]) &&
        !(jitter_of(&c[best]) < 0.5 * jitter_of(&c[current]))) {
        return current;
    }
    return best;
}
