/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * statlog: see statlog.h. Times: tracking and statistics lines to the second (they come once a
 * second at most), refclocks to the microsecond (a pulse's time is the point of its line).
 * Offsets in %e, so that a column keeps its width from nanoseconds to seconds. The banner is
 * printed with the same widths as the lines, so the columns line up under their names.
 */
#include "daemon/statlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/ntime.h"
#include "refclock/refstate.h"

static const char *const names[STATLOG__COUNT] = {
    [STATLOG_TRACKING] = "tracking",
    [STATLOG_MEASUREMENTS] = "measurements",
    [STATLOG_STATISTICS] = "statistics",
    [STATLOG_REFCLOCKS] = "refclocks",
};

const char *statlog_name(enum statlog_kind k)
{
    return (unsigned)k < STATLOG__COUNT ? names[k] : "?";
}

bool statlog_parse(const char *word, enum statlog_kind *k)
{
    for (int i = 0; i < STATLOG__COUNT; i++) {
        if (strcmp(word, names[i]) == 0) {
            *k = (enum statlog_kind)i;
            return true;
        }
    }
    return false;
}

/* --- lines ----------------------------------------------------------------------------------- */

#define E_WIDTH 11

static void put_date(FILE *out, int64_t t_ns, bool micro)
{
    struct nt_utc u;
    nt_to_utc(t_ns, &u);
    fprintf(out, "%04d-%02d-%02d %02d:%02d:%02d", u.year, u.month, u.day, u.hour, u.min, u.sec);
    if (micro) {
        fprintf(out, ".%06lld", (long long)(u.frac_ns / 1000));
    }
}

/* One number in a column: "-" when not known. */
static void put_num(FILE *out, const char *fmt, int width, double v)
{
    if (isfinite(v)) {
        fputc(' ', out);
        fprintf(out, fmt, width, v);
    } else {
        fprintf(out, " %*s", width, "-");
    }
}

static void put_e(FILE *out, double v)
{
    put_num(out, "%*.3e", E_WIDTH, v);
}

static char leap_char(const struct rc_tracking *t)
{
    if (!t->synced) {
        return '?';
    }
    return t->leap == RST_LEAP_INSERT ? '+' : t->leap == RST_LEAP_DELETE ? '-' : 'N';
}

void statlog_tracking_line(FILE *out, int64_t time_ns, const struct rc_tracking *t)
{
    put_date(out, time_ns, false);
    fprintf(out, " %08X %-15s %2d", t->refid, t->refname[0] != '\0' ? t->refname : "-",
            t->stratum);
    put_num(out, "%*.3f", 10, t->freq_ppm);
    put_num(out, "%*.3f", 9, t->skew_ppm);
    put_e(out, t->last_offset_s);
    put_e(out, t->rms_offset_s);
    put_e(out, t->root_delay_s);
    put_e(out, t->root_disp_s);
    put_e(out, t->root_delay_s / 2 + t->root_disp_s);
    fprintf(out, " %c\n", leap_char(t));
}

void statlog_statistics_line(FILE *out, int64_t time_ns, const struct rc_src_status *s)
{
    put_date(out, time_ns, false);
    fprintf(out, " %-15s", s->name);
    put_e(out, s->jitter_s);
    put_e(out, s->est_offset_s);
    put_e(out, s->offset_s);
    put_e(out, s->latency_s);
    fprintf(out, " %8llu %3d %4d %5o\n", (unsigned long long)s->samples, s->window, s->runs,
            s->reach);
}

void statlog_refclock_line(FILE *out, const struct rc_sample_rec *r)
{
    put_date(out, r->local_ns, true);
    fprintf(out, " %-15s %c", r->source, r->pulse ? 'P' : 'S');
    put_e(out, r->raw_offset_s);
    put_e(out, r->offset_s);
    put_e(out, r->filtered_s);
    fprintf(out, " %s\n", rc_verdict_name(r->verdict));
}

/* chrony's measurements log, as far as the columns mean the same here: leap, stratum, offset
 * (local - source), the exchange's delay and dispersion, the source's root delay and
 * dispersion, its reference ID, and what the discipline made of it. */
void statlog_measurement_line(FILE *out, const struct rc_sample_rec *r)
{
    const struct drv_ntp_sample *m = r->ntp;
    static const char leap[] = {'N', '+', '-'};
    put_date(out, r->local_ns, false);
    fprintf(out, " %-15s %c %2d", r->source, leap[m->leap <= CLK_LEAP_DELETE ? m->leap : 0],
            m->stratum);
    put_e(out, r->raw_offset_s);
    put_e(out, m->delay_s);
    put_e(out, m->root_disp_s);
    put_e(out, m->root_delay_s);
    fprintf(out, " %08X %s\n", (unsigned)m->refid, rc_verdict_name(r->verdict));
}

void statlog_banner(FILE *out, enum statlog_kind k)
{
    char head[256];
    switch (k) {
    case STATLOG_TRACKING:
        snprintf(head, sizeof(head), "%-19s %-8s %-15s %2s %10s %9s %*s %*s %*s %*s %*s %s",
                 "   Date (UTC) Time", "Ref-ID", "Source", "St", "Freq ppm", "Skew ppm",
                 E_WIDTH, "Offset", E_WIDTH, "RMS offset", E_WIDTH, "Root delay", E_WIDTH,
                 "Root disp", E_WIDTH, "Max error", "L");
        break;
    case STATLOG_STATISTICS:
        snprintf(head, sizeof(head), "%-19s %-15s %*s %*s %*s %*s %8s %3s %4s %5s",
                 "   Date (UTC) Time", "Source", E_WIDTH, "Std dev'n", E_WIDTH, "Est offset",
                 E_WIDTH, "Last offset", E_WIDTH, "Latency", "Samples", "Win", "Runs", "Reach");
        break;
    case STATLOG_REFCLOCKS:
        snprintf(head, sizeof(head), "%-26s %-15s %s %*s %*s %*s %s", "   Date (UTC) Time",
                 "Source", "P", E_WIDTH, "Raw offset", E_WIDTH, "Offset", E_WIDTH, "Filtered",
                 "Status");
        break;
    default:
        snprintf(head, sizeof(head), "%-19s %-15s %s %2s %*s %*s %*s %*s %-8s %s",
                 "   Date (UTC) Time", "Source", "L", "St", E_WIDTH, "Offset", E_WIDTH,
                 "Peer del.", E_WIDTH, "Root disp.", E_WIDTH, "Root del.", "Refid", "Status");
        break;
    }
    size_t width = strlen(head);
    for (int row = 0; row < 3; row++) {
        if (row == 1) {
            fprintf(out, "%s\n", head);
            continue;
        }
        for (size_t i = 0; i < width; i++) {
            fputc('=', out);
        }
        fputc('\n', out);
    }
}

/* --- files ----------------------------------------------------------------------------------- */

static struct {
    FILE *f[STATLOG__COUNT];
    char path[STATLOG__COUNT][PATH_MAX];
    bool failing[STATLOG__COUNT];     /* a write failed: logged once until one works */
} sl;

static int open_one(enum statlog_kind k)
{
    /* Not through a symlink: when no `user` is set the daemon writes as root. */
    int fd = open(sl.path[k], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                  0640);
    if (fd < 0) {
        return -errno;
    }
    struct stat st;
    FILE *f = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "a") : NULL;
    if (f == NULL) {
        int e = errno != 0 ? errno : EINVAL;
        close(fd);
        return -e;
    }
    setvbuf(f, NULL, _IOFBF, BUFSIZ);
    if (st.st_size == 0) {
        statlog_banner(f, k);
    }
    if (sl.f[k] != NULL) {
        fclose(sl.f[k]);
    }
    sl.f[k] = f;
    sl.failing[k] = false;
    return 0;
}

