/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_monitor: what the monitoring costs the event loop. Once a second the daemon runs the
 * event detector over a snapshot of its sources (daemon/evdetect.c) and may write a tracking
 * and a statistics line per source; with `log refclocks`, one line per sample. Prints the
 * time per call of each (median of several runs), to compare with the second they share.
 *
 * usage: bench_monitor [ITERATIONS]   (default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ntime.h"
#include "daemon/evdetect.h"
#include "daemon/statlog.h"
#include "refclock/refstate.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    static struct evd_snapshot snap;
    snap.n_src = RC_MAX_SOURCES;
    for (int i = 0; i < RC_MAX_SOURCES; i++) {
        snprintf(snap.src[i].name, sizeof(snap.src[i].name), "nmea%d", i);
        snap.src[i].state = DRV_STATE_OK;
        snap.src[i].jitter_s = 1e-6;
        snap.src[i].est_offset_s = 2e-7;
    }
    snap.trk = (struct rc_tracking){.synced = true, .stratum = 1, .refid = RST_REFID_PPS,
                                    .freq_ppm = -1.5, .skew_ppm = 0.01, .root_disp_s = 1e-6};
    snprintf(snap.trk.refname, sizeof(snap.trk.refname), "nmea0");
    static struct evd det;
    struct event ev[EVD_MAX_EVENTS];
    FILE *sink = fopen("/dev/null", "w");
    struct rc_sample_rec rec = {.source = "pps0", .pulse = true, .raw_offset_s = 2e-4,
                                .offset_s = 1e-7, .filtered_s = 1.1e-7};
    double t_det[5], t_line[5], t_track[5];
    for (int run = 0; run < 5; run++) {
        evd_init(&det);
        double t0 = now_s();
        size_t events = 0;
        for (long i = 0; i < iters; i++) {
            /* A counter rising: the error window is updated every call. */
            snap.src[0].counters[DRV_CNT_BAD_CHECKSUM] = (uint64_t)i / 100;
            events += evd_update(&det, &snap, (int64_t)(i + 1) * NT_NS_PER_S,
                                 (int64_t)(i + 1) * NT_NS_PER_S, ev, EVD_MAX_EVENTS);
        }
        t_det[run] = (now_s() - t0) / (double)iters;
        t0 = now_s();
        for (long i = 0; i < iters; i++) {
            rec.local_ns = (int64_t)i * NT_NS_PER_S;
            statlog_refclock_line(sink, &rec);
        }
        t_line[run] = (now_s() - t0) / (double)iters;
        t0 = now_s();
        for (long i = 0; i < iters; i++) {
            statlog_tracking_line(sink, (int64_t)i * NT_NS_PER_S, &snap.trk);
            statlog_statistics_line(sink, (int64_t)i * NT_NS_PER_S, &snap.src[0]);
        }
        t_track[run] = (now_s() - t0) / (double)iters;
        if (run == 0) {
            printf("%zu events over %ld updates of %d sources\n", events, iters, RC_MAX_SOURCES);
        }
    }
    qsort(t_det, 5, sizeof(double), cmp);
    qsort(t_line, 5, sizeof(double), cmp);
    qsort(t_track, 5, sizeof(double), cmp);
    printf("event detector, %d sources:         %.2f us per update (once a second)\n",
           RC_MAX_SOURCES, t_det[2] * 1e6);
    printf("refclocks line:                    %.2f us per sample\n", t_line[2] * 1e6);
    printf("tracking + statistics line:        %.2f us per tick and source\n", t_track[2] * 1e6);
    fclose(sink);
    return 0;
}
