/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpc_filter: RFC 5905's clock filter (section 10, appendix A.5.2) for one NTP source: the last
 * 8 samples, of which the one with the lowest delay wins, because queueing in the network only
 * ever adds delay and the least-delayed exchange is the least asymmetric. Pure: time comes in.
 *
 * Dispersion of each kept sample grows with its age at PHI (15 ppm); the filter dispersion is
 * RFC 5905's weighting (sorted by distance, stage i weighted 2^-(i+1)) over the kept samples
 * only, normalized (the RFC counts an empty stage as MAXDISP: see ntpc_filter.c), the jitter
 * the RMS of the kept offsets around the chosen one.
 *
 * Popcorn spikes: suppressed as ntpd does (the reference implementation of RFC 5905, not the
 * RFC text): a chosen sample whose offset differs from the last one used by more than SGATE
 * (3) times the jitter known before it is dropped, unless the previous choice was also dropped
 * that way (a real step is followed on the second sample), and only once 4 samples give the
 * jitter a meaning (at start the jitter is only our precision: every change would look a
 * spike). chrony instead runs a median filter and a regression over many samples with an
 * outlier test (sourcestats.c); that is a larger machine than the issue asks for, and the
 * selection's intersection catches a lying source anyway.
 * A chosen sample is used only if it is newer than the last one used (RFC 5905: "the sample
 * is not used if it is older than the last one"), so a low-delay sample is not counted twice.
 *
 * What the wiring needs: the driver calls ntpc_filter_add for every NTPC_OK sample and hands
 * what it returns (with root_dist_s grown by the filter's dispersion and jitter) to the
 * selection; the filter is reset when the source is reset (unreachable for long, a step).
 */
#ifndef GN_NTPC_FILTER_H
#define GN_NTPC_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ntpc_proto.h"

#define NTPC_FILTER_N 8
#define NTPC_SGATE 3.0
#define NTPC_SPIKE_MIN_N 4 /* no spike test before the jitter rests on this many samples */

struct ntpc_stage {
    bool used;           /* a sample is there */
    int64_t t_ns;        /* its local time (ntpc_sample.local_ns) */
    int64_t offset_ns;
    int64_t delay_ns;
    double disp_s;       /* at t_ns */
};

struct ntpc_filter {
    struct ntpc_stage st[NTPC_FILTER_N]; /* a ring, newest at next - 1 */
    int next;
    int64_t last_used_ns;    /* local time of the last chosen sample, 0: none */
    int64_t last_offset_ns;
    bool spike_pending;      /* the last choice was dropped as a spike */
    double jitter_s;
    uint64_t spikes;         /* counted drops */
};

/* The filter's answer after a new sample. */
struct ntpc_filtered {
    int64_t local_ns;        /* of the chosen sample */
    int64_t offset_ns;
    int64_t delay_ns;
    double disp_s;           /* filter dispersion at now_ns (RFC 5905 epsilon) */
    double jitter_s;         /* RMS of the kept offsets around the chosen one (psi) */
    int n;                   /* samples kept */
};

void ntpc_filter_reset(struct ntpc_filter *f);

/*
 * Add a sample measured by ntpc_process (its local_ns, offset, delay, disp), now_ns being the
 * current local time (>= s->local_ns). Returns true with *out filled when there is a sample to
 * use: the lowest-delay one of the last 8, newer than the last used and not a popcorn spike.
 */
bool ntpc_filter_add(struct ntpc_filter *f, const struct ntpc_sample *s, int64_t now_ns,
                     struct ntpc_filtered *out);

#endif
