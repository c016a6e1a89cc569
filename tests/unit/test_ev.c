/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the event loop: timers in order on a fake monotonic clock, fd callbacks, removal
 * from inside a callback, cancellation and full tables. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "check.h"
#include "common/clk.h"
#include "common/ev.h"
#include "common/ntime.h"

static int64_t fake_mono_ns;
static int64_t fake_now(struct clk *c) { (void)c; return fake_mono_ns; }
static const struct clk_ops fake_ops = {.name = "fake", .now = fake_now, .now_mono = fake_now};
static struct clk fake_clk = {.ops = &fake_ops};

static int fired[8];
static int order[8];
static int n_order;

static void on_timer(void *arg)
{
    int i = (int)(intptr_t)arg;
    fired[i]++;
    order[n_order++] = i;
}

static int reads;
static void on_readable(int fd, short rev, void *arg)
{
    (void)arg;
    char b[16];
    CHECK(rev & POLLIN);
    if (read(fd, b, sizeof(b)) > 0) {
        reads++;
    }
    ev_del_fd(fd); /* removal from inside the callback must be safe */
}

int main(void)
{
    ev_init(&fake_clk);
    CHECK(ev_add_timer(3 * NT_NS_PER_MS, on_timer, (void *)2) > 0);
    CHECK(ev_add_timer(1 * NT_NS_PER_MS, on_timer, (void *)1) > 0);
    int id = ev_add_timer(2 * NT_NS_PER_MS, on_timer, (void *)3);
    ev_cancel_timer(id);
    ev_cancel_timer(id); /* twice is harmless */

    CHECK(ev_run_once(0) == 0);
    CHECK(fired[1] == 0 && fired[2] == 0); /* not due yet */
    fake_mono_ns = 1 * NT_NS_PER_MS;
    CHECK(ev_run_once(0) == 0);
    CHECK(fired[1] == 1 && fired[2] == 0);
    fake_mono_ns = 10 * NT_NS_PER_MS;
    CHECK(ev_run_once(0) == 0);
    CHECK(fired[2] == 1 && fired[3] == 0);
    CHECK(n_order == 2 && order[0] == 1 && order[1] == 2);

    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(ev_add_fd(p[0], POLLIN, on_readable, NULL) == 0);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK(ev_run_once(100 * NT_NS_PER_MS) == 0);
    CHECK(reads == 1);
    CHECK(write(p[1], "y", 1) == 1);
    CHECK(ev_run_once(0) == 0);
    CHECK(reads == 1); /* removed: not called again */
    CHECK(ev_del_fd(p[0]) == -ENOENT);

    int added = 0;
    while (ev_add_timer(NT_NS_PER_S, on_timer, (void *)4) > 0) {
        added++;
    }
    CHECK(added == EV_MAX_TIMERS);
    CHECK(ev_add_timer(0, on_timer, (void *)4) == -ENOSPC);

    ev_stop();
    CHECK(ev_stopped());
    close(p[0]);
    close(p[1]);
    return check_result();
}
