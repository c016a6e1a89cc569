/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsdc: the gpsd client driver, config name "gpsd". It connects to a gpsd with libgps, asks
 * for JSON with PPS and timing reports (?WATCH {"json":true,"pps":true}), puts the socket in
 * the event loop (no thread) and turns gpsd's reports into refclock samples:
 *   TOFF  "the serial time of this second arrived at local time clock": a coarse sample
 *         (reference real_sec/nsec, local clock_sec/nsec), de-duplicated;
 *   PPS   "the pulse was seen at local time clock": a pulse, on a source configured with
 *         the `pps` flag (its second is named by the source it is `lock`ed to, never by gpsd);
 *   TPV   tracks the receiver's fix: mode 1 (no fix) marks the source "no fix";
 *   DEVICE/DEVICES  shown in the log (gpsd found, lost or changed the receiver).
 * gpsd stamps both TOFF and PPS with its host's CLOCK_REALTIME, so gpsd must run on the same
 * machine as gpsntpd.
 *
 * A gpsd source carries either samples or pulses, never both, so the PPS of a receiver gpsd
 * owns is a second `refclock` line on the same gpsd:
 *   refclock gpsd localhost:2947 device /dev/ttyUSB0 refid GPS
 *   refclock gpsd localhost:2947 device /dev/ttyUSB0 pps lock GPS refid PPS
 * (or, better when the kernel PPS device is readable, `refclock pps /dev/pps0 lock GPS`).
 *
 * Config:  refclock gpsd HOST[:PORT] [device PATH] [pps] [offset S] [refid ID] [lock ID]
 *   HOST[:PORT]  default port 2947; an IPv6 literal in brackets: [::1]:2947
 *   device       only this receiver's reports (gpsd's WATCH "device"), else gpsd's first
 *   pps          this source reports gpsd's PPS pulses instead of TOFF samples
 *
 * This header exposes the pure part: the guarded unpacking of one line of gpsd JSON through
 * libgps's own parser, and the mapping from the unpacked report (struct gps_data_t as libgps
 * fills it) to what the driver reports, so that tests and the fuzz target drive exactly what
 * the driver runs.
 */
#ifndef GN_GPSDC_H
#define GN_GPSDC_H

#include <gps.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/drv.h"

#define GPSDC_DEFAULT_PORT "2947"
#define GPSDC_PATH_MAX 128
/* gpsd's longest line (libgps's GPS_JSON_RESPONSE_MAX); a longer one is dropped and counted. */
#define GPSDC_LINE_MAX 4096

/* Per-source state of the mapping: de-duplication and the receiver's fix. Zero it, then
 * gpsdc_init. */
struct gpsdc_state {
    bool pps;                      /* this source reports pulses, not TOFF samples */
    char filter[GPSDC_PATH_MAX];   /* only reports from this device ("" = any) */
    char device[GPSDC_PATH_MAX];   /* the device the last time report came from */
    int fix_mode;                  /* the last TPV mode: 0 unknown, 1 no fix, 2/3 fix */
    int64_t last_real_ns;          /* the last report taken (duplicates are dropped) */
    int64_t last_clock_ns;
};

enum gpsdc_kind {
    GPSDC_NONE = 0,     /* nothing for this source (other classes, other device, TOFF on a
                           pulse source, PPS on a sample source) */
    GPSDC_SAMPLE,       /* a TOFF: local_sys_ns, ref_ns */
    GPSDC_PULSE,        /* a PPS: local_sys_ns (ref_ns: gpsd's second, informative only) */
    GPSDC_NO_FIX,       /* the receiver has no fix (TPV mode 1, or TOFF while it has none) */
    GPSDC_REPEAT,       /* the same report again */
    GPSDC_BAD,          /* times out of range (negative, nsec >= 1e9, beyond 2262) */
    GPSDC_DEVICE,       /* a device was activated (active) or deactivated (!active) */
    GPSDC_MISSING,      /* a DEVICES list without the filtered device */
    GPSDC_ERROR,        /* gpsd reported an error (message in text) */
};

struct gpsdc_event {
    enum gpsdc_kind kind;
    int64_t local_sys_ns;       /* gpsd host's CLOCK_REALTIME at the event */
    int64_t ref_ns;             /* the reference's time (TOFF real) */
    bool device_changed;        /* a time report came from another device than the last */
    bool active;                /* GPSDC_DEVICE */
    char text[GPSDC_PATH_MAX];  /* the device path, or gpsd's error message */
};

/* Before each line: clear what libgps accumulates across messages (the set mask, the
 * TOFF/PPS times, the device's activation), so that gpsdc_map sees one message only. */
void gpsdc_prepare(struct gps_data_t *d);

/*
 * Unpack one line from gpsd (without its newline) into d, as libgps's gps_unpack() does, but
 * giving up where gps_unpack() would never return: libgps 3.22 parses one object after another
 * from where the last stopped, and when a parse stops short of an object start (the ',' in
 * `{"class":"TOFF",...},{"class":"PPS"}`, the '[' of an unknown array attribute) it repeats the
 * same step forever. Such a line from a newer or broken gpsd would stop gpsntpd's event loop,
 * so the driver reads gpsd's lines itself and unpacks them here. A line that is not a JSON
 * object leaves d as it was (true). false: a line libgps cannot get through; ignore d then.
 */
bool gpsdc_unpack(const char *line, struct gps_data_t *d);

/* pps: the source reports pulses; device: filter path or NULL/"" for any. */
void gpsdc_init(struct gpsdc_state *st, bool pps, const char *device);

/*
 * Map one report. d is the struct libgps filled for exactly one message (gpsdc_prepare, then
 * gpsdc_unpack). libgps 3.22 stores a TOFF's times in d->pps rather than d->toff; both are
 * understood. Pure.
 */
enum gpsdc_kind gpsdc_map(struct gpsdc_state *st, const struct gps_data_t *d,
                          struct gpsdc_event *ev);

/*
 * Split "host[:port]" / "[v6]:port" / "[v6]" into host and port (default 2947). false when
 * malformed (empty host, bad port, unbalanced brackets, too long).
 */
bool gpsdc_parse_addr(const char *param, char *host, size_t host_len, char *port,
                      size_t port_len);

/* The driver, for the daemon's table. */
extern const struct drv_driver drv_gpsd;

#endif
