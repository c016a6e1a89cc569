/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ppslock: turns a PPS edge into an offset by naming its second. A pulse only says "a second
 * started here"; which second comes from the source it is locked to (`lock GPS`: the NMEA or
 * gpsd source with that refid), or, without one, from the disciplined clock itself while it is
 * known to be right to well under half a second (chrony's rules). Pulses at a wrong interval
 * (a spurious or doubled edge), pulses whose second is ambiguous, and pulses while the lock
 * source has no fix are rejected. Pure: the caller says what the lock source and the clock
 * know at the pulse.
 *
 * Sign: offsets are local - reference (positive: the local clock is ahead).
 */
#ifndef GN_PPSLOCK_H
#define GN_PPSLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* chrony's PPS_LOCK_LIMIT: the lock source's offset and the pulse may disagree by at most
 * this fraction of a second (its dispersion included), else the second is ambiguous. */
#define PPL_LOCK_LIMIT_S 0.4
/* Without a lock source the clock names the second only while its error bound is below
 * this (chrony uses half the pulse interval; we keep the same margin as the lock limit). */
#define PPL_UNLOCKED_MAX_DIST_S 0.4
/* The lock source's last sample must be this recent (chrony's maxlockage default, 2 pulses). */
#define PPL_MAX_LOCK_AGE_NS (2LL * 1000000000LL)

enum ppl_result {
    PPL_OK = 0,
    PPL_BAD_INTERVAL, /* not a whole number of seconds since the previous good pulse */
    PPL_NO_SECOND,    /* the lock source has no valid recent fix */
    PPL_AMBIGUOUS,    /* lock source and pulse disagree by more than PPL_LOCK_LIMIT_S */
    PPL_WRONG_EDGE,   /* `width`: the pulse is too far from the second to be the right edge */
    PPL_NOT_SYNCED,   /* no lock source and the clock is not known to within the bound */
};
const char *ppl_result_name(enum ppl_result r);

struct ppl {
    double offset_s;       /* `offset`: cable and receiver delay, subtracted from the edge */
    double width_s;        /* `width`: pulse width, 0 when unknown (chrony's semantics) */
    int64_t prev_mono_ns;  /* the last pulse that passed the interval check, 0: none */
    int bad_run;           /* consecutive bad intervals */
};

/* What the lock source says at the pulse. */
struct ppl_coarse {
    bool valid;        /* a valid-fix sample within PPL_MAX_LOCK_AGE_NS, no "no fix" since */
    double offset_s;   /* its offset (local - reference) carried to the pulse's instant */
    double disp_s;     /* its uncertainty (jitter) */
};

/* What the disciplined clock knows (used when there is no lock source). */
struct ppl_clock {
    bool synced;       /* it follows a real reference (not `local stratum`) */
    double distance_s; /* its error bound now: root delay / 2 + root dispersion */
};

void ppl_init(struct ppl *pl, double offset_s, double width_s);
/*
 * One edge, seen at edge_local_ns on the served clock and edge_mono_ns on the monotonic clock.
 * coarse: the lock source's view, or NULL when the pulse has no lock source (or it is gone).
 * On PPL_OK, *offset_s is the pulse's offset (local - reference) with its second named.
 */
enum ppl_result ppl_pulse(struct ppl *pl, int64_t edge_local_ns, int64_t edge_mono_ns,
                          const struct ppl_coarse *coarse, const struct ppl_clock *clock,
                          double *offset_s);

#endif
