/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ev: the daemon's one event loop: a poll() set of file descriptors plus a small timer list on
 * the monotonic clock (read through the clock interface, so a simulated clock drives it too).
 * Single-threaded by design; nothing here allocates after ev_init.
 */
#ifndef GN_EV_H
#define GN_EV_H

#include <stdbool.h>
#include <stdint.h>

struct clk;

#define EV_MAX_FDS 64
#define EV_MAX_TIMERS 128

typedef void (*ev_fd_fn)(int fd, short revents, void *arg);
typedef void (*ev_timer_fn)(void *arg);

/* Reset the loop and take monotonic time from clk. */
void ev_init(struct clk *clk);

/* Watch fd for events (POLLIN, POLLOUT). Re-adding an fd replaces its callback. 0 or -errno
 * (-ENOSPC when full). */
int ev_add_fd(int fd, short events, ev_fd_fn fn, void *arg);
/* Stop watching fd; safe from inside its own callback. 0 or -ENOENT. */
int ev_del_fd(int fd);

/* Call fn(arg) once, delay_ns from now (monotonic). Returns a timer id > 0, or -ENOSPC. */
int ev_add_timer(int64_t delay_ns, ev_timer_fn fn, void *arg);
/* Cancel a pending timer; ids of fired or unknown timers are ignored. */
void ev_cancel_timer(int id);

/* Wait at most max_wait_ns (or until the next timer) for events, then run the ready fd
 * callbacks and due timers. Returns 0, or -errno on a poll failure other than EINTR. */
int ev_run_once(int64_t max_wait_ns);
/* Run until ev_stop(). */
int ev_run(void);
void ev_stop(void);
bool ev_stopped(void);

#endif