int statlog_open(const char *dir, unsigned mask)
{
    statlog_close();
    for (int k = 0; k < STATLOG__COUNT; k++) {
        if ((mask & STATLOG_BIT(k)) == 0) {
            continue;
        }
        if ((size_t)snprintf(sl.path[k], sizeof(sl.path[k]), "%s/%s.log", dir, names[k]) >=
            sizeof(sl.path[k])) {
            log_err("log %s: %s: path too long", names[k], dir);
            return -ENAMETOOLONG;
        }
        int r = open_one((enum statlog_kind)k);
        if (r < 0) {
            log_err("log %s: cannot open %s: %s", names[k], sl.path[k], strerror(-r));
            statlog_close();
            return r;
        }
    }
    return 0;
}

int statlog_reopen(void)
{
    int first = 0;
    statlog_flush();
    for (int k = 0; k < STATLOG__COUNT; k++) {
        if (sl.f[k] == NULL) {
            continue;
        }
        int r = open_one((enum statlog_kind)k);
        if (r < 0) {
            log_warnx("log %s: cannot reopen %s: %s; writing on to the old file", names[k],
                      sl.path[k], strerror(-r));
            first = first != 0 ? first : r;
        }
    }
    return first;
}

FILE *statlog_file(enum statlog_kind k)
{
    return (unsigned)k < STATLOG__COUNT ? sl.f[k] : NULL;
}

void statlog_flush(void)
{
    for (int k = 0; k < STATLOG__COUNT; k++) {
        if (sl.f[k] == NULL) {
            continue;
        }
        if (fflush(sl.f[k]) != 0) {
            if (!sl.failing[k]) {
                log_warn("log %s: cannot write %s", names[k], sl.path[k]);
                sl.failing[k] = true;
            }
            clearerr(sl.f[k]);
        } else if (sl.failing[k]) {
            log_info("log %s: %s written again", names[k], sl.path[k]);
            sl.failing[k] = false;
        }
    }
}

void statlog_close(void)
{
    for (int k = 0; k < STATLOG__COUNT; k++) {
        if (sl.f[k] != NULL) {
            fclose(sl.f[k]);
            sl.f[k] = NULL;
        }
    }
}
