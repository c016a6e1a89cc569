/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockts: kernel packet timestamps on UDP sockets (SO_TIMESTAMPING, software stamps), for the
 * NTP server's receive times and the NTP client's receive and transmit times. The kernel's
 * stamp is taken when the packet passes the network stack, not when the process gets round to
 * reading it, so the time a busy event loop waits is not counted as network delay.
 * Timestamps are on the kernel's CLOCK_REALTIME: map them with clk_from_sys.
 */
#ifndef GN_SOCKTS_H
#define GN_SOCKTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Ask for receive stamps (and with tx, transmit stamps read back from the error queue with
 * their packet's counter: SOF_TIMESTAMPING_OPT_ID, OPT_TSONLY). Falls back to SO_TIMESTAMPNS
 * for receive stamps when SO_TIMESTAMPING is refused. False when neither is available (the
 * caller then reads the clock itself). */
bool sockts_enable(int fd, bool tx);

/* The kernel's receive timestamp of a message received with recvmsg, or -1 when none. */
int64_t sockts_rx(struct msghdr *mh);

/* Read one transmit timestamp from fd's error queue (non-blocking). Returns 1 with the stamp
 * and the packet's counter (0 for the first packet sent after sockts_enable, then 1, 2, ...),
 * 0 when the queue holds nothing more, -errno on error. */
int sockts_read_tx(int fd, int64_t *sys_ns, uint32_t *counter);

#endif
