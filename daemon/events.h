/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * events: what the appliance tells its operator (alarms and state changes), and the bounded
 * history of it. An event has a stable tag that a monitoring system matches on, a severity, the
 * reference clock it concerns and a message for people. The history is a fixed ring of
 * EVENTS_MAX events: the oldest go first and nothing is allocated per event. One thread (the
 * event loop) records and reads it.
 *
 * The tags are an interface (docs/monitoring.md lists them with their meaning): a tag is added,
 * never renamed or given another meaning.
 *
 * For the HTTP side (/api/events): read the daemon's history (mon_events(), daemon/monitor.h)
 * with events_copy() from the event loop's thread; every field of struct event maps to JSON
 * as is (seq and time_ns as integers, the severity and tag through their _name functions,
 * source, message and reference as strings); ctl_render_events() (daemon/ctl_render.h) writes
 * exactly the JSON `gpsntpctl -j events` shows.
 */
#ifndef GN_EVENTS_H
#define GN_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum event_severity { EVENT_INFO = 0, EVENT_WARNING, EVENT_CRITICAL };

enum event_tag {
    EVENT_START = 0,           /* the daemon started */
    EVENT_SYNC,                /* synchronized again (after start, or after being unsynchronized) */
    EVENT_UNSYNC,              /* unsynchronized: clients are told stratum 16, leap alarm */
    EVENT_HOLDOVER,            /* every reference lost: stratum 1 on the last frequency */
    EVENT_STRATUM,             /* the served stratum changed between synchronized values */
    EVENT_REF_SELECTED,        /* a reference leads where none did */
    EVENT_REF_CHANGED,         /* another reference leads */
    EVENT_REF_LOST,            /* the leading reference is gone and none took over */
    EVENT_LEAP,                /* a leap second announced, or the announcement over */
    EVENT_DEVICE_LOST,         /* a receiver's device is gone or cannot be opened */
    EVENT_RECONNECT,           /* ... and is open again */
    EVENT_NO_DATA,             /* a receiver sends nothing */
    EVENT_PPS_MISSING,         /* a pulse source's pulses stopped */
    EVENT_NO_FIX,              /* a receiver reports time without a valid fix */
    EVENT_SOURCE_OK,           /* ... valid samples again after NO_DATA, PPS_MISSING, NO_FIX */
    EVENT_JUMP_HELD,           /* a reference jumped against the clock: held off (spoofing?) */
    EVENT_JUMP_CLEARED,        /* ... no longer held off */
    EVENT_NMEA_ERRORS,         /* bad sentences (checksum, format, length) above a rate */
    EVENT_NMEA_ERRORS_CLEARED, /* ... back below it */
    EVENT_FLAPPING,            /* something changes too often: its events are held back */
    EVENT_FALSETICKER,         /* a source lies outside the majority's interval (spoofing?) */
    EVENT_TRUECHIMER,          /* ... agrees with the majority again */
    EVENT_NO_MAJORITY,         /* the voters disagree and none has a majority */
    EVENT_MAJORITY,            /* ... they agree again */
    EVENT_TAG__COUNT
};

/* "START", "REF_LOST", ...: the stable tag. */
const char *event_tag_name(enum event_tag t);
/* "info", "warning", "critical". */
const char *event_severity_name(enum event_severity s);

#define EVENT_MSG_MAX 192

struct event {
    uint64_t seq;                  /* 1, 2, ... in the order recorded (never reused) */
    int64_t time_ns;               /* the served clock's time, ns since the Unix epoch (UTC) */
    enum event_severity severity;
    enum event_tag tag;
    char source[16];               /* the reference clock it concerns ("pps0"); "" for the server */
    char message[EVENT_MSG_MAX];   /* one line for people */
    int stratum;                   /* the served stratum once it happened (16: unsynchronized) */
    char reference[16];            /* the reference the clock follows then (in holdover: the
                                      last one; "" when none) */
};

#define EVENTS_MAX 256

struct events {
    struct event ring[EVENTS_MAX];
    size_t head, n;                /* the oldest held, how many */
    uint64_t last_seq;             /* of the newest recorded, 0 before the first */
};

void events_init(struct events *h);
/* Record a copy of e, giving it the next sequence number (set in *e too, and returned). The
 * oldest event goes when the ring is full. */
uint64_t events_add(struct events *h, struct event *e);
/* Copy the events with seq > after_seq, oldest first, at most max of them (the oldest of
 * those: call again with the last seq copied to go on). Returns the number copied. Sequence
 * numbers have no gaps, so the last N are those after events_last_seq() - N. */
size_t events_copy(const struct events *h, uint64_t after_seq, struct event *out, size_t max);
/* The newest event's seq (0: none yet), the oldest still held (0: none): a reader that last
 * saw a seq below first - 1 has missed events that the ring no longer holds. */
uint64_t events_last_seq(const struct events *h);
uint64_t events_first_seq(const struct events *h);

#endif
