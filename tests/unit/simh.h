/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * simh: the simulation harness shared by the test_sim_*.c tests and tests/bench/bench_servo.c.
 * It drives the real discipline core (refclock/dsc.c) with a simulated oscillator (clk_sim)
 * and simulated references, one event at a time in simulated time: a PPS edge at each true
 * second (plus cable delay and jitter), an NMEA fix cycle `latency` later (with jitter), and
 * the core's tick once a second. Each report can reach the core a while after it was stamped
 * (`*_read_delay_s`: a PPS device fetched by a poll timer, an SHM segment polled, a busy
 * loop), possibly after a tick or a step, and its monotonic time is then worked out from its
 * stamp as the daemon's shell does (dsc_mono_of). The error statistics are taken against the simulated truth,
 * never against the core's own estimates. Header-only (static functions) so each test stays
 * one file.
 */
#ifndef GN_SIMH_H
#define GN_SIMH_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/clk_sim.h"
#include "common/ntime.h"
#include "refclock/dsc.h"
#include "server/srv.h"

/* 2024-06-29T00:00:00Z: a quiet date, two days before where the tests put a leap second. */
#define SIMH_START_NS (1719619200LL * NT_NS_PER_S)

struct simh_cfg {
    int64_t start_ns;           /* true time at start, 0: SIMH_START_NS */
    /* oscillator */
    double freq_ppm;
    double wander;              /* ppm per sqrt(s): 1e-9/s random walk = 1e-3 */
    double read_noise_ns;
    int64_t initial_offset_ns;  /* clock - truth at start */
    uint64_t seed;
    int64_t leap_at_ns;         /* the world's leap second (a midnight), 0: none */
    enum clk_leap leap;
    /* references */
    bool nmea, pps, pps_lock;
    double nmea_latency_s, nmea_jitter_s, nmea_offset_cfg_s;
    double pps_jitter_s, pps_cable_s, pps_offset_cfg_s;
    double nmea_read_delay_s, pps_read_delay_s; /* stamp to delivery, < 1 s */
    enum clk_leap nmea_announce; /* what the receiver announces on the leap day */
    /* discipline */
    struct dsc_params dp;
    double tick_phase_s;        /* where in the second the core ticks (default 0.6) */
};

struct simh_stats {
    int64_t from_ns;            /* statistics start (true time since start) */
    double sum, sum2;
    double max_abs;
    long n;
    double thr_s;               /* lock threshold */
    int64_t last_over_ns;       /* last time |error| >= thr (since start), -1: never */
};

/* A simulated NTP source (a server on the LAN): every poll_s seconds an exchange over a path
 * of delay_s each way plus exponential queueing (mean queue_s) on each leg; the server's own
 * clock is err_s off the truth, plus ramp (s/s) from ramp_from_s on: a spoofed receiver
 * behind it, or its own slow failure. */
struct simh_ntp {
    int idx;
    bool on;
    int poll_s;
    double delay_s, queue_s;
    double err_s, ramp, root_disp_s;
    int64_t ramp_from_s;
    int stratum;
    uint32_t addr_refid;
    bool loop;
};

struct simh {
    struct simh_cfg c;
    struct simh_ntp ntp[4];
    int n_ntp;
    struct clk *clk;
    struct dsc d;
    int nmea_idx, pps_idx;
    int64_t elapsed_s;          /* whole seconds simulated (the POSIX second ignoring leaps) */
    int64_t start_s;
    /* fault injection, changed by the tests between runs */
    bool nmea_on, pps_on, nmea_fix;
    int64_t nmea_shift_ns;      /* added to the NMEA time (a wrong second, a spoofed jump) */
    int64_t pps_shift_ns;       /* added to the pulse's true time */
    /* observations */
    int64_t max_step_ns;        /* the largest clock change between two events, from: */
    int64_t step_watch_from_s;  /* ... this many seconds (default 600: after acquisition) */
    struct simh_stats st;
    /* reports stamped but not yet delivered to the core */
    struct simh_report {
        int64_t deliver_ns;     /* simulated time since start */
        int kind;               /* 0 pulse, 1 sample, 2 no fix */
        int64_t local, ref;
        enum clk_leap leap;
    } pend[8];
    int n_pend;
    long dropped;               /* reports dsc_mono_of refused (stamped across a step) */
};

static inline void simh_stats_reset(struct simh *h, double thr_s)
{
    memset(&h->st, 0, sizeof(h->st));
    h->st.from_ns = (h->elapsed_s) * NT_NS_PER_S;
    h->st.thr_s = thr_s;
    h->st.last_over_ns = -1;
}

