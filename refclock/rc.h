/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc: the reference-clock layer. Drivers (drivers/, drv.h) open a device, read it and report
 * what they saw; everything numeric lives here once: the configured offset and delay,
 * filtering, validity windows, PPS pulses locked to a coarse source's seconds, reachability,
 * counters, source selection and the clock discipline, which publishes the reference state
 * the NTP server reads (refstate.h). This layer runs each driver's lifecycle: it opens it,
 * watches or polls it, and when it reports its device gone, closes it, shows the source as
 * reconnecting and reopens it with backoff.
 */
#ifndef GN_RC_H
#define GN_RC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <limits.h>

#include "common/clk.h"
#include "drivers/drv.h"
#include "refclock/status.h"

#define RC_MAX_SOURCES 16
#define RC_MAX_DRV_OPTS 16

/* One `refclock` line, or a `server` / `peer` line (an NTP source: driver->ntp). */
struct rc_source_cfg {
    int line;                        /* in the configuration file, for messages */
    const struct drv_driver *driver;
    char param[256];                 /* device path, host:port, SHM unit */
    /* the options every driver takes (chrony's names; rc_set_common_option) */
    double offset_s;                 /* `offset`: subtracted from the receive time */
    double delay_s;                  /* `delay`: root delay contribution */
    double precision_s;              /* `precision`: error bound for the root dispersion;
                                        0: 1 ms for coarse sources, none for pulses */
    char refid[5];                   /* `refid`; default GPS, or PPS for a pulse driver */
    char lock[5];                    /* `lock REFID`: pulses take their second from it */
    int filter;                      /* `filter N`: window length, 0: default */
    double width_s;                  /* `width`: pulse width */
    bool noselect, prefer;
    /* the driver's own options, as its table declares them */
    struct drv_optval opts[RC_MAX_DRV_OPTS];
    int n_opts;
};

/* Start a source's configuration with the defaults for its driver. */
void rc_source_defaults(struct rc_source_cfg *c, const struct drv_driver *driver);
/* Set a common option from its text. Returns false when key is not a common option (it may
 * be the driver's); otherwise true, with err[0] != 0 and a message in err when the value is
 * wrong. flag: whether it takes no value (for the parser, asked before the value is read). */
bool rc_common_option(const char *key, bool *flag);
bool rc_set_common_option(struct rc_source_cfg *c, const char *key, const char *value, char *err,
                          size_t errlen);

/* What the reference-clock layer is given: its sources and the discipline's settings. */
struct rc_params {
    struct rc_source_cfg sources[RC_MAX_SOURCES];
    int n_sources;
    double makestep_threshold_s;     /* `makestep THRESHOLD LIMIT`, default 0.001 3 */
    int makestep_limit;              /* -1: any update may step */
    double maxslewrate_ppm;          /* `maxslewrate`, default 500 */
    double maxholdover_s;            /* `maxholdover`, default 3600 */
    int local_stratum;               /* `local stratum N`, 0 = off */
    double maxjump_s;                /* `maxjump`: jump guard threshold, default 0.5 */
    double jumppersist_s;            /* `jumppersist`: follow a jump after, default 300 */
    char driftfile[PATH_MAX];
    char leapseclist[PATH_MAX];
    char dumpdir[PATH_MAX];          /* where the last valid time is persisted */
    int64_t mindate_ns;              /* `mindate`: rollover pivot floor, 0 = none */
    const struct keytab *keys;       /* `keyfile`, for NTP sources' `key N` (set by the daemon
                                        once loaded; NULL: none) */
};
void rc_params_defaults(struct rc_params *p);

/* --- for the daemon --- */

/* Create the sources; no I/O. p must outlive the layer. 0 or -errno (errors logged). */
int rc_init(struct clk *clk, const struct rc_params *p);
/* Open every device and start the discipline timers (as root, before dropping privileges). */
int rc_start(void);
void rc_shutdown(void);
/* `gpsntpctl makestep`: step at the next clock update whatever makestep says. */
void rc_request_makestep(void);

/* Who watches the layer from above (the daemon's events and statistics logs), without the
 * layer knowing who: called from the event loop, in the order below. */
struct rc_observer {
    /* after each tick of the discipline (once a second), with its monotonic time and the
     * served clock's time; the status calls below then show the state just published */
    void (*tick)(void *arg, int64_t mono_ns, int64_t real_ns);
    /* every sample and pulse once the discipline judged it; NULL when not wanted (no cost) */
    void (*sample)(void *arg, const struct rc_sample_rec *r);
    void *arg;
};
/* Set (or with NULL clear) the observer; after rc_init. The struct is copied. */
void rc_set_observer(const struct rc_observer *o);

/* Fill up to max entries; returns the number of sources. */
size_t rc_get_sources(struct rc_src_status *out, size_t max);
void rc_get_tracking(struct rc_tracking *out);

#endif
