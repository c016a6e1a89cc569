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

#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "refclock/dsc.h"
#include "refclock/leap.h"
#include "refclock/persist.h"
#include "server/cfg.h"
#include "server/srv.h"

#define BACKOFF_MIN_NS (1 * NT_NS_PER_S)
#define BACKOFF_MAX_NS (60 * NT_NS_PER_S)
#define NO_DATA_NS (3 * NT_NS_PER_S)
#define DRIFT_EVERY_TICKS 3600
#define LASTTIME_EVERY_TICKS 600

struct rc_src {
    const struct rc_driver *drv;
    const struct cfg_refclock *cfg;
    char name[16];
    int index;               /* in the dsc core */
    void *priv;
    enum rc_state state;
    int fd;                  /* watched fd, -1 */
    bool is_open;
    int64_t backoff_ns;
    int reopen_timer, poll_timer;
    int64_t last_data_mono; /* any report */
    uint64_t counters[RC_CNT__COUNT];
};

static struct {
    struct clk *clk;
    const struct cfg *cfg;
    struct dsc dsc;
    struct leap_table leaps;
    struct rc_src src[CFG_MAX_REFCLOCKS];
    int n_src;
    int64_t pivot_ns;
    int tick_timer;
    int64_t last_valid_ref_ns;
} rc;

const char *rc_state_name(enum rc_state st)
{
    switch (st) {
    case RC_STATE_CLOSED: return "closed";
    case RC_STATE_OPEN: return "open";
    case RC_STATE_NO_DATA: return "no data";
    case RC_STATE_NO_FIX: return "no fix";
    case RC_STATE_OK: return "OK";
    case RC_STATE_RECONNECTING: return "reconnecting";
    }
    return "?";
}

const char *rc_counter_name(enum rc_counter c)
{
    static const char *const names[RC_CNT__COUNT] = {
        [RC_CNT_BAD_CHECKSUM] = "bad_checksum", [RC_CNT_BAD_FORMAT] = "bad_format",
        [RC_CNT_BAD_LENGTH] = "bad_length",     [RC_CNT_NO_FIX] = "no_fix",
        [RC_CNT_STALE] = "stale",               [RC_CNT_TORN] = "torn",
        [RC_CNT_MISSED_PULSE] = "missed_pulse", [RC_CNT_PULSE_REJECTED] = "pulse_rejected",
        [RC_CNT_OUTLIER] = "outlier",           [RC_CNT_JUMP] = "jump",
        [RC_CNT_RECONNECT] = "reconnect",
    };
    return (unsigned)c < RC_CNT__COUNT ? names[c] : "?";
}

/* --- for drivers ----------------------------------------------------------------------- */

void *rc_priv(struct rc_src *src) { return src->priv; }
const char *rc_name(const struct rc_src *src) { return src->name; }
const char *rc_param(const struct rc_src *src) { return src->cfg->param; }
struct clk *rc_clock(struct rc_src *src) { (void)src; return rc.clk; }
int64_t rc_pivot_ns(const struct rc_src *src) { (void)src; return rc.pivot_ns; }

const char *rc_option(const struct rc_src *src, const char *key)
{
    for (int i = 0; i < src->cfg->n_opts; i++) {
        if (strcmp(src->cfg->opts[i].key, key) == 0) {
            return src->cfg->opts[i].value;
        }
    }
    return NULL;
}

void rc_count(struct rc_src *src, enum rc_counter c)
{
    if ((unsigned)c < RC_CNT__COUNT) {
        src->counters[c]++;
    }
}

void rc_set_state(struct rc_src *src, enum rc_state st)
{
    int64_t mono = clk_now_mono(rc.clk);
    src->last_data_mono = mono;
    if (st == RC_STATE_NO_FIX) {
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
        src->counters[RC_CNT_STALE]++;
        log_debug("%s: sample stamped across a clock step: dropped", src->name);
        return false;
    }
    return true;
}

void rc_add_sample(struct rc_src *src, int64_t local_ns, int64_t ref_ns, enum clk_leap leap)
{
    int64_t now, mono;
    bool ok = mono_of(src, local_ns, &mono, &now);
    src->last_data_mono = now;
    src->state = RC_STATE_OK;
    if (ok) {
        dsc_sample(&rc.dsc, src->index, mono, local_ns, ref_ns, leap);
    }
}

void rc_add_pulse(struct rc_src *src, int64_t local_ns, uint64_t seq)
{
    (void)seq; /* drivers de-duplicate; the core checks intervals */
    int64_t now, mono;
    bool ok = mono_of(src, local_ns, &mono, &now);
    src->last_data_mono = now;
    src->state = RC_STATE_OK;
    dsc_set_pulse_source(&rc.dsc, src->index);
    if (ok) {
        dsc_pulse(&rc.dsc, src->index, mono, local_ns);
    }
}

/* --- lifecycle ------------------------------------------------------------------------- */

static void open_source(void *arg);

static void on_readable(int fd, short revents, void *arg);

