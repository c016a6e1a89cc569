/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_frame: the byte framer of NMEA 0183 (pure, no I/O). Bytes in, in any chunking;
 * complete sentences out, checksum verified, with the receive time of the chunk that held
 * the sentence's first byte. Survives garbage, NULs, binary bursts (UBX), doubled '$', glued
 * and truncated sentences and over-long lines: the next good sentence is never lost.
 *
 * Which byte the timestamp refers to: the '$' that starts the sentence. A receiver starts its
 * burst a fixed time after the second; every later byte adds 10 bits of serial time (about
 * 1 ms each at 9600 baud), so the start is the byte closest to the second it describes. The
 * stamp is that of the read() that returned the '$', which is as early as user space sees it.
 */
#ifndef GN_NMEA_FRAME_H
#define GN_NMEA_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* NMEA says 82 characters including "$" and CR LF; real receivers (u-blox GSV/GNS with
 * NMEA 4.11 fields, Septentrio) exceed it, so we accept up to 120. */
#define NMEA_MAX_SENTENCE 120

enum nmea_frame_status {
    NMEA_FRAME_OK = 0,
    NMEA_FRAME_CHECKSUM, /* missing or wrong checksum */
    NMEA_FRAME_FORMAT,   /* non-printable byte, or a sentence cut short by another '$' */
    NMEA_FRAME_LENGTH,   /* longer than NMEA_MAX_SENTENCE */
};

struct nmea_frame {
    enum nmea_frame_status status;
    const char *text;    /* between '$' and '*' (checksum excluded), NUL-terminated */
    size_t len;
    int64_t rx_ns;       /* receive time of the '$' */
};

typedef void (*nmea_frame_fn)(const struct nmea_frame *f, void *arg);

struct nmea_framer {
    char buf[NMEA_MAX_SENTENCE + 8];
    size_t len;
    int state;           /* 0: between sentences, 1: in a sentence, 2: skipping an over-long one */
    int64_t start_ns;
};

void nmea_framer_init(struct nmea_framer *fr);
/* Feed bytes that arrived at rx_ns; fn is called for every complete or rejected sentence. */
void nmea_framer_feed(struct nmea_framer *fr, const uint8_t *data, size_t n, int64_t rx_ns,
                      nmea_frame_fn fn, void *arg);
const char *nmea_frame_status_name(enum nmea_frame_status s);

#endif
