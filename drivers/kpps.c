/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kpps: the kernel PPS driver on the RFC 2783 API (pps-tools' timepps.h over the Linux PPS
 * ioctls). The kernel stamps each edge in its interrupt handler, so no thread is needed: a
 * poll timer fetches the latest edge with a zero timeout, and the sequence number tells a new
 * edge from one already seen (as chrony's refclock_pps.c does). The edge's CLOCK_REALTIME
 * stamp is mapped onto the served clock and handed to the refclock layer, which owns every
 * number: the `lock` to a coarse source's seconds, width, offset, filtering.
 */
#include "drivers/kpps.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timepps.h>
#include <unistd.h>

#include "common/log.h"
#include "common/ntime.h"
#include "drivers/drv.h"

/* The kernel keeps only the latest edge: the poll must come round faster than the pulses
 * (1 s) or edges are lost. 200 ms leaves room for a busy loop and costs nothing. */
#define POLL_INTERVAL_NS (200 * NT_NS_PER_MS)
/* After this many polls without a new edge (1 s), check that the path still names the device
 * we hold: Linux does not fail PPS_FETCH on a source that was unregistered (module removed,
 * a USB serial adapter's ldattach gone); it just never has a new edge. */
#define QUIET_POLLS_BEFORE_CHECK 5
/* Bound on the missed-pulse counter's increment per edge (a noisy line can jump the kernel's
 * sequence by thousands). */
#define MAX_MISSED_PER_EDGE 3600

/* Start-up problems that are logged once per incident (reopens retry every minute). */
enum {
    LOGGED_NOT_PPS = 1 << 0,
    LOGGED_NO_EDGE = 1 << 1,
    LOGGED_SETPARAMS = 1 << 2,
    LOGGED_GETPARAMS = 1 << 3,
};

struct kpps_priv {
    int fd;
    pps_handle_t handle;
    bool clear;       /* capture the clear edge */
    unsigned logged;  /* LOGGED_* already reported */
    struct kpps_seq seq;
    struct stat node; /* the node opened, to notice when its path names another or none */
    unsigned quiet_polls;
};

enum kpps_verdict kpps_seq_update(struct kpps_seq *st, uint32_t seq, int64_t ts_ns,
                                  uint64_t *missed)
{
    *missed = 0;
    if (seq == 0 && ts_ns == 0) {
        return KPPS_NONE;
    }
    if (st->have && seq == st->seq) {
        return KPPS_SAME;
    }
    uint32_t step = seq - st->seq; /* modulo 2^32: the counter wraps after 136 years */
    if (!st->have || step > UINT32_MAX / 2) {
        st->have = true;
        st->seq = seq;
        st->ts_ns = ts_ns;
        return KPPS_BASELINE;
    }
    uint64_t by_seq = step - 1;
    uint64_t by_time = 0;
    int64_t dt = ts_ns - st->ts_ns;
    if (dt > 0 && dt <= KPPS_MISSED_SPAN_NS) {
        /* Whole seconds, rounded: a late or early pulse is not a missed one. */
        int64_t n = (dt + NT_NS_PER_S / 2) / NT_NS_PER_S;
        by_time = n >= 2 ? (uint64_t)(n - 1) : 0;
    }
    *missed = by_seq > by_time ? by_seq : by_time;
    st->seq = seq;
    st->ts_ns = ts_ns;
    return KPPS_NEW;
}

static const char *kpps_check(const char *param, const struct drv_optval *opts,
                              int n)
{
    if (param[0] != '/') {
        return "expected the path of a PPS device, e.g. /dev/pps0";
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(opts[i].key, "kernelpps") == 0) {
            /* Handing the pulse to the kernel's hardpps loop means the kernel, not gpsntpd,
             * steers the clock's frequency; Debian kernels lack CONFIG_NTP_PPS anyway. */
            return "kernelpps is not supported: gpsntpd disciplines the clock itself (see "
                   "docs/receivers.md, \"Kernel PPS discipline\")";
        }
    }
    return NULL;
}

/* Log a start-up problem once per incident; the layer logs the errno itself. */
static void report_once(struct drv_src *src, unsigned what, const char *msg, int err)
{
    struct kpps_priv *p = drv_priv(src);
    if ((p->logged & what) != 0) {
        return;
    }
    p->logged |= what;
    if (err != 0) {
        log_err("%s: %s: %s: %s", drv_name(src), drv_param(src), msg, strerror(err));
    } else {
        log_err("%s: %s: %s", drv_name(src), drv_param(src), msg);
    }
}

