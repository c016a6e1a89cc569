/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the NTP client's poll state machine: iburst (2 s apart, stopped by 4 answers or
 * after 8 requests), the reachability register, the poll growing while answered and backing
 * off while unanswered (and back to minpoll on an answer), KoD RATE (raised minpoll, never
 * below the server's poll, capped at maxpoll), DENY and RSTR (no more requests), clamping.
 */
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "drivers/ntpc_poll.h"

#define S NT_NS_PER_S

/* Send when due; answer if asked. Returns the send time. */
static int64_t step(struct ntpc_poll *p, bool answer)
{
    int64_t t = ntpc_poll_next(p);
    ntpc_poll_sent(p, t);
    if (answer) {
        ntpc_poll_answered(p);
    }
    return t;
}

static void test_iburst(void)
{
    struct ntpc_poll p;
    ntpc_poll_start(&p, 6, 10, true, 100 * S);
    CHECK_INT(p.state, NTPC_POLL_BURST);
    CHECK(ntpc_poll_due(&p, 100 * S));
    CHECK(!ntpc_poll_due(&p, 100 * S - 1));
    /* Answers 1..4: 2 s apart, then the burst ends and the poll is minpoll. */
    for (int i = 0; i < 4; i++) {
        CHECK_INT(step(&p, true), 100 * S + 2 * i * S);
    }
    CHECK_INT(p.state, NTPC_POLL_NORMAL);
    CHECK_INT(p.reach, 0x0f);
    CHECK_INT(ntpc_poll_next(&p), 106 * S + 64 * S);
    /* With losses: 8 requests at most, 3 answers only, then normal polling. */
    ntpc_poll_start(&p, 6, 10, true, 0);
    for (int i = 0; i < 8; i++) {
        CHECK_INT(p.state, NTPC_POLL_BURST);
        CHECK_INT(step(&p, i % 3 == 0), 2 * i * S);
    }
    CHECK_INT(p.state, NTPC_POLL_NORMAL);
    CHECK_INT(p.reach, 0x92); /* answered 0, 3, 6 of 0..7, register shifted per request */
    CHECK_INT(ntpc_poll_next(&p), 14 * S + 64 * S);
    /* Without iburst: one request, then minpoll. */
    ntpc_poll_start(&p, 6, 10, false, 0);
    CHECK_INT(p.state, NTPC_POLL_NORMAL);
    step(&p, true);
    CHECK_INT(ntpc_poll_next(&p), 64 * S);
    CHECK_INT(ntpc_poll_state_name(NTPC_POLL_DENIED)[0], 'd');
}

static void test_reach_and_backoff(void)
{
    struct ntpc_poll p;
    ntpc_poll_start(&p, 6, 10, false, 0);
    /* Answered polls: the poll grows by one every 8, up to maxpoll. */
    for (int i = 0; i < 8; i++) {
        step(&p, true);
    }
    CHECK_INT(p.reach, 0xff);
    CHECK_INT(p.poll, 7);
    for (int i = 0; i < 8 * 5; i++) {
        step(&p, true);
    }
    CHECK_INT(p.poll, 10);
    /* A double answer counts once. */
    ntpc_poll_answered(&p);
    CHECK_INT(p.reach, 0xff);
    /* Silence: the register drains, the poll stays for 4 lost requests and then grows
     * (it is already at maxpoll here: start again at minpoll to see it). */
    ntpc_poll_start(&p, 6, 9, false, 0);
    step(&p, true);
    for (int i = 0; i < 5; i++) {
        step(&p, false);
    }
    CHECK_INT(p.reach, 0x20);
    CHECK_INT(p.poll, 6); /* 4 unanswered counted so far */
    step(&p, false);      /* the 5th is counted: poll 7 */
    CHECK_INT(p.poll, 7);
    step(&p, false);
    step(&p, false);
    step(&p, false);
    CHECK_INT(p.poll, 9);
    CHECK_INT(p.reach, 0);
    CHECK(!ntpc_poll_reachable(&p));
    int64_t t = step(&p, false);
    CHECK_INT(p.poll, 9);
    CHECK_INT(ntpc_poll_next(&p), t + 512 * S);
    /* The server is back: reachable, poll back to minpoll. */
    ntpc_poll_sent(&p, ntpc_poll_next(&p));
    ntpc_poll_answered(&p);
    CHECK(ntpc_poll_reachable(&p));
    CHECK_INT(p.poll, 6);
}

static void test_kod(void)
{
    struct ntpc_poll p;
    ntpc_poll_start(&p, 6, 10, true, 0);
    step(&p, true);
    int64_t t = step(&p, false);
    /* RATE during the burst: the burst stops, minpoll 7, next at +128 s. */
    ntpc_poll_kod(&p, NTPC_KISS_RATE, 3);
    CHECK_INT(p.state, NTPC_POLL_NORMAL);
    CHECK_INT(p.minpoll_eff, 7);
    CHECK_INT(p.poll, 7);
    CHECK_INT(ntpc_poll_next(&p), t + 128 * S);
    /* RATE stating poll 9: never below what the server asks. */
    ntpc_poll_kod(&p, NTPC_KISS_RATE, 9);
    CHECK_INT(p.minpoll_eff, 9);
    CHECK_INT(p.poll, 9);
    /* Capped at maxpoll whatever the kiss says. */
    ntpc_poll_kod(&p, NTPC_KISS_RATE, 17);
    CHECK_INT(p.minpoll_eff, 10);
    ntpc_poll_set(&p, 4);
    CHECK_INT(p.poll, 10); /* never below the raised minpoll */
    CHECK_INT(p.kod_rate, 3);
    /* An unknown kiss changes nothing. */
    ntpc_poll_kod(&p, NTPC_KISS_OTHER, 4);
    CHECK_INT(p.state, NTPC_POLL_NORMAL);
    CHECK_INT(p.kod_other, 1);
    /* DENY and RSTR stop the source for good. */
    ntpc_poll_kod(&p, NTPC_KISS_DENY, 4);
    CHECK_INT(p.state, NTPC_POLL_DENIED);
    CHECK(ntpc_poll_next(&p) == INT64_MAX);
    CHECK(!ntpc_poll_due(&p, INT64_MAX - 1));
    ntpc_poll_sent(&p, 0);
    CHECK_INT(p.state, NTPC_POLL_DENIED);
    ntpc_poll_start(&p, 6, 10, false, 0);
    ntpc_poll_kod(&p, NTPC_KISS_RSTR, 4);
    CHECK_INT(p.state, NTPC_POLL_DENIED);
}

static void test_clamp(void)
{
    struct ntpc_poll p;
    ntpc_poll_start(&p, -3, 30, false, 0);
    CHECK_INT(p.minpoll, 0);
    CHECK_INT(p.maxpoll, 17);
    ntpc_poll_start(&p, 12, 8, false, 0);
    CHECK_INT(p.minpoll, 12);
    CHECK_INT(p.maxpoll, 12);
    ntpc_poll_set(&p, 3);
    CHECK_INT(p.poll, 12);
    /* Not started: nothing is due. */
    memset(&p, 0, sizeof(p));
    CHECK(ntpc_poll_next(&p) == INT64_MAX);
}

int main(void)
{
    test_iburst();
    test_reach_and_backoff();
    test_kod();
    test_clamp();
    return check_result();
}
