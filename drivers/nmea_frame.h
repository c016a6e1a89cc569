/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_frame: the byte framer of NMEA 0183 (pure, no I/O). Bytes go in, in any chunking;
 * complete candidate sentences come out, checksum verified, each with the receive time of the
 * chunk that held its first byte. It survives garbage, NULs, binary bursts (UBX), doubled '$',
 * glued and truncated sentences and over-long lines without losing the next good sentence,
 * and it says why it rejected each sentence-like line (checksum, format, length).
 *
 * Which byte the timestamp refers to: the '$' (or '!') that starts the sentence. A receiver
 * starts its burst a fixed time after the second it describes and each further byte adds 10
 * bits of serial time (about 1 ms per byte at 9600 baud, 80 ms for a whole RMC at 9600), so
 * the start of the first sentence of a fix cycle is the byte closest to the second. User space
 * cannot see when a byte arrived, only when read() returned it: rx_ns is the time the caller
 * took right after the read() that delivered the '$'. The UART FIFO threshold, the USB
 * adapter's latency timer and the event loop add a delay on top; the configured `offset`
 * absorbs its mean (docs/receivers.md).
 */
#ifndef GN_NMEA_FRAME_H
#define GN_NMEA_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Longest accepted sentence, from '$' through the checksum, without CR LF. NMEA 0183 says 82
 * characters including '$' and CR LF, but real receivers exceed it: RTK GGA with
 * high-precision fields reaches 91 (Trimble), and proprietary sentences are longer still
 * ($PGLOR 132 on Quectel LC79D, $PMTKCHN 203 on MTK-3301). A healthy receiver must never show
 * length errors, so the limit is generous; it exists so that a lost line end in binary noise
 * costs a bounded buffer and is reported.
 */
#define NMEA_FRAME_MAX 256

enum nmea_frame_status {
    NMEA_FRAME_OK = 0,
    NMEA_FRAME_CHECKSUM, /* "*hh" missing, malformed, or not matching */
    NMEA_FRAME_FORMAT,   /* cut short: a control or non-ASCII byte, a new '$', or end of input
                            before the line was complete */
    NMEA_FRAME_LENGTH,   /* longer than NMEA_FRAME_MAX */
};

struct nmea_frame {
    enum nmea_frame_status status;
    char start;          /* '$' or '!' (AIS encapsulation) */
    /* The body: after the start character, before "*hh" (for NMEA_FRAME_OK; for a rejected
     * sentence, whatever had arrived). NUL-terminated; valid until the next call. */
    const char *text;
    size_t len;
    int64_t rx_ns;       /* receive time of the chunk that held the start character */
};

struct nmea_framer {
    int state;
    char start;
    int64_t start_rx_ns;
    size_t len;
    char buf[NMEA_FRAME_MAX + 1];
    char out[NMEA_FRAME_MAX + 1]; /* the last completed frame's text */
};

void nmea_frame_init(struct nmea_framer *fr);

/*
 * Consume bytes from *data (*n of them, received at rx_ns) until a sentence completes: then
 * fill *out, advance *data and *n past the bytes used, and return true. Return false once
 * all input is consumed (a partial sentence stays buffered for the next chunk). Call in a
 * loop until it returns false. Only sentence-like candidates are reported when rejected (a
 * start character followed by an uppercase letter and at least one more character); a stray
 * '$' in binary noise is dropped silently.
 */
bool nmea_frame_next(struct nmea_framer *fr, const uint8_t **data, size_t *n, int64_t rx_ns,
                     struct nmea_frame *out);

/* End of input (end of a file): complete a buffered sentence as if it had been cut short.
 * Returns true and fills *out if that gives a frame to report. */
bool nmea_frame_flush(struct nmea_framer *fr, struct nmea_frame *out);

/* "ok", "checksum", "format", "length". */
const char *nmea_frame_status_name(enum nmea_frame_status s);

#endif
