/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the kernel PPS driver's pure part: de-duplication by the kernel's sequence
 * number, missed pulses (sequence gaps and time gaps), wrap-around and device re-creation,
 * and a seeded random pulse train checked against its own bookkeeping. Also the config check.
 */
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "drivers/kpps.h"

#define S NT_NS_PER_S
#define T0 (1700000000LL * S)

static void test_basics(void)
{
    struct kpps_seq st = {0};
    uint64_t missed = 99;
    /* Nothing captured yet: the kernel reports sequence 0 at time 0. */
    CHECK_INT(kpps_seq_update(&st, 0, 0, &missed), KPPS_NONE);
    CHECK_INT(missed, 0);
    CHECK(!st.have);
    /* The first edge after open may be stale: a baseline, never reported. */
    CHECK_INT(kpps_seq_update(&st, 41, T0, &missed), KPPS_BASELINE);
    CHECK(st.have);
    /* Fetched again before the next pulse: the same edge. */
    CHECK_INT(kpps_seq_update(&st, 41, T0, &missed), KPPS_SAME);
    CHECK_INT(kpps_seq_update(&st, 42, T0 + S + 300, &missed), KPPS_NEW);
    CHECK_INT(missed, 0);
    CHECK_INT(kpps_seq_update(&st, 42, T0 + S + 300, &missed), KPPS_SAME);
    /* Two edges the kernel saw but the poll never fetched. */
    CHECK_INT(kpps_seq_update(&st, 45, T0 + 4 * S, &missed), KPPS_NEW);
    CHECK_INT(missed, 2);
    /* The receiver skipped two pulses: no sequence gap, but 3 s between edges. */
    CHECK_INT(kpps_seq_update(&st, 46, T0 + 7 * S, &missed), KPPS_NEW);
    CHECK_INT(missed, 2);
    /* A late pulse (1.4 s) is not a missed one; 1.6 s rounds to 2 s: one missed. */
    CHECK_INT(kpps_seq_update(&st, 47, T0 + 8 * S + 400 * NT_NS_PER_MS, &missed), KPPS_NEW);
    CHECK_INT(missed, 0);
    CHECK_INT(kpps_seq_update(&st, 48, T0 + 10 * S, &missed), KPPS_NEW);
    CHECK_INT(missed, 1);
    /* A long silence is an outage, not a run of missed pulses. */
    CHECK_INT(kpps_seq_update(&st, 49, T0 + 10 * S + KPPS_MISSED_SPAN_NS + S, &missed),
              KPPS_NEW);
    CHECK_INT(missed, 0);
    /* The clock stepped back between edges: only the sequence counts. */
    CHECK_INT(kpps_seq_update(&st, 51, T0, &missed), KPPS_NEW);
    CHECK_INT(missed, 1);
}

static void test_wrap_and_reset(void)
{
    struct kpps_seq st = {0};
    uint64_t missed;
    CHECK_INT(kpps_seq_update(&st, UINT32_MAX - 1, T0, &missed), KPPS_BASELINE);
    CHECK_INT(kpps_seq_update(&st, UINT32_MAX, T0 + S, &missed), KPPS_NEW);
    CHECK_INT(missed, 0);
    /* Sequence 0 with a real timestamp is a wrapped counter, not "nothing captured". */
    CHECK_INT(kpps_seq_update(&st, 0, T0 + 2 * S, &missed), KPPS_NEW);
    CHECK_INT(missed, 0);
    CHECK_INT(kpps_seq_update(&st, 2, T0 + 4 * S, &missed), KPPS_NEW);
    CHECK_INT(missed, 1);
    /* Backwards: the device was re-created under us. A new baseline, no gap counted. */
    CHECK_INT(kpps_seq_update(&st, 1, T0 + 5 * S, &missed), KPPS_BASELINE);
    CHECK_INT(missed, 0);
    CHECK_INT(kpps_seq_update(&st, 2, T0 + 6 * S, &missed), KPPS_NEW);
    CHECK_INT(missed, 0);
    /* A noisy line: a thousand edges in a second are a thousand "missed" pulses; the driver
     * bounds what it adds to the counter. */
    CHECK_INT(kpps_seq_update(&st, 1002, T0 + 7 * S, &missed), KPPS_NEW);
    CHECK_INT(missed, 999);
}

/* A pulse train with pulses the receiver drops and stretches where the poll is late, fetched
 * every 200 ms: every pulse is either reported or counted missed, and nothing twice. */
static void test_random_train(unsigned seed)
{
    srand(seed);
    struct kpps_seq st = {0};
    uint32_t kseq = 0;      /* the kernel's counter */
    int64_t kts = 0;        /* the kernel's latest edge */
    uint64_t sent = 0, reported = 0, missed_total = 0, baselines = 0;
    int64_t stall_until = 0;
    for (int64_t t = T0; t < T0 + 3600 * S; t += 200 * NT_NS_PER_MS) {
        /* A pulse at each whole second, jittered by up to 1 us; 2 % never sent. */
        if ((t - T0) % S == 0) {
            sent++;
            if (rand() % 50 != 0) {
                kseq++;
                kts = t + rand() % 2001 - 1000;
            }
        }
        /* The event loop sometimes stalls for up to 3 s: no fetch meanwhile. */
        if (t < stall_until) {
            continue;
        }
        if (rand() % 200 == 0) {
            stall_until = t + (1 + rand() % 3) * S;
        }
        uint64_t missed;
        switch (kpps_seq_update(&st, kseq, kts, &missed)) {
        case KPPS_NEW:
            reported++;
            missed_total += missed;
            break;
        case KPPS_BASELINE: baselines++; break;
        case KPPS_NONE:
        case KPPS_SAME: CHECK_INT(missed, 0); break;
        }
    }
    CHECK_INT(baselines, 1);
    /* The baseline edge and the pulses before it are neither reported nor missed. Pulses the
     * receiver dropped after the last reported one are not known yet. */
    uint64_t accounted = reported + missed_total + baselines;
    printf("random train: sent %llu, reported %llu, missed %llu\n", (unsigned long long)sent,
           (unsigned long long)reported, (unsigned long long)missed_total);
    CHECK(accounted <= sent);
    CHECK(sent - accounted <= 5);
    CHECK(missed_total > 50);   /* both kinds of loss happened */
    CHECK(reported > 3300);
}

static void test_check(void)
{
    CHECK(drv_pps.check("/dev/pps0", NULL, 0) == NULL);
    CHECK(drv_pps.check("pps0", NULL, 0) != NULL);
    struct drv_optval kernel = {.key = "kernelpps", .value = ""};
    const char *msg = drv_pps.check("/dev/pps0", &kernel, 1);
    CHECK(msg != NULL && strstr(msg, "kernelpps") != NULL);
    CHECK(strcmp(drv_pps.name, "pps") == 0);
    CHECK(drv_pps.poll != NULL && drv_pps.on_readable == NULL);
    bool flag;
    CHECK(drv_pps.pulses && drv_has_option(&drv_pps, "clear", &flag) && flag);
    CHECK(drv_pps.poll_interval_ns > 0 && drv_pps.poll_interval_ns < S / 2);
}

int main(void)
{
    unsigned seed = check_seed(2783);
    test_basics();
    test_wrap_and_reset();
    test_random_train(seed);
    test_check();
    return check_result();
}
