/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpc_poll: see ntpc_poll.h for the rules. An answer is counted at most once per request,
 * and an unanswered request is counted when the next one is sent (the only moment the core
 * knows a reply will no longer come).
 */
#include "drivers/ntpc_poll.h"

#include <string.h>

#include "common/ntime.h"

const char *ntpc_poll_state_name(enum ntpc_poll_state st)
{
    switch (st) {
    case NTPC_POLL_IDLE: return "idle";
    case NTPC_POLL_BURST: return "burst";
    case NTPC_POLL_NORMAL: return "normal";
    case NTPC_POLL_DENIED: return "denied";
    }
    return "?";
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int64_t interval_ns(int poll)
{
    return (int64_t)NT_NS_PER_S << poll; /* poll <= 17: no overflow */
}

void ntpc_poll_start(struct ntpc_poll *p, int minpoll, int maxpoll, bool iburst, int64_t now_ns)
{
    memset(p, 0, sizeof(*p));
    p->minpoll = clamp(minpoll, NTPC_POLL_LIMIT_MIN, NTPC_POLL_LIMIT_MAX);
    p->maxpoll = clamp(maxpoll, p->minpoll, NTPC_POLL_LIMIT_MAX);
    p->minpoll_eff = p->minpoll;
    p->poll = p->minpoll;
    p->iburst = iburst;
    p->state = iburst ? NTPC_POLL_BURST : NTPC_POLL_NORMAL;
    p->answered = true; /* nothing sent yet: nothing to count as lost */
    p->next_ns = now_ns;
}

int64_t ntpc_poll_next(const struct ntpc_poll *p)
{
    if (p->state == NTPC_POLL_IDLE || p->state == NTPC_POLL_DENIED) {
        return INT64_MAX;
    }
    return p->next_ns;
}

void ntpc_poll_sent(struct ntpc_poll *p, int64_t now_ns)
{
    if (p->state == NTPC_POLL_IDLE || p->state == NTPC_POLL_DENIED) {
        return;
    }
    if (!p->answered) {
        p->unanswered++;
        p->answered_run = 0;
        if (p->state == NTPC_POLL_NORMAL && p->unanswered > NTPC_UNANSWERED_BACKOFF &&
            p->poll < p->maxpoll) {
            p->poll++;
        }
    }
    p->reach = (uint8_t)(p->reach << 1);
    p->answered = false;
    p->last_sent_ns = now_ns;
    if (p->state == NTPC_POLL_BURST) {
        if (++p->burst_sent < NTPC_BURST_MAX) {
            p->next_ns = now_ns + NTPC_BURST_INTERVAL_NS;
            return;
        }
        p->state = NTPC_POLL_NORMAL; /* 8 sent: the burst is over, answered or not */
    }
    p->next_ns = now_ns + interval_ns(p->poll);
}

void ntpc_poll_answered(struct ntpc_poll *p)
{
    if (p->answered || p->state == NTPC_POLL_IDLE || p->state == NTPC_POLL_DENIED) {
        return;
    }
    p->answered = true;
    p->reach |= 1;
    if (p->unanswered > NTPC_UNANSWERED_BACKOFF) {
        p->poll = p->minpoll_eff;
    }
    p->unanswered = 0;
    if (p->state == NTPC_POLL_BURST) {
        if (++p->burst_good >= NTPC_BURST_GOOD) {
            p->state = NTPC_POLL_NORMAL;
            p->next_ns = p->last_sent_ns + interval_ns(p->poll);
        }
        return;
    }
    if (++p->answered_run >= NTPC_ANSWERED_STEP && p->poll < p->maxpoll) {
        p->poll++;
        p->answered_run = 0;
    }
}

void ntpc_poll_kod(struct ntpc_poll *p, enum ntpc_kiss kiss, int server_poll)
{
    if (p->state == NTPC_POLL_IDLE || p->state == NTPC_POLL_DENIED) {
        return;
    }
    switch (kiss) {
    case NTPC_KISS_RATE: {
        p->kod_rate++;
        int asked = clamp(server_poll, NTPC_POLL_LIMIT_MIN, NTPC_POLL_LIMIT_MAX);
        int raised = p->minpoll_eff + 1 > asked ? p->minpoll_eff + 1 : asked;
        p->minpoll_eff = raised < p->maxpoll ? raised : p->maxpoll;
        if (p->poll < p->minpoll_eff) {
            p->poll = p->minpoll_eff;
        }
        p->answered_run = 0;
        p->state = NTPC_POLL_NORMAL; /* a running burst stops */
        p->next_ns = p->last_sent_ns + interval_ns(p->poll);
        break;
    }
    case NTPC_KISS_DENY:
    case NTPC_KISS_RSTR:
        p->kod_deny++;
        p->state = NTPC_POLL_DENIED;
        break;
    case NTPC_KISS_OTHER:
        p->kod_other++;
        break;
    }
}

void ntpc_poll_set(struct ntpc_poll *p, int poll)
{
    p->poll = clamp(poll, p->minpoll_eff, p->maxpoll);
}
