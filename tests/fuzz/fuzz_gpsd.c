/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for what gpsd sends the gpsd driver: the input is split into lines, each
 * unpacked by gpsdc_unpack() (libgps's parser, guarded against the lines on which libgps's
 * own gps_unpack() never returns: the fuzzer found those) and mapped by gpsdc_map(), through
 * two sources at once (a TOFF source without a device filter and a pulse source with one).
 * Aborts when a mapping breaks what the driver relies on: samples and pulses with times in
 * range and only on the right kind of source, a repeat never reported twice, strings always
 * terminated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"
#include "drivers/gpsdc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The driver drops a line that fills its buffer (counted as bad_length) unread. */
#define MAX_LINE GPSDC_LINE_MAX

static struct gps_data_t gd;

static void check_event(const struct gpsdc_state *st, enum gpsdc_kind k,
                        const struct gpsdc_event *ev)
{
    if (ev->kind != k || memchr(ev->text, '\0', sizeof(ev->text)) == NULL ||
        memchr(st->device, '\0', sizeof(st->device)) == NULL) {
        abort();
    }
    if (k == GPSDC_SAMPLE || k == GPSDC_PULSE) {
        if ((k == GPSDC_PULSE) != st->pps) {
            abort();
        }
        if (ev->local_sys_ns <= 0 || ev->ref_ns <= 0 || ev->local_sys_ns != st->last_clock_ns ||
            ev->ref_ns != st->last_real_ns) {
            abort();
        }
        if (st->filter[0] != '\0' && strcmp(ev->text, st->filter) != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gpsdc_state toff, pps;
    gpsdc_init(&toff, false, NULL);
    gpsdc_init(&pps, true, "/dev/ttyUSB0");
    char line[MAX_LINE + 1];
    /* Once per input, as the driver zeroes it once per connection: libgps keeps state in it
     * from one line to the next. */
    memset(&gd, 0, sizeof(gd));
    size_t start = 0;
    while (start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl != NULL ? (size_t)(nl - data) : size;
        size_t len = end - start;
        const uint8_t *from = data + start;
        start = end + 1;
        if (len >= MAX_LINE) {
            continue; /* the driver's buffer fills without a newline: dropped unread */
        }
        memcpy(line, from, len);
        line[len] = '\0';

        gpsdc_prepare(&gd);
        if (!gpsdc_unpack(line, &gd)) {
            continue;
        }
        struct gpsdc_event ev;
        int64_t prev_real = toff.last_real_ns, prev_clock = toff.last_clock_ns;
        enum gpsdc_kind k = gpsdc_map(&toff, &gd, &ev);
        check_event(&toff, k, &ev);
        if (k == GPSDC_SAMPLE && ev.ref_ns == prev_real && ev.local_sys_ns == prev_clock) {
            abort(); /* a repeat reported as new */
        }
        k = gpsdc_map(&pps, &gd, &ev);
        check_event(&pps, k, &ev);
    }
    return 0;
}
