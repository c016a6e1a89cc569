/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * drv: what a reference-clock driver is and how it reports. A driver opens its device, reads
 * or polls it, de-duplicates, and reports what it saw through its source handle; it knows
 * nothing of filtering, selection or the discipline, which the layer above (refclock/) does
 * once for every driver. That layer creates the handles and gives each one its host: the
 * functions the reports go to. A new driver is one file and one entry in the daemon's driver
 * table (daemon/registry.c).
 *
 * A driver sets on_readable (event-driven: NMEA, gpsd), poll (PPS, SHM), or both (an NTP
 * source: replies arrive on its socket, requests go out when its poll_delay says).
 * When open, on_readable or poll returns a negative errno (device gone: EOF, EIO, ENODEV),
 * the host closes the driver, shows the source as reconnecting and reopens it with backoff.
 */
#ifndef GN_DRV_H
#define GN_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clk.h"
#include "drivers/ntpc_proto.h"

enum drv_state {
    DRV_STATE_CLOSED = 0,   /* not opened yet */
    DRV_STATE_OPEN,         /* opened, nothing received yet */
    DRV_STATE_NO_DATA,      /* opened, but nothing received for a while */
    DRV_STATE_NO_FIX,       /* data arrives, but the receiver has no valid fix */
    DRV_STATE_OK,           /* valid samples arriving */
    DRV_STATE_RECONNECTING, /* device gone; reopening with backoff */
    DRV_STATE_DENIED,       /* an NTP server refused us (KoD DENY/RSTR): no more requests */
};
const char *drv_state_name(enum drv_state st);

/* Per-source counters of input problems, shown by `gpsntpctl sources`. */
enum drv_counter {
    DRV_CNT_BAD_CHECKSUM = 0, /* NMEA checksum mismatch */
    DRV_CNT_BAD_FORMAT,       /* unparseable sentence or message */
    DRV_CNT_BAD_LENGTH,       /* over-long line */
    DRV_CNT_NO_FIX,           /* time without a valid fix (never a sample) */
    DRV_CNT_STALE,            /* old, repeated or queued data */
    DRV_CNT_TORN,             /* SHM segment changed during the read */
    DRV_CNT_MISSED_PULSE,     /* PPS sequence gap */
    DRV_CNT_PULSE_REJECTED,   /* pulse not lockable (no second, bad interval, no fix) */
    DRV_CNT_OUTLIER,          /* sample rejected by the filter */
    DRV_CNT_JUMP,             /* sample rejected by the jump guard */
    DRV_CNT_RECONNECT,        /* device reopened */
    DRV_CNT_KOD,              /* NTP: kiss-o'-death packets received */
    DRV_CNT_BAD_REPLY,        /* NTP: replies failing the protocol checks (ntpc_result) */
    DRV_CNT__COUNT
};
const char *drv_counter_name(enum drv_counter c);

/* A driver-specific option a driver accepts: `baud 9600`, or a flag such as `clear`. */
struct drv_option {
    const char *name;
    bool flag;                 /* takes no value */
};

/* An option as configured: value "" for a flag. */
struct drv_optval {
    char key[24];
    char value[128];
};

struct drv_src;
struct keytab;
struct drv_ntp_status;

struct drv_driver {
    const char *name;                  /* as in the config: "nmea", "pps", "gpsd", "shm";
                                          "ntp" and "peer" for `server` and `peer` lines */
    const struct drv_option *options;  /* its own options, {NULL}-terminated (may be NULL) */
    bool pulses;                       /* reports with drv_add_pulse only (a PPS device) */
    size_t priv_size;                  /* per-source state, zeroed, allocated at start-up */
    bool ntp;                          /* an NTP source: reports with drv_add_ntp_sample */
    short poll_events;                 /* what its watched fd waits for; 0: POLLIN */
    int64_t poll_interval_ns;          /* for poll drivers */
    /* Poll drivers whose interval changes (NTP): the delay to the next poll call, asked after
     * open and after each poll; NULL: poll_interval_ns. */
    int64_t (*poll_delay)(struct drv_src *src);
    /* Check the parameter and options at config time (no I/O): NULL or a static message. */
    const char *(*check)(const char *param, const struct drv_optval *opts, int n_opts);
    int (*open)(struct drv_src *src);   /* 0 or -errno; may call drv_watch_fd */
    void (*close)(struct drv_src *src); /* must be safe after a failed open */
    int (*on_readable)(struct drv_src *src, int fd);
    int (*poll)(struct drv_src *src);
    /* NTP sources: the protocol's state for `gpsntpctl sources` (NULL for refclocks) */
    void (*ntp_status)(struct drv_src *src, struct drv_ntp_status *out);
};

/* What an NTP source measured: every exchange the clock filter (ntpc_filter.h) does not
 * drop as a spike, with how much more delay it had than the best one of the filter's window.
 * Offsets in the refclock sense: ref_ns - local_ns is how far the source is ahead. */
