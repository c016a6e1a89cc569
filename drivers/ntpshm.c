/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpshm: the ntpd SHM reference clock (type 28), the interface gpsd and many other time
 * sources write for NTP daemons. A poll timer copies the segment with the count/valid
 * handshake, a pure function validates the copy, and the driver reports the pair (the writer's
 * receive time mapped onto the served clock, the reference's time). Permissions follow ntpd:
 * units 0 and 1 private to root, others world-writable only when configured.
 */
#include "drivers/ntpshm.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "common/log.h"
#include "common/ntime.h"
#include "drivers/drv.h"

_Static_assert(sizeof(struct ntpshm_seg) == (sizeof(long) == 8 ? 96 : 80),
               "struct ntpshm_seg must match ntpd's struct shmTime");

/* gpsd writes once a second; four reads a second take each sample within 250 ms of its
 * arrival, and a sample is never overwritten before it is read. */
#define POLL_INTERVAL_NS (250 * NT_NS_PER_MS)
/* How often (in polls) to check that the segment was not removed (ipcrm) under us. */
#define STAT_EVERY_POLLS 16
/* Largest seconds value that still fits the ns representation (year 2255). */
#define MAX_SEC 9000000000LL

const char *ntpshm_result_name(enum ntpshm_result r)
{
    switch (r) {
    case NTPSHM_OK: return "ok";
    case NTPSHM_NOT_READY: return "not ready";
    case NTPSHM_TORN: return "torn";
    case NTPSHM_BAD_MODE: return "bad mode";
    case NTPSHM_BAD_DATA: return "bad data";
    case NTPSHM_NOT_SYNCED: return "not synchronized";
    case NTPSHM_REPEAT: return "repeated";
    case NTPSHM_STALE: return "stale";
    }
    return "?";
}

/* The seconds field, with the upper half from the extension field on ILP32. */
static bool get_seconds(long lo, unsigned hi, int64_t *out)
{
    int64_t s;
#if LONG_MAX == INT32_MAX
    s = (int64_t)(((uint64_t)hi << 32) | (uint32_t)lo);
#else
    (void)hi; /* still dummy[] on LP64, where the seconds fields are 64 bits wide */
    s = lo;
#endif
    if (s <= 0 || s > MAX_SEC) {
        return false;
    }
    *out = s;
    return true;
}

enum ntpshm_result ntpshm_decode(const struct ntpshm_seg *copy, int count_before,
                                 int count_after, const struct ntpshm_sample *last,
                                 struct ntpshm_sample *out)
{
    if (copy->valid == 0) {
        return NTPSHM_NOT_READY;
    }
    if (copy->mode != 0 && copy->mode != 1) {
        return NTPSHM_BAD_MODE;
    }
    /* Mode 1: the writer bumps count before and after its update, so a count that moved
     * during our copy (or differs in the copy itself) means we may hold half of each. */
    if (copy->mode == 1 && (count_before != count_after || copy->count != count_before)) {
        return NTPSHM_TORN;
    }
    int64_t csec, rsec;
    if (!get_seconds(copy->clock_sec, copy->clock_sec_hi, &csec) ||
        !get_seconds(copy->receive_sec, copy->receive_sec_hi, &rsec) || copy->clock_usec < 0 ||
        copy->clock_usec >= 1000000 || copy->receive_usec < 0 ||
        copy->receive_usec >= 1000000) {
        return NTPSHM_BAD_DATA;
    }
    if (copy->leap < 0 || copy->leap > 3) {
        return NTPSHM_BAD_DATA;
    }
    if (copy->leap == 3) {
        return NTPSHM_NOT_SYNCED;
    }
    struct ntpshm_sample s;
    memset(&s, 0, sizeof(s));
    int64_t cfrac = (int64_t)copy->clock_usec * 1000;
    int64_t rfrac = (int64_t)copy->receive_usec * 1000;
    /* Use the ns fields only when each truncates to its usec field: a writer without them
     * leaves zeros (or garbage in the old dummy words), which then fails this test. */
    if (copy->clock_nsec - (unsigned)cfrac < 1000u &&
        copy->receive_nsec - (unsigned)rfrac < 1000u) {
        cfrac = copy->clock_nsec;
        rfrac = copy->receive_nsec;
        s.used_nsec = true;
    }
    s.clock_ns = csec * NT_NS_PER_S + cfrac;
    s.receive_ns = rsec * NT_NS_PER_S + rfrac;
    s.leap = copy->leap == 1 ? CLK_LEAP_INSERT : copy->leap == 2 ? CLK_LEAP_DELETE
                                                                 : CLK_LEAP_NONE;
    s.precision = copy->precision;
    if (last != NULL && last->clock_ns == s.clock_ns && last->receive_ns == s.receive_ns) {
        return NTPSHM_REPEAT;
    }
    *out = s;
    return NTPSHM_OK;
}

enum ntpshm_result ntpshm_check_age(int64_t age_ns)
{
    if (age_ns > NTPSHM_MAX_AGE_NS || age_ns < -NTPSHM_MAX_FUTURE_NS) {
        return NTPSHM_STALE;
    }
    return NTPSHM_OK;
}

void ntpshm_read(volatile struct ntpshm_seg *seg, struct ntpshm_seg *copy, int *count_before,
                 int *count_after, void (*between)(void *arg), void *arg)
{
    *count_before = seg->count;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    /* Byte by byte through a volatile pointer: the compiler may neither skip nor reorder the
     * reads, and memcpy() from volatile memory is not defined. */
    const volatile unsigned char *src = (const volatile unsigned char *)seg;
    unsigned char *dst = (unsigned char *)copy;
    for (size_t i = 0; i < sizeof(*copy); i++) {
        dst[i] = src[i];
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (between != NULL) {
        between(arg);
    }
    *count_after = seg->count;
}

void ntpshm_consume(volatile struct ntpshm_seg *seg, int count_after)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (seg->count == count_after) {
        seg->valid = 0;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int ntpshm_attach(key_t key, int perm, volatile struct ntpshm_seg **seg_out, int *shmid_out)
{
    int id = shmget(key, sizeof(struct ntpshm_seg), IPC_CREAT | (perm & 0777));
    if (id < 0) {
        return -errno;
    }
    void *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        return -errno;
    }
    *seg_out = p;
    *shmid_out = id;
    return 0;
}

void ntpshm_detach(volatile struct ntpshm_seg *seg)
{
    if (seg != NULL) {
        shmdt((const void *)seg);
    }
}

bool ntpshm_parse_unit(const char *s, int *unit)
{
    char *end;
    errno = 0;
    long u = strtol(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || u > NTPSHM_MAX_UNIT) {
        return false;
    }
    *unit = (int)u;
    return true;
}

bool ntpshm_parse_perm(const char *s, int *perm)
{
    char *end;
    errno = 0;
    long p = strtol(s, &end, 8);
    if (s[0] < '0' || s[0] > '7' || *end != '\0' || errno != 0 || p > 0777) {
        return false;
    }
    *perm = (int)p;
    return true;
}

/* --- the driver ------------------------------------------------------------------------ */

enum {
    LOGGED_ATTACH = 1 << 0,
    LOGGED_PERMS = 1 << 1,
};

struct shm_priv {
    volatile struct ntpshm_seg *seg;
    int shmid;
    int unit;
    unsigned polls;
    unsigned logged;
    bool no_stat;       /* IPC_STAT refused on a segment we hold: removal cannot be seen */
    bool have_last;
    struct ntpshm_sample last;
};

static const char *drv_check(const char *param, const struct drv_optval *opts,
                              int n)
{
    int unit, perm;
    if (!ntpshm_parse_unit(param, &unit)) {
        return "expected an SHM unit number 0..255 (segment key 0x4e545030 + unit)";
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(opts[i].key, "perm") != 0) {
            continue;
        }
        if (!ntpshm_parse_perm(opts[i].value, &perm)) {
            return "perm: expected octal permissions such as 0600 or 0666";
        }
        if (unit < 2 && (perm & 0077) != 0) {
            return "units 0 and 1 are private to root (as ntpd makes them); use unit 2 or "
                   "higher for a segment other users may write";
        }
    }
    return NULL;
}

/* Warn when a segment someone else created is more open than ntpd would make it: whoever can
 * write it can set this server's time. */
static void check_owner(struct drv_src *src, struct shm_priv *p)
{
    struct shmid_ds ds;
    if (shmctl(p->shmid, IPC_STAT, &ds) < 0 || (p->logged & LOGGED_PERMS) != 0) {
        return;
    }
    bool open_to_others = (ds.shm_perm.mode & 0022) != 0;
    if (p->unit < 2 && (open_to_others || ds.shm_perm.uid != 0)) {
        p->logged |= LOGGED_PERMS;
        log_warnx("%s: segment NTP%d (key 0x%x) is owned by uid %u with mode %03o: units 0 "
                  "and 1 should be root's and private (remove it with ipcrm and restart)",
                  drv_name(src), p->unit, NTPSHM_KEY_BASE + p->unit, (unsigned)ds.shm_perm.uid,
                  (unsigned)ds.shm_perm.mode & 0777);
    }
}

static int drv_open(struct drv_src *src)
{
    struct shm_priv *p = drv_priv(src);
    p->seg = NULL;
    int perm = 0600;
    const char *perm_s = drv_option(src, "perm");
    if (!ntpshm_parse_unit(drv_param(src), &p->unit) ||
        (perm_s != NULL && !ntpshm_parse_perm(perm_s, &perm))) {
        return -EINVAL; /* the config check has already refused these */
    }
    int r = ntpshm_attach(NTPSHM_KEY_BASE + p->unit, perm, &p->seg, &p->shmid);
    if (r < 0) {
        p->seg = NULL;
        if ((p->logged & LOGGED_ATTACH) == 0) {
            p->logged |= LOGGED_ATTACH;
            log_err("%s: SHM unit %d (key 0x%x): %s", drv_name(src), p->unit,
                    NTPSHM_KEY_BASE + p->unit,
                    r == -EINVAL ? "a segment with this key exists but is smaller than an ntpd "
                                   "SHM segment (another program's, or a 32/64-bit mismatch)"
                    : r == -EACCES ? "permission denied (the segment belongs to another user)"
                                   : strerror(-r));
        }
        return r;
    }
    p->logged &= ~LOGGED_ATTACH;
    check_owner(src, p);
    log_debug("%s: attached SHM unit %d (key 0x%x, id %d)", drv_name(src), p->unit,
              NTPSHM_KEY_BASE + p->unit, p->shmid);
    return 0;
}

static void drv_close(struct drv_src *src)
{
    struct shm_priv *p = drv_priv(src);
    ntpshm_detach(p->seg);
    p->seg = NULL;
}

static int drv_poll(struct drv_src *src)
{
    struct shm_priv *p = drv_priv(src);
    if (++p->polls % STAT_EVERY_POLLS == 0 && !p->no_stat) {
        /* Removed with ipcrm: the key now names a new segment (or none) that writers use;
         * ours lives on, unwritten, until detached. Reopen. An attached segment always
         * answers IPC_STAT (SHM_DEST set once removed), so a refusal says only that the
         * check is impossible here (a sandbox, a simulator faking shmget/shmat): keep reading
         * rather than reopening, which would lose samples every few seconds. */
        struct shmid_ds ds;
        if (shmctl(p->shmid, IPC_STAT, &ds) < 0) {
            log_info("%s: cannot check the segment's state (%s); its removal will not be "
                     "noticed", drv_name(src), strerror(errno));
            p->no_stat = true;
        } else if ((ds.shm_perm.mode & SHM_DEST) != 0) {
            return -EIDRM;
        }
    }
    struct ntpshm_seg copy;
    int before, after;
    ntpshm_read(p->seg, &copy, &before, &after, NULL, NULL);
    struct ntpshm_sample s;
    enum ntpshm_result r = ntpshm_decode(&copy, before, after, p->have_last ? &p->last : NULL,
                                         &s);
    if (r == NTPSHM_NOT_READY) {
        return 0;
    }
    if (r == NTPSHM_TORN) {
        /* Leave valid alone: the writer sets it again when done, and the next poll reads the
         * finished sample. */
        drv_count(src, DRV_CNT_TORN);
        return 0;
    }
    ntpshm_consume(p->seg, after);
    struct clk *clk = drv_clock(src);
    int64_t local_ns = 0;
    if (r == NTPSHM_OK) {
        local_ns = clk_from_sys(clk, s.receive_ns);
        r = ntpshm_check_age(clk_now(clk) - local_ns);
    }
    switch (r) {
    case NTPSHM_OK:
        p->have_last = true;
        p->last = s;
        drv_add_sample(src, local_ns, s.clock_ns, s.leap);
        break;
    case NTPSHM_NOT_SYNCED:
        drv_count(src, DRV_CNT_NO_FIX);
        drv_set_state(src, DRV_STATE_NO_FIX);
        break;
    case NTPSHM_REPEAT:
    case NTPSHM_STALE: drv_count(src, DRV_CNT_STALE); break;
    case NTPSHM_BAD_MODE:
    case NTPSHM_BAD_DATA: drv_count(src, DRV_CNT_BAD_FORMAT); break;
    case NTPSHM_NOT_READY:
    case NTPSHM_TORN: break;
    }
    if (r != NTPSHM_OK) {
        log_debug("%s: SHM sample dropped: %s (mode %d count %d valid %d)", drv_name(src),
                  ntpshm_result_name(r), copy.mode, copy.count, copy.valid);
    }
    return 0;
}

static const struct drv_option shm_options[] = {{"perm", false}, {NULL, false}};

const struct drv_driver drv_shm = {
    .name = "shm",
    .options = shm_options,
    .priv_size = sizeof(struct shm_priv),
    .poll_interval_ns = POLL_INTERVAL_NS,
    .check = drv_check,
    .open = drv_open,
    .close = drv_close,
    .poll = drv_poll,
};
