/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpc_poll: when an NTP source is asked, as a pure state machine (times are arguments, ns on
 * the monotonic clock). It owns the poll interval, the iburst at start, the reachability
 * register and the reaction to kiss-o'-death codes. The rules, beside chrony's:
 *
 * - iburst: at start, requests 2 s apart (chrony: 2 s), at most 8, stopped as soon as 4 valid
 *   replies came (chrony sends 4 quickly after start; 8 gives slack for losses). Then polls at
 *   minpoll.
 * - minpoll/maxpoll: log2 s, defaults 6 and 10 as chrony; clamped to 0..17 (RFC 5905's MINPOLL
 *   is 4; chrony goes below it for LANs), minpoll <= maxpoll.
 * - Reachability: 8 bits, shifted left at every request sent (burst requests too), bit 0 set
 *   by a valid reply to it (RFC 5905 section 13, chrony's `reach`). Reachable: any bit set.
 * - Poll adjustment while answered: after 8 consecutive answered polls at one interval, the
 *   poll grows by one, up to maxpoll. chrony instead derives it from its regression (the
 *   `polltarget` number of samples); ntpd from its loop time constant. The wiring may override
 *   with ntpc_poll_set() once the discipline says what it wants.
 * - Unanswered: after 4 consecutive unanswered requests each further one doubles the poll, up
 *   to maxpoll, so a dead server costs little (ntpd backs off once its register is empty; chrony
 *   also lets an unreachable source's interval grow towards maxpoll; the count of 4 is ours:
 *   half the register, so a short outage does not slow the recovery). The first valid reply
 *   after that brings the poll back to minpoll, to refill the filter quickly.
 * - KoD RATE: the effective minpoll becomes max(minpoll + 1, the poll the kiss states), capped
 *   at maxpoll, and the current poll at least that; a running burst stops (chrony: raises
 *   minpoll likewise and never polls faster than the server asks).
 * - KoD DENY / RSTR: the source stops for good (state DENIED, no request is due any more), as
 *   chrony does; only a reconfiguration (a new ntpc_poll_start) asks again.
 * - Other kiss codes change nothing.
 * chrony also randomizes each interval slightly to spread many clients; the wiring can add
 * such jitter to ntpc_poll_next() (this core stays deterministic for the tests).
 */
#ifndef GN_NTPC_POLL_H
#define GN_NTPC_POLL_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ntpc_proto.h"

#define NTPC_MINPOLL_DEFAULT 6
#define NTPC_MAXPOLL_DEFAULT 10
#define NTPC_POLL_LIMIT_MIN 0  /* 1 s: LAN fleets and tests (RFC 5905 MINPOLL is 4) */
#define NTPC_POLL_LIMIT_MAX 17
#define NTPC_BURST_MAX 8            /* requests in an iburst */
#define NTPC_BURST_GOOD 4           /* replies that end it */
#define NTPC_BURST_INTERVAL_NS (2 * 1000000000LL)
#define NTPC_UNANSWERED_BACKOFF 4   /* unanswered polls before the poll grows */
#define NTPC_ANSWERED_STEP 8        /* answered polls before the poll grows */

enum ntpc_poll_state {
    NTPC_POLL_IDLE = 0,  /* not started */
    NTPC_POLL_BURST,     /* iburst running */
    NTPC_POLL_NORMAL,
    NTPC_POLL_DENIED,    /* DENY or RSTR: no more requests */
};
const char *ntpc_poll_state_name(enum ntpc_poll_state st);

struct ntpc_poll {
    enum ntpc_poll_state state;
    int minpoll, maxpoll;    /* as configured (clamped) */
    int minpoll_eff;         /* raised by RATE kisses */
    int poll;                /* the current interval, log2 s */
    bool iburst;
    uint8_t reach;
    int64_t next_ns;         /* when the next request is due */
    int64_t last_sent_ns;
    int burst_sent, burst_good;
    bool answered;           /* the last request sent got a valid reply */
    int unanswered;          /* consecutive requests without a reply */
    int answered_run;        /* consecutive answered polls at this interval */
    uint64_t kod_rate, kod_deny, kod_other;  /* counted kisses */
};

/* Start (or restart) polling at now_ns: the first request is due at once. */
void ntpc_poll_start(struct ntpc_poll *p, int minpoll, int maxpoll, bool iburst, int64_t now_ns);

/* When the next request is due; INT64_MAX when none will be (denied, not started). */
int64_t ntpc_poll_next(const struct ntpc_poll *p);
static inline bool ntpc_poll_due(const struct ntpc_poll *p, int64_t now_ns)
{
    return now_ns >= ntpc_poll_next(p);
}

/* A request was sent at now_ns: shift the register, count the previous one if unanswered,
 * and schedule the next. */
void ntpc_poll_sent(struct ntpc_poll *p, int64_t now_ns);

/* A valid reply (NTPC_OK) to the last request arrived. */
void ntpc_poll_answered(struct ntpc_poll *p);

/* A matching kiss arrived; server_poll is the poll field of the kiss (log2 s). */
void ntpc_poll_kod(struct ntpc_poll *p, enum ntpc_kiss kiss, int server_poll);

/* Set the interval from outside (the discipline's wish), clamped to minpoll_eff..maxpoll. */
void ntpc_poll_set(struct ntpc_poll *p, int poll);

static inline bool ntpc_poll_reachable(const struct ntpc_poll *p) { return p->reach != 0; }

#endif
