/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea: the serial NMEA driver, a thin shell around nmea_frame and nmea_parse. It opens a tty
 * (or a pty) raw 8N1 at the configured baud with exclusive access, reads whatever is there
 * when the event loop says so, stamps each read() on the served clock at once, and turns each
 * completed valid fix cycle into one sample stamped with the arrival of the cycle's first
 * '$' (see nmea_frame.h for why that byte). EOF, EIO or ENODEV (a USB receiver unplugged) go
 * back to the refclock layer, which logs, reconnects with backoff and calls open again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "drivers/nmea_frame.h"
#include "drivers/nmea_parse.h"
#include "drivers/nmea.h"

/* Valid cycles without a date before we say so: a GGA-only receiver never gives a sample. */
#define NO_DATE_WARN_CYCLES 10

struct nmea_priv {
    bool have_fd;  /* the private state starts zeroed: fd 0 is not ours until open says so */
    int fd;
    struct drv_src *src;
    struct nmea_framer framer;
    struct nmea_cycle cycle;
    struct nmea_pace pace;
    bool logged_burst;
    int no_date_cycles;
    bool warned_no_date, warned_talker;
};

static const struct {
    long baud;
    speed_t speed;
} bauds[] = {
    {4800, B4800},     {9600, B9600},     {19200, B19200},   {38400, B38400},
    {57600, B57600},   {115200, B115200}, {230400, B230400}, {460800, B460800},
    {921600, B921600},
};

static const char baud_error[] = "baud must be one of 4800, 9600, 19200, 38400, 57600, 115200, "
                                 "230400, 460800, 921600";

static bool find_speed(const char *text, speed_t *out)
{
    char *end;
    errno = 0;
    long b = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0') {
        return false;
    }
    for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
        if (bauds[i].baud == b) {
            *out = bauds[i].speed;
            return true;
        }
    }
    return false;
}

static const char *nmea_check(const char *param, const struct drv_optval *opts,
                              int n)
{
    if (param == NULL || param[0] == '\0') {
        return "needs a device path, e.g. refclock nmea /dev/ttyUSB0";
    }
    for (int i = 0; i < n; i++) {
        speed_t s;
        if (strcmp(opts[i].key, "baud") == 0 && !find_speed(opts[i].value, &s)) {
            return baud_error;
        }
    }
    return NULL;
}

/* Raw 8N1, no flow control, no modem control lines (CLOCAL): a receiver drives TX only.
 * Something that is not a tty at all (a FIFO fed by a test) is read as it is. */
static int set_raw(int fd, speed_t speed)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) < 0) {
        return errno == ENOTTY || errno == EINVAL ? 0 : -errno;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
    tio.c_iflag &= ~(IXON | IXOFF | IXANY);
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, speed) < 0 || cfsetospeed(&tio, speed) < 0 ||
        tcsetattr(fd, TCSANOW, &tio) < 0) {
        return -errno;
    }
    tcflush(fd, TCIFLUSH); /* bytes queued before we opened carry no usable timestamp */
    return 0;
}