static int kpps_open(struct drv_src *src)
{
    struct kpps_priv *p = drv_priv(src);
    const char *path = drv_param(src);
    p->fd = -1;
    p->clear = drv_option(src, "clear") != NULL;
    memset(&p->seq, 0, sizeof(p->seq));

    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && (errno == EACCES || errno == EROFS)) {
        /* Fetching needs only read access; setting the edge needs CAP_SYS_TIME, not write. */
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        return -errno;
    }
    p->fd = fd;
    if (fstat(fd, &p->node) != 0) {
        memset(&p->node, 0, sizeof(p->node));
    }
    p->quiet_polls = 0;
    if (time_pps_create(fd, &p->handle) < 0) {
        report_once(src, LOGGED_NOT_PPS,
                    "not a PPS device (for a pulse on a serial port's DCD line, attach it with "
                    "`ldattach PPS /dev/ttyS0` and use the /dev/ppsN it creates)", 0);
        return -EOPNOTSUPP;
    }
    int caps = 0;
    if (time_pps_getcap(p->handle, &caps) < 0) {
        return -errno;
    }
    int edge = p->clear ? PPS_CAPTURECLEAR : PPS_CAPTUREASSERT;
    if ((caps & edge) == 0) {
        report_once(src, LOGGED_NO_EDGE,
                    p->clear ? "does not support clear capture (remove `clear`)"
                             : "does not support assert capture (try `clear`)", 0);
        return -EOPNOTSUPP;
    }
    pps_params_t params;
    memset(&params, 0, sizeof(params));
    if (time_pps_getparams(p->handle, &params) < 0) {
        int e = errno;
        report_once(src, LOGGED_GETPARAMS, "cannot read PPS parameters", e);
        return -e;
    }
    /* Setting the edge needs CAP_SYS_TIME, which a daemon that leaves the clock alone (-x)
     * has dropped by the time it reopens a device: skip it when the edge is already captured
     * (the kernel drivers' default is assert; the timestamps are always timespecs). */
    bool capturing = (params.mode & edge) != 0;
    params.api_version = PPS_API_VERS;
    params.mode &= ~(PPS_CAPTUREASSERT | PPS_CAPTURECLEAR);
    params.mode |= edge;
    if ((caps & PPS_TSFMT_TSPEC) != 0) {
        params.mode |= PPS_TSFMT_TSPEC;
    }
    if (!capturing && time_pps_setparams(p->handle, &params) < 0) {
        int e = errno;
        report_once(src, LOGGED_SETPARAMS,
                    e == EPERM ? "cannot select the capture edge (needs CAP_SYS_TIME)"
                               : "cannot select the capture edge",
                    e);
        return -e;
    }
    p->logged = 0; /* the device works: report the next incident again */
    log_debug("%s: %s: capturing the %s edge (caps 0x%x)", drv_name(src), path,
              p->clear ? "clear" : "assert", (unsigned)caps);
    return 0;
}

static void kpps_close(struct drv_src *src)
{
    struct kpps_priv *p = drv_priv(src);
    if (p->fd >= 0) {
        close(p->fd); /* time_pps_destroy() is close() on Linux */
        p->fd = -1;
    }
}

/* Whether the quiet device is still the one at PATH: checked once a second while no edge comes
 * (a stat, nothing while pulses flow). A removed source's node is gone, or, once the source is
 * back, names a new device: either way the descriptor held is dead and must be reopened. */
static bool still_there(struct kpps_priv *p, const char *path)
{
    if (++p->quiet_polls < QUIET_POLLS_BEFORE_CHECK) {
        return true;
    }
    p->quiet_polls = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        return errno != ENOENT && errno != ENOTDIR;
    }
    return p->node.st_ino == 0 || (st.st_ino == p->node.st_ino && st.st_dev == p->node.st_dev &&
                                   st.st_rdev == p->node.st_rdev);
}

static int kpps_poll(struct drv_src *src)
{
    struct kpps_priv *p = drv_priv(src);
    pps_info_t info;
    memset(&info, 0, sizeof(info));
    /* A zero timeout returns at once with the latest edges; a NULL timeout would block until
     * the next edge (the kernel's PPS_TIME_INVALID), stalling the whole event loop. */
    struct timespec zero = {0, 0};
    if (time_pps_fetch(p->handle, PPS_TSFMT_TSPEC, &info, &zero) < 0) {
        int e = errno;
        if (e == EINTR || e == ETIMEDOUT || e == EAGAIN) {
            return 0;
        }
        return -e; /* ENODEV: the source was unregistered (ldattach ended, module removed) */
    }
    struct timespec ts = p->clear ? info.clear_timestamp : info.assert_timestamp;
    uint32_t seq = (uint32_t)(p->clear ? info.clear_sequence : info.assert_sequence);
    if (ts.tv_nsec < 0 || ts.tv_nsec >= NT_NS_PER_S || ts.tv_sec < 0) {
        drv_count(src, DRV_CNT_BAD_FORMAT);
        return 0;
    }
    int64_t ts_ns = nt_from_timespec(ts);
    uint64_t missed;
    enum kpps_verdict v = kpps_seq_update(&p->seq, seq, ts_ns, &missed);
    if (v != KPPS_NEW) {
        return still_there(p, drv_param(src)) ? 0 : -ENODEV;
    }
    p->quiet_polls = 0;
    for (uint64_t i = 0; i < missed && i < MAX_MISSED_PER_EDGE; i++) {
        drv_count(src, DRV_CNT_MISSED_PULSE);
    }
    drv_add_pulse(src, clk_from_sys(drv_clock(src), ts_ns), seq);
    return 0;
}

/* `clear`: capture the clear edge instead of the assert edge; `kernelpps`: refused at check
 * time, with the reason. */
static const struct drv_option kpps_options[] = {{"clear", true}, {"kernelpps", true},
                                                 {NULL, false}};

const struct drv_driver drv_pps = {
    .name = "pps",
    .options = kpps_options,
    .pulses = true,
    .priv_size = sizeof(struct kpps_priv),
    .poll_interval_ns = POLL_INTERVAL_NS,
    .check = kpps_check,
    .open = kpps_open,
    .close = kpps_close,
    .poll = kpps_poll,
};
