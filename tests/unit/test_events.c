/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the event history (daemon/events.c): sequence numbers, the ring dropping the
 * oldest, copying after a seq (a poller going on where it stopped, the last N). */
#include <string.h>

#include "check.h"
#include "daemon/ctl_render.h"
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

/* gpsntpctl events: chronyc-like columns; JSON with every field, strings escaped. */
static void test_render(void)
{
    struct event e[2] = {
        {.seq = 7, .time_ns = 1767225600LL * 1000000000LL + 250000000, .tag = EVENT_REF_LOST,
         .severity = EVENT_CRITICAL, .stratum = 1},
        {.seq = 8, .time_ns = 1767225601LL * 1000000000LL, .tag = EVENT_START,
         .severity = EVENT_INFO, .stratum = 16},
    };
    snprintf(e[0].source, sizeof(e[0].source), "pps0");
    snprintf(e[0].reference, sizeof(e[0].reference), "pps0");
    snprintf(e[0].message, sizeof(e[0].message), "pps0 lost (\"quoted\")");
    snprintf(e[1].message, sizeof(e[1].message), "started");
    static char text[4096];
    FILE *f = fmemopen(text, sizeof(text), "w");
    ctl_render_events(f, e, 2, false);
    fclose(f);
    CHECK(strncmp(text, "Time (UTC)", 10) == 0);
    CHECK(strstr(text, "\n2026-01-01T00:00:00.250Z critical REF_LOST             pps0     "
                       "pps0 lost (\"quoted\")\n") != NULL);
    CHECK(strstr(text, "\n2026-01-01T00:00:01.000Z info     START                -        "
                       "started\n") != NULL);
    f = fmemopen(text, sizeof(text), "w");
    ctl_render_events(f, e, 2, true);
    fclose(f);
    CHECK(strstr(text, "{\"events\":[{\"seq\":7,\"time\":\"2026-01-01T00:00:00.250Z\","
                       "\"time_ns\":1767225600250000000,\"severity\":\"critical\","
                       "\"tag\":\"REF_LOST\",\"source\":\"pps0\",") == text);
    CHECK(strstr(text, "\"message\":\"pps0 lost (\\\"quoted\\\")\"") != NULL);
    CHECK(strstr(text, "\"reference\":\"\"}]}\n") != NULL);
    f = fmemopen(text, sizeof(text), "w");
    ctl_render_events(f, e, 0, true);
    fclose(f);
    CHECK(strcmp(text, "{\"events\":[]}\n") == 0);
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
    test_render();
    return check_result();
}
