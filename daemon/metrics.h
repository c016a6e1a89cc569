/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics: the daemon's state in the Prometheus text exposition format (version 0.0.4), for
 * GET /metrics. Pure: a snapshot of the layers' status in, text out. Names start gpsntpd_,
 * values are in base units (seconds; frequencies as ratios, 1e-6 = 1 ppm), counters end in
 * _total, every family has its HELP and TYPE, label values are escaped. A value that is not
 * known (no sample yet, no latency for a pulse source) is left out rather than sent as NaN,
 * so graphs show a gap and alerts do not compare against NaN. The list with meanings is in
 * docs/monitoring.md.
 */
#ifndef GN_METRICS_H
#define GN_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "refclock/rc.h"
#include "server/nts_ke.h"
#include "server/srv.h"

/* HTTP responses given, by status code (the HTTP shell's own counts). */
struct met_http_count {
    int code;
    uint64_t n;
};

struct met_snapshot {
    const char *version;
    double start_time_s;                  /* when the daemon started, Unix seconds */
    const struct rc_tracking *tracking;
    double holdover_s;                    /* how long in holdover now; 0 when not */
    const struct rc_src_status *sources;
    size_t n_sources;
    const struct srv_counters *server;
    const struct ntske_counters *nts_ke;  /* NULL: NTS-KE off (no series) */
    uint64_t clients_tracked;             /* entries in use in the client table */
    const struct met_http_count *http;
    size_t n_http;
    unsigned http_connections;            /* open now (this scrape's included) */
};

/* Write the whole exposition. */
void met_render(FILE *out, const struct met_snapshot *s);

/* The state at a glance: "synchronized" (a reference leads), "holdover" (references lost,
 * still serving stratum 1 on the last frequency), "local" (`local stratum N`, no
 * reference), or "unsynchronized". */
const char *met_sync_state(const struct rc_tracking *t);

#endif
