/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the NTP client's clock filter: the lowest-delay sample of the last 8 is chosen (and
 * not one that fell out of the window), an older choice is not used twice, dispersion grows
 * with age at PHI, the jitter of known offsets, and popcorn spike suppression (one outlier
 * dropped and counted, a real step followed on its second sample).
 */
#include <string.h>

#include "check.h"
#include "common/ntime.h"
#include "drivers/ntpc_filter.h"

static const int64_t T0_NS = 1790000000LL * NT_NS_PER_S;
#define POLL_NS (64 * NT_NS_PER_S)

static struct ntpc_sample smp(int i, int64_t offset_ns, int64_t delay_ns)
{
    struct ntpc_sample s;
    memset(&s, 0, sizeof(s));
    s.local_ns = T0_NS + i * POLL_NS;
    s.offset_ns = offset_ns;
    s.delay_ns = delay_ns;
    s.disp_s = 1e-6;
    return s;
}

static bool add(struct ntpc_filter *f, int i, int64_t off, int64_t delay, struct ntpc_filtered *o)
{
    struct ntpc_sample s = smp(i, off, delay);
    return ntpc_filter_add(f, &s, s.local_ns, o);
}

static void test_min_delay(void)
{
    struct ntpc_filter f;
    struct ntpc_filtered o;
    ntpc_filter_reset(&f);
    /* First sample: used. */
    CHECK(add(&f, 0, 1000, 5 * NT_NS_PER_MS, &o));
    CHECK_INT(o.offset_ns, 1000);
    CHECK_INT(o.n, 1);
    /* Higher delays: the first stays the best, and is not used again. */
    CHECK(!add(&f, 1, 1300, 9 * NT_NS_PER_MS, &o));
    CHECK(!add(&f, 2, 700, 8 * NT_NS_PER_MS, &o));
    /* A lower delay wins at once. */
    CHECK(add(&f, 3, 1100, 2 * NT_NS_PER_MS, &o));
    CHECK_INT(o.offset_ns, 1100);
    CHECK_INT(o.delay_ns, 2 * NT_NS_PER_MS);
    CHECK_INT(o.local_ns, T0_NS + 3 * POLL_NS);
    CHECK_INT(o.n, 4);
    /* Seven more with higher delays push it out of the window (8 stages): then the best of
     * the remaining (delay 3 ms, offset 1050) is chosen. */
    bool used = false;
    for (int i = 4; i <= 11; i++) {
        int64_t d = (i == 9 ? 3 : 6) * NT_NS_PER_MS;
        used = add(&f, i, i == 9 ? 1050 : 1000 + 10 * i, d, &o);
        if (i < 9) {
            CHECK(!used);
        }
    }
    CHECK(used || f.last_offset_ns == 1050);
    CHECK_INT(f.last_offset_ns, 1050);
    CHECK_INT(f.last_used_ns, T0_NS + 9 * POLL_NS);
}

static void test_dispersion_and_jitter(void)
{
    struct ntpc_filter f;
    struct ntpc_filtered o;
    ntpc_filter_reset(&f);
    /* One sample: epsilon is its dispersion (empty stages do not count). */
    struct ntpc_sample s = smp(0, 0, NT_NS_PER_MS);
    CHECK(ntpc_filter_add(&f, &s, s.local_ns, &o));
    CHECK_NEAR(o.disp_s, 1e-6, 1e-12);
    CHECK_NEAR(o.jitter_s, 1e-6, 1e-15); /* floored at the sample's dispersion */
    /* Offsets 0, +2 us, -2 us, +2 us (delays rising): jitter sqrt((4+4+4)/3) us = 2 us. */
    ntpc_filter_reset(&f);
    static const int64_t offs[] = {0, 2000, -2000, 2000};
    for (int i = 0; i < 4; i++) {
        s = smp(i, offs[i], (1 + i) * NT_NS_PER_MS);
        s.local_ns = T0_NS + i; /* the same moment: no aging */
        ntpc_filter_add(&f, &s, T0_NS + 3, &o);
    }
    CHECK_NEAR(f.jitter_s, 2e-6, 1e-12);
    /* Aging: the dispersion of a sample grows at 15 ppm: 1000 s later, 15 ms more. */
    ntpc_filter_reset(&f);
    s = smp(0, 0, NT_NS_PER_MS);
    CHECK(ntpc_filter_add(&f, &s, s.local_ns + 1000 * NT_NS_PER_S, &o));
    CHECK_NEAR(o.disp_s, 1e-6 + 0.015, 1e-9);
}

static void test_popcorn(void)
{
    struct ntpc_filter f;
    struct ntpc_filtered o;
    ntpc_filter_reset(&f);
    /* A steady source with 10 us jitter, every new sample the best (falling delay). */
    int64_t delay = 100 * NT_NS_PER_MS;
    int i = 0;
    for (; i < 8; i++) {
        CHECK(add(&f, i, (i % 2) != 0 ? 10000 : -10000, delay -= NT_NS_PER_MS, &o));
    }
    uint64_t spikes = f.spikes;
    /* One sample 5 ms off: a spike, dropped and counted. */
    CHECK(!add(&f, i++, 5 * NT_NS_PER_MS, delay -= NT_NS_PER_MS, &o));
    CHECK_INT(f.spikes, spikes + 1);
    /* Back to normal: used. */
    CHECK(add(&f, i++, 10000, delay -= NT_NS_PER_MS, &o));
    CHECK_INT(o.offset_ns, 10000);
    /* The spike leaves the window (8 samples) before the next test. */
    for (int k = 0; k < 8; k++, i++) {
        CHECK(add(&f, i, (i % 2) != 0 ? 10000 : -10000, delay -= NT_NS_PER_MS, &o));
    }
    /* A real step of 5 ms: the first is dropped, the second followed. */
    CHECK(!add(&f, i++, 5 * NT_NS_PER_MS, delay -= NT_NS_PER_MS, &o));
    CHECK(add(&f, i++, 5 * NT_NS_PER_MS + 1000, delay -= NT_NS_PER_MS, &o));
    CHECK_INT(o.offset_ns, 5 * NT_NS_PER_MS + 1000);
    CHECK_INT(f.spikes, spikes + 2);
}

int main(void)
{
    test_min_delay();
    test_dispersion_and_jitter();
    test_popcorn();
    return check_result();
}
