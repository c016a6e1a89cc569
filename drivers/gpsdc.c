/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsdc: the gpsd client driver. libgps does the connection, the WATCH request and the JSON
 * parsing; this file maps gpsd's reports (TOFF, PPS, TPV, DEVICE) onto the refclock layer's
 * samples, pulses and states, in a pure function, and keeps the socket in gpsntpd's poll loop,
 * non-blocking. It reads gpsd's lines itself rather than through gps_read(), so that each line
 * goes through gpsdc_unpack(), which gets through the lines on which libgps's gps_unpack()
 * never returns (see gpsdc.h). gpsd going away (EOF, read error) goes back to the layer, which
 * reconnects with backoff.
 */
#include "drivers/gpsdc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/ntime.h"
#include "drivers/drv.h"

/* Lines handled per wake-up: bounds the time spent if gpsd floods us (AIS, raw data); what is
 * left waits for the next data, one second away. */
#define MAX_LINES_PER_WAKE 256
/* Reads per wake-up: bounds a flood without newlines. */
#define MAX_READS_PER_WAKE 64
/* gpsd hands a report over within milliseconds of stamping it; an older one is stale (the
 * same 5 s ntpd allows SHM samples). */
#define MAX_AGE_NS (5 * NT_NS_PER_S)
#define MAX_FUTURE_NS (1 * NT_NS_PER_S)
/* Largest seconds value that still fits the ns representation (year 2255). */
#define MAX_SEC 9000000000LL

/* --- the pure mapping ------------------------------------------------------------------ */

/* Exported by libgps but not declared in <gps.h>: what gps_unpack() runs on each object of a
 * line; *end is set where the object ended (NULL at the end of the line). -1: no object of a
 * known class is left. */
int libgps_json_unpack(const char *buf, struct gps_data_t *gpsdata, const char **end);

bool gpsdc_unpack(const char *line, struct gps_data_t *d)
{
    if (line[0] != '{') {
        return true; /* not JSON: nothing to unpack, as gps_unpack() */
    }
    const char *p = line;
    while (p != NULL && *p != '\0') {
        const char *prev = p;
        if (libgps_json_unpack(p, d, &p) == -1) {
            return true;
        }
        if (p != NULL && p <= prev) {
            return false; /* no progress: gps_unpack() would repeat this step forever */
        }
    }
    return true;
}

void gpsdc_prepare(struct gps_data_t *d)
{
    d->set = 0;
    memset(&d->toff, 0, sizeof(d->toff));
    memset(&d->pps, 0, sizeof(d->pps));
    memset(&d->dev.activated, 0, sizeof(d->dev.activated));
}

void gpsdc_init(struct gpsdc_state *st, bool pps, const char *device)
{
    memset(st, 0, sizeof(*st));
    st->pps = pps;
    if (device != NULL) {
        snprintf(st->filter, sizeof(st->filter), "%s", device);
    }
}

static bool time_of(const struct timespec *ts, int64_t *out)
{
    if (ts->tv_sec <= 0 || ts->tv_sec > MAX_SEC || ts->tv_nsec < 0 ||
        ts->tv_nsec >= NT_NS_PER_S) {
        return false;
    }
    *out = (int64_t)ts->tv_sec * NT_NS_PER_S + ts->tv_nsec;
    return true;
}

static bool is_zero(const struct timedelta_t *td)
{
    return td->real.tv_sec == 0 && td->real.tv_nsec == 0 && td->clock.tv_sec == 0 &&
           td->clock.tv_nsec == 0;
}

