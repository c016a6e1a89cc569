/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * webmon: what the HTTP endpoint shows (the web side of monitoring), gathered from the layers' status calls (the same
 * ones gpsntpctl's answers use: rc_get_tracking, rc_get_sources, udp_get_counters) and
 * rendered by the pure renderers (metrics.h, hist.h, ctl_render.h). It owns the history and
 * samples the layers into it once a second from the event loop. Started only when the HTTP
 * endpoint is on: with it off, none of this runs.
 */
#ifndef GN_WEBMON_H
#define GN_WEBMON_H

#include <stddef.h>
#include <stdio.h>

#include "daemon/hist.h"
#include "daemon/metrics.h"

struct clk;

#define WM_FINE_POINTS 900      /* one a second: the last 15 minutes */
#define WM_COARSE_EVERY 16      /* a coarse point is the mean of 16 fine ones ... */
#define WM_COARSE_POINTS 1350   /* ... and 1350 of them make the last 6 hours */

/* Create the history (the one allocation) and start sampling. 0 or -errno. */
int wm_start(struct clk *clk);
void wm_stop(void);

/* GET /metrics. http: the endpoint's response counts; connections: open now. */
void wm_render_metrics(FILE *out, const struct met_http_count *http, size_t n_http,
                        unsigned connections);
/* GET /api/status: {"version","time","state","holdover_s","uptime_s","requests_per_s",
 * "clients_tracked","tracking":{as gpsntpctl -j tracking},"sources":[as gpsntpctl -j
 * sources],"server":{as gpsntpctl -j serverstats},"history":{"fine":{..},"coarse":{..}}}. */
void wm_render_status(FILE *out);
/* The history, for GET /api/history (NULL before wm_start). */
const struct hist *wm_history(void);

/* GET /api/events, an http_json_fn (http.h): the event history (monitor.h) as
 * `gpsntpctl -j events` shows it, {"events":[...]}; ?after=N only the events numbered after N
 * (400 for a bad N). */
int wm_events_route(FILE *out, const char *(*query)(void *ctx, const char *key), void *ctx,
                    void *arg);

#endif
