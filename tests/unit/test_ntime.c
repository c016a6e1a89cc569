/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the time representation: NTP eras (2036-02-07, 2038-01-19), calendar, formats. */
#include <string.h>

#include "check.h"
#include "common/ntime.h"

static void test_ntp64_epochs(void)
{
    /* The Unix epoch is NTP 2208988800 in era 0. */
    CHECK(nt_to_ntp64(0) == (uint64_t)NT_NTP_UNIX_DELTA_S << 32);
    /* 2036-02-07T06:28:16Z: era 0 ends, era 1 second 0. */
    int64_t era1 = nt_from_utc(2036, 2, 7, 6, 28, 16, 0);
    CHECK_INT(era1 / NT_NS_PER_S, (1LL << 32) - NT_NTP_UNIX_DELTA_S);
    CHECK(nt_to_ntp64(era1) == 0);
    CHECK(nt_to_ntp64(era1 - NT_NS_PER_S) == 0xffffffffull << 32);
    /* Half a second later: fraction 0x80000000. */
    CHECK(nt_to_ntp64(era1 + NT_NS_PER_S / 2) == 0x80000000ull);
    /* 2038-01-19T03:14:08Z, where a signed 32-bit time_t overflows. */
    int64_t y2038 = nt_from_utc(2038, 1, 19, 3, 14, 8, 0);
    CHECK_INT(y2038 / NT_NS_PER_S, 1LL << 31);
    CHECK(nt_to_ntp64(y2038) >> 32 == (uint64_t)((1LL << 31) + NT_NTP_UNIX_DELTA_S - (1LL << 32)));
}

static void test_ntp64_round_trip(void)
{
    int64_t pivot_2026 = nt_from_utc(2026, 1, 1, 0, 0, 0, 0);
    const int64_t cases[] = {
        0,
        nt_from_utc(2000, 1, 1, 0, 0, 0, 0),
        nt_from_utc(2026, 11, 24, 4, 21, 20, 123456789),
        nt_from_utc(2036, 2, 7, 6, 28, 15, 999999999),
        nt_from_utc(2036, 2, 7, 6, 28, 16, 0),
        nt_from_utc(2036, 2, 7, 6, 28, 16, 1),
        nt_from_utc(2038, 1, 19, 3, 14, 7, 999999000),
        nt_from_utc(2038, 1, 19, 3, 14, 8, 500000000),
        nt_from_utc(2060, 6, 30, 23, 59, 59, 0),
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* A pivot within 68 years recovers the instant (to the 0.23 ns resolution). */
        int64_t pivot = cases[i] > pivot_2026 ? cases[i] - 40LL * 365 * NT_NS_PER_DAY : pivot_2026;
        int64_t back = nt_from_ntp64(nt_to_ntp64(cases[i]), pivot);
        CHECK_NEAR((double)(back - cases[i]), 0.0, 1.0);
    }
    /* Era 1 timestamps read with a 2026 pivot land after 2036, not in 1900. */
    int64_t t = nt_from_utc(2037, 3, 1, 0, 0, 0, 0);
    CHECK(nt_from_ntp64(nt_to_ntp64(t), pivot_2026) == t);
    /* And a 1999 timestamp with the same pivot stays in 1999. */
    t = nt_from_utc(1999, 8, 22, 0, 0, 0, 0);
    CHECK(nt_from_ntp64(nt_to_ntp64(t), pivot_2026) == t);
}

static void test_short_format(void)
{
    CHECK(nt_to_ntp_short(0) == 0);
    CHECK(nt_to_ntp_short(-1.0) == 0);
    CHECK(nt_to_ntp_short(1.0) == 0x10000);
    CHECK(nt_to_ntp_short(0.5) == 0x8000);
    CHECK(nt_to_ntp_short(2e-6) == 1);                   /* a bound is rounded up, never to 0 */
    CHECK(nt_to_ntp_short(1.0 + 1e-9) == 0x10001);
    CHECK(nt_to_ntp_short(1e9) == 0xffffffffu);
    CHECK_NEAR(nt_from_ntp_short(0x18000), 1.5, 1e-12);
}

static void test_calendar(void)
{
    int y, m, d;
    CHECK_INT(nt_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(nt_days_from_civil(2000, 3, 1), 11017);
    nt_civil_from_days(nt_days_from_civil(2024, 2, 29), &y, &m, &d);
    CHECK(y == 2024 && m == 2 && d == 29);
    nt_civil_from_days(-1, &y, &m, &d);
    CHECK(y == 1969 && m == 12 && d == 31);
    /* Second 60 maps to the start of the next minute, as POSIX time does. */
    CHECK(nt_from_utc(2016, 12, 31, 23, 59, 60, 0) == nt_from_utc(2017, 1, 1, 0, 0, 0, 0));

    struct nt_utc u;
    nt_to_utc(nt_from_utc(2036, 2, 7, 6, 28, 16, 250000000), &u);
    CHECK(u.year == 2036 && u.month == 2 && u.day == 7 && u.hour == 6 && u.min == 28 &&
          u.sec == 16 && u.frac_ns == 250000000);
    nt_to_utc(-1, &u);
    CHECK(u.year == 1969 && u.sec == 59 && u.frac_ns == 999999999);

    char buf[32];
    CHECK(nt_format_iso_ms(nt_from_utc(2023, 12, 1, 11, 57, 48, 999999), buf, sizeof(buf)) == 24);
    CHECK(strcmp(buf, "2023-12-01T11:57:48.000Z") == 0);
    CHECK(nt_format_iso_ms(0, buf, 10) == -1);

    int64_t t;
    CHECK(nt_parse_date("2019-04-07", &t) && t == nt_from_utc(2019, 4, 7, 0, 0, 0, 0));
    CHECK(!nt_parse_date("2019-02-29", &t));
    CHECK(!nt_parse_date("2019-4-7", &t));
    CHECK(!nt_parse_date("2019-04-07x", &t));
    CHECK(!nt_parse_date("", &t));
}

static void test_timespec(void)
{
    struct timespec ts = nt_to_timespec(-1);
    CHECK(ts.tv_sec == -1 && ts.tv_nsec == 999999999);
    CHECK(nt_from_timespec(ts) == -1);
    CHECK(nt_from_s(-0.0000000015) == -2);
    CHECK_NEAR(nt_to_s(1500000000), 1.5, 1e-12);
}

int main(void)
{
    test_ntp64_epochs();
    test_ntp64_round_trip();
    test_short_format();
    test_calendar();
    test_timespec();
    return check_result();
}
