/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * webmon: a thin shell. Each second: read the layers, make a history sample, add it; the
 * request rate is the difference of the received counter over the monotonic time between
 * two samples, so a late timer gives a right rate, not a spike. The timer is re-armed against
 * a fixed cadence (next = previous + 1 s), so the samples do not drift later and later.
 */
#include "daemon/webmon.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "daemon/ctl_render.h"
#include "daemon/monitor.h"
#include "refclock/rc.h"
#include "server/nts_ke.h"
#include "server/udp.h"

#define SAMPLE_EVERY_NS NT_NS_PER_S
/* A source with no sample for this long shows as a gap in the plots. */
#define SOURCE_GAP_NS (10 * NT_NS_PER_S)

static struct {
    struct clk *clk;
    struct hist *hist;
    int timer;
    int64_t next_mono_ns;
    int64_t start_mono_ns, start_real_ns;
    int64_t last_mono_ns;
    uint64_t last_received;
    double requests_per_s;       /* NaN until two samples */
    struct rc_src_status sources[RC_MAX_SOURCES];
} wm;

static size_t read_sources(void)
{
    size_t n = rc_get_sources(wm.sources, RC_MAX_SOURCES);
    return n < RC_MAX_SOURCES ? n : RC_MAX_SOURCES;
}

static void sample(void *arg)
{
    (void)arg;
    int64_t mono = clk_now_mono(wm.clk);
    struct srv_counters c;
    udp_get_counters(&c);
    if (wm.last_mono_ns != 0 && mono > wm.last_mono_ns) {
        wm.requests_per_s = (double)(c.received - wm.last_received) /
                             nt_to_s(mono - wm.last_mono_ns);
    }
    wm.last_mono_ns = mono;
    wm.last_received = c.received;
    struct rc_tracking t;
    rc_get_tracking(&t);
    size_t n = read_sources();
    struct hist_sample s;
    hist_sample_from_status(&t, wm.sources, n, wm.requests_per_s, clk_now(wm.clk),
                            SOURCE_GAP_NS, &s);
    hist_add(wm.hist, &s);

    /* The next sample on the cadence; after a stall (a suspended machine), start afresh. */
    wm.next_mono_ns += SAMPLE_EVERY_NS;
    if (wm.next_mono_ns <= mono) {
        wm.next_mono_ns = mono + SAMPLE_EVERY_NS;
    }
    wm.timer = ev_add_timer(wm.next_mono_ns - mono, sample, NULL);
    if (wm.timer < 0) {
        log_warnx("http: no timer left for the history: the plots stop here");
        wm.timer = 0;
    }
}

int wm_start(struct clk *clk)
{
    wm.clk = clk;
    size_t n = read_sources();
    struct hist_params p = {.n_sources = (int)n, .fine_points = WM_FINE_POINTS,
                            .coarse_points = WM_COARSE_POINTS,
                            .coarse_every = WM_COARSE_EVERY,
                            .fine_interval_s = nt_to_s(SAMPLE_EVERY_NS)};
    for (size_t i = 0; i < n; i++) {
        p.names[i] = wm.sources[i].name;
    }
    wm.hist = hist_create(&p);
    if (wm.hist == NULL) {
        log_warnx("http: no memory for the history");
        return -ENOMEM;
    }
    wm.start_mono_ns = clk_now_mono(clk);
    wm.start_real_ns = clk_now(clk);
    wm.last_mono_ns = 0;
    wm.requests_per_s = NAN;
    wm.next_mono_ns = wm.start_mono_ns;
    sample(NULL); /* the first point now: the page has something to show at once */
    return 0;
}

void wm_stop(void)
{
    if (wm.timer > 0) {
        ev_cancel_timer(wm.timer);
    }
    wm.timer = 0;
    hist_destroy(wm.hist);
    wm.hist = NULL;
}

const struct hist *wm_history(void)
{
    return wm.hist;
}

/* How long the server has been in holdover: since the last update from a reference. */
static double holdover_s(const struct rc_tracking *t)
{
    if (!t->holdover || t->ref_time_ns <= 0) {
        return 0;
    }
    int64_t d = clk_now(wm.clk) - t->ref_time_ns;
    return d > 0 ? nt_to_s(d) : 0;
}

void wm_render_metrics(FILE *out, const struct met_http_count *http, size_t n_http,
                        unsigned connections)
{
    struct rc_tracking t;
    rc_get_tracking(&t);
    size_t n = read_sources();
    struct srv_counters c;
    udp_get_counters(&c);
    struct ntske_counters ke;
    ntske_get_counters(&ke);
    struct met_snapshot s = {.version = GN_VERSION,
                             .start_time_s = (double)(wm.start_real_ns / NT_NS_PER_MS) / 1e3,
                             .tracking = &t,
                             .holdover_s = holdover_s(&t),
                             .sources = wm.sources,
                             .n_sources = n,
                             .server = &c,
                             .nts_ke = &ke, /* zeros while NTS is off */
                             .clients_tracked = udp_get_clients_tracked(),
                             .http = http,
                             .n_http = n_http,
                             .http_connections = connections};
    met_render(out, &s);
}

static void put_window(FILE *out, enum hist_window w, bool comma)
{
    fprintf(out, "\"%s\":{\"count\":%zu,\"last_seq\":%llu}%s", hist_window_name(w),
            hist_count(wm.hist, w), (unsigned long long)hist_last_seq(wm.hist, w),
            comma ? "," : "");
}

void wm_render_status(FILE *out)
{
    struct rc_tracking t;
    rc_get_tracking(&t);
    size_t n = read_sources();
    struct srv_counters c;
    udp_get_counters(&c);
    int64_t now = clk_now(wm.clk);
    long long ms = (long long)(now / NT_NS_PER_MS);
    fprintf(out, "{\"version\":\"%s\",\"time\":%lld.%03lld,\"state\":\"%s\",", GN_VERSION,
            ms / 1000, ms % 1000, met_sync_state(&t));
    fprintf(out, "\"holdover_s\":%.3f,\"uptime_s\":%.3f,", holdover_s(&t),
            nt_to_s(clk_now_mono(wm.clk) - wm.start_mono_ns));
    if (isfinite(wm.requests_per_s)) {
        fprintf(out, "\"requests_per_s\":%.6g,", wm.requests_per_s);
    } else {
        fputs("\"requests_per_s\":null,", out);
    }
    fprintf(out, "\"clients_tracked\":%zu,\"tracking\":", udp_get_clients_tracked());
    ctl_render_tracking(out, &t, true);
    fputs(",\"sources\":", out);
    ctl_render_sources_array(out, wm.sources, n);
    fputs(",\"server\":", out);
    struct ntske_counters ke;
    ntske_get_counters(&ke);
    ctl_render_serverstats(out, &c, &ke, true);
    fputs(",\"history\":{", out);
    put_window(out, HIST_FINE, true);
    put_window(out, HIST_COARSE, false);
    fputs("}}\n", out);
}

int wm_events_route(FILE *out, const char *(*query)(void *ctx, const char *key), void *ctx,
                    void *arg)
{
    (void)arg;
    const char *text = query(ctx, "after");
    uint64_t after = 0;
    if (text != NULL) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(text, &end, 10);
        if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0) {
            fputs("{\"error\":\"after: expected an event's sequence number\"}\n", out);
            return 400;
        }
        after = v;
    }
    static struct event ev[EVENTS_MAX];
    size_t n = events_copy(mon_events(), after, ev, EVENTS_MAX);
    ctl_render_events(out, ev, n, true);
    return 200;
}
