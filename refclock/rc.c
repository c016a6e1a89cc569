/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc: the reference-clock layer's shell. Creates a source per `refclock` line, runs each
 * driver's lifecycle in the event loop (open, read or poll, reconnect with backoff when the
 * device goes away), turns driver reports into dsc (the discipline core) calls, ticks the core
 * every second, and keeps the files that survive a restart: the drift file and the last
 * valid reference time (the NMEA week-rollover pivot).
 */
#include "refclock/rc.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "refclock/dsc.h"
#include "refclock/leap.h"
#include "refclock/persist.h"

#define BACKOFF_MIN_NS (1 * NT_NS_PER_S)
#define BACKOFF_MAX_NS (60 * NT_NS_PER_S)
/* While a device path is missing, whether it has appeared is checked this often: a receiver
 * plugged back in is opened within a second, not at the end of a minute's backoff. */
#define HOTPLUG_CHECK_NS (1 * NT_NS_PER_S)
#define NO_DATA_NS (3 * NT_NS_PER_S)
#define DRIFT_EVERY_TICKS 3600
#define LASTTIME_EVERY_TICKS 600

/* A source: the driver's view (first, so a drv_src pointer is an rc_src pointer) and the
 * lifecycle around it. */
struct rc_src {
    struct drv_src d;
    const struct rc_source_cfg *cfg;
    int index;               /* in the dsc core */
    enum drv_state state;
    int fd;                  /* watched fd, -1 */
    bool is_open;
    int64_t backoff_ns;
    int reopen_timer, poll_timer, hotplug_timer;
    int open_error;          /* the last open's errno, 0 once open */
    int64_t retry_at_mono;   /* when the next open is tried */
    int64_t last_data_mono; /* any report */
};

static struct {
    struct clk *clk;
    const struct rc_params *p;
    struct dsc dsc;
    struct leap_table leaps;
    struct rc_src src[RC_MAX_SOURCES];
    int n_src;
    int tick_timer;
    int64_t last_valid_ref_ns;
    struct rc_observer obs;
} rc;

static struct rc_src *src_of(struct drv_src *d)
{
    return (struct rc_src *)d;
}

/* --- the drivers' host ----------------------------------------------------------------- */

static void host_set_state(struct drv_src *d, enum drv_state st)
{
    struct rc_src *src = src_of(d);
    int64_t mono = clk_now_mono(rc.clk);
    src->last_data_mono = mono;
    if (st == DRV_STATE_NO_FIX) {
        dsc_no_fix(&rc.dsc, src->index, mono);
    }
    src->state = st;
}

/* The monotonic time of an event the clock stamped local_ns (a little in the past); false
 * when a clock step makes it ambiguous (counted, dropped). */
static bool mono_of(struct rc_src *src, int64_t local_ns, int64_t *mono, int64_t *now_mono)
{
    *now_mono = clk_now_mono(rc.clk);
    if (!dsc_mono_of(&rc.dsc, *now_mono, clk_now(rc.clk), local_ns, mono)) {
        drv_count(&src->d, DRV_CNT_STALE);
        log_debug("%s: sample stamped across a clock step: dropped", src->d.name);
        return false;
    }
    return true;
}

static void host_add_sample(struct drv_src *d, int64_t local_ns, int64_t ref_ns,
                            enum clk_leap leap)
{
    struct rc_src *src = src_of(d);
    int64_t now, mono;
    bool ok = mono_of(src, local_ns, &mono, &now);
    src->last_data_mono = now;
    src->state = DRV_STATE_OK;
    if (ok) {
        dsc_sample(&rc.dsc, src->index, mono, local_ns, ref_ns, leap);
    }
}

static void host_add_pulse(struct drv_src *d, int64_t local_ns, uint64_t seq)
{
    (void)seq; /* drivers de-duplicate; the core checks intervals */
    struct rc_src *src = src_of(d);
    int64_t now, mono;
    bool ok = mono_of(src, local_ns, &mono, &now);
    src->last_data_mono = now;
    src->state = DRV_STATE_OK;
    dsc_set_pulse_source(&rc.dsc, src->index);
    if (ok) {
        dsc_pulse(&rc.dsc, src->index, mono, local_ns);
    }
}

