/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea: the serial NMEA driver. Opens a tty (or pty) raw 8N1 at the configured baud with
 * exclusive access, reads whatever is available when the event loop says so, timestamps each
 * read at once on the served clock, and hands the bytes to the framer and parser; each
 * completed valid fix cycle becomes one sample. EOF, EIO or ENODEV (a USB receiver unplugged)
 * go back to the refclock layer, which reconnects.
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
#include "refclock/rc.h"

struct nmea_priv {
    int fd;
    struct nmea_framer framer;
    struct nmea_cycle cycle;
    struct rc_src *src;
};

static const struct {
    long baud;
    speed_t speed;
} bauds[] = {
    {4800, B4800},     {9600, B9600},     {19200, B19200},   {38400, B38400},
    {57600, B57600},   {115200, B115200}, {230400, B230400}, {460800, B460800},
    {921600, B921600},
};

static bool find_speed(const char *text, speed_t *out)
{
    char *end;
    long b = strtol(text, &end, 10);
    for (size_t i = 0; *end == '\0' && i < sizeof(bauds) / sizeof(bauds[0]); i++) {
        if (bauds[i].baud == b) {
            *out = bauds[i].speed;
            return true;
        }
    }
    return false;
}

static const char *nmea_check(const char *param, const char *const *keys,
                              const char *const *values, int n)
{
    (void)param;
    for (int i = 0; i < n; i++) {
        speed_t s;
        if (strcmp(keys[i], "baud") == 0 && !find_speed(values[i], &s)) {
            return "baud must be one of 4800, 9600, 19200, 38400, 57600, 115200, 230400, "
                   "460800, 921600";
        }
    }
    return NULL;
}

static int nmea_open(struct rc_src *src)
{
    struct nmea_priv *p = rc_priv(src);
    p->fd = -1;
    p->src = src;
    speed_t speed = B9600;
    const char *baud = rc_option(src, "baud");
    if (baud != NULL && !find_speed(baud, &speed)) {
        return -EINVAL;
    }
    int fd = open(rc_param(src), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    /* Exclusive: a second reader (gpsd, a stray cat) would steal sentences. */
    ioctl(fd, TIOCEXCL);
    struct termios tio;
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio); /* 8N1, no echo, no line editing */
        tio.c_cflag |= CLOCAL | CREAD;
        tio.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
        cfsetispeed(&tio, speed);
        cfsetospeed(&tio, speed);
        tio.c_cc[VMIN] = 1;
        tio.c_cc[VTIME] = 0;
        if (tcsetattr(fd, TCSANOW, &tio) < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
    } else if (errno != ENOTTY) {
        int e = errno;
        close(fd);
        return -e;
    }
    p->fd = fd;
    nmea_framer_init(&p->framer);
    nmea_cycle_init(&p->cycle, rc_pivot_ns(src));
    return rc_watch_fd(src, fd);
}

static void nmea_close(struct rc_src *src)
{
    struct nmea_priv *p = rc_priv(src);
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
}

static void report_fix(struct rc_src *src, const struct nmea_fix *fix)
{
    if (!fix->valid || fix->utc_ns == 0) {
        rc_count(src, RC_CNT_NO_FIX);
        rc_set_state(src, RC_STATE_NO_FIX);
        return;
    }
    if (fix->leap_second) {
        return; /* 23:59:60 has no POSIX time of its own: never a sample */
    }
    rc_add_sample(src, fix->rx_ns, fix->utc_ns, CLK_LEAP_NONE);
}

static void on_frame(const struct nmea_frame *fr, void *arg)
{
    struct nmea_priv *p = arg;
    switch (fr->status) {
    case NMEA_FRAME_OK: break;
    case NMEA_FRAME_CHECKSUM: rc_count(p->src, RC_CNT_BAD_CHECKSUM); return;
    case NMEA_FRAME_LENGTH: rc_count(p->src, RC_CNT_BAD_LENGTH); return;
    case NMEA_FRAME_FORMAT: rc_count(p->src, RC_CNT_BAD_FORMAT); return;
    }
    struct nmea_sentence s;
    enum nmea_error e = nmea_parse_sentence(fr->text, fr->len, p->cycle.pivot_ns, &s);
    if (e == NMEA_ERR_FORMAT) {
        rc_count(p->src, RC_CNT_BAD_FORMAT);
        return;
    }
    struct nmea_fix fix;
    if (e == NMEA_OK && nmea_cycle_feed(&p->cycle, &s, fr->rx_ns, &fix)) {
        report_fix(p->src, &fix);
    }
}

static int nmea_on_readable(struct rc_src *src, int fd)
{
    struct nmea_priv *p = rc_priv(src);
    uint8_t buf[512];
    for (int i = 0; i < 16; i++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        /* Stamp right after read() returns: the closest user space gets to the bytes'
         * arrival. */
        int64_t rx_ns = clk_now(rc_clock(src));
        if (n > 0) {
            nmea_framer_feed(&p->framer, buf, (size_t)n, rx_ns, on_frame, p);
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

static const char *const nmea_options[] = {"baud", NULL};

const struct rc_driver rc_driver_nmea = {
    .name = "nmea",
    .options = nmea_options,
    .priv_size = sizeof(struct nmea_priv),
    .check = nmea_check,
    .open = nmea_open,
    .close = nmea_close,
    .on_readable = nmea_on_readable,
};
