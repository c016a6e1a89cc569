/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the ntpd SHM driver: the segment layout against ntpd's struct shmTime, the
 * count/valid handshake on a real (private) segment written the way gpsd writes it, torn
 * reads (a write landing in the middle of the copy), mode 0 and mode 1, the nanosecond
 * fields, leap codes, stale and repeated samples, permissions, and finally the driver itself
 * under the real refclock layer on a segment with an unused key.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "drivers/ntpshm.h"
#include "refclock/rc.h"
#include "daemon/cfg.h"

#define S NT_NS_PER_S

/* ntpd's and chrony's declaration, as the writers compile it (time_t == long on every Linux
 * ABI the protocol was frozen on). */
struct shmTime {
    int mode;
    volatile int count;
    time_t clockTimeStampSec;
    int clockTimeStampUSec;
    time_t receiveTimeStampSec;
    int receiveTimeStampUSec;
    int leap;
    int precision;
    int nsamples;
    volatile int valid;
    unsigned clockTimeStampNSec;
    unsigned receiveTimeStampNSec;
    int dummy[8];
};

static void test_layout(void)
{
    CHECK_INT(sizeof(struct ntpshm_seg), sizeof(long) == 8 ? 96 : 80);
    if (sizeof(time_t) == sizeof(long)) {
        CHECK_INT(sizeof(struct ntpshm_seg), sizeof(struct shmTime));
        CHECK_INT(offsetof(struct ntpshm_seg, clock_sec),
                  offsetof(struct shmTime, clockTimeStampSec));
        CHECK_INT(offsetof(struct ntpshm_seg, receive_sec),
                  offsetof(struct shmTime, receiveTimeStampSec));
        CHECK_INT(offsetof(struct ntpshm_seg, valid), offsetof(struct shmTime, valid));
        CHECK_INT(offsetof(struct ntpshm_seg, clock_nsec),
                  offsetof(struct shmTime, clockTimeStampNSec));
        CHECK_INT(offsetof(struct ntpshm_seg, receive_nsec),
                  offsetof(struct shmTime, receiveTimeStampNSec));
        CHECK_INT(offsetof(struct ntpshm_seg, clock_sec_hi), offsetof(struct shmTime, dummy));
    }
    if (sizeof(long) == 8) {
        /* The figures every LP64 writer uses (gpsd's segments are 96 bytes). */
        CHECK_INT(offsetof(struct ntpshm_seg, clock_sec), 8);
        CHECK_INT(offsetof(struct ntpshm_seg, receive_sec), 24);
        CHECK_INT(offsetof(struct ntpshm_seg, valid), 48);
        CHECK_INT(offsetof(struct ntpshm_seg, clock_nsec), 52);
    }
}

/* gpsd's writer (ntpshmwrite.c): valid off, count up, fields, count up, valid on. */
static void gpsd_write(volatile struct ntpshm_seg *seg, int mode, int64_t ref_ns, int64_t rx_ns,
                       int leap)
{
    seg->mode = mode;
    seg->valid = 0;
    seg->count++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    seg->clock_sec = (long)(ref_ns / S);
    seg->clock_usec = (int)(ref_ns % S / 1000);
    seg->clock_nsec = (unsigned)(ref_ns % S);
    seg->receive_sec = (long)(rx_ns / S);
    seg->receive_usec = (int)(rx_ns % S / 1000);
    seg->receive_nsec = (unsigned)(rx_ns % S);
    seg->leap = leap;
    seg->precision = -20;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    seg->count++;
    seg->valid = 1;
}

static volatile struct ntpshm_seg *new_private_segment(int perm)
{
    volatile struct ntpshm_seg *seg = NULL;
    int id = -1;
    int r = ntpshm_attach(IPC_PRIVATE, perm, &seg, &id);
    CHECK_INT(r, 0);
    if (r < 0) {
        exit(1);
    }
    /* Gone as soon as the test detaches (or dies). */
    shmctl(id, IPC_RMID, NULL);
    return seg;
}

static enum ntpshm_result read_seg(volatile struct ntpshm_seg *seg, struct ntpshm_sample *last,
                                   struct ntpshm_sample *out, void (*between)(void *))
{
    struct ntpshm_seg copy;
    int before, after;
    ntpshm_read(seg, &copy, &before, &after, between, (void *)seg);
    enum ntpshm_result r = ntpshm_decode(&copy, before, after, last, out);
    if (r != NTPSHM_NOT_READY && r != NTPSHM_TORN) {
        ntpshm_consume(seg, after);
    }
    return r;
}

#define REF (1700000000LL * S + 123456789)
#define RX (1700000000LL * S + 987654321)

static void write_mid_read(void *arg)
{
    gpsd_write(arg, 1, REF + S, RX + S, 0);
}

