/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_render: how long the HTTP endpoint's renderers hold the event loop (a benchmark, not
 * a test; docs/monitoring.md). A full history window (fine: 900 points, coarse: 1350) with 2
 * and with 8 sources, rendered as /api/history does, and one /metrics exposition; each
 * repeated, the median and the worst time per render printed with the document's size. The
 * NTP path waits at most this long behind one HTTP request (the history is rendered once per
 * new point and shared by every reader in between).
 *   usage: bench_render [REPEATS]   (default 200)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ntime.h"
#include "daemon/hist.h"
#include "daemon/metrics.h"

static char buf[4 << 20];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NT_NS_PER_S + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *t, int n, size_t bytes)
{
    qsort(t, (size_t)n, sizeof(t[0]), cmp);
    printf("%-34s %9zu bytes  median %8.1f us  worst %8.1f us\n", what, bytes, t[n / 2] / 1e3,
           t[n - 1] / 1e3);
}

static void bench_history(int n_src, int repeats)
{
    struct hist_params p = {.n_sources = n_src, .fine_points = 900, .coarse_points = 1350,
                            .coarse_every = 16, .fine_interval_s = 1};
    const char *names[] = {"nmea0", "pps0", "gpsd0", "shm0", "nmea1", "pps1", "gpsd1", "shm1"};
    for (int i = 0; i < n_src; i++) {
        p.names[i] = names[i];
    }
    struct hist *h = hist_create(&p);
    srand(1);
    for (int k = 0; k < 1350 * 16; k++) {
        struct hist_sample s = {.t_ns = 1796279647LL * NT_NS_PER_S + (int64_t)k * NT_NS_PER_S,
                                .stratum = 1, .freq_ppm = 12.3 + rand() / (double)RAND_MAX,
                                .root_disp_s = 5e-6 * (1 + rand() / (double)RAND_MAX),
                                .requests_per_s = rand() % 5000};
        for (int i = 0; i < HIST_MAX_SOURCES; i++) {
            s.offset_s[i] = (rand() / (double)RAND_MAX - 0.5) * (i % 2 ? 2e-6 : 2e-3);
            s.jitter_s[i] = (rand() / (double)RAND_MAX) * (i % 2 ? 1e-6 : 5e-3);
        }
        hist_add(h, &s);
    }
    int64_t *t = calloc((size_t)repeats, sizeof(int64_t));
    for (int w = 0; w < HIST__WINDOWS; w++) {
        size_t len = 0;
        for (int r = 0; r < repeats; r++) {
            int64_t t0 = now_ns();
            FILE *out = fmemopen(buf, sizeof(buf), "w");
            hist_render_json(h, (enum hist_window)w, 0, out);
            len = (size_t)ftell(out);
            fclose(out);
            t[r] = now_ns() - t0;
        }
        char what[64];
        snprintf(what, sizeof(what), "/api/history %s, %d sources", hist_window_name((enum hist_window)w),
                 n_src);
        report(what, t, repeats, len);
    }
    free(t);
    hist_destroy(h);
}

static void bench_metrics(int n_src, int repeats)
{
    struct rc_src_status src[HIST_MAX_SOURCES];
    memset(src, 0, sizeof(src));
    for (int i = 0; i < n_src; i++) {
        snprintf(src[i].name, sizeof(src[i].name), "src%d", i);
        snprintf(src[i].driver, sizeof(src[i].driver), "nmea");
        snprintf(src[i].param, sizeof(src[i].param), "/dev/ttyUSB%d", i);
        snprintf(src[i].refid, sizeof(src[i].refid), "GPS");
        src[i].offset_s = 1e-3;
        src[i].jitter_s = 1e-4;
        src[i].latency_s = 0.1;
        src[i].last_sample_age_ns = NT_NS_PER_S;
    }
    struct rc_tracking trk = {.stratum = 1, .synced = true, .freq_ppm = 1, .skew_ppm = 0.01,
                              .root_disp_s = 1e-6, .system_offset_s = 1e-7,
                              .last_offset_s = 1e-7, .rms_offset_s = 1e-7,
                              .update_interval_s = 1};
    struct srv_counters c = {.received = 123456789};
    struct met_http_count http[] = {{200, 10}, {404, 1}};
    struct met_snapshot s = {.version = "0", .tracking = &trk, .sources = src,
                             .n_sources = (size_t)n_src, .server = &c, .http = http, .n_http = 2};
    int64_t *t = calloc((size_t)repeats, sizeof(int64_t));
    size_t len = 0;
    for (int r = 0; r < repeats; r++) {
        int64_t t0 = now_ns();
        FILE *out = fmemopen(buf, sizeof(buf), "w");
        met_render(out, &s);
        len = (size_t)ftell(out);
        fclose(out);
        t[r] = now_ns() - t0;
    }
    char what[64];
    snprintf(what, sizeof(what), "/metrics, %d sources", n_src);
    report(what, t, repeats, len);
    free(t);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 200;
    if (repeats < 1 || repeats > 100000) {
        fprintf(stderr, "usage: bench_render [REPEATS (1-100000)]\n");
        return 2;
    }
    bench_history(2, repeats);
    bench_history(8, repeats);
    bench_metrics(2, repeats);
    bench_metrics(8, repeats);
    return 0;
}
