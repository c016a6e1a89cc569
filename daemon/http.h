/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http: the read-only HTTP endpoint (off by default; `httpport`): the status page (/), the
 * Prometheus metrics (/metrics) and a JSON API (/api/status, /api/history, /api/events).
 * libmicrohttpd does the HTTP, in external-event-loop mode with epoll: its one epoll fd and a
 * timer from MHD_get_timeout join the daemon's poll loop, no thread of its own. Connections
 * are bounded in number (overall and per client address), in idle time and in memory, so
 * slow or many clients cost the NTP path no more than a bounded amount of the loop's time.
 *
 * The socket is bound by http_open as root, before the privilege drop (port 80 works), and
 * served from http_start on, after it.
 */
#ifndef GN_HTTP_H
#define GN_HTTP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "daemon/http_params.h"

struct clk;

/* Bind and listen (as root). 0 (also when off) or -errno, logged with the address. */
int http_open(const struct http_params *p);
/* Start serving from the event loop (after the privilege drop): the history, libmicrohttpd.
 * 0 or -errno. Nothing happens when the endpoint is off. */
int http_start(struct clk *clk);
void http_stop(void);

/* A JSON route's renderer: write the document to out and return the HTTP status (200, or
 * 400 for a bad query, with a JSON error written). query(ctx, key) gives a query-string
 * argument or NULL. */
typedef int (*http_json_fn)(FILE *out, const char *(*query)(void *ctx, const char *key),
                            void *ctx, void *arg);
/* Serve path with fn, replacing what was there: /api/events is declared but answers 404
 * ({"error": ...}) until its renderer is attached with this one call (gpsntpd.c attaches
 * wm_events_route, the event history). 0, or -ENOENT for a path the endpoint does not
 * declare. Call before or after http_start. */
int http_set_json_route(const char *path, http_json_fn fn, void *arg);

#endif