int rc_watch_fd(struct rc_src *src, int fd)
{
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
        src->drv->close(src);
        src->is_open = false;
    }
}

static void schedule_reopen(struct rc_src *src)
{
    src->state = RC_STATE_RECONNECTING;
    src->reopen_timer = ev_add_timer(src->backoff_ns, open_source, src);
    src->backoff_ns = src->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : src->backoff_ns * 2;
}

static void device_lost(struct rc_src *src, int err)
{
    if (src->state != RC_STATE_RECONNECTING) {
        log_warnx("%s: %s: device lost (%s); reconnecting", src->name, src->cfg->param,
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
    int rc_ = src->drv->on_readable(src, src->fd);
    if (rc_ < 0) {
        device_lost(src, rc_);
    }
}

static void on_poll(void *arg)
{
    struct rc_src *src = arg;
    src->poll_timer = 0;
    int r = src->drv->poll(src);
    if (r < 0) {
        device_lost(src, r);
        return;
    }
    src->poll_timer = ev_add_timer(src->drv->poll_interval_ns, on_poll, src);
}

static void open_source(void *arg)
{
    struct rc_src *src = arg;
    src->reopen_timer = 0;
    bool was_reconnecting = src->state == RC_STATE_RECONNECTING;
    int r = src->drv->open(src);
    if (r < 0) {
        /* The close callback must be safe after a failed open. */
        src->drv->close(src);
        if (src->fd >= 0) {
            ev_del_fd(src->fd);
            src->fd = -1;
        }
        if (!was_reconnecting) {
            log_warnx("%s: %s: cannot open: %s; retrying", src->name, src->cfg->param,
                      strerror(-r));
        }
        schedule_reopen(src);
        return;
    }
    src->is_open = true;
    if (was_reconnecting) {
        src->counters[RC_CNT_RECONNECT]++;
        log_info("%s: %s: device back", src->name, src->cfg->param);
    }
    src->backoff_ns = BACKOFF_MIN_NS;
    src->state = RC_STATE_OPEN;
    src->last_data_mono = clk_now_mono(rc.clk);
    if (src->drv->poll != NULL) {
        src->poll_timer = ev_add_timer(src->drv->poll_interval_ns, on_poll, src);
    }
}

/* --- persistent files ------------------------------------------------------------------ */

static void save_drift(void)
{
    double freq, skew;
    if (rc.cfg->driftfile[0] == '\0' || !dsc_drift(&rc.dsc, &freq, &skew)) {
        return;
    }
    int r = pst_write_drift(rc.cfg->driftfile, freq, skew);
    if (r < 0) {
        log_warnx("drift file %s: cannot write: %s", rc.cfg->driftfile, strerror(-r));
    }
}

/* Returns true when the drift file was read. */
static bool load_drift(double *freq_ppm, double *skew_ppm)
{
    if (rc.cfg->driftfile[0] == '\0') {
        return false;
    }
    int r = pst_read_drift(rc.cfg->driftfile, freq_ppm, skew_ppm);
    if (r == -ENOENT) {
        return false;
    }
    if (r < 0) {
        log_warnx("drift file %s: %s; ignored", rc.cfg->driftfile,
                  r == -EINVAL ? "not understood" : strerror(-r));
        return false;
    }
    log_info("drift file %s: %.3f ppm %s, skew %.3f ppm", rc.cfg->driftfile, fabs(*freq_ppm),
             *freq_ppm >= 0 ? "fast" : "slow", *skew_ppm);
    return true;
}

static void lasttime_path(char *buf, size_t len)
{
    snprintf(buf, len, "%s/lasttime", rc.cfg->dumpdir);
}

static void save_lasttime(void)
{
    if (rc.cfg->dumpdir[0] == '\0' || rc.last_valid_ref_ns == 0) {
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
    if (rc.cfg->mindate_ns > pivot) {
        pivot = rc.cfg->mindate_ns;
    }
    if (rc.cfg->dumpdir[0] != '\0') {
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
        if ((s->state == RC_STATE_OPEN || s->state == RC_STATE_OK ||
             s->state == RC_STATE_NO_FIX) &&
            mono - s->last_data_mono > NO_DATA_NS) {
            s->state = RC_STATE_NO_DATA;
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
    return SRV_REFID(b[0], b[1], b[2], b[3]);
}

int rc_init(struct clk *clk, const struct cfg *cfg)
{
    memset(&rc, 0, sizeof(rc));
    rc.clk = clk;
    rc.cfg = cfg;
    rc.pivot_ns = compute_pivot();
    if (cfg->leapseclist[0] != '\0' && leap_load(cfg->leapseclist, &rc.leaps) < 0) {
        return -EINVAL;
    }
    double freq = 0, skew = 0;
    bool have_drift = load_drift(&freq, &skew);
    struct dsc_params p = {
        .servo = {.kind = SERVO_KALMAN,
                  .makestep_threshold_s = cfg->makestep_threshold_s,
                  .makestep_limit = cfg->makestep_limit,
                  .maxslew_ppm = cfg->maxslewrate_ppm},
        .maxholdover_s = cfg->maxholdover_s,
        .local_stratum = cfg->local_stratum,
        .maxjump_s = cfg->maxjump_s,
        .jumppersist_s = cfg->jumppersist_s,
        .leaps = cfg->leapseclist[0] != '\0' ? &rc.leaps : NULL,
        .have_drift = have_drift,
        .drift_freq_ppm = freq,
        .drift_skew_ppm = skew,
        .precision = measure_precision(clk),
    };
    log_debug("clock %s: precision 2^%d s", clk->ops->name, p.precision);
    dsc_init(&rc.dsc, clk, &p, clk_now_mono(clk));

    int per_driver[16] = {0};
    for (int i = 0; i < cfg->n_refclocks; i++) {
        const struct cfg_refclock *c = &cfg->refclocks[i];
        struct rc_src *s = &rc.src[rc.n_src];
        s->drv = rc_driver_find(c->driver);
        if (s->drv == NULL) {
            log_err("%s:%d: unknown refclock driver %s", cfg->path, c->line, c->driver);
            return -EINVAL;
        }
        int k = 0;
        while (rc_drivers[k] != s->drv) {
            k++;
        }
        snprintf(s->name, sizeof(s->name), "%s%d", s->drv->name, per_driver[k]++);
        s->cfg = c;
        s->fd = -1;
        s->backoff_ns = BACKOFF_MIN_NS;
        s->priv = s->drv->priv_size ? calloc(1, s->drv->priv_size) : NULL;
        if (s->drv->priv_size && s->priv == NULL) {
            return -ENOMEM;
        }
        bool pulse = strcmp(s->drv->name, "pps") == 0;
        struct dsc_src_cfg dc = {
            .refid = refid_of(c->refid[0] != '\0' ? c->refid : pulse ? "PPS" : "GPS"),
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
        };
        snprintf(dc.name, sizeof(dc.name), "%s", s->name);
        s->index = dsc_add_source(&rc.dsc, &dc);
        rc.n_src++;
    }
    /* `lock REFID`: resolved once all sources exist. */
    for (int i = 0; i < rc.n_src; i++) {
        const char *lock = rc.src[i].cfg->lock;
        if (lock[0] == '\0') {
            continue;
        }
        uint32_t want = refid_of(lock);
        for (int j = 0; j < rc.n_src; j++) {
            if (j != i && rc.dsc.src[rc.src[j].index].cfg.refid == want) {
                rc.dsc.src[rc.src[i].index].cfg.lock = rc.src[j].index;
            }
        }
        if (rc.dsc.src[rc.src[i].index].cfg.lock < 0) {
            log_err("%s:%d: %s: lock %s: no refclock has that refid", cfg->path,
                    rc.src[i].cfg->line, rc.src[i].name, lock);
            return -EINVAL;
        }
    }
    /* Publish the start state at once: unsynchronized, or the local stratum fallback. */
    dsc_tick(&rc.dsc, clk_now_mono(clk), clk_now(clk));
    return 0;
}

int rc_start(void)
{
    for (int i = 0; i < rc.n_src; i++) {
        struct rc_src *s = &rc.src[i];
        int r = s->drv->open(s);
        if (r < 0) {
            s->drv->close(s);
            /* A receiver that is not plugged in yet is not fatal: keep trying. */
            log_warnx("%s: %s: cannot open: %s; will retry", s->name, s->cfg->param,
                      strerror(-r));
            schedule_reopen(s);
            continue;
        }
        s->is_open = true;
        s->state = RC_STATE_OPEN;
        s->last_data_mono = clk_now_mono(rc.clk);
        if (s->drv->poll != NULL) {
            s->poll_timer = ev_add_timer(s->drv->poll_interval_ns, on_poll, s);
        }
        log_info("%s: %s opened", s->name, s->cfg->param);
    }
    rc.tick_timer = ev_add_timer(NT_NS_PER_S, on_tick, NULL);
    return 0;
}

void rc_shutdown(void)
{
    for (int i = 0; i < rc.n_src; i++) {
        close_source(&rc.src[i]);
        ev_cancel_timer(rc.src[i].reopen_timer);
        free(rc.src[i].priv);
        rc.src[i].priv = NULL;
    }
    ev_cancel_timer(rc.tick_timer);
    save_drift();
    save_lasttime();
    rc.n_src = 0;
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
        snprintf(o->name, sizeof(o->name), "%s", s->name);
        snprintf(o->driver, sizeof(o->driver), "%s", s->drv->name);
        snprintf(o->param, sizeof(o->param), "%s", s->cfg->param);
        snprintf(o->refid, sizeof(o->refid), "%s", s->cfg->refid);
        o->state = s->state;
        memcpy(o->counters, s->counters, sizeof(o->counters));
        dsc_get_source(&rc.dsc, s->index, clk_now_mono(rc.clk), o);
    }
    return (size_t)rc.n_src;
}

void rc_get_tracking(struct rc_tracking *out)
{
    dsc_get_tracking(&rc.dsc, clk_now_mono(rc.clk), clk_now(rc.clk), out);
}