struct drv_ntp_sample {
    int64_t local_ns;        /* when the offset held, on the served clock */
    int64_t offset_ns;       /* local - remote (the refclock layer's sign) */
    double delay_s;          /* round trip of this exchange */
    double excess_delay_s;   /* ... beyond the lowest of the filter's window (>= 0) */
    double root_delay_s;     /* the source's root delay + delay */
    double root_disp_s;      /* the source's root dispersion + the filter's dispersion */
    double jitter_s;         /* the filter's jitter */
    int stratum;             /* the source's stratum (1..15) */
    uint32_t refid;          /* the source's reference ID */
    enum clk_leap leap;
    bool loop;               /* the source takes its time from us (refid is our address) */
    uint32_t addr_refid;     /* the refid that names this source (RFC 5905 section 7.3: its
                                IPv4 address, or the first 4 bytes of the MD5 of its IPv6) */
    int64_t interval_ns;     /* the poll interval now */
};

/* An NTP source's protocol state, for the status (filled by the driver on demand). */
struct drv_ntp_status {
    int poll;                /* log2 s */
    uint8_t reach;
    int stratum;             /* last reply's, 0: none yet */
    uint32_t refid;
    double delay_s;          /* NaN: none yet */
    bool peer;
};

/* Where a source's reports go: set by the layer that owns the sources. */
struct drv_host {
    void (*add_sample)(struct drv_src *src, int64_t local_ns, int64_t ref_ns,
                       enum clk_leap leap);
    void (*add_pulse)(struct drv_src *src, int64_t local_ns, uint64_t seq);
    void (*set_state)(struct drv_src *src, enum drv_state st);
    int (*watch_fd)(struct drv_src *src, int fd);
    /* NTP sources: a filtered measurement, and our own state for symmetric mode packets */
    void (*add_ntp_sample)(struct drv_src *src, const struct drv_ntp_sample *s);
    void (*get_self)(struct drv_src *src, struct ntpc_self *out);
};

/* One configured source, as its driver sees it. */
struct drv_src {
    const struct drv_driver *drv;
    const struct drv_host *host;
    char name[16];                  /* "nmea0": prefix log lines with it */
    const char *param;              /* the device path, host:port or unit */
    const struct drv_optval *opts;  /* driver-specific options */
    int n_opts;
    void *priv;
    struct clk *clk;                /* the served clock */
    const struct keytab *keys;      /* `keyfile` (NTP sources' `key N`), NULL: none */
    int64_t pivot_ns;               /* GPS week-rollover pivot (the latest of the build date,
                                       `mindate` and the last valid time persisted) */
    uint64_t counters[DRV_CNT__COUNT];
    short revents;                  /* what poll reported for the watched fd (on_readable) */
};

static inline void *drv_priv(struct drv_src *src) { return src->priv; }
static inline const char *drv_name(const struct drv_src *src) { return src->name; }
static inline const char *drv_param(const struct drv_src *src) { return src->param; }
static inline struct clk *drv_clock(struct drv_src *src) { return src->clk; }
static inline int64_t drv_pivot_ns(const struct drv_src *src) { return src->pivot_ns; }

/* Value of a driver-specific option, "" for a flag that is set, or NULL if absent. */
const char *drv_option(const struct drv_src *src, const char *key);
/* Whether the driver declares an option named key; *flag tells whether it takes no value. */
bool drv_has_option(const struct drv_driver *drv, const char *key, bool *flag);

static inline void drv_count(struct drv_src *src, enum drv_counter c)
{
    if ((unsigned)c < DRV_CNT__COUNT) {
        src->counters[c]++;
    }
}

/* A coarse sample: the reference said ref_ns when the served clock read local_ns (ns since
 * the epoch). leap: a leap second the receiver announces for the end of this UTC day. */
static inline void drv_add_sample(struct drv_src *src, int64_t local_ns, int64_t ref_ns,
                                  enum clk_leap leap)
{
    src->host->add_sample(src, local_ns, ref_ns, leap);
}
/* A PPS edge seen at local_ns (on the served clock); seq is the kernel's sequence number. */
static inline void drv_add_pulse(struct drv_src *src, int64_t local_ns, uint64_t seq)
{
    src->host->add_pulse(src, local_ns, seq);
}
static inline void drv_add_ntp_sample(struct drv_src *src, const struct drv_ntp_sample *s)
{
    src->host->add_ntp_sample(src, s);
}
static inline void drv_get_self(struct drv_src *src, struct ntpc_self *out)
{
    src->host->get_self(src, out);
}
/* Drivers set DRV_STATE_NO_FIX (data without a fix), NTP sources DRV_STATE_OK, NO_DATA and
 * DENIED; the host sets the others itself. */
static inline void drv_set_state(struct drv_src *src, enum drv_state st)
{
    src->host->set_state(src, st);
}
/* Watch fd in the event loop; on_readable is called when it is readable. Closing the fd is
 * the driver's job (in close); the host stops watching it before calling close. */
static inline int drv_watch_fd(struct drv_src *src, int fd)
{
    return src->host->watch_fd(src, fd);
}

#endif