static void host_add_ntp_sample(struct drv_src *d, const struct drv_ntp_sample *m)
{
    struct rc_src *src = src_of(d);
    int64_t now, mono;
    bool ok = mono_of(src, m->local_ns, &mono, &now);
    src->last_data_mono = now;
    if (ok) {
        dsc_ntp_sample(&rc.dsc, src->index, mono, m);
    }
}

/* What our packets say of us in symmetric mode: the state the server publishes. */
static void host_get_self(struct drv_src *d, struct ntpc_self *out)
{
    (void)d;
    const struct rst_state *st = &rc.dsc.out.st;
    *out = (struct ntpc_self){
        .leap = st->synced ? (int)st->leap : RST_LEAP_ALARM,
        .stratum = st->synced ? st->stratum : 16,
        .precision = rc.dsc.p.precision,
        .root_delay_s = st->root_delay_s,
        .root_disp_s = st->synced ? rst_distance(st, clk_now(rc.clk)) - st->root_delay_s / 2 : 0,
        .refid = st->refid,
        .ref_time_ns = st->ref_time_ns,
    };
}

static int host_watch_fd(struct drv_src *d, int fd);

static const struct drv_host host = {
    .add_sample = host_add_sample,
    .add_pulse = host_add_pulse,
    .set_state = host_set_state,
    .watch_fd = host_watch_fd,
    .add_ntp_sample = host_add_ntp_sample,
    .get_self = host_get_self,
};

/* --- lifecycle ------------------------------------------------------------------------- */

static void open_source(void *arg);

static void on_readable(int fd, short revents, void *arg);

static int host_watch_fd(struct drv_src *d, int fd)
{
    struct rc_src *src = src_of(d);
    src->fd = fd;
    return ev_add_fd(fd, POLLIN, on_readable, src);
}

static void close_source(struct rc_src *src)
{
    if (src->fd >= 0) {
        ev_del_fd(src->fd);
        src->fd = -1;
    }
    ev_cancel_timer(src->poll_timer);
    src->poll_timer = 0;
    if (src->is_open) {
        src->d.drv->close(&src->d);
        src->is_open = false;
    }
}

static void watch_hotplug(void *arg);

static bool device_path(const struct rc_src *src)
{
    return src->cfg->param[0] == '/';
}

static void schedule_reopen(struct rc_src *src)
{
    src->state = DRV_STATE_RECONNECTING;
    src->reopen_timer = ev_add_timer(src->backoff_ns, open_source, src);
    src->backoff_ns = src->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : src->backoff_ns * 2;
    if (device_path(src) && src->hotplug_timer == 0 && access(src->cfg->param, F_OK) != 0) {
        src->hotplug_timer = ev_add_timer(HOTPLUG_CHECK_NS, watch_hotplug, src);
    }
}

/* The device's path was missing when the reopen was scheduled: open as soon as it is back. */
static void watch_hotplug(void *arg)
{
    struct rc_src *src = arg;
    src->hotplug_timer = 0;
    if (src->state != DRV_STATE_RECONNECTING || src->reopen_timer == 0) {
        return;
    }
    if (access(src->cfg->param, F_OK) != 0) {
        src->hotplug_timer = ev_add_timer(HOTPLUG_CHECK_NS, watch_hotplug, src);
        return;
    }
    ev_cancel_timer(src->reopen_timer);
    open_source(src);
}

static void device_lost(struct rc_src *src, int err)
{
    if (src->state != DRV_STATE_RECONNECTING) {
        log_warnx("%s: %s: device lost (%s); reconnecting", src->d.name, src->cfg->param,
                  strerror(-err));
    }
    close_source(src);
    schedule_reopen(src);
}