static void test_handshake(void)
{
    volatile struct ntpshm_seg *seg = new_private_segment(0600);
    struct ntpshm_sample s, last;
    /* A fresh segment is all zero: nothing to read. */
    CHECK_INT(read_seg(seg, NULL, &s, NULL), NTPSHM_NOT_READY);

    gpsd_write(seg, 1, REF, RX, 0);
    CHECK_INT(read_seg(seg, NULL, &s, NULL), NTPSHM_OK);
    CHECK_INT(s.clock_ns, REF);
    CHECK_INT(s.receive_ns, RX);
    CHECK(s.used_nsec);
    CHECK_INT(s.leap, CLK_LEAP_NONE);
    CHECK_INT(s.precision, -20);
    /* The reader cleared valid: the sample is used once. */
    CHECK_INT(seg->valid, 0);
    CHECK_INT(read_seg(seg, &s, &last, NULL), NTPSHM_NOT_READY);
    last = s;

    /* A write lands between our copy and the second count read: torn, valid left set, and
     * the next poll reads the finished sample. */
    gpsd_write(seg, 1, REF + 2 * S, RX + 2 * S, 0);
    CHECK_INT(read_seg(seg, &last, &s, write_mid_read), NTPSHM_TORN);
    CHECK_INT(seg->valid, 1);
    CHECK_INT(read_seg(seg, &last, &s, NULL), NTPSHM_OK);
    CHECK_INT(s.clock_ns, REF + S);

    /* Mode 0: no count check, a count that moves does not matter. */
    gpsd_write(seg, 0, REF + 3 * S, RX + 3 * S, 0);
    last = s;
    CHECK_INT(read_seg(seg, &last, &s, write_mid_read), NTPSHM_OK);

    /* A writer that sets valid again without new data: the same sample twice. */
    gpsd_write(seg, 1, REF + 6 * S, RX + 6 * S, 0);
    CHECK_INT(read_seg(seg, &last, &s, NULL), NTPSHM_OK);
    last = s;
    seg->valid = 1;
    CHECK_INT(read_seg(seg, &last, &s, NULL), NTPSHM_REPEAT);

    /* ntpshm_consume leaves valid alone when the writer moved on after our read. */
    gpsd_write(seg, 1, REF + 4 * S, RX + 4 * S, 0);
    struct ntpshm_seg copy;
    int before, after;
    ntpshm_read(seg, &copy, &before, &after, NULL, NULL);
    gpsd_write(seg, 1, REF + 5 * S, RX + 5 * S, 0);
    ntpshm_consume(seg, after);
    CHECK_INT(seg->valid, 1);
    shmdt((const void *)seg);
}

static struct ntpshm_seg make_copy(int mode, int64_t ref_ns, int64_t rx_ns)
{
    struct ntpshm_seg c;
    memset(&c, 0, sizeof(c));
    c.mode = mode;
    c.count = 8;
    c.valid = 1;
    c.clock_sec = (long)(ref_ns / S);
    c.clock_usec = (int)(ref_ns % S / 1000);
    c.clock_nsec = (unsigned)(ref_ns % S);
    c.receive_sec = (long)(rx_ns / S);
    c.receive_usec = (int)(rx_ns % S / 1000);
    c.receive_nsec = (unsigned)(rx_ns % S);
    return c;
}

