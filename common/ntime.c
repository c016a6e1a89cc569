/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntime: conversions of the one time representation (int64_t ns since the Unix epoch) to and
 * from timespec, NTP timestamps and the civil calendar. Pure functions, no clock reads.
 */
#include "common/ntime.h"

#include <math.h>
#include <stdio.h>

int64_t nt_from_timespec(struct timespec ts)
{
    return (int64_t)ts.tv_sec * NT_NS_PER_S + ts.tv_nsec;
}

struct timespec nt_to_timespec(int64_t t_ns)
{
    struct timespec ts;
    int64_t sec = t_ns / NT_NS_PER_S;
    int64_t nsec = t_ns % NT_NS_PER_S;
    if (nsec < 0) {
        nsec += NT_NS_PER_S;
        sec -= 1;
    }
    ts.tv_sec = (time_t)sec;
    ts.tv_nsec = (long)nsec;
    return ts;
}

double nt_to_s(int64_t d_ns)
{
    return (double)d_ns / 1e9;
}

int64_t nt_from_s(double d_s)
{
    double ns = d_s * 1e9;
    return (int64_t)(ns < 0 ? ns - 0.5 : ns + 0.5);
}

/* Floor division, so that instants before an era boundary land in the previous era. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

uint64_t nt_to_ntp64(int64_t t_ns)
{
    int64_t nsec = t_ns % NT_NS_PER_S;
    if (nsec < 0) {
        nsec += NT_NS_PER_S;
    }
    int64_t sec = floor_div(t_ns, NT_NS_PER_S);
    /* Round the fraction to the nearest 2^-32 s; a carry into the seconds is handled by the
     * 64-bit addition below. */
    uint64_t frac = (((uint64_t)nsec << 32) + NT_NS_PER_S / 2) / NT_NS_PER_S;
    uint64_t ntp_sec = (uint64_t)(sec + NT_NTP_UNIX_DELTA_S) & 0xffffffffu;
    return (ntp_sec << 32) + frac;
}

int64_t nt_from_ntp64(uint64_t ntp, int64_t pivot_ns)
{
    /* Seconds since 1900 within the era, then the era that puts the result closest to the
     * pivot: the difference to the pivot, taken modulo 2^32 s as a signed 32-bit value. */
    int64_t pivot_ntp_s = floor_div(pivot_ns, NT_NS_PER_S) + NT_NTP_UNIX_DELTA_S;
    uint32_t era_s = (uint32_t)(ntp >> 32);
    int32_t diff = (int32_t)(era_s - (uint32_t)pivot_ntp_s);
    int64_t ntp_s = pivot_ntp_s + diff;
    int64_t frac_ns = (int64_t)(((ntp & 0xffffffffu) * (uint64_t)NT_NS_PER_S + (1ull << 31)) >> 32);
    return (ntp_s - NT_NTP_UNIX_DELTA_S) * NT_NS_PER_S + frac_ns;
}

uint32_t nt_to_ntp_short(double d_s)
{
    if (!(d_s > 0)) {
        return 0;
    }
    if (d_s >= 65535.0 + 65535.0 / 65536.0) {
        return 0xffffffffu;
    }
    return (uint32_t)ceil(d_s * 65536.0);
}

double nt_from_ntp_short(uint32_t v)
{
    return v / 65536.0;
}

/* Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms" (public domain). */
int64_t nt_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void nt_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

int64_t nt_from_utc(int year, int month, int day, int hour, int min, int sec, int64_t frac_ns)
{
    int64_t days = nt_days_from_civil(year, month, day);
    int64_t s = days * 86400 + hour * 3600 + min * 60 + sec;
    return s * NT_NS_PER_S + frac_ns;
}

void nt_to_utc(int64_t t_ns, struct nt_utc *out)
{
    int64_t s = floor_div(t_ns, NT_NS_PER_S);
    int64_t days = floor_div(s, 86400);
    int64_t sod = s - days * 86400;
    nt_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(sod / 3600);
    out->min = (int)(sod / 60 % 60);
    out->sec = (int)(sod % 60);
    out->frac_ns = t_ns - s * NT_NS_PER_S;
}

int nt_format_iso_ms(int64_t t_ns, char *buf, size_t len)
{
    struct nt_utc u;
    nt_to_utc(t_ns, &u);
    int n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", u.year, u.month, u.day,
                     u.hour, u.min, u.sec, (int)(u.frac_ns / NT_NS_PER_MS));
    return (n < 0 || (size_t)n >= len) ? -1 : n;
}

static int days_in_month(int year, int month)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : dim[month - 1];
}

bool nt_parse_date(const char *s, int64_t *out_ns)
{
    int y, m, d, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' || n != 10) {
        return false;
    }
    if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
        return false;
    }
    *out_ns = nt_from_utc(y, m, d, 0, 0, 0, 0);
    return true;
}

int64_t nt_next_midnight(int64_t t_ns)
{
    int64_t d = t_ns / NT_NS_PER_DAY;
    if (t_ns < 0 && d * NT_NS_PER_DAY != t_ns) {
        d--; /* floor, not truncation, before 1970 */
    }
    return (d + 1) * NT_NS_PER_DAY;
}
