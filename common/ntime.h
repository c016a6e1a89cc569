/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntime: the one time representation of gpsntpd.
 *
 * Every instant and every difference is an int64_t count of nanoseconds (suffix _ns). Instants
 * count from 1970-01-01T00:00:00 UTC on the POSIX scale (no leap seconds, as CLOCK_REALTIME);
 * that covers years 1678..2262. NTP's 32.32 format appears only in the packet codec, and double
 * seconds (suffix _s) only inside statistics, never for an absolute time: a double holds an
 * epoch time to about 0.2 us only.
 */
#ifndef GN_NTIME_H
#define GN_NTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NT_NS_PER_S 1000000000LL
#define NT_NS_PER_MS 1000000LL
#define NT_NS_PER_US 1000LL
#define NT_NS_PER_DAY (86400LL * NT_NS_PER_S)

/* Seconds from the NTP prime epoch (1900-01-01) to the Unix epoch. */
#define NT_NTP_UNIX_DELTA_S 2208988800LL

int64_t nt_from_timespec(struct timespec ts);
struct timespec nt_to_timespec(int64_t t_ns);

/* Statistics only: a difference in double seconds and back (rounded to nearest ns). */
double nt_to_s(int64_t d_ns);
int64_t nt_from_s(double d_s);

/*
 * NTP 64-bit timestamp (32.32 seconds since the start of the current NTP era) in host order.
 * nt_to_ntp64 wraps at era boundaries (2036-02-07T06:28:16Z is era 1, seconds 0). The fraction
 * is rounded to the nearest 2^-32 s.
 */
uint64_t nt_to_ntp64(int64_t t_ns);
/*
 * Inverse of nt_to_ntp64: picks the era that puts the result within 2^31 s (about 68 years) of
 * pivot_ns. An all-zero timestamp means "unknown" in NTP; callers check for it before converting.
 */
int64_t nt_from_ntp64(uint64_t ntp, int64_t pivot_ns);

/* NTP short format (16.16 unsigned seconds), used for root delay and root dispersion.
 * Rounded up: these are error bounds, and a bound rounded down (2 us sent as 0) would claim
 * more than is known. Negative inputs give 0; inputs beyond 65535.99998 s saturate. */
uint32_t nt_to_ntp_short(double d_s);
double nt_from_ntp_short(uint32_t v);

/* Proleptic Gregorian calendar: days since 1970-01-01 and back (Howard Hinnant's algorithm). */
int64_t nt_days_from_civil(int year, int month, int day);
void nt_civil_from_days(int64_t days, int *year, int *month, int *day);

/* UTC broken-down time to ns. sec may be 60 (a leap second): it maps to the first instant of
 * the next minute, as POSIX time does. frac_ns in [0, 1e9). */
int64_t nt_from_utc(int year, int month, int day, int hour, int min, int sec, int64_t frac_ns);

/* Broken-down UTC of an instant. */
struct nt_utc {
    int year, month, day, hour, min, sec;
    int64_t frac_ns;
};
void nt_to_utc(int64_t t_ns, struct nt_utc *out);

/* "2023-12-01T11:57:48.000Z" (milliseconds, truncated). Returns the length written, or -1 if
 * buf is too small (needs 25 bytes). */
int nt_format_iso_ms(int64_t t_ns, char *buf, size_t len);

/* The first UTC midnight strictly after t_ns (the end of its UTC day, where a leap second
 * goes). */
int64_t nt_next_midnight(int64_t t_ns);

/* Parse "YYYY-MM-DD" into the instant of its midnight UTC. Returns false on a bad date. */
bool nt_parse_date(const char *s, int64_t *out_ns);

#endif
