/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ev: one poll() loop with fd callbacks and a fixed timer array on the monotonic clock.
 * Fixed-size tables: the daemon has a handful of fds (sockets, a serial port or two, gpsd, the
 * control socket) and timers, so linear scans cost less than any heap would.
 */
#include "common/ev.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>

#include "common/clk.h"
#include "common/ntime.h"

struct fd_slot {
    ev_fd_fn fn;
    void *arg;
};

struct timer_slot {
    int id;             /* 0: free */
    int64_t due_ns;     /* monotonic */
    ev_timer_fn fn;
    void *arg;
};

static struct clk *ev_clock;
static struct pollfd pfds[EV_MAX_FDS];
static struct fd_slot fds[EV_MAX_FDS];
static int n_fds;
static struct timer_slot timers[EV_MAX_TIMERS];
static int next_timer_id;
/* Set from signal handlers too. */
static volatile sig_atomic_t stop_requested;

void ev_init(struct clk *clk)
{
    ev_clock = clk;
    n_fds = 0;
    next_timer_id = 0;
    stop_requested = false;
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        timers[i].id = 0;
    }
}

static int find_fd(int fd)
{
    for (int i = 0; i < n_fds; i++) {
        if (pfds[i].fd == fd) {
            return i;
        }
    }
    return -1;
}

int ev_add_fd(int fd, short events, ev_fd_fn fn, void *arg)
{
    int i = find_fd(fd);
    if (i < 0) {
        if (n_fds == EV_MAX_FDS) {
            return -ENOSPC;
        }
        i = n_fds++;
    }
    pfds[i] = (struct pollfd){.fd = fd, .events = events};
    fds[i] = (struct fd_slot){.fn = fn, .arg = arg};
    return 0;
}

int ev_del_fd(int fd)
{
    int i = find_fd(fd);
    if (i < 0) {
        return -ENOENT;
    }
    /* Mark instead of compacting, so a dispatch loop in progress keeps its indices; the slot
     * is reclaimed at the start of the next ev_run_once. */
    pfds[i].fd = -1;
    fds[i].fn = NULL;
    return 0;
}

static void compact_fds(void)
{
    int j = 0;
    for (int i = 0; i < n_fds; i++) {
        if (pfds[i].fd >= 0) {
            pfds[j] = pfds[i];
            fds[j] = fds[i];
            j++;
        }
    }
    n_fds = j;
}

int ev_add_timer(int64_t delay_ns, ev_timer_fn fn, void *arg)
{
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        if (timers[i].id == 0) {
            /* Ids only grow (wrapping past INT_MAX back to 1) so a stale id rarely matches. */
            next_timer_id = next_timer_id == 0x7fffffff ? 1 : next_timer_id + 1;
            timers[i] = (struct timer_slot){
                .id = next_timer_id,
                .due_ns = clk_now_mono(ev_clock) + (delay_ns > 0 ? delay_ns : 0),
                .fn = fn,
                .arg = arg,
            };
            return next_timer_id;
        }
    }
    return -ENOSPC;
}

void ev_cancel_timer(int id)
{
    if (id <= 0) {
        return;
    }
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        if (timers[i].id == id) {
            timers[i].id = 0;
            return;
        }
    }
}

static int64_t next_due(void)
{
    int64_t due = INT64_MAX;
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        if (timers[i].id != 0 && timers[i].due_ns < due) {
            due = timers[i].due_ns;
        }
    }
    return due;
}

static void run_due_timers(void)
{
    int64_t now = clk_now_mono(ev_clock);
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        if (timers[i].id != 0 && timers[i].due_ns <= now) {
            struct timer_slot t = timers[i];
            timers[i].id = 0; /* free first: the callback may re-arm itself */
            t.fn(t.arg);
        }
    }
}

int ev_run_once(int64_t max_wait_ns)
{
    compact_fds();
    int64_t wait_ns = max_wait_ns < 0 ? 0 : max_wait_ns;
    int64_t due = next_due();
    if (due != INT64_MAX) {
        int64_t until = due - clk_now_mono(ev_clock);
        if (until < wait_ns) {
            wait_ns = until < 0 ? 0 : until;
        }
    }
    /* Round up so a timer is never woken a fraction of a millisecond early and spun on. */
    int timeout_ms = (int)((wait_ns + NT_NS_PER_MS - 1) / NT_NS_PER_MS);
    int n = poll(pfds, (nfds_t)n_fds, timeout_ms);
    if (n < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    int count = n_fds;
    for (int i = 0; i < count && n > 0; i++) {
        short rev = pfds[i].revents;
        if (rev != 0 && pfds[i].fd >= 0 && fds[i].fn != NULL) {
            n--;
            fds[i].fn(pfds[i].fd, rev, fds[i].arg);
        }
    }
    run_due_timers();
    return 0;
}

int ev_run(void)
{
    while (!stop_requested) {
        int rc = ev_run_once(NT_NS_PER_S);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

void ev_stop(void)
{
    stop_requested = true;
}

bool ev_stopped(void)
{
    return stop_requested;
}
