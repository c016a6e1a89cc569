/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpssim_nmea: sentence generation for the simulator. The receiver sits at a fixed position;
 * what matters here is the time, the date and the fix flags, formatted as real receivers do
 * (NMEA 2.3 with mode indicators, hundredths of a second).
 */
#include "tests/sim/gpssim_nmea.h"

#include <stdio.h>
#include <string.h>

#include "common/ntime.h"

#define WEEK_ROLLOVER_NS (1024LL * 7 * NT_NS_PER_DAY)

size_t gpssim_nmea_finish(char *s, size_t len, size_t cap, bool bad_checksum)
{
    uint8_t sum = 0;
    for (size_t i = 1; i < len; i++) {
        sum ^= (uint8_t)s[i];
    }
    if (bad_checksum) {
        sum ^= 0x5a;
    }
    int n = snprintf(s + len, cap - len, "*%02X\r\n", sum);
    return n > 0 && (size_t)n < cap - len ? len + (size_t)n : 0;
}

static size_t add(char *buf, size_t used, size_t cap, bool bad, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#include <stdarg.h>
static size_t add(char *buf, size_t used, size_t cap, bool bad, const char *fmt, ...)
{
    if (used == 0 && cap > 0) {
        buf[0] = '\0';
    }
    if (used >= cap) {
        return cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - used) {
        return cap;
    }
    size_t end = gpssim_nmea_finish(buf + used, (size_t)n, cap - used, bad);
    return end == 0 ? cap : used + end;
}

size_t gpssim_nmea_epoch(const struct gpssim_epoch *e, char *buf, size_t cap)
{
    int64_t t = e->utc_ns;
    struct nt_utc u;
    nt_to_utc(e->leap_second ? t - NT_NS_PER_S : t, &u);
    if (e->leap_second) {
        u.sec = 60;
    }
    struct nt_utc d = u;
    if (e->rollover_bug) {
        nt_to_utc((e->leap_second ? t - NT_NS_PER_S : t) - WEEK_ROLLOVER_NS, &d);
    }
    char hms[16];
    snprintf(hms, sizeof(hms), "%02d%02d%02d.00", u.hour, u.min, u.sec);
    const char *tk = e->talker;
    bool bad = e->bad_checksum;
    size_t n = 0;
    if (e->fix) {
        n = add(buf, n, cap, bad, "$%sRMC,%s,A,4807.0380,N,01131.0000,E,0.02,31.66,%02d%02d%02d,,,A",
                tk, hms, d.day, d.month, d.year % 100);
        n = add(buf, n, cap, bad, "$%sGGA,%s,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,",
                tk, hms);
        n = add(buf, n, cap, bad, "$%sGSA,A,3,04,05,09,12,17,24,25,29,,,,,1.8,0.9,1.5", tk);
    } else {
        n = add(buf, n, cap, bad, "$%sRMC,%s,V,,,,,,,%02d%02d%02d,,,N", tk, hms, d.day, d.month,
                d.year % 100);
        n = add(buf, n, cap, bad, "$%sGGA,%s,,,,,0,00,99.9,,M,,M,,", tk, hms);
        n = add(buf, n, cap, bad, "$%sGSA,A,1,,,,,,,,,,,,,99.9,99.9,99.9", tk);
    }
    n = add(buf, n, cap, bad, "$%sGSV,2,1,08,04,45,120,42,05,30,045,38,09,62,300,45,12,15,200,33",
            tk);
    n = add(buf, n, cap, bad, "$%sGSV,2,2,08,17,22,090,36,24,71,010,47,25,10,330,30,29,40,250,41",
            tk);
    n = add(buf, n, cap, bad, "$%sZDA,%s,%02d,%02d,%04d,00,00", tk, hms, d.day, d.month, d.year);
    return n >= cap ? 0 : n;
}
