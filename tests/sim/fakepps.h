/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fakepps: a test double of the kernel's PPS device. The simulator publishes its pulses in a
 * small shared file (this page); the LD_PRELOAD library libgpsntp-fakepps.so answers the PPS
 * ioctls that pps-tools' timepps.h issues on a file descriptor of such a file, as the kernel
 * would on /dev/ppsN. So the daemon's real RFC 2783 driver runs in tests, unchanged, on a path
 * such as /tmp/test/pps0. Nothing here is linked into the daemon.
 *
 * The writer (gpssim) is the only one to touch the edges; the reader (the preload) takes a
 * consistent copy with the generation counter: odd while an edge is being written.
 */
#ifndef GN_FAKEPPS_H
#define GN_FAKEPPS_H

#include <stdint.h>

#define FAKEPPS_MAGIC "gpsntp-fakepps1"

struct fakepps_page {
    char magic[16];          /* FAKEPPS_MAGIC, NUL-terminated */
    uint32_t caps;           /* PPS_CAPTURE* | PPS_TSFMT_TSPEC | PPS_CANWAIT */
    uint32_t mode;           /* the mode last set with PPS_SETPARAMS (written by the reader) */
    uint32_t gen;            /* generation: odd while the writer updates the edges */
    uint32_t assert_seq;     /* the kernel's counters: 0 and a zero time until the first edge */
    uint32_t clear_seq;
    uint32_t pad;
    int64_t assert_ns;       /* CLOCK_REALTIME of the edge, as the interrupt handler stamps it */
    int64_t clear_ns;
};

#endif
