/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the ntpd SHM sample validation: arbitrary bytes as the segment copy,
 * followed by the two count reads and a flag for "a last sample exists". Aborts when an
 * accepted sample breaks the invariants the driver relies on: times positive and within the
 * ns range, nanoseconds used only when they agree with the microseconds, a repeat of the last
 * sample never accepted, and the same input always giving the same answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"
#include "drivers/ntpshm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ntpshm_seg copy;
    memset(&copy, 0, sizeof(copy));
    memcpy(&copy, data, size < sizeof(copy) ? size : sizeof(copy));
    size_t off = sizeof(copy);
    int before = copy.count, after = copy.count;
    uint8_t flags = 0;
    if (size >= off + 2 * sizeof(int)) {
        memcpy(&before, data + off, sizeof(int));
        memcpy(&after, data + off + sizeof(int), sizeof(int));
        off += 2 * sizeof(int);
    }
    if (size > off) {
        flags = data[off];
    }

    struct ntpshm_sample s, again;
    enum ntpshm_result r = ntpshm_decode(&copy, before, after, NULL, &s);
    if (ntpshm_decode(&copy, before, after, NULL, &again) != r) {
        abort();
    }
    if (r != NTPSHM_OK) {
        if (copy.valid != 0 && copy.mode == 1 && before == after && copy.count == before &&
            r == NTPSHM_TORN) {
            abort(); /* torn without a moving count */
        }
        return 0;
    }
    if (copy.valid == 0 || (copy.mode != 0 && copy.mode != 1)) {
        abort();
    }
    if (copy.mode == 1 && (before != after || copy.count != before)) {
        abort();
    }
    if (s.clock_ns <= 0 || s.receive_ns <= 0 || copy.leap < 0 || copy.leap > 2) {
        abort();
    }
    int64_t cfrac = s.clock_ns % NT_NS_PER_S, rfrac = s.receive_ns % NT_NS_PER_S;
    if (cfrac / 1000 != copy.clock_usec || rfrac / 1000 != copy.receive_usec) {
        abort(); /* the fraction must always agree with the usec fields */
    }
    if (s.used_nsec != (cfrac == (int64_t)copy.clock_nsec && rfrac == (int64_t)copy.receive_nsec)) {
        abort();
    }
    if (ntpshm_decode(&copy, before, after, &s, &again) != NTPSHM_REPEAT) {
        abort();
    }
    if ((flags & 1) != 0) {
        /* Age of the sample against itself shifted by the input: any value is safe. */
        int64_t age = (int64_t)(flags >> 1) * NT_NS_PER_S / 16 - NT_NS_PER_S;
        enum ntpshm_result a = ntpshm_check_age(age);
        if (a != NTPSHM_OK && a != NTPSHM_STALE) {
            abort();
        }
    }
    return 0;
}