static void on_readable(int fd, short revents, void *arg)
{
    (void)fd;
    (void)revents;
    struct rc_src *src = arg;
    int rc_ = src->d.drv->on_readable(&src->d, src->fd);
    if (rc_ < 0) {
        device_lost(src, rc_);
    }
}

static int64_t poll_delay(struct rc_src *src)
{
    return src->d.drv->poll_delay != NULL ? src->d.drv->poll_delay(&src->d)
                                          : src->d.drv->poll_interval_ns;
}

static void on_poll(void *arg)
{
    struct rc_src *src = arg;
    src->poll_timer = 0;
    int r = src->d.drv->poll(&src->d);
    if (r < 0) {
        device_lost(src, r);
        return;
    }
    src->poll_timer = ev_add_timer(poll_delay(src), on_poll, src);
}

static void open_source(void *arg)
{
    struct rc_src *src = arg;
    src->reopen_timer = 0;
    bool was_reconnecting = src->state == DRV_STATE_RECONNECTING;
    int r = src->d.drv->open(&src->d);
    if (r < 0) {
        /* The close callback must be safe after a failed open. */
        src->d.drv->close(&src->d);
        if (src->fd >= 0) {
            ev_del_fd(src->fd);
            src->fd = -1;
        }
        /* Every failure is logged, with the backoff (1 s doubling to a minute): a permission
         * problem (the service user not in the device's group) must not hide after the
         * first line. */
        src->open_error = -r;
        src->retry_at_mono = clk_now_mono(rc.clk) + src->backoff_ns;
        log_warnx("%s: %s: cannot open: %s; retrying in %.0f s", src->d.name, src->cfg->param,
                  strerror(-r), nt_to_s(src->backoff_ns));
        schedule_reopen(src);
        return;
    }
    src->is_open = true;
    src->open_error = 0;
    if (was_reconnecting) {
        drv_count(&src->d, DRV_CNT_RECONNECT);
        log_info("%s: %s: device back", src->d.name, src->cfg->param);
    } else {
        log_info("%s: %s opened", src->d.name, src->cfg->param);
    }
    src->backoff_ns = BACKOFF_MIN_NS;
    src->state = DRV_STATE_OPEN;
    src->last_data_mono = clk_now_mono(rc.clk);
    if (src->d.drv->poll != NULL) {
        src->poll_timer = ev_add_timer(poll_delay(src), on_poll, src);
    }
}

/* --- persistent files ------------------------------------------------------------------ */

static void save_drift(void)
{
    double freq, skew;
    if (rc.p->driftfile[0] == '\0' || !dsc_drift(&rc.dsc, &freq, &skew)) {
        return;
    }
    int r = pst_write_drift(rc.p->driftfile, freq, skew);
    if (r < 0) {
        log_warnx("drift file %s: cannot write: %s", rc.p->driftfile, strerror(-r));
    }
}

/* Returns true when the drift file was read. */
static bool load_drift(double *freq_ppm, double *skew_ppm)
{
    if (rc.p->driftfile[0] == '\0') {
        return false;
    }
    int r = pst_read_drift(rc.p->driftfile, freq_ppm, skew_ppm);
    if (r == -ENOENT) {
        return false;
    }
    if (r < 0) {
        log_warnx("drift file %s: %s; ignored", rc.p->driftfile,
                  r == -EINVAL ? "not understood" : strerror(-r));
        return false;
    }
    log_info("drift file %s: %.3f ppm %s, skew %.3f ppm", rc.p->driftfile, fabs(*freq_ppm),
             *freq_ppm >= 0 ? "fast" : "slow", *skew_ppm);
    return true;
}

static void lasttime_path(char *buf, size_t len)
{
    snprintf(buf, len, "%s/lasttime", rc.p->dumpdir);
}

static void save_lasttime(void)
{
    if (rc.p->dumpdir[0] == '\0' || rc.last_valid_ref_ns == 0) {
        return;
    }
    char path[PATH_MAX + 16];
    lasttime_path(path, sizeof(path));
    int r = pst_write_lasttime(path, rc.last_valid_ref_ns);
    if (r < 0) {
        log_warnx("%s: cannot write: %s", path, strerror(-r));
    }
}