/* Copy a fixed-size libgps string that may lack its terminator. */
static void copy_str(char *dst, size_t cap, const char *src, size_t src_cap)
{
    size_t n = strnlen(src, src_cap);
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool wanted_device(const struct gpsdc_state *st, const char *path)
{
    return st->filter[0] == '\0' || strcmp(path, st->filter) == 0;
}

static enum gpsdc_kind time_report(struct gpsdc_state *st, const struct gps_data_t *d,
                                   bool is_pps, const char *path, struct gpsdc_event *ev)
{
    if (!wanted_device(st, path) || is_pps != st->pps) {
        return GPSDC_NONE;
    }
    /* libgps 3.22's json_toff_read fills d->pps, later versions d->toff. */
    const struct timedelta_t *td = is_pps || is_zero(&d->toff) ? &d->pps : &d->toff;
    int64_t real_ns, clock_ns;
    if (!time_of(&td->real, &real_ns) || !time_of(&td->clock, &clock_ns)) {
        return GPSDC_BAD;
    }
    snprintf(ev->text, sizeof(ev->text), "%s", path);
    if (st->device[0] != '\0' && strcmp(st->device, path) != 0) {
        ev->device_changed = true;
    }
    snprintf(st->device, sizeof(st->device), "%s", path);
    if (!is_pps && st->fix_mode == MODE_NO_FIX) {
        return GPSDC_NO_FIX;
    }
    if (real_ns == st->last_real_ns && clock_ns == st->last_clock_ns) {
        return GPSDC_REPEAT;
    }
    st->last_real_ns = real_ns;
    st->last_clock_ns = clock_ns;
    ev->local_sys_ns = clock_ns;
    ev->ref_ns = real_ns;
    return is_pps ? GPSDC_PULSE : GPSDC_SAMPLE;
}

enum gpsdc_kind gpsdc_map(struct gpsdc_state *st, const struct gps_data_t *d,
                          struct gpsdc_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    char path[GPSDC_PATH_MAX];
    copy_str(path, sizeof(path), d->dev.path, sizeof(d->dev.path));
    gps_mask_t set = d->set;
    if ((set & ERROR_SET) != 0) {
        copy_str(ev->text, sizeof(ev->text), d->error, sizeof(d->error));
        return ev->kind = GPSDC_ERROR;
    }
    if ((set & DEVICELIST_SET) != 0) {
        if (st->filter[0] == '\0') {
            return ev->kind = GPSDC_NONE;
        }
        int n = d->devices.ndevices;
        n = n < 0 ? 0 : n > MAXUSERDEVS ? MAXUSERDEVS : n;
        for (int i = 0; i < n; i++) {
            char p[GPSDC_PATH_MAX];
            copy_str(p, sizeof(p), d->devices.list[i].path, sizeof(d->devices.list[i].path));
            if (strcmp(p, st->filter) == 0) {
                return ev->kind = GPSDC_NONE;
            }
        }
        snprintf(ev->text, sizeof(ev->text), "%s", st->filter);
        return ev->kind = GPSDC_MISSING;
    }
    if ((set & DEVICE_SET) != 0) {
        if (!wanted_device(st, path)) {
            return ev->kind = GPSDC_NONE;
        }
        ev->active = d->dev.activated.tv_sec != 0 || d->dev.activated.tv_nsec != 0;
        snprintf(ev->text, sizeof(ev->text), "%s", path);
        return ev->kind = GPSDC_DEVICE;
    }
    if ((set & TOFF_SET) != 0) {
        return ev->kind = time_report(st, d, false, path, ev);
    }
    if ((set & PPS_SET) != 0) {
        return ev->kind = time_report(st, d, true, path, ev);
    }
    if ((set & MODE_SET) != 0) {
        /* The fix of the receiver our time comes from (or, before any, of the filtered or
         * first device that reports). */
        bool ours = st->filter[0] != '\0'
                        ? strcmp(path, st->filter) == 0
                        : st->device[0] == '\0' || strcmp(path, st->device) == 0;
        if (!ours) {
            return ev->kind = GPSDC_NONE;
        }
        int mode = d->fix.mode;
        st->fix_mode = mode < 0 || mode > MODE_3D ? 0 : mode;
        return ev->kind = st->fix_mode == MODE_NO_FIX ? GPSDC_NO_FIX : GPSDC_NONE;
    }
    return ev->kind = GPSDC_NONE;
}

bool gpsdc_parse_addr(const char *param, char *host, size_t host_len, char *port,
                      size_t port_len)
{
    const char *h = param, *p = NULL;
    size_t hl;
    if (param[0] == '[') {
        const char *close = strchr(param, ']');
        if (close == NULL) {
            return false;
        }
        h = param + 1;
        hl = (size_t)(close - h);
        if (close[1] == ':') {
            p = close + 2;
        } else if (close[1] != '\0') {
            return false;
        }
    } else {
        const char *colon = strchr(param, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            return false; /* a bare IPv6 literal: the port would be ambiguous */
        }
        hl = colon != NULL ? (size_t)(colon - param) : strlen(param);
        p = colon != NULL ? colon + 1 : NULL;
    }
    if (hl == 0 || hl >= host_len || memchr(h, '[', hl) != NULL || memchr(h, ']', hl) != NULL) {
        return false;
    }
    if (p != NULL) {
        char *end;
        long v = strtol(p, &end, 10);
        if (p[0] < '0' || p[0] > '9' || *end != '\0' || v < 1 || v > 65535) {
            return false;
        }
    }
    const char *port_s = p != NULL ? p : GPSDC_DEFAULT_PORT;
    if (strlen(port_s) >= port_len) {
        return false;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    strcpy(port, port_s);
    return true;
}

/* --- the driver ------------------------------------------------------------------------ */

struct gpsdc_priv {
    struct gps_data_t gd;
    bool opened;             /* gd holds a live libgps connection */
    bool connect_logged;     /* a connection failure was logged (cleared on success) */
    bool missing_logged;     /* "gpsd does not have the device" was logged */
    bool error_logged;       /* a gpsd ERROR was logged on this connection */
    bool discarding;         /* dropping the rest of an overlong line */
    uint64_t pulse_seq;      /* gpsd gives no sequence number: ours */
    struct gpsdc_state st;
    size_t len;              /* bytes in buf */
    char buf[GPSDC_LINE_MAX + 1];
};

static const char *drv_check(const char *param, const struct drv_optval *opts,
                              int n)
{
    char host[256], port[16];
    if (!gpsdc_parse_addr(param, host, sizeof(host), port, sizeof(port))) {
        return "expected HOST[:PORT] of gpsd, e.g. localhost:2947 or [::1]:2947";
    }
    /* gpsd's TOFF is the receiver's time against gpsd's clock: only the same machine's. */
    if (strcmp(host, "localhost") != 0 && strncmp(host, "127.", 4) != 0 &&
        strcmp(host, "::1") != 0) {
        return "gpsd must run on this machine (localhost, 127.x.x.x or ::1): its time "
               "reports are stamped with its own clock, not this one's";
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(opts[i].key, "device") == 0 &&
            (opts[i].value[0] != '/' || strlen(opts[i].value) >= GPSDC_PATH_MAX)) {
            return "device: expected the receiver's path as gpsd knows it, e.g. /dev/ttyUSB0";
        }
    }
    return NULL;
}

static int drv_open(struct drv_src *src)
{
    struct gpsdc_priv *p = drv_priv(src);
    char host[256], port[16];
    p->opened = false;
    if (!gpsdc_parse_addr(drv_param(src), host, sizeof(host), port, sizeof(port))) {
        return -EINVAL; /* the config check refused it already */
    }
    const char *device = drv_option(src, "device");
    gpsdc_init(&p->st, drv_option(src, "pps") != NULL, device);
    memset(&p->gd, 0, sizeof(p->gd));
    p->len = 0;
    p->discarding = false;
    errno = 0;
    if (gps_open(host, port, &p->gd) != 0) {
        /* libgps reports its own (negative) codes in errno; gps_errstr names them. */
        int e = errno;
        if (!p->connect_logged) {
            p->connect_logged = true;
            log_warnx("%s: gpsd at %s: %s", drv_name(src), drv_param(src),
                      e > 0 ? strerror(e) : gps_errstr(e));
        }
        return e > 0 ? -e : -ECONNREFUSED;
    }
    p->opened = true;
    p->connect_logged = false;
    p->error_logged = false;
    int fd = p->gd.gps_fd;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        return -errno;
    }
    unsigned flags = WATCH_ENABLE | WATCH_JSON | WATCH_PPS;
    if (device != NULL) {
        flags |= WATCH_DEVICE;
    }
    if (gps_stream(&p->gd, flags, (void *)device) < 0) {
        return -EPIPE;
    }
    log_debug("%s: connected to gpsd at %s (%s%s)", drv_name(src), drv_param(src),
              p->st.pps ? "PPS reports" : "TOFF reports", device != NULL ? ", one device" : "");
    return drv_watch_fd(src, fd);
}

