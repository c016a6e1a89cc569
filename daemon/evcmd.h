/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * evcmd: runs `eventcommand PATH` for events, the way an appliance tells someone (a mail, a
 * line to a syslog collector) without anyone logging in. The command gets the event in its
 * environment (GPSNTPD_EVENT_TAG, _SEVERITY, _SOURCE, _MESSAGE, _TIME, _TIME_NS, _SEQ,
 * GPSNTPD_EVENTS_SUPPRESSED, GPSNTPD_STRATUM, GPSNTPD_REFERENCE, and a fixed PATH), stdin from
 * /dev/null, default signal dispositions, no descriptor of the daemon's, and a process group of
 * its own. It runs as the user the daemon runs as (after the privilege drop: `user`), without
 * capabilities.
 *
 * The event loop never waits for it: the child is started with posix_spawn and noticed when
 * it ends through a pidfd in the poll set (or at the next tick where pidfds are refused). One
 * runs at a time, at most EVC_MAX_RUNS per EVC_RATE_WINDOW_NS (a critical event is not held by
 * that: the detector's flap limit bounds those already); events that arrive meanwhile are
 * coalesced: the most severe waiting one (the newest among equals) runs next and is told
 * how many others got no run of their own (GPSNTPD_EVENTS_SUPPRESSED; `gpsntpctl events` has
 * them all). A command still running after the timeout is sent SIGTERM, and SIGKILL
 * EVC_KILL_GRACE_NS later, as a process group.
 */
#ifndef GN_EVCMD_H
#define GN_EVCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/events.h"

#define EVC_TIMEOUT_NS (30LL * 1000000000LL)
#define EVC_KILL_GRACE_NS (5LL * 1000000000LL)
#define EVC_MAX_RUNS 10
#define EVC_RATE_WINDOW_NS (60LL * 1000000000LL)

struct clk;

/* Whether path is fit to be run for a daemon running as uid/gid: absolute, a regular file,
 * executable by that user, owned by root or that user, and neither it nor its directory
 * writable by others (who could then run code as the daemon). NULL, or why not (in buf). */
const char *evc_check_path(const char *path, uid_t uid, gid_t gid, char *buf, size_t len);

/* Start the runner for path (already checked); timeout_ns 0: EVC_TIMEOUT_NS. clk gives the
 * monotonic time of the rate limit (the event loop's clock). */
void evc_init(const char *path, int64_t timeout_ns, struct clk *clk);
/* An event: run the command for it now, or coalesce it. */
void evc_offer(const struct event *e);
/* The server's state now, for GPSNTPD_STRATUM / GPSNTPD_REFERENCE of the next run. */
void evc_set_state(int stratum, const char *reference);
/* Reap a finished command if the pidfd could not say so (call once a second). */
void evc_poll(void);
/* Kill a running command (its group) and forget what waits. */
void evc_shutdown(void);

/* What the runner did, for tests and status. */
struct evc_stats {
    uint64_t runs, suppressed, failed, killed, spawn_errors;
    bool running;
    pid_t pid;
};
void evc_get_stats(struct evc_stats *out);

#endif
