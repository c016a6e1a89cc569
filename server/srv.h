/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * srv: the sans-IO core of the NTP server (RFC 5905). Request bytes and the receive timestamp
 * in, reply bytes or "drop" out; no sockets, no clock reads. The UDP shell (udp.c) does the I/O,
 * the access checks (acl.c, clientlog.c) and writes the transmit timestamp last.
 *
 * The server's view of the reference is the refclock layer's published state (refstate.h):
 * each worker reads it lock-free with rst_read() and hands it to srv_handle().
 */
#ifndef GN_SRV_H
#define GN_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "refclock/refstate.h"

/* Why a request was dropped (counted per reason in serverstats). */
enum srv_drop {
    SRV_DROP_NONE = 0,
    SRV_DROP_SHORT,      /* shorter than 48 bytes, or a truncated extension field / MAC */
    SRV_DROP_VERSION,    /* version 0 or > 4 */
    SRV_DROP_MODE,       /* modes 0, 2, 4, 5, 6, 7 */
    SRV_DROP_KOD,        /* a kiss-o'-death packet from the client */
    SRV_DROP_AUTH,       /* a MAC we cannot verify and cannot NAK */
    SRV_DROP__COUNT
};
const char *srv_drop_name(enum srv_drop why);

#define SRV_PKT_LEN 48

/*
 * Build the reply to one request into out (cap >= SRV_PKT_LEN). rx_ns is the request's receive
 * time on the served clock. Returns the reply length (never more than len), with the transmit
 * timestamp left for srv_set_tx(); or 0 to drop, with *why set.
 */
size_t srv_handle(const struct rst_state *st, const uint8_t *req, size_t len, int64_t rx_ns,
                  uint8_t *out, size_t cap, enum srv_drop *why);

/* Write the transmit timestamp into a reply built by srv_handle/srv_kod_rate: read the clock
 * as late as possible and call this last. */
void srv_set_tx(uint8_t *reply, int64_t tx_ns);

/* Build a RATE kiss-o'-death reply to req (RFC 5905 section 7.4). Returns its length or 0. */
size_t srv_kod_rate(const uint8_t *req, size_t len, uint8_t *out, size_t cap);

/* Server counters, per worker, summed for serverstats. */
struct srv_counters {
    uint64_t received;
    uint64_t answered;
    uint64_t denied;       /* by allow/deny */
    uint64_t ratelimited;  /* dropped by ratelimit */
    uint64_t kod_sent;
    uint64_t send_errors;
    uint64_t batch_fallbacks; /* recvmmsg/sendmmsg refused: served one packet per call */
    uint64_t dropped[SRV_DROP__COUNT];
};

#endif
