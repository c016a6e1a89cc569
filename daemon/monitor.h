/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * monitor: watches the reference-clock layer for the operator. After each tick of the
 * discipline (an rc_observer, so no timer of its own and nothing changes in the loop's
 * timing) it takes a snapshot, lets the event detector (evdetect.h) find the events, records
 * them in the history (events.h), logs each as one line with its tag, and hands them to the
 * `eventcommand` runner (evcmd.h) when one is configured; and it writes the statistics logs
 * (statlog.h) that `logdir` and `log` ask for.
 *
 * Log line of an event (syslog or the log file; priority by severity: crit, warning, info):
 *   event REF_LOST severity=critical source=pps0: pps0 lost (no pulses): no usable ...
 * (source=- for the server's own events).
 */
#ifndef GN_MONITOR_H
#define GN_MONITOR_H

#include "daemon/events.h"

struct cfg;
struct clk;

/* Start watching (after rc_init, and after the privilege drop: the statistics logs are created
 * as the user that will reopen them on SIGHUP). 0 or -errno (logged). */
int mon_start(const struct cfg *cfg, struct clk *clk);
/* SIGHUP: reopen the statistics logs. */
void mon_reopen(void);
void mon_stop(void);

/* The event history, for the control channel and the HTTP side (/api/events): read it with
 * events_copy() from the event loop's thread. Never NULL. */
const struct events *mon_events(void);

#endif