/* The week-rollover pivot: the latest of the build date, `mindate` and the last valid time
 * persisted. Never the system clock: an isolated box may boot with no RTC. */
static int64_t compute_pivot(void)
{
    int64_t pivot = 0;
    nt_parse_date(GN_BUILD_DATE, &pivot);
    if (rc.p->mindate_ns > pivot) {
        pivot = rc.p->mindate_ns;
    }
    if (rc.p->dumpdir[0] != '\0') {
        char path[PATH_MAX + 16];
        lasttime_path(path, sizeof(path));
        int64_t t;
        if (pst_read_lasttime(path, &t) == 0 && t > pivot) {
            pivot = t;
        }
    }
    return pivot;
}

/* --- the daemon's side ----------------------------------------------------------------- */

static void on_tick(void *arg)
{
    (void)arg;
    int64_t mono = clk_now_mono(rc.clk);
    int64_t real = clk_now(rc.clk);
    for (int i = 0; i < rc.n_src; i++) {
        struct rc_src *s = &rc.src[i];
        /* NTP sources report once a poll and say themselves when they are unreachable. */
        if (!s->d.drv->ntp &&
            (s->state == DRV_STATE_OPEN || s->state == DRV_STATE_OK ||
             s->state == DRV_STATE_NO_FIX) &&
            mono - s->last_data_mono > NO_DATA_NS) {
            s->state = DRV_STATE_NO_DATA;
        }
    }
    dsc_tick(&rc.dsc, mono, real);
    if (dsc_mode(&rc.dsc) == RST_TRACKING) {
        /* The clock is right: its time is a safe floor for the next start's pivot. */
        rc.last_valid_ref_ns = clk_now(rc.clk);
    }
    if (rc.dsc.ticks % DRIFT_EVERY_TICKS == 0) {
        save_drift();
    }
    if (rc.dsc.ticks % LASTTIME_EVERY_TICKS == 0) {
        save_lasttime();
    }
    if (rc.obs.tick != NULL) {
        rc.obs.tick(rc.obs.arg, mono, clk_now(rc.clk)); /* after a step, if any */
    }
    /* Tick on the second boundary of the monotonic clock, so ticks do not drift. */
    int64_t next = NT_NS_PER_S - clk_now_mono(rc.clk) % NT_NS_PER_S;
    rc.tick_timer = ev_add_timer(next, on_tick, NULL);
}

/* Measure the clock's reading precision as chrony does: the mean interval between distinct
 * consecutive readings, as a power of two (rounded up: a claim, not a boast). Bounded in
 * count, so a clock that does not move (a stopped simulation) gives the coarsest answer. */
static int8_t measure_precision(struct clk *clk)
{
    int64_t sum = 0;
    int n = 0;
    int64_t prev = clk_now(clk);
    for (int i = 0; i < 20000 && n < 100; i++) {
        int64_t t = clk_now(clk);
        if (t > prev) {
            sum += t - prev;
            n++;
        }
        prev = t;
    }
    if (n == 0) {
        return 0;
    }
    int p = (int)ceil(log2(nt_to_s(sum / n > 0 ? sum / n : 1)));
    return (int8_t)(p < -30 ? -30 : p > 0 ? 0 : p);
}

static uint32_t refid_of(const char *s)
{
    uint8_t b[4] = {0};
    memcpy(b, s, strnlen(s, 4));
    return RST_REFID(b[0], b[1], b[2], b[3]);
}