static void drv_close(struct drv_src *src)
{
    struct gpsdc_priv *p = drv_priv(src);
    if (p->opened) {
        gps_close(&p->gd);
        p->opened = false;
    }
}

static void report(struct drv_src *src, struct gpsdc_priv *p, const struct gpsdc_event *ev)
{
    struct clk *clk = drv_clock(src);
    if (ev->device_changed) {
        log_info("%s: time reports now come from %s", drv_name(src), ev->text);
    }
    switch (ev->kind) {
    case GPSDC_SAMPLE:
    case GPSDC_PULSE: {
        int64_t local_ns = clk_from_sys(clk, ev->local_sys_ns);
        int64_t age = clk_now(clk) - local_ns;
        if (age > MAX_AGE_NS || age < -MAX_FUTURE_NS) {
            drv_count(src, DRV_CNT_STALE);
        } else if (ev->kind == GPSDC_SAMPLE) {
            drv_add_sample(src, local_ns, ev->ref_ns, CLK_LEAP_NONE);
        } else {
            drv_add_pulse(src, local_ns, ++p->pulse_seq);
        }
        break;
    }
    case GPSDC_NO_FIX:
        drv_count(src, DRV_CNT_NO_FIX);
        drv_set_state(src, DRV_STATE_NO_FIX);
        break;
    case GPSDC_REPEAT: drv_count(src, DRV_CNT_STALE); break;
    case GPSDC_BAD: drv_count(src, DRV_CNT_BAD_FORMAT); break;
    case GPSDC_DEVICE:
        log_info("%s: gpsd %s %s", drv_name(src), ev->active ? "activated" : "lost", ev->text);
        if (ev->active) {
            p->missing_logged = false;
        }
        break;
    case GPSDC_MISSING:
        if (!p->missing_logged) {
            p->missing_logged = true;
            log_warnx("%s: gpsd at %s does not have %s (yet); waiting for it", drv_name(src),
                      drv_param(src), ev->text);
        }
        break;
    case GPSDC_ERROR:
        if (!p->error_logged) {
            p->error_logged = true;
            log_warnx("%s: gpsd says: %s", drv_name(src), ev->text);
        }
        break;
    case GPSDC_NONE: break;
    }
}

