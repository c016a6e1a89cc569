/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl: the daemon side of the control channel, a Unix stream socket (`controlsocket`, mode
 * 0660, owned by the daemon's user). A client sends one line, "COMMAND [ARG] [-j]\n"; the
 * daemon writes the whole answer and closes. Commands: tracking, sources, serverstats,
 * clients, events [N] (anyone may monitor), makestep (control). Served from the event loop without blocking it: bounded buffers and a deadline
 * per connection.
 */
#ifndef GN_CTL_H
#define GN_CTL_H

struct cfg;

/* Bind the socket (as root, before the privilege drop). 0, also when the socket cannot be
 * created or bound (logged: the daemon then runs without a control channel); -errno only for
 * a path that does not fit a socket address. */
int ctl_open(const struct cfg *cfg);
/* Register with the event loop. 0 or -errno. */
int ctl_start(void);
/* Close and unlink the socket. */
void ctl_close(void);

#endif
