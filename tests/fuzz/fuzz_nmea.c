/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the NMEA path: framer, sentence parser and cycle assembler on
 * arbitrary bytes, as the serial driver runs them. The first two bytes choose the pivot and
 * the chunk size. Each line is also handed to the parser as a framed body directly, so the
 * fuzzer reaches the field parsing without having to find checksums. Aborts when a frame
 * breaks its contract (too long, not NUL-terminated, stamped later than its chunk, accepted
 * with a non-printable byte), when feeding byte by byte gives other frames than feeding in
 * chunks, when a parsed time is out of range, or when a fix is a sample
 * without a time or a valid fix.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"
#include "drivers/nmea_frame.h"
#include "drivers/nmea_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of the frames seen, to compare two feeding patterns. */
struct digest {
    uint64_t hash;
    size_t n;
};

static void mix(struct digest *d, const struct nmea_frame *f)
{
    uint64_t h = d->hash ^ (uint64_t)f->status * 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < f->len; i++) {
        h = (h ^ (uint8_t)f->text[i]) * 0x100000001b3ULL;
    }
    d->hash = h;
    d->n++;
}

static void check_frame(const struct nmea_frame *f)
{
    if (f->len > NMEA_FRAME_MAX || f->text[f->len] != '\0' || strlen(f->text) != f->len ||
        (f->start != '$' && f->start != '!')) {
        abort();
    }
    if (f->status != NMEA_FRAME_OK) {
        return;
    }
    for (size_t i = 0; i < f->len; i++) {
        if (f->text[i] < 0x20 || f->text[i] > 0x7e) {
            abort();
        }
    }
}

static void check_fix(const struct nmea_fix *x)
{
    if (nmea_fix_is_sample(x) && (!x->has_utc || x->valid != NMEA_VALID_YES || x->leap_second)) {
        abort();
    }
    if (x->n_sentences < 0 || x->n_sentences > NMEA_CYCLE_MAX_SENTENCES) {
        abort();
    }
    char buf[40];
    if (x->has_utc && nt_format_iso_ms(x->utc_ns, buf, sizeof(buf)) < 0) {
        abort();
    }
}

static void on_frame_parse(const struct nmea_frame *f, struct nmea_cycle *c)
{
    struct nmea_sentence s;
    if (nmea_parse_sentence(f->text, f->len, &s) != NMEA_OK) {
        return;
    }
    if (s.has_time && (s.hour > 23 || s.min > 59 || s.sec > 60 || s.frac_ns < 0 ||
                       s.frac_ns >= NT_NS_PER_S)) {
        abort();
    }
    struct nmea_fix fx[NMEA_CYCLE_MAX_OUT];
    int n = nmea_cycle_feed(c, &s, f->rx_ns, fx);
    if (n < 0 || n > NMEA_CYCLE_MAX_OUT) {
        abort();
    }
    for (int i = 0; i < n; i++) {
        check_fix(&fx[i]);
    }
    int64_t t;
    if (nmea_cycle_sentence_utc(c, &s, &t) && !s.has_time) {
        abort();
    }
}

static void on_frame(const struct nmea_frame *f, struct nmea_cycle *c)
{
    check_frame(f);
    if (f->status == NMEA_FRAME_OK) {
        on_frame_parse(f, c);
    }
}

static void run(const uint8_t *data, size_t size, size_t chunk, int64_t pivot, struct digest *d)
{
    struct nmea_framer fr;
    struct nmea_cycle cy;
    nmea_frame_init(&fr);
    nmea_cycle_init(&cy, pivot);
    struct nmea_frame f;
    for (size_t off = 0; off < size; off += chunk) {
        const uint8_t *p = data + off;
        size_t left = size - off < chunk ? size - off : chunk;
        /* The receive time is the offset of the chunk: stamps must come from the chunk
         * holding the start character, never a later one. */
        while (nmea_frame_next(&fr, &p, &left, (int64_t)off, &f)) {
            if (f.rx_ns > (int64_t)off) {
                abort();
            }
            mix(d, &f);
            on_frame(&f, &cy);
        }
    }
    if (nmea_frame_flush(&fr, &f)) {
        mix(d, &f);
        on_frame(&f, &cy);
    }
    struct nmea_fix x;
    if (nmea_cycle_flush(&cy, &x)) {
        check_fix(&x);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    /* Pivot between 1980 and about 2150; chunks of 1 to 64 bytes. */
    int64_t pivot = nt_from_utc(1980 + data[0] * 170 / 255, 1, 1, 0, 0, 0, 0);
    size_t chunk = 1 + data[1] % 64;
    data += 2;
    size -= 2;
    /* The parser alone, one line as one body. */
    struct nmea_cycle cy;
    nmea_cycle_init(&cy, pivot);
    for (size_t off = 0; off < size;) {
        const uint8_t *lf = memchr(data + off, '\n', size - off);
        size_t len = lf != NULL ? (size_t)(lf - (data + off)) : size - off;
        if (len <= NMEA_FRAME_MAX) {
            char body[NMEA_FRAME_MAX + 1];
            memcpy(body, data + off, len);
            body[len] = '\0';
            struct nmea_frame f = {.status = NMEA_FRAME_OK, .start = '$', .text = body,
                                   .len = strlen(body), .rx_ns = (int64_t)off};
            on_frame_parse(&f, &cy);
        }
        off += len + 1;
    }
    struct digest a = {0}, b = {0};
    run(data, size, chunk, pivot, &a);
    run(data, size, 1, pivot, &b);
    /* Frames must not depend on the chunking (their stamps do, and are left out). */
    if (a.n != b.n || a.hash != b.hash) {
        abort();
    }
    return 0;
}
