/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clk: the one interface through which gpsntpd reads and steers a clock. Nothing else calls
 * clock_gettime or clock_adjtime.
 *
 * Implementations:
 *   clk_linux  CLOCK_REALTIME steered with clock_adjtime (frequency, step, kernel sync status
 *              and leap bits), the appliance's normal mode;
 *   clk_soft   for -x: never writes the system clock; keeps a correction (phase + frequency) on
 *              top of CLOCK_REALTIME, and now()/from_sys() return the corrected time;
 *   clk_sim    a simulated oscillator (frequency offset, random-walk wander, reading noise)
 *              advanced by a test in simulated time.
 *
 * Sign conventions (stated once, used everywhere):
 *   freq_ppm   the rate correction applied to the clock; positive makes the clock run faster
 *              (as adjtimex's freq). The servo sets the whole correction, phase term included.
 *   step       delta_ns is added to the clock: positive moves it forward.
 *   offsets    an offset measured against a reference is (local clock - reference): positive
 *              means the local clock is ahead and must be slowed or stepped back.
 *
 * Threads: now(), now_mono() and from_sys() may be called from any thread (server workers);
 * set_freq(), step() and set_status() only from the event loop's thread.
 */
#ifndef GN_CLK_H
#define GN_CLK_H

#include <stdbool.h>
#include <stdint.h>

struct clk;

enum clk_leap { CLK_LEAP_NONE = 0, CLK_LEAP_INSERT = 1, CLK_LEAP_DELETE = 2 };

/* What the discipline tells the clock (and, for clk_linux, the kernel) about its state. */
struct clk_status {
    bool synced;          /* clears STA_UNSYNC on Linux: the kernel then keeps the RTC in step */
    int64_t maxerror_ns;  /* bound on the clock's error */
    int64_t esterror_ns;  /* estimated error */
    enum clk_leap leap;   /* leap second at the end of the current UTC day */
};

struct clk_ops {
    const char *name;
    /* The clock's time: ns since the Unix epoch (the time gpsntpd serves). */
    int64_t (*now)(struct clk *c);
    /* Monotonic ns for timers and intervals; never stepped. */
    int64_t (*now_mono)(struct clk *c);
    /* Map a kernel CLOCK_REALTIME timestamp (SO_TIMESTAMPING, PPS) into this clock's time. */
    int64_t (*from_sys)(struct clk *c, int64_t sys_ns);
    /* Set the absolute rate correction (see sign conventions). 0 or -errno. */
    int (*set_freq)(struct clk *c, double freq_ppm);
    /* The rate correction currently applied. */
    double (*get_freq)(struct clk *c);
    /* Step the clock by delta_ns. 0 or -errno. */
    int (*step)(struct clk *c, int64_t delta_ns);
    /* Publish sync state and a pending leap second. 0 or -errno. */
    int (*set_status)(struct clk *c, const struct clk_status *st);
};

struct clk {
    const struct clk_ops *ops;
    void *priv;
};

static inline int64_t clk_now(struct clk *c) { return c->ops->now(c); }
static inline int64_t clk_now_mono(struct clk *c) { return c->ops->now_mono(c); }
static inline int64_t clk_from_sys(struct clk *c, int64_t sys_ns) { return c->ops->from_sys(c, sys_ns); }

/* Constructors, each returning a clock owned by the caller (free with clk_destroy), or NULL
 * with errno set. */
struct clk *clk_linux_create(void);
struct clk *clk_soft_create(void);
void clk_destroy(struct clk *c);

/* Largest |freq_ppm| any implementation accepts (the Linux kernel's limit). */
#define CLK_MAX_FREQ_PPM 500.0

#endif