static inline void simh_init(struct simh *h, const struct simh_cfg *c)
{
    memset(h, 0, sizeof(*h));
    h->c = *c;
    if (!(h->c.tick_phase_s > 0)) {
        h->c.tick_phase_s = 0.6;
    }
    int64_t start = c->start_ns != 0 ? c->start_ns : SIMH_START_NS;
    struct clk_sim_params sp = {
        .start_true_ns = start,
        .initial_offset_ns = c->initial_offset_ns,
        .freq_ppm = c->freq_ppm,
        .wander_ppm_per_sqrt_s = c->wander,
        .read_noise_ns = c->read_noise_ns,
        .seed = c->seed,
        .leap_at_ns = c->leap_at_ns,
        .leap = c->leap,
    };
    h->clk = clk_sim_create(&sp);
    h->start_s = start / NT_NS_PER_S;
    dsc_init(&h->d, h->clk, &c->dp, clk_now_mono(h->clk));
    h->nmea_idx = h->pps_idx = -1;
    if (c->nmea) {
        struct dsc_src_cfg sc = {.name = "nmea0", .refid = RST_REFID_GPS, .lock = -1,
                                 .offset_s = c->nmea_offset_cfg_s};
        h->nmea_idx = dsc_add_source(&h->d, &sc);
    }
    if (c->pps) {
        struct dsc_src_cfg sc = {.name = "pps0", .refid = RST_REFID_PPS, .pps = true,
                                 .lock = c->pps_lock ? h->nmea_idx : -1,
                                 .offset_s = c->pps_offset_cfg_s};
        h->pps_idx = dsc_add_source(&h->d, &sc);
    }
    h->nmea_on = h->pps_on = h->nmea_fix = true;
    h->step_watch_from_s = 600;
    dsc_tick(&h->d, clk_now_mono(h->clk), clk_now(h->clk));
    simh_stats_reset(h, 10e-6);
}

static inline void simh_free(struct simh *h)
{
    clk_destroy(h->clk);
    h->clk = NULL;
}

static inline double simh_error_s(struct simh *h)
{
    return nt_to_s(clk_sim_error_ns(h->clk));
}

/* Advance to offset_ns into the current second, recording the error on the way. */
static inline void simh_goto(struct simh *h, int64_t *pos_ns, int64_t to_ns)
{
    if (to_ns > *pos_ns) {
        int64_t before = clk_sim_error_ns(h->clk);
        clk_sim_advance(h->clk, to_ns - *pos_ns);
        *pos_ns = to_ns;
        int64_t d = clk_sim_error_ns(h->clk) - before;
        /* The clock's own leap second is not a step of the discipline's. */
        if (h->elapsed_s >= h->step_watch_from_s && llabs(d) > h->max_step_ns &&
            llabs(llabs(d) - NT_NS_PER_S) > 10 * NT_NS_PER_MS) {
            h->max_step_ns = llabs(d);
        }
    }
    int64_t t = h->elapsed_s * NT_NS_PER_S + *pos_ns;
    if (t >= h->st.from_ns) {
        double e = simh_error_s(h);
        h->st.sum += e;
        h->st.sum2 += e * e;
        h->st.n++;
        if (fabs(e) > h->st.max_abs) {
            h->st.max_abs = fabs(e);
        }
        if (fabs(e) >= h->st.thr_s) {
            h->st.last_over_ns = t - h->st.from_ns;
        }
    }
}

/* The UTC label a receiver gives the second that starts `elapsed` POSIX seconds after the
 * epoch in a world with this leap (23:59:60 maps to the next midnight, as nt_from_utc). */
static inline int64_t simh_label_s(const struct simh *h, int64_t e)
{
    int64_t m = h->c.leap_at_ns / NT_NS_PER_S;
    if (h->c.leap_at_ns == 0 || h->c.leap == CLK_LEAP_NONE) {
        return e;
    }
    if (h->c.leap == CLK_LEAP_INSERT) {
        return e <= m ? e : e - 1;
    }
    return e < m - 1 ? e : e + 1;
}

struct simh_ev {
    int64_t at_ns;
    int kind; /* 0 pps, 1 nmea, 2 tick */
};

/* Hand a report to the core now, with its monotonic time derived from its stamp. */
static inline void simh_deliver(struct simh *h, const struct simh_report *r)
{
    int64_t now_mono = clk_now_mono(h->clk), mono;
    if (!dsc_mono_of(&h->d, now_mono, clk_now(h->clk), r->local, &mono)) {
        h->dropped++;
        return;
    }
    switch (r->kind) {
    case 0: dsc_pulse(&h->d, h->pps_idx, mono, r->local); break;
    case 1: dsc_sample(&h->d, h->nmea_idx, mono, r->local, r->ref, r->leap); break;
    default: dsc_no_fix(&h->d, h->nmea_idx, mono); break;
    }
}

