/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc: the reference-clock layer. Drivers (drivers/) open a device, read it and report what
 * they saw; everything numeric lives here once: the configured offset and delay, filtering,
 * validity windows, PPS pulses locked to a coarse source's seconds, reachability, counters,
 * source selection and the clock discipline that feeds the NTP server's state.
 *
 * A driver sets exactly one of on_readable (event-driven: NMEA, gpsd) or poll (PPS, SHM).
 * It reports with rc_add_sample (a coarse time: "the reference said ref_ns when the local clock
 * read local_ns") or rc_add_pulse (a PPS edge at local_ns). When open, on_readable or poll
 * returns a negative errno (device gone: EOF, EIO, ENODEV), the layer closes the driver, logs
 * once, shows the source as reconnecting, and reopens it with backoff.
 */
#ifndef GN_RC_H
#define GN_RC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clk.h"

struct rc_src;
struct cfg;

enum rc_state {
    RC_STATE_CLOSED = 0,   /* not opened yet */
    RC_STATE_OPEN,         /* opened, nothing received yet */
    RC_STATE_NO_DATA,      /* opened, but nothing received for a while */
    RC_STATE_NO_FIX,       /* data arrives, but the receiver has no valid fix */
    RC_STATE_OK,           /* valid samples arriving */
    RC_STATE_RECONNECTING, /* device gone; reopening with backoff */
};
const char *rc_state_name(enum rc_state st);

/* Per-source counters of input problems, shown by `gpsntpctl sources`. */
enum rc_counter {
    RC_CNT_BAD_CHECKSUM = 0, /* NMEA checksum mismatch */
    RC_CNT_BAD_FORMAT,       /* unparseable sentence or message */
    RC_CNT_BAD_LENGTH,       /* over-long line */
    RC_CNT_NO_FIX,           /* time without a valid fix (never a sample) */
    RC_CNT_STALE,            /* old or repeated data (SHM, gpsd) */
    RC_CNT_TORN,             /* SHM segment changed during the read */
    RC_CNT_MISSED_PULSE,     /* PPS sequence gap */
    RC_CNT_PULSE_REJECTED,   /* pulse not lockable (no second, bad interval, no fix) */
    RC_CNT_OUTLIER,          /* sample rejected by the filter */
    RC_CNT_JUMP,             /* sample rejected by the jump guard */
    RC_CNT_RECONNECT,        /* device reopened */
    RC_CNT__COUNT
};
const char *rc_counter_name(enum rc_counter c);

struct rc_driver {
    const char *name;              /* as in the config: "nmea", "pps", "gpsd", "shm" */
    const char *const *options;    /* driver-specific option names, NULL-terminated; each takes
                                      one value unless listed in flag_options */
    const char *const *flag_options; /* options without a value, NULL-terminated (may be NULL) */
    size_t priv_size;              /* per-source private state, zeroed, allocated at start-up */
    int64_t poll_interval_ns;      /* for poll drivers */
    /* Check the driver-specific options at config time (no I/O). NULL or a static message. */
    const char *(*check)(const char *param, const char *const *keys, const char *const *values,
                         int n);
    int (*open)(struct rc_src *src);   /* 0 or -errno; may call rc_watch_fd */
    void (*close)(struct rc_src *src); /* must be safe after a failed open */
    int (*on_readable)(struct rc_src *src, int fd);
    int (*poll)(struct rc_src *src);
};

/* The drivers gpsntpd knows (drivers/registry.c). NULL if unknown. */
const struct rc_driver *rc_driver_find(const char *name);
/* NULL-terminated list of all drivers, for help and error messages. */
extern const struct rc_driver *const rc_drivers[];

/* --- for drivers --- */
void *rc_priv(struct rc_src *src);
const char *rc_name(const struct rc_src *src);   /* "nmea0", "pps1": prefix log lines with it */
const char *rc_param(const struct rc_src *src);  /* the device path, host:port or unit */
/* Value of a driver-specific option, "" for a flag that is set, or NULL if absent. */
const char *rc_option(const struct rc_src *src, const char *key);
struct clk *rc_clock(struct rc_src *src);
/* The GPS week-rollover pivot: the latest of the build date, `mindate` and the last valid time
 * the daemon persisted. */
int64_t rc_pivot_ns(const struct rc_src *src);
/* Watch fd in the event loop; on_readable is called when it is readable. Closing the fd is the
 * driver's job (in close); the layer stops watching it before calling close. */
int rc_watch_fd(struct rc_src *src, int fd);

/* A coarse sample: the reference said ref_ns when the local clock read local_ns (both in ns
 * since the epoch; local_ns already on the served clock). leap: a leap second the receiver
 * announces for the end of this UTC day (enum clk_leap), CLK_LEAP_NONE when unknown. */
void rc_add_sample(struct rc_src *src, int64_t local_ns, int64_t ref_ns, enum clk_leap leap);
/* A PPS edge seen at local_ns (on the served clock); seq is the kernel's sequence number. */
void rc_add_pulse(struct rc_src *src, int64_t local_ns, uint64_t seq);
void rc_count(struct rc_src *src, enum rc_counter c);
/* Drivers set RC_STATE_NO_FIX (data without fix); the layer sets the others itself. */
void rc_set_state(struct rc_src *src, enum rc_state st);

/* --- for the daemon --- */

/* Create the sources from the config; no I/O. 0 or -errno (errors already printed). */
int rc_init(struct clk *clk, const struct cfg *cfg);
/* Open every device and start the discipline timers (as root, before dropping privileges). */
int rc_start(void);
void rc_shutdown(void);
/* `gpsntpctl makestep`: step at the next clock update whatever makestep says. */
void rc_request_makestep(void);

struct rc_src_status {
    char name[16];         /* nmea0 */
    char driver[16];
    char param[256];
    char refid[5];
    enum rc_state state;
    bool selected, noselect, prefer;
    bool jump_suspect;     /* the jump guard is holding this source off */
    uint8_t reach;         /* 8-bit reachability register, as chrony/ntpd */
    uint64_t samples;      /* accepted samples (or locked pulses) */
    int64_t last_sample_age_ns; /* -1: never */
    double offset_s;       /* last filtered offset (local - reference) */
    double jitter_s;
    double latency_s;      /* NMEA sources: mean latency measured against a locked PPS, or NaN */
    uint64_t counters[RC_CNT__COUNT];
};
/* Fill up to max entries; returns the number of sources. */
size_t rc_get_sources(struct rc_src_status *out, size_t max);

struct rc_tracking {
    uint32_t refid;           /* SRV_REFID_* or 0 */
    char refname[16];         /* "nmea0" (or "" when none) */
    int stratum;              /* 16 when unsynchronized */
    bool synced;
    bool holdover;            /* references lost, serving on the last frequency */
    int64_t ref_time_ns;      /* 0: never */
    double system_offset_s;   /* how far the served clock is ahead of the reference (estimate) */
    double last_offset_s;
    double rms_offset_s;
    double freq_ppm;          /* the clock's natural error: positive = runs fast */
    double resid_freq_ppm;
    double skew_ppm;
    double root_delay_s;
    double root_disp_s;       /* at the time of the call */
    double update_interval_s;
    int leap;                 /* enum srv_leap */
};
void rc_get_tracking(struct rc_tracking *out);

#endif
