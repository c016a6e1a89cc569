/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmea_parse: field-level parsing of the five time sentences and the fix-cycle assembly.
 * Validity follows the sentence's own flags, strictly: a time server must not take the
 * receiver's RTC guess before a fix (RMC status V, GGA quality 0, mode N), nor an estimated
 * (dead-reckoning, E/6), manual (M/7) or simulated (S/8) fix.
 */
#include "drivers/nmea_parse.h"

#include <stdio.h>
#include <string.h>

#include "common/ntime.h"

#define MAX_FIELDS 32
#define WEEK_ROLLOVER_NS (1024LL * 7 * NT_NS_PER_DAY)

struct fields {
    char buf[128];
    char *f[MAX_FIELDS];
    int n;
};

static bool split(const char *text, size_t len, struct fields *fs)
{
    if (len >= sizeof(fs->buf)) {
        return false;
    }
    memcpy(fs->buf, text, len);
    fs->buf[len] = '\0';
    fs->n = 0;
    char *p = fs->buf;
    for (;;) {
        if (fs->n == MAX_FIELDS) {
            return false;
        }
        fs->f[fs->n++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL) {
            break;
        }
        *comma = '\0';
        p = comma + 1;
    }
    return true;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "hhmmss" or "hhmmss.f..." (any number of fraction digits). */
static bool parse_time(const char *s, struct nmea_sentence *out)
{
    if (strlen(s) < 6 || !digits(s, 2, &out->hour) || !digits(s + 2, 2, &out->min) ||
        !digits(s + 4, 2, &out->sec)) {
        return false;
    }
    if (out->hour > 23 || out->min > 59 || out->sec > 60) {
        return false;
    }
    out->frac_ns = 0;
    const char *p = s + 6;
    if (*p == '.') {
        int64_t scale = NT_NS_PER_S / 10;
        for (p++; *p != '\0'; p++) {
            if (*p < '0' || *p > '9') {
                return false;
            }
            out->frac_ns += (*p - '0') * scale;
            scale /= 10;
        }
    } else if (*p != '\0') {
        return false;
    }
    out->has_time = true;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

static bool valid_date(int y, int m, int d)
{
    return y >= 1980 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* The century that puts a two-digit year within 50 years of the pivot's year. */
static int resolve_year(int yy, int64_t pivot_ns)
{
    struct nt_utc p;
    nt_to_utc(pivot_ns, &p);
    int y = p.year - p.year % 100 + yy;
    if (y < p.year - 50) {
        y += 100;
    } else if (y >= p.year + 50) {
        y -= 100;
    }
    return y;
}

/* NMEA 2.3+ mode indicator: A autonomous, D differential, F float RTK, R RTK, P precise are
 * fixes; N none, E estimated, M manual, S simulator are not. */
static enum nmea_validity mode_validity(char m)
{
    return strchr("ADFRP", m) != NULL && m != '\0' ? NMEA_VALID_YES : NMEA_VALID_NO;
}

enum nmea_error nmea_parse_sentence(const char *text, size_t len, int64_t pivot_ns,
                                    struct nmea_sentence *out)
{
    memset(out, 0, sizeof(*out));
    struct fields fs;
    if (!split(text, len, &fs)) {
        return NMEA_ERR_FORMAT;
    }
    const char *addr = fs.f[0];
    size_t alen = strlen(addr);
    if (alen < 2 || alen > 6) {
        return NMEA_ERR_FORMAT;
    }
    snprintf(out->address, sizeof(out->address), "%s", addr);
    if (alen != 5 || addr[0] < 'A' || addr[0] > 'Z' || addr[1] < 'A' || addr[1] > 'Z' ||
        addr[0] == 'P') {
        return NMEA_ERR_NOT_TIME; /* proprietary ($P...) or unusual addresses */
    }
    const char *type = addr + 2;
    char **f = fs.f;
    int n = fs.n;
    if (strcmp(type, "RMC") == 0) {
        /* RMC,time,status,lat,N,lon,E,sog,cog,date,magvar,E[,mode[,navstatus]] */
        out->kind = NMEA_RMC;
        if (n < 12) {
            return NMEA_ERR_FORMAT;
        }
        if (f[1][0] == '\0' && f[9][0] == '\0') {
            return NMEA_ERR_NOT_TIME; /* "$GPRMC,,V,,,,,,,,,,N": no time at all */
        }
        if (!parse_time(f[1], out)) {
            return NMEA_ERR_FORMAT;
        }
        if (f[9][0] != '\0') {
            int d, m, yy;
            if (strlen(f[9]) != 6 || !digits(f[9], 2, &d) || !digits(f[9] + 2, 2, &m) ||
                !digits(f[9] + 4, 2, &yy)) {
                return NMEA_ERR_FORMAT;
            }
            out->year = resolve_year(yy, pivot_ns);
            out->month = m;
            out->day = d;
            out->two_digit_year = true;
            out->has_date = valid_date(out->year, m, d);
            if (!out->has_date) {
                return NMEA_ERR_FORMAT;
            }
        }
        out->valid = f[2][0] == 'A' && f[2][1] == '\0' ? NMEA_VALID_YES : NMEA_VALID_NO;
        if (n >= 13 && f[12][0] != '\0' && mode_validity(f[12][0]) == NMEA_VALID_NO) {
            out->valid = NMEA_VALID_NO;
        }
    } else if (strcmp(type, "ZDA") == 0) {
        /* ZDA,time,dd,mm,yyyy,zone_h,zone_m: date and time, no fix indicator */
        out->kind = NMEA_ZDA;
        if (n < 5) {
            return NMEA_ERR_FORMAT;
        }
        if (f[1][0] == '\0') {
            return NMEA_ERR_NOT_TIME;
        }
        if (!parse_time(f[1], out)) {
            return NMEA_ERR_FORMAT;
        }
        int d, m, y;
        if (f[2][0] != '\0' || f[3][0] != '\0' || f[4][0] != '\0') {
            if (strlen(f[2]) != 2 || strlen(f[3]) != 2 || strlen(f[4]) != 4 ||
                !digits(f[2], 2, &d) || !digits(f[3], 2, &m) || !digits(f[4], 4, &y) ||
                !valid_date(y, m, d)) {
                return NMEA_ERR_FORMAT;
            }
            out->year = y;
            out->month = m;
            out->day = d;
            out->has_date = true;
        }
        out->valid = NMEA_VALID_UNKNOWN;
    } else if (strcmp(type, "GGA") == 0) {
        /* GGA,time,lat,N,lon,E,quality,nsat,hdop,alt,M,sep,M,age,station */
        out->kind = NMEA_GGA;
        if (n < 7) {
            return NMEA_ERR_FORMAT;
        }
        if (f[1][0] == '\0') {
            return NMEA_ERR_NOT_TIME;
        }
        if (!parse_time(f[1], out)) {
            return NMEA_ERR_FORMAT;
        }
        char q = f[6][0];
        /* 1 GPS, 2 DGPS, 3 PPS, 4 RTK fixed, 5 RTK float; 0 none, 6 estimated, 7 manual,
         * 8 simulation. */
        out->valid = q >= '1' && q <= '5' && f[6][1] == '\0' ? NMEA_VALID_YES : NMEA_VALID_NO;
    } else if (strcmp(type, "GNS") == 0) {
        /* GNS,time,lat,N,lon,E,mode(one char per constellation),nsat,... */
        out->kind = NMEA_GNS;
        if (n < 7) {
            return NMEA_ERR_FORMAT;
        }
        if (f[1][0] == '\0') {
            return NMEA_ERR_NOT_TIME;
        }
        if (!parse_time(f[1], out)) {
            return NMEA_ERR_FORMAT;
        }
        out->valid = NMEA_VALID_NO;
        for (const char *m = f[6]; *m != '\0'; m++) {
            if (mode_validity(*m) == NMEA_VALID_YES) {
                out->valid = NMEA_VALID_YES;
            }
        }
    } else if (strcmp(type, "GLL") == 0) {
        /* GLL,lat,N,lon,E,time,status[,mode]: time and status arrived in NMEA 2.x */
        out->kind = NMEA_GLL;
        if (n < 7 || f[5][0] == '\0') {
            return n < 5 ? NMEA_ERR_FORMAT : NMEA_ERR_NOT_TIME;
        }
        if (!parse_time(f[5], out)) {
            return NMEA_ERR_FORMAT;
        }
        out->valid = f[6][0] == 'A' ? NMEA_VALID_YES : NMEA_VALID_NO;
        if (n >= 8 && f[7][0] != '\0' && mode_validity(f[7][0]) == NMEA_VALID_NO) {
            out->valid = NMEA_VALID_NO;
        }
    } else {
        return NMEA_ERR_NOT_TIME;
    }
    return NMEA_OK;
}

int64_t nmea_rollover_correct(int64_t t_ns, int64_t pivot_ns)
{
    /* A day of slack: the pivot may be a build date taken at midnight. */
    for (int i = 0; i < 8 && t_ns < pivot_ns - NT_NS_PER_DAY; i++) {
        t_ns += WEEK_ROLLOVER_NS;
    }
    return t_ns;
}

void nmea_cycle_init(struct nmea_cycle *c, int64_t pivot_ns)
{
    memset(c, 0, sizeof(*c));
    c->pivot_ns = pivot_ns;
}

static int sec_of_day(int h, int m, int s)
{
    return h * 3600 + m * 60 + s;
}

static bool complete(struct nmea_cycle *c, struct nmea_fix *out)
{
    if (!c->open) {
        return false;
    }
    c->open = false;
    *out = c->fix;
    int sod = sec_of_day(c->hour, c->min, c->sec);
    int y, m, d;
    if (c->has_date) {
        y = c->year;
        m = c->month;
        d = c->day;
    } else if (c->known_date) {
        /* GGA/GLL/GNS alone: the last date seen, and the next day once the time of day goes
         * back past midnight. */
        y = c->last_year;
        m = c->last_month;
        d = c->last_day;
        if (sod < c->last_sec_of_day - 43200) {
            int64_t days = nt_days_from_civil(y, m, d) + 1;
            nt_civil_from_days(days, &y, &m, &d);
        }
    } else {
        out->valid = false;
        out->utc_ns = 0;
        return true;
    }
    c->known_date = true;
    c->last_year = y;
    c->last_month = m;
    c->last_day = d;
    c->last_sec_of_day = sod;
    int64_t t = nt_from_utc(y, m, d, c->hour, c->min, c->sec, c->frac_ns);
    out->utc_ns = nmea_rollover_correct(t, c->pivot_ns);
    out->leap_second = c->sec == 60;
    out->valid = c->validity == NMEA_VALID_YES;
    return true;
}

bool nmea_cycle_feed(struct nmea_cycle *c, const struct nmea_sentence *s, int64_t rx_ns,
                     struct nmea_fix *out)
{
    if (!s->has_time) {
        return false;
    }
    bool same = c->open && s->hour == c->hour && s->min == c->min && s->sec == c->sec &&
                s->frac_ns == c->frac_ns;
    bool done = false;
    if (!same) {
        done = complete(c, out);
        c->open = true;
        c->hour = s->hour;
        c->min = s->min;
        c->sec = s->sec;
        c->frac_ns = s->frac_ns;
        c->has_date = false;
        c->validity = NMEA_VALID_UNKNOWN;
        memset(&c->fix, 0, sizeof(c->fix));
        c->fix.rx_ns = rx_ns;
    }
    if (s->has_date) {
        c->has_date = true;
        c->year = s->year;
        c->month = s->month;
        c->day = s->day;
    }
    /* Any sentence saying "no fix" makes the cycle invalid; otherwise one "fix" is enough. */
    if (s->valid == NMEA_VALID_NO) {
        c->validity = NMEA_VALID_NO;
    } else if (s->valid == NMEA_VALID_YES && c->validity != NMEA_VALID_NO) {
        c->validity = NMEA_VALID_YES;
    }
    if (c->fix.n_sentences < NMEA_CYCLE_MAX_SENTENCES) {
        snprintf(c->fix.sentences[c->fix.n_sentences++], sizeof(c->fix.sentences[0]), "%s",
                 s->address);
    }
    return done;
}

bool nmea_cycle_flush(struct nmea_cycle *c, struct nmea_fix *out)
{
    return complete(c, out);
}