/* The core's view of one configured source. */
static struct dsc_src_cfg core_cfg(const struct rc_source_cfg *c, const char *name)
{
    bool pulse = c->driver->pulses;
    struct dsc_src_cfg dc = {
        .refid = refid_of(c->refid),
        .pps = pulse,
        .lock = -1,
        .offset_s = c->offset_s,
        .delay_s = c->delay_s,
        /* NMEA and gpsd times are only as good as the latency calibration (`offset`):
         * without a configured precision, own 1 ms of it in the root dispersion. */
        .precision_s = c->precision_s > 0 ? c->precision_s : pulse ? 0 : 1e-3,
        .width_s = c->width_s,
        .filter = c->filter,
        .noselect = c->noselect,
        .prefer = c->prefer,
        .ntp = c->driver->ntp,
    };
    if (dc.ntp) {
        dc.refid = 0; /* its address, known once resolved (drv_ntp_sample.addr_refid) */
        dc.precision_s = 0;
    }
    snprintf(dc.name, sizeof(dc.name), "%s", name);
    return dc;
}

/* Name the source after its driver ("nmea0", "nmea1", "pps0"), set up the driver's view. */
static int add_source(const struct rc_source_cfg *c, int64_t pivot_ns)
{
    int k = 0;
    for (int i = 0; i < rc.n_src; i++) {
        k += rc.src[i].d.drv == c->driver;
    }
    struct rc_src *s = &rc.src[rc.n_src];
    memset(s, 0, sizeof(*s));
    s->d = (struct drv_src){.drv = c->driver, .host = &host, .param = c->param,
                            .opts = c->opts, .n_opts = c->n_opts, .clk = rc.clk,
                            .keys = rc.p->keys, .pivot_ns = pivot_ns};
    snprintf(s->d.name, sizeof(s->d.name), "%s%d", c->driver->name, k);
    s->cfg = c;
    s->fd = -1;
    s->backoff_ns = BACKOFF_MIN_NS;
    if (c->driver->priv_size > 0 && (s->d.priv = calloc(1, c->driver->priv_size)) == NULL) {
        return -ENOMEM;
    }
    struct dsc_src_cfg dc = core_cfg(c, s->d.name);
    s->index = dsc_add_source(&rc.dsc, &dc);
    rc.n_src++;
    return 0;
}

/* `lock REFID`: resolved once all sources exist. */
static int resolve_locks(void)
{
    for (int i = 0; i < rc.n_src; i++) {
        const char *lock = rc.src[i].cfg->lock;
        struct dsc_src_cfg *dc = &rc.dsc.src[rc.src[i].index].cfg;
        if (lock[0] == '\0') {
            continue;
        }
        uint32_t want = refid_of(lock);
        for (int j = 0; j < rc.n_src; j++) {
            if (j != i && rc.dsc.src[rc.src[j].index].cfg.refid == want) {
                dc->lock = rc.src[j].index;
            }
        }
        if (dc->lock < 0) {
            log_err("%s: lock %s: no refclock has that refid", rc.src[i].d.name, lock);
            return -EINVAL;
        }
    }
    return 0;
}

int rc_init(struct clk *clk, const struct rc_params *p)
{
    memset(&rc, 0, sizeof(rc));
    rc.clk = clk;
    rc.p = p;
    if (p->leapseclist[0] != '\0' && leap_load(p->leapseclist, &rc.leaps) < 0) {
        return -EINVAL;
    }
    double freq = 0, skew = 0;
    bool have_drift = load_drift(&freq, &skew);
    struct dsc_params dp = {
        .servo = {.makestep_threshold_s = p->makestep_threshold_s,
                  .makestep_limit = p->makestep_limit,
                  .maxslew_ppm = p->maxslewrate_ppm},
        .maxholdover_s = p->maxholdover_s,
        .local_stratum = p->local_stratum,
        .maxjump_s = p->maxjump_s,
        .jumppersist_s = p->jumppersist_s,
        .leaps = p->leapseclist[0] != '\0' ? &rc.leaps : NULL,
        .have_drift = have_drift,
        .drift_freq_ppm = freq,
        .drift_skew_ppm = skew,
        .precision = measure_precision(clk),
    };
    log_debug("clock %s: precision 2^%d s", clk->ops->name, dp.precision);
    dsc_init(&rc.dsc, clk, &dp, clk_now_mono(clk));
    int64_t pivot = compute_pivot();
    for (int i = 0; i < p->n_sources; i++) {
        int r = add_source(&p->sources[i], pivot);
        if (r < 0) {
            return r;
        }
    }
    int r = resolve_locks();
    if (r < 0) {
        return r;
    }
    /* Publish the start state at once: unsynchronized, or the local stratum fallback. */
    dsc_tick(&rc.dsc, clk_now_mono(clk), clk_now(clk));
    return 0;
}

