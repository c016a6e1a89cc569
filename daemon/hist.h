/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hist: the status page's memory. A fixed-size ring of samples (one a second: per source
 * offset and jitter, the frequency, the root dispersion, NTP requests per second, the
 * stratum), and a second, coarser ring fed with the means of every `coarse_every` of them,
 * so the page shows the last minutes in detail and the last hours at all. Both rings are
 * allocated once by hist_create; adding a sample never allocates.
 *
 * Pure: samples in (made from the layers' status by hist_sample_from_status), JSON out
 * (hist_render_json); the daemon's monitor samples the layers on a timer. Every point has a
 * sequence number per window (1, 2, ...), so a page that already holds points asks only for
 * the newer ones (`after`), whatever the served clock did in between (a step).
 */
#ifndef GN_HIST_H
#define GN_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "refclock/rc.h"

#define HIST_MAX_SOURCES RC_MAX_SOURCES

enum hist_window { HIST_FINE = 0, HIST_COARSE, HIST__WINDOWS };
const char *hist_window_name(enum hist_window w);   /* "fine", "coarse" */
/* "fine"/"coarse" to the window; false for anything else. */
bool hist_window_parse(const char *name, enum hist_window *out);

/* One point. NaN for a value not known then (shown as a gap). */
struct hist_sample {
    int64_t t_ns;                          /* the served clock, ns since the Unix epoch */
    int stratum;                           /* as served; 16: unsynchronized */
    double freq_ppm;                       /* the local oscillator's error: + = fast */
    double root_disp_s;
    double requests_per_s;                 /* NTP requests received */
    double offset_s[HIST_MAX_SOURCES];     /* per source, in the order given at create */
    double jitter_s[HIST_MAX_SOURCES];
};

struct hist_params {
    int n_sources;                         /* 0..HIST_MAX_SOURCES */
    const char *names[HIST_MAX_SOURCES];   /* copied (at most 15 characters kept) */
    size_t fine_points;                    /* capacity of the fine ring, >= 1 */
    size_t coarse_points;                  /* capacity of the coarse ring, >= 1 */
    int coarse_every;                      /* fine samples per coarse point, >= 1 */
    double fine_interval_s;                /* the sampling period (told in the JSON) */
};

struct hist;

/* The one allocation. NULL on a bad parameter or when memory is short. */
struct hist *hist_create(const struct hist_params *p);
void hist_destroy(struct hist *h);

/* Add one fine sample; every coarse_every of them also make one coarse point: the mean of
 * each value over them (NaNs skipped; NaN when all were), except the stratum and the root
 * dispersion, which take the worst (largest), and the time, the last sample's. */
void hist_add(struct hist *h, const struct hist_sample *s);

/* Points held now (<= capacity), and the newest point's sequence number (0: none yet). The
 * oldest held is last_seq - count + 1. */
size_t hist_count(const struct hist *h, enum hist_window w);
uint64_t hist_last_seq(const struct hist *h, enum hist_window w);
/* The point numbered seq; false when it is not (or no longer) held. */
bool hist_get(const struct hist *h, enum hist_window w, uint64_t seq, struct hist_sample *out);

/* One window as a JSON object: the points numbered after `after` (0: all held), as columns:
 *   {"window":"fine","interval_s":1,"capacity":900,"first_seq":S,"last_seq":L,
 *    "sources":["nmea0","pps0"],"t":[unix seconds],"stratum":[..],"frequency_ppm":[..],
 *    "root_dispersion_s":[..],"requests_per_s":[..],"offset_s":[[per source]..],
 *    "jitter_s":[[..]..]}
 * first_seq..last_seq are the numbers of the points given (first_seq > last_seq: none).
 * When first_seq is after + 1 they continue what the reader holds; otherwise (the reader fell
 * behind the ring, or its numbers are from an earlier run) they are the whole window, and the
 * reader starts over with them. */
void hist_render_json(const struct hist *h, enum hist_window w, uint64_t after, FILE *out);
/* An upper bound of what hist_render_json writes for a whole window, in bytes. */
size_t hist_json_max(const struct hist *h, enum hist_window w);

/* A sample from the layers' status, as the monitor takes it each second: the served time,
 * the tracking's stratum, frequency and root dispersion, the request rate, and per source
 * its last offset and jitter, or NaN when it has had no sample for max_age_ns (a lost
 * source shows as a gap, not as its last value carried on). */
void hist_sample_from_status(const struct rc_tracking *t, const struct rc_src_status *s,
                             size_t n, double requests_per_s, int64_t now_ns,
                             int64_t max_age_ns, struct hist_sample *out);

#endif