/* Stamp a report at the current instant and deliver it now or queue it. */
static inline void simh_report(struct simh *h, int64_t now_ns, int kind, int64_t ref,
                               enum clk_leap leap, int64_t local_jitter_ns, double delay_s)
{
    struct simh_report r = {.deliver_ns = now_ns + nt_from_s(delay_s), .kind = kind,
                            .local = clk_now(h->clk) + local_jitter_ns, .ref = ref,
                            .leap = leap};
    if (delay_s <= 0 || h->n_pend == (int)(sizeof(h->pend) / sizeof(h->pend[0]))) {
        simh_deliver(h, &r);
        return;
    }
    h->pend[h->n_pend++] = r;
}

/* The queued report due first before limit_ns (simulated time since start), or -1. */
static inline int simh_next_due(const struct simh *h, int64_t limit_ns)
{
    int best = -1;
    for (int k = 0; k < h->n_pend; k++) {
        if (h->pend[k].deliver_ns < limit_ns &&
            (best < 0 || h->pend[k].deliver_ns < h->pend[best].deliver_ns)) {
            best = k;
        }
    }
    return best;
}

/* Add an NTP source after simh_init; returns its number in h->ntp. */
static inline int simh_add_ntp(struct simh *h, const char *name, int poll_s, double delay_s,
                               double queue_s)
{
    struct simh_ntp *n = &h->ntp[h->n_ntp];
    struct dsc_src_cfg sc = {.lock = -1, .ntp = true};
    snprintf(sc.name, sizeof(sc.name), "%s", name);
    *n = (struct simh_ntp){.idx = dsc_add_source(&h->d, &sc), .on = true, .poll_s = poll_s,
                           .delay_s = delay_s, .queue_s = queue_s, .root_disp_s = 20e-6,
                           .stratum = 1, .addr_refid = 0xc0a87b01u + (uint32_t)h->n_ntp};
    return h->n_ntp++;
}

static inline double simh_expo(struct simh *h, double mean)
{
    double u = fmin(fmax(clk_sim_uniform(h->clk), 1e-12), 1 - 1e-12);
    return -mean * log(1 - u);
}

/* One exchange with NTP source k, now: what the NTP client's filter would pass on (every
 * exchange, with its excess delay over the path's minimum). */
static inline void simh_ntp_exchange(struct simh *h, int k)
{
    struct simh_ntp *n = &h->ntp[k];
    double qf = simh_expo(h, n->queue_s), qb = simh_expo(h, n->queue_s);
    double err = n->err_s;
    if (n->ramp != 0 && h->elapsed_s > n->ramp_from_s) {
        err += n->ramp * (double)(h->elapsed_s - n->ramp_from_s);
    }
    int64_t local = clk_now(h->clk);
    /* local - remote: our clock's error, minus the server's, plus the path's asymmetry */
    double off = simh_error_s(h) - err + (qf - qb) / 2;
    double delay = 2 * n->delay_s + qf + qb;
    struct drv_ntp_sample m = {
        .local_ns = local,
        .offset_ns = nt_from_s(off),
        .delay_s = delay,
        .excess_delay_s = qf + qb,
        .root_delay_s = delay,
        .root_disp_s = n->root_disp_s + 15e-6 * delay,
        .jitter_s = n->queue_s,
        .stratum = n->stratum,
        .refid = RST_REFID('G', 'P', 'S', 0),
        .loop = n->loop,
        .addr_refid = n->addr_refid,
        .interval_ns = n->poll_s * NT_NS_PER_S,
    };
    int64_t mono;
    if (dsc_mono_of(&h->d, clk_now_mono(h->clk), local, local, &mono)) {
        dsc_ntp_sample(&h->d, n->idx, mono, &m);
    }
}

