/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the event history (daemon/events.c): sequence numbers, the ring dropping the
 * oldest, copying after a seq (a poller going on where it stopped, the last N). */
#include <string.h>

#include "check.h"
#include "daemon/events.h"

static struct events h;
static struct event out[EVENTS_MAX + 8];

static void add(int i)
{
    struct event e = {.time_ns = i, .tag = EVENT_NO_DATA, .severity = EVENT_WARNING};
    snprintf(e.message, sizeof(e.message), "event %d", i);
    uint64_t seq = events_add(&h, &e);
    CHECK_INT(seq, e.seq);
}

int main(void)
{
    events_init(&h);
    CHECK_INT(events_last_seq(&h), 0);
    CHECK_INT(events_first_seq(&h), 0);
    CHECK_INT(events_copy(&h, 0, out, 8), 0);

    for (int i = 1; i <= 10; i++) {
        add(i);
    }
    CHECK_INT(events_last_seq(&h), 10);
    CHECK_INT(events_first_seq(&h), 1);
    size_t n = events_copy(&h, 0, out, 4);
    CHECK_INT(n, 4);
    CHECK(out[0].seq == 1 && out[3].seq == 4 && strcmp(out[3].message, "event 4") == 0);
    /* Go on from the last seen; then nothing new. */
    n = events_copy(&h, out[3].seq, out, EVENTS_MAX);
    CHECK_INT(n, 6);
    CHECK(out[0].seq == 5 && out[5].seq == 10 && out[5].time_ns == 10);
    CHECK_INT(events_copy(&h, 10, out, EVENTS_MAX), 0);
    CHECK_INT(events_copy(&h, 99, out, EVENTS_MAX), 0);

    /* Past the ring's size: the oldest go, the numbers go on without gaps. */
    for (int i = 11; i <= EVENTS_MAX + 40; i++) {
        add(i);
    }
    CHECK_INT(events_last_seq(&h), EVENTS_MAX + 40);
    CHECK_INT(events_first_seq(&h), 41);
    n = events_copy(&h, 0, out, EVENTS_MAX + 8);
    CHECK_INT(n, EVENTS_MAX);
    CHECK(out[0].seq == 41 && out[EVENTS_MAX - 1].seq == EVENTS_MAX + 40);
    for (size_t i = 1; i < n; i++) {
        CHECK_INT(out[i].seq, out[i - 1].seq + 1);
    }
    /* A reader that last saw 20 lost 21..40: it gets what is held. */
    n = events_copy(&h, 20, out, 3);
    CHECK(n == 3 && out[0].seq == 41);
    /* The last 5. */
    n = events_copy(&h, events_last_seq(&h) - 5, out, EVENTS_MAX);
    char last[32];
    snprintf(last, sizeof(last), "event %d", EVENTS_MAX + 40);
    CHECK(n == 5 && out[0].seq == EVENTS_MAX + 36 && strcmp(out[4].message, last) == 0);
    return check_result();
}
