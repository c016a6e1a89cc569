/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_frame: a three-state scanner. Outside a sentence everything but '$' and '!' is ignored
 * (binary, NULs, blank lines, comments); inside, printable bytes accumulate until CR or LF.
 * A '$' inside a sentence abandons it (a sentence cut short, or "$$" before every sentence as
 * some ST Teseo firmware sends) and starts the new one, so a glued sentence costs only itself.
 */
#include "drivers/nmea_frame.h"

#include <string.h>

enum { OUTSIDE = 0, INSIDE, SKIPPING };

void nmea_framer_init(struct nmea_framer *fr)
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

static void emit(struct nmea_framer *fr, enum nmea_frame_status st, nmea_frame_fn fn, void *arg)
{
    struct nmea_frame f = {.status = st, .text = fr->buf, .len = fr->len, .rx_ns = fr->start_ns};
    fr->buf[fr->len] = '\0';
    fn(&f, arg);
}

/* A complete line: strip trailing blanks, verify "*hh". */
static void finish(struct nmea_framer *fr, nmea_frame_fn fn, void *arg)
{
    while (fr->len > 0 && fr->buf[fr->len - 1] == ' ') {
        fr->len--;
    }
    if (fr->len == 0) {
        return;
    }
    if (fr->len < 3 || fr->buf[fr->len - 3] != '*') {
        emit(fr, NMEA_FRAME_CHECKSUM, fn, arg);
        return;
    }
    int hi = hexval(fr->buf[fr->len - 2]), lo = hexval(fr->buf[fr->len - 1]);
    uint8_t sum = 0;
    for (size_t i = 0; i < fr->len - 3; i++) {
        sum ^= (uint8_t)fr->buf[i];
    }
    fr->len -= 3;
    emit(fr, (hi < 0 || lo < 0 || sum != (hi << 4 | lo)) ? NMEA_FRAME_CHECKSUM : NMEA_FRAME_OK,
         fn, arg);
}

void nmea_framer_feed(struct nmea_framer *fr, const uint8_t *data, size_t n, int64_t rx_ns,
                      nmea_frame_fn fn, void *arg)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = data[i];
        if (c == '$' || c == '!') {
            if (fr->state == INSIDE && fr->len >= 5) {
                emit(fr, NMEA_FRAME_FORMAT, fn, arg); /* cut short by a new sentence */
            }
            fr->state = INSIDE;
            fr->len = 0;
            fr->start_ns = rx_ns;
            continue;
        }
        if (fr->state == OUTSIDE) {
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (fr->state == INSIDE) {
                finish(fr, fn, arg);
            }
            fr->state = OUTSIDE;
            fr->len = 0;
            continue;
        }
        if (fr->state == SKIPPING) {
            continue;
        }
        if (c < 0x20 || c > 0x7e) {
            /* Only something with an address is worth reporting; a stray '$' inside a binary
             * burst is just noise. */
            if (fr->len >= 5) {
                emit(fr, NMEA_FRAME_FORMAT, fn, arg);
            }
            fr->state = OUTSIDE;
            fr->len = 0;
            continue;
        }
        if (fr->len == NMEA_MAX_SENTENCE) {
            emit(fr, NMEA_FRAME_LENGTH, fn, arg);
            fr->state = SKIPPING;
            continue;
        }
        fr->buf[fr->len++] = (char)c;
    }
}