/* Simulate one second. */
static inline void simh_second(struct simh *h)
{
    struct simh_ev ev[3];
    int n = 0;
    double lat = h->c.nmea_latency_s + clk_sim_gauss(h->clk) * h->c.nmea_jitter_s;
    lat = fmin(fmax(lat, 0.01), 0.97);
    int64_t pps_at = nt_from_s(h->c.pps_cable_s) + h->pps_shift_ns;
    if (h->pps_idx >= 0 && h->pps_on && pps_at >= 0 && pps_at < NT_NS_PER_S) {
        ev[n++] = (struct simh_ev){pps_at, 0};
    }
    if (h->nmea_idx >= 0 && h->nmea_on) {
        ev[n++] = (struct simh_ev){nt_from_s(lat), 1};
    }
    ev[n++] = (struct simh_ev){nt_from_s(h->c.tick_phase_s), 2};
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && ev[j].at_ns < ev[j - 1].at_ns; j--) {
            struct simh_ev t = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = t;
        }
    }
    int64_t sec0 = h->elapsed_s * NT_NS_PER_S;
    int64_t pos = 0;
    int i = 0;
    for (;;) {
        /* Whatever comes first: a queued report falling due, or this second's next event. */
        int due = simh_next_due(h, sec0 + (i < n ? ev[i].at_ns : NT_NS_PER_S));
        if (due >= 0) {
            struct simh_report r = h->pend[due];
            h->pend[due] = h->pend[--h->n_pend];
            simh_goto(h, &pos, r.deliver_ns - sec0);
            simh_deliver(h, &r);
            continue;
        }
        if (i == n) {
            break;
        }
        simh_goto(h, &pos, ev[i].at_ns);
        int64_t now = sec0 + pos;
        switch (ev[i].kind) {
        case 0:
            simh_report(h, now, 0, 0, CLK_LEAP_NONE,
                        nt_from_s(clk_sim_gauss(h->clk) * h->c.pps_jitter_s),
                        h->c.pps_read_delay_s);
            break;
        case 1:
            if (!h->nmea_fix) {
                simh_report(h, now, 2, 0, CLK_LEAP_NONE, 0, h->c.nmea_read_delay_s);
            } else {
                int64_t label = simh_label_s(h, h->start_s + h->elapsed_s);
                int64_t midnight = nt_next_midnight(label * NT_NS_PER_S);
                enum clk_leap ann = h->c.leap_at_ns == midnight ? h->c.nmea_announce
                                                                : CLK_LEAP_NONE;
                simh_report(h, now, 1, label * NT_NS_PER_S + h->nmea_shift_ns, ann, 0,
                            h->c.nmea_read_delay_s);
            }
            break;
        default:
            for (int k = 0; k < h->n_ntp; k++) {
                if (h->ntp[k].on && h->elapsed_s % h->ntp[k].poll_s == k % h->ntp[k].poll_s) {
                    simh_ntp_exchange(h, k);
                }
            }
            dsc_tick(&h->d, clk_now_mono(h->clk), clk_now(h->clk));
            break;
        }
        i++;
    }
    simh_goto(h, &pos, NT_NS_PER_S);
    h->elapsed_s++;
}

static inline void simh_run(struct simh *h, int64_t seconds)
{
    for (int64_t i = 0; i < seconds; i++) {
        simh_second(h);
    }
}

static inline double simh_rms(const struct simh *h)
{
    return h->st.n > 0 ? sqrt(h->st.sum2 / (double)h->st.n) : NAN;
}

static inline double simh_mean(const struct simh *h)
{
    return h->st.n > 0 ? h->st.sum / (double)h->st.n : NAN;
}

/* Seconds from the statistics start until |error| stayed below the threshold for good. */
static inline double simh_lock_s(const struct simh *h)
{
    return h->st.last_over_ns < 0 ? 0 : nt_to_s(h->st.last_over_ns) + 1e-9;
}

/* The frequency error of the disciplined clock: natural + applied correction minus what the
 * phase term intends, approximated by natural + the servo's frequency part. ppm. */
static inline double simh_freq_error_ppm(struct simh *h)
{
    return clk_sim_natural_ppm(h->clk) - servo_freq_ppm(&h->d.servo);
}

/* Default discipline parameters (those of cfg_defaults). */
static inline struct dsc_params simh_default_params(void)
{
    struct dsc_params p = {
        .servo = {.makestep_threshold_s = 0.001, .makestep_limit = 3,
                  .maxslew_ppm = 500},
        .maxholdover_s = 3600,
        .local_stratum = 0,
        .maxjump_s = 0.5,
        .jumppersist_s = 300,
        .precision = -25,
    };
    return p;
}

/* The typical receiver of the simulation tests: NMEA latency_s late (configured as its
 * `offset`) with nmea_jitter_s of jitter, and with pps its pulse (1 us jitter) locked to it;
 * an oscillator freq_ppm off with a quiet crystal's 1e-9/s wander, started offset_s off; the
 * default discipline parameters. Tests change what they are about. */
static inline struct simh_cfg simh_receiver(double freq_ppm, double offset_s, uint64_t seed,
                                            bool pps, double latency_s, double nmea_jitter_s)
{
    struct simh_cfg c = {0};
    c.freq_ppm = freq_ppm;
    c.wander = 1e-3;
    c.seed = seed;
    c.initial_offset_ns = nt_from_s(offset_s);
    c.nmea = true;
    c.pps = c.pps_lock = pps;
    c.nmea_latency_s = latency_s;
    c.nmea_offset_cfg_s = latency_s;
    c.nmea_jitter_s = nmea_jitter_s;
    c.pps_jitter_s = pps ? 1e-6 : 0;
    c.dp = simh_default_params();
    return c;
}

#endif
