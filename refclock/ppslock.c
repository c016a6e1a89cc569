/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ppslock: see ppslock.h. The interval check runs on the monotonic clock (never stepped). Its
 * slack grows with the interval because the monotonic clock runs with the clock's frequency
 * error, up to 500 ppm natural plus 500 ppm of correction: 5 ms + 1 ms per second keeps a
 * 0.9 s or 1.1 s interval (a spurious edge, the other edge of the pulse) well outside.
 */
#include "refclock/ppslock.h"

#include <math.h>
#include <stdlib.h>

#include "common/ntime.h"

#define SLACK_BASE_NS (5 * NT_NS_PER_MS)
#define SLACK_PER_S_NS (1 * NT_NS_PER_MS)
#define MAX_CHECKED_GAP_S 10 /* after a longer gap the next pulse starts afresh */
#define BAD_RUN_REANCHOR 3   /* the pulse phase moved for good: re-anchor on the new one */

const char *ppl_result_name(enum ppl_result r)
{
    switch (r) {
    case PPL_OK: return "ok";
    case PPL_BAD_INTERVAL: return "bad interval";
    case PPL_NO_SECOND: return "no second (lock source has no valid fix)";
    case PPL_AMBIGUOUS: return "ambiguous second";
    case PPL_WRONG_EDGE: return "wrong edge";
    case PPL_NOT_SYNCED: return "clock not synchronized";
    }
    return "?";
}

void ppl_init(struct ppl *pl, double offset_s, double width_s)
{
    pl->offset_s = offset_s;
    pl->width_s = width_s;
    pl->prev_mono_ns = 0;
    pl->bad_run = 0;
}

/* The nearest whole second (halves round up), for negative times too. */
static int64_t round_second(int64_t t_ns)
{
    int64_t a = t_ns + NT_NS_PER_S / 2;
    int64_t q = a / NT_NS_PER_S;
    if (a % NT_NS_PER_S != 0 && a < 0) {
        q--;
    }
    return q * NT_NS_PER_S;
}

static bool interval_ok(struct ppl *pl, int64_t mono)
{
    if (pl->prev_mono_ns == 0) {
        pl->prev_mono_ns = mono;
        return true;
    }
    int64_t gap = mono - pl->prev_mono_ns;
    if (gap > MAX_CHECKED_GAP_S * NT_NS_PER_S + NT_NS_PER_S / 2) {
        pl->prev_mono_ns = mono;
        pl->bad_run = 0;
        return true;
    }
    int64_t whole = round_second(gap);
    int64_t slack = SLACK_BASE_NS + SLACK_PER_S_NS * (whole / NT_NS_PER_S);
    if (whole >= NT_NS_PER_S && llabs(gap - whole) <= slack) {
        pl->prev_mono_ns = mono;
        pl->bad_run = 0;
        return true;
    }
    /* Keep the last good pulse as the anchor, so a spurious edge between two good ones does
     * not also cost the next good one; but a phase that stays moved is the new normal. */
    if (++pl->bad_run >= BAD_RUN_REANCHOR) {
        pl->prev_mono_ns = mono;
        pl->bad_run = 0;
    }
    return false;
}

/* chrony's check_pulse_edge: with a known pulse width, an edge that far from the second may
 * be the other edge of the pulse. */
static bool edge_ok(const struct ppl *pl, double offset_s, double distance_s)
{
    if (pl->width_s <= 0) {
        return true;
    }
    double max_err = 0.5 * fmin(pl->width_s, 1.0 - pl->width_s);
    return fabs(offset_s) <= max_err && distance_s <= max_err;
}

enum ppl_result ppl_pulse(struct ppl *pl, int64_t edge_local_ns, int64_t edge_mono_ns,
                          const struct ppl_coarse *coarse, const struct ppl_clock *clock,
                          double *offset_s)
{
    if (!interval_ok(pl, edge_mono_ns)) {
        return PPL_BAD_INTERVAL;
    }
    int64_t edge = edge_local_ns - nt_from_s(pl->offset_s);
    /* The offset to the nearest second of the local clock, in [-0.5, 0.5). */
    double frac = nt_to_s(edge - round_second(edge));
    if (coarse != NULL) {
        if (!coarse->valid) {
            return PPL_NO_SECOND;
        }
        /* Name the second: the whole-second shift that brings the pulse nearest to what the
         * lock source says. */
        double x = frac + round(coarse->offset_s - frac);
        double diff = coarse->offset_s - x;
        if (fabs(diff) + fmax(coarse->disp_s, 0) > PPL_LOCK_LIMIT_S) {
            return PPL_AMBIGUOUS;
        }
        if (!edge_ok(pl, diff, 0)) {
            return PPL_WRONG_EDGE;
        }
        *offset_s = x;
        return PPL_OK;
    }
    if (clock == NULL || !clock->synced || !(clock->distance_s < PPL_UNLOCKED_MAX_DIST_S)) {
        return PPL_NOT_SYNCED;
    }
    if (!edge_ok(pl, frac, clock->distance_s)) {
        return PPL_WRONG_EDGE;
    }
    *offset_s = frac;
    return PPL_OK;
}
