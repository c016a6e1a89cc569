/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpshm: the ntpd shared-memory reference clock (ntpd refclock type 28), config name "shm".
 * gpsd and other time sources write a SysV segment, key 0x4e545030 + unit ("NTP0"...), that
 * gpsntpd reads from a 250 ms poll timer. This header exposes the segment layout, the read
 * handshake and the pure validation, so that tests and the fuzz target drive them without the
 * daemon.
 *
 * Protocol (ntpd's refclock_shm, gpsd's ntpshmwrite.c, chrony's refclock_shm.c): the writer
 * clears `valid`, bumps `count`, writes the fields, bumps `count` again and sets `valid`. The
 * reader takes a sample only when `valid` is set and, in mode 1, when `count` is the same
 * before and after its copy; then it clears `valid` so the sample is used once. Mode 0 has no
 * count check. The nanosecond fields are used when they agree with the microsecond ones (a
 * writer that predates them leaves them zero).
 *
 * Layout: the seconds fields are `time_t` as it was when the protocol was frozen, i.e. the
 * platform's `long` (8 bytes on 64-bit Linux, 4 on 32-bit). A 32-bit build with 64-bit time_t
 * (-D_TIME_BITS=64) must not follow time_t here, or it would disagree with every writer;
 * gpsd 3.25+ keeps the 32-bit field there and stores the upper 32 bits of each seconds field in
 * what was dummy[0] and dummy[1] (zero until 2038). The segment is 96 bytes on LP64 and 80 on
 * ILP32.
 *
 * Config:  refclock shm UNIT [perm 0666] [offset S] [refid GPS]
 *   UNIT   0..255: the segment key is 0x4e545030 + UNIT
 *   perm   octal permissions of the segment when gpsntpd creates it (default 0600). Units 0
 *          and 1 are always private to root, as ntpd makes them: perm may not open them.
 */
#ifndef GN_NTPSHM_H
#define GN_NTPSHM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/clk.h"
#include "drivers/drv.h"

#define NTPSHM_KEY_BASE 0x4e545030
#define NTPSHM_MAX_UNIT 255
/* ntpd's staleness limit: the receive time must lie within the last 5 s. */
#define NTPSHM_MAX_AGE_NS (5LL * 1000000000LL)
/* A receive time this far in the future (same machine, same clock) is not believable. */
#define NTPSHM_MAX_FUTURE_NS (1LL * 1000000000LL)

/* The segment as writers lay it out (field names from ntpd's struct shmTime). */
struct ntpshm_seg {
    int mode;                          /* 0 or 1, see above */
    int count;                         /* bumped by the writer around each update */
    long clock_sec;                    /* clockTimeStampSec: the reference's time */
    int clock_usec;                    /* clockTimeStampUSec */
    long receive_sec;                  /* receiveTimeStampSec: the writer's system clock */
    int receive_usec;                  /* receiveTimeStampUSec */
    int leap;                          /* 0 none, 1 insert, 2 delete, 3 not synchronized */
    int precision;                     /* log2 s */
    int nsamples;                      /* unused */
    int valid;                         /* set by the writer, cleared by the reader */
    unsigned clock_nsec;               /* clockTimeStampNSec (0: writer without ns) */
    unsigned receive_nsec;             /* receiveTimeStampNSec */
    unsigned clock_sec_hi;             /* dummy[0]: upper 32 bits on ILP32 (gpsd 3.25+) */
    unsigned receive_sec_hi;           /* dummy[1] */
    int dummy[6];
};

/* A validated sample. */
struct ntpshm_sample {
    int64_t clock_ns;    /* the reference's time of the sample (ns since the epoch) */
    int64_t receive_ns;  /* the writer's CLOCK_REALTIME at that moment */
    enum clk_leap leap;
    int precision;
    bool used_nsec;      /* the nanosecond fields were consistent and used */
};

enum ntpshm_result {
    NTPSHM_OK = 0,
    NTPSHM_NOT_READY,  /* valid is 0: nothing new (the normal case between two writes) */
    NTPSHM_TORN,       /* mode 1 and count changed during the read */
    NTPSHM_BAD_MODE,   /* mode is neither 0 nor 1 */
    NTPSHM_BAD_DATA,   /* impossible fields: usec outside 0..999999, negative or huge time */
    NTPSHM_NOT_SYNCED, /* leap = 3: the writer says its time is not synchronized */
    NTPSHM_REPEAT,     /* valid, but the very sample accepted last time */
    NTPSHM_STALE,      /* the receive time is too old (or in the future) */
};
const char *ntpshm_result_name(enum ntpshm_result r);

/*
 * Validate a copy of the segment. count_before and count_after are the live segment's count
 * read just before and just after the copy. last is the previously accepted sample (NULL if
 * none). On NTPSHM_OK *out is filled. Pure; any bytes are safe.
 */
enum ntpshm_result ntpshm_decode(const struct ntpshm_seg *copy, int count_before,
                                 int count_after, const struct ntpshm_sample *last,
                                 struct ntpshm_sample *out);

/* Staleness: age_ns is now minus the sample's receive time, both on one clock. NTPSHM_OK or
 * NTPSHM_STALE. Pure. */
enum ntpshm_result ntpshm_check_age(int64_t age_ns);

/*
 * The read half of the handshake on a live segment: count, barrier, copy, barrier, count.
 * between (may be NULL) runs after the copy and before the second count read; tests use it to
 * write the segment mid-read.
 */
void ntpshm_read(volatile struct ntpshm_seg *seg, struct ntpshm_seg *copy, int *count_before,
                 int *count_after, void (*between)(void *arg), void *arg);

/* Clear valid after a read, unless the writer has moved on since (count no longer
 * count_after): never erase the flag of a sample not yet read. */
void ntpshm_consume(volatile struct ntpshm_seg *seg, int count_after);

/*
 * Get (creating it when absent, with permissions perm) and attach the segment with this key.
 * 0 or -errno; *seg_out is the mapping, *shmid_out the id (for IPC_STAT).
 */
int ntpshm_attach(key_t key, int perm, volatile struct ntpshm_seg **seg_out, int *shmid_out);
void ntpshm_detach(volatile struct ntpshm_seg *seg);

/* Parse a unit ("0".."255") or octal permissions ("0600", "666"); false when invalid. */
bool ntpshm_parse_unit(const char *s, int *unit);
bool ntpshm_parse_perm(const char *s, int *perm);

/* The driver, for the daemon's table. */
extern const struct drv_driver drv_shm;

#endif
