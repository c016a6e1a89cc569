/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_frame: a three-state scanner, in the spirit of gpsd's packet.c but for NMEA alone.
 * Outside a sentence everything but '$' and '!' is noise (binary, NULs, blank lines, '#'
 * comments). Inside, printable ASCII accumulates until CR or LF. A new start character, a
 * control or non-ASCII byte, or the end of input cuts the sentence short; if it already ends
 * in "*hh" it is judged on its checksum (glued sentences), otherwise it is a format error.
 * So a damaged sentence costs only itself, and the byte that cut it short may start the next.
 */
#include "drivers/nmea_frame.h"

#include <string.h>

enum { OUTSIDE = 0, INSIDE, SKIPPING };

void nmea_frame_init(struct nmea_framer *fr)
{
    memset(fr, 0, sizeof(*fr));
}

const char *nmea_frame_status_name(enum nmea_frame_status s)
{
    switch (s) {
    case NMEA_FRAME_OK: return "ok";
    case NMEA_FRAME_CHECKSUM: return "checksum";
    case NMEA_FRAME_FORMAT: return "format";
    case NMEA_FRAME_LENGTH: return "length";
    }
    return "?";
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10; /* Magellan EC-10X sends lowercase hex */
    }
    return -1;
}

/* Worth reporting when rejected: an uppercase letter (talker or 'P') and something more.
 * A '$' byte inside a binary burst is followed by anything at all; that is noise. */
static bool sentence_like(const struct nmea_framer *fr)
{
    return fr->len >= 2 && fr->buf[0] >= 'A' && fr->buf[0] <= 'Z';
}

static bool ends_in_checksum(const struct nmea_framer *fr)
{
    return fr->len >= 3 && fr->buf[fr->len - 3] == '*' && hexval(fr->buf[fr->len - 2]) >= 0 &&
           hexval(fr->buf[fr->len - 1]) >= 0;
}

/* Copy the buffered sentence out with its verdict. */
static void emit(struct nmea_framer *fr, enum nmea_frame_status st, size_t len,
                 struct nmea_frame *out)
{
    memcpy(fr->out, fr->buf, len);
    fr->out[len] = '\0';
    out->status = st;
    out->start = fr->start;
    out->text = fr->out;
    out->len = len;
    out->rx_ns = fr->start_rx_ns;
}

/* The checksum is the XOR of every byte between the start character and '*'. */
static enum nmea_frame_status verify(const struct nmea_framer *fr)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < fr->len - 3; i++) {
        sum ^= (uint8_t)fr->buf[i];
    }
    int want = hexval(fr->buf[fr->len - 2]) << 4 | hexval(fr->buf[fr->len - 1]);
    return sum == want ? NMEA_FRAME_OK : NMEA_FRAME_CHECKSUM;
}

/*
 * The sentence in buf has ended: properly (CR/LF) or cut short. Returns true with *out filled
 * when there is something to report. Trailing blanks are tolerated (a few receivers pad).
 */
static bool finish(struct nmea_framer *fr, bool terminated, struct nmea_frame *out)
{
    while (fr->len > 0 && fr->buf[fr->len - 1] == ' ') {
        fr->len--;
    }
    if (ends_in_checksum(fr)) {
        enum nmea_frame_status st = verify(fr);
        emit(fr, st, st == NMEA_FRAME_OK ? fr->len - 3 : fr->len, out);
        return true;
    }
    if (!sentence_like(fr)) {
        return false;
    }
    /* A proper line end without "*hh": the checksum is missing (hp58534a, venus634lp
     * banners). Cut short without one: a truncated sentence. */
    emit(fr, terminated ? NMEA_FRAME_CHECKSUM : NMEA_FRAME_FORMAT, fr->len, out);
    return true;
}

static void start(struct nmea_framer *fr, uint8_t c, int64_t rx_ns)
{
    fr->state = INSIDE;
    fr->start = (char)c;
    fr->start_rx_ns = rx_ns;
    fr->len = 0;
}

bool nmea_frame_next(struct nmea_framer *fr, const uint8_t **data, size_t *n, int64_t rx_ns,
                     struct nmea_frame *out)
{
    while (*n > 0) {
        uint8_t c = **data;
        (*data)++;
        (*n)--;
        bool got = false;
        if (c == '$' || c == '!') {
            /* "$$GPRMC" (ST Teseo-LIV4F) restarts harmlessly: the first '$' has no body. */
            if (fr->state == INSIDE) {
                got = finish(fr, false, out);
            }
            start(fr, c, rx_ns);
        } else if (c == '\r' || c == '\n') {
            if (fr->state == INSIDE) {
                got = finish(fr, true, out);
            }
            fr->state = OUTSIDE;
        } else if (fr->state != INSIDE) {
            continue; /* noise between sentences, or the tail of an over-long line */
        } else if (c < 0x20 || c > 0x7e) {
            got = finish(fr, false, out);
            fr->state = OUTSIDE;
        } else if (fr->len == NMEA_FRAME_MAX - 1) {
            /* One more byte would exceed the limit counting the start character. */
            got = sentence_like(fr);
            if (got) {
                emit(fr, NMEA_FRAME_LENGTH, fr->len, out);
            }
            fr->state = SKIPPING;
        } else {
            fr->buf[fr->len++] = (char)c;
        }
        if (got) {
            return true;
        }
    }
    return false;
}

bool nmea_frame_flush(struct nmea_framer *fr, struct nmea_frame *out)
{
    bool got = fr->state == INSIDE && finish(fr, false, out);
    fr->state = OUTSIDE;
    fr->len = 0;
    return got;
}