int rc_start(void)
{
    for (int i = 0; i < rc.n_src; i++) {
        /* A receiver that is not plugged in yet is not fatal: it is retried. */
        open_source(&rc.src[i]);
    }
    rc.tick_timer = ev_add_timer(NT_NS_PER_S, on_tick, NULL);
    return 0;
}

void rc_shutdown(void)
{
    for (int i = 0; i < rc.n_src; i++) {
        close_source(&rc.src[i]);
        ev_cancel_timer(rc.src[i].reopen_timer);
        ev_cancel_timer(rc.src[i].hotplug_timer);
        free(rc.src[i].d.priv);
        rc.src[i].d.priv = NULL;
    }
    ev_cancel_timer(rc.tick_timer);
    save_drift();
    save_lasttime();
    rc.n_src = 0;
}

void rc_set_observer(const struct rc_observer *o)
{
    rc.obs = o != NULL ? *o : (struct rc_observer){0};
    dsc_set_sample_hook(&rc.dsc, rc.obs.sample, rc.obs.arg);
}

void rc_request_makestep(void)
{
    dsc_request_makestep(&rc.dsc);
}

size_t rc_get_sources(struct rc_src_status *out, size_t max)
{
    for (int i = 0; i < rc.n_src && (size_t)i < max; i++) {
        struct rc_src *s = &rc.src[i];
        struct rc_src_status *o = &out[i];
        memset(o, 0, sizeof(*o));
        snprintf(o->name, sizeof(o->name), "%s", s->d.name);
        snprintf(o->driver, sizeof(o->driver), "%s", s->d.drv->name);
        const char *port = s->d.drv->ntp ? drv_option(&s->d, "port") : NULL;
        snprintf(o->param, sizeof(o->param), port != NULL ? "%s:%s" : "%s", s->cfg->param,
                 port != NULL ? port : "");
        snprintf(o->refid, sizeof(o->refid), "%s", s->cfg->refid);
        o->state = s->state;
        memcpy(o->counters, s->d.counters, sizeof(o->counters));
        o->retry_in_s = NAN;
        if (!s->is_open && s->open_error != 0) {
            snprintf(o->error, sizeof(o->error), "%s", strerror(s->open_error));
            o->retry_in_s = fmax(nt_to_s(s->retry_at_mono - clk_now_mono(rc.clk)), 0);
        }
        dsc_get_source(&rc.dsc, s->index, clk_now_mono(rc.clk), o);
        o->kind = !s->d.drv->ntp ? RC_KIND_REFCLOCK
                  : s->d.drv->name[0] == 'p' ? RC_KIND_PEER : RC_KIND_SERVER;
        o->poll = 0;
        o->delay_s = NAN;
        o->remote_refid = 0;
        if (s->d.drv->ntp_status != NULL && s->is_open) {
            struct drv_ntp_status ns;
            s->d.drv->ntp_status(&s->d, &ns);
            o->poll = ns.poll;
            o->delay_s = ns.delay_s;
            o->remote_refid = ns.refid;
            if (o->stratum < 0 && ns.stratum > 0) {
                o->stratum = ns.stratum;
            }
            o->reach = ns.reach; /* the protocol's register: one bit per request */
        }
    }
    return (size_t)rc.n_src;
}

void rc_get_tracking(struct rc_tracking *out)
{
    dsc_get_tracking(&rc.dsc, clk_now_mono(rc.clk), clk_now(rc.clk), out);
}
