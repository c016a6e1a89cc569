/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_render: the answers of the control channel, as text (laid out like chronyc's) or as one
 * JSON object. Pure: structs in, text out, so tests check the layout without a daemon.
 */
#ifndef GN_CTL_RENDER_H
#define GN_CTL_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "daemon/events.h"
#include "refclock/rc.h"
#include "server/nts_ke.h"
#include "server/srv.h"
#include "server/udp.h"

/* now_ns: the served clock's time (for "Ref time" ages). */
void ctl_render_tracking(FILE *out, const struct rc_tracking *t, bool json);
void ctl_render_sources(FILE *out, const struct rc_src_status *s, size_t n, bool json);
/* ke: the NTS-KE counters, or NULL (all zero). */
void ctl_render_serverstats(FILE *out, const struct srv_counters *c,
                            const struct ntske_counters *ke, bool json);
void ctl_render_clients(FILE *out, const struct udp_client_stat *c, size_t n, bool json);
/* Events, oldest first: text columns time (UTC), severity, tag, source, message; JSON
 * {"events":[{"seq","time","time_ns","severity","tag","source","message","stratum",
 * "reference"}]} (also what /api/events may serve). */
void ctl_render_events(FILE *out, const struct event *e, size_t n, bool json);

#endif
