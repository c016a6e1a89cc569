/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * monitor: see monitor.h. The snapshot costs what `gpsntpctl sources` and `tracking` cost
 * (copies of a few hundred bytes per source), once a second.
 */
#include "daemon/monitor.h"

#include <string.h>

#include "common/log.h"
#include "daemon/cfg.h"
#include "daemon/evcmd.h"
#include "daemon/evdetect.h"
#include "daemon/statlog.h"
#include "refclock/rc.h"

static struct {
    struct evd det;
    struct events hist;
    struct evd_snapshot snap;
    bool command;                     /* an eventcommand is configured */
    bool logs;                        /* statistics logs are written */
    int64_t last_ref_time_ns;         /* of the last tracking line */
    uint64_t last_samples[RC_MAX_SOURCES];
} mon;

/* One line per event, its priority by its severity. */
static void log_event(const struct event *e)
{
    const char *tag = event_tag_name(e->tag), *sev = event_severity_name(e->severity);
    const char *src = e->source[0] != '\0' ? e->source : "-";
    switch (e->severity) {
    case EVENT_CRITICAL:
        log_crit("event %s severity=%s source=%s: %s", tag, sev, src, e->message);
        break;
    case EVENT_WARNING:
        log_warnx("event %s severity=%s source=%s: %s", tag, sev, src, e->message);
        break;
    default:
        log_info("event %s severity=%s source=%s: %s", tag, sev, src, e->message);
        break;
    }
}

/* The statistics of this tick: a tracking line per clock update from a reference, a
 * statistics line per source that took samples since the last tick. */
static void write_statistics(int64_t real_ns)
{
    const struct rc_tracking *t = &mon.snap.trk;
    FILE *f = statlog_file(STATLOG_TRACKING);
    bool tracking = t->synced && !t->holdover && t->refname[0] != '\0';
    if (f != NULL && tracking && t->ref_time_ns != mon.last_ref_time_ns) {
        statlog_tracking_line(f, t->ref_time_ns, t);
    }
    mon.last_ref_time_ns = t->ref_time_ns;
    f = statlog_file(STATLOG_STATISTICS);
    for (size_t i = 0; i < mon.snap.n_src && i < RC_MAX_SOURCES; i++) {
        const struct rc_src_status *s = &mon.snap.src[i];
        if (f != NULL && s->samples != mon.last_samples[i]) {
            statlog_statistics_line(f, real_ns, s);
        }
        mon.last_samples[i] = s->samples;
    }
    statlog_flush();
}

static void on_tick(void *arg, int64_t mono_ns, int64_t real_ns)
{
    (void)arg;
    rc_get_tracking(&mon.snap.trk);
    size_t n = rc_get_sources(mon.snap.src, RC_MAX_SOURCES);
    mon.snap.n_src = n < RC_MAX_SOURCES ? n : RC_MAX_SOURCES;
    struct event ev[EVD_MAX_EVENTS];
    size_t n_ev = evd_update(&mon.det, &mon.snap, mono_ns, real_ns, ev, EVD_MAX_EVENTS);
    if (mon.command) {
        evc_set_state(mon.snap.trk.stratum, mon.snap.trk.refname);
    }
    for (size_t i = 0; i < n_ev; i++) {
        events_add(&mon.hist, &ev[i]);
        log_event(&ev[i]);
        if (mon.command) {
            evc_offer(&ev[i]);
        }
    }
    if (mon.command) {
        evc_poll();
    }
    write_statistics(real_ns);
}

static void on_sample(void *arg, const struct rc_sample_rec *r)
{
    (void)arg;
    if (r->ntp != NULL) {
        FILE *f = statlog_file(STATLOG_MEASUREMENTS);
        if (f != NULL) {
            statlog_measurement_line(f, r);
        }
        return;
    }
    FILE *f = statlog_file(STATLOG_REFCLOCKS);
    if (f != NULL) {
        statlog_refclock_line(f, r);
    }
}

int mon_start(const struct cfg *cfg, struct clk *clk)
{
    memset(&mon, 0, sizeof(mon));
    evd_init(&mon.det);
    events_init(&mon.hist);
    if (cfg->logmask != 0) {
        int r = statlog_open(cfg->logdir, cfg->logmask);
        if (r < 0) {
            return r;
        }
        mon.logs = true;
    }
    if (cfg->eventcommand[0] != '\0') {
        evc_init(cfg->eventcommand, 0, clk);
        mon.command = true;
        log_info("eventcommand %s: run for each event as %s", cfg->eventcommand,
                 cfg->user[0] != '\0' ? cfg->user : "root (no `user` configured)");
    }
    /* The per-sample hook only when its log is wanted: otherwise the discipline's path
     * stays exactly as it is. */
    struct rc_observer obs = {
        .tick = on_tick,
        .sample = (cfg->logmask &
                   (STATLOG_BIT(STATLOG_REFCLOCKS) | STATLOG_BIT(STATLOG_MEASUREMENTS))) != 0
                      ? on_sample
                      : NULL,
    };
    rc_set_observer(&obs);
    return 0;
}

void mon_reopen(void)
{
    if (mon.logs && statlog_reopen() == 0) {
        log_info("SIGHUP: statistics logs reopened");
    }
}

void mon_stop(void)
{
    rc_set_observer(NULL);
    if (mon.command) {
        evc_shutdown();
        mon.command = false;
    }
    statlog_flush();
    statlog_close();
    mon.logs = false;
}

const struct events *mon_events(void)
{
    return &mon.hist;
}
