/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfg: the configuration file, in the style of chrony.conf (same directive names where the
 * concept is the same). Parsing fills plain structs and has no side effects: no device is
 * opened, no name resolved. Every error is reported as "FILE:LINE: message", all of them, not
 * just the first; unknown directives and bad values are errors.
 */
#ifndef GN_CFG_H
#define GN_CFG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "server/acl.h"

#define CFG_MAX_BIND 16
#define CFG_MAX_ACL 64
#define CFG_MAX_REFCLOCKS 8
#define CFG_MAX_RC_OPTS 16

struct cfg_rc_opt {
    char key[24];
    char value[128]; /* "" for a flag option */
};

struct cfg_refclock {
    int line;
    char driver[16];        /* nmea, pps, gpsd, shm */
    char param[256];        /* device path, host:port, SHM unit */
    /* options common to every driver (chrony's names) */
    double offset_s;        /* `offset`: subtracted from the receive time (NMEA latency) */
    double delay_s;         /* `delay`: assumed round-trip, for root delay */
    double precision_s;     /* `precision`, 0 = driver default */
    char refid[5];          /* `refid`, default from the driver: GPS or PPS */
    char lock[5];           /* `lock REFID`: PPS pulses take their second from that source */
    double poll_s;          /* `poll` update interval in seconds (chrony uses log2; we take s) */
    int filter;             /* `filter N`: median filter length */
    bool noselect, prefer;
    bool pps_clear;         /* `clear`: use the clear edge (PPS) */
    double width_s;         /* `width`: pulse width (PPS) */
    /* driver-specific options, validated against the driver's list */
    struct cfg_rc_opt opts[CFG_MAX_RC_OPTS];
    int n_opts;
};

struct cfg_bind {
    int line;
    struct sockaddr_storage addr; /* port 0: taken from `port` */
    socklen_t addrlen;
};

struct cfg {
    char path[PATH_MAX];
    /* server */
    int port;                          /* `port`, default 123 */
    struct cfg_bind bind[CFG_MAX_BIND];/* `bindaddress`; none: 0.0.0.0 and :: */
    int n_bind;
    struct acl_rule acl[CFG_MAX_ACL];  /* `allow`/`deny` in file order */
    int n_acl;
    bool ratelimit;                    /* `ratelimit [interval I] [burst B] [leak L]` */
    int rl_interval;                   /* log2 seconds, chrony's default 3 */
    int rl_burst;                      /* default 8 */
    int rl_leak;                       /* 1 in 2^leak over-limit requests answered; default 2 */
    int clientloglimit;                /* entries in the client table, default 4096 */
    int local_stratum;                 /* `local stratum N`, 0 = off */
    int workers;                       /* `workers N`, default 1 */
    bool fastpath;                     /* `fastpath on|off`: sendmmsg and worker threads */
    /* daemon */
    char controlsocket[108];           /* default /run/gpsntpd/gpsntpd.sock */
    char user[64];                     /* `user`: drop root to it after start-up */
    char logfile[PATH_MAX];
    /* reference clocks and discipline */
    struct cfg_refclock refclocks[CFG_MAX_REFCLOCKS];
    int n_refclocks;
    double makestep_threshold_s;       /* `makestep THRESHOLD LIMIT`, default 1.0 3 */
    int makestep_limit;                /* -1: any update may step */
    char driftfile[PATH_MAX];
    char leapseclist[PATH_MAX];
    char dumpdir[PATH_MAX];            /* `dumpdir`: where the last valid time is persisted */
    int64_t mindate_ns;                /* `mindate YYYY-MM-DD`: rollover pivot floor, 0 = none */
    double maxholdover_s;              /* `maxholdover`, default 3600 */
    double maxjump_s;                  /* `maxjump S`: jump guard threshold, default 0.5 */
    double jumppersist_s;              /* `jumppersist S`: follow a jump after, default 300 */
    double maxslewrate_ppm;            /* `maxslewrate`, default 500 */
};

/* Fill defaults. */
void cfg_defaults(struct cfg *c);
/* Parse a file (defaults applied first). Errors go to err as "FILE:LINE: message". Returns the
 * number of errors (0 = usable), or -errno when the file cannot be read (also reported). */
int cfg_parse_file(const char *path, struct cfg *c, FILE *err);
/* Same, from a string; name is used in messages. */
int cfg_parse_string(const char *text, const char *name, struct cfg *c, FILE *err);
/* Print the effective configuration as a config file (-n). */
void cfg_print(const struct cfg *c, FILE *out);

#endif