static void test_decode(void)
{
    struct ntpshm_sample s;
    struct ntpshm_seg c = make_copy(1, REF, RX);
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    /* Torn: count moved, or the copy's own count differs from the one read before. */
    CHECK_INT(ntpshm_decode(&c, 8, 10, NULL, &s), NTPSHM_TORN);
    CHECK_INT(ntpshm_decode(&c, 6, 6, NULL, &s), NTPSHM_TORN);
    c.mode = 0;
    CHECK_INT(ntpshm_decode(&c, 6, 10, NULL, &s), NTPSHM_OK);
    c.mode = 2;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_MODE);
    c.mode = -1;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_MODE);
    /* valid = 0 wins over everything: the writer is mid-update or nothing is new. */
    c.valid = 0;
    CHECK_INT(ntpshm_decode(&c, 8, 10, NULL, &s), NTPSHM_NOT_READY);

    /* Nanoseconds: used when they truncate to the usec fields, else usec resolution. */
    c = make_copy(1, REF, RX);
    c.clock_nsec = 0;
    c.receive_nsec = 0;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    CHECK(!s.used_nsec);
    CHECK_INT(s.clock_ns, REF / 1000 * 1000);
    CHECK_INT(s.receive_ns, RX / 1000 * 1000);
    c = make_copy(1, REF, RX);
    c.clock_nsec = (unsigned)c.clock_usec * 1000 + 999;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    CHECK(s.used_nsec);
    CHECK_INT(s.clock_ns % S, (int64_t)c.clock_usec * 1000 + 999);
    c.clock_nsec += 1; /* a whole microsecond off: inconsistent */
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    CHECK(!s.used_nsec);
    c.clock_nsec = 0xdeadbeef; /* garbage from a writer that predates the fields */
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    CHECK(!s.used_nsec);
    c = make_copy(1, REF, RX);
    c.receive_nsec = 5; /* one field consistent is not enough */
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    CHECK(!s.used_nsec);

    /* Leap codes: 1 insert, 2 delete, 3 not synchronized, anything else bad. */
    c = make_copy(1, REF, RX);
    c.leap = 1;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    CHECK_INT(s.leap, CLK_LEAP_INSERT);
    c.leap = 2;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_OK);
    CHECK_INT(s.leap, CLK_LEAP_DELETE);
    c.leap = 3;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_NOT_SYNCED);
    c.leap = 4;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_DATA);
    c.leap = -1;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_DATA);

    /* Impossible fields. */
    c = make_copy(1, REF, RX);
    c.clock_usec = 1000000;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_DATA);
    c = make_copy(1, REF, RX);
    c.receive_usec = -1;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_DATA);
    c = make_copy(1, REF, RX);
    c.clock_sec = 0;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_DATA);
    c = make_copy(1, REF, RX);
    c.receive_sec = -5;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_DATA);
    if (sizeof(long) == 8) {
        c = make_copy(1, REF, RX);
        c.clock_sec = (long)(INT64_MAX / 2);
        CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &s), NTPSHM_BAD_DATA);
    }

    /* Repeated: the very sample accepted last time. */
    c = make_copy(1, REF, RX);
    struct ntpshm_sample last;
    CHECK_INT(ntpshm_decode(&c, 8, 8, NULL, &last), NTPSHM_OK);
    CHECK_INT(ntpshm_decode(&c, 8, 8, &last, &s), NTPSHM_REPEAT);
    c = make_copy(1, REF + S, RX + S);
    CHECK_INT(ntpshm_decode(&c, 8, 8, &last, &s), NTPSHM_OK);

    /* Staleness (ntpd: the receive time within the last 5 s). */
    CHECK_INT(ntpshm_check_age(0), NTPSHM_OK);
    CHECK_INT(ntpshm_check_age(5 * S), NTPSHM_OK);
    CHECK_INT(ntpshm_check_age(5 * S + 1), NTPSHM_STALE);
    CHECK_INT(ntpshm_check_age(-S / 2), NTPSHM_OK);
    CHECK_INT(ntpshm_check_age(-2 * S), NTPSHM_STALE);
}

static void test_perms_and_config(void)
{
    for (int k = 0; k < 2; k++) {
        int want = k == 0 ? 0600 : 0666;
        volatile struct ntpshm_seg *seg = NULL;
        int id = -1;
        CHECK_INT(ntpshm_attach(IPC_PRIVATE, want, &seg, &id), 0);
        struct shmid_ds ds;
        CHECK_INT(shmctl(id, IPC_STAT, &ds), 0);
        CHECK_INT(ds.shm_perm.mode & 0777, want);
        CHECK_INT(ds.shm_segsz, sizeof(struct ntpshm_seg));
        shmctl(id, IPC_RMID, NULL);
        shmdt((const void *)seg);
    }
    int u, p;
    CHECK(ntpshm_parse_unit("0", &u) && u == 0);
    CHECK(ntpshm_parse_unit("255", &u) && u == 255);
    CHECK(!ntpshm_parse_unit("256", &u));
    CHECK(!ntpshm_parse_unit("-1", &u));
    CHECK(!ntpshm_parse_unit("", &u));
    CHECK(!ntpshm_parse_unit("1x", &u));
    CHECK(ntpshm_parse_perm("0666", &p) && p == 0666);
    CHECK(ntpshm_parse_perm("600", &p) && p == 0600);
    CHECK(!ntpshm_parse_perm("0999", &p));
    CHECK(!ntpshm_parse_perm("01777", &p));
    CHECK(!ntpshm_parse_perm("", &p));

    /* The config check, through the parser as a user meets it. */
    struct cfg c;
    FILE *devnull = fopen("/dev/null", "w");
    CHECK_INT(cfg_parse_string("refclock shm 0 refid GPS\n", "t", &c, devnull), 0);
    CHECK_INT(cfg_parse_string("refclock shm 2 perm 0666\n", "t", &c, devnull), 0);
    CHECK_INT(cfg_parse_string("refclock shm 0 perm 0600\n", "t", &c, devnull), 0);
    CHECK_INT(cfg_parse_string("refclock shm 1 perm 0666\n", "t", &c, devnull), 1);
    CHECK_INT(cfg_parse_string("refclock shm 2 perm 888\n", "t", &c, devnull), 1);
    CHECK_INT(cfg_parse_string("refclock shm 300\n", "t", &c, devnull), 1);
    CHECK_INT(cfg_parse_string("refclock shm NTP0\n", "t", &c, devnull), 1);
    CHECK(cfg_parse_string("refclock shm 2 mode 1\n", "t", &c, devnull) > 0);
    fclose(devnull);
}

