/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * service: what the daemon tells its service manager (systemd's sd_notify protocol, through
 * libsystemd): READY=1 once the sockets and devices are open and privileges dropped; STATUS=
 * with the sync state, every few seconds; WATCHDOG=1 from the event loop, so that a hung loop
 * gets the daemon restarted. Without a service manager (NOTIFY_SOCKET unset: a terminal, the
 * tests, a simulator) every call is a no-op.
 */
#ifndef GN_SERVICE_H
#define GN_SERVICE_H

/* Say ready and start the status and watchdog timers in the event loop. */
void svc_ready(void);
/* Say stopping (before the shutdown's slow parts). */
void svc_stopping(void);

#endif