static void handle_line(struct drv_src *src, struct gpsdc_priv *p, char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r') {
        line[len - 1] = '\0';
    }
    gpsdc_prepare(&p->gd);
    if (!gpsdc_unpack(line, &p->gd)) {
        drv_count(src, DRV_CNT_BAD_FORMAT);
        return;
    }
    struct gpsdc_event ev;
    gpsdc_map(&p->st, &p->gd, &ev);
    report(src, p, &ev);
}

static int drv_on_readable(struct drv_src *src, int fd)
{
    struct gpsdc_priv *p = drv_priv(src);
    int lines = 0, reads = 0;
    while (lines < MAX_LINES_PER_WAKE) {
        char *nl = memchr(p->buf, '\n', p->len);
        if (nl != NULL) {
            size_t n = (size_t)(nl - p->buf);
            *nl = '\0';
            if (!p->discarding) {
                handle_line(src, p, p->buf, n);
            }
            p->discarding = false;
            p->len -= n + 1;
            memmove(p->buf, nl + 1, p->len);
            lines++;
            continue;
        }
        if (p->len == GPSDC_LINE_MAX) {
            /* Longer than anything gpsd sends: drop it up to its newline. */
            if (!p->discarding) {
                drv_count(src, DRV_CNT_BAD_LENGTH);
            }
            p->discarding = true;
            p->len = 0;
        }
        if (reads++ == MAX_READS_PER_WAKE) {
            break;
        }
        ssize_t r = recv(fd, p->buf + p->len, GPSDC_LINE_MAX - p->len, 0);
        if (r == 0) {
            return -EPIPE; /* gpsd closed the connection */
        }
        if (r < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
        }
        p->len += (size_t)r;
    }
    return 0;
}

/* `pps`: also take gpsd's PPS messages, as pulses; `device`: the receiver gpsd should watch. */
static const struct drv_option gpsdc_options[] = {{"device", false}, {"pps", true}, {NULL, false}};

const struct drv_driver drv_gpsd = {
    .name = "gpsd",
    .options = gpsdc_options,
    .priv_size = sizeof(struct gpsdc_priv),
    .check = drv_check,
    .open = drv_open,
    .close = drv_close,
    .on_readable = drv_on_readable,
};