static int nmea_open(struct drv_src *src)
{
    struct nmea_priv *p = drv_priv(src);
    p->have_fd = false;
    p->fd = -1;
    p->src = src;
    speed_t speed = B9600;
    const char *baud = drv_option(src, "baud");
    if (baud != NULL && !find_speed(baud, &speed)) {
        log_warnx("%s: %s", drv_name(src), baud_error);
        return -EINVAL;
    }
    int fd = open(drv_param(src), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    /* Exclusive: a second reader (gpsd, a stray cat) would steal sentences. */
    if (ioctl(fd, TIOCEXCL) < 0 && errno != ENOTTY) {
        int e = errno;
        close(fd);
        return -e;
    }
    int r = set_raw(fd, speed);
    if (r < 0) {
        log_warnx("%s: %s: cannot set up the serial line: %s", drv_name(src), drv_param(src),
                  strerror(-r));
        close(fd);
        return r;
    }
    p->fd = fd;
    p->have_fd = true;
    nmea_frame_init(&p->framer);
    nmea_cycle_init(&p->cycle, drv_pivot_ns(src));
    nmea_pace_init(&p->pace);
    p->logged_burst = false;
    p->no_date_cycles = 0;
    r = drv_watch_fd(src, fd);
    if (r < 0) {
        close(fd);
        p->have_fd = false;
        p->fd = -1;
    }
    return r;
}

static void nmea_close(struct drv_src *src)
{
    struct nmea_priv *p = drv_priv(src);
    if (p->have_fd) {
        close(p->fd);
        p->have_fd = false;
        p->fd = -1;
    }
}

static void report_fix(struct nmea_priv *p, const struct nmea_fix *fix)
{
    struct drv_src *src = p->src;
    bool first = !p->pace.have;
    bool live = !fix->has_utc || nmea_pace_live(&p->pace, fix);
    if (nmea_fix_is_sample(fix) && !live) {
        drv_count(src, DRV_CNT_STALE);
        if (!first && !p->logged_burst) {
            p->logged_burst = true;
            log_info("%s: cycles arriving faster than they are labelled (queued before the "
                     "port was opened?): not used",
                     drv_name(src));
        }
        return;
    }
    if (nmea_fix_is_sample(fix)) {
        p->no_date_cycles = 0;
        drv_add_sample(src, fix->rx_ns, fix->utc_ns, CLK_LEAP_NONE);
        return;
    }
    if (fix->valid == NMEA_VALID_NO) {
        drv_count(src, DRV_CNT_NO_FIX);
        drv_set_state(src, DRV_STATE_NO_FIX);
    } else if (fix->valid == NMEA_VALID_YES && !fix->has_utc) {
        if (++p->no_date_cycles == NO_DATE_WARN_CYCLES && !p->warned_no_date) {
            p->warned_no_date = true;
            log_warnx("%s: fixes without a date (no RMC or ZDA): enable RMC or ZDA on the "
                      "receiver",
                      drv_name(src));
        }
    } else if (fix->valid == NMEA_VALID_YES && fix->leap_second) {
        log_info("%s: leap second 23:59:60: no sample for it", drv_name(src));
    }
}

static void on_frame(struct nmea_priv *p, const struct nmea_frame *fr)
{
    struct drv_src *src = p->src;
    switch (fr->status) {
    case NMEA_FRAME_OK: break;
    case NMEA_FRAME_CHECKSUM: drv_count(src, DRV_CNT_BAD_CHECKSUM); return;
    case NMEA_FRAME_LENGTH: drv_count(src, DRV_CNT_BAD_LENGTH); return;
    case NMEA_FRAME_FORMAT: drv_count(src, DRV_CNT_BAD_FORMAT); return;
    }
    struct nmea_sentence s;
    switch (nmea_parse_sentence(fr->text, fr->len, &s)) {
    case NMEA_OK: break;
    case NMEA_ERR_FORMAT:
        drv_count(src, DRV_CNT_BAD_FORMAT);
        log_debug("%s: bad %s sentence", drv_name(src), s.address);
        return;
    case NMEA_ERR_TALKER:
        if (!p->warned_talker) {
            p->warned_talker = true;
            log_info("%s: ignoring %s: talker %.2s is not a GNSS receiver", drv_name(src),
                     s.address, s.address);
        }
        return;
    case NMEA_ERR_NOT_TIME: return;
    }
    if (!s.has_time && s.valid == NMEA_VALID_NO) {
        /* "$GPRMC,,V,,,,,,,,,,N": no time at all while there is no fix. */
        drv_set_state(src, DRV_STATE_NO_FIX);
        return;
    }
    struct nmea_fix fix[NMEA_CYCLE_MAX_OUT];
    int n = nmea_cycle_feed(&p->cycle, &s, fr->rx_ns, fix);
    for (int i = 0; i < n; i++) {
        report_fix(p, &fix[i]);
    }
}

static int nmea_on_readable(struct drv_src *src, int fd)
{
    struct nmea_priv *p = drv_priv(src);
    uint8_t buf[512];
    /* Bounded: a receiver at 921600 baud fills 92 kB/s; 16 reads drain any backlog. */
    for (int i = 0; i < 16; i++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        /* Stamp right after read() returns: the earliest user space can know the bytes
         * are there. Every sentence whose '$' is in this chunk gets this stamp. */
        int64_t rx_ns = clk_now(drv_clock(src));
        if (n > 0) {
            const uint8_t *d = buf;
            size_t left = (size_t)n;
            struct nmea_frame f;
            while (nmea_frame_next(&p->framer, &d, &left, rx_ns, &f)) {
                on_frame(p, &f);
            }
            if ((size_t)n < sizeof(buf)) {
                return 0; /* drained */
            }
            continue;
        }
        if (n == 0) {
            return -EPIPE; /* EOF: the other end (USB device, pty master) is gone */
        }
        if (errno == EAGAIN || errno == EINTR) {
            return 0;
        }
        return -errno;
    }
    return 0;
}

static const struct drv_option nmea_options[] = {{"baud", false}, {NULL, false}};

const struct drv_driver drv_nmea = {
    .name = "nmea",
    .options = nmea_options,
    .priv_size = sizeof(struct nmea_priv),
    .check = nmea_check,
    .open = nmea_open,
    .close = nmea_close,
    .on_readable = nmea_on_readable,
};
