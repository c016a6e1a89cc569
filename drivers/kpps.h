/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kpps: the kernel PPS driver (RFC 2783, Linux /dev/ppsN), config name "pps". The kernel
 * timestamps each edge of the pulse in its interrupt handler; the driver fetches the latest
 * edge with a zero timeout from a 200 ms poll timer (no thread, never blocking the loop),
 * de-duplicates it by the kernel's sequence number, counts missed pulses and hands the edge to
 * the refclock layer, which labels it with the second of the source it is locked to.
 *
 * This header exposes the pure part, the sequence bookkeeping, so that it can be tested
 * without a device: kpps_seq_update() decides whether a fetched edge is new and how many
 * pulses went missing since the last one.
 *
 * Config:  refclock pps /dev/pps0 lock GPS [clear] [width S] [offset S] [refid PPS]
 *   clear      capture the clear (falling) edge instead of assert; read by the driver as
 *              drv_option(src, "clear") (the config module parses the common `clear` option)
 *   kernelpps  flag accepted by the parser but refused by the check: binding the kernel's
 *              hardpps discipline (time_pps_kcbind) is not implemented, see
 *              docs/receivers.md for when it would help.
 */
#ifndef GN_KPPS_H
#define GN_KPPS_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/drv.h"

/* How far apart two pulses may be and still count the pulses between them as missed. A longer
 * silence is an outage (the source shows "no data"), not a run of missed pulses. */
#define KPPS_MISSED_SPAN_NS (60LL * 1000000000LL)

/* The last edge reported, per source; zero-initialised means "none yet". */
struct kpps_seq {
    bool have;
    uint32_t seq;   /* the kernel's counter is 32 bits (struct pps_kinfo) */
    int64_t ts_ns;  /* kernel timestamp of that edge (CLOCK_REALTIME ns) */
};

enum kpps_verdict {
    KPPS_NONE = 0,  /* the device has not captured an edge yet (sequence 0, time 0) */
    KPPS_SAME,      /* the edge already seen: nothing new since the last fetch */
    KPPS_BASELINE,  /* the first edge after open, or the sequence went backwards (device
                       re-created): remembered, not reported, because it may be minutes old */
    KPPS_NEW,       /* a new edge: report it */
};

/*
 * Judge the edge the kernel returned (sequence number and its CLOCK_REALTIME timestamp in ns)
 * against the last one seen, and remember it unless it is KPPS_NONE or KPPS_SAME.
 * *missed receives the number of pulses lost since the previous edge (0 unless KPPS_NEW):
 * the larger of the sequence gap (edges the kernel saw but we never fetched) and the time gap
 * in whole seconds (pulses the receiver never sent), the latter only for gaps up to
 * KPPS_MISSED_SPAN_NS. Assumes one pulse per second, as every GNSS receiver sends. Pure.
 */
enum kpps_verdict kpps_seq_update(struct kpps_seq *st, uint32_t seq, int64_t ts_ns,
                                  uint64_t *missed);

/* The driver, for the daemon's table. */
extern const struct drv_driver drv_pps;

#endif