/* --- the driver under the real refclock layer ------------------------------------------ */

static int64_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* test equipment: the writer's clock */
    return nt_from_timespec(ts);
}

static void run_loop_for(int64_t ns)
{
    int64_t end = sys_now() + ns;
    while (sys_now() < end) {
        ev_run_once(20 * NT_NS_PER_MS);
    }
}

static struct rc_src_status status_of(void)
{
    struct rc_src_status st[2];
    memset(st, 0, sizeof(st));
    CHECK_INT(rc_get_sources(st, 2), 1);
    return st[0];
}

static void test_driver(unsigned seed)
{
    /* A unit far from the 0..7 gpsd and ntpd use, so a real gpsd on this machine is never
     * disturbed; removed at the end. */
    int unit = 200 + (int)(seed % 50);
    key_t key = NTPSHM_KEY_BASE + unit;
    int old = shmget(key, 0, 0);
    if (old >= 0) {
        fprintf(stderr, "note: SHM key 0x%x exists already; using it\n", (unsigned)key);
    }
    char conf[256];
    snprintf(conf, sizeof(conf),
             "refclock shm %d perm 0600 refid SHM\nport 0\nbindaddress 127.0.0.1\n", unit);
    struct cfg c;
    CHECK_INT(cfg_parse_string(conf, "test", &c, stderr), 0);
    struct clk *clk = clk_soft_create();
    CHECK(clk != NULL);
    ev_init(clk);
    CHECK_INT(rc_init(clk, &c.rc), 0);
    CHECK_INT(rc_start(), 0);
    int id = shmget(key, 0, 0);
    CHECK(id >= 0);
    volatile struct ntpshm_seg *seg = shmat(id, NULL, 0);
    CHECK(seg != (void *)-1);
    struct shmid_ds ds;
    CHECK_INT(shmctl(id, IPC_STAT, &ds), 0);
    if (old < 0) {
        CHECK_INT(ds.shm_perm.mode & 0777, 0600);
    }

    /* Five good samples, 300 ms apart, the reference 2 ms behind the system clock. */
    for (int i = 0; i < 5; i++) {
        int64_t now = sys_now();
        gpsd_write(seg, 1, now - 2 * NT_NS_PER_MS, now, 0);
        run_loop_for(300 * NT_NS_PER_MS);
        CHECK_INT(seg->valid, 0); /* consumed */
    }
    struct rc_src_status st = status_of();
    CHECK_INT(st.state, DRV_STATE_OK);
    CHECK(st.last_sample_age_ns >= 0 && st.last_sample_age_ns < 2 * S);
    printf("driver: samples %llu reach %o offset %.6f s\n", (unsigned long long)st.samples,
           st.reach, st.offset_s);

    /* A stale sample: received 10 s ago. */
    gpsd_write(seg, 1, sys_now() - 10 * S, sys_now() - 10 * S, 0);
    run_loop_for(300 * NT_NS_PER_MS);
    st = status_of();
    CHECK_INT(st.counters[DRV_CNT_STALE], 1);
    /* The writer is not synchronized (leap 3). */
    gpsd_write(seg, 1, sys_now(), sys_now(), 3);
    run_loop_for(300 * NT_NS_PER_MS);
    st = status_of();
    CHECK_INT(st.counters[DRV_CNT_NO_FIX], 1);
    CHECK_INT(st.state, DRV_STATE_NO_FIX);
    /* Garbage: a mode nobody defined. */
    gpsd_write(seg, 7, sys_now(), sys_now(), 0);
    run_loop_for(300 * NT_NS_PER_MS);
    st = status_of();
    CHECK_INT(st.counters[DRV_CNT_BAD_FORMAT], 1);
    CHECK_INT(st.counters[DRV_CNT_TORN], 0);
    /* A sample after all that is taken again. */
    int64_t now = sys_now();
    gpsd_write(seg, 1, now, now, 0);
    run_loop_for(300 * NT_NS_PER_MS);
    st = status_of();
    CHECK_INT(st.state, DRV_STATE_OK);

    rc_shutdown();
    shmdt((const void *)seg);
    if (old < 0) {
        shmctl(id, IPC_RMID, NULL);
    }
    clk_destroy(clk);
}

int main(void)
{
    unsigned seed = check_seed((unsigned)getpid());
    log_init(true, LOG_LVL_INFO);
    test_layout();
    test_handshake();
    test_decode();
    test_perms_and_config();
    test_driver(seed);
    return check_result();
}
