/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpc: the NTP source drivers, `server ADDRESS [options]` (drv_ntp_server, client mode) and
 * `peer ADDRESS [options]` (drv_ntp_peer, symmetric active). The I/O around the sans-IO core:
 * a connected UDP socket per source with kernel receive and transmit timestamps (sockts.h),
 * the request timer (ntpc_poll.h), the reply checks (ntpc_proto.h), the clock filter
 * (ntpc_filter.h), an optional MAC (`key N`, keys.h), name resolution that never blocks the
 * loop, and the loop check. Each filtered sample goes to the refclock layer with its error
 * bound (drv_add_ntp_sample), where NTP sources and reference clocks meet in one selection.
 *
 * Loop check: a source whose reference ID is one of this host's IPv4 addresses takes its time
 * from us (RFC 5905 section 7.3: a stratum >= 2 server's refid is its upstream's address). Its
 * samples are marked `loop` and never selected, so two appliances that peer can never follow
 * each other.
 */
#ifndef GN_NTPC_H
#define GN_NTPC_H

#include "drivers/drv.h"

extern const struct drv_driver drv_ntp_server;
extern const struct drv_driver drv_ntp_peer;

#endif
